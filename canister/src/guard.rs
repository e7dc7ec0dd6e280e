//! Refusing hostile calls before they cost anything: every method's
//! argument policy (who may call it, how many bytes its argument may have,
//! how much Candid decoding work it may demand), applied twice.
//!
//! `canister_inspect_message` ([`inspect`]) drops ingress updates that would
//! be refused (the anonymous principal, a non-controller on an admin method,
//! an argument over its size) before the canister pays for them. Inspection
//! does not run for queries nor for calls from other canisters, so every
//! method also goes through [`check`] (the caller, then the size) and then
//! [`decode_bytes`] (the Candid, under a decoding quota and a skipping quota
//! sized to the documented caps). A refusal before decoding is a typed
//! [`Error`]; an argument that does not decode, or that needs more decoding
//! work than its quota, is rejected (the call traps, nothing changes).
//!
//! Measured costs of the refusals are in `canister/INSTRUCTIONS.md`.

use crate::state::Env;
use candid::utils::ArgumentDecoder;
use candid::{DecoderConfig, Principal};

/// Who may call a method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Callers {
    /// Queries: anyone, the anonymous principal too.
    Anyone,
    /// Open updates (publishing): any principal but the anonymous one.
    Authenticated,
    /// Admin updates: the canister's controllers.
    Controllers,
}

/// One method's argument policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// The method.
    pub method: &'static str,
    /// Who may call it.
    pub callers: Callers,
    /// Bytes of Candid the argument may have.
    pub max_arg_bytes: usize,
    /// Candid decoding quota (the cost model of `DecoderConfig::set_decoding_quota`).
    pub decoding_quota: usize,
}

/// Skipped values (extra fields, extra arguments, mismatched options) are
/// never needed: ic-cdk's own default.
pub const SKIPPING_QUOTA: usize = 10_000;

use candid::CandidType;
use ic_topology::api::*;
use serde::de::DeserializeOwned;
use Callers::*;

/// An endpoint's argument as its decoder hands it over: `Err` is a refusal
/// (a stranger on an admin method, an argument over its size), made before
/// any Candid was decoded, and the endpoint replies with it.
pub type Arg<T> = Result<T>;

/// The one method table's machinery. The table itself is in `lib.rs`: each
/// line is a method of the interface, and its endpoint. A line reads
///
/// ```text
/// query evaluate_candidates(req: EvaluateRequest) -> Result<Evaluation>, Anyone, 16 * KIB, 30_000
///     => { read(|s| s.evaluate_candidates(&Ic, req?)) }
/// ```
///
/// query or update, the method with its argument (none: `()`) and reply
/// types, who may call it ([`Callers`]), the bytes its argument may have and
/// its Candid decoding quota, then the endpoint's body (`async { .. }` for an
/// endpoint that awaits). From the table come `POLICIES` and `policy` (which
/// [`inspect`] applies), the endpoints (`#[ic_cdk::query]`/`#[ic_cdk::update]`),
/// each argument's decoder (the caller and the size checked by [`check`],
/// then the Candid decoded under the quota: [`decode`]), and the Candid
/// declarations of the methods with an argument (their endpoints decode it
/// themselves, which ic-cdk would export as `blob`; the declarations give
/// `export_candid!` the real types, and a test in `lib.rs` checks them
/// against `candid/topology.did`).
macro_rules! methods {
    ($($kind:ident $name:ident($($arg:ident: $ty:ty)?) -> $ret:ty, $callers:ident, $bytes:expr, $quota:expr
        => $($async:ident)? $body:block)*) => {
        /// Every method's argument policy, a line of the method table each.
        pub const POLICIES: &[$crate::guard::Policy] = &[$(
            $crate::guard::Policy {
                method: stringify!($name),
                callers: $crate::guard::Callers::$callers,
                max_arg_bytes: $bytes,
                decoding_quota: $quota,
            },
        )*];

        /// The policy of `method`, if it is one of the interface's.
        pub fn policy(method: &str) -> Option<&'static $crate::guard::Policy> {
            POLICIES.iter().find(|p| p.method == method)
        }

        $($crate::guard::methods!(@endpoint $kind $name($($arg: $ty)?) -> $ret, $callers, $bytes, $quota
            => $($async)? $body);)*
    };
    // Without an argument, ic-cdk decodes `()` (and declares the method).
    (@endpoint $kind:ident $name:ident() -> $ret:ty, $callers:ident, $bytes:expr, $quota:expr
        => $($async:ident)? $body:block) => {
        #[ic_cdk::$kind]
        $($async)? fn $name() -> $ret $body
    };
    // With one, the endpoint's own decoder under the line's policy.
    (@endpoint $kind:ident $name:ident($arg:ident: $ty:ty) -> $ret:ty, $callers:ident, $bytes:expr, $quota:expr
        => $($async:ident)? $body:block) => {
        mod $name {
            use super::*;

            const POLICY: $crate::guard::Policy = $crate::guard::Policy {
                method: stringify!($name),
                callers: $crate::guard::Callers::$callers,
                max_arg_bytes: $bytes,
                decoding_quota: $quota,
            };

            fn decode(bytes: Vec<u8>) -> $crate::guard::Arg<$ty> {
                $crate::guard::decode(&$crate::host::Ic, &POLICY, &bytes)
            }

            #[ic_cdk::$kind(hidden = true, decode_with = "decode")]
            $($async)? fn $name($arg: $crate::guard::Arg<$ty>) -> $ret $body

            /// The method as Candid declares it.
            #[allow(dead_code, unused_variables)]
            mod interface {
                use super::*;

                #[candid::candid_method($kind)]
                fn $name(arg: $ty) -> $ret {
                    unreachable!("a declaration for the Candid interface only")
                }
            }
        }
    };
}
pub(crate) use methods;

fn allowed(env: &impl Env, callers: Callers, caller: &Principal) -> bool {
    match callers {
        Anyone => true,
        Authenticated => *caller != Principal::anonymous(),
        Controllers => env.is_controller(caller),
    }
}

fn unauthorized(caller: Principal, method: &str) -> Error {
    Error::Unauthorized { caller, method: method.into() }
}

fn too_large(policy: &Policy, bytes: usize) -> Error {
    Error::InvalidArgument {
        field: "argument".into(),
        reason: format!("{bytes} bytes of Candid; {} takes at most {}", policy.method, policy.max_arg_bytes),
    }
}

/// `canister_inspect_message`: accept an ingress update only if the method
/// would not refuse it before decoding (`policies`: the method table's).
/// The anonymous principal is refused for every update (it cannot be held
/// to a quota), queries called as updates included.
pub fn inspect(env: &impl Env, policies: &[Policy], method: &str, arg_bytes: usize) -> std::result::Result<(), String> {
    let Some(policy) = policies.iter().find(|p| p.method == method) else {
        return Err(format!("{method} is not a method of this canister"));
    };
    let caller = env.caller();
    if caller == Principal::anonymous() {
        return Err(format!("{method}: the anonymous principal may not send updates"));
    }
    if !allowed(env, policy.callers, &caller) {
        return Err(format!("{method}: only controllers may call it"));
    }
    if arg_bytes > policy.max_arg_bytes {
        return Err(format!("{method}: {arg_bytes} bytes of argument, at most {}", policy.max_arg_bytes));
    }
    Ok(())
}

/// What a method checks before it decodes: the caller, then the size.
/// `Err` is the refusal the method returns as its reply.
pub fn check(env: &impl Env, policy: &Policy, arg_bytes: usize) -> Result<()> {
    let caller = env.caller();
    if !allowed(env, policy.callers, &caller) {
        return Err(unauthorized(caller, policy.method));
    }
    if arg_bytes > policy.max_arg_bytes {
        return Err(too_large(policy, arg_bytes));
    }
    Ok(())
}

/// A method's decoder (the endpoints' `decode_with`): [`check`], then the
/// Candid decoded under the quotas. Candid that does not decode within them
/// traps with the reason (a reject, as ic-cdk's own decoding gives).
pub fn decode<T: CandidType + DeserializeOwned>(env: &impl Env, policy: &Policy, bytes: &[u8]) -> Arg<T> {
    check(env, policy, bytes.len())?;
    let (arg,) = decode_bytes::<(T,)>(policy, bytes).unwrap_or_else(|e| ic_cdk::trap(e));
    Ok(arg)
}

/// Decode under `policy`'s quotas (after [`check`]). Candid that does not
/// decode, or needs more work than the quota, is an `Err` with the reason:
/// the method traps with it (a reject, as ic-cdk's own decoding gives).
pub fn decode_bytes<T: for<'a> ArgumentDecoder<'a>>(policy: &Policy, bytes: &[u8]) -> std::result::Result<T, String> {
    // An empty argument is no arguments, as ic-cdk takes it.
    let bytes: &[u8] = if bytes.is_empty() { b"DIDL\x00\x00" } else { bytes };
    candid::utils::decode_args_with_config(bytes, &config(policy))
        .map_err(|e| format!("the argument of {} does not decode within its quota: {e}", policy.method))
}

/// The Candid decoder's quotas of `policy`.
pub fn config(policy: &Policy) -> DecoderConfig {
    let mut config = DecoderConfig::new();
    config.set_decoding_quota(policy.decoding_quota.max(1_000));
    config.set_skipping_quota(SKIPPING_QUOTA);
    config
}

/// The decoding cost of `bytes` under `policy` (its quota lifted): what a
/// valid argument needs, for sizing the quotas.
pub fn decoding_cost<T: for<'a> ArgumentDecoder<'a>>(bytes: &[u8]) -> usize {
    let mut config = DecoderConfig::new();
    config.set_decoding_quota(usize::MAX / 2);
    // The debug decoder reports the cost spent in place of the quota.
    let (_, cost): (T, _) =
        candid::utils::decode_args_with_config_debug(bytes, &config).expect("a valid argument decodes");
    cost.decoding_quota.expect("the quota was set")
}

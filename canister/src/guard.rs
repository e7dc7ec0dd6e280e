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

use crate::host::Ic;
use crate::limits::{KIB, MAX_INGRESS_BYTES, NO_ARGUMENT_BYTES};
use ic_topology::api::*;
use Callers::*;

/// An endpoint's argument as its decoder hands it over: `Err` is a refusal
/// (a stranger on an admin method, an argument over its size), made before
/// any Candid was decoded, and the endpoint replies with it.
pub type Arg<T> = Result<T>;

/// The one method table. Each line is a method of the interface: query or
/// update, its argument and reply types (no argument: `()`), who may call it,
/// the bytes its argument may have and its Candid decoding quota. From it
/// come [`POLICIES`] (which [`check`] and [`inspect`] apply), the decoder of
/// each method with an argument (`decode::<method>`, the endpoints'
/// `decode_with`), and the Candid declarations of those methods (the
/// endpoints decode their own arguments, which ic-cdk would export as
/// `blob`; the declarations give `export_candid!` the real types, and a test
/// in `lib.rs` checks them against `candid/topology.did`).
macro_rules! methods {
    ($($kind:ident $name:ident($($ty:ty)?) -> $ret:ty, $callers:ident, $bytes:expr, $quota:expr;)*) => {
        /// Every method's argument policy (see the method table).
        pub const POLICIES: &[Policy] = &[$(
            Policy { method: stringify!($name), callers: $callers, max_arg_bytes: $bytes, decoding_quota: $quota },
        )*];

        /// The decoders named by the endpoints' `decode_with`: the caller and
        /// the size checked ([`check`]), then the Candid decoded under the quota.
        pub mod decode {
            use super::*;
            $($(
                #[doc = concat!("The argument of `", stringify!($name), "`.")]
                pub fn $name(bytes: Vec<u8>) -> Arg<$ty> {
                    let policy = check(&Ic, stringify!($name), bytes.len())?;
                    let (arg,) = decode_bytes::<($ty,)>(policy, &bytes).unwrap_or_else(|e| ic_cdk::trap(e));
                    Ok(arg)
                }
            )?)*
        }

        /// The interface as Candid declares it (see the method table).
        #[allow(dead_code, unused_variables)]
        mod interface {
            use super::*;
            $($(
                #[candid::candid_method($kind)]
                fn $name(arg: $ty) -> $ret {
                    unreachable!("a declaration for the Candid interface only")
                }
            )?)*
        }
    };
}

// The byte caps follow from the request caps of `crate::limits` (16 candidate
// rows of 128-byte texts, 2,000 nodes a chunk, the configuration's list caps);
// the decoding quotas are about twice the cost of the largest valid argument
// (the tests below and `wasm_hostile`), so a valid argument decodes and a
// hostile one stops early. Decoding costs about 700 instructions per unit of
// quota on the wasm host (small records), so a quota of 30,000 bounds a
// hostile argument at about 21 million instructions; a valid evaluation of the
// default network (70 KB) costs 85,000 units, so verify_evaluation's 400,000
// bound it at about 280 million (a valid verify_evaluation costs 120 million).
methods! {
    // Queries.
    query evaluate_candidates(EvaluateRequest) -> Result<Evaluation>, Anyone, 16 * KIB, 30_000;
    query proposal_summary(ProposalSummaryRequest) -> Result<ProposalSummary>, Anyone, 64 * KIB, 60_000;
    query verify_evaluation(Evaluation) -> Result<VerificationReport>, Anyone, 512 * KIB, 400_000;
    query list_nodes(ListNodesRequest) -> Result<NodePage>, Anyone, 4 * KIB, 10_000;
    query get_published_evaluation(String) -> Result<CertifiedEvaluation>, Anyone, KIB, 2_000;
    query export_snapshot(ExportRequest) -> Result<ExportPage>, Anyone, KIB, 2_000;
    query plan_membership_changes(PlanRequest) -> Result<MembershipPlan>, Anyone, 64 * KIB, 60_000;
    query verify_membership_change(MembershipChange) -> Result<MembershipChangeReport>, Anyone, 64 * KIB, 60_000;
    query get_published_plan(String) -> Result<CertifiedPlan>, Anyone, KIB, 2_000;
    query get_node_value(NodeValueRequest) -> Result<CertifiedNodeValue>, Anyone, 4 * KIB, 10_000;
    query get_proposal_verdict(u64) -> Result<CertifiedProposalVerdict>, Anyone, KIB, 2_000;
    query list_proposal_verdicts(ListProposalVerdictsRequest) -> Result<ProposalVerdictPage>, Anyone, KIB, 2_000;
    query http_request(HttpRequest) -> HttpResponse, Anyone, 64 * KIB, 60_000;
    query get_topology() -> Topology, Anyone, NO_ARGUMENT_BYTES, 0;
    query get_configuration() -> Configuration, Anyone, NO_ARGUMENT_BYTES, 0;
    query get_snapshot_info() -> SnapshotInfo, Anyone, NO_ARGUMENT_BYTES, 0;
    query get_decentralization() -> Result<Vec<SubnetDecentralization>>, Anyone, NO_ARGUMENT_BYTES, 0;
    query get_sync_status() -> SyncStatus, Anyone, NO_ARGUMENT_BYTES, 0;
    query list_published_evaluations() -> Vec<String>, Anyone, NO_ARGUMENT_BYTES, 0;
    query get_placement_map() -> Result<CertifiedPlacementMap>, Anyone, NO_ARGUMENT_BYTES, 0;
    // Open updates.
    update publish_evaluation(EvaluateRequest) -> Result<PublishedEvaluation>, Authenticated, 16 * KIB, 30_000;
    update publish_plan(PlanRequest) -> Result<PublishedPlan>, Authenticated, 64 * KIB, 60_000;
    // Admin updates.
    update set_topology(SetTopologyRequest) -> Result<()>, Controllers, 256 * KIB, 400_000;
    update update_configuration(ConfigurationUpdate) -> Result<()>, Controllers, MAX_INGRESS_BYTES, 3_000_000;
    update set_pipeline(Vec<PlannedNode>) -> Result<()>, Controllers, MAX_INGRESS_BYTES, 1_500_000;
    update begin_snapshot_upload(BeginSnapshotRequest) -> Result<()>, Controllers, KIB, 2_000;
    update upload_snapshot_nodes(Vec<Node>) -> Result<u64>, Controllers, MAX_INGRESS_BYTES, 3_000_000;
    update commit_snapshot_upload() -> Result<SnapshotInfo>, Controllers, NO_ARGUMENT_BYTES, 0;
    update sync_now() -> Result<SyncStatus>, Controllers, NO_ARGUMENT_BYTES, 0;
    update configure_placements(PlacementSettings) -> Result<()>, Controllers, KIB, 2_000;
    update configure_governance_watcher(GovernanceWatcherSettings) -> Result<()>, Controllers, KIB, 2_000;
}

/// The policy of `method`, if it is one of the interface's.
pub fn policy(method: &str) -> Option<&'static Policy> {
    POLICIES.iter().find(|p| p.method == method)
}

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
/// would not refuse it before decoding. The anonymous principal is refused
/// for every update (it cannot be held to a quota), queries called as
/// updates included.
pub fn inspect(env: &impl Env, method: &str, arg_bytes: usize) -> std::result::Result<(), String> {
    let Some(policy) = policy(method) else {
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
pub fn check(env: &impl Env, method: &str, arg_bytes: usize) -> Result<&'static Policy> {
    let policy = policy(method).unwrap_or_else(|| panic!("{method} has no line in the method table (guard::POLICIES)"));
    let caller = env.caller();
    if !allowed(env, policy.callers, &caller) {
        return Err(unauthorized(caller, method));
    }
    if arg_bytes > policy.max_arg_bytes {
        return Err(too_large(policy, arg_bytes));
    }
    Ok(policy)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::{MAX_CANDIDATE_ROWS, MAX_TEXT};
    use ic_topology::api;

    fn text(i: usize) -> String {
        let s = format!("{i:08}");
        s.repeat(MAX_TEXT / s.len())
    }

    /// The quotas leave room for the largest valid arguments.
    #[test]
    fn the_quotas_admit_the_largest_valid_arguments() {
        let row = api::CandidateRow {
            node_provider: text(1),
            data_center: text(2),
            data_center_provider: text(3),
            country: "AR".into(),
            is_sev: true,
            no_nodes: 2,
        };
        let req = api::EvaluateRequest {
            candidates: vec![row; MAX_CANDIDATE_ROWS],
            overrides: Some(api::SettingsOverride {
                synthetic_countries: Some(1),
                enforce_sev: Some(true),
                enforce_health: Some(true),
                enforce_blacklist: Some(true),
                enforce_per_provider_minimum: Some(true),
            }),
            include_allocation: Some(true),
        };
        let bytes = candid::encode_one(&req).unwrap();
        let cost = decoding_cost::<(api::EvaluateRequest,)>(&bytes);
        for m in ["evaluate_candidates", "publish_evaluation"] {
            let p = policy(m).unwrap();
            assert!(
                bytes.len() <= p.max_arg_bytes && cost * 2 <= p.decoding_quota,
                "{m}: {} bytes, cost {cost}",
                bytes.len()
            );
            decode_bytes::<(api::EvaluateRequest,)>(p, &bytes).unwrap();
        }
        let node = api::Node {
            node_id: text(1),
            node_operator_id: text(2),
            node_provider_id: text(3),
            node_provider_name: text(4),
            data_center: text(5),
            data_center_provider: text(6),
            region: text(7),
            node_type: Some(text(8)),
            status: text(9),
            subnet_id: Some(text(10)),
        };
        // As many of the longest nodes as fit in an ingress message (real ones
        // cost a third of these: 1,425 default nodes cost 635,000 units).
        let nodes = vec![node; 1_500];
        let bytes = candid::encode_one(&nodes).unwrap();
        let cost = decoding_cost::<(Vec<api::Node>,)>(&bytes);
        let p = policy("upload_snapshot_nodes").unwrap();
        assert!(bytes.len() <= p.max_arg_bytes && cost <= p.decoding_quota, "{} bytes, cost {cost}", bytes.len());
    }
}

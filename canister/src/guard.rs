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

use crate::api::{Error, Result};
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
    pub method: &'static str,
    pub callers: Callers,
    /// Bytes of Candid the argument may have.
    pub max_arg_bytes: usize,
    /// Candid decoding quota (the cost model of `DecoderConfig::set_decoding_quota`).
    pub decoding_quota: usize,
}

/// Skipped values (extra fields, extra arguments, mismatched options) are
/// never needed: ic-cdk's own default.
pub const SKIPPING_QUOTA: usize = 10_000;

/// A method without arguments: `DIDL\0\0` is 6 bytes; allow a little slack for encoders.
pub const NO_ARGUMENT_BYTES: usize = 64;

const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;

/// The IC's ingress limit: an argument is at most 2 MiB.
pub const MAX_INGRESS_BYTES: usize = 2 * MIB;

const fn p(method: &'static str, callers: Callers, max_arg_bytes: usize, decoding_quota: usize) -> Policy {
    Policy { method, callers, max_arg_bytes, decoding_quota }
}

use Callers::*;

/// Every method of the interface. The byte caps follow from the request caps
/// of `state` (16 candidate rows of 128-byte texts, 2,000 nodes a chunk, the
/// configuration's list caps); the decoding quotas are about twice the cost
/// of the largest valid argument (the tests below and `wasm_hostile`), so a
/// valid argument decodes and a hostile one stops early. Decoding costs about
/// 700 instructions per unit of quota on the wasm host (small records), so a
/// quota of 30,000 bounds a hostile argument at about 21 million
/// instructions; a valid evaluation of the default network (70 KB) costs
/// 85,000 units, so verify_evaluation's 400,000 bound it at about 280 million
/// (a valid verify_evaluation costs 120 million).
pub const POLICIES: &[Policy] = &[
    // Queries.
    p("evaluate_candidates", Anyone, 16 * KIB, 30_000),
    p("proposal_summary", Anyone, 64 * KIB, 60_000),
    p("verify_evaluation", Anyone, 512 * KIB, 400_000),
    p("list_nodes", Anyone, 4 * KIB, 10_000),
    p("get_published_evaluation", Anyone, KIB, 2_000),
    p("export_snapshot", Anyone, KIB, 2_000),
    p("plan_membership_changes", Anyone, 64 * KIB, 60_000),
    p("verify_membership_change", Anyone, 64 * KIB, 60_000),
    p("get_published_plan", Anyone, KIB, 2_000),
    p("get_node_value", Anyone, 4 * KIB, 10_000),
    p("get_proposal_verdict", Anyone, KIB, 2_000),
    p("list_proposal_verdicts", Anyone, KIB, 2_000),
    p("http_request", Anyone, 64 * KIB, 60_000),
    p("get_topology", Anyone, NO_ARGUMENT_BYTES, 0),
    p("get_configuration", Anyone, NO_ARGUMENT_BYTES, 0),
    p("get_snapshot_info", Anyone, NO_ARGUMENT_BYTES, 0),
    p("get_decentralization", Anyone, NO_ARGUMENT_BYTES, 0),
    p("get_sync_status", Anyone, NO_ARGUMENT_BYTES, 0),
    p("list_published_evaluations", Anyone, NO_ARGUMENT_BYTES, 0),
    p("get_placement_map", Anyone, NO_ARGUMENT_BYTES, 0),
    // Open updates.
    p("publish_evaluation", Authenticated, 16 * KIB, 30_000),
    p("publish_plan", Authenticated, 64 * KIB, 60_000),
    // Admin updates.
    p("set_topology", Controllers, 256 * KIB, 400_000),
    p("update_configuration", Controllers, MAX_INGRESS_BYTES, 3_000_000),
    p("set_pipeline", Controllers, MAX_INGRESS_BYTES, 1_500_000),
    p("begin_snapshot_upload", Controllers, KIB, 2_000),
    p("upload_snapshot_nodes", Controllers, MAX_INGRESS_BYTES, 3_000_000),
    p("commit_snapshot_upload", Controllers, NO_ARGUMENT_BYTES, 0),
    p("sync_now", Controllers, NO_ARGUMENT_BYTES, 0),
    p("configure_placements", Controllers, KIB, 2_000),
    p("configure_governance_watcher", Controllers, KIB, 2_000),
];

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
    let policy = policy(method).unwrap_or_else(|| panic!("{method} has no argument policy in guard::POLICIES"));
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

// ---- The configuration's lists: each has a count cap ----
//
// Caps sized so that `get_configuration`, with every list full of texts of
// the longest length (`state::MAX_TEXT`), stays under the 3 MiB reply limit
// of a query (the test below encodes that worst case).

pub const MAX_SEV_PROVIDERS: usize = 1_000;
pub const MAX_CORDONS: usize = 1_000;
pub const MAX_CLUSTERS: usize = 100;
pub const MAX_CLUSTER_MEMBERS: usize = 20;
pub const MAX_SPECIAL_LIMITS: usize = 200;
pub const MAX_COUNTRY_RESTRICTIONS: usize = 50;
/// Countries in all the country restrictions together.
pub const MAX_RESTRICTED_COUNTRIES: usize = 1_000;
pub const MAX_PROVIDER_NAMES: usize = 2_000;
/// The largest reply a query may send.
pub const MAX_REPLY_BYTES: usize = 3 * MIB;

fn over(field: &str, len: usize, max: usize) -> Result<()> {
    if len > max {
        return Err(Error::InvalidArgument { field: field.into(), reason: format!("{len} entries; at most {max}") });
    }
    Ok(())
}

/// The count caps of a configuration update's lists (the pipeline and node
/// health have theirs in `state`).
pub fn check_configuration_lists(u: &crate::api::ConfigurationUpdate) -> Result<()> {
    if let Some(l) = &u.sev_providers {
        over("sev_providers", l.len(), MAX_SEV_PROVIDERS)?;
    }
    if let Some(l) = &u.cordons {
        over("cordons", l.len(), MAX_CORDONS)?;
    }
    if let Some(l) = &u.clusters {
        over("clusters", l.len(), MAX_CLUSTERS)?;
        for (i, c) in l.iter().enumerate() {
            over(&format!("clusters[{i}].members"), c.members.len(), MAX_CLUSTER_MEMBERS)?;
        }
    }
    if let Some(Some(l)) = &u.special_limits {
        over("special_limits", l.len(), MAX_SPECIAL_LIMITS)?;
    }
    if let Some(Some(l)) = &u.country_restrictions {
        over("country_restrictions", l.len(), MAX_COUNTRY_RESTRICTIONS)?;
        let countries = l.iter().map(|r| r.countries.len()).sum();
        over("country_restrictions[*].countries", countries, MAX_RESTRICTED_COUNTRIES)?;
    }
    if let Some(l) = &u.provider_names {
        over("provider_names", l.len(), MAX_PROVIDER_NAMES)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api;
    use crate::state::{MAX_NODE_HEALTH, MAX_PIPELINE, MAX_TEXT};

    fn text(i: usize) -> String {
        let s = format!("{i:08}");
        s.repeat(MAX_TEXT / s.len())
    }

    /// `get_configuration` with every list at its cap, every text at its longest.
    #[test]
    fn the_largest_configuration_fits_in_a_reply() {
        let texts = |n: usize| (0..n).map(text).collect::<Vec<_>>();
        let configuration = api::Configuration {
            settings: ic_topology::api::convert::settings_out(ic_topology::inputs::RuleSet::Y2025.default_settings()),
            sev_providers: texts(MAX_SEV_PROVIDERS),
            cordons: (0..MAX_CORDONS)
                .map(|i| api::Cordon { feature: api::CordonedFeature::NodeProvider, value: text(i) })
                .collect(),
            clusters: (0..MAX_CLUSTERS)
                .map(|i| api::ProviderCluster { name: text(i), members: texts(MAX_CLUSTER_MEMBERS) })
                .collect(),
            special_limits: Some(
                (0..MAX_SPECIAL_LIMITS)
                    .map(|i| api::SpecialLimit {
                        scope: api::SpecialLimitScope::SubnetType(text(i)),
                        attribute: api::Attribute::Country,
                        value: text(i),
                        count: 1,
                        op: api::LimitOp::AtMost,
                    })
                    .collect(),
            ),
            country_restrictions: Some(
                (0..MAX_COUNTRY_RESTRICTIONS)
                    .map(|i| api::CountryRestriction {
                        subnet_type: text(i),
                        countries: texts(MAX_RESTRICTED_COUNTRIES / MAX_COUNTRY_RESTRICTIONS),
                    })
                    .collect(),
            ),
            provider_names: (0..MAX_PROVIDER_NAMES)
                .map(|i| api::ProviderName { provider: Principal::from_slice(&[i as u8; 29]), name: text(i) })
                .collect(),
            pipeline: (0..MAX_PIPELINE)
                .map(|i| api::PlannedNode {
                    node_id: Some(text(i)),
                    node_provider: text(i),
                    data_center: text(i),
                    data_center_provider: text(i),
                    country: text(i),
                    is_sev: true,
                })
                .collect(),
            registry_canister_id: Principal::management_canister(),
            sync_interval_seconds: 1,
            node_health: (0..MAX_NODE_HEALTH)
                .map(|i| api::NodeHealth { node_id: text(i), health: api::Health::Degraded })
                .collect(),
            sha256: "0".repeat(64),
        };
        let bytes = candid::encode_one(&configuration).unwrap().len();
        assert!(bytes < MAX_REPLY_BYTES, "{bytes} bytes");
        println!("the largest get_configuration reply: {bytes} bytes of {MAX_REPLY_BYTES}");
    }

    #[test]
    fn lists_over_their_caps_are_refused() {
        let u = api::ConfigurationUpdate {
            sev_providers: Some(vec![String::new(); MAX_SEV_PROVIDERS + 1]),
            ..Default::default()
        };
        assert!(
            matches!(check_configuration_lists(&u), Err(Error::InvalidArgument { field, .. }) if field == "sev_providers")
        );
        let u = api::ConfigurationUpdate {
            sev_providers: Some(vec![String::new(); MAX_SEV_PROVIDERS]),
            ..Default::default()
        };
        assert!(check_configuration_lists(&u).is_ok());
    }

    /// Every method of the .did has a policy, and every policy a method.
    #[test]
    fn every_method_has_a_policy() {
        let did = include_str!("../../candid/topology.did");
        let code = crate::__export_service();
        assert!(!did.is_empty());
        let methods: Vec<&str> = code
            .lines()
            .filter_map(|l| l.trim().split_once(" : ").map(|(m, _)| m.trim_matches('"')))
            .filter(|m| !m.contains(' ') && !m.is_empty())
            .collect();
        for m in &methods {
            if code.contains(&format!("  {m} : (")) {
                assert!(policy(m).is_some(), "{m} has no policy");
            }
        }
        for p in POLICIES {
            assert!(code.contains(&format!("  {} : (", p.method)), "{} is not a method", p.method);
        }
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
            candidates: vec![row; crate::state::MAX_CANDIDATE_ROWS],
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

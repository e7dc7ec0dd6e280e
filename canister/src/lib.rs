//! The topology canister: the adopted target topology, the configuration the
//! NNS approved and a snapshot of the registry's nodes in stable memory, and
//! the Candid query `evaluate_candidates`, which runs the exact engine on
//! them, with certified publications, membership plans, the placement map,
//! verdicts on NNS proposals and a certified dashboard.
//!
//! The modules stand on floors, and no import runs up them (the test
//! `canister/tests/floors.rs` checks it; `docs/architecture-canister.md` draws
//! them): [`stores`] (every stored or cached structure), with [`limits`] (every
//! request cap), [`checks`] (every argument check) and [`convert`]; below
//! [`state`] (one [`state::State`] owning every store, pure reads); below the
//! features ([`evaluation`], [`configuration`], [`snapshot`], [`publish`],
//! [`registry`], [`governance`], [`plan`], [`placement`], with [`guard`], the
//! one method table, and [`host`]); below the dashboard ([`http`], reads
//! only); below [`lifecycle`] (init and upgrade, the timers, the one write
//! path); below this file, the method table, whose lines are the endpoints.
//! Nothing imports this file.
#![deny(missing_docs)]

/// The Candid types live in the engine crate, shared with the CLI and frontends.
pub use ic_topology::api;
pub mod checks;
pub mod configuration;
pub mod convert;
pub mod cost;
pub mod evaluation;
pub mod governance;
pub mod guard;
pub mod host;
pub mod http;
pub mod lifecycle;
pub mod limits;
pub mod placement;
pub mod plan;
pub mod publish;
pub mod registry;
pub mod snapshot;
pub mod state;
pub mod stores;

use api::*;
use guard::methods;
use host::Ic;
use lifecycle::{inputs_changed, read, write};
use limits::{KIB, MAX_INGRESS_BYTES, NO_ARGUMENT_BYTES};

#[ic_cdk::init]
fn init(args: Option<InitArgs>) {
    lifecycle::init(args)
}

#[ic_cdk::pre_upgrade]
fn pre_upgrade() {
    lifecycle::pre_upgrade()
}

#[ic_cdk::post_upgrade(decode_with = "lifecycle::decode_upgrade_argument")]
fn post_upgrade(args: Option<InitArgs>) {
    lifecycle::post_upgrade(args)
}

#[ic_cdk::inspect_message]
fn inspect_message() {
    lifecycle::inspect_message(POLICIES)
}

// The one method table (see `guard::methods!`): each line is a method and
// its endpoint: query or update, the argument and reply types, who may call
// it, the bytes its argument may have, its Candid decoding quota, and the
// endpoint's body. The policies, the decoders, the endpoints and the Candid
// declarations come from it.
//
// The byte caps follow from the request caps of `crate::limits` (16 candidate
// rows of 128-byte texts, 2,000 nodes a chunk, the configuration's list caps);
// the decoding quotas are about twice the cost of the largest valid argument
// (the tests below and `wasm_hostile`), so a valid argument decodes and a
// hostile one stops early. Decoding costs about 700 instructions per unit of
// quota on the wasm host (small records), so a quota of 30,000 bounds a
// hostile argument at about 21 million instructions; a valid evaluation of the
// default network (70 KB) costs 85,000 units, so verify_evaluation's 400,000
// bound it at about 280 million (a valid verify_evaluation costs 120 million).
#[rustfmt::skip]
methods! {
    // Queries.
    query evaluate_candidates(req: EvaluateRequest) -> Result<Evaluation>, Anyone, 16 * KIB, 30_000
        => { read(|s| s.evaluate_candidates(&Ic, req?)) }
    query proposal_summary(req: ProposalSummaryRequest) -> Result<ProposalSummary>, Anyone, 64 * KIB, 60_000
        => { read(|s| plan::proposal_summary(s, &Ic, req?)) }
    query verify_evaluation(evaluation: Evaluation) -> Result<VerificationReport>, Anyone, 512 * KIB, 400_000
        => { read(|s| s.verify_evaluation(&Ic, evaluation?)) }
    query list_nodes(req: ListNodesRequest) -> Result<NodePage>, Anyone, 4 * KIB, 10_000
        => { read(|s| s.list_nodes(req?)) }
    query get_published_evaluation(key: String) -> Result<CertifiedEvaluation>, Anyone, KIB, 2_000
        => { read(|s| s.get_published_evaluation(&Ic, key?)) }
    query export_snapshot(req: ExportRequest) -> Result<ExportPage>, Anyone, KIB, 2_000
        => { read(|s| s.export_snapshot(req?)) }
    query plan_membership_changes(req: PlanRequest) -> Result<MembershipPlan>, Anyone, 64 * KIB, 60_000
        => { read(|s| plan::plan_membership_changes(s, &Ic, req?)) }
    query verify_membership_change(change: MembershipChange) -> Result<MembershipChangeReport>, Anyone, 64 * KIB,
        60_000 => { read(|s| plan::verify_membership_change(s, &Ic, change?)) }
    query get_published_plan(key: String) -> Result<CertifiedPlan>, Anyone, KIB, 2_000
        => { read(|s| plan::get_published_plan(s, &Ic, key?)) }
    query get_node_value(req: NodeValueRequest) -> Result<CertifiedNodeValue>, Anyone, 4 * KIB, 10_000
        => { read(|s| placement::get_node_value(s, &Ic, req?)) }
    query get_proposal_verdict(id: u64) -> Result<CertifiedProposalVerdict>, Anyone, KIB, 2_000
        => { read(|s| governance::get_proposal_verdict(s, &Ic, id?)) }
    query list_proposal_verdicts(req: ListProposalVerdictsRequest) -> Result<ProposalVerdictPage>, Anyone, KIB, 2_000
        => { read(|s| governance::list_proposal_verdicts(s, req?)) }
    query http_request(req: HttpRequest) -> HttpResponse, Anyone, 64 * KIB, 60_000
        => { read(|s| http::http_request(s, &Ic, req)) }
    query get_topology() -> Topology, Anyone, NO_ARGUMENT_BYTES, 0
        => { read(|s| s.topology()) }
    query get_configuration() -> Configuration, Anyone, NO_ARGUMENT_BYTES, 0
        => { read(|s| s.configuration()) }
    query get_snapshot_info() -> SnapshotInfo, Anyone, NO_ARGUMENT_BYTES, 0
        => { read(|s| s.snapshot_info()) }
    query get_decentralization() -> Result<Vec<SubnetDecentralization>>, Anyone, NO_ARGUMENT_BYTES, 0
        => { read(|s| s.decentralization()) }
    query get_sync_status() -> SyncStatus, Anyone, NO_ARGUMENT_BYTES, 0
        => { read(|s| s.sync_status()) }
    query list_published_evaluations() -> Vec<String>, Anyone, NO_ARGUMENT_BYTES, 0
        => { read(|s| s.list_published_evaluations()) }
    query get_placement_map() -> Result<CertifiedPlacementMap>, Anyone, NO_ARGUMENT_BYTES, 0
        => { read(|s| placement::get_placement_map(s, &Ic)) }
    // Open updates.
    update publish_evaluation(req: EvaluateRequest) -> Result<PublishedEvaluation>, Authenticated, 16 * KIB, 30_000
        => { write(|s| s.publish_evaluation(&Ic, req?)) }
    update publish_plan(req: PlanRequest) -> Result<PublishedPlan>, Authenticated, 64 * KIB, 60_000
        => { write(|s| plan::publish_plan(s, &Ic, req?)) }
    // Admin updates.
    update set_topology(req: SetTopologyRequest) -> Result<()>, Controllers, 256 * KIB, 400_000
        => { inputs_changed(write(|s| s.set_topology(&Ic, req?))) }
    update update_configuration(update: ConfigurationUpdate) -> Result<()>, Controllers, MAX_INGRESS_BYTES, 3_000_000
        => { lifecycle::update_configuration(update?) }
    update set_pipeline(pipeline: Vec<PlannedNode>) -> Result<()>, Controllers, MAX_INGRESS_BYTES, 1_500_000
        => { inputs_changed(write(|s| s.set_pipeline(&Ic, pipeline?))) }
    update begin_snapshot_upload(req: BeginSnapshotRequest) -> Result<()>, Controllers, KIB, 2_000
        => { write(|s| s.begin_snapshot_upload(&Ic, req?)) }
    update upload_snapshot_nodes(nodes: Vec<Node>) -> Result<u64>, Controllers, MAX_INGRESS_BYTES, 3_000_000
        => { write(|s| s.upload_snapshot_nodes(&Ic, nodes?)) }
    update commit_snapshot_upload() -> Result<SnapshotInfo>, Controllers, NO_ARGUMENT_BYTES, 0
        => { inputs_changed(write(|s| s.commit_snapshot_upload(&Ic))) }
    update sync_now() -> Result<SyncStatus>, Controllers, NO_ARGUMENT_BYTES, 0
        => async { lifecycle::sync_now().await }
    update configure_placements(settings: PlacementSettings) -> Result<()>, Controllers, KIB, 2_000
        => { lifecycle::configure_placements(settings?) }
    update configure_governance_watcher(settings: GovernanceWatcherSettings) -> Result<()>, Controllers, KIB, 2_000
        => { lifecycle::configure_governance_watcher(settings?) }
}

/// The interface for `candid/topology.did` (`__export_service`, which the
/// test below compares with the file; the module's `candid:service` metadata
/// is the file itself, see `scripts/build.sh`).
mod candid_interface {
    use super::*;
    ic_cdk::export_candid!();

    #[cfg(test)]
    mod tests {
        use candid_parser::utils::{service_equal, CandidSource};

        /// `candid/topology.did` is the interface the code exports, and nothing else.
        #[test]
        fn the_did_file_is_the_interface_of_the_code() {
            let did = include_str!("../../candid/topology.did");
            let code = super::__export_service();
            if std::env::var("WRITE_DID").is_ok() {
                std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/generated.did"), &code).unwrap();
            }
            service_equal(CandidSource::Text(did), CandidSource::Text(&code)).unwrap_or_else(|e| {
                panic!("candid/topology.did differs from the code: {e}\n\nthe code's interface:\n{code}")
            });
        }

        /// Every method of the .did has a line in the method table, and every line a method.
        #[test]
        fn every_method_has_a_policy() {
            use crate::{policy, POLICIES};
            let did = include_str!("../../candid/topology.did");
            let code = super::__export_service();
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use limits::{longest_text as text, MAX_CANDIDATE_ROWS};

    /// The quotas leave room for the largest valid arguments.
    #[test]
    fn the_quotas_admit_the_largest_valid_arguments() {
        let row = CandidateRow {
            node_provider: text(1),
            data_center: text(2),
            data_center_provider: text(3),
            country: "AR".into(),
            is_sev: true,
            no_nodes: 2,
        };
        let req = EvaluateRequest {
            candidates: vec![row; MAX_CANDIDATE_ROWS],
            overrides: Some(SettingsOverride {
                synthetic_countries: Some(1),
                enforce_sev: Some(true),
                enforce_health: Some(true),
                enforce_blacklist: Some(true),
                enforce_per_provider_minimum: Some(true),
            }),
            include_allocation: Some(true),
        };
        let bytes = candid::encode_one(&req).unwrap();
        let cost = guard::decoding_cost::<(EvaluateRequest,)>(&bytes);
        for m in ["evaluate_candidates", "publish_evaluation"] {
            let p = policy(m).unwrap();
            assert!(
                bytes.len() <= p.max_arg_bytes && cost * 2 <= p.decoding_quota,
                "{m}: {} bytes, cost {cost}",
                bytes.len()
            );
            guard::decode_bytes::<(EvaluateRequest,)>(p, &bytes).unwrap();
        }
        let node = Node {
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
        let cost = guard::decoding_cost::<(Vec<Node>,)>(&bytes);
        let p = policy("upload_snapshot_nodes").unwrap();
        assert!(bytes.len() <= p.max_arg_bytes && cost <= p.decoding_quota, "{} bytes, cost {cost}", bytes.len());
    }
}

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
//! path); below this file, whose endpoints are one line each. Nothing imports
//! this file.
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
use guard::Arg;
use host::Ic;
use lifecycle::{inputs_changed, read, write};

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
    lifecycle::inspect_message()
}

#[ic_cdk::query(hidden = true, decode_with = "guard::decode::evaluate_candidates")]
fn evaluate_candidates(req: Arg<EvaluateRequest>) -> Result<Evaluation> {
    read(|s| s.evaluate_candidates(&Ic, req?))
}

#[ic_cdk::query]
fn get_topology() -> Topology {
    read(|s| s.topology())
}

#[ic_cdk::query]
fn get_configuration() -> Configuration {
    read(|s| s.configuration())
}

#[ic_cdk::query]
fn get_snapshot_info() -> SnapshotInfo {
    read(|s| s.snapshot_info())
}

#[ic_cdk::query(hidden = true, decode_with = "guard::decode::list_nodes")]
fn list_nodes(req: Arg<ListNodesRequest>) -> Result<NodePage> {
    read(|s| s.list_nodes(req?))
}

#[ic_cdk::query]
fn get_decentralization() -> Result<Vec<SubnetDecentralization>> {
    read(|s| s.decentralization())
}

#[ic_cdk::update(hidden = true, decode_with = "guard::decode::set_topology")]
fn set_topology(req: Arg<SetTopologyRequest>) -> Result<()> {
    inputs_changed(write(|s| s.set_topology(&Ic, req?)))
}

#[ic_cdk::query]
fn get_sync_status() -> SyncStatus {
    read(|s| s.sync_status())
}

#[ic_cdk::update(hidden = true, decode_with = "guard::decode::update_configuration")]
fn update_configuration(update: Arg<ConfigurationUpdate>) -> Result<()> {
    lifecycle::update_configuration(update?)
}

#[ic_cdk::update]
async fn sync_now() -> Result<SyncStatus> {
    lifecycle::sync_now().await
}

#[ic_cdk::update(hidden = true, decode_with = "guard::decode::set_pipeline")]
fn set_pipeline(pipeline: Arg<Vec<PlannedNode>>) -> Result<()> {
    inputs_changed(write(|s| s.set_pipeline(&Ic, pipeline?)))
}

#[ic_cdk::update(hidden = true, decode_with = "guard::decode::begin_snapshot_upload")]
fn begin_snapshot_upload(req: Arg<BeginSnapshotRequest>) -> Result<()> {
    write(|s| s.begin_snapshot_upload(&Ic, req?))
}

#[ic_cdk::update(hidden = true, decode_with = "guard::decode::upload_snapshot_nodes")]
fn upload_snapshot_nodes(nodes: Arg<Vec<Node>>) -> Result<u64> {
    write(|s| s.upload_snapshot_nodes(&Ic, nodes?))
}

#[ic_cdk::update]
fn commit_snapshot_upload() -> Result<SnapshotInfo> {
    inputs_changed(write(|s| s.commit_snapshot_upload(&Ic)))
}

#[ic_cdk::query(hidden = true, decode_with = "guard::decode::verify_evaluation")]
fn verify_evaluation(evaluation: Arg<Evaluation>) -> Result<VerificationReport> {
    read(|s| s.verify_evaluation(&Ic, evaluation?))
}

#[ic_cdk::update(hidden = true, decode_with = "guard::decode::publish_evaluation")]
fn publish_evaluation(req: Arg<EvaluateRequest>) -> Result<PublishedEvaluation> {
    write(|s| s.publish_evaluation(&Ic, req?))
}

#[ic_cdk::query(hidden = true, decode_with = "guard::decode::get_published_evaluation")]
fn get_published_evaluation(key: Arg<String>) -> Result<CertifiedEvaluation> {
    read(|s| s.get_published_evaluation(&Ic, key?))
}

#[ic_cdk::query]
fn list_published_evaluations() -> Vec<String> {
    read(|s| s.list_published_evaluations())
}

#[ic_cdk::query(hidden = true, decode_with = "guard::decode::export_snapshot")]
fn export_snapshot(req: Arg<ExportRequest>) -> Result<ExportPage> {
    read(|s| s.export_snapshot(req?))
}

#[ic_cdk::query(hidden = true, decode_with = "guard::decode::proposal_summary")]
fn proposal_summary(req: Arg<ProposalSummaryRequest>) -> Result<ProposalSummary> {
    read(|s| plan::proposal_summary(s, &Ic, req?))
}

#[ic_cdk::query(hidden = true, decode_with = "guard::decode::plan_membership_changes")]
fn plan_membership_changes(req: Arg<PlanRequest>) -> Result<MembershipPlan> {
    read(|s| plan::plan_membership_changes(s, &Ic, req?))
}

#[ic_cdk::query(hidden = true, decode_with = "guard::decode::verify_membership_change")]
fn verify_membership_change(change: Arg<MembershipChange>) -> Result<MembershipChangeReport> {
    read(|s| plan::verify_membership_change(s, &Ic, change?))
}

#[ic_cdk::update(hidden = true, decode_with = "guard::decode::publish_plan")]
fn publish_plan(req: Arg<PlanRequest>) -> Result<PublishedPlan> {
    write(|s| plan::publish_plan(s, &Ic, req?))
}

#[ic_cdk::query(hidden = true, decode_with = "guard::decode::get_published_plan")]
fn get_published_plan(key: Arg<String>) -> Result<CertifiedPlan> {
    read(|s| plan::get_published_plan(s, &Ic, key?))
}

#[ic_cdk::query]
fn get_placement_map() -> Result<CertifiedPlacementMap> {
    read(|s| placement::get_placement_map(s, &Ic))
}

#[ic_cdk::query(hidden = true, decode_with = "guard::decode::get_node_value")]
fn get_node_value(req: Arg<NodeValueRequest>) -> Result<CertifiedNodeValue> {
    read(|s| placement::get_node_value(s, &Ic, req?))
}

#[ic_cdk::update(hidden = true, decode_with = "guard::decode::configure_placements")]
fn configure_placements(settings: Arg<PlacementSettings>) -> Result<()> {
    lifecycle::configure_placements(settings?)
}

#[ic_cdk::query(hidden = true, decode_with = "guard::decode::get_proposal_verdict")]
fn get_proposal_verdict(id: Arg<u64>) -> Result<CertifiedProposalVerdict> {
    read(|s| governance::get_proposal_verdict(s, &Ic, id?))
}

#[ic_cdk::query(hidden = true, decode_with = "guard::decode::list_proposal_verdicts")]
fn list_proposal_verdicts(req: Arg<ListProposalVerdictsRequest>) -> Result<ProposalVerdictPage> {
    read(|s| governance::list_proposal_verdicts(s, req?))
}

#[ic_cdk::update(hidden = true, decode_with = "guard::decode::configure_governance_watcher")]
fn configure_governance_watcher(settings: Arg<GovernanceWatcherSettings>) -> Result<()> {
    lifecycle::configure_governance_watcher(settings?)
}

/// The dashboard (see [`http`]): certified pages and charts, and the candidate form's answers.
#[ic_cdk::query(hidden = true, decode_with = "guard::decode::http_request")]
fn http_request(req: Arg<HttpRequest>) -> HttpResponse {
    // A refusal has no Result to go in: the call is rejected with it.
    read(|s| http::http_request(s, &Ic, req.unwrap_or_else(|e| ic_cdk::trap(format!("{e:?}")))))
}

// The interface for `candid/topology.did` and the module's `candid:service`
// metadata (a generated function without a doc comment).
#[allow(missing_docs)]
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
            use crate::guard::{policy, POLICIES};
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

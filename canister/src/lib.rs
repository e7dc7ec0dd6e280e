//! The topology canister: the adopted target topology, the configuration the
//! NNS approved and a snapshot of the registry's nodes in stable memory, and
//! the Candid query `evaluate_candidates`, which runs the exact engine on
//! them. Endpoints are one-line wrappers over [`state::State`], which knows
//! nothing of ic-cdk.
//!
//! Timers keep the snapshot current from the NNS registry
//! ([`registry::sync`]): one sync shortly after install and after every
//! upgrade, then one every configured interval; a failed sync is retried
//! with backoff; `sync_now` lets controllers start one. Timers live in the
//! heap, so `init` and `post_upgrade` both arm them (one shared path).

/// The Candid types live in the engine crate, shared with the CLI and frontends.
pub use ic_topology::api;
pub mod certified;
pub mod convert;
pub mod cost;
pub mod governance;
pub mod guard;
pub mod http;
pub mod ic_registry;
pub mod memory;
pub mod placement;
pub mod plan;
pub mod publish;
pub mod registry;
pub mod state;
pub mod stored_node;

use api::*;
use candid::Principal;
use state::{Env, State};
use std::cell::RefCell;
use std::time::Duration;

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
    static SYNC_TIMER: RefCell<Option<ic_cdk_timers::TimerId>> = const { RefCell::new(None) };
    /// The one pending retry: a new failure replaces it, so retries never pile up.
    static RETRY_TIMER: RefCell<Option<ic_cdk_timers::TimerId>> = const { RefCell::new(None) };
    static GOVERNANCE_TIMER: RefCell<Option<ic_cdk_timers::TimerId>> = const { RefCell::new(None) };
    /// When the pending placement step of the running chain was scheduled
    /// (ns; `None`: no chain). Heap only: an upgrade re-arms it.
    static PLACEMENT_STEPPING: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// The system, as the state sees it.
struct Ic;

impl Env for Ic {
    fn caller(&self) -> Principal {
        ic_cdk::api::msg_caller()
    }
    fn is_controller(&self, principal: &Principal) -> bool {
        ic_cdk::api::is_controller(principal)
    }
    fn instructions(&self) -> u64 {
        ic_cdk::api::performance_counter(0)
    }
    fn set_certified_data(&self, data: &[u8]) {
        ic_cdk::api::certified_data_set(data)
    }
    fn data_certificate(&self) -> Option<Vec<u8>> {
        ic_cdk::api::data_certificate()
    }
    fn canister_id(&self) -> Principal {
        ic_cdk::api::canister_self()
    }
    fn now_nanos(&self) -> u64 {
        ic_cdk::api::time()
    }
}

fn read<R>(f: impl FnOnce(&State) -> R) -> R {
    STATE.with(|s| f(s.borrow().as_ref().expect("the state is opened in init and post_upgrade")))
}

fn write<R>(f: impl FnOnce(&mut State) -> R) -> R {
    let r = STATE.with(|s| f(s.borrow_mut().as_mut().expect("the state is opened in init and post_upgrade")));
    // A change may re-render the certified dashboard: certify the root again (cheap, updates only).
    Ic.set_certified_data(&read(|s| s.certified_root()));
    r
}

/// `init` and `post_upgrade` share this path: open the stable structures,
/// derive what queries read, and certify the published evaluations ...
fn open() {
    if let Err(reason) = memory::check_layout() {
        ic_cdk::trap(reason);
    }
    STATE.with(|s| *s.borrow_mut() = Some(State::open()));
    memory::record_layout();
    Ic.set_certified_data(&read(|s| s.certified_root()));
}

/// ... and, once the configuration is in place, arm the sync timers and
/// solve the membership plan.
fn start() {
    arm_sync_timers();
    arm_governance_timers();
    if read(|s| s.derived().is_ok()) {
        plan_soon();
    }
}

/// Solve the membership plan of the current inputs in messages of their own
/// (see `plan::Kept`): one to note the start, one to solve. Called after
/// every update that may change the snapshot or the configuration; a second
/// call for the same inputs does nothing. The placement refresh starts too.
fn plan_soon() {
    placements_soon();
    ic_cdk_timers::set_timer(Duration::ZERO, async {
        // Through `write`: the dashboard's plan page follows the kept plan, and is certified with it.
        if write(|s| plan::begin_refresh(s)) {
            ic_cdk_timers::set_timer(Duration::ZERO, async {
                write(|s| plan::finish_refresh(s));
            });
        }
    });
}

/// A chain whose pending step was scheduled this long ago is taken for
/// stopped (a step that trapped leaves the mark behind): the next call starts
/// a new one. Steps are scheduled with no delay, so a live chain's mark is
/// seconds old.
const PLACEMENT_CHAIN_STALE_NANOS: u64 = 600 * 1_000_000_000;

/// Recompute the placement map and node values in timer messages, one
/// bounded step each (see `placement::step`), until they are of the current
/// inputs. One chain of steps at a time: a call while one runs does nothing
/// (the running chain sees new inputs at its next step and starts over).
fn placements_soon() {
    let now = ic_cdk::api::time();
    let running =
        PLACEMENT_STEPPING.with(|s| s.get()).is_some_and(|t| now.saturating_sub(t) < PLACEMENT_CHAIN_STALE_NANOS);
    if !running {
        placement_step_soon();
    }
}

fn placement_step_soon() {
    PLACEMENT_STEPPING.with(|s| s.set(Some(ic_cdk::api::time())));
    ic_cdk_timers::set_timer(Duration::ZERO, async {
        if write(|s| placement::step(s, &Ic)) {
            placement_step_soon();
        } else {
            PLACEMENT_STEPPING.with(|s| s.set(None));
        }
    });
}

/// The sync loop's view of this canister.
struct IcHost;

impl registry::sync::Host for IcHost {
    fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        write(f)
    }
    fn now_nanos(&self) -> u64 {
        ic_cdk::api::time()
    }
    fn instructions(&self) -> u64 {
        ic_cdk::api::performance_counter(0)
    }
}

/// One sync against the configured registry; on failure, a retry after the backoff.
async fn sync_once() -> std::result::Result<registry::sync::SyncReport, registry::sync::SyncError> {
    let (canister_id, interval) = read(|s| s.sync_settings());
    let result = registry::sync::sync(&ic_registry::IcRegistry { canister_id }, &IcHost).await;
    if result.is_ok() {
        plan_soon();
    }
    match &result {
        Err(registry::sync::SyncError::AlreadyRunning) | Ok(_) => {}
        Err(_) => {
            let failures = read(|s| s.registry_sync_state().consecutive_failures);
            let wait = registry::sync::backoff_seconds(failures, interval);
            let retry = ic_cdk_timers::set_timer(Duration::from_secs(wait), async {
                let _ = sync_once().await;
            });
            if let Some(old) = RETRY_TIMER.with(|t| t.borrow_mut().replace(retry)) {
                ic_cdk_timers::clear_timer(old);
            }
        }
    }
    result
}

/// The periodic sync at the configured interval, and one sync soon.
fn arm_sync_timers() {
    let (_, interval) = read(|s| s.sync_settings());
    let periodic = ic_cdk_timers::set_timer_interval(Duration::from_secs(interval), || async {
        let _ = sync_once().await;
    });
    if let Some(old) = SYNC_TIMER.with(|t| t.borrow_mut().replace(periodic)) {
        ic_cdk_timers::clear_timer(old);
    }
    ic_cdk_timers::set_timer(Duration::from_secs(state::SYNC_AFTER_INSTALL_SECONDS), async {
        let _ = sync_once().await;
    });
}

#[ic_cdk::init]
fn init(args: Option<InitArgs>) {
    open();
    // A bad init argument is the installer's mistake, but there is no caller
    // to return an error to: refuse the install with the reason.
    if let Err(e) = write(|s| s.init(args.unwrap_or_default())) {
        ic_cdk::trap(format!("invalid init argument: {e:?}"));
    }
    start();
}

/// The upgrade argument, as `init`'s: absent (or `null`) keeps everything;
/// a topology or configuration is applied as `set_topology` and
/// `update_configuration` apply them. An argument that does not decode, or
/// does not validate, fails the upgrade with the reason (the IC then keeps
/// the old module and its state).
#[ic_cdk::post_upgrade(decode_with = "decode_upgrade_argument")]
fn post_upgrade(args: Option<InitArgs>) {
    open();
    if let Some(args) = args {
        if let Err(e) = write(|s| s.init(args)) {
            ic_cdk::trap(format!("invalid upgrade argument: {e:?}"));
        }
    }
    start();
}

fn decode_upgrade_argument(bytes: Vec<u8>) -> Option<InitArgs> {
    let policy = guard::Policy {
        method: "post_upgrade",
        callers: guard::Callers::Controllers,
        max_arg_bytes: guard::MAX_INGRESS_BYTES,
        decoding_quota: 8_000_000,
    };
    let args = match guard::decode_bytes::<(Option<InitArgs>,)>(&policy, &bytes) {
        Ok((args,)) => args,
        Err(reason) => ic_cdk::trap(format!("the upgrade argument is not an opt InitArgs: {reason}")),
    };
    // Candid decodes a value of another type into `opt` as null: tell that
    // apart from a real null (or no argument), which alone keep everything.
    if args.is_none() {
        if let Ok((Some(_),)) = guard::decode_bytes::<(Option<candid::Reserved>,)>(&policy, &bytes) {
            ic_cdk::trap("the upgrade argument is not an opt InitArgs (a value of another type was given)");
        }
    }
    args
}

#[ic_cdk::query(hidden = true, decode_with = "decode_evaluate_candidates")]
fn evaluate_candidates(req: Arg<EvaluateRequest>) -> Result<Evaluation> {
    let req = req?;
    read(|s| s.evaluate_candidates(&Ic, req))
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

#[ic_cdk::query(hidden = true, decode_with = "decode_list_nodes")]
fn list_nodes(req: Arg<ListNodesRequest>) -> Result<NodePage> {
    let req = req?;
    read(|s| s.list_nodes(req))
}

#[ic_cdk::query]
fn get_decentralization() -> Result<Vec<SubnetDecentralization>> {
    read(|s| s.decentralization())
}

#[ic_cdk::update(hidden = true, decode_with = "decode_set_topology")]
fn set_topology(req: Arg<SetTopologyRequest>) -> Result<()> {
    let req = req?;
    write(|s| s.set_topology(&Ic, req))?;
    plan_soon();
    Ok(())
}

#[ic_cdk::query]
fn get_sync_status() -> SyncStatus {
    read(|s| s.sync_status())
}

#[ic_cdk::update(hidden = true, decode_with = "decode_update_configuration")]
fn update_configuration(update: Arg<ConfigurationUpdate>) -> Result<()> {
    let update = update?;
    let interval_before = read(|s| s.sync_settings().1);
    write(|s| s.update_configuration(&Ic, update))?;
    if read(|s| s.sync_settings().1) != interval_before {
        arm_sync_timers();
    }
    plan_soon();
    Ok(())
}

/// Controllers: sync from the registry now, and answer with the status.
#[ic_cdk::update]
async fn sync_now() -> Result<SyncStatus> {
    read(|s| s.authorize_sync_now(&Ic))?;
    match sync_once().await {
        Ok(_) => Ok(read(|s| s.sync_status())),
        Err(e) => Err(Error::SyncFailed { reason: e.to_string() }),
    }
}

#[ic_cdk::update(hidden = true, decode_with = "decode_set_pipeline")]
fn set_pipeline(pipeline: Arg<Vec<PlannedNode>>) -> Result<()> {
    let pipeline = pipeline?;
    write(|s| s.set_pipeline(&Ic, pipeline))?;
    plan_soon();
    Ok(())
}

#[ic_cdk::update(hidden = true, decode_with = "decode_begin_snapshot_upload")]
fn begin_snapshot_upload(req: Arg<BeginSnapshotRequest>) -> Result<()> {
    let req = req?;
    write(|s| s.begin_snapshot_upload(&Ic, req))
}

#[ic_cdk::update(hidden = true, decode_with = "decode_upload_snapshot_nodes")]
fn upload_snapshot_nodes(nodes: Arg<Vec<Node>>) -> Result<u64> {
    let nodes = nodes?;
    write(|s| s.upload_snapshot_nodes(&Ic, nodes))
}

#[ic_cdk::update]
fn commit_snapshot_upload() -> Result<SnapshotInfo> {
    let info = write(|s| s.commit_snapshot_upload(&Ic))?;
    plan_soon();
    Ok(info)
}

#[ic_cdk::query(hidden = true, decode_with = "decode_verify_evaluation")]
fn verify_evaluation(evaluation: Arg<Evaluation>) -> Result<VerificationReport> {
    let evaluation = evaluation?;
    read(|s| s.verify_evaluation(&Ic, evaluation))
}

#[ic_cdk::update(hidden = true, decode_with = "decode_publish_evaluation")]
fn publish_evaluation(req: Arg<EvaluateRequest>) -> Result<PublishedEvaluation> {
    let req = req?;
    write(|s| s.publish_evaluation(&Ic, req))
}

#[ic_cdk::query(hidden = true, decode_with = "decode_get_published_evaluation")]
fn get_published_evaluation(key: Arg<String>) -> Result<CertifiedEvaluation> {
    let key = key?;
    read(|s| s.get_published_evaluation(&Ic, key))
}

#[ic_cdk::query]
fn list_published_evaluations() -> Vec<String> {
    read(|s| s.list_published_evaluations())
}

#[ic_cdk::query(hidden = true, decode_with = "decode_export_snapshot")]
fn export_snapshot(req: Arg<ExportRequest>) -> Result<ExportPage> {
    let req = req?;
    read(|s| s.export_snapshot(req))
}

#[ic_cdk::query(hidden = true, decode_with = "decode_proposal_summary")]
fn proposal_summary(req: Arg<ProposalSummaryRequest>) -> Result<ProposalSummary> {
    let req = req?;
    match req.plan {
        Some(plan) if req.candidates.is_empty() => read(|s| plan::plan_summary(s, &Ic, plan)),
        Some(_) => Err(Error::InvalidArgument {
            field: "plan".into(),
            reason: "give candidates (a node-operator proposal) or a plan (membership proposals), not both".into(),
        }),
        None => read(|s| s.proposal_summary(&Ic, req)),
    }
}

// ---- membership plans (canister/src/plan.rs) ----

#[ic_cdk::query(hidden = true, decode_with = "decode_plan_membership_changes")]
fn plan_membership_changes(req: Arg<PlanRequest>) -> Result<MembershipPlan> {
    let req = req?;
    read(|s| plan::plan_membership_changes(s, &Ic, req))
}

#[ic_cdk::query(hidden = true, decode_with = "decode_verify_membership_change")]
fn verify_membership_change(change: Arg<MembershipChange>) -> Result<MembershipChangeReport> {
    let change = change?;
    read(|s| plan::verify_membership_change(s, &Ic, change))
}

#[ic_cdk::update(hidden = true, decode_with = "decode_publish_plan")]
fn publish_plan(req: Arg<PlanRequest>) -> Result<PublishedPlan> {
    let req = req?;
    write(|s| plan::publish_plan(s, &Ic, req))
}

#[ic_cdk::query(hidden = true, decode_with = "decode_get_published_plan")]
fn get_published_plan(key: Arg<String>) -> Result<CertifiedPlan> {
    let key = key?;
    read(|s| plan::get_published_plan(s, &Ic, key))
}

// ---- The placement map and node values (issue 14; canister/src/placement) ----

#[ic_cdk::query]
fn get_placement_map() -> Result<CertifiedPlacementMap> {
    read(|s| placement::get_placement_map(s, &Ic))
}

#[ic_cdk::query(hidden = true, decode_with = "decode_get_node_value")]
fn get_node_value(req: Arg<NodeValueRequest>) -> Result<CertifiedNodeValue> {
    let req = req?;
    read(|s| placement::get_node_value(s, &Ic, req))
}

/// Controllers: switch the placement refresh on or off (on starts it).
#[ic_cdk::update(hidden = true, decode_with = "decode_configure_placements")]
fn configure_placements(settings: Arg<PlacementSettings>) -> Result<()> {
    let settings = settings?;
    read(|s| placement::configure(s, &Ic, settings))?;
    placements_soon();
    Ok(())
}

// ---- The NNS governance watcher (issue 13; `governance`) ----

impl governance::watch::Host for IcHost {
    type Env = Ic;
    fn env(&self) -> &Ic {
        &Ic
    }
    fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        write(f)
    }
    fn now_nanos(&self) -> u64 {
        ic_cdk::api::time()
    }
    fn instructions(&self) -> u64 {
        ic_cdk::api::performance_counter(0)
    }
}

async fn poll_governance() {
    let (canister_id, _, _) = read(governance::settings);
    let _ = governance::watch::poll(&governance::ic::IcGovernance { canister_id }, &IcHost).await;
}

/// The periodic poll and one soon, when the watcher is on.
fn arm_governance_timers() {
    if let Some(old) = GOVERNANCE_TIMER.with(|t| t.borrow_mut().take()) {
        ic_cdk_timers::clear_timer(old);
    }
    let (_, interval, enabled) = read(governance::settings);
    if !enabled {
        return;
    }
    let periodic = ic_cdk_timers::set_timer_interval(Duration::from_secs(interval), poll_governance);
    GOVERNANCE_TIMER.with(|t| *t.borrow_mut() = Some(periodic));
    ic_cdk_timers::set_timer(Duration::from_secs(governance::FIRST_POLL_SECONDS), poll_governance());
}

#[ic_cdk::query(hidden = true, decode_with = "decode_get_proposal_verdict")]
fn get_proposal_verdict(id: Arg<u64>) -> Result<CertifiedProposalVerdict> {
    let id = id?;
    read(|s| governance::get_proposal_verdict(s, &Ic, id))
}

#[ic_cdk::query(hidden = true, decode_with = "decode_list_proposal_verdicts")]
fn list_proposal_verdicts(req: Arg<ListProposalVerdictsRequest>) -> Result<ProposalVerdictPage> {
    let req = req?;
    read(|s| governance::list_proposal_verdicts(s, req))
}

/// Controllers: the governance canister, the poll interval, the switch; re-arms the timers.
#[ic_cdk::update(hidden = true, decode_with = "decode_configure_governance_watcher")]
fn configure_governance_watcher(settings: Arg<GovernanceWatcherSettings>) -> Result<()> {
    let settings = settings?;
    write(|s| governance::configure(s, &Ic, settings))?;
    arm_governance_timers();
    Ok(())
}

/// The dashboard (see [`http`]): certified pages and charts, and the candidate form's answers.
#[ic_cdk::query(hidden = true, decode_with = "decode_http_request")]
fn http_request(req: Arg<HttpRequest>) -> HttpResponse {
    // A refusal has no Result to go in: the call is rejected with it.
    let req = req.unwrap_or_else(|e| ic_cdk::trap(format!("{e:?}")));
    read(|s| http::http_request(s, &Ic, req))
}

// ---- Arguments: checked and decoded by `guard` (issue 11) ----

/// An endpoint's argument as `guard` hands it over: `Err` is a refusal
/// (a stranger on an admin method, an argument over its size), made before
/// any Candid was decoded, and the endpoint replies with it.
type Arg<T> = Result<T>;

macro_rules! decoders {
    ($($decoder:ident: $method:literal => $ty:ty;)*) => {$(
        fn $decoder(bytes: Vec<u8>) -> Arg<$ty> {
            let policy = guard::check(&Ic, $method, bytes.len())?;
            let (arg,) = guard::decode_bytes::<($ty,)>(policy, &bytes).unwrap_or_else(|e| ic_cdk::trap(e));
            Ok(arg)
        }
    )*};
}

decoders! {
    decode_evaluate_candidates: "evaluate_candidates" => EvaluateRequest;
    decode_list_nodes: "list_nodes" => ListNodesRequest;
    decode_set_topology: "set_topology" => SetTopologyRequest;
    decode_update_configuration: "update_configuration" => ConfigurationUpdate;
    decode_set_pipeline: "set_pipeline" => Vec<PlannedNode>;
    decode_begin_snapshot_upload: "begin_snapshot_upload" => BeginSnapshotRequest;
    decode_upload_snapshot_nodes: "upload_snapshot_nodes" => Vec<Node>;
    decode_verify_evaluation: "verify_evaluation" => Evaluation;
    decode_publish_evaluation: "publish_evaluation" => EvaluateRequest;
    decode_get_published_evaluation: "get_published_evaluation" => String;
    decode_export_snapshot: "export_snapshot" => ExportRequest;
    decode_proposal_summary: "proposal_summary" => ProposalSummaryRequest;
    decode_plan_membership_changes: "plan_membership_changes" => PlanRequest;
    decode_verify_membership_change: "verify_membership_change" => MembershipChange;
    decode_publish_plan: "publish_plan" => PlanRequest;
    decode_get_published_plan: "get_published_plan" => String;
    decode_get_node_value: "get_node_value" => NodeValueRequest;
    decode_configure_placements: "configure_placements" => PlacementSettings;
    decode_get_proposal_verdict: "get_proposal_verdict" => u64;
    decode_list_proposal_verdicts: "list_proposal_verdicts" => ListProposalVerdictsRequest;
    decode_configure_governance_watcher: "configure_governance_watcher" => GovernanceWatcherSettings;
    decode_http_request: "http_request" => HttpRequest;
}

/// `canister_inspect_message`: ingress updates that would be refused are
/// dropped here, before the canister pays for them (see `guard::inspect`).
#[ic_cdk::inspect_message]
fn inspect_message() {
    let method = ic_cdk::api::msg_method_name();
    match guard::inspect(&Ic, &method, ic0::msg_arg_data_size()) {
        Ok(()) => ic_cdk::api::accept_message(),
        Err(reason) => ic_cdk::trap(reason),
    }
}

macro_rules! interface {
    ($($kind:ident $name:ident($ty:ty) -> $ret:ty;)*) => {
        /// The interface as Candid declares it. The endpoints decode their
        /// own arguments (`decode_with`), which ic-cdk would export as
        /// `blob`; these declarations give `export_candid!` the real types.
        #[allow(dead_code, unused_variables)]
        mod interface {
            use super::*;
            $(
                #[candid::candid_method($kind)]
                fn $name(arg: $ty) -> $ret {
                    unreachable!("a declaration for the Candid interface only")
                }
            )*
        }
    };
}

interface! {
query evaluate_candidates(EvaluateRequest) -> Result<Evaluation>;
query list_nodes(ListNodesRequest) -> Result<NodePage>;
update set_topology(SetTopologyRequest) -> Result<()>;
update update_configuration(ConfigurationUpdate) -> Result<()>;
update set_pipeline(Vec<PlannedNode>) -> Result<()>;
update begin_snapshot_upload(BeginSnapshotRequest) -> Result<()>;
update upload_snapshot_nodes(Vec<Node>) -> Result<u64>;
query verify_evaluation(Evaluation) -> Result<VerificationReport>;
update publish_evaluation(EvaluateRequest) -> Result<PublishedEvaluation>;
query get_published_evaluation(String) -> Result<CertifiedEvaluation>;
query export_snapshot(ExportRequest) -> Result<ExportPage>;
query proposal_summary(ProposalSummaryRequest) -> Result<ProposalSummary>;
query plan_membership_changes(PlanRequest) -> Result<MembershipPlan>;
query verify_membership_change(MembershipChange) -> Result<MembershipChangeReport>;
update publish_plan(PlanRequest) -> Result<PublishedPlan>;
query get_published_plan(String) -> Result<CertifiedPlan>;
query get_node_value(NodeValueRequest) -> Result<CertifiedNodeValue>;
update configure_placements(PlacementSettings) -> Result<()>;
query get_proposal_verdict(u64) -> Result<CertifiedProposalVerdict>;
query list_proposal_verdicts(ListProposalVerdictsRequest) -> Result<ProposalVerdictPage>;
update configure_governance_watcher(GovernanceWatcherSettings) -> Result<()>;
query http_request(HttpRequest) -> HttpResponse;
}

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
}

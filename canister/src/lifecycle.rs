//! The top floor under the endpoints: the one [`State`] of the canister, the
//! one write path, `init` and `post_upgrade` (one path for both), and every
//! timer.
//!
//! Every change goes through [`write()`]: the feature changes the state, then
//! the dashboard's pages are brought up to date with it (`crate::http`
//! renders, the state keeps them) and the root over every certified subtree
//! is certified, so no update can leave a certified page or answer behind.
//! [`read`] serves queries, which change nothing.
//!
//! Timers keep the snapshot current from the NNS registry
//! (`crate::registry::sync`): one sync shortly after install and after every
//! upgrade, then one every configured interval; a failed sync is retried with
//! backoff; `sync_now` lets controllers start one. The governance watcher
//! polls on its own interval, the membership plan and the placement map are
//! solved in timer messages of their own after every change of their inputs.
//! Timers live in the heap, so `init` and `post_upgrade` both arm them.

use crate::governance;
use crate::guard;
use crate::host::{Host, Ic};
use crate::http;
use crate::placement;
use crate::plan;
use crate::registry::{self, ic::IcRegistry, sync::SyncError};
use crate::state::{Env, State, SYNC_AFTER_INSTALL_SECONDS};
use crate::stores::memory;
use ic_cdk_timers::TimerId;
use ic_topology::api::{ConfigurationUpdate, Error, GovernanceWatcherSettings, InitArgs, Result, SyncStatus};
use std::cell::RefCell;
use std::time::Duration;

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

/// The timers of the heap (an upgrade arms them again).
#[derive(Default)]
struct Timers {
    sync: Option<TimerId>,
    /// The one pending retry: a new failure replaces it, so retries never pile up.
    retry: Option<TimerId>,
    governance: Option<TimerId>,
    /// When the pending placement step of the running chain was scheduled
    /// (ns; `None`: no chain).
    placement_stepping: Option<u64>,
}

thread_local! {
    static TIMERS: RefCell<Timers> = RefCell::new(Timers::default());
}

/// Answer a query from the state.
pub fn read<R>(f: impl FnOnce(&State) -> R) -> R {
    STATE.with(|s| f(s.borrow().as_ref().expect("the state is opened in init and post_upgrade")))
}

/// The one write path: change the state, bring the dashboard up to date, certify.
pub fn write<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        let state = s.as_mut().expect("the state is opened in init and post_upgrade");
        let r = f(state);
        settle(state, &Ic);
        r
    })
}

/// The end of every write: the dashboard rendered again where the state
/// moved, and the root over every certified subtree certified. This is the
/// one place that certifies (`canister/tests/floors.rs` checks it); native
/// tests that stand in for the write path call it after their change.
pub fn settle(state: &mut State, env: &impl Env) {
    let previous = state.take_dashboard();
    let site = http::refresh(state, previous);
    state.put_dashboard(site);
    env.set_certified_data(&state.certified_root());
}

/// `init` and `post_upgrade` share this path: open the stable structures,
/// derive what queries read, render the dashboard and certify ...
fn open() {
    if let Err(reason) = memory::check_layout() {
        ic_cdk::trap(reason);
    }
    STATE.with(|s| *s.borrow_mut() = Some(State::open()));
    memory::record_layout();
    write(|_| ());
}

/// ... and, once the configuration is in place, arm the timers and solve
/// the membership plan.
fn start() {
    arm_sync_timers();
    arm_governance_timers();
    if read(|s| s.derived_state().is_some()) {
        plan_soon();
    }
}

/// `init`: the argument (a topology, a configuration; both optional) applied
/// as `set_topology` and `update_configuration` apply them.
pub fn init(args: Option<InitArgs>) {
    open();
    // A bad init argument is the installer's mistake, but there is no caller
    // to return an error to: refuse the install with the reason.
    if let Err(e) = write(|s| s.init(args.unwrap_or_default())) {
        ic_cdk::trap(format!("invalid init argument: {e:?}"));
    }
    start();
}

/// `post_upgrade`: absent (or `null`) keeps everything; a topology or
/// configuration is applied as in `init`. An argument that does not decode,
/// or does not validate, fails the upgrade with the reason (the IC then keeps
/// the old module and its state).
pub fn post_upgrade(args: Option<InitArgs>) {
    open();
    if let Some(args) = args {
        if let Err(e) = write(|s| s.init(args)) {
            ic_cdk::trap(format!("invalid upgrade argument: {e:?}"));
        }
    }
    start();
}

/// `pre_upgrade`: refused while a poller's call is in flight (see
/// [`crate::host::InFlight`]); the state is in stable memory already, so
/// nothing else is done.
pub fn pre_upgrade() {
    if let Some(reason) = crate::host::upgrade_refusal(ic_cdk::api::time()) {
        ic_cdk::trap(reason);
    }
}

/// The upgrade argument's decoder (`post_upgrade`'s `decode_with`).
pub fn decode_upgrade_argument(bytes: Vec<u8>) -> Option<InitArgs> {
    let policy = guard::Policy {
        method: "post_upgrade",
        callers: guard::Callers::Controllers,
        max_arg_bytes: crate::limits::MAX_INGRESS_BYTES,
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

/// `canister_inspect_message`: ingress updates that would be refused are
/// dropped here, before the canister pays for them (see `guard::inspect`;
/// `policies`: the method table's).
pub fn inspect_message(policies: &[guard::Policy]) {
    let method = ic_cdk::api::msg_method_name();
    match guard::inspect(&Ic, policies, &method, ic0::msg_arg_data_size()) {
        Ok(()) => ic_cdk::api::accept_message(),
        Err(reason) => ic_cdk::trap(reason),
    }
}

/// After a change of the inputs (snapshot, topology, configuration): solve
/// the plan and the placements again, in messages of their own.
pub fn inputs_changed<T>(result: Result<T>) -> Result<T> {
    if result.is_ok() {
        plan_soon();
    }
    result
}

/// `update_configuration`: the timers follow a new sync interval.
pub fn update_configuration(update: ConfigurationUpdate) -> Result<()> {
    let interval_before = read(|s| s.sync_settings().1);
    write(|s| s.update_configuration(&Ic, update))?;
    if read(|s| s.sync_settings().1) != interval_before {
        arm_sync_timers();
    }
    plan_soon();
    Ok(())
}

/// `sync_now` (controllers): sync from the registry now, and answer with the status.
pub async fn sync_now() -> Result<SyncStatus> {
    read(|s| s.authorize_sync_now(&Ic))?;
    match sync_once().await {
        Ok(_) => Ok(read(|s| s.sync_status())),
        Err(e) => Err(Error::SyncFailed { reason: e.to_string() }),
    }
}

/// `configure_placements` (controllers): on starts the refresh.
pub fn configure_placements(settings: ic_topology::api::PlacementSettings) -> Result<()> {
    write(|s| placement::configure(s, &Ic, settings))?;
    placements_soon();
    Ok(())
}

/// `configure_governance_watcher` (controllers): the timers follow.
pub fn configure_governance_watcher(settings: GovernanceWatcherSettings) -> Result<()> {
    write(|s| governance::configure(s, &Ic, settings))?;
    arm_governance_timers();
    Ok(())
}

/// Solve the membership plan of the current inputs in messages of their own
/// (see `crate::stores::plan::Kept`): one to note the start, one to solve. A
/// second call for the same inputs does nothing. The placement refresh starts too.
fn plan_soon() {
    placements_soon();
    ic_cdk_timers::set_timer(Duration::ZERO, async {
        if write(plan::begin_refresh) {
            ic_cdk_timers::set_timer(Duration::ZERO, async {
                write(plan::finish_refresh);
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
    let running = TIMERS
        .with(|t| t.borrow().placement_stepping)
        .is_some_and(|t| now.saturating_sub(t) < PLACEMENT_CHAIN_STALE_NANOS);
    if !running {
        placement_step_soon();
    }
}

fn placement_step_soon() {
    TIMERS.with(|t| t.borrow_mut().placement_stepping = Some(ic_cdk::api::time()));
    ic_cdk_timers::set_timer(Duration::ZERO, async {
        if write(|s| placement::step(s, &Ic)) {
            placement_step_soon();
        } else {
            TIMERS.with(|t| t.borrow_mut().placement_stepping = None);
        }
    });
}

/// The pollers' view of this canister: every change through [`write()`].
struct IcHost;

impl Host for IcHost {
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
    /// Not through [`write()`]: this may run in a cleanup callback, which
    /// may not certify; the next write renders and certifies.
    fn release(&self, poller: crate::state::Poller) {
        STATE.with(|s| {
            if let Some(state) = s.borrow_mut().as_mut() {
                state.stop(poller);
            }
        });
    }
}

/// One sync against the configured registry; on failure, a retry after the backoff.
async fn sync_once() -> std::result::Result<registry::sync::SyncReport, SyncError> {
    let (canister_id, interval) = read(|s| s.sync_settings());
    let result = registry::sync::sync(&IcRegistry { canister_id }, &IcHost).await;
    if result.is_ok() {
        plan_soon();
    }
    match &result {
        Err(SyncError::AlreadyRunning) | Ok(_) => {}
        Err(_) => {
            let failures = read(|s| s.registry_sync_state().consecutive_failures);
            let wait = registry::sync::backoff_seconds(failures, interval);
            let retry = ic_cdk_timers::set_timer(Duration::from_secs(wait), async {
                let _ = sync_once().await;
            });
            if let Some(old) = TIMERS.with(|t| t.borrow_mut().retry.replace(retry)) {
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
    if let Some(old) = TIMERS.with(|t| t.borrow_mut().sync.replace(periodic)) {
        ic_cdk_timers::clear_timer(old);
    }
    ic_cdk_timers::set_timer(Duration::from_secs(SYNC_AFTER_INSTALL_SECONDS), async {
        let _ = sync_once().await;
    });
}

async fn poll_governance() {
    let (canister_id, _, _) = read(governance::settings);
    let _ = governance::watch::poll(&governance::ic::IcGovernance { canister_id }, &IcHost).await;
}

/// The periodic poll and one soon, when the watcher is on.
fn arm_governance_timers() {
    if let Some(old) = TIMERS.with(|t| t.borrow_mut().governance.take()) {
        ic_cdk_timers::clear_timer(old);
    }
    let (_, interval, enabled) = read(governance::settings);
    if !enabled {
        return;
    }
    let periodic = ic_cdk_timers::set_timer_interval(Duration::from_secs(interval), poll_governance);
    TIMERS.with(|t| t.borrow_mut().governance = Some(periodic));
    ic_cdk_timers::set_timer(Duration::from_secs(governance::FIRST_POLL_SECONDS), poll_governance());
}

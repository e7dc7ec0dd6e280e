//! What runs the canister: the system itself ([`Ic`], the [`Env`] of every
//! message), and what the two pollers (the registry sync and the governance
//! watcher) need of the canister around them ([`Host`]), with the one guard
//! that lets each poller run once at a time ([`PollGuard`]). The pollers know
//! nothing of ic-cdk: the canister's write path implements [`Host`], tests a
//! double over a native [`State`].

use crate::state::{Env, Poller, State};
use candid::Principal;

/// The system, as the state sees it (ic-cdk's calls; they trap outside a canister).
pub struct Ic;

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

/// The canister around a poller (the registry sync, the governance watcher).
pub trait Host {
    /// The system the poller's changes are made under.
    type Env: Env;
    /// The system (the watcher's verdicts name this canister).
    fn env(&self) -> &Self::Env;
    /// Change the state: in the canister, one turn of the write path
    /// (`crate::lifecycle::write`: the change, the dashboard, the certification).
    fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T;
    /// The time (ns since the epoch).
    fn now_nanos(&self) -> u64;
    /// Instructions used so far in the current message.
    fn instructions(&self) -> u64;
    /// Release `poller`'s guard outside the write path: this runs when a
    /// poll is dropped unfinished, which after a trap in one of its callbacks
    /// is ic-cdk's cleanup callback, where the system allows no
    /// `certified_data_set` (nor any call). It must change the heap only; the
    /// next write certifies (see [`State::stop`]).
    fn release(&self, poller: Poller);
}

/// A poller's run: taken when it starts, released by [`PollGuard::finish`]
/// in the write that records the poll's outcome, or, when the poll is
/// dropped unfinished (a trap in one of its callbacks: ic-cdk drops the task
/// in the cleanup callback), by [`Host::release`], which calls nothing the
/// cleanup context forbids.
pub struct PollGuard<'a, H: Host> {
    host: &'a H,
    poller: Poller,
    finished: bool,
}

impl<'a, H: Host> PollGuard<'a, H> {
    /// Take `poller`'s guard, or `None` when it runs already.
    pub fn take(host: &'a H, poller: Poller) -> Option<PollGuard<'a, H>> {
        host.with_state(|s| s.try_start(poller)).then_some(PollGuard { host, poller, finished: false })
    }

    /// Release the guard in the same write as `record` (the poll's outcome),
    /// so the certified pages never show a finished poll as running.
    pub fn finish<T>(mut self, record: impl FnOnce(&mut State) -> T) -> T {
        self.finished = true;
        let poller = self.poller;
        self.host.with_state(|s| {
            s.stop(poller);
            record(s)
        })
    }
}

impl<H: Host> Drop for PollGuard<'_, H> {
    fn drop(&mut self) {
        if !self.finished {
            self.host.release(self.poller);
        }
    }
}

/// The pollers' inter-canister calls in flight, counted in the heap: one
/// [`InFlight`] lives from just before a call is made until its future is
/// done or dropped (a drop in a cleanup callback touches the heap only).
///
/// An upgrade does not wait for outstanding calls: a reply that arrives after
/// it reaches ic-cdk's callback in the new module with a pointer into the old
/// heap, which traps (or worse). So `pre_upgrade` refuses while a poller's
/// call is in flight ([`upgrade_refusal`]); stopping the canister first
/// (`dfx canister stop`) waits for every reply, after which the count is zero.
/// The calls are bounded-wait (the system answers each within
/// [`BOUNDED_WAIT_SECONDS`]), so the refusal cannot last: a count older than
/// [`STALE_IN_FLIGHT_SECONDS`] is taken as lost and no longer refuses.
pub struct InFlight(());

/// ic-cdk's default timeout of a bounded-wait call (seconds).
pub const BOUNDED_WAIT_SECONDS: u64 = 300;

/// After this long without a new call, an in-flight count no longer refuses
/// an upgrade (seconds; three bounded-wait timeouts).
pub const STALE_IN_FLIGHT_SECONDS: u64 = 3 * BOUNDED_WAIT_SECONDS;

thread_local! {
    /// (calls in flight, when the newest of them was made, ns).
    static IN_FLIGHT: std::cell::Cell<(u32, u64)> = const { std::cell::Cell::new((0, 0)) };
}

impl InFlight {
    /// Count a call made now (`now`: ns since the epoch) until the guard drops.
    pub fn enter(now: u64) -> InFlight {
        IN_FLIGHT.with(|c| {
            let (n, _) = c.get();
            c.set((n.saturating_add(1), now));
        });
        InFlight(())
    }

    /// The calls in flight and when the newest was made (ns).
    pub fn outstanding() -> (u32, u64) {
        IN_FLIGHT.with(|c| c.get())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.with(|c| {
            let (n, at) = c.get();
            c.set((n.saturating_sub(1), at));
        });
    }
}

/// Why an upgrade at `now` (ns) must wait, if it must: a poller's call is in
/// flight and was made less than [`STALE_IN_FLIGHT_SECONDS`] ago.
pub fn upgrade_refusal(now: u64) -> Option<String> {
    let (calls, newest) = InFlight::outstanding();
    let age_seconds = now.saturating_sub(newest) / 1_000_000_000;
    (calls > 0 && age_seconds < STALE_IN_FLIGHT_SECONDS).then(|| {
        format!(
            "upgrade refused: {calls} call(s) of the registry sync or the governance watcher are in flight \
             (the newest made {age_seconds} s ago), and a reply that arrives after an upgrade traps in the new \
             module. Stop the canister first (dfx canister stop), which waits for every reply, then install, \
             then start it."
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upgrade_waits_for_calls_in_flight_but_not_for_ever() {
        const S: u64 = 1_000_000_000;
        assert_eq!(upgrade_refusal(10 * S), None);
        let first = InFlight::enter(100 * S);
        let second = InFlight::enter(200 * S);
        assert_eq!(InFlight::outstanding().0, 2);
        assert!(upgrade_refusal(200 * S).is_some_and(|r| r.contains("dfx canister stop")));
        drop(second);
        assert!(upgrade_refusal((200 + STALE_IN_FLIGHT_SECONDS - 1) * S).is_some());
        // A count this old is lost (the system answers every bounded-wait call well before).
        assert_eq!(upgrade_refusal((200 + STALE_IN_FLIGHT_SECONDS) * S), None);
        drop(first);
        assert_eq!(InFlight::outstanding().0, 0);
        assert_eq!(upgrade_refusal(201 * S), None);
    }
}

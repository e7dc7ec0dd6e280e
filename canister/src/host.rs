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
    /// The system (the watcher certifies the verdicts it writes).
    fn env(&self) -> &Self::Env;
    /// Change the state: in the canister, one turn of the write path.
    fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T;
    /// The time (ns since the epoch).
    fn now_nanos(&self) -> u64;
    /// Instructions used so far in the current message.
    fn instructions(&self) -> u64;
}

/// A poller's run: taken when it starts, released when dropped, whichever
/// way the poll ends (an error, a trap in a callback drops it too, as the
/// state is not committed; a new message finds it released).
pub struct PollGuard<'a, H: Host> {
    host: &'a H,
    poller: Poller,
}

impl<'a, H: Host> PollGuard<'a, H> {
    /// Take `poller`'s guard, or `None` when it runs already.
    pub fn take(host: &'a H, poller: Poller) -> Option<PollGuard<'a, H>> {
        host.with_state(|s| s.try_start(poller)).then_some(PollGuard { host, poller })
    }
}

impl<H: Host> Drop for PollGuard<'_, H> {
    fn drop(&mut self) {
        self.host.with_state(|s| s.stop(self.poller));
    }
}

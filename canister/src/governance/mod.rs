//! The NNS governance watcher: a timer polls NNS governance for open
//! proposals that change the network's nodes ([`watch`]), computes a verdict
//! for each on the current snapshot ([`verdict`]), stores it by proposal id
//! and certifies it under `proposals/<id>` in the canister's one certified
//! tree ([`store`]). A verdict records the registry version it was computed
//! on; while the proposal is open it is recomputed when the snapshot changes,
//! once the proposal is decided it is kept as it was (with its final
//! status). At most [`store::MAX_VERDICTS`] are kept, the oldest decided
//! proposal's verdict evicted first. The engine side (types, claims,
//! removals, membership, text) is `ic_topology::proposals`.
//!
//! The queries here answer `get_proposal_verdict` and
//! `list_proposal_verdicts`; `configure_governance_watcher` (controllers)
//! sets the governance canister, the interval and the switch.

pub mod ic;
pub mod verdict;
pub mod watch;

/// The verdicts and the watcher's state (kept with the other stores).
pub use crate::stores::verdicts as store;

use crate::checks::{validate_limit, validate_watcher_settings};
use crate::state::{Env, Poller, State};
use candid::Principal;
use ic_topology::api::{self, Error, Result};

pub use crate::limits::{DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT};
/// The first poll runs this long after install, after every upgrade and
/// after the settings change (the registry sync's first run comes before).
pub const FIRST_POLL_SECONDS: u64 = 30;

/// The verdict on proposal `id`, with the certificate and witness that prove it.
pub fn get_proposal_verdict(state: &State, env: &impl Env, id: u64) -> Result<api::CertifiedProposalVerdict> {
    let Some(entry) = state.governance().get(id) else {
        return Err(Error::NotFound {
            reason: format!(
                "no verdict on proposal {id} (not a watched node proposal, not seen open yet, or evicted: at most {} are kept)",
                store::MAX_VERDICTS
            ),
        });
    };
    Ok(api::CertifiedProposalVerdict {
        verdict: entry.verdict(),
        witness: state.governance().witness_among(&state.certified_parts(), id),
        verdict_candid: entry.candid,
        certificate: env.data_certificate().map(serde_bytes::ByteBuf::from),
        canister_id: env.canister_id(),
    })
}

/// Verdicts, newest proposal first, filtered by status and kind.
pub fn list_proposal_verdicts(
    state: &State,
    req: api::ListProposalVerdictsRequest,
) -> Result<api::ProposalVerdictPage> {
    let limit = validate_limit(req.limit, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT)?;
    let mut verdicts = Vec::new();
    let mut next_before = None;
    for (_, e) in state.governance().newest_first(req.before) {
        if req.status.is_some_and(|s| s != e.status) || req.kind.is_some_and(|k| k != e.kind) {
            continue;
        }
        if verdicts.len() == limit as usize {
            next_before = verdicts.last().map(|v: &api::ProposalVerdict| v.proposal_id);
            break;
        }
        verdicts.push(e.verdict());
    }
    Ok(api::ProposalVerdictPage { verdicts, next_before })
}

/// Set the watcher's settings (controllers only); fields left `null` keep their value.
pub fn configure(state: &mut State, env: &impl Env, settings: api::GovernanceWatcherSettings) -> Result<()> {
    state.authorize(env, "configure_governance_watcher")?;
    validate_watcher_settings(&settings)?;
    state.governance_mut().update_state(|w| {
        if let Some(id) = settings.governance_canister_id {
            w.governance_canister_id = Some(id.to_text());
        }
        if let Some(i) = settings.poll_interval_seconds {
            w.poll_interval_seconds = Some(i);
        }
        if let Some(e) = settings.enabled {
            w.enabled = Some(e);
        }
    });
    Ok(())
}

/// The watcher's part of `get_sync_status`.
pub fn status(state: &State) -> api::GovernanceWatcherStatus {
    let w = state.governance();
    let s = w.state();
    api::GovernanceWatcherStatus {
        governance_canister_id: s.governance_canister_id(),
        poll_interval_seconds: s.poll_interval_seconds(),
        enabled: s.enabled(state.registry_is_the_nns_registry()),
        in_progress: state.is_running(Poller::Governance),
        last_poll_nanos: s.last_poll_nanos,
        last_success_nanos: s.last_success_nanos,
        last_error: s.last_error.clone(),
        last_error_nanos: s.last_error_nanos,
        proposals_seen: s.proposals_seen,
        verdicts: w.len(),
        pending: s.pending.len() as u64,
        max_message_instructions: s.max_message_instructions,
    }
}

/// The governance canister, the interval and whether to poll at all.
pub fn settings(state: &State) -> (Principal, u64, bool) {
    let s = state.governance().state();
    (s.governance_canister_id(), s.poll_interval_seconds(), s.enabled(state.registry_is_the_nns_registry()))
}

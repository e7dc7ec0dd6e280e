//! The poll: list the open proposals, page by page, then fetch and decide on
//! each proposal that needs a verdict, one per message. Like the registry
//! sync it knows nothing of ic-cdk: governance is behind [`Governance`], the
//! canister behind [`Host`], so the same loop runs natively against a fake.
//!
//! One poll: `list_proposals` (open proposals only, every topic but NodeAdmin
//! and SubnetManagement excluded, 100 a page, paging down with
//! `before_proposal`) until an empty page; each listed proposal of a watched
//! kind without a verdict on the current snapshot joins the queue, and so
//! does every stored open verdict the listing no longer shows (it was
//! decided: its final status is fetched, its verdict kept). Then
//! `get_proposal_info` for each queued id (listings empty payloads over 1,000
//! bytes, so the payload is always read from there), and the decision is
//! written in the callback's message. The cursor and the queue are in stable
//! memory and every step writes them in the message it ends, so an upgrade
//! between any two calls loses and repeats nothing: the next poll resumes.

use super::verdict::{self, Decision};
use crate::host::PollGuard;
use crate::state::{Env, Poller, State};
use ic_topology::proposals::governance::{ListProposalInfoRequest, ListProposalInfoResponse, ProposalId, ProposalInfo};
use std::fmt;

/// Proposals per `list_proposals` page (governance's maximum).
pub const PAGE_LIMIT: u32 = 100;
/// Pages per poll at most (100,000 open proposals: a guard, never reached).
pub const MAX_PAGES: u32 = 1_000;
/// The topics watched: NodeAdmin (5) and SubnetManagement (7).
pub const WATCHED_TOPICS: [i32; 2] = [5, 7];
/// The open proposal status.
pub const OPEN: i32 = 1;

/// The topics `list_proposals` is asked to leave out: every topic governance
/// has numbered so far (0..=20) but the watched ones.
pub fn excluded_topics() -> Vec<i32> {
    (0..=20).filter(|t| !WATCHED_TOPICS.contains(t)).collect()
}

/// The request for the page below `before`.
pub fn page_request(before: Option<u64>) -> ListProposalInfoRequest {
    ListProposalInfoRequest {
        include_reward_status: vec![],
        omit_large_fields: Some(true),
        before_proposal: before.map(|id| ProposalId { id }),
        limit: PAGE_LIMIT,
        exclude_topic: excluded_topics(),
        include_all_manage_neuron_proposals: None,
        include_status: vec![OPEN],
        // The watcher decodes the raw payload of `action`; governance leaves
        // `action` out of a listing that asks for the self-describing action.
        return_self_describing_action: Some(false),
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
/// Why a poll stopped.
pub enum WatchError {
    /// Another poll is running.
    AlreadyRunning,
    /// The watcher is switched off.
    Disabled,
    /// A call to governance failed or was rejected.
    Call {
        /// Governance's method.
        method: String,
        /// The reject code.
        code: u32,
        /// The reject message.
        message: String,
    },
    /// A reply that does not decode.
    Malformed {
        /// What did not decode.
        what: String,
        /// Why.
        reason: String,
    },
    /// Nothing to evaluate on yet; the queue is kept.
    NotReady {
        /// Why.
        reason: String,
    },
}

impl fmt::Display for WatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WatchError::AlreadyRunning => write!(f, "a poll is already running"),
            WatchError::Disabled => write!(f, "the governance watcher is switched off"),
            WatchError::Call { method, code, message } => write!(f, "{method}: call failed (code {code}): {message}"),
            WatchError::Malformed { what, reason } => write!(f, "malformed {what}: {reason}"),
            WatchError::NotReady { reason } => write!(f, "verdicts wait: {reason}"),
        }
    }
}

/// The governance canister's read methods.
#[allow(async_fn_in_trait)]
pub trait Governance {
    /// One page of `list_proposals`.
    async fn list_proposals(&self, req: ListProposalInfoRequest) -> Result<ListProposalInfoResponse, WatchError>;
    /// `get_proposal_info` of one proposal.
    async fn get_proposal_info(&self, id: u64) -> Result<Option<ProposalInfo>, WatchError>;
}

/// The canister around the poll (the same as the registry sync's).
pub use crate::host::Host;

/// What a completed poll did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PollReport {
    /// Listing pages read.
    pub pages: u32,
    /// Proposals listed.
    pub listed: u64,
    /// Proposals fetched with `get_proposal_info`.
    pub fetched: u32,
    /// Verdicts written.
    pub written: u32,
    /// Decided proposals whose verdict got its final status.
    pub status_updates: u32,
    /// Fetched proposals of no watched kind.
    pub ignored: u32,
    /// The most instructions any message of this poll used.
    pub max_message_instructions: u64,
}

/// Run one poll and record its outcome in the watcher's status.
pub async fn poll<G: Governance, H: Host>(governance: &G, host: &H) -> Result<PollReport, WatchError> {
    let registry_default = host.with_state(|s| s.registry_is_the_nns_registry());
    let enabled = host.with_state(|s| s.governance().state().enabled(registry_default));
    if !enabled {
        return Err(WatchError::Disabled);
    }
    let Some(guard) = PollGuard::take(host, Poller::Governance) else {
        return Err(WatchError::AlreadyRunning);
    };
    let now = host.now_nanos();
    host.with_state(|s| s.governance_mut().update_state(|w| w.last_poll_nanos = Some(now)));
    let result = run(governance, host).await;
    let now = host.now_nanos();
    guard.finish(|s| {
        s.governance_mut().update_state(|w| match &result {
            Ok(r) => {
                w.last_success_nanos = Some(now);
                w.max_message_instructions = r.max_message_instructions;
            }
            Err(e) => {
                w.last_error = Some(e.to_string());
                w.last_error_nanos = Some(now);
            }
        })
    });
    result
}

async fn run<G: Governance, H: Host>(governance: &G, host: &H) -> Result<PollReport, WatchError> {
    let mut report = PollReport::default();
    let mut max = host.instructions();
    // 1. The listing (resumed where an earlier poll stopped, if it did).
    host.with_state(|s| {
        s.governance_mut().update_state(|w| {
            w.listing.get_or_insert_with(Default::default);
        })
    });
    loop {
        let before = host.with_state(|s| s.governance().state().listing.as_ref().and_then(|l| l.before));
        if report.pages >= MAX_PAGES {
            break;
        }
        max = max.max(host.instructions());
        let page = governance.list_proposals(page_request(before)).await?;
        report.pages += 1;
        report.listed += page.proposal_info.len() as u64;
        let done = host.with_state(|s| record_page(s, &page.proposal_info));
        if done {
            break;
        }
    }
    // 2. Every stored open verdict the listing did not show was decided: fetch its status.
    host.with_state(|s| {
        let w = s.governance_mut();
        let listed = w.state().listing.clone().unwrap_or_default().open;
        let closed: Vec<u64> = w.open_ids().into_iter().filter(|id| !listed.contains(id)).collect();
        w.update_state(|st| {
            st.pending.extend(closed);
            st.listing = None;
        });
    });
    // 3. The queue, one proposal per message.
    while let Some(id) = host.with_state(|s| s.governance().state().pending.first().copied()) {
        max = max.max(host.instructions());
        let info = governance.get_proposal_info(id).await?;
        report.fetched += 1;
        let decided = host.with_state(|s| apply(s, host.env(), id, info.as_ref()));
        match decided? {
            Applied::Written => report.written += 1,
            Applied::Status => report.status_updates += 1,
            Applied::Ignored | Applied::Kept => report.ignored += 1,
        }
    }
    report.max_message_instructions = max.max(host.instructions());
    Ok(report)
}

/// Queue what a page shows; true when it was the last page.
fn record_page(s: &mut State, page: &[ProposalInfo]) -> bool {
    let version = s.snapshot_registry_version();
    let ready = s.derived_state().is_some();
    let w = s.governance_mut();
    let mut queue = Vec::new();
    let mut open = Vec::new();
    let mut lowest: Option<u64> = None;
    for info in page {
        let Some(id) = info.id.as_ref().map(|i| i.id) else { continue };
        lowest = Some(lowest.map_or(id, |l| l.min(id)));
        if verdict::watched(info).is_none() || info.status != OPEN {
            continue;
        }
        open.push(id);
        let current = w.get(id).is_some_and(|e| e.registry_version == version && ready);
        if !current {
            queue.push(id);
        }
    }
    // Only an empty page ends the listing: governance may answer fewer than asked for
    // (a reply-size cap) while older open proposals remain.
    let last = lowest.is_none();
    // Seen for the first time: neither stored nor queued before.
    let fresh = queue.iter().filter(|id| w.get(**id).is_none() && !w.state().pending.contains(id)).count() as u64;
    w.update_state(|st| {
        st.pending.extend(queue.iter().copied());
        st.proposals_seen += fresh;
        let listing = st.listing.get_or_insert_with(Default::default);
        listing.open.extend(open.iter().copied());
        listing.before = lowest;
    });
    last
}

enum Applied {
    Written,
    Status,
    Kept,
    Ignored,
}

/// Decide on one fetched proposal and write the outcome (the host's write
/// path certifies it).
fn apply(s: &mut State, env: &impl Env, id: u64, info: Option<&ProposalInfo>) -> Result<Applied, WatchError> {
    let stored = s.governance().get(id);
    let decision = match info {
        Some(info) => verdict::decide(s, env, info, stored.as_ref()),
        // Governance no longer has it (proposals are pruned long after they are decided).
        None => Decision::Keep,
    };
    let applied = match decision {
        Decision::NotReady(reason) => return Err(WatchError::NotReady { reason }),
        Decision::Ignore => Applied::Ignored,
        Decision::Keep => Applied::Kept,
        Decision::UpdateStatus(status) => {
            let mut v = stored.expect("a status update has a stored verdict").verdict();
            v.status = status;
            s.governance_mut().insert(&v);
            Applied::Status
        }
        Decision::Write(v) => {
            s.governance_mut().insert(&v);
            Applied::Written
        }
    };
    s.governance_mut().update_state(|st| {
        st.pending.remove(&id);
    });
    Ok(applied)
}

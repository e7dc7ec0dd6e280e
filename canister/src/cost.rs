//! The cost cap of an evaluation: counted before it runs ([`ic_topology::cost`]),
//! so that `evaluate_candidates`, `proposal_summary`, `publish_evaluation`
//! and the governance watcher never pass the 5 billion instructions of a
//! query. A request within the cap gets the full solves that fit
//! ([`ic_topology::canister_profile::canister_full_solves`], which `topology`
//! reproduces off chain); one over it is refused with the most candidate
//! nodes this snapshot takes.

use ic_topology::api::{Error, Result};
use ic_topology::canister_profile;
use ic_topology::cost;
use ic_topology::inputs::{CandidateRow, Settings};
use ic_topology::model::Model;

/// The full solves an evaluation may have, or the refusal that names the cap.
pub(crate) fn full_solves(
    base: &Model,
    settings: Settings,
    candidates: &[CandidateRow],
    cached: bool,
) -> Result<usize> {
    canister_profile::canister_full_solves(base, settings, candidates, cached).ok_or_else(|| {
        let size = cost::Size::of(base, candidates.len(), &settings);
        let nodes: u32 = candidates.iter().fold(0, |n, c| n.saturating_add(c.no_nodes));
        let most = cost::max_candidate_nodes(size, cached, cost::QUERY_CAP, crate::limits::MAX_CANDIDATE_NODES);
        let why = if cached { "" } else { " with these overrides (their baseline is solved again)" };
        Error::InvalidArgument {
            field: "candidates".into(),
            reason: format!(
                "{nodes} candidate nodes in {} rows would pass the cost cap of a query on this snapshot \
                 ({} node classes x {} subnets){why}: it takes at most {most} candidate nodes \
                 (the count and the cap: canister/INSTRUCTIONS.md)",
                candidates.len(),
                size.classes,
                size.subnets,
            ),
        }
    })
}

/// The most candidate nodes in `rows` rows that an evaluation without
/// overrides takes on this snapshot (at most `MAX_CANDIDATE_NODES`).
pub(crate) fn most_candidate_nodes(base: &Model, settings: Settings, rows: usize) -> u32 {
    let size = cost::Size::of(base, rows, &settings);
    cost::max_candidate_nodes(size, true, cost::QUERY_CAP, crate::limits::MAX_CANDIDATE_NODES)
}

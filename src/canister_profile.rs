//! The canister's budget profile: the work budget, the number of full solves
//! and the cost cap its evaluations run under, and [`evaluate_as_canister`],
//! which applies them off chain. The command line evaluates an export
//! (`topology evaluate --inputs`) with this profile, so that it reproduces the
//! canister's answers bit for bit; the canister reads the same constants.

use crate::cost;
use crate::evaluate::{self, Evaluation};
use crate::inputs::{CandidateRow, Inputs, Settings};
use crate::model::Model;
use crate::solve::{self, Budget};

/// Branch-and-bound nodes per curve point in the canister's evaluations.
pub const CANISTER_BUDGET: Budget = Budget { branch_nodes: 2_000 };
/// Curve points per evaluation in the canister that may go on to a full solve
/// when their neighbours do not prove them (it keeps a query under the IC's 5
/// billion instructions); points left unproven come back as `budget_exceeded`
/// with their bounds.
pub const CANISTER_FULL_SOLVES: usize = 2;

/// The full solves the canister allows an evaluation of `candidates` over
/// inputs with `settings`, whose model without candidates is `base`: at most
/// [`CANISTER_FULL_SOLVES`], fewer where the cost count ([`crate::cost`])
/// would pass its cap. `None` when not even the fewest fit: the canister
/// refuses the request.
pub fn canister_full_solves(
    base: &Model,
    settings: Settings,
    candidates: &[CandidateRow],
    baseline_cached: bool,
) -> Option<usize> {
    let nodes = candidates.iter().fold(0u32, |n, c| n.saturating_add(c.no_nodes));
    let size = cost::Size::of(base, candidates.len(), &settings);
    cost::full_solves_within(size, nodes, baseline_cached, CANISTER_FULL_SOLVES, cost::QUERY_CAP)
}

/// Evaluate as the canister does, so that an export reproduces its answers
/// bit for bit: the baseline under the default budget (the canister solves it
/// once per snapshot, in an update), then the curve under
/// [`CANISTER_BUDGET`] with the full solves [`canister_full_solves`] allows.
/// A request the canister refuses for its cost is evaluated with
/// [`CANISTER_FULL_SOLVES`].
pub fn evaluate_as_canister(inputs: &Inputs, candidates: &[CandidateRow]) -> (Model, Evaluation) {
    let base_model = crate::model::build(inputs, &[]);
    let base = solve::solve(&base_model, Budget::default());
    let full_solves =
        canister_full_solves(&base_model, inputs.settings, candidates, true).unwrap_or(CANISTER_FULL_SOLVES);
    evaluate::evaluate_with_baseline(inputs, candidates, CANISTER_BUDGET, Some((&base_model, &base)), full_solves)
}

//! What an evaluation may cost, counted before it runs.
//!
//! An IC query may spend 5 billion instructions; one that passes the limit
//! traps. The canister therefore counts what an evaluation may cost at most
//! before it starts, and refuses one that could pass its cap with an error
//! that names the cap and the most candidate nodes it would take.
//!
//! The count follows what [`crate::evaluate::evaluate_with_baseline`] does:
//! each curve point from the first candidate node to the last is solved from
//! its solved neighbours at most once (a one-for-one curve solves them all),
//! and at most `full_solves` solves go on to the LP and the integer program
//! (the baseline's among them when it is not cached). Both scale with the
//! model's cells, its node classes times its subnets. The rates below are
//! upper bounds of what the canister's module was measured to spend per cell
//! on the reference snapshots and on generated networks of up to ten times
//! mainnet's subnets; `canister/tests/wasm_cost.rs` searches for requests
//! that spend more than this counts and fails if one passes the query limit.
//! The count is an integer function of the inputs, so it is the same on
//! every replica and off chain.

use crate::inputs::Settings;
use crate::model::Model;

/// Instructions per cell of a curve point solved from its neighbours.
pub const NEAR_POINT_PER_CELL: u64 = 7_000;
/// Instructions per cell of a solve that goes on to the LP and the integer
/// program, with branch and bound under the canister's budget.
pub const FULL_SOLVE_PER_CELL: u64 = 170_000;
/// Instructions of an evaluation whatever its size (decoding, the reply).
pub const FIXED: u64 = 60_000_000;
/// What the canister lets one evaluation cost by this count: under the 5
/// billion instructions of a query, with room for what the count leaves out.
pub const QUERY_CAP: u64 = 4_800_000_000;

/// The dimensions an evaluation's cost grows with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    /// Node classes, at most (the candidates' rows and any override's classes counted).
    pub classes: u64,
    /// Subnets of the model.
    pub subnets: u64,
}

impl Size {
    /// The size of an evaluation of `candidate_rows` rows over `base` (the
    /// model without candidates) under `settings` (the base's, or an
    /// override's).
    ///
    /// An upper bound without building the model: each row adds at most one
    /// class, each synthetic country one class per synthetic provider, and
    /// each node the base leaves out for its health (when `settings` do not
    /// enforce health) or for a cordon (when they do not enforce the
    /// blacklist) at most one class.
    pub fn of(base: &Model, candidate_rows: usize, settings: &Settings) -> Size {
        let real = base.classes.iter().filter(|c| !c.synthetic).count() as u64;
        let unhealthy = if settings.enforce_health { 0 } else { base.excluded.unhealthy as u64 };
        let cordoned = if settings.enforce_blacklist { 0 } else { base.excluded.cordoned as u64 };
        let synthetic = settings.synthetic_countries as u64 * crate::model::SYNTHETIC_PROVIDERS_PER_COUNTRY as u64;
        Size {
            classes: real + unhealthy + cordoned + synthetic + candidate_rows as u64,
            subnets: base.subnets.len() as u64,
        }
    }

    /// The model's cells: node classes times subnets.
    pub fn cells(&self) -> u64 {
        self.classes.saturating_mul(self.subnets)
    }
}

/// The most instructions an evaluation of `candidate_nodes` nodes may
/// spend: every point solved from its neighbours, and `full_solves` of them
/// (or fewer, when there are fewer points to solve) going on to the LP.
pub fn evaluation(size: Size, candidate_nodes: u32, baseline_cached: bool, full_solves: usize) -> u64 {
    let points = candidate_nodes as u64;
    let solvable = points + u64::from(!baseline_cached);
    let full = (full_solves as u64).min(solvable);
    let cells = size.cells();
    FIXED
        .saturating_add(cells.saturating_mul(NEAR_POINT_PER_CELL).saturating_mul(points))
        .saturating_add(cells.saturating_mul(FULL_SOLVE_PER_CELL).saturating_mul(full))
}

/// How many solves (at most `max_full_solves`) may go on to the LP and the
/// integer program within `limit`: the most that fit, and at least the
/// baseline's when it is not cached. `None` when not even that fits: the
/// request is to be refused.
pub fn full_solves_within(
    size: Size,
    candidate_nodes: u32,
    baseline_cached: bool,
    max_full_solves: usize,
    limit: u64,
) -> Option<usize> {
    let least = usize::from(!baseline_cached).min(max_full_solves);
    (least..=max_full_solves).rev().find(|&f| evaluation(size, candidate_nodes, baseline_cached, f) <= limit)
}

/// The most candidate nodes (up to `cap_nodes`) whose evaluation's count,
/// with the fewest full solves it may have, stays within `limit`.
pub fn max_candidate_nodes(size: Size, baseline_cached: bool, limit: u64, cap_nodes: u32) -> u32 {
    let least = usize::from(!baseline_cached);
    (0..=cap_nodes).rev().find(|&n| evaluation(size, n, baseline_cached, least) <= limit).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_grows_with_points_cells_and_full_solves() {
        let size = Size { classes: 150, subnets: 83 };
        let one = evaluation(size, 1, true, 2);
        assert_eq!(one, FIXED + 150 * 83 * (NEAR_POINT_PER_CELL + FULL_SOLVE_PER_CELL));
        assert!(evaluation(size, 2, true, 2) > one);
        // Without points there is nothing to solve when the baseline is cached.
        assert_eq!(evaluation(size, 0, true, 2), FIXED);
        // Uncached, the baseline is one of the full solves.
        assert_eq!(evaluation(size, 0, false, 2), FIXED + 150 * 83 * FULL_SOLVE_PER_CELL);
        assert!(evaluation(Size { classes: 151, subnets: 83 }, 1, true, 2) > one);
    }

    #[test]
    fn full_solves_are_the_most_that_fit_and_the_baseline_needs_one() {
        let size = Size { classes: 150, subnets: 83 };
        let two = evaluation(size, 8, true, 2);
        assert_eq!(full_solves_within(size, 8, true, 2, two), Some(2));
        assert_eq!(full_solves_within(size, 8, true, 2, two - 1), Some(1));
        assert_eq!(full_solves_within(size, 8, true, 2, evaluation(size, 8, true, 0)), Some(0));
        assert_eq!(full_solves_within(size, 8, true, 2, evaluation(size, 8, true, 0) - 1), None);
        // Uncached, the baseline's full solve is the least there may be.
        assert_eq!(full_solves_within(size, 8, false, 2, evaluation(size, 8, false, 1)), Some(1));
        assert_eq!(full_solves_within(size, 8, false, 2, evaluation(size, 8, false, 1) - 1), None);
    }

    #[test]
    fn the_most_candidate_nodes_is_the_largest_count_within_the_limit() {
        let size = Size { classes: 150, subnets: 83 };
        let limit = evaluation(size, 10, true, 0);
        assert_eq!(max_candidate_nodes(size, true, limit, 32), 10);
        assert_eq!(max_candidate_nodes(size, true, limit - 1, 32), 9);
        assert_eq!(max_candidate_nodes(size, true, u64::MAX, 32), 32);
        assert_eq!(max_candidate_nodes(size, true, 0, 32), 0);
        // Uncached, the baseline's full solve counts too.
        assert_eq!(max_candidate_nodes(size, false, evaluation(size, 10, false, 1), 32), 10);
    }
}

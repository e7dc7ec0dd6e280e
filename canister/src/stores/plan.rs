//! The membership plan of every subnet, kept in the heap for queries (an
//! upgrade recomputes it): solved by `crate::plan` in timer messages of its
//! own, read by the plan queries and the dashboard.

use ic_topology::plan;

/// The plan of every subnet, kept for queries (heap only: an upgrade
/// recomputes it). It is solved in a timer message of its own after every
/// change of the snapshot or the configuration (see `crate::lifecycle`), never in a
/// caller's message: a plan may need more instructions than a query allows,
/// and a model too large for one message must not hold up the commit or the
/// sync that changed it.
#[derive(Clone, Debug)]
pub enum Kept {
    /// Nothing solved yet for the current inputs.
    Stale,
    /// A solve was started for `key` (a message of its own); still so after
    /// that message, it did not fit in one message.
    Solving {
        /// The registry version and configuration digest solved for.
        key: String,
    },
    /// The plan of `key`.
    Ready {
        /// The registry version and configuration digest solved for.
        key: String,
        /// The plan.
        solution: Box<plan::solve::PlanSolution>,
    },
    /// The model of `key` is too large to solve on chain: why.
    Refused {
        /// The registry version and configuration digest solved for.
        key: String,
        /// Why it was not solved.
        reason: String,
    },
}

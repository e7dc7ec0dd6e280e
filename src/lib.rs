//! Exact, deterministic evaluation of the Internet Computer's target topology.
//!
//! Given the registry's nodes, the node pipeline, candidate nodes and the
//! adopted target topology, the engine computes the ObjectiveValue of the
//! community's decentralization model (the minimum number of additional node
//! machines needed to fill the target topology), proves it with an allocation
//! and a lower-bound certificate that anyone can re-check in exact integer
//! arithmetic, and evaluates whether candidate nodes reduce it one for one.
//!
//! The engine is plain Rust with no canister dependency: the `topology`
//! command-line tool and the canister call the same code, so any result can be
//! reproduced off chain bit for bit.

#![deny(missing_docs)]

// Every public item is documented. The one exception is in `proposals`: the
// IC's own governance and registry types, generated or copied from the IC's
// .did files, carry an `allow` each there (their documentation is the IC's).

#[cfg(feature = "candid")]
pub mod api;
pub mod canister_profile;
#[cfg(feature = "certification")]
pub mod certification;
pub mod charts;
pub mod check;
pub mod cordoned;
pub mod cost;
pub mod curve_notes;
pub mod digest;
pub mod error;
pub mod evaluate;
pub mod explain;
pub mod export;
#[cfg(feature = "files")]
pub mod files;
pub mod inputs;
mod lp;
pub mod model;
pub mod placement;
pub mod plan;
pub mod proposals;
pub mod shortfall;
pub mod solve;
pub mod summary;
pub mod text;
pub mod topology_in_force;
pub mod verify;

pub use error::InputError;

#[cfg(test)]
mod test_fixtures;

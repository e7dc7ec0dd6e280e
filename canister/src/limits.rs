//! Every cap the canister puts on a request, and the defaults that go with
//! them, in one place: what a query or an update may be asked to do is read
//! here, and the checks (`crate::checks`), the argument policies
//! (the method table of `lib.rs`) and the features refer to these names.
//!
//! The byte caps of the arguments follow from these (16 candidate rows of
//! 128-byte texts, 2,000 nodes a chunk, the configuration's list caps); the
//! instruction figures behind them are in `canister/INSTRUCTIONS.md`.

use ic_topology::solve::Budget;

/// Request caps, so that no query can be made to exceed the instruction limit.
pub const MAX_CANDIDATE_ROWS: usize = 16;
/// Candidate nodes per request, all rows together.
pub const MAX_CANDIDATE_NODES: u32 = 32;
/// Synthetic countries an override may ask for.
pub const MAX_SYNTHETIC_COUNTRIES: u32 = 20;
/// Bytes of one text field (names, ids) of an uploaded node or a pipeline entry.
pub const MAX_TEXT: usize = 128;
/// Nodes per `list_nodes` page at most ...
pub const MAX_PAGE: u32 = 500;
/// ... and when the request names no limit.
pub const DEFAULT_PAGE: u32 = 100;
/// Subnets of a topology.
pub const MAX_SUBNETS: usize = 1_000;
/// Nodes of one subnet of a topology.
pub const MAX_SUBNET_SIZE: u32 = 100;
/// Nodes per `upload_snapshot_nodes` chunk.
pub const MAX_NODES_PER_CHUNK: usize = 2_000;
/// Nodes per uploaded snapshot: its commit derives the inputs, solves the
/// baseline and renders the pages in one message (20.95 billion instructions
/// at 14,000 nodes in 800 subnets, canister/INSTRUCTIONS.md), so the cap keeps
/// it within the 40 billion of an update with room for 1,000 subnets; 50,000
/// was over the limit.
pub const MAX_SNAPSHOT_NODES: u64 = 15_000;
/// Pipeline nodes and node-health entries: caps that keep `get_configuration`
/// under the 3 MiB reply limit with the other lists full (see `guard`).
pub const MAX_PIPELINE: usize = 1_000;
/// Node-health entries of the configuration (see [`MAX_PIPELINE`]).
pub const MAX_NODE_HEALTH: usize = 5_000;
/// The NNS registry canister.
pub const DEFAULT_REGISTRY_CANISTER_ID: &str = "rwlgt-iiaaa-aaaaa-aaaaa-cai";
/// The registry sync's interval when the configuration names none ...
pub const DEFAULT_SYNC_INTERVAL_SECONDS: u64 = 3_600;
/// ... and the shortest ...
pub const MIN_SYNC_INTERVAL_SECONDS: u64 = 60;
/// ... and the longest a configuration may set.
pub const MAX_SYNC_INTERVAL_SECONDS: u64 = 7 * 24 * 3_600;
/// The first sync runs this long after install and after every upgrade.
pub const SYNC_AFTER_INSTALL_SECONDS: u64 = 5;
/// The health of a node the configuration does not list.
pub const DEFAULT_HEALTH: &str = "UP";
/// Branch-and-bound nodes per solve in a query (the engine's canister profile,
/// which `topology` uses on an export to reproduce these answers).
pub const QUERY_BUDGET: Budget = ic_topology::canister_profile::CANISTER_BUDGET;
/// Curve points per query that may go on to the LP and the integer program
/// when their solved neighbours do not prove them: at most these, fewer where
/// the cost count of the request would pass its cap ([`crate::cost`]). A
/// point left unproven comes back as `budget_exceeded` with the bounds its
/// neighbours give.
pub const QUERY_FULL_SOLVES: usize = ic_topology::canister_profile::CANISTER_FULL_SOLVES;
/// Bytes per `export_snapshot` page (a query's reply may be 3 MiB).
pub const MAX_EXPORT_PAGE: u32 = 1_000_000;
/// Nodes in all in an evaluation submitted to `verify_evaluation` (allocations are checked node by node).
pub const MAX_VERIFY_NODES: usize = 100_000;

// ---- the configuration's lists ----
//
// Sized so that `get_configuration`, with every list full of texts of the
// longest length ([`MAX_TEXT`]), stays under the 3 MiB reply limit of a query
// (a test in `crate::checks` encodes that worst case).

/// SEV providers of the configuration.
pub const MAX_SEV_PROVIDERS: usize = 1_000;
/// Cordons of the configuration.
pub const MAX_CORDONS: usize = 1_000;
/// Provider clusters of the configuration ...
pub const MAX_CLUSTERS: usize = 100;
/// ... and members of one cluster.
pub const MAX_CLUSTER_MEMBERS: usize = 20;
/// Special limits of the configuration.
pub const MAX_SPECIAL_LIMITS: usize = 200;
/// Country restrictions of the configuration ...
pub const MAX_COUNTRY_RESTRICTIONS: usize = 50;
/// ... and countries in all the country restrictions together.
pub const MAX_RESTRICTED_COUNTRIES: usize = 1_000;
/// Provider names of the configuration.
pub const MAX_PROVIDER_NAMES: usize = 2_000;
/// One kibibyte.
pub const KIB: usize = 1024;
/// One mebibyte.
pub const MIB: usize = 1024 * 1024;
/// The largest reply a query may send.
pub const MAX_REPLY_BYTES: usize = 3 * MIB;
/// The IC's ingress limit: an argument is at most 2 MiB.
pub const MAX_INGRESS_BYTES: usize = 2 * MIB;
/// A method without arguments: `DIDL\0\0` is 6 bytes; allow a little slack for encoders.
pub const NO_ARGUMENT_BYTES: usize = 64;

// ---- the other features' requests ----

/// Verdicts per `list_proposal_verdicts` page when the request names no limit ...
pub const DEFAULT_LIST_LIMIT: u32 = 20;
/// ... and at most.
pub const MAX_LIST_LIMIT: u32 = 100;
/// At most this long a group name in a `get_node_value` request.
pub const MAX_NAME_BYTES: usize = 256;
/// At most this many subnet ids in a plan request (the topology has fewer subnets).
pub const MAX_SUBNETS_PER_REQUEST: usize = 200;
/// At most this many nodes a membership change may add or remove.
pub const MAX_CHANGE_NODES: usize = 100;

/// A text of [`MAX_TEXT`] bytes, distinct for each `i` (tests of the caps).
#[cfg(test)]
pub(crate) fn longest_text(i: usize) -> String {
    let s = format!("{i:08}");
    s.repeat(MAX_TEXT / s.len())
}

//! The bottom floor: the stable memory and every structure stored in it or
//! cached from it, each with its own file. Nothing here knows a feature,
//! the state or the dashboard.
//!
//! - [`memory`]: the memory map (every structure's `MemoryId`) and the layout schema;
//! - [`configuration`]: the configuration, the topology, the snapshot's metadata;
//! - [`nodes`]: the snapshot's nodes and the upload's;
//! - [`registry`]: the registry records and the sync's cursor;
//! - [`published`]: published evaluations and plans (certified);
//! - [`verdicts`]: the governance watcher's verdicts and state (certified);
//! - [`placements`]: the placement refresh and its results (certified);
//! - [`plan`]: the kept membership plan (heap);
//! - [`dashboard`]: the dashboard's certified responses (heap; certified);
//! - [`certified`]: the one certified root over the certified subtrees.

pub mod certified;
pub mod configuration;
pub mod dashboard;
pub mod memory;
pub mod nodes;
pub mod placements;
pub mod plan;
pub mod published;
pub mod registry;
pub mod verdicts;

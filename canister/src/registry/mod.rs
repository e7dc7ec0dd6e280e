//! The NNS registry, read from chain: the records the snapshot needs
//! ([`proto`]), kept in stable memory with their version cursor
//! ([`crate::stores::registry`]),
//! turned into the solver's nodes ([`mod@derive`]) and kept current by a sync loop
//! over a [`sync::Registry`] trait ([`sync`]). Nothing here uses ic-cdk; the
//! canister's implementation of the trait is in `crate::registry::ic`.

pub mod derive;
pub mod ic;
pub mod proto;
pub mod sync;

/// The stored records and the sync's cursor (kept with the other stores).
pub use crate::stores::registry as store;

use crate::state::{Env, Poller, State};
use crate::stores::configuration::{SnapshotMeta, Source};
use crate::stores::registry::{InstallCost, SyncState};
use candid::Principal;
use ic_topology::api::{self, Result};
use sync::SyncError;

impl State {
    /// Where the registry sync stands.
    pub fn sync_status(&self) -> api::SyncStatus {
        let config = &self.configuration.get().value;
        let s = self.registry.state();
        let meta = &self.snapshot.get().value;
        api::SyncStatus {
            registry_canister_id: config.registry_canister_id(),
            sync_interval_seconds: config.sync_interval_seconds(),
            cursor_version: s.cursor,
            latest_version_seen: s.latest_version_seen,
            snapshot_version: (meta.source == Source::Registry).then_some(meta.registry_version),
            last_success_nanos: s.last_success_nanos,
            last_error: s.last_error.clone(),
            last_error_nanos: s.last_error_nanos,
            consecutive_failures: s.consecutive_failures,
            in_progress: self.is_running(Poller::Registry),
            records: self.registry.len(),
            nodes: s.counts.nodes,
            node_operators: s.counts.node_operators,
            data_centers: s.counts.data_centers,
            subnets: s.counts.subnets,
            api_boundary_nodes: s.counts.api_boundary_nodes,
            nodes_with_chip_id: s.counts.nodes_with_chip_id,
            nodes_skipped: s.counts.nodes_skipped,
            max_message_instructions: s.max_message_instructions,
            last_install_records: s.last_install.records,
            last_derive_instructions: s.last_install.derive,
            last_store_instructions: s.last_install.store,
            last_rederive_instructions: s.last_install.rederive,
            governance: crate::governance::status(self),
        }
    }

    /// The configured registry canister and sync interval.
    pub fn sync_settings(&self) -> (Principal, u64) {
        let config = &self.configuration.get().value;
        (config.registry_canister_id(), config.sync_interval_seconds())
    }

    /// The sync's cursor and status.
    pub fn registry_sync_state(&self) -> &SyncState {
        self.registry.state()
    }

    /// Note the latest version the registry reported.
    pub fn note_latest_registry_version(&mut self, version: u64) {
        self.registry.update_state(|s| s.latest_version_seen = s.latest_version_seen.max(version));
    }

    /// Write one batch of registry records and the cursor it reaches.
    pub fn apply_registry_batch(&mut self, changes: Vec<(String, Option<Vec<u8>>)>, cursor: u64, timestamp: u64) {
        self.registry.apply(changes, cursor, timestamp);
    }

    /// When the records are at the latest version seen and the snapshot in
    /// use is not theirs, derive it from them and put it in place. True if
    /// the snapshot was replaced.
    /// `instructions` is the message's instruction counter: each step's cost
    /// is kept in the sync status.
    pub fn install_registry_snapshot_if_stale(
        &mut self,
        instructions: &dyn Fn() -> u64,
    ) -> std::result::Result<bool, SyncError> {
        let state = self.registry.state().clone();
        let meta = &self.snapshot.get().value;
        if state.cursor < state.latest_version_seen
            || (meta.source == Source::Registry && meta.registry_version == state.cursor)
        {
            return Ok(false);
        }
        let t0 = instructions();
        let derivation = derive::derive(self.registry.iter());
        if derivation.nodes.is_empty() {
            return Err(SyncError::EmptySnapshot { version: state.cursor });
        }
        let t1 = instructions();
        let meta = SnapshotMeta {
            registry_version: state.cursor,
            timestamp_nanos: state.cursor_timestamp_nanos,
            source: Source::Registry,
        };
        let counts = derivation.counts.clone();
        self.replace_nodes(derivation.nodes, meta);
        let t2 = instructions();
        self.rederive();
        let t3 = instructions();
        let records = self.registry.len();
        self.registry.update_state(|s| {
            s.counts = counts;
            s.last_install = InstallCost { records, derive: t1 - t0, store: t2 - t1, rederive: t3 - t2 };
        });
        Ok(true)
    }

    /// Record how a sync ended.
    pub fn record_sync_outcome(&mut self, result: &std::result::Result<sync::SyncReport, SyncError>, now_nanos: u64) {
        self.registry.update_state(|s| match result {
            Ok(report) => {
                s.last_success_nanos = Some(now_nanos);
                s.consecutive_failures = 0;
                s.max_message_instructions = report.max_message_instructions;
            }
            Err(e) => {
                s.last_error = Some(e.to_string());
                s.last_error_nanos = Some(now_nanos);
                s.consecutive_failures = s.consecutive_failures.saturating_add(1);
            }
        });
    }

    /// Only controllers may start a sync by hand.
    pub fn authorize_sync_now(&self, env: &impl Env) -> Result<()> {
        self.authorize(env, "sync_now")
    }
}

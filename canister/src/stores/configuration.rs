//! The configuration the NNS approved, the adopted topology and what is
//! known of the snapshot (its registry version, time and source, and an
//! upload in progress): the values kept in stable cells, as JSON with a
//! format version ([`crate::stores::memory::Stored`]).

use crate::limits::{DEFAULT_HEALTH, DEFAULT_REGISTRY_CANISTER_ID, DEFAULT_SYNC_INTERVAL_SECONDS};
use candid::Principal;
use ic_topology::api;
use ic_topology::inputs::{
    Cordon, CountryRestriction, PlannedNode, ProviderCluster, RegistryNode, Settings, SpecialLimits, SubnetSpec,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
/// The configuration the controllers set (values the registry lacks).
pub struct StoredConfiguration {
    /// The rule set's settings; `None`: the 2025 rules' defaults.
    pub settings: Option<Settings>,
    /// Providers whose nodes count as SEV.
    pub sev_providers: Vec<String>,
    /// Cordoned providers, data centers, countries.
    pub cordons: Vec<Cordon>,
    /// Providers counted together.
    pub clusters: Vec<ProviderCluster>,
    #[serde(with = "ic_topology::inputs::special_limits_as_list")]
    /// Limits beyond the topology's.
    pub special_limits: Option<SpecialLimits>,
    /// Subnet types restricted to some countries.
    pub country_restrictions: Option<Vec<CountryRestriction>>,
    /// Provider principal (text) -> name: names are not on chain.
    pub provider_names: BTreeMap<String, String>,
    /// Nodes planned but not yet in the registry.
    pub pipeline: Vec<PlannedNode>,
    /// `None`: [`DEFAULT_REGISTRY_CANISTER_ID`].
    #[serde(default)]
    pub registry_canister_id: Option<String>,
    /// `None`: [`DEFAULT_SYNC_INTERVAL_SECONDS`].
    #[serde(default)]
    pub sync_interval_seconds: Option<u64>,
    /// Node id -> UP, DOWN or DEGRADED: health is not on chain.
    #[serde(default)]
    pub node_health: BTreeMap<String, String>,
}

impl StoredConfiguration {
    /// The settings in force.
    pub fn settings(&self) -> Settings {
        self.settings.unwrap_or_else(|| ic_topology::inputs::RuleSet::Y2025.default_settings())
    }

    /// The registry canister synced from.
    pub fn registry_canister_id(&self) -> Principal {
        let text = self.registry_canister_id.as_deref().unwrap_or(DEFAULT_REGISTRY_CANISTER_ID);
        Principal::from_text(text).expect("stored canister ids are validated")
    }

    /// The sync interval.
    pub fn sync_interval_seconds(&self) -> u64 {
        self.sync_interval_seconds.unwrap_or(DEFAULT_SYNC_INTERVAL_SECONDS)
    }

    /// A snapshot node as the engine sees it: configured name and health win;
    /// missing ones take the defaults, counted in `defaults`.
    pub fn effective_node(&self, mut node: RegistryNode, defaults: &mut api::DefaultsApplied) -> RegistryNode {
        if let Some(name) = self.provider_names.get(&node.node_provider_id) {
            node.node_provider_name = name.clone();
        } else if node.node_provider_name.is_empty() {
            node.node_provider_name = node.node_provider_id.clone();
            defaults.provider_name_is_principal += 1;
        }
        if let Some(health) = self.node_health.get(&node.node_id) {
            node.status = health.clone();
        } else if node.status.is_empty() {
            node.status = DEFAULT_HEALTH.to_string();
            defaults.health_default_up += 1;
        }
        node
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
/// The adopted target topology.
pub struct StoredTopology {
    /// Its subnets.
    pub subnets: Vec<SubnetSpec>,
    /// The proposal that adopted it.
    pub proposal: u64,
}

impl Default for StoredTopology {
    fn default() -> Self {
        StoredTopology {
            subnets: ic_topology::topology_in_force::subnets(),
            proposal: ic_topology::topology_in_force::ADOPTING_PROPOSAL,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
/// Where the snapshot came from.
pub enum Source {
    #[default]
    /// A chunked upload by the controllers.
    Upload,
    /// The registry sync.
    Registry,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
/// What is known of the snapshot besides its nodes.
pub struct SnapshotMeta {
    /// Its registry version.
    pub registry_version: u64,
    /// Its time (ns since the epoch).
    pub timestamp_nanos: u64,
    /// Layouts before the registry sync had only uploads.
    #[serde(default)]
    pub source: Source,
}

/// The source as the API names it.
pub fn source_out(s: Source) -> api::SnapshotSource {
    match s {
        Source::Upload => api::SnapshotSource::Upload,
        Source::Registry => api::SnapshotSource::Registry,
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
/// An upload in progress.
pub struct StagedSnapshot {
    /// What `begin_snapshot_upload` announced: the metadata and the node count.
    pub announced: Option<(SnapshotMeta, u64)>,
}

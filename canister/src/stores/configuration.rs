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
pub struct StoredConfiguration {
    pub settings: Option<Settings>,
    pub sev_providers: Vec<String>,
    pub cordons: Vec<Cordon>,
    pub clusters: Vec<ProviderCluster>,
    #[serde(with = "ic_topology::inputs::special_limits_as_list")]
    pub special_limits: Option<SpecialLimits>,
    pub country_restrictions: Option<Vec<CountryRestriction>>,
    /// Provider principal (text) -> name: names are not on chain.
    pub provider_names: BTreeMap<String, String>,
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
    pub fn settings(&self) -> Settings {
        self.settings.unwrap_or_else(|| ic_topology::inputs::RuleSet::Y2025.default_settings())
    }

    pub fn registry_canister_id(&self) -> Principal {
        let text = self.registry_canister_id.as_deref().unwrap_or(DEFAULT_REGISTRY_CANISTER_ID);
        Principal::from_text(text).expect("stored canister ids are validated")
    }

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
pub struct StoredTopology {
    pub subnets: Vec<SubnetSpec>,
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
pub enum Source {
    #[default]
    Upload,
    Registry,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotMeta {
    pub registry_version: u64,
    pub timestamp_nanos: u64,
    /// Layouts before the registry sync had only uploads.
    #[serde(default)]
    pub source: Source,
}

pub fn source_out(s: Source) -> api::SnapshotSource {
    match s {
        Source::Upload => api::SnapshotSource::Upload,
        Source::Registry => api::SnapshotSource::Registry,
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StagedSnapshot {
    pub announced: Option<(SnapshotMeta, u64)>,
}

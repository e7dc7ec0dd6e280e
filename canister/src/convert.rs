//! Conversions that need the canister's own state and caps; every other
//! conversion between the Candid types and the engine's records is the
//! engine's (`ic_topology::api::convert`), shared with the command-line tool.

pub use ic_topology::api::convert::*;

use ic_topology::api;

/// The stored configuration as `get_configuration` answers it.
pub fn configuration_out(c: &crate::stores::configuration::StoredConfiguration, sha256: String) -> api::Configuration {
    api::Configuration {
        settings: api::Settings::from(c.settings()),
        sev_providers: c.sev_providers.clone(),
        cordons: c
            .cordons
            .iter()
            .map(|x| api::Cordon { feature: api::CordonedFeature::from(x.feature), value: x.value.clone() })
            .collect(),
        clusters: c
            .clusters
            .iter()
            .map(|x| api::ProviderCluster { name: x.name.clone(), members: x.members.clone() })
            .collect(),
        special_limits: c.special_limits.as_ref().map(special_limits_out),
        country_restrictions: c.country_restrictions.as_ref().map(|list| {
            list.iter()
                .map(|x| api::CountryRestriction { subnet_type: x.subnet_type.clone(), countries: x.countries.clone() })
                .collect()
        }),
        provider_names: c
            .provider_names
            .iter()
            .filter_map(|(p, name)| {
                candid::Principal::from_text(p).ok().map(|provider| api::ProviderName { provider, name: name.clone() })
            })
            .collect(),
        pipeline: c.pipeline.iter().map(api::PlannedNode::from).collect(),
        registry_canister_id: c.registry_canister_id(),
        sync_interval_seconds: c.sync_interval_seconds(),
        node_health: c
            .node_health
            .iter()
            .map(|(node_id, h)| api::NodeHealth {
                node_id: node_id.clone(),
                health: match h.as_str() {
                    "DOWN" => api::Health::Down,
                    "DEGRADED" => api::Health::Degraded,
                    _ => api::Health::Up,
                },
            })
            .collect(),
        sha256,
    }
}

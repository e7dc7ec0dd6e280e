//! Conversions that need the canister's own state and caps; every other
//! conversion between the Candid types and the engine's records is the
//! engine's (`ic_topology::api::convert`), shared with the command-line tool.

pub use ic_topology::api::convert::*;

use ic_topology::api::{self, Error, Result};
use ic_topology::verify::Claim;

/// The stored configuration as `get_configuration` answers it.
pub fn configuration_out(c: &crate::stores::configuration::StoredConfiguration, sha256: String) -> api::Configuration {
    api::Configuration {
        settings: settings_out(c.settings()),
        sev_providers: c.sev_providers.clone(),
        cordons: c
            .cordons
            .iter()
            .map(|x| api::Cordon { feature: feature_out(x.feature), value: x.value.clone() })
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
        pipeline: c.pipeline.iter().map(planned_out).collect(),
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

/// A submitted evaluation as the engine's claim, within the canister's caps
/// (so that checking it stays far below a solve).
pub fn claim_in(e: &api::Evaluation) -> Result<Claim> {
    let invalid = |field: &str, reason: String| Error::InvalidArgument { field: field.into(), reason };
    let nodes: usize = e.allocation.iter().flatten().map(|s| s.nodes.len()).sum();
    if nodes > crate::limits::MAX_VERIFY_NODES {
        return Err(invalid("allocation", format!("at most {} nodes", crate::limits::MAX_VERIFY_NODES)));
    }
    if e.curve.len() > crate::limits::MAX_CANDIDATE_NODES as usize + 1 {
        return Err(invalid("curve", format!("at most {} points", crate::limits::MAX_CANDIDATE_NODES + 1)));
    }
    let rows = e.certificate.classes.len()
        + e.certificate.provider_minimums.len()
        + e.certificate.subnets.iter().map(|g| g.subnets.len() + g.values.len()).sum::<usize>();
    if rows > crate::limits::MAX_VERIFY_NODES {
        return Err(invalid("certificate", format!("at most {} multipliers", crate::limits::MAX_VERIFY_NODES)));
    }
    ic_topology::api::convert::claim_in(e)
}

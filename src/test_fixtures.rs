//! Small networks for the unit tests, written out in full: a few nodes, a
//! few subnets, the November 2024 rules with every switch off unless a test
//! turns it on.

use crate::inputs::{Inputs, RegistryNode, RuleSet, SubnetSpec};

/// An UP replica node of `provider` in data center `dc` (owned by `owner`) in `country`.
pub(crate) fn node(id: &str, provider: &str, dc: &str, owner: &str, country: &str) -> RegistryNode {
    RegistryNode {
        node_id: id.into(),
        node_provider_name: provider.into(),
        node_provider_id: format!("{provider}-principal"),
        node_operator_id: format!("{provider}-{dc}-operator"),
        data_center: dc.into(),
        data_center_provider: owner.into(),
        region: format!("Europe,{country},City"),
        node_type: Some("REPLICA".into()),
        status: "UP".into(),
        subnet_id: None,
    }
}

/// `n` nodes, each of its own provider, data center and owner, all in `country`.
pub(crate) fn distinct_nodes(prefix: &str, n: usize, country: &str) -> Vec<RegistryNode> {
    (0..n)
        .map(|i| {
            node(
                &format!("{prefix}{i}"),
                &format!("{prefix}-provider-{i}"),
                &format!("{prefix}dc{i}"),
                &format!("{prefix}-owner-{i}"),
                country,
            )
        })
        .collect()
}

/// An Application subnet of `size` with the limits node provider, data center, owner, country.
pub(crate) fn subnet(id: &str, size: u32, limits: [u32; 4]) -> SubnetSpec {
    SubnetSpec { subnet_type: "Application".into(), subnet_id: Some(id.into()), size, is_sev: false, limits }
}

/// Inputs with these nodes and subnets and `synthetic_countries` synthetic countries.
pub(crate) fn inputs(nodes: Vec<RegistryNode>, topology: Vec<SubnetSpec>, synthetic_countries: u32) -> Inputs {
    let mut settings = RuleSet::Nov2024.default_settings();
    settings.synthetic_countries = synthetic_countries;
    settings.enforce_sev = false;
    Inputs {
        settings,
        nodes,
        pipeline: vec![],
        topology,
        sev_providers: vec![],
        cordons: vec![],
        clusters: vec![],
        special_limits: None,
        country_restrictions: None,
        warnings: vec![],
    }
}

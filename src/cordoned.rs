//! The cordoned nodes and why each is cordoned (the reference's
//! `blacklisted_nodes_<scenario>.csv`): every registry and pipeline node a
//! cordon of the blacklist matches, with each matching cordon as
//! `feature == value`, whether or not the blacklist is enforced (the
//! reference lists them either way; `enforced` says whether they were left out).

use crate::inputs::{Cordon, CordonedFeature, Inputs};
use serde::{Deserialize, Serialize};

/// One cordoned node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CordonedNode {
    /// The node.
    pub node_id: String,
    /// Its node provider.
    pub node_provider: String,
    /// Its data center.
    pub data_center: String,
    /// Its data-center provider (owner).
    pub data_center_provider: String,
    /// The cordons that match it, `feature == value`, joined by `; ` (the reference's words).
    pub reason: String,
}

/// The fields a cordon can match.
pub(crate) struct Fields<'a> {
    pub id: &'a str,
    pub provider_id: Option<&'a str>,
    pub operator: Option<&'a str>,
    pub data_center: &'a str,
    pub data_center_provider: &'a str,
}

/// Whether cordon `c` matches a node with these fields (exact text, as the reference compares).
pub(crate) fn matches(c: &Cordon, n: &Fields<'_>) -> bool {
    let v = c.value.as_str();
    match c.feature {
        CordonedFeature::NodeId => n.id == v,
        CordonedFeature::NodeProvider => n.provider_id == Some(v),
        CordonedFeature::NodeOperator => n.operator == Some(v),
        CordonedFeature::DataCenter => n.data_center == v,
        CordonedFeature::DataCenterProvider => n.data_center_provider == v,
    }
}

/// The nodes table's column a feature is compared with, as the reference names it in a reason.
fn column(feature: CordonedFeature) -> &'static str {
    match feature {
        CordonedFeature::NodeProvider => "node_provider_id",
        other => other.name(),
    }
}

/// Every node a cordon matches, in the nodes' order (registry, then pipeline).
pub fn cordoned_nodes(inputs: &Inputs) -> Vec<CordonedNode> {
    let mut out = Vec::new();
    let mut push = |fields: Fields<'_>, provider: &str| {
        let reasons: Vec<String> = inputs
            .cordons
            .iter()
            .filter(|c| matches(c, &fields))
            .map(|c| format!("{} == {}", column(c.feature), c.value))
            .collect();
        if !reasons.is_empty() {
            out.push(CordonedNode {
                node_id: fields.id.to_string(),
                node_provider: provider.to_string(),
                data_center: fields.data_center.to_string(),
                data_center_provider: fields.data_center_provider.to_string(),
                reason: reasons.join("; "),
            });
        }
    };
    for n in &inputs.nodes {
        push(
            Fields {
                id: &n.node_id,
                provider_id: Some(&n.node_provider_id),
                operator: Some(&n.node_operator_id),
                data_center: &n.data_center,
                data_center_provider: &n.data_center_provider,
            },
            &n.node_provider_name,
        );
    }
    for (i, p) in inputs.pipeline.iter().enumerate() {
        let id = p.node_id.clone().unwrap_or_else(|| format!("pipeline-{}", i + 1));
        push(
            Fields {
                id: &id,
                provider_id: None,
                operator: None,
                data_center: &p.data_center,
                data_center_provider: &p.data_center_provider,
            },
            &p.node_provider,
        );
    }
    out
}

/// The reference's CSV: `node_id,node_provider,data_center,data_center_provider,blacklist_reason`.
#[cfg(feature = "files")]
pub fn to_csv(nodes: &[CordonedNode]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["node_id", "node_provider", "data_center", "data_center_provider", "blacklist_reason"])
        .expect("in memory");
    for n in nodes {
        w.write_record([&n.node_id, &n.node_provider, &n.data_center, &n.data_center_provider, &n.reason])
            .expect("in memory");
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("UTF-8 fields")
}

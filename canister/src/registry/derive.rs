//! From registry records to the snapshot the solver reads: every node record
//! followed to its node operator (provider principal, data center) and on to
//! its data center (owner, region), its subnet from the subnets' membership,
//! and its type (a subnet member is REPLICA, a node with an API boundary node
//! record API_BOUNDARY, any other UNASSIGNED, as the dashboard names them).
//!
//! The registry has no provider names and no health, so a derived node leaves
//! `node_provider_name` and `status` empty: the state fills them from the
//! configuration, or with the documented defaults (the provider's principal
//! as its name, UP), and counts how many nodes took a default. A node whose
//! operator or data-center record is missing cannot be placed and is left out,
//! counted in [`Counts::nodes_skipped`]. Ids are principals in text form.

use super::proto;
use super::store::{Counts, Kind};
use candid::Principal;
use ic_topology::inputs::RegistryNode;
use prost::Message;
use std::collections::{BTreeMap, BTreeSet};

/// The node type of a replica node ...
pub const REPLICA: &str = "REPLICA";
/// ... of an API boundary node ...
pub const API_BOUNDARY: &str = "API_BOUNDARY";
/// ... and the subnet type of a node in no subnet.
pub const UNASSIGNED: &str = "UNASSIGNED";

/// The snapshot's nodes (in node-id order) and its counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Derivation {
    /// The snapshot's nodes, by node id.
    pub nodes: Vec<RegistryNode>,
    /// What the records held.
    pub counts: Counts,
    /// Node ids left out, with the reason (at most [`MAX_SKIPPED_LISTED`]).
    pub skipped: Vec<(String, String)>,
}

/// At most this many skipped nodes are listed.
pub const MAX_SKIPPED_LISTED: usize = 20;

fn principal_text(bytes: &[u8]) -> Option<String> {
    Principal::try_from_slice(bytes).ok().map(|p| p.to_text())
}

/// Derive the snapshot from the stored records (compact form, as stored by
/// the sync, which decoded each of them once already; a record that no longer
/// decodes is treated as absent).
pub fn derive(records: impl Iterator<Item = (String, Vec<u8>)>) -> Derivation {
    let mut nodes: BTreeMap<String, proto::NodeRecord> = BTreeMap::new();
    let mut operators: BTreeMap<String, proto::NodeOperatorRecord> = BTreeMap::new();
    let mut dcs: BTreeMap<String, proto::DataCenterRecord> = BTreeMap::new();
    let mut subnets: BTreeMap<String, proto::SubnetRecord> = BTreeMap::new();
    let mut subnet_list: Option<proto::SubnetListRecord> = None;
    let mut api_boundary: BTreeSet<String> = BTreeSet::new();
    for (key, bytes) in records {
        let Some((kind, id)) = Kind::of(&key) else { continue };
        let id = id.to_string();
        let b = bytes.as_slice();
        match kind {
            Kind::Node => {
                if let Ok(r) = proto::NodeRecord::decode(b) {
                    nodes.insert(id, r);
                }
            }
            Kind::NodeOperator => {
                if let Ok(r) = proto::NodeOperatorRecord::decode(b) {
                    operators.insert(id, r);
                }
            }
            Kind::DataCenter => {
                if let Ok(r) = proto::DataCenterRecord::decode(b) {
                    // The registry stores data-center ids in lower case
                    // (`add_or_remove_data_centers`, `add_node_operator`): compare as it does.
                    dcs.insert(id.to_lowercase(), r);
                }
            }
            Kind::Subnet => {
                if let Ok(r) = proto::SubnetRecord::decode(b) {
                    subnets.insert(id, r);
                }
            }
            Kind::SubnetList => subnet_list = proto::SubnetListRecord::decode(b).ok(),
            Kind::ApiBoundaryNode => {
                api_boundary.insert(id);
            }
        }
    }

    // The subnet list says which subnets exist; without it, every subnet record does.
    let listed: Option<BTreeSet<String>> =
        subnet_list.map(|l| l.subnets.iter().filter_map(|s| principal_text(s)).collect());
    let mut subnet_of: BTreeMap<String, String> = BTreeMap::new();
    let mut live_subnets = 0u64;
    for (id, record) in &subnets {
        if listed.as_ref().is_some_and(|l| !l.contains(id)) {
            continue;
        }
        live_subnets += 1;
        for member in &record.membership {
            if let Some(node) = principal_text(member) {
                subnet_of.insert(node, id.clone());
            }
        }
    }

    let mut out = Derivation::default();
    let mut used_operators = BTreeSet::new();
    let mut used_dcs = BTreeSet::new();
    for (node_id, record) in &nodes {
        let mut skip = |reason: String| {
            out.counts.nodes_skipped += 1;
            if out.skipped.len() < MAX_SKIPPED_LISTED {
                out.skipped.push((node_id.clone(), reason));
            }
        };
        let Some(operator_id) = principal_text(&record.node_operator_id) else {
            skip("its node_operator_id is not a principal".into());
            continue;
        };
        let Some(operator) = operators.get(&operator_id) else {
            skip(format!("no record for its node operator {operator_id}"));
            continue;
        };
        let Some(provider_id) = principal_text(&operator.node_provider_principal_id) else {
            skip(format!("node operator {operator_id} has no valid node provider principal"));
            continue;
        };
        let dc_id = operator.dc_id.to_lowercase();
        let Some(dc) = dcs.get(&dc_id) else {
            skip(format!("no record for data center {:?} of node operator {operator_id}", operator.dc_id));
            continue;
        };
        let subnet_id = subnet_of.get(node_id).cloned();
        let node_type = if subnet_id.is_some() {
            REPLICA
        } else if api_boundary.contains(node_id) {
            API_BOUNDARY
        } else {
            UNASSIGNED
        };
        if record.chip_id.as_ref().is_some_and(|c| !c.is_empty()) {
            out.counts.nodes_with_chip_id += 1;
        }
        used_operators.insert(operator_id.clone());
        used_dcs.insert(dc_id.clone());
        out.nodes.push(RegistryNode {
            node_id: node_id.clone(),
            node_provider_name: String::new(),
            node_provider_id: provider_id,
            node_operator_id: operator_id,
            data_center: dc_id,
            data_center_provider: dc.owner.clone(),
            region: dc.region.clone(),
            node_type: Some(node_type.to_string()),
            status: String::new(),
            subnet_id,
        });
    }
    out.counts.nodes = out.nodes.len() as u64;
    out.counts.node_operators = operators.len() as u64;
    out.counts.data_centers = dcs.len() as u64;
    out.counts.subnets = live_subnets;
    out.counts.api_boundary_nodes = api_boundary.len() as u64;
    out
}

/// Decode a kept value as its record type and re-encode the fields the
/// snapshot uses: what the store keeps. An error names the key.
pub fn compact(kind: Kind, key: &str, bytes: &[u8]) -> Result<Vec<u8>, String> {
    fn re<M: Message + Default>(key: &str, bytes: &[u8]) -> Result<Vec<u8>, String> {
        M::decode(bytes).map(|m| m.encode_to_vec()).map_err(|e| format!("{key}: {e}"))
    }
    match kind {
        Kind::Node => re::<proto::NodeRecord>(key, bytes),
        Kind::NodeOperator => re::<proto::NodeOperatorRecord>(key, bytes),
        Kind::DataCenter => re::<proto::DataCenterRecord>(key, bytes),
        Kind::Subnet => re::<proto::SubnetRecord>(key, bytes),
        Kind::SubnetList => re::<proto::SubnetListRecord>(key, bytes),
        // Presence is what counts: keep nothing of the value.
        Kind::ApiBoundaryNode => re::<proto::ApiBoundaryNodeRecord>(key, bytes).map(|_| Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(n: u8) -> Vec<u8> {
        Principal::from_slice(&[n; 29]).as_slice().to_vec()
    }

    fn text(n: u8) -> String {
        Principal::from_slice(&[n; 29]).to_text()
    }

    #[test]
    fn a_node_follows_its_operator_to_its_provider_and_data_center() {
        let records = vec![
            (
                format!("node_record_{}", text(1)),
                proto::NodeRecord { node_operator_id: p(2), chip_id: Some(vec![1]) }.encode_to_vec(),
            ),
            (
                format!("node_record_{}", text(5)),
                proto::NodeRecord { node_operator_id: p(9), chip_id: None }.encode_to_vec(),
            ),
            (
                format!("node_operator_record_{}", text(2)),
                proto::NodeOperatorRecord {
                    node_operator_principal_id: p(2),
                    node_allowance: 0,
                    node_provider_principal_id: p(3),
                    // An operator record written before the registry lowercased ids.
                    dc_id: "ZH2".into(),
                }
                .encode_to_vec(),
            ),
            (
                "data_center_record_zh2".into(),
                proto::DataCenterRecord { id: "zh2".into(), region: "Europe,CH,Zurich".into(), owner: "Green".into() }
                    .encode_to_vec(),
            ),
            (format!("subnet_record_{}", text(4)), proto::SubnetRecord { membership: vec![p(1)] }.encode_to_vec()),
            // A subnet not in the list does not exist any more.
            (format!("subnet_record_{}", text(6)), proto::SubnetRecord { membership: vec![p(5)] }.encode_to_vec()),
            ("subnet_list".into(), proto::SubnetListRecord { subnets: vec![p(4)] }.encode_to_vec()),
        ];
        let d = derive(records.into_iter());
        assert_eq!(
            d.nodes,
            vec![RegistryNode {
                node_id: text(1),
                node_provider_name: String::new(),
                node_provider_id: text(3),
                node_operator_id: text(2),
                data_center: "zh2".into(),
                data_center_provider: "Green".into(),
                region: "Europe,CH,Zurich".into(),
                node_type: Some(REPLICA.into()),
                status: String::new(),
                subnet_id: Some(text(4)),
            }]
        );
        assert_eq!((d.counts.nodes_skipped, d.counts.subnets, d.counts.nodes_with_chip_id), (1, 1, 1));
        assert_eq!(d.skipped, vec![(text(5), format!("no record for its node operator {}", text(9)))]);
    }

    #[test]
    fn compact_refuses_what_does_not_decode_and_keeps_only_used_fields() {
        assert!(compact(Kind::Node, "node_record_x", &[0xff, 0xff, 0xff]).unwrap_err().starts_with("node_record_x"));
        // Field 5 (an endpoint) is dropped; field 15 kept.
        let mut full = vec![0x2a, 0x02, 0x0a, 0x00];
        full.extend(proto::NodeRecord { node_operator_id: p(2), chip_id: None }.encode_to_vec());
        let kept = compact(Kind::Node, "node_record_x", &full).unwrap();
        assert_eq!(kept, proto::NodeRecord { node_operator_id: p(2), chip_id: None }.encode_to_vec());
        assert_eq!(
            compact(Kind::ApiBoundaryNode, "api_boundary_node_x", &[0x0a, 0x01, 0x61]).unwrap(),
            Vec::<u8>::new()
        );
    }
}

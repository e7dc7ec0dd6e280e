//! A plan in the shapes people and tools read: the reference's
//! `subnet_node_changes` JSON (byte for byte as the reference writes it), and
//! what-if nodes CSV of the network after the plan.

use super::check::ChangeKind;
use super::model::PlanModel;
use super::Plan;
use crate::inputs::{Inputs, RuleSet};
use crate::model::{SYNTHETIC_NODES_PER_PROVIDER, SYNTHETIC_PROVIDERS_PER_COUNTRY};
use std::collections::{BTreeMap, BTreeSet};

/// The position of every node in the reference's node table: registry nodes
/// in file order, then the pipeline, then the synthetic nodes in the order
/// they are generated. The reference lists the nodes of a subnet in this order.
pub fn node_rank(inputs: &Inputs) -> BTreeMap<String, usize> {
    let mut rank = BTreeMap::new();
    let mut next = 0usize;
    let mut put = |id: String, rank: &mut BTreeMap<String, usize>| {
        rank.entry(id).or_insert(next);
        next += 1;
    };
    for n in &inputs.nodes {
        if inputs.settings.rules == RuleSet::Y2025 && n.node_type.as_deref() == Some("API_BOUNDARY") {
            continue;
        }
        put(n.node_id.clone(), &mut rank);
    }
    for (i, p) in inputs.pipeline.iter().enumerate() {
        put(p.node_id.clone().unwrap_or_else(|| format!("pipeline-{}", i + 1)), &mut rank);
    }
    let mut provider = 0;
    for c in 1..=inputs.settings.synthetic_countries {
        for _ in 0..SYNTHETIC_PROVIDERS_PER_COUNTRY {
            for j in 0..SYNTHETIC_NODES_PER_PROVIDER {
                put(format!("synthetic-C{c}-{provider}-{j}"), &mut rank);
            }
            provider += 1;
        }
    }
    rank
}

/// One node of a change list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedNode {
    /// The node.
    pub node_id: String,
    /// Its node provider, as the reference reports it.
    pub node_provider: String,
    /// `None` (unchanged), `dropped`, `moved_away`, `moved_in` or `newly_assigned`.
    pub change_type: Option<&'static str>,
}

/// One subnet's changes, as the reference lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubnetChanges {
    /// Index into the plan model's subnets.
    pub subnet: u32,
    /// The subnet's id, where the topology gives one.
    pub subnet_id: Option<String>,
    /// The subnet's type.
    pub subnet_type: String,
    /// Members that stay.
    pub unchanged: Vec<ListedNode>,
    /// Members that leave.
    pub removed: Vec<ListedNode>,
    /// Nodes that arrive.
    pub added: Vec<ListedNode>,
}

/// Per subnet of the plan, its members before and after, in the reference's terms.
pub fn subnet_changes(inputs: &Inputs, pm: &PlanModel, plan: &Plan) -> Vec<SubnetChanges> {
    let rank = node_rank(inputs);
    let providers = super::node_providers(pm);
    let ns = pm.model.subnets.len();
    let mut before: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); ns];
    for (c, class) in pm.model.classes.iter().enumerate() {
        for (id, s) in class.members.iter().zip(&pm.member_subnets[c]) {
            if let Some(s) = s {
                before[*s as usize].insert(id.as_str());
            }
        }
    }
    for d in &pm.forced_drops {
        before[d.subnet as usize].insert(d.node_id.as_str());
    }
    let changed: BTreeMap<&str, &super::NodeChange> = plan.changes.iter().map(|c| (c.node_id.as_str(), c)).collect();
    let by_rank =
        |ids: &mut Vec<&str>| ids.sort_by_key(|id| (rank.get(*id).copied().unwrap_or(usize::MAX), id.to_string()));
    let listed = |id: &str, change_type| ListedNode {
        node_id: id.to_string(),
        node_provider: providers.get(id).cloned().unwrap_or_default(),
        change_type,
    };
    let to_of: BTreeMap<&str, Option<u32>> = plan.changes.iter().map(|c| (c.node_id.as_str(), c.to_index)).collect();
    (0..ns)
        .map(|s| {
            let subnet = &pm.model.subnets[s];
            let mut unchanged: Vec<&str> = before[s].iter().copied().filter(|id| !changed.contains_key(id)).collect();
            let mut removed: Vec<&str> = before[s].iter().copied().filter(|id| changed.contains_key(id)).collect();
            let mut added: Vec<&str> =
                to_of.iter().filter(|(_, to)| **to == Some(s as u32)).map(|(id, _)| *id).collect();
            by_rank(&mut unchanged);
            by_rank(&mut removed);
            by_rank(&mut added);
            SubnetChanges {
                subnet: s as u32,
                subnet_id: subnet.subnet_id.clone(),
                subnet_type: subnet.subnet_type.clone(),
                unchanged: unchanged.into_iter().map(|id| listed(id, None)).collect(),
                removed: removed
                    .into_iter()
                    .map(|id| {
                        let kind = changed[id].kind;
                        listed(id, Some(if kind == ChangeKind::Dropped { "dropped" } else { "moved_away" }))
                    })
                    .collect(),
                added: added
                    .into_iter()
                    .map(|id| {
                        let kind = changed[id].kind;
                        listed(id, Some(if kind == ChangeKind::NewlyAssigned { "newly_assigned" } else { "moved_in" }))
                    })
                    .collect(),
            }
        })
        .collect()
}

/// A JSON string as Python's `json.dump` writes it (`ensure_ascii`).
fn py_string(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{:04x}", unit));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn py_opt(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => py_string(out, s),
        None => out.push_str("null"),
    }
}

/// The reference's `subnet_node_changes_<scenario>.json`, byte for byte as
/// its `json.dump(..., indent=2)` writes it (a subnet without id gets `null`
/// where the reference writes `NaN`, which is not JSON).
pub fn reference_changes_json(changes: &[SubnetChanges]) -> String {
    let mut out = String::new();
    if changes.is_empty() {
        return "[]".into();
    }
    out.push_str("[\n");
    for (i, sc) in changes.iter().enumerate() {
        out.push_str("  {\n    \"subnet_id\": ");
        py_opt(&mut out, sc.subnet_id.as_deref());
        out.push_str(",\n    \"subnet_type\": ");
        py_string(&mut out, &sc.subnet_type);
        for (name, list) in [("unchanged", &sc.unchanged), ("removed", &sc.removed), ("added", &sc.added)] {
            out.push_str(",\n    ");
            py_string(&mut out, name);
            out.push_str(": ");
            if list.is_empty() {
                out.push_str("[]");
            } else {
                out.push_str("[\n");
                for (j, n) in list.iter().enumerate() {
                    out.push_str("      {\n        \"node_id\": ");
                    py_string(&mut out, &n.node_id);
                    out.push_str(",\n        \"node_provider\": ");
                    py_string(&mut out, &n.node_provider);
                    out.push_str(",\n        \"change_type\": ");
                    py_opt(&mut out, n.change_type);
                    out.push_str("\n      }");
                    if j + 1 < list.len() {
                        out.push(',');
                    }
                    out.push('\n');
                }
                out.push_str("    ]");
            }
        }
        out.push_str("\n  }");
        if i + 1 < changes.len() {
            out.push(',');
        }
        out.push('\n');
    }
    out.push(']');
    out
}

/// The nodes CSV of the network after the plan (the reference's `what_if`):
/// the registry nodes with their new `subnet_id`, and the pipeline nodes the
/// plan assigns, in the dashboard's columns; synthetic nodes are left out
/// (they do not exist). Columns: node_id, node_provider_name,
/// node_provider_id, node_operator_id, dc_id, owner, region, node_type,
/// status, subnet_id.
pub fn what_if_nodes_csv(inputs: &Inputs, plan: &Plan) -> String {
    let to: BTreeMap<&str, Option<&str>> = plan.changes.iter().map(|c| (c.node_id.as_str(), c.to.as_deref())).collect();
    let mut out = String::from(
        "node_id,node_provider_name,node_provider_id,node_operator_id,dc_id,owner,region,node_type,status,subnet_id\n",
    );
    let field = |s: &str| -> String {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    for n in &inputs.nodes {
        let subnet = match to.get(n.node_id.as_str()) {
            Some(t) => t.map(str::to_string),
            None => n.subnet_id.clone(),
        };
        let node_type = match (&subnet, n.node_type.as_deref()) {
            (_, Some("API_BOUNDARY")) => "API_BOUNDARY".to_string(),
            (Some(_), _) => "REPLICA".to_string(),
            (None, Some(t)) if t != "REPLICA" => t.to_string(),
            (None, _) => "UNASSIGNED".to_string(),
        };
        let row = [
            field(&n.node_id),
            field(&n.node_provider_name),
            field(&n.node_provider_id),
            field(&n.node_operator_id),
            field(&n.data_center),
            field(&n.data_center_provider),
            field(&n.region),
            node_type,
            field(&n.status),
            field(subnet.as_deref().unwrap_or("")),
        ];
        out.push_str(&row.join(","));
        out.push('\n');
    }
    for (i, p) in inputs.pipeline.iter().enumerate() {
        let id = p.node_id.clone().unwrap_or_else(|| format!("pipeline-{}", i + 1));
        let Some(Some(subnet)) = to.get(id.as_str()) else { continue };
        let row = [
            field(&id),
            field(&p.node_provider),
            String::new(),
            String::new(),
            field(&p.data_center),
            field(&p.data_center_provider),
            field(&format!(",{},", p.country)),
            "REPLICA".to_string(),
            "UP".to_string(),
            field(subnet),
        ];
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

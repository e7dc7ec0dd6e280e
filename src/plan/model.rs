//! The membership model: the ObjectiveValue's model plus who is where now.
//!
//! The classes and subnets are those of [`crate::model`] (the same rules:
//! sizes, per-value limits, SEV, country restrictions, health, cordons,
//! clusters, special limits, per-provider minimum). What the swap mode adds is
//! the current membership: for every class, how many of its members sit in
//! each subnet of the topology today, and the nodes that sit in a subnet but
//! may not stay (DOWN, DEGRADED or cordoned), which every plan drops.
//!
//! A node's current subnet is its `subnet_id` when the topology has a subnet
//! of that id; otherwise it is unassigned (pipeline and synthetic nodes always
//! are). With a subnet selection (`--subnet`), only the selected subnets may
//! change: the others keep their members as they are, those members are not
//! available to the selected subnets, and a provider with a counted node
//! (available and not blacklisted) in a kept subnet already meets the
//! per-provider minimum.

use crate::inputs::{Attribute, Inputs, RuleSet, Warning};
use crate::model::{self, Model};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The reference's cap on synthetic nodes in a plan (`MaxSyntheticUsage`).
pub const MAX_SYNTHETIC: u32 = 100;
/// Cost of each change, as the reference weighs them.
pub const COST_DROPPED: u64 = 1;
/// Cost of a moved node.
pub const COST_MOVED: u64 = 3;
/// Cost of a newly assigned node.
pub const COST_NEWLY_ASSIGNED: u64 = 1;
/// A synthetic node is newly assigned too: 100 + 1.
pub const COST_SYNTHETIC: u64 = 100;

/// A node that sits in a subnet today but may not stay there.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ForcedDrop {
    /// The node.
    pub node_id: String,
    /// Index into the plan model's subnets.
    pub subnet: u32,
    /// DOWN, DEGRADED or cordoned.
    pub reason: String,
    /// Its provider after renames and clusters.
    pub provider: String,
    /// Its provider after renames, before clusters (the name a voter knows).
    #[serde(default)]
    pub original_provider: String,
}

/// The membership model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanModel {
    /// Classes and the subnets that may change (with a selection, only those).
    pub model: Model,
    /// Per class, per member (in the class's member order): its current subnet.
    pub member_subnets: Vec<Vec<Option<u32>>>,
    /// Per class: a subnet its members may not be assigned to (a proposal
    /// under verification removes them from it).
    pub barred: Vec<Option<u32>>,
    /// Per class: the subnet all its members must be in (a proposal under
    /// verification adds them to it).
    pub pinned: Vec<Option<u32>>,
    /// Nodes in a subnet today that no plan may keep (DOWN, DEGRADED or
    /// cordoned), sorted by node id.
    pub forced_drops: Vec<ForcedDrop>,
    /// Subnets of the topology that keep their members (not selected), by id.
    pub kept_subnets: Vec<String>,
    /// The most synthetic nodes a plan may use.
    pub max_synthetic: u32,
}

impl PlanModel {
    /// Per class: (subnet, members there now), sorted by subnet.
    pub fn current(&self, class: usize) -> Vec<(u32, u32)> {
        let mut by: BTreeMap<u32, u32> = BTreeMap::new();
        for s in self.member_subnets[class].iter().flatten() {
            *by.entry(*s).or_default() += 1;
        }
        by.into_iter().collect()
    }

    /// The most members of `class` that subnet `s` may take. A class pinned
    /// to `s` (a proposal adds its members there) may take all of them when
    /// the subnet admits its nodes at all: its column is then fixed at the
    /// count, and the subnet's size and limit rows say whether that can hold
    /// (a proposal that breaks a limit by itself is proven impossible by that
    /// row, not hidden in an empty column range).
    pub fn cap(&self, class: usize, s: usize) -> u32 {
        if self.barred[class] == Some(s as u32) || self.pinned[class].is_some_and(|p| p != s as u32) {
            return 0;
        }
        let subnet = &self.model.subnets[s];
        let cap = subnet.class_cap(&self.model.classes[class]);
        if self.pinned[class] == Some(s as u32) && subnet.admits(&self.model.classes[class]) {
            return cap.max(self.model.classes[class].count());
        }
        cap
    }

    /// The fewest members of `class` that subnet `s` must take.
    pub fn lower(&self, class: usize, s: usize) -> u32 {
        if self.pinned[class] == Some(s as u32) {
            self.model.classes[class].count()
        } else {
            0
        }
    }

    /// Members of `class` in a subnet now.
    pub fn assigned(&self, class: usize) -> u32 {
        self.member_subnets[class].iter().filter(|s| s.is_some()).count() as u32
    }

    /// Members of `class` in no subnet now.
    pub fn unassigned(&self, class: usize) -> u32 {
        self.member_subnets[class].iter().filter(|s| s.is_none()).count() as u32
    }

    /// The cost every plan pays whatever it does: the forced drops, plus one
    /// per usable node in a subnet now (a kept node earns it back).
    pub fn constant_cost(&self) -> u64 {
        let assigned: u64 = (0..self.model.classes.len()).map(|c| self.assigned(c) as u64).sum();
        self.forced_drops.len() as u64 * COST_DROPPED + assigned
    }
}

/// The current subnet of every registry node, by node id: the topology
/// subnet whose id is its `subnet_id`. Nodes of subnets the topology lacks
/// are reported (they count as unassigned).
pub fn current_membership(inputs: &Inputs) -> (BTreeMap<String, u32>, Vec<Warning>) {
    let by_id: BTreeMap<&str, u32> = inputs
        .topology
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.subnet_id.as_deref().map(|id| (id, i as u32)))
        .collect();
    let mut membership = BTreeMap::new();
    let mut unknown: BTreeMap<&str, u32> = BTreeMap::new();
    for n in &inputs.nodes {
        let Some(subnet) = n.subnet_id.as_deref().filter(|s| !s.trim().is_empty()) else { continue };
        if inputs.settings.rules == RuleSet::Y2025 && n.node_type.as_deref() == Some("API_BOUNDARY") {
            continue;
        }
        match by_id.get(subnet) {
            Some(&s) => {
                membership.insert(n.node_id.clone(), s);
            }
            None => *unknown.entry(subnet).or_default() += 1,
        }
    }
    let warnings = unknown
        .into_iter()
        .map(|(subnet, count)| Warning {
            source: "the nodes".into(),
            line: None,
            field: Some("subnet_id".into()),
            message: format!(
                "{count} node(s) of subnet {subnet}, which the topology does not have, count as unassigned \
                 (the reference stops with a KeyError here)"
            ),
        })
        .collect();
    (membership, warnings)
}

/// Why a registry node may not stay in its subnet (it is not usable).
fn unusable_reason(inputs: &Inputs, node_id: &str) -> Option<String> {
    let n = inputs.nodes.iter().find(|n| n.node_id == node_id)?;
    let status = n.status.trim().to_ascii_uppercase();
    if inputs.settings.enforce_health && matches!(status.as_str(), "DOWN" | "DEGRADED") {
        return Some(status);
    }
    Some("cordoned".into())
}

/// Build the membership model. `selected`: the subnet ids that may change
/// (empty: all); an id the topology lacks is an error naming it.
pub fn build(inputs: &Inputs, selected: &[String]) -> Result<(PlanModel, Vec<Warning>), String> {
    let (membership, warnings) = current_membership(inputs);
    let full = model::build(inputs, &[]);
    let topology_ids: BTreeSet<&str> = inputs.topology.iter().filter_map(|s| s.subnet_id.as_deref()).collect();
    for id in selected {
        if !topology_ids.contains(id.as_str()) {
            return Err(format!("--subnet {id}: the topology has no subnet of that id"));
        }
    }
    let selected: BTreeSet<&str> = selected.iter().map(String::as_str).collect();
    let keep_subnet: Vec<bool> = inputs
        .topology
        .iter()
        .map(|s| selected.is_empty() || s.subnet_id.as_deref().is_some_and(|id| selected.contains(id)))
        .collect();
    // New subnet indices: the selected subnets in topology order.
    let mut new_index: Vec<Option<u32>> = Vec::with_capacity(keep_subnet.len());
    let mut next = 0u32;
    for &k in &keep_subnet {
        new_index.push(k.then(|| {
            next += 1;
            next - 1
        }));
    }

    // Which usable nodes sit where; members of kept (unselected) subnets leave the model.
    let mut usable: BTreeSet<String> = BTreeSet::new();
    let mut model = full.clone();
    let mut satisfied_providers: BTreeSet<String> = BTreeSet::new();
    let mut member_subnets = Vec::with_capacity(model.classes.len());
    let mut held = vec![0u32; model.classes.len()];
    for (c, class) in model.classes.iter_mut().enumerate() {
        let mut members = Vec::with_capacity(class.members.len());
        let mut subnets = Vec::with_capacity(class.members.len());
        for id in &class.members {
            usable.insert(id.clone());
            match membership.get(id) {
                Some(&s) if new_index[s as usize].is_none() => {
                    // Stays in a subnet that does not change; only a counted
                    // node meets its provider's minimum.
                    if !class.uncounted {
                        satisfied_providers.insert(class.original_provider.clone());
                    }
                    held[c] += 1;
                }
                Some(&s) => {
                    members.push(id.clone());
                    subnets.push(new_index[s as usize]);
                }
                None => {
                    members.push(id.clone());
                    subnets.push(None);
                }
            }
        }
        class.members = members;
        member_subnets.push(subnets);
    }
    model.subnets = full.subnets.iter().zip(&keep_subnet).filter(|(_, &k)| k).map(|(s, _)| s.clone()).collect();
    model.provider_minimums.retain(|pm| !satisfied_providers.contains(&pm.provider));
    if let Err(l) = hold_spare(&mut model, &held) {
        let limit = &full.spare_limits[l];
        return Err(format!(
            "the subnets not selected already hold more than {} of provider {}'s available, non-blacklisted nodes in \
             data center {}, which spare_node_ratio allows: select those subnets too",
            limit.most,
            limit.provider,
            full.value(Attribute::DataCenter, limit.data_center)
        ));
    }

    let mut forced_drops: Vec<ForcedDrop> = membership
        .iter()
        .filter(|(id, _)| !usable.contains(*id))
        .filter_map(|(id, &s)| {
            let subnet = new_index[s as usize]?;
            let node = inputs.nodes.iter().find(|n| &n.node_id == id)?;
            let provider = model::registry_node_values(inputs, node)[0].clone();
            let original_provider = model::registry_provider(inputs.settings.rules, node);
            Some(ForcedDrop {
                node_id: id.clone(),
                subnet,
                reason: unusable_reason(inputs, id)?,
                provider,
                original_provider,
            })
        })
        .collect();
    forced_drops.sort();
    let kept_subnets = inputs
        .topology
        .iter()
        .zip(&keep_subnet)
        .filter(|(_, &k)| !k)
        .filter_map(|(s, _)| s.subnet_id.clone())
        .collect();
    let n = model.classes.len();
    let plan = PlanModel {
        model,
        member_subnets,
        barred: vec![None; n],
        pinned: vec![None; n],
        forced_drops,
        kept_subnets,
        max_synthetic: MAX_SYNTHETIC,
    };
    Ok((plan, warnings))
}

/// The spare limits less `held[c]` nodes of each class c that stay where they
/// are outside the model (in subnets it leaves out): those count against
/// their pair's limit. `Err(limit index)` where they already exceed it.
pub(crate) fn hold_spare(model: &mut Model, held: &[u32]) -> Result<(), usize> {
    for (l, limit) in model.spare_limits.iter_mut().enumerate() {
        let stay: u32 = limit.classes.iter().map(|&c| held[c as usize]).sum();
        limit.most = limit.most.checked_sub(stay).ok_or(l)?;
    }
    Ok(())
}

/// The provider name a node is reported under in the change lists (after
/// renames and clusters, as the reference's `subnet_node_changes` shows it).
pub fn class_provider(model: &Model, class: usize) -> &str {
    model.value(Attribute::NodeProvider, model.classes[class].values[Attribute::NodeProvider.index()])
}

/// The highest cost any plan can have: every usable node in a subnet moved,
/// every other node newly assigned, every synthetic node allowed used.
pub fn max_cost(pm: &PlanModel) -> u64 {
    let mut total = pm.constant_cost();
    for (c, class) in pm.model.classes.iter().enumerate() {
        if class.synthetic {
            continue;
        }
        total += pm.assigned(c) as u64 * (COST_MOVED - 1) + pm.unassigned(c) as u64 * COST_NEWLY_ASSIGNED;
    }
    total + pm.max_synthetic as u64 * (COST_SYNTHETIC + COST_NEWLY_ASSIGNED)
}

//! The value of the nodes already there: for a group of nodes (a node
//! provider, a cluster, a data center, a data-center provider, a country),
//! how many of its usable nodes the optimal allocations need at least. Its
//! other nodes could leave without raising the ObjectiveValue.
//!
//! A secondary objective at the fixed ObjectiveValue, as its own exact model
//! on the class model: with OPT the ObjectiveValue, u the group's nodes in an
//! optimal allocation and M = u + 1, minimise
//! `M x (synthetic nodes) + (the group's nodes)` ([`solve::solve_weighted`]).
//! An allocation with k more synthetic nodes costs at least M(OPT + k) >
//! M OPT + u, so the least cost is M OPT + v, v the fewest of the group's
//! nodes any optimal allocation uses. The proof is an allocation with OPT
//! synthetic nodes and v of the group's, and a certificate: integer
//! multipliers on the rows of the LP relaxation that, with the costs above
//! ([`check::check_weighted_certificate`]), prove every allocation costs at
//! least L, so every allocation with OPT synthetic nodes uses at least
//! `ceil(L - M OPT)` of the group's nodes. Where that meets v the certificate
//! alone proves it; otherwise the proof rests on branch and bound, as for
//! the ObjectiveValue ([`NodeValue::certificate_is_tight`]).

use crate::check::{self, Allocation, Bound, Certificate};
use crate::inputs::{Attribute, Inputs};
use crate::model::{self, Model};
use crate::solve::{self, Budget, Solution, Status};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What a group of nodes shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// A node provider, by its name before clustering.
    NodeProvider,
    /// A cluster of providers (the configuration's scenario).
    Cluster,
    /// A data center.
    DataCenter,
    /// A data-center provider (owner).
    DataCenterProvider,
    /// A country.
    Country,
}

/// A group: its kind and name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Group {
    /// What kind of group.
    pub kind: GroupKind,
    /// The group's name (a provider's before clustering).
    pub name: String,
}

/// How many of a group's nodes the optimal allocations need, proven.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeValue {
    /// The group.
    pub group: Group,
    /// The group's usable nodes (those the model may assign).
    pub usable_nodes: u32,
    /// `Optimal` when `needed` is proven.
    pub status: Status,
    /// The fewest of its usable nodes an optimal allocation uses.
    pub needed: Option<u32>,
    /// What the certificate proves: every optimal allocation uses at least this many.
    pub lower_bound: u32,
    /// The fewest found (an allocation with the ObjectiveValue uses this many).
    pub upper_bound: Option<u32>,
    /// Whether the certificate alone proves `needed` (otherwise it rests on branch and bound).
    pub certificate_is_tight: bool,
    /// M: the weight of a synthetic node in the secondary objective.
    pub synthetic_weight: i64,
    /// The certificate that proves the bound on the group's nodes.
    pub certificate: Certificate,
    /// An optimal allocation that uses `needed` of the group's nodes.
    pub allocation: Option<Allocation>,
}

/// A node provider's report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderReport {
    /// The provider's name before clustering.
    pub provider: String,
    /// Its nodes in the snapshot and the pipeline (usable or not).
    pub nodes: u32,
    /// Its usable nodes (not cordoned, not DOWN or DEGRADED).
    pub usable_nodes: u32,
    /// How many of them the optimal allocations need at least; `None` when not proven.
    pub needed: Option<u32>,
    /// Its registry nodes in a subnet now.
    pub in_subnets_now: u32,
    /// The ObjectiveValue if it left entirely (its nodes removed), and its status.
    pub objective_without: Option<u32>,
    /// The status of the solve without any of its nodes.
    pub status_without: Status,
}

/// Every group's value and every provider's report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeValues {
    /// The status of the solve of the network as it is.
    pub baseline_status: Status,
    /// The ObjectiveValue of the network as it is, when optimal.
    pub baseline_objective: Option<u32>,
    /// By group kind, then name.
    pub values: Vec<NodeValue>,
    /// Per provider, its report.
    pub providers: Vec<ProviderReport>,
}

/// Every group of the model's real nodes with its classes, in canonical order.
/// Providers are also listed from the inputs (a provider whose nodes are all
/// excluded has no class and value 0).
pub fn groups(inputs: &Inputs, model: &Model) -> Vec<(Group, Vec<u32>)> {
    let mut out: BTreeMap<Group, Vec<u32>> = BTreeMap::new();
    let cluster_names: BTreeSet<&str> = inputs.clusters.iter().map(|c| c.name.as_str()).collect();
    let g = |kind, name: &str| Group { kind, name: name.to_string() };
    for (p, _) in provider_nodes(inputs) {
        out.entry(g(GroupKind::NodeProvider, &p)).or_default();
    }
    for (c, class) in model.classes.iter().enumerate() {
        if class.synthetic {
            continue;
        }
        let c = c as u32;
        out.entry(g(GroupKind::NodeProvider, &class.original_provider)).or_default().push(c);
        let provider = model.value(Attribute::NodeProvider, class.values[0]);
        if cluster_names.contains(provider) {
            out.entry(g(GroupKind::Cluster, provider)).or_default().push(c);
        }
        out.entry(g(GroupKind::DataCenter, model.value(Attribute::DataCenter, class.values[1]))).or_default().push(c);
        out.entry(g(GroupKind::DataCenterProvider, model.value(Attribute::DataCenterProvider, class.values[2])))
            .or_default()
            .push(c);
        out.entry(g(GroupKind::Country, model.value(Attribute::Country, class.values[3]))).or_default().push(c);
    }
    out.into_iter().collect()
}

/// Per provider (its name before clustering, after the rule set's renames):
/// its nodes of the registry and the pipeline.
fn provider_nodes(inputs: &Inputs) -> BTreeMap<String, Vec<NodeRef>> {
    let rules = inputs.settings.rules;
    let mut out: BTreeMap<String, Vec<NodeRef>> = BTreeMap::new();
    for (i, n) in inputs.nodes.iter().enumerate() {
        out.entry(model::registry_provider(rules, n)).or_default().push(NodeRef::Registry(i));
    }
    for (i, p) in inputs.pipeline.iter().enumerate() {
        out.entry(p.node_provider.clone()).or_default().push(NodeRef::Pipeline(i));
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum NodeRef {
    Registry(usize),
    Pipeline(usize),
}

/// The group's nodes an allocation uses.
pub fn usage(allocation: &Allocation, classes: &[u32]) -> u32 {
    allocation.subnets.iter().flatten().filter(|(c, _)| classes.binary_search(c).is_ok()).map(|(_, n)| n).sum()
}

/// The costs of the secondary objective: `weight` per synthetic node, 1 per node of the group.
pub fn costs(model: &Model, classes: &[u32], weight: i64) -> Vec<i64> {
    (0..model.classes.len() as u32)
        .map(|c| if model.classes[c as usize].synthetic { weight } else { classes.binary_search(&c).is_ok() as i64 })
        .collect()
}

/// The bound on the group's nodes that a weighted bound proves at the ObjectiveValue `opt`.
pub fn group_bound(bound: Bound, weight: i64, opt: u32) -> i128 {
    let shifted = Bound {
        numerator: bound.numerator - weight as i128 * opt as i128 * bound.denominator as i128,
        denominator: bound.denominator,
    };
    shifted.ceil().max(0)
}

/// The value of one group (`classes` sorted) of `model`, whose baseline solution is `base`.
pub fn node_value(model: &Model, base: &Solution, group: Group, classes: &[u32], budget: Budget) -> NodeValue {
    let usable_nodes: u32 = classes.iter().map(|&c| model.classes[c as usize].count()).sum();
    let unknown = |status, upper, weight, certificate| NodeValue {
        group: group.clone(),
        usable_nodes,
        status,
        needed: None,
        lower_bound: 0,
        upper_bound: upper,
        certificate_is_tight: false,
        synthetic_weight: weight,
        certificate,
        allocation: None,
    };
    let (Some(opt), Some(base_allocation)) = (base.objective, base.allocation.as_ref()) else {
        return unknown(base.status, None, 0, Certificate::zero(model));
    };
    let u = usage(base_allocation, classes);
    if u == 0 {
        // An optimal allocation that uses none; zero is always a bound.
        return NodeValue {
            group,
            usable_nodes,
            status: Status::Optimal,
            needed: Some(0),
            lower_bound: 0,
            upper_bound: Some(0),
            certificate_is_tight: true,
            synthetic_weight: 1,
            certificate: Certificate::zero(model),
            allocation: Some(base_allocation.clone()),
        };
    }
    let weight = u as i64 + 1;
    let solution = solve::solve_weighted(model, &costs(model, classes, weight), budget);
    let lower = group_bound(solution.bound, weight, opt).min(u as i128) as u32;
    match (&solution.allocation, solution.status) {
        (Some(allocation), Status::Optimal) if check::check_allocation(model, allocation) == Ok(opt) => {
            let v = usage(allocation, classes);
            NodeValue {
                group,
                usable_nodes,
                status: Status::Optimal,
                needed: Some(v),
                lower_bound: lower.min(v),
                upper_bound: Some(v),
                certificate_is_tight: lower >= v,
                synthetic_weight: weight,
                certificate: solution.certificate,
                allocation: Some(allocation.clone()),
            }
        }
        _ => NodeValue { lower_bound: lower, ..unknown(Status::BudgetExceeded, Some(u), weight, solution.certificate) },
    }
}

/// Re-check a value's proof in integers: its allocation is valid with the
/// ObjectiveValue `opt` and uses `needed` of the group's nodes, and its
/// certificate proves `lower_bound` (all of `needed` when tight).
pub fn check_node_value(
    model: &Model,
    opt: u32,
    classes: &[u32],
    value: &NodeValue,
) -> Result<(), check::CheckFailure> {
    let fail = |m: String| Err(check::CheckFailure(m));
    let Some(needed) = value.needed else { return Ok(()) };
    let Some(allocation) = &value.allocation else { return fail("no allocation".into()) };
    let synthetic = check::check_allocation(model, allocation)?;
    if synthetic != opt {
        return fail(format!("the allocation has {synthetic} synthetic nodes, the ObjectiveValue is {opt}"));
    }
    let used = usage(allocation, classes);
    if used != needed {
        return fail(format!("the allocation uses {used} of the group's nodes, the value says {needed}"));
    }
    let bound = check::check_weighted_certificate(
        model,
        &value.certificate,
        Some(&costs(model, classes, value.synthetic_weight)),
    )?;
    let proven = group_bound(bound, value.synthetic_weight, opt);
    if proven < value.lower_bound as i128 || (value.certificate_is_tight && proven < needed as i128) {
        return fail(format!("the certificate proves {proven}, the value claims {}", value.lower_bound));
    }
    Ok(())
}

/// Inputs without a provider's nodes (registry and pipeline).
pub fn without_provider(inputs: &Inputs, provider: &str) -> Inputs {
    let rules = inputs.settings.rules;
    let mut out = inputs.clone();
    out.nodes.retain(|n| model::registry_provider(rules, n) != provider);
    out.pipeline.retain(|p| p.node_provider != provider);
    out
}

/// A provider's report, given its value.
pub fn provider_report(
    inputs: &Inputs,
    model: &Model,
    base: &Solution,
    value: &NodeValue,
    budget: Budget,
) -> ProviderReport {
    let provider = value.group.name.clone();
    let refs = provider_nodes(inputs).remove(&provider).unwrap_or_default();
    let in_subnets_now = refs
        .iter()
        .filter(|r| match r {
            NodeRef::Registry(i) => inputs.nodes[*i].subnet_id.as_deref().is_some_and(|s| !s.trim().is_empty()),
            NodeRef::Pipeline(_) => false,
        })
        .count() as u32;
    // With none needed (hence no per-provider minimum of its own), an optimal
    // allocation without its nodes exists, and removing nodes removes no
    // constraint: the value stays. Otherwise solve without them.
    let has_minimum = model.provider_minimums.iter().any(|m| m.provider == provider);
    let (objective_without, status_without) = if value.needed == Some(0) && !has_minimum && base.objective.is_some() {
        (base.objective, Status::Optimal)
    } else {
        let s = solve::solve(&model::build(&without_provider(inputs, &provider), &[]), budget);
        (s.objective, s.status)
    };
    ProviderReport {
        provider,
        nodes: refs.len() as u32,
        usable_nodes: value.usable_nodes,
        needed: value.needed,
        in_subnets_now,
        objective_without,
        status_without,
    }
}

/// Every group's value and every provider's report.
pub fn node_values(inputs: &Inputs, budget: Budget) -> NodeValues {
    let model = model::build(inputs, &[]);
    let base = solve::solve(&model, budget);
    let mut values = Vec::new();
    let mut providers = Vec::new();
    for (group, classes) in groups(inputs, &model) {
        let value = node_value(&model, &base, group, &classes, budget);
        if value.group.kind == GroupKind::NodeProvider {
            providers.push(provider_report(inputs, &model, &base, &value, budget));
        }
        values.push(value);
    }
    NodeValues { baseline_status: base.status, baseline_objective: base.objective, values, providers }
}

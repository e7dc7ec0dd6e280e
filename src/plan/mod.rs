//! Membership plans: the reference's `minimize_node_swaps`, exact and proven.
//!
//! From the current membership (each node's `subnet_id`), the cheapest
//! changes that make every subnet of the target topology meet every rule of
//! the rule set, at the reference's cost: dropped + 3 x moved + newly
//! assigned + 100 x synthetic (a synthetic node is newly assigned too, so it
//! costs 101), with at most 100 synthetic nodes. [`model`] adds the
//! membership to the ObjectiveValue's model, [`parts::solve`] finds the plan (by parts where it can, else
//! the whole model's search in [`solve`]) and its
//! lower-bound certificate, [`check`] re-checks both independently,
//! [`sequence`] orders the changes into `ChangeSubnetMembership` proposals
//! that can be executed one after the other, and [`verify_proposal`] says
//! whether one such proposal is part of an optimal plan.

pub mod check;
pub mod local;
pub mod model;
pub mod output;
pub mod parts;
pub mod payload;
pub mod sequence;
pub mod solve;
pub mod summary;
pub mod verify;
pub mod verify_proposal;

use crate::check::Allocation;
use crate::inputs::{Inputs, Warning};
use crate::solve::{Budget, Status, Work};
use check::{ChangeKind, Counts, PlanCertificate};
use model::PlanModel;
use serde::{Deserialize, Serialize};

/// One node that changes, named as a proposal names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NodeChange {
    /// The node.
    pub node_id: String,
    /// The provider, after renames and clusters (as the reference reports it).
    pub node_provider: String,
    /// The provider after renames, before clusters: the name the registry
    /// gives the node's provider (`node_provider` is then its cluster's label).
    #[serde(default)]
    pub original_provider: String,
    /// Kept, dropped, moved or newly assigned.
    pub kind: ChangeKind,
    /// Subnet ids; `None` for no subnet (or a subnet of the topology without id).
    pub from: Option<String>,
    /// Its subnet after the plan (by id); `None` for none.
    pub to: Option<String>,
    /// The same subnets as indices into the plan's subnets (the topology's,
    /// less those kept); a subnet without id has an index but no id.
    pub from_index: Option<u32>,
    /// Its subnet after the plan, by index.
    pub to_index: Option<u32>,
    /// Why the node leaves its subnet, when it must: DOWN, DEGRADED or cordoned.
    pub reason: Option<String>,
}

/// A plan: the cheapest changes, their cost and proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Optimal, infeasible, or out of budget.
    pub status: Status,
    /// The optimal cost; `Some` only when `Optimal`.
    pub cost: Option<u64>,
    /// The counts of the plan found (when one was found).
    pub counts: Option<Counts>,
    /// Proven: every plan costs at least this.
    pub lower_bound: u64,
    /// The cost of the best plan found, if any.
    pub upper_bound: Option<u64>,
    /// The lower-bound certificate (multipliers on the swap model's rows).
    pub certificate: PlanCertificate,
    /// Whether the certificate alone proves the optimum (otherwise the proof
    /// rests on the solver's branch and bound).
    pub certificate_is_tight: bool,
    /// The allocation (class counts per subnet of the plan model).
    pub allocation: Option<Allocation>,
    /// Every node that changes, sorted by node id.
    pub changes: Vec<NodeChange>,
    /// Subnet ids that were not to change (`--subnet` selects the others).
    pub kept_subnets: Vec<String>,
    /// What reading the inputs and building the model found suspicious.
    pub warnings: Vec<Warning>,
    /// When no plan exists because the target topology cannot be filled at
    /// all: why, in the words `evaluate` gives (from the checked
    /// infeasibility certificate of the ObjectiveValue model). Empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub infeasible_because: Vec<String>,
    /// What the solve cost.
    pub work: Work,
}

/// Plan the membership of `inputs`, changing only the subnets of `subnets`
/// (empty: any). Returns the plan model too, for outputs and checks.
pub fn plan(inputs: &Inputs, subnets: &[String], budget: Budget) -> Result<(PlanModel, Plan), String> {
    let (pm, warnings) = model::build(inputs, subnets)?;
    let solution = parts::solve(&pm, budget);
    Ok((pm.clone(), plan_of(&pm, solution, warnings)))
}

/// The plan of a solution: its changes named by node and subnet ids.
pub fn plan_of(pm: &PlanModel, solution: solve::PlanSolution, warnings: Vec<Warning>) -> Plan {
    let (counts, changes) = match &solution.allocation {
        Some(a) => {
            let changes = check::realize(pm, a);
            let counts = check::check_changes(pm, a, &changes).ok();
            (counts, named_changes(pm, &changes))
        }
        None => (None, Vec::new()),
    };
    Plan {
        status: solution.status,
        cost: (solution.status == Status::Optimal).then_some(solution.upper_bound.unwrap_or(0)),
        counts,
        lower_bound: solution.lower_bound,
        upper_bound: solution.upper_bound,
        certificate: solution.certificate,
        certificate_is_tight: solution.certificate_is_tight,
        allocation: solution.allocation,
        changes,
        kept_subnets: pm.kept_subnets.clone(),
        warnings,
        infeasible_because: if solution.status == Status::Infeasible {
            parts::infeasibility_reasons(pm)
        } else {
            Vec::new()
        },
        work: solution.work,
    }
}

/// A subnet's id as proposals name it (a topology subnet without id has none).
pub fn subnet_id(pm: &PlanModel, s: Option<u32>) -> Option<String> {
    s.and_then(|s| pm.model.subnets[s as usize].subnet_id.clone())
}

fn named_changes(pm: &PlanModel, changes: &[check::Change]) -> Vec<NodeChange> {
    let provider_of = node_providers(pm);
    let original_of = original_providers(pm);
    changes
        .iter()
        .map(|c| NodeChange {
            node_id: c.node_id.clone(),
            node_provider: provider_of.get(&c.node_id).cloned().unwrap_or_default(),
            original_provider: original_of.get(&c.node_id).cloned().unwrap_or_default(),
            kind: c.kind,
            from: subnet_id(pm, c.from),
            to: subnet_id(pm, c.to),
            from_index: c.from,
            to_index: c.to,
            reason: pm.forced_drops.iter().find(|d| d.node_id == c.node_id).map(|d| d.reason.clone()),
        })
        .collect()
}

/// Every model node's provider (after renames and clusters), by node id;
/// forced drops are named by their registry provider, renamed the same way.
pub fn node_providers(pm: &PlanModel) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    for (c, class) in pm.model.classes.iter().enumerate() {
        let p = model::class_provider(&pm.model, c).to_string();
        for m in &class.members {
            out.insert(m.clone(), p.clone());
        }
    }
    for d in &pm.forced_drops {
        out.insert(d.node_id.clone(), d.provider.clone());
    }
    out
}

/// Every model node's provider after renames, before clusters (the name a
/// voter knows it by), by node id; forced drops included.
pub fn original_providers(pm: &PlanModel) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    for class in &pm.model.classes {
        for m in &class.members {
            out.insert(m.clone(), class.original_provider.clone());
        }
    }
    for d in &pm.forced_drops {
        out.insert(d.node_id.clone(), d.original_provider.clone());
    }
    out
}

impl NodeChange {
    /// The node's provider as a voter reads it: the registry's name, with its
    /// cluster's label beside it when a cluster counts it with others
    /// (`Ivanov Oleksandr (cluster NP Group: 1)`).
    pub fn provider_label(&self) -> String {
        provider_label(&self.original_provider, &self.node_provider)
    }
}

/// `original (cluster label)`, or the one name when they agree (or the
/// original is unknown).
pub fn provider_label(original: &str, clustered: &str) -> String {
    if original.is_empty() || original == clustered {
        clustered.to_string()
    } else {
        format!("{original} (cluster {clustered})")
    }
}

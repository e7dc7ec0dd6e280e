//! Is this `ChangeSubnetMembership` proposal part of an optimal plan?
//!
//! The proposal's changes are fixed (its removed nodes may not be in its
//! subnet after the plan, its added nodes must be), the model is solved
//! again, and the optimum is compared with the unconstrained one: equal means
//! the proposal is on an optimal path; otherwise it costs that much more. The
//! subnet's broken limits and Nakamoto coefficients are reported before and
//! after the proposal alone. A payload that names an unknown node, a node of
//! another subnet, or a node that is DOWN, DEGRADED or cordoned is refused.

use super::local;
use super::model::{self, PlanModel};
use super::solve::{self, PlanSolution, Search};
use crate::evaluate::nakamoto;
use crate::inputs::{Attribute, Inputs, LimitOp};
use crate::model::{NodeClass, Subnet};
use crate::solve::{Budget, Status};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub use super::payload::Payload;

/// A limit a subnet breaks: `count` nodes of one value where the limit allows `limit`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BrokenLimit {
    /// The attribute of the value.
    pub attribute: Attribute,
    /// The value.
    pub value: String,
    /// How many of the subnet's nodes have it.
    pub count: u32,
    /// "at most N", "exactly N", "size N".
    pub limit: String,
}

/// A subnet's members judged against its limits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubnetState {
    /// Its number of nodes.
    pub nodes: u32,
    /// The limits it breaks.
    pub broken_limits: Vec<BrokenLimit>,
    /// Per attribute, in [`Attribute::ALL`] order.
    pub nakamoto: [u32; 4],
}

/// The verdict on a payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalCheck {
    /// The payload checked.
    pub payload: Payload,
    /// The type of its subnet.
    pub subnet_type: String,
    /// The optimum without the proposal's changes, and with them fixed.
    pub optimal: PlanSolution,
    /// The optimum with the proposal's changes fixed.
    pub with_proposal: PlanSolution,
    /// Both optimal and equal: the proposal is part of an optimal plan.
    /// `Some(false)` too when no plan contains the proposal at all (see `breaks`).
    pub on_optimal_path: Option<bool>,
    /// When no plan contains the proposal: the rules it breaks, in words,
    /// read from the constrained solve's infeasibility certificate (checked:
    /// it proves every plan with the proposal would cost more than any plan
    /// can), or from the subnet's SEV or country rule the added nodes fail.
    /// Empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breaks: Vec<String>,
    /// How much more the cheapest plan containing the proposal costs.
    pub excess_cost: Option<u64>,
    /// The subnet before the proposal.
    pub before: SubnetState,
    /// The subnet after it.
    pub after: SubnetState,
}

fn subnet_state(inputs: &Inputs, subnet: &Subnet, pm: &PlanModel, members: &BTreeSet<String>) -> SubnetState {
    let by_id: BTreeMap<&str, &crate::inputs::RegistryNode> =
        inputs.nodes.iter().map(|n| (n.node_id.as_str(), n)).collect();
    let mut counts: [BTreeMap<String, u32>; 4] = Default::default();
    for id in members {
        if let Some(n) = by_id.get(id.as_str()) {
            let values = crate::model::registry_node_values(inputs, n);
            for (a, v) in values.into_iter().enumerate() {
                *counts[a].entry(v).or_default() += 1;
            }
        }
    }
    let mut broken = Vec::new();
    if members.len() as u32 != subnet.size {
        broken.push(BrokenLimit {
            attribute: Attribute::NodeProvider,
            value: "(all nodes)".into(),
            count: members.len() as u32,
            limit: format!("size {}", subnet.size),
        });
    }
    for a in Attribute::ALL {
        for (v, &count) in &counts[a.index()] {
            let Some(idx) = pm.model.value_index(a, v) else { continue };
            let limit = subnet.limit(a, idx);
            let ok = match limit.op {
                LimitOp::AtMost => count <= limit.count,
                LimitOp::Exactly => count == limit.count,
            };
            if !ok {
                let word = if limit.op == LimitOp::Exactly { "exactly" } else { "at most" };
                broken.push(BrokenLimit {
                    attribute: a,
                    value: v.clone(),
                    count,
                    limit: format!("{word} {}", limit.count),
                });
            }
        }
        for &(sa, sv, limit) in &subnet.special {
            if sa == a
                && limit.op == LimitOp::Exactly
                && limit.count > 0
                && !counts[a.index()].contains_key(pm.model.value(a, sv))
            {
                broken.push(BrokenLimit {
                    attribute: a,
                    value: pm.model.value(a, sv).to_string(),
                    count: 0,
                    limit: format!("exactly {}", limit.count),
                });
            }
        }
    }
    broken.sort();
    SubnetState {
        nodes: members.len() as u32,
        broken_limits: broken,
        nakamoto: std::array::from_fn(|a| nakamoto(counts[a].values().map(|&c| c as u64).collect())),
    }
}

/// Split the members named in `ids` off their classes into classes of their
/// own, which `set` then bars from or pins to subnet `s`.
fn split_off(pm: &mut PlanModel, ids: &BTreeSet<&str>, s: u32, pin: bool, parent: &mut Vec<u32>) {
    let n = pm.model.classes.len();
    for c in 0..n {
        let class = &pm.model.classes[c];
        let picked: Vec<usize> =
            (0..class.members.len()).filter(|&i| ids.contains(class.members[i].as_str())).collect();
        if picked.is_empty() {
            continue;
        }
        let mut new_class = NodeClass { members: Vec::new(), ..class.clone() };
        let mut new_subnets = Vec::new();
        let mut keep_members = Vec::new();
        let mut keep_subnets = Vec::new();
        for (i, (m, sub)) in class.members.iter().zip(&pm.member_subnets[c]).enumerate() {
            if picked.contains(&i) {
                new_class.members.push(m.clone());
                new_subnets.push(*sub);
            } else {
                keep_members.push(m.clone());
                keep_subnets.push(*sub);
            }
        }
        pm.model.classes[c].members = keep_members;
        pm.member_subnets[c] = keep_subnets;
        let k = pm.model.classes.len() as u32;
        parent.push(parent[c]);
        pm.model.classes.push(new_class);
        pm.member_subnets.push(new_subnets);
        pm.barred.push(pm.barred[c]);
        pm.pinned.push(pm.pinned[c]);
        if pin {
            pm.pinned[k as usize] = Some(s);
        } else {
            pm.barred[k as usize] = Some(s);
        }
        for row in &mut pm.model.provider_minimums {
            if row.classes.contains(&(c as u32)) {
                row.classes.push(k);
            }
        }
    }
}

/// An allocation of the unsplit model as one of the split model: in each
/// subnet, a class's count goes first to its children pinned there, then to
/// the class itself, then to children that may be there (the checker decides
/// whether the result holds).
fn carry_over(
    a: &crate::check::Allocation,
    fixed: &PlanModel,
    parent: &[u32],
    original: usize,
) -> crate::check::Allocation {
    let mut left: Vec<u32> = fixed.model.classes.iter().map(|c| c.count()).collect();
    let children: Vec<Vec<usize>> =
        (0..original).map(|c| (original..parent.len()).filter(|&k| parent[k] as usize == c).collect()).collect();
    let mut subnets = Vec::with_capacity(a.subnets.len());
    for (s, entries) in a.subnets.iter().enumerate() {
        let mut out: BTreeMap<u32, u32> = BTreeMap::new();
        for &(c, n) in entries {
            let c = c as usize;
            let mut need = n;
            let mut order: Vec<usize> =
                children[c].iter().copied().filter(|&k| fixed.pinned[k] == Some(s as u32)).collect();
            order.push(c);
            order.extend(children[c].iter().copied().filter(|&k| fixed.pinned[k] != Some(s as u32)));
            for k in order {
                let take = need.min(left[k]).min(fixed.cap(k, s));
                if take > 0 {
                    *out.entry(k as u32).or_default() += take;
                    left[k] -= take;
                    need -= take;
                }
            }
        }
        subnets.push(out.into_iter().collect());
    }
    crate::check::Allocation { subnets }
}

/// The certificate with every split class given its parent's class multipliers.
fn inherit(cert: &crate::plan::check::PlanCertificate, parent: &[u32]) -> crate::plan::check::PlanCertificate {
    let mut out = cert.clone();
    let by_class = |rows: &[(u32, i64)]| -> BTreeMap<u32, i64> { rows.iter().copied().collect() };
    let (link, avail, classes) = (by_class(&cert.link), by_class(&cert.avail), by_class(&cert.classes));
    let keep: BTreeMap<(u32, u32), i64> = cert.keep.iter().map(|&(c, s, m)| ((c, s), m)).collect();
    for (k, &p) in parent.iter().enumerate().skip_while(|(k, &p)| *k as u32 == p) {
        let k = k as u32;
        if let Some(&m) = link.get(&p) {
            out.link.push((k, m));
        }
        if let Some(&m) = avail.get(&p) {
            out.avail.push((k, m));
        }
        if let Some(&m) = classes.get(&p) {
            out.classes.push((k, m));
        }
        for (&(c, s), &m) in keep.range((p, 0)..=(p, u32::MAX)) {
            let _ = c;
            out.keep.push((k, s, m));
        }
    }
    out.link.sort_unstable();
    out.avail.sort_unstable();
    out.classes.sort_unstable();
    out.keep.sort_unstable();
    out
}

/// Check `payload` against `inputs`. `known`: the unconstrained plan's
/// solution, when it was solved before (the canister keeps it); its
/// certificate then starts the constrained solve. `search`: what the
/// constrained solve may solve beyond that start (see [`solve::Search`]).
pub fn verify_proposal(
    inputs: &Inputs,
    payload: &Payload,
    budget: Budget,
    known: Option<&PlanSolution>,
    search: solve::Search,
) -> Result<ProposalCheck, String> {
    let (pm, _) = model::build(inputs, &[])?;
    let Some(s) = pm.model.subnets.iter().position(|x| x.subnet_id.as_deref() == Some(payload.subnet_id.as_str()))
    else {
        return Err(format!("subnet_id {}: the topology has no subnet of that id", payload.subnet_id));
    };
    let s32 = s as u32;
    let (membership, _) = model::current_membership(inputs);
    let registry: BTreeMap<&str, &crate::inputs::RegistryNode> =
        inputs.nodes.iter().map(|n| (n.node_id.as_str(), n)).collect();
    let usable: BTreeSet<&str> = pm.model.classes.iter().flat_map(|c| c.members.iter().map(String::as_str)).collect();
    let mut seen = BTreeSet::new();
    for id in payload.node_ids_remove.iter().chain(&payload.node_ids_add) {
        if !seen.insert(id.as_str()) {
            return Err(format!("node {id} is named twice in the payload"));
        }
        if !registry.contains_key(id.as_str()) {
            return Err(format!("node {id} is not a node of the registry snapshot"));
        }
    }
    for id in &payload.node_ids_remove {
        match membership.get(id) {
            Some(&m) if m == s32 => {}
            Some(&m) => {
                return Err(format!(
                    "node_ids_remove: node {id} is in subnet {}, not in {}",
                    inputs.topology[m as usize].subnet_id.as_deref().unwrap_or("(no id)"),
                    payload.subnet_id
                ))
            }
            None => return Err(format!("node_ids_remove: node {id} is in no subnet")),
        }
    }
    for id in &payload.node_ids_add {
        if let Some(&m) = membership.get(id) {
            return Err(format!(
                "node_ids_add: node {id} is in subnet {}; a node must be unassigned to be added",
                inputs.topology[m as usize].subnet_id.as_deref().unwrap_or("(no id)")
            ));
        }
        if !usable.contains(id.as_str()) {
            let n = registry[id.as_str()];
            let why = match n.status.trim().to_ascii_uppercase().as_str() {
                st @ ("DOWN" | "DEGRADED") if inputs.settings.enforce_health => st.to_string(),
                _ => "cordoned or not a replica".into(),
            };
            return Err(format!("node_ids_add: node {id} may not be assigned ({why})"));
        }
    }
    // A node the subnet does not admit at all (SEV, country): no plan
    // contains the proposal, by that rule alone.
    let subnet = &pm.model.subnets[s];
    let inadmissible: Vec<String> = pm
        .model
        .classes
        .iter()
        .filter(|c| c.members.iter().any(|m| added_ids(payload).contains(m.as_str())) && !subnet.admits(c))
        .map(|c| {
            let country = pm.model.value(Attribute::Country, c.values[Attribute::Country.index()]);
            if subnet.sev_only && !c.is_sev {
                format!(
                    "subnet {} takes only SEV-capable nodes, and the change adds one that is not",
                    payload.subnet_id
                )
            } else {
                format!(
                    "subnet {} takes only nodes of its allowed countries, and the change adds one in {country}",
                    payload.subnet_id
                )
            }
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let optimal = match known {
        Some(k) => k.clone(),
        None => solve::solve(&pm, budget),
    };
    if !inadmissible.is_empty() {
        let members_now: BTreeSet<String> =
            membership.iter().filter(|(_, &m)| m == s32).map(|(id, _)| id.clone()).collect();
        let mut members_after = members_now.clone();
        for id in &payload.node_ids_remove {
            members_after.remove(id);
        }
        members_after.extend(payload.node_ids_add.iter().cloned());
        let none = solve::PlanSolution {
            status: Status::Infeasible,
            lower_bound: 0,
            upper_bound: None,
            allocation: None,
            certificate: crate::plan::check::PlanCertificate::zero(),
            certificate_is_tight: false,
            work: crate::solve::Work::default(),
        };
        return Ok(ProposalCheck {
            payload: payload.clone(),
            subnet_type: subnet.subnet_type.clone(),
            before: subnet_state(inputs, subnet, &pm, &members_now),
            after: subnet_state(inputs, subnet, &pm, &members_after),
            optimal,
            with_proposal: none,
            on_optimal_path: Some(false),
            excess_cost: None,
            breaks: inadmissible,
        });
    }
    let mut fixed = pm.clone();
    let removed: BTreeSet<&str> = payload.node_ids_remove.iter().map(String::as_str).collect();
    let added: BTreeSet<&str> = payload.node_ids_add.iter().map(String::as_str).collect();
    let mut parent: Vec<u32> = (0..pm.model.classes.len() as u32).collect();
    split_off(&mut fixed, &removed, s32, false, &mut parent);
    split_off(&mut fixed, &added, s32, true, &mut parent);
    // The unconstrained certificate bounds the constrained model too (any
    // multipliers of the right signs do); split classes take their parent's.
    let hint = inherit(&optimal.certificate, &parent);
    // The optimal plan, moved onto the split classes, may contain the proposal already.
    // Node for node: the optimal plan's changes applied to the split model,
    // else its class counts carried over.
    let changes = optimal.allocation.as_ref().map(|a| crate::plan::check::realize(&pm, a));
    let moved = optimal.allocation.as_ref().zip(changes.as_ref()).and_then(|(a, changes)| {
        let mut after = crate::plan::verify::allocation_after(&fixed, changes).ok()?;
        // Synthetic nodes have no members to move: they stay where the plan puts them.
        for (t, entries) in a.subnets.iter().enumerate() {
            after.subnets[t].extend(entries.iter().filter(|(c, _)| pm.model.classes[*c as usize].synthetic));
            after.subnets[t].sort_unstable();
        }
        Some(after)
    });
    let start = match (&optimal.allocation, &moved) {
        (_, Some(m)) if solve::plan_cost(&fixed, m).is_some() => Some(m.clone()),
        (Some(a), _) => Some(carry_over(a, &fixed, &parent, pm.model.classes.len())),
        _ => None,
    };
    let quick = solve::solve_from(&fixed, budget, Some(&hint), start.as_ref(), Search::None);
    // The model's LP, built once for the checks near the plan.
    let lp = std::cell::OnceCell::new();
    let lp = || lp.get_or_init(|| solve::build_lp(&fixed));
    let forced = || local::forced_infeasibility(&fixed, lp());
    let with_proposal = match (&moved, quick.status, search) {
        (_, Status::Optimal, _) | (_, _, Search::None) => quick,
        // The proposal breaks a limit by itself: no plan contains it.
        _ if let Some(proof) = forced() => solve::solve_from(&fixed, budget, Some(&proof), None, search),
        // No plan to start near (the network has none): the bounded search alone.
        (None, ..) => solve::solve_from(&fixed, budget, Some(&hint), start.as_ref(), search),
        (Some(moved), ..) => {
            // Near the optimal plan: the proposal's subnet and the subnets the plan put its
            // nodes in, re-solved with the others fixed; then with the subnets the plan fills
            // anew (empty today, the most flexible) free too; then with every subnet the plan
            // changes. The rows of the last and the proposal's classes are re-priced (see `local`).
            let mut subnets: BTreeSet<u32> = [s32].into();
            subnets.extend(changes.iter().flatten().filter(|c| seen.contains(c.node_id.as_str())).filter_map(|c| c.to));
            let occupied: BTreeSet<u32> = membership.values().copied().collect();
            let changed: BTreeSet<u32> =
                changes.iter().flatten().flat_map(|c| c.from.into_iter().chain(c.to)).collect();
            let mut filled_anew = subnets.clone();
            filled_anew.extend(changed.iter().filter(|t| !occupied.contains(t)));
            let mut wider = filled_anew.clone();
            wider.extend(&changed);
            let original = pm.model.classes.len();
            let classes: BTreeSet<u32> = (original..parent.len()).flat_map(|k| [k as u32, parent[k]]).collect();
            let cells = match search {
                Search::Within(cells) => cells,
                _ => u64::MAX,
            };
            let mut allowance = local::Allowance { cells, branch_nodes: budget.branch_nodes };
            let neighbourhoods = [subnets, filled_anew, wider];
            let near = local::near(&fixed, lp(), &hint, moved, &neighbourhoods, &classes, &mut allowance);
            // The search goes on with the cells the near stage left.
            let search = match search {
                Search::Within(_) => Search::Within(allowance.cells),
                other => other,
            };
            let start = match (near.plan, quick.upper_bound) {
                (Some((cost, a)), upper) if upper.is_none_or(|u| cost < u) => Some(a),
                _ => start,
            };
            let left = Budget { branch_nodes: budget.branch_nodes.saturating_sub(near.work.branch_nodes) };
            let hint = near.certificate.unwrap_or(hint);
            let mut solution = solve::solve_from(&fixed, left, Some(&hint), start.as_ref(), search);
            solution.work.lp_solves += near.work.lp_solves;
            solution.work.branch_nodes += near.work.branch_nodes;
            solution.work.lp_iterations += near.work.lp_iterations;
            solution
        }
    };
    // An infeasible constrained solve is a decided answer when its
    // certificate checks and proves more than any plan can cost.
    let impossible = with_proposal.status == Status::Infeasible
        && crate::plan::check::check_plan_certificate(&fixed, &with_proposal.certificate)
            .is_ok_and(|b| b.ceil() > model::max_cost(&fixed) as i128);
    let breaks =
        if impossible { rules_broken(&fixed, &with_proposal.certificate, inputs, payload, s32) } else { vec![] };
    let (on_optimal_path, excess_cost) = match (optimal.status, with_proposal.status) {
        _ if impossible => (Some(false), None),
        (Status::Optimal, Status::Optimal) => {
            let a = optimal.upper_bound.unwrap_or(0);
            let b = with_proposal.upper_bound.unwrap_or(0);
            (Some(a == b), Some(b.saturating_sub(a)))
        }
        _ => (None, None),
    };
    let subnet = &pm.model.subnets[s];
    let members_now: BTreeSet<String> =
        membership.iter().filter(|(_, &m)| m == s32).map(|(id, _)| id.clone()).collect();
    let mut members_after = members_now.clone();
    for id in &payload.node_ids_remove {
        members_after.remove(id);
    }
    members_after.extend(payload.node_ids_add.iter().cloned());
    Ok(ProposalCheck {
        payload: payload.clone(),
        subnet_type: subnet.subnet_type.clone(),
        before: subnet_state(inputs, subnet, &pm, &members_now),
        after: subnet_state(inputs, subnet, &pm, &members_after),
        optimal,
        with_proposal,
        on_optimal_path,
        excess_cost,
        breaks,
    })
}

fn added_ids(payload: &Payload) -> BTreeSet<&str> {
    payload.node_ids_add.iter().map(String::as_str).collect()
}

/// The rules an infeasibility certificate names (its rows with a nonzero
/// multiplier that are rules of the topology, not the plan's bookkeeping),
/// in words, with what the proposal adds where it adds to them.
fn rules_broken(
    pm: &PlanModel,
    cert: &crate::plan::check::PlanCertificate,
    inputs: &Inputs,
    payload: &Payload,
    s: u32,
) -> Vec<String> {
    let name = |t: u32| -> String {
        let sub = &pm.model.subnets[t as usize];
        sub.subnet_id.clone().unwrap_or_else(|| format!("{} subnet {t}", sub.subnet_type))
    };
    // What the proposal's added nodes are, per attribute and value.
    let mut added: BTreeMap<(Attribute, String), u32> = BTreeMap::new();
    for id in &payload.node_ids_add {
        if let Some(n) = inputs.nodes.iter().find(|n| &n.node_id == id) {
            for (a, v) in Attribute::ALL.iter().zip(crate::model::registry_node_values(inputs, n)) {
                *added.entry((*a, v)).or_default() += 1;
            }
        }
    }
    let mut out = Vec::new();
    for &(t, _) in &cert.size {
        let adds = if t == s { format!(" (the change adds {})", payload.node_ids_add.len()) } else { String::new() };
        out.push(format!("subnet {} has exactly {} nodes{adds}", name(t), pm.model.subnets[t as usize].size));
    }
    for &(t, a, v, _) in &cert.values {
        let value = pm.model.value(a, v);
        let limit = pm.model.subnets[t as usize].limit(a, v);
        let word = if limit.op == LimitOp::Exactly { "exactly" } else { "at most" };
        let adds = match added.get(&(a, value.to_string())) {
            Some(k) if t == s => format!(" (the change adds {k})"),
            _ => String::new(),
        };
        out.push(format!(
            "subnet {} may have {word} {} node(s) of {} {value}{adds}",
            name(t),
            limit.count,
            a.name().replace('_', " ")
        ));
    }
    for &(c, _) in &cert.classes {
        let class = &pm.model.classes[c as usize];
        out.push(format!(
            "there are only {} usable node(s) of {} in data center {}",
            class.count(),
            crate::plan::model::class_provider(&pm.model, c as usize),
            pm.model.value(Attribute::DataCenter, class.values[Attribute::DataCenter.index()])
        ));
    }
    for &(p, _) in &cert.provider_minimums {
        out.push(format!(
            "provider {} must have at least one of its available, non-blacklisted nodes assigned (per-provider minimum)",
            pm.model.provider_minimums[p as usize].provider
        ));
    }
    if cert.synthetic != 0 {
        out.push(format!("a plan may use at most {} synthetic nodes", pm.max_synthetic));
    }
    out
}

//! Re-checking a claimed plan against inputs, cheaply and exactly.
//!
//! A voter holds a plan (from a healer, the canister or the command line)
//! and checks it without trusting whoever computed it and without solving:
//! the changes are applied to the current membership, the result is checked
//! against every constraint, the counts and cost are recomputed from the
//! changes, and the certificate's bound is recomputed in integers. What the
//! evidence does not prove is said so: an optimum whose certificate is not
//! tight rests on the solver's branch and bound.

use super::check::{self, Change, Counts, PlanCertificate};
use super::model::{self, PlanModel};
use super::sequence::{self, Sequence};
use super::NodeChange;
use crate::check::Allocation;
use crate::inputs::Inputs;
use crate::solve::Status;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Everything a plan claims.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanClaim {
    /// The status claimed.
    pub status: Status,
    /// The cost claimed; `Some` only when optimal.
    pub cost: Option<u64>,
    /// The four counts claimed.
    pub counts: Option<Counts>,
    /// The lower bound claimed.
    pub lower_bound: u64,
    /// The upper bound claimed.
    pub upper_bound: Option<u64>,
    /// The certificate of the lower bound.
    pub certificate: PlanCertificate,
    /// Whether the certificate alone claims to prove the optimum.
    pub certificate_is_tight: bool,
    /// Every node that changes.
    pub changes: Vec<NodeChange>,
}

/// Why a plan was rejected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRejection(pub String);

impl fmt::Display for PlanRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlanRejection {}

fn reject<T>(msg: impl Into<String>) -> Result<T, PlanRejection> {
    Err(PlanRejection(msg.into()))
}

/// The changes in the checker's terms: subnet ids turned into the plan
/// model's indices (ids and indices must agree).
fn changes_of(pm: &PlanModel, changes: &[NodeChange]) -> Result<Vec<Change>, PlanRejection> {
    let index = |id: &Option<String>, i: Option<u32>, node: &str| -> Result<Option<u32>, PlanRejection> {
        match (id, i) {
            (None, None) => Ok(None),
            (_, Some(i)) if i as usize >= pm.model.subnets.len() => {
                reject(format!("changes: node {node} names subnet #{i}, which does not exist"))
            }
            (Some(id), Some(i)) if pm.model.subnets[i as usize].subnet_id.as_deref() != Some(id.as_str()) => {
                reject(format!("changes: node {node} names subnet {id} and subnet #{i}, which differ"))
            }
            (Some(id), None) => match pm.model.subnets.iter().position(|s| s.subnet_id.as_deref() == Some(id)) {
                Some(i) => Ok(Some(i as u32)),
                None => reject(format!("changes: node {node} names subnet {id}, which the plan does not have")),
            },
            (_, Some(i)) => Ok(Some(i)),
        }
    };
    let mut out = Vec::with_capacity(changes.len());
    for c in changes {
        out.push(Change {
            node_id: c.node_id.clone(),
            kind: c.kind,
            from: index(&c.from, c.from_index, &c.node_id)?,
            to: index(&c.to, c.to_index, &c.node_id)?,
        });
    }
    out.sort();
    Ok(out)
}

/// The allocation the changes lead to: the current members of each subnet,
/// less those that leave, plus those that come.
pub(crate) fn allocation_after(pm: &PlanModel, changes: &[Change]) -> Result<Allocation, PlanRejection> {
    let ns = pm.model.subnets.len();
    let mut class_of: BTreeMap<&str, (usize, Option<u32>)> = BTreeMap::new();
    for (c, class) in pm.model.classes.iter().enumerate() {
        for (id, s) in class.members.iter().zip(&pm.member_subnets[c]) {
            class_of.insert(id.as_str(), (c, *s));
        }
    }
    let changed: BTreeMap<&str, &Change> = changes.iter().map(|c| (c.node_id.as_str(), c)).collect();
    let mut per: Vec<BTreeMap<u32, u32>> = vec![BTreeMap::new(); ns];
    for (id, &(c, s)) in &class_of {
        let place = match changed.get(id) {
            Some(ch) => ch.to,
            None => s,
        };
        if let Some(t) = place {
            *per[t as usize].entry(c as u32).or_default() += 1;
        }
    }
    for ch in changes {
        if ch.to.is_some() && !class_of.contains_key(ch.node_id.as_str()) {
            return reject(format!("changes: node {} is not a node that may be assigned", ch.node_id));
        }
    }
    Ok(Allocation { subnets: per.into_iter().map(|m| m.into_iter().collect()).collect() })
}

/// Check a plan claim against `inputs` (changing only `subnets`, if any).
/// Returns what was proven, in words.
pub fn verify_plan(inputs: &Inputs, subnets: &[String], claim: &PlanClaim) -> Result<String, PlanRejection> {
    let (pm, _) = model::build(inputs, subnets).map_err(PlanRejection)?;
    let bound = check::check_plan_certificate(&pm, &claim.certificate).map_err(|e| PlanRejection(e.0))?;
    let proven = bound.ceil().max(0) as u64;
    // An optimum whose certificate is not tight claims the bound of branch and bound.
    let rests_on_search = claim.status == Status::Optimal && !claim.certificate_is_tight;
    if claim.lower_bound > proven && !rests_on_search {
        return reject(format!(
            "bound: the plan claims every plan costs at least {}, its certificate proves {proven}",
            claim.lower_bound
        ));
    }
    if claim.certificate_is_tight && claim.upper_bound.is_some_and(|u| proven < u) {
        return reject(format!(
            "certificate: the plan says its certificate proves the optimum {}, it proves {proven}",
            claim.upper_bound.unwrap_or(0)
        ));
    }
    match claim.status {
        Status::Infeasible => {
            if !claim.changes.is_empty() || claim.cost.is_some() {
                return reject("an infeasible plan claims changes or a cost");
            }
            let max = model::max_cost(&pm);
            if proven > max {
                return Ok(format!(
                    "infeasible, proven: every plan would cost at least {proven}, no plan can cost more than {max}"
                ));
            }
            return reject(format!(
                "infeasible is not proven: the certificate proves {proven}, and plans can cost up to {max}"
            ));
        }
        Status::Optimal | Status::BudgetExceeded => {}
    }
    let changes = changes_of(&pm, &claim.changes)?;
    if claim.status == Status::BudgetExceeded && changes.is_empty() && claim.upper_bound.is_none() {
        return Ok(format!("bounds only: every plan costs at least {proven} (the plan claims {})", claim.lower_bound));
    }
    let allocation = allocation_after(&pm, &changes)?;
    check::check_plan_allocation(&pm, &allocation).map_err(|e| PlanRejection(format!("allocation: {e}")))?;
    let counts = check::check_changes(&pm, &allocation, &changes).map_err(|e| PlanRejection(e.0))?;
    if claim.counts.is_some_and(|c| c != counts) {
        return reject(format!(
            "counts: the plan claims {}, its changes make {}",
            serde_json::to_string(&claim.counts.unwrap_or_default()).unwrap_or_default(),
            serde_json::to_string(&counts).unwrap_or_default()
        ));
    }
    let cost = counts.cost();
    if claim.upper_bound.is_some_and(|u| u != cost) || (claim.status == Status::Optimal && claim.cost != Some(cost)) {
        return reject(format!(
            "cost: the plan claims {}, its changes cost {cost}",
            claim.cost.or(claim.upper_bound).map_or("none".into(), |c| c.to_string())
        ));
    }
    // The cheapest changes for this allocation: any more is not optimal.
    let cheapest =
        check::check_changes(&pm, &allocation, &check::realize(&pm, &allocation)).map_err(|e| PlanRejection(e.0))?;
    if claim.status == Status::Optimal && cheapest.cost() < cost {
        return reject(format!("cost: the same allocation is reached for {} with fewer changes", cheapest.cost()));
    }
    match claim.status {
        Status::Optimal if proven >= cost => {
            Ok(format!("optimal, proven by the plan and its certificate: cost {cost}"))
        }
        Status::Optimal => Ok(format!(
            "a valid plan of cost {cost}; its certificate proves every plan costs at least {proven}, \
             so its optimality rests on the solver's branch and bound"
        )),
        _ => Ok(format!("bounds: a valid plan of cost {cost}; every plan costs at least {proven}")),
    }
}

/// Check that the proposals, applied in order to the current membership,
/// never put a node in two subnets and end at the plan's membership.
pub fn check_sequence(
    inputs: &Inputs,
    subnets: &[String],
    changes: &[NodeChange],
    seq: &Sequence,
) -> Result<(), String> {
    let (membership, _) = model::current_membership(inputs);
    let id_of = |s: u32| inputs.topology[s as usize].subnet_id.clone();
    let current: BTreeMap<String, String> =
        membership.iter().filter_map(|(n, &s)| id_of(s).map(|id| (n.clone(), id))).collect();
    let _ = subnets;
    let after = sequence::replay_all(&current, seq).map_err(|e| format!("proposals: {e}"))?;
    let mut want = current.clone();
    for c in changes {
        want.remove(&c.node_id);
    }
    for c in changes {
        let to = c.to.clone().or_else(|| c.to_index.map(|i| format!("new subnet #{i}")));
        if let Some(to) = to {
            want.insert(c.node_id.clone(), to);
        }
    }
    if seq.cycles.is_empty() && after != want {
        return Err("proposals: applied in order, they do not end at the plan's membership".into());
    }
    Ok(())
}

/// Read a `ChangeSubnetMembershipPayload` from Candid text, as a proposal
/// prints it: `(record { subnet_id = principal "..."; node_ids_add = vec {
/// principal "..."; ... }; node_ids_remove = vec { ... } })`. Fields may come
/// in any order; ids are taken as written (they are checked against the
/// inputs afterwards).
pub fn parse_payload_candid(text: &str) -> Result<super::payload::Payload, String> {
    fn quoted(s: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = s;
        while let Some(start) = rest.find('"') {
            let after = &rest[start + 1..];
            let Some(end) = after.find('"') else { break };
            out.push(after[..end].to_string());
            rest = &after[end + 1..];
        }
        out
    }
    let field = |name: &str| -> Result<&str, String> {
        let at = text.find(name).ok_or_else(|| format!("the payload has no field `{name}`"))?;
        let after = &text[at + name.len()..];
        let eq = after.trim_start();
        let Some(value) = eq.strip_prefix('=') else {
            return Err(format!("`{name}` is not followed by `=`"));
        };
        Ok(value)
    };
    let list = |name: &str| -> Result<Vec<String>, String> {
        let value = field(name)?.trim_start();
        let Some(body) = value.strip_prefix("vec") else {
            return Err(format!("`{name}` is not a `vec {{ ... }}`"));
        };
        let body = body.trim_start();
        let Some(body) = body.strip_prefix('{') else {
            return Err(format!("`{name}` is not a `vec {{ ... }}`"));
        };
        let end = body.find('}').ok_or_else(|| format!("`{name}`: the vec is not closed"))?;
        Ok(quoted(&body[..end]))
    };
    let subnet = quoted(field("subnet_id")?).into_iter().next().ok_or("`subnet_id` has no principal")?;
    Ok(super::payload::Payload {
        subnet_id: subnet,
        node_ids_add: list("node_ids_add")?,
        node_ids_remove: list("node_ids_remove")?,
    })
}

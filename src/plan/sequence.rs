//! A plan as `ChangeSubnetMembership` proposals that can be executed one
//! after the other.
//!
//! One proposal per subnet that changes, carrying all its additions and
//! removals, so a subnet goes from its current members to its planned ones in
//! one step and never shrinks in between (unless the plan shrinks it). A node
//! that moves is added only after the proposal that frees it: proposals are
//! ordered topologically by the moves between subnets (ties in topology
//! order). Moves that form a cycle (A gives to B, B gives to A) cannot be
//! executed as one proposal per subnet without a free node; they are
//! reported, and their proposals come last in topology order.

use super::check::ChangeKind;
use super::model::PlanModel;
use super::Plan;
use crate::digest;
use crate::inputs::{Attribute, LimitOp};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One `ChangeSubnetMembership` payload, ready for a proposal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipProposal {
    /// Its place in the order (1 first).
    pub step: u32,
    /// The subnet it changes.
    pub subnet_id: String,
    /// The subnet's type.
    pub subnet_type: String,
    /// The nodes it adds.
    pub node_ids_add: Vec<String>,
    /// The nodes it removes.
    pub node_ids_remove: Vec<String>,
    /// Steps that must be executed before this one (they free nodes it adds).
    pub after: Vec<u32>,
    /// The payload as Candid text (the registry's `ChangeSubnetMembershipPayload`).
    pub payload_candid: String,
    /// The proposal's summary text and its sha256.
    pub summary: String,
    /// The SHA-256 of the summary, hex.
    pub summary_sha256: String,
}

/// The proposals of a plan, in an order that can be executed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    /// The proposals, in the order they can be executed.
    pub proposals: Vec<MembershipProposal>,
    /// Subnet ids whose moves form cycles (no order executes them).
    pub cycles: Vec<Vec<String>>,
    /// Subnets that change but have no id in the topology (no proposal can name them).
    pub unnamed_subnets: Vec<String>,
}

fn candid_text(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The registry's payload as Candid text.
pub fn payload_candid(subnet_id: &str, add: &[String], remove: &[String]) -> String {
    let list = |ids: &[String]| -> String {
        if ids.is_empty() {
            "vec {}".into()
        } else {
            let items: Vec<String> = ids.iter().map(|id| format!("principal {}", candid_text(id))).collect();
            format!("vec {{ {} }}", items.join("; "))
        }
    };
    format!(
        "(record {{ subnet_id = principal {}; node_ids_add = {}; node_ids_remove = {} }})",
        candid_text(subnet_id),
        list(add),
        list(remove)
    )
}

/// Why a node leaves subnet `s`, as its proposal says it: its health or a
/// cordon; the move; or what the subnet's current members break that its
/// leaving mends (the subnet does not admit it, a value over its limit, the
/// subnet shrinking), read from the current membership.
fn removal_reason(pm: &PlanModel, s: usize, c: &super::NodeChange) -> String {
    if let Some(r) = &c.reason {
        return format!("{r}: it may not stay in a subnet");
    }
    let moves = match (c.kind, c.to.as_deref()) {
        (ChangeKind::Moved, Some(to)) => format!("moves to subnet {to}"),
        (ChangeKind::Moved, None) => "moves to another subnet".into(),
        _ => String::new(),
    };
    let model = &pm.model;
    let subnet = &model.subnets[s];
    let Some(k) = model.classes.iter().position(|k| k.members.contains(&c.node_id)) else {
        return if moves.is_empty() {
            "its place is needed to meet the target topology's limits".into()
        } else {
            moves
        };
    };
    let class = &model.classes[k];
    // Members of each class in subnet `s` now, counted once.
    let here: Vec<u32> = (0..model.classes.len())
        .map(|k| pm.member_subnets[k].iter().filter(|at| at.is_some_and(|t| t as usize == s)).count() as u32)
        .collect();
    let mut broken = Vec::new();
    if !subnet.admits(class) {
        if subnet.sev_only && !class.is_sev {
            broken.push("it is not SEV-capable and the subnet takes SEV nodes only".to_string());
        } else {
            broken.push(format!(
                "its country {} is not among those a {} allows",
                model.value(Attribute::Country, class.values[Attribute::Country.index()]),
                subnet.subnet_type
            ));
        }
    }
    for a in Attribute::ALL {
        let v = class.values[a.index()];
        let count: u32 =
            (0..model.classes.len()).filter(|&j| model.classes[j].values[a.index()] == v).map(|j| here[j]).sum();
        let limit = subnet.limit(a, v);
        // Over an "exactly" limit too: leaving mends it; under one, leaving cannot.
        if count > limit.count {
            let bound = if limit.op == LimitOp::Exactly { "exactly" } else { "at most" };
            broken.push(format!(
                "its {} {} has {count} nodes in the subnet, {bound} {} allowed",
                a.name().replace('_', " "),
                model.value(a, v),
                limit.count
            ));
        }
    }
    let members: u32 = here.iter().sum();
    if members > subnet.size {
        broken.push(format!("the subnet shrinks from {members} to {} nodes", subnet.size));
    }
    match (moves.is_empty(), broken.is_empty()) {
        (true, true) => "its place is needed to meet the target topology's limits".into(),
        (true, false) => broken.join("; "),
        (false, true) => moves,
        (false, false) => format!("{moves}: {}", broken.join("; ")),
    }
}

/// Order the plan's changes into proposals.
pub fn sequence(pm: &PlanModel, plan: &Plan) -> Sequence {
    let ns = pm.model.subnets.len();
    let mut add: Vec<Vec<&super::NodeChange>> = vec![Vec::new(); ns];
    let mut remove: Vec<Vec<&super::NodeChange>> = vec![Vec::new(); ns];
    // Edges: the subnet a node moves from must go first.
    let mut before: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); ns];
    for ch in &plan.changes {
        let from = ch.from_index.map(|s| s as usize);
        let to = ch.to_index.map(|s| s as usize);
        if let Some(f) = from {
            remove[f].push(ch);
        }
        if let Some(t) = to {
            add[t].push(ch);
        }
        if let (ChangeKind::Moved, Some(f), Some(t)) = (ch.kind, from, to) {
            before[t].insert(f);
        }
    }
    // A subnet of the topology without an id cannot be named by a proposal.
    let unnamed: Vec<String> = (0..ns)
        .filter(|&s| pm.model.subnets[s].subnet_id.is_none() && (!add[s].is_empty() || !remove[s].is_empty()))
        .map(|s| format!("subnet {s} ({})", pm.model.subnets[s].subnet_type))
        .collect();
    let changing: Vec<usize> = (0..ns).filter(|&s| !add[s].is_empty() || !remove[s].is_empty()).collect();
    let mut done: BTreeSet<usize> = BTreeSet::new();
    let mut order = Vec::new();
    loop {
        let next = changing
            .iter()
            .copied()
            .find(|s| !done.contains(s) && before[*s].iter().all(|b| done.contains(b) || *b == *s));
        match next {
            Some(s) => {
                done.insert(s);
                order.push(s);
            }
            None => break,
        }
    }
    // What is left is in cycles (or waits on one).
    let left: Vec<usize> = changing.iter().copied().filter(|s| !done.contains(s)).collect();
    let mut cycles = Vec::new();
    if !left.is_empty() {
        cycles.push(left.iter().filter_map(|&s| pm.model.subnets[s].subnet_id.clone()).collect());
        order.extend(left);
    }
    let step_of: BTreeMap<usize, u32> = order.iter().enumerate().map(|(i, &s)| (s, i as u32 + 1)).collect();
    let proposals = order
        .iter()
        .filter_map(|&s| {
            let subnet = &pm.model.subnets[s];
            let id = subnet.subnet_id.clone()?;
            let node_ids_add: Vec<String> = add[s].iter().map(|c| c.node_id.clone()).collect();
            let node_ids_remove: Vec<String> = remove[s].iter().map(|c| c.node_id.clone()).collect();
            let after: Vec<u32> =
                before[s].iter().filter(|&&b| b != s).filter_map(|b| step_of.get(b).copied()).collect();
            let payload = payload_candid(&id, &node_ids_add, &node_ids_remove);
            let why: Vec<String> = remove[s].iter().map(|c| removal_reason(pm, s, c)).collect();
            let summary = summary_text(&id, &subnet.subnet_type, &add[s], &remove[s], &why, &after, payload.as_str());
            Some(MembershipProposal {
                step: step_of[&s],
                subnet_id: id,
                subnet_type: subnet.subnet_type.clone(),
                node_ids_add,
                node_ids_remove,
                after,
                summary_sha256: digest::sha256_hex(summary.as_bytes()),
                payload_candid: payload,
                summary,
            })
        })
        .collect();
    Sequence { proposals, cycles, unnamed_subnets: unnamed }
}

fn summary_text(
    subnet_id: &str,
    subnet_type: &str,
    add: &[&super::NodeChange],
    remove: &[&super::NodeChange],
    why: &[String],
    after: &[u32],
    payload: &str,
) -> String {
    let mut s = format!("# Change the membership of subnet {subnet_id} ({subnet_type})\n\n");
    s.push_str(&format!("Adds {} node(s) and removes {} node(s).\n\n", add.len(), remove.len()));
    if !remove.is_empty() {
        s.push_str("Removed:\n");
        for (c, why) in remove.iter().zip(why) {
            s.push_str(&format!("- {} ({}): {why}\n", c.node_id, c.node_provider));
        }
        s.push('\n');
    }
    if !add.is_empty() {
        s.push_str("Added:\n");
        for c in add {
            let from = match c.kind {
                ChangeKind::Moved => format!("moved from subnet {}", c.from.as_deref().unwrap_or("?")),
                _ => "unassigned".into(),
            };
            s.push_str(&format!("- {} ({}): {from}\n", c.node_id, c.node_provider));
        }
        s.push('\n');
    }
    if !after.is_empty() {
        let steps: Vec<String> = after.iter().map(|a| a.to_string()).collect();
        s.push_str(&format!(
            "Execute after step(s) {} of the plan: they free the nodes moved here.\n\n",
            steps.join(", ")
        ));
    }
    s.push_str("Payload (ChangeSubnetMembershipPayload):\n\n");
    s.push_str(payload);
    s.push('\n');
    s
}

/// Apply the proposals in order to the current membership: the membership
/// after each step, or the first step that adds a node still in another
/// subnet or removes one that is not there. Used to check a sequence.
pub fn replay(
    current: &BTreeMap<String, String>,
    proposals: &[MembershipProposal],
) -> Result<BTreeMap<String, String>, String> {
    let mut m = current.clone();
    for p in proposals {
        for id in &p.node_ids_remove {
            if m.get(id) != Some(&p.subnet_id) {
                return Err(format!("step {}: removes {id}, which is not in subnet {}", p.step, p.subnet_id));
            }
            m.remove(id);
        }
        for id in &p.node_ids_add {
            if let Some(other) = m.get(id) {
                return Err(format!("step {}: adds {id}, which is still in subnet {other}", p.step));
            }
            m.insert(id.clone(), p.subnet_id.clone());
        }
    }
    Ok(m)
}

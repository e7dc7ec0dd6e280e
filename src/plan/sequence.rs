//! A plan as `ChangeSubnetMembership` proposals that can be executed one
//! after the other.
//!
//! One proposal per subnet that changes, carrying all its additions and
//! removals, so a subnet goes from its current members to its planned ones in
//! one step and never shrinks in between (unless the plan shrinks it). A
//! subnet the registry does not have yet (no node is a member of it today:
//! a growth topology's new subnets) cannot be named by a membership change:
//! it needs a `CreateSubnet` proposal with the nodes the plan chose, and gets
//! one step of its own. A node that moves is added only after the proposal
//! that frees it: steps are ordered topologically by the moves between
//! subnets (ties in topology order). Moves that form a cycle (A gives to B, B
//! gives to A) cannot be executed as one proposal per subnet without a free
//! node; they are reported, and their proposals come last in topology order.
//!
//! Every node is named with its provider as the registry names it (and the
//! cluster the rules count it in, when there is one), and every removal and
//! addition says why, specifically: health or a cordon, the limit (value,
//! count and limit) the subnet's members break, the per-provider minimum (the
//! provider an addition places), the subnet's size, or the node whose place
//! it takes.

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
    /// Why each node is added (in `node_ids_add` order).
    #[serde(default)]
    pub why_added: Vec<String>,
    /// Why each node is removed (in `node_ids_remove` order).
    #[serde(default)]
    pub why_removed: Vec<String>,
    /// Steps that must be executed before this one (they free nodes it adds).
    pub after: Vec<u32>,
    /// The payload as Candid text (the registry's `ChangeSubnetMembershipPayload`).
    pub payload_candid: String,
    /// The proposal's summary text and its sha256.
    pub summary: String,
    /// The SHA-256 of the summary, hex.
    pub summary_sha256: String,
}

/// A subnet the registry does not have yet: it needs a `CreateSubnet`
/// proposal with these nodes (no membership change can name it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSubnet {
    /// Its place in the order (steps count membership changes and creations together).
    pub step: u32,
    /// The topology's name for it (a placeholder such as `new-application-01`,
    /// not a principal: the registry gives the subnet its id), if any.
    pub subnet_id: Option<String>,
    /// Its index among the plan's subnets.
    pub subnet_index: u32,
    /// The subnet's type.
    pub subnet_type: String,
    /// The nodes the plan chose for it.
    pub node_ids: Vec<String>,
    /// Why each node is chosen (in `node_ids` order).
    pub why: Vec<String>,
    /// Steps that must be executed before this one (they free nodes it takes).
    pub after: Vec<u32>,
    /// The text for the proposal: the nodes, their providers and why.
    pub summary: String,
    /// The SHA-256 of the summary, hex.
    pub summary_sha256: String,
}

impl NewSubnet {
    /// How the subnet is named in texts: its placeholder id, else its type and index.
    pub fn label(&self) -> String {
        match &self.subnet_id {
            Some(id) => format!("new subnet {id}"),
            None => format!("new {} subnet #{}", self.subnet_type, self.subnet_index),
        }
    }
}

/// The proposals of a plan, in an order that can be executed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    /// The membership changes, in the order they can be executed.
    pub proposals: Vec<MembershipProposal>,
    /// The subnets to create, each at its step of the same order.
    #[serde(default)]
    pub new_subnets: Vec<NewSubnet>,
    /// Subnet ids whose moves form cycles (no order executes them).
    pub cycles: Vec<Vec<String>>,
}

impl Sequence {
    /// The number of steps (membership changes and creations).
    pub fn steps(&self) -> usize {
        self.proposals.len() + self.new_subnets.len()
    }
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

/// What the reasons are read from: the subnets' members now and the
/// providers the per-provider minimum must place.
struct Why<'a> {
    pm: &'a PlanModel,
    /// Per subnet, per class: members there now.
    here: Vec<Vec<u32>>,
    /// Per class: the original provider it is the only hope of, when that
    /// provider falls under the per-provider minimum and has no usable node in
    /// any subnet now.
    unplaced: Vec<Option<String>>,
    /// Per node: its class.
    class_of: BTreeMap<&'a str, usize>,
    /// Per subnet: its members now that may not stay (DOWN, DEGRADED, cordoned).
    unusable: Vec<u32>,
}

impl<'a> Why<'a> {
    fn new(pm: &'a PlanModel) -> Why<'a> {
        let ns = pm.model.subnets.len();
        let nc = pm.model.classes.len();
        let mut here = vec![vec![0u32; nc]; ns];
        for (c, subnets) in pm.member_subnets.iter().enumerate() {
            for s in subnets.iter().flatten() {
                here[*s as usize][c] += 1;
            }
        }
        let mut unplaced = vec![None; nc];
        for row in &pm.model.provider_minimums {
            if row.classes.iter().all(|&c| pm.assigned(c as usize) == 0) {
                for &c in &row.classes {
                    unplaced[c as usize] = Some(row.provider.clone());
                }
            }
        }
        let mut class_of = BTreeMap::new();
        for (c, class) in pm.model.classes.iter().enumerate() {
            for m in &class.members {
                class_of.insert(m.as_str(), c);
            }
        }
        let mut unusable = vec![0u32; ns];
        for d in &pm.forced_drops {
            unusable[d.subnet as usize] += 1;
        }
        Why { pm, here, unplaced, class_of, unusable }
    }

    /// The rules subnet `s`'s members break now that node class `k` adds to:
    /// the subnet does not admit it, or one of its values is over its limit.
    fn broken(&self, s: usize, k: usize) -> Vec<String> {
        let model = &self.pm.model;
        let subnet = &model.subnets[s];
        let class = &model.classes[k];
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
            let count: u32 = (0..model.classes.len())
                .filter(|&j| model.classes[j].values[a.index()] == v)
                .map(|j| self.here[s][j])
                .sum();
            let limit = subnet.limit(a, v);
            // Over an "exactly" limit too: leaving mends it; under one, leaving cannot.
            if count > limit.count {
                let bound = if limit.op == LimitOp::Exactly { "exactly" } else { "at most" };
                let value = model.value(a, v);
                let what = if a == Attribute::NodeProvider && value != class.original_provider {
                    format!("its node provider {} counts in cluster {value}, which", class.original_provider)
                } else {
                    format!("its {} {value}", a.name().replace('_', " "))
                };
                broken.push(format!("{what} has {count} nodes in the subnet, {bound} {} allowed", limit.count));
            }
        }
        broken
    }

    /// The "exactly" limits of subnet `s` that its members fall short of now
    /// and that class `k` has the value of.
    fn short(&self, s: usize, k: usize) -> Option<String> {
        let model = &self.pm.model;
        let subnet = &model.subnets[s];
        let class = &model.classes[k];
        for a in Attribute::ALL {
            let v = class.values[a.index()];
            let limit = subnet.limit(a, v);
            if limit.op != LimitOp::Exactly {
                continue;
            }
            let count: u32 = (0..model.classes.len())
                .filter(|&j| model.classes[j].values[a.index()] == v)
                .map(|j| self.here[s][j])
                .sum();
            if count < limit.count {
                return Some(format!(
                    "the subnet must have exactly {} node(s) of {} {} and has {count}",
                    limit.count,
                    a.name().replace('_', " "),
                    model.value(a, v)
                ));
            }
        }
        None
    }

    /// Subnet `s`'s members now, usable or not.
    fn members(&self, s: usize) -> u32 {
        self.here[s].iter().sum::<u32>() + self.unusable[s]
    }

    /// Why node `c` joins subnet `s`, when that alone says it.
    fn addition_reason(&self, s: usize, c: &super::NodeChange, new_subnet: bool) -> Option<String> {
        let k = self.class_of.get(c.node_id.as_str()).copied();
        let mut why = Vec::new();
        if let Some(p) = k.and_then(|k| self.unplaced[k].as_deref()) {
            why.push(format!(
                "per-provider minimum: it places {p}, which has no usable node in any subnet now and must have one"
            ));
        }
        if let Some(short) = k.and_then(|k| self.short(s, k)) {
            why.push(short);
        }
        if c.kind == ChangeKind::Moved {
            why.push(format!("moved from subnet {}", c.from.as_deref().unwrap_or("?")));
        }
        if new_subnet {
            why.push(format!("a member of the new subnet of {} nodes", self.pm.model.subnets[s].size));
        }
        (!why.is_empty()).then(|| why.join("; "))
    }

    /// Why node `c` leaves subnet `s`, when that alone says it.
    fn removal_reason(&self, s: usize, c: &super::NodeChange) -> Option<String> {
        if let Some(r) = &c.reason {
            return Some(match r.as_str() {
                "cordoned" => "cordoned (the blacklist): it may not stay in a subnet".to_string(),
                health => format!("{health} (health): it may not stay in a subnet"),
            });
        }
        let mut why = Vec::new();
        if let (ChangeKind::Moved, Some(to)) = (c.kind, c.to.as_deref()) {
            why.push(format!("moves to subnet {to}"));
        }
        if let Some(&k) = self.class_of.get(c.node_id.as_str()) {
            why.extend(self.broken(s, k));
        }
        let (members, size) = (self.members(s), self.pm.model.subnets[s].size);
        if members > size {
            why.push(format!("the subnet shrinks from {members} to {size} nodes"));
        }
        (!why.is_empty()).then(|| why.join("; "))
    }

    /// The reasons of every removal and addition of subnet `s`: a change
    /// without a reason of its own is paired with one of the other side that
    /// has one (the node whose place it takes or makes room for).
    fn reasons(
        &self,
        s: usize,
        add: &[&super::NodeChange],
        remove: &[&super::NodeChange],
        new_subnet: bool,
    ) -> (Vec<String>, Vec<String>) {
        let mut out_add: Vec<Option<String>> = add.iter().map(|c| self.addition_reason(s, c, new_subnet)).collect();
        let mut out_remove: Vec<Option<String>> = remove.iter().map(|c| self.removal_reason(s, c)).collect();
        let label = |c: &super::NodeChange| format!("{} ({})", c.node_id, c.provider_label());
        // Removals without a reason of their own make room for additions, in order,
        // those with a reason first.
        let mut partners: Vec<usize> = (0..add.len()).collect();
        partners.sort_by_key(|&i| out_add[i].is_none());
        let mut next = partners.iter();
        let removal_words: Vec<Option<String>> = out_remove.clone();
        // Removals that make room for an addition are that addition's partner already.
        let mut paired = vec![false; remove.len()];
        for (j, r) in out_remove.iter_mut().enumerate() {
            if r.is_none() {
                paired[j] = true;
                *r = Some(match next.next() {
                    Some(&i) => match &out_add[i] {
                        Some(why) => format!("makes room for {}: {why}", label(add[i])),
                        None => format!("makes room for {}", label(add[i])),
                    },
                    None => "no rule of the subnet needs its leaving; an optimal plan of the network drops it".into(),
                });
            }
        }
        let (members, size) = (self.members(s), self.pm.model.subnets[s].size);
        let grows = size.saturating_sub(members) as usize;
        // Additions without a reason: the subnet's growth, else the place of a removed node.
        let mut freed = (0..remove.len()).filter(|&j| !paired[j]);
        let mut grown = 0usize;
        for a in out_add.iter_mut() {
            if a.is_none() {
                if grown < grows {
                    grown += 1;
                    *a = Some(format!("the subnet grows from {members} to {size} nodes"));
                } else if let Some(j) = freed.next() {
                    *a = Some(match &removal_words[j] {
                        Some(why) => format!("takes the place of {}, which leaves: {why}", label(remove[j])),
                        None => format!("takes the place of {}", label(remove[j])),
                    });
                } else {
                    *a = Some("an optimal plan of the network assigns it here".into());
                }
            }
        }
        (
            out_add.into_iter().map(Option::unwrap_or_default).collect(),
            out_remove.into_iter().map(Option::unwrap_or_default).collect(),
        )
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
    // A subnet no node is a member of today is not in the registry yet.
    let mut occupied = vec![false; ns];
    for s in pm.member_subnets.iter().flatten().flatten() {
        occupied[*s as usize] = true;
    }
    for d in &pm.forced_drops {
        occupied[d.subnet as usize] = true;
    }
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
    let why = Why::new(pm);
    let mut proposals = Vec::new();
    let mut new_subnets = Vec::new();
    for &s in &order {
        let subnet = &pm.model.subnets[s];
        let after: Vec<u32> = before[s].iter().filter(|&&b| b != s).filter_map(|b| step_of.get(b).copied()).collect();
        let new_subnet = !occupied[s];
        let (add_why, remove_why) = why.reasons(s, &add[s], &remove[s], new_subnet);
        if new_subnet {
            let node_ids: Vec<String> = add[s].iter().map(|c| c.node_id.clone()).collect();
            let mut created = NewSubnet {
                step: step_of[&s],
                subnet_id: subnet.subnet_id.clone(),
                subnet_index: s as u32,
                subnet_type: subnet.subnet_type.clone(),
                node_ids,
                why: add_why.clone(),
                after,
                summary: String::new(),
                summary_sha256: String::new(),
            };
            created.summary = new_subnet_text(&created, &add[s], &add_why);
            created.summary_sha256 = digest::sha256_hex(created.summary.as_bytes());
            new_subnets.push(created);
            continue;
        }
        // A subnet without id but with members cannot be: membership is by id.
        let Some(id) = subnet.subnet_id.clone() else { continue };
        let node_ids_add: Vec<String> = add[s].iter().map(|c| c.node_id.clone()).collect();
        let node_ids_remove: Vec<String> = remove[s].iter().map(|c| c.node_id.clone()).collect();
        let payload = payload_candid(&id, &node_ids_add, &node_ids_remove);
        let summary = summary_text(
            &id,
            &subnet.subnet_type,
            (&add[s], &add_why),
            (&remove[s], &remove_why),
            &after,
            payload.as_str(),
        );
        proposals.push(MembershipProposal {
            step: step_of[&s],
            subnet_id: id,
            subnet_type: subnet.subnet_type.clone(),
            node_ids_add,
            node_ids_remove,
            why_added: add_why,
            why_removed: remove_why,
            after,
            summary_sha256: digest::sha256_hex(summary.as_bytes()),
            payload_candid: payload,
            summary,
        });
    }
    Sequence { proposals, new_subnets, cycles }
}

fn after_line(after: &[u32], what: &str) -> String {
    if after.is_empty() {
        return String::new();
    }
    let steps: Vec<String> = after.iter().map(|a| a.to_string()).collect();
    format!("Execute after step(s) {} of the plan: they free the nodes {what}.\n\n", steps.join(", "))
}

fn summary_text(
    subnet_id: &str,
    subnet_type: &str,
    (add, add_why): (&[&super::NodeChange], &[String]),
    (remove, remove_why): (&[&super::NodeChange], &[String]),
    after: &[u32],
    payload: &str,
) -> String {
    let mut s = format!("# Change the membership of subnet {subnet_id} ({subnet_type})\n\n");
    s.push_str(&format!("Adds {} node(s) and removes {} node(s).\n\n", add.len(), remove.len()));
    if !remove.is_empty() {
        s.push_str("Removed:\n");
        for (c, why) in remove.iter().zip(remove_why) {
            s.push_str(&format!("- {} ({}): {why}\n", c.node_id, c.provider_label()));
        }
        s.push('\n');
    }
    if !add.is_empty() {
        s.push_str("Added:\n");
        for (c, why) in add.iter().zip(add_why) {
            let from = match c.kind {
                ChangeKind::Moved => String::new(),
                _ => "unassigned; ".into(),
            };
            s.push_str(&format!("- {} ({}): {from}{why}\n", c.node_id, c.provider_label()));
        }
        s.push('\n');
    }
    s.push_str(&after_line(after, "moved here"));
    s.push_str("Payload (ChangeSubnetMembershipPayload):\n\n");
    s.push_str(payload);
    s.push('\n');
    s
}

fn new_subnet_text(n: &NewSubnet, add: &[&super::NodeChange], why: &[String]) -> String {
    let mut s = format!("# Create a {} subnet ({})\n\n", n.subnet_type, n.label());
    s.push_str(&format!(
        "The registry has no such subnet yet: a CreateSubnet proposal creates it with these {} node(s) \
         (the registry gives it its id).\n\n",
        add.len()
    ));
    s.push_str("Nodes:\n");
    for (c, why) in add.iter().zip(why) {
        let from = match c.kind {
            ChangeKind::Moved => String::new(),
            _ => "unassigned; ".into(),
        };
        s.push_str(&format!("- {} ({}): {from}{why}\n", c.node_id, c.provider_label()));
    }
    s.push('\n');
    s.push_str(&after_line(&n.after, "it takes"));
    s
}

/// Apply the membership changes in order to the current membership: the
/// membership after each step, or the first step that adds a node still in
/// another subnet or removes one that is not there. Used to check a sequence.
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

/// Apply every step of `seq` in step order (membership changes and subnet
/// creations alike) to the current membership: the membership at the end, or
/// the first step that takes a node still in another subnet. A new subnet
/// without a placeholder id holds its nodes under `new subnet #<index>`.
pub fn replay_all(current: &BTreeMap<String, String>, seq: &Sequence) -> Result<BTreeMap<String, String>, String> {
    let mut m = current.clone();
    let mut steps: Vec<(u32, Option<&MembershipProposal>, Option<&NewSubnet>)> =
        seq.proposals.iter().map(|p| (p.step, Some(p), None)).collect();
    steps.extend(seq.new_subnets.iter().map(|n| (n.step, None, Some(n))));
    steps.sort_by_key(|s| s.0);
    for (_, p, n) in steps {
        if let Some(p) = p {
            m = replay(&m, std::slice::from_ref(p))?;
        }
        if let Some(n) = n {
            let name = n.subnet_id.clone().unwrap_or_else(|| format!("new subnet #{}", n.subnet_index));
            for id in &n.node_ids {
                if let Some(other) = m.get(id) {
                    return Err(format!("step {}: {} takes {id}, which is still in subnet {other}", n.step, n.label()));
                }
                m.insert(id.clone(), name.clone());
            }
        }
    }
    Ok(m)
}

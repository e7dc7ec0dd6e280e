//! The independent checker of a membership plan.
//!
//! Nothing here trusts the solver. A plan's allocation is checked against
//! every constraint of the model ([`crate::check::check_allocation`]) and the
//! plan's own (the synthetic cap, the nodes a proposal under verification
//! pins or bars); its changes are checked to turn the current membership into
//! exactly that allocation, node by node, and its cost is recomputed from
//! them. A lower-bound certificate (integer multipliers on the rows of the
//! swap model's LP relaxation) is turned into a bound by weak duality, in
//! integer arithmetic.
//!
//! The LP relaxation the certificate speaks of has, per class k and subnet s,
//! `x[k][s]` in `[lower, cap]` (nodes of k in s after the plan), `y[k][s]` in
//! `[0, min(now, cap)]` (nodes of k kept in s, where k has members in s now),
//! and per class `n[k]` in `[0, unassigned now]` (newly assigned) and `v[k]`
//! in `[0, assigned now]` (moved). Its cost is
//! `constant - sum y + n + 2 v + 101 x (synthetic classes)`, where the
//! constant is the forced drops plus the usable nodes in subnets now: a kept
//! node costs 0, a dropped one 1, a moved one 3, a newly assigned one 1.
//! Rows (and the sign their multipliers must have):
//! - size s: `sum_k x[k][s] = size(s)` (any);
//! - value (s, a, v): `sum of x[k][s] over classes with value v <= limit`, or
//!   `= limit` for "exactly" limits (<= 0, or any);
//! - keep (k, s): `y[k][s] - x[k][s] <= 0` (<= 0);
//! - link k: `sum_s x[k][s] - sum_s y[k][s] - n[k] - v[k] <= 0` (<= 0), for
//!   real classes: every node after the plan is kept, new or moved;
//! - avail k: `sum_s y[k][s] + v[k] <= assigned now` (<= 0);
//! - class k: `sum_s x[k][s] <= count(k)` (<= 0);
//! - synthetic: `sum of x over synthetic classes <= 100` (<= 0);
//! - provider minimum p: `sum of its classes' x >= 1` (>= 0).

use super::model::{PlanModel, COST_DROPPED, COST_MOVED, COST_NEWLY_ASSIGNED, COST_SYNTHETIC};
use crate::check::{self, Allocation, Bound, CheckFailure};
use crate::inputs::{Attribute, LimitOp};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The four counts of a plan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Synthetic nodes used.
    pub synthetic: u32,
    /// Nodes that leave their subnet for none.
    pub dropped: u32,
    /// Nodes that leave their subnet for another.
    pub moved: u32,
    /// Synthetic nodes are newly assigned too (as the reference counts them).
    pub newly_assigned: u32,
}

impl Counts {
    /// The reference's cost: dropped + 3 x moved + newly assigned + 100 x synthetic.
    pub fn cost(&self) -> u64 {
        self.dropped as u64 * COST_DROPPED
            + self.moved as u64 * COST_MOVED
            + self.newly_assigned as u64 * COST_NEWLY_ASSIGNED
            + self.synthetic as u64 * COST_SYNTHETIC
    }
}

/// What happens to one node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Leaves its subnet for no subnet.
    Dropped,
    /// Leaves its subnet for another one.
    Moved,
    /// Had no subnet (an unassigned, pipeline or synthetic node).
    NewlyAssigned,
}

/// One node that changes: where it is now and where the plan puts it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Change {
    /// The node.
    pub node_id: String,
    /// Kept, dropped, moved or newly assigned.
    pub kind: ChangeKind,
    /// Index into the plan model's subnets; `None` for no subnet.
    pub from: Option<u32>,
    /// Index into the plan model's subnets after the plan; `None` for no subnet.
    pub to: Option<u32>,
}

/// Multipliers on the swap model's rows, all divided by `denominator`.
/// Rows not listed have multiplier zero.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanCertificate {
    /// Every multiplier is divided by it (at least 1).
    pub denominator: u64,
    /// (subnet, multiplier), ascending.
    pub size: Vec<(u32, i64)>,
    /// (subnet, attribute, value index, multiplier), ascending.
    pub values: Vec<(u32, Attribute, u32, i64)>,
    /// (class, subnet, multiplier), ascending.
    pub keep: Vec<(u32, u32, i64)>,
    /// (class, multiplier), ascending.
    pub link: Vec<(u32, i64)>,
    /// On the avail rows: (class, multiplier), ascending.
    pub avail: Vec<(u32, i64)>,
    /// On the class rows: (class, multiplier), ascending.
    pub classes: Vec<(u32, i64)>,
    /// On the synthetic cap's row.
    pub synthetic: i64,
    /// On the provider-minimum rows: (index, multiplier), ascending.
    pub provider_minimums: Vec<(u32, i64)>,
    /// On the spare-limit rows (`spare_node_ratio`, <= rows): (index,
    /// multiplier), ascending; left out when empty, so certificates without
    /// them read as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spare_limits: Vec<(u32, i64)>,
}

impl PlanCertificate {
    /// Every multiplier zero: it proves the constant part of the cost only
    /// through the variables' bounds.
    pub fn zero() -> PlanCertificate {
        PlanCertificate { denominator: 1, ..Default::default() }
    }
}

fn fail<T>(msg: String) -> Result<T, CheckFailure> {
    Err(CheckFailure(msg))
}

fn subnet_name(pm: &PlanModel, s: usize) -> String {
    let sub = &pm.model.subnets[s];
    match &sub.subnet_id {
        Some(id) => format!("subnet {s} ({}, {id})", sub.subnet_type),
        None => format!("subnet {s} ({})", sub.subnet_type),
    }
}

/// Check `allocation` against every constraint of the plan model; return the
/// synthetic nodes it uses.
pub fn check_plan_allocation(pm: &PlanModel, allocation: &Allocation) -> Result<u32, CheckFailure> {
    let synthetic = check::check_allocation(&pm.model, allocation)?;
    if synthetic > pm.max_synthetic {
        return fail(format!("{synthetic} synthetic nodes are assigned, at most {} may be", pm.max_synthetic));
    }
    let mut per_class = vec![BTreeMap::<u32, u32>::new(); pm.model.classes.len()];
    for (s, entries) in allocation.subnets.iter().enumerate() {
        for &(c, n) in entries {
            if n > pm.cap(c as usize, s) {
                return fail(format!(
                    "{}: {n} nodes of class {c}, the proposal under verification allows {}",
                    subnet_name(pm, s),
                    pm.cap(c as usize, s)
                ));
            }
            per_class[c as usize].insert(s as u32, n);
        }
    }
    for (c, pinned) in pm.pinned.iter().enumerate() {
        if let Some(s) = pinned {
            let have = per_class[c].get(s).copied().unwrap_or(0);
            if have != pm.model.classes[c].count() {
                return fail(format!(
                    "{}: the proposal under verification adds {} of its nodes, the allocation has {have}",
                    subnet_name(pm, *s as usize),
                    pm.model.classes[c].count()
                ));
            }
        }
    }
    Ok(synthetic)
}

/// The node-level changes that turn the current membership into
/// `allocation` most cheaply: in each subnet, the class's members there now
/// stay first (lowest node ids first); the other places go to the class's
/// unassigned members, then to members of other subnets (moved); the
/// members left over are dropped. Changes are sorted by node id.
pub fn realize(pm: &PlanModel, allocation: &Allocation) -> Vec<Change> {
    let mut changes = Vec::new();
    for (c, class) in pm.model.classes.iter().enumerate() {
        let subnets = &pm.member_subnets[c];
        let want: BTreeMap<u32, u32> = allocation
            .subnets
            .iter()
            .enumerate()
            .filter_map(|(s, e)| e.binary_search_by_key(&(c as u32), |&(k, _)| k).ok().map(|i| (s as u32, e[i].1)))
            .collect();
        let mut placed = vec![false; class.members.len()];
        let mut room: BTreeMap<u32, u32> = BTreeMap::new();
        for (&s, &n) in &want {
            let mut kept = 0;
            for (i, now) in subnets.iter().enumerate() {
                if kept < n && *now == Some(s) {
                    placed[i] = true;
                    kept += 1;
                }
            }
            if n > kept {
                room.insert(s, n - kept);
            }
        }
        // Fill the rest: unassigned members first, then members of other subnets.
        let mut pool: Vec<usize> = (0..class.members.len()).filter(|&i| subnets[i].is_none()).collect();
        pool.extend((0..class.members.len()).filter(|&i| subnets[i].is_some() && !placed[i]));
        let mut pool = pool.into_iter();
        for (&s, &n) in &room {
            for _ in 0..n {
                let i = pool.next().expect("the allocation respects the class's count");
                placed[i] = true;
                let kind = if subnets[i].is_none() { ChangeKind::NewlyAssigned } else { ChangeKind::Moved };
                changes.push(Change { node_id: class.members[i].clone(), kind, from: subnets[i], to: Some(s) });
            }
        }
        for (i, now) in subnets.iter().enumerate() {
            if !placed[i] && now.is_some() {
                changes.push(Change {
                    node_id: class.members[i].clone(),
                    kind: ChangeKind::Dropped,
                    from: *now,
                    to: None,
                });
            }
        }
    }
    for d in &pm.forced_drops {
        changes.push(Change { node_id: d.node_id.clone(), kind: ChangeKind::Dropped, from: Some(d.subnet), to: None });
    }
    changes.sort();
    changes
}

/// Check that `changes` turn the current membership into `allocation`
/// (every node of the allocation where it says, every current member that
/// leaves named, no node twice); return the counts.
pub fn check_changes(pm: &PlanModel, allocation: &Allocation, changes: &[Change]) -> Result<Counts, CheckFailure> {
    let ns = pm.model.subnets.len() as u32;
    // Where every node of the model is now.
    let mut now: BTreeMap<&str, (usize, Option<u32>)> = BTreeMap::new();
    for (c, class) in pm.model.classes.iter().enumerate() {
        for (id, s) in class.members.iter().zip(&pm.member_subnets[c]) {
            now.insert(id.as_str(), (c, *s));
        }
    }
    let forced: BTreeMap<&str, u32> = pm.forced_drops.iter().map(|d| (d.node_id.as_str(), d.subnet)).collect();
    let mut seen = BTreeSet::new();
    let mut counts = Counts::default();
    // After the changes: per subnet, per class, how many.
    let mut after: Vec<BTreeMap<u32, u32>> = vec![BTreeMap::new(); ns as usize];
    let mut changed: BTreeSet<&str> = BTreeSet::new();
    for ch in changes {
        if !seen.insert(ch.node_id.as_str()) {
            return fail(format!("changes: node {} is changed twice", ch.node_id));
        }
        changed.insert(ch.node_id.as_str());
        if ch.to.is_some_and(|t| t >= ns) || ch.from.is_some_and(|f| f >= ns) {
            return fail(format!("changes: node {} names a subnet that does not exist", ch.node_id));
        }
        if let Some(&s) = forced.get(ch.node_id.as_str()) {
            if ch.kind != ChangeKind::Dropped || ch.from != Some(s) || ch.to.is_some() {
                return fail(format!("changes: node {} may not stay in a subnet; it must be dropped", ch.node_id));
            }
            counts.dropped += 1;
            continue;
        }
        let Some(&(c, current)) = now.get(ch.node_id.as_str()) else {
            return fail(format!("changes: node {} is not a node of the model", ch.node_id));
        };
        if ch.from != current {
            return fail(format!(
                "changes: node {} is in {} now, the change says {}",
                ch.node_id,
                place(pm, current),
                place(pm, ch.from)
            ));
        }
        let expected = match (current, ch.to) {
            (Some(_), None) => Some(ChangeKind::Dropped),
            (Some(a), Some(b)) if a != b => Some(ChangeKind::Moved),
            (None, Some(_)) => Some(ChangeKind::NewlyAssigned),
            _ => None,
        };
        if expected != Some(ch.kind) {
            return fail(format!(
                "changes: node {} from {} to {} is not a {:?} change",
                ch.node_id,
                place(pm, ch.from),
                place(pm, ch.to),
                ch.kind
            ));
        }
        match ch.kind {
            ChangeKind::Dropped => counts.dropped += 1,
            ChangeKind::Moved => counts.moved += 1,
            ChangeKind::NewlyAssigned => {
                counts.newly_assigned += 1;
                if pm.model.classes[c].synthetic {
                    counts.synthetic += 1;
                }
            }
        }
        if let Some(t) = ch.to {
            *after[t as usize].entry(c as u32).or_default() += 1;
        }
    }
    for d in &pm.forced_drops {
        if !changed.contains(d.node_id.as_str()) {
            return fail(format!(
                "changes: node {} ({}) must leave {}, no change drops it",
                d.node_id,
                d.reason,
                subnet_name(pm, d.subnet as usize)
            ));
        }
    }
    // Unchanged members stay where they are.
    for (id, &(c, current)) in &now {
        if let (Some(s), false) = (current, changed.contains(id)) {
            *after[s as usize].entry(c as u32).or_default() += 1;
        }
    }
    for (s, entries) in allocation.subnets.iter().enumerate() {
        let want: BTreeMap<u32, u32> = entries.iter().copied().collect();
        if want != after[s] {
            return fail(format!(
                "changes: applied to the current membership, they do not give the allocation of {}",
                subnet_name(pm, s)
            ));
        }
    }
    Ok(counts)
}

fn place(pm: &PlanModel, s: Option<u32>) -> String {
    match s {
        Some(s) => subnet_name(pm, s as usize),
        None => "no subnet".into(),
    }
}

fn ascending<K: Ord + Copy, T>(items: &[T], key: impl Fn(&T) -> K, what: &str) -> Result<(), CheckFailure> {
    for w in items.windows(2) {
        if key(&w[0]) >= key(&w[1]) {
            return fail(format!("certificate: {what} rows are not listed once each in ascending order"));
        }
    }
    Ok(())
}

/// Recompute the bound a plan certificate proves on the cost of every plan,
/// in exact integer arithmetic.
pub fn check_plan_certificate(pm: &PlanModel, cert: &PlanCertificate) -> Result<Bound, CheckFailure> {
    let model = &pm.model;
    if cert.denominator == 0 {
        return fail("certificate: the denominator is zero".into());
    }
    let d = cert.denominator as i128;
    let nc = model.classes.len();
    let ns = model.subnets.len();
    ascending(&cert.size, |r| r.0, "size")?;
    ascending(&cert.values, |r| (r.0, r.1, r.2), "value")?;
    ascending(&cert.keep, |r| (r.0, r.1), "keep")?;
    ascending(&cert.link, |r| r.0, "link")?;
    ascending(&cert.avail, |r| r.0, "avail")?;
    ascending(&cert.classes, |r| r.0, "class")?;
    ascending(&cert.provider_minimums, |r| r.0, "provider-minimum")?;
    ascending(&cert.spare_limits, |r| r.0, "spare-limit")?;
    let sign = |m: i64, ok: bool, what: String| -> Result<(), CheckFailure> {
        if ok {
            Ok(())
        } else {
            fail(format!("certificate: {what} has multiplier {m}, of the wrong sign"))
        }
    };
    let mut numerator: i128 = pm.constant_cost() as i128 * d;

    let mut size = vec![0i128; ns];
    for &(s, m) in &cert.size {
        if s as usize >= ns {
            return fail(format!("certificate: size row of subnet {s}, which does not exist"));
        }
        size[s as usize] = m as i128;
        numerator += m as i128 * model.subnets[s as usize].size as i128;
    }
    let mut value_mult: Vec<BTreeMap<(Attribute, u32), i128>> = vec![BTreeMap::new(); ns];
    for &(s, a, v, m) in &cert.values {
        if s as usize >= ns || v as usize >= model.values[a.index()].len() {
            return fail(format!("certificate: value row ({s}, {}, {v}) does not exist", a.name()));
        }
        let limit = model.subnets[s as usize].limit(a, v);
        sign(
            m,
            limit.op == LimitOp::Exactly || m <= 0,
            format!("the {} row of {} in subnet {s}", a.name(), model.value(a, v)),
        )?;
        value_mult[s as usize].insert((a, v), m as i128);
        numerator += m as i128 * limit.count as i128;
    }
    let class_row = |rows: &[(u32, i64)], what: &str| -> Result<Vec<i128>, CheckFailure> {
        let mut out = vec![0i128; nc];
        for &(c, m) in rows {
            if c as usize >= nc {
                return fail(format!("certificate: {what} row of class {c}, which does not exist"));
            }
            if m > 0 {
                return fail(format!("certificate: the {what} row of class {c} has multiplier {m}, it must be <= 0"));
            }
            out[c as usize] = m as i128;
        }
        Ok(out)
    };
    let link = class_row(&cert.link, "link")?;
    let avail = class_row(&cert.avail, "avail")?;
    let class = class_row(&cert.classes, "class")?;
    for c in 0..nc {
        numerator += avail[c] * pm.assigned(c) as i128 + class[c] * model.classes[c].count() as i128;
    }
    sign(cert.synthetic, cert.synthetic <= 0, "the synthetic row".into())?;
    numerator += cert.synthetic as i128 * pm.max_synthetic as i128;
    let mut minimum = vec![0i128; nc];
    for &(p, m) in &cert.provider_minimums {
        let Some(row) = model.provider_minimums.get(p as usize) else {
            return fail(format!("certificate: provider-minimum row {p} does not exist"));
        };
        sign(m, m >= 0, format!("the provider-minimum row of {}", row.provider))?;
        numerator += m as i128;
        for &c in &row.classes {
            minimum[c as usize] += m as i128;
        }
    }
    // Spare limits enter x's reduced cost as the minimums do (sums of x over classes and subnets).
    for &(l, m) in &cert.spare_limits {
        let Some(row) = model.spare_limits.get(l as usize) else {
            return fail(format!("certificate: spare-limit row {l} does not exist"));
        };
        sign(
            m,
            m <= 0,
            format!(
                "the spare-limit row of {} in data center {}",
                row.provider,
                model.value(Attribute::DataCenter, row.data_center)
            ),
        )?;
        numerator += m as i128 * row.most as i128;
        for &c in &row.classes {
            let Some(x) = minimum.get_mut(c as usize) else {
                return fail(format!("certificate: spare-limit row {l} names class {c}, which does not exist"));
            };
            *x += m as i128;
        }
    }
    let mut keep: BTreeMap<(u32, u32), i128> = BTreeMap::new();
    for &(c, s, m) in &cert.keep {
        if c as usize >= nc || s as usize >= ns {
            return fail(format!("certificate: keep row ({c}, {s}) does not exist"));
        }
        if m > 0 {
            return fail(format!("certificate: the keep row ({c}, {s}) has multiplier {m}, it must be <= 0"));
        }
        keep.insert((c, s), m as i128);
    }

    // Each variable in [lo, hi] with reduced cost r adds r * lo when r > 0, r * hi when r < 0.
    let add = |numerator: &mut i128, r: i128, lo: u32, hi: u32| {
        *numerator += if r > 0 { r * lo as i128 } else { r * hi as i128 };
    };
    for (c, cl) in model.classes.iter().enumerate() {
        let current: BTreeMap<u32, u32> = pm.current(c).into_iter().collect();
        let base = if cl.synthetic { (COST_SYNTHETIC + COST_NEWLY_ASSIGNED) as i128 * d } else { 0 };
        let base = base - class[c] - minimum[c] - if cl.synthetic { 0 } else { link[c] };
        let syn = if cl.synthetic { cert.synthetic as i128 } else { 0 };
        for s in 0..ns {
            let hi = pm.cap(c, s);
            let lo = pm.lower(c, s);
            let mu = keep.get(&(c as u32, s as u32)).copied().unwrap_or(0);
            let mut r = base - syn - size[s] + mu;
            for a in Attribute::ALL {
                r -= value_mult[s].get(&(a, cl.values[a.index()])).copied().unwrap_or(0);
            }
            if hi > 0 || lo > 0 {
                add(&mut numerator, r, lo, hi);
            }
            if cl.synthetic {
                continue;
            }
            if let Some(&m) = current.get(&(s as u32)) {
                // y[c][s]: cost -1, in link (-1), keep (+1), avail (+1).
                let r = -d + link[c] - mu - avail[c];
                add(&mut numerator, r, 0, m.min(hi));
            }
        }
        if cl.synthetic {
            continue;
        }
        let unassigned = pm.unassigned(c);
        if unassigned > 0 {
            add(&mut numerator, COST_NEWLY_ASSIGNED as i128 * d + link[c], 0, unassigned);
        }
        let assigned = pm.assigned(c);
        if assigned > 0 {
            add(&mut numerator, (COST_MOVED - COST_DROPPED) as i128 * d + link[c] - avail[c], 0, assigned);
        }
    }
    // A keep row whose y does not exist constrains nothing but still counts:
    // its multiplier only enters x's reduced cost, as above.
    Ok(Bound { numerator, denominator: cert.denominator })
}

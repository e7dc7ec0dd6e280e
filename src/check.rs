//! The independent exact checker.
//!
//! Nothing here trusts the solver. An allocation is checked against every
//! constraint of the model in integer arithmetic, and a lower-bound
//! certificate (integer multipliers on the rows of the model's LP relaxation)
//! is turned into a bound by weak duality, also in integer arithmetic. An
//! allocation with value V and a certificate whose bound L satisfies
//! L > V - 1 together prove that V is the optimum: every integer solution has
//! a value of at least L, hence at least V.
//!
//! The LP relaxation the certificate speaks of is the plain class-by-subnet
//! model: a variable `y[c][s]` in `[0, cap(c, s)]` for the nodes of class c in
//! subnet s, and the rows
//! - class c: `sum over s of y[c][s] <= count(c)` (multiplier <= 0)
//! - size s: `sum over c of y[c][s] = size(s)` (any sign)
//! - value (s, a, v): `sum of y[c][s] over classes with value v <= limit`,
//!   or `= limit` for "exactly" limits (<= 0, or any sign)
//! - provider minimum p: `sum of its classes' y >= 1` (>= 0)
//!
//! The objective is "synthetic nodes assigned". Value rows that the
//! certificate does not name have multiplier zero.

use crate::inputs::{Attribute, LimitOp};
use crate::model::Model;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Which nodes every subnet gets: per subnet, (class index, node count) sorted by class.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// Per subnet, in the topology's order: (class index, node count), sorted by class.
    pub subnets: Vec<Vec<(u32, u32)>>,
}

/// Multipliers shared by a group of subnets (subnets the solver treated alike).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubnetMultipliers {
    /// Subnet indices (into the model's topology order), ascending.
    pub subnets: Vec<u32>,
    /// On each subnet's size row.
    pub size: i64,
    /// On each subnet's value rows, sorted by (attribute, value index).
    pub values: Vec<(Attribute, u32, i64)>,
}

/// A lower-bound certificate: integer multipliers, all divided by `denominator`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// Every multiplier is divided by it (at least 1).
    pub denominator: u64,
    /// On class rows, sorted by class index.
    pub classes: Vec<(u32, i64)>,
    /// On provider-minimum rows, sorted by index into the model's list.
    pub provider_minimums: Vec<(u32, i64)>,
    /// On spare-limit rows (at most `most` nodes of a pair's classes, a <=
    /// row, so each multiplier is <= 0), sorted by index into the model's
    /// list; left out when empty, so certificates without them read as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spare_limits: Vec<(u32, i64)>,
    /// On subnet rows, by groups of subnets treated alike.
    pub subnets: Vec<SubnetMultipliers>,
}

impl Certificate {
    /// The trivial certificate (every multiplier zero): it proves a bound of 0.
    pub fn zero(model: &Model) -> Certificate {
        Certificate {
            denominator: 1,
            classes: vec![],
            provider_minimums: vec![],
            spare_limits: vec![],
            // A group names at least one subnet (an empty one is rejected).
            subnets: if model.subnets.is_empty() {
                vec![]
            } else {
                vec![SubnetMultipliers { subnets: (0..model.subnets.len() as u32).collect(), size: 0, values: vec![] }]
            },
        }
    }
}

/// A rational lower bound `numerator / denominator`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bound {
    /// The numerator.
    pub numerator: i128,
    /// The denominator (at least 1).
    pub denominator: u64,
}

impl Bound {
    /// The smallest integer objective value the bound allows.
    pub fn ceil(self) -> i128 {
        let d = self.denominator as i128;
        let q = self.numerator.div_euclid(d);
        if self.numerator.rem_euclid(d) == 0 {
            q
        } else {
            q + 1
        }
    }
}

/// Why a result was rejected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckFailure(pub String);

impl fmt::Display for CheckFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CheckFailure {}

fn fail<T>(msg: String) -> Result<T, CheckFailure> {
    Err(CheckFailure(msg))
}

fn subnet_name(model: &Model, s: usize) -> String {
    let sub = &model.subnets[s];
    match &sub.subnet_id {
        Some(id) => format!("subnet {s} ({}, {id})", sub.subnet_type),
        None => format!("subnet {s} ({})", sub.subnet_type),
    }
}

/// Check `allocation` against every constraint; return its value (synthetic nodes used).
pub fn check_allocation(model: &Model, allocation: &Allocation) -> Result<u32, CheckFailure> {
    if allocation.subnets.len() != model.subnets.len() {
        return fail(format!(
            "the allocation has {} subnets, the topology {}",
            allocation.subnets.len(),
            model.subnets.len()
        ));
    }
    let mut used = vec![0u64; model.classes.len()];
    let mut synthetic = 0u64;
    for (s, entries) in allocation.subnets.iter().enumerate() {
        let subnet = &model.subnets[s];
        let name = || subnet_name(model, s);
        let mut total = 0u64;
        let mut per_value: BTreeMap<(Attribute, u32), u64> = BTreeMap::new();
        let mut previous: Option<u32> = None;
        for &(c, n) in entries {
            if previous.is_some_and(|p| p >= c) {
                return fail(format!("{}: classes are not listed once each in ascending order", name()));
            }
            previous = Some(c);
            let Some(class) = model.classes.get(c as usize) else {
                return fail(format!("{}: class {c} does not exist", name()));
            };
            if n == 0 {
                return fail(format!("{}: class {c} is listed with zero nodes", name()));
            }
            if !subnet.admits(class) {
                return fail(format!(
                    "{}: class {c} (provider {}, country {}) may not be assigned to it (SEV or country restriction)",
                    name(),
                    model.value(Attribute::NodeProvider, class.values[0]),
                    model.value(Attribute::Country, class.values[3]),
                ));
            }
            total += n as u64;
            used[c as usize] += n as u64;
            if class.synthetic {
                synthetic += n as u64;
            }
            for a in Attribute::ALL {
                *per_value.entry((a, class.values[a.index()])).or_default() += n as u64;
            }
        }
        if total != subnet.size as u64 {
            return fail(format!("{}: {total} nodes assigned, its size is {}", name(), subnet.size));
        }
        for (&(a, v), &count) in &per_value {
            let limit = subnet.limit(a, v);
            let ok = match limit.op {
                LimitOp::AtMost => count <= limit.count as u64,
                LimitOp::Exactly => count == limit.count as u64,
            };
            if !ok {
                return fail(format!(
                    "{}: {count} nodes with {} {:?}, the limit is {} {}",
                    name(),
                    a.name(),
                    model.value(a, v),
                    if limit.op == LimitOp::Exactly { "exactly" } else { "at most" },
                    limit.count
                ));
            }
        }
        for &(a, v, limit) in &subnet.special {
            if limit.op == LimitOp::Exactly && limit.count > 0 && !per_value.contains_key(&(a, v)) {
                return fail(format!(
                    "{}: no node with {} {:?}, the limit is exactly {}",
                    name(),
                    a.name(),
                    model.value(a, v),
                    limit.count
                ));
            }
        }
    }
    for (c, class) in model.classes.iter().enumerate() {
        if used[c] > class.count() as u64 {
            return fail(format!("class {c} has {} nodes, {} are assigned", class.count(), used[c]));
        }
    }
    for m in &model.provider_minimums {
        if m.classes.iter().all(|&c| used[c as usize] == 0) {
            return fail(format!("provider {:?} has no node assigned (per-provider minimum)", m.provider));
        }
    }
    for l in &model.spare_limits {
        let assigned: u64 = l.classes.iter().map(|&c| used[c as usize]).sum();
        if assigned > l.most as u64 {
            return fail(format!(
                "provider {:?} in data center {:?}: {assigned} of its available, non-blacklisted nodes are assigned, at most {} may be (spare_node_ratio)",
                l.provider,
                model.value(Attribute::DataCenter, l.data_center),
                l.most
            ));
        }
    }
    Ok(synthetic as u32)
}

/// Recompute the bound a certificate proves, in exact integer arithmetic.
pub fn check_certificate(model: &Model, cert: &Certificate) -> Result<Bound, CheckFailure> {
    check_weighted_certificate(model, cert, None)
}

/// As [`check_certificate`], for the objective `sum of costs[c] * y[c][s]`
/// instead of "synthetic nodes assigned" (`None`: cost 1 per synthetic node).
/// A secondary objective (see `crate::placement`) is checked this way.
pub fn check_weighted_certificate(
    model: &Model,
    cert: &Certificate,
    costs: Option<&[i64]>,
) -> Result<Bound, CheckFailure> {
    if costs.is_some_and(|c| c.len() != model.classes.len()) {
        return fail("certificate: the costs do not have one entry per class".into());
    }
    let cost = |c: usize| -> i128 {
        match costs {
            Some(costs) => costs[c] as i128,
            None => model.classes[c].synthetic as i128,
        }
    };
    if cert.denominator == 0 {
        return fail("certificate: the denominator is zero".into());
    }
    let d = cert.denominator as i128;
    let nc = model.classes.len();
    let ns = model.subnets.len();
    let mut class_mult = vec![0i128; nc];
    let mut numerator: i128 = 0;
    let mut last = None;
    for &(c, m) in &cert.classes {
        if c as usize >= nc || last.is_some_and(|l| l >= c) {
            return fail(format!("certificate: class row {c} does not exist or is out of order"));
        }
        last = Some(c);
        if m > 0 {
            return fail(format!("certificate: class row {c} has multiplier {m}, it must be <= 0 (a <= row)"));
        }
        class_mult[c as usize] = m as i128;
        numerator += m as i128 * model.classes[c as usize].count() as i128;
    }
    let mut min_mult = vec![0i128; nc];
    let mut last = None;
    for &(p, m) in &cert.provider_minimums {
        let Some(pm) = model.provider_minimums.get(p as usize) else {
            return fail(format!("certificate: provider-minimum row {p} does not exist"));
        };
        if last.is_some_and(|l| l >= p) {
            return fail(format!("certificate: provider-minimum row {p} is out of order"));
        }
        last = Some(p);
        if m < 0 {
            return fail(format!(
                "certificate: provider-minimum row {p} has multiplier {m}, it must be >= 0 (a >= row)"
            ));
        }
        numerator += m as i128;
        for &c in &pm.classes {
            min_mult[c as usize] += m as i128;
        }
    }
    // Spare limits are <= rows: their multipliers enter the reduced costs as
    // the minimums' do (both are sums over classes and subnets).
    let mut last = None;
    for &(l, m) in &cert.spare_limits {
        let Some(limit) = model.spare_limits.get(l as usize) else {
            return fail(format!("certificate: spare-limit row {l} does not exist"));
        };
        if last.is_some_and(|x| x >= l) {
            return fail(format!("certificate: spare-limit row {l} is out of order"));
        }
        last = Some(l);
        if m > 0 {
            return fail(format!("certificate: spare-limit row {l} has multiplier {m}, it must be <= 0 (a <= row)"));
        }
        numerator += m as i128 * limit.most as i128;
        for &c in &limit.classes {
            let Some(x) = min_mult.get_mut(c as usize) else {
                return fail(format!("certificate: spare-limit row {l} names class {c}, which does not exist"));
            };
            *x += m as i128;
        }
    }
    // Subnets with identical constraints have identical class caps: compute them once.
    let caps = SubnetCaps::new(model);
    let mut covered = vec![false; ns];
    for group in &cert.subnets {
        if group.subnets.is_empty() {
            return fail("certificate: a group of multipliers names no subnet".into());
        }
        for &s in &group.subnets {
            if s as usize >= ns || covered[s as usize] {
                return fail(format!("certificate: subnet {s} does not exist or is listed twice"));
            }
            covered[s as usize] = true;
        }
        let mut last = None;
        for &(a, v, _) in &group.values {
            if last.is_some_and(|l| l >= (a, v)) {
                return fail("certificate: value rows are not in ascending order".into());
            }
            last = Some((a, v));
            if v as usize >= model.values[a.index()].len() {
                return fail(format!("certificate: {} value {v} does not exist", a.name()));
            }
        }
        // The group's multipliers are the same on each of its subnets, so each
        // class's reduced cost is too: r = cost - class - size - minimums - value rows.
        let mut row_mult: BTreeMap<(Attribute, u32), i128> = BTreeMap::new();
        for &(a, v, m) in &group.values {
            row_mult.insert((a, v), m as i128);
        }
        let reduced: Vec<i128> = model
            .classes
            .iter()
            .enumerate()
            .map(|(c, class)| {
                let mut r = cost(c) * d;
                r -= class_mult[c] + group.size as i128 + min_mult[c];
                for a in Attribute::ALL {
                    r -= row_mult.get(&(a, class.values[a.index()])).copied().unwrap_or(0);
                }
                r
            })
            .collect();
        for &s in &group.subnets {
            let subnet = &model.subnets[s as usize];
            numerator += group.size as i128 * subnet.size as i128;
            for &(a, v, m) in &group.values {
                let limit = subnet.limit(a, v);
                if limit.op == LimitOp::AtMost && m > 0 {
                    return fail(format!(
                        "certificate: {} row {} {:?} has multiplier {m}, it must be <= 0 (a <= row)",
                        subnet_name(model, s as usize),
                        a.name(),
                        model.value(a, v)
                    ));
                }
                numerator += m as i128 * limit.count as i128;
            }
            // Each variable y[c][s] in [0, cap]: its reduced cost r adds min(0, r) * cap.
            let subnet_caps = caps.of(s as usize);
            for (&cap, &r) in subnet_caps.iter().zip(&reduced) {
                if r < 0 {
                    numerator += r * cap as i128;
                }
            }
        }
    }
    // Subnets the certificate does not name have zero multipliers.
    for (s, covered) in covered.iter().enumerate() {
        if *covered {
            continue;
        }
        let subnet_caps = caps.of(s);
        for c in 0..nc {
            let cap = subnet_caps[c] as i128;
            let r = cost(c) * d - class_mult[c] - min_mult[c];
            if cap > 0 && r < 0 {
                numerator += r * cap;
            }
        }
    }
    Ok(Bound { numerator, denominator: cert.denominator })
}

/// Check an infeasibility (Farkas) certificate: the multipliers, checked as
/// a lower-bound certificate of the zero objective, must prove a positive
/// bound. Every allocation costs 0 under that objective, and weak duality
/// says every allocation (of the LP relaxation, hence every integer one) has
/// a value of at least the bound: so no allocation exists. Returns the bound
/// (its numerator is how far the named rows are from holding together).
pub fn check_infeasibility_certificate(model: &Model, cert: &Certificate) -> Result<Bound, CheckFailure> {
    let zeros = vec![0i64; model.classes.len()];
    let bound = check_weighted_certificate(model, cert, Some(&zeros))?;
    if bound.numerator <= 0 {
        return fail(format!(
            "infeasibility certificate: its multipliers prove {}/{}, not a positive bound, so they do not show that the constraints cannot hold together",
            bound.numerator, bound.denominator
        ));
    }
    Ok(bound)
}

/// Per subnet, every class's cap, shared by subnets with identical constraints.
struct SubnetCaps {
    rep: Vec<usize>,
    caps: Vec<Vec<u32>>,
}

impl SubnetCaps {
    fn new(model: &Model) -> SubnetCaps {
        type Key<'a> = (u32, bool, [u32; 4], &'a [(Attribute, u32, crate::inputs::SpecialLimit)], &'a Option<Vec<u32>>);
        let mut by_key: BTreeMap<Key, usize> = BTreeMap::new();
        let mut caps = Vec::new();
        let rep = model
            .subnets
            .iter()
            .map(|sub| {
                let key: Key = (sub.size, sub.sev_only, sub.limits, &sub.special, &sub.allowed_countries);
                *by_key.entry(key).or_insert_with(|| {
                    caps.push(model.classes.iter().map(|class| sub.class_cap(class)).collect());
                    caps.len() - 1
                })
            })
            .collect();
        SubnetCaps { rep, caps }
    }

    fn of(&self, s: usize) -> &[u32] {
        &self.caps[self.rep[s]]
    }
}

#[cfg(test)]
mod tests;

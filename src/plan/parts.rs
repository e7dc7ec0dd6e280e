//! Solving a plan by parts: the subnets that must change, then a proof for all.
//!
//! Most subnets of a real network are settled: their members are usable and
//! already meet every limit, so the cheapest plan usually leaves them alone.
//! The plan is solved first for the other subnets only (the settled ones keep
//! their members, which the others may not take: the model a `--subnet`
//! selection gives). That plan, with the settled subnets as they are, is a
//! plan of the whole network. To prove it optimal for the whole network, the
//! restricted model's multipliers are kept for its rows and for the rows that
//! tie subnets together (per class, synthetic, per provider), and each
//! settled subnet's own rows get the best multipliers for those prices (a
//! small LP per subnet). The certificate is then checked on the whole model
//! like any other; when it does not reach the plan's cost (a settled subnet
//! should give up a node after all), [`solve()`] solves the whole model.
//!
//! [`solve()`] is the planner's entry: it sits here, above both the parts and
//! the whole model's search in [`super::solve`], which knows nothing of parts.

use super::check::{self as plan_check, PlanCertificate};
use super::model::PlanModel;
use super::solve::{self, best_certificate, build_lp, Col, Lp, PlanSolution, RowKind, Search};
use crate::check::Allocation;
use crate::solve::{Budget, Status, Work};
use std::collections::BTreeMap;

/// Per subnet: whether its current members are usable and already form a
/// valid subnet (size, limits, admission), and nothing pins it.
fn settled(pm: &PlanModel, lp: &Lp) -> Vec<bool> {
    let n = pm.model.subnets.len();
    let mut ok = vec![true; n];
    for d in &pm.forced_drops {
        ok[d.subnet as usize] = false;
    }
    for s in pm.barred.iter().chain(&pm.pinned).flatten() {
        ok[*s as usize] = false;
    }
    let current: Vec<BTreeMap<u32, u32>> =
        (0..pm.model.classes.len()).map(|c| pm.current(c).into_iter().collect()).collect();
    for (c, at) in current.iter().enumerate() {
        for (&s, &m) in at {
            if m > pm.cap(c, s as usize) {
                ok[s as usize] = false;
            }
        }
    }
    // Every size and value row of the subnet holds with its current members.
    for row in &lp.rows {
        let members = |c: u32, t: u32| current[c as usize].get(&t).copied().unwrap_or(0) as i64;
        if let Some((s, holds)) = solve::subnet_row_holds(lp, row, members) {
            ok[s] &= holds;
        }
    }
    ok
}

/// The model without the settled subnets and their members. Returns it and,
/// per subnet of `pm`, its index in the restricted model.
fn restrict(pm: &PlanModel, settled: &[bool]) -> Option<(PlanModel, Vec<Option<u32>>)> {
    let mut index = Vec::with_capacity(settled.len());
    let mut next = 0u32;
    for &s in settled {
        index.push((!s).then(|| {
            next += 1;
            next - 1
        }));
    }
    let mut r = pm.clone();
    r.model.subnets = pm.model.subnets.iter().zip(settled).filter(|(_, &s)| !s).map(|(x, _)| x.clone()).collect();
    let mut in_settled = vec![false; pm.model.classes.len()];
    let mut held = vec![0u32; pm.model.classes.len()];
    for (c, class) in r.model.classes.iter_mut().enumerate() {
        let mut members = Vec::new();
        let mut at = Vec::new();
        for (id, s) in class.members.iter().zip(&pm.member_subnets[c]) {
            match s {
                Some(s) if settled[*s as usize] => {
                    in_settled[c] = true;
                    held[c] += 1;
                }
                Some(s) => {
                    members.push(id.clone());
                    at.push(index[*s as usize]);
                }
                None => {
                    members.push(id.clone());
                    at.push(None);
                }
            }
        }
        class.members = members;
        r.member_subnets[c] = at;
    }
    // A provider with a node in a settled subnet keeps meeting its minimum there.
    r.model.provider_minimums.retain(|p| !p.classes.iter().any(|&c| in_settled[c as usize]));
    // Members of settled subnets count against their pair's spare limit; where
    // they already exceed it, a settled subnet must change: no parts.
    super::model::hold_spare(&mut r.model, &held).ok()?;
    for d in &mut r.forced_drops {
        d.subnet = index[d.subnet as usize].expect("a subnet with a forced drop is not settled");
    }
    for s in r.barred.iter_mut().chain(r.pinned.iter_mut()).flatten() {
        *s = index[*s as usize].expect("a barred or pinned subnet is not settled");
    }
    Some((r, index))
}

/// Multipliers of the restricted model's certificate, as values per row of
/// the whole model's LP (rows of settled subnets left at zero).
fn lifted_values(pm: &PlanModel, lp: &Lp, cert: &PlanCertificate, index: &[Option<u32>], r: &PlanModel) -> Vec<f64> {
    let d = cert.denominator as f64;
    let size: BTreeMap<u32, i64> = cert.size.iter().copied().collect();
    let values: BTreeMap<(u32, crate::inputs::Attribute, u32), i64> =
        cert.values.iter().map(|&(s, a, v, m)| ((s, a, v), m)).collect();
    let keep: BTreeMap<(u32, u32), i64> = cert.keep.iter().map(|&(c, s, m)| ((c, s), m)).collect();
    let link: BTreeMap<u32, i64> = cert.link.iter().copied().collect();
    let avail: BTreeMap<u32, i64> = cert.avail.iter().copied().collect();
    let classes: BTreeMap<u32, i64> = cert.classes.iter().copied().collect();
    // Provider minimums by provider name (the restricted model keeps a subset, in order).
    let minimums: BTreeMap<&str, i64> = cert
        .provider_minimums
        .iter()
        .map(|&(p, m)| (r.model.provider_minimums[p as usize].provider.as_str(), m))
        .collect();
    let spare: BTreeMap<u32, i64> = cert.spare_limits.iter().copied().collect();
    let sub = |s: u32| index[s as usize];
    lp.rows
        .iter()
        .map(|row| {
            let m = match row.kind {
                RowKind::Size(s) => sub(s).and_then(|t| size.get(&t).copied()),
                RowKind::Value(s, a, v) => sub(s).and_then(|t| values.get(&(t, a, v)).copied()),
                RowKind::Keep(c, s) => sub(s).and_then(|t| keep.get(&(c, t)).copied()),
                RowKind::Link(c) => link.get(&c).copied(),
                RowKind::Avail(c) => avail.get(&c).copied(),
                RowKind::Class(c) => classes.get(&c).copied(),
                RowKind::Synthetic => Some(cert.synthetic),
                RowKind::ProviderMinimum(p) => {
                    minimums.get(pm.model.provider_minimums[p as usize].provider.as_str()).copied()
                }
                // The restricted model keeps every spare limit, in order.
                RowKind::SpareLimit(l) => spare.get(&l).copied(),
            };
            m.unwrap_or(0) as f64 / d
        })
        .collect()
}

/// Classes all of whose nodes sit in settled subnets have no rows in the
/// restricted model; in the whole model a move of one of them into a subnet
/// of the part must be priced: the class's link multiplier is set to what the
/// part's rows would pay for it in the subnet that pays most, and its
/// availability multiplier so that moving it costs no less than that (a move
/// costs 3, 1 of which its dropping pays).
fn price_absent_classes(pm: &PlanModel, r: &PlanModel, lp: &Lp, settled: &[bool], values: &mut [f64]) {
    let mut paid: BTreeMap<usize, f64> = BTreeMap::new();
    for (row, &u) in lp.rows.iter().zip(values.iter()) {
        let s = match row.kind {
            RowKind::Size(s) | RowKind::Value(s, ..) => s as usize,
            _ => continue,
        };
        if settled[s] || u == 0.0 {
            continue;
        }
        for &(j, a) in &row.terms {
            *paid.entry(j).or_default() += a * u;
        }
    }
    let mut price = vec![0.0f64; pm.model.classes.len()];
    for (&j, &p) in &paid {
        if let Col::X(c, _) = lp.cols[j] {
            let c = c as usize;
            if r.model.classes[c].members.is_empty() && !pm.model.classes[c].synthetic {
                price[c] = price[c].max(p - lp.cost[j] as f64);
            }
        }
    }
    for (row, u) in lp.rows.iter().zip(values.iter_mut()) {
        match row.kind {
            RowKind::Link(c) if price[c as usize] > 0.0 => *u = -price[c as usize],
            RowKind::Avail(c) if price[c as usize] > 0.0 => {
                *u = -(price[c as usize] - (super::model::COST_MOVED - super::model::COST_DROPPED) as f64).max(0.0)
            }
            _ => {}
        }
    }
}

/// For each settled subnet, the best multipliers on its own rows given the
/// multipliers already in `values` on every other row: the dual of the
/// subnet's LP with its columns priced by those multipliers.
fn settle_locals(lp: &Lp, settled: &[bool], values: &mut [f64]) -> bool {
    let local_subnet = |kind: RowKind| match kind {
        RowKind::Size(s) | RowKind::Value(s, ..) | RowKind::Keep(_, s) => Some(s as usize),
        _ => None,
    };
    // Each column's cost less what the shared rows pay for it.
    let mut priced: Vec<f64> = lp.cost.iter().map(|&c| c as f64).collect();
    for (row, &u) in lp.rows.iter().zip(values.iter()) {
        if u != 0.0 && local_subnet(row.kind).is_none() {
            for &(j, a) in &row.terms {
                priced[j] -= a * u;
            }
        }
    }
    let mut rows_of: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, row) in lp.rows.iter().enumerate() {
        if let Some(s) = local_subnet(row.kind).filter(|&s| settled[s]) {
            rows_of.entry(s).or_default().push(i);
        }
    }
    for rows in rows_of.values() {
        let Some((local, _, _)) = solve::solve_dual(lp, rows, false, &priced) else { return false };
        for (&i, u) in rows.iter().zip(local) {
            values[i] = u;
        }
    }
    true
}

/// Solve the membership model exactly under `budget`: by parts when the
/// parts prove their plan optimal, else the whole model with what the parts
/// left of the budget.
pub fn solve(pm: &PlanModel, budget: Budget) -> PlanSolution {
    // No allocation of the model at all: proven by one small LP, before any
    // branch and bound (which would have to exhaust the search to say so).
    let mut first = Work::default();
    if let Some((certificate, _)) = super::local::model_infeasibility(pm, &mut first) {
        let lower = plan_check::check_plan_certificate(pm, &certificate).map_or(0, |b| b.ceil().max(0) as u64);
        return PlanSolution {
            status: Status::Infeasible,
            lower_bound: lower,
            upper_bound: None,
            allocation: None,
            certificate,
            certificate_is_tight: true,
            work: first,
        };
    }
    let spent = match solve_by_parts(pm, budget) {
        Ok(solution) => return solution,
        Err(spent) => spent,
    };
    // The whole model, with what the parts left of the budget.
    let left = Budget { branch_nodes: budget.branch_nodes.saturating_sub(spent.branch_nodes) };
    let mut solution = solve::solve_from(pm, left, None, None, Search::Full);
    solution.work.lp_solves += spent.lp_solves + first.lp_solves;
    solution.work.branch_nodes += spent.branch_nodes + first.branch_nodes;
    solution.work.lp_iterations += spent.lp_iterations + first.lp_iterations;
    solution
}

/// Why `pm` has no plan, in the words `evaluate` uses for an infeasible
/// ObjectiveValue model: when the model itself has no allocation, the rows of
/// its checked infeasibility certificate; empty otherwise (say, a proposal
/// pinned in makes the difference, or the model is feasible).
pub fn infeasibility_reasons(pm: &PlanModel) -> Vec<String> {
    let mut work = Work::default();
    super::local::model_infeasibility(pm, &mut work)
        .and_then(|(_, farkas)| crate::explain::infeasibility(&pm.model, &farkas))
        .unwrap_or_default()
}

/// Solve `pm` by parts, if it has settled subnets and others. `Err` with the
/// work spent when it has not, or when the parts do not prove their plan
/// optimal for the whole network: the caller then solves the whole model
/// with what is left of the budget.
pub fn solve_by_parts(pm: &PlanModel, budget: Budget) -> Result<PlanSolution, Work> {
    let lp = build_lp(pm);
    let settled = settled(pm, &lp);
    if !settled.contains(&true) || !settled.contains(&false) {
        return Err(Work::default());
    }
    let Some((r, index)) = restrict(pm, &settled) else { return Err(Work::default()) };
    let part = solve::solve_from(&r, budget, None, None, Search::Full);
    let spent = part.work;
    match prove(pm, &lp, &settled, &r, &index, part) {
        Some(solution) => Ok(solution),
        None => Err(spent),
    }
}

/// The part's plan as a plan of the whole network, with its certificate, if
/// that certificate proves it optimal.
fn prove(
    pm: &PlanModel,
    lp: &Lp,
    settled: &[bool],
    r: &PlanModel,
    index: &[Option<u32>],
    part: PlanSolution,
) -> Option<PlanSolution> {
    if part.status != Status::Optimal {
        return None;
    }
    let r_allocation = part.allocation.as_ref()?;
    // The whole network's plan: the part's subnets as planned, the settled ones as they are.
    let mut allocation = Allocation { subnets: vec![Vec::new(); pm.model.subnets.len()] };
    for (s, i) in index.iter().enumerate() {
        if let Some(i) = i {
            allocation.subnets[s] = r_allocation.subnets[*i as usize].clone();
        }
    }
    for c in 0..pm.model.classes.len() {
        for (s, m) in pm.current(c) {
            if settled[s as usize] {
                allocation.subnets[s as usize].push((c as u32, m));
            }
        }
    }
    for entries in &mut allocation.subnets {
        entries.sort_unstable();
    }
    let cost = solve::plan_cost(pm, &allocation)?;
    let mut values = lifted_values(pm, lp, &part.certificate, index, r);
    price_absent_classes(pm, r, lp, settled, &mut values);
    if !settle_locals(lp, settled, &mut values) {
        return None;
    }
    let (certificate, bound, _) = best_certificate(pm, lp, &values, cost as i128);
    if bound.ceil() < cost as i128 {
        return None;
    }
    Some(PlanSolution {
        status: Status::Optimal,
        lower_bound: cost,
        upper_bound: Some(cost),
        allocation: Some(allocation),
        certificate,
        certificate_is_tight: true,
        work: part.work,
    })
}

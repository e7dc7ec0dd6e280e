//! The exact membership planner.
//!
//! The swap model (see [`super::check`] for its rows) is solved as one
//! integer program by microlp's branch and bound, under the deterministic
//! work budget; its allocation is re-checked and its changes derived and
//! re-checked by the independent checker. The dual of the model's LP
//! relaxation, solved as an LP of its own and scaled to integers, is the
//! lower-bound certificate; where it meets the plan's cost, the certificate
//! alone proves the plan optimal.

use super::check::{self as plan_check, PlanCertificate};
use super::model::{PlanModel, COST_DROPPED, COST_MOVED, COST_NEWLY_ASSIGNED, COST_SYNTHETIC};
use crate::check::{Allocation, Bound};
use crate::inputs::{Attribute, LimitOp};
pub(super) use crate::lp::IntResult;
use crate::lp::{self, LpRow, Program};
use crate::solve::{Budget, Status, Work};
use microlp::ComparisonOp;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Col {
    X(u32, u32),
    Y(u32, u32),
    New(u32),
    Moved(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum RowKind {
    Size(u32),
    Value(u32, Attribute, u32),
    Keep(u32, u32),
    Link(u32),
    Avail(u32),
    Class(u32),
    Synthetic,
    ProviderMinimum(u32),
    SpareLimit(u32),
}

pub(super) struct Row {
    pub(super) kind: RowKind,
    pub(super) terms: Vec<(usize, f64)>,
    pub(super) op: ComparisonOp,
    pub(super) rhs: i64,
}

/// The swap model's LP: columns with bounds and costs, and rows.
pub(super) struct Lp {
    pub(super) cols: Vec<Col>,
    pub(super) lo: Vec<i64>,
    pub(super) hi: Vec<i64>,
    pub(super) cost: Vec<i64>,
    pub(super) rows: Vec<Row>,
}

pub(super) fn build_lp(pm: &PlanModel) -> Lp {
    build_lp_weighted(pm, &vec![1; pm.model.subnets.len()])
}

/// The swap model's LP with each subnet counted `weights[s]` times: a subnet
/// of weight k stands for k identical empty subnets (its bounds, size and
/// limits are k times one subnet's), and a subnet of weight 0 is left out
/// (it is one of those k). With all weights 1 this is the model's LP.
fn build_lp_weighted(pm: &PlanModel, weights: &[u32]) -> Lp {
    let model = &pm.model;
    let mut lp = Lp { cols: vec![], lo: vec![], hi: vec![], cost: vec![], rows: vec![] };
    let col = |lp: &mut Lp, c: Col, lo: i64, hi: i64, cost: i64| -> usize {
        lp.cols.push(c);
        lp.lo.push(lo);
        lp.hi.push(hi);
        lp.cost.push(cost);
        lp.cols.len() - 1
    };
    let nc = model.classes.len();
    let mut x_of_class: Vec<Vec<usize>> = vec![Vec::new(); nc];
    let mut y_of_class: Vec<Vec<usize>> = vec![Vec::new(); nc];
    let current: Vec<BTreeMap<u32, u32>> = (0..nc).map(|c| pm.current(c).into_iter().collect()).collect();
    for (s, subnet) in model.subnets.iter().enumerate() {
        let k = weights[s] as i64;
        if k == 0 {
            continue;
        }
        let mut by_value: BTreeMap<(Attribute, u32), Vec<usize>> = BTreeMap::new();
        let mut all = Vec::new();
        for (c, class) in model.classes.iter().enumerate() {
            let hi = pm.cap(c, s) as i64 * k;
            let lo = pm.lower(c, s) as i64 * k;
            if hi == 0 && lo == 0 {
                continue;
            }
            let cost = if class.synthetic { (COST_SYNTHETIC + COST_NEWLY_ASSIGNED) as i64 } else { 0 };
            let j = col(&mut lp, Col::X(c as u32, s as u32), lo, hi, cost);
            all.push((j, 1.0));
            x_of_class[c].push(j);
            for a in Attribute::ALL {
                by_value.entry((a, class.values[a.index()])).or_default().push(j);
            }
            if let Some(&m) = current[c].get(&(s as u32)) {
                let y = col(&mut lp, Col::Y(c as u32, s as u32), 0, (m as i64).min(hi), -1);
                y_of_class[c].push(y);
                lp.rows.push(Row {
                    kind: RowKind::Keep(c as u32, s as u32),
                    terms: vec![(y, 1.0), (j, -1.0)],
                    op: ComparisonOp::Le,
                    rhs: 0,
                });
            }
        }
        lp.rows.push(Row {
            kind: RowKind::Size(s as u32),
            terms: all,
            op: ComparisonOp::Eq,
            rhs: subnet.size as i64 * k,
        });
        for &(a, v, limit) in &subnet.special {
            if limit.op == LimitOp::Exactly {
                by_value.entry((a, v)).or_default();
            }
        }
        for ((a, v), terms) in by_value {
            let limit = subnet.limit(a, v);
            let op = match limit.op {
                LimitOp::Exactly => ComparisonOp::Eq,
                LimitOp::AtMost => {
                    if terms.iter().map(|&j| lp.hi[j]).sum::<i64>() <= limit.count as i64 * k {
                        continue;
                    }
                    ComparisonOp::Le
                }
            };
            lp.rows.push(Row {
                kind: RowKind::Value(s as u32, a, v),
                terms: terms.into_iter().map(|j| (j, 1.0)).collect(),
                op,
                rhs: limit.count as i64 * k,
            });
        }
    }
    let mut synthetic_terms = Vec::new();
    for (c, class) in model.classes.iter().enumerate() {
        if class.synthetic {
            synthetic_terms.extend(x_of_class[c].iter().map(|&j| (j, 1.0)));
            if x_of_class[c].iter().map(|&j| lp.hi[j]).sum::<i64>() > class.count() as i64 {
                lp.rows.push(Row {
                    kind: RowKind::Class(c as u32),
                    terms: x_of_class[c].iter().map(|&j| (j, 1.0)).collect(),
                    op: ComparisonOp::Le,
                    rhs: class.count() as i64,
                });
            }
            continue;
        }
        let unassigned = pm.unassigned(c) as i64;
        let assigned = pm.assigned(c) as i64;
        let mut link: Vec<(usize, f64)> = x_of_class[c].iter().map(|&j| (j, 1.0)).collect();
        if link.is_empty() {
            continue;
        }
        link.extend(y_of_class[c].iter().map(|&j| (j, -1.0)));
        if unassigned > 0 {
            let n = col(&mut lp, Col::New(c as u32), 0, unassigned, COST_NEWLY_ASSIGNED as i64);
            link.push((n, -1.0));
        }
        if assigned > 0 {
            let v = col(&mut lp, Col::Moved(c as u32), 0, assigned, (COST_MOVED - COST_DROPPED) as i64);
            link.push((v, -1.0));
            let mut avail: Vec<(usize, f64)> = y_of_class[c].iter().map(|&j| (j, 1.0)).collect();
            avail.push((v, 1.0));
            lp.rows.push(Row { kind: RowKind::Avail(c as u32), terms: avail, op: ComparisonOp::Le, rhs: assigned });
        }
        lp.rows.push(Row { kind: RowKind::Link(c as u32), terms: link, op: ComparisonOp::Le, rhs: 0 });
    }
    if synthetic_terms.iter().map(|&(j, _)| lp.hi[j]).sum::<i64>() > pm.max_synthetic as i64 {
        lp.rows.push(Row {
            kind: RowKind::Synthetic,
            terms: synthetic_terms,
            op: ComparisonOp::Le,
            rhs: pm.max_synthetic as i64,
        });
    }
    for (p, pm_row) in model.provider_minimums.iter().enumerate() {
        let terms: Vec<(usize, f64)> =
            pm_row.classes.iter().flat_map(|&c| x_of_class[c as usize].iter().map(|&j| (j, 1.0))).collect();
        lp.rows.push(Row { kind: RowKind::ProviderMinimum(p as u32), terms, op: ComparisonOp::Ge, rhs: 1 });
    }
    for (l, limit) in model.spare_limits.iter().enumerate() {
        let terms: Vec<(usize, f64)> =
            limit.classes.iter().flat_map(|&c| x_of_class[c as usize].iter().map(|&j| (j, 1.0))).collect();
        // A row the columns' own bounds imply is left out.
        if terms.iter().map(|&(j, _)| lp.hi[j]).sum::<i64>() > limit.most as i64 {
            lp.rows.push(Row {
                kind: RowKind::SpareLimit(l as u32),
                terms,
                op: ComparisonOp::Le,
                rhs: limit.most as i64,
            });
        }
    }
    lp
}

/// The size of the swap model's LP: (columns, rows). Its solve costs roughly
/// in proportion to their product, which a canister checks before it solves.
pub fn lp_size(pm: &PlanModel) -> (usize, usize) {
    let lp = build_lp(pm);
    (lp.cols.len(), lp.rows.len())
}

/// The answer of a plan solve.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlanSolution {
    /// Optimal, infeasible, or out of budget.
    pub status: Status,
    /// Proven: every plan costs at least this.
    pub lower_bound: u64,
    /// The cost of the best plan found, if any.
    pub upper_bound: Option<u64>,
    /// The best plan found, as class counts per subnet (checked).
    pub allocation: Option<Allocation>,
    /// The lower-bound certificate.
    pub certificate: PlanCertificate,
    /// Whether the certificate alone proves the optimum (otherwise it rests on branch and bound).
    pub certificate_is_tight: bool,
    /// What the solve cost.
    pub work: Work,
}

/// Solve the integer program with some columns fixed (`fixed[j] = Some(v)`):
/// they leave the program and their values move to the right-hand sides.
pub(super) fn solve_program(lp: &Lp, fixed: &[Option<i64>], budget: u64, work: &mut Work) -> IntResult {
    if budget == 0 {
        return IntResult::OutOfBudget;
    }
    let mut p = Program::minimize();
    let vars: Vec<Option<usize>> = (0..lp.cols.len())
        .map(|j| match fixed[j] {
            Some(_) => None,
            None => Some(p.integer(lp.cost[j] as f64, lp.lo[j] as i32, lp.hi[j] as i32)),
        })
        .collect();
    for r in &lp.rows {
        let mut rhs = r.rhs as f64;
        let mut expr: Vec<(usize, f64)> = Vec::with_capacity(r.terms.len());
        for &(j, a) in &r.terms {
            match (vars[j], fixed[j]) {
                (Some(v), _) => expr.push((v, a)),
                (None, Some(x)) => rhs -= a * x as f64,
                (None, None) => unreachable!("a column is fixed or free"),
            }
        }
        if expr.is_empty() {
            let ok = match r.op {
                ComparisonOp::Le => 0.0 <= rhs,
                ComparisonOp::Ge => 0.0 >= rhs,
                _ => rhs == 0.0,
            };
            if !ok {
                return IntResult::Infeasible;
            }
            continue;
        }
        p.row(expr, r.op, rhs);
    }
    // The program's columns are the free ones; the fixed keep their values.
    match p.solve_integer(budget, work) {
        IntResult::Solved(free) => IntResult::Solved(
            vars.iter()
                .zip(fixed)
                .map(|(v, f)| match (v, f) {
                    (Some(v), _) => free[*v],
                    (None, f) => f.expect("fixed"),
                })
                .collect(),
        ),
        other => other,
    }
}

impl LpRow for Row {
    fn terms(&self) -> impl Iterator<Item = (usize, f64)> {
        self.terms.iter().copied()
    }
    fn op(&self) -> ComparisonOp {
        self.op
    }
    fn rhs(&self) -> f64 {
        self.rhs as f64
    }
}

/// Dual multipliers are kept within this box, so that the dual LP is bounded
/// even when the model is infeasible.
const DUAL_BOX: f64 = 256.0;

/// Solve the dual of the LP relaxation; return the best integer certificate
/// made from it and its bound.
/// The rounded multipliers per LP row, over their denominator.
pub(super) struct Multipliers {
    pub(super) denominator: i64,
    pub(super) rows: Vec<i64>,
}

impl Multipliers {
    /// Each column's reduced cost, times the denominator: exact.
    fn reduced_costs(&self, lp: &Lp) -> Vec<i128> {
        let d = self.denominator as i128;
        let mut rc: Vec<i128> = lp.cost.iter().map(|&c| c as i128 * d).collect();
        for (row, &m) in lp.rows.iter().zip(&self.rows) {
            if m != 0 {
                for &(j, a) in &row.terms {
                    rc[j] -= a as i128 * m as i128;
                }
            }
        }
        rc
    }
}

/// Identical empty subnets: per subnet, the subnet that stands for it (the
/// first of its kind) and each subnet's weight (how many it stands for; 0 for
/// the others). Two subnets are alike when they differ in nothing but their
/// id and type: the same size, limits, special limits, SEV rule and
/// countries, no member now, and no class barred from or pinned to them.
fn identical_empty_subnets(pm: &PlanModel) -> (Vec<u32>, Vec<u32>) {
    let n = pm.model.subnets.len();
    let mut mergeable = vec![true; n];
    for s in pm.member_subnets.iter().flatten().flatten() {
        mergeable[*s as usize] = false;
    }
    for s in pm.barred.iter().chain(&pm.pinned).flatten() {
        mergeable[*s as usize] = false;
    }
    let alike = |a: &crate::model::Subnet, b: &crate::model::Subnet| {
        a.size == b.size
            && a.sev_only == b.sev_only
            && a.limits == b.limits
            && a.special == b.special
            && a.allowed_countries == b.allowed_countries
    };
    let mut rep: Vec<u32> = (0..n as u32).collect();
    let mut weights = vec![1u32; n];
    for s in 0..n {
        if !mergeable[s] {
            continue;
        }
        if let Some(r) =
            (0..s).find(|&r| mergeable[r] && rep[r] == r as u32 && alike(&pm.model.subnets[r], &pm.model.subnets[s]))
        {
            rep[s] = r as u32;
            weights[s] = 0;
            weights[r] += 1;
        }
    }
    (rep, weights)
}

/// A row of the model's LP as the row of the merged LP that stands for it.
fn merged_kind(kind: RowKind, rep: &[u32]) -> RowKind {
    match kind {
        RowKind::Size(s) => RowKind::Size(rep[s as usize]),
        RowKind::Value(s, a, v) => RowKind::Value(rep[s as usize], a, v),
        RowKind::Keep(c, s) => RowKind::Keep(c, rep[s as usize]),
        other => other,
    }
}

/// The LP's dual, solved on the LP with identical empty subnets merged
/// (their columns summed, their rows added): the two LPs have the same
/// optimum (the merged one's solutions, split evenly, are the model's), and
/// the merged LP's multipliers, given to each of the subnets a row stands
/// for, are multipliers of the model's LP with the same bound. Fewer rows
/// and columns make it the cheaper LP to solve; the certificate is then
/// checked on the model itself like any other.
fn lower_bound(pm: &PlanModel, lp: &Lp, work: &mut Work) -> (PlanCertificate, Bound, Option<Multipliers>) {
    let (rep, weights) = identical_empty_subnets(pm);
    if weights.iter().all(|&w| w == 1) {
        return lower_bound_of(pm, lp, lp, &rep, work);
    }
    let merged = build_lp_weighted(pm, &weights);
    lower_bound_of(pm, lp, &merged, &rep, work)
}

/// Solve the dual of `lp` on the rows `rows` (indices into `lp.rows`; the
/// other rows' multipliers are zero) over every column (`all_columns`) or
/// only the columns those rows touch, column j costing `cost[j]`: for each
/// column with bounds [lo, hi], sum a u + w_lo - w_hi <= cost (= with w_lo
/// when lo > 0), maximising sum rhs u + lo w_lo - hi w_hi, with w >= 0 and the
/// multipliers in [`DUAL_BOX`]. Returns the multipliers of `rows`, the
/// dual's value and its LP iterations.
pub(super) fn solve_dual(lp: &Lp, rows: &[usize], all_columns: bool, cost: &[f64]) -> Option<(Vec<f64>, f64, u64)> {
    let (values, solution) = lp::solve_dual(&lp.rows, rows, all_columns, (&lp.lo, &lp.hi), cost, DUAL_BOX)?;
    Some((values, solution.objective, solution.iterations))
}

/// Solve the dual of `dual_lp` (the model's LP `lp`, or it with subnets
/// merged as `rep` says) and return the best integer certificate for `lp`
/// made from it, and its bound.
fn lower_bound_of(
    pm: &PlanModel,
    lp: &Lp,
    dual_lp: &Lp,
    rep: &[u32],
    work: &mut Work,
) -> (PlanCertificate, Bound, Option<Multipliers>) {
    let zero = PlanCertificate::zero();
    let zero_bound = plan_check::check_plan_certificate(pm, &zero).expect("the zero certificate is valid");
    let rows: Vec<usize> = (0..dual_lp.rows.len()).collect();
    let cost: Vec<f64> = dual_lp.cost.iter().map(|&c| c as f64).collect();
    work.lp_solves += 1;
    let Some((duals, objective, iterations)) = solve_dual(dual_lp, &rows, true, &cost) else {
        return (zero, zero_bound, None);
    };
    work.lp_iterations += iterations;
    let merged: BTreeMap<RowKind, f64> = dual_lp.rows.iter().zip(&duals).map(|(r, &u)| (r.kind, u)).collect();
    let values: Vec<f64> =
        lp.rows.iter().map(|r| merged.get(&merged_kind(r.kind, rep)).copied().unwrap_or(0.0)).collect();
    let target = (objective + pm.constant_cost() as f64 - 1e-6).ceil() as i128;
    best_certificate(pm, lp, &values, target)
}

/// The best integer certificate made from the multipliers `values` (one per
/// row of `lp`), trying each denominator until the bound reaches `target`.
pub(super) fn best_certificate(
    pm: &PlanModel,
    lp: &Lp,
    values: &[f64],
    target: i128,
) -> (PlanCertificate, Bound, Option<Multipliers>) {
    let zero = PlanCertificate::zero();
    let zero_bound = plan_check::check_plan_certificate(pm, &zero).expect("the zero certificate is valid");
    let mut best = (zero, zero_bound, None);
    for d in crate::solve::DENOMINATORS {
        let rows = rounded(lp, values, d);
        let cert = certificate(lp, &rows, d);
        if let Ok(bound) = plan_check::check_plan_certificate(pm, &cert) {
            if bound.ceil() > best.1.ceil() || best.2.is_none() {
                best = (cert, bound, Some(Multipliers { denominator: d as i64, rows }));
            }
            if best.1.ceil() >= target {
                break;
            }
        }
    }
    best
}

/// The LP's duals scaled by `d`, rounded and clamped to the signs their rows allow.
fn rounded(lp: &Lp, duals: &[f64], d: u64) -> Vec<i64> {
    lp.rows
        .iter()
        .zip(duals)
        .map(|(row, &y)| {
            let m = (y * d as f64).round() as i64;
            match row.op {
                ComparisonOp::Le => m.min(0),
                ComparisonOp::Ge => m.max(0),
                _ => m,
            }
        })
        .collect()
}

pub(super) fn certificate(lp: &Lp, rows: &[i64], d: u64) -> PlanCertificate {
    let mut cert = PlanCertificate { denominator: d, ..Default::default() };
    for (row, &m) in lp.rows.iter().zip(rows) {
        if m == 0 {
            continue;
        }
        match row.kind {
            RowKind::Size(s) => cert.size.push((s, m)),
            RowKind::Value(s, a, v) => cert.values.push((s, a, v, m)),
            RowKind::Keep(c, s) => cert.keep.push((c, s, m)),
            RowKind::Link(c) => cert.link.push((c, m)),
            RowKind::Avail(c) => cert.avail.push((c, m)),
            RowKind::Class(c) => cert.classes.push((c, m)),
            RowKind::Synthetic => cert.synthetic = m,
            RowKind::ProviderMinimum(p) => cert.provider_minimums.push((p, m)),
            RowKind::SpareLimit(l) => cert.spare_limits.push((l, m)),
        }
    }
    cert.size.sort_unstable();
    cert.values.sort_unstable();
    cert.keep.sort_unstable();
    cert.link.sort_unstable();
    cert.avail.sort_unstable();
    cert.classes.sort_unstable();
    cert.provider_minimums.sort_unstable();
    cert.spare_limits.sort_unstable();
    cert
}

/// The allocation of a program's solution: each class's count per subnet.
pub(super) fn allocation_of(pm: &PlanModel, lp: &Lp, values: &[i64]) -> Allocation {
    let mut allocation = Allocation { subnets: vec![Vec::new(); pm.model.subnets.len()] };
    for (j, col) in lp.cols.iter().enumerate() {
        if let Col::X(c, s) = *col {
            if values[j] > 0 {
                allocation.subnets[s as usize].push((c, values[j] as u32));
            }
        }
    }
    for entries in &mut allocation.subnets {
        entries.sort_unstable();
    }
    allocation
}

/// For a subnet's size or value row: its subnet, and whether it holds when
/// class c has `members(c, s)` nodes in subnet s. `None` for other rows.
pub(super) fn subnet_row_holds(lp: &Lp, row: &Row, members: impl Fn(u32, u32) -> i64) -> Option<(usize, bool)> {
    let s = match row.kind {
        RowKind::Size(s) | RowKind::Value(s, ..) => s as usize,
        _ => return None,
    };
    let now: i64 = row
        .terms
        .iter()
        .map(|&(j, _)| match lp.cols[j] {
            Col::X(c, t) => members(c, t),
            _ => 0,
        })
        .sum();
    let holds = match row.op {
        ComparisonOp::Le => now <= row.rhs,
        ComparisonOp::Ge => now >= row.rhs,
        _ => now == row.rhs,
    };
    Some((s, holds))
}

/// The cost of the cheapest changes that give `allocation`, if it is a valid plan.
pub fn plan_cost(pm: &PlanModel, allocation: &Allocation) -> Option<u64> {
    plan_check::check_plan_allocation(pm, allocation).ok()?;
    let changes = plan_check::realize(pm, allocation);
    plan_check::check_changes(pm, allocation, &changes).ok().map(|c| c.cost())
}

/// The multipliers of `hint` on the LP's rows (rows it does not name are zero).
pub(super) fn hinted(pm: &PlanModel, lp: &Lp, hint: &PlanCertificate) -> Option<(PlanCertificate, Bound, Multipliers)> {
    let size: BTreeMap<u32, i64> = hint.size.iter().copied().collect();
    let values: BTreeMap<(u32, Attribute, u32), i64> = hint.values.iter().map(|&(s, a, v, m)| ((s, a, v), m)).collect();
    let keep: BTreeMap<(u32, u32), i64> = hint.keep.iter().map(|&(c, s, m)| ((c, s), m)).collect();
    let link: BTreeMap<u32, i64> = hint.link.iter().copied().collect();
    let avail: BTreeMap<u32, i64> = hint.avail.iter().copied().collect();
    let classes: BTreeMap<u32, i64> = hint.classes.iter().copied().collect();
    let minimums: BTreeMap<u32, i64> = hint.provider_minimums.iter().copied().collect();
    let spare: BTreeMap<u32, i64> = hint.spare_limits.iter().copied().collect();
    let rows: Vec<i64> = lp
        .rows
        .iter()
        .map(|r| {
            let m = match r.kind {
                RowKind::Size(s) => size.get(&s),
                RowKind::Value(s, a, v) => values.get(&(s, a, v)),
                RowKind::Keep(c, s) => keep.get(&(c, s)),
                RowKind::Link(c) => link.get(&c),
                RowKind::Avail(c) => avail.get(&c),
                RowKind::Class(c) => classes.get(&c),
                RowKind::Synthetic => Some(&hint.synthetic),
                RowKind::ProviderMinimum(p) => minimums.get(&p),
                RowKind::SpareLimit(l) => spare.get(&l),
            };
            let m = m.copied().unwrap_or(0);
            match r.op {
                ComparisonOp::Le => m.min(0),
                ComparisonOp::Ge => m.max(0),
                _ => m,
            }
        })
        .collect();
    let cert = certificate(lp, &rows, hint.denominator);
    let bound = plan_check::check_plan_certificate(pm, &cert).ok()?;
    Some((cert, bound, Multipliers { denominator: hint.denominator as i64, rows }))
}

/// How much a solve from a hint may solve beyond the hint and its start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Search {
    /// Nothing: the bounds the hint and the starting allocation prove.
    None,
    /// The integer programs left after reduced-cost fixing, while their
    /// cells (free columns x rows with a free column), summed over every
    /// program solved, stay within this many; never the dual LP. A program's
    /// cost grows with its size, so a query can bound its instructions by it.
    Within(u64),
    /// Everything, the dual LP included.
    Full,
}

/// The size of the integer program left when `fixed` columns are fixed.
pub(super) fn program_cells(lp: &Lp, fixed: &[Option<i64>]) -> u64 {
    let free = fixed.iter().filter(|f| f.is_none()).count() as u64;
    let rows = lp.rows.iter().filter(|r| r.terms.iter().any(|&(j, _)| fixed[j].is_none())).count() as u64;
    free * rows
}

/// As [`super::parts::solve`], starting from the certificate and an allocation of a
/// closely related model (the same network with a proposal's changes fixed):
/// the certificate's multipliers, where they still bound this model, replace
/// the dual LP, the costliest step; an allocation that meets that bound is
/// optimal at once. `search` says what more may be solved; what it does not
/// allow leaves the answer `budget_exceeded` with the bounds found.
pub fn solve_from(
    pm: &PlanModel,
    budget: Budget,
    hint: Option<&PlanCertificate>,
    start: Option<&Allocation>,
    search: Search,
) -> PlanSolution {
    let mut work = Work::default();
    let lp = build_lp(pm);
    let may_search = search != Search::None;
    // Within a number of cells, the programs solved share it: each takes its cells.
    let cells_left = std::cell::Cell::new(match search {
        Search::Within(cells) => cells,
        _ => u64::MAX,
    });
    let fits = |fixed: &[Option<i64>]| {
        let cells = if search == Search::Full { 0 } else { program_cells(&lp, fixed) };
        let fits = cells <= cells_left.get();
        if fits {
            cells_left.set(cells_left.get() - cells);
        }
        fits
    };
    let (certificate, bound, multipliers) = match hint.and_then(|h| hinted(pm, &lp, h)) {
        Some((c, b, m)) => (c, b, Some(m)),
        // Without a full search, not the dual LP: the zero certificate bounds nothing but the constant.
        None if search != Search::Full => {
            let zero = PlanCertificate::zero();
            let bound = plan_check::check_plan_certificate(pm, &zero).expect("the zero certificate is valid");
            (zero, bound, None)
        }
        None => lower_bound(pm, &lp, &mut work),
    };
    // The starting allocation, when it is a plan, is the best plan so far.
    let mut best: Option<(u64, Allocation)> = None;
    if let Some(start) = start {
        if let Some(cost) = plan_cost(pm, start) {
            let lower = bound.ceil().max(0) as u64;
            best = Some((cost, start.clone()));
            if cost <= lower || !may_search {
                let optimal = cost <= lower;
                return PlanSolution {
                    status: if optimal { Status::Optimal } else { Status::BudgetExceeded },
                    lower_bound: if optimal { cost } else { lower },
                    upper_bound: Some(cost),
                    allocation: Some(start.clone()),
                    certificate,
                    certificate_is_tight: optimal,
                    work,
                };
            }
        }
    }
    if !may_search {
        let lower = bound.ceil().max(0) as u64;
        return PlanSolution {
            status: Status::BudgetExceeded,
            lower_bound: lower,
            upper_bound: None,
            allocation: None,
            certificate,
            certificate_is_tight: false,
            work,
        };
    }
    let lower = bound.ceil().max(0) as u64;
    let answer =
        |status, lower_bound, upper_bound, allocation, work, tight, certificate: &PlanCertificate| PlanSolution {
            status,
            lower_bound,
            upper_bound,
            allocation,
            certificate: certificate.clone(),
            certificate_is_tight: tight,
            work,
        };
    if lower > super::model::max_cost(pm) {
        // The certificate alone proves that no plan exists.
        return answer(Status::Infeasible, lower, None, None, work, true, &certificate);
    }
    let allocation_of = |values: &[i64]| allocation_of(pm, &lp, values);
    // Reduced-cost fixing (exact): every plan of cost V has
    // V >= bound + sum over columns of |reduced cost| x (distance from the
    // bound the reduced cost favours). First, the columns the certificate
    // prices at zero alone: a plan found there that meets the bound is optimal.
    let rc = multipliers.as_ref().map(|m| (m.reduced_costs(&lp), m.denominator as i128));
    let fixing = |slack: Option<i128>| -> Option<Vec<Option<i64>>> {
        let (rc, d) = rc.as_ref()?;
        Some(
            rc.iter()
                .enumerate()
                .map(|(j, &r)| {
                    let free = match slack {
                        // Columns priced at (about) zero.
                        None => r.abs() * 2 < *d,
                        // |r| / d <= slack: the column can change in a cheaper plan.
                        Some(slack) => r.abs() <= slack * d,
                    };
                    if free {
                        None
                    } else if r > 0 {
                        Some(lp.lo[j])
                    } else {
                        Some(lp.hi[j])
                    }
                })
                .collect(),
        )
    };
    if let Some(fixed) = fixing(None).filter(|f| fits(f)) {
        if let IntResult::Solved(values) = solve_program(&lp, &fixed, budget.branch_nodes, &mut work) {
            let allocation = allocation_of(&values);
            if let Some(cost) = plan_cost(pm, &allocation) {
                if cost <= lower {
                    return answer(Status::Optimal, cost, Some(cost), Some(allocation), work, true, &certificate);
                }
                if best.as_ref().is_none_or(|(b, _)| cost < *b) {
                    best = Some((cost, allocation));
                }
            }
        }
    }
    // No plan there (a proposal under verification may need a change the
    // certificate prices above zero): widen to the columns within a few
    // units of reduced cost, until a plan is found; it then bounds the search
    // below, which is far smaller than the whole program.
    if best.is_none() && rc.is_some() {
        for slack in [1, 4, 16] {
            let Some(fixed) = fixing(Some(slack)).filter(|f| fits(f)) else { break };
            let left = budget.branch_nodes.saturating_sub(work.branch_nodes);
            match solve_program(&lp, &fixed, left, &mut work) {
                IntResult::Solved(values) => {
                    let allocation = allocation_of(&values);
                    if let Some(cost) = plan_cost(pm, &allocation) {
                        if cost <= lower {
                            return answer(
                                Status::Optimal,
                                cost,
                                Some(cost),
                                Some(allocation),
                                work,
                                true,
                                &certificate,
                            );
                        }
                        best = Some((cost, allocation));
                        break;
                    }
                }
                IntResult::Infeasible => continue,
                IntResult::OutOfBudget => break,
            }
        }
    }
    // Then every column that could move in a plan cheaper than the best one
    // found (all of them, when none was found).
    let left = budget.branch_nodes.saturating_sub(work.branch_nodes);
    let fixed = match (&best, &rc) {
        (Some((cost, _)), Some((_, d))) => {
            // A cheaper plan costs at most cost - 1, so it moves columns by at most
            // (cost - 1 - bound) in reduced cost: numerator terms over d.
            let slack_num = (*cost as i128 - 1) * *d - bound.numerator * *d / bound.denominator as i128;
            let slack = slack_num.div_euclid(*d).max(0);
            fixing(Some(slack)).unwrap_or_else(|| vec![None; lp.cols.len()])
        }
        _ => vec![None; lp.cols.len()],
    };
    let result = if fits(&fixed) { solve_program(&lp, &fixed, left, &mut work) } else { IntResult::OutOfBudget };
    match result {
        IntResult::Solved(values) => {
            let allocation = allocation_of(&values);
            match plan_cost(pm, &allocation) {
                Some(cost) if best.as_ref().is_none_or(|(b, _)| cost <= *b) => {
                    answer(Status::Optimal, cost, Some(cost), Some(allocation), work, lower >= cost, &certificate)
                }
                _ => match best {
                    Some((cost, allocation)) => {
                        answer(Status::Optimal, cost, Some(cost), Some(allocation), work, lower >= cost, &certificate)
                    }
                    None => answer(Status::BudgetExceeded, lower, None, None, work, false, &certificate),
                },
            }
        }
        // No plan cheaper than the best found: it is optimal.
        IntResult::Infeasible => match best {
            Some((cost, allocation)) => {
                answer(Status::Optimal, cost, Some(cost), Some(allocation), work, lower >= cost, &certificate)
            }
            None => answer(Status::Infeasible, lower, None, None, work, false, &certificate),
        },
        IntResult::OutOfBudget => {
            let (upper, allocation) = match best {
                Some((c, a)) => (Some(c), Some(a)),
                None => (None, None),
            };
            answer(Status::BudgetExceeded, lower, upper, allocation, work, false, &certificate)
        }
    }
}

#[cfg(test)]
mod tests;

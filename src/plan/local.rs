//! Bounds near a known plan: the cheapest plan that differs from it in a few
//! subnets, and a certificate re-priced on those subnets' rows.
//!
//! A `ChangeSubnetMembership` proposal changes one subnet. The cheapest plan
//! that contains it usually differs from the optimal plan only there and
//! where the optimal plan put the proposal's nodes, so both of its bounds are
//! looked for there first, far cheaper than solving the whole model again:
//! - the upper bound: the integer program of those subnets alone, every other
//!   subnet as the known plan leaves it (its columns fixed; a subnet the known
//!   plan does not leave valid joins the free ones); when that program has no
//!   plan, the next, wider set of subnets is tried (the caller's order: say,
//!   every subnet the known plan changes);
//! - the lower bound: the known certificate's multipliers with the rows of
//!   those subnets and of the given classes priced again, by the dual LP of
//!   those rows alone with every other multiplier fixed. Multipliers of the
//!   right signs bound the model whatever their values, and the result is
//!   checked by the independent checker like any other certificate.
//!
//! When the two meet, the plan is proven optimal at once; otherwise they are
//! the start and the hint of the bounded search of [`super::solve::solve_from`].
//!
//! `forced_infeasibility` proves at once that no plan exists when one row
//! cannot hold with every column at the bound nearest to it (a proposal's
//! added nodes break a limit of their subnet by themselves), and
//! `model_infeasibility` when the ObjectiveValue model has no allocation at
//! all (its LP relaxation's Farkas certificate, carried over).

use super::check::{self as plan_check, PlanCertificate};
use super::model::PlanModel;
use super::solve::{self, best_certificate, hinted, program_cells, solve_program, Col, IntResult, Lp, RowKind};
use crate::check::{Allocation, Certificate};
use crate::solve::Work;
use microlp::ComparisonOp;
use std::collections::{BTreeMap, BTreeSet};

/// What was found near the known plan.
pub struct Near {
    /// The cheapest plan that differs from the start in the free subnets only, and its cost.
    pub plan: Option<(u64, Allocation)>,
    /// The re-priced certificate, when it bounds the model higher than the hint.
    pub certificate: Option<PlanCertificate>,
    /// What the search cost.
    pub work: Work,
}

/// Look near `start` (an allocation of `pm`, valid or not in the subnets
/// named): re-solve the first set of `neighbourhoods` (and any subnet `start`
/// leaves invalid) with the others fixed as `start` has them, the next set
/// when that has no plan, and re-price the rows of the last set solved and of
/// `classes` in `hint`, within `allowance` (what the programs and the dual
/// LP take of its cells is subtracted from it).
pub(super) fn near(
    pm: &PlanModel,
    lp: &Lp,
    hint: &PlanCertificate,
    start: &Allocation,
    neighbourhoods: &[BTreeSet<u32>],
    classes: &BTreeSet<u32>,
    allowance: &mut Allowance,
) -> Near {
    let branch_nodes = allowance.branch_nodes;
    let mut spent = Spent { cells_left: allowance.cells, work: Work::default() };
    let mut plan = None;
    let mut free = vec![false; pm.model.subnets.len()];
    for subnets in neighbourhoods {
        let left = branch_nodes.saturating_sub(spent.work.branch_nodes);
        let (found, solved) = upper_bound(pm, lp, start, subnets, left, &mut spent);
        free = solved;
        if found.is_some() {
            plan = found;
            break;
        }
    }
    let target = plan.as_ref().map_or(i128::MAX, |(cost, _)| *cost as i128);
    let certificate = lower_bound(pm, lp, hint, &free, classes, target, &mut spent);
    allowance.cells = spent.cells_left;
    Near { plan, certificate, work: spent.work }
}

/// What the stage near a plan may solve.
pub(super) struct Allowance {
    /// Cells (columns x rows) that the programs and the dual LP share, as the
    /// programs of [`super::solve::Search::Within`] do.
    pub(super) cells: u64,
    /// The programs' work budget.
    pub(super) branch_nodes: u64,
}

/// What the programs and LPs solved so far took: cells from the allowance, and work.
struct Spent {
    cells_left: u64,
    work: Work,
}

impl Spent {
    /// Take `cells` from the allowance, if it has them.
    fn take(&mut self, cells: u64) -> bool {
        let fits = cells <= self.cells_left;
        if fits {
            self.cells_left -= cells;
        }
        fits
    }
}

/// The cheapest plan that differs from `start` only in `subnets` and in the
/// subnets `start` leaves invalid, and which subnets those were.
fn upper_bound(
    pm: &PlanModel,
    lp: &Lp,
    start: &Allocation,
    subnets: &BTreeSet<u32>,
    branch_nodes: u64,
    spent: &mut Spent,
) -> (Option<(u64, Allocation)>, Vec<bool>) {
    let ns = pm.model.subnets.len();
    let count: Vec<BTreeMap<u32, u32>> =
        (0..ns).map(|t| start.subnets.get(t).map(|e| e.iter().copied().collect()).unwrap_or_default()).collect();
    let current: Vec<BTreeMap<u32, u32>> =
        (0..pm.model.classes.len()).map(|c| pm.current(c).into_iter().collect()).collect();
    let x_value = |c: u32, t: u32| count[t as usize].get(&c).copied().unwrap_or(0) as i64;

    // The free subnets: those asked for, and those `start` leaves invalid.
    let mut free: Vec<bool> = (0..ns).map(|t| subnets.contains(&(t as u32))).collect();
    let mut has_col: BTreeSet<(u32, u32)> = BTreeSet::new();
    for (j, col) in lp.cols.iter().enumerate() {
        if let Col::X(c, t) = *col {
            has_col.insert((c, t));
            let v = x_value(c, t);
            if v < lp.lo[j] || v > lp.hi[j] {
                free[t as usize] = true;
            }
        }
    }
    for (t, entries) in count.iter().enumerate() {
        if entries.iter().any(|(&c, &n)| n > 0 && !has_col.contains(&(c, t as u32))) {
            free[t] = true;
        }
    }
    for row in &lp.rows {
        if let Some((t, holds)) = solve::subnet_row_holds(lp, row, x_value) {
            free[t] |= !holds;
        }
    }

    // Columns of the fixed subnets at their values in `start`; a class's own
    // columns (newly assigned, moved) too, when it has no column in a free subnet.
    let mut class_free = vec![false; pm.model.classes.len()];
    for col in &lp.cols {
        if let Col::X(c, t) = *col {
            class_free[c as usize] |= free[t as usize];
        }
    }
    let mut fixed: Vec<Option<i64>> = vec![None; lp.cols.len()];
    let mut placed = vec![0i64; pm.model.classes.len()];
    let mut kept = vec![0i64; pm.model.classes.len()];
    for (j, col) in lp.cols.iter().enumerate() {
        match *col {
            Col::X(c, t) if !free[t as usize] => {
                let v = x_value(c, t);
                fixed[j] = Some(v);
                placed[c as usize] += v;
            }
            Col::Y(c, t) if !free[t as usize] => {
                let now = current[c as usize].get(&t).copied().unwrap_or(0) as i64;
                let v = x_value(c, t).min(now).min(lp.hi[j]);
                fixed[j] = Some(v);
                kept[c as usize] += v;
            }
            _ => {}
        }
    }
    // Newly assigned first (it costs less than a move), then moved.
    let mut need: Vec<i64> = (0..pm.model.classes.len()).map(|c| placed[c] - kept[c]).collect();
    for (j, col) in lp.cols.iter().enumerate() {
        if let Col::New(c) = *col {
            if !class_free[c as usize] {
                let v = need[c as usize].clamp(0, lp.hi[j]);
                fixed[j] = Some(v);
                need[c as usize] -= v;
            }
        }
    }
    for (j, col) in lp.cols.iter().enumerate() {
        if let Col::Moved(c) = *col {
            if !class_free[c as usize] {
                fixed[j] = Some(need[c as usize].clamp(0, lp.hi[j]));
            }
        }
    }

    let mut plan = None;
    if spent.take(program_cells(lp, &fixed)) {
        if let IntResult::Solved(values) = solve_program(lp, &fixed, branch_nodes, &mut spent.work) {
            let allocation = solve::allocation_of(pm, lp, &values);
            plan = solve::plan_cost(pm, &allocation).map(|cost| (cost, allocation));
        }
    }
    (plan, free)
}

/// `hint` with the rows of the `free` subnets and of `classes` priced again
/// (the dual LP of those rows, every other multiplier as `hint` has it),
/// when the certificate made from it bounds the model higher than `hint`.
fn lower_bound(
    pm: &PlanModel,
    lp: &Lp,
    hint: &PlanCertificate,
    free: &[bool],
    classes: &BTreeSet<u32>,
    target: i128,
    spent: &mut Spent,
) -> Option<PlanCertificate> {
    let (_, bound, multipliers) = hinted(pm, lp, hint)?;
    let d = multipliers.denominator as f64;
    let mut values: Vec<f64> = multipliers.rows.iter().map(|&m| m as f64 / d).collect();
    let repriced: Vec<usize> = lp
        .rows
        .iter()
        .enumerate()
        .filter(|(_, row)| match row.kind {
            RowKind::Size(t) | RowKind::Value(t, ..) | RowKind::Keep(_, t) => free[t as usize],
            RowKind::Link(c) | RowKind::Avail(c) | RowKind::Class(c) => classes.contains(&c),
            RowKind::Synthetic | RowKind::ProviderMinimum(_) => false,
        })
        .map(|(i, _)| i)
        .collect();
    let inside: BTreeSet<usize> = repriced.iter().copied().collect();
    let touched: BTreeSet<usize> = repriced.iter().flat_map(|&i| lp.rows[i].terms.iter().map(|&(j, _)| j)).collect();
    if !spent.take((repriced.len() * touched.len()) as u64) {
        return None;
    }
    // Each column's cost less what the rows kept as they are pay for it.
    let mut priced: Vec<f64> = lp.cost.iter().map(|&c| c as f64).collect();
    for (i, row) in lp.rows.iter().enumerate() {
        if values[i] != 0.0 && !inside.contains(&i) {
            for &(j, a) in &row.terms {
                priced[j] -= a * values[i];
            }
        }
    }
    spent.work.lp_solves += 1;
    let (local, _, iterations) = solve::solve_dual(lp, &repriced, false, &priced)?;
    spent.work.lp_iterations += iterations;
    for (&i, u) in repriced.iter().zip(local) {
        values[i] = u;
    }
    let (certificate, new_bound, _) = best_certificate(pm, lp, &values, target);
    (new_bound.ceil() > bound.ceil()).then_some(certificate)
}

/// A certificate that `pm` has no plan, when one of its rows cannot hold
/// even with every column at the bound nearest to holding it (say, the nodes
/// a proposal adds to a subnet break one of its limits by themselves): that
/// row's multiplier alone, scaled until the bound passes the most any plan
/// can cost. The checker checks it like any other.
pub(super) fn forced_infeasibility(pm: &PlanModel, lp: &Lp) -> Option<PlanCertificate> {
    let most = super::model::max_cost(pm) as i128;
    for (i, row) in lp.rows.iter().enumerate() {
        let low: i64 = row.terms.iter().map(|&(j, a)| if a > 0.0 { lp.lo[j] } else { -lp.hi[j] }).sum();
        let high: i64 = row.terms.iter().map(|&(j, a)| if a > 0.0 { lp.hi[j] } else { -lp.lo[j] }).sum();
        let sign = match row.op {
            ComparisonOp::Le | ComparisonOp::Eq if low > row.rhs => -1,
            ComparisonOp::Ge | ComparisonOp::Eq if high < row.rhs => 1,
            _ => continue,
        };
        let mut scale = (most + 1).max(1);
        for _ in 0..8 {
            let mut rows = vec![0i64; lp.rows.len()];
            rows[i] = sign * i64::try_from(scale).ok()?;
            let certificate = solve::certificate(lp, &rows, 1);
            if let Ok(bound) = plan_check::check_plan_certificate(pm, &certificate) {
                if bound.ceil() > most {
                    return Some(certificate);
                }
            }
            scale *= 2;
        }
    }
    None
}

/// A certificate that `pm` has no plan because its ObjectiveValue model
/// (`pm.model`: every synthetic node allowed, nothing pinned) has none: when
/// that model's LP relaxation is infeasible, its Farkas certificate's
/// multipliers on the size, value, class and provider-minimum rows (rows the
/// swap model's LP shares, with the same signs) are scaled until the bound
/// passes the most any plan can cost. The checker checks the result like any
/// other certificate. Also returned: the Farkas certificate itself, which
/// [`crate::explain::infeasibility`] says in words. One LP of the model's
/// subnet types, far smaller than the swap model's.
pub(super) fn model_infeasibility(pm: &PlanModel, work: &mut Work) -> Option<(PlanCertificate, Certificate)> {
    let farkas = crate::solve::infeasibility_certificate(&pm.model, work)?;
    let most = super::model::max_cost(pm) as i128;
    let mut base = PlanCertificate { denominator: farkas.denominator, ..PlanCertificate::zero() };
    for group in &farkas.subnets {
        for &s in &group.subnets {
            if group.size != 0 {
                base.size.push((s, group.size));
            }
            base.values.extend(group.values.iter().map(|&(a, v, m)| (s, a, v, m)));
        }
    }
    base.size.sort_unstable();
    base.values.sort_unstable();
    base.classes = farkas.classes.clone();
    base.provider_minimums = farkas.provider_minimums.clone();
    // The Farkas gap is at least 1/denominator, so this scale passes `most`
    // unless the cost's own terms pull the bound down; a few doublings cover those.
    let d = i128::from(farkas.denominator.max(1));
    let mut scale = i64::try_from((most + 1).checked_mul(d)?).ok()?;
    for _ in 0..8 {
        let scaled = |rows: &[(u32, i64)]| -> Option<Vec<(u32, i64)>> {
            rows.iter().map(|&(i, m)| Some((i, m.checked_mul(scale)?))).collect()
        };
        let cert = PlanCertificate {
            size: scaled(&base.size)?,
            values: base
                .values
                .iter()
                .map(|&(s, a, v, m)| Some((s, a, v, m.checked_mul(scale)?)))
                .collect::<Option<_>>()?,
            classes: scaled(&base.classes)?,
            provider_minimums: scaled(&base.provider_minimums)?,
            ..base.clone()
        };
        if plan_check::check_plan_certificate(pm, &cert).is_ok_and(|b| b.ceil() > most) {
            return Some((cert, farkas));
        }
        scale = scale.checked_mul(2)?;
    }
    None
}

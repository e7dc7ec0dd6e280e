//! The exact solver.
//!
//! Subnets with identical constraints are merged into types, so the model is
//! solved on class-by-type totals (a few thousand variables instead of a
//! hundred thousand binaries):
//! 1. the LP relaxation of the type model is solved in its dual form; its
//!    multipliers, scaled to integers, are the lower-bound certificate and give
//!    the lower bound exactly (see [`crate::check`]);
//! 2. the type model is solved as an integer program (microlp branch and
//!    bound) for class-by-type totals with the fewest synthetic nodes;
//! 3. the totals of each type are split into its subnets, one subnet at a time
//!    (a greedy pick that keeps the rest splittable, then a small integer
//!    program where the greedy pick fails); where a split fails, the plain
//!    class-by-subnet model is solved instead;
//! 4. the allocation is re-checked by the independent checker.
//!
//! Points of a candidate curve start from their solved neighbours
//! ([`solve_near`]): a neighbour's allocation, with synthetic nodes swapped for
//! the added real ones, and its certificate, with the class multipliers
//! re-optimised for the new model, usually meet; then that allocation is
//! proven optimal without any LP or integer program.
//!
//! Every microlp call runs under the remaining deterministic work budget
//! (branch-and-bound nodes, never wall time); when it runs out, the answer is
//! `budget_exceeded` with the bounds proven so far.

use crate::check::{self, Allocation, Certificate, SubnetMultipliers};
use crate::inputs::{Attribute, LimitOp};
use crate::lp::{self, IntResult, LpRow, Program};
pub use crate::lp::{Budget, Work};
use crate::model::{Model, Subnet};
use microlp::ComparisonOp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The outcome of a solve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The objective is proven optimal.
    Optimal,
    /// No allocation fills the topology, even with every synthetic node.
    Infeasible,
    /// The work budget ran out; the bounds are what was proven.
    BudgetExceeded,
}

/// The answer of a solve.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Solution {
    /// Optimal, infeasible, or out of budget.
    pub status: Status,
    /// The ObjectiveValue; `Some` only when `Optimal`.
    pub objective: Option<u32>,
    /// Proven: every allocation needs at least this many synthetic nodes.
    pub lower_bound: u32,
    /// The value of the best allocation found, if any.
    pub upper_bound: Option<u32>,
    /// The best allocation found (checked), if any.
    pub allocation: Option<Allocation>,
    /// The lower-bound certificate (integer multipliers on the LP relaxation's rows).
    pub certificate: Certificate,
    /// Whether the certificate alone proves the lower bound equal to the objective
    /// (otherwise the proof of optimality rests on branch and bound).
    pub certificate_is_tight: bool,
    /// When infeasible: multipliers on the rows of the LP relaxation, under
    /// zero costs, that prove a positive bound (see
    /// [`check::check_infeasibility_certificate`]): the rows with a nonzero
    /// multiplier cannot hold together. `None` when the LP relaxation is
    /// feasible (the integer program alone is infeasible) or not infeasible.
    #[serde(default)]
    pub infeasibility: Option<Certificate>,
    /// What the solve cost.
    pub work: Work,
}

/// Subnets with identical constraints.
struct SubnetType {
    subnets: Vec<u32>,
    rep: usize,
}

fn subnet_types(model: &Model) -> Vec<SubnetType> {
    type Key<'a> = (u32, bool, [u32; 4], &'a [(Attribute, u32, crate::inputs::SpecialLimit)], &'a Option<Vec<u32>>);
    let mut by_key: BTreeMap<Key, usize> = BTreeMap::new();
    let mut types: Vec<SubnetType> = Vec::new();
    for (i, s) in model.subnets.iter().enumerate() {
        let key: Key = (s.size, s.sev_only, s.limits, &s.special, &s.allowed_countries);
        match by_key.get(&key) {
            Some(&t) => types[t].subnets.push(i as u32),
            None => {
                by_key.insert(key, types.len());
                types.push(SubnetType { subnets: vec![i as u32], rep: i });
            }
        }
    }
    types
}

/// A linear row over the type model's variables.
struct Row {
    terms: Vec<usize>,
    op: ComparisonOp,
    rhs: i64,
    kind: RowKind,
    /// Whether the integer program needs the row: a row that the variables'
    /// integer bounds already imply is left out of it. The LP keeps every row
    /// its own (weaker) bounds do not imply, so that it is the relaxation the
    /// certificate speaks of.
    in_program: bool,
}

#[derive(Clone, Copy)]
enum RowKind {
    Class(u32),
    Size(usize),
    Value(usize, Attribute, u32),
    ProviderMinimum(u32),
    SpareLimit(u32),
}

/// The class-by-type model: variable j is (class, type) with bounds [0, ub].
struct TypeModel {
    types: Vec<SubnetType>,
    vars: Vec<(u32, usize)>,
    /// Per variable: subnets of the type times the per-subnet cap (the LP bound
    /// the certificate uses: the checker bounds each subnet's variable by the
    /// per-subnet cap) and the integer bound (also at most the class count).
    lp_ub: Vec<i64>,
    int_ub: Vec<i64>,
    cost: Vec<i64>,
    rows: Vec<Row>,
}

fn build_type_model(model: &Model) -> TypeModel {
    let types = subnet_types(model);
    let mut vars = Vec::new();
    let mut lp_ub = Vec::new();
    let mut int_ub = Vec::new();
    let mut cost = Vec::new();
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); model.classes.len()];
    let mut rows = Vec::new();
    for (t, ty) in types.iter().enumerate() {
        let subnet = &model.subnets[ty.rep];
        let m = ty.subnets.len() as i64;
        let first_var = vars.len();
        let mut by_value: BTreeMap<(Attribute, u32), Vec<usize>> = BTreeMap::new();
        for (c, class) in model.classes.iter().enumerate() {
            let cap = subnet.class_cap(class) as i64;
            if cap == 0 {
                continue;
            }
            let j = vars.len();
            vars.push((c as u32, t));
            lp_ub.push(m * cap);
            int_ub.push((m * cap).min(class.count() as i64));
            cost.push(class.synthetic as i64);
            by_class[c].push(j);
            for a in Attribute::ALL {
                by_value.entry((a, class.values[a.index()])).or_default().push(j);
            }
        }
        rows.push(Row {
            terms: (first_var..vars.len()).collect(),
            op: ComparisonOp::Eq,
            rhs: m * subnet.size as i64,
            kind: RowKind::Size(t),
            in_program: true,
        });
        // Exactly-limits hold even when no admitted node has the value.
        for &(a, v, limit) in &subnet.special {
            if limit.op == LimitOp::Exactly {
                by_value.entry((a, v)).or_default();
            }
        }
        for ((a, v), terms) in by_value {
            let limit = subnet.limit(a, v);
            let rhs = m * limit.count as i64;
            let (op, in_program) = match limit.op {
                LimitOp::Exactly => (ComparisonOp::Eq, true),
                LimitOp::AtMost => {
                    // A row that the variables' own bounds already imply is dropped.
                    if terms.iter().map(|&j| lp_ub[j]).sum::<i64>() <= rhs {
                        continue;
                    }
                    (ComparisonOp::Le, terms.iter().map(|&j| int_ub[j]).sum::<i64>() > rhs)
                }
            };
            rows.push(Row { terms, op, rhs, kind: RowKind::Value(t, a, v), in_program });
        }
    }
    for (c, js) in by_class.into_iter().enumerate() {
        let count = model.classes[c].count() as i64;
        if js.iter().map(|&j| lp_ub[j]).sum::<i64>() > count {
            let in_program = js.iter().map(|&j| int_ub[j]).sum::<i64>() > count;
            rows.push(Row { terms: js, op: ComparisonOp::Le, rhs: count, kind: RowKind::Class(c as u32), in_program });
        }
    }
    for (p, pm) in model.provider_minimums.iter().enumerate() {
        let terms: Vec<usize> = (0..vars.len()).filter(|&j| pm.classes.binary_search(&vars[j].0).is_ok()).collect();
        rows.push(Row {
            terms,
            op: ComparisonOp::Ge,
            rhs: 1,
            kind: RowKind::ProviderMinimum(p as u32),
            in_program: true,
        });
    }
    for (l, limit) in model.spare_limits.iter().enumerate() {
        let terms: Vec<usize> = (0..vars.len()).filter(|&j| limit.classes.binary_search(&vars[j].0).is_ok()).collect();
        let rhs = limit.most as i64;
        // As the value rows: a row the variables' own bounds imply is dropped.
        if terms.iter().map(|&j| lp_ub[j]).sum::<i64>() <= rhs {
            continue;
        }
        let in_program = terms.iter().map(|&j| int_ub[j]).sum::<i64>() > rhs;
        rows.push(Row { terms, op: ComparisonOp::Le, rhs, kind: RowKind::SpareLimit(l as u32), in_program });
    }
    TypeModel { types, vars, lp_ub, int_ub, cost, rows }
}

/// Dual multipliers are kept within this box, so the dual LP is bounded even
/// when the model is infeasible (its bound then exceeds every possible value).
const DUAL_BOX: f64 = 64.0;
/// Denominators tried when scaling the LP multipliers to integers.
pub(crate) const DENOMINATORS: [u64; 8] = [1, 2, 6, 12, 60, 840, 27_720, 720_720];

/// Solve the dual of the type model's LP relaxation; return its value and the
/// best integer certificate made from it.
fn lower_bound(model: &Model, tm: &TypeModel, work: &mut Work, costs: Option<&[i64]>) -> (Certificate, check::Bound) {
    // Multipliers scale with the costs: the box grows with the largest.
    let dual_box = DUAL_BOX * tm.cost.iter().copied().max().unwrap_or(1).max(1) as f64;
    work.lp_solves += 1;
    let zero = Certificate::zero(model);
    let zero_bound = check::Bound { numerator: 0, denominator: 1 };
    let which: Vec<usize> = (0..tm.rows.len()).collect();
    let lo = vec![0; tm.vars.len()];
    let cost: Vec<f64> = tm.cost.iter().map(|&c| c as f64).collect();
    // The zero certificate is always valid; a failed LP only weakens the bound.
    let Some((values, solution)) = lp::solve_dual(&tm.rows, &which, true, (&lo, &tm.lp_ub), &cost, dual_box) else {
        return (zero, zero_bound);
    };
    work.lp_iterations += solution.iterations;
    let lp_value = solution.objective;

    let mut best = (zero, zero_bound);
    let target = (lp_value - 1e-6).ceil() as i128;
    for d in DENOMINATORS {
        let mut rows = RowMultipliers::from_duals(tm, &values, d);
        rows.best_class_multipliers(tm);
        let cert = rows.certificate(tm);
        if let Ok(bound) = check::check_weighted_certificate(model, &cert, costs) {
            if bound.ceil() > best.1.ceil() {
                best = (cert, bound);
            }
            if best.1.ceil() >= target {
                break;
            }
        }
    }
    best
}

/// A Farkas certificate for the LP relaxation, when it is infeasible: row
/// multipliers `y` of the right signs with
/// `y^T b - sum_j max(0, (A^T y)_j) u_j > 0`, i.e. the lower-bound
/// certificate of the zero objective proving a positive bound. Among all
/// such rays (normalised to a violation of at least one) the LP picks one of
/// least total weight `sum |y|`, which keeps the set of rows it names small:
/// that set is the explanation. The rational ray is scaled so its largest
/// multiplier is one, then to integers, and checked.
pub fn infeasibility_certificate(model: &Model, work: &mut Work) -> Option<Certificate> {
    let mut tm = build_type_model(model);
    tm.cost.iter_mut().for_each(|c| *c = 0);
    work.lp_solves += 1;
    let (mut y, solution) = lp::farkas_ray(&tm.rows, &tm.lp_ub)?;
    work.lp_iterations += solution.iterations;
    let largest = y.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if largest <= 1e-9 {
        return None;
    }
    y.iter_mut().for_each(|v| *v = if v.abs() <= 1e-9 * largest { 0.0 } else { *v / largest });
    let zeros = vec![0i64; model.classes.len()];
    for d in DENOMINATORS {
        let mut rows = RowMultipliers::from_duals(&tm, &y, d);
        rows.best_class_multipliers(&tm);
        let mut certificate = rows.certificate(&tm);
        // A ray has no scale: the denominator only names the rounding.
        certificate.denominator = 1;
        if check::check_weighted_certificate(model, &certificate, Some(&zeros)).is_ok_and(|b| b.numerator > 0) {
            return Some(certificate);
        }
    }
    None
}

/// Integer multipliers on the type model's rows, all over one denominator:
/// the lower-bound certificate in the type model's terms. Any multipliers of
/// the right signs give a valid bound (weak duality); better ones give a
/// higher bound.
#[derive(Clone, Debug)]
struct RowMultipliers {
    denominator: i64,
    rows: Vec<i64>,
}

impl RowMultipliers {
    /// The LP's dual values scaled by `d`, rounded and clamped to the signs their rows allow.
    fn from_duals(tm: &TypeModel, duals: &[f64], d: u64) -> RowMultipliers {
        let rows =
            tm.rows.iter().zip(duals).map(|(row, &y)| clamp_sign(row.op, (y * d as f64).round() as i64)).collect();
        RowMultipliers { denominator: d as i64, rows }
    }

    /// Each variable's reduced cost, times the denominator: its cost minus the
    /// multipliers of the rows it is in.
    fn reduced_costs(&self, tm: &TypeModel) -> Vec<i128> {
        let d = self.denominator as i128;
        let mut rc: Vec<i128> = tm.cost.iter().map(|&c| c as i128 * d).collect();
        for (row, &y) in tm.rows.iter().zip(&self.rows) {
            if y != 0 {
                for &j in &row.terms {
                    rc[j] -= y as i128;
                }
            }
        }
        rc
    }

    /// The Lagrangian bound, times the denominator: every allocation of the
    /// type model has at least this value (over the denominator).
    fn bound_numerator(&self, tm: &TypeModel, rc: &[i128]) -> i128 {
        let rows: i128 = tm.rows.iter().zip(&self.rows).map(|(row, &y)| y as i128 * row.rhs as i128).sum();
        let columns: i128 = rc.iter().zip(&tm.lp_ub).filter(|(&r, _)| r < 0).map(|(&r, &u)| r * u as i128).sum();
        rows + columns
    }

    /// Set every class row's multiplier to its best value given the other
    /// rows. Class rows share no variable, so each is a one-dimensional
    /// concave maximisation whose optimum lies at zero or at a breakpoint.
    fn best_class_multipliers(&mut self, tm: &TypeModel) {
        let mut rc = self.reduced_costs(tm);
        for (i, row) in tm.rows.iter().enumerate() {
            let RowKind::Class(_) = row.kind else { continue };
            let y = self.rows[i] as i128;
            // Reduced costs without this row.
            let base: Vec<i128> = row.terms.iter().map(|&j| rc[j] + y).collect();
            let value = |t: i128| -> i128 {
                t * row.rhs as i128
                    + row.terms.iter().zip(&base).map(|(&j, &b)| (b - t).min(0) * tm.lp_ub[j] as i128).sum::<i128>()
            };
            let mut best = (value(0), 0i128);
            for &b in &base {
                if b < 0 {
                    let v = value(b);
                    // Ties go to the multiplier closest to zero, so the choice is canonical.
                    if v > best.0 || (v == best.0 && b > best.1) {
                        best = (v, b);
                    }
                }
            }
            let t = best.1;
            self.rows[i] = t as i64;
            for (&j, &b) in row.terms.iter().zip(&base) {
                rc[j] = b - t;
            }
        }
    }

    /// The certificate, in the model's terms (every subnet of a type shares its multipliers).
    fn certificate(&self, tm: &TypeModel) -> Certificate {
        let mut classes = Vec::new();
        let mut provider_minimums = Vec::new();
        let mut spare_limits = Vec::new();
        // Per type: the size-row multiplier and the value-row multipliers.
        type TypeMultipliers = (i64, Vec<(Attribute, u32, i64)>);
        let mut per_type: Vec<TypeMultipliers> = vec![(0, Vec::new()); tm.types.len()];
        for (row, &m) in tm.rows.iter().zip(&self.rows) {
            if m == 0 {
                continue;
            }
            match row.kind {
                RowKind::Class(c) => classes.push((c, m)),
                RowKind::ProviderMinimum(p) => provider_minimums.push((p, m)),
                RowKind::SpareLimit(l) => spare_limits.push((l, m)),
                RowKind::Size(t) => per_type[t].0 = m,
                RowKind::Value(t, a, v) => per_type[t].1.push((a, v, m)),
            }
        }
        classes.sort_unstable();
        provider_minimums.sort_unstable();
        spare_limits.sort_unstable();
        let subnets = tm
            .types
            .iter()
            .zip(per_type)
            .map(|(ty, (size, mut values))| {
                values.sort_unstable();
                SubnetMultipliers { subnets: ty.subnets.clone(), size, values }
            })
            .collect();
        Certificate { denominator: self.denominator as u64, classes, provider_minimums, spare_limits, subnets }
    }
}

fn clamp_sign(op: ComparisonOp, y: i64) -> i64 {
    match op {
        ComparisonOp::Le => y.min(0),
        ComparisonOp::Ge => y.max(0),
        _ => y,
    }
}

/// A group's multipliers: on each subnet's size row, and on its value rows by value.
type GroupHint = (i64, BTreeMap<(Attribute, String), i64>);

/// The multipliers of a certificate found for another model of the same
/// topology (the curve's neighbouring point), named by what their rows mean
/// rather than by index, so that they carry over to a model with more
/// candidate nodes. Class rows are left out: they are re-optimised exactly
/// for the model at hand.
#[derive(Clone, Debug)]
struct Hint {
    denominator: u64,
    /// Per subnet: its group in `groups`, if the certificate names it.
    group_of: Vec<Option<usize>>,
    groups: Vec<GroupHint>,
    provider_minimums: BTreeMap<String, i64>,
    /// Spare-limit multipliers by (data center, provider).
    spare_limits: BTreeMap<(String, String), i64>,
}

impl Hint {
    fn new(model: &Model, certificate: &Certificate) -> Hint {
        let mut group_of = vec![None; model.subnets.len()];
        let mut groups = Vec::with_capacity(certificate.subnets.len());
        for group in &certificate.subnets {
            for &s in &group.subnets {
                if let Some(g) = group_of.get_mut(s as usize) {
                    *g = Some(groups.len());
                }
            }
            let values = group.values.iter().map(|&(a, v, m)| ((a, model.value(a, v).to_string()), m)).collect();
            groups.push((group.size, values));
        }
        let provider_minimums = certificate
            .provider_minimums
            .iter()
            .filter_map(|&(p, m)| model.provider_minimums.get(p as usize).map(|pm| (pm.provider.clone(), m)))
            .collect();
        let spare_limits = certificate
            .spare_limits
            .iter()
            .filter_map(|&(l, m)| model.spare_limits.get(l as usize).map(|sl| (spare_key(model, sl), m)))
            .collect();
        Hint { denominator: certificate.denominator.max(1), group_of, groups, provider_minimums, spare_limits }
    }

    fn group(&self, subnet: usize) -> Option<&GroupHint> {
        self.group_of.get(subnet).copied().flatten().map(|g| &self.groups[g])
    }

    /// The hint as multipliers on `tm`'s rows (zero where it says nothing).
    fn row_multipliers(&self, model: &Model, tm: &TypeModel) -> RowMultipliers {
        let same_topology = self.group_of.len() == model.subnets.len();
        let rows = tm
            .rows
            .iter()
            .map(|row| {
                let y = match row.kind {
                    RowKind::Class(_) => 0,
                    RowKind::Size(t) if same_topology => self.group(tm.types[t].rep).map_or(0, |g| g.0),
                    RowKind::Value(t, a, v) if same_topology => self
                        .group(tm.types[t].rep)
                        .and_then(|g| g.1.get(&(a, model.value(a, v).to_string())).copied())
                        .unwrap_or(0),
                    RowKind::ProviderMinimum(p) => {
                        self.provider_minimums.get(&model.provider_minimums[p as usize].provider).copied().unwrap_or(0)
                    }
                    RowKind::SpareLimit(l) => {
                        self.spare_limits.get(&spare_key(model, &model.spare_limits[l as usize])).copied().unwrap_or(0)
                    }
                    _ => 0,
                };
                clamp_sign(row.op, y)
            })
            .collect();
        RowMultipliers { denominator: self.denominator as i64, rows }
    }
}

/// What names a spare limit across models of the same inputs.
fn spare_key(model: &Model, limit: &crate::model::SpareLimit) -> (String, String) {
    (model.value(Attribute::DataCenter, limit.data_center).to_string(), limit.provider.clone())
}

/// What identifies a class across models of the same inputs with different
/// candidates: class indices and value indices shift, these do not.
type ClassKey = ([String; 4], String, bool, bool, bool);

fn class_key(model: &Model, c: usize) -> ClassKey {
    let class = &model.classes[c];
    let values = std::array::from_fn(|a| model.values[a][class.values[a] as usize].clone());
    (values, class.original_provider.clone(), class.is_sev, class.synthetic, class.uncounted)
}

/// The class of `model` that `key` names. Classes are sorted by their values'
/// indices, and values are interned in sorted order, so comparing names
/// orders them the same way.
fn find_class(model: &Model, key: &ClassKey) -> Option<u32> {
    let wanted = (key.0.each_ref().map(String::as_str), key.1.as_str(), key.2, key.3, key.4);
    model
        .classes
        .binary_search_by(|class| {
            let values: [&str; 4] = std::array::from_fn(|a| model.values[a][class.values[a] as usize].as_str());
            (values, class.original_provider.as_str(), class.is_sev, class.synthetic, class.uncounted).cmp(&wanted)
        })
        .ok()
        .map(|c| c as u32)
}

/// A solved model, as a starting point for solving a model of the same
/// topology with other candidate nodes (see [`solve_near`]).
#[derive(Clone, Debug)]
pub struct Neighbour {
    hint: Hint,
    /// The classes its allocation uses, by name.
    classes: Vec<ClassKey>,
    /// The allocation, per subnet, with classes as positions in `classes`.
    allocation: Option<Vec<Vec<(u32, u32)>>>,
}

impl Neighbour {
    /// Keep `solution` of `model` as a starting point.
    pub fn new(model: &Model, solution: &Solution) -> Neighbour {
        let mut classes = Vec::new();
        let allocation = solution.allocation.as_ref().map(|a| {
            let mut position: BTreeMap<u32, u32> = BTreeMap::new();
            for &(c, _) in a.subnets.iter().flatten() {
                position.entry(c).or_insert(0);
            }
            for (i, (&c, p)) in position.iter_mut().enumerate() {
                *p = i as u32;
                classes.push(class_key(model, c as usize));
            }
            a.subnets.iter().map(|entries| entries.iter().map(|&(c, n)| (position[&c], n)).collect()).collect()
        });
        Neighbour { hint: Hint::new(model, &solution.certificate), classes, allocation }
    }

    /// The neighbour's allocation in `model`'s classes, with synthetic nodes
    /// swapped for free real ones until it meets `target` or no move is left;
    /// `None` where a class of it does not exist in `model`.
    fn allocation_for(&self, model: &Model, target: i128) -> Option<Allocation> {
        let entries = self.allocation.as_ref()?;
        if entries.len() != model.subnets.len() {
            return None;
        }
        let index: Vec<u32> = self.classes.iter().map(|key| find_class(model, key)).collect::<Option<_>>()?;
        let subnets = entries
            .iter()
            .map(|subnet| {
                let mut mapped: Vec<(u32, u32)> = subnet.iter().map(|&(p, n)| (index[p as usize], n)).collect();
                mapped.sort_unstable();
                mapped
            })
            .collect();
        let mut allocation = Allocation { subnets };
        swap_in_real_nodes(model, &mut allocation, target);
        Some(allocation)
    }
}

/// Replace synthetic nodes by free real nodes wherever the subnets' limits
/// allow it, one node at a time, in a canonical order (subnets, then classes,
/// ascending): directly, or by moving a real node into the synthetic node's
/// place and the free node into the real node's. Every move keeps the
/// allocation feasible and lowers its value by one.
fn swap_in_real_nodes(model: &Model, allocation: &mut Allocation, target: i128) {
    let mut state = SwapState::new(model, allocation);
    let mut value: i128 = allocation
        .subnets
        .iter()
        .flatten()
        .filter(|(c, _)| model.classes[*c as usize].synthetic)
        .map(|(_, n)| *n as i128)
        .sum();
    // Moves through a real node cost more to find: only when direct ones run out.
    while value > target {
        let swaps = match state.direct_swaps() {
            0 => state.swaps_through_real_nodes(),
            n => n,
        };
        if swaps == 0 {
            break;
        }
        value -= swaps as i128;
    }
    for (entries, x) in allocation.subnets.iter_mut().zip(state.x) {
        *entries = x.into_iter().filter(|&(_, n)| n > 0).collect();
    }
}

struct SwapState<'a> {
    model: &'a Model,
    /// Per subnet: nodes per class.
    x: Vec<BTreeMap<u32, u32>>,
    /// Per subnet and attribute: nodes per value index.
    counts: Vec<[Vec<u32>; 4]>,
    used: Vec<u32>,
    /// Per class: its spare limit (index), if any.
    spare_of: Vec<Option<usize>>,
    /// Per spare limit: how many more of its nodes may be assigned.
    spare_room: Vec<i64>,
}

impl<'a> SwapState<'a> {
    fn new(model: &'a Model, allocation: &Allocation) -> SwapState<'a> {
        let mut used = vec![0u32; model.classes.len()];
        let mut x = Vec::with_capacity(allocation.subnets.len());
        let mut counts = Vec::with_capacity(allocation.subnets.len());
        for entries in &allocation.subnets {
            let mut xs = BTreeMap::new();
            let mut cs: [Vec<u32>; 4] = std::array::from_fn(|a| vec![0; model.values[a].len()]);
            for &(c, n) in entries {
                used[c as usize] += n;
                xs.insert(c, n);
                for a in Attribute::ALL {
                    cs[a.index()][model.classes[c as usize].values[a.index()] as usize] += n;
                }
            }
            x.push(xs);
            counts.push(cs);
        }
        let mut spare_of = vec![None; model.classes.len()];
        let mut spare_room = Vec::with_capacity(model.spare_limits.len());
        for (l, limit) in model.spare_limits.iter().enumerate() {
            for &c in &limit.classes {
                spare_of[c as usize] = Some(l);
            }
            spare_room.push(limit.most as i64 - limit.classes.iter().map(|&c| used[c as usize] as i64).sum::<i64>());
        }
        SwapState { model, x, counts, used, spare_of, spare_room }
    }

    /// Whether one more node of `c_in` and one fewer of `c_out` keep every spare limit.
    fn spare_allows(&self, c_in: u32, c_out: u32) -> bool {
        match (self.spare_of[c_in as usize], self.spare_of[c_out as usize]) {
            (None, _) => true,
            (Some(a), Some(b)) if a == b => true,
            (Some(a), _) => self.spare_room[a] > 0,
        }
    }

    /// One more node of `c_in` is assigned, one fewer of `c_out`.
    fn trade(&mut self, c_in: u32, c_out: u32) {
        self.used[c_in as usize] += 1;
        self.used[c_out as usize] -= 1;
        if let Some(a) = self.spare_of[c_in as usize] {
            self.spare_room[a] -= 1;
        }
        if let Some(b) = self.spare_of[c_out as usize] {
            self.spare_room[b] += 1;
        }
    }

    /// Whether one node of class `c_in` may take the place of one of `c_out` in subnet `s`.
    fn fits(&self, s: usize, c_in: u32, c_out: u32) -> bool {
        let subnet = &self.model.subnets[s];
        let (class_in, class_out) = (&self.model.classes[c_in as usize], &self.model.classes[c_out as usize]);
        subnet.admits(class_in)
            && Attribute::ALL.into_iter().all(|a| {
                let (v_in, v_out) = (class_in.values[a.index()], class_out.values[a.index()]);
                if v_in == v_out {
                    return true;
                }
                let (limit_in, limit_out) = (subnet.limit(a, v_in), subnet.limit(a, v_out));
                limit_in.op == LimitOp::AtMost
                    && limit_out.op == LimitOp::AtMost
                    && self.counts[s][a.index()][v_in as usize] < limit_in.count
            })
    }

    fn replace(&mut self, s: usize, c_in: u32, c_out: u32) {
        let (v_in, v_out) = (self.model.classes[c_in as usize].values, self.model.classes[c_out as usize].values);
        for a in Attribute::ALL {
            self.counts[s][a.index()][v_in[a.index()] as usize] += 1;
            self.counts[s][a.index()][v_out[a.index()] as usize] -= 1;
        }
        *self.x[s].get_mut(&c_out).expect("present") -= 1;
        *self.x[s].entry(c_in).or_default() += 1;
    }

    fn has(&self, s: usize, c: u32) -> bool {
        self.x[s].get(&c).is_some_and(|&n| n > 0)
    }

    fn is_free(&self, c: u32) -> bool {
        self.used[c as usize] < self.model.classes[c as usize].count()
    }

    /// Real classes with nodes not yet assigned.
    fn free_classes(&self) -> Vec<u32> {
        let classes = &self.model.classes;
        (0..classes.len() as u32).filter(|&c| !classes[c as usize].synthetic && self.is_free(c)).collect()
    }

    /// Synthetic nodes: (subnet, class) with at least one node.
    fn synthetic_places(&self) -> Vec<(usize, u32)> {
        let classes = &self.model.classes;
        let mut out = Vec::new();
        for (s, xs) in self.x.iter().enumerate() {
            for (&c, &n) in xs {
                if n > 0 && classes[c as usize].synthetic {
                    out.push((s, c));
                }
            }
        }
        out
    }

    /// Free nodes replace synthetic nodes directly. Returns how many did.
    fn direct_swaps(&mut self) -> usize {
        let free = self.free_classes();
        let mut swaps = 0;
        for (s, out) in self.synthetic_places() {
            while self.has(s, out) {
                let Some(&c) =
                    free.iter().find(|&&c| self.is_free(c) && self.spare_allows(c, out) && self.fits(s, c, out))
                else {
                    break;
                };
                self.replace(s, c, out);
                self.trade(c, out);
                swaps += 1;
            }
        }
        swaps
    }

    /// A real node of subnet `s1` replaces a synthetic node of subnet `s2`, and
    /// a free node takes its place in `s1`. Returns how many such moves it made.
    fn swaps_through_real_nodes(&mut self) -> usize {
        let free = self.free_classes();
        if free.is_empty() {
            return 0;
        }
        let classes = &self.model.classes;
        // Per subnet: its real nodes that a free node could replace, with that
        // free node. Moves change it, so each is re-checked before it is made.
        let displaceable: Vec<Vec<(u32, u32)>> = (0..self.x.len())
            .map(|s1| {
                self.x[s1]
                    .iter()
                    .filter(|&(&r, &n)| n > 0 && !classes[r as usize].synthetic)
                    .filter_map(|(&r, _)| free.iter().find(|&&c| self.fits(s1, c, r)).map(|&c| (r, c)))
                    .collect()
            })
            .collect();
        let mut swaps = 0;
        for (s2, out) in self.synthetic_places() {
            'place: while self.has(s2, out) {
                for (s1, options) in displaceable.iter().enumerate() {
                    if s1 == s2 {
                        continue;
                    }
                    for &(r, c) in options {
                        if self.has(s1, r)
                            && self.is_free(c)
                            && self.spare_allows(c, out)
                            && self.fits(s2, r, out)
                            && self.fits(s1, c, r)
                        {
                            self.replace(s2, r, out);
                            self.replace(s1, c, r);
                            self.trade(c, out);
                            swaps += 1;
                            continue 'place;
                        }
                    }
                }
                break;
            }
        }
        swaps
    }
}

/// Solve the type model as an integer program: fewest synthetic nodes.
fn solve_type_model(tm: &TypeModel, budget_left: u64, work: &mut Work) -> IntResult {
    if tm.rows.iter().any(|r| r.terms.is_empty() && r.rhs > 0 && !matches!(r.op, ComparisonOp::Le)) {
        return IntResult::Infeasible;
    }
    let mut p = Program::minimize();
    for j in 0..tm.vars.len() {
        p.integer(tm.cost[j] as f64, 0, tm.int_ub[j] as i32);
    }
    for r in tm.rows.iter().filter(|r| r.in_program) {
        if r.terms.is_empty() {
            continue;
        }
        p.row(r.terms(), r.op, r.rhs as f64);
    }
    p.solve_integer(budget_left, work)
}

impl LpRow for Row {
    fn terms(&self) -> impl Iterator<Item = (usize, f64)> {
        self.terms.iter().map(|&j| (j, 1.0))
    }
    fn op(&self) -> ComparisonOp {
        self.op
    }
    fn rhs(&self) -> f64 {
        self.rhs as f64
    }
}

/// Split class totals of one type into its subnets. Returns per subnet the
/// (class, count) lists, or None when the totals could not be split.
fn split_type(
    model: &Model,
    subnet: &Subnet,
    m: usize,
    totals: &BTreeMap<u32, i64>,
    work: &mut Work,
) -> Option<Vec<Vec<(u32, u32)>>> {
    if m == 1 {
        return Some(vec![totals.iter().filter(|(_, &n)| n > 0).map(|(&c, &n)| (c, n as u32)).collect()]);
    }
    let classes: Vec<u32> = totals.iter().filter(|(_, &n)| n > 0).map(|(&c, _)| c).collect();
    let mut rem: Vec<i64> = classes.iter().map(|c| totals[c]).collect();
    let caps: Vec<i64> = classes.iter().map(|&c| subnet.class_cap(&model.classes[c as usize]) as i64).collect();
    // Value groups: (attribute, value) -> positions in `classes`, and their limits.
    let mut groups: BTreeMap<(Attribute, u32), Vec<usize>> = BTreeMap::new();
    for (i, &c) in classes.iter().enumerate() {
        for a in Attribute::ALL {
            groups.entry((a, model.classes[c as usize].values[a.index()])).or_default().push(i);
        }
    }
    let groups: Vec<(Vec<usize>, i64, bool)> = groups
        .into_iter()
        .map(|((a, v), members)| {
            let l = subnet.limit(a, v);
            (members, l.count as i64, l.op == LimitOp::Exactly)
        })
        .collect();
    let mut groups_of: Vec<Vec<usize>> = vec![Vec::new(); classes.len()];
    for (g, (members, _, _)) in groups.iter().enumerate() {
        for &i in members {
            groups_of[i].push(g);
        }
    }
    let size = subnet.size as i64;
    let mut out = Vec::with_capacity(m);
    for j in 0..m {
        let r = (m - j) as i64;
        let pick = greedy_pick(&rem, &caps, &groups, &groups_of, size, r).or_else(|| {
            work.split_programs += 1;
            program_pick(&rem, &caps, &groups, size, r)
        });
        let pick = pick?;
        let mut entries = Vec::new();
        for (i, &x) in pick.iter().enumerate() {
            if x > 0 {
                rem[i] -= x;
                entries.push((classes[i], x as u32));
            }
        }
        out.push(entries);
    }
    Some(out)
}

/// Lower and upper bounds on a value group's count in the next subnet, so
/// that the rest still fits into the `r - 1` subnets after it.
fn group_bounds(rem_total: i64, limit: i64, exact: bool, r: i64) -> (i64, i64) {
    if exact {
        (limit, limit)
    } else {
        ((rem_total - (r - 1) * limit).max(0), limit)
    }
}

/// Pick one subnet's nodes greedily: serve the value groups under the most
/// pressure first, never exceeding a limit; None if a lower bound is missed.
fn greedy_pick(
    rem: &[i64],
    caps: &[i64],
    groups: &[(Vec<usize>, i64, bool)],
    groups_of: &[Vec<usize>],
    size: i64,
    r: i64,
) -> Option<Vec<i64>> {
    let n = rem.len();
    let mut x = vec![0i64; n];
    let mut group_rem: Vec<i64> = groups.iter().map(|(m, _, _)| m.iter().map(|&i| rem[i]).sum()).collect();
    let mut group_taken = vec![0i64; groups.len()];
    let bounds: Vec<(i64, i64)> =
        groups.iter().zip(&group_rem).map(|((_, l, e), &t)| group_bounds(t, *l, *e, r)).collect();
    for _ in 0..size {
        // Score: (unmet lower bounds served, pressure in millionths); ties by position.
        let mut best: Option<(i64, i64, usize)> = None;
        for i in 0..n {
            let lo_class = rem[i] - (r - 1) * caps[i];
            if x[i] >= rem[i] || x[i] >= caps[i] {
                continue;
            }
            if groups_of[i].iter().any(|&g| group_taken[g] >= bounds[g].1) {
                continue;
            }
            let mut urgent = (lo_class > x[i]) as i64;
            let mut pressure = 0i64;
            for &g in &groups_of[i] {
                if group_taken[g] < bounds[g].0 {
                    urgent += 1;
                }
                pressure += group_rem[g] * 1_000_000 / (r * groups[g].1.max(1));
            }
            let key = (urgent, pressure, usize::MAX - i);
            if best.is_none_or(|(u, p, k)| key > (u, p, k)) {
                best = Some(key);
            }
        }
        let (_, _, k) = best?;
        let i = usize::MAX - k;
        x[i] += 1;
        for &g in &groups_of[i] {
            group_taken[g] += 1;
            group_rem[g] -= 1;
        }
    }
    let ok = (0..n).all(|i| x[i] >= rem[i] - (r - 1) * caps[i])
        && groups.iter().enumerate().all(|(g, _)| group_taken[g] >= bounds[g].0);
    ok.then_some(x)
}

/// Pick one subnet's nodes with a small integer program.
fn program_pick(rem: &[i64], caps: &[i64], groups: &[(Vec<usize>, i64, bool)], size: i64, r: i64) -> Option<Vec<i64>> {
    let mut p = Program::minimize();
    let vars: Vec<usize> = (0..rem.len())
        .map(|i| {
            let lo = (rem[i] - (r - 1) * caps[i]).max(0);
            let hi = rem[i].min(caps[i]);
            p.integer(0.0, lo.min(hi) as i32, hi as i32)
        })
        .collect();
    if (0..rem.len()).any(|i| rem[i] - (r - 1) * caps[i] > rem[i].min(caps[i])) {
        return None;
    }
    let all: Vec<(usize, f64)> = vars.iter().map(|&v| (v, 1.0)).collect();
    p.row(all.iter().copied(), ComparisonOp::Eq, size as f64);
    for (members, limit, exact) in groups {
        let total: i64 = members.iter().map(|&i| rem[i]).sum();
        let (lo, hi) = group_bounds(total, *limit, *exact, r);
        let expr: Vec<(usize, f64)> = members.iter().map(|&i| (vars[i], 1.0)).collect();
        if lo > 0 {
            p.row(expr.iter().copied(), ComparisonOp::Ge, lo as f64);
        }
        p.row(expr.iter().copied(), ComparisonOp::Le, hi as f64);
    }
    p.first_solution(200)
}

/// What a type may use when its subnets are filled by one integer program:
/// every class up to what the other types leave, no more synthetic nodes than
/// the type model gave it, and the provider minimums that no other type meets.
struct TypeRoom {
    available: BTreeMap<u32, i64>,
    synthetic: i64,
    minimums: Vec<Vec<u32>>,
    /// Spare limits: the classes of a pair and how many of them the type may
    /// still take (the limit less what the other types use).
    spare: Vec<(Vec<u32>, i64)>,
}

/// Fill a type's `m` subnets with one integer program.
fn program_split(
    model: &Model,
    subnet: &Subnet,
    m: usize,
    room: &TypeRoom,
    budget_left: u64,
    work: &mut Work,
) -> Option<Vec<Vec<(u32, u32)>>> {
    let classes: Vec<(u32, i64)> = room
        .available
        .iter()
        .filter(|(&c, &n)| n > 0 && subnet.class_cap(&model.classes[c as usize]) > 0)
        .map(|(&c, &n)| (c, n))
        .collect();
    let mut p = Program::minimize();
    let vars: Vec<Vec<usize>> = (0..m)
        .map(|_| {
            classes
                .iter()
                .map(|&(c, n)| {
                    let class = &model.classes[c as usize];
                    let cap = (subnet.class_cap(class) as i64).min(n);
                    p.integer(class.synthetic as u8 as f64, 0, cap as i32)
                })
                .collect()
        })
        .collect();
    let column = |i: usize| -> Vec<(usize, f64)> { (0..m).map(|s| (vars[s][i], 1.0)).collect() };
    for (i, &(_, n)) in classes.iter().enumerate() {
        p.row(column(i), ComparisonOp::Le, n as f64);
    }
    let synthetic: Vec<(usize, f64)> = classes
        .iter()
        .enumerate()
        .filter(|(_, (c, _))| model.classes[*c as usize].synthetic)
        .flat_map(|(i, _)| column(i))
        .collect();
    p.row(synthetic.iter().copied(), ComparisonOp::Le, room.synthetic as f64);
    for group in &room.minimums {
        let expr: Vec<(usize, f64)> = classes
            .iter()
            .enumerate()
            .filter(|(_, (c, _))| group.binary_search(c).is_ok())
            .flat_map(|(i, _)| column(i))
            .collect();
        p.row(expr.iter().copied(), ComparisonOp::Ge, 1.0);
    }
    for (group, room) in &room.spare {
        let expr: Vec<(usize, f64)> = classes
            .iter()
            .enumerate()
            .filter(|(_, (c, _))| group.binary_search(c).is_ok())
            .flat_map(|(i, _)| column(i))
            .collect();
        if !expr.is_empty() {
            p.row(expr.iter().copied(), ComparisonOp::Le, *room as f64);
        }
    }
    let mut groups: BTreeMap<(Attribute, u32), Vec<usize>> = BTreeMap::new();
    for (i, &(c, _)) in classes.iter().enumerate() {
        for a in Attribute::ALL {
            groups.entry((a, model.classes[c as usize].values[a.index()])).or_default().push(i);
        }
    }
    for subnet_vars in &vars {
        let all: Vec<(usize, f64)> = subnet_vars.iter().map(|&v| (v, 1.0)).collect();
        p.row(all.iter().copied(), ComparisonOp::Eq, subnet.size as f64);
        for (&(a, v), members) in &groups {
            let limit = subnet.limit(a, v);
            let op = if limit.op == LimitOp::Exactly { ComparisonOp::Eq } else { ComparisonOp::Le };
            let expr: Vec<(usize, f64)> = members.iter().map(|&i| (subnet_vars[i], 1.0)).collect();
            p.row(expr.iter().copied(), op, limit.count as f64);
        }
    }
    let IntResult::Solved(values) = p.solve_integer(budget_left, work) else {
        return None;
    };
    let k = classes.len();
    Some(
        (0..m)
            .map(|s| {
                classes
                    .iter()
                    .enumerate()
                    .filter_map(|(i, &(c, _))| {
                        let x = values[s * k + i] as u32;
                        (x > 0).then_some((c, x))
                    })
                    .collect()
            })
            .collect(),
    )
}

/// The plain class-by-subnet model as one integer program (the fallback).
/// The plain class-by-subnet integer program, minimising the synthetic nodes
/// or, with `costs` (one per class), the weighted cost.
fn solve_full_model(model: &Model, costs: Option<&[i64]>, budget_left: u64, work: &mut Work) -> IntResult {
    work.full_model = true;
    let mut p = Program::minimize();
    let mut index = Vec::new();
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); model.classes.len()];
    for (s, subnet) in model.subnets.iter().enumerate() {
        let mut by_value: BTreeMap<(Attribute, u32), Vec<usize>> = BTreeMap::new();
        let mut all = Vec::new();
        for (c, class) in model.classes.iter().enumerate() {
            let cap = subnet.class_cap(class);
            if cap == 0 {
                continue;
            }
            let cost = costs.map_or(class.synthetic as u8 as f64, |costs| costs[c] as f64);
            let v = p.integer(cost, 0, cap as i32);
            index.push((s, c));
            all.push((v, 1.0));
            by_class[c].push(v);
            for a in Attribute::ALL {
                by_value.entry((a, class.values[a.index()])).or_default().push(v);
            }
        }
        p.row(all.iter().copied(), ComparisonOp::Eq, subnet.size as f64);
        for &(a, v, limit) in &subnet.special {
            if limit.op == LimitOp::Exactly && limit.count > 0 && !by_value.contains_key(&(a, v)) {
                return IntResult::Infeasible;
            }
        }
        for ((a, v), terms) in by_value {
            let limit = subnet.limit(a, v);
            let expr: Vec<(usize, f64)> = terms.iter().map(|&v| (v, 1.0)).collect();
            let op = if limit.op == LimitOp::Exactly { ComparisonOp::Eq } else { ComparisonOp::Le };
            p.row(expr.iter().copied(), op, limit.count as f64);
        }
    }
    for (c, vs) in by_class.iter().enumerate() {
        let expr: Vec<(usize, f64)> = vs.iter().map(|&v| (v, 1.0)).collect();
        p.row(expr.iter().copied(), ComparisonOp::Le, model.classes[c].count() as f64);
    }
    for pm in &model.provider_minimums {
        let expr: Vec<(usize, f64)> =
            pm.classes.iter().flat_map(|&c| by_class[c as usize].iter().map(|&v| (v, 1.0))).collect();
        p.row(expr.iter().copied(), ComparisonOp::Ge, 1.0);
    }
    for limit in &model.spare_limits {
        let expr: Vec<(usize, f64)> =
            limit.classes.iter().flat_map(|&c| by_class[c as usize].iter().map(|&v| (v, 1.0))).collect();
        p.row(expr.iter().copied(), ComparisonOp::Le, limit.most as f64);
    }
    match p.solve_integer(budget_left, work) {
        IntResult::Solved(values) => {
            // Re-encode as (subnet, class) totals in the variables' order.
            let mut flat = vec![0i64; model.subnets.len() * model.classes.len()];
            for (k, &(s, c)) in index.iter().enumerate() {
                flat[s * model.classes.len() + c] = values[k];
            }
            IntResult::Solved(flat)
        }
        other => other,
    }
}

/// An allocation from [`solve_full_model`]'s (subnet, class) totals.
fn flat_allocation(model: &Model, flat: &[i64]) -> Allocation {
    let nc = model.classes.len();
    Allocation {
        subnets: (0..model.subnets.len())
            .map(|s| (0..nc).filter(|&c| flat[s * nc + c] > 0).map(|c| (c as u32, flat[s * nc + c] as u32)).collect())
            .collect(),
    }
}

fn type_room(model: &Model, tm: &TypeModel, totals: &[i64], t: usize) -> TypeRoom {
    let mut available: BTreeMap<u32, i64> =
        model.classes.iter().enumerate().map(|(c, class)| (c as u32, class.count() as i64)).collect();
    let mut synthetic = 0;
    for (j, &(c, tt)) in tm.vars.iter().enumerate() {
        if tt == t {
            synthetic += totals[j] * tm.cost[j];
        } else if let Some(a) = available.get_mut(&c) {
            *a -= totals[j];
        }
    }
    let mut used_elsewhere = vec![false; model.classes.len()];
    for (&(c, tt), &z) in tm.vars.iter().zip(totals) {
        if tt != t && z > 0 {
            used_elsewhere[c as usize] = true;
        }
    }
    let minimums = model
        .provider_minimums
        .iter()
        .filter(|pm| !pm.classes.iter().any(|&c| used_elsewhere[c as usize]))
        .map(|pm| pm.classes.clone())
        .collect();
    let spare = model
        .spare_limits
        .iter()
        .map(|l| {
            let elsewhere: i64 = tm
                .vars
                .iter()
                .zip(totals)
                .filter(|((c, tt), _)| *tt != t && l.classes.binary_search(c).is_ok())
                .map(|(_, &z)| z)
                .sum();
            (l.classes.clone(), l.most as i64 - elsewhere)
        })
        .collect();
    TypeRoom { available, synthetic, minimums, spare }
}

/// Solve the model exactly under `budget`.
pub fn solve(model: &Model, budget: Budget) -> Solution {
    solve_near(model, budget, &[], true)
}

/// As [`solve`], starting from solved neighbours: models of the same topology
/// with fewer or more candidate nodes (the points of a candidate curve). Their
/// allocations, improved by swapping synthetic nodes for free real ones, give
/// an allocation; their certificates, re-optimised for this model, give a
/// bound. Where the two meet, that is the optimum and nothing else is solved;
/// otherwise the LP bound is computed (and where it meets the allocation, the
/// integer program is skipped), then the integer program decides.
///
/// With `may_solve` false, nothing is solved beyond that first step: where the
/// neighbours do not prove the optimum, the answer is `budget_exceeded` with
/// the bounds they give (the caller has no budget left for a full solve).
pub fn solve_near(model: &Model, budget: Budget, near: &[&Neighbour], may_solve: bool) -> Solution {
    let mut solution = solve_near_bounds(model, budget, near, may_solve);
    if solution.status == Status::Infeasible {
        // An infeasible answer carries no bound (there is no value to bound);
        // its proof is the infeasibility certificate.
        solution.lower_bound = 0;
        solution.upper_bound = None;
        solution.certificate_is_tight = false;
        // Without leave to solve, no LP: the lower-bound certificate, when it
        // proves more than every synthetic node, gives a (less sparse) one.
        let found = if may_solve { infeasibility_certificate(model, &mut solution.work) } else { None };
        solution.infeasibility = found.or_else(|| infeasibility_from_bound(model, &solution.certificate));
    }
    solution
}

/// An infeasibility certificate made from a lower-bound certificate whose
/// bound L exceeds the S synthetic nodes there are: adding -1 (times the
/// denominator) to every synthetic class row's multiplier turns the objective
/// "synthetic nodes" into the zero objective and the bound into L - S > 0.
/// Exact; `None` when the bound is not above S.
fn infeasibility_from_bound(model: &Model, certificate: &Certificate) -> Option<Certificate> {
    let d = i64::try_from(certificate.denominator).ok()?;
    let mut classes: BTreeMap<u32, i64> = certificate.classes.iter().copied().collect();
    for (c, class) in model.classes.iter().enumerate() {
        if class.synthetic {
            *classes.entry(c as u32).or_default() -= d;
        }
    }
    let farkas = Certificate {
        denominator: certificate.denominator,
        classes: classes.into_iter().filter(|&(_, m)| m != 0).collect(),
        provider_minimums: certificate.provider_minimums.clone(),
        spare_limits: certificate.spare_limits.clone(),
        subnets: certificate.subnets.clone(),
    };
    check::check_infeasibility_certificate(model, &farkas).is_ok().then_some(farkas)
}

fn solve_near_bounds(model: &Model, budget: Budget, near: &[&Neighbour], may_solve: bool) -> Solution {
    let mut work = Work::default();
    let tm = build_type_model(model);
    let max_value = model.synthetic_nodes() as i128;

    // The best allocation that the neighbours' allocations lead to.
    // The best bound that the neighbours' certificates give, re-optimised for
    // this model: ranked in the type model's terms, then checked.
    let mut best_rows: Option<(RowMultipliers, i128)> = None;
    for n in near {
        let mut rows = n.hint.row_multipliers(model, &tm);
        rows.best_class_multipliers(&tm);
        let numerator = rows.bound_numerator(&tm, &rows.reduced_costs(&tm));
        let ceil = check::Bound { numerator, denominator: rows.denominator as u64 }.ceil();
        if best_rows.as_ref().is_none_or(|(_, c)| ceil > *c) {
            best_rows = Some((rows, ceil));
        }
    }
    let hinted: Option<(Certificate, check::Bound)> = best_rows.and_then(|(rows, _)| {
        let certificate = rows.certificate(&tm);
        check::check_certificate(model, &certificate).ok().map(|bound| (certificate, bound))
    });
    // The best allocation that the neighbours' allocations lead to, improved
    // until it meets that bound (it cannot go below it).
    let target = hinted.as_ref().map_or(0, |(_, b)| b.ceil().max(0));
    let mut start: Option<(u32, Allocation)> = None;
    for n in near {
        if let Some(a) = n.allocation_for(model, target) {
            if let Ok(value) = check::check_allocation(model, &a) {
                if start.as_ref().is_none_or(|(v, _)| value < *v) {
                    start = Some((value, a));
                }
                if value as i128 <= target {
                    break;
                }
            }
        }
    }
    // An allocation with no synthetic node is optimal whatever the
    // neighbours' certificates give: the zero certificate proves the bound 0.
    let hinted = hinted.or_else(|| {
        let zero = Certificate::zero(model);
        matches!(start, Some((0, _)))
            .then(|| check::check_certificate(model, &zero).ok())
            .flatten()
            .map(|bound| (zero, bound))
    });
    let meets = |bound: &check::Bound| match &start {
        Some((value, _)) => bound.ceil() >= *value as i128,
        None => bound.ceil() > max_value,
    };
    let (certificate, bound) = match hinted {
        Some((c, b)) if meets(&b) => (c, b),
        hinted if !may_solve => {
            let (certificate, bound) =
                hinted.unwrap_or_else(|| (Certificate::zero(model), check::Bound { numerator: 0, denominator: 1 }));
            let lower = bound.ceil().clamp(0, u32::MAX as i128) as u32;
            let (upper, allocation) = match start {
                Some((v, a)) => (Some(v), Some(a)),
                None => (None, None),
            };
            return Solution {
                status: Status::BudgetExceeded,
                objective: None,
                lower_bound: lower,
                upper_bound: upper,
                allocation,
                certificate,
                certificate_is_tight: false,
                infeasibility: None,
                work,
            };
        }
        _ => lower_bound(model, &tm, &mut work, None),
    };
    if let Some((value, allocation)) = &start {
        if bound.ceil() >= *value as i128 {
            return Solution {
                status: Status::Optimal,
                objective: Some(*value),
                lower_bound: *value,
                upper_bound: Some(*value),
                allocation: Some(allocation.clone()),
                certificate,
                certificate_is_tight: true,
                infeasibility: None,
                work,
            };
        }
    }
    let lower = bound.ceil().max(0);
    let answer = |status, upper: Option<u32>, allocation, lower_bound: u32, work: Work, tight| Solution {
        status,
        objective: (status == Status::Optimal).then_some(upper.unwrap_or(0)),
        lower_bound,
        upper_bound: upper,
        allocation,
        certificate: certificate.clone(),
        certificate_is_tight: tight,
        infeasibility: None,
        work,
    };
    if lower > max_value {
        // The certificate alone proves that not even every synthetic node suffices.
        return answer(Status::Infeasible, None, None, lower.min(u32::MAX as i128) as u32, work, true);
    }
    let lower = lower as u32;

    let totals = match solve_type_model(&tm, budget.branch_nodes, &mut work) {
        IntResult::Solved(z) => z,
        IntResult::Infeasible => return answer(Status::Infeasible, None, None, lower, work, false),
        IntResult::OutOfBudget => return answer(Status::BudgetExceeded, None, None, lower, work, false),
    };
    let type_value: i64 = totals.iter().zip(&tm.cost).map(|(z, c)| z * c).sum();
    let lower = lower.max(type_value as u32);

    // Split each type's totals into its subnets.
    let mut allocation = Allocation { subnets: vec![Vec::new(); model.subnets.len()] };
    let mut split_ok = true;
    for (t, ty) in tm.types.iter().enumerate() {
        let type_totals: BTreeMap<u32, i64> =
            tm.vars.iter().zip(&totals).filter(|((_, tt), &z)| *tt == t && z > 0).map(|((c, _), &z)| (*c, z)).collect();
        let subnet = &model.subnets[ty.rep];
        let m = ty.subnets.len();
        let mut parts = split_type(model, subnet, m, &type_totals, &mut work);
        if parts.is_none() {
            // These totals do not split: fill the type's subnets with one
            // program that may use any node the other types leave free.
            work.split_programs += 1;
            let room = type_room(model, &tm, &totals, t);
            let left = budget.branch_nodes.saturating_sub(work.branch_nodes);
            parts = program_split(model, subnet, m, &room, left, &mut work);
        }
        match parts {
            Some(parts) => {
                for (&s, part) in ty.subnets.iter().zip(parts) {
                    allocation.subnets[s as usize] = part;
                }
            }
            None => {
                split_ok = false;
                break;
            }
        }
    }
    let mut checked = if split_ok { check::check_allocation(model, &allocation).ok() } else { None };
    let mut lower = lower;
    if checked.is_none() {
        let left = budget.branch_nodes.saturating_sub(work.branch_nodes);
        match solve_full_model(model, None, left, &mut work) {
            IntResult::Solved(flat) => {
                allocation = flat_allocation(model, &flat);
                checked = check::check_allocation(model, &allocation).ok();
                // The plain model was solved to optimality: its value is the optimum.
                if let Some(value) = checked {
                    lower = lower.max(value);
                }
            }
            IntResult::Infeasible => return answer(Status::Infeasible, None, None, lower, work, false),
            IntResult::OutOfBudget => return answer(Status::BudgetExceeded, None, None, lower, work, false),
        }
    }
    match checked {
        Some(value) if value <= lower => {
            let tight = bound.ceil() >= value as i128;
            answer(Status::Optimal, Some(value), Some(allocation), value, work, tight)
        }
        // An allocation above the proven bound: its value is only an upper bound.
        Some(value) => answer(Status::BudgetExceeded, Some(value), Some(allocation), lower, work, false),
        None => answer(Status::BudgetExceeded, None, None, lower, work, false),
    }
}

/// The answer of a solve under other class costs (see [`solve_weighted`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightedSolution {
    /// Optimal, infeasible, or out of budget.
    pub status: Status,
    /// The least total cost; `Some` only when `Optimal`.
    pub value: Option<i64>,
    /// What the certificate proves (checked): every allocation costs at least this.
    pub bound: check::Bound,
    /// An allocation of least cost (checked), when `Optimal`.
    pub allocation: Option<Allocation>,
    /// The certificate of `bound`.
    pub certificate: Certificate,
    /// What the solve cost.
    pub work: Work,
}

/// Solve `model` for the least `sum over classes c of costs[c] x (nodes of c
/// assigned)` instead of the synthetic nodes (a secondary objective; costs
/// are one per class, at least 0): the type model's LP dual gives the
/// certificate (re-checked by [`check::check_weighted_certificate`]), its
/// integer program the class-by-type totals, which are split into subnets
/// (which keeps every class total, hence the cost) and checked. Totals that
/// do not split fall back to the plain subnet model under the same costs,
/// with what is left of the budget.
pub fn solve_weighted(model: &Model, costs: &[i64], budget: Budget) -> WeightedSolution {
    let mut work = Work::default();
    let zero_bound = check::Bound { numerator: 0, denominator: 1 };
    let answer = |status, value, bound, allocation, certificate, work| WeightedSolution {
        status,
        value,
        bound,
        allocation,
        certificate,
        work,
    };
    if costs.len() != model.classes.len() || costs.iter().any(|&c| c < 0) {
        return answer(Status::BudgetExceeded, None, zero_bound, None, Certificate::zero(model), work);
    }
    let mut tm = build_type_model(model);
    for (j, &(c, _)) in tm.vars.iter().enumerate() {
        tm.cost[j] = costs[c as usize];
    }
    let (certificate, bound) = lower_bound(model, &tm, &mut work, Some(costs));
    let totals = match solve_type_model(&tm, budget.branch_nodes, &mut work) {
        IntResult::Solved(z) => z,
        IntResult::Infeasible => return answer(Status::Infeasible, None, bound, None, certificate, work),
        IntResult::OutOfBudget => return answer(Status::BudgetExceeded, None, bound, None, certificate, work),
    };
    let type_value: i64 = totals.iter().zip(&tm.cost).map(|(z, c)| z * c).sum();
    let mut allocation = Allocation { subnets: vec![Vec::new(); model.subnets.len()] };
    let mut split_ok = true;
    for (t, ty) in tm.types.iter().enumerate() {
        let type_totals: BTreeMap<u32, i64> =
            tm.vars.iter().zip(&totals).filter(|((_, tt), &z)| *tt == t && z > 0).map(|((c, _), &z)| (*c, z)).collect();
        let subnet = &model.subnets[ty.rep];
        let Some(parts) = split_type(model, subnet, ty.subnets.len(), &type_totals, &mut work) else {
            split_ok = false;
            break;
        };
        for (&s, part) in ty.subnets.iter().zip(parts) {
            allocation.subnets[s as usize] = part;
        }
    }
    let cost_of = |allocation: &Allocation| -> i64 {
        allocation.subnets.iter().flatten().map(|&(c, n)| costs[c as usize] * n as i64).sum()
    };
    // The type model relaxes the subnet model: a split of its optimum that
    // checks and keeps its cost is optimal for the subnet model.
    if split_ok && check::check_allocation(model, &allocation).is_ok() && cost_of(&allocation) == type_value {
        return answer(Status::Optimal, Some(type_value), bound, Some(allocation), certificate, work);
    }
    // The totals do not split (or their split does not keep the cost): solve
    // the plain subnet model under the same costs with what is left of the budget.
    let left = budget.branch_nodes.saturating_sub(work.branch_nodes);
    match solve_full_model(model, Some(costs), left, &mut work) {
        IntResult::Solved(flat) => {
            let allocation = flat_allocation(model, &flat);
            let value = cost_of(&allocation);
            match check::check_allocation(model, &allocation) {
                Ok(_) => answer(Status::Optimal, Some(value), bound, Some(allocation), certificate, work),
                Err(_) => answer(Status::BudgetExceeded, None, bound, None, certificate, work),
            }
        }
        IntResult::Infeasible => answer(Status::Infeasible, None, bound, None, certificate, work),
        IntResult::OutOfBudget => answer(Status::BudgetExceeded, None, bound, None, certificate, work),
    }
}

#[cfg(test)]
mod tests;

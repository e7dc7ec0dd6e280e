//! Candidate evaluation: do these candidate nodes reduce the ObjectiveValue
//! one for one?
//!
//! The baseline is the network without the candidates; the curve adds the
//! candidate nodes one at a time (in the order given) and solves each point
//! exactly, so it shows where added nodes stop paying off. The optimal
//! deployment size is the largest N up to which every added node still lowers
//! the value by one.

use crate::check::Allocation;
use crate::inputs::{Attribute, CandidateRow, Inputs, LimitOp};
use crate::model::{self, Model};
use crate::shortfall::{self, Shortfall};
use crate::solve::{self, Budget, Neighbour, Solution, Status};
use serde::{Deserialize, Serialize};

/// Whether the candidates reduce the ObjectiveValue one for one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The reduction equals the number of candidate nodes.
    OneForOne,
    /// The candidates reduce the value, by less than their number.
    Diminishing,
    /// The candidates do not reduce the value.
    None,
}

/// One point of the curve: the first `nodes` candidate nodes added.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Candidate nodes added (the first N of the candidates).
    pub nodes: u32,
    /// The status of this point's solve.
    pub status: Status,
    /// The ObjectiveValue with these nodes; `Some` only when optimal.
    pub objective: Option<u32>,
    /// Proven: at least this many synthetic nodes are needed.
    pub lower_bound: u32,
    /// The value of the best allocation found, if any.
    pub upper_bound: Option<u32>,
    /// Seats left empty (see [`crate::shortfall`]): 0 when optimal; when
    /// infeasible, the least number of them, when proven; `None` otherwise.
    #[serde(default)]
    pub shortfall: Option<u32>,
    /// When infeasible and `shortfall` is known: the ObjectiveValue of the
    /// rest (the least synthetic nodes with `shortfall` seats left empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shortfall_objective: Option<u32>,
}

impl CurvePoint {
    fn of(nodes: u32, s: &Solution, shortfall: Option<&Shortfall>) -> CurvePoint {
        let (seats, rest) = match (s.status, shortfall) {
            (Status::Optimal, _) => (Some(0), None),
            (Status::Infeasible, Some(f)) if f.status == Status::Optimal => (f.seats, f.objective),
            _ => (None, None),
        };
        CurvePoint {
            nodes,
            status: s.status,
            objective: s.objective,
            lower_bound: s.lower_bound,
            upper_bound: s.upper_bound,
            shortfall: seats,
            shortfall_objective: rest,
        }
    }

    /// The point's value on the (shortfall, ObjectiveValue) scale, a seat of
    /// shortfall counting like one node of ObjectiveValue: the ObjectiveValue
    /// when optimal, seats left empty plus the rest's ObjectiveValue when
    /// infeasible with a known shortfall; `None` otherwise.
    pub fn value(&self) -> Option<i64> {
        match self.status {
            Status::Optimal => self.objective.map(i64::from),
            Status::Infeasible => Some(i64::from(self.shortfall?) + i64::from(self.shortfall_objective?)),
            Status::BudgetExceeded => None,
        }
    }

    /// The point in words for the curve: the ObjectiveValue, or "shortfall S + N"
    /// (S seats left empty, N synthetic nodes for the rest), or `-`.
    pub fn value_text(&self) -> String {
        match (self.status, self.objective, self.shortfall, self.shortfall_objective) {
            (Status::Optimal, Some(v), _, _) => v.to_string(),
            (Status::Infeasible, _, Some(s), Some(n)) => format!("shortfall {s} + {n}"),
            _ => "-".into(),
        }
    }
}

/// The full answer for a set of candidates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    /// How many candidate nodes the rows stand for.
    pub candidate_nodes: u32,
    /// The solve with every candidate node included.
    pub solution: Solution,
    /// The ObjectiveValue without candidates (`None` unless optimal).
    pub baseline_objective: Option<u32>,
    /// The status of the solve without candidates.
    pub baseline_status: Status,
    /// When the solve with every candidate is infeasible: the shortfall (see
    /// [`crate::shortfall`]), the least seats left empty, then the least
    /// synthetic nodes for the rest, with its allocation and certificate.
    #[serde(default)]
    pub shortfall: Option<Shortfall>,
    /// The shortfall without candidates: 0 when the baseline is optimal.
    #[serde(default)]
    pub baseline_shortfall: Option<u32>,
    /// Baseline minus the value with candidates, both on the (shortfall,
    /// ObjectiveValue) scale ([`CurvePoint::value`]: a seat of shortfall
    /// counts like one node of ObjectiveValue; plain ObjectiveValues when both
    /// are optimal); may be negative when candidates bring a per-provider
    /// minimum with them.
    pub reduction: Option<i64>,
    /// `one_for_one`, `diminishing` or `none`; `None` unless both values are known.
    pub verdict: Option<Verdict>,
    /// N = 0 ..= candidate_nodes.
    pub curve: Vec<CurvePoint>,
    /// Largest N up to which every added node lowered the value (on the
    /// scale of [`CurvePoint::value`]) by one.
    pub optimal_deployment_size: Option<u32>,
}

/// Whether every point of a curve between two equal ends has their value: where
/// two points have the same constraints that nodes can create, every allocation
/// of the smaller one is one of the larger, so neither the ObjectiveValue nor
/// the shortfall (least seats, then least synthetic nodes) can rise between them.
fn same_value(a: &CurvePoint, b: &CurvePoint) -> bool {
    match (a.status, b.status) {
        (Status::Optimal, Status::Optimal) => a.objective == b.objective,
        (Status::Infeasible, Status::Infeasible) => {
            a.shortfall.is_some() && (a.shortfall, a.shortfall_objective) == (b.shortfall, b.shortfall_objective)
        }
        _ => false,
    }
}

/// The reduction, verdict and optimal deployment size a curve gives (the
/// evaluation and [`crate::verify`] both derive them so): on the scale of
/// [`CurvePoint::value`].
pub fn derived(curve: &[CurvePoint]) -> (Option<i64>, Option<Verdict>, Option<u32>) {
    let total = curve.len().saturating_sub(1) as i64;
    let (Some(first), Some(last)) = (curve.first(), curve.last()) else { return (None, None, None) };
    let reduction = match (first.value(), last.value()) {
        (Some(b), Some(w)) if total > 0 => Some(b - w),
        _ => None,
    };
    let verdict = reduction.map(|r| {
        if r == total {
            Verdict::OneForOne
        } else if r > 0 {
            Verdict::Diminishing
        } else {
            Verdict::None
        }
    });
    // Unknown while a point it depends on is unsolved.
    let optimal_deployment_size = first.value().and_then(|b| {
        let mut size = 0;
        for p in curve.iter().skip(1) {
            match p.value() {
                Some(v) if v == b - p.nodes as i64 => size = p.nodes,
                Some(_) => break,
                None => return None,
            }
        }
        Some(size)
    });
    (reduction, verdict, optimal_deployment_size)
}

/// The first `n` candidate nodes, in order, as rows (as the curve adds them).
pub(crate) fn first_nodes(candidates: &[CandidateRow], n: u32) -> Vec<CandidateRow> {
    let mut out = Vec::new();
    let mut left = n;
    for row in candidates {
        if left == 0 {
            break;
        }
        let take = row.no_nodes.min(left);
        out.push(CandidateRow { no_nodes: take, ..row.clone() });
        left -= take;
    }
    out
}

/// Evaluate `candidates` against `inputs`. Every point of the curve is solved
/// exactly under its own `budget`.
///
/// Where a point cannot be filled, its shortfall is solved too (see
/// [`crate::shortfall`]), and the curve is valued on the (shortfall,
/// ObjectiveValue) scale.
pub fn evaluate(inputs: &Inputs, candidates: &[CandidateRow], budget: Budget) -> (Model, Evaluation) {
    evaluate_points(inputs, candidates, budget, None, usize::MAX, true)
}

/// The constraints that adding nodes can create: provider minimums (a
/// provider reaching the threshold) and "exactly" limits on values that did
/// not exist before, and spare limits (`spare_node_ratio`: a pair's limit
/// can appear, or fall below what it already had assigned, as nodes join it).
/// Where two points of the curve have the same ones, every
/// allocation of the smaller point is one of the larger (the added nodes stay
/// unassigned), so the ObjectiveValue cannot rise between them.
fn growth_signature(model: &Model) -> Vec<String> {
    let mut sig: Vec<String> = model.provider_minimums.iter().map(|p| format!("min:{}", p.provider)).collect();
    for l in &model.spare_limits {
        sig.push(format!("spare:{}:{}:{}", model.value(Attribute::DataCenter, l.data_center), l.provider, l.most));
    }
    for (s, subnet) in model.subnets.iter().enumerate() {
        for &(a, v, limit) in &subnet.special {
            if limit.op == LimitOp::Exactly {
                sig.push(format!("eq:{s}:{}:{}:{}", a.name(), model.value(a, v), limit.count));
            }
        }
    }
    sig
}

/// As [`evaluate`], reusing `baseline` (the model and solution without
/// candidates) when given. The curve is solved by bisection: where two solved
/// points have the same ObjectiveValue and the same constraints that nodes
/// can create, the value is monotone between them, so every point in between
/// has that value too and is not solved again.
///
/// Every point between the baseline and the point with every candidate
/// starts from its solved neighbours ([`solve::solve_near`]), which usually
/// prove it without solving anything. At most `max_full_solves` points may go
/// on to the LP and the integer program; once they are used up, a point the
/// neighbours do not prove is reported as `budget_exceeded` with the bounds
/// they give.
///
/// No shortfall is solved here (the canister's evaluation, whose replies do
/// not carry it yet): infeasible points keep `shortfall` unknown.
pub fn evaluate_with_baseline(
    inputs: &Inputs,
    candidates: &[CandidateRow],
    budget: Budget,
    baseline: Option<(&Model, &Solution)>,
    max_full_solves: usize,
) -> (Model, Evaluation) {
    evaluate_points(inputs, candidates, budget, baseline, max_full_solves, false)
}

fn evaluate_points(
    inputs: &Inputs,
    candidates: &[CandidateRow],
    budget: Budget,
    baseline: Option<(&Model, &Solution)>,
    max_full_solves: usize,
    with_shortfall: bool,
) -> (Model, Evaluation) {
    let total: u32 = candidates.iter().map(|c| c.no_nodes).sum();
    let n = total as usize;
    let mut points: Vec<Option<CurvePoint>> = vec![None; n + 1];
    let mut signatures: Vec<Option<Vec<String>>> = vec![None; n + 1];
    // Solved points, as starting points for the points between them.
    let mut neighbours: Vec<Option<Neighbour>> = vec![None; n + 1];
    let mut full_solves = 0usize;
    // Every point's model shares the inputs: prepare them once, when needed.
    let mut prepared: Option<model::Prepared> = None;
    let mut solve_at = |k: u32, near: &[&Neighbour]| {
        let model = prepared.get_or_insert_with(|| model::Prepared::new(inputs)).build(&first_nodes(candidates, k));
        let solution = solve::solve_near(&model, budget, near, full_solves < max_full_solves);
        if solution.work.lp_solves > 0 {
            full_solves += 1;
        }
        // Where the topology cannot be filled: the shortfall, under its own budget.
        let short = (with_shortfall && solution.status == Status::Infeasible).then(|| shortfall::solve(&model, budget));
        (model, solution, short)
    };
    let (base_model, base_solution, base_short) = match baseline {
        Some((m, s)) => (m.clone(), s.clone(), (s.status == Status::Infeasible).then(|| shortfall::solve(m, budget))),
        None => solve_at(0, &[]),
    };
    points[0] = Some(CurvePoint::of(0, &base_solution, base_short.as_ref()));
    signatures[0] = Some(growth_signature(&base_model));
    neighbours[0] = Some(Neighbour::new(&base_model, &base_solution));
    let (model, solution, short) = if n == 0 {
        (base_model, base_solution.clone(), base_short.clone())
    } else {
        let (m, s, f) = solve_at(total, &[neighbours[0].as_ref().expect("solved")]);
        points[n] = Some(CurvePoint::of(total, &s, f.as_ref()));
        signatures[n] = Some(growth_signature(&m));
        neighbours[n] = Some(Neighbour::new(&m, &s));
        (m, s, f)
    };
    let mut intervals = vec![(0usize, n)];
    while let Some((lo, hi)) = intervals.pop() {
        if hi <= lo + 1 {
            continue;
        }
        let (a, b) = (points[lo].clone().expect("solved"), points[hi].clone().expect("solved"));
        let flat = same_value(&a, &b) && signatures[lo] == signatures[hi];
        if flat {
            for (k, point) in points.iter_mut().enumerate().take(hi).skip(lo + 1) {
                *point = Some(CurvePoint { nodes: k as u32, ..a.clone() });
            }
            continue;
        }
        let mid = (lo + hi) / 2;
        let near: Vec<&Neighbour> = [lo, hi].iter().filter_map(|&k| neighbours[k].as_ref()).collect();
        let (m, s, f) = solve_at(mid as u32, &near);
        points[mid] = Some(CurvePoint::of(mid as u32, &s, f.as_ref()));
        signatures[mid] = Some(growth_signature(&m));
        neighbours[mid] = Some(Neighbour::new(&m, &s));
        intervals.push((mid, hi));
        intervals.push((lo, mid));
    }
    let curve: Vec<CurvePoint> = points.into_iter().map(|p| p.expect("every point is solved or filled")).collect();
    let (reduction, verdict, optimal_deployment_size) = derived(&curve);
    let baseline_shortfall = curve[0].shortfall;
    let evaluation = Evaluation {
        candidate_nodes: total,
        baseline_objective: base_solution.objective,
        baseline_status: base_solution.status,
        solution,
        shortfall: short,
        baseline_shortfall,
        reduction,
        verdict,
        curve,
        optimal_deployment_size,
    };
    (model, evaluation)
}

/// One subnet of an allocation, with node ids.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubnetNodes {
    /// The subnet's type in the target topology.
    pub subnet_type: String,
    /// The subnet's id, where the topology gives one.
    pub subnet_id: Option<String>,
    /// Node ids assigned, sorted; synthetic nodes have ids `synthetic-...`.
    pub nodes: Vec<String>,
    /// Synthetic nodes the subnet takes.
    pub synthetic: u32,
    /// Nakamoto coefficient per attribute, in [`Attribute::ALL`] order.
    pub nakamoto: [u32; 4],
}

/// Turn a class allocation into node ids: each class hands out its members in order.
pub fn subnet_nodes(model: &Model, allocation: &Allocation) -> Vec<SubnetNodes> {
    let mut next = vec![0usize; model.classes.len()];
    model
        .subnets
        .iter()
        .zip(&allocation.subnets)
        .map(|(subnet, entries)| {
            let mut nodes = Vec::new();
            let mut synthetic = 0;
            for &(c, n) in entries {
                let class = &model.classes[c as usize];
                let start = next[c as usize];
                nodes.extend(class.members[start..start + n as usize].iter().cloned());
                next[c as usize] += n as usize;
                if class.synthetic {
                    synthetic += n;
                }
            }
            nodes.sort();
            SubnetNodes {
                subnet_type: subnet.subnet_type.clone(),
                subnet_id: subnet.subnet_id.clone(),
                nodes,
                synthetic,
                nakamoto: nakamoto_coefficients(model, entries),
            }
        })
        .collect()
}

/// Nakamoto coefficient of one subnet per attribute: the fewest values whose
/// nodes together exceed a third of the subnet.
pub fn nakamoto_coefficients(model: &Model, entries: &[(u32, u32)]) -> [u32; 4] {
    std::array::from_fn(|a| {
        let attribute = Attribute::ALL[a];
        let mut counts = std::collections::BTreeMap::<u32, u64>::new();
        for &(c, n) in entries {
            *counts.entry(model.classes[c as usize].values[attribute.index()]).or_default() += n as u64;
        }
        nakamoto(counts.into_values().collect())
    })
}

/// The fewest of `counts` (largest first) whose sum exceeds a third of their total.
pub fn nakamoto(mut counts: Vec<u64>) -> u32 {
    let total: u64 = counts.iter().sum();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let mut sum = 0;
    for (i, c) in counts.iter().enumerate() {
        sum += c;
        if 3 * sum > total {
            return i as u32 + 1;
        }
    }
    0
}

/// Where the candidate nodes went in `allocation`: per subnet that took any, how many.
pub fn candidate_placements(model: &Model, allocation: &Allocation) -> Vec<String> {
    let nodes = subnet_nodes(model, allocation);
    let mut out: Vec<String> = nodes
        .iter()
        .enumerate()
        .filter_map(|(s, sub)| {
            let n = sub.nodes.iter().filter(|id| crate::explain::is_candidate(id)).count();
            (n > 0).then(|| format!("{}: {n} candidate node(s)", crate::explain::subnet_label(model, s)))
        })
        .collect();
    let unused: u32 = crate::explain::unused_candidates(model, allocation).iter().map(|&(_, n)| n).sum();
    if unused > 0 {
        out.push(format!("not assigned: {unused} candidate node(s)"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nakamoto_counts_values_until_a_third_is_exceeded() {
        assert_eq!(nakamoto(vec![1; 13]), 5); // 5 of 13 > 13/3
        assert_eq!(nakamoto(vec![2, 2, 2, 2, 2, 2, 1]), 3); // 6 > 13/3
        assert_eq!(nakamoto(vec![5, 1, 1]), 1);
        assert_eq!(nakamoto(vec![1, 1, 1]), 1 + 1); // 2 > 1; 1 is not > 1
        assert_eq!(nakamoto(vec![]), 0);
    }

    #[test]
    fn first_nodes_takes_rows_in_order() {
        let row = |p: &str, n| CandidateRow {
            node_provider: p.into(),
            data_center: "dc".into(),
            data_center_provider: "o".into(),
            country: "AR".into(),
            is_sev: true,
            no_nodes: n,
        };
        let rows = vec![row("a", 2), row("b", 3)];
        let firsts = first_nodes(&rows, 3);
        assert_eq!(firsts.len(), 2);
        assert_eq!((firsts[0].no_nodes, firsts[1].no_nodes), (2, 1));
        assert!(first_nodes(&rows, 0).is_empty());
    }
}

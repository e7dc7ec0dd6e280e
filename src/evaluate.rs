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
}

impl CurvePoint {
    fn of(nodes: u32, s: &Solution) -> CurvePoint {
        CurvePoint {
            nodes,
            status: s.status,
            objective: s.objective,
            lower_bound: s.lower_bound,
            upper_bound: s.upper_bound,
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
    /// Baseline minus the value with candidates (both optimal), may be negative
    /// when candidates bring a per-provider minimum with them.
    pub reduction: Option<i64>,
    /// `one_for_one`, `diminishing` or `none`; `None` unless both values are known.
    pub verdict: Option<Verdict>,
    /// N = 0 ..= candidate_nodes.
    pub curve: Vec<CurvePoint>,
    /// Largest N up to which every added node lowered the value by one.
    pub optimal_deployment_size: Option<u32>,
}

/// Expand candidate rows into single-node rows, in order, keeping the first `n`.
fn first_nodes(candidates: &[CandidateRow], n: u32) -> Vec<CandidateRow> {
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
pub fn evaluate(inputs: &Inputs, candidates: &[CandidateRow], budget: Budget) -> (Model, Evaluation) {
    evaluate_with_baseline(inputs, candidates, budget, None, usize::MAX)
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
pub fn evaluate_with_baseline(
    inputs: &Inputs,
    candidates: &[CandidateRow],
    budget: Budget,
    baseline: Option<(&Model, &Solution)>,
    max_full_solves: usize,
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
        (model, solution)
    };
    let (base_model, base_solution) = match baseline {
        Some((m, s)) => (m.clone(), s.clone()),
        None => solve_at(0, &[]),
    };
    points[0] = Some(CurvePoint::of(0, &base_solution));
    signatures[0] = Some(growth_signature(&base_model));
    neighbours[0] = Some(Neighbour::new(&base_model, &base_solution));
    let (model, solution) = if n == 0 {
        (base_model, base_solution.clone())
    } else {
        let (m, s) = solve_at(total, &[neighbours[0].as_ref().expect("solved")]);
        points[n] = Some(CurvePoint::of(total, &s));
        signatures[n] = Some(growth_signature(&m));
        neighbours[n] = Some(Neighbour::new(&m, &s));
        (m, s)
    };
    let mut intervals = vec![(0usize, n)];
    while let Some((lo, hi)) = intervals.pop() {
        if hi <= lo + 1 {
            continue;
        }
        let (a, b) = (points[lo].clone().expect("solved"), points[hi].clone().expect("solved"));
        let flat = a.status == Status::Optimal
            && b.status == Status::Optimal
            && a.objective == b.objective
            && signatures[lo] == signatures[hi];
        if flat {
            for (k, point) in points.iter_mut().enumerate().take(hi).skip(lo + 1) {
                *point = Some(CurvePoint { nodes: k as u32, ..a.clone() });
            }
            continue;
        }
        let mid = (lo + hi) / 2;
        let near: Vec<&Neighbour> = [lo, hi].iter().filter_map(|&k| neighbours[k].as_ref()).collect();
        let (m, s) = solve_at(mid as u32, &near);
        points[mid] = Some(CurvePoint::of(mid as u32, &s));
        signatures[mid] = Some(growth_signature(&m));
        neighbours[mid] = Some(Neighbour::new(&m, &s));
        intervals.push((mid, hi));
        intervals.push((lo, mid));
    }
    let curve: Vec<CurvePoint> = points.into_iter().map(|p| p.expect("every point is solved or filled")).collect();
    let reduction = match (base_solution.objective, solution.objective) {
        (Some(b), Some(w)) if total > 0 => Some(b as i64 - w as i64),
        _ => None,
    };
    let verdict = reduction.map(|r| {
        if r == total as i64 {
            Verdict::OneForOne
        } else if r > 0 {
            Verdict::Diminishing
        } else {
            Verdict::None
        }
    });
    // Unknown while a point it depends on is unsolved.
    let optimal_deployment_size = base_solution.objective.and_then(|b| {
        let mut size = 0;
        for p in curve.iter().skip(1) {
            match p.objective {
                Some(v) if v as i64 == b as i64 - p.nodes as i64 => size = p.nodes,
                Some(_) => break,
                None => return None,
            }
        }
        Some(size)
    });
    let evaluation = Evaluation {
        candidate_nodes: total,
        baseline_objective: base_solution.objective,
        baseline_status: base_solution.status,
        solution,
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

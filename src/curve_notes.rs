//! Why the curve does what it does, in words: at every point where the
//! ObjectiveValue rises as a candidate node is added, the constraint the node
//! brings with it; and, whenever the verdict is not one for one, why the curve
//! stops lowering the value by one per node.
//!
//! A point's value can rise only when the added node creates a constraint
//! (`evaluate`'s bisection relies on the same fact): a provider reaching the
//! per-provider minimum's threshold, an "exactly" limit on a value the node
//! brings into the network, or a spare-node limit that appears or tightens.
//! Rises are therefore explained by comparing the models of the two points
//! (no solve), and the words name the constraint and the candidate.

use crate::evaluate::{first_nodes, Evaluation, Verdict};
use crate::inputs::{Attribute, CandidateRow, Inputs, LimitOp};
use crate::model::{self, Model, PROVIDER_MINIMUM_THRESHOLD};
use crate::solve::Status;
use serde::{Deserialize, Serialize};

/// A point where the ObjectiveValue rises as a candidate node is added.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rise {
    /// Candidate nodes added at this point (the curve point's `nodes`).
    pub nodes: u32,
    /// The ObjectiveValue one node earlier.
    pub from: u32,
    /// The ObjectiveValue at this point.
    pub to: u32,
    /// Why, in words.
    pub reason: String,
}

/// Why the curve stops lowering the ObjectiveValue one for one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stop {
    /// The first point that does not lower the value by one (`None` when no
    /// point of the curve has a value, e.g. an infeasible network).
    pub nodes: Option<u32>,
    /// Why, in words.
    pub reason: String,
}

/// The curve's explanations.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurveNotes {
    /// Every point where the value rises, in curve order.
    pub rises: Vec<Rise>,
    /// Why the curve stops; `None` when the verdict is one for one or there are no candidates.
    pub stop: Option<Stop>,
}

/// The candidate row that the `k`-th node (1-based) belongs to.
fn row_of(candidates: &[CandidateRow], k: u32) -> Option<&CandidateRow> {
    let mut seen = 0;
    candidates.iter().find(|row| {
        seen += row.no_nodes;
        seen >= k
    })
}

fn ordinal(k: u32) -> String {
    let suffix = match (k % 10, k % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{k}{suffix}")
}

/// The constraints of `after` that `before` lacks, in words.
fn new_constraints(before: &Model, after: &Model, k: u32, candidates: &[CandidateRow]) -> Vec<String> {
    let mut out = Vec::new();
    let provider_nodes = |provider: &str| -> u32 {
        first_nodes(candidates, k).iter().filter(|r| r.node_provider == provider).map(|r| r.no_nodes).sum()
    };
    for m in &after.provider_minimums {
        if !before.provider_minimums.iter().any(|b| b.provider == m.provider) {
            let candidate = provider_nodes(&m.provider);
            let whose = if candidate as usize >= PROVIDER_MINIMUM_THRESHOLD {
                format!("the new provider {:?} reaches {PROVIDER_MINIMUM_THRESHOLD} nodes", m.provider)
            } else {
                format!(
                    "provider {:?} reaches {PROVIDER_MINIMUM_THRESHOLD} usable nodes ({candidate} of them candidates)",
                    m.provider
                )
            };
            out.push(format!(
                "the per-provider minimum: with the {} candidate node, {whose}, so at least one of its nodes must \
                 now sit in a subnet; every optimal allocation that seats one gives up a seat the network's other \
                 nodes filled, and one more synthetic node is needed",
                ordinal(k)
            ));
        }
    }
    for (s, subnet) in after.subnets.iter().enumerate() {
        for &(a, v, limit) in &subnet.special {
            if limit.op != LimitOp::Exactly {
                continue;
            }
            let value = after.value(a, v);
            let existed = before.subnets[s]
                .special
                .iter()
                .any(|&(ba, bv, bl)| ba == a && bl == limit && before.value(ba, bv) == value);
            if !existed {
                out.push(format!(
                    "an \"exactly {}\" limit on {} {value:?} in subnet {} applies from the {} candidate node on \
                     (the value did not exist before): the subnet must take exactly that many of its nodes",
                    limit.count,
                    crate::explain::words(a),
                    crate::explain::subnet_label(after, s),
                    ordinal(k)
                ));
            }
        }
    }
    for l in &after.spare_limits {
        let dc = after.value(Attribute::DataCenter, l.data_center);
        let same = before.spare_limits.iter().any(|b| {
            b.provider == l.provider && before.value(Attribute::DataCenter, b.data_center) == dc && b.most == l.most
        });
        if !same {
            out.push(format!(
                "the spare-node ratio: with the {} candidate node, at most {} of provider {:?}'s nodes in data \
                 center {dc} may sit in subnets",
                ordinal(k),
                l.most,
                l.provider
            ));
        }
    }
    out
}

/// The curve's explanations for `evaluation` of `candidates` on `inputs`.
/// `model` is the model with every candidate (the one `ev.solution` solved);
/// `curve_stop` is what [`crate::explain::curve_stop`] said of the
/// allocation with every candidate (it names the limits that keep the
/// unused candidates out); where the curve goes flat, the reason quotes it.
pub fn explain(
    inputs: &Inputs,
    candidates: &[CandidateRow],
    ev: &Evaluation,
    model: &Model,
    curve_stop: &[String],
) -> CurveNotes {
    let mut notes = CurveNotes::default();
    if ev.candidate_nodes == 0 {
        return notes;
    }
    let mut prepared: Option<model::Prepared> = None;
    let mut model_at =
        |k: u32| prepared.get_or_insert_with(|| model::Prepared::new(inputs)).build(&first_nodes(candidates, k));
    for pair in ev.curve.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if let (Some(from), Some(to)) = (a.objective, b.objective) {
            if to > from {
                let reasons = new_constraints(&model_at(a.nodes), &model_at(b.nodes), b.nodes, candidates);
                let reason = if reasons.is_empty() {
                    format!(
                        "adding the {} candidate node changes a constraint that nodes bring with them",
                        ordinal(b.nodes)
                    )
                } else {
                    reasons.join("; ")
                };
                notes.rises.push(Rise { nodes: b.nodes, from, to, reason });
            }
        }
    }
    if ev.verdict == Some(Verdict::OneForOne) {
        return notes;
    }
    notes.stop = Some(stop(ev, model, candidates, &notes.rises, curve_stop));
    notes
}

fn not_solved(status: Status) -> &'static str {
    match status {
        Status::Infeasible => "the target topology cannot be filled even with every synthetic node",
        _ => "the value was not proven within the work budget",
    }
}

/// Why one more node like the `k`-th candidate cannot take a seat that a
/// synthetic node holds in the allocation with every candidate (`model` is
/// that point's model): per reason, the subnets still short it keeps the node
/// out of, the fewest reasons that cover them all.
fn kept_out(model: &Model, ev: &Evaluation, k: u32) -> Option<String> {
    let allocation = ev.solution.allocation.as_ref()?;
    let id = format!("candidate-{k}");
    let c = model.classes.iter().position(|class| class.members.contains(&id))?;
    let short: Vec<usize> = allocation
        .subnets
        .iter()
        .enumerate()
        .filter(|(_, entries)| entries.iter().any(|(x, n)| *n > 0 && model.classes[*x as usize].synthetic))
        .map(|(s, _)| s)
        .collect();
    if short.is_empty() {
        return None;
    }
    let mut reasons: Vec<(String, Vec<usize>)> = Vec::new();
    for &s in &short {
        for reason in crate::explain::blocking_limits(model, allocation, s, c) {
            match reasons.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, subnets)) => subnets.push(s),
                None => reasons.push((reason, vec![s])),
            }
        }
    }
    let mut left = short.clone();
    let mut said = Vec::new();
    while !left.is_empty() {
        let best = reasons
            .iter()
            .enumerate()
            .map(|(i, (r, subnets))| (subnets.iter().filter(|s| left.contains(s)).count(), usize::MAX - i, r, subnets))
            .max_by_key(|&(covered, order, _, _)| (covered, order));
        match best {
            Some((covered, _, reason, subnets)) if covered > 0 => {
                left.retain(|s| !subnets.contains(s));
                if covered == short.len() {
                    said.push(format!("{reason} in every subnet that still needs nodes"));
                } else {
                    said.push(format!("{reason} in {covered} of the {} subnets that still need nodes", short.len()));
                }
            }
            _ => {
                said.push(format!(
                    "nothing keeps it out of {} of the subnets that still need nodes by itself (the allocation would \
                     have to change elsewhere first, and every such change costs as much as it saves)",
                    left.len()
                ));
                break;
            }
        }
    }
    Some(format!("the subnets that still need nodes cannot take one more such node: {}", said.join("; ")))
}

fn stop(ev: &Evaluation, model: &Model, candidates: &[CandidateRow], rises: &[Rise], curve_stop: &[String]) -> Stop {
    let n = ev.candidate_nodes;
    // Where the target cannot be filled, a point's value is its shortfall
    // plus the synthetic nodes of the rest (a seat counts like one node).
    let shortfall_value = |p: &crate::evaluate::CurvePoint| match (p.shortfall, p.shortfall_objective) {
        (Some(s), Some(o)) if p.objective.is_none() => Some((s, o)),
        _ => None,
    };
    if let Some((s0, o0)) = ev.curve.first().and_then(shortfall_value) {
        let mut prev = s0 + o0;
        for p in ev.curve.iter().skip(1) {
            let k = p.nodes;
            let v = match (shortfall_value(p), p.objective) {
                (Some((s, o)), _) => s + o,
                (None, Some(v)) => v,
                (None, None) => {
                    return Stop {
                        nodes: Some(k),
                        reason: format!("with the {} candidate node, {}", ordinal(k), not_solved(p.status)),
                    };
                }
            };
            if v + 1 == prev {
                prev = v;
                continue;
            }
            let who = row_of(candidates, k).map_or(String::new(), |r| {
                format!(" (provider \"{}\", data center \"{}\", {})", r.node_provider, r.data_center, r.country)
            });
            let shown = match shortfall_value(p) {
                Some((s, o)) => format!("shortfall {s} + {o}"),
                None => v.to_string(),
            };
            let reason = if v == prev {
                format!(
                    "the {} candidate node{who} fills no empty seat and takes no synthetic node's place, so the value \
                     stays at {shown}: no allocation with it leaves fewer seats empty or needs fewer synthetic nodes",
                    ordinal(k)
                )
            } else if v > prev {
                format!("the value rises from {prev} to {v} (seats left empty plus synthetic nodes) at the {} candidate node", ordinal(k))
            } else {
                format!("the value falls from {prev} to {v} at the {} candidate node, by more than one", ordinal(k))
            };
            return Stop { nodes: Some(k), reason };
        }
        return Stop {
            nodes: None,
            reason: "every point lowers the shortfall (or, once it is 0, the ObjectiveValue) by one".into(),
        };
    }
    let Some(base) = ev.baseline_objective else {
        let with_all = match ev.solution.status {
            Status::Optimal => format!("with all {n} candidate node(s) it is {}", ev.solution.objective.unwrap_or(0)),
            status => format!("with all {n} candidate node(s) too, {}", not_solved(status)),
        };
        return Stop {
            nodes: None,
            reason: format!(
                "without the candidates, {} (see why above), so there is no ObjectiveValue for them to lower \
                 one for one; {with_all}",
                not_solved(ev.baseline_status)
            ),
        };
    };
    let mut prev = base;
    for p in ev.curve.iter().skip(1) {
        let k = p.nodes;
        let Some(v) = p.objective else {
            return Stop {
                nodes: Some(k),
                reason: format!("with the {} candidate node, {}", ordinal(k), not_solved(p.status)),
            };
        };
        if v + 1 == prev {
            prev = v;
            continue;
        }
        let who = row_of(candidates, k).map_or(String::new(), |r| {
            format!(" (provider {:?}, data center {:?}, {})", r.node_provider, r.data_center, r.country)
        });
        let reason = if prev == 0 {
            format!(
                "with {} candidate node(s) the ObjectiveValue is 0: the target topology is filled, and the {} node{who} \
                 has no synthetic node left to replace",
                k - 1,
                ordinal(k)
            )
        } else if v > prev {
            match rises.iter().find(|r| r.nodes == k) {
                Some(r) => {
                    format!("the value rises from {prev} to {v} at the {} candidate node: {}", ordinal(k), r.reason)
                }
                None => format!("the value rises from {prev} to {v} at the {} candidate node", ordinal(k)),
            }
        } else if v == prev {
            let detail = if !curve_stop.is_empty() {
                curve_stop.join("; ")
            } else {
                kept_out(model, ev, k).unwrap_or_else(|| {
                    "every optimal allocation with it still needs as many synthetic nodes".to_string()
                })
            };
            format!(
                "the {} candidate node{who} takes no synthetic node's place, so the value stays at {v}: {detail}",
                ordinal(k)
            )
        } else {
            format!("the value falls from {prev} to {v} at the {} candidate node, by more than one", ordinal(k))
        };
        return Stop { nodes: Some(k), reason };
    }
    Stop {
        nodes: None,
        reason: "every point lowers the value by one, but the value with every candidate is not known".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_read_right() {
        let words: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].iter().map(|&k| ordinal(k)).collect();
        assert_eq!(words, ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]);
    }

    #[test]
    fn the_kth_node_is_found_in_its_row() {
        let row = |p: &str, n| CandidateRow {
            node_provider: p.into(),
            data_center: "dc".into(),
            data_center_provider: "o".into(),
            country: "AR".into(),
            is_sev: true,
            no_nodes: n,
        };
        let rows = vec![row("a", 2), row("b", 3)];
        assert_eq!(row_of(&rows, 2).unwrap().node_provider, "a");
        assert_eq!(row_of(&rows, 3).unwrap().node_provider, "b");
        assert!(row_of(&rows, 6).is_none());
    }
}

//! Re-checking a claimed evaluation against inputs, cheaply and exactly.
//!
//! A voter holds an evaluation (from the canister or the command line) and
//! wants to know whether it is true of a given set of inputs without trusting
//! whoever computed it and without solving again. Everything an evaluation
//! claims is checked here against the inputs in integer arithmetic: the
//! digests that name the inputs, the allocation (every constraint of the
//! model), the lower-bound certificate (the bound it proves, and the bound the
//! evaluation says it proves), the objective, and the fields derived from the
//! curve. The cost is one model build and a pass over the certificate, far
//! below a solve. What is not proven here is said so: curve points other than
//! the last come without a proof of their own, and an optimum whose
//! certificate is not tight rests on the solver's branch and bound.
//!
//! The canister's `verify_evaluation` and the command line share this code.

use crate::check::{self, Allocation, Bound, Certificate};
use crate::evaluate::{CurvePoint, Verdict};
use crate::inputs::{CandidateRow, Inputs, Settings};
use crate::model::{self, Model};
use crate::solve::Status;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// One subnet of a claimed allocation: node ids, in any order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimedSubnet {
    /// Its node ids.
    pub nodes: Vec<String>,
    /// How many of `nodes` the claim says are synthetic.
    pub synthetic: u32,
}

/// Everything an evaluation claims, in the engine's terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// The candidate rows.
    pub candidates: Vec<CandidateRow>,
    /// The settings it was computed under.
    pub settings: Settings,
    /// The status claimed.
    pub status: Status,
    /// The ObjectiveValue claimed; `Some` only when optimal.
    pub objective: Option<u32>,
    /// The lower bound claimed.
    pub lower_bound: u32,
    /// The upper bound claimed.
    pub upper_bound: Option<u32>,
    /// The ObjectiveValue claimed without the candidates.
    pub baseline_objective: Option<u32>,
    /// The reduction claimed.
    pub reduction: Option<i64>,
    /// The verdict claimed.
    pub verdict: Option<Verdict>,
    /// The candidate nodes claimed.
    pub candidate_nodes: u32,
    /// The curve claimed.
    pub curve: Vec<CurvePoint>,
    /// The optimal deployment size claimed.
    pub optimal_deployment_size: Option<u32>,
    /// The lower-bound certificate.
    pub certificate: Certificate,
    /// The bound the evaluation says its certificate proves (over the
    /// certificate's denominator), when it says.
    pub bound_numerator: Option<i128>,
    /// Whether the certificate alone claims to prove the bound equal to the objective.
    pub certificate_is_tight: bool,
    /// The infeasibility certificate, which an infeasible claim needs.
    #[serde(default)]
    pub infeasibility: Option<Certificate>,
    /// Node ids per subnet, in the topology's order.
    pub allocation: Option<Vec<ClaimedSubnet>>,
    /// The SHA-256 of the target topology.
    pub topology_sha256: String,
    /// The SHA-256 of the configuration.
    pub configuration_sha256: String,
    /// When infeasible: the shortfall and its proof (see [`crate::shortfall`]).
    #[serde(default)]
    pub shortfall: Option<ShortfallClaim>,
}

/// A claimed shortfall: the seats left empty, the ObjectiveValue of the rest,
/// and what proves both.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShortfallClaim {
    /// Seats left empty.
    pub seats: u32,
    /// Synthetic nodes for the rest.
    pub objective: u32,
    /// The lower-bound certificate on `W x seats + synthetic`, on the relaxed
    /// model ([`crate::shortfall::relax`]).
    pub certificate: Certificate,
    /// Node ids per subnet, empty seats included (`empty-seat-...`), in the topology's order.
    pub allocation: Vec<ClaimedSubnet>,
    /// Whether the certificate alone claims to prove both parts least
    /// (otherwise what it does not reach rests on branch and bound).
    #[serde(default)]
    pub certificate_is_tight: bool,
}

/// Which check a claim failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// The claim's settings are not those of the inputs.
    Settings,
    /// The topology digest is not the inputs'.
    TopologyDigest,
    /// The configuration digest is not the inputs'.
    ConfigurationDigest,
    /// The candidate count or the candidates themselves.
    Candidates,
    /// A multiplier of the certificate is out of place (sign, row, order).
    Certificate,
    /// The bound the certificate proves is not the one claimed.
    Bound,
    /// The allocation breaks a constraint, or names nodes that do not exist.
    Allocation,
    /// The objective is not the allocation's value, or is missing.
    Objective,
    /// A field derived from the curve does not follow from it.
    Curve,
}

impl Check {
    /// The check's name, as reports and the Candid interface write it.
    pub fn name(self) -> &'static str {
        match self {
            Check::Settings => "settings",
            Check::TopologyDigest => "topology_digest",
            Check::ConfigurationDigest => "configuration_digest",
            Check::Candidates => "candidates",
            Check::Certificate => "certificate",
            Check::Bound => "bound",
            Check::Allocation => "allocation",
            Check::Objective => "objective",
            Check::Curve => "curve",
        }
    }
}

/// Why a claim was rejected: the check, and what exactly failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// The check that failed.
    pub check: Check,
    /// Why, in words.
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.check.name(), self.reason)
    }
}

impl std::error::Error for Rejection {}

fn reject<T>(check: Check, reason: impl Into<String>) -> Result<T, Rejection> {
    Err(Rejection { check, reason: reason.into() })
}

/// What a claim that passed every check proves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verified {
    /// The status the claim proves.
    pub status: Status,
    /// The ObjectiveValue it proves, when optimal.
    pub objective: Option<u32>,
    /// The bound the certificate proves.
    pub bound: Bound,
    /// The certificate alone proves the status (optimality or infeasibility);
    /// otherwise it rests on the solver's branch and bound.
    pub proven: bool,
    /// What was proven, in words.
    pub summary: String,
}

/// Check `claim` against `inputs`, whose digests the caller has computed
/// (`topology_sha256`, `configuration_sha256`: the canister keeps them).
pub fn verify(
    inputs: &Inputs,
    topology_sha256: &str,
    configuration_sha256: &str,
    claim: &Claim,
) -> Result<Verified, Rejection> {
    if claim.settings != inputs.settings {
        return reject(
            Check::Settings,
            format!(
                "the evaluation used the settings {}, the inputs have {}",
                serde_json::to_string(&claim.settings).unwrap_or_default(),
                serde_json::to_string(&inputs.settings).unwrap_or_default()
            ),
        );
    }
    if claim.topology_sha256 != topology_sha256 {
        return reject(
            Check::TopologyDigest,
            format!("the evaluation names topology {}, the inputs' is {topology_sha256}", claim.topology_sha256),
        );
    }
    if claim.configuration_sha256 != configuration_sha256 {
        return reject(
            Check::ConfigurationDigest,
            format!(
                "the evaluation names configuration {}, the inputs' is {configuration_sha256}",
                claim.configuration_sha256
            ),
        );
    }
    let total: u64 = claim.candidates.iter().map(|c| u64::from(c.no_nodes)).sum();
    if u64::from(claim.candidate_nodes) != total {
        return reject(
            Check::Candidates,
            format!("the evaluation claims {} candidate nodes, its candidates have {total}", claim.candidate_nodes),
        );
    }
    let model = model::build(inputs, &claim.candidates);
    let bound = check::check_certificate(&model, &claim.certificate)
        .map_err(|e| Rejection { check: Check::Certificate, reason: e.0 })?;
    if let Some(claimed) = claim.bound_numerator {
        if claimed != bound.numerator {
            return reject(
                Check::Bound,
                format!(
                    "the multipliers prove {}/{}, the evaluation claims {claimed}/{}",
                    bound.numerator, bound.denominator, bound.denominator
                ),
            );
        }
    }
    check_derived(claim)?;
    if claim.shortfall.is_some() && claim.status != Status::Infeasible {
        return reject(Check::Objective, "a shortfall is claimed for an answer that is not infeasible");
    }
    let verified = match claim.status {
        Status::Optimal => {
            let Some(objective) = claim.objective else {
                return reject(Check::Objective, "status optimal without an objective");
            };
            let Some(allocation) = &claim.allocation else {
                return reject(
                    Check::Allocation,
                    "the evaluation carries no allocation (request it with include_allocation = opt true)",
                );
            };
            let classes = allocation_classes(&model, allocation)?;
            let value = check::check_allocation(&model, &classes)
                .map_err(|e| Rejection { check: Check::Allocation, reason: e.0 })?;
            if value != objective {
                return reject(
                    Check::Objective,
                    format!("the allocation uses {value} synthetic nodes, the evaluation claims {objective}"),
                );
            }
            let proven = bound.ceil() >= i128::from(objective);
            if !proven && claim.certificate_is_tight {
                return reject(
                    Check::Bound,
                    format!(
                        "the certificate proves a lower bound of {} ({}/{}), not {objective}",
                        bound.ceil(),
                        bound.numerator,
                        bound.denominator
                    ),
                );
            }
            let summary = if proven {
                format!(
                    "ObjectiveValue {objective} is optimal: the allocation meets every constraint and the certificate proves every allocation needs at least {} ({}/{})",
                    bound.ceil(),
                    bound.numerator,
                    bound.denominator
                )
            } else {
                format!(
                    "the allocation meets every constraint with ObjectiveValue {objective}; the certificate proves {} (optimality rests on branch and bound)",
                    bound.ceil()
                )
            };
            Verified { status: claim.status, objective: Some(objective), bound, proven, summary }
        }
        Status::Infeasible => {
            if claim.objective.is_some() || claim.upper_bound.is_some() || claim.allocation.is_some() {
                return reject(
                    Check::Objective,
                    "an infeasible claim carries an objective, an upper bound or an allocation",
                );
            }
            let (bound, mut summary) = prove_infeasible(&model, claim.infeasibility.as_ref())?;
            let last = &claim.curve[claim.curve.len() - 1];
            match (&claim.shortfall, last.shortfall) {
                (Some(f), _) => {
                    if (Some(f.seats), Some(f.objective)) != (last.shortfall, last.shortfall_objective) {
                        return reject(Check::Curve, "the shortfall differs from the curve's last point");
                    }
                    summary.push_str("; ");
                    summary.push_str(&prove_shortfall(&model, f)?);
                }
                (None, Some(_)) => {
                    return reject(
                        Check::Certificate,
                        "a shortfall is claimed without its proof (allocation and certificate)",
                    )
                }
                (None, None) => {}
            }
            Verified { status: claim.status, objective: None, bound, proven: true, summary }
        }
        Status::BudgetExceeded => {
            if bound.ceil() < i128::from(claim.lower_bound) {
                return reject(
                    Check::Bound,
                    format!(
                        "the certificate proves {}, the evaluation claims a lower bound of {}",
                        bound.ceil(),
                        claim.lower_bound
                    ),
                );
            }
            let upper = match (claim.upper_bound, &claim.allocation) {
                (None, _) => String::new(),
                (Some(u), Some(allocation)) => {
                    let classes = allocation_classes(&model, allocation)?;
                    let value = check::check_allocation(&model, &classes)
                        .map_err(|e| Rejection { check: Check::Allocation, reason: e.0 })?;
                    if value != u {
                        return reject(
                            Check::Objective,
                            format!("the allocation uses {value} synthetic nodes, the evaluation claims an upper bound of {u}"),
                        );
                    }
                    format!(", upper bound {u} confirmed by the allocation")
                }
                (Some(u), None) => {
                    return reject(
                        Check::Allocation,
                        format!("an upper bound of {u} needs the allocation that attains it (request it with include_allocation = opt true)"),
                    )
                }
            };
            let summary =
                format!("budget exceeded; lower bound {} confirmed by the certificate{upper}", claim.lower_bound);
            Verified { status: claim.status, objective: None, bound, proven: true, summary }
        }
    };
    Ok(verified)
}

/// An infeasible claim is proven only by an infeasibility certificate that
/// checks (a positive bound under the zero objective); the summary says
/// which constraints cannot hold together. The command line and the canister
/// both call this.
pub fn prove_infeasible(model: &Model, certificate: Option<&Certificate>) -> Result<(Bound, String), Rejection> {
    let Some(certificate) = certificate else {
        return reject(
            Check::Certificate,
            "infeasible is claimed without an infeasibility certificate: nothing proves that the constraints cannot hold together",
        );
    };
    let bound = check::check_infeasibility_certificate(model, certificate)
        .map_err(|e| Rejection { check: Check::Certificate, reason: e.0 })?;
    let why = crate::explain::infeasibility(model, certificate).unwrap_or_default();
    Ok((bound, format!("infeasible, proven by the infeasibility certificate: {}", why.join("; "))))
}

/// A shortfall is proven by its allocation (every constraint of the relaxed
/// model, the seats and synthetic nodes it claims) and its certificate (a
/// bound on `W x seats + synthetic` that reaches the allocation's value, so
/// that both parts are least). The command line and the canister both call this.
pub fn prove_shortfall(model: &Model, claim: &ShortfallClaim) -> Result<String, Rejection> {
    let relaxed = crate::shortfall::relax(model);
    let classes = allocation_classes(&relaxed.model, &claim.allocation)?;
    let checked = crate::shortfall::check_shortfall(model, &classes, &claim.certificate).map_err(|e| {
        let check = if e.0.starts_with("certificate") { Check::Certificate } else { Check::Allocation };
        Rejection { check, reason: format!("shortfall: {}", e.0) }
    })?;
    if (checked.seats, checked.objective) != (claim.seats, claim.objective) {
        return reject(
            Check::Objective,
            format!(
                "shortfall: the allocation leaves {} seat(s) empty with {} synthetic node(s), the evaluation claims {} and {}",
                checked.seats, checked.objective, claim.seats, claim.objective
            ),
        );
    }
    if !checked.proven {
        if claim.certificate_is_tight {
            return reject(
                Check::Bound,
                format!(
                    "shortfall: the certificate proves {} ({}/{}) on the weighted scale, not the allocation's value",
                    checked.bound.ceil(),
                    checked.bound.numerator,
                    checked.bound.denominator
                ),
            );
        }
        let seats = match checked.seats_proven {
            true => "the seats are proven least by the certificate, the rest's ObjectiveValue rests on branch and bound",
            false => "the certificate proves less than the allocation's value (that both parts are least rests on branch and bound)",
        };
        return Ok(format!(
            "shortfall {} seat(s) left empty and ObjectiveValue {} for the rest: the allocation meets every other constraint; {seats}",
            claim.seats, claim.objective
        ));
    }
    Ok(format!(
        "shortfall {} seat(s) left empty and ObjectiveValue {} for the rest, both least: the allocation meets every other constraint and the certificate proves the bound",
        claim.seats, claim.objective
    ))
}

fn show(v: Option<u32>) -> String {
    v.map_or("-".into(), |v| v.to_string())
}

/// The fields an evaluation derives from its curve must follow from it, and
/// its last point must be the evaluation itself.
pub fn check_derived(claim: &Claim) -> Result<(), Rejection> {
    let total = u64::from(claim.candidate_nodes);
    let curve = &claim.curve;
    if curve.len() as u64 != total + 1 || curve.iter().enumerate().any(|(i, p)| p.nodes as usize != i) {
        return reject(Check::Curve, format!("the curve must have one point for each of 0..={total} candidate nodes"));
    }
    for p in curve {
        let consistent = match p.status {
            Status::Optimal => {
                p.objective.is_some()
                    && p.upper_bound == p.objective
                    && Some(p.lower_bound) == p.objective
                    && p.shortfall.is_none_or(|s| s == 0)
                    && p.shortfall_objective.is_none()
            }
            Status::Infeasible => {
                p.objective.is_none()
                    && p.upper_bound.is_none()
                    && p.shortfall.is_some() == p.shortfall_objective.is_some()
                    && p.shortfall.is_none_or(|s| s > 0)
            }
            Status::BudgetExceeded => {
                p.objective.is_none()
                    && p.upper_bound.is_none_or(|u| u >= p.lower_bound)
                    && p.shortfall.is_none()
                    && p.shortfall_objective.is_none()
            }
        };
        if !consistent {
            return reject(Check::Curve, format!("point {}: its status, objective and bounds contradict", p.nodes));
        }
    }
    let (first, last) = (&curve[0], &curve[curve.len() - 1]);
    if (last.status, last.objective, last.lower_bound, last.upper_bound)
        != (claim.status, claim.objective, claim.lower_bound, claim.upper_bound)
    {
        return reject(
            Check::Curve,
            "the evaluation's status, objective and bounds differ from its curve's last point",
        );
    }
    let has_candidates = total > 0;
    let baseline = if has_candidates { first.objective } else { None };
    if claim.baseline_objective != baseline {
        return reject(
            Check::Curve,
            format!(
                "baseline_objective: the evaluation claims {}, its curve starts at {}",
                show(claim.baseline_objective),
                show(baseline)
            ),
        );
    }
    let (reduction, verdict, deployment) = crate::evaluate::derived(curve);
    let reduction = reduction.filter(|_| has_candidates);
    if claim.reduction != reduction {
        return reject(
            Check::Curve,
            format!(
                "reduction: the evaluation claims {}, its curve gives {}",
                claim.reduction.map_or("none".into(), |r| r.to_string()),
                reduction.map_or("none".into(), |r| r.to_string())
            ),
        );
    }
    if claim.verdict != verdict {
        return reject(
            Check::Curve,
            format!(
                "verdict: the evaluation claims {}, its curve gives {}",
                serde_json::to_string(&claim.verdict).unwrap_or_default(),
                serde_json::to_string(&verdict).unwrap_or_default()
            ),
        );
    }
    let deployment = deployment.filter(|_| has_candidates);
    if claim.optimal_deployment_size != deployment {
        return reject(
            Check::Curve,
            format!(
                "optimal_deployment_size: the evaluation claims {}, its curve gives {}",
                show(claim.optimal_deployment_size),
                show(deployment)
            ),
        );
    }
    Ok(())
}

/// Map a node-id allocation back to classes, each node used at most once.
pub fn allocation_classes(model: &Model, subnets: &[ClaimedSubnet]) -> Result<Allocation, Rejection> {
    if subnets.len() != model.subnets.len() {
        return reject(
            Check::Allocation,
            format!("the allocation has {} subnets, the topology {}", subnets.len(), model.subnets.len()),
        );
    }
    let mut class_of: BTreeMap<&str, u32> = BTreeMap::new();
    for (c, class) in model.classes.iter().enumerate() {
        for m in &class.members {
            class_of.insert(m.as_str(), c as u32);
        }
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(subnets.len());
    for (s, sub) in subnets.iter().enumerate() {
        let mut counts: BTreeMap<u32, u32> = BTreeMap::new();
        let mut synthetic = 0u32;
        for n in &sub.nodes {
            let Some(&c) = class_of.get(n.as_str()) else {
                return reject(
                    Check::Allocation,
                    format!("subnet {s}: node {n} is not an assignable node of these inputs"),
                );
            };
            if !seen.insert(n.as_str()) {
                return reject(Check::Allocation, format!("subnet {s}: node {n} is assigned twice"));
            }
            if model.classes[c as usize].synthetic {
                synthetic += 1;
            }
            *counts.entry(c).or_default() += 1;
        }
        if synthetic != sub.synthetic {
            return reject(
                Check::Allocation,
                format!("subnet {s}: {synthetic} synthetic nodes listed, the evaluation says {}", sub.synthetic),
            );
        }
        out.push(counts.into_iter().collect());
    }
    Ok(Allocation { subnets: out })
}

/// The claim an engine evaluation makes (what the command line and the
/// canister report), for tests and for tools that hold the engine's result.
pub fn claim_of(
    model: &Model,
    evaluation: &crate::evaluate::Evaluation,
    candidates: &[CandidateRow],
    settings: Settings,
    topology_sha256: String,
    configuration_sha256: String,
) -> Claim {
    let s = &evaluation.solution;
    let has_candidates = !candidates.is_empty();
    Claim {
        candidates: candidates.to_vec(),
        settings,
        status: s.status,
        objective: s.objective,
        lower_bound: s.lower_bound,
        upper_bound: s.upper_bound,
        baseline_objective: if has_candidates { evaluation.baseline_objective } else { None },
        reduction: evaluation.reduction,
        verdict: evaluation.verdict,
        candidate_nodes: evaluation.candidate_nodes,
        curve: evaluation.curve.clone(),
        optimal_deployment_size: if has_candidates { evaluation.optimal_deployment_size } else { None },
        certificate: s.certificate.clone(),
        bound_numerator: check::check_certificate(model, &s.certificate).ok().map(|b| b.numerator),
        certificate_is_tight: s.certificate_is_tight,
        infeasibility: s.infeasibility.clone(),
        allocation: s.allocation.as_ref().map(|a| {
            crate::evaluate::subnet_nodes(model, a)
                .into_iter()
                .map(|n| ClaimedSubnet { nodes: n.nodes, synthetic: n.synthetic })
                .collect()
        }),
        topology_sha256,
        configuration_sha256,
        shortfall: evaluation.shortfall.as_ref().and_then(|f| shortfall_claim(model, f)),
    }
}

/// The claim of a solved shortfall (`None` unless it is optimal).
pub fn shortfall_claim(model: &Model, shortfall: &crate::shortfall::Shortfall) -> Option<ShortfallClaim> {
    let (Some(seats), Some(objective), Some(allocation)) =
        (shortfall.seats, shortfall.objective, &shortfall.allocation)
    else {
        return None;
    };
    let relaxed = crate::shortfall::relax(model);
    Some(ShortfallClaim {
        seats,
        objective,
        certificate: shortfall.certificate.clone(),
        certificate_is_tight: shortfall.certificate_is_tight,
        allocation: crate::evaluate::subnet_nodes(&relaxed.model, allocation)
            .into_iter()
            .map(|n| ClaimedSubnet { nodes: n.nodes, synthetic: n.synthetic })
            .collect(),
    })
}

//! A verdict as text, in the manner of the proposal summary: what the
//! proposal is, what it does to the ObjectiveValue (or to the subnet), how its
//! summary's claims compare, and what it was computed from. Deterministic:
//! the same verdict gives the same bytes.

use crate::api::{
    self, ClaimCheck, MembershipFacts, ObjectiveOutcome, ProposalKind, ProposalStatus, ProposalVerdict, VerdictOutcome,
};

fn value(v: Option<u32>) -> String {
    v.map_or("unknown".into(), |v| v.to_string())
}

fn outcome_text(o: &ObjectiveOutcome) -> String {
    match o.status {
        api::Status::Optimal => value(o.objective),
        api::Status::Infeasible => "infeasible".into(),
        api::Status::BudgetExceeded => {
            format!("between {} and {} (budget exceeded)", o.lower_bound, value(o.upper_bound))
        }
    }
}

/// The proposal kind in words, with its NNS function number.
pub fn kind_name(k: ProposalKind) -> &'static str {
    match k {
        ProposalKind::AddNodeOperator => "add node operator (AssignNoid, 8)",
        ProposalKind::UpdateNodeOperatorConfig => "update node operator config (16)",
        ProposalKind::RemoveNodes => "remove nodes (18)",
        ProposalKind::RemoveNodeOperators => "remove node operators (23)",
        ProposalKind::ChangeSubnetMembership => "change subnet membership (31)",
    }
}

/// A proposal's status in words.
pub fn status_name(s: ProposalStatus) -> &'static str {
    match s {
        ProposalStatus::Unspecified => "unspecified",
        ProposalStatus::Open => "open",
        ProposalStatus::Rejected => "rejected",
        ProposalStatus::Adopted => "adopted",
        ProposalStatus::Executed => "executed",
        ProposalStatus::Failed => "failed",
    }
}

fn claim_text(c: &ClaimCheck) -> String {
    match c {
        ClaimCheck::Matches { value } => format!("matches ({value})"),
        ClaimCheck::Differs { claimed, computed } => {
            format!("differs (claimed {claimed}, computed {})", value(*computed))
        }
        ClaimCheck::NoClaimFound => "no claim found".into(),
    }
}

fn facts_text(f: &MembershipFacts) -> String {
    let nakamoto: Vec<String> = f.nakamoto.iter().map(u32::to_string).collect();
    let breaches = if f.breaches.is_empty() {
        "no limit broken".to_string()
    } else {
        let b: Vec<String> =
            f.breaches.iter().map(|b| format!("{:?} {:?}: {} > {}", b.attribute, b.value, b.count, b.limit)).collect();
        format!("limits broken: {}", b.join(", "))
    };
    format!(
        "{} nodes; Nakamoto coefficients (provider, data center, data-center provider, country) {}; {}",
        f.nodes,
        nakamoto.join(", "),
        breaches
    )
}

/// Render the verdict.
pub fn render(v: &ProposalVerdict) -> String {
    let mut t = String::new();
    let mut line = |text: String| {
        t.push_str(&text);
        t.push('\n');
    };
    line(format!("Proposal {}: {}", v.proposal_id, v.title.as_deref().unwrap_or("(no title)")));
    line(format!("- kind: {}", kind_name(v.kind)));
    line(format!("- status: {}", status_name(v.status)));
    line(format!(
        "- deadline: {}",
        v.deadline_timestamp_seconds.map_or("none".into(), |d| format!("{d} (seconds since the epoch)"))
    ));
    line(String::new());
    line("Verdict:".into());
    match &v.outcome {
        VerdictOutcome::Candidates { candidates, evaluation, allowance } => {
            let allowed = allowance.unwrap_or(u64::from(evaluation.candidate_nodes));
            line(format!("Nodes the proposal allows: {allowed}"));
            if allowed > u64::from(evaluation.candidate_nodes) {
                line(format!(
                    "- evaluated: the first {} of the {allowed} (evaluate_candidates takes at most {} candidate nodes)",
                    evaluation.candidate_nodes, evaluation.candidate_nodes
                ));
            }
            for c in candidates {
                line(format!(
                    "- {} node(s): node provider {:?}, data center {:?}, data-center provider {:?}, country {:?}, SEV {}",
                    c.no_nodes,
                    c.node_provider,
                    c.data_center,
                    c.data_center_provider,
                    c.country,
                    if c.is_sev { "yes" } else { "no" }
                ));
            }
            line(format!(
                "- ObjectiveValue before (without the planned nodes): {}",
                value(evaluation.baseline_objective)
            ));
            let after = ObjectiveOutcome {
                status: evaluation.status,
                objective: evaluation.objective,
                lower_bound: evaluation.lower_bound,
                upper_bound: evaluation.upper_bound,
            };
            line(format!(
                "- ObjectiveValue after (with all {} planned nodes): {}",
                evaluation.candidate_nodes,
                outcome_text(&after)
            ));
            line(format!(
                "- reduction {}; verdict: {}",
                evaluation.reduction.map_or("unknown".into(), |r| r.to_string()),
                match evaluation.verdict {
                    Some(api::Verdict::OneForOne) => "one_for_one",
                    Some(api::Verdict::Diminishing) => "diminishing",
                    Some(api::Verdict::None) => "none",
                    None => "unknown",
                }
            ));
            line("- curve (planned nodes added -> ObjectiveValue):".into());
            for p in &evaluation.curve {
                let o = ObjectiveOutcome {
                    status: p.status,
                    objective: p.objective,
                    lower_bound: p.lower_bound,
                    upper_bound: p.upper_bound,
                };
                line(format!("    {} -> {}", p.nodes, outcome_text(&o)));
            }
            line(format!("- optimal deployment size: {}", value(evaluation.optimal_deployment_size)));
        }
        VerdictOutcome::Removal { node_ids, before, after } => {
            line(format!("Nodes removed: {}", node_ids.len()));
            for id in node_ids {
                line(format!("- {id}"));
            }
            line(format!("- ObjectiveValue before (with the nodes): {}", outcome_text(before)));
            line(format!("- ObjectiveValue after (without the nodes): {}", outcome_text(after)));
        }
        VerdictOutcome::Membership { subnet_id, added, removed, before, after, optimality } => {
            line(format!("Subnet {subnet_id}: {} node(s) added, {} removed", added.len(), removed.len()));
            for id in added {
                line(format!("- add {id}"));
            }
            for id in removed {
                line(format!("- remove {id}"));
            }
            line(format!("- before: {}", facts_text(before)));
            line(format!("- after: {}", facts_text(after)));
            line(format!("- {optimality}"));
        }
        VerdictOutcome::NoChange { reason } => line(format!("No change to the model: {reason}")),
        VerdictOutcome::Invalid { reason } => line(format!("Not evaluated: {reason}")),
    }
    line(String::new());
    line("The summary's claims:".into());
    line(format!("- ObjectiveValue before: {}", claim_text(&v.claims.before)));
    line(format!("- ObjectiveValue after: {}", claim_text(&v.claims.after)));
    line(String::new());
    line("Inputs:".into());
    line(format!("- registry version {}", v.registry_version));
    line(format!("- topology sha256 {}", v.topology_sha256));
    line(format!("- configuration sha256 {}", v.configuration_sha256));
    t
}

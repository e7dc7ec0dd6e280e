//! The text a membership proposal (or a set of them) quotes for a plan: what
//! changes and why, the cost and its proof, the inputs' digests, and the
//! commands that reproduce it. Rendered the same by the canister's
//! `proposal_summary` (plan form) and `topology proposal-summary --plan`, so
//! its sha256 can be compared.

use super::sequence::Sequence;
use super::Plan;
use crate::digest;
use crate::solve::Status;

/// What the text of a membership plan is rendered from.
pub struct PlanSummaryInput<'a> {
    /// The canister to name in the commands, if any.
    pub canister_id: Option<&'a str>,
    /// The subnets the plan may change (empty: any).
    pub subnets: &'a [String],
    /// The plan.
    pub plan: &'a Plan,
    /// Its proposals, in order.
    pub sequence: &'a Sequence,
    /// The registry version of the snapshot.
    pub registry_version: u64,
    /// The SHA-256 of the target topology.
    pub topology_sha256: &'a str,
    /// The SHA-256 of the configuration.
    pub configuration_sha256: &'a str,
}

/// The text and its SHA-256 (hex).
pub fn render(s: &PlanSummaryInput) -> (String, String) {
    let mut t = String::from("# Subnet membership plan (minimize_node_swaps)\n\n");
    let scope = if s.subnets.is_empty() { "any subnet".to_string() } else { s.subnets.join(", ") };
    t.push_str(&format!("Registry version {}; subnets that may change: {scope}.\n\n", s.registry_version));
    match (s.plan.status, s.plan.counts) {
        (Status::Optimal, Some(c)) => {
            t.push_str(&format!(
                "Cost {} (dropped {} + 3 x moved {} + newly assigned {} + 100 x synthetic {}), proven optimal {}.\n\n",
                s.plan.cost.unwrap_or(0),
                c.dropped,
                c.moved,
                c.newly_assigned,
                c.synthetic,
                if s.plan.certificate_is_tight {
                    "by the plan and its lower-bound certificate"
                } else {
                    "by branch and bound (the certificate proves a lower bound only)"
                }
            ));
        }
        (Status::Infeasible, _) => t.push_str("Infeasible: no membership meets the target topology.\n\n"),
        _ => t.push_str(&format!(
            "Not proven: the cheapest plan costs between {} and {}.\n\n",
            s.plan.lower_bound,
            s.plan.upper_bound.map_or("-".into(), |u| u.to_string())
        )),
    }
    if s.sequence.steps() == 0 {
        t.push_str("No change is needed.\n\n");
    }
    for p in &s.sequence.proposals {
        t.push_str(&format!(
            "Step {}: subnet {} ({}): add {}, remove {}; summary sha256 {}\n",
            p.step,
            p.subnet_id,
            p.subnet_type,
            if p.node_ids_add.is_empty() { "-".into() } else { p.node_ids_add.join(", ") },
            if p.node_ids_remove.is_empty() { "-".into() } else { p.node_ids_remove.join(", ") },
            p.summary_sha256
        ));
    }
    for n in &s.sequence.new_subnets {
        t.push_str(&format!(
            "Step {}: create {} ({}) with {} node(s) (CreateSubnet): {}; summary sha256 {}\n",
            n.step,
            n.label(),
            n.subnet_type,
            n.node_ids.len(),
            n.node_ids.join(", "),
            n.summary_sha256
        ));
    }
    for c in &s.sequence.cycles {
        t.push_str(&format!("Cycle of moves (needs a free node): {}\n", c.join(", ")));
    }
    t.push_str(&format!(
        "\nTopology sha256 {}\nConfiguration sha256 {}\n\n",
        s.topology_sha256, s.configuration_sha256
    ));
    let subnet_args: String = s.subnets.iter().map(|id| format!(" --only-subnet {id}")).collect();
    let subnet_candid: Vec<String> = s.subnets.iter().map(|id| format!("\"{id}\"")).collect();
    t.push_str("Reproduce:\n");
    t.push_str(&format!(
        "  dfx canister call --ic --query {} plan_membership_changes '(record {{ subnets = vec {{ {} }} }})'\n",
        s.canister_id.unwrap_or("<canister id>"),
        subnet_candid.join("; ")
    ));
    t.push_str(&format!("  topology plan --inputs export-{}.json{subnet_args} --json\n", s.registry_version));
    let sha = digest::sha256_hex(t.as_bytes());
    (t, sha)
}

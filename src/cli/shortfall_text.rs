//! The shortfall in the text output: where the target topology cannot be
//! filled, how many seats stay empty, by subnet and rule, and the
//! ObjectiveValue of the rest.

use ic_topology::shortfall::SubnetShortfall;
use ic_topology::solve::Status;

/// What the text shows of an answer's shortfall (the result file's fields).
pub struct Shown<'a> {
    /// The answer's status (the shortfall is shown only where it is infeasible).
    pub status: Status,
    /// The shortfall's own status: `optimal` when both parts are proven least.
    pub proof_status: Status,
    /// Seats left empty.
    pub seats: Option<u32>,
    /// The ObjectiveValue of the rest.
    pub objective: Option<u32>,
    /// Proven: at least this many seats stay empty.
    pub seats_lower_bound: u32,
    /// Whether the certificate alone proves both parts.
    pub certificate_is_tight: bool,
    /// The seats left empty, by subnet and rule.
    pub by_subnet: &'a [SubnetShortfall],
}

/// One line for the top of the answer: the shortfall and the rest's ObjectiveValue.
pub fn headline(r: &Shown) -> Option<String> {
    if r.status != Status::Infeasible {
        return None;
    }
    let proof = r;
    Some(match (proof.proof_status, proof.seats, proof.objective) {
        (Status::Optimal, Some(seats), Some(rest)) => {
            let subnets: Vec<String> = r
                .by_subnet
                .iter()
                .map(|s| match s.subnet {
                    Some(_) => format!("{} needs {} more node(s)", s.label, s.seats),
                    None => format!("{} provider(s) get no node for the per-provider minimum", s.seats),
                })
                .collect();
            format!(
                "Answer: the target topology cannot be filled: shortfall {seats} seat(s) that only real nodes can fill ({}); the rest needs {rest} more synthetic node(s) (its ObjectiveValue)",
                subnets.join(", ")
            )
        }
        _ => format!(
            "Answer: the target topology cannot be filled; the shortfall is not proven within the budget (at least {} seat(s))",
            proof.seats_lower_bound
        ),
    })
}

/// The shortfall's lines under "Infeasible" (without indentation).
pub fn lines(r: &Shown) -> Vec<String> {
    let proof = r;
    let mut out = Vec::new();
    match (proof.proof_status, proof.seats, proof.objective) {
        (Status::Optimal, Some(seats), Some(rest)) => {
            out.push(format!(
                "shortfall: {seats} seat(s) stay empty, which only real nodes could fill; the rest needs {rest} more synthetic node(s) (ObjectiveValue of the rest)"
            ));
            out.push(format!(
                "  (the fewest empty seats, then the fewest synthetic nodes; proven {})",
                if proof.certificate_is_tight {
                    "by allocation and certificate, `topology verify` re-checks both"
                } else {
                    "by branch and bound (the certificate alone does not reach it)"
                }
            ));
            for s in r.by_subnet {
                match s.subnet {
                    Some(_) => out.push(format!(
                        "  - {} needs {} more node(s) ({} of {} filled):",
                        s.label, s.seats, s.filled, s.size
                    )),
                    None => out.push(format!("  - per-provider minimum: {} provider(s) get no node:", s.seats)),
                }
                for rule in &s.rules {
                    out.push(format!("      {rule}"));
                }
                out.push(format!("      why: {}", s.why));
            }
        }
        (Status::Infeasible, _, _) => out.push(
            "shortfall: none, even with seats left empty: the limits contradict each other (see why below)".into(),
        ),
        _ => out.push(format!(
            "shortfall: not proven within the budget; at least {} seat(s) stay empty",
            proof.seats_lower_bound
        )),
    }
    out
}

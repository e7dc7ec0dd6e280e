//! NNS proposals that change the network's nodes, checked against the model.
//!
//! The canister's governance watcher (`canister/src/governance/`) reads open
//! proposals from NNS governance and keeps a certified verdict per proposal;
//! this module is the part that needs no canister: the governance and
//! registry Candid types ([`governance`], [`payloads`]), the ObjectiveValue
//! claims of a summary ([`claims`]), what removals and membership changes do
//! to the model ([`removal`], [`membership`]), the comparison of claims with
//! computed values ([`compare_claims`]) and the text of a verdict
//! ([`render`]), which `topology proposal --id N` prints.
//!
//! Which proposals, and what each verdict holds:
//! - `AssignNoid` (8) and `UpdateNodeOperatorConfig` (16): the nodes the
//!   operator may add, as candidates, evaluated exactly as
//!   `evaluate_candidates` evaluates them (the canister's own path);
//! - `RemoveNodes` (18) and `RemoveNodeOperators` (23): the ObjectiveValue
//!   with and without the nodes ([`removal`]);
//! - `ChangeSubnetMembership` (31): the subnet's limits and Nakamoto
//!   coefficients before and after ([`membership`]); whether the change is
//!   part of an optimal plan is not checked here (see [`MEMBERSHIP_OPTIMALITY`]).

pub mod claims;
#[cfg(feature = "candid")]
#[allow(missing_docs)] // Generated from the IC's governance .did (candid/nns_governance.did).
pub mod governance;
#[cfg(feature = "candid")]
pub mod payloads;
#[cfg(feature = "candid")]
pub mod render;

#[cfg(feature = "candid")]
pub use analysis::*;

#[cfg(feature = "candid")]
mod analysis {
    use super::claims::Claims;
    use crate::api::{self, ClaimCheck, MembershipFacts, ObjectiveOutcome, SummaryClaims};
    use crate::inputs::Inputs;
    use crate::model::{self, Model};
    use crate::solve::{self, Budget, Solution};
    use std::collections::BTreeSet;

    /// What a membership verdict says of optimality where the plan verifier
    /// cannot run (no kept plan; see the canister's `plan::membership_optimality`).
    pub const MEMBERSHIP_OPTIMALITY: &str =
        "optimality not checked: the limits and Nakamoto coefficients before and after are reported";

    /// The ObjectiveValue outcome of a solve, as a verdict reports it.
    pub fn objective_outcome(s: &Solution) -> ObjectiveOutcome {
        ObjectiveOutcome {
            status: s.status.into(),
            objective: s.objective,
            lower_bound: s.lower_bound,
            upper_bound: s.upper_bound,
        }
    }

    /// Node ids of `ids` the snapshot does not have (sorted), or `Ok` with
    /// the ids sorted and deduplicated.
    pub fn known_nodes(inputs: &Inputs, ids: &[String]) -> Result<Vec<String>, Vec<String>> {
        let held: BTreeSet<&str> = inputs.nodes.iter().map(|n| n.node_id.as_str()).collect();
        let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        let unknown: Vec<String> = wanted.iter().filter(|id| !held.contains(**id)).map(|s| s.to_string()).collect();
        if unknown.is_empty() {
            Ok(wanted.into_iter().map(str::to_string).collect())
        } else {
            Err(unknown)
        }
    }

    /// The ObjectiveValue without the nodes `removed` (ids the snapshot has).
    pub fn removal(inputs: &Inputs, removed: &[String], budget: Budget) -> Solution {
        let removed: BTreeSet<&str> = removed.iter().map(String::as_str).collect();
        let after = Inputs {
            nodes: inputs.nodes.iter().filter(|n| !removed.contains(n.node_id.as_str())).cloned().collect(),
            ..inputs.clone()
        };
        solve::solve(&model::build(&after, &[]), budget)
    }

    fn facts(inputs: &Inputs, model: &Model, subnet_id: &str) -> MembershipFacts {
        let entry = api::convert::decentralization(inputs, model).into_iter().find(|d| d.subnet_id == subnet_id);
        match entry {
            Some(d) => MembershipFacts { nodes: d.nodes, nakamoto: d.nakamoto, breaches: d.breaches },
            None => MembershipFacts { nodes: 0, nakamoto: vec![0; 4], breaches: vec![] },
        }
    }

    /// The subnet's decentralization before and after moving `added` into it
    /// and `removed` out of it (ids the snapshot has), as `get_decentralization`
    /// computes it.
    pub fn membership(
        inputs: &Inputs,
        model: &Model,
        subnet_id: &str,
        added: &[String],
        removed: &[String],
    ) -> (MembershipFacts, MembershipFacts) {
        let before = facts(inputs, model, subnet_id);
        let added: BTreeSet<&str> = added.iter().map(String::as_str).collect();
        let removed: BTreeSet<&str> = removed.iter().map(String::as_str).collect();
        let mut after_inputs = inputs.clone();
        for n in &mut after_inputs.nodes {
            if added.contains(n.node_id.as_str()) {
                n.subnet_id = Some(subnet_id.to_string());
            } else if removed.contains(n.node_id.as_str()) && n.subnet_id.as_deref() == Some(subnet_id) {
                n.subnet_id = None;
            }
        }
        let after_model = model::build(&after_inputs, &[]);
        let after = facts(&after_inputs, &after_model, subnet_id);
        (before, after)
    }

    fn check(claimed: Option<u32>, computed: Option<u32>) -> ClaimCheck {
        match (claimed, computed) {
            (None, _) => ClaimCheck::NoClaimFound,
            (Some(c), Some(v)) if c == v => ClaimCheck::Matches { value: v },
            (Some(claimed), computed) => ClaimCheck::Differs { claimed, computed },
        }
    }

    /// The summary's claims against the computed values (`None`: no exact value).
    pub fn compare_claims(claims: Claims, before: Option<u32>, after: Option<u32>) -> SummaryClaims {
        SummaryClaims { before: check(claims.before, before), after: check(claims.after, after) }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn claims_match_differ_or_are_missing() {
            let c = Claims { before: Some(4), after: Some(2) };
            assert_eq!(
                compare_claims(c, Some(4), Some(3)),
                SummaryClaims {
                    before: ClaimCheck::Matches { value: 4 },
                    after: ClaimCheck::Differs { claimed: 2, computed: Some(3) }
                }
            );
            assert_eq!(
                compare_claims(Claims::default(), Some(4), None),
                SummaryClaims { before: ClaimCheck::NoClaimFound, after: ClaimCheck::NoClaimFound }
            );
            assert_eq!(
                compare_claims(Claims { before: None, after: Some(1) }, Some(4), None).after,
                ClaimCheck::Differs { claimed: 1, computed: None }
            );
        }
    }
}

//! One proposal's verdict, computed on the canister's current snapshot.
//!
//! Node-operator proposals become candidates and go through
//! `State::evaluate_candidates`, the very path of the `evaluate_candidates`
//! query; removals and membership changes use the engine's
//! `ic_topology::proposals` on the derived inputs. Whatever is wrong with a
//! payload (it does not decode, names an unknown data center, operator or
//! node) becomes an `invalid` verdict that says so. An allowance larger than
//! `evaluate_candidates` takes is not wrong: its first 32 nodes are evaluated
//! and the verdict records the allowance.

use super::store::{self, Entry};
use crate::registry::proto;
use crate::state::{Env, State, MAX_CANDIDATE_NODES};
use candid::Principal;
use ic_topology::api::{self, ProposalKind, ProposalStatus, ProposalVerdict, VerdictOutcome};
use ic_topology::proposals::governance::{Action, ProposalInfo};
use ic_topology::proposals::payloads::{self, Payload};
use ic_topology::proposals::{self as engine, claims};
use ic_topology::solve::Budget;
use prost::Message;
use std::collections::BTreeSet;

/// What to do with a proposal governance reported.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Not a proposal the watcher evaluates.
    Ignore,
    /// The stored verdict stands.
    Keep,
    /// The proposal was decided: keep the verdict, with its new status.
    UpdateStatus(ProposalStatus),
    /// A new or recomputed verdict.
    Write(Box<ProposalVerdict>),
    /// Nothing to compute on yet (no snapshot): try again on the next poll.
    NotReady(String),
}

/// The watched kind and payload of a proposal, if it is one the watcher evaluates.
pub fn watched(info: &ProposalInfo) -> Option<(ProposalKind, i32, &[u8])> {
    let proposal = info.proposal.as_ref()?;
    match proposal.action.as_ref()? {
        Action::ExecuteNnsFunction(f) => {
            payloads::kind_of(f.nns_function).map(|k| (k, f.nns_function, f.payload.as_slice()))
        }
        _ => None,
    }
}

/// Decide on `info`, given the stored verdict of the same proposal.
pub fn decide(state: &State, env: &impl Env, info: &ProposalInfo, stored: Option<&Entry>) -> Decision {
    let Some((kind, nns_function, payload)) = watched(info) else { return Decision::Ignore };
    let status = store::status_of(info.status);
    if let Some(entry) = stored {
        if entry.status != ProposalStatus::Open {
            // Decided before: kept as it was.
            return Decision::Keep;
        }
        if status != ProposalStatus::Open {
            return Decision::UpdateStatus(status);
        }
        if entry.registry_version == state.snapshot_registry_version() && state.derived_state().is_some() {
            return Decision::Keep;
        }
    }
    let Some(derived) = state.derived_state() else {
        return Decision::NotReady(crate::state::NO_SNAPSHOT.into());
    };
    let proposal = info.proposal.as_ref().expect("a watched proposal has its proposal");
    let baseline = derived.baseline.objective;
    let (outcome, before, after) = match payloads::decode(kind, payload) {
        Err(reason) => (VerdictOutcome::Invalid { reason }, baseline, None),
        Ok(p) => outcome(state, env, p),
    };
    let claims = engine::compare_claims(claims::extract(&proposal.summary), before, after);
    Decision::Write(Box::new(ProposalVerdict {
        proposal_id: info.id.as_ref().map_or(0, |i| i.id),
        title: proposal.title.clone(),
        kind,
        nns_function,
        topic: info.topic,
        status,
        proposal_timestamp_seconds: info.proposal_timestamp_seconds,
        deadline_timestamp_seconds: info.deadline_timestamp_seconds,
        registry_version: state.snapshot_registry_version(),
        topology_sha256: derived.topology_sha256.clone(),
        configuration_sha256: derived.configuration_sha256.clone(),
        outcome,
        claims,
    }))
}

fn invalid(reason: String, baseline: Option<u32>) -> (VerdictOutcome, Option<u32>, Option<u32>) {
    (VerdictOutcome::Invalid { reason }, baseline, None)
}

/// The verdict's outcome and the ObjectiveValues before and after it (to check claims against).
fn outcome(state: &State, env: &impl Env, payload: Payload) -> (VerdictOutcome, Option<u32>, Option<u32>) {
    let derived = state.derived_state().expect("checked by the caller");
    let baseline = derived.baseline.objective;
    match payload {
        Payload::AddNodeOperator(p) => {
            let Some(provider) = p.node_provider_principal_id else {
                return invalid("the payload names no node_provider_principal_id".into(), baseline);
            };
            candidates(state, env, provider, &p.dc_id, p.node_allowance)
        }
        Payload::UpdateNodeOperatorConfig(p) => {
            let Some(operator) = p.node_operator_id else {
                return invalid("the payload names no node_operator_id".into(), baseline);
            };
            let key = format!("node_operator_record_{}", operator.to_text());
            let Some(record) = state.registry_record(&key).and_then(|b| proto::NodeOperatorRecord::decode(&b[..]).ok())
            else {
                return invalid(
                    format!("node operator {} is not in the registry records this canister holds", operator.to_text()),
                    baseline,
                );
            };
            let provider = match p.node_provider_id {
                Some(p) => p,
                None => match Principal::try_from_slice(&record.node_provider_principal_id) {
                    Ok(p) => p,
                    Err(_) => {
                        return invalid(
                            format!("node operator {} has no valid node provider", operator.to_text()),
                            baseline,
                        )
                    }
                },
            };
            let dc = p.dc_id.clone().unwrap_or_else(|| record.dc_id.clone());
            let allowance = p.node_allowance.unwrap_or(record.node_allowance);
            // Data-center ids compare in lower case, as the registry stores them.
            if dc.to_lowercase() != record.dc_id.to_lowercase() {
                // A move: every node it may add goes to the new data center.
                candidates(state, env, provider, &dc, allowance)
            } else {
                let added = allowance.saturating_sub(record.node_allowance);
                if added == 0 {
                    let reason = format!(
                        "the allowance ({} -> {allowance}) does not grow and the data center ({dc}) stays",
                        record.node_allowance
                    );
                    (VerdictOutcome::NoChange { reason }, baseline, baseline)
                } else {
                    candidates(state, env, provider, &dc, added)
                }
            }
        }
        Payload::RemoveNodes(p) => {
            let ids: Vec<String> = p.node_ids.iter().map(Principal::to_text).collect();
            removal(state, ids)
        }
        Payload::RemoveNodeOperators(p) => {
            let mut operators = BTreeSet::new();
            for blob in &p.node_operators_to_remove {
                match Principal::try_from_slice(blob) {
                    Ok(o) => operators.insert(o.to_text()),
                    Err(e) => return invalid(format!("node_operators_to_remove holds a non-principal: {e}"), baseline),
                };
            }
            for o in p.node_operator_principals_to_remove.iter().flat_map(|p| &p.principals) {
                operators.insert(o.to_text());
            }
            let ids: Vec<String> = derived
                .inputs
                .nodes
                .iter()
                .filter(|n| operators.contains(&n.node_operator_id))
                .map(|n| n.node_id.clone())
                .collect();
            if ids.is_empty() {
                let names: Vec<String> = operators.into_iter().collect();
                let reason = format!("the operators removed ({}) have no nodes in the snapshot", names.join(", "));
                return (VerdictOutcome::NoChange { reason }, baseline, baseline);
            }
            removal(state, ids)
        }
        Payload::ChangeSubnetMembership(p) => {
            let added: Vec<String> = p.node_ids_add.iter().map(Principal::to_text).collect();
            let removed: Vec<String> = p.node_ids_remove.iter().map(Principal::to_text).collect();
            let all: Vec<String> = added.iter().chain(&removed).cloned().collect();
            if let Err(unknown) = engine::known_nodes(&derived.inputs, &all) {
                return invalid(format!("nodes not in the snapshot: {}", unknown.join(", ")), baseline);
            }
            let subnet_id = p.subnet_id.to_text();
            let (before, after) = membership_check(state, &subnet_id, &added, &removed);
            let (subnet_id_text, added_text, removed_text) = (subnet_id.clone(), added.clone(), removed.clone());
            let outcome = VerdictOutcome::Membership {
                subnet_id,
                added,
                removed,
                before,
                after,
                optimality: crate::plan::membership_optimality(state, &subnet_id_text, &added_text, &removed_text),
            };
            (outcome, baseline, None)
        }
    }
}

/// The one place a membership change is judged: today the limits and
/// Nakamoto coefficients before and after (the plan verifier of the
/// membership-planning issue can take its place here).
pub fn membership_check(
    state: &State,
    subnet_id: &str,
    added: &[String],
    removed: &[String],
) -> (api::MembershipFacts, api::MembershipFacts) {
    let derived = state.derived_state().expect("checked by the caller");
    engine::membership(&derived.inputs, &derived.model, subnet_id, added, removed)
}

fn removal(state: &State, ids: Vec<String>) -> (VerdictOutcome, Option<u32>, Option<u32>) {
    let derived = state.derived_state().expect("checked by the caller");
    let baseline = derived.baseline.objective;
    let ids = match engine::known_nodes(&derived.inputs, &ids) {
        Ok(ids) => ids,
        Err(unknown) => return invalid(format!("nodes not in the snapshot: {}", unknown.join(", ")), baseline),
    };
    // The same budget as the snapshot's own baseline solve.
    let after = engine::removal(&derived.inputs, &ids, Budget::default());
    let before = engine::objective_outcome(&derived.baseline);
    let after_value = after.objective;
    (VerdictOutcome::Removal { node_ids: ids, before, after: engine::objective_outcome(&after) }, baseline, after_value)
}

/// `nodes` nodes of `provider` in data center `dc_id`, evaluated as `evaluate_candidates` does.
fn candidates(
    state: &State,
    env: &impl Env,
    provider: Principal,
    dc_id: &str,
    nodes: u64,
) -> (VerdictOutcome, Option<u32>, Option<u32>) {
    let derived = state.derived_state().expect("checked by the caller");
    let baseline = derived.baseline.objective;
    if nodes == 0 {
        return (VerdictOutcome::NoChange { reason: "the proposal allows no node".into() }, baseline, baseline);
    }
    // `evaluate_candidates` takes at most MAX_CANDIDATE_NODES candidate nodes,
    // and on a large snapshot fewer (its cost cap, `crate::cost`): a larger
    // allowance is no fault of the proposal, so its first nodes that fit are
    // evaluated and the verdict says how many it allows.
    let fit = crate::cost::most_candidate_nodes(&derived.model, derived.inputs.settings, 1).max(1);
    let no_nodes = u32::try_from(nodes).map_or(MAX_CANDIDATE_NODES, |n| n.min(MAX_CANDIDATE_NODES)).min(fit);
    // The data center: its registry record, else a snapshot node's (an uploaded snapshot has no records).
    // The registry stores data-center ids in lower case (`add_node_operator`
    // lowercases `dc_id`), so they are looked up and compared in lower case,
    // as `registry::derive` does; the candidate row names the data center as
    // the snapshot's nodes do, so that the model counts them together.
    let lower = dc_id.to_lowercase();
    let key = format!("data_center_record_{lower}");
    let dc = match state.registry_record(&key).and_then(|b| proto::DataCenterRecord::decode(&b[..]).ok()) {
        Some(r) => Some((lower.clone(), r.owner, r.region)),
        None => derived
            .inputs
            .nodes
            .iter()
            .find(|n| n.data_center.to_lowercase() == lower)
            .map(|n| (n.data_center.clone(), n.data_center_provider.clone(), n.region.clone())),
    };
    let Some((data_center, owner, region)) = dc else {
        return invalid(format!("data center {dc_id:?} is not in the registry snapshot"), baseline);
    };
    let config = state.stored_configuration();
    let principal = provider.to_text();
    let name = config.provider_names.get(&principal).cloned().unwrap_or(principal);
    let row = api::CandidateRow {
        is_sev: config.sev_providers.contains(&name),
        node_provider: name,
        data_center,
        data_center_provider: owner,
        country: ic_topology::model::registry_country(derived.inputs.settings.rules, &region),
        no_nodes,
    };
    let req = api::EvaluateRequest { candidates: vec![row.clone()], overrides: None, include_allocation: None };
    match state.evaluate_candidates(env, req) {
        Ok(evaluation) => {
            let (before, after) = (evaluation.baseline_objective, evaluation.objective);
            let outcome = VerdictOutcome::Candidates {
                candidates: vec![row],
                evaluation: Box::new(evaluation),
                allowance: Some(nodes),
            };
            (outcome, before, after)
        }
        Err(e) => invalid(format!("evaluate_candidates refused {no_nodes} node(s) in {dc_id}: {e:?}"), baseline),
    }
}

//! Membership plans on the synced snapshot: `plan_membership_changes` and
//! `verify_membership_change` (queries), `publish_plan` (an update that
//! certifies the plan) and `get_published_plan`.
//!
//! The current membership is the registry's subnet records (each node's
//! subnet in the snapshot), health comes from the configuration, and the
//! plan is the engine's ([`ic_topology::plan`]) under the canister's budget,
//! so `topology plan --inputs <export>` reproduces it bit for bit. Published
//! plans share the certified store of published evaluations under keys
//! `plan-<sha256 of what the plan is computed from>`, so the same witness and
//! `topology verify-certificate` check them.

use crate::publish;
use crate::state::{Env, State};
use ic_topology::api::{self, Error, Result};
use ic_topology::export::CANISTER_BUDGET;
use ic_topology::plan::{self, sequence, summary, verify_proposal};
use serde::Serialize;

/// At most this many subnet ids in a request (the topology has fewer subnets).
pub const MAX_SUBNETS_PER_REQUEST: usize = 200;
/// At most this many nodes a change may add or remove.
pub const MAX_CHANGE_NODES: usize = 100;

/// The prefix of plan publication keys.
pub const KEY_PREFIX: &str = "plan-";

fn invalid(field: &str, reason: impl Into<String>) -> Error {
    Error::InvalidArgument { field: field.into(), reason: reason.into() }
}

fn validate_subnets(subnets: &[String]) -> Result<()> {
    if subnets.len() > MAX_SUBNETS_PER_REQUEST {
        return Err(invalid("subnets", format!("at most {MAX_SUBNETS_PER_REQUEST} subnet ids")));
    }
    for (i, id) in subnets.iter().enumerate() {
        if id.is_empty() || id.len() > 100 {
            return Err(invalid(&format!("subnets[{i}]"), "a subnet id of 1 to 100 characters"));
        }
    }
    Ok(())
}

/// The publication key of a plan: the SHA-256 (hex) of the canonical JSON of
/// what it is computed from.
pub fn plan_key(
    subnets: &[String],
    registry_version: u64,
    topology_sha256: &str,
    configuration_sha256: &str,
) -> String {
    #[derive(Serialize)]
    struct KeyInputs<'a> {
        mode: &'a str,
        subnets: &'a [String],
        registry_version: u64,
        topology_sha256: &'a str,
        configuration_sha256: &'a str,
    }
    let json = serde_json::to_vec(&KeyInputs {
        mode: "minimize_node_swaps",
        subnets,
        registry_version,
        topology_sha256,
        configuration_sha256,
    })
    .expect("records serialise");
    format!("{KEY_PREFIX}{}", ic_topology::digest::sha256_hex(&json))
}

/// The plan of every subnet, solved whenever the snapshot or the
/// configuration changes (in an update, a timer or an upgrade, which allow
/// far more instructions than a query), so that queries serve it.
pub fn derive(inputs: &ic_topology::inputs::Inputs) -> Option<plan::solve::PlanSolution> {
    let (pm, _) = plan::model::build(inputs, &[]).ok()?;
    Some(plan::solve::solve(&pm, CANISTER_BUDGET))
}

/// A query solves a plan of at most this many subnets itself (a selection);
/// the plan of every subnet comes from [`derive`].
pub const QUERY_MAX_SELECTED_SUBNETS: usize = 8;

struct PlanRun {
    plan: plan::Plan,
    sequence: sequence::Sequence,
}

fn run(state: &State, req: &api::PlanRequest, in_query: bool) -> Result<PlanRun> {
    validate_subnets(&req.subnets)?;
    let derived = state.derived()?;
    let (pm, warnings) = plan::model::build(&derived.inputs, &req.subnets).map_err(|e| invalid("subnets", e))?;
    let solution = match (&derived.plan, req.subnets.is_empty()) {
        (Some(known), true) => known.clone(),
        _ if in_query && (req.subnets.is_empty() || req.subnets.len() > QUERY_MAX_SELECTED_SUBNETS) => {
            return Err(invalid(
                "subnets",
                format!(
                    "a query plans at most {QUERY_MAX_SELECTED_SUBNETS} selected subnets (more would exceed the \
                     query's instructions); call publish_plan, an update, for this selection"
                ),
            ))
        }
        _ => plan::solve::solve(&pm, CANISTER_BUDGET),
    };
    let plan = plan::plan_of(&pm, solution, warnings);
    let sequence = sequence::sequence(&pm, &plan);
    Ok(PlanRun { plan, sequence })
}

fn context(state: &State, env: &impl Env) -> api::PlanContext {
    let derived = state.derived().expect("checked by the caller");
    api::PlanContext {
        registry_version: state.registry_version(),
        snapshot_source: state.snapshot_source(),
        topology_sha256: derived.topology_sha256.clone(),
        configuration_sha256: derived.configuration_sha256.clone(),
        instructions: env.instructions(),
    }
}

/// `plan_membership_changes`: the cheapest changes, proven, as proposals.
pub fn plan_membership_changes(state: &State, env: &impl Env, req: api::PlanRequest) -> Result<api::MembershipPlan> {
    plan_in(state, env, req, true)
}

fn plan_in(state: &State, env: &impl Env, req: api::PlanRequest, in_query: bool) -> Result<api::MembershipPlan> {
    let r = run(state, &req, in_query)?;
    Ok(api::plan_out(&r.plan, &r.sequence, req.subnets, context(state, env)))
}

/// `verify_membership_change`: is this change part of an optimal plan?
pub fn verify_membership_change(
    state: &State,
    env: &impl Env,
    change: api::MembershipChange,
) -> Result<api::MembershipChangeReport> {
    if change.node_ids_add.len() + change.node_ids_remove.len() > MAX_CHANGE_NODES {
        return Err(invalid("node_ids_add", format!("at most {MAX_CHANGE_NODES} nodes added and removed together")));
    }
    let derived = state.derived()?;
    let payload = verify_proposal::Payload {
        subnet_id: change.subnet_id.clone(),
        node_ids_add: change.node_ids_add,
        node_ids_remove: change.node_ids_remove,
    };
    let check =
        verify_proposal::verify_proposal(&derived.inputs, &payload, CANISTER_BUDGET, derived.plan.as_ref(), false)
            .map_err(|e| invalid("change", e))?;
    let size = derived
        .inputs
        .topology
        .iter()
        .find(|s| s.subnet_id.as_deref() == Some(change.subnet_id.as_str()))
        .map_or(0, |s| s.size);
    Ok(api::change_report_out(&check, size, context(state, env)))
}

/// `publish_plan`: plan in replicated execution and certify the answer.
pub fn publish_plan(state: &mut State, env: &impl Env, req: api::PlanRequest) -> Result<api::PublishedPlan> {
    validate_subnets(&req.subnets)?;
    let derived = state.derived()?;
    let key = plan_key(&req.subnets, state.registry_version(), &derived.topology_sha256, &derived.configuration_sha256);
    if let Some(entry) = state.published.get(&key) {
        return Ok(api::PublishedPlan {
            key,
            plan: decode(&entry.candid),
            newly_published: false,
            evicted: vec![],
            published: state.published.len(),
        });
    }
    let plan = plan_in(state, env, req, false)?;
    let candid = candid::encode_one(&plan).expect("a plan encodes");
    let evicted = state.published.insert(key.clone(), candid);
    env.set_certified_data(&state.certified_root());
    Ok(api::PublishedPlan { key, plan, newly_published: true, evicted, published: state.published.len() })
}

fn decode(candid: &[u8]) -> api::MembershipPlan {
    candid::decode_one(candid).expect("a stored plan decodes")
}

/// `get_published_plan`: the plan, its Candid bytes, the certificate and the witness.
pub fn get_published_plan(state: &State, env: &impl Env, key: String) -> Result<api::CertifiedPlan> {
    let entry = match state.published.get(&key) {
        Some(entry) if key.starts_with(KEY_PREFIX) => entry,
        _ => {
            return Err(Error::NotFound {
                reason: format!(
                    "no plan is published under {key} (never published, or evicted: at most {} are kept)",
                    publish::MAX_PUBLISHED
                ),
            })
        }
    };
    Ok(api::CertifiedPlan {
        witness: state.published.witness_among(&state.certified_parts(), &key),
        plan: decode(&entry.candid),
        plan_candid: entry.candid,
        key,
        certificate: env.data_certificate().map(serde_bytes::ByteBuf::from),
        canister_id: env.canister_id(),
    })
}

/// The plan form of `proposal_summary`: the text a set of membership proposals quotes.
pub fn plan_summary(state: &State, env: &impl Env, req: api::PlanRequest) -> Result<api::ProposalSummary> {
    let r = run(state, &req, true)?;
    let derived = state.derived()?;
    let canister = env.canister_id().to_text();
    let registry_version = state.registry_version();
    let (text, sha256) = summary::render(&summary::PlanSummaryInput {
        canister_id: Some(&canister),
        subnets: &req.subnets,
        plan: &r.plan,
        sequence: &r.sequence,
        registry_version,
        topology_sha256: &derived.topology_sha256,
        configuration_sha256: &derived.configuration_sha256,
    });
    Ok(api::ProposalSummary {
        text,
        sha256,
        publication_key: plan_key(
            &req.subnets,
            registry_version,
            &derived.topology_sha256,
            &derived.configuration_sha256,
        ),
        registry_version,
        instructions: env.instructions(),
    })
}

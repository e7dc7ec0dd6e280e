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

use crate::checks::{invalid, validate_change, validate_subnets};
use crate::publish::Publisher;
use crate::state::{no_snapshot, Env, State};
use crate::stores::plan::Kept;
use ic_topology::api::{self, Error, Result};
use ic_topology::canister_profile::CANISTER_BUDGET;
use ic_topology::plan::solve::Search;
use ic_topology::plan::{self, sequence, summary, verify_proposal};
use serde::Serialize;

pub use crate::limits::{MAX_CHANGE_NODES, MAX_SUBNETS_PER_REQUEST};

/// The prefix of plan publication keys.
pub use crate::stores::published::PLAN_KEY_PREFIX as KEY_PREFIX;

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

/// The largest swap model (LP columns x rows) the canister tries to solve
/// in one message. Measured through the wasm host, a plan of the 2025-10
/// growth topology (SWAP-ORACLES.md S6, 9,866 columns x 7,237 rows) takes
/// about 24 billion instructions; the limit of a message is 40 billion.
pub const MAX_LP_SIZE: u64 = 80_000_000;
/// ... and only a network whose subnets have at least this share of their
/// seats filled today (S6, whose 12 new subnets start empty, has 83%; a
/// network with no membership at all, the default one, would assign every
/// node anew and takes more than 40 billion instructions).
pub const MIN_FILLED_PERCENT: u64 = 50;

/// What the kept plan is computed from: the registry version and the configuration digest.
fn current_key(state: &State) -> Option<String> {
    let derived = state.derived().ok()?;
    Some(format!("{}:{}", state.registry_version(), derived.configuration_sha256))
}

/// The first refresh message: note the solve about to start. Returns whether one is needed.
pub fn begin_refresh(state: &mut State) -> bool {
    let Some(key) = current_key(state) else { return false };
    {
        let kept = &mut state.kept_plan;
        let fresh = match &*kept {
            Kept::Ready { key: k, .. } | Kept::Refused { key: k, .. } | Kept::Solving { key: k } => *k == key,
            Kept::Stale => false,
        };
        if !fresh {
            *kept = Kept::Solving { key };
        }
        !fresh
    }
}

/// The second refresh message: solve the plan of every subnet (or refuse a model too large).
pub fn finish_refresh(state: &mut State) {
    let Some(key) = current_key(state) else { return };
    if !matches!(&state.kept_plan, Kept::Solving { key: k } if *k == key) {
        return;
    }
    let derived = state.derived().expect("a key needs the derived state");
    let outcome = (|| {
        let (pm, _) = plan::model::build(&derived.inputs, &[])?;
        let (cols, rows) = plan::solve::lp_size(&pm);
        if cols as u64 * rows as u64 > MAX_LP_SIZE {
            return Err(format!(
                "the membership model has {cols} columns x {rows} rows, more than the canister solves in one \
                 message ({MAX_LP_SIZE}); plan it off chain: topology plan --inputs <export_snapshot's bytes>"
            ));
        }
        // A plan that fills most seats anew is the ObjectiveValue's problem without its
        // shortcuts, and can take more than one message: the canister plans networks
        // whose subnets are mostly filled already (the registry's are).
        let seats: u64 = pm.model.subnets.iter().map(|s| s.size as u64).sum();
        let filled: u64 =
            (0..pm.model.classes.len()).map(|c| pm.assigned(c) as u64).sum::<u64>() + pm.forced_drops.len() as u64;
        if filled * 100 < seats * MIN_FILLED_PERCENT {
            return Err(format!(
                "only {filled} of the topology's {seats} seats are filled today (less than {MIN_FILLED_PERCENT}%): \
                 the plan would assign most nodes anew, more than the canister solves in one message; plan it off \
                 chain (topology plan --inputs <export_snapshot's bytes>) or ask evaluate_candidates for the \
                 ObjectiveValue"
            ));
        }
        Ok(Box::new(plan::parts::solve(&pm, CANISTER_BUDGET)))
    })();
    let kept = match outcome {
        Ok(solution) => Kept::Ready { key, solution },
        Err(reason) => Kept::Refused { key, reason },
    };
    state.kept_plan = kept;
}

/// What the kept plan is now, for the dashboard to notice a change: its
/// state and key, and the key of the current inputs.
pub fn kept_tag(state: &State) -> String {
    let current = current_key(state).unwrap_or_default();
    match state.kept_plan() {
        Kept::Stale => format!("stale/{current}"),
        Kept::Solving { key } => format!("solving:{key}/{current}"),
        Kept::Ready { key, .. } => format!("ready:{key}/{current}"),
        Kept::Refused { key, .. } => format!("refused:{key}/{current}"),
    }
}

/// The kept plan of the current inputs, or why there is none.
pub fn kept(state: &State) -> Result<plan::solve::PlanSolution> {
    let key = current_key(state).ok_or_else(no_snapshot)?;
    match state.kept_plan() {
        Kept::Ready { key: k, solution } if *k == key => Ok((**solution).clone()),
        Kept::Refused { key: k, reason } if *k == key => Err(Error::NotReady { reason: reason.clone() }),
        Kept::Solving { key: k } if *k == key => Err(Error::NotReady {
            reason: "the plan of this snapshot is being solved in a message of its own; if this persists, it did \
                     not fit in one message (40 billion instructions): plan it off chain with \
                     topology plan --inputs <export_snapshot's bytes>"
                .into(),
        }),
        _ => Err(Error::NotReady { reason: "the plan of this snapshot is not solved yet; ask again shortly".into() }),
    }
}

/// Checking a change that is not part of the kept plan, a query solves
/// integer programs near the kept plan and then after reduced-cost fixing
/// (`plan::local`, `Search::Within`) while their cells (columns x rows),
/// summed over every program and the re-pricing LP, stay within this many.
/// Measured through the wasm host on SWAP-ORACLES.md S5 and S6 (wasm_plan):
/// a change decided near the plan takes 0.5 to 1.9 billion instructions; with
/// 8 million cells, a search that used them all took 4.8 billion, too close
/// to a query's 5 billion, hence half that. A change the cells do not settle
/// is left undecided on chain, with its bounds.
pub const QUERY_MAX_PROGRAM_CELLS: u64 = 4_000_000;
/// ... and a governance verdict the same: searching as far as the whole model
/// a plan refresh solves took 27 billion instructions for one change on the
/// generated network (wasm_governance), too close to a message's 40 billion.
pub const VERDICT_MAX_PROGRAM_CELLS: u64 = QUERY_MAX_PROGRAM_CELLS;

/// A query solves a plan of at most this many subnets itself (a selection);
/// the plan of every subnet comes from [`derive`].
pub const QUERY_MAX_SELECTED_SUBNETS: usize = 8;
/// ... and at most this large a model (LP columns x rows; one subnet of the
/// 2025-10 network is about 0.3 million and costs 0.3 billion instructions).
pub const QUERY_MAX_LP_SIZE: u64 = 8_000_000;

struct PlanRun {
    plan: plan::Plan,
    sequence: sequence::Sequence,
}

fn run(state: &State, req: &api::PlanRequest, in_query: bool) -> Result<PlanRun> {
    validate_subnets(&req.subnets)?;
    let derived = state.derived()?;
    let (pm, warnings) = plan::model::build(&derived.inputs, &req.subnets).map_err(|e| invalid("subnets", e))?;
    let solution = match req.subnets.is_empty() {
        true => kept(state)?,
        _ if in_query && (req.subnets.is_empty() || req.subnets.len() > QUERY_MAX_SELECTED_SUBNETS) => {
            return Err(invalid(
                "subnets",
                format!(
                    "a query plans at most {QUERY_MAX_SELECTED_SUBNETS} selected subnets (more would exceed the \
                     query's instructions); call publish_plan, an update, for this selection"
                ),
            ))
        }
        _ => {
            let (cols, rows) = plan::solve::lp_size(&pm);
            let cap = if in_query { QUERY_MAX_LP_SIZE } else { MAX_LP_SIZE };
            if cols as u64 * rows as u64 > cap {
                return Err(invalid(
                    "subnets",
                    format!(
                        "this selection's model ({cols} columns x {rows} rows) is larger than a {} solves ({cap})",
                        if in_query { "query" } else { "message" }
                    ),
                ));
            }
            plan::parts::solve(&pm, CANISTER_BUDGET)
        }
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
    validate_change(&change)?;
    let derived = state.derived()?;
    let known = kept(state)?;
    let payload = verify_proposal::Payload {
        subnet_id: change.subnet_id.clone(),
        node_ids_add: change.node_ids_add,
        node_ids_remove: change.node_ids_remove,
    };
    let check = verify_proposal::verify_proposal(
        &derived.inputs,
        &payload,
        CANISTER_BUDGET,
        Some(&known),
        Search::Within(QUERY_MAX_PROGRAM_CELLS),
    )
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
    let publisher = Publisher::of(env);
    state.published.admits(&publisher)?;
    let plan = plan_in(state, env, req, false)?;
    let candid = candid::encode_one(&plan).expect("a plan encodes");
    // Certified by the write path this runs in (`crate::lifecycle::write`).
    let evicted = state.published.insert(key.clone(), candid, &publisher)?;
    Ok(api::PublishedPlan { key, plan, newly_published: true, evicted, published: state.published.len() })
}

fn decode(candid: &[u8]) -> api::MembershipPlan {
    candid::decode_one(candid).expect("a stored plan decodes")
}

/// `proposal_summary`: of a node-operator proposal (candidates) or of
/// membership proposals (a plan), not both.
pub fn proposal_summary(
    state: &State,
    env: &impl Env,
    req: api::ProposalSummaryRequest,
) -> Result<api::ProposalSummary> {
    match req.plan {
        Some(plan) if req.candidates.is_empty() => plan_summary(state, env, plan),
        Some(_) => Err(invalid(
            "plan",
            "give candidates (a node-operator proposal) or a plan (membership proposals), not both",
        )),
        None => state.proposal_summary(env, req),
    }
}

/// `get_published_plan`: the plan, its Candid bytes, the certificate and the witness.
pub fn get_published_plan(state: &State, env: &impl Env, key: String) -> Result<api::CertifiedPlan> {
    let entry = match state.published.get(&key) {
        Some(entry) if key.starts_with(KEY_PREFIX) => entry,
        _ => {
            return Err(Error::NotFound {
                reason: format!(
                    "no plan is published under {key} (never published, or evicted: at most {} are kept)",
                    crate::publish::MAX_PUBLISHED
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

/// What a governance verdict on a `ChangeSubnetMembership` proposal says of
/// optimality: the plan verifier on the kept plan, with the query's bounded
/// search (it runs in one timer message beside the other verdicts).
pub fn membership_optimality(state: &State, subnet_id: &str, added: &[String], removed: &[String]) -> String {
    let not_checked = |why: String| format!("optimality not checked: {why}");
    let known = match kept(state) {
        Ok(k) => k,
        Err(Error::NotReady { reason }) => return not_checked(reason),
        Err(e) => return not_checked(format!("{e:?}")),
    };
    let Ok(derived) = state.derived() else { return not_checked("no snapshot".into()) };
    let payload = verify_proposal::Payload {
        subnet_id: subnet_id.to_string(),
        node_ids_add: added.to_vec(),
        node_ids_remove: removed.to_vec(),
    };
    match verify_proposal::verify_proposal(
        &derived.inputs,
        &payload,
        CANISTER_BUDGET,
        Some(&known),
        Search::Within(VERDICT_MAX_PROGRAM_CELLS),
    ) {
        Err(e) => not_checked(e),
        Ok(check) => match (check.on_optimal_path, check.excess_cost) {
            (Some(false), _) if !check.breaks.is_empty() => {
                format!("not part of any membership plan: it breaks {}", check.breaks.join("; "))
            }
            (Some(true), _) => format!(
                "part of an optimal membership plan: the cheapest plan that includes it costs {}, the optimum (proven)",
                check.with_proposal.upper_bound.unwrap_or(0)
            ),
            (Some(false), Some(x)) => format!("not part of an optimal membership plan: it costs {x} more"),
            _ => format!(
                "optimality undecided on chain: the optimum is {}, the cheapest plan that includes the change costs \
                 at least {}{}; check it with topology verify-proposal",
                known.upper_bound.map_or("-".into(), |v| v.to_string()),
                check.with_proposal.lower_bound,
                check.with_proposal.upper_bound.map_or(String::new(), |u| format!(" and at most {u}"))
            ),
        },
    }
}

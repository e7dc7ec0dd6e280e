//! The placement map and the value of the nodes already there, on the
//! synced snapshot: computed after every change of the snapshot or the
//! configuration in bounded steps across timer messages ([`step`]), stored
//! in stable memory and certified ([`store`]), served by the queries
//! `get_placement_map` and `get_node_value`.
//!
//! The whole map takes tens of billions of instructions at mainnet scale
//! (about 35 curve points for each of 60 countries) and the node values
//! more, so neither fits one message: each step solves map rows (countries)
//! or groups until it has used [`STEP_INSTRUCTIONS`] or done
//! [`MAX_ITEMS_PER_STEP`], stores them, and asks for another message. The
//! engine is the CLI's ([`ic_topology::placement`]) with the CLI's default
//! budget ([`BUDGET`]), from the same baseline, so `topology placements
//! --inputs <export>` and `topology node-value --inputs <export>` reproduce
//! the answers (the test compares them). Queries, `evaluate_candidates`
//! among them, run between the steps; meanwhile the last complete results
//! are served with the progress of the next.
//!
//! The refresh is on by default for a snapshot synced from the NNS registry
//! and off for an uploaded one (`configure_placements` switches it). One
//! chain of steps runs at a time (`lib.rs`); after a step that trapped (the
//! largest measured is a quarter of the limit, see `canister/INSTRUCTIONS.md`)
//! the next change or sync at least ten minutes later starts a new chain.

/// The refresh's records and its certified results (kept with the other stores).
pub use crate::stores::placements as store;

use crate::state::{Derived, Env, State};
use ic_topology::api::{self, Error, Result};
use ic_topology::placement::{self as engine, value, Target};
use ic_topology::solve::{Budget, Neighbour};
use store::{InputsKey, Phase, Refresh, Store, MAP_KEY, VALUES_KEY, VALUE_PREFIX};

/// The budget of every solve: the CLI's default (`Budget::default()`).
pub const BUDGET: Budget = Budget { branch_nodes: 20_000 };
/// A step stops taking new rows or groups once it has used this many
/// instructions; one more item costs at most a few billion at mainnet scale,
/// so a message stays well under the 40 billion of an update or timer.
pub const STEP_INSTRUCTIONS: u64 = 4_000_000_000;
/// ... or once it has done this many (so that a host without an instruction
/// counter, and a small network, still spreads the work).
pub const MAX_ITEMS_PER_STEP: u32 = 4;
pub use crate::limits::MAX_NAME_BYTES;

fn key_of(state: &State, derived: &Derived) -> InputsKey {
    InputsKey {
        registry_version: state.registry_version(),
        topology_sha256: derived.topology_sha256.clone(),
        configuration_sha256: derived.configuration_sha256.clone(),
    }
}

fn inputs_out(source: api::SnapshotSource, key: &InputsKey) -> api::PlacementInputs {
    api::PlacementInputs {
        registry_version: key.registry_version,
        snapshot_source: source,
        topology_sha256: key.topology_sha256.clone(),
        configuration_sha256: key.configuration_sha256.clone(),
    }
}

/// Whether a result computed from `inputs` is of the inputs `key`: the
/// digests say it (the configuration digest covers every node, so a later
/// registry version with the same nodes, a sync that changed nothing the
/// model reads, leaves the result current and computes nothing again).
fn same(inputs: &api::PlacementInputs, key: &InputsKey) -> bool {
    inputs.topology_sha256 == key.topology_sha256 && inputs.configuration_sha256 == key.configuration_sha256
}

fn same_key(a: Option<&InputsKey>, b: &InputsKey) -> bool {
    a.is_some_and(|a| a.topology_sha256 == b.topology_sha256 && a.configuration_sha256 == b.configuration_sha256)
}

fn rows(derived: &Derived) -> Vec<(String, engine::CountryOrigin, ic_topology::inputs::CandidateRow)> {
    // The new-provider target names nothing, so it cannot fail.
    engine::map_rows(&derived.inputs, &derived.model, &Target::NewProvider).unwrap_or_default()
}

fn proof_key(group: &api::NodeGroup) -> String {
    format!("{VALUE_PREFIX}{}/{}", api::group_kind_name(group.kind), group.name)
}

/// Whether the refresh runs: the controllers' switch, by default on for a
/// snapshot synced from the NNS registry (mainnet) and off for an uploaded
/// one (bootstrap and tests, which turn it on when they want it).
fn enabled(state: &State, r: &Refresh) -> bool {
    r.enabled.unwrap_or_else(|| {
        state.snapshot_source() == api::SnapshotSource::Registry && state.registry_is_the_nns_registry()
    })
}

/// `configure_placements` (controllers only).
pub fn configure(state: &mut State, env: &impl Env, settings: api::PlacementSettings) -> Result<()> {
    state.authorize(env, "configure_placements")?;
    if let Some(e) = settings.enabled {
        let mut r = state.placements.refresh();
        r.enabled = Some(e);
        state.placements.set_refresh(r);
    }
    Ok(())
}

/// One timer message of the refresh: start one when the inputs changed,
/// then solve rows or groups within the step's bounds, and publish a result
/// when its last item is solved. Returns whether another message is needed.
pub fn step(state: &mut State, env: &impl Env) -> bool {
    let Ok(derived) = state.derived() else { return false };
    if !enabled(state, &state.placements.refresh()) {
        return false;
    }
    let key = key_of(state, derived);
    let source = state.snapshot_source();
    // The store changes while the derived inputs are read: two fields of the state.
    let (Some(derived), st) = state.derived_and_placements() else { return false };
    let mut r = st.refresh();
    if !same_key(r.key.as_ref(), &key) {
        let values_total = value::groups(&derived.inputs, &derived.model).len() as u32;
        r = st.start(key.clone(), rows(derived).len() as u32, values_total);
    }
    let published = match r.phase {
        Phase::Idle | Phase::Done => return false,
        Phase::Map => map_step(source, derived, env, st, &mut r, &key),
        Phase::Values => values_step(source, derived, env, st, &mut r, &key),
    };
    let used = env.instructions();
    r.messages += 1;
    r.instructions += used;
    r.largest_message_instructions = r.largest_message_instructions.max(used);
    let more = r.phase != Phase::Done;
    st.set_refresh(r);
    if published {
        // The dashboard's placement page shows the new result.
        state.pages_changed();
    }
    more
}

/// Solve map rows; publish the map after its last row. Returns whether it published.
fn map_step(
    source: api::SnapshotSource,
    derived: &Derived,
    env: &impl Env,
    st: &mut Store,
    r: &mut Refresh,
    key: &InputsKey,
) -> bool {
    let inputs = &derived.inputs;
    let (model, base) = (&derived.model, &derived.baseline);
    let rows = rows(derived);
    let prepared = ic_topology::model::Prepared::new(inputs);
    let neighbour = Neighbour::new(model, base);
    let mut items = 0;
    while (r.map_done as usize) < rows.len() && items < MAX_ITEMS_PER_STEP && env.instructions() < STEP_INSTRUCTIONS {
        let i = r.map_done as usize;
        let (country, origin, candidate) = rows[i].clone();
        // As the engine's map: a country with the footprint of an earlier one takes its curves.
        let twin = engine::footprint(inputs, model, &country)
            .and_then(|f| (0..i).find(|&j| engine::footprint(inputs, model, &rows[j].0).as_ref() == Some(&f)));
        let twin = twin.map(|j| st.map_entry(j as u32));
        let entry =
            engine::map_entry(&prepared, model, base, &neighbour, country, origin, candidate, BUDGET, twin.as_ref());
        st.put_map_entry(i as u32, &entry);
        r.map_done += 1;
        items += 1;
    }
    if (r.map_done as usize) < rows.len() {
        return false;
    }
    let entries = (0..r.map_done).map(|i| st.map_entry(i)).collect();
    let map = engine::assemble(Target::NewProvider, base, entries);
    let out = api::map_out(&map, inputs_out(source, key));
    st.publish(MAP_KEY, candid::encode_one(&out).expect("a map encodes"));
    r.phase = Phase::Values;
    true
}

/// Solve groups; publish the values after the last group. Returns whether it published.
fn values_step(
    source: api::SnapshotSource,
    derived: &Derived,
    env: &impl Env,
    st: &mut Store,
    r: &mut Refresh,
    key: &InputsKey,
) -> bool {
    let inputs = &derived.inputs;
    let (model, base) = (&derived.model, &derived.baseline);
    let groups = value::groups(inputs, model);
    let mut items = 0;
    while (r.values_done as usize) < groups.len()
        && items < MAX_ITEMS_PER_STEP
        && env.instructions() < STEP_INSTRUCTIONS
    {
        let i = r.values_done as usize;
        let (group, classes) = &groups[i];
        let v = value::node_value(model, base, group.clone(), classes, BUDGET);
        let report = (group.kind == value::GroupKind::NodeProvider)
            .then(|| value::provider_report(inputs, model, base, &v, BUDGET));
        let proof = api::proof_out(model, classes, &v, report.as_ref(), inputs_out(source, key));
        st.put_value(i as u32, candid::encode_one(&proof).expect("a node value encodes"));
        r.values_done += 1;
        items += 1;
    }
    if (r.values_done as usize) < groups.len() {
        return false;
    }
    let mut values = Vec::new();
    let mut providers = Vec::new();
    let mut proofs = Vec::new();
    for i in 0..r.values_done {
        let bytes = st.value(i);
        let proof: api::NodeValueProof = candid::decode_one(&bytes).expect("a stored node value decodes");
        providers.extend(proof.provider.clone());
        proofs.push((proof_key(&proof.value.group), bytes));
        values.push(proof.value);
    }
    let summary = api::NodeValues {
        inputs: inputs_out(source, key),
        baseline_status: ic_topology::api::Status::from(base.status),
        baseline_objective: base.objective,
        values,
        providers,
    };
    st.publish_values(candid::encode_one(&summary).expect("node values encode"), proofs);
    r.phase = Phase::Done;
    true
}

/// The refresh as callers see it: of the current inputs, even before its first message has run.
fn progress(state: &State, derived: &Derived, st: &Store) -> api::PlacementProgress {
    let key = key_of(state, derived);
    let r = st.refresh();
    let on = enabled(state, &r);
    let r = match same_key(r.key.as_ref(), &key) {
        true => r,
        false => Refresh {
            key: Some(key.clone()),
            phase: if on { Phase::Map } else { Phase::Idle },
            map_total: rows(derived).len() as u32,
            values_total: value::groups(&derived.inputs, &derived.model).len() as u32,
            ..Refresh::default()
        },
    };
    api::PlacementProgress {
        inputs: inputs_out(state.snapshot_source(), r.key.as_ref().unwrap_or(&key)),
        enabled: on,
        phase: match r.phase {
            Phase::Done => api::RefreshPhase::UpToDate,
            _ if !on => api::RefreshPhase::Disabled,
            Phase::Idle | Phase::Map => api::RefreshPhase::PlacementMap,
            Phase::Values => api::RefreshPhase::NodeValues,
        },
        map_entries_done: r.map_done,
        map_entries_total: r.map_total,
        node_values_done: r.values_done,
        node_values_total: r.values_total,
        messages: r.messages,
        instructions: r.instructions,
        largest_message_instructions: r.largest_message_instructions,
    }
}

/// `get_placement_map`: the last complete map, its certificate and witness, and the progress.
pub fn get_placement_map(state: &State, env: &impl Env) -> Result<api::CertifiedPlacementMap> {
    let derived = state.derived()?;
    let parts = state.certified_parts();
    let key = key_of(state, derived);
    let st = &state.placements;
    {
        let bytes = st.result(MAP_KEY);
        let map: Option<api::PlacementMap> =
            bytes.as_ref().map(|b| candid::decode_one(b).expect("a stored map decodes"));
        Ok(api::CertifiedPlacementMap {
            current: map.as_ref().is_some_and(|m| same(&m.inputs, &key)),
            map,
            progress: progress(state, derived, st),
            key: MAP_KEY.into(),
            map_candid: bytes.unwrap_or_default(),
            certificate: env.data_certificate().map(serde_bytes::ByteBuf::from),
            witness: st.witness_among(&parts, MAP_KEY),
            canister_id: env.canister_id(),
        })
    }
}

/// `get_node_value`: every group's figures, or one group's value with its proof.
pub fn get_node_value(state: &State, env: &impl Env, req: api::NodeValueRequest) -> Result<api::CertifiedNodeValue> {
    crate::checks::validate_group(req.group.as_ref())?;
    let derived = state.derived()?;
    let parts = state.certified_parts();
    let current_key = key_of(state, derived);
    let st = &state.placements;
    {
        let key = req.group.as_ref().map_or(VALUES_KEY.to_string(), proof_key);
        let summary: Option<api::NodeValues> =
            st.result(VALUES_KEY).map(|b| candid::decode_one(&b).expect("stored node values decode"));
        let bytes = st.result(&key);
        let (values, proof, current) = match (&req.group, summary) {
            (_, None) => (None, None, false),
            (None, Some(s)) => {
                let current = same(&s.inputs, &current_key);
                (Some(s), None, current)
            }
            (Some(g), Some(s)) => {
                let Some(b) = &bytes else {
                    return Err(Error::NotFound {
                        reason: format!(
                            "no {} named {:?} has nodes in the snapshot of the last node values (registry version {})",
                            api::group_kind_name(g.kind),
                            g.name,
                            s.inputs.registry_version
                        ),
                    });
                };
                let p: api::NodeValueProof = candid::decode_one(b).expect("a stored node value decodes");
                let current = same(&p.inputs, &current_key);
                (None, Some(p), current)
            }
        };
        Ok(api::CertifiedNodeValue {
            values,
            proof,
            current,
            progress: progress(state, derived, st),
            witness: st.witness_among(&parts, &key),
            key,
            value_candid: bytes.unwrap_or_default(),
            certificate: env.data_certificate().map(serde_bytes::ByteBuf::from),
            canister_id: env.canister_id(),
        })
    }
}

/// The last complete map, for the dashboard: the map, and whether it is of the current inputs.
pub fn served_map(state: &State) -> Option<(api::PlacementMap, bool)> {
    let derived = state.derived().ok()?;
    let key = key_of(state, derived);
    let map: api::PlacementMap =
        state.placements.result(MAP_KEY).map(|b| candid::decode_one(&b).expect("a stored map decodes"))?;
    let current = same(&map.inputs, &key);
    Some((map, current))
}

/// The progress, for the dashboard.
pub fn served_progress(state: &State) -> Option<api::PlacementProgress> {
    let derived = state.derived().ok()?;
    Some(progress(state, derived, &state.placements))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_budget_is_the_cli_default() {
        assert_eq!(super::BUDGET, ic_topology::solve::Budget::default());
    }
}

//! The registry sync through the real canister module in the wasmi test host:
//! the timer armed at install fires, the canister's calls to the registry
//! (raw protobuf for `get_latest_version` / `get_changes_since`, Candid for
//! `get_chunk`) are answered by the fake registry inside the host, the
//! snapshot appears, survives an upgrade, follows later versions on the
//! periodic timer, keeps itself through a rejected call and recovers on the
//! backoff timer; an evaluation on it equals the native engine's on the same
//! nodes. The registry canister id is configured (a stand-in), as a local
//! deployment would do. Every message of a sync is metered.
//!
//! The module is `target/canister/topology.wasm` (`scripts/build.sh`);
//! without it the tests say so and are skipped. `INSTRUCTIONS_REPORT=path`
//! appends the measured counts (committed in canister/INSTRUCTIONS.md).

mod fake_registry;
#[path = "support/registry_host.rs"]
mod registry_host;
mod support;

use candid::{decode_one, encode_args, encode_one, Principal};
use fake_registry::*;
use ic_topology::inputs::RegistryNode;
use prost::Message;
use registry_host::{fire_next_timer, REGISTRY};
use std::cell::RefCell;
use std::rc::Rc;
use support::ic_host::{reject_code, Host};
use support::*;
use topology_canister::api::{self, Error};
use topology_canister::registry::proto::{
    ChangesSinceRequest, Chunk, GetChunkRequest, GetChunkResponse, LatestVersionResponse,
};

const SECOND: u64 = 1_000_000_000;

/// The fake registry as the host's callee sees it, with a switch to reject
/// a call to a method after letting `n` of them through.
struct Shared {
    fake: FakeRegistry,
    reject: Option<(&'static str, u32)>,
    calls: Vec<String>,
}

fn connect(h: &mut Host, shared: Rc<RefCell<Shared>>) {
    h.on_call(move |callee, method, arg| {
        let mut s = shared.borrow_mut();
        assert_eq!(callee, REGISTRY, "the canister calls the configured registry");
        s.calls.push(method.to_string());
        if let Some((m, n)) = s.reject {
            if m == method {
                if n == 0 {
                    s.reject = None;
                    return Err((reject_code::CANISTER_ERROR, format!("{method} trapped")));
                }
                s.reject = Some((m, n - 1));
            }
        }
        match method {
            "get_latest_version" => {
                assert!(arg.is_empty());
                Ok(LatestVersionResponse { version: s.fake.latest() }.encode_to_vec())
            }
            "get_changes_since" => {
                let req = ChangesSinceRequest::decode(arg).expect("a protobuf request");
                Ok(s.fake.changes_since(req.version).encode_to_vec())
            }
            "get_chunk" => {
                let req: GetChunkRequest = decode_one(arg).expect("a Candid request");
                let content = s.fake.chunks.get(&req.content_sha256.expect("a chunk key")).cloned();
                Ok(encode_one(GetChunkResponse::Ok(Chunk { content })).unwrap())
            }
            other => Err((reject_code::DESTINATION_INVALID, format!("no method {other}"))),
        }
    });
}

fn install(wasm: &[u8], nodes: &[RegistryNode], fake: FakeRegistry) -> (Host, Rc<RefCell<Shared>>) {
    let mut h = Host::new(wasm).expect("the module loads");
    h.set_controllers(vec![CONTROLLER.to_vec()]);
    h.set_caller(&CONTROLLER);
    let shared = Rc::new(RefCell::new(Shared { fake, reject: None, calls: Vec::new() }));
    connect(&mut h, shared.clone());
    let mut configuration = configuration_of(nodes);
    configuration.registry_canister_id = Some(Principal::from_slice(&REGISTRY));
    let init = api::InitArgs { topology: None, configuration: Some(configuration) };
    h.install(&encode_one(Some(init)).unwrap()).expect("install");
    (h, shared)
}

fn status(h: &mut Host) -> api::SyncStatus {
    query(h, "get_sync_status", &encode_args(()).unwrap())
}

fn info(h: &mut Host) -> api::SnapshotInfo {
    query(h, "get_snapshot_info", &encode_args(()).unwrap())
}

fn evaluate(h: &mut Host, n: u32) -> api::Evaluation {
    let req = api::EvaluateRequest { candidates: vec![argentina(n)], overrides: None, include_allocation: None };
    let r: api::Result<api::Evaluation> = query(h, "evaluate_candidates", &encode_one(req).unwrap());
    r.unwrap()
}

#[test]
#[cfg_attr(not(canister_wasm), ignore = "needs target/canister/topology.wasm (bash scripts/build.sh)")]
fn timers_sync_the_snapshot_it_survives_an_upgrade_and_evaluates_as_the_engine() {
    let Some(wasm) = wasm() else { return };
    let nodes = generated_nodes(&ic_topology_generate::DEFAULT_PARAMS);
    // Values of 1,000 bytes or more (the subnet list) come as chunks, 10 versions per reply.
    let fake = registry_of(&nodes, 60, FakeRegistry::new(1_000, 512, 10));
    let latest = fake.latest();
    let (mut h, shared) = install(&wasm, &nodes, fake);

    // Nothing yet: the first sync is armed for shortly after install.
    assert_eq!(info(&mut h).nodes, 0);
    let due = h.global_timer().expect("install arms the first sync");
    assert!(due <= h.time() + 5 * SECOND, "{due} {}", h.time());
    fire_next_timer(&mut h);
    let calls = shared.borrow().calls.clone();
    assert_eq!(calls[0], "get_latest_version");
    assert!(calls.iter().filter(|c| *c == "get_changes_since").count() as u64 >= latest / 10);
    assert!(calls.iter().any(|c| c == "get_chunk"));
    let max = h.message_log().iter().map(|m| m.instructions).max().unwrap();
    assert!(h.message_log().iter().all(|m| m.trap.is_none()), "{:?}", h.message_log());
    assert!(max < 10_000_000_000, "a sync message used {max} instructions");

    let st = status(&mut h);
    assert_eq!((st.cursor_version, st.snapshot_version, st.last_error.clone()), (latest, Some(latest), None));
    assert_eq!(st.nodes, nodes.len() as u64);
    assert_eq!(st.registry_canister_id, Principal::from_slice(&REGISTRY));
    assert!(st.last_success_nanos.is_some() && !st.in_progress);
    assert!(st.max_message_instructions > 0 && st.last_derive_instructions > 0);
    let before = info(&mut h);
    assert_eq!((before.source, before.registry_version), (api::SnapshotSource::Registry, latest));

    // The same answer as the engine on the same nodes, bit for bit in the digest.
    let answer = evaluate(&mut h, 6);
    let inputs = engine_inputs(&nodes);
    let rows = vec![ic_topology::inputs::CandidateRow::from(&argentina(6))];
    let (_, native) = ic_topology::evaluate::evaluate(&inputs, &rows, topology_canister::state::QUERY_BUDGET);
    assert_eq!(answer.objective, native.solution.objective);
    assert_eq!(answer.baseline_objective, native.baseline_objective);
    let curve: Vec<Option<u32>> = answer.curve.iter().map(|p| p.objective).collect();
    assert_eq!(curve, native.curve.iter().map(|p| p.objective).collect::<Vec<_>>());
    assert_eq!(answer.configuration_sha256, ic_topology::digest::configuration_digest(&inputs));
    assert_eq!((answer.registry_version, answer.snapshot_source), (latest, api::SnapshotSource::Registry));

    // Upgrade: the snapshot, the records and the cursor are in stable memory;
    // the timers are armed again.
    h.upgrade(&wasm, &encode_args(()).unwrap()).expect("upgrade");
    assert_eq!(info(&mut h), before);
    let mut again = evaluate(&mut h, 6);
    again.instructions = answer.instructions;
    assert_eq!(again, answer);
    let after = status(&mut h);
    assert_eq!((after.cursor_version, after.records), (st.cursor_version, st.records));
    shared.borrow_mut().calls.clear();
    fire_next_timer(&mut h);
    // Nothing new in the registry: one call, the snapshot kept.
    assert_eq!(shared.borrow().calls, vec!["get_latest_version".to_string()]);
    assert_eq!(info(&mut h), before);

    // A later version: a node moves to another operator; the periodic timer picks it up.
    let moved = nodes.iter().position(|n| n.subnet_id.is_none()).unwrap();
    let other = nodes.iter().find(|n| n.data_center != nodes[moved].data_center).unwrap().clone();
    let mut node = nodes[moved].clone();
    node.node_operator_id = other.node_operator_id.clone();
    let v =
        shared.borrow_mut().fake.commit(vec![(format!("node_record_{}", node.node_id), Some(node_record(&node, 0)))]);
    let before_periodic = h.time();
    fire_next_timer(&mut h);
    assert!(h.time() - before_periodic <= 3_600 * SECOND);
    assert_eq!(status(&mut h).snapshot_version, Some(v));
    let page = api::ListNodesRequest {
        node_provider: None,
        country: None,
        data_center: Some(other.data_center.clone()),
        subnet_id: None,
        start_after: None,
        limit: Some(500),
    };
    let listed: api::Result<api::NodePage> = query(&mut h, "list_nodes", &encode_one(page).unwrap());
    assert!(listed
        .unwrap()
        .nodes
        .iter()
        .any(|n| n.node_id == node.node_id && n.node_operator_id == other.node_operator_id));

    // A rejected call: sync_now fails, the snapshot stays, a retry is armed
    // after the backoff (one minute) and succeeds.
    let v2 = shared.borrow_mut().fake.commit(vec![(format!("node_record_{}", node.node_id), None)]);
    shared.borrow_mut().reject = Some(("get_changes_since", 0));
    let r: api::Result<api::SyncStatus> = update(&mut h, "sync_now", &encode_args(()).unwrap());
    assert!(matches!(&r, Err(Error::SyncFailed { reason }) if reason.contains("get_changes_since")), "{r:?}");
    let failed = status(&mut h);
    assert_eq!((failed.snapshot_version, failed.consecutive_failures), (Some(v), 1));
    assert!(failed.last_error.unwrap().contains("get_changes_since"));
    assert!(h.global_timer().unwrap() <= h.time() + 60 * SECOND);
    fire_next_timer(&mut h);
    let recovered = status(&mut h);
    assert_eq!((recovered.snapshot_version, recovered.consecutive_failures), (Some(v2), 0));
    assert_eq!(recovered.nodes, nodes.len() as u64 - 1);

    // sync_now is for controllers; theirs answers with the status.
    h.set_caller(&STRANGER);
    let r: api::Result<api::SyncStatus> = stranger_update(&mut h, "sync_now", &encode_args(()).unwrap());
    assert!(matches!(r, Err(Error::Unauthorized { .. })), "{r:?}");
    h.set_caller(&CONTROLLER);
    let r: api::Result<api::SyncStatus> = update(&mut h, "sync_now", &encode_args(()).unwrap());
    assert_eq!(r.unwrap().cursor_version, v2);

    // A sync that stops half way (the second reply rejected), an upgrade, and
    // the sync after it: nothing written is lost or written twice.
    let mut current = nodes.clone();
    current.retain(|n| n.node_id != node.node_id);
    for (i, n) in current.iter().enumerate().take(25) {
        shared.borrow_mut().fake.commit(vec![(format!("node_record_{}", n.node_id), Some(node_record(n, i + 7)))]);
    }
    let target = shared.borrow().fake.latest();
    shared.borrow_mut().reject = Some(("get_changes_since", 1));
    let r: api::Result<api::SyncStatus> = update(&mut h, "sync_now", &encode_args(()).unwrap());
    assert!(matches!(r, Err(Error::SyncFailed { .. })), "{r:?}");
    let partial = status(&mut h);
    assert_eq!(partial.cursor_version, v2 + 10, "one reply of 10 versions written");
    assert_eq!(partial.snapshot_version, Some(v2));
    h.upgrade(&wasm, &encode_args(()).unwrap()).expect("upgrade");
    let reopened = status(&mut h);
    assert_eq!((reopened.cursor_version, reopened.records), (partial.cursor_version, partial.records));
    fire_next_timer(&mut h);
    let done = status(&mut h);
    assert_eq!((done.cursor_version, done.snapshot_version, done.records), (target, Some(target), partial.records));
    let inputs = engine_inputs(&current);
    assert_eq!(evaluate(&mut h, 1).configuration_sha256, ic_topology::digest::configuration_digest(&inputs));
}

/// Every message of a first sync (replay from version 0) and of a delta
/// sync, for networks of 1,425 and 4,000 nodes.
#[test]
#[cfg_attr(not(canister_wasm), ignore = "needs target/canister/topology.wasm (bash scripts/build.sh)")]
fn instructions_per_sync_message() {
    let Some(wasm) = wasm() else { return };
    let mut report = Report::new("message");
    let networks = [
        ("1,425 nodes, 70 subnets", ic_topology_generate::DEFAULT_PARAMS),
        ("4,000 nodes, 200 subnets", ic_topology_generate::GenerateParams { nodes: 4_000, subnets: 200, seed: 7 }),
    ];
    for (name, params) in networks {
        let nodes = generated_nodes(&params);
        // The registry's own chunking threshold (10,000 bytes) and its 1,000 versions per reply.
        let fake = registry_of(&nodes, 50, FakeRegistry::new(10_000, 10_000, 1_000));
        let (mut h, _shared) = install(&wasm, &nodes, fake);
        fire_next_timer(&mut h);
        // Read before any other call: every entry point starts a new log.
        let log: Vec<(String, u64)> = h.message_log().iter().map(|m| (m.label.clone(), m.instructions)).collect();
        let st = status(&mut h);
        assert_eq!(st.nodes, nodes.len() as u64);
        assert!(log.len() > 3, "{log:?}");
        assert_eq!(st.cursor_version, st.latest_version_seen);
        let max = log.iter().map(|m| m.1).max().unwrap();
        assert!(max < 10_000_000_000, "{name}: {log:?}");
        for (label, instructions) in &log {
            report.add(&format!("{name}: first sync: {label}"), *instructions);
        }
        report.add(
            &format!("{name}: deriving {} nodes from {} records", st.nodes, st.last_install_records),
            st.last_derive_instructions,
        );
        report.add(&format!("{name}: storing the snapshot's nodes"), st.last_store_instructions);
        report.add(&format!("{name}: engine inputs and baseline solve"), st.last_rederive_instructions);
        // A delta of one version: a node record changes.
        let n = &nodes[0];
        _shared.borrow_mut().fake.commit(vec![(format!("node_record_{}", n.node_id), Some(node_record(n, 1)))]);
        fire_next_timer(&mut h);
        let log: Vec<u64> = h.message_log().iter().map(|m| m.instructions).collect();
        report.add(
            &format!("{name}: delta sync (1 record), {} messages, the largest", log.len()),
            *log.iter().max().unwrap(),
        );
        // Nothing new: one call, nothing derived.
        fire_next_timer(&mut h);
        let log: Vec<u64> = h.message_log().iter().map(|m| m.instructions).collect();
        report.add(
            &format!("{name}: sync with nothing new, {} messages, the largest", log.len()),
            *log.iter().max().unwrap(),
        );
        h.query("get_sync_status", &encode_args(()).unwrap()).unwrap();
        report.add(&format!("{name}: get_sync_status"), h.last_instructions());
    }
    report.write("Registry sync (canister/tests/wasm_sync.rs)");
}

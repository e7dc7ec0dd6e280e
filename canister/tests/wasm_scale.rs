//! Ten times mainnet through the real module: about 14,000 nodes and 800
//! subnets from `topology generate`, synced from the fake registry and
//! uploaded in chunks. Every message of the sync, the upload's commit and the
//! refreshes a snapshot change starts stays within the update limit (the host
//! traps a message that passes it), `evaluate_candidates` at its cap stays
//! within the query limit or is refused with the documented error, and the
//! stable memory and heap are reported.
//!
//! The module is `target/canister/topology.wasm` (`scripts/build.sh`). The test
//! is a measurement run by hand (`--ignored`): the interpreter needs over half
//! an hour for it, more than CI should spend.
//! `INSTRUCTIONS_REPORT=path` appends the counts (canister/INSTRUCTIONS.md).

mod fake_registry;
#[path = "support/registry_host.rs"]
mod registry_host;
mod support;

use candid::{encode_args, encode_one, Principal};
use fake_registry::*;
use ic_topology_generate::GenerateParams;
use registry_host::{fire_next_timer, serve, REGISTRY};
use std::cell::RefCell;
use std::rc::Rc;
use support::ic_host::Host;
use support::*;
use topology_canister::api;

/// Ten times the 2025 network (about 1,400 nodes in 83 subnets).
const TEN_TIMES: GenerateParams = GenerateParams { nodes: 14_000, subnets: 800, seed: 10 };
const QUERY_LIMIT: u64 = 5_000_000_000;
/// Timer firings measured with the placement map on (each runs one bounded step or more).
const REFRESH_TIMERS: usize = 4;
const UPDATE_LIMIT: u64 = 40_000_000_000;

fn topology_of(params: &GenerateParams) -> api::SetTopologyRequest {
    let network = ic_topology_generate::generate(params).unwrap();
    let (topology, _) = ic_topology::files::parse_topology_csv(&network.topology_csv, "generated").unwrap();
    api::SetTopologyRequest { subnets: topology.iter().map(ic_topology::api::SubnetSpec::from).collect(), proposal: 0 }
}

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

#[test]
#[ignore = "a measurement: over 30 minutes in the wasm interpreter at ten times mainnet; run with --ignored (SCALE_NODES=4000 for a smaller network)"]
fn ten_times_mainnet_stays_within_the_limits() {
    let Some(wasm) = wasm() else { return };
    let mut report = Report::new("message");
    let params = match std::env::var("SCALE_NODES") {
        Ok(n) => GenerateParams { nodes: n.parse().unwrap(), subnets: n.parse::<u32>().unwrap() / 17, seed: 10 },
        Err(_) => TEN_TIMES,
    };
    let nodes = generated_nodes(&params);
    let topology = topology_of(&params);
    let scale = format!("{} nodes, {} subnets", nodes.len(), topology.subnets.len());

    // Synced from the registry: the registry's chunking threshold and its 1,000 versions per reply.
    let fake = Rc::new(RefCell::new(registry_of(&nodes, 50, FakeRegistry::new(10_000, 10_000, 1_000))));
    let mut h = Host::new(&wasm).expect("the module loads");
    h.set_controllers(vec![CONTROLLER.to_vec()]);
    h.set_caller(&CONTROLLER);
    serve(&mut h, fake.clone());
    let mut configuration = configuration_of(&nodes);
    configuration.registry_canister_id = Some(Principal::from_slice(&REGISTRY));
    let init = api::InitArgs { topology: Some(topology.clone()), configuration: Some(configuration) };
    h.install(&encode_one(Some(init)).unwrap()).expect("install");
    fire_next_timer(&mut h);
    let log: Vec<(String, u64)> = h.message_log().iter().map(|m| (m.label.clone(), m.instructions)).collect();
    let status: api::SyncStatus = query(&mut h, "get_sync_status", &encode_args(()).unwrap());
    let traps: Vec<String> =
        h.message_log().iter().filter_map(|m| m.trap.as_ref().map(|t| format!("{}: {t:?}", m.label))).collect();
    assert!(traps.is_empty(), "{traps:?}");
    assert_eq!(status.nodes, nodes.len() as u64, "the sync ends with every node: {log:?} {:?}", status.last_error);
    let (label, largest) = log.iter().max_by_key(|m| m.1).unwrap().clone();
    assert!(largest < UPDATE_LIMIT, "{label}: {largest}");
    report.add(&format!("{scale}: first sync, {} messages, the largest ({label})", log.len()), largest);
    report.add(
        &format!("{scale}: deriving the snapshot from {} records", status.last_install_records),
        status.last_derive_instructions,
    );
    report.add(&format!("{scale}: storing the snapshot's nodes"), status.last_store_instructions);
    report.add(&format!("{scale}: engine inputs, baseline solve and pages"), status.last_rederive_instructions);

    // The refreshes a new snapshot starts (the membership plan; the placement
    // map, switched on as it is for the NNS registry): each message within the
    // limit. The map of a network this size takes many bounded steps: the first
    // REFRESH_TIMERS timer firings are measured with it on, then it is switched
    // off and the rest of the refresh (the plan) is drained, every message measured.
    let on = api::PlacementSettings { enabled: Some(true) };
    update::<api::Result<()>>(&mut h, "configure_placements", &encode_one(on).unwrap()).unwrap();
    let mut refresh = Vec::new();
    let fire_due = |h: &mut Host, refresh: &mut Vec<(String, u64)>, at_most: usize| {
        let mut fired = 0;
        while fired < at_most && h.global_timer().is_some_and(|due| due <= h.time()) {
            assert!(h.fire_timer().expect("a refresh message"));
            let log: Vec<(String, u64)> = h.message_log().iter().map(|m| (m.label.clone(), m.instructions)).collect();
            assert!(h.message_log().iter().all(|m| m.trap.is_none()), "{log:?}");
            refresh.extend(log);
            fired += 1;
        }
        fired
    };
    let with_map = fire_due(&mut h, &mut refresh, REFRESH_TIMERS);
    let off = api::PlacementSettings { enabled: Some(false) };
    update::<api::Result<()>>(&mut h, "configure_placements", &encode_one(off).unwrap()).unwrap();
    let rest = fire_due(&mut h, &mut refresh, 100_000);
    if let Some((label, largest)) = refresh.iter().max_by_key(|m| m.1).cloned() {
        assert!(largest < UPDATE_LIMIT, "{label}: {largest}");
        report.add(
            &format!(
                "{scale}: refresh after the sync, {} messages in {with_map} timer firings with the map on and {rest} after it, the largest ({label})",
                refresh.len()
            ),
            largest,
        );
    }

    // A delta of one version: one node record changes.
    let n = &nodes[0];
    fake.borrow_mut().commit(vec![(format!("node_record_{}", n.node_id), Some(node_record(n, 1)))]);
    fire_next_timer(&mut h);
    let log: Vec<u64> = h.message_log().iter().map(|m| m.instructions).collect();
    let largest = *log.iter().max().unwrap();
    assert!(largest < UPDATE_LIMIT);
    report.add(&format!("{scale}: delta sync (1 record), {} messages, the largest", log.len()), largest);

    // Evaluations at the cap: within the query limit, or refused with the documented error.
    for (what, candidates) in
        [("1 candidate node", vec![argentina(1)]), ("32 candidate nodes in one row", vec![argentina(32)])]
    {
        let req = api::EvaluateRequest { candidates, overrides: None, include_allocation: None };
        let reply = h.query("evaluate_candidates", &encode_one(req).unwrap()).expect("no trap");
        let r: api::Result<api::Evaluation> = candid::decode_one(&reply).unwrap();
        let used = h.last_instructions();
        assert!(used < QUERY_LIMIT, "{what}: {used}");
        let outcome = match &r {
            Ok(e) => format!(
                "{:?}, {} of {} curve points proven",
                e.status,
                e.curve.iter().filter(|p| p.status == api::Status::Optimal).count(),
                e.curve.len()
            ),
            Err(e) => format!("refused: {e:?}"),
        };
        report.add(&format!("{scale}: evaluate_candidates, {what} ({outcome})"), used);
    }
    report.add(
        &format!("{scale}: stable memory {} and heap {} after the sync", mib(h.stable_bytes()), mib(h.heap_bytes())),
        0,
    );

    // The same snapshot uploaded in chunks: the commit within the limit.
    let mut h = Host::new(&wasm).expect("the module loads");
    h.set_controllers(vec![CONTROLLER.to_vec()]);
    h.set_caller(&CONTROLLER);
    let init = api::InitArgs { topology: Some(topology), configuration: Some(configuration_of(&nodes)) };
    h.install(&encode_one(Some(init)).unwrap()).expect("install");
    let upload: Vec<api::Node> = nodes.iter().cloned().map(ic_topology::api::Node::from).collect();
    let begin = api::BeginSnapshotRequest { registry_version: 1, timestamp_nanos: 0, node_count: upload.len() as u64 };
    update::<api::Result<()>>(&mut h, "begin_snapshot_upload", &encode_one(begin).unwrap()).unwrap();
    let mut largest_chunk = 0;
    for chunk in upload.chunks(2_000) {
        update::<api::Result<u64>>(&mut h, "upload_snapshot_nodes", &encode_one(chunk.to_vec()).unwrap()).unwrap();
        largest_chunk = largest_chunk.max(h.last_instructions());
    }
    report.add(&format!("{scale}: upload_snapshot_nodes, 2,000 nodes, the largest chunk"), largest_chunk);
    let info: api::Result<api::SnapshotInfo> = update(&mut h, "commit_snapshot_upload", &encode_args(()).unwrap());
    assert_eq!(info.unwrap().nodes, nodes.len() as u64);
    let commit = h.last_instructions();
    assert!(commit < UPDATE_LIMIT);
    report.add(&format!("{scale}: commit_snapshot_upload"), commit);
    report.add(
        &format!("{scale}: stable memory {} and heap {} after the upload", mib(h.stable_bytes()), mib(h.heap_bytes())),
        0,
    );
    report.write("Ten times mainnet (canister/tests/wasm_scale.rs)");
}

//! The real canister module, driven through the wasmi test host with real
//! Candid bytes: install, upload a snapshot, evaluate, upgrade, refuse
//! strangers and malformed arguments, and count the instructions of every
//! call. The module is `target/canister/topology.wasm`, built by
//! `scripts/build.sh`; without it the tests say so and are skipped.
//!
//! `INSTRUCTIONS_REPORT=path` writes the instruction counts measured here
//! (the committed results are in canister/INSTRUCTIONS.md).

#[path = "../../tests/support/oracles.rs"]
mod oracles;
mod support;

use candid::{encode_args, encode_one, Principal};
use ic_topology::files;
use std::path::Path;
use support::ic_host::Host;
use support::*;
use topology_canister::api::{self, Error};

fn default_nodes() -> Vec<api::Node> {
    let (nodes, _) =
        files::parse_nodes_csv(include_str!("../../defaults/generated/nodes.csv"), "defaults/nodes.csv").unwrap();
    nodes.into_iter().map(to_api).collect()
}

fn evaluate(h: &mut Host, candidates: Vec<api::CandidateRow>) -> api::Result<api::Evaluation> {
    let req = api::EvaluateRequest { candidates, overrides: None, include_allocation: Some(true) };
    query(h, "evaluate_candidates", &encode_one(req).unwrap())
}

#[test]
#[cfg_attr(not(canister_wasm), ignore = "needs target/canister/topology.wasm (bash scripts/build.sh)")]
fn install_upload_evaluate_upgrade_on_the_default_network() {
    let Some(wasm) = wasm() else { return };
    let mut report = Report::new("call");
    let mut h = host(&wasm, None);
    report.add("install (no arguments)", h.last_instructions());

    // Not ready before a snapshot.
    let r = evaluate(&mut h, vec![]);
    assert!(matches!(r, Err(Error::NotReady { .. })), "{r:?}");

    for (call, n) in upload(&mut h, default_nodes(), 42) {
        report.add(&call, n);
    }
    let info: api::SnapshotInfo = query(&mut h, "get_snapshot_info", &encode_args(()).unwrap());
    assert_eq!((info.nodes, info.registry_version, info.baseline_objective), (1425, 42, Some(4)));

    // The answer through wasm equals the engine's, natively, on the same files.
    let answer = evaluate(&mut h, vec![argentina(6)]).unwrap();
    report.add("evaluate_candidates: 6 candidate nodes (7-point curve) on the default network", h.last_instructions());
    assert!(answer.instructions > 0 && answer.instructions <= h.last_instructions());
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../defaults/generated/config.json");
    let loaded = files::load_config(&config).unwrap();
    let candidates = vec![ic_topology::inputs::CandidateRow::from(&argentina(6))];
    let (_, native) =
        ic_topology::evaluate::evaluate(&loaded.inputs, &candidates, topology_canister::state::QUERY_BUDGET);
    assert_eq!(answer.objective, native.solution.objective);
    assert_eq!(answer.baseline_objective, native.baseline_objective);
    let curve: Vec<Option<u32>> = answer.curve.iter().map(|p| p.objective).collect();
    assert_eq!(curve, native.curve.iter().map(|p| p.objective).collect::<Vec<_>>());
    assert_eq!(answer.configuration_sha256, ic_topology::digest::configuration_digest(&loaded.inputs));
    assert_eq!(answer.certificate.denominator, native.solution.certificate.denominator);
    assert_eq!(answer.certificate.classes, native.solution.certificate.classes);
    // Bit for bit: the allocation is the native engine's.
    let model = ic_topology::model::build(&loaded.inputs, &candidates);
    let native_nodes: Vec<Vec<String>> =
        ic_topology::evaluate::subnet_nodes(&model, native.solution.allocation.as_ref().unwrap())
            .into_iter()
            .map(|s| s.nodes)
            .collect();
    let wasm_nodes: Vec<Vec<String>> = answer.allocation.clone().unwrap().into_iter().map(|s| s.nodes).collect();
    assert_eq!(wasm_nodes, native_nodes);

    let baseline = evaluate(&mut h, vec![]).unwrap();
    report.add("evaluate_candidates: no candidates (cached baseline)", h.last_instructions());
    assert_eq!(baseline.objective, Some(4));

    for (method, arg) in [
        ("get_topology", encode_args(()).unwrap()),
        ("get_configuration", encode_args(()).unwrap()),
        ("get_snapshot_info", encode_args(()).unwrap()),
        ("get_decentralization", encode_args(()).unwrap()),
    ] {
        h.query(method, &arg).unwrap_or_else(|r| panic!("{method}: {r:?}"));
        report.add(method, h.last_instructions());
    }
    let page = api::ListNodesRequest {
        node_provider: None,
        country: Some("CH".into()),
        data_center: None,
        subnet_id: None,
        start_after: None,
        limit: Some(100),
    };
    let nodes: api::Result<api::NodePage> = query(&mut h, "list_nodes", &encode_one(page).unwrap());
    assert!(!nodes.unwrap().nodes.is_empty());
    report.add("list_nodes (country CH, 100 per page)", h.last_instructions());

    // Upgrade: a fresh instance over the same stable memory, same state and answers.
    let topology: api::Topology = query(&mut h, "get_topology", &encode_args(()).unwrap());
    let configuration: api::Configuration = query(&mut h, "get_configuration", &encode_args(()).unwrap());
    h.upgrade(&wasm, &encode_args(()).unwrap()).expect("upgrade");
    report.add("upgrade (post_upgrade re-derives inputs and solves the baseline)", h.last_instructions());
    assert_eq!(topology, query::<api::Topology>(&mut h, "get_topology", &encode_args(()).unwrap()));
    assert_eq!(configuration, query::<api::Configuration>(&mut h, "get_configuration", &encode_args(()).unwrap()));
    let info2: api::SnapshotInfo = query(&mut h, "get_snapshot_info", &encode_args(()).unwrap());
    assert_eq!(info, info2);
    let mut again = evaluate(&mut h, vec![argentina(6)]).unwrap();
    again.instructions = answer.instructions;
    assert_eq!(again, answer);
    println!("heap {} bytes, stable memory {} bytes", h.heap_bytes(), h.stable_bytes());
    report.add("heap bytes after upgrade", h.heap_bytes() as u64);
    report.write("Default network (1425 nodes, 70 subnets)");
}

#[test]
#[cfg_attr(not(canister_wasm), ignore = "needs target/canister/topology.wasm (bash scripts/build.sh)")]
fn strangers_and_malformed_arguments_change_nothing() {
    let Some(wasm) = wasm() else { return };
    let mut h = host(&wasm, None);
    upload(&mut h, default_nodes(), 1);
    let before: api::Configuration = query(&mut h, "get_configuration", &encode_args(()).unwrap());
    let topology: api::Topology = query(&mut h, "get_topology", &encode_args(()).unwrap());

    h.set_caller(&STRANGER);
    let update_arg = api::ConfigurationUpdate { synthetic_countries: Some(3), ..Default::default() };
    let r: api::Result<()> = stranger_update(&mut h, "update_configuration", &encode_one(update_arg).unwrap());
    match r {
        Err(Error::Unauthorized { caller, method }) => {
            assert_eq!(caller, Principal::from_slice(&STRANGER));
            assert_eq!(method, "update_configuration");
        }
        other => panic!("{other:?}"),
    }
    let r: api::Result<()> = stranger_update(
        &mut h,
        "set_topology",
        &encode_one(api::SetTopologyRequest { subnets: topology.subnets.clone(), proposal: 9 }).unwrap(),
    );
    assert!(matches!(r, Err(Error::Unauthorized { .. })), "{r:?}");

    // Malformed Candid is refused by the module (a reject, not a changed state).
    h.set_caller(&CONTROLLER);
    let reject = h.update("update_configuration", b"not candid").unwrap_err();
    assert!(!reject.message.is_empty());
    let reject = h.update("set_topology", &encode_one(42u64).unwrap()).unwrap_err();
    assert!(!reject.message.is_empty());
    assert!(h.query("evaluate_candidates", b"DIDL\x00").is_err());

    // A controller's invalid change is an Err naming the field, and changes nothing.
    let mut subnets = topology.subnets.clone();
    subnets[0].size = 0;
    let r: api::Result<()> =
        update(&mut h, "set_topology", &encode_one(api::SetTopologyRequest { subnets, proposal: 9 }).unwrap());
    assert!(matches!(&r, Err(Error::InvalidArgument { field, .. }) if field == "subnets[0].size"), "{r:?}");

    let after: api::Configuration = query(&mut h, "get_configuration", &encode_args(()).unwrap());
    assert_eq!(before, after);
    assert_eq!(topology, query::<api::Topology>(&mut h, "get_topology", &encode_args(()).unwrap()));
}

#[test]
#[cfg_attr(not(canister_wasm), ignore = "needs target/canister/topology.wasm (bash scripts/build.sh)")]
fn init_arguments_set_the_topology_and_configuration() {
    let Some(wasm) = wasm() else { return };
    let mut subnets: Vec<api::SubnetSpec> =
        ic_topology::topology_in_force::subnets().iter().map(ic_topology::api::SubnetSpec::from).collect();
    subnets.truncate(12);
    let init = api::InitArgs {
        topology: Some(api::SetTopologyRequest { subnets: subnets.clone(), proposal: 125549 }),
        configuration: Some(api::ConfigurationUpdate {
            rules: Some(api::RuleSet::Nov2024),
            synthetic_countries: Some(3),
            ..Default::default()
        }),
    };
    let mut h = host(&wasm, Some(init));
    let t: api::Topology = query(&mut h, "get_topology", &encode_args(()).unwrap());
    assert_eq!((t.subnets, t.proposal), (subnets, 125549));
    let c: api::Configuration = query(&mut h, "get_configuration", &encode_args(()).unwrap());
    assert_eq!(c.settings.rules, api::RuleSet::Nov2024);
    assert_eq!(c.settings.synthetic_countries, 3);
    // Defaults when no argument is given: the topology in force.
    let mut d = host(&wasm, None);
    let t: api::Topology = query(&mut d, "get_topology", &encode_args(()).unwrap());
    assert_eq!(t.subnets.len(), 70);
    assert_eq!(t.proposal, 137147);
}

/// The mainnet-scale cases of ORACLES.md through the module: the instructions
/// of `evaluate_candidates` (the IC allows 5 billion per query).
#[test]
#[cfg_attr(not(canister_wasm), ignore = "needs target/canister/topology.wasm (bash scripts/build.sh)")]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn instructions_on_the_reference_snapshots() {
    let Some(wasm) = wasm() else { return };
    let Some(data) = oracles::shared_data(&Path::new(env!("CARGO_MANIFEST_DIR")).join("..")) else {
        println!("skipped: ../shared/data not found (the reference snapshots are only in CI)");
        return;
    };
    let mut report = Report::new("call");
    let cases = [
        ("#1 2023-12 (40 subnets)", oracles::december_2023(&data), 20),
        ("#3 2024-11 (60 subnets)", oracles::november_2024(&data), 1),
        ("#5 2025 (83 subnets)", oracles::app75(&data), 35),
    ];
    for (name, json, expected) in cases {
        let dir = std::env::temp_dir().join(format!("topology-wasm-{}-{}", std::process::id(), &name[1..2]));
        let config = oracles::write(&dir, &json);
        let inputs = files::load_config(&config).unwrap().inputs;

        let init = api::InitArgs {
            topology: Some(api::SetTopologyRequest {
                subnets: inputs.topology.iter().map(ic_topology::api::SubnetSpec::from).collect(),
                proposal: 0,
            }),
            configuration: Some(configuration_update_of(&inputs)),
        };
        let mut h = host(&wasm, Some(init));
        let pipeline: Vec<api::PlannedNode> = inputs
            .pipeline
            .iter()
            .map(|p| api::PlannedNode {
                node_id: p.node_id.clone(),
                node_provider: p.node_provider.clone(),
                data_center: p.data_center.clone(),
                data_center_provider: p.data_center_provider.clone(),
                country: p.country.clone(),
                is_sev: p.is_sev,
            })
            .collect();
        // Verbatim, as the reference keeps them (the 2023 pipeline's ` KR`).
        let r: api::Result<()> = update(&mut h, "set_pipeline", &encode_one(pipeline).unwrap());
        r.unwrap();
        let nodes: Vec<api::Node> = inputs.nodes.iter().cloned().map(to_api).collect();
        let uploads = upload(&mut h, nodes, 1);
        report.add(&format!("{name}: {}", uploads.last().unwrap().0), uploads.last().unwrap().1);
        let answer = evaluate(&mut h, vec![]).unwrap();
        assert_eq!(answer.objective, Some(expected), "{name}");
        report.add(&format!("{name}: evaluate_candidates, no candidates"), h.last_instructions());
        let answer = evaluate(&mut h, vec![argentina(1)]).unwrap();
        report.add(&format!("{name}: evaluate_candidates, 1 candidate node"), h.last_instructions());
        assert!(answer.objective.is_some());
        let curve = evaluate(&mut h, vec![argentina(12)]).unwrap();
        report.add(&format!("{name}: evaluate_candidates, 12 candidate nodes (13-point curve)"), h.last_instructions());
        assert_eq!(curve.curve.len(), 13);
        // The whole curve is proven in one query, and equals the native engine's.
        let objectives: Vec<Option<u32>> = curve.curve.iter().map(|p| p.objective).collect();
        assert!(objectives.iter().all(Option::is_some), "{name}: {objectives:?}");
        let candidates = vec![ic_topology::inputs::CandidateRow::from(&argentina(12))];
        let (_, native) = ic_topology::evaluate::evaluate(&inputs, &candidates, topology_canister::state::QUERY_BUDGET);
        assert_eq!(objectives, native.curve.iter().map(|p| p.objective).collect::<Vec<_>>(), "{name}");
        assert_eq!(curve.optimal_deployment_size, native.optimal_deployment_size, "{name}");
        // The request cap: 32 candidate nodes.
        println!("{name}: 32 candidate nodes");
        let widest = evaluate(&mut h, vec![argentina(32)]).unwrap();
        report.add(
            &format!("{name}: evaluate_candidates, 32 candidate nodes (33-point curve, the cap)"),
            h.last_instructions(),
        );
        assert_eq!(widest.curve.len(), 33);
        report.add(&format!("{name}: heap bytes"), h.heap_bytes() as u64);
    }
    report.write("Reference snapshots (ORACLES.md)");
}

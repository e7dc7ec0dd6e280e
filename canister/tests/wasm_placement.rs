//! The placement map and the node values through the real canister module
//! (wasmi test host, real Candid bytes), on the December 2023 snapshot of
//! ORACLES.md (#1): after the snapshot is committed, timer messages compute
//! both in bounded steps; the progress is reported mid-way and
//! `evaluate_candidates` answers meanwhile; an upgrade in the middle resumes
//! the refresh where it stopped; the map and the values served equal the
//! native engine's on the canister's own export; a group's proof re-checks;
//! the answers are certified, survive an upgrade, and tampered bytes do not
//! verify. The instructions of every step, the largest message and the
//! queries are measured (INSTRUCTIONS_REPORT=path appends them).
//!
//! `PLACEMENT_CASE=5` runs the same on #5 (2025, 83 subnets), the mainnet
//! scale of the placement benchmark; it takes much longer in the interpreter.

#[path = "../../tests/support/oracles.rs"]
mod oracles;
mod support;

use candid::encode_one;
use ic_topology::placement::{self, value, Target};
use ic_topology::{certification, files, model, solve};
use std::path::Path;
use support::ic_host::Host;
use support::*;
use topology_canister::api;

/// The IC's instruction limit of an update or timer message.
const MESSAGE_LIMIT: u64 = 40_000_000_000;
/// ... and of a query.
const QUERY_LIMIT: u64 = 5_000_000_000;

const SUBNET_SECRET: [u8; 32] = {
    let mut k = [0u8; 32];
    k[31] = 14;
    k
};

fn certify(h: &mut Host) -> Vec<u8> {
    let canister = h.canister_id().to_vec();
    let data = h.certified_data().to_vec();
    let (certificate, der) =
        certification::sign_certificate(&SUBNET_SECRET, &canister, &data, 1_763_700_000_000_000_000).unwrap();
    h.set_data_certificate(Some(certificate));
    der
}

fn map_call(h: &mut Host) -> api::CertifiedPlacementMap {
    let r: api::Result<api::CertifiedPlacementMap> = query(h, "get_placement_map", &encode_one(()).unwrap());
    assert!(h.last_instructions() < QUERY_LIMIT, "get_placement_map: {}", h.last_instructions());
    r.unwrap_or_else(|e| panic!("get_placement_map: {e:?}"))
}

fn value_call(h: &mut Host, group: Option<api::NodeGroup>) -> api::Result<api::CertifiedNodeValue> {
    let r = query(h, "get_node_value", &encode_one(api::NodeValueRequest { group }).unwrap());
    assert!(h.last_instructions() < QUERY_LIMIT, "get_node_value: {}", h.last_instructions());
    r
}

fn export_all(h: &mut Host) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut offset = 0;
    loop {
        let req = api::ExportRequest { offset, registry_version: None, length: None };
        let page: api::Result<api::ExportPage> = query(h, "export_snapshot", &encode_one(req).unwrap());
        let page = page.unwrap();
        bytes.extend_from_slice(&page.bytes);
        match page.next_offset {
            Some(n) => offset = n,
            None => return bytes,
        }
    }
}

/// What the timer steps cost, as the host measured them.
#[derive(Default)]
struct Steps {
    fires: u32,
    largest: u64,
    total: u64,
}

/// Fire one due timer; every message it ran is measured. Returns whether one was due.
fn fire(h: &mut Host, steps: &mut Steps, name: &str) -> bool {
    let fired = h.fire_timer().unwrap_or_else(|r| panic!("{name}: a timer message trapped: {r:?}"));
    if fired {
        steps.fires += 1;
        for m in h.message_log() {
            assert!(m.trap.is_none(), "{name}: {m:?}");
            steps.largest = steps.largest.max(m.instructions);
            steps.total += m.instructions;
        }
        assert!(steps.fires < 5_000, "{name}: timers keep firing");
    }
    fired
}

#[test]
#[cfg_attr(not(canister_wasm), ignore = "needs target/canister/topology.wasm (bash scripts/build.sh)")]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn the_placement_map_through_the_module_equals_the_engine_and_verifies() {
    let Some(wasm) = wasm() else { return };
    let Some(data) = oracles::shared_data(&Path::new(env!("CARGO_MANIFEST_DIR")).join("..")) else {
        println!("skipped: ../shared/data not found (the reference snapshots are only in CI)");
        return;
    };
    let (name, json, objective) = match std::env::var("PLACEMENT_CASE").as_deref() {
        Ok("5") => ("#5 2025 (83 subnets)", oracles::app75(&data), 35),
        _ => ("#1 2023-12 (40 subnets)", oracles::december_2023(&data), 20),
    };
    let mut report = Report::new("call");
    let dir = std::env::temp_dir().join(format!("topology-wasm-placement-{}", std::process::id()));
    let inputs = files::load_config(&oracles::write(&dir, &json)).unwrap().inputs;

    let init = api::InitArgs {
        topology: Some(api::SetTopologyRequest {
            subnets: inputs.topology.iter().map(ic_topology::api::SubnetSpec::from).collect(),
            proposal: 0,
        }),
        configuration: Some(configuration_update_of(&inputs)),
    };
    let mut h = host(&wasm, Some(init));
    // Before a snapshot there is nothing to place: a typed error, no trap.
    let r: api::Result<api::CertifiedPlacementMap> = query(&mut h, "get_placement_map", &encode_one(()).unwrap());
    assert!(matches!(r, Err(api::Error::NotReady { .. })), "{r:?}");
    let pipeline: Vec<api::PlannedNode> = inputs.pipeline.iter().map(ic_topology::api::PlannedNode::from).collect();
    let r: api::Result<()> = update(&mut h, "set_pipeline", &encode_one(pipeline).unwrap());
    r.unwrap();
    let nodes: Vec<api::Node> = inputs.nodes.iter().cloned().map(to_api).collect();
    upload(&mut h, nodes, 11);

    // An uploaded snapshot: the refresh is off until a controller turns it on.
    let mut steps = Steps::default();
    while fire(&mut h, &mut steps, name) {}
    let off = map_call(&mut h);
    assert_eq!((off.progress.phase, off.progress.enabled), (api::RefreshPhase::Disabled, false));
    assert!(off.map.is_none() && off.progress.messages == 0);
    let on = api::PlacementSettings { enabled: Some(true) };
    h.set_caller(&STRANGER);
    let r: api::Result<()> = stranger_update(&mut h, "configure_placements", &encode_one(&on).unwrap());
    assert!(matches!(r, Err(api::Error::Unauthorized { .. })), "{r:?}");
    assert!(!map_call(&mut h).progress.enabled);
    h.set_caller(&CONTROLLER);
    let r: api::Result<()> = update(&mut h, "configure_placements", &encode_one(&on).unwrap());
    r.unwrap();

    // Switched on, before its first timer message: no map yet, and the progress says what is coming.
    let first = map_call(&mut h);
    report.add(&format!("{name}: get_placement_map (no map yet)"), h.last_instructions());
    assert!(first.map.is_none() && !first.current && first.map_candid.is_empty());
    let p = &first.progress;
    assert_eq!((p.phase, p.map_entries_done, p.messages), (api::RefreshPhase::PlacementMap, 0, 0));
    assert!(p.enabled);
    assert!(p.map_entries_total > 1 && p.node_values_total > 1, "{p:?}");
    assert_eq!(p.inputs.registry_version, 11);
    let r = value_call(&mut h, None).unwrap();
    assert!(r.values.is_none() && r.proof.is_none());

    // The steps, until the map is half done.
    steps = Steps::default();
    let total = p.map_entries_total;
    loop {
        assert!(fire(&mut h, &mut steps, name), "{name}: the refresh stopped before the map was done");
        let p = map_call(&mut h).progress;
        if p.map_entries_done * 2 >= total {
            break;
        }
    }
    // Mid-way: the progress is reported, no map is served yet, evaluations answer.
    let mid = map_call(&mut h);
    report.add(&format!("{name}: get_placement_map (mid-way: progress only)"), h.last_instructions());
    let p = mid.progress.clone();
    println!("{name}: mid-way {p:?}");
    assert_eq!(p.phase, api::RefreshPhase::PlacementMap);
    assert!(p.map_entries_done > 0 && p.map_entries_done < total, "{p:?}");
    assert!(p.messages >= 2, "the map is spread over messages: {p:?}");
    assert!(mid.map.is_none());
    let ev: api::Result<api::Evaluation> = query(
        &mut h,
        "evaluate_candidates",
        &encode_one(api::EvaluateRequest { candidates: vec![argentina(2)], overrides: None, include_allocation: None })
            .unwrap(),
    );
    assert!(ev.unwrap().objective.is_some(), "evaluate_candidates answers during the refresh");

    // An upgrade in the middle: the refresh resumes where it stopped.
    h.upgrade(&wasm, &encode_one(None::<api::InitArgs>).unwrap()).expect("upgrade");
    let after = map_call(&mut h).progress;
    assert_eq!(
        (after.map_entries_done, after.messages, after.instructions),
        (p.map_entries_done, p.messages, p.instructions),
        "the progress survives the upgrade"
    );
    let mut values_mid: Option<api::PlacementProgress> = None;
    let mut map_done: Option<api::PlacementProgress> = None;
    while fire(&mut h, &mut steps, name) {
        let p = map_call(&mut h).progress;
        if p.phase == api::RefreshPhase::NodeValues && map_done.is_none() {
            map_done = Some(p.clone());
        }
        if p.phase == api::RefreshPhase::NodeValues && p.node_values_done > 0 && values_mid.is_none() {
            values_mid = Some(p);
        }
    }
    let values_mid = values_mid.expect("the node values are spread over messages too");
    assert!(values_mid.node_values_done < values_mid.node_values_total, "{values_mid:?}");

    let served = map_call(&mut h);
    report.add(&format!("{name}: get_placement_map (the map)"), h.last_instructions());
    let p = served.progress.clone();
    println!("{name}: done {p:?}");
    assert_eq!(p.phase, api::RefreshPhase::UpToDate);
    assert_eq!((p.map_entries_done, p.node_values_done), (p.map_entries_total, p.node_values_total));
    assert!(served.current);
    let map = served.map.clone().expect("a map");
    assert_eq!(map.inputs, p.inputs);
    assert_eq!(map.baseline_objective, Some(objective));
    assert_eq!(candid::decode_one::<api::PlacementMap>(&served.map_candid).unwrap(), map);

    // The native engine on the canister's own export gives the same map and values.
    let export = export_all(&mut h);
    let exported = ic_topology::export::from_bytes(&export, "export", Some(&map.inputs.configuration_sha256)).unwrap();
    let budget = solve::Budget::default();
    let native = placement::placement_map(&exported, &Target::NewProvider, budget).unwrap();
    assert_eq!(api::map_out(&native, map.inputs.clone()), map, "{name}: wasm and native maps differ");
    assert!(map.entries.iter().all(|e| e.sev.status == api::Status::Optimal), "{name}: every entry proven");
    let native_values = value::node_values(&exported, budget);
    let values = value_call(&mut h, None).unwrap();
    report.add(&format!("{name}: get_node_value (every group)"), h.last_instructions());
    assert!(values.current);
    let summary = values.values.clone().expect("node values");
    assert_eq!(api::values_out(&native_values, map.inputs.clone()), summary, "{name}: wasm and native values differ");
    assert_eq!(candid::decode_one::<api::NodeValues>(&values.value_candid).unwrap(), summary);

    // One provider's value with its proof: the native proof, and it re-checks.
    let base_model = model::build(&exported, &[]);
    let groups = value::groups(&exported, &base_model);
    let (i, needed) = native_values
        .values
        .iter()
        .enumerate()
        .find(|(_, v)| v.group.kind == value::GroupKind::NodeProvider && v.needed.is_some_and(|n| n > 0))
        .expect("a provider whose nodes are needed");
    let group = api::group_out(&needed.group);
    let one = value_call(&mut h, Some(group.clone())).unwrap();
    report.add(&format!("{name}: get_node_value (one provider, with its proof)"), h.last_instructions());
    let proof = one.proof.clone().expect("a proof");
    let report_native = native_values.providers.iter().find(|r| r.provider == needed.group.name);
    let classes = &groups[i].1;
    assert_eq!(proof, api::proof_out(&base_model, classes, needed, report_native, map.inputs.clone()));
    let opt = native_values.baseline_objective.unwrap();
    value::check_node_value(&base_model, opt, classes, needed).expect("the proof re-checks");
    assert!(proof.provider.is_some());
    // A group without nodes is NotFound; a malformed name is InvalidArgument.
    let missing = value_call(&mut h, Some(api::NodeGroup { kind: api::GroupKind::DataCenter, name: "nowhere".into() }));
    assert!(matches!(missing, Err(api::Error::NotFound { .. })), "{missing:?}");
    let empty = value_call(&mut h, Some(api::NodeGroup { kind: api::GroupKind::Country, name: String::new() }));
    assert!(matches!(empty, Err(api::Error::InvalidArgument { .. })), "{empty:?}");

    // The dashboard's page and chart.
    let page = http_get(&mut h, "/placements");
    report.add(&format!("{name}: http_request GET /placements ({} bytes)", page.1.len()), h.last_instructions());
    assert_eq!(page.0, 200);
    let top = &map.entries[0];
    assert!(page.1.contains(&format!("<tr data-country=\"{}\">", top.country)), "the table lists the countries");
    let svg = http_get(&mut h, "/charts/placement_map.svg");
    report.add(
        &format!("{name}: http_request GET /charts/placement_map.svg ({} bytes)", svg.1.len()),
        h.last_instructions(),
    );
    assert_eq!(svg.0, 200);
    assert!(svg.1.contains(&format!(
        "data-country=\"{}\" data-sev=\"{}\"",
        top.country,
        top.sev.optimal_deployment_size.unwrap()
    )));

    // Certified, and still after an upgrade.
    h.upgrade(&wasm, &encode_one(None::<api::InitArgs>).unwrap()).expect("upgrade");
    assert!(!fire(&mut h, &mut steps, name) || map_call(&mut h).progress.phase == api::RefreshPhase::UpToDate);
    let root_key = certify(&mut h);
    let kept = map_call(&mut h);
    assert_eq!(kept.map.as_ref(), Some(&map), "the map survives the upgrade");
    assert_eq!(kept.progress.phase, api::RefreshPhase::UpToDate, "nothing to recompute after an upgrade");
    let certified = certification::verify_placement(
        &kept.key,
        &kept.map_candid,
        kept.certificate.as_ref().unwrap(),
        &kept.witness,
        h.canister_id(),
        &root_key,
    )
    .unwrap_or_else(|e| panic!("the map does not verify: {e}"));
    assert_eq!(certified.data, h.certified_data());
    let one = value_call(&mut h, Some(group)).unwrap();
    assert_eq!(one.proof.as_ref(), Some(&proof), "the proof survives the upgrade");
    certification::verify_placement(
        &one.key,
        &one.value_candid,
        one.certificate.as_ref().unwrap(),
        &one.witness,
        h.canister_id(),
        &root_key,
    )
    .unwrap_or_else(|e| panic!("the node value does not verify: {e}"));
    let all = value_call(&mut h, None).unwrap();
    certification::verify_placement(
        &all.key,
        &all.value_candid,
        all.certificate.as_ref().unwrap(),
        &all.witness,
        h.canister_id(),
        &root_key,
    )
    .unwrap_or_else(|e| panic!("the node values do not verify: {e}"));
    // Tampered bytes, or the bytes under another key, do not verify.
    let mut forged = kept.map_candid.clone();
    *forged.last_mut().unwrap() ^= 1;
    assert!(certification::verify_placement(
        &kept.key,
        &forged,
        kept.certificate.as_ref().unwrap(),
        &kept.witness,
        h.canister_id(),
        &root_key
    )
    .is_err());
    assert!(certification::verify_placement(
        &all.key,
        &kept.map_candid,
        kept.certificate.as_ref().unwrap(),
        &kept.witness,
        h.canister_id(),
        &root_key
    )
    .is_err());

    // `topology verify-certificate` checks the raw replies as it checks published evaluations.
    verify_with_the_cli(&mut h, "get_placement_map", &encode_one(()).unwrap(), "placements/map");
    let arg = encode_one(api::NodeValueRequest { group: Some(proof.value.group.clone()) }).unwrap();
    verify_with_the_cli(&mut h, "get_node_value", &arg, &format!("placements/{}", one.key));

    // A later registry version with the same nodes: the results stay current, nothing is recomputed.
    let fires_before = steps.fires;
    upload(&mut h, inputs.nodes.iter().cloned().map(to_api).collect(), 12);
    while fire(&mut h, &mut steps, name) {}
    let later = map_call(&mut h);
    assert!(later.current, "the same inputs at registry version 12");
    assert_eq!(later.map.as_ref().map(|m| m.inputs.registry_version), Some(11), "computed at version 11");
    assert_eq!(later.progress.phase, api::RefreshPhase::UpToDate);
    assert_eq!(later.progress.messages, kept.progress.messages, "no step ran");
    assert!(steps.fires - fires_before <= 2, "only the plan's messages ran");

    let p = &kept.progress;
    assert!(steps.largest < MESSAGE_LIMIT / 2, "{name}: a message of {} instructions", steps.largest);
    assert!(p.largest_message_instructions <= steps.largest, "the canister's count is within the host's");
    let m = map_done.expect("the map is published before the node values");
    report.add(
        &format!("{name}: refresh: the map of {} countries, in {} messages", m.map_entries_total, m.messages),
        m.instructions,
    );
    report.add(
        &format!(
            "{name}: refresh: the map and {} groups' node values, in {} messages",
            p.node_values_total, p.messages
        ),
        p.instructions,
    );
    report.add(&format!("{name}: refresh: the largest step (the canister's count)"), p.largest_message_instructions);
    report.add(
        &format!("{name}: refresh: the largest message of {} timer firings (the host's count)", steps.fires),
        steps.largest,
    );
    report.add(&format!("{name}: refresh: every timer message (the host's count)"), steps.total);
    report.add(&format!("{name}: heap bytes"), h.heap_bytes() as u64);
    report.add(&format!("{name}: stable bytes"), h.stable_bytes() as u64);
    report.write("Placement map and node values (ORACLES.md)");
}

/// A GET through `http_request`: the status and the body as text.
fn http_get(h: &mut Host, url: &str) -> (u16, String) {
    let req = api::HttpRequest {
        method: "GET".into(),
        url: url.into(),
        headers: vec![],
        body: serde_bytes::ByteBuf::new(),
        certificate_version: Some(2),
    };
    let r: api::HttpResponse = query(h, "http_request", &encode_one(req).unwrap());
    assert!(h.last_instructions() < QUERY_LIMIT);
    (r.status_code, String::from_utf8(r.body.into_vec()).unwrap())
}

/// `topology verify-certificate` on a raw reply, when the CLI is built
/// (`cargo build --release`); said when skipped.
fn verify_with_the_cli(h: &mut Host, method: &str, arg: &[u8], path: &str) {
    let cli = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/release/topology"));
    if !cli.exists() {
        eprintln!("skipped: {} is not built (cargo build --release)", cli.display());
        return;
    }
    let root_key = certify(h);
    let reply = h.query(method, arg).unwrap();
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let file = std::env::temp_dir().join(format!("placement-{method}-{}.hex", std::process::id()));
    std::fs::write(&file, hex(&reply)).unwrap();
    let canister = candid::Principal::from_slice(h.canister_id()).to_text();
    let out = std::process::Command::new(cli)
        .args(["verify-certificate", file.to_str().unwrap(), "--canister-id", &canister, "--root-key", &hex(&root_key)])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{method}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(&format!("certified: canister {canister} {path}")), "{stdout}");
    // Another canister's id: rejected.
    let other = candid::Principal::from_slice(&[9; 10]).to_text();
    let out = std::process::Command::new(cli)
        .args(["verify-certificate", file.to_str().unwrap(), "--canister-id", &other, "--root-key", &hex(&root_key)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
}

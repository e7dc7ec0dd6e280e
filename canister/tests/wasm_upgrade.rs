//! Upgrades from what is deployed: the released module of `canister/releases/`
//! (kept with its sha256 and the commit it was built from) is installed in
//! the test host, given real state (a configuration, a registry snapshot
//! synced through the fake registry with its records and cursor, a published
//! evaluation), then upgraded to the current module: every query answers as
//! before (instruction counts aside), nothing is lost, and the timers sync on.
//!
//! The current module is `target/canister/topology.wasm` (`scripts/build.sh`).

mod fake_registry;
#[path = "support/registry_host.rs"]
mod registry_host;
mod support;

use candid::{encode_args, encode_one, Principal};
use fake_registry::*;
use ic_topology::inputs::RegistryNode;
use registry_host::{fire_next_timer, serve, REGISTRY};
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::io::Read;
use std::rc::Rc;
use support::ic_host::Host;
use support::*;
use topology_canister::api;

/// The released modules an upgrade must start from: (tag, commit, sha256 of
/// the module as `scripts/build.sh` printed it at that commit).
const RELEASES: [(&str, &str, &str); 1] = [("v0.1.0", "00df597", include_str!("../releases/v0.1.0.wasm.sha256"))];

fn released(tag: &str, sha256: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("releases/{tag}.wasm.gz"));
    let gz = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut wasm = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice()).read_to_end(&mut wasm).expect("gzip");
    let got: String = Sha256::digest(&wasm).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(got, sha256, "{} is not the module recorded for {tag}", path.display());
    wasm
}

/// Every data query's answer, decoded with the current types, instruction counts zeroed.
#[derive(Debug, PartialEq)]
struct Answers {
    configuration: api::Configuration,
    topology: api::Topology,
    snapshot: api::SnapshotInfo,
    records: (u64, Option<u64>, u64),
    evaluation: api::Evaluation,
    published: Vec<String>,
    published_evaluation: Vec<u8>,
    export: Vec<u8>,
    nodes: Vec<api::Node>,
    summary: String,
}

fn answers(h: &mut Host, key: &str) -> Answers {
    let none = encode_args(()).unwrap();
    let status: api::SyncStatus = query(h, "get_sync_status", &none);
    let req = api::EvaluateRequest { candidates: vec![argentina(6)], overrides: None, include_allocation: Some(true) };
    let r: api::Result<api::Evaluation> = query(h, "evaluate_candidates", &encode_one(&req).unwrap());
    let mut evaluation = r.expect("an evaluation");
    evaluation.instructions = 0;
    let published: api::Result<api::CertifiedEvaluation> =
        query(h, "get_published_evaluation", &encode_one(key).unwrap());
    let export_req = api::ExportRequest { registry_version: None, offset: 0, length: Some(1_000_000) };
    let export: api::Result<api::ExportPage> = query(h, "export_snapshot", &encode_one(export_req).unwrap());
    let list = api::ListNodesRequest {
        node_provider: None,
        country: Some("CH".into()),
        data_center: None,
        subnet_id: None,
        start_after: None,
        limit: Some(500),
    };
    let nodes: api::Result<api::NodePage> = query(h, "list_nodes", &encode_one(list).unwrap());
    let summary_req = api::ProposalSummaryRequest { candidates: vec![argentina(6)], plan: None };
    let summary: api::Result<api::ProposalSummary> = query(h, "proposal_summary", &encode_one(summary_req).unwrap());
    Answers {
        configuration: query(h, "get_configuration", &none),
        topology: query(h, "get_topology", &none),
        snapshot: query(h, "get_snapshot_info", &none),
        records: (status.cursor_version, status.snapshot_version, status.records),
        evaluation,
        published: query(h, "list_published_evaluations", &none),
        published_evaluation: published.expect("the published evaluation").evaluation_candid,
        export: export.expect("an export page").bytes,
        nodes: nodes.expect("a page of nodes").nodes,
        summary: summary.expect("a summary").text,
    }
}

#[test]
#[cfg_attr(not(canister_wasm), ignore = "needs target/canister/topology.wasm (bash scripts/build.sh)")]
fn an_upgrade_from_each_release_keeps_every_answer() {
    let Some(current) = wasm() else { return };
    for (tag, commit, sha256) in RELEASES {
        let old = released(tag, sha256.split_ascii_whitespace().next().expect("a sha256 recorded"));
        let nodes: Vec<RegistryNode> = generated_nodes(&ic_topology_generate::DEFAULT_PARAMS);
        let fake = Rc::new(RefCell::new(registry_of(&nodes, 60, FakeRegistry::new(1_000, 512, 10))));
        let mut h = Host::new(&old).expect("the released module loads");
        h.set_controllers(vec![CONTROLLER.to_vec()]);
        h.set_caller(&CONTROLLER);
        serve(&mut h, fake.clone());
        let mut configuration = configuration_of(&nodes);
        configuration.registry_canister_id = Some(Principal::from_slice(&REGISTRY));
        let init = api::InitArgs { topology: None, configuration: Some(configuration) };
        h.install(&encode_one(Some(init)).unwrap()).expect("install the release");
        fire_next_timer(&mut h);
        let req = api::EvaluateRequest { candidates: vec![argentina(6)], overrides: None, include_allocation: None };
        let published: api::Result<api::PublishedEvaluation> =
            update(&mut h, "publish_evaluation", &encode_one(&req).unwrap());
        let key = published.expect("published").key;
        let before = answers(&mut h, &key);
        assert_eq!(before.snapshot.nodes as usize, nodes.len(), "{tag}: the release synced");
        let before_nodes = every_node(&mut h);
        assert_eq!(before_nodes.len(), nodes.len());

        h.upgrade(&current, &encode_args(()).unwrap()).unwrap_or_else(|e| panic!("upgrade from {tag} ({commit}): {e}"));
        let after = answers(&mut h, &key);
        assert_eq!(after, before, "{tag} ({commit}): an answer changed across the upgrade");

        // The timers were armed again: a new registry version is synced.
        let node = nodes.iter().find(|n| n.subnet_id.is_none()).unwrap().clone();
        let version = fake.borrow_mut().commit(vec![(format!("node_record_{}", node.node_id), None)]);
        fire_next_timer(&mut h);
        let status: api::SyncStatus = query(&mut h, "get_sync_status", &encode_args(()).unwrap());
        assert_eq!(status.snapshot_version, Some(version), "{tag}: the upgraded canister syncs on");
        assert_eq!(status.nodes as usize, nodes.len() - 1);

        // The node comes back: it is written in the current module's compact
        // form beside the release's JSON nodes, and every node reads as before.
        let i = nodes.iter().position(|n| n.node_id == node.node_id).unwrap();
        let version =
            fake.borrow_mut().commit(vec![(format!("node_record_{}", node.node_id), Some(node_record(&node, i)))]);
        fire_next_timer(&mut h);
        let status: api::SyncStatus = query(&mut h, "get_sync_status", &encode_args(()).unwrap());
        assert_eq!(status.snapshot_version, Some(version), "{tag}: the node's return is synced");
        assert_eq!(
            every_node(&mut h),
            before_nodes,
            "{tag}: the nodes of both encodings read as the release wrote them"
        );
    }
}

/// Every node as `list_nodes` shows it, page by page.
fn every_node(h: &mut Host) -> Vec<api::Node> {
    let mut out = Vec::new();
    let mut start_after = None;
    loop {
        let req = api::ListNodesRequest {
            node_provider: None,
            country: None,
            data_center: None,
            subnet_id: None,
            start_after,
            limit: Some(500),
        };
        let page: api::Result<api::NodePage> = query(h, "list_nodes", &encode_one(req).unwrap());
        let page = page.expect("list_nodes");
        out.extend(page.nodes);
        match page.next {
            Some(next) => start_after = Some(next),
            None => return out,
        }
    }
}

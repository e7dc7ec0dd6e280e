//! The governance watcher through the real canister module in the wasmi
//! test host: the registry sync's timer loads the snapshot from the fake
//! registry, the watcher (switched on by `configure_governance_watcher`, as a
//! deployment on a stand-in registry must) polls the fake governance inside
//! the host on its timer, verdicts appear, are certified under
//! `proposals/<id>` (checked with a certificate signed by a local subnet
//! key, as `topology verify-certificate` checks it), survive an upgrade and
//! verify again. Every message of a poll is metered; `INSTRUCTIONS_REPORT=path`
//! appends the counts (committed in canister/INSTRUCTIONS.md).
//!
//! The module is `target/canister/topology.wasm` (`scripts/build.sh`);
//! without it the test says so and is skipped.

mod fake_governance;
mod fake_registry;
mod support;

use candid::{decode_one, encode_args, encode_one, Principal};
use fake_governance::*;
use fake_registry::*;
use ic_topology::certification;
use ic_topology::proposals::governance::ListProposalInfoRequest;
use ic_topology::proposals::payloads::*;
use prost::Message;
use std::cell::RefCell;
use std::rc::Rc;
use support::ic_host::{reject_code, Host, Limits};
use support::*;
use topology_canister::api::{self, ClaimCheck, ProposalStatus, VerdictOutcome};
use topology_canister::registry::proto::{
    ChangesSinceRequest, Chunk, GetChunkRequest, GetChunkResponse, LatestVersionResponse,
};

const REGISTRY: [u8; 10] = [0, 0, 0, 0, 0, 0, 0, 7, 1, 1];
/// A stand-in for NNS governance (not the host's own canister id).
const GOVERNANCE: [u8; 10] = [0, 0, 0, 0, 0, 0, 0, 9, 1, 1];
const SUBNET_SECRET: [u8; 32] = {
    let mut k = [0u8; 32];
    k[31] = 91;
    k
};

struct Shared {
    registry: FakeRegistry,
    governance: FakeGovernance,
}

fn connect(h: &mut Host, shared: Rc<RefCell<Shared>>) {
    h.on_call(move |callee, method, arg| {
        let mut s = shared.borrow_mut();
        if callee == REGISTRY {
            return match method {
                "get_latest_version" => Ok(LatestVersionResponse { version: s.registry.latest() }.encode_to_vec()),
                "get_changes_since" => {
                    let req = ChangesSinceRequest::decode(arg).expect("a protobuf request");
                    Ok(s.registry.changes_since(req.version).encode_to_vec())
                }
                "get_chunk" => {
                    let req: GetChunkRequest = decode_one(arg).expect("a Candid request");
                    let content = s.registry.chunks.get(&req.content_sha256.expect("a chunk key")).cloned();
                    Ok(encode_one(GetChunkResponse::Ok(Chunk { content })).unwrap())
                }
                other => Err((reject_code::DESTINATION_INVALID, format!("no method {other}"))),
            };
        }
        assert_eq!(callee, GOVERNANCE, "the canister calls the configured registry and governance only");
        match method {
            "list_proposals" => {
                let req: ListProposalInfoRequest = decode_one(arg).expect("a ListProposalInfoRequest");
                Ok(encode_one(s.governance.list_proposals(req)).unwrap())
            }
            "get_proposal_info" => {
                let id: u64 = decode_one(arg).expect("a nat64");
                Ok(encode_one(s.governance.get_proposal_info(id)).unwrap())
            }
            other => Err((reject_code::DESTINATION_INVALID, format!("no method {other}"))),
        }
    });
}

const NOW: u64 = 1_763_700_000_000_000_000;

/// Certify the module's certified data with the local subnet key; the root key (DER).
fn certify(h: &mut Host) -> Vec<u8> {
    let canister = h.canister_id().to_vec();
    let data = h.certified_data().to_vec();
    let (certificate, root_key) = certification::sign_certificate(&SUBNET_SECRET, &canister, &data, NOW).unwrap();
    h.set_data_certificate(Some(certificate));
    root_key
}

/// A member of a subnet, and a node with no subnet (up, a replica) to take its place.
fn membership_swap(
    nodes: &[ic_topology::inputs::RegistryNode],
) -> (ic_topology::inputs::RegistryNode, ic_topology::inputs::RegistryNode) {
    let member = nodes.iter().find(|n| n.subnet_id.is_some()).expect("a subnet member").clone();
    let free = nodes
        .iter()
        .find(|n| n.subnet_id.is_none() && n.status == "UP" && n.node_type.as_deref() != Some("API_BOUNDARY"))
        .expect("a node with no subnet")
        .clone();
    (member, free)
}

fn fire_next_timer(h: &mut Host) {
    let due = h.global_timer().expect("a timer is armed");
    if due > h.time() {
        h.advance_time(due - h.time());
    }
    assert!(h.fire_timer().expect("the timer runs"));
}

fn status(h: &mut Host) -> api::SyncStatus {
    query(h, "get_sync_status", &encode_args(()).unwrap())
}

fn verified(h: &mut Host, id: u64) -> api::CertifiedProposalVerdict {
    let canister = h.canister_id().to_vec();
    let data = h.certified_data().to_vec();
    let (certificate, root_key) =
        certification::sign_certificate(&SUBNET_SECRET, &canister, &data, 1_763_700_000_000_000_000).unwrap();
    h.set_data_certificate(Some(certificate));
    let got: api::Result<api::CertifiedProposalVerdict> = query(h, "get_proposal_verdict", &encode_one(id).unwrap());
    let got = got.unwrap();
    let cert = got.certificate.as_ref().expect("a query gets the data certificate");
    let certified =
        certification::verify_proposal_verdict(id, &got.verdict_candid, cert, &got.witness, &canister, &root_key)
            .unwrap_or_else(|e| panic!("the verdict on {id} does not verify: {e}"));
    assert_eq!(certified.data, data);
    assert_eq!(decode_one::<api::ProposalVerdict>(&got.verdict_candid).unwrap(), got.verdict);
    // A tampered verdict does not.
    let mut tampered = got.verdict_candid.clone();
    *tampered.last_mut().unwrap() ^= 1;
    assert!(certification::verify_proposal_verdict(id, &tampered, cert, &got.witness, &canister, &root_key).is_err());
    got
}

/// `topology verify-certificate` on the raw reply, and `topology proposal --id`
/// on it, when the CLI is built (`cargo build --release`); said when skipped.
fn verify_with_the_cli(h: &mut Host, id: u64) {
    let cli = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/release/topology"));
    if !cli.exists() {
        eprintln!("skipped: {} is not built (cargo build --release)", cli.display());
        return;
    }
    let canister = h.canister_id().to_vec();
    let data = h.certified_data().to_vec();
    let (certificate, root_key) =
        certification::sign_certificate(&SUBNET_SECRET, &canister, &data, 1_763_700_000_000_000_000).unwrap();
    h.set_data_certificate(Some(certificate));
    let reply = h.query("get_proposal_verdict", &encode_one(id).unwrap()).unwrap();
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let file = std::env::temp_dir().join(format!("verdict-{id}-{}.hex", std::process::id()));
    std::fs::write(&file, hex(&reply)).unwrap();
    let canister_text = Principal::from_slice(&canister).to_text();
    let out = std::process::Command::new(cli)
        .args([
            "verify-certificate",
            file.to_str().unwrap(),
            "--canister-id",
            &canister_text,
            "--root-key",
            &hex(&root_key),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains(&format!("verdict on proposal {id}")) && stdout.contains("ObjectiveValue before"),
        "{stdout}"
    );
    // Another canister id: rejected.
    let other = Principal::from_slice(&[9; 10]).to_text();
    let out = std::process::Command::new(cli)
        .args(["verify-certificate", file.to_str().unwrap(), "--canister-id", &other, "--root-key", &hex(&root_key)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    let out = std::process::Command::new(cli)
        .args(["proposal", "--id", &id.to_string(), file.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.starts_with(&format!("Proposal {id}: ")), "{text}");
    std::fs::remove_file(file).ok();
}

#[test]
#[cfg_attr(not(canister_wasm), ignore = "needs target/canister/topology.wasm (bash scripts/build.sh)")]
fn the_timer_polls_governance_and_verdicts_are_certified_across_an_upgrade() {
    let Some(wasm) = wasm() else { return };
    let nodes = generated_nodes(&ic_topology_generate::DEFAULT_PARAMS);
    let registry = registry_of(&nodes, 200, FakeRegistry::new(1_000, 512, 50));
    let shared = Rc::new(RefCell::new(Shared { registry, governance: FakeGovernance::default() }));
    let mut h = Host::new(&wasm).expect("the module loads");
    h.set_controllers(vec![CONTROLLER.to_vec()]);
    h.set_caller(&CONTROLLER);
    connect(&mut h, shared.clone());
    let mut configuration = configuration_of(&nodes);
    configuration.registry_canister_id = Some(Principal::from_slice(&REGISTRY));
    // The generated topology, whose subnet ids are the registry's: the canister keeps a membership plan.
    let network = ic_topology_generate::generate(&ic_topology_generate::DEFAULT_PARAMS).unwrap();
    let (topology, _) = ic_topology::files::parse_topology_csv(&network.topology_csv, "generated").unwrap();
    let topology = api::SetTopologyRequest {
        subnets: topology.iter().map(ic_topology::api::SubnetSpec::from).collect(),
        proposal: 0,
    };
    let init = api::InitArgs { topology: Some(topology), configuration: Some(configuration) };
    h.install(&encode_one(Some(init)).unwrap()).expect("install");
    let mut report = Report::new("message");

    // A stand-in registry: the watcher waits to be switched on.
    assert!(!status(&mut h).governance.enabled);
    fire_next_timer(&mut h);
    assert!(status(&mut h).snapshot_version.is_some(), "the registry sync loaded the snapshot");
    // The membership plan of the synced snapshot, solved in timer messages of its own (due at once).
    while h.global_timer().is_some_and(|due| due <= h.time()) {
        assert!(h.fire_timer().expect("the plan's timer"));
    }
    let plan: api::Result<api::MembershipPlan> =
        query(&mut h, "plan_membership_changes", &encode_one(api::PlanRequest { subnets: vec![] }).unwrap());
    assert!(plan.is_ok(), "{plan:?}");

    // The proposals: a node operator quoting the canister's own summary, a removal, a malformed payload, 150 others.
    let n0 = nodes[0].clone();
    let row = api::CandidateRow {
        node_provider: n0.node_provider_name.clone(),
        data_center: n0.data_center.clone(),
        data_center_provider: n0.data_center_provider.clone(),
        country: n0.region.split(',').nth(1).unwrap().trim().to_string(),
        is_sev: false,
        no_nodes: 4,
    };
    let summary: api::Result<api::ProposalSummary> = query(
        &mut h,
        "proposal_summary",
        &encode_one(api::ProposalSummaryRequest { candidates: vec![row], plan: None }).unwrap(),
    );
    let summary = summary.unwrap().text;
    let removed_operator = nodes[7].node_operator_id.clone();
    let operator_nodes = nodes.iter().filter(|n| n.node_operator_id == removed_operator).count();
    {
        let g = &mut shared.borrow_mut().governance;
        for id in 2_000..2_150u64 {
            g.add(info(id, NODE_ADMIN, "other", "", nns_function(38, vec![0; 8])));
        }
        let add = AddNodeOperatorPayload {
            ipv6: None,
            node_operator_principal_id: Some(Principal::from_slice(&[7; 29])),
            node_allowance: 4,
            rewardable_nodes: vec![],
            node_provider_principal_id: Some(Principal::from_text(&n0.node_provider_id).unwrap()),
            dc_id: n0.data_center.clone(),
            max_rewardable_nodes: None,
        };
        g.add(info(2_010, NODE_ADMIN, "Add node operator", &summary, nns_function(8, encode_one(add).unwrap())));
        let remove = RemoveNodesPayload { node_ids: vec![Principal::from_text(&nodes[3].node_id).unwrap()] };
        g.add(info(2_020, NODE_ADMIN, "Remove a node", "", nns_function(18, encode_one(remove).unwrap())));
        g.add(info(2_030, NODE_ADMIN, "Broken", "", nns_function(8, vec![1, 2, 3])));
        g.add(info(2_040, GOVERNANCE_TOPIC, "Motion", "", motion("not watched")));
        // An operator's allowance grows by 2 (its record allows 3): two more nodes in its data center.
        let operator = &nodes[5];
        let update_config = UpdateNodeOperatorConfigPayload {
            node_operator_id: Some(Principal::from_text(&operator.node_operator_id).unwrap()),
            set_ipv6_to_none: None,
            ipv6: None,
            node_provider_id: None,
            node_allowance: Some(5),
            rewardable_nodes: vec![],
            dc_id: None,
            max_rewardable_nodes: None,
        };
        g.add(info(
            2_050,
            NODE_ADMIN,
            "Update node operator config",
            "",
            nns_function(16, encode_one(update_config).unwrap()),
        ));
        // A subnet swaps one member for a node that has none.
        let (member, free) = membership_swap(&nodes);
        let change = ChangeSubnetMembershipPayload {
            node_ids_add: vec![Principal::from_text(&free.node_id).unwrap()],
            subnet_id: Principal::from_text(member.subnet_id.as_ref().unwrap()).unwrap(),
            node_ids_remove: vec![Principal::from_text(&member.node_id).unwrap()],
        };
        g.add(info(
            2_060,
            SUBNET_MANAGEMENT,
            "Change subnet membership",
            "",
            nns_function(31, encode_one(change).unwrap()),
        ));
        // An operator removed (named in the newer principals field): its nodes leave the network.
        let remove_operators = RemoveNodeOperatorsPayload {
            node_operators_to_remove: vec![],
            node_operator_principals_to_remove: Some(NodeOperatorPrincipals {
                principals: vec![Principal::from_text(&removed_operator).unwrap()],
            }),
        };
        g.add(info(
            2_070,
            NODE_ADMIN,
            "Remove node operators",
            "",
            nns_function(23, encode_one(remove_operators).unwrap()),
        ));
        // A node operator whose summary quotes ObjectiveValues the canister does not compute.
        let claimed = AddNodeOperatorPayload {
            ipv6: None,
            node_operator_principal_id: Some(Principal::from_slice(&[8; 29])),
            node_allowance: 2,
            rewardable_nodes: vec![],
            node_provider_principal_id: Some(Principal::from_text(&nodes[9].node_provider_id).unwrap()),
            dc_id: nodes[9].data_center.clone(),
            max_rewardable_nodes: None,
        };
        g.add(info(
            2_080,
            NODE_ADMIN,
            "Add node operator (claims that differ)",
            "The ObjectiveValue before is 999 and after is 0.",
            nns_function(8, encode_one(claimed).unwrap()),
        ));
    }

    // Switched on: the timers are re-armed; the poll follows on the next timer.
    let settings = api::GovernanceWatcherSettings {
        governance_canister_id: Some(Principal::from_slice(&GOVERNANCE)),
        poll_interval_seconds: Some(600),
        enabled: Some(true),
    };
    h.set_caller(&STRANGER);
    let r: api::Result<()> = stranger_update(&mut h, "configure_governance_watcher", &encode_one(&settings).unwrap());
    assert!(matches!(r, Err(api::Error::Unauthorized { .. })), "{r:?}");
    h.set_caller(&CONTROLLER);
    let r: api::Result<()> = update(&mut h, "configure_governance_watcher", &encode_one(&settings).unwrap());
    r.unwrap();
    report.add("configure_governance_watcher", h.last_instructions());
    let st = status(&mut h).governance;
    assert!(st.enabled && st.verdicts == 0);
    assert_eq!(st.governance_canister_id, Principal::from_slice(&GOVERNANCE));

    // Every message of the poll, as the host meters it (the log covers one timer's messages).
    let mut worst: std::collections::BTreeMap<String, u64> = Default::default();
    let mut fetches = Vec::new();
    let mut rounds = 0;
    while status(&mut h).governance.last_success_nanos.is_none() {
        fire_next_timer(&mut h);
        assert!(h.message_log().iter().all(|m| m.trap.is_none()), "{:?}", h.message_log());
        for m in h.message_log() {
            if m.label == "reply callback of get_proposal_info" {
                fetches.push(m.instructions);
            }
            let w = worst.entry(m.label.clone()).or_default();
            *w = (*w).max(m.instructions);
        }
        rounds += 1;
        assert!(rounds < 5, "the poll ran: {:?}", status(&mut h).governance);
    }
    // The queue is decided in id order, one proposal per message.
    assert_eq!(fetches.len(), 7, "{worst:?}");
    for (what, instructions) in [
        "add node operator, 4 nodes (evaluate_candidates, 5-point curve)".to_string(),
        "remove 1 node (one solve)".into(),
        "malformed payload".into(),
        "update node operator config, allowance 3 -> 5 (evaluate_candidates, 3-point curve)".into(),
        "change subnet membership, 1 node in and 1 out (facts before and after, plan verifier)".into(),
        format!("remove node operators, 1 operator with {operator_nodes} node(s) (one solve)"),
        "add node operator, 2 nodes, the summary's claims differ (evaluate_candidates, 3-point curve)".into(),
    ]
    .iter()
    .zip(&fetches)
    {
        report.add(&format!("poll, get_proposal_info reply: {what}"), *instructions);
    }
    for (label, instructions) in &worst {
        report.add(&format!("poll, {label} (most of any)"), *instructions);
        assert!(*instructions < 20_000_000_000, "{label}: {instructions}");
    }
    let st = status(&mut h).governance;
    assert_eq!((st.verdicts, st.pending, st.proposals_seen, st.last_error.clone()), (7, 0, 7, None), "{st:?}");
    assert!(st.max_message_instructions > 0);

    let v = verified(&mut h, 2_010).verdict;
    report.add("get_proposal_verdict (verdict, certificate, witness)", h.last_instructions());
    verify_with_the_cli(&mut h, 2_010);
    let VerdictOutcome::Candidates { evaluation, .. } = &v.outcome else { panic!("{v:?}") };
    assert_eq!(v.claims.before, ClaimCheck::Matches { value: evaluation.baseline_objective.unwrap() });
    assert_eq!(v.claims.after, ClaimCheck::Matches { value: evaluation.objective.unwrap() });
    let direct: api::Result<api::Evaluation> = query(
        &mut h,
        "evaluate_candidates",
        &encode_one(api::EvaluateRequest {
            candidates: match &v.outcome {
                VerdictOutcome::Candidates { candidates, .. } => candidates.clone(),
                _ => unreachable!(),
            },
            overrides: None,
            include_allocation: None,
        })
        .unwrap(),
    );
    let direct = direct.unwrap();
    assert_eq!((direct.objective, &direct.curve), (evaluation.objective, &evaluation.curve));
    assert!(matches!(verified(&mut h, 2_020).verdict.outcome, VerdictOutcome::Removal { .. }));
    assert!(matches!(verified(&mut h, 2_030).verdict.outcome, VerdictOutcome::Invalid { .. }));
    let VerdictOutcome::Candidates { evaluation: update_ev, candidates, .. } = verified(&mut h, 2_050).verdict.outcome
    else {
        panic!("the operator update is evaluated as candidates")
    };
    assert_eq!((update_ev.candidate_nodes, candidates[0].data_center.as_str()), (2, nodes[5].data_center.as_str()));
    let membership = verified(&mut h, 2_060).verdict;
    let VerdictOutcome::Membership { added, removed, .. } = &membership.outcome else { panic!("{membership:?}") };
    assert_eq!((added.len(), removed.len()), (1, 1));
    let VerdictOutcome::Membership { optimality, .. } = &membership.outcome else { unreachable!() };
    println!("membership verdict: {optimality}");
    // Decided on chain, near the kept plan (the swap is not one the plan makes).
    assert!(
        optimality.starts_with("part of") || optimality.starts_with("not part of"),
        "decided against the kept plan: {optimality}"
    );
    let removal = verified(&mut h, 2_070).verdict;
    let VerdictOutcome::Removal { node_ids, before, after } = &removal.outcome else { panic!("{removal:?}") };
    let of_operator: Vec<&str> =
        nodes.iter().filter(|n| n.node_operator_id == removed_operator).map(|n| n.node_id.as_str()).collect();
    assert_eq!((node_ids.len(), node_ids.iter().all(|id| of_operator.contains(&id.as_str()))), (operator_nodes, true));
    assert_eq!(before.objective, evaluation.baseline_objective, "the snapshot's own ObjectiveValue");
    assert!(after.objective.is_some(), "{after:?}");
    // The summary's claims, compared with the computed values: both differ, and say by how much.
    let claimed = verified(&mut h, 2_080).verdict;
    let VerdictOutcome::Candidates { evaluation: claimed_ev, .. } = &claimed.outcome else { panic!("{claimed:?}") };
    assert_eq!(claimed_ev.candidate_nodes, 2);
    assert_eq!(claimed.claims.before, ClaimCheck::Differs { claimed: 999, computed: claimed_ev.baseline_objective });
    assert_eq!(claimed.claims.after, ClaimCheck::Differs { claimed: 0, computed: claimed_ev.objective });
    let text = ic_topology::proposals::render::render(&claimed);
    assert!(
        text.contains(&format!(
            "- ObjectiveValue before: differs (claimed 999, computed {}",
            claimed_ev.baseline_objective.unwrap()
        )),
        "{text}"
    );
    let page: api::Result<api::ProposalVerdictPage> =
        query(&mut h, "list_proposal_verdicts", &encode_one(api::ListProposalVerdictsRequest::default()).unwrap());
    report.add("list_proposal_verdicts (7 verdicts)", h.last_instructions());
    let listed = page.unwrap().verdicts;
    let ids: Vec<u64> = listed.iter().map(|v| v.proposal_id).collect();
    assert_eq!(ids, vec![2_080, 2_070, 2_060, 2_050, 2_030, 2_020, 2_010]);

    // The dashboard lists the open proposals with their verdicts, newest first, each linking to
    // its verdict's page; both pages are certified (the gateway's check) with the verdicts.
    let root_key = certify(&mut h);
    let r = http(&mut h, "GET", "/proposals");
    report.add(&format!("http_request GET /proposals (7 verdicts, {} bytes)", r.body.len()), h.last_instructions());
    assert_eq!((r.status_code, header(&r, "content-type")), (200, Some("text/html; charset=utf-8")));
    assert_eq!(gateway_check(&h, "GET", "/proposals", &r, &root_key, NOW).as_deref(), Some(&r.body[..]));
    let list = String::from_utf8(r.body.to_vec()).unwrap();
    assert!(list.contains("<p id=\"open-count\">7 open, newest first.</p>"), "{list}");
    let rows: Vec<&str> = list.split("<tr data-proposal=\"").skip(1).collect();
    let shown: Vec<u64> = rows.iter().map(|r| r.split('"').next().unwrap().parse().unwrap()).collect();
    assert_eq!(shown, ids, "newest first, as list_proposal_verdicts");
    for (row, v) in rows.iter().zip(&listed) {
        assert!(row.contains(&format!("<a href=\"/proposals/{}\">", v.proposal_id)), "{row}");
        assert!(row.contains("data-status=\"open\""), "{row}");
        if let VerdictOutcome::Candidates { evaluation, .. } = &v.outcome {
            let show = |x: Option<u32>| x.map_or("unknown".into(), |x| x.to_string());
            let values = format!(
                "data-before=\"{}\" data-after=\"{}\"",
                show(evaluation.baseline_objective),
                show(evaluation.objective)
            );
            assert!(row.contains(&values), "{}: {row}", v.proposal_id);
        }
    }
    for v in &listed {
        let url = format!("/proposals/{}", v.proposal_id);
        let r = http(&mut h, "GET", &url);
        report.add(&format!("http_request GET {url} ({} bytes)", r.body.len()), h.last_instructions());
        assert_eq!(r.status_code, 200, "{url}");
        assert!(r.body.len() <= 200_000, "{url}: page weight {}", r.body.len());
        assert_eq!(gateway_check(&h, "GET", &url, &r, &root_key, NOW).as_deref(), Some(&r.body[..]), "{url}");
        let page = String::from_utf8(r.body.to_vec()).unwrap();
        assert!(page.contains(&format!("<dd id=\"proposal-id\">{}</dd>", v.proposal_id)));
        let full = ic_topology::charts::xml(&ic_topology::proposals::render::render(v));
        assert!(page.contains(&format!("<pre id=\"verdict-text\">{full}</pre>")), "{url}: the verdict in full");
    }
    let page = String::from_utf8(http(&mut h, "GET", "/proposals/2010").body.to_vec()).unwrap();
    for p in &evaluation.curve {
        let v = p.objective.map_or("unknown".into(), |v| v.to_string());
        assert!(
            page.contains(&format!("data-nodes=\"{}\" data-objective=\"{v}\"", p.nodes)),
            "curve point {}",
            p.nodes
        );
    }

    // The upgrade: verdicts, their certification and the watcher's state are in stable memory.
    let root = h.certified_data().to_vec();
    h.upgrade(&wasm, &encode_args(()).unwrap()).expect("upgrade");
    report.add(
        "post_upgrade (7 verdicts; the certified tree and the dashboard's verdict pages rebuilt)",
        h.last_instructions(),
    );
    // The membership plan lives in the heap: its two messages (due at once) solve it again.
    while h.global_timer().is_some_and(|due| due <= h.time()) {
        assert!(h.fire_timer().expect("the plan's timer"));
    }
    assert_eq!(h.certified_data(), &root[..], "the same certified root after the upgrade, once the plan is solved");
    let again = verified(&mut h, 2_010);
    assert_eq!(again.verdict, v);
    // A decided proposal keeps its verdict on the next poll, with its status.
    shared.borrow_mut().governance.set_status(2_010, EXECUTED);
    let before = status(&mut h).governance.last_success_nanos;
    let mut rounds = 0;
    while status(&mut h).governance.last_success_nanos == before {
        fire_next_timer(&mut h);
        rounds += 1;
        // The poll's timers, after the membership plan's two refresh messages of the upgrade.
        assert!(rounds < 8);
    }
    let decided = verified(&mut h, 2_010).verdict;
    assert_eq!(decided.status, ProposalStatus::Executed);
    assert_eq!(api::ProposalVerdict { status: ProposalStatus::Open, ..decided }, v);
    // The dashboard moved it to the decided ones, certified with the new status.
    let root_key = certify(&mut h);
    let r = http(&mut h, "GET", "/proposals");
    assert_eq!(gateway_check(&h, "GET", "/proposals", &r, &root_key, NOW).as_deref(), Some(&r.body[..]));
    let list = String::from_utf8(r.body.to_vec()).unwrap();
    assert!(list.contains("<p id=\"open-count\">6 open, newest first.</p>"), "{list}");
    let decided_part = &list[list.find("<div id=\"decided-proposals\">").expect("a decided section")..];
    assert!(decided_part.contains("<tr data-proposal=\"2010\" data-status=\"executed\""), "{decided_part}");
    report.write(
        "Governance watcher (default network, 1425 nodes; 150 open proposals, 149 listed in two pages, 7 watched)",
    );
}

/// An add-node-operator proposal of `nodes[i]`'s provider and data center.
fn add_operator(
    nodes: &[ic_topology::inputs::RegistryNode],
    i: usize,
    id: u64,
) -> ic_topology::proposals::governance::ProposalInfo {
    let n = &nodes[i];
    let add = AddNodeOperatorPayload {
        ipv6: None,
        node_operator_principal_id: Some(Principal::from_slice(&[i as u8 + 1; 29])),
        node_allowance: 2,
        rewardable_nodes: vec![],
        node_provider_principal_id: Some(Principal::from_text(&n.node_provider_id).unwrap()),
        dc_id: n.data_center.clone(),
        max_rewardable_nodes: None,
    };
    info(id, NODE_ADMIN, "Add node operator", "", nns_function(8, encode_one(add).unwrap()))
}

/// A callback of the poll traps (the reply of `get_proposal_info` takes more
/// instructions than the message may use). ic-cdk drops the poll in the
/// cleanup callback, where the watcher's guard is released without
/// certifying (cleanup may not call `certified_data_set`): the watcher is not
/// left "running", and the next poll decides the proposal.
#[test]
#[cfg_attr(not(canister_wasm), ignore = "needs target/canister/topology.wasm (bash scripts/build.sh)")]
fn a_poll_callback_that_traps_does_not_stop_later_polls() {
    let Some(wasm) = wasm() else { return };
    let nodes = generated_nodes(&ic_topology_generate::DEFAULT_PARAMS);
    let registry = registry_of(&nodes, 200, FakeRegistry::new(1_000, 512, 50));
    let shared = Rc::new(RefCell::new(Shared { registry, governance: FakeGovernance::default() }));
    let mut h = Host::new(&wasm).expect("the module loads");
    h.set_controllers(vec![CONTROLLER.to_vec()]);
    h.set_caller(&CONTROLLER);
    connect(&mut h, shared.clone());
    let mut configuration = configuration_of(&nodes);
    configuration.registry_canister_id = Some(Principal::from_slice(&REGISTRY));
    let network = ic_topology_generate::generate(&ic_topology_generate::DEFAULT_PARAMS).unwrap();
    let (topology, _) = ic_topology::files::parse_topology_csv(&network.topology_csv, "generated").unwrap();
    let topology = api::SetTopologyRequest {
        subnets: topology.iter().map(ic_topology::api::SubnetSpec::from).collect(),
        proposal: 0,
    };
    let init = api::InitArgs { topology: Some(topology), configuration: Some(configuration) };
    h.install(&encode_one(Some(init)).unwrap()).expect("install");
    fire_next_timer(&mut h);
    assert!(status(&mut h).snapshot_version.is_some(), "the registry sync loaded the snapshot");
    while h.global_timer().is_some_and(|due| due <= h.time()) {
        assert!(h.fire_timer().expect("a due timer"));
    }
    shared.borrow_mut().governance.add(add_operator(&nodes, 0, 3_000));
    let settings = api::GovernanceWatcherSettings {
        governance_canister_id: Some(Principal::from_slice(&GOVERNANCE)),
        poll_interval_seconds: Some(600),
        enabled: Some(true),
    };
    let r: api::Result<()> = update(&mut h, "configure_governance_watcher", &encode_one(&settings).unwrap());
    r.unwrap();

    // A first poll under the default limits: what its messages take.
    let (mut fetch, mut other) = (0u64, 0u64);
    while status(&mut h).governance.last_success_nanos.is_none() {
        fire_next_timer(&mut h);
        for m in h.message_log() {
            assert!(m.trap.is_none(), "{:?}", h.message_log());
            if m.label == "reply callback of get_proposal_info" {
                fetch = fetch.max(m.instructions);
            } else {
                other = other.max(m.instructions);
            }
        }
    }
    assert!(fetch > 4 * other, "a limit must separate the fetch's reply ({fetch}) from the rest ({other})");

    // The second poll: its fetch's reply callback runs out of instructions.
    shared.borrow_mut().governance.add(add_operator(&nodes, 9, 3_001));
    let succeeded = status(&mut h).governance.last_success_nanos;
    h.set_limits(Limits { update: 2 * other, ..Limits::default() });
    let mut rounds = 0;
    loop {
        fire_next_timer(&mut h);
        if h.message_log().iter().any(|m| m.trap.is_some() && m.label == "reply callback of get_proposal_info") {
            break;
        }
        rounds += 1;
        assert!(rounds < 5, "the fetch's callback must trap for this test: {:?}", h.message_log());
    }
    h.set_limits(Limits::default());
    let st = status(&mut h).governance;
    assert!(!st.in_progress, "the trapped poll still counts as running: {:?}", h.message_log());
    assert_eq!(st.last_success_nanos, succeeded);

    // The next poll runs and decides the proposal.
    let mut rounds = 0;
    while status(&mut h).governance.last_success_nanos == succeeded {
        fire_next_timer(&mut h);
        assert!(h.message_log().iter().all(|m| m.trap.is_none()), "{:?}", h.message_log());
        rounds += 1;
        assert!(rounds < 5, "the next poll succeeded: {:?}", status(&mut h).governance);
    }
    let st = status(&mut h).governance;
    assert_eq!(st.verdicts, 2, "both proposals have their verdict: {st:?}");
}

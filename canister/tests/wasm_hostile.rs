//! Hostile calls through the real module (the security review's findings): each is refused, and
//! refused cheaply. The arguments are those of the review's findings (about
//! 2 MiB of empty records for updates, about 1 MB for queries); every refusal
//! must cost less than [`BOUND`] instructions, in `canister_inspect_message`
//! for ingress updates and in the method itself for calls that inspection
//! does not see (queries, calls from other canisters).
//!
//! `INSTRUCTIONS_REPORT=path` appends the counts (canister/INSTRUCTIONS.md).

mod support;

use candid::{encode_args, encode_one, Principal};
use support::ic_host::Host;
use support::*;
use topology_canister::api::{self, Error};

/// Instructions a refusal may cost (a query may use 5 billion, an update 40 billion).
const BOUND: u64 = 50_000_000;

/// A controller's hostile argument passes the caller check and is stopped by
/// its decoding quota alone (a controller is trusted, and a valid 2,000-node
/// chunk needs about as much): bounded, under the update limit.
const CONTROLLER_BOUND: u64 = 3_000_000_000;

/// verify_evaluation takes a whole evaluation (512 KiB, a decoding quota of
/// 400,000 units, about 5 times a valid one of the default network): a hostile
/// argument within that size is stopped by the quota, at about twice the cost
/// of verifying a valid evaluation.
const VERIFY_BOUND: u64 = 400_000_000;

/// The IC's ingress limit.
const MAX_INGRESS: usize = 2 * 1024 * 1024;

fn empty_row() -> api::CandidateRow {
    api::CandidateRow {
        node_provider: String::new(),
        data_center: String::new(),
        data_center_provider: String::new(),
        country: String::new(),
        is_sev: false,
        no_nodes: 0,
    }
}

fn empty_node() -> api::Node {
    api::Node {
        node_id: String::new(),
        node_operator_id: String::new(),
        node_provider_id: String::new(),
        node_provider_name: String::new(),
        data_center: String::new(),
        data_center_provider: String::new(),
        region: String::new(),
        node_type: None,
        status: String::new(),
        subnet_id: None,
    }
}

/// The largest `n` whose encoding `make(n)` stays within `max` bytes.
fn fill(max: usize, make: impl Fn(usize) -> Vec<u8>) -> (usize, Vec<u8>) {
    let one = make(1).len();
    let two = make(2).len();
    let per = two - one;
    let n = (max - one) / per;
    let bytes = make(n);
    assert!(bytes.len() <= max, "{} > {max}", bytes.len());
    (n, bytes)
}

fn installed(wasm: &[u8]) -> Host {
    let mut h = host(wasm, None);
    let (nodes, _) =
        ic_topology::files::parse_nodes_csv(include_str!("../../defaults/generated/nodes.csv"), "nodes.csv").unwrap();
    upload(&mut h, nodes.into_iter().map(to_api).collect(), 1);
    h
}

fn is_unauthorized(reply: &[u8], method: &str) -> bool {
    let r: api::Result<candid::Reserved> = candid::decode_one(reply).unwrap();
    matches!(r, Err(Error::Unauthorized { method: m, .. }) if m == method)
}

fn refused(reply: &[u8]) -> bool {
    let r: api::Result<candid::Reserved> = candid::decode_one(reply).unwrap();
    r.is_err()
}

#[test]
#[cfg_attr(not(canister_wasm), ignore = "needs target/canister/topology.wasm (bash scripts/build.sh)")]
fn hostile_calls_are_refused_cheaply() {
    let Some(wasm) = wasm() else { return };
    let mut h = installed(&wasm);
    let mut report = Report::new("hostile call (refused)");
    let check_within = |report: &mut Report, what: &str, used: u64, bound: u64| {
        report.add(what, used);
        assert!(used < bound, "{what}: {used} instructions, over the bound of {bound}");
    };
    let check = |report: &mut Report, what: &str, used: u64| check_within(report, what, used, BOUND);

    // Updates, about 2 MiB of empty records each.
    let (n_cordons, cordons) = fill(MAX_INGRESS, |n| {
        let cordon = api::Cordon { feature: api::CordonedFeature::NodeId, value: String::new() };
        encode_one(api::ConfigurationUpdate { cordons: Some(vec![cordon; n]), ..Default::default() }).unwrap()
    });
    let (n_nodes, nodes) = fill(MAX_INGRESS, |n| encode_one(vec![empty_node(); n]).unwrap());
    let (n_rows, rows) = fill(MAX_INGRESS, |n| {
        encode_one(api::EvaluateRequest { candidates: vec![empty_row(); n], overrides: None, include_allocation: None })
            .unwrap()
    });
    let updates = [
        ("update_configuration", format!("{n_cordons} empty cordons"), &cordons, true),
        ("upload_snapshot_nodes", format!("{n_nodes} empty nodes"), &nodes, true),
        ("publish_evaluation", format!("{n_rows} empty candidate rows"), &rows, false),
    ];
    h.set_caller(&STRANGER);
    for (method, what, arg, admin) in &updates {
        // Ingress: dropped by inspection.
        let reject = h.update(method, arg).unwrap_err();
        assert!(reject.message.contains(method), "{method}: {reject:?}");
        check(
            &mut report,
            &format!("{method}, {what} ({} bytes), ingress: inspect_message", arg.len()),
            h.last_inspect_instructions(),
        );
        // From a canister (no inspection): refused by the method before decoding.
        let reply = h.update_unchecked(method, arg).expect("a typed refusal");
        if *admin {
            assert!(is_unauthorized(&reply, method), "{method}");
        } else {
            assert!(refused(&reply), "{method}");
        }
        check(&mut report, &format!("{method}, {what}, from a canister: the method"), h.last_instructions());
    }
    // The anonymous principal cannot publish (it cannot be held to a quota).
    h.set_caller(Principal::anonymous().as_slice());
    let small =
        encode_one(api::EvaluateRequest { candidates: vec![], overrides: None, include_allocation: None }).unwrap();
    let reject = h.update("publish_evaluation", &small).unwrap_err();
    assert!(reject.message.contains("anonymous"), "{reject:?}");
    check(
        &mut report,
        "publish_evaluation by the anonymous principal, ingress: inspect_message",
        h.last_inspect_instructions(),
    );
    let reply = h.update_unchecked("publish_evaluation", &small).unwrap();
    assert!(is_unauthorized(&reply, "publish_evaluation"));

    // A controller's hostile argument: allowed in, but decoding stops at the quota.
    h.set_caller(&CONTROLLER);
    let reject = h.update("update_configuration", &cordons).unwrap_err();
    assert!(reject.message.contains("quota") || reject.message.contains("decode"), "{reject:?}");
    check_within(
        &mut report,
        &format!("update_configuration by a controller, {n_cordons} empty cordons: decoding quota"),
        h.last_instructions(),
        CONTROLLER_BOUND,
    );
    let reject = h.update("upload_snapshot_nodes", &nodes).unwrap_err();
    assert!(reject.message.contains("quota") || reject.message.contains("decode"), "{reject:?}");
    check_within(
        &mut report,
        &format!("upload_snapshot_nodes by a controller, {n_nodes} empty nodes: decoding quota"),
        h.last_instructions(),
        CONTROLLER_BOUND,
    );

    // Queries, about 1 MB of small records each.
    h.set_caller(&STRANGER);
    let mb = 1_000_000;
    let (n_rows, rows) = fill(mb, |n| {
        encode_one(api::EvaluateRequest { candidates: vec![empty_row(); n], overrides: None, include_allocation: None })
            .unwrap()
    });
    let (n_summary, summary) =
        fill(mb, |n| encode_one(api::ProposalSummaryRequest { candidates: vec![empty_row(); n], plan: None }).unwrap());
    let base: api::Evaluation = {
        let req =
            api::EvaluateRequest { candidates: vec![argentina(1)], overrides: None, include_allocation: Some(true) };
        let r: api::Result<api::Evaluation> = query(&mut h, "evaluate_candidates", &encode_one(req).unwrap());
        r.unwrap()
    };
    let (n_groups, groups) = fill(mb, |n| {
        let mut e = base.clone();
        e.certificate.subnets = vec![api::SubnetMultipliers { subnets: vec![], size: 0, values: vec![] }; n];
        encode_one(e).unwrap()
    });
    let (n_allocations, allocations) = fill(mb, |n| {
        let mut e = base.clone();
        let empty = api::SubnetAllocation {
            subnet_type: String::new(),
            subnet_id: None,
            synthetic: 0,
            nakamoto: vec![],
            nodes: vec![],
        };
        e.allocation = Some(vec![empty; n]);
        encode_one(e).unwrap()
    });
    let queries = [
        ("evaluate_candidates", format!("{n_rows} empty candidate rows"), &rows),
        ("proposal_summary", format!("{n_summary} empty candidate rows"), &summary),
        ("verify_evaluation", format!("{n_groups} empty certificate groups"), &groups),
        ("verify_evaluation", format!("{n_allocations} empty subnet allocations"), &allocations),
    ];
    // Within verify_evaluation's byte cap: stopped by its decoding quota.
    let (n_within, within) = fill(512 * 1024, |n| {
        let mut e = base.clone();
        e.certificate.subnets = vec![api::SubnetMultipliers { subnets: vec![], size: 0, values: vec![] }; n];
        encode_one(e).unwrap()
    });
    let reject = h.query("verify_evaluation", &within).unwrap_err();
    assert!(reject.message.contains("quota") || reject.message.contains("decode"), "{reject:?}");
    check_within(
        &mut report,
        &format!("verify_evaluation, {n_within} empty certificate groups ({} bytes): decoding quota", within.len()),
        h.last_instructions(),
        VERIFY_BOUND,
    );
    for (method, what, arg) in &queries {
        let refusal = h.query(method, arg);
        match &refusal {
            Ok(reply) => assert!(refused(reply), "{method}: accepted"),
            Err(reject) => assert!(!reject.message.contains("exceeded the limit"), "{method}: {reject:?}"),
        }
        check(&mut report, &format!("{method}, {what} ({} bytes), query", arg.len()), h.last_instructions());
    }
    report.write("Hostile calls: the cost of each refusal");
}

/// Strangers cannot reach admin methods through inspection, and the quotas
/// leave room for valid arguments: the largest valid chunk still uploads.
#[test]
#[cfg_attr(not(canister_wasm), ignore = "needs target/canister/topology.wasm (bash scripts/build.sh)")]
fn the_quotas_admit_valid_arguments() {
    let Some(wasm) = wasm() else { return };
    let mut h = host(&wasm, None);
    let (nodes, _) =
        ic_topology::files::parse_nodes_csv(include_str!("../../defaults/generated/nodes.csv"), "nodes.csv").unwrap();
    let nodes: Vec<api::Node> = nodes.into_iter().map(to_api).collect();
    let begin = api::BeginSnapshotRequest { registry_version: 1, timestamp_nanos: 1, node_count: nodes.len() as u64 };
    let r: api::Result<()> = update(&mut h, "begin_snapshot_upload", &encode_one(begin).unwrap());
    r.unwrap();
    // All 1,425 default nodes in one chunk (the cap is 2,000).
    let r: api::Result<u64> = update(&mut h, "upload_snapshot_nodes", &encode_one(nodes.clone()).unwrap());
    assert_eq!(r.unwrap(), nodes.len() as u64);
    println!("upload_snapshot_nodes, 1,425 nodes in one chunk: {} instructions", h.last_instructions());
    let r: api::Result<api::SnapshotInfo> = update(&mut h, "commit_snapshot_upload", &encode_args(()).unwrap());
    r.unwrap();
    // A full evaluation with its allocation verifies.
    let req = api::EvaluateRequest { candidates: vec![argentina(6)], overrides: None, include_allocation: Some(true) };
    let e: api::Result<api::Evaluation> = query(&mut h, "evaluate_candidates", &encode_one(req).unwrap());
    let bytes = encode_one(e.unwrap()).unwrap();
    let cost = topology_canister::guard::decoding_cost::<(api::Evaluation,)>(&bytes);
    println!("a valid evaluation with its allocation: {} bytes, decoding cost {cost}", bytes.len());
    let report: api::Result<api::VerificationReport> = query(&mut h, "verify_evaluation", &bytes);
    report.unwrap();
    println!("verify_evaluation of it: {} instructions", h.last_instructions());
    let nodes_bytes = encode_one(nodes).unwrap();
    let cost = topology_canister::guard::decoding_cost::<(Vec<api::Node>,)>(&nodes_bytes);
    println!("1,425 default nodes: {} bytes, decoding cost {cost}", nodes_bytes.len());
}

/// Security review, finding 8: upgrade arguments were silently ignored. Absent
/// keeps everything; a configuration is applied as update_configuration
/// applies it; anything else fails the upgrade, which keeps the old state.
#[test]
#[cfg_attr(not(canister_wasm), ignore = "needs target/canister/topology.wasm (bash scripts/build.sh)")]
fn upgrade_arguments_are_read() {
    let Some(wasm) = wasm() else { return };
    let mut h = installed(&wasm);
    let config = |h: &mut Host| -> api::Configuration { query(h, "get_configuration", &encode_args(()).unwrap()) };
    let before = config(&mut h);

    // No argument, or null: everything kept.
    h.upgrade(&wasm, &encode_args(()).unwrap()).unwrap();
    assert_eq!(config(&mut h), before);
    h.upgrade(&wasm, &encode_one(None::<api::InitArgs>).unwrap()).unwrap();
    assert_eq!(config(&mut h), before);

    // Garbage fails the upgrade with a clear message; the state is the old one.
    let e = h.upgrade(&wasm, b"garbage").unwrap_err();
    assert!(e.contains("upgrade argument"), "{e}");
    let e = h.upgrade(&wasm, &encode_one(42u64).unwrap()).unwrap_err();
    assert!(e.contains("upgrade argument"), "{e}");
    assert_eq!(config(&mut h), before);

    // An invalid configuration fails the upgrade too.
    let bad = api::InitArgs {
        topology: None,
        configuration: Some(api::ConfigurationUpdate { sync_interval_seconds: Some(1), ..Default::default() }),
    };
    let e = h.upgrade(&wasm, &encode_one(Some(bad)).unwrap()).unwrap_err();
    assert!(e.contains("sync_interval_seconds"), "{e}");
    assert_eq!(config(&mut h), before);

    // An init-style configuration is applied.
    let args = api::InitArgs {
        topology: None,
        configuration: Some(api::ConfigurationUpdate { synthetic_countries: Some(5), ..Default::default() }),
    };
    h.upgrade(&wasm, &encode_one(Some(args)).unwrap()).unwrap();
    let after = config(&mut h);
    assert_eq!(after.settings.synthetic_countries, 5);
    assert_ne!(after.sha256, before.sha256);
}

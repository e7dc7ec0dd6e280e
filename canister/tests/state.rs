//! The canister's state logic, natively: the same answers as the engine,
//! admin methods for controllers only, every caller mistake an Err that
//! changes nothing.

use candid::Principal;
use ic_topology::evaluate;
use ic_topology::files;
use topology_canister::api::{self, Error};
use topology_canister::state::{self, Env, State};

struct Fake {
    caller: Principal,
    controllers: Vec<Principal>,
}

impl Env for Fake {
    fn caller(&self) -> Principal {
        self.caller
    }
    fn is_controller(&self, p: &Principal) -> bool {
        self.controllers.contains(p)
    }
    fn instructions(&self) -> u64 {
        0
    }
}

fn controller() -> Fake {
    let c = Principal::from_slice(&[1; 29]);
    Fake { caller: c, controllers: vec![c] }
}

fn stranger() -> Fake {
    Fake { caller: Principal::from_slice(&[2; 29]), controllers: vec![Principal::from_slice(&[1; 29])] }
}

fn default_nodes() -> Vec<api::Node> {
    let text = include_str!("../../defaults/generated/nodes.csv");
    let (nodes, _) = files::parse_nodes_csv(text, "defaults/generated/nodes.csv").unwrap();
    nodes.into_iter().map(ic_topology::api::Node::from).collect()
}

fn loaded() -> State {
    let mut s = State::open();
    s.init(api::InitArgs::default()).unwrap();
    let env = controller();
    let nodes = default_nodes();
    s.begin_snapshot_upload(
        &env,
        api::BeginSnapshotRequest { registry_version: 42, timestamp_nanos: 7, node_count: nodes.len() as u64 },
    )
    .unwrap();
    for chunk in nodes.chunks(500) {
        s.upload_snapshot_nodes(&env, chunk.to_vec()).unwrap();
    }
    s.commit_snapshot_upload(&env).unwrap();
    s
}

fn argentina(n: u32) -> api::CandidateRow {
    api::CandidateRow {
        node_provider: "Lionel Messi".into(),
        data_center: "Buenos Aires 1".into(),
        data_center_provider: "Peron Corporation".into(),
        country: "AR".into(),
        is_sev: true,
        no_nodes: n,
    }
}

fn request(candidates: Vec<api::CandidateRow>) -> api::EvaluateRequest {
    api::EvaluateRequest { candidates, overrides: None, include_allocation: Some(true) }
}

#[test]
fn not_ready_before_a_snapshot() {
    let mut s = State::open();
    s.init(api::InitArgs::default()).unwrap();
    let err = s.evaluate_candidates(&stranger(), request(vec![])).unwrap_err();
    assert!(matches!(err, Error::NotReady { .. }), "{err:?}");
}

#[test]
fn evaluation_equals_the_engine_on_the_same_inputs() {
    let s = loaded();
    let answer = s.evaluate_candidates(&stranger(), request(vec![argentina(6)])).unwrap();
    // The engine, natively, on the files the snapshot came from.
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../defaults/generated/config.json");
    let loaded = files::load_config(&config).unwrap();
    let candidates = vec![ic_topology::inputs::CandidateRow::from(&argentina(6))];
    let (_, ev) = evaluate::evaluate(&loaded.inputs, &candidates, topology_canister::state::QUERY_BUDGET);
    assert_eq!(answer.objective, ev.solution.objective);
    assert_eq!(answer.baseline_objective, ev.baseline_objective);
    assert_eq!(answer.reduction, ev.reduction);
    assert_eq!(answer.optimal_deployment_size, ev.optimal_deployment_size);
    let curve: Vec<Option<u32>> = answer.curve.iter().map(|p| p.objective).collect();
    let native: Vec<Option<u32>> = ev.curve.iter().map(|p| p.objective).collect();
    assert_eq!(curve, native);
    assert_eq!((answer.baseline_objective, answer.objective), (Some(4), Some(3)));
    assert_eq!(answer.verdict, Some(api::Verdict::Diminishing));
    assert_eq!(answer.registry_version, 42);
    // The same records, so the same configuration digest as the command line.
    assert_eq!(answer.configuration_sha256, ic_topology::digest::configuration_digest(&loaded.inputs));
    assert_eq!(answer.certificate.denominator, ev.solution.certificate.denominator);
    assert!(answer.certificate_is_tight);
    let allocation = answer.allocation.unwrap();
    assert_eq!(allocation.len(), 70);
    assert_eq!(allocation.iter().map(|s| s.synthetic).sum::<u32>(), 3);
}

#[test]
fn admin_methods_refuse_non_controllers_and_change_nothing() {
    let mut s = loaded();
    let before = (s.topology(), s.configuration(), s.snapshot_info());
    let env = stranger();
    let e = s.set_topology(&env, api::SetTopologyRequest { subnets: vec![], proposal: 1 }).unwrap_err();
    assert!(matches!(&e, Error::Unauthorized { method, .. } if method == "set_topology"), "{e:?}");
    let e = s.update_configuration(&env, api::ConfigurationUpdate::default()).unwrap_err();
    assert!(matches!(e, Error::Unauthorized { .. }));
    assert!(matches!(s.set_pipeline(&env, vec![]).unwrap_err(), Error::Unauthorized { .. }));
    let req = api::BeginSnapshotRequest { registry_version: 1, timestamp_nanos: 1, node_count: 1 };
    assert!(matches!(s.begin_snapshot_upload(&env, req).unwrap_err(), Error::Unauthorized { .. }));
    assert!(matches!(s.upload_snapshot_nodes(&env, vec![]).unwrap_err(), Error::Unauthorized { .. }));
    assert!(matches!(s.commit_snapshot_upload(&env).unwrap_err(), Error::Unauthorized { .. }));
    assert_eq!(before, (s.topology(), s.configuration(), s.snapshot_info()));
}

#[test]
fn bad_requests_name_the_field() {
    let s = loaded();
    let env = stranger();
    let field_of = |e: Error| match e {
        Error::InvalidArgument { field, .. } => field,
        other => panic!("{other:?}"),
    };
    let mut bad = argentina(1);
    bad.country = " AR".into();
    assert_eq!(field_of(s.evaluate_candidates(&env, request(vec![bad])).unwrap_err()), "candidates[0].country");
    assert_eq!(
        field_of(s.evaluate_candidates(&env, request(vec![argentina(0)])).unwrap_err()),
        "candidates[0].no_nodes"
    );
    assert_eq!(field_of(s.evaluate_candidates(&env, request(vec![argentina(33)])).unwrap_err()), "candidates");
    assert_eq!(field_of(s.evaluate_candidates(&env, request(vec![argentina(1); 17])).unwrap_err()), "candidates");
    let mut r = request(vec![]);
    r.overrides = Some(api::SettingsOverride { synthetic_countries: Some(1000), ..Default::default() });
    assert_eq!(field_of(s.evaluate_candidates(&env, r).unwrap_err()), "overrides.synthetic_countries");
    let page = api::ListNodesRequest {
        node_provider: None,
        country: None,
        data_center: None,
        subnet_id: None,
        start_after: None,
        limit: Some(0),
    };
    assert_eq!(field_of(s.list_nodes(page).unwrap_err()), "limit");
}

#[test]
fn invalid_admin_changes_are_refused_whole() {
    let mut s = loaded();
    let env = controller();
    let before = (s.topology(), s.configuration());
    let mut subnets = s.topology().subnets;
    subnets[3].limit_country = 0;
    let e = s.set_topology(&env, api::SetTopologyRequest { subnets, proposal: 1 }).unwrap_err();
    assert!(matches!(&e, Error::InvalidArgument { field, .. } if field == "subnets[3].limit_country"), "{e:?}");
    let update = api::ConfigurationUpdate {
        sev_providers: Some(vec!["Fine".into()]),
        special_limits: Some(Some(vec![api::SpecialLimit {
            scope: api::SpecialLimitScope::SubnetType("No Such Subnet".into()),
            attribute: api::Attribute::NodeProvider,
            value: "DFINITY".into(),
            count: 1,
            op: api::LimitOp::AtMost,
        }])),
        ..Default::default()
    };
    let e = s.update_configuration(&env, update).unwrap_err();
    assert!(matches!(&e, Error::InvalidArgument { field, .. } if field == "special_limits"), "{e:?}");
    assert_eq!(before, (s.topology(), s.configuration()));
}

#[test]
fn configuration_updates_are_partial_and_change_the_answer() {
    let mut s = loaded();
    let env = controller();
    let before = s.evaluate_candidates(&env, request(vec![])).unwrap();
    s.update_configuration(&env, api::ConfigurationUpdate { synthetic_countries: Some(8), ..Default::default() })
        .unwrap();
    let c = s.configuration();
    assert_eq!(c.settings.synthetic_countries, 8);
    assert!(c.settings.enforce_health, "other settings are kept");
    let after = s.evaluate_candidates(&env, request(vec![])).unwrap();
    assert_ne!(before.configuration_sha256, after.configuration_sha256);
    // An override per request is echoed back and does not change the configuration.
    let mut r = request(vec![]);
    r.overrides = Some(api::SettingsOverride { enforce_health: Some(false), ..Default::default() });
    let answer = s.evaluate_candidates(&env, r.clone()).unwrap();
    assert_eq!(answer.overrides, r.overrides);
    assert!(!answer.settings.enforce_health);
    assert!(s.configuration().settings.enforce_health);
}

/// The reading of special limits is configured, echoed in the settings of
/// every answer, and `by_subnet_id` refuses subnet-type scopes by name.
#[test]
fn special_limits_reading_is_configured_and_checked() {
    let mut s = loaded();
    let env = controller();
    let before = s.evaluate_candidates(&env, request(vec![])).unwrap();
    // The default reading is absent from the settings, as releases before the setting answered.
    assert_eq!(before.settings.special_limits_reading, None);
    let by_type = api::ConfigurationUpdate {
        special_limits_reading: Some(api::SpecialLimitsReading::BySubnetId),
        special_limits: Some(Some(vec![api::SpecialLimit {
            scope: api::SpecialLimitScope::SubnetType("NNS".into()),
            attribute: api::Attribute::NodeProvider,
            value: "DFINITY".into(),
            count: 3,
            op: api::LimitOp::Exactly,
        }])),
        ..Default::default()
    };
    let e = s.update_configuration(&env, by_type).unwrap_err();
    assert!(
        matches!(&e, Error::InvalidArgument { field, reason } if field == "special_limits_reading" && reason.contains("NNS")),
        "{e:?}"
    );
    let by_id = api::ConfigurationUpdate {
        special_limits_reading: Some(api::SpecialLimitsReading::BySubnetId),
        ..Default::default()
    };
    s.update_configuration(&env, by_id).unwrap();
    let answer = s.evaluate_candidates(&env, request(vec![])).unwrap();
    assert_eq!(answer.settings.special_limits_reading, Some(api::SpecialLimitsReading::BySubnetId));
    assert_ne!(before.configuration_sha256, answer.configuration_sha256);
}

#[test]
fn nodes_page_and_filter() {
    let s = loaded();
    let page = |start_after: Option<String>, country: Option<&str>| api::ListNodesRequest {
        node_provider: None,
        country: country.map(String::from),
        data_center: None,
        subnet_id: None,
        start_after,
        limit: Some(100),
    };
    let mut all = Vec::new();
    let mut next = None;
    loop {
        let p = s.list_nodes(page(next, None)).unwrap();
        all.extend(p.nodes);
        next = p.next;
        if next.is_none() {
            break;
        }
    }
    assert_eq!(all.len(), 1425);
    assert!(all.windows(2).all(|w| w[0].node_id < w[1].node_id));
    let ch = s.list_nodes(page(None, Some("CH"))).unwrap();
    assert!(!ch.nodes.is_empty());
    assert!(ch.nodes.iter().all(|n| n.region.split(',').nth(1) == Some("CH")));
}

#[test]
fn an_upload_with_the_wrong_count_is_not_committed() {
    let mut s = loaded();
    let env = controller();
    let info = s.snapshot_info();
    let nodes = default_nodes();
    s.begin_snapshot_upload(
        &env,
        api::BeginSnapshotRequest { registry_version: 43, timestamp_nanos: 8, node_count: 10 },
    )
    .unwrap();
    s.upload_snapshot_nodes(&env, nodes[..5].to_vec()).unwrap();
    let e = s.commit_snapshot_upload(&env).unwrap_err();
    assert!(matches!(&e, Error::InvalidArgument { field, .. } if field == "upload"), "{e:?}");
    let e = s.upload_snapshot_nodes(&env, nodes[..5].to_vec()).unwrap_err();
    assert!(matches!(&e, Error::InvalidArgument { field, .. } if field == "nodes[0].node_id"), "{e:?}");
    assert_eq!(s.snapshot_info(), info);
}

/// Security review, finding 5: look-alike text counted as new values (a Cyrillic
/// `СН`, `C\u{200b}H` or `CH\0` turned a reduction of 0 into one_for_one).
/// Each is refused now, naming the field and what it resembles.
#[test]
fn look_alike_text_is_refused() {
    let s = loaded();
    let env = controller();
    let swiss = |country: &str| api::CandidateRow { country: country.into(), ..argentina(1) };
    for country in ["СН", "C\u{200b}H", "CH\0", "C\u{202e}H", "ch"] {
        let r = s.evaluate_candidates(&env, request(vec![swiss(country)]));
        assert!(
            matches!(&r, Err(Error::InvalidArgument { field, .. }) if field == "candidates[0].country"),
            "{country:?}: {r:?}"
        );
    }
    let Err(Error::InvalidArgument { reason, .. }) = s.evaluate_candidates(&env, request(vec![swiss("СН")])) else {
        panic!()
    };
    assert!(reason.contains("did you mean CH?"), "{reason}");
    assert!(s.evaluate_candidates(&env, request(vec![swiss("CH")])).is_ok());
    // The registry's code for the United Kingdom.
    assert!(s.evaluate_candidates(&env, request(vec![swiss("UK")])).is_ok());

    // A provider name that resembles an existing one without being it.
    let existing = s.derived_state().unwrap().inputs.nodes[0].node_provider_name.clone();
    let look_alike = existing.to_lowercase().replace('o', "о"); // Cyrillic о
    if look_alike != existing {
        let row = api::CandidateRow { node_provider: look_alike, ..argentina(1) };
        let r = s.evaluate_candidates(&env, request(vec![row]));
        assert!(
            matches!(&r, Err(Error::InvalidArgument { field, reason }) if field == "candidates[0].node_provider" && reason.contains(&existing)),
            "{r:?}"
        );
    }
    // The existing name itself is fine.
    let row = api::CandidateRow { node_provider: existing, ..argentina(1) };
    assert!(s.evaluate_candidates(&env, request(vec![row])).is_ok());
    // Decomposed text is normalised: the same key as its NFC form.
    let nfd = api::CandidateRow { node_provider: "Jose\u{301} Messi".into(), ..argentina(1) };
    let nfc = api::CandidateRow { node_provider: "Jos\u{e9} Messi".into(), ..argentina(1) };
    let a = s.proposal_summary(&env, api::ProposalSummaryRequest { candidates: vec![nfd], plan: None }).unwrap();
    let b = s.proposal_summary(&env, api::ProposalSummaryRequest { candidates: vec![nfc], plan: None }).unwrap();
    assert_eq!(a.publication_key, b.publication_key);
}

/// Security review, finding 7: pipeline node ids were not validated, and the
/// canister's own evaluations then failed its own verify_evaluation.
#[test]
fn pipeline_node_ids_are_validated() {
    let mut s = loaded();
    let env = controller();
    let registry_id = s.derived_state().unwrap().inputs.nodes[0].node_id.clone();
    let planned = |id: Option<&str>| api::PlannedNode {
        node_id: id.map(String::from),
        node_provider: "Lionel Messi".into(),
        data_center: "Buenos Aires 1".into(),
        data_center_provider: "Peron Corporation".into(),
        country: "AR".into(),
        is_sev: true,
    };
    let long = "x".repeat(1_000_000);
    for (i, bad) in [
        vec![planned(Some(""))],
        vec![planned(Some("n1")), planned(Some("n1"))],
        vec![planned(Some(&long))],
        vec![planned(Some(&registry_id))],
        vec![planned(None), planned(Some("pipeline-1"))],
        vec![planned(Some("synthetic-C1-0-0"))],
        vec![planned(Some("candidate-0"))],
        vec![planned(Some("n\u{200b}1"))],
    ]
    .into_iter()
    .enumerate()
    {
        let r = s.set_pipeline(&env, bad);
        assert!(
            matches!(&r, Err(Error::InvalidArgument { field, .. }) if field.ends_with("].node_id")),
            "case {i}: {r:?}"
        );
    }
    s.set_pipeline(&env, vec![planned(Some("n1")), planned(None), planned(Some("n2"))]).unwrap();
    // The canister's own evaluation verifies.
    let e = s.evaluate_candidates(&env, request(vec![argentina(2)])).unwrap();
    let report = s.verify_evaluation(&env, e).unwrap();
    assert!(report.verified, "{report:?}");
}

/// Security review, finding 6: every configuration list has a count cap.
#[test]
fn configuration_lists_have_caps() {
    let mut s = loaded();
    let env = controller();
    let before = s.configuration();
    let cordons = vec![api::Cordon { feature: api::CordonedFeature::NodeId, value: "x".into() }; 1_001];
    let r = s.update_configuration(&env, api::ConfigurationUpdate { cordons: Some(cordons), ..Default::default() });
    assert!(matches!(&r, Err(Error::InvalidArgument { field, .. }) if field == "cordons"), "{r:?}");
    let names = (0..2_001u32)
        .map(|i| api::ProviderName { provider: Principal::from_slice(&i.to_le_bytes()), name: format!("p{i}") })
        .collect();
    let r =
        s.update_configuration(&env, api::ConfigurationUpdate { provider_names: Some(names), ..Default::default() });
    assert!(matches!(&r, Err(Error::InvalidArgument { field, .. }) if field == "provider_names"), "{r:?}");
    assert_eq!(s.configuration(), before);
}

/// The cost cap: a request its count puts over the cap is refused before it
/// solves, naming the cap and the most candidate nodes the snapshot takes, and
/// that many are then taken; the count is the engine's, on the derived model.
#[test]
fn a_request_over_the_cost_cap_is_refused_with_the_most_it_takes() {
    let s = loaded();
    let env = stranger();
    let most_synthetic =
        Some(api::SettingsOverride { synthetic_countries: Some(state::MAX_SYNTHETIC_COUNTRIES), ..Default::default() });
    let over = api::EvaluateRequest {
        candidates: vec![argentina(32)],
        overrides: most_synthetic.clone(),
        include_allocation: None,
    };
    let reason = match s.evaluate_candidates(&env, over).unwrap_err() {
        Error::InvalidArgument { field, reason } if field == "candidates" => reason,
        other => panic!("{other:?}"),
    };
    assert!(reason.contains("cost cap") && reason.contains("with these overrides"), "{reason}");
    let most: u32 = reason.split("at most ").nth(1).and_then(|t| t.split(' ').next()).unwrap().parse().unwrap();
    assert!((1..32).contains(&most), "{reason}");
    // That many are evaluated; one more is refused.
    let at = |n| api::EvaluateRequest {
        candidates: vec![argentina(n)],
        overrides: most_synthetic.clone(),
        include_allocation: None,
    };
    let answer = s.evaluate_candidates(&env, at(most));
    assert!(!matches!(answer, Err(Error::InvalidArgument { .. })), "{answer:?}");
    assert!(matches!(s.evaluate_candidates(&env, at(most + 1)), Err(Error::InvalidArgument { .. })));
    // Without overrides the baseline is cached and 32 nodes fit on this network.
    assert!(s.evaluate_candidates(&env, request(vec![argentina(32)])).is_ok());
    // The count is the engine's: the same refusal as ic_topology::export decides.
    let inputs = &s.derived_state().unwrap().inputs;
    let base = ic_topology::model::build(inputs, &[]);
    let mut settings = inputs.settings;
    settings.synthetic_countries = state::MAX_SYNTHETIC_COUNTRIES;
    let row = ic_topology::inputs::CandidateRow::from(&argentina(most + 1));
    assert_eq!(ic_topology::canister_profile::canister_full_solves(&base, settings, &[row], false), None);
    let row = ic_topology::inputs::CandidateRow::from(&argentina(most));
    assert!(ic_topology::canister_profile::canister_full_solves(&base, settings, &[row], false).is_some());
}

/// An upload may announce at most MAX_SNAPSHOT_NODES nodes (its commit is one
/// message); one more is refused naming `node_count`, and nothing changes.
#[test]
fn an_upload_over_the_snapshot_cap_is_refused() {
    let mut s = loaded();
    let env = controller();
    let before = s.snapshot_info();
    let over = api::BeginSnapshotRequest {
        registry_version: 50,
        timestamp_nanos: 9,
        node_count: state::MAX_SNAPSHOT_NODES + 1,
    };
    match s.begin_snapshot_upload(&env, over).unwrap_err() {
        Error::InvalidArgument { field, reason } => {
            assert_eq!(field, "node_count");
            assert!(reason.contains(&state::MAX_SNAPSHOT_NODES.to_string()), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.snapshot_info(), before);
    let at =
        api::BeginSnapshotRequest { registry_version: 50, timestamp_nanos: 9, node_count: state::MAX_SNAPSHOT_NODES };
    s.begin_snapshot_upload(&env, at).unwrap();
}

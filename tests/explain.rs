//! Infeasible answers explain themselves: the infeasibility (Farkas)
//! certificate is checked in exact integers, a tampered one is rejected, and
//! the rows it names are said in words.

use ic_topology::check;
use ic_topology::explain;
use ic_topology::files;
use ic_topology::inputs::*;
use ic_topology::model::{self, Model};
use ic_topology::solve::{self, Budget, Solution, Status};
use std::path::Path;

#[path = "support/oracles.rs"]
mod oracles;

fn node(i: usize, provider: &str, dc: &str, country: &str) -> RegistryNode {
    RegistryNode {
        node_id: format!("node-{i}"),
        node_provider_name: provider.into(),
        node_provider_id: format!("id-{provider}"),
        node_operator_id: format!("op-{provider}"),
        data_center: dc.into(),
        data_center_provider: format!("owner-{dc}"),
        region: format!("Europe,{country},Town"),
        node_type: Some("REPLICA".into()),
        status: "UP".into(),
        subnet_id: None,
    }
}

fn inputs(nodes: Vec<RegistryNode>, topology: Vec<SubnetSpec>, synthetic_countries: u32, minimum: bool) -> Inputs {
    Inputs {
        settings: Settings {
            rules: RuleSet::Y2025,
            synthetic_countries,
            enforce_sev: false,
            enforce_health: false,
            enforce_blacklist: false,
            enforce_per_provider_minimum: minimum,
            special_limits_reading: Default::default(),
            spare_node_ratio: None,
        },
        nodes,
        pipeline: vec![],
        topology,
        sev_providers: vec![],
        cordons: vec![],
        clusters: vec![],
        special_limits: None,
        country_restrictions: None,
        warnings: vec![],
    }
}

fn application(n: usize, size: u32) -> Vec<SubnetSpec> {
    (0..n)
        .map(|_| SubnetSpec {
            subnet_type: "Application".into(),
            subnet_id: None,
            size,
            is_sev: false,
            limits: [1, 1, 1, 2],
        })
        .collect()
}

/// 100 Application subnets of 2 nodes, 70 DFINITY nodes (one per data
/// center) and 200 synthetic nodes: seats enough, but DFINITY must be in
/// every subnet exactly once (2025 rules).
fn dfinity_short_inputs() -> Inputs {
    let nodes = (0..70).map(|i| node(i, "DFINITY Stiftung", &format!("df{i}"), "CH")).collect();
    inputs(nodes, application(100, 2), 10, false)
}

fn dfinity_short() -> Model {
    model::build(&dfinity_short_inputs(), &[])
}

fn infeasible(model: &Model) -> Solution {
    let s = solve::solve(model, Budget::default());
    assert_eq!(s.status, Status::Infeasible);
    assert_eq!((s.objective, s.upper_bound, s.lower_bound), (None, None, 0), "an infeasible answer carries no bound");
    assert!(s.allocation.is_none());
    s
}

#[test]
fn seventy_dfinity_nodes_for_a_hundred_subnets_are_explained() {
    let model = dfinity_short();
    let s = infeasible(&model);
    let cert = s.infeasibility.expect("an infeasibility certificate");
    let bound = check::check_infeasibility_certificate(&model, &cert).unwrap();
    assert_eq!(bound.numerator, 30, "100 needed, 70 usable");
    let lines = explain::infeasibility(&model, &cert).unwrap();
    assert_eq!(
        lines,
        vec![
            "node provider DFINITY must have exactly 1 node(s) in each of 100 Application subnets (100 in all)",
            "DFINITY has 70 usable node(s) that these subnets may take",
            "so at least 30 node(s) are missing, even with every synthetic node",
        ],
    );
}

#[test]
fn a_tampered_infeasibility_certificate_is_rejected() {
    let model = dfinity_short();
    let cert = infeasible(&model).infeasibility.unwrap();
    // Drop DFINITY's class rows: the remaining row alone holds (it has nodes enough with
    // the bounds of each class's variables), so the multipliers prove nothing.
    let mut forged = cert.clone();
    forged.classes.clear();
    let err = check::check_infeasibility_certificate(&model, &forged).unwrap_err();
    assert!(err.0.contains("not a positive bound"), "{err}");
    assert!(explain::infeasibility(&model, &forged).is_none());
    // A wrong sign on a <= row.
    let mut forged = cert.clone();
    forged.classes[0].1 = 1;
    assert!(check::check_infeasibility_certificate(&model, &forged).unwrap_err().0.contains("must be <= 0"));
    // The zero certificate proves nothing.
    let err = check::check_infeasibility_certificate(&model, &check::Certificate::zero(&model)).unwrap_err();
    assert!(err.0.contains("not a positive bound"), "{err}");
    // An empty group of subnets is invalid.
    let mut forged = cert;
    forged.subnets.push(check::SubnetMultipliers { subnets: vec![], size: 1, values: vec![] });
    let err = check::check_infeasibility_certificate(&model, &forged).unwrap_err();
    assert!(err.0.contains("names no subnet"), "{err}");
}

#[test]
fn a_feasible_model_has_no_infeasibility_certificate() {
    // 65 subnets: DFINITY's 70 nodes suffice.
    let nodes = (0..70).map(|i| node(i, "DFINITY Stiftung", &format!("df{i}"), "CH")).collect();
    let model = model::build(&inputs(nodes, application(65, 2), 10, false), &[]);
    let s = solve::solve(&model, Budget::default());
    assert_eq!(s.status, Status::Optimal);
    assert!(s.infeasibility.is_none());
    assert!(solve::infeasibility_certificate(&model, &mut Default::default()).is_none());
}

#[test]
fn a_topology_with_no_subnets_is_explained() {
    // The 2025 per-provider minimum: a provider with 4 usable nodes must get one, and no subnet exists.
    let nodes = (0..4).map(|i| node(i, "Acme", &format!("a{i}"), "DE")).collect();
    let model = model::build(&inputs(nodes, vec![], 1, true), &[]);
    let cert = infeasible(&model).infeasibility.expect("an infeasibility certificate");
    let lines = explain::infeasibility(&model, &cert).unwrap();
    assert!(lines[0].starts_with("the target topology has no subnets"), "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("provider Acme must have at least one node assigned")), "{lines:?}");
}

#[test]
fn the_2023_snapshot_under_the_2025_rules_is_explained() {
    let Some(d) = oracles::shared_data(Path::new(env!("CARGO_MANIFEST_DIR"))) else {
        println!("skipped: ../shared/data not found (the reference snapshots are only in CI)");
        return;
    };
    let mut json = oracles::december_2023(&d);
    json["rules"] = "2025".into();
    let dir = std::env::temp_dir().join(format!("ic-topology-explain-{}-2023", std::process::id()));
    let config = oracles::write(&dir, &json);
    let loaded = files::load_config(&config).unwrap_or_else(|e| panic!("{e}"));
    let model = model::build(&loaded.inputs, &[]);
    let cert = infeasible(&model).infeasibility.expect("an infeasibility certificate");
    check::check_infeasibility_certificate(&model, &cert).unwrap();
    let lines = explain::infeasibility(&model, &cert).unwrap();
    assert!(!lines.is_empty());
    // Every row it names is a row of the model: no sentence without a multiplier behind it.
    let named = cert.classes.len() + cert.provider_minimums.len();
    assert!(named > 0 || cert.subnets.iter().any(|g| g.size != 0 || !g.values.is_empty()));
    println!("{}", lines.join("\n"));
}

#[test]
fn verify_proves_an_honest_infeasible_claim_and_names_why() {
    let inputs = dfinity_short_inputs();
    let (model, evaluation) = ic_topology::evaluate::evaluate(&inputs, &[], Budget::default());
    let topology = ic_topology::digest::topology_digest(&inputs.topology);
    let configuration = ic_topology::digest::configuration_digest(&inputs);
    let claim = ic_topology::verify::claim_of(
        &model,
        &evaluation,
        &[],
        inputs.settings,
        topology.clone(),
        configuration.clone(),
    );
    assert_eq!(claim.status, Status::Infeasible);
    let v = ic_topology::verify::verify(&inputs, &topology, &configuration, &claim).unwrap();
    assert!(v.proven);
    assert!(v.summary.contains("DFINITY has 70 usable node(s)"), "{}", v.summary);
    // The same claim with its certificate removed is not verified.
    let r = ic_topology::verify::verify(
        &inputs,
        &topology,
        &configuration,
        &ic_topology::verify::Claim { infeasibility: None, ..claim.clone() },
    )
    .unwrap_err();
    assert!(r.reason.contains("without an infeasibility certificate"), "{r}");
    // Nor with a multiplier changed.
    let mut forged = claim;
    forged.infeasibility.as_mut().unwrap().subnets[0].values[0].2 = 0;
    let r = ic_topology::verify::verify(&inputs, &topology, &configuration, &forged).unwrap_err();
    assert!(r.reason.contains("not a positive bound"), "{r}");
}

#[test]
fn a_country_restricted_subnet_with_too_few_nodes_of_its_country_is_explained() {
    // The 2025 Swiss Subnet takes only CH nodes; there is one, and synthetic countries are not CH.
    let mut nodes = vec![node(0, "A", "a1", "CH")];
    nodes.extend((1..5).map(|i| node(i, &format!("P{i}"), &format!("d{i}"), "DE")));
    let topology = vec![SubnetSpec {
        subnet_type: "Swiss Subnet".into(),
        subnet_id: None,
        size: 4,
        is_sev: false,
        limits: [1, 1, 1, 4],
    }];
    let model = model::build(&inputs(nodes, topology, 1, false), &[]);
    let cert = infeasible(&model).infeasibility.unwrap();
    assert_eq!(
        explain::infeasibility(&model, &cert).unwrap(),
        vec![
            "1 Swiss Subnet must have exactly 4 nodes",
            "it admits only nodes in CH, and those, beyond the limits above, can give it at most 1 (each kind of node up to its count and the subnet's limits)",
            "so at least 3 node(s) are missing, even with every synthetic node",
        ]
    );
}

#[test]
fn per_provider_minimums_that_outnumber_the_seats_are_explained_together() {
    // Three providers with 4 usable nodes each must each get one node; the one subnet has 2 seats.
    let nodes = (0..12).map(|i| node(i, &format!("P{}", i / 4), &format!("d{i}"), &format!("C{}", i % 3))).collect();
    let model = model::build(&inputs(nodes, application(1, 2), 0, true), &[]);
    let cert = infeasible(&model).infeasibility.unwrap();
    let lines = explain::infeasibility(&model, &cert).unwrap();
    assert!(lines.contains(&"1 Application subnet must have exactly 2 nodes".to_string()), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.starts_with("each of the 3 providers P0, P1, P2 must have at least one node assigned")),
        "{lines:?}"
    );
    assert_eq!(check::check_infeasibility_certificate(&model, &cert).unwrap().numerator, 1, "{lines:?}");
}

#[test]
fn without_leave_to_solve_the_certificate_comes_from_the_lower_bound() {
    // The neighbours alone prove infeasibility (their bound exceeds every synthetic node):
    // no LP is solved, and the lower-bound certificate is turned into an infeasibility one.
    let model = dfinity_short();
    let neighbour = solve::Neighbour::new(&model, &infeasible(&model));
    let quick = solve::solve_near(&model, Budget::default(), &[&neighbour], false);
    assert_eq!(quick.status, Status::Infeasible);
    assert_eq!(quick.work.lp_solves, 0);
    let cert = quick.infeasibility.expect("an infeasibility certificate");
    assert!(check::check_infeasibility_certificate(&model, &cert).unwrap().numerator > 0);
    assert!(!explain::infeasibility(&model, &cert).unwrap().is_empty());
}

#[test]
fn the_candid_evaluation_carries_the_certificate_to_verify_evaluation() {
    // The canister's path: engine evaluation -> api::Evaluation (Candid bytes) -> claim -> verify.
    use ic_topology::api::{self, convert};
    let inputs = dfinity_short_inputs();
    let (model, evaluation) = ic_topology::evaluate::evaluate(&inputs, &[], Budget::default());
    let topology = ic_topology::digest::topology_digest(&inputs.topology);
    let configuration = ic_topology::digest::configuration_digest(&inputs);
    let request = api::EvaluateRequest { candidates: vec![], overrides: None, include_allocation: Some(true) };
    let out = convert::evaluation(
        &model,
        &evaluation,
        request,
        inputs.settings,
        1,
        topology.clone(),
        configuration.clone(),
        0,
    );
    assert_eq!(out.lower_bound, 0, "an infeasible answer carries no bound");
    let explanation = out.infeasibility_explanation.clone().expect("the sentences");
    assert!(explanation.iter().any(|l| l.starts_with("DFINITY has 70 usable node(s)")), "{explanation:?}");
    let bytes = candid::encode_one(&out).unwrap();
    let decoded: api::Evaluation = candid::decode_one(&bytes).unwrap();
    let verify = |e: &api::Evaluation| {
        ic_topology::verify::verify(&inputs, &topology, &configuration, &convert::claim_in(e).unwrap())
    };
    assert!(verify(&decoded).unwrap().proven);
    let stripped = api::Evaluation { infeasibility_certificate: None, ..decoded };
    let r = verify(&stripped).unwrap_err();
    assert!(r.reason.contains("without an infeasibility certificate"), "{r}");
}

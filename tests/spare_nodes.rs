//! `spare_node_ratio`: the reference's hand case (its tests/spare_capacity.py,
//! branch nim-spare-node-analysis), a ratio outside [0, 1] refused, and the
//! October 2025 network's ObjectiveValue under the rule.

use ic_topology::check;
use ic_topology::files;
use ic_topology::inputs::{
    Attribute, Inputs, LimitOp, RegistryNode, RuleSet, SpareNodeRatio, SpecialLimit, SpecialLimitScope, SpecialLimits,
    SubnetSpec,
};
use ic_topology::plan;
use ic_topology::solve::{self, Budget, Status};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[path = "support/oracles.rs"]
mod oracles;

fn node(i: usize, provider: &str, subnet: Option<&str>) -> RegistryNode {
    RegistryNode {
        node_id: format!("node-{i:02}"),
        node_provider_name: provider.into(),
        node_provider_id: format!("principal-{provider}"),
        node_operator_id: format!("operator-{provider}"),
        data_center: "aa1".into(),
        data_center_provider: "owner".into(),
        region: "Europe,AA,City".into(),
        node_type: Some("REPLICA".into()),
        status: "UP".into(),
        subnet_id: subnet.map(String::from),
    }
}

/// test_rebalance_if_possible: an NNS subnet of 10 DFINITY nodes in aa1, 5
/// free nodes of another provider there, every limit 10 and DFINITY allowed
/// up to 1000 (the reference's special limit, to lift its "exactly 3").
fn rebalance_case(ratio: Option<f64>) -> Inputs {
    let mut settings = RuleSet::Y2025.default_settings();
    settings.synthetic_countries = 0;
    // The reference's test network leaves the per-provider minimum off.
    settings.enforce_per_provider_minimum = false;
    settings.spare_node_ratio = ratio.map(|r| SpareNodeRatio::new(r).unwrap());
    let mut nodes: Vec<RegistryNode> = (0..10).map(|i| node(i, "DFINITY", Some("subnet"))).collect();
    nodes.extend((10..15).map(|i| node(i, "Other np", None)));
    let mut special: SpecialLimits = BTreeMap::new();
    special
        .entry(SpecialLimitScope::SubnetId("subnet".into()))
        .or_default()
        .entry(Attribute::NodeProvider)
        .or_default()
        .insert("DFINITY".into(), SpecialLimit { count: 1000, op: LimitOp::AtMost });
    Inputs {
        settings,
        nodes,
        pipeline: vec![],
        topology: vec![SubnetSpec {
            subnet_type: "NNS".into(),
            subnet_id: Some("subnet".into()),
            size: 10,
            is_sev: false,
            limits: [10, 10, 10, 10],
        }],
        sev_providers: vec![],
        cordons: vec![],
        clusters: vec![],
        special_limits: Some(special),
        country_restrictions: None,
        warnings: vec![],
    }
}

/// Without the rule nothing changes; at 0.1, DFINITY may keep floor(10 x 0.9)
/// = 9 nodes in aa1, so exactly one DFINITY node leaves for one of the other
/// provider's (the reference expects that one swap: one added, one removed).
#[test]
fn rebalance_if_possible() {
    let (_, before) = plan::plan(&rebalance_case(None), &[], Budget::default()).unwrap();
    assert_eq!(before.status, Status::Optimal);
    assert_eq!(before.cost, Some(0));
    assert!(before.changes.is_empty());

    let inputs = rebalance_case(Some(0.1));
    let (pm, after) = plan::plan(&inputs, &[], Budget::default()).unwrap();
    assert_eq!(after.status, Status::Optimal);
    assert_eq!(after.cost, Some(2), "one dropped, one newly assigned");
    let limits: Vec<(String, u32)> = pm.model.spare_limits.iter().map(|l| (l.provider.clone(), l.most)).collect();
    // Other np has 5 nodes there: floor(5 x 0.9) = 4.
    assert_eq!(limits, vec![("DFINITY".to_string(), 9), ("Other np".to_string(), 4)]);
    let providers = |kind: plan::check::ChangeKind| -> Vec<String> {
        let ids: Vec<&str> = after.changes.iter().filter(|c| c.kind == kind).map(|c| c.node_id.as_str()).collect();
        inputs
            .nodes
            .iter()
            .filter(|n| ids.contains(&n.node_id.as_str()))
            .map(|n| n.node_provider_name.clone())
            .collect()
    };
    assert_eq!(providers(plan::check::ChangeKind::Dropped), vec!["DFINITY"]);
    assert_eq!(providers(plan::check::ChangeKind::NewlyAssigned), vec!["Other np"]);
    plan::check::check_plan_certificate(&pm, &after.certificate).unwrap();

    // The evaluation under the same rule: 9 + 1 fill the subnet, nothing synthetic.
    let model = ic_topology::model::build(&inputs, &[]);
    let solution = solve::solve(&model, Budget::default());
    assert_eq!(solution.objective, Some(0));
    assert_eq!(check::check_allocation(&model, solution.allocation.as_ref().unwrap()), Ok(0));
}

/// The reference computes floor(n x (1 - ratio)) in floating point: 5 nodes at
/// 0.8 give 0.9999999999999998, so 0 and no rule, where exact arithmetic gives 1.
#[test]
fn floor_is_the_reference_float_arithmetic() {
    let r = |x: f64| SpareNodeRatio::new(x).unwrap();
    assert_eq!(r(0.8).allowed(5), 0);
    assert_eq!(r(0.9).allowed(10), 0);
    assert_eq!(r(0.1).allowed(10), 9);
    assert_eq!(r(0.25).allowed(4), 3);
    assert_eq!(r(1.0).allowed(1000), 0);
    assert_eq!(r(0.0).allowed(7), 7);
}

fn write_config(name: &str, ratio: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ic-topology-spare-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("nodes.csv"),
        "node_id,node_provider_name,node_provider_id,node_operator_id,dc_id,owner,region,node_type,status,subnet_id\n",
    )
    .unwrap();
    std::fs::write(dir.join("topology.csv"), "subnet_type,subnet_id,subnet_size,is_sev,node_provider,data_center,data_center_provider,country\nApplication,s1,1,False,1,1,1,1\n").unwrap();
    let path = dir.join("config.json");
    std::fs::write(
        &path,
        format!(
            "{{\"nodes_file\": \"nodes.csv\", \"topology_file\": \"topology.csv\", \"spare_node_ratio\": {ratio}}}\n"
        ),
    )
    .unwrap();
    path
}

/// A ratio outside [0, 1] (the reference's own cases) or not a number is
/// refused, naming the key and the value.
#[test]
fn ratio_out_of_range_is_refused() {
    for (i, bad) in ["-15", "15", "-0.4", "1.2"].into_iter().enumerate() {
        let err = files::load_config(&write_config(&format!("bad-{i}"), bad)).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("spare_node_ratio") && err.contains("out of range"), "{bad}: {err}");
        let shown = bad.parse::<f64>().unwrap().to_string();
        assert!(err.contains(&shown), "{bad}: {err}");
    }
    let err = files::load_config(&write_config("text", "\"0.1\"")).map(|_| ()).unwrap_err().to_string();
    assert!(err.contains("spare_node_ratio") && err.contains("a number from 0 to 1"), "{err}");
}

/// The October 2025 network (ObjectiveValue #4's files) under the rule: the
/// reference (branch nim-spare-node-analysis, f5cb9b3, PuLP + CBC, mode
/// minimize_new_nodes, `prepare_data` and `solver_model_minimize_nodes` as
/// its `main.py` calls them) solves 0.1 to ObjectiveValue 0. At 0.25 the
/// reference's value is not known here: the solve must be optimal, its
/// allocation and certificate checked.
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn spare_node_ratio_evaluation_2025_10() {
    let Some(d) = oracles::shared_data(Path::new(env!("CARGO_MANIFEST_DIR"))) else {
        println!("skipped: ../shared/data not found (the reference snapshots are only in CI)");
        return;
    };
    for (ratio, reference) in [(0.1, Some(0)), (0.25, None)] {
        let mut json = oracles::production_2025(&d);
        json["spare_node_ratio"] = ratio.into();
        let dir = std::env::temp_dir().join(format!("ic-topology-spare-{}-prod-{ratio}", std::process::id()));
        let inputs = files::load_config(&oracles::write(&dir, &json)).unwrap().inputs;
        let model = ic_topology::model::build(&inputs, &[]);
        assert!(!model.spare_limits.is_empty());
        let solution = solve::solve(&model, Budget::default());
        assert_eq!(solution.status, Status::Optimal, "ratio {ratio}");
        let value = solution.objective.unwrap();
        if let Some(expected) = reference {
            assert_eq!(value, expected, "ratio {ratio}");
        }
        let allocation = solution.allocation.as_ref().unwrap();
        assert_eq!(check::check_allocation(&model, allocation), Ok(value));
        let bound = check::check_certificate(&model, &solution.certificate).unwrap();
        assert!(bound.ceil() >= value as i128);
    }
}

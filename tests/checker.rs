//! The checker rejects tampered allocations and certificates, each with its reason.

use ic_topology::check::{self, Allocation};
use ic_topology::inputs::*;
use ic_topology::model::{self, Model};
use ic_topology::solve::{self, Budget, Status};

/// A network small enough to reason about, with a known optimum of 3: two
/// 4-node subnets, one node per provider, data center and owner, at most two
/// per country; five real providers (one of them has two nodes), one
/// synthetic country of five synthetic providers.
fn small_network() -> Model {
    let node = |i: usize, p: &str, dc: &str, cc: &str| RegistryNode {
        node_id: format!("node-{i}"),
        node_provider_name: p.into(),
        node_provider_id: format!("id-{p}"),
        node_operator_id: format!("op-{p}"),
        data_center: dc.into(),
        data_center_provider: format!("owner-{dc}"),
        region: format!("Europe,{cc},Town"),
        node_type: Some("REPLICA".into()),
        status: "UP".into(),
        subnet_id: None,
    };
    let inputs = Inputs {
        settings: Settings {
            rules: RuleSet::Nov2024,
            synthetic_countries: 1,
            enforce_sev: false,
            enforce_health: false,
            enforce_blacklist: false,
            enforce_per_provider_minimum: false,
            special_limits_reading: Default::default(),
            spare_node_ratio: None,
        },
        nodes: vec![
            node(1, "A", "a1", "CH"),
            node(2, "A", "a2", "DE"),
            node(3, "B", "b1", "CH"),
            node(4, "C", "c1", "DE"),
            node(5, "D", "d1", "CH"),
        ],
        pipeline: vec![],
        topology: (0..2)
            .map(|_| SubnetSpec {
                subnet_type: "Application".into(),
                subnet_id: None,
                size: 4,
                is_sev: false,
                limits: [1, 1, 1, 2],
            })
            .collect(),
        sev_providers: vec![],
        cordons: vec![],
        clusters: vec![],
        special_limits: None,
        country_restrictions: None,
        warnings: vec![],
    };
    model::build(&inputs, &[])
}

fn solved() -> (Model, Allocation, check::Certificate, u32) {
    let model = small_network();
    let s = solve::solve(&model, Budget::default());
    assert_eq!(s.status, Status::Optimal);
    (model, s.allocation.unwrap(), s.certificate, s.objective.unwrap())
}

#[test]
fn the_untampered_result_is_accepted_and_tight() {
    let (model, allocation, certificate, objective) = solved();
    // Per subnet: at most 2 CH and 2 DE nodes, one per provider: the five real
    // nodes (A twice) fill 5 of 8 seats, so 3 synthetic nodes are needed.
    assert_eq!(objective, 3);
    assert_eq!(check::check_allocation(&model, &allocation), Ok(3));
    let bound = check::check_certificate(&model, &certificate).unwrap();
    assert!(bound.ceil() >= 3, "bound {bound:?}");
}

#[test]
fn an_allocation_over_a_provider_limit_is_rejected() {
    let (model, mut allocation, _, _) = solved();
    // Move provider A's node of the second subnet into the first: two of A there.
    let a_classes: Vec<u32> = (0..model.classes.len() as u32)
        .filter(|&c| model.value(Attribute::NodeProvider, model.classes[c as usize].values[0]) == "A")
        .collect();
    let second = allocation.subnets[1].iter().position(|(c, _)| a_classes.contains(c)).expect("A in subnet 2");
    let moved = allocation.subnets[1].remove(second);
    let replaced = allocation.subnets[0].iter().position(|(c, _)| !a_classes.contains(c)).unwrap();
    let out = allocation.subnets[0].remove(replaced);
    allocation.subnets[0].push(moved);
    allocation.subnets[0].sort();
    allocation.subnets[1].push(out);
    allocation.subnets[1].sort();
    let err = check::check_allocation(&model, &allocation).unwrap_err();
    assert!(err.0.contains("node_provider \"A\""), "{err}");
    assert!(err.0.contains("at most 1"), "{err}");
}

#[test]
fn an_allocation_with_a_missing_node_is_rejected() {
    let (model, mut allocation, _, _) = solved();
    allocation.subnets[0].pop();
    let err = check::check_allocation(&model, &allocation).unwrap_err();
    assert!(err.0.contains("its size is 4"), "{err}");
}

#[test]
fn an_allocation_using_a_node_twice_is_rejected() {
    let (model, mut allocation, _, _) = solved();
    // Give both subnets the same single-node class D (country CH).
    let d = (0..model.classes.len() as u32)
        .find(|&c| model.value(Attribute::NodeProvider, model.classes[c as usize].values[0]) == "D")
        .unwrap();
    for s in 0..2 {
        if !allocation.subnets[s].iter().any(|(c, _)| *c == d) {
            let i = allocation.subnets[s]
                .iter()
                .position(|(c, _)| model.classes[*c as usize].synthetic)
                .expect("a synthetic node to replace");
            allocation.subnets[s].remove(i);
            allocation.subnets[s].push((d, 1));
            allocation.subnets[s].sort();
        }
    }
    let err = check::check_allocation(&model, &allocation).unwrap_err();
    assert!(err.0.contains("class") || err.0.contains("limit"), "{err}");
}

#[test]
fn a_certificate_multiplier_with_the_wrong_sign_is_rejected() {
    let (model, _, mut certificate, _) = solved();
    let group = &mut certificate.subnets[0];
    match group.values.first_mut() {
        Some(v) => v.2 = v.2.abs() + 1,
        None => group.values.push((Attribute::Country, 0, 1)),
    }
    let err = check::check_certificate(&model, &certificate).unwrap_err();
    assert!(err.0.contains("must be <= 0"), "{err}");
}

#[test]
fn a_changed_multiplier_no_longer_proves_the_objective() {
    let (model, _, mut certificate, objective) = solved();
    // Any multipliers give a valid bound; changed ones give a weaker one.
    for g in certificate.subnets.iter_mut() {
        g.size -= 5 * certificate.denominator as i64;
    }
    let bound = check::check_certificate(&model, &certificate).unwrap();
    assert!(bound.ceil() < objective as i128, "bound {bound:?}");
}

#[test]
fn a_certificate_naming_a_missing_row_is_rejected() {
    let (model, _, mut certificate, _) = solved();
    certificate.classes.push((model.classes.len() as u32 + 7, -1));
    let err = check::check_certificate(&model, &certificate).unwrap_err();
    assert!(err.0.contains("does not exist"), "{err}");
    let (model, _, mut certificate, _) = solved();
    certificate.denominator = 0;
    assert!(check::check_certificate(&model, &certificate).unwrap_err().0.contains("denominator"));
}

#[test]
fn an_infeasible_network_is_certified_infeasible() {
    // One subnet of size 4 with country limit 1 and no synthetic countries:
    // only two countries exist, so it cannot be filled.
    let mut model = small_network();
    model.classes.retain(|c| !c.synthetic);
    for s in &mut model.subnets {
        s.limits[Attribute::Country.index()] = 1;
    }
    let s = solve::solve(&model, Budget::default());
    assert_eq!(s.status, Status::Infeasible);
    assert_eq!(s.objective, None);
    assert!(s.allocation.is_none());
}

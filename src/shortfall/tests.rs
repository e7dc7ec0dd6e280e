use super::*;
use crate::inputs::SubnetSpec;
use crate::model;
use crate::test_fixtures::{distinct_nodes, inputs, subnet};

fn swiss(size: u32) -> SubnetSpec {
    SubnetSpec {
        subnet_type: "Swiss Subnet".into(),
        subnet_id: Some("swiss".into()),
        size,
        is_sev: false,
        limits: [1, 1, 1, size],
    }
}

/// Three Swiss nodes for a Swiss subnet of five, two German nodes and one
/// synthetic country for an Application subnet of four.
fn short_network() -> Model {
    let mut nodes = distinct_nodes("ch", 3, "CH");
    nodes.extend(distinct_nodes("de", 2, "DE"));
    model::build(&inputs(nodes, vec![swiss(5), subnet("app", 4, [1, 1, 1, 4])], 1), &[])
}

#[test]
fn seats_only_real_nodes_can_take_are_left_empty_and_the_rest_is_least() {
    let model = short_network();
    assert_eq!(crate::solve::solve(&model, Budget::default()).status, Status::Infeasible);
    let answer = solve(&model, Budget::default());
    assert_eq!(answer.status, Status::Optimal);
    // The Swiss subnet gets its 3 Swiss nodes and 2 empty seats; the
    // Application subnet takes the 2 German nodes and 2 synthetic ones.
    assert_eq!((answer.seats, answer.objective), (Some(2), Some(2)));
    assert!(answer.certificate_is_tight);
    let allocation = answer.allocation.as_ref().expect("optimal");
    let checked = check_shortfall(&model, allocation, &answer.certificate).expect("checks");
    assert_eq!((checked.seats, checked.objective, checked.proven), (2, 2, true));
    let report = by_subnet(&model, allocation);
    assert_eq!(report.len(), 1);
    assert_eq!((report[0].subnet, report[0].seats, report[0].filled, report[0].size), (Some(0), 2, 3, 5));
    assert!(report[0].rules[0].contains("in CH"), "{:?}", report[0].rules);
    assert!(report[0].why.contains("only real nodes"), "{}", report[0].why);
}

#[test]
fn a_tampered_shortfall_certificate_or_allocation_is_rejected() {
    let model = short_network();
    let answer = solve(&model, Budget::default());
    let allocation = answer.allocation.clone().expect("optimal");
    // A certificate that claims more: every multiplier doubled proves a
    // different bound, or breaks a sign; either way not the claimed one.
    let mut inflated = answer.certificate.clone();
    for group in &mut inflated.subnets {
        group.size += 1000;
    }
    assert!(!check_shortfall(&model, &allocation, &inflated).is_ok_and(|c| c.bound == answer.bound));
    // An allocation with one empty seat fewer in the Swiss subnet breaks its size.
    let relaxed = relax(&model);
    let mut fewer = allocation.clone();
    let swiss = &mut fewer.subnets[0];
    let k = swiss.iter().position(|&(c, _)| c >= relaxed.first_empty).expect("an empty seat");
    swiss[k].1 -= 1;
    swiss.retain(|&(_, n)| n > 0);
    assert!(check_shortfall(&model, &fewer, &answer.certificate).is_err());
    // A certificate with a multiplier of the wrong sign is refused.
    let mut wrong = answer.certificate.clone();
    wrong.classes.push((0, 1));
    wrong.classes.sort_unstable();
    wrong.classes.dedup_by_key(|(c, _)| *c);
    if let Some(first) = wrong.classes.first_mut() {
        first.1 = 1;
    }
    assert!(check_shortfall(&model, &allocation, &wrong).is_err());
}

#[test]
fn an_exactly_limit_without_nodes_keeps_its_seat_and_costs_one_unit() {
    // 2025-style "exactly" limit: provider Only must have exactly one node in
    // each subnet, and it has one node for two subnets.
    let mut nodes = distinct_nodes("de", 6, "DE");
    nodes.push(crate::test_fixtures::node("only0", "Only", "onlydc", "onlyowner", "FR"));
    let mut inputs = inputs(nodes, vec![subnet("a", 3, [1, 1, 1, 3]), subnet("b", 3, [1, 1, 1, 3])], 1);
    let mut limits = crate::inputs::SpecialLimits::new();
    limits
        .entry(crate::inputs::SpecialLimitScope::Default)
        .or_default()
        .entry(Attribute::NodeProvider)
        .or_default()
        .insert("Only".into(), SpecialLimit { count: 1, op: LimitOp::Exactly });
    inputs.special_limits = Some(limits);
    let model = model::build(&inputs, &[]);
    assert_eq!(crate::solve::solve(&model, Budget::default()).status, Status::Infeasible);
    let answer = solve(&model, Budget::default());
    assert_eq!((answer.status, answer.seats, answer.objective), (Status::Optimal, Some(1), Some(0)));
    let report = by_subnet(&model, answer.allocation.as_ref().expect("optimal"));
    assert_eq!(report.len(), 1);
    assert!(report[0].rules[0].contains("node provider Only must have exactly 1"), "{:?}", report[0].rules);
}

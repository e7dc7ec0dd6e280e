//! The membership solver on networks small enough to know the cheapest plan by hand.

use super::*;
use crate::plan::check::{check_changes, check_plan_certificate, realize, Counts};
use crate::plan::model;
use crate::plan::parts::solve;
use crate::test_fixtures::{distinct_nodes, inputs, subnet};

/// Two Swiss and one German node, the first two members of subnet `s1` (size 2,
/// one per provider, data center and owner, two per country); the third is free.
fn network() -> crate::inputs::Inputs {
    let mut nodes = distinct_nodes("ch", 2, "CH");
    nodes.extend(distinct_nodes("de", 1, "DE"));
    nodes[0].subnet_id = Some("s1".into());
    nodes[1].subnet_id = Some("s1".into());
    inputs(nodes, vec![subnet("s1", 2, [1, 1, 1, 2])], 0)
}

/// Solve, and check the plan's changes and certificate as a verifier would.
fn solved(inputs: &crate::inputs::Inputs) -> (PlanSolution, Counts) {
    let (pm, _) = model::build(inputs, &[]).expect("a plan model");
    let s = solve(&pm, Budget::default());
    let allocation = s.allocation.as_ref().expect("a plan is found");
    let counts = check_changes(&pm, allocation, &realize(&pm, allocation)).expect("the changes check");
    let bound = check_plan_certificate(&pm, &s.certificate).expect("the certificate checks");
    assert_eq!(bound.ceil(), s.lower_bound as i128);
    (s, counts)
}

#[test]
fn subnets_that_keep_every_rule_change_nothing() {
    let (s, counts) = solved(&network());
    assert_eq!((s.status, s.lower_bound, s.upper_bound), (Status::Optimal, 0, Some(0)));
    assert_eq!(counts, Counts { synthetic: 0, dropped: 0, moved: 0, newly_assigned: 0 });
}

#[test]
fn a_down_member_is_dropped_and_a_free_node_takes_its_seat() {
    let mut i = network();
    i.nodes[0].status = "DOWN".into();
    i.settings.enforce_health = true;
    let (s, counts) = solved(&i);
    assert_eq!(counts, Counts { synthetic: 0, dropped: 1, moved: 0, newly_assigned: 1 });
    assert_eq!((s.status, s.upper_bound), (Status::Optimal, Some(counts.cost())));
    assert_eq!(counts.cost(), 2, "dropped + newly assigned");
    assert!(s.certificate_is_tight, "the certificate alone proves a cost of 2");
}

#[test]
fn a_seat_no_real_node_can_take_is_filled_by_a_synthetic_node() {
    // The German node is gone and the subnet grows to 3: two per country, so the
    // third seat cannot be Swiss; with one synthetic country it is synthetic.
    let mut i = network();
    i.nodes.pop();
    i.topology[0].size = 3;
    i.settings.synthetic_countries = 1;
    let (s, counts) = solved(&i);
    assert_eq!(counts, Counts { synthetic: 1, dropped: 0, moved: 0, newly_assigned: 1 });
    assert_eq!(s.upper_bound, Some(101), "a synthetic node is newly assigned too: 100 + 1");
}

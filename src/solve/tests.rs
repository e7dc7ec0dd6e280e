//! The solver on networks small enough to know the answer by hand.

use super::*;
use crate::check;
use crate::model;
use crate::test_fixtures::{distinct_nodes, inputs, node, subnet};

/// Two subnets of 4, one node per provider, data center and owner, at most 2 per country.
fn two_subnets() -> Vec<crate::inputs::SubnetSpec> {
    vec![subnet("s1", 4, [1, 1, 1, 2]), subnet("s2", 4, [1, 1, 1, 2])]
}

#[test]
fn a_network_that_fills_the_topology_needs_no_synthetic_node() {
    let mut nodes = distinct_nodes("ch", 4, "CH");
    nodes.extend(distinct_nodes("de", 4, "DE"));
    let model = model::build(&inputs(nodes, two_subnets(), 1), &[]);
    let s = solve(&model, Budget::default());
    assert_eq!((s.status, s.objective, s.lower_bound, s.upper_bound), (Status::Optimal, Some(0), 0, Some(0)));
    let allocation = s.allocation.expect("an optimal solve carries its allocation");
    assert_eq!(check::check_allocation(&model, &allocation), Ok(0));
}

#[test]
fn the_country_limit_is_made_up_with_synthetic_nodes_and_the_certificate_proves_it() {
    // Eight Swiss nodes, but each subnet takes at most 2 of a country: 4 Swiss
    // nodes are used and 4 seats need synthetic nodes (2 countries of 20).
    let model = model::build(&inputs(distinct_nodes("ch", 8, "CH"), two_subnets(), 2), &[]);
    let s = solve(&model, Budget::default());
    assert_eq!(s.status, Status::Optimal);
    assert_eq!(s.objective, Some(4));
    assert_eq!(check::check_allocation(&model, s.allocation.as_ref().unwrap()), Ok(4));
    let bound = check::check_certificate(&model, &s.certificate).expect("the certificate checks");
    assert_eq!(bound.ceil(), i128::from(s.lower_bound));
    assert!(s.lower_bound <= 4 && (s.certificate_is_tight == (s.lower_bound == 4)));
}

#[test]
fn a_topology_no_node_can_fill_is_infeasible_with_a_checked_proof() {
    // No synthetic countries and two nodes of one provider for a subnet of 4 that takes 1 each.
    let nodes = vec![node("a", "P", "dc1", "O1", "CH"), node("b", "P", "dc2", "O2", "DE")];
    let model = model::build(&inputs(nodes, vec![subnet("s1", 4, [1, 1, 1, 2])], 0), &[]);
    let s = solve(&model, Budget::default());
    assert_eq!((s.status, s.objective, s.upper_bound), (Status::Infeasible, None, None));
    assert!(s.allocation.is_none());
    let proof = s.infeasibility.expect("the LP relaxation is infeasible too: a proof is found");
    let bound = check::check_infeasibility_certificate(&model, &proof).expect("the proof checks");
    assert!(bound.numerator > 0, "{bound:?}");
}

#[test]
fn the_same_model_gives_the_same_solution_and_work() {
    let mut nodes = distinct_nodes("ch", 5, "CH");
    nodes.extend(distinct_nodes("us", 3, "US"));
    let model = model::build(&inputs(nodes, two_subnets(), 2), &[]);
    let first = solve(&model, Budget::default());
    let again = solve(&model, Budget::default());
    assert_eq!(first, again);
    assert_eq!(first.objective, Some(1), "4 Swiss seats, 3 US nodes: one seat is synthetic");
}

//! The checker on allocations written by hand: it accepts what keeps every
//! rule and names the rule an allocation breaks.

use super::*;
use crate::model::{self, Model};
use crate::test_fixtures::{distinct_nodes, inputs, node, subnet};

/// One subnet of 2 (one node per provider, data center and owner) and three
/// nodes: two of provider P (classes differ by data center) and one of Q.
fn model() -> Model {
    let nodes = vec![
        node("p1", "P", "dc1", "O1", "CH"),
        node("p2", "P", "dc2", "O2", "DE"),
        node("q1", "Q", "dc3", "O3", "US"),
    ];
    model::build(&inputs(nodes, vec![subnet("s1", 2, [1, 1, 1, 2])], 0), &[])
}

/// The class of the node `id`.
fn class_of(model: &Model, id: &str) -> u32 {
    model.classes.iter().position(|c| c.members.iter().any(|m| m == id)).expect("a node of the model") as u32
}

fn allocation(model: &Model, ids: &[&str]) -> Allocation {
    let mut subnet: Vec<(u32, u32)> = ids.iter().map(|id| (class_of(model, id), 1)).collect();
    subnet.sort();
    Allocation { subnets: vec![subnet] }
}

#[test]
fn an_allocation_that_keeps_every_limit_passes_with_its_synthetic_count() {
    let m = model();
    assert_eq!(check_allocation(&m, &allocation(&m, &["p1", "q1"])), Ok(0));
}

#[test]
fn two_nodes_of_one_provider_break_its_limit_and_the_failure_says_so() {
    let m = model();
    let err = check_allocation(&m, &allocation(&m, &["p1", "p2"])).unwrap_err();
    assert!(err.0.contains("2 nodes with") && err.0.contains("\"P\"") && err.0.contains("at most 1"), "{err}");
}

#[test]
fn a_subnet_short_of_its_size_is_refused() {
    let m = model();
    assert!(check_allocation(&m, &allocation(&m, &["q1"])).is_err());
    assert!(check_allocation(&m, &Allocation { subnets: vec![] }).is_err(), "every subnet must be listed");
}

#[test]
fn the_zero_certificate_proves_zero_and_an_overclaim_is_no_proof() {
    let m = model::build(&inputs(distinct_nodes("ch", 2, "CH"), vec![subnet("s1", 2, [1, 1, 1, 2])], 1), &[]);
    let zero = check_certificate(&m, &Certificate::zero(&m)).expect("the zero certificate is valid");
    assert_eq!(zero.ceil(), 0);
    // A multiplier of 1 on the size row claims every seat costs a synthetic
    // node; real nodes fill it at no cost, so the multipliers are not dual
    // feasible and prove nothing.
    let mut overclaim = Certificate::zero(&m);
    overclaim.subnets[0].size = 1;
    // The optimum is 0, so no valid certificate may bound it higher.
    if let Ok(bound) = check_certificate(&m, &overclaim) {
        assert!(bound.ceil() <= 0, "an overclaiming certificate proved {bound:?}");
    }
}

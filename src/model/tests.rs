//! The model's rules on networks written by hand: classes, exclusions and
//! synthetic nodes.

use super::*;
use crate::inputs::RuleSet;
use crate::test_fixtures::{distinct_nodes, inputs, node, subnet};

fn one_subnet() -> Vec<crate::inputs::SubnetSpec> {
    vec![subnet("s1", 4, [1, 1, 1, 2])]
}

#[test]
fn identical_nodes_are_one_class_and_different_ones_are_not() {
    let nodes = vec![
        node("a1", "A", "dc1", "O1", "CH"),
        node("a2", "A", "dc1", "O1", "CH"),
        node("a3", "A", "dc2", "O1", "CH"),
    ];
    let m = build(&inputs(nodes, one_subnet(), 0), &[]);
    let real: Vec<&NodeClass> = m.classes.iter().filter(|c| !c.synthetic).collect();
    assert_eq!(real.len(), 2, "{real:?}");
    let counts: Vec<u32> = real.iter().map(|c| c.count()).collect();
    assert_eq!(counts.iter().sum::<u32>(), 3);
    assert!(counts.contains(&2) && counts.contains(&1), "{counts:?}");
    assert_eq!(m.real_nodes(), 3);
}

#[test]
fn each_synthetic_country_brings_five_providers_of_four_nodes() {
    for countries in [0, 1, 3] {
        let m = build(&inputs(distinct_nodes("n", 2, "CH"), one_subnet(), countries), &[]);
        assert_eq!(m.synthetic_nodes(), 20 * countries);
        let providers: std::collections::BTreeSet<u32> =
            m.classes.iter().filter(|c| c.synthetic).map(|c| c.values[Attribute::NodeProvider.index()]).collect();
        assert_eq!(providers.len() as u32, 5 * countries);
    }
}

#[test]
fn api_boundary_nodes_count_before_2025_and_not_from_2025() {
    let mut nodes = distinct_nodes("n", 3, "CH");
    nodes[0].node_type = Some("API_BOUNDARY".into());
    let mut i = inputs(nodes, one_subnet(), 0);
    let before = build(&i, &[]);
    assert_eq!((before.real_nodes(), before.excluded.api_boundary), (3, 0));
    i.settings = RuleSet::Y2025.default_settings();
    i.settings.synthetic_countries = 0;
    let after = build(&i, &[]);
    assert_eq!((after.real_nodes(), after.excluded.api_boundary), (2, 1));
}

#[test]
fn down_and_degraded_nodes_are_left_out_only_when_health_is_enforced() {
    let mut nodes = distinct_nodes("n", 4, "CH");
    nodes[0].status = "DOWN".into();
    nodes[1].status = "DEGRADED".into();
    let mut i = inputs(nodes, one_subnet(), 0);
    i.settings.enforce_health = false;
    assert_eq!(build(&i, &[]).real_nodes(), 4);
    i.settings.enforce_health = true;
    let m = build(&i, &[]);
    assert_eq!((m.real_nodes(), m.excluded.unhealthy), (2, 2));
}

#[test]
fn candidates_join_the_model_as_nodes_of_their_own() {
    let i = inputs(distinct_nodes("n", 2, "CH"), one_subnet(), 0);
    let row = crate::inputs::CandidateRow {
        node_provider: "New".into(),
        data_center: "new1".into(),
        data_center_provider: "New DC".into(),
        country: "AR".into(),
        is_sev: false,
        no_nodes: 3,
    };
    let m = build(&i, &[row]);
    assert_eq!(m.real_nodes(), 5);
    assert!(m.value_index(Attribute::Country, "AR").is_some());
}

//! The membership planner against brute force on random small networks with
//! random current memberships, healthy and not: the planner's cost equals the
//! cheapest assignment of every node to a subnet or none (cost computed here
//! node by node: dropped 1, moved 3, newly assigned 1; feasibility by the
//! ObjectiveValue's independent checker), its certificate never claims more,
//! and its proposals, replayed in order, end at the plan. With a subnet
//! selection (`--only-subnet`), the plan equals brute force on the network without
//! the other subnets and their members, and changes nothing outside it.

use ic_topology::check::{self, Allocation};
use ic_topology::inputs::{Inputs, RegistryNode, RuleSet, SpareNodeRatio, SubnetSpec};
use ic_topology::plan::{self, model as plan_model, sequence};
use ic_topology::solve::{Budget, Status};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn node(i: usize, provider: u8, dc: u8, status: &str, subnet: Option<u8>) -> RegistryNode {
    RegistryNode {
        node_id: format!("node-{i}"),
        node_provider_name: format!("Provider {provider}"),
        node_provider_id: format!("principal-{provider}"),
        node_operator_id: format!("operator-{provider}"),
        data_center: format!("dc{dc}"),
        data_center_provider: format!("Owner {dc}"),
        region: format!("Europe,C{},City", dc % 2),
        node_type: Some("REPLICA".into()),
        status: status.into(),
        subnet_id: subnet.map(|s| format!("subnet-{s}")),
    }
}

fn inputs(nodes: Vec<RegistryNode>, sizes: &[u32]) -> Inputs {
    let mut settings = RuleSet::Y2025.default_settings();
    // No synthetic nodes (their 20 per country would make brute force impossible);
    // no per-provider minimum and no DFINITY rule beyond the rule set's own.
    settings.synthetic_countries = 0;
    settings.enforce_per_provider_minimum = false;
    Inputs {
        settings,
        nodes,
        pipeline: vec![],
        topology: sizes
            .iter()
            .enumerate()
            .map(|(i, &size)| SubnetSpec {
                subnet_type: "Application".into(),
                subnet_id: Some(format!("subnet-{i}")),
                size,
                is_sev: false,
                limits: [1, 1, 1, 2],
            })
            .collect(),
        sev_providers: vec![],
        cordons: vec![],
        clusters: vec![],
        special_limits: Some(Default::default()),
        country_restrictions: None,
        warnings: vec![],
    }
}

/// The cheapest cost over every assignment of the usable nodes, by enumeration.
fn brute_force(inputs: &Inputs) -> Option<u64> {
    brute_force_with(inputs, 0, &[], &[])
}

fn network() -> impl Strategy<Value = (Vec<RegistryNode>, Vec<u32>)> {
    let sizes = prop::collection::vec(1u32..=2, 1..=2);
    sizes
        .prop_flat_map(|sizes| {
            let ns = sizes.len() as u8;
            let n = prop::collection::vec(
                (0u8..3, 0u8..3, prop::bool::weighted(0.2), prop::option::weighted(0.5, 0..ns)),
                2..=6,
            );
            (n, Just(sizes))
        })
        .prop_map(|(raw, sizes)| {
            let nodes = raw
                .into_iter()
                .enumerate()
                .map(|(i, (p, dc, down, subnet))| node(i, p, dc, if down { "DOWN" } else { "UP" }, subnet))
                .collect();
            (nodes, sizes)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn plans_equal_brute_force_and_replay(
        (nodes, sizes) in network(),
        spare in prop::option::of(prop::sample::select(vec![0.1, 0.25, 0.5])),
    ) {
        let mut inputs = inputs(nodes, &sizes);
        inputs.settings.spare_node_ratio = spare.and_then(SpareNodeRatio::new);
        let (pm, p) = plan::plan(&inputs, &[], Budget::default()).unwrap();
        // Without a selection, the plan's spare limits are the evaluation model's
        // (the brute force below checks them through the plan model).
        prop_assert_eq!(&pm.model.spare_limits, &ic_topology::model::build(&inputs, &[]).spare_limits);
        let best = brute_force(&inputs);
        match best {
            None => prop_assert_eq!(p.status, Status::Infeasible),
            Some(b) => {
                prop_assert_eq!(p.status, Status::Optimal);
                prop_assert_eq!(p.cost, Some(b));
                let bound = plan::check::check_plan_certificate(&pm, &p.certificate).unwrap();
                prop_assert!(bound.ceil() <= b as i128, "the certificate proves {} > the optimum {}", bound.ceil(), b);
                // The proposals, in order, never put a node in two subnets and end at the plan.
                let seq = sequence::sequence(&pm, &p);
                let (membership, _) = plan_model::current_membership(&inputs);
                let current: BTreeMap<String, String> = membership
                    .iter()
                    .map(|(n, &s)| (n.clone(), inputs.topology[s as usize].subnet_id.clone().unwrap()))
                    .collect();
                // Moves that form a cycle (a swap between subnets) have no order of one
                // proposal per subnet: they are reported, and only the rest is replayed.
                if seq.cycles.is_empty() {
                    let after = sequence::replay_all(&current, &seq);
                    prop_assert!(after.is_ok(), "{:?}", after);
                    let mut want = current.clone();
                    for c in &p.changes {
                        want.remove(&c.node_id);
                    }
                    for c in &p.changes {
                        if let Some(t) = &c.to {
                            want.insert(c.node_id.clone(), t.clone());
                        }
                    }
                    prop_assert_eq!(after.unwrap(), want);
                }
            }
        }
    }
}

/// The network a selection leaves to plan, built independently of the
/// planner's own selection: the topology without the unselected subnets, and
/// the nodes without the unselected subnets' members (they stay where they are).
fn without_unselected(inputs: &Inputs, selected: &[String]) -> Inputs {
    let mut reduced = inputs.clone();
    reduced.topology.retain(|s| s.subnet_id.as_ref().is_some_and(|id| selected.contains(id)));
    reduced.nodes.retain(|n| n.subnet_id.as_ref().is_none_or(|id| selected.contains(id)));
    reduced
}

fn network_and_selection() -> impl Strategy<Value = (Vec<RegistryNode>, Vec<u32>, Vec<bool>)> {
    let sizes = prop::collection::vec(1u32..=2, 2..=3);
    sizes.prop_flat_map(|sizes| {
        let ns = sizes.len();
        let n = prop::collection::vec(
            (0u8..3, 0u8..3, prop::bool::weighted(0.2), prop::option::weighted(0.6, 0..ns as u8)),
            2..=6,
        );
        let pick = prop::collection::vec(prop::bool::ANY, ns).prop_filter("at least one subnet", |p| p.contains(&true));
        (n, Just(sizes), pick).prop_map(|(raw, sizes, pick)| {
            let nodes = raw
                .into_iter()
                .enumerate()
                .map(|(i, (p, dc, down, subnet))| node(i, p, dc, if down { "DOWN" } else { "UP" }, subnet))
                .collect();
            (nodes, sizes, pick)
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn subnet_selections_equal_brute_force((nodes, sizes, pick) in network_and_selection()) {
        let inputs = inputs(nodes, &sizes);
        let selected: Vec<String> =
            pick.iter().enumerate().filter(|(_, &p)| p).map(|(i, _)| format!("subnet-{i}")).collect();
        let (pm, p) = plan::plan(&inputs, &selected, Budget::default()).unwrap();
        match brute_force(&without_unselected(&inputs, &selected)) {
            None => prop_assert_eq!(p.status, Status::Infeasible),
            Some(b) => {
                prop_assert_eq!(p.status, Status::Optimal);
                prop_assert_eq!(p.cost, Some(b));
                let bound = plan::check::check_plan_certificate(&pm, &p.certificate).unwrap();
                prop_assert!(bound.ceil() <= b as i128);
                // Nothing changes outside the selection: no node leaves or enters another subnet.
                for c in &p.changes {
                    for s in c.from.iter().chain(&c.to) {
                        prop_assert!(selected.contains(s), "{} changes unselected {}", c.node_id, s);
                    }
                }
            }
        }
    }
}

/// The cheapest cost by enumeration among assignments that contain a
/// `ChangeSubnetMembership` payload: its removed nodes are not in subnet `s`
/// after the plan, its added nodes are (node by node: dropped 1, moved 3,
/// newly assigned 1; feasibility by the ObjectiveValue's independent checker).
fn brute_force_with(inputs: &Inputs, s: u32, removed: &[String], added: &[String]) -> Option<u64> {
    let (pm, _) = plan_model::build(inputs, &[]).unwrap();
    let ns = pm.model.subnets.len();
    let mut usable: Vec<(usize, Option<u32>, &str)> = Vec::new();
    for (c, subnets) in pm.member_subnets.iter().enumerate() {
        for (id, at) in pm.model.classes[c].members.iter().zip(subnets) {
            usable.push((c, *at, id.as_str()));
        }
    }
    let forced = pm.forced_drops.len() as u64;
    let choices = ns + 1;
    let mut best: Option<u64> = None;
    for mut code in 0..choices.pow(usable.len() as u32) {
        let mut per: Vec<BTreeMap<u32, u32>> = vec![BTreeMap::new(); ns];
        let mut cost = forced;
        let mut contains = true;
        for &(c, now, id) in &usable {
            let pick = code % choices;
            code /= choices;
            let to = (pick < ns).then_some(pick as u32);
            let name = id.to_string();
            if (removed.contains(&name) && to == Some(s)) || (added.contains(&name) && to != Some(s)) {
                contains = false;
            }
            cost += match (now, to) {
                (Some(a), Some(b)) if a == b => 0,
                (Some(_), Some(_)) => 3,
                (Some(_), None) | (None, Some(_)) => 1,
                (None, None) => 0,
            };
            if let Some(t) = to {
                *per[t as usize].entry(c as u32).or_default() += 1;
            }
        }
        let allocation = Allocation { subnets: per.into_iter().map(|m| m.into_iter().collect()).collect() };
        if contains && check::check_allocation(&pm.model, &allocation).is_ok() && best.is_none_or(|b| cost < b) {
            best = Some(cost);
        }
    }
    best
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    /// A proposal checked against the optimal plan (as the canister does, from
    /// the kept plan, with the query's bounded search and with a full one):
    /// decided, the cheapest plan containing it costs what brute force says,
    /// and its proof holds; undecided, brute force lies within its bounds.
    #[test]
    fn proposal_checks_equal_brute_force(
        (nodes, sizes) in network(),
        pick in 0usize..8,
        remove in prop::collection::vec(prop::bool::ANY, 6),
        add in prop::collection::vec(prop::bool::weighted(0.4), 6),
        spare in prop::option::of(prop::sample::select(vec![0.1, 0.25, 0.5])),
    ) {
        let mut inputs = inputs(nodes, &sizes);
        inputs.settings.spare_node_ratio = spare.and_then(SpareNodeRatio::new);
        let s = (pick % sizes.len()) as u32;
        let sid = format!("subnet-{s}");
        let (membership, _) = plan_model::current_membership(&inputs);
        let (pm, _) = plan_model::build(&inputs, &[]).unwrap();
        let free: Vec<String> = pm.model.classes.iter().zip(&pm.member_subnets)
            .flat_map(|(c, at)| c.members.iter().zip(at).filter(|(_, a)| a.is_none()).map(|(id, _)| id.clone()))
            .collect();
        let members: Vec<String> = membership.iter().filter(|(_, &m)| m == s).map(|(id, _)| id.clone()).collect();
        let removed: Vec<String> = members.iter().zip(&remove).filter(|(_, &r)| r).map(|(id, _)| id.clone()).collect();
        let added: Vec<String> = free.iter().zip(&add).filter(|(_, &a)| a).map(|(id, _)| id.clone()).collect();
        prop_assume!(!removed.is_empty() || !added.is_empty());
        let payload = plan::verify_proposal::Payload { subnet_id: sid, node_ids_add: added.clone(), node_ids_remove: removed.clone() };
        let known = plan::parts::solve(&pm, Budget::default());
        let want = brute_force_with(&inputs, s, &removed, &added);
        for search in [plan::solve::Search::Within(40), plan::solve::Search::Full] {
            let check = plan::verify_proposal::verify_proposal(&inputs, &payload, Budget::default(), Some(&known), search).unwrap();
            let got = &check.with_proposal;
            match (got.status, want) {
                (Status::Optimal, Some(b)) => {
                    prop_assert_eq!(got.upper_bound, Some(b), "{:?}", search);
                    prop_assert_eq!(check.excess_cost, Some(b - known.upper_bound.unwrap()));
                }
                (Status::Infeasible, None) => {}
                (Status::BudgetExceeded, _) if search != plan::solve::Search::Full => {
                    if let Some(b) = want {
                        prop_assert!(got.lower_bound <= b && got.upper_bound.is_none_or(|u| u >= b), "{:?} vs {}", got, b);
                    }
                }
                (status, want) => prop_assert!(false, "{:?}: {:?} but brute force says {:?}", search, status, want),
            }
        }
    }
}

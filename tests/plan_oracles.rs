//! The reference swap costs of `../shared/data/SWAP-ORACLES.md` (mode
//! `minimize_node_swaps`), reproduced from the reference's own files through
//! `load_config`: status, cost and the four counts; the certificate checked by
//! the independent checker; the reference's change file reproduced byte for
//! byte where the optimum's changes are unique (proven here by re-solving
//! with each alternative barred); and the topologies the reference crashes on.
//!
//! The data live beside the checkout in CI only; without them every test here
//! says plainly that it was skipped and why.

use ic_topology::files;
use ic_topology::inputs::Inputs;
use ic_topology::plan::check::{self, ChangeKind, Counts};
use ic_topology::plan::model::PlanModel;
use ic_topology::plan::verify::{self, PlanClaim};
use ic_topology::plan::{self, output, NodeChange, Plan};
use ic_topology::solve::{Budget, Status};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[path = "support/swap_oracles.rs"]
mod swap_oracles;

use swap_oracles::{Expected, EXAMPLES};

#[path = "support/minimum.rs"]
mod minimum;

fn shared_data() -> Option<PathBuf> {
    let data = swap_oracles::shared_data(Path::new(env!("CARGO_MANIFEST_DIR")));
    if data.is_none() {
        println!("skipped: ../shared/data not found (the reference data are only in CI)");
    }
    data
}

/// A fresh folder per call (tests run in parallel).
fn temp_dir(name: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    std::env::temp_dir().join(format!("ic-topology-plan-oracles-{}-{name}-{n}", std::process::id()))
}

fn load(name: &str, json: &Value) -> Inputs {
    let path = swap_oracles::write(&temp_dir(name), json);
    files::load_config(&path).unwrap_or_else(|e| panic!("{name}: {e}")).inputs
}

/// Plan, then check everything the plan claims independently: the counts and
/// cost, the changes against the current membership and every rule, and the
/// certificate's bound (it must prove the cost).
fn assert_plan(name: &str, inputs: &Inputs, expected: Expected) -> (PlanModel, Plan) {
    let (pm, plan) = plan::plan(inputs, &[], Budget::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(plan.status, Status::Optimal, "{name}: status");
    assert_eq!(plan.cost, Some(expected.cost), "{name}: cost");
    let want = Counts {
        synthetic: expected.synthetic,
        dropped: expected.dropped,
        moved: expected.moved,
        newly_assigned: expected.newly_assigned,
    };
    assert_eq!(plan.counts, Some(want), "{name}: counts");
    assert_eq!(want.cost(), expected.cost, "{name}: the counts make the cost");
    let bound = check::check_plan_certificate(&pm, &plan.certificate).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        bound.ceil() >= expected.cost as i128,
        "{name}: the certificate proves only {} of {}",
        bound.ceil(),
        expected.cost
    );
    assert!(plan.certificate_is_tight, "{name}: the certificate alone proves the optimum");
    let allocation = plan.allocation.as_ref().expect("an optimal plan has its allocation");
    check::check_plan_allocation(&pm, allocation).unwrap_or_else(|e| panic!("{name}: allocation: {e}"));
    let proven = verify::verify_plan(inputs, &[], &claim_of(&plan)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(proven.starts_with("optimal, proven by the plan and its certificate"), "{name}: {proven}");
    (pm, plan)
}

fn claim_of(plan: &Plan) -> PlanClaim {
    PlanClaim {
        status: plan.status,
        cost: plan.cost,
        counts: plan.counts,
        lower_bound: plan.lower_bound,
        upper_bound: plan.upper_bound,
        certificate: plan.certificate.clone(),
        certificate_is_tight: plan.certificate_is_tight,
        changes: plan.changes.clone(),
    }
}

/// Another optimal plan with other changes, if there is one (described), or
/// `None` when the optimum's node-level changes are unique. Nodes of one
/// class are interchangeable, so the changes are not unique when a class
/// leaves a choice (of who stays, who is newly assigned, who moves); the
/// allocation is unique when barring each of its (class, subnet) entries
/// (all of them 1 on these tiny networks) makes every plan dearer.
fn alternative(pm: &PlanModel, plan: &Plan) -> Option<String> {
    let allocation = plan.allocation.as_ref().unwrap();
    let cost = plan.cost.unwrap();
    let changes = check::realize(pm, allocation);
    let mut class_of: BTreeMap<&str, usize> = BTreeMap::new();
    for (c, class) in pm.model.classes.iter().enumerate() {
        for m in &class.members {
            class_of.insert(m.as_str(), c);
        }
    }
    let x = |c: usize, s: u32| -> u32 {
        allocation.subnets[s as usize].iter().find(|e| e.0 as usize == c).map_or(0, |e| e.1)
    };
    for (c, class) in pm.model.classes.iter().enumerate() {
        for (s, now) in pm.current(c) {
            let want = x(c, s);
            if want > 0 && now > want {
                return Some(format!("{want} of the {now} members of class {c} in subnet {s} stay: any may"));
            }
        }
        let of_kind = |k: ChangeKind| {
            changes.iter().filter(|ch| ch.kind == k && class_of.get(ch.node_id.as_str()) == Some(&c)).count()
        };
        let new = of_kind(ChangeKind::NewlyAssigned);
        if new > 0 && pm.unassigned(c) as usize > new {
            return Some(format!(
                "{new} of the {} unassigned members of class {c} ({:?}) are newly assigned: any may be",
                pm.unassigned(c),
                class.members
            ));
        }
        let (moved, dropped) = (of_kind(ChangeKind::Moved), of_kind(ChangeKind::Dropped));
        if moved > 0 && dropped > 0 {
            return Some(format!("class {c} moves {moved} members and drops {dropped}: they may swap"));
        }
    }
    for (s, entries) in allocation.subnets.iter().enumerate() {
        for &(c, n) in entries {
            assert_eq!(n, 1, "class {c} in subnet {s}: barring the class is not the one alternative");
            assert!(pm.barred[c as usize].is_none());
            let mut other = pm.clone();
            other.barred[c as usize] = Some(s as u32);
            let solution = plan::parts::solve(&other, Budget::default());
            match solution.status {
                Status::Optimal => {
                    let alt = solution.upper_bound.unwrap();
                    if alt == cost {
                        return Some(format!("without class {c} in subnet {s} the optimum is {cost} too"));
                    }
                    assert!(alt > cost, "barring a class made the optimum cheaper: {alt} < {cost}");
                }
                Status::Infeasible => {}
                Status::BudgetExceeded => panic!("barring class {c} from subnet {s}: budget exceeded"),
            }
        }
    }
    None
}

/// The changes of a reference change file, as the plan names them.
fn reference_changes(json: &str) -> Vec<NodeChange> {
    let list: Value = serde_json::from_str(json).expect("the change file is JSON");
    let mut from: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut to: BTreeMap<String, (String, String)> = BTreeMap::new();
    for subnet in list.as_array().unwrap() {
        let id = subnet["subnet_id"].as_str().unwrap().to_string();
        for (key, map) in [("removed", &mut from), ("added", &mut to)] {
            for n in subnet[key].as_array().unwrap() {
                let node = n["node_id"].as_str().unwrap().to_string();
                map.insert(node, (id.clone(), n["node_provider"].as_str().unwrap().to_string()));
            }
        }
    }
    let mut nodes: Vec<&String> = from.keys().chain(to.keys()).collect();
    nodes.sort();
    nodes.dedup();
    nodes
        .into_iter()
        .map(|node| {
            let f = from.get(node);
            let t = to.get(node);
            let kind = match (f, t) {
                (Some(_), None) => ChangeKind::Dropped,
                (Some(_), Some(_)) => ChangeKind::Moved,
                _ => ChangeKind::NewlyAssigned,
            };
            NodeChange {
                node_id: node.clone(),
                node_provider: f.or(t).unwrap().1.clone(),
                original_provider: String::new(),
                kind,
                from: f.map(|x| x.0.clone()),
                to: t.map(|x| x.0.clone()),
                from_index: None,
                to_index: None,
                reason: None,
            }
        })
        .collect()
}

/// One anchor example: the reference's numbers, its own change file accepted
/// by the checker as a plan of the same cost, and (`unique`) byte equality of
/// the change file, after proving that the optimum's changes are unique.
fn anchor(index: usize, expected: Expected, unique: bool) {
    let Some(d) = shared_data() else { return };
    let name = EXAMPLES[index];
    let inputs = load(name, &swap_oracles::example(&d, name));
    let (pm, plan) = assert_plan(name, &inputs, expected);
    let reference = swap_oracles::expected_changes(&d, name);
    // The reference's own changes are a valid plan of the optimal cost here too.
    let claim = PlanClaim { changes: reference_changes(&reference), ..claim_of(&plan) };
    let proven = verify::verify_plan(&inputs, &[], &claim).unwrap_or_else(|e| panic!("{name}: reference changes: {e}"));
    assert!(proven.starts_with("optimal, proven"), "{name}: {proven}");
    let ours = output::reference_changes_json(&output::subnet_changes(&inputs, &pm, &plan));
    match (unique, alternative(&pm, &plan)) {
        (true, None) => assert_eq!(ours, reference, "{name}: the change file differs from the reference's"),
        (true, Some(alt)) => panic!("{name}: the optimum was expected unique, but {alt}"),
        (false, Some(alt)) => println!("{name}: several optimal changes ({alt}); cost and counts checked"),
        (false, None) => panic!("{name}: the optimum is unique: its change file must be compared"),
    }
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn s1_node_providers_evaluating_contribution() {
    // node-12 and node-13 are interchangeable (one class): not unique.
    anchor(0, swap_oracles::S1, false);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn s2_proposal_verifiers_ensuring_authenticity() {
    anchor(1, swap_oracles::S2, true);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn s3_network_healers_submitting_proposals() {
    anchor(2, swap_oracles::S3, true);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn s4_de_clustering_the_network() {
    // node-111, node-112 and node-114 are one class, and node-1 or node-11 may leave subnet-1.
    anchor(3, swap_oracles::S4, false);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn s5_2025_network_as_it_is() {
    let Some(d) = shared_data() else { return };
    assert_plan("S5", &load("s5", &swap_oracles::s5(&d)), swap_oracles::S5);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn s6_2025_growth_to_59_subnets() {
    let Some(d) = shared_data() else { return };
    let inputs = load("s6", &swap_oracles::s6(&d));
    let (pm, plan) = assert_plan("S6", &inputs, swap_oracles::S6);
    // The new subnets' made-up ids are carried by no node: they start empty.
    let new: Vec<usize> = (0..pm.model.subnets.len())
        .filter(|&s| pm.model.subnets[s].subnet_id.as_deref().is_some_and(|id| id.starts_with("new-")))
        .collect();
    assert_eq!(new.len(), 12, "S6 has 12 new subnets");
    for s in new {
        assert!((0..pm.model.classes.len()).all(|c| pm.current(c).iter().all(|&(t, _)| t as usize != s)));
        let size = pm.model.subnets[s].size as usize;
        let arriving = plan.changes.iter().filter(|c| c.to_index == Some(s as u32)).count();
        assert_eq!(arriving, size, "new subnet {s}: every member arrives");
    }
}

/// S3's files with the topology rewritten by `edit` (lines of its CSV).
fn s3_with_topology(d: &Path, name: &str, edit: impl Fn(&[&str]) -> Vec<String>) -> Inputs {
    let ex = EXAMPLES[2];
    let mut json = swap_oracles::example(d, ex);
    let topology =
        std::fs::read_to_string(swap_oracles::example_dir(d, ex).join("data/topology/topology.csv")).unwrap();
    let lines: Vec<&str> = topology.lines().collect();
    let dir = temp_dir(name);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("topology.csv");
    std::fs::write(&path, edit(&lines).join("\n") + "\n").unwrap();
    json["topology_file"] = path.display().to_string().into();
    load(name, &json)
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn topology_without_subnet_id_column_starts_every_subnet_empty() {
    let Some(d) = shared_data() else { return };
    let inputs = s3_with_topology(&d, "no-subnet-id", |lines| {
        let header: Vec<&str> = lines[0].split(',').collect();
        let col = header.iter().position(|h| *h == "subnet_id").expect("S3's topology has a subnet_id column");
        lines
            .iter()
            .map(|l| l.split(',').enumerate().filter(|&(i, _)| i != col).map(|(_, f)| f).collect::<Vec<_>>().join(","))
            .collect()
    });
    assert!(inputs.topology.iter().all(|s| s.subnet_id.is_none()));
    // Two subnets of 3, every node newly assigned (the DOWN nodes are not
    // members of any subnet of this topology, so nothing is dropped).
    let (pm, plan) = assert_plan(
        "no subnet_id",
        &inputs,
        Expected { cost: 6, synthetic: 0, dropped: 0, moved: 0, newly_assigned: 6 },
    );
    assert!(pm.forced_drops.is_empty());
    assert!(plan.changes.iter().all(|c| c.kind == ChangeKind::NewlyAssigned && c.from.is_none() && c.to.is_none()));
    // The nodes' subnets are not in the topology: said, not crashed on.
    for id in ["subnet-1", "subnet-2"] {
        assert!(
            plan.warnings.iter().any(|w| w.message.contains(&format!("of subnet {id},"))),
            "no warning names {id}: {:?}",
            plan.warnings
        );
    }
    // No membership change can name a subnet without id: each is a subnet to create.
    let seq = plan::sequence::sequence(&pm, &plan);
    assert!(seq.proposals.is_empty());
    assert_eq!(seq.new_subnets.len(), 2, "{:?}", seq.new_subnets);
    assert!(seq.new_subnets.iter().all(|n| n.subnet_id.is_none() && n.node_ids.len() == 3), "{:?}", seq.new_subnets);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn node_of_a_subnet_the_topology_lacks_counts_unassigned() {
    let Some(d) = shared_data() else { return };
    // Only subnet-1: the members of subnet-2 (node-df-2, node-2 DOWN, node-12) are unassigned.
    let inputs = s3_with_topology(&d, "lacks-subnet-2", |lines| {
        lines.iter().filter(|l| !l.contains(",subnet-2,")).map(|l| l.to_string()).collect()
    });
    assert_eq!(inputs.topology.len(), 1);
    // subnet-1 drops node-11 (DOWN) for one of node-12 and node-13 (one class).
    let (pm, plan) = assert_plan(
        "lacks subnet-2",
        &inputs,
        Expected { cost: 2, synthetic: 0, dropped: 1, moved: 0, newly_assigned: 1 },
    );
    let warning = plan
        .warnings
        .iter()
        .find(|w| w.message.contains("of subnet subnet-2,"))
        .unwrap_or_else(|| panic!("no warning names subnet-2: {:?}", plan.warnings));
    assert!(warning.message.starts_with("3 node(s)"), "{}", warning.message);
    assert_eq!(pm.forced_drops.iter().map(|f| f.node_id.as_str()).collect::<Vec<_>>(), ["node-11"]);
    let added: Vec<&str> =
        plan.changes.iter().filter(|c| c.kind == ChangeKind::NewlyAssigned).map(|c| c.node_id.as_str()).collect();
    assert!(added == ["node-12"] || added == ["node-13"], "{added:?}");
}

/// The per-provider minimum reads availability and the blacklist whatever the
/// switches say. The August 2025 network with the blacklist of its date
/// (every node of ANTHONY ISAAKIDIS cordoned), S5's other files, blacklist
/// off: the reference (23c9e1a, PuLP + CBC, mode minimize_node_swaps) plans
/// at cost 16 (8 dropped, 8 newly assigned); counting by the switches forced
/// ANTHONY ISAAKIDIS in at cost 18. Every other combination plans optimally
/// with the same providers bound.
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference data, beside the checkout in CI)")]
fn per_provider_minimum_whatever_the_switches_plan_2025_08() {
    let Some(d) = shared_data() else { return };
    let blacklist_file = minimum::write_blacklist_2025_08(&temp_dir("bl-2025-08"));
    for (health, blacklist) in minimum::SWITCHES {
        let name = format!("2025-08 plan health {health} blacklist {blacklist}");
        let mut json = swap_oracles::s5(&d);
        json["nodes_file"] = d.join("snapshot-2025-08/nodes.csv").display().to_string().into();
        json["blacklist_file"] = blacklist_file.display().to_string().into();
        json["enforce_health_constraint"] = health.into();
        json["enforce_blacklist_constraint"] = blacklist.into();
        let inputs = load("min-2025-08", &json);
        let (pm, plan) = if (health, blacklist) == (true, false) {
            let expected = Expected { cost: 16, synthetic: 0, dropped: 8, moved: 0, newly_assigned: 8 };
            assert_plan(&name, &inputs, expected)
        } else {
            let (pm, plan) = plan::plan(&inputs, &[], Budget::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(plan.status, Status::Optimal, "{name}: status");
            check::check_plan_allocation(&pm, plan.allocation.as_ref().unwrap())
                .unwrap_or_else(|e| panic!("{name}: allocation: {e}"));
            let bound = check::check_plan_certificate(&pm, &plan.certificate).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(bound.ceil() >= plan.cost.unwrap() as i128, "{name}: the certificate proves the cost");
            (pm, plan)
        };
        let _ = plan;
        minimum::assert_minimum_rows(&name, &inputs, &ic_topology::model::build(&inputs, &[]));
        assert!(
            !pm.model.provider_minimums.iter().any(|p| p.provider == "ANTHONY ISAAKIDIS"),
            "{name}: every node of ANTHONY ISAAKIDIS is blacklisted"
        );
    }
}

/// The October 2025 network (S5's files) planned under each health/blacklist
/// combination: the same providers are bound by the per-provider minimum
/// whatever the switches say, and every plan is optimal and checked. Both on
/// is S5 (cost 40).
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference data, beside the checkout in CI)")]
fn per_provider_minimum_whatever_the_switches_plan_2025_10() {
    let Some(d) = shared_data() else { return };
    for (health, blacklist) in minimum::SWITCHES {
        let name = format!("2025-10 plan health {health} blacklist {blacklist}");
        let mut json = swap_oracles::s5(&d);
        json["enforce_health_constraint"] = health.into();
        json["enforce_blacklist_constraint"] = blacklist.into();
        let inputs = load("min-2025-10", &json);
        minimum::assert_minimum_rows(&name, &inputs, &ic_topology::model::build(&inputs, &[]));
        if (health, blacklist) == (true, true) {
            assert_plan(&name, &inputs, swap_oracles::S5);
            continue;
        }
        let (pm, plan) = plan::plan(&inputs, &[], Budget::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(plan.status, Status::Optimal, "{name}: status");
        check::check_plan_allocation(&pm, plan.allocation.as_ref().unwrap())
            .unwrap_or_else(|e| panic!("{name}: allocation: {e}"));
        let bound = check::check_plan_certificate(&pm, &plan.certificate).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(bound.ceil() >= plan.cost.unwrap() as i128, "{name}: the certificate proves the cost");
    }
}

/// `spare_node_ratio` on the October 2025 network as it is (S5's files). The
/// values are the reference's (branch nim-spare-node-analysis, f5cb9b3, PuLP +
/// CBC, mode minimize_node_swaps, S5's settings plus the ratio), run through
/// `prepare_data` and `solver_model_minimize_swaps` as its `main.py` does.
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn spare_node_ratio_plan_2025_10() {
    let Some(d) = shared_data() else { return };
    let cases = [
        (0.1, Expected { cost: 102, synthetic: 0, dropped: 51, moved: 0, newly_assigned: 51 }),
        (0.25, Expected { cost: 212, synthetic: 0, dropped: 106, moved: 0, newly_assigned: 106 }),
    ];
    for (ratio, expected) in cases {
        let mut json = swap_oracles::s5(&d);
        json["spare_node_ratio"] = ratio.into();
        let name = format!("S5 spare_node_ratio {ratio}");
        let inputs = load("s5-spare", &json);
        assert!(!ic_topology::model::build(&inputs, &[]).spare_limits.is_empty(), "{name}: the rule applies");
        assert_plan(&name, &inputs, expected);
    }
}

//! The reference ObjectiveValues of `../shared/data/ORACLES.md`, reproduced
//! from the reference's own files through `load_config`, plus a candidate
//! curve computed with the reference tool.
//!
//! The snapshots live beside the checkout in CI only; in a clone without them
//! every test here says plainly that it was skipped and why.

use ic_topology::check;
use ic_topology::evaluate::{self, Verdict};
use ic_topology::files;
use ic_topology::inputs::CandidateRow;
use ic_topology::solve::{self, Budget, Status};
use std::path::{Path, PathBuf};

#[path = "support/oracles.rs"]
mod oracles;

#[path = "support/minimum.rs"]
mod minimum;

use oracles::messi;

fn shared_data() -> Option<PathBuf> {
    let data = oracles::shared_data(Path::new(env!("CARGO_MANIFEST_DIR")));
    if data.is_none() {
        println!("skipped: ../shared/data not found (the reference snapshots are only in CI)");
    }
    data
}

/// Write a configuration; every call gets its own folder, since tests run in
/// parallel and none may read a file another is writing.
fn config(name: &str, json: serde_json::Value) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    oracles::write(&std::env::temp_dir().join(format!("ic-topology-oracles-{}-{name}-{n}", std::process::id())), &json)
}

fn config_2023(d: &Path) -> PathBuf {
    config("2023", oracles::december_2023(d))
}

/// Solve and check everything a result claims: the value, the allocation and
/// the certificate that proves it optimal.
fn assert_objective(config: &Path, candidates: &[CandidateRow], expected: u32) {
    let loaded = files::load_config(config).unwrap_or_else(|e| panic!("{e}"));
    let model = ic_topology::model::build(&loaded.inputs, candidates);
    let solution = solve::solve(&model, Budget::default());
    assert_eq!(solution.status, Status::Optimal);
    assert_eq!(solution.objective, Some(expected));
    let allocation = solution.allocation.as_ref().unwrap();
    assert_eq!(check::check_allocation(&model, allocation), Ok(expected));
    let bound = check::check_certificate(&model, &solution.certificate).unwrap();
    assert!(bound.ceil() >= expected as i128, "certificate proves only {}", bound.ceil());
    assert!(solution.certificate_is_tight);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn oracle_1_december_2023() {
    let Some(d) = shared_data() else { return };
    assert_objective(&config_2023(&d), &[], 20);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn oracle_2_december_2023_one_candidate_in_argentina() {
    let Some(d) = shared_data() else { return };
    assert_objective(&config_2023(&d), &[messi(1)], 19);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn oracle_3_november_2024() {
    let Some(d) = shared_data() else { return };
    let c = config("2024", oracles::november_2024(&d));
    assert_objective(&c, &[], 1);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn oracle_4_2025_production_topology() {
    let Some(d) = shared_data() else { return };
    assert_objective(&config("2025-prod", oracles::production_2025(&d)), &[], 0);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn oracle_5_2025_seventy_five_application_subnets() {
    let Some(d) = shared_data() else { return };
    let c = config("2025-app75", oracles::app75(&d));
    assert_objective(&c, &[], 35);
}

/// The seed's worked example: candidate nodes in Argentina, added one at a
/// time. The reference tool (CBC, commit 212432e, run on the same files with
/// scripts/reference/run_reference.py) gives 20, 19, 18, 17, 16, 16, 16, 16, 16
/// for 0..=8 nodes (each point run separately): four nodes reduce the value one
/// for one, the fifth does not.
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn candidate_curve_in_argentina() {
    let Some(d) = shared_data() else { return };
    let loaded = files::load_config(&config_2023(&d)).unwrap();
    let (_, ev) = evaluate::evaluate(&loaded.inputs, &[messi(8)], Budget::default());
    let values: Vec<Option<u32>> = ev.curve.iter().map(|p| p.objective).collect();
    let reference = [20, 19, 18, 17, 16, 16, 16, 16, 16];
    assert_eq!(values, reference.iter().map(|&v| Some(v)).collect::<Vec<_>>());
    assert!(ev.curve.iter().all(|p| p.status == Status::Optimal));
    assert_eq!(ev.baseline_objective, Some(20));
    assert_eq!(ev.candidate_nodes, 8);
    assert_eq!(ev.reduction, Some(4));
    assert_eq!(ev.verdict, Some(Verdict::Diminishing));
    assert_eq!(ev.optimal_deployment_size, Some(4));

    let (_, four) = evaluate::evaluate(&loaded.inputs, &[messi(4)], Budget::default());
    assert_eq!(four.verdict, Some(Verdict::OneForOne));
    assert_eq!(four.optimal_deployment_size, Some(4));
}

/// Solve `config` and check what the result claims (an optimal value with its
/// allocation and a certificate proving it); the value.
fn solve_checked(name: &str, model: &ic_topology::model::Model) -> u32 {
    let solution = solve::solve(model, Budget::default());
    assert_eq!(solution.status, Status::Optimal, "{name}: status");
    let value = solution.objective.expect("an optimal value");
    let allocation = solution.allocation.as_ref().unwrap();
    assert_eq!(check::check_allocation(model, allocation), Ok(value), "{name}: allocation");
    let bound = check::check_certificate(model, &solution.certificate).unwrap();
    assert!(bound.ceil() >= value as i128, "{name}: certificate proves only {}", bound.ceil());
    value
}

/// The per-provider minimum reads availability and the blacklist whatever the
/// switches say, on the October 2025 network (ObjectiveValue #4's files) under
/// each health/blacklist combination. With health off, InfoObjects (2 UP and 2
/// DOWN nodes) is not bound: the reference (23c9e1a, PuLP + CBC, mode
/// minimize_new_nodes, `enforce_health_constraint: false`) solves it to
/// ObjectiveValue 0 where counting by the switches made it infeasible.
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn per_provider_minimum_whatever_the_switches_2025_10() {
    let Some(d) = shared_data() else { return };
    for (health, blacklist) in minimum::SWITCHES {
        let name = format!("2025-10 health {health} blacklist {blacklist}");
        let mut json = oracles::production_2025(&d);
        json["enforce_health_constraint"] = health.into();
        json["enforce_blacklist_constraint"] = blacklist.into();
        let loaded = files::load_config(&config("2025-min", json)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let model = ic_topology::model::build(&loaded.inputs, &[]);
        minimum::assert_minimum_rows(&name, &loaded.inputs, &model);
        let value = solve_checked(&name, &model);
        if !health {
            assert!(
                !model.provider_minimums.iter().any(|p| p.provider == "InfoObjects"),
                "{name}: InfoObjects has 2 available nodes and is not bound"
            );
        }
        if (health, blacklist) == (true, true) || (health, blacklist) == (false, true) {
            // ObjectiveValue #4, and the reference's value with health off.
            assert_eq!(value, 0, "{name}");
        }
    }
}

/// The same on the August 2025 network with the blacklist of its date (which
/// cordons every node of ANTHONY ISAAKIDIS), evaluated under each combination.
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn per_provider_minimum_whatever_the_switches_2025_08() {
    let Some(d) = shared_data() else { return };
    let dir = std::env::temp_dir().join(format!("ic-topology-oracles-{}-bl-2025-08", std::process::id()));
    let blacklist_file = minimum::write_blacklist_2025_08(&dir);
    for (health, blacklist) in minimum::SWITCHES {
        let name = format!("2025-08 health {health} blacklist {blacklist}");
        let mut json = oracles::production_2025(&d);
        json["nodes_file"] = d.join("snapshot-2025-08/nodes.csv").display().to_string().into();
        json["blacklist_file"] = blacklist_file.display().to_string().into();
        json["enforce_health_constraint"] = health.into();
        json["enforce_blacklist_constraint"] = blacklist.into();
        let loaded = files::load_config(&config("2025-08-min", json)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let model = ic_topology::model::build(&loaded.inputs, &[]);
        minimum::assert_minimum_rows(&name, &loaded.inputs, &model);
        assert!(
            !model.provider_minimums.iter().any(|p| p.provider == "ANTHONY ISAAKIDIS"),
            "{name}: every node of ANTHONY ISAAKIDIS is blacklisted"
        );
        solve_checked(&name, &model);
    }
}

/// The two readings of special limits (`special_limits_reading`): without a
/// file they build the same model; `by_subnet_id` refuses a subnet-type key,
/// naming it; and only the `2025` reading adds DFINITY's "exactly 1 per
/// subnet" to a file that does not name DFINITY.
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn special_limits_readings() {
    use ic_topology::inputs::{Attribute, LimitOp, SpecialLimitsReading};
    let Some(d) = shared_data() else { return };
    let load = |name: &str, json: serde_json::Value| files::load_config(&config(name, json));
    let with_reading = |mut json: serde_json::Value, reading: &str| {
        json["special_limits_reading"] = reading.into();
        json
    };
    // Without a file: the same model under both readings (prod has subnet ids, app75 none).
    for json in [oracles::production_2025(&d), oracles::y2025(&d, "scenarios/target_topology_app75.csv", None)] {
        let a = load("reading-2025", with_reading(json.clone(), "2025")).unwrap().inputs;
        let b = load("reading-id", with_reading(json, "by_subnet_id")).unwrap().inputs;
        assert_eq!(b.settings.special_limits_reading, SpecialLimitsReading::BySubnetId);
        let (ma, mb) = (ic_topology::model::build(&a, &[]), ic_topology::model::build(&b, &[]));
        assert_eq!(ma.subnets, mb.subnets);
    }
    // A subnet-type key under by_subnet_id: a clear error naming the key and the setting.
    let err = load("reading-type-key", with_reading(oracles::app75(&d), "by_subnet_id")).unwrap_err().to_string();
    assert!(err.contains("`NNS` is not a subnet id") && err.contains("special_limits_reading"), "{err}");
    // An unknown reading names the key and the value.
    let err = load("reading-unknown", with_reading(oracles::production_2025(&d), "newest")).unwrap_err().to_string();
    assert!(err.contains("special_limits_reading") && err.contains("newest"), "{err}");

    // A file keyed by the NNS subnet's id that does not name DFINITY elsewhere.
    let prod = load("reading-prod", oracles::production_2025(&d)).unwrap().inputs;
    let nns = prod.topology.iter().position(|s| s.subnet_type == "NNS").unwrap();
    let nns_id = prod.topology[nns].subnet_id.clone().unwrap();
    let dir = std::env::temp_dir().join(format!("ic-topology-oracles-{}-readings", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("special_limits_nns_only.json");
    let limits = serde_json::json!({ nns_id.clone(): { "node_provider": { "DFINITY": [3, "eq"] } } });
    std::fs::write(&file, limits.to_string()).unwrap();
    let mut json = oracles::production_2025(&d);
    json["special_limits_file"] = file.display().to_string().into();
    for reading in ["2025", "by_subnet_id"] {
        let inputs = load("reading-nns-only", with_reading(json.clone(), reading)).unwrap().inputs;
        let model = ic_topology::model::build(&inputs, &[]);
        let dfinity = model.value_index(Attribute::NodeProvider, "DFINITY").unwrap();
        let nns_limit = model.subnets[nns].limit(Attribute::NodeProvider, dfinity);
        assert_eq!((nns_limit.count, nns_limit.op), (3, LimitOp::Exactly), "{reading}: the NNS's own limit");
        for (s, subnet) in model.subnets.iter().enumerate().filter(|&(s, _)| s != nns) {
            let limit = subnet.limit(Attribute::NodeProvider, dfinity);
            let want = if reading == "2025" {
                (1, LimitOp::Exactly)
            } else {
                // No DFINITY rule: the subnet's own provider limit, at most.
                (subnet.limits[Attribute::NodeProvider.index()], LimitOp::AtMost)
            };
            assert_eq!((limit.count, limit.op), want, "{reading}: subnet {s}");
        }
        solve_checked(reading, &model);
    }
}

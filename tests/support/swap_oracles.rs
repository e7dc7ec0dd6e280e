//! The cases of `../shared/data/SWAP-ORACLES.md` (mode
//! `minimize_node_swaps`) as configuration files, written once for the plan
//! tests (each includes this file with `#[path]`).

// Each user takes the cases it needs.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// `shared/data` beside the checkout whose root is `root` (present in CI only).
pub fn shared_data(root: &Path) -> Option<PathBuf> {
    let dir = root.join("../shared/data");
    dir.is_dir().then(|| dir.canonicalize().expect("shared data path"))
}

/// The four anchor examples, S1..S4, by folder name.
pub const EXAMPLES: [&str; 4] = [
    "01-node-providers-evaluating-contribution",
    "02-proposal-verifiers-ensuring-authenticity",
    "03-network-healers-submitting-proposals",
    "04-de-clustering-the-network",
];

/// One expected answer of the reference.
#[derive(Clone, Copy, Debug)]
pub struct Expected {
    pub cost: u64,
    pub synthetic: u32,
    pub dropped: u32,
    pub moved: u32,
    pub newly_assigned: u32,
}

/// S1..S6 as SWAP-ORACLES.md gives them (all optimal).
pub const S1: Expected = Expected { cost: 4, synthetic: 0, dropped: 2, moved: 0, newly_assigned: 2 };
pub const S2: Expected = Expected { cost: 2, synthetic: 0, dropped: 1, moved: 0, newly_assigned: 1 };
pub const S3: Expected = Expected { cost: 4, synthetic: 0, dropped: 2, moved: 0, newly_assigned: 2 };
pub const S4: Expected = Expected { cost: 4, synthetic: 0, dropped: 2, moved: 0, newly_assigned: 2 };
pub const S5: Expected = Expected { cost: 40, synthetic: 0, dropped: 20, moved: 0, newly_assigned: 20 };
pub const S6: Expected = Expected { cost: 235, synthetic: 0, dropped: 20, moved: 2, newly_assigned: 209 };

/// The folder of anchor example `name`.
pub fn example_dir(d: &Path, name: &str) -> PathBuf {
    d.join("anchor-examples").join(name)
}

/// An example's own `config.json`, its paths (relative to the reference
/// repository's root, `./examples/<dir>/x`) rewritten to `<example dir>/x`.
pub fn example(d: &Path, name: &str) -> Value {
    let dir = example_dir(d, name);
    let text = std::fs::read_to_string(dir.join("config.json")).expect("the example's config.json");
    let mut json: Value = serde_json::from_str(&text).expect("the example's config.json is JSON");
    let prefix = format!("./examples/{name}/");
    for (_, v) in json.as_object_mut().expect("a config object").iter_mut() {
        if let Some(s) = v.as_str() {
            if let Some(rest) = s.strip_prefix(&prefix) {
                *v = dir.join(rest).display().to_string().into();
            } else if s.starts_with("./") {
                panic!("{name}: path {s} is not under {prefix}");
            }
        }
    }
    json
}

/// The reference's change file for an example.
pub fn expected_changes(d: &Path, name: &str) -> String {
    std::fs::read_to_string(example_dir(d, name).join("expected-output/subnet_node_changes_clusters.json"))
        .expect("the example's expected change file")
}

fn p(d: &Path, rel: &str) -> String {
    d.join(rel).display().to_string()
}

/// The common settings of S5 and S6 (rules 2025) with `topology`.
pub fn y2025(d: &Path, topology: &str) -> Value {
    json!({
        "rules": "2025",
        "mode": "minimize_node_swaps",
        "nodes_file": p(d, "snapshot-2025-10/nodes.csv"),
        "topology_file": p(d, topology),
        "node_pipeline_file": p(d, "snapshot-2025-10/node_pipelines/node_pipeline.csv"),
        "sev_providers_file": p(d, "snapshot-2025-10/sev_providers.csv"),
        "blacklist_file": p(d, "snapshot-2025-10/blacklist.yaml"),
        "scenario": p(d, "snapshot-2025-10/cluster_scenarios/99_prod.json"),
        "no_synthetic_countries": 6,
        "enforce_sev_constraint": false,
        "enforce_health_constraint": true,
        "enforce_blacklist_constraint": true,
        "enforce_per_node_provider_assignation": true
    })
}

/// S5: the 2025-10 network as it is.
pub fn s5(d: &Path) -> Value {
    y2025(d, "snapshot-2025-10/topology/prod_topology.csv")
}

/// S6: growth to 59 subnets (the prod ids, plus 12 new subnets that start empty).
pub fn s6(d: &Path) -> Value {
    y2025(d, "scenarios/topology_prod_ids_app51.csv")
}

/// Write `json` as `dir/config.json`.
pub fn write(dir: &Path, json: &Value) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("config.json");
    std::fs::write(&path, serde_json::to_vec_pretty(json).unwrap()).unwrap();
    path
}

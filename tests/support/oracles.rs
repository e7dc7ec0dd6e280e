//! The cases of `../shared/data/ORACLES.md` as the reference's configuration
//! files, written once for the oracle tests, the benchmark and the wasm tests
//! (each includes this file with `#[path]`).

// Each user takes the cases it needs.
#![allow(dead_code)]

use ic_topology::inputs::CandidateRow;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// `shared/data` beside the checkout whose root is `root`: present in CI, not
/// in a user's clone (then the caller says the test was skipped, and why).
pub fn shared_data(root: &Path) -> Option<PathBuf> {
    let dir = root.join("../shared/data");
    dir.is_dir().then(|| dir.canonicalize().expect("shared data path"))
}

fn p(d: &Path, rel: &str) -> String {
    d.join(rel).display().to_string()
}

/// #1 and #2: the 2023-12 rules on the December 2023 snapshot.
pub fn december_2023(d: &Path) -> Value {
    json!({
        "rules": "2023-12",
        "nodes_file": p(d, "snapshot-2023-12/nodes.csv"),
        "node_pipeline_file": p(d, "snapshot-2023-12/node_pipeline.csv"),
        "sev_providers_file": p(d, "snapshot-2023-12/sev_providers.csv"),
        "topology_file": p(d, "snapshot-2023-12/target_topology.csv"),
        "no_synthetic_countries": 12,
        "enforce_sev_constraint": true
    })
}

/// #3: the 2024-11 rules on the November 2024 snapshot.
pub fn november_2024(d: &Path) -> Value {
    json!({
        "rules": "2024-11",
        "nodes_file": p(d, "snapshot-2024-11/nodes.csv"),
        "node_pipeline_file": p(d, "snapshot-2024-11/node_pipeline.csv"),
        "sev_providers_file": p(d, "snapshot-2024-11/sev_providers.csv"),
        "topology_file": p(d, "snapshot-2024-11/target_topology.csv"),
        "no_synthetic_countries": 2,
        "enforce_sev_constraint": true
    })
}

/// #4 and #5: the 2025 rules on the October 2025 snapshot with `topology`.
pub fn y2025(d: &Path, topology: &str, special_limits: Option<&str>) -> Value {
    let mut json = json!({
        "rules": "2025",
        "nodes_file": p(d, "snapshot-2025-10/nodes.csv"),
        "topology_file": p(d, topology),
        "node_pipeline_file": p(d, "snapshot-2025-10/node_pipelines/11_new_subnets.csv"),
        "blacklist_file": p(d, "snapshot-2025-10/blacklist.yaml"),
        "scenario": p(d, "snapshot-2025-10/cluster_scenarios/99_prod.json"),
        "sev_providers_file": p(d, "snapshot-2025-10/sev_providers.csv"),
        "no_synthetic_countries": 6,
        "enforce_sev_constraint": false,
        "enforce_health_constraint": true,
        "enforce_blacklist_constraint": true,
        "enforce_per_node_provider_assignation": true
    });
    if let Some(s) = special_limits {
        json["special_limits_file"] = p(d, s).into();
    }
    json
}

/// #4: the production topology.
pub fn production_2025(d: &Path) -> Value {
    y2025(d, "snapshot-2025-10/topology/prod_topology.csv", None)
}

/// #5: 75 Application subnets (83 in all), DFINITY at most one.
pub fn app75(d: &Path) -> Value {
    y2025(d, "scenarios/target_topology_app75.csv", Some("scenarios/special_limits_dfinity_at_most_one.json"))
}

/// Write `json` as `dir/config.json`.
pub fn write(dir: &Path, json: &Value) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("config.json");
    std::fs::write(&path, serde_json::to_vec_pretty(json).unwrap()).unwrap();
    path
}

/// `n` candidate nodes in Argentina: the candidate row of ORACLES.md #2.
pub fn messi(n: u32) -> CandidateRow {
    CandidateRow {
        node_provider: "Lionel Messi".into(),
        data_center: "Buenos Aires 1".into(),
        data_center_provider: "Peron Corporation".into(),
        country: "AR".into(),
        is_sev: true,
        no_nodes: n,
    }
}

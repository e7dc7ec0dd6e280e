//! The default network, embedded so that `topology evaluate` works anywhere:
//! the real network of October 2025 (`defaults/nodes.csv`, the public IC
//! dashboard's node list, with its blacklist and provider clusters) under the
//! adopted target topology in force (`defaults/topology.csv`), with the 2025
//! rules' default settings. This is what `defaults/config.json` says; a test
//! keeps the two equal. `defaults/generated/` is the generated network the
//! examples and benchmarks use (`--config defaults/generated/config.json`).

use ic_topology::digest;
use ic_topology::files::{self, InputFile};
use ic_topology::inputs::{Inputs, RuleSet};
use ic_topology::InputError;

const NODES: &str = include_str!("../../defaults/nodes.csv");
const TOPOLOGY: &str = include_str!("../../defaults/topology.csv");
const BLACKLIST: &str = include_str!("../../defaults/blacklist.yaml");
const CLUSTERS: &str = include_str!("../../defaults/clusters.json");

/// What the default network is called in messages and result files.
pub const SOURCE: &str = "the default network (defaults/: the real network of October 2025, the topology in force)";

/// The default network's inputs and the files they came from (in the order a
/// configuration's files are read).
pub fn default_inputs() -> Result<(Inputs, Vec<InputFile>), InputError> {
    let (nodes, mut warnings) = files::parse_nodes_csv(NODES, "defaults/nodes.csv")?;
    let (topology, w) = files::parse_topology_csv(TOPOLOGY, "defaults/topology.csv")?;
    warnings.extend(w);
    let (cordons, w) = files::parse_blacklist_yaml(BLACKLIST, "defaults/blacklist.yaml")?;
    warnings.extend(w);
    let (clusters, w) = files::parse_clusters_json(CLUSTERS, "defaults/clusters.json")?;
    warnings.extend(w);
    let inputs = Inputs {
        settings: RuleSet::Y2025.default_settings(),
        nodes,
        pipeline: vec![],
        topology,
        sev_providers: vec![],
        cordons,
        clusters,
        special_limits: None,
        country_restrictions: None,
        warnings,
    };
    let file = |role: &str, path: &str, text: &str| InputFile {
        role: role.into(),
        path: path.into(),
        sha256: digest::sha256_hex(text.as_bytes()),
    };
    Ok((
        inputs,
        vec![
            file("nodes_file", "defaults/nodes.csv", NODES),
            file("topology_file", "defaults/topology.csv", TOPOLOGY),
            file("blacklist_file", "defaults/blacklist.yaml", BLACKLIST),
            file("scenario", "defaults/clusters.json", CLUSTERS),
        ],
    ))
}

//! The networks that ship with the project, embedded so that `topology
//! evaluate` works anywhere: the real network of October 2025
//! (`defaults/nodes.csv`, the public IC dashboard's node list, with its
//! blacklist and provider clusters) under each target topology a provider
//! chooses between (`--network NAME`): the topology in force (the default),
//! the reference tool's own target topology, the production subnets at their
//! present sizes, and a growth scenario of 75 Application subnets. Each is
//! what a configuration in `defaults/` says (`defaults/config.json`,
//! `defaults/networks/NAME.json`); a test keeps the two equal.
//! `defaults/generated/` is the generated network the examples and benchmarks
//! use (`--config defaults/generated/config.json`).

use ic_topology::digest;
use ic_topology::files::{self, InputFile};
use ic_topology::inputs::{Inputs, RuleSet};
use ic_topology::InputError;

pub(crate) const NODES: &str = include_str!("../../defaults/nodes.csv");
const TOPOLOGY: &str = include_str!("../../defaults/topology.csv");
const BLACKLIST: &str = include_str!("../../defaults/blacklist.yaml");
const CLUSTERS: &str = include_str!("../../defaults/clusters.json");

/// What the default network is called in messages and result files.
pub const SOURCE: &str = "the default network (defaults/: the real network of October 2025, the topology in force)";

/// A named network: the real nodes of October 2025 under one target topology.
pub struct Network {
    /// Its name, for `--network`.
    pub name: &'static str,
    /// What it is, in one line (`topology networks`).
    pub about: &'static str,
    /// The configuration in `defaults/` that says the same.
    pub config: &'static str,
    /// What answers call it (their `Network:` line).
    pub source: &'static str,
    /// The topology file: its path under the repository, and its text.
    topology: (&'static str, &'static str),
    /// The special-limits file, if the network has its own.
    special_limits: Option<(&'static str, &'static str)>,
}

/// The networks `--network` selects, the default first.
pub const NETWORKS: [Network; 4] = [
    Network {
        name: "in-force",
        about: "the default: the target topology in force (NNS motion 125549 as amended; 70 subnets, with the \
                Swiss and US subnets)",
        config: "defaults/config.json",
        source: SOURCE,
        topology: ("defaults/topology.csv", TOPOLOGY),
        special_limits: None,
    },
    Network {
        name: "reference-target",
        about: "the reference tool's own target_topology.csv (dfinity/decentralization 23c9e1a; 59 subnets, 51 \
                Application)",
        config: "defaults/networks/reference-target.json",
        source: "the network `reference-target` (defaults/networks/reference-target.json: the real network of \
                 October 2025, the reference tool's target_topology.csv)",
        topology: (
            "defaults/networks/reference_target_topology.csv",
            include_str!("../../defaults/networks/reference_target_topology.csv"),
        ),
        special_limits: None,
    },
    Network {
        name: "production",
        about: "the 47 production subnets at their present sizes (subnet membership of October 2025)",
        config: "defaults/networks/production.json",
        source: "the network `production` (defaults/networks/production.json: the real network of October 2025, \
                 its 47 production subnets at their present sizes)",
        topology: (
            "defaults/networks/production_topology.csv",
            include_str!("../../defaults/networks/production_topology.csv"),
        ),
        special_limits: None,
    },
    Network {
        name: "growth-app75",
        about: "a growth scenario: 75 Application subnets (83 in all), DFINITY exactly 3 in the NNS and at most 1 \
                elsewhere (the reference gives ObjectiveValue 35)",
        config: "defaults/networks/growth-app75.json",
        source: "the network `growth-app75` (defaults/networks/growth-app75.json: the real network of October \
                 2025, 75 Application subnets, DFINITY at most 1 per subnet)",
        topology: ("defaults/networks/app75_topology.csv", include_str!("../../defaults/networks/app75_topology.csv")),
        special_limits: Some((
            "defaults/networks/app75_special_limits.json",
            include_str!("../../defaults/networks/app75_special_limits.json"),
        )),
    },
];

/// The list `topology networks` and `--network help` print: one line each.
pub fn listing() -> String {
    let mut out = String::from("The networks that ship with topology (--network NAME; the same as --config FILE):\n");
    for n in &NETWORKS {
        out.push_str(&format!("  {:<17} {}\n  {:<17} (--config {})\n", n.name, n.about, "", n.config));
    }
    out.push_str(
        "All use the real nodes of October 2025 (defaults/nodes.csv); `topology fetch` writes today's, \
         to evaluate with a configuration of your own (docs/node-providers.md).",
    );
    out
}

/// The network called `name`; an unknown name is refused with the list.
pub fn network(name: &str) -> Result<&'static Network, InputError> {
    NETWORKS.iter().find(|n| n.name == name).ok_or_else(|| {
        let names: Vec<&str> = NETWORKS.iter().map(|n| n.name).collect();
        InputError::new(
            "--network",
            format!("no network is called `{name}`; the networks are {} (`topology networks` says what each is)", {
                names.join(", ")
            }),
        )
    })
}

static SELECTED: std::sync::OnceLock<&'static Network> = std::sync::OnceLock::new();

/// Choose the network a command reads when it is given no `--config` or
/// `--inputs` (`--network NAME`); once, before any command runs.
pub fn select(name: &str) -> Result<(), InputError> {
    let chosen = network(name)?;
    let _ = SELECTED.set(chosen);
    Ok(())
}

/// Whether `--network` named a network.
pub fn selected_by_name() -> bool {
    SELECTED.get().is_some()
}

/// The network a command without `--config` or `--inputs` reads: the one
/// `--network` named, or the default.
pub fn selected() -> &'static Network {
    SELECTED.get().copied().unwrap_or(&NETWORKS[0])
}

/// The selected network's inputs (the default network's unless `--network`
/// named another) and the files they came from, in the order a
/// configuration's files are read.
pub fn default_inputs() -> Result<(Inputs, Vec<InputFile>), InputError> {
    network_inputs(selected())
}

/// A named network's inputs and the files they came from.
pub fn network_inputs(network: &Network) -> Result<(Inputs, Vec<InputFile>), InputError> {
    let (nodes, mut warnings) = files::parse_nodes_csv(NODES, "defaults/nodes.csv")?;
    let (topology_path, topology_text) = network.topology;
    let (topology, w) = files::parse_topology_csv(topology_text, topology_path)?;
    warnings.extend(w);
    let (cordons, w) = files::parse_blacklist_yaml(BLACKLIST, "defaults/blacklist.yaml")?;
    warnings.extend(w);
    let (clusters, w) = files::parse_clusters_json(CLUSTERS, "defaults/clusters.json")?;
    warnings.extend(w);
    let special_limits = match network.special_limits {
        Some((path, text)) => {
            let (limits, w) = files::parse_special_limits_json(text, path)?;
            warnings.extend(w);
            Some(files::resolve_special_limits(limits, &topology, path)?)
        }
        None => None,
    };
    let providers: std::collections::BTreeSet<&str> = nodes.iter().map(|n| n.node_provider_name.as_str()).collect();
    let unmatched = files::unmatched_cluster_members(&clusters, &providers, "defaults/clusters.json");
    warnings.extend(unmatched);
    let inputs = Inputs {
        settings: RuleSet::Y2025.default_settings(),
        nodes,
        pipeline: vec![],
        topology,
        sev_providers: vec![],
        cordons,
        clusters,
        special_limits,
        country_restrictions: None,
        warnings,
    };
    let file = |role: &str, path: &str, text: &str| InputFile {
        role: role.into(),
        path: path.into(),
        sha256: digest::sha256_hex(text.as_bytes()),
    };
    let mut files = vec![
        file("nodes_file", "defaults/nodes.csv", NODES),
        file("topology_file", topology_path, topology_text),
        file("blacklist_file", "defaults/blacklist.yaml", BLACKLIST),
        file("scenario", "defaults/clusters.json", CLUSTERS),
    ];
    if let Some((path, text)) = network.special_limits {
        files.push(file("special_limits_file", path, text));
    }
    Ok((inputs, files))
}

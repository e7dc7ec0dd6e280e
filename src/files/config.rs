//! The configuration JSON, with the reference tool's keys, and the loading of
//! every file it names into [`Inputs`]. Relative paths are taken from the
//! configuration file's folder (the reference takes them from its project
//! root, which is no help to a user with their own files). Every file read is
//! fingerprinted, so that a result can say exactly what it was computed from.

use super::diagnostics::{check_provider_spellings, Diagnostics, NameSite};
use super::json::{dedup_entries, Json, JsonDoc};
use super::loaded::{InputFile, LoadedConfig, Mode};
use super::{blacklist, clusters, nodes, pipeline, sev_providers, special_limits, topology};
use crate::error::InputError;
use crate::inputs::{
    Inputs, PlannedNode, RegistryNode, RuleSet, Settings, SpareNodeRatio, SpecialLimitScope, SpecialLimitsReading,
    SubnetSpec,
};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The keys that name files, in the order they are read and fingerprinted.
pub const FILE_KEYS: [&str; 7] = [
    "nodes_file",
    "topology_file",
    "node_pipeline_file",
    "blacklist_file",
    "scenario",
    "special_limits_file",
    "sev_providers_file",
];

const SETTING_KEYS: [&str; 9] = [
    "no_synthetic_countries",
    "enforce_sev_constraint",
    "enforce_health_constraint",
    "enforce_blacklist_constraint",
    "enforce_per_node_provider_assignation",
    "rules",
    "mode",
    "special_limits_reading",
    "spare_node_ratio",
];

/// Far more synthetic countries than any published run used (12 at most); each
/// adds 20 nodes to the model, so the bound keeps a typo from exhausting memory.
pub const MAX_SYNTHETIC_COUNTRIES: u32 = 1_000;

/// The values of a configuration, checked for type but not yet applied.
struct Config<'s> {
    doc: JsonDoc<'s>,
    values: Vec<(String, Json)>,
}

impl Config<'_> {
    fn get(&self, key: &str) -> Option<&Json> {
        self.values.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// An error about a key, located at its line.
    fn error(&self, key: &str, reason: impl Into<String>) -> InputError {
        self.doc.error(&[key], reason).field(key)
    }

    fn type_error(&self, key: &str, expected: &str, found: &Json) -> InputError {
        self.error(key, format!("`{key}` must be {expected}, found {}", found.kind()))
    }

    fn string(&self, key: &str) -> Result<Option<&str>, InputError> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.type_error(key, "a string", other)),
        }
    }

    /// A file path; `null` counts as absent, as `config.get` does in the reference.
    fn path(&self, key: &str) -> Result<Option<&str>, InputError> {
        match self.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) if s.is_empty() => Err(self.error(key, "empty path")),
            Some(Json::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.type_error(key, "a path (string)", other)),
        }
    }

    fn boolean(&self, key: &str, default: bool) -> Result<bool, InputError> {
        match self.get(key) {
            None => Ok(default),
            Some(Json::Bool(b)) => Ok(*b),
            Some(other) => Err(self.type_error(key, "a boolean (true or false)", other)),
        }
    }
}

/// The cluster files of a configuration whose `scenario` is a folder (its
/// `*.json` files, sorted by name, as the reference runs one scenario per
/// file); `None` when `scenario` is absent or a file.
pub(crate) fn scenario_files(path: &Path) -> Result<Option<Vec<String>>, InputError> {
    let config_source = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|e| InputError::new(&config_source, format!("cannot read the configuration file: {e}")))?;
    let text = decode(&bytes, &config_source)?;
    let doc = JsonDoc::parse(&text, &config_source)?;
    let Json::Object(entries) = &doc.value else { return Ok(None) };
    let Some((_, Json::String(written))) = entries.iter().find(|(k, _)| k == "scenario") else { return Ok(None) };
    let base = path.parent().unwrap_or(Path::new(""));
    let mut folder = base.join(written);
    if !folder.exists() && Path::new(written).is_relative() && Path::new(written).exists() {
        folder = PathBuf::from(written);
    }
    if !folder.is_dir() {
        return Ok(None);
    }
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .map_err(|e| {
            InputError::new(&config_source, format!("cannot read {}: {e}", folder.display())).field("scenario")
        })?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(doc
            .error(&["scenario"], format!("`{}` is a folder without cluster files (*.json)", folder.display()))
            .field("scenario"));
    }
    Ok(Some(names))
}

/// Load a configuration; `scenario_file`, for a `scenario` folder, names the
/// cluster file of it to read.
pub(crate) fn load(path: &Path, scenario_file: Option<&str>) -> Result<LoadedConfig, InputError> {
    let config_source = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|e| InputError::new(&config_source, format!("cannot read the configuration file: {e}")))?;
    let text = decode(&bytes, &config_source)?;
    let doc = JsonDoc::parse(&text, &config_source)?;
    let mut diags = Diagnostics::default();
    let Json::Object(entries) = doc.value.clone() else {
        return Err(InputError::new(&config_source, format!("expected a JSON object, found {}", doc.value.kind())));
    };
    let values = dedup_entries(&doc, &[], entries, &mut diags);
    let config = Config { doc, values };
    let known = |key: &str| FILE_KEYS.contains(&key) || SETTING_KEYS.contains(&key);
    if let Some((key, _)) = config.values.iter().find(|(key, _)| !known(key)) {
        return Err(config.error(
            key,
            format!("unknown key `{key}`; the keys are {}, {}", FILE_KEYS.join(", "), SETTING_KEYS.join(", ")),
        ));
    }
    let (settings, mode) = read_settings(&config)?;
    let mut defaults = defaulted_settings(&config, &settings);

    let base = path.parent().unwrap_or(Path::new(""));
    let mut reader = FileReader { config: &config, base, files: Vec::new(), fallbacks: Vec::new() };

    let nodes_path = config.path("nodes_file")?.ok_or_else(|| missing_key(&config_source, "nodes_file"))?;
    let topology_path = config.path("topology_file")?.ok_or_else(|| missing_key(&config_source, "topology_file"))?;

    let (nodes_source, text) = reader.read("nodes_file", nodes_path)?;
    let nodes = nodes::read_nodes(&text, &nodes_source, &mut diags)?;

    let (topology_source, text) = reader.read("topology_file", topology_path)?;
    let topology: Vec<_> =
        topology::read_topology(&text, &topology_source, &mut diags)?.into_iter().map(|(_, s)| s).collect();

    let mut pipeline_source = String::new();
    let pipeline = match config.path("node_pipeline_file")? {
        Some(written) => {
            let (source, text) = reader.read("node_pipeline_file", written)?;
            let nodes = pipeline::read_pipeline(&text, &source, &mut diags)?;
            pipeline_source = source;
            nodes
        }
        None => Vec::new(),
    };

    let cordons = match config.path("blacklist_file")? {
        Some(written) => {
            let (source, text) = reader.read("blacklist_file", written)?;
            blacklist::read_blacklist(&text, &source, &mut diags)?
        }
        None => Vec::new(),
    };

    let mut scenario_source = String::new();
    let mut member_sites: Vec<(Option<u64>, String)> = Vec::new();
    let clusters = match config.path("scenario")? {
        Some(written) => {
            let written = match scenario_file {
                Some(file) => format!("{}/{file}", written.trim_end_matches('/')),
                None => written.to_string(),
            };
            let (source, text) = reader.read("scenario", &written)?;
            let doc = JsonDoc::parse(&text, &source)?;
            let clusters = clusters::read_clusters(&doc, &mut diags)?;
            for cluster in &clusters {
                let line = doc.line(&[&cluster.name]);
                member_sites.extend(cluster.members.iter().map(|m| (line, m.clone())));
            }
            scenario_source = source;
            clusters
        }
        None => Vec::new(),
    };

    let special_limits = match config.path("special_limits_file")? {
        Some(written) => {
            let (source, text) = reader.read("special_limits_file", written)?;
            let doc = JsonDoc::parse(&text, &source)?;
            let limits = special_limits::read_special_limits(&doc, &mut diags)?;
            if settings.special_limits_reading == SpecialLimitsReading::BySubnetId {
                if let Some(SpecialLimitScope::SubnetType(key)) =
                    limits.keys().find(|k| matches!(k, SpecialLimitScope::SubnetType(_)))
                {
                    let error = InputError::new(
                        &source,
                        format!(
                            "`{key}` is not a subnet id: with special_limits_reading \"by_subnet_id\" the keys are \
                             subnet ids and `default` only (subnet types are read with \"2025\")"
                        ),
                    )
                    .field(format!("/{key}"));
                    return Err(with_line(error, doc.line(&[key.as_str()])));
                }
            }
            let resolved = special_limits::resolve_scopes(limits, &topology)
                .map_err(|key| with_line(special_limits::unknown_subnet(&source, &key), doc.line(&[&key])))?;
            Some(resolved)
        }
        None => {
            if settings.rules == RuleSet::Y2025 {
                defaults.push(
                    "special limits: the 2025 reference's (NNS: DFINITY exactly 3, data centers sh1 and zh2 at most 2, \
                     data-center providers Everyware and Digital Realty at most 2), as no special_limits_file is given"
                        .into(),
                );
            }
            None
        }
    };

    let mut sev_source = String::new();
    let sev_providers = match config.path("sev_providers_file")? {
        Some(written) => {
            let (source, text) = reader.read("sev_providers_file", written)?;
            let names = sev_providers::read_sev_providers(&text, &source, &mut diags)?;
            sev_source = source;
            names
        }
        None => Vec::new(),
    };

    let mut sites: Vec<NameSite<'_>> = Vec::new();
    sites.extend(nodes.iter().map(|(line, n)| NameSite {
        source: &nodes_source,
        line: Some(*line),
        field: "node_provider_name",
        name: &n.node_provider_name,
    }));
    sites.extend(pipeline.iter().map(|(line, n)| NameSite {
        source: &pipeline_source,
        line: Some(*line),
        field: "node_provider",
        name: &n.node_provider,
    }));
    sites.extend(member_sites.iter().map(|(line, name)| NameSite {
        source: &scenario_source,
        line: *line,
        field: "members",
        name,
    }));
    sites.extend(sev_providers.iter().map(|(line, name)| NameSite {
        source: &sev_source,
        line: Some(*line),
        field: "provider_name",
        name,
    }));
    check_provider_spellings(&mut diags, &sites);
    let providers: std::collections::BTreeSet<&str> = nodes
        .iter()
        .map(|(_, n)| n.node_provider_name.as_str())
        .chain(pipeline.iter().map(|(_, p)| p.node_provider.as_str()))
        .collect();
    let unmatched = super::near_miss::unmatched_cluster_members(&clusters, &providers, &scenario_source);

    for (key, written, shown) in &reader.fallbacks {
        diags.warn(
            &config_source,
            config.doc.line(&[key.as_str()]),
            Some(key),
            format!(
                "`{written}` is not in the configuration file's folder ({}); read `{shown}` from the working \
                 directory instead, as the reference tool does: write the path relative to the configuration \
                 file to make it unambiguous",
                base.join(written).display()
            ),
        );
    }
    let traps = Traps {
        settings: &settings,
        config_source: &config_source,
        nodes_source: &nodes_source,
        pipeline_source: &pipeline_source,
        has_sev_file: !sev_source.is_empty(),
    };
    traps.check(&nodes, &pipeline, &topology, &sev_providers, &mut diags);

    // A configuration cannot name country restrictions: the rule set's apply.
    let restricted: Vec<String> =
        crate::model::default_country_restrictions(settings.rules).into_iter().map(|r| r.subnet_type).collect();
    if !restricted.is_empty() {
        defaults.push(format!(
            "country restrictions: the {} rules' ({})",
            settings.rules.name(),
            restricted.join(", ")
        ));
    }

    let files = reader.files;
    Ok(LoadedConfig {
        inputs: Inputs {
            settings,
            nodes: nodes.into_iter().map(|(_, n)| n).collect(),
            pipeline: pipeline.into_iter().map(|(_, n)| n).collect(),
            topology,
            sev_providers: sev_providers.into_iter().map(|(_, n)| n).collect(),
            cordons,
            clusters,
            special_limits,
            country_restrictions: None,
            warnings: diags.into_warnings().into_iter().chain(unmatched).collect(),
        },
        files,
        mode,
        defaults,
    })
}

/// The settings: the rule set's defaults, overridden key by key.
fn read_settings(config: &Config<'_>) -> Result<(Settings, Mode), InputError> {
    let rules = match config.string("rules")? {
        None => RuleSet::Y2025,
        Some(name) => RuleSet::from_name(name).ok_or_else(|| {
            let names = RuleSet::ALL.map(|r| format!("\"{}\"", r.name()));
            config.error("rules", format!("unknown rule set `{name}`; expected one of {}", names.join(", ")))
        })?,
    };
    let mode = match config.string("mode")? {
        None | Some("minimize_new_nodes") => Mode::MinimizeNewNodes,
        Some("minimize_node_swaps") => Mode::MinimizeNodeSwaps,
        Some(other) => {
            return Err(config.error(
                "mode",
                format!("unknown mode `{other}`; expected \"minimize_new_nodes\" or \"minimize_node_swaps\""),
            ))
        }
    };
    let mut settings = rules.default_settings();
    match config.get("no_synthetic_countries") {
        None => {}
        Some(Json::Integer(n)) => {
            settings.synthetic_countries =
                u32::try_from(*n).ok().filter(|&n| n <= MAX_SYNTHETIC_COUNTRIES).ok_or_else(|| {
                    config.error(
                        "no_synthetic_countries",
                        format!("{n} is out of range: 0 to {MAX_SYNTHETIC_COUNTRIES} synthetic countries"),
                    )
                })?;
        }
        Some(other) => return Err(config.type_error("no_synthetic_countries", "a whole number (0 or more)", other)),
    }
    settings.enforce_sev = config.boolean("enforce_sev_constraint", settings.enforce_sev)?;
    settings.enforce_health = config.boolean("enforce_health_constraint", settings.enforce_health)?;
    settings.enforce_blacklist = config.boolean("enforce_blacklist_constraint", settings.enforce_blacklist)?;
    settings.enforce_per_provider_minimum =
        config.boolean("enforce_per_node_provider_assignation", settings.enforce_per_provider_minimum)?;
    if let Some(name) = config.string("special_limits_reading")? {
        settings.special_limits_reading = SpecialLimitsReading::from_name(name).ok_or_else(|| {
            let names = SpecialLimitsReading::ALL.map(|r| format!("\"{}\"", r.name()));
            config.error(
                "special_limits_reading",
                format!("unknown reading `{name}`; expected one of {}", names.join(", ")),
            )
        })?;
    }
    settings.spare_node_ratio = match config.get("spare_node_ratio") {
        None => None,
        Some(v @ (Json::Integer(_) | Json::Float(_))) => {
            let r = match v {
                Json::Integer(i) => *i as f64,
                Json::Float(f) => *f,
                _ => unreachable!("matched above"),
            };
            Some(SpareNodeRatio::new(r).ok_or_else(|| {
                config.error("spare_node_ratio", format!("{r} is out of range: the ratio is a number from 0 to 1"))
            })?)
        }
        Some(other) => return Err(config.type_error("spare_node_ratio", "a number from 0 to 1", other)),
    };
    Ok((settings, mode))
}

/// The settings keys a configuration leaves out, each with the default it
/// took (the rule set's), in the order of [`SETTING_KEYS`].
fn defaulted_settings(config: &Config<'_>, s: &Settings) -> Vec<String> {
    let rules = s.rules.name();
    let on = |b: bool| if b { "true" } else { "false" };
    let mut out = Vec::new();
    if config.get("rules").is_none() {
        out.push(format!("rules = {rules} (the newest rule set)"));
    }
    let keyed = [
        ("no_synthetic_countries", s.synthetic_countries.to_string()),
        ("enforce_sev_constraint", on(s.enforce_sev).to_string()),
        ("enforce_health_constraint", on(s.enforce_health).to_string()),
        ("enforce_blacklist_constraint", on(s.enforce_blacklist).to_string()),
        ("enforce_per_node_provider_assignation", on(s.enforce_per_provider_minimum).to_string()),
    ];
    for (key, value) in keyed {
        if config.get(key).is_none() {
            out.push(format!("{key} = {value} (the {rules} rules' default)"));
        }
    }
    out
}

/// Settings and files that together do something the user rarely means,
/// said as warnings with what to do instead.
struct Traps<'a> {
    settings: &'a Settings,
    config_source: &'a str,
    nodes_source: &'a str,
    pipeline_source: &'a str,
    has_sev_file: bool,
}

impl Traps<'_> {
    fn check(
        &self,
        nodes: &[(u64, RegistryNode)],
        pipeline: &[(u64, PlannedNode)],
        topology: &[SubnetSpec],
        sev_providers: &[(u64, String)],
        diags: &mut Diagnostics,
    ) {
        let rules = self.settings.rules;
        if topology.is_empty() {
            diags.warn(
                self.config_source,
                None,
                Some("topology_file"),
                "the target topology has no subnets (the file has no rows, or every number_of_subnets is 0): there \
                 is nothing to fill, so no node can lower the ObjectiveValue; check the topology_file",
            );
        }
        // SEV enforced, SEV subnets, and not one SEV-capable registry provider.
        let sev_subnets: u32 = topology.iter().filter(|s| s.is_sev).count() as u32;
        let listed: std::collections::BTreeSet<&str> = sev_providers.iter().map(|(_, n)| n.as_str()).collect();
        if self.settings.enforce_sev
            && sev_subnets > 0
            && !nodes.iter().any(|(_, n)| listed.contains(n.node_provider_name.as_str()))
        {
            let why = if self.has_sev_file {
                "the sev_providers_file names no provider of the nodes"
            } else {
                "no sev_providers_file is given"
            };
            diags.warn(
                self.config_source,
                None,
                Some("sev_providers_file"),
                format!(
                    "SEV is enforced and {sev_subnets} subnet(s) take only SEV-capable nodes, but no registry node is \
                     SEV-capable ({why}): those subnets can be filled only with synthetic nodes and SEV pipeline or \
                     candidate nodes. Name the SEV providers in sev_providers_file, or set enforce_sev_constraint to false"
                ),
            );
        }
        // A nodes file of another layout than the rule set's.
        let has_node_type = nodes.iter().any(|(_, n)| n.node_type.is_some());
        if rules == RuleSet::Y2025 && !nodes.is_empty() && !has_node_type {
            diags.warn(
                self.nodes_source,
                None,
                Some("node_type"),
                "the nodes file has no node_type values, which the 2025 rules need to leave out API boundary nodes: \
                 it looks like an older snapshot (2023 layout). Use the rules of its date (\"rules\": \"2023-12\" or \
                 \"2024-11\"), or a 2025 nodes file",
            );
        }
        if rules != RuleSet::Y2025 && nodes.iter().any(|(_, n)| n.node_type.as_deref() == Some("API_BOUNDARY")) {
            diags.warn(
                self.nodes_source,
                None,
                Some("node_type"),
                format!(
                    "the nodes file lists API boundary nodes, which the {} rules count as replicas (only the 2025 \
                     rules leave them out): if this is a 2025 snapshot, use \"rules\": \"2025\"",
                    rules.name()
                ),
            );
        }
        // A pipeline node that is already in the registry would count twice.
        let registry: std::collections::BTreeMap<&str, u64> =
            nodes.iter().map(|(line, n)| (n.node_id.as_str(), *line)).collect();
        for (line, p) in pipeline {
            if let Some(at) = p.node_id.as_deref().and_then(|id| registry.get(id)) {
                diags.warn(
                    self.pipeline_source,
                    Some(*line),
                    Some("node_id"),
                    format!(
                        "pipeline node `{}` is already in the registry ({} line {at}): it counts twice, once as a \
                         registry node and once as a pipeline node; remove it from the pipeline file",
                        p.node_id.as_deref().unwrap_or_default(),
                        self.nodes_source
                    ),
                );
            }
        }
    }
}

fn with_line(error: InputError, line: Option<u64>) -> InputError {
    match line {
        Some(line) => error.at_line(line),
        None => error,
    }
}

fn missing_key(config_source: &str, key: &str) -> InputError {
    InputError::new(config_source, format!("missing key `{key}` (the path of a required file)")).field(key)
}

/// Reads the files a configuration names, fingerprinting each.
struct FileReader<'c, 's> {
    config: &'c Config<'s>,
    base: &'c Path,
    files: Vec<InputFile>,
    /// (key, path as written, path read): relative paths found only in the
    /// working directory, where the reference tool looks for them.
    fallbacks: Vec<(String, String, String)>,
}

impl FileReader<'_, '_> {
    /// Returns the name to use for the file in messages and its text.
    fn read(&mut self, key: &str, written: &str) -> Result<(String, String), InputError> {
        let mut resolved: PathBuf = self.base.join(written);
        // The reference resolves relative paths against the working directory
        // (its repository root): its own configurations work as they are.
        let here = Path::new(written);
        if here.is_relative() && !resolved.exists() && here.exists() {
            resolved = here.to_path_buf();
            self.fallbacks.push((key.to_string(), written.to_string(), resolved.display().to_string()));
        }
        let shown = resolved.display().to_string();
        let config_error = |reason: String| self.config.error(key, reason);
        if key == "scenario" && resolved.is_dir() {
            let mut names: Vec<String> = std::fs::read_dir(&resolved)
                .map(|entries| {
                    entries
                        .filter_map(Result::ok)
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .filter(|name| name.ends_with(".json"))
                        .collect()
                })
                .unwrap_or_default();
            names.sort();
            return Err(config_error(format!(
                "`{shown}` is a folder: `topology evaluate` gives one result per cluster file in it, other \
                 commands take one of its files{}",
                if names.is_empty() { String::new() } else { format!(" ({})", names.join(", ")) }
            )));
        }
        let bytes = std::fs::read(&resolved).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound if Path::new(written).is_relative() => config_error(format!(
                "file not found: {shown} (relative paths are taken from the configuration file's folder, \
                 then from the working directory)"
            )),
            std::io::ErrorKind::NotFound => config_error(format!("file not found: {shown}")),
            _ => config_error(format!("cannot read {shown}: {e}")),
        })?;
        let sha256 = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        self.files.push(InputFile { role: key.to_string(), path: written.to_string(), sha256 });
        let text = decode(&bytes, &shown)?;
        Ok((shown, text))
    }
}

/// UTF-8 text, as pandas and Python's `open` read it by default.
fn decode(bytes: &[u8], source: &str) -> Result<String, InputError> {
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        InputError::new(source, format!("not valid UTF-8 (at byte {valid})")).at_line(line)
    })
}

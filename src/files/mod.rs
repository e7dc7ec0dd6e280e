//! Readers for the reference tool's input files (dfinity/decentralization):
//! the configuration JSON and the CSV, JSON and YAML files it names, read into
//! the plain records of [`crate::inputs`]. The reference reads its CSV files
//! with `pandas.read_csv` and its default arguments, and the ObjectiveValue
//! depends on what pandas makes of them (the 2023 pipeline's ` KR` is a country
//! of its own; a single ` True` turns a whole `is_sev` column into text), so
//! these readers reproduce pandas' reading rather than tidy it: fields are kept
//! verbatim, and whatever looks accidental is reported as a [`Warning`]. What
//! pandas would turn into NaN (an empty required field) is refused with an
//! [`InputError`] naming the file, line and field, since NaN's semantics are
//! not reproduced. Each format has a function over text, so it can be used and
//! tested without files; [`load_config`] reads a whole configuration.
//!
//! Every format function returns its records with the warnings it raised, in
//! the order the file raised them (identical warnings merged into one that
//! lists their lines).

mod blacklist;
mod clusters;
mod config;
mod csv_table;
mod diagnostics;
mod json;
mod loaded;
mod near_miss;
mod nodes;
mod pipeline;
mod sev_providers;
mod special_limits;
mod topology;

use crate::error::InputError;
use crate::inputs::{
    CandidateRow, Cordon, Inputs, PlannedNode, ProviderCluster, RegistryNode, SpecialLimits, SubnetSpec, Warning,
};
use diagnostics::{check_country, check_provider_spellings, Diagnostics, NameSite};
use std::path::Path;

pub use config::{FILE_KEYS, MAX_SYNTHETIC_COUNTRIES};
pub use diagnostics::{is_known_country, ISO_3166_ALPHA2};
pub use loaded::{InputFile, LoadedConfig, Mode};
pub use near_miss::{
    check_candidate_names, closest, data_center_names, edit_distance, is_near_miss, unmatched_cluster_members,
};
pub use pipeline::{
    check_candidate_total, parse_candidate_arg, parse_candidates_csv, CANDIDATE_COLUMNS, MAX_CANDIDATE_NODES,
    MAX_PLANNED_NODES,
};
pub use special_limits::{looks_like_principal, resolve_special_limits, scope_of_key};
pub use topology::MAX_SUBNETS;

/// Records read from a file, with the warnings reading raised.
pub type Parsed<T> = Result<(T, Vec<Warning>), InputError>;

/// Reads a configuration JSON with the reference's keys (`nodes_file`,
/// `topology_file`, `node_pipeline_file`, `blacklist_file`, `scenario`,
/// `special_limits_file`, `sev_providers_file`, `no_synthetic_countries`, the
/// `enforce_*` switches, `rules` and `mode`) and every file it names. Paths
/// are relative to the configuration's folder; settings it omits take the
/// rule set's defaults ([`crate::inputs::RuleSet::default_settings`]).
pub fn load_config(path: &Path) -> Result<LoadedConfig, InputError> {
    config::load(path, None)
}

/// The cluster files of a configuration whose `scenario` is a folder, sorted
/// by name (`None`: one scenario, or none).
pub fn scenario_files(path: &Path) -> Result<Option<Vec<String>>, InputError> {
    config::scenario_files(path)
}

/// Load a configuration with `scenario_file` of its `scenario` folder.
pub fn load_config_scenario(path: &Path, scenario_file: &str) -> Result<LoadedConfig, InputError> {
    config::load(path, Some(scenario_file))
}

fn parsed<T>(read: impl FnOnce(&mut Diagnostics) -> Result<T, InputError>) -> Parsed<T> {
    let mut diags = Diagnostics::default();
    let value = read(&mut diags)?;
    Ok((value, diags.into_warnings()))
}

fn without_lines<T>(rows: Vec<(u64, T)>) -> Vec<T> {
    rows.into_iter().map(|(_, row)| row).collect()
}

/// Reads the dashboard's `nodes.csv`: columns `node_id`, `node_provider_name`,
/// `node_provider_id`, `node_operator_id`, `dc_id`, `owner`, `region`,
/// `status`, optionally `node_type` and `subnet_id`; others are ignored.
pub fn parse_nodes_csv(text: &str, source: &str) -> Parsed<Vec<RegistryNode>> {
    parsed(|diags| nodes::read_nodes(text, source, diags).map(without_lines))
}

/// Reads a target topology CSV and expands each row into `number_of_subnets`
/// subnets, in file order.
pub fn parse_topology_csv(text: &str, source: &str) -> Parsed<Vec<SubnetSpec>> {
    parsed(|diags| topology::read_topology(text, source, diags).map(without_lines))
}

/// Reads a node pipeline CSV in either format (2023/2024 with `no_nodes`, 2025
/// with `node_id`); an empty file or a header alone is an empty pipeline.
pub fn parse_pipeline_csv(text: &str, source: &str) -> Parsed<Vec<PlannedNode>> {
    parsed(|diags| pipeline::read_pipeline(text, source, diags).map(without_lines))
}

/// Reads `sev_providers.csv`: a `provider_name` column, one name per row.
pub fn parse_sev_providers_csv(text: &str, source: &str) -> Parsed<Vec<String>> {
    parsed(|diags| sev_providers::read_sev_providers(text, source, diags).map(without_lines))
}

/// Reads a blacklist YAML (`features:` entries of `feature` and `value`).
pub fn parse_blacklist_yaml(text: &str, source: &str) -> Parsed<Vec<Cordon>> {
    parsed(|diags| blacklist::read_blacklist(text, source, diags))
}

/// Reads a cluster scenario JSON; clusters keep the file's order.
pub fn parse_clusters_json(text: &str, source: &str) -> Parsed<Vec<ProviderCluster>> {
    parsed(|diags| {
        let doc = json::JsonDoc::parse(text, source)?;
        clusters::read_clusters(&doc, diags)
    })
}

/// Reads a special-limits JSON. Scopes are classified by their form only;
/// [`resolve_special_limits`] checks them against a topology.
pub fn parse_special_limits_json(text: &str, source: &str) -> Parsed<SpecialLimits> {
    parsed(|diags| {
        let doc = json::JsonDoc::parse(text, source)?;
        special_limits::read_special_limits(&doc, diags)
    })
}

/// Refuses candidate text that does not mean what it shows ([`crate::text`],
/// the canister's rules): hidden, control, zero-width or bidirectional
/// characters, text not in Unicode normal form C, names over 128 bytes, a
/// country that is not an ISO 3166-1 alpha-2 code, and a name that resembles
/// an existing provider, data center or data-center provider without being it
/// (a Cyrillic `С` for a Latin `C`). `--verbatim-values` skips this check.
pub fn check_candidate_text(candidates: &[CandidateRow], source: &str, inputs: &Inputs) -> Result<(), InputError> {
    let existing = crate::text::ExistingNames::of(inputs);
    for (i, c) in candidates.iter().enumerate() {
        let refuse = |field: &str, e: crate::text::TextError| {
            InputError::new(
                source,
                format!("candidate row {}: {} (pass --verbatim-values to take it as given)", i + 1, e.reason()),
            )
            .field(field)
        };
        for (field, value) in [
            ("node_provider", &c.node_provider),
            ("data_center", &c.data_center),
            ("data_center_provider", &c.data_center_provider),
        ] {
            let nfc = crate::text::check_field(field, value).map_err(|e| refuse(field, e))?;
            if &nfc != value {
                return Err(InputError::new(
                    source,
                    format!(
                        "candidate row {}: `{value}` is not in Unicode normal form C, so it would differ from \
                         `{nfc}`, which looks the same: write it composed (pass --verbatim-values to take it as given)",
                        i + 1
                    ),
                )
                .field(field));
            }
        }
        crate::text::check_country(&c.country).map_err(|e| refuse("country", e))?;
        // The field the resembling value is in (`candidates[i].data_center`, ...).
        existing.check_candidate(i, c).map_err(|e| {
            let field = e.field.rsplit('.').next().unwrap_or("node_provider").to_string();
            refuse(&field, e)
        })?;
    }
    Ok(())
}

/// Warnings about candidates given the inputs they are evaluated with: a
/// country that is not an ISO code, and a provider name that differs from one
/// of the nodes or the pipeline only in case or whitespace (the reference
/// would count it as another provider).
pub fn candidate_warnings(candidates: &[CandidateRow], source: &str, inputs: &Inputs) -> Vec<Warning> {
    let mut diags = Diagnostics::default();
    for candidate in candidates {
        check_country(&mut diags, source, None, "country", &candidate.country);
    }
    let mut sites: Vec<NameSite<'_>> = Vec::new();
    sites.extend(inputs.nodes.iter().map(|n| NameSite {
        source: "the nodes",
        line: None,
        field: "node_provider_name",
        name: &n.node_provider_name,
    }));
    sites.extend(inputs.pipeline.iter().map(|n| NameSite {
        source: "the pipeline",
        line: None,
        field: "node_provider",
        name: &n.node_provider,
    }));
    sites.extend(candidates.iter().map(|c| NameSite {
        source,
        line: None,
        field: "node_provider",
        name: &c.node_provider,
    }));
    // Only the candidates' spellings are new; the inputs' own were warned about
    // when they were read.
    let mut spellings = Diagnostics::default();
    check_provider_spellings(&mut spellings, &sites);
    let mut warnings = diags.into_warnings();
    warnings.extend(spellings.into_warnings().into_iter().filter(|w| w.source == source));
    warnings
}

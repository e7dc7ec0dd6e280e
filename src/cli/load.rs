//! Where a command's inputs come from: a configuration, the canister's export
//! or the default network, and the candidate rows of `--candidates` or `--candidate`.

use super::defaults::{self, default_inputs};
use ic_topology::digest;
use ic_topology::export;
use ic_topology::files::{self, InputFile};
use ic_topology::inputs::{CandidateRow, Inputs};
use ic_topology::InputError;
use std::path::Path;

/// Read a canister export; its one input file is the export itself.
pub(crate) fn load_export(path: &Path) -> Result<(Inputs, Vec<InputFile>, String), InputError> {
    let source = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| InputError::new(&source, format!("cannot read the export: {e}")))?;
    let inputs = export::from_bytes(&bytes, &source, None)?;
    let file = InputFile { role: "export".into(), path: source.clone(), sha256: digest::sha256_hex(&bytes) };
    Ok((inputs, vec![file], format!("the canister export {source}")))
}

/// The inputs of `--config` or `--inputs` (the default network without either), their files and where they came from.
pub(crate) fn load(
    config: Option<&Path>,
    export: Option<&Path>,
) -> Result<(Inputs, Vec<InputFile>, String), InputError> {
    load_for(config, export, None).map(|(inputs, files, source, _)| (inputs, files, source))
}

/// Inputs, their files, where they came from, and the defaults applied.
pub(crate) type Loaded = (Inputs, Vec<InputFile>, String, Vec<String>);

/// As [`load`], refusing a configuration whose `mode` asks for the other command.
pub(crate) fn load_for(
    config: Option<&Path>,
    export: Option<&Path>,
    command: Option<files::Mode>,
) -> Result<Loaded, InputError> {
    if defaults::selected_by_name() && (config.is_some() || export.is_some()) {
        let given = if config.is_some() { "--config" } else { "--inputs" };
        return Err(InputError::new(
            "--network",
            format!("--network and {given} both say which network to read: give one of them"),
        ));
    }
    if let Some(path) = export {
        // The canister's configuration, as exported: no default is applied here.
        return load_export(path).map(|(inputs, files, source)| (inputs, files, source, vec![]));
    }
    match config {
        Some(path) => {
            let loaded = files::load_config(path)?;
            let source = path.display().to_string();
            // A plan of a configuration written for the ObjectiveValue is a fair
            // question; the ObjectiveValue of one written for a plan is not what it asks.
            if command == Some(files::Mode::MinimizeNewNodes) && loaded.mode == files::Mode::MinimizeNodeSwaps {
                return Err(InputError::new(
                    &source,
                    format!(
                        "its mode is `minimize_node_swaps`, a membership plan: run `topology plan --config {source}` \
                         (or set \"mode\": \"minimize_new_nodes\" for the ObjectiveValue)"
                    ),
                ));
            }
            Ok((loaded.inputs, loaded.files, source, loaded.defaults))
        }
        None => {
            let (inputs, files) = default_inputs()?;
            let source = defaults::selected().source;
            let defaults = vec![format!("no --config: {source} under the 2025 rules with all their defaults")];
            Ok((inputs, files, source.into(), defaults))
        }
    }
}

/// The candidates of `--candidates FILE` or of the `--candidate` rows. A
/// file with no rows is an error (a baseline is asked for by leaving the
/// option out). Their text is checked against the inputs by
/// `files::check_candidate_text`.
pub(crate) fn read_candidates(file: Option<&Path>, args: &[String]) -> Result<(Vec<CandidateRow>, String), InputError> {
    let (rows, source) = match file {
        Some(path) => {
            let source = path.display().to_string();
            let text = std::fs::read_to_string(path)
                .map_err(|e| InputError::new(&source, format!("cannot read the candidates file: {e}")))?;
            let rows = files::parse_candidates_csv(&text, &source)?;
            files::check_candidate_total(&rows, &source)?;
            if rows.is_empty() {
                return Err(InputError::new(
                    &source,
                    "the candidates file has no candidate rows (it is empty or has a header only); \
                     to evaluate the network without candidates, leave out --candidates",
                ));
            }
            (rows, source)
        }
        None => {
            let rows = args.iter().map(|c| files::parse_candidate_arg(c)).collect::<Result<Vec<_>, _>>()?;
            files::check_candidate_total(&rows, "--candidate")?;
            (rows, "--candidate".to_string())
        }
    };
    Ok((rows, source))
}

/// The dashboard's data-center names (`dc_name` to `dc_id`) of the nodes file
/// read: the shipped one without `--config`, the configuration's
/// `nodes_file` (when its bytes are still those read) with it; none for an export.
pub(crate) fn data_center_names(
    config: Option<&Path>,
    export: Option<&Path>,
    files: &[InputFile],
) -> std::collections::BTreeMap<String, String> {
    if export.is_some() {
        return Default::default();
    }
    let Some(config) = config else { return files::data_center_names(defaults::NODES) };
    let Some(nodes) = files.iter().find(|f| f.role == "nodes_file") else { return Default::default() };
    let base = config.parent().unwrap_or(Path::new(""));
    [base.join(&nodes.path), Path::new(&nodes.path).to_path_buf()]
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .find(|bytes| digest::sha256_hex(bytes) == nodes.sha256)
        .map(|bytes| files::data_center_names(&String::from_utf8_lossy(&bytes)))
        .unwrap_or_default()
}

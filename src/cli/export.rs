//! `topology export`: the export of a configuration, the bytes the canister's
//! `export_snapshot` gives for its snapshot.

use super::load::load;
use clap::Args;
use ic_topology::digest;
use ic_topology::export;
use ic_topology::InputError;
use std::path::PathBuf;
use std::process::ExitCode;

/// The arguments of `topology export`.
#[derive(Args)]
pub(crate) struct ExportArgs {
    /// A configuration JSON with the reference tool's keys; without it, the
    /// default network that ships with the project.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Where to write the export (canonical JSON); its sha256, printed on
    /// stderr, is the `configuration_sha256` every evaluation of it reports.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// Write the export and print its sha256.
pub(crate) fn run_export(a: ExportArgs) -> Result<ExitCode, InputError> {
    let (inputs, _, source) = load(a.config.as_deref(), None)?;
    for w in &inputs.warnings {
        let line = w.line.map_or(String::new(), |l| format!(", line {l}"));
        let field = w.field.as_ref().map_or(String::new(), |f| format!(", field `{f}`"));
        eprintln!("warning: {}{}{}: {}", w.source, line, field, w.message);
    }
    let bytes = export::to_bytes(&inputs);
    std::fs::write(&a.out, &bytes)
        .map_err(|e| InputError::new(a.out.display().to_string(), format!("cannot write the export: {e}")))?;
    eprintln!("{}  {} (the export of {source})", digest::sha256_hex(&bytes), a.out.display());
    Ok(ExitCode::SUCCESS)
}

//! Which inputs a `verify` needs, before any check runs.
//!
//! A result names the files it was computed from (role, path, sha256). When
//! the flags given cannot reproduce them (no `--config` for a result of a
//! configuration, no `--inputs` for a result of a canister export), that is
//! the user's mistake in the command, not a tampered result: a usage error
//! (exit 2) that names the missing flag, never "rejected: nodes_file differs".

use ic_topology::files::InputFile;
use ic_topology::InputError;
use std::path::Path;

/// `Ok` when the flags can reproduce the result's inputs; `defaults` are the
/// default network's files (what no flag means).
pub fn check(
    command: &str,
    result_source: &str,
    claimed: &[InputFile],
    config: Option<&Path>,
    export: Option<&Path>,
    defaults: &[InputFile],
) -> Result<(), InputError> {
    let from_export = claimed.iter().find(|f| f.role == "export");
    match (from_export, config, export) {
        (Some(f), None, None) => Err(InputError::new(
            result_source,
            format!(
                "it was computed from the canister export `{}`: pass it with --inputs (`topology {command} \
                 {result_source} --inputs {}`)",
                f.path, f.path
            ),
        )),
        (Some(f), Some(config), None) => Err(InputError::new(
            result_source,
            format!(
                "it was computed from the canister export `{}`, not from a configuration: check it with \
                 --inputs {} instead of --config {}",
                f.path,
                f.path,
                config.display()
            ),
        )),
        (None, _, Some(export)) if !claimed.is_empty() => Err(InputError::new(
            result_source,
            format!(
                "it was computed from a configuration (its {} is `{}`), not from a canister export: check it \
                 with --config (the configuration it names) instead of --inputs {}",
                claimed[0].role,
                claimed[0].path,
                export.display()
            ),
        )),
        (None, None, None) => {
            // A file the default network has (same bytes, or the same name: a
            // changed digest is then a rejection) is checked; any other is not its.
            let its =
                |f: &InputFile| defaults.iter().any(|d| d.role == f.role && (d.path == f.path || d.sha256 == f.sha256));
            match claimed.iter().find(|f| !its(f)) {
                Some(f) => Err(InputError::new(
                    result_source,
                    format!(
                        "it was computed from other inputs than the default network (its {} is `{}`): pass the \
                         configuration it came from with --config",
                        f.role, f.path
                    ),
                )),
                None => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

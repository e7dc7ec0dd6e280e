//! One run of the reference tool (`scripts/reference/run_reference.py`) for
//! the plan and placement benches.

use std::path::Path;
use std::process::Command;

/// The reference on `config` with `args`, using the checkout named by the
/// environment variable `checkout_var`: its JSON answer, or why not. `None`
/// when it is not to run (`BENCH_REFERENCE=0`, or `REFERENCE_PYTHON` or the
/// checkout unset).
pub fn run(checkout_var: &str, config: &Path, args: &[&str]) -> Option<Result<serde_json::Value, String>> {
    if std::env::var("BENCH_REFERENCE").as_deref() == Ok("0") {
        return None;
    }
    let python = std::env::var_os("REFERENCE_PYTHON")?;
    let checkout = std::env::var_os(checkout_var)?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/reference/run_reference.py");
    let out = Command::new(python)
        .arg(script)
        .arg("--reference")
        .arg(checkout)
        .arg("--config")
        .arg(config)
        .args(args)
        .output();
    Some(match out {
        // The reference's solver prints its log on stdout too: the answer is the last line.
        Ok(o) if o.status.success() => serde_json::from_str(
            String::from_utf8_lossy(&o.stdout).lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(""),
        )
        .map_err(|e| format!("unreadable reference output: {e}")),
        Ok(o) => Err(String::from_utf8_lossy(&o.stderr).lines().last().unwrap_or("failed").to_string()),
        Err(e) => Err(format!("cannot run the reference: {e}")),
    })
}

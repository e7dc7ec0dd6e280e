//! `topology generate`: write a realistic generated network for examples and benchmarks.

use clap::Args;
use ic_topology::InputError;
use ic_topology_generate::{self as generate, GenerateParams};
use std::path::PathBuf;
use std::process::ExitCode;

/// The arguments of `topology generate`.
#[derive(Args)]
pub(crate) struct GenerateArgs {
    /// Registry nodes to generate (the real network had about 1,500 in 2025).
    #[arg(long)]
    nodes: u32,
    /// Subnets of the generated topology (the real target has 70 to 83).
    #[arg(long)]
    subnets: u32,
    /// Seed of the generator: the same seed writes the same files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Folder to write into (created if missing).
    #[arg(long, default_value = "generated")]
    out: PathBuf,
}

/// Write the three files of a generated network.
pub(crate) fn run_generate(a: GenerateArgs) -> Result<ExitCode, InputError> {
    let params = GenerateParams { nodes: a.nodes, subnets: a.subnets, seed: a.seed };
    let network = generate::generate(&params).map_err(|e| InputError::new("--nodes/--subnets", e))?;
    let out = a.out.display().to_string();
    std::fs::create_dir_all(&a.out).map_err(|e| InputError::new(&out, format!("cannot create the folder: {e}")))?;
    for (name, text) in [
        ("nodes.csv", network.nodes_csv),
        ("topology.csv", network.topology_csv),
        ("config.json", generate::CONFIG_JSON.to_string()),
    ] {
        let path = a.out.join(name);
        std::fs::write(&path, text)
            .map_err(|e| InputError::new(path.display().to_string(), format!("cannot write: {e}")))?;
    }
    println!(
        "wrote {out}/nodes.csv, {out}/topology.csv and {out}/config.json ({} nodes, {} subnets, seed {})",
        a.nodes, a.subnets, a.seed
    );
    Ok(ExitCode::SUCCESS)
}

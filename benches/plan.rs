//! How long a membership plan (`minimize_node_swaps`) takes: the six cases of
//! `../shared/data/SWAP-ORACLES.md`, with the reference tool (PuLP + CBC)
//! side by side when it is installed.
//!
//! `cargo bench --bench plan` prints a Markdown table to stdout and writes it
//! to `target/bench-plan-results.md`; progress goes to stderr. It measures and
//! reports, it never asserts a timing. The engine is timed with
//! `std::time::Instant` around model build plus solve (files are read once,
//! outside the timing): one warm-up, then `BENCH_RUNS` runs (default 5, at
//! least 5), median and minimum. The reference column is filled when
//! `REFERENCE_PYTHON` (a python with pulp and pandas) and `REFERENCE_2025` (a
//! checkout of dfinity/decentralization at 23c9e1a) are set:
//! `scripts/reference/run_reference.py --mode minimize_node_swaps` then runs
//! once per case; its seconds are whole-process wall clock.

use ic_topology::files;
use ic_topology::plan;
use ic_topology::solve::{Budget, Status};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[path = "support/reference.rs"]
mod reference;
#[path = "../tests/support/swap_oracles.rs"]
mod swap_oracles;

fn runs() -> usize {
    std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(5).max(5)
}

fn reference(config: &Path) -> Option<Result<serde_json::Value, String>> {
    reference::run("REFERENCE_2025", config, &["--mode", "minimize_node_swaps"])
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let started = Instant::now();
    let mut table = String::new();
    let _ = writeln!(table, "## Membership plans (the reference's swap cases S1 to S6)\n");
    let Some(data) = swap_oracles::shared_data(Path::new(env!("CARGO_MANIFEST_DIR"))) else {
        let _ = writeln!(table, "skipped: ../shared/data not found (the reference snapshots are only in CI)");
        finish(&table);
        return;
    };
    let _ = writeln!(
        table,
        "| case | status | cost | synthetic / dropped / moved / newly assigned | certificate | engine median (min) | reference | reference status, cost, counts | speed-up |"
    );
    let _ = writeln!(table, "|---|---|---|---|---|---|---|---|---|");
    let dir = std::env::temp_dir().join(format!("ic-topology-bench-plan-{}", std::process::id()));
    let mut cases: Vec<(String, serde_json::Value, swap_oracles::Expected)> = Vec::new();
    let expected = [swap_oracles::S1, swap_oracles::S2, swap_oracles::S3, swap_oracles::S4];
    for (i, name) in swap_oracles::EXAMPLES.iter().enumerate() {
        cases.push((format!("S{} {name}", i + 1), swap_oracles::example(&data, name), expected[i]));
    }
    cases.push(("S5 2025-10 prod (47 subnets)".into(), swap_oracles::s5(&data), swap_oracles::S5));
    cases.push(("S6 growth (59 subnets)".into(), swap_oracles::s6(&data), swap_oracles::S6));
    for (label, json, want) in cases {
        eprintln!("[{:>6.1} s] {label}", started.elapsed().as_secs_f64());
        let config: PathBuf = swap_oracles::write(&dir.join(&label[..2]), &json);
        let inputs = files::load_config(&config).expect("the case loads").inputs;
        let budget = Budget::default();
        let _ = plan::plan(&inputs, &[], budget).expect("plans");
        let mut times = Vec::new();
        let mut last = None;
        for _ in 0..runs() {
            let t = Instant::now();
            let (_, p) = plan::plan(&inputs, &[], budget).expect("plans");
            times.push(t.elapsed());
            last = Some(p);
        }
        times.sort();
        let p = last.expect("at least one run");
        let c = p.counts.unwrap_or_default();
        let matches = p.status == Status::Optimal
            && p.cost == Some(want.cost)
            && (c.synthetic, c.dropped, c.moved, c.newly_assigned)
                == (want.synthetic, want.dropped, want.moved, want.newly_assigned);
        let (ref_time, ref_cost, speedup) = match reference(&config) {
            None => ("not run".to_string(), "-".to_string(), "-".to_string()),
            Some(Err(e)) => (format!("failed: {e}"), "-".into(), "-".into()),
            Some(Ok(v)) => {
                // The reference's status, cost and four counts, each against the engine's.
                let secs = v["seconds"].as_f64().unwrap_or(0.0);
                let cost = v["cost"].as_f64().map(|c| c.round() as u64);
                let status = v["status"].as_str().unwrap_or("-").to_string();
                let count = |k: &str| v["counts"][k].as_u64().map(|n| n as u32);
                let counts = [count("synthetic"), count("dropped"), count("moved"), count("newly_assigned")];
                let ours = [Some(c.synthetic), Some(c.dropped), Some(c.moved), Some(c.newly_assigned)];
                let same_status = (status == "Optimal") == (p.status == Status::Optimal);
                let same = same_status && cost == p.cost && counts == ours;
                let shown: Vec<String> = counts.iter().map(|n| n.map_or("-".into(), |n| n.to_string())).collect();
                (
                    format!("{secs:.1} s"),
                    format!(
                        "{status}, {}, {}{}",
                        cost.map_or("-".into(), |c| c.to_string()),
                        shown.join(" / "),
                        if same { "" } else { " MISMATCH" }
                    ),
                    format!("{:.0}x", secs / times[times.len() / 2].as_secs_f64()),
                )
            }
        };
        let _ = writeln!(
            table,
            "| {label} | {:?} | {}{} | {} / {} / {} / {} | {} | {} ({}) | {ref_time} | {ref_cost} | {speedup} |",
            p.status,
            p.cost.map_or("-".into(), |c| c.to_string()),
            if matches { "" } else { " MISMATCH with the reference's recorded cost" },
            c.synthetic,
            c.dropped,
            c.moved,
            c.newly_assigned,
            if p.certificate_is_tight { "proves it" } else { "lower bound only" },
            ms(times[times.len() / 2]),
            ms(times[0]),
        );
    }
    finish(&table);
}

fn finish(table: &str) {
    print!("{table}");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-plan-results.md");
    std::fs::write(&path, table).expect("write the results");
    eprintln!("wrote {}", path.display());
}

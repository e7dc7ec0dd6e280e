//! How long the placement map and the node values take: the
//! ORACLES.md cases #1 (2023-12), #3 (2024-11) and #5 (2025, 83 subnets,
//! mainnet scale), the map of a new node provider
//! (`placement::placement_map`) and every group's node value
//! (`value::node_values`), at the CLI's default budget.
//!
//! `cargo bench --bench placement` prints a Markdown table to stdout and
//! writes it to `target/bench-placement-results.md`; progress goes to
//! stderr. It measures and reports, it never asserts a timing. Files are read
//! once, outside the timing. Each figure is one warm-up, then `BENCH_RUNS`
//! runs (default 3) of the map (`BENCH_VALUE_RUNS`, default 1, of the node
//! values): the median and minimum wall clock (`std::time::Instant`) and the
//! median user CPU time of the process over the run (`/proc/self/stat`, 10 ms
//! ticks; on a shared machine wall clock is up to twice the CPU time, so CPU
//! time is the figure to compare). `BENCH_CASES=1,5` selects cases.
//!
//! With `REFERENCE_PYTHON` and the case's checkout (`REFERENCE_2023`,
//! `REFERENCE_2024`, `REFERENCE_2025`, as `scripts/bench.sh` documents), the
//! reference also answers a sample of the map's entries (`BENCH_REFERENCE_COUNTRIES`,
//! default 3, spread over the entries; `BENCH_REFERENCE=0` skips it): one run of
//! `scripts/reference/run_reference.py` per entry, with the entry's candidate row at
//! N = max(its deployment size, 1) nodes, whose ObjectiveValue must equal the map's
//! curve at N. The reference answers one (country, N) point per run, so the map's
//! cost to the reference is at least one run per entry: the table reports that
//! estimate from the runs' mean beside the map's CPU time.

use ic_topology::files;
use ic_topology::placement::{self, value, Target};
use ic_topology::solve::Budget;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[path = "../tests/support/oracles.rs"]
mod oracles;
#[path = "support/reference.rs"]
mod reference;

fn env_runs(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default).max(1)
}

/// User CPU time of this process so far (Linux), or `None` elsewhere.
fn user_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which is in parentheses); utime is field 14.
    let after = &stat[stat.rfind(')')? + 2..];
    let ticks: u64 = after.split(' ').nth(11)?.parse().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

struct Timing {
    median: Duration,
    min: Duration,
    cpu_median: Option<Duration>,
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (T, Timing) {
    let mut out = f();
    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    for _ in 0..runs {
        let (c0, t0) = (user_cpu(), Instant::now());
        out = f();
        walls.push(t0.elapsed());
        if let (Some(a), Some(b)) = (c0, user_cpu()) {
            cpus.push(b - a);
        }
    }
    walls.sort();
    cpus.sort();
    let timing = Timing {
        median: walls[walls.len() / 2],
        min: walls[0],
        cpu_median: (cpus.len() == runs).then(|| cpus[cpus.len() / 2]),
    };
    (out, timing)
}

fn s(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn cpu(t: &Timing) -> String {
    t.cpu_median.map_or("-".into(), s)
}

/// The reference's ObjectiveValue and whole-process seconds for one candidate row, or why not.
/// The reference's ObjectiveValue and whole-process seconds for one candidate row, or why not.
fn reference(checkout_var: &str, config: &Path, candidate: &str) -> Option<Result<(u32, f64), String>> {
    let answer = reference::run(checkout_var, config, &["--candidate", candidate])?;
    Some(answer.and_then(|v| match (v["objective"].as_f64(), v["seconds"].as_f64()) {
        (Some(objective), Some(seconds)) => Ok((objective.round() as u32, seconds)),
        _ => Err(format!("no objective in {v}")),
    }))
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(data) = oracles::shared_data(root) else {
        println!("skipped: ../shared/data not found (the reference snapshots are only in CI)");
        return;
    };
    let selected: Option<Vec<String>> =
        std::env::var("BENCH_CASES").ok().map(|v| v.split(',').map(|c| c.trim().to_string()).collect());
    let cases = [
        ("1", "#1 2023-12 (40 subnets)", oracles::december_2023(&data), "REFERENCE_2023"),
        ("3", "#3 2024-11 (60 subnets)", oracles::november_2024(&data), "REFERENCE_2024"),
        ("5", "#5 2025 app75 (83 subnets)", oracles::app75(&data), "REFERENCE_2025"),
    ];
    let sample = env_runs("BENCH_REFERENCE_COUNTRIES", 3);
    let mut against = String::new();
    let (map_runs, value_runs) = (env_runs("BENCH_RUNS", 3), env_runs("BENCH_VALUE_RUNS", 1));
    let budget = Budget::default();
    let mut table = String::new();
    writeln!(
        table,
        "| case | ObjectiveValue | countries (solved on their own) | points solved (full solves) | map median (min) | map user CPU | node-value groups (proven) | node values median | node values user CPU |"
    )
    .unwrap();
    writeln!(table, "|---|---:|---:|---:|---|---:|---:|---|---:|").unwrap();
    for (id, name, json, checkout_var) in cases {
        if selected.as_ref().is_some_and(|s| !s.iter().any(|c| c == id)) {
            continue;
        }
        let dir: PathBuf = std::env::temp_dir().join(format!("topology-bench-placement-{}-{id}", std::process::id()));
        let config = oracles::write(&dir, &json);
        let inputs = files::load_config(&config).expect("the case loads").inputs;
        eprintln!("{name}: the map, {map_runs} runs after a warm-up");
        let (map, mt) =
            time(map_runs, || placement::placement_map(&inputs, &Target::NewProvider, budget).expect("the map"));
        eprintln!("{name}: the node values, {value_runs} runs after a warm-up");
        let (values, vt) = time(value_runs, || value::node_values(&inputs, budget));
        let own = map.entries.iter().filter(|e| e.solved_as.is_none()).count();
        let proven = values.values.iter().filter(|v| v.needed.is_some()).count();
        writeln!(
            table,
            "| {name} | {} | {} ({own}) | {} ({}) | {} ({}) | {} | {} ({proven}) | {} | {} |",
            map.baseline_objective.map_or("-".into(), |v| v.to_string()),
            map.entries.len(),
            map.points_solved,
            map.full_solves,
            s(mt.median),
            s(mt.min),
            cpu(&mt),
            values.values.len(),
            s(vt.median),
            cpu(&vt),
        )
        .unwrap();
        // The reference on a sample of the entries, each at N = max(size, 1).
        let step = (map.entries.len() / sample).max(1);
        let (mut shown, mut secs) = (Vec::new(), Vec::new());
        for e in map.entries.iter().step_by(step).take(sample) {
            let n = e.sev.optimal_deployment_size.unwrap_or(0).max(1);
            let c = &e.candidate;
            let row =
                format!("{},{},{},{},true,{n}", c.node_provider, c.data_center, c.data_center_provider, c.country);
            eprintln!("{name}: the reference on {row}");
            match reference(checkout_var, &config, &row) {
                None => break,
                Some(Err(why)) => shown.push(format!("{}: reference failed: {why}", e.country)),
                Some(Ok((objective, seconds))) => {
                    let ours = e.sev.curve.get(n as usize).copied().flatten();
                    let same = ours == Some(objective);
                    shown.push(format!(
                        "{} at {n}: {objective} in {seconds:.1} s{}",
                        e.country,
                        if same { " ✓".to_string() } else { format!(" MISMATCH (the map's curve: {ours:?})") }
                    ));
                    secs.push(seconds);
                }
            }
        }
        if !shown.is_empty() {
            let mean = secs.iter().sum::<f64>() / secs.len().max(1) as f64;
            let map_cpu = mt.cpu_median.unwrap_or(mt.median).as_secs_f64();
            writeln!(
                against,
                "- {name}: the reference on {} of {} entries: {}; mean {mean:.1} s a run, so at least {} x {mean:.1} s = {:.0} s for the map, {:.0}x the map's {map_cpu:.2} s of CPU",
                secs.len(),
                map.entries.len(),
                shown.join(", "),
                map.entries.len(),
                mean * map.entries.len() as f64,
                mean * map.entries.len() as f64 / map_cpu.max(1e-9),
            )
            .unwrap();
        }
    }
    if !against.is_empty() {
        writeln!(table, "\nAgainst the reference (one whole-process run per sampled entry):\n").unwrap();
        table.push_str(&against);
    }
    print!("{table}");
    let out = root.join("target/bench-placement-results.md");
    std::fs::write(&out, &table).expect("write the results");
    eprintln!("written to {}", out.display());
}

//! How long an evaluation takes: the five reference cases of
//! `../shared/data/ORACLES.md`, generated networks at one, two and four times
//! mainnet, and a 13-point candidate curve on two of the reference cases; with
//! the reference tool (PuLP + CBC) side by side when it is installed.
//!
//! `cargo bench --bench evaluate` prints a Markdown table to stdout and writes
//! it to `target/bench-results.md`; progress goes to stderr. It measures and
//! reports, it never asserts a timing. The engine is timed with
//! `std::time::Instant` around model build plus solve (files are read once,
//! outside the timing): one warm-up, then `BENCH_RUNS` runs (default 5, at
//! least 5), median and minimum.
//!
//! The reference column is filled when `REFERENCE_PYTHON` names a python with
//! pulp and pandas and `REFERENCE_2023`, `REFERENCE_2024`, `REFERENCE_2025`
//! name checkouts of dfinity/decentralization at 212432e, eb1a2d9 and 23c9e1a;
//! `scripts/reference/run_reference.py` then runs once per reference case and
//! once on the 1x generated network. `BENCH_REFERENCE=0` skips it (a run takes
//! 15 to 170 s) and `BENCH_ONLY=text` keeps the cases whose label contains
//! `text`. Its seconds are whole-process wall clock (python start,
//! pandas reading the files, model building, CBC), so the speed-up column
//! compares a whole reference run with the engine's build and solve.

use ic_topology::evaluate;
use ic_topology::files;
use ic_topology::inputs::{CandidateRow, Inputs};
use ic_topology::model;
use ic_topology::solve::{self, Budget, Status, Work};
use ic_topology_generate::{self as generate, GenerateParams};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MESSI: &str = "Lionel Messi,Buenos Aires 1,Peron Corporation,AR,true";

fn progress(started: Instant, msg: impl AsRef<str>) {
    eprintln!("[{:>7.1} s] {}", started.elapsed().as_secs_f64(), msg.as_ref());
}

// ---------------------------------------------------------------------------
// Configurations: the cases of ORACLES.md as the oracle tests write them.

#[path = "../tests/support/oracles.rs"]
mod oracles;

use oracles::messi;

fn shared_data() -> Option<PathBuf> {
    oracles::shared_data(Path::new(env!("CARGO_MANIFEST_DIR")))
}

fn work_dir() -> PathBuf {
    std::env::temp_dir().join(format!("ic-topology-bench-{}", std::process::id()))
}

fn write_config(name: &str, json: serde_json::Value) -> PathBuf {
    oracles::write(&work_dir().join(name), &json)
}

fn config_2023(d: &Path) -> PathBuf {
    write_config("2023", oracles::december_2023(d))
}

fn config_2024(d: &Path) -> PathBuf {
    write_config("2024", oracles::november_2024(d))
}

fn config_app75(d: &Path) -> PathBuf {
    write_config("2025-app75", oracles::app75(d))
}

/// A generated network with the configuration `topology generate` writes.
fn config_generated(name: &str, nodes: u32, subnets: u32) -> Result<PathBuf, String> {
    let network = generate::generate(&GenerateParams { nodes, subnets, seed: 1 })?;
    let dir = work_dir().join(name);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("nodes.csv"), network.nodes_csv).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("topology.csv"), network.topology_csv).map_err(|e| e.to_string())?;
    let path = dir.join("config.json");
    std::fs::write(&path, generate::CONFIG_JSON).map_err(|e| e.to_string())?;
    Ok(path)
}

// ---------------------------------------------------------------------------
// Cases and their results.

enum Kind {
    /// Build and solve once per run.
    Single,
    /// One `evaluate::evaluate` call (candidates 0..=n) per run.
    Curve,
}

struct Case {
    label: String,
    kind: Kind,
    /// The configuration, or why there is none.
    config: Result<PathBuf, String>,
    candidates: Vec<CandidateRow>,
    /// `--candidate` arguments for the reference driver.
    candidate_args: Vec<String>,
    /// The ObjectiveValue ORACLES.md records for the case.
    oracle: Option<u32>,
    /// The environment variable naming the reference checkout, when the
    /// reference is run on this case.
    reference_env: Option<&'static str>,
}

#[derive(Default)]
struct Row {
    label: String,
    rules: String,
    nodes: String,
    subnets: String,
    classes: String,
    objective: String,
    status: String,
    median: Option<Duration>,
    min: Option<Duration>,
    /// Engine objective and status, for the comparison.
    engine: Option<(Status, Option<u32>)>,
    reference: Option<RefResult>,
    /// Why the reference column is empty.
    reference_note: Option<String>,
    /// Whether the reference is meant to run on the case.
    reference_planned: bool,
    oracle: Option<u32>,
    skipped: Option<String>,
    // Details.
    runs: usize,
    load: Option<Duration>,
    work: Option<Work>,
    work_note: String,
    work_stable: bool,
}

struct RefResult {
    status: String,
    objective: Option<u64>,
    seconds: f64,
}

fn status_name(s: Status) -> &'static str {
    match s {
        Status::Optimal => "optimal",
        Status::Infeasible => "infeasible",
        Status::BudgetExceeded => "budget_exceeded",
    }
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    let n = times.len();
    if n % 2 == 1 {
        times[n / 2]
    } else {
        (times[n / 2 - 1] + times[n / 2]) / 2
    }
}

fn add_work(a: Work, b: Work) -> Work {
    Work {
        lp_solves: a.lp_solves + b.lp_solves,
        branch_nodes: a.branch_nodes + b.branch_nodes,
        lp_iterations: a.lp_iterations + b.lp_iterations,
        split_programs: a.split_programs + b.split_programs,
        full_model: a.full_model || b.full_model,
    }
}

fn measure(case: &Case, runs: usize, started: Instant) -> Row {
    let mut row = Row {
        label: case.label.clone(),
        oracle: case.oracle,
        reference_planned: case.reference_env.is_some(),
        ..Row::default()
    };
    let config = match &case.config {
        Ok(c) => c,
        Err(why) => {
            row.skipped = Some(why.clone());
            return row;
        }
    };
    let t = Instant::now();
    let loaded = match files::load_config(config) {
        Ok(l) => l,
        Err(e) => {
            row.skipped = Some(format!("load_config failed: {e}"));
            return row;
        }
    };
    row.load = Some(t.elapsed());
    let inputs: &Inputs = &loaded.inputs;
    row.rules = inputs.settings.rules.name().to_string();
    let candidate_nodes: u32 = case.candidates.iter().map(|c| c.no_nodes).sum();
    row.nodes = inputs.nodes.len().to_string();
    if !inputs.pipeline.is_empty() {
        write!(row.nodes, " + {} planned", inputs.pipeline.len()).unwrap();
    }
    if candidate_nodes > 0 {
        write!(row.nodes, " + {candidate_nodes} cand.").unwrap();
    }
    row.runs = runs;
    let mut times = Vec::with_capacity(runs);
    match case.kind {
        Kind::Single => {
            let mut works = Vec::new();
            let mut last = None;
            for i in 0..=runs {
                let t = Instant::now();
                let model = model::build(inputs, &case.candidates);
                let solution = solve::solve(&model, Budget::default());
                let elapsed = t.elapsed();
                if i > 0 {
                    times.push(elapsed);
                }
                works.push(solution.work);
                last = Some((model, solution));
            }
            let (model, solution) = last.unwrap();
            row.subnets = model.subnets.len().to_string();
            row.classes = model.classes.len().to_string();
            row.objective = solution.objective.map_or("—".into(), |v| v.to_string());
            if solution.objective.is_none() {
                row.objective = format!(
                    "— (bounds {}..{})",
                    solution.lower_bound,
                    solution.upper_bound.map_or("∞".into(), |u| u.to_string())
                );
            }
            row.status = status_name(solution.status).into();
            row.engine = Some((solution.status, solution.objective));
            row.work_stable = works.iter().all(|w| *w == works[0]);
            row.work = Some(solution.work);
            row.work_note = "one solve".into();
        }
        Kind::Curve => {
            let mut last = None;
            for i in 0..=runs {
                let t = Instant::now();
                let (model, ev) = evaluate::evaluate(inputs, &case.candidates, Budget::default());
                let elapsed = t.elapsed();
                if i > 0 {
                    times.push(elapsed);
                }
                last = Some((model, ev));
            }
            let (model, ev) = last.unwrap();
            row.subnets = model.subnets.len().to_string();
            row.classes = model.classes.len().to_string();
            let values: Vec<String> =
                ev.curve.iter().map(|p| p.objective.map_or("—".into(), |v| v.to_string())).collect();
            row.objective = format!(
                "{} (size {})",
                values.join(" "),
                ev.optimal_deployment_size.map_or("—".into(), |s| s.to_string())
            );
            let optimal = ev.curve.iter().filter(|p| p.status == Status::Optimal).count();
            row.status = if optimal == ev.curve.len() {
                format!("optimal ×{}", optimal)
            } else {
                ev.curve.iter().map(|p| status_name(p.status)).collect::<Vec<_>>().join(" ")
            };
            // Work of every point solved on its own (evaluate reports only the
            // last point's, and solves fewer from neighbours), untimed.
            let mut total = Work::default();
            let mut again = Vec::new();
            for pass in 0..2 {
                let mut sum = Work::default();
                for n in 0..=candidate_nodes {
                    let cands =
                        if n == 0 { vec![] } else { vec![CandidateRow { no_nodes: n, ..case.candidates[0].clone() }] };
                    let m = model::build(inputs, &cands);
                    sum = add_work(sum, solve::solve(&m, Budget::default()).work);
                }
                if pass == 0 {
                    total = sum;
                }
                again.push(sum);
            }
            row.work_stable = again[0] == again[1];
            row.work = Some(total);
            row.work_note = format!("{} points each solved alone", candidate_nodes + 1);
        }
    }
    let min = *times.iter().min().unwrap();
    row.median = Some(median(&mut times));
    row.min = Some(min);
    progress(
        started,
        format!(
            "engine  {}: {} {} — median {:.1} ms, min {:.1} ms",
            row.label,
            row.objective,
            row.status,
            ms(row.median.unwrap()),
            ms(min)
        ),
    );
    row
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

// ---------------------------------------------------------------------------
// The reference tool.

/// Why the reference is not run at all, if it is not.
fn reference_disabled() -> Option<String> {
    if std::env::var("BENCH_REFERENCE").is_ok_and(|v| v == "0") {
        return Some("skipped: BENCH_REFERENCE=0".into());
    }
    match std::env::var_os("REFERENCE_PYTHON") {
        None => Some("not run: REFERENCE_PYTHON is not set (a python with pulp and pandas)".into()),
        Some(_) => None,
    }
}

fn run_reference(case: &Case, env: &str, started: Instant) -> Result<RefResult, String> {
    let checkout = std::env::var_os(env).ok_or_else(|| format!("not run: {env} is not set"))?;
    if !Path::new(&checkout).is_dir() {
        return Err(format!("not run: {env}={} is not a folder", Path::new(&checkout).display()));
    }
    let python = std::env::var_os("REFERENCE_PYTHON").expect("checked");
    let config = case.config.as_ref().map_err(|e| e.clone())?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/reference/run_reference.py");
    // The reference writes an `output/` folder into its working directory.
    let cwd = config.parent().unwrap().join("reference-cwd");
    std::fs::create_dir_all(&cwd).map_err(|e| e.to_string())?;
    let out_path = cwd.join("stdout.txt");
    let err_path = cwd.join("stderr.txt");
    let mut cmd = Command::new(&python);
    cmd.arg(&script).arg("--reference").arg(&checkout).arg("--config").arg(config);
    for c in &case.candidate_args {
        cmd.arg("--candidate").arg(c);
    }
    cmd.current_dir(&cwd)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).map_err(|e| e.to_string())?)
        .stderr(std::fs::File::create(&err_path).map_err(|e| e.to_string())?);
    progress(started, format!("reference {} ({env}) ...", case.label));
    let timeout = std::env::var("BENCH_REFERENCE_TIMEOUT").ok().and_then(|v| v.parse::<u64>().ok()).unwrap_or(1800);
    let t = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("cannot start {}: {e}", Path::new(&python).display()))?;
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if t.elapsed() > Duration::from_secs(timeout) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("killed after {timeout} s (BENCH_REFERENCE_TIMEOUT)"));
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    // CBC logs to the process's stdout; the driver's answer is its last JSON line.
    let line = stdout.lines().rev().find(|l| l.trim_start().starts_with("{\"status\""));
    let Some(line) = line else {
        let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
        return Err(format!("failed ({status}): {}", tail.into_iter().rev().collect::<Vec<_>>().join(" / ")));
    };
    let v: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("bad output {line:?}: {e}"))?;
    let r = RefResult {
        status: v["status"].as_str().unwrap_or("?").to_string(),
        objective: v["objective"].as_u64(),
        seconds: v["seconds"].as_f64().unwrap_or(t.elapsed().as_secs_f64()),
    };
    progress(
        started,
        format!(
            "reference {}: {} {} in {:.1} s",
            case.label,
            r.objective.map_or("—".into(), |o| o.to_string()),
            r.status,
            r.seconds
        ),
    );
    Ok(r)
}

// ---------------------------------------------------------------------------
// The report.

fn render(rows: &[Row], runs: usize, reference_off: &Option<String>) -> String {
    let mut s = String::new();
    writeln!(s, "| case | rules | nodes | subnets | classes | ObjectiveValue | status | engine median ms | engine min ms | reference ObjectiveValue | reference s | speed-up |").unwrap();
    writeln!(s, "|---|---|---|---|---|---|---|---:|---:|---|---:|---:|").unwrap();
    for r in rows {
        if let Some(why) = &r.skipped {
            writeln!(s, "| {} | | | | | {why} | | | | | | |", r.label).unwrap();
            continue;
        }
        let (ref_obj, ref_s, speedup) = match &r.reference {
            Some(x) => {
                let obj = match x.objective {
                    Some(o) if x.status == "Optimal" => o.to_string(),
                    Some(o) => format!("{o} ({})", x.status),
                    None => format!("— ({})", x.status),
                };
                let engine_s = r.median.unwrap().as_secs_f64();
                let ratio = x.seconds / engine_s;
                let speedup = if ratio >= 100.0 { format!("{ratio:.0}×") } else { format!("{ratio:.1}×") };
                (obj, format!("{:.1}", x.seconds), speedup)
            }
            None => ("—".into(), "—".into(), "—".into()),
        };
        writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {:.1} | {:.1} | {} | {} | {} |",
            r.label,
            r.rules,
            r.nodes,
            r.subnets,
            r.classes,
            r.objective,
            r.status,
            ms(r.median.unwrap()),
            ms(r.min.unwrap()),
            ref_obj,
            ref_s,
            speedup
        )
        .unwrap();
    }
    writeln!(s).unwrap();
    writeln!(
        s,
        "Engine: `model::build` + `solve::solve` (curves: one `evaluate::evaluate` call: bisection, each point started from its solved neighbours), default budget, \
         one warm-up then {runs} runs; files are read once, outside the timing. \
         Reference: one whole-process run of `scripts/reference/run_reference.py` (python start, pandas, PuLP model, CBC); \
         the speed-up divides it by the engine's median, so it compares a whole reference run with the engine's build and solve."
    )
    .unwrap();
    writeln!(s).unwrap();

    // Checks against the reference and ORACLES.md.
    let mut checks = Vec::new();
    for r in rows {
        let Some((status, objective)) = r.engine else { continue };
        if let Some(x) = &r.reference {
            let ref_status = x.status.to_lowercase();
            let same_status = ref_status == status_name(status);
            let same_value = objective.map(u64::from) == x.objective || (!same_status && objective.is_none());
            if status == Status::Optimal && x.status == "Optimal" && objective.map(u64::from) == x.objective {
                checks.push(format!(
                    "- {}: engine {} = reference {} ✓",
                    r.label,
                    objective.unwrap(),
                    x.objective.unwrap()
                ));
            } else if same_status && same_value {
                checks.push(format!("- {}: both {} ✓", r.label, x.status));
            } else {
                checks.push(format!(
                    "- **MISMATCH** {}: engine {} {:?}, reference {} {:?}",
                    r.label,
                    status_name(status),
                    objective,
                    x.status,
                    x.objective
                ));
            }
        }
        if let Some(o) = r.oracle {
            if objective != Some(o) || status != Status::Optimal {
                checks.push(format!(
                    "- **MISMATCH** {}: engine {} {:?}, recorded {o}",
                    r.label,
                    status_name(status),
                    objective
                ));
            }
        }
    }
    let oracle_rows = rows.iter().filter(|r| r.oracle.is_some() && r.engine.is_some()).count();
    let oracle_bad = checks.iter().filter(|c| c.contains(", recorded ")).count();
    if oracle_rows > 0 && oracle_bad == 0 {
        checks.push(format!(
            "- every reference case ({oracle_rows}) gives the ObjectiveValue recorded for the reference tool ✓"
        ));
    }
    writeln!(s, "Checks:").unwrap();
    if checks.is_empty() {
        writeln!(s, "- none (no reference run and no recorded case)").unwrap();
    }
    for c in &checks {
        writeln!(s, "{c}").unwrap();
    }
    let mut notes: Vec<String> = Vec::new();
    if let Some(why) = reference_off {
        notes.push(format!("reference column empty: {why}"));
    }
    let unplanned: Vec<&str> =
        rows.iter().filter(|r| !r.reference_planned && r.skipped.is_none()).map(|r| r.label.as_str()).collect();
    if reference_off.is_none() && !unplanned.is_empty() {
        notes.push(format!(
            "the reference runs on the five reference cases and the 1x network only, not on: {} \
             (a curve would take 13 reference runs)",
            unplanned.join(", ")
        ));
    }
    for r in rows {
        if let Some(n) = &r.reference_note {
            notes.push(format!("reference for {}: {n}", r.label));
        }
    }
    if !notes.is_empty() {
        writeln!(s).unwrap();
        for n in notes {
            writeln!(s, "- {n}").unwrap();
        }
    }
    writeln!(s).unwrap();

    // Work counters.
    writeln!(s, "Work (`solution.work`) and file reading:").unwrap();
    writeln!(s).unwrap();
    writeln!(s, "| case | counted over | lp_solves | branch_nodes | lp_iterations | split_programs | full_model | same every run | load_config ms |").unwrap();
    writeln!(s, "|---|---|---:|---:|---:|---:|---|---|---:|").unwrap();
    for r in rows {
        let Some(w) = r.work else { continue };
        writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {:.1} |",
            r.label,
            r.work_note,
            w.lp_solves,
            w.branch_nodes,
            w.lp_iterations,
            w.split_programs,
            w.full_model,
            if r.work_stable { "yes" } else { "**no**" },
            ms(r.load.unwrap())
        )
        .unwrap();
    }
    s
}

fn main() {
    // `cargo test --benches` runs this binary without `--bench`: only build it.
    if !std::env::args().any(|a| a == "--bench") {
        println!("evaluate bench: run it with `cargo bench --bench evaluate`");
        return;
    }
    let started = Instant::now();
    let runs = std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse::<usize>().ok()).unwrap_or(5).max(5);
    let data = shared_data();
    let no_data = || Err::<PathBuf, String>("skipped: ../shared/data not found".into());
    let data_config = |f: &dyn Fn(&Path) -> PathBuf| match &data {
        Some(d) => Ok(f(d)),
        None => no_data(),
    };
    let single = |label: &str,
                  config: Result<PathBuf, String>,
                  candidates: Vec<CandidateRow>,
                  oracle: Option<u32>,
                  env: Option<&'static str>| Case {
        label: label.into(),
        kind: Kind::Single,
        config,
        candidate_args: candidates.iter().map(|c| format!("{MESSI},{}", c.no_nodes)).collect(),
        candidates,
        oracle,
        reference_env: env,
    };
    let generated = |label: &str, name: &str, nodes: u32, subnets: u32, env: Option<&'static str>| {
        single(
            label,
            config_generated(name, nodes, subnets).map_err(|e| format!("generate failed: {e}")),
            vec![],
            None,
            env,
        )
    };
    let cases = vec![
        single("#1 2023-12", data_config(&config_2023), vec![], Some(20), Some("REFERENCE_2023")),
        single("#2 2023-12 + 1 candidate", data_config(&config_2023), vec![messi(1)], Some(19), Some("REFERENCE_2023")),
        single("#3 2024-11", data_config(&config_2024), vec![], Some(1), Some("REFERENCE_2024")),
        single(
            "#4 2025 prod topology",
            data_config(&|d| write_config("2025-prod", oracles::production_2025(d))),
            vec![],
            Some(0),
            Some("REFERENCE_2025"),
        ),
        single("#5 2025 app75 (83 subnets)", data_config(&config_app75), vec![], Some(35), Some("REFERENCE_2025")),
        generated("generated 1x (seed 1)", "gen-1x", 1450, 83, Some("REFERENCE_2025")),
        generated("generated 2x (seed 1)", "gen-2x", 2900, 166, None),
        generated("generated 4x (seed 1)", "gen-4x", 5800, 332, None),
        Case {
            label: "curve 0..12 candidates on #1".into(),
            kind: Kind::Curve,
            config: data_config(&config_2023),
            candidates: vec![messi(12)],
            candidate_args: vec![],
            oracle: None,
            reference_env: None,
        },
        Case {
            label: "curve 0..12 candidates on #5".into(),
            kind: Kind::Curve,
            config: data_config(&config_app75),
            candidates: vec![messi(12)],
            candidate_args: vec![],
            oracle: None,
            reference_env: None,
        },
    ];
    if data.is_none() {
        progress(started, "skipped: ../shared/data not found (reference cases and curves)");
    }
    // `BENCH_ONLY=text` keeps the cases whose label contains `text`.
    let cases: Vec<Case> = match std::env::var("BENCH_ONLY") {
        Ok(only) if !only.is_empty() => cases.into_iter().filter(|c| c.label.contains(only.as_str())).collect(),
        _ => cases,
    };

    let mut rows: Vec<Row> = cases
        .iter()
        .map(|case| {
            progress(started, format!("engine  {} ...", case.label));
            measure(case, runs, started)
        })
        .collect();

    let reference_off = reference_disabled();
    match &reference_off {
        Some(why) => progress(started, format!("reference column empty: {why}")),
        None => {
            for (case, row) in cases.iter().zip(rows.iter_mut()) {
                let Some(env) = case.reference_env else { continue };
                if row.skipped.is_some() {
                    continue;
                }
                match run_reference(case, env, started) {
                    Ok(r) => row.reference = Some(r),
                    Err(e) => {
                        progress(started, format!("reference {}: {e}", case.label));
                        row.reference_note = Some(e);
                    }
                }
            }
        }
    }

    let report = render(&rows, runs, &reference_off);
    print!("{report}");
    std::io::stdout().flush().unwrap();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let out = target.join("bench-results.md");
    match std::fs::create_dir_all(&target).and_then(|_| std::fs::write(&out, &report)) {
        Ok(()) => progress(started, format!("wrote {}", out.display())),
        Err(e) => progress(started, format!("cannot write {}: {e}", out.display())),
    }
    for line in report.lines().filter(|l| l.contains("MISMATCH")) {
        eprintln!("!!! {line}");
    }
    let _ = std::fs::remove_dir_all(work_dir());
}

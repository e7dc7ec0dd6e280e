//! `topology evaluate` explains itself: why an answer is infeasible (and
//! `verify` proves it), the switches and defaults in effect, the silent traps
//! turned into warnings and errors, why a curve stops, and a baseline of 0.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

const HEADER: &str = "subnet_type,number_of_subnets,subnet_size,is_sev,subnet_limit_node_provider,subnet_limit_data_center,subnet_limit_data_center_provider,subnet_limit_country";
const MESSI: &str = "Lionel Messi,Buenos Aires 1,Peron Corporation,AR,true,6";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", self.stdout, self.stderr))
    }
}

fn topology<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_topology"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the topology binary runs");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    assert!(!run.stderr.contains("panicked"), "the binary panicked:\n{}", run.stderr);
    run
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("ic-topology-explain-{}-{n}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The generated network of `defaults/generated/` (without `--config` the CLI evaluates the real one).
const GENERATED: &str = "defaults/generated/config.json";

fn defaults(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("defaults").join(name).display().to_string()
}

/// A configuration of the default nodes with `topology` rows and extra keys.
fn config(dir: &TempDir, rows: &str, extra: Value) -> String {
    let topology = dir.write("topology.csv", &format!("{HEADER}\n{rows}\n"));
    let mut config = serde_json::json!({ "rules": "2025", "nodes_file": defaults("generated/nodes.csv"), "topology_file": topology });
    for (k, v) in extra.as_object().unwrap() {
        config[k] = v.clone();
    }
    dir.write("config.json", &serde_json::to_string_pretty(&config).unwrap())
}

/// Usable DFINITY nodes of the default network under the 2025 defaults
/// (health enforced), counted from the nodes file itself.
fn usable_dfinity_nodes() -> usize {
    let text = std::fs::read_to_string(defaults("generated/nodes.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (provider, status, kind) = (col("node_provider_name"), col("status"), col("node_type"));
    reader
        .records()
        .map(Result::unwrap)
        .filter(|r| r[provider].starts_with("DFINITY"))
        .filter(|r| !matches!(&r[status], "DOWN" | "DEGRADED") && &r[kind] != "API_BOUNDARY")
        .count()
}

#[test]
fn an_infeasible_topology_says_why_and_verify_proves_it() {
    let dir = TempDir::new("dfinity");
    let usable = usable_dfinity_nodes();
    assert!(usable < 100, "the example needs fewer than 100 usable DFINITY nodes, the file has {usable}");
    let config = config(&dir, "Application,100,13,FALSE,1,1,1,2", serde_json::json!({}));
    let run = topology(&["evaluate", "--config", &config]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    for needle in [
        "why (checked infeasibility certificate: these constraints cannot hold together):".to_string(),
        "node provider DFINITY must have exactly 1 node(s) in each of 100 Application subnets (100 in all)".into(),
        format!("DFINITY has {usable} usable node(s) that these subnets may take"),
        format!("so at least {} node(s) are missing, even with every synthetic node", 100 - usable),
    ] {
        assert!(run.stdout.contains(&needle), "missing {needle:?} in:\n{}", run.stdout);
    }
    let run = topology(&["evaluate", "--config", &config, "--json"]);
    let v = run.json();
    assert_eq!(v["status"], "infeasible");
    assert!(v["lower_bound"].is_null() && v["upper_bound"].is_null() && v["objective"].is_null(), "{v}");
    assert!(v["infeasibility"]["explanation"].as_array().unwrap().len() >= 2);
    let result = dir.write("result.json", &run.stdout);
    let verified = topology(&["verify", &result, "--config", &config]);
    assert_eq!(verified.code, 0, "{}{}", verified.stdout, verified.stderr);
    assert!(verified.stdout.contains("infeasible, proven by the infeasibility certificate"), "{}", verified.stdout);

    // Forged: no certificate, a certificate that proves nothing, a bound carried along.
    let forge = |name: &str, f: &dyn Fn(&mut Value)| {
        let mut forged = v.clone();
        f(&mut forged);
        let path = dir.write(name, &serde_json::to_string(&forged).unwrap());
        topology(&["verify", &path, "--config", &config])
    };
    let r = forge("absent.json", &|f| f["infeasibility"] = Value::Null);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("without an infeasibility certificate"), "{}", r.stdout);
    let r = forge("zero.json", &|f| {
        f["infeasibility"]["certificate"] =
            serde_json::json!({"denominator": 1, "classes": [], "provider_minimums": [], "subnets": []})
    });
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("not a positive bound"), "{}", r.stdout);
    let r = forge("bound.json", &|f| f["lower_bound"] = 252114.into());
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("carries an objective, a bound or an allocation"), "{}", r.stdout);
}

#[test]
fn a_topology_with_no_subnets_says_so() {
    let dir = TempDir::new("empty");
    let minimum = config(&dir, "Application,0,13,FALSE,1,1,1,2", serde_json::json!({}));
    let run = topology(&["evaluate", "--config", &minimum]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stdout.contains("the target topology has no subnets"), "{}", run.stdout);
    assert!(run.stdout.contains("must have at least one node assigned (per-provider minimum"), "{}", run.stdout);
    // Without the per-provider minimum there is nothing to fill: 0, with a warning that says why.
    let dir = TempDir::new("empty-no-minimum");
    let plain = config(
        &dir,
        "Application,0,13,FALSE,1,1,1,2",
        serde_json::json!({ "enforce_per_node_provider_assignation": false }),
    );
    let run = topology(&["evaluate", "--config", &plain]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("the target topology has no subnets"), "{}", run.stdout);
    assert!(run.stdout.contains("no new node can help under this topology"), "{}", run.stdout);
}

#[test]
fn the_2023_snapshot_under_the_2025_rules_says_why_and_warns_about_the_layout() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/snapshot-2023-12");
    if !data.is_dir() {
        println!("skipped: ../shared/data not found (the reference snapshots are only in CI)");
        return;
    }
    let dir = TempDir::new("2023");
    let p = |f: &str| data.join(f).display().to_string();
    let config = serde_json::json!({
        "rules": "2025",
        "nodes_file": p("nodes.csv"),
        "node_pipeline_file": p("node_pipeline.csv"),
        "sev_providers_file": p("sev_providers.csv"),
        "topology_file": p("target_topology.csv"),
        "no_synthetic_countries": 12,
        "enforce_sev_constraint": true
    });
    let config = dir.write("config.json", &config.to_string());
    let run = topology(&["evaluate", "--config", &config]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stdout.contains("why (checked infeasibility certificate"), "{}", run.stdout);
    assert!(run.stdout.contains("it looks like an older snapshot (2023 layout)"), "{}", run.stdout);
    let v = topology(&["evaluate", "--config", &config, "--json"]).json();
    assert!(v["lower_bound"].is_null(), "no meaningless bound: {}", v["lower_bound"]);
}

#[test]
fn the_switches_and_the_defaults_applied_are_printed() {
    let dir = TempDir::new("switches");
    // One subnet cannot take a node of each of the default network's providers: no per-provider minimum.
    let config = config(
        &dir,
        "Application,1,13,FALSE,1,1,1,2",
        serde_json::json!({ "no_synthetic_countries": 2, "enforce_per_node_provider_assignation": false }),
    );
    let run = topology(&["evaluate", "--config", &config]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for needle in [
        "Switches in effect:",
        "rules 2025",
        "synthetic countries: 2 (40 synthetic nodes)",
        "SEV: not enforced",
        "health: enforced (",
        "blacklist: enforced (0 cordoned feature(s), 0 node(s) left out)",
        "per-provider minimum: not enforced",
        "special limits: the 2025 reference's defaults (NNS)",
        "country restrictions: none apply to this topology",
        "defaults applied:",
        "enforce_sev_constraint = false (the 2025 rules' default)",
        "enforce_health_constraint = true (the 2025 rules' default)",
        "special limits: the 2025 reference's (NNS",
        "country restrictions: the 2025 rules' (European Subnet, Swiss Subnet, US Subnet)",
    ] {
        assert!(run.stdout.contains(needle), "missing {needle:?} in:\n{}", run.stdout);
    }
    // A key that is given is not a default.
    assert!(!run.stdout.contains("no_synthetic_countries = "), "{}", run.stdout);
    assert!(!run.stdout.contains("rules = "), "{}", run.stdout);
}

#[test]
fn sev_enforced_without_sev_providers_is_a_warning_that_says_what_to_do() {
    let dir = TempDir::new("sev");
    let rows = "Application,1,13,TRUE,1,1,1,2";
    let config_sev = config(&dir, rows, serde_json::json!({ "enforce_sev_constraint": true }));
    let run = topology(&["evaluate", "--config", &config_sev]);
    assert!(run.stdout.contains("no registry node is SEV-capable (no sev_providers_file is given)"), "{}", run.stdout);
    assert!(run.stdout.contains("set enforce_sev_constraint to false"), "{}", run.stdout);
    // Not enforced: no warning.
    let dir = TempDir::new("nosev");
    let config_plain = config(&dir, rows, serde_json::json!({ "enforce_sev_constraint": false }));
    let run = topology(&["evaluate", "--config", &config_plain]);
    assert!(!run.stdout.contains("SEV-capable (no"), "{}", run.stdout);
}

#[test]
fn a_pipeline_node_that_is_a_registry_node_is_a_warning() {
    let dir = TempDir::new("pipeline");
    let nodes = std::fs::read_to_string(defaults("generated/nodes.csv")).unwrap();
    let id = nodes.lines().nth(1).unwrap().split(',').next().unwrap().to_string();
    let pipeline = dir.write(
        "pipeline.csv",
        &format!("node_id,node_provider,data_center,data_center_provider,country,is_sev\n{id},Acme,ac1,Acme DC,DE,false\nnew-1,Acme,ac1,Acme DC,DE,false\n"),
    );
    let config = config(
        &dir,
        "Application,1,13,FALSE,1,1,1,2",
        serde_json::json!({ "node_pipeline_file": pipeline, "enforce_per_node_provider_assignation": false }),
    );
    let run = topology(&["evaluate", "--config", &config]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains(&format!("pipeline node `{id}` is already in the registry")), "{}", run.stdout);
    assert!(!run.stdout.contains("pipeline node `new-1`"), "{}", run.stdout);
}

#[test]
fn a_lower_case_country_is_refused_unless_verbatim() {
    let lower = "Acme,ac1,Acme DC,us,false,1";
    let run = topology(&["evaluate", "--config", GENERATED, "--candidate", lower]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("did you mean US?"), "{}", run.stderr);
    assert!(run.stderr.contains("--verbatim-values"), "{}", run.stderr);
    let run = topology(&["evaluate", "--config", GENERATED, "--candidate", lower, "--verbatim-values", "--json"]);
    assert_eq!(run.json()["candidates"][0]["country"], "us");
    // An upper-case code is not refused; a code that is no ISO code in any case is
    // refused too (candidate countries are ISO codes, as the canister requires),
    // without a suggestion, unless taken verbatim.
    assert_ne!(topology(&["evaluate", "--config", GENERATED, "--candidate", "Acme,ac1,Acme DC,US,false,1"]).code, 2);
    let zz = topology(&["evaluate", "--config", GENERATED, "--candidate", "Acme,ac1,Acme DC,zz,false,1"]);
    assert_eq!(zz.code, 2, "{}", zz.stdout);
    assert!(!zz.stderr.contains("did you mean"), "{}", zz.stderr);
    let zz = "Acme,ac1,Acme DC,zz,false,1";
    assert_ne!(topology(&["evaluate", "--config", GENERATED, "--candidate", zz, "--verbatim-values"]).code, 2);
}

#[test]
fn an_empty_or_header_only_candidates_file_is_an_error() {
    let dir = TempDir::new("candidates");
    for (name, text) in
        [("empty.csv", ""), ("header.csv", "node_provider,data_center,data_center_provider,country,is_sev,no_nodes\n")]
    {
        let path = dir.write(name, text);
        let run = topology(&["evaluate", "--config", GENERATED, "--candidates", &path]);
        assert_eq!(run.code, 2, "{name}: {}", run.stdout);
        assert!(run.stderr.contains("has no candidate rows"), "{name}: {}", run.stderr);
        assert!(run.stderr.contains("leave out --candidates"), "{name}: {}", run.stderr);
    }
}

#[test]
fn a_curve_that_stops_names_the_limit_and_where_the_candidates_went() {
    let run = topology(&["evaluate", "--config", GENERATED, "--candidate", MESSI, "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = run.json();
    assert_ne!(v["verdict"], "one_for_one", "the example needs a curve that stops");
    let placements: Vec<String> =
        v["candidate_placements"].as_array().unwrap().iter().map(|l| l.as_str().unwrap().to_string()).collect();
    // The placements account for every candidate node.
    let count = |l: &String| l.split(": ").nth(1).unwrap().split(' ').next().unwrap().parse::<u64>().unwrap();
    assert_eq!(placements.iter().map(count).sum::<u64>(), 6, "{placements:?}");
    let stop: Vec<&str> = v["curve_stop"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert!(!stop.is_empty());
    assert!(
        stop[0].contains("candidate node(s) of Lionel Messi in Buenos Aires 1 (AR) do not lower the ObjectiveValue"),
        "{stop:?}"
    );
    assert!(stop[0].contains("already has its maximum"), "{stop:?}");
    assert!(stop.last().unwrap().starts_with("still short: "), "{stop:?}");
    let text = topology(&["evaluate", "--config", GENERATED, "--candidate", MESSI]);
    assert!(text.stdout.contains("where the candidates went"), "{}", text.stdout);
    assert!(text.stdout.contains("why the curve stops:"), "{}", text.stdout);
    assert!(text.stdout.contains(stop[0]), "{}", text.stdout);
}

#[test]
fn a_baseline_of_zero_says_no_new_node_can_help() {
    let dir = TempDir::new("zero");
    let config = config(
        &dir,
        "Application,1,13,FALSE,1,1,1,2",
        serde_json::json!({ "enforce_per_node_provider_assignation": false }),
    );
    let run = topology(&["evaluate", "--config", &config, "--candidate", MESSI]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("without the candidates: 0"), "{}", run.stdout);
    assert!(run.stdout.contains("no new node can help under this topology"), "{}", run.stdout);
    // A baseline above 0 does not say it.
    let run = topology(&["evaluate", "--config", GENERATED, "--candidate", MESSI]);
    assert!(!run.stdout.contains("no new node can help"), "{}", run.stdout);
}

//! The `topology` binary end to end: `evaluate` on the default network and on
//! generated ones, `verify` against honest and tampered result files, and the
//! messages and exit codes for bad input (2), rejected results (1), infeasible
//! networks (3) and exhausted budgets (4).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

const MESSI: &str = "Lionel Messi,Buenos Aires 1,Peron Corporation,AR,true,6";
/// The generated network of `defaults/generated/` (ObjectiveValue 4): the
/// examples' network. Without `--config` the CLI evaluates the real one.
const GENERATED: &str = "defaults/generated/config.json";

/// What a run of the binary gave.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
    }
}

fn topology<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_topology"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the topology binary runs");
    let run = Run {
        // A signal (a panic under `panic = "abort"`) has no code: -1 fails every check.
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    };
    assert!(!run.stderr.contains("panicked"), "the binary panicked:\n{}", run.stderr);
    run
}

/// A fresh folder under the system's temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("ic-topology-cli-{}-{n}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).expect("write temp file");
        path
    }

    fn write_json(&self, name: &str, value: &Value) -> PathBuf {
        self.write(name, &serde_json::to_string_pretty(value).unwrap())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn defaults(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("defaults").join(name)
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// `evaluate --json --candidate MESSI` on the default network, computed once.
fn messi_result() -> &'static str {
    static RESULT: OnceLock<String> = OnceLock::new();
    RESULT.get_or_init(|| {
        let run = topology(&["evaluate", "--config", GENERATED, "--json", "--candidate", MESSI]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.stdout
    })
}

fn messi_json() -> Value {
    serde_json::from_str(messi_result()).unwrap()
}

/// A configuration of the default nodes with another topology / special limits.
fn config_with(dir: &TempDir, extra: Value) -> PathBuf {
    let mut config = serde_json::json!({
        "rules": "2025",
        "nodes_file": s(&defaults("generated/nodes.csv")),
        "topology_file": s(&defaults("topology.csv")),
    });
    for (k, v) in extra.as_object().unwrap() {
        config[k] = v.clone();
    }
    dir.write_json("config.json", &config)
}

/// Bad input: exit code 2, and stderr names `needles` (file, line, field...).
fn assert_input_error(run: &Run, needles: &[&str]) {
    assert_eq!(run.code, 2, "expected exit 2; stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "nothing on stdout for bad input, got:\n{}", run.stdout);
    for needle in needles {
        assert!(run.stderr.contains(needle), "stderr does not name `{needle}`:\n{}", run.stderr);
    }
}

// ---------------------------------------------------------------------------
// evaluate on the default network

#[test]
fn evaluate_generated_network_prints_objective_value_4() {
    let run = topology(&["evaluate", "--config", GENERATED]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("ObjectiveValue: 4"), "{}", run.stdout);
    assert!(run.stdout.contains("configuration sha256"), "{}", run.stdout);
}

/// Without `--config`: the real network of October 2025 under the topology
/// in force, which it cannot fill (exit 3), with its blacklist and clusters.
#[test]
fn evaluate_without_config_evaluates_the_real_network() {
    let run = topology(&["evaluate", "--json"]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    assert_eq!(v["status"], "infeasible");
    assert!(v["inputs"]["source"].as_str().unwrap().contains("real network of October 2025"), "{}", v["inputs"]);
    assert_eq!(v["network"]["registry_nodes"], 1447);
    assert_eq!(v["network"]["subnets"], 70);
    let roles: Vec<&str> =
        v["inputs"]["files"].as_array().unwrap().iter().map(|f| f["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["nodes_file", "topology_file", "blacklist_file", "scenario"]);
    assert_eq!(v["network"]["excluded"]["cordoned"], 29);
}

#[test]
fn evaluate_json_has_every_field_a_proposal_quotes() {
    let run = topology(&["evaluate", "--config", GENERATED, "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // One JSON object and nothing else.
    let v = run.json();
    assert!(v.is_object());
    assert_eq!(v["status"], "optimal");
    assert_eq!(v["objective"], 4);
    for key in ["baseline_objective", "reduction", "verdict", "curve", "warnings", "certificate", "allocation"] {
        assert!(v.get(key).is_some(), "missing `{key}`");
    }
    // Without candidates there is nothing to compare with.
    assert!(v["baseline_objective"].is_null());
    assert!(v["reduction"].is_null());
    assert!(v["verdict"].is_null());
    assert_eq!(v["curve"].as_array().unwrap().len(), 1);
    assert_eq!(v["curve"][0]["objective"], 4);
    assert!(v["warnings"].is_array());
    assert!(v["certificate"]["denominator"].as_u64().unwrap() >= 1);
    assert_eq!(v["certificate_is_tight"], true);
    assert_eq!(v["lower_bound"], 4);
    let files = v["inputs"]["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    for f in files {
        let sha = f["sha256"].as_str().unwrap();
        assert_eq!(sha.len(), 64);
        assert!(sha.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    }
    let digest = v["inputs"]["configuration_sha256"].as_str().unwrap();
    assert_eq!(digest.len(), 64);
    assert_eq!(v["allocation"].as_array().unwrap().len(), 70);
}

#[test]
fn embedded_default_equals_defaults_config_json() {
    let embedded = topology(&["evaluate", "--json"]).json();
    let config = s(&defaults("config.json"));
    let run = topology(&["evaluate", "--config", &config, "--json"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let on_disk = run.json();
    assert_eq!(embedded["inputs"]["configuration_sha256"], on_disk["inputs"]["configuration_sha256"]);
    assert_eq!(embedded["objective"], on_disk["objective"]);
    assert_eq!(embedded["settings"], on_disk["settings"]);
    assert_eq!(embedded["certificate"], on_disk["certificate"]);
    assert_eq!(embedded["allocation"], on_disk["allocation"]);
    // Same bytes, so the same file digests (the paths are written differently).
    let shas = |v: &Value| -> Vec<(String, String)> {
        v["inputs"]["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["role"].as_str().unwrap().to_string(), f["sha256"].as_str().unwrap().to_string()))
            .collect()
    };
    assert_eq!(shas(&embedded), shas(&on_disk));
}

#[test]
fn result_of_the_embedded_default_verifies_against_defaults_config_json() {
    let dir = TempDir::new("cross-verify");
    let result = dir.write("result.json", messi_result());
    let run = topology(&["verify", &s(&result), "--config", &s(&defaults("generated/config.json"))]);
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("verified:"), "{}", run.stdout);
}

// ---------------------------------------------------------------------------
// candidates

#[test]
fn one_argentinian_candidate_row_of_six_nodes() {
    let v = messi_json();
    assert_eq!(v["status"], "optimal");
    assert_eq!(v["baseline_objective"], 4);
    assert_eq!(v["objective"], 3);
    assert_eq!(v["reduction"], 1);
    assert_eq!(v["verdict"], "diminishing");
    assert_eq!(v["candidate_nodes"], 6);
    assert_eq!(v["optimal_deployment_size"], 1);
    let curve = v["curve"].as_array().unwrap();
    assert_eq!(curve.len(), 7);
    let values: Vec<u64> = curve.iter().map(|p| p["objective"].as_u64().unwrap()).collect();
    assert_eq!(values, [4, 3, 3, 3, 3, 3, 3]);
    for (i, p) in curve.iter().enumerate() {
        assert_eq!(p["nodes"], i as u64);
        assert_eq!(p["status"], "optimal");
    }
    assert_eq!(v["candidates"].as_array().unwrap().len(), 1);
    assert_eq!(v["candidates"][0]["no_nodes"], 6);
    assert_eq!(v["candidates"][0]["is_sev"], true);
}

#[test]
fn human_summary_shows_the_candidates_curve() {
    let run = topology(&["evaluate", "--config", GENERATED, "--candidate", MESSI]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("ObjectiveValue: 3"), "{}", run.stdout);
    assert!(run.stdout.contains("without the candidates: 4"), "{}", run.stdout);
    assert!(run.stdout.contains("verdict: diminishing"), "{}", run.stdout);
    assert!(run.stdout.contains("optimal deployment size: 1"), "{}", run.stdout);
}

/// Remove warnings that name where the candidates came from (the only place
/// the candidates' source can appear in a result).
fn without_candidate_source(mut v: Value, source: &str) -> Value {
    if let Some(ws) = v["warnings"].as_array_mut() {
        ws.retain(|w| w["source"] != source);
    }
    v
}

#[test]
fn candidates_file_gives_the_same_result_as_candidate_argument() {
    let dir = TempDir::new("candidates-file");
    let csv = dir.write(
        "candidates.csv",
        &format!("node_provider,data_center,data_center_provider,country,is_sev,no_nodes\n{MESSI}\n"),
    );
    let run = topology(&["evaluate", "--config", GENERATED, "--json", "--candidates", &s(&csv)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let from_file = without_candidate_source(run.json(), &s(&csv));
    let from_arg = without_candidate_source(messi_json(), "--candidate");
    assert_eq!(from_file, from_arg);
}

#[test]
fn candidates_and_candidate_together_are_refused() {
    let dir = TempDir::new("both");
    let csv = dir.write(
        "candidates.csv",
        &format!("node_provider,data_center,data_center_provider,country,is_sev,no_nodes\n{MESSI}\n"),
    );
    let run = topology(&["evaluate", "--config", GENERATED, "--candidates", &s(&csv), "--candidate", MESSI]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn evaluate_json_is_byte_identical_across_runs() {
    let a = topology(&["evaluate", "--config", GENERATED, "--json"]);
    let b = topology(&["evaluate", "--config", GENERATED, "--json"]);
    assert_eq!(a.code, 0);
    assert_eq!(a.stdout, b.stdout);
    let c = topology(&["evaluate", "--config", GENERATED, "--json", "--candidate", MESSI]);
    assert_eq!(c.stdout, messi_result());
}

// ---------------------------------------------------------------------------
// verify

#[test]
fn verify_accepts_an_honest_result() {
    let dir = TempDir::new("verify-ok");
    let result = dir.write("result.json", messi_result());
    let run = topology(&["verify", "--config", GENERATED, &s(&result)]);
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("verified:"), "{}", run.stdout);
    assert!(run.stdout.contains("ObjectiveValue 3 is optimal"), "{}", run.stdout);

    // And without candidates.
    let plain = dir.write("plain.json", &topology(&["evaluate", "--config", GENERATED, "--json"]).stdout);
    let run = topology(&["verify", "--config", GENERATED, &s(&plain)]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.starts_with("verified:"), "{}", run.stdout);
}

/// Verify a tampered copy of the result: rejected (exit 1) with a reason
/// on stdout that contains every one of `reasons`.
fn assert_rejected(name: &str, tamper: impl FnOnce(&mut Value), reasons: &[&str]) {
    let dir = TempDir::new(name);
    let mut v = messi_json();
    tamper(&mut v);
    assert_ne!(v, messi_json(), "the tampering changed nothing");
    let path = dir.write_json("tampered.json", &v);
    let run = topology(&["verify", "--config", GENERATED, &s(&path)]);
    assert_eq!(run.code, 1, "{name}: expected exit 1; stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("rejected: "), "{name}: {}", run.stdout);
    for reason in reasons {
        assert!(run.stdout.contains(reason), "{name}: the reason does not say `{reason}`:\n{}", run.stdout);
    }
}

/// The first node id of a subnet that is a registry node (not synthetic, not a candidate).
fn registry_node(v: &Value, subnet: usize) -> (usize, String) {
    let nodes = v["allocation"][subnet]["nodes"].as_array().unwrap();
    nodes
        .iter()
        .enumerate()
        .find(|(_, n)| {
            let n = n.as_str().unwrap();
            !n.starts_with("synthetic-") && !n.starts_with("candidate-")
        })
        .map(|(i, n)| (i, n.as_str().unwrap().to_string()))
        .expect("a registry node")
}

#[test]
fn verify_rejects_a_node_moved_to_another_subnet() {
    assert_rejected(
        "moved-node",
        |v| {
            let (i, id) = registry_node(v, 0);
            v["allocation"][0]["nodes"].as_array_mut().unwrap().remove(i);
            v["allocation"][1]["nodes"].as_array_mut().unwrap().push(id.into());
        },
        &["allocation: subnet 0", "nodes assigned, its size is 43"],
    );
}

#[test]
fn verify_rejects_a_node_that_does_not_exist() {
    assert_rejected(
        "unknown-node",
        |v| {
            let (i, _) = registry_node(v, 3);
            v["allocation"][3]["nodes"][i] = "aaaaa-bbbbb-ccccc-ddddd-eeeee-fffff-ggggg-hhhhh-iiiii-jjjjj-kae".into();
        },
        &["subnet 3", "aaaaa-bbbbb-ccccc-ddddd-eeeee-fffff-ggggg-hhhhh-iiiii-jjjjj-kae", "is not an assignable node"],
    );
}

#[test]
fn verify_rejects_a_node_assigned_twice() {
    assert_rejected(
        "twice",
        |v| {
            let (_, id) = registry_node(v, 0);
            let (i, _) = registry_node(v, 5);
            v["allocation"][5]["nodes"][i] = id.into();
        },
        &["assigned twice"],
    );
}

#[test]
fn verify_rejects_a_changed_objective() {
    assert_rejected(
        "objective",
        |v| v["objective"] = 2.into(),
        &["allocation uses 3 synthetic nodes, the result claims 2"],
    );
}

/// The index of the certificate's subnet group that holds `subnet`.
fn group_of(v: &Value, subnet: u64) -> usize {
    v["certificate"]["subnets"]
        .as_array()
        .unwrap()
        .iter()
        .position(|g| g["subnets"].as_array().unwrap().iter().any(|s| s == subnet))
        .expect("every subnet is in a group")
}

#[test]
fn verify_rejects_a_weakened_certificate() {
    assert_rejected(
        "weak-certificate",
        |v| {
            let d = v["certificate"]["denominator"].as_i64().unwrap();
            let g = group_of(v, 0);
            let size = v["certificate"]["subnets"][g]["size"].as_i64().unwrap();
            v["certificate"]["subnets"][g]["size"] = (size - 5 * d).into();
        },
        &["certificate proves a lower bound of", "not 3"],
    );
}

#[test]
fn verify_rejects_a_certificate_multiplier_of_the_wrong_sign() {
    assert_rejected(
        "wrong-sign",
        |v| {
            let groups = v["certificate"]["subnets"].as_array_mut().unwrap();
            // An "at most" value row has a multiplier <= 0; make one positive.
            let (g, i) = groups
                .iter()
                .enumerate()
                .find_map(|(g, group)| {
                    group["values"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .position(|row| row[2].as_i64().unwrap() < 0)
                        .map(|i| (g, i))
                })
                .expect("a negative value multiplier");
            let m = groups[g]["values"][i][2].as_i64().unwrap();
            groups[g]["values"][i][2] = (-m).into();
        },
        &["certificate:", "must be <= 0"],
    );
    assert_rejected(
        "wrong-sign-class",
        |v| v["certificate"]["classes"] = serde_json::json!([[0, 1]]),
        &["certificate: class row 0 has multiplier 1, it must be <= 0"],
    );
}

#[test]
fn verify_rejects_a_changed_configuration_digest() {
    assert_rejected(
        "config-digest",
        |v| v["inputs"]["configuration_sha256"] = "0".repeat(64).into(),
        &["configuration digest differs"],
    );
}

#[test]
fn verify_rejects_a_changed_file_digest() {
    assert_rejected(
        "file-digest",
        |v| v["inputs"]["files"][0]["sha256"] = "f".repeat(64).into(),
        &["nodes_file differs", &"f".repeat(64)],
    );
}

#[test]
fn verify_rejects_changed_candidates() {
    assert_rejected(
        "candidates",
        |v| v["candidates"][0]["country"] = "BR".into(),
        &["candidates digest does not match"],
    );
    assert_rejected(
        "candidates-count",
        |v| v["candidates"][0]["no_nodes"] = 5.into(),
        &["candidates digest does not match"],
    );
}

#[test]
fn verify_rejects_a_result_claimed_infeasible() {
    // The default network with the candidates has an allocation of value 3.
    assert_rejected(
        "infeasible",
        |v| {
            v["status"] = "infeasible".into();
            v["objective"] = Value::Null;
            v["allocation"] = Value::Null;
            v["upper_bound"] = Value::Null;
            v["reduction"] = Value::Null;
            v["verdict"] = Value::Null;
            let last = v["curve"].as_array().unwrap().len() - 1;
            v["curve"][last]["status"] = "infeasible".into();
            v["curve"][last]["objective"] = Value::Null;
            v["curve"][last]["upper_bound"] = Value::Null;
        },
        &["infeasible"],
    );
}

#[test]
fn verify_rejects_a_forged_baseline_and_curve() {
    // A consistent forgery: baseline 9, one for one down to 3.
    assert_rejected(
        "forged-curve",
        |v| {
            v["baseline_objective"] = 9.into();
            v["reduction"] = 6.into();
            v["verdict"] = "one_for_one".into();
            v["optimal_deployment_size"] = 6.into();
            for p in v["curve"].as_array_mut().unwrap() {
                let value = 9 - p["nodes"].as_u64().unwrap();
                p["objective"] = value.into();
                p["lower_bound"] = value.into();
                p["upper_bound"] = value.into();
            }
        },
        &["curve", "9"],
    );
}

#[test]
fn verify_rejects_derived_fields_that_do_not_follow_from_the_curve() {
    assert_rejected("verdict", |v| v["verdict"] = "one_for_one".into(), &["verdict"]);
    assert_rejected("reduction", |v| v["reduction"] = 2.into(), &["reduction"]);
    assert_rejected("baseline", |v| v["baseline_objective"] = 5.into(), &["baseline"]);
    assert_rejected("deployment", |v| v["optimal_deployment_size"] = 6.into(), &["optimal deployment size of 6"]);
    assert_rejected("candidate-nodes", |v| v["candidate_nodes"] = 7.into(), &["candidate nodes"]);
    assert_rejected("lower-bound", |v| v["lower_bound"] = 2.into(), &["lower bound"]);
    assert_rejected("upper-bound", |v| v["upper_bound"] = 7.into(), &["upper bound"]);
}

#[test]
fn verify_rejects_a_result_of_another_configuration() {
    let dir = TempDir::new("other-config");
    let out = dir.path("net");
    let run = topology(&["generate", "--nodes", "300", "--subnets", "12", "--seed", "7", "--out", &s(&out)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let result = dir.write("result.json", messi_result());
    let run = topology(&["verify", &s(&result), "--config", &s(&out.join("config.json"))]);
    assert_eq!(run.code, 1, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("rejected: "), "{}", run.stdout);
    assert!(run.stdout.contains("nodes_file differs"), "{}", run.stdout);
}

#[test]
fn verify_of_a_file_that_is_not_json_is_an_input_error() {
    let dir = TempDir::new("not-json");
    let path = dir.write("result.txt", "ObjectiveValue: 4\n");
    assert_input_error(
        &topology(&["verify", "--config", GENERATED, &s(&path)]),
        &[&s(&path), "line 1", "not a result file"],
    );
    let missing = dir.path("missing.json");
    assert_input_error(
        &topology(&["verify", "--config", GENERATED, &s(&missing)]),
        &[&s(&missing), "cannot read the result file"],
    );
    // JSON, but not a result file.
    let path = dir.write("other.json", "{\"objective\": 4}\n");
    assert_input_error(&topology(&["verify", "--config", GENERATED, &s(&path)]), &[&s(&path), "not a result file"]);
}

// ---------------------------------------------------------------------------
// bad input

#[test]
fn missing_config_file() {
    let dir = TempDir::new("missing-config");
    let path = dir.path("nope.json");
    assert_input_error(
        &topology(&["evaluate", "--config", &s(&path)]),
        &[&s(&path), "cannot read the configuration file"],
    );
}

#[test]
fn config_with_an_unknown_key() {
    let dir = TempDir::new("unknown-key");
    let path = config_with(&dir, serde_json::json!({ "colour": "red" }));
    assert_input_error(
        &topology(&["evaluate", "--config", &s(&path)]),
        &[&s(&path), "line ", "field `colour`", "unknown key"],
    );
}

#[test]
fn config_with_a_wrong_type() {
    let dir = TempDir::new("wrong-type");
    let path = config_with(&dir, serde_json::json!({ "enforce_sev_constraint": "yes" }));
    assert_input_error(
        &topology(&["evaluate", "--config", &s(&path)]),
        &[&s(&path), "line ", "field `enforce_sev_constraint`", "must be a boolean"],
    );
    let path = config_with(&dir, serde_json::json!({ "no_synthetic_countries": -1 }));
    assert_input_error(&topology(&["evaluate", "--config", &s(&path)]), &[&s(&path), "field `no_synthetic_countries`"]);
}

#[test]
fn config_with_an_unknown_rule_set() {
    let dir = TempDir::new("rules");
    let path = config_with(&dir, serde_json::json!({ "rules": "2022" }));
    assert_input_error(&topology(&["evaluate", "--config", &s(&path)]), &[&s(&path), "line ", "field `rules`", "2022"]);
}

#[test]
fn config_that_is_not_json() {
    let dir = TempDir::new("config-not-json");
    let path = dir.write("config.json", "{\n  \"nodes_file\": \"nodes.csv\",\n  oops\n}\n");
    assert_input_error(&topology(&["evaluate", "--config", &s(&path)]), &[&s(&path), "line 3"]);
}

#[test]
fn config_naming_a_missing_file() {
    let dir = TempDir::new("missing-nodes");
    let path = config_with(&dir, serde_json::json!({ "nodes_file": "nowhere.csv" }));
    assert_input_error(
        &topology(&["evaluate", "--config", &s(&path)]),
        &[&s(&path), "field `nodes_file`", "nowhere.csv"],
    );
}

#[test]
fn nodes_csv_with_a_missing_column() {
    let dir = TempDir::new("nodes-column");
    let nodes = dir.write(
        "nodes.csv",
        "node_id,node_provider_name,node_provider_id,node_operator_id,owner,region,status\n\
         22mzl-txmkf-cjpuj-yabgl-4oqa4-ebt7k-iat2m-bpbns-oxeiy-n7was-gqe,Bright Node GmbH,ngbxa-5t6js,35ghr-jlrzi,Colohub,\"Europe,DE,Hamburg\",UP\n",
    );
    let path = config_with(&dir, serde_json::json!({ "nodes_file": "nodes.csv" }));
    assert_input_error(
        &topology(&["evaluate", "--config", &s(&path)]),
        &[&s(&nodes), "line 1", "field `dc_id`", "missing column"],
    );
}

#[test]
fn topology_with_a_limit_of_zero() {
    let dir = TempDir::new("limit-zero");
    let text = std::fs::read_to_string(defaults("topology.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    assert!(lines[2].ends_with(",1,1,1,3"), "{}", lines[2]);
    lines[2] = lines[2].replace(",1,1,1,3", ",1,0,1,3");
    let topo = dir.write("topology.csv", &(lines.join("\n") + "\n"));
    let path = config_with(&dir, serde_json::json!({ "topology_file": "topology.csv" }));
    assert_input_error(
        &topology(&["evaluate", "--config", &s(&path)]),
        &[&s(&topo), "line 3", "field `subnet_limit_data_center`", "0"],
    );
}

#[test]
fn special_limits_naming_an_unknown_subnet() {
    let dir = TempDir::new("special-limits");
    let limits = dir.write(
        "special_limits.json",
        "{\n  \"default\": {\"node_provider\": {\"X\": [1, \"lt\"]}},\n  \"Bogus\": {\"node_provider\": {\"X\": [1, \"lt\"]}}\n}\n",
    );
    let path = config_with(&dir, serde_json::json!({ "special_limits_file": "special_limits.json" }));
    assert_input_error(
        &topology(&["evaluate", "--config", &s(&path)]),
        &[&s(&limits), "line 3", "Bogus", "unknown subnet"],
    );
}

#[test]
fn bad_candidate_arguments() {
    assert_input_error(
        &topology(&[
            "evaluate",
            "--config",
            GENERATED,
            "--candidate",
            "Lionel Messi,Buenos Aires 1,Peron Corporation,AR,true",
        ]),
        &["--candidate", "6 comma-separated fields", "found 5"],
    );
    assert_input_error(
        &topology(&[
            "evaluate",
            "--config",
            GENERATED,
            "--candidate",
            "Lionel Messi,Buenos Aires 1,Peron Corporation,AR,true,6,7",
        ]),
        &["--candidate", "found 7"],
    );
    assert_input_error(
        &topology(&[
            "evaluate",
            "--config",
            GENERATED,
            "--candidate",
            "Lionel Messi,Buenos Aires 1,Peron Corporation,AR,true,0",
        ]),
        &["--candidate", "field `no_nodes`", "out of range"],
    );
    assert_input_error(
        &topology(&[
            "evaluate",
            "--config",
            GENERATED,
            "--candidate",
            "Lionel Messi,Buenos Aires 1,Peron Corporation,AR,maybe,6",
        ]),
        &["--candidate", "field `is_sev`", "maybe"],
    );
    assert_input_error(
        &topology(&[
            "evaluate",
            "--config",
            GENERATED,
            "--candidate",
            "Lionel Messi,Buenos Aires 1,Peron Corporation,AR,true,lots",
        ]),
        &["--candidate", "field `no_nodes`", "lots"],
    );
}

#[test]
fn bad_candidates_files() {
    let dir = TempDir::new("candidates-bad");
    let missing = dir.path("missing.csv");
    assert_input_error(
        &topology(&["evaluate", "--config", GENERATED, "--candidates", &s(&missing)]),
        &[&s(&missing), "cannot read the candidates file"],
    );
    let header = "node_provider,data_center,data_center_provider,country,is_sev,no_nodes";
    let bad =
        dir.write("bad.csv", &format!("{header}\n{MESSI}\nLionel Messi,Buenos Aires 1,Peron Corporation,AR,maybe,1\n"));
    assert_input_error(
        &topology(&["evaluate", "--config", GENERATED, "--candidates", &s(&bad)]),
        &[&s(&bad), "line 3", "field `is_sev`"],
    );
    let extra = dir.write("extra.csv", &format!("{header},colour\n{MESSI},red\n"));
    assert_input_error(
        &topology(&["evaluate", "--config", GENERATED, "--candidates", &s(&extra)]),
        &[&s(&extra), "line 1", "field `colour`"],
    );
}

#[test]
fn budget_zero_is_refused() {
    let run = topology(&["evaluate", "--config", GENERATED, "--budget", "0"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--budget"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn unknown_subcommand_and_missing_arguments_are_usage_errors() {
    assert_eq!(topology(&["solve"]).code, 2);
    assert_eq!(topology::<&str>(&[]).code, 2);
    assert_eq!(topology(&["verify"]).code, 2);
    assert_eq!(topology(&["generate", "--nodes", "10"]).code, 2);
}

// ---------------------------------------------------------------------------
// generate

fn status_of_exit_code(code: i32) -> &'static str {
    match code {
        0 => "optimal",
        3 => "infeasible",
        4 => "budget_exceeded",
        other => panic!("evaluate exited with {other}"),
    }
}

#[test]
fn generate_writes_a_network_that_evaluates() {
    let dir = TempDir::new("generate");
    let out = dir.path("net");
    let run = topology(&["generate", "--nodes", "300", "--subnets", "12", "--seed", "7", "--out", &s(&out)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for name in ["nodes.csv", "topology.csv", "config.json"] {
        assert!(out.join(name).is_file(), "{name} not written");
    }
    let config = s(&out.join("config.json"));
    let run = topology(&["evaluate", "--config", &config, "--json"]);
    let v = run.json();
    assert_eq!(v["status"], status_of_exit_code(run.code), "{}", run.stderr);
    match run.code {
        0 => assert!(v["objective"].is_u64()),
        _ => assert!(v["objective"].is_null()),
    }
    // The human summary exits the same way.
    assert_eq!(topology(&["evaluate", "--config", &config]).code, run.code);
    // And its result verifies.
    let result = dir.write("result.json", &run.stdout);
    let check = topology(&["verify", &s(&result), "--config", &config]);
    assert_eq!(check.code, 0, "stdout:\n{}\nstderr:\n{}", check.stdout, check.stderr);

    // The same seed writes the same files.
    let again = dir.path("again");
    assert_eq!(
        topology(&["generate", "--nodes", "300", "--subnets", "12", "--seed", "7", "--out", &s(&again)]).code,
        0
    );
    for name in ["nodes.csv", "topology.csv", "config.json"] {
        assert_eq!(std::fs::read(out.join(name)).unwrap(), std::fs::read(again.join(name)).unwrap(), "{name}");
    }
}

#[test]
fn generate_zero_nodes_is_an_error() {
    let dir = TempDir::new("generate-zero");
    let out = dir.path("net");
    let run = topology(&["generate", "--nodes", "0", "--subnets", "12", "--out", &s(&out)]);
    assert_input_error(&run, &["--nodes"]);
    assert!(!out.join("nodes.csv").exists());
}

// ---------------------------------------------------------------------------
// budget

#[test]
fn budget_of_one_branch_node_on_a_mainnet_sized_network() {
    let dir = TempDir::new("budget");
    let out = dir.path("net");
    let run = topology(&["generate", "--nodes", "1450", "--subnets", "83", "--seed", "1", "--out", &s(&out)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let config = s(&out.join("config.json"));
    let small = topology(&["evaluate", "--config", &config, "--budget", "1", "--json"]);
    let v = small.json();
    assert_eq!(v["status"], status_of_exit_code(small.code));
    let full = topology(&["evaluate", "--config", &config, "--json"]);
    assert_eq!(full.code, 0, "{}", full.stderr);
    let exact = full.json()["objective"].as_u64().expect("the default budget solves it");
    match small.code {
        4 => {
            assert!(v["objective"].is_null());
            let lower = v["lower_bound"].as_u64().expect("a lower bound");
            assert!(lower <= exact, "lower bound {lower} above the optimum {exact}");
            if let Some(upper) = v["upper_bound"].as_u64() {
                assert!(upper >= exact, "upper bound {upper} below the optimum {exact}");
            }
        }
        0 => {
            // No branching was needed: the root LP proved the optimum.
            assert_eq!(v["objective"].as_u64(), Some(exact));
            assert_eq!(v["certificate_is_tight"], true);
            assert_eq!(v["lower_bound"].as_u64(), Some(exact));
        }
        other => panic!("evaluate --budget 1 exited with {other}"),
    }
    // Whatever it says, it verifies.
    let result = dir.write("result.json", &small.stdout);
    let check = topology(&["verify", &s(&result), "--config", &config]);
    assert_eq!(check.code, 0, "stdout:\n{}\nstderr:\n{}", check.stdout, check.stderr);
}

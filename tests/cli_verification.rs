//! The `topology` binary's trustless-verification commands end to end:
//! `evaluate --inputs` on a canister export (the canister's profile, bit for
//! bit), `verify --inputs`, `proposal-summary` (the engine's text, its sha256
//! on stderr) and `verify-certificate` against honest and tampered replies of
//! `get_published_evaluation`, certified with a locally generated BLS key.

use candid::Principal;
use ic_certification::{label, leaf};
use ic_topology::api;
use ic_topology::canister_profile;
use ic_topology::certification;
use ic_topology::digest;
use ic_topology::export;
use ic_topology::files;
use ic_topology::inputs::CandidateRow;
use std::path::{Path, PathBuf};
use std::process::Command;

const MESSI: &str = "Lionel Messi,Buenos Aires 1,Peron Corporation,AR,true,3";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn topology<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_topology"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the topology binary runs");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    };
    assert!(!run.stderr.contains("panicked"), "the binary panicked:\n{}", run.stderr);
    run
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("ic-topology-cli-verification-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

fn default_export() -> (ic_topology::inputs::Inputs, Vec<u8>) {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("defaults/generated/config.json");
    let inputs = files::load_config(&config).unwrap().inputs;
    let bytes = export::to_bytes(&inputs);
    (export::from_bytes(&bytes, "export", None).unwrap(), bytes)
}

fn messi() -> CandidateRow {
    files::parse_candidate_arg(MESSI).unwrap()
}

#[test]
fn an_export_is_evaluated_as_the_canister_does_and_verifies() {
    let dir = TempDir::new("export");
    let (inputs, bytes) = default_export();
    let path = dir.write("export.json", &bytes);
    let run = topology(&["evaluate", "--json", "--inputs", &s(&path), "--candidate", MESSI]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let (model, native) = canister_profile::evaluate_as_canister(&inputs, &[messi()]);
    assert_eq!(json["objective"], serde_json::json!(native.solution.objective));
    assert_eq!(json["curve"], serde_json::to_value(&native.curve).unwrap());
    assert_eq!(json["certificate"], serde_json::to_value(&native.solution.certificate).unwrap());
    let nodes: Vec<Vec<String>> =
        ic_topology::evaluate::subnet_nodes(&model, native.solution.allocation.as_ref().unwrap())
            .into_iter()
            .map(|n| n.nodes)
            .collect();
    let listed: Vec<Vec<String>> = json["allocation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| serde_json::from_value(a["nodes"].clone()).unwrap())
        .collect();
    assert_eq!(listed, nodes);
    // The export's sha256 is the configuration digest.
    assert_eq!(json["inputs"]["configuration_sha256"], serde_json::json!(digest::sha256_hex(&bytes)));

    let result = dir.write("result.json", run.stdout.as_bytes());
    let ok = topology(&["verify", &s(&result), "--inputs", &s(&path)]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    assert!(ok.stdout.starts_with("verified:"), "{}", ok.stdout);

    // A reformatted export is refused: its digest would no longer name the inputs.
    let pretty = serde_json::to_vec_pretty(&inputs).unwrap();
    let bad = dir.write("pretty.json", &pretty);
    let run = topology(&["evaluate", "--inputs", &s(&bad)]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("canonical"), "{}", run.stderr);
    // An export and a configuration are two different sources: one at a time.
    let run = topology(&["evaluate", "--inputs", &s(&path), "--config", "defaults/generated/config.json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn the_proposal_summary_is_the_engines_text_with_its_sha256() {
    let dir = TempDir::new("summary");
    let (inputs, bytes) = default_export();
    let path = dir.write("export.json", &bytes);
    let run = topology(&[
        "proposal-summary",
        "--inputs",
        &s(&path),
        "--registry-version",
        "42",
        "--canister-id",
        "aaaaa-aa",
        "--candidate",
        MESSI,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (_, evaluation) = canister_profile::evaluate_as_canister(&inputs, &[messi()]);
    let expected = ic_topology::summary::render(&ic_topology::summary::SummaryInput {
        canister_id: Some("aaaaa-aa"),
        candidates: &[messi()],
        inputs: &inputs,
        evaluation: &evaluation,
        origin: ic_topology::summary::Origin::Registry(42),
        curve_notes: None,
        topology_sha256: &digest::topology_digest(&inputs.topology),
        configuration_sha256: &digest::sha256_hex(&bytes),
    });
    assert_eq!(run.stdout, expected.text);
    assert_eq!(run.stderr.trim(), format!("sha256 {}", expected.sha256));
    assert_eq!(expected.sha256, digest::sha256_hex(run.stdout.as_bytes()));
}

const CANISTER: [u8; 10] = [0, 0, 0, 0, 0, 0, 0, 7, 1, 1];

/// A reply as the canister gives it: the evaluation's bytes, the witness of
/// their hash, and a certificate of the tree's root signed with `secret`.
fn reply(evaluation: &api::Evaluation, certified_bytes: &[u8], secret: u8) -> (Vec<u8>, String) {
    let key = "ab".repeat(32);
    let hash = certification::from_hex(&digest::sha256_hex(certified_bytes)).unwrap();
    let tree = label("published", label(key.clone(), leaf(hash)));
    let mut sk = [0u8; 32];
    sk[31] = secret;
    let (certificate, der) =
        certification::sign_certificate(&sk, &CANISTER, &tree.digest(), 1_763_700_000_000_000_000).unwrap();
    let record = api::CertifiedEvaluation {
        key,
        evaluation: evaluation.clone(),
        evaluation_candid: candid::encode_one(evaluation).unwrap(),
        certificate: Some(certificate.into()),
        witness: certification::encode_tree(&tree),
        canister_id: Principal::from_slice(&CANISTER),
    };
    let hex: String = der.iter().map(|b| format!("{b:02x}")).collect();
    let reply: api::Result<api::CertifiedEvaluation> = Ok(record);
    (candid::encode_one(reply).unwrap(), hex)
}

#[test]
fn verify_certificate_accepts_a_certified_evaluation_and_rejects_tampering() {
    let dir = TempDir::new("certificate");
    // An evaluation of the default network, with the figures the report must show.
    let (inputs, export_bytes) = default_export();
    let facts = api::Evaluation {
        objective: Some(1),
        baseline_objective: Some(4),
        reduction: Some(3),
        candidate_nodes: 3,
        optimal_deployment_size: Some(3),
        registry_version: 42,
        topology_sha256: "t".repeat(64),
        configuration_sha256: "c".repeat(64),
        ..candid_evaluation(&inputs, &export_bytes)
    };
    let bytes = candid::encode_one(&facts).unwrap();
    let canister = Principal::from_slice(&CANISTER).to_text();
    let (honest, root_key) = reply(&facts, &bytes, 42);
    // As `dfx --output raw` prints it: hex.
    let hex: String = honest.iter().map(|b| format!("{b:02x}")).collect();
    let path = dir.write("reply.hex", hex.as_bytes());
    let out = dir.0.join("evaluation.bin");
    let run = topology(&[
        "verify-certificate",
        &s(&path),
        "--canister-id",
        &canister,
        "--root-key",
        &root_key,
        "--evaluation-out",
        &s(&out),
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("certified:"), "{}", run.stdout);
    assert!(run.stdout.contains("ObjectiveValue 1 with 3 candidate node(s), 4 without"), "{}", run.stdout);
    assert_eq!(std::fs::read(&out).unwrap(), bytes);

    let rejected = |reply: &[u8], args: &[&str], needle: &str| {
        let path = dir.write("tampered.bin", reply);
        let mut all = vec!["verify-certificate".to_string(), s(&path)];
        all.extend(args.iter().map(|a| a.to_string()));
        let run = topology(&all);
        assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains(needle), "{} should mention {needle:?}", run.stdout);
    };
    // The evaluation changed after publication (the witness holds the original's hash).
    let forged = api::Evaluation { objective: Some(0), ..facts.clone() };
    let (tampered, key) = reply(&forged, &bytes, 42);
    rejected(&tampered, &["--canister-id", &canister, "--root-key", &key], "not what was published");
    // Signed by a key other than the root key (the default: the IC mainnet key).
    rejected(&honest, &["--canister-id", &canister], "signature does not verify");
    // Another canister's certified data.
    let other = Principal::from_slice(&[0, 0, 0, 0, 0, 0, 0, 9, 1, 1]).to_text();
    rejected(&honest, &["--canister-id", &other, "--root-key", &root_key], "no certified data");

    // Not a reply at all: an input error (2).
    let junk = dir.write("junk.txt", b"hello");
    let run = topology(&["verify-certificate", &s(&junk), "--canister-id", &canister]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

/// The engine's evaluation of the export, in the canister's Candid shape
/// (the conversion the canister itself uses).
fn candid_evaluation(inputs: &ic_topology::inputs::Inputs, export_bytes: &[u8]) -> api::Evaluation {
    let m = messi();
    let row = api::CandidateRow {
        node_provider: m.node_provider,
        data_center: m.data_center,
        data_center_provider: m.data_center_provider,
        country: m.country,
        is_sev: m.is_sev,
        no_nodes: m.no_nodes,
    };
    let (model, ev) = canister_profile::evaluate_as_canister(inputs, &[messi()]);
    let req = api::EvaluateRequest { candidates: vec![row], overrides: None, include_allocation: Some(true) };
    api::convert::evaluation(
        &model,
        &ev,
        req,
        inputs.settings,
        42,
        digest::topology_digest(&inputs.topology),
        digest::sha256_hex(export_bytes),
        0,
    )
}

#[test]
fn verify_candid_checks_a_canister_evaluation_against_the_export() {
    let dir = TempDir::new("candid");
    let (inputs, bytes) = default_export();
    assert_eq!(inputs.settings.rules, ic_topology::inputs::RuleSet::Y2025);
    let export_path = dir.write("export.json", &bytes);
    let honest = candid_evaluation(&inputs, &bytes);
    let check = |e: &api::Evaluation, name: &str| {
        let hex: String = candid::encode_one(e).unwrap().iter().map(|b| format!("{b:02x}")).collect();
        let path = dir.write(name, hex.as_bytes());
        topology(&["verify", &s(&path), "--candid", "--inputs", &s(&export_path)])
    };
    let run = check(&honest, "honest.hex");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("verified: ObjectiveValue"), "{}", run.stdout);
    // The raw reply of evaluate_candidates (a Result) is read as well.
    let reply: api::Result<api::Evaluation> = Ok(honest.clone());
    let raw = dir.write("reply.bin", &candid::encode_one(reply).unwrap());
    let run = topology(&["verify", &s(&raw), "--candid", "--inputs", &s(&export_path)]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    let mut moved = honest.clone();
    let a = moved.allocation.as_mut().unwrap();
    let n = a[0].nodes.pop().unwrap();
    a[1].nodes.push(n);
    let run = check(&moved, "moved.hex");
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("rejected: allocation: subnet 0"), "{}", run.stdout);

    let mut multiplier = honest.clone();
    multiplier.certificate.subnets.iter_mut().find(|g| g.size != 0).unwrap().size += 1;
    let run = check(&multiplier, "multiplier.hex");
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("rejected: bound: the multipliers prove"), "{}", run.stdout);

    let mut changed = honest.clone();
    changed.configuration_sha256 = "0".repeat(64);
    let run = check(&changed, "digest.hex");
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("rejected: configuration_digest"), "{}", run.stdout);

    // An override the export does not have changes the settings, and so the digest.
    let mut overridden = honest.clone();
    overridden.overrides = Some(api::SettingsOverride { synthetic_countries: Some(3), ..Default::default() });
    let run = check(&overridden, "override.hex");
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("rejected: settings"), "{}", run.stdout);

    // --candid needs the export it speaks of.
    let path = dir.write("again.hex", b"00");
    let run = topology(&["verify", &s(&path), "--candid"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

/// `--max-age`: a certificate older than the bound is refused (the test
/// certificate's time is November 2025), a younger bound passes.
#[test]
fn verify_certificate_enforces_max_age() {
    let dir = TempDir::new("certificate-age");
    let (inputs, export_bytes) = default_export();
    let facts = api::Evaluation { registry_version: 42, ..candid_evaluation(&inputs, &export_bytes) };
    let bytes = candid::encode_one(&facts).unwrap();
    let canister = Principal::from_slice(&CANISTER).to_text();
    let (honest, root_key) = reply(&facts, &bytes, 42);
    let path = dir.write("reply.bin", &honest);
    let run = |max_age: &str| {
        topology(&[
            "verify-certificate",
            &s(&path),
            "--canister-id",
            &canister,
            "--root-key",
            &root_key,
            "--max-age",
            max_age,
        ])
    };
    let old = run("60");
    assert_eq!(old.code, 2, "{}{}", old.stdout, old.stderr);
    assert!(old.stderr.contains("older than --max-age 60 s"), "{}", old.stderr);
    let young = run("100000000000");
    assert_eq!(young.code, 0, "{}{}", young.stdout, young.stderr);
}

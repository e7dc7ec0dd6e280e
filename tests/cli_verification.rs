//! The `topology` binary's trustless-verification commands end to end:
//! `evaluate --inputs` on a canister export (the canister's profile, bit for
//! bit), `verify --inputs`, `proposal-summary` (the engine's text, its sha256
//! on stderr) and `verify-certificate` against honest and tampered replies of
//! `get_published_evaluation`, certified with a locally generated BLS key.

use candid::{CandidType, Deserialize, Principal};
use ic_certification::{label, leaf};
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
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("defaults/config.json");
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
    let (model, native) = export::evaluate_as_canister(&inputs, &[messi()]);
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
    let run = topology(&["evaluate", "--inputs", &s(&path), "--config", "defaults/config.json"]);
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
    let (_, evaluation) = export::evaluate_as_canister(&inputs, &[messi()]);
    let expected = ic_topology::summary::render(&ic_topology::summary::SummaryInput {
        canister_id: Some("aaaaa-aa"),
        candidates: &[messi()],
        inputs: &inputs,
        evaluation: &evaluation,
        registry_version: 42,
        topology_sha256: &digest::topology_digest(&inputs.topology),
        configuration_sha256: &digest::sha256_hex(&bytes),
    });
    assert_eq!(run.stdout, expected.text);
    assert_eq!(run.stderr.trim(), format!("sha256 {}", expected.sha256));
    assert_eq!(expected.sha256, digest::sha256_hex(run.stdout.as_bytes()));
}

/// The fields of an Evaluation that `verify-certificate` reports (Candid lets
/// the test encode only these).
#[derive(CandidType, Deserialize, Clone)]
struct Facts {
    objective: Option<u32>,
    baseline_objective: Option<u32>,
    reduction: Option<i64>,
    candidate_nodes: u32,
    optimal_deployment_size: Option<u32>,
    registry_version: u64,
    topology_sha256: String,
    configuration_sha256: String,
}

#[derive(CandidType, Deserialize)]
struct ReplyRecord {
    key: String,
    evaluation_candid: Vec<u8>,
    certificate: Option<Vec<u8>>,
    witness: Vec<u8>,
    canister_id: Principal,
}

#[derive(CandidType, Deserialize)]
enum Reply {
    Ok(ReplyRecord),
    Err(String),
}

const CANISTER: [u8; 10] = [0, 0, 0, 0, 0, 0, 0, 7, 1, 1];

/// A reply as the canister gives it: the evaluation's bytes, the witness of
/// their hash, and a certificate of the tree's root signed with `secret`.
fn reply(evaluation: &[u8], certified_bytes: &[u8], secret: u8) -> (Vec<u8>, String) {
    let key = "ab".repeat(32);
    let hash = certification::from_hex(&digest::sha256_hex(certified_bytes)).unwrap();
    let tree = label("published", label(key.clone(), leaf(hash)));
    let mut sk = [0u8; 32];
    sk[31] = secret;
    let (certificate, der) =
        certification::sign_certificate(&sk, &CANISTER, &tree.digest(), 1_763_700_000_000_000_000).unwrap();
    let record = ReplyRecord {
        key,
        evaluation_candid: evaluation.to_vec(),
        certificate: Some(certificate),
        witness: certification::encode_tree(&tree),
        canister_id: Principal::from_slice(&CANISTER),
    };
    let hex: String = der.iter().map(|b| format!("{b:02x}")).collect();
    (candid::encode_one(Reply::Ok(record)).unwrap(), hex)
}

#[test]
fn verify_certificate_accepts_a_certified_evaluation_and_rejects_tampering() {
    let dir = TempDir::new("certificate");
    let facts = Facts {
        objective: Some(1),
        baseline_objective: Some(4),
        reduction: Some(3),
        candidate_nodes: 3,
        optimal_deployment_size: Some(3),
        registry_version: 42,
        topology_sha256: "t".repeat(64),
        configuration_sha256: "c".repeat(64),
    };
    let bytes = candid::encode_one(facts.clone()).unwrap();
    let canister = Principal::from_slice(&CANISTER).to_text();
    let (honest, root_key) = reply(&bytes, &bytes, 42);
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
    let forged = candid::encode_one(Facts { objective: Some(0), ..facts.clone() }).unwrap();
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

/// The canister's Candid `Evaluation` as the test writes it (the fields `verify --candid` reads).
mod canister_evaluation {
    use candid::{CandidType, Deserialize};

    #[derive(CandidType, Deserialize, Clone)]
    pub enum Status {
        #[serde(rename = "optimal")]
        Optimal,
        #[serde(rename = "infeasible")]
        Infeasible,
        #[serde(rename = "budget_exceeded")]
        BudgetExceeded,
    }
    #[derive(CandidType, Deserialize, Clone)]
    pub enum Verdict {
        #[serde(rename = "one_for_one")]
        OneForOne,
        #[serde(rename = "diminishing")]
        Diminishing,
        #[serde(rename = "none")]
        None,
    }
    #[derive(CandidType, Deserialize, Clone)]
    pub enum Attribute {
        #[serde(rename = "node_provider")]
        NodeProvider,
        #[serde(rename = "data_center")]
        DataCenter,
        #[serde(rename = "data_center_provider")]
        DataCenterProvider,
        #[serde(rename = "country")]
        Country,
    }
    #[derive(CandidType, Deserialize, Clone)]
    pub enum RuleSet {
        #[serde(rename = "rules_2025")]
        Y2025,
    }
    #[derive(CandidType, Deserialize, Clone)]
    pub struct CandidateRow {
        pub node_provider: String,
        pub data_center: String,
        pub data_center_provider: String,
        pub country: String,
        pub is_sev: bool,
        pub no_nodes: u32,
    }
    #[derive(CandidType, Deserialize, Clone)]
    pub struct Settings {
        pub rules: RuleSet,
        pub synthetic_countries: u32,
        pub enforce_sev: bool,
        pub enforce_health: bool,
        pub enforce_blacklist: bool,
        pub enforce_per_provider_minimum: bool,
    }
    #[derive(CandidType, Deserialize, Clone)]
    pub struct SettingsOverride {
        pub synthetic_countries: Option<u32>,
    }
    #[derive(CandidType, Deserialize, Clone)]
    pub struct CurvePoint {
        pub nodes: u32,
        pub status: Status,
        pub objective: Option<u32>,
        pub lower_bound: u32,
        pub upper_bound: Option<u32>,
    }
    #[derive(CandidType, Deserialize, Clone)]
    pub struct ValueMultiplier {
        pub attribute: Attribute,
        pub value: u32,
        pub multiplier: i64,
    }
    #[derive(CandidType, Deserialize, Clone)]
    pub struct SubnetMultipliers {
        pub subnets: Vec<u32>,
        pub size: i64,
        pub values: Vec<ValueMultiplier>,
    }
    #[derive(CandidType, Deserialize, Clone)]
    pub struct Certificate {
        pub denominator: u64,
        pub classes: Vec<(u32, i64)>,
        pub provider_minimums: Vec<(u32, i64)>,
        pub subnets: Vec<SubnetMultipliers>,
        pub bound_numerator: String,
    }
    #[derive(CandidType, Deserialize, Clone)]
    pub struct SubnetAllocation {
        pub synthetic: u32,
        pub nodes: Vec<String>,
    }
    #[derive(CandidType, Deserialize, Clone)]
    pub struct Evaluation {
        pub status: Status,
        pub objective: Option<u32>,
        pub baseline_objective: Option<u32>,
        pub reduction: Option<i64>,
        pub verdict: Option<Verdict>,
        pub candidate_nodes: u32,
        pub curve: Vec<CurvePoint>,
        pub optimal_deployment_size: Option<u32>,
        pub lower_bound: u32,
        pub upper_bound: Option<u32>,
        pub certificate: Certificate,
        pub certificate_is_tight: bool,
        pub allocation: Option<Vec<SubnetAllocation>>,
        pub candidates: Vec<CandidateRow>,
        pub settings: Settings,
        pub overrides: Option<SettingsOverride>,
        pub registry_version: u64,
        pub topology_sha256: String,
        pub configuration_sha256: String,
    }
}

/// The engine's evaluation of the export, in the canister's Candid shape.
fn candid_evaluation(inputs: &ic_topology::inputs::Inputs, export_bytes: &[u8]) -> canister_evaluation::Evaluation {
    use canister_evaluation as c;
    use ic_topology::inputs::Attribute as A;
    use ic_topology::solve::Status as S;
    let status = |s: S| match s {
        S::Optimal => c::Status::Optimal,
        S::Infeasible => c::Status::Infeasible,
        S::BudgetExceeded => c::Status::BudgetExceeded,
    };
    let (model, ev) = export::evaluate_as_canister(inputs, &[messi()]);
    let claim = ic_topology::verify::claim_of(
        &model,
        &ev,
        &[messi()],
        inputs.settings,
        digest::topology_digest(&inputs.topology),
        digest::sha256_hex(export_bytes),
    );
    c::Evaluation {
        status: status(claim.status),
        objective: claim.objective,
        baseline_objective: claim.baseline_objective,
        reduction: claim.reduction,
        verdict: claim.verdict.map(|v| match v {
            ic_topology::evaluate::Verdict::OneForOne => c::Verdict::OneForOne,
            ic_topology::evaluate::Verdict::Diminishing => c::Verdict::Diminishing,
            ic_topology::evaluate::Verdict::None => c::Verdict::None,
        }),
        candidate_nodes: claim.candidate_nodes,
        curve: claim
            .curve
            .iter()
            .map(|p| c::CurvePoint {
                nodes: p.nodes,
                status: status(p.status),
                objective: p.objective,
                lower_bound: p.lower_bound,
                upper_bound: p.upper_bound,
            })
            .collect(),
        optimal_deployment_size: claim.optimal_deployment_size,
        lower_bound: claim.lower_bound,
        upper_bound: claim.upper_bound,
        certificate: c::Certificate {
            denominator: claim.certificate.denominator,
            classes: claim.certificate.classes.clone(),
            provider_minimums: claim.certificate.provider_minimums.clone(),
            subnets: claim
                .certificate
                .subnets
                .iter()
                .map(|g| c::SubnetMultipliers {
                    subnets: g.subnets.clone(),
                    size: g.size,
                    values: g
                        .values
                        .iter()
                        .map(|&(a, value, multiplier)| c::ValueMultiplier {
                            attribute: match a {
                                A::NodeProvider => c::Attribute::NodeProvider,
                                A::DataCenter => c::Attribute::DataCenter,
                                A::DataCenterProvider => c::Attribute::DataCenterProvider,
                                A::Country => c::Attribute::Country,
                            },
                            value,
                            multiplier,
                        })
                        .collect(),
                })
                .collect(),
            bound_numerator: claim.bound_numerator.unwrap().to_string(),
        },
        certificate_is_tight: claim.certificate_is_tight,
        allocation: claim.allocation.map(|subnets| {
            subnets.into_iter().map(|s| c::SubnetAllocation { synthetic: s.synthetic, nodes: s.nodes }).collect()
        }),
        candidates: claim
            .candidates
            .iter()
            .map(|r| c::CandidateRow {
                node_provider: r.node_provider.clone(),
                data_center: r.data_center.clone(),
                data_center_provider: r.data_center_provider.clone(),
                country: r.country.clone(),
                is_sev: r.is_sev,
                no_nodes: r.no_nodes,
            })
            .collect(),
        settings: c::Settings {
            rules: c::RuleSet::Y2025,
            synthetic_countries: inputs.settings.synthetic_countries,
            enforce_sev: inputs.settings.enforce_sev,
            enforce_health: inputs.settings.enforce_health,
            enforce_blacklist: inputs.settings.enforce_blacklist,
            enforce_per_provider_minimum: inputs.settings.enforce_per_provider_minimum,
        },
        overrides: None,
        registry_version: 42,
        topology_sha256: claim.topology_sha256,
        configuration_sha256: claim.configuration_sha256,
    }
}

#[test]
fn verify_candid_checks_a_canister_evaluation_against_the_export() {
    let dir = TempDir::new("candid");
    let (inputs, bytes) = default_export();
    assert_eq!(inputs.settings.rules, ic_topology::inputs::RuleSet::Y2025);
    let export_path = dir.write("export.json", &bytes);
    let honest = candid_evaluation(&inputs, &bytes);
    let check = |e: &canister_evaluation::Evaluation, name: &str| {
        let hex: String = candid::encode_one(e).unwrap().iter().map(|b| format!("{b:02x}")).collect();
        let path = dir.write(name, hex.as_bytes());
        topology(&["verify", &s(&path), "--candid", "--inputs", &s(&export_path)])
    };
    let run = check(&honest, "honest.hex");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("verified: ObjectiveValue"), "{}", run.stdout);
    // The raw reply of evaluate_candidates (a Result) is read as well.
    #[derive(CandidType)]
    enum Reply {
        Ok(Box<canister_evaluation::Evaluation>),
    }
    let raw = dir.write("reply.bin", &candid::encode_one(Reply::Ok(Box::new(honest.clone()))).unwrap());
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
    overridden.overrides = Some(canister_evaluation::SettingsOverride { synthetic_countries: Some(3) });
    let run = check(&overridden, "override.hex");
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("rejected: settings"), "{}", run.stdout);

    // --candid needs the export it speaks of.
    let path = dir.write("again.hex", b"00");
    let run = topology(&["verify", &s(&path), "--candid"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

//! The evidence a proposal quotes, end to end: `proposal-summary` from a
//! configuration, the default network and an export, each with a "Reproduce"
//! block that is run exactly as printed (the built binary as `topology`) and
//! gives the same numbers; `--pdf`, rendered twice to the same bytes and read
//! back with `pdftotext`; and the curve's explanations (why the value rises
//! at the point where it does, why the curve stops).

#[path = "support/cli.rs"]
mod cli;

use cli::{topology, topology_in, TempDir};
use ic_topology::curve_notes;
use ic_topology::evaluate;
use ic_topology::inputs::*;
use ic_topology::solve::Budget;
use std::path::Path;
use std::process::Command;

const GENERATED: &str = "defaults/generated/config.json";
const MESSI: &str = "Lionel Messi,Buenos Aires 1,Peron Corporation,AR,true,3";

/// The lines after `Reproduce...:` to the end of the text.
fn reproduce_block(text: &str) -> Vec<String> {
    let start = text.lines().position(|l| l.starts_with("Reproduce")).expect("a Reproduce block");
    text.lines().skip(start + 1).filter(|l| !l.trim().is_empty()).map(str::to_string).collect()
}

/// Run one line of a Reproduce block with bash, `topology` being the built binary.
fn run_line(dir: &Path, line: &str) -> (i32, String) {
    let bin = Path::new(env!("CARGO_BIN_EXE_topology")).parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new("bash").args(["-c", line]).current_dir(dir).env("PATH", path).output().expect("bash runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The value after `prefix` on the line that starts with it.
fn after<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines().find_map(|l| l.strip_prefix(prefix)).unwrap_or_else(|| panic!("no line {prefix:?} in\n{text}")).trim()
}

/// Run every line of the summary's Reproduce block in `dir`: the summary
/// reproduces itself byte for byte, `evaluate` gives its before and after.
fn check_reproduces(dir: &Path, summary: &str) {
    let block = reproduce_block(summary);
    assert!(!block.is_empty(), "{summary}");
    let before = after(summary, "- ObjectiveValue before (without the planned nodes): ");
    let after_all = after(summary, "- ObjectiveValue after (with all 3 planned nodes): ");
    let mut summaries = 0;
    for line in &block {
        let (code, out) = run_line(dir, line);
        assert_eq!(code, 0, "`{line}` failed:\n{out}");
        if line.starts_with("topology proposal-summary") {
            assert_eq!(out, summary, "`{line}` does not reproduce the text");
            summaries += 1;
        } else if line.starts_with("topology evaluate") {
            assert_eq!(after(&out, "  without the candidates: "), before, "{line}\n{out}");
            assert_eq!(after(&out, "  with 3 candidate node(s): "), after_all, "{line}\n{out}");
        } else if line.starts_with("sha256sum") {
            let digest = out.split_whitespace().next().unwrap_or_default();
            assert!(summary.contains(&format!("configuration sha256 {digest} ")), "{line}: {out}\n{summary}");
        } else {
            panic!("an unexpected command in the Reproduce block: {line}");
        }
    }
    assert_eq!(summaries, 1, "{block:?}");
}

#[test]
fn a_summary_of_a_configuration_names_its_files_and_reproduces_as_printed() {
    let run = topology(&["proposal-summary", "--config", GENERATED, "--candidate", MESSI]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = &run.stdout;
    assert!(!text.contains("registry version"), "no registry version to invent:\n{text}");
    // The digests are evaluate's, for the same files.
    let eval = topology(&["evaluate", "--config", GENERATED, "--candidate", MESSI, "--json"]).json();
    let configuration = eval["inputs"]["configuration_sha256"].as_str().unwrap();
    assert!(text.contains(&format!("- configuration sha256 {configuration} (")), "{text}");
    for file in eval["inputs"]["files"].as_array().unwrap() {
        let line = format!(
            "- {} {} {}",
            file["sha256"].as_str().unwrap(),
            file["role"].as_str().unwrap(),
            file["path"].as_str().unwrap()
        );
        assert!(text.contains(&line), "missing {line:?} in\n{text}");
    }
    // The topology digest says which bytes it hashes.
    let inputs =
        ic_topology::files::load_config(&Path::new(env!("CARGO_MANIFEST_DIR")).join(GENERATED)).unwrap().inputs;
    let topology_sha = ic_topology::digest::topology_digest(&inputs.topology);
    assert!(
        text.contains(&format!(
            "- topology sha256 {topology_sha} (the sha256 of the target topology's subnets as canonical JSON)"
        )),
        "{text}"
    );
    assert_eq!(run.stderr.trim(), format!("sha256 {}", ic_topology::digest::sha256_hex(text.as_bytes())));
    check_reproduces(Path::new(env!("CARGO_MANIFEST_DIR")), text);
}

#[test]
fn a_summary_of_a_named_network_reproduces_it_by_name() {
    // `--network NAME` is read from files built into the binary: the
    // Reproduce block must name the network, or it would evaluate the default one.
    let run = topology(&["--network", "growth-app75", "proposal-summary", "--candidate", MESSI]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("- the network `growth-app75`"), "{}", run.stdout);
    let block = reproduce_block(&run.stdout);
    assert!(block.iter().all(|l| l.contains(" --network 'growth-app75' ")), "{block:?}");
    check_reproduces(Path::new(env!("CARGO_MANIFEST_DIR")), &run.stdout);
}

#[test]
fn a_summary_of_the_default_network_reproduces_as_printed() {
    let run = topology(&["proposal-summary", "--candidate", MESSI]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("- the default network"), "{}", run.stdout);
    // The default network is infeasible: `evaluate` exits 3 there, so only the summary line is run.
    let block = reproduce_block(&run.stdout);
    let line = block.iter().find(|l| l.starts_with("topology proposal-summary")).expect("a summary line");
    let (code, out) = run_line(Path::new(env!("CARGO_MANIFEST_DIR")), line);
    assert_eq!((code, out.as_str()), (0, run.stdout.as_str()));
    let evaluate = block.iter().find(|l| l.starts_with("topology evaluate")).expect("an evaluate line");
    let (code, out) = run_line(Path::new(env!("CARGO_MANIFEST_DIR")), evaluate);
    assert_eq!(code, 3, "the default network is infeasible:\n{out}");
    assert!(run.stdout.contains("- ObjectiveValue before (without the planned nodes): infeasible"), "{}", run.stdout);
    // Infeasible: the curve is on the shortfall's scale, and the Argentinian
    // nodes fill none of its seats.
    assert!(
        run.stdout.contains("- why the curve stops: the 1st candidate node (provider \"Lionel Messi\", data center \"Buenos Aires 1\", AR) fills no empty seat"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_summary_of_an_export_names_the_file_and_reproduces_as_printed() {
    let dir = TempDir::new("evidence-export");
    let export = dir.path("export.json");
    let run = topology(&["export", "--config", GENERATED, "--out", &export.display().to_string()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = topology_in(&dir.0, &["proposal-summary", "--inputs", "export.json", "--candidate", MESSI]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let sha = ic_topology::digest::sha256_hex(&std::fs::read(&export).unwrap());
    assert!(run.stdout.contains("- the export file export.json\n"), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!("- configuration sha256 {sha} (the sha256 of the export file's bytes)")),
        "{}",
        run.stdout
    );
    check_reproduces(&dir.0, &run.stdout);
    // With its registry version the text is the canister's own, as before.
    let canister = topology_in(
        &dir.0,
        &["proposal-summary", "--inputs", "export.json", "--registry-version", "42", "--candidate", MESSI],
    );
    assert_eq!(canister.code, 0, "{}", canister.stderr);
    assert!(canister.stdout.contains("- registry version 42\n"), "{}", canister.stdout);
    // A registry version without an export is refused, naming the switch.
    let run = topology(&["proposal-summary", "--registry-version", "42", "--candidate", MESSI]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--inputs"), "{}", run.stderr);
}

/// `pdftotext` (poppler-utils), or `None` when it is not installed and not required.
fn pdftotext(path: &Path) -> Option<String> {
    match Command::new("pdftotext").args(["-layout"]).arg(path).arg("-").output() {
        Ok(out) => {
            assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
            Some(String::from_utf8_lossy(&out.stdout).into_owned())
        }
        Err(_) => {
            assert!(
                std::env::var_os("REQUIRE_PDFTOTEXT").is_none(),
                "REQUIRE_PDFTOTEXT is set but pdftotext is not installed (apt-get install -y poppler-utils)"
            );
            println!(
                "skipped: pdftotext is not installed (apt-get install -y poppler-utils); the PDF was not read back"
            );
            None
        }
    }
}

#[test]
fn the_pdf_is_deterministic_and_carries_the_numbers() {
    let dir = TempDir::new("evidence-pdf");
    let (a, b) = (dir.path("a.pdf"), dir.path("b.pdf"));
    let first =
        topology(&["proposal-summary", "--config", GENERATED, "--candidate", MESSI, "--pdf", &a.display().to_string()]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let second =
        topology(&["proposal-summary", "--config", GENERATED, "--candidate", MESSI, "--pdf", &b.display().to_string()]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    let (bytes_a, bytes_b) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_eq!(bytes_a, bytes_b, "same inputs, same bytes");
    assert!(bytes_a.starts_with(b"%PDF-"));
    let sha = ic_topology::digest::sha256_hex(&bytes_a);
    assert!(first.stderr.contains(&format!("({} bytes, sha256 {sha})", bytes_a.len())), "{}", first.stderr);
    // The text printed is the text in the PDF's summary.
    assert_eq!(first.stdout, second.stdout);
    let Some(text) = pdftotext(&a) else { return };
    for needle in [
        "- ObjectiveValue before (without the planned nodes): 4",
        "- ObjectiveValue after (with all 3 planned nodes): 3",
        "- reduction 1; verdict: diminishing",
        "The curve: ObjectiveValue with the first N candidate nodes",
        "candidate nodes added",
        "Why the curve stops: the 2nd candidate node",
        "Where the nodes go (with every candidate node)",
        "NNS #1",
        "39 + 1 + 3",
    ] {
        assert!(text.contains(needle), "the PDF's text lacks {needle:?}:\n{text}");
    }
    // The configuration's digest, as the summary prints it.
    let configuration = after(&first.stdout, "- configuration sha256 ").split(' ').next().unwrap().to_string();
    assert!(text.contains(&configuration), "{text}");
    // Of the subnets, those that take candidates or still need synthetic nodes are drawn, the rest counted.
    assert!(
        text.contains("1 of 70 subnets takes candidate nodes or still needs synthetic nodes; 69 are filled"),
        "{text}"
    );
}

fn node(i: usize, provider: &str, dc: &str, country: &str) -> RegistryNode {
    RegistryNode {
        node_id: format!("node-{i}"),
        node_provider_name: provider.into(),
        node_provider_id: format!("id-{provider}"),
        node_operator_id: format!("op-{provider}"),
        data_center: dc.into(),
        data_center_provider: format!("owner-{dc}"),
        region: format!("Europe,{country},Town"),
        node_type: Some("REPLICA".into()),
        status: "UP".into(),
        subnet_id: None,
    }
}

/// One subnet of 4 seats (one node per provider, data center and owner, two
/// per country) and three nodes: A and B in C1, C in C2; one synthetic node fills it.
fn one_subnet() -> Inputs {
    Inputs {
        settings: Settings {
            rules: RuleSet::Y2025,
            synthetic_countries: 2,
            enforce_sev: false,
            enforce_health: false,
            enforce_blacklist: false,
            enforce_per_provider_minimum: true,
            special_limits_reading: Default::default(),
            spare_node_ratio: None,
        },
        nodes: vec![node(0, "A", "dA", "C1"), node(1, "B", "dB", "C1"), node(2, "C", "dC", "C2")],
        pipeline: vec![],
        topology: vec![SubnetSpec {
            subnet_type: "Application".into(),
            subnet_id: None,
            size: 4,
            is_sev: false,
            limits: [1, 1, 1, 2],
        }],
        sev_providers: vec![],
        cordons: vec![],
        clusters: vec![],
        special_limits: None,
        country_restrictions: None,
        warnings: vec![],
    }
}

#[test]
fn the_value_rises_where_the_per_provider_minimum_forces_a_new_provider_in_and_says_so() {
    // A new provider P in C1 whose data center belongs to C's owner: it can
    // enter the subnet only in place of two nodes (a C1 node and C), so while
    // it may stay out it does, and from its 4th node on it may not.
    let inputs = one_subnet();
    let p = CandidateRow {
        node_provider: "P".into(),
        data_center: "dP".into(),
        data_center_provider: "owner-dC".into(),
        country: "C1".into(),
        is_sev: false,
        no_nodes: 5,
    };
    let (model, ev) = evaluate::evaluate(&inputs, std::slice::from_ref(&p), Budget::default());
    let values: Vec<Option<u32>> = ev.curve.iter().map(|c| c.objective).collect();
    assert_eq!(values, [Some(1), Some(1), Some(1), Some(1), Some(2), Some(2)]);
    let notes = curve_notes::explain(&inputs, &[p], &ev, &model, &[]);
    assert_eq!(notes.rises.len(), 1, "{notes:?}");
    let rise = &notes.rises[0];
    assert_eq!((rise.nodes, rise.from, rise.to), (4, 1, 2));
    assert!(
        rise.reason.starts_with(
            "the per-provider minimum: with the 4th candidate node, the new provider \"P\" reaches 4 nodes"
        ),
        "{}",
        rise.reason
    );
    let stop = notes.stop.expect("the verdict is not one for one");
    assert_eq!(stop.nodes, Some(1));
    assert!(stop.reason.contains("the 1st candidate node (provider \"P\", data center \"dP\", C1) takes no synthetic node's place, so the value stays at 1"), "{}", stop.reason);
    assert!(stop.reason.contains("already has its maximum"), "{}", stop.reason);
}

#[test]
fn every_verdict_that_is_not_one_for_one_says_why_the_curve_stops() {
    for candidate in [
        MESSI,
        "Lionel Messi,Buenos Aires 1,Peron Corporation,AR,true,1",
        "Lionel Messi,Buenos Aires 1,Peron Corporation,AR,true,12",
    ] {
        let run = topology(&["evaluate", "--config", GENERATED, "--candidate", candidate, "--json"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let v = run.json();
        let stop = &v["curve_notes"]["stop"];
        if v["verdict"] == "one_for_one" {
            assert!(stop.is_null(), "{candidate}: {stop}");
        } else {
            let reason = stop["reason"].as_str().unwrap_or_else(|| panic!("{candidate}: no reason in {v}"));
            assert!(!reason.is_empty());
            let text = topology(&["evaluate", "--config", GENERATED, "--candidate", candidate]);
            assert!(text.stdout.contains(&format!("  why the curve stops: {reason}\n")), "{}", text.stdout);
        }
    }
    // The default network is infeasible: its curve is on the shortfall's scale
    // (seats left empty, then synthetic nodes), and the stop says why on it.
    let v = topology(&["evaluate", "--candidate", MESSI, "--json"]).json();
    assert_eq!(v["status"], "infeasible");
    assert_eq!(v["curve_notes"]["stop"]["nodes"], 1, "{v}");
    assert!(
        v["curve_notes"]["stop"]["reason"].as_str().unwrap().contains(
            "fills no empty seat and takes no synthetic node's place, so the value stays at shortfall 13 + 0"
        ),
        "{v}"
    );
}

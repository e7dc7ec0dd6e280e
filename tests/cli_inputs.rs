//! The inputs a reference user already has, and messages that stay short:
//! the reference's own `config.json` (paths relative to the working
//! directory), a byte-order mark in JSON, a CSV with the wrong separator,
//! `topology export`, the cordoned nodes with their reasons, `verify` without
//! the inputs it needs (a usage error naming the flag), decoder errors that do
//! not quote the whole file, and a closed pipe that ends the command quietly.

#[path = "support/cli.rs"]
mod cli;

use cli::*;

/// The generated network of `defaults/generated/` (the examples' network).
const GENERATED: &str = "defaults/generated/config.json";
use std::io::Read;
use std::process::{Command, Stdio};

/// A reference-style checkout: `data/nodes.csv`, `data/topology.csv` and
/// `configs/config.json` naming them relative to the checkout's root.
fn reference_layout(dir: &TempDir) -> std::path::PathBuf {
    dir.write("data/nodes.csv", &std::fs::read_to_string(defaults("generated/nodes.csv")).unwrap());
    dir.write("data/topology.csv", &std::fs::read_to_string(defaults("topology.csv")).unwrap());
    dir.write(
        "configs/config.json",
        r#"{"rules": "2025", "nodes_file": "data/nodes.csv", "topology_file": "data/topology.csv"}"#,
    )
}

#[test]
fn a_reference_config_resolves_against_the_working_directory_with_a_warning() {
    let dir = TempDir::new("reference-layout");
    reference_layout(&dir);
    let run = topology_in(&dir.0, &["evaluate", "--config", "configs/config.json", "--json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    let warnings: Vec<String> = v["warnings"].as_array().unwrap().iter().map(|w| w["message"].to_string()).collect();
    for key in ["data/nodes.csv", "data/topology.csv"] {
        assert!(
            warnings.iter().any(|w| w.contains(key) && w.contains("working directory")),
            "no warning names {key}: {warnings:?}"
        );
    }
    // The same numbers as the same files named relative to the configuration.
    let direct = topology(&["evaluate", "--config", GENERATED, "--json"]).json();
    assert_eq!(v["objective"], direct["objective"]);
    assert_eq!(v["inputs"]["configuration_sha256"], direct["inputs"]["configuration_sha256"]);
    // From elsewhere, neither place has the files: the error names both.
    let run = topology_in(&dir.0.join("configs"), &["evaluate", "--config", "config.json"]);
    assert_input_error(&run, &["nodes_file", "file not found", "working directory"]);
}

#[test]
fn a_config_next_to_its_files_needs_no_fallback() {
    let run = topology(&["evaluate", "--config", &s(&defaults("generated/config.json")), "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("working directory"), "no fallback warning: {}", run.stdout);
}

#[test]
fn a_byte_order_mark_in_a_json_file_is_accepted() {
    let dir = TempDir::new("bom");
    let text = std::fs::read_to_string(defaults("generated/config.json")).unwrap();
    for name in ["nodes.csv", "topology.csv"] {
        dir.write(name, &std::fs::read_to_string(defaults(&format!("generated/{name}"))).unwrap());
    }
    let config = dir.write("config.json", &format!("\u{feff}{text}"));
    let run = topology(&["evaluate", "--config", &s(&config), "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plain = topology(&["evaluate", "--config", &s(&defaults("generated/config.json")), "--json"]).json();
    assert_eq!(run.json()["objective"], plain["objective"]);
}

#[test]
fn a_csv_split_on_semicolons_or_tabs_says_which_separator_it_found() {
    let dir = TempDir::new("separator");
    let nodes = std::fs::read_to_string(defaults("generated/nodes.csv")).unwrap();
    let header = nodes.lines().next().unwrap();
    for (sep, says) in [(";", "`;`"), ("\t", "tabs")] {
        let path = dir.write("nodes.csv", &format!("{}\n", header.replace(',', sep)));
        std::fs::write(dir.path("topology.csv"), std::fs::read_to_string(defaults("topology.csv")).unwrap()).unwrap();
        let config = dir.write("config.json", r#"{"nodes_file": "nodes.csv", "topology_file": "topology.csv"}"#);
        let run = topology(&["evaluate", "--config", &s(&config)]);
        assert_input_error(&run, &[&s(&path), "missing column", says, "comma-separated"]);
    }
}

#[test]
fn the_separator_hint_works_on_real_files_whose_regions_hold_commas() {
    // The real network re-saved with `;` or tabs: the regions ("Europe,CH,Zurich")
    // keep their commas, so the rows split into more fields than the one-column header.
    let dir = TempDir::new("separator-real");
    let nodes = std::fs::read_to_string(defaults("nodes.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(nodes.as_bytes());
    for (sep, says) in [(b';', "`;`"), (b'\t', "tabs")] {
        let mut writer = csv::WriterBuilder::new().delimiter(sep).from_writer(Vec::new());
        writer.write_record(reader.headers().unwrap()).unwrap();
        for r in csv::Reader::from_reader(nodes.as_bytes()).records() {
            writer.write_record(&r.unwrap()).unwrap();
        }
        let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        assert!(text.lines().nth(1).unwrap().contains(','), "a region keeps its commas");
        let path = dir.write("nodes.csv", &text);
        dir.write("topology.csv", &std::fs::read_to_string(defaults("topology.csv")).unwrap());
        let config = dir.write("config.json", r#"{"nodes_file": "nodes.csv", "topology_file": "topology.csv"}"#);
        let run = topology(&["evaluate", "--config", &s(&config)]);
        assert_input_error(&run, &[&s(&path), "line 2", "expected 1 field,", says, "comma-separated"]);
    }
}

#[test]
fn export_writes_what_evaluate_inputs_reads() {
    let dir = TempDir::new("export");
    let out = dir.path("export.json");
    let run = topology(&["export", "--config", GENERATED, "--out", &s(&out)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bytes = std::fs::read(&out).unwrap();
    let from_config = topology(&["evaluate", "--config", GENERATED, "--json"]).json();
    // The export's digest is the configuration digest of what it holds.
    let sha = ic_topology::digest::sha256_hex(&bytes);
    assert_eq!(from_config["inputs"]["configuration_sha256"], sha);
    assert!(run.stderr.lines().any(|l| l.starts_with(&format!("{sha}  "))), "{}", run.stderr);
    let from_export = topology(&["evaluate", "--inputs", &s(&out), "--json"]);
    assert_eq!(from_export.code, 0, "{}", from_export.stderr);
    assert_eq!(from_export.json()["objective"], from_config["objective"]);
    // And what it evaluates verifies against it.
    let result = dir.write("result.json", &from_export.stdout);
    let run = topology(&["verify", &s(&result), "--inputs", &s(&out)]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn verify_without_the_inputs_it_needs_names_the_flag() {
    let dir = TempDir::new("verify-flags");
    let export = dir.path("export.json");
    assert_eq!(topology(&["export", "--config", GENERATED, "--out", &s(&export)]).code, 0);
    let from_export = dir.write("from-export.json", &topology(&["evaluate", "--inputs", &s(&export), "--json"]).stdout);
    assert_input_error(&topology(&["verify", &s(&from_export)]), &["--inputs", &s(&export)]);
    assert_input_error(
        &topology(&["verify", &s(&from_export), "--config", &s(&defaults("generated/config.json"))]),
        &["canister export", "instead of --config"],
    );
    let from_config = dir.write("from-config.json", &topology(&["evaluate", "--config", GENERATED, "--json"]).stdout);
    assert_input_error(
        &topology(&["verify", &s(&from_config), "--inputs", &s(&export)]),
        &["from a configuration", "--config"],
    );
    // A result of another network, checked without --config: a usage error, not "rejected".
    let net = dir.path("net");
    let run = topology(&["generate", "--nodes", "300", "--subnets", "12", "--seed", "7", "--out", &s(&net)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let other = topology(&["evaluate", "--config", &s(&net.join("config.json")), "--json"]);
    let other = dir.write("other.json", &other.stdout);
    assert_input_error(&topology(&["verify", &s(&other)]), &["--config", "nodes_file"]);
    // With the flags it needs, each verifies.
    assert_eq!(topology(&["verify", &s(&other), "--config", &s(&net.join("config.json"))]).code, 0);
    assert_eq!(topology(&["verify", "--config", GENERATED, &s(&from_config)]).code, 0);
}

#[test]
fn cordoned_nodes_are_listed_with_their_reasons() {
    let dir = TempDir::new("cordoned");
    let nodes = std::fs::read_to_string(defaults("generated/nodes.csv")).unwrap();
    let second = nodes.lines().nth(1).unwrap();
    let node_id = second.split(',').next().unwrap();
    let dc = second.split(',').nth(2).unwrap();
    dir.write("nodes.csv", &nodes);
    dir.write("topology.csv", &std::fs::read_to_string(defaults("topology.csv")).unwrap());
    dir.write(
        "blacklist.yaml",
        &format!("features:\n  - feature: node_id\n    value: {node_id}\n  - feature: data_center\n    value: {dc}\n"),
    );
    let config = dir.write(
        "config.json",
        r#"{"nodes_file": "nodes.csv", "topology_file": "topology.csv", "blacklist_file": "blacklist.yaml"}"#,
    );
    let out = dir.path("blacklisted_nodes.csv");
    let run = topology(&["evaluate", "--config", &s(&config), "--json", "--blacklisted-out", &s(&out)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let cordoned = run.json()["cordoned"].as_array().unwrap().clone();
    let in_dc = nodes.lines().skip(1).filter(|l| l.split(',').nth(2) == Some(dc)).count();
    assert_eq!(cordoned.len(), in_dc, "every node of {dc}");
    let first = cordoned.iter().find(|n| n["node_id"] == node_id).expect("the cordoned node is listed");
    assert_eq!(first["reason"], format!("node_id == {node_id}; data_center == {dc}"));
    let csv = std::fs::read_to_string(&out).unwrap();
    assert_eq!(csv.lines().next(), Some("node_id,node_provider,data_center,data_center_provider,blacklist_reason"));
    assert_eq!(csv.lines().count(), in_dc + 1);
}

#[test]
fn a_decoder_error_does_not_quote_the_whole_file() {
    let dir = TempDir::new("long-error");
    let export = dir.path("export.json");
    assert_eq!(topology(&["export", "--config", GENERATED, "--out", &s(&export)]).code, 0);
    let garbage = dir.write("reply.hex", &"ab".repeat(200_000));
    let run = topology(&["verify", "--candid", &s(&garbage), "--inputs", &s(&export)]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.len() < 2_000, "the message is {} bytes long", run.stderr.len());
    assert!(run.stderr.contains("more characters"), "{}", run.stderr);
    let run = topology(&["verify-certificate", &s(&garbage), "--canister-id", "aaaaa-aa"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.len() < 2_000, "the message is {} bytes long", run.stderr.len());
}

#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_topology"))
        // Far more output than a pipe buffers (the allocation of 70 subnets).
        .args([
            "evaluate",
            "--config",
            GENERATED,
            "--json",
            "--candidate",
            "Lionel Messi,Buenos Aires 1,Peron Corporation,AR,true,6",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let mut first = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The reader is gone: the rest of the output has nowhere to go.
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(&first, b"{\n  \"tool\"");
    assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{stderr}");
    assert_eq!(out.status.code(), Some(141), "{stderr}");
}

#[test]
fn help_documents_every_flag_the_exit_codes_and_the_rule_sets_defaults() {
    use ic_topology::inputs::RuleSet;
    let commands = [
        "evaluate",
        "verify",
        "generate",
        "verify-certificate",
        "proposal-summary",
        "plan",
        "verify-plan",
        "verify-proposal",
        "placements",
        "node-value",
        "proposal",
        "export",
    ];
    for command in commands {
        let run = topology(&[command, "--help"]);
        assert_eq!(run.code, 0, "{command}: {}", run.stderr);
        assert!(run.stdout.contains("Exit codes:"), "{command} --help names no exit codes:\n{}", run.stdout);
        // A flag line with nothing after its value name is undocumented.
        // (clap puts descriptions on the next line when some are long).
        let lines: Vec<&str> = run.stdout.lines().collect();
        for (i, line) in lines.iter().enumerate().filter(|(_, l)| l.trim_start().starts_with("--")) {
            let trimmed = line.trim();
            let indent = line.len() - line.trim_start().len();
            let next_describes = lines.get(i + 1).is_some_and(|n| {
                n.len() - n.trim_start().len() > indent && !n.trim().is_empty() && !n.trim_start().starts_with('-')
            });
            let documented = trimmed.contains("  ") || next_describes;
            assert!(documented, "{command}: `{trimmed}` has no description:\n{}", run.stdout);
        }
    }
    let help = topology(&["evaluate", "--help"]).stdout;
    assert!(help.contains(&ic_topology::files::CANDIDATE_COLUMNS.join(",")), "{help}");
    let on = |b: bool| if b { "on" } else { "off" };
    for rules in RuleSet::ALL {
        let d = rules.default_settings();
        let line = help.lines().find(|l| l.trim_start().starts_with(rules.name())).expect("a line per rule set");
        let want = format!(
            "{} synthetic countries, SEV {}, health {}, blacklist {}, per-provider minimum {}",
            d.synthetic_countries,
            on(d.enforce_sev),
            on(d.enforce_health),
            on(d.enforce_blacklist),
            on(d.enforce_per_provider_minimum)
        );
        assert!(line.contains(&want), "{line} should say {want}");
    }
}

#[test]
fn candidate_nodes_have_a_cap() {
    let run = topology(&["evaluate", "--config", GENERATED, "--candidate", "P,DC,Owner,AR,true,100000"]);
    assert_input_error(&run, &["no_nodes", "1 to 1000"]);
    // A number too large for any integer is too large, not "not a whole number".
    let run =
        topology(&["evaluate", "--config", GENERATED, "--candidate", "P,DC,Owner,AR,true,99999999999999999999999"]);
    assert_input_error(&run, &["no_nodes", "99999999999999999999999 is too large", "1 to 1000"]);
    let run = topology(&[
        "evaluate",
        "--config",
        GENERATED,
        "--candidate",
        "P,DC,Owner,AR,true,600",
        "--candidate",
        "Q,DC2,Owner,AR,true,600",
    ]);
    assert_input_error(&run, &["1200 candidate nodes in all", "at most 1000"]);
}

/// A `scenario` folder: one result per cluster file, keyed by file name, each
/// equal to evaluating that file alone; `verify` checks each against its
/// scenario; the cordoned nodes' file is written per scenario.
#[test]
fn a_scenario_folder_gives_one_result_per_cluster_file() {
    let dir = TempDir::new("scenarios");
    for name in ["nodes.csv", "topology.csv"] {
        dir.write(name, &std::fs::read_to_string(defaults(&format!("generated/{name}"))).unwrap());
    }
    let nodes = std::fs::read_to_string(defaults("generated/nodes.csv")).unwrap();
    let providers: Vec<&str> = nodes.lines().skip(1).map(|l| l.split(',').nth(10).unwrap()).collect();
    let (p, q) = (providers[0], providers.iter().find(|x| **x != providers[0]).unwrap());
    dir.write("scenarios/b_one_group.json", &format!("{{\"Group\": [\"{p}\", \"{q}\"]}}"));
    dir.write("scenarios/a_none.json", "{}");
    dir.write("blacklist.yaml", "features:\n  - feature: data_center\n    value: no-such-dc\n");
    let config = dir.write(
        "config.json",
        r#"{"nodes_file": "nodes.csv", "topology_file": "topology.csv", "scenario": "scenarios", "blacklist_file": "blacklist.yaml"}"#,
    );
    let out = dir.path("blacklisted_nodes.csv");
    let run = topology(&["evaluate", "--config", &s(&config), "--json", "--blacklisted-out", &s(&out)]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let all = run.json();
    let keys: Vec<&String> = all.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["a_none.json", "b_one_group.json"]);
    for name in ["a_none", "b_one_group"] {
        let alone = dir.write(
            &format!("{name}.config.json"),
            &format!(
                r#"{{"nodes_file": "nodes.csv", "topology_file": "topology.csv", "scenario": "scenarios/{name}.json", "blacklist_file": "blacklist.yaml"}}"#
            ),
        );
        let single = topology(&["evaluate", "--config", &s(&alone), "--json"]).json();
        let mine = &all[format!("{name}.json")];
        for key in ["objective", "certificate", "allocation", "settings"] {
            assert_eq!(mine[key], single[key], "{name}: {key}");
        }
        assert_eq!(mine["inputs"]["configuration_sha256"], single["inputs"]["configuration_sha256"], "{name}");
        assert!(dir.path(&format!("blacklisted_nodes_{name}.csv")).is_file(), "{name}: its cordoned nodes' file");
    }
    // The clusters differ, so the configuration digests do.
    assert_ne!(
        all["a_none.json"]["inputs"]["configuration_sha256"],
        all["b_one_group.json"]["inputs"]["configuration_sha256"]
    );
    let results = dir.write("results.json", &run.stdout);
    let verified = topology(&["verify", &s(&results), "--config", &s(&config)]);
    assert_eq!(verified.code, 0, "{}{}", verified.stdout, verified.stderr);
    assert_eq!(verified.stdout.lines().filter(|l| l.contains(": verified: ")).count(), 2, "{}", verified.stdout);
    // A result changed in one scenario is rejected there.
    let mut forged = all.clone();
    forged["b_one_group.json"]["objective"] = serde_json::json!(0);
    let forged = dir.write("forged.json", &serde_json::to_string(&forged).unwrap());
    let rejected = topology(&["verify", &s(&forged), "--config", &s(&config)]);
    assert_eq!(rejected.code, 1, "{}", rejected.stdout);
    assert!(rejected.stdout.contains("scenario b_one_group.json: rejected"), "{}", rejected.stdout);
    // The text output has a section per scenario.
    let text = topology(&["evaluate", "--config", &s(&config)]);
    assert_eq!(text.stdout.matches("== scenario ").count(), 2, "{}", text.stdout);
    // Without --config, the folder's results cannot be checked: a usage error.
    assert_input_error(&topology(&["verify", &s(&results)]), &["--config", "scenario"]);
}

/// Candidate text that does not mean what it shows is refused, as the
/// canister refuses it: a Cyrillic look-alike of a country, a zero-width or
/// NUL character, a look-alike of an existing provider; `--verbatim-values`
/// takes the value as given.
#[test]
fn look_alike_candidate_text_is_refused_unless_verbatim() {
    let nodes = std::fs::read_to_string(defaults("generated/nodes.csv")).unwrap();
    // An existing provider name with a Latin `o` or `a` written as its Cyrillic twin.
    let provider = nodes
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(10).unwrap())
        .find(|p| p.contains('o') || p.contains('a'))
        .unwrap()
        .to_string();
    let twin = provider.replacen('o', "\u{43e}", 1).replacen('a', "\u{430}", 1);
    let cases = [
        ("Acme,ac1,Acme DC,\u{421}\u{41d},true,1".to_string(), "country"),
        ("Acme,ac1,Acme DC,C\u{200b}H,true,1".to_string(), "zero-width"),
        ("Acme,ac1,Acme DC,CH\0,true,1".to_string(), "control"),
        (format!("{twin},ac1,Acme DC,CH,true,1"), &provider as &str),
    ];
    let dir = TempDir::new("look-alikes");
    for (row, says) in &cases {
        // A file: a NUL cannot be passed as an argument.
        let file =
            dir.write("candidates.csv", &format!("{}\n{row}\n", ic_topology::files::CANDIDATE_COLUMNS.join(",")));
        let run = topology(&["evaluate", "--config", GENERATED, "--candidates", &s(&file)]);
        assert_input_error(&run, &["candidate row 1", says, "--verbatim-values"]);
        let verbatim = topology(&["evaluate", "--config", GENERATED, "--candidates", &s(&file), "--verbatim-values"]);
        assert_eq!(verbatim.code, 0, "{row:?}: {}", verbatim.stderr);
    }
    // Ordinary values pass.
    let run = topology(&["evaluate", "--config", GENERATED, "--candidate", "Acme,ac1,Acme DC,CH,true,1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// The verdict words of the text output are the JSON's and the README's.
#[test]
fn the_printed_verdict_words_are_the_readmes() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for (nodes, word) in [(1, "one_for_one"), (6, "diminishing")] {
        let row = format!("Lionel Messi,Buenos Aires 1,Peron Corporation,AR,true,{nodes}");
        let text = topology(&["evaluate", "--config", GENERATED, "--candidate", &row]);
        assert!(text.stdout.contains(&format!("verdict: {word}")), "{}", text.stdout);
        let json = topology(&["evaluate", "--config", GENERATED, "--candidate", &row, "--json"]).json();
        assert_eq!(json["verdict"], word);
        assert!(readme.contains(&format!("`{word}`")), "the README does not name `{word}`");
    }
    assert!(readme.contains("`none`"));
}

// ---------------------------------------------------------------------------
// `topology fetch`: the public IC API's node list, served on the loopback address

#[path = "support/dashboard.rs"]
mod dashboard;

#[test]
fn fetch_writes_the_dashboard_node_list_as_the_nodes_csv_it_was_recorded_from() {
    let api = dashboard::serve(dashboard::recorded_answer(), dashboard::Answer::Whole);
    let dir = TempDir::new("fetch");
    let run = topology_in(&dir.0, &["fetch", "--api", &api, "--out", "nodes.csv"]);
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    let written = std::fs::read(dir.path("nodes.csv")).unwrap();
    let recorded = std::fs::read(defaults("nodes.csv")).unwrap();
    assert!(written == recorded, "the fetched CSV differs from defaults/nodes.csv");
    let sha = ic_sha256(&written);
    assert!(run.stdout.starts_with(&format!("Fetched 1447 nodes from {api}/api/v3/nodes at ")), "{}", run.stdout);
    assert!(run.stdout.contains(&format!("sha256 {sha}")), "{}", run.stdout);
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path("nodes.csv.fetch.json")).unwrap()).unwrap();
    assert_eq!(record["sha256"], sha);
    assert_eq!(record["nodes"], 1447);
    assert_eq!(record["url"], format!("{api}/api/v3/nodes"));
    let at = record["fetched_at"].as_str().unwrap();
    assert!(at.len() == 20 && at.ends_with('Z') && at.as_bytes()[10] == b'T', "{at}");
    // No temporary file is left beside it.
    let names: Vec<String> =
        std::fs::read_dir(&dir.0).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    // What it wrote is evaluated like the shipped network.
    dir.write(
        "config.json",
        &format!(
            r#"{{"rules": "2025", "nodes_file": "nodes.csv", "topology_file": "{}", "blacklist_file": "{}",
                "scenario": "{}", "no_synthetic_countries": 6}}"#,
            s(&defaults("topology.csv")),
            s(&defaults("blacklist.yaml")),
            s(&defaults("clusters.json"))
        ),
    );
    let fetched = topology_in(&dir.0, &["evaluate", "--config", "config.json", "--json"]).json();
    let shipped = topology(&["evaluate", "--json"]).json();
    assert_eq!(fetched["status"], shipped["status"]);
    assert_eq!(fetched["inputs"]["configuration_sha256"], shipped["inputs"]["configuration_sha256"]);
}

fn ic_sha256(bytes: &[u8]) -> String {
    ic_topology::digest::sha256_hex(bytes)
}

#[test]
fn fetch_takes_its_host_from_the_environment() {
    let api = dashboard::serve(dashboard::recorded_answer(), dashboard::Answer::Whole);
    let dir = TempDir::new("fetch-env");
    let out = Command::new(env!("CARGO_BIN_EXE_topology"))
        .args(["fetch", "--out", "today.csv"])
        .env("TOPOLOGY_IC_API", &api)
        .current_dir(&dir.0)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path("today.csv").exists());
}

#[test]
fn a_cut_short_truncated_malformed_or_refused_answer_writes_nothing() {
    let cases = [
        (dashboard::Answer::CutShort, "cut short"),
        (dashboard::Answer::Truncated, "the answer is not JSON"),
        (dashboard::Answer::Malformed, "the answer is not JSON"),
        (dashboard::Answer::Unavailable, "HTTP 503"),
    ];
    for (answer, needle) in cases {
        let api = dashboard::serve(dashboard::recorded_answer(), answer);
        let dir = TempDir::new("fetch-bad");
        // An older file is left as it was.
        dir.write("nodes.csv", "old\n");
        let run = topology_in(&dir.0, &["fetch", "--api", &api, "--out", "nodes.csv"]);
        assert_input_error(&run, &[needle, "nothing written", "/api/v3/nodes"]);
        assert_eq!(std::fs::read_to_string(dir.path("nodes.csv")).unwrap(), "old\n");
        assert_eq!(std::fs::read_dir(&dir.0).unwrap().count(), 1, "a file was left behind");
    }
    // A node without a required field, and an answer that is not the node list.
    let api = dashboard::serve(r#"{"nodes":[{"node_id":"x","dc_id":"zh1"}]}"#.into(), dashboard::Answer::Whole);
    let dir = TempDir::new("fetch-field");
    assert_input_error(
        &topology_in(&dir.0, &["fetch", "--api", &api, "--out", "n.csv"]),
        &["node 1 (x) has no `node_operator_id`"],
    );
    let api = dashboard::serve(r#"{"subnets":[]}"#.into(), dashboard::Answer::Whole);
    assert_input_error(&topology_in(&dir.0, &["fetch", "--api", &api, "--out", "n.csv"]), &["no `nodes` array"]);
    assert!(!dir.path("n.csv").exists());
}

#[test]
fn fetch_offline_says_so() {
    // A port nothing listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = TempDir::new("fetch-offline");
    let run = topology_in(&dir.0, &["fetch", "--api", &format!("http://127.0.0.1:{port}"), "--out", "n.csv"]);
    assert_input_error(&run, &["cannot get the node list", "offline", "nothing written"]);
    assert!(!dir.path("n.csv").exists());
}

// ---------------------------------------------------------------------------
// candidates typed by hand: near misses, owners, dashboard names

const REAL_CANDIDATE_DCP: &str = "Lionel Messi,ar1,Equinx,AR,true,1";

#[test]
fn a_near_miss_is_refused_with_did_you_mean_naming_its_field() {
    let run = topology(&["evaluate", "--candidate", "New Provider,newdc9,Equinx,AR,true,1"]);
    assert_input_error(&run, &["data_center_provider", "did you mean `Equinix`?", "--verbatim-values"]);
    let run = topology(&["evaluate", "--candidate", "Arceau NP LCC,newdc9,Newco,AR,true,1"]);
    assert_input_error(&run, &["node_provider", "did you mean `Arceau NP LLC`?"]);
    // Meant as new: taken as given.
    let run = topology(&["evaluate", "--verbatim-values", "--candidate", "New Provider,newdc9,Equinx,AR,true,1"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
}

#[test]
fn an_existing_data_center_has_one_owner_and_dashboard_names_are_recognised() {
    let run = topology(&["evaluate", "--candidate", REAL_CANDIDATE_DCP]);
    assert_input_error(&run, &["data_center_provider", "data center `ar1` exists and belongs to"]);
    let run = topology(&["evaluate", "--candidate", "Lionel Messi,CABA 1,Newco,AR,true,1"]);
    assert_input_error(&run, &["data_center", "`CABA 1` is the dashboard's name of data center `ar1`"]);
}

#[test]
fn a_look_alike_names_the_field_that_holds_it() {
    // A Cyrillic Е in the data-center provider's name.
    let run = topology(&["evaluate", "--candidate", "Lionel Messi,newdc9,\u{415}quinix,AR,true,1"]);
    assert_input_error(&run, &["looks like the existing \"Equinix\"", "data_center_provider"]);
}

// ---------------------------------------------------------------------------
// the networks that ship

#[test]
fn every_named_network_equals_its_configuration_and_says_its_name() {
    let list = topology(&["networks"]);
    assert_eq!(list.code, 0);
    for name in ["in-force", "reference-target", "production", "growth-app75"] {
        assert!(list.stdout.contains(name), "{}", list.stdout);
    }
    assert_eq!(topology(&["evaluate", "--network", "help"]).stdout, list.stdout);
    for (name, config) in [
        ("reference-target", "networks/reference-target.json"),
        ("production", "networks/production.json"),
        ("growth-app75", "networks/growth-app75.json"),
    ] {
        let named = topology(&["evaluate", "--network", name, "--json"]).json();
        let run = topology(&["evaluate", "--config", &s(&defaults(config)), "--json"]);
        let on_disk = run.json();
        assert_eq!(named["status"], on_disk["status"], "{name}");
        assert_eq!(named["objective"], on_disk["objective"], "{name}");
        assert_eq!(named["inputs"]["configuration_sha256"], on_disk["inputs"]["configuration_sha256"], "{name}");
        let text = topology(&["evaluate", "--network", name]);
        assert!(text.stdout.contains(&format!("Network: the network `{name}`")), "{}", text.stdout);
    }
    assert_input_error(&topology(&["evaluate", "--network", "mainnet"]), &["--network", "in-force, reference-target"]);
    assert_input_error(
        &topology(&["evaluate", "--network", "production", "--config", GENERATED]),
        &["--network and --config"],
    );
}

#[test]
fn the_production_subnets_have_their_present_sizes_and_the_script_reproduces_them() {
    let nodes = std::fs::read_to_string(defaults("nodes.csv")).unwrap();
    let mut members: std::collections::BTreeMap<String, u32> = Default::default();
    let mut reader = csv::Reader::from_reader(nodes.as_bytes());
    let column = reader.headers().unwrap().iter().position(|h| h == "subnet_id").unwrap();
    for r in reader.records() {
        let id = r.unwrap()[column].to_string();
        if !id.is_empty() {
            *members.entry(id).or_default() += 1;
        }
    }
    let topology = std::fs::read_to_string(defaults("networks/production_topology.csv")).unwrap();
    let mut sizes: std::collections::BTreeMap<String, u32> = Default::default();
    for r in csv::Reader::from_reader(topology.as_bytes()).records() {
        let r = r.unwrap();
        assert_eq!(&r[2], "1");
        sizes.insert(r[1].to_string(), r[3].parse().unwrap());
    }
    assert_eq!(sizes.len(), 47);
    assert_eq!(sizes, members, "a production subnet's size is not its membership in defaults/nodes.csv");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("bash")
        .args(["scripts/production_topology.sh", "defaults/nodes.csv", "defaults/networks/production_topology.csv"])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), topology);
}

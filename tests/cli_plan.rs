//! `topology plan`, `verify-plan` and `verify-proposal` through the built
//! binary on anchor example 03 (network healers): a plan verifies, tampered
//! copies are rejected with the reason (exit 1), a proposal of the plan is on
//! an optimal path (exit 0), bad payloads are errors (exit 2), the output
//! files are written, and `evaluate` refuses a swap-mode configuration.

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/swap_oracles.rs"]
mod swap_oracles;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn topology<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_topology")).args(args).output().expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn setup() -> Option<(PathBuf, PathBuf)> {
    let Some(d) = swap_oracles::shared_data(Path::new(env!("CARGO_MANIFEST_DIR"))) else {
        println!("skipped: ../shared/data not found (the reference snapshots are only in CI)");
        return None;
    };
    let dir = std::env::temp_dir().join(format!("ic-topology-cli-plan-{}", std::process::id()));
    let config = swap_oracles::write(&dir, &swap_oracles::example(&d, swap_oracles::EXAMPLES[2]));
    Some((dir, config))
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn plan_verify_tamper_and_proposals() {
    let Some((dir, config)) = setup() else { return };
    let c = config.display().to_string();
    let out = |name: &str| dir.join(name).display().to_string();
    let run = topology(&[
        "plan",
        "--config",
        &c,
        "--json",
        "--changes-out",
        &out("changes.json"),
        "--proposals-out",
        &out("proposals.json"),
        "--what-if-out",
        &out("after.csv"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(plan["cost"], 4);
    for f in ["changes.json", "proposals.json", "after.csv"] {
        assert!(std::fs::metadata(dir.join(f)).unwrap().len() > 0, "{f} written");
    }
    std::fs::write(dir.join("plan.json"), &run.stdout).unwrap();
    let ok = topology(&["verify-plan", &out("plan.json"), "--config", &c]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    assert!(ok.stdout.starts_with("verified: optimal, proven"), "{}", ok.stdout);
    // `verify` takes plan files too.
    assert_eq!(topology(&["verify", &out("plan.json"), "--config", &c]).code, 0);

    let tamper = |name: &str, edit: &dyn Fn(&mut serde_json::Value), says: &str| {
        let mut forged = plan.clone();
        edit(&mut forged);
        std::fs::write(dir.join(name), serde_json::to_string(&forged).unwrap()).unwrap();
        let r = topology(&["verify-plan", &out(name), "--config", &c]);
        assert_eq!(r.code, 1, "{name}: {}", r.stdout);
        assert!(r.stdout.starts_with("rejected:") && r.stdout.contains(says), "{name}: {}", r.stdout);
    };
    tamper(
        "no-change.json",
        &|p| {
            p["changes"].as_array_mut().unwrap().remove(0);
        },
        "changes",
    );
    tamper("counts.json", &|p| p["counts"]["dropped"] = 1.into(), "counts");
    tamper("cost.json", &|p| p["cost"] = 3.into(), "cost");
    tamper(
        "multiplier.json",
        &|p| {
            let size = p["certificate"]["size"].as_array_mut().unwrap();
            size[0][1] = (size[0][1].as_i64().unwrap() - 3).into();
        },
        "certificate proves",
    );
    // A node swapped for one that breaks a limit: node-3 (provider 1, like node-1 in subnet-1) instead.
    tamper(
        "swapped.json",
        &|p| {
            for ch in p["changes"].as_array_mut().unwrap() {
                if ch["to"] == "subnet-1" {
                    ch["node_id"] = "node-3".into();
                }
            }
        },
        "",
    );

    // The plan's first proposal is on an optimal path; bad payloads are errors.
    let proposals: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("proposals.json")).unwrap()).unwrap();
    let payload = proposals["proposals"][0]["payload_candid"].as_str().unwrap().to_string();
    let r = topology(&["verify-proposal", "--config", &c, "--payload", &payload]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("On an optimal path"), "{}", r.stdout);
    let subnet = proposals["proposals"][0]["subnet_id"].as_str().unwrap().to_string();
    for (add, why) in [("nobody", "not a node"), ("node-11", "")] {
        let r = topology(&["verify-proposal", "--config", &c, "--subnet-id", &subnet, "--add", add]);
        assert_eq!(r.code, 2, "{add}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains(why), "{add}: {}", r.stderr);
    }

    // A swap-mode configuration is a plan: `evaluate` says so.
    let r = topology(&["evaluate", "--config", &c]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("topology plan"), "{}", r.stderr);
}

/// The `data-*` attributes of every element of `svg` that carries `first`, in order.
fn svg_rows(svg: &str, first: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    svg.split('<')
        .filter(|e| e.contains(&format!(" {first}=\"")))
        .map(|e| {
            let mut m = std::collections::BTreeMap::new();
            for part in e.split(" data-").skip(1) {
                if let Some((k, rest)) = part.split_once("=\"") {
                    m.insert(k.to_string(), rest.split('"').next().unwrap().to_string());
                }
            }
            m
        })
        .collect()
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn plan_charts_draw_the_plans_own_changes() {
    let Some((dir, config)) = setup() else { return };
    let c = config.display().to_string();
    let charts = dir.join("charts");
    let run = topology(&["plan", "--config", &c, "--json", "--charts", &charts.display().to_string()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let svg = std::fs::read_to_string(charts.join("subnet_change_summary.svg")).expect("the chart is written");
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));

    // Per subnet, the plan's change list counted independently of the chart.
    let changes = plan["changes"].as_array().unwrap();
    let count = |subnet: &str, kind: &str, side: &str, synthetic: Option<bool>| {
        changes
            .iter()
            .filter(|ch| ch["kind"] == kind && ch[side] == subnet)
            .filter(|ch| synthetic.is_none_or(|s| ch["node_id"].as_str().unwrap().starts_with("synthetic-") == s))
            .count()
            .to_string()
    };
    let rows = svg_rows(&svg, "data-unchanged");
    let (totals, subnets) = rows.split_first().expect("the totals come first");
    assert!(!subnets.is_empty());
    let mut changed = 0;
    for row in subnets {
        let s = row["subnet"].as_str();
        assert_eq!(row["moved-in"], count(s, "moved", "to", None), "{s}: moved in");
        assert_eq!(row["moved-away"], count(s, "moved", "from", None), "{s}: moved away");
        assert_eq!(row["dropped"], count(s, "dropped", "from", None), "{s}: dropped");
        assert_eq!(row["newly-assigned"], count(s, "newly_assigned", "to", Some(false)), "{s}: newly assigned");
        assert_eq!(row["synthetic"], count(s, "newly_assigned", "to", Some(true)), "{s}: synthetic");
        changed += ["moved-in", "moved-away", "dropped", "newly-assigned", "synthetic"]
            .iter()
            .map(|k| row[*k].parse::<u32>().unwrap())
            .sum::<u32>();
    }
    assert!(changed > 0, "the plan changes something, and the chart draws it");
    // The totals are the plan's counts.
    let counts = &plan["counts"];
    let total = |k: &str| totals[k].parse::<u64>().unwrap();
    assert_eq!(total("dropped"), counts["dropped"].as_u64().unwrap());
    assert_eq!(total("moved-in"), counts["moved"].as_u64().unwrap());
    assert_eq!(total("moved-away"), counts["moved"].as_u64().unwrap());
    assert_eq!(total("newly-assigned") + total("synthetic"), counts["newly_assigned"].as_u64().unwrap());
    assert_eq!(total("synthetic"), counts["synthetic"].as_u64().unwrap());

    // The same inputs give the same bytes.
    let again = dir.join("charts-again");
    assert_eq!(topology(&["plan", "--config", &c, "--charts", &again.display().to_string()]).code, 0);
    assert_eq!(std::fs::read_to_string(again.join("subnet_change_summary.svg")).unwrap(), svg, "deterministic");
}

/// The what-if nodes CSV is the network after the plan: every node sits in
/// the subnet the plan assigns it (the registry's nodes in the plan's
/// allocation, the others unassigned), and planning again from it costs
/// nothing and changes nothing, on the healers' example and on the 2025
/// production snapshot (SWAP-ORACLES.md S5).
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn the_what_if_network_is_the_plan_and_needs_no_further_change() {
    let Some(d) = swap_oracles::shared_data(Path::new(env!("CARGO_MANIFEST_DIR"))) else {
        println!("skipped: ../shared/data not found (the reference snapshots are only in CI)");
        return;
    };
    let dir = std::env::temp_dir().join(format!("ic-topology-cli-what-if-{}", std::process::id()));
    for (name, json) in [("03", swap_oracles::example(&d, swap_oracles::EXAMPLES[2])), ("S5", swap_oracles::s5(&d))] {
        let config = swap_oracles::write(&dir.join(name), &json);
        let after = dir.join(name).join("after.csv");
        let run = topology(&[
            "plan",
            "--config",
            &config.display().to_string(),
            "--json",
            "--what-if-out",
            &after.display().to_string(),
        ]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert!(plan["cost"].as_u64().unwrap() > 0, "{name}: the plan changes something");
        // Where each node is after the plan, by the plan's own changes.
        let (nodes, _) = ic_topology::files::parse_nodes_csv(
            &std::fs::read_to_string(json["nodes_file"].as_str().unwrap()).unwrap(),
            "nodes",
        )
        .unwrap();
        let mut expected: std::collections::BTreeMap<String, Option<String>> =
            nodes.iter().map(|n| (n.node_id.clone(), n.subnet_id.clone())).collect();
        for ch in plan["changes"].as_array().unwrap() {
            let id = ch["node_id"].as_str().unwrap();
            if id.starts_with("synthetic-") {
                continue;
            }
            if let Some(at) = expected.get_mut(id) {
                *at = ch["to"].as_str().map(str::to_string);
            }
        }
        let (what_if, _) =
            ic_topology::files::parse_nodes_csv(&std::fs::read_to_string(&after).unwrap(), "after.csv").unwrap();
        assert_eq!(what_if.len(), nodes.len(), "{name}: every node, once");
        for n in &what_if {
            assert_eq!(Some(&n.subnet_id), expected.get(&n.node_id), "{name}: {} after the plan", n.node_id);
        }
        // Planning again from the network after the plan: nothing left to do.
        let mut again = json.clone();
        again["nodes_file"] = after.display().to_string().into();
        let config = swap_oracles::write(&dir.join(format!("{name}-again")), &again);
        let run = topology(&["plan", "--config", &config.display().to_string(), "--json"]);
        assert_eq!(run.code, 0, "{name} again: {}", run.stderr);
        let replan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(replan["cost"], 0, "{name}: planning again changes nothing: {}", replan["counts"]);
        assert_eq!(replan["changes"].as_array().map(Vec::len), Some(0), "{name}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// `verify-proposal` refuses a payload that adds a node the model may not
/// assign, and says why: DEGRADED or DOWN (health enforced), cordoned by the
/// blacklist (enforced). The healers' example edited: node-3 DEGRADED and
/// node-13 DOWN; then, apart, node-13 cordoned by its node id. Both are free
/// nodes, and in the example as it is, adding either is judged, not refused.
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn verify_proposal_refuses_degraded_down_and_cordoned_nodes() {
    let Some(d) = swap_oracles::shared_data(Path::new(env!("CARGO_MANIFEST_DIR"))) else {
        println!("skipped: ../shared/data not found (the reference snapshots are only in CI)");
        return;
    };
    let dir = std::env::temp_dir().join(format!("ic-topology-cli-refuse-{}", std::process::id()));
    let original = swap_oracles::example(&d, swap_oracles::EXAMPLES[2]);
    let nodes = std::fs::read_to_string(original["nodes_file"].as_str().unwrap()).unwrap();
    let add = |config: &Path, node: &str| {
        topology(&[
            "verify-proposal",
            "--config",
            &config.display().to_string(),
            "--subnet-id",
            "subnet-1",
            "--add",
            node,
        ])
    };
    // As the example is: judged (on an optimal path or not), not refused.
    let plain = swap_oracles::write(&dir.join("plain"), &original);
    for node in ["node-3", "node-13"] {
        let r = add(&plain, node);
        assert!(r.code == 0 || r.code == 1, "{node}: {}{}", r.stdout, r.stderr);
    }
    let variant = |name: &str, status: &[(&str, &str)], cordon: Option<&str>| {
        let sub = dir.join(name);
        std::fs::create_dir_all(&sub).unwrap();
        let edited: Vec<String> = nodes
            .lines()
            .map(|l| match status.iter().find(|(id, _)| l.starts_with(&format!("{id},"))) {
                Some((_, st)) => l.replace(",UP,", &format!(",{st},")),
                None => l.to_string(),
            })
            .collect();
        std::fs::write(sub.join("nodes.csv"), edited.join("\n") + "\n").unwrap();
        let mut json = original.clone();
        json["nodes_file"] = sub.join("nodes.csv").display().to_string().into();
        if let Some(id) = cordon {
            let yaml = format!("features:\n  - feature: node_id\n    value: {id}\n    explanation: a test cordon\n");
            std::fs::write(sub.join("blacklist.yaml"), yaml).unwrap();
            json["blacklist_file"] = sub.join("blacklist.yaml").display().to_string().into();
            json["enforce_blacklist_constraint"] = true.into();
        }
        swap_oracles::write(&sub, &json)
    };
    let unhealthy = variant("unhealthy", &[("node-3", "DEGRADED"), ("node-13", "DOWN")], None);
    let cordoned = variant("cordoned", &[], Some("node-13"));
    for (config, node, why) in [
        (&unhealthy, "node-3", "node node-3 may not be assigned (DEGRADED)"),
        (&unhealthy, "node-13", "node node-13 may not be assigned (DOWN)"),
        (&cordoned, "node-13", "node node-13 may not be assigned (cordoned or not a replica)"),
    ] {
        let r = add(config, node);
        assert_eq!(r.code, 2, "{node}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains(why), "{node}: {}", r.stderr);
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// A proposal says why each node leaves: on the de-clustering example
/// (SWAP-ORACLES.md S4) the cluster's two providers count as one, over the
/// subnet's limit of one; on example 01 the provider, its data center and
/// their owner each have two nodes in the subnet. Not a generic reason.
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn proposals_say_which_limit_a_removal_mends() {
    let Some(d) = swap_oracles::shared_data(Path::new(env!("CARGO_MANIFEST_DIR"))) else {
        println!("skipped: ../shared/data not found (the reference snapshots are only in CI)");
        return;
    };
    let dir = std::env::temp_dir().join(format!("ic-topology-cli-why-{}", std::process::id()));
    for (example, says) in [
        (swap_oracles::EXAMPLES[3], "counts in cluster NP Group: np1 and np2, which has 2 nodes in the subnet, at most 1 allowed"),
        (swap_oracles::EXAMPLES[0], "its node provider node-provider-1 has 2 nodes in the subnet, at most 1 allowed; its data center dc-1 has 2 nodes in the subnet, at most 1 allowed"),
    ] {
        let config = swap_oracles::write(&dir.join(&example[..2]), &swap_oracles::example(&d, example));
        let out = dir.join(&example[..2]).join("proposals.json");
        let run = topology(&[
            "plan",
            "--config",
            &config.display().to_string(),
            "--proposals-out",
            &out.display().to_string(),
        ]);
        assert_eq!(run.code, 0, "{example}: {}", run.stderr);
        let proposals: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let summaries: Vec<&str> =
            proposals["proposals"].as_array().unwrap().iter().map(|p| p["summary"].as_str().unwrap()).collect();
        assert!(summaries.iter().any(|s| s.contains(says)), "{example}: {summaries:#?}");
        assert!(!summaries.iter().any(|s| s.contains("its place is needed")), "{example}: {summaries:#?}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// S5's configuration (the October 2025 network, swap mode), written to a fresh folder.
fn s5_config(name: &str, edit: impl Fn(&mut serde_json::Value)) -> Option<(PathBuf, ic_topology::inputs::Inputs)> {
    let d = swap_oracles::shared_data(Path::new(env!("CARGO_MANIFEST_DIR")))?;
    let dir = std::env::temp_dir().join(format!("ic-topology-cli-plan-{}-{name}", std::process::id()));
    let mut json = swap_oracles::s5(&d);
    edit(&mut json);
    let config = swap_oracles::write(&dir, &json);
    let inputs = ic_topology::files::load_config(&config).expect("S5 loads").inputs;
    Some((config, inputs))
}

/// A change that no plan can contain is a decided answer: two unassigned
/// nodes of one provider added to the SNS subnet, whose provider limit is 1.
/// The constrained solve is infeasible with a checked certificate, so the
/// answer is "not on any plan", with the limit it breaks in words, exit 1
/// (not "undecided", exit 4).
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn verify_proposal_decides_a_change_no_plan_contains() {
    let Some((config, inputs)) = s5_config("two-of-one", |_| {}) else {
        println!("skipped: ../shared/data not found (the reference snapshots are only in CI)");
        return;
    };
    let sns = inputs.topology.iter().find(|s| s.subnet_type == "SNS").expect("an SNS subnet");
    let sns_id = sns.subnet_id.clone().expect("the SNS subnet has an id");
    assert_eq!(sns.limits[0], 1, "the SNS subnet's provider limit");
    // Two unassigned, UP, non-blacklisted nodes of one provider that is in no cluster and not DFINITY.
    let cordoned: std::collections::BTreeSet<String> =
        ic_topology::cordoned::cordoned_nodes(&inputs).into_iter().map(|c| c.node_id).collect();
    let clustered: std::collections::BTreeSet<&str> =
        inputs.clusters.iter().flat_map(|c| c.members.iter().map(String::as_str)).collect();
    let mut by_provider: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for n in &inputs.nodes {
        let free = n.subnet_id.as_deref().is_none_or(|s| s.trim().is_empty());
        if free
            && n.status.trim() == "UP"
            && n.node_type.as_deref() != Some("API_BOUNDARY")
            && !cordoned.contains(&n.node_id)
            && !clustered.contains(n.node_provider_name.as_str())
            && !n.node_provider_name.starts_with("DFINITY")
        {
            by_provider.entry(n.node_provider_name.as_str()).or_default().push(n.node_id.as_str());
        }
    }
    let (provider, nodes) = by_provider.iter().find(|(_, v)| v.len() >= 2).expect("a provider with two free nodes");
    let c = config.display().to_string();
    let args = ["verify-proposal", "--config", &c, "--subnet-id", &sns_id, "--add", nodes[0], "--add", nodes[1]];
    let r = topology(&args);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("Not on any plan"), "{}", r.stdout);
    let says = format!("subnet {sns_id} may have at most 1 node(s) of node provider {provider} (the change adds 2)");
    assert!(r.stdout.contains(&says), "expected `{says}` in:\n{}", r.stdout);
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let r = topology(&json_args);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let check: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(check["on_optimal_path"], false);
    assert_eq!(check["with_proposal"]["status"], "infeasible");
    assert!(check["breaks"].as_array().is_some_and(|b| b.iter().any(|l| l == &serde_json::Value::from(says.clone()))));

    // The same payload as the NNS dashboard shows it (JSON) and as Candid text: the same answer.
    let by_flags = topology(&args);
    let json = format!(
        r#"{{"subnet_id": "{sns_id}", "node_ids_add": ["{}", "{}"], "node_ids_remove": []}}"#,
        nodes[0], nodes[1]
    );
    let candid = format!(
        r#"(record {{ subnet_id = principal "{sns_id}"; node_ids_add = vec {{ principal "{}"; principal "{}" }}; node_ids_remove = vec {{}} }})"#,
        nodes[0], nodes[1]
    );
    for payload in [json, candid] {
        let r = topology(&["verify-proposal", "--config", &c, "--payload", &payload]);
        assert_eq!((r.code, &r.stdout), (by_flags.code, &by_flags.stdout), "{payload}: {}", r.stderr);
    }
    let r = topology(&["verify-proposal", "--config", &c, "--payload", r#"{"subnet_id": "x", "node_ids_add": "n"}"#]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("`node_ids_add`"), "{}", r.stderr);
}

/// An infeasible growth plan (75 Application subnets, the default special
/// limits: DFINITY exactly once per subnet) says why as `evaluate` does, from
/// a checked infeasibility certificate, and `verify-plan` re-checks it.
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn an_infeasible_plan_says_why() {
    let Some(d) = swap_oracles::shared_data(Path::new(env!("CARGO_MANIFEST_DIR"))) else {
        println!("skipped: ../shared/data not found (the reference snapshots are only in CI)");
        return;
    };
    let Some((config, _)) = s5_config("app75", |j| {
        j["topology_file"] = d.join("scenarios/target_topology_app75.csv").display().to_string().into();
    }) else {
        return;
    };
    let c = config.display().to_string();
    let r = topology(&["plan", "--config", &c]);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("why (checked infeasibility certificate"), "{}", r.stdout);
    assert!(r.stdout.contains("DFINITY"), "{}", r.stdout);
    let topology_file = d.join("scenarios/target_topology_app75.csv").display().to_string();
    let (evaluation, _) = s5_config("app75-evaluate", |j| {
        j["topology_file"] = topology_file.clone().into();
        j["mode"] = "minimize_new_nodes".into();
    })
    .unwrap();
    let ev = topology(&["evaluate", "--config", &evaluation.display().to_string()]);
    let why = |out: &str| -> Vec<String> {
        out.lines()
            .skip_while(|l| !l.contains("why (checked"))
            .skip(1)
            .take_while(|l| l.trim_start().starts_with("- "))
            .map(|l| l.trim().to_string())
            .collect()
    };
    assert!(!why(&ev.stdout).is_empty(), "{}", ev.stdout);
    assert_eq!(why(&r.stdout), why(&ev.stdout), "the plan says why as evaluate does");
    let r = topology(&["plan", "--config", &c, "--json"]);
    let dir = config.parent().unwrap();
    std::fs::write(dir.join("plan.json"), &r.stdout).unwrap();
    let ok = topology(&["verify-plan", &dir.join("plan.json").display().to_string(), "--config", &c]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    assert!(ok.stdout.starts_with("verified: infeasible, proven"), "{}", ok.stdout);
}

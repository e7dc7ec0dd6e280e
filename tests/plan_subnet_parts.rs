//! One subnet at a time, on an optimal path: on the October 2025 network
//! (SWAP-ORACLES.md S5, cost 40) and on the growth case (S6: the production
//! subnets plus 12 new ones, cost 235), every payload `topology plan --subnet
//! X` writes, for every subnet X the optimal plan changes, is accepted by
//! `topology verify-proposal` (on an optimal path, exit 0). A payload that
//! adds a node another step frees is checked on the network as it is after
//! the steps the plan says it follows (their changes applied to the nodes
//! file), as a voter checks it once those have run. A subnet the registry
//! does not have yet gets no membership payload: it is listed as a subnet to
//! create, with its nodes, after the steps that free them.
//!
//! The data live beside the checkout in CI only; without them each test says
//! it was skipped and why.

use ic_topology::files;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[path = "support/swap_oracles.rs"]
mod swap_oracles;

#[path = "support/cli.rs"]
mod cli;
use cli::{topology, TempDir};

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// The network after the given steps: the nodes file with each step's
/// removed nodes unassigned and added nodes in its subnet.
fn nodes_after(config: &Value, steps: &[&Value], out: &Path) -> PathBuf {
    let nodes_file = config["nodes_file"].as_str().unwrap();
    let text = std::fs::read_to_string(nodes_file).unwrap();
    let (nodes, _) = files::parse_nodes_csv(&text, "nodes").unwrap();
    let mut subnet: BTreeMap<String, Option<String>> =
        nodes.iter().map(|n| (n.node_id.clone(), n.subnet_id.clone())).collect();
    for p in steps {
        for id in p["node_ids_remove"].as_array().unwrap() {
            subnet.insert(id.as_str().unwrap().to_string(), None);
        }
        for id in p["node_ids_add"].as_array().unwrap() {
            let id = id.as_str().unwrap();
            assert!(subnet.contains_key(id), "{id} is not a registry node: no proposal can add it");
            subnet.insert(id.to_string(), Some(p["subnet_id"].as_str().unwrap().to_string()));
        }
    }
    // The subnet_id column is the last of the dashboard's CSV; rewrite it line by line.
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.ends_with(",subnet_id"), "{header}");
    let mut written = vec![header.to_string()];
    for line in lines {
        let id = line.split(',').next().unwrap();
        let cut = line.rfind(',').unwrap();
        let at = subnet.get(id).cloned().flatten().unwrap_or_default();
        written.push(format!("{},{at}", &line[..cut]));
    }
    std::fs::write(out, written.join("\n") + "\n").unwrap();
    out.to_path_buf()
}

/// Returns the number of payloads accepted.
fn every_subnet_part_is_accepted(name: &str, json: Value, expected_cost: u64) -> usize {
    let dir = TempDir::new(name);
    let config = swap_oracles::write(&dir.0, &json);
    let c = s(&config);
    let full = topology(&["plan", "--config", &c, "--json"]);
    assert_eq!(full.code, 0, "{name}: {}", full.stderr);
    let full = full.json();
    assert_eq!(full["cost"], expected_cost, "{name}");
    let proposals = full["proposals"]["proposals"].as_array().unwrap().clone();
    let new_subnets = full["proposals"]["new_subnets"].as_array().unwrap().clone();
    assert!(full["proposals"]["cycles"].as_array().unwrap().is_empty(), "{name}: no cycle of moves");
    let by_step: BTreeMap<u64, &Value> = proposals.iter().map(|p| (p["step"].as_u64().unwrap(), p)).collect();
    // A new subnet (no node is in it today) never gets a membership payload.
    let registry_subnets: BTreeSet<String> = {
        let text = std::fs::read_to_string(json["nodes_file"].as_str().unwrap()).unwrap();
        let (nodes, _) = files::parse_nodes_csv(&text, "nodes").unwrap();
        nodes.into_iter().filter_map(|n| n.subnet_id).collect()
    };
    for p in &proposals {
        let id = p["subnet_id"].as_str().unwrap();
        assert!(registry_subnets.contains(id), "{name}: a membership payload for {id}, which the registry lacks");
    }
    for n in &new_subnets {
        let id = n["subnet_id"].as_str().unwrap_or("(none)");
        assert!(!registry_subnets.contains(id), "{name}: {id} exists, yet is to be created");
        let step = n["step"].as_u64().unwrap();
        // Ordered after every step that frees one of its nodes.
        for node in n["node_ids"].as_array().unwrap() {
            for p in &proposals {
                if p["node_ids_remove"].as_array().unwrap().contains(node) {
                    assert!(p["step"].as_u64().unwrap() < step, "{name}: {id} takes {node} before it is freed");
                }
            }
        }
    }
    let mut accepted = 0;
    for p in &proposals {
        let id = p["subnet_id"].as_str().unwrap();
        let out = dir.0.join(format!("{id}.json"));
        let part = topology(&["plan", "--config", &c, "--subnet", id, "--json", "--proposals-out", &s(&out)]);
        assert_eq!(part.code, 0, "{name} {id}: {}", part.stderr);
        let part = part.json();
        assert_eq!(part["cost"], expected_cost, "{name} {id}: the part of the network's optimal plan");
        let written: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let written = written["proposals"].as_array().unwrap();
        assert_eq!(written.len(), 1, "{name} {id}: one payload");
        let w = &written[0];
        assert_eq!(w["subnet_id"], id);
        // The network it is checked on: as it is after the steps it must follow.
        let needs: Vec<u64> =
            part["parts"][0]["after"].as_array().unwrap().iter().map(|a| a[0].as_u64().unwrap()).collect();
        let mut cfg = json.clone();
        if !needs.is_empty() {
            let steps: Vec<&Value> = needs.iter().map(|st| by_step[st]).collect();
            let nodes = nodes_after(&json, &steps, &dir.0.join(format!("{id}-nodes.csv")));
            cfg["nodes_file"] = s(&nodes).into();
        }
        let cfg = swap_oracles::write(&dir.0.join(format!("{id}-network")), &cfg);
        let payload = serde_json::json!({
            "subnet_id": w["subnet_id"],
            "node_ids_add": w["node_ids_add"],
            "node_ids_remove": w["node_ids_remove"],
        });
        let payload_file = dir.0.join(format!("{id}-payload.json"));
        std::fs::write(&payload_file, payload.to_string()).unwrap();
        let check = topology(&["verify-proposal", "--config", &s(&cfg), "--payload", &s(&payload_file)]);
        assert_eq!(check.code, 0, "{name} {id} (after steps {needs:?}): {}{}", check.stdout, check.stderr);
        assert!(check.stdout.contains("On an optimal path"), "{name} {id}: {}", check.stdout);
        // The summary names every node by its provider and gives a specific reason.
        for line in w["summary"].as_str().unwrap().lines().filter(|l| l.starts_with("- ")) {
            assert!(line.contains(") : ") || line.contains("): "), "{name} {id}: {line}");
            assert!(!line.contains("its place is needed"), "{name} {id}: {line}");
            assert!(!line.contains("no rule of the subnet needs"), "{name} {id}: {line}");
            assert!(!line.contains("an optimal plan of the network assigns"), "{name} {id}: {line}");
        }
        accepted += 1;
    }
    // A new subnet's part: no membership payload, its creation with its nodes.
    for n in &new_subnets {
        let Some(id) = n["subnet_id"].as_str() else { continue };
        let out = dir.0.join(format!("{id}.json"));
        let part = topology(&["plan", "--config", &c, "--subnet", id, "--proposals-out", &s(&out)]);
        assert_eq!(part.code, 0, "{name} {id}: {}", part.stderr);
        assert!(part.stdout.contains("(CreateSubnet; no membership change can name it)"), "{}", part.stdout);
        let written: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert!(written["proposals"].as_array().unwrap().is_empty(), "{name} {id}: {written}");
        assert_eq!(written["new_subnets"].as_array().unwrap().len(), 1, "{name} {id}");
        assert_eq!(written["new_subnets"][0]["node_ids"], n["node_ids"], "{name} {id}");
    }
    println!("{name}: {accepted} per-subnet payloads accepted, {} subnets to create", new_subnets.len());
    accepted
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn every_subnet_part_of_the_2025_plan_is_accepted() {
    let Some(d) = swap_oracles::shared_data(Path::new(env!("CARGO_MANIFEST_DIR"))) else {
        println!("skipped: ../shared/data not found (the reference snapshots are only in CI)");
        return;
    };
    let n = every_subnet_part_is_accepted("S5", swap_oracles::s5(&d), swap_oracles::S5.cost);
    assert!(n > 0);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn every_subnet_part_of_the_growth_plan_is_accepted() {
    let Some(d) = swap_oracles::shared_data(Path::new(env!("CARGO_MANIFEST_DIR"))) else {
        println!("skipped: ../shared/data not found (the reference snapshots are only in CI)");
        return;
    };
    let n = every_subnet_part_is_accepted("S6", swap_oracles::s6(&d), swap_oracles::S6.cost);
    assert!(n > 0);
}

/// The old behaviour, under its own name: changing only one subnet says that
/// it is not on an optimal path of the network, and by how much (subnet
/// xlkub-...-vqe of the 2025 network: the only-this-subnet plan drops a healthy
/// node that the network's optimum keeps).
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn only_one_subnet_says_how_far_it_is_from_the_optimum() {
    let Some(d) = swap_oracles::shared_data(Path::new(env!("CARGO_MANIFEST_DIR"))) else {
        println!("skipped: ../shared/data not found (the reference snapshots are only in CI)");
        return;
    };
    let dir = TempDir::new("only-subnet");
    let c = s(&swap_oracles::write(&dir.0, &swap_oracles::s5(&d)));
    let x = "xlkub-3thlm-uha3c-hqmfw-qykp5-6rldi-hpfxy-nwyxy-w6bbk-tpg5h-vqe";
    let only = topology(&["plan", "--config", &c, "--only-subnet", x]);
    assert_eq!(only.code, 0, "{}", only.stderr);
    let part = topology(&["plan", "--config", &c, "--subnet", x, "--json"]).json();
    let limited = topology(&["plan", "--config", &c, "--only-subnet", x, "--json"]).json();
    let off = &limited["off_optimal"][0];
    assert_eq!(off["subnet_id"], x);
    assert_eq!(off["network_optimum"], 40);
    assert_eq!(off["on_optimal_path"], false, "{}", only.stdout);
    let excess = off["excess_cost"].as_u64().expect("decided: an excess");
    assert_eq!(excess, 2, "{}", only.stdout);
    let says = format!(
        "NOT on an optimal path: the cheapest plan of the whole network with subnet {x}'s change costs 42, 2 more than the optimum 40"
    );
    assert!(only.stdout.contains(&says), "expected `{says}` in:\n{}", only.stdout);
    // The healthy node it drops says which provider the per-provider minimum places in its stead.
    let summary = limited["proposals"]["proposals"][0]["summary"].as_str().unwrap();
    assert!(
        summary.lines().any(|l| l.contains("(Starbase): makes room for")
            && l.contains("per-provider minimum: it places ANTHONY ISAAKIDIS")),
        "{summary}"
    );
    // Every node is named by its provider, the cluster beside it.
    let part_summary = part["parts"][0]["proposal"]["summary"].as_str().unwrap();
    assert!(
        part_summary.contains(
            "35ddr-mltrg-nxmdq-34ttq-ic4ra-ygatb-vwo2p-7bz2e-lgkex-5djch-3qe (Ivanov Oleksandr (cluster NP Group: 1))"
        ),
        "{part_summary}"
    );
    // Its part of the optimal plan is another change, on the optimal path.
    assert_ne!(
        limited["proposals"]["proposals"][0]["node_ids_remove"],
        part["parts"][0]["proposal"]["node_ids_remove"]
    );
}

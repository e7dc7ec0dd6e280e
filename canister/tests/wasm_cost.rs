//! The worst cases of `evaluate_candidates` and `proposal_summary`, searched
//! through the real module: on the largest real snapshot (ORACLES.md #5, 83
//! subnets) and on generated networks up to ten times mainnet's subnets,
//! requests within the documented caps (up to 16 rows and 32 candidate
//! nodes, existing and new providers, data centers and countries, every
//! override allowed) either answer under the 5 billion instructions of a
//! query or are refused up front with `InvalidArgument` naming the cost cap,
//! for little. The host traps a query that passes the limit, so a request
//! the estimate lets through and the limit does not fails here.
//!
//! The module is `target/canister/topology.wasm` (`scripts/build.sh`).
//! `INSTRUCTIONS_REPORT=path` appends the worst cases found (canister/INSTRUCTIONS.md);
//! `COST_SEARCH=n` searches n requests per network instead of the default.

mod fake_registry;
#[path = "../../tests/support/oracles.rs"]
mod oracles;
mod support;

use candid::encode_one;
use ic_topology::files;
use ic_topology::inputs::RegistryNode;
use std::path::Path;
use support::ic_host::Host;
use support::*;
use topology_canister::api;

const QUERY_LIMIT: u64 = 5_000_000_000;
/// What a request refused before its work may cost (the bound of wasm_hostile).
const REFUSAL_BOUND: u64 = 50_000_000;

/// ORACLES.md #5 installed and uploaded, with its pipeline.
fn app75(wasm: &[u8], data: &Path) -> (Host, Vec<RegistryNode>) {
    let dir = std::env::temp_dir().join(format!("topology-cost-{}", std::process::id()));
    let inputs = files::load_config(&oracles::write(&dir, &oracles::app75(data))).unwrap().inputs;
    let init = api::InitArgs {
        topology: Some(api::SetTopologyRequest {
            subnets: inputs.topology.iter().map(ic_topology::api::SubnetSpec::from).collect(),
            proposal: 0,
        }),
        configuration: Some(configuration_update_of(&inputs)),
    };
    let mut h = host(wasm, Some(init));
    let pipeline: Vec<api::PlannedNode> = inputs.pipeline.iter().map(ic_topology::api::PlannedNode::from).collect();
    let r: api::Result<()> = update(&mut h, "set_pipeline", &encode_one(pipeline).unwrap());
    r.unwrap();
    upload(&mut h, inputs.nodes.iter().cloned().map(to_api).collect(), 1);
    (h, inputs.nodes)
}

/// A network from `topology generate` (17 nodes per subnet, as mainnet), uploaded.
fn generated(wasm: &[u8], nodes: u32) -> (Host, Vec<RegistryNode>) {
    let params = ic_topology_generate::GenerateParams { nodes, subnets: nodes / 17, seed: 10 };
    let network = ic_topology_generate::generate(&params).unwrap();
    let (topology, _) = ic_topology::files::parse_topology_csv(&network.topology_csv, "generated").unwrap();
    let nodes = fake_registry::generated_nodes(&params);
    let init = api::InitArgs {
        topology: Some(api::SetTopologyRequest {
            subnets: topology.iter().map(ic_topology::api::SubnetSpec::from).collect(),
            proposal: 0,
        }),
        configuration: Some(fake_registry::configuration_of(&nodes)),
    };
    let mut h = host(wasm, Some(init));
    upload(&mut h, nodes.iter().cloned().map(to_api).collect(), 1);
    (h, nodes)
}

/// A request within the documented caps: rows of existing or new providers,
/// data centers and countries, and overrides or none.
fn request(rng: &mut Rng, nodes: &[RegistryNode]) -> api::EvaluateRequest {
    let total = if rng.chance(2) { 32 } else { 1 + rng.below(32) as u32 };
    let rows = 1 + rng.below(16.min(total as u64)) as u32;
    let mut candidates = Vec::new();
    let mut left = total;
    for r in 0..rows {
        let n = if r + 1 == rows { left } else { 1 + rng.below((left - (rows - r - 1)) as u64) as u32 };
        left -= n;
        let like = &nodes[rng.below(nodes.len() as u64) as usize];
        let other = &nodes[rng.below(nodes.len() as u64) as usize];
        let country = |n: &RegistryNode| n.region.split(',').nth(1).unwrap_or("AR").trim().to_string();
        candidates.push(api::CandidateRow {
            node_provider: if rng.chance(2) {
                like.node_provider_name.trim().to_string()
            } else {
                format!("New provider {}", rng.below(8))
            },
            data_center: if rng.chance(2) {
                like.data_center.trim().to_string()
            } else {
                format!("new-dc-{}", rng.below(8))
            },
            data_center_provider: if rng.chance(2) {
                like.data_center_provider.trim().to_string()
            } else {
                format!("New owner {}", rng.below(8))
            },
            country: match rng.below(3) {
                0 => country(like),
                1 => country(other),
                _ => ["AR", "ZA", "KE", "CL", "NZ", "IS"][rng.below(6) as usize].to_string(),
            },
            is_sev: rng.chance(2),
            no_nodes: n,
        });
    }
    let overrides = (!rng.chance(3)).then(|| api::SettingsOverride {
        synthetic_countries: rng.chance(2).then(|| rng.below(21) as u32),
        enforce_sev: rng.chance(3).then(|| rng.chance(2)),
        enforce_health: rng.chance(3).then(|| rng.chance(2)),
        enforce_blacklist: rng.chance(3).then(|| rng.chance(2)),
        enforce_per_provider_minimum: rng.chance(3).then(|| rng.chance(2)),
    });
    api::EvaluateRequest { candidates, overrides, include_allocation: Some(rng.chance(4)) }
}

#[derive(Default)]
struct Found {
    answered: u32,
    refused: u32,
    refused_without_overrides: u32,
    unproven_points: u32,
    worst_answered: (u64, String),
    worst_refused: (u64, String),
}

fn describe(req: &api::EvaluateRequest) -> String {
    let nodes: u32 = req.candidates.iter().map(|c| c.no_nodes).sum();
    let mut overrides = Vec::new();
    if let Some(o) = &req.overrides {
        if let Some(n) = o.synthetic_countries {
            overrides.push(format!("synthetic_countries {n}"));
        }
        for (name, v) in [
            ("enforce_sev", o.enforce_sev),
            ("enforce_health", o.enforce_health),
            ("enforce_blacklist", o.enforce_blacklist),
            ("enforce_per_provider_minimum", o.enforce_per_provider_minimum),
        ] {
            if let Some(v) = v {
                overrides.push(format!("{name} {v}"));
            }
        }
    }
    let overrides = if overrides.is_empty() { "no overrides".to_string() } else { overrides.join(", ") };
    format!("{nodes} nodes in {} rows, {overrides}", req.candidates.len())
}

/// Evaluate `req` as a query: answered under the limit or refused for the cost cap, cheaply.
fn evaluate(h: &mut Host, req: &api::EvaluateRequest, found: &mut Found) {
    let reply = h
        .query("evaluate_candidates", &encode_one(req).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e:?}", describe(req)));
    let used = h.last_instructions();
    println!("{used}: {}", describe(req));
    let r: api::Result<api::Evaluation> = candid::decode_one(&reply).unwrap();
    match r {
        Ok(e) => {
            assert!(used < QUERY_LIMIT, "{}: {used}", describe(req));
            found.answered += 1;
            found.unproven_points += e.curve.iter().filter(|p| p.status != api::Status::Optimal).count() as u32;
            if used > found.worst_answered.0 {
                found.worst_answered = (used, describe(req));
            }
        }
        // The point with every candidate unproven: an answer with its bounds.
        Err(api::Error::BudgetExceeded { .. }) => {
            assert!(used < QUERY_LIMIT, "{}: {used}", describe(req));
            found.answered += 1;
            found.unproven_points += 1;
        }
        Err(api::Error::InvalidArgument { field, reason }) if field == "candidates" && reason.contains("cost cap") => {
            assert!(used < REFUSAL_BOUND, "{}: refused for {used}", describe(req));
            found.refused += 1;
            if req.overrides.is_none() {
                found.refused_without_overrides += 1;
            }
            if used > found.worst_refused.0 {
                found.worst_refused = (used, describe(req));
            }
        }
        Err(e) => panic!("{}: {e:?}", describe(req)),
    }
}

fn search(h: &mut Host, nodes: &[RegistryNode], seed: u64, report: &mut Report, name: &str) -> Found {
    let n: u32 = std::env::var("COST_SEARCH").map_or(100, |v| v.parse().unwrap());
    let mut rng = Rng(seed);
    let mut found = Found::default();
    // The widest requests first: 32 nodes of a new provider, with the most synthetic countries.
    let widest = api::EvaluateRequest { candidates: vec![argentina(32)], overrides: None, include_allocation: None };
    evaluate(h, &widest, &mut found);
    let most = api::SettingsOverride {
        synthetic_countries: Some(topology_canister::state::MAX_SYNTHETIC_COUNTRIES),
        ..Default::default()
    };
    evaluate(h, &api::EvaluateRequest { overrides: Some(most), ..widest }, &mut found);
    for _ in 0..n {
        let req = request(&mut rng, nodes);
        evaluate(h, &req, &mut found);
    }
    // proposal_summary evaluates as evaluate_candidates does, without overrides.
    let summary = api::ProposalSummaryRequest { candidates: vec![argentina(32)], plan: None };
    let reply = h.query("proposal_summary", &encode_one(summary).unwrap()).expect("proposal_summary: no trap");
    let used = h.last_instructions();
    let r: api::Result<api::ProposalSummary> = candid::decode_one(&reply).unwrap();
    let outcome = match r {
        Ok(_) | Err(api::Error::BudgetExceeded { .. }) => {
            assert!(used < QUERY_LIMIT);
            "answered"
        }
        Err(api::Error::InvalidArgument { reason, .. }) if reason.contains("cost cap") => {
            assert!(used < REFUSAL_BOUND);
            "refused for the cost cap"
        }
        Err(e) => panic!("proposal_summary: {e:?}"),
    };
    report.add(&format!("{name}: proposal_summary, 32 candidate nodes ({outcome})"), used);
    report.add(
        &format!(
            "{name}: the most of {} answered ({} curve points unproven in all): {}",
            found.answered, found.unproven_points, found.worst_answered.1
        ),
        found.worst_answered.0,
    );
    if found.refused > 0 {
        report.add(
            &format!("{name}: the most of {} refused for the cost cap: {}", found.refused, found.worst_refused.1),
            found.worst_refused.0,
        );
    }
    found
}

#[test]
#[cfg_attr(not(canister_wasm), ignore = "needs target/canister/topology.wasm (bash scripts/build.sh)")]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn the_largest_real_snapshot_answers_every_request_within_the_query_limit() {
    let Some(wasm) = wasm() else { return };
    let Some(data) = oracles::shared_data(&Path::new(env!("CARGO_MANIFEST_DIR")).join("..")) else {
        println!("skipped: ../shared/data not found (the reference snapshots are only in CI)");
        return;
    };
    let mut report = Report::new("request");
    let (mut h, nodes) = app75(&wasm, &data);
    let found = search(&mut h, &nodes, 0x5eed_0005, &mut report, "#5 2025 (83 subnets)");
    // Without overrides, mainnet's largest snapshot takes every request within the documented caps.
    assert_eq!(found.refused_without_overrides, 0);
    assert!(found.answered > found.refused, "{} answered, {} refused", found.answered, found.refused);
    report.write("Worst cases searched (canister/tests/wasm_cost.rs)");
}

#[test]
#[cfg_attr(not(canister_wasm), ignore = "needs target/canister/topology.wasm (bash scripts/build.sh)")]
fn larger_networks_answer_within_the_query_limit_or_refuse_for_the_cost_cap() {
    let Some(wasm) = wasm() else { return };
    let mut report = Report::new("request");
    let sizes: Vec<u32> =
        std::env::var("COST_NODES").map_or(vec![2_000, 4_000], |v| v.split(',').map(|s| s.parse().unwrap()).collect());
    for size in sizes {
        let (mut h, nodes) = generated(&wasm, size);
        let name = format!("generated, {} nodes, {} subnets", nodes.len(), size / 17);
        search(&mut h, &nodes, 0x5eed_0000 + size as u64, &mut report, &name);
    }
    report.write("Worst cases searched on generated networks (canister/tests/wasm_cost.rs)");
}

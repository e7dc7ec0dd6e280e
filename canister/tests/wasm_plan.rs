//! Membership plans through the real canister module (wasmi test host, real
//! Candid bytes), on the 2025-10 network of SWAP-ORACLES.md: the plan on the
//! uploaded snapshot (current membership from the nodes' subnets) equals the
//! native engine's change for change, and costs the reference's 40 (S5) and
//! 235 (S6); it is published, certified, survives an upgrade and verifies;
//! `verify_membership_change` judges one of its proposals on an optimal path
//! and a wrong one not; `proposal_summary`'s plan form equals the CLI's text.
//! Instructions of every call are measured (INSTRUCTIONS_REPORT=path appends
//! them, as `wasm.rs` does).

mod support;
#[path = "../../tests/support/swap_oracles.rs"]
mod swap_oracles;

use candid::encode_one;
use ic_topology::{certification, files, plan};
use std::path::Path;
use support::ic_host::Host;
use support::*;
use topology_canister::api;

fn installed(wasm: &[u8], inputs: &ic_topology::inputs::Inputs, report: &mut Report, name: &str) -> Host {
    let init = api::InitArgs {
        topology: Some(api::SetTopologyRequest {
            subnets: inputs.topology.iter().map(ic_topology::api::SubnetSpec::from).collect(),
            proposal: 0,
        }),
        configuration: Some(configuration_update_of(inputs)),
    };
    let mut h = host(wasm, Some(init));
    let pipeline: Vec<api::PlannedNode> = inputs.pipeline.iter().map(ic_topology::api::PlannedNode::from).collect();
    let r: api::Result<()> = update(&mut h, "set_pipeline", &encode_one(pipeline).unwrap());
    r.unwrap();
    let nodes: Vec<api::Node> = inputs.nodes.iter().cloned().map(to_api).collect();
    let uploads = upload(&mut h, nodes, 7);
    report.add(&format!("{name}: {}", uploads.last().unwrap().0), uploads.last().unwrap().1);
    // Before its own messages have run, the plan is not ready, and says so.
    let r: api::Result<api::MembershipPlan> =
        query(&mut h, "plan_membership_changes", &encode_one(api::PlanRequest { subnets: vec![] }).unwrap());
    assert!(matches!(r, Err(api::Error::NotReady { .. })), "{r:?}");
    run_timers(&mut h, report, name);
    h
}

fn run_timers_quietly(h: &mut Host) {
    while h.fire_timer().expect("a timer message") {}
}

/// Fire every timer that is due (the plan's two messages), measuring each.
fn run_timers(h: &mut Host, report: &mut Report, name: &str) {
    let mut n = 0;
    while h.fire_timer().expect("a timer message") {
        n += 1;
        // Each timer task runs in a self-call of its own: the messages it made.
        for m in h.message_log() {
            assert!(m.trap.is_none(), "{name}: {m:?}");
        }
        let largest = h.message_log().iter().map(|m| m.instructions).max().unwrap_or(0);
        report.add(&format!("{name}: plan refresh, timer {n} (largest message)"), largest);
        assert!(n < 10, "timers keep firing");
    }
}

/// Random changes judged on each case.
const RANDOM_CHANGES: usize = 16;

/// `verify_membership_change` through the module, and the native verifier's
/// full search on the export.
fn judge(
    h: &mut Host,
    exported: &ic_topology::inputs::Inputs,
    change: &api::MembershipChange,
) -> (api::MembershipChangeReport, plan::verify_proposal::ProposalCheck) {
    let r: api::Result<api::MembershipChangeReport> =
        query(h, "verify_membership_change", &encode_one(change.clone()).unwrap());
    let r = r.unwrap_or_else(|e| panic!("verify_membership_change {change:?}: {e:?}"));
    let payload = plan::verify_proposal::Payload {
        subnet_id: change.subnet_id.clone(),
        node_ids_add: change.node_ids_add.clone(),
        node_ids_remove: change.node_ids_remove.clone(),
    };
    let want = plan::verify_proposal::verify_proposal(
        exported,
        &payload,
        ic_topology::canister_profile::CANISTER_BUDGET,
        None,
        plan::solve::Search::Full,
    )
    .unwrap();
    (r, want)
}

fn plan_call(h: &mut Host, subnets: Vec<String>) -> api::MembershipPlan {
    let r: api::Result<api::MembershipPlan> =
        query(h, "plan_membership_changes", &encode_one(api::PlanRequest { subnets }).unwrap());
    r.unwrap_or_else(|e| panic!("plan_membership_changes: {e:?}"))
}

#[test]
#[cfg_attr(not(canister_wasm), ignore = "needs target/canister/topology.wasm (bash scripts/build.sh)")]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn plans_through_the_module_equal_the_engine_and_verify() {
    let Some(wasm) = wasm() else { return };
    let Some(data) = swap_oracles::shared_data(&Path::new(env!("CARGO_MANIFEST_DIR")).join("..")) else {
        println!("skipped: ../shared/data not found (the reference snapshots are only in CI)");
        return;
    };
    let mut report = Report::new("call");
    let cases = [
        ("S5 2025-10 prod (47 subnets)", swap_oracles::s5(&data), swap_oracles::S5),
        ("S6 growth (59 subnets)", swap_oracles::s6(&data), swap_oracles::S6),
    ];
    for (name, json, expected) in cases {
        let swap_oracles::Expected { cost, synthetic, dropped, moved, newly_assigned: newly } = expected;
        let dir = std::env::temp_dir().join(format!("topology-wasm-plan-{}-{}", std::process::id(), &name[..2]));
        let config = swap_oracles::write(&dir, &json);
        let inputs = files::load_config(&config).unwrap().inputs;
        let mut h = installed(&wasm, &inputs, &mut report, name);

        let answer = plan_call(&mut h, vec![]);
        report.add(&format!("{name}: plan_membership_changes (all subnets)"), h.last_instructions());
        assert_eq!(answer.status, api::Status::Optimal, "{name}");
        assert_eq!(answer.cost, Some(cost), "{name}");
        let c = answer.counts.unwrap();
        assert_eq!((c.synthetic, c.dropped, c.moved, c.newly_assigned), (synthetic, dropped, moved, newly), "{name}");
        assert!(answer.certificate_is_tight, "{name}: the certificate proves the optimum");

        // The native engine on the canister's own export gives the same plan, change for change.
        let export = export_all(&mut h);
        let exported = ic_topology::export::from_bytes(&export, "export", Some(&answer.configuration_sha256)).unwrap();
        let (pm, native) = plan::plan(&exported, &[], ic_topology::canister_profile::CANISTER_BUDGET).unwrap();
        let seq = plan::sequence::sequence(&pm, &native);
        let ctx = api::PlanContext {
            registry_version: answer.registry_version,
            snapshot_source: answer.snapshot_source,
            topology_sha256: answer.topology_sha256.clone(),
            configuration_sha256: answer.configuration_sha256.clone(),
            instructions: answer.instructions,
        };
        assert_eq!(api::plan_out(&native, &seq, vec![], ctx), answer, "{name}: wasm and native plans differ");

        // One subnet at a time, as healers work: a subnet whose plan changes something.
        if let Some(first) = answer.proposals.first() {
            let one = plan_call(&mut h, vec![first.subnet_id.clone()]);
            report.add(&format!("{name}: plan_membership_changes (one subnet)"), h.last_instructions());
            assert_eq!(one.status, api::Status::Optimal);
            assert!(one.changes.iter().all(|c| c.from.as_deref().is_none_or(|f| f == first.subnet_id)
                && c.to.as_deref().is_none_or(|t| t == first.subnet_id)));

            // Its first proposal is on an optimal path; the same with one node swapped is judged too.
            let change = api::MembershipChange {
                subnet_id: first.subnet_id.clone(),
                node_ids_add: first.node_ids_add.clone(),
                node_ids_remove: first.node_ids_remove.clone(),
            };
            let r: api::Result<api::MembershipChangeReport> =
                query(&mut h, "verify_membership_change", &encode_one(change.clone()).unwrap());
            let r = r.unwrap();
            report.add(&format!("{name}: verify_membership_change (a proposal of the plan)"), h.last_instructions());
            assert_eq!(r.on_optimal_path, Some(true), "{name}: {r:?}");
            // A change the plan does not make (one of the subnet's kept nodes out, a
            // free node the plan leaves unassigned in): the query decides it near the
            // kept plan (src/plan/local.rs) as the native verifier does with a full search.
            let changed: std::collections::BTreeSet<&str> = native.changes.iter().map(|c| c.node_id.as_str()).collect();
            let s = pm.model.subnets.iter().position(|x| x.subnet_id.as_deref() == Some(first.subnet_id.as_str()));
            let members =
                || pm.model.classes.iter().zip(&pm.member_subnets).flat_map(|(c, at)| c.members.iter().zip(at.iter()));
            let kept = members().find(|(id, at)| at.map(|a| a as usize) == s && !changed.contains(id.as_str()));
            let free = members().find(|(id, at)| at.is_none() && !changed.contains(id.as_str()));
            let (Some((kept, _)), Some((free, _))) = (kept, free) else { panic!("{name}: no kept and no free node") };
            let other = api::MembershipChange {
                subnet_id: first.subnet_id.clone(),
                node_ids_add: vec![free.clone()],
                node_ids_remove: vec![kept.clone()],
            };
            let (r, want) = judge(&mut h, &exported, &other);
            report.add(&format!("{name}: verify_membership_change (a change outside the plan)"), h.last_instructions());
            assert_eq!(want.on_optimal_path, Some(false), "{name}: the native verifier decides it");
            assert_eq!((r.on_optimal_path, r.excess_cost), (want.on_optimal_path, want.excess_cost), "{name}: {r:?}");

            // Random changes of random subnets (1 to 3 members out, 0 to 3 free nodes in):
            // each is decided as the full search decides it, or left undecided with bounds
            // that hold the full search's answer.
            let registry: std::collections::BTreeSet<&str> =
                exported.nodes.iter().map(|n| n.node_id.as_str()).collect();
            let free: Vec<&String> =
                members().filter(|(id, at)| at.is_none() && registry.contains(id.as_str())).map(|(id, _)| id).collect();
            let mut rng = Rng(0x5eed_0fc4_a6e5 ^ cost);
            let (mut decided, mut asked, mut most) = (0, 0, 0);
            while asked < RANDOM_CHANGES {
                let t = rng.below(pm.model.subnets.len() as u64) as usize;
                let Some(subnet_id) = pm.model.subnets[t].subnet_id.clone() else { continue };
                let in_t: Vec<&String> =
                    members().filter(|(_, at)| at.map(|a| a as usize) == Some(t)).map(|(id, _)| id).collect();
                let mut change = api::MembershipChange { subnet_id, node_ids_add: vec![], node_ids_remove: vec![] };
                for _ in 0..rng.below(3) + 1 {
                    if let Some(id) = (!in_t.is_empty()).then(|| in_t[rng.below(in_t.len() as u64) as usize]) {
                        if !change.node_ids_remove.contains(id) {
                            change.node_ids_remove.push(id.clone());
                        }
                    }
                }
                for _ in 0..rng.below(4) {
                    let id = free[rng.below(free.len() as u64) as usize];
                    if !change.node_ids_add.contains(id) {
                        change.node_ids_add.push(id.clone());
                    }
                }
                if change.node_ids_add.is_empty() && change.node_ids_remove.is_empty() {
                    continue;
                }
                asked += 1;
                let (r, want) = judge(&mut h, &exported, &change);
                most = most.max(h.last_instructions());
                println!(
                    "{name}: -{} +{} in {}: {:?} [{}, {:?}], full search {:?}: {} instructions",
                    change.node_ids_remove.len(),
                    change.node_ids_add.len(),
                    change.subnet_id,
                    r.status_with_change,
                    r.lower_bound_with_change,
                    r.upper_bound_with_change,
                    want.with_proposal.upper_bound,
                    h.last_instructions()
                );
                assert!(
                    want.on_optimal_path.is_some()
                        || want.with_proposal.status == ic_topology::solve::Status::Infeasible,
                    "{name}: the full search decides {change:?}"
                );
                if r.status_with_change == api::Status::BudgetExceeded {
                    if let Some(b) = want.with_proposal.upper_bound {
                        assert!(
                            r.lower_bound_with_change <= b && r.upper_bound_with_change.is_none_or(|u| u >= b),
                            "{name}: {r:?}"
                        );
                    }
                } else {
                    decided += 1;
                    assert_eq!(
                        (r.on_optimal_path, r.excess_cost),
                        (want.on_optimal_path, want.excess_cost),
                        "{name}: {change:?} {r:?}"
                    );
                }
            }
            report.add(&format!("{name}: verify_membership_change, {RANDOM_CHANGES} random changes, {decided} decided (most instructions)"), most);
            let unknown = api::MembershipChange { node_ids_add: vec!["not-a-node".into()], ..change };
            let r: api::Result<api::MembershipChangeReport> =
                query(&mut h, "verify_membership_change", &encode_one(unknown).unwrap());
            assert!(matches!(r, Err(api::Error::InvalidArgument { .. })), "{r:?}");

            // A change no plan can contain (two free nodes of one provider into a subnet whose
            // provider limit is 1) is decided on chain as natively: not on any plan, with the
            // limit it breaks in words.
            let cordoned: std::collections::BTreeSet<String> =
                ic_topology::cordoned::cordoned_nodes(&exported).into_iter().map(|c| c.node_id).collect();
            let clustered: std::collections::BTreeSet<&str> =
                exported.clusters.iter().flat_map(|c| c.members.iter().map(String::as_str)).collect();
            let mut by_provider: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
            for n in &exported.nodes {
                if n.subnet_id.as_deref().is_none_or(|s| s.trim().is_empty())
                    && n.status.trim() == "UP"
                    && n.node_type.as_deref() != Some("API_BOUNDARY")
                    && !cordoned.contains(&n.node_id)
                    && !clustered.contains(n.node_provider_name.as_str())
                    && !n.node_provider_name.starts_with("DFINITY")
                {
                    by_provider.entry(n.node_provider_name.as_str()).or_default().push(n.node_id.as_str());
                }
            }
            let limited = exported.topology.iter().find(|t| t.limits[0] == 1 && t.subnet_id.is_some());
            if let (Some(t), Some((_, two))) = (limited, by_provider.iter().find(|(_, v)| v.len() >= 2)) {
                let impossible = api::MembershipChange {
                    subnet_id: t.subnet_id.clone().unwrap(),
                    node_ids_add: vec![two[0].to_string(), two[1].to_string()],
                    node_ids_remove: vec![],
                };
                let (r, want) = judge(&mut h, &exported, &impossible);
                report.add(
                    &format!("{name}: verify_membership_change (a change no plan contains)"),
                    h.last_instructions(),
                );
                assert_eq!(want.on_optimal_path, Some(false), "{name}: the native verifier decides it");
                assert_eq!(r.on_optimal_path, Some(false), "{name}: {r:?}");
                assert!(!r.breaks.is_empty() && r.breaks == want.breaks, "{name}: {r:?} vs {:?}", want.breaks);
            } else {
                panic!("{name}: no subnet with a provider limit of 1, or no provider with two free nodes");
            }
        }

        // The plan form of proposal_summary.
        let req = api::ProposalSummaryRequest { candidates: vec![], plan: Some(api::PlanRequest { subnets: vec![] }) };
        let s: api::Result<api::ProposalSummary> = query(&mut h, "proposal_summary", &encode_one(req).unwrap());
        let s = s.unwrap();
        report.add(&format!("{name}: proposal_summary (plan form)"), h.last_instructions());
        assert!(s.text.contains(&format!("Cost {cost}")), "{}", s.text);
        assert_eq!(ic_topology::digest::sha256_hex(s.text.as_bytes()), s.sha256);
        // `topology proposal-summary --plan` renders the same text from the export.
        let canister = candid::Principal::from_slice(h.canister_id()).to_text();
        let (text, sha) = plan::summary::render(&plan::summary::PlanSummaryInput {
            canister_id: Some(&canister),
            subnets: &[],
            plan: &native,
            sequence: &seq,
            registry_version: answer.registry_version,
            topology_sha256: &ic_topology::digest::topology_digest(&exported.topology),
            configuration_sha256: &ic_topology::digest::configuration_digest(&exported),
        });
        assert_eq!((text, sha), (s.text.clone(), s.sha256.clone()), "{name}: the CLI's summary differs");

        // Publish (anyone), certify, upgrade, verify.
        h.set_caller(&STRANGER);
        let published: api::Result<api::PublishedPlan> =
            update(&mut h, "publish_plan", &encode_one(api::PlanRequest { subnets: vec![] }).unwrap());
        let published = published.unwrap();
        report.add(&format!("{name}: publish_plan"), h.last_instructions());
        assert!(published.newly_published && published.key.starts_with("plan-"));
        assert_eq!(published.key, s.publication_key);
        assert_eq!(published.plan.cost, Some(cost));
        h.set_caller(&CONTROLLER);
        h.upgrade(&wasm, &encode_one(None::<api::InitArgs>).unwrap()).expect("upgrade");
        run_timers_quietly(&mut h);
        let root_key = certify(&mut h);
        let got: api::Result<api::CertifiedPlan> =
            query(&mut h, "get_published_plan", &encode_one(&published.key).unwrap());
        let got = got.unwrap();
        report.add(&format!("{name}: get_published_plan"), h.last_instructions());
        let certified = certification::verify_published(
            &got.key,
            &got.plan_candid,
            got.certificate.as_ref().unwrap(),
            &got.witness,
            h.canister_id(),
            &root_key,
        )
        .unwrap_or_else(|e| panic!("the published plan does not verify: {e}"));
        assert_eq!(certified.data, h.certified_data());
        assert_eq!(candid::decode_one::<api::MembershipPlan>(&got.plan_candid).unwrap(), got.plan);
        // A plan key is no evaluation, and an evaluation key no plan.
        let wrong: api::Result<api::CertifiedEvaluation> =
            query(&mut h, "get_published_evaluation", &encode_one(&published.key).unwrap());
        assert!(matches!(wrong, Err(api::Error::NotFound { .. })), "{wrong:?}");
        // Tampered bytes do not verify.
        let mut forged = got.plan_candid.clone();
        *forged.last_mut().unwrap() ^= 1;
        assert!(certification::verify_published(
            &got.key,
            &forged,
            got.certificate.as_ref().unwrap(),
            &got.witness,
            h.canister_id(),
            &root_key
        )
        .is_err());
        report.add(&format!("{name}: heap bytes"), h.heap_bytes() as u64);
    }
    report.write("Membership plans (SWAP-ORACLES.md S5, S6)");
}

const SUBNET_SECRET: [u8; 32] = {
    let mut k = [0u8; 32];
    k[31] = 91;
    k
};

fn certify(h: &mut Host) -> Vec<u8> {
    let canister = h.canister_id().to_vec();
    let data = h.certified_data().to_vec();
    let (certificate, der) =
        certification::sign_certificate(&SUBNET_SECRET, &canister, &data, 1_763_700_000_000_000_000).unwrap();
    h.set_data_certificate(Some(certificate));
    der
}

fn export_all(h: &mut Host) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut offset = 0;
    loop {
        let req = api::ExportRequest { offset, registry_version: None, length: None };
        let page: api::Result<api::ExportPage> = query(h, "export_snapshot", &encode_one(req).unwrap());
        let page = page.unwrap();
        bytes.extend_from_slice(&page.bytes);
        match page.next_offset {
            Some(n) => offset = n,
            None => return bytes,
        }
    }
}

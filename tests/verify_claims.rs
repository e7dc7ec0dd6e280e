//! The shared verification core (`ic_topology::verify`) on the default
//! network: an honest evaluation passes, and every kind of tampering is
//! rejected by the check it breaks. Also the proposal summary's determinism.

use ic_topology::digest;
use ic_topology::evaluate;
use ic_topology::files;
use ic_topology::inputs::{CandidateRow, Inputs};
use ic_topology::solve::{Budget, Status};
use ic_topology::summary::{self, SummaryInput};
use ic_topology::verify::{self, Check, Claim};
use std::path::Path;
use std::sync::OnceLock;

fn inputs() -> Inputs {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("defaults/generated/config.json");
    files::load_config(&config).unwrap().inputs
}

fn argentina(n: u32) -> CandidateRow {
    CandidateRow {
        node_provider: "Lionel Messi".into(),
        data_center: "Buenos Aires 1".into(),
        data_center_provider: "Peron Corporation".into(),
        country: "AR".into(),
        is_sev: true,
        no_nodes: n,
    }
}

struct Case {
    inputs: Inputs,
    evaluation: evaluate::Evaluation,
    claim: Claim,
    topology: String,
    configuration: String,
}

fn honest() -> &'static Case {
    static CASE: OnceLock<Case> = OnceLock::new();
    CASE.get_or_init(|| {
        let inputs = inputs();
        let candidates = vec![argentina(3)];
        let (model, evaluation) = evaluate::evaluate(&inputs, &candidates, Budget::default());
        let topology = digest::topology_digest(&inputs.topology);
        let configuration = digest::configuration_digest(&inputs);
        let claim = verify::claim_of(
            &model,
            &evaluation,
            &candidates,
            inputs.settings,
            topology.clone(),
            configuration.clone(),
        );
        Case { inputs, evaluation, claim, topology, configuration }
    })
}

fn check(claim: &Claim) -> Result<verify::Verified, verify::Rejection> {
    let c = honest();
    verify::verify(&c.inputs, &c.topology, &c.configuration, claim)
}

fn rejected(tamper: impl FnOnce(&mut Claim), expected: Check, needle: &str) {
    let mut claim = honest().claim.clone();
    tamper(&mut claim);
    let r = check(&claim).expect_err("a tampered claim must be rejected");
    assert_eq!(r.check, expected, "{r}");
    assert!(r.reason.contains(needle), "{r} should mention {needle:?}");
}

#[test]
fn an_honest_evaluation_is_verified_and_proven() {
    let c = honest();
    assert_eq!(c.claim.status, Status::Optimal);
    let v = check(&c.claim).unwrap();
    assert_eq!(v.objective, c.evaluation.solution.objective);
    assert!(v.proven, "{}", v.summary);
    assert!(v.bound.ceil() >= i128::from(v.objective.unwrap()));
}

#[test]
fn a_node_moved_to_another_subnet_is_rejected_naming_the_subnet() {
    rejected(
        |c| {
            let alloc = c.allocation.as_mut().unwrap();
            let node = alloc[0].nodes.pop().unwrap();
            alloc[1].nodes.push(node);
        },
        Check::Allocation,
        "subnet 0",
    );
}

#[test]
fn an_unknown_or_doubled_node_is_rejected() {
    rejected(|c| c.allocation.as_mut().unwrap()[2].nodes[0] = "no-such-node".into(), Check::Allocation, "no-such-node");
    rejected(
        |c| {
            let alloc = c.allocation.as_mut().unwrap();
            let node = alloc[3].nodes[0].clone();
            alloc[3].nodes[1] = node;
        },
        Check::Allocation,
        "assigned twice",
    );
}

#[test]
fn a_changed_multiplier_is_rejected() {
    // Any change to a multiplier changes the bound it proves.
    rejected(
        |c| {
            let g = c.certificate.subnets.iter_mut().find(|g| g.size != 0).expect("a size multiplier");
            g.size += 1;
        },
        Check::Bound,
        "the multipliers prove",
    );
    // A multiplier of the wrong sign is named.
    rejected(
        |c| {
            c.certificate.classes.push((u32::MAX, 0));
        },
        Check::Certificate,
        "class row",
    );
    let mut claim = honest().claim.clone();
    if let Some(first) = claim.certificate.classes.first_mut() {
        first.1 = 5;
        let r = check(&claim).unwrap_err();
        assert_eq!(r.check, Check::Certificate);
        assert!(r.reason.contains("must be <= 0"), "{r}");
    }
}

#[test]
fn a_weakened_certificate_cannot_claim_tightness() {
    rejected(
        |c| {
            // A weaker but valid certificate (all zero) with its bound claimed honestly.
            let zero = ic_topology::check::Certificate {
                denominator: 1,
                classes: vec![],
                provider_minimums: vec![],
                spare_limits: vec![],
                subnets: vec![],
            };
            c.certificate = zero;
            c.bound_numerator = None;
        },
        Check::Bound,
        "proves a lower bound of 0",
    );
}

#[test]
fn changed_digests_and_settings_are_rejected() {
    rejected(|c| c.configuration_sha256 = "00".repeat(32), Check::ConfigurationDigest, "00000000");
    rejected(|c| c.topology_sha256 = "ff".repeat(32), Check::TopologyDigest, "ffffffff");
    rejected(|c| c.settings.synthetic_countries += 1, Check::Settings, "synthetic_countries");
}

#[test]
fn a_changed_objective_or_curve_is_rejected() {
    rejected(
        |c| {
            let o = c.objective.unwrap() + 1;
            c.objective = Some(o);
            c.lower_bound = o;
            c.upper_bound = Some(o);
            let last = c.curve.last_mut().unwrap();
            last.objective = Some(o);
            last.lower_bound = o;
            last.upper_bound = Some(o);
            // The derived fields follow the forged curve, so only the proof can catch it.
            let base = i64::from(c.curve[0].objective.unwrap());
            let reduction = base - i64::from(o);
            c.reduction = Some(reduction);
            c.verdict = Some(match reduction {
                r if r == i64::from(c.candidate_nodes) => ic_topology::evaluate::Verdict::OneForOne,
                r if r > 0 => ic_topology::evaluate::Verdict::Diminishing,
                _ => ic_topology::evaluate::Verdict::None,
            });
            let mut size = 0;
            for p in c.curve.iter().skip(1) {
                match p.objective {
                    Some(v) if i64::from(v) == base - i64::from(p.nodes) => size = p.nodes,
                    _ => break,
                }
            }
            c.optimal_deployment_size = Some(size);
        },
        Check::Objective,
        "the allocation uses",
    );
    let wrong = match honest().claim.verdict {
        Some(ic_topology::evaluate::Verdict::None) => ic_topology::evaluate::Verdict::OneForOne,
        _ => ic_topology::evaluate::Verdict::None,
    };
    rejected(|c| c.verdict = Some(wrong), Check::Curve, "verdict");
    rejected(|c| c.candidate_nodes += 1, Check::Candidates, "candidate nodes");
    rejected(|c| c.allocation = None, Check::Allocation, "include_allocation");
}

#[test]
fn the_proposal_summary_is_deterministic_and_names_its_inputs() {
    let c = honest();
    let input = SummaryInput {
        canister_id: Some("aaaaa-aa"),
        candidates: &c.claim.candidates,
        inputs: &c.inputs,
        evaluation: &c.evaluation,
        origin: ic_topology::summary::Origin::Registry(42),
        curve_notes: None,
        topology_sha256: &c.topology,
        configuration_sha256: &c.configuration,
    };
    let a = summary::render(&input);
    let b = summary::render(&input);
    assert_eq!(a, b);
    assert_eq!(a.sha256, digest::sha256_hex(a.text.as_bytes()));
    for needle in [
        "Planned nodes: 3",
        "node provider \"Lionel Messi\"",
        "country \"AR\"",
        "rules 2025",
        "registry version 42",
        &c.configuration,
        &c.topology,
        "verdict: ",
        "optimal deployment size: ",
        "dfx canister call --ic --query aaaaa-aa proposal_summary",
        "topology proposal-summary --inputs export-42.json",
    ] {
        assert!(a.text.contains(needle), "missing {needle:?} in\n{}", a.text);
    }
    let other = summary::render(&SummaryInput { origin: ic_topology::summary::Origin::Registry(43), ..input });
    assert_ne!(other.sha256, a.sha256);
}

/// The honest claim turned into an "infeasible" one (no objective, bound or allocation).
fn claimed_infeasible(c: &mut Claim) {
    c.status = Status::Infeasible;
    c.objective = None;
    c.upper_bound = None;
    c.lower_bound = 0;
    c.allocation = None;
    c.reduction = None;
    c.verdict = None;
    // The deployment size follows from the curve's first points, which are unchanged.
    let last = c.curve.last_mut().unwrap();
    last.status = Status::Infeasible;
    last.objective = None;
    last.upper_bound = None;
    last.lower_bound = 0;
    // An infeasible point claims no shortfall of 0 (a shortfall of 0 is an optimal point).
    last.shortfall = None;
}

#[test]
fn an_infeasible_claim_without_an_infeasibility_certificate_is_rejected() {
    rejected(claimed_infeasible, Check::Certificate, "without an infeasibility certificate");
}

#[test]
fn an_infeasible_claim_with_a_certificate_that_proves_nothing_is_rejected() {
    // The zero certificate, and the (valid) lower-bound certificate passed off as a Farkas one.
    rejected(
        |c| {
            claimed_infeasible(c);
            c.infeasibility = Some(ic_topology::check::Certificate {
                denominator: 1,
                classes: vec![],
                provider_minimums: vec![],
                spare_limits: vec![],
                subnets: vec![],
            });
        },
        Check::Certificate,
        "not a positive bound",
    );
    rejected(
        |c| {
            claimed_infeasible(c);
            c.infeasibility = Some(c.certificate.clone());
        },
        Check::Certificate,
        "not a positive bound",
    );
}

#[test]
fn a_budget_exceeded_claim_must_prove_its_bounds() {
    let as_budget_exceeded = |c: &mut Claim, lower: u32, upper: u32| {
        c.status = Status::BudgetExceeded;
        c.objective = None;
        c.lower_bound = lower;
        c.upper_bound = Some(upper);
        c.reduction = None;
        c.verdict = None;
        let last = c.curve.last_mut().unwrap();
        last.status = Status::BudgetExceeded;
        last.objective = None;
        last.lower_bound = lower;
        last.upper_bound = Some(upper);
        // Out of budget, the point knows no shortfall.
        last.shortfall = None;
    };
    let value = honest().evaluation.solution.objective.unwrap();
    // Honest bounds pass, each proven by its evidence.
    let mut claim = honest().claim.clone();
    as_budget_exceeded(&mut claim, value, value);
    let v = check(&claim).unwrap();
    assert!(v.summary.contains(&format!("upper bound {value} confirmed by the allocation")), "{}", v.summary);
    // An upper bound below the allocation's value.
    rejected(|c| as_budget_exceeded(c, 0, value - 1), Check::Objective, "claims an upper bound");
    // An upper bound with no allocation to attain it.
    rejected(
        |c| {
            as_budget_exceeded(c, 0, value);
            c.allocation = None;
        },
        Check::Allocation,
        "needs the allocation",
    );
    // A lower bound above what the certificate proves.
    rejected(|c| as_budget_exceeded(c, value + 1, value + 1), Check::Bound, "claims a lower bound");
}

#[test]
fn an_empty_certificate_group_is_rejected() {
    rejected(
        |c| {
            c.certificate.subnets.push(ic_topology::check::SubnetMultipliers {
                subnets: vec![],
                size: 0,
                values: vec![],
            });
            c.bound_numerator = None;
        },
        Check::Certificate,
        "names no subnet",
    );
}

#[test]
fn a_curve_point_whose_shortfall_contradicts_its_status_is_rejected() {
    // A budget-exceeded point that claims a shortfall of 0 (only an optimal point has it).
    rejected(
        |c| {
            let last = c.curve.last_mut().unwrap();
            last.status = Status::BudgetExceeded;
            last.objective = None;
            c.status = Status::BudgetExceeded;
            c.objective = None;
            c.reduction = None;
            c.verdict = None;
        },
        Check::Curve,
        "contradict",
    );
    // An optimal point that claims seats left empty.
    rejected(|c| c.curve[0].shortfall = Some(2), Check::Curve, "contradict");
}

/// The real default network cannot be filled: its claim carries the
/// shortfall and its proof, which `verify` re-checks; a tampered shortfall
/// (fewer seats, another certificate, an allocation with a seat filled by
/// nothing) is rejected.
#[test]
fn the_default_networks_shortfall_is_verified_and_a_tampered_one_rejected() {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("defaults/config.json");
    let inputs = files::load_config(&config).unwrap().inputs;
    let swiss = CandidateRow {
        node_provider: "Edelweiss Nodes".into(),
        data_center: "zz1".into(),
        data_center_provider: "Matterhorn Hosting".into(),
        country: "CH".into(),
        is_sev: true,
        no_nodes: 2,
    };
    let candidates = vec![swiss];
    let (model, evaluation) = evaluate::evaluate(&inputs, &candidates, Budget::default());
    assert_eq!(evaluation.solution.status, Status::Infeasible);
    let (topology, configuration) = (digest::topology_digest(&inputs.topology), digest::configuration_digest(&inputs));
    let claim =
        verify::claim_of(&model, &evaluation, &candidates, inputs.settings, topology.clone(), configuration.clone());
    let proof = claim.shortfall.clone().expect("an infeasible claim carries its shortfall");
    // The Swiss candidate takes one more seat of the Swiss subnet than the network alone.
    assert_eq!(evaluation.baseline_shortfall, Some(proof.seats + 1));
    assert_eq!(evaluation.reduction, Some(1));
    let v = verify::verify(&inputs, &topology, &configuration, &claim).expect("the honest claim verifies");
    assert!(v.summary.contains(&format!("shortfall {} seat(s) left empty", proof.seats)), "{}", v.summary);
    let check = |c: &Claim| verify::verify(&inputs, &topology, &configuration, c);
    // Fewer seats claimed, on the claim and its curve alike.
    let mut fewer = claim.clone();
    let f = fewer.shortfall.as_mut().unwrap();
    f.seats -= 1;
    fewer.curve.last_mut().unwrap().shortfall = Some(f.seats);
    fewer.reduction = Some(2);
    fewer.verdict = Some(evaluate::Verdict::OneForOne);
    fewer.optimal_deployment_size = Some(2);
    assert_eq!(check(&fewer).unwrap_err().check, Check::Objective);
    // A certificate whose bound no longer reaches the allocation's value.
    let mut weaker = claim.clone();
    weaker.shortfall.as_mut().unwrap().certificate = ic_topology::check::Certificate::zero(&model);
    let r = check(&weaker).unwrap_err();
    assert_eq!(r.check, Check::Bound, "{r}");
    // A multiplier of the wrong sign.
    let mut signed = claim.clone();
    signed.shortfall.as_mut().unwrap().certificate.classes.insert(0, (0, 5));
    signed.shortfall.as_mut().unwrap().certificate.classes.dedup_by_key(|(c, _)| *c);
    assert!(check(&signed).is_err());
    // An empty seat dropped from the allocation: its subnet is one node short.
    let mut dropped = claim.clone();
    let subnets = &mut dropped.shortfall.as_mut().unwrap().allocation;
    let s = subnets.iter().position(|s| s.nodes.iter().any(|n| n.starts_with("empty-seat"))).unwrap();
    let k = subnets[s].nodes.iter().position(|n| n.starts_with("empty-seat")).unwrap();
    subnets[s].nodes.remove(k);
    assert_eq!(check(&dropped).unwrap_err().check, Check::Allocation);
    // A shortfall claimed on the curve without its proof.
    let mut unproven = claim.clone();
    unproven.shortfall = None;
    assert_eq!(check(&unproven).unwrap_err().check, Check::Certificate);
}

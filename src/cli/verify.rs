//! `topology verify`: re-check a result file (an evaluation, a plan, a
//! scenario folder's results, or a canister's Candid reply) against the inputs
//! it names, and `topology verify-certificate`: check a certified answer.

use super::defaults::default_inputs;
use super::evaluate::{value, ResultFile, SubnetAllocation};
use super::load::{load, load_export};
use crate::cli;
use clap::Args;
use ic_topology::api;
use ic_topology::certification;
use ic_topology::check::{self, Allocation};
use ic_topology::digest;
use ic_topology::evaluate;
use ic_topology::files::{self, InputFile};
use ic_topology::inputs::Inputs;
use ic_topology::model::Model;
use ic_topology::solve::{Budget, Status};
use ic_topology::InputError;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

/// The arguments of `topology verify`.
#[derive(Args)]
pub(crate) struct VerifyArgs {
    /// The result file (output of `evaluate --json`).
    result: PathBuf,
    /// The configuration the result was computed from; without it, the default network.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The canister export the result was computed from (instead of --config).
    #[arg(long, conflicts_with = "config")]
    inputs: Option<PathBuf>,
    /// The result is the canister's Candid `Evaluation` (hex or raw bytes, e.g.
    /// `evaluate_candidates --output raw` or `verify-certificate --evaluation-out`),
    /// checked as `verify_evaluation` checks it; needs --inputs.
    #[arg(long, requires = "inputs")]
    candid: bool,
}

/// The arguments of `topology verify-certificate`.
#[derive(Args)]
pub(crate) struct VerifyCertificateArgs {
    /// The reply of `get_published_evaluation`: `dfx canister call --query <id>
    /// get_published_evaluation '("<key>")' --output raw` prints it as hex; raw bytes work too.
    reply: PathBuf,
    /// The canister that published it (the trust anchor: not read from the reply).
    #[arg(long)]
    canister_id: String,
    /// The root key, DER as hex (a local replica's); default: the IC mainnet root key.
    #[arg(long)]
    root_key: Option<String>,
    /// Write the certified evaluation's Candid bytes here (decode with `didc` or paste to verify_evaluation).
    #[arg(long)]
    evaluation_out: Option<PathBuf>,
    /// Refuse a published evaluation whose certificate is older than this many
    /// seconds (by this machine's clock): an old certificate may describe a
    /// state the canister has left.
    #[arg(long, value_name = "SECONDS")]
    max_age: Option<u64>,
}

pub(crate) fn run_verify(a: VerifyArgs) -> Result<ExitCode, InputError> {
    if a.candid {
        return run_verify_candid(&a);
    }
    let source = a.result.display().to_string();
    let text = std::fs::read_to_string(&a.result)
        .map_err(|e| InputError::new(&source, format!("cannot read the result file: {e}")))?;
    // A plan result (`plan --json`) is verified as `verify-plan` does.
    if serde_json::from_str::<serde_json::Value>(&text).is_ok_and(|v| v["mode"] == "minimize_node_swaps") {
        return cli::plan::run_verify_plan(cli::plan::VerifyPlanArgs {
            result: a.result.clone(),
            config: a.config.clone(),
            inputs: a.inputs.clone(),
        });
    }
    if let Some(code) = verify_scenarios(&a, &source, &text)? {
        return Ok(code);
    }
    let result: ResultFile = serde_json::from_str(&text).map_err(|e| {
        InputError::new(&source, format!("not a result file of `topology evaluate --json`: {e}"))
            .at_line(e.line() as u64)
    })?;
    let (_, defaults) = default_inputs()?;
    cli::verify_inputs::check(
        "verify",
        &source,
        &result.inputs.files,
        a.config.as_deref(),
        a.inputs.as_deref(),
        &defaults,
    )?;
    let (inputs, input_files, _) = load(a.config.as_deref(), a.inputs.as_deref())?;
    let checked = verify_all(&result, &inputs, &input_files);
    match checked {
        Ok(summary) => {
            println!("verified: {summary}");
            Ok(ExitCode::SUCCESS)
        }
        Err(reason) => {
            println!("rejected: {reason}");
            Ok(ExitCode::from(1))
        }
    }
}

/// The results of a `scenario` folder (one object keyed by cluster file),
/// each checked against its scenario of `--config`; `None`: not such a file.
fn verify_scenarios(a: &VerifyArgs, source: &str, text: &str) -> Result<Option<ExitCode>, InputError> {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text) else { return Ok(None) };
    if map.contains_key("tool") || map.is_empty() || !map.values().all(|v| v["tool"] == "topology") {
        return Ok(None);
    }
    let Some(config) = a.config.as_deref() else {
        return Err(InputError::new(
            source,
            "it holds one result per scenario file: pass the configuration whose `scenario` folder they came \
             from with --config",
        ));
    };
    let mut code = ExitCode::SUCCESS;
    for (name, value) in map {
        let result: ResultFile = serde_json::from_value(value).map_err(|e| {
            InputError::new(source, format!("scenario {name}: not a result of `topology evaluate --json`: {e}"))
        })?;
        let loaded = files::load_config_scenario(config, &name)?;
        let checked = verify_all(&result, &loaded.inputs, &loaded.files);
        match checked {
            Ok(summary) => println!("scenario {name}: verified: {summary}"),
            Err(reason) => {
                println!("scenario {name}: rejected: {reason}");
                code = ExitCode::from(1);
            }
        }
    }
    Ok(Some(code))
}

/// Every check of a result: its digests, allocation and certificate, then its curve.
fn verify_all(r: &ResultFile, inputs: &Inputs, files: &[InputFile]) -> Result<String, String> {
    verify(r, inputs, files).and_then(|summary| verify_curve(r, inputs).map(|curve| format!("{summary}; {curve}")))
}

/// Re-check a result against the inputs: digests, allocation, certificate.
fn verify(r: &ResultFile, inputs: &Inputs, files: &[InputFile]) -> Result<String, String> {
    for f in files {
        match r.inputs.files.iter().find(|g| g.role == f.role) {
            Some(g) if g.sha256 == f.sha256 => {}
            Some(g) => {
                return Err(format!(
                    "{} differs: the result was computed from sha256 {}, the file now has {}",
                    f.role, g.sha256, f.sha256
                ))
            }
            None => return Err(format!("the result names no {} but the configuration does", f.role)),
        }
    }
    if let Some(g) = r.inputs.files.iter().find(|g| !files.iter().any(|f| f.role == g.role)) {
        return Err(format!("the result was computed with a {} that the configuration does not name", g.role));
    }
    let digest = digest::configuration_digest(inputs);
    if digest != r.inputs.configuration_sha256 {
        return Err(format!(
            "configuration digest differs: result {}, inputs {}",
            r.inputs.configuration_sha256, digest
        ));
    }
    if digest::candidates_digest(&r.candidates) != r.inputs.candidates_sha256 {
        return Err("the candidates digest does not match the candidates in the result".into());
    }
    let model = ic_topology::model::build(inputs, &r.candidates);
    let bound = check::check_certificate(&model, &r.certificate).map_err(|e| format!("certificate: {e}"))?;
    match r.status {
        Status::Optimal => {
            let objective = r.objective.ok_or("status optimal without an objective")?;
            let allocation = r.allocation.as_ref().ok_or("status optimal without an allocation")?;
            let classes = allocation_classes(&model, allocation)?;
            let value = check::check_allocation(&model, &classes).map_err(|e| format!("allocation: {e}"))?;
            if value != objective {
                return Err(format!("allocation uses {value} synthetic nodes, the result claims {objective}"));
            }
            for (s, sub) in allocation.iter().enumerate() {
                let counted = sub.nodes.iter().filter(|n| n.starts_with("synthetic-")).count() as u32;
                if counted != sub.synthetic {
                    return Err(format!(
                        "subnet {s}: {counted} synthetic nodes listed, the result says {}",
                        sub.synthetic
                    ));
                }
            }
            if bound.ceil() < objective as i128 {
                if r.certificate_is_tight {
                    return Err(format!(
                        "certificate proves a lower bound of {} ({}/{}), not {objective}",
                        bound.ceil(),
                        bound.numerator,
                        bound.denominator
                    ));
                }
                return Ok(format!(
                    "allocation valid with ObjectiveValue {objective}; the certificate proves {} (optimality rests on branch and bound)",
                    bound.ceil()
                ));
            }
            Ok(format!(
                "ObjectiveValue {objective} is optimal: the allocation meets every constraint and the certificate proves every allocation needs at least {} ({}/{})",
                bound.ceil(),
                bound.numerator,
                bound.denominator
            ))
        }
        Status::Infeasible => {
            if r.objective.is_some() || r.upper_bound.is_some() || r.allocation.is_some() || r.lower_bound.is_some() {
                return Err("an infeasible result carries an objective, a bound or an allocation".into());
            }
            let (_, mut summary) =
                ic_topology::verify::prove_infeasible(&model, r.infeasibility.as_ref().map(|i| &i.certificate))
                    .map_err(|e| e.reason)?;
            let last = r.curve.last().ok_or("the result has no curve")?;
            if r.shortfall != last.shortfall {
                return Err(format!(
                    "the result claims a shortfall of {}, its curve's last point {}",
                    value(r.shortfall),
                    value(last.shortfall)
                ));
            }
            let proof = r.shortfall_proof.as_ref();
            match (r.shortfall, proof.and_then(|p| p.allocation.as_ref())) {
                (Some(seats), Some(allocation)) => {
                    let proof = proof.expect("present");
                    let claim = ic_topology::verify::ShortfallClaim {
                        seats,
                        objective: proof.objective.ok_or("a shortfall without the ObjectiveValue of the rest")?,
                        certificate: proof.certificate.clone(),
                        certificate_is_tight: proof.certificate_is_tight,
                        allocation: allocation
                            .iter()
                            .map(|s| ic_topology::verify::ClaimedSubnet {
                                nodes: s.nodes.clone(),
                                synthetic: s.synthetic,
                            })
                            .collect(),
                    };
                    if (proof.seats, last.shortfall_objective) != (Some(seats), Some(claim.objective)) {
                        return Err("the shortfall's proof differs from the curve's last point".into());
                    }
                    let proved = ic_topology::verify::prove_shortfall(&model, &claim).map_err(|e| e.to_string())?;
                    summary.push_str("; ");
                    summary.push_str(&proved);
                }
                (Some(seats), None) => {
                    return Err(format!("a shortfall of {seats} is claimed without its allocation and certificate"))
                }
                (None, _) => {}
            }
            Ok(summary)
        }
        Status::BudgetExceeded => {
            let lower = r.lower_bound.ok_or("status budget_exceeded without a lower bound")?;
            if bound.ceil() < lower as i128 {
                return Err(format!("certificate proves {}, the result claims a lower bound of {lower}", bound.ceil()));
            }
            let upper = match (r.upper_bound, &r.allocation) {
                (None, _) => String::new(),
                (Some(u), Some(allocation)) => {
                    let classes = allocation_classes(&model, allocation)?;
                    let v = check::check_allocation(&model, &classes).map_err(|e| format!("allocation: {e}"))?;
                    if v != u {
                        return Err(format!(
                            "allocation uses {v} synthetic nodes, the result claims an upper bound of {u}"
                        ));
                    }
                    format!(", upper bound {u} confirmed by the allocation")
                }
                (Some(u), None) => return Err(format!("an upper bound of {u} without the allocation that attains it")),
            };
            Ok(format!("budget exceeded; lower bound {lower} confirmed by the certificate{upper}"))
        }
    }
}

/// Re-check what the certificate does not prove: the fields derived from the
/// curve (baseline, reduction, verdict, deployment size) must follow from it,
/// its last point must be the result itself, and every point (the baseline
/// included) must agree with a recomputation under the default budget.
fn verify_curve(r: &ResultFile, inputs: &Inputs) -> Result<String, String> {
    let total: u64 = r.candidates.iter().map(|c| u64::from(c.no_nodes)).sum();
    if u64::from(r.candidate_nodes) != total {
        return Err(format!("the result claims {} candidate nodes, its candidates have {total}", r.candidate_nodes));
    }
    if r.curve.len() as u64 != total + 1 || r.curve.iter().enumerate().any(|(i, p)| p.nodes as usize != i) {
        return Err(format!("the curve must have one point for each of 0..={total} candidate nodes, in order"));
    }
    for p in &r.curve {
        let consistent = match p.status {
            Status::Optimal => {
                p.objective.is_some() && p.upper_bound == p.objective && Some(p.lower_bound) == p.objective
            }
            Status::Infeasible => p.objective.is_none() && p.upper_bound.is_none(),
            Status::BudgetExceeded => p.objective.is_none() && p.upper_bound.is_none_or(|u| u >= p.lower_bound),
        };
        if !consistent {
            return Err(format!("curve point {}: its status, objective and bounds contradict each other", p.nodes));
        }
    }
    let (first, last) = (&r.curve[0], &r.curve[r.curve.len() - 1]);
    if (last.status, last.objective) != (r.status, r.objective) {
        return Err("the result's status and objective differ from its curve's last point".into());
    }
    let last_lower = (last.status != Status::Infeasible).then_some(last.lower_bound);
    if last_lower != r.lower_bound {
        return Err(format!(
            "the result claims a lower bound of {}, its curve's last point {}",
            value(r.lower_bound),
            value(last_lower)
        ));
    }
    if last.upper_bound != r.upper_bound {
        return Err(format!(
            "the result claims an upper bound of {}, its curve's last point {}",
            value(r.upper_bound),
            value(last.upper_bound)
        ));
    }
    // The derived fields, computed as `evaluate` computes them.
    let baseline = if r.candidates.is_empty() { None } else { first.objective };
    if r.baseline_objective != baseline {
        return Err(format!(
            "the result claims a baseline of {}, its curve starts at {}",
            value(r.baseline_objective),
            value(baseline)
        ));
    }
    let baseline_shortfall = if r.candidates.is_empty() { None } else { first.shortfall };
    if r.baseline_shortfall != baseline_shortfall {
        return Err(format!(
            "the result claims a baseline shortfall of {}, its curve starts at {}",
            value(r.baseline_shortfall),
            value(baseline_shortfall)
        ));
    }
    let (reduction, verdict, deployment) = evaluate::derived(&r.curve);
    if r.reduction != reduction {
        let show = |v: Option<i64>| v.map_or("-".into(), |v| v.to_string());
        return Err(format!(
            "the result claims a reduction of {}, its curve gives {}",
            show(r.reduction),
            show(reduction)
        ));
    }
    if r.verdict != verdict {
        let show = |v: &Option<evaluate::Verdict>| serde_json::to_string(v).expect("verdicts serialise");
        return Err(format!("the result claims the verdict {}, its curve gives {}", show(&r.verdict), show(&verdict)));
    }
    let deployment = deployment.filter(|_| !r.candidates.is_empty());
    if r.optimal_deployment_size != deployment {
        return Err(format!(
            "the result claims an optimal deployment size of {}, its curve gives {}",
            value(r.optimal_deployment_size),
            value(deployment)
        ));
    }
    // Only the last point comes with an allocation and a certificate: solve the others again.
    let (_, ev) = evaluate::evaluate(inputs, &r.candidates, Budget::default());
    let describe = |p: &evaluate::CurvePoint| match p.status {
        Status::Optimal => value(p.objective),
        Status::Infeasible => format!("infeasible ({})", p.value_text()),
        Status::BudgetExceeded => format!("between {} and {} (budget exceeded)", p.lower_bound, value(p.upper_bound)),
    };
    for (claim, truth) in r.curve.iter().zip(&ev.curve) {
        let within = |v: u32, p: &evaluate::CurvePoint| p.lower_bound <= v && p.upper_bound.is_none_or(|u| v <= u);
        let agrees = match (claim.status, truth.status) {
            (Status::Optimal, Status::Optimal) => claim.objective == truth.objective,
            // A point that claims no shortfall (as the canister's answers) claims nothing more.
            (Status::Infeasible, Status::Infeasible) => {
                claim.shortfall.is_none()
                    || (claim.shortfall, claim.shortfall_objective) == (truth.shortfall, truth.shortfall_objective)
            }
            (Status::BudgetExceeded, Status::Optimal) => truth.objective.is_some_and(|v| within(v, claim)),
            (Status::Optimal, Status::BudgetExceeded) => claim.objective.is_some_and(|v| within(v, truth)),
            (Status::BudgetExceeded, Status::Infeasible) => claim.upper_bound.is_none(),
            (Status::Infeasible, Status::BudgetExceeded) => truth.upper_bound.is_none(),
            (Status::BudgetExceeded, Status::BudgetExceeded) => {
                claim.upper_bound.is_none_or(|u| u >= truth.lower_bound)
                    && truth.upper_bound.is_none_or(|u| u >= claim.lower_bound)
            }
            (Status::Optimal, Status::Infeasible) | (Status::Infeasible, Status::Optimal) => false,
        };
        if !agrees {
            return Err(format!(
                "curve point with {} candidate node(s) added: the result claims {}, a recomputation gives {}",
                claim.nodes,
                describe(claim),
                describe(truth)
            ));
        }
    }
    Ok(format!("the curve's {} point(s) agree with a recomputation", r.curve.len()))
}

/// Map a node-id allocation back to classes, each node used at most once.
fn allocation_classes(model: &Model, subnets: &[SubnetAllocation]) -> Result<Allocation, String> {
    let mut class_of: BTreeMap<&str, u32> = BTreeMap::new();
    for (c, class) in model.classes.iter().enumerate() {
        for m in &class.members {
            class_of.insert(m.as_str(), c as u32);
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(subnets.len());
    for (s, sub) in subnets.iter().enumerate() {
        let mut counts: BTreeMap<u32, u32> = BTreeMap::new();
        for n in &sub.nodes {
            let c = class_of
                .get(n.as_str())
                .ok_or_else(|| format!("subnet {s}: node {n} is not an assignable node of these inputs"))?;
            if !seen.insert(n.as_str()) {
                return Err(format!("node {n} is assigned twice"));
            }
            *counts.entry(*c).or_default() += 1;
        }
        out.push(counts.into_iter().collect());
    }
    Ok(Allocation { subnets: out })
}

pub(crate) fn run_verify_certificate(a: VerifyCertificateArgs) -> Result<ExitCode, InputError> {
    let source = a.reply.display().to_string();
    let raw = std::fs::read(&a.reply).map_err(|e| InputError::new(&source, format!("cannot read the reply: {e}")))?;
    // `--output raw` prints hex; anything that is not hex is taken as the bytes themselves.
    let bytes = std::str::from_utf8(&raw).ok().and_then(certification::from_hex).unwrap_or(raw);
    // A proposal verdict (`get_proposal_verdict`) is checked by its own path.
    if let Some(outcome) = super::proposal::verify_verdict_reply(
        &bytes,
        &source,
        &a.canister_id,
        a.root_key.as_deref(),
        a.evaluation_out.as_deref(),
    ) {
        return outcome;
    }
    // So is a placement map or node value (`get_placement_map`, `get_node_value`).
    if let Some(outcome) =
        cli::placements::verify_certified_reply(&bytes, &source, &a.canister_id, a.root_key.as_deref())
    {
        return outcome;
    }
    let reply: api::Result<api::CertifiedEvaluation> = match candid::decode_one(&bytes) {
        Ok(reply) => reply,
        // A published plan (`get_published_plan`) is checked the same way.
        Err(e) => match candid::decode_one::<api::Result<api::CertifiedPlan>>(&bytes) {
            Ok(plan) => return cli::plan::verify_certified_plan(&source, plan, &a.canister_id, a.root_key.as_deref()),
            Err(_) => {
                return Err(InputError::new(
                    &source,
                    format!("not a reply of get_published_evaluation or get_published_plan (Candid): {e}"),
                ))
            }
        },
    };
    let Ok(reply) = reply else {
        return Err(InputError::new(&source, "the reply is an error, not a published evaluation"));
    };
    let canister = candid::Principal::from_text(&a.canister_id)
        .map_err(|e| InputError::new("--canister-id", format!("not a principal: {e}")))?;
    let root_key_hex = a.root_key.as_deref().unwrap_or(certification::IC_ROOT_KEY_DER_HEX);
    let root_key =
        certification::from_hex(root_key_hex).ok_or_else(|| InputError::new("--root-key", "not hexadecimal"))?;
    let Some(certificate) = &reply.certificate else {
        return Err(InputError::new(
            &source,
            "the reply has no certificate: call get_published_evaluation as a query (dfx canister call --query)",
        ));
    };
    match certification::verify_published(
        &reply.key,
        &reply.evaluation_candid,
        certificate,
        &reply.witness,
        canister.as_slice(),
        &root_key,
    ) {
        Ok(certified) => {
            if let Some(max_age) = a.max_age {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as u64);
                let age = now.saturating_sub(certified.time_nanos) / 1_000_000_000;
                if age > max_age {
                    return Err(InputError::new(
                        &source,
                        format!("the certificate is {age} s old, older than --max-age {max_age} s"),
                    ));
                }
            }
            let facts: api::Evaluation = candid::decode_one(&reply.evaluation_candid)
                .map_err(|e| InputError::new(&source, format!("the certified bytes are not an Evaluation: {e}")))?;
            if let Some(path) = &a.evaluation_out {
                std::fs::write(path, &reply.evaluation_candid)
                    .map_err(|e| InputError::new(path.display().to_string(), format!("cannot write: {e}")))?;
            }
            println!(
                "certified: canister {} published evaluation {} (certificate time {} ns{})",
                canister.to_text(),
                reply.key,
                certified.time_nanos,
                certified.delegated_by.as_ref().map_or(String::new(), |s| format!(
                    ", delegated to subnet {}",
                    candid::Principal::from_slice(s).to_text()
                ))
            );
            println!(
                "  ObjectiveValue {} with {} candidate node(s), {} without; reduction {}; optimal deployment size {}",
                value(facts.objective),
                facts.candidate_nodes,
                value(facts.baseline_objective),
                facts.reduction.map_or("-".into(), |r| r.to_string()),
                value(facts.optimal_deployment_size)
            );
            println!(
                "  registry version {}, topology sha256 {}, configuration sha256 {}",
                facts.registry_version, facts.topology_sha256, facts.configuration_sha256
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("rejected: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// Check the canister's Candid `Evaluation` against an export, as `verify_evaluation` does.
fn run_verify_candid(a: &VerifyArgs) -> Result<ExitCode, InputError> {
    let source = a.result.display().to_string();
    let raw = std::fs::read(&a.result).map_err(|e| InputError::new(&source, format!("cannot read: {e}")))?;
    let bytes = std::str::from_utf8(&raw).ok().and_then(certification::from_hex).unwrap_or(raw);
    let e: api::Evaluation = match candid::decode_one::<api::Evaluation>(&bytes) {
        Ok(e) => e,
        Err(_) => match candid::decode_one::<api::Result<api::Evaluation>>(&bytes) {
            Ok(Ok(e)) => e,
            Ok(Err(_)) => return Err(InputError::new(&source, "the reply is an error, not an evaluation")),
            Err(err) => return Err(InputError::new(&source, format!("not a Candid Evaluation: {err}"))),
        },
    };
    let path = a.inputs.as_deref().expect("clap requires --inputs with --candid");
    let (mut inputs, _, _) = load_export(path)?;
    // The evaluation's overrides change the settings, hence the configuration digest.
    if let Some(o) = &e.overrides {
        inputs.settings = api::convert::settings_overridden(inputs.settings, o);
    }
    let claim = api::convert::claim_in(&e).map_err(|err| match err {
        api::Error::InvalidArgument { field, reason } => InputError::new(&source, format!("{field}: {reason}")),
        other => InputError::new(&source, format!("{other:?}")),
    })?;
    let outcome = ic_topology::verify::verify(
        &inputs,
        &digest::topology_digest(&inputs.topology),
        &digest::configuration_digest(&inputs),
        &claim,
    );
    match outcome {
        Ok(v) => {
            println!("verified: {} (registry version {})", v.summary, e.registry_version);
            Ok(ExitCode::SUCCESS)
        }
        Err(r) => {
            println!("rejected: {r}");
            Ok(ExitCode::from(1))
        }
    }
}

//! `topology evaluate`: the ObjectiveValue with and without candidate nodes,
//! the result file `verify` re-checks, and its text form.

use super::load::{load_for, read_candidates, Loaded};
use clap::Args;
use ic_topology::canister_profile;
use ic_topology::check::{self, Allocation};
use ic_topology::digest;
use ic_topology::evaluate::{self, Evaluation, SubnetNodes};
use ic_topology::files::{self, InputFile};
use ic_topology::inputs::{Attribute, CandidateRow, Warning};
use ic_topology::model::Model;
use ic_topology::solve::{Budget, Status};
use ic_topology::InputError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The arguments of `topology evaluate`.
#[derive(Args)]
pub(crate) struct EvaluateArgs {
    /// A configuration JSON with the reference tool's keys; without it, the
    /// default network that ships with the project.
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
    /// The canister's export (the bytes of `export_snapshot`, pages joined):
    /// evaluated with the canister's budget and solve limit, bit for bit as the canister does.
    #[arg(long, conflicts_with_all = ["config", "budget"])]
    pub(crate) inputs: Option<PathBuf>,
    /// A CSV of candidate rows: node_provider,data_center,data_center_provider,country,is_sev,no_nodes.
    #[arg(long, conflicts_with = "candidate")]
    pub(crate) candidates: Option<PathBuf>,
    /// One candidate row, "provider,dc,dc provider,CC,true,N"; may be repeated.
    #[arg(long)]
    pub(crate) candidate: Vec<String>,
    /// Print one JSON object (the result file `verify` reads).
    #[arg(long)]
    pub(crate) json: bool,
    /// Work budget: branch-and-bound nodes per solve.
    #[arg(long, default_value_t = Budget::default().branch_nodes, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) budget: u64,
    /// Also write the charts (SVG: allocation and topology matrix per attribute, the curve) into this folder.
    #[arg(long, value_name = "DIR")]
    pub(crate) charts: Option<PathBuf>,
    /// Also write the cordoned nodes with the reason each is cordoned, as the
    /// reference's `blacklisted_nodes_<scenario>.csv` (node_id, node_provider,
    /// data_center, data_center_provider, blacklist_reason).
    #[arg(long, value_name = "FILE")]
    pub(crate) blacklisted_out: Option<PathBuf>,
    /// Take candidate values exactly as written, even a country such as `us`
    /// that is a case variant of an ISO code, a name a letter or two away from
    /// an existing one (`Equinx`), or an existing data center with another
    /// owner (refused otherwise).
    #[arg(long)]
    pub(crate) verbatim_values: bool,
}

/// The result file: everything `verify` needs, and everything a proposal quotes.
#[derive(Serialize, Deserialize)]
pub(crate) struct ResultFile {
    pub(crate) tool: String,
    pub(crate) version: String,
    pub(crate) status: Status,
    /// The ObjectiveValue with the candidates included (null unless optimal).
    pub(crate) objective: Option<u32>,
    /// Seats left empty that only real nodes could fill: 0 when optimal, the
    /// least number when infeasible, null when not proven.
    #[serde(default)]
    pub(crate) shortfall: Option<u32>,
    /// The same without the candidates (null without candidates).
    #[serde(default)]
    pub(crate) baseline_shortfall: Option<u32>,
    /// Per subnet with empty seats: how many, the rule they stand for, and why.
    #[serde(default)]
    pub(crate) shortfall_by_subnet: Vec<ic_topology::shortfall::SubnetShortfall>,
    /// When infeasible: the shortfall's proof (least seats, then the least
    /// synthetic nodes for the rest, its ObjectiveValue).
    #[serde(default)]
    pub(crate) shortfall_proof: Option<ShortfallOut>,
    pub(crate) baseline_objective: Option<u32>,
    pub(crate) reduction: Option<i64>,
    pub(crate) verdict: Option<evaluate::Verdict>,
    pub(crate) candidate_nodes: u32,
    pub(crate) curve: Vec<evaluate::CurvePoint>,
    pub(crate) optimal_deployment_size: Option<u32>,
    /// Proven lower bound; `null` when infeasible (there is no value to bound).
    pub(crate) lower_bound: Option<u32>,
    pub(crate) upper_bound: Option<u32>,
    pub(crate) certificate_is_tight: bool,
    pub(crate) certificate: check::Certificate,
    /// When infeasible: the proof, and what it says in words.
    #[serde(default)]
    pub(crate) infeasibility: Option<InfeasibilityOut>,
    pub(crate) allocation: Option<Vec<SubnetAllocation>>,
    pub(crate) candidates: Vec<CandidateRow>,
    pub(crate) settings: ic_topology::inputs::Settings,
    /// Every default that was applied (settings keys left out, the rule set's special limits).
    #[serde(default)]
    pub(crate) defaults_applied: Vec<String>,
    /// Where the candidate nodes went: per subnet that took any, how many.
    #[serde(default)]
    pub(crate) candidate_placements: Vec<String>,
    /// When the curve stops lowering the ObjectiveValue: the limits that bind, the subnets still short.
    #[serde(default)]
    pub(crate) curve_stop: Vec<String>,
    /// Why the value rises where it does, and why the curve stops (whenever the verdict is not one for one).
    #[serde(default)]
    pub(crate) curve_notes: ic_topology::curve_notes::CurveNotes,
    pub(crate) network: NetworkSummary,
    pub(crate) inputs: InputDigests,
    /// The nodes a cordon of the blacklist matches, and why (listed whether or not it is enforced).
    #[serde(default)]
    pub(crate) cordoned: Vec<ic_topology::cordoned::CordonedNode>,
    pub(crate) warnings: Vec<Warning>,
    pub(crate) work: ic_topology::solve::Work,
}

/// The shortfall's answer and proof in the result file.
#[derive(Serialize, Deserialize)]
pub(crate) struct ShortfallOut {
    /// `optimal` when both parts are proven least.
    pub(crate) status: Status,
    /// Seats left empty (when optimal).
    pub(crate) seats: Option<u32>,
    /// The ObjectiveValue of the rest: the least synthetic nodes with `seats` left empty.
    pub(crate) objective: Option<u32>,
    /// Proven: at least this many seats stay empty.
    pub(crate) seats_lower_bound: u32,
    /// The weight of an empty seat in `weight x seats + synthetic`.
    pub(crate) weight: i64,
    /// Whether the certificate alone proves both parts.
    pub(crate) certificate_is_tight: bool,
    /// Multipliers on the relaxed model's rows (`shortfall::relax`).
    pub(crate) certificate: check::Certificate,
    /// Node ids per subnet, empty seats (`empty-seat-...`) included.
    pub(crate) allocation: Option<Vec<SubnetAllocation>>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct InfeasibilityOut {
    /// Multipliers that prove a positive bound under the zero objective
    /// (`check::check_infeasibility_certificate`).
    pub(crate) certificate: check::Certificate,
    /// The constraints with a nonzero multiplier, in words.
    pub(crate) explanation: Vec<String>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct SubnetAllocation {
    pub(crate) subnet_type: String,
    pub(crate) subnet_id: Option<String>,
    pub(crate) synthetic: u32,
    pub(crate) nakamoto: BTreeMap<String, u32>,
    pub(crate) nodes: Vec<String>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct NetworkSummary {
    pub(crate) registry_nodes: usize,
    pub(crate) pipeline_nodes: usize,
    pub(crate) subnets: usize,
    pub(crate) node_classes: usize,
    pub(crate) usable_real_nodes: u32,
    pub(crate) synthetic_nodes: u32,
    pub(crate) excluded: ic_topology::model::Excluded,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct InputDigests {
    pub(crate) source: String,
    pub(crate) files: Vec<InputFile>,
    pub(crate) configuration_sha256: String,
    pub(crate) candidates_sha256: String,
}

fn allocation_out(model: &Model, allocation: &Allocation) -> Vec<SubnetAllocation> {
    evaluate::subnet_nodes(model, allocation)
        .into_iter()
        .map(|s: SubnetNodes| SubnetAllocation {
            subnet_type: s.subnet_type,
            subnet_id: s.subnet_id,
            synthetic: s.synthetic,
            nakamoto: Attribute::ALL.iter().map(|a| (a.name().to_string(), s.nakamoto[a.index()])).collect(),
            nodes: s.nodes,
        })
        .collect()
}

pub(crate) fn run_evaluate(a: EvaluateArgs) -> Result<ExitCode, InputError> {
    // A `scenario` folder: one result per cluster file, as the reference runs them.
    if let (Some(config), None) = (a.config.as_deref(), a.inputs.as_deref()) {
        if let Some(names) = files::scenario_files(config)? {
            return run_scenarios(&a, config, &names);
        }
    }
    let loaded = load_for(a.config.as_deref(), a.inputs.as_deref(), Some(files::Mode::MinimizeNewNodes))?;
    let (candidates, candidates_source) = read_candidates(a.candidates.as_deref(), &a.candidate)?;
    if !a.verbatim_values {
        files::check_candidate_text(&candidates, &candidates_source, &loaded.0)?;
        let names = super::load::data_center_names(a.config.as_deref(), a.inputs.as_deref(), &loaded.1);
        files::check_candidate_names(&candidates, &candidates_source, &loaded.0, &names)?;
    }
    let (result, model, ev, switches) = evaluate_loaded(&a, loaded, candidates, &candidates_source);
    write_side_files(&result, &model, &ev, a.charts.as_deref(), a.blacklisted_out.as_deref())?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&result).expect("results serialise"));
    } else {
        print_summary(&result, &ev, &switches);
    }
    Ok(exit_code(result.status))
}

/// `evaluate` of a configuration whose `scenario` is a folder: each cluster
/// file in name order; `--json` prints one object keyed by file name, the
/// side files get the scenario's name (`blacklisted_nodes_<scenario>.csv`, as
/// the reference names its file; charts in a folder per scenario). The exit
/// code is the highest of the scenarios' (0 when every one is optimal).
fn run_scenarios(a: &EvaluateArgs, config: &Path, names: &[String]) -> Result<ExitCode, InputError> {
    let (candidates, candidates_source) = read_candidates(a.candidates.as_deref(), &a.candidate)?;
    let mut results: BTreeMap<String, ResultFile> = BTreeMap::new();
    let mut code = 0u8;
    for name in names {
        let loaded = files::load_config_scenario(config, name)?;
        if loaded.mode == files::Mode::MinimizeNodeSwaps {
            return Err(InputError::new(
                config.display().to_string(),
                "its mode is `minimize_node_swaps`, a membership plan: run `topology plan` with one scenario file",
            ));
        }
        let source = format!("{} (scenario {name})", config.display());
        if !a.verbatim_values {
            files::check_candidate_text(&candidates, &candidates_source, &loaded.inputs)?;
            let names = super::load::data_center_names(Some(config), None, &loaded.files);
            files::check_candidate_names(&candidates, &candidates_source, &loaded.inputs, &names)?;
        }
        let loaded = (loaded.inputs, loaded.files, source, loaded.defaults);
        let (result, model, ev, switches) = evaluate_loaded(a, loaded, candidates.clone(), &candidates_source);
        let stem = name.trim_end_matches(".json");
        let charts = a.charts.as_ref().map(|dir| dir.join(stem));
        let blacklisted = a.blacklisted_out.as_ref().map(|path| scenario_path(path, stem));
        write_side_files(&result, &model, &ev, charts.as_deref(), blacklisted.as_deref())?;
        if !a.json {
            println!("== scenario {name}");
            print_summary(&result, &ev, &switches);
            println!();
        }
        code = code.max(exit_number(result.status));
        results.insert(name.clone(), result);
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&results).expect("results serialise"));
    }
    Ok(ExitCode::from(code))
}

/// `dir/name.ext` with `_<scenario>` before the extension.
fn scenario_path(path: &Path, scenario: &str) -> PathBuf {
    let stem = path.file_stem().map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let name = match path.extension() {
        Some(ext) => format!("{stem}_{scenario}.{}", ext.to_string_lossy()),
        None => format!("{stem}_{scenario}"),
    };
    path.with_file_name(name)
}

pub(crate) fn exit_number(status: Status) -> u8 {
    match status {
        Status::Optimal => 0,
        // A definite answer that is not a number, or bounds only: distinct exit codes.
        Status::Infeasible => 3,
        Status::BudgetExceeded => 4,
    }
}

pub(crate) fn exit_code(status: Status) -> ExitCode {
    ExitCode::from(exit_number(status))
}

/// The charts and the cordoned nodes' CSV, where asked for.
fn write_side_files(
    result: &ResultFile,
    model: &Model,
    ev: &Evaluation,
    charts: Option<&Path>,
    blacklisted_out: Option<&Path>,
) -> Result<(), InputError> {
    if let Some(path) = blacklisted_out {
        std::fs::write(path, ic_topology::cordoned::to_csv(&result.cordoned))
            .map_err(|e| InputError::new(path.display().to_string(), format!("cannot write: {e}")))?;
        eprintln!("wrote {} ({} cordoned nodes)", path.display(), result.cordoned.len());
    }
    if let Some(dir) = charts {
        for path in ic_topology::charts::write_all(dir, &ic_topology::charts::evaluation_charts(model, ev))? {
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(())
}

/// Evaluate loaded inputs with the candidates: the result file, the model and
/// evaluation it came from, and the switches' lines for the text output.
pub(crate) fn evaluate_loaded(
    a: &EvaluateArgs,
    (inputs, input_files, source, defaults_applied): Loaded,
    candidates: Vec<CandidateRow>,
    candidates_source: &str,
) -> (ResultFile, Model, Evaluation, Vec<String>) {
    let mut warnings = inputs.warnings.clone();
    warnings.extend(files::candidate_warnings(&candidates, candidates_source, &inputs));
    let (model, ev) = if a.inputs.is_some() {
        canister_profile::evaluate_as_canister(&inputs, &candidates)
    } else {
        evaluate::evaluate(&inputs, &candidates, Budget { branch_nodes: a.budget })
    };
    let result = ResultFile {
        tool: "topology".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        status: ev.solution.status,
        objective: ev.solution.objective,
        shortfall: ev.curve.last().and_then(|p| p.shortfall),
        baseline_shortfall: if candidates.is_empty() { None } else { ev.baseline_shortfall },
        shortfall_by_subnet: ev
            .shortfall
            .as_ref()
            .and_then(|f| f.allocation.as_ref())
            .map(|a| ic_topology::shortfall::by_subnet(&model, a))
            .unwrap_or_default(),
        shortfall_proof: ev.shortfall.as_ref().map(|f| {
            let relaxed = ic_topology::shortfall::relax(&model);
            ShortfallOut {
                status: f.status,
                seats: f.seats,
                objective: f.objective,
                seats_lower_bound: f.seats_lower_bound,
                weight: f.weight,
                certificate_is_tight: f.certificate_is_tight,
                certificate: f.certificate.clone(),
                allocation: f.allocation.as_ref().map(|a| allocation_out(&relaxed.model, a)),
            }
        }),
        baseline_objective: if candidates.is_empty() { None } else { ev.baseline_objective },
        reduction: ev.reduction,
        verdict: ev.verdict,
        candidate_nodes: ev.candidate_nodes,
        curve: ev.curve.clone(),
        optimal_deployment_size: if candidates.is_empty() { None } else { ev.optimal_deployment_size },
        lower_bound: (ev.solution.status != Status::Infeasible).then_some(ev.solution.lower_bound),
        upper_bound: ev.solution.upper_bound,
        certificate_is_tight: ev.solution.certificate_is_tight,
        certificate: ev.solution.certificate.clone(),
        infeasibility: ev.solution.infeasibility.as_ref().map(|c| InfeasibilityOut {
            certificate: c.clone(),
            explanation: ic_topology::explain::infeasibility(&model, c).unwrap_or_default(),
        }),
        allocation: ev.solution.allocation.as_ref().map(|al| allocation_out(&model, al)),
        network: NetworkSummary {
            registry_nodes: inputs.nodes.len(),
            pipeline_nodes: inputs.pipeline.len(),
            subnets: model.subnets.len(),
            node_classes: model.classes.len(),
            usable_real_nodes: model.real_nodes(),
            synthetic_nodes: model.synthetic_nodes(),
            excluded: model.excluded.clone(),
        },
        inputs: InputDigests {
            source,
            files: input_files,
            configuration_sha256: digest::configuration_digest(&inputs),
            candidates_sha256: digest::candidates_digest(&candidates),
        },
        settings: inputs.settings,
        defaults_applied,
        candidate_placements: vec![],
        curve_stop: vec![],
        curve_notes: Default::default(),
        candidates,
        cordoned: ic_topology::cordoned::cordoned_nodes(&inputs),
        warnings,
        work: ev.solution.work,
    };
    let switches = super::switches::lines(&inputs, &model);
    let mut result = result;
    if let (false, Some(allocation)) = (result.candidates.is_empty(), &ev.solution.allocation) {
        result.candidate_placements = ic_topology::evaluate::candidate_placements(&model, allocation);
        if ev.solution.status == Status::Optimal && result.verdict != Some(evaluate::Verdict::OneForOne) {
            result.curve_stop = ic_topology::explain::curve_stop(&model, allocation);
        }
    }
    result.curve_notes =
        ic_topology::curve_notes::explain(&inputs, &result.candidates, &ev, &model, &result.curve_stop);
    (result, model, ev, switches)
}

pub(crate) fn value(v: Option<u32>) -> String {
    v.map_or("-".into(), |v| v.to_string())
}

pub(crate) fn print_summary(r: &ResultFile, ev: &Evaluation, switches: &[String]) {
    println!("Network: {}", r.inputs.source);
    println!(
        "  rules {}, {} registry nodes, {} pipeline nodes, {} subnets; {} usable real nodes in {} classes, {} synthetic nodes in {} synthetic countries",
        r.settings.rules.name(),
        r.network.registry_nodes,
        r.network.pipeline_nodes,
        r.network.subnets,
        r.network.usable_real_nodes,
        r.network.node_classes,
        r.network.synthetic_nodes,
        r.settings.synthetic_countries
    );
    let shown = r.shortfall_proof.as_ref().map(|p| super::shortfall_text::Shown {
        status: r.status,
        proof_status: p.status,
        seats: p.seats,
        objective: p.objective,
        seats_lower_bound: p.seats_lower_bound,
        certificate_is_tight: p.certificate_is_tight,
        by_subnet: &r.shortfall_by_subnet,
    });
    if let Some(line) = shown.as_ref().and_then(super::shortfall_text::headline) {
        println!("{line}");
    }
    let x = &r.network.excluded;
    if x.api_boundary + x.unhealthy + x.cordoned > 0 {
        println!(
            "  not assignable: {} API boundary, {} DOWN/DEGRADED, {} cordoned",
            x.api_boundary, x.unhealthy, x.cordoned
        );
    }
    println!("Switches in effect:");
    for line in switches {
        println!("  {line}");
    }
    if !r.defaults_applied.is_empty() {
        println!("  defaults applied:");
        for d in &r.defaults_applied {
            println!("    - {d}");
        }
    }
    println!();
    match r.status {
        Status::Optimal => println!(
            "ObjectiveValue: {}  (additional node machines needed to reach the target topology; proven optimal{})",
            value(r.objective),
            if r.certificate_is_tight { " by allocation and lower-bound certificate" } else { " by branch and bound" }
        ),
        Status::Infeasible => {
            println!("Infeasible: the target topology cannot be filled, even with every synthetic node");
            for line in shown.as_ref().map(super::shortfall_text::lines).unwrap_or_default() {
                println!("  {line}");
            }
            match &r.infeasibility {
                Some(i) if !i.explanation.is_empty() => {
                    println!("  why (checked infeasibility certificate: these constraints cannot hold together):");
                    for line in &i.explanation {
                        println!("    - {line}");
                    }
                }
                _ => println!(
                    "  why: no infeasibility certificate was found (the LP relaxation appears to be fillable: only the integer program is infeasible, by branch and bound), so no constraints can be named and `verify` cannot re-check the claim"
                ),
            }
        }
        Status::BudgetExceeded => {
            println!(
                "Budget exceeded: the ObjectiveValue lies between {} and {}",
                value(r.lower_bound),
                value(r.upper_bound)
            )
        }
    }
    if r.candidate_nodes > 0 {
        let first = ev.curve.first().map(|p| p.value_text()).unwrap_or_else(|| "-".into());
        let last = ev.curve.last().map(|p| p.value_text()).unwrap_or_else(|| "-".into());
        println!("  without the candidates: {first}");
        println!("  with {} candidate node(s): {last}", r.candidate_nodes);
        println!(
            "  reduction: {}   verdict: {}",
            r.reduction.map_or("-".into(), |v| v.to_string()),
            match r.verdict {
                // The words of the JSON and of the README.
                Some(evaluate::Verdict::OneForOne) => "one_for_one",
                Some(evaluate::Verdict::Diminishing) => "diminishing",
                Some(evaluate::Verdict::None) => "none",
                None => "-",
            }
        );
        if ev.curve.iter().any(|p| p.shortfall.is_some_and(|s| s > 0)) {
            println!("  curve (candidate nodes added -> ObjectiveValue, or shortfall S + N: S seats left empty, N synthetic nodes for the rest):");
        } else {
            println!("  curve (candidate nodes added -> ObjectiveValue):");
        }
        for line in super::curve_text::marked(&ev.curve, &r.curve_notes) {
            println!("    {line}");
        }
        for rise in &r.curve_notes.rises {
            println!("  why it rises at {} node(s) ({} -> {}): {}", rise.nodes, rise.from, rise.to, rise.reason);
        }
        println!("  optimal deployment size: {}", value(r.optimal_deployment_size));
        if !r.candidate_placements.is_empty() {
            println!("  where the candidates went (with all of them added):");
            for line in &r.candidate_placements {
                println!("    {line}");
            }
        }
        if let Some(stop) = &r.curve_notes.stop {
            println!("  why the curve stops: {}", stop.reason);
        }
        // Where the curve goes flat the reason quotes these; else they say why the candidates left over stay out.
        if r.curve_notes.stop.as_ref().is_some_and(|s| !r.curve_stop.iter().all(|l| s.reason.contains(l.as_str()))) {
            println!("  where the candidates left over stay out:");
            for line in &r.curve_stop {
                println!("    - {line}");
            }
        }
    }
    let without_candidates = if r.candidate_nodes > 0 { r.baseline_objective } else { r.objective };
    if without_candidates == Some(0) {
        println!(
            "  The baseline is 0: the target topology is filled without any new node, so no new node can help under this topology."
        );
    }
    println!();
    println!("Inputs: configuration sha256 {}", r.inputs.configuration_sha256);
    for f in &r.inputs.files {
        println!("  {} {} {}", f.sha256, f.role, f.path);
    }
    if !r.warnings.is_empty() {
        println!();
        println!("Warnings ({}):", r.warnings.len());
        for w in &r.warnings {
            let line = w.line.map_or(String::new(), |l| format!(", line {l}"));
            let field = w.field.as_ref().map_or(String::new(), |f| format!(", field `{f}`"));
            println!("  {}{}{}: {}", w.source, line, field, w.message);
        }
    }
}

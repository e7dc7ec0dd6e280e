//! `topology`: the engine on the command line.
//!
//! `topology evaluate` answers, off chain and bit for bit like the canister,
//! how many more node machines the network needs and whether candidate nodes
//! reduce that number one for one (`--inputs` evaluates the canister's own
//! export as the canister does); `topology verify` re-checks a result file;
//! `topology verify-certificate` checks a published evaluation's certificate
//! and witness against the IC root key; `topology proposal-summary` renders
//! the text a node-operator proposal quotes; `topology generate` writes a
//! realistic network for examples and benchmarks.

mod cli;

use cli::defaults::default_inputs;

use clap::{Args, Parser, Subcommand};
use ic_topology::api;
use ic_topology::certification;
use ic_topology::check::{self, Allocation};
use ic_topology::digest;
use ic_topology::evaluate::{self, Evaluation, SubnetNodes};
use ic_topology::export;
use ic_topology::files::{self, InputFile};
use ic_topology::generate::{self, GenerateParams};
use ic_topology::inputs::{Attribute, CandidateRow, Inputs, Warning};
use ic_topology::model::Model;
use ic_topology::solve::{Budget, Status};
use ic_topology::InputError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "topology",
    version,
    about = "How many more node machines does the Internet Computer need to reach its target topology?",
    after_help = cli::help::EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compute the ObjectiveValue, with and without candidate nodes.
    #[command(after_help = cli::help::EVALUATE)]
    Evaluate(EvaluateArgs),
    /// Re-check a result file written by `evaluate --json`.
    #[command(after_help = cli::help::EXIT_CODES)]
    Verify(VerifyArgs),
    /// Write a realistic generated network (nodes.csv, topology.csv, config.json).
    #[command(after_help = cli::help::EXIT_CODES)]
    Generate(GenerateArgs),
    /// Check a published evaluation (the raw reply of `get_published_evaluation`)
    /// or a proposal verdict (of `get_proposal_verdict`) against the IC root
    /// key: certificate, witness and the certified bytes.
    #[command(after_help = cli::help::EXIT_CODES)]
    VerifyCertificate(VerifyCertificateArgs),
    /// Render the text a node-operator proposal quotes, from an export, as the
    /// canister's `proposal_summary` does; its sha256 goes to stderr.
    #[command(after_help = cli::help::EXIT_CODES)]
    ProposalSummary(ProposalSummaryArgs),
    /// Plan subnet membership changes (the reference's `minimize_node_swaps`):
    /// the cheapest changes that reach the target topology, proven, as proposals.
    #[command(after_help = cli::help::EXIT_CODES)]
    Plan(cli::plan::PlanArgs),
    /// Re-check a result file written by `plan --json`.
    #[command(after_help = cli::help::EXIT_CODES)]
    VerifyPlan(cli::plan::VerifyPlanArgs),
    /// Is a `ChangeSubnetMembership` proposal part of an optimal plan?
    #[command(after_help = cli::help::EXIT_CODES)]
    VerifyProposal(cli::plan::VerifyProposalArgs),
    /// The placement map: per country, the optimal deployment size of a new
    /// provider (or --provider, --data-center) there, SEV and not.
    #[command(after_help = cli::help::EXIT_CODES)]
    Placements(cli::placements::PlacementsArgs),
    /// How many of each provider's, data center's, ... nodes the optimal allocations need, proven.
    #[command(after_help = cli::help::EXIT_CODES)]
    NodeValue(cli::placements::NodeValueArgs),
    /// Write the export of a configuration (the bytes the canister's
    /// `export_snapshot` gives for its snapshot), for `evaluate --inputs`,
    /// `verify --inputs` and `proposal-summary` without a canister.
    #[command(after_help = cli::help::EXIT_CODES)]
    Export(ExportArgs),
    /// Render a proposal verdict (a `get_proposal_verdict` or
    /// `list_proposal_verdicts` reply, or a verdict's Candid bytes) as text.
    #[command(after_help = cli::help::EXIT_CODES)]
    Proposal(ProposalArgs),
}

#[derive(Args)]
struct ProposalArgs {
    /// The proposal id.
    #[arg(long)]
    id: u64,
    /// The file holding the verdict (hex as `--output raw` prints it, or raw bytes).
    verdict: PathBuf,
}

#[derive(Args)]
pub(crate) struct EvaluateArgs {
    /// A configuration JSON with the reference tool's keys; without it, the
    /// default network that ships with the project.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The canister's export (the bytes of `export_snapshot`, pages joined):
    /// evaluated with the canister's budget and solve limit, bit for bit as the canister does.
    #[arg(long, conflicts_with_all = ["config", "budget"])]
    inputs: Option<PathBuf>,
    /// A CSV of candidate rows: node_provider,data_center,data_center_provider,country,is_sev,no_nodes.
    #[arg(long, conflicts_with = "candidate")]
    candidates: Option<PathBuf>,
    /// One candidate row, "provider,dc,dc provider,CC,true,N"; may be repeated.
    #[arg(long)]
    candidate: Vec<String>,
    /// Print one JSON object (the result file `verify` reads).
    #[arg(long)]
    json: bool,
    /// Work budget: branch-and-bound nodes per solve.
    #[arg(long, default_value_t = Budget::default().branch_nodes, value_parser = clap::value_parser!(u64).range(1..))]
    budget: u64,
    /// Also write the charts (SVG: allocation and topology matrix per attribute, the curve) into this folder.
    #[arg(long, value_name = "DIR")]
    charts: Option<PathBuf>,
    /// Also write the cordoned nodes with the reason each is cordoned, as the
    /// reference's `blacklisted_nodes_<scenario>.csv` (node_id, node_provider,
    /// data_center, data_center_provider, blacklist_reason).
    #[arg(long, value_name = "FILE")]
    blacklisted_out: Option<PathBuf>,
    /// Take candidate values exactly as written, even a country such as `us`
    /// that is a case variant of an ISO code (refused otherwise).
    #[arg(long)]
    verbatim_values: bool,
}

#[derive(Args)]
struct VerifyArgs {
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

#[derive(Args)]
struct VerifyCertificateArgs {
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

#[derive(Args)]
struct ProposalSummaryArgs {
    /// The canister's export at the registry version the proposal speaks of.
    #[arg(long)]
    inputs: PathBuf,
    /// The registry version of the export (`export_snapshot` reports it).
    #[arg(long)]
    registry_version: u64,
    /// The canister to name in the `dfx` command.
    #[arg(long)]
    canister_id: Option<String>,
    /// A CSV of candidate rows: node_provider,data_center,data_center_provider,country,is_sev,no_nodes.
    #[arg(long, conflicts_with = "candidate")]
    candidates: Option<PathBuf>,
    /// One candidate row, "provider,dc,dc provider,CC,true,N"; may be repeated.
    #[arg(long)]
    candidate: Vec<String>,
    /// The plan form: the text of the membership plan (`proposal_summary` with `plan`).
    #[arg(long, conflicts_with_all = ["candidates", "candidate"])]
    plan: bool,
    /// With --plan: a subnet id the plan may change; may be repeated (default: any).
    #[arg(long = "subnet", requires = "plan")]
    subnets: Vec<String>,
}

#[derive(Args)]
struct GenerateArgs {
    /// Registry nodes to generate (the real network had about 1,500 in 2025).
    #[arg(long)]
    nodes: u32,
    /// Subnets of the generated topology (the real target has 70 to 83).
    #[arg(long)]
    subnets: u32,
    /// Seed of the generator: the same seed writes the same files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Folder to write into (created if missing).
    #[arg(long, default_value = "generated")]
    out: PathBuf,
}

fn main() -> ExitCode {
    cli::pipe::quiet_on_closed_pipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Evaluate(a) => run_evaluate(a),
        Command::Verify(a) => cli::verify::run_verify(a),
        Command::Generate(a) => run_generate(a),
        Command::VerifyCertificate(a) => cli::verify::run_verify_certificate(a),
        Command::ProposalSummary(a) => run_proposal_summary(a),
        Command::Plan(a) => cli::plan::run_plan(a),
        Command::VerifyPlan(a) => cli::plan::run_verify_plan(a),
        Command::VerifyProposal(a) => cli::plan::run_verify_proposal(a),
        Command::Placements(a) => cli::placements::run_placements(a),
        Command::NodeValue(a) => cli::placements::run_node_value(a),
        Command::Export(a) => run_export(a),
        Command::Proposal(a) => ic_topology::proposals::cli::run_proposal(a.id, &a.verdict),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

#[derive(Args)]
struct ExportArgs {
    /// A configuration JSON with the reference tool's keys; without it, the
    /// default network that ships with the project.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Where to write the export (canonical JSON); its sha256, printed on
    /// stderr, is the `configuration_sha256` every evaluation of it reports.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

fn run_export(a: ExportArgs) -> Result<ExitCode, InputError> {
    let (inputs, _, source) = load(a.config.as_deref(), None)?;
    for w in &inputs.warnings {
        let line = w.line.map_or(String::new(), |l| format!(", line {l}"));
        let field = w.field.as_ref().map_or(String::new(), |f| format!(", field `{f}`"));
        eprintln!("warning: {}{}{}: {}", w.source, line, field, w.message);
    }
    let bytes = export::to_bytes(&inputs);
    std::fs::write(&a.out, &bytes)
        .map_err(|e| InputError::new(a.out.display().to_string(), format!("cannot write the export: {e}")))?;
    eprintln!("{}  {} (the export of {source})", digest::sha256_hex(&bytes), a.out.display());
    Ok(ExitCode::SUCCESS)
}

/// Read a canister export; its one input file is the export itself.
fn load_export(path: &Path) -> Result<(Inputs, Vec<InputFile>, String), InputError> {
    let source = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| InputError::new(&source, format!("cannot read the export: {e}")))?;
    let inputs = export::from_bytes(&bytes, &source, None)?;
    let file = InputFile { role: "export".into(), path: source.clone(), sha256: digest::sha256_hex(&bytes) };
    Ok((inputs, vec![file], format!("the canister export {source}")))
}

fn load(config: Option<&Path>, export: Option<&Path>) -> Result<(Inputs, Vec<InputFile>, String), InputError> {
    load_for(config, export, None).map(|(inputs, files, source, _)| (inputs, files, source))
}

/// Inputs, their files, where they came from, and the defaults applied.
pub(crate) type Loaded = (Inputs, Vec<InputFile>, String, Vec<String>);

/// As [`load`], refusing a configuration whose `mode` asks for the other command.
pub(crate) fn load_for(
    config: Option<&Path>,
    export: Option<&Path>,
    command: Option<files::Mode>,
) -> Result<Loaded, InputError> {
    if let Some(path) = export {
        // The canister's configuration, as exported: no default is applied here.
        return load_export(path).map(|(inputs, files, source)| (inputs, files, source, vec![]));
    }
    match config {
        Some(path) => {
            let loaded = files::load_config(path)?;
            let source = path.display().to_string();
            // A plan of a configuration written for the ObjectiveValue is a fair
            // question; the ObjectiveValue of one written for a plan is not what it asks.
            if command == Some(files::Mode::MinimizeNewNodes) && loaded.mode == files::Mode::MinimizeNodeSwaps {
                return Err(InputError::new(
                    &source,
                    format!(
                        "its mode is `minimize_node_swaps`, a membership plan: run `topology plan --config {source}` \
                         (or set \"mode\": \"minimize_new_nodes\" for the ObjectiveValue)"
                    ),
                ));
            }
            Ok((loaded.inputs, loaded.files, source, loaded.defaults))
        }
        None => {
            let (inputs, files) = default_inputs()?;
            let defaults =
                vec![format!("no --config: {} under the 2025 rules with all their defaults", cli::defaults::SOURCE)];
            Ok((inputs, files, cli::defaults::SOURCE.into(), defaults))
        }
    }
}

/// The candidates of `--candidates FILE` or of the `--candidate` rows. A
/// file with no rows is an error (a baseline is asked for by leaving the
/// option out). Their text is checked against the inputs by
/// `files::check_candidate_text`.
fn read_candidates(file: Option<&Path>, args: &[String]) -> Result<(Vec<CandidateRow>, String), InputError> {
    let (rows, source) = match file {
        Some(path) => {
            let source = path.display().to_string();
            let text = std::fs::read_to_string(path)
                .map_err(|e| InputError::new(&source, format!("cannot read the candidates file: {e}")))?;
            let rows = files::parse_candidates_csv(&text, &source)?;
            files::check_candidate_total(&rows, &source)?;
            if rows.is_empty() {
                return Err(InputError::new(
                    &source,
                    "the candidates file has no candidate rows (it is empty or has a header only); \
                     to evaluate the network without candidates, leave out --candidates",
                ));
            }
            (rows, source)
        }
        None => {
            let rows = args.iter().map(|c| files::parse_candidate_arg(c)).collect::<Result<Vec<_>, _>>()?;
            files::check_candidate_total(&rows, "--candidate")?;
            (rows, "--candidate".to_string())
        }
    };
    Ok((rows, source))
}

/// The result file: everything `verify` needs, and everything a proposal quotes.
#[derive(Serialize, Deserialize)]
pub(crate) struct ResultFile {
    tool: String,
    version: String,
    status: Status,
    /// The ObjectiveValue with the candidates included (null unless optimal).
    objective: Option<u32>,
    baseline_objective: Option<u32>,
    reduction: Option<i64>,
    verdict: Option<evaluate::Verdict>,
    candidate_nodes: u32,
    curve: Vec<evaluate::CurvePoint>,
    optimal_deployment_size: Option<u32>,
    /// Proven lower bound; `null` when infeasible (there is no value to bound).
    lower_bound: Option<u32>,
    upper_bound: Option<u32>,
    certificate_is_tight: bool,
    certificate: check::Certificate,
    /// When infeasible: the proof, and what it says in words.
    #[serde(default)]
    infeasibility: Option<InfeasibilityOut>,
    allocation: Option<Vec<SubnetAllocation>>,
    candidates: Vec<CandidateRow>,
    settings: ic_topology::inputs::Settings,
    /// Every default that was applied (settings keys left out, the rule set's special limits).
    #[serde(default)]
    defaults_applied: Vec<String>,
    /// Where the candidate nodes went: per subnet that took any, how many.
    #[serde(default)]
    candidate_placements: Vec<String>,
    /// When the curve stops lowering the ObjectiveValue: the limits that bind, the subnets still short.
    #[serde(default)]
    curve_stop: Vec<String>,
    network: NetworkSummary,
    inputs: InputDigests,
    /// The nodes a cordon of the blacklist matches, and why (listed whether or not it is enforced).
    #[serde(default)]
    cordoned: Vec<ic_topology::cordoned::CordonedNode>,
    warnings: Vec<Warning>,
    work: ic_topology::solve::Work,
}

#[derive(Serialize, Deserialize)]
struct InfeasibilityOut {
    /// Multipliers that prove a positive bound under the zero objective
    /// (`check::check_infeasibility_certificate`).
    certificate: check::Certificate,
    /// The constraints with a nonzero multiplier, in words.
    explanation: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct SubnetAllocation {
    subnet_type: String,
    subnet_id: Option<String>,
    synthetic: u32,
    nakamoto: BTreeMap<String, u32>,
    nodes: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct NetworkSummary {
    registry_nodes: usize,
    pipeline_nodes: usize,
    subnets: usize,
    node_classes: usize,
    usable_real_nodes: u32,
    synthetic_nodes: u32,
    excluded: ic_topology::model::Excluded,
}

#[derive(Serialize, Deserialize)]
struct InputDigests {
    source: String,
    files: Vec<InputFile>,
    configuration_sha256: String,
    candidates_sha256: String,
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

fn run_evaluate(a: EvaluateArgs) -> Result<ExitCode, InputError> {
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

fn exit_number(status: Status) -> u8 {
    match status {
        Status::Optimal => 0,
        // A definite answer that is not a number, or bounds only: distinct exit codes.
        Status::Infeasible => 3,
        Status::BudgetExceeded => 4,
    }
}

fn exit_code(status: Status) -> ExitCode {
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
        export::evaluate_as_canister(&inputs, &candidates)
    } else {
        evaluate::evaluate(&inputs, &candidates, Budget { branch_nodes: a.budget })
    };
    let result = ResultFile {
        tool: "topology".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        status: ev.solution.status,
        objective: ev.solution.objective,
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
        candidates,
        cordoned: ic_topology::cordoned::cordoned_nodes(&inputs),
        warnings,
        work: ev.solution.work,
    };
    let switches = cli::switches::lines(&inputs, &model);
    let mut result = result;
    if let (false, Some(allocation)) = (result.candidates.is_empty(), &ev.solution.allocation) {
        result.candidate_placements = ic_topology::explain::candidate_placements(&model, allocation);
        if ev.solution.status == Status::Optimal && result.verdict != Some(evaluate::Verdict::OneForOne) {
            result.curve_stop = ic_topology::explain::curve_stop(&model, allocation);
        }
    }
    (result, model, ev, switches)
}

/// Print one JSON object (pretty, canonical field order).
fn print_json<T: Serialize>(value: &T) {
    println!("{}", serde_json::to_string_pretty(value).expect("results serialise"));
}

fn value(v: Option<u32>) -> String {
    v.map_or("-".into(), |v| v.to_string())
}

fn print_summary(r: &ResultFile, ev: &Evaluation, switches: &[String]) {
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
        println!("  without the candidates: {}", value(r.baseline_objective));
        println!("  with {} candidate node(s): {}", r.candidate_nodes, value(r.objective));
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
        println!("  curve (candidate nodes added -> ObjectiveValue):");
        for line in cli::curve_text::lines(&ev.curve) {
            println!("    {line}");
        }
        println!("  optimal deployment size: {}", value(r.optimal_deployment_size));
        if !r.candidate_placements.is_empty() {
            println!("  where the candidates went (with all of them added):");
            for line in &r.candidate_placements {
                println!("    {line}");
            }
        }
        if !r.curve_stop.is_empty() {
            println!("  why the curve stops:");
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

fn run_proposal_summary(a: ProposalSummaryArgs) -> Result<ExitCode, InputError> {
    let (inputs, _, _) = load_export(&a.inputs)?;
    if a.plan {
        let text = cli::plan::plan_summary(&inputs, &a.subnets, a.registry_version, a.canister_id.as_deref())?;
        print!("{}", text.0);
        eprintln!("sha256 {}", text.1);
        return Ok(ExitCode::SUCCESS);
    }
    let (candidates, source) = read_candidates(a.candidates.as_deref(), &a.candidate)?;
    files::check_candidate_text(&candidates, &source, &inputs)?;
    let (_, evaluation) = export::evaluate_as_canister(&inputs, &candidates);
    let summary = ic_topology::summary::render(&ic_topology::summary::SummaryInput {
        canister_id: a.canister_id.as_deref(),
        candidates: &candidates,
        inputs: &inputs,
        evaluation: &evaluation,
        registry_version: a.registry_version,
        topology_sha256: &digest::topology_digest(&inputs.topology),
        configuration_sha256: &digest::configuration_digest(&inputs),
    });
    print!("{}", summary.text);
    eprintln!("sha256 {}", summary.sha256);
    Ok(ExitCode::SUCCESS)
}

fn run_generate(a: GenerateArgs) -> Result<ExitCode, InputError> {
    let params = GenerateParams { nodes: a.nodes, subnets: a.subnets, seed: a.seed };
    let network = generate::generate(&params).map_err(|e| InputError::new("--nodes/--subnets", e))?;
    let out = a.out.display().to_string();
    std::fs::create_dir_all(&a.out).map_err(|e| InputError::new(&out, format!("cannot create the folder: {e}")))?;
    for (name, text) in [
        ("nodes.csv", network.nodes_csv),
        ("topology.csv", network.topology_csv),
        ("config.json", generate::CONFIG_JSON.to_string()),
    ] {
        let path = a.out.join(name);
        std::fs::write(&path, text)
            .map_err(|e| InputError::new(path.display().to_string(), format!("cannot write: {e}")))?;
    }
    println!(
        "wrote {out}/nodes.csv, {out}/topology.csv and {out}/config.json ({} nodes, {} subnets, seed {})",
        a.nodes, a.subnets, a.seed
    );
    Ok(ExitCode::SUCCESS)
}

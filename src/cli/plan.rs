//! `topology plan`, `topology verify-plan` and `topology verify-proposal`:
//! membership plans (the reference's `minimize_node_swaps`) on the command
//! line, thin over [`ic_topology::plan`].

use clap::Args;
use ic_topology::digest;
use ic_topology::files::InputFile;
use ic_topology::inputs::{Inputs, Warning};
use ic_topology::plan::check::{Counts, PlanCertificate};
use ic_topology::plan::sequence::{self, Sequence};
use ic_topology::plan::verify_proposal::{self, Payload};
use ic_topology::plan::{self, output, NodeChange};
use ic_topology::solve::{Budget, Status, Work};
use ic_topology::InputError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct PlanArgs {
    /// A configuration JSON with the reference tool's keys (its `mode` may be
    /// `minimize_node_swaps`); without it, the default network.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The canister's export (the bytes of `export_snapshot`, pages joined),
    /// planned with the canister's budget, bit for bit as the canister does.
    #[arg(long, conflicts_with_all = ["config", "budget"])]
    pub inputs: Option<PathBuf>,
    /// Show this subnet's part of the optimal network plan (by id): its
    /// proposal, the step it runs at and the steps it must follow; may be
    /// repeated. Each such part is on an optimal path (`verify-proposal`
    /// accepts it).
    #[arg(long = "subnet", conflicts_with = "only_subnets")]
    pub subnets: Vec<String>,
    /// Change only this subnet (by id), every other keeping its members; may
    /// be repeated. Such a plan is not, in general, part of an optimal plan of
    /// the network: the output says whether it is, and by how much it is not.
    #[arg(long = "only-subnet")]
    pub only_subnets: Vec<String>,
    /// Print one JSON object (the result file `verify-plan` reads).
    #[arg(long)]
    pub json: bool,
    /// Write the reference's `subnet_node_changes` JSON here.
    #[arg(long)]
    pub changes_out: Option<PathBuf>,
    /// Write the ordered `ChangeSubnetMembership` proposals (payloads and summaries) here, as JSON.
    #[arg(long)]
    pub proposals_out: Option<PathBuf>,
    /// Write the nodes CSV of the network after the plan here (the reference's `what_if`).
    #[arg(long)]
    pub what_if_out: Option<PathBuf>,
    /// Also write the plan's chart (SVG: nodes kept, arriving and leaving per
    /// subnet, the reference's `subnet_change_summary`) into this folder.
    #[arg(long)]
    pub charts: Option<PathBuf>,
    /// Work budget: branch-and-bound nodes.
    #[arg(long, default_value_t = Budget::default().branch_nodes, value_parser = clap::value_parser!(u64).range(1..))]
    pub budget: u64,
}

#[derive(Args)]
pub struct VerifyPlanArgs {
    /// The result file (output of `plan --json`).
    pub result: PathBuf,
    /// The configuration the plan was computed from.
    #[arg(long, required_unless_present = "inputs")]
    pub config: Option<PathBuf>,
    /// The canister export the plan was computed from (instead of --config).
    #[arg(long, conflicts_with = "config")]
    pub inputs: Option<PathBuf>,
}

#[derive(Args)]
pub struct VerifyProposalArgs {
    /// The configuration (current membership from its nodes file).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The canister export (instead of --config).
    #[arg(long, conflicts_with = "config")]
    pub inputs: Option<PathBuf>,
    /// The payload as the NNS dashboard shows it (JSON: `{"subnet_id": "...", "node_ids_add": [...], "node_ids_remove": [...]}`),
    /// as Candid text (`(record { subnet_id = principal "..."; node_ids_add = vec { ... }; node_ids_remove = vec { ... } })`),
    /// or a file holding either.
    #[arg(long, conflicts_with = "subnet_id")]
    pub payload: Option<String>,
    /// The subnet (instead of --payload).
    #[arg(long, requires = "subnet_id")]
    pub subnet_id: Option<String>,
    /// A node the proposal adds (with --subnet-id); may be repeated.
    #[arg(long)]
    pub add: Vec<String>,
    /// A node the proposal removes (with --subnet-id); may be repeated.
    #[arg(long)]
    pub remove: Vec<String>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Work budget: branch-and-bound nodes per solve.
    #[arg(long, default_value_t = Budget::default().branch_nodes, value_parser = clap::value_parser!(u64).range(1..))]
    pub budget: u64,
}

/// The plan result file: everything `verify-plan` needs and a healer submits.
#[derive(Serialize, Deserialize)]
pub struct PlanFile {
    pub tool: String,
    pub version: String,
    pub mode: String,
    pub status: Status,
    /// The optimal cost (null unless optimal).
    pub cost: Option<u64>,
    pub counts: Option<Counts>,
    pub lower_bound: u64,
    pub upper_bound: Option<u64>,
    pub certificate_is_tight: bool,
    pub certificate: PlanCertificate,
    /// Subnet ids the plan was limited to (`--only-subnet`; empty: any).
    pub subnets: Vec<String>,
    /// The subnets shown (`--subnet`): each one's part of the optimal plan.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<SubnetPart>,
    /// With `--only-subnet`: how far each of the limited plan's changes is
    /// from an optimal plan of the whole network.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub off_optimal: Vec<OffOptimal>,
    pub changes: Vec<NodeChange>,
    pub proposals: Sequence,
    pub settings: ic_topology::inputs::Settings,
    pub inputs: Digests,
    pub warnings: Vec<Warning>,
    /// Why no plan exists, when the topology cannot be filled at all (as `evaluate` says it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub infeasible_because: Vec<String>,
    pub work: Work,
}

/// One subnet's part of the optimal plan.
#[derive(Serialize, Deserialize)]
pub struct SubnetPart {
    /// The subnet.
    pub subnet_id: String,
    /// Its membership change, if the plan changes it and the registry has it.
    pub proposal: Option<sequence::MembershipProposal>,
    /// Its creation, if the registry does not have it yet.
    pub new_subnet: Option<sequence::NewSubnet>,
    /// The steps (of the whole plan) that must be executed before it, with
    /// the subnets they change.
    pub after: Vec<(u32, String)>,
}

/// How far one change of a limited plan is from an optimal network plan.
#[derive(Serialize, Deserialize)]
pub struct OffOptimal {
    /// The subnet.
    pub subnet_id: String,
    /// The optimum of the whole network.
    pub network_optimum: Option<u64>,
    /// The cheapest network plan that contains this change.
    pub with_change: Option<u64>,
    /// Whether that is the optimum (`None`: undecided within the budget).
    pub on_optimal_path: Option<bool>,
    /// How much more it costs (`None` when undecided or no plan contains it).
    pub excess_cost: Option<u64>,
}

#[derive(Serialize, Deserialize)]
pub struct Digests {
    pub source: String,
    pub files: Vec<InputFile>,
    pub configuration_sha256: String,
}

fn budget_for(args_budget: u64, export: bool) -> Budget {
    if export {
        ic_topology::canister_profile::CANISTER_BUDGET
    } else {
        Budget { branch_nodes: args_budget }
    }
}

fn exit_for(status: Status) -> ExitCode {
    match status {
        Status::Optimal => ExitCode::SUCCESS,
        Status::Infeasible => ExitCode::from(3),
        Status::BudgetExceeded => ExitCode::from(4),
    }
}

fn write_file(path: &Path, text: &str) -> Result<(), InputError> {
    std::fs::write(path, text).map_err(|e| InputError::new(path.display().to_string(), format!("cannot write: {e}")))
}

pub fn run_plan(a: PlanArgs) -> Result<ExitCode, InputError> {
    let (inputs, files, source) = super::load::load(a.config.as_deref(), a.inputs.as_deref())?;
    let budget = budget_for(a.budget, a.inputs.is_some());
    for id in &a.subnets {
        if !inputs.topology.iter().any(|s| s.subnet_id.as_deref() == Some(id.as_str())) {
            return Err(InputError::new("--subnet", format!("{id}: the topology has no subnet of that id")));
        }
    }
    let (pm, plan) = plan::plan(&inputs, &a.only_subnets, budget).map_err(|e| InputError::new("--only-subnet", e))?;
    let seq = sequence::sequence(&pm, &plan);
    let mut warnings = inputs.warnings.clone();
    warnings.extend(plan.warnings.iter().cloned());
    if let Some(path) = &a.changes_out {
        write_file(path, &output::reference_changes_json(&output::subnet_changes(&inputs, &pm, &plan)))?;
    }
    if let Some(dir) = &a.charts {
        // Only a plan that was found has changes to draw.
        if plan.counts.is_some() {
            let rows = ic_topology::charts::plan_changes(&pm, &output::subnet_changes(&inputs, &pm, &plan));
            for path in ic_topology::charts::write_all(dir, &ic_topology::charts::plan_charts(&rows))? {
                eprintln!("wrote {}", path.display());
            }
        } else {
            eprintln!("no plan was found: no chart written to {}", dir.display());
        }
    }
    let parts: Vec<SubnetPart> = a.subnets.iter().map(|id| subnet_part(&seq, id)).collect();
    if let Some(path) = &a.proposals_out {
        // With --subnet, only those subnets' steps (numbered as in the whole plan).
        let written = if a.subnets.is_empty() {
            seq.clone()
        } else {
            Sequence {
                proposals: parts.iter().filter_map(|p| p.proposal.clone()).collect(),
                new_subnets: parts.iter().filter_map(|p| p.new_subnet.clone()).collect(),
                cycles: seq.cycles.clone(),
            }
        };
        write_file(path, &serde_json::to_string_pretty(&written).expect("proposals serialise"))?;
    }
    if let Some(path) = &a.what_if_out {
        write_file(path, &output::what_if_nodes_csv(&inputs, &plan))?;
    }
    // A limited plan: each of its changes judged against the whole network.
    let off_optimal: Vec<OffOptimal> = if a.only_subnets.is_empty() || plan.status != Status::Optimal {
        Vec::new()
    } else {
        let mut known = None;
        let mut out = Vec::new();
        for p in &seq.proposals {
            let payload = Payload {
                subnet_id: p.subnet_id.clone(),
                node_ids_add: p.node_ids_add.clone(),
                node_ids_remove: p.node_ids_remove.clone(),
            };
            // Nodes moved between the limited subnets cannot be judged one change at a time.
            let check = match verify_proposal::verify_proposal(
                &inputs,
                &payload,
                budget,
                known.as_ref(),
                plan::solve::Search::Full,
            ) {
                Ok(c) => c,
                Err(_) => continue,
            };
            known = Some(check.optimal.clone());
            out.push(OffOptimal {
                subnet_id: p.subnet_id.clone(),
                network_optimum: (check.optimal.status == Status::Optimal)
                    .then_some(check.optimal.upper_bound.unwrap_or(0)),
                with_change: (check.with_proposal.status == Status::Optimal)
                    .then_some(check.with_proposal.upper_bound.unwrap_or(0)),
                on_optimal_path: check.on_optimal_path,
                excess_cost: check.excess_cost,
            });
        }
        out
    };
    let file = PlanFile {
        tool: "topology".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        mode: "minimize_node_swaps".into(),
        status: plan.status,
        cost: plan.cost,
        counts: plan.counts,
        lower_bound: plan.lower_bound,
        upper_bound: plan.upper_bound,
        certificate_is_tight: plan.certificate_is_tight,
        certificate: plan.certificate.clone(),
        subnets: a.only_subnets.clone(),
        parts,
        off_optimal,
        changes: plan.changes.clone(),
        proposals: seq,
        settings: inputs.settings,
        inputs: Digests { source, files, configuration_sha256: digest::configuration_digest(&inputs) },
        warnings,
        infeasible_because: plan.infeasible_because.clone(),
        work: plan.work,
    };
    if a.json {
        super::print_json(&file);
    } else {
        let switches = super::switches::lines(&inputs, &ic_topology::model::build(&inputs, &[]));
        print_plan(&file, &switches);
    }
    Ok(exit_for(file.status))
}

/// Subnet `id`'s step in `seq` and the steps it must follow (transitively).
fn subnet_part(seq: &Sequence, id: &str) -> SubnetPart {
    let proposal = seq.proposals.iter().find(|p| p.subnet_id == id).cloned();
    let new_subnet = seq.new_subnets.iter().find(|n| n.subnet_id.as_deref() == Some(id)).cloned();
    let direct = proposal.as_ref().map(|p| p.after.clone()).or(new_subnet.as_ref().map(|n| n.after.clone()));
    let mut need: std::collections::BTreeSet<u32> = direct.unwrap_or_default().into_iter().collect();
    loop {
        let more: Vec<u32> =
            need.iter().filter_map(|&st| step_after(seq, st)).flatten().filter(|st| !need.contains(st)).collect();
        if more.is_empty() {
            break;
        }
        need.extend(more);
    }
    let after = need.into_iter().map(|st| (st, step_name(seq, st))).collect();
    SubnetPart { subnet_id: id.to_string(), proposal, new_subnet, after }
}

fn step_after(seq: &Sequence, step: u32) -> Option<Vec<u32>> {
    seq.proposals
        .iter()
        .find(|p| p.step == step)
        .map(|p| p.after.clone())
        .or_else(|| seq.new_subnets.iter().find(|n| n.step == step).map(|n| n.after.clone()))
}

fn step_name(seq: &Sequence, step: u32) -> String {
    seq.proposals
        .iter()
        .find(|p| p.step == step)
        .map(|p| format!("subnet {}", p.subnet_id))
        .or_else(|| seq.new_subnets.iter().find(|n| n.step == step).map(|n| n.label()))
        .unwrap_or_default()
}

fn print_plan(f: &PlanFile, switches: &[String]) {
    println!("Network: {}", f.inputs.source);
    if !f.subnets.is_empty() {
        println!(
            "  changing only subnet(s): {} (every other subnet keeps its members: not a plan of the whole network)",
            f.subnets.join(", ")
        );
    }
    match f.status {
        Status::Optimal => {
            let c = f.counts.unwrap_or_default();
            println!(
                "Plan cost: {}  (dropped + 3 x moved + newly assigned + 100 x synthetic; proven optimal{})",
                f.cost.unwrap_or(0),
                if f.certificate_is_tight { " by plan and lower-bound certificate" } else { " by branch and bound" }
            );
            println!(
                "  dropped {}, moved {}, newly assigned {} (synthetic {}); {} step(s)",
                c.dropped,
                c.moved,
                c.newly_assigned,
                c.synthetic,
                f.proposals.steps()
            );
        }
        Status::Infeasible => {
            println!("Infeasible: no membership meets the target topology, even with up to 100 synthetic nodes");
            if !f.infeasible_because.is_empty() {
                println!("  why (checked infeasibility certificate: these constraints cannot hold together):");
                for line in &f.infeasible_because {
                    println!("    - {line}");
                }
            }
        }
        Status::BudgetExceeded => println!(
            "Budget exceeded: the cheapest plan costs between {} and {}",
            f.lower_bound,
            f.upper_bound.map_or("-".into(), |v| v.to_string())
        ),
    }
    for o in &f.off_optimal {
        match (o.on_optimal_path, o.excess_cost) {
            (Some(true), _) => println!(
                "  subnet {}'s change is on an optimal path of the whole network (its optimum {})",
                o.subnet_id,
                o.network_optimum.unwrap_or(0)
            ),
            (Some(false), Some(x)) => println!(
                "  NOT on an optimal path: the cheapest plan of the whole network with subnet {}'s change costs {}, \
                 {x} more than the optimum {}",
                o.subnet_id,
                o.with_change.unwrap_or(0),
                o.network_optimum.unwrap_or(0)
            ),
            (Some(false), None) => {
                println!(
                    "  NOT on an optimal path: no plan of the whole network contains subnet {}'s change",
                    o.subnet_id
                )
            }
            _ => println!(
                "  subnet {}'s change: undecided within the budget whether it is on an optimal path",
                o.subnet_id
            ),
        }
    }
    println!("Switches:");
    for line in switches {
        println!("  {line}");
    }
    println!("Inputs: configuration sha256 {}", f.inputs.configuration_sha256);
    for file in &f.inputs.files {
        println!("  {} {} {}", file.sha256, file.role, file.path);
    }
    let labels: std::collections::BTreeMap<&str, String> =
        f.changes.iter().map(|c| (c.node_id.as_str(), c.provider_label())).collect();
    let label = |id: &str| labels.get(id).cloned().unwrap_or_default();
    let print_step = |step: u32| {
        if let Some(p) = f.proposals.proposals.iter().find(|p| p.step == step) {
            let after = after_words(&p.after);
            println!(
                "  Step {}: change subnet {} ({}): add {}, remove {}{after}; summary sha256 {}",
                p.step,
                p.subnet_id,
                p.subnet_type,
                p.node_ids_add.len(),
                p.node_ids_remove.len(),
                p.summary_sha256
            );
            for (id, why) in p.node_ids_remove.iter().zip(&p.why_removed) {
                println!("    - {id} ({}): {why}", label(id));
            }
            for (id, why) in p.node_ids_add.iter().zip(&p.why_added) {
                println!("    + {id} ({}): {why}", label(id));
            }
        }
        if let Some(n) = f.proposals.new_subnets.iter().find(|n| n.step == step) {
            println!(
                "  Step {}: create {} ({}) with {} node(s) (CreateSubnet; no membership change can name it){}; \
                 summary sha256 {}",
                n.step,
                n.label(),
                n.subnet_type,
                n.node_ids.len(),
                after_words(&n.after),
                n.summary_sha256
            );
            for (id, why) in n.node_ids.iter().zip(&n.why) {
                println!("    + {id} ({}): {why}", label(id));
            }
        }
    };
    let steps = f.proposals.steps() as u32;
    if f.parts.is_empty() {
        if steps > 0 {
            println!();
            println!("Steps, in the order they can run (one proposal each):");
            for step in 1..=steps {
                print_step(step);
            }
        }
    } else {
        for part in &f.parts {
            println!();
            let step = part.proposal.as_ref().map(|p| p.step).or(part.new_subnet.as_ref().map(|n| n.step));
            match step {
                None => println!("Subnet {}: the optimal plan makes no change to it", part.subnet_id),
                Some(step) => {
                    println!("Subnet {}'s part of this optimal plan: step {step} of {steps}", part.subnet_id);
                    if part.after.is_empty() {
                        println!("  it can run now: it takes no node another step frees");
                    } else {
                        let names: Vec<String> = part.after.iter().map(|(s, n)| format!("{s} ({n})")).collect();
                        println!("  run it after step(s) {}", names.join(", "));
                    }
                    print_step(step);
                }
            }
        }
    }
    for cycle in &f.proposals.cycles {
        println!("  cycle of moves (needs a free node to execute): {}", cycle.join(", "));
    }
    if !f.warnings.is_empty() {
        println!();
        println!("Warnings ({}):", f.warnings.len());
        for w in &f.warnings {
            println!("  warning: {}", w.message);
        }
    }
}

fn after_words(after: &[u32]) -> String {
    if after.is_empty() {
        String::new()
    } else {
        format!(" (after step {})", after.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "))
    }
}

/// Re-check a plan result against its inputs.
pub fn run_verify_plan(a: VerifyPlanArgs) -> Result<ExitCode, InputError> {
    let text = std::fs::read_to_string(&a.result)
        .map_err(|e| InputError::new(a.result.display().to_string(), format!("cannot read: {e}")))?;
    let file: PlanFile = serde_json::from_str(&text)
        .map_err(|e| InputError::new(a.result.display().to_string(), format!("not a plan result: {e}")))?;
    let (_, defaults) = super::defaults::default_inputs()?;
    let source = a.result.display().to_string();
    super::verify_inputs::check(
        "verify-plan",
        &source,
        &file.inputs.files,
        a.config.as_deref(),
        a.inputs.as_deref(),
        &defaults,
    )?;
    let (inputs, files, _) = super::load::load(a.config.as_deref(), a.inputs.as_deref())?;
    match verify_plan_file(&inputs, &files, &file) {
        Ok(message) => {
            println!("verified: {message}");
            Ok(ExitCode::SUCCESS)
        }
        Err(reason) => {
            println!("rejected: {reason}");
            Ok(ExitCode::from(1))
        }
    }
}

/// Every claim of a plan file, checked against the inputs.
pub fn verify_plan_file(inputs: &Inputs, files: &[InputFile], f: &PlanFile) -> Result<String, String> {
    for claimed in &f.inputs.files {
        match files.iter().find(|x| x.role == claimed.role) {
            Some(x) if x.sha256 == claimed.sha256 => {}
            Some(_) => return Err(format!("{} differs from the one the plan was computed from", claimed.role)),
            None => return Err(format!("the plan was computed with a {} these inputs lack", claimed.role)),
        }
    }
    if digest::configuration_digest(inputs) != f.inputs.configuration_sha256 {
        return Err("the normalised configuration differs from the one the plan was computed from".into());
    }
    let claim = plan::verify::PlanClaim {
        status: f.status,
        cost: f.cost,
        counts: f.counts,
        lower_bound: f.lower_bound,
        upper_bound: f.upper_bound,
        certificate: f.certificate.clone(),
        certificate_is_tight: f.certificate_is_tight,
        changes: f.changes.clone(),
    };
    let verified = plan::verify::verify_plan(inputs, &f.subnets, &claim).map_err(|r| r.to_string())?;
    let seq_check = plan::verify::check_sequence(inputs, &f.subnets, &f.changes, &f.proposals);
    seq_check?;
    Ok(verified)
}

/// The payload as the NNS dashboard shows it (JSON, starting with `{`) or as
/// Candid text (`(record { ... })`).
fn parse_payload(text: &str) -> Result<Payload, String> {
    if text.trim_start().starts_with('{') {
        Payload::from_json(text)
    } else {
        plan::verify::parse_payload_candid(text)
    }
}

pub fn run_verify_proposal(a: VerifyProposalArgs) -> Result<ExitCode, InputError> {
    let (inputs, _, _) = super::load::load(a.config.as_deref(), a.inputs.as_deref())?;
    let payload = match (&a.payload, &a.subnet_id) {
        (Some(p), _) => {
            let text = if Path::new(p).is_file() {
                std::fs::read_to_string(p).map_err(|e| InputError::new(p, format!("cannot read: {e}")))?
            } else {
                p.clone()
            };
            parse_payload(&text).map_err(|e| InputError::new("--payload", e))?
        }
        (None, Some(id)) => {
            Payload { subnet_id: id.clone(), node_ids_add: a.add.clone(), node_ids_remove: a.remove.clone() }
        }
        (None, None) => {
            return Err(InputError::new("arguments", "give --payload, or --subnet-id with --add and --remove"))
        }
    };
    let budget = budget_for(a.budget, a.inputs.is_some());
    let check = verify_proposal::verify_proposal(&inputs, &payload, budget, None, plan::solve::Search::Full)
        .map_err(|e| InputError::new("--payload", e))?;
    if a.json {
        super::print_json(&check);
    } else {
        println!("Proposal: change the membership of {} ({})", payload.subnet_id, check.subnet_type);
        println!("  adds {}, removes {}", payload.node_ids_add.len(), payload.node_ids_remove.len());
        match (check.on_optimal_path, check.excess_cost) {
            (Some(false), _) if !check.breaks.is_empty() => {
                println!("Not on any plan: no plan that meets the rules contains this change, because it breaks:");
                for rule in &check.breaks {
                    println!("  - {rule}");
                }
            }
            (Some(true), _) => println!(
                "On an optimal path: the cheapest plan that includes it costs {}, the optimum",
                check.with_proposal.upper_bound.unwrap_or(0)
            ),
            (Some(false), Some(x)) => println!(
                "Not optimal: the cheapest plan that includes it costs {}, {x} more than the optimum {}",
                check.with_proposal.upper_bound.unwrap_or(0),
                check.optimal.upper_bound.unwrap_or(0)
            ),
            _ => println!(
                "Undecided: the optimum is {} and with the proposal {} (bounds {}..{} and {}..{})",
                serde_json::to_string(&check.optimal.status).unwrap_or_default().trim_matches('"'),
                serde_json::to_string(&check.with_proposal.status).unwrap_or_default().trim_matches('"'),
                check.optimal.lower_bound,
                check.optimal.upper_bound.map_or("?".into(), |u| u.to_string()),
                check.with_proposal.lower_bound,
                check.with_proposal.upper_bound.map_or("?".into(), |u| u.to_string())
            ),
        }
        for (name, st) in [("before", &check.before), ("after", &check.after)] {
            let nak: Vec<String> = ic_topology::inputs::Attribute::ALL
                .iter()
                .map(|at| format!("{} {}", at.name(), st.nakamoto[at.index()]))
                .collect();
            println!("  {name}: {} nodes; Nakamoto {}", st.nodes, nak.join(", "));
            for b in &st.broken_limits {
                println!("    breaks {} {:?}: {} nodes, limit {}", b.attribute.name(), b.value, b.count, b.limit);
            }
        }
    }
    Ok(match check.on_optimal_path {
        Some(true) => ExitCode::SUCCESS,
        Some(false) => ExitCode::from(1),
        None => ExitCode::from(4),
    })
}

/// `verify-certificate` for a published plan: the certificate against the
/// root key, the witness against the certified data, the plan's bytes against
/// the witness's leaf at `published/<key>`.
pub fn verify_certified_plan(
    source: &str,
    reply: ic_topology::api::Result<ic_topology::api::CertifiedPlan>,
    canister_id: &str,
    root_key: Option<&str>,
) -> Result<ExitCode, InputError> {
    use ic_topology::certification;
    let Ok(reply) = reply else {
        return Err(InputError::new(source, "the reply is an error, not a published plan"));
    };
    let canister = candid::Principal::from_text(canister_id)
        .map_err(|e| InputError::new("--canister-id", format!("not a principal: {e}")))?;
    let root_key = certification::from_hex(root_key.unwrap_or(certification::IC_ROOT_KEY_DER_HEX))
        .ok_or_else(|| InputError::new("--root-key", "not hexadecimal"))?;
    let Some(certificate) = &reply.certificate else {
        return Err(InputError::new(source, "the reply has no certificate: call get_published_plan as a query"));
    };
    match certification::verify_published(
        &reply.key,
        &reply.plan_candid,
        certificate,
        &reply.witness,
        canister.as_slice(),
        &root_key,
    ) {
        Ok(certified) => {
            let plan: ic_topology::api::MembershipPlan = candid::decode_one(&reply.plan_candid)
                .map_err(|e| InputError::new(source, format!("the certified bytes are not a plan: {e}")))?;
            println!(
                "certified: canister {} published plan {} (certificate time {} ns)",
                canister.to_text(),
                reply.key,
                certified.time_nanos
            );
            let c = plan.counts.unwrap_or_default();
            println!(
                "  cost {} (dropped {}, moved {}, newly assigned {}, synthetic {}); {} proposal(s)",
                plan.cost.map_or("-".into(), |v| v.to_string()),
                c.dropped,
                c.moved,
                c.newly_assigned,
                c.synthetic,
                plan.proposals.len()
            );
            println!(
                "  registry version {}, topology sha256 {}, configuration sha256 {}",
                plan.registry_version, plan.topology_sha256, plan.configuration_sha256
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("rejected: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// The plan form of `proposal-summary`: the text the canister's `proposal_summary` renders for a plan.
pub fn plan_summary(
    inputs: &Inputs,
    subnets: &[String],
    registry_version: u64,
    canister_id: Option<&str>,
) -> Result<(String, String), InputError> {
    let (pm, plan) = plan::plan(inputs, subnets, ic_topology::canister_profile::CANISTER_BUDGET)
        .map_err(|e| InputError::new("--only-subnet", e))?;
    let sequence = sequence::sequence(&pm, &plan);
    Ok(plan::summary::render(&plan::summary::PlanSummaryInput {
        canister_id,
        subnets,
        plan: &plan,
        sequence: &sequence,
        registry_version,
        topology_sha256: &digest::topology_digest(&inputs.topology),
        configuration_sha256: &digest::configuration_digest(inputs),
    }))
}

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

use clap::{Parser, Subcommand};
use cli::evaluate::EvaluateArgs;
use cli::export::ExportArgs;
use cli::generate::GenerateArgs;
use cli::proposal::{ProposalArgs, ProposalSummaryArgs};
use cli::verify::{VerifyArgs, VerifyCertificateArgs};
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
    /// Which network that ships with topology to read when no --config or
    /// --inputs is given (`topology networks` lists them; default in-force).
    #[arg(long, global = true, value_name = "NAME")]
    network: Option<String>,
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
    /// List the networks that ship with topology, for --network NAME.
    Networks,
    /// Download today's node list from the public IC API (GET /api/v3/nodes,
    /// as the reference tool's ic_topology does) into a nodes CSV.
    #[command(after_help = cli::help::EXIT_CODES)]
    Fetch(cli::fetch::FetchArgs),
    /// Render a proposal verdict (a `get_proposal_verdict` or
    /// `list_proposal_verdicts` reply, or a verdict's Candid bytes) as text.
    #[command(after_help = cli::help::EXIT_CODES)]
    Proposal(ProposalArgs),
}

fn main() -> ExitCode {
    cli::pipe::quiet_on_closed_pipe();
    let cli = Cli::parse();
    match cli.network.as_deref() {
        Some("help") => {
            println!("{}", cli::defaults::listing());
            return ExitCode::SUCCESS;
        }
        Some(name) => {
            if let Err(e) = cli::defaults::select(name) {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
        None => {}
    }
    let result = match cli.command {
        Command::Networks => {
            println!("{}", cli::defaults::listing());
            Ok(ExitCode::SUCCESS)
        }
        Command::Fetch(a) => cli::fetch::run_fetch(a),
        Command::Evaluate(a) => cli::evaluate::run_evaluate(a),
        Command::Verify(a) => cli::verify::run_verify(a),
        Command::Generate(a) => cli::generate::run_generate(a),
        Command::VerifyCertificate(a) => cli::verify::run_verify_certificate(a),
        Command::ProposalSummary(a) => cli::proposal::run_proposal_summary(a),
        Command::Plan(a) => cli::plan::run_plan(a),
        Command::VerifyPlan(a) => cli::plan::run_verify_plan(a),
        Command::VerifyProposal(a) => cli::plan::run_verify_proposal(a),
        Command::Placements(a) => cli::placements::run_placements(a),
        Command::NodeValue(a) => cli::placements::run_node_value(a),
        Command::Export(a) => cli::export::run_export(a),
        Command::Proposal(a) => cli::proposal::run_proposal(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

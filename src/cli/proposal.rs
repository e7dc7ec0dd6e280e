//! The `topology` commands on proposals: `proposal-summary` renders the text a
//! node-operator proposal quotes; `proposal --id N` renders a verdict read
//! from a file (a `get_proposal_verdict` or `list_proposal_verdicts` reply, or
//! a verdict's Candid bytes; hex as `dfx ... --output raw` prints it, or raw
//! bytes); `verify-certificate` on a `get_proposal_verdict` reply checks it.

use super::load::{load_export, load_for, read_candidates};
use clap::Args;
use ic_topology::api;
use ic_topology::canister_profile;
use ic_topology::certification;
use ic_topology::digest;
use ic_topology::evaluate;
use ic_topology::files;
use ic_topology::proposals::render;
use ic_topology::solve::{Budget, Status};
use ic_topology::summary::{Origin, SourceFile};
use ic_topology::InputError;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The arguments of `topology proposal`.
#[derive(Args)]
pub(crate) struct ProposalArgs {
    /// The proposal id.
    #[arg(long)]
    id: u64,
    /// The file holding the verdict (hex as `--output raw` prints it, or raw bytes).
    verdict: PathBuf,
}

/// The arguments of `topology proposal-summary`.
#[derive(Args)]
pub(crate) struct ProposalSummaryArgs {
    /// A configuration JSON with the reference tool's keys; without it (and
    /// without --inputs), the default network that ships with the project.
    #[arg(long, conflicts_with = "inputs")]
    config: Option<PathBuf>,
    /// The canister's export (the bytes of `export_snapshot`), evaluated as the canister does.
    #[arg(long)]
    inputs: Option<PathBuf>,
    /// With --inputs: the registry version of the export (`export_snapshot`
    /// reports it); the text is then the canister's own `proposal_summary`.
    #[arg(long, requires = "inputs")]
    registry_version: Option<u64>,
    /// With --registry-version: the canister to name in the `dfx` command.
    #[arg(long, requires = "registry_version")]
    canister_id: Option<String>,
    /// Also write the analysis as a PDF (the summary, the curve, the
    /// allocation, the configuration and digests); its sha256 goes to stderr.
    #[arg(long, value_name = "FILE")]
    pdf: Option<PathBuf>,
    /// A CSV of candidate rows: node_provider,data_center,data_center_provider,country,is_sev,no_nodes.
    #[arg(long, conflicts_with = "candidate")]
    candidates: Option<PathBuf>,
    /// One candidate row, "provider,dc,dc provider,CC,true,N"; may be repeated.
    #[arg(long)]
    candidate: Vec<String>,
    /// The plan form: the text of the membership plan (`proposal_summary` with
    /// `plan`); needs --inputs and --registry-version.
    #[arg(long, conflicts_with_all = ["candidates", "candidate", "pdf"], requires = "registry_version")]
    plan: bool,
    /// With --plan: a subnet id the plan may change; may be repeated (default: any).
    #[arg(long = "subnet", requires = "plan")]
    subnets: Vec<String>,
}

/// Print the proposal text and its sha256 (on stderr), and write the PDF if asked.
pub(crate) fn run_proposal_summary(a: ProposalSummaryArgs) -> Result<ExitCode, InputError> {
    if a.plan {
        let (Some(path), Some(version)) = (a.inputs.as_deref(), a.registry_version) else {
            return Err(InputError::new("--plan", "the plan form needs --inputs and --registry-version"));
        };
        let (inputs, _, _) = load_export(path)?;
        let text = super::plan::plan_summary(&inputs, &a.subnets, version, a.canister_id.as_deref())?;
        print!("{}", text.0);
        eprintln!("sha256 {}", text.1);
        return Ok(ExitCode::SUCCESS);
    }
    let (inputs, input_files, source, _) =
        load_for(a.config.as_deref(), a.inputs.as_deref(), Some(files::Mode::MinimizeNewNodes))?;
    let (candidates, candidates_source) = read_candidates(a.candidates.as_deref(), &a.candidate)?;
    files::check_candidate_text(&candidates, &candidates_source, &inputs)?;
    // An export is evaluated as the canister evaluates it; a configuration as `evaluate --config` does.
    let (model, evaluation) = if a.inputs.is_some() {
        canister_profile::evaluate_as_canister(&inputs, &candidates)
    } else {
        evaluate::evaluate(&inputs, &candidates, Budget::default())
    };
    let export_path = a.inputs.as_ref().map(|p| p.display().to_string());
    let config_path = a.config.as_ref().map(|p| p.display().to_string());
    let sources: Vec<SourceFile> =
        input_files.iter().map(|f| SourceFile { role: &f.role, path: &f.path, sha256: &f.sha256 }).collect();
    let origin = match (a.registry_version, &export_path) {
        (Some(version), _) => Origin::Registry(version),
        (None, Some(path)) => Origin::Export { path },
        (None, None) => Origin::Configuration {
            path: config_path.as_deref(),
            network: super::defaults::selected_by_name().then(|| super::defaults::selected().name),
            name: &source,
            files: &sources,
        },
    };
    // An export is canonical: the digest of its records is the sha256 of its bytes.
    let configuration_sha256 = digest::configuration_digest(&inputs);
    // The canister's own text has no notes (it keeps its bytes); the others explain the curve.
    let notes = match origin {
        Origin::Registry(_) => None,
        _ => {
            let stop = match (&evaluation.solution.allocation, evaluation.solution.status) {
                (Some(allocation), Status::Optimal) if evaluation.verdict != Some(evaluate::Verdict::OneForOne) => {
                    ic_topology::explain::curve_stop(&model, allocation)
                }
                _ => vec![],
            };
            Some(ic_topology::curve_notes::explain(&inputs, &candidates, &evaluation, &model, &stop))
        }
    };
    let summary = ic_topology::summary::render(&ic_topology::summary::SummaryInput {
        canister_id: a.canister_id.as_deref(),
        candidates: &candidates,
        inputs: &inputs,
        evaluation: &evaluation,
        origin,
        curve_notes: notes.as_ref(),
        topology_sha256: &digest::topology_digest(&inputs.topology),
        configuration_sha256: &configuration_sha256,
    });
    print!("{}", summary.text);
    eprintln!("sha256 {}", summary.sha256);
    if let Some(path) = &a.pdf {
        let mut lines = Vec::new();
        if let Some(notes) = &notes {
            for rise in &notes.rises {
                lines.push(format!("Rises at {} node(s) ({} -> {}): {}", rise.nodes, rise.from, rise.to, rise.reason));
            }
            if let Some(stop) = &notes.stop {
                lines.push(format!("Why the curve stops: {}", stop.reason));
            }
        }
        let bytes = super::pdf::render(&summary.text, &model, &evaluation, &lines);
        write_atomically(path, &bytes)?;
        eprintln!("wrote {} ({} bytes, sha256 {})", path.display(), bytes.len(), digest::sha256_hex(&bytes));
    }
    Ok(ExitCode::SUCCESS)
}

/// Write `bytes` to `path` through a temporary file beside it, so that a
/// reader never sees half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), InputError> {
    let source = path.display().to_string();
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(|e| InputError::new(&source, format!("cannot write: {e}")))?;
    std::fs::rename(&tmp, path).map_err(|e| InputError::new(&source, format!("cannot write: {e}")))
}

/// The bytes of a reply file: hex if it reads as hex, else the bytes themselves.
pub(crate) fn reply_bytes(path: &Path) -> Result<Vec<u8>, InputError> {
    let source = path.display().to_string();
    let raw = std::fs::read(path).map_err(|e| InputError::new(&source, format!("cannot read the reply: {e}")))?;
    Ok(std::str::from_utf8(&raw).ok().map(str::trim).and_then(certification::from_hex).unwrap_or(raw))
}

/// `verify-certificate` on a `get_proposal_verdict` reply; `None` when the bytes are no such reply.
pub(crate) fn verify_verdict_reply(
    bytes: &[u8],
    source: &str,
    canister_id: &str,
    root_key: Option<&str>,
    verdict_out: Option<&Path>,
) -> Option<Result<ExitCode, InputError>> {
    let reply: api::Result<api::CertifiedProposalVerdict> = candid::decode_one(bytes).ok()?;
    Some(verify(reply, source, canister_id, root_key, verdict_out))
}

fn verify(
    reply: api::Result<api::CertifiedProposalVerdict>,
    source: &str,
    canister_id: &str,
    root_key: Option<&str>,
    verdict_out: Option<&Path>,
) -> Result<ExitCode, InputError> {
    let reply = reply.map_err(|e| InputError::new(source, format!("the reply is an error: {e:?}")))?;
    let canister = candid::Principal::from_text(canister_id)
        .map_err(|e| InputError::new("--canister-id", format!("not a principal: {e}")))?;
    let root_key = certification::from_hex(root_key.unwrap_or(certification::IC_ROOT_KEY_DER_HEX))
        .ok_or_else(|| InputError::new("--root-key", "not hexadecimal"))?;
    let Some(certificate) = &reply.certificate else {
        return Err(InputError::new(
            source,
            "the reply has no certificate: call get_proposal_verdict as a query (dfx canister call --query)",
        ));
    };
    let id = reply.verdict.proposal_id;
    match certification::verify_proposal_verdict(
        id,
        &reply.verdict_candid,
        certificate,
        &reply.witness,
        canister.as_slice(),
        &root_key,
    ) {
        Ok(certified) => {
            let verdict: api::ProposalVerdict = candid::decode_one(&reply.verdict_candid)
                .map_err(|e| InputError::new(source, format!("the certified bytes are not a ProposalVerdict: {e}")))?;
            if verdict.proposal_id != id {
                return Err(InputError::new(source, "the certified verdict is of another proposal"));
            }
            if let Some(path) = verdict_out {
                std::fs::write(path, &reply.verdict_candid)
                    .map_err(|e| InputError::new(path.display().to_string(), format!("cannot write: {e}")))?;
            }
            println!(
                "certified: canister {} verdict on proposal {id} (certificate time {} ns)",
                canister.to_text(),
                certified.time_nanos
            );
            print!("{}", render::render(&verdict));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("rejected: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// The verdict on proposal `id` in the file's bytes.
pub(crate) fn verdict_in(bytes: &[u8], id: u64, source: &str) -> Result<api::ProposalVerdict, InputError> {
    let found = if let Ok(r) = candid::decode_one::<api::Result<api::CertifiedProposalVerdict>>(bytes) {
        let r = r.map_err(|e| InputError::new(source, format!("the reply is an error: {e:?}")))?;
        vec![candid::decode_one::<api::ProposalVerdict>(&r.verdict_candid).unwrap_or(r.verdict)]
    } else if let Ok(r) = candid::decode_one::<api::Result<api::ProposalVerdictPage>>(bytes) {
        r.map_err(|e| InputError::new(source, format!("the reply is an error: {e:?}")))?.verdicts
    } else if let Ok(v) = candid::decode_one::<api::ProposalVerdict>(bytes) {
        vec![v]
    } else {
        return Err(InputError::new(
            source,
            "neither a get_proposal_verdict nor a list_proposal_verdicts reply, nor a ProposalVerdict (Candid)",
        ));
    };
    found
        .into_iter()
        .find(|v| v.proposal_id == id)
        .ok_or_else(|| InputError::new(source, format!("holds no verdict on proposal {id}")))
}

/// `topology proposal --id N FILE`: the verdict as text.
pub(crate) fn run_proposal(a: ProposalArgs) -> Result<ExitCode, InputError> {
    let bytes = reply_bytes(&a.verdict)?;
    let verdict = verdict_in(&bytes, a.id, &a.verdict.display().to_string())?;
    print!("{}", render::render(&verdict));
    Ok(ExitCode::SUCCESS)
}

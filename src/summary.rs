//! The proposal summary: the text a node-operator proposal quotes, and its digest.
//!
//! A proposal that adds node machines must tell voters what is planned (how
//! many nodes, whose, where), under which exact configuration, what the
//! ObjectiveValue is before and after, whether the nodes reduce it one for one,
//! and how to reproduce all of it. This module renders that text from an
//! evaluation, deterministically: the canister's `proposal_summary` and
//! `topology proposal-summary` give the same bytes for the same inputs, so the
//! SHA-256 of the text can stand in a proposal where a PDF's hash used to.

use crate::digest;
use crate::evaluate::{Evaluation, Verdict};
use crate::inputs::{CandidateRow, Inputs};
use crate::solve::Status;
use std::fmt::Write;

/// What the summary speaks of.
pub struct SummaryInput<'a> {
    /// The canister that answers (for the `dfx` command); `None` leaves a placeholder.
    pub canister_id: Option<&'a str>,
    /// The candidate rows the proposal plans.
    pub candidates: &'a [CandidateRow],
    /// The inputs they were evaluated on.
    pub inputs: &'a Inputs,
    /// Their evaluation.
    pub evaluation: &'a Evaluation,
    /// Where the inputs come from: the text names them and reproduces the numbers from them.
    pub origin: Origin<'a>,
    /// Why the curve rises and stops, in words (`None` leaves them out: the canister's text).
    pub curve_notes: Option<&'a crate::curve_notes::CurveNotes>,
    /// The SHA-256 of the target topology (its records as canonical JSON).
    pub topology_sha256: &'a str,
    /// The SHA-256 of the configuration (the export).
    pub configuration_sha256: &'a str,
}

/// Where the evaluated inputs come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin<'a> {
    /// The canister's snapshot at this registry version: the canister's own
    /// text (`proposal_summary`), reproduced from its export.
    Registry(u64),
    /// An export file (the bytes of `export_snapshot`) given by its path.
    Export {
        /// The path as given on the command line.
        path: &'a str,
    },
    /// A configuration (or, with `path` `None`, the default network) read from files.
    Configuration {
        /// The configuration file as given on the command line; `None` for the default network.
        path: Option<&'a str>,
        /// Without a configuration file: the named network that was read
        /// (`--network NAME`), if one was named.
        network: Option<&'a str>,
        /// What the inputs are called in the text (the configuration's path, or the default network's name).
        name: &'a str,
        /// Every file read: its role, its path and the SHA-256 of its bytes.
        files: &'a [SourceFile<'a>],
    },
}

/// One input file a configuration read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceFile<'a> {
    /// The configuration key that named it (`nodes_file`, `topology_file`, ...).
    pub role: &'a str,
    /// Its path, as the configuration writes it.
    pub path: &'a str,
    /// The SHA-256 of its bytes, hex.
    pub sha256: &'a str,
}

/// The text and its SHA-256 (lowercase hex of the UTF-8 bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProposalSummary {
    /// The text, as a proposal quotes it.
    pub text: String,
    /// Its SHA-256, hex.
    pub sha256: String,
}

fn value(v: Option<u32>) -> String {
    v.map_or("unknown".into(), |v| v.to_string())
}

fn status_text(status: Status, objective: Option<u32>, lower: u32, upper: Option<u32>) -> String {
    match status {
        Status::Optimal => value(objective),
        Status::Infeasible => "infeasible".into(),
        Status::BudgetExceeded => format!("between {lower} and {} (budget exceeded)", value(upper)),
    }
}

/// A Candid text literal.
fn candid_text(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => write!(out, "\\u{{{:x}}}", c as u32).expect("writing to a String"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Quote for a POSIX shell.
fn shell(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A CSV field as `--candidate` reads it.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The Candid argument of `proposal_summary` for these candidates.
pub fn candid_request(candidates: &[CandidateRow]) -> String {
    let rows: Vec<String> = candidates
        .iter()
        .map(|c| {
            format!(
                "record {{ node_provider = {}; data_center = {}; data_center_provider = {}; country = {}; is_sev = {}; no_nodes = {} : nat32 }}",
                candid_text(&c.node_provider),
                candid_text(&c.data_center),
                candid_text(&c.data_center_provider),
                candid_text(&c.country),
                c.is_sev,
                c.no_nodes
            )
        })
        .collect();
    format!("(record {{ candidates = vec {{ {} }} }})", rows.join("; "))
}

/// The topology digest, saying which bytes it hashes.
fn topology_line(line: &mut impl FnMut(String), sha256: &str) {
    line(format!("- topology sha256 {sha256} (the sha256 of the target topology's subnets as canonical JSON)"));
}

/// The `--candidate` arguments of the command line, quoted for a shell.
fn candidate_args(candidates: &[CandidateRow]) -> String {
    let mut out = String::new();
    for c in candidates {
        let row = [
            csv_field(&c.node_provider),
            csv_field(&c.data_center),
            csv_field(&c.data_center_provider),
            csv_field(&c.country),
            c.is_sev.to_string(),
            c.no_nodes.to_string(),
        ]
        .join(",");
        out.push_str(&format!(" --candidate {}", shell(&row)));
    }
    out
}

/// The inputs and reproduction of the canister's own text (unchanged across
/// releases: a published text keeps its bytes and its hash).
fn registry_inputs(line: &mut impl FnMut(String), s: &SummaryInput, registry_version: u64) {
    line("Inputs:".into());
    line(format!("- registry version {registry_version}"));
    line(format!("- topology sha256 {}", s.topology_sha256));
    line(format!("- configuration sha256 {} (the sha256 of export_snapshot's bytes)", s.configuration_sha256));
    line(String::new());
    line("Reproduce:".into());
    let canister = s.canister_id.unwrap_or("<canister id>");
    line(format!(
        "dfx canister call --ic --query {canister} proposal_summary {}",
        shell(&candid_request(s.candidates))
    ));
    line(format!(
        "topology proposal-summary --inputs export-{registry_version}.json --registry-version {registry_version} --canister-id {canister}{}",
        candidate_args(s.candidates)
    ));
}

/// Render the summary.
pub fn render(s: &SummaryInput) -> ProposalSummary {
    let ev = s.evaluation;
    let settings = &s.inputs.settings;
    let mut t = String::new();
    let mut line = |text: String| {
        t.push_str(&text);
        t.push('\n');
    };
    line("Node-operator proposal: evidence from the target-topology evaluation".into());
    line(String::new());
    line(format!("Planned nodes: {}", ev.candidate_nodes));
    for c in s.candidates {
        line(format!(
            "- {} node(s): node provider {:?}, data center {:?}, data-center provider {:?}, country {:?}, SEV {}",
            c.no_nodes,
            c.node_provider,
            c.data_center,
            c.data_center_provider,
            c.country,
            if c.is_sev { "yes" } else { "no" }
        ));
    }
    line(String::new());
    line("Configuration:".into());
    line(format!("- rules {}", settings.rules.name()));
    line(format!("- synthetic countries {}", settings.synthetic_countries));
    line(format!(
        "- enforce SEV {}, health {}, blacklist {}, per-provider minimum {}",
        settings.enforce_sev,
        settings.enforce_health,
        settings.enforce_blacklist,
        settings.enforce_per_provider_minimum
    ));
    let i = s.inputs;
    line(format!(
        "- {} registry nodes, {} pipeline nodes, {} subnets in the target topology",
        i.nodes.len(),
        i.pipeline.len(),
        i.topology.len()
    ));
    line(format!(
        "- {} SEV providers, {} cordoned features, {} provider clusters",
        i.sev_providers.len(),
        i.cordons.len(),
        i.clusters.len()
    ));
    line(format!(
        "- special limits: {}; country restrictions: {}",
        match &i.special_limits {
            None => "the rule set's default".to_string(),
            Some(l) => format!("{} configured", crate::inputs::special_limits_as_list::to_list(l).len()),
        },
        match &i.country_restrictions {
            None => "the rule set's default".to_string(),
            Some(r) => format!("{} configured", r.len()),
        }
    ));
    line(String::new());
    line("Result:".into());
    let base = ev.curve.first().expect("a curve has its baseline point");
    line(format!(
        "- ObjectiveValue before (without the planned nodes): {}",
        status_text(base.status, base.objective, base.lower_bound, base.upper_bound)
    ));
    let sol = &ev.solution;
    line(format!(
        "- ObjectiveValue after (with all {} planned nodes): {}",
        ev.candidate_nodes,
        status_text(sol.status, sol.objective, sol.lower_bound, sol.upper_bound)
    ));
    line(format!(
        "- reduction {}; verdict: {}",
        ev.reduction.map_or("unknown".into(), |r| r.to_string()),
        match ev.verdict {
            Some(Verdict::OneForOne) => "one for one (every planned node reduces the ObjectiveValue by one)",
            Some(Verdict::Diminishing) => "diminishing (the planned nodes reduce it by less than their number)",
            Some(Verdict::None) => "no reduction",
            None => "unknown",
        }
    ));
    line(format!(
        "- proof: {}",
        if sol.status == Status::Optimal && sol.certificate_is_tight {
            "allocation and a lower-bound certificate that proves it optimal"
        } else if sol.status == Status::Optimal {
            "allocation; optimality by branch and bound"
        } else {
            "bounds only"
        }
    ));
    line("- curve (planned nodes added -> ObjectiveValue):".into());
    for p in &ev.curve {
        line(format!("    {} -> {}", p.nodes, status_text(p.status, p.objective, p.lower_bound, p.upper_bound)));
    }
    line(format!("- optimal deployment size: {}", value(ev.optimal_deployment_size)));
    if let Some(notes) = s.curve_notes {
        for rise in &notes.rises {
            line(format!("- why it rises at {} node(s) ({} -> {}): {}", rise.nodes, rise.from, rise.to, rise.reason));
        }
        if let Some(stop) = &notes.stop {
            line(format!("- why the curve stops: {}", stop.reason));
        }
    }
    line(String::new());
    match s.origin {
        Origin::Registry(version) => registry_inputs(&mut line, s, version),
        Origin::Export { path } => {
            line("Inputs:".into());
            line(format!("- the export file {path}"));
            line(format!("- configuration sha256 {} (the sha256 of the export file's bytes)", s.configuration_sha256));
            topology_line(&mut line, s.topology_sha256);
            line(String::new());
            line("Reproduce (run from the directory the summary was made in):".into());
            line(format!("sha256sum {}", shell(path)));
            line(format!("topology proposal-summary --inputs {}{}", shell(path), candidate_args(s.candidates)));
        }
        Origin::Configuration { path, network, name, files } => {
            line("Inputs:".into());
            line(format!("- {name}"));
            line(format!(
                "- configuration sha256 {} (the sha256 of the records and settings read, as canonical JSON)",
                s.configuration_sha256
            ));
            topology_line(&mut line, s.topology_sha256);
            for f in files {
                line(format!("- {} {} {}", f.sha256, f.role, f.path));
            }
            line(String::new());
            line("Reproduce (run from the directory the summary was made in):".into());
            let config = match (path, network) {
                (Some(p), _) => format!(" --config {}", shell(p)),
                (None, Some(n)) => format!(" --network {}", shell(n)),
                (None, None) => String::new(),
            };
            line(format!("topology evaluate{config}{}", candidate_args(s.candidates)));
            line(format!("topology proposal-summary{config}{}", candidate_args(s.candidates)));
        }
    }
    ProposalSummary { sha256: digest::sha256_hex(t.as_bytes()), text: t }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candid_and_shell_quoting() {
        assert_eq!(candid_text("a\"b\\c\n"), "\"a\\\"b\\\\c\\u{a}\"");
        assert_eq!(shell("it's"), "'it'\\''s'");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}

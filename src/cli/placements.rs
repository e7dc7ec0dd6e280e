//! `topology placements` and `topology node-value`: the placement map and the
//! value of the nodes already there (see `ic_topology::placement`).

use clap::Args;
use ic_topology::digest;
use ic_topology::files::InputFile;
use ic_topology::inputs::CandidateRow;
use ic_topology::model;
use ic_topology::placement::{self, value, CountryOrigin, PlacementPoint, Target};
use ic_topology::solve::{Budget, Status};
use ic_topology::InputError;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct PlacementsArgs {
    /// A configuration JSON with the reference tool's keys; without it, the default network.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The canister's export instead of a configuration.
    #[arg(long, conflicts_with = "config")]
    inputs: Option<PathBuf>,
    /// The map for this existing node provider (its provider and cluster limits bind).
    #[arg(long, conflicts_with = "data_center")]
    provider: Option<String>,
    /// The map for a new provider in this existing data center (its and its owner's limits bind).
    #[arg(long)]
    data_center: Option<String>,
    /// Re-solve every point of every entry on its own and re-check its proof.
    #[arg(long)]
    check: bool,
    /// Write each entry's proof into this folder: per country and SEV or not, the
    /// result file `topology evaluate --candidate <the entry's row>,N+1 --json` writes
    /// (N its deployment size: the curve up to the first node that stops paying,
    /// with its allocation and certificate), which `topology verify` re-checks.
    #[arg(long, value_name = "DIR")]
    proofs: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Work budget: branch-and-bound nodes per solve.
    #[arg(long, default_value_t = Budget::default().branch_nodes, value_parser = clap::value_parser!(u64).range(1..))]
    budget: u64,
}

#[derive(Args)]
pub struct NodeValueArgs {
    /// A configuration JSON with the reference tool's keys; without it, the default network.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The canister's export instead of a configuration.
    #[arg(long, conflicts_with = "config")]
    inputs: Option<PathBuf>,
    /// Print one JSON object (with every allocation and certificate).
    #[arg(long)]
    json: bool,
    /// Work budget: branch-and-bound nodes per solve.
    #[arg(long, default_value_t = Budget::default().branch_nodes, value_parser = clap::value_parser!(u64).range(1..))]
    budget: u64,
}

#[derive(Serialize)]
struct Digests {
    source: String,
    files: Vec<InputFile>,
    configuration_sha256: String,
}

#[derive(Serialize)]
struct Figures {
    status: Status,
    optimal_deployment_size: Option<u32>,
    objective_after: Option<u32>,
    curve: Vec<Option<u32>>,
}

impl From<&PlacementPoint> for Figures {
    fn from(p: &PlacementPoint) -> Figures {
        Figures {
            status: p.status,
            optimal_deployment_size: p.optimal_deployment_size,
            objective_after: p.objective_after,
            curve: p.curve.clone(),
        }
    }
}

#[derive(Serialize)]
struct EntryOut {
    country: String,
    origin: CountryOrigin,
    /// The SEV figures (`is_sev = true`, the seed's default).
    is_sev: bool,
    status: Status,
    optimal_deployment_size: Option<u32>,
    objective_after: Option<u32>,
    curve: Vec<Option<u32>>,
    /// Where the topology cannot be filled: seats left empty per point (the
    /// curve then counts them like nodes of ObjectiveValue).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    shortfall: Vec<Option<u32>>,
    non_sev: Figures,
    sev_changes_it: Option<bool>,
    /// `topology evaluate --candidate` with this row (N nodes) reproduces the SEV curve.
    candidate: String,
}

#[derive(Serialize)]
struct PlacementsOut {
    tool: String,
    version: String,
    target: Target,
    baseline_status: Status,
    baseline_objective: Option<u32>,
    entries: Vec<EntryOut>,
    points_solved: u32,
    full_solves: u32,
    inputs: Digests,
}

fn row_text(c: &CandidateRow, n: &str) -> String {
    format!("{},{},{},{},{},{n}", c.node_provider, c.data_center, c.data_center_provider, c.country, c.is_sev)
}

fn exit(status: Status) -> ExitCode {
    match status {
        Status::Optimal => ExitCode::SUCCESS,
        Status::Infeasible => ExitCode::from(3),
        Status::BudgetExceeded => ExitCode::from(4),
    }
}

pub fn run_placements(a: PlacementsArgs) -> Result<ExitCode, InputError> {
    let (inputs, files, source) = super::load::load(a.config.as_deref(), a.inputs.as_deref())?;
    let target = match (a.provider, a.data_center) {
        (Some(p), _) => Target::Provider(p),
        (None, Some(dc)) => Target::DataCenter(dc),
        (None, None) => Target::NewProvider,
    };
    let budget = Budget { branch_nodes: a.budget };
    let map = placement::placement_map(&inputs, &target, budget)?;
    if a.check {
        for e in &map.entries {
            for p in [&e.sev, &e.non_sev] {
                placement::recheck_point(&inputs, &e.candidate, p, budget).map_err(|why| {
                    InputError::new("--check", format!("{} (SEV {}): rejected: {why}", e.country, p.is_sev))
                })?;
            }
        }
        eprintln!("checked: every point of every entry solved alone, its allocation and certificate re-checked");
    }
    if let Some(dir) = &a.proofs {
        write_proofs(dir, &map, a.config.as_deref(), a.inputs.as_deref(), a.budget)?;
    }
    let status = map.entries.iter().flat_map(|e| [e.sev.status, e.non_sev.status]).max().unwrap_or(map.baseline_status);
    let status = status.max(map.baseline_status);
    let baseline_infeasible = map.baseline_status == Status::Infeasible;
    let out = PlacementsOut {
        tool: "topology placements".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        target: map.target.clone(),
        baseline_status: map.baseline_status,
        baseline_objective: map.baseline_objective,
        entries: map
            .entries
            .iter()
            .map(|e| EntryOut {
                country: e.country.clone(),
                origin: e.origin,
                is_sev: true,
                status: e.sev.status,
                optimal_deployment_size: e.sev.optimal_deployment_size,
                objective_after: e.sev.objective_after,
                curve: e.sev.curve.clone(),
                shortfall: e.sev.shortfall.clone(),
                non_sev: (&e.non_sev).into(),
                sev_changes_it: e.sev_changes_it,
                candidate: row_text(&e.candidate, "N"),
            })
            .collect(),
        points_solved: map.points_solved,
        full_solves: map.full_solves,
        inputs: Digests { source, files, configuration_sha256: digest::configuration_digest(&inputs) },
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&out).expect("results serialise"));
        return Ok(exit(status));
    }
    let v = |x: Option<u32>| x.map_or("-".to_string(), |x| x.to_string());
    println!("Placement map for {}: ObjectiveValue now {}", target_text(&out.target), v(out.baseline_objective));
    if baseline_infeasible {
        let seats = out
            .entries
            .iter()
            .find_map(|e| map.entries.iter().find(|m| m.country == e.country))
            .and_then(|m| m.sev.shortfall.first().copied().flatten());
        match seats {
            // Where the topology cannot be filled: the map of where new nodes lower the shortfall.
            Some(seats) => println!(
                "  the topology cannot be filled, even with every synthetic node: shortfall {seats} seat(s) that only real nodes can fill (`topology evaluate` says which); sizes and values below count a seat of shortfall like one node of ObjectiveValue (seats left empty plus the rest's ObjectiveValue)"
            ),
            None => {
                println!(
                    "  the topology cannot be filled under these inputs, even with every synthetic node, and its shortfall is not known, so no new \
                     node has a value to lower (`topology evaluate` with the same inputs says why)"
                );
                return Ok(exit(status));
            }
        }
    }
    println!(
        "  {:<8} {:<18} {:>10} {:>10}   {:>12} {:>12}",
        "country", "why", "SEV size", "SEV after", "no-SEV size", "no-SEV after"
    );
    for e in &out.entries {
        println!(
            "  {:<8} {:<18} {:>10} {:>10}   {:>12} {:>12}",
            e.country,
            origin_text(&e.origin),
            v(e.optimal_deployment_size),
            v(e.objective_after),
            v(e.non_sev.optimal_deployment_size),
            v(e.non_sev.objective_after)
        );
    }
    println!("  {} points solved, {} needed a full solve", out.points_solved, out.full_solves);
    Ok(exit(status))
}

/// The file name of an entry's proof: its country (letters and digits kept) and SEV or not.
fn proof_name(country: &str, is_sev: bool) -> String {
    let country: String = country.trim().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    format!("{country}-{}.json", if is_sev { "sev" } else { "no-sev" })
}

/// Per entry and SEV or not, the evaluation of its row with one node more
/// than its deployment size, as `topology evaluate --json` writes it. Each
/// must give the entry's size and value after (else the map is wrong and
/// this says so); `topology verify` re-checks each file's allocation,
/// certificate and curve against the same inputs.
fn write_proofs(
    dir: &std::path::Path,
    map: &placement::PlacementMap,
    config: Option<&std::path::Path>,
    export: Option<&std::path::Path>,
    budget: u64,
) -> Result<(), InputError> {
    let source = dir.display().to_string();
    std::fs::create_dir_all(dir).map_err(|e| InputError::new(&source, format!("cannot create the folder: {e}")))?;
    let loaded = super::load::load_for(config, export, None)?;
    // Solved as `evaluate --config` solves (the map's own budget), whatever the inputs' origin.
    let args = super::evaluate::EvaluateArgs {
        config: config.map(std::path::Path::to_path_buf),
        inputs: None,
        candidates: None,
        candidate: vec![],
        json: true,
        budget,
        charts: None,
        blacklisted_out: None,
        verbatim_values: true,
    };
    for e in &map.entries {
        for point in [&e.sev, &e.non_sev] {
            let size = point.optimal_deployment_size.unwrap_or(0);
            let row = CandidateRow { is_sev: point.is_sev, no_nodes: size + 1, ..e.candidate.clone() };
            let (result, ..) = super::evaluate::evaluate_loaded(&args, loaded.clone(), vec![row], "--proofs");
            let after = result.curve.get(size as usize).and_then(|p| p.objective);
            if point.optimal_deployment_size.is_some()
                && (result.optimal_deployment_size != Some(size) || after != point.objective_after)
            {
                return Err(InputError::new(
                    "--proofs",
                    format!(
                        "{} (SEV {}): the map says size {size}, value after {}; its evaluation says {}, {}",
                        e.country,
                        point.is_sev,
                        shown(point.objective_after),
                        shown(result.optimal_deployment_size),
                        shown(after)
                    ),
                ));
            }
            let path = dir.join(proof_name(&e.country, point.is_sev));
            let text = serde_json::to_string_pretty(&result).expect("results serialise");
            std::fs::write(&path, text + "\n")
                .map_err(|err| InputError::new(path.display().to_string(), format!("cannot write: {err}")))?;
        }
    }
    eprintln!(
        "wrote {} proofs into {source} (check each with `topology verify FILE` and the same inputs)",
        2 * map.entries.len()
    );
    Ok(())
}

#[derive(Serialize)]
struct NodeValuesOut {
    tool: String,
    version: String,
    #[serde(flatten)]
    values: value::NodeValues,
    inputs: Digests,
}

pub fn run_node_value(a: NodeValueArgs) -> Result<ExitCode, InputError> {
    let (inputs, files, source) = super::load::load(a.config.as_deref(), a.inputs.as_deref())?;
    let budget = Budget { branch_nodes: a.budget };
    let values = value::node_values(&inputs, budget);
    // Every proof re-checked by the independent checker before it is shown.
    let model = model::build(&inputs, &[]);
    if let Some(opt) = values.baseline_objective {
        let groups = value::groups(&inputs, &model);
        for (v, (group, classes)) in values.values.iter().zip(&groups) {
            debug_assert_eq!(&v.group, group);
            value::check_node_value(&model, opt, classes, v).map_err(|e| {
                InputError::new("node-value", format!("{} {}: proof rejected: {e}", kind_text(&group.kind), group.name))
            })?;
        }
    }
    let status =
        values.values.iter().map(|v| v.status).max().unwrap_or(values.baseline_status).max(values.baseline_status);
    let out = NodeValuesOut {
        tool: "topology node-value".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        values,
        inputs: Digests { source, files, configuration_sha256: digest::configuration_digest(&inputs) },
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&out).expect("results serialise"));
        return Ok(exit(status));
    }
    let v = |x: Option<u32>| x.map_or("-".to_string(), |x| x.to_string());
    println!("Node values: ObjectiveValue {} (proven); per group, the fewest of its usable nodes an optimal allocation needs", v(out.values.baseline_objective));
    println!("  {:<20} {:<40} {:>7} {:>7} {:>6}", "kind", "name", "usable", "needed", "proof");
    for n in &out.values.values {
        let proof = if n.status != Status::Optimal {
            "-"
        } else if n.certificate_is_tight {
            "cert"
        } else {
            "b&b"
        };
        println!(
            "  {:<20} {:<40} {:>7} {:>7} {:>6}",
            kind_text(&n.group.kind),
            n.group.name,
            n.usable_nodes,
            v(n.needed),
            proof
        );
    }
    println!("Providers: nodes, usable, needed, in subnets now, ObjectiveValue if it left");
    for p in &out.values.providers {
        println!(
            "  {:<40} {:>6} {:>6} {:>6} {:>6} {:>6}",
            p.provider,
            p.nodes,
            p.usable_nodes,
            v(p.needed),
            p.in_subnets_now,
            v(p.objective_without)
        );
    }
    Ok(exit(status))
}

/// `topology verify-certificate` on a reply of `get_placement_map` or
/// `get_node_value`: `None` when the bytes are neither (another kind of
/// reply), otherwise the outcome (exit 0 certified, 1 rejected).
pub fn verify_certified_reply(
    bytes: &[u8],
    source: &str,
    canister_id: &str,
    root_key: Option<&str>,
) -> Option<Result<ExitCode, InputError>> {
    use ic_topology::api;
    use ic_topology::certification;
    // (key, certified bytes, certificate, witness, what the bytes say)
    type Parts = (String, Vec<u8>, Option<serde_bytes::ByteBuf>, Vec<u8>, String);
    // Only an Ok reply is claimed: an error reply is left to the other paths, which name it.
    let parts: Parts = if let Ok(Ok(r)) = candid::decode_one::<api::Result<api::CertifiedPlacementMap>>(bytes) {
        {
            let what = match &r.map {
                    Some(m) => format!(
                        "placement map of {} countries, ObjectiveValue now {}; registry version {}, topology sha256 {}, configuration sha256 {}",
                        m.entries.len(),
                        m.baseline_objective.map_or("-".into(), |v| v.to_string()),
                        m.inputs.registry_version,
                        m.inputs.topology_sha256,
                        m.inputs.configuration_sha256
                    ),
                    None => "no placement map yet".into(),
                };
            (r.key, r.map_candid, r.certificate, r.witness, what)
        }
    } else if let Ok(Ok(r)) = candid::decode_one::<api::Result<api::CertifiedNodeValue>>(bytes) {
        {
            let what = match (&r.values, &r.proof) {
                (Some(v), _) => format!(
                    "node values of {} groups; registry version {}, configuration sha256 {}",
                    v.values.len(),
                    v.inputs.registry_version,
                    v.inputs.configuration_sha256
                ),
                (_, Some(p)) => format!(
                    "{} {}: {} of {} usable nodes needed; registry version {}, configuration sha256 {}",
                    api::group_kind_name(p.value.group.kind),
                    p.value.group.name,
                    p.value.needed.map_or("-".into(), |v| v.to_string()),
                    p.value.usable_nodes,
                    p.inputs.registry_version,
                    p.inputs.configuration_sha256
                ),
                _ => "no node values yet".into(),
            };
            (r.key, r.value_candid, r.certificate, r.witness, what)
        }
    } else {
        return None;
    };
    Some((|| {
        let (key, candid_bytes, certificate, witness, what) = parts;
        if candid_bytes.is_empty() {
            return Err(InputError::new(source, format!("the reply carries nothing certified yet ({what})")));
        }
        let canister = candid::Principal::from_text(canister_id)
            .map_err(|e| InputError::new("--canister-id", format!("not a principal: {e}")))?;
        let root_key = certification::from_hex(root_key.unwrap_or(certification::IC_ROOT_KEY_DER_HEX))
            .ok_or_else(|| InputError::new("--root-key", "not hexadecimal"))?;
        let Some(certificate) = certificate else {
            return Err(InputError::new(source, "the reply has no certificate: call the method as a query"));
        };
        match certification::verify_placement(
            &key,
            &candid_bytes,
            &certificate,
            &witness,
            canister.as_slice(),
            &root_key,
        ) {
            Ok(certified) => {
                println!(
                    "certified: canister {} placements/{key} (certificate time {} ns)",
                    canister.to_text(),
                    certified.time_nanos
                );
                println!("  {what}");
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                println!("rejected: {e}");
                Ok(ExitCode::from(1))
            }
        }
    })())
}

/// A number, or `-` where there is none.
fn shown(x: Option<u32>) -> String {
    x.map_or("-".to_string(), |x| x.to_string())
}

/// Whom the map is for, in words.
fn target_text(target: &Target) -> String {
    match target {
        Target::NewProvider => "a new node provider (in a new data center of a new data-center provider)".into(),
        Target::Provider(name) => {
            format!("node provider `{name}` (in a new data center of a new data-center provider)")
        }
        Target::DataCenter(dc) => format!("a new node provider in data center `{dc}`"),
    }
}

/// Why a country is on the map, in a few words.
fn origin_text(origin: &CountryOrigin) -> String {
    match origin {
        CountryOrigin::Network => "has nodes",
        CountryOrigin::RestrictedList => "on a subnet's list",
        CountryOrigin::New => "a new country",
        CountryOrigin::DataCenter => "the data center's",
    }
    .into()
}

/// A group's kind, in words.
fn kind_text(kind: &value::GroupKind) -> String {
    match kind {
        value::GroupKind::NodeProvider => "node provider",
        value::GroupKind::Cluster => "provider cluster",
        value::GroupKind::DataCenter => "data center",
        value::GroupKind::DataCenterProvider => "data-center provider",
        value::GroupKind::Country => "country",
    }
    .into()
}

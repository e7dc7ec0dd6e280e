//! The canister's state and every operation on it, with no ic-cdk inside:
//! the caller, the controllers and the instruction counter come through
//! [`Env`], so all of this runs in `cargo test` natively.
//!
//! Stored state lives in stable structures ([`crate::memory`]). What queries
//! need fast (the engine's inputs, their digests and the baseline solve) is
//! derived from it into the heap whenever the stored state changes, in update
//! calls, `init` and `post_upgrade`: a query cannot keep what it computes.
//!
//! The snapshot comes from the registry sync ([`crate::registry`]) or, for
//! bootstrap and tests, from a chunked upload; both replace it through
//! `State::replace_snapshot`. Values the registry lacks come from the
//! configuration, with documented defaults that every result counts: a
//! provider without a configured name is named by its principal, a node
//! without configured health is UP.

use crate::api::{self, Error, Result};
use crate::convert;
use crate::memory::{self, Memory, Stored};
use crate::publish::{self, Published};
use crate::registry::{derive, store::InstallCost, store::RecordStore, store::SyncState, sync::SyncError};
use crate::stored_node::{NodeList, StoredNode};
use candid::Principal;
use ic_stable_structures::{StableBTreeMap, StableCell};
use ic_topology::digest;
use ic_topology::evaluate;
use ic_topology::export;
use ic_topology::inputs::{
    CandidateRow, Cordon, CountryRestriction, Inputs, PlannedNode, ProviderCluster, RegistryNode, Settings,
    SpecialLimits, SubnetSpec,
};
use ic_topology::model::{self, Model};
use ic_topology::solve::{self, Budget, Solution, Status};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Request caps, so that no query can be made to exceed the instruction limit.
pub const MAX_CANDIDATE_ROWS: usize = 16;
pub const MAX_CANDIDATE_NODES: u32 = 32;
pub const MAX_SYNTHETIC_COUNTRIES: u32 = 20;
pub const MAX_TEXT: usize = 128;
pub const MAX_PAGE: u32 = 500;
pub const DEFAULT_PAGE: u32 = 100;
pub const MAX_SUBNETS: usize = 1_000;
pub const MAX_SUBNET_SIZE: u32 = 100;
pub const MAX_NODES_PER_CHUNK: usize = 2_000;
/// Nodes per uploaded snapshot: its commit derives the inputs, solves the
/// baseline and renders the pages in one message (20.95 billion instructions
/// at 14,000 nodes in 800 subnets, canister/INSTRUCTIONS.md), so the cap keeps
/// it within the 40 billion of an update with room for 1,000 subnets; 50,000
/// was over the limit.
pub const MAX_SNAPSHOT_NODES: u64 = 15_000;
/// Pipeline nodes and node-health entries: caps that keep `get_configuration`
/// under the 3 MiB reply limit with the other lists full (see `guard`).
pub const MAX_PIPELINE: usize = 1_000;
pub const MAX_NODE_HEALTH: usize = 5_000;
/// The NNS registry canister.
pub const DEFAULT_REGISTRY_CANISTER_ID: &str = "rwlgt-iiaaa-aaaaa-aaaaa-cai";
pub const DEFAULT_SYNC_INTERVAL_SECONDS: u64 = 3_600;
pub const MIN_SYNC_INTERVAL_SECONDS: u64 = 60;
pub const MAX_SYNC_INTERVAL_SECONDS: u64 = 7 * 24 * 3_600;
/// The first sync runs this long after install and after every upgrade.
pub const SYNC_AFTER_INSTALL_SECONDS: u64 = 5;
/// The health of a node the configuration does not list.
pub const DEFAULT_HEALTH: &str = "UP";
/// Branch-and-bound nodes per solve in a query (the engine's canister profile,
/// which `topology` uses on an export to reproduce these answers).
pub const QUERY_BUDGET: Budget = ic_topology::export::CANISTER_BUDGET;
/// Curve points per query that may go on to the LP and the integer program
/// when their solved neighbours do not prove them: at most these, fewer where
/// the cost count of the request would pass its cap ([`crate::cost`]). A
/// point left unproven comes back as `budget_exceeded` with the bounds its
/// neighbours give.
pub const QUERY_FULL_SOLVES: usize = ic_topology::export::CANISTER_FULL_SOLVES;
/// Bytes per `export_snapshot` page (a query's reply may be 3 MiB).
pub const MAX_EXPORT_PAGE: u32 = 1_000_000;
/// Nodes in all in an evaluation submitted to `verify_evaluation` (allocations are checked node by node).
pub const MAX_VERIFY_NODES: usize = 100_000;

/// What the canister needs from the system.
pub trait Env {
    fn caller(&self) -> Principal;
    fn is_controller(&self, principal: &Principal) -> bool;
    /// Instructions used so far in this message.
    fn instructions(&self) -> u64;
    /// Set the canister's certified data (updates, init and post_upgrade only).
    /// Test doubles that do not check certification may keep the default.
    fn set_certified_data(&self, _data: &[u8]) {}
    /// The system's certificate of the certified data (non-replicated queries only).
    fn data_certificate(&self) -> Option<Vec<u8>> {
        None
    }
    /// The time (ns since the epoch; 0 by default, for test doubles).
    fn now_nanos(&self) -> u64 {
        0
    }
    /// This canister's id (the management canister's by default, for test doubles).
    fn canister_id(&self) -> Principal {
        Principal::management_canister()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredConfiguration {
    pub settings: Option<Settings>,
    pub sev_providers: Vec<String>,
    pub cordons: Vec<Cordon>,
    pub clusters: Vec<ProviderCluster>,
    #[serde(with = "ic_topology::inputs::special_limits_as_list")]
    pub special_limits: Option<SpecialLimits>,
    pub country_restrictions: Option<Vec<CountryRestriction>>,
    /// Provider principal (text) -> name: names are not on chain.
    pub provider_names: BTreeMap<String, String>,
    pub pipeline: Vec<PlannedNode>,
    /// `None`: [`DEFAULT_REGISTRY_CANISTER_ID`].
    #[serde(default)]
    pub registry_canister_id: Option<String>,
    /// `None`: [`DEFAULT_SYNC_INTERVAL_SECONDS`].
    #[serde(default)]
    pub sync_interval_seconds: Option<u64>,
    /// Node id -> UP, DOWN or DEGRADED: health is not on chain.
    #[serde(default)]
    pub node_health: BTreeMap<String, String>,
}

impl StoredConfiguration {
    pub fn settings(&self) -> Settings {
        self.settings.unwrap_or_else(|| ic_topology::inputs::RuleSet::Y2025.default_settings())
    }

    pub fn registry_canister_id(&self) -> Principal {
        let text = self.registry_canister_id.as_deref().unwrap_or(DEFAULT_REGISTRY_CANISTER_ID);
        Principal::from_text(text).expect("stored canister ids are validated")
    }

    pub fn sync_interval_seconds(&self) -> u64 {
        self.sync_interval_seconds.unwrap_or(DEFAULT_SYNC_INTERVAL_SECONDS)
    }

    /// A snapshot node as the engine sees it: configured name and health win;
    /// missing ones take the defaults, counted in `defaults`.
    pub fn effective_node(&self, mut node: RegistryNode, defaults: &mut api::DefaultsApplied) -> RegistryNode {
        if let Some(name) = self.provider_names.get(&node.node_provider_id) {
            node.node_provider_name = name.clone();
        } else if node.node_provider_name.is_empty() {
            node.node_provider_name = node.node_provider_id.clone();
            defaults.provider_name_is_principal += 1;
        }
        if let Some(health) = self.node_health.get(&node.node_id) {
            node.status = health.clone();
        } else if node.status.is_empty() {
            node.status = DEFAULT_HEALTH.to_string();
            defaults.health_default_up += 1;
        }
        node
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredTopology {
    pub subnets: Vec<SubnetSpec>,
    pub proposal: u64,
}

impl Default for StoredTopology {
    fn default() -> Self {
        StoredTopology {
            subnets: ic_topology::topology_in_force::subnets(),
            proposal: ic_topology::topology_in_force::ADOPTING_PROPOSAL,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    #[default]
    Upload,
    Registry,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotMeta {
    pub registry_version: u64,
    pub timestamp_nanos: u64,
    /// Layouts before the registry sync had only uploads.
    #[serde(default)]
    pub source: Source,
}

fn source_out(s: Source) -> api::SnapshotSource {
    match s {
        Source::Upload => api::SnapshotSource::Upload,
        Source::Registry => api::SnapshotSource::Registry,
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StagedSnapshot {
    pub announced: Option<(SnapshotMeta, u64)>,
}

/// What queries read, derived from the stored state.
pub struct Derived {
    pub inputs: Inputs,
    /// The export of `inputs` (see `ic_topology::export`); its SHA-256 is `configuration_sha256`.
    pub export: Vec<u8>,
    pub model: Model,
    pub baseline: Solution,
    pub topology_sha256: String,
    pub configuration_sha256: String,
    pub defaults: api::DefaultsApplied,
    /// The snapshot's and pipeline's names, to refuse candidate look-alikes.
    pub names: ic_topology::text::ExistingNames,
}

pub struct State {
    configuration: StableCell<Stored<StoredConfiguration>, Memory>,
    topology: StableCell<Stored<StoredTopology>, Memory>,
    nodes: StableCell<NodeList, Memory>,
    snapshot: StableCell<Stored<SnapshotMeta>, Memory>,
    staged_nodes: StableBTreeMap<String, StoredNode, Memory>,
    staged: StableCell<Stored<StagedSnapshot>, Memory>,
    registry: RecordStore,
    /// The sync guard (heap only: no sync survives an upgrade).
    sync_running: bool,
    pub(crate) published: Published,
    /// The governance watcher's verdicts and state (`crate::governance`).
    governance: crate::governance::store::Watcher,
    derived: Option<Derived>,
}

/// One evaluation as the engine made it, with what it was computed from.
struct Run {
    model: Model,
    evaluation: evaluate::Evaluation,
    candidates: Vec<CandidateRow>,
    settings: Settings,
    configuration_sha256: String,
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::InvalidArgument { field: field.into(), reason: reason.into() }
}

impl State {
    /// Open the stable structures (empty ones on a fresh install).
    pub fn open() -> State {
        let mut s = State {
            configuration: memory::cell(memory::CONFIGURATION, StoredConfiguration::default()),
            topology: memory::cell(memory::TOPOLOGY, StoredTopology::default()),
            nodes: open_nodes(),
            snapshot: memory::cell(memory::SNAPSHOT, SnapshotMeta::default()),
            staged_nodes: memory::node_map(memory::STAGED_NODES),
            staged: memory::cell(memory::STAGED_SNAPSHOT, StagedSnapshot::default()),
            registry: RecordStore::open(),
            sync_running: false,
            published: Published::open(),
            governance: crate::governance::store::Watcher::open(),
            derived: None,
        };
        s.rederive();
        s
    }

    /// The engine's inputs from the stored state, and the defaults the nodes took.
    fn inputs_and_defaults(&self) -> (Inputs, api::DefaultsApplied) {
        let config = &self.configuration.get().value;
        let mut defaults = api::DefaultsApplied::default();
        let nodes = self.nodes.get().0.iter().map(|n| config.effective_node(n.clone(), &mut defaults)).collect();
        let inputs = Inputs {
            settings: config.settings(),
            nodes,
            pipeline: config.pipeline.clone(),
            topology: self.topology.get().value.subnets.clone(),
            sev_providers: config.sev_providers.clone(),
            cordons: config.cordons.clone(),
            clusters: config.clusters.clone(),
            special_limits: config.special_limits.clone(),
            country_restrictions: config.country_restrictions.clone(),
            warnings: vec![],
        };
        (inputs, defaults)
    }

    fn inputs(&self) -> Inputs {
        self.inputs_and_defaults().0
    }

    /// Rebuild what queries read. Runs in updates, init and post_upgrade.
    fn rederive(&mut self) {
        self.derive();
        crate::http::rebuild(self);
    }

    fn derive(&mut self) {
        if self.nodes.get().0.is_empty() {
            self.derived = None;
            return;
        }
        let (inputs, defaults) = self.inputs_and_defaults();
        let model = model::build(&inputs, &[]);
        let baseline = solve::solve(&model, Budget::default());
        // The configuration digest is the export's SHA-256: serialise once.
        let export = export::to_bytes(&inputs);
        self.derived = Some(Derived {
            topology_sha256: digest::topology_digest(&inputs.topology),
            configuration_sha256: digest::sha256_hex(&export),
            export,
            names: ic_topology::text::ExistingNames::of(&inputs),
            inputs,
            model,
            baseline,
            defaults,
        });
    }

    pub(crate) fn authorize(&self, env: &impl Env, method: &str) -> Result<()> {
        let caller = env.caller();
        if env.is_controller(&caller) {
            Ok(())
        } else {
            Err(Error::Unauthorized { caller, method: method.into() })
        }
    }

    // ---- queries ----

    pub(crate) fn derived(&self) -> Result<&Derived> {
        self.derived.as_ref().ok_or_else(|| Error::NotReady { reason: "no registry snapshot is loaded yet".into() })
    }

    /// The inputs with `overrides` applied: `None` when they change nothing
    /// (the derived inputs then serve as they are).
    fn overridden(&self, overrides: Option<&api::SettingsOverride>) -> Result<Option<Inputs>> {
        let derived = self.derived()?;
        if let Some(o) = overrides {
            let settings = apply_overrides(derived.inputs.settings, o)?;
            if settings != derived.inputs.settings {
                return Ok(Some(Inputs { settings, ..derived.inputs.clone() }));
            }
        }
        Ok(None)
    }

    /// Evaluate a request with the query's budget (the same in a query and an update).
    fn run(&self, req: &api::EvaluateRequest) -> Result<Run> {
        let candidates = validate_candidates(&req.candidates)?;
        let derived = self.derived()?;
        for (i, c) in candidates.iter().enumerate() {
            derived.names.check_candidate(i, c).map_err(text_invalid)?;
        }
        // Counted before it runs (and before the inputs are copied for
        // overrides): the full solves that fit the cap, or a refusal.
        let settings = match &req.overrides {
            Some(o) => apply_overrides(derived.inputs.settings, o)?,
            None => derived.inputs.settings,
        };
        let cached = settings == derived.inputs.settings;
        let full_solves = crate::cost::full_solves(&derived.model, settings, &candidates, cached)?;
        let inputs_override = (!cached).then(|| Inputs { settings, ..derived.inputs.clone() });
        let inputs = inputs_override.as_ref().unwrap_or(&derived.inputs);
        // The baseline depends only on the snapshot and the configuration: reuse it.
        let baseline = inputs_override.is_none().then_some((&derived.model, &derived.baseline));
        let (model, ev) = evaluate::evaluate_with_baseline(inputs, &candidates, QUERY_BUDGET, baseline, full_solves);
        if ev.solution.status == Status::BudgetExceeded {
            return Err(Error::BudgetExceeded {
                lower_bound: ev.solution.lower_bound,
                upper_bound: ev.solution.upper_bound,
            });
        }
        let configuration_sha256 = match &inputs_override {
            Some(i) => digest::configuration_digest(i),
            None => derived.configuration_sha256.clone(),
        };
        Ok(Run { settings: inputs.settings, model, evaluation: ev, candidates, configuration_sha256 })
    }

    pub(crate) fn registry_version(&self) -> u64 {
        self.snapshot.get().value.registry_version
    }

    pub(crate) fn snapshot_source(&self) -> api::SnapshotSource {
        source_out(self.snapshot.get().value.source)
    }

    pub fn evaluate_candidates(&self, env: &impl Env, req: api::EvaluateRequest) -> Result<api::Evaluation> {
        let run = self.run(&req)?;
        Ok(self.evaluation_out(env, run, req))
    }

    fn evaluation_out(&self, env: &impl Env, run: Run, req: api::EvaluateRequest) -> api::Evaluation {
        let derived = self.derived.as_ref().expect("a run needs the derived state");
        let mut answer = convert::evaluation(
            &run.model,
            &run.evaluation,
            req,
            run.settings,
            self.registry_version(),
            derived.topology_sha256.clone(),
            run.configuration_sha256,
            env.instructions(),
        );
        answer.snapshot_source = source_out(self.snapshot.get().value.source);
        answer.defaults_applied = derived.defaults.clone();
        answer
    }

    /// Re-check a submitted evaluation against the current snapshot, without solving.
    pub fn verify_evaluation(&self, env: &impl Env, evaluation: api::Evaluation) -> Result<api::VerificationReport> {
        let derived = self.derived()?;
        let version = self.registry_version();
        if evaluation.registry_version != version {
            return Err(Error::NotFound {
                reason: format!(
                    "the evaluation was computed at registry version {}; this canister holds version {version} only \
                     (re-check an older one off chain with its export and `topology verify`)",
                    evaluation.registry_version
                ),
            });
        }
        let claim = convert::claim_in(&evaluation)?;
        // Validate the caller's candidates as `evaluate_candidates` would.
        validate_candidates(&evaluation.candidates)?;
        let inputs_override = self.overridden(evaluation.overrides.as_ref())?;
        let configuration_sha256 = match &inputs_override {
            Some(i) => digest::configuration_digest(i),
            None => derived.configuration_sha256.clone(),
        };
        let inputs = inputs_override.as_ref().unwrap_or(&derived.inputs);
        let outcome = ic_topology::verify::verify(inputs, &derived.topology_sha256, &configuration_sha256, &claim);
        let mut report = convert::verification_report(outcome, version);
        report.instructions = env.instructions();
        Ok(report)
    }

    /// Evaluate in replicated execution and publish the answer in the certified map.
    pub fn publish_evaluation(
        &mut self,
        env: &impl Env,
        req: api::EvaluateRequest,
    ) -> Result<api::PublishedEvaluation> {
        // A published evaluation carries its proof.
        let req = api::EvaluateRequest { include_allocation: Some(true), ..req };
        let candidates = validate_candidates(&req.candidates)?;
        let derived = self.derived()?;
        let configuration_sha256 = match self.overridden(req.overrides.as_ref())? {
            Some(i) => digest::configuration_digest(&i),
            None => derived.configuration_sha256.clone(),
        };
        let key = publish::publication_key(
            &candidates,
            self.registry_version(),
            &derived.topology_sha256,
            &configuration_sha256,
        );
        if let Some(entry) = self.published.get(&key) {
            return Ok(api::PublishedEvaluation {
                key,
                evaluation: decode_evaluation(&entry.candid),
                newly_published: false,
                evicted: vec![],
                published: self.published.len(),
            });
        }
        let publisher = publish::Publisher::of(env);
        self.published.admits(&publisher)?;
        let run = self.run(&req)?;
        let evaluation = self.evaluation_out(env, run, req);
        let candid = candid::encode_one(&evaluation).expect("an evaluation encodes");
        let evicted = self.published.insert(key.clone(), candid, &publisher)?;
        env.set_certified_data(&self.certified_root());
        Ok(api::PublishedEvaluation {
            key,
            evaluation,
            newly_published: true,
            evicted,
            published: self.published.len(),
        })
    }

    /// A published evaluation with the certificate and witness that prove it.
    pub fn get_published_evaluation(&self, env: &impl Env, key: String) -> Result<api::CertifiedEvaluation> {
        // Plans share the store (`crate::plan`); their bytes are no evaluation.
        let entry = self.published.get(&key).filter(|_| !key.starts_with(crate::plan::KEY_PREFIX));
        let Some(entry) = entry else {
            return Err(Error::NotFound {
                reason: format!(
                    "no evaluation is published under {key} (never published, or evicted: at most {} are kept, {} per \
                     caller)",
                    publish::MAX_PUBLISHED,
                    publish::MAX_PER_PUBLISHER
                ),
            });
        };
        Ok(api::CertifiedEvaluation {
            witness: self.published.witness_among(&self.certified_parts(), &key),
            key,
            evaluation: decode_evaluation(&entry.candid),
            evaluation_candid: entry.candid,
            certificate: env.data_certificate().map(serde_bytes::ByteBuf::from),
            canister_id: env.canister_id(),
        })
    }

    /// The keys of the published evaluations, oldest first.
    pub fn list_published_evaluations(&self) -> Vec<String> {
        self.published.keys_oldest_first()
    }

    /// The certified data these evaluations need (set it in init and post_upgrade).
    /// Brings the dashboard's followed pages (verdicts, plan) up to date first,
    /// so every update that sets the certified data certifies them too.
    pub fn certified_root(&self) -> [u8; 32] {
        crate::http::refresh(self);
        crate::certified::root_hash(&self.certified_parts())
    }

    /// Every certified subtree, one line each (see [`crate::certified`]).
    pub fn certified_parts(&self) -> Vec<crate::certified::Part<'static>> {
        let mut parts = vec![self.published.part(), crate::http::part()];
        // Proposal verdicts, once there is one (until then the root is the published tree's alone).
        if !self.governance.is_empty() {
            parts.push(self.governance.part());
        }
        parts.extend(crate::placement::part());
        parts
    }

    /// What queries read (the dashboard draws from it); `None` before a snapshot is loaded.
    pub fn derived_state(&self) -> Option<&Derived> {
        self.derived.as_ref()
    }

    /// A page of the export of the current inputs.
    pub fn export_snapshot(&self, req: api::ExportRequest) -> Result<api::ExportPage> {
        let derived = self.derived()?;
        let meta = &self.snapshot.get().value;
        if let Some(v) = req.registry_version {
            if v != meta.registry_version {
                return Err(Error::NotFound {
                    reason: format!(
                        "registry version {v} is not held; this canister holds version {} only",
                        meta.registry_version
                    ),
                });
            }
        }
        let length = req.length.unwrap_or(MAX_EXPORT_PAGE);
        if length == 0 || length > MAX_EXPORT_PAGE {
            return Err(invalid("length", format!("must be between 1 and {MAX_EXPORT_PAGE}")));
        }
        let total = derived.export.len() as u64;
        if req.offset > total {
            return Err(invalid("offset", format!("beyond the export's {total} bytes")));
        }
        let end = (req.offset + u64::from(length)).min(total);
        Ok(api::ExportPage {
            registry_version: meta.registry_version,
            timestamp_nanos: meta.timestamp_nanos,
            topology_sha256: derived.topology_sha256.clone(),
            configuration_sha256: derived.configuration_sha256.clone(),
            total_bytes: total,
            offset: req.offset,
            bytes: derived.export[req.offset as usize..end as usize].to_vec(),
            next_offset: (end < total).then_some(end),
        })
    }

    /// The text a node-operator proposal quotes, for these candidates under the configured settings.
    pub fn proposal_summary(&self, env: &impl Env, req: api::ProposalSummaryRequest) -> Result<api::ProposalSummary> {
        self.evaluation_and_summary(env, req.candidates).map(|(_, summary)| summary)
    }

    /// The evaluation and the proposal summary of the same run (the dashboard shows both).
    pub fn evaluation_and_summary(
        &self,
        env: &impl Env,
        candidates: Vec<api::CandidateRow>,
    ) -> Result<(api::Evaluation, api::ProposalSummary)> {
        let request = api::EvaluateRequest { candidates, overrides: None, include_allocation: None };
        let run = self.run(&request)?;
        let derived = self.derived()?;
        let canister = env.canister_id().to_text();
        let registry_version = self.registry_version();
        let summary = ic_topology::summary::render(&ic_topology::summary::SummaryInput {
            canister_id: Some(&canister),
            candidates: &run.candidates,
            inputs: &derived.inputs,
            evaluation: &run.evaluation,
            registry_version,
            topology_sha256: &derived.topology_sha256,
            configuration_sha256: &run.configuration_sha256,
        });
        let summary = api::ProposalSummary {
            text: summary.text,
            sha256: summary.sha256,
            publication_key: publish::publication_key(
                &run.candidates,
                registry_version,
                &derived.topology_sha256,
                &run.configuration_sha256,
            ),
            registry_version,
            instructions: env.instructions(),
        };
        Ok((self.evaluation_out(env, run, request), summary))
    }

    pub fn topology(&self) -> api::Topology {
        let t = &self.topology.get().value;
        api::Topology {
            subnets: t.subnets.iter().map(convert::subnet_spec_out).collect(),
            proposal: t.proposal,
            sha256: digest::topology_digest(&t.subnets),
        }
    }

    pub fn configuration(&self) -> api::Configuration {
        // The digest covers the snapshot's nodes too: reuse the derived one.
        let sha256 = match &self.derived {
            Some(d) => d.configuration_sha256.clone(),
            None => digest::configuration_digest(&self.inputs()),
        };
        convert::configuration_out(&self.configuration.get().value, sha256)
    }

    pub fn snapshot_info(&self) -> api::SnapshotInfo {
        let meta = &self.snapshot.get().value;
        let mut operators = BTreeSet::new();
        let mut providers = BTreeSet::new();
        let mut dcs = BTreeSet::new();
        let mut subnets = BTreeSet::new();
        // The derived inputs hold every stored node already: count them there
        // rather than decode the stable map again.
        let nodes = self.derived.as_ref().map_or(&[][..], |d| &d.inputs.nodes[..]);
        for n in nodes {
            operators.insert(n.node_operator_id.as_str());
            providers.insert(n.node_provider_id.as_str());
            dcs.insert(n.data_center.as_str());
            if let Some(s) = &n.subnet_id {
                subnets.insert(s.as_str());
            }
        }
        let baseline = self.derived.as_ref().map(|d| &d.baseline);
        api::SnapshotInfo {
            registry_version: meta.registry_version,
            timestamp_nanos: meta.timestamp_nanos,
            nodes: self.nodes.get().0.len() as u64,
            node_operators: operators.len() as u64,
            node_providers: providers.len() as u64,
            data_centers: dcs.len() as u64,
            subnets: subnets.len() as u64,
            baseline_status: baseline.map(|b| convert::status(b.status)),
            baseline_objective: baseline.and_then(|b| b.objective),
            source: source_out(meta.source),
            defaults_applied: self.derived.as_ref().map(|d| d.defaults.clone()).unwrap_or_default(),
        }
    }

    /// Where the registry sync stands.
    pub fn sync_status(&self) -> api::SyncStatus {
        let config = &self.configuration.get().value;
        let s = self.registry.state();
        let meta = &self.snapshot.get().value;
        api::SyncStatus {
            registry_canister_id: config.registry_canister_id(),
            sync_interval_seconds: config.sync_interval_seconds(),
            cursor_version: s.cursor,
            latest_version_seen: s.latest_version_seen,
            snapshot_version: (meta.source == Source::Registry).then_some(meta.registry_version),
            last_success_nanos: s.last_success_nanos,
            last_error: s.last_error.clone(),
            last_error_nanos: s.last_error_nanos,
            consecutive_failures: s.consecutive_failures,
            in_progress: self.sync_running,
            records: self.registry.len(),
            nodes: s.counts.nodes,
            node_operators: s.counts.node_operators,
            data_centers: s.counts.data_centers,
            subnets: s.counts.subnets,
            api_boundary_nodes: s.counts.api_boundary_nodes,
            nodes_with_chip_id: s.counts.nodes_with_chip_id,
            nodes_skipped: s.counts.nodes_skipped,
            max_message_instructions: s.max_message_instructions,
            last_install_records: s.last_install.records,
            last_derive_instructions: s.last_install.derive,
            last_store_instructions: s.last_install.store,
            last_rederive_instructions: s.last_install.rederive,
            governance: crate::governance::status(self),
        }
    }

    /// The configured registry canister and sync interval.
    pub fn sync_settings(&self) -> (Principal, u64) {
        let config = &self.configuration.get().value;
        (config.registry_canister_id(), config.sync_interval_seconds())
    }

    // ---- the registry sync (driven by `crate::registry::sync`) ----

    /// Take the sync guard; false if a sync is already running.
    pub fn try_start_sync(&mut self) -> bool {
        !std::mem::replace(&mut self.sync_running, true)
    }

    pub fn set_sync_running(&mut self, running: bool) {
        self.sync_running = running;
    }

    pub fn registry_sync_state(&self) -> &SyncState {
        self.registry.state()
    }

    pub fn note_latest_registry_version(&mut self, version: u64) {
        self.registry.update_state(|s| s.latest_version_seen = s.latest_version_seen.max(version));
    }

    /// Write one batch of registry records and the cursor it reaches.
    pub fn apply_registry_batch(&mut self, changes: Vec<(String, Option<Vec<u8>>)>, cursor: u64, timestamp: u64) {
        self.registry.apply(changes, cursor, timestamp);
    }

    /// When the records are at the latest version seen and the snapshot in
    /// use is not theirs, derive it from them and put it in place. True if
    /// the snapshot was replaced.
    /// `instructions` is the message's instruction counter: each step's cost
    /// is kept in the sync status.
    pub fn install_registry_snapshot_if_stale(
        &mut self,
        instructions: &dyn Fn() -> u64,
    ) -> std::result::Result<bool, SyncError> {
        let state = self.registry.state().clone();
        let meta = &self.snapshot.get().value;
        if state.cursor < state.latest_version_seen
            || (meta.source == Source::Registry && meta.registry_version == state.cursor)
        {
            return Ok(false);
        }
        let t0 = instructions();
        let derivation = derive::derive(self.registry.iter());
        if derivation.nodes.is_empty() {
            return Err(SyncError::EmptySnapshot { version: state.cursor });
        }
        let t1 = instructions();
        let meta = SnapshotMeta {
            registry_version: state.cursor,
            timestamp_nanos: state.cursor_timestamp_nanos,
            source: Source::Registry,
        };
        let counts = derivation.counts.clone();
        self.replace_nodes(derivation.nodes, meta);
        let t2 = instructions();
        self.rederive();
        let t3 = instructions();
        let records = self.registry.len();
        self.registry.update_state(|s| {
            s.counts = counts;
            s.last_install = InstallCost { records, derive: t1 - t0, store: t2 - t1, rederive: t3 - t2 };
        });
        Ok(true)
    }

    /// Record how a sync ended.
    pub fn record_sync_outcome(
        &mut self,
        result: &std::result::Result<crate::registry::sync::SyncReport, SyncError>,
        now_nanos: u64,
    ) {
        self.registry.update_state(|s| match result {
            Ok(report) => {
                s.last_success_nanos = Some(now_nanos);
                s.consecutive_failures = 0;
                s.max_message_instructions = report.max_message_instructions;
            }
            Err(e) => {
                s.last_error = Some(e.to_string());
                s.last_error_nanos = Some(now_nanos);
                s.consecutive_failures = s.consecutive_failures.saturating_add(1);
            }
        });
    }

    // ---- hooks for the governance watcher (`crate::governance`) ----

    pub fn governance(&self) -> &crate::governance::store::Watcher {
        &self.governance
    }

    pub fn governance_mut(&mut self) -> &mut crate::governance::store::Watcher {
        &mut self.governance
    }

    pub fn stored_configuration(&self) -> &StoredConfiguration {
        &self.configuration.get().value
    }

    pub fn registry_record(&self, key: &str) -> Option<Vec<u8>> {
        self.registry.get(key)
    }

    pub fn snapshot_registry_version(&self) -> u64 {
        self.registry_version()
    }

    pub fn registry_is_the_nns_registry(&self) -> bool {
        self.configuration.get().value.registry_canister_id().to_text() == DEFAULT_REGISTRY_CANISTER_ID
    }

    /// Only controllers may start a sync by hand.
    pub fn authorize_sync_now(&self, env: &impl Env) -> Result<()> {
        self.authorize(env, "sync_now")
    }

    pub fn list_nodes(&self, req: api::ListNodesRequest) -> Result<api::NodePage> {
        let limit = req.limit.unwrap_or(DEFAULT_PAGE);
        if limit == 0 || limit > MAX_PAGE {
            return Err(invalid("limit", format!("must be between 1 and {MAX_PAGE}")));
        }
        let config = &self.configuration.get().value;
        let country_of = |n: &RegistryNode| n.region.split(',').nth(1).unwrap_or("").trim().to_string();
        let mut nodes = Vec::new();
        let mut next = None;
        let list = self.nodes.get();
        let start = req.start_after.as_deref().map_or(0, |s| list.after(s));
        for n in &list.0[start..] {
            let n = config.effective_node(n.clone(), &mut api::DefaultsApplied::default());
            let keep =
                req.node_provider.as_ref().is_none_or(|p| *p == n.node_provider_name || *p == n.node_provider_id)
                    && req.country.as_ref().is_none_or(|c| *c == country_of(&n))
                    && req.data_center.as_ref().is_none_or(|d| *d == n.data_center)
                    && req.subnet_id.as_ref().is_none_or(|s| Some(s) == n.subnet_id.as_ref());
            if !keep {
                continue;
            }
            if nodes.len() == limit as usize {
                next = nodes.last().map(|n: &api::Node| n.node_id.clone());
                break;
            }
            nodes.push(convert::node_out(n));
        }
        Ok(api::NodePage { nodes, next })
    }

    /// The current subnets' decentralization: Nakamoto coefficients and the
    /// limits of their topology entry (matched by subnet id) they break.
    pub fn decentralization(&self) -> Result<Vec<api::SubnetDecentralization>> {
        let Some(derived) = &self.derived else {
            return Err(Error::NotReady { reason: "no registry snapshot is loaded yet".into() });
        };
        Ok(convert::decentralization(&derived.inputs, &derived.model))
    }

    // ---- admin (controllers only) ----

    pub fn set_topology(&mut self, env: &impl Env, req: api::SetTopologyRequest) -> Result<()> {
        self.authorize(env, "set_topology")?;
        let subnets = validate_topology(&req.subnets)?;
        let config = &self.configuration.get().value;
        validate_special_limits(config.special_limits.as_ref(), &subnets, "special_limits")?;
        self.topology.set(Stored::new(StoredTopology { subnets, proposal: req.proposal }));
        self.rederive();
        Ok(())
    }

    pub fn update_configuration(&mut self, env: &impl Env, update: api::ConfigurationUpdate) -> Result<()> {
        self.authorize(env, "update_configuration")?;
        let current = self.configuration.get().value.clone();
        let next = apply_configuration_update(current, update, &self.topology.get().value.subnets)?;
        self.configuration.set(Stored::new(next));
        self.rederive();
        Ok(())
    }

    pub fn set_pipeline(&mut self, env: &impl Env, pipeline: Vec<api::PlannedNode>) -> Result<()> {
        self.authorize(env, "set_pipeline")?;
        if pipeline.len() > MAX_PIPELINE {
            return Err(invalid("pipeline", format!("at most {MAX_PIPELINE} nodes")));
        }
        ic_topology::text::check_pipeline_ids(pipeline.iter().map(|p| p.node_id.as_deref()).enumerate(), |id| {
            self.nodes.get().contains(id)
        })
        .map_err(text_invalid)?;
        let mut nodes = Vec::with_capacity(pipeline.len());
        for (i, p) in pipeline.into_iter().enumerate() {
            let f = |name: &str| format!("pipeline[{i}].{name}");
            // Verbatim, as the reference keeps pipeline fields (the 2023
            // pipeline's ` KR` is a country of its own): only empty or
            // oversized text, and characters that do not show, are refused.
            for (name, value) in [
                ("node_provider", &p.node_provider),
                ("data_center", &p.data_center),
                ("data_center_provider", &p.data_center_provider),
                ("country", &p.country),
            ] {
                if value.trim().is_empty() || value.len() > MAX_TEXT {
                    return Err(invalid(f(name), format!("must be 1 to {MAX_TEXT} bytes of text")));
                }
                ic_topology::text::check_hidden(&f(name), value).map_err(text_invalid)?;
            }
            nodes.push(convert::planned_in(p));
        }
        let mut config = self.configuration.get().value.clone();
        config.pipeline = nodes;
        self.configuration.set(Stored::new(config));
        self.rederive();
        Ok(())
    }

    pub fn begin_snapshot_upload(&mut self, env: &impl Env, req: api::BeginSnapshotRequest) -> Result<()> {
        self.authorize(env, "begin_snapshot_upload")?;
        if req.node_count == 0 || req.node_count > MAX_SNAPSHOT_NODES {
            return Err(invalid("node_count", format!("must be between 1 and {MAX_SNAPSHOT_NODES}")));
        }
        self.staged_nodes.clear_new();
        let meta = SnapshotMeta {
            registry_version: req.registry_version,
            timestamp_nanos: req.timestamp_nanos,
            source: Source::Upload,
        };
        self.staged.set(Stored::new(StagedSnapshot { announced: Some((meta, req.node_count)) }));
        Ok(())
    }

    pub fn upload_snapshot_nodes(&mut self, env: &impl Env, nodes: Vec<api::Node>) -> Result<u64> {
        self.authorize(env, "upload_snapshot_nodes")?;
        let Some((_, announced)) = self.staged.get().value.announced.clone() else {
            return Err(invalid("nodes", "no upload in progress: call begin_snapshot_upload first"));
        };
        if nodes.len() > MAX_NODES_PER_CHUNK {
            return Err(invalid("nodes", format!("at most {MAX_NODES_PER_CHUNK} nodes per chunk")));
        }
        // Validate the whole chunk before storing any of it.
        let mut seen = BTreeSet::new();
        let mut records = Vec::with_capacity(nodes.len());
        for (i, n) in nodes.into_iter().enumerate() {
            let node = validate_node(i, n)?;
            if !seen.insert(node.node_id.clone()) || self.staged_nodes.contains_key(&node.node_id) {
                return Err(invalid(format!("nodes[{i}].node_id"), format!("{} is uploaded twice", node.node_id)));
            }
            records.push(node);
        }
        if self.staged_nodes.len() + records.len() as u64 > announced {
            return Err(invalid("nodes", format!("more nodes than the {announced} announced")));
        }
        for node in records {
            self.staged_nodes.insert(node.node_id.clone(), StoredNode(node));
        }
        Ok(self.staged_nodes.len())
    }

    pub fn commit_snapshot_upload(&mut self, env: &impl Env) -> Result<api::SnapshotInfo> {
        self.authorize(env, "commit_snapshot_upload")?;
        let Some((meta, announced)) = self.staged.get().value.announced.clone() else {
            return Err(invalid("upload", "no upload in progress: call begin_snapshot_upload first"));
        };
        if self.staged_nodes.len() != announced {
            return Err(invalid(
                "upload",
                format!("{} of the {announced} announced nodes were uploaded", self.staged_nodes.len()),
            ));
        }
        let staged: Vec<RegistryNode> = self.staged_nodes.iter().map(|e| e.value().0).collect();
        self.staged_nodes.clear_new();
        self.staged.set(Stored::new(StagedSnapshot::default()));
        self.replace_snapshot(staged, meta);
        Ok(self.snapshot_info())
    }

    /// Put a new snapshot in place of the old one, in this one message (it
    /// traps whole or applies whole), and derive what queries read from it.
    /// The upload ends here; the registry sync takes the same two steps
    /// ([`Self::replace_nodes`], then `rederive`), timing each.
    fn replace_snapshot(&mut self, nodes: Vec<RegistryNode>, meta: SnapshotMeta) {
        self.replace_nodes(nodes, meta);
        self.rederive();
    }

    fn replace_nodes(&mut self, nodes: Vec<RegistryNode>, meta: SnapshotMeta) {
        self.nodes.set(NodeList::sorted(nodes));
        self.snapshot.set(Stored::new(meta));
    }

    /// Apply init (or upgrade) arguments, all optional, as `set_topology`
    /// and `update_configuration` would.
    pub fn init(&mut self, args: api::InitArgs) -> Result<()> {
        if let Some(t) = args.topology {
            let subnets = validate_topology(&t.subnets)?;
            if args.configuration.is_none() {
                let config = &self.configuration.get().value;
                validate_special_limits(config.special_limits.as_ref(), &subnets, "special_limits")?;
            }
            self.topology.set(Stored::new(StoredTopology { subnets, proposal: t.proposal }));
        }
        if let Some(update) = args.configuration {
            let current = self.configuration.get().value.clone();
            let next = apply_configuration_update(current, update, &self.topology.get().value.subnets)?;
            self.configuration.set(Stored::new(next));
        }
        self.rederive();
        Ok(())
    }
}

/// The snapshot's nodes; those of a schema-2 layout (a JSON map) are moved
/// into the node list, once, and their map emptied.
fn open_nodes() -> StableCell<NodeList, Memory> {
    let mut list = memory::node_list();
    let mut old = memory::node_map(memory::NODES);
    if !old.is_empty() {
        let nodes: Vec<RegistryNode> = old.iter().map(|e| e.value().0).collect();
        if list.get().0.is_empty() {
            list.set(NodeList::sorted(nodes));
        }
        old.clear_new();
    }
    list
}

/// Only this canister encodes the bytes it stored; failing to decode them is a bug.
fn decode_evaluation(candid: &[u8]) -> api::Evaluation {
    candid::decode_one(candid).expect("a stored evaluation decodes")
}

fn text_invalid(e: ic_topology::text::TextError) -> Error {
    invalid(e.field.clone(), e.reason())
}

/// A stored name: as `text::check_field` wants it, and already in normal
/// form C (stored text that shows the same must be the same bytes).
fn validate_text(field: &str, value: &str) -> Result<()> {
    let nfc = ic_topology::text::check_field(field, value).map_err(text_invalid)?;
    if nfc != value {
        return Err(invalid(field, "is not in Unicode normal form C: send it normalised (NFC)"));
    }
    Ok(())
}

/// Candidate rows, their text normalised (NFC) and their countries ISO
/// 3166-1 alpha-2 codes (see `ic_topology::text`).
pub fn validate_candidates(rows: &[api::CandidateRow]) -> Result<Vec<CandidateRow>> {
    use ic_topology::text::{check_country, check_field};
    if rows.len() > MAX_CANDIDATE_ROWS {
        return Err(invalid("candidates", format!("at most {MAX_CANDIDATE_ROWS} rows")));
    }
    let mut total = 0u32;
    let mut out = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let f = |name: &str| format!("candidates[{i}].{name}");
        let field = |name: &str, value: &str| check_field(&f(name), value).map_err(text_invalid);
        let row = api::CandidateRow {
            node_provider: field("node_provider", &r.node_provider)?,
            data_center: field("data_center", &r.data_center)?,
            data_center_provider: field("data_center_provider", &r.data_center_provider)?,
            country: check_country(&r.country).map_err(|e| invalid(f("country"), e.reason()))?,
            ..r.clone()
        };
        if r.no_nodes == 0 {
            return Err(invalid(f("no_nodes"), "must be at least 1"));
        }
        total = total.saturating_add(r.no_nodes);
        if total > MAX_CANDIDATE_NODES {
            return Err(invalid("candidates", format!("at most {MAX_CANDIDATE_NODES} candidate nodes in all")));
        }
        out.push(convert::candidate_in(&row));
    }
    Ok(out)
}

fn apply_overrides(s: Settings, o: &api::SettingsOverride) -> Result<Settings> {
    if o.synthetic_countries.is_some_and(|n| n > MAX_SYNTHETIC_COUNTRIES) {
        return Err(invalid("overrides.synthetic_countries", format!("at most {MAX_SYNTHETIC_COUNTRIES}")));
    }
    Ok(convert::settings_overridden(s, o))
}

pub fn validate_topology(subnets: &[api::SubnetSpec]) -> Result<Vec<SubnetSpec>> {
    if subnets.is_empty() || subnets.len() > MAX_SUBNETS {
        return Err(invalid("subnets", format!("between 1 and {MAX_SUBNETS} subnets")));
    }
    let mut ids = BTreeSet::new();
    let mut out = Vec::with_capacity(subnets.len());
    for (i, s) in subnets.iter().enumerate() {
        let f = |name: &str| format!("subnets[{i}].{name}");
        validate_text(&f("subnet_type"), &s.subnet_type)?;
        if let Some(id) = &s.subnet_id {
            validate_text(&f("subnet_id"), id)?;
            if !ids.insert(id.clone()) {
                return Err(invalid(f("subnet_id"), format!("{id} appears twice")));
            }
        }
        if s.size == 0 || s.size > MAX_SUBNET_SIZE {
            return Err(invalid(f("size"), format!("must be between 1 and {MAX_SUBNET_SIZE}")));
        }
        for (name, limit) in [
            ("limit_node_provider", s.limit_node_provider),
            ("limit_data_center", s.limit_data_center),
            ("limit_data_center_provider", s.limit_data_center_provider),
            ("limit_country", s.limit_country),
        ] {
            if limit == 0 {
                return Err(invalid(f(name), "a limit must be at least 1"));
            }
        }
        out.push(convert::subnet_spec_in(s));
    }
    Ok(out)
}

fn validate_special_limits(limits: Option<&SpecialLimits>, topology: &[SubnetSpec], field: &str) -> Result<()> {
    use ic_topology::inputs::SpecialLimitScope;
    for scope in limits.into_iter().flat_map(|l| l.keys()) {
        let known = match scope {
            SpecialLimitScope::Default => true,
            SpecialLimitScope::SubnetId(id) => topology.iter().any(|s| s.subnet_id.as_ref() == Some(id)),
            SpecialLimitScope::SubnetType(t) => topology.iter().any(|s| s.subnet_type == *t),
        };
        if !known {
            return Err(invalid(field, format!("{scope:?} is not a subnet of the topology")));
        }
    }
    Ok(())
}

fn apply_configuration_update(
    mut c: StoredConfiguration,
    u: api::ConfigurationUpdate,
    topology: &[SubnetSpec],
) -> Result<StoredConfiguration> {
    crate::guard::check_configuration_lists(&u)?;
    // A new rule set brings its own defaults; explicit fields of the update win.
    let mut s = match u.rules {
        Some(r) => convert::rules_in(r).default_settings(),
        None => c.settings(),
    };
    s = apply_overrides(
        s,
        &api::SettingsOverride {
            synthetic_countries: u.synthetic_countries,
            enforce_sev: u.enforce_sev,
            enforce_health: u.enforce_health,
            enforce_blacklist: u.enforce_blacklist,
            enforce_per_provider_minimum: u.enforce_per_provider_minimum,
        },
    )
    .map_err(|e| match e {
        Error::InvalidArgument { reason, .. } => invalid("synthetic_countries", reason),
        other => other,
    })?;
    if let Some(r) = u.special_limits_reading {
        s.special_limits_reading = convert::reading_in(r);
    }
    match u.spare_node_ratio {
        // Unchanged, but a new rule set's defaults do not drop it.
        None => s.spare_node_ratio = c.settings().spare_node_ratio,
        Some(None) => s.spare_node_ratio = None,
        Some(Some(r)) => {
            s.spare_node_ratio = Some(ic_topology::inputs::SpareNodeRatio::new(r).ok_or_else(|| {
                invalid("spare_node_ratio", format!("{r} is out of range: the ratio is a number from 0 to 1"))
            })?);
        }
    }
    c.settings = Some(s);
    if let Some(list) = u.sev_providers {
        for (i, p) in list.iter().enumerate() {
            validate_text(&format!("sev_providers[{i}]"), p)?;
        }
        c.sev_providers = list;
    }
    if let Some(list) = u.cordons {
        for (i, x) in list.iter().enumerate() {
            validate_text(&format!("cordons[{i}].value"), &x.value)?;
        }
        c.cordons = list.into_iter().map(convert::cordon_in).collect();
    }
    if let Some(list) = u.clusters {
        for (i, x) in list.iter().enumerate() {
            validate_text(&format!("clusters[{i}].name"), &x.name)?;
            for (j, m) in x.members.iter().enumerate() {
                validate_text(&format!("clusters[{i}].members[{j}]"), m)?;
            }
        }
        c.clusters = list.into_iter().map(|x| ProviderCluster { name: x.name, members: x.members }).collect();
    }
    if let Some(limits) = u.special_limits {
        let limits = limits.map(convert::special_limits_in).transpose()?;
        validate_special_limits(limits.as_ref(), topology, "special_limits")?;
        c.special_limits = limits;
    }
    // The newer reading has no subnet-type scopes: refuse them rather than ignore them.
    if c.settings().special_limits_reading == ic_topology::inputs::SpecialLimitsReading::BySubnetId {
        use ic_topology::inputs::SpecialLimitScope;
        if let Some(SpecialLimitScope::SubnetType(t)) =
            c.special_limits.iter().flat_map(|l| l.keys()).find(|k| matches!(k, SpecialLimitScope::SubnetType(_)))
        {
            return Err(invalid(
                "special_limits_reading",
                format!(
                    "by_subnet_id reads special limits keyed by subnet id and default only; the special limits \
                     have a subnet-type scope {t:?} (give them by subnet id, or keep the 2025 reading)"
                ),
            ));
        }
    }
    if let Some(r) = u.country_restrictions {
        if let Some(list) = &r {
            for (i, x) in list.iter().enumerate() {
                validate_text(&format!("country_restrictions[{i}].subnet_type"), &x.subnet_type)?;
                if x.countries.is_empty() {
                    return Err(invalid(format!("country_restrictions[{i}].countries"), "must not be empty"));
                }
            }
        }
        c.country_restrictions = r.map(|list| {
            list.into_iter()
                .map(|x| CountryRestriction { subnet_type: x.subnet_type, countries: x.countries })
                .collect()
        });
    }
    if let Some(names) = u.provider_names {
        let mut map = BTreeMap::new();
        for (i, n) in names.into_iter().enumerate() {
            validate_text(&format!("provider_names[{i}].name"), &n.name)?;
            map.insert(n.provider.to_text(), n.name);
        }
        c.provider_names = map;
    }
    if let Some(id) = u.registry_canister_id {
        if id == Principal::anonymous() || id == Principal::management_canister() {
            return Err(invalid("registry_canister_id", "must be a canister id"));
        }
        c.registry_canister_id = Some(id.to_text());
    }
    if let Some(seconds) = u.sync_interval_seconds {
        if !(MIN_SYNC_INTERVAL_SECONDS..=MAX_SYNC_INTERVAL_SECONDS).contains(&seconds) {
            return Err(invalid(
                "sync_interval_seconds",
                format!("must be between {MIN_SYNC_INTERVAL_SECONDS} and {MAX_SYNC_INTERVAL_SECONDS}"),
            ));
        }
        c.sync_interval_seconds = Some(seconds);
    }
    if let Some(list) = u.node_health {
        if list.len() > MAX_NODE_HEALTH {
            return Err(invalid("node_health", format!("at most {MAX_NODE_HEALTH} entries")));
        }
        let mut map = BTreeMap::new();
        for (i, h) in list.into_iter().enumerate() {
            validate_text(&format!("node_health[{i}].node_id"), &h.node_id)?;
            let status = match h.health {
                api::Health::Up => "UP",
                api::Health::Down => "DOWN",
                api::Health::Degraded => "DEGRADED",
            };
            if map.insert(h.node_id.clone(), status.to_string()).is_some() {
                return Err(invalid(format!("node_health[{i}].node_id"), format!("{} appears twice", h.node_id)));
            }
        }
        c.node_health = map;
    }
    Ok(c)
}

fn validate_node(i: usize, n: api::Node) -> Result<RegistryNode> {
    let f = |name: &str| format!("nodes[{i}].{name}");
    for (name, value) in [
        ("node_id", &n.node_id),
        ("node_operator_id", &n.node_operator_id),
        ("node_provider_id", &n.node_provider_id),
        ("data_center", &n.data_center),
        ("data_center_provider", &n.data_center_provider),
        ("status", &n.status),
    ] {
        if value.is_empty() || value.len() > MAX_TEXT {
            return Err(invalid(f(name), format!("must be 1 to {MAX_TEXT} bytes")));
        }
    }
    if n.node_provider_name.len() > MAX_TEXT {
        return Err(invalid(f("node_provider_name"), format!("at most {MAX_TEXT} bytes")));
    }
    if n.region.split(',').nth(1).is_none() || n.region.len() > MAX_TEXT {
        return Err(invalid(f("region"), "must read \"Continent,CC,City\""));
    }
    Ok(convert::node_in(n))
}

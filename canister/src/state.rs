//! The canister's state and every operation on it, with no ic-cdk inside:
//! the caller, the controllers and the instruction counter come through
//! [`Env`], so all of this runs in `cargo test` natively.
//!
//! Stored state lives in stable structures ([`crate::memory`]). What queries
//! need fast (the engine's inputs, their digests and the baseline solve) is
//! derived from it into the heap whenever the stored state changes, in update
//! calls, `init` and `post_upgrade`: a query cannot keep what it computes.

use crate::api::{self, Error, Result};
use crate::convert;
use crate::memory::{self, Memory, Stored};
use crate::publish::{self, Published};
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
pub const MAX_SUBNETS: usize = 500;
pub const MAX_SUBNET_SIZE: u32 = 100;
pub const MAX_NODES_PER_CHUNK: usize = 2_000;
pub const MAX_SNAPSHOT_NODES: u64 = 50_000;
pub const MAX_PIPELINE: usize = 5_000;
/// Branch-and-bound nodes per solve in a query (the engine's canister profile,
/// which `topology` uses on an export to reproduce these answers).
pub const QUERY_BUDGET: Budget = ic_topology::export::CANISTER_BUDGET;
/// Solves per query beyond the cached baseline: about 0.9 billion instructions
/// each at mainnet scale, so four stay under the 5 billion of a query. Curve
/// points left unsolved come back as `budget_exceeded` with their bounds.
pub const QUERY_SOLVES: usize = ic_topology::export::CANISTER_SOLVES;
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
}

impl StoredConfiguration {
    pub fn settings(&self) -> Settings {
        self.settings.unwrap_or_else(|| ic_topology::inputs::RuleSet::Y2025.default_settings())
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

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotMeta {
    pub registry_version: u64,
    pub timestamp_nanos: u64,
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
}

pub struct State {
    configuration: StableCell<Stored<StoredConfiguration>, Memory>,
    topology: StableCell<Stored<StoredTopology>, Memory>,
    nodes: StableBTreeMap<String, Stored<RegistryNode>, Memory>,
    snapshot: StableCell<Stored<SnapshotMeta>, Memory>,
    staged_nodes: StableBTreeMap<String, Stored<RegistryNode>, Memory>,
    staged: StableCell<Stored<StagedSnapshot>, Memory>,
    published: Published,
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
            nodes: memory::map(memory::NODES),
            snapshot: memory::cell(memory::SNAPSHOT, SnapshotMeta::default()),
            staged_nodes: memory::map(memory::STAGED_NODES),
            staged: memory::cell(memory::STAGED_SNAPSHOT, StagedSnapshot::default()),
            published: Published::open(),
            derived: None,
        };
        s.rederive();
        s
    }

    /// The engine's inputs from the stored state.
    fn inputs(&self) -> Inputs {
        let config = &self.configuration.get().value;
        let names = &config.provider_names;
        let nodes = self
            .nodes
            .iter()
            .map(|entry| {
                let mut node = entry.value().value;
                // A configured name wins over whatever the snapshot carried.
                if let Some(name) = names.get(&node.node_provider_id) {
                    node.node_provider_name = name.clone();
                }
                node
            })
            .collect();
        Inputs {
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
        }
    }

    /// Rebuild what queries read. Runs in updates, init and post_upgrade.
    fn rederive(&mut self) {
        if self.nodes.is_empty() {
            self.derived = None;
            return;
        }
        let inputs = self.inputs();
        let model = model::build(&inputs, &[]);
        let baseline = solve::solve(&model, Budget::default());
        // The configuration digest is the export's SHA-256: serialise once.
        let export = export::to_bytes(&inputs);
        self.derived = Some(Derived {
            topology_sha256: digest::topology_digest(&inputs.topology),
            configuration_sha256: digest::sha256_hex(&export),
            export,
            inputs,
            model,
            baseline,
        });
    }

    fn authorize(&self, env: &impl Env, method: &str) -> Result<()> {
        let caller = env.caller();
        if env.is_controller(&caller) {
            Ok(())
        } else {
            Err(Error::Unauthorized { caller, method: method.into() })
        }
    }

    // ---- queries ----

    fn derived(&self) -> Result<&Derived> {
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
        let inputs_override = self.overridden(req.overrides.as_ref())?;
        let inputs = inputs_override.as_ref().unwrap_or(&derived.inputs);
        // The baseline depends only on the snapshot and the configuration: reuse it.
        let baseline = inputs_override.is_none().then_some((&derived.model, &derived.baseline));
        let (model, ev) = evaluate::evaluate_with_baseline(inputs, &candidates, QUERY_BUDGET, baseline, QUERY_SOLVES);
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

    fn registry_version(&self) -> u64 {
        self.snapshot.get().value.registry_version
    }

    pub fn evaluate_candidates(&self, env: &impl Env, req: api::EvaluateRequest) -> Result<api::Evaluation> {
        let run = self.run(&req)?;
        Ok(self.evaluation_out(env, run, req))
    }

    fn evaluation_out(&self, env: &impl Env, run: Run, req: api::EvaluateRequest) -> api::Evaluation {
        let derived = self.derived.as_ref().expect("a run needs the derived state");
        convert::evaluation(
            &run.model,
            &run.evaluation,
            req,
            run.settings,
            self.registry_version(),
            derived.topology_sha256.clone(),
            run.configuration_sha256,
            env.instructions(),
        )
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
        let run = self.run(&req)?;
        let evaluation = self.evaluation_out(env, run, req);
        let candid = candid::encode_one(&evaluation).expect("an evaluation encodes");
        let evicted = self.published.insert(key.clone(), candid);
        env.set_certified_data(&self.published.root_hash());
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
        let Some(entry) = self.published.get(&key) else {
            return Err(Error::NotFound {
                reason: format!(
                    "no evaluation is published under {key} (never published, or evicted: at most {} are kept)",
                    publish::MAX_PUBLISHED
                ),
            });
        };
        Ok(api::CertifiedEvaluation {
            witness: self.published.witness(&key),
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
    pub fn certified_root(&self) -> [u8; 32] {
        self.published.root_hash()
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
        let request = api::EvaluateRequest { candidates: req.candidates, overrides: None, include_allocation: None };
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
        Ok(api::ProposalSummary {
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
        })
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
        for e in self.nodes.iter() {
            let n = e.value().value;
            operators.insert(n.node_operator_id);
            providers.insert(n.node_provider_id);
            dcs.insert(n.data_center);
            if let Some(s) = n.subnet_id {
                subnets.insert(s);
            }
        }
        let baseline = self.derived.as_ref().map(|d| &d.baseline);
        api::SnapshotInfo {
            registry_version: meta.registry_version,
            timestamp_nanos: meta.timestamp_nanos,
            nodes: self.nodes.len(),
            node_operators: operators.len() as u64,
            node_providers: providers.len() as u64,
            data_centers: dcs.len() as u64,
            subnets: subnets.len() as u64,
            baseline_status: baseline.map(|b| convert::status(b.status)),
            baseline_objective: baseline.and_then(|b| b.objective),
        }
    }

    pub fn list_nodes(&self, req: api::ListNodesRequest) -> Result<api::NodePage> {
        let limit = req.limit.unwrap_or(DEFAULT_PAGE);
        if limit == 0 || limit > MAX_PAGE {
            return Err(invalid("limit", format!("must be between 1 and {MAX_PAGE}")));
        }
        let names = &self.configuration.get().value.provider_names;
        let country_of = |n: &RegistryNode| n.region.split(',').nth(1).unwrap_or("").trim().to_string();
        let mut nodes = Vec::new();
        let mut next = None;
        let start = match &req.start_after {
            Some(s) => std::ops::Bound::Excluded(s.clone()),
            None => std::ops::Bound::Unbounded,
        };
        for e in self.nodes.range((start, std::ops::Bound::Unbounded)) {
            let mut n = e.value().value;
            if let Some(name) = names.get(&n.node_provider_id) {
                n.node_provider_name = name.clone();
            }
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
        let mut nodes = Vec::with_capacity(pipeline.len());
        for (i, p) in pipeline.into_iter().enumerate() {
            let f = |name: &str| format!("pipeline[{i}].{name}");
            // Verbatim, as the reference keeps pipeline fields (the 2023
            // pipeline's ` KR` is a country of its own): only empty or
            // oversized text is refused.
            for (name, value) in [
                ("node_provider", &p.node_provider),
                ("data_center", &p.data_center),
                ("data_center_provider", &p.data_center_provider),
                ("country", &p.country),
            ] {
                if value.trim().is_empty() || value.len() > MAX_TEXT {
                    return Err(invalid(f(name), format!("must be 1 to {MAX_TEXT} bytes of text")));
                }
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
        let keys: Vec<String> = self.staged_nodes.iter().map(|e| e.key().clone()).collect();
        for k in keys {
            self.staged_nodes.remove(&k);
        }
        let meta = SnapshotMeta { registry_version: req.registry_version, timestamp_nanos: req.timestamp_nanos };
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
            self.staged_nodes.insert(node.node_id.clone(), Stored::new(node));
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
        // Replace the snapshot in this one message: it traps whole or applies whole.
        let old: Vec<String> = self.nodes.iter().map(|e| e.key().clone()).collect();
        for k in old {
            self.nodes.remove(&k);
        }
        let staged: Vec<(String, Stored<RegistryNode>)> =
            self.staged_nodes.iter().map(|e| (e.key().clone(), e.value())).collect();
        for (k, v) in staged {
            self.staged_nodes.remove(&k);
            self.nodes.insert(k, v);
        }
        self.snapshot.set(Stored::new(meta));
        self.staged.set(Stored::new(StagedSnapshot::default()));
        self.rederive();
        Ok(self.snapshot_info())
    }

    /// Apply init arguments (all optional).
    pub fn init(&mut self, args: api::InitArgs) -> Result<()> {
        if let Some(t) = args.topology {
            let subnets = validate_topology(&t.subnets)?;
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

/// Only this canister encodes the bytes it stored; failing to decode them is a bug.
fn decode_evaluation(candid: &[u8]) -> api::Evaluation {
    candid::decode_one(candid).expect("a stored evaluation decodes")
}

fn validate_text(field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if value.len() > MAX_TEXT {
        return Err(invalid(field, format!("at most {MAX_TEXT} bytes")));
    }
    if value.trim() != value {
        return Err(invalid(field, "has spaces around it (it would count as a different value)"));
    }
    Ok(())
}

pub fn validate_candidates(rows: &[api::CandidateRow]) -> Result<Vec<CandidateRow>> {
    if rows.len() > MAX_CANDIDATE_ROWS {
        return Err(invalid("candidates", format!("at most {MAX_CANDIDATE_ROWS} rows")));
    }
    let mut total = 0u32;
    let mut out = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let f = |name: &str| format!("candidates[{i}].{name}");
        validate_text(&f("node_provider"), &r.node_provider)?;
        validate_text(&f("data_center"), &r.data_center)?;
        validate_text(&f("data_center_provider"), &r.data_center_provider)?;
        validate_text(&f("country"), &r.country)?;
        if r.no_nodes == 0 {
            return Err(invalid(f("no_nodes"), "must be at least 1"));
        }
        total = total.saturating_add(r.no_nodes);
        if total > MAX_CANDIDATE_NODES {
            return Err(invalid("candidates", format!("at most {MAX_CANDIDATE_NODES} candidate nodes in all")));
        }
        out.push(convert::candidate_in(r));
    }
    Ok(out)
}

fn apply_overrides(mut s: Settings, o: &api::SettingsOverride) -> Result<Settings> {
    if let Some(n) = o.synthetic_countries {
        if n > MAX_SYNTHETIC_COUNTRIES {
            return Err(invalid("overrides.synthetic_countries", format!("at most {MAX_SYNTHETIC_COUNTRIES}")));
        }
        s.synthetic_countries = n;
    }
    if let Some(b) = o.enforce_sev {
        s.enforce_sev = b;
    }
    if let Some(b) = o.enforce_health {
        s.enforce_health = b;
    }
    if let Some(b) = o.enforce_blacklist {
        s.enforce_blacklist = b;
    }
    if let Some(b) = o.enforce_per_provider_minimum {
        s.enforce_per_provider_minimum = b;
    }
    Ok(s)
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

//! The canister's Candid types. Plain data with no ic-cdk dependency, so that
//! the canister, the `topology` tool, frontends and tests share them (and
//! [`convert`], between them and the engine's records). `candid/topology.did`
//! is the same interface written by hand; a test in the canister keeps the two
//! equal.

pub mod convert;
pub mod placement;
pub mod plan;

pub use placement::*;
pub use plan::*;

use candid::{CandidType, Deserialize, Principal};

/// Every caller mistake and every refusal, never a trap.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// An argument is wrong: which field, and why.
    InvalidArgument { field: String, reason: String },
    /// Only the canister's controllers may call this method.
    Unauthorized { caller: Principal, method: String },
    /// No registry snapshot is loaded yet, so there is nothing to evaluate.
    NotReady { reason: String },
    /// The solve ran out of its work budget; the ObjectiveValue lies within these bounds.
    BudgetExceeded { lower_bound: u32, upper_bound: Option<u32> },
    /// A registry sync asked for by `sync_now` did not complete (or another
    /// is running); the snapshot in use is unchanged. The reason is also in
    /// `get_sync_status`.
    SyncFailed { reason: String },
    /// What was asked for is not held: a published evaluation that was never
    /// published or was evicted, or a registry version other than the
    /// snapshot's (the canister keeps only the current snapshot).
    NotFound { reason: String },
}

pub type Result<T> = std::result::Result<T, Error>;

#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attribute {
    #[serde(rename = "node_provider")]
    NodeProvider,
    #[serde(rename = "data_center")]
    DataCenter,
    #[serde(rename = "data_center_provider")]
    DataCenterProvider,
    #[serde(rename = "country")]
    Country,
}

/// How special limits are read (see the engine's `SpecialLimitsReading`).
#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecialLimitsReading {
    /// Scopes `default`, subnet type and subnet id; DFINITY exactly 1 per
    /// subnet under the 2025 rules unless a special limit names it.
    #[serde(rename = "reading_2025")]
    Y2025,
    /// Keys are subnet ids and `default` only; DFINITY's exactly 1 is a
    /// default special limit only.
    #[serde(rename = "by_subnet_id")]
    BySubnetId,
}

#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleSet {
    #[serde(rename = "rules_2023_12")]
    Dec2023,
    #[serde(rename = "rules_2024_11")]
    Nov2024,
    #[serde(rename = "rules_2025")]
    Y2025,
}

#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    #[serde(rename = "optimal")]
    Optimal,
    #[serde(rename = "infeasible")]
    Infeasible,
    #[serde(rename = "budget_exceeded")]
    BudgetExceeded,
}

#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    #[serde(rename = "one_for_one")]
    OneForOne,
    #[serde(rename = "diminishing")]
    Diminishing,
    #[serde(rename = "none")]
    None,
}

/// Candidate nodes in the seed's parameters: `no_nodes` identical nodes.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CandidateRow {
    pub node_provider: String,
    pub data_center: String,
    pub data_center_provider: String,
    pub country: String,
    pub is_sev: bool,
    pub no_nodes: u32,
}

/// The switches of the model.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Settings {
    pub rules: RuleSet,
    pub synthetic_countries: u32,
    pub enforce_sev: bool,
    pub enforce_health: bool,
    pub enforce_blacklist: bool,
    pub enforce_per_provider_minimum: bool,
    /// How special limits are read; absent: the 2025 reading.
    pub special_limits_reading: Option<SpecialLimitsReading>,
    /// `spare_node_ratio` in [0, 1]; absent: no spare-node rule.
    pub spare_node_ratio: Option<f64>,
}

/// Per-request overrides of the configured settings; echoed back in the answer.
#[derive(CandidType, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct SettingsOverride {
    pub synthetic_countries: Option<u32>,
    pub enforce_sev: Option<bool>,
    pub enforce_health: Option<bool>,
    pub enforce_blacklist: Option<bool>,
    pub enforce_per_provider_minimum: Option<bool>,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct EvaluateRequest {
    pub candidates: Vec<CandidateRow>,
    pub overrides: Option<SettingsOverride>,
    /// Include the allocation (node ids per subnet) in the answer (default false).
    pub include_allocation: Option<bool>,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CurvePoint {
    pub nodes: u32,
    pub status: Status,
    pub objective: Option<u32>,
    pub lower_bound: u32,
    pub upper_bound: Option<u32>,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ValueMultiplier {
    pub attribute: Attribute,
    /// Index into the model's sorted values of the attribute.
    pub value: u32,
    pub multiplier: i64,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SubnetMultipliers {
    pub subnets: Vec<u32>,
    pub size: i64,
    pub values: Vec<ValueMultiplier>,
}

/// Integer multipliers on the rows of the model's LP relaxation; see the engine's `check` module.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    pub denominator: u64,
    pub classes: Vec<(u32, i64)>,
    pub provider_minimums: Vec<(u32, i64)>,
    /// On the spare-limit rows (`spare_node_ratio`); absent: none.
    pub spare_limits: Option<Vec<(u32, i64)>>,
    pub subnets: Vec<SubnetMultipliers>,
    /// The bound the multipliers prove: numerator / denominator (as text: it is an i128).
    pub bound_numerator: String,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SubnetAllocation {
    pub subnet_type: String,
    pub subnet_id: Option<String>,
    pub synthetic: u32,
    /// Nakamoto coefficients: node provider, data center, data-center provider, country.
    pub nakamoto: Vec<u32>,
    pub nodes: Vec<String>,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub status: Status,
    /// The ObjectiveValue with the candidates included (`null` unless optimal).
    pub objective: Option<u32>,
    pub baseline_objective: Option<u32>,
    pub reduction: Option<i64>,
    pub verdict: Option<Verdict>,
    pub candidate_nodes: u32,
    pub curve: Vec<CurvePoint>,
    pub optimal_deployment_size: Option<u32>,
    pub lower_bound: u32,
    pub upper_bound: Option<u32>,
    pub certificate: Certificate,
    pub certificate_is_tight: bool,
    /// When infeasible: multipliers that prove no allocation exists (a
    /// positive bound under the zero objective; `bound_numerator` is that
    /// bound). `null` when the LP relaxation is feasible.
    pub infeasibility_certificate: Option<Certificate>,
    /// When infeasible: the constraints that cannot hold together, in words.
    /// (`opt`, like the certificate, so that evaluations published before these
    /// fields existed still decode.)
    pub infeasibility_explanation: Option<Vec<String>>,
    pub allocation: Option<Vec<SubnetAllocation>>,
    pub candidates: Vec<CandidateRow>,
    /// The settings used: the configured ones with the request's overrides applied.
    pub settings: Settings,
    pub overrides: Option<SettingsOverride>,
    pub registry_version: u64,
    /// Where the snapshot came from (the registry sync or an upload).
    pub snapshot_source: SnapshotSource,
    /// How many of the snapshot's nodes took a documented default.
    pub defaults_applied: DefaultsApplied,
    pub topology_sha256: String,
    pub configuration_sha256: String,
    /// Instructions this call used (`ic0.performance_counter`).
    pub instructions: u64,
}

/// Where the snapshot in use came from.
#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotSource {
    /// `begin_snapshot_upload` .. `commit_snapshot_upload` (bootstrap, tests).
    #[serde(rename = "upload")]
    Upload,
    /// The registry sync, at the registry version it reached.
    #[serde(rename = "registry")]
    Registry,
}

/// Values the registry does not hold, and the defaults nodes take when the
/// configuration gives none: a provider without a configured name is named
/// by its principal (text); a node without configured health is UP. Uploaded
/// nodes carry both, so only a registry snapshot takes defaults.
#[derive(CandidType, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct DefaultsApplied {
    /// Nodes whose provider name is their provider's principal.
    pub provider_name_is_principal: u64,
    /// Nodes whose health is the default UP.
    pub health_default_up: u64,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SubnetSpec {
    pub subnet_type: String,
    pub subnet_id: Option<String>,
    pub size: u32,
    pub is_sev: bool,
    pub limit_node_provider: u32,
    pub limit_data_center: u32,
    pub limit_data_center_provider: u32,
    pub limit_country: u32,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Topology {
    /// One entry per subnet, in order.
    pub subnets: Vec<SubnetSpec>,
    /// The NNS proposal that adopted it.
    pub proposal: u64,
    pub sha256: String,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SetTopologyRequest {
    pub subnets: Vec<SubnetSpec>,
    pub proposal: u64,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum LimitOp {
    #[serde(rename = "at_most")]
    AtMost,
    #[serde(rename = "exactly")]
    Exactly,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum SpecialLimitScope {
    #[serde(rename = "subnet_id")]
    SubnetId(String),
    #[serde(rename = "subnet_type")]
    SubnetType(String),
    #[serde(rename = "default")]
    Default,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SpecialLimit {
    pub scope: SpecialLimitScope,
    pub attribute: Attribute,
    pub value: String,
    pub count: u32,
    pub op: LimitOp,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum CordonedFeature {
    #[serde(rename = "node_id")]
    NodeId,
    #[serde(rename = "node_provider")]
    NodeProvider,
    #[serde(rename = "node_operator")]
    NodeOperator,
    #[serde(rename = "data_center")]
    DataCenter,
    #[serde(rename = "data_center_provider")]
    DataCenterProvider,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Cordon {
    pub feature: CordonedFeature,
    pub value: String,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ProviderCluster {
    pub name: String,
    pub members: Vec<String>,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CountryRestriction {
    pub subnet_type: String,
    pub countries: Vec<String>,
}

#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    #[serde(rename = "UP")]
    Up,
    #[serde(rename = "DOWN")]
    Down,
    #[serde(rename = "DEGRADED")]
    Degraded,
}

/// A node's health as the controllers configure it (the dashboard's status;
/// not on chain). Nodes not listed are UP.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct NodeHealth {
    pub node_id: String,
    pub health: Health,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ProviderName {
    pub provider: Principal,
    pub name: String,
}

/// A node that is not in the registry yet.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PlannedNode {
    pub node_id: Option<String>,
    pub node_provider: String,
    pub data_center: String,
    pub data_center_provider: String,
    pub country: String,
    pub is_sev: bool,
}

/// Everything the controllers configure (names, health, SEV, limits and the
/// rest have no on-chain source).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Configuration {
    pub settings: Settings,
    pub sev_providers: Vec<String>,
    pub cordons: Vec<Cordon>,
    pub clusters: Vec<ProviderCluster>,
    /// `null`: the rule set's default special limits.
    pub special_limits: Option<Vec<SpecialLimit>>,
    /// `null`: the rule set's default country-restricted subnet types.
    pub country_restrictions: Option<Vec<CountryRestriction>>,
    pub provider_names: Vec<ProviderName>,
    pub pipeline: Vec<PlannedNode>,
    /// The NNS registry canister the sync reads (default `rwlgt-iiaaa-aaaaa-aaaaa-cai`).
    pub registry_canister_id: Principal,
    /// Seconds between periodic syncs (default 3600).
    pub sync_interval_seconds: u64,
    /// Health of nodes that are not UP (every other node is UP).
    pub node_health: Vec<NodeHealth>,
    pub sha256: String,
}

/// A partial update: every field left `null` keeps its value.
#[derive(CandidType, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct ConfigurationUpdate {
    pub rules: Option<RuleSet>,
    pub synthetic_countries: Option<u32>,
    pub enforce_sev: Option<bool>,
    pub enforce_health: Option<bool>,
    pub enforce_blacklist: Option<bool>,
    pub enforce_per_provider_minimum: Option<bool>,
    /// How special limits are read (`by_subnet_id` refuses subnet-type scopes).
    pub special_limits_reading: Option<SpecialLimitsReading>,
    /// `spare_node_ratio` in [0, 1]; `opt null` removes the rule.
    pub spare_node_ratio: Option<Option<f64>>,
    pub sev_providers: Option<Vec<String>>,
    pub cordons: Option<Vec<Cordon>>,
    pub clusters: Option<Vec<ProviderCluster>>,
    /// `opt null` resets to the rule set's default.
    pub special_limits: Option<Option<Vec<SpecialLimit>>>,
    pub country_restrictions: Option<Option<Vec<CountryRestriction>>>,
    pub provider_names: Option<Vec<ProviderName>>,
    pub registry_canister_id: Option<Principal>,
    /// Between 60 and 604800 (a week).
    pub sync_interval_seconds: Option<u64>,
    /// Replaces the whole list; at most 5,000 entries, each node once.
    pub node_health: Option<Vec<NodeHealth>>,
}

/// A registry node (the snapshot's record).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub node_id: String,
    pub node_operator_id: String,
    pub node_provider_id: String,
    pub node_provider_name: String,
    pub data_center: String,
    pub data_center_provider: String,
    /// "Continent,CC,City"
    pub region: String,
    pub node_type: Option<String>,
    pub status: String,
    pub subnet_id: Option<String>,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SnapshotInfo {
    pub registry_version: u64,
    pub timestamp_nanos: u64,
    pub nodes: u64,
    pub node_operators: u64,
    pub node_providers: u64,
    pub data_centers: u64,
    pub subnets: u64,
    /// The ObjectiveValue of the snapshot without candidates, computed when it was loaded.
    pub baseline_status: Option<Status>,
    pub baseline_objective: Option<u32>,
    pub source: SnapshotSource,
    pub defaults_applied: DefaultsApplied,
}

/// Where the registry sync stands (`get_sync_status`).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SyncStatus {
    pub registry_canister_id: Principal,
    pub sync_interval_seconds: u64,
    /// The registry version the stored records reflect.
    pub cursor_version: u64,
    /// The newest registry version the registry reported.
    pub latest_version_seen: u64,
    /// The registry version of the snapshot in use, when it came from the registry.
    pub snapshot_version: Option<u64>,
    /// When the last sync completed (ns since the epoch).
    pub last_success_nanos: Option<u64>,
    pub last_error: Option<String>,
    pub last_error_nanos: Option<u64>,
    pub consecutive_failures: u32,
    pub in_progress: bool,
    /// Records kept (nodes, operators, data centers, subnets, subnet list, API boundary nodes).
    pub records: u64,
    /// Counts of the last derived snapshot.
    pub nodes: u64,
    pub node_operators: u64,
    pub data_centers: u64,
    pub subnets: u64,
    pub api_boundary_nodes: u64,
    /// Nodes with a SEV-SNP chip id (reported only: SEV capability is by the
    /// configured SEV providers, as in the reference).
    pub nodes_with_chip_id: u64,
    /// Node records left out (no operator or data-center record).
    pub nodes_skipped: u64,
    /// The most instructions one message of the last completed sync used.
    pub max_message_instructions: u64,
    /// The last snapshot derived from the records: how many records, and the
    /// instructions of deriving the nodes from them, of storing the nodes, and
    /// of deriving the engine's inputs with the baseline solve.
    pub last_install_records: u64,
    pub last_derive_instructions: u64,
    pub last_store_instructions: u64,
    pub last_rederive_instructions: u64,
    /// The NNS governance watcher (proposal verdicts).
    pub governance: GovernanceWatcherStatus,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct BeginSnapshotRequest {
    pub registry_version: u64,
    pub timestamp_nanos: u64,
    pub node_count: u64,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ListNodesRequest {
    pub node_provider: Option<String>,
    pub country: Option<String>,
    pub data_center: Option<String>,
    pub subnet_id: Option<String>,
    /// Node id to start after (exclusive), for paging.
    pub start_after: Option<String>,
    /// At most 500; default 100.
    pub limit: Option<u32>,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct NodePage {
    pub nodes: Vec<Node>,
    /// Pass as `start_after` for the next page; `null` at the end.
    pub next: Option<String>,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct LimitBreach {
    pub attribute: Attribute,
    pub value: String,
    pub count: u32,
    pub limit: u32,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SubnetDecentralization {
    pub subnet_id: String,
    /// The topology entry with this subnet id, if any.
    pub subnet_type: Option<String>,
    pub nodes: u32,
    /// Nakamoto coefficients: node provider, data center, data-center provider, country.
    pub nakamoto: Vec<u32>,
    /// Limits of the matching topology entry that the subnet breaks today.
    pub breaches: Vec<LimitBreach>,
}

#[derive(CandidType, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct InitArgs {
    pub topology: Option<SetTopologyRequest>,
    pub configuration: Option<ConfigurationUpdate>,
}

/// Which check a verified evaluation failed (see the engine's `verify` module).
#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyCheck {
    /// The settings (configured, with the evaluation's overrides) differ.
    #[serde(rename = "settings")]
    Settings,
    #[serde(rename = "topology_digest")]
    TopologyDigest,
    #[serde(rename = "configuration_digest")]
    ConfigurationDigest,
    #[serde(rename = "candidates")]
    Candidates,
    /// A multiplier out of place: which row, and why.
    #[serde(rename = "certificate")]
    Certificate,
    /// The bound the multipliers prove is not the one claimed.
    #[serde(rename = "bound")]
    Bound,
    /// Which subnet, which node, which limit.
    #[serde(rename = "allocation")]
    Allocation,
    #[serde(rename = "objective")]
    Objective,
    /// A field derived from the curve does not follow from it.
    #[serde(rename = "curve")]
    Curve,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub check: VerifyCheck,
    pub reason: String,
}

/// The answer of `verify_evaluation`: a rejected evaluation is an `Ok` with
/// `verified = false` (the call worked; the evaluation is false).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct VerificationReport {
    pub verified: bool,
    pub rejection: Option<Rejection>,
    /// The certificate alone proves the status (optimal or infeasible);
    /// otherwise optimality rests on the solver's branch and bound.
    pub proven: bool,
    pub summary: String,
    /// The bound the certificate proves, numerator / denominator (text: an i128).
    pub bound_numerator: String,
    pub bound_denominator: u64,
    pub registry_version: u64,
    /// Instructions this call used.
    pub instructions: u64,
}

/// The answer of `publish_evaluation`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct PublishedEvaluation {
    /// The publication key: pass it to `get_published_evaluation`.
    pub key: String,
    pub evaluation: Evaluation,
    /// `false`: this key was published before; that evaluation is returned.
    pub newly_published: bool,
    /// Keys evicted to make room (oldest first).
    pub evicted: Vec<String>,
    /// Evaluations held now.
    pub published: u64,
}

/// A published evaluation with what proves it: `evaluation_candid` is the
/// certified bytes (`evaluation` is them decoded); the witness's leaf at
/// `published/<key>` is their SHA-256, its root hash the canister's certified
/// data, which `certificate` (the system's, CBOR) signs.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct CertifiedEvaluation {
    pub key: String,
    pub evaluation: Evaluation,
    #[serde(with = "serde_bytes")]
    pub evaluation_candid: Vec<u8>,
    /// `null` when called as an update (certificates exist only for queries).
    pub certificate: Option<serde_bytes::ByteBuf>,
    #[serde(with = "serde_bytes")]
    pub witness: Vec<u8>,
    pub canister_id: Principal,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ExportRequest {
    /// The registry version expected; another than the snapshot's is `NotFound`.
    pub registry_version: Option<u64>,
    /// Byte offset of the page.
    pub offset: u64,
    /// Bytes per page: at most 1,000,000 (default).
    pub length: Option<u32>,
}

/// One page of the export: the canonical JSON of the engine's inputs, whose
/// SHA-256 is `configuration_sha256`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ExportPage {
    pub registry_version: u64,
    pub timestamp_nanos: u64,
    pub topology_sha256: String,
    pub configuration_sha256: String,
    pub total_bytes: u64,
    pub offset: u64,
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
    /// Pass as `offset` for the next page; `null` at the end.
    pub next_offset: Option<u64>,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ProposalSummaryRequest {
    pub candidates: Vec<CandidateRow>,
    /// The plan form: the text of a membership plan (the candidates must then be empty).
    pub plan: Option<PlanRequest>,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ProposalSummary {
    /// The text a node-operator proposal quotes.
    pub text: String,
    /// SHA-256 (hex) of the text's UTF-8 bytes: it replaces the PDF hash.
    pub sha256: String,
    /// The publication key of the same evaluation (`publish_evaluation` with
    /// these candidates and no overrides certifies it).
    pub publication_key: String,
    pub registry_version: u64,
    pub instructions: u64,
}

// ---- The NNS governance watcher: proposal verdicts ----

/// The proposals whose verdicts the watcher computes, by NNS function.
#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProposalKind {
    /// `AssignNoid` (8): `add_node_operator`.
    #[serde(rename = "add_node_operator")]
    AddNodeOperator,
    /// `UpdateNodeOperatorConfig` (16).
    #[serde(rename = "update_node_operator_config")]
    UpdateNodeOperatorConfig,
    /// `RemoveNodes` (18).
    #[serde(rename = "remove_nodes")]
    RemoveNodes,
    /// `RemoveNodeOperators` (23).
    #[serde(rename = "remove_node_operators")]
    RemoveNodeOperators,
    /// `ChangeSubnetMembership` (31).
    #[serde(rename = "change_subnet_membership")]
    ChangeSubnetMembership,
}

/// A proposal's status as governance reports it (`ProposalStatus`).
#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProposalStatus {
    #[serde(rename = "unspecified")]
    Unspecified,
    #[serde(rename = "open")]
    Open,
    #[serde(rename = "rejected")]
    Rejected,
    #[serde(rename = "adopted")]
    Adopted,
    #[serde(rename = "executed")]
    Executed,
    #[serde(rename = "failed")]
    Failed,
}

/// A value the summary quotes, against the computed one.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum ClaimCheck {
    #[serde(rename = "matches")]
    Matches { value: u32 },
    /// `computed` is `null` when the canister has no exact value to compare with.
    #[serde(rename = "differs")]
    Differs { claimed: u32, computed: Option<u32> },
    #[serde(rename = "no_claim_found")]
    NoClaimFound,
}

/// The summary's ObjectiveValue claims, before and after the change.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SummaryClaims {
    pub before: ClaimCheck,
    pub after: ClaimCheck,
}

/// An ObjectiveValue as solved (`objective` is `null` unless optimal).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ObjectiveOutcome {
    pub status: Status,
    pub objective: Option<u32>,
    pub lower_bound: u32,
    pub upper_bound: Option<u32>,
}

/// A subnet's decentralization before or after a membership change.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct MembershipFacts {
    pub nodes: u32,
    /// Nakamoto coefficients: node provider, data center, data-center provider, country.
    pub nakamoto: Vec<u32>,
    /// Limits of the subnet's topology entry it breaks.
    pub breaches: Vec<LimitBreach>,
}

/// What the verdict found.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum VerdictOutcome {
    /// Node-operator proposals: the nodes they allow, evaluated exactly as
    /// `evaluate_candidates` evaluates them. `allowance` is the number of nodes
    /// the proposal allows (an operator update: the nodes it adds); when it is
    /// more than `evaluate_candidates` takes (32 candidate nodes), the first 32
    /// are evaluated and `evaluation.candidate_nodes` is 32. `null` in verdicts
    /// written before the field existed (then every allowed node was evaluated).
    #[serde(rename = "candidates")]
    Candidates { candidates: Vec<CandidateRow>, evaluation: Box<Evaluation>, allowance: Option<u64> },
    /// Node (operator) removals: the ObjectiveValue with and without the nodes.
    #[serde(rename = "removal")]
    Removal { node_ids: Vec<String>, before: ObjectiveOutcome, after: ObjectiveOutcome },
    /// Subnet membership changes: the subnet's limits and Nakamoto coefficients
    /// before and after; `optimality` says whether the change was checked
    /// against an optimal plan, and how.
    #[serde(rename = "membership")]
    Membership {
        subnet_id: String,
        added: Vec<String>,
        removed: Vec<String>,
        before: MembershipFacts,
        after: MembershipFacts,
        optimality: String,
    },
    /// The proposal changes nothing the model sees (e.g. an operator update
    /// that leaves the allowance and the data center as they are).
    #[serde(rename = "no_change")]
    NoChange { reason: String },
    /// The payload does not decode, names an unknown data center or operator,
    /// names nodes the snapshot does not have, or cannot be evaluated: exactly why.
    #[serde(rename = "invalid")]
    Invalid { reason: String },
}

/// The certified verdict on one proposal.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct ProposalVerdict {
    pub proposal_id: u64,
    pub title: Option<String>,
    pub kind: ProposalKind,
    pub nns_function: i32,
    pub topic: i32,
    /// The status when the verdict was last written.
    pub status: ProposalStatus,
    pub proposal_timestamp_seconds: u64,
    pub deadline_timestamp_seconds: Option<u64>,
    /// The snapshot the verdict was computed on.
    pub registry_version: u64,
    pub topology_sha256: String,
    pub configuration_sha256: String,
    pub outcome: VerdictOutcome,
    pub claims: SummaryClaims,
}

/// A verdict with what proves it: `verdict_candid` is the certified bytes, the
/// witness's leaf at `proposals/<id>` their SHA-256.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct CertifiedProposalVerdict {
    pub verdict: ProposalVerdict,
    #[serde(with = "serde_bytes")]
    pub verdict_candid: Vec<u8>,
    /// `null` when called as an update (certificates exist only for queries).
    pub certificate: Option<serde_bytes::ByteBuf>,
    #[serde(with = "serde_bytes")]
    pub witness: Vec<u8>,
    pub canister_id: Principal,
}

#[derive(CandidType, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct ListProposalVerdictsRequest {
    pub status: Option<ProposalStatus>,
    pub kind: Option<ProposalKind>,
    /// Only proposals with a smaller id (the previous page's `next_before`).
    pub before: Option<u64>,
    /// At most 100 (default 20).
    pub limit: Option<u32>,
}

/// Verdicts, newest proposal first.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct ProposalVerdictPage {
    pub verdicts: Vec<ProposalVerdict>,
    /// Pass as `before` for the next page; `null` at the end.
    pub next_before: Option<u64>,
}

/// The governance watcher's settings (controllers only).
#[derive(CandidType, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct GovernanceWatcherSettings {
    /// Default: the NNS governance canister.
    pub governance_canister_id: Option<Principal>,
    /// Default 600; between 60 and 604800.
    pub poll_interval_seconds: Option<u64>,
    /// Default: on when the registry is the NNS registry (a deployment that
    /// reads a stand-in registry must switch the watcher on itself).
    pub enabled: Option<bool>,
}

/// Where the governance watcher stands (part of `get_sync_status`).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct GovernanceWatcherStatus {
    pub governance_canister_id: Principal,
    pub poll_interval_seconds: u64,
    pub enabled: bool,
    pub in_progress: bool,
    /// When the last poll started and when one last completed (ns since the epoch).
    pub last_poll_nanos: Option<u64>,
    pub last_success_nanos: Option<u64>,
    pub last_error: Option<String>,
    pub last_error_nanos: Option<u64>,
    /// Distinct proposals of the watched kinds seen open, ever.
    pub proposals_seen: u64,
    pub verdicts: u64,
    /// Proposals waiting for a verdict (or for a recomputation).
    pub pending: u64,
    /// The most instructions one message of the last completed poll used.
    pub max_message_instructions: u64,
}

/// `http_request`'s argument: the IC HTTP gateway protocol's request.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: serde_bytes::ByteBuf,
    pub certificate_version: Option<u16>,
}

/// `http_request`'s answer (certified pages carry `IC-Certificate` and `IC-CertificateExpression`).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    pub status_code: u16,
    pub headers: Vec<(String, String)>,
    pub body: serde_bytes::ByteBuf,
    pub upgrade: Option<bool>,
}

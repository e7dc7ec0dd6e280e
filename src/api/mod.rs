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
    InvalidArgument {
        /// The argument or field that is wrong.
        field: String,
        /// Why it is wrong.
        reason: String,
    },
    /// Only the canister's controllers may call this method.
    Unauthorized {
        /// The caller.
        caller: Principal,
        /// The method called.
        method: String,
    },
    /// No registry snapshot is loaded yet, so there is nothing to evaluate.
    NotReady {
        /// What is missing.
        reason: String,
    },
    /// The solve ran out of its work budget; the ObjectiveValue lies within these bounds.
    BudgetExceeded {
        /// Proven: the ObjectiveValue is at least this.
        lower_bound: u32,
        /// The value of the best allocation found, if any.
        upper_bound: Option<u32>,
    },
    /// A registry sync asked for by `sync_now` did not complete (or another
    /// is running); the snapshot in use is unchanged. The reason is also in
    /// `get_sync_status`.
    SyncFailed {
        /// Why the sync failed.
        reason: String,
    },
    /// What was asked for is not held: a published evaluation that was never
    /// published or was evicted, or a registry version other than the
    /// snapshot's (the canister keeps only the current snapshot).
    NotFound {
        /// What is not held.
        reason: String,
    },
}

/// A method's answer.
pub type Result<T> = std::result::Result<T, Error>;

/// A node's attribute, which subnet limits count.
#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attribute {
    /// The node provider.
    #[serde(rename = "node_provider")]
    NodeProvider,
    /// The data center.
    #[serde(rename = "data_center")]
    DataCenter,
    /// The data center's provider.
    #[serde(rename = "data_center_provider")]
    DataCenterProvider,
    /// The country.
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

/// The rule sets.
#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleSet {
    /// The rules of December 2023.
    #[serde(rename = "rules_2023_12")]
    Dec2023,
    /// The rules of November 2024.
    #[serde(rename = "rules_2024_11")]
    Nov2024,
    /// The rules of 2025.
    #[serde(rename = "rules_2025")]
    Y2025,
}

/// The outcome of a solve.
#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Proven optimal.
    #[serde(rename = "optimal")]
    Optimal,
    /// No allocation fills the topology.
    #[serde(rename = "infeasible")]
    Infeasible,
    /// The work budget ran out; bounds only.
    #[serde(rename = "budget_exceeded")]
    BudgetExceeded,
}

/// Whether candidate nodes reduce the ObjectiveValue one for one.
#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every candidate node reduces the ObjectiveValue by one.
    #[serde(rename = "one_for_one")]
    OneForOne,
    /// The candidates reduce it, but less than one for one.
    #[serde(rename = "diminishing")]
    Diminishing,
    /// The candidates do not reduce it.
    #[serde(rename = "none")]
    None,
}

/// Candidate nodes in the seed's parameters: `no_nodes` identical nodes.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CandidateRow {
    /// The node provider's name.
    pub node_provider: String,
    /// The data center.
    pub data_center: String,
    /// The data center's provider.
    pub data_center_provider: String,
    /// The country (ISO 3166-1 alpha-2).
    pub country: String,
    /// Whether the node runs SEV.
    pub is_sev: bool,
    /// How many identical nodes.
    pub no_nodes: u32,
}

/// The switches of the model.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Settings {
    /// The rule set.
    pub rules: RuleSet,
    /// How many synthetic countries synthetic nodes may take.
    pub synthetic_countries: u32,
    /// Whether SEV subnets take only SEV nodes.
    pub enforce_sev: bool,
    /// Whether only healthy (UP) nodes are usable.
    pub enforce_health: bool,
    /// Whether cordoned nodes are left out.
    pub enforce_blacklist: bool,
    /// Whether every provider with usable nodes keeps at least one node in a subnet.
    pub enforce_per_provider_minimum: bool,
    /// How special limits are read; absent: the 2025 reading.
    pub special_limits_reading: Option<SpecialLimitsReading>,
    /// `spare_node_ratio` in [0, 1]; absent: no spare-node rule.
    pub spare_node_ratio: Option<f64>,
}

/// Per-request overrides of the configured settings; echoed back in the answer.
#[derive(CandidType, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct SettingsOverride {
    /// How many synthetic countries synthetic nodes may take.
    pub synthetic_countries: Option<u32>,
    /// Whether SEV subnets take only SEV nodes.
    pub enforce_sev: Option<bool>,
    /// Whether only healthy (UP) nodes are usable.
    pub enforce_health: Option<bool>,
    /// Whether cordoned nodes are left out.
    pub enforce_blacklist: Option<bool>,
    /// Whether every provider with usable nodes keeps at least one node in a subnet.
    pub enforce_per_provider_minimum: Option<bool>,
}

/// The argument of `evaluate_candidates`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct EvaluateRequest {
    /// The candidate rows.
    pub candidates: Vec<CandidateRow>,
    /// Overrides of the configured settings.
    pub overrides: Option<SettingsOverride>,
    /// Include the allocation (node ids per subnet) in the answer (default false).
    pub include_allocation: Option<bool>,
}

/// One point of the curve: the ObjectiveValue with this many candidate nodes.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CurvePoint {
    /// Candidate nodes added.
    pub nodes: u32,
    /// Optimal, infeasible, or out of budget.
    pub status: Status,
    /// The ObjectiveValue (`None` unless optimal).
    pub objective: Option<u32>,
    /// Proven: the value is at least this.
    pub lower_bound: u32,
    /// The value of the best solution found, if any.
    pub upper_bound: Option<u32>,
}

/// The multiplier of one per-value limit row.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ValueMultiplier {
    /// The attribute.
    pub attribute: Attribute,
    /// Index into the model's sorted values of the attribute.
    pub value: u32,
    /// The integer multiplier.
    pub multiplier: i64,
}

/// The multipliers of one subnet type's rows.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SubnetMultipliers {
    /// The subnets of the type.
    pub subnets: Vec<u32>,
    /// The multiplier of the size row.
    pub size: i64,
    /// The multipliers of the per-value limit rows.
    pub values: Vec<ValueMultiplier>,
}

/// Integer multipliers on the rows of the model's LP relaxation; see the engine's `check` module.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    /// The common denominator of the multipliers.
    pub denominator: u64,
    /// Multipliers of the per-class rows: (class, multiplier).
    pub classes: Vec<(u32, i64)>,
    /// Multipliers of the per-provider minimum rows: (provider minimum, multiplier).
    pub provider_minimums: Vec<(u32, i64)>,
    /// On the spare-limit rows (`spare_node_ratio`); absent: none.
    pub spare_limits: Option<Vec<(u32, i64)>>,
    /// Multipliers per subnet type.
    pub subnets: Vec<SubnetMultipliers>,
    /// The bound the multipliers prove: numerator / denominator (as text: it is an i128).
    pub bound_numerator: String,
}

/// One subnet's allocation.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SubnetAllocation {
    /// The subnet type.
    pub subnet_type: String,
    /// The subnet's id.
    pub subnet_id: Option<String>,
    /// Synthetic nodes in the subnet.
    pub synthetic: u32,
    /// Nakamoto coefficients: node provider, data center, data-center provider, country.
    pub nakamoto: Vec<u32>,
    /// Node ids allocated.
    pub nodes: Vec<String>,
}

/// The answer of `evaluate_candidates`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// Optimal, infeasible, or out of budget.
    pub status: Status,
    /// The ObjectiveValue with the candidates included (`null` unless optimal).
    pub objective: Option<u32>,
    /// The ObjectiveValue without candidates.
    pub baseline_objective: Option<u32>,
    /// Baseline minus objective: how many nodes the candidates save.
    pub reduction: Option<i64>,
    /// Whether the candidates reduce the ObjectiveValue one for one.
    pub verdict: Option<Verdict>,
    /// The candidate nodes in all.
    pub candidate_nodes: u32,
    /// The ObjectiveValue per number of candidate nodes added.
    pub curve: Vec<CurvePoint>,
    /// The fewest candidate nodes that give the best objective.
    pub optimal_deployment_size: Option<u32>,
    /// Proven: the value is at least this.
    pub lower_bound: u32,
    /// The value of the best solution found, if any.
    pub upper_bound: Option<u32>,
    /// The lower-bound certificate.
    pub certificate: Certificate,
    /// Whether the certificate alone proves the optimum.
    pub certificate_is_tight: bool,
    /// When infeasible: multipliers that prove no allocation exists (a
    /// positive bound under the zero objective; `bound_numerator` is that
    /// bound). `null` when the LP relaxation is feasible.
    pub infeasibility_certificate: Option<Certificate>,
    /// When infeasible: the constraints that cannot hold together, in words.
    /// (`opt`, like the certificate, so that evaluations published before these
    /// fields existed still decode.)
    pub infeasibility_explanation: Option<Vec<String>>,
    /// The allocation, when asked for.
    pub allocation: Option<Vec<SubnetAllocation>>,
    /// The candidate rows evaluated.
    pub candidates: Vec<CandidateRow>,
    /// The settings used: the configured ones with the request's overrides applied.
    pub settings: Settings,
    /// The overrides asked for.
    pub overrides: Option<SettingsOverride>,
    /// The registry version of the snapshot.
    pub registry_version: u64,
    /// Where the snapshot came from (the registry sync or an upload).
    pub snapshot_source: SnapshotSource,
    /// How many of the snapshot's nodes took a documented default.
    pub defaults_applied: DefaultsApplied,
    /// The SHA-256 of the topology's canonical bytes.
    pub topology_sha256: String,
    /// The SHA-256 of the configuration's canonical bytes.
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

/// One subnet of the target topology.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SubnetSpec {
    /// The subnet type.
    pub subnet_type: String,
    /// The subnet's id.
    pub subnet_id: Option<String>,
    /// The subnet size.
    pub size: u32,
    /// Whether the subnet takes only SEV nodes.
    pub is_sev: bool,
    /// At most this many nodes per node provider.
    pub limit_node_provider: u32,
    /// At most this many nodes per data center.
    pub limit_data_center: u32,
    /// At most this many nodes per data center provider.
    pub limit_data_center_provider: u32,
    /// At most this many nodes per country.
    pub limit_country: u32,
}

/// The target topology.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Topology {
    /// One entry per subnet, in order.
    pub subnets: Vec<SubnetSpec>,
    /// The NNS proposal that adopted it.
    pub proposal: u64,
    /// The SHA-256 of the topology's canonical bytes.
    pub sha256: String,
}

/// The argument of `set_topology`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SetTopologyRequest {
    /// The subnets of the target topology.
    pub subnets: Vec<SubnetSpec>,
    /// The NNS proposal that adopted it.
    pub proposal: u64,
}

/// At most or exactly.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum LimitOp {
    /// At most `count` nodes.
    #[serde(rename = "at_most")]
    AtMost,
    /// Exactly `count` nodes.
    #[serde(rename = "exactly")]
    Exactly,
}

/// Where a special limit applies.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum SpecialLimitScope {
    /// One subnet, by id.
    #[serde(rename = "subnet_id")]
    SubnetId(String),
    /// Every subnet of a type.
    #[serde(rename = "subnet_type")]
    SubnetType(String),
    /// Every subnet.
    #[serde(rename = "default")]
    Default,
}

/// A limit that replaces the default one.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SpecialLimit {
    /// Where the limit applies.
    pub scope: SpecialLimitScope,
    /// The attribute.
    pub attribute: Attribute,
    /// The attribute value limited.
    pub value: String,
    /// The limit.
    pub count: u32,
    /// At most or exactly.
    pub op: LimitOp,
}

/// What a cordon names.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum CordonedFeature {
    /// A node.
    #[serde(rename = "node_id")]
    NodeId,
    /// A node provider.
    #[serde(rename = "node_provider")]
    NodeProvider,
    /// A node operator.
    #[serde(rename = "node_operator")]
    NodeOperator,
    /// A data center.
    #[serde(rename = "data_center")]
    DataCenter,
    /// A data center provider.
    #[serde(rename = "data_center_provider")]
    DataCenterProvider,
}

/// A cordon: nodes left out.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Cordon {
    /// What the value names.
    pub feature: CordonedFeature,
    /// The cordoned value.
    pub value: String,
}

/// Providers counted as one.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ProviderCluster {
    /// The cluster's name.
    pub name: String,
    /// The providers in it.
    pub members: Vec<String>,
}

/// A subnet type restricted to some countries.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CountryRestriction {
    /// The subnet type.
    pub subnet_type: String,
    /// The countries allowed.
    pub countries: Vec<String>,
}

/// A node's health.
#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    /// Up.
    #[serde(rename = "UP")]
    Up,
    /// Down.
    #[serde(rename = "DOWN")]
    Down,
    /// Degraded.
    #[serde(rename = "DEGRADED")]
    Degraded,
}

/// A node's health as the controllers configure it (the dashboard's status;
/// not on chain). Nodes not listed are UP.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct NodeHealth {
    /// The node's id.
    pub node_id: String,
    /// The node's health.
    pub health: Health,
}

/// A node provider's name.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ProviderName {
    /// The provider's principal.
    pub provider: Principal,
    /// The provider's name.
    pub name: String,
}

/// A node that is not in the registry yet.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PlannedNode {
    /// The node's id, if it has one yet.
    pub node_id: Option<String>,
    /// The node provider's name.
    pub node_provider: String,
    /// The data center.
    pub data_center: String,
    /// The data center's provider.
    pub data_center_provider: String,
    /// The country (ISO 3166-1 alpha-2).
    pub country: String,
    /// Whether the node runs SEV.
    pub is_sev: bool,
}

/// Everything the controllers configure (names, health, SEV, limits and the
/// rest have no on-chain source).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Configuration {
    /// The model switches.
    pub settings: Settings,
    /// The node providers whose nodes run SEV.
    pub sev_providers: Vec<String>,
    /// Cordoned nodes, providers, operators or data centers.
    pub cordons: Vec<Cordon>,
    /// Provider clusters (counted as one provider).
    pub clusters: Vec<ProviderCluster>,
    /// `null`: the rule set's default special limits.
    pub special_limits: Option<Vec<SpecialLimit>>,
    /// `null`: the rule set's default country-restricted subnet types.
    pub country_restrictions: Option<Vec<CountryRestriction>>,
    /// Node providers' names.
    pub provider_names: Vec<ProviderName>,
    /// Planned nodes, not yet in the registry.
    pub pipeline: Vec<PlannedNode>,
    /// The NNS registry canister the sync reads (default `rwlgt-iiaaa-aaaaa-aaaaa-cai`).
    pub registry_canister_id: Principal,
    /// Seconds between periodic syncs (default 3600).
    pub sync_interval_seconds: u64,
    /// Health of nodes that are not UP (every other node is UP).
    pub node_health: Vec<NodeHealth>,
    /// The configuration's SHA-256.
    pub sha256: String,
}

/// A partial update: every field left `null` keeps its value.
#[derive(CandidType, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct ConfigurationUpdate {
    /// The rule set.
    pub rules: Option<RuleSet>,
    /// How many synthetic countries synthetic nodes may take.
    pub synthetic_countries: Option<u32>,
    /// Whether SEV subnets take only SEV nodes.
    pub enforce_sev: Option<bool>,
    /// Whether only healthy (UP) nodes are usable.
    pub enforce_health: Option<bool>,
    /// Whether cordoned nodes are left out.
    pub enforce_blacklist: Option<bool>,
    /// Whether every provider with usable nodes keeps at least one node in a subnet.
    pub enforce_per_provider_minimum: Option<bool>,
    /// How special limits are read (`by_subnet_id` refuses subnet-type scopes).
    pub special_limits_reading: Option<SpecialLimitsReading>,
    /// `spare_node_ratio` in [0, 1]; `opt null` removes the rule.
    pub spare_node_ratio: Option<Option<f64>>,
    /// The node providers whose nodes run SEV.
    pub sev_providers: Option<Vec<String>>,
    /// Cordoned nodes, providers, operators or data centers.
    pub cordons: Option<Vec<Cordon>>,
    /// Provider clusters (counted as one provider).
    pub clusters: Option<Vec<ProviderCluster>>,
    /// `opt null` resets to the rule set's default.
    pub special_limits: Option<Option<Vec<SpecialLimit>>>,
    /// The country-restricted subnet types.
    pub country_restrictions: Option<Option<Vec<CountryRestriction>>>,
    /// Node providers' names.
    pub provider_names: Option<Vec<ProviderName>>,
    /// The NNS registry canister the sync reads.
    pub registry_canister_id: Option<Principal>,
    /// Between 60 and 604800 (a week).
    pub sync_interval_seconds: Option<u64>,
    /// Replaces the whole list; at most 5,000 entries, each node once.
    pub node_health: Option<Vec<NodeHealth>>,
}

/// A registry node (the snapshot's record).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The node's id.
    pub node_id: String,
    /// The node operator's principal.
    pub node_operator_id: String,
    /// The node provider's principal.
    pub node_provider_id: String,
    /// The node provider's name.
    pub node_provider_name: String,
    /// The data center.
    pub data_center: String,
    /// The data center's provider.
    pub data_center_provider: String,
    /// "Continent,CC,City"
    pub region: String,
    /// The node type.
    pub node_type: Option<String>,
    /// The node's health.
    pub status: String,
    /// The subnet's id.
    pub subnet_id: Option<String>,
}

/// What the registry snapshot holds.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SnapshotInfo {
    /// The registry version of the snapshot.
    pub registry_version: u64,
    /// When the snapshot was taken (nanoseconds since the epoch).
    pub timestamp_nanos: u64,
    /// How many nodes.
    pub nodes: u64,
    /// How many node operators.
    pub node_operators: u64,
    /// How many node providers.
    pub node_providers: u64,
    /// How many data centers.
    pub data_centers: u64,
    /// How many subnets.
    pub subnets: u64,
    /// The ObjectiveValue of the snapshot without candidates, computed when it was loaded.
    pub baseline_status: Option<Status>,
    /// The ObjectiveValue without candidates.
    pub baseline_objective: Option<u32>,
    /// Where the snapshot came from.
    pub source: SnapshotSource,
    /// How many nodes took a documented default.
    pub defaults_applied: DefaultsApplied,
}

/// Where the registry sync stands (`get_sync_status`).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SyncStatus {
    /// The NNS registry canister the sync reads.
    pub registry_canister_id: Principal,
    /// Seconds between periodic syncs.
    pub sync_interval_seconds: u64,
    /// The registry version the stored records reflect.
    pub cursor_version: u64,
    /// The newest registry version the registry reported.
    pub latest_version_seen: u64,
    /// The registry version of the snapshot in use, when it came from the registry.
    pub snapshot_version: Option<u64>,
    /// When the last sync completed (ns since the epoch).
    pub last_success_nanos: Option<u64>,
    /// The last error, if any.
    pub last_error: Option<String>,
    /// When the last error happened.
    pub last_error_nanos: Option<u64>,
    /// Failures in a row.
    pub consecutive_failures: u32,
    /// Whether a sync is running now.
    pub in_progress: bool,
    /// Records kept (nodes, operators, data centers, subnets, subnet list, API boundary nodes).
    pub records: u64,
    /// Counts of the last derived snapshot.
    pub nodes: u64,
    /// How many node operators.
    pub node_operators: u64,
    /// How many data centers.
    pub data_centers: u64,
    /// How many subnets.
    pub subnets: u64,
    /// How many API boundary nodes.
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
    /// Instructions of the last derivation of the snapshot.
    pub last_derive_instructions: u64,
    /// Instructions of the last store of the records.
    pub last_store_instructions: u64,
    /// Instructions of the last rederivation.
    pub last_rederive_instructions: u64,
    /// The NNS governance watcher (proposal verdicts).
    pub governance: GovernanceWatcherStatus,
}

/// The argument of `begin_snapshot_upload`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct BeginSnapshotRequest {
    /// The registry version of the snapshot.
    pub registry_version: u64,
    /// When the snapshot was taken (nanoseconds since the epoch).
    pub timestamp_nanos: u64,
    /// How many nodes the upload holds.
    pub node_count: u64,
}

/// The argument of `list_nodes`: filters and paging.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ListNodesRequest {
    /// Only nodes of this provider.
    pub node_provider: Option<String>,
    /// Only nodes in this country.
    pub country: Option<String>,
    /// Only nodes in this data center.
    pub data_center: Option<String>,
    /// Only nodes of this subnet.
    pub subnet_id: Option<String>,
    /// Node id to start after (exclusive), for paging.
    pub start_after: Option<String>,
    /// At most 500; default 100.
    pub limit: Option<u32>,
}

/// One page of `list_nodes`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct NodePage {
    /// The nodes of this page.
    pub nodes: Vec<Node>,
    /// Pass as `start_after` for the next page; `null` at the end.
    pub next: Option<String>,
}

/// A limit a subnet breaks.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct LimitBreach {
    /// The attribute.
    pub attribute: Attribute,
    /// The value.
    pub value: String,
    /// The nodes with the value.
    pub count: u32,
    /// The limit.
    pub limit: u32,
}

/// One subnet's decentralization.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SubnetDecentralization {
    /// The subnet's id.
    pub subnet_id: String,
    /// The topology entry with this subnet id, if any.
    pub subnet_type: Option<String>,
    /// How many nodes.
    pub nodes: u32,
    /// Nakamoto coefficients: node provider, data center, data-center provider, country.
    pub nakamoto: Vec<u32>,
    /// Limits of the matching topology entry that the subnet breaks today.
    pub breaches: Vec<LimitBreach>,
}

/// The install and upgrade argument.
#[derive(CandidType, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct InitArgs {
    /// The target topology.
    pub topology: Option<SetTopologyRequest>,
    /// The configuration.
    pub configuration: Option<ConfigurationUpdate>,
}

/// Which check a verified evaluation failed (see the engine's `verify` module).
#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyCheck {
    /// The settings (configured, with the evaluation's overrides) differ.
    #[serde(rename = "settings")]
    Settings,
    /// The topology's digest is not the snapshot's.
    #[serde(rename = "topology_digest")]
    TopologyDigest,
    /// The configuration's digest is not the snapshot's.
    #[serde(rename = "configuration_digest")]
    ConfigurationDigest,
    /// The candidates are not valid.
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
    /// The objective does not follow from the allocation and the certificate.
    #[serde(rename = "objective")]
    Objective,
    /// A field derived from the curve does not follow from it.
    #[serde(rename = "curve")]
    Curve,
}

/// Why a verification failed.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The check that failed.
    pub check: VerifyCheck,
    /// Why.
    pub reason: String,
}

/// The answer of `verify_evaluation`: a rejected evaluation is an `Ok` with
/// `verified = false` (the call worked; the evaluation is false).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct VerificationReport {
    /// Whether every check passed.
    pub verified: bool,
    /// The check that failed, if any.
    pub rejection: Option<Rejection>,
    /// The certificate alone proves the status (optimal or infeasible);
    /// otherwise optimality rests on the solver's branch and bound.
    pub proven: bool,
    /// A summary of the checks.
    pub summary: String,
    /// The bound the certificate proves, numerator / denominator (text: an i128).
    pub bound_numerator: String,
    /// The certificate's denominator.
    pub bound_denominator: u64,
    /// The registry version of the snapshot.
    pub registry_version: u64,
    /// Instructions this call used.
    pub instructions: u64,
}

/// The answer of `publish_evaluation`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct PublishedEvaluation {
    /// The publication key: pass it to `get_published_evaluation`.
    pub key: String,
    /// The evaluation published.
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
    /// The publication key.
    pub key: String,
    /// The evaluation (the bytes decoded).
    pub evaluation: Evaluation,
    /// The certified Candid bytes of the evaluation.
    #[serde(with = "serde_bytes")]
    pub evaluation_candid: Vec<u8>,
    /// `null` when called as an update (certificates exist only for queries).
    pub certificate: Option<serde_bytes::ByteBuf>,
    /// The witness (CBOR hash tree).
    #[serde(with = "serde_bytes")]
    pub witness: Vec<u8>,
    /// The canister's id.
    pub canister_id: Principal,
}

/// The argument of `export_snapshot`.
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
    /// The registry version of the snapshot.
    pub registry_version: u64,
    /// When the snapshot was taken (nanoseconds since the epoch).
    pub timestamp_nanos: u64,
    /// The SHA-256 of the topology's canonical bytes.
    pub topology_sha256: String,
    /// The SHA-256 of the configuration's canonical bytes.
    pub configuration_sha256: String,
    /// The size of the whole export.
    pub total_bytes: u64,
    /// This page's offset.
    pub offset: u64,
    /// This page's bytes.
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
    /// Pass as `offset` for the next page; `null` at the end.
    pub next_offset: Option<u64>,
}

/// The argument of `proposal_summary`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ProposalSummaryRequest {
    /// The candidate rows.
    pub candidates: Vec<CandidateRow>,
    /// The plan form: the text of a membership plan (the candidates must then be empty).
    pub plan: Option<PlanRequest>,
}

/// The text a proposal quotes.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ProposalSummary {
    /// The text a node-operator proposal quotes.
    pub text: String,
    /// SHA-256 (hex) of the text's UTF-8 bytes: it replaces the PDF hash.
    pub sha256: String,
    /// The publication key of the same evaluation (`publish_evaluation` with
    /// these candidates and no overrides certifies it).
    pub publication_key: String,
    /// The registry version the text is of.
    pub registry_version: u64,
    /// Instructions this call used (`ic0.performance_counter`).
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
    /// Unspecified.
    #[serde(rename = "unspecified")]
    Unspecified,
    /// Open.
    #[serde(rename = "open")]
    Open,
    /// Rejected.
    #[serde(rename = "rejected")]
    Rejected,
    /// Adopted.
    #[serde(rename = "adopted")]
    Adopted,
    /// Executed.
    #[serde(rename = "executed")]
    Executed,
    /// Failed.
    #[serde(rename = "failed")]
    Failed,
}

/// A value the summary quotes, against the computed one.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum ClaimCheck {
    /// The claim matches.
    #[serde(rename = "matches")]
    Matches {
        /// The value quoted and computed.
        value: u32,
    },
    /// `computed` is `null` when the canister has no exact value to compare with.
    #[serde(rename = "differs")]
    Differs {
        /// The value the summary quotes.
        claimed: u32,
        /// The value computed.
        computed: Option<u32>,
    },
    /// The summary claims nothing checkable.
    #[serde(rename = "no_claim_found")]
    NoClaimFound,
}

/// The summary's ObjectiveValue claims, before and after the change.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SummaryClaims {
    /// The claim about before.
    pub before: ClaimCheck,
    /// The claim about after.
    pub after: ClaimCheck,
}

/// An ObjectiveValue as solved (`objective` is `null` unless optimal).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ObjectiveOutcome {
    /// Optimal, infeasible, or out of budget.
    pub status: Status,
    /// The ObjectiveValue.
    pub objective: Option<u32>,
    /// Proven: the value is at least this.
    pub lower_bound: u32,
    /// The value of the best solution found, if any.
    pub upper_bound: Option<u32>,
}

/// A subnet's decentralization before or after a membership change.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct MembershipFacts {
    /// Nodes in the subnet.
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
    Candidates {
        /// The nodes the proposal allows, as candidate rows.
        candidates: Vec<CandidateRow>,
        /// Their evaluation.
        evaluation: Box<Evaluation>,
        /// The number of nodes the proposal allows.
        allowance: Option<u64>,
    },
    /// Node (operator) removals: the ObjectiveValue with and without the nodes.
    #[serde(rename = "removal")]
    Removal {
        /// The nodes removed.
        node_ids: Vec<String>,
        /// The ObjectiveValue with the nodes.
        before: ObjectiveOutcome,
        /// The ObjectiveValue without them.
        after: ObjectiveOutcome,
    },
    /// Subnet membership changes: the subnet's limits and Nakamoto coefficients
    /// before and after; `optimality` says whether the change was checked
    /// against an optimal plan, and how.
    #[serde(rename = "membership")]
    Membership {
        /// The subnet of the change.
        subnet_id: String,
        /// Nodes added.
        added: Vec<String>,
        /// Nodes removed.
        removed: Vec<String>,
        /// The subnet before.
        before: MembershipFacts,
        /// The subnet after.
        after: MembershipFacts,
        /// Whether the change was checked against an optimal plan, and how.
        optimality: String,
    },
    /// The proposal changes nothing the model sees (e.g. an operator update
    /// that leaves the allowance and the data center as they are).
    #[serde(rename = "no_change")]
    NoChange {
        /// Why nothing changes.
        reason: String,
    },
    /// The payload does not decode, names an unknown data center or operator,
    /// names nodes the snapshot does not have, or cannot be evaluated: exactly why.
    #[serde(rename = "invalid")]
    Invalid {
        /// Why the proposal is not valid.
        reason: String,
    },
}

/// The certified verdict on one proposal.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct ProposalVerdict {
    /// The proposal's id.
    pub proposal_id: u64,
    /// The proposal's title.
    pub title: Option<String>,
    /// What kind of proposal.
    pub kind: ProposalKind,
    /// The proposal's NNS function.
    pub nns_function: i32,
    /// The proposal's topic.
    pub topic: i32,
    /// The status when the verdict was last written.
    pub status: ProposalStatus,
    /// When the proposal was made.
    pub proposal_timestamp_seconds: u64,
    /// The proposal's voting deadline.
    pub deadline_timestamp_seconds: Option<u64>,
    /// The snapshot the verdict was computed on.
    pub registry_version: u64,
    /// The topology digest the verdict is of.
    pub topology_sha256: String,
    /// The configuration digest the verdict is of.
    pub configuration_sha256: String,
    /// What the check found.
    pub outcome: VerdictOutcome,
    /// The summary's claims, checked.
    pub claims: SummaryClaims,
}

/// A verdict with what proves it: `verdict_candid` is the certified bytes, the
/// witness's leaf at `proposals/<id>` their SHA-256.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct CertifiedProposalVerdict {
    /// The verdict.
    pub verdict: ProposalVerdict,
    /// The certified Candid bytes of the verdict.
    #[serde(with = "serde_bytes")]
    pub verdict_candid: Vec<u8>,
    /// `null` when called as an update (certificates exist only for queries).
    pub certificate: Option<serde_bytes::ByteBuf>,
    /// The witness (CBOR hash tree).
    #[serde(with = "serde_bytes")]
    pub witness: Vec<u8>,
    /// The canister's id.
    pub canister_id: Principal,
}

/// The argument of `list_proposal_verdicts`.
#[derive(CandidType, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct ListProposalVerdictsRequest {
    /// Only verdicts of proposals with this status.
    pub status: Option<ProposalStatus>,
    /// Only verdicts of this kind.
    pub kind: Option<ProposalKind>,
    /// Only proposals with a smaller id (the previous page's `next_before`).
    pub before: Option<u64>,
    /// At most 100 (default 20).
    pub limit: Option<u32>,
}

/// Verdicts, newest proposal first.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct ProposalVerdictPage {
    /// The verdicts.
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
    /// The NNS governance canister the watcher reads.
    pub governance_canister_id: Principal,
    /// Seconds between polls.
    pub poll_interval_seconds: u64,
    /// Whether the watcher polls.
    pub enabled: bool,
    /// Whether a poll is running now.
    pub in_progress: bool,
    /// When the last poll started and when one last completed (ns since the epoch).
    pub last_poll_nanos: Option<u64>,
    /// When the last poll succeeded.
    pub last_success_nanos: Option<u64>,
    /// The last error, if any.
    pub last_error: Option<String>,
    /// When the last error happened.
    pub last_error_nanos: Option<u64>,
    /// Distinct proposals of the watched kinds seen open, ever.
    pub proposals_seen: u64,
    /// How many verdicts are held.
    pub verdicts: u64,
    /// Proposals waiting for a verdict (or for a recomputation).
    pub pending: u64,
    /// The most instructions one message of the last completed poll used.
    pub max_message_instructions: u64,
}

/// `http_request`'s argument: the IC HTTP gateway protocol's request.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    /// The HTTP method.
    pub method: String,
    /// The URL.
    pub url: String,
    /// The headers.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: serde_bytes::ByteBuf,
    /// The response certification version asked for.
    pub certificate_version: Option<u16>,
}

/// `http_request`'s answer (certified pages carry `IC-Certificate` and `IC-CertificateExpression`).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status_code: u16,
    /// The headers.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: serde_bytes::ByteBuf,
    /// Whether to repeat the request as an update.
    pub upgrade: Option<bool>,
}

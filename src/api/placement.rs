//! The Candid types of the placement map and the node values (the
//! canister's `get_placement_map` and `get_node_value`), and their
//! conversions from the engine's records (`crate::placement`).
//!
//! Every answer names what it was computed from ([`PlacementInputs`]: the
//! registry version and the topology and configuration digests, so
//! `topology placements --inputs <export>` reproduces it), and carries the
//! progress of the recomputation under way ([`PlacementProgress`]): the
//! canister computes both in bounded steps across timer messages, and serves
//! the last complete result meanwhile.

use super::{convert, CandidateRow, Certificate, SnapshotSource, Status, SubnetAllocation};
use crate::model::Model;
use crate::placement::value::{self as engine_value, GroupKind as EngineKind};
use crate::placement::{self as engine, CountryOrigin as EngineOrigin};
use candid::{CandidType, Deserialize, Principal};

/// What a result was computed from.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PlacementInputs {
    /// The registry version.
    pub registry_version: u64,
    /// Where the snapshot came from.
    pub snapshot_source: SnapshotSource,
    /// The SHA-256 of the topology's canonical bytes.
    pub topology_sha256: String,
    /// The SHA-256 of `export_snapshot`'s bytes.
    pub configuration_sha256: String,
}

/// Why a country is on the map.
#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CountryOrigin {
    /// Nodes of the snapshot (or the pipeline) are there.
    #[serde(rename = "network")]
    Network,
    /// On a country-restricted subnet's list, with no node yet.
    #[serde(rename = "restricted_list")]
    RestrictedList,
    /// The one new country outside every list.
    #[serde(rename = "new")]
    New,
    /// The named data center's country.
    #[serde(rename = "data_center")]
    DataCenter,
}

/// One (country, SEV) curve of the map.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PlacementCurve {
    /// Whether the new nodes run SEV.
    pub is_sev: bool,
    /// Optimal when every point up to the first that breaks one-for-one is
    /// proven; otherwise the status of the first point that is not.
    pub status: Status,
    /// The largest N such that each of the first N nodes lowers the ObjectiveValue by one.
    pub optimal_deployment_size: Option<u32>,
    /// The ObjectiveValue after those N nodes.
    pub objective_after: Option<u32>,
    /// The ObjectiveValue with 0, 1, ... nodes, every point solved (`null`: unproven).
    pub curve: Vec<Option<u32>>,
    /// Curve points the curve solved.
    pub points_solved: u32,
    /// Of those, the points that needed the LP and the integer program.
    pub full_solves: u32,
}

/// One country of the map: a new node provider with a new data center of a
/// new data-center provider there.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PlacementEntry {
    /// The country.
    pub country: String,
    /// Why the country is in the map.
    pub origin: CountryOrigin,
    /// `evaluate_candidates` with this row (N nodes) reproduces the SEV curve.
    pub candidate: CandidateRow,
    /// The curve of the new provider's SEV nodes.
    pub sev: PlacementCurve,
    /// The curve of its non-SEV nodes.
    pub non_sev: PlacementCurve,
    /// Whether SEV capability changes the size or the value after (`null`: unknown).
    pub sev_changes_it: Option<bool>,
    /// The country whose curves this entry shares by symmetry (`null`: solved for this one).
    pub solved_as: Option<String>,
}

/// The placement map: ranked by SEV deployment size (largest first), then country.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PlacementMap {
    /// The inputs the map is of.
    pub inputs: PlacementInputs,
    /// The status without new nodes.
    pub baseline_status: Status,
    /// The ObjectiveValue without candidates.
    pub baseline_objective: Option<u32>,
    /// One entry per country.
    pub entries: Vec<PlacementEntry>,
    /// Curve points solved.
    pub points_solved: u32,
    /// Full solves.
    pub full_solves: u32,
}

/// The attribute that groups nodes.
#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum GroupKind {
    /// A node provider, by its name before clustering.
    #[serde(rename = "node_provider")]
    NodeProvider,
    /// A cluster of providers (the configuration's clusters).
    #[serde(rename = "cluster")]
    Cluster,
    /// By data center.
    #[serde(rename = "data_center")]
    DataCenter,
    /// By data center provider.
    #[serde(rename = "data_center_provider")]
    DataCenterProvider,
    /// By country.
    #[serde(rename = "country")]
    Country,
}

/// A group of nodes.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct NodeGroup {
    /// The attribute that groups the nodes.
    pub kind: GroupKind,
    /// The value shared.
    pub name: String,
}

/// How many of a group's usable nodes the optimal allocations need at least.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct NodeValue {
    /// The group.
    pub group: NodeGroup,
    /// Its usable nodes.
    pub usable_nodes: u32,
    /// `optimal` when `needed` is proven.
    pub status: Status,
    /// How many of them an optimal allocation needs.
    pub needed: Option<u32>,
    /// What the certificate proves: every optimal allocation uses at least this many.
    pub lower_bound: u32,
    /// The fewest found.
    pub upper_bound: Option<u32>,
    /// Whether the certificate alone proves `needed` (otherwise it rests on branch and bound).
    pub certificate_is_tight: bool,
}

/// A node provider's report.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ProviderReport {
    /// The provider.
    pub provider: String,
    /// Its nodes in the snapshot and the pipeline (usable or not).
    pub nodes: u32,
    /// The provider's usable nodes.
    pub usable_nodes: u32,
    /// How many of them an optimal allocation needs.
    pub needed: Option<u32>,
    /// Its registry nodes in a subnet now.
    pub in_subnets_now: u32,
    /// The ObjectiveValue if it left entirely, and its status.
    pub objective_without: Option<u32>,
    /// The status of `objective_without`.
    pub status_without: Status,
}

/// Every group's value (by kind, then name) and every provider's report.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct NodeValues {
    /// The inputs they are of.
    pub inputs: PlacementInputs,
    /// The status without new nodes.
    pub baseline_status: Status,
    /// The ObjectiveValue without candidates.
    pub baseline_objective: Option<u32>,
    /// By group kind, then name.
    pub values: Vec<NodeValue>,
    /// Every provider's report.
    pub providers: Vec<ProviderReport>,
}

/// One group's value with its proof: an optimal allocation that uses
/// `needed` of its nodes, and a certificate of the secondary objective
/// (`synthetic_weight` per synthetic node, 1 per node of the group).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct NodeValueProof {
    /// The inputs it is of.
    pub inputs: PlacementInputs,
    /// The value.
    pub value: NodeValue,
    /// The weight of a synthetic node in the cost.
    pub synthetic_weight: i64,
    /// The lower-bound certificate.
    pub certificate: Certificate,
    /// The allocation found.
    pub allocation: Option<Vec<SubnetAllocation>>,
    /// For a node provider.
    pub provider: Option<ProviderReport>,
}

/// The phase of the placement recomputation.
#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefreshPhase {
    /// Not computed for the current inputs: the refresh is off (see `PlacementSettings`).
    #[serde(rename = "disabled")]
    Disabled,
    /// Both results are of the current snapshot and configuration.
    #[serde(rename = "up_to_date")]
    UpToDate,
    /// Solving the map's countries.
    #[serde(rename = "placement_map")]
    PlacementMap,
    /// Solving the node values (the map of these inputs is served).
    #[serde(rename = "node_values")]
    NodeValues,
}

/// The recomputation under way (or the last, when up to date).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PlacementProgress {
    /// The inputs being computed.
    pub inputs: PlacementInputs,
    /// Whether the refresh runs after every change (see `PlacementSettings`).
    pub enabled: bool,
    /// The phase.
    pub phase: RefreshPhase,
    /// Map entries computed.
    pub map_entries_done: u32,
    /// Map entries in all.
    pub map_entries_total: u32,
    /// Node values computed.
    pub node_values_done: u32,
    /// Node values in all.
    pub node_values_total: u32,
    /// Timer messages this recomputation has used so far, their instructions
    /// in all and the largest of them (`ic0.performance_counter`).
    pub messages: u32,
    /// Instructions spent so far.
    pub instructions: u64,
    /// The most instructions one message took.
    pub largest_message_instructions: u64,
}

/// `get_placement_map`: the last complete map (`null` before the first one
/// is), certified under `placements/map`, and the progress.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CertifiedPlacementMap {
    /// The last complete map (null before the first one is).
    pub map: Option<PlacementMap>,
    /// Whether the map is of the current snapshot and configuration (the
    /// same digests: a later registry version with the same inputs keeps it).
    pub current: bool,
    /// The progress of the recomputation.
    pub progress: PlacementProgress,
    /// The certified path's key under `placements` ("map").
    pub key: String,
    /// The certified bytes: the map's Candid encoding (empty without a map).
    #[serde(with = "serde_bytes")]
    pub map_candid: Vec<u8>,
    /// `null` when called as an update.
    pub certificate: Option<serde_bytes::ByteBuf>,
    /// The witness (CBOR hash tree).
    #[serde(with = "serde_bytes")]
    pub witness: Vec<u8>,
    /// The canister's id.
    pub canister_id: Principal,
}

/// `configure_placements` (controllers): whether the canister computes the
/// map and the values after every change. `null` keeps the setting; unset,
/// it is on when the snapshot comes from the sync of the NNS registry (the
/// mainnet canister) and off for uploaded snapshots (bootstrap, tests).
#[derive(CandidType, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct PlacementSettings {
    /// Whether the refresh runs (`null` keeps the setting).
    pub enabled: Option<bool>,
}

/// The argument of `get_node_value`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct NodeValueRequest {
    /// One group's value with its proof; `null`: every group's figures and every provider's report.
    pub group: Option<NodeGroup>,
}

/// `get_node_value`: the last complete values (or one group's, with its
/// proof), certified under `placements/<key>`, and the progress.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CertifiedNodeValue {
    /// Without a group.
    pub values: Option<NodeValues>,
    /// With a group.
    pub proof: Option<NodeValueProof>,
    /// Whether the values are of the current snapshot and configuration (same digests).
    pub current: bool,
    /// The progress of the recomputation.
    pub progress: PlacementProgress,
    /// "node_values", or `node_value/<kind>/<name>`.
    pub key: String,
    /// The certified bytes: the Candid encoding of `values` or `proof`.
    #[serde(with = "serde_bytes")]
    pub value_candid: Vec<u8>,
    /// The system certificate (`None` in an update).
    pub certificate: Option<serde_bytes::ByteBuf>,
    /// The witness (CBOR hash tree).
    #[serde(with = "serde_bytes")]
    pub witness: Vec<u8>,
    /// The canister's id.
    pub canister_id: Principal,
}

// ---- from the engine's records ----

/// The Candid country origin.
pub fn origin_out(o: EngineOrigin) -> CountryOrigin {
    match o {
        EngineOrigin::Network => CountryOrigin::Network,
        EngineOrigin::RestrictedList => CountryOrigin::RestrictedList,
        EngineOrigin::New => CountryOrigin::New,
        EngineOrigin::DataCenter => CountryOrigin::DataCenter,
    }
}

/// The Candid group kind.
pub fn group_kind_out(k: EngineKind) -> GroupKind {
    match k {
        EngineKind::NodeProvider => GroupKind::NodeProvider,
        EngineKind::Cluster => GroupKind::Cluster,
        EngineKind::DataCenter => GroupKind::DataCenter,
        EngineKind::DataCenterProvider => GroupKind::DataCenterProvider,
        EngineKind::Country => GroupKind::Country,
    }
}

/// The engine group kind.
pub fn group_kind_in(k: GroupKind) -> EngineKind {
    match k {
        GroupKind::NodeProvider => EngineKind::NodeProvider,
        GroupKind::Cluster => EngineKind::Cluster,
        GroupKind::DataCenter => EngineKind::DataCenter,
        GroupKind::DataCenterProvider => EngineKind::DataCenterProvider,
        GroupKind::Country => EngineKind::Country,
    }
}

/// The name of a group kind in keys and pages.
pub fn group_kind_name(k: GroupKind) -> &'static str {
    match k {
        GroupKind::NodeProvider => "node_provider",
        GroupKind::Cluster => "cluster",
        GroupKind::DataCenter => "data_center",
        GroupKind::DataCenterProvider => "data_center_provider",
        GroupKind::Country => "country",
    }
}

fn curve_out(p: &engine::PlacementPoint) -> PlacementCurve {
    PlacementCurve {
        is_sev: p.is_sev,
        status: p.status.into(),
        optimal_deployment_size: p.optimal_deployment_size,
        objective_after: p.objective_after,
        curve: p.curve.clone(),
        points_solved: p.points_solved,
        full_solves: p.full_solves,
    }
}

/// The Candid map entry.
pub fn entry_out(e: &engine::MapEntry) -> PlacementEntry {
    let c = &e.candidate;
    PlacementEntry {
        country: e.country.clone(),
        origin: origin_out(e.origin),
        candidate: CandidateRow {
            node_provider: c.node_provider.clone(),
            data_center: c.data_center.clone(),
            data_center_provider: c.data_center_provider.clone(),
            country: c.country.clone(),
            is_sev: c.is_sev,
            no_nodes: c.no_nodes,
        },
        sev: curve_out(&e.sev),
        non_sev: curve_out(&e.non_sev),
        sev_changes_it: e.sev_changes_it,
        solved_as: e.solved_as.clone(),
    }
}

/// The Candid placement map.
pub fn map_out(m: &engine::PlacementMap, inputs: PlacementInputs) -> PlacementMap {
    PlacementMap {
        inputs,
        baseline_status: m.baseline_status.into(),
        baseline_objective: m.baseline_objective,
        entries: m.entries.iter().map(entry_out).collect(),
        points_solved: m.points_solved,
        full_solves: m.full_solves,
    }
}

/// The Candid node group.
pub fn group_out(g: &engine_value::Group) -> NodeGroup {
    NodeGroup { kind: group_kind_out(g.kind), name: g.name.clone() }
}

/// The Candid node value.
pub fn value_out(v: &engine_value::NodeValue) -> NodeValue {
    NodeValue {
        group: group_out(&v.group),
        usable_nodes: v.usable_nodes,
        status: v.status.into(),
        needed: v.needed,
        lower_bound: v.lower_bound,
        upper_bound: v.upper_bound,
        certificate_is_tight: v.certificate_is_tight,
    }
}

/// The Candid provider report.
pub fn report_out(r: &engine_value::ProviderReport) -> ProviderReport {
    ProviderReport {
        provider: r.provider.clone(),
        nodes: r.nodes,
        usable_nodes: r.usable_nodes,
        needed: r.needed,
        in_subnets_now: r.in_subnets_now,
        objective_without: r.objective_without,
        status_without: r.status_without.into(),
    }
}

/// The Candid node values.
pub fn values_out(v: &engine_value::NodeValues, inputs: PlacementInputs) -> NodeValues {
    NodeValues {
        inputs,
        baseline_status: v.baseline_status.into(),
        baseline_objective: v.baseline_objective,
        values: v.values.iter().map(value_out).collect(),
        providers: v.providers.iter().map(report_out).collect(),
    }
}

/// A group's value with its proof, in the terms of `model` (the baseline
/// model; `classes` the group's classes, as `value::groups` lists them).
pub fn proof_out(
    model: &Model,
    classes: &[u32],
    v: &engine_value::NodeValue,
    report: Option<&engine_value::ProviderReport>,
    inputs: PlacementInputs,
) -> NodeValueProof {
    NodeValueProof {
        inputs,
        value: value_out(v),
        synthetic_weight: v.synthetic_weight,
        certificate: convert::weighted_certificate_out(
            model,
            &v.certificate,
            &engine_value::costs(model, classes, v.synthetic_weight),
        ),
        allocation: v.allocation.as_ref().map(|al| convert::allocation_out(model, al)),
        provider: report.map(report_out),
    }
}

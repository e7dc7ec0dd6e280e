//! The Candid types of membership plans (the canister's
//! `plan_membership_changes`, `verify_membership_change`, `publish_plan`,
//! `get_published_plan`), and their conversions from the engine's records.

use super::{Attribute, LimitBreach, SnapshotSource, Status};
use crate::plan::check::{self as plan_check, ChangeKind as EngineKind, PlanCertificate as EngineCertificate};
use crate::plan::sequence::Sequence;
use crate::plan::verify_proposal::{ProposalCheck, SubnetState as EngineState};
use crate::plan::Plan as EnginePlan;
use candid::{CandidType, Deserialize, Principal};

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PlanRequest {
    /// Subnet ids that may change; empty: any subnet.
    pub subnets: Vec<String>,
}

#[derive(CandidType, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlanCounts {
    pub synthetic: u32,
    pub dropped: u32,
    pub moved: u32,
    /// Synthetic nodes are newly assigned too, as the reference counts them.
    pub newly_assigned: u32,
}

#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    #[serde(rename = "dropped")]
    Dropped,
    #[serde(rename = "moved")]
    Moved,
    #[serde(rename = "newly_assigned")]
    NewlyAssigned,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct NodeChange {
    pub node_id: String,
    /// After renames and clusters, as the reference reports it.
    pub node_provider: String,
    pub kind: ChangeKind,
    /// Subnet ids; null for no subnet.
    pub from: Option<String>,
    pub to: Option<String>,
    /// DOWN, DEGRADED or cordoned, when the node must leave its subnet.
    pub reason: Option<String>,
}

/// A row of the swap model's LP relaxation (see `src/plan/check.rs`).
#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanRow {
    #[serde(rename = "size")]
    Size { subnet: u32 },
    #[serde(rename = "value")]
    Value { subnet: u32, attribute: Attribute, value: u32 },
    #[serde(rename = "keep")]
    Keep { class: u32, subnet: u32 },
    #[serde(rename = "link")]
    Link { class: u32 },
    #[serde(rename = "avail")]
    Avail { class: u32 },
    #[serde(rename = "class")]
    Class { class: u32 },
    #[serde(rename = "synthetic")]
    Synthetic,
    #[serde(rename = "provider_minimum")]
    ProviderMinimum { index: u32 },
    /// A spare-limit row (`spare_node_ratio`), by index into the model's list.
    #[serde(rename = "spare_limit")]
    SpareLimit { index: u32 },
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PlanMultiplier {
    pub row: PlanRow,
    pub multiplier: i64,
}

/// Integer multipliers over one denominator; rows not listed are zero.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PlanCertificate {
    pub denominator: u64,
    pub multipliers: Vec<PlanMultiplier>,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct MembershipProposal {
    /// Its place in the order (1 first).
    pub step: u32,
    pub subnet_id: String,
    pub subnet_type: String,
    pub node_ids_add: Vec<String>,
    pub node_ids_remove: Vec<String>,
    /// Steps to execute before this one (they free the nodes it adds).
    pub after: Vec<u32>,
    /// The registry's `ChangeSubnetMembershipPayload` as Candid text.
    pub payload_candid: String,
    pub summary: String,
    pub summary_sha256: String,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct MembershipPlan {
    pub status: Status,
    /// The optimal cost (dropped + 3 x moved + newly assigned + 100 x synthetic); null unless optimal.
    pub cost: Option<u64>,
    pub counts: Option<PlanCounts>,
    pub lower_bound: u64,
    pub upper_bound: Option<u64>,
    /// Whether the certificate alone proves the optimum.
    pub certificate_is_tight: bool,
    pub certificate: PlanCertificate,
    pub subnets: Vec<String>,
    pub changes: Vec<NodeChange>,
    pub proposals: Vec<MembershipProposal>,
    /// Subnets whose moves form a cycle: no order of one proposal per subnet executes them.
    pub cycles: Vec<Vec<String>>,
    pub registry_version: u64,
    pub snapshot_source: SnapshotSource,
    pub topology_sha256: String,
    pub configuration_sha256: String,
    pub instructions: u64,
    /// When no plan exists because the topology cannot be filled at all:
    /// why, as `evaluate` says it (from a checked infeasibility certificate).
    pub infeasible_because: Option<Vec<String>>,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct MembershipChange {
    pub subnet_id: String,
    pub node_ids_add: Vec<String>,
    pub node_ids_remove: Vec<String>,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SubnetState {
    pub nodes: u32,
    /// Nakamoto coefficients: node provider, data center, data-center provider, country.
    pub nakamoto: Vec<u32>,
    /// Limits the subnet breaks (a size mismatch is listed with count = nodes).
    pub breaches: Vec<LimitBreach>,
    pub size_mismatch: Option<u32>,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct MembershipChangeReport {
    pub subnet_type: String,
    /// Both costs optimal and equal: the change is part of an optimal plan;
    /// `false` too when no plan contains it (then `breaks` says why).
    pub on_optimal_path: Option<bool>,
    /// When no plan contains the change: the rules it breaks, in words (from
    /// a checked infeasibility certificate, or the subnet's SEV or country
    /// rule). Empty otherwise.
    pub breaks: Vec<String>,
    /// How much more the cheapest plan containing the change costs.
    pub excess_cost: Option<u64>,
    pub optimal_cost: Option<u64>,
    pub cost_with_change: Option<u64>,
    /// Proven: every plan that contains the change costs at least this (the
    /// cost when decided; with `budget_exceeded`, the bound found on chain).
    pub lower_bound_with_change: u64,
    /// The cheapest plan found that contains the change, if any.
    pub upper_bound_with_change: Option<u64>,
    pub status: Status,
    pub status_with_change: Status,
    pub before: SubnetState,
    pub after: SubnetState,
    pub registry_version: u64,
    pub topology_sha256: String,
    pub configuration_sha256: String,
    pub instructions: u64,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PublishedPlan {
    pub key: String,
    pub plan: MembershipPlan,
    pub newly_published: bool,
    pub evicted: Vec<String>,
    pub published: u64,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CertifiedPlan {
    pub key: String,
    pub plan: MembershipPlan,
    /// The certified bytes: the plan's Candid encoding.
    #[serde(with = "serde_bytes")]
    pub plan_candid: Vec<u8>,
    pub certificate: Option<serde_bytes::ByteBuf>,
    #[serde(with = "serde_bytes")]
    pub witness: Vec<u8>,
    pub canister_id: Principal,
}

pub fn kind_out(k: EngineKind) -> ChangeKind {
    match k {
        EngineKind::Dropped => ChangeKind::Dropped,
        EngineKind::Moved => ChangeKind::Moved,
        EngineKind::NewlyAssigned => ChangeKind::NewlyAssigned,
    }
}

pub fn kind_in(k: ChangeKind) -> EngineKind {
    match k {
        ChangeKind::Dropped => EngineKind::Dropped,
        ChangeKind::Moved => EngineKind::Moved,
        ChangeKind::NewlyAssigned => EngineKind::NewlyAssigned,
    }
}

pub fn certificate_out(c: &EngineCertificate) -> PlanCertificate {
    let mut multipliers = Vec::new();
    let mut put = |row, multiplier| multipliers.push(PlanMultiplier { row, multiplier });
    for &(subnet, m) in &c.size {
        put(PlanRow::Size { subnet }, m);
    }
    for &(subnet, a, value, m) in &c.values {
        put(PlanRow::Value { subnet, attribute: a.into(), value }, m);
    }
    for &(class, subnet, m) in &c.keep {
        put(PlanRow::Keep { class, subnet }, m);
    }
    for &(class, m) in &c.link {
        put(PlanRow::Link { class }, m);
    }
    for &(class, m) in &c.avail {
        put(PlanRow::Avail { class }, m);
    }
    for &(class, m) in &c.classes {
        put(PlanRow::Class { class }, m);
    }
    if c.synthetic != 0 {
        put(PlanRow::Synthetic, c.synthetic);
    }
    for &(index, m) in &c.provider_minimums {
        put(PlanRow::ProviderMinimum { index }, m);
    }
    for &(index, m) in &c.spare_limits {
        put(PlanRow::SpareLimit { index }, m);
    }
    PlanCertificate { denominator: c.denominator, multipliers }
}

/// The engine's certificate; the checker refuses one whose rows are out of order or repeated.
pub fn certificate_in(c: &PlanCertificate) -> EngineCertificate {
    let mut out = EngineCertificate { denominator: c.denominator, ..Default::default() };
    for m in &c.multipliers {
        match m.row {
            PlanRow::Size { subnet } => out.size.push((subnet, m.multiplier)),
            PlanRow::Value { subnet, attribute, value } => {
                out.values.push((subnet, attribute.into(), value, m.multiplier))
            }
            PlanRow::Keep { class, subnet } => out.keep.push((class, subnet, m.multiplier)),
            PlanRow::Link { class } => out.link.push((class, m.multiplier)),
            PlanRow::Avail { class } => out.avail.push((class, m.multiplier)),
            PlanRow::Class { class } => out.classes.push((class, m.multiplier)),
            PlanRow::Synthetic => out.synthetic += m.multiplier,
            PlanRow::ProviderMinimum { index } => out.provider_minimums.push((index, m.multiplier)),
            PlanRow::SpareLimit { index } => out.spare_limits.push((index, m.multiplier)),
        }
    }
    out
}

fn counts_out(c: plan_check::Counts) -> PlanCounts {
    PlanCounts { synthetic: c.synthetic, dropped: c.dropped, moved: c.moved, newly_assigned: c.newly_assigned }
}

/// The digests and snapshot facts a plan answer reports, filled in by the caller.
pub struct PlanContext {
    pub registry_version: u64,
    pub snapshot_source: SnapshotSource,
    pub topology_sha256: String,
    pub configuration_sha256: String,
    pub instructions: u64,
}

pub fn plan_out(plan: &EnginePlan, seq: &Sequence, subnets: Vec<String>, ctx: PlanContext) -> MembershipPlan {
    MembershipPlan {
        infeasible_because: (!plan.infeasible_because.is_empty()).then(|| plan.infeasible_because.clone()),
        status: plan.status.into(),
        cost: plan.cost,
        counts: plan.counts.map(counts_out),
        lower_bound: plan.lower_bound,
        upper_bound: plan.upper_bound,
        certificate_is_tight: plan.certificate_is_tight,
        certificate: certificate_out(&plan.certificate),
        subnets,
        changes: plan
            .changes
            .iter()
            .map(|c| NodeChange {
                node_id: c.node_id.clone(),
                node_provider: c.node_provider.clone(),
                kind: kind_out(c.kind),
                from: c.from.clone(),
                to: c.to.clone(),
                reason: c.reason.clone(),
            })
            .collect(),
        proposals: seq
            .proposals
            .iter()
            .map(|p| MembershipProposal {
                step: p.step,
                subnet_id: p.subnet_id.clone(),
                subnet_type: p.subnet_type.clone(),
                node_ids_add: p.node_ids_add.clone(),
                node_ids_remove: p.node_ids_remove.clone(),
                after: p.after.clone(),
                payload_candid: p.payload_candid.clone(),
                summary: p.summary.clone(),
                summary_sha256: p.summary_sha256.clone(),
            })
            .collect(),
        cycles: seq.cycles.clone(),
        registry_version: ctx.registry_version,
        snapshot_source: ctx.snapshot_source,
        topology_sha256: ctx.topology_sha256,
        configuration_sha256: ctx.configuration_sha256,
        instructions: ctx.instructions,
    }
}

fn state_out(s: &EngineState, size: u32) -> SubnetState {
    let mut breaches = Vec::new();
    let mut size_mismatch = None;
    for b in &s.broken_limits {
        if b.limit.starts_with("size") {
            size_mismatch = Some(size);
            continue;
        }
        let limit = b.limit.rsplit(' ').next().and_then(|n| n.parse().ok()).unwrap_or(0);
        breaches.push(LimitBreach { attribute: b.attribute.into(), value: b.value.clone(), count: b.count, limit });
    }
    SubnetState { nodes: s.nodes, nakamoto: s.nakamoto.to_vec(), breaches, size_mismatch }
}

pub fn change_report_out(check: &ProposalCheck, size: u32, ctx: PlanContext) -> MembershipChangeReport {
    MembershipChangeReport {
        subnet_type: check.subnet_type.clone(),
        on_optimal_path: check.on_optimal_path,
        breaks: check.breaks.clone(),
        excess_cost: check.excess_cost,
        optimal_cost: check.optimal.upper_bound.filter(|_| check.optimal.status == crate::solve::Status::Optimal),
        cost_with_change: check
            .with_proposal
            .upper_bound
            .filter(|_| check.with_proposal.status == crate::solve::Status::Optimal),
        lower_bound_with_change: check.with_proposal.lower_bound,
        upper_bound_with_change: check.with_proposal.upper_bound,
        status: check.optimal.status.into(),
        status_with_change: check.with_proposal.status.into(),
        before: state_out(&check.before, size),
        after: state_out(&check.after, size),
        registry_version: ctx.registry_version,
        topology_sha256: ctx.topology_sha256,
        configuration_sha256: ctx.configuration_sha256,
        instructions: ctx.instructions,
    }
}

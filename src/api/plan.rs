//! The Candid types of membership plans (the canister's
//! `plan_membership_changes`, `verify_membership_change`, `publish_plan`,
//! `get_published_plan`), and their conversions from the engine's records.

use super::{Attribute, LimitBreach, SnapshotSource, Status};
use crate::plan::check::{self as plan_check, ChangeKind as EngineKind, PlanCertificate as EngineCertificate};
use crate::plan::sequence::Sequence;
use crate::plan::verify_proposal::{ProposalCheck, SubnetState as EngineState};
use crate::plan::Plan as EnginePlan;
use candid::{CandidType, Deserialize, Principal};

/// The argument of `plan_membership_changes`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PlanRequest {
    /// Subnet ids that may change; empty: any subnet.
    pub subnets: Vec<String>,
}

/// A plan's changes counted.
#[derive(CandidType, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlanCounts {
    /// Synthetic nodes.
    pub synthetic: u32,
    /// Nodes dropped.
    pub dropped: u32,
    /// Nodes moved.
    pub moved: u32,
    /// Synthetic nodes are newly assigned too, as the reference counts them.
    pub newly_assigned: u32,
}

/// What a change does to a node.
#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// Leaves its subnet.
    #[serde(rename = "dropped")]
    Dropped,
    /// Moves to another subnet.
    #[serde(rename = "moved")]
    Moved,
    /// Joins a subnet from no subnet.
    #[serde(rename = "newly_assigned")]
    NewlyAssigned,
}

/// One node change.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct NodeChange {
    /// The node.
    pub node_id: String,
    /// After renames and clusters, as the reference reports it.
    pub node_provider: String,
    /// Dropped, moved or newly assigned.
    pub kind: ChangeKind,
    /// Subnet ids; null for no subnet.
    pub from: Option<String>,
    /// The subnet it joins, if any.
    pub to: Option<String>,
    /// DOWN, DEGRADED or cordoned, when the node must leave its subnet.
    pub reason: Option<String>,
}

/// A row of the swap model's LP relaxation (see `src/plan/check.rs`).
#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanRow {
    /// A subnet's size row.
    #[serde(rename = "size")]
    Size {
        /// The subnet.
        subnet: u32,
    },
    /// A subnet's per-value limit row.
    #[serde(rename = "value")]
    Value {
        /// The subnet.
        subnet: u32,
        /// The attribute.
        attribute: Attribute,
        /// The attribute value (its index).
        value: u32,
    },
    /// A class's nodes kept in a subnet are at most those it places there.
    #[serde(rename = "keep")]
    Keep {
        /// The class.
        class: u32,
        /// The subnet.
        subnet: u32,
    },
    /// A class's nodes placed are those kept, newly assigned or moved.
    #[serde(rename = "link")]
    Link {
        /// The class.
        class: u32,
    },
    /// A class's nodes kept or moved are at most those assigned now.
    #[serde(rename = "avail")]
    Avail {
        /// The class.
        class: u32,
    },
    /// A synthetic class places at most its count.
    #[serde(rename = "class")]
    Class {
        /// The class.
        class: u32,
    },
    /// The synthetic cap row.
    #[serde(rename = "synthetic")]
    Synthetic,
    /// A per-provider minimum row.
    #[serde(rename = "provider_minimum")]
    ProviderMinimum {
        /// The provider minimum (its index).
        index: u32,
    },
    /// A spare-limit row (`spare_node_ratio`), by index into the model's list.
    #[serde(rename = "spare_limit")]
    SpareLimit {
        /// The spare limit (its index).
        index: u32,
    },
}

/// One row and its multiplier.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PlanMultiplier {
    /// The row.
    pub row: PlanRow,
    /// Its multiplier.
    pub multiplier: i64,
}

/// Integer multipliers over one denominator; rows not listed are zero.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PlanCertificate {
    /// The common denominator of the multipliers.
    pub denominator: u64,
    /// The nonzero multipliers.
    pub multipliers: Vec<PlanMultiplier>,
}

/// One `ChangeSubnetMembership` proposal.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct MembershipProposal {
    /// Its place in the order (1 first).
    pub step: u32,
    /// The subnet the proposal changes.
    pub subnet_id: String,
    /// The subnet type.
    pub subnet_type: String,
    /// Nodes to add.
    pub node_ids_add: Vec<String>,
    /// Nodes to remove.
    pub node_ids_remove: Vec<String>,
    /// Steps to execute before this one (they free the nodes it adds).
    pub after: Vec<u32>,
    /// The registry's `ChangeSubnetMembershipPayload` as Candid text.
    pub payload_candid: String,
    /// The proposal's summary text.
    pub summary: String,
    /// The summary's SHA-256.
    pub summary_sha256: String,
}

/// The answer of `plan_membership_changes`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct MembershipPlan {
    /// Optimal, infeasible, or out of budget.
    pub status: Status,
    /// The optimal cost (dropped + 3 x moved + newly assigned + 100 x synthetic); null unless optimal.
    pub cost: Option<u64>,
    /// Counts of the changes.
    pub counts: Option<PlanCounts>,
    /// Proven: every plan costs at least this.
    pub lower_bound: u64,
    /// The cost of the best plan found, if any.
    pub upper_bound: Option<u64>,
    /// Whether the certificate alone proves the optimum.
    pub certificate_is_tight: bool,
    /// The lower-bound certificate.
    pub certificate: PlanCertificate,
    /// The subnets that may change (empty: any).
    pub subnets: Vec<String>,
    /// Every node change.
    pub changes: Vec<NodeChange>,
    /// The proposals, in order.
    pub proposals: Vec<MembershipProposal>,
    /// Subnets whose moves form a cycle: no order of one proposal per subnet executes them.
    pub cycles: Vec<Vec<String>>,
    /// The registry version of the snapshot.
    pub registry_version: u64,
    /// Where the snapshot came from.
    pub snapshot_source: SnapshotSource,
    /// The SHA-256 of the topology's canonical bytes.
    pub topology_sha256: String,
    /// The SHA-256 of the configuration's canonical bytes.
    pub configuration_sha256: String,
    /// Instructions this call used (`ic0.performance_counter`).
    pub instructions: u64,
    /// When no plan exists because the topology cannot be filled at all:
    /// why, as `evaluate` says it (from a checked infeasibility certificate).
    pub infeasible_because: Option<Vec<String>>,
}

/// A membership change to verify.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct MembershipChange {
    /// The subnet the change is to.
    pub subnet_id: String,
    /// Nodes to add.
    pub node_ids_add: Vec<String>,
    /// Nodes to remove.
    pub node_ids_remove: Vec<String>,
}

/// A subnet as it is, or after a change.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SubnetState {
    /// Its nodes.
    pub nodes: u32,
    /// Nakamoto coefficients: node provider, data center, data-center provider, country.
    pub nakamoto: Vec<u32>,
    /// Limits the subnet breaks (a size mismatch is listed with count = nodes).
    pub breaches: Vec<LimitBreach>,
    /// The topology's size, when the subnet's differs from it.
    pub size_mismatch: Option<u32>,
}

/// The answer of `verify_membership_change`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct MembershipChangeReport {
    /// The subnet's type.
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
    /// The cost of an optimal plan.
    pub optimal_cost: Option<u64>,
    /// The cost of the best plan with the change.
    pub cost_with_change: Option<u64>,
    /// Proven: every plan that contains the change costs at least this (the
    /// cost when decided; with `budget_exceeded`, the bound found on chain).
    pub lower_bound_with_change: u64,
    /// The cheapest plan found that contains the change, if any.
    pub upper_bound_with_change: Option<u64>,
    /// The status of the optimal plan.
    pub status: Status,
    /// The status with the change.
    pub status_with_change: Status,
    /// The subnet before the change.
    pub before: SubnetState,
    /// The subnet after the change.
    pub after: SubnetState,
    /// The registry version of the snapshot.
    pub registry_version: u64,
    /// The SHA-256 of the topology's canonical bytes.
    pub topology_sha256: String,
    /// The SHA-256 of the configuration's canonical bytes.
    pub configuration_sha256: String,
    /// Instructions this call used (`ic0.performance_counter`).
    pub instructions: u64,
}

/// The answer of `publish_plan`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PublishedPlan {
    /// The publication key.
    pub key: String,
    /// The plan published.
    pub plan: MembershipPlan,
    /// `false`: this key was published before; that plan is returned.
    pub newly_published: bool,
    /// Keys evicted to make room (oldest first).
    pub evicted: Vec<String>,
    /// Plans and evaluations held now.
    pub published: u64,
}

/// A published plan with what proves it.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CertifiedPlan {
    /// The publication key.
    pub key: String,
    /// The plan.
    pub plan: MembershipPlan,
    /// The certified bytes: the plan's Candid encoding.
    #[serde(with = "serde_bytes")]
    pub plan_candid: Vec<u8>,
    /// The system certificate (`None` in an update).
    pub certificate: Option<serde_bytes::ByteBuf>,
    /// The witness (CBOR hash tree).
    #[serde(with = "serde_bytes")]
    pub witness: Vec<u8>,
    /// The canister's id.
    pub canister_id: Principal,
}

/// The Candid change kind.
pub fn kind_out(k: EngineKind) -> ChangeKind {
    match k {
        EngineKind::Dropped => ChangeKind::Dropped,
        EngineKind::Moved => ChangeKind::Moved,
        EngineKind::NewlyAssigned => ChangeKind::NewlyAssigned,
    }
}

/// The engine change kind.
pub fn kind_in(k: ChangeKind) -> EngineKind {
    match k {
        ChangeKind::Dropped => EngineKind::Dropped,
        ChangeKind::Moved => EngineKind::Moved,
        ChangeKind::NewlyAssigned => EngineKind::NewlyAssigned,
    }
}

/// The Candid plan certificate.
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
    /// The registry version.
    pub registry_version: u64,
    /// Where the snapshot came from.
    pub snapshot_source: SnapshotSource,
    /// The SHA-256 of the topology's canonical bytes.
    pub topology_sha256: String,
    /// The SHA-256 of the configuration's canonical bytes.
    pub configuration_sha256: String,
    /// Instructions used.
    pub instructions: u64,
}

/// The Candid membership plan.
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

/// The Candid membership change report.
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

//! Conversions between the Candid types and the engine's records, shared by
//! the canister, the command-line tool and the tests.

use crate::api::{self, Error, Result};
use crate::check::{Certificate, SubnetMultipliers};
use crate::evaluate::{self, Evaluation};
use crate::inputs::{
    self, Attribute, CandidateRow, Cordon, CordonedFeature, Inputs, LimitOp, PlannedNode, RegistryNode, RuleSet,
    Settings, SpecialLimit, SpecialLimitScope, SpecialLimits, SpecialLimitsReading, SubnetSpec,
};
use crate::model::{self, Model};
use crate::solve::Status;
use crate::verify::{Check, Claim, ClaimedSubnet, Rejection, Verified};
use std::collections::BTreeMap;

pub fn attribute(a: Attribute) -> api::Attribute {
    match a {
        Attribute::NodeProvider => api::Attribute::NodeProvider,
        Attribute::DataCenter => api::Attribute::DataCenter,
        Attribute::DataCenterProvider => api::Attribute::DataCenterProvider,
        Attribute::Country => api::Attribute::Country,
    }
}

pub fn attribute_in(a: api::Attribute) -> Attribute {
    match a {
        api::Attribute::NodeProvider => Attribute::NodeProvider,
        api::Attribute::DataCenter => Attribute::DataCenter,
        api::Attribute::DataCenterProvider => Attribute::DataCenterProvider,
        api::Attribute::Country => Attribute::Country,
    }
}

pub fn rules_in(r: api::RuleSet) -> RuleSet {
    match r {
        api::RuleSet::Dec2023 => RuleSet::Dec2023,
        api::RuleSet::Nov2024 => RuleSet::Nov2024,
        api::RuleSet::Y2025 => RuleSet::Y2025,
    }
}

pub fn rules_out(r: RuleSet) -> api::RuleSet {
    match r {
        RuleSet::Dec2023 => api::RuleSet::Dec2023,
        RuleSet::Nov2024 => api::RuleSet::Nov2024,
        RuleSet::Y2025 => api::RuleSet::Y2025,
    }
}

/// The engine's reading of special limits.
pub fn reading_in(r: api::SpecialLimitsReading) -> SpecialLimitsReading {
    match r {
        api::SpecialLimitsReading::Y2025 => SpecialLimitsReading::Y2025,
        api::SpecialLimitsReading::BySubnetId => SpecialLimitsReading::BySubnetId,
    }
}

/// The API's reading of special limits.
pub fn reading_out(r: SpecialLimitsReading) -> api::SpecialLimitsReading {
    match r {
        SpecialLimitsReading::Y2025 => api::SpecialLimitsReading::Y2025,
        SpecialLimitsReading::BySubnetId => api::SpecialLimitsReading::BySubnetId,
    }
}

pub fn status(s: Status) -> api::Status {
    match s {
        Status::Optimal => api::Status::Optimal,
        Status::Infeasible => api::Status::Infeasible,
        Status::BudgetExceeded => api::Status::BudgetExceeded,
    }
}

pub fn settings_out(s: Settings) -> api::Settings {
    api::Settings {
        rules: rules_out(s.rules),
        synthetic_countries: s.synthetic_countries,
        enforce_sev: s.enforce_sev,
        enforce_health: s.enforce_health,
        enforce_blacklist: s.enforce_blacklist,
        enforce_per_provider_minimum: s.enforce_per_provider_minimum,
        special_limits_reading: Some(reading_out(s.special_limits_reading)),
    }
}

pub fn candidate_in(r: &api::CandidateRow) -> CandidateRow {
    CandidateRow {
        node_provider: r.node_provider.clone(),
        data_center: r.data_center.clone(),
        data_center_provider: r.data_center_provider.clone(),
        country: r.country.clone(),
        is_sev: r.is_sev,
        no_nodes: r.no_nodes,
    }
}

pub fn planned_in(p: api::PlannedNode) -> PlannedNode {
    PlannedNode {
        node_id: p.node_id,
        node_provider: p.node_provider,
        data_center: p.data_center,
        data_center_provider: p.data_center_provider,
        country: p.country,
        is_sev: p.is_sev,
    }
}

pub fn planned_out(p: &PlannedNode) -> api::PlannedNode {
    api::PlannedNode {
        node_id: p.node_id.clone(),
        node_provider: p.node_provider.clone(),
        data_center: p.data_center.clone(),
        data_center_provider: p.data_center_provider.clone(),
        country: p.country.clone(),
        is_sev: p.is_sev,
    }
}

pub fn subnet_spec_in(s: &api::SubnetSpec) -> SubnetSpec {
    SubnetSpec {
        subnet_type: s.subnet_type.clone(),
        subnet_id: s.subnet_id.clone(),
        size: s.size,
        is_sev: s.is_sev,
        limits: [s.limit_node_provider, s.limit_data_center, s.limit_data_center_provider, s.limit_country],
    }
}

pub fn subnet_spec_out(s: &SubnetSpec) -> api::SubnetSpec {
    api::SubnetSpec {
        subnet_type: s.subnet_type.clone(),
        subnet_id: s.subnet_id.clone(),
        size: s.size,
        is_sev: s.is_sev,
        limit_node_provider: s.limits[0],
        limit_data_center: s.limits[1],
        limit_data_center_provider: s.limits[2],
        limit_country: s.limits[3],
    }
}

fn feature_in(f: api::CordonedFeature) -> CordonedFeature {
    match f {
        api::CordonedFeature::NodeId => CordonedFeature::NodeId,
        api::CordonedFeature::NodeProvider => CordonedFeature::NodeProvider,
        api::CordonedFeature::NodeOperator => CordonedFeature::NodeOperator,
        api::CordonedFeature::DataCenter => CordonedFeature::DataCenter,
        api::CordonedFeature::DataCenterProvider => CordonedFeature::DataCenterProvider,
    }
}

pub fn feature_out(f: CordonedFeature) -> api::CordonedFeature {
    match f {
        CordonedFeature::NodeId => api::CordonedFeature::NodeId,
        CordonedFeature::NodeProvider => api::CordonedFeature::NodeProvider,
        CordonedFeature::NodeOperator => api::CordonedFeature::NodeOperator,
        CordonedFeature::DataCenter => api::CordonedFeature::DataCenter,
        CordonedFeature::DataCenterProvider => api::CordonedFeature::DataCenterProvider,
    }
}

pub fn cordon_in(c: api::Cordon) -> Cordon {
    Cordon { feature: feature_in(c.feature), value: c.value }
}

pub fn special_limits_in(list: Vec<api::SpecialLimit>) -> Result<SpecialLimits> {
    let mut out = SpecialLimits::new();
    for (i, l) in list.into_iter().enumerate() {
        if l.value.is_empty() {
            return Err(Error::InvalidArgument {
                field: format!("special_limits[{i}].value"),
                reason: "must not be empty".into(),
            });
        }
        let scope = match l.scope {
            api::SpecialLimitScope::SubnetId(id) => SpecialLimitScope::SubnetId(id),
            api::SpecialLimitScope::SubnetType(t) => SpecialLimitScope::SubnetType(t),
            api::SpecialLimitScope::Default => SpecialLimitScope::Default,
        };
        let op = match l.op {
            api::LimitOp::AtMost => LimitOp::AtMost,
            api::LimitOp::Exactly => LimitOp::Exactly,
        };
        out.entry(scope)
            .or_default()
            .entry(attribute_in(l.attribute))
            .or_default()
            .insert(l.value, SpecialLimit { count: l.count, op });
    }
    Ok(out)
}

pub fn special_limits_out(limits: &SpecialLimits) -> Vec<api::SpecialLimit> {
    inputs::special_limits_as_list::to_list(limits)
        .into_iter()
        .map(|(scope, a, value, limit)| api::SpecialLimit {
            scope: match scope {
                SpecialLimitScope::SubnetId(id) => api::SpecialLimitScope::SubnetId(id),
                SpecialLimitScope::SubnetType(t) => api::SpecialLimitScope::SubnetType(t),
                SpecialLimitScope::Default => api::SpecialLimitScope::Default,
            },
            attribute: attribute(a),
            value,
            count: limit.count,
            op: match limit.op {
                LimitOp::AtMost => api::LimitOp::AtMost,
                LimitOp::Exactly => api::LimitOp::Exactly,
            },
        })
        .collect()
}

pub fn node_in(n: api::Node) -> RegistryNode {
    RegistryNode {
        node_id: n.node_id,
        node_provider_name: n.node_provider_name,
        node_provider_id: n.node_provider_id,
        node_operator_id: n.node_operator_id,
        data_center: n.data_center,
        data_center_provider: n.data_center_provider,
        region: n.region,
        node_type: n.node_type,
        status: n.status,
        subnet_id: n.subnet_id,
    }
}

pub fn node_out(n: RegistryNode) -> api::Node {
    api::Node {
        node_id: n.node_id,
        node_operator_id: n.node_operator_id,
        node_provider_id: n.node_provider_id,
        node_provider_name: n.node_provider_name,
        data_center: n.data_center,
        data_center_provider: n.data_center_provider,
        region: n.region,
        node_type: n.node_type,
        status: n.status,
        subnet_id: n.subnet_id,
    }
}

fn certificate_out(model: &Model, c: &Certificate) -> api::Certificate {
    let bound = crate::check::check_certificate(model, c).map(|b| b.numerator.to_string()).unwrap_or_default();
    certificate_with_bound(c, bound)
}

/// A certificate of a secondary objective (`costs` per class, as
/// `check::check_weighted_certificate` reads them), with the bound it proves.
pub fn weighted_certificate_out(model: &Model, c: &Certificate, costs: &[i64]) -> api::Certificate {
    let bound = crate::check::check_weighted_certificate(model, c, Some(costs))
        .map(|b| b.numerator.to_string())
        .unwrap_or_default();
    certificate_with_bound(c, bound)
}

/// An infeasibility certificate, with the bound it proves under the zero objective.
fn infeasibility_certificate_out(model: &Model, c: &Certificate) -> api::Certificate {
    let zeros = vec![0i64; model.classes.len()];
    weighted_certificate_out(model, c, &zeros)
}

fn certificate_with_bound(c: &Certificate, bound: String) -> api::Certificate {
    api::Certificate {
        denominator: c.denominator,
        classes: c.classes.clone(),
        provider_minimums: c.provider_minimums.clone(),
        subnets: c
            .subnets
            .iter()
            .map(|g| api::SubnetMultipliers {
                subnets: g.subnets.clone(),
                size: g.size,
                values: g
                    .values
                    .iter()
                    .map(|&(a, value, multiplier)| api::ValueMultiplier { attribute: attribute(a), value, multiplier })
                    .collect(),
            })
            .collect(),
        bound_numerator: bound,
    }
}

/// An allocation of `model` as node ids per subnet.
pub fn allocation_out(model: &Model, allocation: &crate::check::Allocation) -> Vec<api::SubnetAllocation> {
    evaluate::subnet_nodes(model, allocation)
        .into_iter()
        .map(|x| api::SubnetAllocation {
            subnet_type: x.subnet_type,
            subnet_id: x.subnet_id,
            synthetic: x.synthetic,
            nakamoto: x.nakamoto.to_vec(),
            nodes: x.nodes,
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
pub fn evaluation(
    model: &Model,
    ev: &Evaluation,
    req: api::EvaluateRequest,
    settings: Settings,
    registry_version: u64,
    topology_sha256: String,
    configuration_sha256: String,
    instructions: u64,
) -> api::Evaluation {
    let s = &ev.solution;
    let allocation =
        (req.include_allocation == Some(true)).then(|| s.allocation.as_ref().map(|al| allocation_out(model, al)));
    let has_candidates = !req.candidates.is_empty();
    api::Evaluation {
        status: status(s.status),
        objective: s.objective,
        baseline_objective: if has_candidates { ev.baseline_objective } else { None },
        reduction: ev.reduction,
        verdict: ev.verdict.map(|v| match v {
            evaluate::Verdict::OneForOne => api::Verdict::OneForOne,
            evaluate::Verdict::Diminishing => api::Verdict::Diminishing,
            evaluate::Verdict::None => api::Verdict::None,
        }),
        candidate_nodes: ev.candidate_nodes,
        curve: ev
            .curve
            .iter()
            .map(|p| api::CurvePoint {
                nodes: p.nodes,
                status: status(p.status),
                objective: p.objective,
                lower_bound: p.lower_bound,
                upper_bound: p.upper_bound,
            })
            .collect(),
        optimal_deployment_size: if has_candidates { ev.optimal_deployment_size } else { None },
        lower_bound: s.lower_bound,
        upper_bound: s.upper_bound,
        certificate: certificate_out(model, &s.certificate),
        certificate_is_tight: s.certificate_is_tight,
        infeasibility_certificate: s.infeasibility.as_ref().map(|c| infeasibility_certificate_out(model, c)),
        infeasibility_explanation: s.infeasibility.as_ref().and_then(|c| crate::explain::infeasibility(model, c)),
        allocation: allocation.flatten(),
        candidates: req.candidates,
        settings: settings_out(settings),
        overrides: req.overrides,
        registry_version,
        // The state fills these two from the snapshot it evaluated.
        snapshot_source: api::SnapshotSource::Upload,
        defaults_applied: api::DefaultsApplied::default(),
        topology_sha256,
        configuration_sha256,
        instructions,
    }
}

/// The current subnets (from the nodes' subnet ids): Nakamoto coefficients per
/// attribute, and the limits of the topology entry with the same subnet id
/// that they break. Values are named as the model names them (renames and
/// clusters of the rule set applied).
pub fn decentralization(inputs: &Inputs, model: &Model) -> Vec<api::SubnetDecentralization> {
    // Each registry node's values as the model interns them (every node of
    // the snapshot is interned, the ones no subnet may take too).
    let mut members: BTreeMap<String, Vec<[u32; 4]>> = BTreeMap::new();
    for n in &inputs.nodes {
        let Some(subnet) = &n.subnet_id else { continue };
        let names = model::registry_node_values(inputs, n);
        let values: Option<Vec<u32>> =
            Attribute::ALL.iter().map(|&a| model.value_index(a, &names[a.index()])).collect();
        // API boundary nodes (2025) are not in the model and belong to no subnet.
        if let Some(v) = values {
            members.entry(subnet.clone()).or_default().push([v[0], v[1], v[2], v[3]]);
        }
    }
    members
        .into_iter()
        .map(|(subnet_id, nodes)| {
            let entry = model.subnets.iter().find(|s| s.subnet_id.as_deref() == Some(subnet_id.as_str()));
            let nakamoto: Vec<u32> = Attribute::ALL
                .iter()
                .map(|a| {
                    let mut counts: BTreeMap<u32, u64> = BTreeMap::new();
                    for v in &nodes {
                        *counts.entry(v[a.index()]).or_default() += 1;
                    }
                    evaluate::nakamoto(counts.into_values().collect())
                })
                .collect();
            let mut breaches = Vec::new();
            if let Some(subnet) = entry {
                for a in Attribute::ALL {
                    let mut counts: BTreeMap<u32, u32> = BTreeMap::new();
                    for v in &nodes {
                        *counts.entry(v[a.index()]).or_default() += 1;
                    }
                    for (v, count) in counts {
                        let limit = subnet.limit(a, v);
                        let broken = match limit.op {
                            LimitOp::AtMost => count > limit.count,
                            LimitOp::Exactly => count != limit.count,
                        };
                        if broken {
                            breaches.push(api::LimitBreach {
                                attribute: attribute(a),
                                value: model.value(a, v).to_string(),
                                count,
                                limit: limit.count,
                            });
                        }
                    }
                }
            }
            api::SubnetDecentralization {
                subnet_id,
                subnet_type: entry.map(|s| s.subnet_type.clone()),
                nodes: nodes.len() as u32,
                nakamoto,
                breaches,
            }
        })
        .collect()
}

fn status_in(s: api::Status) -> Status {
    match s {
        api::Status::Optimal => Status::Optimal,
        api::Status::Infeasible => Status::Infeasible,
        api::Status::BudgetExceeded => Status::BudgetExceeded,
    }
}

fn settings_in(s: &api::Settings) -> Settings {
    Settings {
        rules: rules_in(s.rules),
        synthetic_countries: s.synthetic_countries,
        enforce_sev: s.enforce_sev,
        enforce_health: s.enforce_health,
        enforce_blacklist: s.enforce_blacklist,
        enforce_per_provider_minimum: s.enforce_per_provider_minimum,
        special_limits_reading: s.special_limits_reading.map(reading_in).unwrap_or_default(),
    }
}

/// What a submitted evaluation claims, in the engine's terms. Sizes are
/// capped so that a verification stays a cheap query.
/// `s` with an evaluation's overrides applied (unvalidated: callers check their caps).
pub fn settings_overridden(mut s: Settings, o: &api::SettingsOverride) -> Settings {
    s.synthetic_countries = o.synthetic_countries.unwrap_or(s.synthetic_countries);
    s.enforce_sev = o.enforce_sev.unwrap_or(s.enforce_sev);
    s.enforce_health = o.enforce_health.unwrap_or(s.enforce_health);
    s.enforce_blacklist = o.enforce_blacklist.unwrap_or(s.enforce_blacklist);
    s.enforce_per_provider_minimum = o.enforce_per_provider_minimum.unwrap_or(s.enforce_per_provider_minimum);
    s
}

pub fn claim_in(e: &api::Evaluation) -> Result<Claim> {
    let invalid = |field: &str, reason: String| Error::InvalidArgument { field: field.into(), reason };
    let bound_numerator = match e.certificate.bound_numerator.as_str() {
        "" => None,
        text => {
            Some(text.parse::<i128>().map_err(|_| invalid("certificate.bound_numerator", "not an integer".into()))?)
        }
    };
    Ok(Claim {
        candidates: e.candidates.iter().map(candidate_in).collect(),
        settings: settings_in(&e.settings),
        status: status_in(e.status),
        objective: e.objective,
        lower_bound: e.lower_bound,
        upper_bound: e.upper_bound,
        baseline_objective: e.baseline_objective,
        reduction: e.reduction,
        verdict: e.verdict.map(|v| match v {
            api::Verdict::OneForOne => evaluate::Verdict::OneForOne,
            api::Verdict::Diminishing => evaluate::Verdict::Diminishing,
            api::Verdict::None => evaluate::Verdict::None,
        }),
        candidate_nodes: e.candidate_nodes,
        curve: e
            .curve
            .iter()
            .map(|p| evaluate::CurvePoint {
                nodes: p.nodes,
                status: status_in(p.status),
                objective: p.objective,
                lower_bound: p.lower_bound,
                upper_bound: p.upper_bound,
            })
            .collect(),
        optimal_deployment_size: e.optimal_deployment_size,
        certificate: certificate_in(&e.certificate),
        infeasibility: e.infeasibility_certificate.as_ref().map(certificate_in),
        bound_numerator,
        certificate_is_tight: e.certificate_is_tight,
        allocation: e.allocation.as_ref().map(|subnets| {
            subnets.iter().map(|s| ClaimedSubnet { nodes: s.nodes.clone(), synthetic: s.synthetic }).collect()
        }),
        topology_sha256: e.topology_sha256.clone(),
        configuration_sha256: e.configuration_sha256.clone(),
    })
}

fn certificate_in(c: &api::Certificate) -> Certificate {
    Certificate {
        denominator: c.denominator,
        classes: c.classes.clone(),
        provider_minimums: c.provider_minimums.clone(),
        subnets: c
            .subnets
            .iter()
            .map(|g| SubnetMultipliers {
                subnets: g.subnets.clone(),
                size: g.size,
                values: g.values.iter().map(|v| (attribute_in(v.attribute), v.value, v.multiplier)).collect(),
            })
            .collect(),
    }
}

fn check_out(c: Check) -> api::VerifyCheck {
    match c {
        Check::Settings => api::VerifyCheck::Settings,
        Check::TopologyDigest => api::VerifyCheck::TopologyDigest,
        Check::ConfigurationDigest => api::VerifyCheck::ConfigurationDigest,
        Check::Candidates => api::VerifyCheck::Candidates,
        Check::Certificate => api::VerifyCheck::Certificate,
        Check::Bound => api::VerifyCheck::Bound,
        Check::Allocation => api::VerifyCheck::Allocation,
        Check::Objective => api::VerifyCheck::Objective,
        Check::Curve => api::VerifyCheck::Curve,
    }
}

/// The report of a verification (instructions filled in by the caller).
pub fn verification_report(
    outcome: std::result::Result<Verified, Rejection>,
    registry_version: u64,
) -> api::VerificationReport {
    match outcome {
        Ok(v) => api::VerificationReport {
            verified: true,
            rejection: None,
            proven: v.proven,
            summary: v.summary,
            bound_numerator: v.bound.numerator.to_string(),
            bound_denominator: v.bound.denominator,
            registry_version,
            instructions: 0,
        },
        Err(r) => api::VerificationReport {
            verified: false,
            summary: format!("rejected: {r}"),
            rejection: Some(api::Rejection { check: check_out(r.check), reason: r.reason }),
            proven: false,
            bound_numerator: String::new(),
            bound_denominator: 0,
            registry_version,
            instructions: 0,
        },
    }
}

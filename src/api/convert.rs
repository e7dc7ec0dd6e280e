//! Conversions between the Candid types and the engine's records, shared by
//! the canister, the command-line tool and the tests.

use crate::api::{self, Error, Result};
use crate::check::{Certificate, SubnetMultipliers};
use crate::evaluate::{self, Evaluation};
use crate::inputs::{
    self, Attribute, CandidateRow, Cordon, CordonedFeature, Inputs, LimitOp, PlannedNode, RegistryNode, RuleSet,
    Settings, SpareNodeRatio, SpecialLimit, SpecialLimitScope, SpecialLimits, SpecialLimitsReading, SubnetSpec,
};
use crate::model::{self, Model};
use crate::solve::Status;
use crate::verify::{Check, Claim, ClaimedSubnet, Rejection, Verified};
use std::collections::BTreeMap;

/// `From` both ways between two field-less enums with the same variants.
macro_rules! same_variants {
    ($engine:ty, $api:ty, [$($variant:ident),+ $(,)?]) => {
        impl From<$engine> for $api {
            fn from(v: $engine) -> Self {
                match v {
                    $(<$engine>::$variant => <$api>::$variant,)+
                }
            }
        }
        impl From<$api> for $engine {
            fn from(v: $api) -> Self {
                match v {
                    $(<$api>::$variant => <$engine>::$variant,)+
                }
            }
        }
    };
}

same_variants!(Attribute, api::Attribute, [NodeProvider, DataCenter, DataCenterProvider, Country]);
same_variants!(RuleSet, api::RuleSet, [Dec2023, Nov2024, Y2025]);
same_variants!(Status, api::Status, [Optimal, Infeasible, BudgetExceeded]);
same_variants!(
    CordonedFeature,
    api::CordonedFeature,
    [NodeId, NodeProvider, NodeOperator, DataCenter, DataCenterProvider]
);
same_variants!(evaluate::Verdict, api::Verdict, [OneForOne, Diminishing, None]);
same_variants!(LimitOp, api::LimitOp, [AtMost, Exactly]);
same_variants!(SpecialLimitsReading, api::SpecialLimitsReading, [Y2025, BySubnetId]);
same_variants!(
    Check,
    api::VerifyCheck,
    [Settings, TopologyDigest, ConfigurationDigest, Candidates, Certificate, Bound, Allocation, Objective, Curve]
);

impl From<Settings> for api::Settings {
    fn from(s: Settings) -> Self {
        api::Settings {
            rules: s.rules.into(),
            synthetic_countries: s.synthetic_countries,
            enforce_sev: s.enforce_sev,
            enforce_health: s.enforce_health,
            enforce_blacklist: s.enforce_blacklist,
            enforce_per_provider_minimum: s.enforce_per_provider_minimum,
            // Absent for the default reading, as a release before the setting answered.
            special_limits_reading: (s.special_limits_reading != SpecialLimitsReading::Y2025)
                .then(|| s.special_limits_reading.into()),
            spare_node_ratio: s.spare_node_ratio.map(SpareNodeRatio::get),
        }
    }
}

impl From<&api::Settings> for Settings {
    fn from(s: &api::Settings) -> Self {
        Settings {
            rules: s.rules.into(),
            synthetic_countries: s.synthetic_countries,
            enforce_sev: s.enforce_sev,
            enforce_health: s.enforce_health,
            enforce_blacklist: s.enforce_blacklist,
            enforce_per_provider_minimum: s.enforce_per_provider_minimum,
            special_limits_reading: s.special_limits_reading.map(Into::into).unwrap_or_default(),
            // A ratio outside [0, 1] is refused before conversion (see `settings_in`); here it is no rule.
            spare_node_ratio: s.spare_node_ratio.and_then(SpareNodeRatio::new),
        }
    }
}

impl From<&api::CandidateRow> for CandidateRow {
    fn from(r: &api::CandidateRow) -> Self {
        CandidateRow {
            node_provider: r.node_provider.clone(),
            data_center: r.data_center.clone(),
            data_center_provider: r.data_center_provider.clone(),
            country: r.country.clone(),
            is_sev: r.is_sev,
            no_nodes: r.no_nodes,
        }
    }
}

impl From<api::PlannedNode> for PlannedNode {
    fn from(p: api::PlannedNode) -> Self {
        PlannedNode {
            node_id: p.node_id,
            node_provider: p.node_provider,
            data_center: p.data_center,
            data_center_provider: p.data_center_provider,
            country: p.country,
            is_sev: p.is_sev,
        }
    }
}

impl From<&PlannedNode> for api::PlannedNode {
    fn from(p: &PlannedNode) -> Self {
        api::PlannedNode {
            node_id: p.node_id.clone(),
            node_provider: p.node_provider.clone(),
            data_center: p.data_center.clone(),
            data_center_provider: p.data_center_provider.clone(),
            country: p.country.clone(),
            is_sev: p.is_sev,
        }
    }
}

impl From<&api::SubnetSpec> for SubnetSpec {
    fn from(s: &api::SubnetSpec) -> Self {
        SubnetSpec {
            subnet_type: s.subnet_type.clone(),
            subnet_id: s.subnet_id.clone(),
            size: s.size,
            is_sev: s.is_sev,
            limits: [s.limit_node_provider, s.limit_data_center, s.limit_data_center_provider, s.limit_country],
        }
    }
}

impl From<&SubnetSpec> for api::SubnetSpec {
    fn from(s: &SubnetSpec) -> Self {
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
}

impl From<api::Cordon> for Cordon {
    fn from(c: api::Cordon) -> Self {
        Cordon { feature: c.feature.into(), value: c.value }
    }
}

impl From<api::Node> for RegistryNode {
    fn from(n: api::Node) -> Self {
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
}

impl From<RegistryNode> for api::Node {
    fn from(n: RegistryNode) -> Self {
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
}

impl From<&api::Certificate> for Certificate {
    /// The multipliers; the bound it claims is read by [`claim_in`].
    fn from(c: &api::Certificate) -> Self {
        Certificate {
            denominator: c.denominator,
            classes: c.classes.clone(),
            provider_minimums: c.provider_minimums.clone(),
            spare_limits: c.spare_limits.clone().unwrap_or_default(),
            subnets: c
                .subnets
                .iter()
                .map(|g| SubnetMultipliers {
                    subnets: g.subnets.clone(),
                    size: g.size,
                    values: g.values.iter().map(|v| (v.attribute.into(), v.value, v.multiplier)).collect(),
                })
                .collect(),
        }
    }
}

/// Special limits as Candid, in map order.
pub fn special_limits_out(limits: &SpecialLimits) -> Vec<api::SpecialLimit> {
    inputs::special_limits_as_list::to_list(limits)
        .into_iter()
        .map(|(scope, a, value, limit)| api::SpecialLimit {
            scope: match scope {
                SpecialLimitScope::SubnetId(id) => api::SpecialLimitScope::SubnetId(id),
                SpecialLimitScope::SubnetType(t) => api::SpecialLimitScope::SubnetType(t),
                SpecialLimitScope::Default => api::SpecialLimitScope::Default,
            },
            attribute: a.into(),
            value,
            count: limit.count,
            op: limit.op.into(),
        })
        .collect()
}

/// Special limits from Candid, refusing an empty value (`special_limits[i].value`).
/// A function, not `TryFrom`: the engine's `SpecialLimits` is a map type of the standard library.
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
        out.entry(scope)
            .or_default()
            .entry(l.attribute.into())
            .or_default()
            .insert(l.value, SpecialLimit { count: l.count, op: l.op.into() });
    }
    Ok(out)
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
        spare_limits: (!c.spare_limits.is_empty()).then(|| c.spare_limits.clone()),
        subnets: c
            .subnets
            .iter()
            .map(|g| api::SubnetMultipliers {
                subnets: g.subnets.clone(),
                size: g.size,
                values: g
                    .values
                    .iter()
                    .map(|&(a, value, multiplier)| api::ValueMultiplier { attribute: a.into(), value, multiplier })
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

/// The Candid evaluation of an engine evaluation.
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
        status: s.status.into(),
        objective: s.objective,
        baseline_objective: if has_candidates { ev.baseline_objective } else { None },
        reduction: ev.reduction,
        verdict: ev.verdict.map(api::Verdict::from),
        candidate_nodes: ev.candidate_nodes,
        curve: ev
            .curve
            .iter()
            .map(|p| api::CurvePoint {
                nodes: p.nodes,
                status: p.status.into(),
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
        settings: settings.into(),
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
                                attribute: a.into(),
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

/// The engine claim of a Candid evaluation, for verification.
pub fn claim_in(e: &api::Evaluation) -> Result<Claim> {
    let invalid = |field: &str, reason: String| Error::InvalidArgument { field: field.into(), reason };
    let bound_numerator = match e.certificate.bound_numerator.as_str() {
        "" => None,
        text => {
            Some(text.parse::<i128>().map_err(|_| invalid("certificate.bound_numerator", "not an integer".into()))?)
        }
    };
    if let Some(r) = e.settings.spare_node_ratio.filter(|&r| SpareNodeRatio::new(r).is_none()) {
        return Err(invalid(
            "settings.spare_node_ratio",
            format!("{r} is out of range: the ratio is a number from 0 to 1"),
        ));
    }
    Ok(Claim {
        candidates: e.candidates.iter().map(CandidateRow::from).collect(),
        settings: (&e.settings).into(),
        status: e.status.into(),
        objective: e.objective,
        lower_bound: e.lower_bound,
        upper_bound: e.upper_bound,
        baseline_objective: e.baseline_objective,
        reduction: e.reduction,
        verdict: e.verdict.map(evaluate::Verdict::from),
        candidate_nodes: e.candidate_nodes,
        curve: e
            .curve
            .iter()
            .map(|p| evaluate::CurvePoint {
                nodes: p.nodes,
                status: p.status.into(),
                objective: p.objective,
                lower_bound: p.lower_bound,
                upper_bound: p.upper_bound,
                shortfall: None,
                shortfall_objective: None,
            })
            .collect(),
        optimal_deployment_size: e.optimal_deployment_size,
        certificate: (&e.certificate).into(),
        infeasibility: e.infeasibility_certificate.as_ref().map(Certificate::from),
        bound_numerator,
        certificate_is_tight: e.certificate_is_tight,
        allocation: e.allocation.as_ref().map(|subnets| {
            subnets.iter().map(|s| ClaimedSubnet { nodes: s.nodes.clone(), synthetic: s.synthetic }).collect()
        }),
        topology_sha256: e.topology_sha256.clone(),
        configuration_sha256: e.configuration_sha256.clone(),
        shortfall: None,
    })
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
            rejection: Some(api::Rejection { check: r.check.into(), reason: r.reason }),
            proven: false,
            bound_numerator: String::new(),
            bound_denominator: 0,
            registry_version,
            instructions: 0,
        },
    }
}

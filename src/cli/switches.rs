//! The switches in effect, said in the text output: the rule set and every
//! setting, with what each one does to this network, and the defaults that
//! were applied (the JSON has the same settings as data).

use ic_topology::inputs::{Inputs, RuleSet, SpecialLimitsReading};
use ic_topology::model::{self, Model};

fn on(b: bool) -> &'static str {
    if b {
        "enforced"
    } else {
        "not enforced"
    }
}

/// One line per switch.
pub fn lines(inputs: &Inputs, model: &Model) -> Vec<String> {
    let s = inputs.settings;
    let mut out = vec![format!("rules {}", s.rules.name())];
    out.push(format!("synthetic countries: {} ({} synthetic nodes)", s.synthetic_countries, model.synthetic_nodes()));
    let sev_subnets = model.subnets.iter().filter(|x| x.sev_only).count();
    out.push(match s.enforce_sev {
        true => format!(
            "SEV: enforced ({sev_subnets} subnet(s) take only SEV-capable nodes; {} SEV provider(s) listed)",
            inputs.sev_providers.len()
        ),
        false => "SEV: not enforced".into(),
    });
    out.push(match s.enforce_health {
        true => format!("health: enforced ({} DOWN/DEGRADED node(s) left out)", model.excluded.unhealthy),
        false => "health: not enforced (DOWN/DEGRADED nodes are assigned like any other)".into(),
    });
    out.push(match s.enforce_blacklist {
        true => format!(
            "blacklist: enforced ({} cordoned feature(s), {} node(s) left out)",
            inputs.cordons.len(),
            model.excluded.cordoned
        ),
        false if !inputs.cordons.is_empty() => {
            format!(
                "blacklist: not enforced (the {} cordoned feature(s) of the file are ignored)",
                inputs.cordons.len()
            )
        }
        false => "blacklist: not enforced".into(),
    });
    out.push(match s.enforce_per_provider_minimum {
        true => format!(
            "per-provider minimum: enforced ({} provider(s) with 4 or more available, non-blacklisted nodes each get \
             at least one of those nodes, whatever the health and blacklist switches say)",
            model.provider_minimums.len()
        ),
        false => format!("per-provider minimum: {}", on(false)),
    });
    // Said only when the configuration sets it, so answers without it read as before.
    if let Some(r) = s.spare_node_ratio {
        out.push(match r.get() {
            0.0 => "spare nodes: spare_node_ratio 0 (no rule)".into(),
            ratio => format!(
                "spare nodes: spare_node_ratio {ratio} ({} (data center, provider) pair(s) may have at most \
                 floor(n x (1 - {ratio})) of their n available, non-blacklisted nodes assigned; pairs where that is 0 \
                 are not limited)",
                model.spare_limits.len()
            ),
        });
    }
    let by_id = s.special_limits_reading == SpecialLimitsReading::BySubnetId;
    let reading = match (by_id, s.rules) {
        (true, RuleSet::Y2025) => {
            "read by subnet id (special_limits_reading \"by_subnet_id\": keys are subnet ids and `default`; \
             DFINITY exactly 1 per subnet only as a default special limit)"
        }
        (true, _) => "read by subnet id (special_limits_reading \"by_subnet_id\": keys are subnet ids and `default`)",
        (false, RuleSet::Y2025) => {
            "read as in 2025 (special_limits_reading \"2025\": keys are subnet ids, subnet types and `default`; \
             DFINITY exactly 1 per subnet unless a special limit names it)"
        }
        (false, _) => {
            "read as in 2025 (special_limits_reading \"2025\": keys are subnet ids, subnet types and `default`)"
        }
    };
    out.push(match (&inputs.special_limits, s.rules) {
        (Some(limits), _) => {
            format!("special limits: from the special_limits_file ({} scope(s)), {reading}", limits.len())
        }
        (None, RuleSet::Y2025) if by_id => format!(
            "special limits: the newer reference's defaults (NNS by its subnet id; `default`: DFINITY exactly 1), \
             {reading}"
        ),
        (None, RuleSet::Y2025) => format!("special limits: the 2025 reference's defaults (NNS), {reading}"),
        (None, _) => format!("special limits: none, {reading}"),
    });
    let restrictions =
        inputs.country_restrictions.clone().unwrap_or_else(|| model::default_country_restrictions(s.rules));
    let applied: Vec<String> = restrictions
        .iter()
        .filter(|r| model.subnets.iter().any(|x| x.subnet_type == r.subnet_type))
        .map(|r| match r.countries.len() {
            1..=3 => format!("{} only {}", r.subnet_type, r.countries.join(", ")),
            n => format!("{} only its {n} countries", r.subnet_type),
        })
        .collect();
    out.push(match (applied.is_empty(), inputs.country_restrictions.is_some()) {
        (true, _) => "country restrictions: none apply to this topology".into(),
        (false, given) => {
            format!("country restrictions{}: {}", if given { "" } else { " (the rule set's)" }, applied.join("; "))
        }
    });
    out.push(match inputs.clusters.len() {
        0 => "provider clusters: none".into(),
        n => format!(
            "provider clusters: {n} ({}), each counted as one node provider in the limits",
            inputs
                .clusters
                .iter()
                .map(|c| format!(
                    "{}: {}",
                    c.name,
                    match c.members.len() {
                        1 => "1 provider".to_string(),
                        n => format!("{n} providers"),
                    }
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    });
    out
}

//! Every check of an argument, in one place: the text fields, the candidate
//! rows, the topology, a configuration update and its lists, an uploaded
//! node. Each refusal is an `InvalidArgument` naming the field (with its
//! index) and the reason; the caps are in `crate::limits`.

use crate::convert;
use crate::limits::*;
use crate::stores::configuration::StoredConfiguration;
use candid::Principal;
use ic_topology::api::{self, Error, Result};
use ic_topology::inputs::{
    CandidateRow, CountryRestriction, ProviderCluster, RegistryNode, Settings, SpecialLimits, SubnetSpec,
};
use std::collections::{BTreeMap, BTreeSet};

/// An `InvalidArgument` refusal of `field`.
pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::InvalidArgument { field: field.into(), reason: reason.into() }
}

/// The refusal of a text the engine's text checks refuse.
pub fn text_invalid(e: ic_topology::text::TextError) -> Error {
    invalid(e.field.clone(), e.reason())
}

/// A stored name: as `text::check_field` wants it, and already in normal
/// form C (stored text that shows the same must be the same bytes).
pub fn validate_text(field: &str, value: &str) -> Result<()> {
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
        out.push(CandidateRow::from(&row));
    }
    Ok(out)
}

/// `s` with a request's overrides, within their caps.
pub fn apply_overrides(s: Settings, o: &api::SettingsOverride) -> Result<Settings> {
    if o.synthetic_countries.is_some_and(|n| n > MAX_SYNTHETIC_COUNTRIES) {
        return Err(invalid("overrides.synthetic_countries", format!("at most {MAX_SYNTHETIC_COUNTRIES}")));
    }
    Ok(convert::settings_overridden(s, o))
}

/// A topology's subnets, checked (ids, sizes, limits).
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
        out.push(SubnetSpec::from(s));
    }
    Ok(out)
}

/// Every special limit names a subnet (or a type) of `topology`.
pub fn validate_special_limits(limits: Option<&SpecialLimits>, topology: &[SubnetSpec], field: &str) -> Result<()> {
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

/// `c` with update `u` applied, every field checked (the special limits against `topology`).
pub fn apply_configuration_update(
    mut c: StoredConfiguration,
    u: api::ConfigurationUpdate,
    topology: &[SubnetSpec],
) -> Result<StoredConfiguration> {
    check_configuration_lists(&u)?;
    // A new rule set brings its own defaults; explicit fields of the update win.
    let mut s = match u.rules {
        Some(r) => ic_topology::inputs::RuleSet::from(r).default_settings(),
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
        s.special_limits_reading = ic_topology::inputs::SpecialLimitsReading::from(r);
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
        c.cordons = list.into_iter().map(ic_topology::inputs::Cordon::from).collect();
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
                     have a subnet-type scope \"{t}\" (give them by subnet id, or keep the 2025 reading)"
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

/// Uploaded node `i`, checked.
pub fn validate_node(i: usize, n: api::Node) -> Result<RegistryNode> {
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
    Ok(RegistryNode::from(n))
}

fn over(field: &str, len: usize, max: usize) -> Result<()> {
    if len > max {
        return Err(Error::InvalidArgument { field: field.into(), reason: format!("{len} entries; at most {max}") });
    }
    Ok(())
}

/// The count caps of a configuration update's lists (the pipeline and node health have theirs in `crate::limits` too).
pub fn check_configuration_lists(u: &api::ConfigurationUpdate) -> Result<()> {
    if let Some(l) = &u.sev_providers {
        over("sev_providers", l.len(), MAX_SEV_PROVIDERS)?;
    }
    if let Some(l) = &u.cordons {
        over("cordons", l.len(), MAX_CORDONS)?;
    }
    if let Some(l) = &u.clusters {
        over("clusters", l.len(), MAX_CLUSTERS)?;
        for (i, c) in l.iter().enumerate() {
            over(&format!("clusters[{i}].members"), c.members.len(), MAX_CLUSTER_MEMBERS)?;
        }
    }
    if let Some(Some(l)) = &u.special_limits {
        over("special_limits", l.len(), MAX_SPECIAL_LIMITS)?;
    }
    if let Some(Some(l)) = &u.country_restrictions {
        over("country_restrictions", l.len(), MAX_COUNTRY_RESTRICTIONS)?;
        let countries = l.iter().map(|r| r.countries.len()).sum();
        over("country_restrictions[*].countries", countries, MAX_RESTRICTED_COUNTRIES)?;
    }
    if let Some(l) = &u.provider_names {
        over("provider_names", l.len(), MAX_PROVIDER_NAMES)?;
    }
    Ok(())
}

// ---- the other features' arguments ----

/// A page's `limit`: `default` when absent, else 1 to `max` (`list_nodes`,
/// `list_proposal_verdicts`).
pub fn validate_limit(limit: Option<u32>, default: u32, max: u32) -> Result<u32> {
    let limit = limit.unwrap_or(default);
    if limit == 0 || limit > max {
        return Err(invalid("limit", format!("must be between 1 and {max}")));
    }
    Ok(limit)
}

/// An `export_snapshot` page: its length (default and at most
/// [`MAX_EXPORT_PAGE`]) and its offset within the export's `total` bytes;
/// the page's end.
pub fn validate_export_page(offset: u64, length: Option<u32>, total: u64) -> Result<u64> {
    let length = length.unwrap_or(MAX_EXPORT_PAGE);
    if length == 0 || length > MAX_EXPORT_PAGE {
        return Err(invalid("length", format!("must be between 1 and {MAX_EXPORT_PAGE}")));
    }
    if offset > total {
        return Err(invalid("offset", format!("beyond the export's {total} bytes")));
    }
    Ok((offset + u64::from(length)).min(total))
}

/// The node count a snapshot upload announces.
pub fn validate_node_count(node_count: u64) -> Result<()> {
    if node_count == 0 || node_count > MAX_SNAPSHOT_NODES {
        return Err(invalid("node_count", format!("must be between 1 and {MAX_SNAPSHOT_NODES}")));
    }
    Ok(())
}

/// The size of one `upload_snapshot_nodes` chunk.
pub fn validate_chunk(nodes: usize) -> Result<()> {
    if nodes > MAX_NODES_PER_CHUNK {
        return Err(invalid("nodes", format!("at most {MAX_NODES_PER_CHUNK} nodes per chunk")));
    }
    Ok(())
}

/// A pipeline of planned nodes: at most [`MAX_PIPELINE`], node ids that are
/// not the snapshot's (`in_snapshot`), and text fields kept verbatim, as the
/// reference keeps pipeline fields (the 2023 pipeline's ` KR` is a country
/// of its own): only empty or oversized text, and characters that do not
/// show, are refused.
pub fn validate_pipeline(pipeline: &[api::PlannedNode], in_snapshot: impl Fn(&str) -> bool) -> Result<()> {
    if pipeline.len() > MAX_PIPELINE {
        return Err(invalid("pipeline", format!("at most {MAX_PIPELINE} nodes")));
    }
    ic_topology::text::check_pipeline_ids(pipeline.iter().map(|p| p.node_id.as_deref()).enumerate(), in_snapshot)
        .map_err(text_invalid)?;
    for (i, p) in pipeline.iter().enumerate() {
        let f = |name: &str| format!("pipeline[{i}].{name}");
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
    }
    Ok(())
}

/// The governance watcher's settings: a poll interval within its bounds, a
/// governance canister that is not the anonymous principal.
pub fn validate_watcher_settings(settings: &api::GovernanceWatcherSettings) -> Result<()> {
    use crate::stores::verdicts::{MAX_POLL_INTERVAL_SECONDS as MAX, MIN_POLL_INTERVAL_SECONDS as MIN};
    if settings.poll_interval_seconds.is_some_and(|i| !(MIN..=MAX).contains(&i)) {
        return Err(invalid("poll_interval_seconds", format!("must be between {MIN} and {MAX}")));
    }
    if settings.governance_canister_id == Some(Principal::anonymous()) {
        return Err(invalid("governance_canister_id", "the anonymous principal is no canister"));
    }
    Ok(())
}

/// The group a `get_node_value` request names, if it names one.
pub fn validate_group(group: Option<&api::NodeGroup>) -> Result<()> {
    if group.is_some_and(|g| g.name.is_empty() || g.name.len() > MAX_NAME_BYTES) {
        return Err(invalid("group.name", format!("a name of 1 to {MAX_NAME_BYTES} bytes")));
    }
    Ok(())
}

/// The subnet ids of a plan request.
pub fn validate_subnets(subnets: &[String]) -> Result<()> {
    if subnets.len() > MAX_SUBNETS_PER_REQUEST {
        return Err(invalid("subnets", format!("at most {MAX_SUBNETS_PER_REQUEST} subnet ids")));
    }
    for (i, id) in subnets.iter().enumerate() {
        if id.is_empty() || id.len() > 100 {
            return Err(invalid(format!("subnets[{i}]"), "a subnet id of 1 to 100 characters"));
        }
    }
    Ok(())
}

/// The size of a membership change to verify.
pub fn validate_change(change: &api::MembershipChange) -> Result<()> {
    if change.node_ids_add.len() + change.node_ids_remove.len() > MAX_CHANGE_NODES {
        return Err(invalid("node_ids_add", format!("at most {MAX_CHANGE_NODES} nodes added and removed together")));
    }
    Ok(())
}

/// A submitted evaluation within the canister's caps, so that checking it
/// stays far below a solve.
pub fn validate_evaluation(e: &api::Evaluation) -> Result<()> {
    let nodes: usize = e.allocation.iter().flatten().map(|s| s.nodes.len()).sum();
    if nodes > MAX_VERIFY_NODES {
        return Err(invalid("allocation", format!("at most {MAX_VERIFY_NODES} nodes")));
    }
    if e.curve.len() > MAX_CANDIDATE_NODES as usize + 1 {
        return Err(invalid("curve", format!("at most {} points", MAX_CANDIDATE_NODES + 1)));
    }
    let rows = e.certificate.classes.len()
        + e.certificate.provider_minimums.len()
        + e.certificate.subnets.iter().map(|g| g.subnets.len() + g.values.len()).sum::<usize>();
    if rows > MAX_VERIFY_NODES {
        return Err(invalid("certificate", format!("at most {MAX_VERIFY_NODES} multipliers")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::longest_text as text;

    /// `get_configuration` with every list at its cap, every text at its longest.
    #[test]
    fn the_largest_configuration_fits_in_a_reply() {
        let texts = |n: usize| (0..n).map(text).collect::<Vec<_>>();
        let configuration = api::Configuration {
            settings: ic_topology::api::Settings::from(ic_topology::inputs::RuleSet::Y2025.default_settings()),
            sev_providers: texts(MAX_SEV_PROVIDERS),
            cordons: (0..MAX_CORDONS)
                .map(|i| api::Cordon { feature: api::CordonedFeature::NodeProvider, value: text(i) })
                .collect(),
            clusters: (0..MAX_CLUSTERS)
                .map(|i| api::ProviderCluster { name: text(i), members: texts(MAX_CLUSTER_MEMBERS) })
                .collect(),
            special_limits: Some(
                (0..MAX_SPECIAL_LIMITS)
                    .map(|i| api::SpecialLimit {
                        scope: api::SpecialLimitScope::SubnetType(text(i)),
                        attribute: api::Attribute::Country,
                        value: text(i),
                        count: 1,
                        op: api::LimitOp::AtMost,
                    })
                    .collect(),
            ),
            country_restrictions: Some(
                (0..MAX_COUNTRY_RESTRICTIONS)
                    .map(|i| api::CountryRestriction {
                        subnet_type: text(i),
                        countries: texts(MAX_RESTRICTED_COUNTRIES / MAX_COUNTRY_RESTRICTIONS),
                    })
                    .collect(),
            ),
            provider_names: (0..MAX_PROVIDER_NAMES)
                .map(|i| api::ProviderName { provider: Principal::from_slice(&[i as u8; 29]), name: text(i) })
                .collect(),
            pipeline: (0..MAX_PIPELINE)
                .map(|i| api::PlannedNode {
                    node_id: Some(text(i)),
                    node_provider: text(i),
                    data_center: text(i),
                    data_center_provider: text(i),
                    country: text(i),
                    is_sev: true,
                })
                .collect(),
            registry_canister_id: Principal::management_canister(),
            sync_interval_seconds: 1,
            node_health: (0..MAX_NODE_HEALTH)
                .map(|i| api::NodeHealth { node_id: text(i), health: api::Health::Degraded })
                .collect(),
            sha256: "0".repeat(64),
        };
        let bytes = candid::encode_one(&configuration).unwrap().len();
        assert!(bytes < MAX_REPLY_BYTES, "{bytes} bytes");
        println!("the largest get_configuration reply: {bytes} bytes of {MAX_REPLY_BYTES}");
    }

    #[test]
    fn lists_over_their_caps_are_refused() {
        let u = api::ConfigurationUpdate {
            sev_providers: Some(vec![String::new(); MAX_SEV_PROVIDERS + 1]),
            ..Default::default()
        };
        assert!(
            matches!(check_configuration_lists(&u), Err(Error::InvalidArgument { field, .. }) if field == "sev_providers")
        );
        let u = api::ConfigurationUpdate {
            sev_providers: Some(vec![String::new(); MAX_SEV_PROVIDERS]),
            ..Default::default()
        };
        assert!(check_configuration_lists(&u).is_ok());
    }
}

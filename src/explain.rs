//! Answers that explain themselves: why a topology cannot be filled.
//!
//! An infeasible answer carries an infeasibility (Farkas) certificate: integer
//! multipliers on rows of the LP relaxation that cannot hold together (see
//! [`crate::check::check_infeasibility_certificate`]). The rows with a nonzero
//! multiplier are the explanation; this module says them in the domain's
//! words (which provider, data center, owner or country, which subnets, which
//! limit, how many usable nodes), one sentence per kind of row, in the
//! certificate's canonical order. It trusts nothing: a certificate that does
//! not check gives no explanation.

use crate::check::{self, Allocation, Certificate};
use crate::inputs::{Attribute, LimitOp};
use crate::model::Model;
use std::collections::BTreeMap;

/// Why `model` has no allocation, as sentences, from a certificate that
/// checks; `None` when it does not.
pub fn infeasibility(model: &Model, cert: &Certificate) -> Option<Vec<String>> {
    let bound = check::check_infeasibility_certificate(model, cert).ok()?;
    let mut lines = Vec::new();
    if model.subnets.is_empty() {
        lines.push(
            "the target topology has no subnets (is the topology file empty, or is every number_of_subnets 0?)".into(),
        );
    }
    let unit = multipliers_are_units(cert);
    let (group_caps, other_caps) = bound_terms(model, cert);
    for (group, &caps) in cert.subnets.iter().zip(&group_caps) {
        let where_ = describe_subnets(model, &group.subnets);
        let k = group.subnets.len() as u64;
        if group.size != 0 {
            let sizes: BTreeMap<u32, u64> = group.subnets.iter().fold(BTreeMap::new(), |mut m, &s| {
                *m.entry(model.subnets[s as usize].size).or_default() += 1;
                m
            });
            let total: u64 = sizes.iter().map(|(&size, &n)| size as u64 * n).sum();
            let each = sizes.keys().map(|s| s.to_string()).collect::<Vec<_>>().join(" or ");
            if k == 1 {
                lines.push(format!("{where_} must have exactly {each} nodes"));
            } else {
                lines.push(format!("{where_} must each have exactly {each} nodes ({total} in all)"));
            }
        }
        // Value rows with the same attribute and limit, said once with all their values.
        let mut by_limit: BTreeMap<(Attribute, bool, u32), Vec<&str>> = BTreeMap::new();
        for &(a, v, _) in &group.values {
            let rep = group.subnets[0] as usize;
            let limit = model.subnets[rep].limit(a, v);
            by_limit.entry((a, limit.op == LimitOp::Exactly, limit.count)).or_default().push(model.value(a, v));
        }
        for ((a, exactly, count), values) in by_limit {
            let who = if values.len() == 1 {
                format!("{} {}", words(a), values[0])
            } else {
                let plural = match a {
                    Attribute::Country => "countries".to_string(),
                    a => format!("{}s", words(a)),
                };
                format!("each of the {} {plural} {}", values.len(), some(&values))
            };
            let total = count as u64 * k;
            let (each, in_all) = if k > 1 { ("each of ", format!(" ({total} in all)")) } else { ("", String::new()) };
            if exactly {
                lines.push(format!("{who} must have exactly {count} node(s) in {each}{where_}{in_all}"));
            } else {
                lines.push(format!("{who} may have at most {count} node(s) in {each}{where_}{in_all}"));
            }
        }
        if unit && caps > 0 {
            let rep = &model.subnets[group.subnets[0] as usize];
            let mut only = Vec::new();
            if rep.sev_only {
                only.push("SEV-capable nodes".to_string());
            }
            if let Some(allowed) = &rep.allowed_countries {
                let names: Vec<&str> = allowed.iter().map(|&c| model.value(Attribute::Country, c)).collect();
                only.push(match names.len() {
                    0 => "nodes of no country that exists here".to_string(),
                    1..=5 => format!("nodes in {}", names.join(", ")),
                    n => format!("nodes in the {n} countries of their list"),
                });
            }
            let (they, them, admit) = if k == 1 { ("it", "it", "admits") } else { ("they", "them", "admit") };
            let admitted = if only.is_empty() {
                format!("the other nodes {they} {admit}")
            } else {
                format!("{they} {admit} only {}, and those, beyond the limits above,", only.join(" and "))
            };
            lines.push(format!(
                "{admitted} can give {them} at most {caps} (each kind of node up to its count and the subnet's limits)"
            ));
        }
    }
    // Class rows: the usable nodes there are, by provider.
    let mut by_provider: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for &(c, _) in &cert.classes {
        let class = &model.classes[c as usize];
        let e = by_provider.entry(model.value(Attribute::NodeProvider, class.values[0])).or_default();
        e.0 += class.count() as u64;
        e.1 += class.synthetic as u64 * class.count() as u64;
    }
    for (provider, (count, synthetic)) in by_provider {
        let kind = if synthetic == count { "synthetic" } else { "usable" };
        lines.push(format!("{provider} has {count} {kind} node(s) that these subnets may take"));
    }
    let minimums: Vec<&str> =
        cert.provider_minimums.iter().map(|&(p, _)| model.provider_minimums[p as usize].provider.as_str()).collect();
    match minimums.len() {
        0 => {}
        1 => lines.push(format!(
            "provider {} must have at least one node assigned (per-provider minimum: it has 4 or more available, non-blacklisted nodes, and one of those must be assigned)",
            minimums[0]
        )),
        n => lines.push(format!(
            "each of the {n} providers {} must have at least one node assigned (per-provider minimum: each has 4 or more available, non-blacklisted nodes, and one of those must be assigned)",
            some(&minimums)
        )),
    }
    for &(l, _) in &cert.spare_limits {
        let limit = &model.spare_limits[l as usize];
        lines.push(format!(
            "provider {} may have at most {} of its available, non-blacklisted nodes in data center {} assigned (spare_node_ratio)",
            limit.provider,
            limit.most,
            model.value(Attribute::DataCenter, limit.data_center)
        ));
    }
    if unit && other_caps > 0 {
        lines.push(format!("the other subnets can take at most {other_caps} of these nodes"));
    }
    if unit {
        lines.push(format!("so at least {} node(s) are missing, even with every synthetic node", bound.numerator));
    }
    Some(lines)
}

/// Up to six names, then how many more.
fn some(names: &[&str]) -> String {
    match names.len() {
        0..=6 => names.join(", "),
        n => format!("{} and {} more", names[..6].join(", "), n - 6),
    }
}

/// An attribute in words.
pub fn words(a: Attribute) -> &'static str {
    match a {
        Attribute::NodeProvider => "node provider",
        Attribute::DataCenter => "data center",
        Attribute::DataCenterProvider => "data-center provider",
        Attribute::Country => "country",
    }
}

/// Whether every multiplier is -1, 0 or 1: then the certificate's margin counts nodes.
fn multipliers_are_units(cert: &Certificate) -> bool {
    cert.classes.iter().chain(&cert.provider_minimums).chain(&cert.spare_limits).all(|&(_, m)| m.abs() <= 1)
        && cert.subnets.iter().all(|g| g.size.abs() <= 1 && g.values.iter().all(|&(_, _, m)| m.abs() <= 1))
}

/// What the variables' bounds contribute (the sum of cap x (reduced cost
/// < 0), negated): nodes the named rows leave to classes' own caps, per
/// group of the certificate and for the subnets it does not name.
fn bound_terms(model: &Model, cert: &Certificate) -> (Vec<i128>, i128) {
    let mut class_mult = vec![0i128; model.classes.len()];
    for &(c, m) in &cert.classes {
        class_mult[c as usize] += m as i128;
    }
    for &(p, m) in &cert.provider_minimums {
        for &c in &model.provider_minimums[p as usize].classes {
            class_mult[c as usize] += m as i128;
        }
    }
    for &(l, m) in &cert.spare_limits {
        for &c in &model.spare_limits[l as usize].classes {
            class_mult[c as usize] += m as i128;
        }
    }
    let mut per_group = Vec::with_capacity(cert.subnets.len());
    let mut covered = vec![false; model.subnets.len()];
    for group in &cert.subnets {
        let mut total = 0i128;
        let rows: BTreeMap<(Attribute, u32), i128> =
            group.values.iter().map(|&(a, v, m)| ((a, v), m as i128)).collect();
        for &s in &group.subnets {
            covered[s as usize] = true;
            let subnet = &model.subnets[s as usize];
            for (c, class) in model.classes.iter().enumerate() {
                let mut r = -class_mult[c] - group.size as i128;
                for a in Attribute::ALL {
                    r -= rows.get(&(a, class.values[a.index()])).copied().unwrap_or(0);
                }
                if r < 0 {
                    total -= r * subnet.class_cap(class) as i128;
                }
            }
        }
        per_group.push(total);
    }
    let mut total = 0i128;
    for (_, subnet) in model.subnets.iter().enumerate().filter(|(s, _)| !covered[*s]) {
        for (c, class) in model.classes.iter().enumerate() {
            if -class_mult[c] < 0 {
                total += class_mult[c] * subnet.class_cap(class) as i128;
            }
        }
    }
    (per_group, total)
}

/// "100 Application subnets", "1 NNS subnet and 2 Fiduciary subnets".
pub fn describe_subnets(model: &Model, subnets: &[u32]) -> String {
    let mut by_type: Vec<(&str, u64)> = Vec::new();
    for &s in subnets {
        let t = model.subnets[s as usize].subnet_type.as_str();
        match by_type.iter_mut().find(|(x, _)| *x == t) {
            Some(e) => e.1 += 1,
            None => by_type.push((t, 1)),
        }
    }
    let plural = |n: u64| if n == 1 { "" } else { "s" };
    let parts: Vec<String> = by_type
        .into_iter()
        .map(|(t, n)| match t.to_ascii_lowercase().ends_with("subnet") {
            true => format!("{n} {t}{}", plural(n)),
            false => format!("{n} {t} subnet{}", plural(n)),
        })
        .collect();
    match parts.len() {
        0 => "no subnet".into(),
        1 => parts[0].clone(),
        _ => {
            let (last, rest) = parts.split_last().expect("two or more");
            format!("{} and {last}", rest.join(", "))
        }
    }
}

/// Whether a node id is a candidate node's (the model names them `candidate-<k>`).
pub(crate) fn is_candidate(id: &str) -> bool {
    id.starts_with("candidate-")
}

/// Per class: how many of its candidate nodes the allocation leaves unassigned.
pub(crate) fn unused_candidates(model: &Model, allocation: &Allocation) -> Vec<(usize, u32)> {
    let mut used = vec![0u32; model.classes.len()];
    for &(c, n) in allocation.subnets.iter().flatten() {
        used[c as usize] += n;
    }
    model
        .classes
        .iter()
        .enumerate()
        .filter_map(|(c, class)| {
            let candidates = class.members.iter().filter(|m| is_candidate(m)).count() as u32;
            // Members are handed out in order (see `evaluate::subnet_nodes`); count what is left of the candidates.
            let free = class.count().saturating_sub(used[c]).min(candidates);
            (free > 0).then_some((c, free))
        })
        .collect()
}

/// A subnet's name for people: its type, and its id when it has one.
pub fn subnet_label(model: &Model, s: usize) -> String {
    let subnet = &model.subnets[s];
    match &subnet.subnet_id {
        Some(id) => format!("{} {}", subnet.subnet_type, id.split('-').next().unwrap_or(id)),
        None => format!("{} #{}", subnet.subnet_type, s + 1),
    }
}

/// Why the candidate nodes that `allocation` (an optimal one) leaves
/// unassigned cannot lower the ObjectiveValue: for every subnet that still
/// has synthetic nodes, the limit that keeps the candidate out of it (the
/// value already at its maximum there, an "exactly" limit already met, SEV
/// or a country restriction), said once for the subnets it covers; then
/// which subnets are still short. Empty when no candidate node is left over.
pub fn curve_stop(model: &Model, allocation: &Allocation) -> Vec<String> {
    let short: Vec<(usize, u32)> = allocation
        .subnets
        .iter()
        .enumerate()
        .map(|(s, entries)| {
            let synthetic = entries.iter().filter(|(c, _)| model.classes[*c as usize].synthetic).map(|(_, n)| n).sum();
            (s, synthetic)
        })
        .filter(|&(_, n)| n > 0)
        .collect();
    let mut lines = Vec::new();
    for (c, free) in unused_candidates(model, allocation) {
        let class = &model.classes[c];
        let who = format!(
            "{free} candidate node(s) of {} in {} ({})",
            model.value(Attribute::NodeProvider, class.values[0]),
            model.value(Attribute::DataCenter, class.values[1]),
            model.value(Attribute::Country, class.values[3])
        );
        if short.is_empty() {
            lines.push(format!("{who} are not needed: no subnet has a synthetic node left to replace"));
            continue;
        }
        // Per reason, the short subnets it keeps the candidate out of (ordered by first appearance).
        let mut reasons: Vec<(String, Vec<usize>)> = Vec::new();
        for &(s, _) in &short {
            for reason in blocking_limits(model, allocation, s, c) {
                match reasons.iter_mut().find(|(r, _)| *r == reason) {
                    Some((_, subnets)) => subnets.push(s),
                    None => reasons.push((reason, vec![s])),
                }
            }
        }
        // The fewest reasons that cover every short subnet: greedily, the widest first.
        let mut left: Vec<usize> = short.iter().map(|&(s, _)| s).collect();
        let mut said = Vec::new();
        while !left.is_empty() {
            let best = reasons
                .iter()
                .enumerate()
                .max_by_key(|(i, (_, subnets))| (subnets.iter().filter(|s| left.contains(s)).count(), usize::MAX - i));
            let Some((_, (reason, subnets))) =
                best.filter(|(_, (_, subnets))| subnets.iter().any(|s| left.contains(s)))
            else {
                said.push(format!(
                    "nothing keeps it out of {} subnet(s) by itself (the allocation would have to change elsewhere first)",
                    left.len()
                ));
                break;
            };
            let covered = subnets.iter().filter(|s| left.contains(s)).count();
            left.retain(|s| !subnets.contains(s));
            if covered == short.len() {
                said.push(format!("{reason} in every subnet that still needs nodes"));
            } else {
                said.push(format!("{reason} in {covered} of the {} subnets that still need nodes", short.len()));
            }
        }
        lines.push(format!("{who} do not lower the ObjectiveValue: {}", said.join("; ")));
    }
    if !lines.is_empty() {
        let total: u32 = short.iter().map(|&(_, n)| n).sum();
        let mut names: Vec<String> =
            short.iter().take(6).map(|&(s, n)| format!("{} ({n})", subnet_label(model, s))).collect();
        if short.len() > 6 {
            names.push(format!("and {} more", short.len() - 6));
        }
        if !short.is_empty() {
            lines.push(format!(
                "still short: {} subnet(s) need {total} synthetic node(s): {}",
                short.len(),
                names.join(", ")
            ));
        }
    }
    lines
}

/// What keeps one more node of class `c` out of subnet `s` under `allocation`.
pub fn blocking_limits(model: &Model, allocation: &Allocation, s: usize, c: usize) -> Vec<String> {
    let subnet = &model.subnets[s];
    let class = &model.classes[c];
    let mut out = Vec::new();
    if subnet.sev_only && !class.is_sev {
        out.push("the subnets take only SEV-capable nodes, and it is not".to_string());
    }
    if let Some(allowed) = &subnet.allowed_countries {
        if allowed.binary_search(&class.values[Attribute::Country.index()]).is_err() {
            out.push(format!(
                "{} takes only its own countries, not {}",
                subnet.subnet_type,
                model.value(Attribute::Country, class.values[3])
            ));
        }
    }
    for a in Attribute::ALL {
        let v = class.values[a.index()];
        let count: u32 = allocation.subnets[s]
            .iter()
            .filter(|(x, _)| model.classes[*x as usize].values[a.index()] == v)
            .map(|(_, n)| n)
            .sum();
        let limit = subnet.limit(a, v);
        if count >= limit.count || limit.op == LimitOp::Exactly {
            let kind = if limit.op == LimitOp::Exactly { "exactly" } else { "at most" };
            out.push(format!("{} {} already has its maximum ({kind} {})", words(a), model.value(a, v), limit.count));
        }
    }
    out
}

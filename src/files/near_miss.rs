//! Names typed by hand: a candidate's provider, data center or data-center
//! provider that is a letter or two away from an existing value (`Equinx`
//! for `Equinix`) would silently count as a new one and change the verdict,
//! so it is refused with the value it is close to. A data center belongs to
//! one owner, so an existing data center with another owner is refused; a
//! data center given by its dashboard name (`CABA 1`) instead of its id
//! (`ar1`) is recognised and named. And a cluster member that matches no
//! provider, which makes the cluster say nothing about it, is a warning.

use super::diagnostics::Diagnostics;
use crate::error::InputError;
use crate::inputs::{CandidateRow, Inputs, ProviderCluster, Warning};
use std::collections::{BTreeMap, BTreeSet};

/// The edit distance (insertions, deletions, substitutions and swaps of two
/// neighbouring characters) between `a` and `b`, case folded.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().flat_map(char::to_lowercase).collect();
    let b: Vec<char> = b.chars().flat_map(char::to_lowercase).collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[n][m]
}

/// Whether `value` is a near miss of `existing`: not equal, but within one
/// edit (two for names of 9 characters or more). Short codes (fewer than 5
/// characters, such as the data center ids `zh1`, `zh2`) and names that
/// differ only in their digits (`Geneva 2`, `Geneva 3`) are different
/// values, not near misses.
pub fn is_near_miss(value: &str, existing: &str) -> bool {
    if value == existing {
        return false;
    }
    let shortest = value.chars().count().min(existing.chars().count());
    if shortest < 5 {
        return false;
    }
    let letters = |s: &str| s.chars().filter(|c| !c.is_ascii_digit()).collect::<String>();
    if letters(value) == letters(existing) {
        return false;
    }
    let most = if shortest >= 9 { 2 } else { 1 };
    edit_distance(value, existing) <= most
}

/// The existing value `value` is a near miss of, the closest first (ties by name).
pub fn closest<'a>(value: &str, existing: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    existing.into_iter().filter(|e| is_near_miss(value, e)).min_by_key(|e| (edit_distance(value, e), e.to_string()))
}

/// The dashboard's names of the data centers (`dc_name`) with their ids
/// (`dc_id`), from a nodes CSV that has both columns (empty otherwise).
pub fn data_center_names(nodes_csv: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(nodes_csv.as_bytes());
    let Ok(header) = reader.headers().cloned() else { return out };
    let column = |name: &str| header.iter().position(|h| h == name);
    let (Some(id), Some(name)) = (column("dc_id"), column("dc_name")) else { return out };
    for record in reader.records().flatten() {
        if let (Some(id), Some(name)) = (record.get(id), record.get(name)) {
            if !id.is_empty() && !name.is_empty() && name != id {
                out.entry(name.to_string()).or_insert_with(|| id.to_string());
            }
        }
    }
    out
}

/// Refuses candidate names that are near misses of existing ones, an
/// existing data center with another owner, and a data center given by its
/// dashboard name. `data_center_names` maps dashboard names to ids
/// ([`data_center_names`]; empty when the nodes file has none).
/// `--verbatim-values` skips this check.
pub fn check_candidate_names(
    candidates: &[CandidateRow],
    source: &str,
    inputs: &Inputs,
    data_center_names: &BTreeMap<String, String>,
) -> Result<(), InputError> {
    let providers: BTreeSet<&str> = inputs
        .nodes
        .iter()
        .map(|n| n.node_provider_name.as_str())
        .chain(inputs.pipeline.iter().map(|p| p.node_provider.as_str()))
        .collect();
    let mut owners: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for n in &inputs.nodes {
        owners.entry(n.data_center.as_str()).or_default().insert(n.data_center_provider.as_str());
    }
    for p in &inputs.pipeline {
        owners.entry(p.data_center.as_str()).or_default().insert(p.data_center_provider.as_str());
    }
    let dc_providers: BTreeSet<&str> = owners.values().flatten().copied().collect();
    let keep = "pass --verbatim-values if it is meant as a new name";
    for (i, c) in candidates.iter().enumerate() {
        let row = i + 1;
        let refuse = |field: &str, message: String| {
            Err(InputError::new(source, format!("candidate row {row}: {message}")).field(field))
        };
        let near = |field: &str, what: &str, value: &str, existing: &str| {
            refuse(
                field,
                format!(
                    "`{value}` is no {what} of the network, but is close to `{existing}`: did you mean `{existing}`? \
                     (a new name counts as a new {what}; {keep})"
                ),
            )
        };
        if !providers.contains(c.node_provider.as_str()) {
            if let Some(existing) = closest(&c.node_provider, providers.iter().copied()) {
                return near("node_provider", "node provider", &c.node_provider, existing);
            }
        }
        match owners.get(c.data_center.as_str()) {
            Some(owned_by) => {
                if !owned_by.contains(c.data_center_provider.as_str()) {
                    let owner = owned_by.iter().next().copied().unwrap_or_default();
                    return refuse(
                        "data_center_provider",
                        format!(
                            "data center `{}` exists and belongs to `{owner}`, not `{}`: a data center has one \
                             owner; write `{owner}`, or give a new data center an id of its own ({keep})",
                            c.data_center, c.data_center_provider
                        ),
                    );
                }
            }
            None => {
                let by_name = data_center_names.get(c.data_center.as_str()).or_else(|| {
                    data_center_names.iter().find(|(n, _)| n.eq_ignore_ascii_case(&c.data_center)).map(|x| x.1)
                });
                if let Some(id) = by_name {
                    return refuse(
                        "data_center",
                        format!(
                            "`{}` is the dashboard's name of data center `{id}`; data centers are compared by id: \
                             write `{id}` ({keep})",
                            c.data_center
                        ),
                    );
                }
                if let Some(existing) = closest(&c.data_center, owners.keys().copied()) {
                    return near("data_center", "data center", &c.data_center, existing);
                }
                if let Some((name, id)) = data_center_names.iter().find(|(n, _)| is_near_miss(&c.data_center, n)) {
                    return refuse(
                        "data_center",
                        format!(
                            "`{}` is close to `{name}`, the dashboard's name of data center `{id}`: did you mean \
                             `{id}`? (data centers are compared by id; {keep})",
                            c.data_center
                        ),
                    );
                }
            }
        }
        if !dc_providers.contains(c.data_center_provider.as_str()) {
            if let Some(existing) = closest(&c.data_center_provider, dc_providers.iter().copied()) {
                return near("data_center_provider", "data-center provider", &c.data_center_provider, existing);
            }
        }
    }
    Ok(())
}

/// A warning for each cluster member that matches no node provider of the
/// nodes or the pipeline (names are compared exactly, so the cluster says
/// nothing about it), with the provider it is close to, if any.
pub fn unmatched_cluster_members(
    clusters: &[ProviderCluster],
    inputs_providers: &BTreeSet<&str>,
    source: &str,
) -> Vec<Warning> {
    let mut diags = Diagnostics::default();
    for cluster in clusters {
        for member in &cluster.members {
            if inputs_providers.contains(member.as_str()) {
                continue;
            }
            let hint = match closest(member, inputs_providers.iter().copied()) {
                Some(p) => format!(" (did you mean `{p}`?)"),
                None => String::new(),
            };
            diags.warn(
                source,
                None,
                Some("members"),
                format!(
                    "cluster `{}`: member `{member}` matches no node provider of the nodes or the pipeline{hint}, \
                     so the cluster has no effect on it",
                    cluster.name
                ),
            );
        }
    }
    diags.into_warnings()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_are_a_letter_or_two_away_but_codes_and_numbers_are_not() {
        assert_eq!(edit_distance("Equinx", "Equinix"), 1);
        assert_eq!(edit_distance("Arceau NP LCC", "Arceau NP LLC"), 1);
        assert!(is_near_miss("Equinx", "Equinix"));
        assert!(is_near_miss("Arceau NP LCC", "Arceau NP LLC"));
        assert!(is_near_miss("Digital Realy", "Digital Realty"));
        assert!(!is_near_miss("Equinix", "Equinix"));
        assert!(!is_near_miss("zh3", "zh2"));
        assert!(!is_near_miss("Buenos Aires 2", "Buenos Aires 1"));
        assert!(!is_near_miss("Lionel Messi", "Lionel Richie"));
        assert!(!is_near_miss("Equinox", "Equinix AG"));
        assert_eq!(closest("Equinx", ["Equinix", "Equinox", "Flexential"]), Some("Equinix"));
    }

    #[test]
    fn dashboard_names_map_to_ids() {
        let csv = "node_id,dc_id,dc_name,region\na,ar1,CABA 1,\"South America,AR,Buenos Aires\"\nb,zh2,Zurich 2,x\n";
        let names = data_center_names(csv);
        assert_eq!(names.get("CABA 1").map(String::as_str), Some("ar1"));
        assert_eq!(names.len(), 2);
        assert!(data_center_names("node_id,dc_id\na,b\n").is_empty());
    }
}

//! The per-provider minimum as the reference reads it
//! (`add_per_node_provider_constraint`), computed straight from the inputs:
//! a provider (its name before clustering) is bound when it has at least 4
//! nodes that are available (not DOWN or DEGRADED) and not blacklisted,
//! whatever `enforce_health_constraint` and `enforce_blacklist_constraint`
//! say; synthetic providers never are. Also the blacklist of the August 2025
//! snapshot's date, for the tests that use that snapshot.

// Each user takes what it needs.
#![allow(dead_code)]

use ic_topology::cordoned;
use ic_topology::inputs::{Inputs, RuleSet};
use ic_topology::model::{self, Model};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The providers the reference binds, by name before clustering.
pub fn bound_providers(inputs: &Inputs) -> BTreeSet<String> {
    let blacklisted: BTreeSet<String> = cordoned::cordoned_nodes(inputs).into_iter().map(|c| c.node_id).collect();
    let mut counted: BTreeMap<String, usize> = BTreeMap::new();
    for n in &inputs.nodes {
        if inputs.settings.rules == RuleSet::Y2025 && n.node_type.as_deref() == Some("API_BOUNDARY") {
            continue;
        }
        let available = !matches!(n.status.trim().to_ascii_uppercase().as_str(), "DOWN" | "DEGRADED");
        if available && !blacklisted.contains(&n.node_id) {
            *counted.entry(model::registry_provider(inputs.settings.rules, n)).or_default() += 1;
        }
    }
    for p in &inputs.pipeline {
        if !p.node_id.as_ref().is_some_and(|id| blacklisted.contains(id)) {
            *counted.entry(p.node_provider.clone()).or_default() += 1;
        }
    }
    counted.into_iter().filter(|(p, n)| *n >= 4 && !p.starts_with("SYNTHETIC")).map(|(p, _)| p).collect()
}

/// The model's per-provider minimum rows agree with [`bound_providers`], and
/// every class a row names holds only counted (available, non-blacklisted) nodes.
pub fn assert_minimum_rows(name: &str, inputs: &Inputs, model: &Model) {
    let rows: BTreeSet<String> = model.provider_minimums.iter().map(|p| p.provider.clone()).collect();
    assert_eq!(rows, bound_providers(inputs), "{name}: the providers bound by the per-provider minimum");
    let blacklisted: BTreeSet<String> = cordoned::cordoned_nodes(inputs).into_iter().map(|c| c.node_id).collect();
    let unavailable: BTreeSet<&str> = inputs
        .nodes
        .iter()
        .filter(|n| matches!(n.status.trim().to_ascii_uppercase().as_str(), "DOWN" | "DEGRADED"))
        .map(|n| n.node_id.as_str())
        .collect();
    for row in &model.provider_minimums {
        for &c in &row.classes {
            let class = &model.classes[c as usize];
            assert_eq!(class.original_provider, row.provider, "{name}: class {c} in {}'s row", row.provider);
            for id in &class.members {
                assert!(
                    !blacklisted.contains(id) && !unavailable.contains(id.as_str()),
                    "{name}: node {id} of {} may not satisfy the minimum",
                    row.provider
                );
            }
        }
    }
    // Every counted node of a bound provider is in its row.
    for (c, class) in model.classes.iter().enumerate() {
        let bound = model.provider_minimums.iter().find(|p| p.provider == class.original_provider);
        let counted = class.members.iter().all(|id| !blacklisted.contains(id) && !unavailable.contains(id.as_str()));
        if let (Some(row), true, false) = (bound, counted, class.synthetic) {
            assert!(row.classes.contains(&(c as u32)), "{name}: class {c} of {} is missing from its row", row.provider);
        }
    }
}

/// The reference's blacklist as of 25 August 2025 (`data/blacklist.yaml` at
/// its commit add9e59, the date of the August snapshot): it cordons two
/// providers, one of them ANTHONY ISAAKIDIS (every node of it).
pub const BLACKLIST_2025_08: &str = "\
features:
  - feature: node_provider
    value: qsdw4-ao5ye-6rtq4-y3zhm-icjbj-lutd2-sbejz-4ajqz-pcflr-xrhsg-jae
    explanation: \"Carbon12 is selling its nodes to DEF\"
  - feature: node_provider
    value: dnpkk-x67ir-zwcyz-fkgzz-547t7-papxf-zby5t-i2log-uodsf-pcizd-jae
    explanation: \"Still hasn't completed the audit\"
";

/// Write [`BLACKLIST_2025_08`] into `dir`; its path.
pub fn write_blacklist_2025_08(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("blacklist-2025-08.yaml");
    std::fs::write(&path, BLACKLIST_2025_08).unwrap();
    path
}

/// The four (health, blacklist) switch combinations.
pub const SWITCHES: [(bool, bool); 4] = [(true, true), (true, false), (false, true), (false, false)];

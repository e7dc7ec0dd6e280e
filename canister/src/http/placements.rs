//! The dashboard's placement page: where a new node provider's nodes still
//! lower the ObjectiveValue one for one, as a table of countries (ranked as
//! the map is) and a chart (the engine's renderer, `charts::placement`),
//! from the last complete map the canister serves (`crate::placement`). It
//! says which registry version the map is of and, while the map of newer
//! inputs is being computed, how far that has got.

use super::pages::html;
use crate::state::State;
use crate::stores::dashboard::Page;
use ic_topology::api;
use ic_topology::charts::{placement as chart, xml};
use std::fmt::Write;

/// The placement page's path ...
pub const PAGE: &str = "/placements";
/// ... and its chart's.
pub const CHART: &str = "/charts/placement_map.svg";

fn opt(v: Option<u32>) -> String {
    v.map_or("unknown".into(), |v| v.to_string())
}

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}

fn origin(o: api::CountryOrigin) -> &'static str {
    match o {
        api::CountryOrigin::Network => "nodes there",
        api::CountryOrigin::RestrictedList => "on a restricted subnet's list",
        api::CountryOrigin::New => "a new country",
        api::CountryOrigin::DataCenter => "the data center's",
    }
}

/// What the refresh is doing. The page is rendered when a result is published
/// and when the inputs change, not at every step: the live counts are in
/// `get_placement_map`'s `progress`.
fn progress_text(p: &api::PlacementProgress) -> String {
    match p.phase {
        api::RefreshPhase::UpToDate => "up to date".into(),
        api::RefreshPhase::Disabled => {
            "the canister does not recompute it (a controller turns it on with configure_placements)".into()
        }
        api::RefreshPhase::PlacementMap => format!(
            "the map of registry version {} is being computed ({} countries; get_placement_map reports the progress)",
            p.inputs.registry_version, p.map_entries_total
        ),
        api::RefreshPhase::NodeValues => format!(
            "the map of registry version {} is done, its node values are being computed",
            p.inputs.registry_version
        ),
    }
}

fn page(state: &State) -> Page {
    let progress = crate::placement::served_progress(state);
    let Some((map, current)) = crate::placement::served_map(state) else {
        let status = progress.as_ref().map_or(crate::state::NO_SNAPSHOT.into(), progress_text);
        let body = format!(
            "<p id=\"placement-status\">The placement map is not computed yet ({}). It is computed in timer messages after every change of the snapshot or the configuration.</p>",
            xml(&status)
        );
        return html(200, "Where to add nodes", &body);
    };
    let mut body = String::new();
    write!(
        body,
        "<p>For a new node provider with a new data center of a new data-center provider in each country: how many nodes it can add there that each lower the ObjectiveValue (now {}) by one (the optimal deployment size), and the ObjectiveValue after them. Every size is proven by solving the point after it too; the map is the engine's (<code>topology placements --inputs &lt;export&gt;</code> gives the same).</p>\
<p id=\"placement-status\">Computed on registry version {} (configuration sha256 <code>{}</code>){}; {}.</p>\
<figure><img src=\"{CHART}\" alt=\"Bars per country: the optimal deployment size of SEV-capable nodes and of nodes without SEV\"><figcaption>Optimal deployment size per country, SEV-capable and not.</figcaption></figure>\
<div class=\"scroll\"><table id=\"placements\"><caption>Countries, largest deployment first</caption><thead><tr><th scope=\"col\">Country</th><th scope=\"col\">Why listed</th><th scope=\"col\">Size (SEV)</th><th scope=\"col\">ObjectiveValue after (SEV)</th><th scope=\"col\">Size (no SEV)</th><th scope=\"col\">ObjectiveValue after (no SEV)</th><th scope=\"col\">SEV changes it</th></tr></thead><tbody>",
        opt(map.baseline_objective),
        map.inputs.registry_version,
        xml(&map.inputs.configuration_sha256),
        if current { "" } else { ", an earlier snapshot or configuration" },
        xml(&progress.as_ref().map_or(String::new(), progress_text)),
    )
    .expect("String");
    for e in &map.entries {
        write!(
            body,
            "<tr data-country=\"{c}\"><td>{c}</td><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"text\">{}</td></tr>",
            origin(e.origin),
            opt(e.sev.optimal_deployment_size),
            opt(e.sev.objective_after),
            opt(e.non_sev.optimal_deployment_size),
            opt(e.non_sev.objective_after),
            yes_no(e.sev_changes_it),
            c = xml(&e.country),
        )
        .expect("String");
    }
    body.push_str("</tbody></table></div>");
    html(200, "Where to add nodes", &body)
}

fn chart_rows(map: &api::PlacementMap) -> Vec<chart::PlacementRow> {
    map.entries
        .iter()
        .map(|e| chart::PlacementRow {
            country: e.country.clone(),
            sev: e.sev.optimal_deployment_size,
            non_sev: e.non_sev.optimal_deployment_size,
        })
        .collect()
}

/// The page and its chart (the chart once there is a map).
pub fn pages(state: &State) -> Vec<(String, Page)> {
    let mut out = vec![(PAGE.to_string(), page(state))];
    if let Some((map, _)) = crate::placement::served_map(state) {
        let svg = chart::placement_map(&chart_rows(&map), map.baseline_objective);
        out.push((CHART.to_string(), Page { status: 200, content_type: "image/svg+xml", body: svg.into_bytes() }));
    }
    out
}

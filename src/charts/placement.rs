//! The placement map as a chart: one row per country (in the map's ranked
//! order), two horizontal bars, the optimal deployment size of SEV-capable
//! nodes and of nodes without SEV. A size the budget did not prove is drawn
//! as no bar and labelled "unknown", never guessed. Each bar carries its
//! numbers as `data-*` attributes (see the parent module).

use super::{svg_open, xml, PALETTE};
use crate::placement::PlacementMap;
use std::fmt::Write;

/// One row of the chart: a country and its two deployment sizes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlacementRow {
    /// The country (ISO code, or `ZZ` for a new country).
    pub country: String,
    /// The optimal deployment size of SEV-capable nodes, if proven.
    pub sev: Option<u32>,
    /// The optimal deployment size of nodes that are not SEV-capable, if proven.
    pub non_sev: Option<u32>,
}

/// The rows of an engine map, in its ranked order.
pub fn rows(map: &PlacementMap) -> Vec<PlacementRow> {
    map.entries
        .iter()
        .map(|e| PlacementRow {
            country: e.country.clone(),
            sev: e.sev.optimal_deployment_size,
            non_sev: e.non_sev.optimal_deployment_size,
        })
        .collect()
}

fn size_text(v: Option<u32>) -> String {
    v.map_or("unknown".into(), |v| v.to_string())
}

/// The chart of `rows` for a baseline ObjectiveValue of `baseline` (the
/// longest bar possible: a deployment never lowers the value below 0).
pub fn placement_map(rows: &[PlacementRow], baseline: Option<u32>) -> String {
    let largest = rows.iter().flat_map(|r| [r.sev, r.non_sev]).flatten().max().unwrap_or(0);
    let max = baseline.unwrap_or(largest).max(largest).max(1);
    let (left, top, bar, row_h, plot_w) = (48u32, 44u32, 7u32, 18u32, 420u32);
    let n = rows.len() as u32;
    let width = left + plot_w + 90;
    let height = top + n * row_h + 40;
    let mut out = String::new();
    svg_open(&mut out, width, height, "Optimal deployment size of a new node provider, per country", "placement_map");
    let x_of = |v: u32| left + v * plot_w / max;
    for q in 0..=4u32 {
        let v = max * q / 4;
        let x = x_of(v);
        write!(
            out,
            "<line x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\" stroke=\"#dddddd\"/><text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{v}</text>",
            top - 4,
            top + n * row_h,
            top - 8
        )
        .expect("writing to a String");
    }
    for (i, r) in rows.iter().enumerate() {
        let y = top + i as u32 * row_h + 2;
        write!(
            out,
            "<g data-country=\"{c}\" data-sev=\"{s}\" data-non-sev=\"{ns}\"><title>{c}: {s} SEV-capable nodes, {ns} without SEV, each lowers the ObjectiveValue by one</title>\
<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{c}</text>",
            left - 4,
            y + bar + 3,
            c = xml(&r.country),
            s = size_text(r.sev),
            ns = size_text(r.non_sev),
        )
        .expect("writing to a String");
        for (k, (v, colour)) in [(r.sev, PALETTE[4]), (r.non_sev, PALETTE[0])].into_iter().enumerate() {
            let yb = y + k as u32 * bar;
            if let Some(v) = v {
                write!(
                    out,
                    "<rect x=\"{left}\" y=\"{yb}\" width=\"{}\" height=\"{bar}\" fill=\"{colour}\" data-size=\"{v}\"/>",
                    x_of(v) - left
                )
                .expect("writing to a String");
            }
            write!(
                out,
                "<text x=\"{}\" y=\"{}\" font-size=\"8\">{}</text>",
                x_of(v.unwrap_or(0)) + 3,
                yb + bar,
                size_text(v)
            )
            .expect("writing to a String");
        }
        out.push_str("</g>");
    }
    write!(
        out,
        "<text x=\"8\" y=\"{}\" font-size=\"10\">Blue: SEV-capable nodes; orange: without SEV. Nodes a new provider can add there, each lowering the ObjectiveValue by one.</text></svg>",
        height - 8
    )
    .expect("writing to a String");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_size_is_drawn_and_an_unknown_one_is_not_guessed() {
        let rows = vec![
            PlacementRow { country: "CH".into(), sev: Some(3), non_sev: Some(2) },
            PlacementRow { country: "A&B".into(), sev: None, non_sev: Some(0) },
        ];
        let svg = placement_map(&rows, Some(4));
        assert!(svg.contains("data-country=\"CH\" data-sev=\"3\" data-non-sev=\"2\""), "{svg}");
        assert!(svg.contains("data-country=\"A&amp;B\" data-sev=\"unknown\" data-non-sev=\"0\""), "{svg}");
        assert_eq!(svg.matches("data-size=").count(), 3, "no bar for the unknown size");
        assert!(svg.contains("data-size=\"3\" ") || svg.contains("data-size=\"3\"/>"));
        assert_eq!(svg, placement_map(&rows, Some(4)), "deterministic");
    }
}

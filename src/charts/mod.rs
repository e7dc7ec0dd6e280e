//! The one chart renderer: SVG pictures of an allocation, an evaluation's
//! curve and a membership plan, drawn from the engine's own records.
//!
//! The canister's dashboard and `topology evaluate --charts DIR` call these
//! same functions, so a chart on chain and a chart on disk are the same bytes
//! for the same inputs. The pictures redraw the reference tool's matplotlib
//! PNGs: per attribute the allocation per subnet as stacked bars annotated
//! with the Nakamoto coefficient (`*_node_allocation`), the topology matrix
//! of attribute values by subnet with the limits (`*_topology_matrix`), the
//! curve of ObjectiveValue against candidate nodes added, and the per-subnet
//! changes of a membership plan (`subnet_change_summary`).
//!
//! Every number drawn is also carried as a `data-*` attribute of its element
//! (and in a `<title>` for people), so tests and tools read the numbers back
//! and compare them with the engine's answer. Output is deterministic: values
//! in canonical order, integer coordinates, no clock, no floats in the data.
//! Colours are the Okabe-Ito palette (distinguishable with the common forms of
//! colour blindness); no fonts, scripts or external references are used.

pub mod placement;

use crate::check::Allocation;
use crate::evaluate::nakamoto;
use crate::inputs::{Attribute, LimitOp};
use crate::model::Model;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The Okabe-Ito palette without black (kept for text).
const PALETTE: [&str; 7] = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"];
/// Synthetic nodes (the additional machines the ObjectiveValue counts).
const SYNTHETIC: &str = "#999999";
const FONT: &str = "font-family=\"sans-serif\" font-size=\"11\"";

/// One chart: the file name it is written under and its SVG text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chart {
    /// The file name the chart is written under (`<attribute>_node_allocation.svg`, ...).
    pub file_name: String,
    /// The SVG document.
    pub svg: String,
}

/// Escape text for XML content and attribute values.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Line breaks stay: a <pre> of text to quote must keep its lines
            // (and so its SHA-256); other control characters are dropped.
            '\n' => out.push('\n'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A human title for an attribute.
pub fn attribute_title(a: Attribute) -> &'static str {
    match a {
        Attribute::NodeProvider => "node provider",
        Attribute::DataCenter => "data center",
        Attribute::DataCenterProvider => "data-center provider",
        Attribute::Country => "country",
    }
}

/// A short label for subnet `i` of the model: its id's first group, or its type and index.
pub fn subnet_label(model: &Model, i: usize) -> String {
    let s = &model.subnets[i];
    match &s.subnet_id {
        Some(id) => id.split('-').next().unwrap_or(id).to_string(),
        None => format!("{} {}", s.subnet_type, i + 1),
    }
}

fn subnet_name(model: &Model, i: usize) -> String {
    let s = &model.subnets[i];
    match &s.subnet_id {
        Some(id) => format!("{} ({})", id, s.subnet_type),
        None => format!("subnet {} ({})", i + 1, s.subnet_type),
    }
}

/// Per subnet, the node count of each value of `attribute` (value index -> count)
/// and how many of those nodes are synthetic, per value.
fn counts_by_value(model: &Model, allocation: &Allocation, attribute: Attribute) -> Vec<BTreeMap<u32, (u32, bool)>> {
    allocation
        .subnets
        .iter()
        .map(|entries| {
            let mut counts = BTreeMap::new();
            for &(c, n) in entries {
                let class = &model.classes[c as usize];
                let e = counts.entry(class.values[attribute.index()]).or_insert((0, true));
                e.0 += n;
                e.1 &= class.synthetic;
            }
            counts
        })
        .collect()
}

fn svg_open(out: &mut String, width: u32, height: u32, title: &str, kind: &str) {
    write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{t}\" data-chart=\"{kind}\" {FONT}>\
<title>{t}</title><rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>\
<text x=\"8\" y=\"18\" font-size=\"14\" font-weight=\"bold\">{t}</text>",
        t = xml(title)
    )
    .expect("writing to a String");
}

/// Colour of value `index` among the values drawn (palette order), grey for synthetic values.
fn colour(order: &BTreeMap<u32, usize>, value: u32, synthetic: bool) -> &'static str {
    if synthetic {
        SYNTHETIC
    } else {
        PALETTE[order.get(&value).copied().unwrap_or(0) % PALETTE.len()]
    }
}

/// The values in order of their total count over all subnets (largest first, then by index).
fn value_order(counts: &[BTreeMap<u32, (u32, bool)>]) -> BTreeMap<u32, usize> {
    let mut totals: BTreeMap<u32, u32> = BTreeMap::new();
    for subnet in counts {
        for (&v, &(n, synthetic)) in subnet {
            if !synthetic {
                *totals.entry(v).or_default() += n;
            }
        }
    }
    let mut values: Vec<(u32, u32)> = totals.into_iter().collect();
    values.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    values.into_iter().enumerate().map(|(i, (v, _))| (v, i)).collect()
}

/// A subnet's row label in the allocation chart: its type, and its id's first group or its place.
fn row_label(model: &Model, i: usize) -> String {
    let s = &model.subnets[i];
    match &s.subnet_id {
        Some(id) => format!("{} {}", s.subnet_type, id.split('-').next().unwrap_or(id)),
        None => format!("{} {}", s.subnet_type, i + 1),
    }
}

/// The optimal allocation per subnet for one attribute: a horizontal stacked
/// bar per subnet, in the topology's order, one segment per value of the
/// attribute (largest first, synthetic nodes grey at the end), the Nakamoto
/// coefficient after each bar. A row per subnet keeps every label level and
/// legible at mainnet scale (70 to 90 subnets: the chart grows in height, not
/// in width, so a page shows it at its own size); the subnets that still need
/// additional machines have their label in bold and the number needed after it.
pub fn node_allocation(model: &Model, allocation: &Allocation, attribute: Attribute) -> String {
    let counts = counts_by_value(model, allocation, attribute);
    let order = value_order(&counts);
    let max = model.subnets.iter().map(|s| s.size).max().unwrap_or(1).max(1);
    let (left, top, row, bar, plot_w) = (190u32, 78u32, 18u32, 13u32, 520u32);
    let n = model.subnets.len() as u32;
    let width = left + plot_w + 110;
    let height = top + n * row + 52;
    let short = counts.iter().filter(|c| c.values().any(|&(_, synthetic)| synthetic)).count();
    let mut out = String::new();
    let title = format!("Optimal allocation per subnet by {} (NC: Nakamoto coefficient)", attribute_title(attribute));
    svg_open(&mut out, width, height, &title, &format!("{}_node_allocation", attribute.name()));
    write!(
        out,
        "<text x=\"8\" y=\"40\" font-size=\"12\">{n} subnets, in the target topology's order; {short} still {} additional machines (bold, grey segments).</text>",
        if short == 1 { "needs" } else { "need" }
    )
    .expect("writing to a String");
    let x_of = |v: u32| left + v * plot_w / max;
    // Axis along the top with ticks at every quarter of the largest subnet.
    for q in 0..=4u32 {
        let v = max * q / 4;
        let x = x_of(v);
        write!(
            out,
            "<line x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\" stroke=\"#dddddd\"/><text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\">{v}</text>",
            top - 6,
            top + n * row,
            top - 10
        )
        .expect("writing to a String");
    }
    write!(out, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\">nodes</text>", left - 8, top - 10)
        .expect("writing to a String");
    for (i, subnet) in counts.iter().enumerate() {
        let y = top + i as u32 * row;
        let mut segments: Vec<(u32, u32, bool)> = subnet.iter().map(|(&v, &(c, s))| (v, c, s)).collect();
        // Real values by size (largest first), synthetic ones last, ties by value.
        segments.sort_by(|a, b| a.2.cmp(&b.2).then(b.1.cmp(&a.1)).then(a.0.cmp(&b.0)));
        let total: u32 = segments.iter().map(|s| s.1).sum();
        let synthetic: u32 = segments.iter().filter(|s| s.2).map(|s| s.1).sum();
        let nc = nakamoto(segments.iter().map(|s| s.1 as u64).collect());
        write!(
            out,
            "<g data-subnet=\"{i}\" data-nodes=\"{total}\" data-nakamoto=\"{nc}\" stroke=\"#ffffff\"><title>{}: {total} nodes, Nakamoto coefficient {nc}</title>",
            xml(&subnet_name(model, i))
        )
        .expect("writing to a String");
        // Compact markup (a chart of mainnet has about a thousand segments):
        // the value's index into the model's sorted values and its count.
        let mut base = 0;
        for (v, c, synthetic) in segments {
            let (x0, x1) = (x_of(base), x_of(base + c));
            write!(
                out,
                "<rect x=\"{x0}\" y=\"{}\" width=\"{}\" height=\"{bar}\" fill=\"{}\" data-v=\"{v}\" data-count=\"{c}\"/>",
                y + 2,
                x1 - x0,
                colour(&order, v, synthetic),
            )
            .expect("writing to a String");
            base += c;
        }
        let needed = if synthetic > 0 { format!(", {synthetic} needed") } else { String::new() };
        write!(
            out,
            "<text x=\"{}\" y=\"{}\" class=\"nakamoto\" font-size=\"12\" stroke=\"none\">NC {nc}{needed}</text>\
<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\" stroke=\"none\"{}>{}</text></g>",
            x_of(total) + 6,
            y + 13,
            left - 8,
            y + 13,
            if synthetic > 0 { " font-weight=\"bold\"" } else { "" },
            xml(&row_label(model, i))
        )
        .expect("writing to a String");
    }
    let foot = top + n * row + 22;
    write!(
        out,
        "<text x=\"8\" y=\"{foot}\" font-size=\"12\">Bars: nodes per {} (one colour per value, grey: additional machines needed).</text>\
<text x=\"8\" y=\"{}\" font-size=\"12\">After each bar: the subnet's Nakamoto coefficient, and the machines it still needs.</text></svg>",
        attribute_title(attribute),
        foot + 18
    )
    .expect("writing to a String");
    out
}

/// The topology matrix for one attribute: a row per value used by the
/// allocation, a column per subnet, each cell the nodes of that value in that
/// subnet; cells at their limit are outlined, the default limit heads each column.
pub fn topology_matrix(model: &Model, allocation: &Allocation, attribute: Attribute) -> String {
    let counts = counts_by_value(model, allocation, attribute);
    let order = value_order(&counts);
    let mut rows: Vec<(u32, bool)> = order.keys().map(|&v| (v, false)).collect();
    rows.sort_by_key(|(v, _)| order[v]);
    let mut synthetic_values: Vec<u32> = counts
        .iter()
        .flat_map(|s| s.iter().filter(|(_, &(_, syn))| syn).map(|(&v, _)| v))
        .filter(|v| !order.contains_key(v))
        .collect();
    synthetic_values.sort_unstable();
    synthetic_values.dedup();
    rows.extend(synthetic_values.into_iter().map(|v| (v, true)));
    let (left, top, cell) = (170u32, 64u32, 18u32);
    let n = model.subnets.len() as u32;
    let width = (left + n * cell + 20).max(420);
    let height = top + rows.len() as u32 * cell + 40;
    let mut out = String::new();
    let title =
        format!("Topology matrix: nodes per {} and subnet (outlined: at the limit)", attribute_title(attribute));
    svg_open(&mut out, width, height, &title, &format!("{}_topology_matrix", attribute.name()));
    for (i, subnet) in model.subnets.iter().enumerate() {
        let x = left + i as u32 * cell;
        write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"9\" data-subnet=\"{i}\" data-limit=\"{}\">{}</text>",
            x + cell / 2,
            top - 6,
            subnet.limits[attribute.index()],
            subnet.limits[attribute.index()]
        )
        .expect("writing to a String");
        write!(
            out,
            "<text transform=\"translate({},{}) rotate(-60)\" font-size=\"8\">{}</text>",
            x + cell / 2 + 2,
            top - 18,
            xml(&subnet_label(model, i))
        )
        .expect("writing to a String");
    }
    write!(out, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"9\">limit</text>", left - 4, top - 6)
        .expect("writing to a String");
    for (r, &(v, synthetic)) in rows.iter().enumerate() {
        let y = top + r as u32 * cell;
        let name = model.value(attribute, v);
        let shown: String =
            if name.chars().count() > 28 { name.chars().take(27).collect::<String>() + "…" } else { name.into() };
        write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"10\">{}</text>",
            left - 4,
            y + 13,
            xml(&shown)
        )
        .expect("writing to a String");
        if r % 2 == 0 {
            write!(out, "<rect x=\"{left}\" y=\"{y}\" width=\"{}\" height=\"{cell}\" fill=\"#eaf4fb\"/>", n * cell)
                .expect("writing to a String");
        }
        // Compact markup (a chart of mainnet has thousands of cells): the count
        // as text carrying its subnet (`data-s`); cells at their limit outlined.
        out.push_str("<g text-anchor=\"middle\" font-size=\"9\">");
        for (i, subnet) in counts.iter().enumerate() {
            let Some(&(c, _)) = subnet.get(&v) else { continue };
            let x = left + i as u32 * cell;
            let limit = model.subnets[i].limit(attribute, v);
            let at_limit = c >= limit.count || limit.op == LimitOp::Exactly;
            if at_limit || synthetic {
                write!(
                    out,
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"{}\"/>",
                    x + 1,
                    y + 1,
                    cell - 2,
                    cell - 2,
                    if synthetic { SYNTHETIC } else { "none" },
                    if at_limit { "#000000" } else { "none" },
                )
                .expect("writing to a String");
            }
            // `data-l` only where the value's limit differs from the column's.
            let special = if limit.count == model.subnets[i].limits[attribute.index()] {
                String::new()
            } else {
                format!(" data-l=\"{}\"", limit.count)
            };
            write!(out, "<text x=\"{}\" y=\"{}\" data-s=\"{i}\"{special}>{c}</text>", x + cell / 2, y + 13)
                .expect("writing to a String");
        }
        out.push_str("</g>");
    }
    out.push_str("</svg>");
    out
}

/// An evaluation's curve, as the chart draws it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurveInput {
    /// (candidate nodes added, ObjectiveValue if proven), N = 0..=all in order.
    pub points: Vec<(u32, Option<u32>)>,
    /// The optimal deployment size, marked on the chart when there is one.
    pub optimal_deployment_size: Option<u32>,
}

impl CurveInput {
    /// The curve of an evaluation.
    pub fn of(ev: &crate::evaluate::Evaluation) -> CurveInput {
        CurveInput {
            points: ev.curve.iter().map(|p| (p.nodes, p.objective)).collect(),
            optimal_deployment_size: ev.optimal_deployment_size,
        }
    }
}

/// ObjectiveValue against candidate nodes added: the curve (points), the
/// one-for-one line from the baseline (dashed) and the optimal deployment size.
pub fn curve(c: &CurveInput) -> String {
    let (left, top, w, h) = (50u32, 40u32, 440u32, 220u32);
    let width = left + w + 30;
    let height = top + h + 60;
    let mut out = String::new();
    svg_open(&mut out, width, height, "ObjectiveValue against candidate nodes added", "curve");
    let max_n = c.points.last().map_or(0, |p| p.0).max(1);
    let max_v = c.points.iter().filter_map(|p| p.1).max().unwrap_or(1).max(1);
    let min_v = {
        let base = c.points.first().and_then(|p| p.1).unwrap_or(0);
        let lowest = c.points.iter().filter_map(|p| p.1).min().unwrap_or(0);
        lowest.min(base.saturating_sub(max_n))
    };
    let span = (max_v - min_v).max(1);
    let x_of = |n: u32| left + n * w / max_n;
    let y_of = |v: u32| top + h - (v - min_v) * h / span;
    // Axes and ticks (five on each axis, integers).
    write!(
        out,
        "<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#000000\"/><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{}\" stroke=\"#000000\"/>",
        top + h,
        left + w,
        top + h,
        top + h
    )
    .expect("writing to a String");
    let mut last = None;
    for q in 0..=4u32 {
        let n = max_n * q / 4;
        if last == Some(n) {
            continue;
        }
        last = Some(n);
        write!(out, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{n}</text>", x_of(n), top + h + 14)
            .expect("writing to a String");
    }
    let mut last = None;
    for q in 0..=4u32 {
        let v = min_v + span * q / 4;
        if last == Some(v) {
            continue;
        }
        last = Some(v);
        write!(out, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{v}</text>", left - 4, y_of(v) + 4)
            .expect("writing to a String");
    }
    write!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">candidate nodes added</text><text transform=\"translate(12,{}) rotate(-90)\" text-anchor=\"middle\">ObjectiveValue</text>",
        left + w / 2,
        top + h + 30,
        top + h / 2
    )
    .expect("writing to a String");
    // The one-for-one line: the baseline minus one per node, down to the axis.
    if let Some(base) = c.points.first().and_then(|p| p.1) {
        let end_n = max_n.min(base.saturating_sub(min_v));
        write!(
            out,
            "<line class=\"one-for-one\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"2\" stroke-dasharray=\"6 4\" data-baseline=\"{base}\"/>",
            x_of(0),
            y_of(base),
            x_of(end_n),
            y_of(base - end_n),
            PALETTE[5]
        )
        .expect("writing to a String");
    }
    if let Some(size) = c.optimal_deployment_size {
        write!(
            out,
            "<line class=\"optimal-size\" x1=\"{x}\" y1=\"{top}\" x2=\"{x}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"2\" data-optimal-deployment-size=\"{size}\"/>\
<text x=\"{}\" y=\"{}\" fill=\"{}\">optimal deployment size {size}</text>",
            top + h,
            PALETTE[4],
            x_of(size) + 4,
            top + 12,
            PALETTE[4],
            x = x_of(size)
        )
        .expect("writing to a String");
    }
    let proven: Vec<(u32, u32)> = c.points.iter().filter_map(|&(n, v)| v.map(|v| (n, v))).collect();
    if !proven.is_empty() {
        let path: Vec<String> = proven.iter().map(|&(n, v)| format!("{},{}", x_of(n), y_of(v))).collect();
        write!(
            out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>",
            path.join(" "),
            PALETTE[4]
        )
        .expect("writing to a String");
    }
    for &(n, v) in &c.points {
        match v {
            Some(v) => write!(
                out,
                "<circle class=\"point\" cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"{}\" data-nodes=\"{n}\" data-objective=\"{v}\"><title>{n} node(s) added: ObjectiveValue {v}</title></circle>",
                x_of(n),
                y_of(v),
                PALETTE[4]
            ),
            None => write!(
                out,
                "<text class=\"point\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" data-nodes=\"{n}\" data-objective=\"unknown\">?<title>{n} node(s) added: not proven within the budget</title></text>",
                x_of(n),
                top + h - 4
            ),
        }
        .expect("writing to a String");
    }
    write!(
        out,
        "<text x=\"{left}\" y=\"{}\" font-size=\"10\">Points: the ObjectiveValue with the first N candidate nodes, each solved exactly; dashed: one for one.</text></svg>",
        height - 6
    )
    .expect("writing to a String");
    out
}

/// One subnet of a membership plan: how many of its nodes stay, arrive and
/// leave, in the reference's categories (its `subnet_node_changes` words).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubnetChange {
    /// The label drawn (the subnet id's first group, or its type and index).
    pub subnet: String,
    /// The subnet's id, when it has one.
    pub subnet_id: Option<String>,
    /// Members that stay.
    pub unchanged: u32,
    /// Nodes that leave another subnet for this one.
    pub moved_in: u32,
    /// Registry or pipeline nodes that had no subnet.
    pub newly_assigned: u32,
    /// Synthetic nodes (newly assigned too, and machines yet to be bought).
    pub synthetic: u32,
    /// Nodes that leave this subnet for another.
    pub moved_away: u32,
    /// Nodes that leave this subnet for none.
    pub dropped: u32,
}

impl SubnetChange {
    /// Nodes that arrive (newly assigned or moved in).
    pub fn arriving(&self) -> u32 {
        self.moved_in + self.newly_assigned + self.synthetic
    }
    /// Nodes that leave (dropped or moved away).
    pub fn leaving(&self) -> u32 {
        self.moved_away + self.dropped
    }
}

/// The chart's rows of a plan: one per subnet of the plan, in the plan's
/// subnet order, counted from the plan's own change lists
/// ([`crate::plan::output::subnet_changes`]).
pub fn plan_changes(
    pm: &crate::plan::model::PlanModel,
    changes: &[crate::plan::output::SubnetChanges],
) -> Vec<SubnetChange> {
    let synthetic: std::collections::BTreeSet<&str> =
        pm.model.classes.iter().filter(|c| c.synthetic).flat_map(|c| c.members.iter().map(String::as_str)).collect();
    changes
        .iter()
        .map(|c| {
            let count = |list: &[crate::plan::output::ListedNode], kind: &str, synth: Option<bool>| {
                list.iter()
                    .filter(|n| n.change_type == Some(kind))
                    .filter(|n| synth.is_none_or(|s| synthetic.contains(n.node_id.as_str()) == s))
                    .count() as u32
            };
            SubnetChange {
                // Short ids (examples' `subnet-1`) whole; principals by their first group.
                subnet: match &c.subnet_id {
                    Some(id) if id.len() <= 12 => id.clone(),
                    _ => subnet_label(&pm.model, c.subnet as usize),
                },
                subnet_id: c.subnet_id.clone(),
                unchanged: c.unchanged.len() as u32,
                moved_in: count(&c.added, "moved_in", None),
                newly_assigned: count(&c.added, "newly_assigned", Some(false)),
                synthetic: count(&c.added, "newly_assigned", Some(true)),
                moved_away: count(&c.removed, "moved_away", None),
                dropped: count(&c.removed, "dropped", None),
            }
        })
        .collect()
}

/// The per-subnet changes of a membership plan (the reference's
/// `subnet_change_summary_<scenario>.png`): a column per subnet, the nodes it
/// keeps and the nodes that arrive stacked above the axis (unchanged, moved
/// in, newly assigned, synthetic), the nodes that leave below it (moved away,
/// dropped); the plan's totals in the heading.
pub fn subnet_change_summary(changes: &[SubnetChange]) -> String {
    let (left, top, col) = (44u32, 58u32, 14u32);
    let up_max = changes.iter().map(|c| c.unchanged + c.arriving()).max().unwrap_or(0).max(1);
    let down_max = changes.iter().map(SubnetChange::leaving).max().unwrap_or(0);
    // Pixels per node: the tallest column 220 px high.
    let unit = (220 / up_max).clamp(1, 12);
    let axis = top + up_max * unit;
    let plot_w = changes.len() as u32 * col;
    let legend_w = |label: &str, n: u32| 13 + 6 * (label.len() as u32 + 1 + n.to_string().len() as u32) + 12;
    let height = axis + down_max * unit + 96;
    let total = |f: fn(&SubnetChange) -> u32| changes.iter().map(f).sum::<u32>();
    let totals = [
        ("unchanged", "kept", total(|c| c.unchanged), PALETTE[4]),
        ("moved-in", "moved in", total(|c| c.moved_in), PALETTE[1]),
        ("newly-assigned", "newly assigned", total(|c| c.newly_assigned), PALETTE[2]),
        ("synthetic", "synthetic", total(|c| c.synthetic), SYNTHETIC),
        ("moved-away", "moved away", total(|c| c.moved_away), PALETTE[0]),
        ("dropped", "dropped", total(|c| c.dropped), PALETTE[5]),
    ];
    let legend: u32 = 8 + totals.iter().map(|(_, label, n, _)| legend_w(label, *n)).sum::<u32>();
    let width = (left + plot_w + 16).max(legend).max(420);
    let mut out = String::new();
    svg_open(
        &mut out,
        width,
        height,
        "Membership plan: nodes per subnet kept, arriving and leaving",
        "subnet_change_summary",
    );
    write!(out, "<g class=\"totals\"").expect("writing to a String");
    for (key, _, n, _) in &totals {
        write!(out, " data-{key}=\"{n}\"").expect("writing to a String");
    }
    out.push('>');
    let mut x = 8u32;
    for (_, label, n, fill) in &totals {
        write!(
            out,
            "<rect x=\"{x}\" y=\"28\" width=\"10\" height=\"10\" fill=\"{fill}\"/><text x=\"{}\" y=\"37\">{label} {n}</text>",
            x + 13
        )
        .expect("writing to a String");
        x += legend_w(label, *n);
    }
    out.push_str("</g>");
    write!(
        out,
        "<line x1=\"{left}\" y1=\"{axis}\" x2=\"{}\" y2=\"{axis}\" stroke=\"#333333\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{up_max}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>",
        left + plot_w,
        left - 4,
        top + 4,
        left - 4,
        axis + 4
    )
    .expect("writing to a String");
    for (i, c) in changes.iter().enumerate() {
        let x = left + i as u32 * col;
        let name = c.subnet_id.as_deref().unwrap_or(&c.subnet);
        write!(
            out,
            "<g data-subnet=\"{}\" data-unchanged=\"{}\" data-moved-in=\"{}\" data-newly-assigned=\"{}\" data-synthetic=\"{}\" data-moved-away=\"{}\" data-dropped=\"{}\">",
            xml(name),
            c.unchanged,
            c.moved_in,
            c.newly_assigned,
            c.synthetic,
            c.moved_away,
            c.dropped
        )
        .expect("writing to a String");
        let mut y = axis;
        for (n, fill, what) in [
            (c.unchanged, PALETTE[4], "kept"),
            (c.moved_in, PALETTE[1], "moved in"),
            (c.newly_assigned, PALETTE[2], "newly assigned"),
            (c.synthetic, SYNTHETIC, "synthetic"),
        ] {
            if n > 0 {
                y -= n * unit;
                write!(
                    out,
                    "<rect x=\"{}\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"><title>{}: {n} {what}</title></rect>",
                    x + 1,
                    col - 2,
                    n * unit,
                    xml(name)
                )
                .expect("writing to a String");
            }
        }
        let mut y = axis;
        for (n, fill, what) in [(c.moved_away, PALETTE[0], "moved away"), (c.dropped, PALETTE[5], "dropped")] {
            if n > 0 {
                write!(
                    out,
                    "<rect x=\"{}\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"><title>{}: {n} {what}</title></rect>",
                    x + 1,
                    col - 2,
                    n * unit,
                    xml(name)
                )
                .expect("writing to a String");
                y += n * unit;
            }
        }
        let ly = axis + down_max * unit + 8;
        write!(
            out,
            "<text x=\"{}\" y=\"{ly}\" font-size=\"9\" text-anchor=\"end\" transform=\"rotate(-60 {} {ly})\">{}</text></g>",
            x + col / 2 + 3,
            x + col / 2 + 3,
            xml(&c.subnet)
        )
        .expect("writing to a String");
    }
    write!(
        out,
        "<text x=\"8\" y=\"{}\" font-size=\"10\">Above the line: nodes the subnet keeps and nodes that arrive; below: nodes that leave.</text></svg>",
        height - 6
    )
    .expect("writing to a String");
    out
}

/// The charts of a membership plan: `subnet_change_summary.svg`.
pub fn plan_charts(changes: &[SubnetChange]) -> Vec<Chart> {
    vec![Chart { file_name: "subnet_change_summary.svg".into(), svg: subnet_change_summary(changes) }]
}

/// Every chart of an allocation (two per attribute) and, with candidates, the curve.
pub fn evaluation_charts(model: &Model, ev: &crate::evaluate::Evaluation) -> Vec<Chart> {
    let mut charts = Vec::new();
    if let Some(allocation) = &ev.solution.allocation {
        for a in Attribute::ALL {
            charts.push(Chart {
                file_name: format!("{}_node_allocation.svg", a.name()),
                svg: node_allocation(model, allocation, a),
            });
            charts.push(Chart {
                file_name: format!("{}_topology_matrix.svg", a.name()),
                svg: topology_matrix(model, allocation, a),
            });
        }
    }
    if ev.candidate_nodes > 0 {
        charts.push(Chart { file_name: "curve.svg".into(), svg: curve(&CurveInput::of(ev)) });
    }
    charts
}

/// Write `charts` into `dir` (created if missing); the paths written, in order.
pub fn write_all(dir: &std::path::Path, charts: &[Chart]) -> Result<Vec<std::path::PathBuf>, crate::InputError> {
    let failed = |e: std::io::Error| crate::InputError::new(dir.display().to_string(), format!("--charts: {e}"));
    std::fs::create_dir_all(dir).map_err(failed)?;
    let mut written = Vec::new();
    for c in charts {
        let path = dir.join(&c.file_name);
        std::fs::write(&path, &c.svg).map_err(failed)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_drops_control_characters() {
        assert_eq!(xml("a<b>&\"c'\u{7}"), "a&lt;b&gt;&amp;&quot;c&#39;");
        assert_eq!(xml("line 1\nline 2\r\t"), "line 1\nline 2");
    }

    #[test]
    fn the_curve_carries_every_point_and_the_optimal_size() {
        let c = CurveInput {
            points: vec![(0, Some(4)), (1, Some(3)), (2, Some(3)), (3, None)],
            optimal_deployment_size: Some(1),
        };
        let svg = curve(&c);
        for (n, v) in [(0, "4"), (1, "3"), (2, "3"), (3, "unknown")] {
            assert!(svg.contains(&format!("data-nodes=\"{n}\" data-objective=\"{v}\"")), "point {n}");
        }
        assert!(svg.contains("data-optimal-deployment-size=\"1\""));
        assert!(svg.contains("data-baseline=\"4\""));
        assert_eq!(svg, curve(&c), "deterministic");
    }

    #[test]
    fn the_change_summary_carries_the_counts() {
        let changes = vec![
            SubnetChange {
                subnet: "tdb26".into(),
                subnet_id: Some("tdb26-jop6k".into()),
                unchanged: 10,
                moved_in: 1,
                newly_assigned: 2,
                synthetic: 1,
                moved_away: 3,
                dropped: 1,
            },
            SubnetChange { subnet: "<x>".into(), unchanged: 13, ..SubnetChange::default() },
        ];
        let svg = subnet_change_summary(&changes);
        assert!(svg.contains(
            "data-subnet=\"tdb26-jop6k\" data-unchanged=\"10\" data-moved-in=\"1\" data-newly-assigned=\"2\" data-synthetic=\"1\" data-moved-away=\"3\" data-dropped=\"1\""
        ));
        assert!(svg.contains("data-subnet=\"&lt;x&gt;\" data-unchanged=\"13\""));
        assert!(svg.contains("data-unchanged=\"23\" data-moved-in=\"1\" data-newly-assigned=\"2\" data-synthetic=\"1\" data-moved-away=\"3\" data-dropped=\"1\">"), "totals");
        assert_eq!(svg, subnet_change_summary(&changes), "deterministic");
        assert!(subnet_change_summary(&[]).ends_with("</svg>"), "an empty plan draws");
    }
}

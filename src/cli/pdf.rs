//! The analysis as a PDF, for a proposal that links a document and quotes its
//! hash: the summary text, the curve as a chart, the allocation as a chart
//! (the subnets that take candidate nodes or still need synthetic ones), and
//! the configuration and digests (which the summary text carries).
//!
//! The bytes depend on the inputs alone: no creation date, the file
//! identifier derived from the summary's text, objects numbered in a fixed
//! order, and only the standard 14 PDF fonts (Helvetica, Courier), which a
//! reader supplies, so no font is embedded.

use ic_topology::digest;
use ic_topology::evaluate::{self, Evaluation};
use ic_topology::model::Model;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 40.0;
/// Courier's advance is 0.6 em: at 8 pt, 105 characters fill the text width.
const MONO_SIZE: f32 = 8.0;
const MONO_COLUMNS: usize = 105;
const LINE: f32 = 10.0;
/// Rows of the allocation chart on one page.
const MAX_ROWS: usize = 56;

const SANS: Name = Name(b"F1");
const BOLD: Name = Name(b"F2");
const MONO: Name = Name(b"F3");

/// Text in the fonts' WinAnsi encoding: Latin-1 as is, anything else `?`.
fn win_ansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c as u32 {
            0x20..=0x7e | 0xa0..=0xff => c as u32 as u8,
            _ => b'?',
        })
        .collect()
}

/// One page's drawing.
struct Page {
    content: Content,
}

impl Page {
    fn new() -> Page {
        Page { content: Content::new() }
    }

    fn text(&mut self, font: Name, size: f32, x: f32, y: f32, s: &str) {
        let bytes = win_ansi(s);
        self.content.set_fill_gray(0.0).begin_text().set_font(font, size).next_line(x, y).show(Str(&bytes)).end_text();
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, rgb: (f32, f32, f32)) {
        self.content.set_fill_rgb(rgb.0, rgb.1, rgb.2).rect(x, y, w, h).fill_nonzero();
    }

    fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32, dashed: bool) {
        self.content.save_state().set_line_width(width).set_stroke_rgb(0.3, 0.3, 0.3);
        if dashed {
            self.content.set_dash_pattern([4.0, 3.0], 0.0);
        }
        self.content.move_to(from.0, from.1).line_to(to.0, to.1).stroke().restore_state();
    }
}

/// Break `s` into lines of at most `columns` characters, at spaces where possible.
fn wrap(s: &str, columns: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    for word in s.split(' ') {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > columns {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        while line.chars().count() > columns {
            let head: String = line.chars().take(columns).collect();
            line = line.chars().skip(columns).collect();
            out.push(head);
        }
    }
    out.push(line);
    out
}

/// Pages of the summary text, in Courier.
fn text_pages(title: &str, text: &str) -> Vec<Page> {
    let mut pages = Vec::new();
    let mut page = Page::new();
    page.text(BOLD, 14.0, MARGIN, HEIGHT - MARGIN, title);
    let mut y = HEIGHT - MARGIN - 2.0 * LINE;
    for raw in text.lines() {
        for line in wrap(raw, MONO_COLUMNS) {
            if y < MARGIN {
                pages.push(std::mem::replace(&mut page, Page::new()));
                y = HEIGHT - MARGIN;
            }
            page.text(MONO, MONO_SIZE, MARGIN, y, &line);
            y -= LINE;
        }
    }
    pages.push(page);
    pages
}

/// A round step for an axis of `max` units with about `ticks` ticks.
fn step(max: u32, ticks: u32) -> u32 {
    let raw = (max / ticks).max(1);
    let mut unit = 1;
    while unit * 10 <= raw {
        unit *= 10;
    }
    [1, 2, 5, 10].into_iter().map(|m| m * unit).find(|s| *s >= raw).unwrap_or(10 * unit)
}

/// The curve: the ObjectiveValue at every point, the one-for-one line, and the notes.
fn curve_page(ev: &Evaluation, notes: &[String]) -> Page {
    let mut p = Page::new();
    p.text(BOLD, 14.0, MARGIN, HEIGHT - MARGIN, "The curve: ObjectiveValue with the first N candidate nodes");
    let (left, bottom, w, h) = (MARGIN + 40.0, HEIGHT - MARGIN - 360.0, WIDTH - 2.0 * MARGIN - 60.0, 320.0);
    let n = ev.candidate_nodes.max(1);
    let values: Vec<u32> = ev.curve.iter().filter_map(|c| c.objective.or(c.upper_bound)).collect();
    let top = values.iter().copied().max().unwrap_or(1).max(1);
    let x = |k: u32| left + w * k as f32 / n as f32;
    let y = |v: u32| bottom + h * v as f32 / top as f32;
    p.line((left, bottom), (left + w, bottom), 0.8, false);
    p.line((left, bottom), (left, bottom + h), 0.8, false);
    let ys = step(top, 8);
    for v in (0..=top).step_by(ys as usize) {
        p.line((left - 3.0, y(v)), (left, y(v)), 0.5, false);
        p.text(SANS, 9.0, left - 30.0, y(v) - 3.0, &v.to_string());
    }
    let xs = step(n, 10);
    for k in (0..=n).step_by(xs as usize) {
        p.line((x(k), bottom - 3.0), (x(k), bottom), 0.5, false);
        p.text(SANS, 9.0, x(k) - 3.0, bottom - 14.0, &k.to_string());
    }
    p.text(SANS, 9.0, left, bottom - 28.0, "candidate nodes added");
    p.text(SANS, 9.0, MARGIN, bottom + h + 10.0, "ObjectiveValue");
    if let Some(base) = ev.baseline_objective {
        let end = base.min(ev.candidate_nodes);
        p.line((x(0), y(base)), (x(end), y(base - end)), 0.8, true);
    }
    for point in &ev.curve {
        match point.objective {
            Some(v) => p.rect(x(point.nodes) - 2.0, y(v) - 2.0, 4.0, 4.0, (0.1, 0.3, 0.7)),
            None => {
                if let Some(v) = point.upper_bound {
                    p.rect(x(point.nodes) - 2.0, y(v) - 2.0, 4.0, 4.0, (0.8, 0.5, 0.1));
                }
            }
        }
    }
    let mut line_y = bottom - 50.0;
    p.text(
        SANS,
        9.0,
        MARGIN,
        line_y,
        "Squares: each point solved exactly. Dashed: one for one (every node lowers the value by one).",
    );
    line_y -= 2.0 * LINE;
    for note in notes {
        for l in wrap(note, 110) {
            if line_y < MARGIN {
                break;
            }
            p.text(SANS, 9.0, MARGIN, line_y, &l);
            line_y -= 1.2 * LINE;
        }
    }
    p
}

/// One subnet of the allocation chart.
struct Row {
    label: String,
    real: u32,
    candidate: u32,
    synthetic: u32,
}

/// The allocation with every candidate: the subnets that take candidate
/// nodes or still need synthetic ones, most synthetic first; the others are counted.
fn allocation_page(model: &Model, ev: &Evaluation) -> Page {
    let mut p = Page::new();
    p.text(BOLD, 14.0, MARGIN, HEIGHT - MARGIN, "Where the nodes go (with every candidate node)");
    let Some(allocation) = &ev.solution.allocation else {
        p.text(SANS, 10.0, MARGIN, HEIGHT - MARGIN - 30.0, "No allocation: the target topology cannot be filled.");
        return p;
    };
    let subnets = evaluate::subnet_nodes(model, allocation);
    let mut rows: Vec<Row> = subnets
        .iter()
        .enumerate()
        .map(|(s, sub)| {
            let candidate = sub.nodes.iter().filter(|id| id.starts_with("candidate-")).count() as u32;
            Row {
                label: ic_topology::explain::subnet_label(model, s),
                real: sub.nodes.len() as u32 - candidate - sub.synthetic,
                candidate,
                synthetic: sub.synthetic,
            }
        })
        .collect();
    let total = rows.len();
    rows.retain(|r| r.candidate > 0 || r.synthetic > 0);
    rows.sort_by(|a, b| (b.synthetic, b.candidate).cmp(&(a.synthetic, a.candidate)).then(a.label.cmp(&b.label)));
    let shown = rows.len().min(MAX_ROWS);
    let mut y = HEIGHT - MARGIN - 24.0;
    p.text(
        SANS,
        10.0,
        MARGIN,
        y,
        &format!(
            "{} of {total} subnets {} candidate nodes or still {} synthetic nodes; {} filled by the network's nodes alone (not shown).",
            rows.len(),
            if rows.len() == 1 { "takes" } else { "take" },
            if rows.len() == 1 { "needs" } else { "need" },
            match total - rows.len() {
                1 => "1 is".to_string(),
                n => format!("{n} are"),
            }
        ),
    );
    y -= 16.0;
    let legend = [
        ("network's nodes", (0.6, 0.65, 0.75)),
        ("candidate nodes", (0.2, 0.6, 0.3)),
        ("synthetic (to add)", (0.9, 0.5, 0.2)),
    ];
    let mut lx = MARGIN;
    for (name, rgb) in legend {
        p.rect(lx, y - 1.0, 9.0, 9.0, rgb);
        p.text(SANS, 9.0, lx + 12.0, y, name);
        lx += 130.0;
    }
    y -= 14.0;
    p.text(SANS, 9.0, MARGIN, y, "Numbers after a bar: the network's nodes + candidate nodes + synthetic nodes.");
    y -= 18.0;
    let widest = rows.iter().map(|r| r.real + r.candidate + r.synthetic).max().unwrap_or(1).max(1);
    let (bar_left, bar_w) = (MARGIN + 170.0, WIDTH - 2.0 * MARGIN - 200.0);
    let unit = bar_w / widest as f32;
    for r in rows.iter().take(shown) {
        p.text(SANS, 9.0, MARGIN, y, &r.label);
        let mut bx = bar_left;
        for (n, rgb) in [(r.real, legend[0].1), (r.candidate, legend[1].1), (r.synthetic, legend[2].1)] {
            if n > 0 {
                p.rect(bx, y - 1.0, unit * n as f32, 9.0, rgb);
                bx += unit * n as f32;
            }
        }
        p.text(SANS, 9.0, bx + 4.0, y, &format!("{} + {} + {}", r.real, r.candidate, r.synthetic));
        y -= 12.5;
    }
    if rows.len() > shown {
        p.text(
            SANS,
            9.0,
            MARGIN,
            y - 4.0,
            &format!("... and {} more such subnets (every subnet is in evaluate --json).", rows.len() - shown),
        );
    }
    p
}

/// The PDF of the summary `text`, with the curve and the allocation of `ev`
/// (evaluated on `model`) and the curve's `notes`.
pub(crate) fn render(text: &str, model: &Model, ev: &Evaluation, notes: &[String]) -> Vec<u8> {
    let mut pages = text_pages("Node-operator proposal: target-topology evidence", text);
    pages.push(curve_page(ev, notes));
    pages.push(allocation_page(model, ev));

    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let info = Ref::new(3);
    let fonts =
        [(SANS, Ref::new(4), "Helvetica"), (BOLD, Ref::new(5), "Helvetica-Bold"), (MONO, Ref::new(6), "Courier")];
    let first_page = 7;
    let page_ids: Vec<Ref> = (0..pages.len()).map(|i| Ref::new(first_page + 2 * i as i32)).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_ids.iter().copied()).count(pages.len() as i32);
    pdf.document_info(info)
        .title(TextStr("Node-operator proposal: target-topology evidence"))
        .producer(TextStr("topology"));
    for (_, id, base) in fonts {
        pdf.type1_font(id).base_font(Name(base.as_bytes())).encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    for (i, page) in pages.into_iter().enumerate() {
        let id = page_ids[i];
        let content_id = Ref::new(id.get() + 1);
        let mut writer = pdf.page(id);
        writer.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT)).parent(tree).contents(content_id);
        let mut resources = writer.resources();
        let mut f = resources.fonts();
        for (name, fid, _) in fonts {
            f.pair(name, fid);
        }
        f.finish();
        resources.finish();
        writer.finish();
        pdf.stream(content_id, &page.content.finish());
    }
    // The identifier names the content, as a file identifier should, and never changes for it.
    let id = digest::sha256_hex(text.as_bytes()).into_bytes()[..32].to_vec();
    pdf.set_file_id((id.clone(), id));
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_character_and_the_width() {
        let lines = wrap("aaa bbb ccccccccccc d", 5);
        assert!(lines.iter().all(|l| l.chars().count() <= 5), "{lines:?}");
        assert_eq!(lines.join(" ").replace(' ', ""), "aaabbbcccccccccccd");
    }

    #[test]
    fn text_outside_latin_1_becomes_a_question_mark() {
        assert_eq!(win_ansi("Zürich → 1"), b"Z\xfcrich ? 1".to_vec());
    }

    #[test]
    fn axis_steps_are_round() {
        assert_eq!(step(36, 8), 5);
        assert_eq!(step(6, 10), 1);
        assert_eq!(step(1000, 10), 100);
    }
}

//! The curve in the text output: every point when it is short, else runs of
//! equal values (`12..999 -> 3`), and at most [`MAX_RUNS`] lines of them (the
//! first and the last), so that 1,000 candidate nodes do not print 1,000
//! lines. `--json` always has every point.

use ic_topology::curve_notes::CurveNotes;
use ic_topology::evaluate::CurvePoint;

/// Curves up to this many points are printed point by point.
pub const MAX_POINTS: usize = 25;
/// Lines of runs printed for a longer curve.
pub const MAX_RUNS: usize = 24;

/// The lines of the curve (without indentation).
pub fn lines(curve: &[CurvePoint]) -> Vec<String> {
    if curve.len() <= MAX_POINTS {
        return curve.iter().map(|p| format!("{:>4} -> {}", p.nodes, p.value_text())).collect();
    }
    let mut runs: Vec<(u32, u32, String)> = Vec::new();
    for p in curve {
        let v = p.value_text();
        match runs.last_mut() {
            Some((_, last, w)) if *w == v => *last = p.nodes,
            _ => runs.push((p.nodes, p.nodes, v)),
        }
    }
    let run = |(first, last, v): &(u32, u32, String)| {
        if first == last {
            format!("{first:>4} -> {v}")
        } else {
            format!("{first:>4}..{last} -> {v} ({} points)", last - first + 1)
        }
    };
    if runs.len() <= MAX_RUNS {
        return runs.iter().map(run).collect();
    }
    let head = MAX_RUNS / 2;
    let tail = MAX_RUNS - head;
    let hidden: u32 = runs[head..runs.len() - tail].iter().map(|(a, b, _)| b - a + 1).sum();
    let mut out: Vec<String> = runs[..head].iter().map(run).collect();
    out.push(format!("     ... {hidden} more points (every point is in --json)"));
    out.extend(runs[runs.len() - tail..].iter().map(run));
    out
}

/// As [`lines`], with the points where the value rises or the curve stops marked.
pub fn marked(curve: &[CurvePoint], notes: &CurveNotes) -> Vec<String> {
    let mut out = lines(curve);
    let mut mark = |k: u32, what: &str| {
        let (point, run) = (format!("{k:>4} -> "), format!("{k:>4}.."));
        if let Some(line) = out.iter_mut().find(|l| l.starts_with(&point) || l.starts_with(&run)) {
            line.push_str(&format!("   <- {what}"));
        }
    };
    for rise in &notes.rises {
        mark(rise.nodes, "rises (why below)");
    }
    if let Some(k) = notes.stop.as_ref().and_then(|s| s.nodes) {
        if !notes.rises.iter().any(|r| r.nodes == k) {
            mark(k, "stops (why below)");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ic_topology::solve::Status;

    fn curve(values: &[u32]) -> Vec<CurvePoint> {
        values
            .iter()
            .enumerate()
            .map(|(n, &v)| CurvePoint {
                nodes: n as u32,
                status: Status::Optimal,
                objective: Some(v),
                lower_bound: v,
                upper_bound: Some(v),
                shortfall: Some(0),
                shortfall_objective: None,
            })
            .collect()
    }

    #[test]
    fn a_short_curve_is_printed_point_by_point() {
        assert_eq!(lines(&curve(&[4, 3, 3])), ["   0 -> 4", "   1 -> 3", "   2 -> 3"]);
    }

    #[test]
    fn a_long_flat_curve_is_printed_as_runs() {
        let mut values = vec![10, 9, 8];
        values.extend(std::iter::repeat_n(7, 997));
        assert_eq!(lines(&curve(&values)), ["   0 -> 10", "   1 -> 9", "   2 -> 8", "   3..999 -> 7 (997 points)"]);
    }

    #[test]
    fn a_long_steep_curve_shows_its_ends() {
        let values: Vec<u32> = (0..1000).rev().collect();
        let out = lines(&curve(&values));
        assert_eq!(out.len(), MAX_RUNS + 1);
        assert_eq!(out[0], "   0 -> 999");
        assert_eq!(out[MAX_RUNS / 2], "     ... 976 more points (every point is in --json)");
        assert_eq!(out.last().unwrap(), " 999 -> 0");
    }
}

//! The ObjectiveValues a proposal's summary quotes.
//!
//! Two wordings are read: the text `proposal_summary` renders
//! ("- ObjectiveValue before (without the planned nodes): 4", "- ObjectiveValue
//! after (with all 6 planned nodes): 3") and the wiki's free wording, where the
//! value follows the word "before" or "after" on a line that names the
//! ObjectiveValue ("The ObjectiveValue before is 4 and after is 3",
//! "ObjectiveValue before: 4, after: 3"), or on a line of its own right under
//! one that does ("ObjectiveValue:" then "Before: 4" and "After: 3").
//! A number inside parentheses that do not hold the keyword is a remark (the
//! "6" of "(with all 6 planned nodes)"), not the value. The first claim of each
//! kind counts. Pure text processing, deterministic.

/// The claimed values (`None`: no claim found).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Claims {
    /// The ObjectiveValue the summary claims before the proposal.
    pub before: Option<u32>,
    /// The ObjectiveValue it claims after.
    pub after: Option<u32>,
}

/// Lines after a line naming the ObjectiveValue on which a bare "Before: N"
/// still refers to it.
const CONTEXT_LINES: usize = 3;

/// The largest summary read (NNS summaries are at most 30,000 bytes).
pub const MAX_SUMMARY_BYTES: usize = 64 * 1024;

fn names_objective(line: &str) -> bool {
    line.contains("objectivevalue") || line.contains("objective value")
}

/// The line without the parenthesised remarks that do not hold `keyword`.
fn without_remarks(line: &str, keyword: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find('(') {
        out.push_str(&rest[..open]);
        match rest[open..].find(')') {
            Some(close) => {
                let group = &rest[open..open + close + 1];
                if group.contains(keyword) {
                    out.push_str(group);
                }
                rest = &rest[open + close + 1..];
            }
            None => {
                rest = &rest[open..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The first whole number after the first `keyword` (a word of its own) on `line`.
fn value_after(line: &str, keyword: &str) -> Option<u32> {
    let line = without_remarks(line, keyword);
    let mut search = 0;
    let at = loop {
        let i = line[search..].find(keyword)? + search;
        let before_ok = line[..i].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let end = i + keyword.len();
        let after_ok = line[end..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        if before_ok && after_ok {
            break end;
        }
        search = end;
    };
    let tail = &line[at..];
    let start = tail.find(|c: char| c.is_ascii_digit())?;
    // Stop at the other keyword: "before is unknown, after is 3" claims nothing before.
    let other = if keyword == "before" { "after" } else { "before" };
    // A range ("between 2 and 4") is no single value either.
    if tail[..start].contains(other) || tail[..start].contains("between") {
        return None;
    }
    let digits: String = tail[start..].chars().take_while(|c| c.is_ascii_digit()).collect();
    // A number followed by a decimal point or a letter is no ObjectiveValue ("3.5", "2x").
    let next = tail[start + digits.len()..].chars().next();
    if next.is_some_and(|c| {
        c.is_alphanumeric() || c == '.' && tail[start + digits.len() + 1..].starts_with(|d: char| d.is_ascii_digit())
    }) {
        return None;
    }
    digits.parse().ok()
}

/// Strip list markers and emphasis at the start of a line.
fn bare(line: &str) -> &str {
    line.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '-' | '*' | '#' | '>' | '_' | '|'))
}

/// The ObjectiveValues `summary` quotes.
pub fn extract(summary: &str) -> Claims {
    let text = if summary.len() > MAX_SUMMARY_BYTES {
        let mut end = MAX_SUMMARY_BYTES;
        while !summary.is_char_boundary(end) {
            end -= 1;
        }
        &summary[..end]
    } else {
        summary
    };
    let mut claims = Claims::default();
    let mut since_objective: Option<usize> = None;
    for raw in text.lines() {
        let line = raw.to_lowercase();
        let named = names_objective(&line);
        let near = since_objective.is_some_and(|n| n < CONTEXT_LINES);
        let b = bare(&line);
        for (slot, keyword) in [(&mut claims.before, "before"), (&mut claims.after, "after")] {
            if slot.is_some() {
                continue;
            }
            if named || (near && b.starts_with(keyword)) {
                *slot = value_after(&line, keyword);
            }
        }
        since_objective = if named { Some(0) } else { since_objective.map(|n| n + 1) };
        if claims.before.is_some() && claims.after.is_some() {
            break;
        }
    }
    claims
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rendered_summary_is_read() {
        let text = "Result:\n- ObjectiveValue before (without the planned nodes): 4\n\
                    - ObjectiveValue after (with all 6 planned nodes): 3\n- reduction 1; verdict: diminishing\n";
        assert_eq!(extract(text), Claims { before: Some(4), after: Some(3) });
    }

    #[test]
    fn the_wikis_wordings_are_read() {
        assert_eq!(
            extract("The ObjectiveValue before is 12 and after is 8."),
            Claims { before: Some(12), after: Some(8) }
        );
        assert_eq!(extract("**ObjectiveValue before: 4, after: 4**"), Claims { before: Some(4), after: Some(4) });
        assert_eq!(
            extract("## ObjectiveValue\n\n* Before: 7\n* After: 5\n"),
            Claims { before: Some(7), after: Some(5) }
        );
        assert_eq!(
            extract("Objective value (before): 2\nObjective value (after): 1"),
            Claims { before: Some(2), after: Some(1) }
        );
    }

    #[test]
    fn unrelated_numbers_are_no_claims() {
        // "before" far from any ObjectiveValue, a bare "after" with no context, decimals.
        let text = "Before the 3 nodes go live we test.\nAfter 2 weeks they join.\nObjectiveValue improves by 3.5x";
        assert_eq!(extract(text), Claims::default());
        assert_eq!(extract("ObjectiveValue before is unknown, after is 3"), Claims { before: None, after: Some(3) });
        assert_eq!(extract(""), Claims::default());
        assert_eq!(
            extract("- ObjectiveValue after (with all 6 planned nodes): between 2 and 4 (budget exceeded)"),
            Claims::default()
        );
        // Words that contain the keyword are not it.
        assert_eq!(extract("ObjectiveValue hereafter 5"), Claims::default());
    }
}

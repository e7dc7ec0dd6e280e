//! The guides replayed: every command a guide marks for replay is run as
//! written, and the output the guide shows beside it is checked, so a guide
//! cannot drift from the program.
//!
//! The convention, in any `docs/*.md` file and the README:
//!
//! ````markdown
//! <!-- replay -->            (or `<!-- replay: exit 3 -->` for another exit code)
//! ```sh
//! topology evaluate --config defaults/generated/config.json
//! ```
//! ```text
//! ObjectiveValue: 4  [..]
//! ...
//! ```
//! ````
//!
//! - The `sh` block runs with `bash -e` in a scratch folder where `defaults/`
//!   is the repository's, `topology` is the CLI this build made, and
//!   `cargo run --release --` means `topology`. Blocks of one file share one
//!   scratch folder, in order, so a guide may write a file and read it later.
//! - `topology fetch` asks a server on the loopback address that answers
//!   with the node list recorded from `defaults/nodes.csv` (the variable
//!   `TOPOLOGY_IC_API` points it there), so a guide shows it without the network.
//! - The `text` block that follows directly (blank lines between allowed), if
//!   any, is the expected output: stdout and stderr as one stream. Its lines
//!   appear in the output in that order and next to each other; a line `...`
//!   stands for any number of lines (at the start or end too: otherwise the
//!   output starts and ends where the block does), and `[..]` inside a line
//!   for any text. Trailing spaces are ignored.

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/cli.rs"]
mod cli;
use cli::TempDir;
#[path = "support/dashboard.rs"]
mod dashboard;

/// One command block marked for replay.
#[derive(Debug)]
struct Replay {
    /// 1-based line of the `sh` fence in its file.
    line: usize,
    script: String,
    exit: i32,
    expected: Option<Vec<String>>,
}

/// The blocks of `text` marked for replay, in order; a malformed marker is an
/// error naming its line.
fn replays(text: &str) -> Result<Vec<Replay>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    // A fenced block starting at `start` (its fence line): (info, body, next line).
    let fence = |start: usize| -> Result<(String, Vec<String>, usize), String> {
        let open = lines[start].trim_start();
        let ticks = open.chars().take_while(|&c| c == '`').count();
        let info = open[ticks..].trim().to_string();
        let close = "`".repeat(ticks);
        let mut body = Vec::new();
        for (j, l) in lines.iter().enumerate().skip(start + 1) {
            if l.trim() == close {
                return Ok((info, body, j + 1));
            }
            body.push(l.to_string());
        }
        Err(format!("line {}: the block is never closed", start + 1))
    };
    while i < lines.len() {
        let l = lines[i].trim();
        if let Some(rest) = l.strip_prefix("<!-- replay") {
            let rest = rest.strip_suffix("-->").ok_or(format!("line {}: `<!-- replay` without `-->`", i + 1))?.trim();
            let exit = match rest.strip_prefix(':').map(str::trim) {
                None if rest.is_empty() => 0,
                Some(r) => r
                    .strip_prefix("exit ")
                    .and_then(|n| n.trim().parse().ok())
                    .ok_or(format!("line {}: expected `<!-- replay: exit N -->`, found `{l}`", i + 1))?,
                None => return Err(format!("line {}: expected `<!-- replay -->`, found `{l}`", i + 1)),
            };
            let mut j = i + 1;
            while j < lines.len() && lines[j].trim().is_empty() {
                j += 1;
            }
            if j == lines.len() || !lines[j].trim_start().starts_with("```") {
                return Err(format!("line {}: a replay marker must be followed by a ```sh block", i + 1));
            }
            let (info, body, next) = fence(j)?;
            if info != "sh" {
                return Err(format!("line {}: a replayed block is ```sh, found ```{info}", j + 1));
            }
            let mut k = next;
            while k < lines.len() && lines[k].trim().is_empty() {
                k += 1;
            }
            let mut expected = None;
            i = next;
            if k < lines.len() && lines[k].trim_start().starts_with("```") {
                let (info, out, after) = fence(k)?;
                if info == "text" {
                    expected = Some(out);
                    i = after;
                }
            }
            out.push(Replay { line: j + 1, script: body.join("\n"), exit, expected });
        } else {
            i += 1;
        }
    }
    Ok(out)
}

/// Whether `line` matches the shown `pattern` (`[..]` is any text).
fn line_matches(pattern: &str, line: &str) -> bool {
    let pattern = pattern.trim_end();
    let line = line.trim_end();
    let parts: Vec<&str> = pattern.split("[..]").collect();
    if parts.len() == 1 {
        return pattern == line;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !line.starts_with(first) || line.len() < first.len() + last.len() || !line.ends_with(last) {
        return false;
    }
    let mut rest = &line[first.len()..line.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Where the shown output first differs from the actual one, if it does.
fn mismatch(expected: &[String], actual: &str) -> Option<String> {
    let actual: Vec<&str> = actual.lines().collect();
    // Runs of shown lines between `...` lines.
    let mut runs: Vec<Vec<&str>> = vec![Vec::new()];
    for l in expected {
        if l.trim() == "..." {
            runs.push(Vec::new());
        } else {
            runs.last_mut().unwrap().push(l);
        }
    }
    let open_start = runs.len() > 1;
    let anchored_end = expected.last().is_none_or(|l| l.trim() != "...");
    let mut at = 0;
    let n = runs.len();
    for (r, run) in runs.iter().enumerate() {
        let fits = |start: usize| {
            start + run.len() <= actual.len() && run.iter().enumerate().all(|(o, p)| line_matches(p, actual[start + o]))
        };
        let start = if r == 0 && !(open_start && run.is_empty()) {
            if !fits(0) {
                return Some(format!("the output does not start with:\n{}", run.join("\n")));
            }
            0
        } else if r == n - 1 && anchored_end {
            if run.len() > actual.len() || actual.len() - run.len() < at || !fits(actual.len() - run.len()) {
                return Some(format!("the output does not end with:\n{}", run.join("\n")));
            }
            actual.len() - run.len()
        } else {
            match (at..=actual.len()).find(|&s| fits(s)) {
                Some(s) => s,
                None => {
                    return Some(format!("these lines are not in the output (in order, together):\n{}", run.join("\n")))
                }
            }
        };
        if r == 0 && n == 1 && actual.len() != run.len() {
            return Some(format!("the output has {} line(s), the guide shows {}", actual.len(), run.len()));
        }
        at = start + run.len();
    }
    None
}

/// The guides: the README and every `docs/*.md`.
fn guides(root: &Path) -> Vec<PathBuf> {
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ is readable")
        .map(|e| e.expect("a docs/ entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// A folder holding `topology`, the CLI under test, for PATH.
fn bin_dir(scratch: &Path) -> PathBuf {
    let dir = scratch.join(".bin");
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("topology");
    if !link.exists() {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_topology"), &link).unwrap();
    }
    dir
}

#[test]
fn every_replayed_command_gives_the_output_its_guide_shows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut failures = Vec::new();
    let mut replayed = 0;
    let api = dashboard::serve(dashboard::recorded_answer(), dashboard::Answer::Whole);
    for guide in guides(root) {
        let name = guide.strip_prefix(root).unwrap().display().to_string();
        let text = std::fs::read_to_string(&guide).unwrap();
        let blocks = match replays(&text) {
            Ok(b) => b,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        if blocks.is_empty() {
            continue;
        }
        let scratch = TempDir::new("guide");
        std::os::unix::fs::symlink(root.join("defaults"), scratch.0.join("defaults")).unwrap();
        let path = format!("{}:{}", bin_dir(&scratch.0).display(), std::env::var("PATH").unwrap_or_default());
        for block in blocks {
            replayed += 1;
            let script = block.script.replace("cargo run --release --", "topology");
            let out = Command::new("bash")
                .arg("-ec")
                .arg(format!("exec 2>&1\n{script}"))
                .current_dir(&scratch.0)
                .env("PATH", &path)
                .env("TOPOLOGY_IC_API", &api)
                .output()
                .expect("bash runs");
            let code = out.status.code().unwrap_or(-1);
            let stdout = String::from_utf8_lossy(&out.stdout);
            let at = format!("{name}:{} `{}`", block.line, block.script.lines().next().unwrap_or(""));
            if code != block.exit {
                failures.push(format!("{at}: exit {code}, the guide says {}; output:\n{stdout}", block.exit));
            } else if let Some(why) = block.expected.as_ref().and_then(|e| mismatch(e, &stdout)) {
                failures.push(format!("{at}: {why}\n--- the whole output:\n{stdout}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {replayed} replayed block(s) differ from their guide:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    eprintln!("{replayed} replayed block(s) match their guides");
}

#[test]
fn markers_and_blocks_are_read_as_the_convention_says() {
    let text = "intro\n<!-- replay: exit 3 -->\n```sh\ntopology a\ntopology b\n```\n\n```text\nx\n...\n```\n<!-- replay -->\n```sh\ntopology c\n```\nprose\n```text\nnot expected\n```\n";
    let r = replays(text).unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!((r[0].line, r[0].exit, r[0].script.as_str()), (3, 3, "topology a\ntopology b"));
    assert_eq!(r[0].expected.as_deref(), Some(&["x".to_string(), "...".to_string()][..]));
    assert_eq!((r[1].exit, r[1].expected.is_none()), (0, true));
    assert!(replays("<!-- replay: exit three -->\n```sh\nx\n```\n").unwrap_err().contains("line 1"));
    assert!(replays("<!-- replay -->\n```text\nx\n```\n").unwrap_err().contains("```sh"));
    assert!(replays("<!-- replay -->\n```sh\nx\n").unwrap_err().contains("never closed"));
}

#[test]
fn shown_output_must_match_the_actual_output() {
    let e = |s: &str| s.lines().map(String::from).collect::<Vec<_>>();
    let actual = "a 1\nb 2\nc 3\nd 4";
    assert_eq!(mismatch(&e("a 1\nb 2\nc 3\nd 4"), actual), None);
    assert_eq!(mismatch(&e("a [..]\n...\nd 4"), actual), None);
    assert_eq!(mismatch(&e("...\nb 2\nc 3\n..."), actual), None);
    assert_eq!(mismatch(&e("a 1\n..."), actual), None);
    assert_eq!(mismatch(&e("...\nd [..]"), actual), None);
    assert_eq!(mismatch(&e("[..] 1\n...\n[..]"), actual), None);
    // Missing, reordered, split, extra or truncated lines all differ.
    assert!(mismatch(&e("a 1\nb 2\nc 3"), actual).is_some());
    assert!(mismatch(&e("a 1\nb 2\nc 3\nd 4\ne 5"), actual).is_some());
    assert!(mismatch(&e("...\nc 3\nb 2\n..."), actual).is_some());
    assert!(mismatch(&e("...\nb 2\nd 4"), actual).is_some());
    assert!(mismatch(&e("b 2\n..."), actual).is_some());
    assert!(mismatch(&e("...\nc 3"), actual).is_some());
    assert!(mismatch(&e("a 2\n..."), actual).is_some());
    assert!(!line_matches("a [..] z", "a z"));
    assert!(line_matches("a [..] z", "a  z"));
    assert!(line_matches("x [..] y [..] z", "x 1 y 2 z"));
    assert!(!line_matches("x [..] y [..] z", "x 1 2 z"));
}

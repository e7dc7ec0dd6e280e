//! The engine's modules form layers: no import runs back up. This test reads
//! the sources, finds every path a module names (`crate::a::b`, `super::a`,
//! a child module `a::`, in `use` lines and in code; comments and the
//! `#[cfg(test)]` module at a file's end and the unit-test files left out), turns them into edges
//! between source files, and fails on any circle among them, naming it.
//!
//! Two crates are checked: the library (`src/lib.rs` and the modules under
//! it) and the `topology` command (`src/main.rs` and `src/cli/`). The
//! library's root holds declarations and re-exports only; a path through a
//! re-export (`crate::InputError`) counts as the module it re-exports.
//!
//! Run it alone with `cargo test --release -p ic-topology --test module_graph`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One source file: its module path (`plan::solve`; the root is empty) and its text.
struct Source {
    module: String,
    text: String,
}

/// The module path of a file under `src/`: `a/b.rs` and `a/b/mod.rs` are `a::b`.
fn module_of(relative: &Path) -> String {
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" && stem != "main" {
        parts.push(stem.to_string());
    }
    parts.join("::")
}

/// The code of a file without comments, string contents and its trailing test module.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod ") {
        Some(at) => &text[..at],
        None => text,
    };
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let (mut in_string, mut in_line_comment, mut block_depth) = (false, false, 0u32);
    while let Some(c) = chars.next() {
        if in_line_comment {
            if c == '\n' {
                in_line_comment = false;
                out.push('\n');
            }
        } else if block_depth > 0 {
            if c == '*' && chars.peek() == Some(&'/') {
                chars.next();
                block_depth -= 1;
            } else if c == '/' && chars.peek() == Some(&'*') {
                chars.next();
                block_depth += 1;
            }
        } else if in_string {
            if c == '\\' {
                chars.next();
            } else if c == '"' {
                in_string = false;
                out.push('"');
            }
        } else if c == '/' && chars.peek() == Some(&'/') {
            in_line_comment = true;
        } else if c == '/' && chars.peek() == Some(&'*') {
            chars.next();
            block_depth = 1;
        } else if c == 'r' && (chars.peek() == Some(&'#') || chars.peek() == Some(&'"')) && !ends_ident(&out) {
            // A raw string, r"..." or r#"..."#: its contents may hold quotes.
            let mut hashes = 0;
            while chars.peek() == Some(&'#') {
                chars.next();
                hashes += 1;
            }
            if chars.peek() != Some(&'"') {
                out.push('r');
                out.extend(std::iter::repeat_n('#', hashes));
                continue;
            }
            chars.next();
            let close: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            let mut seen = String::new();
            for c in chars.by_ref() {
                seen.push(c);
                if seen.ends_with(&close) {
                    break;
                }
            }
            out.push_str("\"\"");
        } else if c == '"' {
            in_string = true;
            out.push('"');
        } else if c == '\'' {
            // A char literal ('"', '\'') or a lifetime: copy a literal whole.
            out.push(c);
            let rest: String = chars.clone().take(3).collect();
            if rest.starts_with('\\') {
                for _ in 0..3 {
                    out.push(chars.next().unwrap_or(' '));
                }
            } else if rest.chars().nth(1) == Some('\'') {
                out.push(chars.next().unwrap_or(' '));
                out.push(chars.next().unwrap_or(' '));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether the text ends in an identifier character (then an `r` is part of a name).
fn ends_ident(text: &str) -> bool {
    text.chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// Every path the code names, from its first segment: `crate::a::b`,
/// `super::c`, `d::e` (brace groups of `use` lines expanded).
fn paths_in(code: &str) -> Vec<Vec<String>> {
    let bytes = code.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        // The start of a path: an identifier not preceded by `::` or another identifier character.
        if ident(bytes[i]) && (i == 0 || !ident(bytes[i - 1])) && !(i >= 2 && &code[i - 2..i] == "::") {
            let prefixes = vec![Vec::new()];
            let end = read_path(code, i, &prefixes, &mut found);
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    found
}

/// Read the path starting at `at` under each of `prefixes`; push every full
/// path of two or more segments to `found`. Returns where the path ends.
fn read_path(code: &str, mut at: usize, prefixes: &[Vec<String>], found: &mut Vec<Vec<String>>) -> usize {
    let bytes = code.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut path: Vec<String> = Vec::new();
    loop {
        let start = at;
        while at < bytes.len() && ident(bytes[at]) {
            at += 1;
        }
        if at == start {
            break;
        }
        path.push(code[start..at].to_string());
        let mut next = at;
        while next < bytes.len() && bytes[next] == b' ' {
            next += 1;
        }
        if code[next..].starts_with("::") {
            at = next + 2;
            while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            if at < bytes.len() && bytes[at] == b'{' {
                // A group: each item continues this path.
                at += 1;
                loop {
                    while at < bytes.len() && (bytes[at].is_ascii_whitespace() || bytes[at] == b',') {
                        at += 1;
                    }
                    if at >= bytes.len() || bytes[at] == b'}' {
                        return at + 1;
                    }
                    let inner: Vec<Vec<String>> =
                        prefixes.iter().map(|p| p.iter().chain(&path).cloned().collect()).collect();
                    let end = read_path(code, at, &inner, found);
                    // Skip `as name`, `*` and anything else up to the next item.
                    at = end.max(at + 1);
                    while at < bytes.len() && bytes[at] != b',' && bytes[at] != b'}' {
                        at += 1;
                    }
                }
            }
            continue;
        }
        break;
    }
    for prefix in prefixes.iter() {
        let full: Vec<String> = prefix.iter().chain(&path).cloned().collect();
        if full.len() >= 2 {
            found.push(full);
        }
    }
    at
}

/// The sources of one crate: every `.rs` file under `src/` that `belongs` keeps.
fn sources(src: &Path, belongs: &dyn Fn(&Path) -> bool) -> Vec<Source> {
    let mut files = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(src).expect("under src").to_path_buf();
                if belongs(&relative) {
                    files.push(relative);
                }
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|relative: PathBuf| Source {
            module: module_of(&relative),
            text: std::fs::read_to_string(src.join(&relative)).expect("a readable source file"),
        })
        .collect()
}

/// The edges between modules: `from` names a path into `to` (`to` != `from`).
/// `aliases` maps a root item that re-exports a module's (`InputError`) to that module.
fn edges(sources: &[Source], aliases: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let modules: BTreeSet<&str> = sources.iter().map(|s| s.module.as_str()).collect();
    let segments = |m: &str| -> Vec<String> {
        if m.is_empty() {
            vec![]
        } else {
            m.split("::").map(str::to_string).collect()
        }
    };
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for source in sources {
        let here = segments(&source.module);
        // A directory module's file is the module itself; `super` of `a::b` is `a`.
        let targets = graph.entry(source.module.clone()).or_default();
        for path in paths_in(&code_of(&source.text)) {
            let absolute: Vec<String> = match path[0].as_str() {
                "crate" => path[1..].to_vec(),
                "self" => here.iter().chain(&path[1..]).cloned().collect(),
                "super" => {
                    let mut base = here.clone();
                    let mut rest = &path[..];
                    while rest.first().is_some_and(|s| s == "super") {
                        base.pop();
                        rest = &rest[1..];
                    }
                    base.into_iter().chain(rest.iter().cloned()).collect()
                }
                // A child module named without `self::`.
                first => {
                    let child: Vec<String> = here.iter().cloned().chain([first.to_string()]).collect();
                    if !modules.contains(child.join("::").as_str()) {
                        continue;
                    }
                    here.iter().chain(&path).cloned().collect()
                }
            };
            // The longest prefix that is a module of this crate.
            let mut target = None;
            for n in (1..=absolute.len()).rev() {
                let m = absolute[..n].join("::");
                if modules.contains(m.as_str()) {
                    target = Some(m);
                    break;
                }
            }
            let target = match target {
                Some(t) => t,
                None => match absolute.first().and_then(|item| aliases.get(item)) {
                    Some(m) => m.clone(),
                    None => continue,
                },
            };
            if target != source.module {
                targets.insert(target);
            }
        }
    }
    graph
}

/// The circles of the graph: its strongly connected components of more than one module.
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    let reach = |from: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(m) = stack.pop() {
            for next in graph.get(&m).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> = graph.keys().map(|m| (m, reach(m))).collect();
    let mut out: Vec<BTreeSet<String>> = Vec::new();
    for (m, r) in &reaches {
        if !r.contains(*m) || out.iter().any(|c| c.contains(*m)) {
            continue;
        }
        out.push(r.iter().filter(|o| reaches.get(o).is_some_and(|back| back.contains(*m))).cloned().collect());
    }
    out
}

/// A cycle of the graph, as the modules along it (the first repeated at the end), if any.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        marks.insert(m.to_string(), Mark::Open);
        stack.push(m.to_string());
        for next in graph.get(m).into_iter().flatten() {
            match marks.get(next.as_str()).copied().unwrap_or(Mark::New) {
                Mark::Open => {
                    let from = stack.iter().position(|s| s == next).expect("an open module is on the stack");
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Mark::New => {
                    if let Some(cycle) = visit(next, graph, marks, stack) {
                        return Some(cycle);
                    }
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        marks.insert(m.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for m in graph.keys() {
        if marks.get(m.as_str()).copied().unwrap_or(Mark::New) == Mark::New {
            if let Some(cycle) = visit(m, graph, &mut marks, &mut Vec::new()) {
                return Some(cycle);
            }
        }
    }
    None
}

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn is_command(relative: &Path) -> bool {
    relative == Path::new("main.rs") || relative.starts_with("cli")
}

/// Unit tests beside the code (`solve/tests.rs`) and their fixtures may import anything.
fn is_test(relative: &Path) -> bool {
    relative.file_name().is_some_and(|n| n == "tests.rs" || n == "test_fixtures.rs")
}

#[test]
fn the_library_has_no_import_cycle() {
    let sources = sources(&src(), &|p| !is_command(p) && !is_test(p));
    let root = sources.iter().find(|s| s.module.is_empty()).expect("src/lib.rs");
    let code = code_of(&root.text);
    // The root declares modules and re-exports; it defines nothing a module could import back.
    for word in ["fn ", "struct ", "enum ", "const ", "static ", "trait ", "impl "] {
        assert!(!code.contains(word), "src/lib.rs defines something (`{word}`): move it into a module");
    }
    // `pub use error::InputError;` makes `crate::InputError` a path into `error`.
    let aliases: BTreeMap<String, String> = code
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub use ")?.strip_suffix(';'))
        .filter_map(|path| {
            let (module, item) = path.rsplit_once("::")?;
            Some((item.to_string(), module.to_string()))
        })
        .collect();
    let graph = edges(&sources, &aliases);
    assert!(graph.len() > 40, "only {} modules found under src/", graph.len());
    // The edges this test exists for are seen (a parser that saw none would pass anything).
    assert!(graph["plan::solve"].contains("plan::model"), "{:?}", graph["plan::solve"]);
    assert!(graph["plan::verify_proposal"].contains("plan::payload"), "{:?}", graph["plan::verify_proposal"]);
    assert!(graph["plan"].contains("plan::solve"), "{:?}", graph["plan"]);
    assert!(graph["export"].contains("error"), "{:?}", graph["export"]);
    assert!(graph["plan::solve"].contains("lp"), "{:?}", graph["plan::solve"]);
    assert!(graph["plan::parts"].contains("plan::solve"), "{:?}", graph["plan::parts"]);
    let found = circles(&graph);
    if !found.is_empty() {
        let cycle = find_cycle(&graph).map(|c| c.join(" -> ")).unwrap_or_default();
        panic!("the library's modules import each other in circles {found:?} (one of them: {cycle})");
    }
}

#[test]
fn the_command_has_no_import_cycle() {
    let sources = sources(&src(), &|p| is_command(p) && !is_test(p));
    let graph = edges(&sources, &BTreeMap::new());
    assert!(graph[""].contains("cli::evaluate"), "main.rs dispatches to the commands: {:?}", graph[""]);
    assert!(graph["cli::placements"].contains("cli::evaluate"), "{:?}", graph["cli::placements"]);
    if let Some(cycle) = find_cycle(&graph) {
        panic!("the command's modules import each other in a circle: {}", cycle.join(" -> "));
    }
    // main.rs is the command tree and its dispatch: no command reaches back into it.
    for (module, targets) in &graph {
        assert!(!targets.contains(""), "{module} imports from main.rs");
    }
}

/// The checker finds the circles it is for: through `use` groups, `super`, a
/// child module named bare, and a path in code; comments and tests do not count.
#[test]
fn the_check_finds_a_cycle_and_ignores_comments_and_tests() {
    let source = |module: &str, text: &str| Source { module: module.into(), text: text.into() };
    let layered = [
        source("", "pub mod a;\npub mod b;\n"),
        source(
            "a",
            "pub mod c;\nuse c::Thing;\n// crate::b::X would be a cycle\nfn f() { let s = \"crate::b::Y\"; }\n",
        ),
        source("a::c", "use crate::b::{self, Other};\n"),
        source("b", "/// [`crate::a::f`]\npub struct Other;\n#[cfg(test)]\nmod tests {\n    use crate::a::c;\n}\n"),
    ];
    let graph = edges(&layered, &BTreeMap::new());
    assert_eq!(graph["a"], BTreeSet::from(["a::c".to_string()]));
    assert_eq!(graph["a::c"], BTreeSet::from(["b".to_string()]));
    assert!(graph["b"].is_empty(), "{:?}", graph["b"]);
    assert_eq!(find_cycle(&graph), None);

    let circle = [
        source("", "pub mod a;\npub mod b;\n"),
        source("a", "pub mod c;\nfn f() { c::g() }\n"),
        source("a::c", "use super::super::b::{x::{self}, Y};\n"),
        source("b", "fn h() { crate::a::f() }\n"),
    ];
    let graph = edges(&circle, &BTreeMap::new());
    assert_eq!(find_cycle(&graph), Some(vec!["a".into(), "a::c".into(), "b".into(), "a".into()]));
    assert_eq!(circles(&graph), vec![BTreeSet::from(["a".to_string(), "a::c".to_string(), "b".to_string()])]);
}

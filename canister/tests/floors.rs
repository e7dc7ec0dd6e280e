//! The canister's modules stand on floors, and no import runs up them:
//!
//! 0. `stores` (the stable memory and every stored or cached structure),
//!    `limits` (every request cap), `checks` (every argument check),
//!    `convert` (API conversions);
//! 1. `state` (one `State` owning every store; pure reads);
//! 2. the features (`evaluation`, `configuration`, `snapshot`, `publish`,
//!    `registry`, `governance`, `plan`, `placement`, `cost`, `guard`, `host`), which may use each other without a cycle;
//! 3. the dashboard (`http`: reads only);
//! 4. `lifecycle` (init and upgrade, the timers, the one write path);
//! 5. `lib.rs` (the method table: one line per endpoint), which nothing imports.
//!
//! This test reads every file of `canister/src`, takes the `crate::`,
//! `super::` and `self::` paths outside comments (grouped `use` lists
//! included), resolves each to the file that defines its module, and fails on
//! an import of a higher floor, on an import of `lib.rs`, and on any cycle
//! between files. It also holds the one write path to its word: only
//! `lifecycle.rs` (the write path) and `host.rs` (the system behind `Env`)
//! may set the certified data. Run it alone with
//! `cargo test -p topology-canister --test floors`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The floor of a top-level module (`None`: the crate root, `lib.rs`).
fn floor(top: &str) -> Option<usize> {
    Some(match top {
        "stores" | "limits" | "checks" | "convert" => 0,
        "state" => 1,
        "evaluation" | "configuration" | "snapshot" | "publish" | "registry" | "governance" | "plan" | "placement"
        | "cost" | "guard" | "host" => 2,
        "http" => 3,
        "lifecycle" => 4,
        _ => return None,
    })
}

const FLOOR_NAMES: [&str; 6] = ["stores", "state", "features", "dashboard", "lifecycle", "lib.rs"];

/// The floor of a module (`None`: a module this test gives no floor).
fn floor_of(module: &[String]) -> Option<usize> {
    match module.first() {
        None => Some(5),
        Some(top) => floor(top),
    }
}

/// Every `.rs` file under `dir`, with its module path (`a/b.rs` and `a/b/mod.rs` are `[a, b]`).
fn modules(root: &Path, dir: &Path, out: &mut BTreeMap<Vec<String>, PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            modules(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).unwrap().with_extension("");
            let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
                parts.pop();
            }
            out.insert(parts, path);
        }
    }
}

/// The code of a file without its comments (line, doc and block comments) and string literals.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' && b.get(i + 2) == Some(&b'\'') {
            // A character literal such as '{' (lifetimes have no closing quote there).
            i += 3;
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The paths that follow `start` (which ends in `::`) in `code`: `crate::a::b`, or
/// every path of a group `crate::{a::b, c::{d, e}}`, each as its segments.
fn paths_at(code: &str, start: usize) -> Vec<Vec<String>> {
    let rest = &code[start..];
    if let Some(group) = rest.strip_prefix('{') {
        let mut depth = 1;
        let mut end = 0;
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = i;
                break;
            }
        }
        let inner = &group[..end];
        let mut items = Vec::new();
        let (mut depth, mut from) = (0, 0);
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(&inner[from..i]);
                    from = i + 1;
                }
                _ => {}
            }
        }
        items.push(&inner[from..]);
        let mut out = Vec::new();
        for item in items {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let joined = format!("{item} ");
            let mut head = Vec::new();
            let mut pos = 0;
            loop {
                let ident: String = joined[pos..].chars().take_while(|&c| is_ident(c)).collect();
                if ident.is_empty() {
                    break;
                }
                pos += ident.len();
                if ident != "self" {
                    head.push(ident);
                }
                if joined[pos..].starts_with("::") {
                    pos += 2;
                    if joined[pos..].starts_with('{') {
                        for tail in paths_at(&joined, pos) {
                            out.push(head.iter().cloned().chain(tail).collect());
                        }
                        head.clear();
                        break;
                    }
                } else {
                    break;
                }
            }
            if !head.is_empty() {
                out.push(head);
            }
        }
        out
    } else {
        let mut segments = Vec::new();
        let mut pos = 0;
        loop {
            let ident: String = rest[pos..].chars().take_while(|&c| is_ident(c)).collect();
            if ident.is_empty() {
                break;
            }
            pos += ident.len();
            segments.push(ident);
            if rest[pos..].starts_with("::") && rest[pos + 2..].starts_with(is_ident) {
                pos += 2;
            } else if rest[pos..].starts_with("::{") {
                return paths_at(rest, pos + 2)
                    .into_iter()
                    .map(|tail| segments.iter().cloned().chain(tail).collect())
                    .collect();
            } else {
                break;
            }
        }
        vec![segments]
    }
}

/// `code` without its `macro_rules!` definitions: the paths in a macro's body
/// are resolved where it is invoked, so they are the invoking module's
/// imports (the method table's expansion in `lib.rs`), not the defining one's.
fn without_macro_rules(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("macro_rules!") {
        out.push_str(&rest[..at]);
        let body = &rest[at..];
        let Some(open) = body.find('{') else { break };
        let mut depth = 0;
        let mut end = body.len();
        for (i, c) in body[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = open + i + 1;
                break;
            }
        }
        rest = &body[end..];
    }
    out.push_str(rest);
    out
}

/// The inline modules (`mod name { ... }`) of `code`: each one's name and the byte range of its block.
fn inline_modules(code: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = code[from..].find("mod ") {
        let at = from + i;
        from = at + 4;
        if at > 0 && is_ident(code[..at].chars().last().unwrap()) {
            continue;
        }
        let name: String = code[from..].chars().take_while(|&c| is_ident(c)).collect();
        let after = code[from + name.len()..].trim_start();
        if name.is_empty() || !after.starts_with('{') {
            continue;
        }
        let open = code.len() - after.len();
        let mut depth = 0;
        for (j, c) in code[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                out.push((name.clone(), open..open + j));
                break;
            }
        }
    }
    out
}

/// Every module path `file` (module `me`) names, resolved from `crate::`,
/// `super::` and `self::` (relative ones from the inline module they are in).
fn imports(me: &[String], code: &str) -> Vec<Vec<String>> {
    let inline = inline_modules(code);
    let mut out = Vec::new();
    for prefix in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(prefix) {
            let at = from + i;
            from = at + prefix.len();
            // A whole word: not `foo_crate::`, not `super::super::` counted twice.
            if at > 0 && (is_ident(code[..at].chars().last().unwrap()) || code[..at].ends_with("::")) {
                continue;
            }
            // The module this occurrence is in: the file's, then its inline modules.
            let mut here = me.to_vec();
            here.extend(inline.iter().filter(|(_, r)| r.contains(&at)).map(|(n, _)| n.clone()));
            let base = match prefix {
                "crate::" => vec![],
                "self::" => here.clone(),
                _ => here[..here.len().saturating_sub(1)].to_vec(),
            };
            for path in paths_at(code, from) {
                let mut path = path;
                let mut base = base.clone();
                while path.first().is_some_and(|s| s == "super") {
                    path.remove(0);
                    base.pop();
                }
                out.push(base.into_iter().chain(path).collect());
            }
        }
    }
    out
}

/// The longest module of `known` that `path` starts with (the root when none).
fn resolve(path: &[String], known: &BTreeMap<Vec<String>, PathBuf>) -> Vec<String> {
    (0..=path.len()).rev().map(|n| path[..n].to_vec()).find(|m| known.contains_key(m)).unwrap_or_default()
}

/// The module graph of `canister/src`: each module and the modules it imports (itself excluded).
fn graph() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut known = BTreeMap::new();
    modules(&src, &src, &mut known);
    let mut graph = BTreeMap::new();
    for (module, path) in &known {
        let text = std::fs::read_to_string(path).unwrap();
        let code = without_macro_rules(&code_only(&text));
        let mut edges = BTreeSet::new();
        for import in imports(module, &code) {
            let target = resolve(&import, &known);
            if target != *module {
                edges.insert(target);
            }
        }
        graph.insert(module.clone(), edges);
    }
    graph
}

fn name(module: &[String]) -> String {
    if module.is_empty() {
        "lib.rs".into()
    } else {
        module.join("::")
    }
}

/// A cycle of `graph`, if there is one (depth-first search).
fn cycle(graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Option<Vec<Vec<String>>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &Vec<String>,
        graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        marks: &mut BTreeMap<Vec<String>, Mark>,
        stack: &mut Vec<Vec<String>>,
    ) -> Option<Vec<Vec<String>>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let from = stack.iter().position(|n| n == node).unwrap();
                let mut c = stack[from..].to_vec();
                c.push(node.clone());
                return Some(c);
            }
            None => {}
        }
        marks.insert(node.clone(), Mark::Open);
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, marks, stack) {
                return Some(c);
            }
        }
        stack.pop();
        marks.insert(node.clone(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in graph.keys() {
        if let Some(c) = visit(node, graph, &mut marks, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

#[test]
fn no_import_runs_up_the_floors() {
    let mut wrong = Vec::new();
    for (module, edges) in graph() {
        let Some(own) = floor_of(&module) else {
            wrong.push(format!("{} stands on no floor (give it one in canister/tests/floors.rs)", name(&module)));
            continue;
        };
        for target in edges {
            let Some(theirs) = floor_of(&target) else { continue };
            if target.is_empty() {
                wrong.push(format!("{} imports lib.rs (nothing may)", name(&module)));
            } else if theirs > own {
                wrong.push(format!(
                    "{} ({}) imports {} ({}), a higher floor",
                    name(&module),
                    FLOOR_NAMES[own],
                    name(&target),
                    FLOOR_NAMES[theirs]
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "imports that run up the floors:\n{}", wrong.join("\n"));
}

#[test]
fn the_module_graph_has_no_cycle() {
    if let Some(c) = cycle(&graph()) {
        panic!("a cycle of imports: {}", c.iter().map(|m| name(m)).collect::<Vec<_>>().join(" -> "));
    }
}

/// The files allowed to set the certified data: the write path, and the
/// system's implementation of `Env::set_certified_data`.
const CERTIFIERS: [&str; 2] = ["lifecycle.rs", "host.rs"];

/// Where `code` sets the certified data: a call of `ic_cdk`'s
/// `certified_data_set` or of `Env::set_certified_data` (its declaration,
/// `fn set_certified_data`, is none).
fn certifies(code: &str) -> bool {
    code.contains("certified_data_set")
        || code.match_indices("set_certified_data").any(|(at, _)| !code[..at].trim_end().ends_with("fn"))
}

#[test]
fn only_the_write_path_certifies() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut known = BTreeMap::new();
    modules(&src, &src, &mut known);
    let rel = |p: &PathBuf| p.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
    let wrong: Vec<String> = known
        .values()
        .filter(|p| certifies(&code_only(&std::fs::read_to_string(p).unwrap())))
        .map(rel)
        .filter(|p| !CERTIFIERS.contains(&p.as_str()))
        .collect();
    assert!(wrong.is_empty(), "set the certified data outside the write path (lifecycle.rs): {wrong:?}");
    // The check sees a call and lets a declaration be.
    assert!(certifies("env.set_certified_data(&root);") && certifies("ic_cdk::api::certified_data_set(d)"));
    assert!(!certifies("fn set_certified_data(&self, _data: &[u8]) {}"));
}

/// The parser itself: grouped, nested and relative paths resolve to modules.
#[test]
fn paths_are_read_as_rust_reads_them() {
    let code = code_only(
        "use crate::{a::{b, c::D}, e};\n// crate::commented\nlet x = crate::f::g(\"crate::in_a_string\");\nuse super::h;\nmod tests { use super::*; }",
    );
    let got = imports(&["m".into(), "n".into()], &code);
    let want: Vec<Vec<String>> = [&["a", "b"][..], &["a", "c", "D"], &["e"], &["f", "g"], &["m", "h"], &["m", "n"]]
        .iter()
        .map(|p| p.iter().map(|s| s.to_string()).collect())
        .collect();
    assert_eq!(got, want);
    let mut graph = BTreeMap::new();
    graph.insert(vec!["a".to_string()], BTreeSet::from([vec!["b".to_string()]]));
    graph.insert(vec!["b".to_string()], BTreeSet::from([vec!["a".to_string()]]));
    assert!(cycle(&graph).is_some());
    graph.insert(vec!["b".to_string()], BTreeSet::new());
    assert!(cycle(&graph).is_none());
    // A macro's body names what its invoker imports.
    let code = without_macro_rules("macro_rules! m { ($x:ident) => { mod $x { use super::*; } }; }\nuse crate::a;");
    assert_eq!(imports(&["m".into()], &code), vec![vec!["a".to_string()]]);
}

//! The layers point one way: no module cycle in `src/` (between top-level modules, and between
//! sibling modules inside each), the top-level modules in the order `docs/architecture.md`
//! draws them, and no source file over 500 lines.
//!
//! Dependencies are read from the source as paths (`crate::a::b`, `super::b`, `verbatim::a`
//! in the binary); a method called on a type from another module without naming the module is
//! not seen, which is why the layers also keep types with the module that uses them.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level modules from the bottom layer up: each may use only those before it.
const LAYERS: &[&str] = &[
    "model", "securefs", "onnx", "crypto", "store", "audio", "guide", "analysis", "diarize", "asr", "keymap",
    "project", "pipeline", "session", "report", "export", "tui", "cli",
];

/// The longest a source file may grow.
const MAX_LINES: usize = 500;

fn rs_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rs_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The module a file under `src/` is: `session/opened.rs` is `["session", "opened"]`; the
/// binary (`main.rs`, `cli/`) is `cli`.
fn module_of(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let file = parts.pop().unwrap();
    match file.as_str() {
        "lib.rs" => {}
        "main.rs" => parts.push("cli".into()),
        "mod.rs" => {}
        other => parts.push(other.trim_end_matches(".rs").into()),
    }
    parts
}

/// Every module path the code of `text` names, resolved from `here`; test modules (which may
/// reach anywhere in the crate to check a result) are left out.
fn references(text: &str, here: &[String], is_binary: bool) -> Vec<Vec<String>> {
    if here.last().is_some_and(|m| m == "tests") {
        return Vec::new();
    }
    let code: String = text
        .lines()
        .take_while(|line| line.trim() != "#[cfg(test)]")
        .filter(|line| !line.trim_start().starts_with("//"))
        .map(|line| format!("{line}\n"))
        .collect();
    let mut found = Vec::new();
    let roots: &[&str] = if is_binary { &["verbatim::", "crate::", "super::"] } else { &["crate::", "super::"] };
    for root in roots {
        let mut rest = code.as_str();
        while let Some(at) = rest.find(root) {
            let before = rest[..at].chars().last();
            rest = &rest[at..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                rest = &rest[root.len()..];
                continue;
            }
            let (mut base, mut tail) = match *root {
                "super::" => {
                    let mut base = here.to_vec();
                    let mut tail = rest;
                    while let Some(after) = tail.strip_prefix("super::") {
                        base.pop();
                        tail = after;
                    }
                    (base, tail)
                }
                "crate::" if is_binary => (vec!["cli".to_string()], &rest[root.len()..]),
                _ => (Vec::new(), &rest[root.len()..]),
            };
            // The named path, and the first names of a `{…}` group after it.
            loop {
                let name: String = tail.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if name.is_empty() {
                    if let Some(group) = tail.strip_prefix('{') {
                        for item in group.split('}').next().unwrap_or("").split(',') {
                            let first: String =
                                item.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                            if !first.is_empty() {
                                let mut path = base.clone();
                                path.push(first);
                                found.push(path);
                            }
                        }
                    }
                    break;
                }
                base.push(name.clone());
                tail = &tail[name.len()..];
                match tail.strip_prefix("::") {
                    Some(after) => tail = after,
                    None => break,
                }
            }
            found.push(base);
            rest = &rest[root.len()..];
        }
    }
    found
}

/// A cycle in `graph`, if there is one.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|n| n == next).unwrap();
                    let mut found = stack[from..].to_vec();
                    found.push(next.clone());
                    return Some(found);
                }
                0 => {
                    if let Some(found) = visit(next, graph, state, stack) {
                        return Some(found);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if state.get(node).copied().unwrap_or(0) == 0
            && let Some(found) = visit(node, graph, &mut state, &mut Vec::new())
        {
            return Some(found);
        }
    }
    None
}

#[test]
fn layers_point_one_way_with_no_module_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files: Vec<(Vec<String>, String)> = rs_files(&src)
        .into_iter()
        .map(|path| (module_of(path.strip_prefix(&src).unwrap()), std::fs::read_to_string(&path).unwrap()))
        .collect();
    // Module folders, so a path's second name is known to be a submodule (not a type).
    let submodules: BTreeSet<Vec<String>> = files.iter().map(|(m, _)| m.clone()).collect();
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut siblings: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, text) in &files {
        let Some(own) = module.first() else { continue };
        for path in references(text, module, own == "cli") {
            let Some(other) = path.first() else { continue };
            if other != own {
                top.entry(own.clone()).or_default().insert(other.clone());
            } else if module.len() >= 2 && path.len() >= 2 && path[1] != module[1] && submodules.contains(&path[..2]) {
                let key = |m: &[String]| format!("{}::{}", m[0], m[1]);
                siblings.entry(key(module)).or_default().insert(key(&path));
            }
        }
    }
    top.values_mut().for_each(|used| used.retain(|m| LAYERS.contains(&m.as_str())));
    assert_eq!(cycle(&top), None, "a cycle between top-level modules");
    assert_eq!(cycle(&siblings), None, "a cycle between sibling modules");
    let rank = |m: &str| LAYERS.iter().position(|l| *l == m).unwrap_or_else(|| panic!("{m} is not in LAYERS"));
    for (module, used) in &top {
        for other in used {
            assert!(rank(other) < rank(module), "{module} uses {other}, a layer above it (see docs/architecture.md)");
        }
    }
    // The old cycles stay broken.
    for (from, to) in [("analysis", "session"), ("audio", "analysis"), ("store", "session")] {
        assert!(!top.get(from).is_some_and(|u| u.contains(to)), "{from} uses {to}");
    }
    for (from, to) in [
        ("project::forget", "project::supervisor"),
        ("project::supervisor", "project::forget"),
        ("project::shred", "project::forget"),
    ] {
        assert!(!siblings.get(from).is_some_and(|u| u.contains(to)), "{from} uses {to}");
    }
}

#[test]
fn the_reader_sees_paths_as_the_compiler_does() {
    let here = vec!["project".to_string(), "forget".to_string()];
    let text = "use super::{Keyring, rotation};\nuse crate::model::{ParticipantCode, SessionId};\n// crate::tui is a comment\nlet x = super::super::session::Opened;\n#[cfg(test)]\nmod tests { use crate::cli; }";
    let found = references(text, &here, false);
    let has = |p: &[&str]| found.iter().any(|f| f.iter().map(String::as_str).eq(p.iter().copied()));
    assert!(has(&["project", "rotation"]) && has(&["project", "Keyring"]), "{found:?}");
    assert!(has(&["model", "ParticipantCode"]) && has(&["session", "Opened"]), "{found:?}");
    assert!(!found.iter().any(|f| f.first().is_some_and(|m| m == "tui")), "comments are not code: {found:?}");
    assert!(!found.iter().any(|f| f.first().is_some_and(|m| m == "cli")), "test modules are left out: {found:?}");
    let graph = BTreeMap::from([
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["a".to_string()])),
    ]);
    assert_eq!(cycle(&graph).map(|c| c.len()), Some(3));
}

#[test]
fn no_source_file_grows_past_500_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut long = Vec::new();
    for dir in ["src", "tests", "benches", "fuzz/src", "fuzz/fuzz_targets"] {
        for path in rs_files(&root.join(dir)) {
            let lines = std::fs::read_to_string(&path).unwrap().lines().count();
            if lines > MAX_LINES {
                long.push(format!("{} ({lines} lines)", path.strip_prefix(root).unwrap().display()));
            }
        }
    }
    assert!(long.is_empty(), "split these files: {long:?}");
}

//! The rooms of ARCHITECTURE.md and what each may import, checked over the `crate::`
//! paths of `src/`: a new edge that breaks the table, or any module cycle, fails here
//! instead of in a review.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each top-level module and the modules it may name (ARCHITECTURE.md, "Rooms").
const ALLOWED: &[(&str, &[&str])] = &[
    ("error", &[]),
    ("atomic_file", &[]),
    ("model", &[]),
    ("http", &["error"]),
    ("paginate", &["error"]),
    ("output", &["error", "model"]),
    ("config", &["error", "http"]),
    ("source", &["error", "model"]),
    (
        "providers",
        &[
            "config", "error", "http", "model", "paginate", "source", "output",
        ],
    ),
    (
        "sync",
        &[
            "atomic_file",
            "config",
            "error",
            // The PostgreSQL state's TLS trusts `sslrootcert` as a provider's `ca_file`.
            "http",
            "model",
            "source",
            "output",
        ],
    ),
    (
        "sinks",
        &[
            "config", "error", "http", "model", "source", "sync", "output",
        ],
    ),
    (
        "cli",
        &[
            "atomic_file",
            "config",
            "error",
            "http",
            "model",
            "output",
            "providers",
            "sinks",
            "source",
            "sync",
        ],
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Top-level module → the other top-level modules its code names as `crate::x`.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_owned();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let edges = graph.entry(module.clone()).or_default();
        for line in text.lines() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for (at, _) in line.match_indices("crate::") {
                let name: String = line[at + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                // `crate::Error` and `crate::Result` are the error room's re-exports.
                let name = match name.as_str() {
                    "Error" | "Result" => "error".to_owned(),
                    _ => name,
                };
                if name != module && !name.is_empty() {
                    edges.insert(name);
                }
            }
        }
    }
    graph
}

#[test]
fn every_module_imports_only_what_its_room_allows() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    for (module, uses) in imports() {
        let Some(ok) = allowed.get(module.as_str()) else {
            panic!("src/{module} is not in ARCHITECTURE.md's table (tests/it/architecture.rs)");
        };
        for used in uses {
            assert!(
                ok.contains(&used.as_str()),
                "src/{module} imports crate::{used}, which its room may not"
            );
        }
    }
}

#[test]
fn no_module_cycle() {
    let graph = imports();
    // Depth-first search with colours: reaching a grey node again is a cycle.
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, u8>,
        path: &mut Vec<&'a str>,
    ) {
        match state.get(node) {
            Some(1) => panic!("module cycle: {} -> {node}", path.join(" -> ")),
            Some(2) => return,
            _ => {}
        }
        state.insert(node, 1);
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, state, path);
        }
        path.pop();
        state.insert(node, 2);
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        visit(node, &graph, &mut state, &mut Vec::new());
    }
}

#[test]
fn the_simulator_does_not_depend_on_tix() {
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/tix-sim/Cargo.toml"),
    )
    .unwrap();
    let deps = manifest.split("[dependencies]").nth(1).unwrap();
    assert!(
        !deps
            .lines()
            .any(|l| l.trim_start().starts_with("tix ") || l.trim_start().starts_with("tix=")),
        "crates/tix-sim must not depend on tix"
    );
}

#[test]
fn architecture_md_names_files_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let mut checked = 0;
    for (i, chunk) in text.split('`').enumerate() {
        // Odd chunks are inside backticks; a placeholder such as `<name>` is a step, not a file.
        let is_path = ["src/", "tests/", "crates/", "fixtures/"]
            .iter()
            .any(|p| chunk.starts_with(p));
        if i % 2 == 1 && is_path && !chunk.contains('<') && !chunk.contains(' ') {
            assert!(
                root.join(chunk).exists(),
                "ARCHITECTURE.md names {chunk}, which does not exist"
            );
            checked += 1;
        }
    }
    assert!(
        checked > 10,
        "only {checked} paths found in ARCHITECTURE.md"
    );
}

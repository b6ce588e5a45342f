//! House rules checked on the source tree: every source file opens with a `//!` doc saying
//! what it is for, and the rules crate keeps out I/O, serde and the clock.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_source_file_opens_with_a_module_doc() {
    let mut files = Vec::new();
    for krate in ["domain", "api", "store", "server", "demo", "cli"] {
        rust_files(
            &workspace().join("crates").join(krate).join("src"),
            &mut files,
        );
    }
    assert!(files.len() > 20);
    let missing: Vec<_> = files
        .iter()
        .filter(|f| {
            !std::fs::read_to_string(f)
                .unwrap()
                .trim_start()
                .starts_with("//!")
        })
        .collect();
    assert!(missing.is_empty(), "files without a `//!` doc: {missing:?}");
}

/// A file over this many lines holds more than one thing; split it by what it is for.
const MAX_LINES: usize = 1000;

#[test]
fn no_source_file_is_over_a_thousand_lines() {
    let mut files = Vec::new();
    for krate in ["domain", "api", "store", "server", "demo", "cli"] {
        rust_files(
            &workspace().join("crates").join(krate).join("src"),
            &mut files,
        );
    }
    let long: Vec<_> = files
        .iter()
        .map(|f| (f, std::fs::read_to_string(f).unwrap().lines().count()))
        .filter(|(_, n)| *n > MAX_LINES)
        .collect();
    assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:?}");
}

#[test]
fn the_rules_crate_has_no_io_serde_or_clock() {
    let manifest = std::fs::read_to_string(workspace().join("crates/domain/Cargo.toml")).unwrap();
    for forbidden in ["serde", "sqlx", "tokio", "axum", "reqwest", "clock", "rand"] {
        assert!(
            !manifest.contains(forbidden),
            "crates/domain must not depend on {forbidden}"
        );
    }
    let api = std::fs::read_to_string(workspace().join("crates/api/Cargo.toml")).unwrap();
    for forbidden in ["civicgrid-domain", "sqlx", "axum"] {
        assert!(
            !api.contains(forbidden),
            "crates/api must not depend on {forbidden}"
        );
    }
    // The server library holds no SQL, and no command line, demo or benchmark: those live
    // in `civicgrid-cli` and `civicgrid-demo`, which depend on it.
    let server = std::fs::read_to_string(workspace().join("crates/server/Cargo.toml")).unwrap();
    let server_deps = server
        .split("[dev-dependencies]")
        .next()
        .unwrap_or_default();
    for forbidden in [
        "sqlx",
        "clap",
        "indicatif",
        "civicgrid-demo",
        "civicgrid-cli",
    ] {
        assert!(
            !server_deps.contains(forbidden),
            "crates/server must not depend on {forbidden}"
        );
    }
    let store = std::fs::read_to_string(workspace().join("crates/store/Cargo.toml")).unwrap();
    for forbidden in ["axum", "civicgrid-api", "reqwest"] {
        assert!(
            !store.contains(forbidden),
            "crates/store must not depend on {forbidden}"
        );
    }
}

#[test]
fn operations_documents_every_setting() {
    let doc = std::fs::read_to_string(workspace().join("docs/OPERATIONS.md")).unwrap();
    for setting in civicgrid::config::SETTINGS {
        for name in [setting.key, setting.env] {
            assert!(
                doc.contains(&format!("`{name}`")),
                "docs/OPERATIONS.md does not document `{name}`"
            );
        }
    }
}

//! The readers Zhucun wrote itself for what calamine does not give — `.xls` formulas
//! ([`crate::xls_formula`]), the look of `.xlsx`, `.xls` and `.ods` templates and `.ods` merged
//! ranges — run over every spreadsheet of the corpus other programs made (see
//! `tests/corpus/fetch.py`, which `make test` runs first): each ends in a value or an error,
//! never a panic. Template import over the same corpus is `tests/core/corpus.rs`.

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// The corpus `tests/corpus/fetch.py` fills, where this machine has one.
fn corpus() -> Vec<PathBuf> {
    let root = std::env::var_os("ZHUCUN_CORPUS_DIR").map_or_else(
        || {
            dirs::home_dir()
                .unwrap_or_default()
                .join(".cache/zhucun/corpus")
        },
        PathBuf::from,
    );
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    files
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if extension(&path)
            .is_some_and(|e| ["xlsx", "xlsm", "xls", "ods"].contains(&e.as_str()))
        {
            out.push(path);
        }
    }
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
}

#[test]
fn the_look_and_formula_readers_never_panic_on_the_corpus() {
    let files = corpus();
    if std::env::var_os("ZHUCUN_CORPUS_REQUIRED").is_some() {
        assert!(
            files.len() >= 80,
            "only {} corpus files: run tests/corpus/fetch.py",
            files.len()
        );
    }
    let mut panics = Vec::new();
    let mut read = 0usize;
    for path in &files {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| match extension(path).as_deref() {
            Some("xls") => {
                let formulas = crate::xls_formula::read(&bytes).is_ok();
                let look = super::look_xls::read(&bytes).is_ok();
                usize::from(formulas) + usize::from(look)
            }
            Some("ods") => {
                let merges = super::look_ods::merges(&bytes).is_ok();
                let look = super::look_ods::read(&bytes).is_ok();
                usize::from(merges) + usize::from(look)
            }
            _ => usize::from(super::look::read(&bytes).is_ok()),
        }));
        match outcome {
            Ok(n) => read += n,
            Err(_) => panics.push(path.display().to_string()),
        }
    }
    println!(
        "{} corpus files, {read} readings that succeeded",
        files.len()
    );
    assert!(panics.is_empty(), "panicked on:\n{}", panics.join("\n"));
}

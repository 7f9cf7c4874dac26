//! No input makes template import panic: every spreadsheet of a large corpus — files made by
//! Excel (97 to 365, Chinese and Japanese editions, Excel 95), LibreOffice, WPS, Google Sheets
//! and openpyxl, the shared samples — is imported into a fresh database, and each must end in
//! `Ok` or `Err`, never a panic or a hang.
//!
//! The corpus is looked for in `ZHUCUN_CORPUS` (a list of folders), in the cargo registry's
//! source cache (`calamine-*/tests`, `rust_xlsxwriter-*/tests`, for crate versions that ship
//! their tests — the current ones do not), in `~/.cache/zhucun/corpus`, and in the project's own
//! samples and assets. `~/.cache/zhucun/corpus` is what `tests/corpus/fetch.py` takes from the
//! registries every machine reaches (test files shipped in crates, example files in Debian
//! packages); `make test` runs it first and sets `ZHUCUN_CORPUS_REQUIRED`, so the corpus cannot
//! go missing unnoticed. The test also makes its own hostile corpus from the samples: every one
//! truncated at many points and with bytes flipped at many places, which reaches the readers'
//! error paths on any machine.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use zhucun_core::template;

use crate::common::TestResult;

/// Fewer files than this means the corpus is missing, not that import is sound.
const MIN_FILES: usize = 100;

/// The longest one import of a small file may take before it counts as a hang.
const TIMEOUT: Duration = Duration::from_secs(20);

/// What each MiB of a file adds to [`TIMEOUT`]: a large workbook is read to its end before it is
/// refused as too large to be a form (a 6.5 MiB one of 45 MB of XML takes 13 s in a debug
/// build, a second in release).
const TIMEOUT_PER_MIB: Duration = Duration::from_secs(5);

const EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xls", "ods", "xlsb"];

/// The folders the corpus is looked for in.
fn corpus_roots() -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = std::env::var_os("ZHUCUN_CORPUS")
        .map(|v| std::env::split_paths(&v).collect())
        .unwrap_or_default();
    let home = dirs::home_dir().unwrap_or_default();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join(".cargo"));
    if let Ok(indexes) = std::fs::read_dir(cargo_home.join("registry").join("src")) {
        for index in indexes.flatten() {
            if let Ok(crates) = std::fs::read_dir(index.path()) {
                for krate in crates.flatten() {
                    let name = krate.file_name().to_string_lossy().into_owned();
                    if name.starts_with("calamine-") || name.starts_with("rust_xlsxwriter-") {
                        roots.push(krate.path().join("tests"));
                    }
                }
            }
        }
    }
    roots.push(home.join(".cache").join("zhucun").join("corpus"));
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    roots.push(manifest.join("../../assets"));
    roots.push(manifest.join("../../../shared/samples"));
    roots
}

/// Every spreadsheet under `dir`, recursively.
fn spreadsheets(dir: &Path, out: &mut BTreeSet<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            spreadsheets(&path, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        {
            out.insert(path.canonicalize().unwrap_or(path));
        }
    }
}

/// How one import ended.
#[derive(Debug)]
enum Outcome {
    Imported,
    Refused(String),
    Panicked(String),
}

/// Imports `bytes` into a fresh database on its own thread, catching a panic.
fn import_one(name: String, bytes: Vec<u8>) -> mpsc::Receiver<Outcome> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let outcome = std::panic::catch_unwind(|| {
            let conn = zhucun_core::store::open_in_memory()?;
            template::import_bytes(&conn, &name, &bytes).map(|_| ())
        });
        let outcome = match outcome {
            Ok(Ok(())) => Outcome::Imported,
            Ok(Err(e)) => Outcome::Refused(e.code().to_string()),
            Err(panic) => Outcome::Panicked(
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_string()))
                    .unwrap_or_default(),
            ),
        };
        // The receiver is gone only if the test gave up on this file already.
        let _ = send.send(outcome);
    });
    receive
}

/// How many truncated and how many byte-flipped copies are made of each sample.
const MUTANTS_PER_KIND: usize = 40;

/// Writes truncated and corrupted copies of every sample spreadsheet into `dir`.
fn make_mutants(
    samples: &BTreeSet<PathBuf>,
    dir: &Path,
    out: &mut BTreeSet<PathBuf>,
) -> TestResult {
    for (n, sample) in samples.iter().enumerate() {
        let bytes = std::fs::read(sample)?;
        let ext = sample
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("xlsx");
        if bytes.len() < 2 {
            continue;
        }
        // A small deterministic generator: the same corpus on every run.
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64 ^ (n as u64);
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for i in 0..MUTANTS_PER_KIND {
            let cut = (next() as usize) % bytes.len();
            let path = dir.join(format!("s{n}-cut{i}.{ext}"));
            std::fs::write(&path, &bytes[..cut])?;
            out.insert(path);
            let mut flipped = bytes.clone();
            for _ in 0..=(i % 8) {
                let at = (next() as usize) % flipped.len();
                flipped[at] ^= (next() as u8) | 1;
            }
            let path = dir.join(format!("s{n}-flip{i}.{ext}"));
            std::fs::write(&path, &flipped)?;
            out.insert(path);
        }
    }
    Ok(())
}

#[test]
fn no_spreadsheet_makes_template_import_panic() -> TestResult {
    let started = Instant::now();
    let mut files = BTreeSet::new();
    for root in corpus_roots() {
        spreadsheets(&root, &mut files);
    }
    let mut samples = BTreeSet::new();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    spreadsheets(&manifest.join("../../../shared/samples"), &mut samples);
    spreadsheets(&manifest.join("../../assets"), &mut samples);
    let mutants = tempfile::tempdir()?;
    // ZHUCUN_MUTANTS_DIR keeps the generated files, to look at one that failed.
    let kept = std::env::var_os("ZHUCUN_MUTANTS_DIR").map(PathBuf::from);
    let dir = kept.as_deref().unwrap_or(mutants.path());
    std::fs::create_dir_all(dir)?;
    make_mutants(&samples, dir, &mut files)?;
    if std::env::var_os("ZHUCUN_CORPUS_REQUIRED").is_some() {
        let mut fetched = BTreeSet::new();
        let home = dirs::home_dir().unwrap_or_default();
        spreadsheets(&home.join(".cache/zhucun/corpus"), &mut fetched);
        assert!(
            fetched.len() >= 80,
            "only {} spreadsheets in ~/.cache/zhucun/corpus: run tests/corpus/fetch.py",
            fetched.len()
        );
    }
    assert!(
        files.len() >= MIN_FILES,
        "only {} spreadsheets found under {:?} and made from the samples: are the shared \
         samples beside the project?",
        files.len(),
        corpus_roots()
    );

    let mut imported = 0usize;
    let mut refused: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures: Vec<String> = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mib = u32::try_from(bytes.len() / (1024 * 1024)).unwrap_or(u32::MAX);
        let timeout = TIMEOUT + TIMEOUT_PER_MIB.saturating_mul(mib);
        match import_one(name, bytes).recv_timeout(timeout) {
            Ok(Outcome::Imported) => imported += 1,
            Ok(Outcome::Refused(code)) => *refused.entry(code).or_default() += 1,
            Ok(Outcome::Panicked(message)) => {
                failures.push(format!("{}: panicked: {message}", path.display()));
            }
            Err(_) => failures.push(format!("{}: no answer within {timeout:?}", path.display())),
        }
    }
    println!(
        "template import over {} spreadsheets in {:.1?}: {imported} imported, refused {refused:?}",
        files.len(),
        started.elapsed()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(imported > 0, "not even the samples imported");
    Ok(())
}

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

/// A formula without the spaces between its tokens: Excel keeps the spaces a person typed
/// (`SUM(a, b)`, `"2" > 2`), LibreOffice drops them when it writes an `.xlsx`.
fn without_spaces(formula: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in formula.chars() {
        if c == '"' {
            quoted = !quoted;
        }
        if quoted || !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

/// Every formula Zhucun decodes from a corpus `.xls` made by Excel is the one LibreOffice reads
/// from the same file (converted to `.xlsx`, read back with calamine): two readers written apart
/// agree cell by cell. Files older than Excel 97 have no BIFF8 formulas to decode.
#[test]
fn xls_formulas_agree_with_libreoffice_over_the_corpus() {
    use calamine::Reader;

    let xls: Vec<PathBuf> = corpus()
        .into_iter()
        .filter(|p| extension(p).as_deref() == Some("xls"))
        .collect();
    let soffice = std::process::Command::new("soffice")
        .arg("--version")
        .output();
    if xls.is_empty() || soffice.is_err() {
        assert!(
            std::env::var_os("ZHUCUN_CORPUS_REQUIRED").is_none(),
            "the corpus and LibreOffice are required"
        );
        return;
    }
    let Ok(dir) = tempfile::tempdir() else {
        panic!("no temporary folder");
    };
    // Numbered copies: files of different folders may share a name.
    let mut copies = Vec::new();
    for (i, path) in xls.iter().enumerate() {
        let copy = dir.path().join(format!("{i:03}.xls"));
        if std::fs::copy(path, &copy).is_ok() {
            copies.push((path, copy));
        }
    }
    // A profile of its own, so that LibreOffice run by other tests at once does not clash.
    let profile = dir.path().join("profile");
    let converted = std::process::Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx",
            "--outdir",
        ])
        .arg(dir.path())
        .args(copies.iter().map(|(_, copy)| copy))
        .output();
    assert!(
        converted.is_ok_and(|o| o.status.success()),
        "soffice failed"
    );

    let (mut agreed, mut differ) = (0usize, Vec::new());
    for (original, copy) in &copies {
        let Ok(ours) = crate::xls_formula::read(&std::fs::read(copy).unwrap_or_default()) else {
            // Excel 95 and older: calamine's reading stays.
            continue;
        };
        let Ok(mut book) =
            calamine::open_workbook::<calamine::Xlsx<_>, _>(copy.with_extension("xlsx"))
        else {
            differ.push(format!(
                "{}: LibreOffice wrote no .xlsx",
                original.display()
            ));
            continue;
        };
        for sheet in &ours {
            let Ok(theirs) = book.worksheet_formula(&sheet.name) else {
                differ.push(format!("{}: no sheet {}", original.display(), sheet.name));
                continue;
            };
            let (r0, c0) = theirs.start().unwrap_or((0, 0));
            for cell in &sheet.cells {
                let at = format!(
                    "{}!{}",
                    sheet.name,
                    crate::template::cell_a1(cell.row, cell.col)
                );
                let expected = (cell.row >= r0 && cell.col >= c0)
                    .then(|| theirs.get(((cell.row - r0) as usize, (cell.col - c0) as usize)))
                    .flatten()
                    .cloned()
                    .unwrap_or_default();
                match &cell.formula {
                    Ok(text) if without_spaces(text) == without_spaces(&expected) => agreed += 1,
                    // Excel 97's natural-language formulas (`='Dec' Profit`) are not decoded.
                    Err(crate::xls_formula::FormulaError::Unsupported(0x18)) => {}
                    got => differ.push(format!(
                        "{} {at}: {got:?}, LibreOffice {expected:?}",
                        original.display()
                    )),
                }
            }
        }
    }
    println!("{agreed} formulas agree");
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    assert!(
        agreed >= 40 || std::env::var_os("ZHUCUN_CORPUS_REQUIRED").is_none(),
        "only {agreed} formulas compared"
    );
}

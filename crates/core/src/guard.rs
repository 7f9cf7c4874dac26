//! A guard around the third-party spreadsheet readers.
//!
//! calamine panics on some damaged files (a truncated `.xls` trips an assertion or slices past
//! its buffer). No input may crash Zhucun, so every read of a file a person hands us runs
//! inside [`reading`], which turns such a panic into the ordinary refusal of an unreadable
//! file. Worse than a panic, a damaged file can make calamine ask for gigabytes (its ranges are
//! dense, sized by the farthest cell the file claims), and running out of memory aborts the
//! process where no panic can be caught: [`reading_bytes`] and [`reading_path`] first run
//! [`check_bounds`], which refuses such a file before calamine sees it. The panic hook that programs install with [`install_panic_hook`] stays quiet for a
//! panic caught here, so the user sees one clear sentence, not a backtrace.

use std::cell::Cell;
use std::io::{BufReader, Cursor, Read, Seek};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;

use crate::error::{Error, Result};
pub(crate) use crate::sheet_bounds::Streamed;

thread_local! {
    /// Whether this thread is inside [`reading`].
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `read` (which parses the spreadsheet `file`), turning a panic inside it into
/// `Error::DamagedSheet`.
///
/// # Errors
///
/// Whatever `read` returns, or `unreadable_file` if it panicked.
pub(crate) fn reading<T>(file: &str, read: impl FnOnce() -> Result<T>) -> Result<T> {
    let was = GUARDED.with(|g| g.replace(true));
    // The reader's state is dropped whole after a panic, so nothing half-updated survives.
    let outcome = panic::catch_unwind(AssertUnwindSafe(read));
    GUARDED.with(|g| g.set(was));
    outcome.unwrap_or_else(|_| {
        Err(Error::DamagedSheet {
            file: file.to_string(),
        })
    })
}

/// Runs `read` (which parses `bytes`, the spreadsheet `file`) as [`reading`] does, once
/// [`check_bounds`] has found that calamine can read the bytes in bounded memory. `xlsx_ranges`
/// names the `.xlsx` sheets `read` asks calamine for as ranges (see [`check_bounds`]).
///
/// # Errors
///
/// As [`check_bounds`], then as [`reading`].
pub(crate) fn reading_bytes<T>(
    file: &str,
    bytes: &[u8],
    xlsx_ranges: &[&str],
    streamed: Streamed,
    read: impl FnOnce() -> Result<T>,
) -> Result<T> {
    reading(file, || {
        check_bounds(file, &mut Cursor::new(bytes), xlsx_ranges, streamed)?;
        read()
    })
}

/// As [`reading_bytes`], for the spreadsheet at `path`, whose `.xlsx` sheets `read` streams for
/// their values. A file that cannot be opened is left to `read`, which reports it as it always
/// has.
///
/// # Errors
///
/// As [`check_bounds`], then as [`reading`].
pub(crate) fn reading_path<T>(
    file: &str,
    path: &Path,
    read: impl FnOnce() -> Result<T>,
) -> Result<T> {
    reading(file, || {
        if let Ok(f) = std::fs::File::open(path) {
            check_bounds(file, &mut BufReader::new(f), &[], Streamed::Values)?;
        }
        read()
    })
}

/// Checks, before calamine sees it, that the spreadsheet in `source` makes calamine allocate no
/// more than a real workbook would: calamine sizes its dense ranges, and a few tables, from the
/// positions and counts the file states, so a damaged or hostile file of a few kilobytes can ask
/// for gigabytes ([`crate::sheet_bounds`] has the details and the limits). `.xls` and `.ods`
/// sheets are always read as ranges; of an `.xlsx`, only the sheets named in `xlsx_ranges` are
/// (the others are streamed cell by cell, where a far-away cell costs nothing, as `streamed`
/// says).
///
/// # Errors
///
/// `unusable_sheet` naming the sheet whose data spans too large an area (or holds too much), or
/// for an `.xlsb`; `unreadable_file` for a file damaged so that calamine would never stop.
pub(crate) fn check_bounds<R: Read + Seek>(
    file: &str,
    source: &mut R,
    xlsx_ranges: &[&str],
    streamed: Streamed,
) -> Result<()> {
    crate::sheet_bounds::check(file, source, xlsx_ranges, streamed)
}

/// Installs a panic hook that says nothing about panics [`reading`] catches and reports every
/// other panic as before. The CLI and the app call it once at start.
pub fn install_panic_hook() {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if !GUARDED.with(Cell::get) {
            previous(info);
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_reader_is_a_refusal() {
        install_panic_hook();
        let outcome: Result<()> = reading("坏.xls", || panic!("index out of bounds"));
        assert_eq!(outcome.map_err(|e| e.code()), Err("unreadable_file"));
        assert_eq!(reading("好.xls", || Ok(3)).ok(), Some(3));
        assert!(!GUARDED.with(Cell::get));
    }

    #[test]
    fn a_file_past_the_bounds_is_refused_before_it_is_read() {
        // An `.xlsb` is refused by the check; `read` would be a panic, reported otherwise.
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let started = zip
            .start_file("xl/workbook.bin", zip::write::SimpleFileOptions::default())
            .is_ok();
        let bytes = zip.finish().map(Cursor::into_inner).unwrap_or_default();
        assert!(started && !bytes.is_empty());
        let outcome: Result<()> =
            reading_bytes("x.xlsb", &bytes, &[], Streamed::Values, || panic!("read"));
        assert_eq!(outcome.map_err(|e| e.code()), Err("unusable_sheet"));
        assert_eq!(
            reading_bytes("x.xlsx", b"PK", &[], Streamed::Values, || Ok(3)).ok(),
            Some(3)
        );
        let missing = Path::new("/nonexistent/花名册.xlsx");
        assert_eq!(reading_path("花名册.xlsx", missing, || Ok(4)).ok(), Some(4));
    }
}

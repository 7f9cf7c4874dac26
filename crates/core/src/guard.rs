//! A guard around the third-party spreadsheet readers.
//!
//! calamine panics on some damaged files (a truncated `.xls` trips an assertion or slices past
//! its buffer). No input may crash Zhucun, so every read of a file a person hands us runs
//! inside [`reading`], which turns such a panic into the ordinary refusal of an unreadable
//! file. The panic hook that programs install with [`install_panic_hook`] stays quiet for a
//! panic caught here, so the user sees one clear sentence, not a backtrace.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};

use crate::error::{Error, Result};

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
}

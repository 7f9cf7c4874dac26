//! zhucun-core: every rule of Zhucun (驻村台账) — storage, validation, statistics, spreadsheets.
//!
//! The command line and the desktop app are thin faces over this crate: they translate, it
//! decides. It depends on neither Tauri nor clap.

pub mod bundle;
pub mod calendar;
pub mod county;
pub mod demo;
pub mod error;
mod guard;
pub mod keys;
pub mod pairing;
pub mod records;
pub mod roster;
mod sheet_bounds;
pub mod stats;
pub mod store;
pub mod sync;
pub mod template;
pub mod types;
pub mod village;
mod xls_formula;

pub use error::{CellProblem, Error, Lang, Result, Rule};
pub use guard::install_panic_hook;
pub use types::{DivisionCode, IdCardNumber, Period};

/// The SQLite binding, re-exported so the app and the CLI use the same version.
pub use rusqlite;

/// The program's name and version, as bundles and returns record it.
pub const APP_VERSION: &str = concat!("zhucun ", env!("CARGO_PKG_VERSION"));

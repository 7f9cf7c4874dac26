//! Zhucun's desktop shell: one Tauri window over `zhucun-core`.
//!
//! This crate decides nothing. It opens the database named by `ZHUCUN_DB` (or the per-user
//! default), keeps that one connection for the commands in [`commands`], and serves the static
//! UI in `ui/`. Every rule lives in `zhucun-core`; the UI only shows what the commands return.

mod commands;
mod error;

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use zhucun_core::rusqlite::Connection;
use zhucun_core::Lang;

pub use error::CommandError;

/// The environment variable that names the database file, overriding the per-user default.
pub const DB_ENV: &str = "ZHUCUN_DB";

/// What every command shares: the database (or why it could not be opened) and the language
/// of messages.
struct AppState {
    db: Result<Mutex<Connection>, CommandError>,
    lang: Lang,
}

impl AppState {
    /// Runs `f` on the database and turns a core error into what the UI receives.
    fn with_db<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> zhucun_core::Result<T>,
    ) -> Result<T, CommandError> {
        let db = self.db.as_ref().map_err(Clone::clone)?;
        // A panic in an earlier command poisons the lock but cannot leave the connection
        // half-changed: every change is a transaction, which rolls back as the panic unwinds.
        let mut db = db.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut db).map_err(|error| CommandError::new(&error, self.lang))
    }
}

/// Opens the database and runs the window until it is closed.
///
/// A database that cannot be opened does not stop the window: every command then answers with
/// that error, so the user reads it in the app rather than in a terminal they never see.
///
/// # Errors
///
/// When Tauri cannot create or run the window (no display, for one).
pub fn run() -> tauri::Result<()> {
    zhucun_core::install_panic_hook();
    let lang = Lang::from_env();
    let db = open_database().map_err(|error| CommandError::new(&error, lang));
    if let Err(error) = &db {
        eprintln!("zhucun-app: {}", error.message);
    }
    tauri::Builder::default()
        .manage(AppState {
            db: db.map(Mutex::new),
            lang,
        })
        .invoke_handler(tauri::generate_handler![
            commands::ui_language,
            commands::village_profile,
            commands::month_stats,
            commands::load_demo,
        ])
        .run(tauri::generate_context!())
}

/// Opens (creating and migrating if need be) the database at `$ZHUCUN_DB`, or at the per-user
/// default when that is unset or empty.
fn open_database() -> zhucun_core::Result<Connection> {
    let path = match std::env::var_os(DB_ENV) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => zhucun_core::store::default_db_path()?,
    };
    zhucun_core::store::open(&path)
}

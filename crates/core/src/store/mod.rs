//! The SQLite file: opening it, its pragmas, its migrations, its clock and its copies.
//!
//! No SQL lives outside `store` and `records`: the rest of the core asks these modules.

mod backup;
pub mod hlc;
mod migrations;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension};

use crate::error::{Error, Result};

pub use backup::{automatic_backup, backup, BACKUPS_DIR};
pub use migrations::{schema_version, LATEST_VERSION};

/// The file name of the database inside the per-user data directory.
const DB_FILE: &str = "zhucun.sqlite";

/// The per-user default database: `$XDG_DATA_HOME/zhucun/zhucun.sqlite` on Linux, the platform's
/// data directory elsewhere.
///
/// # Errors
///
/// `io` when the platform has no data directory (no home).
pub fn default_db_path() -> Result<PathBuf> {
    dirs::data_dir()
        .map(|d| d.join("zhucun").join(DB_FILE))
        .ok_or_else(|| {
            Error::io(
                "$XDG_DATA_HOME",
                std::io::Error::new(std::io::ErrorKind::NotFound, "no data directory"),
            )
        })
}

/// Opens (creating if needed) the database at `path` and brings its schema up to date.
///
/// # Errors
///
/// `io` when the folder cannot be created, `database` when the file is not a database,
/// `newer_database` when a newer program made it.
///
/// # Examples
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let conn = zhucun_core::store::open(&dir.path().join("v.sqlite"))?;
/// assert_eq!(zhucun_core::store::schema_version(&conn)?, zhucun_core::store::LATEST_VERSION);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn open(path: &Path) -> Result<Connection> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let mut conn = Connection::open(path)?;
    configure(&conn, true)?;
    prepare(&mut conn)?;
    Ok(conn)
}

/// A fresh database in memory, migrated: the one constructor every test uses.
///
/// # Errors
///
/// `database` only if SQLite itself fails.
pub fn open_in_memory() -> Result<Connection> {
    let mut conn = Connection::open_in_memory()?;
    configure(&conn, false)?;
    prepare(&mut conn)?;
    Ok(conn)
}

/// Per-connection settings. Laptops lose power: WAL with `synchronous=FULL` keeps every
/// committed transaction; foreign keys are off by default in SQLite and must be asked for.
fn configure(conn: &Connection, file: bool) -> Result<()> {
    if file {
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        debug_assert_eq!(mode.to_ascii_lowercase(), "wal");
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;",
    )?;
    Ok(())
}

fn prepare(conn: &mut Connection) -> Result<()> {
    migrations::migrate(conn)?;
    hlc::ensure_device(conn)?;
    Ok(())
}

/// A value of the `meta` table.
pub(crate) fn get_meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

/// Sets a value of the `meta` table.
pub(crate) fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pragmas_are_set_on_a_file() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("tmp", e))?;
        let conn = open(&dir.path().join("sub").join("z.sqlite"))?;
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        let sync: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
        let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
        assert_eq!((mode.as_str(), sync, fk), ("wal", 2, 1));
        Ok(())
    }

    #[test]
    fn reopening_keeps_the_device() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("tmp", e))?;
        let path = dir.path().join("z.sqlite");
        let first = hlc::device_id(&open(&path)?)?;
        let again = hlc::device_id(&open(&path)?)?;
        assert_eq!(first, again);
        Ok(())
    }
}

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use crate::error::{Error, Result};

/// Writes a consistent copy of the open database to `out`, even while it is in use.
///
/// The copy is made with SQLite's online backup API into a temporary file beside `out`, checked
/// with `integrity_check`, and renamed into place, so `out` is never half-written.
///
/// # Errors
///
/// `io` when `out`'s folder cannot be written; `database` when the copy fails its check.
///
/// # Examples
///
/// ```
/// let conn = zhucun_core::store::open_in_memory()?;
/// let dir = tempfile::tempdir()?;
/// zhucun_core::store::backup(&conn, &dir.path().join("copy.sqlite"))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn backup(conn: &Connection, out: &Path) -> Result<()> {
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tmp = tempfile::Builder::new()
        .prefix(".zhucun-backup-")
        .suffix(".sqlite")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    {
        let mut copy = Connection::open(tmp.path())?;
        let job = rusqlite::backup::Backup::new(conn, &mut copy)?;
        copy_pages(&job)?;
        drop(job);
        // A single-file copy: the backup must not depend on a -wal beside it.
        copy.pragma_update(None, "journal_mode", "DELETE")?;
        let check: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if check != "ok" {
            return Err(Error::conflict(
                format!("备份未通过完整性检查：{check}"),
                format!("The backup failed its integrity check: {check}"),
            ));
        }
    }
    tmp.persist(out).map_err(|e| Error::io(out, e.error))?;
    Ok(())
}

/// Copies every page, waiting a bounded time while another connection holds a lock (a backup
/// must never hang the program: rusqlite's `run_to_completion` retries forever).
fn copy_pages(job: &rusqlite::backup::Backup<'_, '_>) -> Result<()> {
    use rusqlite::backup::StepResult;
    let mut waits = 0;
    loop {
        match job.step(256)? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            StepResult::Busy | StepResult::Locked => {
                waits += 1;
                if waits > 2_000 {
                    return Err(Error::conflict(
                        "数据库被其他程序长时间锁定，无法备份：请关闭其他正在写入的程序后重试",
                        "The database stayed locked by another program; close it and try again",
                    ));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            // StepResult is non-exhaustive; anything new is treated as progress.
            _ => {}
        }
    }
}

/// The folder of automatic backups, beside the database.
pub const BACKUPS_DIR: &str = "backups";

/// Copies the database to `backups/before-<what>-<time>.sqlite` beside it, before an import
/// changes anything. A database in memory has nothing on disk to protect: no backup.
///
/// The copy is read through a connection of its own, so it may be taken while `conn` holds the
/// write lock of the import's transaction (in WAL mode readers are never blocked by a writer):
/// it holds the last committed state, which is what the import has not yet changed.
///
/// # Errors
///
/// As [`backup`].
pub fn automatic_backup(conn: &Connection, what: &str) -> Result<Option<std::path::PathBuf>> {
    let Some(db) = conn.path().filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let reader = Connection::open_with_flags(
        db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let dir = match Path::new(db).parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.join(BACKUPS_DIR),
        _ => std::path::PathBuf::from(BACKUPS_DIR),
    };
    let out = dir.join(format!(
        "before-{what}-{}.sqlite",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
    ));
    backup(&reader, &out)?;
    Ok(Some(out))
}

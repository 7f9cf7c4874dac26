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
        job.run_to_completion(256, Duration::from_millis(5), None)?;
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

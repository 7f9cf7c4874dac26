//! Numbered schema migrations, embedded in the program and applied in order, each in its own
//! transaction, with SQLite's `user_version` recording how far a database has come.

use rusqlite::Connection;

use crate::error::{Error, Result};

/// The migrations, in order; migration `n` brings a database to version `n`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_foundation.sql"),
    include_str!("migrations/0002_templates.sql"),
    include_str!("migrations/0003_sync.sql"),
    include_str!("migrations/0004_returns.sql"),
    include_str!("migrations/0005_audit_seq.sql"),
];

/// The schema version this program writes.
pub const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;

/// The schema version of a database.
///
/// # Errors
///
/// `database` if SQLite fails.
pub fn schema_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Applies every migration the database has not had yet.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    let found = schema_version(conn)?;
    if found > LATEST_VERSION {
        return Err(Error::NewerDatabase {
            found,
            supported: LATEST_VERSION,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_cleanly_and_check_out() -> Result<()> {
        let mut conn = Connection::open_in_memory()?;
        migrate(&mut conn)?;
        assert_eq!(schema_version(&conn)?, LATEST_VERSION);
        let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        assert_eq!(check, "ok");
        let fk_errors: i64 =
            conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })?;
        assert_eq!(fk_errors, 0);
        // Running them again is a no-op.
        migrate(&mut conn)?;
        assert_eq!(schema_version(&conn)?, LATEST_VERSION);
        Ok(())
    }

    #[test]
    fn records_of_an_older_database_name_their_last_audit_entry() -> Result<()> {
        let mut conn = Connection::open_in_memory()?;
        for sql in MIGRATIONS.iter().take(4) {
            conn.execute_batch(sql)?;
        }
        conn.pragma_update(None, "user_version", 4)?;
        // Two groups as version 4 wrote them: one added then changed, one never in the log.
        conn.execute_batch(
            "INSERT INTO groups (id, clock, device, name) VALUES ('g1', 'c1', 'd', '一组'),
                                                                  ('g2', 'c2', 'd', '二组');
             INSERT INTO audit_log (seq, at, device, table_name, record_id, action, clock) VALUES
                 (7, 't', 'd', 'groups', 'g1', 'insert', 'c1'),
                 (8, 't', 'd', 'households', 'g1', 'insert', 'c1'),
                 (9, 't', 'd', 'groups', 'g1', 'update', 'c3');",
        )?;
        migrate(&mut conn)?;
        let marks: Vec<(String, i64)> = conn
            .prepare("SELECT id, audit_seq FROM groups ORDER BY id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        assert_eq!(marks, [("g1".to_string(), 9), ("g2".to_string(), 0)]);
        Ok(())
    }

    #[test]
    fn a_newer_database_is_refused() -> Result<()> {
        let mut conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "user_version", LATEST_VERSION + 1)?;
        assert_eq!(
            migrate(&mut conn).map_err(|e| e.code()),
            Err("newer_database")
        );
        Ok(())
    }
}

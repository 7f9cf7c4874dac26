//! Helpers shared by the integration tests.

#![allow(dead_code)]

use zhucun_core::rusqlite::Connection;

/// The boxed error every test returns.
pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// `FIELD=VALUE` pairs as the record functions take them.
pub fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

/// A migrated in-memory database.
pub fn db() -> TestResult<Connection> {
    Ok(zhucun_core::store::open_in_memory()?)
}

/// A database holding the demo village.
pub fn demo_db() -> TestResult<Connection> {
    let mut conn = db()?;
    zhucun_core::demo::load(&mut conn)?;
    Ok(conn)
}

/// A snapshot of every row of every table but the audit log and meta, for "nothing changed"
/// checks.
pub fn snapshot(conn: &Connection) -> TestResult<Vec<String>> {
    let mut out = Vec::new();
    for table in zhucun_core::records::TABLES {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {} ORDER BY id", table.sql))?;
        let n = stmt.column_count();
        let rows = stmt.query_map([], |r| {
            let mut cells = Vec::with_capacity(n);
            for i in 0..n {
                cells.push(format!("{:?}", r.get_ref(i)?));
            }
            Ok(format!("{}: {}", table.sql, cells.join("|")))
        })?;
        for row in rows {
            out.push(row?);
        }
    }
    let audit: i64 = conn.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))?;
    out.push(format!("audit_log rows: {audit}"));
    Ok(out)
}

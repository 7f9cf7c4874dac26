//! The village this database is for: created once, then edited like any record.

use rusqlite::{Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::records::{self, schema::VILLAGE, Changes, RecordView, Row};

/// The id of the village, if there is one.
///
/// # Errors
///
/// `database` if SQLite fails.
pub fn village_id(conn: &Connection) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT id FROM village WHERE deleted = 0 LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?)
}

/// Creates the village from `FIELD=VALUE` pairs (at least `code` and `name`).
///
/// # Errors
///
/// `conflict` if the database has a village already; `invalid_field` for a bad value.
///
/// # Examples
///
/// ```
/// let mut conn = zhucun_core::store::open_in_memory()?;
/// let pairs = vec![("code".to_string(), "513433100201".to_string()), ("name".to_string(), "青岗村".to_string())];
/// zhucun_core::village::init(&mut conn, &pairs)?;
/// assert_eq!(zhucun_core::village::init(&mut conn, &pairs).unwrap_err().code(), "conflict");
/// # Ok::<(), zhucun_core::Error>(())
/// ```
pub fn init(conn: &mut Connection, input: &[(String, String)]) -> Result<String> {
    let tx = conn.transaction()?;
    if let Some(id) = village_id(&tx)? {
        let name = records::get_row(&tx, &VILLAGE, &id)?
            .get("name")
            .map(|v| v.to_text())
            .unwrap_or_default();
        return Err(Error::conflict(
            format!("数据库中已有村“{name}”：一个数据库只属于一个村"),
            format!(
                "The database already holds the village “{name}”: one database is for one village"
            ),
        ));
    }
    let mut row: Row = records::defaults(&tx, &VILLAGE)?;
    records::input::apply_input(&tx, &VILLAGE, &mut row, input)?;
    let mut changes = Changes::begin(&tx)?;
    let id = records::insert_checked(&mut changes, &tx, &VILLAGE, &row)?;
    changes.finish()?;
    tx.commit()?;
    // The first run: a return can be made before the county sends its template.
    crate::template::ensure_default(conn)?;
    Ok(id)
}

/// Changes fields of the village profile; returns whether anything changed.
///
/// # Errors
///
/// `no_village` before `init`; `unknown_field` / `invalid_field` for the input.
pub fn set(conn: &mut Connection, input: &[(String, String)]) -> Result<bool> {
    let id = village_id(conn)?.ok_or(Error::NoVillage)?;
    records::set(conn, &VILLAGE, &id, input)
}

/// The village profile, keyed by the field names of TEMPLATES.md `village.*`.
///
/// # Errors
///
/// `database` if SQLite fails.
pub fn profile(conn: &Connection) -> Result<Option<RecordView>> {
    match village_id(conn)? {
        Some(id) => Ok(Some(records::view(conn, &VILLAGE, &id)?)),
        None => Ok(None),
    }
}

/// Whether the database holds no records at all (only then may the demo be loaded).
///
/// # Errors
///
/// `database` if SQLite fails.
pub fn is_empty(conn: &Connection) -> Result<bool> {
    for table in records::TABLES {
        let any: bool = conn.query_row(
            &format!("SELECT EXISTS (SELECT 1 FROM {})", table.sql),
            [],
            |r| r.get(0),
        )?;
        if any {
            return Ok(false);
        }
    }
    Ok(true)
}

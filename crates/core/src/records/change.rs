//! The one path every change of a synced record takes: it stamps `id`, `clock`, `device` and
//! `deleted`, and writes the audit log, whose first entry for the change the record names in
//! `audit_seq` (an export finds what changed by it). Nothing else writes to the record tables.

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::{params_from_iter, Connection, OptionalExtension};

use super::schema::{Kind, Table};
use super::value::{field_value, Value};
use crate::error::{Error, Result};
use crate::store::hlc::{self, Clock};

/// A record's fields by name (references hold the referenced record's id).
pub type Row = BTreeMap<&'static str, Value>;

/// The changes of one user action, inside the caller's transaction.
///
/// The clock is kept in memory while the action runs and written back by [`Changes::finish`],
/// so a 50,000-row import stamps every row without 50,000 writes to `meta`.
#[derive(Debug)]
pub struct Changes<'c> {
    conn: &'c Connection,
    clock: Clock,
    device: String,
    at: String,
    /// The INSERT statement of each table, made once per action.
    insert_sql: HashMap<&'static str, String>,
}

impl<'c> Changes<'c> {
    /// Starts stamping changes on `conn` (normally a transaction the caller owns).
    ///
    /// # Errors
    ///
    /// `database` if the clock cannot be read.
    pub fn begin(conn: &'c Connection) -> Result<Changes<'c>> {
        Ok(Changes {
            conn,
            clock: hlc::last_clock(conn)?,
            device: hlc::device_id(conn)?,
            at: Utc::now().to_rfc3339(),
            insert_sql: HashMap::new(),
        })
    }

    fn tick(&mut self) -> String {
        self.clock = self.clock.tick(hlc::wall_millis());
        self.clock.to_string()
    }

    /// Inserts a new record and returns its id (UUID v7).
    ///
    /// # Errors
    ///
    /// `database` if SQLite refuses the row.
    pub fn insert(&mut self, table: &Table, row: &Row) -> Result<String> {
        let id = uuid::Uuid::now_v7().to_string();
        let clock = self.tick();
        let sql = self
            .insert_sql
            .entry(table.sql)
            .or_insert_with(|| insert_sql(table));
        // Values are bound by reference: an import of 50,000 rows copies no text to bind it.
        let stamps = [id.as_str(), clock.as_str(), self.device.as_str()]
            .map(|t| ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())));
        let fields = table
            .fields
            .iter()
            .map(|f| field_value(row, f).to_sql_output(f.kind));
        self.conn
            .prepare_cached(sql)?
            .execute(params_from_iter(stamps.into_iter().chain(fields)))?;
        let new = insert_snapshot(table, row);
        self.audit(table, &id, "insert", None, None, Some(&new), &clock)?;
        Ok(id)
    }

    /// Writes the fields that differ between `old` and `new`; returns whether any did.
    ///
    /// # Errors
    ///
    /// `database` if SQLite refuses the change.
    pub fn update(&mut self, table: &Table, id: &str, old: &Row, new: &Row) -> Result<bool> {
        let changed: Vec<_> = table
            .fields
            .iter()
            .filter(|f| field_value(old, f) != field_value(new, f))
            .collect();
        if changed.is_empty() {
            return Ok(false);
        }
        let clock = self.tick();
        let sets: Vec<String> = changed
            .iter()
            .map(|f| format!("{} = ?", f.column))
            .collect();
        let sql = format!(
            "UPDATE {} SET clock = ?, device = ?, audit_seq = {NEXT_AUDIT_SEQ}, {} WHERE id = ?",
            table.sql,
            sets.join(", ")
        );
        let mut values = vec![
            SqlValue::Text(clock.clone()),
            SqlValue::Text(self.device.clone()),
        ];
        values.extend(changed.iter().map(|f| field_value(new, f).to_sql(f.kind)));
        values.push(SqlValue::Text(id.to_string()));
        self.conn
            .prepare_cached(&sql)?
            .execute(params_from_iter(values))?;
        for f in changed {
            let before = audit_text(f.kind, field_value(old, f));
            let after = audit_text(f.kind, field_value(new, f));
            self.audit(
                table,
                id,
                "update",
                Some(f.name),
                Some(&before),
                Some(&after),
                &clock,
            )?;
        }
        Ok(true)
    }

    /// Marks a record deleted (a tombstone, so the deletion travels by sync).
    ///
    /// # Errors
    ///
    /// `not_found` if there is no live record with this id.
    pub fn delete(&mut self, table: &Table, id: &str) -> Result<()> {
        let clock = self.tick();
        let n = self.conn.execute(
            &format!(
                "UPDATE {} SET deleted = 1, clock = ?1, device = ?2, audit_seq = {NEXT_AUDIT_SEQ}
                 WHERE id = ?3 AND deleted = 0",
                table.sql
            ),
            [&clock, &self.device, id],
        )?;
        if n == 0 {
            return Err(Error::NotFound {
                what: table.label_zh.to_string(),
                key: id.to_string(),
            });
        }
        self.audit(table, id, "delete", None, None, None, &clock)
    }

    #[allow(clippy::too_many_arguments)]
    fn audit(
        &self,
        table: &Table,
        id: &str,
        action: &str,
        field: Option<&str>,
        old: Option<&str>,
        new: Option<&str>,
        clock: &str,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO audit_log (at, device, table_name, record_id, action, field, old, new, clock)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )?
            .execute(rusqlite::params![
                self.at,
                self.device,
                table.sql,
                id,
                action,
                field,
                old,
                new,
                clock
            ])?;
        Ok(())
    }

    /// Records the clock so the next action continues after it.
    ///
    /// # Errors
    ///
    /// `database` if SQLite fails.
    pub fn finish(self) -> Result<()> {
        hlc::store_clock(self.conn, &self.clock)
    }
}

/// The sequence number the audit log's next entry takes (its `INTEGER PRIMARY KEY` continues
/// after the largest), so that a record written just before its audit entries names the first.
pub(crate) const NEXT_AUDIT_SEQ: &str = "(SELECT coalesce(max(seq), 0) + 1 FROM audit_log)";

/// `INSERT INTO t (id, clock, device, deleted, audit_seq, columns…)
/// VALUES (?, ?, ?, 0, next, ?…)`.
fn insert_sql(table: &Table) -> String {
    let columns: Vec<&str> = table.fields.iter().map(|f| f.column).collect();
    format!(
        "INSERT INTO {} (id, clock, device, deleted, audit_seq, {}) VALUES (?, ?, ?, 0, {NEXT_AUDIT_SEQ}, {})",
        table.sql,
        columns.join(", "),
        vec!["?"; columns.len()].join(", ")
    )
}

/// The audit log's record of an insert: a JSON object of the fields given.
fn insert_snapshot(table: &Table, row: &Row) -> String {
    let mut out = String::with_capacity(256);
    out.push('{');
    for f in table.fields {
        let value = field_value(row, f);
        if value.is_null() {
            continue;
        }
        if out.len() > 1 {
            out.push(',');
        }
        // Field names are plain ASCII identifiers; values need JSON escaping.
        out.push('"');
        out.push_str(f.name);
        out.push_str("\":");
        let text = audit_text(f.kind, value);
        out.push_str(&serde_json::Value::String(text).to_string());
    }
    out.push('}');
    out
}

/// A value as the audit log keeps it: ID-card numbers masked, never whole.
fn audit_text(kind: Kind, value: &Value) -> String {
    match (kind, value) {
        (Kind::IdCard, Value::Text(t)) => crate::types::mask_id_card(t),
        _ => value.to_text(),
    }
}

/// Reads a live record's fields.
///
/// # Errors
///
/// `not_found` if there is no live record with this id.
pub fn get_row(conn: &Connection, table: &Table, id: &str) -> Result<Row> {
    let columns: Vec<&str> = table.fields.iter().map(|f| f.column).collect();
    let sql = format!(
        "SELECT {} FROM {} WHERE id = ?1 AND deleted = 0",
        columns.join(", "),
        table.sql
    );
    conn.prepare_cached(&sql)?
        .query_row([id], |r| read_row(table, r, 0))
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: table.label_zh.to_string(),
            key: id.to_string(),
        })
}

/// Reads a row's fields from a result row whose columns start at `offset`, in field order.
pub(crate) fn read_row(
    table: &Table,
    r: &rusqlite::Row<'_>,
    offset: usize,
) -> rusqlite::Result<Row> {
    let mut row = Row::new();
    for (i, f) in table.fields.iter().enumerate() {
        let value = Value::from_sql(f.kind, r.get_ref(offset + i)?);
        if !value.is_null() {
            row.insert(f.name, value);
        }
    }
    Ok(row)
}

//! Records: the village's data, one kind per table, edited through one checked path.
//!
//! Each user action ([`add`], [`set`], [`remove`]) is one transaction: the input is parsed,
//! the whole record is checked ([`checks::check`]), and the change goes through [`Changes`], which
//! stamps the sync columns and writes the audit log. A refused action leaves nothing behind.

mod change;
pub mod checks;
pub mod input;
pub mod schema;
mod value;

use std::collections::HashMap;

use rusqlite::Connection;

pub(crate) use change::NEXT_AUDIT_SEQ;
pub use change::{get_row, Changes, Row};
pub use schema::{table, Field, Kind, PeriodRule, Table, Taxon, TABLES};
pub use value::{RecordView, Value};

use crate::error::{Error, Result};
use crate::types::Period;

/// Adds one record from `FIELD=VALUE` pairs and returns its id.
///
/// # Errors
///
/// `unknown_field`, `invalid_field`, `not_found` (a reference) — and nothing is written.
///
/// # Examples
///
/// ```
/// use zhucun_core::records::{self, schema};
/// let mut conn = zhucun_core::store::open_in_memory()?;
/// let pairs = |v: &[(&str, &str)]| v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
/// records::add(&mut conn, &schema::GROUP, &pairs(&[("name", "一组"), ("household_count", "40")]))?;
/// let err = records::add(&mut conn, &schema::GROUP, &pairs(&[("name", "二组"), ("population", "-3")]));
/// assert_eq!(err.unwrap_err().code(), "invalid_field");
/// # Ok::<(), zhucun_core::Error>(())
/// ```
pub fn add(conn: &mut Connection, table: &Table, input: &[(String, String)]) -> Result<String> {
    let tx = conn.transaction()?;
    let mut row = defaults(&tx, table)?;
    input::apply_input(&tx, table, &mut row, input)?;
    let mut changes = Changes::begin(&tx)?;
    let id = insert_checked(&mut changes, &tx, table, &row)?;
    changes.finish()?;
    tx.commit()?;
    Ok(id)
}

/// Changes fields of the record that `key` (its id or name) names; returns whether anything
/// changed.
///
/// # Errors
///
/// As [`add`], plus `not_found` / `ambiguous` for the key.
pub fn set(
    conn: &mut Connection,
    table: &Table,
    key: &str,
    input: &[(String, String)],
) -> Result<bool> {
    let tx = conn.transaction()?;
    let id = input::resolve(&tx, table, key)?;
    let old = get_row(&tx, table, &id)?;
    let mut new = old.clone();
    input::apply_input(&tx, table, &mut new, input)?;
    let mut changes = Changes::begin(&tx)?;
    let changed = update_checked(&mut changes, &tx, table, &id, &old, &new)?;
    changes.finish()?;
    tx.commit()?;
    Ok(changed)
}

/// Deletes the record `key` names (a tombstone that travels by sync).
///
/// # Errors
///
/// `not_found`; `conflict` while other live records still point at it.
pub fn remove(conn: &mut Connection, table: &Table, key: &str) -> Result<()> {
    let tx = conn.transaction()?;
    let id = input::resolve(&tx, table, key)?;
    let users = checks::references_to(&tx, table, &id)?;
    if !users.is_empty() {
        let list = users
            .iter()
            .map(|(what, n)| format!("{n} 条{what}"))
            .collect::<Vec<_>>()
            .join("、");
        return Err(Error::conflict(
            format!("{}“{key}”仍被 {list} 引用，不能删除", table.label_zh),
            format!(
                "The {} “{key}” is still used by other records ({}) and cannot be removed",
                table.label_en,
                users
                    .iter()
                    .map(|(_, n)| n.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let mut changes = Changes::begin(&tx)?;
    changes.delete(table, &id)?;
    changes.finish()?;
    tx.commit()?;
    Ok(())
}

/// Checks and inserts a record inside the caller's transaction (for imports and the demo).
///
/// # Errors
///
/// `invalid_field` from the checks.
pub fn insert_checked(
    changes: &mut Changes<'_>,
    conn: &Connection,
    table: &Table,
    row: &Row,
) -> Result<String> {
    checks::check(conn, table, None, row)?;
    changes.insert(table, row)
}

/// Checks and applies a change inside the caller's transaction.
///
/// # Errors
///
/// `invalid_field` from the checks.
pub fn update_checked(
    changes: &mut Changes<'_>,
    conn: &Connection,
    table: &Table,
    id: &str,
    old: &Row,
    new: &Row,
) -> Result<bool> {
    checks::check(conn, table, Some(id), new)?;
    changes.update(table, id, old, new)
}

/// The values a new record of `table` starts with.
///
/// # Errors
///
/// Only if a default in the schema is itself invalid.
pub fn defaults(conn: &Connection, table: &Table) -> Result<Row> {
    let mut row = Row::new();
    for field in table.fields {
        if let Some(text) = field.default {
            row.insert(field.name, input::parse_field(conn, field, text)?);
        }
    }
    Ok(row)
}

/// The live records of `table`, in its default order; with a period, those that fall in it.
///
/// # Errors
///
/// `database` if SQLite fails.
pub fn list(conn: &Connection, table: &Table, period: Option<Period>) -> Result<Vec<RecordView>> {
    let mut names = NameCache::default();
    list_rows(conn, table, period)?
        .into_iter()
        .map(|(id, row)| view_with(conn, table, id, &row, &mut names))
        .collect()
}

/// The live rows of `table` (with ids), in its default order, restricted to `period` if given.
///
/// # Errors
///
/// `database` if SQLite fails.
pub fn list_rows(
    conn: &Connection,
    table: &Table,
    period: Option<Period>,
) -> Result<Vec<(String, Row)>> {
    let columns: Vec<&str> = table.fields.iter().map(|f| f.column).collect();
    let (filter, params) = match (period, table.period) {
        (None, _) | (_, PeriodRule::All) => (String::new(), vec![]),
        (Some(p), PeriodRule::Date(col)) => (
            format!(" AND {col} BETWEEN ?1 AND ?2"),
            vec![p.start().to_string(), p.end().to_string()],
        ),
        (Some(p), PeriodRule::Span(start, end)) => (
            format!(" AND ({start} IS NULL OR {start} <= ?2) AND ({end} IS NULL OR {end} >= ?1)"),
            vec![p.start().to_string(), p.end().to_string()],
        ),
        (Some(p), PeriodRule::DateOrMonth(date, month)) => (
            format!(" AND ({date} BETWEEN ?1 AND ?2 OR ({date} IS NULL AND {month} = ?3))"),
            vec![p.start().to_string(), p.end().to_string(), p.to_string()],
        ),
    };
    let sql = format!(
        "SELECT id, {} FROM {} WHERE deleted = 0{filter} ORDER BY {}, id",
        columns.join(", "),
        table.sql,
        table.order
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(params), |r| {
            Ok((r.get::<_, String>(0)?, change::read_row(table, r, 1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// One live record as shown to people.
///
/// # Errors
///
/// `not_found` if there is none with this id or name.
pub fn view(conn: &Connection, table: &Table, key: &str) -> Result<RecordView> {
    let id = input::resolve(conn, table, key)?;
    let row = get_row(conn, table, &id)?;
    view_with(conn, table, id, &row, &mut NameCache::default())
}

/// Names of referenced records, looked up once each.
#[derive(Debug, Default)]
pub struct NameCache(HashMap<(&'static str, String), String>);

impl NameCache {
    /// The name people know a record by (its first key field), or its id.
    ///
    /// # Errors
    ///
    /// `database` if SQLite fails.
    pub fn name(&mut self, conn: &Connection, table: &'static Table, id: &str) -> Result<String> {
        if let Some(n) = self.0.get(&(table.name, id.to_string())) {
            return Ok(n.clone());
        }
        let shown = match (
            table.display,
            table.keys.first().and_then(|k| table.field(k)),
        ) {
            (Some(sql), _) => Some((sql.to_string(), Kind::Text)),
            (None, Some(field)) => Some((format!("t.{}", field.column), field.kind)),
            (None, None) => None,
        };
        let name = match shown {
            Some((expr, kind)) => rusqlite::OptionalExtension::optional(conn.query_row(
                &format!("SELECT {expr} FROM {} t WHERE t.id = ?1", table.sql),
                [id],
                |r| Ok(Value::from_sql(kind, r.get_ref(0)?).to_text()),
            ))?
            .unwrap_or_else(|| id.to_string()),
            None => id.to_string(),
        };
        self.0.insert((table.name, id.to_string()), name.clone());
        Ok(name)
    }
}

/// A row as shown to people: references by name, ID-card numbers masked.
///
/// # Errors
///
/// `database` if SQLite fails.
pub fn view_with(
    conn: &Connection,
    table: &Table,
    id: String,
    row: &Row,
    names: &mut NameCache,
) -> Result<RecordView> {
    let mut fields = Vec::with_capacity(table.fields.len());
    for field in table.fields {
        let value = row.get(field.name).cloned().unwrap_or(Value::Null);
        let shown = match (field.kind, value) {
            (Kind::Ref(t), Value::Text(ref_id)) => {
                Value::Text(names.name(conn, target(t), &ref_id)?)
            }
            (Kind::RefList(t), Value::List(ids)) => Value::List(
                ids.iter()
                    .map(|i| names.name(conn, target(t), i))
                    .collect::<Result<_>>()?,
            ),
            (Kind::IdCard, Value::Text(n)) => Value::Text(crate::types::mask_id_card(&n)),
            (_, v) => v,
        };
        fields.push((field.name, shown));
    }
    Ok(RecordView { id, fields })
}

fn target(name: &str) -> &'static Table {
    table(name).unwrap_or(&schema::VILLAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_names_a_table_and_every_key_a_field() {
        for t in TABLES {
            for f in t.fields {
                if let Kind::Ref(n) | Kind::RefList(n) = f.kind {
                    assert!(table(n).is_some(), "{}.{} -> {n}", t.name, f.name);
                }
            }
            for k in t.keys.iter().chain(t.unique) {
                assert!(t.field(k).is_some(), "{}.{k}", t.name);
            }
        }
    }
}

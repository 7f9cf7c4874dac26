//! Carrying out a [`Plan`] inside the caller's transaction: versions written with the clock and
//! device they came with (no new stamp); records held back or shown again; conflicts recorded;
//! what this device learned about its peers; the local clock moved past every clock of the
//! bundle.
//!
//! The audit log gets one entry for the merge (table `sync_received`, the bundle's id, what it
//! did), which every record written names in `audit_seq`, and one entry for each version that
//! replaced another (the old one whole) and each record held back or shown again. A version new
//! here needs none: it is the row itself, named by its clock and device, and the merge's entry
//! says when it came.
//!
//! Unique indexes are checked row by row, so the order matters: first everything that ends up
//! hidden (tombstones, held records, and the records that will take a value another record is
//! leaving), then the records shown, then those taken over last. Foreign keys are checked at
//! commit (`defer_foreign_keys`), so a child may be written before its parent; the plan has made
//! sure every parent is there.

use std::collections::HashMap;

use chrono::Utc;
use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::{params_from_iter, Connection, ErrorCode};

use super::plan::{NewConflict, Plan, Visibility, Write};
use super::state::BundleMeta;
use super::Version;
use crate::error::{Error, Result};
use crate::records::{Table, NEXT_AUDIT_SEQ};
use crate::store::hlc;

/// How writes appear in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// A version as another laptop made it, in the merge whose audit entry is `entry`.
    Sync { entry: i64 },
    /// A version made here now (a conflict resolved by bringing a record back).
    Update,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Sync { .. } => "sync",
            Action::Update => "update",
        }
    }
}

/// Writes the plan's records, conflicts and peer state, and moves the clock.
///
/// # Errors
///
/// `conflict` when SQLite refuses a row (naming it); `database`.
pub(crate) fn apply(conn: &Connection, plan: &Plan, bundle: &BundleMeta) -> Result<()> {
    // A large merge touches every page of its tables and their indexes several times; with
    // SQLite's default 2 MiB cache it would read them back from the file again and again.
    let cache: i64 = conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
    conn.pragma_update(None, "cache_size", -65_536)?;
    let applied = apply_plan(conn, plan, bundle);
    conn.pragma_update(None, "cache_size", cache)?;
    applied
}

fn apply_plan(conn: &Connection, plan: &Plan, bundle: &BundleMeta) -> Result<()> {
    let at = Utc::now().to_rfc3339();
    let device = hlc::device_id(conn)?;
    // A bundle that changes no record (all of it known already) leaves the audit log as it was.
    if !(plan.writes.is_empty() && plan.visibility.is_empty()) {
        let entry = merge_entry(conn, plan, bundle, &at)?;
        write_records(
            conn,
            &plan.writes,
            &plan.visibility,
            Action::Sync { entry },
            &at,
            &device,
        )?;
    }
    record_conflicts(conn, &plan.conflicts, Some(&bundle.id), &at)?;

    // What this device learned.
    for (peer, clock) in &plan.knowledge {
        conn.prepare_cached(
            "INSERT INTO sync_peers (device, known) VALUES (?1, ?2)
             ON CONFLICT (device) DO UPDATE SET known = excluded.known
             WHERE known IS NOT excluded.known",
        )?
        .execute([peer, &clock.to_string()])?;
    }
    if bundle.device != device {
        // Clocks of one device sort as text.
        conn.prepare_cached(
            "INSERT INTO sync_peers (device, knows_us, heard_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (device) DO UPDATE SET heard_at = excluded.heard_at,
                 knows_us = CASE WHEN excluded.knows_us IS NOT NULL
                                  AND (knows_us IS NULL OR excluded.knows_us > knows_us)
                                 THEN excluded.knows_us ELSE knows_us END",
        )?
        .execute(rusqlite::params![
            bundle.device,
            plan.knows_us.as_ref().map(ToString::to_string),
            at
        ])?;
    }
    conn.execute(
        "INSERT INTO sync_received (bundle_id, device, from_clock, to_clock, rows, contiguous, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        rusqlite::params![
            bundle.id,
            bundle.device,
            bundle.from,
            bundle.to,
            i64::try_from(bundle.rows).unwrap_or(i64::MAX),
            plan.contiguous,
            at
        ],
    )?;

    // After a merge the local clock is ahead of every clock it saw.
    let clock = hlc::last_clock(conn)?.observe(&plan.newest, hlc::wall_millis());
    hlc::store_clock(conn, &clock)
}

/// Writes the merge's own audit entry, first, and returns its sequence number: who made the
/// bundle, its clock, and what the merge did.
fn merge_entry(conn: &Connection, plan: &Plan, bundle: &BundleMeta, at: &str) -> Result<i64> {
    // Counts, flags and a device id: serializing cannot fail.
    let report = serde_json::to_string(&plan.report).unwrap_or_default();
    conn.prepare_cached(
        "INSERT INTO audit_log (at, device, table_name, record_id, action, new, clock)
         VALUES (?1, ?2, 'sync_received', ?3, 'sync', ?4, ?5)",
    )?
    .execute([at, &bundle.device, &bundle.id, &report, &bundle.to])?;
    Ok(conn.last_insert_rowid())
}

/// Writes versions and visibility changes in the order unique indexes need (see the module
/// documentation).
///
/// # Errors
///
/// `conflict` when SQLite refuses a row; `database`.
pub(crate) fn write_records(
    conn: &Connection,
    writes: &[Write],
    visibility: &[Visibility],
    action: Action,
    at: &str,
    device: &str,
) -> Result<()> {
    conn.pragma_update(None, "defer_foreign_keys", true)?;
    // The entry every record written names: the merge's, or the first this action writes.
    let mark = match action {
        Action::Sync { entry } => entry,
        Action::Update => conn.query_row(&format!("SELECT {NEXT_AUDIT_SEQ}"), [], |r| r.get(0))?,
    };
    let mut w = Writer {
        conn,
        sql: HashMap::new(),
        audit: Vec::new(),
        at,
        action,
        mark,
    };
    w.put_all(writes.iter().filter(|w| !w.visible || w.two_phase), true)?;
    for v in visibility.iter().filter(|v| !v.shown) {
        w.set_held(&v.version, true, device)?;
    }
    w.put_all(writes.iter().filter(|w| w.visible && !w.two_phase), false)?;
    for x in writes.iter().filter(|w| w.visible && w.two_phase) {
        show(conn, x.version.table, &x.version.id)?;
    }
    for v in visibility.iter().filter(|v| v.shown) {
        w.set_held(&v.version, false, device)?;
    }
    w.flush_audit()
}

/// A refusal by SQLite of one row, named.
fn refused(table: &Table, id: &str, e: rusqlite::Error) -> Error {
    match &e {
        rusqlite::Error::SqliteFailure(f, msg) if f.code == ErrorCode::ConstraintViolation => {
            let why = msg.clone().unwrap_or_default();
            Error::conflict(
                format!("{} {} 不符合数据库的约束（{why}）", table.label_zh, id),
                format!(
                    "the {} {} breaks a rule of the database ({why})",
                    table.label_en, id
                ),
            )
        }
        _ => e.into(),
    }
}

/// How many rows one statement writes: fewer statements to run, well under SQLite's limit of
/// bound values (the widest table has 22 columns).
const BATCH: usize = 64;

/// One row of the audit log, waiting to be written with others.
struct AuditRow {
    device: String,
    table: &'static str,
    id: String,
    action: &'static str,
    field: Option<&'static str>,
    old: Option<String>,
    new: Option<String>,
    clock: String,
}

/// Writes rows a batch at a time.
struct Writer<'c> {
    conn: &'c Connection,
    /// The statement by table, number of rows, and whether they are new here.
    sql: HashMap<(&'static str, usize, bool), String>,
    audit: Vec<AuditRow>,
    at: &'c str,
    action: Action,
    /// The `audit_seq` of every record written.
    mark: i64,
}

impl Writer<'_> {
    fn upsert_sql(&mut self, table: &'static Table, rows: usize, new: bool) -> String {
        self.sql
            .entry((table.sql, rows, new))
            .or_insert_with(|| {
                let columns: Vec<&str> = table.fields.iter().map(|f| f.column).collect();
                let one = format!("({})", vec!["?"; 5 + columns.len()].join(", "));
                // Records new here are inserted; known ones replaced whole.
                let upsert = if new {
                    String::new()
                } else {
                    format!(
                        " ON CONFLICT (id) DO UPDATE SET clock = excluded.clock,
                          device = excluded.device, deleted = excluded.deleted,
                          audit_seq = excluded.audit_seq, {}",
                        columns
                            .iter()
                            .map(|c| format!("{c} = excluded.{c}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                format!(
                    "INSERT INTO {t} (id, clock, device, deleted, audit_seq, {cols})
                     VALUES {values}{upsert}",
                    t = table.sql,
                    cols = columns.join(", "),
                    values = vec![one; rows].join(", "),
                )
            })
            .clone()
    }

    /// Writes versions whole, consecutive ones of a table in one statement; `hidden` stores
    /// them as deleted (tombstones, held records, or records shown later).
    fn put_all<'w>(&mut self, writes: impl Iterator<Item = &'w Write>, hidden: bool) -> Result<()> {
        let mut batch: Vec<&Write> = Vec::with_capacity(BATCH);
        for w in writes {
            let same_table = batch.first().is_none_or(|first| {
                first.version.table.sql == w.version.table.sql
                    && first.old.is_none() == w.old.is_none()
            });
            if batch.len() == BATCH || !same_table {
                self.put_batch(&batch, hidden)?;
                batch.clear();
            }
            batch.push(w);
        }
        self.put_batch(&batch, hidden)
    }

    fn put_batch(&mut self, batch: &[&Write], hidden: bool) -> Result<()> {
        let Some(first) = batch.first() else {
            return Ok(());
        };
        let table = first.version.table;
        let clocks: Vec<String> = batch.iter().map(|w| w.version.clock.to_string()).collect();
        let run = |writer: &mut Self, rows: &[&Write], clocks: &[String]| -> rusqlite::Result<()> {
            let new = rows.first().is_some_and(|w| w.old.is_none());
            let sql = writer.upsert_sql(table, rows.len(), new);
            let mut params: Vec<ToSqlOutput<'_>> =
                Vec::with_capacity(rows.len() * (5 + table.fields.len()));
            for (w, clock) in rows.iter().zip(clocks) {
                let v = &w.version;
                params.push(ToSqlOutput::Borrowed(ValueRef::Text(v.id.as_bytes())));
                params.push(ToSqlOutput::Borrowed(ValueRef::Text(clock.as_bytes())));
                params.push(ToSqlOutput::Borrowed(ValueRef::Text(v.device().as_bytes())));
                params.push(ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(
                    hidden || v.deleted,
                ))));
                params.push(ToSqlOutput::Borrowed(ValueRef::Integer(writer.mark)));
                params.extend(
                    v.values
                        .iter()
                        .map(|x| ToSqlOutput::Borrowed(ValueRef::from(x))),
                );
            }
            writer
                .conn
                .prepare_cached(&sql)?
                .execute(params_from_iter(params))?;
            Ok(())
        };
        if run(self, batch, &clocks).is_err() {
            // The statement changed nothing; row by row, the refusal names its row.
            for (w, clock) in batch.iter().zip(&clocks) {
                run(self, std::slice::from_ref(w), std::slice::from_ref(clock))
                    .map_err(|e| refused(table, &w.version.id, e))?;
            }
        }
        for (w, clock) in batch.iter().zip(clocks) {
            let v = &w.version;
            let was_held = w.old.as_ref().is_some_and(|o| o.held);
            if w.held() != was_held {
                hold_marker(self.conn, table, &v.id, w.held())?;
            }
            let merged = matches!(self.action, Action::Sync { .. });
            if merged && w.old.is_none() {
                // New here: the merge's entry covers it (see the module documentation).
                continue;
            }
            self.push_audit(AuditRow {
                device: v.device().to_string(),
                table: table.sql,
                id: v.id.clone(),
                action: self.action.as_str(),
                field: None,
                old: w.old.as_ref().map(|o| o.version.audit_json()),
                // A merged version is the row itself, named by its clock, until a later change
                // replaces it, and that change's entry keeps it as `old`; a version made here
                // (a conflict settled) is written out, as `Changes` writes its own.
                new: (!merged).then(|| v.audit_json()),
                clock,
            })?;
        }
        Ok(())
    }

    /// Holds a record back (`held`) or shows it again, its version unchanged.
    fn set_held(&mut self, v: &Version, held: bool, device: &str) -> Result<()> {
        self.conn
            .prepare_cached(&format!(
                "UPDATE {} SET deleted = ?1, audit_seq = ?3 WHERE id = ?2",
                v.table.sql
            ))?
            .execute(rusqlite::params![held, v.id, self.mark])
            .map_err(|e| refused(v.table, &v.id, e))?;
        hold_marker(self.conn, v.table, &v.id, held)?;
        let (old, new) = if held { ("0", "1") } else { ("1", "0") };
        self.push_audit(AuditRow {
            device: device.to_string(),
            table: v.table.sql,
            id: v.id.clone(),
            action: "sync",
            field: Some("held"),
            old: Some(old.to_string()),
            new: Some(new.to_string()),
            clock: v.clock.to_string(),
        })
    }

    fn push_audit(&mut self, row: AuditRow) -> Result<()> {
        self.audit.push(row);
        if self.audit.len() >= BATCH {
            self.flush_audit()?;
        }
        Ok(())
    }

    fn flush_audit(&mut self) -> Result<()> {
        if self.audit.is_empty() {
            return Ok(());
        }
        let one = "(?, ?, ?, ?, ?, ?, ?, ?, ?)";
        let sql = format!(
            "INSERT INTO audit_log (at, device, table_name, record_id, action, field, old, new, clock)
             VALUES {}",
            vec![one; self.audit.len()].join(", ")
        );
        fn text(t: &str) -> ToSqlOutput<'_> {
            ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes()))
        }
        fn maybe(t: Option<&str>) -> ToSqlOutput<'_> {
            t.map_or(ToSqlOutput::Borrowed(ValueRef::Null), text)
        }
        let mut params: Vec<ToSqlOutput<'_>> = Vec::with_capacity(self.audit.len() * 9);
        for r in &self.audit {
            params.extend([
                text(self.at),
                text(&r.device),
                text(r.table),
                text(&r.id),
                text(r.action),
                maybe(r.field),
                maybe(r.old.as_deref()),
                maybe(r.new.as_deref()),
                text(&r.clock),
            ]);
        }
        self.conn
            .prepare_cached(&sql)?
            .execute(params_from_iter(params))?;
        self.audit.clear();
        Ok(())
    }
}

/// Shows a record written hidden in the first pass.
fn show(conn: &Connection, table: &Table, id: &str) -> Result<()> {
    conn.prepare_cached(&format!(
        "UPDATE {} SET deleted = 0 WHERE id = ?1",
        table.sql
    ))?
    .execute([id])
    .map_err(|e| refused(table, id, e))?;
    Ok(())
}

fn hold_marker(conn: &Connection, table: &Table, id: &str, held: bool) -> Result<()> {
    let sql = if held {
        "INSERT OR IGNORE INTO sync_held (table_name, record_id) VALUES (?1, ?2)"
    } else {
        "DELETE FROM sync_held WHERE table_name = ?1 AND record_id = ?2"
    };
    conn.prepare_cached(sql)?.execute([table.sql, id])?;
    Ok(())
}

/// Stores conflicts for review.
///
/// # Errors
///
/// `database`.
pub(crate) fn record_conflicts(
    conn: &Connection,
    conflicts: &[NewConflict],
    bundle_id: Option<&str>,
    at: &str,
) -> Result<()> {
    for c in conflicts {
        let loser = c.loser();
        conn.prepare_cached(
            "INSERT INTO sync_conflicts
                 (found_at, bundle_id, table_name, record_id, reason, winner, local, incoming)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(rusqlite::params![
            at,
            bundle_id,
            loser.table.sql,
            loser.id,
            c.reason.as_str(),
            c.winner.as_str(),
            c.local.to_json(),
            c.incoming.to_json()
        ])?;
    }
    Ok(())
}

/// The stored value of a unique field as SQL compares it.
pub(crate) fn sql_key(v: &Version) -> Option<(&'static str, SqlValue)> {
    let index = super::key_field(v.table)??;
    let field = v.table.fields.get(index)?;
    Some((field.column, v.values.get(index)?.clone()))
}

//! What sync reads of this database: its records as the plan needs them, its knowledge of the
//! other devices, and where the next export starts; and receiving a verified bundle up to the
//! plan ([`prepare`]) and through it ([`apply_bundle`]).

use std::collections::{HashMap, HashSet};

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension};

use super::plan::{self, Incoming, Local, LocalRecord, Plan};
use super::{apply, key_field, sheet, Knowledge, SyncReport, Version};
use crate::bundle::{BundleFile, Manifest};
use crate::error::{Error, Result};
use crate::records::{Kind, Table, TABLES};
use crate::store::hlc::{self, Clock};
use crate::types::DivisionCode;

/// A received bundle, read and planned, not yet applied.
#[derive(Debug)]
pub(crate) enum Prepared {
    /// This very bundle was applied before: nothing to do.
    AlreadyReceived(SyncReport),
    /// The merge to carry out.
    Plan(Box<PreparedPlan>),
}

/// A plan and the bundle it came from.
#[derive(Debug)]
pub(crate) struct PreparedPlan {
    pub(crate) plan: Plan,
    pub(crate) bundle: BundleMeta,
    /// The village the manifest names, which this database is (or becomes).
    pub(crate) village: DivisionCode,
}

/// What the database keeps of a received bundle.
#[derive(Debug, Clone)]
pub(crate) struct BundleMeta {
    pub(crate) id: String,
    pub(crate) device: String,
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) rows: u64,
}

fn refuse(zh: String, en: String) -> Error {
    Error::conflict(zh, en)
}

/// A clock of the manifest's `sync` range, in its exact text form and of the sender's device.
fn manifest_clock(field: &str, text: &str, device: &str) -> Result<Clock> {
    Clock::parse(text)
        .filter(|c| c.to_string() == text && c.device() == device)
        .ok_or_else(|| {
            refuse(
                format!("清单的 sync.{field}（{text}）不是设备 {device} 的有效时钟"),
                format!("sync.{field} of the manifest ({text}) is not a valid clock of the device {device}"),
            )
        })
}

/// Reads a verified sync bundle and plans its merge. `adopting` is the village code of a
/// database that has no records yet and takes its village from this bundle: the bundle must
/// then carry that village.
///
/// # Errors
///
/// What [`sheet`] refuses, a manifest whose `sync` range does not fit, a bundle whose row count
/// is not the manifest's, what [`plan::plan`] refuses; `database`.
pub(crate) fn prepare(
    conn: &Connection,
    manifest: &Manifest,
    payload: Option<&BundleFile>,
    adopting: Option<&DivisionCode>,
) -> Result<Prepared> {
    let Some(range) = &manifest.sync else {
        return Err(refuse(
            "同步数据包的清单缺少 sync".to_string(),
            "the sync bundle's manifest has no sync range".to_string(),
        ));
    };
    let Some(village) = manifest.village.as_ref().map(|v| v.code.clone()) else {
        return Err(refuse(
            "同步数据包的清单缺少 village".to_string(),
            "the sync bundle's manifest names no village".to_string(),
        ));
    };
    let to = manifest_clock("to", &range.to, &range.device)?;
    let from = if range.from.is_empty() {
        None
    } else {
        Some(manifest_clock("from", &range.from, &range.device)?)
    };
    let id = manifest.id.to_string();
    let seen: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sync_received WHERE bundle_id = ?1)",
        [&id],
        |r| r.get(0),
    )?;
    if seen {
        return Ok(Prepared::AlreadyReceived(SyncReport {
            device: range.device.clone(),
            rows: usize::try_from(range.rows).unwrap_or(usize::MAX),
            already_received: true,
            ..SyncReport::default()
        }));
    }
    let Some(file) = payload.filter(|f| f.path == sheet::DATA_FILE) else {
        return Err(refuse(
            "同步数据包缺少 data.xlsx".to_string(),
            "the sync bundle has no data.xlsx".to_string(),
        ));
    };
    let data = sheet::read(&file.bytes)?;
    if data.versions.len() as u64 != range.rows {
        return Err(refuse(
            format!(
                "清单说有 {} 行记录，data.xlsx 中却有 {} 行",
                range.rows,
                data.versions.len()
            ),
            format!(
                "the manifest lists {} rows and data.xlsx holds {}",
                range.rows,
                data.versions.len()
            ),
        ));
    }
    if let Some(code) = adopting {
        let carries_village = data.versions.iter().any(|v| {
            v.table.name == "village"
                && !v.deleted
                && v.value("code") == Some(&SqlValue::Text(code.as_str().to_string()))
        });
        if !carries_village {
            return Err(refuse(
                format!("本机还没有村，这个同步数据包又不含村 {code} 的资料：请对方导出完整同步数据包（--full）"),
                format!("this database has no village yet and the bundle does not carry the village {code}: ask for a --full bundle"),
            ));
        }
    }
    let incoming = Incoming {
        bundle_id: id.clone(),
        device: range.device.clone(),
        from,
        to,
        knowledge: data.knowledge,
        versions: data.versions,
    };
    let local = load_local(conn, &incoming)?;
    let plan = plan::plan(&local, incoming)?;
    Ok(Prepared::Plan(Box::new(PreparedPlan {
        plan,
        village,
        bundle: BundleMeta {
            id,
            device: range.device.clone(),
            from: range.from.clone(),
            to: range.to.clone(),
            rows: range.rows,
        },
    })))
}

/// Carries out a prepared plan inside the caller's transaction.
///
/// # Errors
///
/// `conflict` when SQLite refuses a row (naming it); `database`.
pub(crate) fn apply_bundle(conn: &Connection, prepared: &PreparedPlan) -> Result<()> {
    apply::apply(conn, &prepared.plan, &prepared.bundle)?;
    village_kept(conn, &prepared.village)
}

/// Refuses a merge that leaves the database without the village its bundle named: one whose
/// rows delete the village record, or give it another code. Every record hangs off the village,
/// and step 3 takes a sync bundle only for this database's village, so after such a merge no
/// bundle of the team could be received again. Checked on the merged state, inside the
/// transaction, whatever the rows did.
fn village_kept(conn: &Connection, village: &DivisionCode) -> Result<()> {
    if crate::bundle::local_village(conn)?.as_ref() == Some(village) {
        return Ok(());
    }
    Err(refuse(
        format!("这个同步数据包会使本机不再有村 {village} 的资料（删除村的记录，或改动村代码），因此不能合并"),
        format!("this sync bundle would leave this database without the village {village} (its rows delete the village's record or change its code), so it cannot be merged"),
    ))
}

/// The columns read for a record: id, clock, stored deleted, held, then the fields.
fn select_columns(table: &Table) -> String {
    let mut columns = vec![
        "t.id".to_string(),
        "t.clock".to_string(),
        "t.deleted".to_string(),
        "h.record_id IS NOT NULL".to_string(),
    ];
    columns.extend(table.fields.iter().map(|f| format!("t.{}", f.column)));
    format!(
        "SELECT {} FROM {} t LEFT JOIN sync_held h ON h.table_name = '{}' AND h.record_id = t.id",
        columns.join(", "),
        table.sql,
        table.sql
    )
}

/// Reads a record row selected by [`select_columns`].
fn read_record(table: &'static Table, r: &rusqlite::Row<'_>) -> rusqlite::Result<LocalRecord> {
    let id: String = r.get(0)?;
    let clock_text: String = r.get(1)?;
    let deleted: bool = r.get(2)?;
    let held: bool = r.get(3)?;
    // Every clock here was written by `Changes` or by sync, both in the canonical form; a
    // damaged one sorts first, so any version that comes wins over it.
    let clock = Clock::parse(&clock_text).unwrap_or_else(|| Clock::new(i64::MIN, 0, ""));
    let mut values = Vec::with_capacity(table.fields.len());
    for i in 0..table.fields.len() {
        values.push(r.get::<_, SqlValue>(4 + i)?);
    }
    Ok(LocalRecord {
        version: Version {
            table,
            id,
            clock,
            // A held record's own version is live; it is stored as deleted only to stay out
            // of the unique indexes and the lists.
            deleted: deleted && !held,
            values,
        },
        held,
    })
}

/// One record as this database holds it, any state.
///
/// # Errors
///
/// `database`.
pub(crate) fn load_record(
    conn: &Connection,
    table: &'static Table,
    id: &str,
) -> Result<Option<LocalRecord>> {
    let sql = format!("{} WHERE t.id = ?1", select_columns(table));
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], |r| read_record(table, r))
        .optional()?)
}

/// The ids as one JSON array, for `IN (SELECT value FROM json_each(?))`.
fn id_list<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    serde_json::Value::Array(ids.map(|i| i.to_string().into()).collect()).to_string()
}

/// What the plan needs to know of this database for `incoming`.
///
/// # Errors
///
/// `database`.
pub(crate) fn load_local(conn: &Connection, incoming: &Incoming) -> Result<Local> {
    let mut local = Local::new(&hlc::device_id(conn)?);
    local.knowledge = knowledge(conn)?;
    let mut by_table: HashMap<&str, Vec<&str>> = HashMap::new();
    for v in &incoming.versions {
        by_table.entry(v.table.sql).or_default().push(&v.id);
    }
    for table in TABLES {
        let empty: bool = conn
            .prepare_cached(&format!("SELECT NOT EXISTS (SELECT 1 FROM {})", table.sql))?
            .query_row([], |r| r.get(0))?;
        if empty {
            // A new laptop: nothing to compare with.
            continue;
        }
        let ids = by_table.get(table.sql);
        if let Some(ids) = ids {
            let sql = format!(
                "{} WHERE t.id IN (SELECT value FROM json_each(?1))",
                select_columns(table)
            );
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map([id_list(ids.iter().copied())], |r| read_record(table, r))?;
            for record in rows {
                let record = record?;
                local.add(record.version, record.held);
            }
        }
        // Collisions need every record whose own version is live: when the bundle brings one
        // of the table, or when some record of it is held (it may be shown again).
        if key_field(table).is_some() {
            let any_held: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM sync_held WHERE table_name = ?1)",
                [table.sql],
                |r| r.get(0),
            )?;
            if ids.is_some() || any_held {
                let sql = format!(
                    "{} WHERE t.deleted = 0 OR h.record_id IS NOT NULL",
                    select_columns(table)
                );
                let mut stmt = conn.prepare(&sql)?;
                let rows = stmt.query_map([], |r| read_record(table, r))?;
                for record in rows {
                    let record = record?;
                    local.add(record.version, record.held);
                }
            }
        }
    }

    // The records incoming rows refer to that are neither loaded nor in the bundle.
    let in_bundle: HashSet<(&str, &str)> = incoming
        .versions
        .iter()
        .map(|v| (v.table.sql, v.id.as_str()))
        .collect();
    let mut wanted: HashMap<&'static str, HashSet<&str>> = HashMap::new();
    for v in &incoming.versions {
        for (field, value) in v.table.fields.iter().zip(&v.values) {
            let (Kind::Ref(target), SqlValue::Text(id)) = (field.kind, value) else {
                continue;
            };
            let Some(target) = crate::records::table(target) else {
                continue;
            };
            if !in_bundle.contains(&(target.sql, id.as_str()))
                && !local.records.contains_key(&(target.sql, id.clone()))
            {
                wanted.entry(target.sql).or_default().insert(id);
            }
        }
    }
    for (sql, ids) in wanted {
        let query = format!("SELECT id FROM {sql} WHERE id IN (SELECT value FROM json_each(?1))");
        let mut stmt = conn.prepare(&query)?;
        let found = stmt.query_map([id_list(ids.into_iter())], |r| r.get::<_, String>(0))?;
        for id in found {
            local.existing.insert((sql, id?));
        }
    }
    Ok(local)
}

/// This device's knowledge of the others.
///
/// # Errors
///
/// `database`.
pub(crate) fn knowledge(conn: &Connection) -> Result<Knowledge> {
    let mut stmt = conn.prepare("SELECT device, known FROM sync_peers WHERE known IS NOT NULL")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut knowledge = Knowledge::new();
    for row in rows {
        let (device, text) = row?;
        if let Some(clock) = Clock::parse(&text).filter(|c| c.device() == device) {
            knowledge.insert(device, clock);
        }
    }
    Ok(knowledge)
}

/// Where the next export starts: the oldest of our states that a peer we have heard from has
/// confirmed, with the audit log's sequence number at that state. `None` — everything — when
/// no peer has sent us a bundle yet, when one of them has not confirmed anything of ours, or
/// when the state it names is not one this database exported.
///
/// # Errors
///
/// `database`.
pub(crate) fn export_start(conn: &Connection) -> Result<Option<(Clock, i64)>> {
    let mut stmt = conn.prepare("SELECT knows_us FROM sync_peers WHERE heard_at IS NOT NULL")?;
    let confirmed = stmt
        .query_map([], |r| r.get::<_, Option<String>>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut oldest: Option<Clock> = None;
    for text in &confirmed {
        let Some(clock) = text.as_deref().and_then(Clock::parse) else {
            return Ok(None);
        };
        if oldest.as_ref().is_none_or(|o| clock < *o) {
            oldest = Some(clock);
        }
    }
    let Some(oldest) = oldest else {
        return Ok(None);
    };
    let seq: Option<i64> = conn
        .query_row(
            "SELECT audit_seq FROM sync_exports WHERE to_clock = ?1",
            [oldest.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(seq.map(|s| (oldest, s)))
}

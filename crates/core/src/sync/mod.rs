//! Sync between the laptops of one village team (BUNDLES.md "Sync rows").
//!
//! A laptop exports the records it changed as a signed `sync` bundle ([`export_bundle`]); another
//! laptop of the same village receives it ([`crate::bundle::receive`]), which reads its
//! `data.xlsx`, computes what the merge will do as a pure value ([`plan::plan`]) and carries that
//! out in one transaction after an automatic backup. Versions that lose a merge are kept for a
//! person to review ([`conflicts`], [`resolve`]).
//!
//! # data.xlsx
//!
//! One sheet per synced table, named by its SQL table (`households`), in the order of
//! [`crate::records::TABLES`] (parents before children). Row 1 holds the column names as stored:
//! `id`, `clock`, `device`, `deleted`, then the table's columns (`group_id`,
//! `income_per_capita_fen`…). Every other row is one record, as stored: integer columns (counts,
//! years, money in 分, 0/1 flags) as numbers, decimals as numbers, and everything else — codes,
//! ids, clocks, dates, labels, lists — as text cells, never numbers; an empty cell is no value.
//! A sheet `_sync` lists the sender's knowledge (below): `device`, `clock`.
//!
//! # Merging
//!
//! Every version is identified by its clock (a hybrid logical clock that names its device, so
//! two different versions never share one). For each incoming row: an unknown id is inserted; a
//! known one is replaced when the incoming clock is newer and kept when it is older or equal.
//! Tombstones (`deleted = 1`) win and lose the same way. Rows are written with the clock and
//! device they came with (never stamped anew). The audit log gets one entry for the merge
//! (action `sync`, table `sync_received`, the bundle's id and device, what the merge did), which
//! every record written names in `audit_seq`; and an entry for each version that replaced one
//! here, with the author's device, the version's clock and the version replaced in `old`. The
//! new version is the row itself, named by its clock, until a later change replaces it and keeps
//! it as `old` in turn: a full bundle's thousands of rows are not written twice. Records held
//! back or shown again are in the audit log too (field `held`). After the merge
//! the local clock is ahead of every clock the bundle held, and the whole merge is one
//! transaction: killed at any moment, the database holds all of it or none of it.
//!
//! # Knowledge, and what counts as a conflict
//!
//! Each device keeps, for every other device D, the newest clock `known[D]` at which it has taken
//! in D's records completely: D's bundles carry D's changes since some earlier bundle of D's
//! (`from`) up to D's clock when it was made (`to`), so a bundle whose `from` this device had
//! reached (or a full one) brings it up to `to`; the sender's own knowledge comes along in the
//! `_sync` sheet and is merged too. A bundle that starts later than what this device had is
//! applied all the same, but teaches it nothing, and the report says so ([`SyncReport::gap`]).
//!
//! A version that loses is a conflict unless the side that won had already seen it: when the
//! incoming version wins, the local one is a conflict unless the sender's knowledge covers it (it
//! then either built on it or recorded the conflict itself); when the local version wins, the
//! incoming one is a conflict unless this device had already seen it. Versions made by the same
//! device are never in conflict: a device's later version always knows its earlier ones. The
//! losing version is stored whole with the winning one ([`Conflict`]).
//!
//! # What a bundle holds
//!
//! We do not know which laptop a bundle on a USB stick will reach, so a bundle holds the records
//! changed since the oldest state of ours that any peer we have heard from has confirmed
//! having (the `knows_us` a peer's bundle carries) — "changed since the last bundle that peer
//! has", taken over every peer. Changes are found through the audit log's sequence numbers: each
//! record names the entry of its latest change (`audit_seq`), a local edit's or the merge's that
//! brought it, so a laptop passes on what it learned from a third one. Before every peer we have heard from has confirmed something of
//! ours (and always with `--full`) the bundle holds every record, tombstones included. A bundle
//! that was never delivered therefore costs nothing: the next one still holds its changes. A
//! bundle also holds the current version of every record its rows refer to (a household's
//! group, a payment's funding line and its intervention), so it never brings a child without
//! its parent. A laptop that has never sent us anything is not counted — we cannot know it
//! exists — so a delta may start later than what it has: it applies it, reports the gap, and a
//! `--full` bundle (or the next delta, once it has sent one of its own) fills it.
//!
//! # Unique collisions
//!
//! Two laptops can create two households with the same code, two log entries for the same day,
//! two groups with the same name, two yearly figures for one year, or a village each. The merge
//! never aborts on that: of the records whose own version is live and that share such a value,
//! the one with the newest clock is shown and the others are *held*: stored as `deleted = 1`
//! locally (so unique indexes and lists skip them), remembered in `sync_held`, exported with
//! their own live version, and listed as a conflict of reason `unique` where the collision was
//! first found. The rule depends only on the versions, so every laptop shows the same record,
//! and a held record comes back by itself when the one shown is deleted or given another code
//! (at the next sync). Held records keep their children's references valid.
//!
//! # Missing parents
//!
//! A written row that refers to a record (a household's group, a fund's intervention) that is
//! neither in this database nor in the bundle is refused at step 5, naming the table, the record
//! and the missing one: applying it would break the foreign key, and deferring it would leave the
//! two laptops silently different. Bundles made by this program never do this (see above); the
//! remedy for one that does is a `--full` bundle.
//!
//! # Receiving the same bundle again
//!
//! The ids of applied bundles are kept: the same bundle again changes nothing and makes no
//! backup. An older bundle after a newer one from the same laptop finds only versions that are
//! the same or older than those here, all of them known, so it changes no record either.
//!
//! # A new laptop
//!
//! A database with no record at all accepts the sync bundle of any village whose signing key it
//! trusts as a village key, if the bundle carries that village's record (a `--full` bundle
//! does); it becomes that village's database.
//!
//! # Checks
//!
//! Incoming values are checked cell by cell against their field (a label of its list, a real
//! date, a valid ID-card number…), and required fields must be there. Rules that span records
//! (a fund's payments within its amount) are not: merging two valid databases can break them,
//! and refusing would keep the laptops apart for good.

mod apply;
mod conflicts;
mod export;
pub mod plan;
mod sheet;
mod state;

use std::collections::BTreeMap;
use std::fmt;

use rusqlite::types::{Value as SqlValue, ValueRef};
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::error::{Error, Lang, Result};
use crate::records::{Kind, Row, Table, Value};
use crate::store::hlc::Clock;

pub use conflicts::{all_conflicts, conflicts, resolve, Conflict, Keep};
pub use export::export_bundle;
pub use plan::{plan, ConflictReason, Side};
pub(crate) use state::{apply_bundle, prepare, Prepared};

/// The name of the sheet of `data.xlsx` that carries the sender's knowledge.
pub const KNOWLEDGE_SHEET: &str = "_sync";

/// The columns every synced table starts with, in `data.xlsx` and in SQLite.
pub const SYNC_COLUMNS: [&str; 4] = ["id", "clock", "device", "deleted"];

/// One version of one record: its id, its clock (which names the device that made it), whether
/// it is a tombstone, and its columns as stored, in the order of the table's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    /// The kind of record.
    pub table: &'static Table,
    /// The record's id.
    pub id: String,
    /// The clock of this version.
    pub clock: Clock,
    /// Whether this version deletes the record.
    pub deleted: bool,
    /// The stored value of each field, in the order of `table.fields`.
    pub values: Vec<SqlValue>,
}

impl Version {
    /// A version holding `row`'s fields (references as ids, as [`crate::records::list_rows`]
    /// gives them).
    ///
    /// # Examples
    ///
    /// ```
    /// use zhucun_core::records::{schema, Row, Value};
    /// use zhucun_core::store::hlc::Clock;
    /// use zhucun_core::sync::Version;
    /// let mut row = Row::new();
    /// row.insert("name", Value::Text("一组".into()));
    /// let v = Version::from_row(&schema::GROUP, "g1", Clock::new(5, 0, "a"), false, &row);
    /// assert_eq!(v.row().get("name"), Some(&Value::Text("一组".into())));
    /// assert_eq!(v.device(), "a");
    /// ```
    pub fn from_row(
        table: &'static Table,
        id: &str,
        clock: Clock,
        deleted: bool,
        row: &Row,
    ) -> Version {
        let values = table
            .fields
            .iter()
            .map(|f| row.get(f.name).map_or(SqlValue::Null, |v| v.to_sql(f.kind)))
            .collect();
        Version {
            table,
            id: id.to_string(),
            clock,
            deleted,
            values,
        }
    }

    /// The device that made this version.
    pub fn device(&self) -> &str {
        self.clock.device()
    }

    /// The fields, by name, as the records module holds them.
    pub fn row(&self) -> Row {
        let mut row = Row::new();
        for (field, value) in self.table.fields.iter().zip(&self.values) {
            let v = Value::from_sql(field.kind, ValueRef::from(value));
            if !v.is_null() {
                row.insert(field.name, v);
            }
        }
        row
    }

    /// The stored value of the field with this name.
    pub fn value(&self, name: &str) -> Option<&SqlValue> {
        let i = self.table.fields.iter().position(|f| f.name == name)?;
        self.values.get(i)
    }

    /// The row as stored, as a JSON object keyed by column (what the conflicts table keeps:
    /// nothing masked, so the version can be applied again).
    pub(crate) fn to_json(&self) -> String {
        let mut map = serde_json::Map::new();
        map.insert("id".into(), self.id.clone().into());
        map.insert("clock".into(), self.clock.to_string().into());
        map.insert("device".into(), self.device().into());
        map.insert("deleted".into(), i64::from(self.deleted).into());
        for (field, value) in self.table.fields.iter().zip(&self.values) {
            map.insert(field.column.into(), sql_to_json(value));
        }
        serde_json::Value::Object(map).to_string()
    }

    /// Reads what [`Version::to_json`] wrote.
    pub(crate) fn from_json(table: &'static Table, text: &str) -> Result<Version> {
        let damaged = || {
            Error::conflict(
                format!("同步冲突记录已损坏（{}）", table.label_zh),
                format!("A stored sync conflict is damaged ({})", table.label_en),
            )
        };
        let value: serde_json::Value = serde_json::from_str(text).map_err(|_| damaged())?;
        let map = value.as_object().ok_or_else(damaged)?;
        let text_of = |key: &str| map.get(key).and_then(|v| v.as_str());
        let id = text_of("id").ok_or_else(damaged)?.to_string();
        let clock = text_of("clock")
            .and_then(Clock::parse)
            .ok_or_else(damaged)?;
        let deleted = map.get("deleted").and_then(serde_json::Value::as_i64) == Some(1);
        let values = table
            .fields
            .iter()
            .map(|f| json_to_sql(map.get(f.column)))
            .collect();
        Ok(Version {
            table,
            id,
            clock,
            deleted,
            values,
        })
    }

    /// The row as the audit log keeps it: the fields that have a value, by name, ID-card
    /// numbers masked. Written by hand: a full sync writes one for every row it brings.
    pub(crate) fn audit_json(&self) -> String {
        let mut out: Vec<u8> = Vec::with_capacity(64 + 24 * self.values.len());
        out.extend_from_slice(if self.deleted {
            b"{\"deleted\":1"
        } else {
            b"{\"deleted\":0"
        });
        for (field, value) in self.table.fields.iter().zip(&self.values) {
            if matches!(value, SqlValue::Null | SqlValue::Blob(_)) {
                continue;
            }
            out.extend_from_slice(b",\"");
            // Field names are ASCII identifiers: nothing to escape.
            out.extend_from_slice(field.name.as_bytes());
            out.extend_from_slice(b"\":");
            let written = match (field.kind, value) {
                (Kind::IdCard, SqlValue::Text(t)) => serde_json::to_writer(&mut out, &mask(t)),
                (_, SqlValue::Text(t)) => serde_json::to_writer(&mut out, t),
                (_, SqlValue::Integer(i)) => serde_json::to_writer(&mut out, i),
                (_, SqlValue::Real(r)) => serde_json::to_writer(&mut out, r),
                (_, SqlValue::Null | SqlValue::Blob(_)) => Ok(()),
            };
            if written.is_err() {
                out.extend_from_slice(b"null");
            }
        }
        out.push(b'}');
        String::from_utf8(out).unwrap_or_default()
    }
}

impl Serialize for Version {
    /// `id`, `clock`, `device`, `deleted`, then the fields by name as the records module shows
    /// them (references as ids), ID-card numbers masked.
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("clock", &self.clock.to_string())?;
        map.serialize_entry("device", self.device())?;
        map.serialize_entry("deleted", &self.deleted)?;
        for (field, value) in self.table.fields.iter().zip(&self.values) {
            let v = Value::from_sql(field.kind, ValueRef::from(value));
            match (field.kind, &v) {
                (Kind::IdCard, Value::Text(t)) => map.serialize_entry(field.name, &mask(t))?,
                _ => map.serialize_entry(field.name, &v)?,
            }
        }
        map.end()
    }
}

/// An ID-card number as people may see it.
fn mask(text: &str) -> String {
    crate::types::mask_id_card(text)
}

fn sql_to_json(value: &SqlValue) -> serde_json::Value {
    match value {
        SqlValue::Null | SqlValue::Blob(_) => serde_json::Value::Null,
        SqlValue::Integer(i) => (*i).into(),
        SqlValue::Real(r) => {
            serde_json::Number::from_f64(*r).map_or(serde_json::Value::Null, Into::into)
        }
        SqlValue::Text(t) => t.clone().into(),
    }
}

fn json_to_sql(value: Option<&serde_json::Value>) -> SqlValue {
    match value {
        Some(serde_json::Value::String(t)) => SqlValue::Text(t.clone()),
        Some(serde_json::Value::Number(n)) => match n.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => n.as_f64().map_or(SqlValue::Null, SqlValue::Real),
        },
        Some(serde_json::Value::Bool(b)) => SqlValue::Integer(i64::from(*b)),
        _ => SqlValue::Null,
    }
}

/// The value of a unique field (or the one village), as collisions compare it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum KeyValue {
    /// The village table: every live village collides with every other.
    Singleton,
    /// A text value.
    Text(String),
    /// A whole number.
    Int(i64),
}

/// Where a table's unique value lives: none, a field (by index), or the table itself (the
/// village: one per database).
pub(crate) fn key_field(table: &Table) -> Option<Option<usize>> {
    if table.name == "village" {
        return Some(None);
    }
    let name = table.unique.first()?;
    Some(table.fields.iter().position(|f| f.name == *name))
}

/// The unique value of a live version, if its table has one and the version holds it.
pub(crate) fn key_of(version: &Version) -> Option<KeyValue> {
    match key_field(version.table)? {
        None => Some(KeyValue::Singleton),
        Some(i) => match version.values.get(i)? {
            SqlValue::Text(t) => Some(KeyValue::Text(t.clone())),
            SqlValue::Integer(n) => Some(KeyValue::Int(*n)),
            _ => None,
        },
    }
}

/// What receiving a sync bundle did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    /// The device that made the bundle.
    pub device: String,
    /// How many record rows the bundle held.
    pub rows: usize,
    /// Records that were new here.
    pub inserted: usize,
    /// Records whose incoming version was newer and replaced ours.
    pub replaced: usize,
    /// Records whose version here was newer and was kept.
    pub kept: usize,
    /// Records that were the same version on both sides.
    pub unchanged: usize,
    /// Conflicts recorded for review.
    pub conflicts: usize,
    /// Records newly held back by a unique collision.
    pub held: usize,
    /// Held records shown again (the record they collided with is gone or changed).
    pub released: usize,
    /// Whether the bundle starts after what this device had of its sender: its changes were
    /// applied, but changes of the sender made before it may be missing here until a later
    /// or a `--full` bundle brings them.
    pub gap: bool,
    /// Whether this very bundle had been received before (then nothing was changed).
    pub already_received: bool,
}

impl SyncReport {
    /// What receiving the bundle did, as one sentence.
    pub fn message(&self, lang: Lang) -> String {
        if self.already_received {
            return lang
                .pick(
                    "这个同步数据包已经导入过，没有任何改动",
                    "This sync bundle was received before: nothing was changed",
                )
                .to_string();
        }
        let mut text = match lang {
            Lang::Zh => format!(
                "同步完成：{} 行中新增 {} 条、更新 {} 条，本机较新保留 {} 条，相同 {} 条",
                self.rows, self.inserted, self.replaced, self.kept, self.unchanged
            ),
            Lang::En => format!(
                "Synced {} rows: {} added, {} updated, {} kept (newer here), {} the same",
                self.rows, self.inserted, self.replaced, self.kept, self.unchanged
            ),
        };
        if self.conflicts > 0 {
            text.push_str(&match lang {
                Lang::Zh => format!(
                    "；发现 {} 处冲突，请用 zhucun conflicts list 查看处理",
                    self.conflicts
                ),
                Lang::En => format!(
                    "; {} conflicts to review with zhucun conflicts list",
                    self.conflicts
                ),
            });
        }
        if self.gap {
            text.push_str(lang.pick(
                "；此数据包之前还有对方的更改未收到，请让对方导出完整同步数据包（--full）",
                "; earlier changes of the sender have not arrived here: ask for a --full bundle",
            ));
        }
        text
    }
}

impl fmt::Display for SyncReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::Zh))
    }
}

/// A device's knowledge: for each other device, the newest clock of it taken in completely.
pub type Knowledge = BTreeMap<String, Clock>;

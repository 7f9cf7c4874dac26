//! The conflicts a merge found, for a person to review ([`conflicts`]) and settle
//! ([`resolve`]).

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use super::apply::{self, sql_key, Action};
use super::plan::{ConflictReason, NewConflict, Side, Visibility, Write};
use super::{key_of, state, Version};
use crate::error::{Error, Lang, Result};
use crate::records::schema::table_by_sql;
use crate::records::{self, Changes, Table};
use crate::store::hlc;

/// Which version a person keeps: the one that was here (`Local`) or the one that came
/// (`Incoming`).
pub type Keep = Side;

/// A version that lost a merge, and the one that won.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// Its number, for `conflicts resolve`.
    pub id: i64,
    /// The kind of record.
    pub table: &'static Table,
    /// The record whose version lost.
    pub record_id: String,
    /// Why the two versions were in conflict.
    pub reason: ConflictReason,
    /// Which side won (and is in the database now, unless changed since).
    pub winner: Side,
    /// The version that was here (for a unique collision, the record that was here).
    pub local: Version,
    /// The version that came (for a unique collision, the record that came).
    pub incoming: Version,
    /// When the merge found it (RFC 3339).
    pub found_at: String,
    /// The bundle that brought it, if a bundle did.
    pub bundle_id: Option<String>,
    /// When a person settled it.
    pub resolved_at: Option<String>,
    /// Which version they kept.
    pub kept: Option<Keep>,
}

impl Conflict {
    /// The version that lost.
    pub fn loser(&self) -> &Version {
        match self.winner {
            Side::Local => &self.incoming,
            Side::Incoming => &self.local,
        }
    }

    /// The conflict as one line for people: its number, the record, why, and which version
    /// is in the database.
    pub fn summary(&self, lang: Lang) -> String {
        let named = |v: &Version| {
            self.table
                .keys
                .first()
                .and_then(|k| v.row().get(k).map(|x| x.to_text()))
                .unwrap_or_else(|| v.id.clone())
        };
        let loser = self.loser();
        let deleted = |v: &Version, zh: bool| match (v.deleted, zh) {
            (true, true) => "（删除）",
            (true, false) => " (deletion)",
            _ => "",
        };
        let (table, id) = (self.table, self.id);
        match lang {
            Lang::Zh => {
                let why = match self.reason {
                    ConflictReason::Concurrent => "两台电脑都改了这条记录".to_string(),
                    ConflictReason::Unique => format!(
                        "与{}“{}”重复，只能显示一条",
                        table.label_zh,
                        named(if self.winner == Side::Local {
                            &self.local
                        } else {
                            &self.incoming
                        })
                    ),
                };
                let kept = match self.winner {
                    Side::Local => "本机的版本",
                    Side::Incoming => "对方的版本",
                };
                format!(
                    "冲突 {id}：{}“{}”{}：{why}；数据库中是{kept}，落选的版本待处理（--keep local 或 incoming）",
                    table.label_zh,
                    named(loser),
                    deleted(loser, true),
                )
            }
            Lang::En => {
                let why = match self.reason {
                    ConflictReason::Concurrent => "both laptops changed it".to_string(),
                    ConflictReason::Unique => format!(
                        "it shares its {} with another record, and only one is shown",
                        table.keys.first().copied().unwrap_or("value")
                    ),
                };
                format!(
                    "conflict {id}: {} “{}”{}: {why}; the database holds the {} version, the other waits (--keep local or incoming)",
                    table.label_en,
                    named(loser),
                    deleted(loser, false),
                    self.winner.as_str()
                )
            }
        }
    }
}

impl Serialize for Conflict {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut c = s.serialize_struct("Conflict", 11)?;
        c.serialize_field("id", &self.id)?;
        c.serialize_field("table", self.table.name)?;
        c.serialize_field("record_id", &self.record_id)?;
        c.serialize_field("reason", &self.reason)?;
        c.serialize_field("winner", &self.winner)?;
        c.serialize_field("local", &self.local)?;
        c.serialize_field("incoming", &self.incoming)?;
        c.serialize_field("found_at", &self.found_at)?;
        c.serialize_field("bundle_id", &self.bundle_id)?;
        c.serialize_field("resolved_at", &self.resolved_at)?;
        c.serialize_field("kept", &self.kept)?;
        c.end()
    }
}

const SELECT: &str = "SELECT id, table_name, record_id, reason, winner, local, incoming, found_at,
                             bundle_id, resolved_at, kept
                      FROM sync_conflicts";

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Conflict>> {
    let id: i64 = r.get(0)?;
    let table_name: String = r.get(1)?;
    let reason: String = r.get(3)?;
    let winner: String = r.get(4)?;
    let local: String = r.get(5)?;
    let incoming: String = r.get(6)?;
    let kept: Option<String> = r.get(10)?;
    let record_id: String = r.get(2)?;
    let found_at: String = r.get(7)?;
    let bundle_id: Option<String> = r.get(8)?;
    let resolved_at: Option<String> = r.get(9)?;
    Ok((|| {
        let damaged = || {
            Error::conflict(
                format!("同步冲突 {id} 的记录已损坏"),
                format!("The stored sync conflict {id} is damaged"),
            )
        };
        let table = table_by_sql(&table_name).ok_or_else(damaged)?;
        Ok(Conflict {
            id,
            table,
            record_id,
            reason: ConflictReason::parse(&reason).ok_or_else(damaged)?,
            winner: Side::parse(&winner).ok_or_else(damaged)?,
            local: Version::from_json(table, &local)?,
            incoming: Version::from_json(table, &incoming)?,
            found_at,
            bundle_id,
            resolved_at,
            kept: kept.as_deref().and_then(Side::parse),
        })
    })())
}

fn list(conn: &Connection, filter: &str) -> Result<Vec<Conflict>> {
    let mut stmt = conn.prepare(&format!("{SELECT}{filter} ORDER BY id"))?;
    let rows = stmt.query_map([], read)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

/// The conflicts no one has settled yet, oldest first.
///
/// # Errors
///
/// `database`; `conflict` when a stored conflict is damaged.
///
/// # Examples
///
/// ```
/// let conn = zhucun_core::store::open_in_memory()?;
/// assert!(zhucun_core::sync::conflicts(&conn)?.is_empty());
/// # Ok::<(), zhucun_core::Error>(())
/// ```
pub fn conflicts(conn: &Connection) -> Result<Vec<Conflict>> {
    list(conn, " WHERE resolved_at IS NULL")
}

/// Every conflict, settled or not, oldest first.
///
/// # Errors
///
/// As [`conflicts`].
pub fn all_conflicts(conn: &Connection) -> Result<Vec<Conflict>> {
    list(conn, "")
}

/// Settles conflict `id` by keeping one version. Keeping the version that won changes no
/// record. Keeping the one that lost applies it again as a new change made here now, so it wins
/// everywhere at the next sync: a shown record is edited (or deleted) through
/// [`records::Changes`], with the usual checks; a record that is deleted or held back is brought
/// back with the kept version's fields and a new clock — and as the newest, it is shown, and a
/// record that shared its code (name, day, year) is held back in its place and listed as a new
/// conflict. Returns whether a record was changed.
///
/// # Errors
///
/// `not_found` for an unknown conflict or a record that is gone; `conflict` for one settled
/// already; `invalid_field` when the kept version breaks a rule now (its code taken by another
/// shown record); `database`.
pub fn resolve(conn: &mut Connection, id: i64, keep: Keep) -> Result<bool> {
    let tx = conn.transaction()?;
    let conflict = tx
        .query_row(&format!("{SELECT} WHERE id = ?1"), [id], read)
        .optional()?
        .transpose()?
        .ok_or_else(|| Error::NotFound {
            what: "同步冲突".to_string(),
            key: id.to_string(),
        })?;
    if conflict.resolved_at.is_some() {
        return Err(Error::conflict(
            format!("同步冲突 {id} 已经处理过"),
            format!("The sync conflict {id} was settled already"),
        ));
    }
    let changed = if keep == conflict.winner {
        false
    } else {
        keep_version(&tx, conflict.loser())?
    };
    tx.execute(
        "UPDATE sync_conflicts SET resolved_at = ?1, kept = ?2 WHERE id = ?3",
        rusqlite::params![Utc::now().to_rfc3339(), keep.as_str(), id],
    )?;
    tx.commit()?;
    Ok(changed)
}

/// Makes `kept` the record's version again, as a change made here now.
fn keep_version(conn: &Connection, kept: &Version) -> Result<bool> {
    let table = kept.table;
    let current = state::load_record(conn, table, &kept.id)?.ok_or_else(|| Error::NotFound {
        what: table.label_zh.to_string(),
        key: kept.id.clone(),
    })?;
    if current.visible() {
        let mut changes = Changes::begin(conn)?;
        let changed = if kept.deleted {
            changes.delete(table, &kept.id)?;
            true
        } else {
            records::update_checked(
                &mut changes,
                conn,
                table,
                &kept.id,
                &current.version.row(),
                &kept.row(),
            )?
        };
        changes.finish()?;
        return Ok(changed);
    }
    if kept.deleted && current.version.deleted {
        // Deleted here already, as the kept version says.
        return Ok(false);
    }

    // Deleted or held back: `Changes` edits only live records, so the kept version is written
    // here whole, with a new clock of this device.
    let device = hlc::device_id(conn)?;
    let clock = hlc::last_clock(conn)?.tick(hlc::wall_millis());
    hlc::store_clock(conn, &clock)?;
    let version = Version {
        clock,
        ..kept.clone()
    };
    let mut visibility = Vec::new();
    let mut conflicts = Vec::new();
    if !version.deleted {
        for other in shown_with_same_value(conn, &version)? {
            // The newest version is the one shown; the other is held back and listed.
            conflicts.push(NewConflict {
                reason: ConflictReason::Unique,
                winner: Side::Local,
                local: version.clone(),
                incoming: other.clone(),
            });
            visibility.push(Visibility {
                version: other,
                shown: false,
            });
        }
    }
    let write = Write {
        visible: !version.deleted,
        version,
        old: Some(current),
        two_phase: false,
    };
    let at = Utc::now().to_rfc3339();
    apply::write_records(
        conn,
        std::slice::from_ref(&write),
        &visibility,
        Action::Update,
        &at,
        &device,
    )?;
    apply::record_conflicts(conn, &conflicts, None, &at)?;
    Ok(true)
}

/// The shown records (other than `version`'s own) that hold its unique value.
fn shown_with_same_value(conn: &Connection, version: &Version) -> Result<Vec<Version>> {
    if key_of(version).is_none() {
        return Ok(Vec::new());
    }
    let table = version.table;
    let (filter, value) = match sql_key(version) {
        Some((column, value)) => (format!(" AND {column} = ?2"), Some(value)),
        None => (String::new(), None),
    };
    let sql = format!(
        "SELECT id FROM {} WHERE deleted = 0 AND id <> ?1{filter}",
        table.sql
    );
    let mut stmt = conn.prepare(&sql)?;
    let ids: Vec<String> = match value {
        Some(v) => stmt
            .query_map(rusqlite::params![version.id, v], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?,
        None => stmt
            .query_map([&version.id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?,
    };
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(record) = state::load_record(conn, table, &id)? {
            out.push(record.version);
        }
    }
    Ok(out)
}

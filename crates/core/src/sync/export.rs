//! Making a sync bundle of this database's changes.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use chrono::Utc;
use rusqlite::types::ValueRef;
use rusqlite::Connection;

use super::sheet::{DataWriter, TableSheet, DATA_FILE};
use super::state;
use crate::bundle::{self, Manifest, NewBundle, SyncRange, VillageRef};
use crate::error::{Error, Result};
use crate::records::{table, Kind, Table, Value, TABLES};
use crate::store::hlc;
use crate::types::DivisionCode;
use crate::{keys, village};

/// Signs the records changed since the last state every peer has confirmed (see the
/// documentation of [`crate::sync`]), or with `full` every record and tombstone, into a `sync`
/// bundle at `out`, with the key in `keys_dir`. Returns its manifest.
///
/// The bundle's `sync.from` is the state it continues from (empty for a bundle of everything)
/// and `sync.to` this device's clock as it was made.
///
/// # Errors
///
/// `no_village` before `init`; `no_key` before `keys init`; `conflict` when the key is not a
/// village key or the bundle would exceed the limits of BUNDLES.md; `io`; `database`.
///
/// # Examples
///
/// ```
/// use zhucun_core::keys::{self, Role};
/// let dir = tempfile::tempdir()?;
/// let mut conn = zhucun_core::store::open_in_memory()?;
/// let pairs = vec![("code".to_string(), "513433100201".to_string()), ("name".to_string(), "青岗村".to_string())];
/// zhucun_core::village::init(&mut conn, &pairs)?;
/// keys::init(&dir.path().join("keys"), "青岗村工作队", Role::Village)?;
/// let out = dir.path().join("sync.zip");
/// let manifest = zhucun_core::sync::export_bundle(&conn, &dir.path().join("keys"), true, &out)?;
/// assert_eq!(manifest.sync.map(|s| s.rows), Some(1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn export_bundle(
    conn: &Connection,
    keys_dir: &Path,
    full: bool,
    out: &Path,
) -> Result<Manifest> {
    let signer = keys::signer(keys_dir)?;
    let profile = village::profile(conn)?.ok_or(Error::NoVillage)?;
    let text = |name: &str| match profile.get(name) {
        Value::Text(t) => t.clone(),
        _ => String::new(),
    };
    let village = VillageRef {
        code: DivisionCode::parse("village.code", &text("code"))?,
        name: text("name"),
    };

    // One read transaction: the rows, the clock and the audit log's position are one state.
    let tx = conn.unchecked_transaction()?;
    let device = hlc::device_id(&tx)?;
    let to = hlc::last_clock(&tx)?;
    let audit_seq: i64 = tx.query_row("SELECT coalesce(max(seq), 0) FROM audit_log", [], |r| {
        r.get(0)
    })?;
    let start = if full {
        None
    } else {
        state::export_start(&tx)?
    };
    let ids = match &start {
        Some((_, seq)) => Some(changed_ids(&tx, *seq)?),
        None => None,
    };
    let mut data = DataWriter::new();
    for table in TABLES {
        let only = ids.as_ref().map(|ids| ids.get(table.sql));
        data.table(table, |sheet| write_rows(&tx, table, only, sheet))?;
    }
    data.knowledge(&state::knowledge(&tx)?)?;
    let rows = data.rows();
    let bytes = data.finish()?;
    let manifest = bundle::write(
        out,
        &NewBundle {
            kind: bundle::Kind::Sync,
            village: Some(village),
            period: None,
            template: None,
            sync: Some(SyncRange {
                device,
                from: start
                    .map(|(clock, _)| clock.to_string())
                    .unwrap_or_default(),
                to: to.to_string(),
                rows,
            }),
        },
        &[(DATA_FILE, bytes.as_slice())],
        &signer,
    )?;
    tx.execute(
        "INSERT OR IGNORE INTO sync_exports (to_clock, audit_seq, bundle_id, full, at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![
            to.to_string(),
            audit_seq,
            manifest.id.to_string(),
            full,
            Utc::now().to_rfc3339()
        ],
    )?;
    tx.commit()?;
    Ok(manifest)
}

/// The records changed after audit sequence number `since` (each names the audit entry of its
/// latest change in `audit_seq`), by table, with every record they refer to (a household its
/// group, a payment its funding line and that line's intervention): a bundle then never holds a
/// child without its parent, whatever its receiver lacks.
fn changed_ids(conn: &Connection, since: i64) -> Result<HashMap<&'static str, BTreeSet<String>>> {
    let mut ids: HashMap<&'static str, BTreeSet<String>> = HashMap::new();
    for t in TABLES {
        let mut stmt = conn.prepare(&format!("SELECT id FROM {} WHERE audit_seq > ?1", t.sql))?;
        let changed = stmt
            .query_map([since], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<BTreeSet<String>>>()?;
        if !changed.is_empty() {
            ids.insert(t.sql, changed);
        }
    }
    // Children first, so a parent found here brings its own parents in turn.
    for t in TABLES.iter().rev() {
        let refs: Vec<(&str, &'static Table)> = t
            .fields
            .iter()
            .filter_map(|f| match f.kind {
                Kind::Ref(target) => table(target).map(|target| (f.column, target)),
                _ => None,
            })
            .collect();
        let Some(own) = ids.get(t.sql).filter(|s| !s.is_empty()) else {
            continue;
        };
        if refs.is_empty() {
            continue;
        }
        let list = id_list(own);
        let columns: Vec<&str> = refs.iter().map(|(c, _)| *c).collect();
        let sql = format!(
            "SELECT {} FROM {} WHERE id IN (SELECT value FROM json_each(?1))",
            columns.join(", "),
            t.sql
        );
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query([list])?;
        let mut found: Vec<(&'static str, String)> = Vec::new();
        while let Some(row) = rows.next()? {
            for (i, (_, target)) in refs.iter().enumerate() {
                if let Some(parent) = row.get::<_, Option<String>>(i)? {
                    found.push((target.sql, parent));
                }
            }
        }
        for (sql, parent) in found {
            ids.entry(sql).or_default().insert(parent);
        }
    }
    Ok(ids)
}

fn id_list(ids: &BTreeSet<String>) -> String {
    serde_json::Value::Array(ids.iter().map(|i| i.clone().into()).collect()).to_string()
}

/// Writes the rows of `table`: all of them (`only` is `None`), or those whose ids `only` lists
/// (none when it is `Some(None)`); held records with their own live version.
fn write_rows(
    conn: &Connection,
    table: &'static Table,
    only: Option<Option<&BTreeSet<String>>>,
    sheet: &mut TableSheet<'_>,
) -> Result<()> {
    let (filter, list) = match only {
        None => ("", None),
        Some(None) => return Ok(()),
        Some(Some(ids)) => (
            "WHERE t.id IN (SELECT value FROM json_each(?1))",
            Some(id_list(ids)),
        ),
    };
    let columns: Vec<String> = table
        .fields
        .iter()
        .map(|f| format!("t.{}", f.column))
        .collect();
    // ?1 may stay unused: SQLite counts parameters up to the highest number (?2).
    let sql = format!(
        "SELECT t.id, t.clock, t.device,
                CASE WHEN h.record_id IS NULL THEN t.deleted ELSE 0 END, {}
         FROM {} t LEFT JOIN sync_held h ON h.table_name = ?2 AND h.record_id = t.id
         {filter}
         ORDER BY t.id",
        columns.join(", "),
        table.sql
    );
    let mut stmt = conn.prepare(&sql)?;
    let n = stmt.column_count();
    let mut rows = stmt.query(rusqlite::params![list, table.sql])?;
    while let Some(row) = rows.next()? {
        let cells = (0..n)
            .map(|i| row.get_ref(i))
            .collect::<rusqlite::Result<Vec<ValueRef<'_>>>>()?;
        sheet.push(&cells)?;
    }
    Ok(())
}

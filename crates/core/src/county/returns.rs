//! The `returns` table: every return bundle received at the county, kept whole, and which one
//! counts for each village and month.
//!
//! Plan, then act: [`plan_return`] says what recording a return will do (nothing, add it, let
//! it replace the one that counted, or keep it beside a newer one) without writing;
//! [`store_return`] does it inside the caller's transaction.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;
use uuid::Uuid;

use crate::bundle::{Manifest, TemplateRef, VillageRef};
use crate::error::{Error, Result};
use crate::keys::KeyInfo;
use crate::template::sha256_hex;
use crate::types::{DivisionCode, Period};
use crate::Lang;

/// A return the county holds (without its file; [`return_file`] reads that).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredReturn {
    /// The id of the bundle it came in.
    pub bundle_id: Uuid,
    /// The village that sent it.
    pub village: VillageRef,
    /// The month it reports on.
    pub period: Period,
    /// The template it was rendered from.
    pub template: TemplateRef,
    /// The key that signed it.
    pub signer_key_id: String,
    /// That key's name, as the keyring knows it.
    pub signer_name: String,
    /// When the village made it: the manifest's `created_at`, as written.
    pub created_at: String,
    /// When it was received here (UTC, RFC 3339).
    pub received_at: String,
    /// The SHA-256 of `return.xlsx`, lower-case hex.
    pub sha256: String,
    /// The size of `return.xlsx` in bytes.
    pub size: u64,
    /// Whether it is the return that counts for its village and month: the newest one.
    pub counts: bool,
}

/// What recording a return did, or will do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ReturnAction {
    /// The first return of its village and month; it counts.
    Added,
    /// Newer than the return that counted for its village and month; it counts now, and the
    /// older one is kept.
    Replaced {
        /// The bundle id of the return that counted before.
        previous: Uuid,
    },
    /// Older than the return that counts for its village and month: kept, not counted.
    KeptOlder {
        /// The bundle id of the return that counts.
        current: Uuid,
    },
    /// This bundle was received already: nothing changed.
    Unchanged,
}

/// The outcome of recording a return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReturnReport {
    /// The return as stored.
    #[serde(rename = "return")]
    pub stored: StoredReturn,
    /// What was done.
    pub action: ReturnAction,
}

impl ReturnReport {
    /// What was done, as one sentence.
    pub fn message(&self, lang: Lang) -> String {
        let r = &self.stored;
        let who = format!(
            "{}（{}）{}",
            r.village.name,
            r.village.code,
            r.period.label()
        );
        match (&self.action, lang) {
            (ReturnAction::Added, Lang::Zh) => format!("已收到{who}月报"),
            (ReturnAction::Added, Lang::En) => format!("Received the return of {who}"),
            (ReturnAction::Replaced { .. }, Lang::Zh) => {
                format!("已收到{who}月报的新版本，以此为准")
            }
            (ReturnAction::Replaced { .. }, Lang::En) => {
                format!("Received a newer return of {who}; it now counts")
            }
            (ReturnAction::KeptOlder { .. }, Lang::Zh) => {
                format!("已收到{who}月报的较早版本：已保存，但以较新的版本为准")
            }
            (ReturnAction::KeptOlder { .. }, Lang::En) => {
                format!("Received an older return of {who}: kept, but the newer one counts")
            }
            (ReturnAction::Unchanged, Lang::Zh) => format!("{who}月报此前已收到，未作改动"),
            (ReturnAction::Unchanged, Lang::En) => {
                format!("The return of {who} was received before: nothing changed")
            }
        }
    }
}

/// What recording a return will do, and the row it leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnPlan {
    /// The return as it will be stored (as it is stored, for [`ReturnAction::Unchanged`]).
    pub stored: StoredReturn,
    /// What will be done.
    pub action: ReturnAction,
}

/// How new a bundle is: by its manifest's `created_at` as an instant (whatever offset it was
/// written with), then by its id — UUID v7 ids grow with time, and a tie must still pick one.
pub(crate) fn newness(manifest: &Manifest) -> (Option<DateTime<Utc>>, Uuid) {
    (instant(&manifest.created_at), manifest.id)
}

fn instant(rfc3339: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The instant as fixed-width UTC text, so that text order is time order in SQL.
fn utc_key(rfc3339: &str) -> String {
    instant(rfc3339).map_or_else(String::new, |t| {
        t.to_rfc3339_opts(SecondsFormat::Nanos, true)
    })
}

impl StoredReturn {
    /// The return a verified return bundle carries, as it would be stored now (not counting
    /// yet: the plan decides). `None` when the manifest lacks a return's fields (step 2 makes
    /// sure it has them).
    pub(crate) fn incoming(manifest: &Manifest, signer: &KeyInfo, file: &[u8]) -> Option<Self> {
        Some(StoredReturn {
            bundle_id: manifest.id,
            village: manifest.village.clone()?,
            period: manifest.period?,
            template: manifest.template.clone()?,
            signer_key_id: signer.key_id.clone(),
            signer_name: signer.name.clone(),
            created_at: manifest.created_at.clone(),
            received_at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
            sha256: sha256_hex(file),
            size: file.len() as u64,
            counts: false,
        })
    }

    fn newness(&self) -> (Option<DateTime<Utc>>, Uuid) {
        (instant(&self.created_at), self.bundle_id)
    }
}

const COLUMNS: &str = "bundle_id, village_code, village_name, period, template_id, \
    template_version, template_sha256, signer_key_id, signer_name, created_at, received_at, \
    sha256, length(bytes), counts";

fn conversion(col: usize, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, Box::new(e))
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<StoredReturn> {
    let id: String = r.get(0)?;
    let code: String = r.get(1)?;
    let period: String = r.get(3)?;
    let size: i64 = r.get(12)?;
    let counts: i64 = r.get(13)?;
    Ok(StoredReturn {
        bundle_id: Uuid::parse_str(&id).map_err(|e| conversion(0, e))?,
        village: VillageRef {
            code: DivisionCode::parse("village_code", &code).map_err(|e| conversion(1, e))?,
            name: r.get(2)?,
        },
        period: Period::parse(&period).map_err(|e| conversion(3, e))?,
        template: TemplateRef {
            id: r.get(4)?,
            version: r.get(5)?,
            sha256: r.get(6)?,
        },
        signer_key_id: r.get(7)?,
        signer_name: r.get(8)?,
        created_at: r.get(9)?,
        received_at: r.get(10)?,
        sha256: r.get(11)?,
        size: u64::try_from(size).unwrap_or(0),
        counts: counts != 0,
    })
}

/// The return received in bundle `bundle_id`, if any.
///
/// # Errors
///
/// `database`.
pub fn get_return(conn: &Connection, bundle_id: &Uuid) -> Result<Option<StoredReturn>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM returns WHERE bundle_id = ?1"),
            [bundle_id.to_string()],
            from_row,
        )
        .optional()?)
}

/// Every return received, by month, village, then age (oldest first); only those of `period`
/// when it is given.
///
/// # Errors
///
/// `database`.
pub fn list_returns(conn: &Connection, period: Option<Period>) -> Result<Vec<StoredReturn>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM returns WHERE ?1 IS NULL OR period = ?1
         ORDER BY period, village_code, created_utc, bundle_id"
    ))?;
    let rows = stmt.query_map([period.map(|p| p.to_string())], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The `return.xlsx` received in bundle `bundle_id`, byte for byte.
///
/// # Errors
///
/// `not_found` when no such return was received; `database`.
pub fn return_file(conn: &Connection, bundle_id: &Uuid) -> Result<Vec<u8>> {
    conn.query_row(
        "SELECT bytes FROM returns WHERE bundle_id = ?1",
        [bundle_id.to_string()],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| Error::NotFound {
        what: "月报".into(),
        key: bundle_id.to_string(),
    })
}

/// The return that counts for `code` and `period`, if any.
fn counting(
    conn: &Connection,
    code: &DivisionCode,
    period: Period,
) -> Result<Option<StoredReturn>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {COLUMNS} FROM returns
                 WHERE village_code = ?1 AND period = ?2 AND counts = 1"
            ),
            params![code.as_str(), period.to_string()],
            from_row,
        )
        .optional()?)
}

/// What recording `incoming` will do, given what is stored.
///
/// # Errors
///
/// `conflict` when a return with the same bundle id but another file is stored already (a
/// bundle id names one bundle for good); `database`.
pub fn plan_return(conn: &Connection, incoming: &StoredReturn) -> Result<ReturnPlan> {
    if let Some(stored) = get_return(conn, &incoming.bundle_id)? {
        if stored.sha256 == incoming.sha256 {
            return Ok(ReturnPlan {
                stored,
                action: ReturnAction::Unchanged,
            });
        }
        return Err(Error::conflict(
            format!(
                "已收到过编号为 {} 的月报数据包，但月报文件不同：同一个数据包编号不能对应两份月报",
                incoming.bundle_id
            ),
            format!(
                "A return bundle with the id {} was received already with another file: one bundle id names one return",
                incoming.bundle_id
            ),
        ));
    }
    let mut stored = incoming.clone();
    let action = match counting(conn, &incoming.village.code, incoming.period)? {
        None => ReturnAction::Added,
        Some(current) if incoming.newness() > current.newness() => ReturnAction::Replaced {
            previous: current.bundle_id,
        },
        Some(current) => ReturnAction::KeptOlder {
            current: current.bundle_id,
        },
    };
    stored.counts = !matches!(action, ReturnAction::KeptOlder { .. });
    Ok(ReturnPlan { stored, action })
}

/// Carries out `plan` for the return file `bytes`, inside the caller's transaction.
///
/// # Errors
///
/// `database`.
pub fn store_return(conn: &Connection, plan: &ReturnPlan, bytes: &[u8]) -> Result<()> {
    let r = &plan.stored;
    match plan.action {
        ReturnAction::Unchanged => return Ok(()),
        // The one that counted first stops counting: at most one counts (a unique index).
        ReturnAction::Replaced { previous } => {
            conn.execute(
                "UPDATE returns SET counts = 0 WHERE bundle_id = ?1",
                [previous.to_string()],
            )?;
        }
        ReturnAction::Added | ReturnAction::KeptOlder { .. } => {}
    }
    conn.execute(
        "INSERT INTO returns (bundle_id, village_code, village_name, period, template_id,
             template_version, template_sha256, signer_key_id, signer_name, created_at,
             created_utc, received_at, sha256, bytes, counts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![
            r.bundle_id.to_string(),
            r.village.code.as_str(),
            r.village.name,
            r.period.to_string(),
            r.template.id,
            r.template.version,
            r.template.sha256,
            r.signer_key_id,
            r.signer_name,
            r.created_at,
            utc_key(&r.created_at),
            r.received_at,
            r.sha256,
            bytes,
            i64::from(r.counts),
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_order_whatever_their_offset() {
        // 10:00 at +08:00 is 02:00 UTC: earlier than 03:00Z, though its text sorts later.
        assert!(utc_key("2026-11-30T10:00:00+08:00") < utc_key("2026-11-30T03:00:00Z"));
        assert_eq!(
            utc_key("2026-11-30T10:00:00+08:00"),
            "2026-11-30T02:00:00.000000000Z"
        );
        assert!(instant("2026-11-30T10:00:00+08:00") < instant("2026-11-30T03:00:00Z"));
    }
}

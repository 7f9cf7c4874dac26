//! Importing a template: check it, plan what storing it means, store it; listing and loading the
//! stored versions.
//!
//! Every version is kept with its original bytes. An id and version identify one file for good:
//! importing the same bytes again changes nothing, different bytes under the same id and version
//! are refused (the county must bump the version), and the highest version of an id is the
//! current one, used for new returns.

use std::path::Path;

use chrono::{SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::error::{Error, Lang, Result};

use super::workbook::{too_large, Format, MAX_TEMPLATE_BYTES};
use super::{parse_template, ParsedTemplate};

/// A stored template version, as `zhucun template list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateInfo {
    /// The template's id.
    pub id: String,
    /// Its version.
    pub version: u32,
    /// Its title.
    pub title: String,
    /// The office that issued it.
    pub issuer: Option<String>,
    /// Its reporting period (`month`).
    pub period: String,
    /// The file's name as imported.
    pub file_name: String,
    /// The file's format.
    pub format: Format,
    /// The SHA-256 of the file, lower-case hex.
    pub sha256: String,
    /// When it was imported (UTC, RFC 3339).
    pub imported_at: String,
    /// Whether it is the highest version of its id, the one new returns use.
    pub current: bool,
}

/// A stored template version with its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTemplate {
    /// What is known about it.
    pub info: TemplateInfo,
    /// The file, byte for byte as imported.
    pub bytes: Vec<u8>,
}

impl StoredTemplate {
    /// Parses the stored file again.
    ///
    /// # Errors
    ///
    /// As [`parse_template`] (a stored template parsed cleanly when it was imported; a newer
    /// program with stricter rules may still refuse it).
    pub fn parse(&self) -> Result<ParsedTemplate> {
        parse_template(&self.info.file_name, &self.bytes)
    }
}

/// What importing a checked template will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportPlan {
    /// Store it as a new version; `current` is the id's current version before, if any.
    Insert {
        /// The id's highest version already stored.
        current: Option<u32>,
    },
    /// The same id, version and bytes are stored already: nothing to do.
    Unchanged(TemplateInfo),
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ImportAction {
    /// The first version of a new id.
    Added,
    /// A higher version, now current.
    Upgraded {
        /// The version that was current before.
        from: u32,
    },
    /// A lower version than the current one: kept, but not used for new returns.
    KeptOlder {
        /// The current version.
        current: u32,
    },
    /// The same file was imported already.
    Unchanged,
}

/// The outcome of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// The stored version.
    pub template: TemplateInfo,
    /// What was done.
    pub action: ImportAction,
}

impl ImportReport {
    /// One sentence saying what was done.
    ///
    /// # Examples
    ///
    /// ```
    /// # use zhucun_core::{Lang, template::*};
    /// let conn = zhucun_core::store::open_in_memory()?;
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/samples/templates/sample_monthly.xlsx");
    /// let report = import_file(&conn, std::path::Path::new(path))?;
    /// assert_eq!(report.message(Lang::Zh), "已导入模板 sample-monthly 第 1 版（驻村工作月报）");
    /// # Ok::<(), zhucun_core::Error>(())
    /// ```
    pub fn message(&self, lang: Lang) -> String {
        let t = &self.template;
        let (id, v, title) = (&t.id, t.version, &t.title);
        match (self.action, lang) {
            (ImportAction::Added, Lang::Zh) => format!("已导入模板 {id} 第 {v} 版（{title}）"),
            (ImportAction::Added, Lang::En) => {
                format!("Imported template {id} version {v} ({title})")
            }
            (ImportAction::Upgraded { from }, Lang::Zh) => format!(
                "已导入模板 {id} 第 {v} 版（{title}），新的月报将使用此版本，取代第 {from} 版"
            ),
            (ImportAction::Upgraded { from }, Lang::En) => format!(
                "Imported template {id} version {v} ({title}); new returns use it instead of version {from}"
            ),
            (ImportAction::KeptOlder { current }, Lang::Zh) => format!(
                "已导入模板 {id} 第 {v} 版（{title}）；新的月报仍使用较新的第 {current} 版"
            ),
            (ImportAction::KeptOlder { current }, Lang::En) => format!(
                "Imported template {id} version {v} ({title}); new returns still use the newer version {current}"
            ),
            (ImportAction::Unchanged, Lang::Zh) => {
                format!("模板 {id} 第 {v} 版（{title}）已导入过，内容相同，未作改动")
            }
            (ImportAction::Unchanged, Lang::En) => format!(
                "Template {id} version {v} ({title}) was imported already with the same content; nothing changed"
            ),
        }
    }
}

/// Imports a template file (`.xlsx`, `.xlsm`, `.xls`, `.xlsb`, `.ods`): see [`import_bytes`].
///
/// # Errors
///
/// `io` when the file cannot be read; otherwise as [`import_bytes`].
pub fn import_file(conn: &Connection, path: &Path) -> Result<ImportReport> {
    let size = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len();
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    if usize::try_from(size).map_or(true, |s| s > MAX_TEMPLATE_BYTES) {
        return Err(too_large(&file_name));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    import_bytes(conn, &file_name, &bytes)
}

/// Imports a template given as bytes (from a file, or from a template bundle): parses and checks
/// it, then stores it with its bytes unless the same file is stored already.
///
/// Nothing is written unless every check passes, and the write is one statement, so it is atomic
/// on its own and also joins a transaction the caller holds (pass the `Transaction`).
///
/// # Errors
///
/// `invalid_template` with every problem and its `Sheet!A1`; `unreadable_file`; `unusable_sheet`
/// (too large); `conflict` when the same id and version is stored with different bytes;
/// `database`.
pub fn import_bytes(conn: &Connection, file_name: &str, bytes: &[u8]) -> Result<ImportReport> {
    let parsed = parse_template(file_name, bytes)?;
    let plan = plan_import(conn, &parsed)?;
    execute(conn, &parsed, bytes, plan)
}

/// What importing `parsed` would do, given what is stored.
///
/// # Errors
///
/// `conflict` when the same id and version is stored with different bytes; `database`.
pub fn plan_import(conn: &Connection, parsed: &ParsedTemplate) -> Result<ImportPlan> {
    let meta = &parsed.meta;
    if let Some(stored) = get_info(conn, &meta.id, meta.version)? {
        if stored.sha256 == parsed.sha256 {
            return Ok(ImportPlan::Unchanged(stored));
        }
        let highest = highest_version(conn, &meta.id)?.unwrap_or(meta.version);
        let next = highest.saturating_add(1);
        let (id, v, at) = (&meta.id, meta.version, &stored.imported_at);
        return Err(Error::conflict(
            format!(
                "模板 {id} 第 {v} 版已于 {at} 导入，内容与此文件不同：同一版本不能改动，请在 _meta 中把 version 改为 {next} 再导入"
            ),
            format!(
                "Template {id} version {v} was imported on {at} with different content: a version never changes; set version to {next} in _meta and import again"
            ),
        ));
    }
    Ok(ImportPlan::Insert {
        current: highest_version(conn, &parsed.meta.id)?,
    })
}

fn execute(
    conn: &Connection,
    parsed: &ParsedTemplate,
    bytes: &[u8],
    plan: ImportPlan,
) -> Result<ImportReport> {
    let meta = &parsed.meta;
    let current = match plan {
        ImportPlan::Unchanged(template) => {
            return Ok(ImportReport {
                template,
                action: ImportAction::Unchanged,
            })
        }
        ImportPlan::Insert { current } => current,
    };
    let inserted = conn.execute(
        "INSERT INTO templates (template_id, version, title, issuer, period, file_name, format,
                                sha256, bytes, imported_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (template_id, version) DO NOTHING",
        params![
            meta.id,
            meta.version,
            meta.title,
            meta.issuer,
            meta.period,
            parsed.file_name,
            parsed.format.as_str(),
            parsed.sha256,
            bytes,
            Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        ],
    )?;
    if inserted == 0 {
        // Another connection stored this id and version between the plan and the write: plan
        // again, which now says unchanged or conflict.
        return match plan_import(conn, parsed)? {
            ImportPlan::Unchanged(template) => Ok(ImportReport {
                template,
                action: ImportAction::Unchanged,
            }),
            ImportPlan::Insert { .. } => Err(Error::conflict(
                format!("模板 {} 第 {} 版未能保存，请重试", meta.id, meta.version),
                format!(
                    "Template {} version {} could not be stored; try again",
                    meta.id, meta.version
                ),
            )),
        };
    }
    let template = get_info(conn, &meta.id, meta.version)?.ok_or_else(|| not_found(&meta.id))?;
    let action = match current {
        None => ImportAction::Added,
        Some(c) if c < meta.version => ImportAction::Upgraded { from: c },
        Some(c) => ImportAction::KeptOlder { current: c },
    };
    Ok(ImportReport { template, action })
}

const INFO_COLUMNS: &str = "t.template_id, t.version, t.title, t.issuer, t.period, t.file_name,
    t.format, t.sha256, t.imported_at,
    t.version = (SELECT max(m.version) FROM templates m WHERE m.template_id = t.template_id)";

fn info_from_row(row: &Row<'_>) -> rusqlite::Result<TemplateInfo> {
    let format: String = row.get(6)?;
    let format = Format::parse(&format).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            6,
            rusqlite::types::Type::Text,
            Box::new(std::io::Error::other(format!(
                "unknown template format {format}"
            ))),
        )
    })?;
    Ok(TemplateInfo {
        id: row.get(0)?,
        version: row.get(1)?,
        title: row.get(2)?,
        issuer: row.get(3)?,
        period: row.get(4)?,
        file_name: row.get(5)?,
        format,
        sha256: row.get(7)?,
        imported_at: row.get(8)?,
        current: row.get(9)?,
    })
}

fn get_info(conn: &Connection, id: &str, version: u32) -> Result<Option<TemplateInfo>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {INFO_COLUMNS} FROM templates t WHERE t.template_id = ?1 AND t.version = ?2"
            ),
            params![id, version],
            info_from_row,
        )
        .optional()?)
}

fn highest_version(conn: &Connection, id: &str) -> Result<Option<u32>> {
    Ok(conn.query_row(
        "SELECT max(version) FROM templates WHERE template_id = ?1",
        [id],
        |r| r.get(0),
    )?)
}

/// Every stored template version, by id then version.
///
/// # Errors
///
/// `database`.
///
/// # Examples
///
/// ```
/// let conn = zhucun_core::store::open_in_memory()?;
/// assert!(zhucun_core::template::list(&conn)?.is_empty());
/// # Ok::<(), zhucun_core::Error>(())
/// ```
pub fn list(conn: &Connection) -> Result<Vec<TemplateInfo>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {INFO_COLUMNS} FROM templates t ORDER BY t.template_id, t.version"
    ))?;
    let rows = stmt.query_map([], info_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The current (highest) version of template `id`, if it has been imported.
///
/// # Errors
///
/// `database`.
pub fn current(conn: &Connection, id: &str) -> Result<Option<TemplateInfo>> {
    match highest_version(conn, id)? {
        Some(version) => get_info(conn, id, version),
        None => Ok(None),
    }
}

/// A stored template with its file: `version`, or the current one when `None`.
///
/// # Errors
///
/// `not_found` when there is no such template or version; `database`.
pub fn load(conn: &Connection, id: &str, version: Option<u32>) -> Result<StoredTemplate> {
    let version = match version {
        Some(v) => v,
        None => highest_version(conn, id)?.ok_or_else(|| not_found(id))?,
    };
    let info =
        get_info(conn, id, version)?.ok_or_else(|| not_found(&format!("{id} v{version}")))?;
    let bytes: Vec<u8> = conn.query_row(
        "SELECT bytes FROM templates WHERE template_id = ?1 AND version = ?2",
        params![id, version],
        |r| r.get(0),
    )?;
    Ok(StoredTemplate { info, bytes })
}

fn not_found(key: &str) -> Error {
    Error::NotFound {
        what: "模板".into(),
        key: key.into(),
    }
}

//! The monthly return as one step: choose the template, gather the month, render; and reading a
//! return back with the template it names.

use std::path::Path;

use rusqlite::Connection;

use super::default::{ensure_default, DEFAULT_TEMPLATE_ID};
use super::import::{list, load, StoredTemplate};
use super::readback::{read_return_file, return_record, ReadBack};
use super::render::{render, RenderReport, RenderStamp};
use super::{gather, parse_template};
use crate::error::{Error, Result};
use crate::types::Period;

/// The template a return is rendered from: the one named, else the county's most recently
/// imported template, else the default template (imported now if the database has none).
///
/// # Errors
///
/// `not_found` for an unknown id.
pub fn choose(conn: &Connection, id: Option<&str>) -> Result<StoredTemplate> {
    if let Some(id) = id {
        return load(conn, id, None);
    }
    ensure_default(conn)?;
    let county = list(conn)?
        .into_iter()
        .filter(|t| t.current && t.id != DEFAULT_TEMPLATE_ID)
        .max_by(|a, b| a.imported_at.cmp(&b.imported_at));
    match county {
        Some(t) => load(conn, &t.id, Some(t.version)),
        None => load(conn, DEFAULT_TEMPLATE_ID, None),
    }
}

/// Renders the village's return for `period` into `out` (written whole, or not at all).
///
/// # Errors
///
/// `no_village` before `init`; `not_found` for an unknown template; `io` when `out` cannot be
/// written.
///
/// # Examples
///
/// ```
/// let mut conn = zhucun_core::store::open_in_memory()?;
/// zhucun_core::demo::load(&mut conn)?;
/// let dir = tempfile::tempdir()?;
/// let out = dir.path().join("月报.xlsx");
/// let period = zhucun_core::Period::parse("2026-11")?;
/// let report = zhucun_core::template::render_month(&conn, None, period, None, &out)?;
/// assert_eq!(report.record.template_id, "zhucun-default");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn render_month(
    conn: &Connection,
    template: Option<&str>,
    period: Period,
    signer: Option<&str>,
    out: &Path,
) -> Result<RenderReport> {
    let stored = choose(conn, template)?;
    let parsed = stored.parse()?;
    let data = gather(conn, period, signer)?;
    let stamp = RenderStamp::from_data(&data, period);
    render(&parsed, &stored.bytes, &data, &stamp, out)
}

/// Reads the return at `path` back. `template` is a template file, or a template id known to
/// this database; without it, the template the return names (its id and version) is looked up
/// here.
///
/// # Errors
///
/// `not_a_return`, `wrong_template`, `not_found` (the return's template was never imported),
/// `unreadable_file`.
pub fn read_month(conn: &Connection, path: &Path, template: Option<&str>) -> Result<ReadBack> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let file = path.display().to_string();
    let parsed = match template {
        Some(t) if Path::new(t).is_file() => {
            let template_bytes = std::fs::read(t).map_err(|e| Error::io(t, e))?;
            parse_template(t, &template_bytes)?
        }
        Some(id) => {
            let record = return_record(&file, &bytes)?;
            load(conn, id, Some(record.version))?.parse()?
        }
        None => {
            let record = return_record(&file, &bytes)?;
            load(conn, &record.template_id, Some(record.version))?.parse()?
        }
    };
    read_return_file(&parsed, path)
}

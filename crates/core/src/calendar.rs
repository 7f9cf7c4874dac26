//! The school-pairing activity calendar as iCalendar (RFC 5545), for phones and desktop
//! calendars.
//!
//! One all-day `VEVENT` per live activity that is not cancelled:
//!
//! - `DTSTART;VALUE=DATE` on its date, `DTEND;VALUE=DATE` the day after (RFC 5545's end is
//!   exclusive, so this is a one-day event).
//! - An activity given only a month is included rather than left out, because a calendar that
//!   silently drops planned activities would mislead: it is placed on the first of the month and
//!   its summary and description say the day is not fixed yet.
//! - `SUMMARY` `{type}：{title}`; `DESCRIPTION` the host school, participants, responsible person,
//!   status and pairing; `LOCATION` the host school; `CATEGORIES` the type.
//! - `UID` `<activity id>@zhucun`, stable across exports so a calendar that subscribes to the file
//!   updates events instead of duplicating them.
//! - `STATUS` `CONFIRMED` for 已完成, `TENTATIVE` for 计划.
//! - `DTSTAMP` the time of the export (the records keep no wall-clock time of their own that this
//!   module may read).
//!
//! The calendar is named after the base schools (`NAME` and `X-WR-CALNAME`).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

use chrono::{Datelike, NaiveDate, Utc};
use icalendar::{Calendar, Component, EventLike, EventStatus, Property};
use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::pairing::school_year_label;
use crate::records::checks::activity_day;
use crate::records::schema::{ACTIVITY, PAIRING};
use crate::records::{self, Row, Value};
use crate::types::{ActivityStatus, Taxonomy};
use crate::Lang;

/// The `PRODID` of every calendar Zhucun writes.
const PRODID: &str = concat!("-//Zhucun//zhucun ", env!("CARGO_PKG_VERSION"), "//ZH");

/// The activity calendar as iCalendar text (CRLF line ends, lines folded at 75 octets).
///
/// # Errors
///
/// `database` if SQLite fails.
///
/// # Examples
///
/// ```
/// use zhucun_core::records::{self, schema};
/// let mut conn = zhucun_core::store::open_in_memory()?;
/// let pairs = |v: &[(&str, &str)]| v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
/// records::add(&mut conn, &schema::PAIRING, &pairs(&[("base_school", "中心小学"), ("school_year", "2026")]))?;
/// records::add(&mut conn, &schema::ACTIVITY, &pairs(&[
///     ("pairing", "中心小学"), ("date", "2026-09-10"), ("type", "启动仪式"), ("title", "结对启动"),
/// ]))?;
/// let ics = zhucun_core::calendar::to_ics(&conn)?;
/// assert!(ics.contains("DTSTART;VALUE=DATE:20260910\r\n"));
/// assert!(ics.contains("SUMMARY:启动仪式：结对启动\r\n"));
/// # Ok::<(), zhucun_core::Error>(())
/// ```
pub fn to_ics(conn: &Connection) -> Result<String> {
    let pairings: BTreeMap<String, Row> = records::list_rows(conn, &PAIRING, None)?
        .into_iter()
        .collect();
    let mut calendar = Calendar::empty();
    calendar
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", PRODID))
        .append_property(Property::new("CALSCALE", "GREGORIAN"));
    let name = escape_text(&calendar_name(pairings.values()));
    calendar
        .append_property(Property::new("NAME", &name))
        .append_property(Property::new("X-WR-CALNAME", &name));
    let stamp = Utc::now();
    for (id, row) in records::list_rows(conn, &ACTIVITY, None)? {
        let status = text(&row, "status").unwrap_or_default();
        if status == ActivityStatus::Cancelled.label() {
            continue;
        }
        // Every activity has a date or a month (a table constraint); one with neither has no
        // place on a calendar.
        let Some(day) = activity_day(&row) else {
            continue;
        };
        let pairing = text(&row, "pairing").and_then(|p| pairings.get(p));
        calendar.push(event(&id, &row, day, pairing, stamp));
    }
    Ok(calendar.to_string())
}

/// Writes the activity calendar to `out` (see [`to_ics`]), through a temporary file beside it
/// that is renamed into place, so `out` is never half-written.
///
/// # Errors
///
/// `io` when `out`'s folder cannot be written; `database` if SQLite fails.
///
/// # Examples
///
/// ```
/// let conn = zhucun_core::store::open_in_memory()?;
/// let dir = tempfile::tempdir()?;
/// let out = dir.path().join("activities.ics");
/// zhucun_core::calendar::export_ics(&conn, &out)?;
/// assert!(std::fs::read_to_string(&out)?.starts_with("BEGIN:VCALENDAR\r\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn export_ics(conn: &Connection, out: &Path) -> Result<()> {
    let ics = to_ics(conn)?;
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".zhucun-calendar-")
        .suffix(".ics")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    tmp.write_all(ics.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| Error::io(out, e))?;
    tmp.persist(out).map_err(|e| Error::io(out, e.error))?;
    Ok(())
}

fn event(
    id: &str,
    row: &Row,
    day: NaiveDate,
    pairing: Option<&Row>,
    stamp: chrono::DateTime<Utc>,
) -> icalendar::Event {
    let activity_type = text(row, "type").unwrap_or_default();
    let title = text(row, "title").unwrap_or_default();
    let host = text(row, "host_school");
    let status = text(row, "status").unwrap_or_default();
    // Month-only: the day is a placeholder, and the reader must be told so.
    let month_only = row.get("date").and_then(Value::as_date).is_none();
    let month_note = format!("{}年{}月", day.year(), day.month());
    let summary = if month_only {
        format!("{activity_type}：{title}（{month_note}，日期待定）")
    } else {
        format!("{activity_type}：{title}")
    };
    let mut lines = Vec::new();
    if month_only {
        lines.push(format!("日期：{month_note}内，具体日期待定"));
    }
    for (label, field) in [
        ("承办学校", "host_school"),
        ("参加人员", "participants"),
        ("负责人", "responsible"),
    ] {
        if let Some(value) = text(row, field) {
            lines.push(format!("{label}：{value}"));
        }
    }
    lines.push(format!("状态：{status}"));
    if let Some(p) = pairing {
        let year = p
            .get("school_year")
            .and_then(Value::as_i64)
            .and_then(|y| i32::try_from(y).ok());
        let base = text(p, "base_school").unwrap_or_default();
        lines.push(match year {
            Some(y) => format!("结对帮扶：{base}（{}）", school_year_label(y, Lang::Zh)),
            None => format!("结对帮扶：{base}"),
        });
    }
    let mut event = icalendar::Event::new();
    event
        .uid(&format!("{id}@zhucun"))
        .timestamp(stamp)
        .starts(day)
        .summary(&clean(&summary))
        .description(&clean(&lines.join("\n")))
        .status(if status == ActivityStatus::Done.label() {
            EventStatus::Confirmed
        } else {
            EventStatus::Tentative
        });
    if let Some(next) = day.succ_opt() {
        event.ends(next);
    }
    if let Some(host) = host {
        event.location(&clean(host));
    }
    if !activity_type.is_empty() {
        event.categories([clean(activity_type)]);
    }
    event.done()
}

/// `{base schools}结对帮扶活动`, or `结对帮扶活动` when there is no pairing.
fn calendar_name<'a>(pairings: impl Iterator<Item = &'a Row>) -> String {
    let mut schools: Vec<&str> = Vec::new();
    for row in pairings {
        if let Some(base) = text(row, "base_school") {
            if !schools.contains(&base) {
                schools.push(base);
            }
        }
    }
    format!("{}结对帮扶活动", schools.join("、"))
}

/// RFC 5545 TEXT escaping, for the calendar properties the `icalendar` crate writes verbatim
/// (`NAME`, `X-WR-CALNAME`): a comma, semicolon or newline in a school's name must not break the
/// line.
fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text with the control characters RFC 5545 forbids in TEXT (all but newline and tab) turned
/// into spaces. Input refuses them already; this keeps a record that arrived otherwise from
/// breaking the file's lines. The `icalendar` crate escapes the rest.
fn clean(value: &str) -> String {
    value
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                ' '
            } else {
                c
            }
        })
        .collect()
}

fn text<'a>(row: &'a Row, name: &str) -> Option<&'a str> {
    row.get(name).and_then(Value::as_str)
}

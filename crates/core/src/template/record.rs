//! The hidden sheet `_zhucun` a return records itself in (TEMPLATES.md "Reading a return back").
//!
//! It is a sheet a person can read: key–value rows first (`template_id`, `version`, `sha256`,
//! `village_code`, `period`, `generated_at`, `app_version`), then a blank row and a table of the
//! row templates (`sheet`, `collection`, `template_row`, `first_row`, `copies`, rows 1-based as
//! a clerk counts them), then, when the template puts two placeholders side by side with no text
//! between them (`{{ village.county }}{{ village.township }}`), a table of what each of them
//! wrote (`cell`, `path`, `text`), because the cell alone cannot say where one ends.

use calamine::{Data, Range};
use chrono::NaiveDateTime;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Serialize;

use super::fields::Scope;
use super::RETURN_RECORD_SHEET;
use crate::types::Period;

/// The first key of `_zhucun`, with the version of its layout.
const MARKER: &str = "zhucun_return";
const LAYOUT: f64 = 1.0;
const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";
const ROW_TEMPLATES_HEADER: [&str; 5] =
    ["sheet", "collection", "template_row", "first_row", "copies"];
const JOINED_HEADER: [&str; 3] = ["cell", "path", "text"];

/// What a return's `_zhucun` sheet says.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReturnRecord {
    /// The template's id.
    pub template_id: String,
    /// Its version.
    pub version: u32,
    /// The SHA-256 of the template file as imported, lower-case hex.
    pub sha256: String,
    /// The village's division code.
    pub village_code: String,
    /// The month reported on.
    pub period: Period,
    /// When the return was made (local time).
    pub generated_at: NaiveDateTime,
    /// The program that made it (`zhucun 0.1.0`).
    pub app_version: String,
    /// Every row template, in the order of the template's sheets and rows.
    pub row_templates: Vec<ExpandedRow>,
    /// What each of two or more side-by-side placeholders wrote into one cell.
    pub joined: Vec<JoinedText>,
}

/// Where one row template went in a return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpandedRow {
    /// The sheet.
    pub sheet: String,
    /// The collection it repeats for.
    pub collection: Scope,
    /// Its row in the template, 1-based.
    pub template_row: u32,
    /// Its first copy's row in the return, 1-based.
    pub first_row: u32,
    /// The items written; 0 for an empty collection (whose one blank copy is still there).
    pub copies: u32,
}

impl ExpandedRow {
    /// The rows the row template takes in the return: one per item, and one for none.
    pub fn rows_taken(&self) -> u32 {
        self.copies.max(1)
    }
}

/// The text one placeholder wrote into a cell it shares with another placeholder with nothing
/// between them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JoinedText {
    /// The return's cell, `Sheet!A2`.
    pub cell: String,
    /// The placeholder's path.
    pub path: String,
    /// What it wrote.
    pub text: String,
}

/// Writes the record as the hidden sheet `_zhucun`.
pub(crate) fn write(book: &mut Workbook, record: &ReturnRecord) -> Result<(), XlsxError> {
    let sheet = book.add_worksheet();
    sheet.set_name(RETURN_RECORD_SHEET)?;
    sheet.set_hidden(true);
    let bold = Format::new().set_bold();
    let pairs: [(&str, String); 7] = [
        ("template_id", record.template_id.clone()),
        ("version", String::new()),
        ("sha256", record.sha256.clone()),
        ("village_code", record.village_code.clone()),
        ("period", record.period.to_string()),
        (
            "generated_at",
            record.generated_at.format(TIME_FORMAT).to_string(),
        ),
        ("app_version", record.app_version.clone()),
    ];
    sheet.write_string_with_format(0, 0, MARKER, &bold)?;
    sheet.write_number(0, 1, LAYOUT)?;
    let mut row: u32 = 1;
    for (key, value) in pairs {
        sheet.write_string(row, 0, key)?;
        if key == "version" {
            sheet.write_number(row, 1, f64::from(record.version))?;
        } else {
            sheet.write_string(row, 1, value)?;
        }
        row += 1;
    }
    row += 1;
    for (col, title) in (0u16..).zip(ROW_TEMPLATES_HEADER) {
        sheet.write_string_with_format(row, col, title, &bold)?;
    }
    for t in &record.row_templates {
        row += 1;
        sheet.write_string(row, 0, &t.sheet)?;
        sheet.write_string(row, 1, t.collection.name())?;
        sheet.write_number(row, 2, f64::from(t.template_row))?;
        sheet.write_number(row, 3, f64::from(t.first_row))?;
        sheet.write_number(row, 4, f64::from(t.copies))?;
    }
    if !record.joined.is_empty() {
        row += 2;
        for (col, title) in (0u16..).zip(JOINED_HEADER) {
            sheet.write_string_with_format(row, col, title, &bold)?;
        }
        for j in &record.joined {
            row += 1;
            sheet.write_string(row, 0, &j.cell)?;
            sheet.write_string(row, 1, &j.path)?;
            sheet.write_string(row, 2, &j.text)?;
        }
    }
    sheet.set_column_width(0, 16)?;
    sheet.set_column_width(1, 24)?;
    sheet.set_column_width(2, 66)?;
    Ok(())
}

/// A cell's text, for numbers too (a clerk's program may have turned text into numbers).
fn text(cell: Option<&Data>) -> Option<String> {
    match cell? {
        Data::String(s) => Some(s.clone()),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Some(format!("{}", *f as i64)),
        Data::Float(f) => Some(f.to_string()),
        Data::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

fn whole(cell: Option<&Data>) -> Option<u32> {
    text(cell)?.trim().parse().ok()
}

/// Reads the record from the `_zhucun` sheet; `None` when it is not one.
pub(crate) fn read(range: &Range<Data>) -> Option<ReturnRecord> {
    let at = |row: u32, col: u32| -> Option<&Data> { range.get_value((row, col)) };
    let (bottom, _) = range.end()?;
    if text(at(0, 0)).as_deref() != Some(MARKER) {
        return None;
    }
    let mut record = ReturnRecord {
        template_id: String::new(),
        version: 0,
        sha256: String::new(),
        village_code: String::new(),
        period: Period::parse("2000-01").ok()?,
        generated_at: NaiveDateTime::default(),
        app_version: String::new(),
        row_templates: Vec::new(),
        joined: Vec::new(),
    };
    let (mut has_id, mut has_period, mut has_time) = (false, false, false);
    // Which table the rows under a header belong to.
    #[derive(Clone, Copy, PartialEq)]
    enum Table {
        Pairs,
        RowTemplates,
        Joined,
    }
    let mut table = Table::Pairs;
    for row in 1..=bottom {
        let key = text(at(row, 0)).unwrap_or_default();
        if key.is_empty() {
            continue;
        }
        if key == ROW_TEMPLATES_HEADER[0] && text(at(row, 1)).as_deref() == Some("collection") {
            table = Table::RowTemplates;
            continue;
        }
        if key == JOINED_HEADER[0] && text(at(row, 1)).as_deref() == Some("path") {
            table = Table::Joined;
            continue;
        }
        match table {
            Table::Pairs => {
                let value = text(at(row, 1)).unwrap_or_default();
                match key.as_str() {
                    "template_id" => {
                        record.template_id = value;
                        has_id = true;
                    }
                    "version" => record.version = value.trim().parse().ok()?,
                    "sha256" => record.sha256 = value,
                    "village_code" => record.village_code = value,
                    "period" => {
                        record.period = Period::parse(value.trim()).ok()?;
                        has_period = true;
                    }
                    "generated_at" => {
                        record.generated_at =
                            NaiveDateTime::parse_from_str(value.trim(), TIME_FORMAT).ok()?;
                        has_time = true;
                    }
                    "app_version" => record.app_version = value,
                    _ => {}
                }
            }
            Table::RowTemplates => record.row_templates.push(ExpandedRow {
                sheet: key,
                collection: Scope::parse(text(at(row, 1))?.trim())?,
                template_row: whole(at(row, 2))?,
                first_row: whole(at(row, 3))?,
                copies: whole(at(row, 4))?,
            }),
            Table::Joined => record.joined.push(JoinedText {
                cell: key,
                path: text(at(row, 1))?,
                text: text(at(row, 2)).unwrap_or_default(),
            }),
        }
    }
    (has_id && has_period && has_time && record.version > 0).then_some(record)
}

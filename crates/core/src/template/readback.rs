//! Reading a return back with the template it was rendered from (TEMPLATES.md "Reading a
//! return back"): every scalar placeholder cell into `path → value`, every copied row-template
//! row into `collection → rows`, typed as the dictionary says (numbers as numbers, dates as
//! dates, text as text). The county's consolidation is built on this.
//!
//! The return's `_zhucun` sheet says which template made it (refused if it is not the one
//! given) and where each row template went; every other row is placed as the renderer placed
//! it. Decisions the contract leaves open:
//!
//! - A path shown in several cells reads from a whole-cell placeholder first, then from the
//!   first embedded one whose text fits the cell's pattern.
//! - Embedded text is split at the template's literal text between placeholders (the leftmost
//!   split that fits). Placeholders side by side are split with the texts `_zhucun` recorded,
//!   if the cell still holds exactly them; a collection's side-by-side placeholders are not
//!   recorded and are left out.
//! - A cell holding something its field's type cannot read (text in a number field, say) is
//!   read as text rather than refused.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, ExcelDateTime, ExcelDateTimeType, Reader, Xlsx, XlsxError};
use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike};
use serde::Serialize;

use super::data::Item;
use super::fields::{FieldInfo, FieldType, Scope};
use super::placeholder::{Fill, Segment};
use super::record::{self, ExpandedRow, ReturnRecord};
use super::shift::RowMap;
use super::workbook::cell_a1;
use super::{ParsedTemplate, RETURN_RECORD_SHEET};
use crate::error::{Error, Result};
use crate::guard::Streamed;
use crate::records::Value;
use crate::types::{parse_money, Money, Period};

/// What a return says, read back with its template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadBack {
    /// The template's id.
    pub template_id: String,
    /// Its version.
    pub version: u32,
    /// The SHA-256 of the template file.
    pub sha256: String,
    /// The village's division code, as `_zhucun` records it.
    pub village_code: String,
    /// The month reported on.
    pub period: Period,
    /// When the return was made.
    pub generated_at: NaiveDateTime,
    /// The program that made it.
    pub app_version: String,
    /// Every scalar path the template shows, with its value (`Null` for an empty cell).
    pub scalars: BTreeMap<&'static str, Value>,
    /// Every collection the template repeats a row for, with one item per copied row (none for
    /// an empty collection), each holding the fields the template shows.
    pub collections: BTreeMap<Scope, Vec<Item>>,
}

/// Reads a return (`.xlsx` bytes) back with `template`, the template it was rendered from.
///
/// # Errors
///
/// `unreadable_file` when the bytes are not an `.xlsx` workbook; `not_a_return` when it has no
/// `_zhucun` sheet or one that does not fit the template; `wrong_template` when it was made
/// from another template or version; `unusable_sheet` when a sheet of the template is missing, or
/// when a sheet's data spans an area no return has (a damaged file, refused before it is read).
///
/// # Examples
///
/// ```
/// use zhucun_core::template::{self, read_return};
/// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/samples/templates/sample_monthly.xlsx");
/// let bytes = std::fs::read(path)?;
/// let parsed = template::parse_template("sample_monthly.xlsx", &bytes)?;
/// // A template is not a return.
/// assert_eq!(read_return(&parsed, &bytes).unwrap_err().code(), "not_a_return");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_return(template: &ParsedTemplate, return_bytes: &[u8]) -> Result<ReadBack> {
    read_named(template, "月报", return_bytes)
}

/// Reads the return at `path` back with `template`: see [`read_return`].
///
/// # Errors
///
/// As [`read_return`], naming the file; `io` when it cannot be read.
pub fn read_return_file(template: &ParsedTemplate, path: &Path) -> Result<ReadBack> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    read_named(template, &name, &bytes)
}

/// What a return's hidden `_zhucun` sheet records (which template made it, for which village
/// and month), read without its template.
///
/// # Errors
///
/// `unreadable_file` when the bytes are not an `.xlsx` workbook; `not_a_return` when it has no
/// readable `_zhucun` sheet; `unusable_sheet` when a sheet's data spans an area no return has.
pub fn return_record(file: &str, bytes: &[u8]) -> Result<ReturnRecord> {
    crate::guard::reading_bytes(
        file,
        bytes,
        &[RETURN_RECORD_SHEET],
        Streamed::Values,
        || {
            let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| Error::UnreadableSheet {
                file: file.to_string(),
                source: calamine::Error::Xlsx(e),
            })?;
            let not_a_return = || Error::NotAReturn {
                file: file.to_string(),
            };
            if !book.sheet_names().iter().any(|n| n == RETURN_RECORD_SHEET) {
                return Err(not_a_return());
            }
            let range = book
                .worksheet_range(RETURN_RECORD_SHEET)
                .map_err(|_| not_a_return())?;
            record::read(&range).ok_or_else(not_a_return)
        },
    )
}

/// `id@version (SHA-256 prefix)`, how a template is named when a return names another.
fn template_label(id: &str, version: u32, sha256: &str) -> String {
    format!("{id}@{version} ({})", sha256.get(..12).unwrap_or(sha256))
}

fn read_named(template: &ParsedTemplate, file: &str, bytes: &[u8]) -> Result<ReadBack> {
    // A return comes from another machine: a damaged one must not crash the reader.
    crate::guard::reading_bytes(
        file,
        bytes,
        &[RETURN_RECORD_SHEET],
        Streamed::Values,
        || read_guarded(template, file, bytes),
    )
}

fn read_guarded(template: &ParsedTemplate, file: &str, bytes: &[u8]) -> Result<ReadBack> {
    let unreadable = |e: XlsxError| Error::UnreadableSheet {
        file: file.to_string(),
        source: calamine::Error::Xlsx(e),
    };
    let not_a_return = || Error::NotAReturn {
        file: file.to_string(),
    };
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let names = book.sheet_names();
    if !names.iter().any(|n| n == RETURN_RECORD_SHEET) {
        return Err(not_a_return());
    }
    let range = book
        .worksheet_range(RETURN_RECORD_SHEET)
        .map_err(unreadable)?;
    let record = record::read(&range).ok_or_else(not_a_return)?;
    let meta = &template.meta;
    if record.template_id != meta.id
        || record.version != meta.version
        || record.sha256 != template.sha256
    {
        return Err(Error::WrongTemplate {
            file: file.to_string(),
            expected: template_label(&meta.id, meta.version, &template.sha256),
            found: template_label(&record.template_id, record.version, &record.sha256),
        });
    }

    let mut whole_scalars: BTreeMap<&'static str, Value> = BTreeMap::new();
    let mut embedded_scalars: BTreeMap<&'static str, Value> = BTreeMap::new();
    let mut collections: BTreeMap<Scope, Vec<Item>> = BTreeMap::new();
    for sheet in &template.sheets {
        if !names.contains(&sheet.name) {
            return Err(Error::UnusableSheet {
                file: file.to_string(),
                zh: format!("缺少模板中的工作表“{}”", sheet.name),
                en: format!("the template's sheet {} is missing", sheet.name),
            });
        }
        // Where each row template went, checked against where the renderer puts it.
        let mut expanded: Vec<(u32, &ExpandedRow)> = Vec::new();
        for t in &sheet.row_templates {
            let entry = record
                .row_templates
                .iter()
                .find(|e| {
                    e.sheet == sheet.name
                        && e.collection == t.collection
                        && e.template_row == t.row.saturating_add(1)
                })
                .ok_or_else(not_a_return)?;
            expanded.push((t.row, entry));
        }
        let map = RowMap::new(expanded.iter().map(|(row, e)| (*row, e.rows_taken())));
        for (row, e) in &expanded {
            if u64::from(e.first_row) != map.first(*row) + 1 {
                return Err(not_a_return());
            }
        }
        let copies_of = |row: u32| {
            expanded
                .iter()
                .find(|(r, _)| *r == row)
                .map(|(_, e)| (e.rows_taken(), e.copies))
        };

        // The cells to read: each placeholder cell where it landed, on every copy.
        let mut wanted: HashSet<(u32, u32)> = HashSet::new();
        for (cell, _) in sheet.placeholder_cells() {
            let first = u32::try_from(map.first(cell.row)).unwrap_or(u32::MAX);
            let rows = copies_of(cell.row).map_or(1, |(taken, _)| taken);
            for k in 0..rows {
                wanted.insert((first.saturating_add(k), cell.col));
            }
        }
        let values = read_cells(&mut book, &sheet.name, &wanted).map_err(unreadable)?;

        let mut rows_by_template: BTreeMap<u32, Vec<Item>> = BTreeMap::new();
        // Whole cells first, so a typed value wins over one read from text.
        for pass_whole in [true, false] {
            for (cell, fill) in sheet.placeholder_cells() {
                if matches!(fill, Fill::Whole(_)) != pass_whole {
                    continue;
                }
                let first = u32::try_from(map.first(cell.row)).unwrap_or(u32::MAX);
                let (rows, copies) = copies_of(cell.row).unwrap_or((1, 0));
                for k in 0..rows {
                    let row = first.saturating_add(k);
                    let data = values.get(&(row, cell.col));
                    let mut put = |field: &'static FieldInfo, value: Value| {
                        if field.is_collection() {
                            if k >= copies {
                                return;
                            }
                            let items = rows_by_template.entry(cell.row).or_default();
                            let k = k as usize;
                            while items.len() <= k {
                                items.push(Item::new());
                            }
                            if let Some(item) = items.get_mut(k) {
                                item.entry(field.name()).or_insert(value);
                            }
                        } else if k == 0 {
                            let sink = if pass_whole {
                                &mut whole_scalars
                            } else {
                                &mut embedded_scalars
                            };
                            sink.entry(field.path).or_insert(value);
                        }
                    };
                    read_fill(fill, data, (&sheet.name, row, cell.col), &record, &mut put);
                }
            }
        }
        for t in &sheet.row_templates {
            let rows = rows_by_template.remove(&t.row).unwrap_or_default();
            let items = collections.entry(t.collection).or_default();
            for (k, row) in rows.into_iter().enumerate() {
                match items.get_mut(k) {
                    Some(item) => {
                        for (name, value) in row {
                            item.entry(name).or_insert(value);
                        }
                    }
                    None => items.push(row),
                }
            }
        }
    }
    // Every scalar the template shows, whole-cell readings first.
    let mut scalars = embedded_scalars;
    scalars.extend(whole_scalars);
    for f in template.fields().into_iter().filter(|f| !f.is_collection()) {
        scalars.entry(f.path).or_insert(Value::Null);
    }
    Ok(ReadBack {
        template_id: record.template_id,
        version: record.version,
        sha256: record.sha256,
        village_code: record.village_code,
        period: record.period,
        generated_at: record.generated_at,
        app_version: record.app_version,
        scalars,
        collections,
    })
}

/// The values of the wanted cells of one sheet, streamed (a return can be long, and a far-away
/// cell must not make calamine allocate the whole rectangle).
fn read_cells(
    book: &mut Xlsx<Cursor<&[u8]>>,
    sheet: &str,
    wanted: &HashSet<(u32, u32)>,
) -> std::result::Result<HashMap<(u32, u32), Data>, XlsxError> {
    let mut out = HashMap::with_capacity(wanted.len());
    let mut reader = book.worksheet_cells_reader(sheet)?;
    while let Some(cell) = reader.next_cell()? {
        let pos = cell.get_position();
        if wanted.contains(&pos) {
            out.insert(pos, Data::from(cell.get_value().clone()));
        }
    }
    Ok(out)
}

/// Reads what one cell says for each field of its placeholders; `at` is the cell (sheet, row,
/// column), named only when `_zhucun` must be asked what it recorded there.
fn read_fill(
    fill: &Fill,
    data: Option<&Data>,
    at: (&str, u32, u32),
    record: &ReturnRecord,
    put: &mut dyn FnMut(&'static FieldInfo, Value),
) {
    match fill {
        Fill::Whole(field) => put(field, from_cell(field.kind, data)),
        Fill::Embedded(segments) => {
            let text = match data {
                None | Some(Data::Empty) => String::new(),
                Some(Data::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            };
            let Some(parts) = split(segments, &text) else {
                return;
            };
            for (group, captured) in parts {
                if let [field] = group.as_slice() {
                    put(field, from_text(field.kind, captured));
                    continue;
                }
                // Side-by-side placeholders: the texts `_zhucun` recorded, if the cell still
                // holds exactly them.
                let (sheet, row, col) = at;
                let at = format!("{sheet}!{}", cell_a1(row, col));
                let recorded: Option<Vec<&str>> = group
                    .iter()
                    .map(|f| {
                        record
                            .joined
                            .iter()
                            .find(|j| j.cell == at && j.path == f.path)
                            .map(|j| j.text.as_str())
                    })
                    .collect();
                if let Some(texts) = recorded {
                    if texts.concat() == captured {
                        for (field, text) in group.iter().zip(texts) {
                            put(field, from_text(field.kind, text));
                        }
                    }
                }
            }
        }
    }
}

/// Splits a cell's text by the template's pattern: for each group of placeholders side by side,
/// the text it wrote; `None` when the text does not fit.
fn split<'t>(
    segments: &[Segment],
    text: &'t str,
) -> Option<Vec<(Vec<&'static FieldInfo>, &'t str)>> {
    // The pattern is literal, group, literal, …, group, literal (first and last may be empty).
    let mut literals: Vec<String> = vec![String::new()];
    let mut groups: Vec<Vec<&'static FieldInfo>> = Vec::new();
    for segment in segments {
        match segment {
            Segment::Text(t) if t.is_empty() => {}
            Segment::Text(t) => {
                if literals.len() == groups.len() {
                    literals.push(String::new());
                }
                literals.last_mut()?.push_str(t);
            }
            Segment::Field(f) => {
                if groups.len() < literals.len() {
                    groups.push(Vec::new());
                }
                groups.last_mut()?.push(f);
            }
        }
    }
    if literals.len() == groups.len() {
        literals.push(String::new());
    }
    let rest = text.strip_prefix(literals.first()?.as_str())?;
    if groups.is_empty() {
        return rest.is_empty().then(Vec::new);
    }
    let mut budget = FIT_BUDGET;
    let captured = fit(rest, literals.get(1..)?, &mut budget)?;
    Some(groups.into_iter().zip(captured).collect())
}

/// How many splits [`fit`] may try: a cell whose literal text recurs everywhere must not take
/// forever.
const FIT_BUDGET: u32 = 100_000;

/// Fits `rest` to "capture, literal, capture, literal, …": the leftmost split that fits.
fn fit<'t>(rest: &'t str, literals: &[String], budget: &mut u32) -> Option<Vec<&'t str>> {
    *budget = budget.checked_sub(1)?;
    match literals {
        [] => None,
        [last] => rest.strip_suffix(last.as_str()).map(|c| vec![c]),
        [next, more @ ..] => {
            for (pos, _) in rest.match_indices(next.as_str()) {
                let captured = rest.get(..pos)?;
                let after = rest.get(pos + next.len()..)?;
                if let Some(mut tail) = fit(after, more, budget) {
                    tail.insert(0, captured);
                    return Some(tail);
                }
            }
            None
        }
    }
}

/// A whole cell's value, typed by its field.
fn from_cell(kind: FieldType, data: Option<&Data>) -> Value {
    match data {
        None | Some(Data::Empty) => Value::Null,
        Some(Data::String(s)) => from_text(kind, s),
        Some(Data::Float(f)) => from_number(kind, *f),
        Some(Data::Int(i)) => from_number(kind, *i as f64),
        Some(Data::Bool(b)) => match kind {
            FieldType::Boolean => Value::Bool(*b),
            _ => Value::Text(if *b { "TRUE" } else { "FALSE" }.into()),
        },
        Some(Data::DateTime(dt)) => match (kind, dt.as_datetime()) {
            (FieldType::Date, Some(t)) => Value::Date(to_second(t).date()),
            (FieldType::DateTime, Some(t)) => Value::DateTime(to_second(t)),
            (FieldType::Integer | FieldType::Number | FieldType::Money, _) => {
                from_number(kind, dt.as_f64())
            }
            (_, Some(t)) => Value::Text(t.format("%Y-%m-%d").to_string()),
            (_, None) => Value::Text(dt.as_f64().to_string()),
        },
        Some(Data::DateTimeIso(s)) => from_text(kind, &s.replace('T', " ")),
        Some(Data::DurationIso(s)) => Value::Text(s.clone()),
        Some(Data::Error(e)) => Value::Text(e.to_string()),
    }
}

/// A number in a cell, typed by its field.
fn from_number(kind: FieldType, n: f64) -> Value {
    let serial = || ExcelDateTime::new(n, ExcelDateTimeType::DateTime, false).as_datetime();
    match kind {
        FieldType::Integer if n.fract() == 0.0 && n.abs() < 9.0e15 => Value::Int(n as i64),
        FieldType::Integer | FieldType::Number => Value::Real(n),
        FieldType::Money => Value::Money(Money::from_fen((n * 100.0).round() as i64)),
        FieldType::Date => serial().map_or(Value::Real(n), |t| Value::Date(to_second(t).date())),
        FieldType::DateTime => serial().map_or(Value::Real(n), |t| Value::DateTime(to_second(t))),
        FieldType::List => Value::List(vec![Value::Real(n).to_text()]),
        FieldType::Text | FieldType::Code | FieldType::Boolean => {
            Value::Text(Value::Real(n).to_text())
        }
    }
}

/// A text, typed by its field: as the renderer writes each type into text.
fn from_text(kind: FieldType, text: &str) -> Value {
    if text.is_empty() {
        return Value::Null;
    }
    let as_text = || Value::Text(text.to_string());
    let trimmed = text.trim();
    match kind {
        FieldType::Text | FieldType::Code => as_text(),
        FieldType::List => Value::List(text.split('、').map(str::to_string).collect()),
        FieldType::Integer => trimmed.parse().map_or_else(|_| as_text(), Value::Int),
        FieldType::Number => trimmed.parse().map_or_else(|_| as_text(), Value::Real),
        FieldType::Money => parse_money("", trimmed).map_or_else(|_| as_text(), Value::Money),
        FieldType::Date => {
            NaiveDate::parse_from_str(trimmed, "%Y-%m-%d").map_or_else(|_| as_text(), Value::Date)
        }
        FieldType::DateTime => NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%d %H:%M:%S")
            .or_else(|_| NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%d %H:%M"))
            .map_or_else(|_| as_text(), Value::DateTime),
        FieldType::Boolean => match trimmed {
            "是" => Value::Bool(true),
            "否" => Value::Bool(false),
            _ => as_text(),
        },
    }
}

/// A date-time from a serial number, to the nearest second (Excel keeps milliseconds, and a
/// return never shows fractions of a second).
fn to_second(t: NaiveDateTime) -> NaiveDateTime {
    let nanos = t.nanosecond();
    let base = t.with_nanosecond(0).unwrap_or(t);
    if nanos >= 500_000_000 {
        base + Duration::seconds(1)
    } else {
        base
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::scan;

    fn segments(text: &str) -> Vec<Segment> {
        match scan(text) {
            Ok(Some(Fill::Embedded(s))) => s,
            other => panic!("{other:?}"),
        }
    }

    fn paths(text: &str, cell: &str) -> Option<Vec<(Vec<&'static str>, String)>> {
        split(&segments(text), cell).map(|parts| {
            parts
                .into_iter()
                .map(|(g, c)| (g.iter().map(|f| f.path).collect(), c.to_string()))
                .collect()
        })
    }

    #[test]
    fn embedded_text_splits_at_the_literal_text() {
        assert_eq!(
            paths(
                "{{ village.name }}驻村工作月报（{{ period.label }}）",
                "青岗村驻村工作月报（2026年11月）"
            ),
            Some(vec![
                (vec!["village.name"], "青岗村".to_string()),
                (vec!["period.label"], "2026年11月".to_string()),
            ])
        );
        assert_eq!(
            paths(
                "{{ village.county }}{{ village.township }}　报告期：{{ period.start }} 至 {{ period.end }}",
                "示例县青岗镇　报告期：2026-11-01 至 2026-11-30"
            ),
            Some(vec![
                (
                    vec!["village.county", "village.township"],
                    "示例县青岗镇".to_string()
                ),
                (vec!["period.start"], "2026-11-01".to_string()),
                (vec!["period.end"], "2026-11-30".to_string()),
            ])
        );
        // A value holding the literal text: the first split that fits the rest wins.
        assert_eq!(
            paths(
                "截至{{ period.end }}：{{ village.name }}",
                "截至2026-11-30：甲：乙"
            ),
            Some(vec![
                (vec!["period.end"], "2026-11-30".to_string()),
                (vec!["village.name"], "甲：乙".to_string()),
            ])
        );
        assert_eq!(paths("截至{{ period.end }}止", "截止2026-11-30"), None);
        assert_eq!(
            paths("填表人：{{ report.signer }}", "填表人："),
            Some(vec![(vec!["report.signer"], String::new())])
        );
    }

    #[test]
    fn cells_are_typed_by_their_field() {
        assert_eq!(
            from_cell(FieldType::Integer, Some(&Data::Float(3.0))),
            Value::Int(3)
        );
        assert_eq!(
            from_cell(FieldType::Money, Some(&Data::Float(1234.5))),
            Value::Money(Money::from_fen(123_450))
        );
        assert_eq!(
            from_cell(FieldType::Code, Some(&Data::String("010".into()))),
            Value::Text("010".into())
        );
        assert_eq!(
            from_cell(FieldType::Integer, Some(&Data::String("三".into()))),
            Value::Text("三".into())
        );
        assert_eq!(from_cell(FieldType::Text, Some(&Data::Empty)), Value::Null);
        assert_eq!(from_text(FieldType::Boolean, "否"), Value::Bool(false));
        assert_eq!(
            from_text(FieldType::List, "玉米、土豆"),
            Value::List(vec!["玉米".into(), "土豆".into()])
        );
        assert_eq!(
            from_number(FieldType::Date, 46356.0),
            Value::Date(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default())
        );
    }
}

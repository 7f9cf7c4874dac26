//! The household roster (花名册) import: read a spreadsheet, plan what it would change, apply the
//! plan in one transaction.
//!
//! The three steps are separate so each can be looked at on its own: [`read_roster`] only reads
//! the file, [`plan_import`] only reads the database and either refuses the roster (naming every
//! bad cell) or returns an [`ImportPlan`], and [`apply`] writes that plan through
//! [`records::Changes`]. [`import_file`] does all three. Columns are matched by the header texts
//! of CLI.md ("Household roster columns"); households are matched by `户编号`, so importing a
//! corrected roster again updates what changed and leaves the rest alone.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use calamine::{open_workbook_auto, Data, DataRef, ExcelDateTime, Reader, Sheets, XlsxError};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use serde::Serialize;

use crate::error::{CellProblem, Error, Lang, Result, Rule};
use crate::records::{
    self, checks, input,
    schema::{GROUP, HOUSEHOLD},
    Changes, Field, Row, Value,
};
use crate::store;

/// The header that marks a roster's header row.
const HEAD_NAME_HEADER: &str = "户主姓名";

/// How many rows from the top of a sheet the header row may be on.
const HEADER_SEARCH_ROWS: u32 = 20;

/// How many refused cells an [`Error::InvalidSheet`] lists (all of them are counted).
pub const MAX_PROBLEMS: usize = 100;

/// The roster's columns: header text (CLI.md) and the household field it feeds.
pub const COLUMNS: [(&str, &str); 10] = [
    ("户编号", "code"),
    ("户主姓名", "head_name"),
    ("村民小组", "group"),
    ("家庭人口", "size"),
    ("户类型", "status"),
    ("识别年度", "identified_year"),
    ("脱贫年度", "lifted_year"),
    ("主要致贫原因", "primary_cause"),
    ("其他致贫原因", "other_causes"),
    ("人均纯收入", "income_per_capita"),
];

/// A roster as read from its file, before any value is checked.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterFile {
    /// The file, as given.
    pub file: String,
    /// The sheet the roster was found on.
    pub sheet: String,
    /// The header row, counted from 1 as spreadsheets show it.
    pub header_row: u32,
    /// The recognised columns, in the order they appear on the sheet.
    pub columns: Vec<RosterColumn>,
    /// The headers of the other columns, which are not imported.
    pub ignored_columns: Vec<String>,
    /// The data rows below the header, blank rows left out.
    pub rows: Vec<RosterRow>,
}

/// One recognised column of a roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterColumn {
    /// Its header, as CLI.md spells it (`户编号`).
    pub header: &'static str,
    /// The household field it feeds (`code`).
    pub field: &'static str,
    /// Its position on the sheet, counted from 0 (column A is 0).
    pub column: u32,
}

/// One data row of a roster.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterRow {
    /// Its row number, counted from 1 as spreadsheets show it.
    pub row: u32,
    /// One value per recognised column, in the order of [`RosterFile::columns`].
    pub cells: Vec<CellValue>,
}

/// What a cell holds, as a person would type it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellValue {
    /// Text (empty for an empty cell): numbers as typed (`1001`, `8893.09`), dates as
    /// `yyyy-mm-dd`, 是/否 for yes and no.
    Text(String),
    /// A formula error such as `#N/A`, which is never a value.
    Error(String),
}

impl CellValue {
    /// The text shown in the cell.
    pub fn text(&self) -> &str {
        match self {
            CellValue::Text(t) | CellValue::Error(t) => t,
        }
    }

    fn is_blank(&self) -> bool {
        matches!(self, CellValue::Text(t) if t.trim().is_empty())
    }
}

impl RosterFile {
    /// The `Sheet!A1` name of the cell of `row` in the recognised column `index`.
    pub fn cell_name(&self, row: &RosterRow, index: usize) -> String {
        let column = self.columns.get(index).map_or(0, |c| c.column);
        cell_address(&self.sheet, row.row.saturating_sub(1), column)
    }

    fn column_of(&self, field: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.field == field)
    }
}

/// The `Sheet!A1` name of a cell at a position counted from 0; sheet names that are not one word
/// are quoted as spreadsheets quote them (`'第 1 页'!B3`).
///
/// # Examples
///
/// ```
/// use zhucun_core::roster::cell_address;
/// assert_eq!(cell_address("农户信息", 6, 2), "农户信息!C7");
/// assert_eq!(cell_address("Sheet1", 0, 27), "Sheet1!AB1");
/// assert_eq!(cell_address("第 1 页", 2, 1), "'第 1 页'!B3");
/// ```
pub fn cell_address(sheet: &str, row: u32, column: u32) -> String {
    let plain = sheet.chars().next().is_some_and(|c| !c.is_ascii_digit())
        && sheet
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.');
    let sheet = if plain {
        Cow::Borrowed(sheet)
    } else {
        Cow::Owned(format!("'{}'", sheet.replace('\'', "''")))
    };
    format!("{sheet}!{}{}", column_letters(column), u64::from(row) + 1)
}

/// Spreadsheet column letters for a column counted from 0: A…Z, AA…
fn column_letters(column: u32) -> String {
    let mut n = u64::from(column) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rest = (n - 1) % 26;
        letters.push(char::from(b'A' + rest as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// Reads the household roster in `path` (`.xlsx`, `.xlsm`, `.xls` or `.ods`).
///
/// The roster is on the first sheet that has, within its first 20 rows, a cell whose text is
/// `户主姓名` (spaces around it ignored); that row is the header row. Columns are recognised by
/// their header (see [`COLUMNS`]); other headed columns are listed in
/// [`RosterFile::ignored_columns`]; rows whose headed cells are all empty or spaces are left out.
/// Numbers become the text a person would type (`1001`, never `1001.0`), dates `yyyy-mm-dd`.
///
/// # Errors
///
/// `unreadable_file` when the file cannot be opened, is not a spreadsheet, or is damaged;
/// `unusable_sheet` when no sheet has the `户主姓名` header, the `户编号` column is missing, or a
/// column appears twice, when a sheet's data spans an area no roster has (a damaged file, refused
/// before it is read), or for an `.xlsb`.
///
/// # Examples
///
/// ```no_run
/// let roster = zhucun_core::roster::read_roster(std::path::Path::new("花名册.xlsx"))?;
/// println!("{} rows on {}", roster.rows.len(), roster.sheet);
/// # Ok::<(), zhucun_core::Error>(())
/// ```
pub fn read_roster(path: &Path) -> Result<RosterFile> {
    let file = path.display().to_string();
    crate::guard::reading_path(&file, path, || read_roster_unguarded(path))
}

fn read_roster_unguarded(path: &Path) -> Result<RosterFile> {
    let file = path.display().to_string();
    let mut book = open_workbook_auto(path).map_err(|source| Error::UnreadableSheet {
        file: file.clone(),
        source,
    })?;
    for sheet in book.sheet_names() {
        if let Some(roster) = read_sheet(&mut book, &file, &sheet)? {
            return Ok(roster);
        }
    }
    Err(Error::UnusableSheet {
        zh: format!("没有一张工作表在前 {HEADER_SEARCH_ROWS} 行中有“{HEAD_NAME_HEADER}”表头"),
        en: format!(
            "no sheet has a “{HEAD_NAME_HEADER}” header in its first {HEADER_SEARCH_ROWS} rows"
        ),
        file,
    })
}

/// A cell not yet placed, at its position counted from 0.
#[derive(Debug)]
struct SheetCell {
    row: u32,
    column: u32,
    value: CellValue,
}

/// What a header cell says about its column.
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// A recognised column: its index in [`RosterFile::columns`].
    Column(usize),
    /// A headed column that is not imported.
    Ignored,
}

/// The columns found on the header row.
#[derive(Debug)]
struct Layout {
    columns: Vec<RosterColumn>,
    ignored_columns: Vec<String>,
    /// By sheet column (from 0): what the column is; `None` past the last header or under an
    /// empty one.
    slots: Vec<Option<Slot>>,
}

impl Layout {
    fn slot(&self, column: u32) -> Option<Slot> {
        usize::try_from(column)
            .ok()
            .and_then(|c| self.slots.get(c))
            .copied()
            .flatten()
    }
}

/// Whether a sheet is worth reading on.
#[derive(Debug, PartialEq)]
enum Step {
    Continue,
    /// The header search rows are past and none held the header.
    GiveUp,
}

/// A roster built from a sheet's cells as the reader yields them: row by row, left to right.
#[derive(Debug)]
struct Scan<'a> {
    file: &'a str,
    sheet: &'a str,
    /// The header row, counted from 0, once a `户主姓名` cell has been seen.
    header_row: Option<u32>,
    /// The cells of the first rows, kept until the header row is complete.
    early: Vec<SheetCell>,
    layout: Option<Layout>,
    rows: Vec<RosterRow>,
    /// The row being filled, and whether any of its headed cells holds something.
    current: Option<(RosterRow, bool)>,
    /// Cells that came after a later row's (no file seen so far does this), placed at the end.
    stragglers: Vec<SheetCell>,
}

impl<'a> Scan<'a> {
    fn new(file: &'a str, sheet: &'a str) -> Scan<'a> {
        Scan {
            file,
            sheet,
            header_row: None,
            early: Vec::new(),
            layout: None,
            rows: Vec::new(),
            current: None,
            stragglers: Vec::new(),
        }
    }

    /// Takes the next non-empty cell; `value` is worked out only for cells that matter.
    fn push(
        &mut self,
        row: u32,
        column: u32,
        value: impl FnOnce() -> Option<CellValue>,
    ) -> Result<Step> {
        if self.layout.is_none() {
            match self.header_row {
                Some(header) if row > header => self.lay_out()?,
                None if row >= HEADER_SEARCH_ROWS => return Ok(Step::GiveUp),
                _ => {
                    if let Some(value) = value() {
                        if row < HEADER_SEARCH_ROWS
                            && value.text().trim() == HEAD_NAME_HEADER
                            && self.header_row.is_none_or(|h| row < h)
                        {
                            self.header_row = Some(row);
                        }
                        self.early.push(SheetCell { row, column, value });
                    }
                    return Ok(Step::Continue);
                }
            }
        }
        let Some(layout) = &self.layout else {
            return Ok(Step::Continue);
        };
        let Some(slot) = layout.slot(column) else {
            // Cells under no header are notes beside the table.
            return Ok(Step::Continue);
        };
        if let Some(value) = value() {
            self.place(row, slot, value);
        }
        Ok(Step::Continue)
    }

    /// Reads the header row kept in `early` and places the cells below it.
    fn lay_out(&mut self) -> Result<()> {
        let header_row = self.header_row.unwrap_or(0);
        let early = std::mem::take(&mut self.early);
        let layout = self.layout_of(early.iter().filter(|c| c.row == header_row))?;
        self.layout = Some(layout);
        for cell in early.into_iter().filter(|c| c.row > header_row) {
            if let Some(slot) = self.layout.as_ref().and_then(|l| l.slot(cell.column)) {
                self.place(cell.row, slot, cell.value);
            }
        }
        Ok(())
    }

    fn layout_of<'c>(&self, header: impl Iterator<Item = &'c SheetCell>) -> Result<Layout> {
        let (sheet, header_row) = (self.sheet, self.header_row.unwrap_or(0));
        let unusable = |zh: String, en: String| Error::UnusableSheet {
            file: self.file.to_string(),
            zh,
            en,
        };
        let mut layout = Layout {
            columns: Vec::new(),
            ignored_columns: Vec::new(),
            slots: Vec::new(),
        };
        for cell in header {
            let text = cell.value.text().trim();
            let Ok(index) = usize::try_from(cell.column) else {
                continue;
            };
            if text.is_empty() {
                continue;
            }
            let slot = match COLUMNS.iter().find(|(h, _)| *h == text) {
                Some(&(header, field)) => {
                    if let Some(first) = layout.columns.iter().find(|c| c.field == field) {
                        let (a, b) = (
                            cell_address(sheet, header_row, first.column),
                            cell_address(sheet, header_row, cell.column),
                        );
                        return Err(unusable(
                            format!("工作表 {sheet} 的“{header}”列出现了两次（{a} 和 {b}）"),
                            format!("sheet {sheet} has the column “{header}” twice ({a} and {b})"),
                        ));
                    }
                    layout.columns.push(RosterColumn {
                        header,
                        field,
                        column: cell.column,
                    });
                    Slot::Column(layout.columns.len() - 1)
                }
                None => {
                    // The warning names each ignored header once, however often it appears.
                    if !layout.ignored_columns.iter().any(|h| h == text) {
                        layout.ignored_columns.push(text.to_string());
                    }
                    Slot::Ignored
                }
            };
            if layout.slots.len() <= index {
                layout.slots.resize(index + 1, None);
            }
            if let Some(place) = layout.slots.get_mut(index) {
                *place = Some(slot);
            }
        }
        if !layout.columns.iter().any(|c| c.field == "code") {
            let row = header_row + 1;
            return Err(unusable(
                format!("工作表 {sheet} 的表头（第 {row} 行）没有“户编号”列"),
                format!("the header (row {row}) of sheet {sheet} has no “户编号” column"),
            ));
        }
        Ok(layout)
    }

    /// Puts a data cell (row counted from 0) into its row.
    fn place(&mut self, row: u32, slot: Slot, value: CellValue) {
        let number = row + 1;
        let width = self.layout.as_ref().map_or(0, |l| l.columns.len());
        match &self.current {
            Some((current, _)) if current.row == number => {}
            Some((current, _)) if current.row > number => {
                self.stragglers.push(SheetCell {
                    row,
                    column: match slot {
                        Slot::Column(i) => u32::try_from(i).unwrap_or(u32::MAX),
                        Slot::Ignored => u32::MAX,
                    },
                    value,
                });
                return;
            }
            _ => {
                if let Some((done, true)) = self.current.take() {
                    self.rows.push(done);
                }
                self.current = Some((
                    RosterRow {
                        row: number,
                        cells: vec![CellValue::Text(String::new()); width],
                    },
                    false,
                ));
            }
        }
        if let Some((current, filled)) = self.current.as_mut() {
            *filled |= !value.is_blank();
            if let Slot::Column(i) = slot {
                if let Some(place) = current.cells.get_mut(i) {
                    *place = value;
                }
            }
        }
    }

    /// The roster, or `None` if the sheet has no header.
    fn finish(mut self) -> Result<Option<RosterFile>> {
        if self.header_row.is_none() {
            return Ok(None);
        }
        if self.layout.is_none() {
            self.lay_out()?;
        }
        if let Some((done, true)) = self.current.take() {
            self.rows.push(done);
        }
        let width = self.layout.as_ref().map_or(0, |l| l.columns.len());
        for cell in std::mem::take(&mut self.stragglers) {
            let number = cell.row + 1;
            let at = match self.rows.binary_search_by_key(&number, |r| r.row) {
                Ok(at) => at,
                Err(at) if !cell.value.is_blank() => {
                    let blank = vec![CellValue::Text(String::new()); width];
                    self.rows.insert(
                        at,
                        RosterRow {
                            row: number,
                            cells: blank,
                        },
                    );
                    at
                }
                Err(_) => continue,
            };
            let index = usize::try_from(cell.column).unwrap_or(usize::MAX);
            if let Some(place) = self.rows.get_mut(at).and_then(|r| r.cells.get_mut(index)) {
                *place = cell.value;
            }
        }
        let Some(layout) = self.layout else {
            return Ok(None);
        };
        Ok(Some(RosterFile {
            file: self.file.to_string(),
            sheet: self.sheet.to_string(),
            header_row: self.header_row.unwrap_or(0) + 1,
            columns: layout.columns,
            ignored_columns: layout.ignored_columns,
            rows: self.rows,
        }))
    }
}

/// Reads one sheet into a roster if it holds the roster header. Excel files are streamed cell by
/// cell: calamine's dense `Range` would allocate every position between the first and the last
/// used cell, and one stray far-away cell makes that gigabytes.
fn read_sheet(
    book: &mut Sheets<BufReader<File>>,
    file: &str,
    name: &str,
) -> Result<Option<RosterFile>> {
    let unreadable = |source: calamine::Error| Error::UnreadableSheet {
        file: file.to_string(),
        source,
    };
    let mut scan = Scan::new(file, name);
    match book {
        Sheets::Xlsx(xlsx) => {
            let mut reader = match xlsx.worksheet_cells_reader(name) {
                Ok(reader) => reader,
                // A chart sheet holds no roster.
                Err(XlsxError::NotAWorksheet(_)) => return Ok(None),
                Err(e) => return Err(unreadable(e.into())),
            };
            while let Some(cell) = reader.next_cell().map_err(|e| unreadable(e.into()))? {
                let (row, column) = cell.get_position();
                if scan.push(row, column, || ref_value(cell.get_value()))? == Step::GiveUp {
                    return Ok(None);
                }
            }
        }
        Sheets::Xlsb(xlsb) => {
            let mut reader = xlsb
                .worksheet_cells_reader(name)
                .map_err(|e| unreadable(e.into()))?;
            while let Some(cell) = reader.next_cell().map_err(|e| unreadable(e.into()))? {
                let (row, column) = cell.get_position();
                if scan.push(row, column, || ref_value(cell.get_value()))? == Step::GiveUp {
                    return Ok(None);
                }
            }
        }
        // Excel 97 sheets are at most 65,536 × 256 cells, and ODS readers give ranges only.
        other => {
            let range = other.worksheet_range(name).map_err(unreadable)?;
            let (top, left) = range.start().unwrap_or((0, 0));
            for (r, c, data) in range.used_cells() {
                let (Ok(r), Ok(c)) = (u32::try_from(r), u32::try_from(c)) else {
                    continue;
                };
                let (row, column) = (top.saturating_add(r), left.saturating_add(c));
                if scan.push(row, column, || data_value(data))? == Step::GiveUp {
                    return Ok(None);
                }
            }
        }
    }
    scan.finish()
}

/// A streamed cell's value; `None` for an empty cell.
fn ref_value(data: &DataRef<'_>) -> Option<CellValue> {
    let text = match data {
        DataRef::Empty => return None,
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::Bool(b) => bool_text(*b),
        DataRef::DateTime(d) => datetime_text(d),
        DataRef::DateTimeIso(s) => iso_text(s),
        DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => return Some(CellValue::Error(e.to_string())),
    };
    Some(CellValue::Text(text))
}

/// A range cell's value; `None` for an empty cell.
fn data_value(data: &Data) -> Option<CellValue> {
    let text = match data {
        Data::Empty => return None,
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => bool_text(*b),
        Data::DateTime(d) => datetime_text(d),
        Data::DateTimeIso(s) => iso_text(s),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => return Some(CellValue::Error(e.to_string())),
    };
    Some(CellValue::Text(text))
}

/// A number as a person types it: whole numbers without `.0` (a 户编号 stored as the number
/// 1001 is `1001`), others with at most the 15 significant digits a spreadsheet shows, so
/// binary noise such as `0.30000000000000004` reads `0.3`.
fn number_text(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value.fract() == 0.0 && value.abs() < 1e15 {
        return (value as i64).to_string();
    }
    let shown: f64 = format!("{value:.14e}").parse().unwrap_or(value);
    shown.to_string()
}

fn bool_text(value: bool) -> String {
    if value { "是" } else { "否" }.to_string()
}

/// An Excel date as `yyyy-mm-dd` (with the time only when there is one); a duration as its
/// number of days.
fn datetime_text(value: &ExcelDateTime) -> String {
    if value.is_duration() {
        return number_text(value.as_f64());
    }
    // `to_ymd_hms_milli` clamps out-of-range serials instead of failing.
    let (y, m, d, hh, mm, ss, _) = value.to_ymd_hms_milli();
    if (hh, mm, ss) == (0, 0, 0) {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}")
    }
}

/// An ODS date (`2026-01-02T00:00:00`) as `yyyy-mm-dd` when it is a whole day.
fn iso_text(value: &str) -> String {
    match value.split_once('T') {
        Some((day, "00:00:00")) => day.to_string(),
        _ => value.to_string(),
    }
}

/// What importing a roster would do, worked out without writing anything.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportPlan {
    /// The file the roster came from.
    pub file: String,
    /// The sheet it was on.
    pub sheet: String,
    /// Village groups named in the roster that do not exist yet, in order of first mention.
    pub groups_to_create: Vec<String>,
    /// Households whose code is new.
    pub inserts: Vec<NewHousehold>,
    /// Known households the roster changes.
    pub updates: Vec<ChangedHousehold>,
    /// Known households the roster leaves as they are.
    pub unchanged: usize,
    /// Headers of the columns that are not imported.
    pub ignored_columns: Vec<String>,
}

/// A household the import adds.
#[derive(Debug, Clone, PartialEq)]
pub struct NewHousehold {
    /// Its row on the sheet, counted from 1.
    pub row_number: u32,
    /// Its fields; `group` is absent when the group is one still to be created.
    pub row: Row,
    /// The group to be created that it belongs to.
    pub new_group: Option<String>,
}

/// A known household the import changes.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangedHousehold {
    /// Its row on the sheet, counted from 1.
    pub row_number: u32,
    /// The household's id.
    pub id: String,
    /// Its fields now.
    pub old: Row,
    /// Its fields after the import; `group` is absent when the group is one still to be
    /// created.
    pub new: Row,
    /// The group to be created that it moves to.
    pub new_group: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Households added.
    pub added: usize,
    /// Known households changed.
    pub updated: usize,
    /// Known households left as they were.
    pub unchanged: usize,
    /// Village groups created, by name.
    pub groups_created: Vec<String>,
    /// Headers of the columns that were not imported.
    pub ignored_columns: Vec<String>,
    /// The sheet the roster was read from.
    pub sheet: String,
}

impl ImportSummary {
    /// The warning to show about ignored columns, if any were.
    pub fn warning(&self, lang: Lang) -> Option<String> {
        if self.ignored_columns.is_empty() {
            return None;
        }
        let list = self.ignored_columns.join("、");
        Some(match lang {
            Lang::Zh => format!("以下列不是花名册的列，未导入：{list}"),
            Lang::En => {
                format!("These columns are not roster columns and were not imported: {list}")
            }
        })
    }
}

/// Where a row puts its household.
#[derive(Debug, Clone, PartialEq)]
enum GroupCell {
    /// The roster has no group column: the household keeps its group.
    Absent,
    /// The cell is empty: the household belongs to no group.
    Empty,
    /// A known group, by id.
    Known(String),
    /// A group to be created, by name.
    New(String),
    /// A refused cell (already reported).
    Bad,
}

/// What a recognised column feeds.
#[derive(Debug, Clone, Copy)]
enum Target {
    Field(&'static Field),
    Group,
}

/// The problems found so far: the first [`MAX_PROBLEMS`] kept, all counted.
#[derive(Debug, Default)]
struct Problems {
    kept: Vec<CellProblem>,
    total: usize,
}

impl Problems {
    fn add_row(&mut self, mut found: Vec<(u32, CellProblem)>) {
        found.sort_by_key(|(column, _)| *column);
        self.total += found.len();
        let room = MAX_PROBLEMS.saturating_sub(self.kept.len());
        self.kept
            .extend(found.into_iter().take(room).map(|(_, problem)| problem));
    }
}

/// Works out what importing `roster` into the database would do, reading the database only.
///
/// Every cell goes through the same parsers as values typed on the command line
/// ([`input::parse_field`]) and every row through the same record checks
/// ([`checks::check`]); a code that appears twice in the roster is refused on its second
/// appearance. An empty cell clears its field (or gives it its default: 户类型 一般户); fields
/// the roster has no column for are left as they are.
///
/// # Errors
///
/// `invalid_sheet` listing every refused cell as `Sheet!A1` (the first [`MAX_PROBLEMS`], with
/// the total count); `database` if SQLite fails.
///
/// # Examples
///
/// ```no_run
/// use zhucun_core::roster;
/// let conn = zhucun_core::store::open_in_memory()?;
/// let file = roster::read_roster(std::path::Path::new("花名册.xlsx"))?;
/// let plan = roster::plan_import(&conn, &file)?;
/// println!("{} to add, {} to change", plan.inserts.len(), plan.updates.len());
/// # Ok::<(), zhucun_core::Error>(())
/// ```
pub fn plan_import(conn: &Connection, roster: &RosterFile) -> Result<ImportPlan> {
    // One read transaction for the whole plan (unless the caller has one open): every query
    // sees the same database, and SQLite does not take and drop its read lock once per row.
    // It only reads, and rolls back when dropped.
    let _snapshot = if conn.is_autocommit() {
        Some(Transaction::new_unchecked(
            conn,
            TransactionBehavior::Deferred,
        )?)
    } else {
        None
    };
    // One query each up front instead of one per row.
    let mut existing: HashMap<String, (String, Row)> = HashMap::new();
    for (id, row) in records::list_rows(conn, &HOUSEHOLD, None)? {
        if let Some(code) = row.get("code").and_then(Value::as_str) {
            existing.insert(code.to_string(), (id, row));
        }
    }
    let mut groups: HashMap<String, String> = HashMap::new();
    for (id, row) in records::list_rows(conn, &GROUP, None)? {
        if let Some(name) = row.get("name").and_then(Value::as_str) {
            groups.insert(name.to_string(), id);
        }
    }
    let defaults = records::defaults(conn, &HOUSEHOLD)?;
    let group_name = input::field_named(&GROUP, "name")?;
    let targets = roster
        .columns
        .iter()
        .map(|c| match c.field {
            "group" => Ok(Target::Group),
            name => input::field_named(&HOUSEHOLD, name).map(Target::Field),
        })
        .collect::<Result<Vec<_>>>()?;
    let code_column = roster.column_of("code");

    let mut plan = ImportPlan {
        file: roster.file.clone(),
        sheet: roster.sheet.clone(),
        groups_to_create: Vec::new(),
        inserts: Vec::with_capacity(roster.rows.len().saturating_sub(existing.len())),
        updates: Vec::new(),
        unchanged: 0,
        ignored_columns: roster.ignored_columns.clone(),
    };
    let mut problems = Problems::default();
    let mut seen_codes: HashSet<&str> = HashSet::with_capacity(roster.rows.len());
    let mut new_groups: HashSet<String> = HashSet::new();
    let mut values: Vec<Option<Value>> = Vec::with_capacity(targets.len());

    for line in &roster.rows {
        let mut found: Vec<(u32, CellProblem)> = Vec::new();
        let mut report = |index: usize, field: &str, value: &str, rule: Rule| {
            let column = roster.columns.get(index).map_or(0, |c| c.column);
            found.push((
                column,
                CellProblem {
                    cell: roster.cell_name(line, index),
                    field: field.to_string(),
                    value: value.to_string(),
                    rule,
                },
            ));
        };

        // Each cell on its own.
        values.clear();
        let mut group = GroupCell::Absent;
        for (index, target) in targets.iter().enumerate() {
            let cell = line.cells.get(index);
            let field_name = match target {
                Target::Field(f) => f.name,
                Target::Group => "group",
            };
            let text = match cell {
                Some(CellValue::Error(shown)) => {
                    report(index, field_name, shown, Rule::FormulaError);
                    values.push(None);
                    if matches!(target, Target::Group) {
                        group = GroupCell::Bad;
                    }
                    continue;
                }
                Some(CellValue::Text(t)) => t.as_str(),
                None => "",
            };
            match target {
                Target::Field(field) => match input::parse_field(conn, field, text) {
                    Ok(value) => values.push(Some(value)),
                    Err(Error::InvalidField { rule, .. }) => {
                        report(index, field.name, text, rule);
                        values.push(None);
                    }
                    Err(e) => return Err(e),
                },
                Target::Group => {
                    values.push(None);
                    group = match input::parse_field(conn, group_name, text) {
                        Ok(Value::Text(name)) => match groups.get(&name) {
                            Some(id) => GroupCell::Known(id.clone()),
                            None => GroupCell::New(name),
                        },
                        Ok(_) => GroupCell::Empty,
                        Err(Error::InvalidField { rule, .. }) => {
                            report(index, "group", text, rule);
                            GroupCell::Bad
                        }
                        Err(e) => return Err(e),
                    };
                }
            }
        }

        // The code: known or new, and not twice in the file. A code reads as its cell's text
        // trimmed, so the roster's own text serves as the key.
        let code = code_column
            .filter(|&i| matches!(values.get(i), Some(Some(Value::Text(_)))))
            .and_then(|i| Some((i, line.cells.get(i)?)));
        if let Some((index, cell)) = code {
            if !seen_codes.insert(cell.text().trim()) {
                report(index, "code", cell.text(), Rule::Duplicate);
            }
        }
        let known = code.and_then(|(_, cell)| existing.get(cell.text().trim()));

        // The household as it would be.
        let mut row = match known {
            Some((_, old)) => old.clone(),
            None => defaults.clone(),
        };
        let mut failed: Vec<&'static str> = Vec::new();
        for (target, value) in targets.iter().zip(values.drain(..)) {
            let Target::Field(field) = target else {
                continue;
            };
            match value {
                None => {
                    // Leave a refused value out so the record checks judge the others.
                    failed.push(field.name);
                    row.remove(field.name);
                }
                Some(Value::Null) => match defaults.get(field.name) {
                    Some(default) => {
                        row.insert(field.name, default.clone());
                    }
                    None => {
                        row.remove(field.name);
                    }
                },
                Some(value) => {
                    row.insert(field.name, value);
                }
            }
        }
        let mut new_group = None;
        match &group {
            GroupCell::Absent | GroupCell::Bad => {}
            GroupCell::Empty => {
                row.remove("group");
            }
            GroupCell::Known(id) => {
                row.insert("group", Value::Text(id.clone()));
            }
            GroupCell::New(name) => {
                // The group gets its id when it is created; the checks do not need it.
                row.remove("group");
                new_group = Some(name.clone());
            }
        }

        // The record's own rules, as every other way of changing a household runs them.
        let id = known.map(|(id, _)| id.as_str());
        for (field, value, rule) in record_problems(conn, id, &row, &failed)? {
            let index = roster
                .column_of(field)
                .or_else(|| {
                    // The monitoring type is not a roster column: it is the status that
                    // makes it wrong.
                    (field == "monitoring_type")
                        .then(|| roster.column_of("status"))
                        .flatten()
                })
                .or(code_column)
                .unwrap_or(0);
            let shown = match line.cells.get(index) {
                Some(cell) if roster.column_of(field) == Some(index) => cell.text().to_string(),
                _ => value,
            };
            report(index, field, &shown, rule);
        }

        if !found.is_empty() {
            problems.add_row(found);
            continue;
        }
        if problems.total > 0 {
            // The import is refused anyway; keep checking, but build nothing.
            continue;
        }
        if let Some(name) = &new_group {
            if new_groups.insert(name.clone()) {
                plan.groups_to_create.push(name.clone());
            }
        }
        match known {
            None => plan.inserts.push(NewHousehold {
                row_number: line.row,
                row,
                new_group,
            }),
            Some((id, old)) => {
                if new_group.is_some() || row != *old {
                    plan.updates.push(ChangedHousehold {
                        row_number: line.row,
                        id: id.clone(),
                        old: old.clone(),
                        new: row,
                        new_group,
                    });
                } else {
                    plan.unchanged += 1;
                }
            }
        }
    }

    if problems.total > 0 {
        return Err(Error::InvalidSheet {
            file: roster.file.clone(),
            problems: problems.kept,
            total: problems.total,
        });
    }
    Ok(plan)
}

/// Every rule of [`checks::check`] that `row` breaks, as (field, value, rule). `check` stops at
/// the first broken rule, so the field at fault is taken out and the row checked again until it
/// passes; fields in `failed` were refused already and are not reported twice.
fn record_problems(
    conn: &Connection,
    id: Option<&str>,
    row: &Row,
    failed: &[&'static str],
) -> Result<Vec<(&'static str, String, Rule)>> {
    let mut found = Vec::new();
    let mut scratch: Option<Row> = None;
    let mut seen: Vec<&'static str> = Vec::new();
    for _ in 0..=HOUSEHOLD.fields.len() {
        let current = scratch.as_ref().unwrap_or(row);
        let (name, value, rule) = match checks::check(conn, &HOUSEHOLD, id, current) {
            Ok(()) => return Ok(found),
            Err(Error::InvalidField { field, value, rule }) => (field, value, rule),
            Err(e) => return Err(e),
        };
        let Some(field) = HOUSEHOLD.field(&name) else {
            // A rule about something that is not a household field: report it on the code.
            found.push(("code", value, rule));
            return Ok(found);
        };
        if seen.contains(&field.name) {
            return Ok(found);
        }
        seen.push(field.name);
        if !failed.contains(&field.name) {
            found.push((field.name, value, rule));
        }
        let next = scratch.get_or_insert_with(|| row.clone());
        if next.remove(field.name).is_none() {
            // A required field with no value: a stand-in lets the other rules be checked.
            next.insert(field.name, Value::Text(String::new()));
        }
    }
    Ok(found)
}

/// Carries out `plan` in one transaction: groups first, then the households (with the new
/// groups' ids), every change through [`Changes`] and its record checks.
///
/// # Errors
///
/// `invalid_field` if the database changed since the plan was made in a way that breaks a rule
/// (a code taken meanwhile); `database` if SQLite fails. Nothing is written then.
pub fn apply(conn: &mut Connection, plan: &ImportPlan) -> Result<ImportSummary> {
    if has_writes(plan) {
        let tx = conn.transaction()?;
        // The database may have changed since the plan was made: check every record again.
        apply_within(&tx, plan, Recheck::Yes)?;
        tx.commit()?;
    }
    Ok(summary(plan))
}

/// Reads the roster at `path`, plans its import and applies it, all in one transaction, so no
/// other writer can slip in between the plan and its execution.
///
/// # Errors
///
/// As [`read_roster`], [`plan_import`] and [`apply`]; nothing is written on any error.
///
/// # Examples
///
/// ```no_run
/// let mut conn = zhucun_core::store::open(std::path::Path::new("zhucun.sqlite"))?;
/// let summary = zhucun_core::roster::import_file(&mut conn, std::path::Path::new("花名册.xlsx"))?;
/// println!("{} added, {} updated", summary.added, summary.updated);
/// # Ok::<(), zhucun_core::Error>(())
/// ```
pub fn import_file(conn: &mut Connection, path: &Path) -> Result<ImportSummary> {
    let roster = read_roster(path)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let plan = plan_import(&tx, &roster)?;
    if has_writes(&plan) {
        store::automatic_backup(&tx, "roster")?;
        // The plan checked every record inside this same transaction.
        apply_within(&tx, &plan, Recheck::No)?;
        tx.commit()?;
    }
    Ok(summary(&plan))
}

fn has_writes(plan: &ImportPlan) -> bool {
    !(plan.groups_to_create.is_empty() && plan.inserts.is_empty() && plan.updates.is_empty())
}

fn summary(plan: &ImportPlan) -> ImportSummary {
    ImportSummary {
        added: plan.inserts.len(),
        updated: plan.updates.len(),
        unchanged: plan.unchanged,
        groups_created: plan.groups_to_create.clone(),
        ignored_columns: plan.ignored_columns.clone(),
        sheet: plan.sheet.clone(),
    }
}

/// Whether [`apply_within`] runs the record checks again.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Recheck {
    Yes,
    No,
}

/// Writes `plan` inside the caller's transaction.
fn apply_within(conn: &Connection, plan: &ImportPlan, recheck: Recheck) -> Result<()> {
    let mut changes = Changes::begin(conn)?;
    let mut group_ids: HashMap<&str, String> = HashMap::new();
    for name in &plan.groups_to_create {
        let mut row = records::defaults(conn, &GROUP)?;
        row.insert("name", Value::Text(name.clone()));
        let id = records::insert_checked(&mut changes, conn, &GROUP, &row)?;
        group_ids.insert(name, id);
    }
    let with_group = |row: &Row, new_group: &Option<String>| -> Result<Row> {
        let mut row = row.clone();
        if let Some(name) = new_group {
            let id = group_ids
                .get(name.as_str())
                .ok_or_else(|| Error::NotFound {
                    what: GROUP.label_zh.to_string(),
                    key: name.clone(),
                })?;
            row.insert("group", Value::Text(id.clone()));
        }
        Ok(row)
    };
    for household in &plan.inserts {
        let row = match household.new_group {
            None => Cow::Borrowed(&household.row),
            Some(_) => Cow::Owned(with_group(&household.row, &household.new_group)?),
        };
        match recheck {
            Recheck::Yes => records::insert_checked(&mut changes, conn, &HOUSEHOLD, &row)?,
            Recheck::No => changes.insert(&HOUSEHOLD, &row)?,
        };
    }
    for household in &plan.updates {
        let new = with_group(&household.new, &household.new_group)?;
        let (id, old) = (&household.id, &household.old);
        match recheck {
            Recheck::Yes => records::update_checked(&mut changes, conn, &HOUSEHOLD, id, old, &new)?,
            Recheck::No => changes.update(&HOUSEHOLD, id, old, &new)?,
        };
    }
    changes.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_go_past_z() {
        let cases = [
            (0, "A"),
            (25, "Z"),
            (26, "AA"),
            (51, "AZ"),
            (52, "BA"),
            (701, "ZZ"),
            (702, "AAA"),
            (16383, "XFD"),
        ];
        for (column, letters) in cases {
            assert_eq!(column_letters(column), letters, "{column}");
        }
    }

    #[test]
    fn numbers_read_as_typed() {
        let cases = [
            (1001.0, "1001"),
            (8893.09, "8893.09"),
            (0.1 + 0.2, "0.3"),
            (-3.0, "-3"),
            (1e20, "100000000000000000000"),
            (2.5, "2.5"),
        ];
        for (value, text) in cases {
            assert_eq!(number_text(value), text, "{value}");
        }
    }

    #[test]
    fn cells_out_of_row_order_land_in_their_rows() {
        let mut scan = Scan::new("f.xlsx", "S");
        let cells = [
            (0, 0, "户编号"),
            (0, 1, "户主姓名"),
            (1, 0, "1"),
            (3, 0, "3"),
            (1, 1, "甲"),
            (2, 1, "乙"),
            (3, 1, "丙"),
            (2, 5, "不在表头下"),
        ];
        for (row, column, text) in cells {
            let step = scan.push(row, column, || Some(CellValue::Text(text.to_string())));
            assert_eq!(step.unwrap(), Step::Continue);
        }
        let roster = scan.finish().unwrap().unwrap();
        let rows: Vec<(u32, Vec<&str>)> = roster
            .rows
            .iter()
            .map(|r| (r.row, r.cells.iter().map(CellValue::text).collect()))
            .collect();
        assert_eq!(
            rows,
            vec![
                (2, vec!["1", "甲"]),
                (3, vec!["", "乙"]),
                (4, vec!["3", "丙"])
            ]
        );
    }

    #[test]
    fn a_sheet_is_given_up_past_the_header_search_rows() {
        let mut scan = Scan::new("f.xlsx", "S");
        let step = scan.push(HEADER_SEARCH_ROWS, 0, || {
            Some(CellValue::Text("户主姓名".into()))
        });
        assert_eq!(step.unwrap(), Step::GiveUp);
        assert!(scan.finish().unwrap().is_none());
    }

    #[test]
    fn ods_dates_lose_a_midnight_time() {
        assert_eq!(iso_text("2026-01-02T00:00:00"), "2026-01-02");
        assert_eq!(iso_text("2026-01-02"), "2026-01-02");
        assert_eq!(iso_text("2026-01-02T08:30:00"), "2026-01-02T08:30:00");
    }
}

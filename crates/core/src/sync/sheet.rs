//! `data.xlsx` of a sync bundle: writing it (rust_xlsxwriter, constant-memory sheets) and
//! reading it back (calamine, streamed cell by cell), with every cell checked against its
//! column. The layout is in the documentation of [`crate::sync`].

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};
use chrono::NaiveDate;
use rusqlite::types::{Value as SqlValue, ValueRef};
use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};

use super::{Knowledge, Version, KNOWLEDGE_SHEET, SYNC_COLUMNS};
use crate::error::{CellProblem, Error, Result, Rule};
use crate::records::schema::table_by_sql;
use crate::records::{Field, Kind, Table, TABLES};
use crate::store::hlc::Clock;
use crate::types::{DivisionCode, IdCardNumber, Period};

/// The payload's name in a sync bundle.
pub(crate) const DATA_FILE: &str = "data.xlsx";

/// The most rows a sheet holds (Excel's limit, header included).
const MAX_SHEET_ROWS: u32 = 1_048_576;

/// The most cell problems one refusal lists.
const MAX_PROBLEMS: usize = 50;

/// The longest free text a field takes (as `records::input`).
const MAX_TEXT: usize = 4000;

/// More columns than any table has: a value out there is in a column without a name.
const MAX_COLUMNS: usize = 64;

/// Integers beyond this do not survive a spreadsheet's floating-point numbers.
const MAX_EXACT: i64 = 1 << 53;

fn xlsx_error(source: XlsxError) -> Error {
    Error::Xlsx {
        path: DATA_FILE.into(),
        source,
    }
}

/// How a column is stored: integer, decimal, or text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Storage {
    Integer,
    Real,
    Text,
}

fn storage(kind: Kind) -> Storage {
    match kind {
        Kind::Count | Kind::Year | Kind::Money | Kind::Bool => Storage::Integer,
        Kind::Quantity => Storage::Real,
        _ => Storage::Text,
    }
}

/// A `data.xlsx` being written, one sheet at a time.
pub(crate) struct DataWriter {
    workbook: Workbook,
    rows: u64,
}

impl std::fmt::Debug for DataWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataWriter")
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

/// One table's sheet being written.
pub(crate) struct TableSheet<'w> {
    sheet: &'w mut Worksheet,
    table: &'static Table,
    row: u32,
}

impl DataWriter {
    pub(crate) fn new() -> DataWriter {
        DataWriter {
            workbook: Workbook::new(),
            rows: 0,
        }
    }

    /// How many record rows were written.
    pub(crate) fn rows(&self) -> u64 {
        self.rows
    }

    /// Writes the sheet of `table`: its header, then the rows `fill` pushes.
    pub(crate) fn table(
        &mut self,
        table: &'static Table,
        fill: impl FnOnce(&mut TableSheet<'_>) -> Result<()>,
    ) -> Result<()> {
        // Constant memory: rows go to a temporary file as they are written, so a village of any
        // size is never held twice in memory.
        let sheet = self
            .workbook
            .add_worksheet_with_constant_memory()
            .map_err(xlsx_error)?;
        sheet.set_name(table.sql).map_err(xlsx_error)?;
        let names = SYNC_COLUMNS
            .iter()
            .copied()
            .chain(table.fields.iter().map(|f| f.column));
        for (col, name) in (0u16..).zip(names) {
            sheet.write_string(0, col, name).map_err(xlsx_error)?;
        }
        let mut writer = TableSheet {
            sheet,
            table,
            row: 1,
        };
        fill(&mut writer)?;
        self.rows += u64::from(writer.row - 1);
        Ok(())
    }

    /// Writes the `_sync` sheet: this device's knowledge of the others.
    pub(crate) fn knowledge(&mut self, knowledge: &Knowledge) -> Result<()> {
        let sheet = self.workbook.add_worksheet();
        sheet.set_name(KNOWLEDGE_SHEET).map_err(xlsx_error)?;
        sheet.write_string(0, 0, "device").map_err(xlsx_error)?;
        sheet.write_string(0, 1, "clock").map_err(xlsx_error)?;
        for (row, (device, clock)) in (1u32..).zip(knowledge) {
            sheet.write_string(row, 0, device).map_err(xlsx_error)?;
            sheet
                .write_string(row, 1, clock.to_string())
                .map_err(xlsx_error)?;
        }
        Ok(())
    }

    /// The workbook's bytes.
    pub(crate) fn finish(mut self) -> Result<Vec<u8>> {
        self.workbook.save_to_buffer().map_err(xlsx_error)
    }
}

impl TableSheet<'_> {
    /// Writes one row: `id`, `clock`, `device`, `deleted`, then the table's columns, as stored.
    pub(crate) fn push(&mut self, cells: &[ValueRef<'_>]) -> Result<()> {
        if self.row >= MAX_SHEET_ROWS {
            return Err(Error::conflict(
                format!(
                    "{}超过 {} 行，无法写入一个工作表",
                    self.table.label_zh,
                    MAX_SHEET_ROWS - 1
                ),
                format!(
                    "more than {} {} rows do not fit one sheet",
                    MAX_SHEET_ROWS - 1,
                    self.table.label_en
                ),
            ));
        }
        for (col, cell) in (0u16..).zip(cells) {
            match cell {
                ValueRef::Null | ValueRef::Blob(_) => {}
                ValueRef::Integer(i) => {
                    if i.abs() > MAX_EXACT {
                        return Err(Error::conflict(
                            format!(
                                "{} 中的数值 {i} 太大，无法写入电子表格",
                                self.table.label_zh
                            ),
                            format!(
                                "the number {i} in {} is too large for a spreadsheet",
                                self.table.label_en
                            ),
                        ));
                    }
                    self.sheet
                        .write_number(self.row, col, *i as f64)
                        .map_err(xlsx_error)?;
                }
                ValueRef::Real(r) => {
                    self.sheet
                        .write_number(self.row, col, *r)
                        .map_err(xlsx_error)?;
                }
                // Codes, ids, clocks, dates: always text cells, whatever they look like.
                ValueRef::Text(t) => {
                    self.sheet
                        .write_string(self.row, col, String::from_utf8_lossy(t))
                        .map_err(xlsx_error)?;
                }
            }
        }
        self.row += 1;
        Ok(())
    }
}

/// What `data.xlsx` holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DataFile {
    /// Every row, parents' tables before children's.
    pub(crate) versions: Vec<Version>,
    /// The sender's knowledge.
    pub(crate) knowledge: Knowledge,
}

/// One cell as read.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A cell of another type (a boolean, a date, an error), as shown.
    Other(String),
}

impl Cell {
    fn from_data(data: &DataRef<'_>) -> Cell {
        match data {
            DataRef::Empty => Cell::Empty,
            DataRef::String(s) => Cell::Text(s.clone()),
            DataRef::SharedString(s) => Cell::Text((*s).to_string()),
            DataRef::Int(i) => Cell::Number(*i as f64),
            DataRef::Float(f) => Cell::Number(*f),
            DataRef::Bool(b) => Cell::Other(b.to_string()),
            DataRef::DateTime(d) => Cell::Other(d.as_f64().to_string()),
            DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cell::Other(s.clone()),
            DataRef::Error(e) => Cell::Other(e.to_string()),
        }
    }

    fn shown(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) | Cell::Other(t) => t.clone(),
            Cell::Number(n) => n.to_string(),
        }
    }
}

fn unusable(zh: String, en: String) -> Error {
    Error::UnusableSheet {
        file: DATA_FILE.to_string(),
        zh,
        en,
    }
}

/// `Sheet!A1` for a 0-based row and column.
fn cell_name(sheet: &str, row: u32, col: usize) -> String {
    let mut letters = String::new();
    let mut n = col + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.insert(0, char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    format!("{sheet}!{letters}{}", row + 1)
}

/// Reads `data.xlsx`, checking every cell.
///
/// # Errors
///
/// `unreadable_file` when it is not a workbook; `unusable_sheet` for a sheet or column the
/// program does not know, a missing column, a cell of the wrong type (a number where text
/// belongs), a bad clock or a record given twice; `invalid_sheet` listing the cells whose values
/// break their field's rules.
pub(crate) fn read(bytes: &[u8]) -> Result<DataFile> {
    // A trusted laptop signed these bytes, but a damaged or hostile workbook must still not make
    // calamine crash the program or ask for gigabytes. Every sheet is streamed for its values.
    crate::guard::reading_bytes(
        DATA_FILE,
        bytes,
        &[],
        crate::guard::Streamed::Values,
        || read_unguarded(bytes),
    )
}

fn read_unguarded(bytes: &[u8]) -> Result<DataFile> {
    let unreadable = |source: calamine::XlsxError| Error::UnreadableSheet {
        file: DATA_FILE.to_string(),
        source: source.into(),
    };
    let names = Xlsx::new(Cursor::new(bytes))
        .map_err(unreadable)?
        .sheet_names();
    let mut by_table: Vec<Vec<Version>> = vec![Vec::new(); TABLES.len()];
    let mut knowledge = Knowledge::new();
    let mut problems = Problems::default();
    for sheet in read_sheets(bytes, &names)? {
        match sheet {
            Sheet::Knowledge(k) => knowledge = k,
            Sheet::Table(index, versions, found) => {
                let slot = by_table.get_mut(index).ok_or_else(|| {
                    unusable(
                        "数据表顺序错误".to_string(),
                        "tables out of order".to_string(),
                    )
                })?;
                *slot = versions;
                problems.extend(found);
            }
        }
    }
    if let Some(error) = problems.into_error() {
        return Err(error);
    }
    Ok(DataFile {
        versions: by_table.into_iter().flatten().collect(),
        knowledge,
    })
}

/// What one sheet of `data.xlsx` holds.
enum Sheet {
    Knowledge(Knowledge),
    /// A table's index in [`TABLES`], its versions, and the cells that break their rules.
    Table(usize, Vec<Version>, Problems),
}

/// Reads and checks one sheet.
fn read_sheet(book: &mut Xlsx<Cursor<&[u8]>>, name: &str) -> Result<Sheet> {
    let rows = read_rows(book, name)?;
    if name == KNOWLEDGE_SHEET {
        return Ok(Sheet::Knowledge(read_knowledge(name, &rows)?));
    }
    let Some((index, table)) = TABLES
        .iter()
        .enumerate()
        .find(|(_, t)| t.sql == name)
        .map(|(i, t)| (i, *t))
    else {
        return Err(unusable(
            format!("工作表“{name}”不是本程序认识的数据表：数据包可能来自更新版本的程序，请先升级"),
            format!("the sheet “{name}” is not a table this program knows: the bundle may come from a newer version, upgrade first"),
        ));
    };
    debug_assert!(table_by_sql(name).is_some());
    let mut problems = Problems::default();
    let versions = read_table(table, rows, &mut problems)?;
    Ok(Sheet::Table(index, versions, problems))
}

/// Every sheet named, read and checked, in that order. Reading the cells is most of receiving
/// a sync bundle, and each sheet reads on its own: two threads (each with its own reader of the
/// same bytes) take the sheets in turn, so the households sheet, by far the largest, reads
/// beside all the others.
///
/// # Errors
///
/// The first error of a sheet, in sheet order; `unreadable_file` where calamine panics.
fn read_sheets(bytes: &[u8], names: &[String]) -> Result<Vec<Sheet>> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let read_some = || -> Result<Vec<(usize, Result<Sheet>)>> {
        crate::guard::reading(DATA_FILE, || {
            let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| Error::UnreadableSheet {
                file: DATA_FILE.to_string(),
                source: e.into(),
            })?;
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(name) = names.get(i) else {
                    return Ok(out);
                };
                out.push((i, read_sheet(&mut book, name)));
            }
        })
    };
    let (mine, theirs) = std::thread::scope(|scope| {
        let other = scope.spawn(read_some);
        let mine = read_some();
        // `read_some` catches calamine's panics; any other is a bug, raised here.
        let theirs = other
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (mine, theirs)
    });
    let mut read = mine?;
    read.extend(theirs?);
    read.sort_by_key(|(i, _)| *i);
    read.into_iter().map(|(_, sheet)| sheet).collect()
}

/// The non-empty rows of a sheet: (0-based row number, cells from column A).
type Rows = Vec<(u32, Vec<Cell>)>;

fn read_rows(book: &mut Xlsx<Cursor<&[u8]>>, name: &str) -> Result<Rows> {
    let unreadable = |source: calamine::XlsxError| Error::UnreadableSheet {
        file: DATA_FILE.to_string(),
        source: source.into(),
    };
    let mut rows: Rows = Vec::new();
    let mut reader = book.worksheet_cells_reader(name).map_err(unreadable)?;
    while let Some(cell) = reader.next_cell().map_err(unreadable)? {
        let (row, col) = cell.get_position();
        let value = Cell::from_data(cell.get_value());
        if value == Cell::Empty {
            continue;
        }
        let col = usize::try_from(col).unwrap_or(usize::MAX);
        if col >= MAX_COLUMNS {
            let at = cell_name(name, row, col.min(16_383));
            return Err(unusable(
                format!("{at} 有值，但这一列没有列名"),
                format!("{at} holds a value in a column without a name"),
            ));
        }
        if rows.last().is_none_or(|(r, _)| *r != row) {
            rows.push((row, Vec::new()));
        }
        if let Some((_, cells)) = rows.last_mut() {
            if cells.len() <= col {
                cells.resize(col + 1, Cell::Empty);
            }
            if let Some(slot) = cells.get_mut(col) {
                *slot = value;
            }
        }
    }
    Ok(rows)
}

fn read_knowledge(sheet: &str, rows: &Rows) -> Result<Knowledge> {
    let mut knowledge = Knowledge::new();
    for (row, cells) in rows.iter().skip(1) {
        let text = |i: usize| match cells.get(i) {
            Some(Cell::Text(t)) => Some(t.as_str()),
            _ => None,
        };
        let clock = text(1).and_then(canonical_clock);
        match (text(0), clock) {
            (Some(device), Some(clock)) if clock.device() == device => {
                knowledge.insert(device.to_string(), clock);
            }
            _ => {
                let at = cell_name(sheet, *row, 0);
                return Err(unusable(
                    format!("{at}：不是有效的设备和时钟"),
                    format!("{at}: not a device and its clock"),
                ));
            }
        }
    }
    Ok(knowledge)
}

/// A clock in its exact text form (so clocks compare the same as text and as clocks).
fn canonical_clock(text: &str) -> Option<Clock> {
    Clock::parse(text).filter(|c| c.to_string() == text && !c.device().is_empty())
}

/// Which column of the sheet feeds what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Sync(usize),
    Field(usize),
}

#[derive(Default)]
struct Problems {
    list: Vec<CellProblem>,
    total: usize,
}

impl Problems {
    fn push(&mut self, cell: String, field: &str, value: String, rule: Rule) {
        self.total += 1;
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(CellProblem {
                cell,
                field: field.to_string(),
                value,
                rule,
            });
        }
    }

    /// Adds the problems of a later sheet, as if they had been pushed here.
    fn extend(&mut self, later: Problems) {
        self.total += later.total;
        let room = MAX_PROBLEMS.saturating_sub(self.list.len());
        self.list.extend(later.list.into_iter().take(room));
    }

    fn into_error(self) -> Option<Error> {
        (self.total > 0).then(|| Error::InvalidSheet {
            file: DATA_FILE.to_string(),
            problems: self.list,
            total: self.total,
        })
    }
}

fn read_table(table: &'static Table, rows: Rows, problems: &mut Problems) -> Result<Vec<Version>> {
    let sheet = table.sql;
    let mut rows = rows.into_iter();
    let Some((header_row, header)) = rows.next() else {
        return Ok(Vec::new());
    };
    if header_row != 0 {
        return Err(unusable(
            format!("工作表 {sheet} 的第 1 行应为列名"),
            format!("row 1 of the sheet {sheet} must hold the column names"),
        ));
    }
    let mut columns: Vec<Option<Column>> = Vec::with_capacity(header.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, cell) in header.iter().enumerate() {
        let at = cell_name(sheet, 0, i);
        let Cell::Text(name) = cell else {
            if *cell == Cell::Empty {
                columns.push(None);
                continue;
            }
            return Err(unusable(
                format!("{at} 应为列名，却是“{}”", cell.shown()),
                format!("{at} should name a column, and holds “{}”", cell.shown()),
            ));
        };
        let column = SYNC_COLUMNS
            .iter()
            .position(|c| c == name)
            .map(Column::Sync)
            .or_else(|| {
                table
                    .fields
                    .iter()
                    .position(|f| f.column == name)
                    .map(Column::Field)
            });
        let Some(column) = column else {
            return Err(unusable(
                format!("{at} 的列“{name}”不是{}的字段：数据包可能来自更新版本的程序，请先升级", table.label_zh),
                format!("the column “{name}” at {at} is not a field of {}: the bundle may come from a newer version, upgrade first", table.label_en),
            ));
        };
        if seen.insert(name.clone(), i).is_some() {
            return Err(unusable(
                format!("工作表 {sheet} 中列“{name}”出现了两次"),
                format!("the sheet {sheet} has the column “{name}” twice"),
            ));
        }
        columns.push(Some(column));
    }
    let missing: Vec<&str> = SYNC_COLUMNS
        .iter()
        .copied()
        .chain(table.fields.iter().map(|f| f.column))
        .filter(|c| !seen.contains_key(*c))
        .collect();
    if !missing.is_empty() {
        return Err(unusable(
            format!("工作表 {sheet} 缺少列：{}", missing.join("、")),
            format!("the sheet {sheet} lacks the columns {}", missing.join(", ")),
        ));
    }

    let mut versions = Vec::with_capacity(rows.len());
    let mut ids: HashMap<String, u32> = HashMap::with_capacity(rows.len());
    for (row, cells) in rows {
        if cells.len() > columns.len() {
            let at = cell_name(sheet, row, columns.len());
            return Err(unusable(
                format!("{at} 有值，但这一列没有列名"),
                format!("{at} holds a value in a column without a name"),
            ));
        }
        let mut sync: [Cell; 4] = [Cell::Empty, Cell::Empty, Cell::Empty, Cell::Empty];
        let mut values = vec![SqlValue::Null; table.fields.len()];
        let mut ok = true;
        for (i, cell) in cells.into_iter().enumerate() {
            let at = || cell_name(sheet, row, i);
            let Some(Some(column)) = columns.get(i) else {
                if cell != Cell::Empty {
                    let at = at();
                    return Err(unusable(
                        format!("{at} 有值，但这一列没有列名"),
                        format!("{at} holds a value in a column without a name"),
                    ));
                }
                continue;
            };
            match column {
                Column::Sync(s) => {
                    if let Some(slot) = sync.get_mut(*s) {
                        *slot = cell;
                    }
                }
                Column::Field(f) => {
                    let Some(field) = table.fields.get(*f) else {
                        continue;
                    };
                    let value = stored_value(field, cell, &at)?;
                    if value == SqlValue::Null {
                        continue;
                    }
                    if let Err(rule) = check_value(field, &value) {
                        problems.push(at(), field.name, shown(&value), rule);
                        ok = false;
                    }
                    if let Some(slot) = values.get_mut(*f) {
                        *slot = value;
                    }
                }
            }
        }
        for (field, value) in table.fields.iter().zip(&values) {
            if field.required && *value == SqlValue::Null {
                let i = seen.get(field.column).copied().unwrap_or(0);
                problems.push(
                    cell_name(sheet, row, i),
                    field.name,
                    String::new(),
                    Rule::Required,
                );
                ok = false;
            }
        }
        let sync_at = |s: usize| {
            let col = SYNC_COLUMNS
                .get(s)
                .and_then(|c| seen.get(*c))
                .copied()
                .unwrap_or(0);
            cell_name(sheet, row, col)
        };
        let [id, clock, device, deleted] = sync;
        let id = match id {
            Cell::Text(t) if is_id(&t) => t,
            _ => {
                let at = sync_at(0);
                return Err(unusable(
                    format!("{at}：id 应为记录编号（文本）"),
                    format!("{at}: the id must be a record id (text)"),
                ));
            }
        };
        let clock = match &clock {
            Cell::Text(t) => canonical_clock(t),
            _ => None,
        }
        .ok_or_else(|| {
            let at = sync_at(1);
            unusable(
                format!("{at}：clock 不是有效的时钟"),
                format!("{at}: the clock is not a valid clock"),
            )
        })?;
        if !matches!(&device, Cell::Text(d) if d == clock.device()) {
            let at = sync_at(2);
            return Err(unusable(
                format!("{at}：device 与时钟中的设备不一致"),
                format!("{at}: the device is not the one its clock names"),
            ));
        }
        let deleted = match deleted {
            Cell::Number(0.0) => false,
            Cell::Number(1.0) => true,
            _ => {
                let at = sync_at(3);
                return Err(unusable(
                    format!("{at}：deleted 应为 0 或 1"),
                    format!("{at}: deleted must be 0 or 1"),
                ));
            }
        };
        if let Some(first) = ids.insert(id.clone(), row) {
            return Err(unusable(
                format!(
                    "工作表 {sheet} 第 {} 行和第 {} 行是同一条记录 {id}",
                    first + 1,
                    row + 1
                ),
                format!(
                    "rows {} and {} of the sheet {sheet} are the same record {id}",
                    first + 1,
                    row + 1
                ),
            ));
        }
        if ok {
            versions.push(Version {
                table,
                id,
                clock,
                deleted,
                values,
            });
        }
    }
    Ok(versions)
}

/// A stored value as a message shows it.
fn shown(value: &SqlValue) -> String {
    match value {
        SqlValue::Null | SqlValue::Blob(_) => String::new(),
        SqlValue::Integer(i) => i.to_string(),
        SqlValue::Real(r) => r.to_string(),
        SqlValue::Text(t) => t.clone(),
    }
}

/// A record id as stored: letters, digits and `-`, at most 64.
fn is_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The cell as the column stores it; a cell of the wrong type is refused whole (a number where
/// a code belongs may have lost its leading zeros on the way).
fn stored_value(field: &Field, cell: Cell, at: &dyn Fn() -> String) -> Result<SqlValue> {
    let wrong = |cell: &Cell, expected_zh: &str, expected_en: &str| {
        let at = at();
        unusable(
            format!(
                "{at}（{}）应为{expected_zh}，却是“{}”",
                field.name,
                cell.shown()
            ),
            format!(
                "{at} ({}) must be {expected_en}, and holds “{}”",
                field.name,
                cell.shown()
            ),
        )
    };
    Ok(match (storage(field.kind), cell) {
        (_, Cell::Empty) => SqlValue::Null,
        (Storage::Integer, Cell::Number(n)) => {
            if n.fract() != 0.0 || n.abs() > MAX_EXACT as f64 {
                return Err(wrong(&Cell::Number(n), "整数", "a whole number"));
            }
            SqlValue::Integer(n as i64)
        }
        (Storage::Real, Cell::Number(n)) if n.is_finite() => SqlValue::Real(n),
        (Storage::Text, Cell::Text(t)) => SqlValue::Text(t),
        (Storage::Text, other) => return Err(wrong(&other, "文本单元格", "a text cell")),
        (_, other) => return Err(wrong(&other, "数字", "a number")),
    })
}

/// The rule a stored value breaks, if any: the same rules as typed input, on the stored form.
fn check_value(field: &Field, value: &SqlValue) -> std::result::Result<(), Rule> {
    let name = field.name;
    let rule_of = |e: Error| match e {
        Error::InvalidField { rule, .. } => rule,
        _ => Rule::BadCharacters,
    };
    match (field.kind, value) {
        (Kind::Count | Kind::Money, SqlValue::Integer(i)) if *i < 0 => Err(Rule::Negative),
        (Kind::Count | Kind::Money, SqlValue::Integer(_)) => Ok(()),
        (Kind::Year, SqlValue::Integer(y)) if (1949..=2100).contains(y) => Ok(()),
        (Kind::Year, _) => Err(Rule::NotAYear),
        (Kind::Bool, SqlValue::Integer(0 | 1)) => Ok(()),
        (Kind::Bool, _) => Err(Rule::NotABoolean),
        (Kind::Quantity, SqlValue::Real(r)) if *r < 0.0 => Err(Rule::Negative),
        (Kind::Quantity, SqlValue::Real(_)) => Ok(()),
        (kind, SqlValue::Text(t)) => check_text(kind, name, t).map_err(rule_of),
        _ => Err(Rule::NotANumber),
    }
}

fn check_text(kind: Kind, name: &str, t: &str) -> Result<()> {
    let bad = |rule: Rule| Err(Error::invalid(name, t, rule));
    match kind {
        Kind::Text => free_text(name, t),
        Kind::TextList => t.split('、').try_for_each(|item| {
            if item.trim().is_empty() {
                bad(Rule::BadCharacters)
            } else {
                free_text(name, item)
            }
        }),
        Kind::Code => {
            let ok = !t.is_empty()
                && t.chars().count() <= 32
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if ok {
                Ok(())
            } else {
                bad(Rule::BadCharacters)
            }
        }
        Kind::Phone => {
            let ok = t.len() <= 20
                && t.chars().any(|c| c.is_ascii_digit())
                && t.chars().all(|c| c.is_ascii_digit() || " -+()".contains(c));
            if ok {
                Ok(())
            } else {
                bad(Rule::BadCharacters)
            }
        }
        Kind::Date => {
            if is_date(t) {
                Ok(())
            } else {
                bad(Rule::NotADate)
            }
        }
        Kind::Month => match Period::parse(t) {
            Ok(p) if p.to_string() == t => Ok(()),
            _ => bad(Rule::NotAPeriod),
        },
        Kind::Choice(taxon) => {
            if taxon.parse(name, t)? == t {
                Ok(())
            } else {
                bad(Rule::NotInList {
                    allowed: taxon.labels().join("、"),
                })
            }
        }
        Kind::ChoiceList(taxon) => t.split('、').try_for_each(|item| {
            if taxon.parse(name, item)? == item {
                Ok(())
            } else {
                bad(Rule::NotInList {
                    allowed: taxon.labels().join("、"),
                })
            }
        }),
        Kind::IdCard => {
            if IdCardNumber::parse(name, t)?.as_str() == t {
                Ok(())
            } else {
                bad(Rule::IdCardShape)
            }
        }
        Kind::Division => {
            if DivisionCode::parse(name, t)?.as_str() == t {
                Ok(())
            } else {
                bad(Rule::NotADivisionCode)
            }
        }
        Kind::Ref(_) => {
            if is_id(t) {
                Ok(())
            } else {
                bad(Rule::BadCharacters)
            }
        }
        Kind::RefList(_) => {
            if t.split(',').all(is_id) {
                Ok(())
            } else {
                bad(Rule::BadCharacters)
            }
        }
        // Stored as numbers; a text here was refused as the wrong type already.
        Kind::Count | Kind::Quantity | Kind::Money | Kind::Year | Kind::Bool => {
            bad(Rule::NotANumber)
        }
    }
}

/// A real day written `yyyy-mm-dd`, as dates are stored (checked without allocating: a year of
/// records holds thousands of dates).
fn is_date(t: &str) -> bool {
    let b = t.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(r)?;
        part.iter().try_fold(0u32, |acc, d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return false;
    }
    match (digits(0..4), digits(5..7), digits(8..10)) {
        (Some(y), Some(m), Some(d)) => i32::try_from(y)
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
            .is_some(),
        _ => false,
    }
}

/// Free text as `records::input` keeps it: not too long, no control characters but line breaks
/// and tabs.
fn free_text(name: &str, t: &str) -> Result<()> {
    if t.chars().count() > MAX_TEXT {
        return Err(Error::invalid(name, t, Rule::TooLong { max: MAX_TEXT }));
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Error::invalid(name, t, Rule::BadCharacters));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_named_like_a_spreadsheet() {
        assert_eq!(cell_name("households", 0, 0), "households!A1");
        assert_eq!(cell_name("households", 11, 27), "households!AB12");
    }

    #[test]
    fn dates_are_real_days_written_in_full() {
        assert!(is_date("2026-02-28") && is_date("2024-02-29"));
        for bad in [
            "2026-02-29",
            "2026-2-28",
            "2026/02/28",
            "20260228",
            "２０２６-02-28",
            "",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
    }

    #[test]
    fn every_table_has_at_most_one_unique_field() {
        // Collisions are resolved on one value per table (see sync/mod.rs).
        for t in TABLES {
            assert!(t.unique.len() <= 1, "{}", t.name);
        }
    }
}

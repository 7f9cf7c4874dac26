//! Rendering a template for one village and one month into a return (TEMPLATES.md).
//!
//! rust_xlsxwriter cannot change a file, so a return is a new workbook written from what was
//! read: the template's cells at absolute positions ([`ParsedTemplate`]), its look read from the
//! stored bytes ([`super::look`]), and the data ([`ReturnData`]). Rendering goes in three steps:
//!
//! 1. **Plan** every cell of the return in memory: each template row lands where [`RowMap`]
//!    says, a row template once per item; placeholders become typed values, other cells are
//!    copied, formulas are moved ([`super::shift`]).
//! 2. **Compute** the formulas the calculator knows ([`super::calc`]), so each carries its true
//!    result and no program shows a stale 0; the rest get an empty result, which Excel, WPS and
//!    LibreOffice recalculate.
//! 3. **Write** the workbook with the template's look, then the hidden `_zhucun` record
//!    ([`super::record`]), to a temporary file beside the output, renamed over it at the end.
//!
//! Decisions the contract leaves open:
//!
//! - A whole-cell date keeps its cell's number format only if that format shows a date or a
//!   time; otherwise it is `yyyy-mm-dd` (`yyyy-mm-dd hh:mm` for a date-time).
//! - Values are written by what they hold (a `Value::Int` is a number even in a text field);
//!   only codes are forced to text. Numbers that are not finite are written as text.
//! - A formula cell's own value in the template (its cached result) is never copied.
//! - Formulas naming sheets the return does not have (`_meta`, another workbook) are kept as
//!   written; Excel shows `#REF!` for them, as it would in the template without that sheet.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use calamine::{Data, Style};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use rust_xlsxwriter::{DocProperties, Format, Formula, Workbook, Worksheet, XlsxError};
use serde::Serialize;

use super::calc::{self, Book, Item as CalcItem, Unknown};
use super::data::{Item, ReturnData};
use super::fields::{FieldInfo, FieldType};
use super::look::{self, BookLook, SheetLook};
use super::placeholder::{Fill, Segment};
use super::record::{self, ExpandedRow, JoinedText, ReturnRecord};
use super::shift::{self, lex, Area, Placement, RowMap, Sheets, Token, TokenKind, MAX_ROW};
use super::workbook::{cell_a1, Format as FileFormat};
use super::{ParsedTemplate, TemplateCell, TemplateSheet};
use crate::error::{Error, Result};
use crate::records::Value;
use crate::types::Period;
use crate::APP_VERSION;

/// What a return records about itself that is not in the template (TEMPLATES.md "Reading a
/// return back").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderStamp {
    /// The village's 12-digit division code.
    pub village_code: String,
    /// The month reported on.
    pub period: Period,
    /// When the return is made (local time).
    pub generated_at: NaiveDateTime,
    /// The program that makes it (`zhucun 0.1.0`).
    pub app_version: String,
}

impl RenderStamp {
    /// The stamp of a return of `period` made from `data`: its `village.code`,
    /// `report.generated_at` (now, if absent) and `report.app_version` (this program, if
    /// absent).
    ///
    /// # Examples
    ///
    /// ```
    /// use zhucun_core::records::Value;
    /// use zhucun_core::template::{RenderStamp, ReturnData};
    /// let mut data = ReturnData::default();
    /// data.scalars.insert("village.code", Value::Text("530102001001".into()));
    /// let stamp = RenderStamp::from_data(&data, zhucun_core::Period::parse("2026-11")?);
    /// assert_eq!(stamp.village_code, "530102001001");
    /// assert_eq!(stamp.app_version, zhucun_core::APP_VERSION);
    /// # Ok::<(), zhucun_core::Error>(())
    /// ```
    pub fn from_data(data: &ReturnData, period: Period) -> RenderStamp {
        let text = |path: &str| data.scalars.get(path).map(Value::to_text);
        let generated_at = match data.scalars.get("report.generated_at") {
            Some(Value::DateTime(t)) => *t,
            _ => {
                let now = chrono::Local::now().naive_local();
                now.with_nanosecond(0).unwrap_or(now)
            }
        };
        RenderStamp {
            village_code: text("village.code").unwrap_or_default(),
            period,
            generated_at,
            app_version: text("report.app_version")
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| APP_VERSION.to_string()),
        }
    }
}

/// How much of the template's look the return keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "look", rename_all = "snake_case")]
pub enum LookKept {
    /// `.xlsx`/`.xlsm`/`.xls`/`.ods`: widths, heights, fonts, fills, borders, alignment,
    /// number formats.
    Full,
    /// `.xlsb` and `.xls` older than Excel 97: the reader exposes no look; values, formulas
    /// and (`.xls`) merged ranges are kept.
    ValuesOnly,
    /// The look could not be read (a damaged part); values and formulas are kept.
    Lost {
        /// Why.
        reason: String,
    },
}

/// What rendering did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RenderReport {
    /// The return written.
    pub path: PathBuf,
    /// What its `_zhucun` sheet records.
    pub record: ReturnRecord,
    /// Formula cells written.
    pub formulas: usize,
    /// Of those, the ones written with a computed result (the others with an empty one, for the
    /// spreadsheet program to compute).
    pub formulas_computed: usize,
    /// How much of the template's look was kept.
    pub look: LookKept,
}

/// Renders `template` (whose file is `stored_bytes`) with `data` into the return `out`, an
/// `.xlsx` file written beside `out` and renamed over it, so a failure never leaves half a file.
///
/// # Errors
///
/// `unusable_sheet` when the return would pass Excel's last row; `io` when the file cannot be
/// written (a text longer than Excel's 32,767 characters is refused the same way).
///
/// # Examples
///
/// ```
/// use zhucun_core::template::{self, RenderStamp, ReturnData};
/// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/samples/templates/sample_monthly.xlsx");
/// let bytes = std::fs::read(path)?;
/// let parsed = template::parse_template("sample_monthly.xlsx", &bytes)?;
/// let period = zhucun_core::Period::parse("2026-11")?;
/// let data = ReturnData::default();
/// let dir = tempfile::tempdir()?;
/// let out = dir.path().join("return.xlsx");
/// let report = template::render(&parsed, &bytes, &data, &RenderStamp::from_data(&data, period), &out)?;
/// assert_eq!(report.record.row_templates.len(), 2);
/// assert_eq!(report.record.row_templates[0].copies, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn render(
    template: &ParsedTemplate,
    stored_bytes: &[u8],
    data: &ReturnData,
    stamp: &RenderStamp,
    out: &Path,
) -> Result<RenderReport> {
    let xlsx_error = |source: XlsxError| Error::Xlsx {
        path: out.to_path_buf(),
        source,
    };
    let (look, kept) = match template.format {
        FileFormat::Xlsx | FileFormat::Xlsm => match look::read(stored_bytes) {
            Ok(look) => (look, LookKept::Full),
            Err(e) => (BookLook::default(), LookKept::Lost { reason: e.0 }),
        },
        FileFormat::Xls => match super::look_xls::read(stored_bytes) {
            Ok(Some(look)) => (look, LookKept::Full),
            // Excel 95 and older lay their records out otherwise.
            Ok(None) => (BookLook::default(), LookKept::ValuesOnly),
            Err(e) => (BookLook::default(), LookKept::Lost { reason: e.0 }),
        },
        FileFormat::Ods => match super::look_ods::read(stored_bytes) {
            Ok(look) => (look, LookKept::Full),
            Err(e) => (BookLook::default(), LookKept::Lost { reason: e.0 }),
        },
        _ => (BookLook::default(), LookKept::ValuesOnly),
    };
    let mut plan = Plan::new(template, data, &look)?;
    let computed = plan.compute();
    let record = plan.record(stamp);
    let mut book = plan.write(&look).map_err(xlsx_error)?;
    record::write(&mut book, &record).map_err(xlsx_error)?;
    book.set_properties(&DocProperties::new().set_title(template.meta.title.as_str()));
    save(&mut book, out)?;
    Ok(RenderReport {
        path: out.to_path_buf(),
        record,
        formulas: plan.formulas.len(),
        formulas_computed: computed,
        look: kept,
    })
}

/// Writes the workbook to a temporary file beside `out`, then renames it over `out`.
fn save(book: &mut Workbook, out: &Path) -> Result<()> {
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".zhucun-return-");
    // A temporary file is made readable by its owner only; a return is an ordinary file, made
    // as the user's umask says.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let file = builder.tempfile_in(dir).map_err(|e| Error::io(dir, e))?;
    {
        let mut writer = BufWriter::new(file.as_file());
        book.save_to_writer(&mut writer)
            .map_err(|source| Error::Xlsx {
                path: out.to_path_buf(),
                source,
            })?;
        writer.flush().map_err(|e| Error::io(out, e))?;
    }
    file.as_file().sync_all().map_err(|e| Error::io(out, e))?;
    file.persist(out).map_err(|e| Error::io(out, e.error))?;
    Ok(())
}

/// What a cell of the return holds.
#[derive(Debug, Clone, PartialEq)]
enum Content<'a> {
    /// Nothing, but the cell's look.
    Blank,
    Text(Cow<'a, str>),
    Number(f64),
    Bool(bool),
    /// An Excel serial day, shown as a date (with a time of day if `time`).
    Date {
        serial: f64,
        time: bool,
    },
    /// A formula: its index in [`Plan::formulas`].
    Formula(usize),
}

/// One cell of the return.
#[derive(Debug, Clone, PartialEq)]
struct OutCell<'a> {
    row: u32,
    col: u16,
    /// The template style it takes (0: the default).
    style: u32,
    content: Content<'a>,
}

/// A formula of the return and what is known of its result.
#[derive(Debug, Clone, PartialEq)]
struct FormulaCell {
    sheet: usize,
    text: String,
    result: Computed,
}

#[derive(Debug, Clone, PartialEq)]
enum Computed {
    Pending,
    Running,
    Done(Option<calc::Value>),
}

/// A position of a template sheet that the return writes: a cell with a value or formula, a
/// styled empty cell, or both.
#[derive(Debug, Clone)]
struct Slot<'a> {
    row: u32,
    col: u32,
    cell: Option<&'a TemplateCell>,
    style: u32,
    /// The formula's tokens, lexed once for all copies.
    tokens: Vec<Token<'a>>,
}

/// One template sheet as the return lays it out.
#[derive(Debug)]
struct SheetPlan<'a> {
    sheet: &'a TemplateSheet,
    /// Each row template's row and the number of its items.
    expansions: Vec<(u32, usize)>,
    cells: Vec<OutCell<'a>>,
}

/// The whole return, planned.
#[derive(Debug)]
struct Plan<'a> {
    template: &'a ParsedTemplate,
    data: &'a ReturnData,
    /// Every sheet's name and row map, in workbook order, for moving references.
    maps: Vec<(String, RowMap)>,
    sheets: Vec<SheetPlan<'a>>,
    formulas: Vec<FormulaCell>,
    joined: Vec<JoinedText>,
}

impl<'a> Plan<'a> {
    fn new(template: &'a ParsedTemplate, data: &'a ReturnData, look: &'a BookLook) -> Result<Self> {
        let maps: Vec<(String, RowMap)> = template
            .sheets
            .iter()
            .map(|s| {
                let map = RowMap::new(s.row_templates.iter().map(|t| {
                    let items = data.items(t.collection).len().max(1);
                    (t.row, u32::try_from(items).unwrap_or(u32::MAX))
                }));
                (s.name.clone(), map)
            })
            .collect();
        let mut plan = Plan {
            template,
            data,
            maps,
            sheets: Vec::with_capacity(template.sheets.len()),
            formulas: Vec::new(),
            joined: Vec::new(),
        };
        for (index, sheet) in template.sheets.iter().enumerate() {
            let sheet_look = look.sheets.get(&sheet.name);
            let cells = plan.lay_out(index, sheet, sheet_look)?;
            plan.sheets.push(SheetPlan {
                sheet,
                expansions: sheet
                    .row_templates
                    .iter()
                    .map(|t| (t.row, data.items(t.collection).len()))
                    .collect(),
                cells,
            });
        }
        Ok(plan)
    }

    /// Every cell of one sheet of the return, by row then column.
    fn lay_out(
        &mut self,
        index: usize,
        sheet: &'a TemplateSheet,
        look: Option<&'a SheetLook>,
    ) -> Result<Vec<OutCell<'a>>> {
        let slots = slots(sheet, look);
        let map = self
            .maps
            .get(index)
            .map(|(_, m)| m.clone())
            .unwrap_or_default();
        let too_long = || Error::UnusableSheet {
            file: self.template.file_name.clone(),
            zh: format!("工作表“{}”展开后超过 Excel 的最大行数", sheet.name),
            en: format!(
                "the sheet {} would pass Excel's last row once its row templates are written",
                sheet.name
            ),
        };
        let mut cells = Vec::with_capacity(slots.len() + 16);
        let mut rest = slots.as_slice();
        while let Some(first) = rest.first() {
            let row = first.row;
            let n = rest.iter().take_while(|s| s.row == row).count();
            let (group, tail) = rest.split_at(n);
            rest = tail;
            let start = map.first(row);
            match sheet.row_template(row) {
                Some(t) => {
                    let items = self.data.items(t.collection);
                    let copies = items.len().max(1);
                    for k in 0..copies {
                        let out_row = u32::try_from(start + k as u64)
                            .ok()
                            .filter(|r| *r <= MAX_ROW)
                            .ok_or_else(too_long)?;
                        let offset = u32::try_from(k).unwrap_or(u32::MAX);
                        let item = items.get(k).map(|it| (k, it));
                        let placement = Placement::OnRowTemplate { row, offset };
                        for slot in group {
                            if let Some(cell) = self.cell(index, slot, out_row, item, placement) {
                                cells.push(cell);
                            }
                        }
                    }
                }
                None => {
                    let out_row = u32::try_from(start)
                        .ok()
                        .filter(|r| *r <= MAX_ROW)
                        .ok_or_else(too_long)?;
                    for slot in group {
                        if let Some(cell) =
                            self.cell(index, slot, out_row, None, Placement::Outside)
                        {
                            cells.push(cell);
                        }
                    }
                }
            }
        }
        Ok(cells)
    }

    /// The return's cell for one slot at `row`, for item `item` of a row template.
    fn cell(
        &mut self,
        index: usize,
        slot: &Slot<'a>,
        row: u32,
        item: Option<(usize, &'a Item)>,
        placement: Placement,
    ) -> Option<OutCell<'a>> {
        let col = u16::try_from(slot.col).ok()?;
        let content = match slot.cell {
            None => Content::Blank,
            Some(cell) => match (&cell.fill, &cell.formula) {
                (Some(Fill::Whole(field)), _) => whole(field, self.value(field, item)),
                (Some(Fill::Embedded(segments)), _) => {
                    let text = self.embedded(index, segments, row, col, item, placement);
                    if text.is_empty() {
                        Content::Blank
                    } else {
                        Content::Text(Cow::Owned(text))
                    }
                }
                (None, Some(_)) => {
                    let text = shift::shift_formula(
                        &slot.tokens,
                        Sheets { maps: &self.maps },
                        index,
                        placement,
                    );
                    self.formulas.push(FormulaCell {
                        sheet: index,
                        text,
                        result: Computed::Pending,
                    });
                    Content::Formula(self.formulas.len() - 1)
                }
                (None, None) => copied(&cell.value),
            },
        };
        Some(OutCell {
            row,
            col,
            style: slot.style,
            content,
        })
    }

    /// The value a field shows: a scalar, an item's field, or the item's number for `seq`.
    fn value(&self, field: &FieldInfo, item: Option<(usize, &'a Item)>) -> Cow<'a, Value> {
        static NULL: Value = Value::Null;
        if !field.is_collection() {
            return Cow::Borrowed(self.data.scalars.get(field.path).unwrap_or(&NULL));
        }
        match item {
            None => Cow::Borrowed(&NULL),
            Some((k, _)) if field.name() == "seq" => {
                Cow::Owned(Value::Int(i64::try_from(k + 1).unwrap_or(i64::MAX)))
            }
            Some((_, it)) => Cow::Borrowed(it.get(field.name()).unwrap_or(&NULL)),
        }
    }

    /// The text of a cell with embedded placeholders. Scalar placeholders side by side (no text
    /// between them) record what each wrote, since the cell cannot say where one ends.
    fn embedded(
        &mut self,
        index: usize,
        segments: &[Segment],
        row: u32,
        col: u16,
        item: Option<(usize, &'a Item)>,
        placement: Placement,
    ) -> String {
        let mut text = String::new();
        let mut group: Vec<(&'static FieldInfo, String)> = Vec::new();
        let mut groups: Vec<Vec<(&'static FieldInfo, String)>> = Vec::new();
        for segment in segments {
            match segment {
                Segment::Text(t) => {
                    text.push_str(t);
                    if !t.is_empty() {
                        groups.push(std::mem::take(&mut group));
                    }
                }
                Segment::Field(f) => {
                    let shown = self.value(f, item).to_text();
                    text.push_str(&shown);
                    group.push((f, shown));
                }
            }
        }
        groups.push(group);
        // Scalars repeat on every copy of a row template: the first copy records them.
        let first_copy =
            !matches!(placement, Placement::OnRowTemplate { offset, .. } if offset > 0);
        if first_copy {
            let sheet = self
                .template
                .sheets
                .get(index)
                .map_or("", |s| s.name.as_str());
            for group in groups {
                if group.len() < 2 || group.iter().any(|(f, _)| f.is_collection()) {
                    continue;
                }
                for (f, shown) in group {
                    self.joined.push(JoinedText {
                        cell: format!("{sheet}!{}", cell_a1(row, u32::from(col))),
                        path: f.path.to_string(),
                        text: shown,
                    });
                }
            }
        }
        text
    }

    /// Computes every formula the calculator knows; returns how many were computed.
    fn compute(&mut self) -> usize {
        let cells: Vec<&[OutCell<'a>]> = self.sheets.iter().map(|s| s.cells.as_slice()).collect();
        let mut calculator = Calculator {
            sheets: &cells,
            maps: &self.maps,
            formulas: &mut self.formulas,
            own: 0,
            depth: 0,
            cut_short: false,
            budget: CALC_BUDGET,
        };
        let mut computed = 0;
        for i in 0..calculator.formulas.len() {
            calculator.depth = 0;
            calculator.cut_short = false;
            if calculator.compute(i).is_ok() {
                computed += 1;
            }
        }
        computed
    }

    /// The `_zhucun` record of this return.
    fn record(&self, stamp: &RenderStamp) -> ReturnRecord {
        let mut row_templates = Vec::new();
        for (sheet, (_, map)) in self.sheets.iter().zip(&self.maps) {
            for t in &sheet.sheet.row_templates {
                row_templates.push(ExpandedRow {
                    sheet: sheet.sheet.name.clone(),
                    collection: t.collection,
                    template_row: t.row.saturating_add(1),
                    first_row: u32::try_from(map.first(t.row) + 1).unwrap_or(u32::MAX),
                    copies: u32::try_from(self.data.items(t.collection).len()).unwrap_or(u32::MAX),
                });
            }
        }
        ReturnRecord {
            template_id: self.template.meta.id.clone(),
            version: self.template.meta.version,
            sha256: self.template.sha256.clone(),
            village_code: stamp.village_code.clone(),
            period: stamp.period,
            generated_at: stamp.generated_at,
            app_version: stamp.app_version.clone(),
            row_templates,
            joined: self.joined.clone(),
        }
    }

    /// Writes every sheet with the template's look.
    fn write(&self, look: &BookLook) -> std::result::Result<Workbook, XlsxError> {
        let mut book = Workbook::new();
        let mut formats = Formats::new(&look.styles);
        let mut active = false;
        for (index, plan) in self.sheets.iter().enumerate() {
            let sheet = book.add_worksheet();
            sheet.set_name(&plan.sheet.name)?;
            // Formulas whose result is not computed here get an empty one, which every
            // spreadsheet program recalculates (a cached 0 would show as a false total).
            sheet.set_formula_result_default("");
            if plan.sheet.hidden {
                sheet.set_hidden(true);
            } else if !active {
                sheet.set_active(true);
                active = true;
            }
            let map = self
                .maps
                .get(index)
                .map(|(_, m)| m)
                .cloned()
                .unwrap_or_default();
            let sheet_look = look.sheets.get(&plan.sheet.name);
            if let Some(l) = sheet_look {
                write_sheet_look(sheet, l, plan, &map, &mut formats)?;
            }
            if let Some(names) = look.print.get(&plan.sheet.name) {
                write_print_names(sheet, names, &map);
            }
            write_merges(sheet, plan, &map, sheet_look, &mut formats)?;
            for cell in &plan.cells {
                self.write_cell(sheet, cell, &mut formats)?;
            }
        }
        Ok(book)
    }

    fn write_cell(
        &self,
        sheet: &mut Worksheet,
        cell: &OutCell<'_>,
        formats: &mut Formats<'_>,
    ) -> std::result::Result<(), XlsxError> {
        let (row, col) = (cell.row, cell.col);
        match &cell.content {
            Content::Blank => {
                if cell.style != 0 {
                    let f = formats.get(cell.style, Shape::AsIs);
                    sheet.write_blank(row, col, formats.format(f))?;
                }
            }
            Content::Text(t) => {
                let f = formats.get(cell.style, Shape::AsIs);
                sheet.write_string_with_format(row, col, t.as_ref(), formats.format(f))?;
            }
            Content::Number(n) => {
                let f = formats.get(cell.style, Shape::AsIs);
                sheet.write_number_with_format(row, col, *n, formats.format(f))?;
            }
            Content::Bool(b) => {
                let f = formats.get(cell.style, Shape::AsIs);
                sheet.write_boolean_with_format(row, col, *b, formats.format(f))?;
            }
            Content::Date { serial, time } => {
                let shape = if *time { Shape::DateTime } else { Shape::Date };
                let f = formats.get(cell.style, shape);
                sheet.write_number_with_format(row, col, *serial, formats.format(f))?;
            }
            Content::Formula(i) => {
                let Some(formula) = self.formulas.get(*i) else {
                    return Ok(());
                };
                let mut written = Formula::new(formula.text.as_str());
                if let Computed::Done(Some(v)) = &formula.result {
                    written = written.set_result(calc::result_text(v));
                }
                let f = formats.get(cell.style, Shape::AsIs);
                sheet.write_formula_with_format(row, col, written, formats.format(f))?;
            }
        }
        Ok(())
    }
}

/// The positions of one template sheet the return writes, by row then column: every cell with
/// a value or formula, and every empty cell with a style.
fn slots<'a>(sheet: &'a TemplateSheet, look: Option<&'a SheetLook>) -> Vec<Slot<'a>> {
    let styled: &[(u32, u32, u32)] = look.map_or(&[], |l| l.cells.as_slice());
    let mut out = Vec::with_capacity(sheet.cells.len() + styled.len());
    let mut cells = sheet.cells.iter().peekable();
    let mut styles = styled.iter().peekable();
    loop {
        let next_cell = cells.peek().map(|c| (c.row, c.col));
        let next_style = styles.peek().map(|&&(r, c, _)| (r, c));
        let (row, col, cell, style) = match (next_cell, next_style) {
            (None, None) => break,
            (Some(a), Some(b)) if a == b => {
                let style = styles.next().map_or(0, |&(_, _, s)| s);
                (a.0, a.1, cells.next(), style)
            }
            (Some(a), b) if b.is_none_or(|b| a < b) => (a.0, a.1, cells.next(), 0),
            _ => match styles.next() {
                Some(&(r, c, s)) => (r, c, None, s),
                None => break,
            },
        };
        let tokens = cell
            .filter(|c| c.fill.is_none())
            .and_then(|c| c.formula.as_deref())
            .map(lex)
            .unwrap_or_default();
        out.push(Slot {
            row,
            col,
            cell,
            style,
            tokens,
        });
    }
    out
}

/// A copied template cell.
fn copied(value: &Data) -> Content<'_> {
    match value {
        Data::Empty => Content::Blank,
        Data::String(s) => Content::Text(Cow::Borrowed(s)),
        Data::Float(f) if f.is_finite() => Content::Number(*f),
        Data::Float(f) => Content::Text(Cow::Owned(f.to_string())),
        Data::Int(i) => Content::Number(*i as f64),
        Data::Bool(b) => Content::Bool(*b),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if !dt.is_duration() => date_content(t, t.time() != NaiveTime::MIN),
            _ => Content::Number(dt.as_f64()),
        },
        Data::DateTimeIso(s) => {
            let parsed = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| (t, true))
                .or_else(|| {
                    NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .ok()
                        .map(|d| (d.and_time(NaiveTime::MIN), false))
                });
            match parsed {
                Some((t, time)) => date_content(t, time),
                None => Content::Text(Cow::Borrowed(s)),
            }
        }
        Data::DurationIso(s) => Content::Text(Cow::Borrowed(s)),
        Data::Error(e) => Content::Text(Cow::Owned(e.to_string())),
    }
}

/// A whole-cell placeholder's content: typed, codes always text, never a formula.
fn whole<'a>(field: &FieldInfo, value: Cow<'a, Value>) -> Content<'a> {
    if field.kind == FieldType::Code {
        return match value {
            Cow::Borrowed(Value::Text(s)) if !s.is_empty() => Content::Text(Cow::Borrowed(s)),
            v if v.is_null() => Content::Blank,
            v => match v.to_text() {
                t if t.is_empty() => Content::Blank,
                t => Content::Text(Cow::Owned(t)),
            },
        };
    }
    match value {
        Cow::Borrowed(v) => typed(v),
        Cow::Owned(v) => match typed(&v) {
            Content::Text(t) => Content::Text(Cow::Owned(t.into_owned())),
            Content::Blank => Content::Blank,
            Content::Number(n) => Content::Number(n),
            Content::Bool(b) => Content::Bool(b),
            Content::Date { serial, time } => Content::Date { serial, time },
            Content::Formula(i) => Content::Formula(i),
        },
    }
}

/// A value as a cell holds it.
fn typed(value: &Value) -> Content<'_> {
    match value {
        Value::Null => Content::Blank,
        Value::Text(s) if s.is_empty() => Content::Blank,
        Value::Text(s) => Content::Text(Cow::Borrowed(s)),
        Value::Int(i) => Content::Number(*i as f64),
        Value::Real(r) if r.is_finite() => Content::Number(*r),
        Value::Real(_) => Content::Text(Cow::Owned(value.to_text())),
        Value::Money(m) => Content::Number(m.yuan()),
        Value::Bool(b) => Content::Text(Cow::Borrowed(if *b { "是" } else { "否" })),
        Value::Date(d) => date_content(d.and_time(NaiveTime::MIN), false),
        Value::DateTime(t) => date_content(*t, true),
        Value::List(items) if items.is_empty() => Content::Blank,
        Value::List(_) => Content::Text(Cow::Owned(value.to_text())),
    }
}

/// A date as Excel's serial day, or as text when Excel cannot show it (before 1900).
fn date_content<'a>(t: NaiveDateTime, time: bool) -> Content<'a> {
    match excel_serial(t) {
        Some(serial) => Content::Date { serial, time },
        None if time => Content::Text(Cow::Owned(t.format("%Y-%m-%d %H:%M").to_string())),
        None => Content::Text(Cow::Owned(t.format("%Y-%m-%d").to_string())),
    }
}

/// Excel's serial number of a date-time (1900 date system), counting the 29 February 1900 that
/// Excel believes in; `None` before 1900 or after 9999.
pub(crate) fn excel_serial(t: NaiveDateTime) -> Option<f64> {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_time(NaiveTime::MIN);
    let first = NaiveDate::from_ymd_opt(1900, 1, 1)?.and_time(NaiveTime::MIN);
    let leap_bug = NaiveDate::from_ymd_opt(1900, 3, 1)?.and_time(NaiveTime::MIN);
    let last = NaiveDate::from_ymd_opt(10000, 1, 1)?.and_time(NaiveTime::MIN);
    if t < first || t >= last {
        return None;
    }
    let millis = (t - epoch).num_milliseconds() as f64;
    let days = millis / 86_400_000.0;
    Some(if t < leap_bug { days - 1.0 } else { days })
}

/// Column widths, hiding and styles; row heights, hiding and styles (copies of a row template
/// take its row's); the default row height; grid lines, zoom, frozen panes and page setup.
fn write_sheet_look(
    sheet: &mut Worksheet,
    look: &SheetLook,
    plan: &SheetPlan<'_>,
    map: &RowMap,
    formats: &mut Formats<'_>,
) -> std::result::Result<(), XlsxError> {
    let col = |c: u32| u16::try_from(c.min(shift::MAX_COL)).unwrap_or(u16::MAX);
    // The file's width is in characters of the default font, padding included; rust_xlsxwriter
    // stores pixels / 7, so this gives the template's width back.
    let pixels = |width: f64| (width.max(0.0) * 7.0).round() as u32;
    if let Some(width) = look.default_col_width {
        let last_used = plan
            .cells
            .iter()
            .map(|c| u32::from(c.col))
            .max()
            .unwrap_or(0);
        for c in 0..=last_used {
            if !look.columns.iter().any(|l| l.first <= c && c <= l.last) {
                sheet.set_column_width_pixels(col(c), pixels(width))?;
            }
        }
    }
    for c in &look.columns {
        let (first, last) = (col(c.first), col(c.last));
        if let Some(width) = c.width {
            sheet.set_column_range_width_pixels(first, last, pixels(width))?;
        }
        if c.hidden {
            sheet.set_column_range_hidden(first, last)?;
        }
        if let Some(style) = c.style {
            let f = formats.get(style, Shape::AsIs);
            sheet.set_column_range_format(first, last, formats.format(f))?;
        }
    }
    if let Some(height) = look.default_row_height {
        sheet.set_default_row_height(height);
    }
    for r in &look.rows {
        let copies = plan
            .expansions
            .iter()
            .find(|(row, _)| *row == r.row)
            .map_or(1, |(_, items)| (*items).max(1));
        let first = map.first(r.row);
        for k in 0..copies as u64 {
            let Some(row) = u32::try_from(first + k).ok().filter(|r| *r <= MAX_ROW) else {
                break;
            };
            if let Some(h) = r.height {
                sheet.set_row_height(row, h)?;
            }
            if r.hidden {
                sheet.set_row_hidden(row)?;
            }
            if let Some(style) = r.style {
                let f = formats.get(style, Shape::AsIs);
                sheet.set_row_format(row, formats.format(f))?;
            }
        }
    }
    if !look.grid_lines {
        sheet.set_screen_gridlines(false);
    }
    if let Some(zoom) = look.zoom.filter(|z| (10..=400).contains(z)) {
        sheet.set_zoom(zoom);
    }
    if let Some((rows, cols)) = look.freeze {
        let row = u32::try_from(map.first(rows))
            .unwrap_or(MAX_ROW)
            .min(MAX_ROW);
        sheet.set_freeze_panes(row, col(cols))?;
    }
    if look.landscape {
        sheet.set_landscape();
    }
    if let Some(paper) = look.paper_size {
        sheet.set_paper_size(paper);
    }
    if let Some((wide, tall)) = look.fit_to_pages {
        sheet.set_print_fit_to_pages(wide, tall);
    }
    if let Some([l, r, t, b, h, f]) = look.margins {
        sheet.set_margins(l, r, t, b, h, f);
    }
    if look.center_horizontally {
        sheet.set_print_center_horizontally(true);
    }
    if look.center_vertically {
        sheet.set_print_center_vertically(true);
    }
    Ok(())
}

/// The print area (grown over the row templates) and the rows or columns repeated on every
/// printed page. A name the program cannot read is left out.
fn write_print_names(sheet: &mut Worksheet, names: &look::PrintNames, map: &RowMap) {
    let first_area = |text: &str| {
        lex(text).into_iter().find_map(|t| match t.kind {
            TokenKind::Ref(r) => Some(r.area),
            _ => None,
        })
    };
    let col = |c: u32| u16::try_from(c).unwrap_or(u16::MAX);
    if let Some(area) = names.area.as_deref().and_then(first_area) {
        if let Some(Area::Range(a, b)) = shift::shift_area_outside(area, map) {
            let _ = sheet.set_print_area(a.row, col(a.col), b.row, col(b.col));
        }
    }
    if let Some(titles) = names.titles.as_deref() {
        for token in lex(titles) {
            let TokenKind::Ref(r) = token.kind else {
                continue;
            };
            match shift::shift_area_outside(r.area, map) {
                Some(Area::Rows { first, last, .. }) => {
                    let _ = sheet.set_repeat_rows(first, last);
                }
                Some(Area::Columns { first, last, .. }) => {
                    let _ = sheet.set_repeat_columns(col(first), col(last));
                }
                _ => {}
            }
        }
    }
}

/// Merged ranges: those within a row template's row repeated on every copy, the others moved.
fn write_merges(
    sheet: &mut Worksheet,
    plan: &SheetPlan<'_>,
    map: &RowMap,
    look: Option<&SheetLook>,
    formats: &mut Formats<'_>,
) -> std::result::Result<(), XlsxError> {
    let style_at = |row: u32, col: u32| -> u32 {
        look.and_then(|l| {
            l.cells
                .binary_search_by_key(&(row, col), |&(r, c, _)| (r, c))
                .ok()
                .and_then(|i| l.cells.get(i))
                .map(|&(_, _, s)| s)
        })
        .unwrap_or(0)
    };
    for m in &plan.sheet.merges {
        if m.first_row == m.last_row && m.first_col == m.last_col {
            continue;
        }
        let (Ok(c1), Ok(c2)) = (u16::try_from(m.first_col), u16::try_from(m.last_col)) else {
            continue;
        };
        let copies = if m.is_single_row() {
            plan.expansions
                .iter()
                .find(|(row, _)| *row == m.first_row)
                .map_or(1, |(_, items)| (*items).max(1))
        } else {
            1
        };
        let height = u64::from(m.last_row.saturating_sub(m.first_row));
        let area = (height + 1) * (u64::from(c2.saturating_sub(c1)) + 1);
        if area > MAX_MERGE_CELLS {
            // rust_xlsxwriter writes every cell of a merged range: a range over a whole sheet
            // would never finish. No form merges that much.
            continue;
        }
        let first = map.first(m.first_row);
        let f = formats.get(style_at(m.first_row, m.first_col), Shape::AsIs);
        let plain = formats.get(0, Shape::AsIs);
        for k in 0..copies as u64 {
            let (Ok(r1), Ok(r2)) = (u32::try_from(first + k), u32::try_from(first + k + height))
            else {
                break;
            };
            if r2 > MAX_ROW {
                break;
            }
            sheet.merge_range(r1, c1, r2, c2, "", formats.format(f))?;
            // The other cells keep their own look, as in the template: a cell of the range the
            // template leaves unstyled is written plain (its cell, if styled, comes later).
            if formats.has_styles() {
                for (dr, row) in (r1..=r2).enumerate() {
                    for col in c1..=c2 {
                        let template_row = m
                            .first_row
                            .saturating_add(u32::try_from(dr).unwrap_or(u32::MAX));
                        if (row, col) != (r1, c1) && style_at(template_row, u32::from(col)) == 0 {
                            sheet.write_blank(row, col, formats.format(plain))?;
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// The most cells a merged range may cover to be written.
const MAX_MERGE_CELLS: u64 = 1_000_000;

/// What a cell's number format must show besides its style's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Shape {
    /// The style as it is.
    AsIs,
    /// A date: the style's own format if it shows a date, else `yyyy-mm-dd`.
    Date,
    /// A date-time: the style's own format if it shows a date or time, else
    /// `yyyy-mm-dd hh:mm`.
    DateTime,
}

/// The return's formats, made once per template style and shape (rust_xlsxwriter hashes a
/// format on every write, so cells share a few formats rather than build their own).
struct Formats<'s> {
    styles: &'s [Style],
    made: Vec<Format>,
    index: HashMap<(u32, Shape), usize>,
}

impl<'s> Formats<'s> {
    fn new(styles: &'s [Style]) -> Self {
        Formats {
            styles,
            made: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// Whether the template had styles (an `.xlsx`).
    fn has_styles(&self) -> bool {
        !self.styles.is_empty()
    }

    /// The index of the format for `style` in `shape`.
    fn get(&mut self, style: u32, shape: Shape) -> usize {
        if let Some(i) = self.index.get(&(style, shape)) {
            return *i;
        }
        let template_style = usize::try_from(style).ok().and_then(|s| self.styles.get(s));
        let mut format = template_style.map(look::format_of).unwrap_or_default();
        let shows_date = template_style
            .and_then(look::number_format)
            .is_some_and(look::is_date_format);
        format = match shape {
            Shape::Date if !shows_date => format.set_num_format("yyyy-mm-dd"),
            Shape::DateTime if !shows_date => format.set_num_format("yyyy-mm-dd hh:mm"),
            _ => format,
        };
        self.made.push(format);
        let i = self.made.len() - 1;
        self.index.insert((style, shape), i);
        i
    }

    fn format(&self, i: usize) -> &Format {
        static PLAIN: std::sync::OnceLock<Format> = std::sync::OnceLock::new();
        self.made
            .get(i)
            .unwrap_or_else(|| PLAIN.get_or_init(Format::new))
    }
}

/// How many cells the calculator may visit in ranges for one return: enough for totals over
/// any realistic return, and a bound on running totals over very long ones (which are then
/// left to the spreadsheet program).
const CALC_BUDGET: u64 = 20_000_000;

/// How deep formulas may depend on formulas before the calculator leaves one for later.
const CALC_DEPTH: u32 = 16;

struct Calculator<'p, 'c> {
    sheets: &'p [&'p [OutCell<'c>]],
    maps: &'p [(String, RowMap)],
    formulas: &'p mut Vec<FormulaCell>,
    own: usize,
    depth: u32,
    /// Set when the depth limit stopped a computation: what failed then may succeed later.
    cut_short: bool,
    budget: u64,
}

impl Calculator<'_, '_> {
    fn compute(&mut self, i: usize) -> std::result::Result<calc::Value, Unknown> {
        let formula = self.formulas.get_mut(i).ok_or(Unknown)?;
        match &formula.result {
            Computed::Done(v) => return v.clone().ok_or(Unknown),
            Computed::Running => return Err(Unknown),
            Computed::Pending => {}
        }
        if self.depth >= CALC_DEPTH {
            self.cut_short = true;
            return Err(Unknown);
        }
        formula.result = Computed::Running;
        let text = std::mem::take(&mut formula.text);
        let sheet = formula.sheet;
        let saved = std::mem::replace(&mut self.own, sheet);
        self.depth += 1;
        let result = calc::evaluate(&text, self);
        self.depth -= 1;
        self.own = saved;
        let cut_short = self.cut_short;
        if let Some(formula) = self.formulas.get_mut(i) {
            formula.text = text;
            formula.result = match &result {
                Ok(v) => Computed::Done(Some(v.clone())),
                Err(_) if cut_short => Computed::Pending,
                Err(_) => Computed::Done(None),
            };
        }
        result
    }

    fn content_value(
        &mut self,
        content: &Content<'_>,
    ) -> std::result::Result<calc::Value, Unknown> {
        Ok(match content {
            Content::Blank => calc::Value::Empty,
            Content::Text(t) => calc::Value::Text(t.to_string()),
            Content::Number(n) | Content::Date { serial: n, .. } => calc::Value::Num(*n),
            Content::Bool(b) => calc::Value::Bool(*b),
            Content::Formula(i) => self.compute(*i)?,
        })
    }
}

fn find_cell<'x, 'c>(cells: &'x [OutCell<'c>], row: u32, col: u32) -> Option<&'x OutCell<'c>> {
    cells
        .binary_search_by(|c| (c.row, u32::from(c.col)).cmp(&(row, col)))
        .ok()
        .and_then(|i| cells.get(i))
}

impl Book for Calculator<'_, '_> {
    fn sheet(&self, name: Option<&str>) -> Option<usize> {
        match name {
            None => Some(self.own),
            Some(n) => Sheets { maps: self.maps }.find(n),
        }
    }

    fn cell(
        &mut self,
        sheet: usize,
        row: u32,
        col: u32,
    ) -> std::result::Result<calc::Value, Unknown> {
        let sheets = self.sheets;
        let cells = sheets.get(sheet).ok_or(Unknown)?;
        match find_cell(cells, row, col) {
            None => Ok(calc::Value::Empty),
            Some(cell) => self.content_value(&cell.content),
        }
    }

    fn each(
        &mut self,
        sheet: usize,
        rows: (u32, u32),
        cols: (u32, u32),
        visit: &mut dyn FnMut(CalcItem),
    ) -> std::result::Result<(), Unknown> {
        let sheets = self.sheets;
        let cells = sheets.get(sheet).ok_or(Unknown)?;
        let start = cells.partition_point(|c| (c.row, u32::from(c.col)) < (rows.0, cols.0));
        for cell in cells.get(start..).unwrap_or(&[]) {
            if cell.row > rows.1 {
                break;
            }
            let col = u32::from(cell.col);
            if col < cols.0 || col > cols.1 {
                continue;
            }
            self.budget = self.budget.checked_sub(1).ok_or(Unknown)?;
            let item = match &cell.content {
                Content::Blank => continue,
                Content::Text(_) => CalcItem::Text,
                Content::Number(n) | Content::Date { serial: n, .. } => CalcItem::Num(*n),
                Content::Bool(b) => CalcItem::Bool(*b),
                Content::Formula(i) => match self.compute(*i)? {
                    calc::Value::Num(n) => CalcItem::Num(n),
                    calc::Value::Text(_) => CalcItem::Text,
                    calc::Value::Bool(b) => CalcItem::Bool(b),
                    calc::Value::Error(e) => CalcItem::Error(e),
                    calc::Value::Empty => continue,
                },
            };
            visit(item);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_serials_count_from_1900() {
        let at = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).map(|d| d.and_time(NaiveTime::MIN));
        let serial = |y, m, d| at(y, m, d).and_then(excel_serial);
        assert_eq!(serial(1900, 1, 1), Some(1.0));
        assert_eq!(serial(1900, 2, 28), Some(59.0));
        assert_eq!(serial(1900, 3, 1), Some(61.0));
        assert_eq!(serial(2026, 11, 30), Some(46356.0));
        assert_eq!(serial(1899, 12, 31), None);
        let noon = NaiveDate::from_ymd_opt(2026, 11, 30)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .and_then(excel_serial);
        assert_eq!(noon, Some(46356.5));
    }
}

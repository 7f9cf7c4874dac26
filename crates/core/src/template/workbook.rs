//! Reading a template file with calamine: its sheets, their cells (values and formulas, at
//! absolute 0-based positions) and their merged ranges.
//!
//! `.xlsx`/`.xlsm` sheets are streamed cell by cell, because calamine's `Range` is dense from the
//! first used cell to the last: one far-away cell would make it huge. `.xls`, `.xlsb` and `.ods`
//! have no streaming reader and are read as ranges; the file's size is capped instead.
//!
//! What calamine exposes differs by format: merged ranges for `.xlsx` and `.xls` only (those of
//! an `.ods` are read by [`super::look_ods`]; an `.xlsb` has none); `.ods` formulas come in
//! OpenFormula and are rewritten in Excel's syntax ([`super::formula`]); `.xls` formulas, which
//! calamine misreads, are decoded by [`crate::xls_formula`].

use std::io::Cursor;

use calamine::{
    open_workbook_auto_from_rs, Data, Dimensions, Range, Reader, SheetType, SheetVisible, Sheets,
};
use serde::Serialize;

use crate::error::{Error, Result};

use super::formula::excel_from_openformula;

/// The largest template file accepted, in bytes: a form is a few dozen kilobytes.
pub const MAX_TEMPLATE_BYTES: usize = 32 * 1024 * 1024;

/// The most non-empty cells a template may hold, over all its sheets.
pub const MAX_TEMPLATE_CELLS: usize = 200_000;

/// The file format of a template, as found from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Office Open XML workbook.
    Xlsx,
    /// Office Open XML workbook with macros (the macros are never run or kept).
    Xlsm,
    /// Excel binary workbook.
    Xlsb,
    /// Excel 97–2003 workbook.
    Xls,
    /// OpenDocument spreadsheet (LibreOffice, WPS).
    Ods,
}

impl Format {
    /// The usual extension, which is also how the database stores it (`xlsx`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Xlsm => "xlsm",
            Format::Xlsb => "xlsb",
            Format::Xls => "xls",
            Format::Ods => "ods",
        }
    }

    /// The format stored as `text`.
    pub fn parse(text: &str) -> Option<Format> {
        [
            Format::Xlsx,
            Format::Xlsm,
            Format::Xlsb,
            Format::Xls,
            Format::Ods,
        ]
        .into_iter()
        .find(|f| f.as_str() == text)
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rectangle of cells, 0-based and inclusive at both ends (a merged range).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellRange {
    /// The top row.
    pub first_row: u32,
    /// The left column.
    pub first_col: u32,
    /// The bottom row.
    pub last_row: u32,
    /// The right column.
    pub last_col: u32,
}

impl CellRange {
    /// Whether the range covers row `row`.
    pub fn contains_row(&self, row: u32) -> bool {
        self.first_row <= row && row <= self.last_row
    }

    /// Whether the range lies within one row.
    pub fn is_single_row(&self) -> bool {
        self.first_row == self.last_row
    }

    /// The range in A1 notation (`F9:J9`).
    ///
    /// # Examples
    ///
    /// ```
    /// use zhucun_core::template::CellRange;
    /// let r = CellRange { first_row: 8, first_col: 5, last_row: 8, last_col: 9 };
    /// assert_eq!(r.a1(), "F9:J9");
    /// ```
    pub fn a1(&self) -> String {
        format!(
            "{}:{}",
            cell_a1(self.first_row, self.first_col),
            cell_a1(self.last_row, self.last_col)
        )
    }
}

impl From<Dimensions> for CellRange {
    fn from(d: Dimensions) -> Self {
        CellRange {
            first_row: d.start.0,
            first_col: d.start.1,
            last_row: d.end.0,
            last_col: d.end.1,
        }
    }
}

/// A cell's position in A1 notation (`B12` for row 11, column 1).
///
/// # Examples
///
/// ```
/// assert_eq!(zhucun_core::template::cell_a1(11, 1), "B12");
/// assert_eq!(zhucun_core::template::cell_a1(0, 26), "AA1");
/// ```
pub fn cell_a1(row: u32, col: u32) -> String {
    format!("{}{}", column_letters(col), u64::from(row) + 1)
}

/// `A` for column 0, `Z` for 25, `AA` for 26.
pub(crate) fn column_letters(col: u32) -> String {
    let mut n = u64::from(col) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// A cell as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawCell {
    pub row: u32,
    pub col: u32,
    /// The value, or a formula's cached result (often empty).
    pub value: Data,
    /// The formula in Excel's syntax, without `=`.
    pub formula: Option<String>,
}

/// A worksheet as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawSheet {
    pub name: String,
    pub hidden: bool,
    /// Non-empty cells (a value or a formula), by row then column.
    pub cells: Vec<RawCell>,
    pub merges: Vec<CellRange>,
}

/// Reads every worksheet of a workbook given as bytes; `file_name` names it in errors and tells
/// `.xlsm` from `.xlsx`. Chart and macro sheets are skipped.
pub(crate) fn read(file_name: &str, bytes: &[u8]) -> Result<(Format, Vec<RawSheet>)> {
    let unreadable = |source: calamine::Error| Error::UnreadableSheet {
        file: file_name.to_string(),
        source,
    };
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(unreadable)?;
    let format = match &book {
        Sheets::Xlsx(_) if file_name.to_ascii_lowercase().ends_with(".xlsm") => Format::Xlsm,
        Sheets::Xlsx(_) => Format::Xlsx,
        Sheets::Xlsb(_) => Format::Xlsb,
        Sheets::Xls(_) => Format::Xls,
        Sheets::Ods(_) => Format::Ods,
    };
    let sheets: Vec<(String, bool)> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| (s.name.clone(), s.visible != SheetVisible::Visible))
        .collect();
    // calamine gives no `.ods` merged ranges: they are read from `content.xml` here.
    let mut ods_merges = match &book {
        Sheets::Ods(_) => super::look_ods::merges(bytes).map_err(|_| {
            unreadable(calamine::Error::Msg(
                "the merged ranges of content.xml cannot be read",
            ))
        })?,
        _ => Default::default(),
    };
    // calamine misreads `.xls` formulas: they are decoded here ([`crate::xls_formula`]). A
    // workbook that cannot be (before BIFF8) keeps calamine's.
    let xls_formulas = match format {
        Format::Xls => crate::xls_formula::read(bytes).ok(),
        _ => None,
    };
    let mut out = Vec::with_capacity(sheets.len());
    let mut total = 0usize;
    for (name, hidden) in sheets {
        let mut merges: Vec<CellRange> = match &mut book {
            Sheets::Xlsx(xlsx) => xlsx
                .merge_cells_by_sheet_name(&name)
                .map_err(|e| unreadable(calamine::Error::Xlsx(e)))?
                .into_iter()
                .map(CellRange::from)
                .collect(),
            Sheets::Xls(xls) => xls
                .merge_cells_by_sheet_name(&name)
                .map_err(|e| unreadable(calamine::Error::Xls(e)))?
                .into_iter()
                .map(CellRange::from)
                .collect(),
            Sheets::Ods(_) => ods_merges.remove(&name).unwrap_or_default(),
            Sheets::Xlsb(_) => Vec::new(),
        };
        let mut cells = match &mut book {
            Sheets::Xlsx(xlsx) => stream_xlsx_cells(xlsx, &name, total)
                .map_err(|e| unreadable(calamine::Error::Xlsx(e)))?,
            _ => {
                // calamine keeps the last of two sheets of one name; so does this.
                let decoded = xls_formulas
                    .as_deref()
                    .and_then(|sheets| sheets.iter().rev().find(|s| s.name == name));
                range_cells(&mut book, &name, format, decoded).map_err(unreadable)?
            }
        };
        total = total.saturating_add(cells.len());
        if total > MAX_TEMPLATE_CELLS {
            return Err(too_large(file_name));
        }
        cells.sort_by_key(|c| (c.row, c.col));
        merges.sort();
        out.push(RawSheet {
            name,
            hidden,
            cells,
            merges,
        });
    }
    Ok((format, out))
}

pub(crate) fn too_large(file_name: &str) -> Error {
    Error::UnusableSheet {
        file: file_name.to_string(),
        zh: format!(
            "模板过大（超过 {} MB 或 {MAX_TEMPLATE_CELLS} 个非空单元格），不像是一张报表",
            MAX_TEMPLATE_BYTES / 1024 / 1024
        ),
        en: format!(
            "the template is too large (over {} MB or {MAX_TEMPLATE_CELLS} non-empty cells) to be a form",
            MAX_TEMPLATE_BYTES / 1024 / 1024
        ),
    }
}

/// The non-empty cells of an `.xlsx` sheet, streamed (values, and formulas with shared formulas
/// expanded), stopping once the workbook's cells would pass the limit.
fn stream_xlsx_cells<RS: std::io::Read + std::io::Seek>(
    xlsx: &mut calamine::Xlsx<RS>,
    name: &str,
    already: usize,
) -> std::result::Result<Vec<RawCell>, calamine::XlsxError> {
    let mut reader = xlsx.worksheet_cells_reader(name)?;
    let mut cells = Vec::new();
    while let Some(cell) = reader.next_cell_with_formula()? {
        let formula = cell
            .formula
            .filter(|f| !f.trim().is_empty())
            .map(|f| excel_from_openformula(&f));
        let value = Data::from(cell.value);
        if value == Data::Empty && formula.is_none() {
            continue;
        }
        cells.push(RawCell {
            row: cell.pos.0,
            col: cell.pos.1,
            value,
            formula,
        });
        if already.saturating_add(cells.len()) > MAX_TEMPLATE_CELLS {
            // The caller sees the total pass the limit and refuses the file.
            break;
        }
    }
    Ok(cells)
}

/// The non-empty cells of a sheet read as calamine ranges (values and formulas), at absolute
/// positions. `decoded` holds the `.xls` formulas of [`crate::xls_formula`], which replace
/// calamine's: calamine's text is kept only for a cell they could not decode, and its
/// "Unrecognised formula" messages never.
fn range_cells<RS: std::io::Read + std::io::Seek>(
    book: &mut Sheets<RS>,
    name: &str,
    format: Format,
    decoded: Option<&crate::xls_formula::SheetFormulas>,
) -> std::result::Result<Vec<RawCell>, calamine::Error> {
    let values: Range<Data> = book.worksheet_range(name)?;
    let formulas: Range<String> = book.worksheet_formula(name)?;
    let mut cells: std::collections::BTreeMap<(u32, u32), RawCell> = Default::default();
    let (vr, vc) = values.start().unwrap_or((0, 0));
    for (r, c, value) in values.used_cells() {
        let (row, col) = (vr.saturating_add(to_u32(r)), vc.saturating_add(to_u32(c)));
        cells.insert(
            (row, col),
            RawCell {
                row,
                col,
                value: value.clone(),
                formula: None,
            },
        );
    }
    let (fr, fc) = formulas.start().unwrap_or((0, 0));
    let mut texts: std::collections::BTreeMap<(u32, u32), String> = Default::default();
    for (r, c, formula) in formulas.used_cells() {
        if formula.trim().is_empty() {
            continue;
        }
        if decoded.is_some() && formula.starts_with("Unrecognised formula") {
            // calamine's message for a formula it could not read, not a formula.
            continue;
        }
        let (row, col) = (fr.saturating_add(to_u32(r)), fc.saturating_add(to_u32(c)));
        let text = match format {
            Format::Ods => excel_from_openformula(formula),
            _ => formula.strip_prefix('=').unwrap_or(formula).to_string(),
        };
        texts.insert((row, col), text);
    }
    for cell in decoded.map(|d| d.cells.as_slice()).unwrap_or_default() {
        if let Ok(text) = &cell.formula {
            if !text.trim().is_empty() {
                texts.insert((cell.row, cell.col), text.clone());
            }
        }
    }
    for ((row, col), text) in texts {
        cells
            .entry((row, col))
            .or_insert_with(|| RawCell {
                row,
                col,
                value: Data::Empty,
                formula: None,
            })
            .formula = Some(text);
    }
    Ok(cells.into_values().collect())
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_named_in_a1() {
        assert_eq!(cell_a1(0, 0), "A1");
        assert_eq!(cell_a1(11, 1), "B12");
        assert_eq!(cell_a1(0, 25), "Z1");
        assert_eq!(cell_a1(0, 26), "AA1");
        assert_eq!(cell_a1(0, 701), "ZZ1");
        assert_eq!(cell_a1(0, 702), "AAA1");
        assert!(cell_a1(u32::MAX, u32::MAX).ends_with("4294967296"));
    }

    #[test]
    fn formats_round_trip() {
        for f in ["xlsx", "xlsm", "xlsb", "xls", "ods"] {
            assert_eq!(Format::parse(f).map(Format::as_str), Some(f));
        }
        assert_eq!(Format::parse("csv"), None);
    }

    #[test]
    fn garbage_is_unreadable() {
        let err = read("x.xlsx", b"not a workbook").map(|_| ());
        assert_eq!(err.map_err(|e| e.code()), Err("unreadable_file"));
    }
}

//! The tables of `content.xml`: columns, rows and cells walked with their repeats counted, never
//! expanded, giving each sheet's merged ranges, widths, heights, styled cells and print ranges.

use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::cell_style::Palette;
use super::package::{attribute, attributes, count};
use super::units::{row_height, width_in_characters};
use crate::template::look::{
    ColumnLook, LookError, PrintNames, RowLook, SheetLook, MAX_STYLED_CELLS,
};
use crate::template::shift::{MAX_COL, MAX_ROW};
use crate::template::workbook::{column_letters, CellRange};

/// Excel's rows and columns: positions past them are cut.
const ROWS: u64 = MAX_ROW as u64 + 1;
pub(super) const COLUMNS: u64 = MAX_COL as u64 + 1;

/// The most merged ranges kept per sheet; a form has dozens.
const MAX_MERGES: usize = 65_536;

/// The most rows with a height, hiding or style kept per sheet.
const MAX_ROW_LOOKS: usize = 65_536;

/// A run of repeated rows or columns this long, at the end of a table, is what a program writes
/// for "all the rest": its height or width becomes the sheet's default.
const TAIL_RUN: u64 = 1024;

/// One table as read.
#[derive(Debug, Default)]
pub(super) struct TableOut {
    pub(super) name: String,
    /// Its `table:style-name`, which leads to its page setup.
    pub(super) style: Option<String>,
    pub(super) merges: Vec<CellRange>,
    pub(super) look: SheetLook,
    pub(super) print: PrintNames,
}

/// Columns `first..end` and the style of their cells without one.
#[derive(Debug, Clone, Copy)]
struct ColumnRun {
    first: u64,
    end: u64,
    default_style: Option<u32>,
}

/// What a row element looks like, to tell a table's tail of alike rows.
#[derive(Debug, Clone, Copy, PartialEq)]
struct RowKey {
    height: Option<f64>,
    hidden: bool,
    style: Option<u32>,
}

/// A table being read.
#[derive(Debug)]
struct TableWalk {
    out: TableOut,
    columns: Vec<ColumnRun>,
    next_col: u64,
    row: u64,
    header_rows: Option<(u64, u64)>,
    header_cols: Option<(u64, u64)>,
    /// Styled cells that may still be kept.
    styled_left: usize,
    /// The last run of at least [`TAIL_RUN`] rows followed only by rows like it: where its
    /// rows begin in `out.look.rows`, and its look.
    tail: Option<(usize, RowKey)>,
}

/// Reads the body: every table, up to the end of `office:body`.
pub(super) fn body<R: BufRead>(
    reader: &mut Reader<R>,
    mut palette: Option<&mut Palette<'_>>,
) -> Result<Vec<TableOut>, LookError> {
    let mut tables = Vec::new();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf)? {
            Event::Start(e) if e.name().as_ref() == "table:table" => {
                let mut walk = TableWalk::new(&e);
                let print_ranges = attribute(&e, "table:print-ranges");
                walk_table(reader, &mut walk, palette.as_deref_mut())?;
                walk.finish(print_ranges.as_deref());
                tables.push(walk.out);
            }
            Event::Empty(e) if e.name().as_ref() == "table:table" => {
                // A table without rows or columns still has a name and print ranges.
                let mut walk = TableWalk::new(&e);
                walk.finish(attribute(&e, "table:print-ranges").as_deref());
                tables.push(walk.out);
            }
            Event::End(e) if e.name().as_ref() == "office:body" => break,
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(tables)
}

/// Reads a table's columns and rows up to its end.
fn walk_table<R: BufRead>(
    reader: &mut Reader<R>,
    w: &mut TableWalk,
    mut palette: Option<&mut Palette<'_>>,
) -> Result<(), LookError> {
    let mut buf = Vec::new();
    let mut header_rows_from = None;
    let mut header_cols_from = None;
    loop {
        buf.clear();
        let event = reader.read_event_into(&mut buf)?;
        let empty = matches!(event, Event::Empty(_));
        match &event {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                "table:table-column" => w.column(e, palette.as_deref_mut()),
                "table:table-row" => {
                    let Line {
                        repeats,
                        style,
                        hidden,
                        default_cell,
                    } = Line::of(e, "table:number-rows-repeated");
                    let repeats = repeats.min(ROWS.saturating_sub(w.row));
                    let row_default = match (&mut palette, default_cell) {
                        (Some(p), Some(name)) => Some(p.id(&name)).filter(|id| *id != 0),
                        _ => None,
                    };
                    if !empty {
                        walk_row(reader, w, repeats, row_default, palette.as_deref_mut())?;
                    }
                    if let Some(p) = palette.as_deref() {
                        let height = style
                            .as_deref()
                            .and_then(|s| p.styles.rows.get(s))
                            .and_then(|r| r.height)
                            .map(row_height);
                        let key = RowKey {
                            height,
                            hidden,
                            style: row_default,
                        };
                        w.row_look(repeats, key);
                    }
                    w.row = w.row.saturating_add(repeats).min(ROWS);
                }
                "table:table-header-rows" if !empty => header_rows_from = Some(w.row),
                "table:table-header-columns" if !empty => header_cols_from = Some(w.next_col),
                _ => {}
            },
            Event::End(e) => match e.name().as_ref() {
                "table:table" => return Ok(()),
                "table:table-header-rows" => {
                    if let Some(from) = header_rows_from.take().filter(|f| *f < w.row) {
                        w.header_rows = Some((from, w.row - 1));
                    }
                }
                "table:table-header-columns" => {
                    if let Some(from) = header_cols_from.take().filter(|f| *f < w.next_col) {
                        w.header_cols = Some((from, w.next_col - 1));
                    }
                }
                _ => {}
            },
            Event::Eof => return Err(LookError("content.xml ends inside a table".into())),
            _ => {}
        }
    }
}

/// What a cell element says.
#[derive(Debug, Default)]
struct CellInfo {
    covered: bool,
    repeats: u64,
    style: Option<String>,
    cols_spanned: u64,
    rows_spanned: u64,
    /// Whether it holds a value, a formula or text (else only its look counts).
    content: bool,
}

/// Reads a row's cells up to its end; the row is repeated `repeats` times.
fn walk_row<R: BufRead>(
    reader: &mut Reader<R>,
    w: &mut TableWalk,
    repeats: u64,
    row_default: Option<u32>,
    mut palette: Option<&mut Palette<'_>>,
) -> Result<(), LookError> {
    let mut col = 0u64;
    let mut buf = Vec::new();
    let mut skipped = Vec::new();
    loop {
        buf.clear();
        let event = reader.read_event_into(&mut buf)?;
        let empty = matches!(event, Event::Empty(_));
        match &event {
            Event::Start(e) | Event::Empty(e)
                if matches!(
                    e.name().as_ref(),
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                let mut cell = CellInfo {
                    covered: e.name().as_ref() == "table:covered-table-cell",
                    content: !empty,
                    repeats: 1,
                    cols_spanned: 1,
                    rows_spanned: 1,
                    style: None,
                };
                for (key, value) in attributes(e) {
                    match key.as_str() {
                        "table:number-columns-repeated" => cell.repeats = count(Some(value)),
                        "table:style-name" => cell.style = Some(value),
                        "table:number-columns-spanned" => cell.cols_spanned = count(Some(value)),
                        "table:number-rows-spanned" => cell.rows_spanned = count(Some(value)),
                        "office:value-type" | "table:formula" => cell.content = true,
                        _ => {}
                    }
                }
                if !empty {
                    // The cell's text, annotations and any table inside it: nothing of the look.
                    skipped.clear();
                    reader.read_to_end_into(e.name(), &mut skipped)?;
                }
                let fits = cell.repeats.min(COLUMNS.saturating_sub(col));
                if fits > 0 && repeats > 0 {
                    if !cell.covered {
                        w.merge(col, repeats, &cell);
                    }
                    if let Some(p) = palette.as_deref_mut() {
                        w.place(p, col, fits, repeats, row_default, &cell);
                    }
                }
                col = col.saturating_add(cell.repeats).min(COLUMNS);
            }
            Event::End(e) if e.name().as_ref() == "table:table-row" => return Ok(()),
            Event::Eof => return Err(LookError("content.xml ends inside a row".into())),
            _ => {}
        }
    }
}

/// A position as Excel's `u32`, for positions already cut to Excel's grid.
fn position(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl TableWalk {
    /// A table beginning with the element `e`.
    fn new(e: &BytesStart<'_>) -> TableWalk {
        let mut out = TableOut::default();
        for (key, value) in attributes(e) {
            match key.as_str() {
                "table:name" => out.name = value,
                "table:style-name" => out.style = Some(value),
                _ => {}
            }
        }
        out.look.grid_lines = true;
        TableWalk {
            out,
            columns: Vec::new(),
            next_col: 0,
            row: 0,
            header_rows: None,
            header_cols: None,
            styled_left: MAX_STYLED_CELLS,
            tail: None,
        }
    }

    /// A `table:table-column` element.
    fn column(&mut self, e: &BytesStart<'_>, palette: Option<&mut Palette<'_>>) {
        let Line {
            repeats,
            style,
            hidden,
            default_cell,
        } = Line::of(e, "table:number-columns-repeated");
        let repeats = repeats.min(COLUMNS.saturating_sub(self.next_col));
        if repeats == 0 {
            return;
        }
        let (first, end) = (self.next_col, self.next_col + repeats);
        self.next_col = end;
        let Some(p) = palette else {
            return;
        };
        let default_style = default_cell.map(|n| p.id(&n));
        self.columns.push(ColumnRun {
            first,
            end,
            default_style,
        });
        let width = style
            .as_deref()
            .and_then(|s| p.styles.columns.get(s))
            .map(|w| width_in_characters(*w));
        let style = default_style.filter(|s| *s != 0);
        if width.is_some() || hidden || style.is_some() {
            self.out.look.columns.push(ColumnLook {
                first: position(first),
                last: position(end - 1),
                width,
                hidden,
                style,
            });
        }
    }

    /// The merged ranges a cell starts, one per copy of its row.
    fn merge(&mut self, col: u64, repeats: u64, cell: &CellInfo) {
        if cell.cols_spanned <= 1 && cell.rows_spanned <= 1 {
            return;
        }
        for k in 0..repeats {
            if self.out.merges.len() >= MAX_MERGES {
                return;
            }
            let row = self.row + k;
            self.out.merges.push(CellRange {
                first_row: position(row),
                first_col: position(col),
                last_row: position((row.saturating_add(cell.rows_spanned) - 1).min(ROWS - 1)),
                last_col: position((col.saturating_add(cell.cols_spanned) - 1).min(COLUMNS - 1)),
            });
        }
    }

    /// The column run holding column `col`: its style for cells without one and where it ends.
    fn column_at(&self, col: u64) -> (Option<u32>, u64) {
        let i = self.columns.partition_point(|r| r.end <= col);
        match self.columns.get(i) {
            Some(run) if run.first <= col => (run.default_style, run.end),
            Some(run) => (None, run.first),
            None => (None, COLUMNS),
        }
    }

    /// Keeps the style of a cell copied over columns `col..col + fits` and `repeats` rows. An
    /// empty cell whose style its column or row already gives is left to them.
    fn place(
        &mut self,
        palette: &mut Palette<'_>,
        col: u64,
        fits: u64,
        repeats: u64,
        row_default: Option<u32>,
        cell: &CellInfo,
    ) {
        let own = cell.style.as_deref().map(|n| palette.id(n));
        let end = col + fits;
        let mut c = col;
        while c < end {
            let (column_default, run_end) = self.column_at(c);
            let segment_end = run_end.clamp(c + 1, end);
            let id = own.or(column_default).or(row_default).unwrap_or(0);
            let given = !cell.content && (Some(id) == column_default || Some(id) == row_default);
            if id != 0 && !given {
                for r in self.row..self.row + repeats {
                    for cc in c..segment_end {
                        if self.styled_left == 0 {
                            return;
                        }
                        self.styled_left -= 1;
                        self.out.look.cells.push((position(r), position(cc), id));
                    }
                }
            }
            c = segment_end;
        }
    }

    /// Keeps the height, hiding and style of a row element repeated `repeats` times.
    fn row_look(&mut self, repeats: u64, key: RowKey) {
        let start = self.out.look.rows.len();
        self.tail = match self.tail {
            // Rows like the tail's continue it.
            Some((begins, tail)) if tail == key => Some((begins, tail)),
            _ if repeats >= TAIL_RUN => Some((start, key)),
            _ => None,
        };
        if key.height.is_none() && !key.hidden && key.style.is_none() {
            return;
        }
        for r in self.row..self.row + repeats {
            if self.out.look.rows.len() >= MAX_ROW_LOOKS {
                return;
            }
            self.out.look.rows.push(RowLook {
                row: position(r),
                height: key.height,
                hidden: key.hidden,
                style: key.style,
            });
        }
    }

    /// Ends the table: the tails of rows and columns become the sheet's defaults, the print
    /// ranges and titles are named, the cells sorted.
    fn finish(&mut self, print_ranges: Option<&str>) {
        let look = &mut self.out.look;
        if let Some((start, key)) = self.tail {
            if key.height.is_some() && !key.hidden && key.style.is_none() {
                look.rows.truncate(start);
                look.default_row_height = key.height;
            }
        }
        if let Some(last) = look.columns.last() {
            let long = u64::from(last.last.saturating_sub(last.first)) + 1 >= TAIL_RUN;
            if long && last.last == MAX_COL && !last.hidden && last.style.is_none() {
                look.default_col_width = last.width;
                look.columns.pop();
            }
        }
        look.cells.sort_unstable_by_key(|&(r, c, _)| (r, c));
        look.cells.dedup_by_key(|&mut (r, c, _)| (r, c));

        let sheet = format!("'{}'", self.out.name.replace('\'', "''"));
        self.out.print.area = print_ranges
            .and_then(print_area)
            .map(|area| format!("{sheet}!{area}"));
        let mut titles = Vec::new();
        if let Some((a, b)) = self.header_cols {
            let (a, b) = (column_letters(position(a)), column_letters(position(b)));
            titles.push(format!("{sheet}!${a}:${b}"));
        }
        if let Some((a, b)) = self.header_rows {
            titles.push(format!("{sheet}!${}:${}", a + 1, b + 1));
        }
        if !titles.is_empty() {
            self.out.print.titles = Some(titles.join(","));
        }
    }
}

/// The first range of a `table:print-ranges` list (`Sheet1.A1:Sheet1.D20`,
/// `$'My sheet'.$A$1:.$D$20`) as `$A$1:$D$20`.
fn print_area(ranges: &str) -> Option<String> {
    // Spaces separate ranges, except inside a quoted sheet name.
    let mut quoted = false;
    let first: String = ranges
        .trim()
        .chars()
        .take_while(|c| {
            if *c == '\'' {
                quoted = !quoted;
            }
            quoted || !c.is_whitespace()
        })
        .collect();
    let mut quoted = false;
    let split = first.char_indices().find(|&(_, c)| {
        if c == '\'' {
            quoted = !quoted;
        }
        !quoted && c == ':'
    });
    let (a, b) = match split {
        Some((i, _)) => (first.get(..i)?, first.get(i + 1..)?),
        None => (first.as_str(), first.as_str()),
    };
    let (r1, c1) = odf_cell(a)?;
    let (r2, c2) = odf_cell(b)?;
    Some(format!(
        "${}${}:${}${}",
        column_letters(c1),
        u64::from(r1) + 1,
        column_letters(c2),
        u64::from(r2) + 1
    ))
}

/// An ODF cell address (`$Sheet1.$B$12`, `.B12`) as 0-based (row, column).
pub(super) fn odf_cell(address: &str) -> Option<(u32, u32)> {
    let mut quoted = false;
    let mut dot = None;
    for (i, c) in address.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '.' if !quoted => dot = Some(i),
            _ => {}
        }
    }
    let cell: String = address
        .get(dot.map_or(0, |d| d + 1)..)?
        .chars()
        .filter(|c| *c != '$')
        .collect();
    let split = cell.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = cell.split_at(split);
    if letters.is_empty() || !letters.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut col: u64 = 0;
    for b in letters.bytes() {
        col = col * 26 + u64::from(b.to_ascii_uppercase() - b'A') + 1;
        if col > COLUMNS {
            return None;
        }
    }
    let row: u64 = digits.parse().ok()?;
    if row == 0 || row > ROWS {
        return None;
    }
    Some((position(row - 1), position(col - 1)))
}

/// What a `table:table-row` or `table:table-column` says of itself.
struct Line {
    /// How many rows or columns it stands for.
    repeats: u64,
    /// Its own style (height or width).
    style: Option<String>,
    /// Hidden (collapsed, or filtered out).
    hidden: bool,
    /// The style of its cells that name none.
    default_cell: Option<String>,
}

impl Line {
    /// Reads a row's or column's attributes; `repeated` names its repeat count.
    fn of(e: &BytesStart<'_>, repeated: &str) -> Line {
        let mut line = Line {
            repeats: 1,
            style: None,
            hidden: false,
            default_cell: None,
        };
        for (key, value) in attributes(e) {
            match key.as_str() {
                k if k == repeated => line.repeats = count(Some(value)),
                "table:style-name" => line.style = Some(value),
                "table:visibility" => line.hidden = value == "collapse" || value == "filter",
                "table:default-cell-style-name" => line.default_cell = Some(value),
                _ => {}
            }
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{content, package, styles_xml};
    use super::super::{merges, read};
    use super::*;

    fn range(first_row: u32, first_col: u32, last_row: u32, last_col: u32) -> CellRange {
        CellRange {
            first_row,
            first_col,
            last_row,
            last_col,
        }
    }

    #[test]
    fn merges_are_placed_past_huge_repeats_without_expanding_them() -> Result<(), LookError> {
        let tables = concat!(
            r##"<table:table table:name="表&amp;一"><table:table-column table:number-columns-repeated="16384"/>"##,
            // B1:D2, its covered cells repeated; a cell with text and an annotation inside.
            r##"<table:table-row><table:table-cell office:value-type="string"><text:p>x</text:p><office:annotation><text:p>note</text:p></office:annotation></table:table-cell>"##,
            r##"<table:table-cell table:number-columns-spanned="3" table:number-rows-spanned="2"><text:p>t</text:p></table:table-cell><table:covered-table-cell table:number-columns-repeated="2"/><table:table-cell table:number-columns-repeated="16380"/></table:table-row>"##,
            r##"<table:table-row><table:covered-table-cell/><table:covered-table-cell table:number-columns-repeated="3"/></table:table-row>"##,
            // A million empty rows, then a merge on the last row that runs past the sheet.
            r##"<table:table-row table:number-rows-repeated="1048573"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"##,
            r##"<table:table-row><table:table-cell table:number-columns-repeated="16382"/><table:table-cell table:number-columns-spanned="5" table:number-rows-spanned="9"/></table:table-row>"##,
            // Past Excel's last row: dropped.
            r##"<table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-spanned="2"/></table:table-row>"##,
            r##"</table:table><table:table table:name="Two"><table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-spanned="2"/></table:table-row></table:table>"##,
        );
        let bytes = package(&content("", tables), "")?;
        let merges = merges(&bytes)?;
        assert_eq!(
            merges.get("表&一"),
            Some(&vec![
                range(0, 1, 1, 3),
                range(MAX_ROW, 16_382, MAX_ROW, MAX_COL)
            ])
        );
        // A repeated row repeats its merged range.
        assert_eq!(
            merges.get("Two"),
            Some(&vec![range(0, 0, 0, 1), range(1, 0, 1, 1)])
        );
        Ok(())
    }

    #[test]
    fn widths_heights_and_hidden_rows_and_columns_are_read() -> Result<(), LookError> {
        let automatic = concat!(
            r##"<style:style style:name="co1" style:family="table-column"><style:table-column-properties style:column-width="1.361in"/></style:style>"##,
            r##"<style:style style:name="co2" style:family="table-column"><style:table-column-properties style:column-width="2.258cm"/></style:style>"##,
            r##"<style:style style:name="co3" style:family="table-column"><style:table-column-properties style:column-width="64.01pt"/></style:style>"##,
            r##"<style:style style:name="ro1" style:family="table-row"><style:table-row-properties style:row-height="0.4165in" style:use-optimal-row-height="false"/></style:style>"##,
            r##"<style:style style:name="ro2" style:family="table-row"><style:table-row-properties style:row-height="0.178in" style:use-optimal-row-height="true"/></style:style>"##,
            r##"<style:style style:name="ro3" style:family="table-row"><style:table-row-properties style:row-height="20pt" style:use-optimal-row-height="false"/></style:style>"##,
            r##"<style:style style:name="ce1" style:family="table-cell" style:parent-style-name="Default"><style:text-properties fo:font-weight="bold"/></style:style>"##,
        );
        let tables = concat!(
            r##"<table:table table:name="S"><table:table-column table:style-name="co1"/>"##,
            r##"<table:table-header-columns><table:table-column table:style-name="co2" table:visibility="collapse"/></table:table-header-columns>"##,
            r##"<table:table-column table:style-name="co3" table:number-columns-repeated="2" table:default-cell-style-name="ce1"/>"##,
            r##"<table:table-column table:style-name="co2" table:number-columns-repeated="16380"/>"##,
            r##"<table:table-header-rows><table:table-row table:style-name="ro1"><table:table-cell/></table:table-row></table:table-header-rows>"##,
            r##"<table:table-row table:style-name="ro2" table:visibility="collapse"><table:table-cell/></table:table-row>"##,
            r##"<table:table-row table:style-name="ro2"><table:table-cell/></table:table-row>"##,
            r##"<table:table-row table:style-name="ro3" table:number-rows-repeated="1048572"><table:table-cell/></table:table-row>"##,
            r##"<table:table-row table:style-name="ro3"><table:table-cell/></table:table-row>"##,
            r##"</table:table>"##,
        );
        let bytes = package(&content(automatic, tables), &styles_xml("", ""))?;
        let look = read(&bytes)?;
        let sheet = look.sheets.get("S").ok_or("no sheet")?;
        // 1.361in is 130.66 pixels: 18.67 characters of 7 pixels.
        let widths: Vec<(u32, u32, Option<f64>, bool)> = sheet
            .columns
            .iter()
            .map(|c| {
                (
                    c.first,
                    c.last,
                    c.width.map(|w| (w * 100.0).round() / 100.0),
                    c.hidden,
                )
            })
            .collect();
        assert_eq!(
            widths,
            [
                (0, 0, Some(18.67), false),
                (1, 1, Some(12.19), true),
                (2, 3, Some(12.19), false),
            ]
        );
        assert!(
            sheet.columns.get(2).and_then(|c| c.style).is_some(),
            "the column's cell style"
        );
        // The columns up to the sheet's last are its default.
        assert_eq!(
            sheet.default_col_width.map(|w| (w * 100.0).round() / 100.0),
            Some(12.19)
        );
        assert_eq!(sheet.row(0).and_then(|r| r.height), Some(30.0));
        assert_eq!(
            sheet.row(1).map(|r| (r.height, r.hidden)),
            Some((None, true))
        );
        assert_eq!(sheet.row(2), None, "an optimal height is left to fit");
        // The million rows of 20pt are the default height, not a million rows.
        assert_eq!(sheet.default_row_height, Some(20.0));
        assert_eq!(sheet.rows.len(), 2);
        let print = look.print.get("S").ok_or("no print titles")?;
        assert_eq!(print.titles.as_deref(), Some("'S'!$B:$B,'S'!$1:$1"));
        assert_eq!(print.area, None);
        Ok(())
    }

    #[test]
    fn styled_cells_follow_cell_column_and_row_styles() -> Result<(), LookError> {
        let automatic = concat!(
            r##"<style:style style:name="ce1" style:family="table-cell" style:parent-style-name="Default"><style:text-properties fo:font-weight="bold"/></style:style>"##,
            r##"<style:style style:name="ce2" style:family="table-cell" style:parent-style-name="Default"><style:table-cell-properties fo:border="0.74pt solid #000000"/></style:style>"##,
            r##"<style:style style:name="ce3" style:family="table-cell" style:parent-style-name="Default"><style:table-cell-properties style:rotation-align="none"/></style:style>"##,
        );
        let tables = concat!(
            r##"<table:table table:name="S"><table:table-column table:default-cell-style-name="ce1"/><table:table-column table:number-columns-repeated="16383" table:default-cell-style-name="Default"/>"##,
            // A1 empty in its column's style: left to the column. A1 with a value: kept.
            r##"<table:table-row><table:table-cell/><table:table-cell table:style-name="ce2" table:number-columns-repeated="2"/><table:table-cell table:style-name="ce3" office:value-type="float" office:value="1"/></table:table-row>"##,
            r##"<table:table-row table:number-rows-repeated="2"><table:table-cell office:value-type="float" office:value="1"/></table:table-row>"##,
            r##"<table:table-row table:default-cell-style-name="ce2"><table:table-cell table:number-columns-repeated="3"/></table:table-row>"##,
            // Whole rows styled to the sheet's end: cut at the cap, not expanded.
            r##"<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:style-name="ce2" table:number-columns-repeated="16384"/></table:table-row>"##,
            r##"</table:table>"##,
        );
        let bytes = package(&content(automatic, tables), &styles_xml("", ""))?;
        let look = read(&bytes)?;
        let sheet = look.sheets.get("S").ok_or("no sheet")?;
        let bold = sheet
            .columns
            .first()
            .and_then(|c| c.style)
            .ok_or("no column style")?;
        let boxed = sheet
            .cells
            .iter()
            .find(|c| (c.0, c.1) == (0, 1))
            .map(|c| c.2)
            .ok_or("B1 unstyled")?;
        let first: Vec<(u32, u32, u32)> = sheet.cells.iter().take(5).copied().collect();
        // ce3 looks like Default: no entry for D1.
        assert_eq!(
            first,
            [
                (0, 1, boxed),
                (0, 2, boxed),
                (1, 0, bold),
                (2, 0, bold),
                (4, 0, boxed)
            ]
        );
        assert_eq!(sheet.row(3).and_then(|r| r.style), Some(boxed));
        assert_eq!(sheet.cells.len(), MAX_STYLED_CELLS);
        Ok(())
    }
}

//! An `.ods` `content.xml`, read as calamine's `Ods::new` reads it.
//!
//! calamine reads every table while opening the file. A row element becomes one list of cells
//! (`table:number-columns-repeated` copies a cell that many times, at most 16,384 columns a row),
//! and `table:number-rows-repeated` says how many times the row is repeated (at most 1,048,576
//! rows a table). It then builds two dense ranges per table, values and formulas, each spanning
//! the rows from the first to the last that hold something — repeats expanded, empty rows
//! between included — times the columns from the leftmost to the rightmost such cell. Every
//! copy of a cell copies its text, so a long text repeated is bounded too.
//!
//! calamine stops with an error where an event it does not expect comes inside a row, and loops
//! without end where `content.xml` ends inside a table or a cell's annotation: those files are
//! refused as damaged.

use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::xml;
use super::{Limits, MAX_COPIED_TEXT, MAX_DENSE_CELLS};
use crate::error::Result;

/// calamine's cap on a table's rows, repeats included.
const MAX_ROWS: usize = 1_048_576;

/// calamine's cap on a row's cells, repeats included.
const MAX_COLUMNS: usize = 16_384;

/// Whether calamine reads on, or has returned an error (and allocates nothing more).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Go,
    Stop,
}

/// Checks `content.xml`.
///
/// # Errors
///
/// `unusable_sheet` past a limit; `unreadable_file` where calamine would loop without end.
pub(super) fn check<R: BufRead>(limits: &mut Limits<'_>, reader: &mut Reader<R>) -> Result<()> {
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let Ok(event) = reader.read_event_into(&mut buf) else {
            return Ok(());
        };
        let flow = match event {
            Event::Start(e) if e.name().as_ref() == "table:table" => {
                match xml::attribute(&e, "table:style-name") {
                    Ok(Some(style)) if xml::decoded(style).is_some() => {}
                    Ok(None) => {}
                    _ => return Ok(()),
                }
                match xml::attribute(&e, "table:name") {
                    Ok(None) => Flow::Go,
                    Ok(Some(name)) => match xml::decoded(name) {
                        Some(name) => table(limits, reader, &name)?,
                        None => Flow::Stop,
                    },
                    Err(_) => Flow::Stop,
                }
            }
            Event::Start(e) if e.name().as_ref() == "table:named-expressions" => {
                named_expressions(reader)
            }
            Event::Eof => Flow::Stop,
            _ => Flow::Go,
        };
        if flow == Flow::Stop {
            return Ok(());
        }
    }
}

/// Skips the named expressions as calamine reads them: anything but a named range or
/// expression inside is an error.
fn named_expressions<R: BufRead>(reader: &mut Reader<R>) -> Flow {
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e))
                if matches!(
                    e.name().as_ref(),
                    "table:named-range" | "table:named-expression"
                ) =>
            {
                for item in xml::attributes(&e) {
                    let Ok((key, value)) = item else {
                        return Flow::Stop;
                    };
                    let decodes = matches!(
                        key,
                        "table:name" | "table:cell-range-address" | "table:expression"
                    );
                    if decodes && xml::decoded(value).is_none() {
                        return Flow::Stop;
                    }
                }
            }
            Ok(Event::End(e))
                if matches!(
                    e.name().as_ref(),
                    "table:named-range" | "table:named-expression"
                ) => {}
            Ok(Event::End(e)) if e.name().as_ref() == "table:named-expressions" => {
                return Flow::Go;
            }
            _ => return Flow::Stop,
        }
    }
}

/// One of a table's two dense ranges, built row by row as calamine's `get_range` builds it.
#[derive(Debug, Default)]
struct Span {
    /// The row element where the range starts, once a row holds something.
    first: Option<u64>,
    col_min: u64,
    col_max: u64,
    /// Rows (repeats expanded) from the first row through the latest.
    rows_so_far: u64,
    /// Rows from the first row through the last that holds something: the range's height.
    rows: u64,
    /// Row elements from the first through the last that holds something (calamine reserves
    /// room for that many rows of the range's width).
    elements: u64,
    /// Text copied into the range so far, and through the last row that holds something.
    text_so_far: u64,
    text: u64,
}

impl Span {
    /// Adds row element `index`, repeated `repeats` times, whose cells from `cols.0` to `cols.1`
    /// hold something (`None` for an empty row) with `text` bytes of text.
    fn push(&mut self, index: u64, repeats: u64, cols: Option<(u64, u64)>, text: u64) {
        let Some((lo, hi)) = cols else {
            if self.first.is_some() {
                self.rows_so_far = self.rows_so_far.saturating_add(repeats);
            }
            return;
        };
        let first = match self.first {
            Some(first) => {
                self.col_min = self.col_min.min(lo);
                self.col_max = self.col_max.max(hi);
                first
            }
            None => {
                self.first = Some(index);
                (self.col_min, self.col_max) = (lo, hi);
                index
            }
        };
        self.rows_so_far = self.rows_so_far.saturating_add(repeats);
        self.text_so_far = self
            .text_so_far
            .saturating_add(repeats.saturating_mul(text));
        self.rows = self.rows_so_far;
        self.text = self.text_so_far;
        self.elements = index - first + 1;
    }

    fn width(&self) -> u64 {
        self.first.map_or(0, |_| self.col_max - self.col_min + 1)
    }

    /// The cells the range allocates: its rows times its width, or the room reserved up front
    /// (capped as calamine caps it) if that is more.
    fn cells(&self) -> u64 {
        let reserved = self.elements.saturating_mul(self.width()).min(100_000_000);
        self.rows.saturating_mul(self.width()).max(reserved)
    }
}

/// What one table has cost so far.
#[derive(Debug, Default)]
struct Table {
    /// Entries of calamine's per-table cell lists (values and formulas side by side).
    listed: u64,
    /// Text copied into those lists.
    listed_text: u64,
    values: Span,
    formulas: Span,
}

impl Table {
    /// Refuses the table once what calamine would hold for it passes a limit.
    fn check(&self, limits: &Limits<'_>, name: &str) -> Result<()> {
        let ranges = self.values.cells().saturating_add(self.formulas.cells());
        if limits.kept_cells.saturating_add(ranges) > MAX_DENSE_CELLS {
            let rows = self.values.rows.max(self.formulas.rows);
            let cols = self.values.width().max(self.formulas.width());
            return Err(limits.too_wide(name, rows, cols));
        }
        let text = limits
            .copied_text
            .saturating_add(self.listed_text)
            .saturating_add(self.values.text)
            .saturating_add(self.formulas.text);
        if limits
            .kept_cells
            .saturating_add(ranges)
            .saturating_add(self.listed)
            > MAX_DENSE_CELLS
            || text > MAX_COPIED_TEXT
        {
            return Err(limits.too_much(name));
        }
        Ok(())
    }
}

/// Reads a table up to its end (calamine's `read_table`).
fn table<R: BufRead>(limits: &mut Limits<'_>, reader: &mut Reader<R>, name: &str) -> Result<Flow> {
    let mut t = Table::default();
    let mut total_rows = 0usize;
    let mut index = 0u64;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.name().as_ref() == "table:table-row" => {
                let repeats = match xml::attribute(&e, "table:number-rows-repeated") {
                    Ok(None) => 1,
                    Ok(Some(v)) => match xml::decoded(v).and_then(|v| v.parse::<usize>().ok()) {
                        Some(n) => n,
                        None => return Ok(Flow::Stop),
                    },
                    Err(_) => return Ok(Flow::Stop),
                };
                let repeats = repeats.min(MAX_ROWS.saturating_sub(total_rows));
                total_rows = total_rows.saturating_add(repeats);
                let Some(r) = row(limits, reader, name, &mut t)? else {
                    return Ok(Flow::Stop);
                };
                let repeats = repeats as u64;
                t.values.push(index, repeats, r.values, r.value_text);
                t.formulas.push(index, repeats, r.formulas, r.formula_text);
                index += 1;
                t.check(limits, name)?;
            }
            Ok(Event::End(e)) if e.name().as_ref() == "table:table" => break,
            Ok(Event::Eof) => return Err(limits.damaged()),
            Err(_) => return Ok(Flow::Stop),
            Ok(_) => {}
        }
    }
    limits.kept_cells = limits
        .kept_cells
        .saturating_add(t.values.cells())
        .saturating_add(t.formulas.cells());
    limits.copy_text(name, t.values.text.saturating_add(t.formulas.text))?;
    Ok(Flow::Go)
}

/// A row element: the columns holding a value and a formula, and their text per copy of the row.
#[derive(Debug, Default)]
struct Row {
    values: Option<(u64, u64)>,
    value_text: u64,
    formulas: Option<(u64, u64)>,
    formula_text: u64,
}

/// Reads a row up to its end (calamine's `read_row`); `None` where calamine stops.
fn row<R: BufRead>(
    limits: &Limits<'_>,
    reader: &mut Reader<R>,
    name: &str,
    t: &mut Table,
) -> Result<Option<Row>> {
    let mut out = Row::default();
    let mut width = 0usize;
    let mut empty_pending = 0usize;
    let mut buf = Vec::new();
    let mut skipped = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e))
                if matches!(
                    e.name().as_ref(),
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                let repeats = match xml::attribute(&e, "table:number-columns-repeated") {
                    Ok(None) => 1,
                    Ok(Some(v)) => match v.parse::<usize>() {
                        Ok(n) => n,
                        Err(_) => return Ok(None),
                    },
                    Err(_) => return Ok(None),
                };
                let Some(cell) = cell(limits, reader, name, &e)? else {
                    return Ok(None);
                };
                // Empty cells are listed only when a cell holding something follows them.
                let empties = empty_pending.min(MAX_COLUMNS.saturating_sub(width));
                width += empties;
                t.listed = t.listed.saturating_add(empties as u64);
                empty_pending = 0;
                let copies = repeats.min(MAX_COLUMNS.saturating_sub(width));
                if !cell.value && !cell.formula {
                    empty_pending = copies;
                } else if copies > 0 {
                    let cols = Some((width as u64, (width + copies - 1) as u64));
                    let n = copies as u64;
                    if cell.value {
                        out.values = widen(out.values, cols);
                        out.value_text = out.value_text.saturating_add(n * cell.value_text);
                    }
                    if cell.formula {
                        out.formulas = widen(out.formulas, cols);
                    }
                    out.formula_text = out.formula_text.saturating_add(n * cell.formula_text);
                    width += copies;
                    t.listed = t.listed.saturating_add(n);
                    t.listed_text = t
                        .listed_text
                        .saturating_add(n.saturating_mul(cell.value_text + cell.formula_text));
                }
                if !cell.closed && reader.read_to_end_into(e.name(), &mut skipped).is_err() {
                    return Ok(None);
                }
                t.check(limits, name)?;
            }
            Ok(Event::End(e)) if e.name().as_ref() == "table:table-row" => return Ok(Some(out)),
            // calamine accepts nothing else inside a row.
            _ => return Ok(None),
        }
    }
}

fn widen(span: Option<(u64, u64)>, cols: Option<(u64, u64)>) -> Option<(u64, u64)> {
    match (span, cols) {
        (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
        (span, None) => span,
        (None, cols) => cols,
    }
}

/// A cell: whether it holds a value and a formula, and their text.
#[derive(Debug, Default)]
struct CellInfo {
    value: bool,
    value_text: u64,
    formula: bool,
    formula_text: u64,
    /// Whether the cell's end was read (its text was read from its content).
    closed: bool,
}

/// Reads a cell as calamine's `get_datatype` does; `None` where calamine stops.
fn cell<R: BufRead>(
    limits: &Limits<'_>,
    reader: &mut Reader<R>,
    name: &str,
    e: &BytesStart<'_>,
) -> Result<Option<CellInfo>> {
    let mut out = CellInfo::default();
    let mut value_set = false;
    let mut is_string = false;
    let mut is_error = false;
    let mut empty_string_value = false;
    for item in xml::attributes(e) {
        let Ok((key, value)) = item else {
            return Ok(None);
        };
        match key {
            // A number that fails to parse stops calamine; counting it as a value is safe.
            "office:value" if !value_set => value_set = true,
            "office:string-value" | "office:date-value" | "office:time-value" if !value_set => {
                let Some(text) = xml::decoded(value) else {
                    return Ok(None);
                };
                value_set = true;
                out.value_text = text.len() as u64;
                empty_string_value = key == "office:string-value" && text.is_empty();
            }
            "office:boolean-value" if !value_set => value_set = true,
            "office:value-type" if !value_set => is_string = value == "string",
            "calcext:value-type" => is_error = value == "error",
            "table:formula" => {
                let Some(text) = xml::decoded(value) else {
                    return Ok(None);
                };
                out.formula = !text.is_empty();
                out.formula_text = text.len() as u64;
            }
            _ => {}
        }
    }
    out.value = value_set;
    if !((!value_set && is_string) || (is_error && empty_string_value)) {
        return Ok(Some(out));
    }

    // The value is the cell's text content, read up to the cell's end.
    out.value = true;
    out.closed = true;
    let mut text: u64 = 0;
    let mut first_paragraph = true;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Text(t)) => text = text.saturating_add(t.len() as u64),
            // An entity stands for one character.
            Ok(Event::GeneralRef(_)) => text = text.saturating_add(4),
            Ok(Event::End(end))
                if matches!(
                    end.name().as_ref(),
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                out.value_text = text;
                return Ok(Some(out));
            }
            Ok(Event::Start(s)) if s.name().as_ref() == "office:annotation" => {
                let mut inner = Vec::new();
                loop {
                    inner.clear();
                    match reader.read_event_into(&mut inner) {
                        Ok(Event::End(end)) if end.name().as_ref() == "office:annotation" => break,
                        // calamine's loop here has no way out at the end of the part.
                        Ok(Event::Eof) => return Err(limits.damaged()),
                        Err(_) => return Ok(None),
                        _ => {}
                    }
                }
            }
            Ok(Event::Start(s)) if s.name().as_ref() == "text:p" => {
                if first_paragraph {
                    first_paragraph = false;
                } else {
                    text = text.saturating_add(1);
                }
            }
            Ok(Event::Start(s)) if s.name().as_ref() == "text:s" => {
                let spaces = match xml::attribute(&s, "text:c") {
                    Ok(None) => 1,
                    Ok(Some(v)) => match xml::decoded(v).and_then(|v| v.parse::<usize>().ok()) {
                        Some(n) => n,
                        None => return Ok(None),
                    },
                    Err(_) => return Ok(None),
                };
                text = text.saturating_add(spaces as u64);
            }
            Ok(Event::Start(s)) if matches!(s.name().as_ref(), "text:tab" | "text:line-break") => {
                text = text.saturating_add(1);
            }
            Ok(Event::Eof) | Err(_) => return Ok(None),
            _ => {}
        }
        // calamine builds the whole text before copying it anywhere.
        if limits.copied_text.saturating_add(text) > MAX_COPIED_TEXT {
            return Err(limits.too_much(name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(content: &str) -> (Result<()>, u64) {
        let mut limits = Limits::new("t.ods", &[], super::super::Streamed::WithFormulas);
        let outcome = check(&mut limits, &mut xml::reader(content.as_bytes()));
        (outcome, limits.kept_cells)
    }

    fn table_of(rows: &str) -> String {
        format!(r#"<office:body><table:table table:name="S">{rows}</table:table></office:body>"#)
    }

    #[test]
    fn ranges_span_what_calamine_keeps() {
        // A 2 × 3 block of values and one formula; LibreOffice's trailing empty rows and columns
        // (repeated a million times) do not count.
        let rows = concat!(
            r#"<table:table-row><table:table-cell office:value="1"/><table:table-cell table:number-columns-repeated="2" office:value-type="string"><text:p>x</text:p></table:table-cell><table:table-cell table:number-columns-repeated="1000"/></table:table-row>"#,
            r#"<table:table-row><table:table-cell table:formula="of:=1" office:value="1"/></table:table-row>"#,
            r#"<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#,
        );
        let (outcome, kept) = run(&table_of(rows));
        assert!(outcome.is_ok(), "{outcome:?}");
        assert_eq!(kept, 2 * 3 + 1);
    }

    #[test]
    fn repeats_that_span_too_much_are_refused() {
        let rows = concat!(
            r#"<table:table-row><table:table-cell office:value="1"/></table:table-row>"#,
            r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell/></table:table-row>"#,
            r#"<table:table-row><table:table-cell table:number-columns-repeated="100"/><table:table-cell office:value="1"/></table:table-row>"#,
        );
        let (outcome, _) = run(&table_of(rows));
        assert_eq!(outcome.map_err(|e| e.code()), Err("unusable_sheet"));
    }

    #[test]
    fn long_text_is_refused_before_it_is_built() {
        let rows = r#"<table:table-row><table:table-cell office:value-type="string"><text:p><text:s text:c="9999999999999"/></text:p></table:table-cell></table:table-row>"#;
        let (outcome, _) = run(&table_of(rows));
        assert_eq!(outcome.map_err(|e| e.code()), Err("unusable_sheet"));
    }

    #[test]
    fn a_table_without_end_is_damaged() {
        let (outcome, _) = run(r#"<table:table table:name="S"><table:table-row>"#);
        // calamine errors inside the row: it stops.
        assert!(outcome.is_ok());
        let (outcome, _) = run(r#"<table:table table:name="S">"#);
        assert_eq!(outcome.map_err(|e| e.code()), Err("unreadable_file"));
    }

    #[test]
    fn spans_follow_get_range() {
        let mut s = Span::default();
        s.push(0, 3, None, 0);
        s.push(1, 2, Some((4, 6)), 10);
        s.push(2, 5, None, 0);
        s.push(3, 1, Some((2, 2)), 1);
        s.push(4, 9, None, 0);
        assert_eq!((s.rows, s.width(), s.elements), (8, 5, 3));
        assert_eq!(s.cells(), 40);
        assert_eq!(s.text, 21);
    }
}

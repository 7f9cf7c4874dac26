//! The look and the merged ranges of an `.ods` template, which calamine does not expose.
//!
//! An OpenDocument spreadsheet is a zip package. Its `content.xml` holds the automatic styles
//! (`office:automatic-styles`: the `ce…` cell styles, `co…` column styles, `ro…` row styles,
//! `ta…` table styles and number styles) and then the tables (`office:body`); `styles.xml`
//! holds the named cell styles (`office:styles`, `Default` and those a user made), the default
//! cell style (`style:default-style` of family `table-cell`), number styles LibreOffice keeps
//! there, and the page setup (`style:page-layout`, reached from a table style through its
//! `style:master-page`). Both parts are read once each, streamed with quick-xml; no DOM is built.
//!
//! Format facts relied on (ODF 1.2/1.3, part 1):
//!
//! - A `table:table-row` is repeated `table:number-rows-repeated` times and a `table:table-cell`
//!   or `table:covered-table-cell` `table:number-columns-repeated` times; both are counted
//!   arithmetically, never expanded (LibreOffice ends every table with a million empty rows
//!   written as one element). Rows and columns past Excel's last (1,048,576 × 16,384) are cut.
//! - A merged range is a `table:table-cell` with `table:number-columns-spanned` and
//!   `table:number-rows-spanned`; the cells it covers are `table:covered-table-cell`s, which
//!   take their places (and keep their own style, as Excel keeps theirs).
//! - A cell's style is its `table:style-name`, else its column's
//!   `table:default-cell-style-name`, else its row's, else `Default`. A style inherits its
//!   `style:parent-style-name`'s properties, and every style those of the `style:default-style`.
//!   The properties are in `style:text-properties` (font), `style:table-cell-properties` (fill,
//!   borders, wrap, vertical alignment, rotation, protection) and `style:paragraph-properties`
//!   (horizontal alignment); `style:data-style-name` names the number style.
//! - Number styles (`number:number-style`, `number:currency-style`, `number:percentage-style`,
//!   `number:date-style`, `number:time-style`, `number:text-style`) are lists of parts
//!   (`number:number`, `number:year`, `number:text`, …) turned here into Excel format codes;
//!   `style:map` with `value()>=0`, `value()<0`, `value()=0` gives Excel's sections.
//! - Column widths (`style:column-width`) and row heights (`style:row-height`, unless
//!   `style:use-optimal-row-height` says the row fits its content) are lengths (`2.258cm`,
//!   `0.889in`, `64.01pt`). A width becomes Excel characters so that the column keeps its width
//!   on screen: `pixels = inches × 96` and `characters = pixels / 7`, 7 pixels being the widest
//!   digit of the return's default font (Calibri 11); the renderer turns characters back into
//!   pixels the same way. LibreOffice's own export divides by the digit width of the template's
//!   font as it renders on the machine, so the same `.ods` gives other characters on machines
//!   with other fonts; the pixels are what the user saw.
//! - Print ranges are the table's `table:print-ranges`; rows repeated on every page are those
//!   inside `table:table-header-rows` (columns: `table:table-header-columns`).
//!
//! The palette has one [`Style`](calamine::Style) per distinct style met, `Default` first
//! (id 0), so the renderer uses it exactly as it uses the palette calamine gives for `.xlsx`.

mod cell_style;
#[cfg(test)]
mod fixtures;
mod number_format;
mod package;
mod page;
mod part_styles;
mod tables;
mod units;

use std::collections::HashMap;
use std::io::Cursor;

use cell_style::Palette;
use package::with_part;
use part_styles::{prelude, PartKind, Styles};
use tables::body;

use super::look::{BookLook, LookError};
use super::workbook::CellRange;

/// Reads the merged ranges of every table of an `.ods`, by table name, 0-based and inclusive.
///
/// # Errors
///
/// When the package or its `content.xml` cannot be read.
pub(crate) fn merges(bytes: &[u8]) -> Result<HashMap<String, Vec<CellRange>>, LookError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))?;
    let mut styles = Styles::default();
    let tables = with_part(&mut zip, "content.xml", |reader| {
        if prelude(reader, PartKind::Content, &mut styles)? {
            body(reader, None)
        } else {
            Ok(Vec::new())
        }
    })?
    .ok_or_else(|| LookError("no content.xml".into()))?;
    Ok(tables
        .into_iter()
        .map(|mut t| {
            t.merges.sort();
            t.merges.dedup();
            (t.name, t.merges)
        })
        .collect())
}

/// Reads the look of an `.ods` template from its bytes: the palette of its cell styles, each
/// table's widths, heights, styled cells and page setup, and its print ranges.
///
/// # Errors
///
/// When the package, its `styles.xml` or its `content.xml` cannot be read; the renderer then
/// keeps values and formulas only.
pub(crate) fn read(bytes: &[u8]) -> Result<BookLook, LookError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))?;
    let mut styles = Styles::default();
    with_part(&mut zip, "styles.xml", |reader| {
        prelude(reader, PartKind::Styles, &mut styles).map(|_| ())
    })?;
    let mut palette = Vec::new();
    let tables = with_part(&mut zip, "content.xml", |reader| {
        if !prelude(reader, PartKind::Content, &mut styles)? {
            return Ok(Vec::new());
        }
        let mut p = Palette::new(&styles);
        let tables = body(reader, Some(&mut p))?;
        palette = p.list;
        Ok(tables)
    })?
    .ok_or_else(|| LookError("no content.xml".into()))?;

    let mut look = BookLook {
        styles: palette,
        ..BookLook::default()
    };
    for mut table in tables {
        if let Some(page) = table
            .style
            .as_deref()
            .and_then(|s| styles.tables.get(s))
            .and_then(|master| styles.master_pages.get(master))
        {
            if let Some(layout) = styles.page_layouts.get(&page.layout) {
                layout.apply(page, &mut table.look);
            }
        }
        if table.print.area.is_some() || table.print.titles.is_some() {
            look.print.insert(table.name.clone(), table.print);
        }
        look.sheets.insert(table.name, table.look);
    }
    Ok(look)
}

#[cfg(test)]
mod tests {
    use super::fixtures::{content, package};
    use super::tables::COLUMNS;
    use super::*;

    #[test]
    fn damaged_packages_are_errors_not_panics() -> Result<(), LookError> {
        assert!(read(b"not a zip").is_err());
        assert!(merges(b"PK\x03\x04").is_err());
        // No content.xml.
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("mimetype", zip::write::SimpleFileOptions::default())?;
        let bytes = zip.finish()?.into_inner();
        assert!(read(&bytes).is_err());
        // content.xml ending inside a table, a row, or broken XML.
        for broken in [
            content("", "<table:table table:name=\"S\"><table:table-row>"),
            r##"<office:document-content><office:body><office:spreadsheet><table:table table:name="S">"##
                .to_string(),
            r##"<office:document-content><office:body><table:table table:name="S"><table:table-row><table:table-cell <"##
                .to_string(),
        ] {
            let bytes = package(&broken, "")?;
            assert!(read(&bytes).is_err(), "{broken}");
            assert!(merges(&bytes).is_err(), "{broken}");
        }
        // Nonsense counts and styles are read as ones and defaults.
        let odd = content(
            r##"<style:style style:name="ce1" style:family="table-cell" style:parent-style-name="nowhere" style:data-style-name="nowhere"><style:text-properties fo:font-size="huge" fo:font-weight="900"/><style:table-cell-properties fo:border="a b c" fo:background-color="#zzzzzz"/></style:style>"##,
            r##"<table:table table:name="S"><table:table-row table:number-rows-repeated="-5"><table:table-cell table:style-name="ce1" table:number-columns-repeated="99999999999999999999999" table:number-columns-spanned="0" office:value-type="float"/></table:table-row></table:table>"##,
        );
        let look = read(&package(&odd, "")?)?;
        let sheet = look.sheets.get("S").ok_or("no sheet")?;
        assert_eq!(sheet.cells.len(), COLUMNS as usize);
        Ok(())
    }
}

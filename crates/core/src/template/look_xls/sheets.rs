//! The worksheets: each sheet's records from its BOF to its EOF, read into the widths,
//! heights, cell styles, panes and page setup of its look.

use super::styles::StyleIds;
use super::LAST_COL;
use crate::sheet_bounds::xls::{u16_at, Next, Record, SheetWalk};
use crate::template::look::{ColumnLook, LookError, RowLook, SheetLook, MAX_STYLED_CELLS};

/// The most column ranges and rows kept per sheet.
const MAX_COLUMNS: usize = 16_384;
const MAX_ROWS: usize = 200_000;

/// Reads one sheet's records from its BOF to its EOF; `None` for a chart or macro sheet.
/// `walked` counts the bytes read over all sheets.
pub(super) fn sheet_look(
    stream: &[u8],
    ids: &StyleIds,
    walked: &mut usize,
) -> Result<Option<SheetLook>, LookError> {
    let mut look = SheetLook {
        grid_lines: true,
        ..SheetLook::default()
    };
    let mut page = Page::default();
    let mut records = SheetWalk::new(stream);
    let mut first = true;
    loop {
        let r = match records.next() {
            Next::Record(r) => r,
            Next::End => break,
            Next::Broken => return Err(LookError("a record of a sheet is cut short".into())),
        };
        if first {
            first = false;
            // BOF: 0x0010 is a worksheet (MS-XLS BOF, `dt`).
            if r.typ != 0x0809 || u16_at(r.data, 2) != Some(0x0010) {
                *walked = walked.saturating_add(records.read());
                return Ok(None);
            }
            continue;
        }
        sheet_record(&r, ids, &mut look, &mut page);
    }
    *walked = walked.saturating_add(records.read());
    page.finish(&mut look);
    look.cells.sort_by_key(|&(r, c, _)| (r, c));
    look.cells.dedup_by_key(|&mut (r, c, _)| (r, c));
    look.rows.sort_by_key(|r| r.row);
    look.rows.dedup_by_key(|r| r.row);
    Ok(Some(look))
}

/// What several records of a sheet say together, settled at its EOF.
#[derive(Debug, Default)]
struct Page {
    frozen: bool,
    pane: Option<(u32, u32)>,
    zoom_window: Option<u16>,
    zoom_scl: Option<u16>,
    fit_to_page: bool,
    fit: Option<(u16, u16)>,
    /// Left, right, top, bottom.
    margins: [Option<f64>; 4],
    header_footer: Option<(f64, f64)>,
}

impl Page {
    fn finish(self, look: &mut SheetLook) {
        if self.frozen {
            look.freeze = self.pane.filter(|&(r, c)| r > 0 || c > 0);
        }
        look.zoom = self
            .zoom_scl
            .or(self.zoom_window)
            .filter(|z| (10..=400).contains(z));
        if self.fit_to_page {
            look.fit_to_pages = Some(self.fit.unwrap_or((1, 1)));
        }
        if self.margins.iter().any(Option::is_some) {
            // Excel 97's margins where a sheet leaves one out (MS-XLS LeftMargin and its
            // siblings; Setup for the header and footer).
            let [l, r, t, b] = self.margins;
            let (h, f) = self.header_footer.unwrap_or((0.5, 0.5));
            look.margins = Some([
                l.unwrap_or(0.75),
                r.unwrap_or(0.75),
                t.unwrap_or(1.0),
                b.unwrap_or(1.0),
                h,
                f,
            ]);
        }
    }
}

/// A margin in inches, if it is one a page can have.
fn margin(data: &[u8], at: usize) -> Option<f64> {
    let bytes: [u8; 8] = data.get(at..at + 8)?.try_into().ok()?;
    Some(f64::from_le_bytes(bytes)).filter(|m| m.is_finite() && (0.0..49.0).contains(m))
}

/// Reads one record of a sheet into its look; a record too short for its fields is skipped.
fn sheet_record(r: &Record<'_>, ids: &StyleIds, look: &mut SheetLook, page: &mut Page) {
    let data = r.data;
    let mut cell = |row: u16, col: u16, ixfe: u16| {
        let style = ids.id(ixfe);
        if style > 0 && look.cells.len() < MAX_STYLED_CELLS {
            look.cells.push((u32::from(row), u32::from(col), style));
        }
    };
    match r.typ {
        // Cells: row, column, XF index, then the value.
        0x0201 | 0x0203 | 0x0204 | 0x00FD | 0x00D6 | 0x027E | 0x0205 | 0x0006 => {
            if let (Some(row), Some(col), Some(ixfe)) =
                (u16_at(data, 0), u16_at(data, 2), u16_at(data, 4))
            {
                cell(row, col, ixfe);
            }
        }
        // MulBlank: row, first column, one XF index per cell, last column.
        0x00BE => {
            if let (Some(row), Some(first)) = (u16_at(data, 0), u16_at(data, 2)) {
                let list = data.get(4..data.len().saturating_sub(2)).unwrap_or(&[]);
                for (k, ixfe) in list.chunks_exact(2).enumerate() {
                    let Some(col) = u16::try_from(k).ok().and_then(|k| first.checked_add(k)) else {
                        break;
                    };
                    cell(row, col, u16::from_le_bytes([ixfe[0], ixfe[1]]));
                }
            }
        }
        // MulRk: row, first column, an XF index and an RK number per cell, last column.
        0x00BD => {
            if let (Some(row), Some(first)) = (u16_at(data, 0), u16_at(data, 2)) {
                let list = data.get(4..data.len().saturating_sub(2)).unwrap_or(&[]);
                for (k, rk) in list.chunks_exact(6).enumerate() {
                    let Some(col) = u16::try_from(k).ok().and_then(|k| first.checked_add(k)) else {
                        break;
                    };
                    cell(row, col, u16::from_le_bytes([rk[0], rk[1]]));
                }
            }
        }
        // Row: row, first and last column, height, reserved, flags, XF index.
        0x0208 => {
            let (Some(row), Some(height), Some(flags), Some(xf)) = (
                u16_at(data, 0),
                u16_at(data, 6),
                u16_at(data, 12),
                u16_at(data, 14),
            ) else {
                return;
            };
            let height = (flags & 0x0040 != 0)
                .then(|| f64::from(height & 0x7FFF) / 20.0)
                .filter(|h| (0.0..=409.5).contains(h));
            let hidden = flags & 0x0020 != 0;
            let style = (flags & 0x0080 != 0)
                .then(|| ids.id(xf & 0x0FFF))
                .filter(|s| *s > 0);
            if (height.is_some() || hidden || style.is_some()) && look.rows.len() < MAX_ROWS {
                look.rows.push(RowLook {
                    row: u32::from(row),
                    height,
                    hidden,
                    style,
                });
            }
        }
        // ColInfo: first and last column, width in 1/256 of a character, XF index, flags.
        0x007D => {
            let (Some(first), Some(last), Some(width), Some(xf), Some(flags)) = (
                u16_at(data, 0),
                u16_at(data, 2),
                u16_at(data, 4),
                u16_at(data, 6),
                u16_at(data, 8),
            ) else {
                return;
            };
            // Excel and LibreOffice end the last range at 256, one past the last column.
            let last = last.min(LAST_COL);
            if first <= last && look.columns.len() < MAX_COLUMNS {
                look.columns.push(ColumnLook {
                    first: u32::from(first),
                    last: u32::from(last),
                    width: Some(f64::from(width) / 256.0),
                    hidden: flags & 0x0001 != 0,
                    style: Some(ids.id(xf)).filter(|s| *s > 0),
                });
            }
        }
        // StandardWidth: the default width in 1/256 of a character, padding included; it
        // wins over DefColWidth.
        0x0099 => {
            if let Some(width) = u16_at(data, 0) {
                look.default_col_width = Some(f64::from(width) / 256.0);
            }
        }
        // DefColWidth: the default width in characters without the padding. Excel adds 5
        // pixels of padding to the digits' width and rounds up to a multiple of 8 pixels
        // (ECMA-376 `baseColWidth`), with the 7-pixel digit the renderer assumes.
        // Eight is every program's default (64 pixels), which the return keeps.
        0x0055 => {
            if let Some(chars) = u16_at(data, 0).filter(|c| *c != 8) {
                if look.default_col_width.is_none() {
                    let pixels = (u32::from(chars) * 7 + 5).div_ceil(8) * 8;
                    look.default_col_width = Some(f64::from(pixels) / 7.0);
                }
            }
        }
        // DefaultRowHeight: flags (set by hand, hidden), height in twips.
        0x0225 => {
            if let (Some(flags), Some(height)) = (u16_at(data, 0), u16_at(data, 2)) {
                if flags & 0x0003 == 0x0001 {
                    look.default_row_height =
                        Some(f64::from(height) / 20.0).filter(|h| (0.0..=409.5).contains(h));
                }
            }
        }
        // Window2: flags (grid lines, frozen), …, the zoom of the normal view.
        0x023E => {
            if let Some(flags) = u16_at(data, 0) {
                look.grid_lines = flags & 0x0002 != 0;
                page.frozen = flags & 0x0008 != 0;
            }
            page.zoom_window = u16_at(data, 12).filter(|z| *z > 0);
        }
        // Pane: the columns and rows left of and above the split.
        0x0041 => {
            if let (Some(cols), Some(rows)) = (u16_at(data, 0), u16_at(data, 2)) {
                page.pane = Some((u32::from(rows), u32::from(cols)));
            }
        }
        // Scl: the zoom as a fraction.
        0x00A0 => {
            if let (Some(num), Some(den)) = (u16_at(data, 0), u16_at(data, 2)) {
                page.zoom_scl = (u32::from(num) * 100)
                    .checked_div(u32::from(den))
                    .and_then(|z| u16::try_from(z).ok());
            }
        }
        // Setup: paper, scale, first page, fit width and height, flags, …, header and footer
        // margins.
        0x00A1 => {
            let (Some(paper), Some(wide), Some(tall), Some(flags)) = (
                u16_at(data, 0),
                u16_at(data, 6),
                u16_at(data, 8),
                u16_at(data, 10),
            ) else {
                return;
            };
            // fNoPls: paper and orientation are not set; fNoOrient: portrait.
            let set = flags & 0x0004 == 0;
            look.landscape = set && flags & 0x0002 == 0 && flags & 0x0040 == 0;
            look.paper_size = u8::try_from(paper).ok().filter(|p| set && *p > 0);
            page.fit = Some((wide, tall));
            if let (Some(h), Some(f)) = (margin(data, 16), margin(data, 24)) {
                page.header_footer = Some((h, f));
            }
        }
        // WsBool: bit 8 is fFitToPage.
        0x0081 => {
            if let Some(flags) = u16_at(data, 0) {
                page.fit_to_page = flags & 0x0100 != 0;
            }
        }
        0x0026..=0x0029 => {
            if let Some(slot) = page.margins.get_mut(usize::from(r.typ - 0x0026)) {
                *slot = margin(data, 0);
            }
        }
        0x0083 => look.center_horizontally = u16_at(data, 0).is_some_and(|v| v != 0),
        0x0084 => look.center_vertically = u16_at(data, 0).is_some_and(|v| v != 0),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_streams::{bof, read_sheet, record, sheet, words};
    use super::*;

    #[test]
    fn sheets_give_widths_heights_and_cell_styles() -> Result<(), LookError> {
        let f64s = |v: f64| v.to_le_bytes().to_vec();
        let mut setup = words(&[9, 100, 1, 1, 0, 0x0000, 300, 300]);
        setup.extend(f64s(0.3));
        setup.extend(f64s(0.25));
        setup.extend(words(&[1]));
        let mut embedded = bof(0x0020);
        embedded.extend(record(0x0203, &words(&[40, 40, 30, 0, 0, 0, 0])));
        embedded.extend(record(0x000A, &[]));
        let stream = sheet(&[
            record(0x0225, &words(&[0x0001, 360])),
            record(0x0081, &words(&[0x04C1 | 0x0100])),
            record(0x0083, &words(&[1])),
            record(0x0026, &f64s(0.5)),
            record(0x0029, &f64s(0.6)),
            record(0x00A1, &setup),
            record(0x0055, &words(&[8])),
            record(0x007D, &words(&[0, 0, 22 * 256, 15, 0, 0])),
            record(0x007D, &words(&[2, 3, 3200, 20, 0x0001, 0])),
            record(0x007D, &words(&[4, 0x0100, 2186, 15, 0])),
            record(0x007D, &words(&[5, 4, 2186, 15, 0, 0])),
            record(0x007D, &words(&[6, 6])),
            record(0x0208, &words(&[0, 0, 3, 555, 0, 0, 0x0140, 15])),
            record(0x0208, &words(&[1, 0, 3, 300, 0, 0, 0x0100, 15])),
            record(0x0208, &words(&[2, 0, 3, 300, 0, 0, 0x01A0, 21])),
            record(0x0208, &words(&[3, 0, 3])),
            record(0x00FD, &words(&[0, 0, 21, 0, 0])),
            record(0x0201, &words(&[0, 1, 15])),
            record(0x00BE, &words(&[1, 0, 22, 15, 0, 2])),
            record(0x00BD, &words(&[2, 1, 23, 0, 0, 24, 0, 0, 2])),
            record(0x0006, &words(&[3, 2, 25, 0, 0, 0, 0, 0, 0, 0])),
            record(0x0203, &words(&[3])),
            embedded,
            record(
                0x023E,
                &words(&[0x06B4 | 0x0008, 0, 0, 0x40, 0, 60, 85, 0, 0]),
            ),
            record(0x00A0, &words(&[3, 4])),
            record(0x0041, &words(&[1, 3, 3, 1, 0])),
        ]);
        let look = read_sheet(&stream)?;
        assert_eq!(
            look.columns,
            vec![
                ColumnLook {
                    first: 0,
                    last: 0,
                    width: Some(22.0),
                    hidden: false,
                    style: None
                },
                ColumnLook {
                    first: 2,
                    last: 3,
                    width: Some(12.5),
                    hidden: true,
                    style: Some(20)
                },
                ColumnLook {
                    first: 4,
                    last: 255,
                    width: Some(2186.0 / 256.0),
                    hidden: false,
                    style: None
                },
            ],
            "a range ending past the last column is cut; a backwards or short one is skipped"
        );
        assert_eq!(
            look.default_col_width, None,
            "eight characters is the default"
        );
        assert_eq!(look.default_row_height, Some(18.0));
        assert_eq!(
            look.rows,
            vec![
                RowLook {
                    row: 0,
                    height: Some(27.75),
                    hidden: false,
                    style: None
                },
                RowLook {
                    row: 2,
                    height: None,
                    hidden: true,
                    style: Some(21)
                },
            ]
        );
        assert_eq!(
            look.cells,
            vec![
                (0, 0, 21),
                (1, 0, 22),
                (1, 2, 15),
                (2, 1, 23),
                (2, 2, 24),
                (3, 2, 25)
            ],
            "default cells are left out, XF 0 takes the default's id, and the embedded \
             chart's cell is not the sheet's"
        );
        assert!(!look.grid_lines);
        assert_eq!(look.freeze, Some((3, 1)));
        assert_eq!(look.zoom, Some(75), "Scl wins over Window2");
        assert!(look.landscape);
        assert_eq!(look.paper_size, Some(9));
        assert_eq!(look.fit_to_pages, Some((1, 0)));
        assert_eq!(look.margins, Some([0.5, 0.75, 1.0, 0.6, 0.3, 0.25]));
        assert!(look.center_horizontally && !look.center_vertically);
        Ok(())
    }

    #[test]
    fn a_plain_sheet_keeps_the_defaults() -> Result<(), LookError> {
        let mut setup = words(&[0, 100, 1, 1, 1, 0x0004, 300, 300]);
        setup.extend([0u8; 18]);
        let look = read_sheet(&sheet(&[
            record(0x0055, &words(&[10])),
            record(0x0225, &words(&[0x0000, 270])),
            record(0x023E, &words(&[0x06B6, 0, 0, 0x40, 0, 0, 0, 0, 0])),
            // A Pane without the frozen flag is a split, which the return does not keep.
            record(0x0041, &words(&[1, 3, 3, 1, 0])),
            record(0x00A1, &setup),
        ]))?;
        assert!(look.grid_lines);
        assert_eq!(look.freeze, None);
        assert_eq!(look.zoom, None);
        assert!(!look.landscape, "fNoPls: the orientation is not set");
        assert_eq!(look.paper_size, None);
        assert_eq!(look.fit_to_pages, None);
        assert_eq!(look.margins, None);
        assert_eq!(look.default_row_height, None);
        // Ten characters and the padding, 75 pixels, rounded up to 80.
        assert_eq!(look.default_col_width, Some(80.0 / 7.0));
        // StandardWidth wins over DefColWidth, whichever comes first.
        let look = read_sheet(&sheet(&[
            record(0x0099, &words(&[9 * 256 + 128])),
            record(0x0055, &words(&[10])),
        ]))?;
        assert_eq!(look.default_col_width, Some(9.5));
        Ok(())
    }

    #[test]
    fn charts_and_macro_sheets_have_no_look() -> Result<(), LookError> {
        let mut walked = 0;
        let ids = StyleIds::new(16);
        let mut chart = bof(0x0020);
        chart.extend(record(0x000A, &[]));
        assert_eq!(sheet_look(&chart, &ids, &mut walked)?, None);
        assert_eq!(
            sheet_look(&record(0x0203, &[0; 14]), &ids, &mut walked)?,
            None
        );
        Ok(())
    }
}

//! The look of an `.xls` template, read from its BIFF8 `Workbook` stream (MS-XLS), so a return
//! rendered from the form a county saved with WPS or an old Excel looks like that form.
//!
//! calamine 0.38 reads the styles of `.xlsx` only. The stream is got with calamine's own rules
//! ([`crate::sheet_bounds::cfb`]) and walked record by record ([`crate::sheet_bounds::xls`]):
//! the workbook globals up to their EOF, then each worksheet from the offset its BoundSheet8
//! record gives (chart and macro sheets are skipped). What is read, by MS-XLS section:
//!
//! | record | what it gives |
//! |---|---|
//! | Font 0x0031 | height in twips, italic, strike-out, colour index, weight (bold from 700), underline, family, name; the fifth font does not exist, so font index 4 is never used and indexes above it name the record before |
//! | Format 0x041E | the code of a number format id; ids without a record are the built-in formats, those of a Chinese Excel here (IFmt) |
//! | XF 0x00E0 | font, number format, protection, alignment (HorizAlign, VertAlign, wrap, rotation, indent, shrink), borders (BorderStyle per side, colour indexes, diagonals) and fill (FillPattern, fore and back colour indexes) |
//! | Palette 0x0092 | the colours of indexes 8–63, replacing the default palette (ICV) |
//! | Lbl 0x0018 | the built-in names Print_Area (code 6) and Print_Titles (code 7), scoped to a sheet by `itab`, decoded from their parsed formula (PtgArea3d, PtgRef3d, PtgMemFunc with PtgUnion) |
//! | ColInfo 0x007D, DefColWidth 0x0055, StandardWidth 0x0099 | column widths in 1/256 of a character, hidden columns, column styles, the default width |
//! | Row 0x0208, DefaultRowHeight 0x0225 | heights in twips when set by hand (`fUnsynced`), hidden rows (`fDyZero`), row styles (`fGhostDirty`) |
//! | Blank, MulBlank, Number, Label, LabelSst, RString, RK, MulRk, BoolErr, Formula | each cell's XF index |
//! | Window2 0x023E, Pane 0x0041, Scl 0x00A0 | grid lines, frozen panes, zoom |
//! | Setup 0x00A1, WsBool 0x0081, Left/Right/Top/BottomMargin 0x0026–0x0029, HCenter 0x0083, VCenter 0x0084 | paper, orientation, fit to pages, margins, centring |
//!
//! Style ids are XF indexes, except that the default cell XF (15, the first cell XF Excel
//! writes) takes id 0, which the renderer treats as "no style", and XF 0 takes its id. Excel and
//! LibreOffice store every attribute of a cell XF in full, whatever its `fAtr` bits say, so the
//! parent style XF is not consulted.
//!
//! A damaged stream, or a damaged record of the globals (a short Font or XF would shift every
//! index after it), is an error: the renderer then keeps values and formulas. A damaged record
//! of a sheet is skipped. Files older than Excel 97 (BIFF5 and before) have no look read here.
//!
//! The globals' records are decoded in `globals` (with the print names in `print_names`), the
//! XFs become calamine styles in `styles` (their number formats in `number_formats`), and each
//! worksheet's records are read in `sheets`.

mod globals;
mod number_formats;
mod print_names;
mod sheets;
mod styles;
#[cfg(test)]
mod test_streams;

use std::io::Cursor;

use super::look::{BookLook, LookError};
use crate::sheet_bounds::cfb::{self, Fault};
use globals::globals;
use print_names::PrintKind;
use sheets::sheet_look;
use styles::StyleIds;

/// The last row and column of a BIFF8 sheet.
const LAST_ROW: u16 = 0xFFFF;
const LAST_COL: u16 = 0x00FF;

/// Reads the look of an `.xls` template from its bytes; `None` for files older than Excel 97,
/// whose records are laid out otherwise.
///
/// # Errors
///
/// A [`LookError`] saying what is damaged.
pub(crate) fn read(bytes: &[u8]) -> Result<Option<BookLook>, LookError> {
    let stream = match cfb::workbook_stream(&mut Cursor::new(bytes)) {
        Ok(Some(stream)) => stream,
        Ok(None) => return Err(LookError("the file has no Workbook stream".into())),
        Err(Fault::Fails) => return Err(LookError("the compound file is damaged".into())),
        Err(Fault::Loops) => {
            return Err(LookError(
                "the compound file's sectors run in a loop".into(),
            ))
        }
    };
    book_look(&stream)
}

/// Reads the look from the `Workbook` stream.
fn book_look(stream: &[u8]) -> Result<Option<BookLook>, LookError> {
    let Some(globals) = globals(stream)? else {
        return Ok(None);
    };
    let ids = StyleIds::new(globals.xfs.len());
    let mut look = BookLook {
        styles: ids.palette(&globals),
        ..BookLook::default()
    };
    // Sheets are disjoint runs of the stream: offsets that point many sheets at the same
    // records would have them read over and over.
    let mut walked = 0usize;
    for (offset, name) in &globals.sheets {
        let part = stream
            .get(*offset..)
            .ok_or_else(|| LookError(format!("sheet {name} starts past the end of the file")))?;
        if let Some(sheet) = sheet_look(part, &ids, &mut walked)? {
            look.sheets.insert(name.clone(), sheet);
        }
        if walked > stream.len() {
            return Err(LookError("the sheets' records overlap".into()));
        }
    }
    for name in globals.names {
        let Some((_, sheet)) = name
            .sheet
            .checked_sub(1)
            .and_then(|i| globals.sheets.get(usize::from(i)))
        else {
            continue;
        };
        let prefix = format!("'{}'!", sheet.replace('\'', "''"));
        let text = name
            .areas
            .iter()
            .map(|a| format!("{prefix}{a}"))
            .collect::<Vec<_>>()
            .join(",");
        let entry = look.print.entry(sheet.clone()).or_default();
        let slot = match name.kind {
            PrintKind::Area => &mut entry.area,
            PrintKind::Titles => &mut entry.titles,
        };
        // A built-in name comes first; a later plain `_xlnm.` name with the same meaning does
        // not replace it.
        if slot.is_none() {
            *slot = Some(text);
        }
    }
    Ok(Some(look))
}

#[cfg(test)]
mod tests {
    use calamine::Font;

    use super::test_streams::{
        area3d, bof, font, globals_with, name, read_sheet, record, sheet, words, xf,
    };
    use super::*;

    /// A whole stream: globals naming two worksheets and a print area, then the sheets.
    fn book(second_sheet: &[Vec<u8>]) -> Vec<u8> {
        let boundsheet = |offset: usize, name: &str| {
            let mut d = u32::try_from(offset).unwrap_or(0).to_le_bytes().to_vec();
            d.extend([0, 0, u8::try_from(name.len()).unwrap_or(0), 0]);
            d.extend(name.bytes());
            record(0x0085, &d)
        };
        // The offsets are patched once the globals' length is known.
        let names = [
            name(6, 1, &area3d((0, 19), (0, 5))),
            name(7, 2, &area3d((0, 1), (0, 0xFF))),
        ];
        let first = sheet(&[record(0x0201, &words(&[0, 0, 16]))]);
        let second = sheet(second_sheet);
        let globals_len = globals_with(&[xf(1, 0, 0x20, 0, 0, 0)], &[]).len()
            + boundsheet(0, "S'1").len()
            + boundsheet(0, "Two").len()
            + names.iter().map(|n| record(0x0018, n).len()).sum::<usize>();
        let mut more = vec![
            boundsheet(globals_len, "S'1"),
            boundsheet(globals_len + first.len(), "Two"),
        ];
        more.extend(names.iter().map(|n| record(0x0018, n)));
        let mut stream = globals_with(&[xf(1, 0, 0x20, 0, 0, 0)], &more);
        assert_eq!(stream.len(), globals_len);
        stream.extend(first);
        stream.extend(second);
        stream
    }

    #[test]
    fn a_whole_stream_gives_each_sheet_its_look() -> Result<(), LookError> {
        let stream = book(&[record(0x0201, &words(&[1, 1, 0]))]);
        let look = book_look(&stream)?.ok_or("not BIFF8")?;
        assert_eq!(look.styles.len(), 17);
        assert!(look
            .styles
            .get(16)
            .and_then(|s| s.font.as_ref())
            .is_some_and(Font::is_bold));
        assert_eq!(
            look.sheets.get("S'1").map(|s| s.cells.clone()),
            Some(vec![(0, 0, 16)])
        );
        assert_eq!(
            look.sheets.get("Two").map(|s| s.cells.clone()),
            Some(vec![(1, 1, 15)]),
            "XF 0 takes the default's id"
        );
        let print = |sheet: &str| look.print.get(sheet).cloned().unwrap_or_default();
        assert_eq!(print("S'1").area.as_deref(), Some("'S''1'!$A$1:$F$20"));
        assert_eq!(print("Two").titles.as_deref(), Some("'Two'!$1:$2"));
        Ok(())
    }

    #[test]
    fn old_and_damaged_streams_are_told_apart() {
        // BIFF5 (Excel 95) keeps no look; a stream that does not begin with BOF is damaged.
        let mut biff5 = record(0x0809, &words(&[0x0500, 0x0005, 0, 0]));
        biff5.extend(record(0x000A, &[]));
        assert!(matches!(book_look(&biff5), Ok(None)));
        assert!(book_look(&record(0x0031, &font(200, false, 8, 400, 0, "A"))).is_err());
        // Short Font, XF and Format records shift every index after them.
        for (typ, data) in [
            (0x0031u16, vec![0u8; 12]),
            (0x00E0, vec![0; 16]),
            (0x041E, words(&[164, 10, 0])),
            (0x0092, words(&[56, 0])),
            (0x0085, vec![0; 4]),
        ] {
            let stream = globals_with(&[], &[record(typ, &data)]);
            assert!(book_look(&stream).is_err(), "{typ:#x}");
        }
        // A sheet past the end, and sheets pointing at the same records.
        let mut stream = globals_with(&[], &[]);
        stream.truncate(stream.len() - 4);
        let mut d = 1_000_000u32.to_le_bytes().to_vec();
        d.extend([0, 0, 1, 0, b'x']);
        stream.extend(record(0x0085, &d));
        stream.extend(record(0x000A, &[]));
        assert!(book_look(&stream).is_err());
        let whole = book(&[]);
        let mut twice = globals_with(&[xf(1, 0, 0x20, 0, 0, 0)], &[]);
        twice.truncate(twice.len() - 4);
        let offset = u32::try_from(twice.len() + 2 * 15 + 4).unwrap_or(0);
        for _ in 0..2 {
            let mut d = offset.to_le_bytes().to_vec();
            d.extend([0, 0, 3, 0]);
            d.extend(b"Big");
            twice.extend(record(0x0085, &d));
        }
        twice.extend(record(0x000A, &[]));
        let mut long = Vec::new();
        for k in 0..200u16 {
            long.push(record(0x0201, &words(&[k, 0, 16])));
        }
        twice.extend(sheet(&long));
        assert!(book_look(&whole).is_ok());
        assert!(
            matches!(book_look(&twice), Err(LookError(e)) if e.contains("overlap")),
            "two sheets on the same records"
        );
    }

    #[test]
    fn every_cut_of_a_stream_is_read_or_refused_without_a_panic() {
        let stream = book(&[
            record(0x007D, &words(&[0, 0, 22 * 256, 15, 0, 0])),
            record(0x0208, &words(&[0, 0, 3, 555, 0, 0, 0x01C0, 16])),
            record(0x00BE, &words(&[1, 0, 16, 16, 16, 2])),
            record(0x00BD, &words(&[2, 1, 16, 0, 0, 16, 0, 0, 2])),
            record(0x023E, &words(&[0x06BE, 0, 0, 0x40, 0, 60, 85, 0, 0])),
            record(0x0041, &words(&[1, 3, 3, 1, 0])),
        ]);
        for len in 0..stream.len() {
            let _ = book_look(&stream[..len]);
        }
        // Every record of the sheet cut to every length, in place.
        for typ in [
            0x0201u16, 0x00BE, 0x00BD, 0x0208, 0x007D, 0x0099, 0x0055, 0x0225, 0x023E, 0x0041,
            0x00A0, 0x00A1, 0x0081, 0x0026, 0x0083, 0x0006,
        ] {
            for len in 0..36 {
                let s = sheet(&[record(typ, &vec![0xFF; len])]);
                assert!(read_sheet(&s).is_ok(), "{typ:#x} cut to {len}");
            }
        }
        // Random bytes.
        let mut x: u32 = 0x1234_5678;
        for _ in 0..200 {
            let bytes: Vec<u8> = (0..300)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x.to_le_bytes()[0]
                })
                .collect();
            let _ = read(&bytes);
            let mut s = bof(0x0005);
            s.extend(&bytes);
            let _ = book_look(&s);
        }
    }
}

//! The workbook globals of a BIFF8 stream, from its BOF to the EOF before the first sheet:
//! the Font, Format, XF and Palette records every style index points into, the sheets'
//! BoundSheet8 records and the print names.

use std::collections::HashMap;

use calamine::Color;

use super::print_names::{print_name, PrintName};
use crate::sheet_bounds::xls::{bound_sheet, u16_at, u32_at, Next, Records};
use crate::template::look::LookError;

/// The most XF and Font records read: BIFF8 row records name an XF in 12 bits, and Excel stops
/// at about 4,000 of each.
const MAX_XFS: usize = 4_096;

/// A Font record.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct FontRecord {
    /// Twips.
    pub(super) height: u16,
    pub(super) italic: bool,
    pub(super) strike: bool,
    pub(super) color: u16,
    pub(super) weight: u16,
    pub(super) underline: u8,
    pub(super) family: u8,
    pub(super) name: String,
}

/// A cell or style XF record, its indexes unresolved.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(super) struct Xf {
    pub(super) font: u16,
    pub(super) format: u16,
    pub(super) locked: bool,
    pub(super) hidden: bool,
    pub(super) horizontal: u8,
    pub(super) wrap: bool,
    pub(super) vertical: u8,
    pub(super) rotation: u8,
    pub(super) indent: u8,
    pub(super) shrink: bool,
    /// Left, right, top, bottom: style and colour index.
    pub(super) sides: [(u8, u16); 4],
    /// Down (top left to bottom right), up.
    pub(super) diagonals: (bool, bool),
    pub(super) diagonal: (u8, u16),
    pub(super) pattern: u8,
    pub(super) fore: u16,
    pub(super) back: u16,
}

/// What the globals say.
#[derive(Debug, Default)]
pub(super) struct Globals {
    pub(super) fonts: Vec<FontRecord>,
    pub(super) formats: HashMap<u16, String>,
    pub(super) xfs: Vec<Xf>,
    /// Colour indexes 0–63.
    pub(super) palette: Vec<Color>,
    pub(super) sheets: Vec<(usize, String)>,
    pub(super) names: Vec<PrintName>,
}

/// Reads the workbook globals; `None` when the stream is older than BIFF8.
pub(super) fn globals(stream: &[u8]) -> Result<Option<Globals>, LookError> {
    let mut g = Globals {
        palette: default_palette(),
        ..Globals::default()
    };
    let mut records = Records::new(stream);
    let mut first = true;
    loop {
        let r = match records.next() {
            Next::Record(r) => r,
            Next::End => break,
            Next::Broken => return Err(LookError("a record of the workbook is cut short".into())),
        };
        if first {
            first = false;
            if r.typ != 0x0809 {
                return Err(LookError("the workbook does not begin with BOF".into()));
            }
            if !is_biff8(r.data) {
                return Ok(None);
            }
            continue;
        }
        let damaged = |what: &str| LookError(format!("a {what} record is damaged"));
        match r.typ {
            0x0031 => {
                let font = font_record(r.data).ok_or_else(|| damaged("Font"))?;
                if g.fonts.len() < MAX_XFS {
                    g.fonts.push(font);
                }
            }
            0x041E => {
                let (id, code) = format_record(r.data).ok_or_else(|| damaged("Format"))?;
                g.formats.insert(id, code);
            }
            0x00E0 => {
                let xf = xf_record(r.data).ok_or_else(|| damaged("XF"))?;
                if g.xfs.len() < MAX_XFS {
                    g.xfs.push(xf);
                }
            }
            0x0092 => palette_record(r.data, &mut g.palette).ok_or_else(|| damaged("Palette"))?,
            0x0085 => {
                let sheet = bound_sheet(r.data, true).ok_or_else(|| damaged("BoundSheet8"))?;
                g.sheets.push(sheet);
            }
            // A name the program cannot read is left out, as for `.xlsx`.
            0x0018 => g.names.extend(print_name(r.data)),
            0x000A => break,
            _ => {}
        }
    }
    Ok(Some(g))
}

/// Whether a BOF record starts a BIFF8 stream; the test is the one the `.xls` check makes,
/// which is calamine's.
fn is_biff8(bof: &[u8]) -> bool {
    match u16_at(bof, 0) {
        Some(0x0200 | 0x0002 | 0x0007 | 0x0300 | 0x0400 | 0x0500) | None => false,
        Some(0) => u16_at(bof, 2).unwrap_or(0) != 0x1000,
        Some(_) => true,
    }
}

/// A ShortXLUnicodeString's or XLUnicodeString's characters: `count` of them after a flags
/// byte whose bit 0 says they take two bytes (UTF-16) rather than one (Latin-1). `None` when
/// the bytes run short.
pub(super) fn characters(bytes: &[u8], count: usize) -> Option<String> {
    let wide = *bytes.first()? & 1 != 0;
    let chars = bytes.get(1..)?;
    if wide {
        let units = chars.get(..count.checked_mul(2)?)?;
        let units = units
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c.get(1).copied().unwrap_or(0)]));
        Some(
            char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect(),
        )
    } else {
        Some(chars.get(..count)?.iter().map(|&b| char::from(b)).collect())
    }
}

/// Font (MS-XLS, Font).
fn font_record(data: &[u8]) -> Option<FontRecord> {
    let grbit = u16_at(data, 2)?;
    let count = usize::from(*data.get(14)?);
    Some(FontRecord {
        height: u16_at(data, 0)?,
        italic: grbit & 0x0002 != 0,
        strike: grbit & 0x0008 != 0,
        color: u16_at(data, 4)?,
        weight: u16_at(data, 6)?,
        underline: *data.get(10)?,
        family: *data.get(11)?,
        name: characters(data.get(15..)?, count)?.replace('\0', ""),
    })
}

/// Format (MS-XLS, Format): a number format id and its code.
fn format_record(data: &[u8]) -> Option<(u16, String)> {
    let id = u16_at(data, 0)?;
    let count = usize::from(u16_at(data, 2)?);
    Some((id, characters(data.get(4..)?, count)?))
}

/// XF (MS-XLS, XF with CellXF and StyleXF, laid out alike).
fn xf_record(data: &[u8]) -> Option<Xf> {
    if data.len() < 20 {
        return None;
    }
    let flags = u16_at(data, 4)?;
    let align = *data.get(6)?;
    let indent = *data.get(8)?;
    let lines = u32_at(data, 10)?;
    let more = u32_at(data, 14)?;
    let fill = u16_at(data, 18)?;
    let bits = |v: u32, shift: u32, mask: u32| (v >> shift) & mask;
    // Each field is masked to a few bits, so these narrowings keep every value.
    let style = |v: u32, shift: u32| bits(v, shift, 0xF) as u8;
    let icv = |v: u32, shift: u32| bits(v, shift, 0x7F) as u16;
    Some(Xf {
        font: u16_at(data, 0)?,
        format: u16_at(data, 2)?,
        locked: flags & 0x0001 != 0,
        hidden: flags & 0x0002 != 0,
        horizontal: align & 0x07,
        wrap: align & 0x08 != 0,
        vertical: (align >> 4) & 0x07,
        rotation: *data.get(7)?,
        indent: indent & 0x0F,
        shrink: indent & 0x10 != 0,
        sides: [
            (style(lines, 0), icv(lines, 16)),
            (style(lines, 4), icv(lines, 23)),
            (style(lines, 8), icv(more, 0)),
            (style(lines, 12), icv(more, 7)),
        ],
        diagonals: (lines & (1 << 30) != 0, lines & (1 << 31) != 0),
        diagonal: (style(more, 21), icv(more, 14)),
        pattern: bits(more, 26, 0x3F) as u8,
        fore: fill & 0x7F,
        back: (fill >> 7) & 0x7F,
    })
}

/// Palette (MS-XLS, Palette): the colours of indexes 8 onwards, each as red, green, blue and a
/// byte left unused.
fn palette_record(data: &[u8], palette: &mut [Color]) -> Option<()> {
    let count = usize::from(u16_at(data, 0)?);
    let colors = data.get(2..)?;
    if colors.len() < count.checked_mul(4)? {
        return None;
    }
    for (slot, rgb) in palette
        .iter_mut()
        .skip(8)
        .zip(colors.chunks_exact(4).take(count))
    {
        *slot = Color::rgb(rgb[0], rgb[1], rgb[2]);
    }
    Some(())
}

/// The colours of indexes 0–63 before a Palette record changes 8–63 (MS-XLS, ICV: the
/// palette Excel 97 ships, which OOXML's `indexedColors` repeats).
fn default_palette() -> Vec<Color> {
    const RGB: [u32; 64] = [
        0x000000, 0xFFFFFF, 0xFF0000, 0x00FF00, 0x0000FF, 0xFFFF00, 0xFF00FF, 0x00FFFF, //
        0x000000, 0xFFFFFF, 0xFF0000, 0x00FF00, 0x0000FF, 0xFFFF00, 0xFF00FF, 0x00FFFF, //
        0x800000, 0x008000, 0x000080, 0x808000, 0x800080, 0x008080, 0xC0C0C0, 0x808080, //
        0x9999FF, 0x993366, 0xFFFFCC, 0xCCFFFF, 0x660066, 0xFF8080, 0x0066CC, 0xCCCCFF, //
        0x000080, 0xFF00FF, 0xFFFF00, 0x00FFFF, 0x800080, 0x800000, 0x008080, 0x0000FF, //
        0x00CCFF, 0xCCFFFF, 0xCCFFCC, 0xFFFF99, 0x99CCFF, 0xFF99CC, 0xCC99FF, 0xFFCC99, //
        0x3366FF, 0x33CCCC, 0x99CC00, 0xFFCC00, 0xFF9900, 0xFF6600, 0x666699, 0x969696, //
        0x003366, 0x339966, 0x003300, 0x333300, 0x993300, 0x993366, 0x333399, 0x333333, //
    ];
    RGB.iter()
        .map(|&v| {
            let [_, r, g, b] = v.to_be_bytes();
            Color::rgb(r, g, b)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_streams::{font, words};
    use super::*;

    #[test]
    fn font_records_give_every_attribute() {
        let f = font_record(&font(200, true, 10, 400, 0x21, "Arial"));
        assert_eq!(
            f,
            Some(FontRecord {
                height: 200,
                italic: true,
                strike: false,
                color: 10,
                weight: 400,
                underline: 0x21,
                family: 2,
                name: "Arial".into(),
            })
        );
        // A one-byte name (Latin-1).
        let mut latin = words(&[220, 0, 8, 700, 0]);
        latin.extend([0, 0, 0, 0, 5, 0]);
        latin.extend(b"Times");
        assert_eq!(font_record(&latin).map(|f| f.name), Some("Times".into()));
        // A name longer than the record.
        let mut cut = font(200, false, 8, 400, 0, "Calibri");
        cut.truncate(cut.len() - 1);
        assert_eq!(font_record(&cut), None);
        assert_eq!(font_record(&[0; 10]), None);
    }
}

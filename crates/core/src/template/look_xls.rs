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

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{
    Alignment, Border, BorderStyle, Borders, Color, Fill, FillPattern, Font, FontStyle, FontWeight,
    HorizontalAlignment, NumberFormat, Protection, Style, TextRotation, UnderlineStyle,
    VerticalAlignment,
};

use super::look::{BookLook, ColumnLook, LookError, RowLook, SheetLook, MAX_STYLED_CELLS};
use super::workbook::column_letters;
use crate::sheet_bounds::cfb::{self, Fault};
use crate::sheet_bounds::xls::{bound_sheet, u16_at, u32_at, Next, Record, Records};

/// The most XF and Font records read: BIFF8 row records name an XF in 12 bits, and Excel stops
/// at about 4,000 of each.
const MAX_XFS: usize = 4_096;

/// The most column ranges and rows kept per sheet.
const MAX_COLUMNS: usize = 16_384;
const MAX_ROWS: usize = 200_000;

/// The last row and column of a BIFF8 sheet.
const LAST_ROW: u16 = 0xFFFF;
const LAST_COL: u16 = 0x00FF;

/// The XF every cell without one of its own takes.
const DEFAULT_XF: u16 = 15;

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

// ---------------------------------------------------------------------------------------------
// The workbook globals.

/// A Font record.
#[derive(Debug, Clone, PartialEq)]
struct FontRecord {
    /// Twips.
    height: u16,
    italic: bool,
    strike: bool,
    color: u16,
    weight: u16,
    underline: u8,
    family: u8,
    name: String,
}

/// A cell or style XF record, its indexes unresolved.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Xf {
    font: u16,
    format: u16,
    locked: bool,
    hidden: bool,
    horizontal: u8,
    wrap: bool,
    vertical: u8,
    rotation: u8,
    indent: u8,
    shrink: bool,
    /// Left, right, top, bottom: style and colour index.
    sides: [(u8, u16); 4],
    /// Down (top left to bottom right), up.
    diagonals: (bool, bool),
    diagonal: (u8, u16),
    pattern: u8,
    fore: u16,
    back: u16,
}

/// What a print name of a sheet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PrintKind {
    Area,
    Titles,
}

/// A print name: the 1-based index of its sheet (0: the workbook) and the areas it names,
/// as `$A$1:$F$20`, `$1:$3` or `$A:$B`.
#[derive(Debug, Clone, PartialEq)]
struct PrintName {
    kind: PrintKind,
    sheet: u16,
    areas: Vec<String>,
}

/// What the globals say.
#[derive(Debug, Default)]
struct Globals {
    fonts: Vec<FontRecord>,
    formats: HashMap<u16, String>,
    xfs: Vec<Xf>,
    /// Colour indexes 0–63.
    palette: Vec<Color>,
    sheets: Vec<(usize, String)>,
    names: Vec<PrintName>,
}

/// Reads the workbook globals; `None` when the stream is older than BIFF8.
fn globals(stream: &[u8]) -> Result<Option<Globals>, LookError> {
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
fn characters(bytes: &[u8], count: usize) -> Option<String> {
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

/// Lbl (MS-XLS, Lbl): a print area or print titles of a sheet, read from the built-in
/// name's code (`fBuiltin` and a one-character name) or from a plain name spelt `_xlnm.Print_Area` as some
/// writers add beside it.
fn print_name(data: &[u8]) -> Option<PrintName> {
    let grbit = u16_at(data, 0)?;
    let count = usize::from(*data.get(3)?);
    let cce = usize::from(u16_at(data, 4)?);
    let sheet = u16_at(data, 8)?;
    let name_bytes = data.get(14..)?;
    let wide = *name_bytes.first()? & 1 != 0;
    let name = characters(name_bytes, count)?;
    let kind = if grbit & 0x0020 != 0 {
        match name.chars().next()? {
            '\u{6}' => PrintKind::Area,
            '\u{7}' => PrintKind::Titles,
            _ => return None,
        }
    } else if name.eq_ignore_ascii_case("_xlnm.Print_Area") {
        PrintKind::Area
    } else if name.eq_ignore_ascii_case("_xlnm.Print_Titles") {
        PrintKind::Titles
    } else {
        return None;
    };
    let start = 15usize.checked_add(count.checked_mul(if wide { 2 } else { 1 })?)?;
    let rgce = data.get(start..start.checked_add(cce)?)?;
    let areas = print_areas(rgce)?;
    Some(PrintName { kind, sheet, areas })
}

/// The areas a print name's parsed formula (MS-XLS, Rgce) names. Only the tokens print
/// names are made of are understood: a formula with any other is left out.
fn print_areas(rgce: &[u8]) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while let Some(&ptg) = rgce.get(at) {
        match ptg {
            // PtgArea3d (ixti, then RgceArea) and PtgArea (RgceArea), in any class.
            0x3B | 0x5B | 0x7B | 0x25 | 0x45 | 0x65 => {
                let area = if matches!(ptg, 0x3B | 0x5B | 0x7B) {
                    at + 3
                } else {
                    at + 1
                };
                let rw_first = u16_at(rgce, area)?;
                let rw_last = u16_at(rgce, area + 2)?;
                let col_first = u16_at(rgce, area + 4)? & 0x3FFF;
                let col_last = u16_at(rgce, area + 6)? & 0x3FFF;
                out.push(area_text(rw_first, rw_last, col_first, col_last));
                at = area + 8;
            }
            // PtgRef3d and PtgRef: one cell.
            0x3A | 0x5A | 0x7A | 0x24 | 0x44 | 0x64 => {
                let cell = if matches!(ptg, 0x3A | 0x5A | 0x7A) {
                    at + 3
                } else {
                    at + 1
                };
                let row = u16_at(rgce, cell)?;
                let col = u16_at(rgce, cell + 2)? & 0x3FFF;
                out.push(format!(
                    "${}${}",
                    column_letters(u32::from(col)),
                    u32::from(row) + 1
                ));
                at = cell + 4;
            }
            // PtgMemFunc and PtgMemArea open the list of a union; the tokens of the list
            // follow them in the formula.
            0x29 | 0x49 | 0x69 => at += 3,
            0x26 | 0x46 | 0x66 => at += 7,
            // PtgUnion and PtgParen join and group what is already read.
            0x10 | 0x15 => at += 1,
            _ => return None,
        }
    }
    (!out.is_empty()).then_some(out)
}

/// An area in A1 style with `$` anchors: whole rows (`$1:$3`) when it spans every column of a
/// BIFF8 sheet, whole columns (`$A:$B`) when it spans every row.
fn area_text(rw_first: u16, rw_last: u16, col_first: u16, col_last: u16) -> String {
    let all_rows = rw_first == 0 && rw_last == LAST_ROW;
    let all_cols = col_first == 0 && col_last >= LAST_COL;
    let (r1, r2) = (u32::from(rw_first) + 1, u32::from(rw_last) + 1);
    let (c1, c2) = (
        column_letters(u32::from(col_first)),
        column_letters(u32::from(col_last)),
    );
    match (all_rows, all_cols) {
        (false, true) => format!("${r1}:${r2}"),
        (true, false) => format!("${c1}:${c2}"),
        _ => format!("${c1}${r1}:${c2}${r2}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Styles.

/// How XF indexes become style ids: the default cell XF and XF 0 trade places, so that id 0,
/// which the renderer writes as "no style", is the look of cells without one of their own.
#[derive(Debug, Clone, Copy)]
struct StyleIds {
    default: u16,
    count: usize,
}

impl StyleIds {
    fn new(count: usize) -> Self {
        // A stream with fewer XFs than Excel always writes has no XF 15: its first is the
        // default.
        let default = if count > usize::from(DEFAULT_XF) {
            DEFAULT_XF
        } else {
            0
        };
        StyleIds { default, count }
    }

    /// The style id of XF `ixfe`; 0 for the default and for an XF the stream does not have.
    fn id(&self, ixfe: u16) -> u32 {
        if usize::from(ixfe) >= self.count || ixfe == self.default {
            0
        } else if ixfe == 0 {
            u32::from(self.default)
        } else {
            u32::from(ixfe)
        }
    }

    /// The styles by id.
    fn palette(&self, g: &Globals) -> Vec<Style> {
        let mut styles: Vec<Style> = g.xfs.iter().map(|xf| style_of(xf, g)).collect();
        let default = usize::from(self.default);
        if default < styles.len() {
            styles.swap(0, default);
        }
        styles
    }
}

/// The colour of index `icv`; the system colours (64 and up: window text, window background,
/// automatic) are left to the program.
fn color_of(palette: &[Color], icv: u16) -> Option<Color> {
    palette.get(usize::from(icv)).copied()
}

/// The calamine style of an XF.
fn style_of(xf: &Xf, g: &Globals) -> Style {
    let mut style = Style::default();
    // BIFF has no font 4: indexes from 5 on name the record before them.
    let font = match xf.font {
        4 => None,
        i @ 0..=3 => g.fonts.get(usize::from(i)),
        i => g.fonts.get(usize::from(i) - 1),
    };
    if let Some(f) = font {
        let mut out = Font::default();
        out.name = Some(f.name.clone()).filter(|n| !n.is_empty());
        out.size = Some(f64::from(f.height) / 20.0).filter(|s| *s > 0.0);
        if f.weight >= 700 {
            out.weight = FontWeight::Bold;
        }
        if f.italic {
            out.style = FontStyle::Italic;
        }
        out.underline = match f.underline {
            0x01 => UnderlineStyle::Single,
            0x02 => UnderlineStyle::Double,
            0x21 => UnderlineStyle::SingleAccounting,
            0x22 => UnderlineStyle::DoubleAccounting,
            _ => UnderlineStyle::None,
        };
        out.strikethrough = f.strike;
        out.color = color_of(&g.palette, f.color);
        out.family = Some(f.family).filter(|v| (1..=5).contains(v));
        style.font = Some(out);
    }
    style.number_format = Some(number_format(xf.format, &g.formats));

    let mut align = Alignment::default();
    align.horizontal = match xf.horizontal {
        1 => HorizontalAlignment::Left,
        2 => HorizontalAlignment::Center,
        3 => HorizontalAlignment::Right,
        4 => HorizontalAlignment::Fill,
        5 => HorizontalAlignment::Justify,
        6 => HorizontalAlignment::CenterContinuous,
        7 => HorizontalAlignment::Distributed,
        _ => HorizontalAlignment::General,
    };
    align.vertical = match xf.vertical {
        0 => VerticalAlignment::Top,
        1 => VerticalAlignment::Center,
        3 => VerticalAlignment::Justify,
        4 => VerticalAlignment::Distributed,
        _ => VerticalAlignment::Bottom,
    };
    align.wrap_text = xf.wrap;
    // 1–90 turn the text counterclockwise, 91–180 clockwise by the amount over 90, 255 stacks
    // the letters: the encoding OOXML's `textRotation` keeps.
    align.text_rotation = match xf.rotation {
        0 => TextRotation::None,
        d @ 1..=180 => TextRotation::Degrees(u16::from(d)),
        255 => TextRotation::Stacked,
        _ => TextRotation::None,
    };
    align.indent = Some(xf.indent).filter(|i| *i > 0);
    align.shrink_to_fit = xf.shrink;
    style.alignment = Some(align);

    let side = |(kind, icv): (u8, u16)| {
        let mut b = Border::default();
        b.style = border_style(kind);
        if b.style != BorderStyle::None {
            b.color = color_of(&g.palette, icv);
        }
        b
    };
    let mut borders = Borders::default();
    let [left, right, top, bottom] = xf.sides;
    borders.left = side(left);
    borders.right = side(right);
    borders.top = side(top);
    borders.bottom = side(bottom);
    if xf.diagonals.0 {
        borders.diagonal_down = side(xf.diagonal);
    }
    if xf.diagonals.1 {
        borders.diagonal_up = side(xf.diagonal);
    }
    style.borders = Some(borders);

    let mut fill = Fill::default();
    fill.pattern = fill_pattern(xf.pattern);
    if fill.pattern != FillPattern::None {
        fill.foreground_color = color_of(&g.palette, xf.fore);
        fill.background_color = color_of(&g.palette, xf.back);
    }
    style.fill = Some(fill);

    let mut protection = Protection::default();
    protection.locked = xf.locked;
    protection.hidden = xf.hidden;
    style.protection = Some(protection);
    style
}

/// MS-XLS BorderStyle.
fn border_style(kind: u8) -> BorderStyle {
    match kind {
        1 => BorderStyle::Thin,
        2 => BorderStyle::Medium,
        3 => BorderStyle::Dashed,
        4 => BorderStyle::Dotted,
        5 => BorderStyle::Thick,
        6 => BorderStyle::Double,
        7 => BorderStyle::Hair,
        8 => BorderStyle::MediumDashed,
        9 => BorderStyle::DashDot,
        10 => BorderStyle::MediumDashDot,
        11 => BorderStyle::DashDotDot,
        12 => BorderStyle::MediumDashDotDot,
        13 => BorderStyle::SlantDashDot,
        _ => BorderStyle::None,
    }
}

/// MS-XLS FillPattern, in the order OOXML's `patternType` keeps.
fn fill_pattern(fls: u8) -> FillPattern {
    match fls {
        1 => FillPattern::Solid,
        2 => FillPattern::MediumGray,
        3 => FillPattern::DarkGray,
        4 => FillPattern::LightGray,
        5 => FillPattern::DarkHorizontal,
        6 => FillPattern::DarkVertical,
        7 => FillPattern::DarkDown,
        8 => FillPattern::DarkUp,
        9 => FillPattern::DarkGrid,
        10 => FillPattern::DarkTrellis,
        11 => FillPattern::LightHorizontal,
        12 => FillPattern::LightVertical,
        13 => FillPattern::LightDown,
        14 => FillPattern::LightUp,
        15 => FillPattern::LightGrid,
        16 => FillPattern::LightTrellis,
        17 => FillPattern::Gray125,
        18 => FillPattern::Gray0625,
        _ => FillPattern::None,
    }
}

/// The number format of id `ifmt`: the workbook's own code, else the built-in one.
///
/// A built-in format that OOXML numbers the same way keeps its id, so the return shows it as
/// every program shows that id in its language (14 is the short date). The currency and
/// accounting formats (5–8, 41–44) and the East Asian dates (27–36, 50–58) depend on the
/// language Excel runs in; a county's Excel is Chinese, so they are written out as its codes.
fn number_format(ifmt: u16, formats: &HashMap<u16, String>) -> NumberFormat {
    let mut n = NumberFormat::default();
    if let Some(code) = formats.get(&ifmt) {
        // LibreOffice numbers even General as a workbook format.
        if !code.eq_ignore_ascii_case("General") {
            n.format_code = code.clone();
        }
        return n;
    }
    let standard = match ifmt {
        0 => Some("General"),
        1 => Some("0"),
        2 => Some("0.00"),
        3 => Some("#,##0"),
        4 => Some("#,##0.00"),
        9 => Some("0%"),
        10 => Some("0.00%"),
        11 => Some("0.00E+00"),
        12 => Some("# ?/?"),
        13 => Some("# ??/??"),
        14 => Some("yyyy/m/d"),
        15 => Some("d-mmm-yy"),
        16 => Some("d-mmm"),
        17 => Some("mmm-yy"),
        18 => Some("h:mm AM/PM"),
        19 => Some("h:mm:ss AM/PM"),
        20 => Some("h:mm"),
        21 => Some("h:mm:ss"),
        22 => Some("yyyy/m/d h:mm"),
        37 => Some("#,##0 ;(#,##0)"),
        38 => Some("#,##0 ;[Red](#,##0)"),
        39 => Some("#,##0.00;(#,##0.00)"),
        40 => Some("#,##0.00;[Red](#,##0.00)"),
        45 => Some("mm:ss"),
        46 => Some("[h]:mm:ss"),
        47 => Some("mmss.0"),
        48 => Some("##0.0E+0"),
        49 => Some("@"),
        _ => None,
    };
    if let Some(code) = standard {
        n.format_code = code.to_string();
        n.format_id = Some(u32::from(ifmt));
        return n;
    }
    let chinese = match ifmt {
        5 => "\"¥\"#,##0;\"¥\"\\-#,##0",
        6 => "\"¥\"#,##0;[Red]\"¥\"\\-#,##0",
        7 => "\"¥\"#,##0.00;\"¥\"\\-#,##0.00",
        8 => "\"¥\"#,##0.00;[Red]\"¥\"\\-#,##0.00",
        41 => "_ * #,##0_ ;_ * \\-#,##0_ ;_ * \"-\"_ ;_ @_ ",
        42 => "_ \"¥\"* #,##0_ ;_ \"¥\"* \\-#,##0_ ;_ \"¥\"* \"-\"_ ;_ @_ ",
        43 => "_ * #,##0.00_ ;_ * \\-#,##0.00_ ;_ * \"-\"??_ ;_ @_ ",
        44 => "_ \"¥\"* #,##0.00_ ;_ \"¥\"* \\-#,##0.00_ ;_ \"¥\"* \"-\"??_ ;_ @_ ",
        27 | 36 | 50 | 52 | 57 => "yyyy\"年\"m\"月\"",
        28 | 29 | 51 | 53 | 54 | 58 => "m\"月\"d\"日\"",
        30 => "m-d-yy",
        31 => "yyyy\"年\"m\"月\"d\"日\"",
        32 => "h\"时\"mm\"分\"",
        33 => "h\"时\"mm\"分\"ss\"秒\"",
        34 | 55 => "AM/PMh\"时\"mm\"分\"",
        35 | 56 => "AM/PMh\"时\"mm\"分\"ss\"秒\"",
        // An id with neither a record nor a meaning shows as General.
        _ => "General",
    };
    n.format_code = chinese.to_string();
    n
}

// ---------------------------------------------------------------------------------------------
// Sheets.

/// Reads one sheet's records from its BOF to its EOF; `None` for a chart or macro sheet.
/// `walked` counts the bytes read over all sheets.
fn sheet_look(
    stream: &[u8],
    ids: &StyleIds,
    walked: &mut usize,
) -> Result<Option<SheetLook>, LookError> {
    let mut look = SheetLook {
        grid_lines: true,
        ..SheetLook::default()
    };
    let mut page = Page::default();
    let mut records = Records::new(stream);
    let mut depth = 0usize;
    let mut first = true;
    loop {
        let r = match records.next() {
            Next::Record(r) => r,
            Next::End => break,
            Next::Broken => return Err(LookError("a record of a sheet is cut short".into())),
        };
        *walked = walked.saturating_add(record_size(&r));
        if first {
            first = false;
            // BOF: 0x0010 is a worksheet (MS-XLS BOF, `dt`).
            if r.typ != 0x0809 || u16_at(r.data, 2) != Some(0x0010) {
                return Ok(None);
            }
            continue;
        }
        // Charts embedded in the sheet are substreams of their own, BOF to EOF.
        match (r.typ, depth) {
            (0x0809, _) => {
                depth += 1;
                continue;
            }
            (0x000A, 0) => break,
            (0x000A, _) => {
                depth -= 1;
                continue;
            }
            (_, 0) => {}
            _ => continue,
        }
        sheet_record(&r, ids, &mut look, &mut page);
    }
    page.finish(&mut look);
    look.cells.sort_by_key(|&(r, c, _)| (r, c));
    look.cells.dedup_by_key(|&mut (r, c, _)| (r, c));
    look.rows.sort_by_key(|r| r.row);
    look.rows.dedup_by_key(|r| r.row);
    Ok(Some(look))
}

/// The bytes a record takes in the stream, with its CONTINUE records.
fn record_size(r: &Record<'_>) -> usize {
    r.cont
        .iter()
        .fold(4 + r.data.len(), |n, c| n.saturating_add(4 + c.len()))
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
    use super::*;

    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut out = typ.to_le_bytes().to_vec();
        out.extend(u16::try_from(data.len()).unwrap_or(u16::MAX).to_le_bytes());
        out.extend(data);
        out
    }

    fn words(values: &[u16]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    /// A Font record: height in twips, flags, colour, weight, underline, family, name.
    fn font(
        height: u16,
        italic: bool,
        color: u16,
        weight: u16,
        underline: u8,
        name: &str,
    ) -> Vec<u8> {
        let mut d = words(&[height, if italic { 2 } else { 0 }, color, weight, 0]);
        d.extend([underline, 2, 0x86, 0]);
        let units: Vec<u16> = name.encode_utf16().collect();
        d.push(u8::try_from(units.len()).unwrap_or(0));
        d.push(1);
        d.extend(words(&units));
        d
    }

    /// A cell XF record.
    fn xf(font: u16, format: u16, align: u8, lines: u32, more: u32, fill: u16) -> Vec<u8> {
        let mut d = words(&[font, format, 0x0001]);
        d.extend([align, 0, 0, 0]);
        d.extend(lines.to_le_bytes());
        d.extend(more.to_le_bytes());
        d.extend(fill.to_le_bytes());
        d
    }

    fn bof(dt: u16) -> Vec<u8> {
        let mut d = words(&[0x0600, dt, 0x0DBB, 0x07CC]);
        d.extend([0u8; 8]);
        record(0x0809, &d)
    }

    /// Globals with fonts, 16 XFs (15 plain style XFs and the default) and then `extra` XFs.
    fn globals_with(extra: &[Vec<u8>], more: &[Vec<u8>]) -> Vec<u8> {
        let mut s = bof(0x0005);
        for f in [
            font(240, false, 0x7FFF, 400, 0, "宋体"),
            font(240, false, 0x7FFF, 700, 0, "宋体"),
            font(200, true, 10, 400, 1, "Arial"),
            font(320, false, 0x7FFF, 700, 0, "黑体"),
            font(180, false, 0x7FFF, 400, 0, "仿宋"),
        ] {
            s.extend(record(0x0031, &f));
        }
        for _ in 0..15 {
            s.extend(record(0x00E0, &xf(0, 0, 0x20, 0, 0, 0x20C0)));
        }
        s.extend(record(0x00E0, &xf(0, 0, 0x20, 0, 0, 0x20C0)));
        for x in extra {
            s.extend(record(0x00E0, x));
        }
        for m in more {
            s.extend(m);
        }
        s.extend(record(0x000A, &[]));
        s
    }

    #[test]
    fn fonts_skip_index_four() -> Result<(), LookError> {
        // Font index 5 names the fifth record (仿宋); index 3 the fourth (黑体).
        let stream = globals_with(
            &[xf(5, 0, 0x20, 0, 0, 0x20C0), xf(3, 0, 0x20, 0, 0, 0)],
            &[],
        );
        let g = globals(&stream)?.ok_or("not BIFF8")?;
        let styles = StyleIds::new(g.xfs.len()).palette(&g);
        let font = |id: usize| styles.get(id).and_then(|s| s.font.clone());
        assert_eq!(font(16).and_then(|f| f.name).as_deref(), Some("仿宋"));
        let heiti = font(17).ok_or("font")?;
        assert_eq!(heiti.name.as_deref(), Some("黑体"));
        assert!(heiti.is_bold());
        assert_eq!(heiti.size, Some(16.0));
        assert_eq!(heiti.color, None, "0x7FFF is the automatic colour");
        // The default XF takes id 0, with font 0.
        let plain = font(0).ok_or("font")?;
        assert_eq!(
            (plain.name.as_deref(), plain.size),
            (Some("宋体"), Some(12.0))
        );
        assert!(!plain.is_bold());
        Ok(())
    }

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

    #[test]
    fn xfs_give_alignment_borders_fill_and_format() -> Result<(), LookError> {
        // Centred both ways and wrapped; thin left and right, medium top, double bottom; left
        // colour 2 (red, which no palette changes), right 10 and top 12 (which the palette
        // replaces), bottom 8; a diagonal up; a solid fill of colour 42.
        let lines: u32 = 1 | (1 << 4) | (2 << 8) | (6 << 12) | (2 << 16) | (10 << 23) | (2 << 30);
        let more: u32 = 12 | (8 << 7) | (9 << 14) | (7 << 21) | (1 << 26);
        let fill: u16 = 42 | (65 << 7);
        let mut centred = xf(0, 0xA4, 0x1A, lines, more, fill);
        centred[7] = 45; // rotation
        centred[8] = 0x12; // indent 2, shrink
        let mut palette = words(&[56]);
        for i in 0..56u8 {
            palette.extend(if i == 34 {
                [0xDD, 0xEB, 0xF7, 0]
            } else {
                [i, i, i, 0]
            });
        }
        let formats = [
            record(0x041E, &format_data(0xA4, "#,##0.00")),
            record(0x041E, &format_data(0xA5, "General")),
            record(0x0092, &palette),
        ];
        let stream = globals_with(
            &[
                centred,
                xf(1, 14, 0x20, 0, 0, 0x20C0),
                xf(1, 31, 0x20, 0, 0, 0x20C0),
                xf(1, 0xA5, 0x20, 0, 0, 0x20C0),
                xf(1, 9, 0x20, 0, 0, 0x20C0),
            ],
            &formats,
        );
        let g = globals(&stream)?.ok_or("not BIFF8")?;
        let styles = StyleIds::new(g.xfs.len()).palette(&g);
        let s = styles.get(16).ok_or("style")?;
        let a = s.alignment.clone().ok_or("alignment")?;
        assert_eq!(a.horizontal, HorizontalAlignment::Center);
        assert_eq!(a.vertical, VerticalAlignment::Center);
        assert!(a.wrap_text && a.shrink_to_fit);
        assert_eq!(a.indent, Some(2));
        assert_eq!(a.text_rotation, TextRotation::Degrees(45));
        let b = s.borders.clone().ok_or("borders")?;
        assert_eq!(b.left.style, BorderStyle::Thin);
        assert_eq!(b.right.style, BorderStyle::Thin);
        assert_eq!(b.top.style, BorderStyle::Medium);
        assert_eq!(b.bottom.style, BorderStyle::Double);
        assert_eq!(
            b.left.color,
            Some(Color::rgb(0xFF, 0, 0)),
            "index 2 stays red"
        );
        assert_eq!(b.right.color, Some(Color::rgb(2, 2, 2)));
        assert_eq!(
            b.top.color,
            Some(Color::rgb(4, 4, 4)),
            "index 12 is replaced"
        );
        assert_eq!(b.bottom.color, Some(Color::rgb(0, 0, 0)));
        assert_eq!(b.diagonal_up.style, BorderStyle::Hair);
        assert_eq!(b.diagonal_down.style, BorderStyle::None);
        let f = s.fill.clone().ok_or("fill")?;
        assert_eq!(f.pattern, FillPattern::Solid);
        assert_eq!(f.get_color(), Some(Color::rgb(0xDD, 0xEB, 0xF7)));
        assert_eq!(f.background_color, None, "65 is the system background");
        assert_eq!(super::super::look::number_format(s), Some("#,##0.00"));
        assert_eq!(s.protection.as_ref().map(|p| p.locked), Some(true));

        let format = |id: usize| {
            styles
                .get(id)
                .and_then(|s| s.number_format.clone())
                .map(|n| (n.format_code, n.format_id))
        };
        assert_eq!(format(17), Some(("yyyy/m/d".into(), Some(14))));
        assert_eq!(
            format(18),
            Some(("yyyy\"年\"m\"月\"d\"日\"".into(), None)),
            "a Chinese date is written out"
        );
        assert_eq!(format(19), Some(("General".into(), None)));
        assert_eq!(format(20), Some(("0%".into(), Some(9))));
        assert_eq!(format(0), Some(("General".into(), Some(0))));
        Ok(())
    }

    fn format_data(id: u16, code: &str) -> Vec<u8> {
        let mut d = words(&[id, u16::try_from(code.len()).unwrap_or(0)]);
        d.push(0);
        d.extend(code.bytes());
        d
    }

    #[test]
    fn chinese_built_in_formats_show_dates() {
        let none = HashMap::new();
        for id in [14u16, 22, 27, 28, 30, 31, 32, 34, 36, 50, 55, 57, 58] {
            let n = number_format(id, &none);
            assert!(
                super::super::look::is_date_format(&n.format_code),
                "{id}: {}",
                n.format_code
            );
        }
        for id in [0u16, 1, 4, 5, 8, 10, 41, 44, 49, 23, 59, 200] {
            let n = number_format(id, &none);
            assert!(
                !super::super::look::is_date_format(&n.format_code),
                "{id}: {}",
                n.format_code
            );
        }
        assert_eq!(number_format(200, &none).format_code, "General");
    }

    #[test]
    fn style_ids_put_the_default_xf_first() {
        let ids = StyleIds::new(20);
        assert_eq!(ids.id(15), 0);
        assert_eq!(ids.id(0), 15);
        assert_eq!(ids.id(16), 16);
        assert_eq!(ids.id(20), 0, "an XF the file does not have");
        let few = StyleIds::new(3);
        assert_eq!((few.id(0), few.id(2), few.id(15)), (0, 2, 0));
    }

    /// A worksheet's records, BOF to EOF.
    fn sheet(records: &[Vec<u8>]) -> Vec<u8> {
        let mut s = bof(0x0010);
        for r in records {
            s.extend(r);
        }
        s.extend(record(0x000A, &[]));
        s
    }

    fn read_sheet(stream: &[u8]) -> Result<SheetLook, LookError> {
        let mut walked = 0;
        sheet_look(stream, &StyleIds::new(40), &mut walked)?.ok_or_else(|| "no sheet".into())
    }

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

    /// A Lbl record of a built-in name.
    fn name(code: u8, itab: u16, rgce: &[u8]) -> Vec<u8> {
        let mut d = words(&[0x0020]);
        d.extend([0, 1]);
        d.extend(words(&[
            u16::try_from(rgce.len()).unwrap_or(0),
            0,
            itab,
            0,
            0,
        ]));
        d.extend([0, code]);
        d.extend(rgce);
        d
    }

    fn area3d(rows: (u16, u16), cols: (u16, u16)) -> Vec<u8> {
        let mut d = vec![0x3B];
        d.extend(words(&[0, rows.0, rows.1, cols.0, cols.1]));
        d
    }

    #[test]
    fn print_names_are_decoded() {
        let area = name(6, 2, &area3d((0, 19), (0, 5)));
        assert_eq!(
            print_name(&area),
            Some(PrintName {
                kind: PrintKind::Area,
                sheet: 2,
                areas: vec!["$A$1:$F$20".into()]
            })
        );
        // Columns A:B and rows 1:3, as a union.
        let mut union = vec![0x29, 23, 0];
        union.extend(area3d((0, 0xFFFF), (0, 1)));
        union.extend(area3d((0, 2), (0, 0xFF)));
        union.push(0x10);
        let titles = name(7, 1, &union);
        assert_eq!(
            print_name(&titles).map(|n| (n.kind, n.areas)),
            Some((PrintKind::Titles, vec!["$A:$B".into(), "$1:$3".into()]))
        );
        // Relative flags in the column words do not change the column.
        let flagged = name(6, 1, &area3d((4, 9), (0xC000 | 27, 0xC000 | 30)));
        assert_eq!(
            print_name(&flagged).map(|n| n.areas),
            Some(vec!["$AB$5:$AE$10".into()])
        );
        // Another built-in name, a token print names do not use, a cut formula.
        assert_eq!(print_name(&name(0x0D, 1, &area3d((0, 1), (0, 1)))), None);
        assert_eq!(print_name(&name(6, 1, &[0x17, 1, 0, b'x'])), None);
        let mut cut = name(6, 1, &area3d((0, 1), (0, 1)));
        cut.truncate(cut.len() - 2);
        assert_eq!(print_name(&cut), None);
        assert_eq!(print_name(&[0x20, 0, 0]), None);
        // A plain name spelt as the built-in one.
        let mut plain = words(&[0]);
        plain.extend([0, 16]);
        plain.extend(words(&[11, 0, 1, 0, 0]));
        plain.push(0);
        plain.extend(b"_xlnm.Print_Area");
        plain.extend(area3d((1, 1), (1, 1)));
        assert_eq!(
            print_name(&plain).map(|n| (n.kind, n.sheet, n.areas)),
            Some((PrintKind::Area, 1, vec!["$B$2:$B$2".into()]))
        );
    }

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

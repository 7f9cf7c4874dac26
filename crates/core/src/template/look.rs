//! The look of an `.xlsx` template: what the return needs to look like the form the county sent.
//!
//! calamine gives the cell styles (font, fill, borders, alignment, number format, protection)
//! as a palette indexed by style id ([`calamine::XlsxCellReader::styles`]), but not which id
//! each cell, row and column uses, nor column widths, row heights, hidden rows and columns,
//! frozen panes, grid lines, zoom or page setup. Those are read here from the sheet parts
//! (`xl/worksheets/sheetN.xml`, found through `xl/workbook.xml` and its relationships) with
//! quick-xml, the parser calamine itself uses.
//!
//! calamine reads styles of `.xlsx` only: the look of an `.xls` is read from its BIFF records by
//! [`super::look_xls`], that of an `.ods` from its `content.xml` and `styles.xml` by
//! [`super::look_ods`], into the same [`BookLook`].

use std::collections::HashMap;
use std::io::{Cursor, Read};

use calamine::{
    BorderStyle, FillPattern, FontStyle, HorizontalAlignment, Reader, Style, TextRotation,
    UnderlineStyle, VerticalAlignment, Xlsx,
};
use quick_xml::events::{BytesStart, Event};
use rust_xlsxwriter::{
    Color, Format, FormatAlign, FormatBorder, FormatDiagonalBorder, FormatPattern, FormatUnderline,
};

/// The largest part read from a template, uncompressed: templates are small, and a part that
/// inflates past this is not a form.
const MAX_PART_BYTES: u64 = 256 * 1024 * 1024;

/// The most styled cells kept per sheet; a template styling whole columns cell by cell past this
/// keeps the styles of its first cells only.
pub(crate) const MAX_STYLED_CELLS: usize = 200_000;

/// The look of a whole template.
#[derive(Debug, Default)]
pub(crate) struct BookLook {
    /// The cell styles, by style id.
    pub styles: Vec<Style>,
    /// Each sheet's look, by sheet name.
    pub sheets: HashMap<String, SheetLook>,
    /// Print areas and rows repeated on every printed page, by sheet name.
    pub print: HashMap<String, PrintNames>,
}

/// What the workbook's defined names say about printing one sheet.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct PrintNames {
    /// `_xlnm.Print_Area`, without `=`.
    pub area: Option<String>,
    /// `_xlnm.Print_Titles`, without `=`.
    pub titles: Option<String>,
}

/// The look of one sheet.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct SheetLook {
    /// The default row height in points, when the sheet sets one.
    pub default_row_height: Option<f64>,
    /// The width of columns without their own, in characters.
    pub default_col_width: Option<f64>,
    /// Column ranges with their width, hiding and style.
    pub columns: Vec<ColumnLook>,
    /// Rows with a height set by hand, hidden, or styled; by row.
    pub rows: Vec<RowLook>,
    /// `(row, col, style id)` of every cell with a style other than the default, by row then
    /// column.
    pub cells: Vec<(u32, u32, u32)>,
    /// Whether the grid lines show.
    pub grid_lines: bool,
    /// The zoom, in percent.
    pub zoom: Option<u16>,
    /// Frozen rows and columns (the first cell that scrolls).
    pub freeze: Option<(u32, u32)>,
    /// Landscape printing.
    pub landscape: bool,
    /// Excel's paper size code (9 is A4).
    pub paper_size: Option<u8>,
    /// Fit to so many pages wide and tall (0: as many as needed).
    pub fit_to_pages: Option<(u16, u16)>,
    /// Left, right, top, bottom, header and footer margins in inches.
    pub margins: Option<[f64; 6]>,
    /// Centre on the page when printed.
    pub center_horizontally: bool,
    /// Centre vertically on the page when printed.
    pub center_vertically: bool,
}

/// Columns `first..=last` (0-based).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ColumnLook {
    pub first: u32,
    pub last: u32,
    /// Width in characters, as the file stores it.
    pub width: Option<f64>,
    pub hidden: bool,
    /// The style of the column's empty cells.
    pub style: Option<u32>,
}

/// One row (0-based).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RowLook {
    pub row: u32,
    /// Height in points, when set by hand (an automatic height is left for the program to fit).
    pub height: Option<f64>,
    pub hidden: bool,
    /// The style of the row's empty cells.
    pub style: Option<u32>,
}

#[cfg(test)]
impl SheetLook {
    /// The look of row `row`, if it has one.
    pub(crate) fn row(&self, row: u32) -> Option<&RowLook> {
        self.rows
            .binary_search_by_key(&row, |r| r.row)
            .ok()
            .and_then(|i| self.rows.get(i))
    }
}

/// The part of the look that failed to be read; the renderer then keeps values and formulas and
/// drops the look rather than refusing to render.
#[derive(Debug)]
pub(crate) struct LookError(pub String);

impl<E: std::fmt::Display> From<E> for LookError {
    fn from(e: E) -> Self {
        LookError(e.to_string())
    }
}

/// Reads the look of an `.xlsx`/`.xlsm` template from its bytes.
pub(crate) fn read(bytes: &[u8]) -> Result<BookLook, LookError> {
    // A stored template passed this check on import; one stored before the check existed, or
    // changed outside Zhucun, is checked again before calamine opens it.
    crate::guard::check_bounds(
        "template",
        &mut Cursor::new(bytes),
        &[],
        crate::guard::Streamed::Values,
    )?;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))?;
    let names: HashMap<String, String> = zip
        .file_names()
        .filter_map(std::result::Result::ok)
        .map(|n| (n.to_ascii_lowercase(), n.to_string()))
        .collect();
    let mut part = |path: &str| -> Result<Option<Vec<u8>>, LookError> {
        let Some(name) = names.get(&path.trim_start_matches('/').to_ascii_lowercase()) else {
            return Ok(None);
        };
        let file = zip.by_name(name)?;
        let mut out = Vec::new();
        file.take(MAX_PART_BYTES + 1).read_to_end(&mut out)?;
        if out.len() as u64 > MAX_PART_BYTES {
            return Err(LookError(format!("{path} is too large")));
        }
        Ok(Some(out))
    };

    let workbook_path = part("_rels/.rels")?
        .and_then(|rels| {
            relationships(&rels)
                .ok()?
                .into_iter()
                .find(|r| r.kind.ends_with("/officeDocument"))
                .map(|r| resolve("", &r.target))
        })
        .unwrap_or_else(|| "xl/workbook.xml".to_string());
    let (dir, file) = workbook_path
        .rsplit_once('/')
        .map_or(("", workbook_path.as_str()), |(d, f)| (d, f));
    let workbook = part(&workbook_path)?.ok_or_else(|| LookError("no workbook part".into()))?;
    let rels = part(&format!("{dir}/_rels/{file}.rels"))?.unwrap_or_default();
    let targets: HashMap<String, String> = relationships(&rels)?
        .into_iter()
        .map(|r| (r.id, resolve(dir, &r.target)))
        .collect();
    let (sheets, defined) = workbook_sheets(&workbook)?;

    let mut look = BookLook::default();
    for (name, rel) in &sheets {
        let Some(path) = targets.get(rel) else {
            continue;
        };
        if let Some(xml) = part(path)? {
            look.sheets.insert(name.clone(), sheet_look(&xml)?);
        }
    }
    for (name, sheet, value) in defined {
        let Some((sheet_name, _)) = sheets.get(sheet) else {
            continue;
        };
        let entry = look.print.entry(sheet_name.clone()).or_default();
        match name.as_str() {
            "_xlnm.Print_Area" => entry.area = Some(value),
            "_xlnm.Print_Titles" => entry.titles = Some(value),
            _ => {}
        }
    }

    // The palette is the workbook's; any worksheet's reader gives it (a chart sheet gives none).
    let mut book = Xlsx::new(Cursor::new(bytes))?;
    for name in book.sheet_names() {
        if let Ok(reader) = book.worksheet_cells_reader(&name) {
            look.styles = reader.styles().to_vec();
            break;
        }
    }
    Ok(look)
}

/// One relationship of a `.rels` part.
struct Relationship {
    id: String,
    kind: String,
    target: String,
}

fn relationships(xml: &[u8]) -> Result<Vec<Relationship>, LookError> {
    let mut out = Vec::new();
    each_element(xml, |e| {
        if e.local_name().as_ref() == "Relationship" {
            out.push(Relationship {
                id: attr(e, "Id")?.unwrap_or_default(),
                kind: attr(e, "Type")?.unwrap_or_default(),
                target: attr(e, "Target")?.unwrap_or_default(),
            });
        }
        Ok(())
    })?;
    Ok(out)
}

/// A relationship's target as a path inside the package: absolute (`/xl/worksheets/sheet1.xml`)
/// or relative to the folder of the part that names it (`worksheets/sheet1.xml`,
/// `../customXml/item1.xml`).
fn resolve(dir: &str, target: &str) -> String {
    if let Some(absolute) = target.strip_prefix('/') {
        return absolute.to_string();
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for piece in target.split('/') {
        match piece {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// The workbook's sheets (name, relationship id) in order, and its defined names scoped to a
/// sheet (name, sheet index, value).
type WorkbookParts = (Vec<(String, String)>, Vec<(String, usize, String)>);

fn workbook_sheets(xml: &[u8]) -> Result<WorkbookParts, LookError> {
    let mut sheets = Vec::new();
    let mut defined = Vec::new();
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    // A `<definedName>` being read: its name and sheet.
    let mut open: Option<(String, usize)> = None;
    loop {
        match reader.read_event_into(&mut buf)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheet" => {
                let name = attr(&e, "name")?.unwrap_or_default();
                let id = attr(&e, "id")?.unwrap_or_default();
                sheets.push((name, id));
            }
            Event::Start(e) if e.local_name().as_ref() == "definedName" => {
                let name = attr(&e, "name")?.unwrap_or_default();
                open = attr(&e, "localSheetId")?
                    .and_then(|s| s.parse().ok())
                    .map(|sheet| (name, sheet));
            }
            Event::Text(t) => {
                if let Some((name, sheet)) = open.take() {
                    let value = quick_xml::escape::unescape(t.as_ref())?;
                    defined.push((name, sheet, value.trim_start_matches('=').to_string()));
                }
            }
            Event::End(e) if e.local_name().as_ref() == "definedName" => open = None,
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok((sheets, defined))
}

/// Calls `f` with every start or empty element of an XML part.
fn each_element(
    xml: &[u8],
    mut f: impl FnMut(&BytesStart<'_>) -> Result<(), LookError>,
) -> Result<(), LookError> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf)? {
            Event::Start(e) | Event::Empty(e) => f(&e)?,
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
    }
}

/// An attribute's value by local name (`r:id` is `id`), unescaped.
fn attr(e: &BytesStart<'_>, name: &str) -> Result<Option<String>, LookError> {
    for a in e.attributes() {
        let a = a?;
        if a.key.local_name().as_ref() == name {
            return Ok(Some(quick_xml::escape::unescape(&a.value)?.into_owned()));
        }
    }
    Ok(None)
}

fn flag(value: Option<String>) -> bool {
    matches!(value.as_deref(), Some("1" | "true"))
}

fn number<T: std::str::FromStr>(value: Option<String>) -> Option<T> {
    value.and_then(|v| v.trim().parse().ok())
}

/// `B12` as (row, col), 0-based.
fn cell_position(text: &str) -> Option<(u32, u32)> {
    let split = text.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = text.split_at(split);
    let mut col: u32 = 0;
    for b in letters.bytes() {
        if !b.is_ascii_alphabetic() {
            return None;
        }
        col = col.checked_mul(26)? + u32::from(b.to_ascii_uppercase() - b'A') + 1;
    }
    let row: u32 = digits.parse().ok()?;
    Some((row.checked_sub(1)?, col.checked_sub(1)?))
}

/// Reads one sheet part.
fn sheet_look(xml: &[u8]) -> Result<SheetLook, LookError> {
    let mut look = SheetLook {
        grid_lines: true,
        ..SheetLook::default()
    };
    // Where the next cell or row is, for parts that leave out `r`.
    let mut next_row: u32 = 0;
    let mut next_col: u32 = 0;
    let mut fit_to_page = false;
    let mut fit: (u16, u16) = (1, 1);
    each_element(xml, |e| {
        match e.local_name().as_ref() {
            "sheetFormatPr" => {
                if flag(attr(e, "customHeight")?) {
                    look.default_row_height = number(attr(e, "defaultRowHeight")?);
                }
                look.default_col_width = number(attr(e, "defaultColWidth")?);
            }
            "col" => {
                let first: Option<u32> = number(attr(e, "min")?);
                let last: Option<u32> = number(attr(e, "max")?);
                if let (Some(first), Some(last)) = (first, last) {
                    if first >= 1 && first <= last {
                        look.columns.push(ColumnLook {
                            first: first - 1,
                            last: (last - 1).min(super::shift::MAX_COL),
                            width: number(attr(e, "width")?),
                            hidden: flag(attr(e, "hidden")?),
                            style: number(attr(e, "style")?).filter(|s| *s > 0),
                        });
                    }
                }
            }
            "row" => {
                let row = number::<u32>(attr(e, "r")?)
                    .and_then(|r| r.checked_sub(1))
                    .unwrap_or(next_row);
                next_row = row.saturating_add(1);
                next_col = 0;
                let height = if flag(attr(e, "customHeight")?) {
                    number(attr(e, "ht")?)
                } else {
                    None
                };
                let hidden = flag(attr(e, "hidden")?);
                let style = if flag(attr(e, "customFormat")?) {
                    number(attr(e, "s")?).filter(|s| *s > 0)
                } else {
                    None
                };
                if height.is_some() || hidden || style.is_some() {
                    look.rows.push(RowLook {
                        row,
                        height,
                        hidden,
                        style,
                    });
                }
            }
            "c" => {
                let (row, col) = attr(e, "r")?
                    .and_then(|r| cell_position(&r))
                    .unwrap_or((next_row.saturating_sub(1), next_col));
                next_col = col.saturating_add(1);
                let style: u32 = number(attr(e, "s")?).unwrap_or(0);
                if style > 0 && look.cells.len() < MAX_STYLED_CELLS {
                    look.cells.push((row, col, style));
                }
            }
            "sheetView" => {
                if matches!(attr(e, "showGridLines")?.as_deref(), Some("0" | "false")) {
                    look.grid_lines = false;
                }
                look.zoom = number(attr(e, "zoomScale")?);
            }
            "pane" => {
                if matches!(attr(e, "state")?.as_deref(), Some("frozen" | "frozenSplit")) {
                    let rows = number::<f64>(attr(e, "ySplit")?).unwrap_or(0.0);
                    let cols = number::<f64>(attr(e, "xSplit")?).unwrap_or(0.0);
                    look.freeze = Some((rows.max(0.0) as u32, cols.max(0.0) as u32));
                }
            }
            "pageSetUpPr" => fit_to_page = flag(attr(e, "fitToPage")?),
            "pageSetup" => {
                look.landscape = attr(e, "orientation")?.as_deref() == Some("landscape");
                look.paper_size = number(attr(e, "paperSize")?);
                fit = (
                    number(attr(e, "fitToWidth")?).unwrap_or(1),
                    number(attr(e, "fitToHeight")?).unwrap_or(1),
                );
            }
            "pageMargins" => {
                let m =
                    |name: &str| -> Result<Option<f64>, LookError> { Ok(number(attr(e, name)?)) };
                if let (Some(l), Some(r), Some(t), Some(b)) =
                    (m("left")?, m("right")?, m("top")?, m("bottom")?)
                {
                    look.margins = Some([
                        l,
                        r,
                        t,
                        b,
                        m("header")?.unwrap_or(0.3),
                        m("footer")?.unwrap_or(0.3),
                    ]);
                }
            }
            "printOptions" => {
                look.center_horizontally = flag(attr(e, "horizontalCentered")?);
                look.center_vertically = flag(attr(e, "verticalCentered")?);
            }
            _ => {}
        }
        Ok(())
    })?;
    if fit_to_page {
        look.fit_to_pages = Some(fit);
    }
    look.cells.sort_unstable_by_key(|&(r, c, _)| (r, c));
    look.cells.dedup_by_key(|&mut (r, c, _)| (r, c));
    look.rows.sort_unstable_by_key(|r| r.row);
    look.rows.dedup_by_key(|r| r.row);
    Ok(look)
}

/// Whether a number format shows a date or a time: it names years, months, days, hours or
/// seconds outside quoted text, escaped characters and `[…]` sections (colours, conditions),
/// except elapsed-time sections such as `[h]`.
pub(crate) fn is_date_format(code: &str) -> bool {
    let mut chars = code.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                for q in chars.by_ref() {
                    if q == '"' {
                        break;
                    }
                }
            }
            '\\' | '_' | '*' => {
                chars.next();
            }
            '[' => {
                let inside: String = chars.by_ref().take_while(|&q| q != ']').collect();
                let lower = inside.to_ascii_lowercase();
                if !lower.is_empty() && lower.chars().all(|q| matches!(q, 'h' | 'm' | 's')) {
                    return true;
                }
            }
            'y' | 'Y' | 'm' | 'M' | 'd' | 'D' | 'h' | 'H' | 's' | 'S' => return true,
            _ => {}
        }
    }
    false
}

/// An RGB colour for rust_xlsxwriter; Excel ignores the alpha byte of a stored colour (openpyxl
/// writes `00`), so it is dropped.
fn color(c: calamine::Color) -> Color {
    Color::RGB((u32::from(c.red) << 16) | (u32::from(c.green) << 8) | u32::from(c.blue))
}

fn border(style: BorderStyle) -> FormatBorder {
    match style {
        BorderStyle::Thin => FormatBorder::Thin,
        BorderStyle::Medium => FormatBorder::Medium,
        BorderStyle::Thick => FormatBorder::Thick,
        BorderStyle::Double => FormatBorder::Double,
        BorderStyle::Hair => FormatBorder::Hair,
        BorderStyle::Dashed => FormatBorder::Dashed,
        BorderStyle::Dotted => FormatBorder::Dotted,
        BorderStyle::MediumDashed => FormatBorder::MediumDashed,
        BorderStyle::DashDot => FormatBorder::DashDot,
        BorderStyle::MediumDashDot => FormatBorder::MediumDashDot,
        BorderStyle::DashDotDot => FormatBorder::DashDotDot,
        BorderStyle::MediumDashDotDot => FormatBorder::MediumDashDotDot,
        // rust_xlsxwriter has no slanted dash-dot: the nearest is a medium dash-dot.
        BorderStyle::SlantDashDot => FormatBorder::MediumDashDot,
        _ => FormatBorder::None,
    }
}

fn pattern(p: FillPattern) -> FormatPattern {
    match p {
        FillPattern::Solid => FormatPattern::Solid,
        FillPattern::DarkGray => FormatPattern::DarkGray,
        FillPattern::MediumGray => FormatPattern::MediumGray,
        FillPattern::LightGray => FormatPattern::LightGray,
        FillPattern::Gray125 => FormatPattern::Gray125,
        FillPattern::Gray0625 => FormatPattern::Gray0625,
        FillPattern::DarkHorizontal => FormatPattern::DarkHorizontal,
        FillPattern::DarkVertical => FormatPattern::DarkVertical,
        FillPattern::DarkDown => FormatPattern::DarkDown,
        FillPattern::DarkUp => FormatPattern::DarkUp,
        FillPattern::DarkGrid => FormatPattern::DarkGrid,
        FillPattern::DarkTrellis => FormatPattern::DarkTrellis,
        FillPattern::LightHorizontal => FormatPattern::LightHorizontal,
        FillPattern::LightVertical => FormatPattern::LightVertical,
        FillPattern::LightDown => FormatPattern::LightDown,
        FillPattern::LightUp => FormatPattern::LightUp,
        FillPattern::LightGrid => FormatPattern::LightGrid,
        FillPattern::LightTrellis => FormatPattern::LightTrellis,
        _ => FormatPattern::None,
    }
}

/// The rust_xlsxwriter format of a template style.
pub(crate) fn format_of(style: &Style) -> Format {
    let mut f = Format::new();
    if let Some(font) = &style.font {
        if let Some(name) = &font.name {
            f = f.set_font_name(name.as_str());
        }
        if let Some(size) = font.size {
            f = f.set_font_size(size);
        }
        if font.is_bold() {
            f = f.set_bold();
        }
        if font.style == FontStyle::Italic {
            f = f.set_italic();
        }
        f = match font.underline {
            UnderlineStyle::Single => f.set_underline(FormatUnderline::Single),
            UnderlineStyle::Double => f.set_underline(FormatUnderline::Double),
            UnderlineStyle::SingleAccounting => f.set_underline(FormatUnderline::SingleAccounting),
            UnderlineStyle::DoubleAccounting => f.set_underline(FormatUnderline::DoubleAccounting),
            _ => f,
        };
        if font.strikethrough {
            f = f.set_font_strikethrough();
        }
        if let Some(c) = font.color {
            f = f.set_font_color(color(c));
        }
        if let Some(family) = font.family {
            f = f.set_font_family(family);
        }
    }
    if let Some(fill) = &style.fill {
        match fill.pattern {
            FillPattern::None => {}
            FillPattern::Solid => {
                // rust_xlsxwriter writes a solid fill's colour from its background colour.
                if let Some(c) = fill.get_color() {
                    f = f
                        .set_pattern(FormatPattern::Solid)
                        .set_background_color(color(c));
                }
            }
            p => {
                f = f.set_pattern(pattern(p));
                if let Some(c) = fill.foreground_color {
                    f = f.set_foreground_color(color(c));
                }
                if let Some(c) = fill.background_color {
                    f = f.set_background_color(color(c));
                }
            }
        }
    }
    if let Some(b) = &style.borders {
        let sides = [
            (&b.left, 0usize),
            (&b.right, 1),
            (&b.top, 2),
            (&b.bottom, 3),
        ];
        for (side, which) in sides {
            if !side.is_visible() {
                continue;
            }
            let kind = border(side.style);
            f = match which {
                0 => f.set_border_left(kind),
                1 => f.set_border_right(kind),
                2 => f.set_border_top(kind),
                _ => f.set_border_bottom(kind),
            };
            if let Some(c) = side.color {
                f = match which {
                    0 => f.set_border_left_color(color(c)),
                    1 => f.set_border_right_color(color(c)),
                    2 => f.set_border_top_color(color(c)),
                    _ => f.set_border_bottom_color(color(c)),
                };
            }
        }
        let (up, down) = (b.diagonal_up.is_visible(), b.diagonal_down.is_visible());
        if up || down {
            let side = if up { &b.diagonal_up } else { &b.diagonal_down };
            f = f
                .set_border_diagonal(border(side.style))
                .set_border_diagonal_type(match (up, down) {
                    (true, true) => FormatDiagonalBorder::BorderUpDown,
                    (true, false) => FormatDiagonalBorder::BorderUp,
                    _ => FormatDiagonalBorder::BorderDown,
                });
            if let Some(c) = side.color {
                f = f.set_border_diagonal_color(color(c));
            }
        }
    }
    if let Some(a) = &style.alignment {
        f = match a.horizontal {
            HorizontalAlignment::Left => f.set_align(FormatAlign::Left),
            HorizontalAlignment::Center => f.set_align(FormatAlign::Center),
            HorizontalAlignment::CenterContinuous => f.set_align(FormatAlign::CenterAcross),
            HorizontalAlignment::Right => f.set_align(FormatAlign::Right),
            HorizontalAlignment::Justify => f.set_align(FormatAlign::Justify),
            HorizontalAlignment::Distributed => f.set_align(FormatAlign::Distributed),
            HorizontalAlignment::Fill => f.set_align(FormatAlign::Fill),
            _ => f,
        };
        f = match a.vertical {
            VerticalAlignment::Top => f.set_align(FormatAlign::Top),
            VerticalAlignment::Center => f.set_align(FormatAlign::VerticalCenter),
            VerticalAlignment::Justify => f.set_align(FormatAlign::VerticalJustify),
            VerticalAlignment::Distributed => f.set_align(FormatAlign::VerticalDistributed),
            _ => f,
        };
        if a.wrap_text {
            f = f.set_text_wrap();
        }
        if let Some(indent) = a.indent.filter(|i| *i > 0) {
            f = f.set_indent(indent);
        }
        if a.shrink_to_fit {
            f = f.set_shrink();
        }
        f = match a.text_rotation {
            // Excel stores 91–180 for text turned clockwise 1–90 degrees.
            TextRotation::Degrees(d) if (1..=90).contains(&d) => f.set_rotation(d as i16),
            TextRotation::Degrees(d) if (91..=180).contains(&d) => f.set_rotation(90 - d as i16),
            TextRotation::Stacked => f.set_rotation(270),
            _ => f,
        };
    }
    if let Some(n) = &style.number_format {
        match n.format_id {
            Some(0) => {}
            // Built-in formats keep their id, which spreadsheet programs show in the local way.
            Some(id @ 1..=163) => {
                if let Ok(id) = u8::try_from(id) {
                    f = f.set_num_format_index(id);
                }
            }
            _ if n.format_code != "General" => f = f.set_num_format(n.format_code.as_str()),
            _ => {}
        }
    }
    if let Some(p) = &style.protection {
        if !p.locked {
            f = f.set_unlocked();
        }
        if p.hidden {
            f = f.set_hidden();
        }
    }
    f
}

/// The number format of a template style, if it has one other than General.
pub(crate) fn number_format(style: &Style) -> Option<&str> {
    style
        .number_format
        .as_ref()
        .map(|n| n.format_code.as_str())
        .filter(|c| !c.eq_ignore_ascii_case("General"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_formats_are_told_from_others() {
        for (code, date) in [
            ("yyyy-mm-dd", true),
            ("yyyy\"年\"m\"月\"d\"日\"", true),
            ("m/d/yy h:mm", true),
            ("[h]:mm:ss", true),
            ("[$-804]yyyy\"年\"m\"月\"", true),
            ("General", false),
            ("0.0%", false),
            ("#,##0.00", false),
            ("\"共\"0\"户\"", false),
            ("[Red]0.00", false),
            ("@", false),
            ("0.00_);[Red]\\(0.00\\)", false),
        ] {
            assert_eq!(is_date_format(code), date, "{code}");
        }
    }

    #[test]
    fn relationship_targets_resolve_inside_the_package() {
        assert_eq!(
            resolve("xl", "worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(
            resolve("xl", "/xl/worksheets/sheet2.xml"),
            "xl/worksheets/sheet2.xml"
        );
        assert_eq!(resolve("xl", "../customXml/a.xml"), "customXml/a.xml");
        assert_eq!(resolve("", "xl/workbook.xml"), "xl/workbook.xml");
    }

    #[test]
    fn cell_positions_are_read() {
        assert_eq!(cell_position("A1"), Some((0, 0)));
        assert_eq!(cell_position("J11"), Some((10, 9)));
        assert_eq!(cell_position("AA3"), Some((2, 26)));
        assert_eq!(cell_position("A0"), None);
        assert_eq!(cell_position("1"), None);
    }

    #[test]
    fn sheet_parts_give_widths_heights_and_styles() -> Result<(), LookError> {
        let xml = br#"<worksheet><sheetViews><sheetView showGridLines="0" zoomScale="85"><pane ySplit="3" topLeftCell="A4" state="frozen"/></sheetView></sheetViews>
            <sheetFormatPr defaultRowHeight="18" customHeight="1"/>
            <cols><col min="1" max="1" width="6" customWidth="1"/><col min="3" max="4" width="12.5" hidden="1" style="2"/></cols>
            <sheetData><row r="1" ht="28" customHeight="1"><c r="A1" s="1"/><c s="3"/></row><row r="3" ht="15"><c r="B3"/></row><row r="5" hidden="1" s="4" customFormat="1"/></sheetData>
            <pageMargins left="0.5" right="0.5" top="1" bottom="1" header="0.3" footer="0.3"/><pageSetup orientation="landscape" paperSize="9"/></worksheet>"#;
        let look = sheet_look(xml)?;
        assert!(!look.grid_lines);
        assert_eq!(look.zoom, Some(85));
        assert_eq!(look.freeze, Some((3, 0)));
        assert_eq!(look.default_row_height, Some(18.0));
        assert_eq!(look.columns.len(), 2);
        assert_eq!(look.columns[1].first, 2);
        assert_eq!(look.columns[1].last, 3);
        assert_eq!(look.columns[1].width, Some(12.5));
        assert!(look.columns[1].hidden);
        assert_eq!(look.columns[1].style, Some(2));
        assert_eq!(look.cells, vec![(0, 0, 1), (0, 1, 3)]);
        assert_eq!(look.row(0).and_then(|r| r.height), Some(28.0));
        assert_eq!(look.row(2), None, "an automatic height is not kept");
        assert_eq!(
            look.row(4).map(|r| (r.hidden, r.style)),
            Some((true, Some(4)))
        );
        assert!(look.landscape);
        assert_eq!(look.paper_size, Some(9));
        assert_eq!(look.margins, Some([0.5, 0.5, 1.0, 1.0, 0.3, 0.3]));
        Ok(())
    }
}

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
//! The palette has one [`Style`] per distinct style met, `Default` first (id 0), so the renderer
//! uses it exactly as it uses the palette calamine gives for `.xlsx`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Cursor, Read};

use calamine::{
    Alignment, Border, BorderStyle, Borders, Color, Fill, FillPattern, Font, FontStyle, FontWeight,
    HorizontalAlignment, NumberFormat, Protection, Style, TextRotation, UnderlineStyle,
    VerticalAlignment,
};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::look::{
    BookLook, ColumnLook, LookError, PrintNames, RowLook, SheetLook, MAX_STYLED_CELLS,
};
use super::shift::{MAX_COL, MAX_ROW};
use super::workbook::{column_letters, CellRange};

/// The largest part read, uncompressed: templates are small, and a part that inflates past this
/// is not a form.
const MAX_PART_BYTES: u64 = 256 * 1024 * 1024;

/// Excel's rows and columns: positions past them are cut.
const ROWS: u64 = MAX_ROW as u64 + 1;
const COLUMNS: u64 = MAX_COL as u64 + 1;

/// The most merged ranges kept per sheet; a form has dozens.
const MAX_MERGES: usize = 65_536;

/// The most rows with a height, hiding or style kept per sheet.
const MAX_ROW_LOOKS: usize = 65_536;

/// The most styles of each kind kept; a damaged file naming more keeps its first.
const MAX_STYLES: usize = 65_536;

/// The most literal text kept of one part of a number format, in bytes.
const MAX_TEXT: usize = 1024;

/// How deep `style:parent-style-name` is followed (a loop stops here too).
const MAX_INHERITANCE: usize = 32;

/// A run of repeated rows or columns this long, at the end of a table, is what a program writes
/// for "all the rest": its height or width becomes the sheet's default.
const TAIL_RUN: u64 = 1024;

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

// ---------------------------------------------------------------------------------------------
// The package.

/// Runs `f` on a reader of the part `name`, if the package has it. A part that inflates past
/// [`MAX_PART_BYTES`] is an error.
fn with_part<T>(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
    f: impl FnOnce(
        &mut Reader<BufReader<std::io::Take<zip::read::ZipFile<'_, Cursor<&[u8]>>>>>,
    ) -> Result<T, LookError>,
) -> Result<Option<T>, LookError> {
    let file = match zip.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let mut reader = xml_reader(BufReader::new(file.take(MAX_PART_BYTES + 1)));
    let out = f(&mut reader)?;
    if reader.into_inner().into_inner().limit() == 0 {
        return Err(LookError(format!("{name} is too large")));
    }
    Ok(Some(out))
}

/// A reader that, as calamine's (which read the file first), does not check end names, and keeps
/// text as written (a format's literal spaces).
fn xml_reader<R: BufRead>(source: R) -> Reader<R> {
    let mut reader = Reader::from_reader(source);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    reader
}

/// The element's attributes as (qualified name, unescaped value); a malformed one is skipped
/// (calamine read the file, so a damaged attribute is one calamine ignored too).
fn attributes<'a>(e: &'a BytesStart<'_>) -> impl Iterator<Item = (String, String)> + 'a {
    let mut all = e.attributes();
    all.with_checks(false);
    all.flatten().map(|a| {
        let value = quick_xml::escape::unescape(&a.value)
            .map(std::borrow::Cow::into_owned)
            .unwrap_or_else(|_| a.value.to_string());
        (a.key.as_ref().to_string(), value)
    })
}

/// One attribute's value by qualified name.
fn attribute(e: &BytesStart<'_>, name: &str) -> Option<String> {
    attributes(e).find(|(k, _)| k == name).map(|(_, v)| v)
}

/// A count attribute (`table:number-rows-repeated`): a positive integer, 1 when absent or
/// unreadable.
fn count(value: Option<String>) -> u64 {
    let Some(v) = value else {
        return 1;
    };
    let v = v.trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return 1;
    }
    // Digits past `u64` are more than any sheet holds: cut where the count is used.
    v.parse::<u64>().unwrap_or(u64::MAX).max(1)
}

// ---------------------------------------------------------------------------------------------
// Units.

/// A length (`2.258cm`, `0.889in`, `64.01pt`, `20mm`, `1pc`, `96px`) in points.
fn points(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text
        .find(|c: char| c.is_ascii_alphabetic() || c == '%')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: f64 = number.trim().parse().ok()?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "pt" => 1.0,
        "in" => 72.0,
        "cm" => 72.0 / 2.54,
        "mm" => 72.0 / 25.4,
        "pc" => 12.0,
        "px" => 0.75,
        _ => return None,
    };
    Some(n * factor).filter(|p| p.is_finite() && *p >= 0.0)
}

/// A column width in points as Excel characters: the pixels it covers at 96 dpi over the
/// 7-pixel digit of Calibri 11 (see the module's documentation).
fn width_in_characters(pt: f64) -> f64 {
    let pixels = pt * 96.0 / 72.0;
    (pixels / 7.0).clamp(0.0, 255.0)
}

/// A row height in points as Excel keeps it, to the twentieth of a point (LibreOffice writes
/// 30pt as `0.4165in`).
fn row_height(pt: f64) -> f64 {
    ((pt * 20.0).round() / 20.0).clamp(0.0, 409.0)
}

/// `#rrggbb` (or `#rgb`) as an opaque colour.
fn color(text: &str) -> Option<Color> {
    let hex = text.trim().strip_prefix('#')?;
    let value = u32::from_str_radix(hex, 16).ok()?;
    let (r, g, b) = match hex.len() {
        6 => ((value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF),
        3 => (
            ((value >> 8) & 0xF) * 17,
            ((value >> 4) & 0xF) * 17,
            (value & 0xF) * 17,
        ),
        _ => return None,
    };
    Some(Color::rgb(
        u8::try_from(r).ok()?,
        u8::try_from(g).ok()?,
        u8::try_from(b).ok()?,
    ))
}

// ---------------------------------------------------------------------------------------------
// Cell styles.

/// What one cell style element sets; `None` is "inherited".
#[derive(Debug, Default, Clone, PartialEq)]
struct CellProps {
    font_name: Option<String>,
    font_size: Option<f64>,
    bold: Option<bool>,
    italic: Option<bool>,
    underline: Option<UnderlineStyle>,
    strikethrough: Option<bool>,
    /// `Some(None)`: the automatic colour.
    font_color: Option<Option<Color>>,
    /// `Some(None)`: transparent.
    background: Option<Option<Color>>,
    left: Option<Border>,
    right: Option<Border>,
    top: Option<Border>,
    bottom: Option<Border>,
    diagonal_up: Option<Border>,
    diagonal_down: Option<Border>,
    wrap: Option<bool>,
    shrink: Option<bool>,
    vertical: Option<VerticalAlignment>,
    horizontal: Option<HorizontalAlignment>,
    /// `style:text-align-source="value-type"`: aligned by the value's type, whatever
    /// `fo:text-align` says.
    align_by_value: Option<bool>,
    rotation: Option<TextRotation>,
    /// (locked, hidden).
    protection: Option<(bool, bool)>,
    data_style: Option<String>,
}

impl CellProps {
    /// Lays `other`'s settings over these.
    fn overlay(&mut self, other: &CellProps) {
        macro_rules! take {
            ($($field:ident),*) => {
                $(if other.$field.is_some() {
                    self.$field.clone_from(&other.$field);
                })*
            };
        }
        take!(
            font_name,
            font_size,
            bold,
            italic,
            underline,
            strikethrough,
            font_color,
            background,
            left,
            right,
            top,
            bottom,
            diagonal_up,
            diagonal_down,
            wrap,
            shrink,
            vertical,
            horizontal,
            align_by_value,
            rotation,
            protection,
            data_style
        );
    }

    /// Reads `style:text-properties`.
    fn text_properties(&mut self, e: &BytesStart<'_>) {
        let mut window_color = false;
        let mut underline_style = None;
        let mut underline_double = false;
        for (key, value) in attributes(e) {
            match key.as_str() {
                "style:font-name" => self.font_name = Some(value),
                // A family given directly counts only where no declared font names it.
                "fo:font-family" if self.font_name.is_none() => {
                    self.font_name = Some(unquote(&value));
                }
                "fo:font-size" => {
                    if let Some(size) = points(&value) {
                        self.font_size = Some(size);
                    }
                }
                "fo:font-weight" => {
                    self.bold = Some(match value.as_str() {
                        "bold" => true,
                        w => w.parse::<u32>().is_ok_and(|w| w >= 600),
                    });
                }
                "fo:font-style" => self.italic = Some(value != "normal"),
                "style:text-underline-style" => underline_style = Some(value),
                "style:text-underline-type" => underline_double = value == "double",
                "style:text-line-through-style" => self.strikethrough = Some(value != "none"),
                "fo:color" => {
                    if let Some(c) = color(&value) {
                        self.font_color = Some(Some(c));
                    }
                }
                "style:use-window-font-color" => window_color = value == "true",
                _ => {}
            }
        }
        if window_color {
            self.font_color = Some(None);
        }
        if let Some(style) = underline_style {
            self.underline = Some(match (style.as_str(), underline_double) {
                ("none", _) => UnderlineStyle::None,
                (_, true) => UnderlineStyle::Double,
                _ => UnderlineStyle::Single,
            });
        }
    }

    /// Reads `style:table-cell-properties`.
    fn cell_properties(&mut self, e: &BytesStart<'_>) {
        let mut all = None;
        let mut sides: [Option<Border>; 4] = Default::default();
        let mut stacked = None;
        for (key, value) in attributes(e) {
            match key.as_str() {
                "fo:background-color" => {
                    self.background = Some(if value == "transparent" {
                        None
                    } else {
                        color(&value)
                    });
                }
                "fo:border" => all = Some(border(&value)),
                "fo:border-left" => sides[0] = Some(border(&value)),
                "fo:border-right" => sides[1] = Some(border(&value)),
                "fo:border-top" => sides[2] = Some(border(&value)),
                "fo:border-bottom" => sides[3] = Some(border(&value)),
                "style:diagonal-bl-tr" => self.diagonal_up = Some(border(&value)),
                "style:diagonal-tl-br" => self.diagonal_down = Some(border(&value)),
                "fo:wrap-option" => self.wrap = Some(value == "wrap"),
                "style:shrink-to-fit" => self.shrink = Some(value == "true"),
                "style:vertical-align" => {
                    self.vertical = Some(match value.as_str() {
                        "top" => VerticalAlignment::Top,
                        "middle" => VerticalAlignment::Center,
                        _ => VerticalAlignment::Bottom,
                    });
                }
                "style:text-align-source" => self.align_by_value = Some(value == "value-type"),
                "style:rotation-angle" => self.rotation = Some(rotation(&value)),
                "style:direction" => stacked = Some(value == "ttb"),
                "style:cell-protect" => {
                    let protected = value.contains("protected");
                    let hidden = value.contains("hidden");
                    self.protection = Some((protected, hidden));
                }
                _ => {}
            }
        }
        // `fo:border` sets every side; a side named on its own wins.
        if let Some(b) = all {
            for side in &mut sides {
                if side.is_none() {
                    *side = Some(b.clone());
                }
            }
        }
        let [left, right, top, bottom] = sides;
        for (slot, side) in [
            (&mut self.left, left),
            (&mut self.right, right),
            (&mut self.top, top),
            (&mut self.bottom, bottom),
        ] {
            if side.is_some() {
                *slot = side;
            }
        }
        if stacked == Some(true) {
            self.rotation = Some(TextRotation::Stacked);
        }
    }

    /// Reads `style:paragraph-properties`.
    fn paragraph_properties(&mut self, e: &BytesStart<'_>) {
        let mut distributed = false;
        let mut align = None;
        for (key, value) in attributes(e) {
            match key.as_str() {
                "fo:text-align" => align = Some(value),
                "css3t:text-justify" => distributed = value == "distribute",
                _ => {}
            }
        }
        if let Some(align) = align {
            self.horizontal = Some(match align.as_str() {
                "start" | "left" => HorizontalAlignment::Left,
                "center" => HorizontalAlignment::Center,
                "end" | "right" => HorizontalAlignment::Right,
                "justify" if distributed => HorizontalAlignment::Distributed,
                "justify" => HorizontalAlignment::Justify,
                _ => HorizontalAlignment::General,
            });
        }
    }

    /// The calamine style these settings give, with font names resolved through `fonts`.
    fn style(&self, fonts: &HashMap<String, FontFace>, numbers: &NumberStyles) -> Style {
        let mut style = Style::default();

        let mut font = Font::default();
        if let Some(name) = &self.font_name {
            match fonts.get(name) {
                Some(face) => {
                    font.name = Some(face.family.clone());
                    font.family = face.generic;
                }
                None => font.name = Some(name.clone()),
            }
        }
        font.size = self.font_size;
        if self.bold == Some(true) {
            font.weight = FontWeight::Bold;
        }
        if self.italic == Some(true) {
            font.style = FontStyle::Italic;
        }
        font.underline = self.underline.unwrap_or_default();
        font.strikethrough = self.strikethrough.unwrap_or(false);
        font.color = self.font_color.flatten();
        style.font = Some(font);

        if let Some(Some(c)) = self.background {
            let mut fill = Fill::default();
            fill.pattern = FillPattern::Solid;
            fill.foreground_color = Some(c);
            style.fill = Some(fill);
        }

        let mut borders = Borders::default();
        let pick = |b: &Option<Border>| b.clone().unwrap_or_default();
        borders.left = pick(&self.left);
        borders.right = pick(&self.right);
        borders.top = pick(&self.top);
        borders.bottom = pick(&self.bottom);
        borders.diagonal_up = pick(&self.diagonal_up);
        borders.diagonal_down = pick(&self.diagonal_down);
        if borders.has_visible_borders() {
            style.borders = Some(borders);
        }

        let mut alignment = Alignment::default();
        if self.align_by_value != Some(true) {
            alignment.horizontal = self.horizontal.unwrap_or_default();
        }
        alignment.vertical = self.vertical.unwrap_or_default();
        alignment.wrap_text = self.wrap.unwrap_or(false);
        alignment.shrink_to_fit = self.shrink.unwrap_or(false);
        alignment.text_rotation = self.rotation.unwrap_or_default();
        if alignment != Alignment::default() {
            style.alignment = Some(alignment);
        }

        if let Some(code) = self.data_style.as_deref().and_then(|n| numbers.code(n)) {
            let mut format = NumberFormat::default();
            format.format_code = code;
            style.number_format = Some(format);
        }

        // Excel locks every cell unless told otherwise; only a difference is kept.
        if let Some((locked, hidden)) = self.protection.filter(|p| *p != (true, false)) {
            let mut protection = Protection::default();
            protection.locked = locked;
            protection.hidden = hidden;
            style.protection = Some(protection);
        }
        style
    }
}

/// `'DejaVu Sans'` as `DejaVu Sans`.
fn unquote(text: &str) -> String {
    let t = text.trim();
    t.strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .or_else(|| t.strip_prefix('"').and_then(|s| s.strip_suffix('"')))
        .unwrap_or(t)
        .to_string()
}

/// A border (`0.74pt solid #000000`, `none`): width, line style and colour in any order.
/// Widths map as LibreOffice's own presets do (hairline 0.05pt, thin 0.75pt, medium 1.5pt,
/// thick 2.25pt; its Excel import writes 0.74pt, 1.76pt and 2.49pt).
fn border(text: &str) -> Border {
    let mut width: Option<f64> = None;
    let mut line = "solid";
    let mut c = None;
    for token in text.split_whitespace() {
        if let Some(p) = points(token) {
            width = Some(p);
        } else if token.starts_with('#') {
            c = color(token);
        } else {
            match token {
                "thin" => width = Some(0.75),
                "medium" => width = Some(1.5),
                "thick" => width = Some(2.5),
                other => line = other,
            }
        }
    }
    let w = width.unwrap_or(0.75);
    let wide = w >= 1.25;
    let style = match line {
        _ if w <= 0.0 => BorderStyle::None,
        "none" | "hidden" => BorderStyle::None,
        "dotted" => BorderStyle::Dotted,
        "dashed" | "fine-dashed" | "dash" if wide => BorderStyle::MediumDashed,
        "dashed" | "fine-dashed" | "dash" => BorderStyle::Dashed,
        "dash-dot" if wide => BorderStyle::MediumDashDot,
        "dash-dot" => BorderStyle::DashDot,
        "dash-dot-dot" if wide => BorderStyle::MediumDashDotDot,
        "dash-dot-dot" => BorderStyle::DashDotDot,
        "double"
        | "double-thin"
        | "thick-thin"
        | "thin-thick"
        | "thick-between-thin"
        | "thin-thick-small-gap"
        | "thin-thick-medium-gap"
        | "thin-thick-large-gap"
        | "thick-thin-small-gap"
        | "thick-thin-medium-gap"
        | "thick-thin-large-gap" => BorderStyle::Double,
        _ if w < 0.4 => BorderStyle::Hair,
        _ if w < 1.25 => BorderStyle::Thin,
        _ if w < 2.2 => BorderStyle::Medium,
        _ => BorderStyle::Thick,
    };
    let mut b = Border::default();
    b.style = style;
    if style != BorderStyle::None {
        b.color = c;
    }
    b
}

/// `style:rotation-angle` (degrees counter-clockwise, maybe with a unit) as Excel keeps it:
/// 1–90 up, 91–180 for 1–90 down. Upside-down text has no Excel form and is kept level.
fn rotation(text: &str) -> TextRotation {
    let number: String = text
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+'))
        .collect();
    let Ok(degrees) = number.parse::<f64>() else {
        return TextRotation::None;
    };
    if !degrees.is_finite() {
        return TextRotation::None;
    }
    let d = degrees.round().rem_euclid(360.0) as u16;
    match d {
        1..=90 => TextRotation::Degrees(d),
        270..=359 => TextRotation::Degrees(90 + (360 - d)),
        _ => TextRotation::None,
    }
}

/// A named or automatic cell style.
#[derive(Debug, Default, Clone)]
struct CellStyle {
    parent: Option<String>,
    props: CellProps,
}

/// A declared font: its family and generic kind (OOXML's family class).
#[derive(Debug, Clone)]
struct FontFace {
    family: String,
    generic: Option<u8>,
}

/// What a row style says.
#[derive(Debug, Default, Clone, Copy)]
struct RowStyle {
    /// The height in points, when set by hand.
    height: Option<f64>,
}

/// Everything read from `styles.xml` and the automatic styles of `content.xml`.
#[derive(Debug, Default)]
struct Styles {
    fonts: HashMap<String, FontFace>,
    default_cell: CellProps,
    /// `office:styles` of `styles.xml`: what `style:parent-style-name` names.
    common: HashMap<String, CellStyle>,
    /// `office:automatic-styles` of `content.xml`.
    automatic: HashMap<String, CellStyle>,
    numbers: NumberStyles,
    /// Column style → width in points.
    columns: HashMap<String, f64>,
    rows: HashMap<String, RowStyle>,
    /// Table style → master page.
    tables: HashMap<String, String>,
    page_layouts: HashMap<String, PageLayout>,
    master_pages: HashMap<String, MasterPage>,
}

impl Styles {
    /// The properties of cell style `name`, inheritance resolved.
    fn resolve(&self, name: &str) -> CellProps {
        let mut chain: Vec<&CellStyle> = Vec::new();
        let mut next = self.automatic.get(name).or_else(|| self.common.get(name));
        while let Some(style) = next {
            if chain.len() >= MAX_INHERITANCE {
                break;
            }
            chain.push(style);
            next = style.parent.as_deref().and_then(|p| self.common.get(p));
        }
        let mut props = self.default_cell.clone();
        for style in chain.iter().rev() {
            props.overlay(&style.props);
        }
        props
    }
}

/// The palette being built: one calamine style per distinct look, `Default` first.
#[derive(Debug)]
struct Palette<'s> {
    styles: &'s Styles,
    list: Vec<Style>,
    by_name: HashMap<String, u32>,
    /// Styles already in the list, by their debug text (calamine's styles are not `Hash`).
    by_look: HashMap<String, u32>,
}

impl<'s> Palette<'s> {
    fn new(styles: &'s Styles) -> Self {
        let default = styles
            .resolve("Default")
            .style(&styles.fonts, &styles.numbers);
        let mut palette = Palette {
            styles,
            list: Vec::new(),
            by_name: HashMap::new(),
            by_look: HashMap::new(),
        };
        palette.by_look.insert(format!("{default:?}"), 0);
        palette.list.push(default);
        palette.by_name.insert("Default".to_string(), 0);
        palette
    }

    /// The id of cell style `name`.
    fn id(&mut self, name: &str) -> u32 {
        if let Some(id) = self.by_name.get(name) {
            return *id;
        }
        if self.by_name.len() >= MAX_STYLES {
            return 0;
        }
        let style = self
            .styles
            .resolve(name)
            .style(&self.styles.fonts, &self.styles.numbers);
        let key = format!("{style:?}");
        let id = match self.by_look.get(&key) {
            Some(id) => *id,
            None => {
                let id = u32::try_from(self.list.len()).unwrap_or(0);
                self.list.push(style);
                self.by_look.insert(key, id);
                id
            }
        };
        self.by_name.insert(name.to_string(), id);
        id
    }
}

// ---------------------------------------------------------------------------------------------
// Number styles.

/// Which element a number style is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum NumberKind {
    #[default]
    Number,
    Percentage,
    Currency,
    Date,
    Text,
    Boolean,
}

/// A part of a number style.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    /// A format code as it is (`0.00`, `yyyy`, `@`).
    Code(String),
    /// Literal text, quoted as Excel needs.
    Text(String),
    /// A currency symbol (empty: the locale's, `¥` for the county's).
    Currency(String),
    /// A repeated fill character.
    Fill(String),
}

/// A `style:map`: the condition and the style it applies.
#[derive(Debug, Clone, PartialEq)]
struct Condition {
    test: String,
    apply: String,
}

#[derive(Debug, Default, Clone, PartialEq)]
struct NumberStyle {
    kind: NumberKind,
    pieces: Vec<Piece>,
    color: Option<Color>,
    maps: Vec<Condition>,
    /// `number:truncate-on-overflow="false"`: the leading time unit counts past its range
    /// (`[h]:mm`).
    elapsed: bool,
    /// Whether its `number:number` is LibreOffice's General: no decimal places given, no
    /// grouping (the style is General if that is all it has).
    general: bool,
}

#[derive(Debug, Default)]
struct NumberStyles(HashMap<String, NumberStyle>);

impl NumberStyles {
    /// The Excel format code of number style `name`, `None` for General or an unknown name.
    fn code(&self, name: &str) -> Option<String> {
        let style = self.0.get(name)?;
        let own = self.body(style)?;
        if style.maps.is_empty() {
            return Some(own).filter(|c| c != "General");
        }
        let (mut pos, mut neg, mut zero) = (None, None, None);
        for map in &style.maps {
            let Some(body) = self.0.get(&map.apply).and_then(|s| self.body(s)) else {
                continue;
            };
            match section(&map.test) {
                Section::Negative if neg.is_none() => neg = Some(body),
                Section::Zero if zero.is_none() => zero = Some(body),
                Section::Positive | Section::Other if pos.is_none() => pos = Some(body),
                _ => {}
            }
        }
        let mut sections: Vec<String> = Vec::new();
        if style.kind == NumberKind::Text {
            // The style's own body is the text section, after the number sections.
            let first = pos.unwrap_or_else(|| "General".to_string());
            sections.push(first.clone());
            if neg.is_some() || zero.is_some() {
                sections.push(neg.unwrap_or(first));
            }
            if let Some(z) = zero {
                sections.push(z);
            }
            sections.push(own);
        } else if let Some(p) = pos {
            sections.push(p);
            match neg {
                // Positive and negative mapped: the style's own parts are for zero.
                Some(n) => {
                    sections.push(n);
                    sections.push(zero.unwrap_or(own));
                }
                None => {
                    sections.push(own);
                    sections.extend(zero);
                }
            }
        } else {
            sections.push(own.clone());
            sections.push(neg.unwrap_or_else(|| own.clone()));
            if let Some(z) = zero {
                sections.push(z);
            }
        }
        Some(sections.join(";"))
    }

    /// The code of one style's own parts, with its colour, without its maps.
    fn body(&self, style: &NumberStyle) -> Option<String> {
        if style.kind == NumberKind::Boolean {
            return None;
        }
        let date = style.kind == NumberKind::Date;
        let mut out = String::new();
        if let Some(name) = style.color.and_then(color_name) {
            out.push_str(name);
        }
        for piece in &style.pieces {
            match piece {
                Piece::Code(code) => out.push_str(code),
                Piece::Text(text) => out.push_str(&quote(text, style.kind, date)),
                Piece::Currency(symbol) if symbol.is_empty() => out.push_str("\"¥\""),
                Piece::Currency(symbol) => out.push_str(&quote(symbol, style.kind, date)),
                Piece::Fill(c) => {
                    out.push('*');
                    out.push_str(c);
                }
            }
        }
        (!out.is_empty()).then_some(out)
    }
}

/// Which Excel section a `style:map` condition fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Positive,
    Negative,
    Zero,
    Other,
}

fn section(test: &str) -> Section {
    let t: String = test.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(rest) = t.strip_prefix("value()") else {
        return Section::Other;
    };
    let (op, number) = [">=", "<=", "!=", ">", "<", "="]
        .iter()
        .find_map(|op| rest.strip_prefix(op).map(|n| (*op, n)))
        .unwrap_or(("", ""));
    if number.parse::<f64>().ok() != Some(0.0) {
        return Section::Other;
    }
    match op {
        ">=" | ">" => Section::Positive,
        "<" | "<=" => Section::Negative,
        "=" => Section::Zero,
        _ => Section::Other,
    }
}

/// Excel's name for a number style colour, for the eight it names.
fn color_name(c: Color) -> Option<&'static str> {
    Some(match (c.red, c.green, c.blue) {
        (0, 0, 0) => "[Black]",
        (0xFF, 0, 0) => "[Red]",
        (0, 0xFF, 0) => "[Green]",
        (0, 0, 0xFF) => "[Blue]",
        (0xFF, 0xFF, 0) => "[Yellow]",
        (0xFF, 0, 0xFF) => "[Magenta]",
        (0, 0xFF, 0xFF) => "[Cyan]",
        (0xFF, 0xFF, 0xFF) => "[White]",
        _ => return None,
    })
}

/// Literal text in a format code: characters Excel shows as they are stay bare, the rest is
/// quoted (`年` → `"年"`), so `yyyy"年"m"月"` and `yyyy-mm-dd` come out as a clerk writes them.
fn quote(text: &str, kind: NumberKind, date: bool) -> String {
    let bare = |c: char| {
        matches!(c, ' ' | '-' | '(' | ')' | '$' | '+' | ':')
            || (date && matches!(c, '/' | '.' | ','))
            || (kind == NumberKind::Percentage && c == '%')
    };
    let mut out = String::new();
    let mut quoted = false;
    for c in text.chars() {
        if bare(c) || c == '"' {
            if quoted {
                out.push('"');
                quoted = false;
            }
            if c == '"' {
                out.push_str("\\\"");
            } else {
                out.push(c);
            }
        } else {
            if !quoted {
                out.push('"');
                quoted = true;
            }
            out.push(c);
        }
    }
    if quoted {
        out.push('"');
    }
    out
}

/// The attributes of `number:number` and its kin that the code needs.
#[derive(Debug, Default)]
struct Digits {
    decimals: Option<u32>,
    min_decimals: Option<u32>,
    min_integer: u32,
    grouping: bool,
    /// `number:display-factor`: 1000 per `,` at the end.
    thousands: u32,
    min_exponent: u32,
    exponent_interval: u32,
    numerator: u32,
    denominator: u32,
    denominator_value: Option<u32>,
}

impl Digits {
    fn read(e: &BytesStart<'_>) -> Digits {
        let mut d = Digits {
            min_integer: 1,
            ..Digits::default()
        };
        let small = |v: &str| v.trim().parse::<u32>().ok().map(|n| n.min(30));
        for (key, value) in attributes(e) {
            match key.as_str() {
                "number:decimal-places" => d.decimals = small(&value),
                "number:min-decimal-places" | "loext:min-decimal-places" => {
                    d.min_decimals = small(&value);
                }
                "number:min-integer-digits" => d.min_integer = small(&value).unwrap_or(1),
                "number:grouping" => d.grouping = value == "true",
                "number:display-factor" => {
                    let factor = value.trim().parse::<f64>().unwrap_or(1.0);
                    let mut f = factor;
                    while f >= 1000.0 && d.thousands < 4 {
                        d.thousands += 1;
                        f /= 1000.0;
                    }
                }
                "number:min-exponent-digits" => d.min_exponent = small(&value).unwrap_or(1),
                "number:exponent-interval" => d.exponent_interval = small(&value).unwrap_or(1),
                "number:min-numerator-digits" => d.numerator = small(&value).unwrap_or(1),
                "number:min-denominator-digits" => d.denominator = small(&value).unwrap_or(1),
                "number:denominator-value" => d.denominator_value = small(&value),
                "number:max-denominator-value" => {
                    if let Some(v) = value.trim().parse::<u64>().ok().filter(|v| *v > 0) {
                        let digits = v.to_string().len();
                        d.denominator = d.denominator.max(u32::try_from(digits).unwrap_or(1));
                    }
                }
                _ => {}
            }
        }
        d
    }

    /// The integer part: `0`, `#`, `#,##0`, `00`.
    fn integer(&self) -> String {
        let zeros = "0".repeat(self.min_integer as usize);
        if !self.grouping {
            return if zeros.is_empty() { "#".into() } else { zeros };
        }
        let mut digits = "#".repeat(4usize.saturating_sub(zeros.len())) + &zeros;
        let at = digits.len().saturating_sub(3);
        digits.insert(at, ',');
        digits
    }

    /// The decimal part: `.00`, `.0#`, or nothing.
    fn fraction(&self) -> String {
        let max = self.decimals.unwrap_or(0);
        let min = self.min_decimals.unwrap_or(max).min(max);
        if max == 0 {
            return String::new();
        }
        format!(
            ".{}{}",
            "0".repeat(min as usize),
            "#".repeat((max - min) as usize)
        )
    }

    fn number(&self) -> String {
        format!(
            "{}{}{}",
            self.integer(),
            self.fraction(),
            ",".repeat(self.thousands as usize)
        )
    }

    fn scientific(&self) -> String {
        // Engineering notation (an exponent in steps of 3) shows up to 3 integer digits.
        let interval = self.exponent_interval.max(1) as usize;
        let zeros = (self.min_integer as usize).clamp(1, interval);
        let integer = "#".repeat(interval - zeros) + &"0".repeat(zeros);
        format!(
            "{integer}{}E+{}",
            self.fraction(),
            "0".repeat(self.min_exponent.max(1) as usize)
        )
    }

    fn fraction_code(&self) -> String {
        let whole = if self.min_integer == 0 { "#" } else { "0" };
        let denominator = match self.denominator_value {
            Some(v) => v.to_string(),
            None => "?".repeat(self.denominator.max(1) as usize),
        };
        format!(
            "{whole} {}/{denominator}",
            "?".repeat(self.numerator.max(1) as usize)
        )
    }
}

/// A date or time part as an Excel code; `long` is `number:style="long"`.
fn date_part(element: &str, long: bool, textual: bool, seconds_decimals: u32) -> Option<String> {
    Some(match (element, long) {
        ("number:year", true) => "yyyy".into(),
        ("number:year", false) => "yy".into(),
        ("number:month", _) if textual => if long { "mmmm" } else { "mmm" }.into(),
        ("number:month", true) => "mm".into(),
        ("number:month", false) => "m".into(),
        ("number:day", true) => "dd".into(),
        ("number:day", false) => "d".into(),
        ("number:day-of-week", true) => "dddd".into(),
        ("number:day-of-week", false) => "ddd".into(),
        ("number:hours", true) => "hh".into(),
        ("number:hours", false) => "h".into(),
        ("number:minutes", true) => "mm".into(),
        ("number:minutes", false) => "m".into(),
        ("number:seconds", long) => {
            let base = if long { "ss" } else { "s" };
            if seconds_decimals > 0 {
                format!("{base}.{}", "0".repeat(seconds_decimals as usize))
            } else {
                base.into()
            }
        }
        ("number:am-pm", _) => "AM/PM".into(),
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Page setup.

/// A `style:page-layout`.
#[derive(Debug, Default, Clone)]
struct PageLayout {
    width: Option<f64>,
    height: Option<f64>,
    landscape: bool,
    /// Left, right, top, bottom margins in points.
    margins: [Option<f64>; 4],
    /// Fit to so many pages wide and tall.
    fit: Option<(u16, u16)>,
    center_horizontally: bool,
    center_vertically: bool,
    /// The header's and footer's height with their spacing, in points.
    header: f64,
    footer: f64,
}

/// A `style:master-page`: its layout and whether its header and footer show.
#[derive(Debug, Default, Clone)]
struct MasterPage {
    layout: String,
    header: bool,
    footer: bool,
}

impl PageLayout {
    fn read(&mut self, e: &BytesStart<'_>) {
        let mut fit_x = None;
        let mut fit_y = None;
        for (key, value) in attributes(e) {
            match key.as_str() {
                "fo:page-width" => self.width = points(&value),
                "fo:page-height" => self.height = points(&value),
                "style:print-orientation" => self.landscape = value == "landscape",
                "fo:margin-left" => self.margins[0] = points(&value),
                "fo:margin-right" => self.margins[1] = points(&value),
                "fo:margin-top" => self.margins[2] = points(&value),
                "fo:margin-bottom" => self.margins[3] = points(&value),
                "style:scale-to-X" => fit_x = value.trim().parse::<u16>().ok(),
                "style:scale-to-Y" => fit_y = value.trim().parse::<u16>().ok(),
                "style:table-centering" => {
                    self.center_horizontally = matches!(value.as_str(), "horizontal" | "both");
                    self.center_vertically = matches!(value.as_str(), "vertical" | "both");
                }
                _ => {}
            }
        }
        if fit_x.is_some() || fit_y.is_some() {
            self.fit = Some((fit_x.unwrap_or(0), fit_y.unwrap_or(0)));
        }
    }

    /// `style:header-footer-properties` of the header (`header`) or footer: the room it takes
    /// above or below the body.
    fn read_header_footer(&mut self, e: &BytesStart<'_>, header: bool) {
        let mut height = 0.0;
        let mut spacing = 0.0;
        for (key, value) in attributes(e) {
            match key.as_str() {
                "fo:min-height" | "svg:height" => height = points(&value).unwrap_or(0.0),
                "fo:margin-bottom" if header => spacing = points(&value).unwrap_or(0.0),
                "fo:margin-top" if !header => spacing = points(&value).unwrap_or(0.0),
                _ => {}
            }
        }
        if header {
            self.header = height + spacing;
        } else {
            self.footer = height + spacing;
        }
    }

    /// Excel's paper size code for the page's size (A4 is 9), within 2 mm.
    fn paper_size(&self) -> Option<u8> {
        let (w, h) = (self.width?, self.height?);
        let mm = |pt: f64| pt * 25.4 / 72.0;
        let (short, long) = (mm(w.min(h)), mm(w.max(h)));
        [
            (1, 215.9, 279.4),
            (5, 215.9, 355.6),
            (8, 297.0, 420.0),
            (9, 210.0, 297.0),
            (11, 148.0, 210.0),
            (12, 257.0, 364.0),
            (13, 182.0, 257.0),
        ]
        .iter()
        .find(|(_, s, l)| (short - s).abs() <= 2.0 && (long - l).abs() <= 2.0)
        .map(|(code, _, _)| *code)
    }

    /// Sets the sheet's page setup. Excel measures the top margin to the body, past the
    /// header; ODF to the header.
    fn apply(&self, page: &MasterPage, look: &mut SheetLook) {
        look.landscape = self.landscape;
        look.paper_size = self.paper_size();
        look.fit_to_pages = self.fit;
        look.center_horizontally = self.center_horizontally;
        look.center_vertically = self.center_vertically;
        if let [Some(l), Some(r), Some(t), Some(b)] = self.margins {
            let inch = |pt: f64| (pt / 72.0 * 1000.0).round() / 1000.0;
            let (top, header) = if page.header {
                (t + self.header, inch(t))
            } else {
                (t, 0.3)
            };
            let (bottom, footer) = if page.footer {
                (b + self.footer, inch(b))
            } else {
                (b, 0.3)
            };
            look.margins = Some([inch(l), inch(r), inch(top), inch(bottom), header, footer]);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The styles of a part.

/// Which part is read: `styles.xml` or `content.xml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PartKind {
    Styles,
    Content,
}

/// Which list of styles the reader is in: `office:styles`, `office:automatic-styles` or
/// `office:master-styles`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PartSection {
    None,
    Common,
    Automatic,
    Master,
}

/// Where a cell style being read goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CellTarget {
    Default,
    Common(String),
    Automatic(String),
    /// A style that no table cell uses (header and footer styles).
    Nowhere,
}

/// The element being read and what it builds.
#[derive(Debug)]
enum Open {
    Nothing,
    Cell(CellTarget, CellStyle),
    /// A column style and its width in points.
    Column(String, Option<f64>),
    /// A row style and its height in points, when set by hand.
    Row(String, Option<f64>),
    Number(String, NumberStyle),
    Layout(String, PageLayout),
    Master(String, MasterPage),
}

/// Text being gathered for a number style part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gather {
    Text,
    Currency,
    Fill,
}

/// Reads the styles of a part up to its body: `true` if the body begins (the reader is then
/// just past `office:body`), `false` at the end of the part.
fn prelude<R: BufRead>(
    reader: &mut Reader<R>,
    part: PartKind,
    styles: &mut Styles,
) -> Result<bool, LookError> {
    let mut buf = Vec::new();
    let mut section = PartSection::None;
    let mut open = Open::Nothing;
    // The element that opened `open`, to know its end.
    let mut open_name = String::new();
    let mut gather: Option<(Gather, String)> = None;
    let mut in_header_style: Option<bool> = None;
    loop {
        buf.clear();
        let event = reader.read_event_into(&mut buf)?;
        let (e, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = e {
            let name = e.name().as_ref().to_string();
            match name.as_str() {
                "office:body" if part == PartKind::Content && !empty => return Ok(true),
                "office:styles" => section = PartSection::Common,
                "office:automatic-styles" => section = PartSection::Automatic,
                "office:master-styles" => section = PartSection::Master,
                "style:font-face" => font_face(e, &mut styles.fonts),
                "style:default-style" => {
                    if attribute(e, "style:family").as_deref() == Some("table-cell") {
                        open = Open::Cell(CellTarget::Default, CellStyle::default());
                        open_name = name.clone();
                    }
                }
                "style:style" => {
                    open = style_element(e, part, section, styles);
                    open_name = name.clone();
                }
                n if n.starts_with("number:") && n.ends_with("-style") => {
                    let kind = match n {
                        "number:percentage-style" => NumberKind::Percentage,
                        "number:currency-style" => NumberKind::Currency,
                        "number:date-style" | "number:time-style" => NumberKind::Date,
                        "number:text-style" => NumberKind::Text,
                        "number:boolean-style" => NumberKind::Boolean,
                        _ => NumberKind::Number,
                    };
                    let style = NumberStyle {
                        kind,
                        elapsed: attribute(e, "number:truncate-on-overflow").as_deref()
                            == Some("false"),
                        ..NumberStyle::default()
                    };
                    open = Open::Number(attribute(e, "style:name").unwrap_or_default(), style);
                    open_name = name.clone();
                }
                "style:page-layout" => {
                    let layout_name = attribute(e, "style:name").unwrap_or_default();
                    open = Open::Layout(layout_name, PageLayout::default());
                    open_name = name.clone();
                }
                "style:master-page" => {
                    let page = MasterPage {
                        layout: attribute(e, "style:page-layout-name").unwrap_or_default(),
                        ..MasterPage::default()
                    };
                    open = Open::Master(attribute(e, "style:name").unwrap_or_default(), page);
                    open_name = name.clone();
                }
                _ => element_in_open(e, &name, &mut open, &mut gather, &mut in_header_style),
            }
            if empty && name == open_name {
                close(&mut open, styles);
                open_name.clear();
            }
            continue;
        }
        match event {
            // A format's literal text is short; a damaged one is cut rather than kept whole.
            Event::Text(t) => {
                if let Some((_, text)) = gather.as_mut().filter(|(_, t)| t.len() < MAX_TEXT) {
                    text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some((_, text)) = gather.as_mut().filter(|(_, t)| t.len() < MAX_TEXT) {
                    if let Ok(Some(c)) = r.resolve_char_ref() {
                        text.push(c);
                    } else if let Some(c) = match r.as_ref() {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    } {
                        text.push(c);
                    }
                }
            }
            Event::End(end) => {
                let name = end.name().as_ref().to_string();
                match name.as_str() {
                    "office:styles" | "office:automatic-styles" | "office:master-styles" => {
                        section = PartSection::None;
                    }
                    "number:text" | "number:currency-symbol" | "number:fill-character" => {
                        if let (Some((kind, text)), Open::Number(_, style)) =
                            (gather.take(), &mut open)
                        {
                            style.pieces.push(match kind {
                                Gather::Text => Piece::Text(text),
                                Gather::Currency => Piece::Currency(text),
                                Gather::Fill => {
                                    Piece::Fill(text.chars().next().unwrap_or(' ').to_string())
                                }
                            });
                        }
                    }
                    "style:header-style" | "style:footer-style" => in_header_style = None,
                    n if n == open_name => {
                        close(&mut open, styles);
                        open_name.clear();
                    }
                    _ => {}
                }
            }
            Event::Eof => return Ok(false),
            _ => {}
        }
    }
}

/// `style:font-face`: its name and family.
fn font_face(e: &BytesStart<'_>, fonts: &mut HashMap<String, FontFace>) {
    if fonts.len() >= MAX_STYLES {
        return;
    }
    let mut name = None;
    let mut family = None;
    let mut generic = None;
    for (key, value) in attributes(e) {
        match key.as_str() {
            "style:name" => name = Some(value),
            "svg:font-family" => family = Some(unquote(&value)),
            "style:font-family-generic" => {
                generic = match value.as_str() {
                    "roman" => Some(1),
                    "swiss" => Some(2),
                    "modern" => Some(3),
                    "script" => Some(4),
                    "decorative" => Some(5),
                    _ => None,
                };
            }
            _ => {}
        }
    }
    if let Some(name) = name {
        let family = family.unwrap_or_else(|| name.clone());
        fonts.insert(name, FontFace { family, generic });
    }
}

/// `style:style`: what it opens.
fn style_element(
    e: &BytesStart<'_>,
    part: PartKind,
    section: PartSection,
    styles: &mut Styles,
) -> Open {
    let mut name = String::new();
    let mut family = String::new();
    let mut parent = None;
    let mut data_style = None;
    let mut master = None;
    for (key, value) in attributes(e) {
        match key.as_str() {
            "style:name" => name = value,
            "style:family" => family = value,
            "style:parent-style-name" => parent = Some(value),
            "style:data-style-name" => data_style = Some(value),
            "style:master-page-name" => master = Some(value),
            _ => {}
        }
    }
    match family.as_str() {
        "table-cell" => {
            let target = match (part, section) {
                (PartKind::Styles, PartSection::Common) => CellTarget::Common(name),
                (PartKind::Content, PartSection::Automatic) => CellTarget::Automatic(name),
                _ => CellTarget::Nowhere,
            };
            let mut style = CellStyle {
                parent,
                props: CellProps::default(),
            };
            style.props.data_style = data_style;
            Open::Cell(target, style)
        }
        "table-column" => Open::Column(name, None),
        "table-row" => Open::Row(name, None),
        "table" => {
            if let Some(master) = master {
                if styles.tables.len() < MAX_STYLES {
                    styles.tables.insert(name, master);
                }
            }
            Open::Nothing
        }
        _ => Open::Nothing,
    }
}

/// A child element of the style being read.
fn element_in_open(
    e: &BytesStart<'_>,
    name: &str,
    open: &mut Open,
    gather: &mut Option<(Gather, String)>,
    in_header_style: &mut Option<bool>,
) {
    match open {
        Open::Nothing => {}
        Open::Cell(_, style) => match name {
            "style:text-properties" => style.props.text_properties(e),
            "style:table-cell-properties" => style.props.cell_properties(e),
            "style:paragraph-properties" => style.props.paragraph_properties(e),
            _ => {}
        },
        Open::Column(_, width) => {
            if name == "style:table-column-properties" {
                *width = attribute(e, "style:column-width").and_then(|w| points(&w));
            }
        }
        Open::Row(_, height) => {
            if name == "style:table-row-properties" {
                let optimal =
                    attribute(e, "style:use-optimal-row-height").as_deref() == Some("true");
                *height = attribute(e, "style:row-height")
                    .and_then(|h| points(&h))
                    .filter(|_| !optimal);
            }
        }
        Open::Number(_, style) => number_part(e, name, style, gather),
        Open::Layout(_, layout) => match name {
            "style:page-layout-properties" => layout.read(e),
            "style:header-style" => *in_header_style = Some(true),
            "style:footer-style" => *in_header_style = Some(false),
            "style:header-footer-properties" => {
                if let Some(header) = *in_header_style {
                    layout.read_header_footer(e, header);
                }
            }
            _ => {}
        },
        Open::Master(_, page) => {
            let shown = attribute(e, "style:display").as_deref() != Some("false");
            match name {
                "style:header" => page.header = shown,
                "style:footer" => page.footer = shown,
                _ => {}
            }
        }
    }
}

/// A part of a number style.
fn number_part(
    e: &BytesStart<'_>,
    name: &str,
    style: &mut NumberStyle,
    gather: &mut Option<(Gather, String)>,
) {
    if style.pieces.len() >= 64 {
        return;
    }
    match name {
        "number:number" => {
            let d = Digits::read(e);
            style.general =
                d.decimals.is_none() && !d.grouping && d.min_integer <= 1 && d.thousands == 0;
            style.pieces.push(Piece::Code(d.number()));
        }
        "number:scientific-number" => {
            style.pieces.push(Piece::Code(Digits::read(e).scientific()));
        }
        "number:fraction" => style
            .pieces
            .push(Piece::Code(Digits::read(e).fraction_code())),
        "number:text" => *gather = Some((Gather::Text, String::new())),
        "number:currency-symbol" => *gather = Some((Gather::Currency, String::new())),
        "number:fill-character" => *gather = Some((Gather::Fill, String::new())),
        "number:text-content" => style.pieces.push(Piece::Code("@".into())),
        "style:text-properties" => {
            style.color = attribute(e, "fo:color").and_then(|c| color(&c));
        }
        "style:map" => {
            if style.maps.len() < 4 {
                style.maps.push(Condition {
                    test: attribute(e, "style:condition").unwrap_or_default(),
                    apply: attribute(e, "style:apply-style-name").unwrap_or_default(),
                });
            }
        }
        part => {
            let long = attribute(e, "number:style").as_deref() == Some("long");
            let textual = attribute(e, "number:textual").as_deref() == Some("true");
            let decimals = attribute(e, "number:decimal-places")
                .and_then(|d| d.trim().parse::<u32>().ok())
                .unwrap_or(0)
                .min(3);
            if let Some(mut code) = date_part(part, long, textual, decimals) {
                let time_unit =
                    matches!(part, "number:hours" | "number:minutes" | "number:seconds");
                if time_unit && style.elapsed {
                    // Only the leading unit counts on past its range.
                    style.elapsed = false;
                    code = format!("[{code}]");
                }
                style.pieces.push(Piece::Code(code));
            }
        }
    }
}

/// Stores the style that `open` built.
fn close(open: &mut Open, styles: &mut Styles) {
    match std::mem::replace(open, Open::Nothing) {
        Open::Nothing => {}
        Open::Cell(target, style) => match target {
            CellTarget::Default => styles.default_cell.overlay(&style.props),
            CellTarget::Common(name) if styles.common.len() < MAX_STYLES => {
                styles.common.insert(name, style);
            }
            CellTarget::Automatic(name) if styles.automatic.len() < MAX_STYLES => {
                styles.automatic.insert(name, style);
            }
            _ => {}
        },
        Open::Column(name, width) => {
            if let Some(width) = width {
                if styles.columns.len() < MAX_STYLES {
                    styles.columns.insert(name, width);
                }
            }
        }
        Open::Row(name, height) => {
            if styles.rows.len() < MAX_STYLES {
                styles.rows.insert(name, RowStyle { height });
            }
        }
        Open::Number(name, mut style) => {
            if style.general && style.pieces.len() == 1 && style.maps.is_empty() {
                style.pieces = vec![Piece::Code("General".into())];
            }
            if styles.numbers.0.len() < MAX_STYLES {
                styles.numbers.0.insert(name, style);
            }
        }
        Open::Layout(name, layout) => {
            if styles.page_layouts.len() < MAX_STYLES {
                styles.page_layouts.insert(name, layout);
            }
        }
        Open::Master(name, page) => {
            if styles.master_pages.len() < MAX_STYLES {
                styles.master_pages.insert(name, page);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The tables.

/// One table as read.
#[derive(Debug, Default)]
struct TableOut {
    name: String,
    /// Its `table:style-name`, which leads to its page setup.
    style: Option<String>,
    merges: Vec<CellRange>,
    look: SheetLook,
    print: PrintNames,
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
fn body<R: BufRead>(
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
                    let mut repeats = 1;
                    let mut style = None;
                    let mut hidden = false;
                    let mut default_cell = None;
                    for (key, value) in attributes(e) {
                        match key.as_str() {
                            "table:number-rows-repeated" => repeats = count(Some(value)),
                            "table:style-name" => style = Some(value),
                            "table:visibility" => hidden = value == "collapse" || value == "filter",
                            "table:default-cell-style-name" => default_cell = Some(value),
                            _ => {}
                        }
                    }
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
        let mut repeats = 1;
        let mut style = None;
        let mut hidden = false;
        let mut default_cell = None;
        for (key, value) in attributes(e) {
            match key.as_str() {
                "table:number-columns-repeated" => repeats = count(Some(value)),
                "table:style-name" => style = Some(value),
                "table:visibility" => hidden = value == "collapse" || value == "filter",
                "table:default-cell-style-name" => default_cell = Some(value),
                _ => {}
            }
        }
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
fn odf_cell(address: &str) -> Option<(u32, u32)> {
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

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// An `.ods` package holding `content` (and `styles`, if not empty).
    fn package(content: &str, styles: &str) -> Result<Vec<u8>, LookError> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("mimetype", options)?;
        zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")?;
        zip.start_file("content.xml", options)?;
        zip.write_all(content.as_bytes())?;
        if !styles.is_empty() {
            zip.start_file("styles.xml", options)?;
            zip.write_all(styles.as_bytes())?;
        }
        Ok(zip.finish()?.into_inner())
    }

    /// A `content.xml` with these automatic styles and tables.
    fn content(automatic: &str, tables: &str) -> String {
        format!(
            r##"<?xml version="1.0" encoding="UTF-8"?><office:document-content><office:automatic-styles>{automatic}</office:automatic-styles><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"##
        )
    }

    /// A `styles.xml` with these common styles (and `Default` in bold Arial 10, grey).
    fn styles_xml(common: &str, rest: &str) -> String {
        format!(
            r##"<?xml version="1.0" encoding="UTF-8"?><office:document-styles><office:font-face-decls><style:font-face style:name="Arial1" svg:font-family="'Arial'" style:font-family-generic="swiss"/></office:font-face-decls><office:styles><style:default-style style:family="table-cell"><style:text-properties style:font-name="Arial1" fo:font-size="10pt" fo:color="#333333"/></style:default-style><style:style style:name="Default" style:family="table-cell"/>{common}</office:styles>{rest}</office:document-styles>"##
        )
    }

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
    fn styles_inherit_from_their_parents_and_the_default_style() -> Result<(), LookError> {
        let common = concat!(
            r##"<style:style style:name="Heading" style:family="table-cell" style:parent-style-name="Default"><style:text-properties fo:font-weight="bold" fo:font-size="16pt"/><style:table-cell-properties fo:background-color="#ddebf7" fo:border="0.74pt solid #000000"/></style:style>"##,
            r##"<style:style style:name="Loop" style:family="table-cell" style:parent-style-name="Loop"/>"##,
        );
        let automatic = concat!(
            r##"<style:style style:name="ce1" style:family="table-cell" style:parent-style-name="Heading"><style:table-cell-properties fo:border-left="none" fo:wrap-option="wrap" style:vertical-align="middle" style:rotation-angle="315" style:cell-protect="none"/><style:paragraph-properties fo:text-align="center"/><style:text-properties fo:font-style="italic" style:text-underline-style="solid" style:text-underline-type="double" style:use-window-font-color="true"/></style:style>"##,
            r##"<style:style style:name="ce2" style:family="table-cell" style:parent-style-name="Default"><style:table-cell-properties style:text-align-source="value-type"/><style:paragraph-properties fo:text-align="end"/></style:style>"##,
            r##"<style:style style:name="ce3" style:family="table-cell" style:parent-style-name="Loop"/>"##,
        );
        let tables = concat!(
            r##"<table:table table:name="S"><table:table-row>"##,
            r##"<table:table-cell table:style-name="ce1" office:value-type="float" office:value="1"/>"##,
            r##"<table:table-cell table:style-name="ce2" office:value-type="float" office:value="1"/>"##,
            r##"<table:table-cell table:style-name="ce3" office:value-type="float" office:value="1"/>"##,
            r##"<table:table-cell table:style-name="Heading" office:value-type="float" office:value="1"/>"##,
            r##"</table:table-row></table:table>"##,
        );
        let bytes = package(&content(automatic, tables), &styles_xml(common, ""))?;
        let look = read(&bytes)?;

        let default = look.styles.first().ok_or("no default style")?;
        let font = default.font.as_ref().ok_or("no font")?;
        assert_eq!(font.name.as_deref(), Some("Arial"));
        assert_eq!(font.family, Some(2));
        assert_eq!(font.size, Some(10.0));
        assert_eq!(font.color, Some(Color::rgb(0x33, 0x33, 0x33)));

        let sheet = look.sheets.get("S").ok_or("no sheet")?;
        let style_at = |col: u32| -> Result<&Style, LookError> {
            let id = sheet
                .cells
                .iter()
                .find(|c| c.0 == 0 && c.1 == col)
                .map(|c| c.2)
                .ok_or("unstyled")?;
            Ok(look.styles.get(id as usize).ok_or("no such style")?)
        };
        let ce1 = style_at(0)?;
        let font = ce1.font.as_ref().ok_or("no font")?;
        assert!(font.is_bold() && font.is_italic(), "{font:?}");
        assert_eq!(font.size, Some(16.0));
        assert_eq!(font.name.as_deref(), Some("Arial"), "inherited");
        assert_eq!(font.underline, UnderlineStyle::Double);
        assert_eq!(font.color, None, "the automatic colour");
        let fill = ce1.fill.as_ref().ok_or("no fill")?;
        assert_eq!(fill.get_color(), Some(Color::rgb(0xDD, 0xEB, 0xF7)));
        let borders = ce1.borders.as_ref().ok_or("no borders")?;
        assert_eq!(borders.left.style, BorderStyle::None, "a side overrides");
        assert_eq!(borders.top.style, BorderStyle::Thin);
        assert_eq!(borders.top.color, Some(Color::rgb(0, 0, 0)));
        let alignment = ce1.alignment.as_ref().ok_or("no alignment")?;
        assert_eq!(alignment.horizontal, HorizontalAlignment::Center);
        assert_eq!(alignment.vertical, VerticalAlignment::Center);
        assert!(alignment.wrap_text);
        assert_eq!(alignment.text_rotation, TextRotation::Degrees(135));
        assert_eq!(ce1.protection.as_ref().map(|p| p.locked), Some(false));

        // Aligned by the value's type: no alignment of its own, so the Default's look.
        assert!(sheet.cells.iter().all(|c| c.1 != 1), "{:?}", sheet.cells);
        // A parent loop ends; the style is the Default's.
        assert!(sheet.cells.iter().all(|c| c.1 != 2));
        // A common style used directly.
        assert!(style_at(3)?.font.as_ref().is_some_and(Font::is_bold));
        Ok(())
    }

    #[test]
    fn borders_map_to_excel_line_styles() {
        for (text, style) in [
            ("0.74pt solid #000000", BorderStyle::Thin),
            ("0.06pt solid #000000", BorderStyle::Hair),
            ("1.76pt solid #000000", BorderStyle::Medium),
            ("2.49pt solid #000000", BorderStyle::Thick),
            ("0.05cm solid #000000", BorderStyle::Medium),
            ("1.76pt double-thin #000000", BorderStyle::Double),
            ("0.74pt dotted #000000", BorderStyle::Dotted),
            ("0.74pt fine-dashed #000000", BorderStyle::Dashed),
            ("1.76pt dashed #000000", BorderStyle::MediumDashed),
            ("0.74pt dash-dot #000000", BorderStyle::DashDot),
            ("1.76pt dash-dot-dot #000000", BorderStyle::MediumDashDotDot),
            ("#ff0000 thin solid", BorderStyle::Thin),
            ("none", BorderStyle::None),
            ("0pt solid #000000", BorderStyle::None),
        ] {
            assert_eq!(border(text).style, style, "{text}");
        }
        assert_eq!(
            border("0.74pt solid #ff0000").color,
            Some(Color::rgb(255, 0, 0))
        );
        assert_eq!(border("none").color, None);
    }

    #[test]
    fn number_styles_become_excel_format_codes() -> Result<(), LookError> {
        let automatic = concat!(
            r##"<number:number-style style:name="General"><number:number number:min-integer-digits="1"/></number:number-style>"##,
            r##"<number:number-style style:name="Money"><number:number number:decimal-places="2" number:min-decimal-places="2" number:min-integer-digits="1" number:grouping="true"/></number:number-style>"##,
            r##"<number:number-style style:name="Optional"><number:number number:decimal-places="3" number:min-decimal-places="1" number:min-integer-digits="0"/></number:number-style>"##,
            r##"<number:number-style style:name="Wan"><number:number number:decimal-places="1" number:min-decimal-places="1" number:min-integer-digits="1"/><number:text>万元</number:text></number:number-style>"##,
            r##"<number:percentage-style style:name="Pct"><number:number number:decimal-places="1" number:min-decimal-places="1" number:min-integer-digits="1"/><number:text>%</number:text></number:percentage-style>"##,
            r##"<number:number-style style:name="Sci"><number:scientific-number number:decimal-places="2" number:min-decimal-places="2" number:min-integer-digits="1" number:min-exponent-digits="2"/></number:number-style>"##,
            r##"<number:number-style style:name="Frac"><number:fraction number:min-integer-digits="0" number:min-numerator-digits="1" number:min-denominator-digits="1"/></number:number-style>"##,
            r##"<number:date-style style:name="Iso"><number:year number:style="long"/><number:text>-</number:text><number:month number:style="long"/><number:text>-</number:text><number:day number:style="long"/></number:date-style>"##,
            r##"<number:date-style style:name="Zh"><number:year number:style="long"/><number:text>年</number:text><number:month/><number:text>月</number:text><number:day/><number:text>日</number:text></number:date-style>"##,
            r##"<number:date-style style:name="Stamp"><number:year number:style="long"/><number:text>/</number:text><number:month/><number:text>/</number:text><number:day/><number:text> </number:text><number:hours/><number:text>:</number:text><number:minutes number:style="long"/><number:text> </number:text><number:am-pm/></number:date-style>"##,
            r##"<number:date-style style:name="Long"><number:month number:style="long" number:textual="true"/><number:text> </number:text><number:day/><number:text>, </number:text><number:year number:style="long"/></number:date-style>"##,
            r##"<number:time-style style:name="Elapsed" number:truncate-on-overflow="false"><number:hours/><number:text>:</number:text><number:minutes number:style="long"/></number:time-style>"##,
            r##"<number:time-style style:name="Tenths"><number:minutes number:style="long"/><number:text>:</number:text><number:seconds number:style="long" number:decimal-places="1"/></number:time-style>"##,
            r##"<number:text-style style:name="Text"><number:text-content/></number:text-style>"##,
            r##"<number:number-style style:name="YuanP0" style:volatile="true"><number:text>¥</number:text><number:number number:decimal-places="2" number:min-decimal-places="2" number:min-integer-digits="1" number:grouping="true"/></number:number-style>"##,
            r##"<number:number-style style:name="Yuan"><style:text-properties fo:color="#ff0000"/><number:text>¥-</number:text><number:number number:decimal-places="2" number:min-decimal-places="2" number:min-integer-digits="1" number:grouping="true"/><style:map style:condition="value()&gt;=0" style:apply-style-name="YuanP0"/></number:number-style>"##,
            r##"<number:number-style style:name="ThreeP0" style:volatile="true"><number:number number:decimal-places="1" number:min-decimal-places="1" number:min-integer-digits="1" number:grouping="true"/></number:number-style>"##,
            r##"<number:number-style style:name="ThreeP1" style:volatile="true"><number:text>-</number:text><number:number number:decimal-places="1" number:min-decimal-places="1" number:min-integer-digits="1" number:grouping="true"/></number:number-style>"##,
            r##"<number:number-style style:name="Three"><number:text>-</number:text><style:map style:condition="value()&gt;0" style:apply-style-name="ThreeP0"/><style:map style:condition="value()&lt;0" style:apply-style-name="ThreeP1"/></number:number-style>"##,
            r##"<number:date-style style:name="MonthP0" style:volatile="true"><number:year number:style="long"/><number:text>年</number:text><number:month/><number:text>月</number:text></number:date-style>"##,
            r##"<number:text-style style:name="Month"><number:text-content/><style:map style:condition="value()&lt;=1.7976931348623157E+308" style:apply-style-name="MonthP0"/></number:text-style>"##,
            r##"<number:number-style style:name="Quote"><number:number number:min-integer-digits="1" number:decimal-places="0"/><number:text>"a"</number:text></number:number-style>"##,
            r##"<number:currency-style style:name="Cur"><number:currency-symbol number:language="zh" number:country="CN">￥</number:currency-symbol><number:number number:decimal-places="0" number:min-integer-digits="1" number:grouping="true"/></number:currency-style>"##,
            r##"<number:boolean-style style:name="Bool"><number:boolean/></number:boolean-style>"##,
        );
        let mut styles = Styles::default();
        let xml = content(automatic, "");
        let mut reader = xml_reader(xml.as_bytes());
        prelude(&mut reader, PartKind::Content, &mut styles)?;
        for (name, code) in [
            ("General", None),
            ("Money", Some("#,##0.00")),
            ("Optional", Some("#.0##")),
            ("Wan", Some("0.0\"万元\"")),
            ("Pct", Some("0.0%")),
            ("Sci", Some("0.00E+00")),
            ("Frac", Some("# ?/?")),
            ("Iso", Some("yyyy-mm-dd")),
            ("Zh", Some("yyyy\"年\"m\"月\"d\"日\"")),
            ("Stamp", Some("yyyy/m/d h:mm AM/PM")),
            ("Long", Some("mmmm d, yyyy")),
            ("Elapsed", Some("[h]:mm")),
            ("Tenths", Some("mm:ss.0")),
            ("Text", Some("@")),
            ("Yuan", Some("\"¥\"#,##0.00;[Red]\"¥\"-#,##0.00")),
            ("Three", Some("#,##0.0;-#,##0.0;-")),
            ("Month", Some("yyyy\"年\"m\"月\";@")),
            ("Quote", Some("0\\\"\"a\"\\\"")),
            ("Cur", Some("\"￥\"#,##0")),
            ("Bool", None),
            ("Missing", None),
        ] {
            assert_eq!(styles.numbers.code(name).as_deref(), code, "{name}");
        }
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

    #[test]
    fn page_setup_and_print_ranges_are_read() -> Result<(), LookError> {
        let automatic = r##"<style:style style:name="ta1" style:family="table" style:master-page-name="PageStyle_5f_S"><style:table-properties table:display="true"/></style:style>"##;
        let rest = concat!(
            r##"<office:automatic-styles><style:page-layout style:name="Mpm1"><style:page-layout-properties fo:page-width="11.6929in" fo:page-height="8.2681in" style:print-orientation="landscape" fo:margin-top="0.5in" fo:margin-bottom="1in" fo:margin-left="0.5in" fo:margin-right="0.75in" style:scale-to-X="1" style:table-centering="both"/>"##,
            r##"<style:header-style><style:header-footer-properties fo:min-height="0.3in" fo:margin-bottom="0.2in"/></style:header-style><style:footer-style><style:header-footer-properties fo:min-height="0.3in" fo:margin-top="0.1in"/></style:footer-style></style:page-layout></office:automatic-styles>"##,
            r##"<office:master-styles><style:master-page style:name="PageStyle_5f_S" style:page-layout-name="Mpm1"><style:header><text:p>x</text:p></style:header><style:footer style:display="false"/></style:master-page></office:master-styles>"##,
        );
        let tables = r##"<table:table table:name="S" table:style-name="ta1" table:print-ranges="$S.$A$1:.$D$20 S.F1:S.G2"><table:table-row><table:table-cell/></table:table-row></table:table><table:table table:name="It's" table:print-ranges="'It''s'.B2:'It''s'.C3"/>"##;
        let bytes = package(&content(automatic, tables), &styles_xml("", rest))?;
        let look = read(&bytes)?;
        let sheet = look.sheets.get("S").ok_or("no sheet")?;
        assert!(sheet.landscape);
        assert_eq!(sheet.paper_size, Some(9));
        assert_eq!(sheet.fit_to_pages, Some((1, 0)));
        assert!(sheet.center_horizontally && sheet.center_vertically);
        // The header shows: Excel's top margin reaches past it.
        assert_eq!(sheet.margins, Some([0.5, 0.75, 1.0, 1.0, 0.5, 0.3]));
        assert!(sheet.grid_lines);
        let area = |name: &str| look.print.get(name).and_then(|p| p.area.clone());
        assert_eq!(area("S").as_deref(), Some("'S'!$A$1:$D$20"));
        assert_eq!(area("It's").as_deref(), Some("'It''s'!$B$2:$C$3"));
        Ok(())
    }

    #[test]
    fn lengths_and_angles_convert() {
        assert_eq!(points("1in"), Some(72.0));
        assert_eq!(points("2.54cm").map(|p| p.round()), Some(72.0));
        assert_eq!(points("25.4mm").map(|p| p.round()), Some(72.0));
        assert_eq!(points("12pt"), Some(12.0));
        assert_eq!(points("50%"), None);
        assert_eq!(points("-1pt"), None);
        assert_eq!(points("pt"), None);
        // 64 pixels (Excel's default column) are 9.14 characters of 7 pixels; 0.667in is 64px.
        assert_eq!(width_in_characters(48.0), 64.0 / 7.0);
        assert_eq!(width_in_characters(1e9), 255.0);
        assert_eq!(row_height(29.988), 30.0);
        assert_eq!(row_height(27.749), 27.75);
        assert_eq!(rotation("45"), TextRotation::Degrees(45));
        assert_eq!(rotation("90deg"), TextRotation::Degrees(90));
        assert_eq!(rotation("315"), TextRotation::Degrees(135));
        assert_eq!(rotation("180"), TextRotation::None);
        assert_eq!(rotation("0"), TextRotation::None);
        assert_eq!(rotation("NaN"), TextRotation::None);
        assert_eq!(color("#ddebf7"), Some(Color::rgb(0xDD, 0xEB, 0xF7)));
        assert_eq!(color("#fff"), Some(Color::rgb(255, 255, 255)));
        assert_eq!(color("red"), None);
        assert_eq!(odf_cell("$'a.b'.$C$3"), Some((2, 2)));
        assert_eq!(odf_cell(".XFD1048576"), Some((MAX_ROW, MAX_COL)));
        assert_eq!(odf_cell("S.XFE1"), None);
        assert_eq!(odf_cell("S.A0"), None);
    }

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

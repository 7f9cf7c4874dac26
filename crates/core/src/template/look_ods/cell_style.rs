//! Cell styles: what a `style:style` of family `table-cell` sets (font, fill, borders,
//! alignment, protection, number style), laid over its parents', and the palette of calamine
//! styles the renderer uses, one per distinct look.

use std::collections::HashMap;

use calamine::{
    Alignment, Border, BorderStyle, Borders, Color, Fill, FillPattern, Font, FontStyle, FontWeight,
    HorizontalAlignment, NumberFormat, Protection, Style, TextRotation, UnderlineStyle,
    VerticalAlignment,
};
use quick_xml::events::BytesStart;

use super::number_format::NumberStyles;
use super::package::attributes;
use super::part_styles::{Styles, MAX_STYLES};
use super::units::{color, points};

/// What one cell style element sets; `None` is "inherited".
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct CellProps {
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
    pub(super) data_style: Option<String>,
}

impl CellProps {
    /// Lays `other`'s settings over these.
    pub(super) fn overlay(&mut self, other: &CellProps) {
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
    pub(super) fn text_properties(&mut self, e: &BytesStart<'_>) {
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
    pub(super) fn cell_properties(&mut self, e: &BytesStart<'_>) {
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
    pub(super) fn paragraph_properties(&mut self, e: &BytesStart<'_>) {
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
pub(super) fn unquote(text: &str) -> String {
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
pub(super) fn rotation(text: &str) -> TextRotation {
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
pub(super) struct CellStyle {
    pub(super) parent: Option<String>,
    pub(super) props: CellProps,
}

/// A declared font: its family and generic kind (OOXML's family class).
#[derive(Debug, Clone)]
pub(super) struct FontFace {
    pub(super) family: String,
    pub(super) generic: Option<u8>,
}

/// The palette being built: one calamine style per distinct look, `Default` first.
#[derive(Debug)]
pub(super) struct Palette<'s> {
    pub(super) styles: &'s Styles,
    pub(super) list: Vec<Style>,
    by_name: HashMap<String, u32>,
    /// Styles already in the list, by their debug text (calamine's styles are not `Hash`).
    by_look: HashMap<String, u32>,
}

impl<'s> Palette<'s> {
    pub(super) fn new(styles: &'s Styles) -> Self {
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
    pub(super) fn id(&mut self, name: &str) -> u32 {
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::{content, package, styles_xml};
    use super::super::read;
    use super::*;
    use crate::template::look::LookError;

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
}

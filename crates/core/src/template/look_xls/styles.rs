//! The styles: how XF indexes become style ids, and how an XF with the fonts and palette of
//! the globals becomes a calamine style.

use calamine::{
    Alignment, Border, BorderStyle, Borders, Color, Fill, FillPattern, Font, FontStyle, FontWeight,
    HorizontalAlignment, Protection, Style, TextRotation, UnderlineStyle, VerticalAlignment,
};

use super::globals::{Globals, Xf};
use super::number_formats::number_format;

/// The XF every cell without one of its own takes.
const DEFAULT_XF: u16 = 15;

/// How XF indexes become style ids: the default cell XF and XF 0 trade places, so that id 0,
/// which the renderer writes as "no style", is the look of cells without one of their own.
#[derive(Debug, Clone, Copy)]
pub(super) struct StyleIds {
    default: u16,
    count: usize,
}

impl StyleIds {
    pub(super) fn new(count: usize) -> Self {
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
    pub(super) fn id(&self, ixfe: u16) -> u32 {
        if usize::from(ixfe) >= self.count || ixfe == self.default {
            0
        } else if ixfe == 0 {
            u32::from(self.default)
        } else {
            u32::from(ixfe)
        }
    }

    /// The styles by id.
    pub(super) fn palette(&self, g: &Globals) -> Vec<Style> {
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

#[cfg(test)]
mod tests {
    use super::super::globals::globals;
    use super::super::test_streams::{globals_with, record, words, xf};
    use super::*;
    use crate::template::look::{self, LookError};

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
        assert_eq!(look::number_format(s), Some("#,##0.00"));
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
    fn style_ids_put_the_default_xf_first() {
        let ids = StyleIds::new(20);
        assert_eq!(ids.id(15), 0);
        assert_eq!(ids.id(0), 15);
        assert_eq!(ids.id(16), 16);
        assert_eq!(ids.id(20), 0, "an XF the file does not have");
        let few = StyleIds::new(3);
        assert_eq!((few.id(0), few.id(2), few.id(15)), (0, 2, 0));
    }
}

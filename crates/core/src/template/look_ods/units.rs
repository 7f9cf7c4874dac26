//! ODF's lengths and colours as Excel keeps them: lengths in points, column widths in Excel
//! characters, row heights to the twentieth of a point, `#rrggbb` as a colour.

use calamine::Color;

/// A length (`2.258cm`, `0.889in`, `64.01pt`, `20mm`, `1pc`, `96px`) in points.
pub(super) fn points(text: &str) -> Option<f64> {
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
/// 7-pixel digit of Calibri 11 (see the documentation of [`look_ods`](super)).
pub(super) fn width_in_characters(pt: f64) -> f64 {
    let pixels = pt * 96.0 / 72.0;
    (pixels / 7.0).clamp(0.0, 255.0)
}

/// A row height in points as Excel keeps it, to the twentieth of a point (LibreOffice writes
/// 30pt as `0.4165in`).
pub(super) fn row_height(pt: f64) -> f64 {
    ((pt * 20.0).round() / 20.0).clamp(0.0, 409.0)
}

/// `#rrggbb` (or `#rgb`) as an opaque colour.
pub(super) fn color(text: &str) -> Option<Color> {
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

#[cfg(test)]
mod tests {
    use calamine::TextRotation;

    use super::super::cell_style::rotation;
    use super::super::tables::odf_cell;
    use super::*;
    use crate::template::shift::{MAX_COL, MAX_ROW};

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
}

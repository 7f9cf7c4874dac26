//! Number formats: an XF's format id read as the workbook's own code or as a built-in one of a
//! Chinese Excel.

use std::collections::HashMap;

use calamine::NumberFormat;

/// The number format of id `ifmt`: the workbook's own code, else the built-in one.
///
/// A built-in format that OOXML numbers the same way keeps its id, so the return shows it as
/// every program shows that id in its language (14 is the short date). The currency and
/// accounting formats (5–8, 41–44) and the East Asian dates (27–36, 50–58) depend on the
/// language Excel runs in; a county's Excel is Chinese, so they are written out as its codes.
pub(super) fn number_format(ifmt: u16, formats: &HashMap<u16, String>) -> NumberFormat {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::look;

    #[test]
    fn chinese_built_in_formats_show_dates() {
        let none = HashMap::new();
        for id in [14u16, 22, 27, 28, 30, 31, 32, 34, 36, 50, 55, 57, 58] {
            let n = number_format(id, &none);
            assert!(
                look::is_date_format(&n.format_code),
                "{id}: {}",
                n.format_code
            );
        }
        for id in [0u16, 1, 4, 5, 8, 10, 41, 44, 49, 23, 59, 200] {
            let n = number_format(id, &none);
            assert!(
                !look::is_date_format(&n.format_code),
                "{id}: {}",
                n.format_code
            );
        }
        assert_eq!(number_format(200, &none).format_code, "General");
    }
}

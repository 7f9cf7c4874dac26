//! Pieces of formula text in Excel's A1 syntax, as an `.xlsx` stores them: cell references with
//! their `$` anchors, sheet names quoted where Excel quotes them, numbers, strings and error
//! literals.

pub(super) use crate::template::column_letters;

/// A cell reference: `A1`, `$A1`, `A$1` or `$A$1`, anchored where the reference is absolute.
pub(super) fn cell(row: u32, col: u32, row_relative: bool, col_relative: bool) -> String {
    format!(
        "{}{}{}{}",
        if col_relative { "" } else { "$" },
        column_letters(col),
        if row_relative { "" } else { "$" },
        u64::from(row) + 1
    )
}

/// A column of a whole-column area (`A` or `$A`).
pub(super) fn column(col: u32, relative: bool) -> String {
    format!("{}{}", if relative { "" } else { "$" }, column_letters(col))
}

/// A row of a whole-row area (`1` or `$1`).
pub(super) fn row(row: u32, relative: bool) -> String {
    format!("{}{}", if relative { "" } else { "$" }, u64::from(row) + 1)
}

/// The sheet part of a reference with its `!`: `Sheet1!`, `'Sheet 1'!`, `'It''s'!`, a range of
/// sheets `Sheet1:Sheet3!`, or a sheet of another workbook, numbered as an `.xlsx` numbers its
/// external links: `[1]Sheet1!`.
///
/// Excel leaves a name bare when it is made of letters (any script), digits, `_` and `.`, does
/// not start with a digit or `.`, and could not be read as something else: a cell in A1 or R1C1
/// notation, or a logical constant. Otherwise the whole sheet part is quoted, with `'` doubled.
pub(super) fn sheets_prefix(book: Option<u32>, first: &str, last: Option<&str>) -> String {
    let mut inner = book.map(|n| format!("[{n}]")).unwrap_or_default();
    inner.push_str(first);
    if let Some(last) = last {
        inner.push(':');
        inner.push_str(last);
    }
    if needs_quotes(first) || last.is_some_and(needs_quotes) {
        format!("'{}'!", inner.replace('\'', "''"))
    } else {
        format!("{inner}!")
    }
}

fn needs_quotes(name: &str) -> bool {
    let Some(first) = name.chars().next() else {
        return true;
    };
    if first.is_ascii_digit() || first == '.' {
        return true;
    }
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    {
        return true;
    }
    let upper = name.to_ascii_uppercase();
    upper == "TRUE" || upper == "FALSE" || looks_like_a1(&upper) || looks_like_r1c1(&upper)
}

/// `A1` up to `XFD1048576`: letters then digits, within the largest sheet Excel has.
fn looks_like_a1(upper: &str) -> bool {
    let letters = upper.bytes().take_while(u8::is_ascii_uppercase).count();
    let digits = &upper[letters..];
    if letters == 0
        || letters > 3
        || digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return false;
    }
    let col = upper[..letters]
        .bytes()
        .fold(0u32, |acc, b| acc * 26 + u32::from(b - b'A' + 1));
    let row = digits.parse::<u64>().unwrap_or(u64::MAX);
    col <= 16_384 && (1..=1_048_576).contains(&row)
}

/// `R`, `C`, `R1`, `C1`, `RC`, `R1C1`: names Excel would read as R1C1 references.
fn looks_like_r1c1(upper: &str) -> bool {
    fn after_digits(s: &str) -> &str {
        s.trim_start_matches(|c: char| c.is_ascii_digit())
    }
    let rest = match upper.strip_prefix('R') {
        Some(after_r) => after_digits(after_r),
        None => upper,
    };
    match rest.strip_prefix('C') {
        Some(after_c) => after_digits(after_c).is_empty(),
        None => rest.is_empty() && upper.starts_with('R'),
    }
}

/// A string literal: quoted, with `"` doubled.
pub(super) fn string(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The literal of a BErr error code (MS-XLS 2.5.97.2); `None` for a code that is none.
pub(super) fn error(code: u8) -> Option<&'static str> {
    Some(match code {
        0x00 => "#NULL!",
        0x07 => "#DIV/0!",
        0x0F => "#VALUE!",
        0x17 => "#REF!",
        0x1D => "#NAME?",
        0x24 => "#NUM!",
        0x2A => "#N/A",
        0x2B => "#GETTING_DATA",
        _ => return None,
    })
}

/// A number as Excel writes it in a formula: the shortest digits that read back as the same
/// double, in plain decimals from 1E-9 up to (not including) 1E+15, and in Excel's scientific
/// form outside that (`1E+20`, `1.5E-12`); `None` for NaN and infinities, which a formula cannot
/// hold.
///
/// Excel keeps 15 significant digits, so from 1E+15 on a plain integer would show digits it does
/// not keep; the small end is where its formula bar turns to scientific notation too.
pub(super) fn number(value: f64) -> Option<String> {
    if !value.is_finite() {
        return None;
    }
    if value == 0.0 {
        return Some("0".to_string());
    }
    // `{:e}` gives the shortest round-tripping digits: `1.5e-7`, `1e20`.
    let scientific = format!("{:e}", value.abs());
    let (mantissa, exponent) = scientific.split_once('e')?;
    let exponent: i32 = exponent.parse().ok()?;
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if value < 0.0 { "-" } else { "" };
    let text = if (-9..15).contains(&exponent) {
        let point = exponent + 1;
        if point <= 0 {
            format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
        } else {
            let point = point as usize;
            if digits.len() <= point {
                format!("{digits}{}", "0".repeat(point - digits.len()))
            } else {
                format!("{}.{}", &digits[..point], &digits[point..])
            }
        }
    } else {
        let (head, tail) = digits.split_at(1);
        let tail = if tail.is_empty() {
            String::new()
        } else {
            format!(".{tail}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{head}{tail}E{exp_sign}{:02}", exponent.unsigned_abs())
    };
    Some(format!("{sign}{text}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_excel_writes_them() {
        for (value, text) in [
            (1.0, "1"),
            (0.5, "0.5"),
            (-2.25, "-2.25"),
            (100.0, "100"),
            (123_456.789, "123456.789"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e20, "1E+20"),
            (1.5e20, "1.5E+20"),
            (1e15, "1E+15"),
            (999_999_999_999_999.0, "999999999999999"),
            (0.000_01, "0.00001"),
            (1e-9, "0.000000001"),
            (1e-10, "1E-10"),
            (-1.25e-12, "-1.25E-12"),
            (1e100, "1E+100"),
            (0.0, "0"),
            (-0.0, "0"),
        ] {
            assert_eq!(number(value).as_deref(), Some(text), "{value}");
        }
        assert_eq!(number(f64::NAN), None);
        assert_eq!(number(f64::INFINITY), None);
    }

    #[test]
    fn sheet_names_are_quoted_where_excel_quotes_them() {
        for (name, prefix) in [
            ("Sheet1", "Sheet1!"),
            ("项目与走访", "项目与走访!"),
            ("data_2024.v2", "data_2024.v2!"),
            ("Sheet 1", "'Sheet 1'!"),
            ("It's", "'It''s'!"),
            ("2024", "'2024'!"),
            ("a-b", "'a-b'!"),
            ("A1", "'A1'!"),
            ("xfd1048576", "'xfd1048576'!"),
            ("XFE1", "XFE1!"),
            ("ABCD1", "ABCD1!"),
            ("R1C1", "'R1C1'!"),
            ("R", "'R'!"),
            ("C", "'C'!"),
            ("RC", "'RC'!"),
            ("R2", "'R2'!"),
            ("Rate", "Rate!"),
            ("TRUE", "'TRUE'!"),
            ("", "''!"),
            ("（一）", "'（一）'!"),
        ] {
            assert_eq!(sheets_prefix(None, name, None), prefix, "{name}");
        }
        assert_eq!(sheets_prefix(None, "Jan", Some("Mar")), "Jan:Mar!");
        assert_eq!(sheets_prefix(None, "Jan", Some("M 3")), "'Jan:M 3'!");
        assert_eq!(sheets_prefix(Some(2), "Data", None), "[2]Data!");
        assert_eq!(sheets_prefix(Some(1), "My data", None), "'[1]My data'!");
    }

    #[test]
    fn references_carry_their_anchors() {
        assert_eq!(cell(0, 0, true, true), "A1");
        assert_eq!(cell(4, 7, false, true), "H$5");
        assert_eq!(cell(4, 7, true, false), "$H5");
        assert_eq!(cell(65_535, 255, false, false), "$IV$65536");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
        assert_eq!(string("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(error(0x2A), Some("#N/A"));
        assert_eq!(error(0x01), None);
    }
}

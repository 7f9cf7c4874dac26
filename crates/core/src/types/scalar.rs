//! Numbers, dates and yes/no as a person types them.

use std::fmt;

use chrono::NaiveDate;

use crate::error::{Error, Result, Rule};

/// An amount of money in 元, kept exactly as whole 分 (cents) so sums never drift.
///
/// # Examples
///
/// ```
/// use zhucun_core::types::{parse_money, Money};
/// let m = parse_money("amount", "1,234.5")?;
/// assert_eq!(m, Money::from_fen(123_450));
/// assert_eq!(m.to_string(), "1234.5");
/// # Ok::<(), zhucun_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Money(i64);

impl Money {
    /// An amount given in 分.
    pub fn from_fen(fen: i64) -> Money {
        Money(fen)
    }

    /// The amount in 分.
    pub fn fen(self) -> i64 {
        self.0
    }

    /// The amount in 元.
    pub fn yuan(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

/// Money is exchanged as a number of 元 (a whole number when there are no 分).
impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if self.0 % 100 == 0 {
            s.serialize_i64(self.0 / 100)
        } else {
            s.serialize_f64(self.yuan())
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (yuan, fen) = (abs / 100, abs % 100);
        match fen {
            0 => write!(f, "{sign}{yuan}"),
            f10 if f10 % 10 == 0 => write!(f, "{sign}{yuan}.{}", f10 / 10),
            _ => write!(f, "{sign}{yuan}.{fen:02}"),
        }
    }
}

/// Strips what people type around numbers: spaces, thousands separators, full-width digits.
fn normalise_number(text: &str) -> String {
    text.trim()
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | ' ' | '\u{3000}'))
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            '－' => '-',
            _ => c,
        })
        .collect()
}

/// A non-negative whole number (a count of people, households, days…).
///
/// # Errors
///
/// `invalid_field` naming `field` for text that is not a whole number, or is negative.
pub fn parse_count(field: &str, text: &str) -> Result<i64> {
    let t = normalise_number(text);
    let value: f64 = t
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| Error::invalid(field, text, Rule::NotANumber))?;
    if value < 0.0 {
        return Err(Error::invalid(field, text, Rule::Negative));
    }
    if value.fract() != 0.0 || value > 1e15 {
        return Err(Error::invalid(field, text, Rule::NotAWholeNumber));
    }
    Ok(value as i64)
}

/// A non-negative decimal quantity (亩, km², 公里…).
///
/// # Errors
///
/// `invalid_field` naming `field` for text that is not a number, or is negative.
pub fn parse_quantity(field: &str, text: &str) -> Result<f64> {
    let t = normalise_number(text);
    let value: f64 = t
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite() && v.abs() < 1e15)
        .ok_or_else(|| Error::invalid(field, text, Rule::NotANumber))?;
    if value < 0.0 {
        return Err(Error::invalid(field, text, Rule::Negative));
    }
    Ok(value)
}

/// A non-negative amount of money in 元, to the 分.
///
/// # Errors
///
/// `invalid_field` naming `field` for text that is not a number or is negative.
pub fn parse_money(field: &str, text: &str) -> Result<Money> {
    let t = normalise_number(text);
    let t = t
        .trim_start_matches('¥')
        .trim_start_matches('￥')
        .trim_end_matches('元');
    let value: f64 = t
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite() && v.abs() < 1e13)
        .ok_or_else(|| Error::invalid(field, text, Rule::NotANumber))?;
    if value < 0.0 {
        return Err(Error::invalid(field, text, Rule::Negative));
    }
    Ok(Money((value * 100.0).round() as i64))
}

/// A year from 1949 to 2100.
///
/// # Errors
///
/// `invalid_field` naming `field` otherwise.
pub fn parse_year(field: &str, text: &str) -> Result<i32> {
    let t = normalise_number(text);
    let t = t.trim_end_matches('年');
    t.parse::<i32>()
        .ok()
        .filter(|y| (1949..=2100).contains(y))
        .ok_or_else(|| Error::invalid(field, text, Rule::NotAYear))
}

/// A `yyyy-mm-dd` date (`yyyy/m/d` and `yyyy年m月d日` are accepted too).
///
/// # Errors
///
/// `invalid_field` naming `field` for anything that is not a real day.
pub fn parse_date(field: &str, text: &str) -> Result<NaiveDate> {
    let t = text.trim();
    ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(t, f).ok())
        .filter(|d| (1900..=2200).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| Error::invalid(field, text, Rule::NotADate))
}

/// `是` / `否` (also `true`/`false`, `yes`/`no`, `1`/`0`, `y`/`n`).
///
/// # Errors
///
/// `invalid_field` naming `field` for anything else.
pub fn parse_bool(field: &str, text: &str) -> Result<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "是" | "true" | "yes" | "y" | "1" | "√" => Ok(true),
        "否" | "false" | "no" | "n" | "0" | "×" => Ok(false),
        _ => Err(Error::invalid(field, text, Rule::NotABoolean)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(parse_count("n", " 1,021 ").unwrap(), 1021);
        assert_eq!(parse_count("n", "３").unwrap(), 3);
        assert!(parse_count("n", "-1").is_err());
        assert!(parse_count("n", "2.5").is_err());
        assert!(parse_count("n", "abc").is_err());
        assert!(parse_count("n", "NaN").is_err());
    }

    #[test]
    fn money_is_exact() {
        assert_eq!(parse_money("m", "0.1").unwrap().fen(), 10);
        assert_eq!(parse_money("m", "4160000").unwrap().to_string(), "4160000");
        assert_eq!(Money::from_fen(105).to_string(), "1.05");
        assert!(parse_money("m", "-3").is_err());
        assert!(parse_money("m", "1e400").is_err());
    }

    #[test]
    fn dates_and_years() {
        assert_eq!(
            parse_date("d", "2026-2-3").unwrap().to_string(),
            "2026-02-03"
        );
        assert_eq!(
            parse_date("d", "2026年9月1日").unwrap().to_string(),
            "2026-09-01"
        );
        assert!(parse_date("d", "2026-02-30").is_err());
        assert!(parse_year("y", "1900").is_err());
        assert_eq!(parse_year("y", "2019").unwrap(), 2019);
        assert!(parse_bool("b", "maybe").is_err());
    }
}

use std::fmt;

use serde::Serialize;

use crate::error::{Error, Result, Rule};

/// Province-level prefixes of GB/T 2260 (including Taiwan, Hong Kong and Macau).
const PROVINCES: [&str; 34] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82",
];

/// A 12-digit statistical division code (统计用区划代码) of a village, with a valid province prefix.
///
/// # Examples
///
/// ```
/// use zhucun_core::DivisionCode;
/// let code = DivisionCode::parse("code", "513433100201")?;
/// assert_eq!(code.as_str(), "513433100201");
/// assert!(DivisionCode::parse("code", "993433100201").is_err());
/// # Ok::<(), zhucun_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct DivisionCode(String);

impl DivisionCode {
    /// Reads a code as typed, naming `field` if it is refused.
    ///
    /// # Errors
    ///
    /// `invalid_field` unless the text is 12 ASCII digits starting with a province prefix.
    pub fn parse(field: &str, text: &str) -> Result<DivisionCode> {
        let t = text.trim();
        let ok =
            t.len() == 12 && t.bytes().all(|b| b.is_ascii_digit()) && PROVINCES.contains(&&t[..2]);
        if ok {
            Ok(DivisionCode(t.to_string()))
        } else {
            Err(Error::invalid(field, text, Rule::NotADivisionCode))
        }
    }

    /// The code as text (always 12 digits).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

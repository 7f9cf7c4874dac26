use std::fmt;

use chrono::NaiveDate;

use crate::error::{Error, Result, Rule};

/// Weights of GB 11643-1999's ISO 7064 MOD 11-2 check.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for each remainder.
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// An 18-character resident ID-card number whose check digit and birth date are valid.
///
/// Personal data: its `Debug` shows only the first six and last four characters.
///
/// # Examples
///
/// ```
/// use zhucun_core::IdCardNumber;
/// assert!(IdCardNumber::parse("id_card", "11010519491231002X").is_ok());
/// assert!(IdCardNumber::parse("id_card", "110105194912310021").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdCardNumber(String);

impl IdCardNumber {
    /// Reads a number as typed (a lower-case `x` is accepted), naming `field` if refused.
    ///
    /// # Errors
    ///
    /// `invalid_field` for a wrong shape, an impossible birth date or a wrong check digit.
    pub fn parse(field: &str, text: &str) -> Result<IdCardNumber> {
        let t = text.trim().to_ascii_uppercase();
        let bytes = t.as_bytes();
        let shape = bytes.len() == 18
            && bytes[..17].iter().all(u8::is_ascii_digit)
            && (bytes[17].is_ascii_digit() || bytes[17] == b'X');
        if !shape {
            return Err(Error::invalid(field, text, Rule::IdCardShape));
        }
        if NaiveDate::parse_from_str(&t[6..14], "%Y%m%d").is_err() {
            return Err(Error::invalid(field, text, Rule::IdCardBirthDate));
        }
        let expected = check_char(&bytes[..17]);
        if char::from(bytes[17]) != expected {
            return Err(Error::invalid(
                field,
                text,
                Rule::IdCardCheckDigit { expected },
            ));
        }
        Ok(IdCardNumber(t))
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with its middle hidden, for places that must not show it whole.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// An ID-card number as stored, with its middle hidden (`110105********002X`); text that is
/// not 18 ASCII characters is hidden whole.
pub fn mask(number: &str) -> String {
    match (number.get(..6), number.get(14..)) {
        (Some(head), Some(tail)) if number.len() == 18 => format!("{head}********{tail}"),
        _ => "*".repeat(number.chars().count()),
    }
}

/// The GB 11643 check character of 17 ASCII digits.
pub(crate) fn check_char(digits: &[u8]) -> char {
    let sum: u32 = digits
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize]
}

impl fmt::Debug for IdCardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdCardNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digit_of_the_standard_example() {
        assert_eq!(check_char(b"11010519491231002"), 'X');
    }

    #[test]
    fn refusals_name_the_rule() {
        let rule = |t: &str| match IdCardNumber::parse("id_card", t) {
            Err(Error::InvalidField { rule, .. }) => Some(rule),
            _ => None,
        };
        assert_eq!(rule("12345"), Some(Rule::IdCardShape));
        assert_eq!(rule("11010519491331002X"), Some(Rule::IdCardBirthDate));
        assert_eq!(
            rule("110105194912310021"),
            Some(Rule::IdCardCheckDigit { expected: 'X' })
        );
        assert_eq!(rule("11010519491231002x"), None);
    }
}

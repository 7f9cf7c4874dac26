use std::fmt;

use chrono::{Datelike, Local, Months, NaiveDate};
use serde::Serialize;

use crate::error::{Error, Result, Rule};

/// A calendar month, the period of a monthly return (`YYYY-MM`).
///
/// # Examples
///
/// ```
/// use zhucun_core::Period;
/// let p = Period::parse("2026-11")?;
/// assert_eq!(p.label(), "2026年11月");
/// assert_eq!(p.end().to_string(), "2026-11-30");
/// # Ok::<(), zhucun_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    start: NaiveDate,
}

impl Period {
    /// Reads `YYYY-MM`.
    ///
    /// # Errors
    ///
    /// `invalid_field` (field `period`) for anything else.
    pub fn parse(text: &str) -> Result<Period> {
        let t = text.trim();
        let bad = || Error::invalid("period", text, Rule::NotAPeriod);
        let (y, m) = t.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        Period::from_year_month(year, month).ok_or_else(bad)
    }

    /// The month of a year, if both are real.
    pub fn from_year_month(year: i32, month: u32) -> Option<Period> {
        if !(1900..=2200).contains(&year) {
            return None;
        }
        NaiveDate::from_ymd_opt(year, month, 1).map(|start| Period { start })
    }

    /// The month a date falls in.
    pub fn of_date(date: NaiveDate) -> Period {
        Period {
            start: date.with_day(1).unwrap_or(date),
        }
    }

    /// This month, in local time.
    pub fn current() -> Period {
        Period::of_date(Local::now().date_naive())
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.start.year()
    }

    /// The month, 1–12.
    pub fn month(self) -> u32 {
        self.start.month()
    }

    /// The first day.
    pub fn start(self) -> NaiveDate {
        self.start
    }

    /// The last day.
    pub fn end(self) -> NaiveDate {
        self.next().start.pred_opt().unwrap_or(self.start)
    }

    /// The following month.
    pub fn next(self) -> Period {
        Period {
            start: self.start + Months::new(1),
        }
    }

    /// Whether a date falls inside the month.
    pub fn contains(self, date: NaiveDate) -> bool {
        Period::of_date(date) == self
    }

    /// `2026年11月`.
    pub fn label(self) -> String {
        format!("{}年{}月", self.year(), self.month())
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_month() {
        for bad in [
            "2026-13", "2026-1", "26-11", "2026/11", "", "2026-00", "abcd-ef",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn knows_february() {
        assert_eq!(
            Period::parse("2028-02").unwrap().end().to_string(),
            "2028-02-29"
        );
        assert_eq!(
            Period::parse("2026-12").unwrap().next().to_string(),
            "2027-01"
        );
    }
}

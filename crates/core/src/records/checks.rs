//! Rules that span fields or records, checked before any change is written.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension};

use super::change::Row;
use super::schema::{self, Table};
use super::value::Value;
use crate::error::{Error, Result, Rule};
use crate::types::{Money, Period};

/// Checks a record as it would be after a change: required fields, cross-field rules, and
/// fields no two records may share. `id` is the record's own id when it exists already.
///
/// # Errors
///
/// `invalid_field` naming the field at fault, its value and the rule.
pub fn check(conn: &Connection, table: &Table, id: Option<&str>, row: &Row) -> Result<()> {
    for field in table.fields {
        if field.required && row.get(field.name).is_none_or(Value::is_null) {
            return Err(Error::invalid(field.name, "", Rule::Required));
        }
    }
    match table.name {
        "village" => village(conn, row)?,
        "year" => year(conn, row)?,
        "group" => group(row)?,
        "household" => household(row)?,
        "intervention" => intervention(row)?,
        "fund" => fund(conn, id, row)?,
        "disbursement" => disbursement(conn, id, row)?,
        "pairing" => pairing(conn, id, row)?,
        "activity" => activity(conn, row)?,
        "visit" => visit(row)?,
        "log" => log(row)?,
        _ => {}
    }
    unique(conn, table, id, row)
}

fn int(row: &Row, name: &str) -> Option<i64> {
    row.get(name).and_then(Value::as_i64)
}

fn money(row: &Row, name: &str) -> Option<Money> {
    match row.get(name) {
        Some(Value::Money(m)) => Some(*m),
        _ => None,
    }
}

fn text<'a>(row: &'a Row, name: &str) -> Option<&'a str> {
    row.get(name).and_then(Value::as_str)
}

fn date(row: &Row, name: &str) -> Option<NaiveDate> {
    row.get(name).and_then(Value::as_date)
}

/// `small` must not exceed `large` when both are given.
fn at_most(row: &Row, small: &str, large: &str) -> Result<()> {
    match (int(row, small), int(row, large)) {
        (Some(s), Some(l)) if s > l => Err(Error::invalid(
            small,
            s.to_string(),
            Rule::AtMost {
                other: large.to_string(),
                limit: l.to_string(),
            },
        )),
        _ => Ok(()),
    }
}

fn village(conn: &Connection, row: &Row) -> Result<()> {
    at_most(row, "household_count", "population")?;
    // The yearly figures must still fit under the village's household count.
    if let Some(households) = int(row, "household_count") {
        let most: Option<i64> = conn.query_row(
            "SELECT max(poor_households) FROM village_years WHERE deleted = 0",
            [],
            |r| r.get(0),
        )?;
        if let Some(poor) = most.filter(|p| *p > households) {
            return Err(Error::invalid(
                "household_count",
                households.to_string(),
                Rule::AtLeast {
                    other: "year.poor_households".into(),
                    limit: poor.to_string(),
                },
            ));
        }
    }
    Ok(())
}

fn year(conn: &Connection, row: &Row) -> Result<()> {
    at_most(row, "poor_households", "poor_population")?;
    let households: Option<i64> = conn
        .query_row(
            "SELECT household_count FROM village WHERE deleted = 0",
            [],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    match (int(row, "poor_households"), households) {
        (Some(poor), Some(all)) if poor > all => Err(Error::invalid(
            "poor_households",
            poor.to_string(),
            Rule::AtMost {
                other: "village.household_count".into(),
                limit: all.to_string(),
            },
        )),
        _ => Ok(()),
    }
}

fn group(row: &Row) -> Result<()> {
    at_most(row, "household_count", "population")?;
    at_most(row, "safe_water_households", "household_count")?;
    at_most(row, "safe_water_people", "population")?;
    at_most(row, "safe_water_households", "safe_water_people")
}

fn household(row: &Row) -> Result<()> {
    if int(row, "size") == Some(0) {
        return Err(Error::invalid("size", "0", Rule::NotPositive));
    }
    if let (Some(identified), Some(lifted)) = (int(row, "identified_year"), int(row, "lifted_year"))
    {
        if lifted < identified {
            return Err(Error::invalid(
                "lifted_year",
                lifted.to_string(),
                Rule::AtLeast {
                    other: "identified_year".into(),
                    limit: identified.to_string(),
                },
            ));
        }
    }
    if let Some(kind) = text(row, "monitoring_type") {
        if text(row, "status") != Some("监测户") {
            return Err(Error::invalid(
                "monitoring_type",
                kind,
                Rule::OnlyWhen {
                    other: "status".into(),
                    value: "监测户".into(),
                },
            ));
        }
    }
    Ok(())
}

fn intervention(row: &Row) -> Result<()> {
    if let (Some(start), Some(end)) = (date(row, "start"), date(row, "end")) {
        if end < start {
            return Err(Error::invalid(
                "end",
                end.to_string(),
                Rule::AtLeast {
                    other: "start".into(),
                    limit: start.to_string(),
                },
            ));
        }
    }
    at_most(row, "beneficiary_households", "beneficiary_people")
}

/// The sum of the live disbursements of a funding line, leaving one out.
fn disbursed(conn: &Connection, fund_id: &str, except: Option<&str>) -> Result<Money> {
    let fen: i64 = conn.query_row(
        "SELECT coalesce(sum(amount_fen), 0) FROM disbursements
         WHERE fund_id = ?1 AND deleted = 0 AND id IS NOT ?2",
        rusqlite::params![fund_id, except],
        |r| r.get(0),
    )?;
    Ok(Money::from_fen(fen))
}

fn fund(conn: &Connection, id: Option<&str>, row: &Row) -> Result<()> {
    let (Some(id), Some(amount)) = (id, money(row, "amount")) else {
        return Ok(());
    };
    let paid = disbursed(conn, id, None)?;
    if amount < paid {
        return Err(Error::invalid(
            "amount",
            amount.to_string(),
            Rule::AtLeast {
                other: "disbursements".into(),
                limit: paid.to_string(),
            },
        ));
    }
    Ok(())
}

fn disbursement(conn: &Connection, id: Option<&str>, row: &Row) -> Result<()> {
    let (Some(fund_id), Some(amount)) = (text(row, "fund"), money(row, "amount")) else {
        return Ok(());
    };
    if amount.fen() == 0 {
        return Err(Error::invalid("amount", "0", Rule::NotPositive));
    }
    let line: Option<i64> = conn
        .query_row(
            "SELECT amount_fen FROM funds WHERE id = ?1 AND deleted = 0",
            [fund_id],
            |r| r.get(0),
        )
        .optional()?;
    let line = Money::from_fen(line.unwrap_or(0));
    let total = Money::from_fen(disbursed(conn, fund_id, id)?.fen() + amount.fen());
    if total > line {
        return Err(Error::invalid(
            "amount",
            amount.to_string(),
            Rule::AtMost {
                other: "fund.amount".into(),
                limit: format!(
                    "{line}，已拨付 {}",
                    Money::from_fen(total.fen() - amount.fen())
                ),
            },
        ));
    }
    Ok(())
}

/// The first and last day of the school year that starts in September of `year`.
pub fn school_year_span(year: i64) -> (NaiveDate, NaiveDate) {
    let y = i32::try_from(year).unwrap_or(2000);
    let start = NaiveDate::from_ymd_opt(y, 9, 1).unwrap_or_default();
    let end = NaiveDate::from_ymd_opt(y + 1, 8, 31).unwrap_or_default();
    (start, end)
}

/// The day an activity is placed on: its date, or the first of its month.
pub fn activity_day(row: &Row) -> Option<NaiveDate> {
    date(row, "date").or_else(|| {
        text(row, "month")
            .and_then(|m| Period::parse(m).ok())
            .map(Period::start)
    })
}

fn pairing(conn: &Connection, id: Option<&str>, row: &Row) -> Result<()> {
    let (Some(id), Some(year)) = (id, int(row, "school_year")) else {
        return Ok(());
    };
    let (start, end) = school_year_span(year);
    let outside: i64 = conn.query_row(
        "SELECT count(*) FROM activities WHERE pairing_id = ?1 AND deleted = 0
           AND coalesce(date, month || '-01') NOT BETWEEN ?2 AND ?3",
        rusqlite::params![id, start.to_string(), end.to_string()],
        |r| r.get(0),
    )?;
    if outside > 0 {
        return Err(Error::invalid(
            "school_year",
            year.to_string(),
            Rule::OutsideSchoolYear {
                start: start.to_string(),
                end: end.to_string(),
            },
        ));
    }
    Ok(())
}

fn activity(conn: &Connection, row: &Row) -> Result<()> {
    let Some(day) = activity_day(row) else {
        return Err(Error::invalid("date", "", Rule::Required));
    };
    let Some(pairing) = text(row, "pairing") else {
        return Ok(());
    };
    let year: Option<i64> = conn
        .query_row(
            "SELECT school_year FROM pairings WHERE id = ?1 AND deleted = 0",
            [pairing],
            |r| r.get(0),
        )
        .optional()?;
    let Some(year) = year else {
        return Ok(());
    };
    let (start, end) = school_year_span(year);
    if day < start || day > end {
        let (field, value) = match date(row, "date") {
            Some(d) => ("date", d.to_string()),
            None => ("month", text(row, "month").unwrap_or_default().to_string()),
        };
        return Err(Error::invalid(
            field,
            value,
            Rule::OutsideSchoolYear {
                start: start.to_string(),
                end: end.to_string(),
            },
        ));
    }
    Ok(())
}

fn visit(row: &Row) -> Result<()> {
    if text(row, "household").is_none() && text(row, "group").is_none() {
        return Err(Error::invalid("household", "", Rule::Required));
    }
    Ok(())
}

fn log(row: &Row) -> Result<()> {
    let away = row.get("in_village") == Some(&Value::Bool(false));
    if away && text(row, "away_reason").is_none() {
        return Err(Error::invalid(
            "away_reason",
            "",
            Rule::RequiredWhen {
                other: "in_village".into(),
                value: "否".into(),
            },
        ));
    }
    Ok(())
}

fn unique(conn: &Connection, table: &Table, id: Option<&str>, row: &Row) -> Result<()> {
    for name in table.unique {
        let (Some(field), Some(value)) = (table.field(name), row.get(name)) else {
            continue;
        };
        let taken: Option<String> = conn
            .prepare_cached(&format!(
                "SELECT id FROM {} WHERE {} = ?1 AND deleted = 0 AND id IS NOT ?2",
                table.sql, field.column
            ))?
            .query_row(rusqlite::params![value.to_sql(field.kind), id], |r| {
                r.get(0)
            })
            .optional()?;
        if taken.is_some() {
            return Err(Error::invalid(*name, value.to_text(), Rule::Duplicate));
        }
    }
    Ok(())
}

/// The live records that point at `id` of `table`, as (kind of record, count).
pub fn references_to(
    conn: &Connection,
    table: &Table,
    id: &str,
) -> Result<Vec<(&'static str, i64)>> {
    let mut found = Vec::new();
    for other in schema::TABLES {
        for field in other.fields {
            let sql = match field.kind {
                schema::Kind::Ref(t) if t == table.name => format!(
                    "SELECT count(*) FROM {} WHERE {} = ?1 AND deleted = 0",
                    other.sql, field.column
                ),
                schema::Kind::RefList(t) if t == table.name => format!(
                    "SELECT count(*) FROM {} WHERE instr(',' || {} || ',', ',' || ?1 || ',') > 0 AND deleted = 0",
                    other.sql, field.column
                ),
                _ => continue,
            };
            let n: i64 = conn.query_row(&sql, [id], |r| r.get(0))?;
            if n > 0 {
                found.push((other.label_zh, n));
            }
        }
    }
    Ok(found)
}

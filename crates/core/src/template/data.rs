//! The values a return is filled with, gathered from the records for one village and one month
//! (TEMPLATES.md "What falls in a month").
//!
//! The renderer reads only this value; it never queries the database itself, so rendering can be
//! tested on data made by hand, and reading a return back produces the same shape.
//!
//! Every value has the variant its dictionary type calls for: `Text` for text and codes, `Int`
//! for whole numbers, `Real` for decimals, `Money` for money, `Date`, `DateTime`, `Bool`, and
//! `List` for lists; `Null` where the records hold nothing. Decisions the contract leaves open:
//!
//! - `activities.date` is `Null` for an activity given only a month; its `semester` is then that
//!   month's semester. An activity in July or August has no semester (`Null`).
//! - `visits.group` is the visit's own group, or else the visited household's group.
//! - `funds` follow their interventions in the `interventions` order, and within one
//!   intervention the order of the source list (中央, 省级, … 群众自筹).

use std::collections::{BTreeMap, HashMap};

use chrono::{Local, NaiveDateTime, Timelike};
use rusqlite::Connection;

use super::fields::{field, FieldInfo, Scope};
use crate::error::{Error, Result};
use crate::pairing::semester_of;
use crate::records::{self, schema, Row, Table, Value};
use crate::types::{FundSource, Money, Period, Taxonomy};
use crate::{stats, village, APP_VERSION};

/// One item of a collection: its fields by name (`seq` included, 1-based).
pub type Item = BTreeMap<&'static str, Value>;

/// Everything a return can show for one village and month.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReturnData {
    /// Scalar values by path: `period.*`, `village.*`, `stats.*`, `report.*`.
    pub scalars: BTreeMap<&'static str, Value>,
    /// Each collection's items, in the collection's default order.
    pub collections: BTreeMap<Scope, Vec<Item>>,
}

impl ReturnData {
    /// The value of a scalar field, or of a collection field for `item`; `Null` if absent.
    pub fn value<'a>(&'a self, field: &FieldInfo, item: Option<&'a Item>) -> &'a Value {
        static NULL: Value = Value::Null;
        if field.is_collection() {
            item.and_then(|i| i.get(field.name())).unwrap_or(&NULL)
        } else {
            self.scalars.get(field.path).unwrap_or(&NULL)
        }
    }

    /// The items of a collection (none if absent).
    pub fn items(&self, scope: Scope) -> &[Item] {
        self.collections.get(&scope).map_or(&[], Vec::as_slice)
    }
}

/// Gathers everything a return for `period` shows, from the records: the scalars of every
/// dictionary path (`period.*`, `village.*`, `stats.*` as [`stats::compute`] gives them,
/// `report.*` with the local time now, [`APP_VERSION`] and `signer`) and every collection as
/// TEMPLATES.md "What falls in a month" says, each item numbered from 1 in `seq`.
///
/// # Errors
///
/// `no_village` when the database holds no village (a return is always some village's);
/// `database` if SQLite fails.
///
/// # Examples
///
/// ```
/// use zhucun_core::records::Value;
/// use zhucun_core::template::{gather, Scope};
/// let mut conn = zhucun_core::store::open_in_memory()?;
/// zhucun_core::demo::load(&mut conn)?;
/// let data = gather(&conn, zhucun_core::Period::parse("2026-11")?, Some("第一书记"))?;
/// assert_eq!(data.scalars["period.label"], Value::Text("2026年11月".into()));
/// assert_eq!(data.scalars["village.name"], Value::Text("特补乃吾村".into()));
/// assert_eq!(data.items(Scope::Groups).len(), 6);
/// # Ok::<(), zhucun_core::Error>(())
/// ```
pub fn gather(conn: &Connection, period: Period, signer: Option<&str>) -> Result<ReturnData> {
    let profile = village::profile(conn)?.ok_or(Error::NoVillage)?;
    let mut data = ReturnData::default();

    let mut scalar = |path: &str, value: Value| {
        if let Some(f) = field(path) {
            data.scalars.insert(f.path, value);
        }
    };
    scalar("period.year", Value::Int(i64::from(period.year())));
    scalar("period.month", Value::Int(i64::from(period.month())));
    scalar("period.label", Value::Text(period.label()));
    scalar("period.start", Value::Date(period.start()));
    scalar("period.end", Value::Date(period.end()));
    for f in Scope::Village.fields() {
        scalar(f.path, profile.get(f.name()).clone());
    }
    for (name, value) in stats::compute(conn, period)?.values() {
        // `values` also holds figures the dictionary does not offer (the yearly target).
        scalar(&format!("stats.{name}"), value);
    }
    scalar("report.generated_at", Value::DateTime(now()));
    scalar("report.app_version", Value::Text(APP_VERSION.to_string()));
    scalar(
        "report.signer",
        signer.map_or(Value::Null, |s| Value::Text(s.to_string())),
    );

    let groups = records::list_rows(conn, &schema::GROUP, None)?;
    let households = records::list_rows(conn, &schema::HOUSEHOLD, None)?;
    let group_names: HashMap<&str, &Value> = groups
        .iter()
        .map(|(id, row)| (id.as_str(), get(row, "name")))
        .collect();
    let group_of = |row: &Row| -> Value {
        get(row, "group")
            .as_str()
            .and_then(|id| group_names.get(id))
            .map_or(Value::Null, |v| (*v).clone())
    };

    data.collections.insert(
        Scope::Groups,
        numbered(groups.iter().map(|(_, row)| copy(Scope::Groups, row))),
    );
    data.collections.insert(
        Scope::Households,
        numbered(households.iter().map(|(_, row)| {
            let mut item = copy(Scope::Households, row);
            item.insert("group", group_of(row));
            item
        })),
    );
    let causes = records::list_rows(conn, &schema::CAUSE, None)?;
    data.collections.insert(
        Scope::Causes,
        numbered(causes.iter().map(|(_, row)| copy(Scope::Causes, row))),
    );

    let (interventions, funds) = interventions_and_funds(conn, period)?;
    data.collections.insert(Scope::Interventions, interventions);
    data.collections.insert(Scope::Funds, funds);

    let pairings: HashMap<String, Row> = records::list_rows(conn, &schema::PAIRING, None)?
        .into_iter()
        .collect();
    let activities = records::list_rows(conn, &schema::ACTIVITY, Some(period))?;
    data.collections.insert(
        Scope::Activities,
        numbered(activities.iter().map(|(_, row)| {
            let mut item = copy(Scope::Activities, row);
            let day = get(row, "date").as_date().unwrap_or_else(|| period.start());
            item.insert(
                "semester",
                semester_of(day).map_or(Value::Null, |s| Value::Text(s.label_zh().to_string())),
            );
            let partners = get(row, "pairing")
                .as_str()
                .and_then(|id| pairings.get(id))
                .map_or(Value::Null, |p| get(p, "partner_schools").clone());
            item.insert("partner_schools", partners);
            item
        })),
    );

    let heads: HashMap<&str, (&Value, Value)> = households
        .iter()
        .map(|(id, row)| (id.as_str(), (get(row, "head_name"), group_of(row))))
        .collect();
    let visits = records::list_rows(conn, &schema::VISIT, Some(period))?;
    data.collections.insert(
        Scope::Visits,
        numbered(visits.iter().map(|(_, row)| {
            let mut item = copy(Scope::Visits, row);
            let household = get(row, "household").as_str().and_then(|id| heads.get(id));
            item.insert(
                "household",
                household.map_or(Value::Null, |(head, _)| (*head).clone()),
            );
            let own_group = group_of(row);
            item.insert(
                "group",
                match (own_group, household) {
                    (Value::Null, Some((_, group))) => group.clone(),
                    (own, _) => own,
                },
            );
            item
        })),
    );

    let logs = records::list_rows(conn, &schema::LOG, Some(period))?;
    data.collections.insert(
        Scope::Logs,
        numbered(logs.iter().map(|(_, row)| copy(Scope::Logs, row))),
    );
    Ok(data)
}

/// The local time now, to the second: a return says when it was made, not to the nanosecond.
fn now() -> NaiveDateTime {
    let now = Local::now().naive_local();
    now.with_nanosecond(0).unwrap_or(now)
}

/// The field `name` of a row (`Null` if absent).
fn get<'a>(row: &'a Row, name: &str) -> &'a Value {
    static NULL: Value = Value::Null;
    row.get(name).unwrap_or(&NULL)
}

/// The item of `scope` holding the row's values for every dictionary field of that name
/// (computed fields such as `seq` are set by the caller).
fn copy(scope: Scope, row: &Row) -> Item {
    scope
        .fields()
        .filter(|f| f.name() != "seq")
        .map(|f| (f.name(), get(row, f.name()).clone()))
        .collect()
}

/// The items with their 1-based `seq`, in the order given.
fn numbered(items: impl Iterator<Item = Item>) -> Vec<Item> {
    items
        .zip(1_i64..)
        .map(|(mut item, seq)| {
            item.insert("seq", Value::Int(seq));
            item
        })
        .collect()
}

/// The interventions active in `period` with their money figures, and their funding lines.
fn interventions_and_funds(conn: &Connection, period: Period) -> Result<(Vec<Item>, Vec<Item>)> {
    let interventions = records::list_rows(conn, &schema::INTERVENTION, Some(period))?;
    let mut funds_of: HashMap<String, Vec<(String, Row)>> = HashMap::new();
    for (id, row) in records::list_rows(conn, &schema::FUND, None)? {
        if let Some(intervention) = get(&row, "intervention").as_str() {
            funds_of
                .entry(intervention.to_string())
                .or_default()
                .push((id, row));
        }
    }
    // Per funding line: disbursed up to the period's end, and inside the period.
    let mut paid: HashMap<String, (i64, i64)> = HashMap::new();
    for (_, row) in all_until(conn, &schema::DISBURSEMENT, period)? {
        let (Some(fund), Some(date), Value::Money(amount)) = (
            get(&row, "fund").as_str(),
            get(&row, "date").as_date(),
            get(&row, "amount"),
        ) else {
            continue;
        };
        let entry = paid.entry(fund.to_string()).or_default();
        entry.0 = entry.0.saturating_add(amount.fen());
        if period.contains(date) {
            entry.1 = entry.1.saturating_add(amount.fen());
        }
    }
    let source_rank = |row: &Row| {
        let labels = FundSource::labels();
        get(row, "source")
            .as_str()
            .and_then(|s| labels.iter().position(|l| *l == s))
            .unwrap_or(usize::MAX)
    };

    let mut intervention_items = Vec::with_capacity(interventions.len());
    let mut fund_items = Vec::new();
    for (id, row) in &interventions {
        let mut lines: Vec<&(String, Row)> = funds_of.get(id).into_iter().flatten().collect();
        lines.sort_by_key(|(_, line)| source_rank(line));
        let (mut budget, mut disbursed, mut in_period) = (0_i64, 0_i64, 0_i64);
        for (fund_id, line) in lines {
            let amount = match get(line, "amount") {
                Value::Money(m) => m.fen(),
                _ => 0,
            };
            let (to_end, inside) = paid.get(fund_id).copied().unwrap_or_default();
            budget = budget.saturating_add(amount);
            disbursed = disbursed.saturating_add(to_end);
            in_period = in_period.saturating_add(inside);
            let mut item = Item::new();
            item.insert("intervention", get(row, "title").clone());
            item.insert("source", get(line, "source").clone());
            item.insert("amount", Value::Money(Money::from_fen(amount)));
            item.insert("disbursed", Value::Money(Money::from_fen(to_end)));
            fund_items.push(item);
        }
        let mut item = copy(Scope::Interventions, row);
        item.insert("budget", Value::Money(Money::from_fen(budget)));
        item.insert("disbursed", Value::Money(Money::from_fen(disbursed)));
        item.insert(
            "disbursed_in_period",
            Value::Money(Money::from_fen(in_period)),
        );
        intervention_items.push(item);
    }
    Ok((
        numbered(intervention_items.into_iter()),
        numbered(fund_items.into_iter()),
    ))
}

/// The live rows of a dated table dated up to the period's end.
fn all_until(conn: &Connection, table: &Table, period: Period) -> Result<Vec<(String, Row)>> {
    Ok(records::list_rows(conn, table, None)?
        .into_iter()
        .filter(|(_, row)| {
            get(row, "date")
                .as_date()
                .is_some_and(|d| d <= period.end())
        })
        .collect())
}

//! The `stats.*` figures of TEMPLATES.md for one month, computed from the records.

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::error::Result;
use crate::records::Value;
use crate::types::{Money, Period};

/// The village in figures for one period (the `stats` scope of TEMPLATES.md).
///
/// `*_in_period` figures count or sum inside the month; the others describe the village as of
/// the month's end.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    /// Households whose status is 贫困户.
    pub poor_households: i64,
    /// The people of those households.
    pub poor_population: i64,
    /// Households whose status is 已脱贫.
    pub lifted_households: i64,
    /// The people of those households.
    pub lifted_population: i64,
    /// Households whose status is 监测户.
    pub monitored_households: i64,
    /// Over all groups, households minus households with safe water.
    pub households_without_safe_water: i64,
    /// Over all groups, people minus people with safe water.
    pub people_without_safe_water: i64,
    /// Groups whose road is 无路.
    pub groups_without_road: i64,
    /// Groups whose road is 土路 or 砂石路.
    pub groups_unpaved_road: i64,
    /// The village's per-capita net income for the latest year not after the period's year.
    pub per_capita_income: Option<Money>,
    /// Interventions active at any time in the period.
    pub interventions_active: i64,
    /// Their funding lines' amounts.
    pub funds_budget: Money,
    /// Their disbursements up to the period's end.
    pub funds_disbursed: Money,
    /// Their disbursements inside the period.
    pub funds_disbursed_in_period: Money,
    /// Visits inside the period.
    pub visits_in_period: i64,
    /// Activities of the period that are not cancelled.
    pub activities_planned_in_period: i64,
    /// Activities of the period marked done.
    pub activities_done_in_period: i64,
    /// Work-log days in the village inside the period.
    pub days_in_village_in_period: i64,
    /// Work-log days in the village from 1 January to the period's end.
    pub days_in_village_year_to_date: i64,
    /// The village's yearly target of days in the village (not a TEMPLATES.md field).
    pub days_in_village_target: Option<i64>,
}

/// The condition, on the `interventions` table, of being active at some time in `?1`..`?2`.
pub(crate) const ACTIVE_IN_PERIOD: &str = "i.deleted = 0
    AND (i.start_date IS NULL OR i.start_date <= ?2)
    AND (i.end_date IS NULL OR i.end_date >= ?1)";

/// Computes the figures for `period`.
///
/// # Errors
///
/// `database` if SQLite fails.
///
/// # Examples
///
/// ```
/// let conn = zhucun_core::store::open_in_memory()?;
/// let stats = zhucun_core::stats::compute(&conn, zhucun_core::Period::parse("2026-11")?)?;
/// assert_eq!(stats.poor_households, 0);
/// # Ok::<(), zhucun_core::Error>(())
/// ```
pub fn compute(conn: &Connection, period: Period) -> Result<Stats> {
    let start = period.start().to_string();
    let end = period.end().to_string();
    let year_start = format!("{:04}-01-01", period.year());
    let count = |sql: &str, params: &[&dyn rusqlite::ToSql]| -> Result<i64> {
        Ok(conn
            .query_row(sql, params, |r| r.get::<_, Option<i64>>(0))?
            .unwrap_or(0))
    };
    let by_status = |status: &str| -> Result<(i64, i64)> {
        Ok(conn.query_row(
            "SELECT count(*), coalesce(sum(size), 0) FROM households
             WHERE deleted = 0 AND status = ?1",
            [status],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    };
    let (poor_households, poor_population) = by_status("贫困户")?;
    let (lifted_households, lifted_population) = by_status("已脱贫")?;
    let (monitored_households, _) = by_status("监测户")?;
    let (households_without_safe_water, people_without_safe_water) = conn.query_row(
        "SELECT coalesce(sum(coalesce(household_count, 0) - coalesce(safe_water_households, 0)), 0),
                coalesce(sum(coalesce(population, 0) - coalesce(safe_water_people, 0)), 0)
         FROM groups WHERE deleted = 0",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let groups_without_road = count(
        "SELECT count(*) FROM groups WHERE deleted = 0 AND road = '无路'",
        &[],
    )?;
    let groups_unpaved_road = count(
        "SELECT count(*) FROM groups WHERE deleted = 0 AND road IN ('土路', '砂石路')",
        &[],
    )?;
    let per_capita_income: Option<i64> = conn
        .query_row(
            "SELECT per_capita_income_fen FROM village_years
             WHERE deleted = 0 AND year <= ?1 AND per_capita_income_fen IS NOT NULL
             ORDER BY year DESC LIMIT 1",
            [period.year()],
            |r| r.get(0),
        )
        .optional()?;
    let interventions_active = count(
        &format!("SELECT count(*) FROM interventions i WHERE {ACTIVE_IN_PERIOD}"),
        &[&start, &end],
    )?;
    let funds_budget = count(
        &format!(
            "SELECT sum(f.amount_fen) FROM funds f JOIN interventions i ON i.id = f.intervention_id
             WHERE f.deleted = 0 AND {ACTIVE_IN_PERIOD}"
        ),
        &[&start, &end],
    )?;
    let disbursed = |from: &str| -> Result<i64> {
        count(
            &format!(
                "SELECT sum(d.amount_fen) FROM disbursements d
                 JOIN funds f ON f.id = d.fund_id
                 JOIN interventions i ON i.id = f.intervention_id
                 WHERE d.deleted = 0 AND f.deleted = 0 AND d.date BETWEEN ?3 AND ?2
                   AND {ACTIVE_IN_PERIOD}"
            ),
            &[&start, &end, &from],
        )
    };
    let funds_disbursed = disbursed("0000-01-01")?;
    let funds_disbursed_in_period = disbursed(&start)?;
    let visits_in_period = count(
        "SELECT count(*) FROM visits WHERE deleted = 0 AND date BETWEEN ?1 AND ?2",
        &[&start, &end],
    )?;
    let activities = |status_filter: &str| -> Result<i64> {
        count(
            &format!(
                "SELECT count(*) FROM activities WHERE deleted = 0 AND {status_filter}
                   AND (date BETWEEN ?1 AND ?2 OR (date IS NULL AND month = ?3))"
            ),
            &[&start, &end, &period.to_string()],
        )
    };
    let activities_planned_in_period = activities("status <> '取消'")?;
    let activities_done_in_period = activities("status = '已完成'")?;
    let days = |from: &str| -> Result<i64> {
        count(
            "SELECT count(*) FROM work_logs
             WHERE deleted = 0 AND in_village = 1 AND date BETWEEN ?1 AND ?2",
            &[&from, &end],
        )
    };
    let days_in_village_in_period = days(&start)?;
    let days_in_village_year_to_date = days(&year_start)?;
    let days_in_village_target = conn
        .query_row(
            "SELECT days_target FROM village WHERE deleted = 0 LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    Ok(Stats {
        poor_households,
        poor_population,
        lifted_households,
        lifted_population,
        monitored_households,
        households_without_safe_water,
        people_without_safe_water,
        groups_without_road,
        groups_unpaved_road,
        per_capita_income: per_capita_income.map(Money::from_fen),
        interventions_active,
        funds_budget: Money::from_fen(funds_budget),
        funds_disbursed: Money::from_fen(funds_disbursed),
        funds_disbursed_in_period: Money::from_fen(funds_disbursed_in_period),
        visits_in_period,
        activities_planned_in_period,
        activities_done_in_period,
        days_in_village_in_period,
        days_in_village_year_to_date,
        days_in_village_target,
    })
}

impl Stats {
    /// The figures as `(field name, value)` in the order of TEMPLATES.md.
    pub fn values(&self) -> Vec<(&'static str, Value)> {
        let money = |m: Money| Value::Money(m);
        vec![
            ("poor_households", Value::Int(self.poor_households)),
            ("poor_population", Value::Int(self.poor_population)),
            ("lifted_households", Value::Int(self.lifted_households)),
            ("lifted_population", Value::Int(self.lifted_population)),
            (
                "monitored_households",
                Value::Int(self.monitored_households),
            ),
            (
                "households_without_safe_water",
                Value::Int(self.households_without_safe_water),
            ),
            (
                "people_without_safe_water",
                Value::Int(self.people_without_safe_water),
            ),
            ("groups_without_road", Value::Int(self.groups_without_road)),
            ("groups_unpaved_road", Value::Int(self.groups_unpaved_road)),
            (
                "per_capita_income",
                self.per_capita_income.map_or(Value::Null, money),
            ),
            (
                "interventions_active",
                Value::Int(self.interventions_active),
            ),
            ("funds_budget", money(self.funds_budget)),
            ("funds_disbursed", money(self.funds_disbursed)),
            (
                "funds_disbursed_in_period",
                money(self.funds_disbursed_in_period),
            ),
            ("visits_in_period", Value::Int(self.visits_in_period)),
            (
                "activities_planned_in_period",
                Value::Int(self.activities_planned_in_period),
            ),
            (
                "activities_done_in_period",
                Value::Int(self.activities_done_in_period),
            ),
            (
                "days_in_village_in_period",
                Value::Int(self.days_in_village_in_period),
            ),
            (
                "days_in_village_year_to_date",
                Value::Int(self.days_in_village_year_to_date),
            ),
            (
                "days_in_village_target",
                self.days_in_village_target.map_or(Value::Null, Value::Int),
            ),
        ]
    }
}

//! Gathering a month's return data from the records: every dictionary path has a value of its
//! type, the stats are those of `stats::compute`, and the collections hold what falls in the
//! month.

use std::collections::BTreeSet;

use zhucun_core::records::Value;
use zhucun_core::template::{self, FieldType, Item, ReturnData, Scope};
use zhucun_core::{stats, Period};

use crate::common::{db, demo_db, TestResult};

/// Whether `value` is of the variant the renderer expects for `kind` (`Null` always is).
pub fn fits(kind: FieldType, value: &Value) -> bool {
    matches!(
        (kind, value),
        (_, Value::Null)
            | (FieldType::Text | FieldType::Code, Value::Text(_))
            | (FieldType::Integer, Value::Int(_))
            | (FieldType::Number, Value::Real(_))
            | (FieldType::Money, Value::Money(_))
            | (FieldType::Date, Value::Date(_))
            | (FieldType::DateTime, Value::DateTime(_))
            | (FieldType::Boolean, Value::Bool(_))
            | (FieldType::List, Value::List(_))
    )
}

/// Paths the demo village leaves empty in November 2026, and why.
const EMPTY_IN_THE_DEMO: &[&str] = &[
    // The survey gives the secretary's role, not a phone number.
    "village.secretary_phone",
    // The register holds no household lifted in a given year.
    "households.lifted_year",
];

fn november() -> TestResult<Period> {
    Ok(Period::parse("2026-11")?)
}

fn money(value: &Value) -> i64 {
    match value {
        Value::Money(m) => m.fen(),
        _ => 0,
    }
}

fn sum(items: &[Item], name: &str) -> i64 {
    items
        .iter()
        .map(|i| money(i.get(name).unwrap_or(&Value::Null)))
        .sum()
}

/// The non-empty texts of field `name` over `items`.
fn texts(items: &[Item], name: &str) -> BTreeSet<String> {
    items
        .iter()
        .filter_map(|i| i.get(name).and_then(Value::as_str).map(str::to_string))
        .collect()
}

#[test]
fn every_path_has_a_value_of_its_type() -> TestResult {
    let conn = demo_db()?;
    let data = template::gather(&conn, november()?, Some("驻村第一书记"))?;
    for f in template::dictionary() {
        if f.is_collection() {
            let items = data.items(f.scope);
            assert!(!items.is_empty(), "{} is empty in the demo", f.scope);
            for (i, item) in items.iter().enumerate() {
                let value = data.value(f, Some(item));
                assert!(
                    item.contains_key(f.name()),
                    "{} missing in item {i}",
                    f.path
                );
                assert!(fits(f.kind, value), "{} is {value:?}", f.path);
            }
            assert_eq!(
                items.iter().all(|item| data.value(f, Some(item)).is_null()),
                EMPTY_IN_THE_DEMO.contains(&f.path),
                "{} is empty in every item",
                f.path
            );
        } else {
            let value = data
                .scalars
                .get(f.path)
                .ok_or(format!("{} missing", f.path))?;
            assert!(fits(f.kind, value), "{} is {value:?}", f.path);
            assert_eq!(
                value.is_null(),
                EMPTY_IN_THE_DEMO.contains(&f.path),
                "{} is {value:?}",
                f.path
            );
        }
    }
    // No scalar outside the dictionary, no field outside it in any item.
    for path in data.scalars.keys() {
        assert!(template::field(path).is_some(), "{path}");
    }
    for (scope, items) in &data.collections {
        for item in items {
            for name in item.keys() {
                assert!(
                    template::field(&format!("{scope}.{name}")).is_some(),
                    "{scope}.{name}"
                );
            }
        }
    }
    Ok(())
}

#[test]
fn scalars_are_the_period_the_profile_and_the_stats() -> TestResult {
    let conn = demo_db()?;
    let period = november()?;
    let data = template::gather(&conn, period, None)?;
    let s = |path: &str| data.scalars.get(path).cloned().unwrap_or(Value::Null);
    assert_eq!(s("period.year"), Value::Int(2026));
    assert_eq!(s("period.month"), Value::Int(11));
    assert_eq!(s("period.label"), Value::Text("2026年11月".into()));
    assert_eq!(s("period.start").as_date(), Some(period.start()));
    assert_eq!(s("period.end").as_date(), Some(period.end()));
    assert_eq!(s("village.code"), Value::Text("513431215203".into()));
    assert_eq!(s("village.name"), Value::Text("特补乃吾村".into()));
    assert_eq!(s("village.household_count"), Value::Int(227));
    assert_eq!(s("village.area_km2"), Value::Real(9.6));
    assert_eq!(s("village.key_poor_village"), Value::Bool(true));
    assert_eq!(
        s("village.main_crops"),
        Value::List(vec![
            "玉米".into(),
            "马铃薯".into(),
            "荞麦".into(),
            "烤烟".into()
        ])
    );
    assert_eq!(s("report.signer"), Value::Null);
    assert_eq!(
        s("report.app_version"),
        Value::Text(zhucun_core::APP_VERSION.into())
    );
    let Value::DateTime(at) = s("report.generated_at") else {
        return Err("report.generated_at is not a date-time".into());
    };
    let now = chrono::Local::now().naive_local();
    assert!((now - at).num_seconds().abs() < 60, "{at} is not now");

    let stats = stats::compute(&conn, period)?;
    let mut compared = 0;
    for (name, value) in stats.values() {
        let path = format!("stats.{name}");
        if template::field(&path).is_some() {
            assert_eq!(s(&path), value, "{path}");
            compared += 1;
        }
    }
    assert_eq!(compared, Scope::Stats.fields().count());
    assert_eq!(s("stats.poor_households"), Value::Int(54));
    Ok(())
}

#[test]
fn collections_hold_what_falls_in_the_month() -> TestResult {
    let conn = demo_db()?;
    let period = november()?;
    let data = template::gather(&conn, period, None)?;
    let stats = stats::compute(&conn, period)?;
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);

    // Every collection is numbered 1, 2, 3… in its order.
    for (scope, items) in &data.collections {
        let seqs: Vec<Value> = items.iter().filter_map(|i| i.get("seq").cloned()).collect();
        let expected: Vec<Value> = (1..=count(items.len())).map(Value::Int).collect();
        assert_eq!(seqs, expected, "{scope}");
    }

    // Groups in the order they were made (一组 first), every household, every cause.
    let groups = data.items(Scope::Groups);
    assert_eq!(groups.len(), 6);
    assert_eq!(
        groups.first().and_then(|g| g.get("name")),
        Some(&Value::Text("一组".into()))
    );
    let households = data.items(Scope::Households);
    assert_eq!(
        count(households.len()),
        conn.query_row(
            "SELECT count(*) FROM households WHERE deleted = 0",
            [],
            |r| r.get::<_, i64>(0)
        )?
    );
    let codes: Vec<String> = households
        .iter()
        .filter_map(|h| h.get("code").and_then(Value::as_str).map(str::to_string))
        .collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(codes, sorted, "households by code");
    let group_names = texts(groups, "name");
    assert!(households.iter().all(|h| h
        .get("group")
        .is_some_and(|g| group_names.contains(&g.to_text()))));
    assert!(!data.items(Scope::Causes).is_empty());

    // Interventions active in November, with money that adds up to the stats.
    let interventions = data.items(Scope::Interventions);
    assert_eq!(count(interventions.len()), stats.interventions_active);
    for i in interventions {
        let start = i.get("start").and_then(Value::as_date);
        let end = i.get("end").and_then(Value::as_date);
        assert!(start.is_none_or(|d| d <= period.end()), "{i:?}");
        assert!(end.is_none_or(|d| d >= period.start()), "{i:?}");
    }
    let funds = data.items(Scope::Funds);
    assert_eq!(sum(interventions, "budget"), stats.funds_budget.fen());
    assert_eq!(sum(interventions, "disbursed"), stats.funds_disbursed.fen());
    assert_eq!(
        sum(interventions, "disbursed_in_period"),
        stats.funds_disbursed_in_period.fen()
    );
    assert_eq!(sum(funds, "amount"), stats.funds_budget.fen());
    assert_eq!(sum(funds, "disbursed"), stats.funds_disbursed.fen());
    assert!(
        stats.funds_disbursed_in_period.fen() > 0,
        "the demo pays in November"
    );
    // Each intervention's budget is its own lines' amounts; lines follow their interventions.
    let mut seen_titles: Vec<&Value> = Vec::new();
    for line in funds {
        let title = line
            .get("intervention")
            .ok_or("fund without intervention")?;
        if seen_titles.last() != Some(&title) {
            assert!(
                !seen_titles.contains(&title),
                "lines of {title:?} are apart"
            );
            seen_titles.push(title);
        }
    }
    for i in interventions {
        let title = i.get("title");
        let lines: Vec<Item> = funds
            .iter()
            .filter(|f| f.get("intervention") == title)
            .cloned()
            .collect();
        assert_eq!(
            sum(&lines, "amount"),
            money(i.get("budget").unwrap_or(&Value::Null))
        );
        assert_eq!(
            sum(&lines, "disbursed"),
            money(i.get("disbursed").unwrap_or(&Value::Null))
        );
    }

    // Activities, visits and logs dated in November.
    let in_month = |items: &[Item]| {
        items.iter().all(|i| {
            i.get("date")
                .and_then(Value::as_date)
                .is_some_and(|d| period.contains(d))
        })
    };
    let activities = data.items(Scope::Activities);
    assert!(in_month(activities));
    assert_eq!(count(activities.len()), stats.activities_planned_in_period);
    let first = activities.first().ok_or("no activity in November")?;
    assert_eq!(first.get("semester"), Some(&Value::Text("第一学期".into())));
    assert_eq!(
        first.get("partner_schools"),
        Some(&Value::List(vec![
            "特补乃吾村小学".into(),
            "洛莫村小学".into(),
            "吉史村小学".into()
        ]))
    );
    let visits = data.items(Scope::Visits);
    assert!(in_month(visits));
    assert_eq!(count(visits.len()), stats.visits_in_period);
    let heads = texts(households, "head_name");
    // A visit is to a household (shown by its head's name) or to a whole group.
    assert!(visits.iter().all(|v| match v.get("household") {
        Some(Value::Null) => true,
        Some(h) => heads.contains(&h.to_text()),
        None => false,
    }));
    assert!(visits
        .iter()
        .any(|v| v.get("household").is_some_and(|h| !h.is_null())));
    assert!(visits.iter().all(|v| v
        .get("group")
        .is_some_and(|g| group_names.contains(&g.to_text()))));
    let logs = data.items(Scope::Logs);
    assert!(in_month(logs));
    let in_village = logs
        .iter()
        .filter(|l| l.get("in_village") == Some(&Value::Bool(true)))
        .count();
    assert_eq!(count(in_village), stats.days_in_village_in_period);
    Ok(())
}

#[test]
fn an_activity_given_only_a_month_has_no_date_but_a_semester() -> TestResult {
    let conn = demo_db()?;
    // The demo plans the February joint meeting by month only.
    let data = template::gather(&conn, Period::parse("2027-02")?, None)?;
    let meeting = data
        .items(Scope::Activities)
        .iter()
        .find(|a| a.get("type") == Some(&Value::Text("联席会议".into())))
        .ok_or("no joint meeting in February 2027")?;
    assert_eq!(meeting.get("date"), Some(&Value::Null));
    assert_eq!(
        meeting.get("semester"),
        Some(&Value::Text("第二学期".into()))
    );
    Ok(())
}

#[test]
fn a_month_with_nothing_in_it_has_empty_collections() -> TestResult {
    let conn = demo_db()?;
    let data: ReturnData = template::gather(&conn, Period::parse("2013-01")?, Some("张三"))?;
    for scope in [Scope::Activities, Scope::Visits, Scope::Logs, Scope::Funds] {
        assert!(data.items(scope).is_empty(), "{scope}");
    }
    assert_eq!(
        data.items(Scope::Groups).len(),
        6,
        "groups are always current"
    );
    assert_eq!(
        data.scalars.get("report.signer"),
        Some(&Value::Text("张三".into()))
    );
    // The village's yearly figures start in 2014.
    assert_eq!(
        data.scalars.get("stats.per_capita_income"),
        Some(&Value::Null)
    );
    Ok(())
}

#[test]
fn a_database_without_a_village_has_no_return() -> TestResult {
    let conn = db()?;
    let err = template::gather(&conn, november()?, None)
        .err()
        .ok_or("gather succeeded without a village")?;
    assert_eq!(err.code(), "no_village");
    Ok(())
}

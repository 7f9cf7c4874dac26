//! demo, stats, pairing check, calendar and backup.

use zhucun_core::rusqlite::Connection;

use crate::common::{Sandbox, TestResult};

fn demo() -> TestResult<Sandbox> {
    let s = Sandbox::new()?;
    s.ok(&["demo"])?;
    Ok(s)
}

#[test]
fn the_demo_matches_the_survey() -> TestResult {
    let s = demo()?;
    let v = s.ok(&["--json", "village", "show"])?.json()?;
    assert_eq!(v["name"], "特补乃吾村");
    assert_eq!(v["household_count"], 227);
    assert_eq!(v["population"], 1021);
    assert_eq!(v["group_count"], 6);
    assert_eq!(v["farmland_mu"], 825);
    let stats = s.ok(&["--json", "stats", "--period", "2026-11"])?.json()?;
    assert_eq!(stats["poor_households"], 54);
    assert_eq!(stats["poor_population"], 178);
    assert_eq!(stats["households_without_safe_water"], 100);
    assert_eq!(stats["people_without_safe_water"], 450);
    assert_eq!(stats["groups_without_road"], 1);
    assert_eq!(
        stats["per_capita_income"].as_f64().map(|x| x > 0.0),
        Some(true)
    );
    let households = s.ok(&["--json", "household", "list"])?.json()?;
    let list = households.as_array().ok_or("an array")?;
    assert_eq!(list.len(), 227);
    let people: i64 = list.iter().filter_map(|h| h["size"].as_i64()).sum();
    assert_eq!(people, 1021);
    // A second demo on a full database is refused.
    let msg = s.refused(&["demo"])?;
    assert!(!msg.is_empty());
    Ok(())
}

#[test]
fn stats_of_an_empty_month_and_a_bad_period() -> TestResult {
    let s = Sandbox::new()?;
    let stats = s.ok(&["--json", "stats", "--period", "2026-11"])?.json()?;
    assert_eq!(stats["visits_in_period"], 0);
    assert_eq!(stats["funds_budget"], 0);
    let msg = s.refused(&["stats", "--period", "2026-13"])?;
    assert!(msg.contains("2026-13"), "{msg}");
    let human = s.ok(&["stats", "--period", "2026-11"])?.stdout;
    assert!(human.contains("贫困户数"), "{human}");
    Ok(())
}

#[test]
fn pairing_check_on_the_demo_calendar() -> TestResult {
    let s = demo()?;
    let reports = s
        .ok(&["--json", "pairing", "check", "--year", "2026"])?
        .json()?;
    let text = reports.to_string();
    assert!(text.contains("联席会议"), "{text}");
    let human = s.ok(&["pairing", "check"])?.stdout;
    assert!(!human.trim().is_empty());
    let msg = s.refused(&["pairing", "check", "--year", "1999"])?;
    assert!(msg.contains("1999"), "{msg}");
    Ok(())
}

#[test]
fn calendar_ics_is_written_whole() -> TestResult {
    let s = demo()?;
    let out = s.path("活动.ics");
    s.ok(&["calendar", "ics", "--out", out.to_str().ok_or("path")?])?;
    let text = std::fs::read_to_string(&out)?;
    assert!(text.starts_with("BEGIN:VCALENDAR"), "{text}");
    assert!(text.trim_end().ends_with("END:VCALENDAR"));
    assert!(text.matches("BEGIN:VEVENT").count() >= 11, "{text}");
    assert!(text.contains("启动仪式"));
    Ok(())
}

#[test]
fn backup_while_another_connection_writes() -> TestResult {
    let s = demo()?;
    // Another program holds the database open in the middle of a write.
    let mut other = Connection::open(&s.db)?;
    let tx = other.transaction()?;
    tx.execute("UPDATE village SET name = '半途而废村'", [])?;
    let out = s.path("copy/backup.sqlite");
    s.ok(&["backup", "--out", out.to_str().ok_or("path")?])?;
    tx.rollback()?;
    let copy = Connection::open(&out)?;
    let check: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    assert_eq!(check, "ok");
    let name: String = copy.query_row("SELECT name FROM village", [], |r| r.get(0))?;
    assert_eq!(name, "特补乃吾村", "the copy holds only committed data");
    let households: i64 = copy.query_row("SELECT count(*) FROM households", [], |r| r.get(0))?;
    assert_eq!(households, 227);
    let mode: String = copy.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    assert_eq!(mode, "delete", "a backup is one self-contained file");
    let leftovers: Vec<_> = std::fs::read_dir(s.path("copy"))?.collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    Ok(())
}

//! The school-pairing rule check and the activity calendar (.ics).

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::NaiveDate;
use icalendar::{Component, DatePerhapsTime, EventLike, EventStatus};
use zhucun_core::pairing::{
    self, semester_of, IgnoreReason, PairingReport, PairingRule, RuleResult, Scope, Semester,
};
use zhucun_core::records::{self, schema};
use zhucun_core::rusqlite::Connection;
use zhucun_core::{calendar, Lang, Period};

use crate::common::{db, demo_db, pairs, TestResult};

/// A school year that meets every rule: the activities by a short name of ours.
struct Plan {
    conn: Connection,
    pairing: String,
    ids: BTreeMap<&'static str, String>,
}

/// (key, date or month, type, title, status, participants)
const FULL_PLAN: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "launch",
        "2026-09-05",
        "启动仪式",
        "结对帮扶启动仪式",
        "已完成",
        "",
    ),
    (
        "meeting-sep",
        "2026-09-20",
        "联席会议",
        "第一次领导联席会议",
        "已完成",
        "",
    ),
    (
        "forum",
        "2026-10-15",
        "座谈会",
        "师徒结对座谈会",
        "计划",
        "",
    ),
    (
        "meeting-nov",
        "2026-11-20",
        "联席会议",
        "第二次领导联席会议",
        "计划",
        "",
    ),
    (
        "secondment",
        "2026-11-02",
        "支教",
        "数学、语文教师支教",
        "计划",
        "2名教师",
    ),
    ("lecture", "2026-12", "名师讲座", "名师专题讲座", "计划", ""),
    (
        "evaluation",
        "2027-01-08",
        "研讨交流",
        "教学评价研讨会",
        "计划",
        "",
    ),
    (
        "summary-jan",
        "2027-01-15",
        "考核总结",
        "第一学期考核总结",
        "计划",
        "",
    ),
    (
        "meeting-feb",
        "2027-02-20",
        "联席会议",
        "第三次领导联席会议",
        "计划",
        "",
    ),
    (
        "open-day",
        "2027-03-10",
        "教学开放日",
        "教学开放日",
        "计划",
        "",
    ),
    (
        "report",
        "2027-04-10",
        "汇报课",
        "青年教师汇报课",
        "计划",
        "",
    ),
    (
        "meeting-apr",
        "2027-04-20",
        "联席会议",
        "第四次领导联席会议",
        "计划",
        "",
    ),
    (
        "seminar",
        "2027-05-10",
        "研讨交流",
        "课题研究研讨",
        "计划",
        "",
    ),
    (
        "festival",
        "2027-06-05",
        "艺术节/科技节",
        "艺术节暨科技节",
        "计划",
        "",
    ),
    (
        "summary-jun",
        "2027-06-25",
        "考核总结",
        "学年考核总结",
        "计划",
        "",
    ),
];

fn full_plan() -> TestResult<Plan> {
    let mut conn = db()?;
    let pairing = records::add(
        &mut conn,
        &schema::PAIRING,
        &pairs(&[
            ("base_school", "城关镇中心小学"),
            ("partner_schools", "特补乃吾村小学、山区小学"),
            ("school_year", "2026"),
        ]),
    )?;
    let mut ids = BTreeMap::new();
    for &(key, when, kind, title, status, participants) in FULL_PLAN {
        let when_field = if when.len() == 7 { "month" } else { "date" };
        let mut fields = vec![
            ("pairing", pairing.as_str()),
            (when_field, when),
            ("type", kind),
            ("title", title),
            ("host_school", "城关镇中心小学"),
            ("status", status),
        ];
        if !participants.is_empty() {
            fields.push(("participants", participants));
        }
        ids.insert(
            key,
            records::add(&mut conn, &schema::ACTIVITY, &pairs(&fields))?,
        );
    }
    Ok(Plan { conn, pairing, ids })
}

impl Plan {
    fn id(&self, key: &str) -> TestResult<&str> {
        Ok(self
            .ids
            .get(key)
            .ok_or_else(|| format!("no activity {key}"))?)
    }

    fn set(&mut self, key: &str, fields: &[(&str, &str)]) -> TestResult {
        let id = self.id(key)?.to_string();
        records::set(&mut self.conn, &schema::ACTIVITY, &id, &pairs(fields))?;
        Ok(())
    }

    fn remove(&mut self, key: &str) -> TestResult {
        let id = self.id(key)?.to_string();
        records::remove(&mut self.conn, &schema::ACTIVITY, &id)?;
        Ok(())
    }

    fn report(&self) -> TestResult<PairingReport> {
        let mut reports = pairing::check(&self.conn, Some(2026))?;
        assert_eq!(reports.len(), 1);
        Ok(reports.remove(0))
    }
}

fn rule(report: &PairingReport, rule: PairingRule) -> TestResult<&RuleResult> {
    Ok(report
        .rule(rule)
        .ok_or_else(|| format!("no result for {rule:?}"))?)
}

/// Which rules are met, in the order of `PairingRule::ALL`.
fn met(report: &PairingReport) -> Vec<(PairingRule, bool)> {
    report.rules.iter().map(|r| (r.rule, r.met)).collect()
}

fn all_met_but(broken: PairingRule) -> Vec<(PairingRule, bool)> {
    PairingRule::ALL.iter().map(|&r| (r, r != broken)).collect()
}

fn day(y: i32, m: u32, d: u32) -> TestResult<NaiveDate> {
    Ok(NaiveDate::from_ymd_opt(y, m, d).ok_or("bad date")?)
}

#[test]
fn a_full_plan_meets_every_rule() -> TestResult {
    let plan = full_plan()?;
    let report = plan.report()?;
    assert_eq!(report.pairing_id, plan.pairing);
    assert_eq!(report.base_school, "城关镇中心小学");
    assert_eq!(report.partner_schools, ["特补乃吾村小学", "山区小学"]);
    assert_eq!(report.school_year, 2026);
    assert_eq!(report.activity_count, FULL_PLAN.len());
    assert!(report.met, "{}", report.describe(Lang::Zh));
    assert_eq!(
        report.rules.iter().map(|r| r.rule).collect::<Vec<_>>(),
        PairingRule::ALL
    );

    let meetings = rule(&report, PairingRule::JointMeetings)?;
    let per_semester: Vec<(Scope, u32)> = meetings
        .evidence
        .iter()
        .map(|e| (e.scope.clone(), e.found))
        .collect();
    assert_eq!(
        per_semester,
        [
            (
                Scope::Semester {
                    semester: Semester::First
                },
                2
            ),
            (
                Scope::Semester {
                    semester: Semester::Second
                },
                2
            ),
        ]
    );
    let titles: Vec<&str> = meetings.evidence[0]
        .activities
        .iter()
        .map(|a| a.title.as_str())
        .collect();
    assert_eq!(titles, ["第一次领导联席会议", "第二次领导联席会议"]);
    // The check is of the plan: the November meeting is only planned, and it counts.
    assert_eq!(meetings.evidence[0].activities[1].status, "计划");

    let months = rule(&report, PairingRule::MonthlyActivity)?;
    let listed: Vec<String> = months
        .evidence
        .iter()
        .map(|e| match &e.scope {
            Scope::Month { month, .. } => format!("{month}:{}", e.found),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        listed,
        [
            "2026-09:2",
            "2026-10:1",
            "2026-11:2",
            "2026-12:1",
            "2027-01:2",
            "2027-02:1",
            "2027-03:1",
            "2027-04:2",
            "2027-05:1",
            "2027-06:2",
        ]
    );
    // The December lecture has only a month, and counts for it.
    assert_eq!(months.evidence[3].activities[0].date, None);
    assert_eq!(
        months.summary(Lang::Zh),
        "每个教学月至少开展一次活动：已满足——10 个教学月均有活动"
    );

    let secondments = rule(&report, PairingRule::Secondments)?;
    assert_eq!(secondments.evidence.len(), 1);
    assert_eq!(secondments.evidence[0].found, 2, "“2名教师” counts as two");
    assert_eq!(secondments.evidence[0].activities[0].counts, 2);

    let summaries = rule(&report, PairingRule::SemesterSummaries)?;
    let scopes: Vec<String> = summaries
        .evidence
        .iter()
        .map(|e| e.scope.label(Lang::Zh))
        .collect();
    assert_eq!(
        scopes,
        ["第一学期末（2027年1月）", "第二学期末（2027年6月）"]
    );
    assert!(summaries.evidence.iter().all(|e| e.found == 1));
    Ok(())
}

#[test]
fn a_cancelled_joint_meeting_leaves_its_semester_short() -> TestResult {
    let mut plan = full_plan()?;
    plan.set("meeting-nov", &[("status", "取消")])?;
    let report = plan.report()?;
    assert_eq!(met(&report), all_met_but(PairingRule::JointMeetings));
    let meetings = rule(&report, PairingRule::JointMeetings)?;
    let unmet: Vec<_> = meetings.unmet().collect();
    assert_eq!(unmet.len(), 1);
    assert_eq!(
        unmet[0].scope,
        Scope::Semester {
            semester: Semester::First
        }
    );
    assert_eq!((unmet[0].found, unmet[0].required), (1, 2));
    assert_eq!(unmet[0].activities[0].title, "第一次领导联席会议");
    assert_eq!(unmet[0].ignored.len(), 1);
    assert_eq!(unmet[0].ignored[0].activity.id, plan.id("meeting-nov")?);
    assert_eq!(unmet[0].ignored[0].reason, IgnoreReason::Cancelled);
    assert_eq!(
        meetings.summary(Lang::Zh),
        "每学期至少召开两次领导联席会议：未满足——第一学期 1 次，第二学期 2 次（每学期至少 2 次）"
    );
    assert_eq!(
        meetings.summary(Lang::En),
        "At least two leadership joint meetings per semester: not met — \
         first semester: 1 activity; second semester: 2 activities (at least 2 per semester)"
    );

    // Removing the other one leaves none; the second semester is untouched.
    plan.remove("meeting-sep")?;
    let report = plan.report()?;
    let meetings = rule(&report, PairingRule::JointMeetings)?;
    assert_eq!(meetings.evidence[0].found, 0);
    assert!(meetings.evidence[1].met);
    Ok(())
}

#[test]
fn a_month_without_activity_is_named() -> TestResult {
    let mut plan = full_plan()?;
    plan.remove("forum")?;
    let report = plan.report()?;
    assert_eq!(met(&report), all_met_but(PairingRule::MonthlyActivity));
    let months = rule(&report, PairingRule::MonthlyActivity)?;
    let empty: Vec<&Scope> = months.unmet().map(|e| &e.scope).collect();
    assert_eq!(
        empty,
        [&Scope::Month {
            semester: Semester::First,
            month: Period::parse("2026-10")?,
        }]
    );
    assert_eq!(
        months.summary(Lang::Zh),
        "每个教学月至少开展一次活动：未满足——没有活动的月份：2026年10月"
    );
    assert!(months
        .summary(Lang::En)
        .ends_with("months with no activity: 2026-10"));

    // A cancelled activity does not fill a month, and is shown as not counted.
    plan.set("open-day", &[("status", "取消")])?;
    let report = plan.report()?;
    let months = rule(&report, PairingRule::MonthlyActivity)?;
    let march = months
        .unmet()
        .find(|e| e.scope.label(Lang::En) == "2027-03")
        .ok_or("March should be empty")?;
    assert_eq!(march.found, 0);
    assert_eq!(march.ignored[0].activity.title, "教学开放日");
    assert!(months.summary(Lang::Zh).ends_with("2026年10月、2027年3月"));
    Ok(())
}

#[test]
fn secondments_count_people_and_need_two() -> TestResult {
    let mut plan = full_plan()?;
    plan.set("secondment", &[("participants", "张老师")])?;
    let report = plan.report()?;
    assert_eq!(met(&report), all_met_but(PairingRule::Secondments));
    let secondments = rule(&report, PairingRule::Secondments)?;
    let year = &secondments.evidence[0];
    assert_eq!(year.scope, Scope::SchoolYear { school_year: 2026 });
    assert_eq!((year.found, year.required), (1, 2));
    assert_eq!(year.activities[0].participants.as_deref(), Some("张老师"));
    assert_eq!(
        secondments.summary(Lang::Zh),
        "每学年至少选派两名教师支教：未满足——2026—2027学年 1 人（至少 2 人）"
    );

    // A second 支教 activity, in the summer holiday, still counts for the school year.
    let mut conn = plan.conn;
    records::add(
        &mut conn,
        &schema::ACTIVITY,
        &pairs(&[
            ("pairing", &plan.pairing),
            ("date", "2027-07-10"),
            ("type", "支教"),
            ("title", "暑期支教"),
        ]),
    )?;
    let report = &pairing::check(&conn, Some(2026))?[0];
    assert!(report.met, "{}", report.describe(Lang::Zh));

    // Written numbers are read: 两位老师 is two.
    for (participants, expected) in [("两位老师", 2), ("1名校长、2名教师", 3), ("", 1)] {
        assert_eq!(
            pairing::people_seconded(Some(participants).filter(|p| !p.is_empty())),
            expected,
            "{participants}"
        );
    }
    Ok(())
}

#[test]
fn a_summary_before_the_last_month_does_not_count() -> TestResult {
    let mut plan = full_plan()?;
    plan.set("summary-jan", &[("date", "2026-12-28")])?;
    let report = plan.report()?;
    assert_eq!(met(&report), all_met_but(PairingRule::SemesterSummaries));
    let summaries = rule(&report, PairingRule::SemesterSummaries)?;
    let first = &summaries.evidence[0];
    assert!(!first.met);
    assert_eq!(
        first.scope,
        Scope::SemesterEnd {
            semester: Semester::First,
            month: Period::parse("2027-01")?,
        }
    );
    assert_eq!(first.ignored.len(), 1);
    assert_eq!(first.ignored[0].reason, IgnoreReason::NotInLastMonth);
    assert_eq!(first.ignored[0].activity.date, Some(day(2026, 12, 28)?));
    assert!(summaries.evidence[1].met);

    // A summary given only its month counts for that month; a cancelled one does not.
    plan.set("summary-jan", &[("date", ""), ("month", "2027-01")])?;
    assert!(plan.report()?.met);
    plan.set("summary-jun", &[("status", "取消")])?;
    let report = plan.report()?;
    assert_eq!(met(&report), all_met_but(PairingRule::SemesterSummaries));
    let second = &rule(&report, PairingRule::SemesterSummaries)?.evidence[1];
    assert_eq!(second.ignored[0].reason, IgnoreReason::Cancelled);
    Ok(())
}

#[test]
fn the_report_serialises_for_the_command_line() -> TestResult {
    let mut plan = full_plan()?;
    plan.remove("forum")?;
    let json = serde_json::to_value(plan.report()?)?;
    assert_eq!(json["school_year"], 2026);
    assert_eq!(json["met"], false);
    assert_eq!(json["rules"][0]["rule"], "joint_meetings");
    assert_eq!(json["rules"][0]["evidence"][0]["scope"]["kind"], "semester");
    assert_eq!(
        json["rules"][0]["evidence"][0]["scope"]["semester"],
        "第一学期"
    );
    assert_eq!(
        json["rules"][0]["evidence"][0]["activities"][0]["date"],
        "2026-09-20"
    );
    assert_eq!(
        json["rules"][0]["evidence"][0]["activities"][0]["type"],
        "联席会议"
    );
    let october = &json["rules"][1]["evidence"][1];
    assert_eq!(october["scope"]["month"], "2026-10");
    assert_eq!(october["met"], false);
    assert_eq!(october["found"], 0);
    assert!(json["rules"][1]["summary_en"]
        .as_str()
        .is_some_and(|s| s.contains("2026-10")));

    let text = plan.report()?.describe(Lang::Zh);
    assert!(text.starts_with(
        "结对帮扶：城关镇中心小学（2026—2027学年），结对学校：特补乃吾村小学、山区小学"
    ));
    assert!(
        text.contains("\n      2026年10月：0 次（至少 1 次）\n"),
        "{text}"
    );
    Ok(())
}

#[test]
fn semesters_turn_on_the_first_of_september_february_and_july() -> TestResult {
    let cases = [
        ((2026, 8, 31), None),
        ((2026, 9, 1), Some(Semester::First)),
        ((2026, 12, 31), Some(Semester::First)),
        ((2027, 1, 31), Some(Semester::First)),
        ((2027, 2, 1), Some(Semester::Second)),
        ((2028, 2, 29), Some(Semester::Second)),
        ((2027, 6, 30), Some(Semester::Second)),
        ((2027, 7, 1), None),
    ];
    for ((y, m, d), expected) in cases {
        assert_eq!(semester_of(day(y, m, d)?), expected, "{y}-{m}-{d}");
    }
    assert_eq!(pairing::school_year_of(day(2027, 1, 31)?), 2026);
    assert_eq!(pairing::school_year_of(day(2026, 9, 1)?), 2026);
    assert_eq!(Semester::First.label(Lang::Zh), "第一学期");
    assert_eq!(Semester::Second.label(Lang::Zh), "第二学期");
    let spring: Vec<String> = Semester::Second
        .months(2026)
        .iter()
        .map(Period::to_string)
        .collect();
    assert_eq!(
        spring,
        ["2027-02", "2027-03", "2027-04", "2027-05", "2027-06"]
    );
    assert_eq!(
        Semester::First.last_month(2026),
        Some(Period::parse("2027-01")?)
    );
    Ok(())
}

#[test]
fn a_school_year_with_no_pairing_is_not_found() -> TestResult {
    let mut conn = db()?;
    assert!(pairing::check(&conn, None)?.is_empty());
    let err = pairing::check(&conn, Some(2030))
        .err()
        .ok_or("should refuse")?;
    assert_eq!(err.code(), "not_found");
    assert!(err.to_string().contains("2030"), "{err}");

    for (school, year) in [("一中", "2025"), ("二小", "2026"), ("三小", "2026")] {
        records::add(
            &mut conn,
            &schema::PAIRING,
            &pairs(&[("base_school", school), ("school_year", year)]),
        )?;
    }
    let all = pairing::check(&conn, None)?;
    let years: Vec<i32> = all.iter().map(|r| r.school_year).collect();
    assert_eq!(years, [2025, 2026, 2026]);
    assert_eq!(pairing::check(&conn, Some(2026))?.len(), 2);
    assert_eq!(
        pairing::check(&conn, Some(2027)).err().map(|e| e.code()),
        Some("not_found")
    );
    // A pairing with no activities meets nothing, and says which months are empty.
    let empty = &pairing::check(&conn, Some(2025))?[0];
    assert!(empty.rules.iter().all(|r| !r.met));
    assert_eq!(
        rule(empty, PairingRule::MonthlyActivity)?.unmet().count(),
        10
    );
    Ok(())
}

// The activity calendar.

#[test]
fn the_calendar_parses_back_with_one_event_per_live_activity() -> TestResult {
    let mut plan = full_plan()?;
    plan.set("open-day", &[("status", "取消")])?;
    let long_title = "关于开展“名师送教下乡、城乡结对共建”主题教研活动暨乡村教师专业发展能力提升培训的安排；第二轮";
    let long = records::add(
        &mut plan.conn,
        &schema::ACTIVITY,
        &pairs(&[
            ("pairing", &plan.pairing),
            ("date", "2026-10-28"),
            ("type", "送教下乡"),
            ("title", long_title),
            ("participants", "语文组, 数学组"),
            ("responsible", "教导主任"),
        ]),
    )?;
    let ics = calendar::to_ics(&plan.conn)?;

    // RFC 5545 §3.1: CRLF line ends, no line longer than 75 octets.
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    assert!(!ics.replace("\r\n", "").contains('\n'), "a bare LF");
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
    }
    assert!(ics.contains("\r\n "), "the long title is folded");

    let parsed = icalendar::Calendar::from_str(&ics)?;
    assert_eq!(parsed.get_name(), Some("城关镇中心小学结对帮扶活动"));
    assert_eq!(
        parsed.property_value("X-WR-CALNAME"),
        Some("城关镇中心小学结对帮扶活动")
    );
    let events: Vec<&icalendar::Event> = parsed.events().collect();
    // The whole plan and the long one, less the cancelled open day.
    assert_eq!(events.len(), FULL_PLAN.len());
    let by_uid = |id: &str| {
        let uid = format!("{id}@zhucun");
        events
            .iter()
            .find(|e| e.get_uid() == Some(uid.as_str()))
            .copied()
            .ok_or(format!("no event {uid}"))
    };
    assert!(
        by_uid(plan.id("open-day")?).is_err(),
        "cancelled is left out"
    );

    let meeting = by_uid(plan.id("meeting-sep")?)?;
    assert_eq!(meeting.get_summary(), Some("联席会议：第一次领导联席会议"));
    assert_eq!(
        meeting.get_start(),
        Some(DatePerhapsTime::Date(day(2026, 9, 20)?))
    );
    assert_eq!(
        meeting.get_end(),
        Some(DatePerhapsTime::Date(day(2026, 9, 21)?))
    );
    assert_eq!(meeting.get_status(), Some(EventStatus::Confirmed));
    assert_eq!(meeting.get_location(), Some("城关镇中心小学"));

    let long = by_uid(&long)?;
    assert_eq!(
        long.get_summary(),
        Some(format!("送教下乡：{long_title}").as_str())
    );
    assert_eq!(long.get_status(), Some(EventStatus::Tentative));
    let description = long.get_description().ok_or("no description")?;
    assert!(description.contains("参加人员：语文组, 数学组\n负责人：教导主任\n状态：计划"));
    assert!(description.contains("结对帮扶：城关镇中心小学（2026—2027学年）"));

    // A month-only activity is on the first of its month, and says so.
    let lecture = by_uid(plan.id("lecture")?)?;
    assert_eq!(
        lecture.get_start(),
        Some(DatePerhapsTime::Date(day(2026, 12, 1)?))
    );
    assert_eq!(
        lecture.get_summary(),
        Some("名师讲座：名师专题讲座（2026年12月，日期待定）")
    );
    Ok(())
}

#[test]
fn the_calendar_file_is_written_whole() -> TestResult {
    let plan = full_plan()?;
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("activities.ics");
    calendar::export_ics(&plan.conn, &out)?;
    let written = std::fs::read_to_string(&out)?;
    let parsed = icalendar::Calendar::from_str(&written)?;
    assert_eq!(parsed.events().count(), FULL_PLAN.len());
    let names: Vec<_> = std::fs::read_dir(dir.path())?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()?;
    assert_eq!(
        names,
        ["activities.ics"],
        "no temporary file is left behind"
    );

    // A folder that is a file cannot be written to: an io error naming the path.
    let blocked = dir.path().join("activities.ics").join("x.ics");
    let err = calendar::export_ics(&plan.conn, &blocked)
        .err()
        .ok_or("should fail")?;
    assert_eq!(err.code(), "io");

    // An empty database gives an empty but valid calendar.
    let empty = calendar::to_ics(&db()?)?;
    assert_eq!(icalendar::Calendar::from_str(&empty)?.events().count(), 0);
    Ok(())
}

// The demo village.

#[test]
fn the_demo_plan_is_checked_honestly() -> TestResult {
    let conn = demo_db()?;
    let reports = pairing::check(&conn, Some(2026))?;
    assert_eq!(reports.len(), 1);
    let report = &reports[0];
    let describe = report.describe(Lang::Zh);
    // One activity a month, September to June: met.
    assert!(
        rule(report, PairingRule::MonthlyActivity)?.met,
        "{describe}"
    );
    // One joint meeting (February) where two a semester are asked for: not met.
    assert!(!rule(report, PairingRule::JointMeetings)?.met, "{describe}");
    // The published plan sends no teachers: not met.
    assert!(!rule(report, PairingRule::Secondments)?.met, "{describe}");
    // A summary in June but none in January.
    let summaries = rule(report, PairingRule::SemesterSummaries)?;
    let by_semester: Vec<bool> = summaries.evidence.iter().map(|e| e.met).collect();
    assert_eq!(by_semester, [false, true], "{describe}");
    assert!(!report.met);

    let ics = calendar::to_ics(&conn)?;
    let parsed = icalendar::Calendar::from_str(&ics)?;
    let live = records::list(&conn, &schema::ACTIVITY, None)?
        .iter()
        .filter(|a| a.get("status").as_str() != Some("取消"))
        .count();
    assert_eq!(parsed.events().count(), live);
    Ok(())
}

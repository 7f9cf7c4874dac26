//! The school-pairing rule check (DESIGN.md, "School pairing").
//!
//! A pairing's school year has two semesters: 第一学期 from September to January and 第二学期
//! from February to June; July and August are holidays. The plan of activities is checked
//! against four rules ([`PairingRule`]), and each is reported as met or not with the evidence:
//! the activities that counted, window by window (a semester, a month of term, the school year),
//! and those that were seen but did not count, with the reason.
//!
//! What counts:
//!
//! - **Planned activities count.** The check is of the plan: an activity whose status is 计划
//!   counts the same as one marked 已完成, so a secretary can check a calendar before the year
//!   starts. Cancelled (取消) activities never count; they are listed as ignored.
//! - An activity given only a month (no date) counts for that month.
//! - Each 支教 activity counts as the number of people it seconds: the numbers written before
//!   名, 位 or 人 in its participants, added up (`2名教师` → 2, `1名校长、2名教师` → 3, `两位老师` →
//!   2), or one when no such number is written. Names are not counted (`张老师、李老师` → 1):
//!   write the number. The evidence shows what each activity was counted as.
//!
//! The rules are data ([`PairingRule::spec`]): which activity type counts, over which window,
//! and how many are needed, so one evaluation serves all four.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use chrono::{Datelike, NaiveDate};
use rusqlite::Connection;
use serde::{Serialize, Serializer};

use crate::error::{Error, Lang, Result};
use crate::records::checks::activity_day;
use crate::records::schema::{ACTIVITY, PAIRING};
use crate::records::{self, Row, Value};
use crate::types::{ActivityStatus, ActivityType, Period, Taxonomy};

/// One of the two semesters of a school year.
///
/// Serialised as its Chinese label (`第一学期`), the form templates and exchanges use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Semester {
    /// 第一学期: September to January.
    First,
    /// 第二学期: February to June.
    Second,
}

impl Semester {
    /// Both semesters, in order.
    pub const ALL: [Semester; 2] = [Semester::First, Semester::Second];

    /// `第一学期` / `第二学期`.
    pub fn label_zh(self) -> &'static str {
        match self {
            Semester::First => "第一学期",
            Semester::Second => "第二学期",
        }
    }

    /// `first semester` / `second semester`.
    pub fn label_en(self) -> &'static str {
        match self {
            Semester::First => "first semester",
            Semester::Second => "second semester",
        }
    }

    /// The label in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        lang.pick(self.label_zh(), self.label_en())
    }

    /// The months of term of this semester in the school year that starts in September of
    /// `school_year`, in order (five months each).
    ///
    /// # Examples
    ///
    /// ```
    /// use zhucun_core::pairing::Semester;
    /// let months: Vec<String> = Semester::First.months(2026).iter().map(|m| m.to_string()).collect();
    /// assert_eq!(months, ["2026-09", "2026-10", "2026-11", "2026-12", "2027-01"]);
    /// ```
    pub fn months(self, school_year: i32) -> Vec<Period> {
        let next = school_year.saturating_add(1);
        let months: [(i32, u32); 5] = match self {
            Semester::First => [
                (school_year, 9),
                (school_year, 10),
                (school_year, 11),
                (school_year, 12),
                (next, 1),
            ],
            Semester::Second => [(next, 2), (next, 3), (next, 4), (next, 5), (next, 6)],
        };
        months
            .iter()
            .filter_map(|&(y, m)| Period::from_year_month(y, m))
            .collect()
    }

    /// The last month of this semester (January or June), when the assessment and summary is
    /// due.
    pub fn last_month(self, school_year: i32) -> Option<Period> {
        self.months(school_year).last().copied()
    }
}

impl fmt::Display for Semester {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_zh())
    }
}

impl Serialize for Semester {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.label_zh())
    }
}

/// The semester a day falls in: 第一学期 for September to January, 第二学期 for February to
/// June, none for July and August (the summer holiday).
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use zhucun_core::pairing::{semester_of, Semester};
/// let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
/// assert_eq!(semester_of(day(2027, 1, 31)), Some(Semester::First));
/// assert_eq!(semester_of(day(2027, 2, 1)), Some(Semester::Second));
/// assert_eq!(semester_of(day(2027, 7, 1)), None);
/// ```
pub fn semester_of(date: NaiveDate) -> Option<Semester> {
    match date.month() {
        9..=12 | 1 => Some(Semester::First),
        2..=6 => Some(Semester::Second),
        _ => None,
    }
}

/// The school year a day belongs to, by its first calendar year (September to August).
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use zhucun_core::pairing::school_year_of;
/// assert_eq!(school_year_of(NaiveDate::from_ymd_opt(2027, 8, 31).unwrap()), 2026);
/// assert_eq!(school_year_of(NaiveDate::from_ymd_opt(2027, 9, 1).unwrap()), 2027);
/// ```
pub fn school_year_of(date: NaiveDate) -> i32 {
    if date.month() >= 9 {
        date.year()
    } else {
        date.year() - 1
    }
}

/// `2026—2027学年` / `school year 2026–2027`.
pub fn school_year_label(school_year: i32, lang: Lang) -> String {
    let next = school_year.saturating_add(1);
    match lang {
        Lang::Zh => format!("{school_year}—{next}学年"),
        Lang::En => format!("school year {school_year}–{next}"),
    }
}

/// The rules of DESIGN.md a pairing's plan is checked against.
///
/// Serialised as a stable code (`joint_meetings`…).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PairingRule {
    /// At least two leadership joint meetings (联席会议) per semester.
    JointMeetings,
    /// At least one activity in every month of term.
    MonthlyActivity,
    /// At least two teachers seconded (支教) per school year.
    Secondments,
    /// An assessment and summary (考核总结) at the end of each semester.
    SemesterSummaries,
}

/// Over which windows of the school year a rule counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Each semester as a whole.
    EachSemester,
    /// Each month of term.
    EachMonthOfTerm,
    /// The whole school year, September to August.
    SchoolYear,
    /// The last month of each semester (January, June).
    EachSemesterEnd,
}

/// What a rule adds up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counting {
    /// Activities, one each.
    Activities,
    /// People seconded, as each 支教 activity's participants state (see the module docs).
    PeopleSeconded,
}

/// A rule as data: which activities count, where, and how many are needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSpec {
    /// The only activity type that counts; `None` for any type.
    pub activity_type: Option<ActivityType>,
    /// The windows counted separately; the rule is met when every window is.
    pub window: Window,
    /// What is added up in a window.
    pub counting: Counting,
    /// The least a window needs.
    pub at_least: u32,
}

impl PairingRule {
    /// The four rules, in the order DESIGN.md gives them.
    pub const ALL: [PairingRule; 4] = [
        PairingRule::JointMeetings,
        PairingRule::MonthlyActivity,
        PairingRule::Secondments,
        PairingRule::SemesterSummaries,
    ];

    /// What the rule asks for, as data.
    pub fn spec(self) -> RuleSpec {
        match self {
            PairingRule::JointMeetings => RuleSpec {
                activity_type: Some(ActivityType::JointMeeting),
                window: Window::EachSemester,
                counting: Counting::Activities,
                at_least: 2,
            },
            PairingRule::MonthlyActivity => RuleSpec {
                activity_type: None,
                window: Window::EachMonthOfTerm,
                counting: Counting::Activities,
                at_least: 1,
            },
            PairingRule::Secondments => RuleSpec {
                activity_type: Some(ActivityType::Secondment),
                window: Window::SchoolYear,
                counting: Counting::PeopleSeconded,
                at_least: 2,
            },
            PairingRule::SemesterSummaries => RuleSpec {
                activity_type: Some(ActivityType::Assessment),
                window: Window::EachSemesterEnd,
                counting: Counting::Activities,
                at_least: 1,
            },
        }
    }

    /// The stable code (`joint_meetings`), as JSON shows it.
    pub fn code(self) -> &'static str {
        match self {
            PairingRule::JointMeetings => "joint_meetings",
            PairingRule::MonthlyActivity => "monthly_activity",
            PairingRule::Secondments => "secondments",
            PairingRule::SemesterSummaries => "semester_summaries",
        }
    }

    /// The rule in Chinese.
    pub fn label_zh(self) -> &'static str {
        match self {
            PairingRule::JointMeetings => "每学期至少召开两次领导联席会议",
            PairingRule::MonthlyActivity => "每个教学月至少开展一次活动",
            PairingRule::Secondments => "每学年至少选派两名教师支教",
            PairingRule::SemesterSummaries => "每学期末进行考核总结",
        }
    }

    /// The rule in English.
    pub fn label_en(self) -> &'static str {
        match self {
            PairingRule::JointMeetings => "At least two leadership joint meetings per semester",
            PairingRule::MonthlyActivity => "At least one activity in every month of term",
            PairingRule::Secondments => "At least two teachers seconded per school year",
            PairingRule::SemesterSummaries => {
                "An assessment and summary at the end of each semester"
            }
        }
    }

    /// The rule in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        lang.pick(self.label_zh(), self.label_en())
    }
}

/// The part of the school year one piece of evidence is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// A semester as a whole.
    Semester {
        /// Which.
        semester: Semester,
    },
    /// One month of term.
    Month {
        /// The semester it belongs to.
        semester: Semester,
        /// The month.
        month: Period,
    },
    /// The last month of a semester.
    SemesterEnd {
        /// Which semester.
        semester: Semester,
        /// Its last month.
        month: Period,
    },
    /// The whole school year.
    SchoolYear {
        /// Its first calendar year.
        school_year: i32,
    },
}

impl Scope {
    /// `第一学期`, `2026年10月`, `第一学期末（2027年1月）`, `2026—2027学年`.
    pub fn label(&self, lang: Lang) -> String {
        match (self, lang) {
            (Scope::Semester { semester }, _) => semester.label(lang).to_string(),
            (Scope::Month { month, .. }, Lang::Zh) => month.label(),
            (Scope::Month { month, .. }, Lang::En) => month.to_string(),
            (Scope::SemesterEnd { semester, month }, Lang::Zh) => {
                format!("{}末（{}）", semester.label_zh(), month.label())
            }
            (Scope::SemesterEnd { semester, month }, Lang::En) => {
                format!("end of {} ({month})", semester.label_en())
            }
            (Scope::SchoolYear { school_year }, _) => school_year_label(*school_year, lang),
        }
    }
}

/// An activity as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityRef {
    /// The activity's id.
    pub id: String,
    /// Its date, if it has one.
    pub date: Option<NaiveDate>,
    /// The month it falls in (its own month when it has no date).
    pub month: Period,
    /// Its type label (`联席会议`).
    #[serde(rename = "type")]
    pub activity_type: String,
    /// Its title.
    pub title: String,
    /// Its status label (`计划`, `已完成`, `取消`).
    pub status: String,
    /// Its participants, as written.
    pub participants: Option<String>,
    /// What it added to the count: 1 for an activity, or the people a 支教 activity seconds.
    pub counts: u32,
}

impl ActivityRef {
    /// `2026-09-15 联席会议“首次联席会议”（计划）`; a month-only activity shows its month.
    pub fn describe(&self, lang: Lang) -> String {
        let when = match self.date {
            Some(d) => d.to_string(),
            None => self.month.to_string(),
        };
        match lang {
            Lang::Zh => format!(
                "{when} {}“{}”（{}）",
                self.activity_type, self.title, self.status
            ),
            Lang::En => format!(
                "{when} {} “{}” ({})",
                self.activity_type, self.title, self.status
            ),
        }
    }
}

/// Why an activity seen in a window did not count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IgnoreReason {
    /// It was cancelled (取消).
    Cancelled,
    /// It is in the semester but not in its last month, where the summary belongs.
    NotInLastMonth,
}

impl IgnoreReason {
    /// The reason in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            IgnoreReason::Cancelled => lang.pick("已取消", "cancelled"),
            IgnoreReason::NotInLastMonth => {
                lang.pick("不在学期最后一个月", "not in the semester's last month")
            }
        }
    }
}

/// An activity that was seen but did not count, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ignored {
    /// The activity.
    pub activity: ActivityRef,
    /// Why it did not count.
    pub reason: IgnoreReason,
}

/// What a rule found in one window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The window.
    pub scope: Scope,
    /// The least the rule needs here.
    pub required: u32,
    /// What was found: activities, or people seconded.
    pub found: u32,
    /// Whether `found` reaches `required`.
    pub met: bool,
    /// The activities that counted.
    pub activities: Vec<ActivityRef>,
    /// The activities of the right type seen here that did not count.
    pub ignored: Vec<Ignored>,
}

impl Evidence {
    /// One line: the window, the count against the need, and the activities.
    pub fn describe(&self, lang: Lang, counting: Counting) -> String {
        let unit = unit(counting, Lang::Zh, 0);
        let mut line = match lang {
            Lang::Zh => format!(
                "{}：{} {unit}（至少 {} {unit}）",
                self.scope.label(lang),
                self.found,
                self.required
            ),
            Lang::En => format!(
                "{}: {} (at least {})",
                self.scope.label(lang),
                self.found,
                self.required
            ),
        };
        let listed: Vec<String> = self
            .activities
            .iter()
            .map(|a| match (counting, lang) {
                (Counting::PeopleSeconded, Lang::Zh) => {
                    format!("{}，计 {} 人", a.describe(lang), a.counts)
                }
                (Counting::PeopleSeconded, Lang::En) => {
                    format!("{}, counted as {}", a.describe(lang), a.counts)
                }
                (Counting::Activities, _) => a.describe(lang),
            })
            .collect();
        if !listed.is_empty() {
            let _ = write!(line, " — {}", listed.join(lang.pick("；", "; ")));
        }
        if !self.ignored.is_empty() {
            let ignored: Vec<String> = self
                .ignored
                .iter()
                .map(|i| match lang {
                    Lang::Zh => format!("{}：{}", i.activity.describe(lang), i.reason.label(lang)),
                    Lang::En => format!("{}: {}", i.activity.describe(lang), i.reason.label(lang)),
                })
                .collect();
            let _ = match lang {
                Lang::Zh => write!(line, "；不计：{}", ignored.join("；")),
                Lang::En => write!(line, "; not counted: {}", ignored.join("; ")),
            };
        }
        line
    }
}

/// The word after a count: `次` / `人`, `activity` / `activities`, `person` / `people`.
fn unit(counting: Counting, lang: Lang, n: u32) -> &'static str {
    match (counting, n) {
        (Counting::Activities, 1) => lang.pick("次", "activity"),
        (Counting::Activities, _) => lang.pick("次", "activities"),
        (Counting::PeopleSeconded, 1) => lang.pick("人", "person"),
        (Counting::PeopleSeconded, _) => lang.pick("人", "people"),
    }
}

/// One rule, met or not, with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleResult {
    /// The rule.
    pub rule: PairingRule,
    /// The rule in Chinese.
    pub label_zh: &'static str,
    /// The rule in English.
    pub label_en: &'static str,
    /// Whether every window meets it.
    pub met: bool,
    /// What each window found.
    pub evidence: Vec<Evidence>,
    /// The result as one sentence, in Chinese.
    pub summary_zh: String,
    /// The result as one sentence, in English.
    pub summary_en: String,
}

impl RuleResult {
    /// The result as one sentence in `lang`.
    pub fn summary(&self, lang: Lang) -> &str {
        lang.pick(&self.summary_zh, &self.summary_en)
    }

    /// The windows that fall short.
    pub fn unmet(&self) -> impl Iterator<Item = &Evidence> {
        self.evidence.iter().filter(|e| !e.met)
    }
}

/// The check of one pairing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PairingReport {
    /// The pairing's id.
    pub pairing_id: String,
    /// Its title, if it has one.
    pub title: Option<String>,
    /// The base school (基地学校).
    pub base_school: String,
    /// The partner schools.
    pub partner_schools: Vec<String>,
    /// The school year, by its first calendar year.
    pub school_year: i32,
    /// Its live activities, cancelled ones included.
    pub activity_count: usize,
    /// Whether every rule is met.
    pub met: bool,
    /// Each rule of [`PairingRule::ALL`], in that order.
    pub rules: Vec<RuleResult>,
}

impl PairingReport {
    /// The result for one rule.
    pub fn rule(&self, rule: PairingRule) -> Option<&RuleResult> {
        self.rules.iter().find(|r| r.rule == rule)
    }

    /// The report as text: a heading, then each rule's sentence and its evidence.
    pub fn describe(&self, lang: Lang) -> String {
        let mut out = match lang {
            Lang::Zh => format!(
                "结对帮扶：{}（{}）",
                self.base_school,
                school_year_label(self.school_year, lang)
            ),
            Lang::En => format!(
                "School pairing: {} ({})",
                self.base_school,
                school_year_label(self.school_year, lang)
            ),
        };
        if !self.partner_schools.is_empty() {
            let _ = match lang {
                Lang::Zh => write!(out, "，结对学校：{}", self.partner_schools.join("、")),
                Lang::En => write!(
                    out,
                    ", partner schools: {}",
                    self.partner_schools.join(", ")
                ),
            };
        }
        for rule in &self.rules {
            let _ = write!(out, "\n  - {}", rule.summary(lang));
            let counting = rule.rule.spec().counting;
            for evidence in &rule.evidence {
                let _ = write!(out, "\n      {}", evidence.describe(lang, counting));
            }
        }
        out
    }
}

/// Checks the school-pairing plans against the rules of DESIGN.md.
///
/// With `school_year`, the pairings of that school year (by its first calendar year); without,
/// every live pairing, in school-year order (none gives an empty list). Planned activities
/// count, cancelled ones never do; see the module documentation for what counts.
///
/// # Errors
///
/// `not_found` when `school_year` is given and no pairing has it; `database` if SQLite fails.
///
/// # Examples
///
/// ```
/// use zhucun_core::pairing::{self, PairingRule};
/// let mut conn = zhucun_core::store::open_in_memory()?;
/// let pairs = |v: &[(&str, &str)]| v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
/// zhucun_core::records::add(
///     &mut conn,
///     &zhucun_core::records::schema::PAIRING,
///     &pairs(&[("base_school", "中心小学"), ("school_year", "2026")]),
/// )?;
/// let reports = pairing::check(&conn, Some(2026))?;
/// assert!(!reports[0].met);
/// assert_eq!(pairing::check(&conn, Some(2030)).unwrap_err().code(), "not_found");
/// # Ok::<(), zhucun_core::Error>(())
/// ```
pub fn check(conn: &Connection, school_year: Option<i32>) -> Result<Vec<PairingReport>> {
    let mut activities: BTreeMap<String, Vec<Activity>> = BTreeMap::new();
    for (id, row) in records::list_rows(conn, &ACTIVITY, None)? {
        if let Some(activity) = Activity::from_row(id, &row) {
            activities
                .entry(activity.pairing.clone())
                .or_default()
                .push(activity);
        }
    }
    let mut reports = Vec::new();
    for (id, row) in records::list_rows(conn, &PAIRING, None)? {
        // school_year is required and checked to be a plausible year on input, so a row
        // without one cannot be a pairing anyone made; it is left out rather than guessed.
        let Some(year) = int(&row, "school_year").and_then(|y| i32::try_from(y).ok()) else {
            continue;
        };
        if school_year.is_some_and(|wanted| wanted != year) {
            continue;
        }
        let own = activities.remove(&id).unwrap_or_default();
        reports.push(report(id, &row, year, &own));
    }
    match school_year {
        Some(year) if reports.is_empty() => Err(Error::NotFound {
            what: PAIRING.label_zh.to_string(),
            key: school_year_label(year, Lang::Zh),
        }),
        _ => Ok(reports),
    }
}

/// The number of people a 支教 activity seconds, read from its participants: the numbers
/// written before 名, 位 or 人 (Arabic digits, or one Chinese numeral 一 to 十 or 两), added up;
/// one when there is none.
///
/// # Examples
///
/// ```
/// use zhucun_core::pairing::people_seconded;
/// assert_eq!(people_seconded(Some("2名教师")), 2);
/// assert_eq!(people_seconded(Some("1名校长、2名教师")), 3);
/// assert_eq!(people_seconded(Some("两位老师")), 2);
/// assert_eq!(people_seconded(Some("张老师、李老师")), 1);
/// assert_eq!(people_seconded(None), 1);
/// ```
pub fn people_seconded(participants: Option<&str>) -> u32 {
    let Some(text) = participants else {
        return 1;
    };
    let chars: Vec<char> = text.chars().collect();
    let mut total: u32 = 0;
    let mut digits = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let classifier = matches!(c, '名' | '位' | '人');
        if classifier {
            let number = if digits.is_empty() {
                // A single Chinese numeral right before the classifier.
                i.checked_sub(1)
                    .and_then(|j| chars.get(j))
                    .and_then(|&n| chinese_numeral(n))
            } else {
                digits.parse::<u32>().ok()
            };
            if let Some(n) = number {
                total = total.saturating_add(n);
            }
        }
        digits.clear();
    }
    total.max(1)
}

fn chinese_numeral(c: char) -> Option<u32> {
    let n = match c {
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        '十' => 10,
        _ => return None,
    };
    Some(n)
}

/// An activity as the check sees it.
#[derive(Debug, Clone)]
struct Activity {
    pairing: String,
    activity_type: Option<ActivityType>,
    cancelled: bool,
    evidence: ActivityRef,
}

impl Activity {
    fn from_row(id: String, row: &Row) -> Option<Activity> {
        let pairing = text(row, "pairing")?.to_string();
        // Every activity has a date or a month (a table constraint); one with neither could
        // not be placed in any window.
        let day = activity_day(row)?;
        let type_label = text(row, "type").unwrap_or_default().to_string();
        let status = text(row, "status").unwrap_or_default().to_string();
        let participants = text(row, "participants").map(str::to_string);
        Some(Activity {
            pairing,
            activity_type: ActivityType::parse("type", &type_label).ok(),
            cancelled: status == ActivityStatus::Cancelled.label(),
            evidence: ActivityRef {
                id,
                date: row.get("date").and_then(Value::as_date),
                month: Period::of_date(day),
                activity_type: type_label,
                title: text(row, "title").unwrap_or_default().to_string(),
                status,
                participants,
                counts: 1,
            },
        })
    }
}

fn text<'a>(row: &'a Row, name: &str) -> Option<&'a str> {
    row.get(name).and_then(Value::as_str)
}

fn int(row: &Row, name: &str) -> Option<i64> {
    row.get(name).and_then(Value::as_i64)
}

fn report(id: String, row: &Row, year: i32, activities: &[Activity]) -> PairingReport {
    let rules: Vec<RuleResult> = PairingRule::ALL
        .iter()
        .map(|&rule| evaluate(rule, year, activities))
        .collect();
    let partner_schools = match row.get("partner_schools") {
        Some(Value::List(items)) => items.clone(),
        _ => Vec::new(),
    };
    PairingReport {
        pairing_id: id,
        title: text(row, "title").map(str::to_string),
        base_school: text(row, "base_school").unwrap_or_default().to_string(),
        partner_schools,
        school_year: year,
        activity_count: activities.len(),
        met: rules.iter().all(|r| r.met),
        rules,
    }
}

/// A window of the school year: where activities count, and where they are looked at (the
/// whole semester for a semester-end rule, so a summary held too early is shown, not lost).
struct Span {
    scope: Scope,
    counted: Vec<Period>,
    seen: Vec<Period>,
}

fn spans(window: Window, year: i32) -> Vec<Span> {
    match window {
        Window::EachSemester => Semester::ALL
            .iter()
            .map(|&semester| Span {
                scope: Scope::Semester { semester },
                counted: semester.months(year),
                seen: semester.months(year),
            })
            .collect(),
        Window::EachMonthOfTerm => Semester::ALL
            .iter()
            .flat_map(|&semester| {
                semester.months(year).into_iter().map(move |month| Span {
                    scope: Scope::Month { semester, month },
                    counted: vec![month],
                    seen: vec![month],
                })
            })
            .collect(),
        Window::SchoolYear => {
            let months: Vec<Period> = Period::from_year_month(year, 9)
                .map(|first| {
                    std::iter::successors(Some(first), |m| Some(m.next()))
                        .take(12)
                        .collect()
                })
                .unwrap_or_default();
            vec![Span {
                scope: Scope::SchoolYear { school_year: year },
                counted: months.clone(),
                seen: months,
            }]
        }
        Window::EachSemesterEnd => Semester::ALL
            .iter()
            .filter_map(|&semester| {
                let month = semester.last_month(year)?;
                Some(Span {
                    scope: Scope::SemesterEnd { semester, month },
                    counted: vec![month],
                    seen: semester.months(year),
                })
            })
            .collect(),
    }
}

fn evaluate(rule: PairingRule, year: i32, activities: &[Activity]) -> RuleResult {
    let spec = rule.spec();
    let evidence: Vec<Evidence> = spans(spec.window, year)
        .into_iter()
        .map(|span| {
            let mut found: u32 = 0;
            let mut counted = Vec::new();
            let mut ignored = Vec::new();
            for a in activities {
                let of_type = spec
                    .activity_type
                    .is_none_or(|t| a.activity_type == Some(t));
                if !of_type || !span.seen.contains(&a.evidence.month) {
                    continue;
                }
                let reason = if a.cancelled {
                    Some(IgnoreReason::Cancelled)
                } else if !span.counted.contains(&a.evidence.month) {
                    Some(IgnoreReason::NotInLastMonth)
                } else {
                    None
                };
                let mut evidence = a.evidence.clone();
                if let Some(reason) = reason {
                    ignored.push(Ignored {
                        activity: evidence,
                        reason,
                    });
                    continue;
                }
                evidence.counts = match spec.counting {
                    Counting::Activities => 1,
                    Counting::PeopleSeconded => people_seconded(evidence.participants.as_deref()),
                };
                found = found.saturating_add(evidence.counts);
                counted.push(evidence);
            }
            Evidence {
                scope: span.scope,
                required: spec.at_least,
                found,
                met: found >= spec.at_least,
                activities: counted,
                ignored,
            }
        })
        .collect();
    let met = !evidence.is_empty() && evidence.iter().all(|e| e.met);
    let summary_zh = summary(rule, spec, met, &evidence, Lang::Zh);
    let summary_en = summary(rule, spec, met, &evidence, Lang::En);
    RuleResult {
        rule,
        label_zh: rule.label_zh(),
        label_en: rule.label_en(),
        met,
        evidence,
        summary_zh,
        summary_en,
    }
}

fn summary(
    rule: PairingRule,
    spec: RuleSpec,
    met: bool,
    evidence: &[Evidence],
    lang: Lang,
) -> String {
    let verdict = if met {
        lang.pick("已满足", "met")
    } else {
        lang.pick("未满足", "not met")
    };
    let detail = match spec.window {
        Window::EachMonthOfTerm => {
            let empty: Vec<String> = evidence
                .iter()
                .filter(|e| !e.met)
                .map(|e| e.scope.label(lang))
                .collect();
            match (empty.is_empty(), lang) {
                (true, Lang::Zh) => format!("{} 个教学月均有活动", evidence.len()),
                (true, Lang::En) => {
                    format!("all {} months of term have an activity", evidence.len())
                }
                (false, Lang::Zh) => format!("没有活动的月份：{}", empty.join("、")),
                (false, Lang::En) => format!("months with no activity: {}", empty.join(", ")),
            }
        }
        _ => {
            let parts: Vec<String> = evidence
                .iter()
                .map(|e| {
                    let scope = e.scope.label(lang);
                    let unit = unit(spec.counting, lang, e.found);
                    match lang {
                        // No space after a closing full-width bracket.
                        Lang::Zh if scope.ends_with('）') => format!("{scope}{} {unit}", e.found),
                        Lang::Zh => format!("{scope} {} {unit}", e.found),
                        Lang::En => format!("{scope}: {} {unit}", e.found),
                    }
                })
                .collect();
            let n = spec.at_least;
            let unit = unit(spec.counting, lang, n);
            let need = match (spec.window, lang) {
                (Window::EachSemester, Lang::Zh) => format!("每学期至少 {n} {unit}"),
                (Window::EachSemester, Lang::En) => format!("at least {n} per semester"),
                (Window::EachSemesterEnd, Lang::Zh) => format!("每学期末至少 {n} {unit}"),
                (Window::EachSemesterEnd, Lang::En) => {
                    format!("at least {n} at each semester's end")
                }
                (_, Lang::Zh) => format!("至少 {n} {unit}"),
                (_, Lang::En) => format!("at least {n}"),
            };
            match lang {
                Lang::Zh => format!("{}（{need}）", parts.join("，")),
                Lang::En => format!("{} ({need})", parts.join("; ")),
            }
        }
    };
    match lang {
        Lang::Zh => format!("{}：{verdict}——{detail}", rule.label_zh()),
        Lang::En => format!("{}: {verdict} — {detail}", rule.label_en()),
    }
}

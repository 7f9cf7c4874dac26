//! The demo village of DESIGN.md: 特补乃吾村, built from a published village survey and
//! school-pairing plan, so a new user sees every page filled in.
//!
//! The published figures and all the text live in one readable file,
//! `assets/demo/village.json`, embedded in the program. What the survey gives only as totals —
//! the 227 households of the register, the daily work log — is generated here from a fixed seed,
//! so that the totals match exactly and the demo is the same every time (only ids and clocks
//! differ). Every record goes through the same checks as one a person types.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use rusqlite::Connection;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::records::{self, schema, Changes, Table};
use crate::types::parse_date;
use crate::village;

/// The demo's figures and text, as a person would type them.
const DATA: &str = include_str!("../../../assets/demo/village.json");

/// Where [`DATA`] comes from, for messages about it.
const DATA_FILE: &str = "assets/demo/village.json";

/// The seed of the generator that draws the register and the log; fixed so the demo never
/// changes between runs.
const SEED: u64 = 0x2016_1021_0227_0054;

/// Fills an empty database with the demo village, in one transaction.
///
/// # Errors
///
/// `conflict` if the database holds any record already (nothing is written then); `io` if the
/// embedded demo data is malformed; `database` if SQLite fails.
///
/// # Examples
///
/// ```
/// let mut conn = zhucun_core::store::open_in_memory()?;
/// zhucun_core::demo::load(&mut conn)?;
/// let stats = zhucun_core::stats::compute(&conn, zhucun_core::Period::parse("2026-11")?)?;
/// assert_eq!((stats.poor_households, stats.poor_population), (54, 178));
/// assert_eq!(zhucun_core::demo::load(&mut conn).unwrap_err().code(), "conflict");
/// # Ok::<(), zhucun_core::Error>(())
/// ```
pub fn load(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction()?;
    if !village::is_empty(&tx)? {
        return Err(Error::conflict(
            "数据库中已有数据：示范村只能载入空数据库",
            "The database already holds records: the demo village loads only into an empty database",
        ));
    }
    let demo: Demo = serde_json::from_str(DATA).map_err(|e| bad_data(e.to_string()))?;
    let register = register(&demo, &mut Rng::new(SEED))?;
    let log = work_log(&demo, &mut Rng::new(SEED ^ 0x5EED))?;
    let mut changes = Changes::begin(&tx)?;
    let mut out = Writer {
        conn: &tx,
        changes: &mut changes,
    };
    write(&mut out, &demo, &register, &log)?;
    changes.finish()?;
    tx.commit()?;
    // The first run: a return can be made before the county sends its template.
    crate::template::ensure_default(conn)?;
    Ok(())
}

/// An error about the embedded demo data (only a broken build can cause one).
fn bad_data(message: String) -> Error {
    Error::io(
        DATA_FILE,
        std::io::Error::new(std::io::ErrorKind::InvalidData, message),
    )
}

/// Fields of one record by name, as typed.
type Fields = BTreeMap<String, String>;

/// The layout of `assets/demo/village.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Demo {
    village: Fields,
    years: Vec<Fields>,
    groups: Vec<GroupData>,
    register: RegisterData,
    causes: Vec<Fields>,
    interventions: Vec<InterventionData>,
    pairing: PairingData,
    visits: Vec<VisitData>,
    log: LogData,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupData {
    fields: Fields,
    /// The group's share of the survey's poor households.
    poor: PoorShare,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PoorShare {
    households: u32,
    people: u32,
    /// How many of them have each primary cause.
    causes: BTreeMap<String, u32>,
}

/// What the register is drawn from.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterData {
    surnames: Vec<String>,
    male_names: Vec<String>,
    female_names: Vec<String>,
    female_head_percent: FemaleHeads,
    /// Lowest and highest per-capita income of a poor household, in 元.
    poor_income: [u32; 2],
    /// Likewise for the other households.
    other_income: [u32; 2],
    /// Years of identification, drawn uniformly (repeat a year to weight it).
    identified_years: Vec<u16>,
    /// For each primary cause, the secondary causes it often comes with.
    other_causes: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FemaleHeads {
    poor: u64,
    other: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InterventionData {
    fields: Fields,
    #[serde(default)]
    beneficiaries: Option<Beneficiaries>,
    funds: Vec<FundData>,
}

/// Which registered households an intervention names as its beneficiaries.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum Beneficiaries {
    /// Every household with this status.
    Status(String),
    /// Every household of these groups.
    Groups(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FundData {
    source: String,
    amount: String,
    disbursements: Vec<Fields>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PairingData {
    fields: Fields,
    activities: Vec<Fields>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VisitData {
    /// The poor household visited, by its group and primary cause (the register is generated,
    /// so the data cannot name it).
    #[serde(default)]
    poor_household: Option<PoorHousehold>,
    fields: Fields,
    /// What the work log says that day.
    log: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PoorHousehold {
    group: String,
    cause: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogData {
    from: String,
    to: String,
    away: Vec<AwayData>,
    days: Vec<DayData>,
    routine: Vec<RoutineData>,
}

/// Days away from the village, `from` to `to` (or `from` alone).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AwayData {
    from: String,
    #[serde(default)]
    to: Option<String>,
    reason: String,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    content: Option<String>,
}

/// A day in the village whose work the data gives.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DayData {
    date: String,
    category: String,
    content: String,
}

/// Ordinary days' work of one category, drawn with a weight and taken in turn.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoutineData {
    category: String,
    weight: u32,
    contents: Vec<String>,
}

/// A small xorshift64* generator: the demo needs variety, not secrecy, and must not change.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // Xorshift never leaves zero, so a zero seed is replaced.
        Rng(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        let n64 = u64::try_from(n).unwrap_or(u64::MAX);
        if n64 == 0 {
            return 0;
        }
        usize::try_from(self.next_u64() % n64).unwrap_or(0)
    }

    /// Whether an event of `percent` in a hundred happens.
    fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// `n` whole numbers between `lo` and `hi` that add up to `total`, or `None` if none can.
fn spread(total: u32, n: usize, lo: u32, hi: u32, rng: &mut Rng) -> Option<Vec<u32>> {
    let count = u32::try_from(n).ok()?;
    if total < lo.checked_mul(count)? || total > hi.checked_mul(count)? {
        return None;
    }
    let mut values = vec![lo; n];
    let mut rest = total - lo * count;
    // One unit at a time to a random item with room: sizes cluster around the mean like real
    // ones do, and the loop ends because the total fits under `hi` for every item.
    while rest > 0 {
        if let Some(v) = values.get_mut(rng.below(n)) {
            if *v < hi {
                *v += 1;
                rest -= 1;
            }
        }
    }
    Some(values)
}

/// One generated household of the register.
#[derive(Debug, Clone)]
struct Household {
    code: String,
    group: String,
    head_name: String,
    size: u32,
    income: u32,
    poor: Option<PoorFacts>,
}

#[derive(Debug, Clone)]
struct PoorFacts {
    identified_year: u16,
    primary_cause: String,
    other_causes: Vec<String>,
}

impl Household {
    fn status(&self) -> &'static str {
        if self.poor.is_some() {
            "贫困户"
        } else {
            "一般户"
        }
    }

    fn fields(&self) -> Vec<(String, String)> {
        let mut out = vec![
            ("code".to_string(), self.code.clone()),
            ("head_name".to_string(), self.head_name.clone()),
            ("group".to_string(), self.group.clone()),
            ("size".to_string(), self.size.to_string()),
            ("income_per_capita".to_string(), self.income.to_string()),
            ("status".to_string(), self.status().to_string()),
        ];
        if let Some(p) = &self.poor {
            out.extend([
                ("identified_year".to_string(), p.identified_year.to_string()),
                ("primary_cause".to_string(), p.primary_cause.clone()),
                ("other_causes".to_string(), p.other_causes.join("、")),
            ]);
        }
        out
    }
}

fn field<'a>(fields: &'a Fields, name: &str, what: &str) -> Result<&'a str> {
    fields
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| bad_data(format!("{what} has no {name}")))
}

fn number(fields: &Fields, name: &str, what: &str) -> Result<u32> {
    field(fields, name, what)?
        .parse()
        .map_err(|_| bad_data(format!("{what}: {name} is not a whole number")))
}

/// Draws the 227 households: each group's households and people as surveyed, its share of the
/// poor households and people, and their primary causes, exactly.
fn register(demo: &Demo, rng: &mut Rng) -> Result<Vec<Household>> {
    let data = &demo.register;
    let mut taken = HashSet::new();
    let mut out = Vec::new();
    for (g, group) in demo.groups.iter().enumerate() {
        let name = field(&group.fields, "name", "a group")?;
        let households = number(&group.fields, "household_count", name)?;
        let people = number(&group.fields, "population", name)?;
        let poor = &group.poor;
        let others = households.checked_sub(poor.households);
        let other_people = people.checked_sub(poor.people);
        let mut causes: Vec<&str> = poor
            .causes
            .iter()
            .flat_map(|(cause, n)| (0..*n).map(move |_| cause.as_str()))
            .collect();
        let mismatch = || bad_data(format!("{name}: the poor share does not fit the group"));
        let (Some(others), Some(other_people)) = (others, other_people) else {
            return Err(mismatch());
        };
        if u32::try_from(causes.len()).ok() != Some(poor.households) {
            return Err(mismatch());
        }
        let poor_sizes = spread(poor.people, causes.len(), 1, 7, rng).ok_or_else(mismatch)?;
        let other_sizes = spread(other_people, others as usize, 1, 10, rng).ok_or_else(mismatch)?;
        rng.shuffle(&mut causes);
        let mut slots: Vec<(u32, Option<&str>)> = poor_sizes
            .into_iter()
            .zip(causes.into_iter().map(Some))
            .chain(other_sizes.into_iter().map(|s| (s, None)))
            .collect();
        rng.shuffle(&mut slots);
        let paved = group.fields.get("road").map(String::as_str) == Some("硬化路");
        let all_water =
            group.fields.get("safe_water_households") == group.fields.get("household_count");
        for (i, (size, cause)) in slots.into_iter().enumerate() {
            let female = rng.chance(if cause.is_some() {
                data.female_head_percent.poor
            } else {
                data.female_head_percent.other
            });
            let head_name = head_name(data, g, female, &mut taken, rng)?;
            let (income, poor) = match cause {
                Some(cause) => {
                    let facts = poor_facts(data, cause, paved, all_water, rng)?;
                    (draw_income(data.poor_income, rng), Some(facts))
                }
                None => (draw_income(data.other_income, rng), None),
            };
            out.push(Household {
                code: format!("{:02}{:02}", g + 1, i + 1),
                group: name.to_string(),
                head_name,
                size,
                income,
                poor,
            });
        }
    }
    Ok(out)
}

/// Why a poor household of a group is poor: its primary cause, the causes that often come with
/// it, and the year it was identified.
fn poor_facts(
    data: &RegisterData,
    cause: &str,
    paved: bool,
    all_water: bool,
    rng: &mut Rng,
) -> Result<PoorFacts> {
    // A group on a paved road, or with safe water for all, does not suffer from their lack.
    let mut related: Vec<String> = data
        .other_causes
        .get(cause)
        .into_iter()
        .flatten()
        .filter(|c| *c != cause)
        .filter(|c| !(paved && *c == "交通条件落后"))
        .filter(|c| !(all_water && *c == "缺水"))
        .cloned()
        .collect();
    rng.shuffle(&mut related);
    related.truncate(rng.below(3));
    let identified_year = data
        .identified_years
        .get(rng.below(data.identified_years.len()))
        .copied()
        .ok_or_else(|| bad_data("no identified_years".into()))?;
    Ok(PoorFacts {
        identified_year,
        primary_cause: cause.to_string(),
        other_causes: related,
    })
}

/// A per-capita income in whole tens of 元 between the range's ends.
fn draw_income([lo, hi]: [u32; 2], rng: &mut Rng) -> u32 {
    let steps = usize::try_from(hi.saturating_sub(lo) / 10).unwrap_or(0);
    lo + u32::try_from(rng.below(steps + 1) * 10).unwrap_or(0)
}

/// A head's name not used yet: mostly from the few clans of the group's hamlet, as in a Yi
/// village, sometimes from another.
fn head_name(
    data: &RegisterData,
    group: usize,
    female: bool,
    taken: &mut HashSet<String>,
    rng: &mut Rng,
) -> Result<String> {
    let surnames = &data.surnames;
    let given = if female {
        &data.female_names
    } else {
        &data.male_names
    };
    if surnames.is_empty() || given.is_empty() {
        return Err(bad_data("no names to draw from".into()));
    }
    let first = if rng.chance(80) {
        (group * 4 + rng.below(5)) % surnames.len()
    } else {
        rng.below(surnames.len())
    };
    let start = rng.below(given.len());
    for s in 0..surnames.len() {
        for k in 0..given.len() {
            let (Some(surname), Some(name)) = (
                surnames.get((first + s) % surnames.len()),
                given.get((start + k) % given.len()),
            ) else {
                continue;
            };
            let full = format!("{surname}{name}");
            if taken.insert(full.clone()) {
                return Ok(full);
            }
        }
    }
    Err(bad_data("not enough names for the register".into()))
}

/// One day of the work log, as fields.
type LogDay = (NaiveDate, Vec<(String, String)>);

/// Every day from the log's first to its last: away days as the data gives them, then the days
/// the data describes, then visit days, the rest drawn from the routine work.
fn work_log(demo: &Demo, rng: &mut Rng) -> Result<Vec<LogDay>> {
    let data = &demo.log;
    let from = parse_date("log.from", &data.from)?;
    let to = parse_date("log.to", &data.to)?;
    let mut planned: BTreeMap<NaiveDate, Vec<(String, String)>> = BTreeMap::new();
    for visit in &demo.visits {
        let date = parse_date("visit.date", field(&visit.fields, "date", "a visit")?)?;
        planned.insert(
            date,
            vec![
                ("category".into(), "走访".into()),
                ("content".into(), visit.log.clone()),
            ],
        );
    }
    for day in &data.days {
        planned.insert(
            parse_date("log.date", &day.date)?,
            vec![
                ("category".into(), day.category.clone()),
                ("content".into(), day.content.clone()),
            ],
        );
    }
    for away in &data.away {
        let first = parse_date("log.away.from", &away.from)?;
        let last = match &away.to {
            Some(t) => parse_date("log.away.to", t)?,
            None => first,
        };
        for date in first.iter_days().take_while(|d| *d <= last) {
            let mut fields = vec![
                ("in_village".to_string(), "否".to_string()),
                ("away_reason".to_string(), away.reason.clone()),
            ];
            if let Some(c) = &away.category {
                fields.push(("category".into(), c.clone()));
            }
            if let Some(c) = &away.content {
                fields.push(("content".into(), c.clone()));
            }
            planned.insert(date, fields);
        }
    }
    let total_weight: usize = data
        .routine
        .iter()
        .map(|r| usize::try_from(r.weight).unwrap_or(0))
        .sum();
    let mut turns = vec![0usize; data.routine.len()];
    let mut out = Vec::new();
    for date in from.iter_days().take_while(|d| *d <= to) {
        if let Some(fields) = planned.remove(&date) {
            out.push((date, fields));
            continue;
        }
        let mut pick = rng.below(total_weight);
        let mut chosen = None;
        for (i, routine) in data.routine.iter().enumerate() {
            let w = usize::try_from(routine.weight).unwrap_or(0);
            if pick < w {
                chosen = Some((i, routine));
                break;
            }
            pick -= w;
        }
        let Some((i, routine)) = chosen else {
            return Err(bad_data("no routine work for the log".into()));
        };
        let turn = turns.get_mut(i).map_or(0, |t| {
            *t += 1;
            *t - 1
        });
        let content = routine
            .contents
            .get(turn % routine.contents.len().max(1))
            .ok_or_else(|| bad_data(format!("no routine {}", routine.category)))?;
        out.push((
            date,
            vec![
                ("category".into(), routine.category.clone()),
                ("content".into(), content.clone()),
            ],
        ));
    }
    Ok(out)
}

/// Writes checked records inside the demo's one transaction.
struct Writer<'a, 'c> {
    conn: &'a Connection,
    changes: &'a mut Changes<'c>,
}

impl Writer<'_, '_> {
    /// Adds one record from typed `FIELD=VALUE` pairs, as `records::add` would.
    fn add(&mut self, table: &Table, input: &[(String, String)]) -> Result<String> {
        let mut row = records::defaults(self.conn, table)?;
        records::input::apply_input(self.conn, table, &mut row, input)?;
        records::insert_checked(self.changes, self.conn, table, &row)
    }

    fn add_fields(&mut self, table: &Table, fields: &Fields) -> Result<String> {
        self.add(table, &pairs(fields))
    }
}

fn pairs(fields: &Fields) -> Vec<(String, String)> {
    fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn write(
    out: &mut Writer<'_, '_>,
    demo: &Demo,
    register: &[Household],
    log: &[LogDay],
) -> Result<()> {
    out.add_fields(&schema::VILLAGE, &demo.village)?;
    for year in &demo.years {
        out.add_fields(&schema::YEAR, year)?;
    }
    for group in &demo.groups {
        out.add_fields(&schema::GROUP, &group.fields)?;
    }
    let mut ids = Vec::with_capacity(register.len());
    for household in register {
        ids.push(out.add(&schema::HOUSEHOLD, &household.fields())?);
    }
    let households: Vec<(&Household, String)> = register.iter().zip(ids).collect();
    for cause in &demo.causes {
        out.add_fields(&schema::CAUSE, cause)?;
    }
    for intervention in &demo.interventions {
        let mut input = pairs(&intervention.fields);
        if let Some(who) = &intervention.beneficiaries {
            let chosen: Vec<&(&Household, String)> = households
                .iter()
                .filter(|(h, _)| match who {
                    Beneficiaries::Status(s) => h.status() == s,
                    Beneficiaries::Groups(groups) => groups.contains(&h.group),
                })
                .collect();
            let people: u32 = chosen.iter().map(|(h, _)| h.size).sum();
            let list: Vec<&str> = chosen.iter().map(|(_, id)| id.as_str()).collect();
            input.extend([
                ("households".to_string(), list.join("、")),
                (
                    "beneficiary_households".to_string(),
                    chosen.len().to_string(),
                ),
                ("beneficiary_people".to_string(), people.to_string()),
            ]);
        }
        let id = out.add(&schema::INTERVENTION, &input)?;
        for fund in &intervention.funds {
            let fund_id = out.add(
                &schema::FUND,
                &[
                    ("intervention".into(), id.clone()),
                    ("source".into(), fund.source.clone()),
                    ("amount".into(), fund.amount.clone()),
                ],
            )?;
            for payment in &fund.disbursements {
                let mut input = pairs(payment);
                input.push(("fund".into(), fund_id.clone()));
                out.add(&schema::DISBURSEMENT, &input)?;
            }
        }
    }
    let pairing = out.add_fields(&schema::PAIRING, &demo.pairing.fields)?;
    for activity in &demo.pairing.activities {
        let mut input = pairs(activity);
        input.push(("pairing".into(), pairing.clone()));
        out.add(&schema::ACTIVITY, &input)?;
    }
    let mut visited = HashSet::new();
    for visit in &demo.visits {
        let mut input = pairs(&visit.fields);
        if let Some(want) = &visit.poor_household {
            let found = households.iter().find(|(h, id)| {
                h.group == want.group
                    && h.poor.as_ref().map(|p| p.primary_cause.as_str())
                        == Some(want.cause.as_str())
                    && !visited.contains(id)
            });
            let Some((household, id)) = found else {
                return Err(Error::NotFound {
                    what: schema::HOUSEHOLD.label_zh.to_string(),
                    key: format!("{}·{}", want.group, want.cause),
                });
            };
            visited.insert(id.clone());
            input.extend([
                ("household".to_string(), id.clone()),
                ("group".to_string(), household.group.clone()),
            ]);
        }
        out.add(&schema::VISIT, &input)?;
    }
    for (date, fields) in log {
        let mut input = fields.clone();
        input.push(("date".into(), date.to_string()));
        out.add(&schema::LOG, &input)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_hits_the_total_within_bounds() {
        let mut rng = Rng::new(1);
        let v = spread(178, 54, 1, 7, &mut rng).unwrap_or_default();
        assert_eq!(v.len(), 54);
        assert_eq!(v.iter().sum::<u32>(), 178);
        assert!(v.iter().all(|s| (1..=7).contains(s)));
        assert_eq!(spread(10, 3, 4, 9, &mut rng), None);
        assert_eq!(spread(0, 0, 1, 9, &mut rng), Some(vec![]));
    }

    #[test]
    fn the_data_parses_and_the_register_matches_the_survey() -> Result<()> {
        let demo: Demo = serde_json::from_str(DATA).map_err(|e| bad_data(e.to_string()))?;
        let register = register(&demo, &mut Rng::new(SEED))?;
        assert_eq!(register.len(), 227);
        assert_eq!(register.iter().map(|h| h.size).sum::<u32>(), 1021);
        let poor: Vec<_> = register.iter().filter(|h| h.poor.is_some()).collect();
        assert_eq!(
            (poor.len(), poor.iter().map(|h| h.size).sum::<u32>()),
            (54, 178)
        );
        let names: HashSet<_> = register.iter().map(|h| &h.head_name).collect();
        assert_eq!(names.len(), 227);
        Ok(())
    }
}

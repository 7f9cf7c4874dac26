//! The county's side of monthly returns: three villages, each with its own database and
//! village key, sign their November returns; the county trusts their keys, consolidates the
//! bundles into one workbook (read back with calamine), leaves out tampered, superseded,
//! other-template and other-month bundles with their reasons, and records received returns
//! once. Everything runs twice: with the default template and with the county's sample
//! template, so nothing depends on one layout.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use calamine::{Data, Range, Reader, Xlsx};
use zhucun_core::bundle::{self, Applied, BundleProblem, Kind, NewBundle};
use zhucun_core::county::{self, ReturnAction, TemplateChoice};
use zhucun_core::keys::{self, Role};
use zhucun_core::records::{self, schema, Value};
use zhucun_core::rusqlite::Connection;
use zhucun_core::template::{self, FieldType};
use zhucun_core::{stats, store, village, Error, Period};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::common::{pairs, TestResult};

const SAMPLE_TEMPLATE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/samples/templates/sample_monthly.xlsx"
);

/// One funding line: its source, amount, and payments (date, amount).
type Fund = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// One intervention: category, title, start, funding lines.
type Intervention = (&'static str, &'static str, &'static str, &'static [Fund]);

/// A village of the fixture.
struct VillageSpec {
    code: &'static str,
    name: &'static str,
    households: usize,
    interventions: &'static [Intervention],
    visits: usize,
    days: usize,
}

const VILLAGES: [VillageSpec; 3] = [
    VillageSpec {
        code: "513431100201",
        name: "青岗村",
        households: 1,
        interventions: &[(
            "基础设施",
            "通组路",
            "2026-03-01",
            &[(
                "中央",
                "100000",
                &[("2026-04-01", "30000"), ("2026-11-05", "20000")],
            )],
        )],
        visits: 1,
        days: 2,
    },
    VillageSpec {
        code: "513431100202",
        name: "红岩村",
        households: 2,
        interventions: &[
            (
                "基础设施",
                "村道硬化",
                "2026-02-01",
                &[("省级", "60000", &[("2026-11-20", "15000.25")])],
            ),
            (
                "产业扶贫",
                "核桃种植",
                "2026-05-01",
                &[
                    ("县级", "50000.50", &[("2026-11-10", "12345.67")]),
                    ("群众自筹", "5000", &[]),
                ],
            ),
        ],
        visits: 2,
        days: 3,
    },
    VillageSpec {
        code: "513431100203",
        name: "团结村",
        households: 3,
        interventions: &[
            (
                "教育扶贫",
                "助学金",
                "2026-09-01",
                &[("社会捐赠", "8000", &[("2026-10-15", "8000")])],
            ),
            (
                "产业扶贫",
                "养蜂",
                "2026-07-01",
                &[("中央", "20000", &[("2026-12-02", "5000")])],
            ),
            // Begins after November: not in the month's return.
            (
                "健康扶贫",
                "村卫生室",
                "2026-12-01",
                &[("中央", "99999", &[])],
            ),
        ],
        visits: 3,
        days: 4,
    },
];

fn november() -> TestResult<Period> {
    Ok(Period::parse("2026-11")?)
}

/// A village's database, keys and folder.
struct Village {
    conn: Connection,
    keys: PathBuf,
}

/// The county office and its three villages.
struct World {
    dir: tempfile::TempDir,
    villages: Vec<Village>,
    county_keys: PathBuf,
    county_db: PathBuf,
}

impl World {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Village `i`'s return bundle for `period`, made now, written to `name`.
    fn export(&self, i: usize, period: Period, name: &str) -> TestResult<PathBuf> {
        let v = self.village(i)?;
        let out = self.path(name);
        bundle::export_return(&v.conn, &v.keys, period, None, &out)?;
        Ok(out)
    }

    fn village(&self, i: usize) -> TestResult<&Village> {
        Ok(self.villages.get(i).ok_or("no such village")?)
    }

    /// Every village's November return.
    fn export_all(&self) -> TestResult<Vec<PathBuf>> {
        (0..self.villages.len())
            .map(|i| self.export(i, november()?, &format!("return-{i}.zip")))
            .collect()
    }

    fn merge(
        &self,
        template: &TemplateChoice,
        bundles: &[PathBuf],
    ) -> TestResult<county::MergeReport> {
        let conn = store::open(&self.county_db)?;
        Ok(county::merge(
            &conn,
            template,
            bundles,
            &self.county_keys,
            &self.path("汇总.xlsx"),
        )?)
    }
}

fn fill_village(conn: &mut Connection, i: usize, spec: &VillageSpec) -> TestResult {
    let households = (100 + 10 * i).to_string();
    let population = (400 + 30 * i).to_string();
    village::init(
        conn,
        &pairs(&[
            ("code", spec.code),
            ("name", spec.name),
            ("township", "青岗镇"),
            ("county", "示例县"),
            ("household_count", &households),
            ("population", &population),
            ("group_count", "3"),
        ]),
    )?;
    records::add(conn, &schema::GROUP, &pairs(&[("name", "一组")]))?;
    for h in 0..spec.households {
        let code = format!("{:04}", h + 1);
        let size = (3 + h).to_string();
        records::add(
            conn,
            &schema::HOUSEHOLD,
            &pairs(&[
                ("code", &code),
                ("head_name", &format!("户主{h}")),
                ("group", "一组"),
                ("size", &size),
                ("status", if h == 0 { "监测户" } else { "贫困户" }),
            ]),
        )?;
    }
    for (category, title, start, funds) in spec.interventions {
        records::add(
            conn,
            &schema::INTERVENTION,
            &pairs(&[
                ("category", category),
                ("title", title),
                ("start", start),
                ("status", "实施中"),
            ]),
        )?;
        for (source, amount, payments) in *funds {
            let fund = records::add(
                conn,
                &schema::FUND,
                &pairs(&[
                    ("intervention", title),
                    ("source", source),
                    ("amount", amount),
                ]),
            )?;
            for (date, paid) in *payments {
                records::add(
                    conn,
                    &schema::DISBURSEMENT,
                    &pairs(&[("fund", &fund), ("date", date), ("amount", paid)]),
                )?;
            }
        }
    }
    for k in 0..spec.visits {
        records::add(
            conn,
            &schema::VISIT,
            &pairs(&[
                ("date", &format!("2026-11-{:02}", k + 3)),
                ("group", "一组"),
                ("purpose", "了解生产生活情况"),
            ]),
        )?;
    }
    for k in 0..spec.days {
        records::add(
            conn,
            &schema::LOG,
            &pairs(&[
                ("date", &format!("2026-11-{:02}", k + 10)),
                ("in_village", "是"),
                ("content", "入户走访"),
            ]),
        )?;
    }
    Ok(())
}

/// Three villages, each with its own database and village key; the county trusts the three
/// keys as village keys. With `sample`, every village has imported the county's sample
/// template, which their returns then use.
fn world(sample: bool) -> TestResult<World> {
    let dir = tempfile::tempdir()?;
    let county_keys = dir.path().join("county").join("keys");
    keys::init(&county_keys, "示例县乡村振兴局", Role::County)?;
    let mut villages = Vec::new();
    for (i, spec) in VILLAGES.iter().enumerate() {
        let db = dir.path().join(spec.code).join("zhucun.sqlite");
        let mut conn = store::open(&db)?;
        fill_village(&mut conn, i, spec)?;
        if sample {
            template::import_file(&conn, Path::new(SAMPLE_TEMPLATE))?;
        }
        let keys_dir = keys::dir_beside(&db);
        keys::init(
            &keys_dir,
            &format!("{}驻村工作队", spec.name),
            Role::Village,
        )?;
        let public = dir.path().join(format!("{}.pub", spec.code));
        keys::export(&keys_dir, &public)?;
        keys::trust(&county_keys, &public, Role::Village, Some(spec.name))?;
        villages.push(Village {
            conn,
            keys: keys_dir,
        });
    }
    Ok(World {
        county_db: dir.path().join("county").join("zhucun.sqlite"),
        dir,
        villages,
        county_keys,
    })
}

/// The entries of an archive, in order.
fn entries_of(bytes: &[u8]) -> TestResult<Vec<(String, Vec<u8>)>> {
    let mut archive = ZipArchive::new(Cursor::new(bytes))?;
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i)?;
        let mut content = Vec::new();
        file.read_to_end(&mut content)?;
        out.push((file.name()?.to_string(), content));
    }
    Ok(out)
}

/// The bundle at `path` zipped again with one byte of its payload flipped.
fn with_payload_byte_flipped(path: &Path, out: &Path) -> TestResult<PathBuf> {
    let entries = entries_of(&std::fs::read(path)?)?;
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, mut bytes) in entries {
        if name == bundle::RETURN_FILE {
            let middle = bytes.len() / 2;
            let byte = bytes.get_mut(middle).ok_or("empty payload")?;
            *byte ^= 0x01;
        }
        zip.start_file(name.as_str(), options)?;
        zip.write_all(&bytes)?;
    }
    std::fs::write(out, zip.finish()?.into_inner())?;
    Ok(out.to_path_buf())
}

/// The bundle at `path` with one byte of the file itself flipped.
fn with_file_byte_flipped(path: &Path, out: &Path) -> TestResult<PathBuf> {
    let mut bytes = std::fs::read(path)?;
    let middle = bytes.len() / 2;
    let byte = bytes.get_mut(middle).ok_or("empty bundle")?;
    *byte ^= 0x20;
    std::fs::write(out, bytes)?;
    Ok(out.to_path_buf())
}

/// A number a JSON value or a typed value holds.
fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Int(i) => Some(*i as f64),
        Value::Real(r) => Some(*r),
        Value::Money(m) => Some(m.yuan()),
        _ => None,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

/// A workbook's sheets by name.
type Sheets = BTreeMap<String, Range<Data>>;

/// The sheets of a workbook: their names in order, and each by name.
fn sheets(path: &Path) -> TestResult<(Vec<String>, Sheets)> {
    let mut book: Xlsx<_> = calamine::open_workbook(path)?;
    let names = book.sheet_names();
    let mut ranges = BTreeMap::new();
    for name in &names {
        ranges.insert(name.clone(), book.worksheet_range(name)?);
    }
    Ok((names, ranges))
}

fn sheet<'a>(ranges: &'a Sheets, name: &str) -> TestResult<&'a Range<Data>> {
    Ok(ranges.get(name).ok_or(format!("no sheet {name}"))?)
}

/// The rows of a sheet as cells, from A1.
fn rows(range: &Range<Data>) -> Vec<Vec<Data>> {
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let width = range.width() + first_col as usize;
    let mut out = vec![Vec::new(); first_row as usize];
    for row in range.rows() {
        let mut cells = vec![Data::Empty; first_col as usize];
        cells.extend(row.iter().cloned());
        cells.resize(width, Data::Empty);
        out.push(cells);
    }
    out
}

fn cell_text(cell: Option<&Data>) -> String {
    match cell {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn cell_number(cell: Option<&Data>) -> Option<f64> {
    match cell {
        Some(Data::Float(f)) => Some(*f),
        Some(Data::Int(i)) => Some(*i as f64),
        _ => None,
    }
}

/// What every month's figures add up to over the villages: each stat of `stats::compute`.
fn summed_stats(w: &World) -> TestResult<BTreeMap<String, f64>> {
    let mut sums = BTreeMap::new();
    for v in &w.villages {
        let computed = serde_json::to_value(stats::compute(&v.conn, november()?)?)?;
        let object = computed.as_object().ok_or("stats are an object")?;
        for (name, value) in object {
            if let Some(n) = value.as_f64() {
                *sums.entry(format!("stats.{name}")).or_insert(0.0) += n;
            }
        }
    }
    Ok(sums)
}

/// Per category over the villages: (count, budget, disbursed to the month's end, in it), in
/// 分, from the fixture.
fn expected_by_category() -> BTreeMap<&'static str, (u64, i64, i64, i64)> {
    let fen = |text: &str| (text.parse::<f64>().unwrap_or(0.0) * 100.0).round() as i64;
    let mut out = BTreeMap::new();
    for spec in &VILLAGES {
        for (category, _, start, funds) in spec.interventions {
            if *start > "2026-11-30" {
                continue;
            }
            let row = out.entry(*category).or_insert((0, 0, 0, 0));
            row.0 += 1;
            for (_, amount, payments) in *funds {
                row.1 += fen(amount);
                for (date, paid) in *payments {
                    if *date <= "2026-11-30" {
                        row.2 += fen(paid);
                    }
                    if date.starts_with("2026-11") {
                        row.3 += fen(paid);
                    }
                }
            }
        }
    }
    out
}

/// The checks every consolidation passes, whatever its template: one row per village with its
/// code as text, every collection's rows led by code and name, the county's totals those of
/// `stats::compute` summed, interventions by category as the fixture says, and `left_out`
/// files listed in `未采用`.
fn check_consolidation(
    w: &World,
    report: &county::MergeReport,
    parsed: &template::ParsedTemplate,
    left_out: &[&Path],
) -> TestResult {
    let codes: Vec<&str> = report
        .villages
        .iter()
        .map(|v| v.village.code.as_str())
        .collect();
    assert_eq!(codes, ["513431100201", "513431100202", "513431100203"]);
    assert_eq!(report.period, Some(november()?));

    // Totals: every numeric scalar field the template shows, but period.*.
    let numeric: Vec<&str> = template::dictionary()
        .iter()
        .filter(|f| {
            !f.is_collection()
                && f.scope != template::Scope::Period
                && matches!(
                    f.kind,
                    FieldType::Integer | FieldType::Number | FieldType::Money
                )
                && parsed.fields().iter().any(|s| s.path == f.path)
        })
        .map(|f| f.path)
        .collect();
    let totalled: Vec<&str> = report.totals.iter().map(|t| t.path).collect();
    assert_eq!(totalled, numeric);
    let stats = summed_stats(w)?;
    let mut checked_stats = 0;
    for total in &report.totals {
        if total.villages == 0 {
            // No village gives it (the fixture has no altitude, no income figure): no total.
            assert_eq!(
                (&total.total, total.mean),
                (&Value::Null, None),
                "{}",
                total.path
            );
            assert!(
                stats.get(total.path).copied().unwrap_or(0.0) == 0.0,
                "{}",
                total.path
            );
            continue;
        }
        assert_eq!(total.villages, 3, "{}", total.path);
        let actual = number(&total.total).ok_or(format!("{} is not a number", total.path))?;
        if let Some(expected) = stats.get(total.path) {
            assert!(
                close(actual, *expected),
                "{}: {actual} ≠ {expected}",
                total.path
            );
            checked_stats += 1;
        }
    }
    assert!(
        checked_stats >= 5,
        "only {checked_stats} stats were totalled"
    );
    let total_of = |path: &str| {
        report
            .totals
            .iter()
            .find(|t| t.path == path)
            .and_then(|t| number(&t.total))
    };
    assert_eq!(total_of("village.household_count"), Some(330.0));
    assert_eq!(total_of("village.population"), Some(1290.0));
    assert_eq!(total_of("stats.visits_in_period"), Some(6.0));
    assert_eq!(total_of("stats.days_in_village_in_period"), Some(9.0));

    // Interventions by category.
    let expected = expected_by_category();
    let shows = |name: &str| {
        parsed
            .fields()
            .iter()
            .any(|f| f.path == format!("interventions.{name}"))
    };
    for row in &report.by_category {
        let (count, budget, disbursed, in_period) = expected
            .get(row.category.as_str())
            .copied()
            .unwrap_or((0, 0, 0, 0));
        assert_eq!(row.count, count, "{}", row.category);
        assert_eq!(
            row.budget.map(|m| m.fen()),
            shows("budget").then_some(budget),
            "{}",
            row.category
        );
        assert_eq!(
            row.disbursed.map(|m| m.fen()),
            shows("disbursed").then_some(disbursed)
        );
        assert_eq!(
            row.disbursed_in_period.map(|m| m.fen()),
            shows("disbursed_in_period").then_some(in_period)
        );
    }
    assert_eq!(
        report.by_category.iter().map(|r| r.count).sum::<u64>(),
        expected.values().map(|r| r.0).sum::<u64>()
    );

    // The workbook, read back.
    let (names, ranges) = sheets(&report.out)?;
    let collections: Vec<String> = template::Scope::ALL
        .into_iter()
        .filter(|s| {
            s.is_collection()
                && parsed
                    .sheets
                    .iter()
                    .any(|sh| sh.row_templates.iter().any(|t| t.collection == *s))
        })
        .map(|s| s.label_zh().to_string())
        .collect();
    let mut expected_names = vec![county::VILLAGES_SHEET.to_string()];
    expected_names.extend(collections);
    expected_names.push(county::TOTALS_SHEET.to_string());
    expected_names.push(county::LEFT_OUT_SHEET.to_string());
    assert_eq!(names, expected_names);

    let villages = rows(sheet(&ranges, county::VILLAGES_SHEET)?);
    assert_eq!(villages.len(), 4, "a header and one row per village");
    let header = villages.first().ok_or("no header")?;
    assert_eq!(cell_text(header.first()), county::CODE_HEADER);
    assert_eq!(cell_text(header.get(1)), county::NAME_HEADER);
    for (row, spec) in villages.iter().skip(1).zip(&VILLAGES) {
        // Codes are text, never numbers.
        assert_eq!(row.first(), Some(&Data::String(spec.code.to_string())));
        assert_eq!(cell_text(row.get(1)), spec.name);
    }
    let households_col = header
        .iter()
        .position(|c| cell_text(Some(c)) == "总户数")
        .ok_or("no 总户数 column")?;
    let households: Vec<Option<f64>> = villages
        .iter()
        .skip(1)
        .map(|r| cell_number(r.get(households_col)))
        .collect();
    assert_eq!(households, [Some(100.0), Some(110.0), Some(120.0)]);

    let interventions = rows(sheet(&ranges, "帮扶项目")?);
    let active: usize = expected.values().map(|r| r.0 as usize).sum();
    assert_eq!(interventions.len(), active + 1);
    for row in interventions.iter().skip(1) {
        let code = cell_text(row.first());
        let spec = VILLAGES
            .iter()
            .find(|v| v.code == code)
            .ok_or(format!("{code}?"))?;
        assert_eq!(cell_text(row.get(1)), spec.name);
    }
    let visits = rows(sheet(&ranges, "走访记录")?);
    assert_eq!(visits.len(), 1 + 6);

    let totals = rows(sheet(&ranges, county::TOTALS_SHEET)?);
    let find = |path: &str| totals.iter().find(|r| cell_text(r.get(1)) == path);
    for total in &report.totals {
        let row = find(total.path).ok_or(format!("{} not in 汇总", total.path))?;
        assert_eq!(cell_text(row.first()), total.label);
        match number(&total.total) {
            Some(n) => {
                let shown =
                    cell_number(row.get(2)).ok_or(format!("{} has no total", total.path))?;
                assert!(close(shown, n), "{}", total.path);
            }
            None => assert_eq!(row.get(2), Some(&Data::Empty), "{}", total.path),
        }
    }
    let start = totals
        .iter()
        .position(|r| cell_text(r.first()) == "帮扶项目按类别汇总")
        .ok_or("no table by category")?;
    let table: Vec<&Vec<Data>> = totals.iter().skip(start + 2).collect();
    for (category, (count, budget, ..)) in &expected {
        let row = table
            .iter()
            .find(|r| cell_text(r.first()) == *category)
            .ok_or(format!("{category} not in the table"))?;
        assert_eq!(cell_number(row.get(1)), Some(*count as f64));
        assert!(close(
            cell_number(row.get(2)).unwrap_or(-1.0),
            *budget as f64 / 100.0
        ));
    }
    let sum_row = table
        .iter()
        .find(|r| cell_text(r.first()) == "合计")
        .ok_or("no 合计")?;
    assert_eq!(cell_number(sum_row.get(1)), Some(active as f64));

    let unused = rows(sheet(&ranges, county::LEFT_OUT_SHEET)?);
    assert_eq!(unused.len(), 1 + left_out.len());
    for path in left_out {
        let file = path.display().to_string();
        let row = unused
            .iter()
            .find(|r| cell_text(r.first()) == file)
            .ok_or(format!("{file} not in 未采用"))?;
        assert!(!cell_text(row.get(3)).is_empty(), "{file} has no reason");
    }
    Ok(())
}

#[test]
fn three_villages_merge_into_one_workbook_and_tampered_bundles_are_named() -> TestResult {
    let w = world(false)?;
    let mut bundles = w.export_all()?;
    let payload = with_payload_byte_flipped(&bundles[0], &w.path("tampered-payload.zip"))?;
    let flipped = with_file_byte_flipped(&bundles[1], &w.path("tampered-file.zip"))?;
    bundles.insert(1, payload.clone());
    bundles.push(flipped.clone());

    let report = w.merge(
        &TemplateChoice::Id(template::DEFAULT_TEMPLATE_ID.into()),
        &bundles,
    )?;
    let parsed =
        template::parse_template(template::DEFAULT_TEMPLATE_FILE, template::DEFAULT_TEMPLATE)?;
    check_consolidation(&w, &report, &parsed, &[&payload, &flipped])?;

    let files: Vec<&str> = report.refused.iter().map(|r| r.file.as_str()).collect();
    assert_eq!(
        files,
        [payload.display().to_string(), flipped.display().to_string()]
    );
    let first = &report.refused[0];
    assert_eq!((first.step, first.code.as_str()), (4, "bundle_refused"));
    assert!(first.reason.contains("SHA-256"), "{}", first.reason);
    assert!(
        first.reason_en.contains("changed after signing"),
        "{}",
        first.reason_en
    );
    let second = &report.refused[1];
    assert!((1..=4).contains(&second.step), "{second:?}");
    assert!(report.superseded.is_empty());
    // The JSON the command line prints.
    let json = serde_json::to_value(&report)?;
    assert_eq!(json["villages"][0]["village"]["code"], "513431100201");
    assert_eq!(json["refused"][0]["step"], 4);
    assert_eq!(json["period"], "2026-11");
    Ok(())
}

#[test]
fn the_merge_is_the_same_with_the_county_sample_template() -> TestResult {
    let w = world(true)?;
    let bundles = w.export_all()?;
    let report = w.merge(&TemplateChoice::File(SAMPLE_TEMPLATE.into()), &bundles)?;
    let parsed = template::parse_template("sample_monthly.xlsx", &std::fs::read(SAMPLE_TEMPLATE)?)?;
    assert_eq!(report.template.id, "sample-monthly");
    check_consolidation(&w, &report, &parsed, &[])?;
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    // The sample shows no disbursements of the month per intervention.
    assert!(report
        .by_category
        .iter()
        .all(|r| r.disbursed_in_period.is_none() && r.budget.is_some()));

    // The same template imported at the county, named by its id.
    let conn = store::open(&w.county_db)?;
    template::import_file(&conn, Path::new(SAMPLE_TEMPLATE))?;
    drop(conn);
    let by_id = w.merge(&TemplateChoice::parse("sample-monthly"), &bundles)?;
    assert_eq!(by_id.totals, report.totals);
    Ok(())
}

#[test]
fn a_newer_return_of_the_same_village_replaces_the_older() -> TestResult {
    let mut w = world(false)?;
    let older = w.export(0, november()?, "青岗村-第一版.zip")?;
    // The village corrects its month: one more visit.
    {
        let v = w.villages.get_mut(0).ok_or("no village")?;
        records::add(
            &mut v.conn,
            &schema::VISIT,
            &pairs(&[
                ("date", "2026-11-28"),
                ("group", "一组"),
                ("purpose", "补充走访"),
            ]),
        )?;
    }
    let newer = w.export(0, november()?, "青岗村-第二版.zip")?;
    let october = w.export(2, Period::parse("2026-10")?, "团结村-十月.zip")?;
    let others = [
        w.export(1, november()?, "红岩村.zip")?,
        w.export(2, november()?, "团结村.zip")?,
    ];

    // The newer is given first: the order of the files does not matter.
    let bundles = vec![
        newer.clone(),
        others[0].clone(),
        older.clone(),
        october.clone(),
        others[1].clone(),
        newer.clone(),
    ];
    let report = w.merge(
        &TemplateChoice::Id(template::DEFAULT_TEMPLATE_ID.into()),
        &bundles,
    )?;
    assert_eq!(report.villages.len(), 3);
    let first = &report.villages[0];
    assert_eq!(first.file, newer.display().to_string());
    let total = |path: &str| {
        report
            .totals
            .iter()
            .find(|t| t.path == path)
            .map(|t| t.total.clone())
    };
    assert_eq!(total("stats.visits_in_period"), Some(Value::Int(7)));

    let superseded: Vec<(String, bool)> = report
        .superseded
        .iter()
        .map(|s| (s.file.clone(), s.same_bundle))
        .collect();
    assert_eq!(
        superseded,
        [
            (newer.display().to_string(), true),
            (older.display().to_string(), false)
        ]
    );
    assert!(report
        .superseded
        .iter()
        .all(|s| s.by_file == newer.display().to_string()));
    // Another month is left out, with its reason.
    let [refused] = report.refused.as_slice() else {
        return Err(format!("{:?}", report.refused).into());
    };
    assert_eq!(refused.file, october.display().to_string());
    assert_eq!((refused.step, refused.code.as_str()), (5, "other_period"));
    assert!(refused.reason.contains("2026年10月"), "{}", refused.reason);

    let (_, ranges) = sheets(&report.out)?;
    let unused = rows(sheet(&ranges, county::LEFT_OUT_SHEET)?);
    assert_eq!(unused.len(), 1 + 3);
    assert!(unused
        .iter()
        .any(|r| cell_text(r.first()) == older.display().to_string()
            && cell_text(r.get(1)) == "被取代"));
    Ok(())
}

#[test]
fn a_return_made_from_another_template_is_refused_with_the_reason() -> TestResult {
    let w = world(false)?;
    let default_bundle = w.export(0, november()?, "default.zip")?;
    // The two other villages use the county's template.
    for v in &w.villages[1..] {
        template::import_file(&v.conn, Path::new(SAMPLE_TEMPLATE))?;
    }
    let sample_bundles = [
        w.export(1, november()?, "sample-1.zip")?,
        w.export(2, november()?, "sample-2.zip")?,
    ];
    let mut bundles = vec![default_bundle.clone()];
    bundles.extend(sample_bundles.iter().cloned());

    let by_default = w.merge(
        &TemplateChoice::Id(template::DEFAULT_TEMPLATE_ID.into()),
        &bundles,
    )?;
    assert_eq!(by_default.villages.len(), 1);
    assert_eq!(by_default.refused.len(), 2);
    for refused in &by_default.refused {
        assert_eq!((refused.step, refused.code.as_str()), (5, "wrong_template"));
        assert!(
            refused.reason.contains("sample-monthly@1"),
            "{}",
            refused.reason
        );
        assert!(
            refused.reason.contains("zhucun-default"),
            "{}",
            refused.reason
        );
        assert!(refused.village.is_some());
    }

    let by_sample = w.merge(&TemplateChoice::File(SAMPLE_TEMPLATE.into()), &bundles)?;
    assert_eq!(by_sample.villages.len(), 2);
    let [refused] = by_sample.refused.as_slice() else {
        return Err(format!("{:?}", by_sample.refused).into());
    };
    assert_eq!(refused.file, default_bundle.display().to_string());
    assert!(
        refused.reason_en.contains("zhucun-default"),
        "{}",
        refused.reason_en
    );
    Ok(())
}

#[test]
fn a_merge_needs_bundles_and_a_known_template() -> TestResult {
    let w = world(false)?;
    let err = w.merge(
        &TemplateChoice::Id(template::DEFAULT_TEMPLATE_ID.into()),
        &[],
    );
    assert!(matches!(err, Err(e) if e.to_string().contains("没有给出")));
    let bundles = w.export_all()?;
    let conn = store::open(&w.county_db)?;
    let unknown = county::merge(
        &conn,
        &TemplateChoice::Id("no-such-template".into()),
        &bundles,
        &w.county_keys,
        &w.path("x.xlsx"),
    );
    assert_eq!(unknown.err().map(|e| e.code()), Some("not_found"));
    assert!(!w.path("x.xlsx").exists());
    // A missing file is left out, not fatal.
    let mut with_missing = bundles.clone();
    with_missing.push(w.path("missing.zip"));
    let report = w.merge(
        &TemplateChoice::Id(template::DEFAULT_TEMPLATE_ID.into()),
        &with_missing,
    )?;
    assert_eq!(report.villages.len(), 3);
    assert_eq!(report.refused.len(), 1);
    assert_eq!(report.refused[0].code, "io");
    Ok(())
}

#[test]
fn only_a_village_key_signs_a_return() -> TestResult {
    let w = world(false)?;
    let v = w.village(0)?;
    let out = w.path("county-signed.zip");
    let err = bundle::export_return(&v.conn, &w.county_keys, november()?, None, &out)
        .err()
        .ok_or("a county key signed a return")?;
    assert_eq!(err.code(), "conflict");
    assert!(err.to_string().contains("村级密钥"), "{err}");
    assert!(!out.exists());

    let good = w.export(0, november()?, "ok.zip")?;
    // The return was rendered beside the bundle, and nothing of it is left there.
    let leftovers: Vec<_> = std::fs::read_dir(w.dir.path())?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".zhucun"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let verified = bundle::verify(&bundle::read_file(&good)?, &w.county_keys, None)?;
    let m = &verified.manifest;
    assert_eq!(m.kind, Kind::Return);
    assert_eq!(
        m.village.as_ref().map(|v| v.code.as_str()),
        Some("513431100201")
    );
    assert_eq!(m.village.as_ref().map(|v| v.name.as_str()), Some("青岗村"));
    assert_eq!(m.period, Some(november()?));
    let t = m.template.as_ref().ok_or("no template")?;
    assert_eq!(t.id, template::DEFAULT_TEMPLATE_ID);
    assert_eq!(t.sha256, template::sha256_hex(template::DEFAULT_TEMPLATE));
    Ok(())
}

/// What "nothing changed" compares: the database file and its WAL byte for byte, and whether a
/// backup folder exists.
fn state(db: &Path) -> TestResult<(Vec<u8>, Vec<u8>, bool)> {
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    let backups = db
        .parent()
        .map(|d| d.join(bundle::BACKUPS_DIR))
        .ok_or("no folder")?;
    Ok((
        std::fs::read(db)?,
        std::fs::read(&wal).unwrap_or_default(),
        backups.exists(),
    ))
}

fn received_return(received: &bundle::Received) -> TestResult<&county::ReturnReport> {
    match &received.applied {
        Applied::Return(r) => Ok(r),
        other => Err(format!("not a return: {other:?}").into()),
    }
}

#[test]
fn receiving_a_return_records_it_once_and_the_newest_counts() -> TestResult {
    let w = world(false)?;
    let older = w.export(0, november()?, "older.zip")?;
    let newer = w.export(0, november()?, "newer.zip")?;
    let conn = store::open(&w.county_db)?;

    // Refusals first: nothing changes, not even a backup.
    let before = state(&w.county_db)?;
    let tampered = with_payload_byte_flipped(&older, &w.path("tampered.zip"))?;
    let err = bundle::receive(&conn, &w.county_keys, &tampered)
        .err()
        .ok_or("tampered accepted")?;
    assert!(matches!(err, Error::BundleRefused { step: 4, .. }), "{err}");
    // A return whose manifest names another village than its workbook, signed by that
    // village's key: refused at step 5.
    let other_return = entries_of(&std::fs::read(w.export(1, november()?, "b.zip")?)?)?
        .into_iter()
        .find(|(n, _)| n == bundle::RETURN_FILE)
        .map(|(_, b)| b)
        .ok_or("no return")?;
    let signer = keys::signer(&w.village(0)?.keys)?;
    let liar = w.path("liar.zip");
    let template_ref = bundle::TemplateRef {
        id: template::DEFAULT_TEMPLATE_ID.into(),
        version: 1,
        sha256: template::sha256_hex(template::DEFAULT_TEMPLATE),
    };
    bundle::write(
        &liar,
        &NewBundle {
            kind: Kind::Return,
            village: Some(bundle::VillageRef {
                code: zhucun_core::DivisionCode::parse("code", "513431100201")?,
                name: "青岗村".into(),
            }),
            period: Some(november()?),
            template: Some(template_ref),
            sync: None,
        },
        &[(bundle::RETURN_FILE, other_return.as_slice())],
        &signer,
    )?;
    match bundle::receive(&conn, &w.county_keys, &liar) {
        Err(Error::BundleRefused {
            step: 5,
            reason:
                BundleProblem::ReturnMismatch {
                    field,
                    listed,
                    found,
                },
        }) => {
            assert_eq!(field, "village.code");
            assert_eq!(
                (listed.as_str(), found.as_str()),
                ("513431100201", "513431100202")
            );
        }
        other => return Err(format!("expected a mismatch, got {other:?}").into()),
    }
    // The same bundle merged refuses it for the same reason.
    let report = w.merge(
        &TemplateChoice::Id(template::DEFAULT_TEMPLATE_ID.into()),
        std::slice::from_ref(&liar),
    )?;
    assert_eq!(report.refused.first().map(|r| r.step), Some(5));
    assert!(report.refused[0].reason.contains("513431100202"));
    assert_eq!(state(&w.county_db)?, before);

    // The newer arrives first and counts.
    let first = bundle::receive(&conn, &w.county_keys, &newer)?;
    let newer_id = first.manifest.id;
    assert!(first.backup.is_some());
    assert_eq!(received_return(&first)?.action, ReturnAction::Added);
    let stored = &received_return(&first)?.stored;
    assert!(stored.counts);
    assert_eq!(stored.village.code.as_str(), "513431100201");
    assert_eq!(stored.signer_name, "青岗村");

    // The same bundle again changes nothing, and makes no backup.
    let after_first = state(&w.county_db)?;
    let again = bundle::receive(&conn, &w.county_keys, &newer)?;
    assert_eq!(received_return(&again)?.action, ReturnAction::Unchanged);
    assert!(again.backup.is_none());
    assert_eq!(state(&w.county_db)?, after_first);

    // The older one is kept, but does not count.
    let second = bundle::receive(&conn, &w.county_keys, &older)?;
    let older_id = second.manifest.id;
    assert_eq!(
        received_return(&second)?.action,
        ReturnAction::KeptOlder { current: newer_id }
    );
    let listed = county::list_returns(&conn, Some(november()?))?;
    let counts: Vec<(uuid::Uuid, bool)> = listed.iter().map(|r| (r.bundle_id, r.counts)).collect();
    assert_eq!(counts, [(older_id, false), (newer_id, true)]);

    // A newer one still replaces the one that counts.
    let newest = w.export(0, november()?, "newest.zip")?;
    let third = bundle::receive(&conn, &w.county_keys, &newest)?;
    assert_eq!(
        received_return(&third)?.action,
        ReturnAction::Replaced { previous: newer_id }
    );
    let counting: Vec<uuid::Uuid> = county::list_returns(&conn, None)?
        .into_iter()
        .filter(|r| r.counts)
        .map(|r| r.bundle_id)
        .collect();
    assert_eq!(counting, [third.manifest.id]);

    // The county keeps each return byte for byte.
    let payload = entries_of(&std::fs::read(&older)?)?
        .into_iter()
        .find(|(n, _)| n == bundle::RETURN_FILE)
        .map(|(_, b)| b)
        .ok_or("no return")?;
    assert_eq!(county::return_file(&conn, &older_id)?, payload);
    assert_eq!(county::list_returns(&conn, None)?.len(), 3);
    Ok(())
}

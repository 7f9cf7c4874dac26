//! How long rendering a large return takes, against rust_xlsxwriter writing the same cells with
//! no template logic, and against openpyxl doing the same fill in Python.
//!
//! Run with `cargo bench -p zhucun-core --bench render_return` (needs `python3` with openpyxl).
//! The template has three row templates — interventions, activities, households — with totals
//! and a formula on a row; the data has 5,000 items of each. Targets: rendering within 1.5× of
//! rust_xlsxwriter writing the cells alone (the template logic — moving rows and formulas,
//! reading the look, computing totals — should cost little beside the writing it cannot avoid),
//! and at least 10× faster than openpyxl.

use std::error::Error;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
use zhucun_core::records::Value;
use zhucun_core::template::{self, Item, RenderStamp, ReturnData, Scope};
use zhucun_core::types::Money;
use zhucun_core::Period;

const ITEMS: usize = 5_000;
const RUNS: usize = 3;
const TARGET_RAW: f64 = 1.5;
const TARGET_OPENPYXL: f64 = 10.0;

type BenchResult<T = ()> = Result<T, Box<dyn Error>>;

/// The columns of each row template: header, placeholder field, number format.
const INTERVENTIONS: &[(&str, &str, Option<&str>)] = &[
    ("序号", "seq", None),
    ("类别", "category", None),
    ("项目名称", "title", None),
    ("开始", "start", Some("yyyy-mm-dd")),
    ("结束", "end", Some("yyyy-mm-dd")),
    ("状态", "status", None),
    ("数量", "quantity", Some("0.0")),
    ("单位", "unit", None),
    ("预算", "budget", Some("#,##0.00")),
    ("已拨付", "disbursed", Some("#,##0.00")),
    ("本月拨付", "disbursed_in_period", Some("#,##0.00")),
    ("受益户", "beneficiary_households", Some("0")),
    ("受益人", "beneficiary_people", Some("0")),
    ("责任人", "responsible", None),
    ("进展", "progress", None),
];
const ACTIVITIES: &[(&str, &str, Option<&str>)] = &[
    ("序号", "seq", None),
    ("日期", "date", Some("yyyy-mm-dd")),
    ("学期", "semester", None),
    ("类型", "type", None),
    ("名称", "title", None),
    ("承办", "host_school", None),
    ("结对学校", "partner_schools", None),
    ("参加人员", "participants", None),
    ("负责人", "responsible", None),
    ("状态", "status", None),
];
const HOUSEHOLDS: &[(&str, &str, Option<&str>)] = &[
    ("序号", "seq", None),
    ("户编号", "code", Some("@")),
    ("户主", "head_name", None),
    ("小组", "group", None),
    ("人口", "size", Some("0")),
    ("户类型", "status", None),
    ("识别年度", "identified_year", None),
    ("脱贫年度", "lifted_year", None),
    ("主要原因", "primary_cause", None),
    ("其他原因", "other_causes", None),
    ("人均纯收入", "income_per_capita", Some("#,##0.00")),
];

/// A row template's place in the bench template (0-based rows).
struct Block {
    scope: Scope,
    columns: &'static [(&'static str, &'static str, Option<&'static str>)],
    header_row: u32,
}

const BLOCKS: [Block; 3] = [
    Block {
        scope: Scope::Interventions,
        columns: INTERVENTIONS,
        header_row: 1,
    },
    Block {
        scope: Scope::Activities,
        columns: ACTIVITIES,
        header_row: 5,
    },
    Block {
        scope: Scope::Households,
        columns: HOUSEHOLDS,
        header_row: 9,
    },
];

fn col(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

fn main() -> BenchResult {
    let dir = tempfile::tempdir()?;
    let template_path = dir.path().join("bench_template.xlsx");
    let bytes = write_template()?;
    std::fs::write(&template_path, &bytes)?;
    let parsed = template::parse_template("bench_template.xlsx", &bytes)?;
    let period = Period::parse("2026-11")?;
    let data = data(period);
    let stamp = RenderStamp::from_data(&data, period);
    let cells: usize = BLOCKS.iter().map(|b| b.columns.len() + 1).sum::<usize>() * ITEMS;
    println!("render_return: 3 row templates × {ITEMS} items, about {cells} cells");

    let render = best_of(|run| {
        let out = dir.path().join(format!("render{run}.xlsx"));
        let start = Instant::now();
        let report = template::render(&parsed, &bytes, &data, &stamp, &out)?;
        let took = start.elapsed();
        let copies: u32 = report.record.row_templates.iter().map(|t| t.copies).sum();
        if copies as usize != 3 * ITEMS {
            return Err(format!("{copies} copies written, not {}", 3 * ITEMS).into());
        }
        Ok(took)
    })?;
    let raw = best_of(|run| {
        let out = dir.path().join(format!("raw{run}.xlsx"));
        let start = Instant::now();
        write_raw(&data, &out)?;
        Ok(start.elapsed())
    })?;
    let json = dir.path().join("data.json");
    std::fs::write(&json, serde_json::to_vec(&data_json(&data))?)?;
    let openpyxl = best_of(|run| {
        let out = dir.path().join(format!("openpyxl{run}.xlsx"));
        openpyxl_fill(&template_path, &json, &out)
    })?;

    let vs_raw = render.as_secs_f64() / raw.as_secs_f64();
    let vs_openpyxl = openpyxl.as_secs_f64() / render.as_secs_f64();
    let verdict = |met: bool| if met { "met" } else { "MISSED" };
    println!("template::render, best of {RUNS}:                         {render:.2?}");
    println!("rust_xlsxwriter writing the same cells, best of {RUNS}:  {raw:.2?}");
    println!("openpyxl filling the template (load, fill, save), best of {RUNS}: {openpyxl:.2?}");
    println!(
        "render / raw rust_xlsxwriter: {vs_raw:.2}× (target ≤ {TARGET_RAW}×): {}",
        verdict(vs_raw <= TARGET_RAW)
    );
    println!(
        "openpyxl / render: {vs_openpyxl:.1}× faster (target ≥ {TARGET_OPENPYXL}×): {}",
        verdict(vs_openpyxl >= TARGET_OPENPYXL)
    );
    Ok(())
}

/// The best time of [`RUNS`] runs of `f` (given the run number).
fn best_of(mut f: impl FnMut(usize) -> BenchResult<Duration>) -> BenchResult<Duration> {
    let mut best = Duration::MAX;
    for run in 0..RUNS {
        best = best.min(f(run)?);
    }
    Ok(best)
}

/// The bench template: a merged title, then per block a header, the row template (a ratio
/// formula on the interventions row) and a totals row.
fn write_template() -> BenchResult<Vec<u8>> {
    let mut book = Workbook::new();
    let bold = Format::new()
        .set_bold()
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let sheet = book.add_worksheet().set_name("月报")?;
    sheet.merge_range(
        0,
        0,
        0,
        10,
        "{{ village.name }}驻村工作月报（{{ period.label }}）",
        &bold,
    )?;
    for block in &BLOCKS {
        let row = block.header_row + 1;
        for (i, (header, name, format)) in block.columns.iter().enumerate() {
            sheet.write_string_with_format(block.header_row, col(i), *header, &bold)?;
            let mut cell = Format::new().set_border(rust_xlsxwriter::FormatBorder::Thin);
            if let Some(f) = format {
                cell = cell.set_num_format(*f);
            }
            let placeholder = format!("{{{{ {}.{name} }}}}", block.scope.name());
            sheet.write_string_with_format(row, col(i), placeholder, &cell)?;
        }
        let extra = block.columns.len();
        let r = row + 1;
        match block.scope {
            Scope::Interventions => {
                sheet.write_formula(
                    row,
                    col(extra),
                    Formula::new(format!("=IF(I{r}=0,0,J{r}/I{r})")),
                )?;
                sheet.write_string(row + 1, 0, "合计")?;
                for c in ['I', 'J', 'K'] {
                    let i = usize::from(u8::try_from(c)? - b'A');
                    sheet.write_formula(
                        row + 1,
                        col(i),
                        Formula::new(format!("=SUM({c}{r}:{c}{r})")),
                    )?;
                }
            }
            Scope::Activities => {
                sheet.write_string(row, col(extra), "{{ period.label }}")?;
                sheet.write_string(row + 1, 0, "合计")?;
                sheet.write_formula(row + 1, 1, Formula::new(format!("=COUNTA(E{r}:E{r})")))?;
            }
            _ => {
                sheet.write_formula(row, col(extra), Formula::new(format!("=E{r}*K{r}")))?;
                sheet.write_string(row + 1, 0, "合计")?;
                sheet.write_formula(row + 1, 4, Formula::new(format!("=SUM(E{r}:E{r})")))?;
            }
        }
        for i in 0..=extra {
            sheet.set_column_width(col(i), 14)?;
        }
    }
    Ok(book.save_to_buffer()?)
}

/// 5,000 items of each collection, with values of every type.
fn data(period: Period) -> ReturnData {
    let mut data = ReturnData::default();
    let text = |s: String| Value::Text(s);
    data.scalars
        .insert("village.name", text("特补乃吾村".into()));
    data.scalars
        .insert("village.code", text("513431215203".into()));
    data.scalars.insert("period.label", text(period.label()));
    let day = |i: usize| {
        NaiveDate::from_ymd_opt(2026, 11, 1)
            .and_then(|d| d.checked_add_days(chrono::Days::new((i % 30) as u64)))
            .map_or(Value::Null, Value::Date)
    };
    let seq = |i: usize| Value::Int(i64::try_from(i + 1).unwrap_or(0));
    let mut interventions = Vec::with_capacity(ITEMS);
    let mut activities = Vec::with_capacity(ITEMS);
    let mut households = Vec::with_capacity(ITEMS);
    for i in 0..ITEMS {
        let n = i64::try_from(i).unwrap_or(0);
        let item: Item = [
            ("seq", seq(i)),
            ("category", text("基础设施".into())),
            ("title", text(format!("通组硬化路建设第{i}段"))),
            ("start", day(i)),
            ("end", day(i + 7)),
            ("status", text("实施中".into())),
            ("quantity", Value::Real(1.5 + (i % 10) as f64)),
            ("unit", text("公里".into())),
            (
                "budget",
                Value::Money(Money::from_fen(10_000_000 + n * 137)),
            ),
            (
                "disbursed",
                Value::Money(Money::from_fen(4_000_000 + n * 99)),
            ),
            ("disbursed_in_period", Value::Money(Money::from_fen(n * 13))),
            ("beneficiary_households", Value::Int(20 + n % 50)),
            ("beneficiary_people", Value::Int(80 + n % 200)),
            ("responsible", text("村党支部书记".into())),
            (
                "progress",
                text(format!("完成路基{}%，正在浇筑路面", i % 100)),
            ),
        ]
        .into_iter()
        .collect();
        interventions.push(item);
        let item: Item = [
            ("seq", seq(i)),
            ("date", day(i)),
            ("semester", text("第一学期".into())),
            ("type", text("送教下乡".into())),
            ("title", text(format!("送教下乡第{i}次"))),
            ("host_school", text("特补乃吾村小学".into())),
            (
                "partner_schools",
                Value::List(vec!["洛莫村小学".into(), "吉史村小学".into()]),
            ),
            (
                "participants",
                text("中心校骨干教师、村小语文和数学教师".into()),
            ),
            ("responsible", text("中心校教导主任".into())),
            ("status", text("已完成".into())),
        ]
        .into_iter()
        .collect();
        activities.push(item);
        let item: Item = [
            ("seq", seq(i)),
            ("code", text(format!("{:02}{:05}", i % 6 + 1, i))),
            ("head_name", text(format!("吉克阿{i}"))),
            ("group", text(format!("{}组", i % 6 + 1))),
            ("size", Value::Int(1 + n % 7)),
            ("status", text("贫困户".into())),
            ("identified_year", Value::Int(2014 + n % 3)),
            ("lifted_year", Value::Null),
            ("primary_cause", text("因病".into())),
            (
                "other_causes",
                Value::List(vec!["缺资金".into(), "缺技术".into()]),
            ),
            (
                "income_per_capita",
                Value::Money(Money::from_fen(300_000 + n * 7)),
            ),
        ]
        .into_iter()
        .collect();
        households.push(item);
    }
    data.collections.insert(Scope::Interventions, interventions);
    data.collections.insert(Scope::Activities, activities);
    data.collections.insert(Scope::Households, households);
    data
}

/// rust_xlsxwriter writing the cells the return holds — the title, headers, every item's
/// values with their formats, the row formulas and the totals — with no template logic.
fn write_raw(data: &ReturnData, out: &Path) -> BenchResult {
    let mut book = Workbook::new();
    let bold = Format::new()
        .set_bold()
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let sheet = book.add_worksheet().set_name("月报")?;
    sheet.merge_range(0, 0, 0, 10, "特补乃吾村驻村工作月报（2026年11月）", &bold)?;
    let mut row = 1u32;
    for block in &BLOCKS {
        let formats: Vec<Format> = block
            .columns
            .iter()
            .map(|(_, _, f)| {
                let cell = Format::new().set_border(rust_xlsxwriter::FormatBorder::Thin);
                match f {
                    Some(f) => cell.set_num_format(*f),
                    None => cell,
                }
            })
            .collect();
        for (i, (header, _, _)) in block.columns.iter().enumerate() {
            sheet.write_string_with_format(row, col(i), *header, &bold)?;
        }
        row += 1;
        let first = row + 1;
        let extra = block.columns.len();
        for item in data.items(block.scope) {
            for (i, ((_, name, _), format)) in block.columns.iter().zip(&formats).enumerate() {
                let c = col(i);
                match item.get(name).unwrap_or(&Value::Null) {
                    Value::Null => sheet.write_blank(row, c, format)?,
                    Value::Int(n) => sheet.write_number_with_format(row, c, *n as f64, format)?,
                    Value::Real(x) => sheet.write_number_with_format(row, c, *x, format)?,
                    Value::Money(m) => sheet.write_number_with_format(row, c, m.yuan(), format)?,
                    Value::Date(d) => {
                        let date = ExcelDateTime::from_ymd(
                            u16::try_from(d.year())?,
                            u8::try_from(d.month())?,
                            u8::try_from(d.day())?,
                        )?;
                        sheet.write_date_with_format(row, c, date, format)?
                    }
                    other => sheet.write_string_with_format(row, c, other.to_text(), format)?,
                };
            }
            let r = row + 1;
            match block.scope {
                Scope::Interventions => sheet.write_formula(
                    row,
                    col(extra),
                    Formula::new(format!("=IF(I{r}=0,0,J{r}/I{r})")),
                )?,
                Scope::Activities => sheet.write_string(row, col(extra), "2026年11月")?,
                _ => sheet.write_formula(row, col(extra), Formula::new(format!("=E{r}*K{r}")))?,
            };
            row += 1;
        }
        let last = row;
        sheet.write_string(row, 0, "合计")?;
        match block.scope {
            Scope::Interventions => {
                for c in ['I', 'J', 'K'] {
                    let i = usize::from(u8::try_from(c)? - b'A');
                    sheet.write_formula(
                        row,
                        col(i),
                        Formula::new(format!("=SUM({c}{first}:{c}{last})")),
                    )?;
                }
            }
            Scope::Activities => {
                sheet.write_formula(row, 1, Formula::new(format!("=COUNTA(E{first}:E{last})")))?;
            }
            _ => {
                sheet.write_formula(row, 4, Formula::new(format!("=SUM(E{first}:E{last})")))?;
            }
        }
        row += 2;
        for i in 0..=extra {
            sheet.set_column_width(col(i), 14)?;
        }
    }
    book.save(out)?;
    Ok(())
}

/// The data as JSON for the openpyxl script: per collection, items of plain values (dates as
/// `yyyy-mm-dd`, lists joined with 、, money in 元).
fn data_json(data: &ReturnData) -> serde_json::Value {
    let mut collections = serde_json::Map::new();
    for block in &BLOCKS {
        let items: Vec<serde_json::Value> = data
            .items(block.scope)
            .iter()
            .map(|item| {
                let fields: serde_json::Map<String, serde_json::Value> = item
                    .iter()
                    .map(|(k, v)| {
                        let json = match v {
                            Value::Null => serde_json::Value::Null,
                            Value::Int(n) => serde_json::json!(n),
                            Value::Real(x) => serde_json::json!(x),
                            Value::Money(m) => serde_json::json!(m.yuan()),
                            Value::Date(d) => serde_json::json!({ "date": d.to_string() }),
                            other => serde_json::json!(other.to_text()),
                        };
                        ((*k).to_string(), json)
                    })
                    .collect();
                serde_json::Value::Object(fields)
            })
            .collect();
        collections.insert(
            block.scope.name().to_string(),
            serde_json::Value::Array(items),
        );
    }
    serde_json::json!({
        "scalars": { "village.name": "特补乃吾村", "period.label": "2026年11月" },
        "collections": collections,
    })
}

/// Runs the openpyxl fill; returns the time it measured from loading the template to saving the
/// return (Python's start-up is not counted).
fn openpyxl_fill(template: &Path, json: &Path, out: &Path) -> BenchResult<Duration> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/render_return_openpyxl.py"
    );
    let output = Command::new("python3")
        .arg(script)
        .arg(template)
        .arg(json)
        .arg(out)
        .output()
        .map_err(|e| format!("python3 could not be run ({e}): install python3 and openpyxl"))?;
    if !output.status.success() {
        return Err(format!(
            "the openpyxl fill failed (is openpyxl installed? pip install openpyxl):\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let seconds: f64 = String::from_utf8_lossy(&output.stdout).trim().parse()?;
    Ok(Duration::from_secs_f64(seconds))
}

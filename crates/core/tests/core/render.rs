//! Rendering a template into a return and reading it back (TEMPLATES.md): the sample template
//! rendered with hand-made data and read back cell by cell with calamine, a template built here
//! for the rules the sample does not show, the `.ods` and `.xls` samples, and the whole path
//! from the demo village's records.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use calamine::{open_workbook_auto_from_rs, Data, Reader, Xlsx};
use chrono::{NaiveDate, NaiveDateTime};
use rust_xlsxwriter::{Format, Formula, Workbook, XlsxError};
use zhucun_core::records::Value;
use zhucun_core::template::{
    self, FieldInfo, Item, ParsedTemplate, ReadBack, RenderReport, RenderStamp, ReturnData, Scope,
};
use zhucun_core::types::Money;
use zhucun_core::Period;

use crate::common::{demo_db, TestResult};

fn sample(name: &str) -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/samples/templates"
    ))
    .join(name)
}

fn date(y: i32, m: u32, d: u32) -> TestResult<NaiveDate> {
    Ok(NaiveDate::from_ymd_opt(y, m, d).ok_or("date")?)
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn yuan(fen: i64) -> Value {
    Value::Money(Money::from_fen(fen))
}

fn period() -> TestResult<Period> {
    Ok(Period::parse("2026-11")?)
}

fn stamp(data: &ReturnData) -> TestResult<RenderStamp> {
    let mut stamp = RenderStamp::from_data(data, period()?);
    stamp.generated_at = NaiveDateTime::parse_from_str("2026-11-30 17:45:12", "%Y-%m-%d %H:%M:%S")?;
    Ok(stamp)
}

/// The data of a November return of 青岗村 with `visits` visits.
fn monthly_data(visits: usize) -> TestResult<ReturnData> {
    let mut data = ReturnData::default();
    let scalars: Vec<(&'static str, Value)> = vec![
        ("village.name", text("青岗村")),
        ("village.code", text("012301001001")),
        ("village.county", text("示例县")),
        ("village.township", text("青岗镇")),
        ("period.label", text("2026年11月")),
        ("period.start", Value::Date(date(2026, 11, 1)?)),
        ("period.end", Value::Date(date(2026, 11, 30)?)),
        ("village.household_count", Value::Int(236)),
        ("village.population", Value::Int(912)),
        ("stats.poor_households", Value::Int(38)),
        ("stats.monitored_households", Value::Int(12)),
        ("stats.days_in_village_in_period", Value::Int(21)),
        ("stats.visits_in_period", Value::Int(i64::try_from(visits)?)),
        ("stats.funds_disbursed_in_period", yuan(1_234_567)),
        // A value that looks like a formula stays text.
        ("village.secretary", text("=1+1")),
        ("report.signer", text("李明")),
    ];
    for (path, value) in scalars {
        data.scalars.insert(path, value);
    }
    let interventions = [
        (
            "饮水安全巩固提升",
            "基础设施",
            Value::Real(3.5),
            "公里",
            date(2026, 12, 31)?,
            12_000_000,
            6_000_050,
            "管网铺设过半",
        ),
        (
            "核桃提质增效",
            "产业发展",
            Value::Real(120.0),
            "亩",
            date(2027, 3, 31)?,
            4_550_000,
            0,
            "已完成规划",
        ),
        (
            "农村危房改造",
            "住房保障",
            Value::Null,
            "户",
            date(2026, 11, 30)?,
            0,
            0,
            "",
        ),
    ];
    let items: Vec<Item> = interventions
        .into_iter()
        .zip(1..)
        .map(
            |((title, category, quantity, unit, end, budget, disbursed, progress), seq)| {
                let mut item = Item::new();
                item.insert("seq", Value::Int(seq));
                item.insert("title", text(title));
                item.insert("category", text(category));
                item.insert("quantity", quantity);
                item.insert("unit", text(unit));
                item.insert("end", Value::Date(end));
                item.insert("budget", yuan(budget));
                item.insert("disbursed", yuan(disbursed));
                item.insert(
                    "progress",
                    if progress.is_empty() {
                        Value::Null
                    } else {
                        text(progress)
                    },
                );
                item
            },
        )
        .collect();
    data.collections.insert(Scope::Interventions, items);
    let mut visit_items = Vec::new();
    for k in 0..visits {
        let mut item = Item::new();
        item.insert("seq", Value::Int(i64::try_from(k + 1)?));
        item.insert("date", Value::Date(date(2026, 11, 3 + u32::try_from(k)?)?));
        item.insert("household", text(["王大", "李二"][k % 2]));
        item.insert("group", text("上寨组"));
        item.insert("purpose", text("政策宣传"));
        // Spaces around a value are kept.
        item.insert("notes", text("  家中有老人需照顾 "));
        visit_items.push(item);
    }
    data.collections.insert(Scope::Visits, visit_items);
    Ok(data)
}

/// A rendered return, in a folder that lives as long as it.
struct Rendered {
    _dir: tempfile::TempDir,
    bytes: Vec<u8>,
    report: RenderReport,
}

fn render_with(
    template: &ParsedTemplate,
    stored: &[u8],
    data: &ReturnData,
) -> TestResult<Rendered> {
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("return.xlsx");
    let report = template::render(template, stored, data, &stamp(data)?, &out)?;
    let bytes = std::fs::read(&out)?;
    // Nothing but the return is left in the folder.
    assert_eq!(std::fs::read_dir(dir.path())?.count(), 1);
    Ok(Rendered {
        _dir: dir,
        bytes,
        report,
    })
}

fn render_sample(name: &str, data: &ReturnData) -> TestResult<(ParsedTemplate, Rendered)> {
    let stored = std::fs::read(sample(name))?;
    let parsed = template::parse_template(name, &stored)?;
    let rendered = render_with(&parsed, &stored, data)?;
    Ok((parsed, rendered))
}

/// A return opened with calamine.
struct Opened {
    book: Xlsx<Cursor<Vec<u8>>>,
}

impl Opened {
    fn new(bytes: &[u8]) -> TestResult<Self> {
        Ok(Opened {
            book: Xlsx::new(Cursor::new(bytes.to_vec()))?,
        })
    }

    /// The value at an A1 cell of a sheet.
    fn value(&mut self, sheet: &str, cell: &str) -> TestResult<Data> {
        let (row, col) = position(cell)?;
        let range = self.book.worksheet_range(sheet)?;
        Ok(range.get_value((row, col)).cloned().unwrap_or(Data::Empty))
    }

    /// The formula at an A1 cell (empty if none).
    fn formula(&mut self, sheet: &str, cell: &str) -> TestResult<String> {
        let (row, col) = position(cell)?;
        let range = self.book.worksheet_formula(sheet)?;
        Ok(range.get_value((row, col)).cloned().unwrap_or_default())
    }

    /// The merged ranges of a sheet in A1, sorted.
    fn merges(&mut self, sheet: &str) -> TestResult<Vec<String>> {
        let mut out: Vec<String> = self
            .book
            .merge_cells_by_sheet_name(sheet)?
            .into_iter()
            .map(|d| {
                format!(
                    "{}:{}",
                    template::cell_a1(d.start.0, d.start.1),
                    template::cell_a1(d.end.0, d.end.1)
                )
            })
            .collect();
        out.sort();
        Ok(out)
    }

    /// The style of an A1 cell.
    fn style(&mut self, sheet: &str, cell: &str) -> TestResult<calamine::Style> {
        let styles = self.book.worksheet_style(sheet)?;
        Ok(styles
            .get(position(cell)?)
            .cloned()
            .ok_or_else(|| format!("{sheet}!{cell} has no style"))?)
    }
}

/// `B12` as (row, col), 0-based.
fn position(cell: &str) -> TestResult<(u32, u32)> {
    let split = cell.find(|c: char| c.is_ascii_digit()).ok_or("no row")?;
    let (letters, digits) = cell.split_at(split);
    let col = letters
        .bytes()
        .fold(0u32, |n, b| n * 26 + u32::from(b - b'A') + 1);
    Ok((digits.parse::<u32>()? - 1, col - 1))
}

/// Whether a cell holds a number within rounding of `expected`.
fn near(value: &Data, expected: f64) -> bool {
    matches!(value, Data::Float(f) if (f - expected).abs() < 1e-6)
}

fn number_format(style: &calamine::Style) -> String {
    style
        .number_format
        .as_ref()
        .map(|n| n.format_code.clone())
        .unwrap_or_default()
}

fn is_bold(style: &calamine::Style) -> bool {
    style.font.as_ref().is_some_and(|f| f.is_bold())
}

/// The `<col>` widths of the `n`th sheet part (1-based) of an `.xlsx`: (first, last, width),
/// columns 1-based as the file has them.
fn column_widths(bytes: &[u8], n: usize) -> TestResult<Vec<(u32, u32, f64)>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))?;
    let mut xml = String::new();
    zip.by_name(&format!("xl/worksheets/sheet{n}.xml"))?
        .read_to_string(&mut xml)?;
    let attr = |element: &str, name: &str| -> Option<String> {
        let start = element.find(&format!(" {name}=\""))? + name.len() + 3;
        let rest = element.get(start..)?;
        Some(rest.get(..rest.find('"')?)?.to_string())
    };
    let mut out = Vec::new();
    for element in xml.split("<col ").skip(1) {
        let element = format!(" {}", element.split("/>").next().unwrap_or(""));
        let element = element.as_str();
        out.push((
            attr(element, "min").ok_or("min")?.parse()?,
            attr(element, "max").ok_or("max")?.parse()?,
            attr(element, "width").ok_or("width")?.parse()?,
        ));
    }
    Ok(out)
}

/// The width of column `col` (1-based) in `<col>` elements.
fn width_of(cols: &[(u32, u32, f64)], col: u32) -> Option<f64> {
    cols.iter()
        .find(|(first, last, _)| *first <= col && col <= *last)
        .map(|(_, _, w)| *w)
}

/// Checks that reading back gives every value the template shows, exactly as it went in.
fn assert_reads_back(parsed: &ParsedTemplate, data: &ReturnData, back: &ReadBack) {
    let fields: Vec<&'static FieldInfo> = parsed.fields();
    for f in fields.iter().filter(|f| !f.is_collection()) {
        assert_eq!(
            back.scalars.get(f.path),
            Some(data.value(f, None)),
            "{}",
            f.path
        );
    }
    for sheet in &parsed.sheets {
        for t in &sheet.row_templates {
            let items = data.items(t.collection);
            let read = back
                .collections
                .get(&t.collection)
                .ok_or_else(|| t.collection.to_string());
            let Ok(read) = read else {
                panic!("{} not read back", t.collection);
            };
            assert_eq!(read.len(), items.len(), "{}", t.collection);
            for (k, (item, row)) in items.iter().zip(read).enumerate() {
                for f in fields.iter().filter(|f| f.scope == t.collection) {
                    assert_eq!(
                        row.get(f.name()),
                        Some(data.value(f, Some(item))),
                        "{} #{k}",
                        f.path
                    );
                }
            }
        }
    }
}

#[test]
fn the_sample_renders_one_row_per_item_with_totals_growing() -> TestResult {
    let data = monthly_data(2)?;
    let (parsed, rendered) = render_sample("sample_monthly.xlsx", &data)?;
    let mut book = Opened::new(&rendered.bytes)?;
    assert_eq!(
        book.book.sheet_names(),
        ["村情", "项目与走访", "_zhucun"],
        "no _meta; the record last"
    );
    let p = "项目与走访";

    // Three interventions on rows 4 to 6, numbered, typed.
    for (k, row) in [4, 5, 6].into_iter().enumerate() {
        assert_eq!(
            book.value(p, &format!("A{row}"))?,
            Data::Float(k as f64 + 1.0)
        );
    }
    assert_eq!(
        book.value(p, "B4")?,
        Data::String("饮水安全巩固提升".into())
    );
    assert_eq!(book.value(p, "D4")?, Data::Float(3.5));
    assert_eq!(
        book.value(p, "D6")?,
        Data::Empty,
        "a missing value leaves the cell empty"
    );
    assert_eq!(book.value(p, "G4")?, Data::Float(120_000.0));
    assert_eq!(book.value(p, "H4")?, Data::Float(60_000.5));
    assert!(
        matches!(book.value(p, "F4")?, Data::DateTime(d) if d.as_datetime().map(|t| t.date()) == Some(date(2026, 12, 31)?))
    );

    // The formula on row 4 is filled down.
    assert_eq!(book.formula(p, "I4")?, "IF(G4=0,0,H4/G4)");
    assert_eq!(book.formula(p, "I5")?, "IF(G5=0,0,H5/G5)");
    assert_eq!(book.formula(p, "I6")?, "IF(G6=0,0,H6/G6)");
    assert_eq!(book.value(p, "I4")?, Data::Float(60_000.5 / 120_000.0));
    assert_eq!(book.value(p, "I6")?, Data::Float(0.0));

    // 合计 moved to row 7; its totals grow over the copies and carry their results.
    assert_eq!(book.value(p, "A7")?, Data::String("合计".into()));
    assert_eq!(book.formula(p, "G7")?, "SUM(G4:G6)");
    assert_eq!(book.formula(p, "H7")?, "SUM(H4:H6)");
    assert_eq!(book.formula(p, "I7")?, "IF(G7=0,0,H7/G7)");
    assert_eq!(book.value(p, "G7")?, Data::Float(165_500.0));
    assert_eq!(book.value(p, "H7")?, Data::Float(60_000.5));

    // Two visits on rows 11 and 12, their count under them.
    assert_eq!(book.value(p, "A9")?, Data::String("二、入户走访".into()));
    assert_eq!(book.value(p, "C11")?, Data::String("王大".into()));
    assert_eq!(book.value(p, "C12")?, Data::String("李二".into()));
    assert_eq!(
        book.value(p, "F11")?,
        Data::String("  家中有老人需照顾 ".into()),
        "spaces are kept"
    );
    assert!(
        matches!(book.value(p, "B12")?, Data::DateTime(d) if d.as_datetime().map(|t| t.date()) == Some(date(2026, 11, 4)?))
    );
    assert_eq!(book.formula(p, "B13")?, "COUNTA(C11:C12)");
    assert_eq!(book.value(p, "B13")?, Data::Float(2.0));
    assert_eq!(
        book.value(p, "A14")?,
        Data::String("填表人：李明\u{3000}\u{3000}审核人：".into())
    );

    // F:J merged on every visit; the other merged ranges moved.
    assert_eq!(
        book.merges(p)?,
        ["A14:J14", "A1:J1", "A2:J2", "A7:F7", "A9:J9", "F10:J10", "F11:J11", "F12:J12"]
    );

    // 村情!B14 points at the moved 合计 row.
    let v = "村情";
    assert_eq!(
        book.formula(v, "B14")?,
        "IF(项目与走访!G7=0,0,项目与走访!H7/项目与走访!G7)"
    );
    assert_eq!(book.value(v, "B14")?, Data::Float(60_000.5 / 165_500.0));
    assert_eq!(
        book.value(v, "A1")?,
        Data::String("青岗村驻村工作月报（2026年11月）".into())
    );
    assert_eq!(
        book.value(v, "A2")?,
        Data::String("示例县青岗镇\u{3000}报告期：2026-11-01 至 2026-11-30".into())
    );
    // Codes stay text with their leading zeros; a value like a formula stays text.
    assert_eq!(book.value(v, "B4")?, Data::String("012301001001".into()));
    assert_eq!(book.value(v, "B12")?, Data::String("=1+1".into()));
    assert_eq!(book.formula(v, "B12")?, "");
    assert_eq!(book.value(v, "B5")?, Data::Float(236.0));
    assert_eq!(book.value(v, "B11")?, Data::Float(12_345.67));
    assert!(
        matches!(book.value(v, "B13")?, Data::DateTime(d) if d.as_datetime().map(|t| t.date()) == Some(date(2026, 11, 30)?))
    );

    // The look: widths, number formats and bold kept.
    let template_widths = [6.0, 30.0, 14.0, 10.0, 12.0, 12.0, 14.0, 14.0, 9.0, 24.0];
    let widths = column_widths(&rendered.bytes, 2)?;
    for (col, width) in (1..).zip(template_widths) {
        assert_eq!(
            width_of(&widths, col),
            Some(width),
            "项目与走访 column {col}"
        );
    }
    let widths = column_widths(&rendered.bytes, 1)?;
    for (col, width) in (1..).zip([22.0, 20.0, 30.0]) {
        assert_eq!(width_of(&widths, col), Some(width), "村情 column {col}");
    }
    assert!(is_bold(&book.style(p, "A3")?), "header row");
    assert!(is_bold(&book.style(p, "G7")?), "合计 row");
    assert!(
        !is_bold(&book.style(p, "B5")?),
        "copies take the row template's look"
    );
    assert_eq!(number_format(&book.style(p, "G5")?), "#,##0.00");
    assert_eq!(number_format(&book.style(p, "I6")?), "0.0%");
    assert_eq!(number_format(&book.style(p, "F6")?), "yyyy\"年\"m\"月\"");
    assert_eq!(number_format(&book.style(p, "B11")?), "yyyy-mm-dd");
    assert_eq!(number_format(&book.style(v, "B4")?), "@");
    assert_eq!(
        number_format(&book.style(v, "B13")?),
        "yyyy\"年\"m\"月\"d\"日\""
    );
    let border = book.style(p, "J12")?.borders.ok_or("borders")?;
    assert!(
        border.bottom.is_visible(),
        "empty cells of a copy keep their borders"
    );

    // The record.
    let record = &rendered.report.record;
    assert_eq!(
        (record.template_id.as_str(), record.version),
        ("sample-monthly", 1)
    );
    assert_eq!(record.sha256, parsed.sha256);
    let rows: Vec<(&str, Scope, u32, u32, u32)> = record
        .row_templates
        .iter()
        .map(|r| {
            (
                r.sheet.as_str(),
                r.collection,
                r.template_row,
                r.first_row,
                r.copies,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("项目与走访", Scope::Interventions, 4, 4, 3),
            ("项目与走访", Scope::Visits, 9, 11, 2),
        ]
    );
    assert_eq!(rendered.report.formulas, 3 + 3 + 1 + 1);
    assert_eq!(rendered.report.formulas_computed, rendered.report.formulas);

    // Reading back gives what went in.
    let back = template::read_return(&parsed, &rendered.bytes)?;
    assert_eq!(back.template_id, "sample-monthly");
    assert_eq!(back.village_code, "012301001001");
    assert_eq!(back.period, period()?);
    assert_eq!(back.generated_at.to_string(), "2026-11-30 17:45:12");
    assert_reads_back(&parsed, &data, &back);

    // The county's consolidation takes it as JSON.
    let json = serde_json::to_value(&back)?;
    assert_eq!(json["collections"]["visits"][1]["household"], "李二");
    assert_eq!(json["collections"]["interventions"][0]["budget"], 120_000);
    assert_eq!(json["scalars"]["period.end"], "2026-11-30");
    assert_eq!(json["period"], "2026-11");
    assert_eq!(json["generated_at"], "2026-11-30T17:45:12");
    assert_eq!(
        serde_json::to_value(&rendered.report)?["look"]["look"],
        "full"
    );
    Ok(())
}

#[test]
fn an_empty_collection_keeps_one_blank_copy_and_reads_back_as_no_rows() -> TestResult {
    let data = monthly_data(0)?;
    let (parsed, rendered) = render_sample("sample_monthly.xlsx", &data)?;
    let mut book = Opened::new(&rendered.bytes)?;
    let p = "项目与走访";
    // One copy on row 11, its collection cells empty; the count under it reads 0.
    for cell in ["A11", "B11", "C11", "F11"] {
        assert_eq!(book.value(p, cell)?, Data::Empty, "{cell}");
    }
    assert_eq!(book.formula(p, "B12")?, "COUNTA(C11:C11)");
    assert_eq!(book.value(p, "B12")?, Data::Float(0.0));
    assert_eq!(
        book.value(p, "A13")?,
        Data::String("填表人：李明\u{3000}\u{3000}审核人：".into()),
        "rows below moved by nothing more"
    );
    assert!(book.merges(p)?.contains(&"F11:J11".to_string()));
    let visits = rendered
        .report
        .record
        .row_templates
        .iter()
        .find(|r| r.collection == Scope::Visits)
        .ok_or("visits")?;
    assert_eq!((visits.first_row, visits.copies), (11, 0));

    let back = template::read_return(&parsed, &rendered.bytes)?;
    assert_eq!(back.collections.get(&Scope::Visits), Some(&Vec::new()));
    assert_reads_back(&parsed, &data, &back);
    Ok(())
}

#[test]
fn every_collection_empty_still_renders_the_form() -> TestResult {
    let mut data = monthly_data(0)?;
    data.collections.clear();
    let (parsed, rendered) = render_sample("sample_monthly.xlsx", &data)?;
    let mut book = Opened::new(&rendered.bytes)?;
    assert_eq!(book.formula("项目与走访", "G5")?, "SUM(G4:G4)");
    assert_eq!(book.value("项目与走访", "G5")?, Data::Float(0.0));
    assert_eq!(book.value("项目与走访", "I4")?, Data::Float(0.0));
    let back = template::read_return(&parsed, &rendered.bytes)?;
    assert_eq!(
        back.collections.get(&Scope::Interventions),
        Some(&Vec::new())
    );
    Ok(())
}

#[test]
fn a_return_is_read_back_only_with_its_own_template() -> TestResult {
    let data = monthly_data(1)?;
    let (parsed, rendered) = render_sample("sample_monthly.xlsx", &data)?;
    let mut newer = parsed.clone();
    newer.meta.version = 2;
    let err = template::read_return(&newer, &rendered.bytes).map(|_| ());
    let Err(err) = err else {
        return Err("read with another version".into());
    };
    assert_eq!(err.code(), "wrong_template");
    assert!(err.to_string().contains("sample-monthly@1"), "{err}");
    let mut other = parsed.clone();
    other.sha256 = "0".repeat(64);
    assert_eq!(
        template::read_return(&other, &rendered.bytes)
            .map(|_| ())
            .map_err(|e| e.code()),
        Err("wrong_template")
    );
    let stored = std::fs::read(sample("sample_monthly.xlsx"))?;
    assert_eq!(
        template::read_return(&parsed, &stored)
            .map(|_| ())
            .map_err(|e| e.code()),
        Err("not_a_return")
    );
    assert_eq!(
        template::read_return(&parsed, b"not a workbook")
            .map(|_| ())
            .map_err(|e| e.code()),
        Err("unreadable_file")
    );
    Ok(())
}

/// A template with the rules the sample does not show: two row templates on one sheet with a
/// running total and totals between them, booleans, date-times, codes, embedded values of every
/// type, copied cells of every kind, and a sheet referring to rows that move.
fn rules_template() -> TestResult<Vec<u8>> {
    let mut book = Workbook::new();
    let build = |book: &mut Workbook| -> Result<(), XlsxError> {
        let bold = Format::new().set_bold();
        let money = Format::new().set_num_format("#,##0.00");
        let stamp = Format::new().set_num_format("yyyy/mm/dd hh:mm");
        let s = book.add_worksheet().set_name("户")?;
        s.write_string_with_format(0, 0, "{{ village.name }}（{{ village.code }}）农户", &bold)?;
        s.write_string(0, 4, "{{ report.generated_at }}")?;
        s.write_string(0, 5, "{{ report.generated_at }}")?;
        s.write_string(0, 6, "生成于{{ report.generated_at }}")?;
        s.write_string(1, 0, "序号")?;
        s.write_string(1, 1, "户编号")?;
        s.write_string(1, 2, "户主")?;
        s.write_string(1, 3, "收入")?;
        s.write_string(1, 4, "累计")?;
        // Row 3: households, with a running total filled down and a scalar repeated.
        s.write_string(2, 0, "{{ households.seq }}")?;
        s.write_string(2, 1, "{{ households.code }}")?;
        s.write_string(
            2,
            2,
            "{{ households.head_name }}（{{ households.size }}人）",
        )?;
        s.write_string_with_format(2, 3, "{{ households.income_per_capita }}", &money)?;
        s.write_formula(2, 4, Formula::new("SUM(D$3:D3)"))?;
        s.write_string(2, 5, "{{ village.name }}")?;
        s.write_string(2, 6, "元")?;
        // Row 4: totals over the first row template.
        s.write_string(3, 0, "合计")?;
        s.write_formula(3, 3, Formula::new("SUM(D3:D3)"))?;
        s.write_formula(3, 4, Formula::new("E3+0"))?;
        // Row 5: logs, booleans and a collection placeholder that is empty.
        s.write_string(4, 0, "{{ logs.seq }}")?;
        s.write_string(4, 1, "{{ logs.date }}")?;
        s.write_string(4, 2, "{{ logs.in_village }}")?;
        s.write_string(4, 3, "{{ logs.category }}")?;
        s.write_string(4, 4, "在村：{{ logs.in_village }}")?;
        // Row 6: totals over both.
        s.write_formula(5, 0, Formula::new("COUNTA(A5:A5)+COUNTA(A3:A3)"))?;
        s.write_formula(5, 1, Formula::new("SUM(D:D)"))?;
        // Row 7: cells copied as they are.
        s.write_string(6, 0, "=不是公式")?;
        s.write_number(6, 1, 42.5)?;
        s.write_boolean(6, 2, true)?;
        s.write_datetime_with_format(
            6,
            3,
            rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 1, 2)?,
            &Format::new().set_num_format("yyyy-mm-dd"),
        )?;
        s.write_string(6, 4, "  空格  ")?;
        s.write_string(7, 0, "{{ stats.per_capita_income }}元；{{ village.key_poor_village }}；{{ period.end }}；{{ village.area_km2 }}")?;
        s.set_column_width(2, 18)?;
        let o = book.add_worksheet().set_name("汇总 表")?;
        o.write_formula(0, 0, Formula::new("户!D4"))?;
        o.write_formula(0, 1, Formula::new("SUM(户!D3:D3)"))?;
        o.write_formula(0, 2, Formula::new("'户'!$A$7"))?;
        o.write_formula(0, 3, Formula::new("\"户!A7\"&户!B7"))?;
        o.write_string(1, 0, "{{ stats.funds_budget }}")?;
        o.write_string_with_format(1, 1, "{{ report.generated_at }}", &stamp)?;
        let meta = book.add_worksheet().set_name("_meta")?;
        meta.write_string(0, 0, "template_id")?;
        meta.write_string(0, 1, "rules")?;
        Ok(())
    };
    build(&mut book)?;
    Ok(book.save_to_buffer()?)
}

fn rules_data(households: usize) -> TestResult<ReturnData> {
    let mut data = ReturnData::default();
    data.scalars.insert("village.name", text(" 青岗村  "));
    data.scalars.insert("village.code", text("012301001001"));
    data.scalars.insert(
        "report.generated_at",
        Value::DateTime(NaiveDateTime::parse_from_str(
            "2026-11-30 08:05:09",
            "%Y-%m-%d %H:%M:%S",
        )?),
    );
    data.scalars
        .insert("stats.per_capita_income", yuan(1_234_550));
    data.scalars
        .insert("village.key_poor_village", Value::Bool(false));
    data.scalars
        .insert("period.end", Value::Date(date(2026, 11, 30)?));
    data.scalars.insert("village.area_km2", Value::Real(12.25));
    data.scalars.insert("stats.funds_budget", yuan(100));
    let mut items = Vec::new();
    for k in 0..households {
        let mut item = Item::new();
        item.insert("seq", Value::Int(i64::try_from(k + 1)?));
        item.insert("code", text(&format!("0{}00{}", k % 9 + 1, k % 10)));
        item.insert("head_name", text(&format!("户主{k}")));
        item.insert("size", Value::Int(i64::try_from(k % 5 + 1)?));
        item.insert("income_per_capita", yuan(i64::try_from(100_000 + k)?));
        items.push(item);
    }
    data.collections.insert(Scope::Households, items);
    let mut logs = Vec::new();
    for (k, in_village) in [true, false].into_iter().enumerate() {
        let mut item = Item::new();
        item.insert("seq", Value::Int(i64::try_from(k + 1)?));
        item.insert("date", Value::Date(date(2026, 11, 2 + u32::try_from(k)?)?));
        item.insert("in_village", Value::Bool(in_village));
        item.insert("category", Value::Null);
        logs.push(item);
    }
    data.collections.insert(Scope::Logs, logs);
    Ok(data)
}

#[test]
fn the_rules_of_templates_md_hold() -> TestResult {
    let stored = rules_template()?;
    let parsed = template::parse_template("rules.xlsx", &stored)?;
    let data = rules_data(3)?;
    let rendered = render_with(&parsed, &stored, &data)?;
    let mut book = Opened::new(&rendered.bytes)?;
    let h = "户";

    // Embedded text: codes and spaces as they are.
    assert_eq!(
        book.value(h, "A1")?,
        Data::String(" 青岗村  （012301001001）农户".into())
    );
    // A date-time in a cell without a number format shows yyyy-mm-dd hh:mm; inside text too.
    assert!(matches!(book.value(h, "E1")?, Data::DateTime(_)));
    assert_eq!(number_format(&book.style(h, "E1")?), "yyyy-mm-dd hh:mm");
    assert_eq!(
        book.value(h, "G1")?,
        Data::String("生成于2026-11-30 08:05".into())
    );
    // Households on rows 3 to 5: codes text, the running total filled down.
    assert_eq!(book.value(h, "B3")?, Data::String("01000".into()));
    assert_eq!(book.value(h, "B4")?, Data::String("02001".into()));
    assert_eq!(book.value(h, "C5")?, Data::String("户主2（3人）".into()));
    assert_eq!(book.formula(h, "E3")?, "SUM(D$3:D3)");
    assert_eq!(book.formula(h, "E5")?, "SUM(D$3:D5)");
    assert!(near(&book.value(h, "E5")?, 3000.03));
    assert_eq!(
        book.value(h, "F4")?,
        Data::String(" 青岗村  ".into()),
        "scalars repeat"
    );
    assert_eq!(
        book.value(h, "G5")?,
        Data::String("元".into()),
        "text repeats"
    );
    // Totals on row 6; the reference to the row template's row points at the first copy.
    assert_eq!(book.formula(h, "D6")?, "SUM(D3:D5)");
    assert_eq!(book.formula(h, "E6")?, "E3+0");
    // Logs on rows 7 and 8: booleans 是/否, an empty value empty.
    assert_eq!(book.value(h, "C7")?, Data::String("是".into()));
    assert_eq!(book.value(h, "C8")?, Data::String("否".into()));
    assert_eq!(book.value(h, "D7")?, Data::Empty);
    assert_eq!(book.value(h, "E8")?, Data::String("在村：否".into()));
    // Counts over both row templates.
    assert_eq!(book.formula(h, "A9")?, "COUNTA(A7:A8)+COUNTA(A3:A5)");
    assert_eq!(book.value(h, "A9")?, Data::Float(5.0));
    assert_eq!(book.formula(h, "B9")?, "SUM(D:D)");
    // Cells without placeholders, copied as they are.
    assert_eq!(book.value(h, "A10")?, Data::String("=不是公式".into()));
    assert_eq!(book.value(h, "B10")?, Data::Float(42.5));
    assert_eq!(book.value(h, "C10")?, Data::Bool(true));
    assert!(
        matches!(book.value(h, "D10")?, Data::DateTime(d) if d.as_datetime().map(|t| t.date()) == Some(date(2026, 1, 2)?))
    );
    assert_eq!(book.value(h, "E10")?, Data::String("  空格  ".into()));
    // Embedded values: money without trailing zeros, booleans, dates, decimals.
    assert_eq!(
        book.value(h, "A11")?,
        Data::String("12345.5元；否；2026-11-30；12.25".into())
    );

    // Another sheet's references follow the rows that moved.
    let o = "汇总 表";
    assert_eq!(book.formula(o, "A1")?, "户!D6");
    assert_eq!(book.formula(o, "B1")?, "SUM(户!D3:D5)");
    assert_eq!(book.formula(o, "C1")?, "'户'!$A$10");
    assert_eq!(book.formula(o, "D1")?, "\"户!A7\"&户!B10");
    assert_eq!(book.value(o, "D1")?, Data::String("户!A742.5".into()));
    assert!(near(&book.value(o, "B1")?, 3000.03));
    // A date-time keeps a date-time format the template gives it.
    assert_eq!(number_format(&book.style(o, "B2")?), "yyyy/mm/dd hh:mm");

    let back = template::read_return(&parsed, &rendered.bytes)?;
    assert_reads_back(&parsed, &data, &back);
    assert_eq!(
        back.scalars.get("report.generated_at"),
        data.scalars.get("report.generated_at")
    );
    Ok(())
}

#[test]
fn a_long_return_keeps_every_row_and_total() -> TestResult {
    let stored = rules_template()?;
    let parsed = template::parse_template("rules.xlsx", &stored)?;
    let data = rules_data(2000)?;
    let rendered = render_with(&parsed, &stored, &data)?;
    let mut book = Opened::new(&rendered.bytes)?;
    assert_eq!(book.formula("户", "D2003")?, "SUM(D3:D2002)");
    assert_eq!(book.formula("户", "E2002")?, "SUM(D$3:D2002)");
    assert_eq!(book.value("户", "B2002")?, Data::String("02009".into()));
    let back = template::read_return(&parsed, &rendered.bytes)?;
    assert_eq!(
        back.collections.get(&Scope::Households).map(Vec::len),
        Some(2000)
    );
    assert_reads_back(&parsed, &data, &back);
    Ok(())
}

/// A part of an `.xlsx` package as text.
fn part(bytes: &[u8], name: &str) -> TestResult<String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))?;
    let mut xml = String::new();
    zip.by_name(name)?.read_to_string(&mut xml)?;
    Ok(xml)
}

/// The `<row …>` start tag of row `r` (1-based) in a sheet part.
fn row_tag(xml: &str, r: u32) -> Option<String> {
    let start = xml.find(&format!("<row r=\"{r}\""))?;
    let rest = xml.get(start..)?;
    Some(rest.get(..rest.find('>')?)?.to_string())
}

#[test]
fn the_rest_of_the_look_comes_through() -> TestResult {
    let mut book = Workbook::new();
    let build = |book: &mut Workbook| -> Result<(), XlsxError> {
        let s = book.add_worksheet().set_name("户")?;
        s.write_string(0, 0, "{{ village.name }}")?;
        s.write_string(1, 0, "序号")?;
        s.write_string(2, 0, "{{ households.seq }}")?;
        s.write_string(2, 1, "{{ households.head_name }}")?;
        s.write_string(3, 0, "合计")?;
        s.write_string(4, 0, "备注")?;
        s.set_row_height(2, 30)?;
        s.set_row_hidden(4)?;
        s.set_column_width(1, 20)?;
        s.set_column_hidden(3)?;
        s.set_freeze_panes(2, 0)?;
        s.set_landscape();
        s.set_paper_size(9);
        s.set_screen_gridlines(false);
        s.set_repeat_rows(1, 1)?;
        s.set_print_area(0, 0, 4, 3)?;
        Ok(())
    };
    build(&mut book)?;
    let stored = book.save_to_buffer()?;
    let parsed = template::parse_template("look.xlsx", &stored)?;
    let data = rules_data(3)?;
    let rendered = render_with(&parsed, &stored, &data)?;
    assert_eq!(rendered.report.look, template::LookKept::Full);
    let xml = part(&rendered.bytes, "xl/worksheets/sheet1.xml")?;
    // Every copy of the row template takes its height; the hidden row moved down with the rows.
    for r in [3, 4, 5] {
        let tag = row_tag(&xml, r).ok_or("row")?;
        assert!(
            tag.contains("ht=\"30\"") && tag.contains("customHeight=\"1\""),
            "{tag}"
        );
    }
    assert!(
        row_tag(&xml, 7).is_some_and(|t| t.contains("hidden=\"1\"")),
        "row 7 hidden"
    );
    assert!(row_tag(&xml, 5).is_some_and(|t| !t.contains("hidden")));
    // The width as the template's file stores it (20 characters and the padding).
    let widths = column_widths(&rendered.bytes, 1)?;
    assert_eq!(
        width_of(&widths, 2),
        width_of(&column_widths(&stored, 1)?, 2)
    );
    assert_eq!(width_of(&widths, 2), Some(20.7109375));
    assert!(xml.contains("<col min=\"4\" max=\"4\"") && xml.contains("hidden=\"1\""));
    assert!(xml.contains("showGridLines=\"0\""));
    assert!(xml.contains("ySplit=\"2\""), "frozen under the header");
    assert!(xml.contains("orientation=\"landscape\"") && xml.contains("paperSize=\"9\""));
    let workbook = part(&rendered.bytes, "xl/workbook.xml")?;
    assert!(workbook.contains("户!$2:$2"), "{workbook}");
    assert!(
        workbook.contains("户!$A$1:$D$7"),
        "the print area grows: {workbook}"
    );
    Ok(())
}

/// Renders an `.ods` or `.xls` sample with the data of the `.xlsx` tests.
fn other_format(name: &str) -> TestResult<(ParsedTemplate, Rendered, Opened)> {
    let data = monthly_data(2)?;
    let (parsed, rendered) = render_sample(name, &data)?;
    let book = Opened::new(&rendered.bytes)?;
    let back = template::read_return(&parsed, &rendered.bytes)?;
    assert_reads_back(&parsed, &data, &back);
    Ok((parsed, rendered, book))
}

#[test]
fn the_ods_sample_renders_with_the_look_of_the_xlsx_sample() -> TestResult {
    let (_, rendered, mut book) = other_format("sample_monthly.ods")?;
    let p = "项目与走访";
    assert_eq!(rendered.report.look, template::LookKept::Full);
    assert_eq!(book.formula(p, "I5")?, "IF(G5=0,0,H5/G5)");
    assert_eq!(book.formula(p, "G7")?, "SUM(G4:G6)");
    assert_eq!(book.formula(p, "B13")?, "COUNTA(C11:C12)");
    assert_eq!(
        book.formula("村情", "B14")?,
        "IF(项目与走访!G7=0,0,项目与走访!H7/项目与走访!G7)"
    );
    assert_eq!(
        book.value("村情", "B4")?,
        Data::String("012301001001".into())
    );

    // The same form saved by LibreOffice: what the .xlsx return shows, the .ods one must.
    let data = monthly_data(2)?;
    let (_, from_xlsx) = render_sample("sample_monthly.xlsx", &data)?;
    let mut xlsx = Opened::new(&from_xlsx.bytes)?;
    for sheet in ["村情", p] {
        assert_eq!(book.merges(sheet)?, xlsx.merges(sheet)?, "{sheet}");
    }
    for (sheet, cell) in [
        (p, "G5"),
        (p, "I6"),
        (p, "F6"),
        (p, "F4"),
        (p, "B11"),
        ("村情", "B4"),
        ("村情", "B13"),
    ] {
        assert_eq!(
            number_format(&book.style(sheet, cell)?),
            number_format(&xlsx.style(sheet, cell)?),
            "{sheet}!{cell}"
        );
    }
    for sheet in ["村情", p] {
        same_styles(&mut xlsx, &mut book, sheet, |_, _| false)?;
    }
    // An .ods keeps widths as lengths, which LibreOffice made from the .xlsx's characters with
    // the digit width of the font it found for Calibri; the return keeps their pixels. So
    // every width is the .xlsx's times one factor, to the pixel (1/7 character) the return
    // rounds to.
    for n in 1..=2 {
        let want = column_widths(&from_xlsx.bytes, n)?;
        let got = column_widths(&rendered.bytes, n)?;
        let widest = want
            .iter()
            .map(|&(first, _, w)| (first, w))
            .fold((0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
        let factor = width_of(&got, widest.0).ok_or("no width")? / widest.1;
        assert!((0.9..1.5).contains(&factor), "factor {factor}");
        for &(first, last, width) in &want {
            for col in first..=last {
                let have = width_of(&got, col).ok_or("no width")?;
                assert!(
                    (have - width * factor).abs() <= 1.0 / 7.0,
                    "sheet {n} column {col}: {have}, not {width} × {factor}"
                );
            }
        }
    }
    Ok(())
}

/// calamine 0.38 misreads `.xls` formulas (tafia/calamine#719, #304): it lost the shared IF
/// formulas of 项目与走访!I4 and I5 and garbled the columns of 村情!B14. They are decoded by
/// Zhucun instead, and render as from the `.xlsx`.
#[test]
fn the_xls_sample_renders_the_formulas_calamine_misreads() -> TestResult {
    let (parsed, _, mut book) = other_format("sample_monthly.xls")?;
    let p = "项目与走访";
    assert_eq!(book.formula(p, "G7")?, "SUM(G4:G6)");
    assert_eq!(book.formula(p, "B13")?, "COUNTA(C11:C12)");
    assert!(book.merges(p)?.contains(&"F12:J12".to_string()));

    let projects = parsed.sheet(p).ok_or(p)?;
    assert_eq!(
        projects.cell(3, 8).and_then(|c| c.formula.as_deref()),
        Some("IF(G4=0,0,H4/G4)")
    );
    assert_eq!(
        projects.cell(4, 8).and_then(|c| c.formula.as_deref()),
        Some("IF(G5=0,0,H5/G5)")
    );
    for row in 4..=6 {
        assert_eq!(
            book.formula(p, &format!("I{row}"))?,
            format!("IF(G{row}=0,0,H{row}/G{row})")
        );
    }
    assert_eq!(book.formula(p, "I7")?, "IF(G7=0,0,H7/G7)");
    let village = parsed.sheet("村情").ok_or("村情")?;
    assert_eq!(
        village.cell(13, 1).and_then(|c| c.formula.as_deref()),
        Some("IF(项目与走访!G5=0,0,项目与走访!H5/项目与走访!G5)")
    );
    assert_eq!(
        book.formula("村情", "B14")?,
        "IF(项目与走访!G7=0,0,项目与走访!H7/项目与走访!G7)"
    );
    Ok(())
}

#[test]
fn gathered_records_render_and_read_back() -> TestResult {
    let conn = demo_db()?;
    let data = template::gather(&conn, period()?, Some("第一书记"))?;
    let stored = std::fs::read(sample("sample_monthly.xlsx"))?;
    let parsed = template::parse_template("sample_monthly.xlsx", &stored)?;
    let rendered = render_with(&parsed, &stored, &data)?;
    let back = template::read_return(&parsed, &rendered.bytes)?;
    assert_reads_back(&parsed, &data, &back);
    assert_eq!(
        Some(&Value::Text(back.village_code.clone())),
        data.scalars.get("village.code")
    );
    let interventions = data.items(Scope::Interventions).len();
    let mut book = Opened::new(&rendered.bytes)?;
    let total_row = 4 + interventions.max(1);
    assert_eq!(
        book.formula("项目与走访", &format!("G{total_row}"))?,
        format!("SUM(G4:G{})", total_row - 1)
    );
    let by_name: BTreeMap<&str, u32> = rendered
        .report
        .record
        .row_templates
        .iter()
        .map(|r| (r.collection.name(), r.copies))
        .collect();
    assert_eq!(
        by_name.get("visits").copied(),
        Some(u32::try_from(data.items(Scope::Visits).len())?)
    );
    // The return opens with the reader used for templates too.
    let auto = open_workbook_auto_from_rs(Cursor::new(rendered.bytes.clone()))?;
    assert!(auto.sheet_names().contains(&"_zhucun".to_string()));
    Ok(())
}

#[test]
fn the_xls_sample_renders_with_the_look_of_the_xlsx_sample() -> TestResult {
    // The same form saved by another program: what the .xlsx return shows, the .xls one must.
    let data = monthly_data(2)?;
    let (_, from_xlsx) = render_sample("sample_monthly.xlsx", &data)?;
    let (_, from_xls) = render_sample("sample_monthly.xls", &data)?;
    assert_eq!(from_xls.report.look, template::LookKept::Full);
    // LibreOffice leaves out of an .xls a column within a pixel of its default width (64
    // pixels of 7 a character: 9.14), as column I of 项目与走访 (9.0), which the return then
    // leaves at the default too.
    let default = 64.0 / 7.0;
    let pixel = 1.0 / 7.0 + 1e-9;
    for n in 1..=2 {
        let want = column_widths(&from_xlsx.bytes, n)?;
        let got = column_widths(&from_xls.bytes, n)?;
        assert!(!want.is_empty());
        for &(first, last, width) in &want {
            for col in first..=last {
                let have = width_of(&got, col).unwrap_or(default);
                assert!(
                    (have - width).abs() <= pixel,
                    "sheet {n} column {col}: {have}, not {width}"
                );
            }
        }
    }
    let mut xlsx = Opened::new(&from_xlsx.bytes)?;
    let mut xls = Opened::new(&from_xls.bytes)?;
    for sheet in ["村情", "项目与走访"] {
        // LibreOffice gives the hidden cells of a merged range the look of its first; no one
        // sees them.
        let merges = xlsx.book.merge_cells_by_sheet_name(sheet)?;
        let hidden = |row: u32, col: u32| {
            merges.iter().any(|m| {
                (m.start.0..=m.end.0).contains(&row)
                    && (m.start.1..=m.end.1).contains(&col)
                    && (row, col) != m.start
            })
        };
        same_styles(&mut xlsx, &mut xls, sheet, hidden)?;
    }
    Ok(())
}

/// Checks that `got` shows `sheet` with the bold, borders and fill of `want`, cell by cell over
/// the styled area of `want` (but the cells `skip` names), and that the sheet has a look at all.
fn same_styles(
    want: &mut Opened,
    got: &mut Opened,
    sheet: &str,
    skip: impl Fn(u32, u32) -> bool,
) -> TestResult {
    let boxed = |s: Option<&calamine::Style>| {
        s.and_then(|s| s.borders.as_ref())
            .is_some_and(calamine::Borders::has_visible_borders)
    };
    let fill = |s: Option<&calamine::Style>| {
        s.and_then(|s| s.fill.as_ref())
            .filter(|f| f.is_visible())
            .and_then(calamine::Fill::get_color)
            .map(|c| c.to_argb() & 0x00FF_FFFF)
    };
    let expected = want.book.worksheet_style(sheet)?;
    let actual = got.book.worksheet_style(sheet)?;
    let (start, end) = (
        expected.start().ok_or("no styles")?,
        expected.end().ok_or("end")?,
    );
    let (mut bold_cells, mut boxed_cells) = (0, 0);
    for row in start.0..=end.0 {
        for col in (start.1..=end.1).filter(|&c| !skip(row, c)) {
            let (a, b) = (expected.get((row, col)), actual.get((row, col)));
            let at = template::cell_a1(row, col);
            assert_eq!(
                a.is_some_and(is_bold),
                b.is_some_and(is_bold),
                "{sheet}!{at}"
            );
            assert_eq!(boxed(a), boxed(b), "{sheet}!{at} borders");
            assert_eq!(fill(a), fill(b), "{sheet}!{at} fill");
            bold_cells += usize::from(a.is_some_and(is_bold));
            boxed_cells += usize::from(boxed(a));
        }
    }
    assert!(bold_cells > 3 && boxed_cells > 10, "{sheet}");
    Ok(())
}

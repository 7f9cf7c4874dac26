//! The household roster import: the shared samples, a 50,000-row roster, refused rosters and
//! unusual layouts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format, Formula, Workbook};
use zhucun_core::records::{self, schema, Value};
use zhucun_core::roster::{self, ImportSummary};
use zhucun_core::rusqlite::Connection;
use zhucun_core::{CellProblem, Error, Lang, Rule};

use crate::common::{db, pairs, snapshot, TestResult};

const SAMPLE_XLSX: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/samples/rosters/roster_small.xlsx"
);
const SAMPLE_XLS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/samples/rosters/roster_small.xls"
);

/// The header row of CLI.md, in its order.
const HEADERS: [&str; 10] = [
    "户编号",
    "户主姓名",
    "村民小组",
    "家庭人口",
    "户类型",
    "识别年度",
    "脱贫年度",
    "主要致贫原因",
    "其他致贫原因",
    "人均纯收入",
];

/// A cell of a generated workbook.
#[derive(Debug, Clone)]
enum C {
    S(&'static str),
    T(String),
    N(f64),
    Blank,
}

/// Writes a workbook of `sheets`, each as rows of cells starting at A1.
fn save(path: &Path, sheets: &[(&str, Vec<Vec<C>>)]) -> TestResult {
    let mut book = Workbook::new();
    for (name, rows) in sheets {
        let sheet = book.add_worksheet().set_name(*name)?;
        for (r, cells) in rows.iter().enumerate() {
            let r = u32::try_from(r)?;
            for (c, cell) in cells.iter().enumerate() {
                let c = u16::try_from(c)?;
                match cell {
                    C::S(s) => {
                        sheet.write_string(r, c, *s)?;
                    }
                    C::T(s) => {
                        sheet.write_string(r, c, s)?;
                    }
                    C::N(n) => {
                        sheet.write_number(r, c, *n)?;
                    }
                    C::Blank => {}
                }
            }
        }
    }
    book.save(path)?;
    Ok(())
}

fn header() -> Vec<C> {
    HEADERS.iter().map(|h| C::S(h)).collect()
}

/// The households by code, with their group names in place of ids.
fn households(conn: &Connection) -> TestResult<BTreeMap<String, records::Row>> {
    let groups: BTreeMap<String, Value> = records::list_rows(conn, &schema::GROUP, None)?
        .into_iter()
        .map(|(id, row)| (id, row.get("name").cloned().unwrap_or(Value::Null)))
        .collect();
    let mut out = BTreeMap::new();
    for (_, mut row) in records::list_rows(conn, &schema::HOUSEHOLD, None)? {
        if let Some(Value::Text(id)) = row.get("group").cloned() {
            row.insert("group", groups.get(&id).cloned().unwrap_or(Value::Null));
        }
        out.insert(row.get("code").map(Value::to_text).unwrap_or_default(), row);
    }
    Ok(out)
}

fn text(row: &records::Row, field: &str) -> String {
    row.get(field).map(Value::to_text).unwrap_or_default()
}

fn check_sample(path: &str) -> TestResult {
    let mut conn = db()?;
    let summary = roster::import_file(&mut conn, Path::new(path))?;
    let groups = ["上寨组", "下寨组", "河边组", "岩脚组", "新村组"];
    assert_eq!(
        summary,
        ImportSummary {
            added: 200,
            updated: 0,
            unchanged: 0,
            groups_created: groups.iter().map(|g| g.to_string()).collect(),
            ignored_columns: vec!["备注".into()],
            sheet: "农户信息".into(),
        },
        "{path}"
    );
    assert!(summary
        .warning(Lang::Zh)
        .is_some_and(|w| w.contains("备注")));

    let all = households(&conn)?;
    assert_eq!(all.len(), 200);
    let mut statuses = BTreeMap::new();
    for row in all.values() {
        *statuses.entry(text(row, "status")).or_insert(0) += 1;
    }
    let expected: BTreeMap<String, i32> = [
        ("一般户", 104),
        ("贫困户", 38),
        ("已脱贫", 46),
        ("监测户", 12),
    ]
    .into_iter()
    .map(|(s, n)| (s.to_string(), n))
    .collect();
    assert_eq!(statuses, expected, "{path}");

    // Codes stay text with their leading zeros.
    let first = all.get("01001").ok_or("01001 missing")?;
    assert_eq!(text(first, "head_name"), "田春燕");
    assert_eq!(text(first, "group"), "上寨组");
    assert_eq!(first.get("size"), Some(&Value::Int(8)));
    assert_eq!(text(first, "income_per_capita"), "8893.09");
    // 其他致贫原因 split on 、 ， and ；.
    let causes = |code: &str| all.get(code).and_then(|r| r.get("other_causes")).cloned();
    let list = |items: &[&str]| Some(Value::List(items.iter().map(|s| s.to_string()).collect()));
    assert_eq!(causes("05001"), list(&["缺水", "缺资金"]));
    assert_eq!(causes("03005"), list(&["缺资金", "因灾"]));
    assert_eq!(causes("05007"), list(&["因婚", "交通条件落后"]));
    let lifted = all.get("05001").ok_or("05001 missing")?;
    assert_eq!(lifted.get("identified_year"), Some(&Value::Int(2018)));
    assert_eq!(text(lifted, "primary_cause"), "因病");

    // The same roster again changes nothing, not even the audit log.
    let before = snapshot(&conn)?;
    let again = roster::import_file(&mut conn, Path::new(path))?;
    assert_eq!((again.added, again.updated, again.unchanged), (0, 0, 200));
    assert!(again.groups_created.is_empty());
    assert_eq!(snapshot(&conn)?, before);
    Ok(())
}

#[test]
fn sample_xlsx_imports_200_households() -> TestResult {
    check_sample(SAMPLE_XLSX)
}

#[test]
fn sample_xls_imports_the_same() -> TestResult {
    check_sample(SAMPLE_XLS)
}

#[test]
fn both_samples_give_the_same_households() -> TestResult {
    let mut a = db()?;
    let mut b = db()?;
    roster::import_file(&mut a, Path::new(SAMPLE_XLSX))?;
    roster::import_file(&mut b, Path::new(SAMPLE_XLS))?;
    assert_eq!(households(&a)?, households(&b)?);
    Ok(())
}

#[test]
fn fifty_thousand_rows_import_completely() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("big.xlsx");
    let statuses = ["一般户", "贫困户", "已脱贫", "监测户"];
    let mut rows = vec![header()];
    for i in 0..50_000u32 {
        let status = statuses[(i % 4) as usize];
        let poor = status != "一般户";
        rows.push(vec![
            C::T(format!("H{i:06}")),
            C::T(format!("户主{i}")),
            C::T(format!("{}组", i % 12 + 1)),
            C::N(f64::from(i % 7 + 1)),
            C::S(status),
            if poor { C::N(2016.0) } else { C::Blank },
            if status == "已脱贫" {
                C::N(2019.0)
            } else {
                C::Blank
            },
            if poor { C::S("因病") } else { C::Blank },
            if poor {
                C::S("缺资金、缺技术")
            } else {
                C::Blank
            },
            C::N(f64::from(i % 1000) * 10.5 + 3000.0),
        ]);
    }
    save(&path, &[("花名册", rows)])?;

    let mut conn = db()?;
    let summary = roster::import_file(&mut conn, &path)?;
    assert_eq!((summary.added, summary.updated), (50_000, 0));
    assert_eq!(summary.groups_created.len(), 12);
    let all = households(&conn)?;
    assert_eq!(all.len(), 50_000);
    let spot = all.get("H012345").ok_or("H012345 missing")?;
    assert_eq!(text(spot, "head_name"), "户主12345");
    assert_eq!(text(spot, "group"), "10组");
    assert_eq!(spot.get("size"), Some(&Value::Int(5)));
    assert_eq!(text(spot, "status"), "贫困户");
    assert_eq!(text(spot, "other_causes"), "缺资金、缺技术");
    assert_eq!(text(spot, "income_per_capita"), "6622.5");
    Ok(())
}

#[test]
fn a_bad_roster_names_every_bad_cell_and_changes_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bad.xlsx");
    let row = |code: &'static str,
               name: &'static str,
               size: C,
               status: &'static str,
               years: (C, C),
               other: C| {
        vec![
            C::S(code),
            C::S(name),
            C::S("一组"),
            size,
            C::S(status),
            years.0,
            years.1,
            C::S("因病"),
            other,
            C::N(5000.0),
        ]
    };
    let none = || (C::Blank, C::Blank);
    save(
        &path,
        &[(
            "花名册",
            vec![
                header(),
                row("A01", "甲", C::N(3.0), "贫困户", none(), C::Blank),
                row("A02", "乙", C::N(-2.0), "贫困户", none(), C::Blank),
                row("A03", "丙", C::N(3.0), "富裕户", none(), C::Blank),
                row(
                    "A04",
                    "丁",
                    C::N(3.0),
                    "贫困户",
                    (C::S("20x9"), C::Blank),
                    C::Blank,
                ),
                row(
                    "A05",
                    "戊",
                    C::N(3.0),
                    "已脱贫",
                    (C::N(2020.0), C::N(2018.0)),
                    C::Blank,
                ),
                row("A01", "己", C::N(3.0), "贫困户", none(), C::Blank),
                row("A06", "庚", C::N(3.0), "贫困户", none(), C::S("因病、懒惰")),
                row("A07", "", C::N(3.0), "贫困户", none(), C::Blank),
                row(
                    "A08",
                    "辛",
                    C::N(0.0),
                    "已脱贫",
                    (C::N(2020.0), C::N(2016.0)),
                    C::Blank,
                ),
                row("A09", "壬", C::N(4.0), "一般户", none(), C::Blank),
            ],
        )],
    )?;

    let mut conn = db()?;
    records::add(&mut conn, &schema::GROUP, &pairs(&[("name", "一组")]))?;
    records::add(
        &mut conn,
        &schema::HOUSEHOLD,
        &pairs(&[
            ("code", "A09"),
            ("head_name", "壬"),
            ("group", "一组"),
            ("size", "2"),
        ]),
    )?;
    let before = snapshot(&conn)?;
    let err = roster::import_file(&mut conn, &path)
        .err()
        .ok_or("the import was not refused")?;
    assert_eq!(err.code(), "invalid_sheet");
    let Error::InvalidSheet {
        file,
        problems,
        total,
    } = &err
    else {
        return Err(format!("not an invalid sheet: {err}").into());
    };
    assert_eq!(file, &path.display().to_string());
    let got: Vec<(&str, &str, &str, &Rule)> = problems
        .iter()
        .map(|p| (p.cell.as_str(), p.field.as_str(), p.value.as_str(), &p.rule))
        .collect();
    let at_least = |limit: &str| Rule::AtLeast {
        other: "identified_year".into(),
        limit: limit.into(),
    };
    let statuses = Rule::NotInList {
        allowed: "一般户、贫困户、已脱贫、监测户".into(),
    };
    let causes = Rule::NotInList {
        allowed: "因病、因残、因学、因灾、因婚、缺土地、缺水、缺技术、缺资金、缺劳力、交通条件落后、自身发展动力不足、其他".into(),
    };
    assert_eq!(
        got,
        vec![
            ("花名册!D3", "size", "-2", &Rule::Negative),
            ("花名册!E4", "status", "富裕户", &statuses),
            ("花名册!F5", "identified_year", "20x9", &Rule::NotAYear),
            ("花名册!G6", "lifted_year", "2018", &at_least("2020")),
            ("花名册!A7", "code", "A01", &Rule::Duplicate),
            ("花名册!I8", "other_causes", "因病、懒惰", &causes),
            ("花名册!B9", "head_name", "", &Rule::Required),
            ("花名册!D10", "size", "0", &Rule::NotPositive),
            ("花名册!G10", "lifted_year", "2016", &at_least("2020")),
        ]
    );
    assert_eq!(*total, 9);
    let message = err.message(Lang::Zh);
    assert!(
        message.contains("花名册!D3") && message.contains("未导入"),
        "{message}"
    );
    assert_eq!(snapshot(&conn)?, before);
    Ok(())
}

#[test]
fn problems_past_the_limit_are_counted_not_listed() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("many.xlsx");
    let mut rows = vec![header()];
    for i in 0..150 {
        rows.push(vec![
            C::T(format!("B{i}")),
            C::S("某"),
            C::Blank,
            C::N(-1.0),
        ]);
    }
    save(&path, &[("Sheet1", rows)])?;
    let conn = db()?;
    let file = roster::read_roster(&path)?;
    match roster::plan_import(&conn, &file) {
        Err(Error::InvalidSheet {
            problems, total, ..
        }) => {
            assert_eq!((problems.len(), total), (roster::MAX_PROBLEMS, 150));
            assert_eq!(
                problems.last().map(|p| p.cell.as_str()),
                Some("Sheet1!D101")
            );
        }
        other => return Err(format!("expected invalid_sheet, got {other:?}").into()),
    }
    Ok(())
}

#[test]
fn the_header_may_sit_lower_and_further_right() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("layout.xlsx");
    let mut book = Workbook::new();
    // A first sheet with no roster on it is passed over.
    book.add_worksheet()
        .set_name("说明")?
        .write_string(0, 0, "填表说明：户主姓名写全名")?;
    let sheet = book.add_worksheet().set_name("第 2 页")?;
    // A merged title over the table, which starts in column B on row 3.
    sheet.merge_range(0, 1, 0, 8, "青岗村农户花名册", &Format::new())?;
    let headers = [
        " 户编号",
        "  户主姓名 ",
        "村民小组",
        "家庭人口",
        "户类型",
        "联系电话",
        "识别年度",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(2, u16::try_from(c + 1)?, *h)?;
    }
    // Row 4: a numeric code; row 5: spaces only; row 6 empty; row 7: a second household.
    sheet.write_number(3, 1, 1001.0)?;
    sheet.write_string(3, 2, "张三")?;
    sheet.write_string(3, 3, "一组")?;
    sheet.write_number(3, 4, 4.0)?;
    sheet.write_string(3, 6, "13800000000")?;
    sheet.write_string(4, 2, "   ")?;
    sheet.write_string(4, 6, " ")?;
    sheet.write_number(6, 1, 1002.0)?;
    sheet.write_string(6, 2, " 李四 ")?;
    sheet.write_string(6, 5, "贫困户")?;
    sheet.write_number(6, 7, 2016.0)?;
    // A note beside the table, under no header, is not a row.
    sheet.write_string(9, 12, "制表：王五")?;
    book.save(&path)?;

    let file = roster::read_roster(&path)?;
    assert_eq!((file.sheet.as_str(), file.header_row), ("第 2 页", 3));
    assert_eq!(file.ignored_columns, vec!["联系电话".to_string()]);
    assert_eq!(
        file.rows.iter().map(|r| r.row).collect::<Vec<_>>(),
        vec![4, 7]
    );

    let mut conn = db()?;
    let summary = roster::import_file(&mut conn, &path)?;
    assert_eq!(
        (summary.added, summary.groups_created.clone()),
        (2, vec!["一组".to_string()])
    );
    let all = households(&conn)?;
    assert_eq!(all.keys().collect::<Vec<_>>(), vec!["1001", "1002"]);
    let second = all.get("1002").ok_or("1002 missing")?;
    assert_eq!(text(second, "head_name"), "李四");
    assert_eq!(text(second, "status"), "贫困户");
    assert_eq!(second.get("identified_year"), Some(&Value::Int(2016)));
    // The status column was empty in row 4: the default.
    assert_eq!(
        all.get("1001").map(|r| text(r, "status")).as_deref(),
        Some("一般户")
    );

    // A bad cell of this layout is named by its absolute position, the sheet name quoted.
    let bad = dir.path().join("layout_bad.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("第 2 页")?;
    sheet.write_string(2, 1, "户编号")?;
    sheet.write_string(2, 2, "户主姓名")?;
    sheet.write_string(2, 30, "家庭人口")?;
    sheet.write_string(3, 1, "X1")?;
    sheet.write_string(3, 2, "赵六")?;
    sheet.write_string(3, 30, "三口")?;
    book.save(&bad)?;
    match roster::import_file(&mut conn, &bad) {
        Err(Error::InvalidSheet { problems, .. }) => assert_eq!(
            problems,
            vec![CellProblem {
                cell: "'第 2 页'!AE4".into(),
                field: "size".into(),
                value: "三口".into(),
                rule: Rule::NotANumber,
            }]
        ),
        other => return Err(format!("expected invalid_sheet, got {other:?}").into()),
    }
    Ok(())
}

#[test]
fn a_corrected_roster_updates_what_changed() -> TestResult {
    let dir = tempfile::tempdir()?;
    let first = dir.path().join("v1.xlsx");
    let second = dir.path().join("v2.xlsx");
    let household = |code: &'static str, group: &'static str, size: f64, status: &'static str| {
        vec![
            C::S(code),
            C::S("某"),
            C::S(group),
            C::N(size),
            C::S(status),
        ]
    };
    save(
        &first,
        &[(
            "户",
            vec![
                header(),
                household("1", "一组", 3.0, "一般户"),
                household("2", "一组", 4.0, "贫困户"),
            ],
        )],
    )?;
    save(
        &second,
        &[(
            "户",
            vec![
                header(),
                household("1", "一组", 3.0, "一般户"),
                household("2", "二组", 5.0, "贫困户"),
                household("3", "一组", 1.0, "监测户"),
            ],
        )],
    )?;
    let mut conn = db()?;
    roster::import_file(&mut conn, &first)?;

    // The plan reads only.
    let before = snapshot(&conn)?;
    let plan = roster::plan_import(&conn, &roster::read_roster(&second)?)?;
    assert_eq!(snapshot(&conn)?, before);
    assert_eq!(plan.groups_to_create, vec!["二组".to_string()]);
    assert_eq!(plan.inserts.len(), 1);
    assert_eq!(plan.unchanged, 1);
    let [change] = plan.updates.as_slice() else {
        return Err(format!("one update expected: {:?}", plan.updates).into());
    };
    assert_eq!(change.row_number, 3);
    assert_eq!(change.old.get("size"), Some(&Value::Int(4)));
    assert_eq!(change.new.get("size"), Some(&Value::Int(5)));
    assert_eq!(change.new_group.as_deref(), Some("二组"));

    let summary = roster::apply(&mut conn, &plan)?;
    assert_eq!(
        (summary.added, summary.updated, summary.unchanged),
        (1, 1, 1)
    );
    let all = households(&conn)?;
    let moved = all.get("2").ok_or("2 missing")?;
    assert_eq!(
        (text(moved, "group"), moved.get("size")),
        ("二组".to_string(), Some(&Value::Int(5)))
    );
    Ok(())
}

#[test]
fn a_sheet_without_the_header_is_refused_by_name() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("no_header.xlsx");
    let mut rows: Vec<Vec<C>> = (0..20).map(|_| vec![C::S("标题")]).collect();
    // Below the first 20 rows the header no longer counts.
    rows.push(vec![C::S("户编号"), C::S("户主姓名")]);
    save(&path, &[("Sheet1", rows)])?;
    let mut conn = db()?;
    let err = roster::import_file(&mut conn, &path)
        .err()
        .ok_or("accepted")?;
    assert_eq!(err.code(), "unusable_sheet");
    assert!(err.to_string().contains("no_header.xlsx"), "{err}");
    assert!(err.message(Lang::En).contains("户主姓名"), "{err}");

    // A header without 户编号 cannot match households.
    let path = dir.path().join("no_code.xlsx");
    save(
        &path,
        &[("Sheet1", vec![vec![C::S("户主姓名")], vec![C::S("张三")]])],
    )?;
    let err = roster::import_file(&mut conn, &path)
        .err()
        .ok_or("accepted")?;
    assert_eq!(err.code(), "unusable_sheet");
    assert!(err.to_string().contains("户编号"), "{err}");
    Ok(())
}

#[test]
fn what_is_not_a_spreadsheet_is_refused_without_panic() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut conn = db()?;
    let cases: Vec<(PathBuf, &[u8])> = vec![
        (dir.path().join("text.xlsx"), b"hello, not a workbook"),
        (dir.path().join("text.xls"), b"hello, not a workbook"),
        (dir.path().join("text.ods"), b"PK\x03\x04 broken zip"),
        (
            dir.path().join("text.csv"),
            "户编号,户主姓名\n1,张三\n".as_bytes(),
        ),
        (dir.path().join("empty.xlsx"), b""),
    ];
    for (path, bytes) in &cases {
        std::fs::write(path, bytes)?;
        let err = roster::import_file(&mut conn, path)
            .err()
            .ok_or("accepted")?;
        assert_eq!(err.code(), "unreadable_file", "{}: {err}", path.display());
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
    }
    let missing = dir.path().join("missing.xlsx");
    let err = roster::import_file(&mut conn, &missing)
        .err()
        .ok_or("accepted")?;
    assert_eq!(err.code(), "unreadable_file");
    Ok(())
}

#[test]
fn a_formula_error_is_refused_not_imported_as_text() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("formula.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("户")?;
    for (c, h) in (0u16..).zip(["户编号", "户主姓名", "家庭人口"]) {
        sheet.write_string(0, c, h)?;
    }
    sheet.write_string(1, 0, "1")?;
    sheet.write_formula(
        1,
        1,
        Formula::new("=VLOOKUP(A2,名单!A:B,2,0)").set_result("#N/A"),
    )?;
    sheet.write_formula(1, 2, Formula::new("=3+1").set_result("4"))?;
    book.save(&path)?;
    let mut conn = db()?;
    match roster::import_file(&mut conn, &path) {
        Err(Error::InvalidSheet { problems, .. }) => assert_eq!(
            problems,
            vec![CellProblem {
                cell: "户!B2".into(),
                field: "head_name".into(),
                value: "#N/A".into(),
                rule: Rule::FormulaError,
            }]
        ),
        other => return Err(format!("expected invalid_sheet, got {other:?}").into()),
    }
    Ok(())
}

#[test]
fn a_status_change_that_strands_a_monitoring_type_is_named_on_the_status_cell() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("status.xlsx");
    save(
        &path,
        &[(
            "户",
            vec![
                header(),
                vec![C::S("7"), C::S("某"), C::Blank, C::N(2.0), C::S("已脱贫")],
            ],
        )],
    )?;
    let mut conn = db()?;
    records::add(
        &mut conn,
        &schema::HOUSEHOLD,
        &pairs(&[
            ("code", "7"),
            ("head_name", "某"),
            ("status", "监测户"),
            ("monitoring_type", "脱贫不稳定户"),
        ]),
    )?;
    match roster::import_file(&mut conn, &path) {
        Err(Error::InvalidSheet { problems, .. }) => {
            let cells: Vec<(&str, &str)> = problems
                .iter()
                .map(|p| (p.cell.as_str(), p.field.as_str()))
                .collect();
            assert_eq!(cells, vec![("户!E2", "monitoring_type")]);
        }
        other => return Err(format!("expected invalid_sheet, got {other:?}").into()),
    }
    Ok(())
}

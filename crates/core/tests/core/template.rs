//! County templates: the field dictionary, importing the shared samples, every refusal rule on
//! small generated templates, and versions.

use std::collections::BTreeSet;
use std::path::PathBuf;

use calamine::{open_workbook_auto, Data, Reader};
use rust_xlsxwriter::{Formula, Workbook, XlsxError};
use zhucun_core::rusqlite::Connection;
use zhucun_core::template::{
    self, CellRange, FieldType, Fill, Format, ImportAction, RowTemplate, Scope, Segment,
    TemplateIssue, TemplateProblem,
};
use zhucun_core::{Error, Lang, Rule};

use crate::common::{db, TestResult};

fn sample(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/samples/templates/"
    ))
    .join(name)
}

/// The SHA-256 of sample_monthly.xlsx, as the sample bundle's manifest records it.
const SAMPLE_XLSX_SHA256: &str = "b8d42aa61b1c9ecd2407950757031c583a06581666e9858f0eb290a18c4af30e";

/// Rows of the templates table, for "nothing changed" checks.
fn stored(conn: &Connection) -> TestResult<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT template_id, version, sha256, imported_at, length(bytes) FROM templates
         ORDER BY template_id, version",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(format!(
            "{}|{}|{}|{}|{}",
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?
        ))
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// The problems of an `invalid_template` error, as (cell, issue).
fn problems(result: zhucun_core::Result<template::ImportReport>) -> Vec<(String, TemplateIssue)> {
    match result {
        Err(Error::InvalidTemplate { problems, .. }) => problems
            .into_iter()
            .map(|TemplateProblem { cell, issue }| (cell, issue))
            .collect(),
        other => panic!("expected invalid_template, got {other:?}"),
    }
}

/// A generated `.xlsx` template, as bytes.
fn xlsx(build: impl FnOnce(&mut Workbook) -> Result<(), XlsxError>) -> TestResult<Vec<u8>> {
    let mut book = Workbook::new();
    build(&mut book)?;
    Ok(book.save_to_buffer()?)
}

/// A `_meta` sheet with these keys and values.
fn meta_sheet(book: &mut Workbook, rows: &[(&str, &str)]) -> Result<(), XlsxError> {
    let sheet = book.add_worksheet().set_name("_meta")?;
    for (i, (key, value)) in rows.iter().enumerate() {
        let row = u32::try_from(i).unwrap_or(0);
        sheet.write_string(row, 0, *key)?;
        sheet.write_string(row, 1, *value)?;
    }
    Ok(())
}

/// A small valid template `id` at `version`; `marker` makes its bytes differ.
fn small_template(id: &str, version: &str, marker: &str) -> TestResult<Vec<u8>> {
    xlsx(|book| {
        let sheet = book.add_worksheet().set_name("月报")?;
        sheet.write_string(0, 0, "{{ village.name }}月报")?;
        sheet.write_string(1, 0, marker)?;
        sheet.write_string(2, 0, "{{ visits.seq }}")?;
        sheet.write_string(2, 1, "{{ visits.date }}")?;
        meta_sheet(book, &[("template_id", id), ("version", version)])
    })
}

fn ph(path: &str, suggestion: Option<&str>) -> TemplateIssue {
    TemplateIssue::UnknownPath {
        path: path.into(),
        suggestion: suggestion.map(Into::into),
    }
}

// --- The shared samples ---------------------------------------------------------------------

#[test]
fn sample_xlsx_imports_and_is_listed() -> TestResult {
    let conn = db()?;
    let report = template::import_file(&conn, &sample("sample_monthly.xlsx"))?;
    assert_eq!(report.action, ImportAction::Added);
    let t = &report.template;
    assert_eq!(
        (t.id.as_str(), t.version, t.title.as_str(), t.format),
        ("sample-monthly", 1, "驻村工作月报", Format::Xlsx)
    );
    assert_eq!(t.issuer.as_deref(), Some("示例县乡村振兴局"));
    assert_eq!(t.sha256, SAMPLE_XLSX_SHA256);
    assert_eq!(t.file_name, "sample_monthly.xlsx");
    assert!(t.current);

    let listed = template::list(&conn)?;
    assert_eq!(listed, vec![t.clone()]);
    assert_eq!(
        template::current(&conn, "sample-monthly")?.as_ref(),
        Some(t)
    );
    assert_eq!(template::current(&conn, "other")?, None);

    // The stored bytes are the file, byte for byte.
    let stored = template::load(&conn, "sample-monthly", None)?;
    assert_eq!(stored.bytes, std::fs::read(sample("sample_monthly.xlsx"))?);
    Ok(())
}

#[test]
fn sample_xlsx_parses_into_the_model_the_renderer_needs() -> TestResult {
    let bytes = std::fs::read(sample("sample_monthly.xlsx"))?;
    let parsed = template::parse_template("sample_monthly.xlsx", &bytes)?;
    let names: Vec<&str> = parsed.sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["村情", "项目与走访"],
        "_meta is not a sheet of the return"
    );

    let village = parsed.sheet("村情").ok_or("村情")?;
    assert!(village.row_templates.is_empty());
    assert_eq!(
        village.cell(3, 1).and_then(|c| c.fill.clone()),
        Some(Fill::Whole(template::field("village.code").ok_or("code")?))
    );
    let Some(Fill::Embedded(title)) = village.cell(0, 0).and_then(|c| c.fill.clone()) else {
        return Err("A1 is an embedded placeholder".into());
    };
    assert_eq!(title.len(), 4);
    assert_eq!(title[1], Segment::Text("驻村工作月报（".into()));
    let rate = village.cell(13, 1).ok_or("B14")?;
    assert_eq!(
        rate.formula.as_deref(),
        Some("IF(项目与走访!G5=0,0,项目与走访!H5/项目与走访!G5)")
    );
    assert_eq!(rate.fill, None);
    assert_eq!(
        village.merges,
        vec![range(0, 0, 0, 2), range(1, 0, 1, 2)],
        "A1:C1 and A2:C2"
    );

    let projects = parsed.sheet("项目与走访").ok_or("项目与走访")?;
    assert_eq!(
        projects.row_templates,
        vec![
            RowTemplate {
                row: 3,
                collection: Scope::Interventions
            },
            RowTemplate {
                row: 8,
                collection: Scope::Visits
            },
        ]
    );
    assert!(projects.merges.contains(&range(8, 5, 8, 9)), "F9:J9");
    assert_eq!(
        projects.cell(3, 8).and_then(|c| c.formula.as_deref()),
        Some("IF(G4=0,0,H4/G4)")
    );
    assert_eq!(
        projects.cell(4, 6).and_then(|c| c.formula.as_deref()),
        Some("SUM(G4:G4)")
    );
    assert_eq!(
        projects.cell(10, 0).map(|c| c.a1()),
        Some("A11".to_string())
    );
    let paths: Vec<&str> = parsed.fields().iter().map(|f| f.path).collect();
    assert!(paths.contains(&"report.signer"));
    assert!(paths.contains(&"interventions.disbursed"));
    assert_eq!(parsed.sha256, SAMPLE_XLSX_SHA256);
    Ok(())
}

fn range(first_row: u32, first_col: u32, last_row: u32, last_col: u32) -> CellRange {
    CellRange {
        first_row,
        first_col,
        last_row,
        last_col,
    }
}

#[test]
fn importing_the_same_xlsx_twice_changes_nothing() -> TestResult {
    let conn = db()?;
    let first = template::import_file(&conn, &sample("sample_monthly.xlsx"))?;
    let before = stored(&conn)?;
    let again = template::import_file(&conn, &sample("sample_monthly.xlsx"))?;
    assert_eq!(again.action, ImportAction::Unchanged);
    assert_eq!(again.template, first.template);
    assert_eq!(stored(&conn)?, before);
    assert!(again.message(Lang::Zh).contains("未作改动"));
    Ok(())
}

#[test]
fn ods_and_xls_samples_import_like_the_xlsx() -> TestResult {
    for (file, format) in [
        ("sample_monthly.ods", Format::Ods),
        ("sample_monthly.xls", Format::Xls),
    ] {
        let conn = db()?;
        let report = template::import_file(&conn, &sample(file))?;
        let t = &report.template;
        assert_eq!(
            (t.id.as_str(), t.version, t.title.as_str(), t.format),
            ("sample-monthly", 1, "驻村工作月报", format),
            "{file}"
        );
        let parsed = template::load(&conn, "sample-monthly", Some(1))?.parse()?;
        let projects = parsed.sheet("项目与走访").ok_or("项目与走访")?;
        let rows: Vec<(u32, Scope)> = projects
            .row_templates
            .iter()
            .map(|t| (t.row, t.collection))
            .collect();
        assert_eq!(
            rows,
            [(3, Scope::Interventions), (8, Scope::Visits)],
            "{file}"
        );
        // Formulas come in Excel's syntax whatever the format.
        assert_eq!(
            projects.cell(4, 6).and_then(|c| c.formula.as_deref()),
            Some("SUM(G4:G4)"),
            "{file}"
        );
    }
    Ok(())
}

#[test]
fn ods_formulas_are_rewritten_in_excel_syntax() -> TestResult {
    let parsed = template::parse_template(
        "sample_monthly.ods",
        &std::fs::read(sample("sample_monthly.ods"))?,
    )?;
    let village = parsed.sheet("村情").ok_or("村情")?;
    assert_eq!(
        village.cell(13, 1).and_then(|c| c.formula.as_deref()),
        Some("IF(项目与走访!G5=0,0,项目与走访!H5/项目与走访!G5)")
    );
    let projects = parsed.sheet("项目与走访").ok_or("项目与走访")?;
    assert_eq!(
        projects.cell(3, 8).and_then(|c| c.formula.as_deref()),
        Some("IF(G4=0,0,H4/G4)")
    );
    // The merged ranges come from content.xml: those of the .xlsx the .ods was made from.
    let xlsx = template::parse_template(
        "sample_monthly.xlsx",
        &std::fs::read(sample("sample_monthly.xlsx"))?,
    )?;
    for sheet in &xlsx.sheets {
        let ods = parsed
            .sheet(&sheet.name)
            .ok_or("no such sheet in the .ods")?;
        assert_eq!(ods.merges, sheet.merges, "{}", sheet.name);
    }
    assert_eq!(projects.merges.len(), 7);
    Ok(())
}

/// sample_monthly.ods with its content.xml changed by `edit`.
fn edited_ods(edit: impl Fn(&str) -> Option<String>) -> TestResult<Vec<u8>> {
    use std::io::{Read, Write};
    let bytes = std::fs::read(sample("sample_monthly.ods"))?;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut file = archive.by_index(i)?;
        let name = file.name()?.to_string();
        let mut data = Vec::new();
        file.read_to_end(&mut data)?;
        if name == "content.xml" {
            data = edit(std::str::from_utf8(&data)?)
                .ok_or("content.xml is not as expected")?
                .into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())?;
        out.write_all(&data)?;
    }
    Ok(out.finish()?.into_inner())
}

#[test]
fn an_ods_merged_range_crossing_a_row_template_is_refused() -> TestResult {
    // 项目与走访!A3 (the header above the interventions row template on row 4) spans two rows.
    let bytes = edited_ods(|content| {
        let mut at = content.find("table:name=\"项目与走访\"")?;
        for _ in 0..3 {
            at += content.get(at..)?.find("<table:table-row")? + 1;
        }
        at += content.get(at..)?.find("<table:table-cell")? + "<table:table-cell".len();
        let mut edited = content.to_string();
        edited.insert_str(at, " table:number-rows-spanned=\"2\"");
        Some(edited)
    })?;
    let conn = db()?;
    assert_eq!(
        problems(template::import_bytes(&conn, "sample_monthly.ods", &bytes)),
        [(
            "项目与走访!A3:A4".into(),
            TemplateIssue::MergeCrossesRowTemplate {
                row: 4,
                collection: "interventions".into(),
            }
        )]
    );
    assert!(stored(&conn)?.is_empty());
    Ok(())
}

#[test]
fn the_ods_after_the_xlsx_is_refused_as_a_changed_version() -> TestResult {
    let conn = db()?;
    template::import_file(&conn, &sample("sample_monthly.xlsx"))?;
    let before = stored(&conn)?;
    let err = template::import_file(&conn, &sample("sample_monthly.ods"))
        .err()
        .ok_or("the ods must be refused")?;
    assert_eq!(err.code(), "conflict");
    assert!(err.message(Lang::Zh).contains("version 改为 2"), "{err}");
    assert!(
        err.message(Lang::En).contains("set version to 2"),
        "{}",
        err.message(Lang::En)
    );
    assert_eq!(stored(&conn)?, before);
    Ok(())
}

#[test]
fn bad_typo_is_refused_naming_the_cell_and_the_suggestion() -> TestResult {
    let conn = db()?;
    let result = template::import_file(&conn, &sample("bad_typo.xlsx"));
    let message = result
        .as_ref()
        .err()
        .map(|e| e.message(Lang::Zh))
        .unwrap_or_default();
    assert_eq!(
        problems(result),
        [(
            "村情!B12".to_string(),
            ph("village.secretery", Some("village.secretary"))
        )]
    );
    for needle in ["村情!B12", "village.secretery", "village.secretary"] {
        assert!(message.contains(needle), "{message}");
    }
    assert!(stored(&conn)?.is_empty());
    Ok(())
}

// --- Refusal rules, on generated templates --------------------------------------------------

#[test]
fn every_bad_placeholder_is_listed_at_once() -> TestResult {
    let bytes = xlsx(|book| {
        let sheet = book.add_worksheet().set_name("表")?;
        sheet.write_string(0, 0, "{{ vilage.name }}")?;
        sheet.write_string(1, 1, "截至{{ period.end")?;
        sheet.write_string(2, 2, "合计 }}")?;
        sheet.write_formula(3, 3, Formula::new("=\"{{ village.name }}\""))?;
        sheet.write_string(
            4,
            0,
            "{{ period.label }}{{ stats.visit_in_period }}{{ 村名 }}",
        )?;
        sheet.write_string(5, 0, "{{ Village.Name }}")?;
        let second = book.add_worksheet().set_name("第二页")?;
        second.write_string(9, 27, "{{ households.head }}")?;
        Ok(())
    })?;
    let conn = db()?;
    let result = template::import_bytes(&conn, "t.xlsx", &bytes);
    let english = result
        .as_ref()
        .err()
        .map(|e| e.message(Lang::En))
        .unwrap_or_default();
    assert_eq!(
        problems(result),
        [
            ("表!A1".into(), ph("vilage.name", Some("village.name"))),
            (
                "表!B2".into(),
                TemplateIssue::Unbalanced {
                    text: "截至{{ period.end".into()
                }
            ),
            (
                "表!C3".into(),
                TemplateIssue::Unbalanced {
                    text: "合计 }}".into()
                }
            ),
            (
                "表!D4".into(),
                TemplateIssue::PlaceholderInFormula {
                    formula: "\"{{ village.name }}\"".into()
                }
            ),
            (
                "表!A5".into(),
                ph("stats.visit_in_period", Some("stats.visits_in_period"))
            ),
            ("表!A5".into(), ph("村名", None)),
            ("表!A6".into(), ph("Village.Name", Some("village.name"))),
            (
                "第二页!AB10".into(),
                ph("households.head", Some("households.head_name"))
            ),
        ]
    );
    assert!(
        english.starts_with("The template t.xlsx has 8 problem(s); nothing was imported"),
        "{english}"
    );
    assert!(stored(&conn)?.is_empty());
    Ok(())
}

#[test]
fn a_row_may_repeat_for_one_collection_only() -> TestResult {
    let bytes = xlsx(|book| {
        let sheet = book.add_worksheet().set_name("表")?;
        // Row 3: visits, with a scalar alongside (fine), then households and logs (not).
        sheet.write_string(2, 0, "{{ visits.seq }}")?;
        sheet.write_string(2, 1, "{{ village.name }}")?;
        sheet.write_string(2, 2, "{{ households.head_name }}")?;
        sheet.write_string(2, 3, "{{ visits.date }}")?;
        sheet.write_string(2, 4, "{{ logs.date }}/{{ households.code }}")?;
        // Row 6: one collection twice in one cell is fine.
        sheet.write_string(5, 0, "{{ groups.seq }}. {{ groups.name }}")?;
        Ok(())
    })?;
    let conn = db()?;
    let two = |first: &str, second: &str| TemplateIssue::TwoCollections {
        first: first.into(),
        second: second.into(),
    };
    assert_eq!(
        problems(template::import_bytes(&conn, "t.xlsx", &bytes)),
        [
            ("表!C3".into(), two("visits", "households")),
            ("表!E3".into(), two("visits", "logs")),
        ]
    );
    assert!(stored(&conn)?.is_empty());
    Ok(())
}

#[test]
fn merged_ranges_may_not_cross_a_row_template() -> TestResult {
    let bytes = xlsx(|book| {
        let plain = rust_xlsxwriter::Format::new();
        let sheet = book.add_worksheet().set_name("表")?;
        sheet.write_string(0, 0, "{{ village.name }}")?;
        // Row 6 (index 5) is the row template.
        sheet.write_string(5, 0, "{{ interventions.seq }}")?;
        sheet.write_string(5, 2, "{{ interventions.title }}")?;
        // Crossing from above and from below: refused.
        sheet.merge_range(4, 1, 5, 1, "", &plain)?;
        sheet.merge_range(5, 6, 7, 7, "", &plain)?;
        // Inside the row, and on other rows: fine.
        sheet.merge_range(5, 2, 5, 4, "{{ interventions.title }}", &plain)?;
        sheet.merge_range(1, 0, 3, 3, "标题", &plain)?;
        sheet.merge_range(6, 0, 8, 1, "合计", &plain)?;
        Ok(())
    })?;
    let conn = db()?;
    let crossing = TemplateIssue::MergeCrossesRowTemplate {
        row: 6,
        collection: "interventions".into(),
    };
    assert_eq!(
        problems(template::import_bytes(&conn, "t.xlsx", &bytes)),
        [
            ("表!B5:B6".into(), crossing.clone()),
            ("表!G6:H8".into(), crossing),
        ]
    );
    assert!(stored(&conn)?.is_empty());
    Ok(())
}

#[test]
fn a_template_without_placeholders_is_refused() -> TestResult {
    let conn = db()?;
    let plain = xlsx(|book| {
        let sheet = book.add_worksheet().set_name("表")?;
        sheet.write_string(0, 0, "合计")?;
        sheet.write_number(1, 0, 12.5)?;
        sheet.write_formula(2, 0, Formula::new("=SUM(A2:A2)"))?;
        meta_sheet(book, &[("template_id", "plain")])
    })?;
    assert_eq!(
        problems(template::import_bytes(&conn, "plain.xlsx", &plain)),
        [("plain.xlsx".into(), TemplateIssue::NoPlaceholder)]
    );
    // A workbook of nothing but `_meta` has no placeholder either.
    let only_meta = xlsx(|book| meta_sheet(book, &[("template_id", "m")]))?;
    assert_eq!(
        problems(template::import_bytes(&conn, "m.xlsx", &only_meta)),
        [("m.xlsx".into(), TemplateIssue::NoPlaceholder)]
    );
    assert!(stored(&conn)?.is_empty());
    Ok(())
}

#[test]
fn bad_meta_values_are_named_with_the_sheet_problems() -> TestResult {
    let bytes = xlsx(|book| {
        let sheet = book.add_worksheet().set_name("表")?;
        sheet.write_string(0, 0, "{{ village.nmae }}")?;
        meta_sheet(
            book,
            &[
                ("template_id", "月报 1"),
                ("version", "0"),
                ("title", "月报"),
                ("period", "quarter"),
                ("verison", "2"),
                ("issuer", "县局"),
                ("issuer", "县局"),
            ],
        )
    })?;
    let conn = db()?;
    let bad = |key: &str, value: &str, rule: Rule| TemplateIssue::BadMeta {
        key: key.into(),
        value: value.into(),
        rule,
    };
    assert_eq!(
        problems(template::import_bytes(&conn, "t.xlsx", &bytes)),
        [
            (
                "_meta!B1".into(),
                bad("template_id", "月报 1", Rule::BadCharacters)
            ),
            ("_meta!B2".into(), bad("version", "0", Rule::NotPositive)),
            (
                "_meta!B4".into(),
                bad(
                    "period",
                    "quarter",
                    Rule::NotInList {
                        allowed: "month".into()
                    }
                )
            ),
            (
                "_meta!A5".into(),
                TemplateIssue::UnknownMetaKey {
                    key: "verison".into(),
                    suggestion: Some("version".into())
                }
            ),
            (
                "_meta!A7".into(),
                TemplateIssue::DuplicateMetaKey {
                    key: "issuer".into()
                }
            ),
            ("表!A1".into(), ph("village.nmae", Some("village.name"))),
        ]
    );
    assert!(stored(&conn)?.is_empty());
    Ok(())
}

#[test]
fn a_file_name_that_cannot_be_an_id_needs_template_id() -> TestResult {
    let bytes = xlsx(|book| {
        book.add_worksheet()
            .set_name("表")?
            .write_string(0, 0, "{{ village.name }}")?;
        Ok(())
    })?;
    let conn = db()?;
    assert_eq!(
        problems(template::import_bytes(&conn, "县级月报.xlsx", &bytes)),
        [(
            "县级月报.xlsx".into(),
            TemplateIssue::FileNameNotAnId {
                stem: "县级月报".into()
            }
        )]
    );
    // The same workbook under an ASCII name takes its id and title from the file and sheet.
    let report = template::import_bytes(&conn, "/some/folder/county-v1.xlsm", &bytes)?;
    let t = &report.template;
    assert_eq!(
        (
            t.id.as_str(),
            t.version,
            t.title.as_str(),
            t.format,
            t.file_name.as_str()
        ),
        ("county-v1", 1, "表", Format::Xlsm, "county-v1.xlsm")
    );
    Ok(())
}

#[test]
fn a_sheet_named_like_the_return_record_is_refused() -> TestResult {
    let bytes = xlsx(|book| {
        book.add_worksheet()
            .set_name("表")?
            .write_string(0, 0, "{{ village.name }}")?;
        book.add_worksheet().set_name("_zhucun")?;
        meta_sheet(book, &[("template_id", "z")])
    })?;
    let conn = db()?;
    assert_eq!(
        problems(template::import_bytes(&conn, "z.xlsx", &bytes)),
        [("_zhucun".into(), TemplateIssue::ReservedSheetName)]
    );
    Ok(())
}

#[test]
fn a_file_that_is_not_a_workbook_is_unreadable() -> TestResult {
    let conn = db()?;
    let err = template::import_bytes(&conn, "t.xlsx", b"just text")
        .err()
        .ok_or("refused")?;
    assert_eq!(err.code(), "unreadable_file");
    let err = template::import_file(&conn, &sample("no_such_file.xlsx"))
        .err()
        .ok_or("refused")?;
    assert_eq!(err.code(), "io");
    assert!(stored(&conn)?.is_empty());
    Ok(())
}

// --- Versions ---------------------------------------------------------------------------------

#[test]
fn a_higher_version_becomes_current_and_every_version_is_kept() -> TestResult {
    let conn = db()?;
    let v1 = small_template("county-monthly", "1", "第一版")?;
    let v2 = small_template("county-monthly", "2", "第二版")?;

    let first = template::import_bytes(&conn, "county.xlsx", &v1)?;
    assert_eq!(first.action, ImportAction::Added);
    let second = template::import_bytes(&conn, "county.xlsx", &v2)?;
    assert_eq!(second.action, ImportAction::Upgraded { from: 1 });
    assert!(second.message(Lang::Zh).contains("取代第 1 版"));

    let listed: Vec<(u32, bool)> = template::list(&conn)?
        .iter()
        .map(|t| (t.version, t.current))
        .collect();
    assert_eq!(listed, [(1, false), (2, true)]);
    assert_eq!(
        template::current(&conn, "county-monthly")?.map(|t| t.version),
        Some(2)
    );
    assert_eq!(template::load(&conn, "county-monthly", None)?.bytes, v2);
    assert_eq!(template::load(&conn, "county-monthly", Some(1))?.bytes, v1);
    let missing = template::load(&conn, "county-monthly", Some(7))
        .err()
        .ok_or("no version 7")?;
    assert_eq!(missing.code(), "not_found");

    // Version 1 again, byte for byte: nothing to do, and version 2 stays current.
    let before = stored(&conn)?;
    let again = template::import_bytes(&conn, "county.xlsx", &v1)?;
    assert_eq!(again.action, ImportAction::Unchanged);
    assert!(!again.template.current);
    assert_eq!(stored(&conn)?, before);

    // Version 1 with other content: refused, and told to use version 3.
    let changed = small_template("county-monthly", "1", "改过的第一版")?;
    let err = template::import_bytes(&conn, "county.xlsx", &changed)
        .err()
        .ok_or("refused")?;
    assert_eq!(err.code(), "conflict");
    assert!(err.message(Lang::En).contains("set version to 3"), "{err}");
    assert_eq!(stored(&conn)?, before);
    Ok(())
}

#[test]
fn a_lower_version_imported_later_is_kept_but_not_current() -> TestResult {
    let conn = db()?;
    template::import_bytes(&conn, "k.xlsx", &small_template("k", "3", "三")?)?;
    let older = template::import_bytes(&conn, "k.xlsx", &small_template("k", "2", "二")?)?;
    assert_eq!(older.action, ImportAction::KeptOlder { current: 3 });
    assert!(!older.template.current);
    assert_eq!(template::current(&conn, "k")?.map(|t| t.version), Some(3));
    assert_eq!(template::list(&conn)?.len(), 2);
    Ok(())
}

#[test]
fn import_joins_a_transaction_the_caller_holds() -> TestResult {
    let mut conn = db()?;
    {
        let tx = conn.transaction()?;
        template::import_bytes(&tx, "t.xlsx", &small_template("t", "1", "x")?)?;
        // Dropped without commit: rolled back.
    }
    assert!(stored(&conn)?.is_empty());
    Ok(())
}

// --- The dictionary ---------------------------------------------------------------------------

/// TEMPLATES.md's Fields table, as written there.
const TEMPLATES_MD_FIELDS: &[(&str, &[&str])] = &[
    ("period", &["year", "month", "label", "start", "end"]),
    (
        "village",
        &[
            "code",
            "name",
            "township",
            "county",
            "altitude_m",
            "area_km2",
            "group_count",
            "household_count",
            "population",
            "farmland_mu",
            "farmland_per_capita_mu",
            "main_crops",
            "livestock",
            "ethnic_groups",
            "key_poor_village",
            "secretary",
            "secretary_phone",
        ],
    ),
    (
        "stats",
        &[
            "poor_households",
            "poor_population",
            "lifted_households",
            "lifted_population",
            "monitored_households",
            "households_without_safe_water",
            "people_without_safe_water",
            "groups_without_road",
            "groups_unpaved_road",
            "per_capita_income",
            "interventions_active",
            "funds_budget",
            "funds_disbursed",
            "funds_disbursed_in_period",
            "visits_in_period",
            "activities_planned_in_period",
            "activities_done_in_period",
            "days_in_village_in_period",
            "days_in_village_year_to_date",
        ],
    ),
    ("report", &["generated_at", "app_version", "signer"]),
    (
        "groups",
        &[
            "seq",
            "name",
            "household_count",
            "population",
            "road",
            "safe_water_households",
            "safe_water_people",
        ],
    ),
    (
        "households",
        &[
            "seq",
            "code",
            "head_name",
            "group",
            "size",
            "status",
            "identified_year",
            "lifted_year",
            "primary_cause",
            "other_causes",
            "income_per_capita",
        ],
    ),
    ("causes", &["seq", "category", "description"]),
    (
        "interventions",
        &[
            "seq",
            "category",
            "title",
            "start",
            "end",
            "status",
            "quantity",
            "unit",
            "budget",
            "disbursed",
            "disbursed_in_period",
            "beneficiary_households",
            "beneficiary_people",
            "responsible",
            "progress",
        ],
    ),
    (
        "funds",
        &["seq", "intervention", "source", "amount", "disbursed"],
    ),
    (
        "activities",
        &[
            "seq",
            "date",
            "semester",
            "type",
            "title",
            "host_school",
            "partner_schools",
            "participants",
            "responsible",
            "status",
        ],
    ),
    (
        "visits",
        &[
            "seq",
            "date",
            "household",
            "group",
            "purpose",
            "notes",
            "follow_up",
        ],
    ),
    (
        "logs",
        &["seq", "date", "in_village", "category", "content"],
    ),
];

#[test]
fn every_path_of_templates_md_is_in_the_dictionary() -> TestResult {
    let scalar = ["period", "village", "stats", "report"];
    for (scope, names) in TEMPLATES_MD_FIELDS {
        for name in *names {
            let path = format!("{scope}.{name}");
            let f = template::field(&path).ok_or(format!("{path} is missing"))?;
            assert_eq!(f.scope.name(), *scope);
            assert_eq!(f.name(), *name);
            assert_eq!(f.is_collection(), !scalar.contains(scope), "{path}");
            assert!(!f.label_zh.is_empty() && !f.meaning_zh.is_empty(), "{path}");
            assert!(!f.label_en.is_empty() && !f.meaning_en.is_empty(), "{path}");
        }
    }
    Ok(())
}

#[test]
fn field_types_follow_templates_md() -> TestResult {
    for (path, kind) in [
        ("village.code", FieldType::Code),
        ("households.code", FieldType::Code),
        ("period.start", FieldType::Date),
        ("period.end", FieldType::Date),
        ("activities.date", FieldType::Date),
        ("visits.date", FieldType::Date),
        ("logs.date", FieldType::Date),
        ("interventions.start", FieldType::Date),
        ("interventions.end", FieldType::Date),
        ("report.generated_at", FieldType::DateTime),
        ("village.key_poor_village", FieldType::Boolean),
        ("logs.in_village", FieldType::Boolean),
        ("village.main_crops", FieldType::List),
        ("village.livestock", FieldType::List),
        ("village.ethnic_groups", FieldType::List),
        ("households.other_causes", FieldType::List),
        ("activities.partner_schools", FieldType::List),
        ("activities.participants", FieldType::Text),
        ("visits.household", FieldType::Text),
        ("stats.funds_budget", FieldType::Money),
        ("interventions.budget", FieldType::Money),
        ("funds.amount", FieldType::Money),
        ("village.farmland_mu", FieldType::Number),
        ("village.area_km2", FieldType::Number),
        ("groups.seq", FieldType::Integer),
    ] {
        assert_eq!(template::field(path).map(|f| f.kind), Some(kind), "{path}");
    }
    assert!(template::field("households.status")
        .map(|f| f.choice_labels().contains(&"监测户"))
        .unwrap_or(false));
    Ok(())
}

#[test]
fn the_dictionary_serialises_for_json_output() -> TestResult {
    let f = template::field("groups.road").ok_or("groups.road")?;
    let json = serde_json::to_value(f)?;
    assert_eq!(json["path"], "groups.road");
    assert_eq!(json["type"], "text");
    assert_eq!(json["scope"], "groups");
    assert_eq!(json["choices"][0], "无路");
    Ok(())
}

#[test]
fn the_dictionary_workbook_has_a_row_per_path() -> TestResult {
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("字段词典.xlsx");
    template::write_dictionary_xlsx(&out)?;
    // Writing again replaces the file.
    template::write_dictionary_xlsx(&out)?;

    let mut book = open_workbook_auto(&out)?;
    let names = book.sheet_names();
    assert_eq!(names.first().map(String::as_str), Some("全部字段"));
    assert_eq!(names.len(), 1 + Scope::ALL.len() + 1);
    let all = book.worksheet_range("全部字段")?;
    let header: Vec<String> = (0..4)
        .map(|c| {
            all.get_value((0, c))
                .map(|v| v.to_string())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(header, ["路径", "类型", "中文名称", "说明"]);
    let paths: Vec<String> = all
        .rows()
        .skip(1)
        .filter_map(|row| match row.first() {
            Some(Data::String(s)) => Some(s.clone()),
            _ => None,
        })
        .collect();
    let expected: Vec<String> = template::dictionary()
        .iter()
        .map(|f| f.path.to_string())
        .collect();
    assert_eq!(paths, expected);
    assert_eq!(
        paths.iter().collect::<BTreeSet<_>>().len(),
        paths.len(),
        "one row per path"
    );

    // A sheet per scope lists placeholders ready to copy.
    let visits = book.worksheet_range("visits 走访记录")?;
    assert_eq!(
        visits.get_value((1, 0)),
        Some(&Data::String("{{ visits.seq }}".into()))
    );
    Ok(())
}

#[test]
fn a_template_using_every_path_imports() -> TestResult {
    // Each scalar on its own row, each collection on its own row template.
    let bytes = xlsx(|book| {
        let sheet = book.add_worksheet().set_name("全部")?;
        let mut row = 0u32;
        for scope in Scope::ALL {
            let fields: Vec<String> = scope.fields().map(|f| f.placeholder()).collect();
            if scope.is_collection() {
                for (col, p) in fields.iter().enumerate() {
                    sheet.write_string(row, u16::try_from(col).unwrap_or(0), p.as_str())?;
                }
                row += 1;
            } else {
                for p in fields {
                    sheet.write_string(row, 0, p.as_str())?;
                    row += 1;
                }
            }
        }
        Ok(())
    })?;
    let parsed = template::parse_template("all.xlsx", &bytes)?;
    assert_eq!(parsed.fields().len(), template::dictionary().len());
    let collections: Vec<Scope> = parsed.sheets[0]
        .row_templates
        .iter()
        .map(|t| t.collection)
        .collect();
    let expected: Vec<Scope> = Scope::ALL
        .into_iter()
        .filter(|s| s.is_collection())
        .collect();
    assert_eq!(collections, expected);
    Ok(())
}

// --- `.xls` formulas ------------------------------------------------------------------------

/// Every formula of a template, by sheet and cell, as `parse_template` reads it.
fn formulas_by_cell(
    path: &std::path::Path,
) -> TestResult<std::collections::BTreeMap<(String, String), String>> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parsed = template::parse_template(&name, &std::fs::read(path)?)?;
    let mut out = std::collections::BTreeMap::new();
    for sheet in &parsed.sheets {
        for cell in &sheet.cells {
            if let Some(formula) = &cell.formula {
                out.insert((sheet.name.clone(), cell.a1()), formula.clone());
            }
        }
    }
    Ok(out)
}

#[test]
fn sample_xls_formulas_are_the_xlsx_formulas_cell_by_cell() -> TestResult {
    let xlsx = formulas_by_cell(&sample("sample_monthly.xlsx"))?;
    let xls = formulas_by_cell(&sample("sample_monthly.xls"))?;
    assert!(xlsx.len() >= 6, "{xlsx:?}");
    assert_eq!(xls, xlsx);
    Ok(())
}

/// Formulas LibreOffice 7.4 writes to `.xls` with other text than the `.xlsx` it read, and
/// what the `.xls` holds instead.
const LIBREOFFICE_XLS_REWRITES: [(&str, &str); 3] = [
    // Its `.xlsx` import does not read an error constant inside a formula: the cell's formula
    // becomes the constant #N/A.
    ("IF(ISNA(A2),#N/A,1)", "#N/A"),
    // A whole row of an `.xlsx` spans 16,384 columns, more than an `.xls` sheet's 256: the
    // reference becomes #REF!.
    ("SUM(Data!1:1)", "SUM(Data!#REF!)"),
    // A cell on a range of sheets is written as an area of one cell.
    ("SUM(Data:Extra!A1)", "SUM(Data:Extra!A1:A1)"),
];

#[test]
fn an_xls_copy_keeps_every_kind_of_formula() -> TestResult {
    let dir = tempfile::tempdir()?;
    let xlsx = dir.path().join("formula-kinds.xlsx");
    crate::golden::python(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/golden/make_formula_kinds.py"
        ),
        &[&xlsx],
    )?;
    let xls = crate::golden::libreoffice_copy(&xlsx, "xls")?;
    let mut want = formulas_by_cell(&xlsx)?;
    for text in want.values_mut() {
        if let Some((_, rewritten)) = LIBREOFFICE_XLS_REWRITES
            .iter()
            .find(|(original, _)| original == text)
        {
            *text = (*rewritten).to_string();
        }
    }
    let got = formulas_by_cell(&xls)?;
    assert!(want.len() > 90, "{} formulas", want.len());
    for (cell, text) in &want {
        assert_eq!(got.get(cell), Some(text), "{cell:?}");
    }
    assert_eq!(got.len(), want.len());
    Ok(())
}

//! fields and template import/list, as a county clerk would use them.

use calamine::Reader;

use crate::common::{sample, Sandbox, TestResult};

#[test]
fn the_field_dictionary_as_text_json_and_workbook() -> TestResult {
    let s = Sandbox::new()?;
    let fields = s.ok(&["--json", "fields"])?.json()?;
    let paths: Vec<&str> = fields
        .as_array()
        .ok_or("array")?
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    for path in [
        "village.code",
        "stats.days_in_village_in_period",
        "households.head_name",
        "logs.in_village",
        "report.generated_at",
    ] {
        assert!(paths.contains(&path), "{path} missing");
    }
    let text = s.ok(&["fields"])?.stdout;
    assert!(
        text.contains("village.secretary") && text.contains("驻村第一书记"),
        "{text}"
    );
    let out = s.path("字段字典.xlsx");
    s.ok(&["fields", "--xlsx", out.to_str().ok_or("path")?])?;
    let mut book = calamine::open_workbook_auto(&out)?;
    let first = book.sheet_names().first().cloned().ok_or("a sheet")?;
    let range = book.worksheet_range(&first)?;
    let listed: Vec<String> = range
        .rows()
        .filter_map(|r| r.first().map(|c| c.to_string()))
        .collect();
    for path in &paths {
        assert!(
            listed.iter().any(|l| l == path),
            "{path} not in the workbook"
        );
    }
    Ok(())
}

#[test]
fn import_and_list_the_sample_templates() -> TestResult {
    for file in [
        "templates/sample_monthly.xlsx",
        "templates/sample_monthly.ods",
        "templates/sample_monthly.xls",
    ] {
        let s = Sandbox::new()?;
        let path = sample(file);
        let path = path.to_str().ok_or("path")?;
        s.ok(&["template", "import", path])?;
        let list = s.ok(&["--json", "template", "list"])?.json()?;
        assert_eq!(list[0]["id"], "sample-monthly", "{file}");
        assert_eq!(list[0]["version"], 1);
        assert_eq!(list[0]["title"], "驻村工作月报");
        // The same file again is a no-op.
        s.ok(&["template", "import", path])?;
        assert_eq!(
            s.ok(&["--json", "template", "list"])?
                .json()?
                .as_array()
                .map(Vec::len),
            Some(1)
        );
    }
    Ok(())
}

#[test]
fn the_same_version_with_other_content_is_refused() -> TestResult {
    let s = Sandbox::new()?;
    s.ok(&[
        "template",
        "import",
        sample("templates/sample_monthly.xlsx")
            .to_str()
            .ok_or("path")?,
    ])?;
    let msg = s.refused(&[
        "template",
        "import",
        sample("templates/sample_monthly.ods")
            .to_str()
            .ok_or("path")?,
    ])?;
    assert!(
        msg.contains("sample-monthly") && msg.contains("version"),
        "{msg}"
    );
    Ok(())
}

#[test]
fn a_misspelt_path_is_refused_with_its_cell_and_a_suggestion() -> TestResult {
    let s = Sandbox::new()?;
    let msg = s.refused(&[
        "template",
        "import",
        sample("templates/bad_typo.xlsx").to_str().ok_or("path")?,
    ])?;
    for part in ["村情!B12", "village.secretery", "village.secretary"] {
        assert!(msg.contains(part), "{part}: {msg}");
    }
    let list = s.ok(&["--json", "template", "list"])?.json()?;
    assert_eq!(list, serde_json::json!([]), "nothing stored");
    Ok(())
}

#[test]
fn render_the_month_and_read_it_back() -> TestResult {
    let s = Sandbox::new()?;
    s.ok(&["demo"])?;
    let out = s.path("2026年11月月报.xlsx");
    let out_arg = out.to_str().ok_or("path")?;
    s.ok(&["return", "render", "--period", "2026-11", "--out", out_arg])?;
    let back = s.ok(&["return", "read", out_arg])?.json()?;
    assert_eq!(back["template_id"], "zhucun-default");
    assert_eq!(back["village_code"], "513431215203");
    assert_eq!(back["scalars"]["village.name"], "特补乃吾村");
    assert_eq!(back["scalars"]["stats.poor_households"], 54);
    assert_eq!(back["scalars"]["stats.days_in_village_in_period"], 24);
    let interventions = back["collections"]["interventions"]
        .as_array()
        .ok_or("rows")?;
    assert_eq!(interventions.len(), 6);
    // The county's own template, chosen by id.
    s.ok(&[
        "template",
        "import",
        sample("templates/sample_monthly.xlsx")
            .to_str()
            .ok_or("path")?,
    ])?;
    let county = s.path("county.xlsx");
    let county_arg = county.to_str().ok_or("path")?;
    s.ok(&[
        "return",
        "render",
        "--period",
        "2026-11",
        "--template",
        "sample-monthly",
        "--out",
        county_arg,
    ])?;
    let back = s
        .ok(&["return", "read", county_arg, "--template", "sample-monthly"])?
        .json()?;
    assert_eq!(back["template_id"], "sample-monthly");
    let msg = s.refused(&[
        "return",
        "render",
        "--period",
        "2026-11",
        "--template",
        "nope",
        "--out",
        county_arg,
    ])?;
    assert!(msg.contains("nope"), "{msg}");
    let msg = s.refused(&[
        "return",
        "read",
        sample("templates/sample_monthly.xlsx")
            .to_str()
            .ok_or("path")?,
    ])?;
    assert!(msg.contains("sample_monthly.xlsx"), "{msg}");
    Ok(())
}

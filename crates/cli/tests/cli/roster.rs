//! household import, as a clerk would run it.

use crate::common::{sample, Sandbox, TestResult};

#[test]
fn the_sample_roster_imports_once() -> TestResult {
    for file in ["rosters/roster_small.xlsx", "rosters/roster_small.xls"] {
        let s = Sandbox::new()?;
        s.ok(&["init", "--code", "513431100201", "--name", "青岗村"])?;
        let path = sample(file);
        let run = s.ok(&[
            "--json",
            "household",
            "import",
            path.to_str().ok_or("path")?,
        ])?;
        let summary = run.json()?;
        assert_eq!(summary["added"], 200, "{file}");
        assert!(
            run.stderr.contains("备注"),
            "warns of the ignored column: {}",
            run.stderr
        );
        let list = s.ok(&["--json", "household", "list"])?.json()?;
        let list = list.as_array().ok_or("array")?;
        assert_eq!(list.len(), 200);
        let count = |status: &str| list.iter().filter(|h| h["status"] == status).count();
        assert_eq!(
            (
                count("一般户"),
                count("贫困户"),
                count("已脱贫"),
                count("监测户")
            ),
            (104, 38, 46, 12),
            "{file}"
        );
        assert!(
            list.iter().any(|h| h["code"] == "01001"),
            "codes keep their zeros"
        );
        let groups = s.ok(&["--json", "group", "list"])?.json()?;
        let mut names: Vec<&str> = groups
            .as_array()
            .ok_or("array")?
            .iter()
            .filter_map(|g| g["name"].as_str())
            .collect();
        names.sort_unstable();
        let mut expected = vec!["上寨组", "下寨组", "河边组", "岩脚组", "新村组"];
        expected.sort_unstable();
        assert_eq!(names, expected);
        let backups = || -> TestResult<usize> { Ok(std::fs::read_dir(s.path("backups"))?.count()) };
        assert_eq!(backups()?, 1, "an automatic backup before the import");
        let before = s.fingerprint()?;
        let again = s
            .ok(&[
                "--json",
                "household",
                "import",
                path.to_str().ok_or("path")?,
            ])?
            .json()?;
        assert_eq!(
            (again["added"].as_i64(), again["updated"].as_i64()),
            (Some(0), Some(0))
        );
        assert_eq!(before, s.fingerprint()?, "a second import changes nothing");
        assert_eq!(backups()?, 1, "nothing to apply, nothing to back up");
    }
    Ok(())
}

#[test]
fn a_bad_roster_is_refused_whole_with_positions() -> TestResult {
    let s = Sandbox::new()?;
    s.ok(&["init", "--code", "513431100201", "--name", "青岗村"])?;
    let path = s.path("坏花名册.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("花名册")?;
    let header = ["户编号", "户主姓名", "村民小组", "家庭人口", "户类型"];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h)?;
    }
    let rows = [
        ["0001", "张三", "一组", "4", "贫困户"],
        ["0002", "李四", "一组", "-2", "贫困户"],
        ["0003", "王五", "二组", "3", "富裕户"],
        ["0001", "赵六", "二组", "2", "一般户"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, *v)?;
        }
    }
    book.save(&path)?;
    let before = s.fingerprint()?;
    let msg = s.refused(&["household", "import", path.to_str().ok_or("path")?])?;
    for cell in ["花名册!D3", "花名册!E4", "花名册!A5"] {
        assert!(msg.contains(cell), "names {cell}: {msg}");
    }
    assert_eq!(before, s.fingerprint()?, "nothing was imported");
    let missing = s.refused(&["household", "import", "没有这个文件.xlsx"])?;
    assert!(missing.contains("没有这个文件.xlsx"), "{missing}");
    Ok(())
}

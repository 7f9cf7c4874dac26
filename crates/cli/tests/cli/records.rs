//! init, village, and the record commands.

use crate::common::{Sandbox, TestResult};

fn with_village() -> TestResult<Sandbox> {
    let s = Sandbox::new()?;
    s.ok(&[
        "init",
        "--code",
        "513431100201",
        "--name",
        "青岗村",
        "--township",
        "示例乡",
        "--county",
        "示例县",
    ])?;
    Ok(s)
}

#[test]
fn init_then_show_and_set_the_village() -> TestResult {
    let s = with_village()?;
    s.ok(&[
        "village",
        "set",
        "population=400",
        "household_count=100",
        "main_crops=玉米、土豆",
        "key_poor_village=是",
    ])?;
    let v = s.ok(&["--json", "village", "show"])?.json()?;
    assert_eq!(v["code"], "513431100201");
    assert_eq!(v["name"], "青岗村");
    assert_eq!(v["county"], "示例县");
    assert_eq!(v["population"], 400);
    assert_eq!(v["main_crops"], "玉米、土豆");
    assert_eq!(v["key_poor_village"], true);
    let human = s.ok(&["village", "show"])?.stdout;
    assert!(
        human.contains("村名") && human.contains("青岗村"),
        "{human}"
    );
    let msg = s.refused(&["init", "--code", "513431100202", "--name", "别村"])?;
    assert!(msg.contains("青岗村"), "{msg}");
    Ok(())
}

#[test]
fn refusals_name_the_field_and_change_nothing() -> TestResult {
    let s = with_village()?;
    s.ok(&[
        "group",
        "add",
        "name=一组",
        "household_count=40",
        "population=160",
        "road=土路",
    ])?;
    s.ok(&[
        "household",
        "add",
        "code=0001",
        "head_name=张三",
        "group=一组",
        "size=4",
        "status=贫困户",
        "primary_cause=因病",
    ])?;
    let before = s.fingerprint()?;
    let msg = s.refused(&["household", "add", "code=0002", "head_name=李四", "size=-1"])?;
    assert!(msg.contains("size") && msg.contains("-1"), "{msg}");
    let msg = s.refused(&[
        "household",
        "add",
        "code=0002",
        "head_name=李四",
        "group=九组",
    ])?;
    assert!(msg.contains("九组"), "{msg}");
    let msg = s.refused(&[
        "household",
        "set",
        "0001",
        "lifted_year=2010",
        "identified_year=2015",
    ])?;
    assert!(msg.contains("lifted_year"), "{msg}");
    let msg = s.refused(&["village", "set", "code=123"])?;
    assert!(msg.contains("code") && msg.contains("123"), "{msg}");
    let msg = s.refused(&["household", "add", "code=0001", "head_name=重复"])?;
    assert!(msg.contains("0001"), "{msg}");
    let msg = s.refused(&["group", "rm", "一组"])?;
    assert!(msg.contains("一组"), "{msg}");
    assert_eq!(before, s.fingerprint()?);
    Ok(())
}

#[test]
fn english_on_request() -> TestResult {
    let s = with_village()?;
    let out = s
        .command(&[
            "household",
            "add",
            "code=0002",
            "head_name=李四",
            "status=富裕户",
        ])
        .env("ZHUCUN_LANG", "en")
        .output()?;
    assert_eq!(out.status.code(), Some(1));
    let msg = String::from_utf8(out.stderr)?;
    assert!(msg.starts_with("Field status"), "{msg}");
    Ok(())
}

#[test]
fn usage_errors_exit_2() -> TestResult {
    let s = with_village()?;
    assert_eq!(s.run(&["household", "add", "code"])?.code, 2);
    assert_eq!(s.run(&["frobnicate"])?.code, 2);
    assert_eq!(s.run(&["stats", "--bogus"])?.code, 2);
    assert_eq!(s.run(&["--help"])?.code, 0);
    let help = s.ok(&["household", "add", "--help"])?.stdout;
    assert!(
        help.contains("head_name") && help.contains("id_card"),
        "{help}"
    );
    Ok(())
}

#[test]
fn add_list_set_rm_round_trip() -> TestResult {
    let s = with_village()?;
    s.ok(&["group", "add", "name=一组"])?;
    let id = s
        .ok(&[
            "household",
            "add",
            "code=0001",
            "head_name=张三",
            "group=一组",
            "size=4",
            "other_causes=缺水，缺技术",
        ])?
        .stdout
        .trim()
        .to_string();
    assert_eq!(id.len(), 36, "prints the id: {id}");
    s.ok(&[
        "household",
        "set",
        &id,
        "size=5",
        "status=监测户",
        "monitoring_type=边缘易致贫户",
    ])?;
    let list = s.ok(&["--json", "household", "list"])?.json()?;
    let h = &list[0];
    assert_eq!(h["id"], id.as_str());
    assert_eq!(h["code"], "0001");
    assert_eq!(h["group"], "一组");
    assert_eq!(h["size"], 5);
    assert_eq!(h["other_causes"], "缺水、缺技术");
    s.ok(&["household", "rm", "0001"])?;
    assert_eq!(
        s.ok(&["--json", "household", "list"])?.json()?,
        serde_json::json!([])
    );
    Ok(())
}

#[test]
fn list_by_period() -> TestResult {
    let s = with_village()?;
    s.ok(&["log", "add", "date=2026-10-31", "content=开会"])?;
    s.ok(&[
        "log",
        "add",
        "date=2026-11-01",
        "in_village=否",
        "away_reason=到县里开会",
    ])?;
    let nov = s
        .ok(&["--json", "log", "list", "--period", "2026-11"])?
        .json()?;
    assert_eq!(nov.as_array().map(Vec::len), Some(1));
    assert_eq!(nov[0]["in_village"], false);
    let msg = s.refused(&["log", "list", "--period", "2026-1"])?;
    assert!(msg.contains("2026-1"), "{msg}");
    Ok(())
}

#[test]
fn the_default_database_is_in_the_user_data_dir() -> TestResult {
    let s = Sandbox::new()?;
    let out = s
        .command(&["init", "--code", "513431100201", "--name", "青岗村"])
        .env_remove("ZHUCUN_DB")
        .output()?;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(s.path("xdg/zhucun/zhucun.sqlite").exists());
    Ok(())
}

#[test]
fn a_reader_that_stops_early_is_no_crash() -> TestResult {
    let s = with_village()?;
    for i in 0..300 {
        s.ok(&["group", "add", &format!("name=第{i}组")])?;
    }
    let mut child = s
        .command(&["group", "list"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    // Close the reading end at once, as `| head -0` would.
    drop(child.stdout.take());
    let out = child.wait_with_output()?;
    let stderr = String::from_utf8(out.stderr)?;
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    Ok(())
}

#[test]
fn a_disbursement_shows_its_funding_line_by_name() -> TestResult {
    let s = with_village()?;
    s.ok(&["intervention", "add", "category=基础设施", "title=通组路"])?;
    let fund = s
        .ok(&[
            "fund",
            "add",
            "intervention=通组路",
            "source=县级",
            "amount=1000",
        ])?
        .stdout;
    s.ok(&[
        "disbursement",
        "add",
        &format!("fund={}", fund.trim()),
        "date=2026-11-02",
        "amount=250.5",
    ])?;
    let list = s
        .ok(&["--json", "disbursement", "list", "--period", "2026-11"])?
        .json()?;
    assert_eq!(list[0]["fund"], "通组路·县级");
    assert_eq!(list[0]["amount"], 250.5);
    Ok(())
}

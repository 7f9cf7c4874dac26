//! Every validation rule, each with an input it refuses: the error names the field, and the
//! database is left exactly as it was.

use zhucun_core::records::{self, schema, Table};
use zhucun_core::rusqlite::Connection;
use zhucun_core::{village, Error, Lang};

use crate::common::{db, pairs, snapshot, TestResult};

/// A database with a village, one group, one household, an intervention with a funding line of
/// 1,000 元 (600 disbursed), and a pairing for the 2026 school year.
fn seeded() -> TestResult<Connection> {
    let mut conn = db()?;
    village::init(
        &mut conn,
        &pairs(&[
            ("code", "513431100201"),
            ("name", "青岗村"),
            ("household_count", "100"),
            ("population", "400"),
        ]),
    )?;
    records::add(&mut conn, &schema::GROUP, &pairs(&[("name", "一组")]))?;
    records::add(
        &mut conn,
        &schema::HOUSEHOLD,
        &pairs(&[
            ("code", "0001"),
            ("head_name", "张三"),
            ("group", "一组"),
            ("size", "4"),
        ]),
    )?;
    records::add(
        &mut conn,
        &schema::INTERVENTION,
        &pairs(&[
            ("category", "基础设施"),
            ("title", "通组路"),
            ("start", "2026-03-01"),
        ]),
    )?;
    let fund = records::add(
        &mut conn,
        &schema::FUND,
        &pairs(&[
            ("intervention", "通组路"),
            ("source", "中央"),
            ("amount", "1000"),
        ]),
    )?;
    records::add(
        &mut conn,
        &schema::DISBURSEMENT,
        &pairs(&[("fund", &fund), ("date", "2026-04-01"), ("amount", "600")]),
    )?;
    records::add(
        &mut conn,
        &schema::PAIRING,
        &pairs(&[("base_school", "中心校"), ("school_year", "2026")]),
    )?;
    Ok(conn)
}

/// Adds a record that must be refused with `code` on `field`; checks nothing changed.
fn refused_add(
    conn: &mut Connection,
    table: &Table,
    input: &[(&str, &str)],
    code: &str,
    field: &str,
) -> TestResult {
    let before = snapshot(conn)?;
    let err = records::add(conn, table, &pairs(input)).expect_err("must be refused");
    check_error(&err, code, field, input)?;
    assert_eq!(before, snapshot(conn)?, "{input:?} changed the database");
    Ok(())
}

/// Changes a record in a way that must be refused.
fn refused_set(
    conn: &mut Connection,
    table: &Table,
    key: &str,
    input: &[(&str, &str)],
    code: &str,
    field: &str,
) -> TestResult {
    let before = snapshot(conn)?;
    let err = records::set(conn, table, key, &pairs(input)).expect_err("must be refused");
    check_error(&err, code, field, input)?;
    assert_eq!(before, snapshot(conn)?, "{input:?} changed the database");
    Ok(())
}

fn check_error(err: &Error, code: &str, field: &str, input: &[(&str, &str)]) -> TestResult {
    assert_eq!(err.code(), code, "{input:?}: {err}");
    let zh = err.message(Lang::Zh);
    let en = err.message(Lang::En);
    assert!(
        zh.contains(field),
        "{input:?}: “{zh}” does not name {field}"
    );
    assert!(
        en.contains(field),
        "{input:?}: “{en}” does not name {field}"
    );
    assert_ne!(zh, en);
    if let Error::InvalidField { field: f, .. } = err {
        assert_eq!(f, field, "{input:?}");
    }
    Ok(())
}

#[test]
fn single_values_are_refused_with_the_field_named() -> TestResult {
    let mut conn = seeded()?;
    let h = &schema::HOUSEHOLD;
    let base = [("code", "0002"), ("head_name", "李四")];
    let cases: &[(&str, &str)] = &[
        ("size", "-1"),
        ("size", "2.5"),
        ("size", "四"),
        ("status", "富裕户"),
        ("monitoring_type", "不知道"),
        ("identified_year", "1800"),
        ("lifted_year", "二〇一九"),
        ("primary_cause", "因懒"),
        ("other_causes", "因病、因懒"),
        ("income_per_capita", "-100"),
        ("income_per_capita", "很多"),
        ("id_card", "12345"),
        ("id_card", "110105194912310021"),
        ("id_card", "11010519491331002X"),
        ("code", "00 01"),
        ("code", "=1+1"),
    ];
    for (field, value) in cases {
        let mut input = base.to_vec();
        input.push((field, value));
        refused_add(&mut conn, h, &input, "invalid_field", field)?;
    }
    Ok(())
}

#[test]
fn every_taxonomy_refuses_an_unknown_label() -> TestResult {
    let mut conn = seeded()?;
    refused_add(
        &mut conn,
        &schema::GROUP,
        &[("name", "二组"), ("road", "高速公路")],
        "invalid_field",
        "road",
    )?;
    refused_add(
        &mut conn,
        &schema::CAUSE,
        &[("category", "天灾"), ("description", "x")],
        "invalid_field",
        "category",
    )?;
    refused_add(
        &mut conn,
        &schema::INTERVENTION,
        &[("category", "修路"), ("title", "x")],
        "invalid_field",
        "category",
    )?;
    refused_add(
        &mut conn,
        &schema::INTERVENTION,
        &[
            ("category", "基础设施"),
            ("title", "x"),
            ("status", "完成了"),
        ],
        "invalid_field",
        "status",
    )?;
    refused_add(
        &mut conn,
        &schema::FUND,
        &[
            ("intervention", "通组路"),
            ("source", "银行"),
            ("amount", "1"),
        ],
        "invalid_field",
        "source",
    )?;
    refused_add(
        &mut conn,
        &schema::ACTIVITY,
        &[
            ("pairing", "中心校"),
            ("date", "2026-10-10"),
            ("type", "郊游"),
            ("title", "x"),
        ],
        "invalid_field",
        "type",
    )?;
    refused_add(
        &mut conn,
        &schema::ACTIVITY,
        &[
            ("pairing", "中心校"),
            ("date", "2026-10-10"),
            ("type", "座谈会"),
            ("title", "x"),
            ("status", "延期"),
        ],
        "invalid_field",
        "status",
    )?;
    refused_add(
        &mut conn,
        &schema::LOG,
        &[("date", "2026-10-10"), ("category", "休息")],
        "invalid_field",
        "category",
    )?;
    Ok(())
}

#[test]
fn dates_booleans_months_and_codes_are_checked() -> TestResult {
    let mut conn = seeded()?;
    refused_add(
        &mut conn,
        &schema::VISIT,
        &[
            ("date", "2026-02-30"),
            ("household", "0001"),
            ("purpose", "x"),
        ],
        "invalid_field",
        "date",
    )?;
    refused_add(
        &mut conn,
        &schema::LOG,
        &[("date", "2026-10-10"), ("in_village", "也许")],
        "invalid_field",
        "in_village",
    )?;
    refused_add(
        &mut conn,
        &schema::ACTIVITY,
        &[
            ("pairing", "中心校"),
            ("month", "2026-13"),
            ("type", "座谈会"),
            ("title", "x"),
        ],
        "invalid_field",
        "month",
    )?;
    refused_add(
        &mut conn,
        &schema::YEAR,
        &[("year", "2016"), ("gdp", "-5")],
        "invalid_field",
        "gdp",
    )?;
    refused_set(
        &mut conn,
        &schema::VILLAGE,
        "青岗村",
        &[("code", "51343110020")],
        "invalid_field",
        "code",
    )?;
    refused_set(
        &mut conn,
        &schema::VILLAGE,
        "青岗村",
        &[("code", "993431100201")],
        "invalid_field",
        "code",
    )?;
    refused_set(
        &mut conn,
        &schema::VILLAGE,
        "青岗村",
        &[("code", "51343110020a")],
        "invalid_field",
        "code",
    )?;
    refused_set(
        &mut conn,
        &schema::VILLAGE,
        "青岗村",
        &[("key_poor_village", "对")],
        "invalid_field",
        "key_poor_village",
    )?;
    refused_set(
        &mut conn,
        &schema::VILLAGE,
        "青岗村",
        &[("secretary_phone", "call me")],
        "invalid_field",
        "secretary_phone",
    )?;
    refused_set(
        &mut conn,
        &schema::VILLAGE,
        "青岗村",
        &[("area_km2", "-9.6")],
        "invalid_field",
        "area_km2",
    )?;
    Ok(())
}

#[test]
fn required_fields_unknown_fields_and_references() -> TestResult {
    let mut conn = seeded()?;
    refused_add(
        &mut conn,
        &schema::HOUSEHOLD,
        &[("code", "0009")],
        "invalid_field",
        "head_name",
    )?;
    refused_set(
        &mut conn,
        &schema::HOUSEHOLD,
        "0001",
        &[("head_name", "")],
        "invalid_field",
        "head_name",
    )?;
    refused_add(
        &mut conn,
        &schema::HOUSEHOLD,
        &[("code", "0009"), ("head_nam", "王五")],
        "unknown_field",
        "head_nam",
    )?;
    let err = records::add(
        &mut conn,
        &schema::HOUSEHOLD,
        &pairs(&[("head_nam", "王五")]),
    )
    .expect_err("unknown field");
    assert!(
        err.message(Lang::Zh).contains("head_name"),
        "suggests the right name: {err}"
    );
    refused_add(
        &mut conn,
        &schema::HOUSEHOLD,
        &[("code", "0009"), ("head_name", "王五"), ("group", "九组")],
        "not_found",
        "九组",
    )?;
    refused_add(
        &mut conn,
        &schema::VISIT,
        &[("date", "2026-10-01"), ("purpose", "走访")],
        "invalid_field",
        "household",
    )?;
    Ok(())
}

#[test]
fn cross_field_rules() -> TestResult {
    let mut conn = seeded()?;
    // People ≥ households, for the village and for a group.
    refused_set(
        &mut conn,
        &schema::VILLAGE,
        "青岗村",
        &[("population", "50")],
        "invalid_field",
        "household_count",
    )?;
    refused_add(
        &mut conn,
        &schema::GROUP,
        &[
            ("name", "二组"),
            ("household_count", "30"),
            ("population", "20"),
        ],
        "invalid_field",
        "household_count",
    )?;
    refused_add(
        &mut conn,
        &schema::GROUP,
        &[
            ("name", "二组"),
            ("household_count", "30"),
            ("population", "90"),
            ("safe_water_households", "31"),
        ],
        "invalid_field",
        "safe_water_households",
    )?;
    // Poor households ≤ households (the village's), and ≤ poor people.
    refused_add(
        &mut conn,
        &schema::YEAR,
        &[("year", "2016"), ("poor_households", "101")],
        "invalid_field",
        "poor_households",
    )?;
    refused_add(
        &mut conn,
        &schema::YEAR,
        &[
            ("year", "2016"),
            ("poor_households", "54"),
            ("poor_population", "50"),
        ],
        "invalid_field",
        "poor_households",
    )?;
    records::add(
        &mut conn,
        &schema::YEAR,
        &pairs(&[("year", "2016"), ("poor_households", "54")]),
    )?;
    refused_set(
        &mut conn,
        &schema::VILLAGE,
        "青岗村",
        &[("household_count", "40")],
        "invalid_field",
        "household_count",
    )?;
    // Lifted year ≥ identified year; size ≥ 1; a monitoring type only for a 监测户.
    refused_set(
        &mut conn,
        &schema::HOUSEHOLD,
        "0001",
        &[("identified_year", "2016"), ("lifted_year", "2015")],
        "invalid_field",
        "lifted_year",
    )?;
    refused_set(
        &mut conn,
        &schema::HOUSEHOLD,
        "0001",
        &[("size", "0")],
        "invalid_field",
        "size",
    )?;
    refused_set(
        &mut conn,
        &schema::HOUSEHOLD,
        "0001",
        &[("monitoring_type", "边缘易致贫户")],
        "invalid_field",
        "monitoring_type",
    )?;
    records::set(
        &mut conn,
        &schema::HOUSEHOLD,
        "0001",
        &pairs(&[("status", "监测户"), ("monitoring_type", "边缘易致贫户")]),
    )?;
    // Codes are unique among live households.
    refused_add(
        &mut conn,
        &schema::HOUSEHOLD,
        &[("code", "0001"), ("head_name", "王五")],
        "invalid_field",
        "code",
    )?;
    // An intervention ends after it starts.
    refused_set(
        &mut conn,
        &schema::INTERVENTION,
        "通组路",
        &[("end", "2026-01-01")],
        "invalid_field",
        "end",
    )?;
    // Disbursements never exceed their funding line, and a line never drops below them.
    let fund = records::list(&conn, &schema::FUND, None)?.remove(0).id;
    refused_add(
        &mut conn,
        &schema::DISBURSEMENT,
        &[
            ("fund", &fund),
            ("date", "2026-05-01"),
            ("amount", "400.01"),
        ],
        "invalid_field",
        "amount",
    )?;
    records::add(
        &mut conn,
        &schema::DISBURSEMENT,
        &pairs(&[("fund", &fund), ("date", "2026-05-01"), ("amount", "400")]),
    )?;
    refused_set(
        &mut conn,
        &schema::FUND,
        &fund,
        &[("amount", "999.99")],
        "invalid_field",
        "amount",
    )?;
    refused_add(
        &mut conn,
        &schema::DISBURSEMENT,
        &[("fund", &fund), ("date", "2026-05-01"), ("amount", "0")],
        "invalid_field",
        "amount",
    )?;
    // An activity lies inside its pairing's school year (2026-09-01 .. 2027-08-31).
    refused_add(
        &mut conn,
        &schema::ACTIVITY,
        &[
            ("pairing", "中心校"),
            ("date", "2026-08-31"),
            ("type", "启动仪式"),
            ("title", "启动"),
        ],
        "invalid_field",
        "date",
    )?;
    refused_add(
        &mut conn,
        &schema::ACTIVITY,
        &[
            ("pairing", "中心校"),
            ("month", "2027-09"),
            ("type", "座谈会"),
            ("title", "x"),
        ],
        "invalid_field",
        "month",
    )?;
    records::add(
        &mut conn,
        &schema::ACTIVITY,
        &pairs(&[
            ("pairing", "中心校"),
            ("date", "2026-09-01"),
            ("type", "启动仪式"),
            ("title", "启动"),
        ]),
    )?;
    refused_set(
        &mut conn,
        &schema::PAIRING,
        "中心校",
        &[("school_year", "2027")],
        "invalid_field",
        "school_year",
    )?;
    // A day away from the village says why.
    refused_add(
        &mut conn,
        &schema::LOG,
        &[("date", "2026-10-02"), ("in_village", "否")],
        "invalid_field",
        "away_reason",
    )?;
    Ok(())
}

#[test]
fn records_in_use_cannot_be_removed_and_a_village_is_made_once() -> TestResult {
    let mut conn = seeded()?;
    let before = snapshot(&conn)?;
    let err = records::remove(&mut conn, &schema::GROUP, "一组").expect_err("in use");
    assert_eq!(err.code(), "conflict");
    assert!(err.message(Lang::Zh).contains("一组"));
    let err = village::init(
        &mut conn,
        &pairs(&[("code", "513431100202"), ("name", "别村")]),
    )
    .expect_err("one village");
    assert_eq!(err.code(), "conflict");
    assert_eq!(before, snapshot(&conn)?);
    // Once the household is gone, the group may go; both stay as tombstones.
    records::remove(&mut conn, &schema::HOUSEHOLD, "0001")?;
    records::remove(&mut conn, &schema::GROUP, "一组")?;
    let tombstones: i64 =
        conn.query_row("SELECT count(*) FROM groups WHERE deleted = 1", [], |r| {
            r.get(0)
        })?;
    assert_eq!(tombstones, 1);
    assert_eq!(
        records::remove(&mut conn, &schema::GROUP, "一组")
            .unwrap_err()
            .code(),
        "not_found"
    );
    Ok(())
}

#[test]
fn every_change_is_stamped_and_audited() -> TestResult {
    let mut conn = seeded()?;
    let id = records::add(
        &mut conn,
        &schema::HOUSEHOLD,
        &pairs(&[
            ("code", "0100"),
            ("head_name", "赵六"),
            ("id_card", "11010519491231002X"),
        ]),
    )?;
    let first: String =
        conn.query_row("SELECT clock FROM households WHERE id = ?1", [&id], |r| {
            r.get(0)
        })?;
    records::set(&mut conn, &schema::HOUSEHOLD, &id, &pairs(&[("size", "3")]))?;
    let (second, device): (String, String) = conn.query_row(
        "SELECT clock, device FROM households WHERE id = ?1",
        [&id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    assert!(second > first, "the clock moves forward");
    assert_eq!(device, zhucun_core::store::hlc::device_id(&conn)?);
    assert_eq!(uuid_version(&id), Some('7'));
    let audit: Vec<(String, Option<String>, Option<String>)> = conn
        .prepare("SELECT action, field, new FROM audit_log WHERE record_id = ?1 ORDER BY seq")?
        .query_map([&id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[0].0, "insert");
    assert!(
        !audit[0]
            .2
            .as_deref()
            .unwrap_or("")
            .contains("11010519491231002X"),
        "ID numbers are masked"
    );
    assert_eq!(
        (
            audit[1].0.as_str(),
            audit[1].1.as_deref(),
            audit[1].2.as_deref()
        ),
        ("update", Some("size"), Some("3"))
    );
    // Listing masks the ID number too.
    let shown = records::view(&conn, &schema::HOUSEHOLD, "0100")?;
    assert_eq!(shown.get("id_card").to_text(), "110105********002X");
    Ok(())
}

fn uuid_version(id: &str) -> Option<char> {
    id.chars().nth(14)
}

#[test]
fn messages_come_in_english_on_request() -> TestResult {
    let mut conn = seeded()?;
    let err = records::add(
        &mut conn,
        &schema::HOUSEHOLD,
        &pairs(&[("code", "0003"), ("head_name", "x"), ("size", "-2")]),
    )
    .expect_err("negative");
    assert_eq!(
        err.message(Lang::En),
        "Field size: “-2” must not be negative"
    );
    assert_eq!(err.message(Lang::Zh), "字段 size 的值“-2”不能为负数");
    Ok(())
}

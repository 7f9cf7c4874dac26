//! Villages send signed returns; the county consolidates them.

use crate::common::{Sandbox, TestResult};

fn arg(p: &std::path::Path) -> TestResult<&str> {
    Ok(p.to_str().ok_or("path")?)
}

/// A village with its own key, its public key exported to `county`'s folder.
fn village(code: &str, name: &str, county: &Sandbox) -> TestResult<Sandbox> {
    let v = Sandbox::new()?;
    v.ok(&["init", "--code", code, "--name", name])?;
    v.ok(&["village", "set", "household_count=100", "population=420"])?;
    v.ok(&[
        "group",
        "add",
        "name=一组",
        "household_count=100",
        "population=420",
    ])?;
    v.ok(&[
        "visit",
        "add",
        "date=2026-11-03",
        "group=一组",
        "purpose=走访",
    ])?;
    v.ok(&["log", "add", "date=2026-11-03", "content=入户走访"])?;
    v.ok(&["keys", "init", "--name", name, "--role", "village"])?;
    let public = county.path(&format!("{code}.pub"));
    v.ok(&["keys", "export", "--out", arg(&public)?])?;
    county.ok(&[
        "keys",
        "trust",
        arg(&public)?,
        "--role",
        "village",
        "--name",
        name,
    ])?;
    Ok(v)
}

#[test]
fn returns_from_villages_merge_at_the_county() -> TestResult {
    let county = Sandbox::new()?;
    let a = village("513431100201", "甲村", &county)?;
    let b = village("513431100202", "乙村", &county)?;
    let mut bundles = Vec::new();
    for (v, name) in [(&a, "a.zip"), (&b, "b.zip")] {
        let out = county.path(name);
        v.ok(&[
            "bundle",
            "export",
            "--kind",
            "return",
            "--period",
            "2026-11",
            "--out",
            arg(&out)?,
        ])?;
        bundles.push(out);
    }
    // A third bundle, tampered on the way.
    let mut bytes = std::fs::read(&bundles[1])?;
    let at = bytes.len() / 2;
    bytes[at] ^= 0xFF;
    let bad = county.path("坏.zip");
    std::fs::write(&bad, bytes)?;

    let out = county.path("汇总.xlsx");
    let run = county.run(&[
        "--json",
        "county",
        "merge",
        "--template",
        "zhucun-default",
        "--out",
        arg(&out)?,
        arg(&bundles[0])?,
        arg(&bundles[1])?,
        arg(&bad)?,
    ])?;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains("坏.zip"),
        "names the refused bundle: {}",
        run.stderr
    );
    let report = run.json()?;
    assert_eq!(report["villages"].as_array().map(Vec::len), Some(2));
    assert_eq!(report["refused"].as_array().map(Vec::len), Some(1));
    assert!(out.exists());
    // Nothing usable is a refusal, not an empty workbook.
    let none = county.run(&[
        "county",
        "merge",
        "--template",
        "zhucun-default",
        "--out",
        arg(&county.path("空.xlsx"))?,
        arg(&bad)?,
    ])?;
    assert_eq!(none.code, 1, "{none:?}");
    assert!(none.stderr.contains("没有可汇总的月报"), "{}", none.stderr);
    // Receiving a return at the county records it once.
    county.ok(&["bundle", "import", arg(&bundles[0])?])?;
    let again = county.ok(&["bundle", "import", arg(&bundles[0])?])?.stdout;
    assert!(again.contains("未作改动"), "{again}");
    Ok(())
}

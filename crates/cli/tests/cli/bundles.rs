//! keys and bundles between a county office and a village, each in its own folder.

use crate::common::{sample, Sandbox, TestResult};

fn arg(p: &std::path::Path) -> TestResult<&str> {
    Ok(p.to_str().ok_or("path")?)
}

#[test]
fn the_sample_template_bundle_needs_an_explicit_trust() -> TestResult {
    let village = Sandbox::new()?;
    let zip = sample("bundles/template_bundle.zip");
    let msg = village.refused(&["bundle", "verify", arg(&zip)?])?;
    assert!(
        msg.contains("4BE8208489B2DB36") && msg.contains('3'),
        "{msg}"
    );
    // Trusted as a village key, it may not bring templates.
    let pubkey = sample("bundles/test-county.pub");
    village.ok(&["keys", "trust", arg(&pubkey)?, "--role", "village"])?;
    let msg = village.refused(&["bundle", "import", arg(&zip)?])?;
    assert!(msg.contains('3'), "{msg}");
    village.ok(&[
        "keys",
        "trust",
        arg(&pubkey)?,
        "--role",
        "county",
        "--name",
        "示例县",
    ])?;
    let listed = village.ok(&["--json", "keys", "list"])?.json()?;
    assert_eq!(listed[0]["key_id"], "4BE8208489B2DB36");
    assert_eq!(listed[0]["role"], "county");
    let verified = village
        .ok(&["--json", "bundle", "verify", arg(&zip)?])?
        .json()?;
    assert_eq!(verified["manifest"]["kind"], "template");
    village.ok(&["bundle", "import", arg(&zip)?])?;
    let before = village.ok(&["--json", "template", "list"])?.json()?;
    assert_eq!(before[0]["id"], "sample-monthly");
    // The same bundle twice changes nothing.
    village.ok(&["template", "import", arg(&zip)?])?;
    assert_eq!(before, village.ok(&["--json", "template", "list"])?.json()?);
    Ok(())
}

#[test]
fn a_county_signs_a_template_and_a_village_receives_it() -> TestResult {
    let county = Sandbox::new()?;
    let village = Sandbox::new()?;
    let shown = county
        .ok(&[
            "--json",
            "keys",
            "init",
            "--name",
            "示例县乡村振兴局",
            "--role",
            "county",
        ])?
        .json()?;
    let key_id = shown["key_id"].as_str().ok_or("key id")?.to_string();
    assert_eq!(key_id.len(), 16);
    assert_eq!(
        county.ok(&["--json", "keys", "show"])?.json()?["fingerprint"],
        shown["fingerprint"]
    );
    let msg = county.refused(&["keys", "init", "--name", "again", "--role", "county"])?;
    assert!(!msg.is_empty());
    let pubkey = county.path("county.pub");
    county.ok(&["keys", "export", "--out", arg(&pubkey)?])?;
    let text = std::fs::read_to_string(&pubkey)?;
    assert!(
        text.starts_with("untrusted comment: minisign public key"),
        "{text}"
    );
    let zip = county.path("模板.zip");
    let template = sample("templates/sample_monthly.xlsx");
    county.ok(&[
        "bundle",
        "export",
        "--kind",
        "template",
        "--template",
        arg(&template)?,
        "--out",
        arg(&zip)?,
    ])?;

    let msg = village.refused(&["bundle", "import", arg(&zip)?])?;
    assert!(msg.contains(&key_id), "{msg}");
    village.ok(&["keys", "trust", arg(&pubkey)?, "--role", "county"])?;
    village.ok(&["bundle", "import", arg(&zip)?])?;
    let list = village.ok(&["--json", "template", "list"])?.json()?;
    assert_eq!(list[0]["id"], "sample-monthly");
    // A tampered copy is refused, naming the step, and changes nothing.
    let mut bytes = std::fs::read(&zip)?;
    let at = bytes.len() / 2;
    bytes[at] ^= 0x55;
    let bad = village.path("坏.zip");
    std::fs::write(&bad, bytes)?;
    let msg = village.refused(&["bundle", "import", arg(&bad)?])?;
    assert!(msg.contains("第"), "{msg}");
    assert_eq!(list, village.ok(&["--json", "template", "list"])?.json()?);
    Ok(())
}

#[test]
fn usage_of_keys_and_bundles() -> TestResult {
    let s = Sandbox::new()?;
    assert_eq!(
        s.run(&["keys", "init", "--name", "x", "--role", "town"])?
            .code,
        2
    );
    assert_eq!(
        s.run(&["bundle", "export", "--kind", "template", "--out", "x.zip"])?
            .code,
        2
    );
    let msg = s.refused(&["keys", "show"])?;
    assert!(!msg.is_empty());
    Ok(())
}

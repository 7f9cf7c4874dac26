//! Two laptops of one village team keep each other's records by sync bundles.

use crate::common::{Sandbox, TestResult};

fn arg(p: &std::path::Path) -> TestResult<&str> {
    Ok(p.to_str().ok_or("path")?)
}

#[test]
fn two_laptops_exchange_sync_bundles() -> TestResult {
    let a = Sandbox::new()?;
    let b = Sandbox::new()?;
    a.ok(&["demo"])?;
    b.ok(&["init", "--code", "513431215203", "--name", "特补乃吾村"])?;
    for (me, other, name) in [(&a, &b, "a"), (&b, &a, "b")] {
        me.ok(&["keys", "init", "--name", name, "--role", "village"])?;
        let public = other.path(&format!("{name}.pub"));
        me.ok(&["keys", "export", "--out", arg(&public)?])?;
        other.ok(&["keys", "trust", arg(&public)?, "--role", "village"])?;
    }
    let full = b.path("a-full.zip");
    a.ok(&[
        "bundle",
        "export",
        "--kind",
        "sync",
        "--full",
        "--out",
        arg(&full)?,
    ])?;
    b.ok(&["bundle", "import", arg(&full)?])?;
    let households = b.ok(&["--json", "household", "list"])?.json()?;
    assert_eq!(households.as_array().map(Vec::len), Some(227));
    // The same bundle twice changes nothing.
    let before = b.fingerprint()?;
    b.ok(&["bundle", "import", arg(&full)?])?;
    assert_eq!(before, b.fingerprint()?);

    // A change on B travels back to A.
    b.ok(&["household", "set", "0101", "size=6"])?;
    let delta = a.path("b-delta.zip");
    b.ok(&["bundle", "export", "--kind", "sync", "--out", arg(&delta)?])?;
    a.ok(&["bundle", "import", arg(&delta)?])?;
    let shown = a.ok(&["--json", "household", "show", "0101"])?.json()?;
    assert_eq!(shown["size"], 6);
    assert_eq!(
        a.ok(&["--json", "conflicts", "list"])?.json()?,
        serde_json::json!([])
    );
    Ok(())
}

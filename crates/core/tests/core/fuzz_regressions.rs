//! What the fuzz targets (`fuzz/`, see its README) found, and the seeds they start from: every
//! file of `fuzz_regressions/` goes through `bundle::verify`, with and without the local
//! village, and must come back — no panic, not even in making the refusal's message. A file
//! named `*.ok.zip` must be accepted (given the local village), any other refused at a step.
//!
//! The receiver is the fuzz targets' own: a village's keys folder whose keyring trusts the
//! shared sample county key and the fuzz key `county` as county keys and the fuzz key `peer` as
//! a village key (`fuzz/keys/`), so an input behaves here as it did while fuzzing.
//!
//! A crash the fuzzer finds goes into the folder, minimised and named after the bug, with a
//! test of its own below, named the same.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use zhucun_core::bundle;
use zhucun_core::keys::{self, Role};
use zhucun_core::{DivisionCode, Error, Lang};

use crate::common::TestResult;
use crate::keys::SAMPLE_COUNTY_PUB;

const FOLDER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/core/fuzz_regressions");
const FUZZ_KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/keys");
const VILLAGE_CODE: &str = "513433100201";

/// The receiving laptop of the fuzz targets.
struct Receiver {
    _dir: tempfile::TempDir,
    keys: PathBuf,
    village: DivisionCode,
}

fn receiver() -> TestResult<Receiver> {
    let dir = tempfile::tempdir()?;
    let keys = dir.path().join("village-keys");
    keys::init(&keys, "模糊测试村", Role::Village)?;
    keys::trust(&keys, Path::new(SAMPLE_COUNTY_PUB), Role::County, None)?;
    let fuzz_keys = Path::new(FUZZ_KEYS);
    keys::trust(&keys, &fuzz_keys.join("county.pub"), Role::County, None)?;
    keys::trust(&keys, &fuzz_keys.join("peer.pub"), Role::Village, None)?;
    Ok(Receiver {
        _dir: dir,
        keys,
        village: DivisionCode::parse("village", VILLAGE_CODE)?,
    })
}

/// Verifies the file `name` of the folder as described above.
fn check(r: &Receiver, name: &str) -> TestResult {
    let bytes = std::fs::read(Path::new(FOLDER).join(name))?;
    for village in [Some(&r.village), None] {
        // A refusal's messages are made too, as the CLI and the app show them.
        let result = catch_unwind(AssertUnwindSafe(|| {
            let result = bundle::verify(&bytes, &r.keys, village);
            if let Err(e) = &result {
                let _ = (e.to_string(), e.message(Lang::En));
            }
            result
        }))
        .map_err(|_| format!("{name}: verify panicked"))?;
        if village.is_none() {
            continue;
        }
        match (name.ends_with(".ok.zip"), result) {
            (true, Ok(_)) | (false, Err(Error::BundleRefused { .. })) => {}
            (true, Err(e)) => return Err(format!("{name}: expected accepted, got {e:?}").into()),
            (false, other) => return Err(format!("{name}: expected refused, got {other:?}").into()),
        }
    }
    Ok(())
}

#[test]
fn every_file_in_fuzz_regressions_is_verified_without_a_panic() -> TestResult {
    let r = receiver()?;
    let mut names = Vec::new();
    for entry in std::fs::read_dir(FOLDER)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    assert!(
        names.iter().any(|n| n.ends_with(".ok.zip")),
        "the seeds are missing: {names:?}"
    );
    for name in &names {
        check(&r, name)?;
    }
    Ok(())
}

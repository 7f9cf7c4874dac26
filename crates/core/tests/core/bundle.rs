//! Signed bundles, tested as an attacker would: every byte of the manifest and the signature
//! flipped, payload bytes flipped, unknown and wrongly trusted keys, a manifest naming another
//! signer, legacy signatures, dangerous and duplicate entry names, links and directories,
//! entries that lie about their size, too many or too large entries, broken archives — each
//! refused at the right step with the database byte for byte unchanged. Then interoperation
//! with the `minisign` command, and the shared sample bundle.
//!
//! The `minisign` command (Debian package `minisign`) must be installed.

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value as Json};
use zhucun_core::bundle::{
    self, Applied, BundleProblem, EntryType, Kind, NameFault, NewBundle, SyncRange, TemplateRef,
    VillageRef,
};
use zhucun_core::keys::{self, Role};
use zhucun_core::rusqlite::Connection;
use zhucun_core::template::{self, ImportAction};
use zhucun_core::{store, DivisionCode, Error, Lang, Period};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::common::{pairs, snapshot, TestResult};
use crate::keys::SAMPLE_COUNTY_PUB;

const SAMPLE_TEMPLATE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/samples/templates/sample_monthly.xlsx"
);
const SAMPLE_BUNDLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/samples/bundles/template_bundle.zip"
);
const SAMPLE_COUNTY_KEY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/samples/bundles/test-county.key"
);
const SAMPLE_KEY_ID: &str = "4BE8208489B2DB36";
const VILLAGE_CODE: &str = "513433100201";

/// The database file, its WAL, every row, and whether a backup folder exists.
type State = (Vec<u8>, Vec<u8>, Vec<String>, bool);

/// A change made to a manifest.
type Change = Box<dyn Fn(&mut Json)>;

/// A county office and a village laptop: their keys, the village's database on disk.
struct World {
    dir: tempfile::TempDir,
    county_keys: PathBuf,
    village_keys: PathBuf,
    db_path: PathBuf,
    conn: Connection,
}

impl World {
    fn county_signer(&self) -> TestResult<keys::Signer> {
        Ok(keys::signer(&self.county_keys)?)
    }

    /// What "nothing changed" compares: the database file and its WAL byte for byte, every
    /// row, and whether a backup was made.
    fn state(&self) -> TestResult<State> {
        let wal = PathBuf::from(format!("{}-wal", self.db_path.display()));
        Ok((
            std::fs::read(&self.db_path)?,
            std::fs::read(&wal).unwrap_or_default(),
            snapshot(&self.conn)?,
            self.backups_dir().exists(),
        ))
    }

    fn backups_dir(&self) -> PathBuf {
        self.dir.path().join("village").join("backups")
    }

    fn receive(&self, bytes: &[u8]) -> zhucun_core::Result<bundle::Received> {
        bundle::receive_bytes(&self.conn, &self.village_keys, bytes)
    }

    fn write_file(&self, name: &str, bytes: &[u8]) -> TestResult<PathBuf> {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes)?;
        Ok(path)
    }
}

/// The county has a county key; the village has a village key, a village, and trusts the
/// county's key as county.
fn world() -> TestResult<World> {
    let dir = tempfile::tempdir()?;
    let county_keys = dir.path().join("county").join("keys");
    let db_path = dir.path().join("village").join("zhucun.sqlite");
    let village_keys = keys::dir_beside(&db_path);
    keys::init(&county_keys, "示例县乡村振兴局", Role::County)?;
    keys::init(&village_keys, "青岗村驻村工作队", Role::Village)?;
    let county_pub = dir.path().join("county.pub");
    keys::export(&county_keys, &county_pub)?;
    keys::trust(&village_keys, &county_pub, Role::County, Some("示例县"))?;
    let mut conn = store::open(&db_path)?;
    zhucun_core::village::init(
        &mut conn,
        &pairs(&[("code", VILLAGE_CODE), ("name", "青岗村")]),
    )?;
    Ok(World {
        dir,
        county_keys,
        village_keys,
        db_path,
        conn,
    })
}

/// The county's template bundle of the sample template, as bytes.
fn county_template_bundle(w: &World) -> TestResult<Vec<u8>> {
    let out = w.dir.path().join("template_bundle.zip");
    bundle::export_template(&w.county_keys, Path::new(SAMPLE_TEMPLATE), &out)?;
    Ok(std::fs::read(out)?)
}

/// The entries of an archive, by name, in order.
fn entries_of(bytes: &[u8]) -> TestResult<Vec<(String, Vec<u8>)>> {
    let mut archive = ZipArchive::new(Cursor::new(bytes))?;
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i)?;
        let mut content = Vec::new();
        file.read_to_end(&mut content)?;
        out.push((file.name()?.to_string(), content));
    }
    Ok(out)
}

fn entry<'a>(entries: &'a [(String, Vec<u8>)], name: &str) -> TestResult<&'a [u8]> {
    Ok(entries
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, b)| b.as_slice())
        .ok_or_else(|| format!("no entry {name}"))?)
}

/// An archive of `entries`, stored (uncompressed: quick, and placeholders stay findable).
fn zip_of(entries: &[(&str, &[u8])]) -> TestResult<Vec<u8>> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .unix_permissions(0o644);
    for (name, bytes) in entries {
        zip.start_file(*name, options)?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// Replaces every occurrence of `from` by `to` (same length) and says how many there were.
fn patch(bytes: &mut [u8], from: &[u8], to: &[u8]) -> usize {
    assert_eq!(from.len(), to.len());
    let mut count = 0;
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if bytes.get(i..i + from.len()) == Some(from) {
            if let Some(slot) = bytes.get_mut(i..i + to.len()) {
                slot.copy_from_slice(to);
            }
            count += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    count
}

/// A manifest as JSON, signed by `signer`, zipped with the payload.
fn signed(
    manifest: &Json,
    signer: &keys::Signer,
    payload: &[(&str, &[u8])],
) -> TestResult<Vec<u8>> {
    let json = serde_json::to_vec_pretty(manifest)?;
    let sig = signer.sign(&json, "test")?;
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("manifest.json", json.as_slice()),
        ("manifest.json.minisig", sig.as_bytes()),
    ];
    entries.extend_from_slice(payload);
    zip_of(&entries)
}

/// The step and reason of a refusal.
fn refusal<T: std::fmt::Debug>(result: zhucun_core::Result<T>) -> TestResult<(u8, BundleProblem)> {
    match result {
        Err(Error::BundleRefused { step, reason }) => Ok((step, reason)),
        other => Err(format!("expected a refusal, got {other:?}").into()),
    }
}

/// Receives `bytes`, expects a refusal at `step`, and returns the reason.
fn refused_at(w: &World, bytes: &[u8], step: u8) -> TestResult<BundleProblem> {
    let (got, reason) = refusal(w.receive(bytes))?;
    assert_eq!(got, step, "{reason:?}");
    Ok(reason)
}

#[test]
fn a_county_template_bundle_is_received_once() -> TestResult {
    let w = world()?;
    let bytes = county_template_bundle(&w)?;
    let verified = bundle::verify(&bytes, &w.village_keys, None)?;
    assert_eq!(verified.manifest.kind, Kind::Template);
    assert_eq!(verified.manifest.format, "zhucun-bundle/1");
    assert_eq!(verified.manifest.app, zhucun_core::APP_VERSION);
    assert_eq!(verified.signer.role, Role::County);
    assert_eq!(verified.signer.name, "示例县");
    let payload = verified.payload().ok_or("no payload")?;
    assert_eq!(payload.path, "template.xlsx");
    assert_eq!(payload.bytes, std::fs::read(SAMPLE_TEMPLATE)?);

    let first = w.receive(&bytes)?;
    let Applied::Template(report) = &first.applied else {
        return Err(format!("not a template: {:?}", first.applied).into());
    };
    assert_eq!(report.action, ImportAction::Added);
    assert_eq!(
        (report.template.id.as_str(), report.template.version),
        ("sample-monthly", 1)
    );
    // What `--json` prints.
    let shown: Json = serde_json::to_value(&first)?;
    assert_eq!(shown["applied"]["kind"], "template");
    assert_eq!(shown["manifest"]["kind"], "template");
    let backup = first.backup.as_ref().ok_or("no backup was made")?;
    assert!(backup.starts_with(w.backups_dir()), "{}", backup.display());
    // The backup is the database as it was before: without the county's template.
    let ids = |conn: &zhucun_core::rusqlite::Connection| -> TestResult<Vec<String>> {
        Ok(template::list(conn)?.into_iter().map(|t| t.id).collect())
    };
    let before = store::open(backup)?;
    assert!(!ids(&before)?.contains(&"sample-monthly".to_string()));
    assert!(ids(&w.conn)?.contains(&"sample-monthly".to_string()));

    // The same bundle again changes nothing, and makes no second backup.
    let state = w.state()?;
    let backups = std::fs::read_dir(w.backups_dir())?.count();
    let second = w.receive(&bytes)?;
    let Applied::Template(report) = &second.applied else {
        return Err(format!("not a template: {:?}", second.applied).into());
    };
    assert_eq!(report.action, ImportAction::Unchanged);
    assert_eq!(second.backup, None);
    assert_eq!(w.state()?, state);
    assert_eq!(std::fs::read_dir(w.backups_dir())?.count(), backups);
    Ok(())
}

#[test]
fn the_written_manifest_has_every_field_of_its_kind() -> TestResult {
    let w = world()?;
    let entries = entries_of(&county_template_bundle(&w)?)?;
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["manifest.json", "manifest.json.minisig", "template.xlsx"]
    );
    let m: Json = serde_json::from_slice(entry(&entries, "manifest.json")?)?;
    let me = keys::show(&w.county_keys)?;
    let sha = template::sha256_hex(&std::fs::read(SAMPLE_TEMPLATE)?);
    assert_eq!(m["format"], "zhucun-bundle/1");
    assert_eq!(m["kind"], "template");
    assert!(uuid::Uuid::parse_str(m["id"].as_str().unwrap_or_default()).is_ok());
    assert!(
        chrono::DateTime::parse_from_rfc3339(m["created_at"].as_str().unwrap_or_default()).is_ok()
    );
    assert_eq!(m["app"], zhucun_core::APP_VERSION);
    assert_eq!(
        m["signer"],
        json!({ "key_id": me.key_id, "name": me.name, "role": "county" })
    );
    assert_eq!(
        m["template"],
        json!({ "id": "sample-monthly", "version": 1, "sha256": sha })
    );
    assert_eq!(
        m["files"],
        json!([{ "path": "template.xlsx", "size": std::fs::metadata(SAMPLE_TEMPLATE)?.len(), "sha256": sha }])
    );
    assert!(m.get("village").is_none() && m.get("period").is_none() && m.get("sync").is_none());
    Ok(())
}

#[test]
fn every_flipped_manifest_byte_is_refused() -> TestResult {
    let w = world()?;
    let entries = entries_of(&county_template_bundle(&w)?)?;
    let manifest = entry(&entries, "manifest.json")?;
    let sig = entry(&entries, "manifest.json.minisig")?;
    let payload = entry(&entries, "template.xlsx")?;
    let before = w.state()?;
    for mask in [0x01u8, 0x80] {
        for i in 0..manifest.len() {
            let mut changed = manifest.to_vec();
            if let Some(b) = changed.get_mut(i) {
                *b ^= mask;
            }
            let bytes = zip_of(&[
                ("manifest.json", &changed),
                ("manifest.json.minisig", sig),
                ("template.xlsx", payload),
            ])?;
            let (step, reason) = refusal(w.receive(&bytes))?;
            assert!(
                step == 2 || step == 3,
                "byte {i} ^ {mask:#x}: step {step}, {reason:?}"
            );
        }
    }
    assert_eq!(w.state()?, before);
    Ok(())
}

#[test]
fn every_flipped_signature_byte_is_refused_but_the_untrusted_comment() -> TestResult {
    let w = world()?;
    let bytes = county_template_bundle(&w)?;
    let good = bundle::verify(&bytes, &w.village_keys, None)?;
    let entries = entries_of(&bytes)?;
    let manifest = entry(&entries, "manifest.json")?;
    let sig = entry(&entries, "manifest.json.minisig")?;
    let payload = entry(&entries, "template.xlsx")?;
    let text = std::str::from_utf8(sig)?;
    // The untrusted comment is, as its name says, not signed.
    let untrusted = "untrusted comment: ".len()..text.find('\n').ok_or("one line")?;
    let before = w.state()?;
    let mut accepted = Vec::new();
    for mask in [0x01u8, 0x80] {
        for i in 0..sig.len() {
            let mut changed = sig.to_vec();
            if let Some(b) = changed.get_mut(i) {
                *b ^= mask;
            }
            let bytes = zip_of(&[
                ("manifest.json", manifest),
                ("manifest.json.minisig", &changed),
                ("template.xlsx", payload),
            ])?;
            match bundle::verify(&bytes, &w.village_keys, None) {
                Err(Error::BundleRefused { step: 3, .. }) => {}
                Err(other) => return Err(format!("byte {i} ^ {mask:#x}: {other:?}").into()),
                Ok(v) => {
                    // Accepted only where no signed byte changed: the same bundle as before.
                    assert_eq!((&v.manifest, &v.files), (&good.manifest, &good.files));
                    accepted.push((i, mask));
                }
            }
        }
    }
    // Besides the untrusted comment, only the final line break may change unnoticed: `\n` ^ 1
    // is a vertical tab, whitespace that minisign trims like the line break itself.
    let outside: Vec<_> = accepted
        .iter()
        .filter(|(i, mask)| !(untrusted.contains(i) || (*i + 1 == sig.len() && *mask == 0x01)))
        .collect();
    assert!(
        outside.is_empty(),
        "accepted flips outside the untrusted comment: {outside:?}"
    );
    assert!(accepted.len() >= untrusted.len(), "{accepted:?}");

    // Through `receive`, a refused signature changes nothing either.
    let mut changed = sig.to_vec();
    if let Some(b) = changed.get_mut(sig.len() / 2) {
        *b ^= 0x01;
    }
    let bytes = zip_of(&[
        ("manifest.json", manifest),
        ("manifest.json.minisig", &changed),
        ("template.xlsx", payload),
    ])?;
    refused_at(&w, &bytes, 3)?;
    assert_eq!(w.state()?, before);
    Ok(())
}

#[test]
fn flipped_payload_bytes_are_refused_at_step_4() -> TestResult {
    let w = world()?;
    let entries = entries_of(&county_template_bundle(&w)?)?;
    let manifest = entry(&entries, "manifest.json")?;
    let sig = entry(&entries, "manifest.json.minisig")?;
    let payload = entry(&entries, "template.xlsx")?;
    let before = w.state()?;
    let mut positions: Vec<usize> = (0..payload.len()).step_by(127).collect();
    positions.push(payload.len() - 1);
    for i in positions {
        let mut changed = payload.to_vec();
        if let Some(b) = changed.get_mut(i) {
            *b ^= 0x01;
        }
        let bytes = zip_of(&[
            ("manifest.json", manifest),
            ("manifest.json.minisig", sig),
            ("template.xlsx", &changed),
        ])?;
        let reason = refused_at(&w, &bytes, 4)?;
        assert_eq!(
            reason,
            BundleProblem::PayloadHash {
                name: "template.xlsx".into()
            }
        );
    }
    let longer = [payload, b"x"].concat();
    let bytes = zip_of(&[
        ("manifest.json", manifest),
        ("manifest.json.minisig", sig),
        ("template.xlsx", &longer),
    ])?;
    assert!(matches!(
        refused_at(&w, &bytes, 4)?,
        BundleProblem::PayloadSize { .. }
    ));
    assert_eq!(w.state()?, before);
    Ok(())
}

#[test]
fn flipped_archive_bytes_are_refused_or_change_nothing_signed() -> TestResult {
    let w = world()?;
    let bytes = county_template_bundle(&w)?;
    let good = bundle::verify(&bytes, &w.village_keys, None)?;
    for i in (0..bytes.len()).step_by(7) {
        let mut changed = bytes.clone();
        if let Some(b) = changed.get_mut(i) {
            *b ^= 0x01;
        }
        match bundle::verify(&changed, &w.village_keys, None) {
            Err(Error::BundleRefused { .. }) => {}
            Err(other) => return Err(format!("byte {i}: {other:?}").into()),
            // A flip in a timestamp or an unused header field: the same verified content.
            Ok(v) => assert_eq!(
                (v.manifest, v.files),
                (good.manifest.clone(), good.files.clone())
            ),
        }
    }
    Ok(())
}

#[test]
fn a_missing_signature_is_refused_at_step_3() -> TestResult {
    let w = world()?;
    let entries = entries_of(&county_template_bundle(&w)?)?;
    let before = w.state()?;
    let bytes = zip_of(&[
        ("manifest.json", entry(&entries, "manifest.json")?),
        ("template.xlsx", entry(&entries, "template.xlsx")?),
    ])?;
    assert_eq!(refused_at(&w, &bytes, 3)?, BundleProblem::NoSignature);
    let garbage = zip_of(&[
        ("manifest.json", entry(&entries, "manifest.json")?),
        ("manifest.json.minisig", b"not a signature"),
        ("template.xlsx", entry(&entries, "template.xlsx")?),
    ])?;
    assert!(matches!(
        refused_at(&w, &garbage, 3)?,
        BundleProblem::SignatureUnreadable { .. }
    ));
    assert_eq!(w.state()?, before);
    Ok(())
}

#[test]
fn an_unknown_key_is_refused_naming_its_id() -> TestResult {
    let w = world()?;
    let stranger = w.dir.path().join("stranger");
    let them = keys::init(&stranger, "冒充的县", Role::County)?;
    let out = w.dir.path().join("b.zip");
    bundle::export_template(&stranger, Path::new(SAMPLE_TEMPLATE), &out)?;
    let before = w.state()?;
    let err = bundle::receive(&w.conn, &w.village_keys, &out)
        .err()
        .ok_or("accepted")?;
    assert_eq!(err.code(), "bundle_refused");
    let message = err.to_string();
    assert!(message.contains("第 3 步"), "{message}");
    assert!(message.contains(&them.key_id), "{message}");
    assert!(err.message(Lang::En).contains("step 3"));
    assert_eq!(
        refusal(Err::<(), _>(err))?,
        (
            3,
            BundleProblem::UnknownKey {
                key_id: them.key_id
            }
        )
    );
    assert_eq!(w.state()?, before);
    Ok(())
}

#[test]
fn a_trusted_key_of_the_wrong_role_is_refused() -> TestResult {
    let w = world()?;
    let bytes = county_template_bundle(&w)?;
    let county_pub = w.dir.path().join("county.pub");
    keys::trust(&w.village_keys, &county_pub, Role::Village, None)?;
    let before = w.state()?;
    let me = keys::show(&w.county_keys)?;
    assert_eq!(
        refused_at(&w, &bytes, 3)?,
        BundleProblem::WrongRole {
            key_id: me.key_id,
            role: Role::Village,
            kind: Kind::Template
        }
    );
    assert_eq!(w.state()?, before);
    Ok(())
}

#[test]
fn a_manifest_naming_another_signer_is_refused() -> TestResult {
    let w = world()?;
    let entries = entries_of(&county_template_bundle(&w)?)?;
    let mut m: Json = serde_json::from_slice(entry(&entries, "manifest.json")?)?;
    m["signer"]["key_id"] = json!(SAMPLE_KEY_ID);
    let payload = entry(&entries, "template.xlsx")?;
    let bytes = signed(&m, &w.county_signer()?, &[("template.xlsx", payload)])?;
    let before = w.state()?;
    let me = keys::show(&w.county_keys)?;
    assert_eq!(
        refused_at(&w, &bytes, 3)?,
        BundleProblem::SignerMismatch {
            key_id: me.key_id,
            manifest: SAMPLE_KEY_ID.into()
        }
    );
    assert_eq!(w.state()?, before);
    Ok(())
}

/// Runs the `minisign` command, failing clearly when it is not installed.
fn minisign(args: &[&str], dir: &Path) -> TestResult<std::process::Output> {
    let out = Command::new("minisign")
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("the minisign command is needed (apt-get install minisign): {e}"))?;
    Ok(out)
}

#[test]
fn a_legacy_signature_is_refused_as_legacy() -> TestResult {
    let w = world()?;
    keys::trust(
        &w.village_keys,
        Path::new(SAMPLE_COUNTY_PUB),
        Role::County,
        None,
    )?;
    let entries = entries_of(&county_template_bundle(&w)?)?;
    let mut m: Json = serde_json::from_slice(entry(&entries, "manifest.json")?)?;
    m["signer"]["key_id"] = json!(SAMPLE_KEY_ID);
    let dir = tempfile::tempdir()?;
    std::fs::write(
        dir.path().join("manifest.json"),
        serde_json::to_vec_pretty(&m)?,
    )?;
    let out = minisign(
        &["-S", "-l", "-s", SAMPLE_COUNTY_KEY, "-m", "manifest.json"],
        dir.path(),
    )?;
    assert!(out.status.success(), "{out:?}");
    let json = std::fs::read(dir.path().join("manifest.json"))?;
    let sig = std::fs::read(dir.path().join("manifest.json.minisig"))?;
    let bytes = zip_of(&[
        ("manifest.json", &json),
        ("manifest.json.minisig", &sig),
        ("template.xlsx", entry(&entries, "template.xlsx")?),
    ])?;
    let before = w.state()?;
    let err = w.receive(&bytes).err().ok_or("accepted")?;
    assert!(err.message(Lang::En).contains("legacy"), "{err}");
    assert_eq!(
        refusal(Err::<(), _>(err))?,
        (
            3,
            BundleProblem::LegacySignature {
                key_id: SAMPLE_KEY_ID.into()
            }
        )
    );
    assert_eq!(w.state()?, before);
    Ok(())
}

#[test]
fn the_archive_holds_exactly_the_listed_files() -> TestResult {
    let w = world()?;
    let entries = entries_of(&county_template_bundle(&w)?)?;
    let manifest = entry(&entries, "manifest.json")?;
    let sig = entry(&entries, "manifest.json.minisig")?;
    let payload = entry(&entries, "template.xlsx")?;
    let before = w.state()?;

    let extra = zip_of(&[
        ("manifest.json", manifest),
        ("manifest.json.minisig", sig),
        ("template.xlsx", payload),
        ("readme.txt", b"hello"),
    ])?;
    assert_eq!(
        refused_at(&w, &extra, 2)?,
        BundleProblem::UnlistedFile {
            name: "readme.txt".into()
        }
    );
    let missing = zip_of(&[("manifest.json", manifest), ("manifest.json.minisig", sig)])?;
    assert_eq!(
        refused_at(&w, &missing, 2)?,
        BundleProblem::MissingFile {
            name: "template.xlsx".into()
        }
    );
    let no_manifest = zip_of(&[("template.xlsx", payload)])?;
    assert_eq!(refused_at(&w, &no_manifest, 2)?, BundleProblem::NoManifest);

    // A manifest listing two files, or a file of another kind, is refused even when signed.
    let signer = w.county_signer()?;
    let mut m: Json = serde_json::from_slice(manifest)?;
    let listed = m["files"][0].clone();
    m["files"] =
        json!([listed.clone(), { "path": "template.ods", "size": 1, "sha256": "0".repeat(64) }]);
    let two = signed(
        &m,
        &signer,
        &[("template.xlsx", payload), ("template.ods", b"x")],
    )?;
    assert!(matches!(
        refused_at(&w, &two, 2)?,
        BundleProblem::WrongPayload {
            kind: Kind::Template,
            ..
        }
    ));
    let mut renamed = listed;
    renamed["path"] = json!("return.xlsx");
    m["files"] = json!([renamed]);
    let other = signed(&m, &signer, &[("return.xlsx", payload)])?;
    assert!(matches!(
        refused_at(&w, &other, 2)?,
        BundleProblem::WrongPayload { .. }
    ));
    assert_eq!(w.state()?, before);
    Ok(())
}

#[test]
fn manifest_fields_are_required_and_checked() -> TestResult {
    let w = world()?;
    let entries = entries_of(&county_template_bundle(&w)?)?;
    let manifest: Json = serde_json::from_slice(entry(&entries, "manifest.json")?)?;
    let payload = entry(&entries, "template.xlsx")?;
    let signer = w.county_signer()?;
    let before = w.state()?;
    let cases: Vec<(&str, Change)> = vec![
        (
            "format",
            Box::new(|m| m["format"] = json!("zhucun-bundle/2")),
        ),
        ("kind", Box::new(|m| m["kind"] = json!("firmware"))),
        ("id", Box::new(|m| m["id"] = json!("not-a-uuid"))),
        (
            "created_at",
            Box::new(|m| m["created_at"] = json!("yesterday")),
        ),
        (
            "signer.key_id",
            Box::new(|m| m["signer"]["key_id"] = json!("XYZ")),
        ),
        (
            "signer.role",
            Box::new(|m| m["signer"]["role"] = json!("king")),
        ),
        (
            "app",
            Box::new(|m| {
                m.as_object_mut().map(|o| o.remove("app"));
            }),
        ),
        (
            "template",
            Box::new(|m| {
                m.as_object_mut().map(|o| o.remove("template"));
            }),
        ),
        (
            "template.id",
            Box::new(|m| m["template"]["id"] = json!("../../etc")),
        ),
        (
            "template.sha256",
            Box::new(|m| m["template"]["sha256"] = json!("0".repeat(64))),
        ),
        ("files", Box::new(|m| m["files"] = json!("template.xlsx"))),
    ];
    for (what, change) in cases {
        let mut m = manifest.clone();
        change(&mut m);
        let bytes = signed(&m, &signer, &[("template.xlsx", payload)])?;
        let reason = refused_at(&w, &bytes, 2)?;
        let message = reason.message(2, Lang::Zh);
        assert!(message.contains("第 2 步"), "{what}: {message}");
        match what {
            "format" => assert!(matches!(reason, BundleProblem::UnsupportedFormat { .. })),
            "kind" => assert!(matches!(reason, BundleProblem::UnknownKind { .. })),
            "template.sha256" => assert_eq!(reason, BundleProblem::TemplateHashMismatch),
            field => assert!(
                matches!(&reason, BundleProblem::ManifestField { field: f, .. } if f == field),
                "{what}: {reason:?}"
            ),
        }
    }
    let not_json = zip_of(&[("manifest.json", b"{ not json"), ("template.xlsx", payload)])?;
    assert!(matches!(
        refused_at(&w, &not_json, 2)?,
        BundleProblem::ManifestNotJson { .. }
    ));
    // Fields the program does not know are ignored.
    let mut m = manifest.clone();
    m["added_by_a_newer_program"] = json!({ "x": 1 });
    let newer = signed(&m, &signer, &[("template.xlsx", payload)])?;
    bundle::verify(&newer, &w.village_keys, None)?;
    assert_eq!(w.state()?, before);
    Ok(())
}

/// An archive whose entry named `placeholder` is renamed to `name` in its headers.
fn renamed_entry(placeholder: &str, name: &str) -> TestResult<Vec<u8>> {
    let mut bytes = zip_of(&[("manifest.json", b"{}"), (placeholder, b"hello")])?;
    let count = patch(&mut bytes, placeholder.as_bytes(), name.as_bytes());
    assert_eq!(count, 2, "the local and the central header");
    Ok(bytes)
}

#[test]
fn dangerous_entry_names_are_refused_at_step_1() -> TestResult {
    let w = world()?;
    let before = w.state()?;
    let cases = [
        ("QZ/x", "../x", NameFault::ParentPart),
        ("QZQZ/x", "a/../x", NameFault::ParentPart),
        ("QZ", "/x", NameFault::Absolute),
        ("QZQ", "C:x", NameFault::DriveLetter),
        ("QZQ", "a\\b", NameFault::Backslash),
        ("QZQZ", "a//b", NameFault::EmptyPart),
        ("QZQ", "./x", NameFault::DotPart),
        ("QZQ", "a\0b", NameFault::ControlCharacter),
        ("QZ", "\u{ff}", NameFault::NotUtf8),
    ];
    for (placeholder, name, fault) in cases {
        let bytes = if fault == NameFault::NotUtf8 {
            let mut b = zip_of(&[("manifest.json", b"{}"), (placeholder, b"hello")])?;
            assert_eq!(patch(&mut b, placeholder.as_bytes(), &[0xC3, 0x28]), 2);
            b
        } else {
            renamed_entry(placeholder, name)?
        };
        let reason = refused_at(&w, &bytes, 1)?;
        assert!(
            matches!(&reason, BundleProblem::BadName { fault: f, .. } if *f == fault),
            "{name:?}: {reason:?}"
        );
    }
    assert_eq!(w.state()?, before);
    Ok(())
}

#[test]
fn directories_links_and_duplicates_are_refused_at_step_1() -> TestResult {
    let w = world()?;
    let before = w.state()?;
    let options = SimpleFileOptions::default();

    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("manifest.json", options)?;
    zip.write_all(b"{}")?;
    zip.add_directory("forms/", options)?;
    let dir = zip.finish()?.into_inner();
    assert_eq!(
        refused_at(&w, &dir, 1)?,
        BundleProblem::NotAPlainFile {
            name: "forms/".into(),
            what: EntryType::Directory
        }
    );

    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("manifest.json", options)?;
    zip.write_all(b"{}")?;
    zip.add_symlink("template.xlsx", "/etc/passwd", options)?;
    let link = zip.finish()?.into_inner();
    assert_eq!(
        refused_at(&w, &link, 1)?,
        BundleProblem::NotAPlainFile {
            name: "template.xlsx".into(),
            what: EntryType::Link
        }
    );

    // A directory or a link by its mode bits alone, under a file-like name.
    let mut mode_dir = zip_of(&[("manifest.json", b"{}")])?;
    set_external_attributes(&mut mode_dir, 0, 0o040_755 << 16)?;
    assert!(matches!(
        refused_at(&w, &mode_dir, 1)?,
        BundleProblem::NotAPlainFile {
            what: EntryType::Directory,
            ..
        }
    ));

    let mut mode_link = zip_of(&[("manifest.json", b"{}")])?;
    set_external_attributes(&mut mode_link, 0, 0o120_777 << 16)?;
    assert!(matches!(
        refused_at(&w, &mode_link, 1)?,
        BundleProblem::NotAPlainFile {
            what: EntryType::Link,
            ..
        }
    ));

    let mut twice = zip_of(&[("manifest.json", b"{}"), ("manifesu.json", b"{}")])?;
    assert_eq!(patch(&mut twice, b"manifesu.json", b"manifest.json"), 2);
    assert_eq!(refused_at(&w, &twice, 1)?, BundleProblem::DuplicateEntries);

    let case = zip_of(&[("manifest.json", b"{}"), ("MANIFEST.json", b"{}")])?;
    assert_eq!(
        refused_at(&w, &case, 1)?,
        BundleProblem::DuplicateName {
            name: "manifest.json".into(),
            other: "MANIFEST.json".into()
        }
    );
    assert_eq!(w.state()?, before);
    Ok(())
}

/// Patches the external attributes of entry `index` in the central directory.
fn set_external_attributes(bytes: &mut [u8], index: usize, value: u32) -> TestResult {
    let central = {
        let archive = ZipArchive::new(Cursor::new(&*bytes))?;
        let e = archive.by_index_data(index)?;
        e.central_header_start() as usize
    };
    bytes
        .get_mut(central + 38..central + 42)
        .ok_or("header out of range")?
        .copy_from_slice(&value.to_le_bytes());
    Ok(())
}

/// Patches the uncompressed size of entry `index` in its local and central headers.
fn declare_size(bytes: &mut [u8], index: usize, size: u32) -> TestResult {
    let (local, central) = {
        let archive = ZipArchive::new(Cursor::new(&*bytes))?;
        let e = archive.by_index_data(index)?;
        (e.header_start() as usize, e.central_header_start() as usize)
    };
    for at in [local + 22, central + 24] {
        bytes
            .get_mut(at..at + 4)
            .ok_or("header out of range")?
            .copy_from_slice(&size.to_le_bytes());
    }
    Ok(())
}

/// An archive with `manifest.json` and one deflated entry of `size` zero bytes.
fn zeros_archive(name: &str, size: usize) -> TestResult<Vec<u8>> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("manifest.json", SimpleFileOptions::default())?;
    zip.write_all(b"{}")?;
    zip.start_file(
        name,
        SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(1)),
    )?;
    let chunk = vec![0u8; 1 << 20];
    let mut left = size;
    while left > 0 {
        let n = left.min(chunk.len());
        zip.write_all(chunk.get(..n).ok_or("chunk")?)?;
        left -= n;
    }
    Ok(zip.finish()?.into_inner())
}

#[test]
fn entries_that_lie_about_their_size_are_counted_while_inflating() -> TestResult {
    let w = world()?;
    let before = w.state()?;
    let big = 65 << 20;
    let honest = zeros_archive("template.xlsx", big)?;
    assert!(
        honest.len() < 1 << 20,
        "zeros deflate well: {}",
        honest.len()
    );
    assert_eq!(
        refused_at(&w, &honest, 1)?,
        BundleProblem::EntryTooLarge {
            name: "template.xlsx".into(),
            max: 64 << 20
        }
    );

    // The same entry declaring 1,000 bytes in both headers: inflating stops past them.
    let mut lying = honest.clone();
    declare_size(&mut lying, 1, 1000)?;
    let reason = refused_at(&w, &lying, 1)?;
    assert!(
        matches!(&reason, BundleProblem::SizeMismatch { name, declared: 1000, actual } if name == "template.xlsx" && *actual > 1000),
        "{reason:?}"
    );

    // Declaring more than it holds is refused too.
    let mut short = zeros_archive("template.xlsx", 10)?;
    declare_size(&mut short, 1, 20)?;
    assert!(matches!(
        refused_at(&w, &short, 1)?,
        BundleProblem::SizeMismatch { declared: 20, .. } | BundleProblem::Corrupt { .. }
    ));

    // A manifest of more than 1 MiB.
    let mut huge = b"{\"format\": \"zhucun-bundle/1\"".to_vec();
    huge.resize((1 << 20) + 10, b' ');
    huge.push(b'}');
    let bytes = zip_of(&[("manifest.json", &huge)])?;
    assert_eq!(
        refused_at(&w, &bytes, 1)?,
        BundleProblem::EntryTooLarge {
            name: "manifest.json".into(),
            max: 1 << 20
        }
    );
    assert_eq!(w.state()?, before);
    Ok(())
}

#[test]
fn a_lying_zip64_size_allocates_nothing() -> TestResult {
    let w = world()?;
    // A ZIP64 entry of 1,234 zero bytes whose ZIP64 sizes then claim 2^62 bytes.
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("manifest.json", SimpleFileOptions::default())?;
    zip.write_all(b"{}")?;
    zip.start_file(
        "template.xlsx",
        SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .large_file(true),
    )?;
    zip.write_all(&[0u8; 1234])?;
    let mut bytes = zip.finish()?.into_inner();
    let found = patch(
        &mut bytes,
        &1234u64.to_le_bytes(),
        &(1u64 << 62).to_le_bytes(),
    );
    assert!(found >= 1, "no ZIP64 size to patch");
    assert_eq!(
        refused_at(&w, &bytes, 1)?,
        BundleProblem::EntryTooLarge {
            name: "template.xlsx".into(),
            max: 64 << 20
        }
    );
    Ok(())
}

#[test]
fn all_entries_together_are_limited_to_256_mib() -> TestResult {
    let w = world()?;
    // Five honest entries of 60 MiB of zeros: the fifth crosses 256 MiB. The compressed
    // entry is made once and copied raw, so the test deflates 60 MiB, not 300.
    let one = zeros_archive("a.bin", 60 << 20)?;
    let mut source = ZipArchive::new(Cursor::new(one))?;
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("manifest.json", SimpleFileOptions::default())?;
    zip.write_all(b"{}")?;
    for name in ["a.bin", "b.bin", "c.bin", "d.bin", "e.bin"] {
        zip.raw_copy_file_rename(source.by_index(1)?, name)?;
    }
    let bytes = zip.finish()?.into_inner();
    let before = w.state()?;
    assert_eq!(
        refused_at(&w, &bytes, 1)?,
        BundleProblem::ArchiveTooLarge { max: 256 << 20 }
    );
    assert_eq!(w.state()?, before);
    Ok(())
}

#[test]
fn too_many_entries_are_refused_at_step_1() -> TestResult {
    let w = world()?;
    let names: Vec<String> = (0..65).map(|i| format!("f{i}.txt")).collect();
    let entries: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), b"x".as_slice()))
        .collect();
    let bytes = zip_of(&entries)?;
    assert_eq!(
        refused_at(&w, &bytes, 1)?,
        BundleProblem::TooManyEntries { count: 65, max: 64 }
    );
    let sixty_four = zip_of(entries.get(..64).ok_or("64")?)?;
    // 64 entries pass step 1 (and fail later: there is no manifest).
    assert_eq!(refused_at(&w, &sixty_four, 2)?, BundleProblem::NoManifest);
    Ok(())
}

#[test]
fn broken_files_are_refused_at_step_1() -> TestResult {
    let w = world()?;
    let bytes = county_template_bundle(&w)?;
    let before = w.state()?;
    let mut cuts = vec![
        0,
        1,
        4,
        30,
        bytes.len() / 2,
        bytes.len() - 22,
        bytes.len() - 1,
    ];
    cuts.extend((100..bytes.len()).step_by(997));
    for cut in cuts {
        let truncated = bytes.get(..cut).ok_or("cut")?;
        let (step, reason) = refusal(w.receive(truncated))?;
        assert_eq!(step, 1, "cut at {cut}: {reason:?}");
    }
    for not_a_zip in [
        b"".as_slice(),
        b"manifest.json".as_slice(),
        &std::fs::read(SAMPLE_COUNTY_PUB)?,
    ] {
        assert!(matches!(
            refused_at(&w, not_a_zip, 1)?,
            BundleProblem::NotAZip { .. }
        ));
    }
    // A file larger than any bundle is refused before it is read (sparse: costs no disk).
    let huge = w.dir.path().join("huge.zip");
    std::fs::File::create(&huge)?.set_len(bundle::MAX_BUNDLE_FILE_BYTES + 1)?;
    assert!(matches!(
        refusal(bundle::receive(&w.conn, &w.village_keys, &huge))?,
        (1, BundleProblem::FileTooLarge { .. })
    ));
    let empty_file = w.write_file("empty.zip", b"")?;
    let (step, _) = refusal(bundle::receive(&w.conn, &w.village_keys, &empty_file))?;
    assert_eq!(step, 1);
    assert_eq!(w.state()?, before);
    Ok(())
}

#[test]
fn the_program_signs_what_the_minisign_command_verifies() -> TestResult {
    let w = world()?;
    let entries = entries_of(&county_template_bundle(&w)?)?;
    let dir = tempfile::tempdir()?;
    std::fs::write(
        dir.path().join("manifest.json"),
        entry(&entries, "manifest.json")?,
    )?;
    std::fs::write(
        dir.path().join("manifest.json.minisig"),
        entry(&entries, "manifest.json.minisig")?,
    )?;
    keys::export(&w.county_keys, &dir.path().join("county.pub"))?;
    // -H: the command also requires the signature to be prehashed.
    let out = minisign(
        &["-V", "-H", "-m", "manifest.json", "-p", "county.pub"],
        dir.path(),
    )?;
    assert!(out.status.success(), "{out:?}");
    // And it refuses a changed manifest.
    let mut changed = entry(&entries, "manifest.json")?.to_vec();
    changed.push(b' ');
    std::fs::write(dir.path().join("manifest.json"), changed)?;
    let out = minisign(
        &["-V", "-m", "manifest.json", "-p", "county.pub"],
        dir.path(),
    )?;
    assert!(!out.status.success());
    Ok(())
}

#[test]
fn the_program_verifies_what_the_minisign_command_signs() -> TestResult {
    let w = world()?;
    let dir = tempfile::tempdir()?;
    let out = minisign(&["-G", "-W", "-p", "cmd.pub", "-s", "cmd.key"], dir.path())?;
    assert!(out.status.success(), "{out:?}");
    let cmd = keys::trust(
        &w.village_keys,
        &dir.path().join("cmd.pub"),
        Role::County,
        Some("命令行生成的县级密钥"),
    )?;

    let entries = entries_of(&county_template_bundle(&w)?)?;
    let mut m: Json = serde_json::from_slice(entry(&entries, "manifest.json")?)?;
    m["signer"]["key_id"] = json!(cmd.key_id);
    std::fs::write(
        dir.path().join("manifest.json"),
        serde_json::to_vec_pretty(&m)?,
    )?;
    let out = minisign(
        &[
            "-S",
            "-s",
            "cmd.key",
            "-m",
            "manifest.json",
            "-t",
            "zhucun test",
        ],
        dir.path(),
    )?;
    assert!(out.status.success(), "{out:?}");
    let bytes = zip_of(&[
        (
            "manifest.json",
            &std::fs::read(dir.path().join("manifest.json"))?,
        ),
        (
            "manifest.json.minisig",
            &std::fs::read(dir.path().join("manifest.json.minisig"))?,
        ),
        ("template.xlsx", entry(&entries, "template.xlsx")?),
    ])?;
    let verified = bundle::verify(&bytes, &w.village_keys, None)?;
    assert_eq!(verified.signer, cmd);
    Ok(())
}

#[test]
fn the_sample_bundle_needs_the_test_county_key_trusted_as_county() -> TestResult {
    let w = world()?;
    let sample = bundle::read_file(Path::new(SAMPLE_BUNDLE))?;
    let before = w.state()?;

    let err = w.receive(&sample).err().ok_or("accepted an unknown key")?;
    assert!(err.to_string().contains(SAMPLE_KEY_ID), "{err}");
    assert_eq!(
        refusal(Err::<(), _>(err))?,
        (
            3,
            BundleProblem::UnknownKey {
                key_id: SAMPLE_KEY_ID.into()
            }
        )
    );

    keys::trust(
        &w.village_keys,
        Path::new(SAMPLE_COUNTY_PUB),
        Role::Village,
        None,
    )?;
    assert!(matches!(
        refused_at(&w, &sample, 3)?,
        BundleProblem::WrongRole {
            role: Role::Village,
            ..
        }
    ));
    assert_eq!(w.state()?, before);

    keys::trust(
        &w.village_keys,
        Path::new(SAMPLE_COUNTY_PUB),
        Role::County,
        None,
    )?;
    let verified = bundle::verify(&sample, &w.village_keys, None)?;
    assert_eq!(verified.signer.key_id, SAMPLE_KEY_ID);
    assert_eq!(
        verified.manifest.template.as_ref().map(|t| t.version),
        Some(1)
    );
    assert_eq!(w.state()?, before, "verify writes nothing");

    let received = bundle::receive(&w.conn, &w.village_keys, Path::new(SAMPLE_BUNDLE))?;
    let Applied::Template(report) = &received.applied else {
        return Err(format!("not a template: {:?}", received.applied).into());
    };
    assert_eq!(report.action, ImportAction::Added);
    assert_eq!(report.template.id, "sample-monthly");
    assert_eq!(report.template.version, 1);
    assert_eq!(report.template.title, "驻村工作月报");

    let after_first = w.state()?;
    let again = bundle::receive(&w.conn, &w.village_keys, Path::new(SAMPLE_BUNDLE))?;
    let Applied::Template(report) = &again.applied else {
        return Err(format!("not a template: {:?}", again.applied).into());
    };
    assert_eq!(report.action, ImportAction::Unchanged);
    assert_eq!(w.state()?, after_first);
    Ok(())
}

#[test]
fn the_sample_bundle_is_a_no_op_after_the_same_template_file() -> TestResult {
    let w = world()?;
    keys::trust(
        &w.village_keys,
        Path::new(SAMPLE_COUNTY_PUB),
        Role::County,
        None,
    )?;
    template::import_file(&w.conn, Path::new(SAMPLE_TEMPLATE))?;
    let before = w.state()?;
    let received = bundle::receive(&w.conn, &w.village_keys, Path::new(SAMPLE_BUNDLE))?;
    let Applied::Template(report) = &received.applied else {
        return Err(format!("not a template: {:?}", received.applied).into());
    };
    assert_eq!(report.action, ImportAction::Unchanged);
    assert_eq!(w.state()?, before);
    Ok(())
}

#[test]
fn a_template_other_than_the_manifest_names_is_refused_at_step_5() -> TestResult {
    let w = world()?;
    let entries = entries_of(&county_template_bundle(&w)?)?;
    let mut m: Json = serde_json::from_slice(entry(&entries, "manifest.json")?)?;
    m["template"]["version"] = json!(2);
    let bytes = signed(
        &m,
        &w.county_signer()?,
        &[("template.xlsx", entry(&entries, "template.xlsx")?)],
    )?;
    let before = w.state()?;
    assert_eq!(
        refused_at(&w, &bytes, 5)?,
        BundleProblem::TemplateMismatch {
            listed: ("sample-monthly".into(), 2),
            found: ("sample-monthly".into(), 1)
        }
    );
    assert_eq!(w.state()?, before);
    Ok(())
}

#[test]
fn a_template_the_importer_refuses_is_refused_at_step_5() -> TestResult {
    let w = world()?;
    template::import_file(&w.conn, Path::new(SAMPLE_TEMPLATE))?;
    let before = w.state()?;

    // The same id and version saved as .ods: other bytes, so the import refuses it.
    let ods = Path::new(SAMPLE_TEMPLATE).with_extension("ods");
    let out = w.dir.path().join("ods.zip");
    let manifest = bundle::export_template(&w.county_keys, &ods, &out)?;
    assert_eq!(
        manifest.files.first().map(|f| f.path.as_str()),
        Some("template.ods")
    );
    let reason = refused_at(&w, &std::fs::read(&out)?, 5)?;
    assert!(
        matches!(&reason, BundleProblem::NotApplied { code, .. } if code == "conflict"),
        "{reason:?}"
    );

    // A template with a misspelt field, signed as if the county had not checked it.
    let typo = std::fs::read(Path::new(SAMPLE_TEMPLATE).with_file_name("bad_typo.xlsx"))?;
    let sha = template::sha256_hex(&typo);
    let m = json!({
        "format": "zhucun-bundle/1", "kind": "template",
        "id": uuid::Uuid::now_v7().to_string(), "created_at": "2026-11-29T10:00:00Z",
        "app": "zhucun 0.1.0",
        "signer": keys::show(&w.county_keys)?,
        "template": { "id": "sample-typo", "version": 1, "sha256": sha },
        "files": [{ "path": "template.xlsx", "size": typo.len(), "sha256": sha }],
    });
    let bytes = signed(&m, &w.county_signer()?, &[("template.xlsx", &typo)])?;
    let err = w.receive(&bytes).err().ok_or("accepted a bad template")?;
    assert!(err.to_string().contains("第 5 步"), "{err}");
    assert!(err.to_string().contains("village.secretery"), "{err}");
    assert!(matches!(
        refusal(Err::<(), _>(err))?,
        (5, BundleProblem::NotApplied { code, .. }) if code == "invalid_template"
    ));
    assert_eq!(w.state()?, before);
    Ok(())
}

/// A return bundle of the village, and the county's keys trusting the village key.
fn village_bundle(w: &World, kind: Kind, code: &str) -> TestResult<Vec<u8>> {
    let out = w.dir.path().join(format!("{kind}.zip"));
    let village = Some(VillageRef {
        code: DivisionCode::parse("code", code)?,
        name: "青岗村".into(),
    });
    let template = Some(TemplateRef {
        id: "sample-monthly".into(),
        version: 1,
        sha256: "0".repeat(64),
    });
    let (spec, name) = match kind {
        Kind::Return => (
            NewBundle {
                kind,
                village,
                period: Some(Period::parse("2026-11")?),
                template,
                sync: None,
            },
            "return.xlsx",
        ),
        _ => (
            NewBundle {
                kind,
                village,
                period: None,
                template: None,
                sync: Some(SyncRange {
                    device: "laptop-1".into(),
                    from: "0".into(),
                    to: "1".into(),
                    rows: 3,
                }),
            },
            "data.xlsx",
        ),
    };
    let signer = keys::signer(&w.village_keys)?;
    bundle::write(
        &out,
        &spec,
        &[(name, b"PK fake workbook".as_slice())],
        &signer,
    )?;
    Ok(std::fs::read(out)?)
}

#[test]
fn return_bundles_verify_at_the_county_and_a_fake_return_is_refused_at_step_5() -> TestResult {
    let w = world()?;
    let bytes = village_bundle(&w, Kind::Return, VILLAGE_CODE)?;
    let village_pub = w.dir.path().join("village.pub");
    keys::export(&w.village_keys, &village_pub)?;
    keys::trust(&w.county_keys, &village_pub, Role::Village, None)?;
    let verified = bundle::verify(&bytes, &w.county_keys, None)?;
    assert_eq!(verified.manifest.period, Some(Period::parse("2026-11")?));
    let m: Json = serde_json::from_slice(entry(&entries_of(&bytes)?, "manifest.json")?)?;
    assert_eq!(m["period"], "2026-11");
    assert_eq!(
        m["village"],
        json!({ "code": VILLAGE_CODE, "name": "青岗村" })
    );

    // The county trusts only county keys for templates, and village keys for returns.
    let county_db = store::open(&w.dir.path().join("county").join("zhucun.sqlite"))?;
    // The payload is no workbook: the return is not recorded.
    let (step, reason) = refusal(bundle::receive_bytes(&county_db, &w.county_keys, &bytes))?;
    assert_eq!(step, 5);
    assert!(
        matches!(&reason, BundleProblem::NotApplied { code, .. } if code == "unreadable_file"),
        "{reason:?}"
    );
    Ok(())
}

#[test]
fn sync_bundles_are_accepted_only_from_the_same_village() -> TestResult {
    let w = world()?;
    // A second laptop of the same team: its key trusted as village.
    let own_pub = w.dir.path().join("own.pub");
    keys::export(&w.village_keys, &own_pub)?;
    keys::trust(&w.village_keys, &own_pub, Role::Village, None)?;
    let before = w.state()?;

    let same = village_bundle(&w, Kind::Sync, VILLAGE_CODE)?;
    let local = bundle::local_village(&w.conn)?;
    bundle::verify(&same, &w.village_keys, local.as_ref())?;
    // Verified, then refused where it is applied: its range holds no clocks and its workbook
    // is not one (tests/core/sync.rs receives real ones).
    let reason = refused_at(&w, &same, 5)?;
    assert!(
        matches!(&reason, BundleProblem::NotApplied { .. }),
        "{reason:?}"
    );

    let other = village_bundle(&w, Kind::Sync, "513433100202")?;
    let reason = refused_at(&w, &other, 3)?;
    assert!(
        matches!(&reason, BundleProblem::OtherVillage { theirs, ours: Some(o), .. } if theirs == "513433100202" && o == VILLAGE_CODE),
        "{reason:?}"
    );
    // Without a village to compare with, nothing is accepted.
    assert!(matches!(
        refusal(bundle::verify(&same, &w.village_keys, None))?,
        (3, BundleProblem::OtherVillage { ours: None, .. })
    ));
    assert_eq!(w.state()?, before);
    Ok(())
}

#[test]
fn a_bundle_the_receiver_would_refuse_is_not_written() -> TestResult {
    let w = world()?;
    let out = w.dir.path().join("x.zip");
    let template = TemplateRef {
        id: "sample-monthly".into(),
        version: 1,
        sha256: template::sha256_hex(b"x"),
    };
    // A village key does not sign templates.
    let village = keys::signer(&w.village_keys)?;
    let err = bundle::write(
        &out,
        &NewBundle::template(template.clone()),
        &[("template.xlsx", b"x".as_slice())],
        &village,
    )
    .err()
    .ok_or("a village key signed a template")?;
    assert_eq!(err.code(), "conflict");
    // A template bundle carries one template file.
    let county = w.county_signer()?;
    for payload in [
        vec![("data.xlsx", b"x".as_slice())],
        vec![
            ("template.xlsx", b"x".as_slice()),
            ("template.ods", b"x".as_slice()),
        ],
        vec![],
    ] {
        let err = bundle::write(
            &out,
            &NewBundle::template(template.clone()),
            &payload,
            &county,
        )
        .err()
        .ok_or("wrote a bad payload")?;
        assert_eq!(err.code(), "conflict");
    }
    // A return needs its village and period.
    let spec = NewBundle {
        kind: Kind::Return,
        village: None,
        period: None,
        template: Some(template),
        sync: None,
    };
    assert!(bundle::write(&out, &spec, &[("return.xlsx", b"x".as_slice())], &village).is_err());
    assert!(!out.exists());
    // A file that is not a template is not exported.
    let not_a_template = w.write_file("notes.txt", b"hello")?;
    assert!(bundle::export_template(&w.county_keys, &not_a_template, &out).is_err());
    assert!(!out.exists());
    Ok(())
}

#[test]
fn refusals_name_the_step_in_both_languages() {
    let reason = BundleProblem::UnknownKey {
        key_id: SAMPLE_KEY_ID.into(),
    };
    let err = Error::bundle(reason);
    assert_eq!(err.code(), "bundle_refused");
    assert_eq!(
        err.to_string(),
        "数据包未通过第 3 步（验证签名），未作任何改动：签名密钥 4BE8208489B2DB36 不在信任列表中：核对指纹后可用 zhucun keys trust 信任它"
    );
    assert_eq!(
        err.message(Lang::En),
        "The bundle was refused at step 3 (verifying the signature) and nothing was changed: the signing key 4BE8208489B2DB36 is not in the keyring: compare its fingerprint, then trust it with zhucun keys trust"
    );
}

//! Signing keys and the keyring: files, modes, the minisign formats, trusting and replacing.

use std::path::Path;

use zhucun_core::keys::{self, KeyProblem, Role};
use zhucun_core::Error;

use crate::common::TestResult;

pub const SAMPLE_COUNTY_PUB: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/samples/bundles/test-county.pub"
);

/// The problem of an `Error::Key`, or a failure naming what came instead.
fn key_problem<T: std::fmt::Debug>(result: zhucun_core::Result<T>) -> TestResult<KeyProblem> {
    match result {
        Err(Error::Key { problem }) => Ok(problem),
        other => Err(format!("expected a key error, got {other:?}").into()),
    }
}

fn is_key_id(text: &str) -> bool {
    text.len() == 16
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c))
}

fn is_fingerprint(text: &str) -> bool {
    let groups: Vec<&str> = text.split(' ').collect();
    groups.len() == 4
        && groups
            .iter()
            .all(|g| g.len() == 4 && g.chars().all(|c| c.is_ascii_digit()))
}

#[test]
fn init_makes_one_key_and_show_reads_it_back() -> TestResult {
    let dir = tempfile::tempdir()?;
    let keys_dir = dir.path().join("keys");
    let made = keys::init(&keys_dir, "  青岗村驻村工作队 ", Role::Village)?;
    assert!(is_key_id(&made.key_id), "{}", made.key_id);
    assert!(is_fingerprint(&made.fingerprint), "{}", made.fingerprint);
    assert_eq!(made.name, "青岗村驻村工作队");
    assert_eq!(made.role, Role::Village);
    assert_eq!(keys::show(&keys_dir)?, made);

    // A second init never replaces the key.
    let again = key_problem(keys::init(&keys_dir, "另一个", Role::County))?;
    assert_eq!(
        again,
        KeyProblem::KeyExists {
            dir: keys_dir.clone(),
            key_id: Some(made.key_id.clone())
        }
    );
    assert_eq!(keys::show(&keys_dir)?, made);
    assert_eq!(Error::Key { problem: again }.code(), "key_exists");
    Ok(())
}

#[cfg(unix)]
#[test]
fn the_secret_key_is_readable_by_its_owner_only() -> TestResult {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir()?;
    let keys_dir = dir.path().join("keys");
    keys::init(&keys_dir, "县", Role::County)?;
    let mode = |p: &Path| -> TestResult<u32> { Ok(std::fs::metadata(p)?.permissions().mode()) };
    assert_eq!(mode(&keys_dir.join(keys::SECRET_KEY_FILE))? & 0o777, 0o600);
    assert_eq!(mode(&keys_dir)? & 0o777, 0o700);
    // The exported public key is meant to be handed around.
    let out = dir.path().join("county.pub");
    keys::export(&keys_dir, &out)?;
    assert_eq!(mode(&out)? & 0o777, 0o644);
    Ok(())
}

#[test]
fn a_name_must_be_one_line_of_text() -> TestResult {
    let dir = tempfile::tempdir()?;
    for bad in ["", "   ", "两\n行"] {
        let err = keys::init(dir.path(), bad, Role::County)
            .err()
            .ok_or("accepted a bad name")?;
        assert_eq!(err.code(), "invalid_field", "{bad:?}");
    }
    assert!(!dir.path().join(keys::SECRET_KEY_FILE).exists());
    Ok(())
}

#[test]
fn without_a_key_show_and_signer_say_so() -> TestResult {
    let dir = tempfile::tempdir()?;
    let problem = key_problem(keys::show(dir.path()))?;
    assert!(matches!(problem, KeyProblem::NoKey { .. }));
    let err = keys::signer(dir.path())
        .err()
        .ok_or("a signer without a key")?;
    assert_eq!(err.code(), "no_key");
    assert!(err.to_string().contains("zhucun keys init"), "{err}");
    Ok(())
}

#[test]
fn export_writes_a_minisign_public_key_file() -> TestResult {
    let dir = tempfile::tempdir()?;
    let me = keys::init(dir.path(), "县", Role::County)?;
    let out = dir.path().join("county.pub");
    assert_eq!(keys::export(dir.path(), &out)?, me);
    let text = std::fs::read_to_string(&out)?;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(
        lines.first().copied(),
        Some(format!("untrusted comment: minisign public key {}", me.key_id).as_str())
    );
    assert_eq!(lines.get(1).map(|l| l.len()), Some(56));
    // What the program exports, it trusts back as the same key.
    let other = tempfile::tempdir()?;
    assert_eq!(
        keys::trust(other.path(), &out, Role::County, Some("县"))?,
        me
    );
    Ok(())
}

#[test]
fn trusting_again_replaces_the_role_and_keeps_the_name() -> TestResult {
    let dir = tempfile::tempdir()?;
    let county = keys::trust(
        dir.path(),
        Path::new(SAMPLE_COUNTY_PUB),
        Role::County,
        Some("示例县（测试）"),
    )?;
    assert_eq!(county.key_id, "4BE8208489B2DB36");
    assert_eq!(county.role, Role::County);
    assert_eq!(keys::list(dir.path())?, vec![county.clone()]);

    let village = keys::trust(
        dir.path(),
        Path::new(SAMPLE_COUNTY_PUB),
        Role::Village,
        None,
    )?;
    assert_eq!(village.role, Role::Village);
    assert_eq!(village.name, "示例县（测试）");
    assert_eq!(village.fingerprint, county.fingerprint);
    assert_eq!(keys::list(dir.path())?, vec![village]);

    // No temporary file is left behind by the writes.
    let names: Vec<String> = std::fs::read_dir(dir.path())?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    assert_eq!(names, vec![keys::KEYRING_FILE.to_string()]);
    Ok(())
}

#[test]
fn a_key_without_a_name_is_named_by_its_id() -> TestResult {
    let dir = tempfile::tempdir()?;
    let k = keys::trust(dir.path(), Path::new(SAMPLE_COUNTY_PUB), Role::County, None)?;
    assert_eq!(k.name, "4BE8208489B2DB36");
    Ok(())
}

#[test]
fn untrust_removes_a_key() -> TestResult {
    let dir = tempfile::tempdir()?;
    keys::trust(dir.path(), Path::new(SAMPLE_COUNTY_PUB), Role::County, None)?;
    let removed = keys::untrust(dir.path(), "4be8208489b2db36")?;
    assert_eq!(removed.key_id, "4BE8208489B2DB36");
    assert!(keys::list(dir.path())?.is_empty());
    let problem = key_problem(keys::untrust(dir.path(), "4BE8208489B2DB36"))?;
    assert_eq!(
        problem,
        KeyProblem::NotTrusted {
            key_id: "4BE8208489B2DB36".into()
        }
    );
    Ok(())
}

#[test]
fn a_file_that_is_not_a_public_key_is_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let cases: [&[u8]; 4] = [
        b"",
        b"hello\n",
        b"untrusted comment: minisign public key 0\nnot base64 at all, not fifty-six chars\n",
        b"\xff\xfe",
    ];
    for bytes in cases {
        let file = dir.path().join("x.pub");
        std::fs::write(&file, bytes)?;
        let problem = key_problem(keys::trust(dir.path(), &file, Role::County, None))?;
        assert!(
            matches!(problem, KeyProblem::BadFile { .. }),
            "{bytes:?}: {problem:?}"
        );
    }
    assert!(keys::list(dir.path())?.is_empty());
    Ok(())
}

/// A public key file claiming the key id of one key with the Ed25519 key of another.
fn chimera(id_from: &str, key_from: &str) -> TestResult<String> {
    let a = minisign::PublicKey::from_base64(id_from)?;
    let b = minisign::PublicKey::from_base64(key_from)?;
    let mut bytes = b"Ed".to_vec();
    bytes.extend_from_slice(a.keynum());
    bytes.extend_from_slice(b.to_bytes().get(10..).ok_or("short key")?);
    let pk = minisign::PublicKey::from_bytes(&bytes)?;
    Ok(format!("untrusted comment: chimera\n{}\n", pk.to_base64()))
}

fn base64_line(pub_file: &Path) -> TestResult<String> {
    Ok(std::fs::read_to_string(pub_file)?
        .lines()
        .nth(1)
        .ok_or("no key line")?
        .to_string())
}

#[test]
fn another_key_with_a_trusted_id_is_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mine = tempfile::tempdir()?;
    keys::init(mine.path(), "村", Role::Village)?;
    let my_pub = mine.path().join("v.pub");
    keys::export(mine.path(), &my_pub)?;
    let trusted = keys::trust(dir.path(), Path::new(SAMPLE_COUNTY_PUB), Role::County, None)?;

    let fake = dir.path().join("fake.pub");
    std::fs::write(
        &fake,
        chimera(
            &base64_line(Path::new(SAMPLE_COUNTY_PUB))?,
            &base64_line(&my_pub)?,
        )?,
    )?;
    let problem = key_problem(keys::trust(dir.path(), &fake, Role::County, None))?;
    let KeyProblem::KeyIdClash {
        key_id,
        trusted: fp,
        offered,
    } = problem
    else {
        return Err(format!("expected a clash, got {problem:?}").into());
    };
    assert_eq!(key_id, "4BE8208489B2DB36");
    assert_eq!(fp, trusted.fingerprint);
    assert_ne!(offered, trusted.fingerprint);
    assert_eq!(keys::list(dir.path())?, vec![trusted]);
    Ok(())
}

#[test]
fn a_keyring_entry_holding_another_key_is_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    keys::trust(dir.path(), Path::new(SAMPLE_COUNTY_PUB), Role::County, None)?;
    let mine = tempfile::tempdir()?;
    keys::init(mine.path(), "村", Role::Village)?;
    let my_pub = mine.path().join("v.pub");
    keys::export(mine.path(), &my_pub)?;
    // Someone edits keyring.json by hand, putting another public key under the trusted id.
    let ring_path = dir.path().join(keys::KEYRING_FILE);
    let ring = std::fs::read_to_string(&ring_path)?;
    let edited = ring.replace(
        &base64_line(Path::new(SAMPLE_COUNTY_PUB))?,
        &base64_line(&my_pub)?,
    );
    assert_ne!(ring, edited);
    std::fs::write(&ring_path, edited)?;
    let problem = key_problem(keys::list(dir.path()))?;
    assert!(matches!(problem, KeyProblem::BadFile { .. }), "{problem:?}");
    Ok(())
}

#[test]
fn a_signer_does_not_show_its_secret() -> TestResult {
    let dir = tempfile::tempdir()?;
    let me = keys::init(dir.path(), "县", Role::County)?;
    let signer = keys::signer(dir.path())?;
    assert_eq!(signer.info(), &me);
    let shown = format!("{signer:?}");
    assert!(shown.contains(&me.key_id));
    let secret = std::fs::read_to_string(dir.path().join(keys::SECRET_KEY_FILE))?;
    let secret_line = secret.lines().nth(1).ok_or("no key line")?;
    assert!(!shown.contains(secret_line));
    Ok(())
}

#[test]
fn any_trusted_comment_gives_a_signature_that_verifies() -> TestResult {
    let dir = tempfile::tempdir()?;
    keys::init(dir.path(), "县", Role::County)?;
    let signer = keys::signer(dir.path())?;
    let pub_file = dir.path().join("k.pub");
    keys::export(dir.path(), &pub_file)?;
    let pk = minisign::PublicKey::from_file(&pub_file)?;
    for comment in [
        "",
        "  padded\t",
        "two\nlines\r\n",
        "tab\tseparated\tfields",
        "中文注释",
    ] {
        let text = signer.sign(b"data", comment)?;
        let sig = minisign::SignatureBox::from_string(&text)?;
        assert!(sig.is_prehashed());
        minisign::verify(&pk, &sig, std::io::Cursor::new(b"data"), true, false, false)?;
    }
    Ok(())
}

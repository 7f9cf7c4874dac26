//! Signing keys and the keyring (BUNDLES.md "Trust").
//!
//! Each installation has one minisign key pair, made by [`init`], and a keyring of the public
//! keys it trusts, each with a [`Role`]. Keys are files in a keys folder, not rows of the
//! database: the folder is `<folder of the database>/keys` unless the user names another
//! (`--keys DIR` / `ZHUCUN_KEYS`), so a database copied to another laptop does not carry its
//! secret key with it. The folder holds:
//!
//! | file | what |
//! |---|---|
//! | `secret.key` | this installation's minisign secret key, readable by its owner only |
//! | `identity.json` | its key id, name and role |
//! | `keyring.json` | the trusted public keys, with their names and roles |
//!
//! The secret key has no password. Zhucun runs on one person's offline laptop, and the app has
//! no moment where it could ask for a password before signing a return — a password typed at
//! every export would be written on a sticky note anyway. What protects the key is the file's
//! mode (0600 on Unix, set when the file is created, never after) and the laptop's own login.
//!
//! Key ids are printed as minisign prints them (16 upper-case hex digits). A key id is chosen at
//! random by whoever makes the key, so it names a key but does not prove which one; people
//! compare the [fingerprint](KeyInfo::fingerprint), derived from the whole public key, instead.
//!
//! # Examples
//!
//! ```
//! use zhucun_core::keys::{self, Role};
//! let county = tempfile::tempdir()?;
//! let village = tempfile::tempdir()?;
//! let me = keys::init(county.path(), "示例县乡村振兴局", Role::County)?;
//! keys::export(county.path(), &county.path().join("county.pub"))?;
//! let trusted = keys::trust(village.path(), &county.path().join("county.pub"), Role::County, None)?;
//! assert_eq!(trusted.key_id, me.key_id);
//! assert_eq!(trusted.fingerprint, me.fingerprint);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::fs;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Lang, Result, Rule};

/// The secret key file inside the keys folder.
pub const SECRET_KEY_FILE: &str = "secret.key";
/// The file naming this installation's key.
pub const IDENTITY_FILE: &str = "identity.json";
/// The keyring file.
pub const KEYRING_FILE: &str = "keyring.json";
/// The name of the keys folder beside the database.
pub const KEYS_DIR: &str = "keys";

/// The `format` of `keyring.json`.
const KEYRING_FORMAT: &str = "zhucun-keyring/1";
/// Key files and keyrings are small; anything larger is not one (and is not read whole).
const MAX_KEY_FILE_BYTES: u64 = 1 << 20;
/// The longest name of a key, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// What a key may sign, as the receiver trusts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The county office: signs templates.
    County,
    /// A village team: signs returns and sync bundles.
    Village,
}

impl Role {
    /// Both roles.
    pub const ALL: [Role; 2] = [Role::County, Role::Village];

    /// The role as written in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::County => "county",
            Role::Village => "village",
        }
    }

    /// The role as people read it.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Role::County => lang.pick("县级", "county"),
            Role::Village => lang.pick("村级", "village"),
        }
    }

    /// Reads `county` or `village` (or 县/县级, 村/村级).
    ///
    /// # Examples
    ///
    /// ```
    /// use zhucun_core::keys::Role;
    /// assert_eq!(Role::parse(" County "), Some(Role::County));
    /// assert_eq!(Role::parse("村级"), Some(Role::Village));
    /// assert_eq!(Role::parse("town"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Role> {
        match text.trim().to_ascii_lowercase().as_str() {
            "county" | "县" | "县级" => Some(Role::County),
            "village" | "村" | "村级" => Some(Role::Village),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A key as people see it: this installation's own, or one of the keyring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// The minisign key id, 16 upper-case hex digits (`4BE8208489B2DB36`).
    pub key_id: String,
    /// Four groups of four digits derived from the SHA-256 of the public key
    /// (`0362 1187 4409 5521`): what two people read to each other over the phone before
    /// trusting a key.
    pub fingerprint: String,
    /// Who holds the key (`示例县乡村振兴局`).
    pub name: String,
    /// What it is trusted to sign (for the own key: what it signs as).
    pub role: Role,
}

/// Why a key, a public key file or the keyring cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyProblem {
    /// This installation has no signing key yet.
    NoKey {
        /// The keys folder.
        dir: PathBuf,
    },
    /// [`init`] was asked for a key where one exists already.
    KeyExists {
        /// The keys folder.
        dir: PathBuf,
        /// The existing key's id, when it can be read.
        key_id: Option<String>,
    },
    /// A file that is not a usable minisign key, or an identity or keyring file that is damaged.
    BadFile {
        /// The file.
        path: PathBuf,
        /// What is wrong, in English (from the reader).
        detail: String,
    },
    /// A public key whose key id is already trusted for a different public key.
    KeyIdClash {
        /// The key id both claim.
        key_id: String,
        /// The fingerprint of the key already trusted.
        trusted: String,
        /// The fingerprint of the key offered.
        offered: String,
    },
    /// A key id that is not in the keyring.
    NotTrusted {
        /// The key id asked for.
        key_id: String,
    },
}

impl KeyProblem {
    /// The stable code of this problem ([`Error::code`]).
    pub fn code(&self) -> &'static str {
        match self {
            KeyProblem::NoKey { .. } => "no_key",
            KeyProblem::KeyExists { .. } => "key_exists",
            KeyProblem::BadFile { .. } => "invalid_key",
            KeyProblem::KeyIdClash { .. } => "conflict",
            KeyProblem::NotTrusted { .. } => "not_found",
        }
    }

    /// The problem as one sentence.
    pub fn message(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match self {
            KeyProblem::NoKey { dir } => {
                if zh {
                    format!(
                        "本机还没有签名密钥（{}）：请先运行 zhucun keys init --name 名称 --role county 或 village",
                        dir.display()
                    )
                } else {
                    format!(
                        "This installation has no signing key yet ({}): run zhucun keys init --name NAME --role county or village first",
                        dir.display()
                    )
                }
            }
            KeyProblem::KeyExists { dir, key_id } => {
                let id = key_id.as_deref().unwrap_or("?");
                if zh {
                    format!(
                        "本机已有签名密钥 {id}（{}），不会覆盖它：换密钥会让对方不再认得本机签发的数据包",
                        dir.display()
                    )
                } else {
                    format!(
                        "This installation has a signing key already, {id} ({}); it is not replaced, because others would no longer recognise its bundles",
                        dir.display()
                    )
                }
            }
            KeyProblem::BadFile { path, detail } => {
                if zh {
                    format!("{} 不是可用的密钥文件：{detail}", path.display())
                } else {
                    format!("{} is not a usable key file: {detail}", path.display())
                }
            }
            KeyProblem::KeyIdClash {
                key_id,
                trusted,
                offered,
            } => {
                if zh {
                    format!(
                        "已信任的密钥 {key_id}（指纹 {trusted}）与此公钥（指纹 {offered}）编号相同、内容不同：请先核实，必要时移除旧密钥再信任"
                    )
                } else {
                    format!(
                        "Key {key_id} is trusted already with fingerprint {trusted}, and this public key claims the same id with fingerprint {offered}: check with its holder, and remove the old key first if it is really replaced"
                    )
                }
            }
            KeyProblem::NotTrusted { key_id } => {
                if zh {
                    format!("信任列表中没有密钥 {key_id}")
                } else {
                    format!("Key {key_id} is not in the keyring")
                }
            }
        }
    }
}

fn key_error(problem: KeyProblem) -> Error {
    Error::Key { problem }
}

fn bad_file(path: &Path, detail: impl fmt::Display) -> Error {
    key_error(KeyProblem::BadFile {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    })
}

/// The keys folder for a database: `keys` beside it.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// let dir = zhucun_core::keys::dir_beside(Path::new("/data/zhucun/zhucun.sqlite"));
/// assert_eq!(dir, Path::new("/data/zhucun/keys"));
/// ```
pub fn dir_beside(db_path: &Path) -> PathBuf {
    match db_path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.join(KEYS_DIR),
        _ => PathBuf::from(KEYS_DIR),
    }
}

/// The key id of a public key as minisign prints it: its 8 key-number bytes, little-endian, in
/// 16 upper-case hex digits.
fn key_id_of(pk: &minisign::PublicKey) -> String {
    key_id_from_keynum(pk.keynum())
}

/// The key id for minisign's 8 key-number bytes (anything else gives `?`, never a panic).
pub(crate) fn key_id_from_keynum(keynum: &[u8]) -> String {
    match <[u8; 8]>::try_from(keynum) {
        Ok(bytes) => format!("{:016X}", u64::from_le_bytes(bytes)),
        Err(_) => "?".to_string(),
    }
}

/// Four groups of four digits from the SHA-256 of the whole public key (algorithm, key id and
/// Ed25519 key). 10^16 values: matching one by chance takes about 2^53 key generations, far
/// more than anyone spends to fool a county office, and 16 digits are still easy to read out.
fn fingerprint_of(pk: &minisign::PublicKey) -> String {
    let digest = Sha256::digest(pk.to_bytes());
    let mut first = [0u8; 8];
    for (slot, byte) in first.iter_mut().zip(digest.iter()) {
        *slot = *byte;
    }
    let digits = format!("{:016}", u64::from_be_bytes(first) % 10_000_000_000_000_000);
    let groups: Vec<&str> = [0, 4, 8, 12]
        .iter()
        .filter_map(|&i| digits.get(i..i + 4))
        .collect();
    groups.join(" ")
}

fn info_of(pk: &minisign::PublicKey, name: &str, role: Role) -> KeyInfo {
    KeyInfo {
        key_id: key_id_of(pk),
        fingerprint: fingerprint_of(pk),
        name: name.to_string(),
        role,
    }
}

/// A checked name: trimmed, not empty, not too long, no control characters.
fn checked_name(name: &str) -> Result<String> {
    let t = name.trim();
    if t.is_empty() {
        return Err(Error::invalid("name", name, Rule::Required));
    }
    if t.chars().count() > MAX_NAME_CHARS {
        return Err(Error::invalid(
            "name",
            name,
            Rule::TooLong {
                max: MAX_NAME_CHARS,
            },
        ));
    }
    if t.chars().any(char::is_control) {
        return Err(Error::invalid("name", name, Rule::BadCharacters));
    }
    Ok(t.to_string())
}

/// The own key's description in `identity.json`.
#[derive(Debug, Serialize, Deserialize)]
struct Identity {
    key_id: String,
    name: String,
    role: Role,
    created_at: String,
}

/// Makes this installation's key pair in `dir` (created if needed, mode 0700 on Unix) and
/// returns its description.
///
/// The secret key is written in minisign's own format without a password (see the module
/// documentation for why), to a file that is created with mode 0600 on Unix; an existing key is
/// never replaced.
///
/// # Errors
///
/// `key_exists` when `dir` has a key already; `invalid_field` (field `name`) for an empty, too
/// long or multi-line name; `io` when the folder cannot be written.
pub fn init(dir: &Path, name: &str, role: Role) -> Result<KeyInfo> {
    let name = checked_name(name)?;
    let secret_path = dir.join(SECRET_KEY_FILE);
    if secret_path.exists() {
        return Err(exists_error(dir));
    }
    create_private_dir(dir)?;
    let pair = minisign::KeyPair::generate_unencrypted_keypair()
        .map_err(|e| Error::io(&secret_path, std::io::Error::other(e.to_string())))?;
    let info = info_of(&pair.pk, &name, role);
    let secret_box = pair
        .sk
        .to_box(Some("zhucun secret key (no password: see zhucun keys)"))
        .map_err(|e| Error::io(&secret_path, std::io::Error::other(e.to_string())))?;

    // The secret goes to a temporary file created 0600 and is renamed without replacing
    // anything: two `init`s at once cannot both win, and no reader sees half a key.
    let mut tmp = private_tempfile(dir)?;
    tmp.write_all(secret_box.to_string().as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| Error::io(&secret_path, e))?;
    tmp.persist_noclobber(&secret_path).map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            exists_error(dir)
        } else {
            Error::io(&secret_path, e.error)
        }
    })?;

    let identity = Identity {
        key_id: info.key_id.clone(),
        name: info.name.clone(),
        role,
        created_at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
    };
    let written = serde_json::to_vec_pretty(&identity)
        .map_err(|e| Error::io(dir.join(IDENTITY_FILE), std::io::Error::other(e)))
        .and_then(|json| write_replacing(&dir.join(IDENTITY_FILE), &json, false));
    if let Err(e) = written {
        // Without its identity the key cannot be used: take it back so `init` can be retried.
        let _ = fs::remove_file(&secret_path);
        return Err(e);
    }
    Ok(info)
}

fn exists_error(dir: &Path) -> Error {
    key_error(KeyProblem::KeyExists {
        dir: dir.to_path_buf(),
        key_id: show(dir).ok().map(|k| k.key_id),
    })
}

/// This installation's key: id, fingerprint, name and role.
///
/// # Errors
///
/// `no_key` before [`init`]; `invalid_key` when the key or `identity.json` is damaged; `io`.
pub fn show(dir: &Path) -> Result<KeyInfo> {
    Ok(load_own(dir)?.1)
}

/// Writes this installation's public key to `out` as a standard minisign public key file
/// (`untrusted comment: minisign public key <ID>`, then the key in base64), which
/// `minisign -V -p` and [`trust`] read. Returns the key's description.
///
/// # Errors
///
/// `no_key` before [`init`]; `io` when `out` cannot be written.
pub fn export(dir: &Path, out: &Path) -> Result<KeyInfo> {
    let (own, info) = load_own(dir)?;
    write_replacing(out, public_key_file(&own.pk).as_bytes(), true)?;
    Ok(info)
}

/// The text of a minisign public key file for `pk`.
fn public_key_file(pk: &minisign::PublicKey) -> String {
    format!(
        "untrusted comment: minisign public key {}\n{}\n",
        key_id_of(pk),
        pk.to_base64()
    )
}

/// Adds the public key in `pub_file` (a minisign public key file, or its one base64 line) to
/// the keyring with `role`, named `name` (by default: the name it had, or its key id).
///
/// Trusting is always an explicit act: nothing trusts a key because a bundle named it.
/// Trusting a key that is in the keyring already replaces its role (and its name, when one is
/// given): a key has one role at a time.
///
/// # Errors
///
/// `invalid_key` when the file is not a minisign public key; `conflict` when another public key
/// with the same key id is trusted already; `invalid_field` for a bad name; `io`.
pub fn trust(dir: &Path, pub_file: &Path, role: Role, name: Option<&str>) -> Result<KeyInfo> {
    let name = name.map(checked_name).transpose()?;
    let text = read_small(pub_file)?;
    let pk = parse_public_key(&text).map_err(|detail| bad_file(pub_file, detail))?;
    let key_id = key_id_of(&pk);
    let mut ring = load_keyring(dir)?;
    let old = ring.keys.iter().position(|k| k.key_id == key_id);
    let name = match (name, old.and_then(|i| ring.keys.get(i))) {
        (Some(n), _) => n,
        (None, Some(existing)) => existing.name.clone(),
        (None, None) => key_id.clone(),
    };
    if let Some(existing) = old.and_then(|i| ring.keys.get(i)) {
        let existing_pk = existing.public_key(dir)?;
        if existing_pk.to_bytes() != pk.to_bytes() {
            return Err(key_error(KeyProblem::KeyIdClash {
                key_id,
                trusted: fingerprint_of(&existing_pk),
                offered: fingerprint_of(&pk),
            }));
        }
    }
    let entry = TrustedKey {
        key_id: key_id.clone(),
        name: name.clone(),
        role,
        public_key: pk.to_base64(),
        trusted_at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
    };
    match old {
        Some(i) => {
            if let Some(slot) = ring.keys.get_mut(i) {
                *slot = entry;
            }
        }
        None => ring.keys.push(entry),
    }
    create_private_dir(dir)?;
    save_keyring(dir, &ring)?;
    Ok(info_of(&pk, &name, role))
}

/// Removes a key from the keyring and returns what it was.
///
/// # Errors
///
/// `not_found` when the key id is not trusted; `invalid_key` for a damaged keyring; `io`.
pub fn untrust(dir: &Path, key_id: &str) -> Result<KeyInfo> {
    let wanted = key_id.trim().to_ascii_uppercase();
    let mut ring = load_keyring(dir)?;
    let Some(i) = ring.keys.iter().position(|k| k.key_id == wanted) else {
        return Err(key_error(KeyProblem::NotTrusted { key_id: wanted }));
    };
    let removed = ring.keys.remove(i);
    let pk = removed.public_key(dir)?;
    save_keyring(dir, &ring)?;
    Ok(info_of(&pk, &removed.name, removed.role))
}

/// The keyring, in the order keys were first trusted.
///
/// # Errors
///
/// `invalid_key` for a damaged keyring; `io`.
pub fn list(dir: &Path) -> Result<Vec<KeyInfo>> {
    load_keyring(dir)?
        .keys
        .iter()
        .map(|k| Ok(info_of(&k.public_key(dir)?, &k.name, k.role)))
        .collect()
}

/// The trusted key with `key_id`, with its public key, if the keyring has it.
pub(crate) fn trusted(dir: &Path, key_id: &str) -> Result<Option<(KeyInfo, minisign::PublicKey)>> {
    let ring = load_keyring(dir)?;
    match ring.keys.iter().find(|k| k.key_id == key_id) {
        Some(k) => {
            let pk = k.public_key(dir)?;
            Ok(Some((info_of(&pk, &k.name, k.role), pk)))
        }
        None => Ok(None),
    }
}

/// This installation's key, ready to sign.
///
/// # Errors
///
/// `no_key` before [`init`]; `invalid_key` when the key or `identity.json` is damaged; `io`.
pub fn signer(dir: &Path) -> Result<Signer> {
    let (secret, info) = load_own(dir)?;
    Ok(Signer { secret, info })
}

/// A secret key loaded for signing, with its description. Its `Debug` shows the key id only.
pub struct Signer {
    secret: OwnKey,
    info: KeyInfo,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("key_id", &self.info.key_id)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// The key's id, fingerprint, name and role.
    pub fn info(&self) -> &KeyInfo {
        &self.info
    }

    /// A prehashed minisign signature of `data`, as the text of a `.minisig` file.
    /// `trusted_comment` is signed too (as one trimmed line: line breaks in it become spaces).
    ///
    /// # Errors
    ///
    /// `io` only if the system's random number generator fails.
    pub fn sign(&self, data: &[u8], trusted_comment: &str) -> Result<String> {
        // One line, trimmed: minisign reads the comment up to the line break and trims it, and
        // what it reads back must be what was signed.
        let comment: String = trusted_comment
            .chars()
            .map(|c| if matches!(c, '\n' | '\r') { ' ' } else { c })
            .collect();
        let comment = comment.trim();
        let untrusted = format!("signature from zhucun key {}", self.info.key_id);
        let sig = minisign::sign(
            Some(&self.secret.pk),
            &self.secret.sk,
            Cursor::new(data),
            Some(comment),
            Some(&untrusted),
        )
        .map_err(|e| {
            Error::io(
                SECRET_KEY_FILE,
                std::io::Error::other(format!("signing failed: {e}")),
            )
        })?;
        Ok(sig.into_string())
    }
}

/// The own key pair, parsed.
struct OwnKey {
    sk: minisign::SecretKey,
    pk: minisign::PublicKey,
}

fn load_own(dir: &Path) -> Result<(OwnKey, KeyInfo)> {
    let secret_path = dir.join(SECRET_KEY_FILE);
    if !secret_path.exists() {
        return Err(key_error(KeyProblem::NoKey {
            dir: dir.to_path_buf(),
        }));
    }
    let text = read_small(&secret_path)?;
    let sk = minisign::SecretKeyBox::from_string(&text)
        .and_then(minisign::SecretKey::from_unencrypted_box)
        .map_err(|e| bad_file(&secret_path, e))?;
    let pk = minisign::PublicKey::from_secret_key(&sk).map_err(|e| bad_file(&secret_path, e))?;

    let identity_path = dir.join(IDENTITY_FILE);
    let identity: Identity = serde_json::from_str(&read_small(&identity_path)?)
        .map_err(|e| bad_file(&identity_path, e))?;
    let info = info_of(&pk, &identity.name, identity.role);
    if identity.key_id != info.key_id {
        return Err(bad_file(
            &identity_path,
            format!(
                "it names key {} but {SECRET_KEY_FILE} holds key {}",
                identity.key_id, info.key_id
            ),
        ));
    }
    Ok((OwnKey { sk, pk }, info))
}

/// Reads a minisign public key file, or a bare base64 public key line.
fn parse_public_key(text: &str) -> std::result::Result<minisign::PublicKey, String> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let encoded = match lines.as_slice() {
        [comment, key] if comment.starts_with("untrusted comment:") => *key,
        [key] => *key,
        _ => {
            return Err(
                "expected “untrusted comment: …” and one line of base64, as minisign writes"
                    .to_string(),
            )
        }
    };
    let pk = minisign::PublicKey::from_base64(encoded).map_err(|e| e.to_string())?;
    if pk.to_bytes().get(..2) != Some(b"Ed".as_slice()) {
        return Err("not an Ed25519 minisign public key".to_string());
    }
    Ok(pk)
}

/// `keyring.json`.
#[derive(Debug, Serialize, Deserialize)]
struct Keyring {
    format: String,
    keys: Vec<TrustedKey>,
}

impl Default for Keyring {
    fn default() -> Self {
        Keyring {
            format: KEYRING_FORMAT.to_string(),
            keys: Vec::new(),
        }
    }
}

/// One trusted key.
#[derive(Debug, Serialize, Deserialize)]
struct TrustedKey {
    key_id: String,
    name: String,
    role: Role,
    /// The base64 line of its minisign public key file.
    public_key: String,
    trusted_at: String,
}

impl TrustedKey {
    /// The public key, checked against its recorded key id (a hand-edited keyring must not
    /// make one key pass for another).
    fn public_key(&self, dir: &Path) -> Result<minisign::PublicKey> {
        let path = dir.join(KEYRING_FILE);
        let pk = parse_public_key(&self.public_key).map_err(|d| bad_file(&path, d))?;
        if key_id_of(&pk) != self.key_id {
            return Err(bad_file(
                &path,
                format!(
                    "the entry for {} holds the public key of {}",
                    self.key_id,
                    key_id_of(&pk)
                ),
            ));
        }
        Ok(pk)
    }
}

fn load_keyring(dir: &Path) -> Result<Keyring> {
    let path = dir.join(KEYRING_FILE);
    if !path.exists() {
        return Ok(Keyring::default());
    }
    let ring: Keyring =
        serde_json::from_str(&read_small(&path)?).map_err(|e| bad_file(&path, e))?;
    if ring.format != KEYRING_FORMAT {
        return Err(bad_file(
            &path,
            format!("format “{}”, expected {KEYRING_FORMAT}", ring.format),
        ));
    }
    Ok(ring)
}

fn save_keyring(dir: &Path, ring: &Keyring) -> Result<()> {
    let path = dir.join(KEYRING_FILE);
    let json = serde_json::to_vec_pretty(ring).map_err(|e| bad_file(&path, e))?;
    write_replacing(&path, &json, false)
}

/// Reads a file that should be small, refusing one that is not.
fn read_small(path: &Path) -> Result<String> {
    let file = fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_KEY_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > MAX_KEY_FILE_BYTES {
        return Err(bad_file(path, "the file is far too large"));
    }
    String::from_utf8(bytes).map_err(|_| bad_file(path, "the file is not UTF-8 text"))
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`: readers see
/// the old file or the new one, never half of one. The file is private (0600 on Unix) unless
/// it is `public`, like an exported public key (0644).
fn write_replacing(path: &Path, bytes: &[u8], public: bool) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".zhucun-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(if public {
            0o644
        } else {
            0o600
        }));
    }
    #[cfg(not(unix))]
    let _ = public;
    let mut tmp = builder.tempfile_in(dir).map_err(|e| Error::io(dir, e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// A temporary file in `dir` that only its owner can read, from the moment it exists.
fn private_tempfile(dir: &Path) -> Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".zhucun-secret-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o600));
    }
    builder.tempfile_in(dir).map_err(|e| Error::io(dir, e))
}

/// Creates the keys folder (and its parents) if needed; on Unix the folder itself is 0700.
fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| Error::io(dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_read_as_minisign_prints_them() {
        assert_eq!(
            key_id_from_keynum(&[0x36, 0xDB, 0xB2, 0x89, 0x84, 0x20, 0xE8, 0x4B]),
            "4BE8208489B2DB36"
        );
        assert_eq!(key_id_from_keynum(&[1, 2]), "?");
    }

    #[test]
    fn the_sample_public_key_parses_with_its_id() -> std::result::Result<(), String> {
        let text = "untrusted comment: minisign public key 4BE8208489B2DB36\n\
                    RWQ227KJhCDoSwriValb9+KEhMdmrS5g7jvOLU5akdUJaU2UeZpafyub\n";
        let pk = parse_public_key(text)?;
        assert_eq!(key_id_of(&pk), "4BE8208489B2DB36");
        assert_eq!(public_key_file(&pk), text);
        let fp = fingerprint_of(&pk);
        assert_eq!(fp.len(), 19);
        assert!(fp.split(' ').all(|g| g.len() == 4));
        Ok(())
    }

    #[test]
    fn garbage_is_not_a_public_key() {
        assert!(parse_public_key("").is_err());
        assert!(parse_public_key("untrusted comment: x\nnot base64\n").is_err());
        assert!(parse_public_key("a\nb\nc\n").is_err());
    }
}

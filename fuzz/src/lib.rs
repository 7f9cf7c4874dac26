//! What the fuzz targets and the seed generator share: the receiving keyring, prepared once per
//! process, and the structured input of the `archive` target, turned into a ZIP archive.
//!
//! The `bundle_reader` target feeds raw bytes to [`zhucun_core::bundle::verify`]. Raw bytes
//! rarely get past step 1 with a manifest worth reading: every entry is deflated and carries a
//! CRC-32, and the manifest must be signed by a trusted key. The `archive` target therefore
//! builds a real ZIP from an [`ArchiveInput`] — entries, names, types and compression of the
//! fuzzer's choosing, a manifest made of fields that are each either right or anything else,
//! and a signature made here by a trusted or unknown key and then, maybe, damaged — so that
//! steps 2 to 4 are reached as often as step 1.
//!
//! The `sync_merge` target ([`sync_merge`]) goes past step 4: sync bundles signed by a trusted
//! laptop, holding demo rows changed at the fuzzer's choice, merged one after another.

pub mod sync_merge;

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use ct_codecs::{Base64, Decoder, Encoder};
use serde_json::{Map, Value};
use zhucun_core::bundle::{Kind, VerifiedBundle, MANIFEST_FILE, SIGNATURE_FILE};
use zhucun_core::keys::{self, Role};
use zhucun_core::{DivisionCode, Lang};
use zip::write::{FullFileOptions, SimpleFileOptions};
use zip::{CompressionMethod, ZipWriter};

/// The shared samples (`shared/samples` beside the repository).
pub const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/samples");
/// The county key of the shared samples: its public half is trusted as a county key, so the
/// sample bundle and the seeds signed with it verify completely.
pub const SAMPLE_COUNTY_PUB: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/samples/bundles/test-county.pub"
);
/// The fuzz keys: fixed, so that a ZIP written from an `archive` input (the `archive_zip`
/// example) is signed as it was while fuzzing, and the regression tests trust the same keys.
/// Test keys only: they sign nothing but fuzz inputs.
pub const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/keys");
/// The receiver's village.
pub const VILLAGE_CODE: &str = "513433100201";

/// A key pair that signs bundles inside the `archive` target.
pub struct SigningKey {
    /// Its key id, 16 upper-case hex digits.
    pub key_id: String,
    pk: minisign::PublicKey,
    sk: minisign::SecretKey,
}

impl SigningKey {
    /// The key pair `fuzz/keys/<name>.key` (an unencrypted minisign secret key).
    fn load(name: &str) -> SigningKey {
        let path = Path::new(KEYS).join(format!("{name}.key"));
        let text = std::fs::read_to_string(&path).expect("a fuzz key file");
        let sk = minisign::SecretKeyBox::from_string(&text)
            .and_then(minisign::SecretKeyBox::into_unencrypted_secret_key)
            .expect("an unencrypted minisign secret key");
        let pk = minisign::PublicKey::from_secret_key(&sk).expect("its public key");
        SigningKey {
            key_id: key_id(pk.keynum()),
            pk,
            sk,
        }
    }

    /// Its public key file, `fuzz/keys/<name>.pub`.
    fn public_file(name: &str) -> PathBuf {
        Path::new(KEYS).join(format!("{name}.pub"))
    }

    /// A prehashed minisign signature of `data`, or `None` when minisign refuses the comments.
    pub fn sign(&self, data: &[u8], trusted: &str, untrusted: &str) -> Option<String> {
        minisign::sign(
            Some(&self.pk),
            &self.sk,
            Cursor::new(data),
            Some(trusted),
            Some(untrusted),
        )
        .ok()
        .map(|b| b.into_string())
    }
}

fn key_id(keynum: &[u8]) -> String {
    let bytes: [u8; 8] = keynum.try_into().expect("8 key-number bytes");
    format!("{:016X}", u64::from_le_bytes(bytes))
}

/// The receiving laptop: a village's keys folder (its own key made by `keys init`) whose
/// keyring trusts the shared sample county key and `fuzz/keys/county` as county keys and
/// `fuzz/keys/peer` as a village key; `fuzz/keys/stranger` is trusted by nobody.
pub struct World {
    _dir: tempfile::TempDir,
    /// The keys folder given to `verify`.
    pub keys_dir: PathBuf,
    /// The receiver's village, given to `verify` as the local village.
    pub village: DivisionCode,
    /// Trusted as a county key.
    pub county: SigningKey,
    /// Trusted as a village key.
    pub peer: SigningKey,
    /// Not trusted.
    pub stranger: SigningKey,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let keys_dir = dir.path().join("village-keys");
        keys::init(&keys_dir, "模糊测试村", Role::Village).expect("keys init");
        let sample = Path::new(SAMPLE_COUNTY_PUB);
        if sample.exists() {
            keys::trust(&keys_dir, sample, Role::County, Some("示例县")).expect("trust sample");
        }
        for (name, role) in [("county", Role::County), ("peer", Role::Village)] {
            keys::trust(&keys_dir, &SigningKey::public_file(name), role, None).expect("trust");
        }
        World {
            _dir: dir,
            keys_dir,
            village: DivisionCode::parse("village", VILLAGE_CODE).expect("a village code"),
            county: SigningKey::load("county"),
            peer: SigningKey::load("peer"),
            stranger: SigningKey::load("stranger"),
        }
    }

    /// Runs `verify` and checks what an accepted bundle promises: one payload file, listed
    /// with its size and SHA-256, signed by a key whose role fits the kind. A refusal's
    /// messages are made too, in both languages, as the CLI and the app show them.
    pub fn verify(&self, bytes: &[u8], local_village: bool) -> zhucun_core::Result<VerifiedBundle> {
        let village = local_village.then_some(&self.village);
        let result = zhucun_core::bundle::verify(bytes, &self.keys_dir, village);
        if let Ok(v) = &result {
            let kind = v.manifest.kind;
            assert_eq!(
                v.signer.role,
                kind.signer_role(),
                "accepted from a wrong role"
            );
            assert_eq!(v.signer.key_id, v.manifest.signer.key_id);
            assert_eq!(v.files.len(), 1, "accepted without its one payload file");
            let (file, listed) = (&v.files[0], &v.manifest.files[0]);
            assert_eq!(file.path, listed.path);
            assert_eq!(file.bytes.len() as u64, listed.size);
            assert_eq!(
                zhucun_core::template::sha256_hex(&file.bytes),
                listed.sha256,
                "accepted with a wrong hash"
            );
            assert!(kind.payload_names().contains(&file.path.as_str()));
            if kind == Kind::Sync {
                assert_eq!(
                    v.manifest.village.as_ref().map(|v| &v.code),
                    village,
                    "a sync bundle of another village accepted"
                );
            }
        }
        if let Err(e) = &result {
            let _ = (e.code(), e.message(Lang::Zh), e.message(Lang::En));
        }
        result
    }
}

/// The receiving laptop, made on first use.
pub fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(World::new)
}

/// A JSON value of the fuzzer's choosing.
#[derive(Debug, Clone, Arbitrary)]
pub enum Json {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn value(&self) -> Value {
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Int(n) => Value::from(*n),
            Json::UInt(n) => Value::from(*n),
            Json::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Json::Str(s) => Value::String(s.clone()),
            Json::Array(items) => Value::Array(items.iter().map(Json::value).collect()),
            Json::Object(fields) => {
                Value::Object(fields.iter().map(|(k, v)| (k.clone(), v.value())).collect())
            }
        }
    }
}

/// One manifest field: the right value (made from `T`), missing, or any other JSON value.
#[derive(Debug, Clone)]
pub enum Field<T> {
    Right(T),
    Missing,
    Other(Json),
}

/// Right seven times in eight (and when the input runs out): a return manifest has some
/// fifteen fields, and an even choice for each would almost never make one that passes step 2.
impl<'a, T: Arbitrary<'a>> Arbitrary<'a> for Field<T> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match u.arbitrary::<u8>()? {
            0..=223 => Field::Right(u.arbitrary()?),
            224..=239 => Field::Missing,
            _ => Field::Other(u.arbitrary()?),
        })
    }
}

impl<T> Field<T> {
    fn put(&self, map: &mut Map<String, Value>, key: &str, right: impl FnOnce(&T) -> Value) {
        match self {
            Field::Right(t) => {
                map.insert(key.to_string(), right(t));
            }
            Field::Missing => {}
            Field::Other(json) => {
                map.insert(key.to_string(), json.value());
            }
        }
    }
}

/// A scalar field: right, missing or other.
pub type Scalar = Field<()>;

#[derive(Debug, Clone, Arbitrary)]
pub struct SignerFields {
    key_id: Scalar,
    name: Scalar,
    role: Scalar,
}

#[derive(Debug, Clone, Arbitrary)]
pub struct VillageFields {
    code: Scalar,
    name: Scalar,
}

#[derive(Debug, Clone, Arbitrary)]
pub struct TemplateFields {
    id: Scalar,
    version: Scalar,
    sha256: Scalar,
}

#[derive(Debug, Clone, Arbitrary)]
pub struct SyncFields {
    device: Scalar,
    from: Scalar,
    to: Scalar,
    rows: Scalar,
}

/// One item of `files`, about the payload entry `entry` (modulo their number).
#[derive(Debug, Clone, Arbitrary)]
pub struct FileFields {
    entry: u8,
    path: Scalar,
    size: Scalar,
    sha256: Scalar,
}

/// A manifest built field by field.
#[derive(Debug, Clone, Arbitrary)]
pub struct ManifestFields {
    format: Scalar,
    kind: Field<KindChoice>,
    id: Scalar,
    created_at: Scalar,
    app: Scalar,
    signer: Field<SignerFields>,
    village: Field<VillageFields>,
    period: Scalar,
    template: Field<TemplateFields>,
    sync: Field<SyncFields>,
    /// Right with no items: every payload entry, listed rightly.
    files: Field<Vec<FileFields>>,
    extra: Vec<(String, Json)>,
    pretty: bool,
}

#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum KindChoice {
    Template,
    Return,
    Sync,
}

impl KindChoice {
    fn kind(self) -> Kind {
        match self {
            KindChoice::Template => Kind::Template,
            KindChoice::Return => Kind::Return,
            KindChoice::Sync => Kind::Sync,
        }
    }
}

/// `manifest.json`: built, raw bytes, or absent.
#[derive(Debug, Clone, Arbitrary)]
pub enum ManifestInput {
    Fields(Box<ManifestFields>),
    Raw(Vec<u8>),
    Missing,
}

/// Who signs the manifest.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum SignerChoice {
    /// The kind's rightful signer: `county` for a template, `peer` otherwise.
    Rightful,
    County,
    Peer,
    Stranger,
}

/// Damage done to a good signature.
#[derive(Debug, Clone, Arbitrary)]
pub enum SignatureDamage {
    None,
    /// Line `line` (of the four) replaced by `text`.
    Line {
        line: u8,
        text: String,
    },
    /// One byte of the decoded signature line (algorithm, key number, signature) changed.
    SignatureByte {
        at: u8,
        xor: u8,
    },
    /// One byte of the decoded global signature (fourth line) changed.
    GlobalByte {
        at: u8,
        xor: u8,
    },
    /// The decoded global signature cut to `len` bytes (and encoded again).
    GlobalLength {
        len: u8,
    },
    /// The text cut after `at` bytes.
    Truncate {
        at: u16,
    },
    Append(String),
}

/// `manifest.json.minisig`.
#[derive(Debug, Clone, Arbitrary)]
pub enum SignatureInput {
    Signed {
        by: SignerChoice,
        trusted_comment: String,
        untrusted_comment: String,
        damage: SignatureDamage,
    },
    Raw(Vec<u8>),
    Missing,
}

/// The name of an entry.
#[derive(Debug, Clone, Arbitrary)]
pub enum EntryName {
    /// The kind's first payload name.
    Payload,
    /// The `n`th payload name of any kind.
    AnyPayload(u8),
    /// Like `manifest.json` or the signature's name, to collide with them.
    Manifest,
    Signature,
    Other(String),
}

/// What an entry is, as its header says.
#[derive(Debug, Clone, Arbitrary)]
pub enum EntryType {
    File,
    Directory,
    Symlink,
    /// External attributes as given.
    Attributes(u32),
}

/// How an entry is stored.
#[derive(Debug, Clone, Arbitrary)]
pub struct EntryShape {
    deflate: bool,
    zip64: bool,
    typ: EntryType,
    comment: Option<String>,
    extra: Option<(u16, Vec<u8>, bool)>,
}

/// One payload (or extra) entry.
#[derive(Debug, Clone, Arbitrary)]
pub struct EntryInput {
    name: EntryName,
    data: Vec<u8>,
    shape: EntryShape,
}

/// The input of the `archive` target.
#[derive(Debug, Clone, Arbitrary)]
pub struct ArchiveInput {
    kind: KindChoice,
    manifest: ManifestInput,
    manifest_shape: EntryShape,
    signature: SignatureInput,
    signature_shape: EntryShape,
    /// The payload: one entry always (so that an input that runs out early still makes a
    /// whole bundle, and mutations start from one), and maybe more.
    payload: EntryInput,
    more_entries: Vec<EntryInput>,
    /// Where manifest and signature go among the entries.
    order: u8,
    archive_comment: Option<Vec<u8>>,
    /// Bytes of the finished archive changed: (offset, xor).
    damage: Vec<(u16, u8)>,
    /// Whether `verify` is given the receiver's village.
    pub local_village: bool,
}

impl ArchiveInput {
    /// The ZIP archive this input describes.
    pub fn to_zip(&self, world: &World) -> Vec<u8> {
        let kind = self.kind.kind();
        let payload: Vec<(String, &EntryInput)> = std::iter::once(&self.payload)
            .chain(&self.more_entries)
            .map(|e| (entry_name(&e.name, kind), e))
            .collect();
        let signer = match &self.signature {
            SignatureInput::Signed { by, .. } => Some(signing_key(world, *by, kind)),
            _ => None,
        };
        let manifest = match &self.manifest {
            ManifestInput::Fields(f) => Some(manifest_json(f, kind, signer, world, &payload)),
            ManifestInput::Raw(bytes) => Some(bytes.clone()),
            ManifestInput::Missing => None,
        };
        let signature = match (&self.signature, signer) {
            (
                SignatureInput::Signed {
                    trusted_comment,
                    untrusted_comment,
                    damage,
                    ..
                },
                Some(key),
            ) => key
                .sign(
                    manifest.as_deref().unwrap_or_default(),
                    trusted_comment,
                    untrusted_comment,
                )
                .map(|text| damage_signature(text, damage).into_bytes()),
            (SignatureInput::Raw(bytes), _) => Some(bytes.clone()),
            _ => None,
        };

        let mut entries: Vec<(String, &[u8], &EntryShape)> = payload
            .iter()
            .map(|(name, e)| (name.clone(), e.data.as_slice(), &e.shape))
            .collect();
        let mut head = Vec::new();
        if let Some(m) = &manifest {
            head.push((
                MANIFEST_FILE.to_string(),
                m.as_slice(),
                &self.manifest_shape,
            ));
        }
        if let Some(s) = &signature {
            head.push((
                SIGNATURE_FILE.to_string(),
                s.as_slice(),
                &self.signature_shape,
            ));
        }
        let at = usize::from(self.order) % (entries.len() + 1);
        entries.splice(at..at, head);

        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data, shape) in entries {
            // An entry the writer refuses (a duplicate name, a bad extra field) is left out.
            if add_entry(&mut zip, &name, data, shape).is_err() {
                let _ = zip.abort_file();
            }
        }
        if let Some(comment) = &self.archive_comment {
            let _ = zip.set_raw_comment(comment.clone().into_boxed_slice());
        }
        let mut bytes = match zip.finish() {
            Ok(cursor) => cursor.into_inner(),
            Err(_) => return Vec::new(),
        };
        for &(offset, xor) in &self.damage {
            let len = bytes.len();
            if let Some(b) = bytes.get_mut(usize::from(offset) % len.max(1)) {
                *b ^= xor;
            }
        }
        bytes
    }
}

fn signing_key(world: &World, by: SignerChoice, kind: Kind) -> &SigningKey {
    match by {
        SignerChoice::Rightful if kind == Kind::Template => &world.county,
        SignerChoice::Rightful | SignerChoice::Peer => &world.peer,
        SignerChoice::County => &world.county,
        SignerChoice::Stranger => &world.stranger,
    }
}

fn entry_name(name: &EntryName, kind: Kind) -> String {
    match name {
        EntryName::Payload => kind.payload_names()[0].to_string(),
        EntryName::AnyPayload(n) => {
            let all: Vec<&str> = Kind::ALL
                .iter()
                .flat_map(|k| k.payload_names().iter().copied())
                .collect();
            all[usize::from(*n) % all.len()].to_string()
        }
        EntryName::Manifest => MANIFEST_FILE.to_string(),
        EntryName::Signature => SIGNATURE_FILE.to_string(),
        EntryName::Other(s) => s.clone(),
    }
}

fn add_entry(
    zip: &mut ZipWriter<Cursor<Vec<u8>>>,
    name: &str,
    data: &[u8],
    shape: &EntryShape,
) -> zip::result::ZipResult<()> {
    let method = if shape.deflate {
        CompressionMethod::Deflated
    } else {
        CompressionMethod::Stored
    };
    match shape.typ {
        EntryType::Directory => {
            return zip.add_directory(name, SimpleFileOptions::default());
        }
        EntryType::Symlink => {
            let target = String::from_utf8_lossy(data);
            return zip.add_symlink(name, target, SimpleFileOptions::default());
        }
        EntryType::File | EntryType::Attributes(_) => {}
    }
    let mut options = FullFileOptions::default()
        .compression_method(method)
        .large_file(shape.zip64);
    options = match shape.typ {
        EntryType::Attributes(a) => options.external_attributes(a),
        _ => options.unix_permissions(0o644),
    };
    if let Some(comment) = &shape.comment {
        options = options.with_file_comment(comment.as_str());
    }
    if let Some((id, extra, central_only)) = &shape.extra {
        options.add_extra_field(*id, extra, *central_only)?;
    }
    zip.start_file(name, options)?;
    zip.write_all(data)?;
    Ok(())
}

fn sha256(bytes: &[u8]) -> Value {
    Value::String(zhucun_core::template::sha256_hex(bytes))
}

/// `manifest.json` from its fields: each right one as the receiver wants it.
fn manifest_json(
    f: &ManifestFields,
    kind: Kind,
    signer: Option<&SigningKey>,
    world: &World,
    payload: &[(String, &EntryInput)],
) -> Vec<u8> {
    let first_data = payload
        .first()
        .map(|(_, e)| e.data.as_slice())
        .unwrap_or_default();
    let mut root = Map::new();
    f.format
        .put(&mut root, "format", |()| "zhucun-bundle/1".into());
    f.kind.put(&mut root, "kind", |k| k.kind().as_str().into());
    f.id.put(&mut root, "id", |()| {
        "0196b3f2-7c1e-7a40-9c55-3f1f0e9d2a10".into()
    });
    f.created_at.put(&mut root, "created_at", |()| {
        "2026-11-28T10:00:00+08:00".into()
    });
    f.app.put(&mut root, "app", |()| "zhucun 0.1.0".into());
    f.signer.put(&mut root, "signer", |s| {
        let mut m = Map::new();
        let key_id = signer.unwrap_or(&world.county).key_id.clone();
        s.key_id.put(&mut m, "key_id", |()| key_id.into());
        s.name.put(&mut m, "name", |()| "签发人".into());
        s.role
            .put(&mut m, "role", |()| kind.signer_role().as_str().into());
        Value::Object(m)
    });
    f.village.put(&mut root, "village", |v| {
        let mut m = Map::new();
        v.code.put(&mut m, "code", |()| VILLAGE_CODE.into());
        v.name.put(&mut m, "name", |()| "示例村".into());
        Value::Object(m)
    });
    f.period.put(&mut root, "period", |()| "2026-10".into());
    f.template.put(&mut root, "template", |t| {
        let mut m = Map::new();
        t.id.put(&mut m, "id", |()| "sample-monthly".into());
        t.version.put(&mut m, "version", |()| 1.into());
        t.sha256.put(&mut m, "sha256", |()| sha256(first_data));
        Value::Object(m)
    });
    f.sync.put(&mut root, "sync", |s| {
        let mut m = Map::new();
        s.device.put(&mut m, "device", |()| "laptop-1".into());
        s.from.put(&mut m, "from", |()| "0".into());
        s.to.put(&mut m, "to", |()| "1".into());
        s.rows.put(&mut m, "rows", |()| 1.into());
        Value::Object(m)
    });
    f.files.put(&mut root, "files", |items| {
        let one = |name: &str, data: &[u8], item: Option<&FileFields>| {
            let mut m = Map::new();
            let (path, size, hash) = match item {
                Some(i) => (&i.path, &i.size, &i.sha256),
                None => (&Field::Right(()), &Field::Right(()), &Field::Right(())),
            };
            path.put(&mut m, "path", |()| name.into());
            size.put(&mut m, "size", |()| data.len().into());
            hash.put(&mut m, "sha256", |()| sha256(data));
            Value::Object(m)
        };
        let listed = if items.is_empty() {
            payload
                .iter()
                .map(|(name, e)| one(name, &e.data, None))
                .collect()
        } else {
            items
                .iter()
                .map(|item| match payload.len() {
                    0 => one("", &[], Some(item)),
                    n => {
                        let (name, e) = &payload[usize::from(item.entry) % n];
                        one(name, &e.data, Some(item))
                    }
                })
                .collect()
        };
        Value::Array(listed)
    });
    for (key, value) in &f.extra {
        root.entry(key.clone()).or_insert_with(|| value.value());
    }
    let root = Value::Object(root);
    let mut json = if f.pretty {
        serde_json::to_vec_pretty(&root)
    } else {
        serde_json::to_vec(&root)
    }
    .unwrap_or_default();
    json.push(b'\n');
    json
}

fn damage_signature(text: String, damage: &SignatureDamage) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let recode = |line: &mut String, change: &dyn Fn(&mut Vec<u8>)| {
        if let Ok(mut bytes) = Base64::decode_to_vec(line.trim(), None) {
            change(&mut bytes);
            if let Ok(encoded) = Base64::encode_to_string(&bytes) {
                *line = encoded;
            }
        }
    };
    match damage {
        SignatureDamage::None => return text,
        SignatureDamage::Line { line, text } => {
            let i = usize::from(*line) % 4;
            if let Some(l) = lines.get_mut(i) {
                *l = text.clone();
            }
        }
        SignatureDamage::SignatureByte { at, xor } => {
            if let Some(l) = lines.get_mut(1) {
                recode(l, &|b| {
                    let len = b.len();
                    if let Some(x) = b.get_mut(usize::from(*at) % len.max(1)) {
                        *x ^= *xor;
                    }
                });
            }
        }
        SignatureDamage::GlobalByte { at, xor } => {
            if let Some(l) = lines.get_mut(3) {
                recode(l, &|b| {
                    let len = b.len();
                    if let Some(x) = b.get_mut(usize::from(*at) % len.max(1)) {
                        *x ^= *xor;
                    }
                });
            }
        }
        SignatureDamage::GlobalLength { len } => {
            if let Some(l) = lines.get_mut(3) {
                recode(l, &|b| b.resize(usize::from(*len), 0));
            }
        }
        SignatureDamage::Truncate { at } => {
            let mut end = usize::from(*at).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            return text[..end].to_string();
        }
        SignatureDamage::Append(more) => return format!("{text}{more}"),
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

//! Making a bundle: the manifest, its signature, the payload, zipped into a temporary file
//! beside the target and renamed into place.

use std::io::Write;
use std::path::Path;

use chrono::{SecondsFormat, Utc};
use uuid::Uuid;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::error::{Error, Result};
use crate::keys::{self, Signer};
use crate::template::{self, sha256_hex};
use crate::types::Period;
use crate::APP_VERSION;

use super::manifest::{
    check_payload_list, FileEntry, Manifest, ManifestSigner, SyncRange, TemplateRef, VillageRef,
};
use super::{
    Kind, FORMAT, MANIFEST_FILE, MAX_ENTRY_BYTES, MAX_MANIFEST_BYTES, MAX_TOTAL_BYTES,
    SIGNATURE_FILE,
};

/// What a new bundle is about: its kind and the manifest fields of that kind (BUNDLES.md
/// "manifest.json"). Fields another kind uses are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBundle {
    /// What it is for.
    pub kind: Kind,
    /// The village (return and sync).
    pub village: Option<VillageRef>,
    /// The month (return).
    pub period: Option<Period>,
    /// The template carried or used (template and return).
    pub template: Option<TemplateRef>,
    /// The range of changes (sync).
    pub sync: Option<SyncRange>,
}

impl NewBundle {
    /// A template bundle carrying `template`.
    pub fn template(template: TemplateRef) -> NewBundle {
        NewBundle {
            kind: Kind::Template,
            village: None,
            period: None,
            template: Some(template),
            sync: None,
        }
    }
}

fn refuse(zh: String, en: String) -> Error {
    Error::conflict(zh, en)
}

/// Writes a bundle to `out`: `manifest.json` (with a new id, the time, [`APP_VERSION`], the
/// signer and the kind's fields), `manifest.json.minisig` (a prehashed minisign signature of
/// the manifest's bytes, by `signer`), and the payload files, each deflated. The archive is
/// written to a temporary file in `out`'s folder and renamed over `out`, so `out` is never
/// half-written. Returns the manifest.
///
/// The bundle is checked as the receiver will check it: the payload is exactly the kind's one
/// file, the kind's fields are given, the sizes are within the limits, and the signer's own
/// role fits the kind.
///
/// # Errors
///
/// `conflict` when the bundle would be refused by its receiver (wrong payload, missing field,
/// too large, a village key signing a template…); `io` when `out` cannot be written.
pub fn write(
    out: &Path,
    bundle: &NewBundle,
    payload: &[(&str, &[u8])],
    signer: &Signer,
) -> Result<Manifest> {
    let kind = bundle.kind;
    let me = signer.info();
    if me.role != kind.signer_role() {
        return Err(refuse(
            format!(
                "本机密钥 {} 是{}密钥，{}数据包要由{}密钥签发",
                me.key_id,
                me.role.label(crate::Lang::Zh),
                kind.label(crate::Lang::Zh),
                kind.signer_role().label(crate::Lang::Zh)
            ),
            format!(
                "this installation's key {} is a {} key; {} bundles are signed by {} keys",
                me.key_id,
                me.role,
                kind,
                kind.signer_role()
            ),
        ));
    }
    let missing = |field: &str| {
        refuse(
            format!("{}数据包需要 {field}", kind.label(crate::Lang::Zh)),
            format!("a {kind} bundle needs {field}"),
        )
    };
    let village = match kind {
        Kind::Return | Kind::Sync => {
            Some(bundle.village.clone().ok_or_else(|| missing("village"))?)
        }
        Kind::Template => None,
    };
    let period = match kind {
        Kind::Return => Some(bundle.period.ok_or_else(|| missing("period"))?),
        Kind::Template | Kind::Sync => None,
    };
    let template = match kind {
        Kind::Template | Kind::Return => {
            let t = bundle.template.clone().ok_or_else(|| missing("template"))?;
            if !template::is_valid_template_id(&t.id) || t.version < 1 {
                return Err(missing("template.id / template.version"));
            }
            Some(t)
        }
        Kind::Sync => None,
    };
    let sync = match kind {
        Kind::Sync => Some(bundle.sync.clone().ok_or_else(|| missing("sync"))?),
        Kind::Template | Kind::Return => None,
    };

    let mut total: u64 = 0;
    for (name, bytes) in payload {
        let size = bytes.len() as u64;
        total = total.saturating_add(size);
        if size > MAX_ENTRY_BYTES || total > MAX_TOTAL_BYTES {
            return Err(refuse(
                format!(
                    "{name} 太大：数据包中每个文件最多 {} MiB，合计最多 {} MiB",
                    MAX_ENTRY_BYTES >> 20,
                    MAX_TOTAL_BYTES >> 20
                ),
                format!(
                    "{name} is too large: a bundle holds at most {} MiB per file and {} MiB in all",
                    MAX_ENTRY_BYTES >> 20,
                    MAX_TOTAL_BYTES >> 20
                ),
            ));
        }
    }

    let manifest = Manifest {
        format: FORMAT.to_string(),
        kind,
        id: Uuid::now_v7(),
        created_at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        app: APP_VERSION.to_string(),
        signer: ManifestSigner {
            key_id: me.key_id.clone(),
            name: me.name.clone(),
            role: me.role,
        },
        village,
        period,
        template,
        sync,
        files: payload
            .iter()
            .map(|(name, bytes)| FileEntry {
                path: (*name).to_string(),
                size: bytes.len() as u64,
                sha256: sha256_hex(bytes),
            })
            .collect(),
    };
    // The same rule the receiver applies at step 2.
    check_payload_list(&manifest)
        .map_err(|p| refuse(p.reason(crate::Lang::Zh), p.reason(crate::Lang::En)))?;

    let mut json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| Error::io(out, std::io::Error::other(e)))?;
    json.push(b'\n');
    if json.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(refuse(
            "manifest.json 超过 1 MiB".to_string(),
            "manifest.json exceeds 1 MiB".to_string(),
        ));
    }
    let trusted_comment = format!(
        "timestamp:{}\tfile:{MANIFEST_FILE}\thashed\tkind:{kind}\tid:{}",
        Utc::now().timestamp(),
        manifest.id
    );
    let signature = signer.sign(&json, &trusted_comment)?;

    let mut files: Vec<(&str, &[u8])> = vec![
        (MANIFEST_FILE, json.as_slice()),
        (SIGNATURE_FILE, signature.as_bytes()),
    ];
    files.extend(payload.iter().copied());
    write_zip(out, &files)?;
    Ok(manifest)
}

/// Zips `files` (deflated, plain files of mode 0644) into a temporary file beside `out`, then
/// renames it over `out`.
fn write_zip(out: &Path, files: &[(&str, &[u8])]) -> Result<()> {
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".zhucun-bundle-")
        .suffix(".zip")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    let zip_error = |e: zip::result::ZipError| Error::io(out, std::io::Error::other(e));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .unix_permissions(0o644);
    let mut zip = ZipWriter::new(tmp);
    for (name, bytes) in files {
        zip.start_file(*name, options).map_err(zip_error)?;
        zip.write_all(bytes).map_err(|e| Error::io(out, e))?;
    }
    let tmp = zip.finish().map_err(zip_error)?;
    tmp.as_file().sync_all().map_err(|e| Error::io(out, e))?;
    tmp.persist(out).map_err(|e| Error::io(out, e.error))?;
    Ok(())
}

/// (County) Signs the template file `template_file` with the key in `keys_dir` into a template
/// bundle at `out`. The template is checked as an import would check it first; its `_meta` id
/// and version go into the manifest, and the file goes in unchanged as `template.<ext>`.
///
/// # Errors
///
/// `invalid_template`, `unreadable_file` or `unusable_sheet` for a template that would not
/// import; `unusable_sheet` for a file that is not `.xlsx`, `.xlsm`, `.xls` or `.ods`;
/// `no_key` before `keys init`; `conflict` when the key is not a county key; `io`.
pub fn export_template(keys_dir: &Path, template_file: &Path, out: &Path) -> Result<Manifest> {
    let signer = keys::signer(keys_dir)?;
    let file_name = template_file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| template_file.display().to_string());
    let ext = template_file
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let payload_name = format!("template.{ext}");
    if !Kind::Template
        .payload_names()
        .contains(&payload_name.as_str())
    {
        return Err(Error::UnusableSheet {
            file: file_name,
            zh: "模板数据包只能装 .xlsx、.xlsm、.xls 或 .ods 文件".to_string(),
            en: "a template bundle carries an .xlsx, .xlsm, .xls or .ods file".to_string(),
        });
    }
    let size = std::fs::metadata(template_file)
        .map_err(|e| Error::io(template_file, e))?
        .len();
    if size > MAX_ENTRY_BYTES {
        return Err(Error::UnusableSheet {
            file: file_name,
            zh: format!("文件超过 {} MiB", MAX_ENTRY_BYTES >> 20),
            en: format!("the file exceeds {} MiB", MAX_ENTRY_BYTES >> 20),
        });
    }
    let bytes = std::fs::read(template_file).map_err(|e| Error::io(template_file, e))?;
    let parsed = template::parse_template(&file_name, &bytes)?;
    let template = TemplateRef {
        id: parsed.meta.id,
        version: parsed.meta.version,
        sha256: parsed.sha256,
    };
    write(
        out,
        &NewBundle::template(template),
        &[(payload_name.as_str(), bytes.as_slice())],
        &signer,
    )
}

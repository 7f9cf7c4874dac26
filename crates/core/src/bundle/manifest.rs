//! Step 2: `manifest.json` — what it holds, reading it, and checking the archive against it.
//!
//! Reading is lenient about fields it does not know (a newer program may add some) and strict
//! about the ones it needs: each is looked up by hand, so a refusal names the field
//! (`signer.key_id`) and what it should hold, in Chinese or English, instead of passing on the
//! JSON reader's English.

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::keys::Role;
use crate::template::is_valid_template_id;
use crate::types::{DivisionCode, Period};

use super::archive::Entry;
use super::problem::{BundleProblem, Expected};
use super::{Kind, FORMAT, MANIFEST_FILE, SIGNATURE_FILE};

/// `manifest.json` of a bundle (BUNDLES.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// What the bundle is for.
    pub kind: Kind,
    /// The bundle's own id.
    pub id: Uuid,
    /// When it was made, RFC 3339, as written.
    pub created_at: String,
    /// The program that made it (`zhucun 0.1.0`).
    pub app: String,
    /// Who signed it, as the signer says.
    pub signer: ManifestSigner,
    /// The village (return and sync bundles).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub village: Option<VillageRef>,
    /// The month (return bundles).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_period"
    )]
    pub period: Option<Period>,
    /// The template carried (template bundles) or used (return bundles).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateRef>,
    /// The range of changes (sync bundles).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncRange>,
    /// The payload files.
    pub files: Vec<FileEntry>,
}

/// `signer` of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestSigner {
    /// The minisign key id, 16 upper-case hex digits.
    pub key_id: String,
    /// The key's name, as its holder gave it.
    pub name: String,
    /// The role its holder signs as (the receiver's keyring decides what it is trusted for).
    pub role: Role,
}

/// `village` of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VillageRef {
    /// The village's 12-digit division code.
    pub code: DivisionCode,
    /// Its name.
    pub name: String,
}

/// `template` of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateRef {
    /// The template's id.
    pub id: String,
    /// Its version.
    pub version: u32,
    /// The SHA-256 of its file, 64 lower-case hex digits.
    pub sha256: String,
}

/// `sync` of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncRange {
    /// The device whose changes these are.
    pub device: String,
    /// The clock after which changes are included.
    pub from: String,
    /// The clock of the last change included.
    pub to: String,
    /// How many rows.
    pub rows: u64,
}

/// One entry of `files`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileEntry {
    /// Its name in the archive.
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256, 64 lower-case hex digits.
    pub sha256: String,
}

fn serialize_period<S: Serializer>(period: &Option<Period>, s: S) -> Result<S::Ok, S::Error> {
    match period {
        Some(p) => s.serialize_str(&p.to_string()),
        None => s.serialize_none(),
    }
}

/// Reads `manifest.json`.
pub(crate) fn parse(bytes: &[u8]) -> Result<Manifest, BundleProblem> {
    let text = std::str::from_utf8(bytes).map_err(|_| BundleProblem::ManifestNotJson {
        detail: "not UTF-8".to_string(),
    })?;
    let value: Value = serde_json::from_str(text).map_err(|e| BundleProblem::ManifestNotJson {
        detail: e.to_string(),
    })?;
    let Value::Object(root) = value else {
        return Err(BundleProblem::ManifestNotJson {
            detail: "not an object".to_string(),
        });
    };
    let root = Fields {
        map: &root,
        prefix: "",
    };

    // The format first: a future format gets "not supported", not a list of odd fields.
    let format = root.text("format")?;
    if format != FORMAT {
        return Err(BundleProblem::UnsupportedFormat { found: format });
    }
    let kind_text = root.text("kind")?;
    let kind = Kind::parse(&kind_text).ok_or(BundleProblem::UnknownKind { found: kind_text })?;
    let id_text = root.text("id")?;
    let id = Uuid::parse_str(&id_text).map_err(|_| root.bad("id", &id_text, Expected::Uuid))?;
    let created_at = root.text("created_at")?;
    if chrono::DateTime::parse_from_rfc3339(&created_at).is_err() {
        return Err(root.bad("created_at", &created_at, Expected::Time));
    }
    let app = root.text("app")?;

    let signer = root.object("signer")?;
    let key_id = signer.text("key_id")?;
    if key_id.len() != 16 || !key_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(signer.bad("key_id", &key_id, Expected::KeyId));
    }
    let role_text = signer.text("role")?;
    let role = match role_text.as_str() {
        "county" => Role::County,
        "village" => Role::Village,
        _ => return Err(signer.bad("role", &role_text, Expected::Role)),
    };
    let signer = ManifestSigner {
        key_id: key_id.to_ascii_uppercase(),
        name: signer.text("name")?,
        role,
    };

    // Fields of other kinds are ignored, like unknown ones.
    let village = match kind {
        Kind::Return | Kind::Sync => {
            let v = root.object("village")?;
            let code_text = v.text("code")?;
            let code = DivisionCode::parse("village.code", &code_text)
                .map_err(|_| v.bad("code", &code_text, Expected::DivisionCode))?;
            Some(VillageRef {
                code,
                name: v.text("name")?,
            })
        }
        Kind::Template => None,
    };
    let period = match kind {
        Kind::Return => {
            let p = root.text("period")?;
            Some(Period::parse(&p).map_err(|_| root.bad("period", &p, Expected::Period))?)
        }
        Kind::Template | Kind::Sync => None,
    };
    let template = match kind {
        Kind::Template | Kind::Return => {
            let t = root.object("template")?;
            let id = t.text("id")?;
            if !is_valid_template_id(&id) {
                return Err(t.bad("id", &id, Expected::TemplateId));
            }
            let version = t.number("version")?;
            let version = u32::try_from(version)
                .ok()
                .filter(|v| *v >= 1)
                .ok_or_else(|| t.bad("version", &version.to_string(), Expected::Number))?;
            Some(TemplateRef {
                id,
                version,
                sha256: t.sha256("sha256")?,
            })
        }
        Kind::Sync => None,
    };
    let sync = match kind {
        Kind::Sync => {
            let s = root.object("sync")?;
            Some(SyncRange {
                device: s.text("device")?,
                from: s.text("from")?,
                to: s.text("to")?,
                rows: s.number("rows")?,
            })
        }
        Kind::Template | Kind::Return => None,
    };

    let listed = match root.map.get("files") {
        Some(Value::Array(items)) => items,
        other => {
            return Err(BundleProblem::ManifestField {
                field: "files".to_string(),
                found: other.map(short),
                expected: Expected::List,
            })
        }
    };
    let mut files = Vec::with_capacity(listed.len().min(super::MAX_ENTRIES as usize));
    for (i, item) in listed.iter().enumerate() {
        let prefix = format!("files[{i}].");
        let Value::Object(map) = item else {
            return Err(BundleProblem::ManifestField {
                field: format!("files[{i}]"),
                found: Some(short(item)),
                expected: Expected::Object,
            });
        };
        let f = Fields {
            map,
            prefix: &prefix,
        };
        files.push(FileEntry {
            path: f.text("path")?,
            size: f.number("size")?,
            sha256: f.sha256("sha256")?,
        });
    }
    let manifest = Manifest {
        format,
        kind,
        id,
        created_at,
        app,
        signer,
        village,
        period,
        template,
        sync,
        files,
    };
    check_payload_list(&manifest)?;
    Ok(manifest)
}

/// `files` lists exactly the one payload file of the kind; a template's hash is its file's.
pub(crate) fn check_payload_list(manifest: &Manifest) -> Result<(), BundleProblem> {
    let kind = manifest.kind;
    let [only] = manifest.files.as_slice() else {
        return Err(BundleProblem::WrongPayload {
            kind,
            listed: manifest.files.iter().map(|f| f.path.clone()).collect(),
        });
    };
    if !kind.payload_names().contains(&only.path.as_str()) {
        return Err(BundleProblem::WrongPayload {
            kind,
            listed: vec![only.path.clone()],
        });
    }
    if kind == Kind::Template && manifest.template.as_ref().map(|t| &t.sha256) != Some(&only.sha256)
    {
        return Err(BundleProblem::TemplateHashMismatch);
    }
    Ok(())
}

/// The archive holds exactly `manifest.json`, `manifest.json.minisig` and the listed files.
/// (A missing signature is left to step 3.)
pub(crate) fn check_layout(manifest: &Manifest, entries: &[Entry]) -> Result<(), BundleProblem> {
    for file in &manifest.files {
        if !entries.iter().any(|e| e.name == file.path) {
            return Err(BundleProblem::MissingFile {
                name: file.path.clone(),
            });
        }
    }
    for entry in entries {
        let known = entry.name == MANIFEST_FILE
            || entry.name == SIGNATURE_FILE
            || manifest.files.iter().any(|f| f.path == entry.name);
        if !known {
            return Err(BundleProblem::UnlistedFile {
                name: entry.name.clone(),
            });
        }
    }
    Ok(())
}

/// A value as a message shows it: short, on one line.
fn short(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(40)
        .collect();
    if text.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// The fields of one JSON object, with the path that names them in messages.
struct Fields<'a> {
    map: &'a Map<String, Value>,
    prefix: &'a str,
}

impl Fields<'_> {
    fn name(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn bad(&self, key: &str, found: &str, expected: Expected) -> BundleProblem {
        BundleProblem::ManifestField {
            field: self.name(key),
            found: Some(short(&Value::String(found.to_string()))),
            expected,
        }
    }

    fn wrong(&self, key: &str, expected: Expected) -> BundleProblem {
        BundleProblem::ManifestField {
            field: self.name(key),
            found: self.map.get(key).map(short),
            expected,
        }
    }

    fn text(&self, key: &str) -> Result<String, BundleProblem> {
        match self.map.get(key) {
            Some(Value::String(s)) => Ok(s.clone()),
            _ => Err(self.wrong(key, Expected::Text)),
        }
    }

    fn number(&self, key: &str) -> Result<u64, BundleProblem> {
        match self.map.get(key).and_then(Value::as_u64) {
            Some(n) => Ok(n),
            None => Err(self.wrong(key, Expected::Number)),
        }
    }

    fn sha256(&self, key: &str) -> Result<String, BundleProblem> {
        let text = self
            .text(key)
            .map_err(|_| self.wrong(key, Expected::Sha256))?;
        if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(text.to_ascii_lowercase())
        } else {
            Err(self.bad(key, &text, Expected::Sha256))
        }
    }

    fn object(&self, key: &str) -> Result<Fields<'_>, BundleProblem> {
        match self.map.get(key) {
            Some(Value::Object(map)) => Ok(Fields {
                map,
                prefix: match key {
                    "signer" => "signer.",
                    "village" => "village.",
                    "template" => "template.",
                    "sync" => "sync.",
                    _ => "",
                },
            }),
            _ => Err(self.wrong(key, Expected::Object)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
      "format": "zhucun-bundle/1", "kind": "template",
      "id": "21ad52ba-f026-5a4e-b482-032e8ab00896",
      "created_at": "2026-11-28T10:00:00+08:00", "app": "zhucun 0.1.0",
      "signer": { "key_id": "4BE8208489B2DB36", "name": "县", "role": "county" },
      "template": { "id": "sample-monthly", "version": 1,
        "sha256": "b8d42aa61b1c9ecd2407950757031c583a06581666e9858f0eb290a18c4af30e" },
      "files": [ { "path": "template.xlsx", "size": 8165,
        "sha256": "b8d42aa61b1c9ecd2407950757031c583a06581666e9858f0eb290a18c4af30e" } ],
      "something_new": true
    }"#;

    #[test]
    fn a_manifest_with_an_unknown_field_is_read() -> Result<(), BundleProblem> {
        let m = parse(SAMPLE.as_bytes())?;
        assert_eq!(m.kind, Kind::Template);
        assert_eq!(m.signer.key_id, "4BE8208489B2DB36");
        assert_eq!(m.template.map(|t| t.version), Some(1));
        Ok(())
    }

    #[test]
    fn a_missing_required_field_is_named() {
        let without = SAMPLE.replace(r#""name": "县", "#, "");
        assert_eq!(
            parse(without.as_bytes()),
            Err(BundleProblem::ManifestField {
                field: "signer.name".to_string(),
                found: None,
                expected: Expected::Text,
            })
        );
        let zero = SAMPLE.replace(r#""version": 1"#, r#""version": 0"#);
        assert!(matches!(
            parse(zero.as_bytes()),
            Err(BundleProblem::ManifestField { field, .. }) if field == "template.version"
        ));
        let other = SAMPLE.replace("zhucun-bundle/1", "zhucun-bundle/2");
        assert!(matches!(
            parse(other.as_bytes()),
            Err(BundleProblem::UnsupportedFormat { .. })
        ));
    }
}

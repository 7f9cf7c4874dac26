//! Signed spreadsheet bundles (数据包, BUNDLES.md): making them and receiving them.
//!
//! A bundle is a ZIP archive of `manifest.json`, its minisign signature
//! `manifest.json.minisig`, and one payload file. [`write()`] makes one ([`export_template`] the
//! county's template bundle, [`export_return`] a village's monthly return); [`verify`] runs
//! steps 1 to 4 of "Receiving a bundle" and writes nothing; [`receive`] runs them and then
//! applies the bundle (step 5).
//!
//! | step | module | checks |
//! |---|---|---|
//! | 1 | `archive` | ZIP limits, names, entry types, sizes counted while inflating |
//! | 2 | `manifest` | format, kind, required fields, `files` = the kind's one payload, no extra entry |
//! | 3 | `signature` | prehashed minisign signature by a trusted key whose role fits the kind |
//! | 4 | `payload` | each payload file's size and SHA-256 |
//! | 5 | `receive` | backup, then apply in one transaction |
//!
//! Every refusal is [`crate::Error::BundleRefused`], which names the step and a
//! [`BundleProblem`]; its message says both, in Chinese by default.
//!
//! Decisions the contract leaves open:
//!
//! - The limit of `manifest.json` (1 MiB) applies to `manifest.json.minisig` too.
//! - A bundle file larger than [`MAX_BUNDLE_FILE_BYTES`] is refused before it is opened.
//! - The manifest's `signer.role` is what the signer claims; what decides is the role the
//!   receiver's keyring gives the key.
//! - A template bundle's payload is imported under the name `<template.id>.<ext>`, so a
//!   template without `_meta` gets the id the county saw; its `_meta` id and version must be
//!   the manifest's.
//! - A return bundle's `return.xlsx` must be a return (its `_zhucun` sheet readable) of the
//!   village, month and template (id, version, SHA-256) the manifest names; it is then recorded
//!   at step 5 in the county's `returns` table ([`crate::county`]).
//!
//! # Examples
//!
//! ```
//! use zhucun_core::{bundle, keys::{self, Role}};
//! let county = tempfile::tempdir()?;
//! let village = tempfile::tempdir()?;
//! keys::init(county.path(), "示例县乡村振兴局", Role::County)?;
//! keys::export(county.path(), &county.path().join("county.pub"))?;
//! keys::trust(village.path(), &county.path().join("county.pub"), Role::County, None)?;
//! # let template = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/samples/templates/sample_monthly.xlsx");
//! # if !std::path::Path::new(template).exists() { return Ok(()) }
//! let out = county.path().join("template_bundle.zip");
//! bundle::export_template(county.path(), std::path::Path::new(template), &out)?;
//! let verified = bundle::verify(&bundle::read_file(&out)?, village.path(), None)?;
//! assert_eq!(verified.manifest.template.map(|t| t.id).as_deref(), Some("sample-monthly"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod archive;
mod manifest;
mod payload;
mod problem;
mod receive;
mod returns;
mod signature;
mod write;

use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Lang, Result};
use crate::keys::{KeyInfo, Role};
use crate::types::DivisionCode;

pub use manifest::{FileEntry, Manifest, ManifestSigner, SyncRange, TemplateRef, VillageRef};
pub(crate) use problem::step_name;
pub use problem::{BundleProblem, EntryType, Expected, NameFault};
pub use receive::{local_village, receive, receive_bytes, Applied, Received, BACKUPS_DIR};
pub(crate) use returns::{check_return, template_label};
pub use returns::{export_return, RETURN_FILE};
pub use write::{export_template, write, NewBundle};

/// The `format` of every manifest this program writes and reads.
pub const FORMAT: &str = "zhucun-bundle/1";
/// The manifest's name in the archive.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The signature's name in the archive.
pub const SIGNATURE_FILE: &str = "manifest.json.minisig";
/// The most entries an archive may hold.
pub const MAX_ENTRIES: u64 = 64;
/// The most bytes of `manifest.json` (and of its signature), inflated.
pub const MAX_MANIFEST_BYTES: u64 = 1 << 20;
/// The most bytes of one entry, inflated.
pub const MAX_ENTRY_BYTES: u64 = 64 << 20;
/// The most bytes of all entries together, inflated.
pub const MAX_TOTAL_BYTES: u64 = 256 << 20;
/// The largest bundle file opened at all: the inflated limit plus room for ZIP headers (a
/// stored entry is as large as its content; deflate never grows data by more than a fraction).
pub const MAX_BUNDLE_FILE_BYTES: u64 = MAX_TOTAL_BYTES + (1 << 20);

/// What a bundle is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A template from the county office.
    Template,
    /// A village's monthly return.
    Return,
    /// Records moving between the laptops of one village.
    Sync,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 3] = [Kind::Template, Kind::Return, Kind::Sync];

    /// The kind as the manifest writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Template => "template",
            Kind::Return => "return",
            Kind::Sync => "sync",
        }
    }

    /// Reads `template`, `return` or `sync`.
    ///
    /// # Examples
    ///
    /// ```
    /// use zhucun_core::bundle::Kind;
    /// assert_eq!(Kind::parse("return"), Some(Kind::Return));
    /// assert_eq!(Kind::parse("Return"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The kind as people read it.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Kind::Template => lang.pick("模板", "template"),
            Kind::Return => lang.pick("月报", "return"),
            Kind::Sync => lang.pick("同步", "sync"),
        }
    }

    /// The names its one payload file may have.
    pub fn payload_names(self) -> &'static [&'static str] {
        match self {
            Kind::Template => &[
                "template.xlsx",
                "template.xlsm",
                "template.xls",
                "template.ods",
            ],
            Kind::Return => &["return.xlsx"],
            Kind::Sync => &["data.xlsx"],
        }
    }

    /// The role a key must be trusted with to sign this kind.
    pub fn signer_role(self) -> Role {
        match self {
            Kind::Template => Role::County,
            Kind::Return | Kind::Sync => Role::Village,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A bundle that passed steps 1 to 4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBundle {
    /// Its manifest.
    pub manifest: Manifest,
    /// The trusted key that signed it, as the keyring knows it.
    pub signer: KeyInfo,
    /// Its payload files, in the manifest's order (one for every kind so far).
    pub files: Vec<BundleFile>,
}

impl VerifiedBundle {
    /// The payload file (every kind has exactly one).
    pub fn payload(&self) -> Option<&BundleFile> {
        self.files.first()
    }
}

/// One payload file of a verified bundle.
#[derive(Clone, PartialEq, Eq)]
pub struct BundleFile {
    /// Its name in the archive (`template.xlsx`).
    pub path: String,
    /// Its bytes, checked against the manifest.
    pub bytes: Vec<u8>,
}

impl fmt::Debug for BundleFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BundleFile")
            .field("path", &self.path)
            .field("size", &self.bytes.len())
            .finish()
    }
}

/// Checks a bundle completely — steps 1 to 4 of BUNDLES.md — and writes nothing.
///
/// `keys_dir` holds the keyring; `local_village` is this database's village, which a sync
/// bundle must be for (pass `None` at the county, where there is none).
///
/// # Errors
///
/// `bundle_refused` naming the step and the reason; `invalid_key` when the keyring is damaged;
/// `io` when it cannot be read.
pub fn verify(
    bytes: &[u8],
    keys_dir: &Path,
    local_village: Option<&DivisionCode>,
) -> Result<VerifiedBundle> {
    // Step 1.
    let entries = archive::read(bytes).map_err(Error::bundle)?;
    let find = |name: &str| entries.iter().find(|e| e.name == name);

    // Step 2.
    let manifest_json = find(MANIFEST_FILE)
        .map(|e| e.bytes.as_slice())
        .ok_or(Error::bundle(BundleProblem::NoManifest))?;
    let manifest = manifest::parse(manifest_json).map_err(Error::bundle)?;
    manifest::check_layout(&manifest, &entries).map_err(Error::bundle)?;

    // Step 3.
    let signature = find(SIGNATURE_FILE).map(|e| e.bytes.as_slice());
    let signer = signature::check(&manifest, manifest_json, signature, keys_dir, local_village)?;

    // Step 4.
    payload::check(&manifest, &entries).map_err(Error::bundle)?;

    // The payload moves out of the entries (up to 256 MiB: not copied).
    let mut entries = entries;
    let mut files = Vec::with_capacity(manifest.files.len());
    for listed in &manifest.files {
        if let Some(i) = entries.iter().position(|e| e.name == listed.path) {
            let e = entries.swap_remove(i);
            files.push(BundleFile {
                path: e.name,
                bytes: e.bytes,
            });
        }
    }
    Ok(VerifiedBundle {
        manifest,
        signer,
        files,
    })
}

/// Reads a bundle file, refusing (step 1) one larger than any bundle can be before reading it.
///
/// # Errors
///
/// `bundle_refused` (step 1) for a file that is too large; `io` when it cannot be read.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let too_large = |size| {
        Error::bundle(BundleProblem::FileTooLarge {
            size,
            max: MAX_BUNDLE_FILE_BYTES,
        })
    };
    if size > MAX_BUNDLE_FILE_BYTES {
        return Err(too_large(size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(MAX_BUNDLE_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > MAX_BUNDLE_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

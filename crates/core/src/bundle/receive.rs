//! Step 5: applying a verified bundle — after an automatic backup, in one transaction.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde::Serialize;

use crate::error::{Error, Lang, Result};
use crate::keys::KeyInfo;
use crate::records::Value;
use crate::sync::{self, SyncReport};
use crate::template::{self, ImportAction, ImportPlan, ImportReport};
use crate::types::DivisionCode;
use crate::{store, village};

use super::problem::BundleProblem;
use super::{read_file, verify, Kind, Manifest, VerifiedBundle};

/// The folder of automatic backups, beside the database.
pub use crate::store::BACKUPS_DIR;

/// What receiving a bundle did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Received {
    /// The bundle's manifest.
    pub manifest: Manifest,
    /// The trusted key that signed it.
    pub signer: KeyInfo,
    /// The copy of the database made before applying it; `None` when nothing needed applying
    /// (the same bundle again) or the database is in memory.
    pub backup: Option<PathBuf>,
    /// What was applied.
    pub applied: Applied,
}

/// What a received bundle changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Applied {
    /// A template bundle: the template import's outcome.
    Template(ImportReport),
    /// A return bundle (at the county): how it was recorded.
    Return(crate::county::ReturnReport),
    /// A sync bundle: what the merge did.
    Sync(SyncReport),
}

/// This database's village code, if it has a village: what a sync bundle must be for.
///
/// # Errors
///
/// `database`.
pub fn local_village(conn: &Connection) -> Result<Option<DivisionCode>> {
    Ok(village::profile(conn)?.and_then(|v| match v.get("code") {
        Value::Text(code) => DivisionCode::parse("code", code).ok(),
        _ => None,
    }))
}

/// Receives the bundle file at `path`: see [`receive_bytes`].
///
/// # Errors
///
/// As [`receive_bytes`]; `io` when the file cannot be read.
pub fn receive(conn: &Connection, keys_dir: &Path, path: &Path) -> Result<Received> {
    receive_bytes(conn, keys_dir, &read_file(path)?)
}

/// Receives a bundle (BUNDLES.md "Receiving a bundle"): [`verify`] (steps 1 to 4, against the
/// keyring in `keys_dir` and this database's village), then applies it. Nothing is written
/// before the last step; there, the database is first copied to `backups/` beside it
/// ([`store::backup`]), and the bundle is applied in one transaction. Receiving the same
/// bundle twice changes nothing the second time (and makes no second backup).
///
/// A template bundle is imported; a return bundle is recorded with every other return the
/// county received ([`crate::county`]); a sync bundle is merged as [`crate::sync`] describes. A
/// database that holds no record at all (a new laptop) accepts the sync bundle of any village
/// whose key it trusts, provided the bundle carries that village's record: it becomes that
/// village's database.
///
/// # Errors
///
/// `bundle_refused` naming the step and the reason — at step 5, what the import refuses
/// ([`BundleProblem::NotApplied`] keeps its code: `invalid_template`, `conflict` for the same
/// id and version with other content…); `io`, `database`.
pub fn receive_bytes(conn: &Connection, keys_dir: &Path, bytes: &[u8]) -> Result<Received> {
    let local = local_village(conn)?;
    let (verified, adopting) = match verify(bytes, keys_dir, local.as_ref()) {
        // A new laptop: no village to compare with, and no record at all. The village the
        // signed manifest names (step 3 checks the signature before the village) is checked
        // again as this database's own, and the bundle must bring its record (step 5).
        Err(Error::BundleRefused {
            reason:
                BundleProblem::OtherVillage {
                    theirs, ours: None, ..
                },
            ..
        }) if local.is_none() && village::is_empty(conn)? => {
            let code = DivisionCode::parse("village.code", &theirs)?;
            (verify(bytes, keys_dir, Some(&code))?, Some(code))
        }
        other => (other?, None),
    };
    match verified.manifest.kind {
        Kind::Template => receive_template(conn, verified),
        Kind::Return => super::returns::receive_return(conn, verified),
        Kind::Sync => receive_sync(conn, verified, adopting.as_ref()),
    }
}

/// Merges a sync bundle ([`crate::sync`]); `adopting` is the village a database without any
/// record takes from it.
fn receive_sync(
    conn: &Connection,
    verified: VerifiedBundle,
    adopting: Option<&DivisionCode>,
) -> Result<Received> {
    let VerifiedBundle {
        manifest,
        signer,
        files,
    } = verified;
    let prepared = sync::prepare(conn, &manifest, files.first(), adopting).map_err(not_applied)?;
    let plan = match prepared {
        sync::Prepared::AlreadyReceived(report) => {
            return Ok(Received {
                manifest,
                signer,
                backup: None,
                applied: Applied::Sync(report),
            })
        }
        sync::Prepared::Plan(plan) => plan,
    };
    let backup = backup_before(conn, &manifest)?;
    let tx = conn.unchecked_transaction()?;
    sync::apply_bundle(&tx, &plan).map_err(not_applied)?;
    tx.commit()?;
    Ok(Received {
        manifest,
        signer,
        backup,
        applied: Applied::Sync(plan.plan.report.clone()),
    })
}

fn receive_template(conn: &Connection, verified: VerifiedBundle) -> Result<Received> {
    let VerifiedBundle {
        manifest,
        signer,
        files,
    } = verified;
    let (Some(listed), Some(file)) = (manifest.template.clone(), files.first()) else {
        // Step 2 made sure both are there.
        return Err(Error::bundle(BundleProblem::WrongPayload {
            kind: Kind::Template,
            listed: files.iter().map(|f| f.path.clone()).collect(),
        }));
    };
    // `template.xlsx` → `<id>.xlsx`: a template without a `_meta` id takes it from the file's
    // name, and must get the id the county saw.
    let ext = file.path.rsplit('.').next().unwrap_or("xlsx");
    let file_name = format!("{}.{ext}", listed.id);
    let parsed = template::parse_template(&file_name, &file.bytes).map_err(not_applied)?;
    if (parsed.meta.id.as_str(), parsed.meta.version) != (listed.id.as_str(), listed.version) {
        return Err(Error::bundle(BundleProblem::TemplateMismatch {
            listed: (listed.id, listed.version),
            found: (parsed.meta.id, parsed.meta.version),
        }));
    }
    if let ImportPlan::Unchanged(template) =
        template::plan_import(conn, &parsed).map_err(not_applied)?
    {
        return Ok(Received {
            manifest,
            signer,
            backup: None,
            applied: Applied::Template(ImportReport {
                template,
                action: ImportAction::Unchanged,
            }),
        });
    }
    let backup = backup_before(conn, &manifest)?;
    let tx = conn.unchecked_transaction()?;
    let report = template::import_bytes(&tx, &file_name, &file.bytes).map_err(not_applied)?;
    tx.commit()?;
    Ok(Received {
        manifest,
        signer,
        backup,
        applied: Applied::Template(report),
    })
}

/// A refusal by the importer becomes a refusal at step 5, so the message names the step;
/// failures underneath (the disk, SQLite) stay what they are.
pub(super) fn not_applied(e: Error) -> Error {
    match e.code() {
        "io" | "database" => e,
        code => Error::bundle(BundleProblem::NotApplied {
            code: code.to_string(),
            zh: e.message(Lang::Zh),
            en: e.message(Lang::En),
        }),
    }
}

/// Copies the database to `backups/` beside it before the bundle is applied.
pub(super) fn backup_before(conn: &Connection, manifest: &Manifest) -> Result<Option<PathBuf>> {
    store::automatic_backup(conn, &format!("bundle-{}", manifest.id.simple()))
}

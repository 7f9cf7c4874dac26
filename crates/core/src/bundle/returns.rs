//! Return bundles: a village signs its month's return ([`export_return`]); the county receives
//! it (step 5 records it in the `returns` table, see [`crate::county`]).

use std::path::Path;

use rusqlite::Connection;

use crate::county::{self, StoredReturn};
use crate::error::{Error, Lang, Result};
use crate::keys::{self, Role};
use crate::records::Value;
use crate::template::{self, ReturnRecord};
use crate::types::{DivisionCode, Period};
use crate::village;

use super::problem::BundleProblem;
use super::receive::{backup_before, not_applied, Applied, Received};
use super::{write, Kind, Manifest, NewBundle, TemplateRef, VerifiedBundle, VillageRef};

/// The name of a return bundle's one payload file.
pub const RETURN_FILE: &str = "return.xlsx";

/// (Village) Renders the village's return for `period` — with the template `template` names,
/// else the one [`template::choose`] picks — and signs it with the key in `keys_dir` into a
/// return bundle at `out`: its manifest names the village (code and name), the month, and the
/// template's id, version and SHA-256, and `report.signer` is the key's name. The bundle is
/// written to a temporary file beside `out` and renamed over it. Returns the manifest.
///
/// # Errors
///
/// `no_key` before `keys init`; `conflict` when this installation's key is not a village key
/// (returns are signed by villages); `no_village` before `init`; `not_found` for an unknown
/// template; `io` when `out` cannot be written.
///
/// # Examples
///
/// ```
/// use zhucun_core::{bundle, keys::{self, Role}, Period};
/// let mut conn = zhucun_core::store::open_in_memory()?;
/// zhucun_core::demo::load(&mut conn)?;
/// let dir = tempfile::tempdir()?;
/// keys::init(dir.path(), "特补乃吾村驻村工作队", Role::Village)?;
/// let out = dir.path().join("月报.zip");
/// let manifest = bundle::export_return(&conn, dir.path(), Period::parse("2026-11")?, None, &out)?;
/// assert_eq!(manifest.kind, bundle::Kind::Return);
/// assert_eq!(manifest.template.map(|t| t.id).as_deref(), Some("zhucun-default"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn export_return(
    conn: &Connection,
    keys_dir: &Path,
    period: Period,
    template: Option<&str>,
    out: &Path,
) -> Result<Manifest> {
    let signer = keys::signer(keys_dir)?;
    let me = signer.info();
    // Refused before anything is rendered: the county accepts returns from village keys only.
    if me.role != Role::Village {
        return Err(Error::conflict(
            format!(
                "本机密钥 {} 是{}密钥，月报数据包要由村级密钥签发：请在村里的电脑上导出月报",
                me.key_id,
                me.role.label(Lang::Zh)
            ),
            format!(
                "this installation's key {} is a {} key; return bundles are signed by village keys: export the return on the village's laptop",
                me.key_id, me.role
            ),
        ));
    }
    let profile = village::profile(conn)?.ok_or(Error::NoVillage)?;
    let code = DivisionCode::parse("village.code", &profile.get("code").to_text())?;
    let name = match profile.get("name") {
        Value::Null => String::new(),
        v => v.to_text(),
    };

    // The return is rendered beside `out` (where the user chose to put this village's data),
    // in a folder removed when this function returns.
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let scratch = tempfile::Builder::new()
        .prefix(".zhucun-return-")
        .tempdir_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    let rendered = scratch.path().join(RETURN_FILE);
    let report = template::render_month(conn, template, period, Some(&me.name), &rendered)?;
    let bytes = std::fs::read(&rendered).map_err(|e| Error::io(&rendered, e))?;
    let record = &report.record;
    let spec = NewBundle {
        kind: Kind::Return,
        village: Some(VillageRef { code, name }),
        period: Some(period),
        template: Some(TemplateRef {
            id: record.template_id.clone(),
            version: record.version,
            sha256: record.sha256.clone(),
        }),
        sync: None,
    };
    write(out, &spec, &[(RETURN_FILE, bytes.as_slice())], &signer)
}

/// Checks that a return says what its bundle's manifest says: the same village, month and
/// template (id, version and SHA-256).
pub(crate) fn check_return(
    manifest: &Manifest,
    village_code: &str,
    period: Period,
    template: (&str, u32, &str),
) -> std::result::Result<(), BundleProblem> {
    let mismatch = |field: &str, listed: String, found: String| BundleProblem::ReturnMismatch {
        field: field.to_string(),
        listed,
        found,
    };
    let listed_code = manifest.village.as_ref().map(|v| v.code.as_str());
    if listed_code != Some(village_code) {
        return Err(mismatch(
            "village.code",
            listed_code.unwrap_or_default().to_string(),
            village_code.to_string(),
        ));
    }
    if manifest.period != Some(period) {
        return Err(mismatch(
            "period",
            manifest.period.map(|p| p.to_string()).unwrap_or_default(),
            period.to_string(),
        ));
    }
    let listed = manifest
        .template
        .as_ref()
        .map(|t| (t.id.as_str(), t.version, t.sha256.as_str()));
    if listed != Some(template) {
        let show = |(id, version, sha256): (&str, u32, &str)| template_label(id, version, sha256);
        return Err(mismatch(
            "template",
            listed.map(show).unwrap_or_default(),
            show(template),
        ));
    }
    Ok(())
}

/// `id@version (SHA-256 prefix)`, how a template is named in refusals.
pub(crate) fn template_label(id: &str, version: u32, sha256: &str) -> String {
    format!("{id}@{version} ({})", sha256.get(..12).unwrap_or(sha256))
}

fn check_record(manifest: &Manifest, record: &ReturnRecord) -> Result<()> {
    check_return(
        manifest,
        &record.village_code,
        record.period,
        (&record.template_id, record.version, &record.sha256),
    )
    .map_err(Error::bundle)
}

/// Step 5 for a return: the file is a return (its `_zhucun` sheet readable) of the village,
/// month and template the manifest names; then it is recorded, after a backup, in one
/// transaction — unless this bundle was recorded already.
pub(super) fn receive_return(conn: &Connection, verified: VerifiedBundle) -> Result<Received> {
    let VerifiedBundle {
        manifest,
        signer,
        files,
    } = verified;
    let Some(file) = files.first() else {
        // Step 2 made sure there is one.
        return Err(Error::bundle(BundleProblem::WrongPayload {
            kind: Kind::Return,
            listed: Vec::new(),
        }));
    };
    let record = template::return_record(&file.path, &file.bytes).map_err(not_applied)?;
    check_record(&manifest, &record)?;
    let Some(incoming) = StoredReturn::incoming(&manifest, &signer, &file.bytes) else {
        return Err(Error::bundle(BundleProblem::WrongPayload {
            kind: Kind::Return,
            listed: vec![file.path.clone()],
        }));
    };
    let plan = county::plan_return(conn, &incoming).map_err(not_applied)?;
    let backup = match plan.action {
        county::ReturnAction::Unchanged => None,
        _ => {
            let backup = backup_before(conn, &manifest)?;
            let tx = conn.unchecked_transaction()?;
            county::store_return(&tx, &plan, &file.bytes)?;
            tx.commit()?;
            backup
        }
    };
    Ok(Received {
        manifest,
        signer,
        backup,
        applied: Applied::Return(county::ReturnReport {
            stored: plan.stored,
            action: plan.action,
        }),
    })
}

//! Writes valid bundles as seeds of the `bundle_reader` corpus (by default into
//! `fuzz/corpus/bundle_reader`; a folder given as the one argument instead):
//!
//! - `sample_template_bundle.zip`: the shared sample, signed by the shared sample county key;
//! - `template_xlsx.zip`: `bundle::export_template` of the shared `sample_monthly.xlsx`, signed
//!   by the fuzz key `county` (the minisign crate cannot load the shared sample's secret key,
//!   which the `minisign` command wrote);
//! - `template_small.zip`, `return_small.zip`, `sync_small.zip`: small bundles of each kind
//!   (`bundle::write` with a few payload bytes; `verify` reads no payload), signed by the fuzz
//!   keys `county` and `peer`.
//!
//! Each verifies completely against the fuzz targets' keyring, which the generator checks.
//! Every run makes new bundle ids and times, so the committed seeds change only when written
//! again on purpose.
//!
//! `cargo run --manifest-path fuzz/Cargo.toml --example make_seeds`

use std::path::{Path, PathBuf};

use zhucun_core::bundle::{self, Kind, NewBundle, SyncRange, TemplateRef, VillageRef};
use zhucun_core::keys::Role;
use zhucun_core::template::sha256_hex;
use zhucun_core::{DivisionCode, Period};
use zhucun_fuzz::{world, KEYS, SAMPLES, VILLAGE_CODE};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// A keys folder whose own key is the minisign secret key `key_file`, with `role`.
fn keys_dir(dir: &Path, key_file: &Path, key_id: &str, role: Role) -> Result<PathBuf> {
    let keys = dir.join(format!("{key_id}-{role}"));
    std::fs::create_dir_all(&keys)?;
    std::fs::copy(key_file, keys.join("secret.key"))?;
    let identity = serde_json::json!({
        "key_id": key_id,
        "name": format!("fuzz {role}"),
        "role": role,
        "created_at": "2026-11-28T10:00:00+08:00",
    });
    std::fs::write(
        keys.join("identity.json"),
        serde_json::to_vec_pretty(&identity)?,
    )?;
    Ok(keys)
}

fn main() -> Result<()> {
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/bundle_reader"));
    std::fs::create_dir_all(&out)?;
    let world = world();
    let tmp = tempfile::tempdir()?;
    let samples = Path::new(SAMPLES);

    let county = keys_dir(
        tmp.path(),
        &Path::new(KEYS).join("county.key"),
        &world.county.key_id,
        Role::County,
    )?;
    let peer = keys_dir(
        tmp.path(),
        &Path::new(KEYS).join("peer.key"),
        &world.peer.key_id,
        Role::Village,
    )?;

    std::fs::copy(
        samples.join("bundles/template_bundle.zip"),
        out.join("sample_template_bundle.zip"),
    )?;
    bundle::export_template(
        &county,
        &samples.join("templates/sample_monthly.xlsx"),
        &out.join("template_xlsx.zip"),
    )?;

    let payload: &[u8] = b"PK\x03\x04 not really a workbook";
    let template = TemplateRef {
        id: "sample-monthly".to_string(),
        version: 1,
        sha256: sha256_hex(payload),
    };
    let village = VillageRef {
        code: DivisionCode::parse("village", VILLAGE_CODE)?,
        name: "示例村".to_string(),
    };
    let bundles = [
        (
            "template_small.zip",
            &county,
            NewBundle::template(template.clone()),
            "template.xlsx",
        ),
        (
            "return_small.zip",
            &peer,
            NewBundle {
                kind: Kind::Return,
                village: Some(village.clone()),
                period: Some(Period::parse("2026-10")?),
                template: Some(template),
                sync: None,
            },
            "return.xlsx",
        ),
        (
            "sync_small.zip",
            &peer,
            NewBundle {
                kind: Kind::Sync,
                village: Some(village),
                period: None,
                template: None,
                sync: Some(SyncRange {
                    device: "laptop-1".to_string(),
                    from: "0".to_string(),
                    to: "1".to_string(),
                    rows: 1,
                }),
            },
            "data.xlsx",
        ),
    ];
    for (name, keys, new, payload_name) in bundles {
        let signer = zhucun_core::keys::signer(keys)?;
        bundle::write(&out.join(name), &new, &[(payload_name, payload)], &signer)?;
    }

    for name in [
        "sample_template_bundle.zip",
        "template_xlsx.zip",
        "template_small.zip",
        "return_small.zip",
        "sync_small.zip",
    ] {
        let bytes = std::fs::read(out.join(name))?;
        world.verify(&bytes, true)?;
        println!("{} ({} bytes)", out.join(name).display(), bytes.len());
    }
    Ok(())
}

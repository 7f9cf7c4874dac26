//! Step 3: the signature — a prehashed minisign signature of `manifest.json` by a trusted key
//! whose role fits the kind and whose id is the manifest's `signer.key_id`.

use std::io::Cursor;
use std::path::Path;

use crate::error::{Error, Result};
use crate::keys::{self, KeyInfo};
use crate::types::DivisionCode;

use super::manifest::Manifest;
use super::problem::BundleProblem;
use super::Kind;

/// Checks the signature of `manifest_json` and returns the trusted key that made it.
pub(crate) fn check(
    manifest: &Manifest,
    manifest_json: &[u8],
    signature: Option<&[u8]>,
    keys_dir: &Path,
    local_village: Option<&DivisionCode>,
) -> Result<KeyInfo> {
    let refuse = |p: BundleProblem| Error::bundle(p);
    let signature = signature.ok_or_else(|| refuse(BundleProblem::NoSignature))?;
    let text = std::str::from_utf8(signature).map_err(|_| {
        refuse(BundleProblem::SignatureUnreadable {
            detail: "not UTF-8".to_string(),
        })
    })?;
    let sig = minisign::SignatureBox::from_string(text).map_err(|e| {
        refuse(BundleProblem::SignatureUnreadable {
            detail: e.to_string(),
        })
    })?;
    check_global_signature_length(text).map_err(refuse)?;
    let key_id = keys::key_id_from_keynum(sig.keynum());

    // Checked here, not only by `allow_legacy = false` below, so the refusal says "legacy"
    // rather than "does not verify".
    if !sig.is_prehashed() {
        return Err(refuse(BundleProblem::LegacySignature { key_id }));
    }
    let Some((info, public_key)) = keys::trusted(keys_dir, &key_id)? else {
        return Err(refuse(BundleProblem::UnknownKey { key_id }));
    };
    let verified = minisign::verify(
        &public_key,
        &sig,
        Cursor::new(manifest_json),
        true,
        false,
        false,
    );
    if verified.is_err() {
        return Err(refuse(BundleProblem::BadSignature { key_id }));
    }
    // From here on the manifest is known to be the signer's own words.
    if info.role != manifest.kind.signer_role() {
        return Err(refuse(BundleProblem::WrongRole {
            key_id,
            role: info.role,
            kind: manifest.kind,
        }));
    }
    if manifest.signer.key_id != key_id {
        return Err(refuse(BundleProblem::SignerMismatch {
            key_id,
            manifest: manifest.signer.key_id.clone(),
        }));
    }
    if manifest.kind == Kind::Sync {
        let theirs = manifest.village.as_ref().map(|v| &v.code);
        if theirs.is_none() || theirs != local_village {
            return Err(refuse(BundleProblem::OtherVillage {
                key_id,
                theirs: theirs.map(|c| c.to_string()).unwrap_or_default(),
                ours: local_village.map(|c| c.to_string()),
            }));
        }
    }
    Ok(info)
}

/// The minisign crate slices the global signature (fourth line) as 64 bytes without checking
/// its length, which would panic on a short one; a line of 88 base64 characters ending in `==`
/// is exactly 64 bytes, so anything else is refused before it gets there.
fn check_global_signature_length(text: &str) -> std::result::Result<(), BundleProblem> {
    let line = text.lines().nth(3).map(str::trim).unwrap_or_default();
    if line.len() == 88 && line.ends_with("==") {
        Ok(())
    } else {
        Err(BundleProblem::SignatureUnreadable {
            detail: "the comment signature (fourth line) is not 64 bytes of base64".to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_global_signature_is_refused_without_a_panic() {
        let text = "untrusted comment: x\n\
            RUQ227KJhCDoSw5+7Mx+rxg7S7r6/YzQFcLZmNJmA2rBWOH91l/9/rIeywOUIiyFxEayztNG0Wp2wbaEoRdZmhBju1/5V7DjyQw=\n\
            trusted comment: t\n\
            AAAA\n";
        assert!(matches!(
            check_global_signature_length(text),
            Err(BundleProblem::SignatureUnreadable { .. })
        ));
    }
}

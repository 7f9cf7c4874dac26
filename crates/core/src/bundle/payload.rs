//! Step 4: every payload file has the size and SHA-256 the signed manifest lists.

use crate::template::sha256_hex;

use super::archive::Entry;
use super::manifest::Manifest;
use super::problem::BundleProblem;

/// Checks each listed file against its entry (step 2 made sure each has one).
pub(crate) fn check(manifest: &Manifest, entries: &[Entry]) -> Result<(), BundleProblem> {
    for file in &manifest.files {
        let Some(entry) = entries.iter().find(|e| e.name == file.path) else {
            return Err(BundleProblem::MissingFile {
                name: file.path.clone(),
            });
        };
        let actual = entry.bytes.len() as u64;
        if actual != file.size {
            return Err(BundleProblem::PayloadSize {
                name: file.path.clone(),
                listed: file.size,
                actual,
            });
        }
        if sha256_hex(&entry.bytes) != file.sha256 {
            return Err(BundleProblem::PayloadHash {
                name: file.path.clone(),
            });
        }
    }
    Ok(())
}

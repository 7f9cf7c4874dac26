//! Step 1: opening the ZIP archive with limits.
//!
//! Nothing here trusts what the archive says about itself: sizes are counted while inflating,
//! through a reader that stops one byte past the limit, into buffers that grow only as bytes
//! arrive; the entry count is read from the end record before the ZIP reader indexes anything;
//! and every entry must be a plain file with a plain relative name. The archive is never
//! extracted to disk, so names matter only for matching the manifest — but a name that would be
//! dangerous on disk is refused all the same, because people unzip bundles by hand.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use zip::result::ZipError;
use zip::{CompressionMethod, ZipArchive};

use super::problem::{BundleProblem, EntryType, NameFault};
use super::{
    MANIFEST_FILE, MAX_BUNDLE_FILE_BYTES, MAX_ENTRIES, MAX_ENTRY_BYTES, MAX_MANIFEST_BYTES,
    MAX_TOTAL_BYTES, SIGNATURE_FILE,
};

/// One entry of the archive, inflated.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Its name, checked.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Unix file-type bits of the upper half of a ZIP entry's external attributes.
const S_IFMT: u32 = 0o170_000;
const S_IFREG: u32 = 0o100_000;
const S_IFDIR: u32 = 0o040_000;
const S_IFLNK: u32 = 0o120_000;
/// The MS-DOS directory attribute.
const DOS_DIRECTORY: u32 = 0x10;

/// Reads every entry of `bytes` under the limits of BUNDLES.md, or says why not.
pub(crate) fn read(bytes: &[u8]) -> Result<Vec<Entry>, BundleProblem> {
    let size = bytes.len() as u64;
    if size > MAX_BUNDLE_FILE_BYTES {
        return Err(BundleProblem::FileTooLarge {
            size,
            max: MAX_BUNDLE_FILE_BYTES,
        });
    }
    if bytes.is_empty() {
        return Err(BundleProblem::NotAZip {
            detail: "empty file".to_string(),
        });
    }
    if let Some(count) = declared_entry_count(bytes) {
        if count > MAX_ENTRIES {
            return Err(BundleProblem::TooManyEntries {
                count,
                max: MAX_ENTRIES,
            });
        }
    }
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|e| BundleProblem::NotAZip {
        detail: e.to_string(),
    })?;
    if archive.len() as u64 > MAX_ENTRIES {
        return Err(BundleProblem::TooManyEntries {
            count: archive.len() as u64,
            max: MAX_ENTRIES,
        });
    }

    // Names and types first, for every entry, before inflating anything.
    let mut names: Vec<String> = Vec::with_capacity(archive.len());
    let mut seen: HashMap<String, String> = HashMap::new();
    for index in 0..archive.len() {
        let entry = archive
            .by_index_data(index)
            .map_err(|e| BundleProblem::NotAZip {
                detail: e.to_string(),
            })?;
        let raw = entry.name_raw();
        let Ok(name) = std::str::from_utf8(raw) else {
            return Err(BundleProblem::BadName {
                name: String::from_utf8_lossy(raw).into_owned(),
                fault: NameFault::NotUtf8,
            });
        };
        let name = name.to_string();
        if let Some(what) = not_a_plain_file(&name, entry.external_attributes()) {
            return Err(BundleProblem::NotAPlainFile { name, what });
        }
        if let Err(fault) = check_name(&name) {
            return Err(BundleProblem::BadName { name, fault });
        }
        if entry.encrypted() {
            return Err(BundleProblem::Encrypted { name });
        }
        let method = entry.compression();
        if !matches!(
            method,
            CompressionMethod::Stored | CompressionMethod::Deflated
        ) {
            return Err(BundleProblem::UnsupportedCompression {
                name,
                method: method.to_string(),
            });
        }
        // Windows and macOS compare names without regard to case: `Manifest.json` beside
        // `manifest.json` would be one file there, and which one wins is up to the unzipper.
        let folded = name.to_lowercase();
        if let Some(other) = seen.get(&folded) {
            return Err(BundleProblem::DuplicateName {
                name: other.clone(),
                other: name,
            });
        }
        seen.insert(folded, name.clone());
        names.push(name);
    }
    if archive.has_duplicate_names() {
        return Err(BundleProblem::DuplicateEntries);
    }
    // Local headers must repeat the central directory, entries must not overlap, and no entry
    // may hide between them: otherwise another unzipper could see other files than we do.
    archive
        .validate_header_consistency()
        .map_err(|e| BundleProblem::Inconsistent {
            detail: e.to_string(),
        })?;

    let mut entries = Vec::with_capacity(names.len());
    let mut total: u64 = 0;
    for (index, name) in names.into_iter().enumerate() {
        let limit = if name == MANIFEST_FILE || name == SIGNATURE_FILE {
            MAX_MANIFEST_BYTES
        } else {
            MAX_ENTRY_BYTES
        };
        let remaining = MAX_TOTAL_BYTES.saturating_sub(total);
        let mut file = archive
            .by_index(index)
            .map_err(|e| open_problem(&name, e))?;
        let declared = file.size();
        if declared > limit {
            return Err(BundleProblem::EntryTooLarge { name, max: limit });
        }
        if declared > remaining {
            return Err(BundleProblem::ArchiveTooLarge {
                max: MAX_TOTAL_BYTES,
            });
        }
        // One byte more than may be kept, so "more than allowed" is seen without reading on;
        // the buffer starts small and grows only as inflated bytes actually arrive.
        let cap = limit.min(remaining);
        let mut buf = Vec::with_capacity(usize::try_from(declared.min(1 << 20)).unwrap_or(0));
        let read = file
            .by_ref()
            .take(cap.saturating_add(1))
            .read_to_end(&mut buf);
        let actual = buf.len() as u64;
        if actual > limit {
            return Err(BundleProblem::EntryTooLarge { name, max: limit });
        }
        if actual > remaining {
            return Err(BundleProblem::ArchiveTooLarge {
                max: MAX_TOTAL_BYTES,
            });
        }
        if let Err(e) = read {
            return Err(read_problem(name, declared, actual, &e));
        }
        if actual != declared {
            return Err(BundleProblem::SizeMismatch {
                name,
                declared,
                actual,
            });
        }
        total = total.saturating_add(actual);
        entries.push(Entry { name, bytes: buf });
    }
    Ok(entries)
}

/// Why inflating an entry failed. The ZIP reader also stops at the declared size, with an
/// `InvalidData` error naming it: that is the lying-header case, reported as such.
fn read_problem(name: String, declared: u64, actual: u64, e: &std::io::Error) -> BundleProblem {
    let text = e.to_string();
    if e.kind() == std::io::ErrorKind::InvalidData && text.contains("declared") {
        BundleProblem::SizeMismatch {
            name,
            declared,
            actual: actual.max(declared.saturating_add(1)),
        }
    } else {
        BundleProblem::Corrupt { name, detail: text }
    }
}

fn open_problem(name: &str, e: ZipError) -> BundleProblem {
    match e {
        ZipError::UnsupportedArchive(what) if what == ZipError::PASSWORD_REQUIRED => {
            BundleProblem::Encrypted {
                name: name.to_string(),
            }
        }
        other => BundleProblem::Corrupt {
            name: name.to_string(),
            detail: other.to_string(),
        },
    }
}

/// What an entry is, if it is not a plain file: by its name (a trailing `/`), its Unix mode
/// bits (whatever system the archive claims to come from) or its MS-DOS directory bit.
fn not_a_plain_file(name: &str, external_attributes: u32) -> Option<EntryType> {
    let kind = (external_attributes >> 16) & S_IFMT;
    if name.ends_with('/') || kind == S_IFDIR || external_attributes & DOS_DIRECTORY != 0 {
        return Some(EntryType::Directory);
    }
    match kind {
        0 | S_IFREG => None,
        S_IFLNK => Some(EntryType::Link),
        _ => Some(EntryType::Special),
    }
}

/// Checks that `name` is a plain relative name of `/`-separated parts.
pub(crate) fn check_name(name: &str) -> Result<(), NameFault> {
    if name.is_empty() {
        return Err(NameFault::Empty);
    }
    if name.chars().any(char::is_control) {
        return Err(NameFault::ControlCharacter);
    }
    if name.contains('\\') {
        return Err(NameFault::Backslash);
    }
    if name.starts_with('/') {
        return Err(NameFault::Absolute);
    }
    if name.contains(':') {
        return Err(NameFault::DriveLetter);
    }
    for part in name.split('/') {
        match part {
            "" => return Err(NameFault::EmptyPart),
            "." => return Err(NameFault::DotPart),
            ".." => return Err(NameFault::ParentPart),
            _ => {}
        }
    }
    Ok(())
}

/// The entry count of the archive's end record, read before the ZIP reader builds its index
/// (which it sizes from the central directory): an archive of a million empty entries is
/// refused without a million allocations. `None` when there is no plain end record (then the
/// ZIP reader decides, and its count is checked after).
fn declared_entry_count(bytes: &[u8]) -> Option<u64> {
    const EOCD: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
    const EOCD_LEN: usize = 22;
    // The end record is the last 22 bytes plus a comment of at most 64 KiB.
    let from = bytes.len().saturating_sub(EOCD_LEN + 0xFFFF);
    let tail = bytes.get(from..)?;
    let at = tail
        .windows(4)
        .rposition(|w| w == EOCD)
        .filter(|&at| at + EOCD_LEN <= tail.len())?;
    let total = tail.get(at + 10..at + 12)?;
    let count = u16::from_le_bytes([*total.first()?, *total.get(1)?]);
    // 0xFFFF means "see the ZIP64 record": left to the reader.
    (count != 0xFFFF).then_some(u64::from(count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_relative_paths() {
        let cases = [
            ("template.xlsx", Ok(())),
            ("a/b.txt", Ok(())),
            ("", Err(NameFault::Empty)),
            ("/x", Err(NameFault::Absolute)),
            ("C:x", Err(NameFault::DriveLetter)),
            ("a:stream", Err(NameFault::DriveLetter)),
            ("a\\b", Err(NameFault::Backslash)),
            ("../x", Err(NameFault::ParentPart)),
            ("a/../x", Err(NameFault::ParentPart)),
            ("./x", Err(NameFault::DotPart)),
            ("a//b", Err(NameFault::EmptyPart)),
            ("a\0b", Err(NameFault::ControlCharacter)),
            ("a\nb", Err(NameFault::ControlCharacter)),
        ];
        for (name, expected) in cases {
            assert_eq!(check_name(name), expected, "{name:?}");
        }
    }

    #[test]
    fn entry_types_come_from_names_and_mode_bits() {
        assert_eq!(not_a_plain_file("a", 0), None);
        assert_eq!(not_a_plain_file("a", 0o100_644 << 16), None);
        assert_eq!(
            not_a_plain_file("a/", 0o100_644 << 16),
            Some(EntryType::Directory)
        );
        assert_eq!(
            not_a_plain_file("a", 0o040_755 << 16),
            Some(EntryType::Directory)
        );
        assert_eq!(not_a_plain_file("a", 0x10), Some(EntryType::Directory));
        assert_eq!(
            not_a_plain_file("a", 0o120_777 << 16),
            Some(EntryType::Link)
        );
        assert_eq!(
            not_a_plain_file("a", 0o010_644 << 16),
            Some(EntryType::Special)
        );
    }

    #[test]
    fn the_end_record_count_is_read_without_the_zip_reader() {
        let mut eocd = vec![0u8; 10];
        eocd.extend_from_slice(&[0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 200, 0, 200, 0]);
        eocd.extend_from_slice(&[0u8; 10]);
        assert_eq!(declared_entry_count(&eocd), Some(200));
        assert_eq!(declared_entry_count(b"not a zip"), None);
        assert_eq!(declared_entry_count(b""), None);
    }
}

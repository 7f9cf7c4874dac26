//! The `.ods` package: its zip parts, each read with a cap on what it inflates to, and the
//! quick-xml reading every part shares (attributes as calamine read them, repeat counts).

use std::io::{BufRead, BufReader, Cursor, Read};

use quick_xml::events::BytesStart;
use quick_xml::Reader;

use crate::template::look::LookError;

/// The largest part read, uncompressed: templates are small, and a part that inflates past this
/// is not a form.
const MAX_PART_BYTES: u64 = 256 * 1024 * 1024;

/// Runs `f` on a reader of the part `name`, if the package has it. A part that inflates past
/// [`MAX_PART_BYTES`] is an error.
pub(super) fn with_part<T>(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
    f: impl FnOnce(
        &mut Reader<BufReader<std::io::Take<zip::read::ZipFile<'_, Cursor<&[u8]>>>>>,
    ) -> Result<T, LookError>,
) -> Result<Option<T>, LookError> {
    let file = match zip.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let mut reader = xml_reader(BufReader::new(file.take(MAX_PART_BYTES + 1)));
    let out = f(&mut reader)?;
    if reader.into_inner().into_inner().limit() == 0 {
        return Err(LookError(format!("{name} is too large")));
    }
    Ok(Some(out))
}

/// A reader that, as calamine's (which read the file first), does not check end names, and keeps
/// text as written (a format's literal spaces).
pub(super) fn xml_reader<R: BufRead>(source: R) -> Reader<R> {
    let mut reader = Reader::from_reader(source);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    reader
}

/// The element's attributes as (qualified name, unescaped value); a malformed one is skipped
/// (calamine read the file, so a damaged attribute is one calamine ignored too).
pub(super) fn attributes<'a>(e: &'a BytesStart<'_>) -> impl Iterator<Item = (String, String)> + 'a {
    let mut all = e.attributes();
    all.with_checks(false);
    all.flatten().map(|a| {
        let value = quick_xml::escape::unescape(&a.value)
            .map(std::borrow::Cow::into_owned)
            .unwrap_or_else(|_| a.value.to_string());
        (a.key.as_ref().to_string(), value)
    })
}

/// One attribute's value by qualified name.
pub(super) fn attribute(e: &BytesStart<'_>, name: &str) -> Option<String> {
    attributes(e).find(|(k, _)| k == name).map(|(_, v)| v)
}

/// A count attribute (`table:number-rows-repeated`): a positive integer, 1 when absent or
/// unreadable.
pub(super) fn count(value: Option<String>) -> u64 {
    let Some(v) = value else {
        return 1;
    };
    let v = v.trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return 1;
    }
    // Digits past `u64` are more than any sheet holds: cut where the count is used.
    v.parse::<u64>().unwrap_or(u64::MAX).max(1)
}

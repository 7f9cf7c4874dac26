//! The parts of a zip-based workbook: `.xlsx`/`.xlsm` sheets and shared strings, the `.ods`
//! `content.xml` (handed to [`super::ods`]), and the parts that make calamine read `.xlsb`.
//!
//! calamine finds an `.xlsx`'s sheets through the workbook's relationships, which may point
//! anywhere in the zip, so every part is streamed and any part with a `<sheetData>` is checked as
//! a sheet. For a sheet, calamine's `worksheet_range` and `worksheet_formula` build dense ranges
//! over the cells with a value and the cells with a formula; its cell reader places a cell
//! without an `r` attribute after the previous one in its row, and a row without `r` after the
//! previous row — the check keeps the same cursor. calamine also sizes two things from numbers
//! in the file: room for the shared strings a `<sst uniqueCount>` declares, and a table indexed
//! by a shared formula's `si`.
//!
//! Inflated bytes are counted while reading, over all parts, so a zip bomb stops the check, not
//! the machine.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Seek};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::xml::{self, BadAttribute};
use super::{
    Extent, Limits, Streamed, MAX_DENSE_CELLS, MAX_SHARED_FORMULA_INDEX, MAX_SHARED_STRINGS,
    MAX_UNPACKED_BYTES,
};
use crate::error::{Error, Result};

/// The parts calamine's `.xlsb` reader opens before it can fail, lower-cased.
const XLSB_PARTS: &[&str] = &["xl/workbook.bin", "xl/sharedstrings.bin", "xl/styles.bin"];

/// The deepest nesting allowed inside a cell's inline string (rich text nests two or three deep).
const MAX_INLINE_DEPTH: usize = 64;

/// Checks every part of the zip in `source`; a file that is no zip passes (calamine's zip-based
/// readers refuse it).
///
/// # Errors
///
/// As [`super::check`].
pub(super) fn check<R: Read + Seek>(limits: &mut Limits<'_>, source: &mut R) -> Result<()> {
    let Ok(mut zip) = zip::ZipArchive::new(source) else {
        return Ok(());
    };
    if zip
        .file_names()
        .filter_map(std::result::Result::ok)
        .any(|n| XLSB_PARTS.contains(&n.replace('\\', "/").to_ascii_lowercase().as_str()))
    {
        return Err(xlsb_refused(limits.file));
    }
    let only_streamed = only_streamed_parts(limits, &mut zip);
    let left = Cell::new(limits.unpacked_left);
    let over = Cell::new(false);
    for i in 0..zip.len() {
        let (name, stats) = {
            // An entry the zip reader cannot open, calamine cannot open either.
            let Ok(entry) = zip.by_index(i) else {
                continue;
            };
            let name = entry
                .name()
                .map(std::borrow::Cow::into_owned)
                .unwrap_or_default();
            let mut metered = Metered {
                inner: entry,
                left: &left,
                over: &over,
            };
            if name != "content.xml" && only_streamed.contains(&lookup_key(&name)) {
                // Nothing of it is kept: only what it inflates to counts. A read error is the
                // zip's, and calamine meets it too.
                let _ = std::io::copy(&mut metered, &mut std::io::sink());
                if over.get() {
                    return Err(too_large_unpacked(limits.file));
                }
                continue;
            }
            let mut reader = xml::reader(BufReader::new(metered));
            (name, scan_part(&mut reader))
        };
        if over.get() {
            return Err(too_large_unpacked(limits.file));
        }
        judge(limits, &mut zip, &name, &stats)?;
        // calamine's `.ods` reader opens exactly this name.
        if name == "content.xml" {
            if let Ok(entry) = zip.by_name("content.xml") {
                let mut reader = xml::reader(BufReader::new(Metered {
                    inner: entry,
                    left: &left,
                    over: &over,
                }));
                let outcome = super::ods::check(limits, &mut reader);
                if over.get() {
                    return Err(too_large_unpacked(limits.file));
                }
                outcome?;
            }
        }
    }
    Ok(())
}

/// A part's name as calamine looks it up: backslashes as slashes, lower-cased.
fn lookup_key(name: &str) -> String {
    name.replace('\\', "/").to_ascii_lowercase()
}

/// The parts (as [`lookup_key`]s) that calamine reads only as sheets streamed for their values,
/// which need no parsing: the parts of the sheets the caller does not read as ranges, where
/// worksheets live (`xl/worksheets/*.xml`, so no sheet can be pointed at the shared strings or
/// the styles, which calamine keeps whole), unless a sheet the caller does read as a range points
/// at the same part. Empty when the caller streams formulas too, or when the sheets cannot be
/// listed: then every part is parsed.
fn only_streamed_parts<R: Read + Seek>(
    limits: &Limits<'_>,
    zip: &mut zip::ZipArchive<R>,
) -> HashSet<String> {
    let mut streamed = HashSet::new();
    if limits.streamed != Streamed::Values {
        return streamed;
    }
    let Some((dir, sheets)) = sheet_parts(zip) else {
        return streamed;
    };
    let folder = lookup_key(&format!("{dir}worksheets/"));
    let mut ranges = HashSet::new();
    for (name, path) in sheets {
        let key = lookup_key(&path);
        let plain = key
            .strip_prefix(&folder)
            .is_some_and(|file| !file.contains('/') && file.ends_with(".xml"));
        if plain && !limits.xlsx_ranges.contains(&name.as_str()) {
            streamed.insert(key);
        } else {
            ranges.insert(key);
        }
    }
    streamed.retain(|p| !ranges.contains(p));
    streamed
}

/// Refuses a part whose scan passed a limit.
fn judge<R: Read + Seek>(
    limits: &Limits<'_>,
    zip: &mut zip::ZipArchive<R>,
    part: &str,
    stats: &PartStats,
) -> Result<()> {
    if stats.damaged {
        return Err(limits.damaged());
    }
    let strings = stats.shared_strings.max(stats.declared_strings);
    if strings > MAX_SHARED_STRINGS {
        return Err(Error::UnusableSheet {
            file: limits.file.to_string(),
            zh: format!("文件声明或含有 {strings} 个共享字符串，多得不合常理，疑似文件损坏"),
            en: format!(
                "the file declares or holds {strings} shared strings, far more than a real workbook; it looks damaged"
            ),
        });
    }
    // calamine's cell reader sizes a table by this index, whether or not a range is built.
    if stats.shared_formula_index >= MAX_SHARED_FORMULA_INDEX {
        let names = sheet_names(zip, part).unwrap_or_default();
        return Err(limits.too_much(names.first().map_or(part, String::as_str)));
    }
    let area = stats.values.cells().saturating_add(stats.formulas.cells());
    if (area <= MAX_DENSE_CELLS && stats.cells <= MAX_DENSE_CELLS) || limits.xlsx_ranges.is_empty()
    {
        return Ok(());
    }
    // Only the sheets the caller reads as ranges are dense; the others are streamed cell by cell
    // and a far-away cell costs nothing. A part that cannot be told apart from such a sheet is
    // refused.
    let names = sheet_names(zip, part);
    let dense = match &names {
        Some(names) if !names.is_empty() => names
            .iter()
            .find(|n| limits.xlsx_ranges.contains(&n.as_str()))
            .cloned(),
        _ => Some(part.to_string()),
    };
    let Some(sheet) = dense else {
        return Ok(());
    };
    if area > MAX_DENSE_CELLS {
        let spanned = stats.values.union(stats.formulas);
        return Err(limits.too_wide(&sheet, spanned.rows(), spanned.cols()));
    }
    Err(limits.too_much(&sheet))
}

/// What one part holds, as far as calamine's allocations go.
#[derive(Debug, Default)]
struct PartStats {
    /// Cells with a value (`<v>` or `<is>`).
    values: Extent,
    /// Cells with a formula (`<f>`).
    formulas: Extent,
    /// Cells with a value or a formula.
    cells: u64,
    /// `<si>` elements.
    shared_strings: u64,
    /// The largest `<sst uniqueCount>`.
    declared_strings: u64,
    /// The largest `si` of a shared formula's anchor.
    shared_formula_index: u64,
    /// Built so that calamine's readers would disagree about it; never written by a spreadsheet
    /// program.
    damaged: bool,
}

/// Streams one part. The scan stops where calamine's sheet reader stops: an XML error, the end
/// of the first `<sheetData>`, or something inside a cell its reader refuses.
fn scan_part<R: BufRead>(reader: &mut Reader<R>) -> PartStats {
    let mut stats = PartStats::default();
    let mut buf = Vec::new();
    let mut in_sheet = false;
    let mut sheet_done = false;
    let (mut row, mut col) = (0u32, 0u32);
    loop {
        buf.clear();
        let Ok(event) = reader.read_event_into(&mut buf) else {
            return stats;
        };
        match event {
            Event::Eof => return stats,
            Event::Start(e) if !in_sheet => match e.local_name().as_ref() {
                "sst" => {
                    // calamine reserves room for the declared count when it reads as a number.
                    if let Ok(Some(n)) = xml::attribute(&e, "uniqueCount").map(|v| v.and_then(atoi))
                    {
                        stats.declared_strings = stats.declared_strings.max(n);
                    }
                }
                "si" => stats.shared_strings += 1,
                "sheetData" if !sheet_done => in_sheet = true,
                _ => {}
            },
            Event::Start(e) => match e.local_name().as_ref() {
                "row" => match xml::attribute(&e, "r") {
                    Ok(None) => {}
                    Ok(Some(r)) => match cell_ref(r) {
                        Some((r, _)) => row = r,
                        None => return stats,
                    },
                    Err(BadAttribute) => return stats,
                },
                "c" => {
                    // calamine's readers take `r` in two ways (the first `r`, or the last among
                    // the first three of `r`, `s`, `t`); a cell where they differ is refused.
                    let r = match (
                        xml::attributes_named(&e, ["r", "s", "t"]),
                        xml::attribute(&e, "r"),
                    ) {
                        (Ok([named, _, _]), Ok(first)) if named == first => first,
                        _ => {
                            stats.damaged = true;
                            return stats;
                        }
                    };
                    let pos = match r {
                        Some(text) => match cell_ref(text) {
                            Some((r, Some(c))) => {
                                col = c;
                                (r, c)
                            }
                            _ => return stats,
                        },
                        None => (row, col),
                    };
                    let content = match cell(reader) {
                        Ok(content) => content,
                        Err(Stop::Here) => return stats,
                        Err(Stop::Damaged) => {
                            stats.damaged = true;
                            return stats;
                        }
                    };
                    col = col.wrapping_add(1);
                    if content.value {
                        stats.values.add(pos.0, pos.1);
                    }
                    if content.formula {
                        stats.formulas.add(pos.0, pos.1);
                    }
                    if content.value || content.formula {
                        stats.cells += 1;
                    }
                    if let Some(si) = content.shared_index {
                        stats.shared_formula_index = stats.shared_formula_index.max(si);
                    }
                }
                _ => {}
            },
            Event::End(e) if in_sheet => match e.local_name().as_ref() {
                "row" => {
                    row = row.wrapping_add(1);
                    col = 0;
                }
                "sheetData" => {
                    in_sheet = false;
                    sheet_done = true;
                }
                _ => {}
            },
            _ => {}
        }
    }
}

/// Why a cell's scan ended early.
enum Stop {
    /// calamine's reader returns an error here, and reads no further.
    Here,
    /// calamine's readers would read this cell differently from one another.
    Damaged,
}

/// What a cell holds.
#[derive(Debug, Default)]
struct CellContent {
    value: bool,
    formula: bool,
    /// The `si` of a shared formula's anchor (`t="shared"` with a `ref`).
    shared_index: Option<u64>,
}

/// Reads a cell's children up to its end. calamine accepts `<v>`, `<f>` and `<is>` only, and
/// skips each to its end in ways that agree only when the child is well formed: a `<v>` or `<f>`
/// holding elements, or an `<is>` holding cells, rows or another `<is>`, is refused.
fn cell<R: BufRead>(reader: &mut Reader<R>) -> std::result::Result<CellContent, Stop> {
    let mut content = CellContent::default();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let event = reader.read_event_into(&mut buf).map_err(|_| Stop::Here)?;
        match event {
            Event::Start(e) => {
                match e.local_name().as_ref() {
                    "v" => content.value = true,
                    "is" => content.value = true,
                    "f" => {
                        content.formula = true;
                        let [t, si, range] = xml::attributes_named(&e, ["t", "si", "ref"])
                            .map_err(|_| Stop::Damaged)?;
                        if t == Some("shared") {
                            let si = si.and_then(atoi).ok_or(Stop::Damaged)?;
                            if range.is_some() {
                                content.shared_index = Some(si);
                            }
                        }
                    }
                    _ => return Err(Stop::Here),
                }
                let name = e.name().as_ref().to_string();
                let inline = e.local_name().as_ref() == "is";
                skip_child(reader, &name, inline)?;
            }
            Event::End(e) if e.local_name().as_ref() == "c" => return Ok(content),
            Event::Eof => return Err(Stop::Here),
            _ => {}
        }
    }
}

/// Skips a cell's child element named `name` to its end, refusing one whose end calamine's
/// readers would find in different places.
fn skip_child<R: BufRead>(
    reader: &mut Reader<R>,
    name: &str,
    inline: bool,
) -> std::result::Result<(), Stop> {
    let mut open: Vec<String> = Vec::new();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let event = reader.read_event_into(&mut buf).map_err(|_| Stop::Here)?;
        match event {
            Event::Start(e) => {
                let local = e.local_name().as_ref().to_string();
                let nested_text = local == "t" && open.iter().any(|o| local_part(o) == "t");
                if !inline
                    || nested_text
                    || open.len() >= MAX_INLINE_DEPTH
                    || matches!(
                        local.as_str(),
                        "c" | "row" | "sheetData" | "v" | "f" | "is" | "si" | "sst"
                    )
                {
                    return Err(Stop::Damaged);
                }
                open.push(e.name().as_ref().to_string());
            }
            Event::End(e) => {
                let end = e.name();
                match open.pop() {
                    Some(o) if o == end.as_ref() => {}
                    None if end.as_ref() == name => return Ok(()),
                    _ => return Err(Stop::Damaged),
                }
            }
            Event::Eof => return Err(Stop::Here),
            _ => {}
        }
    }
}

/// The local part of a qualified name (`x:t` is `t`).
fn local_part(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, local)| local)
}

/// A cell reference as calamine reads it (`B12` is row 11, column 1; a reference without
/// letters has no column), with its arithmetic wrapping as in its release build; `None` where
/// calamine refuses the reference.
fn cell_ref(text: &str) -> Option<(u32, Option<u32>)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut col: u32 = 0;
    let mut row: u32 = 0;
    while let Some(&c) = bytes.get(i) {
        i += 1;
        match c {
            b'A'..=b'Z' => col = col.wrapping_mul(26).wrapping_add(u32::from(c - b'A') + 1),
            b'a'..=b'z' => col = col.wrapping_mul(26).wrapping_add(u32::from(c - b'a') + 1),
            b'0'..=b'9' => {
                row = u32::from(c - b'0');
                break;
            }
            _ => return None,
        }
    }
    while let Some(&c) = bytes.get(i) {
        i += 1;
        match c {
            b'0'..=b'9' => row = row.wrapping_mul(10).wrapping_add(u32::from(c - b'0')),
            _ => return None,
        }
    }
    Some((row.checked_sub(1)?, col.checked_sub(1)))
}

/// An unsigned number as calamine's `atoi_simd` reads it: digits only, leading zeros allowed,
/// `None` on anything else or on overflow.
fn atoi(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = text.trim_start_matches('0');
    if digits.is_empty() {
        return Some(0);
    }
    digits.parse().ok()
}

/// A reader that counts what it yields against a budget shared by every part.
struct Metered<'a, R> {
    inner: R,
    left: &'a Cell<u64>,
    over: &'a Cell<bool>,
}

impl<R: Read> Read for Metered<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        match self.left.get().checked_sub(n as u64) {
            Some(left) => {
                self.left.set(left);
                Ok(n)
            }
            None => {
                self.over.set(true);
                Err(std::io::Error::other(
                    "the workbook inflates past the limit",
                ))
            }
        }
    }
}

fn too_large_unpacked(file: &str) -> Error {
    let mb = MAX_UNPACKED_BYTES / 1024 / 1024;
    Error::UnusableSheet {
        file: file.to_string(),
        zh: format!("文件解压后超过 {mb} MB，不像是一份报表或花名册"),
        en: format!("the file unpacks to more than {mb} MB, too large to be a form or a roster"),
    }
}

fn xlsb_refused(file: &str) -> Error {
    Error::UnusableSheet {
        file: file.to_string(),
        zh: "不支持 Excel 二进制工作簿（.xlsb）；请在 Excel 中另存为 .xlsx 后再试".to_string(),
        en: "Excel binary workbooks (.xlsb) are not supported; save it as .xlsx in Excel and try again"
            .to_string(),
    }
}

/// The largest metadata part read to list the sheets.
const MAX_LISTING_PART: u64 = 16 * 1024 * 1024;

/// The names calamine's `Xlsx` gives the sheet stored in `part` (several when more than one
/// sheet points at it; none when no sheet does), listed as `Xlsx::new` lists them: the workbook
/// named by the package relationships, its relationships, and each `<sheet>`'s target joined to
/// the workbook's folder. `None` when the listing cannot be followed.
///
/// The list may hold more than calamine's (it goes on where calamine would fail, and a part
/// matches a path in every way calamine's lookup could resolve it); it never holds less.
fn sheet_names<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, part: &str) -> Option<Vec<String>> {
    let wanted = part.replace('\\', "/").to_ascii_lowercase();
    let names = sheet_parts(zip)?
        .1
        .into_iter()
        .filter(|(_, path)| path.to_ascii_lowercase() == wanted || path == part)
        .map(|(name, _)| name)
        .collect();
    Some(names)
}

/// The workbook's folder (`xl/`), and every sheet calamine's `Xlsx` lists with the path of the
/// part it reads for it (as joined from that folder and the relationship's target, not yet
/// looked up among the entries).
type SheetParts = (String, Vec<(String, String)>);

/// The [`SheetParts`] of a workbook, listed as [`sheet_names`] lists them; `None` when the
/// listing cannot be followed.
fn sheet_parts<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> Option<SheetParts> {
    // calamine looks a path up lower-cased among the entries' names (backslashes as slashes),
    // falling back to the path as it is.
    let mut lookup: HashMap<String, String> = HashMap::new();
    for name in zip.file_names().filter_map(std::result::Result::ok) {
        lookup.insert(
            name.replace('\\', "/").to_ascii_lowercase(),
            name.to_string(),
        );
    }
    let mut read = |path: &str| -> Option<Option<Vec<u8>>> {
        let entry = lookup
            .get(&path.to_ascii_lowercase())
            .map_or(path, String::as_str);
        let Ok(file) = zip.by_name(entry) else {
            return Some(None);
        };
        let mut out = Vec::new();
        file.take(MAX_LISTING_PART + 1).read_to_end(&mut out).ok()?;
        (out.len() as u64 <= MAX_LISTING_PART).then_some(Some(out))
    };

    // The package relationships: the last office document named.
    let rels = read("_rels/.rels")??;
    let mut document = None;
    each_relationship(&rels, |e| {
        let [kind, target] = xml::attributes_named(e, ["Type", "Target"]).ok()?;
        if kind.is_some_and(|k| k.ends_with("/relationships/officeDocument")) {
            if let Some(target) = target {
                document = Some(xml::decoded(target)?);
            }
        }
        Some(())
    })?;
    let document = document?;
    let (dir, file) = document.split_at(document.rfind('/').map_or(0, |i| i + 1));
    let dir = dir.strip_prefix('/').unwrap_or(dir).to_string();
    let file = if file.is_empty() {
        "workbook.xml"
    } else {
        file
    }
    .to_string();

    // The workbook's relationships, by id (targets as written).
    let rels = read(&format!("{dir}_rels/{file}.rels"))??;
    let mut targets: HashMap<String, String> = HashMap::new();
    each_relationship(&rels, |e| {
        let [id, _, target] = xml::attributes_named(e, ["Id", "Type", "Target"]).ok()?;
        if let Some(id) = id {
            targets.insert(id.to_string(), target.unwrap_or_default().to_string());
        }
        Some(())
    })?;

    let Some(workbook) = read(&format!("{dir}{file}"))? else {
        return Some((dir, Vec::new()));
    };
    let mut sheets = Vec::new();
    each_start(&workbook, "sheet", |e| {
        let mut name = String::new();
        let mut id = "";
        for item in xml::attributes(e) {
            let (key, value) = item.ok()?;
            if key == "name" {
                name = xml::decoded(value)?;
            } else if key == "id" || key.ends_with(":id") {
                id = value;
            }
        }
        let target = targets.get(id)?;
        let path = match target.strip_prefix('/') {
            Some(absolute) => absolute.to_string(),
            None => format!("{dir}{target}"),
        };
        sheets.push((name, path));
        Some(())
    })?;
    Some((dir, sheets))
}

/// Calls `f` on each `<Relationship>` of a relationships part, as calamine reads them: those
/// between the first `<Relationships>` and its end. `None` when `f` says so, or calamine fails.
fn each_relationship(xml: &[u8], mut f: impl FnMut(&BytesStart<'_>) -> Option<()>) -> Option<()> {
    let mut reader = xml::reader(xml);
    let mut buf = Vec::new();
    let mut inside = false;
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) if !inside && e.local_name().as_ref() == "Relationships" => {
                inside = true;
            }
            Event::Start(e) if inside && e.local_name().as_ref() == "Relationship" => f(&e)?,
            Event::End(e) if inside && e.local_name().as_ref() == "Relationships" => {
                return Some(());
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// Calls `f` on every element named `local` (by local name) in `xml`, read with calamine's
/// settings; `None` when `f` does, or the XML ends in an error.
fn each_start(
    xml: &[u8],
    local: &str,
    mut f: impl FnMut(&BytesStart<'_>) -> Option<()>,
) -> Option<()> {
    let mut reader = xml::reader(xml);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) if e.local_name().as_ref() == local => f(&e)?,
            Event::Eof => return Some(()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_read_as_calamine_reads_them() {
        assert_eq!(cell_ref("A1"), Some((0, Some(0))));
        assert_eq!(cell_ref("b12"), Some((11, Some(1))));
        assert_eq!(cell_ref("XFD1048576"), Some((1_048_575, Some(16_383))));
        assert_eq!(cell_ref("12"), Some((11, None)));
        assert_eq!(cell_ref("A0"), None);
        assert_eq!(cell_ref("A"), None);
        assert_eq!(cell_ref("A1B"), None);
        assert_eq!(atoi("0007"), Some(7));
        assert_eq!(atoi("+7"), None);
        assert_eq!(atoi("99999999999999999999999"), None);
    }

    fn scan(xml: &str) -> PartStats {
        scan_part(&mut xml::reader(xml.as_bytes()))
    }

    #[test]
    fn cells_are_placed_as_calamine_places_them() {
        let stats = scan(
            r#"<worksheet><sheetData><row r="3"><c><v>1</v></c><c r="E3" s="1"/><c><f>A1</f></c></row><row><c><is><t>x</t></is></c></row></sheetData></worksheet>"#,
        );
        assert!(!stats.damaged);
        // A3 and A4 hold values; the styled E3 holds nothing; F3, after it, a formula.
        assert_eq!(stats.values.bounds, Some((2, 0, 3, 0)));
        assert_eq!(stats.formulas.bounds, Some((2, 5, 2, 5)));
        assert_eq!(stats.cells, 3);
    }

    #[test]
    fn cells_that_readers_would_read_differently_are_damaged() {
        for xml in [
            r#"<sheetData><row><c r="A1" r="B2"><v>1</v></c></row></sheetData>"#,
            r#"<sheetData><row><c><v><c r="XFD1"/></v></c></row></sheetData>"#,
            r#"<sheetData><row><c><is><t></is></t></is></c></row></sheetData>"#,
            r#"<sheetData><row><c><f t="shared" ref="A1:A2">A1</f></c></row></sheetData>"#,
        ] {
            assert!(scan(xml).damaged, "{xml}");
        }
        // A child calamine refuses ends the scan there, without damage.
        let stopped =
            scan(r#"<sheetData><row><c><x/></c><c r="XFD1"><v>1</v></c></row></sheetData>"#);
        assert!(!stopped.damaged);
        assert_eq!(stopped.values.bounds, None);
    }

    #[test]
    fn shared_strings_and_formulas_are_counted() {
        let stats = scan(r#"<sst uniqueCount="000123"><si><t>a</t></si><si/></sst>"#);
        assert_eq!((stats.declared_strings, stats.shared_strings), (123, 2));
        let stats = scan(
            r#"<sheetData><row><c><f t="shared" si="70000" ref="A1:A3">B1</f><v>0</v></c></row></sheetData>"#,
        );
        assert_eq!(stats.shared_formula_index, 70_000);
    }
}

//! A pre-flight check that bounds what calamine will allocate for a spreadsheet, run on the bytes
//! before calamine sees them.
//!
//! calamine's `Range` is dense: it holds every position from the first used cell to the last, so
//! one cell at `XFD1048576` (or a damaged `.xls` record claiming column 65535) makes it gigabytes,
//! and the process is killed before any error can be reported. `Xls::new` and `Ods::new` build
//! those ranges for every sheet while opening the file, so nothing can be asked of the reader
//! first. This module walks the file the way calamine will — the same records, the same XML
//! events (quick-xml is the version calamine uses, with its settings), the same position rules —
//! and refuses it when a range, or one of the few other things calamine sizes from the file's own
//! numbers, would pass a limit that real forms and rosters come nowhere near.
//!
//! Where the walk meets something calamine itself refuses (a bad field, an XML error), it stops:
//! calamine stops there too, and says why. Where calamine would loop without end (a sector chain
//! that comes back on itself, an ODS table that never ends), or a record runs past its stream,
//! the file is refused as damaged. Where the walk cannot be sure it reads a part as calamine
//! will, it counts more, never less.
//!
//! Format by format:
//! - `.xls`: the compound file is read with calamine's rules ([`cfb`]), then the BIFF records of
//!   every sheet ([`xls`]). calamine builds every sheet's ranges on opening.
//! - `.xlsx`/`.xlsm`: every part of the zip is streamed, counting what is inflated ([`ooxml`]).
//!   calamine builds a range only for a sheet asked for with `worksheet_range` or
//!   `worksheet_formula`; Zhucun streams templates and rosters cell by cell, where a far-away
//!   cell costs nothing, so the caller names the sheets it reads as ranges.
//! - `.ods`: `content.xml` is streamed with the row and column repeats expanded as calamine
//!   expands them ([`ods`]). calamine builds every table's ranges on opening.
//! - `.xlsb`: refused. It is not among the formats Zhucun promises (TEMPLATES.md, CLI.md), and
//!   calamine's `.xlsb` reader sizes allocations from the file's numbers in places (the workbook's
//!   external-sheet count, record lengths) that a check would have to mirror record by record.
//!
//! This follows calamine 0.38's readers line by line. When calamine is upgraded, read its
//! `xls.rs`, `cfb.rs`, `ods.rs` and `xlsx/cells_reader.rs` against this module again: the tests
//! here and the corpus test catch some drift, not all of it.

pub(crate) mod cfb;
mod ods;
mod ooxml;
pub(crate) mod xls;
mod xml;

use std::io::{Read, Seek, SeekFrom};

use crate::error::{Error, Result};

/// The most cells the dense ranges calamine builds for one file may hold. For `.xls` and `.ods`,
/// whose readers build every sheet's ranges on opening, this bounds their sum over the workbook;
/// for `.xlsx`, whose ranges are built one sheet at a time, each sheet. calamine's `Data` is 32
/// bytes, so this is about 640 MB. Every valid `.xls` sheet fits (65,536 × 256 cells); templates
/// hold at most 200,000 non-empty cells and rosters some tens of thousands of rows.
pub(crate) const MAX_DENSE_CELLS: u64 = 20_000_000;

/// The most text, in bytes, that calamine may copy while building ranges: an `.xls` shared string
/// is copied into every cell that shows it, an `.ods` cell's text into every column and row it
/// repeats over.
pub(crate) const MAX_COPIED_TEXT: u64 = 256 * 1024 * 1024;

/// The most bytes inflated from a zip-based workbook, over all its parts.
pub(crate) const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;

/// The most shared strings an `.xlsx` may declare or hold (calamine reserves room for the
/// declared count up front).
pub(crate) const MAX_SHARED_STRINGS: u64 = 4_000_000;

/// The highest shared-formula index an `.xlsx` may use (calamine sizes a table by it).
pub(crate) const MAX_SHARED_FORMULA_INDEX: u64 = 1 << 20;

/// The CFB signature that opens every `.xls`.
const CFB_SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// How the caller streams the `.xlsx` sheets it does not read as ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Streamed {
    /// Values only (`next_cell`): calamine keeps nothing of a sheet but the cell at hand, so such
    /// a sheet's part is only counted against the inflated-bytes budget, not parsed.
    Values,
    /// Values and formulas (`next_cell_with_formula`): calamine also keeps a table indexed by
    /// each shared formula's `si`, so every part is parsed.
    WithFormulas,
}

/// Checks the spreadsheet in `source` (named `file` in errors) before calamine reads it.
/// `xlsx_ranges` names the `.xlsx` sheets the caller will ask calamine for as ranges
/// (`worksheet_range`, `worksheet_formula`); the others are taken to be streamed cell by cell,
/// where a far-away cell costs nothing, as `streamed` says. `.xls` and `.ods` sheets are always
/// ranges.
///
/// # Errors
///
/// `unusable_sheet` when a sheet read as a range would span more than [`MAX_DENSE_CELLS`] cells,
/// or the file holds more of something than the limits above allow, or it is an `.xlsb`;
/// `unreadable_file` when it is damaged so that calamine would loop or allocate without end.
pub(crate) fn check<R: Read + Seek>(
    file: &str,
    source: &mut R,
    xlsx_ranges: &[&str],
    streamed: Streamed,
) -> Result<()> {
    let io = |_| Error::DamagedSheet {
        file: file.to_string(),
    };
    let mut limits = Limits::new(file, xlsx_ranges, streamed);
    source.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut magic = [0u8; 8];
    let mut got = 0;
    while got < magic.len() {
        match source.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    // calamine tries every reader in turn, so every check that could apply is run.
    if got == magic.len() && magic == CFB_SIGNATURE {
        match cfb::workbook_stream(source) {
            Ok(Some(stream)) => xls::check(&mut limits, &stream)?,
            Ok(None) | Err(cfb::Fault::Fails) => {}
            Err(cfb::Fault::Loops) => return Err(limits.damaged()),
        }
    }
    source.seek(SeekFrom::Start(0)).map_err(io)?;
    ooxml::check(&mut limits, source)
}

/// The file being checked and what it has used of the limits.
#[derive(Debug)]
struct Limits<'a> {
    file: &'a str,
    /// Cells of the ranges an eagerly read workbook keeps (`.xls`, `.ods`).
    kept_cells: u64,
    /// Bytes of text copied so far.
    copied_text: u64,
    /// Bytes that may still be inflated from a zip.
    unpacked_left: u64,
    /// The `.xlsx` sheets the caller reads as ranges.
    xlsx_ranges: &'a [&'a str],
    /// How the caller streams the other `.xlsx` sheets.
    streamed: Streamed,
}

impl<'a> Limits<'a> {
    fn new(file: &'a str, xlsx_ranges: &'a [&'a str], streamed: Streamed) -> Self {
        Limits {
            file,
            kept_cells: 0,
            copied_text: 0,
            unpacked_left: MAX_UNPACKED_BYTES,
            xlsx_ranges,
            streamed,
        }
    }

    fn damaged(&self) -> Error {
        Error::DamagedSheet {
            file: self.file.to_string(),
        }
    }

    /// The refusal of a sheet whose data spans `rows` × `cols` cells.
    fn too_wide(&self, sheet: &str, rows: u64, cols: u64) -> Error {
        Error::UnusableSheet {
            file: self.file.to_string(),
            zh: format!("工作表“{sheet}”的数据范围过大（{rows} 行 × {cols} 列），疑似文件损坏"),
            en: format!(
                "the data of sheet “{sheet}” spans too large an area ({rows} rows × {cols} columns); the file looks damaged"
            ),
        }
    }

    /// The refusal of a sheet (or part) that holds more than a reader can keep.
    fn too_much(&self, sheet: &str) -> Error {
        Error::UnusableSheet {
            file: self.file.to_string(),
            zh: format!("工作表“{sheet}”的内容多得不合常理，疑似文件损坏"),
            en: format!(
                "sheet “{sheet}” holds far more than a real sheet does; the file looks damaged"
            ),
        }
    }

    /// Adds `bytes` of copied text, refusing past [`MAX_COPIED_TEXT`].
    fn copy_text(&mut self, sheet: &str, bytes: u64) -> Result<()> {
        self.copied_text = self.copied_text.saturating_add(bytes);
        if self.copied_text > MAX_COPIED_TEXT {
            return Err(self.too_much(sheet));
        }
        Ok(())
    }
}

/// The rectangle a set of cells spans: what `Range::from_sparse` allocates for them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Extent {
    /// `(first row, first column, last row, last column)`, once a cell is added.
    bounds: Option<(u32, u32, u32, u32)>,
}

impl Extent {
    fn add(&mut self, row: u32, col: u32) {
        self.bounds = Some(match self.bounds {
            None => (row, col, row, col),
            Some((r0, c0, r1, c1)) => (r0.min(row), c0.min(col), r1.max(row), c1.max(col)),
        });
    }

    fn rows(&self) -> u64 {
        self.bounds
            .map_or(0, |(r0, _, r1, _)| u64::from(r1 - r0) + 1)
    }

    fn cols(&self) -> u64 {
        self.bounds
            .map_or(0, |(_, c0, _, c1)| u64::from(c1 - c0) + 1)
    }

    fn cells(&self) -> u64 {
        self.rows().saturating_mul(self.cols())
    }

    /// The smallest extent holding both.
    fn union(self, other: Extent) -> Extent {
        let mut out = self;
        if let Some((r0, c0, r1, c1)) = other.bounds {
            out.add(r0, c0);
            out.add(r1, c1);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write};
    use std::time::{Duration, Instant};

    use super::*;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    /// The outcome's error code, and that the check took no time to find it (it allocates
    /// nothing like the range it refuses).
    fn checked(name: &str, bytes: &[u8]) -> std::result::Result<(), &'static str> {
        checked_as_ranges(name, bytes, &[])
    }

    /// As [`checked`], reading the `.xlsx` sheets `ranges` as ranges.
    fn checked_as_ranges(
        name: &str,
        bytes: &[u8],
        ranges: &[&str],
    ) -> std::result::Result<(), &'static str> {
        let started = Instant::now();
        let outcome = check(
            name,
            &mut Cursor::new(bytes),
            ranges,
            Streamed::WithFormulas,
        )
        .map_err(|e| e.code());
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{name} took too long"
        );
        outcome
    }

    /// A zip of `parts`, deflated.
    fn zip_of(parts: &[(&str, &[u8])]) -> std::result::Result<Vec<u8>, Box<dyn std::error::Error>> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in parts {
            zip.start_file(*name, options)?;
            zip.write_all(bytes)?;
        }
        Ok(zip.finish()?.into_inner())
    }

    /// The project's `.xls` sample.
    fn sample_xls() -> std::io::Result<Vec<u8>> {
        let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        std::fs::read(manifest.join("../../../shared/samples/templates/sample_monthly.xls"))
    }

    /// The file offset of the first record of type `typ` in the `.xls` `file`, found by walking
    /// its workbook stream and locating the record's bytes (header and data) in the file.
    fn record_offset(file: &[u8], typ: u16) -> Option<usize> {
        let stream = cfb::workbook_stream(&mut Cursor::new(file)).ok()??;
        let mut at = 0;
        while at + 4 <= stream.len() {
            let t = u16::from_le_bytes([stream[at], stream[at + 1]]);
            let len = usize::from(u16::from_le_bytes([stream[at + 2], stream[at + 3]]));
            let record = stream.get(at..at + 4 + len)?;
            if t == typ {
                let found: Vec<usize> = file
                    .windows(record.len())
                    .enumerate()
                    .filter(|(_, w)| *w == record)
                    .map(|(i, _)| i)
                    .collect();
                if let [only] = found[..] {
                    return Some(only);
                }
            }
            at += 4 + len;
        }
        None
    }

    #[test]
    fn an_extent_spans_its_cells() {
        let mut e = Extent::default();
        assert_eq!(e.cells(), 0);
        e.add(3, 2);
        assert_eq!((e.rows(), e.cols()), (1, 1));
        e.add(0, 5);
        assert_eq!((e.rows(), e.cols(), e.cells()), (4, 4, 16));
        let mut far = Extent::default();
        far.add(u32::MAX, u32::MAX);
        far.add(0, 0);
        assert_eq!(far.cells(), u64::MAX);
        assert_eq!(e.union(Extent::default()), e);
    }

    #[test]
    fn what_is_no_workbook_passes_to_calamine() {
        // calamine refuses these itself, with its own reason.
        for bytes in [&b""[..], b"PK", b"not a workbook", &CFB_SIGNATURE] {
            assert_eq!(checked("x", bytes), Ok(()));
        }
    }

    /// Every sample the project ships passes, unchanged.
    #[test]
    fn the_samples_pass() -> TestResult {
        let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut seen = 0;
        for dir in [
            manifest.join("../../../shared/samples/templates"),
            manifest.join("../../../shared/samples/rosters"),
            manifest.join("../../assets/templates"),
        ] {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries {
                let path = entry?.path();
                let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
                if !["xlsx", "xlsm", "xls", "ods"].contains(&ext) {
                    continue;
                }
                let bytes = std::fs::read(&path)?;
                assert_eq!(
                    checked(&path.display().to_string(), &bytes),
                    Ok(()),
                    "{}",
                    path.display()
                );
                seen += 1;
            }
        }
        assert!(seen >= 6, "only {seen} samples found");
        Ok(())
    }

    #[test]
    fn an_xlsx_cell_at_the_last_position_is_refused_where_ranges_are_read() -> TestResult {
        let mut book = rust_xlsxwriter::Workbook::new();
        book.add_worksheet()
            .set_name("村情")?
            .write_string(0, 0, "村名")?;
        let far = book.add_worksheet().set_name("_zhucun")?;
        far.write_string(0, 0, "template")?;
        far.write_number(1_048_575, 16_383, 1.0)?;
        let bytes = book.save_to_buffer()?;

        // Read as a range (a return's record sheet), the sheet would be 17 billion cells.
        assert_eq!(
            checked_as_ranges("far.xlsx", &bytes, &["_zhucun"]),
            Err("unusable_sheet")
        );
        let err = check(
            "far.xlsx",
            &mut Cursor::new(&bytes),
            &["_zhucun"],
            Streamed::Values,
        )
        .err()
        .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("far.xlsx：工作表“_zhucun”的数据范围过大（1048576 行 × 16384 列），疑似文件损坏")
        );
        let record = crate::template::return_record("far.xlsx", &bytes).map(|_| ());
        assert_eq!(record.map_err(|e| e.code()), Err("unusable_sheet"));

        // Streamed cell by cell (templates, rosters, other sheets), a far cell costs nothing.
        assert_eq!(checked("far.xlsx", &bytes), Ok(()));
        assert_eq!(checked_as_ranges("far.xlsx", &bytes, &["村情"]), Ok(()));
        Ok(())
    }

    #[test]
    fn a_far_part_that_is_no_listed_sheet_is_refused_where_ranges_are_read() -> TestResult {
        // Without a workbook to tell which sheet the part is, it may be the one read as a range.
        let far = br#"<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>"#;
        let bytes = zip_of(&[("xl/worksheets/sheet1.xml", far)])?;
        assert_eq!(
            checked_as_ranges("orphan.xlsx", &bytes, &["_zhucun"]),
            Err("unusable_sheet")
        );
        assert_eq!(checked("orphan.xlsx", &bytes), Ok(()));
        Ok(())
    }

    #[test]
    fn xlsx_numbers_that_size_tables_are_bounded() -> TestResult {
        let declared =
            br#"<sst xmlns="x" count="1" uniqueCount="900000000000"><si><t>a</t></si></sst>"#;
        let bytes = zip_of(&[("xl/sharedStrings.xml", declared)])?;
        assert_eq!(checked("strings.xlsx", &bytes), Err("unusable_sheet"));

        let shared = br#"<worksheet><sheetData><row r="1"><c r="A1"><f t="shared" si="4000000000" ref="A1:A2">B1</f><v>0</v></c></row></sheetData></worksheet>"#;
        let bytes = zip_of(&[("xl/worksheets/sheet1.xml", shared)])?;
        assert_eq!(checked("shared.xlsx", &bytes), Err("unusable_sheet"));

        // A lying `<dimension>` only sizes a small reservation in calamine: it is not counted.
        let dimension = br#"<worksheet><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>"#;
        let bytes = zip_of(&[("xl/worksheets/sheet1.xml", dimension)])?;
        assert_eq!(checked("dimension.xlsx", &bytes), Ok(()));
        Ok(())
    }

    /// A workbook listing two sheets, 数据 in `sheet1` and 坏 pointed at the shared strings part,
    /// with `sheet1` and `sharedStrings.xml` as given.
    fn listed_workbook(
        sheet1: &[u8],
        shared_strings: &[u8],
    ) -> std::result::Result<Vec<u8>, Box<dyn std::error::Error>> {
        let kind = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        let package = format!(
            r#"<Relationships><Relationship Id="rId1" Type="{kind}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
        );
        let workbook = r#"<workbook xmlns:r="r"><sheets><sheet name="数据" sheetId="1" r:id="rId1"/><sheet name="坏" sheetId="2" r:id="rId2"/></sheets></workbook>"#;
        let rels = format!(
            r#"<Relationships><Relationship Id="rId1" Type="{kind}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{kind}/worksheet" Target="sharedStrings.xml"/></Relationships>"#
        );
        zip_of(&[
            ("_rels/.rels", package.as_bytes()),
            ("xl/workbook.xml", workbook.as_bytes()),
            ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
            ("xl/worksheets/sheet1.xml", sheet1),
            ("xl/sharedStrings.xml", shared_strings),
        ])
    }

    fn checked_streaming(
        bytes: &[u8],
        ranges: &[&str],
        streamed: Streamed,
    ) -> Option<&'static str> {
        check("listed.xlsx", &mut Cursor::new(bytes), ranges, streamed)
            .err()
            .map(|e| e.code())
    }

    #[test]
    fn a_sheet_streamed_for_its_values_is_counted_not_parsed() -> TestResult {
        let strings = br#"<sst count="1" uniqueCount="1"><si><t>a</t></si></sst>"#;
        // A shared formula's index sizes a table only for a reader of formulas; a far cell, only
        // for a reader of ranges.
        let sheet = br#"<worksheet><sheetData><row r="1"><c r="A1"><f t="shared" si="4000000000" ref="A1:A2">B1</f><v>0</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>"#;
        let bytes = listed_workbook(sheet, strings)?;
        assert_eq!(checked_streaming(&bytes, &[], Streamed::Values), None);
        assert_eq!(
            checked_streaming(&bytes, &[], Streamed::WithFormulas),
            Some("unusable_sheet")
        );
        assert_eq!(
            checked_streaming(&bytes, &["数据"], Streamed::Values),
            Some("unusable_sheet")
        );

        // What it inflates to still counts.
        let spaces = vec![b' '; 1024 * 1024];
        let bytes = listed_workbook(&spaces, strings)?;
        let mut limits = Limits::new("bomb.xlsx", &[], Streamed::Values);
        limits.unpacked_left = 512 * 1024;
        let outcome = ooxml::check(&mut limits, &mut Cursor::new(&bytes)).map_err(|e| e.code());
        assert_eq!(outcome, Err("unusable_sheet"));

        // A sheet pointed at a part calamine keeps whole is parsed as that part.
        let declared = br#"<sst count="1" uniqueCount="900000000000"><si><t>a</t></si></sst>"#;
        let bytes = listed_workbook(b"<worksheet><sheetData/></worksheet>", declared)?;
        assert_eq!(
            checked_streaming(&bytes, &[], Streamed::Values),
            Some("unusable_sheet")
        );
        Ok(())
    }

    #[test]
    fn a_zip_that_inflates_past_the_limit_is_refused() -> TestResult {
        // Parts that inflate to 1 MiB each, against a budget of 1.5 MiB for the whole file.
        let spaces = vec![b' '; 1024 * 1024];
        let bytes = zip_of(&[
            ("xl/styles.xml", &spaces),
            ("xl/worksheets/sheet1.xml", &spaces),
        ])?;
        assert!(bytes.len() < 64 * 1024);
        let mut limits = Limits::new("bomb.xlsx", &[], Streamed::WithFormulas);
        limits.unpacked_left = 3 * 512 * 1024;
        let outcome = ooxml::check(&mut limits, &mut Cursor::new(&bytes)).map_err(|e| e.code());
        assert_eq!(outcome, Err("unusable_sheet"));
        assert_eq!(checked("fine.xlsx", &bytes), Ok(()));
        Ok(())
    }

    #[test]
    fn xlsb_is_refused() -> TestResult {
        let bytes = zip_of(&[("xl/workbook.bin", b"\x83\x01\x00")])?;
        let err = check("book.xlsb", &mut Cursor::new(&bytes), &[], Streamed::Values).err();
        assert_eq!(err.as_ref().map(Error::code), Some("unusable_sheet"));
        assert!(err.is_some_and(|e| e.to_string().contains(".xlsb")));
        Ok(())
    }

    fn ods(rows: &str) -> std::result::Result<Vec<u8>, Box<dyn std::error::Error>> {
        let content = format!(
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?>"#,
                r#"<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">"#,
                r#"<office:body><office:spreadsheet><table:table table:name="农户">{}</table:table></office:spreadsheet></office:body></office:document-content>"#
            ),
            rows
        );
        zip_of(&[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet",
            ),
            ("content.xml", content.as_bytes()),
        ])
    }

    #[test]
    fn an_ods_with_huge_repeats_is_refused() -> TestResult {
        // A value, a million repeated rows, and a value a thousand columns to the right.
        let rows = concat!(
            r#"<table:table-row><table:table-cell office:value-type="float" office:value="1"/></table:table-row>"#,
            r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell/></table:table-row>"#,
            r#"<table:table-row><table:table-cell table:number-columns-repeated="1000"/><table:table-cell office:value-type="float" office:value="2"/></table:table-row>"#,
        );
        let bytes = ods(rows)?;
        assert_eq!(checked("repeats.ods", &bytes), Err("unusable_sheet"));
        let parsed = crate::template::parse_template("repeats.ods", &bytes).map(|_| ());
        assert_eq!(parsed.map_err(|e| e.code()), Err("unusable_sheet"));

        // One cell repeated over every column of every row.
        let rows = r#"<table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/></table:table-row>"#;
        assert_eq!(checked("full.ods", &ods(rows)?), Err("unusable_sheet"));

        // LibreOffice's own trailing repeats hold nothing and pass.
        let rows = concat!(
            r#"<table:table-row><table:table-cell office:value-type="string"><text:p>户主姓名</text:p></table:table-cell><table:table-cell table:number-columns-repeated="1023"/></table:table-row>"#,
            r#"<table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#,
        );
        assert_eq!(checked("plain.ods", &ods(rows)?), Ok(()));
        Ok(())
    }

    #[test]
    fn an_xls_cell_far_away_is_refused() -> TestResult {
        let mut bytes = sample_xls()?;
        assert_eq!(checked("sample.xls", &bytes), Ok(()));
        // Move the first LABELSST cell to row 65535, column 65535.
        let at = record_offset(&bytes, 0x00FD).ok_or("no LABELSST record")?;
        bytes[at + 4..at + 8].copy_from_slice(&[0xFF; 4]);
        assert_eq!(checked("far.xls", &bytes), Err("unusable_sheet"));
        let err = check("far.xls", &mut Cursor::new(&bytes), &[], Streamed::Values)
            .err()
            .map(|e| e.to_string());
        assert!(
            err.as_ref().is_some_and(|e| e.contains("行 × 65536 列")),
            "{err:?}"
        );

        // The entry points refuse it before calamine opens it: templates, and rosters.
        let parsed = crate::template::parse_template("far.xls", &bytes).map(|_| ());
        assert_eq!(parsed.map_err(|e| e.code()), Err("unusable_sheet"));
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("far.xls");
        std::fs::write(&path, &bytes)?;
        let roster = crate::roster::read_roster(&path).map(|_| ());
        assert_eq!(roster.map_err(|e| e.code()), Err("unusable_sheet"));
        Ok(())
    }

    #[test]
    fn an_xls_declaring_a_huge_area_is_refused() -> TestResult {
        let mut bytes = sample_xls()?;
        // calamine reserves room for the DIMENSIONS record's area before reading a cell.
        let at = record_offset(&bytes, 0x0200).ok_or("no DIMENSIONS record")?;
        bytes[at + 8..at + 12].copy_from_slice(&0x00FF_FFFFu32.to_le_bytes());
        bytes[at + 14..at + 16].copy_from_slice(&0x00FFu16.to_le_bytes());
        assert_eq!(checked("wide.xls", &bytes), Err("unusable_sheet"));
        Ok(())
    }

    #[test]
    fn an_xls_whose_directory_chain_loops_is_damaged() -> TestResult {
        let mut bytes = sample_xls()?;
        let u32_at =
            |b: &[u8], at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
        // The directory's first sector, and the FAT entry after it pointing back at it.
        let dir_start = u32_at(&bytes, 48) as usize;
        let fat_sector = u32_at(&bytes, 76) as usize;
        let entry = (fat_sector + 1) * 512 + dir_start * 4;
        bytes[entry..entry + 4].copy_from_slice(&(dir_start as u32).to_le_bytes());
        assert_eq!(checked("loop.xls", &bytes), Err("unreadable_file"));
        Ok(())
    }

    #[test]
    fn an_xls_record_running_past_the_stream_is_damaged() -> TestResult {
        let mut bytes = sample_xls()?;
        let at = record_offset(&bytes, 0x00FD).ok_or("no LABELSST record")?;
        bytes[at + 2..at + 4].copy_from_slice(&0xFFFFu16.to_le_bytes());
        assert_eq!(checked("long.xls", &bytes), Err("unreadable_file"));
        Ok(())
    }
}

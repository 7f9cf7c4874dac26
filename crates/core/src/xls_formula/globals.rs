//! The workbook globals a formula's tokens point into: the sheets, the supporting links, the
//! XTI table and the defined names.
//!
//! The globals substream runs from the stream's first BOF to its EOF. Of its records this reads:
//!
//! - BOF (MS-XLS 2.4.21): the BIFF version, judged as calamine judges it. Only BIFF8 is decoded.
//! - FilePass (2.4.117): an encrypted workbook, whose records cannot be read.
//! - BoundSheet8 (2.4.28): every sheet in workbook order, with where its substream starts. A
//!   sheet index (`itab`) in a formula counts these records.
//! - SupBook (2.4.271): one per linked workbook. `cch` 0x0401 marks the workbook itself, 0x3A01
//!   the add-in functions; anything else is another workbook, whose sheet names follow.
//! - ExternName (2.4.105): the names of the SupBook before it (1-based in PtgNameX): an add-in
//!   function's name, or a name defined in another workbook.
//! - ExternSheet (2.4.106): the XTI table (2.5.173) that 3-D references index: a SupBook and the
//!   first and last sheet of a range of sheets.
//! - Lbl (2.4.150): the defined names, 1-based in PtgName and in PtgNameX on the workbook's own
//!   SupBook.
//!
//! A record this cannot parse leaves a gap (`None`) rather than shifting the indices after it; a
//! formula naming the gap fails, not another name.

use crate::sheet_bounds::xls::{bound_sheet, u16_at, Next, Record, Records};

use super::ReadError;

/// A sheet index (`itab`) that names no sheet: a reference to a deleted sheet.
pub(super) const DELETED_SHEET: u16 = 0xFFFF;
/// A sheet index that names the workbook rather than a sheet (names defined in another workbook).
pub(super) const WORKBOOK_LEVEL: u16 = 0xFFFE;

/// The globals of a BIFF8 workbook.
#[derive(Debug, Default)]
pub(super) struct Globals {
    /// The sheets, in BoundSheet8 order.
    pub sheets: Vec<Sheet>,
    pub supbooks: Vec<SupBook>,
    pub xtis: Vec<Xti>,
    pub names: Vec<Option<DefinedName>>,
}

/// A sheet as BoundSheet8 gives it.
#[derive(Debug)]
pub(super) struct Sheet {
    /// Where its substream starts in the workbook stream.
    pub offset: usize,
    /// Its name, decoded as calamine decodes it.
    pub name: String,
}

/// A supporting link and the names it holds.
#[derive(Debug)]
pub(super) struct SupBook {
    pub kind: SupBookKind,
    /// Its ExternName records, in order.
    pub names: Vec<Option<String>>,
}

#[derive(Debug)]
pub(super) enum SupBookKind {
    /// The workbook itself: references through it name its own sheets.
    Own,
    /// The add-in functions (user-defined functions).
    AddIn,
    /// Another workbook (or a DDE/OLE link).
    External {
        /// Its number in `[n]Sheet1!A1`: its place among the SupBooks that are neither the
        /// workbook itself nor the add-ins, from 1, which is the order in which an `.xlsx`
        /// numbers its external links.
        number: u32,
        /// Its sheet names; `None` when the record could not be read.
        sheets: Option<Vec<String>>,
    },
}

/// An XTI: a range of sheets in a SupBook.
#[derive(Debug, Clone, Copy)]
pub(super) struct Xti {
    pub supbook: u16,
    pub first: u16,
    pub last: u16,
}

/// A defined name (Lbl).
#[derive(Debug)]
pub(super) struct DefinedName {
    /// The name as a formula writes it: built-in names with their `_xlnm.` prefix.
    pub name: String,
    /// The sheet it is local to (1-based in BoundSheet8 order), 0 for the whole workbook.
    pub itab: u16,
}

/// Reads the globals substream of `stream`.
///
/// # Errors
///
/// [`ReadError::NotBiff8`] before BIFF8, [`ReadError::Encrypted`] behind a password,
/// [`ReadError::Damaged`] for a record running past the stream or a BoundSheet8 calamine refuses.
pub(super) fn read(stream: &[u8]) -> Result<Globals, ReadError> {
    let mut globals = Globals::default();
    let mut external_books = 0u32;
    let mut seen_bof = false;
    let mut records = Records::new(stream);
    loop {
        let r = match records.next() {
            Next::Record(r) => r,
            Next::End => break,
            Next::Broken => return Err(ReadError::Damaged),
        };
        match r.typ {
            // BOF: calamine takes the version of each BOF it meets before EOF.
            0x0809 => {
                if !is_biff8(r.data) {
                    return Err(ReadError::NotBiff8);
                }
                seen_bof = true;
            }
            0x002F if u16_at(r.data, 0).unwrap_or(0) != 0 => return Err(ReadError::Encrypted),
            0x0085 => {
                let (offset, name) = bound_sheet(r.data, true).ok_or(ReadError::Damaged)?;
                globals.sheets.push(Sheet { offset, name });
            }
            0x01AE => {
                let kind = match supbook(&r) {
                    Some(Link::Own) => SupBookKind::Own,
                    Some(Link::AddIn) => SupBookKind::AddIn,
                    other => {
                        external_books = external_books.saturating_add(1);
                        SupBookKind::External {
                            number: external_books,
                            sheets: match other {
                                Some(Link::External(sheets)) => Some(sheets),
                                _ => None,
                            },
                        }
                    }
                };
                globals.supbooks.push(SupBook {
                    kind,
                    names: Vec::new(),
                });
            }
            0x0023 => {
                if let Some(book) = globals.supbooks.last_mut() {
                    book.names.push(extern_name(r.data));
                }
            }
            0x0017 => globals.xtis.extend(extern_sheet(&r)),
            0x0018 => globals.names.push(defined_name(r.data)),
            0x000A => break,
            _ => {}
        }
    }
    if !seen_bof {
        return Err(ReadError::Damaged);
    }
    Ok(globals)
}

/// Whether a BOF record opens a BIFF8 substream, by calamine's rule: version 0x0600, or 0 unless
/// the substream type is 0x1000, or any version it does not know; before BIFF8 otherwise.
fn is_biff8(bof: &[u8]) -> bool {
    let version = u16_at(bof, 0).unwrap_or(0);
    let kind = u16_at(bof, 2).unwrap_or(0);
    match version {
        0x0200 | 0x0002 | 0x0007 | 0x0300 | 0x0400 | 0x0500 => false,
        0 => kind != 0x1000,
        _ => true,
    }
}

enum Link {
    Own,
    AddIn,
    External(Vec<String>),
}

/// A SupBook record; `None` where another workbook's sheet names cannot be read.
fn supbook(r: &Record<'_>) -> Option<Link> {
    let ctab = u16_at(r.data, 0)?;
    let cch = u16_at(r.data, 2)?;
    match cch {
        0x0401 => return Some(Link::Own),
        0x3A01 => return Some(Link::AddIn),
        _ => {}
    }
    let mut cur = Continued::new(r);
    cur.skip(4)?;
    // virtPath: an XLUnicodeStringNoCch of `cch` characters, then `ctab` XLUnicodeStrings.
    cur.string(usize::from(cch))?;
    let mut sheets = Vec::new();
    for _ in 0..ctab {
        let count = cur.u16()?;
        sheets.push(cur.string(usize::from(count))?);
    }
    Some(Link::External(sheets))
}

/// An ExternName record's name: after two bytes of flags and four of other fields (ixals and a
/// reserved word, or a reserved doubleword for an add-in), a ShortXLUnicodeString.
fn extern_name(data: &[u8]) -> Option<String> {
    let count = usize::from(*data.get(6)?);
    let flags = *data.get(7)?;
    unicode(data.get(8..)?, count, flags & 1 != 0)
}

/// The XTIs of an ExternSheet record, which may continue into CONTINUE records.
fn extern_sheet(r: &Record<'_>) -> Vec<Xti> {
    let bytes: Vec<u8> = r
        .data
        .iter()
        .chain(r.cont.iter().flat_map(|c| c.iter()))
        .copied()
        .collect();
    let count = usize::from(u16_at(&bytes, 0).unwrap_or(0));
    bytes
        .get(2..)
        .unwrap_or(&[])
        .chunks_exact(6)
        .take(count)
        .filter_map(|x| {
            Some(Xti {
                supbook: u16_at(x, 0)?,
                first: u16_at(x, 2)?,
                last: u16_at(x, 4)?,
            })
        })
        .collect()
}

/// The names Excel gives the built-in names (Lbl with fBuiltin), by their one-character code.
const BUILT_IN_NAMES: [&str; 14] = [
    "Consolidate_Area",
    "Auto_Open",
    "Auto_Close",
    "Extract",
    "Database",
    "Criteria",
    "Print_Area",
    "Print_Titles",
    "Recorder",
    "Data_Form",
    "Auto_Activate",
    "Auto_Deactivate",
    "Sheet_Title",
    "_FilterDatabase",
];

/// A Lbl record: flags (fBuiltin is bit 5), chKey, cch, cce, two reserved bytes, itab, four
/// reserved bytes, then the name as an XLUnicodeStringNoCch of `cch` characters.
fn defined_name(data: &[u8]) -> Option<DefinedName> {
    let flags = u16_at(data, 0)?;
    let count = usize::from(*data.get(3)?);
    let itab = u16_at(data, 8)?;
    let high_byte = *data.get(14)? & 1 != 0;
    let name = unicode(data.get(15..)?, count, high_byte)?;
    let name = if flags & 0x0020 != 0 {
        let code = name.chars().next().map_or(u32::MAX, u32::from);
        let builtin = usize::try_from(code)
            .ok()
            .and_then(|c| BUILT_IN_NAMES.get(c))?;
        format!("_xlnm.{builtin}")
    } else {
        name
    };
    Some(DefinedName { name, itab })
}

/// `count` characters of a BIFF8 string: two bytes each (UTF-16) when `high_byte`, else one
/// byte each, which is the character's code below 256. `None` when the bytes run out.
pub(super) fn unicode(bytes: &[u8], count: usize, high_byte: bool) -> Option<String> {
    if high_byte {
        let raw = bytes.get(..count.checked_mul(2)?)?;
        let units = raw
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]));
        Some(
            char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect(),
        )
    } else {
        Some(bytes.get(..count)?.iter().map(|&b| char::from(b)).collect())
    }
}

/// A record read on into its CONTINUE records. A string whose characters go on into the next
/// CONTINUE record restates there, in one byte, whether they are one or two bytes wide.
struct Continued<'a> {
    parts: Vec<&'a [u8]>,
    part: usize,
    pos: usize,
}

impl<'a> Continued<'a> {
    fn new(r: &Record<'a>) -> Self {
        let mut parts = vec![r.data];
        parts.extend(r.cont.iter().copied());
        Continued {
            parts,
            part: 0,
            pos: 0,
        }
    }

    /// The unread bytes of the current part, moving to the next part when it is used up.
    fn current(&mut self) -> Option<&'a [u8]> {
        loop {
            let part = *self.parts.get(self.part)?;
            if self.pos < part.len() {
                return part.get(self.pos..);
            }
            self.part += 1;
            self.pos = 0;
        }
    }

    fn u8(&mut self) -> Option<u8> {
        let b = *self.current()?.first()?;
        self.pos += 1;
        Some(b)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes([self.u8()?, self.u8()?]))
    }

    fn skip(&mut self, n: usize) -> Option<()> {
        for _ in 0..n {
            self.u8()?;
        }
        Some(())
    }

    /// The flags byte and `count` characters of an XLUnicodeString (its count already read).
    fn string(&mut self, count: usize) -> Option<String> {
        let mut wide = self.u8()? & 1 != 0;
        let mut out = String::new();
        let mut left = count;
        while left > 0 {
            let part = self.current()?;
            let width = if wide { 2 } else { 1 };
            let here = (part.len() / width).min(left);
            if here == 0 {
                return None;
            }
            out.push_str(&unicode(part, here, wide)?);
            self.pos += here * width;
            left -= here;
            if left > 0 {
                // The characters go on in the next part, after a new flags byte.
                let this = self.part;
                self.part = this + 1;
                self.pos = 0;
                wide = *self.parts.get(self.part)?.first()? & 1 != 0;
                self.pos = 1;
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet_bounds::xls::record;

    fn bound_sheet_record(offset: u32, name: &str) -> Vec<u8> {
        let mut data = offset.to_le_bytes().to_vec();
        data.extend([0, 0, name.len() as u8, 0]);
        data.extend(name.bytes());
        record(0x0085, &data)
    }

    #[test]
    fn globals_give_sheets_links_and_names() {
        let mut stream = record(0x0809, &[0, 6, 5, 0]);
        stream.extend(bound_sheet_record(100, "First"));
        stream.extend(bound_sheet_record(200, "Second"));
        // The workbook itself, an add-in with one function, another workbook with two sheets.
        stream.extend(record(0x01AE, &[2, 0, 1, 4]));
        stream.extend(record(0x01AE, &[1, 0, 1, 0x3A]));
        let mut addin = vec![0, 0, 0, 0, 0, 0, 5, 0];
        addin.extend(b"MYFUN");
        stream.extend(record(0x0023, &addin));
        let mut other = vec![2, 0, 3, 0, 0];
        other.extend(b"a.x");
        for sheet in ["S1", "S 2"] {
            other.extend((sheet.len() as u16).to_le_bytes());
            other.push(0);
            other.extend(sheet.bytes());
        }
        stream.extend(record(0x01AE, &other));
        stream.extend(record(0x0017, &[2, 0, 0, 0, 1, 0, 1, 0, 2, 0, 0, 0, 1, 0]));
        // A workbook name and a built-in Print_Area local to the second sheet.
        let mut name = vec![0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        name.extend(b"Rate");
        stream.extend(record(0x0018, &name));
        let print = [0x20, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 6];
        stream.extend(record(0x0018, &print));
        stream.extend(record(0x000A, &[]));

        let g = read(&stream).unwrap();
        let names: Vec<&str> = g.sheets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["First", "Second"]);
        assert_eq!(g.sheets[1].offset, 200);
        assert!(matches!(g.supbooks[0].kind, SupBookKind::Own));
        assert!(matches!(g.supbooks[1].kind, SupBookKind::AddIn));
        assert_eq!(g.supbooks[1].names, [Some("MYFUN".to_string())]);
        match &g.supbooks[2].kind {
            SupBookKind::External { number, sheets } => {
                assert_eq!(*number, 1);
                assert_eq!(
                    sheets.as_deref(),
                    Some(&["S1".to_string(), "S 2".to_string()][..])
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(g.xtis.len(), 2);
        assert_eq!(
            (g.xtis[1].supbook, g.xtis[1].first, g.xtis[1].last),
            (2, 0, 1)
        );
        let names: Vec<(&str, u16)> = g
            .names
            .iter()
            .flatten()
            .map(|n| (n.name.as_str(), n.itab))
            .collect();
        assert_eq!(names, [("Rate", 0), ("_xlnm.Print_Area", 2)]);
    }

    #[test]
    fn older_and_encrypted_workbooks_are_refused() {
        let mut biff5 = record(0x0809, &[0, 5, 5, 0]);
        biff5.extend(record(0x000A, &[]));
        assert!(matches!(read(&biff5), Err(ReadError::NotBiff8)));
        let mut locked = record(0x0809, &[0, 6, 5, 0]);
        locked.extend(record(0x002F, &[1, 0]));
        assert!(matches!(read(&locked), Err(ReadError::Encrypted)));
        let mut cut = record(0x0809, &[0, 6, 5, 0]);
        cut.extend([0x85, 0, 50, 0, 1]);
        assert!(matches!(read(&cut), Err(ReadError::Damaged)));
        assert!(matches!(read(&[]), Err(ReadError::Damaged)));
    }

    #[test]
    fn a_string_may_continue_with_another_width() {
        // Another workbook's sheet name "abcd": two characters, then two more in a CONTINUE
        // record that switches to two bytes a character.
        let mut data = vec![1, 0, 1, 0, 0, b'x', 4, 0, 0, b'a', b'b'];
        let cont: &[u8] = &[1, b'c', 0, b'd', 0];
        let r = Record {
            typ: 0x01AE,
            data: &data,
            cont: vec![cont],
        };
        match supbook(&r) {
            Some(Link::External(sheets)) => assert_eq!(sheets, ["abcd"]),
            _ => panic!("not read"),
        }
        data.truncate(10);
        let r = Record {
            typ: 0x01AE,
            data: &data,
            cont: Vec::new(),
        };
        assert!(supbook(&r).is_none());
        // Damaged names leave gaps, not shifts.
        assert!(defined_name(&[0, 0, 0, 9]).is_none());
        assert!(extern_name(&[0; 7]).is_none());
        let builtin_out_of_range = [0x20, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 99];
        assert!(defined_name(&builtin_out_of_range).is_none());
    }
}

//! The BIFF records of an `.xls` `Workbook` stream, walked as calamine's `Xls::new` walks them.
//!
//! calamine reads the workbook globals up to their `EOF`, then every sheet its `BoundSheet8`
//! records point at, from that offset to the sheet's own `EOF` (skipping embedded charts' nested
//! substreams). For each sheet it collects the cells of the records below into two lists, values
//! and formulas, and turns each into a dense `Range` spanning its cells — all while opening the
//! file. The check follows the same records and positions:
//!
//! | record | calamine's cell position |
//! |---|---|
//! | NUMBER 0x0203, LABEL 0x0204, RSTRING 0x00D6, BOOLERR 0x0205, RK 0x027E, LABELSST 0x00FD | row and column at bytes 0 and 2 |
//! | MULRK 0x00BD | one row, one cell per 6-byte RK from the first column on |
//! | FORMULA 0x0006 | row and column (values and formulas); remembered for STRING |
//! | STRING 0x0207 | the last FORMULA's position (0, 0 before any) |
//!
//! BLANK (0x0201) and MULBLANK (0x00BE) hold no value and calamine skips them, so formatted empty
//! cells do not count. calamine also reserves room for the area a DIMENSIONS record (0x0200)
//! declares, and copies the shared string of every LABELSST; both are bounded too.
//!
//! Where calamine returns an error or panics on a record (a short record, an unknown flag), the
//! check stops and lets calamine refuse the file: nothing more is allocated after that.

use super::{Extent, Limits, MAX_DENSE_CELLS};
use crate::error::Result;

/// The most CONTINUE records one record may carry. calamine takes them off the front of a
/// vector one at a time (quadratic in their number); a real shared-string table of a few
/// megabytes needs a few hundred.
const MAX_CONTINUES: usize = 16_384;

/// Checks the workbook stream of an `.xls`.
///
/// # Errors
///
/// `unusable_sheet` past a limit; `unreadable_file` for a record running past the stream, too
/// many CONTINUE records, or sheets whose records overlap.
pub(super) fn check(limits: &mut Limits<'_>, stream: &[u8]) -> Result<()> {
    let mut sheets: Vec<(usize, String)> = Vec::new();
    let mut shared: Vec<u64> = Vec::new();
    // Bytes of UTF-8 one character of a string may decode to (see `shared_strings`).
    let mut bytes_per_char = 3;
    let mut biff8 = true;
    let mut records = Records::new(stream);
    loop {
        let r = match records.next() {
            Next::Record(r) => r,
            Next::End => break,
            Next::Broken => return Err(limits.damaged()),
        };
        match r.typ {
            // CodePage: calamine decodes strings with it from here on.
            0x0042 => {
                let Some(page) = u16_at(r.data, 0) else {
                    return Ok(());
                };
                bytes_per_char = if matches!(page, 1200 | 1201) { 3 } else { 6 };
            }
            // BOF: the BIFF version, which decides how sheet names are stored.
            0x0809 => {
                let Some(version) = u16_at(r.data, 0) else {
                    return Ok(());
                };
                let kind = u16_at(r.data, 2).unwrap_or(0);
                biff8 = match version {
                    0x0200 | 0x0002 | 0x0007 | 0x0300 | 0x0400 | 0x0500 => false,
                    0 => kind != 0x1000,
                    _ => true,
                };
            }
            // BoundSheet8: where a sheet's records start.
            0x0085 => match bound_sheet(r.data, biff8) {
                Some(sheet) => sheets.push(sheet),
                None => return Ok(()),
            },
            // SST: the shared strings LABELSST records point at.
            0x00FC => match shared_strings(&r, bytes_per_char) {
                Some(strings) => shared = strings,
                None => return Ok(()),
            },
            0x000A => break,
            _ => {}
        }
    }

    // Sheets are disjoint runs of the stream. Offsets that make calamine read the same records
    // over and over (many sheets at one offset) would multiply what it keeps.
    let mut walked = 0usize;
    for (pos, name) in &sheets {
        let Some(records) = stream.get(*pos..) else {
            // calamine slices the stream at the offset and panics.
            return Err(limits.damaged());
        };
        walked = walked.saturating_add(sheet(limits, name, records, &shared)?);
        if walked > stream.len() {
            return Err(limits.damaged());
        }
    }
    Ok(())
}

/// Walks one sheet's records; returns how many bytes of the stream it read.
fn sheet(limits: &mut Limits<'_>, name: &str, stream: &[u8], shared: &[u64]) -> Result<usize> {
    let mut values = Extent::default();
    let mut formulas = Extent::default();
    // Entries of calamine's two cell lists.
    let mut listed: u64 = 0;
    let mut formula_pos = (0u32, 0u32);
    let mut records = SheetWalk::new(stream);
    loop {
        let r = match records.next() {
            Next::Record(r) => r,
            Next::End => break,
            Next::Broken => return Err(limits.damaged()),
        };
        match r.typ {
            0x0200 => {
                if let Some((rows, cols)) = dimensions(r.data) {
                    let reserved = rows.saturating_mul(cols);
                    if limits
                        .kept_cells
                        .saturating_add(listed)
                        .saturating_add(reserved)
                        > MAX_DENSE_CELLS
                    {
                        return Err(limits.too_wide(name, rows, cols));
                    }
                }
            }
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E => {
                if let Some((row, col)) = position(r.data) {
                    values.add(row, col);
                    listed += 1;
                }
            }
            0x00FD => {
                if let Some((row, col)) = position(r.data) {
                    values.add(row, col);
                    listed += 1;
                    // calamine copies the shared string into the cell.
                    let copied = u32_at(r.data, 6)
                        .filter(|_| r.data.len() >= 10)
                        .and_then(|i| shared.get(i as usize));
                    if let Some(bytes) = copied {
                        limits.copy_text(name, *bytes)?;
                    }
                }
            }
            0x0207 => {
                values.add(formula_pos.0, formula_pos.1);
                listed += 1;
            }
            0x00BD => {
                if let Some((row, first)) = position(r.data).filter(|_| r.data.len() >= 6) {
                    // One cell per 6-byte chunk of the bytes between the first and last column.
                    let cells = (r.data.len() - 6).div_ceil(6) as u32;
                    if cells > 0 {
                        values.add(row, first);
                        values.add(row, first + (cells - 1));
                        listed += u64::from(cells);
                    }
                }
            }
            0x0006 => {
                if let Some(pos) = position(r.data).filter(|_| r.data.len() >= 20) {
                    formula_pos = pos;
                    values.add(pos.0, pos.1);
                    formulas.add(pos.0, pos.1);
                    listed += 2;
                }
            }
            _ => {}
        }
        if limits.kept_cells.saturating_add(listed) > MAX_DENSE_CELLS {
            return Err(limits.too_much(name));
        }
    }
    let kept = values.cells().saturating_add(formulas.cells());
    if limits.kept_cells.saturating_add(kept) > MAX_DENSE_CELLS {
        let spanned = values.union(formulas);
        return Err(limits.too_wide(name, spanned.rows(), spanned.cols()));
    }
    limits.kept_cells += kept;
    Ok(records.read())
}

/// A cell record's row and column.
fn position(data: &[u8]) -> Option<(u32, u32)> {
    Some((u32::from(u16_at(data, 0)?), u32::from(u16_at(data, 2)?)))
}

/// The rows and columns calamine reserves room for on a DIMENSIONS record, computed as it
/// computes them (wrapping, as its release build does); `None` where it refuses the record.
fn dimensions(data: &[u8]) -> Option<(u64, u64)> {
    let (first_row, last_row, mut first_col, last_col) = match data.len() {
        10 => (
            u32::from(u16_at(data, 0)?),
            u32::from(u16_at(data, 2)?),
            u32::from(u16_at(data, 4)?),
            u32::from(u16_at(data, 6)?),
        ),
        14 | 16 => (
            u32_at(data, 0)?,
            u32_at(data, 4)?,
            u32::from(u16_at(data, 8)?),
            u32::from(u16_at(data, 10)?),
        ),
        _ => return None,
    };
    if first_col > 0xFF || last_col < first_col {
        first_col = 0;
    }
    let (start, end) = if last_row >= 1 && last_col >= 1 {
        ((first_row, first_col), (last_row - 1, last_col - 1))
    } else {
        ((first_row, first_col), (first_row, first_col))
    };
    let rows = end.0.wrapping_sub(start.0).wrapping_add(1);
    let cols = end.1.wrapping_sub(start.1).wrapping_add(1);
    Some((u64::from(rows), u64::from(cols)))
}

/// A BoundSheet8 record: the sheet's offset in the stream and its name; `None` where calamine
/// fails on it.
pub(crate) fn bound_sheet(data: &[u8], biff8: bool) -> Option<(usize, String)> {
    let pos = u32_at(data, 0)? as usize;
    let state = *data.get(4)? & 0b0011_1111;
    let kind = *data.get(5)?;
    if state > 2 || !matches!(kind, 0x00 | 0x01 | 0x02 | 0x06) {
        return None;
    }
    // ShortXLUnicodeString: a character count, (BIFF8) a flags byte, the characters.
    let rest = data.get(6..)?;
    let count = usize::from(*rest.first()?);
    let name = if biff8 {
        let wide = *rest.get(1)? & 1 != 0;
        let chars = rest.get(2..).unwrap_or(&[]);
        if wide {
            let units = chars
                .chunks_exact(2)
                .take(count)
                .filter_map(|c| c.try_into().ok().map(u16::from_le_bytes));
            char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect()
        } else {
            chars.iter().take(count).map(|b| char::from(*b)).collect()
        }
    } else {
        // Earlier versions store the name in the workbook's code page; it only names the sheet
        // in a message here.
        String::from_utf8_lossy(rest.get(1..).unwrap_or(&[]).get(..count).unwrap_or(&[]))
            .into_owned()
    };
    Some((pos, name.replace('\0', "")))
}

/// For each shared string of an SST record, the most bytes it can take once decoded; `None`
/// where calamine's `parse_sst` fails or panics. The walk is calamine's: a string's characters
/// may continue into the next CONTINUE record, which restates whether they are one byte or two.
fn shared_strings(r: &Record<'_>, bytes_per_char: u64) -> Option<Vec<u64>> {
    let mut cur = Continued {
        data: r.data.get(8..)?,
        cont: &r.cont,
        next: 0,
    };
    let mut out = Vec::new();
    while !cur.data.is_empty() || cur.continue_record() {
        out.push(rich_string(&mut cur)?.saturating_mul(bytes_per_char));
    }
    Some(out)
}

/// A record's bytes and the CONTINUE records after it, consumed in order.
struct Continued<'a, 'c> {
    data: &'a [u8],
    cont: &'c [&'a [u8]],
    next: usize,
}

impl Continued<'_, '_> {
    fn continue_record(&mut self) -> bool {
        match self.cont.get(self.next) {
            Some(d) => {
                self.data = d;
                self.next += 1;
                true
            }
            None => false,
        }
    }

    fn skip(&mut self, mut len: usize) -> Option<()> {
        while len > 0 {
            if self.data.is_empty() && !self.continue_record() {
                return None;
            }
            let l = len.min(self.data.len());
            self.data = self.data.get(l..)?;
            len -= l;
        }
        Some(())
    }
}

/// One XLUnicodeRichExtendedString; returns its character count.
fn rich_string(cur: &mut Continued<'_, '_>) -> Option<u64> {
    if cur.data.is_empty() {
        return Some(0);
    }
    let count = usize::from(u16_at(cur.data, 0)?);
    let flags = *cur.data.get(2)?;
    cur.data = cur.data.get(3..)?;
    let mut wide = flags & 0x1 != 0;
    let mut runs = 0usize;
    let mut extra = 0usize;
    if flags & 0x8 != 0 {
        runs = usize::from(u16_at(cur.data, 0)?);
        cur.data = cur.data.get(2..)?;
    }
    if flags & 0x4 != 0 {
        // calamine casts the signed size as it is: a negative one skips to the end and fails.
        extra = i32::from_le_bytes(cur.data.get(..4)?.try_into().ok()?) as usize;
        cur.data = cur.data.get(4..)?;
    }
    let mut left = count;
    while left > 0 {
        let (chars, bytes) = if wide {
            let l = (cur.data.len() / 2).min(left);
            (l, 2 * l)
        } else {
            let l = cur.data.len().min(left);
            (l, l)
        };
        cur.data = cur.data.get(bytes..)?;
        left -= chars;
        if left > 0 {
            if !cur.continue_record() {
                return None;
            }
            wide = *cur.data.first()? & 0x1 != 0;
            cur.data = cur.data.get(1..)?;
        }
    }
    cur.skip(runs * 4)?;
    cur.skip(extra)?;
    Some(count as u64)
}

/// A BIFF record with the CONTINUE records that follow it.
pub(crate) struct Record<'a> {
    pub typ: u16,
    pub data: &'a [u8],
    pub cont: Vec<&'a [u8]>,
}

pub(crate) enum Next<'a> {
    Record(Record<'a>),
    End,
    /// A record running past the stream, or too many CONTINUE records.
    Broken,
}

/// Records split as calamine's `RecordIter` splits them.
pub(crate) struct Records<'a> {
    stream: &'a [u8],
    /// Bytes consumed so far.
    read: usize,
}

impl<'a> Records<'a> {
    pub(crate) fn new(stream: &'a [u8]) -> Self {
        Records { stream, read: 0 }
    }

    pub(crate) fn next(&mut self) -> Next<'a> {
        if self.stream.len() < 4 {
            return if self.stream.is_empty() {
                Next::End
            } else {
                Next::Broken
            };
        }
        let (Some(typ), Some(len)) = (u16_at(self.stream, 0), u16_at(self.stream, 2)) else {
            return Next::Broken;
        };
        let Some((data, rest)) = self.take(usize::from(len)) else {
            return Next::Broken;
        };
        let mut cont = Vec::new();
        if rest.len() > 4 && u16_at(rest, 0) == Some(0x003C) {
            while self.stream.len() > 4 && u16_at(self.stream, 0) == Some(0x003C) {
                let Some(len) = u16_at(self.stream, 2) else {
                    return Next::Broken;
                };
                let Some((more, _)) = self.take(usize::from(len)) else {
                    return Next::Broken;
                };
                cont.push(more);
                if cont.len() > MAX_CONTINUES {
                    return Next::Broken;
                }
            }
        }
        Next::Record(Record { typ, data, cont })
    }

    /// Takes a record of `len` data bytes off the front: its data and what follows.
    fn take(&mut self, len: usize) -> Option<(&'a [u8], &'a [u8])> {
        let stream = self.stream;
        let data = stream.get(4..4 + len)?;
        let rest = stream.get(4 + len..)?;
        self.stream = rest;
        self.read += 4 + len;
        Some((data, rest))
    }
}

/// BOF, the record that opens a substream (workbook globals, a sheet, an embedded chart).
const BOF: u16 = 0x0809;
/// EOF, the record that closes one.
const EOF: u16 = 0x000A;

/// The records of one sheet substream as calamine walks them: its own BOF first (when the
/// stream starts with one), up to its EOF, with the substreams nested in it (embedded charts,
/// BOF to EOF of their own) skipped.
pub(crate) struct SheetWalk<'a> {
    records: Records<'a>,
    seen_bof: bool,
    depth: usize,
}

impl<'a> SheetWalk<'a> {
    pub(crate) fn new(stream: &'a [u8]) -> Self {
        SheetWalk {
            records: Records::new(stream),
            seen_bof: false,
            depth: 0,
        }
    }

    /// The sheet's next record; `End` at its EOF (or where the stream ends).
    pub(crate) fn next(&mut self) -> Next<'a> {
        loop {
            let r = match self.records.next() {
                Next::Record(r) => r,
                other => return other,
            };
            match (r.typ, self.depth) {
                (BOF, _) if self.seen_bof => self.depth += 1,
                (BOF, _) => {
                    self.seen_bof = true;
                    return Next::Record(r);
                }
                (EOF, 0) => return Next::End,
                (EOF, _) => self.depth -= 1,
                (_, 0) => return Next::Record(r),
                _ => {}
            }
        }
    }

    /// Bytes of the stream walked so far, skipped substreams and the EOF included.
    pub(crate) fn read(&self) -> usize {
        self.records.read
    }
}

pub(crate) fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    bytes
        .get(at..at + 2)
        .and_then(|b| b.try_into().ok())
        .map(u16::from_le_bytes)
}

pub(crate) fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    bytes
        .get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
}

/// A BIFF record as a stream holds it: type, length, data (for tests that build streams).
#[cfg(test)]
pub(crate) fn record(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut out = typ.to_le_bytes().to_vec();
    out.extend(u16::try_from(data.len()).unwrap_or(u16::MAX).to_le_bytes());
    out.extend(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_split_as_calamine_splits_them() {
        let mut stream = record(0x0203, &[0; 14]);
        stream.extend(record(0x003C, b"ab"));
        stream.extend(record(0x003C, b"c"));
        stream.extend(record(0x000A, &[]));
        let mut records = Records::new(&stream);
        let Next::Record(first) = records.next() else {
            panic!("no record");
        };
        assert_eq!(
            (first.typ, first.data.len(), first.cont.len()),
            (0x0203, 14, 2)
        );
        assert!(matches!(
            records.next(),
            Next::Record(Record { typ: 0x000A, .. })
        ));
        assert!(matches!(records.next(), Next::End));
        assert_eq!(records.read, stream.len());

        // A length past the end of the stream.
        let mut short = record(0x0203, &[0; 14]);
        short.truncate(10);
        assert!(matches!(Records::new(&short).next(), Next::Broken));
        assert!(matches!(Records::new(&[1, 2]).next(), Next::Broken));
    }

    #[test]
    fn a_sheet_walk_skips_nested_substreams_and_stops_at_its_eof() {
        let mut stream = record(BOF, &[0, 6, 0x10, 0]);
        stream.extend(record(0x0203, &[1; 14]));
        // An embedded chart, with a chart of its own inside.
        for typ in [BOF, 0x0203, BOF, EOF, 0x0204, EOF] {
            stream.extend(record(typ, &[2; 4]));
        }
        stream.extend(record(0x0206, &[3; 20]));
        stream.extend(record(EOF, &[]));
        let sheet_len = stream.len();
        stream.extend(record(0x0203, &[4; 14]));

        let mut walk = SheetWalk::new(&stream);
        let mut seen = Vec::new();
        while let Next::Record(r) = walk.next() {
            seen.push((r.typ, r.data.first().copied()));
        }
        assert_eq!(seen, [(BOF, Some(0)), (0x0203, Some(1)), (0x0206, Some(3))]);
        assert_eq!(walk.read(), sheet_len);

        // A stream that does not start with a BOF: the records before it are the sheet's, and
        // the first BOF is the sheet's own, as calamine takes them.
        let mut headless = record(0x0203, &[1; 14]);
        headless.extend(record(BOF, &[]));
        headless.extend(record(0x0203, &[2; 14]));
        headless.extend(record(EOF, &[]));
        let mut walk = SheetWalk::new(&headless);
        assert!(matches!(
            walk.next(),
            Next::Record(Record { typ: 0x0203, .. })
        ));
        assert!(matches!(walk.next(), Next::Record(Record { typ: BOF, .. })));
        assert!(matches!(
            walk.next(),
            Next::Record(Record { typ: 0x0203, .. })
        ));
        assert!(matches!(walk.next(), Next::End));
    }

    #[test]
    fn dimensions_are_read_as_calamine_reads_them() {
        let mut biff8 = Vec::new();
        for v in [0u32, 65_536] {
            biff8.extend(v.to_le_bytes());
        }
        biff8.extend([0u8, 0, 0, 1, 0, 0]);
        assert_eq!(dimensions(&biff8), Some((65_536, 256)));
        // A last row before the first wraps around, as in calamine's release build.
        let mut backwards = Vec::new();
        for v in [10u32, 5] {
            backwards.extend(v.to_le_bytes());
        }
        backwards.extend([0u8, 0, 1, 0, 0, 0]);
        assert_eq!(dimensions(&backwards), Some((u64::from(u32::MAX) - 4, 1)));
        assert_eq!(dimensions(&[0; 12]), None);
    }

    #[test]
    fn shared_strings_may_continue_with_a_new_width() {
        // Two strings: "abc" (one byte each) and a 4-character string split over a CONTINUE
        // record that switches to two bytes a character.
        let mut sst = vec![0u8; 8];
        sst.extend([3, 0, 0]);
        sst.extend(b"abc");
        sst.extend([4, 0, 0]);
        sst.extend(b"de");
        let cont: &[u8] = &[1, b'f', 0, b'g', 0];
        let r = Record {
            typ: 0x00FC,
            data: &sst,
            cont: vec![cont],
        };
        assert_eq!(shared_strings(&r, 3), Some(vec![9, 12]));
        let cut = Record {
            typ: 0x00FC,
            data: &sst,
            cont: Vec::new(),
        };
        assert_eq!(shared_strings(&cut, 3), None);
    }
}

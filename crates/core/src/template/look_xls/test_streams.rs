//! Hand-made BIFF8 records and streams for the unit tests of the `.xls` look.

use super::sheets::sheet_look;
use super::styles::StyleIds;
use crate::template::look::{LookError, SheetLook};

pub(super) use crate::sheet_bounds::xls::record;

pub(super) fn words(values: &[u16]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A Font record: height in twips, flags, colour, weight, underline, family, name.
pub(super) fn font(
    height: u16,
    italic: bool,
    color: u16,
    weight: u16,
    underline: u8,
    name: &str,
) -> Vec<u8> {
    let mut d = words(&[height, if italic { 2 } else { 0 }, color, weight, 0]);
    d.extend([underline, 2, 0x86, 0]);
    let units: Vec<u16> = name.encode_utf16().collect();
    d.push(u8::try_from(units.len()).unwrap_or(0));
    d.push(1);
    d.extend(words(&units));
    d
}

/// A cell XF record.
pub(super) fn xf(font: u16, format: u16, align: u8, lines: u32, more: u32, fill: u16) -> Vec<u8> {
    let mut d = words(&[font, format, 0x0001]);
    d.extend([align, 0, 0, 0]);
    d.extend(lines.to_le_bytes());
    d.extend(more.to_le_bytes());
    d.extend(fill.to_le_bytes());
    d
}

pub(super) fn bof(dt: u16) -> Vec<u8> {
    let mut d = words(&[0x0600, dt, 0x0DBB, 0x07CC]);
    d.extend([0u8; 8]);
    record(0x0809, &d)
}

/// Globals with fonts, 16 XFs (15 plain style XFs and the default) and then `extra` XFs.
pub(super) fn globals_with(extra: &[Vec<u8>], more: &[Vec<u8>]) -> Vec<u8> {
    let mut s = bof(0x0005);
    for f in [
        font(240, false, 0x7FFF, 400, 0, "宋体"),
        font(240, false, 0x7FFF, 700, 0, "宋体"),
        font(200, true, 10, 400, 1, "Arial"),
        font(320, false, 0x7FFF, 700, 0, "黑体"),
        font(180, false, 0x7FFF, 400, 0, "仿宋"),
    ] {
        s.extend(record(0x0031, &f));
    }
    for _ in 0..15 {
        s.extend(record(0x00E0, &xf(0, 0, 0x20, 0, 0, 0x20C0)));
    }
    s.extend(record(0x00E0, &xf(0, 0, 0x20, 0, 0, 0x20C0)));
    for x in extra {
        s.extend(record(0x00E0, x));
    }
    for m in more {
        s.extend(m);
    }
    s.extend(record(0x000A, &[]));
    s
}

/// A worksheet's records, BOF to EOF.
pub(super) fn sheet(records: &[Vec<u8>]) -> Vec<u8> {
    let mut s = bof(0x0010);
    for r in records {
        s.extend(r);
    }
    s.extend(record(0x000A, &[]));
    s
}

pub(super) fn read_sheet(stream: &[u8]) -> Result<SheetLook, LookError> {
    let mut walked = 0;
    sheet_look(stream, &StyleIds::new(40), &mut walked)?.ok_or_else(|| "no sheet".into())
}

/// A Lbl record of a built-in name.
pub(super) fn name(code: u8, itab: u16, rgce: &[u8]) -> Vec<u8> {
    let mut d = words(&[0x0020]);
    d.extend([0, 1]);
    d.extend(words(&[
        u16::try_from(rgce.len()).unwrap_or(0),
        0,
        itab,
        0,
        0,
    ]));
    d.extend([0, code]);
    d.extend(rgce);
    d
}

pub(super) fn area3d(rows: (u16, u16), cols: (u16, u16)) -> Vec<u8> {
    let mut d = vec![0x3B];
    d.extend(words(&[0, rows.0, rows.1, cols.0, cols.1]));
    d
}

//! The print names of the globals: Lbl records naming a sheet's print area or print titles,
//! whose parsed formulas are turned back into the A1 text the renderer writes.

use super::globals::characters;
use super::{LAST_COL, LAST_ROW};
use crate::sheet_bounds::xls::u16_at;
use crate::template::workbook::column_letters;

/// What a print name of a sheet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PrintKind {
    Area,
    Titles,
}

/// A print name: the 1-based index of its sheet (0: the workbook) and the areas it names,
/// as `$A$1:$F$20`, `$1:$3` or `$A:$B`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PrintName {
    pub(super) kind: PrintKind,
    pub(super) sheet: u16,
    pub(super) areas: Vec<String>,
}

/// Lbl (MS-XLS, Lbl): a print area or print titles of a sheet, read from the built-in
/// name's code (`fBuiltin` and a one-character name) or from a plain name spelt `_xlnm.Print_Area` as some
/// writers add beside it.
pub(super) fn print_name(data: &[u8]) -> Option<PrintName> {
    let grbit = u16_at(data, 0)?;
    let count = usize::from(*data.get(3)?);
    let cce = usize::from(u16_at(data, 4)?);
    let sheet = u16_at(data, 8)?;
    let name_bytes = data.get(14..)?;
    let wide = *name_bytes.first()? & 1 != 0;
    let name = characters(name_bytes, count)?;
    let kind = if grbit & 0x0020 != 0 {
        match name.chars().next()? {
            '\u{6}' => PrintKind::Area,
            '\u{7}' => PrintKind::Titles,
            _ => return None,
        }
    } else if name.eq_ignore_ascii_case("_xlnm.Print_Area") {
        PrintKind::Area
    } else if name.eq_ignore_ascii_case("_xlnm.Print_Titles") {
        PrintKind::Titles
    } else {
        return None;
    };
    let start = 15usize.checked_add(count.checked_mul(if wide { 2 } else { 1 })?)?;
    let rgce = data.get(start..start.checked_add(cce)?)?;
    let areas = print_areas(rgce)?;
    Some(PrintName { kind, sheet, areas })
}

/// The areas a print name's parsed formula (MS-XLS, Rgce) names. Only the tokens print
/// names are made of are understood: a formula with any other is left out.
fn print_areas(rgce: &[u8]) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while let Some(&ptg) = rgce.get(at) {
        match ptg {
            // PtgArea3d (ixti, then RgceArea) and PtgArea (RgceArea), in any class.
            0x3B | 0x5B | 0x7B | 0x25 | 0x45 | 0x65 => {
                let area = if matches!(ptg, 0x3B | 0x5B | 0x7B) {
                    at + 3
                } else {
                    at + 1
                };
                let rw_first = u16_at(rgce, area)?;
                let rw_last = u16_at(rgce, area + 2)?;
                let col_first = u16_at(rgce, area + 4)? & 0x3FFF;
                let col_last = u16_at(rgce, area + 6)? & 0x3FFF;
                out.push(area_text(rw_first, rw_last, col_first, col_last));
                at = area + 8;
            }
            // PtgRef3d and PtgRef: one cell.
            0x3A | 0x5A | 0x7A | 0x24 | 0x44 | 0x64 => {
                let cell = if matches!(ptg, 0x3A | 0x5A | 0x7A) {
                    at + 3
                } else {
                    at + 1
                };
                let row = u16_at(rgce, cell)?;
                let col = u16_at(rgce, cell + 2)? & 0x3FFF;
                out.push(format!(
                    "${}${}",
                    column_letters(u32::from(col)),
                    u32::from(row) + 1
                ));
                at = cell + 4;
            }
            // PtgMemFunc and PtgMemArea open the list of a union; the tokens of the list
            // follow them in the formula.
            0x29 | 0x49 | 0x69 => at += 3,
            0x26 | 0x46 | 0x66 => at += 7,
            // PtgUnion and PtgParen join and group what is already read.
            0x10 | 0x15 => at += 1,
            _ => return None,
        }
    }
    (!out.is_empty()).then_some(out)
}

/// An area in A1 style with `$` anchors: whole rows (`$1:$3`) when it spans every column of a
/// BIFF8 sheet, whole columns (`$A:$B`) when it spans every row.
fn area_text(rw_first: u16, rw_last: u16, col_first: u16, col_last: u16) -> String {
    let all_rows = rw_first == 0 && rw_last == LAST_ROW;
    let all_cols = col_first == 0 && col_last >= LAST_COL;
    let (r1, r2) = (u32::from(rw_first) + 1, u32::from(rw_last) + 1);
    let (c1, c2) = (
        column_letters(u32::from(col_first)),
        column_letters(u32::from(col_last)),
    );
    match (all_rows, all_cols) {
        (false, true) => format!("${r1}:${r2}"),
        (true, false) => format!("${c1}:${c2}"),
        _ => format!("${c1}${r1}:${c2}${r2}"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_streams::{area3d, name, words};
    use super::*;

    #[test]
    fn print_names_are_decoded() {
        let area = name(6, 2, &area3d((0, 19), (0, 5)));
        assert_eq!(
            print_name(&area),
            Some(PrintName {
                kind: PrintKind::Area,
                sheet: 2,
                areas: vec!["$A$1:$F$20".into()]
            })
        );
        // Columns A:B and rows 1:3, as a union.
        let mut union = vec![0x29, 23, 0];
        union.extend(area3d((0, 0xFFFF), (0, 1)));
        union.extend(area3d((0, 2), (0, 0xFF)));
        union.push(0x10);
        let titles = name(7, 1, &union);
        assert_eq!(
            print_name(&titles).map(|n| (n.kind, n.areas)),
            Some((PrintKind::Titles, vec!["$A:$B".into(), "$1:$3".into()]))
        );
        // Relative flags in the column words do not change the column.
        let flagged = name(6, 1, &area3d((4, 9), (0xC000 | 27, 0xC000 | 30)));
        assert_eq!(
            print_name(&flagged).map(|n| n.areas),
            Some(vec!["$AB$5:$AE$10".into()])
        );
        // Another built-in name, a token print names do not use, a cut formula.
        assert_eq!(print_name(&name(0x0D, 1, &area3d((0, 1), (0, 1)))), None);
        assert_eq!(print_name(&name(6, 1, &[0x17, 1, 0, b'x'])), None);
        let mut cut = name(6, 1, &area3d((0, 1), (0, 1)));
        cut.truncate(cut.len() - 2);
        assert_eq!(print_name(&cut), None);
        assert_eq!(print_name(&[0x20, 0, 0]), None);
        // A plain name spelt as the built-in one.
        let mut plain = words(&[0]);
        plain.extend([0, 16]);
        plain.extend(words(&[11, 0, 1, 0, 0]));
        plain.push(0);
        plain.extend(b"_xlnm.Print_Area");
        plain.extend(area3d((1, 1), (1, 1)));
        assert_eq!(
            print_name(&plain).map(|n| (n.kind, n.sheet, n.areas)),
            Some((PrintKind::Area, 1, vec!["$B$2:$B$2".into()]))
        );
    }
}

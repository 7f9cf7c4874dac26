//! Hand-built tokens and records for each token family, and malformed ones.

use super::globals::{DefinedName, Sheet, SupBook, SupBookKind, Xti};
use super::*;

// --- Building tokens ---------------------------------------------------------------------------

fn int(n: u16) -> Vec<u8> {
    let mut t = vec![0x1E];
    t.extend(n.to_le_bytes());
    t
}

fn num(v: f64) -> Vec<u8> {
    let mut t = vec![0x1F];
    t.extend(v.to_le_bytes());
    t
}

fn str8(s: &str) -> Vec<u8> {
    let mut t = vec![0x17, s.len() as u8, 0];
    t.extend(s.bytes());
    t
}

fn str16(s: &str) -> Vec<u8> {
    let units: Vec<u16> = s.encode_utf16().collect();
    let mut t = vec![0x17, units.len() as u8, 1];
    for u in units {
        t.extend(u.to_le_bytes());
    }
    t
}

/// The column word: the column, with fColRel and fRwRel.
fn col_word(col: u16, row_rel: bool, col_rel: bool) -> u16 {
    col | if col_rel { 0x4000 } else { 0 } | if row_rel { 0x8000 } else { 0 }
}

/// PtgRef (0x24) or PtgRefN (0x2C), relative row and column unless `abs` says `$`.
fn cell(ptg: u8, row: u16, col: u16, row_rel: bool, col_rel: bool) -> Vec<u8> {
    let mut t = vec![ptg];
    t.extend(row.to_le_bytes());
    t.extend(col_word(col, row_rel, col_rel).to_le_bytes());
    t
}

fn rel(row: u16, col: u16) -> Vec<u8> {
    cell(0x24, row, col, true, true)
}

/// PtgArea (0x25) or PtgAreaN (0x2D), all relative.
fn area(ptg: u8, r1: u16, r2: u16, c1: u16, c2: u16) -> Vec<u8> {
    let mut t = vec![ptg];
    for w in [r1, r2, col_word(c1, true, true), col_word(c2, true, true)] {
        t.extend(w.to_le_bytes());
    }
    t
}

fn ref3d(ixti: u16, row: u16, col: u16) -> Vec<u8> {
    let mut t = vec![0x3A];
    t.extend(ixti.to_le_bytes());
    t.extend(cell(0, row, col, true, true).get(1..).unwrap());
    t
}

fn func(iftab: u16) -> Vec<u8> {
    let mut t = vec![0x41];
    t.extend(iftab.to_le_bytes());
    t
}

fn funcvar(argc: u8, iftab: u16) -> Vec<u8> {
    let mut t = vec![0x42, argc];
    t.extend(iftab.to_le_bytes());
    t
}

fn name(iname: u16) -> Vec<u8> {
    let mut t = vec![0x43];
    t.extend(iname.to_le_bytes());
    t.extend([0, 0]);
    t
}

fn namex(ixti: u16, index: u16) -> Vec<u8> {
    let mut t = vec![0x39];
    t.extend(ixti.to_le_bytes());
    t.extend(index.to_le_bytes());
    t.extend([0, 0]);
    t
}

fn attr(kind: u8, data: &[u8]) -> Vec<u8> {
    let mut t = vec![0x19, kind];
    t.extend(data);
    t
}

fn space(kind: u8, count: u8) -> Vec<u8> {
    attr(0x40, &[kind, count])
}

fn join(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

// --- A workbook's globals ----------------------------------------------------------------------

fn sheet(name: &str) -> Sheet {
    Sheet {
        offset: 0,
        name: name.to_string(),
    }
}

fn defined(name: &str, itab: u16) -> Option<DefinedName> {
    Some(DefinedName {
        name: name.to_string(),
        itab,
    })
}

/// Three sheets; the workbook itself, an add-in and another workbook; XTIs for one sheet, a
/// quoted sheet, a range of sheets, a deleted sheet, the add-in, another workbook's sheet and
/// that workbook as a whole.
fn globals() -> Globals {
    Globals {
        sheets: vec![sheet("Data"), sheet("My Data"), sheet("Third")],
        supbooks: vec![
            SupBook {
                kind: SupBookKind::Own,
                names: Vec::new(),
            },
            SupBook {
                kind: SupBookKind::AddIn,
                names: vec![Some("MYUDF".to_string()), None],
            },
            SupBook {
                kind: SupBookKind::External {
                    number: 1,
                    sheets: Some(vec!["Ext Sheet".to_string(), "Two".to_string()]),
                },
                names: vec![Some("ExtName".to_string())],
            },
        ],
        xtis: vec![
            Xti {
                supbook: 0,
                first: 0,
                last: 0,
            },
            Xti {
                supbook: 0,
                first: 1,
                last: 1,
            },
            Xti {
                supbook: 0,
                first: 0,
                last: 2,
            },
            Xti {
                supbook: 0,
                first: 0xFFFF,
                last: 0xFFFF,
            },
            Xti {
                supbook: 1,
                first: 0xFFFE,
                last: 0xFFFE,
            },
            Xti {
                supbook: 2,
                first: 0,
                last: 0,
            },
            Xti {
                supbook: 2,
                first: 0xFFFE,
                last: 0xFFFE,
            },
            Xti {
                supbook: 9,
                first: 0,
                last: 0,
            },
        ],
        names: vec![
            defined("Rate", 0),
            defined("_xlfn.IFERROR", 0),
            defined("Local", 2),
            None,
            defined("_xlfn.IFNA", 0),
            defined("_xlnm.Print_Area", 1),
        ],
    }
}

/// Formulas are decoded for C5 (row 4, column 2) unless said otherwise.
const C5: Origin = Origin { row: 4, col: 2 };

fn decode_at(rgce: &[u8], rgcb: &[u8], origin: Origin) -> Result<String, FormulaError> {
    ptg::decode(rgce, rgcb, &globals(), origin, &mut Budget::new(MAX_WORK))
}

#[track_caller]
fn check(rgce: &[u8], expected: &str) {
    assert_eq!(decode_at(rgce, &[], C5).as_deref(), Ok(expected));
}

#[track_caller]
fn fails(rgce: &[u8], error: FormulaError) {
    assert_eq!(decode_at(rgce, &[], C5), Err(error));
}

// --- Tokens ------------------------------------------------------------------------------------

#[test]
fn operators_keep_the_order_and_parentheses_written() {
    check(
        &join(&[int(1), int(2), int(3), vec![0x05], vec![0x03]]),
        "1+2*3",
    );
    check(
        &join(&[int(1), int(2), vec![0x03, 0x15], int(3), vec![0x05]]),
        "(1+2)*3",
    );
    for (op, text) in [
        (0x04, "-"),
        (0x06, "/"),
        (0x07, "^"),
        (0x08, "&"),
        (0x09, "<"),
        (0x0A, "<="),
        (0x0B, "="),
        (0x0C, ">="),
        (0x0D, ">"),
        (0x0E, "<>"),
    ] {
        check(&join(&[rel(0, 0), int(4), vec![op]]), &format!("A1{text}4"));
    }
    check(&join(&[rel(0, 0), vec![0x13]]), "-A1");
    check(&join(&[rel(0, 0), vec![0x12]]), "+A1");
    check(&join(&[rel(0, 0), vec![0x14]]), "A1%");
    check(
        &join(&[
            rel(0, 0),
            vec![0x13],
            rel(1, 0),
            int(3),
            vec![0x05, 0x15, 0x13, 0x03],
        ]),
        "-A1+-(A2*3)",
    );
}

#[test]
fn references_unions_intersections_and_ranges() {
    // SUM((A1,B1)) as Excel writes it (with PtgParen) and without: the same text.
    let union = join(&[rel(0, 0), rel(0, 1), vec![0x10]]);
    check(
        &join(&[union.clone(), vec![0x15], funcvar(1, 4)]),
        "SUM((A1,B1))",
    );
    check(&join(&[union.clone(), funcvar(1, 4)]), "SUM((A1,B1))");
    check(
        &join(&[union.clone(), rel(0, 2), vec![0x10], funcvar(1, 4)]),
        "SUM((A1,B1,C1))",
    );
    check(&union, "(A1,B1)");
    check(&join(&[union, int(1), vec![0x03]]), "(A1,B1)+1");
    check(
        &join(&[area(0x25, 0, 2, 0, 2), area(0x25, 1, 3, 1, 3), vec![0x0F]]),
        "A1:C3 B2:D4",
    );
    check(&join(&[rel(0, 0), rel(3, 3), vec![0x11]]), "A1:D4");
}

#[test]
fn anchors_come_from_the_relativity_bits() {
    check(&cell(0x24, 4, 7, true, true), "H5");
    check(&cell(0x44, 4, 7, false, true), "H$5");
    check(&cell(0x64, 4, 7, true, false), "$H5");
    check(&cell(0x24, 4, 7, false, false), "$H$5");
    let mut mixed = vec![0x25];
    for w in [0u16, 9, col_word(0, false, false), col_word(2, true, true)] {
        mixed.extend(w.to_le_bytes());
    }
    check(&mixed, "$A$1:C10");
    // Whole columns and rows: every row, or every column of a BIFF8 sheet.
    check(&area(0x25, 0, 0xFFFF, 2, 2), "C:C");
    check(&area(0x25, 0, 0xFFFF, 0, 3), "A:D");
    let mut anchored = vec![0x25];
    for w in [
        0u16,
        0xFFFF,
        col_word(1, true, false),
        col_word(1, true, false),
    ] {
        anchored.extend(w.to_le_bytes());
    }
    check(&anchored, "$B:$B");
    check(&area(0x25, 0, 0, 0, 0xFF), "1:1");
    let mut rows = vec![0x25];
    for w in [
        1u16,
        4,
        col_word(0, false, true),
        col_word(0xFF, false, true),
    ] {
        rows.extend(w.to_le_bytes());
    }
    check(&rows, "$2:$5");
    check(&[0x2A, 0, 0, 0, 0], "#REF!");
    check(&[0x2B, 0, 0, 0, 0, 0, 0, 0, 0], "#REF!");
}

#[test]
fn relative_tokens_are_offsets_from_the_cell() {
    // From C5: one row up and two columns left, with negative offsets wrapping.
    check(&cell(0x2C, 0xFFFF, 0xFE, true, true), "A4");
    check(&cell(0x2C, 0, 0, true, true), "C5");
    // Absolute parts are coordinates.
    check(&cell(0x2C, 1, 0, false, false), "$A$2");
    check(&cell(0x4C, 1, 1, false, true), "D$2");
    // Offsets wrap around the 65,536 × 256 sheet.
    check(&cell(0x2C, 0xFFFA, 0x01, true, true), "D65535");
    check(&cell(0x2C, 0, 0x7F, true, true), "DZ5");
    check(&cell(0x2C, 0, 0x80, true, true), "EA5");
    let at = |row, col| decode_at(&cell(0x2C, 0, 0xFE, true, true), &[], Origin { row, col });
    assert_eq!(at(0, 0).as_deref(), Ok("IU1"));
    // AreaN: `SUM($A$2:A5)` filled down to row 9 from the formula of row 5.
    let mut running = vec![0x2D];
    for w in [
        1u16,
        0,
        col_word(0, false, false),
        col_word(0xFE, true, true),
    ] {
        running.extend(w.to_le_bytes());
    }
    running.extend(funcvar(1, 4));
    check(&running, "SUM($A$2:A5)");
    assert_eq!(
        decode_at(&running, &[], Origin { row: 8, col: 2 }).as_deref(),
        Ok("SUM($A$2:A9)")
    );
    // A whole column in a shared formula: rows 0 and 65,535 after the offsets.
    check(&area(0x2D, 0xFFFC, 0xFFFB, 0, 0), "C:C");
}

#[test]
fn three_d_references_name_their_sheets() {
    check(&ref3d(0, 4, 7), "Data!H5");
    check(&ref3d(1, 0, 0), "'My Data'!A1");
    check(&ref3d(2, 0, 0), "Data:Third!A1");
    check(&ref3d(3, 0, 0), "#REF!A1");
    check(&ref3d(5, 0, 1), "'[1]Ext Sheet'!B1");
    let mut area3d = vec![0x3B, 1, 0];
    for w in [
        0u16,
        9,
        col_word(0, false, false),
        col_word(0, false, false),
    ] {
        area3d.extend(w.to_le_bytes());
    }
    check(&area3d, "'My Data'!$A$1:$A$10");
    check(&[0x3C, 0, 0, 0, 0, 0, 0], "Data!#REF!");
    check(&[0x3D, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0], "'My Data'!#REF!");
    // An XTI, SupBook or sheet that is not there; a cell reference into the add-ins.
    fails(&ref3d(8, 0, 0), FormulaError::BadReference);
    fails(&ref3d(7, 0, 0), FormulaError::BadReference);
    fails(&ref3d(4, 0, 0), FormulaError::BadReference);
    fails(&ref3d(6, 0, 0), FormulaError::BadReference);
}

#[test]
fn constants_print_as_excel_writes_them() {
    check(&str8("say \"hi\""), "\"say \"\"hi\"\"\"");
    check(&str16("项目"), "\"项目\"");
    check(&str8(""), "\"\"");
    check(&[0x1D, 1], "TRUE");
    check(&[0x1D, 0], "FALSE");
    check(&int(65_535), "65535");
    check(&num(0.5), "0.5");
    check(&num(1e20), "1E+20");
    check(&join(&[num(2.5), vec![0x13]]), "-2.5");
    for (code, text) in [
        (0x00, "#NULL!"),
        (0x07, "#DIV/0!"),
        (0x2A, "#N/A"),
        (0x2B, "#GETTING_DATA"),
    ] {
        check(&[0x1C, code], text);
    }
    fails(&[0x1C, 0x01], FormulaError::BadValue);
    fails(&num(f64::NAN), FormulaError::BadValue);
}

#[test]
fn arrays_take_their_values_from_the_extra_data() {
    let mut extra = vec![1, 1, 0];
    extra.push(0x01);
    extra.extend(1.0f64.to_le_bytes());
    extra.push(0x02);
    extra.extend([1, 0, 0, b'a']);
    extra.extend([0x04, 1, 0, 0, 0, 0, 0, 0, 0]);
    extra.extend([0x10, 0x2A, 0, 0, 0, 0, 0, 0, 0]);
    let array = join(&[vec![0x60], vec![0; 7], funcvar(1, 4)]);
    assert_eq!(
        decode_at(&array, &extra, C5).as_deref(),
        Ok("SUM({1,\"a\";TRUE,#N/A})")
    );
    // A PtgMemArea's areas come first in the extra data and print nothing.
    let mut mem_then_array = vec![2, 0];
    mem_then_array.extend([0; 16]);
    mem_then_array.extend(&extra);
    let rgce = join(&[
        vec![0x26, 0, 0, 0, 0, 9, 0],
        area(0x25, 0, 1, 0, 1),
        vec![0x60],
        vec![0; 7],
        funcvar(2, 4),
    ]);
    assert_eq!(
        decode_at(&rgce, &mem_then_array, C5).as_deref(),
        Ok("SUM(A1:B2,{1,\"a\";TRUE,#N/A})")
    );
    // Sizes the data cannot hold fail when the data runs out, without allocating for them.
    let huge = [0xFF, 0xFF, 0xFF, 0x01];
    assert_eq!(decode_at(&array, &huge, C5), Err(FormulaError::Truncated));
    assert_eq!(decode_at(&array, &[], C5), Err(FormulaError::Truncated));
    let bad_kind = [0, 0, 0, 0x03, 0, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(
        decode_at(&array, &bad_kind, C5),
        Err(FormulaError::BadValue)
    );
}

#[test]
fn functions_fixed_variable_and_attribute_sums() {
    check(&join(&[rel(0, 0), int(2), func(0x1B)]), "ROUND(A1,2)");
    check(&join(&[func(0x13)]), "PI()");
    check(
        &join(&[rel(0, 0), rel(1, 0), rel(2, 0), funcvar(3, 4)]),
        "SUM(A1,A2,A3)",
    );
    check(
        &join(&[area(0x25, 0, 3, 0, 0), attr(0x10, &[0, 0])]),
        "SUM(A1:A4)",
    );
    check(
        &join(&[area(0x25, 0, 3, 0, 0), str8(">2"), func(0x15A)]),
        "COUNTIF(A1:A4,\">2\")",
    );
    check(&join(&[funcvar(0, 0x4A)]), "NOW()");
    // The volatile marker, IF's and CHOOSE's jumps print nothing.
    let if_ = join(&[
        attr(0x01, &[0, 0]),
        rel(0, 0),
        int(0),
        vec![0x0D],
        attr(0x02, &[7, 0]),
        str8("yes"),
        attr(0x08, &[3, 0]),
        vec![0x16],
        attr(0x08, &[3, 0]),
        funcvar(3, 1),
    ]);
    check(&if_, "IF(A1>0,\"yes\",)");
    let choose = join(&[
        int(2),
        attr(0x04, &[2, 0, 1, 0, 2, 0, 3, 0]),
        rel(0, 0),
        attr(0x08, &[0, 0]),
        rel(1, 0),
        attr(0x08, &[0, 0]),
        funcvar(3, 0x64),
    ]);
    check(&choose, "CHOOSE(2,A1,A2)");
    check(&join(&[attr(0x20, &[0, 0]), int(1)]), "1");
    // Nested calls.
    check(
        &join(&[
            area(0x25, 0, 2, 0, 0),
            funcvar(1, 7),
            ref3d(0, 0, 0),
            vec![0x06],
            int(2),
            func(0x1B),
        ]),
        "ROUND(MAX(A1:A3)/Data!A1,2)",
    );
    // An index with no function, a PtgFunc on a function of variable arity, a command.
    fails(
        &join(&[int(1), func(0x00CA)]),
        FormulaError::UnknownFunction(0x00CA),
    );
    fails(
        &join(&[int(1), func(0x017C)]),
        FormulaError::UnknownFunction(0x017C),
    );
    fails(
        &join(&[int(1), func(0x0004)]),
        FormulaError::UnknownFunction(0x0004),
    );
    fails(
        &join(&[int(1), funcvar(1, 0x8004)]),
        FormulaError::UnknownFunction(0x8004),
    );
    fails(
        &join(&[funcvar(1, 0x1234)]),
        FormulaError::UnknownFunction(0x1234),
    );
}

#[test]
fn names_and_user_defined_functions() {
    check(&join(&[rel(0, 0), name(1), vec![0x05]]), "A1*Rate");
    check(&name(6), "_xlnm.Print_Area");
    // A name local to a sheet, through the workbook's own SupBook.
    check(&namex(0, 3), "'My Data'!Local");
    check(&namex(0, 1), "Rate");
    check(&namex(6, 1), "[1]!ExtName");
    check(&namex(5, 1), "'[1]Ext Sheet'!ExtName");
    // Add-in and future functions: PtgFuncVar 0x00FF named by its first argument.
    check(
        &join(&[namex(4, 1), int(1), rel(0, 0), funcvar(3, 0xFF)]),
        "MYUDF(1,A1)",
    );
    check(
        &join(&[name(2), rel(0, 0), int(0), funcvar(3, 0xFF)]),
        "IFERROR(A1,0)",
    );
    check(
        &join(&[name(5), rel(0, 0), int(0), funcvar(3, 0xFF)]),
        "_xlfn.IFNA(A1,0)",
    );
    fails(
        &join(&[int(1), int(2), funcvar(2, 0xFF)]),
        FormulaError::BadFunctionName,
    );
    fails(&funcvar(0, 0xFF), FormulaError::StackUnderflow);
    fails(&name(4), FormulaError::BadReference);
    fails(&name(0), FormulaError::BadReference);
    fails(&name(99), FormulaError::BadReference);
    fails(&namex(4, 2), FormulaError::BadReference);
    fails(&namex(4, 0), FormulaError::BadReference);
    fails(&namex(8, 1), FormulaError::BadReference);
}

#[test]
fn spaces_and_line_breaks_stay_where_they_were_typed() {
    // `A1 + A2`: the space before `+` precedes the operator token, the one after it A2.
    check(
        &join(&[rel(0, 0), space(0, 1), rel(1, 0), space(0, 1), vec![0x03]]),
        "A1 + A2",
    );
    // `SUM( A1 )` and `( A1 )`.
    check(
        &join(&[space(0, 1), rel(0, 0), space(4, 1), funcvar(1, 4)]),
        "SUM( A1 )",
    );
    check(
        &join(&[space(0, 1), rel(0, 0), space(2, 2), space(4, 1), vec![0x15]]),
        "  ( A1 )",
    );
    check(
        &join(&[rel(0, 0), space(1, 1), rel(1, 0), vec![0x03]]),
        "A1+\nA2",
    );
    check(&join(&[attr(0x41, &[0, 2]), rel(0, 0)]), "  A1");
    fails(&join(&[space(7, 1), rel(0, 0)]), FormulaError::BadValue);
}

#[test]
fn memory_tokens_only_announce_their_subexpression() {
    // PtgMemFunc around a 3-D reference, as Excel writes `SUM(Data!A1)`.
    check(
        &join(&[vec![0x29, 7, 0], ref3d(0, 0, 0), funcvar(1, 4)]),
        "SUM(Data!A1)",
    );
    check(
        &join(&[vec![0x27, 0, 0, 0, 0, 7, 0], ref3d(0, 0, 0)]),
        "Data!A1",
    );
    check(
        &join(&[vec![0x28, 0, 0, 0, 0, 7, 0], ref3d(0, 0, 0)]),
        "Data!A1",
    );
    check(&join(&[vec![0x2E, 5, 0], rel(0, 0)]), "A1");
    check(&join(&[vec![0x2F, 5, 0], rel(0, 0)]), "A1");
    // A PtgMemArea whose areas are missing from the extra data.
    fails(
        &join(&[vec![0x26, 0, 0, 0, 0, 9, 0], rel(0, 0)]),
        FormulaError::Truncated,
    );
}

#[test]
fn malformed_tokens_fail_the_formula() {
    // Truncated tokens and data.
    fails(&[], FormulaError::Unbalanced);
    fails(&[0x24, 1, 0, 0], FormulaError::Truncated);
    fails(&[0x1E, 1], FormulaError::Truncated);
    fails(&[0x17, 5, 0, b'a'], FormulaError::Truncated);
    fails(&[0x17, 2, 1, b'a', 0], FormulaError::Truncated);
    fails(&[0x19], FormulaError::Truncated);
    fails(&attr(0x04, &[0xFF, 0xFF, 0, 0]), FormulaError::Truncated);
    fails(&[0x39, 0, 0], FormulaError::Truncated);
    // Too few or too many operands.
    fails(&join(&[int(1), vec![0x03]]), FormulaError::StackUnderflow);
    fails(&[0x13], FormulaError::StackUnderflow);
    fails(&[0x15], FormulaError::StackUnderflow);
    fails(&join(&[int(1), func(0x1B)]), FormulaError::StackUnderflow);
    fails(&funcvar(3, 4), FormulaError::StackUnderflow);
    fails(&attr(0x10, &[0, 0]), FormulaError::StackUnderflow);
    fails(&join(&[int(1), int(2)]), FormulaError::Unbalanced);
    // Tokens that do not exist, or cannot stand here.
    for ptg in [0x00, 0x1A, 0x1B, 0x80, 0xFF] {
        fails(&[ptg, 0, 0, 0, 0], FormulaError::UnknownToken(ptg));
    }
    fails(&[0x30, 0, 0], FormulaError::UnknownToken(0x30));
    fails(
        &[0x01, 0, 0, 0, 0, 0x1E, 1, 0],
        FormulaError::Unsupported(0x01),
    );
    fails(&[0x18, 0x01, 0, 0], FormulaError::Unsupported(0x18));
    fails(&attr(0x80, &[0, 0]), FormulaError::UnknownAttribute(0x80));
}

#[test]
fn the_stack_and_the_text_are_bounded() {
    // A stack one deeper than allowed.
    let deep: Vec<u8> = (0..=ptg::MAX_STACK).flat_map(|_| int(1)).collect();
    fails(&deep, FormulaError::TooDeep);
    // Nested parentheses as deep as a record allows decode without recursion.
    let mut nested = int(1);
    nested.extend(std::iter::repeat_n(0x15, 8_000));
    let text = decode_at(&nested, &[], C5).unwrap();
    assert_eq!(text.len(), 16_001);
    // Spaces that would make the text too long.
    let spaces: Vec<u8> = (0..300).flat_map(|_| space(0, 255)).collect();
    fails(&join(&[spaces, int(1)]), FormulaError::TooLong);
    // Strings concatenated past the limit.
    let long = "x".repeat(255);
    let mut concat = str8(&long);
    for _ in 0..300 {
        concat.extend(str8(&long));
        concat.push(0x08);
    }
    fails(&concat, FormulaError::TooLong);
}

#[test]
fn the_workbook_budget_runs_out() {
    let rgce = join(&[rel(0, 0), int(1), vec![0x03]]);
    let g = globals();
    let mut budget = Budget::new(14);
    assert_eq!(
        ptg::decode(&rgce, &[], &g, C5, &mut budget).as_deref(),
        Ok("A1+1")
    );
    assert_eq!(
        ptg::decode(&rgce, &[], &g, C5, &mut budget),
        Err(FormulaError::OverBudget)
    );
    // Once short, it stays spent.
    assert_eq!(
        ptg::decode(&int(1), &[], &g, C5, &mut budget),
        Err(FormulaError::OverBudget)
    );
}

// --- Records -----------------------------------------------------------------------------------

use crate::sheet_bounds::xls::record;

fn bof(kind: u16) -> Vec<u8> {
    let mut data = vec![0x00, 0x06];
    data.extend(kind.to_le_bytes());
    data.extend([0; 12]);
    record(0x0809, &data)
}

/// A Formula record at `row`, `col` with tokens `rgce` and extra data `rgcb`.
fn formula(row: u16, col: u16, rgce: &[u8], rgcb: &[u8]) -> Vec<u8> {
    let mut data = Vec::new();
    data.extend(row.to_le_bytes());
    data.extend(col.to_le_bytes());
    data.extend([0; 16]);
    data.extend((rgce.len() as u16).to_le_bytes());
    data.extend(rgce);
    data.extend(rgcb);
    record(0x0006, &data)
}

fn exp(row: u16, col: u16) -> Vec<u8> {
    let mut t = vec![0x01];
    t.extend(row.to_le_bytes());
    t.extend(col.to_le_bytes());
    t
}

/// The RefU of a shared or array formula.
fn ref_u(r1: u16, r2: u16, c1: u8, c2: u8) -> Vec<u8> {
    let mut data = r1.to_le_bytes().to_vec();
    data.extend(r2.to_le_bytes());
    data.extend([c1, c2]);
    data
}

fn parsed(rgce: &[u8]) -> Vec<u8> {
    let mut data = (rgce.len() as u16).to_le_bytes().to_vec();
    data.extend(rgce);
    data
}

/// A workbook stream: globals (BOF, a BoundSheet8 per sheet, `extra`, EOF), then each sheet's
/// substream (BOF, `records`, EOF).
fn workbook(extra: &[u8], sheets: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let bound = |offset: u32, name: &str| {
        let mut data = offset.to_le_bytes().to_vec();
        data.extend([0, 0, name.len() as u8, 0]);
        data.extend(name.bytes());
        record(0x0085, &data)
    };
    let globals_len = bof(5).len()
        + sheets.iter().map(|(n, _)| bound(0, n).len()).sum::<usize>()
        + extra.len()
        + 4;
    let mut stream = bof(5);
    let mut offset = globals_len;
    let mut bodies = Vec::new();
    for (name, records) in sheets {
        stream.extend(bound(offset as u32, name));
        let mut body = bof(0x10);
        body.extend(records);
        body.extend(record(0x000A, &[]));
        offset += body.len();
        bodies.push(body);
    }
    stream.extend(extra);
    stream.extend(record(0x000A, &[]));
    for body in bodies {
        stream.extend(body);
    }
    stream
}

fn own_supbook(sheets: u16) -> Vec<u8> {
    let mut data = sheets.to_le_bytes().to_vec();
    data.extend([1, 4]);
    let mut out = record(0x01AE, &data);
    out.extend(record(0x0017, &[1, 0, 0, 0, 1, 0, 1, 0]));
    out
}

fn texts(sheet: &SheetFormulas) -> Vec<(u32, u32, Result<&str, FormulaError>)> {
    sheet
        .cells
        .iter()
        .map(|c| (c.row, c.col, c.formula.as_deref().map_err(|e| *e)))
        .collect()
}

#[test]
fn shared_array_and_table_formulas_resolve_by_their_first_cell() {
    // Column C of rows 2–4 shares `A2*2+Other!A1`-style text: one row up, two columns left.
    let shared_rgce = join(&[cell(0x2C, 0, 0xFE, true, true), int(2), vec![0x05]]);
    let mut shrfmla = ref_u(1, 3, 2, 2);
    shrfmla.extend([0, 3]);
    shrfmla.extend(parsed(&shared_rgce));
    let mut array = ref_u(5, 6, 0, 0);
    array.extend([0; 6]);
    array.extend(parsed(&join(&[area(0x25, 0, 2, 1, 1), funcvar(1, 4)])));
    let mut sheet = Vec::new();
    sheet.extend(formula(
        0,
        0,
        &join(&[ref3d(0, 0, 1), int(1), vec![0x03]]),
        &[],
    ));
    sheet.extend(formula(1, 2, &exp(1, 2), &[]));
    sheet.extend(record(0x04BC, &shrfmla));
    sheet.extend(formula(2, 2, &exp(1, 2), &[]));
    sheet.extend(formula(3, 2, &exp(1, 2), &[]));
    sheet.extend(formula(5, 0, &exp(5, 0), &[]));
    sheet.extend(record(0x0221, &array));
    sheet.extend(formula(6, 0, &exp(5, 0), &[]));
    // A data table's cell, and a PtgExp pointing at nothing.
    sheet.extend(formula(7, 0, &[0x02, 7, 0, 0, 0], &[]));
    sheet.extend(record(0x0236, &[0; 16]));
    sheet.extend(formula(8, 0, &exp(40, 0), &[]));
    // An embedded chart's substream holds no cells of the sheet.
    sheet.extend(bof(0x20));
    sheet.extend(formula(9, 0, &int(9), &[]));
    sheet.extend(record(0x000A, &[]));
    sheet.extend(formula(10, 0, &int(10), &[]));

    let stream = workbook(&own_supbook(2), &[("Main", sheet), ("Other", Vec::new())]);
    let sheets = read_stream(&stream, MAX_WORK).unwrap();
    assert_eq!(sheets.len(), 2);
    assert_eq!(sheets[0].name, "Main");
    assert_eq!(
        texts(&sheets[0]),
        [
            (0, 0, Ok("Other!B1+1")),
            (1, 2, Ok("A2*2")),
            (2, 2, Ok("A3*2")),
            (3, 2, Ok("A4*2")),
            (5, 0, Ok("SUM(B1:B3)")),
            (8, 0, Err(FormulaError::MissingShared)),
            (10, 0, Ok("10")),
        ]
    );
    assert!(sheets[1].cells.is_empty());
}

#[test]
fn damaged_records_fail_their_cells_only() {
    let mut sheet = Vec::new();
    // cce runs past the record's end; no cce at all; a record too short for a position.
    let mut past = formula(0, 0, &int(1), &[]);
    past[24] = 40;
    sheet.extend(past);
    sheet.extend(record(0x0006, &[1, 0, 0, 0, 0, 0]));
    sheet.extend(record(0x0006, &[2]));
    // A shared formula whose own cce runs past its record.
    let mut shrfmla = ref_u(3, 3, 0, 0);
    shrfmla.extend([0, 1, 9, 0, 0x1E]);
    sheet.extend(formula(3, 0, &exp(3, 0), &[]));
    sheet.extend(record(0x04BC, &shrfmla));
    sheet.extend(formula(4, 0, &join(&[int(1), vec![0x03]]), &[]));
    sheet.extend(formula(5, 0, &int(5), &[]));
    let stream = workbook(&own_supbook(1), &[("S", sheet)]);
    let sheets = read_stream(&stream, MAX_WORK).unwrap();
    assert_eq!(
        texts(&sheets[0]),
        [
            (0, 0, Err(FormulaError::Truncated)),
            (1, 0, Err(FormulaError::Truncated)),
            (3, 0, Err(FormulaError::Truncated)),
            (4, 0, Err(FormulaError::StackUnderflow)),
            (5, 0, Ok("5")),
        ]
    );

    // A sheet whose offset lies past the stream, or whose records run past it.
    let mut stream = bof(5);
    let mut far = 0x0100_0000u32.to_le_bytes().to_vec();
    far.extend([0, 0, 3, 0]);
    far.extend(b"Far");
    stream.extend(record(0x0085, &far));
    stream.extend(record(0x000A, &[]));
    let sheets = read_stream(&stream, MAX_WORK).unwrap();
    assert_eq!(sheets[0].name, "Far");
    assert!(sheets[0].cells.is_empty());
    let mut cut = workbook(&[], &[("Cut", formula(0, 0, &int(1), &[]))]);
    cut.truncate(cut.len() - 10);
    let sheets = read_stream(&cut, MAX_WORK).unwrap();
    assert!(sheets[0].cells.is_empty());
}

#[test]
fn workbooks_that_are_not_biff8_are_left_to_calamine() {
    let mut biff5 = record(0x0809, &[0x00, 0x05, 0x05, 0x00]);
    biff5.extend(record(0x000A, &[]));
    assert_eq!(
        read_stream(&biff5, MAX_WORK).err(),
        Some(ReadError::NotBiff8)
    );
    assert_eq!(read(b"not a workbook").err(), Some(ReadError::Damaged));
    assert_eq!(read(&[]).err(), Some(ReadError::Damaged));
}

#[test]
fn a_small_budget_fails_the_cells_after_it() {
    let mut sheet = Vec::new();
    for row in 0..4 {
        sheet.extend(formula(
            row,
            0,
            &join(&[rel(0, 0), int(1), vec![0x03]]),
            &[],
        ));
    }
    let stream = workbook(&own_supbook(1), &[("S", sheet)]);
    let sheets = read_stream(&stream, 20).unwrap();
    let results: Vec<bool> = sheets[0].cells.iter().map(|c| c.formula.is_ok()).collect();
    assert_eq!(results, [true, false, false, false]);
    assert_eq!(sheets[0].cells[1].formula, Err(FormulaError::OverBudget));
}

/// The shared sample's `.xls` (LibreOffice) gives the formulas its `.xlsx` holds.
#[test]
fn the_sample_xls_gives_the_xlsx_formulas() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/samples/templates/sample_monthly.xls"
    );
    let bytes = std::fs::read(path).unwrap();
    let sheets = read(&bytes).unwrap();
    let all: Vec<(&str, u32, u32, &str)> = sheets
        .iter()
        .flat_map(|s| {
            s.cells
                .iter()
                .map(|c| (s.name.as_str(), c.row, c.col, c.formula.as_deref().unwrap()))
        })
        .collect();
    assert!(all.contains(&(
        "村情",
        13,
        1,
        "IF(项目与走访!G5=0,0,项目与走访!H5/项目与走访!G5)"
    )));
    assert!(all.contains(&("项目与走访", 3, 8, "IF(G4=0,0,H4/G4)")));
    assert!(all.contains(&("项目与走访", 4, 8, "IF(G5=0,0,H5/G5)")));
    assert!(all.contains(&("项目与走访", 4, 6, "SUM(G4:G4)")));
}

// --- Any bytes ---------------------------------------------------------------------------------

mod any_bytes {
    use super::*;
    use proptest::prelude::*;

    /// Tokens biased towards real ones, so that decoding gets past the first byte.
    fn tokens() -> impl Strategy<Value = Vec<u8>> {
        let token = prop_oneof![
            Just(int(1)),
            Just(rel(0, 0)),
            Just(ref3d(1, 2, 3)),
            Just(area(0x2D, 0xFFFF, 1, 0xFE, 2)),
            Just(vec![0x03]),
            Just(vec![0x10]),
            Just(vec![0x15]),
            Just(funcvar(2, 4)),
            Just(funcvar(2, 0xFF)),
            Just(func(0x1B)),
            Just(name(2)),
            Just(namex(4, 1)),
            Just(space(0, 3)),
            Just(vec![0x60, 0, 0, 0, 0, 0, 0, 0]),
            proptest::collection::vec(any::<u8>(), 1..6),
        ];
        proptest::collection::vec(token, 0..40).prop_map(|t| t.concat())
    }

    proptest! {
        #[test]
        fn any_tokens_decode_or_fail_without_panicking(
            rgce in tokens(),
            rgcb in proptest::collection::vec(any::<u8>(), 0..64),
            row in any::<u16>(),
            col in any::<u16>(),
        ) {
            let text = decode_at(&rgce, &rgcb, Origin { row, col });
            if let Ok(text) = text {
                prop_assert!(text.len() <= ptg::MAX_TEXT);
            }
        }

        #[test]
        fn any_damage_to_the_sample_reads_or_fails_without_panicking(
            changes in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..16),
        ) {
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/samples/templates/sample_monthly.xls"
            );
            let bytes = std::fs::read(path).unwrap();
            let mut stream = workbook_stream(&mut Cursor::new(&bytes)).unwrap().unwrap();
            for (at, value) in changes {
                let len = stream.len();
                stream[at % len] = value;
            }
            if let Ok(sheets) = read_stream(&stream, MAX_WORK) {
                prop_assert!(sheets.len() < 100);
            }
        }
    }
}

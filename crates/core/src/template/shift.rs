//! Formula references in Excel's A1 syntax, and how they move when row templates expand
//! (TEMPLATES.md "Placeholders").
//!
//! [`lex`] splits a formula (without its `=`) into tokens, recognising references — `A1`,
//! `$A$1`, `A1:B2`, `F:F`, `5:6`, each optionally behind a sheet, `Sheet!A1` or
//! `'Sheet name'!A1` — and leaving everything else as it is written: string literals (which may
//! hold anything that looks like a reference), function names that look like cells (`LOG10(`),
//! defined names, error literals, references into other workbooks (`[1]Sheet!A1`) and 3-D
//! references (`Sheet1:Sheet3!A1`). The calculator ([`super::calc`]) reads the same tokens.
//!
//! [`shift_formula`] rewrites a formula for the return: a row template written `n` times is as if
//! the clerk had inserted `n - 1` rows under it and filled down. [`RowMap`] says where each row
//! of a sheet lands; [`Placement`] says whether the formula sits on a row template (filled down,
//! its relative rows moving with each copy) or elsewhere (where ranges over a row template grow).

use std::borrow::Cow;

/// Excel's last row, 0-based.
pub(crate) const MAX_ROW: u32 = 1_048_575;
/// Excel's last column (`XFD`), 0-based.
pub(crate) const MAX_COL: u32 = 16_383;

/// One cell of a reference, 0-based, with its `$` anchors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CellRef {
    pub row: u32,
    pub col: u32,
    /// `$` before the row.
    pub row_abs: bool,
    /// `$` before the column.
    pub col_abs: bool,
}

/// What a reference covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Area {
    /// `A1`.
    Cell(CellRef),
    /// `A1:B2`, as written (not normalised).
    Range(CellRef, CellRef),
    /// `A:C`: whole columns, which no row insertion changes.
    Columns {
        first: u32,
        first_abs: bool,
        last: u32,
        last_abs: bool,
    },
    /// `5:6`: whole rows.
    Rows {
        first: u32,
        first_abs: bool,
        last: u32,
        last_abs: bool,
    },
}

/// A reference, with the sheet it names, if any.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reference<'a> {
    /// The sheet prefix exactly as written, without the `!` (`'My sheet'`, `项目与走访`).
    pub prefix: Option<&'a str>,
    /// The sheet's name, unquoted.
    pub sheet: Option<Cow<'a, str>>,
    /// The cells.
    pub area: Area,
}

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind<'a> {
    /// A reference into this workbook.
    Ref(Reference<'a>),
    /// A number literal.
    Number,
    /// A string literal, quotes included.
    Str,
    /// `TRUE` or `FALSE`.
    Bool(bool),
    /// An error literal (`#REF!`, `#DIV/0!`).
    Error,
    /// A function or defined name.
    Name,
    /// An operator, parenthesis or separator.
    Op,
    /// Spaces and line breaks.
    Space,
    /// Anything else, copied as written: references into other workbooks, 3-D references,
    /// structured references, characters the lexer does not know.
    Other,
}

/// A piece of a formula with the exact text it was read from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token<'a> {
    pub kind: TokenKind<'a>,
    pub text: &'a str,
}

/// Error literals, longest first where one starts another.
const ERRORS: [&str; 10] = [
    "#GETTING_DATA",
    "#DIV/0!",
    "#VALUE!",
    "#SPILL!",
    "#CALC!",
    "#NAME?",
    "#NULL!",
    "#NUM!",
    "#REF!",
    "#N/A",
];

/// Whether `c` may continue a name, a cell reference or an unquoted sheet name.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.' || c == '$' || c == '\\'
}

/// The end of the word starting at `start`.
fn word_end(s: &str, start: usize) -> usize {
    s.get(start..)
        .and_then(|rest| rest.find(|c: char| !is_word_char(c)))
        .map_or(s.len(), |n| start + n)
}

fn char_at(s: &str, i: usize) -> Option<char> {
    s.get(i..).and_then(|r| r.chars().next())
}

/// `A`..`XFD` as a 0-based column.
fn column_number(letters: &str) -> Option<u32> {
    if letters.is_empty() || letters.len() > 3 || !letters.bytes().all(|b| b.is_ascii_alphabetic())
    {
        return None;
    }
    let mut n: u32 = 0;
    for b in letters.bytes() {
        n = n * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1;
    }
    (n >= 1 && n - 1 <= MAX_COL).then(|| n - 1)
}

/// `1`..`1048576` as a 0-based row.
fn row_number(digits: &str) -> Option<u32> {
    if digits.is_empty() || digits.len() > 7 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u32 = digits.parse().ok()?;
    (n >= 1 && n - 1 <= MAX_ROW).then(|| n - 1)
}

/// `$A$1`, `A1`, `a$1` as a cell.
fn cell_part(word: &str) -> Option<CellRef> {
    let (col_abs, rest) = strip_dollar(word);
    let split = rest.find(|c: char| !c.is_ascii_alphabetic())?;
    let (letters, rest) = rest.split_at(split);
    let (row_abs, digits) = strip_dollar(rest);
    Some(CellRef {
        col: column_number(letters)?,
        row: row_number(digits)?,
        col_abs,
        row_abs,
    })
}

/// `$A` or `A` as a column.
fn column_part(word: &str) -> Option<(u32, bool)> {
    let (abs, letters) = strip_dollar(word);
    Some((column_number(letters)?, abs))
}

/// `$5` or `5` as a row.
fn row_part(word: &str) -> Option<(u32, bool)> {
    let (abs, digits) = strip_dollar(word);
    Some((row_number(digits)?, abs))
}

fn strip_dollar(word: &str) -> (bool, &str) {
    match word.strip_prefix('$') {
        Some(rest) => (true, rest),
        None => (false, word),
    }
}

/// The reference area starting at `start`, and where it ends: a cell or range not followed by
/// `(` (a function named like a cell) or `!` (a sheet named like one), whole columns or whole
/// rows.
fn area_at(s: &str, start: usize) -> Option<(Area, usize)> {
    let e1 = word_end(s, start);
    let w1 = s.get(start..e1)?;
    let next = char_at(s, e1);
    let second = || {
        if next != Some(':') {
            return None;
        }
        let e2 = word_end(s, e1 + 1);
        let after = char_at(s, e2);
        if matches!(after, Some('(' | '!')) {
            return None;
        }
        Some((s.get(e1 + 1..e2)?, e2))
    };
    if let Some(a) = cell_part(w1) {
        if matches!(next, Some('(' | '!')) {
            return None;
        }
        if let Some((w2, e2)) = second() {
            if let Some(b) = cell_part(w2) {
                return Some((Area::Range(a, b), e2));
            }
        }
        return Some((Area::Cell(a), e1));
    }
    let (w2, e2) = second()?;
    if let (Some((first, first_abs)), Some((last, last_abs))) = (column_part(w1), column_part(w2)) {
        return Some((
            Area::Columns {
                first,
                first_abs,
                last,
                last_abs,
            },
            e2,
        ));
    }
    if let (Some((first, first_abs)), Some((last, last_abs))) = (row_part(w1), row_part(w2)) {
        return Some((
            Area::Rows {
                first,
                first_abs,
                last,
                last_abs,
            },
            e2,
        ));
    }
    None
}

/// The end of the quoted name starting at `start` (on its `'`), past the closing quote; `''`
/// inside is an escaped quote.
fn quoted_end(s: &str, start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        let rest = s.get(i..)?;
        let q = rest.find('\'')?;
        i += q + 1;
        if char_at(s, i) == Some('\'') {
            i += 1;
        } else {
            return Some(i);
        }
    }
}

/// The end of the string literal starting at `start` (on its `"`); an unclosed literal runs to
/// the end.
fn string_end(s: &str, start: usize) -> usize {
    let mut i = start + 1;
    loop {
        let Some(q) = s.get(i..).and_then(|r| r.find('"')) else {
            return s.len();
        };
        i += q + 1;
        if char_at(s, i) == Some('"') {
            i += 1;
        } else {
            return i;
        }
    }
}

/// The end of the bracketed group starting at `start` (on its `[`), nested groups included.
fn bracket_end(s: &str, start: usize) -> usize {
    let mut depth = 0usize;
    for (i, c) in s.get(start..).unwrap_or("").char_indices() {
        match c {
            '[' => depth += 1,
            ']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return start + i + 1;
                }
            }
            _ => {}
        }
    }
    s.len()
}

/// The end of the number literal starting at `start`.
fn number_end(s: &str, start: usize) -> usize {
    let bytes = s.as_bytes();
    let mut i = start;
    let digits = |mut i: usize| {
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    i = digits(i);
    if bytes.get(i) == Some(&b'.') {
        i = digits(i + 1);
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(bytes.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if bytes.get(j).is_some_and(u8::is_ascii_digit) {
            i = digits(j);
        }
    }
    i
}

/// Splits a formula (without its `=`) into tokens whose texts, joined, give the formula back.
pub(crate) fn lex(formula: &str) -> Vec<Token<'_>> {
    let s = formula;
    let mut tokens: Vec<Token<'_>> = Vec::new();
    let mut i = 0;
    // Set right after a `[…]` group: a sheet reference glued to it is in another workbook.
    let mut external = false;
    while let Some(c) = char_at(s, i) {
        let start = i;
        let (kind, end): (TokenKind<'_>, usize) = if c.is_whitespace() {
            let end = s
                .get(i..)
                .and_then(|r| r.find(|c: char| !c.is_whitespace()))
                .map_or(s.len(), |n| i + n);
            (TokenKind::Space, end)
        } else if c == '"' {
            (TokenKind::Str, string_end(s, i))
        } else if c == '[' {
            let end = bracket_end(s, i);
            tokens.push(Token {
                kind: TokenKind::Other,
                text: s.get(start..end).unwrap_or(""),
            });
            i = end;
            external = true;
            continue;
        } else if c == '\'' {
            match quoted_end(s, i) {
                Some(q) if char_at(s, q) == Some('!') => {
                    let prefix = s.get(i..q).unwrap_or("");
                    let name = prefix.get(1..prefix.len().saturating_sub(1)).unwrap_or("");
                    let name = if name.contains("''") {
                        Cow::Owned(name.replace("''", "'"))
                    } else {
                        Cow::Borrowed(name)
                    };
                    sheet_reference(s, q, prefix, name, external)
                }
                Some(q) => (TokenKind::Other, q),
                None => (TokenKind::Other, s.len()),
            }
        } else if c == '#' {
            let rest = s.get(i..).unwrap_or("");
            match ERRORS.iter().find(|e| {
                rest.get(..e.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(e))
            }) {
                Some(e) => (TokenKind::Error, i + e.len()),
                None => (TokenKind::Op, i + 1),
            }
        } else if c.is_ascii_digit()
            || (c == '.' && s.as_bytes().get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            match area_at(s, i) {
                Some((area @ Area::Rows { .. }, end)) => (
                    TokenKind::Ref(Reference {
                        prefix: None,
                        sheet: None,
                        area,
                    }),
                    end,
                ),
                _ => (TokenKind::Number, number_end(s, i).max(i + 1)),
            }
        } else if c == '$' || c == '_' || c == '\\' || c.is_alphabetic() {
            let e = word_end(s, i);
            let word = s.get(i..e).unwrap_or("");
            match char_at(s, e) {
                Some('!') => sheet_reference(s, e, word, Cow::Borrowed(word), external),
                // A name that reads as a cell is not a sheet name (Excel would quote it).
                Some(':') if cell_part(word).is_none() && three_d_end(s, e).is_some() => {
                    (TokenKind::Other, three_d_end(s, e).unwrap_or(s.len()))
                }
                _ => match area_at(s, i) {
                    Some((area, end)) => (
                        TokenKind::Ref(Reference {
                            prefix: None,
                            sheet: None,
                            area,
                        }),
                        end,
                    ),
                    None if word.eq_ignore_ascii_case("TRUE") && char_at(s, e) != Some('(') => {
                        (TokenKind::Bool(true), e)
                    }
                    None if word.eq_ignore_ascii_case("FALSE") && char_at(s, e) != Some('(') => {
                        (TokenKind::Bool(false), e)
                    }
                    None => (TokenKind::Name, e.max(i + c.len_utf8())),
                },
            }
        } else {
            let two = s.get(i..i + 2);
            if matches!(two, Some("<=" | ">=" | "<>")) {
                (TokenKind::Op, i + 2)
            } else {
                (TokenKind::Op, i + c.len_utf8())
            }
        };
        external = false;
        let end = end.max(start + c.len_utf8()).min(s.len());
        tokens.push(Token {
            kind,
            text: s.get(start..end).unwrap_or(""),
        });
        i = end;
    }
    tokens
}

/// The token for a sheet prefix `prefix` ending on the `!` at `bang` and the area after it; a
/// prefix with no area after it, or glued to a `[…]` group, is copied as written.
fn sheet_reference<'a>(
    s: &'a str,
    bang: usize,
    prefix: &'a str,
    name: Cow<'a, str>,
    external: bool,
) -> (TokenKind<'a>, usize) {
    match area_at(s, bang + 1) {
        Some((_, end)) if external => (TokenKind::Other, end),
        Some((area, end)) => (
            TokenKind::Ref(Reference {
                prefix: Some(prefix),
                sheet: Some(name),
                area,
            }),
            end,
        ),
        None => (TokenKind::Other, bang + 1),
    }
}

/// For a word ending at `colon` (on a `:`), the end of a 3-D reference `Sheet1:Sheet3!A1` if
/// that is what follows.
fn three_d_end(s: &str, colon: usize) -> Option<usize> {
    let e2 = word_end(s, colon + 1);
    if e2 == colon + 1 || char_at(s, e2) != Some('!') {
        return None;
    }
    Some(area_at(s, e2 + 1).map_or(e2 + 1, |(_, end)| end))
}

/// Column letters for a 0-based column.
pub(crate) fn column_letters(col: u32) -> String {
    let mut n = u64::from(col) + 1;
    let mut letters = Vec::with_capacity(3);
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(char::from(b'A' + rem));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// Where the rows of one sheet land in the return.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RowMap {
    /// Each row template's row and the rows inserted under it (copies − 1), by row.
    expansions: Vec<(u32, u32)>,
}

impl RowMap {
    /// A map from each row template's row and the number of times it is written (at least 1).
    pub(crate) fn new(row_templates: impl IntoIterator<Item = (u32, u32)>) -> RowMap {
        let mut expansions: Vec<(u32, u32)> = row_templates
            .into_iter()
            .map(|(row, copies)| (row, copies.saturating_sub(1)))
            .collect();
        expansions.sort_unstable();
        expansions.dedup_by_key(|(row, _)| *row);
        RowMap { expansions }
    }

    /// The return row of template row `row`; for a row template, its first copy.
    pub(crate) fn first(&self, row: u32) -> u64 {
        let inserted: u64 = self
            .expansions
            .iter()
            .take_while(|(t, _)| *t < row)
            .map(|(_, extra)| u64::from(*extra))
            .sum();
        u64::from(row) + inserted
    }

    /// The return row of template row `row`; for a row template, its last copy.
    pub(crate) fn last(&self, row: u32) -> u64 {
        let extra = self
            .expansions
            .iter()
            .find(|(t, _)| *t == row)
            .map_or(0, |(_, extra)| u64::from(*extra));
        self.first(row) + extra
    }
}

/// Where a formula sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    /// Outside every row template: ranges over a row template grow.
    Outside,
    /// On the row template at `row` (template row, 0-based), written for the copy `offset`
    /// (0 for the first): filled down.
    OnRowTemplate { row: u32, offset: u32 },
}

/// The sheets of a workbook with their row maps, to resolve references by sheet name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sheets<'m> {
    /// Every sheet's name and row map, in workbook order.
    pub maps: &'m [(String, RowMap)],
}

impl<'m> Sheets<'m> {
    /// The index of the sheet called `name`; Excel compares sheet names without regard to case.
    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        self.maps.iter().position(|(n, _)| n == name).or_else(|| {
            let lower = name.to_lowercase();
            self.maps
                .iter()
                .position(|(n, _)| n.to_lowercase() == lower)
        })
    }
}

/// Rewrites the lexed formula of a cell on sheet `own` for the return, as TEMPLATES.md says:
/// references to rows below a row template move down with those rows (anchored or not), a range
/// containing a row template's row grows over its copies, any other reference to a row
/// template's row points at its first copy; a formula on a row template is filled down (its
/// relative rows move by the copy's offset, `$` rows stay, and its own row does not grow).
/// References to sheets the workbook does not have are left as written; one pushed past Excel's
/// last row becomes `#REF!`.
pub(crate) fn shift_formula(
    tokens: &[Token<'_>],
    sheets: Sheets<'_>,
    own: usize,
    placement: Placement,
) -> String {
    let mut out = String::with_capacity(tokens.iter().map(|t| t.text.len()).sum::<usize>() + 8);
    for token in tokens {
        let TokenKind::Ref(reference) = &token.kind else {
            out.push_str(token.text);
            continue;
        };
        let target = match &reference.sheet {
            None => Some(own),
            Some(name) => sheets.find(name),
        };
        let Some((target, (_, map))) = target.and_then(|t| sheets.maps.get(t).map(|m| (t, m)))
        else {
            out.push_str(token.text);
            continue;
        };
        let (own_row, offset) = match placement {
            Placement::Outside => (None, 0),
            Placement::OnRowTemplate { row, offset } => ((target == own).then_some(row), offset),
        };
        match shift_area(reference.area, map, own_row, offset) {
            Some(area) => {
                if let Some(prefix) = reference.prefix {
                    out.push_str(prefix);
                    out.push('!');
                }
                write_area(&mut out, area);
            }
            None => out.push_str("#REF!"),
        }
    }
    out
}

/// Moves one area of a formula outside every row template (a print area, print titles).
pub(crate) fn shift_area_outside(area: Area, map: &RowMap) -> Option<Area> {
    shift_area(area, map, None, 0)
}

/// Moves one area; `own_row` is the row template a filled-down formula sits on when the area is
/// on its sheet, `offset` the copy's offset.
fn shift_area(area: Area, map: &RowMap, own_row: Option<u32>, offset: u32) -> Option<Area> {
    let fill = |row: u64, abs: bool| -> Option<u32> {
        let row = if abs { row } else { row + u64::from(offset) };
        u32::try_from(row).ok().filter(|r| *r <= MAX_ROW)
    };
    // The bottom of a range grows over a row template's copies, except the filled-down
    // formula's own row, which each copy sees as its own.
    let bottom = |row: u32| {
        if own_row == Some(row) {
            map.first(row)
        } else {
            map.last(row)
        }
    };
    match area {
        Area::Cell(c) => Some(Area::Cell(CellRef {
            row: fill(map.first(c.row), c.row_abs)?,
            ..c
        })),
        Area::Range(a, b) => {
            // Excel reads `A6:A1` as `A1:A6`.
            let (top, low) = if a.row <= b.row {
                ((a.row, a.row_abs), (b.row, b.row_abs))
            } else {
                ((b.row, b.row_abs), (a.row, a.row_abs))
            };
            Some(Area::Range(
                CellRef {
                    row: fill(map.first(top.0), top.1)?,
                    row_abs: top.1,
                    ..a
                },
                CellRef {
                    row: fill(bottom(low.0), low.1)?,
                    row_abs: low.1,
                    ..b
                },
            ))
        }
        Area::Columns { .. } => Some(area),
        Area::Rows {
            first,
            first_abs,
            last,
            last_abs,
        } => {
            let (top, low) = if first <= last {
                ((first, first_abs), (last, last_abs))
            } else {
                ((last, last_abs), (first, first_abs))
            };
            Some(Area::Rows {
                first: fill(map.first(top.0), top.1)?,
                first_abs: top.1,
                last: fill(bottom(low.0), low.1)?,
                last_abs: low.1,
            })
        }
    }
}

/// Writes an area in A1 notation, with its anchors.
pub(crate) fn write_area(out: &mut String, area: Area) {
    let cell = |out: &mut String, c: CellRef| {
        if c.col_abs {
            out.push('$');
        }
        out.push_str(&column_letters(c.col));
        if c.row_abs {
            out.push('$');
        }
        out.push_str(&(u64::from(c.row) + 1).to_string());
    };
    match area {
        Area::Cell(c) => cell(out, c),
        Area::Range(a, b) => {
            cell(out, a);
            out.push(':');
            cell(out, b);
        }
        Area::Columns {
            first,
            first_abs,
            last,
            last_abs,
        } => {
            for (i, (col, abs)) in [(first, first_abs), (last, last_abs)]
                .into_iter()
                .enumerate()
            {
                if i > 0 {
                    out.push(':');
                }
                if abs {
                    out.push('$');
                }
                out.push_str(&column_letters(col));
            }
        }
        Area::Rows {
            first,
            first_abs,
            last,
            last_abs,
        } => {
            for (i, (row, abs)) in [(first, first_abs), (last, last_abs)]
                .into_iter()
                .enumerate()
            {
                if i > 0 {
                    out.push(':');
                }
                if abs {
                    out.push('$');
                }
                out.push_str(&(u64::from(row) + 1).to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The references the lexer finds, written back in A1 with their sheets.
    fn refs(formula: &str) -> Vec<String> {
        lex(formula)
            .into_iter()
            .filter_map(|t| match t.kind {
                TokenKind::Ref(r) => {
                    let mut s = r.sheet.map(|n| format!("{n}!")).unwrap_or_default();
                    write_area(&mut s, r.area);
                    Some(s)
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn lexing_gives_the_formula_back() {
        for f in [
            "SUM(A1:B2)+'My sheet'!$C$3*项目与走访!G5",
            "IF(A1=\"B2\",LOG10(C3),#REF!)",
            "[1]Sheet1!A1+Sheet1:Sheet3!B2",
            "  A1 \n+ 1.5E+3 - .5%",
            "\"unclosed A1",
            "'unclosed A1",
            "Table1[[#This Row],[Col A1]]",
            "A1#",
            "",
        ] {
            let joined: String = lex(f).iter().map(|t| t.text).collect();
            assert_eq!(joined, f);
        }
    }

    #[test]
    fn references_are_found_and_nothing_else() {
        for (formula, expected) in [
            ("SUM(A1:B2)", vec!["A1:B2"]),
            ("$A$1+a$1+$a1", vec!["$A$1", "A$1", "$A1"]),
            ("'Sheet name'!A1", vec!["Sheet name!A1"]),
            ("'It''s'!A1", vec!["It's!A1"]),
            ("Sheet!$A$1:$B$2", vec!["Sheet!$A$1:$B$2"]),
            (
                "项目与走访!G5/项目与走访!H5",
                vec!["项目与走访!G5", "项目与走访!H5"],
            ),
            ("SUM(F:F)+SUM($A:$C)", vec!["F:F", "$A:$C"]),
            ("SUM(5:6)+SUM($1:$3)", vec!["5:6", "$1:$3"]),
            ("\"A1\"&B2", vec!["B2"]),
            ("\"say \"\"A1\"\"\"&B2", vec!["B2"]),
            ("LOG10(100)+ATAN2(1,2)", vec![]),
            ("XFD1+XFE1+A1048576+A1048577+A0", vec!["XFD1", "A1048576"]),
            ("TRUE+FALSE+TaxRate+_xlfn.STDEV.S(A1:A3)", vec!["A1:A3"]),
            ("#REF!+#DIV/0!+#N/A", vec![]),
            ("[1]Sheet1!A1+[Book.xlsx]Sheet1!B2", vec![]),
            ("Sheet1:Sheet3!B2+C3", vec!["C3"]),
            ("R1C1", vec![]),
            ("1.5E+3*A1", vec!["A1"]),
            ("A1:Sheet2!B2", vec!["A1", "Sheet2!B2"]),
        ] {
            assert_eq!(refs(formula), expected, "{formula}");
        }
    }

    /// A workbook of two sheets: `S` with row templates on rows 6 (10 copies) and 9 (3 copies),
    /// `项目与走访` with one on row 4 (3 copies). Rows are 1-based in `row_templates`.
    fn book() -> Vec<(String, RowMap)> {
        vec![
            ("S".to_string(), RowMap::new([(5, 10), (8, 3)])),
            ("项目与走访".to_string(), RowMap::new([(3, 3)])),
            ("Empty list".to_string(), RowMap::new([(1, 1)])),
        ]
    }

    /// The formula rewritten on sheet `S`, outside any row template.
    fn outside(formula: &str) -> String {
        let maps = book();
        shift_formula(&lex(formula), Sheets { maps: &maps }, 0, Placement::Outside)
    }

    /// The formula on row template `row` (1-based) of sheet `S`, for copy `offset`.
    fn on_row(formula: &str, row: u32, offset: u32) -> String {
        let maps = book();
        shift_formula(
            &lex(formula),
            Sheets { maps: &maps },
            0,
            Placement::OnRowTemplate {
                row: row - 1,
                offset,
            },
        )
    }

    fn check(cases: &[(&str, &str)], shift: impl Fn(&str) -> String) {
        for (input, expected) in cases {
            assert_eq!(shift(input), *expected, "{input}");
        }
    }

    #[test]
    fn ranges_over_a_row_template_grow() {
        check(
            &[
                ("SUM(H6:H6)", "SUM(H6:H15)"),
                ("SUM(H5:H6)", "SUM(H5:H15)"),
                ("SUM($H$6:$H$6)", "SUM($H$6:$H$15)"),
                ("SUM(H6:H7)", "SUM(H6:H16)"),
                ("SUM(H1:H20)", "SUM(H1:H31)"),
                // Both row templates inside: grows by both.
                ("SUM(H6:H9)", "SUM(H6:H20)"),
                // Written bottom-up, as Excel reads it.
                ("SUM(H6:H5)", "SUM(H5:H15)"),
                ("SUM(6:6)", "SUM(6:15)"),
                ("COUNTA(C9:C9)", "COUNTA(C18:C20)"),
            ],
            outside,
        );
    }

    #[test]
    fn single_references_to_a_row_template_point_at_its_first_copy() {
        check(
            &[
                ("H6", "H6"),
                ("$H$6*2", "$H$6*2"),
                ("H9", "H18"),
                ("H6:J6", "H6:J15"),
            ],
            outside,
        );
    }

    #[test]
    fn rows_below_move_anchored_or_not() {
        check(
            &[
                ("H7", "H16"),
                ("$H$7", "$H$16"),
                ("H$10+$H10", "H$21+$H21"),
                ("SUM(H7:H8)", "SUM(H16:H17)"),
                ("SUM(7:8)", "SUM(16:17)"),
                // Rows above every row template stay.
                ("H5+$A$1", "H5+$A$1"),
                // Whole columns cover every row already.
                ("SUM(H:H)", "SUM(H:H)"),
            ],
            outside,
        );
    }

    #[test]
    fn references_across_sheets_follow_the_other_sheet() {
        check(
            &[
                ("项目与走访!G5", "项目与走访!G7"),
                (
                    "IF(项目与走访!G5=0,0,项目与走访!H5/项目与走访!G5)",
                    "IF(项目与走访!G7=0,0,项目与走访!H7/项目与走访!G7)",
                ),
                ("SUM(项目与走访!G4:G4)", "SUM(项目与走访!G4:G6)"),
                ("'项目与走访'!$G$5", "'项目与走访'!$G$7"),
                // A one-copy row template (an empty collection) moves nothing.
                ("'Empty list'!A3", "'Empty list'!A3"),
                // Case does not matter to Excel.
                ("s!H7", "s!H16"),
                // Sheets the workbook does not have, other workbooks, 3-D references: as written.
                ("Nowhere!H7", "Nowhere!H7"),
                ("[1]S!H7", "[1]S!H7"),
                ("S:项目与走访!H7", "S:项目与走访!H7"),
            ],
            outside,
        );
    }

    #[test]
    fn formulas_on_a_row_template_are_filled_down() {
        let cases: &[(&str, u32, u32, &str)] = &[
            ("G6/F6", 6, 0, "G6/F6"),
            ("G6/F6", 6, 1, "G7/F7"),
            ("G6/F6", 6, 9, "G15/F15"),
            ("SUM(F$6:F6)", 6, 0, "SUM(F$6:F6)"),
            ("SUM(F$6:F6)", 6, 4, "SUM(F$6:F10)"),
            ("$G$6+G$6+$G6", 6, 2, "$G$6+G$6+$G8"),
            // A row above moves with the fill; a row below moves with the rows and the fill.
            ("G5", 6, 3, "G8"),
            ("G7", 6, 3, "G19"),
            ("$G$7", 6, 3, "$G$16"),
            // Another row template's rows, and other sheets, fill down too.
            ("H9", 6, 1, "H19"),
            ("项目与走访!G5", 6, 1, "项目与走访!G8"),
            ("项目与走访!$G$5", 6, 1, "项目与走访!$G$7"),
            // On the second row template, the first has grown above it.
            ("IF(C9=\"\",\"\",D9*2)", 9, 0, "IF(C18=\"\",\"\",D18*2)"),
            ("IF(C9=\"\",\"\",D9*2)", 9, 2, "IF(C20=\"\",\"\",D20*2)"),
            ("SUM(C$9:C9)", 9, 1, "SUM(C$18:C19)"),
            ("SUM(H6:H6)", 9, 0, "SUM(H6:H15)"),
            ("SUM(H:H)", 6, 3, "SUM(H:H)"),
        ];
        for (formula, row, offset, expected) in cases {
            assert_eq!(
                on_row(formula, *row, *offset),
                *expected,
                "{formula} on row {row}, copy {offset}"
            );
        }
    }

    #[test]
    fn strings_and_names_are_left_alone() {
        check(
            &[
                ("\"H7\"&H7", "\"H7\"&H16"),
                ("LOG10(H7)", "LOG10(H16)"),
                ("TaxRate*H7", "TaxRate*H16"),
                ("Table1[H7]", "Table1[H7]"),
                ("#REF!+H7", "#REF!+H16"),
            ],
            outside,
        );
    }

    #[test]
    fn a_reference_pushed_past_the_last_row_is_ref() {
        let maps = vec![("S".to_string(), RowMap::new([(0, 1_048_576)]))];
        let shifted = shift_formula(
            &lex("A1+A2+SUM(A1:A1)"),
            Sheets { maps: &maps },
            0,
            Placement::Outside,
        );
        assert_eq!(shifted, "A1+#REF!+SUM(A1:A1048576)");
    }

    #[test]
    fn row_maps_place_every_row() {
        let map = RowMap::new([(5, 10), (8, 3), (2, 1)]);
        let placed: Vec<(u64, u64)> = (0..12).map(|r| (map.first(r), map.last(r))).collect();
        assert_eq!(
            placed,
            [
                (0, 0),
                (1, 1),
                (2, 2),
                (3, 3),
                (4, 4),
                (5, 14),
                (15, 15),
                (16, 16),
                (17, 19),
                (20, 20),
                (21, 21),
                (22, 22)
            ]
        );
    }

    #[test]
    fn columns_are_lettered() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(MAX_COL), "XFD");
        assert_eq!(column_number("xfd"), Some(MAX_COL));
        assert_eq!(column_number("XFE"), None);
    }
}

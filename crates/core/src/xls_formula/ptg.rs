//! The token decoder: a formula's `rgce` (MS-XLS 2.5.198.103 Rgce), a sequence of Ptgs in
//! reverse Polish order, with its `rgcb` extra data (2.5.198.104 RgbExtra), turned into formula
//! text.
//!
//! Operands push text on a stack; operators and functions pop their operands and push the
//! result. The stack is bounded ([`MAX_STACK`]) and so is every text ([`MAX_TEXT`]); the loop is
//! flat (no recursion), and every byte is read through [`Bytes`], which fails instead of
//! reading past the end. A formula that does not decode to exactly one expression fails.
//!
//! Facts relied on, by token:
//!
//! - The first byte of a Ptg names it. Operand tokens from 0x20 on come in three classes
//!   (reference 0x20–0x3F, value 0x40–0x5F, array 0x60–0x7F) that read and print alike.
//! - Binary operators 0x03–0x11 (`+ - * / ^ & < <= = >= > <>`, intersection as a space, union
//!   as `,`, range as `:`), unary 0x12 (`+`), 0x13 (`-`), 0x14 (`%`), and PtgParen 0x15: the
//!   parentheses the formula was written with, so none are added for precedence. A union is
//!   wrapped in parentheses where it stands as an argument or an operand of another operator,
//!   as Excel writes it, unless a PtgParen already does.
//! - PtgAttr 0x19: PtgAttrSum (0x10) is `SUM` of one argument; PtgAttrSpace (0x40, 0x41)
//!   holds spaces or line breaks (2.5.198.40) for the token right after it: before an operand,
//!   an operator or a function name (types 0, 1, 6), before the `(` of a PtgParen (2, 3), or
//!   before the `)` of a PtgParen or a function (4, 5). Line breaks are written `\n`, as an
//!   `.xlsx` stores them. PtgAttrIf, PtgAttrChoose (with its jump table), PtgAttrGoto,
//!   PtgAttrSemi and PtgAttrBaxcel only guide evaluation and print nothing.
//! - PtgFunc 0x21 calls a function of fixed arity ([`super::functions`]); PtgFuncVar 0x22 gives
//!   the count. Function 0x00FF is a user-defined or add-in function: its first argument, a
//!   PtgNameX or PtgName, names it.
//! - References: PtgRef/PtgArea hold absolute coordinates with fColRel (bit 14) and fRwRel
//!   (bit 15) in the column word, whose low 14 bits are the column. PtgRefN/PtgAreaN (shared
//!   formulas) hold offsets from the cell the formula is used in where those bits are set: a
//!   signed 16-bit row offset and a signed 8-bit column offset (the column word's low byte),
//!   both wrapping around the 65,536 × 256 sheet. An area from row 1 to row 65,536 is a whole
//!   column (`A:A`), from column A to IV a whole row (`1:1`).
//! - 3-D tokens (PtgRef3d, PtgArea3d, PtgRefErr3d, PtgAreaErr3d, PtgNameX) start with an XTI
//!   index ([`super::globals`]). A reference to a deleted sheet prints `#REF!` for the sheet.
//! - PtgArray 0x20 takes its values from the next PtgExtraArray in `rgcb` (2.5.198.59): columns
//!   minus one (1 byte), rows minus one (2 bytes), then each value row by row as a SerAr of
//!   9 bytes (number, boolean, error, empty) or a string; printed `{1,2;3,4}`. PtgMemArea takes
//!   a PtgExtraMem (a count and that many 8-byte areas), which prints nothing.
//! - PtgMemArea, PtgMemErr, PtgMemNoMem, PtgMemFunc and their N forms only announce how long
//!   the subexpression after them is; the subexpression's own tokens are decoded as usual.
//! - PtgExp and PtgTbl stand alone in a cell's formula and are resolved by the caller
//!   ([`super`]); anywhere else, like the natural-language tokens behind 0x18, they fail the
//!   formula.

use super::functions::{function, Arity};
use super::globals::{self, Globals, SupBook, SupBookKind, Xti, DELETED_SHEET, WORKBOOK_LEVEL};
use super::text;
use super::{Budget, FormulaError};

/// The most expressions the stack may hold. Excel caps a formula's tokens at 1,800 bytes and
/// its nesting at 64 levels, so a real formula stays far below.
pub(super) const MAX_STACK: usize = 1024;

/// The longest text a formula may decode to, in bytes. Excel's limit is 8,192 characters.
pub(super) const MAX_TEXT: usize = 64 * 1024;

/// Functions that BIFF8 stores as add-in or future functions named `_xlfn.…`, but that an
/// `.xlsx` writes without the prefix because OOXML has them natively (they are Excel 2007's).
/// Later functions keep the prefix in an `.xlsx` too (`_xlfn.IFNA`), and so here.
const NATIVE_IN_OOXML: [&str; 5] = ["IFERROR", "SUMIFS", "COUNTIFS", "AVERAGEIF", "AVERAGEIFS"];

/// The cell a formula is decoded for: what relative tokens (PtgRefN, PtgAreaN) are offsets from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Origin {
    pub row: u16,
    pub col: u16,
}

/// Decodes `rgce` and its extra data `rgcb` into formula text without the leading `=`.
///
/// # Errors
///
/// A [`FormulaError`] for tokens that are malformed, unknown, unbalanced, or point at names,
/// sheets or functions the workbook does not have.
pub(super) fn decode(
    rgce: &[u8],
    rgcb: &[u8],
    globals: &Globals,
    origin: Origin,
    budget: &mut Budget,
) -> Result<String, FormulaError> {
    budget.spend(rgce.len().saturating_add(rgcb.len()))?;
    let mut d = Decoder {
        globals,
        origin,
        stack: Vec::new(),
        spaces: Spaces::default(),
        budget,
    };
    let mut tokens = Bytes::new(rgce);
    let mut extra = Bytes::new(rgcb);
    while !tokens.is_empty() {
        let ptg = tokens.u8()?;
        d.token(ptg, &mut tokens, &mut extra)?;
    }
    let last = d.stack.pop().ok_or(FormulaError::Unbalanced)?;
    if !d.stack.is_empty() {
        return Err(FormulaError::Unbalanced);
    }
    let mut out = d.wrapped(last)?;
    let trailing = std::mem::take(&mut d.spaces);
    d.append(
        &mut out,
        &[&trailing.before, &trailing.open, &trailing.close],
    )?;
    Ok(out)
}

/// What an expression on the stack is, where that changes how it is printed.
#[derive(Debug)]
enum Kind {
    Plain,
    /// A union not yet in parentheses.
    Union,
    /// A defined, external or add-in name: it may name the function of a PtgFuncVar 0x00FF.
    Name(String),
}

#[derive(Debug)]
struct Expr {
    text: String,
    kind: Kind,
}

/// Whitespace from PtgAttrSpace waiting for the token it belongs to.
#[derive(Debug, Default)]
struct Spaces {
    before: String,
    open: String,
    close: String,
}

struct Decoder<'g, 'b> {
    globals: &'g Globals,
    origin: Origin,
    stack: Vec<Expr>,
    spaces: Spaces,
    budget: &'b mut Budget,
}

impl Decoder<'_, '_> {
    fn token(
        &mut self,
        ptg: u8,
        tokens: &mut Bytes<'_>,
        extra: &mut Bytes<'_>,
    ) -> Result<(), FormulaError> {
        match ptg {
            0x03..=0x11 => self.binary(ptg),
            0x12 => self.prefix("+"),
            0x13 => self.prefix("-"),
            0x14 => self.percent(),
            0x15 => self.paren(),
            // PtgMissArg: an argument left out.
            0x16 => self.operand(String::new(), Kind::Plain),
            0x17 => {
                let count = usize::from(tokens.u8()?);
                let high_byte = tokens.u8()? & 1 != 0;
                let s = tokens.chars(count, high_byte)?;
                self.operand(text::string(&s), Kind::Plain)
            }
            0x19 => self.attr(tokens),
            0x1C => {
                let literal = text::error(tokens.u8()?).ok_or(FormulaError::BadValue)?;
                self.operand(literal.to_string(), Kind::Plain)
            }
            0x1D => {
                let literal = if tokens.u8()? == 0 { "FALSE" } else { "TRUE" };
                self.operand(literal.to_string(), Kind::Plain)
            }
            0x1E => {
                let n = tokens.u16()?;
                self.operand(n.to_string(), Kind::Plain)
            }
            0x1F => {
                let n = text::number(tokens.f64()?).ok_or(FormulaError::BadValue)?;
                self.operand(n, Kind::Plain)
            }
            0x20..=0x7F => self.classed(ptg & 0x1F | 0x20, tokens, extra),
            0x01 | 0x02 | 0x18 => Err(FormulaError::Unsupported(ptg)),
            _ => Err(FormulaError::UnknownToken(ptg)),
        }
    }

    /// A token of the classed range, by its reference-class value (0x20–0x3F).
    fn classed(
        &mut self,
        base: u8,
        tokens: &mut Bytes<'_>,
        extra: &mut Bytes<'_>,
    ) -> Result<(), FormulaError> {
        match base {
            // PtgArray: seven unused bytes; the values are in rgcb.
            0x20 => {
                tokens.skip(7)?;
                let array = self.array(extra)?;
                self.operand(array, Kind::Plain)
            }
            0x21 => {
                let iftab = tokens.u16()?;
                let f = function(iftab).ok_or(FormulaError::UnknownFunction(iftab))?;
                let Arity::Fixed(argc) = f.arity else {
                    return Err(FormulaError::UnknownFunction(iftab));
                };
                self.call(f.name, usize::from(argc))
            }
            0x22 => {
                let argc = usize::from(tokens.u8()?);
                let tab = tokens.u16()?;
                if tab & 0x8000 != 0 {
                    // fCeFunc: a macro-sheet command (Cetab), not a worksheet function.
                    return Err(FormulaError::UnknownFunction(tab));
                }
                if tab == 0x00FF {
                    return self.user_function(argc);
                }
                let f = function(tab).ok_or(FormulaError::UnknownFunction(tab))?;
                self.call(f.name, argc)
            }
            0x23 => {
                let iname = tokens.u16()?;
                tokens.skip(2)?;
                let name = self.defined_name(iname)?.name.clone();
                self.operand(name.clone(), Kind::Name(name))
            }
            0x24 | 0x2C => {
                let (rw, col) = (tokens.u16()?, tokens.u16()?);
                let r = self.cell(rw, col, base == 0x2C);
                self.operand(r, Kind::Plain)
            }
            0x25 | 0x2D => {
                let area = self.area(tokens, base == 0x2D)?;
                self.operand(area, Kind::Plain)
            }
            // PtgMemArea: four unused bytes and the subexpression's length; its areas are in
            // rgcb as a PtgExtraMem.
            0x26 => {
                tokens.skip(6)?;
                let count = usize::from(extra.u16()?);
                extra.skip(count.saturating_mul(8))
            }
            // PtgMemErr, PtgMemNoMem: four unused bytes and the length.
            0x27 | 0x28 => tokens.skip(6),
            // PtgMemFunc, PtgMemAreaN, PtgMemNoMemN: the length only.
            0x29 | 0x2E | 0x2F => tokens.skip(2),
            0x2A => {
                tokens.skip(4)?;
                self.operand("#REF!".to_string(), Kind::Plain)
            }
            0x2B => {
                tokens.skip(8)?;
                self.operand("#REF!".to_string(), Kind::Plain)
            }
            0x39 => {
                let ixti = tokens.u16()?;
                let index = tokens.u16()?;
                tokens.skip(2)?;
                let (text, name) = self.extern_name(ixti, index)?;
                self.operand(text, Kind::Name(name))
            }
            0x3A => {
                let prefix = self.sheets(tokens.u16()?)?;
                let (rw, col) = (tokens.u16()?, tokens.u16()?);
                let r = self.cell(rw, col, false);
                self.operand(prefix + &r, Kind::Plain)
            }
            0x3B => {
                let prefix = self.sheets(tokens.u16()?)?;
                let area = self.area(tokens, false)?;
                self.operand(prefix + &area, Kind::Plain)
            }
            0x3C | 0x3D => {
                let prefix = self.sheets(tokens.u16()?)?;
                tokens.skip(if base == 0x3C { 4 } else { 8 })?;
                self.operand(prefix + "#REF!", Kind::Plain)
            }
            _ => Err(FormulaError::UnknownToken(base)),
        }
    }

    /// PtgAttr: its kind byte, then the kind's fields.
    fn attr(&mut self, tokens: &mut Bytes<'_>) -> Result<(), FormulaError> {
        match tokens.u8()? {
            // Semi (volatile), If, Goto, Baxcel: two bytes of offset or nothing.
            0x01 | 0x02 | 0x08 | 0x20 | 0x21 => tokens.skip(2),
            // Choose: a count, then count + 1 jump offsets.
            0x04 => {
                let count = usize::from(tokens.u16()?);
                tokens.skip(count.saturating_add(1).saturating_mul(2))
            }
            0x10 => {
                tokens.skip(2)?;
                self.call("SUM", 1)
            }
            0x40 | 0x41 => {
                let kind = tokens.u8()?;
                let count = usize::from(tokens.u8()?);
                let (target, ch) = match kind {
                    0x00 | 0x06 => (&mut self.spaces.before, ' '),
                    0x01 => (&mut self.spaces.before, '\n'),
                    0x02 => (&mut self.spaces.open, ' '),
                    0x03 => (&mut self.spaces.open, '\n'),
                    0x04 => (&mut self.spaces.close, ' '),
                    0x05 => (&mut self.spaces.close, '\n'),
                    _ => return Err(FormulaError::BadValue),
                };
                if target.len() + count > MAX_TEXT {
                    return Err(FormulaError::TooLong);
                }
                target.extend(std::iter::repeat_n(ch, count));
                self.budget.spend(count)
            }
            other => Err(FormulaError::UnknownAttribute(other)),
        }
    }

    /// Appends `pieces` to `s`: every byte copied is charged to the budget, and `s` stays
    /// within [`MAX_TEXT`].
    fn append(&mut self, s: &mut String, pieces: &[&str]) -> Result<(), FormulaError> {
        for piece in pieces {
            self.budget.spend(piece.len())?;
            if s.len() + piece.len() > MAX_TEXT {
                return Err(FormulaError::TooLong);
            }
            s.push_str(piece);
        }
        Ok(())
    }

    /// An expression as an argument or operand: a union in parentheses, as Excel writes it.
    fn wrapped(&mut self, e: Expr) -> Result<String, FormulaError> {
        match e.kind {
            Kind::Union => {
                let mut s = String::new();
                self.append(&mut s, &["(", &e.text, ")"])?;
                Ok(s)
            }
            _ => Ok(e.text),
        }
    }

    fn push(&mut self, text: String, kind: Kind) -> Result<(), FormulaError> {
        if self.stack.len() >= MAX_STACK {
            return Err(FormulaError::TooDeep);
        }
        self.stack.push(Expr { text, kind });
        Ok(())
    }

    fn pop(&mut self) -> Result<Expr, FormulaError> {
        self.stack.pop().ok_or(FormulaError::StackUnderflow)
    }

    fn operand(&mut self, text: String, kind: Kind) -> Result<(), FormulaError> {
        let sp = std::mem::take(&mut self.spaces);
        let mut s = String::new();
        self.append(&mut s, &[&sp.before, &sp.open, &sp.close, &text])?;
        self.push(s, kind)
    }

    fn binary(&mut self, ptg: u8) -> Result<(), FormulaError> {
        let op = match ptg {
            0x03 => "+",
            0x04 => "-",
            0x05 => "*",
            0x06 => "/",
            0x07 => "^",
            0x08 => "&",
            0x09 => "<",
            0x0A => "<=",
            0x0B => "=",
            0x0C => ">=",
            0x0D => ">",
            0x0E => "<>",
            0x0F => " ",
            0x10 => ",",
            _ => ":",
        };
        let right = self.pop()?;
        let left = self.pop()?;
        let union = ptg == 0x10;
        let (mut s, right) = if union {
            (left.text, right.text)
        } else {
            (self.wrapped(left)?, self.wrapped(right)?)
        };
        let sp = std::mem::take(&mut self.spaces);
        self.append(&mut s, &[&sp.before, &sp.open, &sp.close, op, &right])?;
        self.push(s, if union { Kind::Union } else { Kind::Plain })
    }

    fn prefix(&mut self, op: &str) -> Result<(), FormulaError> {
        let popped = self.pop()?;
        let operand = self.wrapped(popped)?;
        let sp = std::mem::take(&mut self.spaces);
        let mut s = String::new();
        self.append(&mut s, &[&sp.before, &sp.open, &sp.close, op, &operand])?;
        self.push(s, Kind::Plain)
    }

    fn percent(&mut self) -> Result<(), FormulaError> {
        let popped = self.pop()?;
        let mut s = self.wrapped(popped)?;
        let sp = std::mem::take(&mut self.spaces);
        self.append(&mut s, &[&sp.before, &sp.open, &sp.close, "%"])?;
        self.push(s, Kind::Plain)
    }

    fn paren(&mut self) -> Result<(), FormulaError> {
        let inner = self.pop()?;
        let sp = std::mem::take(&mut self.spaces);
        let mut s = String::new();
        self.append(
            &mut s,
            &[&sp.before, &sp.open, "(", &inner.text, &sp.close, ")"],
        )?;
        self.push(s, Kind::Plain)
    }

    /// A call of `name` on the top `argc` expressions.
    fn call(&mut self, name: &str, argc: usize) -> Result<(), FormulaError> {
        let start = self
            .stack
            .len()
            .checked_sub(argc)
            .ok_or(FormulaError::StackUnderflow)?;
        let args = self.stack.split_off(start);
        self.finish_call(name, args)
    }

    fn finish_call(&mut self, name: &str, args: Vec<Expr>) -> Result<(), FormulaError> {
        let sp = std::mem::take(&mut self.spaces);
        let mut s = String::new();
        self.append(&mut s, &[&sp.before, &sp.open, name, "("])?;
        for (i, arg) in args.into_iter().enumerate() {
            let arg = self.wrapped(arg)?;
            let comma = if i > 0 { "," } else { "" };
            self.append(&mut s, &[comma, &arg])?;
        }
        self.append(&mut s, &[&sp.close, ")"])?;
        self.push(s, Kind::Plain)
    }

    /// PtgFuncVar 0x00FF: `argc` counts the name, which comes first.
    fn user_function(&mut self, argc: usize) -> Result<(), FormulaError> {
        let start = self
            .stack
            .len()
            .checked_sub(argc)
            .ok_or(FormulaError::StackUnderflow)?;
        let mut args = self.stack.split_off(start);
        if args.is_empty() {
            return Err(FormulaError::StackUnderflow);
        }
        let Kind::Name(name) = args.remove(0).kind else {
            return Err(FormulaError::BadFunctionName);
        };
        self.finish_call(ooxml_function_name(&name), args)
    }

    /// A single-cell reference; `offsets` for PtgRefN, whose relative parts are offsets.
    fn cell(&self, rw: u16, col: u16, offsets: bool) -> String {
        let (row, col, row_rel, col_rel) = self.locate(rw, col, offsets);
        text::cell(row, col, row_rel, col_rel)
    }

    fn area(&self, tokens: &mut Bytes<'_>, offsets: bool) -> Result<String, FormulaError> {
        let (rw_first, rw_last) = (tokens.u16()?, tokens.u16()?);
        let (col_first, col_last) = (tokens.u16()?, tokens.u16()?);
        let (r1, c1, r1_rel, c1_rel) = self.locate(rw_first, col_first, offsets);
        let (r2, c2, r2_rel, c2_rel) = self.locate(rw_last, col_last, offsets);
        Ok(if r1 == 0 && r2 == 0xFFFF {
            format!("{}:{}", text::column(c1, c1_rel), text::column(c2, c2_rel))
        } else if c1 == 0 && c2 == 0xFF {
            format!("{}:{}", text::row(r1, r1_rel), text::row(r2, r2_rel))
        } else {
            format!(
                "{}:{}",
                text::cell(r1, c1, r1_rel, c1_rel),
                text::cell(r2, c2, r2_rel, c2_rel)
            )
        })
    }

    /// Row, column and whether each is relative, from a row word and a column word.
    fn locate(&self, rw: u16, col: u16, offsets: bool) -> (u32, u32, bool, bool) {
        let row_rel = col & 0x8000 != 0;
        let col_rel = col & 0x4000 != 0;
        let mut r = u32::from(rw);
        let mut c = u32::from(col & 0x3FFF);
        if offsets {
            if row_rel {
                // A signed offset: adding its two's complement wraps as Excel does.
                r = u32::from(self.origin.row.wrapping_add(rw));
            }
            if col_rel {
                let [low, _] = col.to_le_bytes();
                let [origin, _] = self.origin.col.to_le_bytes();
                c = u32::from(origin.wrapping_add(low));
            }
        }
        (r, c, row_rel, col_rel)
    }

    /// The EXTERNSHEET entry `ixti` and the SupBook it points into.
    fn xti(&self, ixti: u16) -> Result<(&Xti, &SupBook), FormulaError> {
        let xti = self
            .globals
            .xtis
            .get(usize::from(ixti))
            .ok_or(FormulaError::BadReference)?;
        let book = self
            .globals
            .supbooks
            .get(usize::from(xti.supbook))
            .ok_or(FormulaError::BadReference)?;
        Ok((xti, book))
    }

    /// The sheet part (`Sheet1!`, `'A b:C'!`, `[1]Sheet1!`, `#REF!`) of a 3-D reference.
    fn sheets(&self, ixti: u16) -> Result<String, FormulaError> {
        let (xti, book) = self.xti(ixti)?;
        if xti.first == DELETED_SHEET || xti.last == DELETED_SHEET {
            return Ok("#REF!".to_string());
        }
        let (number, names): (Option<u32>, Vec<&str>) = match &book.kind {
            SupBookKind::Own => (
                None,
                self.globals
                    .sheets
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect(),
            ),
            SupBookKind::External { number, sheets } => (
                Some(*number),
                sheets
                    .as_ref()
                    .ok_or(FormulaError::BadReference)?
                    .iter()
                    .map(String::as_str)
                    .collect(),
            ),
            SupBookKind::AddIn => return Err(FormulaError::BadReference),
        };
        let sheet = |i: u16| {
            names
                .get(usize::from(i))
                .copied()
                .ok_or(FormulaError::BadReference)
        };
        let first = sheet(xti.first)?;
        let last = if xti.last == xti.first {
            None
        } else {
            Some(sheet(xti.last)?)
        };
        Ok(text::sheets_prefix(number, first, last))
    }

    fn defined_name(&self, iname: u16) -> Result<&globals::DefinedName, FormulaError> {
        usize::from(iname)
            .checked_sub(1)
            .and_then(|i| self.globals.names.get(i))
            .and_then(Option::as_ref)
            .ok_or(FormulaError::BadReference)
    }

    /// A PtgNameX's text and the bare name.
    fn extern_name(&self, ixti: u16, index: u16) -> Result<(String, String), FormulaError> {
        let (xti, book) = self.xti(ixti)?;
        let external = |i: u16| {
            usize::from(i)
                .checked_sub(1)
                .and_then(|i| book.names.get(i))
                .and_then(Option::as_ref)
                .cloned()
                .ok_or(FormulaError::BadReference)
        };
        match &book.kind {
            SupBookKind::Own => {
                let defined = self.defined_name(index)?;
                let name = defined.name.clone();
                if defined.itab == 0 {
                    return Ok((name.clone(), name));
                }
                let sheet = usize::from(defined.itab - 1);
                let sheet = self
                    .globals
                    .sheets
                    .get(sheet)
                    .ok_or(FormulaError::BadReference)?;
                Ok((text::sheets_prefix(None, &sheet.name, None) + &name, name))
            }
            SupBookKind::AddIn => {
                let name = external(index)?;
                Ok((name.clone(), name))
            }
            SupBookKind::External { number, sheets } => {
                let name = external(index)?;
                let prefix = if xti.first == WORKBOOK_LEVEL {
                    format!("[{number}]!")
                } else {
                    let sheet = sheets
                        .as_ref()
                        .and_then(|s| s.get(usize::from(xti.first)))
                        .ok_or(FormulaError::BadReference)?;
                    text::sheets_prefix(Some(*number), sheet, None)
                };
                Ok((prefix + &name, name))
            }
        }
    }

    /// The next PtgExtraArray of `rgcb`, printed `{1,"a";TRUE,#N/A}`.
    fn array(&mut self, extra: &mut Bytes<'_>) -> Result<String, FormulaError> {
        let cols = usize::from(extra.u8()?) + 1;
        let rows = usize::from(extra.u16()?) + 1;
        let mut s = String::new();
        // Every value takes at least nine bytes, so a count larger than the bytes left fails
        // after reading them, without allocating for it.
        for r in 0..rows {
            for c in 0..cols {
                let value = array_value(extra)?;
                let sep = match (r, c) {
                    (0, 0) => "{",
                    (_, 0) => ";",
                    _ => ",",
                };
                self.append(&mut s, &[sep, &value])?;
            }
        }
        self.append(&mut s, &["}"])?;
        Ok(s)
    }
}

/// One SerAr of a PtgExtraArray (MS-XLS 2.5.192): a type byte, then eight bytes, or an
/// XLUnicodeString for a string.
fn array_value(extra: &mut Bytes<'_>) -> Result<String, FormulaError> {
    let kind = extra.u8()?;
    Ok(match kind {
        // SerNil: an empty element.
        0x00 => {
            extra.skip(8)?;
            String::new()
        }
        0x01 => text::number(extra.f64()?).ok_or(FormulaError::BadValue)?,
        0x02 => {
            let count = usize::from(extra.u16()?);
            let high_byte = extra.u8()? & 1 != 0;
            text::string(&extra.chars(count, high_byte)?)
        }
        0x04 => {
            let b = extra.u8()?;
            extra.skip(7)?;
            if b == 0 { "FALSE" } else { "TRUE" }.to_string()
        }
        0x10 => {
            let code = extra.u8()?;
            extra.skip(7)?;
            text::error(code).ok_or(FormulaError::BadValue)?.to_string()
        }
        _ => return Err(FormulaError::BadValue),
    })
}

/// The name an `.xlsx` gives a function BIFF8 names `name` (see [`NATIVE_IN_OOXML`]).
fn ooxml_function_name(name: &str) -> &str {
    let prefixed = name
        .get(..6)
        .is_some_and(|p| p.eq_ignore_ascii_case("_xlfn."));
    match name.get(6..) {
        Some(rest) if prefixed && NATIVE_IN_OOXML.iter().any(|n| n.eq_ignore_ascii_case(rest)) => {
            rest
        }
        _ => name,
    }
}

/// Bytes read from the front, every read checked.
#[derive(Debug)]
pub(super) struct Bytes<'a> {
    data: &'a [u8],
}

impl<'a> Bytes<'a> {
    pub(super) fn new(data: &'a [u8]) -> Self {
        Bytes { data }
    }

    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], FormulaError> {
        let (head, tail) = self
            .data
            .split_at_checked(n)
            .ok_or(FormulaError::Truncated)?;
        self.data = tail;
        Ok(head)
    }

    fn skip(&mut self, n: usize) -> Result<(), FormulaError> {
        self.take(n).map(|_| ())
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], FormulaError> {
        self.take(N)?
            .try_into()
            .map_err(|_| FormulaError::Truncated)
    }

    fn u8(&mut self) -> Result<u8, FormulaError> {
        let [b] = self.array()?;
        Ok(b)
    }

    fn u16(&mut self) -> Result<u16, FormulaError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    fn f64(&mut self) -> Result<f64, FormulaError> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    /// `count` characters, two bytes each when `high_byte`.
    fn chars(&mut self, count: usize, high_byte: bool) -> Result<String, FormulaError> {
        let width = if high_byte { 2 } else { 1 };
        let bytes = self.take(count.saturating_mul(width))?;
        globals::unicode(bytes, count, high_byte).ok_or(FormulaError::Truncated)
    }
}

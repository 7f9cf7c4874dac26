//! Our own reader of the formulas of an `.xls` (BIFF8) workbook, giving each formula's text in
//! Excel's A1 syntax as an `.xlsx` stores it (no leading `=`).
//!
//! calamine 0.38 misreads `.xls` formulas (tafia/calamine#719, #304, #443): a reference to
//! another sheet names the wrong sheet or column, `$` anchors come swapped, `>` and `>=` are
//! swapped, and shared formulas (the usual storage of a formula filled down) come empty. The
//! template reader takes formulas from here for `.xls` and keeps calamine's values.
//!
//! What is read (MS-XLS section names):
//!
//! - The `Workbook` stream of the compound file, found as calamine finds it
//!   ([`crate::sheet_bounds::cfb`]), split into records as calamine splits them
//!   ([`crate::sheet_bounds::xls::Records`]).
//! - The globals substream ([`globals`]): sheets, SupBook, ExternName, ExternSheet, Lbl.
//! - Each sheet's substream, from the offset its BoundSheet8 gives to its EOF, skipping the
//!   BOF…EOF of embedded charts, as calamine walks it. In it:
//!   - Formula (2.4.127): `rw`, `col`, `ixfe`, an 8-byte FormulaValue, `flags` (2 bytes),
//!     `chn` (4 bytes), then a CellParsedFormula (2.5.198.3): `cce` (2 bytes), `cce` bytes of
//!     tokens (`rgce`), and the tokens' extra data (`rgcb`) to the end of the record.
//!   - ShrFmla (2.4.260): the cells sharing a formula (RefU: first and last row, 2 bytes each,
//!     first and last column, 1 byte each), a reserved byte, `cUse`, then a
//!     SharedParsedFormula laid out like a CellParsedFormula. It follows the first Formula of
//!     its cells.
//!   - Array (2.4.4): the cells of an array formula (RefU), `flags` (2 bytes), 4 unused bytes,
//!     then an ArrayParsedFormula.
//!   - Table (2.4.319), a data table: its cells have no formula text.
//! - A Formula whose tokens are a lone PtgExp (row and column, 2 bytes each) belongs to the
//!   shared or array formula whose first cell that is. A shared formula is decoded for each
//!   cell that uses it, its relative tokens offset from that cell. An array formula's text
//!   belongs to its first cell only; an `.xlsx` stores none for its other cells, nor for a data
//!   table's cells (a lone PtgTbl), so those cells are left out.
//! - The tokens themselves: [`ptg`], with the function table in [`functions`] and the pieces of
//!   text in [`text`].
//!
//! Failure: a workbook that is not BIFF8 (Excel 95 and earlier), is encrypted, or whose globals
//! cannot be walked gives a [`ReadError`], and the caller keeps calamine's reading. Otherwise
//! every formula cell gets its own result: a formula that cannot be decoded (a malformed or
//! unknown token, an index pointing at nothing) is a [`FormulaError`] for that cell alone,
//! never a guess. The work is bounded: each formula's stack and text ([`ptg::MAX_STACK`],
//! [`ptg::MAX_TEXT`]), and the whole workbook's decoding ([`MAX_WORK`]), after which the
//! remaining cells fail with [`FormulaError::OverBudget`].
//!
//! Only what formulas point at is read from the globals; defined names' own formulas are not
//! decoded (a formula shows a name by its name).

mod functions;
mod globals;
mod ptg;
mod text;

use std::collections::BTreeMap;
use std::io::Cursor;

use crate::sheet_bounds::cfb::workbook_stream;
use crate::sheet_bounds::xls::{u16_at, Next, SheetWalk};

use globals::Globals;
use ptg::Origin;

/// The most work decoding a workbook's formulas may take, counted in bytes of tokens read and
/// of text copied; it also bounds the text kept. A shared formula is decoded once per cell, so
/// a small file could otherwise ask for gigabytes of text. A template of 200,000 formula cells
/// (the most [`crate::template::MAX_TEMPLATE_CELLS`] allows) of a hundred characters each
/// needs some 50 MB.
const MAX_WORK: usize = 128 * 1024 * 1024;

/// The formulas of one sheet.
#[derive(Debug)]
pub(crate) struct SheetFormulas {
    /// The sheet's name as BoundSheet8 gives it (and calamine reports it).
    pub name: String,
    /// Its formula cells, in the order of their records.
    pub cells: Vec<FormulaCell>,
}

/// A formula cell.
#[derive(Debug, PartialEq)]
pub(crate) struct FormulaCell {
    /// Row, 0-based.
    pub row: u32,
    /// Column, 0-based.
    pub col: u32,
    /// The formula text without `=`, or why it could not be decoded.
    pub formula: Result<String, FormulaError>,
}

/// Why a workbook's formulas are not read at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ReadError {
    /// The file is no compound file, or holds no `Workbook` (or `Book`) stream.
    #[error("no BIFF workbook stream")]
    NoWorkbook,
    /// The compound file or the globals' records are damaged.
    #[error("the workbook stream is damaged")]
    Damaged,
    /// The workbook is encrypted (FilePass).
    #[error("the workbook is encrypted")]
    Encrypted,
    /// The workbook predates BIFF8 (Excel 97): its formulas use other tokens.
    #[error("the workbook predates BIFF8")]
    NotBiff8,
}

/// Why one formula could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum FormulaError {
    /// A token, its data or the formula's length runs past the bytes there are.
    #[error("a token runs past the end of the formula")]
    Truncated,
    /// A token BIFF8 does not define.
    #[error("unknown token 0x{0:02X}")]
    UnknownToken(u8),
    /// A defined token that cannot stand here (PtgExp or PtgTbl among others) or is not
    /// decoded (the natural-language tokens behind 0x18).
    #[error("token 0x{0:02X} is not decoded here")]
    Unsupported(u8),
    /// A PtgAttr of an unknown kind.
    #[error("unknown attribute token 0x{0:02X}")]
    UnknownAttribute(u8),
    /// A function index the table does not have, or one PtgFunc cannot call.
    #[error("unknown function 0x{0:04X}")]
    UnknownFunction(u16),
    /// An operator or function with fewer operands than it takes.
    #[error("an operator lacks operands")]
    StackUnderflow,
    /// The tokens do not reduce to exactly one expression.
    #[error("the tokens do not make one expression")]
    Unbalanced,
    /// More pending expressions than [`ptg::MAX_STACK`].
    #[error("the formula nests too deeply")]
    TooDeep,
    /// Text longer than [`ptg::MAX_TEXT`].
    #[error("the formula is too long")]
    TooLong,
    /// A sheet, XTI, SupBook or name index that points at nothing.
    #[error("a reference points at no sheet or name")]
    BadReference,
    /// A user-defined function whose first argument is no name.
    #[error("a user-defined function has no name")]
    BadFunctionName,
    /// A constant that is not one: an unknown error code or element type, a NaN.
    #[error("a constant is malformed")]
    BadValue,
    /// A PtgExp pointing at a cell where no shared or array formula starts.
    #[error("no shared or array formula starts where PtgExp points")]
    MissingShared,
    /// The workbook's decoding budget ([`MAX_WORK`]) is spent.
    #[error("the workbook's formulas are too large to decode")]
    OverBudget,
}

/// The work left for the workbook's formulas.
#[derive(Debug)]
pub(crate) struct Budget {
    left: usize,
}

impl Budget {
    fn new(left: usize) -> Self {
        Budget { left }
    }

    /// Takes `n` units of work; once the budget is short, every later formula fails too.
    fn spend(&mut self, n: usize) -> Result<(), FormulaError> {
        match self.left.checked_sub(n) {
            Some(left) => {
                self.left = left;
                Ok(())
            }
            None => {
                self.left = 0;
                Err(FormulaError::OverBudget)
            }
        }
    }
}

/// Reads the formulas of every sheet of the `.xls` in `bytes`, in BoundSheet8 order.
///
/// # Errors
///
/// A [`ReadError`] when the file is not a readable BIFF8 workbook; the caller then keeps
/// calamine's formulas.
pub(crate) fn read(bytes: &[u8]) -> Result<Vec<SheetFormulas>, ReadError> {
    let stream = workbook_stream(&mut Cursor::new(bytes))
        .map_err(|_| ReadError::Damaged)?
        .ok_or(ReadError::NoWorkbook)?;
    read_stream(&stream, MAX_WORK)
}

/// [`read`] on the workbook stream itself, with `work` units of budget.
fn read_stream(stream: &[u8], work: usize) -> Result<Vec<SheetFormulas>, ReadError> {
    let globals = globals::read(stream)?;
    let mut budget = Budget::new(work);
    Ok(globals
        .sheets
        .iter()
        .map(|sheet| SheetFormulas {
            name: sheet.name.clone(),
            cells: stream
                .get(sheet.offset..)
                .map(|records| sheet_formulas(records, &globals, &mut budget))
                .unwrap_or_default(),
        })
        .collect())
}

/// The formula records of one sheet substream.
#[derive(Debug, Default)]
struct SheetRecords<'a> {
    /// Each Formula's row, column and CellParsedFormula.
    formulas: Vec<(u16, u16, &'a [u8])>,
    /// Each ShrFmla's SharedParsedFormula, by its first cell.
    shared: BTreeMap<(u16, u16), &'a [u8]>,
    /// Each Array's ArrayParsedFormula, by its first cell.
    arrays: BTreeMap<(u16, u16), &'a [u8]>,
}

/// Decodes the formulas of the sheet substream at the start of `records`.
fn sheet_formulas(records: &[u8], globals: &Globals, budget: &mut Budget) -> Vec<FormulaCell> {
    let sheet = sheet_records(records);
    sheet
        .formulas
        .iter()
        .filter_map(|&(row, col, parsed)| {
            let formula = cell_formula(&sheet, row, col, parsed, globals, budget).transpose()?;
            Some(FormulaCell {
                row: u32::from(row),
                col: u32::from(col),
                formula,
            })
        })
        .collect()
}

/// The formula records of a sheet substream, walked as calamine walks it ([`SheetWalk`]),
/// stopping where a record runs past the stream.
fn sheet_records(stream: &[u8]) -> SheetRecords<'_> {
    let mut out = SheetRecords::default();
    let mut records = SheetWalk::new(stream);
    while let Next::Record(r) = records.next() {
        let first_cell = || Some((u16_at(r.data, 0)?, u16::from(*r.data.get(4)?)));
        match r.typ {
            0x0006 => {
                if let (Some(row), Some(col)) = (u16_at(r.data, 0), u16_at(r.data, 2)) {
                    out.formulas
                        .push((row, col, r.data.get(20..).unwrap_or_default()));
                }
            }
            0x04BC => {
                if let (Some(first), Some(parsed)) = (first_cell(), r.data.get(8..)) {
                    out.shared.insert(first, parsed);
                }
            }
            0x0221 => {
                if let (Some(first), Some(parsed)) = (first_cell(), r.data.get(12..)) {
                    out.arrays.insert(first, parsed);
                }
            }
            _ => {}
        }
    }
    out
}

/// The formula of the cell at `row`, `col`; `None` for a cell an `.xlsx` gives no formula text
/// (inside an array formula or a data table).
fn cell_formula(
    sheet: &SheetRecords<'_>,
    row: u16,
    col: u16,
    parsed: &[u8],
    globals: &Globals,
    budget: &mut Budget,
) -> Result<Option<String>, FormulaError> {
    let here = Origin { row, col };
    let (rgce, rgcb) = split(parsed)?;
    match *rgce {
        // PtgExp: the shared or array formula starting at (row, col).
        [0x01, r0, r1, c0, c1] => {
            let first = (u16::from_le_bytes([r0, r1]), u16::from_le_bytes([c0, c1]));
            if let Some(array) = sheet.arrays.get(&first) {
                if (row, col) != first {
                    return Ok(None);
                }
                let (rgce, rgcb) = split(array)?;
                return ptg::decode(rgce, rgcb, globals, here, budget).map(Some);
            }
            let shared = sheet
                .shared
                .get(&first)
                .ok_or(FormulaError::MissingShared)?;
            let (rgce, rgcb) = split(shared)?;
            ptg::decode(rgce, rgcb, globals, here, budget).map(Some)
        }
        // PtgTbl: a cell of a data table.
        [0x02, _, _, _, _] => Ok(None),
        _ => ptg::decode(rgce, rgcb, globals, here, budget).map(Some),
    }
}

/// A parsed formula's tokens and their extra data: `cce`, then `cce` bytes of tokens, then
/// the rest.
fn split(parsed: &[u8]) -> Result<(&[u8], &[u8]), FormulaError> {
    let cce = usize::from(u16_at(parsed, 0).ok_or(FormulaError::Truncated)?);
    parsed
        .get(2..)
        .and_then(|rest| rest.split_at_checked(cce))
        .ok_or(FormulaError::Truncated)
}

#[cfg(test)]
mod tests;

//! County templates (TEMPLATES.md): the field dictionary, importing a template — reading it,
//! checking it, keeping every version — rendering it into a return ([`render`]) and reading a
//! return back ([`read_return`]).
//!
//! A template is parsed into a [`ParsedTemplate`]: its `_meta` ([`TemplateMeta`]), then its
//! sheets in order without `_meta`, each with its cells at absolute 0-based positions (value,
//! formula in Excel's syntax, and what the cell receives: a [`Fill`]), its row templates and its
//! merged ranges. The renderer works from that model and the stored bytes (for the look of an
//! `.xlsx`); import stores the original file, so a template can always be parsed again
//! ([`parse_template`]) by a newer program. A return records in its hidden `_zhucun` sheet
//! ([`ReturnRecord`]) which template made it and where each row template went, which is how
//! it is read back.
//!
//! Decisions the contract leaves open:
//!
//! - Placeholders are looked for in text cells only. A formula holding `{{` or `}}` is an import
//!   error, because formulas are copied as they are and the placeholder would never be filled;
//!   a formula's cached result is never read as text.
//! - A cell whose trimmed text is exactly one placeholder is a whole-cell placeholder.
//! - Keys of `_meta` are compared without regard to case, and an unknown key is an error.
//! - A sheet named `_zhucun` is refused: returns keep that name for their hidden record.
//!
//! # Examples
//!
//! ```
//! use zhucun_core::template;
//! let conn = zhucun_core::store::open_in_memory()?;
//! let path = concat!(
//!     env!("CARGO_MANIFEST_DIR"),
//!     "/../../../shared/samples/templates/sample_monthly.xlsx"
//! );
//! let bytes = std::fs::read(path).map_err(|e| zhucun_core::Error::io(path, e))?;
//! let report = template::import_bytes(&conn, "sample_monthly.xlsx", &bytes)?;
//! assert_eq!(report.template.id, "sample-monthly");
//! let parsed = template::load(&conn, "sample-monthly", None)?.parse()?;
//! assert_eq!(parsed.sheets[1].row_templates.len(), 2);
//! # Ok::<(), zhucun_core::Error>(())
//! ```

mod calc;
#[cfg(test)]
mod corpus_tests;
mod data;
mod default;
mod fields;
mod formula;
mod import;
mod look;
mod look_ods;
mod look_xls;
mod meta;
mod monthly;
mod placeholder;
mod readback;
mod record;
mod render;
mod shift;
mod workbook;

use calamine::Data;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::guard::Streamed;

pub use crate::error::{TemplateIssue, TemplateProblem};
pub use data::{gather, Item, ReturnData};
pub use default::{ensure_default, DEFAULT_TEMPLATE, DEFAULT_TEMPLATE_FILE, DEFAULT_TEMPLATE_ID};
pub use fields::{dictionary, field, suggest, write_dictionary_xlsx, FieldInfo, FieldType, Scope};
pub use import::{
    current, import_bytes, import_file, list, load, plan_import, ImportAction, ImportPlan,
    ImportReport, StoredTemplate, TemplateInfo,
};
pub use meta::{is_valid_template_id, TemplateMeta, MAX_ID_LEN, META_SHEET};
pub use monthly::{choose, read_month, render_month};
pub use placeholder::{scan, Fill, Segment};
pub use readback::{read_return, read_return_file, return_record, ReadBack};
pub use record::{ExpandedRow, JoinedText, ReturnRecord};
pub use render::{render, LookKept, RenderReport, RenderStamp};
pub(crate) use workbook::column_letters;
pub use workbook::{cell_a1, CellRange, Format, MAX_TEMPLATE_BYTES, MAX_TEMPLATE_CELLS};

/// The name of the hidden sheet a return records itself in; no template sheet may bear it.
pub const RETURN_RECORD_SHEET: &str = "_zhucun";

/// A template, read and checked: everything the renderer and the reader of returns need besides
/// the look of the cells (which they read from the stored bytes).
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedTemplate {
    /// The file's name as imported (no folders).
    pub file_name: String,
    /// Its format, from its content.
    pub format: Format,
    /// The SHA-256 of its bytes, lower-case hex: what a return's `_zhucun` records.
    pub sha256: String,
    /// What `_meta` says, with defaults filled in.
    pub meta: TemplateMeta,
    /// Its worksheets in workbook order, without `_meta`.
    pub sheets: Vec<TemplateSheet>,
}

/// One worksheet of a template.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateSheet {
    /// Its name.
    pub name: String,
    /// Whether the workbook hides it.
    pub hidden: bool,
    /// Its non-empty cells (a value or a formula), by row then column.
    pub cells: Vec<TemplateCell>,
    /// Its row templates, by row.
    pub row_templates: Vec<RowTemplate>,
    /// Its merged ranges, absolute.
    pub merges: Vec<CellRange>,
}

/// One non-empty cell of a template.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateCell {
    /// Row, 0-based, absolute.
    pub row: u32,
    /// Column, 0-based, absolute.
    pub col: u32,
    /// The value as calamine reads it; for a formula, its cached result (often empty).
    pub value: Data,
    /// The formula in Excel's A1 syntax without the leading `=` (`.ods` formulas rewritten).
    pub formula: Option<String>,
    /// What the cell receives, if it holds placeholders.
    pub fill: Option<Fill>,
}

impl TemplateCell {
    /// The cell's position in A1 notation.
    pub fn a1(&self) -> String {
        cell_a1(self.row, self.col)
    }
}

/// A row written once per item of a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowTemplate {
    /// The row, 0-based, absolute.
    pub row: u32,
    /// The collection it repeats for.
    pub collection: Scope,
}

impl TemplateSheet {
    /// The cell at `row`, `col`, if it is not empty.
    pub fn cell(&self, row: u32, col: u32) -> Option<&TemplateCell> {
        self.cells
            .binary_search_by_key(&(row, col), |c| (c.row, c.col))
            .ok()
            .and_then(|i| self.cells.get(i))
    }

    /// The row template on `row`, if that row is one.
    pub fn row_template(&self, row: u32) -> Option<&RowTemplate> {
        self.row_templates.iter().find(|t| t.row == row)
    }

    /// The cells holding placeholders.
    pub fn placeholder_cells(&self) -> impl Iterator<Item = (&TemplateCell, &Fill)> {
        self.cells
            .iter()
            .filter_map(|c| c.fill.as_ref().map(|f| (c, f)))
    }
}

impl ParsedTemplate {
    /// The sheet called `name`.
    pub fn sheet(&self, name: &str) -> Option<&TemplateSheet> {
        self.sheets.iter().find(|s| s.name == name)
    }

    /// Every field the template names, once each, in the order first met.
    pub fn fields(&self) -> Vec<&'static FieldInfo> {
        let mut out: Vec<&'static FieldInfo> = Vec::new();
        for sheet in &self.sheets {
            for (_, fill) in sheet.placeholder_cells() {
                for f in fill.fields() {
                    if !out.iter().any(|o| o.path == f.path) {
                        out.push(f);
                    }
                }
            }
        }
        out
    }
}

/// The SHA-256 of `bytes`, as 64 lower-case hex digits.
///
/// # Examples
///
/// ```
/// assert_eq!(
///     zhucun_core::template::sha256_hex(b"abc"),
///     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// ```
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads and checks a template given as bytes (`file_name` names it in messages, gives the
/// default id, and tells `.xlsm` from `.xlsx`). Every problem is reported at once.
///
/// # Errors
///
/// `invalid_template` listing every problem with its `Sheet!A1`; `unreadable_file` when the bytes
/// are not a workbook or are damaged; `unusable_sheet` when the file is too large to be a form,
/// when a sheet's data spans an area no form has (a damaged file, refused before it is read), or
/// for an `.xlsb`.
///
/// # Examples
///
/// ```
/// let err = zhucun_core::template::parse_template("x.xlsx", b"PK").unwrap_err();
/// assert_eq!(err.code(), "unreadable_file");
/// ```
pub fn parse_template(file_name: &str, bytes: &[u8]) -> Result<ParsedTemplate> {
    let file_name = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(file_name)
        .to_string();
    if bytes.len() > MAX_TEMPLATE_BYTES {
        return Err(workbook::too_large(&file_name));
    }
    let (format, raw) =
        crate::guard::reading_bytes(&file_name, bytes, &[], Streamed::WithFormulas, || {
            workbook::read(&file_name, bytes)
        })?;
    let (meta_sheets, raw): (Vec<_>, Vec<_>) = raw
        .into_iter()
        .partition(|s| s.name.trim().eq_ignore_ascii_case(META_SHEET));
    let (meta, mut problems) = meta::read_meta(
        meta_sheets.first(),
        &file_name,
        raw.first().map(|s| s.name.as_str()),
    );

    let mut sheets = Vec::with_capacity(raw.len());
    let mut anything_like_a_placeholder = false;
    for sheet in raw {
        // The sheet's problems with their positions, to list them in the sheet's order.
        let mut found: Vec<Located> = Vec::new();
        if sheet.name.trim().eq_ignore_ascii_case(RETURN_RECORD_SHEET) {
            found.push((
                (0, 0),
                TemplateProblem {
                    cell: sheet.name.clone(),
                    issue: TemplateIssue::ReservedSheetName,
                },
            ));
        }
        let at = |row: u32, col: u32| format!("{}!{}", sheet.name, cell_a1(row, col));
        let mut cells = Vec::with_capacity(sheet.cells.len());
        for raw_cell in sheet.cells {
            let mut fill = None;
            if let Some(formula) = &raw_cell.formula {
                if placeholder::looks_like_placeholder(formula) {
                    anything_like_a_placeholder = true;
                    found.push((
                        (raw_cell.row, raw_cell.col),
                        TemplateProblem {
                            cell: at(raw_cell.row, raw_cell.col),
                            issue: TemplateIssue::PlaceholderInFormula {
                                formula: formula.clone(),
                            },
                        },
                    ));
                }
            } else if let Data::String(text) = &raw_cell.value {
                anything_like_a_placeholder |= placeholder::looks_like_placeholder(text);
                match scan(text) {
                    Ok(placeholders) => fill = placeholders,
                    Err(issues) => found.extend(issues.into_iter().map(|issue| {
                        (
                            (raw_cell.row, raw_cell.col),
                            TemplateProblem {
                                cell: at(raw_cell.row, raw_cell.col),
                                issue,
                            },
                        )
                    })),
                }
            }
            cells.push(TemplateCell {
                row: raw_cell.row,
                col: raw_cell.col,
                value: raw_cell.value,
                formula: raw_cell.formula,
                fill,
            });
        }
        let row_templates = row_templates(&sheet.name, &cells, &mut found);
        check_merges(&sheet.name, &sheet.merges, &row_templates, &mut found);
        found.sort_by_key(|(position, _)| *position);
        problems.extend(found.into_iter().map(|(_, p)| p));
        sheets.push(TemplateSheet {
            name: sheet.name,
            hidden: sheet.hidden,
            cells,
            row_templates,
            merges: sheet.merges,
        });
    }
    if !anything_like_a_placeholder {
        problems.push(TemplateProblem {
            cell: file_name.clone(),
            issue: TemplateIssue::NoPlaceholder,
        });
    }
    if !problems.is_empty() {
        return Err(Error::InvalidTemplate {
            file: file_name,
            problems,
        });
    }
    Ok(ParsedTemplate {
        file_name,
        format,
        sha256: sha256_hex(bytes),
        meta,
        sheets,
    })
}

/// A problem with the (row, column) it is listed by.
type Located = ((u32, u32), TemplateProblem);

/// The row templates of a sheet: rows whose placeholders name one collection. A row naming two
/// is reported at the first cell of each collection after the row's first.
fn row_templates(
    sheet: &str,
    cells: &[TemplateCell],
    problems: &mut Vec<Located>,
) -> Vec<RowTemplate> {
    let mut out: Vec<RowTemplate> = Vec::new();
    let mut reported: Vec<(u32, Scope)> = Vec::new();
    for cell in cells {
        let Some(fill) = &cell.fill else { continue };
        for collection in fill.collections() {
            match out.iter().find(|t| t.row == cell.row) {
                None => out.push(RowTemplate {
                    row: cell.row,
                    collection,
                }),
                Some(t) if t.collection == collection => {}
                Some(t) => {
                    if !reported.contains(&(cell.row, collection)) {
                        reported.push((cell.row, collection));
                        problems.push((
                            (cell.row, cell.col),
                            TemplateProblem {
                                cell: format!("{sheet}!{}", cell.a1()),
                                issue: TemplateIssue::TwoCollections {
                                    first: t.collection.name().to_string(),
                                    second: collection.name().to_string(),
                                },
                            },
                        ));
                    }
                }
            }
        }
    }
    out
}

/// Reports every merged range that spans several rows, one of them a row template's.
fn check_merges(
    sheet: &str,
    merges: &[CellRange],
    row_templates: &[RowTemplate],
    problems: &mut Vec<Located>,
) {
    for merge in merges.iter().filter(|m| !m.is_single_row()) {
        if let Some(t) = row_templates.iter().find(|t| merge.contains_row(t.row)) {
            problems.push((
                (merge.first_row, merge.first_col),
                TemplateProblem {
                    cell: format!("{sheet}!{}", merge.a1()),
                    issue: TemplateIssue::MergeCrossesRowTemplate {
                        row: t.row.saturating_add(1),
                        collection: t.collection.name().to_string(),
                    },
                },
            ));
        }
    }
}

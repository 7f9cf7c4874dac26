//! The optional `_meta` sheet: column A holds keys, column B values (TEMPLATES.md).
//!
//! Keys are compared trimmed and without regard to case; a key the program does not know is an
//! error rather than ignored, because a misspelt `version` silently read as 1 would make the
//! county's new version collide with the old one.

use calamine::Data;
use serde::Serialize;

use crate::error::{Rule, TemplateIssue, TemplateProblem};
use crate::records::input::closest;

use super::workbook::{cell_a1, RawSheet};

/// The name of the sheet that describes a template; it is never copied into a return.
pub const META_SHEET: &str = "_meta";

/// The longest template id accepted.
pub const MAX_ID_LEN: usize = 64;

const KEYS: [&str; 5] = ["template_id", "version", "title", "period", "issuer"];

/// What a template says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateMeta {
    /// The stable id: ASCII letters, digits, `-` and `_`.
    pub id: String,
    /// The version, 1 or more; the highest version of an id is the one used for new returns.
    pub version: u32,
    /// What the user sees (`驻村工作月报`).
    pub title: String,
    /// The reporting period, `month` (the only one for now).
    pub period: String,
    /// The office that issued it, if given.
    pub issuer: Option<String>,
}

/// Whether `id` can be a template id: 1 to [`MAX_ID_LEN`] ASCII letters, digits, `-` and `_`.
///
/// # Examples
///
/// ```
/// use zhucun_core::template::is_valid_template_id;
/// assert!(is_valid_template_id("sample-monthly_2"));
/// assert!(!is_valid_template_id("月报"));
/// assert!(!is_valid_template_id(""));
/// ```
pub fn is_valid_template_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Reads `_meta` (if the workbook has one), filling what it leaves out from the file's name and
/// the first sheet's name; every problem is returned, located at its cell.
pub(crate) fn read_meta(
    meta: Option<&RawSheet>,
    file_name: &str,
    first_sheet: Option<&str>,
) -> (TemplateMeta, Vec<TemplateProblem>) {
    // Each problem with its row, to list them in the sheet's order.
    let mut problems: Vec<(u32, TemplateProblem)> = Vec::new();
    // Key, value, the value's cell and row.
    let mut given: Vec<(&'static str, String, String, u32)> = Vec::new();
    if let Some(sheet) = meta {
        for (row, cells) in rows(sheet) {
            let key_text = cells.0.map(text_of).unwrap_or_default();
            let key_norm = key_text.trim().to_ascii_lowercase();
            if key_norm.is_empty() {
                continue;
            }
            let key_cell = format!("{}!{}", sheet.name, cell_a1(row, 0));
            let Some(key) = KEYS.iter().copied().find(|k| *k == key_norm) else {
                problems.push((
                    row,
                    TemplateProblem {
                        cell: key_cell,
                        issue: TemplateIssue::UnknownMetaKey {
                            key: key_text.trim().to_string(),
                            suggestion: closest(&key_norm, KEYS.iter().copied()),
                        },
                    },
                ));
                continue;
            };
            if given.iter().any(|(k, ..)| *k == key) {
                problems.push((
                    row,
                    TemplateProblem {
                        cell: key_cell,
                        issue: TemplateIssue::DuplicateMetaKey { key: key.into() },
                    },
                ));
                continue;
            }
            let value = cells.1.map(text_of).unwrap_or_default();
            let value_cell = format!("{}!{}", sheet.name, cell_a1(row, 1));
            given.push((key, value.trim().to_string(), value_cell, row));
        }
    }
    let get = |key: &str| {
        given
            .iter()
            .find(|(k, v, ..)| *k == key && !v.is_empty())
            .map(|(_, v, cell, row)| (v, (cell.as_str(), *row)))
    };
    let mut bad = |(cell, row): (&str, u32), key: &str, value: &str, rule: Rule| {
        problems.push((
            row,
            TemplateProblem {
                cell: cell.to_string(),
                issue: TemplateIssue::BadMeta {
                    key: key.into(),
                    value: value.into(),
                    rule,
                },
            },
        ));
    };

    let stem = file_stem(file_name);
    let id = match get("template_id") {
        Some((v, cell)) => {
            if v.chars().count() > MAX_ID_LEN {
                bad(cell, "template_id", v, Rule::TooLong { max: MAX_ID_LEN });
            } else if !is_valid_template_id(v) {
                bad(cell, "template_id", v, Rule::BadCharacters);
            }
            v.clone()
        }
        None => stem.clone(),
    };

    let version = match get("version") {
        Some((v, cell)) => match v.parse::<i64>() {
            Ok(n) if n >= 1 => u32::try_from(n).unwrap_or_else(|_| {
                bad(
                    cell,
                    "version",
                    v,
                    Rule::AtMost {
                        other: "version".into(),
                        limit: u32::MAX.to_string(),
                    },
                );
                1
            }),
            Ok(_) => {
                bad(cell, "version", v, Rule::NotPositive);
                1
            }
            Err(_) => {
                bad(cell, "version", v, Rule::NotAWholeNumber);
                1
            }
        },
        None => 1,
    };

    let title = match get("title") {
        Some((v, _)) => v.clone(),
        None => first_sheet.unwrap_or(stem.as_str()).to_string(),
    };

    let period = match get("period") {
        Some((v, cell)) if !v.eq_ignore_ascii_case("month") => {
            bad(
                cell,
                "period",
                v,
                Rule::NotInList {
                    allowed: "month".into(),
                },
            );
            v.clone()
        }
        _ => "month".to_string(),
    };

    let issuer = get("issuer").map(|(v, _)| v.clone());

    let id_given = get("template_id").is_some();
    problems.sort_by_key(|(row, _)| *row);
    let mut problems: Vec<TemplateProblem> = problems.into_iter().map(|(_, p)| p).collect();
    if !id_given && !is_valid_template_id(&id) {
        problems.push(TemplateProblem {
            cell: file_name.to_string(),
            issue: TemplateIssue::FileNameNotAnId { stem: id.clone() },
        });
    }

    (
        TemplateMeta {
            id,
            version,
            title,
            period,
            issuer,
        },
        problems,
    )
}

/// The key (column A) and value (column B) cells of one row.
type KeyValue<'a> = (Option<&'a Data>, Option<&'a Data>);

/// The rows of a sheet that hold something in column A or B, with those two cells.
fn rows(sheet: &RawSheet) -> Vec<(u32, KeyValue<'_>)> {
    let mut out: Vec<(u32, KeyValue<'_>)> = Vec::new();
    for cell in sheet.cells.iter().filter(|c| c.col <= 1) {
        if out.last().map(|(r, _)| *r) != Some(cell.row) {
            out.push((cell.row, (None, None)));
        }
        if let Some((_, pair)) = out.last_mut() {
            if cell.col == 0 {
                pair.0 = Some(&cell.value);
            } else {
                pair.1 = Some(&cell.value);
            }
        }
    }
    out
}

/// A `_meta` value as text: whole numbers without `.0` (a version typed as `2` is read by some
/// programs as the float 2.0).
fn text_of(value: &Data) -> String {
    match value {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::Error(e) => e.to_string(),
    }
}

/// The file's name without folders or extension.
pub(crate) fn file_stem(file_name: &str) -> String {
    let name = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::workbook::RawCell;

    fn sheet(rows: &[(&str, Data)]) -> RawSheet {
        let mut cells = Vec::new();
        for (i, (k, v)) in rows.iter().enumerate() {
            let row = u32::try_from(i).unwrap_or(0);
            cells.push(RawCell {
                row,
                col: 0,
                value: Data::String((*k).into()),
                formula: None,
            });
            cells.push(RawCell {
                row,
                col: 1,
                value: v.clone(),
                formula: None,
            });
        }
        RawSheet {
            name: "_meta".into(),
            hidden: false,
            cells,
            merges: Vec::new(),
        }
    }

    #[test]
    fn defaults_come_from_the_file_and_first_sheet() {
        let (meta, problems) = read_meta(None, "/tmp/县级月报-v2.xlsx", Some("村情"));
        assert_eq!(meta.id, "县级月报-v2");
        assert_eq!(meta.title, "村情");
        assert_eq!(
            problems,
            vec![TemplateProblem {
                cell: "/tmp/县级月报-v2.xlsx".into(),
                issue: TemplateIssue::FileNameNotAnId {
                    stem: "县级月报-v2".into()
                }
            }]
        );
        let (meta, problems) = read_meta(None, "monthly_v2.ods", None);
        assert_eq!(
            (
                meta.id.as_str(),
                meta.version,
                meta.title.as_str(),
                meta.period.as_str()
            ),
            ("monthly_v2", 1, "monthly_v2", "month")
        );
        assert!(problems.is_empty());
    }

    #[test]
    fn values_are_read_whatever_their_cell_type() {
        let s = sheet(&[
            (" Template_ID ", Data::String("m-1".into())),
            ("version", Data::Float(3.0)),
            ("title", Data::String("月报".into())),
            ("period", Data::String("Month".into())),
            ("issuer", Data::String("".into())),
        ]);
        let (meta, problems) = read_meta(Some(&s), "x.xlsx", Some("a"));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            meta,
            TemplateMeta {
                id: "m-1".into(),
                version: 3,
                title: "月报".into(),
                period: "month".into(),
                issuer: None
            }
        );
    }

    #[test]
    fn every_bad_value_is_named_at_its_cell() {
        let s = sheet(&[
            ("template_id", Data::String("月报 1".into())),
            ("version", Data::Float(1.5)),
            ("period", Data::String("quarter".into())),
            ("verison", Data::Int(2)),
            ("title", Data::String("a".into())),
            ("title", Data::String("b".into())),
        ]);
        let (_, problems) = read_meta(Some(&s), "x.xlsx", None);
        let cells: Vec<&str> = problems.iter().map(|p| p.cell.as_str()).collect();
        assert_eq!(
            cells,
            ["_meta!B1", "_meta!B2", "_meta!B3", "_meta!A4", "_meta!A6"]
        );
        assert_eq!(
            problems[4].issue,
            TemplateIssue::DuplicateMetaKey {
                key: "title".into()
            }
        );
        assert_eq!(
            problems[3].issue,
            TemplateIssue::UnknownMetaKey {
                key: "verison".into(),
                suggestion: Some("version".into())
            }
        );
    }

    #[test]
    fn versions_must_be_positive_whole_numbers() {
        for (value, ok) in [
            (Data::Int(0), false),
            (Data::Int(-2), false),
            (Data::String("v2".into()), false),
            (Data::String(" 7 ".into()), true),
            (Data::Float(2.0), true),
        ] {
            let (_, problems) =
                read_meta(Some(&sheet(&[("version", value.clone())])), "x.xlsx", None);
            assert_eq!(problems.is_empty(), ok, "{value:?}");
        }
    }

    #[test]
    fn stems_drop_folders_and_extension() {
        assert_eq!(file_stem("a/b/c.xlsx"), "c");
        assert_eq!(file_stem("C:\\t\\m.v2.ods"), "m.v2");
        assert_eq!(file_stem("noext"), "noext");
        assert_eq!(file_stem(".hidden"), ".hidden");
    }
}

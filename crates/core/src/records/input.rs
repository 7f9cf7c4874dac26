//! Text typed by a person (or read from a cell) turned into a field's typed value.

use rusqlite::Connection;

use super::change::Row;
use super::schema::{table, Field, Kind, Table};
use super::value::Value;
use crate::error::{Error, Result, Rule};
use crate::types::{
    parse_bool, parse_count, parse_date, parse_money, parse_quantity, parse_year, DivisionCode,
    IdCardNumber, Period,
};

/// The longest free text a field takes.
const MAX_TEXT: usize = 4000;

/// Separators people use between the items of a list.
const LIST_SEPARATORS: [char; 5] = ['、', ',', '，', ';', '；'];

/// Reads `text` as a value of `field`; an empty text is no value. References are resolved to the
/// referenced record's id through `conn`.
///
/// # Errors
///
/// `invalid_field` naming the field and the text; `not_found` / `ambiguous` for a reference.
pub fn parse_field(conn: &Connection, field: &Field, text: &str) -> Result<Value> {
    let name = field.name;
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    Ok(match field.kind {
        Kind::Text => Value::Text(checked_text(name, text)?),
        Kind::Code => {
            let t = text.trim();
            let ok = t.chars().count() <= 32
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !ok {
                return Err(Error::invalid(name, text, Rule::BadCharacters));
            }
            Value::Text(t.to_string())
        }
        Kind::Phone => {
            let t = text.trim();
            let ok = t.len() <= 20
                && t.chars().any(|c| c.is_ascii_digit())
                && t.chars().all(|c| c.is_ascii_digit() || " -+()".contains(c));
            if !ok {
                return Err(Error::invalid(name, text, Rule::BadCharacters));
            }
            Value::Text(t.to_string())
        }
        Kind::Count => Value::Int(parse_count(name, text)?),
        Kind::Quantity => Value::Real(parse_quantity(name, text)?),
        Kind::Money => Value::Money(parse_money(name, text)?),
        Kind::Year => Value::Int(i64::from(parse_year(name, text)?)),
        Kind::Date => Value::Date(parse_date(name, text)?),
        Kind::Month => Value::Text(
            Period::parse(text)
                .map_err(|_| Error::invalid(name, text, Rule::NotAPeriod))?
                .to_string(),
        ),
        Kind::Bool => Value::Bool(parse_bool(name, text)?),
        Kind::Choice(taxon) => Value::Text(taxon.parse(name, text)?.to_string()),
        Kind::ChoiceList(taxon) => {
            let mut labels = Vec::new();
            for item in split_list(text) {
                let label = taxon.parse(name, item)?.to_string();
                if !labels.contains(&label) {
                    labels.push(label);
                }
            }
            list_value(labels)
        }
        Kind::TextList => {
            let items = split_list(text)
                .map(|i| checked_text(name, i))
                .collect::<Result<Vec<_>>>()?;
            list_value(items)
        }
        Kind::IdCard => Value::Text(IdCardNumber::parse(name, text)?.as_str().to_string()),
        Kind::Division => Value::Text(DivisionCode::parse(name, text)?.as_str().to_string()),
        Kind::Ref(target) => Value::Text(resolve(conn, target_table(target), text)?),
        Kind::RefList(target) => {
            let mut ids = Vec::new();
            for item in split_list(text) {
                let id = resolve(conn, target_table(target), item)?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            list_value(ids)
        }
    })
}

fn list_value(items: Vec<String>) -> Value {
    if items.is_empty() {
        Value::Null
    } else {
        Value::List(items)
    }
}

/// The items of a typed list, trimmed, empty ones dropped.
pub fn split_list(text: &str) -> impl Iterator<Item = &str> {
    text.split(LIST_SEPARATORS)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Free text: kept as typed (leading and trailing spaces trimmed), with no control characters.
fn checked_text(field: &str, text: &str) -> Result<String> {
    let t = text.trim();
    if t.chars().count() > MAX_TEXT {
        return Err(Error::invalid(field, text, Rule::TooLong { max: MAX_TEXT }));
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Error::invalid(field, text, Rule::BadCharacters));
    }
    Ok(t.to_string())
}

fn target_table(name: &str) -> &'static Table {
    // The schema names only tables it defines; a typo there is caught by the schema tests.
    table(name).unwrap_or(&super::schema::VILLAGE)
}

/// The id of the live record of `table` that `key` names: its id, or one of its key fields.
///
/// # Errors
///
/// `not_found` if none matches; `ambiguous` if several share the name.
pub fn resolve(conn: &Connection, table: &Table, key: &str) -> Result<String> {
    let key = key.trim();
    let by_id: Option<String> = rusqlite::OptionalExtension::optional(conn.query_row(
        &format!("SELECT id FROM {} WHERE id = ?1 AND deleted = 0", table.sql),
        [key],
        |r| r.get(0),
    ))?;
    if let Some(id) = by_id {
        return Ok(id);
    }
    for name in table.keys {
        let Some(field) = table.field(name) else {
            continue;
        };
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT id FROM {} WHERE {} = ?1 AND deleted = 0 LIMIT 2",
            table.sql, field.column
        ))?;
        let ids: Vec<String> = stmt
            .query_map([key], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        match ids.len() {
            0 => continue,
            1 => return Ok(ids.into_iter().next().unwrap_or_default()),
            _ => {
                let count: i64 = conn.query_row(
                    &format!(
                        "SELECT count(*) FROM {} WHERE {} = ?1 AND deleted = 0",
                        table.sql, field.column
                    ),
                    [key],
                    |r| r.get(0),
                )?;
                return Err(Error::Ambiguous {
                    what: table.label_zh.to_string(),
                    key: key.to_string(),
                    count: usize::try_from(count).unwrap_or(usize::MAX),
                });
            }
        }
    }
    Err(Error::NotFound {
        what: table.label_zh.to_string(),
        key: key.to_string(),
    })
}

/// Applies `FIELD=VALUE` pairs to `row`.
///
/// # Errors
///
/// `unknown_field` (with the closest name) for a field the record does not have, or the first
/// value refused.
pub fn apply_input(
    conn: &Connection,
    table: &Table,
    row: &mut Row,
    input: &[(String, String)],
) -> Result<()> {
    for (name, text) in input {
        let field = field_named(table, name)?;
        match parse_field(conn, field, text)? {
            Value::Null => row.remove(field.name),
            value => row.insert(field.name, value),
        };
    }
    Ok(())
}

/// The field of `table` called `name`.
///
/// # Errors
///
/// `unknown_field` with the closest known name.
pub fn field_named(table: &Table, name: &str) -> Result<&'static Field> {
    table.field(name.trim()).ok_or_else(|| Error::UnknownField {
        record: table.name.to_string(),
        field: name.to_string(),
        suggestion: closest(name, table.fields.iter().map(|f| f.name)),
    })
}

/// The candidate nearest to `word` by edit distance, if it is near enough to be a typo.
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    candidates
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= (c.chars().count() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_field() {
        let names = ["secretary", "secretary_phone", "name"];
        assert_eq!(
            closest("secretery", names.iter().copied()).as_deref(),
            Some("secretary")
        );
        assert_eq!(closest("zzzzzz", names.iter().copied()), None);
    }
}

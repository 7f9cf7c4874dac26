//! A field's value, as the records hold it, store it and show it.

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::types::{Value as SqlValue, ValueRef};
use serde::ser::{Serialize, SerializeMap, Serializer};

use super::schema::{Field, Kind};
use crate::types::Money;

/// A typed value of one field.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// No value.
    Null,
    /// Text (also codes, labels of a taxonomy, ids of referenced records, months).
    Text(String),
    /// A whole number (counts, years).
    Int(i64),
    /// A decimal quantity.
    Real(f64),
    /// Money.
    Money(Money),
    /// Yes or no.
    Bool(bool),
    /// A day.
    Date(NaiveDate),
    /// A local date and time (only computed values have one, such as `report.generated_at`).
    DateTime(NaiveDateTime),
    /// A list of texts (labels, names, or ids of referenced records).
    List(Vec<String>),
}

impl Value {
    /// Whether there is no value.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value as text, the way a person types it (and embedded text shows it).
    pub fn to_text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Text(t) => t.clone(),
            Value::Int(i) => i.to_string(),
            Value::Real(r) => format_real(*r),
            Value::Money(m) => m.to_string(),
            Value::Bool(b) => if *b { "是" } else { "否" }.to_string(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::DateTime(t) => t.format("%Y-%m-%d %H:%M").to_string(),
            Value::List(items) => items.join("、"),
        }
    }

    /// The value as a number, if it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Real(r) => Some(*r),
            Value::Money(m) => Some(m.yuan()),
            _ => None,
        }
    }

    /// The value as text, if it is text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }

    /// The value as a whole number, if it is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The value as a date, if it is one.
    pub fn as_date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }

    /// What SQLite stores for this value in a column of `kind`.
    pub(crate) fn to_sql(&self, kind: Kind) -> SqlValue {
        match self {
            Value::Null => SqlValue::Null,
            Value::Text(t) => SqlValue::Text(t.clone()),
            Value::Int(i) => SqlValue::Integer(*i),
            Value::Real(r) => SqlValue::Real(*r),
            Value::Money(m) => SqlValue::Integer(m.fen()),
            Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
            Value::Date(d) => SqlValue::Text(d.format("%Y-%m-%d").to_string()),
            Value::DateTime(t) => SqlValue::Text(t.format("%Y-%m-%dT%H:%M:%S").to_string()),
            Value::List(items) if items.is_empty() => SqlValue::Null,
            Value::List(items) => SqlValue::Text(items.join(list_separator(kind))),
        }
    }

    /// What SQLite stores for this value, borrowing its text where it can.
    pub(crate) fn to_sql_output(&self, kind: Kind) -> rusqlite::types::ToSqlOutput<'_> {
        use rusqlite::types::ToSqlOutput;
        match self {
            Value::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
            other => ToSqlOutput::Owned(other.to_sql(kind)),
        }
    }

    /// Reads what SQLite stored in a column of `kind`.
    pub(crate) fn from_sql(kind: Kind, v: ValueRef<'_>) -> Value {
        let text = || match v {
            ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
            _ => None,
        };
        match (kind, v) {
            (_, ValueRef::Null) => Value::Null,
            (Kind::Count | Kind::Year, ValueRef::Integer(i)) => Value::Int(i),
            (Kind::Quantity, ValueRef::Real(r)) => Value::Real(r),
            (Kind::Quantity, ValueRef::Integer(i)) => Value::Real(i as f64),
            (Kind::Money, ValueRef::Integer(i)) => Value::Money(Money::from_fen(i)),
            (Kind::Bool, ValueRef::Integer(i)) => Value::Bool(i != 0),
            (Kind::Date, _) => text()
                .and_then(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok())
                .map_or(Value::Null, Value::Date),
            (Kind::TextList | Kind::ChoiceList(_) | Kind::RefList(_), _) => {
                let sep = list_separator(kind);
                text().map_or(Value::Null, |t| {
                    Value::List(t.split(sep).map(str::to_string).collect())
                })
            }
            _ => text().map_or(Value::Null, Value::Text),
        }
    }
}

/// Lists of ids are joined with `,`; lists people read, with `、`.
fn list_separator(kind: Kind) -> &'static str {
    match kind {
        Kind::RefList(_) => ",",
        _ => "、",
    }
}

/// A decimal with no trailing zeros and no exponent.
pub(crate) fn format_real(r: f64) -> String {
    if r.fract() == 0.0 && r.abs() < 1e15 {
        format!("{}", r as i64)
    } else {
        let s = format!("{r:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_none(),
            Value::Text(t) => s.serialize_str(t),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Real(r) if r.fract() == 0.0 && r.abs() < 1e15 => s.serialize_i64(*r as i64),
            Value::Real(r) => s.serialize_f64(*r),
            Value::Money(m) => m.serialize(s),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Date(_) | Value::DateTime(_) | Value::List(_) => {
                s.serialize_str(&self.to_text())
            }
        }
    }
}

/// One record as shown to people and programs: its id and its fields by name, references shown
/// by the referenced record's name and personal numbers masked.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordView {
    /// The record's id.
    pub id: String,
    /// Its fields, in the table's order.
    pub fields: Vec<(&'static str, Value)>,
}

impl RecordView {
    /// The value of a field by name (`Null` if absent).
    pub fn get(&self, name: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.fields
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(&NULL, |(_, v)| v)
    }
}

impl Serialize for RecordView {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.fields.len() + 1))?;
        map.serialize_entry("id", &self.id)?;
        for (name, value) in &self.fields {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// A field with its value, for code that walks a table's fields.
pub(crate) fn field_value<'a>(
    row: &'a std::collections::BTreeMap<&'static str, Value>,
    field: &Field,
) -> &'a Value {
    static NULL: Value = Value::Null;
    row.get(field.name).unwrap_or(&NULL)
}

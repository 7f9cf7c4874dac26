//! Placeholders: `{{ path }}` inside a cell's text.
//!
//! A cell whose text, once surrounding spaces are trimmed, is exactly one placeholder is a
//! **whole-cell** placeholder and receives the typed value; a placeholder inside other text is
//! **embedded** and replaced by the value's text. Spaces inside the braces are optional (any
//! Unicode space, the full-width `　` included, since Chinese input methods type it).
//!
//! Only `{{` and `}}` are special: a single `{` or `}` is ordinary text. A `{{` that is not closed
//! before the next `{{`, or a `}}` with no `{{` before it, is unbalanced.

use crate::error::TemplateIssue;

use super::fields::{field, suggest, FieldInfo, Scope};

/// What a template cell receives when a return is rendered.
#[derive(Debug, Clone, PartialEq)]
pub enum Fill {
    /// The cell holds exactly one placeholder: it receives the typed value.
    Whole(&'static FieldInfo),
    /// Placeholders inside text: each is replaced by its value's text.
    Embedded(Vec<Segment>),
}

/// A piece of a cell's text with embedded placeholders.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// Text kept as it is, spaces included.
    Text(String),
    /// A placeholder, replaced by its value's text.
    Field(&'static FieldInfo),
}

impl Fill {
    /// The fields the cell names, in the order they appear.
    pub fn fields(&self) -> Vec<&'static FieldInfo> {
        match self {
            Fill::Whole(f) => vec![*f],
            Fill::Embedded(segments) => segments
                .iter()
                .filter_map(|s| match s {
                    Segment::Field(f) => Some(*f),
                    Segment::Text(_) => None,
                })
                .collect(),
        }
    }

    /// The collections the cell names (none for a cell of scalar placeholders).
    pub fn collections(&self) -> Vec<Scope> {
        let mut out: Vec<Scope> = Vec::new();
        for f in self.fields() {
            if f.is_collection() && !out.contains(&f.scope) {
                out.push(f.scope);
            }
        }
        out
    }
}

/// One piece of a scanned text, before paths are looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    Text(&'a str),
    Placeholder(&'a str),
}

/// Splits `text` into plain text and placeholder contents; `None` when braces are unbalanced.
fn tokenize(text: &str) -> Option<Vec<Token<'_>>> {
    let mut tokens = Vec::new();
    let mut rest = text;
    loop {
        let open = rest.find("{{");
        let close = rest.find("}}");
        match (open, close) {
            (None, None) => {
                if !rest.is_empty() {
                    tokens.push(Token::Text(rest));
                }
                return Some(tokens);
            }
            // A `}}` before any `{{` closes nothing.
            (None, Some(_)) => return None,
            (Some(o), Some(c)) if c < o => return None,
            // A `{{` with no `}}` after it.
            (Some(_), None) => return None,
            (Some(o), Some(_)) => {
                let inside_and_after = rest.get(o + 2..)?;
                let c = inside_and_after.find("}}")?;
                let inside = inside_and_after.get(..c)?;
                // Another `{{` before this one is closed: `{{ a {{ b }}`.
                if inside.contains("{{") {
                    return None;
                }
                if o > 0 {
                    tokens.push(Token::Text(rest.get(..o)?));
                }
                tokens.push(Token::Placeholder(inside));
                rest = inside_and_after.get(c + 2..)?;
            }
        }
    }
}

/// Whether `text` holds anything that looks like a placeholder (`{{` or `}}`).
pub(crate) fn looks_like_placeholder(text: &str) -> bool {
    text.contains("{{") || text.contains("}}")
}

/// Reads the placeholders of a cell's text: `Ok(None)` for plain text, `Ok(Some(fill))` when every
/// placeholder names a known path, or every issue found (an unbalanced text is one issue; each
/// unknown path is one issue, with the closest known path).
///
/// # Errors
///
/// The issues, as above.
///
/// # Examples
///
/// ```
/// use zhucun_core::template::{scan, Fill, Segment};
/// let Ok(Some(Fill::Whole(f))) = scan("{{village.name}}") else { panic!() };
/// assert_eq!(f.path, "village.name");
/// let Ok(Some(Fill::Embedded(parts))) = scan("截至{{ period.end }}") else { panic!() };
/// assert_eq!(parts[0], Segment::Text("截至".into()));
/// assert!(scan("{{ vilage.name }}").is_err());
/// assert_eq!(scan("合计"), Ok(None));
/// ```
pub fn scan(text: &str) -> Result<Option<Fill>, Vec<TemplateIssue>> {
    if !looks_like_placeholder(text) {
        return Ok(None);
    }
    let Some(tokens) = tokenize(text) else {
        return Err(vec![TemplateIssue::Unbalanced {
            text: text.to_string(),
        }]);
    };
    let mut issues = Vec::new();
    let mut segments = Vec::with_capacity(tokens.len());
    for token in tokens {
        match token {
            Token::Text(t) => segments.push(Segment::Text(t.to_string())),
            Token::Placeholder(inside) => {
                let path = inside.trim();
                match field(path) {
                    Some(f) => segments.push(Segment::Field(f)),
                    None => issues.push(TemplateIssue::UnknownPath {
                        path: path.to_string(),
                        suggestion: suggest(path),
                    }),
                }
            }
        }
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    // Surrounding spaces around a lone placeholder are a slip of the keyboard, not text the
    // clerk meant to keep: the cell still receives the typed value.
    let fields: Vec<&Segment> = segments
        .iter()
        .filter(|s| !matches!(s, Segment::Text(t) if t.trim().is_empty()))
        .collect();
    if let [Segment::Field(f)] = fields.as_slice() {
        return Ok(Some(Fill::Whole(f)));
    }
    Ok(Some(Fill::Embedded(segments)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(fill: &Fill) -> Vec<&'static str> {
        fill.fields().iter().map(|f| f.path).collect()
    }

    #[test]
    fn whole_cell_placeholders_allow_any_spacing() {
        for text in [
            "{{village.name}}",
            "{{ village.name }}",
            "{{\u{3000}village.name\u{3000}}}",
            "  {{ village.name }} ",
        ] {
            assert!(
                matches!(scan(text), Ok(Some(Fill::Whole(f))) if f.path == "village.name"),
                "{text}"
            );
        }
    }

    #[test]
    fn embedded_placeholders_keep_the_text_around_them() -> Result<(), Vec<TemplateIssue>> {
        let fill = scan("{{ village.name }}驻村工作月报（{{ period.label }}）")?;
        let Some(Fill::Embedded(segments)) = &fill else {
            panic!("{fill:?}");
        };
        assert_eq!(segments.len(), 4);
        assert_eq!(segments[1], Segment::Text("驻村工作月报（".into()));
        assert_eq!(segments[3], Segment::Text("）".into()));
        assert_eq!(
            fill.as_ref().map(paths),
            Some(vec!["village.name", "period.label"])
        );
        Ok(())
    }

    #[test]
    fn plain_text_and_single_braces_are_not_placeholders() {
        assert_eq!(scan("合计"), Ok(None));
        assert_eq!(scan("{a} {b}"), Ok(None));
        assert_eq!(scan(""), Ok(None));
    }

    #[test]
    fn unbalanced_braces_are_one_issue() {
        for text in [
            "{{ village.name",
            "village.name }}",
            "}} {{ village.name }}",
            "{{ village.name {{ period.end }}",
            "{{ village.name }} }}",
        ] {
            assert_eq!(
                scan(text),
                Err(vec![TemplateIssue::Unbalanced { text: text.into() }]),
                "{text}"
            );
        }
    }

    #[test]
    fn every_unknown_path_is_named_with_a_suggestion() {
        assert_eq!(
            scan("{{ vilage.name }}、{{ period.ned }}、{{ 村名 }}"),
            Err(vec![
                TemplateIssue::UnknownPath {
                    path: "vilage.name".into(),
                    suggestion: Some("village.name".into())
                },
                TemplateIssue::UnknownPath {
                    path: "period.ned".into(),
                    suggestion: Some("period.end".into())
                },
                TemplateIssue::UnknownPath {
                    path: "村名".into(),
                    suggestion: None
                },
            ])
        );
    }

    #[test]
    fn collections_are_listed_once() -> Result<(), Vec<TemplateIssue>> {
        let fill = scan("{{ visits.seq }}/{{ visits.date }}/{{ village.name }}")?;
        assert_eq!(fill.map(|f| f.collections()), Some(vec![Scope::Visits]));
        Ok(())
    }
}

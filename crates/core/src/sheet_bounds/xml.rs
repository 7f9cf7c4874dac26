//! XML reading the way calamine reads: the same reader settings and the same attribute rules, so
//! the check sees the events and values calamine will see.

use std::io::BufRead;

use quick_xml::events::BytesStart;
use quick_xml::Reader;

/// A reader configured as calamine configures its own for `.xlsx` and `.ods` parts.
pub(super) fn reader<R: BufRead>(source: R) -> Reader<R> {
    let mut r = Reader::from_reader(source);
    let config = r.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    r
}

/// A malformed attribute (a key without `=`, an unquoted value), where calamine reports an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BadAttribute;

/// The element's attributes as raw `(key, value)` pairs, split by calamine's rules: a key runs
/// to `=` (trailing spaces trimmed), a value is quoted and not unescaped.
pub(super) fn attributes<'a>(
    e: &'a BytesStart<'_>,
) -> impl Iterator<Item = Result<(&'a str, &'a str), BadAttribute>> + 'a {
    let raw = e.attributes_raw();
    let bytes = raw.as_bytes();
    let mut pos = 0;
    std::iter::from_fn(move || {
        while bytes.get(pos).is_some_and(u8::is_ascii_whitespace) {
            pos += 1;
        }
        if pos >= bytes.len() {
            return None;
        }
        let key_start = pos;
        while bytes.get(pos).is_some_and(|b| *b != b'=') {
            pos += 1;
        }
        if pos >= bytes.len() {
            pos = bytes.len();
            return Some(Err(BadAttribute));
        }
        let key = raw.get(key_start..pos).unwrap_or("").trim_ascii_end();
        pos += 1;
        while bytes.get(pos).is_some_and(u8::is_ascii_whitespace) {
            pos += 1;
        }
        let quote = match bytes.get(pos) {
            Some(q @ (b'"' | b'\'')) => *q,
            _ => {
                pos = bytes.len();
                return Some(Err(BadAttribute));
            }
        };
        pos += 1;
        let value_start = pos;
        while bytes.get(pos).is_some_and(|b| *b != quote) {
            pos += 1;
        }
        let value = raw.get(value_start..pos).unwrap_or("");
        if pos < bytes.len() {
            pos += 1;
        }
        Some(Ok((key, value)))
    })
}

/// The first attribute named `name` (calamine's `raw_attr`): an error met before it is an error.
pub(super) fn attribute<'a>(
    e: &'a BytesStart<'_>,
    name: &str,
) -> Result<Option<&'a str>, BadAttribute> {
    for item in attributes(e) {
        let (k, v) = item?;
        if k == name {
            return Ok(Some(v));
        }
    }
    Ok(None)
}

/// The attributes named in `names`, read as calamine's `get_attrs!` reads them: each match
/// overwrites, and the scan stops once as many matches as names were seen.
pub(super) fn attributes_named<'a, const N: usize>(
    e: &'a BytesStart<'_>,
    names: [&str; N],
) -> Result<[Option<&'a str>; N], BadAttribute> {
    let mut out = [None; N];
    let mut found = 0;
    for item in attributes(e) {
        let (k, v) = item?;
        if let Some(i) = names.iter().position(|n| *n == k) {
            if let Some(slot) = out.get_mut(i) {
                *slot = Some(v);
            }
            found += 1;
        }
        if found == N {
            break;
        }
    }
    Ok(out)
}

/// An attribute value with its XML entities replaced (calamine's `decode_attr`).
pub(super) fn decoded(value: &str) -> Option<String> {
    quick_xml::escape::unescape(value)
        .ok()
        .map(std::borrow::Cow::into_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(xml: &str) -> BytesStart<'_> {
        BytesStart::from_content(xml, 1)
    }

    #[test]
    fn attributes_follow_calamines_rules() {
        let e = start(r#"c r="A1" s = '3'  t="s""#);
        let all: Vec<_> = attributes(&e).collect();
        assert_eq!(all, vec![Ok(("r", "A1")), Ok(("s", "3")), Ok(("t", "s"))]);
        assert_eq!(attribute(&e, "t"), Ok(Some("s")));
        assert_eq!(attribute(&e, "x"), Ok(None));
        assert_eq!(
            attributes_named(&e, ["r", "s", "t"]),
            Ok([Some("A1"), Some("3"), Some("s")])
        );

        let bad = start(r#"c r="A1" broken"#);
        assert_eq!(attribute(&bad, "r"), Ok(Some("A1")));
        assert_eq!(attribute(&bad, "t"), Err(BadAttribute));
        assert_eq!(attributes_named(&bad, ["r"]), Ok([Some("A1")]));
        assert_eq!(attributes_named(&bad, ["r", "t"]), Err(BadAttribute));

        // A repeated key counts towards the early stop, as in calamine.
        let twice = start(r#"c s="1" s="2" r="B2""#);
        assert_eq!(attributes_named(&twice, ["r", "s"]), Ok([None, Some("2")]));
        assert_eq!(attribute(&twice, "r"), Ok(Some("B2")));

        assert_eq!(decoded("a&amp;b").as_deref(), Some("a&b"));
        assert_eq!(decoded("&bogus;"), None);
    }
}

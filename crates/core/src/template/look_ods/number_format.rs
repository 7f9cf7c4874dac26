//! Number styles: `number:number-style` and its kin, lists of parts and `style:map`s, turned
//! into the Excel format codes the renderer writes.

use std::collections::HashMap;

use calamine::Color;
use quick_xml::events::BytesStart;

use super::package::attributes;

/// Which element a number style is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum NumberKind {
    #[default]
    Number,
    Percentage,
    Currency,
    Date,
    Text,
    Boolean,
}

/// A part of a number style.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Piece {
    /// A format code as it is (`0.00`, `yyyy`, `@`).
    Code(String),
    /// Literal text, quoted as Excel needs.
    Text(String),
    /// A currency symbol (empty: the locale's, `¥` for the county's).
    Currency(String),
    /// A repeated fill character.
    Fill(String),
}

/// A `style:map`: the condition and the style it applies.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Condition {
    pub(super) test: String,
    pub(super) apply: String,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct NumberStyle {
    pub(super) kind: NumberKind,
    pub(super) pieces: Vec<Piece>,
    pub(super) color: Option<Color>,
    pub(super) maps: Vec<Condition>,
    /// `number:truncate-on-overflow="false"`: the leading time unit counts past its range
    /// (`[h]:mm`).
    pub(super) elapsed: bool,
    /// Whether its `number:number` is LibreOffice's General: no decimal places given, no
    /// grouping (the style is General if that is all it has).
    pub(super) general: bool,
}

#[derive(Debug, Default)]
pub(super) struct NumberStyles(pub(super) HashMap<String, NumberStyle>);

impl NumberStyles {
    /// The Excel format code of number style `name`, `None` for General or an unknown name.
    pub(super) fn code(&self, name: &str) -> Option<String> {
        let style = self.0.get(name)?;
        let own = self.body(style)?;
        if style.maps.is_empty() {
            return Some(own).filter(|c| c != "General");
        }
        let (mut pos, mut neg, mut zero) = (None, None, None);
        for map in &style.maps {
            let Some(body) = self.0.get(&map.apply).and_then(|s| self.body(s)) else {
                continue;
            };
            match section(&map.test) {
                Section::Negative if neg.is_none() => neg = Some(body),
                Section::Zero if zero.is_none() => zero = Some(body),
                Section::Positive | Section::Other if pos.is_none() => pos = Some(body),
                _ => {}
            }
        }
        let mut sections: Vec<String> = Vec::new();
        if style.kind == NumberKind::Text {
            // The style's own body is the text section, after the number sections.
            let first = pos.unwrap_or_else(|| "General".to_string());
            sections.push(first.clone());
            if neg.is_some() || zero.is_some() {
                sections.push(neg.unwrap_or(first));
            }
            if let Some(z) = zero {
                sections.push(z);
            }
            sections.push(own);
        } else if let Some(p) = pos {
            sections.push(p);
            match neg {
                // Positive and negative mapped: the style's own parts are for zero.
                Some(n) => {
                    sections.push(n);
                    sections.push(zero.unwrap_or(own));
                }
                None => {
                    sections.push(own);
                    sections.extend(zero);
                }
            }
        } else {
            sections.push(own.clone());
            sections.push(neg.unwrap_or_else(|| own.clone()));
            if let Some(z) = zero {
                sections.push(z);
            }
        }
        Some(sections.join(";"))
    }

    /// The code of one style's own parts, with its colour, without its maps.
    fn body(&self, style: &NumberStyle) -> Option<String> {
        if style.kind == NumberKind::Boolean {
            return None;
        }
        let date = style.kind == NumberKind::Date;
        let mut out = String::new();
        if let Some(name) = style.color.and_then(color_name) {
            out.push_str(name);
        }
        for piece in &style.pieces {
            match piece {
                Piece::Code(code) => out.push_str(code),
                Piece::Text(text) => out.push_str(&quote(text, style.kind, date)),
                Piece::Currency(symbol) if symbol.is_empty() => out.push_str("\"¥\""),
                Piece::Currency(symbol) => out.push_str(&quote(symbol, style.kind, date)),
                Piece::Fill(c) => {
                    out.push('*');
                    out.push_str(c);
                }
            }
        }
        (!out.is_empty()).then_some(out)
    }
}

/// Which Excel section a `style:map` condition fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Positive,
    Negative,
    Zero,
    Other,
}

fn section(test: &str) -> Section {
    let t: String = test.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(rest) = t.strip_prefix("value()") else {
        return Section::Other;
    };
    let (op, number) = [">=", "<=", "!=", ">", "<", "="]
        .iter()
        .find_map(|op| rest.strip_prefix(op).map(|n| (*op, n)))
        .unwrap_or(("", ""));
    if number.parse::<f64>().ok() != Some(0.0) {
        return Section::Other;
    }
    match op {
        ">=" | ">" => Section::Positive,
        "<" | "<=" => Section::Negative,
        "=" => Section::Zero,
        _ => Section::Other,
    }
}

/// Excel's name for a number style colour, for the eight it names.
fn color_name(c: Color) -> Option<&'static str> {
    Some(match (c.red, c.green, c.blue) {
        (0, 0, 0) => "[Black]",
        (0xFF, 0, 0) => "[Red]",
        (0, 0xFF, 0) => "[Green]",
        (0, 0, 0xFF) => "[Blue]",
        (0xFF, 0xFF, 0) => "[Yellow]",
        (0xFF, 0, 0xFF) => "[Magenta]",
        (0, 0xFF, 0xFF) => "[Cyan]",
        (0xFF, 0xFF, 0xFF) => "[White]",
        _ => return None,
    })
}

/// Literal text in a format code: characters Excel shows as they are stay bare, the rest is
/// quoted (`年` → `"年"`), so `yyyy"年"m"月"` and `yyyy-mm-dd` come out as a clerk writes them.
fn quote(text: &str, kind: NumberKind, date: bool) -> String {
    let bare = |c: char| {
        matches!(c, ' ' | '-' | '(' | ')' | '$' | '+' | ':')
            || (date && matches!(c, '/' | '.' | ','))
            || (kind == NumberKind::Percentage && c == '%')
    };
    let mut out = String::new();
    let mut quoted = false;
    for c in text.chars() {
        if bare(c) || c == '"' {
            if quoted {
                out.push('"');
                quoted = false;
            }
            if c == '"' {
                out.push_str("\\\"");
            } else {
                out.push(c);
            }
        } else {
            if !quoted {
                out.push('"');
                quoted = true;
            }
            out.push(c);
        }
    }
    if quoted {
        out.push('"');
    }
    out
}

/// The attributes of `number:number` and its kin that the code needs.
#[derive(Debug, Default)]
pub(super) struct Digits {
    pub(super) decimals: Option<u32>,
    min_decimals: Option<u32>,
    pub(super) min_integer: u32,
    pub(super) grouping: bool,
    /// `number:display-factor`: 1000 per `,` at the end.
    pub(super) thousands: u32,
    min_exponent: u32,
    exponent_interval: u32,
    numerator: u32,
    denominator: u32,
    denominator_value: Option<u32>,
}

impl Digits {
    pub(super) fn read(e: &BytesStart<'_>) -> Digits {
        let mut d = Digits {
            min_integer: 1,
            ..Digits::default()
        };
        let small = |v: &str| v.trim().parse::<u32>().ok().map(|n| n.min(30));
        for (key, value) in attributes(e) {
            match key.as_str() {
                "number:decimal-places" => d.decimals = small(&value),
                "number:min-decimal-places" | "loext:min-decimal-places" => {
                    d.min_decimals = small(&value);
                }
                "number:min-integer-digits" => d.min_integer = small(&value).unwrap_or(1),
                "number:grouping" => d.grouping = value == "true",
                "number:display-factor" => {
                    let factor = value.trim().parse::<f64>().unwrap_or(1.0);
                    let mut f = factor;
                    while f >= 1000.0 && d.thousands < 4 {
                        d.thousands += 1;
                        f /= 1000.0;
                    }
                }
                "number:min-exponent-digits" => d.min_exponent = small(&value).unwrap_or(1),
                "number:exponent-interval" => d.exponent_interval = small(&value).unwrap_or(1),
                "number:min-numerator-digits" => d.numerator = small(&value).unwrap_or(1),
                "number:min-denominator-digits" => d.denominator = small(&value).unwrap_or(1),
                "number:denominator-value" => d.denominator_value = small(&value),
                "number:max-denominator-value" => {
                    if let Some(v) = value.trim().parse::<u64>().ok().filter(|v| *v > 0) {
                        let digits = v.to_string().len();
                        d.denominator = d.denominator.max(u32::try_from(digits).unwrap_or(1));
                    }
                }
                _ => {}
            }
        }
        d
    }

    /// The integer part: `0`, `#`, `#,##0`, `00`.
    fn integer(&self) -> String {
        let zeros = "0".repeat(self.min_integer as usize);
        if !self.grouping {
            return if zeros.is_empty() { "#".into() } else { zeros };
        }
        let mut digits = "#".repeat(4usize.saturating_sub(zeros.len())) + &zeros;
        let at = digits.len().saturating_sub(3);
        digits.insert(at, ',');
        digits
    }

    /// The decimal part: `.00`, `.0#`, or nothing.
    fn fraction(&self) -> String {
        let max = self.decimals.unwrap_or(0);
        let min = self.min_decimals.unwrap_or(max).min(max);
        if max == 0 {
            return String::new();
        }
        format!(
            ".{}{}",
            "0".repeat(min as usize),
            "#".repeat((max - min) as usize)
        )
    }

    pub(super) fn number(&self) -> String {
        format!(
            "{}{}{}",
            self.integer(),
            self.fraction(),
            ",".repeat(self.thousands as usize)
        )
    }

    pub(super) fn scientific(&self) -> String {
        // Engineering notation (an exponent in steps of 3) shows up to 3 integer digits.
        let interval = self.exponent_interval.max(1) as usize;
        let zeros = (self.min_integer as usize).clamp(1, interval);
        let integer = "#".repeat(interval - zeros) + &"0".repeat(zeros);
        format!(
            "{integer}{}E+{}",
            self.fraction(),
            "0".repeat(self.min_exponent.max(1) as usize)
        )
    }

    pub(super) fn fraction_code(&self) -> String {
        let whole = if self.min_integer == 0 { "#" } else { "0" };
        let denominator = match self.denominator_value {
            Some(v) => v.to_string(),
            None => "?".repeat(self.denominator.max(1) as usize),
        };
        format!(
            "{whole} {}/{denominator}",
            "?".repeat(self.numerator.max(1) as usize)
        )
    }
}

/// A date or time part as an Excel code; `long` is `number:style="long"`.
pub(super) fn date_part(
    element: &str,
    long: bool,
    textual: bool,
    seconds_decimals: u32,
) -> Option<String> {
    Some(match (element, long) {
        ("number:year", true) => "yyyy".into(),
        ("number:year", false) => "yy".into(),
        ("number:month", _) if textual => if long { "mmmm" } else { "mmm" }.into(),
        ("number:month", true) => "mm".into(),
        ("number:month", false) => "m".into(),
        ("number:day", true) => "dd".into(),
        ("number:day", false) => "d".into(),
        ("number:day-of-week", true) => "dddd".into(),
        ("number:day-of-week", false) => "ddd".into(),
        ("number:hours", true) => "hh".into(),
        ("number:hours", false) => "h".into(),
        ("number:minutes", true) => "mm".into(),
        ("number:minutes", false) => "m".into(),
        ("number:seconds", long) => {
            let base = if long { "ss" } else { "s" };
            if seconds_decimals > 0 {
                format!("{base}.{}", "0".repeat(seconds_decimals as usize))
            } else {
                base.into()
            }
        }
        ("number:am-pm", _) => "AM/PM".into(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::content;
    use super::super::package::xml_reader;
    use super::super::part_styles::{prelude, PartKind, Styles};
    use crate::template::look::LookError;

    #[test]
    fn number_styles_become_excel_format_codes() -> Result<(), LookError> {
        let automatic = concat!(
            r##"<number:number-style style:name="General"><number:number number:min-integer-digits="1"/></number:number-style>"##,
            r##"<number:number-style style:name="Money"><number:number number:decimal-places="2" number:min-decimal-places="2" number:min-integer-digits="1" number:grouping="true"/></number:number-style>"##,
            r##"<number:number-style style:name="Optional"><number:number number:decimal-places="3" number:min-decimal-places="1" number:min-integer-digits="0"/></number:number-style>"##,
            r##"<number:number-style style:name="Wan"><number:number number:decimal-places="1" number:min-decimal-places="1" number:min-integer-digits="1"/><number:text>万元</number:text></number:number-style>"##,
            r##"<number:percentage-style style:name="Pct"><number:number number:decimal-places="1" number:min-decimal-places="1" number:min-integer-digits="1"/><number:text>%</number:text></number:percentage-style>"##,
            r##"<number:number-style style:name="Sci"><number:scientific-number number:decimal-places="2" number:min-decimal-places="2" number:min-integer-digits="1" number:min-exponent-digits="2"/></number:number-style>"##,
            r##"<number:number-style style:name="Frac"><number:fraction number:min-integer-digits="0" number:min-numerator-digits="1" number:min-denominator-digits="1"/></number:number-style>"##,
            r##"<number:date-style style:name="Iso"><number:year number:style="long"/><number:text>-</number:text><number:month number:style="long"/><number:text>-</number:text><number:day number:style="long"/></number:date-style>"##,
            r##"<number:date-style style:name="Zh"><number:year number:style="long"/><number:text>年</number:text><number:month/><number:text>月</number:text><number:day/><number:text>日</number:text></number:date-style>"##,
            r##"<number:date-style style:name="Stamp"><number:year number:style="long"/><number:text>/</number:text><number:month/><number:text>/</number:text><number:day/><number:text> </number:text><number:hours/><number:text>:</number:text><number:minutes number:style="long"/><number:text> </number:text><number:am-pm/></number:date-style>"##,
            r##"<number:date-style style:name="Long"><number:month number:style="long" number:textual="true"/><number:text> </number:text><number:day/><number:text>, </number:text><number:year number:style="long"/></number:date-style>"##,
            r##"<number:time-style style:name="Elapsed" number:truncate-on-overflow="false"><number:hours/><number:text>:</number:text><number:minutes number:style="long"/></number:time-style>"##,
            r##"<number:time-style style:name="Tenths"><number:minutes number:style="long"/><number:text>:</number:text><number:seconds number:style="long" number:decimal-places="1"/></number:time-style>"##,
            r##"<number:text-style style:name="Text"><number:text-content/></number:text-style>"##,
            r##"<number:number-style style:name="YuanP0" style:volatile="true"><number:text>¥</number:text><number:number number:decimal-places="2" number:min-decimal-places="2" number:min-integer-digits="1" number:grouping="true"/></number:number-style>"##,
            r##"<number:number-style style:name="Yuan"><style:text-properties fo:color="#ff0000"/><number:text>¥-</number:text><number:number number:decimal-places="2" number:min-decimal-places="2" number:min-integer-digits="1" number:grouping="true"/><style:map style:condition="value()&gt;=0" style:apply-style-name="YuanP0"/></number:number-style>"##,
            r##"<number:number-style style:name="ThreeP0" style:volatile="true"><number:number number:decimal-places="1" number:min-decimal-places="1" number:min-integer-digits="1" number:grouping="true"/></number:number-style>"##,
            r##"<number:number-style style:name="ThreeP1" style:volatile="true"><number:text>-</number:text><number:number number:decimal-places="1" number:min-decimal-places="1" number:min-integer-digits="1" number:grouping="true"/></number:number-style>"##,
            r##"<number:number-style style:name="Three"><number:text>-</number:text><style:map style:condition="value()&gt;0" style:apply-style-name="ThreeP0"/><style:map style:condition="value()&lt;0" style:apply-style-name="ThreeP1"/></number:number-style>"##,
            r##"<number:date-style style:name="MonthP0" style:volatile="true"><number:year number:style="long"/><number:text>年</number:text><number:month/><number:text>月</number:text></number:date-style>"##,
            r##"<number:text-style style:name="Month"><number:text-content/><style:map style:condition="value()&lt;=1.7976931348623157E+308" style:apply-style-name="MonthP0"/></number:text-style>"##,
            r##"<number:number-style style:name="Quote"><number:number number:min-integer-digits="1" number:decimal-places="0"/><number:text>"a"</number:text></number:number-style>"##,
            r##"<number:currency-style style:name="Cur"><number:currency-symbol number:language="zh" number:country="CN">￥</number:currency-symbol><number:number number:decimal-places="0" number:min-integer-digits="1" number:grouping="true"/></number:currency-style>"##,
            r##"<number:boolean-style style:name="Bool"><number:boolean/></number:boolean-style>"##,
        );
        let mut styles = Styles::default();
        let xml = content(automatic, "");
        let mut reader = xml_reader(xml.as_bytes());
        prelude(&mut reader, PartKind::Content, &mut styles)?;
        for (name, code) in [
            ("General", None),
            ("Money", Some("#,##0.00")),
            ("Optional", Some("#.0##")),
            ("Wan", Some("0.0\"万元\"")),
            ("Pct", Some("0.0%")),
            ("Sci", Some("0.00E+00")),
            ("Frac", Some("# ?/?")),
            ("Iso", Some("yyyy-mm-dd")),
            ("Zh", Some("yyyy\"年\"m\"月\"d\"日\"")),
            ("Stamp", Some("yyyy/m/d h:mm AM/PM")),
            ("Long", Some("mmmm d, yyyy")),
            ("Elapsed", Some("[h]:mm")),
            ("Tenths", Some("mm:ss.0")),
            ("Text", Some("@")),
            ("Yuan", Some("\"¥\"#,##0.00;[Red]\"¥\"-#,##0.00")),
            ("Three", Some("#,##0.0;-#,##0.0;-")),
            ("Month", Some("yyyy\"年\"m\"月\";@")),
            ("Quote", Some("0\\\"\"a\"\\\"")),
            ("Cur", Some("\"￥\"#,##0")),
            ("Bool", None),
            ("Missing", None),
        ] {
            assert_eq!(styles.numbers.code(name).as_deref(), code, "{name}");
        }
        Ok(())
    }
}

//! Formulas of `.ods` templates, rewritten in Excel's syntax.
//!
//! calamine gives an ODS formula in OpenFormula (`of:=SUM([.G4:.G4])`, `[$项目与走访.G5]`,
//! arguments separated by `;`), while `.xlsx` and `.xls` formulas come in Excel's A1 syntax
//! without the `=`. The template model holds every formula in Excel's syntax, so the renderer
//! (which writes `.xlsx`) and its reference shifting deal with one syntax only.

/// Rewrites an OpenFormula formula in Excel's A1 syntax, without the leading `=`; a formula that
/// is not OpenFormula is returned without its `=` and otherwise unchanged.
pub(crate) fn excel_from_openformula(formula: &str) -> String {
    let Some(body) = formula.strip_prefix("of:") else {
        // LibreOffice marks formulas kept in Excel's own syntax with `msoxl:`.
        let plain = formula.strip_prefix("msoxl:").unwrap_or(formula);
        return plain.strip_prefix('=').unwrap_or(plain).to_string();
    };
    let body = body.strip_prefix('=').unwrap_or(body);
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                // A string literal, copied as it is (`""` is an escaped quote inside it).
                out.push('"');
                while let Some(s) = chars.next() {
                    out.push(s);
                    if s == '"' {
                        if chars.peek() == Some(&'"') {
                            out.push('"');
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
            }
            '[' => {
                let mut reference = String::new();
                let mut quoted = false;
                for r in chars.by_ref() {
                    if r == '\'' {
                        quoted = !quoted;
                    }
                    if r == ']' && !quoted {
                        break;
                    }
                    reference.push(r);
                }
                out.push_str(&excel_reference(&reference));
            }
            ';' => out.push(','),
            _ => out.push(c),
        }
    }
    out
}

/// `.A1` → `A1`; `.A1:.B2` → `A1:B2`; `$Sheet.A1` → `Sheet!A1`; `'My sheet'.A1:.B2` →
/// `'My sheet'!A1:B2`.
fn excel_reference(reference: &str) -> String {
    let parts = split_outside_quotes(reference, ':');
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        let (sheet, cell) = match rfind_outside_quotes(part, '.') {
            Some(dot) => (
                part.get(..dot).unwrap_or(""),
                part.get(dot + 1..).unwrap_or(""),
            ),
            None => ("", part.as_str()),
        };
        let sheet = sheet.strip_prefix('$').unwrap_or(sheet);
        if cell.contains('#') || sheet.contains('#') {
            return "#REF!".to_string();
        }
        if i > 0 {
            out.push(':');
        }
        // Excel names the sheet once, before the whole range.
        if i == 0 && !sheet.is_empty() {
            out.push_str(&excel_sheet_name(sheet));
            out.push('!');
        }
        out.push_str(cell);
    }
    out
}

/// A sheet name as Excel writes it in a reference: quoted unless it is letters, digits and `_`
/// (CJK letters included) not starting with a digit.
fn excel_sheet_name(sheet: &str) -> String {
    if sheet.starts_with('\'') {
        return sheet.to_string();
    }
    let plain = sheet.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !sheet.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        sheet.to_string()
    } else {
        format!("'{}'", sheet.replace('\'', "''"))
    }
}

fn split_outside_quotes(text: &str, separator: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut quoted = false;
    for c in text.chars() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c == separator && !quoted {
            parts.push(String::new());
        } else if let Some(last) = parts.last_mut() {
            last.push(c);
        }
    }
    parts
}

fn rfind_outside_quotes(text: &str, needle: char) -> Option<usize> {
    let mut quoted = false;
    let mut found = None;
    for (i, c) in text.char_indices() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c == needle && !quoted {
            found = Some(i);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openformula_becomes_excel_syntax() {
        for (ods, excel) in [
            ("of:=SUM([.G4:.G4])", "SUM(G4:G4)"),
            ("of:=IF([.G4]=0;0;[.H4]/[.G4])", "IF(G4=0,0,H4/G4)"),
            (
                "of:=IF([$项目与走访.G5]=0;0;[$项目与走访.H5]/[$项目与走访.G5])",
                "IF(项目与走访!G5=0,0,项目与走访!H5/项目与走访!G5)",
            ),
            ("of:=COUNTA([.C9:.C9])", "COUNTA(C9:C9)"),
            ("of:=SUM([.$F$6:.F6])", "SUM($F$6:F6)"),
            ("of:=['My sheet'.A1:'My sheet'.B2]", "'My sheet'!A1:B2"),
            ("of:=[$Sheet2.A1:.B2]", "Sheet2!A1:B2"),
            ("of:=\"a;[b]\"&[.A1]", "\"a;[b]\"&A1"),
            ("of:=\"say \"\"hi\"\";\"", "\"say \"\"hi\"\";\""),
            ("of:=[.#REF!]+1", "#REF!+1"),
            ("of:=[$'2024 数据'.A1]", "'2024 数据'!A1"),
        ] {
            assert_eq!(excel_from_openformula(ods), excel, "{ods}");
        }
    }

    #[test]
    fn excel_formulas_lose_only_their_equals_sign() {
        assert_eq!(excel_from_openformula("SUM(A1:A2)"), "SUM(A1:A2)");
        assert_eq!(excel_from_openformula("=SUM(A1:A2)"), "SUM(A1:A2)");
        assert_eq!(excel_from_openformula("msoxl:=SUM(A1;A2)"), "SUM(A1;A2)");
    }

    #[test]
    fn sheet_names_are_quoted_when_excel_needs_it() {
        assert_eq!(excel_sheet_name("项目与走访"), "项目与走访");
        assert_eq!(excel_sheet_name("Sheet 1"), "'Sheet 1'");
        assert_eq!(excel_sheet_name("2024"), "'2024'");
        assert_eq!(excel_sheet_name("a'b"), "'a''b'");
    }
}

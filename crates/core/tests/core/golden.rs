//! Golden tests: templates written by other programs, rendered for the demo village in
//! November 2026 through `gather` and `render`, and checked cell by cell — values and their
//! types, row counts, formula text, merged ranges, column widths and styles — then recalculated
//! by LibreOffice. Also the default template: it imports, names every path, and is what its
//! script makes.
//!
//! The templates come from `tests/golden/make_templates.py` (openpyxl), and from LibreOffice
//! converting that file to `.xls` and `.ods`. These tests need `python3` with openpyxl and
//! `soffice` (LibreOffice Calc); `make test` installs them. They never skip: a missing tool is a
//! failure that says so.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use calamine::{open_workbook, Data, Range, Reader, Xlsx};
use chrono::{NaiveDate, NaiveDateTime};
use zhucun_core::records::Value;
use zhucun_core::rusqlite::Connection;
use zhucun_core::template::{self, ParsedTemplate, ReturnData, Scope};
use zhucun_core::Period;

use crate::common::{db, demo_db, TestResult};

const GOLDEN_SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/make_templates.py"
);
const DEFAULT_SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/templates/make_default_template.py"
);
const DEFAULT_ASSET: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/templates/default_monthly.xlsx"
);

/// Who signs the golden returns: text that begins with `=` and ends with a space, which must
/// stay text, spaces and all.
const SIGNER: &str = "=第一书记 ";

// ---------------------------------------------------------------------------------------------
// Running the other programs.

/// Runs `command`; a program that is not installed, or that fails, is an error naming what to
/// install.
fn run(command: &mut Command, program: &str, install: &str) -> TestResult<Output> {
    let output = command.output().map_err(|e| {
        format!("{program} could not be run ({e}): run `make test`, which installs {install}")
    })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let hint = if stderr.contains("No module named 'openpyxl'") {
            "openpyxl is missing: run `make test`, which installs it (pip install openpyxl)"
                .to_string()
        } else {
            format!("{program} failed")
        };
        return Err(format!(
            "{hint}: {}\n{stderr}",
            String::from_utf8_lossy(&output.stdout)
        )
        .into());
    }
    Ok(output)
}

/// Runs a Python script with `args`.
pub(crate) fn python(script: &str, args: &[&Path]) -> TestResult {
    run(
        Command::new("python3").arg(script).args(args),
        "python3",
        "python3 and openpyxl",
    )?;
    Ok(())
}

/// Converts `input` with LibreOffice to `filter` (`xls`, `ods`, `csv:…`) into `out_dir`, with a
/// profile of its own so tests running at once do not clash.
fn soffice(input: &Path, filter: &str, out_dir: &Path) -> TestResult {
    let profile = tempfile::tempdir()?;
    run(
        Command::new("soffice")
            .arg(format!(
                "-env:UserInstallation=file://{}",
                profile.path().display()
            ))
            .args([
                "--headless",
                "--norestore",
                "--convert-to",
                filter,
                "--outdir",
            ])
            .arg(out_dir)
            .arg(input),
        "soffice",
        "LibreOffice Calc (libreoffice-calc-nogui)",
    )?;
    Ok(())
}

/// The golden template written by openpyxl, in `dir`.
fn openpyxl_template(dir: &Path) -> TestResult<PathBuf> {
    python(GOLDEN_SCRIPT, &[dir])?;
    Ok(dir.join("golden.xlsx"))
}

/// `xlsx` converted by LibreOffice to `ext`.
pub(crate) fn libreoffice_copy(xlsx: &Path, ext: &str) -> TestResult<PathBuf> {
    let dir = xlsx.parent().ok_or("no folder")?;
    soffice(xlsx, ext, dir)?;
    let out = xlsx.with_extension(ext);
    if !out.exists() {
        return Err(format!("LibreOffice did not write {}", out.display()).into());
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Rendering.

/// The demo village's data for November 2026, signed by [`SIGNER`].
fn november(conn: &Connection) -> TestResult<ReturnData> {
    Ok(template::gather(
        conn,
        Period::parse("2026-11")?,
        Some(SIGNER),
    )?)
}

/// Imports the template at `path`, renders it with `data` into `out`.
fn render_file(conn: &Connection, path: &Path, data: &ReturnData, out: &Path) -> TestResult {
    let bytes = std::fs::read(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    template::import_bytes(conn, &name, &bytes)?;
    let parsed = template::parse_template(&name, &bytes)?;
    render(&parsed, &bytes, data, out)
}

fn render(parsed: &ParsedTemplate, bytes: &[u8], data: &ReturnData, out: &Path) -> TestResult {
    let month = |path: &str| scalar(data, path).as_i64().ok_or(format!("no {path}"));
    let period = Period::from_year_month(
        i32::try_from(month("period.year")?)?,
        u32::try_from(month("period.month")?)?,
    )
    .ok_or("no period")?;
    let stamp = template::RenderStamp::from_data(data, period);
    template::render(parsed, bytes, data, &stamp, out)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reading a return.

/// A rendered return, as calamine reads it.
struct Book {
    path: PathBuf,
    xlsx: Xlsx<std::io::BufReader<std::fs::File>>,
    values: BTreeMap<String, Range<Data>>,
    formulas: BTreeMap<String, Range<String>>,
}

impl Book {
    fn open(path: &Path) -> TestResult<Book> {
        let mut xlsx: Xlsx<_> = open_workbook(path)?;
        let mut values = BTreeMap::new();
        let mut formulas = BTreeMap::new();
        for name in xlsx.sheet_names() {
            values.insert(name.clone(), xlsx.worksheet_range(&name)?);
            formulas.insert(name.clone(), xlsx.worksheet_formula(&name)?);
        }
        Ok(Book {
            path: path.to_path_buf(),
            xlsx,
            values,
            formulas,
        })
    }

    fn value(&self, sheet: &str, a1: &str) -> TestResult<Data> {
        let at = pos(a1)?;
        Ok(self
            .values
            .get(sheet)
            .ok_or(format!("no sheet {sheet}"))?
            .get_value(at)
            .cloned()
            .unwrap_or(Data::Empty))
    }

    /// The formula at `a1`, without `=` and with sheet names unquoted.
    fn formula(&self, sheet: &str, a1: &str) -> TestResult<Option<String>> {
        let at = pos(a1)?;
        Ok(self
            .formulas
            .get(sheet)
            .ok_or(format!("no sheet {sheet}"))?
            .get_value(at)
            .filter(|f| !f.is_empty())
            .map(|f| f.trim_start_matches('=').replace('\'', "")))
    }

    fn text(&self, sheet: &str, a1: &str) -> TestResult<String> {
        match self.value(sheet, a1)? {
            Data::String(s) => Ok(s),
            other => Err(format!("{sheet}!{a1} is {other:?}, not text").into()),
        }
    }

    fn number(&self, sheet: &str, a1: &str) -> TestResult<f64> {
        match self.value(sheet, a1)? {
            Data::Float(f) => Ok(f),
            Data::Int(i) => Ok(i as f64),
            other => Err(format!("{sheet}!{a1} is {other:?}, not a number").into()),
        }
    }

    /// A real date (a number with a date format), as calamine reads it.
    fn date_time(&self, sheet: &str, a1: &str) -> TestResult<NaiveDateTime> {
        match self.value(sheet, a1)? {
            Data::DateTime(d) => d
                .as_datetime()
                .ok_or_else(|| format!("{sheet}!{a1}: {d:?} is no date").into()),
            other => Err(format!("{sheet}!{a1} is {other:?}, not a date").into()),
        }
    }

    fn date(&self, sheet: &str, a1: &str) -> TestResult<NaiveDate> {
        Ok(self.date_time(sheet, a1)?.date())
    }

    fn merges(&mut self, sheet: &str) -> TestResult<Vec<String>> {
        let mut out: Vec<String> = self
            .xlsx
            .merge_cells_by_sheet_name(sheet)?
            .into_iter()
            .map(|d| format!("{}:{}", a1(d.start), a1(d.end)))
            .collect();
        out.sort();
        Ok(out)
    }

    fn style(&mut self, sheet: &str, a1: &str) -> TestResult<calamine::Style> {
        let styles = self.xlsx.worksheet_style(sheet)?;
        Ok(styles.get(pos(a1)?).cloned().unwrap_or_default())
    }

    fn widths(&self, sheet: &str) -> TestResult<BTreeMap<u32, f64>> {
        column_widths(&self.path, sheet)
    }
}

fn pos(a1: &str) -> TestResult<(u32, u32)> {
    let letters: String = a1.chars().take_while(char::is_ascii_alphabetic).collect();
    let digits = &a1[letters.len()..];
    let mut col = 0u32;
    for c in letters.chars() {
        col = col * 26 + (u32::from(c.to_ascii_uppercase()) - u32::from('A') + 1);
    }
    let row: u32 = digits.parse()?;
    Ok((row - 1, col - 1))
}

fn a1((row, col): (u32, u32)) -> String {
    template::cell_a1(row, col)
}

fn bold(style: &calamine::Style) -> bool {
    style.font.as_ref().is_some_and(calamine::Font::is_bold)
}

fn fill_rgb(style: &calamine::Style) -> Option<u32> {
    style
        .fill
        .as_ref()
        .filter(|f| f.is_visible())
        .and_then(calamine::Fill::get_color)
        .map(|c| c.to_argb() & 0x00FF_FFFF)
}

fn number_format(style: &calamine::Style) -> String {
    style
        .number_format
        .as_ref()
        .map(|n| n.format_code.clone())
        .unwrap_or_else(|| "General".into())
}

fn boxed(style: &calamine::Style) -> bool {
    style
        .borders
        .as_ref()
        .is_some_and(calamine::Borders::has_visible_borders)
}

/// The value of attribute `name` in the XML start tag `tag`.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

fn zip_text(path: &Path, member: &str) -> TestResult<String> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path)?)?;
    let mut text = String::new();
    archive.by_name(member)?.read_to_string(&mut text)?;
    Ok(text)
}

/// The widths the sheet's XML gives its columns (0-based), as written.
fn column_widths(path: &Path, sheet: &str) -> TestResult<BTreeMap<u32, f64>> {
    let workbook = zip_text(path, "xl/workbook.xml")?;
    let rel = workbook
        .split('<')
        .filter(|t| t.starts_with("sheet "))
        .find(|t| attribute(t, "name") == Some(sheet))
        .and_then(|t| attribute(t, "r:id"))
        .ok_or(format!("no sheet {sheet} in workbook.xml"))?
        .to_string();
    let rels = zip_text(path, "xl/_rels/workbook.xml.rels")?;
    let target = rels
        .split('<')
        .filter(|t| t.starts_with("Relationship "))
        .find(|t| attribute(t, "Id") == Some(rel.as_str()))
        .and_then(|t| attribute(t, "Target"))
        .ok_or(format!("no relationship {rel}"))?;
    let member = match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("xl/{target}"),
    };
    let xml = zip_text(path, &member)?;
    let mut widths = BTreeMap::new();
    for tag in xml.split('<').filter(|t| t.starts_with("col ")) {
        let (Some(min), Some(max), Some(width)) = (
            attribute(tag, "min").and_then(|v| v.parse::<u32>().ok()),
            attribute(tag, "max").and_then(|v| v.parse::<u32>().ok()),
            attribute(tag, "width").and_then(|v| v.parse::<f64>().ok()),
        ) else {
            continue;
        };
        for col in min..=max.min(min + 100) {
            widths.insert(col - 1, width);
        }
    }
    Ok(widths)
}

// ---------------------------------------------------------------------------------------------
// What the demo village's November return must hold.

fn scalar<'a>(data: &'a ReturnData, path: &str) -> &'a Value {
    static NULL: Value = Value::Null;
    data.scalars.get(path).unwrap_or(&NULL)
}

fn field<'a>(item: &'a template::Item, name: &str) -> &'a Value {
    static NULL: Value = Value::Null;
    item.get(name).unwrap_or(&NULL)
}

fn yuan(value: &Value) -> TestResult<f64> {
    match value {
        Value::Money(m) => Ok(m.yuan()),
        other => Err(format!("{other:?} is not money").into()),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6 * (1.0 + a.abs().max(b.abs()))
}

/// A cell that receives `value` by a whole-cell placeholder: text as text, empty as empty.
fn assert_text(book: &Book, sheet: &str, a1: &str, value: &Value) -> TestResult {
    let got = book.value(sheet, a1)?;
    match value {
        Value::Null => assert!(
            matches!(got, Data::Empty) || got == Data::String(String::new()),
            "{sheet}!{a1}: {got:?}"
        ),
        v => assert_eq!(got, Data::String(v.to_text()), "{sheet}!{a1}"),
    }
    Ok(())
}

/// Which parts of the look a template's format lets calamine see, and so the return keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// openpyxl's `.xlsx`: everything.
    Xlsx,
    /// LibreOffice's `.xls`: merged ranges, widths (to a pixel) and styles. Its formulas are
    /// decoded by Zhucun rather than calamine (which misreads them), so every formula is checked
    /// as for the `.xlsx`.
    Xls,
    /// LibreOffice's `.ods`: merged ranges, styles, and widths to one factor (see
    /// `check_golden_return`).
    Ods,
}

/// Checks the return rendered from the golden template (in any of its formats) for the demo
/// village's November data, cell by cell.
fn check_golden_return(
    path: &Path,
    data: &ReturnData,
    source: Source,
    template_widths: &BTreeMap<String, BTreeMap<u32, f64>>,
) -> TestResult {
    let mut book = Book::open(path)?;
    let interventions = data.items(Scope::Interventions);
    let funds = data.items(Scope::Funds);
    let visits = data.items(Scope::Visits);
    let logs = data.items(Scope::Logs);
    let (n, m, v, l) = (
        u32::try_from(interventions.len())?,
        u32::try_from(funds.len())?,
        u32::try_from(visits.len())?,
        u32::try_from(logs.len())?,
    );
    assert!(
        n > 1 && m > n && v > 1 && l > 1,
        "the demo fills every list"
    );

    let names: Vec<String> = book.xlsx.sheet_names();
    assert_eq!(&names[..3], ["概况", "项目", "记录"]);
    assert!(!names.iter().any(|s| s == "_meta"), "_meta is not copied");
    let record = book
        .xlsx
        .sheets_metadata()
        .iter()
        .find(|s| s.name == "_zhucun")
        .ok_or("no _zhucun sheet")?;
    assert_ne!(record.visible, calamine::SheetVisible::Visible);

    // 概况: a title and a line of embedded values, then whole-cell values of every type.
    let o = "概况";
    assert_eq!(book.text(o, "A1")?, "特补乃吾村驻村月报（2026年11月）");
    let Value::DateTime(generated) = scalar(data, "report.generated_at") else {
        return Err("no generated_at".into());
    };
    assert_eq!(
        book.text(o, "A2")?,
        format!(
            "截至2026-11-30，面积9.6平方公里，预算{}元，重点村：是，生成于{}，\
             作物：玉米、马铃薯、荞麦、烤烟，电话：。",
            scalar(data, "stats.funds_budget").to_text(),
            generated.format("%Y-%m-%d %H:%M")
        )
    );
    assert_eq!(book.text(o, "B4")?, "特补乃吾村");
    assert_eq!(book.text(o, "B5")?, "513431215203", "a code stays text");
    assert_eq!(book.number(o, "B6")?, 227.0);
    assert_eq!(book.number(o, "B7")?, 9.6);
    let budget = yuan(scalar(data, "stats.funds_budget"))?;
    assert!(budget > 0.0);
    assert_eq!(book.number(o, "B8")?, budget);
    assert_eq!(
        book.date(o, "B9")?,
        NaiveDate::from_ymd_opt(2026, 11, 30).ok_or("date")?
    );
    assert_eq!(
        book.date(o, "B10")?,
        NaiveDate::from_ymd_opt(2026, 11, 1).ok_or("date")?
    );
    let at = book.date_time(o, "B11")?;
    assert!(
        (at - *generated).num_seconds().abs() <= 1,
        "{at} is not {generated}"
    );
    assert_eq!(book.text(o, "B12")?, "是");
    assert_eq!(book.text(o, "B13")?, "玉米、马铃薯、荞麦、烤烟");
    assert_text(&book, o, "B14", &Value::Null)?;
    assert_eq!(
        book.text(o, "B15")?,
        SIGNER,
        "text beginning with = stays text"
    );
    assert_eq!(book.formula(o, "B15")?, None);
    assert_eq!(book.number(o, "B16")?, 2026.0);
    // The budget total moved down with the 合计 row of 项目.
    let total = 3 + n;
    assert_eq!(
        book.formula(o, "B17")?.as_deref(),
        Some(format!("项目!C{total}").as_str())
    );
    assert_eq!(book.formula(o, "C17")?.as_deref(), Some("B17-B8"));
    assert_eq!(book.formula(o, "D17")?.as_deref(), Some("1+1"));
    // Plain cells come through unchanged.
    assert_eq!(book.text(o, "A18")?, "原样");
    assert_eq!(book.number(o, "B18")?, 42.0);
    if source == Source::Xlsx {
        assert_eq!(book.value(o, "C18")?, Data::Bool(true));
    }
    assert_eq!(
        book.date(o, "D18")?,
        NaiveDate::from_ymd_opt(2026, 1, 2).ok_or("date")?
    );

    // 项目: the interventions, their 合计, the funds and theirs.
    let p = "项目";
    assert_eq!(book.text(p, "A1")?, "帮扶项目（2026年11月）");
    for (k, item) in interventions.iter().enumerate() {
        let r = 3 + u32::try_from(k)?;
        assert_eq!(book.number(p, &format!("A{r}"))?, (k + 1) as f64);
        assert_text(&book, p, &format!("B{r}"), field(item, "title"))?;
        assert_eq!(
            book.number(p, &format!("C{r}"))?,
            yuan(field(item, "budget"))?
        );
        assert_eq!(
            book.number(p, &format!("D{r}"))?,
            yuan(field(item, "disbursed"))?
        );
        assert_eq!(
            book.formula(p, &format!("E{r}"))?,
            Some(format!("SUM(D$3:D{r})")),
            "a running total fills down"
        );
        assert_eq!(
            book.formula(p, &format!("F{r}"))?,
            Some(format!("IF(C{r}=0,0,D{r}/C{r})"))
        );
        assert_text(&book, p, &format!("G{r}"), field(item, "progress"))?;
        assert_eq!(book.text(p, &format!("I{r}"))?, "2026年11月");
    }
    assert_eq!(book.text(p, &format!("A{total}"))?, "合计");
    assert_eq!(
        book.formula(p, &format!("C{total}"))?,
        Some(format!("SUM(C3:C{})", total - 1))
    );
    assert_eq!(
        book.formula(p, &format!("D{total}"))?,
        Some(format!("SUM(D3:D{})", total - 1))
    );
    assert_eq!(
        book.formula(p, &format!("F{total}"))?,
        Some(format!("IF(C{total}=0,0,D{total}/C{total})"))
    );
    let first_fund = 6 + n;
    let last_fund = first_fund + m - 1;
    assert_eq!(book.text(p, &format!("C{}", first_fund - 1))?, "来源");
    for (j, item) in funds.iter().enumerate() {
        let r = first_fund + u32::try_from(j)?;
        assert_eq!(book.number(p, &format!("A{r}"))?, (j + 1) as f64);
        assert_text(&book, p, &format!("B{r}"), field(item, "intervention"))?;
        assert_text(&book, p, &format!("C{r}"), field(item, "source"))?;
        assert_eq!(
            book.number(p, &format!("D{r}"))?,
            yuan(field(item, "amount"))?
        );
        assert_eq!(
            book.number(p, &format!("E{r}"))?,
            yuan(field(item, "disbursed"))?
        );
        assert_eq!(
            book.text(p, &format!("F{r}"))?,
            format!(
                "{}资金{}元",
                field(item, "source").to_text(),
                field(item, "amount").to_text()
            )
        );
    }
    let funds_total = last_fund + 1;
    assert_eq!(
        book.formula(p, &format!("D{funds_total}"))?,
        Some(format!("SUM(D{first_fund}:D{last_fund})"))
    );
    assert_eq!(
        book.formula(p, &format!("E{funds_total}"))?,
        Some(format!("SUM(E{}:E{last_fund})", first_fund - 1)),
        "a range from above the row template grows too"
    );
    assert_eq!(
        book.formula(p, &format!("D{}", funds_total + 1))?,
        Some(format!("D{funds_total}-C{total}"))
    );

    // 记录: visits (dates) and logs (booleans).
    let r_ = "记录";
    for (k, item) in visits.iter().enumerate() {
        let r = 2 + u32::try_from(k)?;
        assert_eq!(book.number(r_, &format!("A{r}"))?, (k + 1) as f64);
        assert_eq!(
            Some(book.date(r_, &format!("B{r}"))?),
            field(item, "date").as_date()
        );
        assert_text(&book, r_, &format!("C{r}"), field(item, "household"))?;
        assert_text(&book, r_, &format!("D{r}"), field(item, "group"))?;
        assert_text(&book, r_, &format!("E{r}"), field(item, "purpose"))?;
    }
    assert_eq!(
        book.formula(r_, &format!("B{}", 2 + v))?,
        Some(format!("COUNTA(B2:B{})", 1 + v))
    );
    let first_log = 5 + v;
    for (k, item) in logs.iter().enumerate() {
        let r = first_log + u32::try_from(k)?;
        assert_eq!(
            Some(book.date(r_, &format!("B{r}"))?),
            field(item, "date").as_date()
        );
        assert_text(&book, r_, &format!("C{r}"), field(item, "in_village"))?;
        assert_text(&book, r_, &format!("E{r}"), field(item, "content"))?;
    }
    assert_eq!(
        book.formula(r_, &format!("C{}", first_log + l))?,
        Some(format!(
            "COUNTIF(C{first_log}:C{},\"是\")",
            first_log + l - 1
        ))
    );

    // Merged ranges: kept, repeated on every copy, moved with their rows.
    let mut expected = vec!["A1:I1".to_string(), "G2:H2".to_string()];
    expected.extend((0..n).map(|k| format!("G{0}:H{0}", 3 + k)));
    expected.extend((first_fund..=last_fund).map(|r| format!("F{r}:H{r}")));
    expected.sort();
    assert_eq!(book.merges(p)?, expected);
    assert_eq!(book.merges(o)?, ["A1:D1"]);

    // Widths as the template gives them. LibreOffice keeps a width in twips and writes it to
    // `.xls` in 1/256 of a character (14.0 may come back as 13.996), and the return rounds
    // widths to whole pixels of 1/7 character: an `.xls` width may land one pixel off.
    //
    // An `.ods` keeps widths as lengths, which LibreOffice made from the template's characters
    // with the digit width of the font it found for Calibri (DejaVu Sans on a machine without
    // Calibri or Carlito: 4/3 of Excel's 7 pixels); the return keeps their pixels. So each width
    // is the template's times one factor, found on the widest column: each width and the factor
    // are within half a pixel, so a width lands within 1/7 character (and 1/256 of rounding).
    let (tolerance, scale) = match source {
        Source::Xls => (1.0 / 7.0, 1.0),
        Source::Ods => {
            let (sheet, col, width) = template_widths
                .iter()
                .flat_map(|(s, cols)| cols.iter().map(move |(c, w)| (s, *c, *w)))
                .fold(None, |a: Option<(&String, u32, f64)>, b| match a {
                    Some(a) if a.2 >= b.2 => Some(a),
                    _ => Some(b),
                })
                .ok_or("no widths")?;
            let have = book.widths(sheet)?.get(&col).copied().unwrap_or(0.0);
            let scale = have / width;
            assert!(
                (0.9..1.5).contains(&scale),
                "{sheet} column {col}: width {have} for the template's {width}"
            );
            (1.0 / 7.0 + 0.01, scale)
        }
        Source::Xlsx => (0.01, 1.0),
    };
    for sheet in ["概况", "项目", "记录"] {
        let want = template_widths.get(sheet).ok_or("no widths")?;
        let got = book.widths(sheet)?;
        assert!(!want.is_empty(), "{sheet}");
        for (col, width) in want {
            let have = got.get(col).copied().unwrap_or(0.0);
            assert!(
                (have - width * scale).abs() < tolerance,
                "{sheet} column {col}: width {have}, the template's is {width} (× {scale})"
            );
        }
    }
    // Styles: bold, fills, borders and number formats, on every copy of a row template.
    let header = book.style(p, "A2")?;
    assert!(bold(&header) && boxed(&header));
    assert_eq!(fill_rgb(&header), Some(0xDDEBF7));
    assert!(bold(&book.style(o, "A1")?));
    assert!(bold(&book.style(o, "A4")?));
    assert!(!bold(&book.style(o, "B4")?));
    assert_eq!(number_format(&book.style(o, "B5")?), "@");
    assert_eq!(number_format(&book.style(o, "B8")?), "#,##0.00");
    // LibreOffice writes the quoted text of a format as escaped characters (`yyyy\年m…`).
    assert_eq!(
        literal_quoted(&number_format(&book.style(o, "B9")?)),
        "yyyy\"年\"m\"月\"d\"日\""
    );
    assert_eq!(number_format(&book.style(o, "B10")?), "yyyy-mm-dd");
    assert_eq!(number_format(&book.style(o, "B11")?), "yyyy-mm-dd hh:mm");
    for k in 0..n {
        let style = book.style(p, &format!("C{}", 3 + k))?;
        assert_eq!(number_format(&style), "#,##0.00");
        assert!(boxed(&style) && !bold(&style));
        assert_eq!(
            number_format(&book.style(p, &format!("F{}", 3 + k))?),
            "0.0%"
        );
    }
    let total_style = book.style(p, &format!("C{total}"))?;
    assert!(bold(&total_style));
    assert_eq!(fill_rgb(&total_style), Some(0xFFF2CC));
    assert_eq!(number_format(&total_style), "#,##0.00");
    Ok(())
}

/// A number format with each character escaped by `\` written as quoted text instead, which
/// spreadsheet programs show alike: `yyyy\年m` is `yyyy"年"m`.
fn literal_quoted(code: &str) -> String {
    let mut out = String::new();
    let mut chars = code.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some(escaped)) => {
                chars.next();
                out.push('"');
                out.push(escaped);
                out.push('"');
            }
            _ => out.push(c),
        }
    }
    out
}

/// The widths of the golden template's sheets, as openpyxl wrote them.
fn widths_of(xlsx: &Path) -> TestResult<BTreeMap<String, BTreeMap<u32, f64>>> {
    let mut out = BTreeMap::new();
    for sheet in ["概况", "项目", "记录"] {
        out.insert(sheet.to_string(), column_widths(xlsx, sheet)?);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The tests.

#[test]
fn an_openpyxl_template_renders_cell_by_cell() -> TestResult {
    let dir = tempfile::tempdir()?;
    let xlsx = openpyxl_template(dir.path())?;
    let conn = demo_db()?;
    let data = november(&conn)?;
    let out = dir.path().join("return.xlsx");
    render_file(&conn, &xlsx, &data, &out)?;
    check_golden_return(&out, &data, Source::Xlsx, &widths_of(&xlsx)?)
}

/// Renders the LibreOffice copy of the golden template in format `ext` and checks the return.
fn check_libreoffice_copy(ext: &str, source: Source) -> TestResult {
    let dir = tempfile::tempdir()?;
    let xlsx = openpyxl_template(dir.path())?;
    let copy = libreoffice_copy(&xlsx, ext)?;
    // A database of its own: the same id and version with other bytes would be refused.
    let conn = demo_db()?;
    let data = november(&conn)?;
    let out = dir.path().join(format!("return-{ext}.xlsx"));
    render_file(&conn, &copy, &data, &out)?;
    check_golden_return(&out, &data, source, &widths_of(&xlsx)?)
}

#[test]
fn a_libreoffice_xls_copy_renders_the_same_return() -> TestResult {
    check_libreoffice_copy("xls", Source::Xls)
}

#[test]
fn a_libreoffice_ods_copy_renders_the_same_return() -> TestResult {
    check_libreoffice_copy("ods", Source::Ods)
}

/// The cells of one CSV line (LibreOffice quotes fields with `"` and doubles a quote inside).
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    out.push(field);
    out
}

/// The sheets of `xlsx` as LibreOffice computes them: every formula recalculated, numbers
/// unformatted, by sheet then row then column.
fn recalculated(xlsx: &Path) -> TestResult<BTreeMap<String, Vec<Vec<String>>>> {
    let out_dir = tempfile::tempdir()?;
    // 44 `,`, 34 `"`, 76 UTF-8, from line 1, …, values not as shown, every sheet (-1).
    soffice(
        xlsx,
        "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
        out_dir.path(),
    )?;
    let stem = xlsx
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut sheets = BTreeMap::new();
    for entry in std::fs::read_dir(out_dir.path())? {
        let path = entry?.path();
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(sheet) = name.strip_prefix(&format!("{stem}-")) else {
            continue;
        };
        let text = std::fs::read_to_string(&path)?;
        sheets.insert(sheet.to_string(), text.lines().map(csv_fields).collect());
    }
    if sheets.is_empty() {
        return Err(format!("LibreOffice wrote no CSV for {}", xlsx.display()).into());
    }
    Ok(sheets)
}

fn csv_number(
    sheets: &BTreeMap<String, Vec<Vec<String>>>,
    sheet: &str,
    a1: &str,
) -> TestResult<f64> {
    let (row, col) = pos(a1)?;
    let text = sheets
        .get(sheet)
        .and_then(|rows| rows.get(row as usize))
        .and_then(|cells| cells.get(col as usize))
        .ok_or(format!("{sheet}!{a1} is not in the CSV"))?;
    // A percentage keeps its `%` even when values are not written as shown.
    let (number, scale) = match text.strip_suffix('%') {
        Some(percent) => (percent, 0.01),
        None => (text.as_str(), 1.0),
    };
    let value: f64 = number
        .parse()
        .map_err(|e| format!("{sheet}!{a1} = {text:?}: {e}"))?;
    Ok(value * scale)
}

#[test]
fn libreoffice_recalculates_the_totals_to_the_sum_of_the_rows() -> TestResult {
    let dir = tempfile::tempdir()?;
    let xlsx = openpyxl_template(dir.path())?;
    let conn = demo_db()?;
    let data = november(&conn)?;
    let out = dir.path().join("return.xlsx");
    render_file(&conn, &xlsx, &data, &out)?;
    let sheets = recalculated(&out)?;

    let interventions = data.items(Scope::Interventions);
    let n = u32::try_from(interventions.len())?;
    let m = u32::try_from(data.items(Scope::Funds).len())?;
    let v = u32::try_from(data.items(Scope::Visits).len())?;
    let l = u32::try_from(data.items(Scope::Logs).len())?;
    let total = 3 + n;
    let p = "项目";
    let (mut budget, mut disbursed) = (0.0, 0.0);
    for r in 3..total {
        budget += csv_number(&sheets, p, &format!("C{r}"))?;
        disbursed += csv_number(&sheets, p, &format!("D{r}"))?;
        assert!(
            close(csv_number(&sheets, p, &format!("E{r}"))?, disbursed),
            "running total on row {r}"
        );
    }
    assert!(close(csv_number(&sheets, p, &format!("C{total}"))?, budget));
    assert!(close(
        csv_number(&sheets, p, &format!("D{total}"))?,
        disbursed
    ));
    assert!(close(
        csv_number(&sheets, p, &format!("F{total}"))?,
        disbursed / budget
    ));
    assert!(close(budget, yuan(scalar(&data, "stats.funds_budget"))?));
    let funds_total = 6 + n + m;
    let mut amounts = 0.0;
    for r in 6 + n..funds_total {
        amounts += csv_number(&sheets, p, &format!("D{r}"))?;
    }
    assert!(close(
        csv_number(&sheets, p, &format!("D{funds_total}"))?,
        amounts
    ));
    assert!(close(
        csv_number(&sheets, p, &format!("E{funds_total}"))?,
        disbursed
    ));
    assert!(close(
        csv_number(&sheets, p, &format!("D{}", funds_total + 1))?,
        0.0
    ));
    // The cross-sheet formulas on 概况 read the moved 合计 row.
    assert!(close(csv_number(&sheets, "概况", "B17")?, budget));
    assert!(close(csv_number(&sheets, "概况", "C17")?, 0.0));
    assert!(close(csv_number(&sheets, "概况", "D17")?, 2.0));
    // Counts over the visits and the log (COUNTIF is left to the spreadsheet program).
    assert!(close(
        csv_number(&sheets, "记录", &format!("B{}", 2 + v))?,
        f64::from(v)
    ));
    let days = scalar(&data, "stats.days_in_village_in_period")
        .as_i64()
        .ok_or("days")?;
    assert!(close(
        csv_number(&sheets, "记录", &format!("C{}", 5 + v + l))?,
        days as f64
    ));
    Ok(())
}

#[test]
fn an_empty_month_keeps_one_blank_copy_and_totals_read_zero() -> TestResult {
    let dir = tempfile::tempdir()?;
    let xlsx = openpyxl_template(dir.path())?;
    let conn = demo_db()?;
    // The village's records start in 2025: nothing was active in January 2013.
    let data = template::gather(&conn, Period::parse("2013-01")?, None)?;
    assert!(data.items(Scope::Interventions).is_empty());
    let out = dir.path().join("empty.xlsx");
    render_file(&conn, &xlsx, &data, &out)?;
    let book = Book::open(&out)?;
    let p = "项目";
    for a1 in ["A3", "B3", "C3", "D3", "G3"] {
        assert_text(&book, p, a1, &Value::Null)?;
    }
    assert_eq!(
        book.text(p, "I3")?,
        "2013年1月",
        "scalars on the row are filled"
    );
    assert_eq!(book.text(p, "A4")?, "合计");
    assert_eq!(book.formula(p, "C4")?.as_deref(), Some("SUM(C3:C3)"));
    assert_eq!(book.formula(p, "E3")?.as_deref(), Some("SUM(D$3:D3)"));
    assert_eq!(book.formula("概况", "B17")?.as_deref(), Some("项目!C4"));
    let sheets = recalculated(&out)?;
    assert!(close(csv_number(&sheets, p, "C4")?, 0.0));
    assert!(close(csv_number(&sheets, "概况", "B17")?, 0.0));
    Ok(())
}

#[test]
fn the_default_template_imports_and_names_every_path() -> TestResult {
    let parsed =
        template::parse_template(template::DEFAULT_TEMPLATE_FILE, template::DEFAULT_TEMPLATE)?;
    assert_eq!(parsed.meta.id, template::DEFAULT_TEMPLATE_ID);
    assert_eq!(parsed.meta.version, 1);
    assert_eq!(parsed.meta.title, "驻村工作月报");
    assert_eq!(parsed.meta.issuer.as_deref(), Some("县乡村振兴局（示例）"));
    let sheets: Vec<&str> = parsed.sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        sheets,
        [
            "村情",
            "帮扶项目",
            "资金",
            "结对活动",
            "走访记录",
            "驻村日志",
            "小组与农户"
        ]
    );
    let mut named: Vec<&str> = parsed.fields().iter().map(|f| f.path).collect();
    named.sort_unstable();
    let mut every: Vec<&str> = template::dictionary().iter().map(|f| f.path).collect();
    every.sort_unstable();
    assert_eq!(named, every, "the default template names every path");
    let mut collections: Vec<Scope> = parsed
        .sheets
        .iter()
        .flat_map(|s| s.row_templates.iter().map(|t| t.collection))
        .collect();
    collections.sort();
    let expected: Vec<Scope> = Scope::ALL
        .into_iter()
        .filter(|s| s.is_collection())
        .collect();
    assert_eq!(collections, expected, "one row template per collection");
    Ok(())
}

#[test]
fn the_default_template_is_imported_on_first_run_only() -> TestResult {
    let conn = db()?;
    assert!(template::ensure_default(&conn)?);
    let listed = template::list(&conn)?;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, template::DEFAULT_TEMPLATE_ID);
    assert!(listed[0].current);
    assert!(!template::ensure_default(&conn)?, "only once");

    // A database holding the county's template keeps it alone.
    let conn = db()?;
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/samples/templates/sample_monthly.xlsx"
    );
    template::import_file(&conn, Path::new(sample))?;
    assert!(!template::ensure_default(&conn)?);
    assert_eq!(template::list(&conn)?.len(), 1);
    Ok(())
}

#[test]
fn the_default_template_is_what_its_script_makes() -> TestResult {
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("default_monthly.xlsx");
    python(DEFAULT_SCRIPT, &[&out])?;
    // Compared as the program sees them — cells, placeholders, row templates, merged ranges,
    // widths and every cell's style — not byte for byte, which would tie the test to one
    // version of openpyxl and zlib.
    let made_bytes = std::fs::read(&out)?;
    let made = template::parse_template(template::DEFAULT_TEMPLATE_FILE, &made_bytes)?;
    let shipped =
        template::parse_template(template::DEFAULT_TEMPLATE_FILE, template::DEFAULT_TEMPLATE)?;
    let stale = "the shipped default template is not what its script makes: run `python3 \
                 assets/templates/make_default_template.py` (and raise VERSION in it when the \
                 layout changes)";
    assert!(
        made.meta == shipped.meta && made.sheets == shipped.sheets,
        "{stale}"
    );
    let mut made_book: Xlsx<_> = open_workbook(&out)?;
    let mut shipped_book: Xlsx<_> = open_workbook(DEFAULT_ASSET)?;
    for sheet in &shipped.sheets {
        let name = sheet.name.as_str();
        assert_eq!(
            column_widths(&out, name)?,
            column_widths(Path::new(DEFAULT_ASSET), name)?,
            "{name}: {stale}"
        );
        let styles = |book: &mut Xlsx<_>| -> TestResult<Vec<(u32, u32, calamine::Style)>> {
            Ok(book
                .worksheet_style(name)?
                .cells()
                .map(|(r, c, s)| (r, c, s.clone()))
                .collect())
        };
        assert!(
            styles(&mut made_book)? == styles(&mut shipped_book)?,
            "{name}: {stale}"
        );
    }
    assert_eq!(
        std::fs::read(DEFAULT_ASSET)?,
        template::DEFAULT_TEMPLATE,
        "the program embeds the shipped file"
    );
    Ok(())
}

#[test]
fn the_default_template_renders_the_demo_month() -> TestResult {
    let conn = demo_db()?;
    let data = november(&conn)?;
    let parsed =
        template::parse_template(template::DEFAULT_TEMPLATE_FILE, template::DEFAULT_TEMPLATE)?;
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("月报.xlsx");
    render(&parsed, template::DEFAULT_TEMPLATE, &data, &out)?;
    let book = Book::open(&out)?;
    assert_eq!(book.text("村情", "A1")?, "特补乃吾村驻村工作月报");
    assert_eq!(book.text("村情", "B4")?, "513431215203");
    let households = data.items(Scope::Households).len();
    let rows = book
        .values
        .get("小组与农户")
        .ok_or("no 小组与农户")?
        .rows()
        .count();
    assert!(rows > households, "{rows} rows for {households} households");
    // Every 合计 of the projects sheet is the sum of its rows, as LibreOffice computes it.
    let sheets = recalculated(&out)?;
    let n = u32::try_from(data.items(Scope::Interventions).len())?;
    let mut budget = 0.0;
    for r in 4..4 + n {
        budget += csv_number(&sheets, "帮扶项目", &format!("I{r}"))?;
    }
    assert!(close(
        csv_number(&sheets, "帮扶项目", &format!("I{}", 4 + n))?,
        budget
    ));
    assert!(close(budget, yuan(scalar(&data, "stats.funds_budget"))?));
    Ok(())
}

//! Writing the county's consolidation workbook (see [`super::merge`] for its sheets).

use std::io::Write;
use std::path::Path;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use rust_xlsxwriter::{
    ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use crate::bundle::template_label;
use crate::error::{Error, Lang, Result};
use crate::records::Value;
use crate::template::{FieldInfo, FieldType, Item, ParsedTemplate, Scope};

use crate::types::Money;

use super::merge::{uses, Candidate, CategoryTotal, MergeReport};

/// The sheet of one row per village.
pub const VILLAGES_SHEET: &str = "村级汇总";
/// The sheet of the county's totals.
pub const TOTALS_SHEET: &str = "汇总";
/// The sheet of the bundles left out.
pub const LEFT_OUT_SHEET: &str = "未采用";

/// The header of the column of village codes, on every sheet of villages.
pub const CODE_HEADER: &str = "行政区划代码";
/// The header of the column of village names.
pub const NAME_HEADER: &str = "村名";

/// Everything the workbook shows.
pub(super) struct Consolidation<'a> {
    pub template: &'a ParsedTemplate,
    /// The fields the template shows, in dictionary order.
    pub fields: &'a [&'static FieldInfo],
    /// The returns used, by village code.
    pub kept: &'a [Candidate],
    pub report: &'a MergeReport,
}

/// Writes the workbook to a temporary file beside `out`, then renames it over `out`.
pub(super) fn write(out: &Path, c: &Consolidation<'_>) -> Result<()> {
    let xlsx = |source| Error::Xlsx {
        path: out.to_path_buf(),
        source,
    };
    let bytes = build(c)
        .and_then(|mut book| book.save_to_buffer())
        .map_err(xlsx)?;
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".zhucun-merge-")
        .suffix(".xlsx")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    file.write_all(&bytes).map_err(|e| Error::io(out, e))?;
    file.as_file().sync_all().map_err(|e| Error::io(out, e))?;
    file.persist(out).map_err(|e| Error::io(out, e.error))?;
    Ok(())
}

/// The formats of the workbook.
struct Formats {
    header: Format,
    title: Format,
    text: Format,
    bold: Format,
    money: Format,
    bold_money: Format,
    decimal: Format,
    date: Format,
    datetime: Format,
}

impl Formats {
    fn new() -> Formats {
        // Cells of plain text and numbers have no format (see `Sheet::text`); the others differ
        // from them only in what they must.
        let base = Format::new();
        Formats {
            header: base
                .clone()
                .set_align(FormatAlign::VerticalCenter)
                .set_bold()
                .set_text_wrap()
                .set_background_color("#DDEBF7")
                .set_border(FormatBorder::Thin),
            title: base.clone().set_bold().set_font_size(14),
            // Codes stay text when a clerk edits the cell.
            text: base.clone().set_num_format("@"),
            bold: base.clone().set_bold(),
            money: base.clone().set_num_format("#,##0.00"),
            bold_money: base.clone().set_bold().set_num_format("#,##0.00"),
            decimal: base.clone().set_num_format("#,##0.00"),
            date: base.clone().set_num_format("yyyy-mm-dd"),
            datetime: base.set_num_format("yyyy-mm-dd hh:mm"),
        }
    }
}

/// The widest text of each column, in Excel's character units, for explicit widths
/// (rust_xlsxwriter's autofit measures a CJK character as narrow).
#[derive(Default)]
struct Widths(Vec<f64>);

impl Widths {
    fn see(&mut self, col: u16, text: &str) {
        let width: f64 = text
            .chars()
            .map(|c| if c.is_ascii() { 1.1 } else { 2.1 })
            .sum();
        self.widen(col, width);
    }

    /// A number shown with thousands separators and two decimals at most, measured without
    /// formatting it (a consolidation writes hundreds of thousands of them).
    fn see_number(&mut self, col: u16, n: f64) {
        let digits = if n.abs() < 10.0 {
            1.0
        } else {
            n.abs().log10().floor() + 1.0
        };
        let separators = ((digits - 1.0) / 3.0).floor();
        let sign = if n < 0.0 { 1.0 } else { 0.0 };
        let chars = sign + digits + separators + 3.0;
        self.widen(col, chars.min(40.0) * 1.1);
    }

    fn widen(&mut self, col: u16, width: f64) {
        let i = usize::from(col);
        if self.0.len() <= i {
            self.0.resize(i + 1, 0.0);
        }
        if let Some(w) = self.0.get_mut(i) {
            *w = w.max(width);
        }
    }

    fn apply(&self, sheet: &mut Worksheet) -> std::result::Result<(), XlsxError> {
        for (i, width) in self.0.iter().enumerate() {
            sheet.set_column_width(col(i), (width + 2.0).clamp(6.0, 50.0))?;
        }
        Ok(())
    }
}

fn col(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

fn row(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// One sheet being written: the sheet, its formats, and its column widths so far.
struct Sheet<'a> {
    sheet: &'a mut Worksheet,
    f: &'a Formats,
    widths: Widths,
}

impl Sheet<'_> {
    fn header(&mut self, r: u32, titles: &[&str]) -> std::result::Result<(), XlsxError> {
        for (i, title) in titles.iter().enumerate() {
            self.sheet
                .write_string_with_format(r, col(i), *title, &self.f.header)?;
            self.widths.see(col(i), title);
        }
        Ok(())
    }

    /// Writes `text`, with `format` or none: most cells have none, which costs rust_xlsxwriter
    /// no lookup of the format (hashing it for every cell took a third of the writing).
    fn text(
        &mut self,
        r: u32,
        c: u16,
        text: &str,
        format: Option<&Format>,
    ) -> std::result::Result<(), XlsxError> {
        if !text.is_empty() {
            match format {
                Some(format) => self.sheet.write_string_with_format(r, c, text, format)?,
                None => self.sheet.write_string(r, c, text)?,
            };
            self.widths.see(c, text);
        }
        Ok(())
    }

    fn number(
        &mut self,
        r: u32,
        c: u16,
        n: f64,
        format: Option<&Format>,
    ) -> std::result::Result<(), XlsxError> {
        match format {
            Some(format) => self.sheet.write_number_with_format(r, c, n, format)?,
            None => self.sheet.write_number(r, c, n)?,
        };
        self.widths.see_number(c, n);
        Ok(())
    }

    /// A value as its field's type wants it: numbers as numbers, money as money, dates as
    /// real dates, booleans as 是 / 否, lists joined with 、, codes and text as text.
    fn value(
        &mut self,
        r: u32,
        c: u16,
        kind: FieldType,
        value: &Value,
    ) -> std::result::Result<(), XlsxError> {
        let f = self.f;
        match value {
            Value::Null => Ok(()),
            Value::Text(t) => {
                let format = (kind == FieldType::Code).then_some(&f.text);
                self.text(r, c, t, format)
            }
            Value::Int(i) => self.number(r, c, *i as f64, None),
            Value::Real(x) => self.number(r, c, *x, None),
            Value::Money(m) => self.number(r, c, m.yuan(), Some(&f.money)),
            Value::Bool(b) => self.text(r, c, if *b { "是" } else { "否" }, None),
            Value::List(items) => self.text(r, c, &items.join("、"), None),
            Value::Date(d) => match excel_date(*d) {
                Some(date) => {
                    self.sheet.write_datetime_with_format(r, c, date, &f.date)?;
                    self.widths.see(c, "2026-11-30");
                    Ok(())
                }
                None => self.text(r, c, &d.to_string(), None),
            },
            Value::DateTime(t) => match excel_datetime(*t) {
                Some(at) => {
                    self.sheet
                        .write_datetime_with_format(r, c, at, &f.datetime)?;
                    self.widths.see(c, "2026-11-30 12:00");
                    Ok(())
                }
                None => self.text(r, c, &t.to_string(), None),
            },
        }
    }

    fn finish(self) -> std::result::Result<(), XlsxError> {
        self.widths.apply(self.sheet)
    }
}

fn excel_date(d: NaiveDate) -> Option<ExcelDateTime> {
    let year = u16::try_from(d.year()).ok()?;
    ExcelDateTime::from_ymd(
        year,
        u8::try_from(d.month()).ok()?,
        u8::try_from(d.day()).ok()?,
    )
    .ok()
}

fn excel_datetime(t: NaiveDateTime) -> Option<ExcelDateTime> {
    excel_date(t.date())?
        .and_hms(
            u16::try_from(t.hour()).ok()?,
            u8::try_from(t.minute()).ok()?,
            t.second(),
        )
        .ok()
}

fn build(c: &Consolidation<'_>) -> std::result::Result<Workbook, XlsxError> {
    let f = Formats::new();
    let mut book = Workbook::new();
    // The sheets of villages and of their rows are written row by row straight to temporary
    // files (rows only ever go down the sheet), and compressed fast: a county's consolidation
    // holds hundreds of thousands of cells, and compressing them harder than this doubled the
    // time of the whole merge for a file about a quarter smaller.
    book.set_zip_compression_level(1);
    villages_sheet(&mut book, &f, c)?;
    for scope in Scope::ALL
        .into_iter()
        .filter(|s| s.is_collection() && uses(c.template, *s))
    {
        collection_sheet(&mut book, &f, c, scope)?;
    }
    totals_sheet(&mut book, &f, c)?;
    left_out_sheet(&mut book, &f, c.report)?;
    Ok(book)
}

/// The village's code and name lead every row of villages.
fn lead(s: &mut Sheet<'_>, r: u32, candidate: &Candidate) -> std::result::Result<(), XlsxError> {
    let f = s.f;
    s.text(r, 0, candidate.village.code.as_str(), Some(&f.text))?;
    s.text(r, 1, &candidate.village.name, None)
}

fn villages_sheet(
    book: &mut Workbook,
    f: &Formats,
    c: &Consolidation<'_>,
) -> std::result::Result<(), XlsxError> {
    // Code and name lead the row; the template's own code and name columns would repeat them.
    let fields: Vec<&FieldInfo> = c
        .fields
        .iter()
        .copied()
        .filter(|fi| !fi.is_collection() && !matches!(fi.path, "village.code" | "village.name"))
        .collect();
    let sheet = book
        .add_worksheet_with_constant_memory()?
        .set_name(VILLAGES_SHEET)?;
    let mut s = Sheet {
        sheet,
        f,
        widths: Widths::default(),
    };
    let mut titles = vec![CODE_HEADER, NAME_HEADER];
    titles.extend(fields.iter().map(|fi| fi.label_zh));
    s.header(0, &titles)?;
    for (i, candidate) in c.kept.iter().enumerate() {
        let r = row(i + 1);
        lead(&mut s, r, candidate)?;
        for (j, fi) in fields.iter().enumerate() {
            let value = candidate
                .readback
                .scalars
                .get(fi.path)
                .unwrap_or(&Value::Null);
            s.value(r, col(j + 2), fi.kind, value)?;
        }
    }
    s.sheet.set_freeze_panes(1, 2)?;
    s.finish()
}

fn collection_sheet(
    book: &mut Workbook,
    f: &Formats,
    c: &Consolidation<'_>,
    scope: Scope,
) -> std::result::Result<(), XlsxError> {
    let fields: Vec<&FieldInfo> = c
        .fields
        .iter()
        .copied()
        .filter(|fi| fi.scope == scope)
        .collect();
    let sheet = book
        .add_worksheet_with_constant_memory()?
        .set_name(scope.label_zh())?;
    let mut s = Sheet {
        sheet,
        f,
        widths: Widths::default(),
    };
    let mut titles = vec![CODE_HEADER, NAME_HEADER];
    titles.extend(fields.iter().map(|fi| fi.label_zh));
    s.header(0, &titles)?;
    let mut r = 1u32;
    for candidate in c.kept {
        let items: &[Item] = candidate
            .readback
            .collections
            .get(&scope)
            .map_or(&[], Vec::as_slice);
        for item in items {
            lead(&mut s, r, candidate)?;
            for (j, fi) in fields.iter().enumerate() {
                let value = item.get(fi.name()).unwrap_or(&Value::Null);
                s.value(r, col(j + 2), fi.kind, value)?;
            }
            r = r.saturating_add(1);
        }
    }
    s.sheet.set_freeze_panes(1, 2)?;
    s.finish()
}

fn totals_sheet(
    book: &mut Workbook,
    f: &Formats,
    c: &Consolidation<'_>,
) -> std::result::Result<(), XlsxError> {
    let report = c.report;
    let sheet = book.add_worksheet().set_name(TOTALS_SHEET)?;
    let mut s = Sheet {
        sheet,
        f,
        widths: Widths::default(),
    };
    let period = report.period.map(|p| p.label()).unwrap_or_default();
    s.sheet.write_string_with_format(
        0,
        0,
        format!("{} 县级汇总 {period}", c.template.meta.title),
        &f.title,
    )?;
    let t = &report.template;
    let facts: [(&str, String); 2] = [
        ("报告期", period.clone()),
        ("模板", template_label(&t.id, t.version, &t.sha256)),
    ];
    for (i, (key, value)) in facts.iter().enumerate() {
        let r = row(i + 2);
        s.text(r, 0, key, Some(&f.bold))?;
        s.text(r, 1, value, None)?;
    }
    let counts = [
        ("汇总村数", report.villages.len()),
        (
            "未采用数据包",
            report.refused.len() + report.superseded.len(),
        ),
    ];
    for (i, (key, n)) in counts.iter().enumerate() {
        let r = row(facts.len() + i + 2);
        s.text(r, 0, key, Some(&f.bold))?;
        s.number(r, 1, *n as f64, None)?;
    }

    let mut r = row(facts.len() + counts.len() + 3);
    s.header(r, &["指标", "字段", "合计", "填报村数", "村均"])?;
    for total in &report.totals {
        r = r.saturating_add(1);
        s.text(r, 0, total.label, None)?;
        s.text(r, 1, total.path, None)?;
        s.value(r, 2, total.kind, &total.total)?;
        s.number(r, 3, total.villages as f64, None)?;
        if let Some(mean) = total.mean {
            s.number(r, 4, mean, Some(&f.decimal))?;
        }
    }

    if uses(c.template, Scope::Interventions) {
        r = r.saturating_add(2);
        s.text(r, 0, "帮扶项目按类别汇总", Some(&f.bold))?;
        r = r.saturating_add(1);
        let money_columns: Vec<(&str, MoneyOf)> = vec![
            ("预算（元）", budget as MoneyOf),
            ("已拨付（元）", disbursed),
            ("本期拨付（元）", disbursed_in_period),
        ]
        .into_iter()
        .filter(|(_, get)| report.by_category.iter().any(|t| get(t).is_some()))
        .collect();
        let mut titles = vec!["类别", "项目数"];
        titles.extend(money_columns.iter().map(|(title, _)| *title));
        s.header(r, &titles)?;
        let mut count = 0u64;
        let mut sums = vec![0i64; money_columns.len()];
        for total in &report.by_category {
            r = r.saturating_add(1);
            s.text(r, 0, &total.category, None)?;
            s.number(r, 1, total.count as f64, None)?;
            count += total.count;
            for (j, (_, get)) in money_columns.iter().enumerate() {
                let fen = get(total).map_or(0, |m| m.fen());
                s.number(r, col(j + 2), fen as f64 / 100.0, Some(&f.money))?;
                if let Some(sum) = sums.get_mut(j) {
                    *sum = sum.saturating_add(fen);
                }
            }
        }
        r = r.saturating_add(1);
        s.text(r, 0, "合计", Some(&f.bold))?;
        s.number(r, 1, count as f64, Some(&f.bold))?;
        for (j, fen) in sums.iter().enumerate() {
            s.number(r, col(j + 2), *fen as f64 / 100.0, Some(&f.bold_money))?;
        }
    }
    s.finish()
}

/// One money column of the table by category.
type MoneyOf = fn(&CategoryTotal) -> Option<Money>;

fn budget(t: &CategoryTotal) -> Option<Money> {
    t.budget
}

fn disbursed(t: &CategoryTotal) -> Option<Money> {
    t.disbursed
}

fn disbursed_in_period(t: &CategoryTotal) -> Option<Money> {
    t.disbursed_in_period
}

fn left_out_sheet(
    book: &mut Workbook,
    f: &Formats,
    report: &MergeReport,
) -> std::result::Result<(), XlsxError> {
    let sheet = book.add_worksheet().set_name(LEFT_OUT_SHEET)?;
    let mut s = Sheet {
        sheet,
        f,
        widths: Widths::default(),
    };
    s.header(
        0,
        &[
            "文件",
            "情况",
            "步骤",
            "原因",
            CODE_HEADER,
            NAME_HEADER,
            "报告期",
            "数据包编号",
        ],
    )?;
    let mut r = 0u32;
    for refused in &report.refused {
        r = r.saturating_add(1);
        s.text(r, 0, &refused.file, None)?;
        s.text(r, 1, "拒收", None)?;
        let step = format!(
            "第 {} 步（{}）",
            refused.step,
            crate::bundle::step_name(refused.step, Lang::Zh)
        );
        s.text(r, 2, &step, None)?;
        s.text(r, 3, &refused.reason, None)?;
        if let Some(v) = &refused.village {
            s.text(r, 4, v.code.as_str(), Some(&f.text))?;
            s.text(r, 5, &v.name, None)?;
        }
        if let Some(p) = refused.period {
            s.text(r, 6, &p.label(), None)?;
        }
        if let Some(id) = refused.bundle_id {
            s.text(r, 7, &id.to_string(), None)?;
        }
    }
    for old in &report.superseded {
        r = r.saturating_add(1);
        s.text(r, 0, &old.file, None)?;
        s.text(r, 1, "被取代", None)?;
        let reason = if old.same_bundle {
            format!("与 {} 是同一个数据包，只采用一次", old.by_file)
        } else {
            format!(
                "同村同月有更新的月报：{}（数据包 {}）",
                old.by_file, old.by_bundle_id
            )
        };
        s.text(r, 3, &reason, None)?;
        s.text(r, 4, old.village.code.as_str(), Some(&f.text))?;
        s.text(r, 5, &old.village.name, None)?;
        s.text(r, 6, &old.period.label(), None)?;
        s.text(r, 7, &old.bundle_id.to_string(), None)?;
    }
    s.sheet.set_freeze_panes(1, 0)?;
    s.finish()
}

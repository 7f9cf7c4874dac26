//! How results are printed: JSON for programs, aligned text for people.

use std::io::{self, Write};

use serde::Serialize;
use zhucun_core::records::{RecordView, Table};
use zhucun_core::stats::Stats;
use zhucun_core::template::{FieldInfo, TemplateInfo};
use zhucun_core::Lang;

/// Writes lines to stdout. A reader that stops early (`| head`) closes the pipe: that is an
/// `io::Error` for the caller to handle, never a panic as `println!` would make it.
pub fn line(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{text}")
}

/// Prints a value as JSON on stdout.
pub fn json<T: Serialize>(value: &T) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    line(&text)
}

/// The label of a field in the language asked for.
fn label(table: &Table, name: &str, lang: Lang) -> String {
    table
        .field(name)
        .map(|f| lang.pick(f.label_zh, f.label_en).to_string())
        .unwrap_or_else(|| name.to_string())
}

/// One record, a field a line.
pub fn record(table: &Table, view: &RecordView, lang: Lang) -> io::Result<()> {
    let rows: Vec<(String, String)> = std::iter::once(("id".to_string(), view.id.clone()))
        .chain(view.fields.iter().map(|(name, value)| {
            (
                format!("{}（{name}）", label(table, name, lang)),
                value.to_text(),
            )
        }))
        .collect();
    print_pairs(&rows)
}

/// Records as a table, a record a line.
pub fn records(table: &Table, views: &[RecordView], lang: Lang) -> io::Result<()> {
    let mut header = vec!["id".to_string()];
    header.extend(table.fields.iter().map(|f| label(table, f.name, lang)));
    let mut lines = vec![header];
    for v in views {
        let mut line = vec![v.id.clone()];
        line.extend(v.fields.iter().map(|(_, value)| value.to_text()));
        lines.push(line);
    }
    print_columns(&lines)
}

/// The stats of a period.
pub fn stats(stats: &Stats, lang: Lang) -> io::Result<()> {
    let rows: Vec<(String, String)> = stats
        .values()
        .into_iter()
        .map(|(name, value)| {
            let text = value.to_text();
            let shown = if text.is_empty() {
                "—".to_string()
            } else {
                text
            };
            (format!("{}（{name}）", stat_label(name, lang)), shown)
        })
        .collect();
    print_pairs(&rows)
}

fn stat_label(name: &str, lang: Lang) -> &'static str {
    let (zh, en) = match name {
        "poor_households" => ("贫困户数", "poor households"),
        "poor_population" => ("贫困人口", "poor people"),
        "lifted_households" => ("已脱贫户数", "lifted households"),
        "lifted_population" => ("已脱贫人口", "lifted people"),
        "monitored_households" => ("监测户数", "monitored households"),
        "households_without_safe_water" => ("饮水不安全户数", "households without safe water"),
        "people_without_safe_water" => ("饮水不安全人数", "people without safe water"),
        "groups_without_road" => ("未通路小组数", "groups without a road"),
        "groups_unpaved_road" => ("未硬化路小组数", "groups on unpaved roads"),
        "per_capita_income" => ("人均纯收入（元）", "net income per head (yuan)"),
        "interventions_active" => ("在建帮扶项目数", "active interventions"),
        "funds_budget" => ("项目资金（元）", "funding (yuan)"),
        "funds_disbursed" => ("累计拨付（元）", "disbursed to date (yuan)"),
        "funds_disbursed_in_period" => ("本月拨付（元）", "disbursed this month (yuan)"),
        "visits_in_period" => ("本月走访", "visits this month"),
        "activities_planned_in_period" => ("本月计划活动", "activities planned this month"),
        "activities_done_in_period" => ("本月完成活动", "activities done this month"),
        "days_in_village_in_period" => ("本月驻村天数", "days in the village this month"),
        "days_in_village_year_to_date" => ("本年驻村天数", "days in the village this year"),
        "days_in_village_target" => ("年度驻村天数目标", "yearly days target"),
        _ => ("", ""),
    };
    lang.pick(zh, en)
}

/// The field dictionary, a path a line.
pub fn fields(fields: &[FieldInfo], lang: Lang) -> io::Result<()> {
    let mut lines = vec![vec![
        lang.pick("路径", "path").to_string(),
        lang.pick("类型", "type").to_string(),
        lang.pick("名称", "name").to_string(),
        lang.pick("说明", "meaning").to_string(),
    ]];
    for f in fields {
        lines.push(vec![
            f.path.to_string(),
            lang.pick(f.kind.label_zh(), f.kind.name()).to_string(),
            lang.pick(f.label_zh, f.label_en).to_string(),
            lang.pick(f.meaning_zh, f.meaning_en).to_string(),
        ]);
    }
    print_columns(&lines)
}

/// The templates known.
pub fn templates(templates: &[TemplateInfo], lang: Lang) -> io::Result<()> {
    let mut lines = vec![vec![
        "id".to_string(),
        lang.pick("版本", "version").to_string(),
        lang.pick("标题", "title").to_string(),
        lang.pick("下发单位", "issuer").to_string(),
        lang.pick("当前", "current").to_string(),
    ]];
    for t in templates {
        lines.push(vec![
            t.id.clone(),
            t.version.to_string(),
            t.title.clone(),
            t.issuer.clone().unwrap_or_default(),
            if t.current { "✓" } else { "" }.to_string(),
        ]);
    }
    print_columns(&lines)
}

/// Keys: id, fingerprint, name, role.
pub fn keys(keys: &[zhucun_core::keys::KeyInfo], lang: Lang) -> io::Result<()> {
    let mut lines = vec![vec![
        lang.pick("密钥 ID", "key id").to_string(),
        lang.pick("指纹", "fingerprint").to_string(),
        lang.pick("名称", "name").to_string(),
        lang.pick("角色", "role").to_string(),
    ]];
    for k in keys {
        lines.push(vec![
            k.key_id.clone(),
            k.fingerprint.clone(),
            k.name.clone(),
            k.role.label(lang).to_string(),
        ]);
    }
    print_columns(&lines)
}

/// Sync conflicts, one sentence each, with the number `conflicts resolve` takes.
pub fn conflicts(found: &[zhucun_core::sync::Conflict], lang: Lang) -> io::Result<()> {
    if found.is_empty() {
        return line(lang.pick("没有待处理的冲突", "No conflicts to review"));
    }
    let mut out = io::stdout().lock();
    for c in found {
        writeln!(out, "#{}  {}", c.id, c.summary(lang))?;
    }
    Ok(())
}

/// How many terminal columns a text takes (CJK characters take two).
fn width(text: &str) -> usize {
    text.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}

fn pad(text: &str, to: usize) -> String {
    format!("{text}{}", " ".repeat(to.saturating_sub(width(text))))
}

fn print_pairs(rows: &[(String, String)]) -> io::Result<()> {
    let w = rows.iter().map(|(k, _)| width(k)).max().unwrap_or(0);
    let mut out = io::stdout().lock();
    for (k, v) in rows {
        writeln!(out, "{}  {v}", pad(k, w))?;
    }
    Ok(())
}

fn print_columns(lines: &[Vec<String>]) -> io::Result<()> {
    let columns = lines.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            lines
                .iter()
                .map(|l| l.get(i).map_or(0, |c| width(c)))
                .max()
                .unwrap_or(0)
                .min(40)
        })
        .collect();
    let mut out = io::stdout().lock();
    for line in lines {
        let cells: Vec<String> = line.iter().zip(&widths).map(|(c, w)| pad(c, *w)).collect();
        writeln!(out, "{}", cells.join("  ").trim_end())?;
    }
    Ok(())
}

//! Runs one parsed command against zhucun-core; every decision is the core's.

use zhucun_core::records::{self, schema, Table};
use zhucun_core::rusqlite::Connection;
use zhucun_core::{
    calendar, demo, pairing, roster, stats, store, template, village, Error, Lang, Period,
};

use crate::args::{
    CalendarAction, Cli, Command, HouseholdAction, PairingAction, RecordAction, TemplateAction,
    VillageAction,
};
use crate::output;

/// Why a command did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// The command line itself is wrong (exit 2).
    Usage(String),
    /// The request was refused (exit 1).
    Refused(Error),
    /// Stdout could not be written (a closed pipe ends the program quietly).
    Output(std::io::Error),
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure::Output(e)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Refused(e)
    }
}

/// Runs the command.
pub fn run(cli: Cli, lang: Lang) -> Result<(), Failure> {
    let json = cli.json;
    let db = match cli.db {
        Some(p) => p,
        None => store::default_db_path()?,
    };
    let mut conn = store::open(&db)?;
    let conn = &mut conn;
    match cli.command {
        Command::Init {
            code,
            name,
            township,
            county,
        } => {
            let mut input = vec![("code".to_string(), code), ("name".to_string(), name)];
            input.extend(township.map(|t| ("township".to_string(), t)));
            input.extend(county.map(|c| ("county".to_string(), c)));
            let id = village::init(conn, &input)?;
            print_id(&id, json)?;
        }
        Command::Demo => {
            demo::load(conn)?;
            if json {
                output::json(&village::profile(conn)?)?;
            } else {
                let name = village::profile(conn)?
                    .map(|v| v.get("name").to_text())
                    .unwrap_or_default();
                output::line(lang.pick(
                    &format!("已载入示范村：{name}"),
                    &format!("Loaded the demo village: {name}"),
                ))?;
            }
        }
        Command::Village { action } => match action {
            VillageAction::Show => {
                let profile = village::profile(conn)?.ok_or(Error::NoVillage)?;
                if json {
                    output::json(&profile)?;
                } else {
                    output::record(&schema::VILLAGE, &profile, lang)?;
                }
            }
            VillageAction::Set { fields } => {
                village::set(conn, &field_pairs(&fields)?)?;
            }
        },
        Command::Group(a) => record(conn, &schema::GROUP, a.action, json, lang)?,
        Command::Cause(a) => record(conn, &schema::CAUSE, a.action, json, lang)?,
        Command::Intervention(a) => record(conn, &schema::INTERVENTION, a.action, json, lang)?,
        Command::Fund(a) => record(conn, &schema::FUND, a.action, json, lang)?,
        Command::Disbursement(a) => record(conn, &schema::DISBURSEMENT, a.action, json, lang)?,
        Command::Activity(a) => record(conn, &schema::ACTIVITY, a.action, json, lang)?,
        Command::Visit(a) => record(conn, &schema::VISIT, a.action, json, lang)?,
        Command::Log(a) => record(conn, &schema::LOG, a.action, json, lang)?,
        Command::Year(a) => record(conn, &schema::YEAR, a.action, json, lang)?,
        Command::Household(a) => match a.action {
            HouseholdAction::Import { file } => {
                let summary = roster::import_file(conn, &file)?;
                if !summary.ignored_columns.is_empty() {
                    eprintln!(
                        "{}",
                        lang.pick(
                            &format!("提示：已忽略以下列：{}", summary.ignored_columns.join("、")),
                            &format!(
                                "Note: these columns were ignored: {}",
                                summary.ignored_columns.join(", ")
                            ),
                        )
                    );
                }
                if json {
                    output::json(&summary)?;
                } else {
                    output::line(lang.pick(
                        &format!(
                            "已导入：新增 {} 户，更新 {} 户，未变 {} 户，新建小组 {} 个",
                            summary.added,
                            summary.updated,
                            summary.unchanged,
                            summary.groups_created.len()
                        ),
                        &format!(
                            "Imported: {} added, {} updated, {} unchanged, {} groups created",
                            summary.added,
                            summary.updated,
                            summary.unchanged,
                            summary.groups_created.len()
                        ),
                    ))?;
                }
            }
            HouseholdAction::Record(action) => {
                record(conn, &schema::HOUSEHOLD, action, json, lang)?;
            }
        },
        Command::Pairing(a) => match a.action {
            PairingAction::Check { year } => {
                let reports = pairing::check(conn, year)?;
                if json {
                    output::json(&reports)?;
                } else {
                    for report in &reports {
                        output::line(&report.describe(lang))?;
                    }
                }
            }
            PairingAction::Record(action) => {
                record(conn, &schema::PAIRING, action, json, lang)?;
            }
        },
        Command::Stats { period } => {
            let period = match period {
                Some(p) => Period::parse(&p)?,
                None => Period::current(),
            };
            let figures = stats::compute(conn, period)?;
            if json {
                output::json(&figures)?;
            } else {
                output::stats(&figures, lang)?;
            }
        }
        Command::Calendar {
            action: CalendarAction::Ics { out },
        } => {
            calendar::export_ics(conn, &out)?;
            report_written(&out, json, lang)?;
        }
        Command::Fields { xlsx } => {
            if let Some(out) = &xlsx {
                template::write_dictionary_xlsx(out)?;
            }
            if json {
                output::json(&template::dictionary())?;
            } else if let Some(out) = &xlsx {
                report_written(out, false, lang)?;
            } else {
                output::fields(template::dictionary(), lang)?;
            }
        }
        Command::Template { action } => match action {
            TemplateAction::Import { file } => {
                let report = template::import_file(conn, &file)?;
                if json {
                    output::json(&report)?;
                } else {
                    output::line(&report.message(lang))?;
                }
            }
            TemplateAction::List => {
                let templates = template::list(conn)?;
                if json {
                    output::json(&templates)?;
                } else {
                    output::templates(&templates, lang)?;
                }
            }
        },
        Command::Backup { out } => {
            store::backup(conn, &out)?;
            report_written(&out, json, lang)?;
        }
    }
    Ok(())
}

/// add / list / show / set / rm of one kind of record.
fn record(
    conn: &mut Connection,
    table: &'static Table,
    action: RecordAction,
    json: bool,
    lang: Lang,
) -> Result<(), Failure> {
    match action {
        RecordAction::Add { fields } => {
            let id = records::add(conn, table, &field_pairs(&fields)?)?;
            print_id(&id, json)?;
        }
        RecordAction::List { period } => {
            let period = period.as_deref().map(Period::parse).transpose()?;
            let views = records::list(conn, table, period)?;
            if json {
                output::json(&views)?;
            } else {
                output::records(table, &views, lang)?;
            }
        }
        RecordAction::Show { id } => {
            let view = records::view(conn, table, &id)?;
            if json {
                output::json(&view)?;
            } else {
                output::record(table, &view, lang)?;
            }
        }
        RecordAction::Set { id, fields } => {
            records::set(conn, table, &id, &field_pairs(&fields)?)?;
        }
        RecordAction::Rm { id } => records::remove(conn, table, &id)?,
    }
    Ok(())
}

/// Splits `FIELD=VALUE` arguments.
fn field_pairs(args: &[String]) -> Result<Vec<(String, String)>, Failure> {
    args.iter()
        .map(|a| match a.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
            _ => Err(Failure::Usage(format!(
                "“{a}”不是 FIELD=VALUE 的形式 / “{a}” is not of the form FIELD=VALUE"
            ))),
        })
        .collect()
}

fn print_id(id: &str, json: bool) -> std::io::Result<()> {
    if json {
        output::json(&serde_json::json!({ "id": id }))
    } else {
        output::line(id)
    }
}

fn report_written(path: &std::path::Path, json: bool, lang: Lang) -> std::io::Result<()> {
    if json {
        output::json(&serde_json::json!({ "written": path }))
    } else {
        output::line(lang.pick(
            &format!("已写入 {}", path.display()),
            &format!("Wrote {}", path.display()),
        ))
    }
}

//! Runs one parsed command against zhucun-core; every decision is the core's.

use zhucun_core::keys::{self, Role};
use zhucun_core::records::{self, schema, Table};
use zhucun_core::rusqlite::Connection;
use zhucun_core::{
    bundle, calendar, county, demo, pairing, roster, stats, store, sync, template, village, Error,
    Lang, Period,
};

use crate::args::{
    BundleAction, CalendarAction, Cli, Command, ConflictsAction, CountyAction, HouseholdAction,
    KeysAction, PairingAction, RecordAction, ReturnAction, TemplateAction, VillageAction,
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
    let keys_dir = cli.keys.clone().unwrap_or_else(|| keys::dir_beside(&db));
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
            // A template that came as a signed bundle goes through the bundle's five steps.
            TemplateAction::Import { file } if is_zip(&file) => {
                receive_bundle(conn, &keys_dir, &file, json, lang)?;
            }
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
        Command::Return { action } => match action {
            ReturnAction::Render {
                period,
                template,
                out,
            } => {
                let period = Period::parse(&period)?;
                let signer = keys::show(&keys_dir).ok().map(|k| k.name);
                template::render_month(conn, template.as_deref(), period, signer.as_deref(), &out)?;
                report_written(&out, json, lang)?;
            }
            ReturnAction::Read { file, template } => {
                let back = template::read_month(conn, &file, template.as_deref())?;
                output::json(&back)?;
            }
        },
        Command::Conflicts { action } => match action {
            ConflictsAction::List { all } => {
                let found = if all {
                    sync::all_conflicts(conn)?
                } else {
                    sync::conflicts(conn)?
                };
                if json {
                    output::json(&found)?;
                } else {
                    output::conflicts(&found, lang)?;
                }
            }
            ConflictsAction::Resolve { id, keep } => {
                let keep = sync::Keep::parse(keep.trim()).ok_or_else(|| {
                    usage(
                        "--keep 应为 local 或 incoming",
                        "--keep must be local or incoming",
                    )
                })?;
                sync::resolve(conn, id, keep)?;
            }
        },
        Command::County {
            action:
                CountyAction::Merge {
                    template,
                    out,
                    bundles,
                },
        } => {
            let choice = county::TemplateChoice::parse(&template);
            let report = county::merge(conn, &choice, &bundles, &keys_dir, &out)?;
            for refused in &report.refused {
                eprintln!("{}: {}", refused.file, refused.reason(lang));
            }
            if json {
                output::json(&report)?;
            } else {
                output::line(lang.pick(
                    &format!(
                        "已汇总 {} 个村的月报，{} 个数据包未采用：已写入 {}",
                        report.villages.len(),
                        report.refused.len(),
                        out.display()
                    ),
                    &format!(
                        "Merged the returns of {} villages, left out {} bundles: wrote {}",
                        report.villages.len(),
                        report.refused.len(),
                        out.display()
                    ),
                ))?;
            }
            report.ensure_merged()?;
        }
        Command::Keys { action } => keys_command(&keys_dir, action, json, lang)?,
        Command::Bundle { action } => match action {
            BundleAction::Export {
                kind,
                template,
                period,
                full,
                out,
            } => {
                let manifest = match (kind.as_str(), template, period) {
                    ("template", Some(file), _) => {
                        bundle::export_template(&keys_dir, std::path::Path::new(&file), &out)?
                    }
                    ("return", template, Some(period)) => bundle::export_return(
                        conn,
                        &keys_dir,
                        Period::parse(&period)?,
                        template.as_deref(),
                        &out,
                    )?,
                    ("sync", None, None) => sync::export_bundle(conn, &keys_dir, full, &out)?,
                    ("template", None, _) => {
                        return Err(usage(
                            "--kind template 需要 --template FILE",
                            "--kind template needs --template FILE",
                        ))
                    }
                    ("return", _, None) => {
                        return Err(usage(
                            "--kind return 需要 --period YYYY-MM",
                            "--kind return needs --period YYYY-MM",
                        ))
                    }
                    ("sync", _, _) => {
                        return Err(usage(
                            "--kind sync 不接受 --template 或 --period",
                            "--kind sync takes no --template or --period",
                        ))
                    }
                    _ => {
                        return Err(usage(
                            "--kind 应为 return、sync 或 template",
                            "--kind must be return, sync or template",
                        ))
                    }
                };
                if json {
                    output::json(&manifest)?;
                } else {
                    report_written(&out, false, lang)?;
                }
            }
            BundleAction::Verify { file } => {
                let bytes = bundle::read_file(&file)?;
                let village = bundle::local_village(conn)?;
                let verified = bundle::verify(&bytes, &keys_dir, village.as_ref())?;
                if json {
                    output::json(&serde_json::json!({
                        "manifest": verified.manifest,
                        "signer": verified.signer,
                    }))?;
                } else {
                    output::line(lang.pick(
                        &format!(
                            "数据包完好：{} 签名（{}，指纹 {}），第 1–4 步均已通过",
                            verified.signer.name, verified.signer.key_id, verified.signer.fingerprint
                        ),
                        &format!(
                            "The bundle is intact: signed by {} ({}, fingerprint {}); steps 1–4 passed",
                            verified.signer.name, verified.signer.key_id, verified.signer.fingerprint
                        ),
                    ))?;
                    output::json(&verified.manifest)?;
                }
            }
            BundleAction::Import { file } => receive_bundle(conn, &keys_dir, &file, json, lang)?,
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

fn is_zip(path: &std::path::Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// Receives a bundle (the five steps of BUNDLES.md) and says what it changed.
fn receive_bundle(
    conn: &Connection,
    keys_dir: &std::path::Path,
    file: &std::path::Path,
    json: bool,
    lang: Lang,
) -> Result<(), Failure> {
    let received = bundle::receive(conn, keys_dir, file)?;
    if json {
        return Ok(output::json(&received)?);
    }
    match &received.applied {
        bundle::Applied::Template(report) => output::line(&report.message(lang))?,
        bundle::Applied::Return(report) => output::line(&report.message(lang))?,
        bundle::Applied::Sync(report) => output::line(&report.message(lang))?,
    }
    if let Some(copy) = &received.backup {
        output::line(lang.pick(
            &format!("导入前已自动备份到 {}", copy.display()),
            &format!("The database was backed up first to {}", copy.display()),
        ))?;
    }
    Ok(())
}

/// The role named on the command line.
fn role(text: &str) -> Result<Role, Failure> {
    Role::parse(text).ok_or_else(|| {
        Failure::Usage(format!(
            "--role 应为 county 或 village，而不是“{text}” / --role must be county or village, not “{text}”"
        ))
    })
}

fn keys_command(
    dir: &std::path::Path,
    action: KeysAction,
    json: bool,
    lang: Lang,
) -> Result<(), Failure> {
    let shown = match action {
        KeysAction::Init { name, role: r } => keys::init(dir, &name, role(&r)?)?,
        KeysAction::Show => keys::show(dir)?,
        KeysAction::Export { out } => {
            let info = keys::export(dir, &out)?;
            if !json {
                report_written(&out, false, lang)?;
                return Ok(());
            }
            info
        }
        KeysAction::Trust {
            file,
            role: r,
            name,
        } => keys::trust(dir, &file, role(&r)?, name.as_deref())?,
        KeysAction::List => {
            let all = keys::list(dir)?;
            if json {
                output::json(&all)?;
            } else {
                output::keys(&all, lang)?;
            }
            return Ok(());
        }
    };
    if json {
        output::json(&shown)?;
    } else {
        output::keys(std::slice::from_ref(&shown), lang)?;
    }
    Ok(())
}

/// A usage error in both languages.
fn usage(zh: &str, en: &str) -> Failure {
    Failure::Usage(format!("{zh} / {en}"))
}

//! The command line's grammar (CLI.md).

use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use zhucun_core::records::{schema, Kind, Table};

/// 驻村台账 — the village first secretary's records, on the command line.
#[derive(Debug, Parser)]
#[command(name = "zhucun", version, about)]
pub struct Cli {
    /// The database file (default: the per-user data directory).
    #[arg(long, env = "ZHUCUN_DB", global = true)]
    pub db: Option<PathBuf>,
    /// Print machine-readable JSON on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    /// The folder of this installation's key and keyring (default: `keys` beside the database).
    #[arg(long, env = "ZHUCUN_KEYS", global = true)]
    pub keys: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the village this database is for.
    Init {
        /// The 12-digit division code.
        #[arg(long)]
        code: String,
        /// The village's name.
        #[arg(long)]
        name: String,
        /// The township.
        #[arg(long)]
        township: Option<String>,
        /// The county.
        #[arg(long)]
        county: Option<String>,
    },
    /// Fill an empty database with the demo village.
    Demo,
    /// Read or edit the village profile.
    Village {
        /// show or set.
        #[command(subcommand)]
        action: VillageAction,
    },
    /// Village groups (村民小组).
    Group(RecordArgs),
    /// Households (农户); also `household import FILE`.
    Household(HouseholdArgs),
    /// Village-level causes of poverty (村致贫原因).
    Cause(RecordArgs),
    /// Interventions (帮扶项目).
    Intervention(RecordArgs),
    /// Funding lines of interventions (资金来源).
    Fund(RecordArgs),
    /// Payments against funding lines (拨付记录).
    Disbursement(RecordArgs),
    /// School pairings (结对帮扶); also `pairing check`.
    Pairing(PairingArgs),
    /// School-pairing activities (结对活动).
    Activity(RecordArgs),
    /// Visits (走访记录).
    Visit(RecordArgs),
    /// The daily work log (驻村日志).
    Log(RecordArgs),
    /// The village's yearly figures (年度数据).
    Year(RecordArgs),
    /// The stats.* figures of a month.
    Stats {
        /// The month, YYYY-MM (default: this month).
        #[arg(long)]
        period: Option<String>,
    },
    /// The activity calendar.
    Calendar {
        /// ics.
        #[command(subcommand)]
        action: CalendarAction,
    },
    /// The field dictionary of county templates.
    Fields {
        /// Also write it as a workbook a clerk can keep open.
        #[arg(long)]
        xlsx: Option<PathBuf>,
    },
    /// County templates of the monthly return.
    Template {
        /// import or list.
        #[command(subcommand)]
        action: TemplateAction,
    },
    /// The monthly return.
    Return {
        /// render or read.
        #[command(subcommand)]
        action: ReturnAction,
    },
    /// This installation's signing key and the keyring of trusted keys.
    Keys {
        /// init, show, export, trust or list.
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Sync conflicts: versions that lost a merge, for a person to review.
    Conflicts {
        /// list or resolve.
        #[command(subcommand)]
        action: ConflictsAction,
    },
    /// The county office: consolidate the villages' returns.
    County {
        /// merge.
        #[command(subcommand)]
        action: CountyAction,
    },
    /// Signed spreadsheet bundles.
    Bundle {
        /// export, verify or import.
        #[command(subcommand)]
        action: BundleAction,
    },
    /// A consistent copy of the database, while it is in use.
    Backup {
        /// Where to write the copy.
        #[arg(long)]
        out: PathBuf,
    },
}

/// `village show` / `village set`.
#[derive(Debug, Subcommand)]
pub enum VillageAction {
    /// Show the profile.
    Show,
    /// Change fields: FIELD=VALUE ...
    Set {
        /// FIELD=VALUE pairs.
        #[arg(required = true)]
        fields: Vec<String>,
    },
}

/// A record command.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// add, list, set, rm or show.
    #[command(subcommand)]
    pub action: RecordAction,
}

/// The verbs every record has.
#[derive(Debug, Subcommand)]
pub enum RecordAction {
    /// Add one record: FIELD=VALUE ...; prints its id.
    Add {
        /// FIELD=VALUE pairs.
        fields: Vec<String>,
    },
    /// List records.
    List {
        /// Only those that fall in this month (YYYY-MM).
        #[arg(long)]
        period: Option<String>,
    },
    /// Show one record by id or name.
    Show {
        /// Its id or name.
        id: String,
    },
    /// Change fields of a record: ID FIELD=VALUE ...
    Set {
        /// Its id or name.
        id: String,
        /// FIELD=VALUE pairs.
        #[arg(required = true)]
        fields: Vec<String>,
    },
    /// Delete a record (kept as a tombstone for sync).
    Rm {
        /// Its id or name.
        id: String,
    },
}

/// `household …`.
#[derive(Debug, Args)]
pub struct HouseholdArgs {
    /// A record verb or import.
    #[command(subcommand)]
    pub action: HouseholdAction,
}

/// The household verbs.
#[derive(Debug, Subcommand)]
pub enum HouseholdAction {
    /// Import a household roster (花名册): all rows or none.
    Import {
        /// The .xlsx, .xls or .ods file.
        file: PathBuf,
    },
    /// The record verbs.
    #[command(flatten)]
    Record(RecordAction),
}

/// `pairing …`.
#[derive(Debug, Args)]
pub struct PairingArgs {
    /// A record verb or check.
    #[command(subcommand)]
    pub action: PairingAction,
}

/// The pairing verbs.
#[derive(Debug, Subcommand)]
pub enum PairingAction {
    /// Check the school-pairing calendar against its rules.
    Check {
        /// The school year, by its first calendar year.
        #[arg(long)]
        year: Option<i32>,
    },
    /// The record verbs.
    #[command(flatten)]
    Record(RecordAction),
}

/// `template …`.
#[derive(Debug, Subcommand)]
pub enum TemplateAction {
    /// Import a template workbook (.xlsx, .xlsm, .xls, .ods).
    Import {
        /// The file.
        file: PathBuf,
    },
    /// The templates known, with id, version and title.
    List,
}

/// `return …`.
#[derive(Debug, Subcommand)]
pub enum ReturnAction {
    /// Render the monthly return from the records.
    Render {
        /// The month, YYYY-MM.
        #[arg(long)]
        period: String,
        /// The template's id (default: the county's latest, else the built-in one).
        #[arg(long)]
        template: Option<String>,
        /// The .xlsx to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Read a return back to JSON.
    Read {
        /// The return (.xlsx).
        file: PathBuf,
        /// The template's id or file (default: the one the return names).
        #[arg(long)]
        template: Option<String>,
    },
}

/// `keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Make this installation's signing key.
    Init {
        /// Who holds it (the village or the office).
        #[arg(long)]
        name: String,
        /// county or village.
        #[arg(long)]
        role: String,
    },
    /// The own key's id and fingerprint.
    Show,
    /// Write the own public key (minisign format).
    Export {
        /// The .pub file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Trust a public key for a role (always an explicit act).
    Trust {
        /// The minisign public key file.
        file: PathBuf,
        /// county or village.
        #[arg(long)]
        role: String,
        /// A name to show for it.
        #[arg(long)]
        name: Option<String>,
    },
    /// The keyring.
    List,
}

/// `conflicts …`.
#[derive(Debug, Subcommand)]
pub enum ConflictsAction {
    /// The conflicts not yet settled (with --all, every one).
    List {
        /// Also those already settled.
        #[arg(long)]
        all: bool,
    },
    /// Settle a conflict by keeping one version.
    Resolve {
        /// The conflict's number.
        id: i64,
        /// local or incoming.
        #[arg(long)]
        keep: String,
    },
}

/// `county …`.
#[derive(Debug, Subcommand)]
pub enum CountyAction {
    /// Verify return bundles and consolidate them into one workbook.
    Merge {
        /// The template: an id known here, or a file.
        #[arg(long)]
        template: String,
        /// The workbook to write.
        #[arg(long)]
        out: PathBuf,
        /// The return bundles.
        #[arg(required = true)]
        bundles: Vec<PathBuf>,
    },
}

/// `bundle …`.
#[derive(Debug, Subcommand)]
pub enum BundleAction {
    /// Make a signed bundle.
    Export {
        /// template (county side); return and sync come with later work.
        #[arg(long)]
        kind: String,
        /// The template: a file for --kind template; an id for --kind return.
        #[arg(long)]
        template: Option<String>,
        /// The month, YYYY-MM, for --kind return.
        #[arg(long)]
        period: Option<String>,
        /// For --kind sync: every record, not only those changed since the last sync bundle.
        #[arg(long)]
        full: bool,
        /// The .zip to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Check a bundle completely and print its manifest; changes nothing.
    Verify {
        /// The bundle.
        file: PathBuf,
    },
    /// Receive a bundle.
    Import {
        /// The bundle.
        file: PathBuf,
    },
}

/// `calendar …`.
#[derive(Debug, Subcommand)]
pub enum CalendarAction {
    /// Write the activity calendar as iCalendar (RFC 5545).
    Ics {
        /// The .ics file to write.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Parses the process's arguments, with each `RECORD add --help` listing that record's fields.
pub fn parse() -> Result<Cli, clap::Error> {
    let mut command = Cli::command();
    for table in schema::TABLES.iter().filter(|t| t.name != "village") {
        let help = fields_help(table);
        command = command.mut_subcommand(table.name, |c| {
            c.mut_subcommand("add", |a| a.after_help(help.clone()))
                .mut_subcommand("set", |a| a.after_help(help))
        });
    }
    let village_help = fields_help(&schema::VILLAGE);
    command = command.mut_subcommand("village", |c| {
        c.mut_subcommand("set", |a| a.after_help(village_help))
    });
    let matches = command.try_get_matches()?;
    Cli::from_arg_matches(&matches)
}

/// The list of a record's fields for `--help`.
fn fields_help(table: &Table) -> String {
    let mut out = format!("Fields of {} ({}):\n", table.label_en, table.label_zh);
    for f in table.fields {
        let kind = match f.kind {
            Kind::Text => "text".to_string(),
            Kind::Code => "code (text)".to_string(),
            Kind::Phone => "phone".to_string(),
            Kind::Count => "whole number ≥ 0".to_string(),
            Kind::Quantity => "number ≥ 0".to_string(),
            Kind::Money => "元".to_string(),
            Kind::Year => "year".to_string(),
            Kind::Date => "yyyy-mm-dd".to_string(),
            Kind::Month => "YYYY-MM".to_string(),
            Kind::Bool => "是/否".to_string(),
            Kind::Choice(t) => t.labels().join(" / "),
            Kind::ChoiceList(t) => format!("list of: {}", t.labels().join(" / ")),
            Kind::TextList => "list, joined with 、".to_string(),
            Kind::IdCard => "18-digit ID-card number".to_string(),
            Kind::Division => "12-digit division code".to_string(),
            Kind::Ref(t) => format!("{t} (id or name)"),
            Kind::RefList(t) => format!("{t}s (ids or names, joined with 、)"),
        };
        let required = if f.required { " [required]" } else { "" };
        out.push_str(&format!(
            "  {:<24} {}：{kind}{required}\n",
            f.name, f.label_zh
        ));
    }
    out
}

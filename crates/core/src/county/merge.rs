//! `county merge`: verify return bundles, read each return back with the county's template,
//! keep each village's newest return of the month, and consolidate them into one workbook.
//!
//! Plan, then act: every bundle is examined ([`examine`]), the ones to use are selected
//! ([`select`]), the county's figures are computed ([`totals`], [`by_category`]) — all pure
//! values — and only then is the workbook written.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde::Serialize;
use uuid::Uuid;

use crate::bundle::{self, check_return, template_label, Kind, Manifest, TemplateRef, VillageRef};
use crate::error::{Error, Lang, Result};
use crate::records::Value;
use crate::template::{
    self, dictionary, FieldInfo, FieldType, Item, ParsedTemplate, ReadBack, Scope,
    DEFAULT_TEMPLATE, DEFAULT_TEMPLATE_FILE, DEFAULT_TEMPLATE_ID, MAX_TEMPLATE_BYTES,
};
use crate::types::{InterventionCategory, Money, Period, Taxonomy};

use super::returns::newness;
use super::workbook;

/// The template returns are read back with: a template id known to this database, or a
/// template file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateChoice {
    /// A template id; its current (highest) version in this database. The default template
    /// is known even to a database that never imported it.
    Id(String),
    /// A template file (`.xlsx`, `.xlsm`, `.xls`, `.ods`).
    File(PathBuf),
}

impl TemplateChoice {
    /// Reads `ID|FILE` as the command line takes it: the path of an existing file, else a
    /// template id.
    ///
    /// # Examples
    ///
    /// ```
    /// use zhucun_core::county::TemplateChoice;
    /// assert_eq!(
    ///     TemplateChoice::parse("sample-monthly"),
    ///     TemplateChoice::Id("sample-monthly".into())
    /// );
    /// ```
    pub fn parse(text: &str) -> TemplateChoice {
        let path = Path::new(text);
        if path.is_file() {
            TemplateChoice::File(path.to_path_buf())
        } else {
            TemplateChoice::Id(text.to_string())
        }
    }

    /// The template, read and checked.
    ///
    /// # Errors
    ///
    /// `not_found` for an id this database does not know; `io` for a file that cannot be read;
    /// `invalid_template`, `unreadable_file` or `unusable_sheet` for one that is not a template.
    pub fn load(&self, conn: &Connection) -> Result<ParsedTemplate> {
        match self {
            TemplateChoice::Id(id) => match template::load(conn, id, None) {
                Ok(stored) => stored.parse(),
                // The county office need not import the template every village starts with.
                Err(Error::NotFound { .. }) if id == DEFAULT_TEMPLATE_ID => {
                    template::parse_template(DEFAULT_TEMPLATE_FILE, DEFAULT_TEMPLATE)
                }
                Err(e) => Err(e),
            },
            TemplateChoice::File(path) => {
                let size = std::fs::metadata(path)
                    .map_err(|e| Error::io(path, e))?
                    .len();
                let name = path.file_name().map_or_else(
                    || path.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                if usize::try_from(size).map_or(true, |s| s > MAX_TEMPLATE_BYTES) {
                    return Err(Error::UnusableSheet {
                        file: name,
                        zh: "文件太大，不是月报模板".into(),
                        en: "the file is too large to be a template".into(),
                    });
                }
                let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
                template::parse_template(&name, &bytes)
            }
        }
    }
}

/// What `county merge` did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergeReport {
    /// The workbook written.
    pub out: PathBuf,
    /// The template the returns were read back with.
    pub template: TemplateRef,
    /// The month consolidated (`None` when no return could be used).
    pub period: Option<Period>,
    /// The returns used, one per village, by village code.
    pub villages: Vec<MergedReturn>,
    /// The bundles left out because they failed, in the order given.
    pub refused: Vec<RefusedBundle>,
    /// The returns left out because the same village sent a newer one for the month.
    pub superseded: Vec<SupersededBundle>,
    /// The county's total of every numeric scalar field the template shows.
    pub totals: Vec<CountyTotal>,
    /// The interventions by category, when the template has the `interventions` collection.
    pub by_category: Vec<CategoryTotal>,
}

impl MergeReport {
    /// Whether the merge produced anything to send on: a workbook with no village in it is a
    /// refusal, not a result.
    ///
    /// # Errors
    ///
    /// `conflict` when every bundle was refused.
    pub fn ensure_merged(&self) -> Result<()> {
        if self.villages.is_empty() {
            return Err(Error::conflict(
                "没有可汇总的月报：所有数据包均未通过核验",
                "No return could be merged: every bundle was refused",
            ));
        }
        Ok(())
    }
}

/// A return used in the consolidation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergedReturn {
    /// The bundle file, as given.
    pub file: String,
    /// The bundle's id.
    pub bundle_id: Uuid,
    /// The village, as the signed manifest names it.
    pub village: VillageRef,
    /// When the village made it (the manifest's `created_at`).
    pub created_at: String,
    /// The key that signed it.
    pub signer_key_id: String,
}

/// A bundle left out because it failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusedBundle {
    /// The bundle file, as given.
    pub file: String,
    /// The step of BUNDLES.md "Receiving a bundle" that failed, 1 to 5 (5: the return does
    /// not fit this consolidation — another template or month, or unreadable).
    pub step: u8,
    /// The code of the refusal ([`Error::code`]: `bundle_refused`, `wrong_template`…).
    pub code: String,
    /// Why, in Chinese.
    pub reason: String,
    /// Why, in English.
    pub reason_en: String,
    /// The bundle's id, when its manifest could be trusted.
    pub bundle_id: Option<Uuid>,
    /// Its village, likewise.
    pub village: Option<VillageRef>,
    /// Its month, likewise.
    pub period: Option<Period>,
}

impl RefusedBundle {
    /// Why, in `lang`.
    pub fn reason(&self, lang: Lang) -> &str {
        lang.pick(&self.reason, &self.reason_en)
    }
}

/// A return left out for a newer one of the same village and month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupersededBundle {
    /// The bundle file, as given.
    pub file: String,
    /// The bundle's id.
    pub bundle_id: Uuid,
    /// Its village.
    pub village: VillageRef,
    /// Its month.
    pub period: Period,
    /// When it was made.
    pub created_at: String,
    /// The file of the return used instead.
    pub by_file: String,
    /// The bundle id of the return used instead.
    pub by_bundle_id: Uuid,
    /// Whether it is the very same bundle, given twice.
    pub same_bundle: bool,
}

/// The county's total of one numeric scalar field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountyTotal {
    /// The field's path (`stats.poor_households`).
    pub path: &'static str,
    /// Its Chinese name.
    pub label: &'static str,
    /// Its type: integer, number or money.
    pub kind: FieldType,
    /// How many villages' returns give it a value.
    pub villages: usize,
    /// The sum over those villages (`Int`, `Real` or `Money` by its type; `Null` when none
    /// gives it).
    pub total: Value,
    /// The mean over those villages (in 元 for money); `None` when none gives it.
    pub mean: Option<f64>,
}

/// The interventions of one category, over the county.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryTotal {
    /// The category (its label; [`UNCATEGORISED`] for items without one).
    pub category: String,
    /// How many interventions.
    pub count: u64,
    /// Their budgets; `None` when the template does not show `interventions.budget`.
    pub budget: Option<Money>,
    /// Their disbursements to the month's end; `None` when the template does not show them.
    pub disbursed: Option<Money>,
    /// Their disbursements in the month; `None` when the template does not show them.
    pub disbursed_in_period: Option<Money>,
}

/// The category of interventions whose return shows none.
pub const UNCATEGORISED: &str = "未填类别";

/// A return that passed every check.
#[derive(Debug)]
pub(super) struct Candidate {
    pub file: String,
    pub manifest: Manifest,
    /// The village, as the signed manifest names it (the return says the same code).
    pub village: VillageRef,
    pub signer_key_id: String,
    pub readback: ReadBack,
}

/// Verifies the return bundles `bundles` (steps 1 to 4 of BUNDLES.md against the keyring in
/// `keys_dir`: signed by a key trusted as `village`), reads each return back with `template`,
/// keeps each village's newest return of the month, and writes the consolidation to `out`
/// (an `.xlsx` written beside it and renamed over it). The database is only read.
///
/// The workbook has these sheets:
///
/// - `村级汇总`: one row per village — its code (as text) and name, then every scalar field the
///   template shows, in dictionary order, headed with its Chinese name;
/// - one sheet per collection the template repeats a row for (`帮扶项目`, `走访记录`…), named
///   by its Chinese name: every village's rows, each led by the village's code and name;
/// - `汇总`: the county's total (and the mean per village) of every numeric scalar field, and,
///   when the template has the `interventions` collection, the interventions by category:
///   how many, and the budget and disbursements the template shows;
/// - `未采用`: every bundle left out — refused ones with the step and the reason, and returns a
///   newer return of the same village replaced.
///
/// Decisions the contract leaves open:
///
/// - One workbook is one month: the latest month among the usable returns. Returns of other
///   months are left out with that reason (run the merge again for them).
/// - A return must have been made from exactly this template: id, version and SHA-256.
/// - "Newest" is by the manifest's `created_at` as an instant; equal times are decided by the
///   higher bundle id. The very same bundle given twice is used once.
/// - `period.*` fields are numbers but not quantities: they are not totalled.
/// - A cell a village typed text into where a number belongs is shown as it is and left out of
///   the totals.
///
/// # Errors
///
/// Refusals of single bundles are not errors: they are listed in the report and in `未采用`.
/// The merge fails as a whole with `conflict` when no bundle is given; `not_found`,
/// `invalid_template`, `unreadable_file` or `io` for the template; `invalid_key` for a damaged
/// keyring; `io` when `out` cannot be written; `database`.
pub fn merge(
    conn: &Connection,
    template: &TemplateChoice,
    bundles: &[PathBuf],
    keys_dir: &Path,
    out: &Path,
) -> Result<MergeReport> {
    let parsed = template.load(conn)?;
    if bundles.is_empty() {
        return Err(Error::conflict(
            "没有给出要汇总的月报数据包",
            "No return bundle was given to consolidate",
        ));
    }
    let chosen = TemplateRef {
        id: parsed.meta.id.clone(),
        version: parsed.meta.version,
        sha256: parsed.sha256.clone(),
    };
    let mut refused = Vec::new();
    let mut candidates = Vec::new();
    for outcome in examine_all(bundles, &parsed, &chosen, keys_dir) {
        match outcome? {
            Ok(candidate) => candidates.push(candidate),
            Err(refusal) => refused.push(refusal),
        }
    }
    let selection = select(candidates, &mut refused);
    let fields = shown_fields(&parsed);
    let totals = totals(&fields, &selection.kept);
    let by_category = if uses(&parsed, Scope::Interventions) {
        by_category(&fields, &selection.kept)
    } else {
        Vec::new()
    };
    let report = MergeReport {
        out: out.to_path_buf(),
        template: chosen,
        period: selection.period,
        villages: selection
            .kept
            .iter()
            .map(|c| MergedReturn {
                file: c.file.clone(),
                bundle_id: c.manifest.id,
                village: c.village.clone(),
                created_at: c.manifest.created_at.clone(),
                signer_key_id: c.signer_key_id.clone(),
            })
            .collect(),
        refused,
        superseded: selection.superseded,
        totals,
        by_category,
    };
    workbook::write(
        out,
        &workbook::Consolidation {
            template: &parsed,
            fields: &fields,
            kept: &selection.kept,
            report: &report,
        },
    )?;
    Ok(report)
}

/// [`examine`]s every bundle, on as many threads as the machine has cores: each bundle is
/// verified and read back on its own, and these two steps are most of a merge. The outcomes come
/// back in the order of `bundles`, so the report and the workbook do not depend on which thread
/// finished first.
fn examine_all(
    bundles: &[PathBuf],
    parsed: &ParsedTemplate,
    chosen: &TemplateRef,
    keys_dir: &Path,
) -> Vec<Result<std::result::Result<Candidate, RefusedBundle>>> {
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(bundles.len());
    if workers <= 1 {
        return bundles
            .iter()
            .map(|path| examine(path, parsed, chosen, keys_dir))
            .collect();
    }
    // Bundle k goes to thread k mod n; a return that is large slows one thread, not the order.
    let mut lanes: Vec<std::vec::IntoIter<_>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|lane| {
                scope.spawn(move || {
                    bundles
                        .iter()
                        .skip(lane)
                        .step_by(workers)
                        .map(|path| examine(path, parsed, chosen, keys_dir))
                        .collect::<Vec<_>>()
                        .into_iter()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                // A panic outside the guarded readers is a bug: let it be one, on this thread.
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    (0..bundles.len())
        .filter_map(|k| lanes.get_mut(k % workers).and_then(Iterator::next))
        .collect()
}

/// Every field the template shows, in dictionary order.
fn shown_fields(parsed: &ParsedTemplate) -> Vec<&'static FieldInfo> {
    let shown = parsed.fields();
    dictionary()
        .iter()
        .filter(|f| shown.iter().any(|s| s.path == f.path))
        .collect()
}

/// Whether the template repeats a row for `scope`.
pub(super) fn uses(parsed: &ParsedTemplate, scope: Scope) -> bool {
    parsed
        .sheets
        .iter()
        .any(|s| s.row_templates.iter().any(|t| t.collection == scope))
}

fn refusal(file: &str, step: u8, code: &str, zh: String, en: String) -> RefusedBundle {
    RefusedBundle {
        file: file.to_string(),
        step,
        code: code.to_string(),
        reason: zh,
        reason_en: en,
        bundle_id: None,
        village: None,
        period: None,
    }
}

/// A refusal for `e`: a bundle refusal keeps its step; anything else is at `step`.
fn refused_for(file: &str, e: &Error, step: u8) -> RefusedBundle {
    match e {
        Error::BundleRefused { step, reason } => refusal(
            file,
            *step,
            e.code(),
            reason.reason(Lang::Zh),
            reason.reason(Lang::En),
        ),
        other => refusal(
            file,
            step,
            other.code(),
            other.message(Lang::Zh),
            other.message(Lang::En),
        ),
    }
}

impl RefusedBundle {
    /// The refusal with what the (verified) manifest says.
    fn of(mut self, manifest: &Manifest) -> RefusedBundle {
        self.bundle_id = Some(manifest.id);
        self.village = manifest.village.clone();
        self.period = manifest.period;
        self
    }
}

/// Checks one bundle: `Ok(Err(..))` when it is left out, `Err` only when nothing can be checked
/// (a damaged keyring, the database).
fn examine(
    path: &Path,
    parsed: &ParsedTemplate,
    chosen: &TemplateRef,
    keys_dir: &Path,
) -> Result<std::result::Result<Candidate, RefusedBundle>> {
    let file = path.display().to_string();
    let bytes = match bundle::read_file(path) {
        Ok(bytes) => bytes,
        Err(e) => return Ok(Err(refused_for(&file, &e, 1))),
    };
    let verified = match bundle::verify(&bytes, keys_dir, None) {
        Ok(v) => v,
        Err(e @ Error::BundleRefused { .. }) => return Ok(Err(refused_for(&file, &e, 1))),
        Err(e) => return Err(e),
    };
    let manifest = verified.manifest;
    if manifest.kind != Kind::Return {
        let kind = manifest.kind;
        return Ok(Err(refusal(
            &file,
            2,
            "not_a_return",
            format!("这是{}数据包，不是月报数据包", kind.label(Lang::Zh)),
            format!("this is a {kind} bundle, not a return bundle"),
        )
        .of(&manifest)));
    }
    if manifest.template.as_ref() != Some(chosen) {
        let found = manifest
            .template
            .as_ref()
            .map(|t| template_label(&t.id, t.version, &t.sha256))
            .unwrap_or_default();
        let expected = template_label(&chosen.id, chosen.version, &chosen.sha256);
        return Ok(Err(refusal(
            &file,
            5,
            "wrong_template",
            format!("月报是按模板 {found} 生成的，本次汇总用的是模板 {expected}"),
            format!(
                "the return was made from template {found}; this consolidation uses {expected}"
            ),
        )
        .of(&manifest)));
    }
    // Step 2 makes sure a return bundle has its village and its one file.
    let (Some(village), Some(payload)) = (manifest.village.clone(), verified.files.first()) else {
        return Ok(Err(refusal(
            &file,
            2,
            "bundle_refused",
            "数据包中没有村或月报文件".into(),
            "the bundle names no village or holds no return file".into(),
        )
        .of(&manifest)));
    };
    let readback = match template::read_return(parsed, &payload.bytes) {
        Ok(r) => r,
        Err(e @ Error::Database { .. }) => return Err(e),
        Err(e) => return Ok(Err(refused_for(&file, &e, 5).of(&manifest))),
    };
    let said = (
        readback.template_id.as_str(),
        readback.version,
        readback.sha256.as_str(),
    );
    if let Err(problem) = check_return(&manifest, &readback.village_code, readback.period, said) {
        return Ok(Err(
            refused_for(&file, &Error::bundle(problem), 5).of(&manifest)
        ));
    }
    Ok(Ok(Candidate {
        file,
        village,
        signer_key_id: verified.signer.key_id,
        manifest,
        readback,
    }))
}

/// The returns to use.
#[derive(Debug)]
pub(super) struct Selection {
    pub period: Option<Period>,
    /// One per village, by village code.
    pub kept: Vec<Candidate>,
    pub superseded: Vec<SupersededBundle>,
}

/// Picks the month and each village's newest return of it; returns of other months join
/// `refused`, older returns `superseded`.
fn select(candidates: Vec<Candidate>, refused: &mut Vec<RefusedBundle>) -> Selection {
    let mut superseded = Vec::new();
    let superseded_by = |old: &Candidate, by: &Candidate, same: bool| SupersededBundle {
        file: old.file.clone(),
        bundle_id: old.manifest.id,
        village: old.village.clone(),
        period: old.readback.period,
        created_at: old.manifest.created_at.clone(),
        by_file: by.file.clone(),
        by_bundle_id: by.manifest.id,
        same_bundle: same,
    };

    // The same bundle given twice is used once.
    let mut unique: Vec<Candidate> = Vec::with_capacity(candidates.len());
    for c in candidates {
        match unique.iter().find(|u| u.manifest.id == c.manifest.id) {
            Some(first) => superseded.push(superseded_by(&c, first, true)),
            None => unique.push(c),
        }
    }

    let period = unique.iter().map(|c| c.readback.period).max();
    let (this_month, other): (Vec<_>, Vec<_>) = unique
        .into_iter()
        .partition(|c| Some(c.readback.period) == period);
    if let Some(p) = period {
        for c in other {
            let theirs = c.readback.period;
            refused.push(
                refusal(
                    &c.file,
                    5,
                    "other_period",
                    format!(
                        "月报的报告期是{}，本次汇总的是{}的月报",
                        theirs.label(),
                        p.label()
                    ),
                    format!("the return is for {theirs}; this consolidation is of {p}"),
                )
                .of(&c.manifest),
            );
        }
    }

    // Newest first within each village; the first of each is used.
    let mut by_village: BTreeMap<String, Vec<Candidate>> = BTreeMap::new();
    for c in this_month {
        by_village
            .entry(c.village.code.as_str().to_string())
            .or_default()
            .push(c);
    }
    let mut kept = Vec::with_capacity(by_village.len());
    for (_, mut returns) in by_village {
        returns.sort_by_key(|c| std::cmp::Reverse(newness(&c.manifest)));
        let mut returns = returns.into_iter();
        if let Some(newest) = returns.next() {
            for older in returns {
                superseded.push(superseded_by(&older, &newest, false));
            }
            kept.push(newest);
        }
    }
    Selection {
        period,
        kept,
        superseded,
    }
}

/// Sums of one field: whole numbers exactly, money exactly in 分, decimals as decimals.
#[derive(Default)]
struct Sum {
    villages: usize,
    ints: i64,
    reals: f64,
    fen: i64,
    any_real: bool,
}

impl Sum {
    fn add(&mut self, value: &Value) {
        match value {
            Value::Int(i) => self.ints = self.ints.saturating_add(*i),
            Value::Real(r) => {
                self.reals += r;
                self.any_real = true;
            }
            Value::Money(m) => self.fen = self.fen.saturating_add(m.fen()),
            // Text where a number belongs, or nothing: not counted.
            _ => return,
        }
        self.villages += 1;
    }

    fn total(&self, kind: FieldType) -> Value {
        if self.villages == 0 {
            return Value::Null;
        }
        match kind {
            FieldType::Money => Value::Money(Money::from_fen(self.fen)),
            FieldType::Integer if !self.any_real => Value::Int(self.ints),
            _ => Value::Real(self.ints as f64 + self.reals),
        }
    }

    fn as_f64(&self) -> f64 {
        self.ints as f64 + self.reals + self.fen as f64 / 100.0
    }
}

fn is_numeric(kind: FieldType) -> bool {
    matches!(
        kind,
        FieldType::Integer | FieldType::Number | FieldType::Money
    )
}

/// The county's total of every numeric scalar field shown (but `period.*`).
fn totals(fields: &[&'static FieldInfo], kept: &[Candidate]) -> Vec<CountyTotal> {
    fields
        .iter()
        .filter(|f| !f.is_collection() && f.scope != Scope::Period && is_numeric(f.kind))
        .map(|f| {
            let mut sum = Sum::default();
            for c in kept {
                if let Some(v) = c.readback.scalars.get(f.path) {
                    sum.add(v);
                }
            }
            CountyTotal {
                path: f.path,
                label: f.label_zh,
                kind: f.kind,
                villages: sum.villages,
                total: sum.total(f.kind),
                mean: (sum.villages > 0).then(|| sum.as_f64() / sum.villages as f64),
            }
        })
        .collect()
}

/// The interventions of every village by category: every category of the list in its order
/// (so the table keeps its shape month to month), then any other text, then items without one.
fn by_category(fields: &[&'static FieldInfo], kept: &[Candidate]) -> Vec<CategoryTotal> {
    let shows = |name: &str| {
        fields
            .iter()
            .any(|f| f.scope == Scope::Interventions && f.name() == name)
    };
    let (budget, disbursed, in_period) = (
        shows("budget"),
        shows("disbursed"),
        shows("disbursed_in_period"),
    );
    let empty = |category: &str| CategoryTotal {
        category: category.to_string(),
        count: 0,
        budget: budget.then(|| Money::from_fen(0)),
        disbursed: disbursed.then(|| Money::from_fen(0)),
        disbursed_in_period: in_period.then(|| Money::from_fen(0)),
    };
    let mut rows: Vec<CategoryTotal> = InterventionCategory::ALL
        .iter()
        .map(|c| empty(c.label()))
        .collect();
    let index: HashMap<String, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.category.clone(), i))
        .collect();
    let mut others: BTreeMap<String, CategoryTotal> = BTreeMap::new();
    let mut uncategorised = empty(UNCATEGORISED);
    let add = |row: &mut CategoryTotal, item: &Item| {
        row.count += 1;
        let money = |name: &str| match item.get(name) {
            Some(Value::Money(m)) => m.fen(),
            _ => 0,
        };
        for (total, name) in [
            (&mut row.budget, "budget"),
            (&mut row.disbursed, "disbursed"),
            (&mut row.disbursed_in_period, "disbursed_in_period"),
        ] {
            if let Some(t) = total {
                *t = Money::from_fen(t.fen().saturating_add(money(name)));
            }
        }
    };
    for c in kept {
        let items = c
            .readback
            .collections
            .get(&Scope::Interventions)
            .map_or(&[][..], Vec::as_slice);
        for item in items {
            let category = match item.get("category") {
                Some(Value::Text(t)) if !t.trim().is_empty() => t.trim().to_string(),
                _ => String::new(),
            };
            if category.is_empty() {
                add(&mut uncategorised, item);
            } else if let Some(row) = index.get(&category).and_then(|&i| rows.get_mut(i)) {
                add(row, item);
            } else {
                let row = others
                    .entry(category.clone())
                    .or_insert_with(|| empty(&category));
                add(row, item);
            }
        }
    }
    rows.extend(others.into_values());
    if uncategorised.count > 0 {
        rows.push(uncategorised);
    }
    rows
}

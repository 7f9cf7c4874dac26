//! The one error type of zhucun-core.
//!
//! Every variant has a stable [`Error::code`] that tests and the UI branch on, and a message in
//! Chinese (the default, also what `Display` prints) or English ([`Error::message`]) that names
//! the field, cell or file and the value at fault.

use std::fmt;
use std::path::PathBuf;

/// The result type of zhucun-core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The language messages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 简体中文, the default.
    #[default]
    Zh,
    /// English, on request.
    En,
}

impl Lang {
    /// The language asked for by `ZHUCUN_LANG` (`en…` for English); Chinese otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use zhucun_core::Lang;
    /// assert_eq!(Lang::parse("en_US.UTF-8"), Lang::En);
    /// assert_eq!(Lang::parse("zh"), Lang::Zh);
    /// ```
    pub fn from_env() -> Lang {
        std::env::var("ZHUCUN_LANG")
            .map(|v| Lang::parse(&v))
            .unwrap_or_default()
    }

    /// Reads a language tag; anything that is not English is Chinese.
    pub fn parse(tag: &str) -> Lang {
        if tag.trim().to_ascii_lowercase().starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    /// Picks the Chinese or the English text.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// Why a single value was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// A value is required and none was given.
    Required,
    /// Not a number.
    NotANumber,
    /// Not a whole number.
    NotAWholeNumber,
    /// Below zero.
    Negative,
    /// Zero where only a positive value makes sense.
    NotPositive,
    /// Not a `yyyy-mm-dd` date (or not a real day).
    NotADate,
    /// Not a `YYYY-MM` month.
    NotAPeriod,
    /// Not a plausible year.
    NotAYear,
    /// Not `是` or `否`.
    NotABoolean,
    /// Not a 12-digit administrative division code with a valid province prefix.
    NotADivisionCode,
    /// Not 18 characters of digits (last may be `X`).
    IdCardShape,
    /// The GB 11643 check digit does not match.
    IdCardCheckDigit {
        /// The check digit the first 17 digits call for.
        expected: char,
    },
    /// The birth date inside an ID-card number is not a real date.
    IdCardBirthDate,
    /// Not one of the allowed labels.
    NotInList {
        /// The allowed labels, joined for display.
        allowed: String,
    },
    /// Longer than allowed.
    TooLong {
        /// The limit in characters.
        max: usize,
    },
    /// Holds characters the field does not allow.
    BadCharacters,
    /// Must not exceed another value.
    AtMost {
        /// The other field, as the user names it.
        other: String,
        /// Its value.
        limit: String,
    },
    /// Must not be below another value.
    AtLeast {
        /// The other field, as the user names it.
        other: String,
        /// Its value.
        limit: String,
    },
    /// A date outside the school year of the pairing it belongs to.
    OutsideSchoolYear {
        /// First day of the school year.
        start: String,
        /// Last day of the school year.
        end: String,
    },
    /// Only allowed when another field has a certain value.
    OnlyWhen {
        /// The other field.
        other: String,
        /// The value it must have.
        value: String,
    },
    /// Required when another field has a certain value.
    RequiredWhen {
        /// The other field.
        other: String,
        /// The value that makes this one required.
        value: String,
    },
    /// Already used by another record.
    Duplicate,
    /// A spreadsheet cell holding a formula error (`#N/A`, `#DIV/0!`…) instead of a value.
    FormulaError,
}

impl Rule {
    fn text(&self, lang: Lang) -> String {
        match (self, lang) {
            (Rule::Required, Lang::Zh) => "必须填写".into(),
            (Rule::Required, Lang::En) => "is required".into(),
            (Rule::NotANumber, Lang::Zh) => "不是数字".into(),
            (Rule::NotANumber, Lang::En) => "is not a number".into(),
            (Rule::NotAWholeNumber, Lang::Zh) => "必须是整数".into(),
            (Rule::NotAWholeNumber, Lang::En) => "must be a whole number".into(),
            (Rule::Negative, Lang::Zh) => "不能为负数".into(),
            (Rule::Negative, Lang::En) => "must not be negative".into(),
            (Rule::NotPositive, Lang::Zh) => "必须大于 0".into(),
            (Rule::NotPositive, Lang::En) => "must be greater than 0".into(),
            (Rule::NotADate, Lang::Zh) => "不是有效日期（应为 yyyy-mm-dd）".into(),
            (Rule::NotADate, Lang::En) => "is not a valid date (expected yyyy-mm-dd)".into(),
            (Rule::NotAPeriod, Lang::Zh) => "不是有效月份（应为 YYYY-MM）".into(),
            (Rule::NotAPeriod, Lang::En) => "is not a valid month (expected YYYY-MM)".into(),
            (Rule::NotAYear, Lang::Zh) => "不是有效年份（1949–2100）".into(),
            (Rule::NotAYear, Lang::En) => "is not a valid year (1949–2100)".into(),
            (Rule::NotABoolean, Lang::Zh) => "应为“是”或“否”".into(),
            (Rule::NotABoolean, Lang::En) => "must be 是 (yes) or 否 (no)".into(),
            (Rule::NotADivisionCode, Lang::Zh) => {
                "不是有效的行政区划代码（12 位数字，前两位为省级代码）".into()
            }
            (Rule::NotADivisionCode, Lang::En) => {
                "is not a division code (12 digits starting with a province code)".into()
            }
            (Rule::IdCardShape, Lang::Zh) => "不是有效的身份证号码（18 位，末位可为 X）".into(),
            (Rule::IdCardShape, Lang::En) => {
                "is not an ID-card number (18 characters, the last may be X)".into()
            }
            (Rule::IdCardCheckDigit { expected }, Lang::Zh) => {
                format!("校验码错误（按前 17 位应为 {expected}）")
            }
            (Rule::IdCardCheckDigit { expected }, Lang::En) => {
                format!("has a wrong check digit (the first 17 digits call for {expected})")
            }
            (Rule::IdCardBirthDate, Lang::Zh) => "出生日期无效".into(),
            (Rule::IdCardBirthDate, Lang::En) => "holds an impossible birth date".into(),
            (Rule::NotInList { allowed }, Lang::Zh) => format!("应为以下之一：{allowed}"),
            (Rule::NotInList { allowed }, Lang::En) => format!("must be one of: {allowed}"),
            (Rule::TooLong { max }, Lang::Zh) => format!("超过 {max} 个字符"),
            (Rule::TooLong { max }, Lang::En) => format!("is longer than {max} characters"),
            (Rule::BadCharacters, Lang::Zh) => "含有不允许的字符".into(),
            (Rule::BadCharacters, Lang::En) => "holds characters that are not allowed".into(),
            (Rule::AtMost { other, limit }, Lang::Zh) => {
                format!("不能大于 {other}（{limit}）")
            }
            (Rule::AtMost { other, limit }, Lang::En) => {
                format!("must not exceed {other} ({limit})")
            }
            (Rule::AtLeast { other, limit }, Lang::Zh) => {
                format!("不能小于 {other}（{limit}）")
            }
            (Rule::AtLeast { other, limit }, Lang::En) => {
                format!("must not be less than {other} ({limit})")
            }
            (Rule::OutsideSchoolYear { start, end }, Lang::Zh) => {
                format!("不在所属学年内（{start} 至 {end}）")
            }
            (Rule::OutsideSchoolYear { start, end }, Lang::En) => {
                format!("is outside its school year ({start} to {end})")
            }
            (Rule::OnlyWhen { other, value }, Lang::Zh) => {
                format!("仅当 {other} 为“{value}”时可填写")
            }
            (Rule::OnlyWhen { other, value }, Lang::En) => {
                format!("may be given only when {other} is {value}")
            }
            (Rule::RequiredWhen { other, value }, Lang::Zh) => {
                format!("当 {other} 为“{value}”时必须填写")
            }
            (Rule::RequiredWhen { other, value }, Lang::En) => {
                format!("is required when {other} is {value}")
            }
            (Rule::Duplicate, Lang::Zh) => "已被另一条记录使用".into(),
            (Rule::Duplicate, Lang::En) => "is already used by another record".into(),
            (Rule::FormulaError, Lang::Zh) => "是公式错误，不是数值".into(),
            (Rule::FormulaError, Lang::En) => "is a formula error, not a value".into(),
        }
    }
}

/// One refused cell of a spreadsheet.
#[derive(Debug, Clone, PartialEq)]
pub struct CellProblem {
    /// The cell, as `Sheet!A1`.
    pub cell: String,
    /// The field the cell feeds.
    pub field: String,
    /// The value found there.
    pub value: String,
    /// Why it was refused.
    pub rule: Rule,
}

impl CellProblem {
    /// The problem as one sentence.
    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh => format!(
                "{} 的 {}“{}”{}",
                self.cell,
                self.field,
                self.value,
                self.rule.text(lang)
            ),
            Lang::En => format!(
                "{}: {} “{}” {}",
                self.cell,
                self.field,
                self.value,
                self.rule.text(lang)
            ),
        }
    }
}

/// One problem of a county template (TEMPLATES.md), found at import.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateProblem {
    /// Where: `Sheet!A1`, a merged range `Sheet!F8:J9`, a sheet's name, or the file's name for a
    /// problem of the whole workbook.
    pub cell: String,
    /// What is wrong there.
    pub issue: TemplateIssue,
}

/// What is wrong with one place of a template.
#[derive(Debug, Clone, PartialEq)]
pub enum TemplateIssue {
    /// `{{ path }}` names no field of the dictionary.
    UnknownPath {
        /// The path as written, trimmed.
        path: String,
        /// The closest known path, if one is near enough to be a typo.
        suggestion: Option<String>,
    },
    /// A `{{` without its `}}`, or a `}}` without its `{{`.
    Unbalanced {
        /// The cell's text.
        text: String,
    },
    /// A formula holding `{{` or `}}`: formulas are copied as they are, never filled.
    PlaceholderInFormula {
        /// The formula, without its `=`.
        formula: String,
    },
    /// Placeholders of two collections on one row: a row template repeats for one collection.
    TwoCollections {
        /// The collection the row's first collection placeholder names.
        first: String,
        /// The other collection.
        second: String,
    },
    /// A merged range that crosses a row template's row from above or below.
    MergeCrossesRowTemplate {
        /// The row template's row, 1-based as the clerk sees it.
        row: u32,
        /// Its collection.
        collection: String,
    },
    /// No placeholder anywhere in the workbook.
    NoPlaceholder,
    /// A value of the `_meta` sheet that is not allowed.
    BadMeta {
        /// The key (`version`).
        key: String,
        /// The value found.
        value: String,
        /// Why it was refused.
        rule: Rule,
    },
    /// A key the `_meta` sheet does not know.
    UnknownMetaKey {
        /// The key found.
        key: String,
        /// The closest known key.
        suggestion: Option<String>,
    },
    /// A key given twice in the `_meta` sheet.
    DuplicateMetaKey {
        /// The key.
        key: String,
    },
    /// No `template_id` in `_meta`, and the file's name cannot stand in for one.
    FileNameNotAnId {
        /// The file's name without its extension.
        stem: String,
    },
    /// A sheet whose name the program keeps for itself (`_zhucun`).
    ReservedSheetName,
}

impl TemplateIssue {
    fn text(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match self {
            TemplateIssue::UnknownPath { path, suggestion } => match (suggestion, zh) {
                (Some(s), true) => format!("“{{{{ {path} }}}}”不是已知字段，是否是 {s}？"),
                (Some(s), false) => {
                    format!("{{{{ {path} }}}} is not a known field; did you mean {s}?")
                }
                (None, true) => {
                    format!("“{{{{ {path} }}}}”不是已知字段（zhucun fields 列出全部字段）")
                }
                (None, false) => {
                    format!("{{{{ {path} }}}} is not a known field (zhucun fields lists them all)")
                }
            },
            TemplateIssue::Unbalanced { text } => {
                if zh {
                    format!("“{{{{”与“}}}}”不成对：“{text}”")
                } else {
                    format!("unbalanced {{{{ or }}}} in “{text}”")
                }
            }
            TemplateIssue::PlaceholderInFormula { formula } => {
                if zh {
                    format!("公式中不能有占位符（公式原样复制，不会被填写）：={formula}")
                } else {
                    format!(
                        "a formula cannot hold a placeholder (formulas are copied as they are, never filled): ={formula}"
                    )
                }
            }
            TemplateIssue::TwoCollections { first, second } => {
                if zh {
                    format!("同一行有两个列表的占位符：{first} 和 {second}（一个行模板只能对应一个列表）")
                } else {
                    format!(
                        "one row holds placeholders of two collections, {first} and {second} (a row template repeats for one collection)"
                    )
                }
            }
            TemplateIssue::MergeCrossesRowTemplate { row, collection } => {
                if zh {
                    format!(
                        "合并单元格跨越了第 {row} 行（{collection} 的行模板）：行模板所在行内的合并可以，跨行的不行"
                    )
                } else {
                    format!(
                        "a merged range crosses row {row}, the row template of {collection}: merges inside that row are fine, merges across it are not"
                    )
                }
            }
            TemplateIssue::NoPlaceholder => lang
                .pick(
                    "模板中没有任何占位符（如 {{ village.name }}）",
                    "the template holds no placeholder at all (such as {{ village.name }})",
                )
                .to_string(),
            TemplateIssue::BadMeta { key, value, rule } => {
                let hint = match (key.as_str(), zh) {
                    ("template_id", true) => "（只能有英文字母、数字、- 和 _）",
                    ("template_id", false) => " (ASCII letters, digits, - and _ only)",
                    _ => "",
                };
                if zh {
                    format!("_meta 中 {key} 的值“{value}”{}{hint}", rule.text(lang))
                } else {
                    format!("_meta {key} “{value}” {}{hint}", rule.text(lang))
                }
            }
            TemplateIssue::UnknownMetaKey { key, suggestion } => {
                let hint = match (suggestion, zh) {
                    (Some(s), true) => format!("，是否是 {s}？"),
                    (Some(s), false) => format!("; did you mean {s}?"),
                    (None, _) => String::new(),
                };
                if zh {
                    format!(
                        "_meta 中没有键“{key}”（可用：template_id、version、title、period、issuer）{hint}"
                    )
                } else {
                    format!(
                        "_meta has no key “{key}” (known: template_id, version, title, period, issuer){hint}"
                    )
                }
            }
            TemplateIssue::DuplicateMetaKey { key } => {
                if zh {
                    format!("_meta 中 {key} 出现了不止一次")
                } else {
                    format!("_meta gives {key} more than once")
                }
            }
            TemplateIssue::FileNameNotAnId { stem } => {
                if zh {
                    format!(
                        "_meta 中没有 template_id，文件名“{stem}”不能用作模板编号（只能有英文字母、数字、- 和 _）：请在 _meta 中填写 template_id"
                    )
                } else {
                    format!(
                        "_meta has no template_id and the file name “{stem}” cannot serve as one (ASCII letters, digits, - and _ only): set template_id in _meta"
                    )
                }
            }
            TemplateIssue::ReservedSheetName => lang
                .pick(
                    "此工作表名留给程序使用（月报中的 _zhucun），请改名",
                    "this sheet name is kept for the program (a return's _zhucun sheet): rename it",
                )
                .to_string(),
        }
    }
}

impl TemplateProblem {
    /// The problem as one sentence.
    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh => format!("{}：{}", self.cell, self.issue.text(lang)),
            Lang::En => format!("{}: {}", self.cell, self.issue.text(lang)),
        }
    }
}

/// Every error zhucun-core reports.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value the user gave was refused.
    #[error("{}", self.message(Lang::Zh))]
    InvalidField {
        /// The field, as the user names it (`size`, `village.code`).
        field: String,
        /// The value as given.
        value: String,
        /// Why it was refused.
        rule: Rule,
    },
    /// A field name that the record does not have.
    #[error("{}", self.message(Lang::Zh))]
    UnknownField {
        /// The kind of record.
        record: String,
        /// The name given.
        field: String,
        /// The closest known name.
        suggestion: Option<String>,
    },
    /// A record that does not exist.
    #[error("{}", self.message(Lang::Zh))]
    NotFound {
        /// The kind of record, in Chinese.
        what: String,
        /// The id or name looked for.
        key: String,
    },
    /// A name that matches more than one record.
    #[error("{}", self.message(Lang::Zh))]
    Ambiguous {
        /// The kind of record, in Chinese.
        what: String,
        /// The name given.
        key: String,
        /// How many records bear it.
        count: usize,
    },
    /// The request contradicts data already there.
    #[error("{}", self.message(Lang::Zh))]
    Conflict {
        /// What it contradicts, in Chinese.
        zh: String,
        /// What it contradicts, in English.
        en: String,
    },
    /// The database holds no village yet.
    #[error("{}", self.message(Lang::Zh))]
    NoVillage,
    /// A spreadsheet with refused cells; nothing was imported.
    #[error("{}", self.message(Lang::Zh))]
    InvalidSheet {
        /// The file.
        file: String,
        /// Every refused cell (up to a limit).
        problems: Vec<CellProblem>,
        /// How many problems there were in all.
        total: usize,
    },
    /// A spreadsheet the program cannot use.
    #[error("{}", self.message(Lang::Zh))]
    UnusableSheet {
        /// The file.
        file: String,
        /// What is missing or wrong, in Chinese.
        zh: String,
        /// What is missing or wrong, in English.
        en: String,
    },
    /// A county template with problems; nothing was imported.
    #[error("{}", self.message(Lang::Zh))]
    InvalidTemplate {
        /// The file.
        file: String,
        /// Every problem found, in the order of the workbook.
        problems: Vec<TemplateProblem>,
    },
    /// A spreadsheet that cannot be read at all.
    #[error("{}", self.message(Lang::Zh))]
    UnreadableSheet {
        /// The file.
        file: String,
        /// What the reader said.
        #[source]
        source: calamine::Error,
    },
    /// A spreadsheet so damaged that its reader gave up (it panicked, and was caught).
    #[error("{}", self.message(Lang::Zh))]
    DamagedSheet {
        /// The file.
        file: String,
    },
    /// A file that cannot be written or read.
    #[error("{}", self.message(Lang::Zh))]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A spreadsheet that cannot be written.
    #[error("{}", self.message(Lang::Zh))]
    Xlsx {
        /// The file.
        path: PathBuf,
        /// What the writer said.
        #[source]
        source: rust_xlsxwriter::XlsxError,
    },
    /// The database made by a newer program.
    #[error("{}", self.message(Lang::Zh))]
    NewerDatabase {
        /// Its schema version.
        found: i64,
        /// The newest this program knows.
        supported: i64,
    },
    /// A signing key, public key file or keyring that cannot be used (`keys`).
    #[error("{}", self.message(Lang::Zh))]
    Key {
        /// What is wrong with it.
        problem: crate::keys::KeyProblem,
    },
    /// A bundle refused while receiving it (BUNDLES.md "Receiving a bundle"); nothing was
    /// written. Made with [`Error::bundle`], which takes the step from the reason.
    #[error("{}", self.message(Lang::Zh))]
    BundleRefused {
        /// The step that failed, 1 to 5.
        step: u8,
        /// Why.
        reason: crate::bundle::BundleProblem,
    },
    /// A file that is not a return made by zhucun: no `_zhucun` sheet, or one that does not
    /// match its template's row templates.
    #[error("{}", self.message(Lang::Zh))]
    NotAReturn {
        /// The file.
        file: String,
    },
    /// A return made from another template, or another version of it, than the one given.
    #[error("{}", self.message(Lang::Zh))]
    WrongTemplate {
        /// The file.
        file: String,
        /// The template given, as `id@version (SHA-256 prefix)`.
        expected: String,
        /// The template the return names, likewise.
        found: String,
    },
    /// The database failed underneath.
    #[error("{}", self.message(Lang::Zh))]
    Database {
        /// What SQLite said.
        #[from]
        source: rusqlite::Error,
    },
}

impl Error {
    /// The stable code of this error, for programs and tests.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidField { .. } => "invalid_field",
            Error::UnknownField { .. } => "unknown_field",
            Error::NotFound { .. } => "not_found",
            Error::Ambiguous { .. } => "ambiguous",
            Error::Conflict { .. } => "conflict",
            Error::NoVillage => "no_village",
            Error::InvalidSheet { .. } => "invalid_sheet",
            Error::UnusableSheet { .. } => "unusable_sheet",
            Error::InvalidTemplate { .. } => "invalid_template",
            Error::UnreadableSheet { .. } => "unreadable_file",
            Error::DamagedSheet { .. } => "unreadable_file",
            Error::Io { .. } => "io",
            Error::Xlsx { .. } => "io",
            Error::NewerDatabase { .. } => "newer_database",
            Error::Database { .. } => "database",
            Error::NotAReturn { .. } => "not_a_return",
            Error::WrongTemplate { .. } => "wrong_template",
            Error::Key { problem } => problem.code(),
            Error::BundleRefused { .. } => "bundle_refused",
        }
    }

    /// A shorthand for [`Error::InvalidField`].
    pub fn invalid(field: impl Into<String>, value: impl Into<String>, rule: Rule) -> Error {
        Error::InvalidField {
            field: field.into(),
            value: value.into(),
            rule,
        }
    }

    /// A shorthand for [`Error::Conflict`].
    pub fn conflict(zh: impl Into<String>, en: impl Into<String>) -> Error {
        Error::Conflict {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// A bundle refused for `reason`, at the step the reason belongs to.
    pub fn bundle(reason: crate::bundle::BundleProblem) -> Error {
        Error::BundleRefused {
            step: reason.step(),
            reason,
        }
    }

    /// A shorthand for [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// The message, one sentence naming what was wrong and where.
    pub fn message(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match self {
            Error::InvalidField { field, value, rule } => {
                if zh {
                    format!("字段 {field} 的值“{value}”{}", rule.text(lang))
                } else {
                    format!("Field {field}: “{value}” {}", rule.text(lang))
                }
            }
            Error::UnknownField {
                record,
                field,
                suggestion,
            } => {
                let hint = match (suggestion, zh) {
                    (Some(s), true) => format!("，是否是 {s}？"),
                    (Some(s), false) => format!("; did you mean {s}?"),
                    (None, _) => String::new(),
                };
                if zh {
                    format!("{record} 没有字段 {field}{hint}")
                } else {
                    format!("{record} has no field {field}{hint}")
                }
            }
            Error::NotFound { what, key } => {
                if zh {
                    format!("找不到{what}“{key}”")
                } else {
                    format!("No {what} “{key}” was found")
                }
            }
            Error::Ambiguous { what, key, count } => {
                if zh {
                    format!("有 {count} 条{what}名为“{key}”，请改用 id")
                } else {
                    format!("{count} records of {what} are named “{key}”: use the id")
                }
            }
            Error::Conflict { zh: z, en } => lang.pick(z, en).to_string(),
            Error::NoVillage => lang
                .pick(
                    "数据库中还没有村：请先运行 zhucun init 或 zhucun demo",
                    "The database holds no village yet: run zhucun init or zhucun demo first",
                )
                .to_string(),
            Error::InvalidSheet {
                file,
                problems,
                total,
            } => {
                let list: Vec<String> = problems.iter().map(|p| p.message(lang)).collect();
                let more = total.saturating_sub(problems.len());
                let tail = match (more, zh) {
                    (0, _) => String::new(),
                    (n, true) => format!("；另有 {n} 处问题未列出"),
                    (n, false) => format!("; and {n} more"),
                };
                if zh {
                    format!(
                        "{file} 有 {total} 处问题，未导入任何数据：{}{tail}",
                        list.join("；")
                    )
                } else {
                    format!(
                        "{file} has {total} problem(s); nothing was imported: {}{tail}",
                        list.join("; ")
                    )
                }
            }
            Error::UnusableSheet { file, zh: z, en } => {
                if zh {
                    format!("{file}：{z}")
                } else {
                    format!("{file}: {en}")
                }
            }
            Error::InvalidTemplate { file, problems } => {
                let list: Vec<String> = problems.iter().map(|p| p.message(lang)).collect();
                if zh {
                    format!(
                        "模板 {file} 有 {} 处问题，未导入：{}",
                        problems.len(),
                        list.join("；")
                    )
                } else {
                    format!(
                        "The template {file} has {} problem(s); nothing was imported: {}",
                        problems.len(),
                        list.join("; ")
                    )
                }
            }
            Error::UnreadableSheet { file, source } => {
                if zh {
                    format!("无法读取表格文件 {file}：{source}")
                } else {
                    format!("Cannot read the spreadsheet {file}: {source}")
                }
            }
            Error::DamagedSheet { file } => {
                if zh {
                    format!("表格文件 {file} 已损坏，无法读取")
                } else {
                    format!("The spreadsheet {file} is damaged and cannot be read")
                }
            }
            Error::Io { path, source } => {
                if zh {
                    format!("无法读写文件 {}：{source}", path.display())
                } else {
                    format!("Cannot read or write {}: {source}", path.display())
                }
            }
            Error::Xlsx { path, source } => {
                if zh {
                    format!("无法写入表格 {}：{source}", path.display())
                } else {
                    format!("Cannot write the workbook {}: {source}", path.display())
                }
            }
            Error::NewerDatabase { found, supported } => {
                if zh {
                    format!("数据库版本 {found} 比本程序支持的 {supported} 新：请升级程序")
                } else {
                    format!(
                        "The database is version {found}, newer than this program's {supported}: upgrade the program"
                    )
                }
            }
            Error::NotAReturn { file } => {
                if zh {
                    format!("{file} 不是 zhucun 生成的月报（没有完整的 _zhucun 工作表）")
                } else {
                    format!(
                        "{file} is not a return made by zhucun (it has no complete _zhucun sheet)"
                    )
                }
            }
            Error::WrongTemplate {
                file,
                expected,
                found,
            } => {
                if zh {
                    format!(
                        "{file} 是按模板 {found} 生成的，不是模板 {expected}：请用生成它的模板读取"
                    )
                } else {
                    format!(
                        "{file} was made from template {found}, not {expected}: read it with the template it was made from"
                    )
                }
            }
            Error::Database { source } => {
                if zh {
                    format!("数据库错误：{source}")
                } else {
                    format!("Database error: {source}")
                }
            }
            Error::Key { problem } => problem.message(lang),
            Error::BundleRefused { step, reason } => reason.message(*step, lang),
        }
    }
}

/// Shows a list of labels the way messages do.
pub(crate) fn join_labels<I, S>(labels: I) -> String
where
    I: IntoIterator<Item = S>,
    S: fmt::Display,
{
    labels
        .into_iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join("、")
}

//! The field dictionary: every `{{ path }}` a county template may use (TEMPLATES.md "Fields").
//!
//! The dictionary is the contract between the county's clerks and the program: `zhucun fields`
//! prints it and [`write_dictionary_xlsx`] writes it as a workbook a clerk keeps open while
//! writing a template. Template import checks every placeholder against it, and the renderer
//! fills a placeholder by its [`FieldInfo`].

use std::io::Write;
use std::path::Path;

use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};
use serde::{Serialize, Serializer};

use crate::error::{Error, Result};
use crate::records::Taxon;

/// The part of the data a placeholder's path starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The reporting month.
    Period,
    /// The village profile.
    Village,
    /// The figures of [`crate::stats`].
    Stats,
    /// The return itself: when, by which program, signed by whom.
    Report,
    /// Village groups (村民小组).
    Groups,
    /// Households.
    Households,
    /// Village-level causes of poverty.
    Causes,
    /// Interventions active in the month.
    Interventions,
    /// Funding lines of those interventions.
    Funds,
    /// School-pairing activities of the month.
    Activities,
    /// Visits of the month.
    Visits,
    /// Work-log days of the month.
    Logs,
}

impl Scope {
    /// Every scope, scalar scopes first, in the order of TEMPLATES.md.
    pub const ALL: [Scope; 12] = [
        Scope::Period,
        Scope::Village,
        Scope::Stats,
        Scope::Report,
        Scope::Groups,
        Scope::Households,
        Scope::Causes,
        Scope::Interventions,
        Scope::Funds,
        Scope::Activities,
        Scope::Visits,
        Scope::Logs,
    ];

    /// The name a path starts with (`village`).
    pub fn name(self) -> &'static str {
        match self {
            Scope::Period => "period",
            Scope::Village => "village",
            Scope::Stats => "stats",
            Scope::Report => "report",
            Scope::Groups => "groups",
            Scope::Households => "households",
            Scope::Causes => "causes",
            Scope::Interventions => "interventions",
            Scope::Funds => "funds",
            Scope::Activities => "activities",
            Scope::Visits => "visits",
            Scope::Logs => "logs",
        }
    }

    /// The scope called `name`.
    pub fn parse(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Whether a placeholder of this scope makes its row a row template, written once per item.
    pub fn is_collection(self) -> bool {
        !matches!(
            self,
            Scope::Period | Scope::Village | Scope::Stats | Scope::Report
        )
    }

    /// The Chinese name (`报告期`).
    pub fn label_zh(self) -> &'static str {
        match self {
            Scope::Period => "报告期",
            Scope::Village => "村基本情况",
            Scope::Stats => "统计数",
            Scope::Report => "报表信息",
            Scope::Groups => "村民小组",
            Scope::Households => "农户",
            Scope::Causes => "村致贫原因",
            Scope::Interventions => "帮扶项目",
            Scope::Funds => "项目资金",
            Scope::Activities => "结对活动",
            Scope::Visits => "走访记录",
            Scope::Logs => "驻村日志",
        }
    }

    /// The English name.
    pub fn label_en(self) -> &'static str {
        match self {
            Scope::Period => "reporting month",
            Scope::Village => "village profile",
            Scope::Stats => "figures",
            Scope::Report => "the return",
            Scope::Groups => "village groups",
            Scope::Households => "households",
            Scope::Causes => "village causes",
            Scope::Interventions => "interventions",
            Scope::Funds => "funding lines",
            Scope::Activities => "pairing activities",
            Scope::Visits => "visits",
            Scope::Logs => "work-log days",
        }
    }

    /// Which items of the collection a month's return holds, in Chinese; empty for scalars.
    fn items_zh(self) -> &'static str {
        match self {
            Scope::Groups => "全部现有村民小组",
            Scope::Households => "全部现有农户（按户编号）",
            Scope::Causes => "全部村致贫原因",
            Scope::Interventions => "报告期内任何时间在实施的项目（按开始日期）",
            Scope::Funds => "这些项目的资金来源",
            Scope::Activities => "日期在报告期内的结对活动",
            Scope::Visits => "日期在报告期内的走访",
            Scope::Logs => "日期在报告期内的驻村日志",
            _ => "",
        }
    }

    /// The fields of this scope, in dictionary order.
    pub fn fields(self) -> impl Iterator<Item = &'static FieldInfo> {
        DICTIONARY.iter().filter(move |f| f.scope == self)
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What kind of value a field holds, which decides how the renderer writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    /// Free text (a choice from a closed list is text too).
    Text,
    /// A code: text always, never a number that loses its leading zeros.
    Code,
    /// A whole number.
    Integer,
    /// A decimal number.
    Number,
    /// Money in 元, a number.
    Money,
    /// A day: a real Excel date.
    Date,
    /// A local date and time.
    DateTime,
    /// 是 / 否.
    Boolean,
    /// Several texts joined with `、`.
    List,
}

impl FieldType {
    /// The English name (`money`), as `zhucun fields` and its JSON print it.
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Code => "code",
            FieldType::Integer => "integer",
            FieldType::Number => "number",
            FieldType::Money => "money",
            FieldType::Date => "date",
            FieldType::DateTime => "datetime",
            FieldType::Boolean => "boolean",
            FieldType::List => "list",
        }
    }

    /// The Chinese name a clerk reads (`金额（元）`).
    pub fn label_zh(self) -> &'static str {
        match self {
            FieldType::Text => "文本",
            FieldType::Code => "编码（文本）",
            FieldType::Integer => "整数",
            FieldType::Number => "数值",
            FieldType::Money => "金额（元）",
            FieldType::Date => "日期",
            FieldType::DateTime => "日期时间",
            FieldType::Boolean => "是/否",
            FieldType::List => "列表（以“、”分隔）",
        }
    }
}

impl std::fmt::Display for FieldType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One path of the dictionary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FieldInfo {
    /// The path a placeholder names (`village.name`).
    pub path: &'static str,
    /// Its scope (the part before the dot).
    pub scope: Scope,
    /// What it holds.
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// The Chinese name (`村名`).
    pub label_zh: &'static str,
    /// The English name.
    pub label_en: &'static str,
    /// What it means, in Chinese.
    pub meaning_zh: &'static str,
    /// What it means, in English.
    pub meaning_en: &'static str,
    /// The closed list its values come from, if any (serialised as the list of labels).
    #[serde(serialize_with = "serialize_choices")]
    pub choices: Option<Taxon>,
}

impl FieldInfo {
    /// The part after the dot (`name` of `village.name`).
    pub fn name(&self) -> &'static str {
        self.path
            .split_once('.')
            .map_or(self.path, |(_, name)| name)
    }

    /// Whether it belongs to a collection (its row is a row template).
    pub fn is_collection(&self) -> bool {
        self.scope.is_collection()
    }

    /// The placeholder a clerk types for it: `{{ village.name }}`.
    pub fn placeholder(&self) -> String {
        format!("{{{{ {} }}}}", self.path)
    }

    /// The labels of its closed list, if it has one.
    pub fn choice_labels(&self) -> Vec<&'static str> {
        self.choices.map(Taxon::labels).unwrap_or_default()
    }
}

fn serialize_choices<S: Serializer>(
    choices: &Option<Taxon>,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    match choices {
        Some(taxon) => serializer.collect_seq(taxon.labels()),
        None => serializer.serialize_none(),
    }
}

/// Every path, in the order of TEMPLATES.md.
///
/// # Examples
///
/// ```
/// use zhucun_core::template::{dictionary, FieldType};
/// let code = dictionary().iter().find(|f| f.path == "village.code").unwrap();
/// assert_eq!(code.kind, FieldType::Code);
/// ```
pub fn dictionary() -> &'static [FieldInfo] {
    DICTIONARY
}

/// The dictionary's entry for `path` (`village.name`), if there is one.
///
/// # Examples
///
/// ```
/// use zhucun_core::template::field;
/// assert_eq!(field("households.seq").map(|f| f.is_collection()), Some(true));
/// assert!(field("village.secretery").is_none());
/// ```
pub fn field(path: &str) -> Option<&'static FieldInfo> {
    DICTIONARY.iter().find(|f| f.path == path)
}

/// The known path meant by an unknown `path`: the nearest by edit distance when it is near
/// enough to be a typo, else the path `path` is the start of, else the one path whose field
/// `path` names without its scope.
///
/// # Examples
///
/// ```
/// use zhucun_core::template::suggest;
/// assert_eq!(suggest("vilage.name").as_deref(), Some("village.name"));
/// assert_eq!(suggest("households.head").as_deref(), Some("households.head_name"));
/// assert_eq!(suggest("head_name").as_deref(), Some("households.head_name"));
/// ```
pub fn suggest(path: &str) -> Option<String> {
    use crate::records::input::{closest, edit_distance};
    // Paths are lower case: a path typed in capitals is measured as if typed in lower case.
    let typed = path.trim().to_lowercase();
    let nearest = closest(&typed, DICTIONARY.iter().map(|f| f.path));
    if let Some(n) = nearest.as_deref() {
        if edit_distance(&typed, n) <= 1 {
            return nearest;
        }
    }
    let by_length = |a: &&FieldInfo, b: &&FieldInfo| a.path.len().cmp(&b.path.len());
    let completed = if typed.contains('.') {
        // A path cut short (`households.head`) is the start of the one meant.
        DICTIONARY
            .iter()
            .filter(|f| f.path.starts_with(typed.as_str()))
            .min_by(by_length)
    } else {
        // A field named without its scope (`head_name`).
        DICTIONARY
            .iter()
            .filter(|f| f.name() == typed && f.name() != "seq")
            .min_by(by_length)
    };
    completed.map(|f| f.path.to_string()).or(nearest)
}

const fn d(
    scope: Scope,
    path: &'static str,
    kind: FieldType,
    label_zh: &'static str,
    label_en: &'static str,
    meaning_zh: &'static str,
    meaning_en: &'static str,
) -> FieldInfo {
    FieldInfo {
        path,
        scope,
        kind,
        label_zh,
        label_en,
        meaning_zh,
        meaning_en,
        choices: None,
    }
}

impl FieldInfo {
    const fn of(mut self, taxon: Taxon) -> FieldInfo {
        self.choices = Some(taxon);
        self
    }
}

use FieldType::{Boolean, Code, Date, DateTime, Integer, List, Money, Number, Text};
use Scope::{
    Activities, Causes, Funds, Groups, Households, Interventions, Logs, Report, Stats, Village,
    Visits,
};

/// The item number of a collection: the same entry for each.
const fn seq(scope: Scope, path: &'static str) -> FieldInfo {
    d(
        scope,
        path,
        Integer,
        "序号",
        "number",
        "本行在列表中的序号，从 1 开始",
        "the item's 1-based number in the collection",
    )
}

#[rustfmt::skip]
const DICTIONARY: &[FieldInfo] = &[
    // period
    d(Scope::Period, "period.year", Integer, "年份", "year", "报告期所在年份，如 2026", "the period's year, e.g. 2026"),
    d(Scope::Period, "period.month", Integer, "月份", "month", "报告期的月份，1–12", "the period's month, 1–12"),
    d(Scope::Period, "period.label", Text, "报告期", "period label", "报告期的名称，如“2026年11月”", "the period's name, e.g. 2026年11月"),
    d(Scope::Period, "period.start", Date, "报告期开始日期", "first day", "报告期第一天", "the first day of the period"),
    d(Scope::Period, "period.end", Date, "报告期结束日期", "last day", "报告期最后一天", "the last day of the period"),
    // village
    d(Village, "village.code", Code, "行政区划代码", "division code", "12 位行政区划代码，始终为文本", "the 12-digit division code, always text"),
    d(Village, "village.name", Text, "村名", "village name", "村的名称", "the village's name"),
    d(Village, "village.township", Text, "乡镇", "township", "所属乡镇", "the township it belongs to"),
    d(Village, "village.county", Text, "县", "county", "所属县（区）", "the county it belongs to"),
    d(Village, "village.altitude_m", Number, "海拔（米）", "altitude (m)", "村委会所在地海拔，单位米", "altitude in metres"),
    d(Village, "village.area_km2", Number, "面积（平方公里）", "area (km²)", "村域面积，单位平方公里", "area in km²"),
    d(Village, "village.group_count", Integer, "村民小组数", "groups", "村民小组个数（第一书记填报的调查数）", "number of village groups, as surveyed"),
    d(Village, "village.household_count", Integer, "总户数", "households", "全村户数（调查数，不是农户记录条数）", "households in the village, as surveyed (not a count of household records)"),
    d(Village, "village.population", Integer, "总人口", "population", "全村人口（调查数）", "people in the village, as surveyed"),
    d(Village, "village.farmland_mu", Number, "耕地面积（亩）", "farmland (mu)", "耕地面积，单位亩", "farmland in mu"),
    d(Village, "village.farmland_per_capita_mu", Number, "人均耕地（亩）", "farmland per head (mu)", "人均耕地面积，单位亩", "farmland per head in mu"),
    d(Village, "village.main_crops", List, "主要作物", "main crops", "主要农作物，以“、”分隔", "main crops, joined with 、"),
    d(Village, "village.livestock", List, "主要畜禽", "livestock", "主要畜禽，以“、”分隔", "livestock, joined with 、"),
    d(Village, "village.ethnic_groups", List, "民族", "ethnic groups", "村内民族，以“、”分隔", "ethnic groups, joined with 、"),
    d(Village, "village.key_poor_village", Boolean, "是否重点贫困村", "key poor village", "是否为重点贫困村：是 / 否", "whether it is a key poor village: 是 / 否"),
    d(Village, "village.secretary", Text, "驻村第一书记", "first secretary", "驻村第一书记姓名", "the first secretary's name"),
    d(Village, "village.secretary_phone", Text, "联系电话", "secretary's phone", "第一书记联系电话（文本）", "the first secretary's phone number (text)"),
    // stats
    d(Stats, "stats.poor_households", Integer, "贫困户数", "poor households", "截至期末户类型为“贫困户”的户数", "households whose status is 贫困户 at the period's end"),
    d(Stats, "stats.poor_population", Integer, "贫困人口", "poor people", "这些贫困户的家庭人口之和", "the sum of those households' sizes"),
    d(Stats, "stats.lifted_households", Integer, "已脱贫户数", "households lifted", "户类型为“已脱贫”的户数", "households whose status is 已脱贫"),
    d(Stats, "stats.lifted_population", Integer, "已脱贫人口", "people lifted", "这些已脱贫户的家庭人口之和", "the sum of those households' sizes"),
    d(Stats, "stats.monitored_households", Integer, "监测户数", "monitored households", "户类型为“监测户”的户数（防返贫监测对象）", "households whose status is 监测户"),
    d(Stats, "stats.households_without_safe_water", Integer, "饮水不安全户数", "households without safe water", "各小组“户数 − 饮水安全户数”之和", "over all groups, households minus households with safe water"),
    d(Stats, "stats.people_without_safe_water", Integer, "饮水不安全人数", "people without safe water", "各小组“人口 − 饮水安全人数”之和", "over all groups, people minus people with safe water"),
    d(Stats, "stats.groups_without_road", Integer, "未通路小组数", "groups without a road", "道路为“无路”的小组数", "groups whose road is 无路"),
    d(Stats, "stats.groups_unpaved_road", Integer, "未硬化路小组数", "groups on unpaved roads", "道路为“土路”或“砂石路”的小组数", "groups whose road is 土路 or 砂石路"),
    d(Stats, "stats.per_capita_income", Money, "人均纯收入（元）", "net income per head (yuan)", "不晚于报告期所在年份的最近一年的全村人均纯收入", "the village's figure for the latest year not after the period's year"),
    d(Stats, "stats.interventions_active", Integer, "在实施项目数", "active interventions", "报告期内任何时间在实施的帮扶项目个数", "interventions active at any time in the period"),
    d(Stats, "stats.funds_budget", Money, "项目资金预算（元）", "funds budgeted (yuan)", "这些项目各资金来源金额之和", "the sum of those interventions' funding amounts"),
    d(Stats, "stats.funds_disbursed", Money, "累计拨付（元）", "funds disbursed (yuan)", "这些项目截至期末的拨付之和", "their disbursements up to the period's end"),
    d(Stats, "stats.funds_disbursed_in_period", Money, "本期拨付（元）", "disbursed in the period (yuan)", "这些项目在报告期内的拨付之和", "their disbursements inside the period"),
    d(Stats, "stats.visits_in_period", Integer, "本期走访户次", "visits in the period", "报告期内的走访次数", "visits inside the period"),
    d(Stats, "stats.activities_planned_in_period", Integer, "本期计划活动数", "activities planned", "报告期内未取消的结对活动数", "the period's activities that are not cancelled"),
    d(Stats, "stats.activities_done_in_period", Integer, "本期完成活动数", "activities done", "报告期内标记为已完成的结对活动数", "the period's activities marked done"),
    d(Stats, "stats.days_in_village_in_period", Integer, "本期驻村天数", "days in the village", "报告期内驻村日志中“在村”的天数", "work-log days in the village inside the period"),
    d(Stats, "stats.days_in_village_year_to_date", Integer, "本年累计驻村天数", "days in the village this year", "从 1 月 1 日到报告期末“在村”的天数", "work-log days in the village from 1 January to the period's end"),
    // report
    d(Report, "report.generated_at", DateTime, "生成时间", "generated at", "月报生成的本地日期时间", "the local date and time the return was made"),
    d(Report, "report.app_version", Text, "程序版本", "program version", "生成月报的程序及版本，如“zhucun 0.1.0”", "the program and version that made it"),
    d(Report, "report.signer", Text, "填表人", "signed by", "签署月报的人（第一书记）", "who signs the return (the first secretary)"),
    // groups
    seq(Groups, "groups.seq"),
    d(Groups, "groups.name", Text, "小组名称", "group name", "村民小组名称", "the group's name"),
    d(Groups, "groups.household_count", Integer, "户数", "households", "小组户数（调查数）", "households in the group, as surveyed"),
    d(Groups, "groups.population", Integer, "人口", "people", "小组人口（调查数）", "people in the group, as surveyed"),
    d(Groups, "groups.road", Text, "道路", "road", "通组道路情况", "the group's road").of(Taxon::Road),
    d(Groups, "groups.safe_water_households", Integer, "饮水安全户数", "households with safe water", "饮水安全的户数", "households with safe drinking water"),
    d(Groups, "groups.safe_water_people", Integer, "饮水安全人数", "people with safe water", "饮水安全的人数", "people with safe drinking water"),
    // households
    seq(Households, "households.seq"),
    d(Households, "households.code", Code, "户编号", "household code", "户编号，始终为文本（保留前导零）", "the household code, always text (leading zeros kept)"),
    d(Households, "households.head_name", Text, "户主姓名", "head of household", "户主姓名", "the head of household's name"),
    d(Households, "households.group", Text, "村民小组", "group", "所在村民小组名称", "the name of its group"),
    d(Households, "households.size", Integer, "家庭人口", "household size", "家庭人口数", "people in the household"),
    d(Households, "households.status", Text, "户类型", "status", "户类型", "the household's status").of(Taxon::HouseholdStatus),
    d(Households, "households.identified_year", Integer, "识别年度", "year identified", "识别为贫困户的年度", "the year it was identified as poor"),
    d(Households, "households.lifted_year", Integer, "脱贫年度", "year lifted", "脱贫的年度", "the year it was lifted out of poverty"),
    d(Households, "households.primary_cause", Text, "主要致贫原因", "primary cause", "主要致贫原因", "the primary cause of poverty").of(Taxon::Cause),
    d(Households, "households.other_causes", List, "其他致贫原因", "other causes", "其他致贫原因，以“、”分隔", "other causes, joined with 、").of(Taxon::Cause),
    d(Households, "households.income_per_capita", Money, "人均纯收入（元）", "income per head (yuan)", "家庭人均纯收入", "the household's net income per head"),
    // causes
    seq(Causes, "causes.seq"),
    d(Causes, "causes.category", Text, "类别", "category", "村致贫原因类别", "the cause's category").of(Taxon::CauseCategory),
    d(Causes, "causes.description", Text, "说明", "description", "致贫原因的具体说明", "what the cause is"),
    // interventions
    seq(Interventions, "interventions.seq"),
    d(Interventions, "interventions.category", Text, "类别", "category", "帮扶项目类别", "the intervention's category").of(Taxon::InterventionCategory),
    d(Interventions, "interventions.title", Text, "项目名称", "title", "项目名称", "the intervention's title"),
    d(Interventions, "interventions.start", Date, "开始日期", "start", "项目开始日期", "the day it starts"),
    d(Interventions, "interventions.end", Date, "结束日期", "end", "项目计划完工日期", "the day it ends"),
    d(Interventions, "interventions.status", Text, "状态", "status", "项目状态", "the intervention's status").of(Taxon::InterventionStatus),
    d(Interventions, "interventions.quantity", Number, "建设数量", "output quantity", "建设规模（数量）", "how much is built or delivered"),
    d(Interventions, "interventions.unit", Text, "单位", "unit", "建设数量的单位", "the unit of the quantity"),
    d(Interventions, "interventions.budget", Money, "预算（元）", "budget (yuan)", "各资金来源金额之和", "the sum of its funding lines' amounts"),
    d(Interventions, "interventions.disbursed", Money, "已拨付（元）", "disbursed (yuan)", "截至报告期末的拨付之和", "its disbursements up to the period's end"),
    d(Interventions, "interventions.disbursed_in_period", Money, "本期拨付（元）", "disbursed in the period (yuan)", "报告期内的拨付之和", "its disbursements inside the period"),
    d(Interventions, "interventions.beneficiary_households", Integer, "受益户数", "households benefiting", "受益户数", "households that benefit"),
    d(Interventions, "interventions.beneficiary_people", Integer, "受益人数", "people benefiting", "受益人数", "people who benefit"),
    d(Interventions, "interventions.responsible", Text, "责任人", "responsible", "项目责任人", "who is responsible"),
    d(Interventions, "interventions.progress", Text, "进展情况", "progress", "项目进展情况", "how it is going"),
    // funds
    seq(Funds, "funds.seq"),
    d(Funds, "funds.intervention", Text, "项目", "intervention", "所属项目名称", "the title of its intervention"),
    d(Funds, "funds.source", Text, "资金来源", "source", "资金来源", "where the money comes from").of(Taxon::FundSource),
    d(Funds, "funds.amount", Money, "金额（元）", "amount (yuan)", "该来源的资金金额", "the line's amount"),
    d(Funds, "funds.disbursed", Money, "已拨付（元）", "disbursed (yuan)", "该来源截至报告期末的拨付之和", "its disbursements up to the period's end"),
    // activities
    seq(Activities, "activities.seq"),
    d(Activities, "activities.date", Date, "日期", "date", "活动日期（只定了月份的活动为空）", "the activity's day (empty when only its month is set)"),
    d(Activities, "activities.semester", Text, "学期", "semester", "所在学期：第一学期（9月–次年1月）或第二学期（2月–6月）", "its semester: 第一学期 (September–January) or 第二学期 (February–June)"),
    d(Activities, "activities.type", Text, "活动类型", "type", "结对活动类型", "the kind of activity").of(Taxon::ActivityType),
    d(Activities, "activities.title", Text, "活动名称", "title", "活动名称", "the activity's title"),
    d(Activities, "activities.host_school", Text, "承办学校", "host school", "承办学校", "the school that hosts it"),
    d(Activities, "activities.partner_schools", List, "结对学校", "partner schools", "结对学校，以“、”分隔", "the partner schools, joined with 、"),
    d(Activities, "activities.participants", Text, "参加人员", "participants", "参加人员（文本）", "who takes part (text)"),
    d(Activities, "activities.responsible", Text, "负责人", "responsible", "活动负责人", "who is responsible"),
    d(Activities, "activities.status", Text, "状态", "status", "活动状态", "the activity's status").of(Taxon::ActivityStatus),
    // visits
    seq(Visits, "visits.seq"),
    d(Visits, "visits.date", Date, "走访日期", "date", "走访日期", "the day of the visit"),
    d(Visits, "visits.household", Text, "走访农户", "household", "所走访农户的户主姓名", "the visited household's head's name"),
    d(Visits, "visits.group", Text, "村民小组", "group", "所在村民小组名称", "the name of the group"),
    d(Visits, "visits.purpose", Text, "走访事由", "purpose", "走访事由", "why the visit was made"),
    d(Visits, "visits.notes", Text, "情况记录", "notes", "走访情况记录", "what was found"),
    d(Visits, "visits.follow_up", Text, "后续跟进", "follow-up", "后续跟进事项", "what follows"),
    // logs
    seq(Logs, "logs.seq"),
    d(Logs, "logs.date", Date, "日期", "date", "日志日期", "the day"),
    d(Logs, "logs.in_village", Boolean, "是否在村", "in the village", "当天是否在村：是 / 否", "whether the secretary was in the village: 是 / 否"),
    d(Logs, "logs.category", Text, "工作类别", "kind of work", "工作类别", "the kind of work").of(Taxon::LogCategory),
    d(Logs, "logs.content", Text, "工作内容", "what was done", "当天工作内容", "what was done that day"),
];

/// Writes the dictionary as a workbook a clerk keeps open while writing a template: a sheet
/// `全部字段` with every path (路径, 类型, 中文名称, 说明, 可选值, 占位符, English), then one sheet
/// per scope with placeholders ready to copy, and a sheet `用法` on how placeholders work.
///
/// The file is written beside `out` and renamed over it, so a failure never leaves half a
/// workbook behind.
///
/// # Errors
///
/// `io` when the file cannot be written.
///
/// # Examples
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let out = dir.path().join("字段.xlsx");
/// zhucun_core::template::write_dictionary_xlsx(&out)?;
/// assert!(out.exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_dictionary_xlsx(out: &Path) -> Result<()> {
    let bytes = dictionary_workbook()
        .and_then(|mut book| book.save_to_buffer())
        .map_err(|source| Error::Xlsx {
            path: out.to_path_buf(),
            source,
        })?;
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(dir, e))?;
    file.write_all(&bytes).map_err(|e| Error::io(out, e))?;
    file.as_file().sync_all().map_err(|e| Error::io(out, e))?;
    file.persist(out).map_err(|e| Error::io(out, e.error))?;
    Ok(())
}

/// The dictionary workbook, in memory.
fn dictionary_workbook() -> std::result::Result<Workbook, XlsxError> {
    let mut book = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color("#DDEBF7")
        .set_align(FormatAlign::VerticalCenter);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let mono = Format::new()
        .set_font_name("Consolas")
        .set_align(FormatAlign::Top);

    let sheet = book.add_worksheet().set_name("全部字段")?;
    let titles = [
        "路径",
        "类型",
        "中文名称",
        "说明",
        "可选值",
        "占位符",
        "English",
    ];
    let rows: Vec<[String; 7]> = DICTIONARY
        .iter()
        .map(|f| {
            [
                f.path.to_string(),
                f.kind.label_zh().to_string(),
                f.label_zh.to_string(),
                f.meaning_zh.to_string(),
                f.choice_labels().join("、"),
                f.placeholder(),
                format!("{} — {}", f.label_en, f.meaning_en),
            ]
        })
        .collect();
    write_table(sheet, &titles, &rows, &header, &wrap, &[0, 5], &mono)?;

    for scope in Scope::ALL {
        let name = format!("{} {}", scope.name(), scope.label_zh());
        let sheet = book.add_worksheet().set_name(name)?;
        let titles = ["占位符", "类型", "中文名称", "说明", "可选值"];
        let rows: Vec<[String; 5]> = scope
            .fields()
            .map(|f| {
                [
                    f.placeholder(),
                    f.kind.label_zh().to_string(),
                    f.label_zh.to_string(),
                    f.meaning_zh.to_string(),
                    f.choice_labels().join("、"),
                ]
            })
            .collect();
        write_table(sheet, &titles, &rows, &header, &wrap, &[0], &mono)?;
    }

    let sheet = book.add_worksheet().set_name("用法")?;
    let mut lines: Vec<String> = USAGE.iter().map(|l| (*l).to_string()).collect();
    for scope in Scope::ALL.into_iter().filter(|s| s.is_collection()) {
        lines.push(format!(
            "  {}（{}）：{}",
            scope.name(),
            scope.label_zh(),
            scope.items_zh()
        ));
    }
    sheet.write_string_with_format(0, 0, "占位符的用法", &header)?;
    for (i, line) in lines.iter().enumerate() {
        sheet.write_string_with_format(row_index(i + 1), 0, line, &wrap)?;
    }
    sheet.set_column_width(0, 100)?;
    Ok(book)
}

const USAGE: &[&str] = &[
    "在单元格中写 {{ 路径 }}，如 {{ village.name }}；大括号内的空格可有可无。",
    "单元格只有一个占位符时，填入带类型的值：数字仍是数字，日期是真正的日期（沿用单元格的数字格式，没有则为 yyyy-mm-dd），是否填“是”/“否”。",
    "占位符嵌在文字中时，替换为值的文字：截至{{ period.end }} → 截至2026-11-30。",
    "period、village、stats、report 是单值；groups、households、causes、interventions、funds、activities、visits、logs 是列表。",
    "含有列表占位符的行是“行模板”：每条记录写一行，{{ 列表.seq }} 是序号；一行只能用一个列表，单值占位符可以同行。",
    "行模板所在行内可以合并单元格；跨越行模板所在行的合并单元格不允许。",
    "公式原样复制，公式中不能写占位符；合计公式 =SUM(H6:H6) 会随行模板展开为 =SUM(H6:H15)。",
    "可选的 _meta 工作表：A 列为键，B 列为值（template_id、version、title、period、issuer）；改动模板后请把 version 加 1。",
    "各列表包含的记录：",
];

/// Writes a header row and the rows under it, frozen below the header, with column widths
/// measured for Chinese text (rust_xlsxwriter's autofit counts a CJK character as narrow).
fn write_table<const N: usize>(
    sheet: &mut Worksheet,
    titles: &[&str; N],
    rows: &[[String; N]],
    header: &Format,
    wrap: &Format,
    mono_columns: &[usize],
    mono: &Format,
) -> std::result::Result<(), XlsxError> {
    let mut widths = [0.0f64; N];
    for (col, title) in titles.iter().enumerate() {
        sheet.write_string_with_format(0, column_index(col), *title, header)?;
        widths[col] = display_width(title);
    }
    for (i, row) in rows.iter().enumerate() {
        for (col, text) in row.iter().enumerate() {
            let format = if mono_columns.contains(&col) {
                mono
            } else {
                wrap
            };
            sheet.write_string_with_format(row_index(i + 1), column_index(col), text, format)?;
            widths[col] = widths[col].max(display_width(text));
        }
    }
    for (col, width) in widths.iter().enumerate() {
        sheet.set_column_width(column_index(col), (width + 2.0).clamp(8.0, 60.0))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.set_row_height(0, 20)?;
    Ok(())
}

/// The width of `text` in Excel's character units: a CJK (full-width) character takes two.
fn display_width(text: &str) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 1.1 } else { 2.1 })
        .sum()
}

fn row_index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

fn column_index(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_is_its_scope_then_a_name() {
        for f in DICTIONARY {
            assert_eq!(
                f.path.split_once('.').map(|(s, _)| s),
                Some(f.scope.name()),
                "{}",
                f.path
            );
            assert!(
                f.name()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{}",
                f.path
            );
        }
    }

    #[test]
    fn paths_are_unique_and_every_collection_has_seq() {
        let mut paths: Vec<&str> = DICTIONARY.iter().map(|f| f.path).collect();
        paths.sort_unstable();
        let before = paths.len();
        paths.dedup();
        assert_eq!(before, paths.len());
        for scope in Scope::ALL {
            assert_eq!(
                field(&format!("{scope}.seq")).is_some(),
                scope.is_collection(),
                "{scope}"
            );
            assert!(scope.fields().count() > 0, "{scope}");
        }
    }

    #[test]
    fn suggestions_catch_typos_and_case() {
        assert_eq!(suggest("vilage.name").as_deref(), Some("village.name"));
        assert_eq!(
            suggest("village.secretery").as_deref(),
            Some("village.secretary")
        );
        assert_eq!(
            suggest("VILLAGE.SECRETARY_PHONE").as_deref(),
            Some("village.secretary_phone")
        );
        assert_eq!(suggest("完全不同的东西"), None);
    }

    #[test]
    fn chinese_text_is_measured_wide() {
        assert!(display_width("驻村第一书记") > display_width("secretary"));
    }
}

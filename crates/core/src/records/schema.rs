//! What each kind of record holds: its table, its fields, their kinds and labels.
//!
//! The names are those of TEMPLATES.md for the matching collection, plus what a collection needs
//! beyond a return (`id_card`, `pairing`, `fund`…). The CLI, the JSON output, the roster import
//! and sync all go by this one description.

use crate::error::Result;
use crate::types::{
    ActivityStatus, ActivityType, Cause, CauseCategory, FundSource, HouseholdStatus,
    InterventionCategory, InterventionStatus, LogCategory, MonitoringType, Road, Taxonomy,
};

/// Which closed list a choice field takes its labels from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taxon {
    /// [`Road`].
    Road,
    /// [`HouseholdStatus`].
    HouseholdStatus,
    /// [`MonitoringType`].
    MonitoringType,
    /// [`Cause`].
    Cause,
    /// [`CauseCategory`].
    CauseCategory,
    /// [`InterventionCategory`].
    InterventionCategory,
    /// [`InterventionStatus`].
    InterventionStatus,
    /// [`FundSource`].
    FundSource,
    /// [`ActivityType`].
    ActivityType,
    /// [`ActivityStatus`].
    ActivityStatus,
    /// [`LogCategory`].
    LogCategory,
}

impl Taxon {
    /// The label for `text`, naming `field` if it is not one of the list.
    ///
    /// # Errors
    ///
    /// `invalid_field` listing the allowed labels.
    pub fn parse(self, field: &str, text: &str) -> Result<&'static str> {
        Ok(match self {
            Taxon::Road => Road::parse(field, text)?.label(),
            Taxon::HouseholdStatus => HouseholdStatus::parse(field, text)?.label(),
            Taxon::MonitoringType => MonitoringType::parse(field, text)?.label(),
            Taxon::Cause => Cause::parse(field, text)?.label(),
            Taxon::CauseCategory => CauseCategory::parse(field, text)?.label(),
            Taxon::InterventionCategory => InterventionCategory::parse(field, text)?.label(),
            Taxon::InterventionStatus => InterventionStatus::parse(field, text)?.label(),
            Taxon::FundSource => FundSource::parse(field, text)?.label(),
            Taxon::ActivityType => ActivityType::parse(field, text)?.label(),
            Taxon::ActivityStatus => ActivityStatus::parse(field, text)?.label(),
            Taxon::LogCategory => LogCategory::parse(field, text)?.label(),
        })
    }

    /// Every label of the list.
    pub fn labels(self) -> Vec<&'static str> {
        match self {
            Taxon::Road => Road::labels(),
            Taxon::HouseholdStatus => HouseholdStatus::labels(),
            Taxon::MonitoringType => MonitoringType::labels(),
            Taxon::Cause => Cause::labels(),
            Taxon::CauseCategory => CauseCategory::labels(),
            Taxon::InterventionCategory => InterventionCategory::labels(),
            Taxon::InterventionStatus => InterventionStatus::labels(),
            Taxon::FundSource => FundSource::labels(),
            Taxon::ActivityType => ActivityType::labels(),
            Taxon::ActivityStatus => ActivityStatus::labels(),
            Taxon::LogCategory => LogCategory::labels(),
        }
    }
}

/// The kind of value a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text.
    Text,
    /// A record code (letters, digits, `-`, `_`), always kept as text.
    Code,
    /// A telephone number.
    Phone,
    /// A non-negative whole number.
    Count,
    /// A non-negative decimal.
    Quantity,
    /// Money in 元.
    Money,
    /// A year.
    Year,
    /// A day.
    Date,
    /// A month, `YYYY-MM`.
    Month,
    /// 是 / 否.
    Bool,
    /// One label of a closed list.
    Choice(Taxon),
    /// Several labels of a closed list.
    ChoiceList(Taxon),
    /// Several free texts.
    TextList,
    /// An ID-card number (personal data).
    IdCard,
    /// A 12-digit division code.
    Division,
    /// Another record, by the name of its table.
    Ref(&'static str),
    /// Several other records of one table.
    RefList(&'static str),
}

/// One field of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The name people and programs use (`head_name`).
    pub name: &'static str,
    /// The database column.
    pub column: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// The Chinese label (`户主姓名`).
    pub label_zh: &'static str,
    /// The English label.
    pub label_en: &'static str,
    /// Whether every record must have it.
    pub required: bool,
    /// The value a new record gets when none is given.
    pub default: Option<&'static str>,
}

const fn f(
    name: &'static str,
    column: &'static str,
    kind: Kind,
    label_zh: &'static str,
    label_en: &'static str,
) -> Field {
    Field {
        name,
        column,
        kind,
        label_zh,
        label_en,
        required: false,
        default: None,
    }
}

impl Field {
    const fn required(mut self) -> Field {
        self.required = true;
        self
    }

    const fn default(mut self, value: &'static str) -> Field {
        self.default = Some(value);
        self
    }
}

/// How `list --period` picks a table's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodRule {
    /// Every record, whatever the period.
    All,
    /// Records whose date column falls inside the period.
    Date(&'static str),
    /// Records active at any time in the period (start column, end column).
    Span(&'static str, &'static str),
    /// Records dated inside the period, or given only a month that is the period.
    DateOrMonth(&'static str, &'static str),
}

/// One kind of record and its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    /// The record's name on the command line (`household`).
    pub name: &'static str,
    /// The SQLite table.
    pub sql: &'static str,
    /// Chinese name.
    pub label_zh: &'static str,
    /// English name.
    pub label_en: &'static str,
    /// Its fields, in display order.
    pub fields: &'static [Field],
    /// Fields by which other records may name it, tried in order after its id.
    pub keys: &'static [&'static str],
    /// How a reference to it is shown, as SQL over the table aliased `t`, when its first key
    /// is not enough (a funding line has no name of its own).
    pub display: Option<&'static str>,
    /// Fields no two live records may share.
    pub unique: &'static [&'static str],
    /// The default order, as SQL.
    pub order: &'static str,
    /// Which records fall in a period.
    pub period: PeriodRule,
}

impl Table {
    /// The field with this name.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

use Kind::*;

/// The village profile (one per database).
pub const VILLAGE: Table = Table {
    name: "village",
    sql: "village",
    label_zh: "村",
    label_en: "village",
    fields: &[
        f("code", "code", Division, "行政区划代码", "division code").required(),
        f("name", "name", Text, "村名", "village name").required(),
        f("township", "township", Text, "乡镇", "township"),
        f("county", "county", Text, "县", "county"),
        f(
            "altitude_m",
            "altitude_m",
            Quantity,
            "海拔（米）",
            "altitude (m)",
        ),
        f(
            "area_km2",
            "area_km2",
            Quantity,
            "面积（平方公里）",
            "area (km²)",
        ),
        f("group_count", "group_count", Count, "村民小组数", "groups"),
        f(
            "household_count",
            "household_count",
            Count,
            "总户数",
            "households",
        ),
        f("population", "population", Count, "总人口", "population"),
        f(
            "farmland_mu",
            "farmland_mu",
            Quantity,
            "耕地面积（亩）",
            "farmland (mu)",
        ),
        f(
            "farmland_per_capita_mu",
            "farmland_per_capita_mu",
            Quantity,
            "人均耕地（亩）",
            "farmland per head (mu)",
        ),
        f(
            "main_crops",
            "main_crops",
            TextList,
            "主要作物",
            "main crops",
        ),
        f("livestock", "livestock", TextList, "主要畜禽", "livestock"),
        f(
            "ethnic_groups",
            "ethnic_groups",
            TextList,
            "民族",
            "ethnic groups",
        ),
        f(
            "key_poor_village",
            "key_poor_village",
            Bool,
            "是否重点贫困村",
            "key poor village",
        ),
        f(
            "secretary",
            "secretary",
            Text,
            "驻村第一书记",
            "first secretary",
        ),
        f(
            "secretary_phone",
            "secretary_phone",
            Phone,
            "联系电话",
            "secretary's phone",
        ),
        f(
            "days_target",
            "days_target",
            Count,
            "年度驻村天数目标",
            "yearly days-in-village target",
        )
        .default("200"),
    ],
    keys: &["name", "code"],
    display: None,
    unique: &[],
    order: "name",
    period: PeriodRule::All,
};

/// The village's figures for one year, for trends.
pub const YEAR: Table = Table {
    name: "year",
    sql: "village_years",
    label_zh: "年度数据",
    label_en: "yearly figures",
    fields: &[
        f("year", "year", Year, "年度", "year").required(),
        f("gdp", "gdp_fen", Money, "生产总值（元）", "GDP (yuan)"),
        f(
            "per_capita_income",
            "per_capita_income_fen",
            Money,
            "人均纯收入（元）",
            "net income per head (yuan)",
        ),
        f(
            "poor_households",
            "poor_households",
            Count,
            "贫困户数",
            "poor households",
        ),
        f(
            "poor_population",
            "poor_population",
            Count,
            "贫困人口",
            "poor people",
        ),
    ],
    keys: &["year"],
    display: None,
    unique: &["year"],
    order: "year",
    period: PeriodRule::All,
};

/// A village group (村民小组).
pub const GROUP: Table = Table {
    name: "group",
    sql: "groups",
    label_zh: "村民小组",
    label_en: "village group",
    fields: &[
        f("name", "name", Text, "小组名称", "group name").required(),
        f(
            "household_count",
            "household_count",
            Count,
            "户数",
            "households",
        ),
        f("population", "population", Count, "人口", "people"),
        f("road", "road", Choice(Taxon::Road), "道路", "road"),
        f(
            "safe_water_households",
            "safe_water_households",
            Count,
            "饮水安全户数",
            "households with safe water",
        ),
        f(
            "safe_water_people",
            "safe_water_people",
            Count,
            "饮水安全人数",
            "people with safe water",
        ),
    ],
    keys: &["name"],
    display: None,
    unique: &["name"],
    // Groups are named 一组, 二组…: creation order (ids are UUID v7) is the order people expect.
    order: "id",
    period: PeriodRule::All,
};

/// A household (农户 / 建档立卡户).
pub const HOUSEHOLD: Table = Table {
    name: "household",
    sql: "households",
    label_zh: "农户",
    label_en: "household",
    fields: &[
        f("code", "code", Code, "户编号", "household code").required(),
        f(
            "head_name",
            "head_name",
            Text,
            "户主姓名",
            "head of household",
        )
        .required(),
        f("id_card", "id_card", IdCard, "身份证号", "ID-card number"),
        f("group", "group_id", Ref("group"), "村民小组", "group"),
        f("size", "size", Count, "家庭人口", "household size"),
        f(
            "status",
            "status",
            Choice(Taxon::HouseholdStatus),
            "户类型",
            "status",
        )
        .required()
        .default("一般户"),
        f(
            "monitoring_type",
            "monitoring_type",
            Choice(Taxon::MonitoringType),
            "监测类型",
            "monitoring type",
        ),
        f(
            "identified_year",
            "identified_year",
            Year,
            "识别年度",
            "year identified",
        ),
        f(
            "lifted_year",
            "lifted_year",
            Year,
            "脱贫年度",
            "year lifted",
        ),
        f(
            "primary_cause",
            "primary_cause",
            Choice(Taxon::Cause),
            "主要致贫原因",
            "primary cause",
        ),
        f(
            "other_causes",
            "other_causes",
            ChoiceList(Taxon::Cause),
            "其他致贫原因",
            "other causes",
        ),
        f(
            "income_per_capita",
            "income_per_capita_fen",
            Money,
            "人均纯收入（元）",
            "income per head (yuan)",
        ),
    ],
    keys: &["code", "head_name"],
    display: None,
    unique: &["code"],
    order: "code",
    period: PeriodRule::All,
};

/// A village-level cause of poverty.
pub const CAUSE: Table = Table {
    name: "cause",
    sql: "village_causes",
    label_zh: "村致贫原因",
    label_en: "village cause",
    fields: &[
        f(
            "category",
            "category",
            Choice(Taxon::CauseCategory),
            "类别",
            "category",
        )
        .required(),
        f("description", "description", Text, "说明", "description").required(),
    ],
    keys: &["description"],
    display: None,
    unique: &[],
    order: "category, description",
    period: PeriodRule::All,
};

/// An intervention (帮扶措施 / 项目).
pub const INTERVENTION: Table = Table {
    name: "intervention",
    sql: "interventions",
    label_zh: "帮扶项目",
    label_en: "intervention",
    fields: &[
        f(
            "category",
            "category",
            Choice(Taxon::InterventionCategory),
            "类别",
            "category",
        )
        .required(),
        f("title", "title", Text, "项目名称", "title").required(),
        f("start", "start_date", Date, "开始日期", "start"),
        f("end", "end_date", Date, "结束日期", "end"),
        f(
            "status",
            "status",
            Choice(Taxon::InterventionStatus),
            "状态",
            "status",
        )
        .required()
        .default("计划"),
        f(
            "quantity",
            "quantity",
            Quantity,
            "建设数量",
            "output quantity",
        ),
        f("unit", "unit", Text, "单位", "unit"),
        f(
            "beneficiary_households",
            "beneficiary_households",
            Count,
            "受益户数",
            "households benefiting",
        ),
        f(
            "beneficiary_people",
            "beneficiary_people",
            Count,
            "受益人数",
            "people benefiting",
        ),
        f(
            "households",
            "beneficiary_ids",
            RefList("household"),
            "受益农户",
            "households it benefits",
        ),
        f(
            "causes",
            "causes",
            ChoiceList(Taxon::Cause),
            "针对的致贫原因",
            "causes it addresses",
        ),
        f("responsible", "responsible", Text, "责任人", "responsible"),
        f("progress", "progress", Text, "进展情况", "progress"),
    ],
    keys: &["title"],
    display: None,
    unique: &[],
    order: "start_date, title",
    period: PeriodRule::Span("start_date", "end_date"),
};

/// A funding line of an intervention.
pub const FUND: Table = Table {
    name: "fund",
    sql: "funds",
    label_zh: "资金来源",
    label_en: "funding line",
    fields: &[
        f(
            "intervention",
            "intervention_id",
            Ref("intervention"),
            "项目",
            "intervention",
        )
        .required(),
        f(
            "source",
            "source",
            Choice(Taxon::FundSource),
            "资金来源",
            "source",
        )
        .required(),
        f("amount", "amount_fen", Money, "金额（元）", "amount (yuan)").required(),
    ],
    keys: &[],
    display: Some(
        "(SELECT title FROM interventions WHERE id = t.intervention_id) || '·' || t.source",
    ),
    unique: &[],
    order: "intervention_id, source",
    period: PeriodRule::All,
};

/// A payment made against a funding line.
pub const DISBURSEMENT: Table = Table {
    name: "disbursement",
    sql: "disbursements",
    label_zh: "拨付记录",
    label_en: "disbursement",
    fields: &[
        f("fund", "fund_id", Ref("fund"), "资金来源", "funding line").required(),
        f("date", "date", Date, "拨付日期", "date").required(),
        f("amount", "amount_fen", Money, "金额（元）", "amount (yuan)").required(),
        f("note", "note", Text, "备注", "note"),
    ],
    keys: &[],
    display: None,
    unique: &[],
    order: "date",
    period: PeriodRule::Date("date"),
};

/// A school pairing (结对帮扶) for one school year.
pub const PAIRING: Table = Table {
    name: "pairing",
    sql: "pairings",
    label_zh: "结对帮扶",
    label_en: "school pairing",
    fields: &[
        f("title", "title", Text, "名称", "title"),
        f(
            "base_school",
            "base_school",
            Text,
            "基地学校",
            "base school",
        )
        .required(),
        f(
            "partner_schools",
            "partner_schools",
            TextList,
            "结对学校",
            "partner schools",
        ),
        f(
            "school_year",
            "school_year",
            Year,
            "学年（起始年）",
            "school year (first year)",
        )
        .required(),
        f("responsible", "responsible", Text, "负责人", "responsible"),
    ],
    keys: &["title", "base_school"],
    display: None,
    unique: &[],
    order: "school_year, base_school",
    period: PeriodRule::All,
};

/// A school-pairing activity.
pub const ACTIVITY: Table = Table {
    name: "activity",
    sql: "activities",
    label_zh: "结对活动",
    label_en: "activity",
    fields: &[
        f(
            "pairing",
            "pairing_id",
            Ref("pairing"),
            "结对帮扶",
            "pairing",
        )
        .required(),
        f("date", "date", Date, "日期", "date"),
        f("month", "month", Month, "月份", "month"),
        f(
            "type",
            "type",
            Choice(Taxon::ActivityType),
            "活动类型",
            "type",
        )
        .required(),
        f("title", "title", Text, "活动名称", "title").required(),
        f(
            "host_school",
            "host_school",
            Text,
            "承办学校",
            "host school",
        ),
        f(
            "participants",
            "participants",
            Text,
            "参加人员",
            "participants",
        ),
        f("responsible", "responsible", Text, "负责人", "responsible"),
        f(
            "status",
            "status",
            Choice(Taxon::ActivityStatus),
            "状态",
            "status",
        )
        .required()
        .default("计划"),
    ],
    keys: &["title"],
    display: None,
    unique: &[],
    order: "coalesce(date, month || '-01'), title",
    period: PeriodRule::DateOrMonth("date", "month"),
};

/// A visit (走访记录).
pub const VISIT: Table = Table {
    name: "visit",
    sql: "visits",
    label_zh: "走访记录",
    label_en: "visit",
    fields: &[
        f("date", "date", Date, "走访日期", "date").required(),
        f(
            "household",
            "household_id",
            Ref("household"),
            "走访农户",
            "household",
        ),
        f("group", "group_id", Ref("group"), "村民小组", "group"),
        f("purpose", "purpose", Text, "走访事由", "purpose").required(),
        f("notes", "notes", Text, "情况记录", "notes"),
        f("follow_up", "follow_up", Text, "后续跟进", "follow-up"),
    ],
    keys: &[],
    display: None,
    unique: &[],
    order: "date",
    period: PeriodRule::Date("date"),
};

/// A day of the work log (驻村日志).
pub const LOG: Table = Table {
    name: "log",
    sql: "work_logs",
    label_zh: "驻村日志",
    label_en: "work-log day",
    fields: &[
        f("date", "date", Date, "日期", "date").required(),
        f(
            "in_village",
            "in_village",
            Bool,
            "是否在村",
            "in the village",
        )
        .required()
        .default("是"),
        f("away_reason", "away_reason", Text, "离村事由", "why away"),
        f(
            "category",
            "category",
            Choice(Taxon::LogCategory),
            "工作类别",
            "kind of work",
        ),
        f("content", "content", Text, "工作内容", "what was done"),
    ],
    keys: &["date"],
    display: None,
    unique: &["date"],
    order: "date",
    period: PeriodRule::Date("date"),
};

/// Every kind of record, parents before children (the order to insert them in).
pub const TABLES: &[&Table] = &[
    &VILLAGE,
    &YEAR,
    &GROUP,
    &HOUSEHOLD,
    &CAUSE,
    &INTERVENTION,
    &FUND,
    &DISBURSEMENT,
    &PAIRING,
    &ACTIVITY,
    &VISIT,
    &LOG,
];

/// The kind of record with this command-line name.
pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().copied().find(|t| t.name == name)
}

/// The kind of record stored in this SQLite table.
pub fn table_by_sql(sql: &str) -> Option<&'static Table> {
    TABLES.iter().copied().find(|t| t.sql == sql)
}

//! The fixed lists of DESIGN.md, as enums keyed by their Chinese labels.

use crate::error::{join_labels, Error, Result, Rule};

/// A closed list of labels.
pub trait Taxonomy: Sized + Copy + 'static {
    /// Every member, in the order people are used to.
    const ALL: &'static [Self];

    /// The Chinese label, which is also the key stored and exchanged.
    fn label(self) -> &'static str;

    /// The member with this label (surrounding spaces ignored).
    ///
    /// # Errors
    ///
    /// `invalid_field` naming `field` and listing the allowed labels.
    fn parse(field: &str, text: &str) -> Result<Self> {
        let t = text.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|m| m.label() == t)
            .ok_or_else(|| {
                Error::invalid(
                    field,
                    text,
                    Rule::NotInList {
                        allowed: join_labels(Self::labels()),
                    },
                )
            })
    }

    /// Every label.
    fn labels() -> Vec<&'static str> {
        Self::ALL.iter().map(|m| m.label()).collect()
    }
}

macro_rules! taxonomy {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $label:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* #[doc = $label] $variant),+
        }

        impl Taxonomy for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];

            fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

taxonomy!(
    /// The road a village group has.
    Road { None => "无路", Dirt => "土路", Gravel => "砂石路", Paved => "硬化路" }
);

taxonomy!(
    /// A household's standing in the poverty register.
    HouseholdStatus { Ordinary => "一般户", Poor => "贫困户", Lifted => "已脱贫", Monitored => "监测户" }
);

taxonomy!(
    /// Why a 监测户 is monitored.
    MonitoringType {
        Unstable => "脱贫不稳定户",
        Marginal => "边缘易致贫户",
        Hardship => "突发严重困难户",
    }
);

taxonomy!(
    /// The national list of household poverty causes (致贫原因).
    Cause {
        Illness => "因病",
        Disability => "因残",
        Schooling => "因学",
        Disaster => "因灾",
        Marriage => "因婚",
        Land => "缺土地",
        Water => "缺水",
        Skills => "缺技术",
        Capital => "缺资金",
        Labour => "缺劳力",
        Transport => "交通条件落后",
        Motivation => "自身发展动力不足",
        Other => "其他",
    }
);

taxonomy!(
    /// The category of a village-level cause.
    CauseCategory {
        Nature => "自然环境",
        Infrastructure => "基础设施",
        Industry => "产业发展",
        People => "人口素质与发展动力",
        Health => "医疗卫生",
        Education => "教育",
        Other => "其他",
    }
);

taxonomy!(
    /// The line of work an intervention belongs to.
    InterventionCategory {
        Industry => "产业扶贫",
        Employment => "就业扶贫",
        Relocation => "易地扶贫搬迁",
        Education => "教育扶贫",
        Health => "健康扶贫",
        Ecology => "生态扶贫",
        Infrastructure => "基础设施",
        SocialSecurity => "兜底保障",
        Social => "社会帮扶",
        Other => "其他",
    }
);

taxonomy!(
    /// How far an intervention has come.
    InterventionStatus { Planned => "计划", Active => "实施中", Completed => "已完工", Accepted => "已验收" }
);

taxonomy!(
    /// Where a funding line's money comes from.
    FundSource {
        Central => "中央",
        Province => "省级",
        City => "市级",
        County => "县级",
        Paired => "对口帮扶",
        Donation => "社会捐赠",
        Villagers => "群众自筹",
    }
);

taxonomy!(
    /// The kind of a school-pairing activity.
    ActivityType {
        Launch => "启动仪式",
        Forum => "座谈会",
        TeachingVisit => "送教下乡",
        Lecture => "名师讲座",
        Seminar => "研讨交流",
        JointMeeting => "联席会议",
        OpenDay => "教学开放日",
        ReportLesson => "汇报课",
        ModelLesson => "示范课",
        Festival => "艺术节/科技节",
        Secondment => "支教",
        Assessment => "考核总结",
        Other => "其他",
    }
);

taxonomy!(
    /// Whether an activity happened.
    ActivityStatus { Planned => "计划", Done => "已完成", Cancelled => "取消" }
);

taxonomy!(
    /// What a day's work was mostly about.
    LogCategory {
        Meeting => "会议",
        Visit => "走访",
        Service => "为民办实事",
        Project => "项目工作",
        Training => "培训",
        Other => "其他",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip() {
        for c in Cause::ALL {
            assert_eq!(Cause::parse("c", c.label()).unwrap(), *c);
        }
        assert_eq!(Cause::ALL.len(), 13);
        assert_eq!(InterventionCategory::ALL.len(), 10);
        assert_eq!(ActivityType::ALL.len(), 13);
    }

    #[test]
    fn unknown_label_lists_the_allowed() {
        let err = Road::parse("road", "高速").unwrap_err();
        assert_eq!(err.code(), "invalid_field");
        assert!(err.to_string().contains("硬化路"), "{err}");
    }
}

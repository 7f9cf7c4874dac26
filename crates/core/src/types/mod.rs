//! Types that can only hold valid values, so checks are made once, where text becomes data.

mod division_code;
mod id_card;
mod period;
mod scalar;
mod taxonomy;

pub use division_code::DivisionCode;
pub use id_card::{mask as mask_id_card, IdCardNumber};
pub use period::Period;
pub use scalar::{
    parse_bool, parse_count, parse_date, parse_money, parse_quantity, parse_year, Money,
};
pub use taxonomy::{
    ActivityStatus, ActivityType, Cause, CauseCategory, FundSource, HouseholdStatus,
    InterventionCategory, InterventionStatus, LogCategory, MonitoringType, Road, Taxonomy,
};

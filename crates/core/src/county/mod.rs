//! The county office's side of monthly returns: every return bundle received is kept
//! ([`plan_return`], [`store_return`], [`list_returns`]; `bundle import` records one at step
//! 5), and `county merge` consolidates a month's return bundles into one workbook ([`merge`]).
//!
//! A village makes a return bundle with [`crate::bundle::export_return`]; the county trusts
//! each village's public key as `village` (`keys trust FILE.pub --role village`), then either
//! receives the bundles one by one or merges a folder of them with the template they were
//! made from.
//!
//! Decisions the contract leaves open:
//!
//! - Returns are kept in their own table, not as synced records: a return is a signed file
//!   that never changes, named for good by its bundle id. A village may send a corrected return
//!   for a month; every one is kept, and the newest — by the manifest's `created_at` as an
//!   instant, equal times by the higher bundle id — counts.
//! - Before recording a return, step 5 checks that `return.xlsx` is a return (its `_zhucun`
//!   sheet readable) of the village, month and template its signed manifest names.
//! - A merge writes only the workbook: it reads the database (for a template id) but records
//!   nothing, so it can be run again and again over the same files.
//!
//! # Examples
//!
//! ```
//! use zhucun_core::{bundle, county, keys::{self, Role}, Period};
//! let dir = tempfile::tempdir()?;
//! let (village_keys, county_keys) = (dir.path().join("v"), dir.path().join("c"));
//! let mut village = zhucun_core::store::open_in_memory()?;
//! zhucun_core::demo::load(&mut village)?;
//! keys::init(&village_keys, "特补乃吾村驻村工作队", Role::Village)?;
//! let return_bundle = dir.path().join("特补乃吾村.zip");
//! bundle::export_return(&village, &village_keys, Period::parse("2026-11")?, None, &return_bundle)?;
//!
//! keys::init(&county_keys, "示例县乡村振兴局", Role::County)?;
//! keys::export(&village_keys, &dir.path().join("village.pub"))?;
//! keys::trust(&county_keys, &dir.path().join("village.pub"), Role::Village, None)?;
//! let county_db = zhucun_core::store::open_in_memory()?;
//! let report = county::merge(
//!     &county_db,
//!     &county::TemplateChoice::Id("zhucun-default".into()),
//!     &[return_bundle],
//!     &county_keys,
//!     &dir.path().join("汇总.xlsx"),
//! )?;
//! assert_eq!(report.villages.len(), 1);
//! assert!(report.refused.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod merge;
mod returns;
mod workbook;

pub use merge::{
    merge, CategoryTotal, CountyTotal, MergeReport, MergedReturn, RefusedBundle, SupersededBundle,
    TemplateChoice, UNCATEGORISED,
};
pub use returns::{
    get_return, list_returns, plan_return, return_file, store_return, ReturnAction, ReturnPlan,
    ReturnReport, StoredReturn,
};
pub use workbook::{CODE_HEADER, LEFT_OUT_SHEET, NAME_HEADER, TOTALS_SHEET, VILLAGES_SHEET};

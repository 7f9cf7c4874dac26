//! The commands the UI may invoke. Each is one call into `zhucun-core`: they translate, the
//! core decides.
//!
//! The commands that touch the database run on Tauri's thread pool (`async`), so a slow query
//! never freezes the window.

use serde::Serialize;
use tauri::State;
use zhucun_core::records::RecordView;
use zhucun_core::stats::{self, Stats};
use zhucun_core::{demo, village, Lang, Period};

use crate::{AppState, CommandError};

/// The language the UI speaks, as a BCP 47 tag: `"zh-CN"` unless `ZHUCUN_LANG=en`.
#[tauri::command]
pub fn ui_language(state: State<'_, AppState>) -> &'static str {
    match state.lang {
        Lang::En => "en",
        Lang::Zh => "zh-CN",
    }
}

/// The village's profile, or `null` when the database holds no village yet (first run).
#[tauri::command(async)]
pub fn village_profile(state: State<'_, AppState>) -> Result<Option<RecordView>, CommandError> {
    state.with_db(|db| village::profile(db))
}

/// A month's key figures, and which month they are for.
#[derive(Debug, Serialize)]
pub struct MonthStats {
    /// The month, as `"YYYY-MM"`.
    period: Period,
    /// The figures, keyed by the `stats.*` field names of TEMPLATES.md.
    stats: Stats,
}

/// The key figures of the current month (local time).
#[tauri::command(async)]
pub fn month_stats(state: State<'_, AppState>) -> Result<MonthStats, CommandError> {
    let period = Period::current();
    state
        .with_db(|db| stats::compute(db, period))
        .map(|stats| MonthStats { period, stats })
}

/// Loads the demo village into an empty database; a database that holds anything is refused
/// with the code `"conflict"`.
#[tauri::command(async)]
pub fn load_demo(state: State<'_, AppState>) -> Result<(), CommandError> {
    state.with_db(demo::load)
}

//! How long a 50,000-row roster import takes, against calamine alone reading the same file.
//!
//! Run with `cargo bench -p zhucun-core --bench roster_import`. The target is the whole import
//! (read, check, write into a fresh database file) in at most twice the time calamine needs just
//! to read the workbook: the import should cost about as much as the reading it cannot avoid.

use std::error::Error;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use calamine::{open_workbook_auto, Data, Reader};
use rust_xlsxwriter::Workbook;
use zhucun_core::{roster, store};

const ROWS: u32 = 50_000;
const RUNS: usize = 3;
const TARGET_RATIO: f64 = 2.0;

type BenchResult<T = ()> = Result<T, Box<dyn Error>>;

fn main() -> BenchResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("roster.xlsx");
    write_roster(&path)?;
    let size = std::fs::metadata(&path)?.len();
    println!("roster: {ROWS} rows, {} KiB", size / 1024);

    let read = best_of(|_| calamine_alone(&path))?;

    let mut parts = (Duration::MAX, Duration::MAX, Duration::MAX);
    let import = best_of(|run| {
        let mut conn = store::open(&dir.path().join(format!("import{run}.sqlite")))?;
        let start = Instant::now();
        let summary = roster::import_file(&mut conn, &path)?;
        let took = start.elapsed();
        if summary.added != ROWS as usize {
            return Err(format!("{} households added, not {ROWS}", summary.added).into());
        }
        Ok(took)
    })?;

    // The same steps one by one, to see where the time goes.
    for run in 0..RUNS {
        let mut conn = store::open(&dir.path().join(format!("steps{run}.sqlite")))?;
        let start = Instant::now();
        let file = roster::read_roster(&path)?;
        let read_done = start.elapsed();
        let plan = roster::plan_import(&conn, &file)?;
        let plan_done = start.elapsed();
        roster::apply(&mut conn, &plan)?;
        let apply_done = start.elapsed();
        parts.0 = parts.0.min(read_done);
        parts.1 = parts.1.min(plan_done - read_done);
        parts.2 = parts.2.min(apply_done - plan_done);
    }

    let ratio = import.as_secs_f64() / read.as_secs_f64();
    println!("calamine alone (open + worksheet_range + every cell), best of {RUNS}: {read:.2?}");
    println!("roster::import_file into a fresh file database, best of {RUNS}:       {import:.2?}");
    println!(
        "  step by step: read_roster {:.2?}, plan_import {:.2?}, apply {:.2?} (apply checks \
         every record again, as it must for a plan made in another transaction)",
        parts.0, parts.1, parts.2
    );
    let verdict = if ratio <= TARGET_RATIO {
        "met"
    } else {
        "MISSED"
    };
    println!("ratio {ratio:.2}× (target ≤ {TARGET_RATIO}×): {verdict}");
    Ok(())
}

/// The best time of [`RUNS`] runs of `f` (given the run number).
fn best_of(mut f: impl FnMut(usize) -> BenchResult<Duration>) -> BenchResult<Duration> {
    let mut best = Duration::MAX;
    for run in 0..RUNS {
        best = best.min(f(run)?);
    }
    Ok(best)
}

/// What any reader of the file must do at least: open it, read the sheet, touch every cell.
fn calamine_alone(path: &Path) -> BenchResult<Duration> {
    let start = Instant::now();
    let mut book = open_workbook_auto(path)?;
    let name = book.sheet_names().into_iter().next().ok_or("no sheet")?;
    let range = book.worksheet_range(&name)?;
    let mut seen = 0usize;
    for (_, _, cell) in range.used_cells() {
        seen += match cell {
            Data::String(s) => s.len(),
            Data::Float(f) => usize::from(*f > 0.0),
            _ => 1,
        };
    }
    black_box(seen);
    Ok(start.elapsed())
}

/// A roster as villages keep them: a title row, the ten columns of CLI.md and a notes column.
fn write_roster(path: &Path) -> BenchResult {
    let headers = [
        "户编号",
        "户主姓名",
        "村民小组",
        "家庭人口",
        "户类型",
        "识别年度",
        "脱贫年度",
        "主要致贫原因",
        "其他致贫原因",
        "人均纯收入",
        "备注",
    ];
    let statuses = ["一般户", "贫困户", "已脱贫", "监测户"];
    let causes = ["因病", "因残", "因学", "缺资金", "缺技术"];
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("农户信息")?;
    sheet.write_string(0, 0, "某村农户花名册")?;
    for (c, h) in (0u16..).zip(headers) {
        sheet.write_string(1, c, h)?;
    }
    for i in 0..ROWS {
        let r = i + 2;
        let status = statuses[(i % 4) as usize];
        sheet.write_string(r, 0, format!("{:02}{:05}", i % 12 + 1, i))?;
        sheet.write_string(r, 1, format!("户主{i}"))?;
        sheet.write_string(r, 2, format!("{}组", i % 12 + 1))?;
        sheet.write_number(r, 3, f64::from(i % 7 + 1))?;
        sheet.write_string(r, 4, status)?;
        if status != "一般户" {
            sheet.write_number(r, 5, 2015.0 + f64::from(i % 4))?;
            sheet.write_string(r, 7, causes[(i % 5) as usize])?;
            sheet.write_string(r, 8, format!("{}、{}", causes[(i % 3) as usize], causes[3]))?;
        }
        if status == "已脱贫" {
            sheet.write_number(r, 6, 2020.0)?;
        }
        sheet.write_number(r, 9, 3000.0 + f64::from(i % 1000) * 12.37)?;
        if i % 10 == 0 {
            sheet.write_string(r, 10, "外出务工")?;
        }
    }
    book.save(path)?;
    Ok(())
}

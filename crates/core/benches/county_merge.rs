//! How long `county merge` of 400 return bundles takes, against calamine alone reading the 400
//! returns they carry.
//!
//! Run with `cargo bench -p zhucun-core --bench county_merge`. The target is the whole merge
//! (verify every bundle, read every return back with the template, keep the newest per
//! village, write the consolidated workbook) in at most twice the time calamine needs just to
//! read the 400 `return.xlsx` files: the merge should cost about as much as the reading it
//! cannot avoid.

use std::error::Error;
use std::hint::black_box;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use calamine::{Data, Reader, Xlsx};
use zhucun_core::county::{self, TemplateChoice};
use zhucun_core::keys::{self, Role};
use zhucun_core::{bundle, demo, store, template, village, Period};

const VILLAGES: usize = 400;
const RUNS: usize = 3;
const TARGET_RATIO: f64 = 2.0;
const TEMPLATE: &str = "zhucun-default";

type BenchResult<T = ()> = Result<T, Box<dyn Error>>;

fn main() -> BenchResult {
    let dir = tempfile::tempdir()?;
    let (bundles, returns) = make_returns(dir.path())?;
    let county_keys = dir.path().join("county-keys");
    keys::init(&county_keys, "示例县乡村振兴局", Role::County)?;
    keys::trust(
        &county_keys,
        &dir.path().join("village.pub"),
        Role::Village,
        None,
    )?;
    let size: u64 = bundles
        .iter()
        .map(|b| std::fs::metadata(b).map_or(0, |m| m.len()))
        .sum();
    println!(
        "{VILLAGES} return bundles for 2026-11, {} KiB in all",
        size / 1024
    );

    let read = best_of(|_| calamine_alone(&returns))?;

    let template_choice = TemplateChoice::Id(TEMPLATE.into());
    let merge = best_of(|run| {
        let conn = store::open(&dir.path().join(format!("county{run}.sqlite")))?;
        let out = dir.path().join(format!("汇总{run}.xlsx"));
        let start = Instant::now();
        let report = county::merge(&conn, &template_choice, &bundles, &county_keys, &out)?;
        let took = start.elapsed();
        if report.villages.len() != VILLAGES || !report.refused.is_empty() {
            return Err(format!(
                "{} returns used, {} refused, not {VILLAGES} used",
                report.villages.len(),
                report.refused.len()
            )
            .into());
        }
        Ok(took)
    })?;

    // The merge's two per-bundle steps on one thread, to see where the time goes (the merge runs
    // them on every core).
    let conn = store::open(&dir.path().join("steps.sqlite"))?;
    let parsed = template_choice.load(&conn)?;
    let mut parts = (Duration::MAX, Duration::MAX);
    for _ in 0..RUNS {
        let (mut verify, mut read_back) = (Duration::ZERO, Duration::ZERO);
        for path in &bundles {
            let start = Instant::now();
            let bytes = bundle::read_file(path)?;
            let verified = bundle::verify(&bytes, &county_keys, None)?;
            let verified_at = start.elapsed();
            let payload = verified.files.first().ok_or("no return file")?;
            black_box(template::read_return(&parsed, &payload.bytes)?);
            verify += verified_at;
            read_back += start.elapsed() - verified_at;
        }
        parts.0 = parts.0.min(verify);
        parts.1 = parts.1.min(read_back);
    }
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);

    let ratio = merge.as_secs_f64() / read.as_secs_f64();
    println!(
        "calamine alone ({VILLAGES} × open + worksheet_range of every sheet + every cell), best of {RUNS}: {read:.2?}"
    );
    println!(
        "county::merge of {VILLAGES} bundles into a fresh file database, best of {RUNS}:                {merge:.2?}"
    );
    println!(
        "  its per-bundle steps on one thread (the merge uses {threads}): read + verify {:.2?}, \
         read_return {:.2?}",
        parts.0, parts.1,
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

/// What any reader of the returns must do at least: open each, read every sheet, touch every
/// cell.
fn calamine_alone(returns: &[PathBuf]) -> BenchResult<Duration> {
    let start = Instant::now();
    let mut seen = 0usize;
    for path in returns {
        let bytes = std::fs::read(path)?;
        let mut book = Xlsx::new(Cursor::new(bytes))?;
        for name in book.sheet_names() {
            let range = book.worksheet_range(&name)?;
            for (_, _, cell) in range.used_cells() {
                seen += match cell {
                    Data::String(s) => s.len(),
                    Data::Float(f) => usize::from(*f > 0.0),
                    _ => 1,
                };
            }
        }
    }
    black_box(seen);
    Ok(start.elapsed())
}

/// One demo village exporting a return for 2026-11 under [`VILLAGES`] different village codes,
/// its key exported to `village.pub`; returns the bundles and their `return.xlsx` payloads.
fn make_returns(dir: &Path) -> BenchResult<(Vec<PathBuf>, Vec<PathBuf>)> {
    let mut conn = store::open(&dir.join("village.sqlite"))?;
    demo::load(&mut conn)?;
    let village_keys = dir.join("village-keys");
    keys::init(&village_keys, "村", Role::Village)?;
    keys::export(&village_keys, &dir.join("village.pub"))?;
    let period = Period::parse("2026-11")?;
    let (bundle_dir, return_dir) = (dir.join("bundles"), dir.join("returns"));
    std::fs::create_dir_all(&bundle_dir)?;
    std::fs::create_dir_all(&return_dir)?;
    let (mut bundles, mut returns) = (Vec::new(), Vec::new());
    for i in 0..VILLAGES {
        let code = format!("5134311{i:05}");
        village::set(
            &mut conn,
            &[
                ("code".into(), code.clone()),
                ("name".into(), format!("第{i}村")),
            ],
        )?;
        let out = bundle_dir.join(format!("{code}.zip"));
        bundle::export_return(&conn, &village_keys, period, None, &out)?;
        let mut archive = zip::ZipArchive::new(std::fs::File::open(&out)?)?;
        let mut payload = Vec::new();
        archive.by_name("return.xlsx")?.read_to_end(&mut payload)?;
        let xlsx = return_dir.join(format!("{code}.xlsx"));
        std::fs::write(&xlsx, payload)?;
        bundles.push(out);
        returns.push(xlsx);
    }
    Ok((bundles, returns))
}

//! The real app window over WebDriver. Run under a display:
//! `xvfb-run -a -s "-screen 0 1280x800x24" cargo test -p zhucun-app`.

mod common;

use std::path::Path;
use std::time::Duration;

use thirtyfour::prelude::*;
use zhucun_core::{demo, store};

use common::{digits, fail, TestResult, Window};

/// How long the page may take to show what a test waits for, and the whole test to run.
const WAIT: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(100);
const WHOLE_TEST: Duration = Duration::from_secs(120);

#[tokio::test]
async fn overview_shows_the_demo_village() -> TestResult {
    let scratch = tempfile::tempdir()?;
    let db = scratch.path().join("zhucun.sqlite");
    let mut conn = store::open(&db)?;
    demo::load(&mut conn)?;
    drop(conn);

    with_window(&db, scratch.path(), "window.png", |driver| async move {
        let name = shown(&driver, By::Id("village-name")).await?.text().await?;
        expect("village name", &name, "特补乃吾村")?;
        let population = text_of(&driver, By::Id("village-population")).await?;
        expect("population", &digits(&population), "1021")?;
        let households = text_of(&driver, By::Id("village-households")).await?;
        expect("households", &digits(&households), "227")?;
        let poor = text_of(&driver, By::Css("[data-stat='poor_households']")).await?;
        expect("poor households", &digits(&poor), "54")?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn first_run_loads_the_demo_village() -> TestResult {
    let scratch = tempfile::tempdir()?;
    let db = scratch.path().join("fresh.sqlite");

    with_window(
        &db,
        scratch.path(),
        "first-run-loaded.png",
        |driver| async move {
            shown(&driver, By::Id("first-run")).await?;
            common::screenshot(&driver, "first-run.png").await?;
            driver.find(By::Id("load-demo")).await?.click().await?;
            let name = shown(&driver, By::Id("village-name")).await?.text().await?;
            expect("village name", &name, "特补乃吾村")?;
            if driver
                .find(By::Id("first-run"))
                .await?
                .is_displayed()
                .await?
            {
                return Err(fail(
                    "the first-run panel is still shown after loading the demo",
                ));
            }
            Ok(())
        },
    )
    .await
}

/// Opens the app on `db`, runs `check`, saves a screenshot named `shot` (also when the check
/// failed, to show why), and closes the app whatever happened.
async fn with_window<F, Fut>(db: &Path, scratch: &Path, shot: &str, check: F) -> TestResult
where
    F: FnOnce(WebDriver) -> Fut,
    Fut: std::future::Future<Output = TestResult>,
{
    let window = Window::open(db, scratch).await?;
    let outcome = match tokio::time::timeout(WHOLE_TEST, check(window.driver.clone())).await {
        Ok(outcome) => outcome,
        Err(_) => Err(fail(format!(
            "the test did not finish within {WHOLE_TEST:?}"
        ))),
    };
    let screenshot = window.screenshot(shot).await;
    let log = window.log();
    let outcome = outcome.map_err(|error| match log.trim() {
        "" => error,
        log => fail(format!(
            "{error}\n--- tauri-driver and app output ---\n{log}"
        )),
    });
    window.close().await?;
    outcome?;
    screenshot?;
    Ok(())
}

/// Waits for the element `by` to be displayed, or fails after [`WAIT`] with the page's error
/// banner (if it shows one).
async fn shown(driver: &WebDriver, by: By) -> TestResult<WebElement> {
    let query = driver
        .query(by.clone())
        .and_displayed()
        .wait(WAIT, POLL)
        .first()
        .await;
    match query {
        Ok(element) => Ok(element),
        Err(error) => {
            let banner = text_of(driver, By::Id("error-message")).await?;
            Err(fail(format!(
                "{by:?} was not shown within {WAIT:?}: {error}; page error: {banner:?}"
            )))
        }
    }
}

/// The rendered text of the element `by`.
async fn text_of(driver: &WebDriver, by: By) -> TestResult<String> {
    Ok(driver.find(by).await?.text().await?)
}

/// Fails, naming `what`, unless `actual` is `expected`. (An `assert!` would panic past the
/// screenshot and the orderly close.)
fn expect(what: &str, actual: &str, expected: &str) -> TestResult {
    if actual == expected {
        Ok(())
    } else {
        Err(fail(format!(
            "{what}: expected {expected:?}, the page shows {actual:?}"
        )))
    }
}

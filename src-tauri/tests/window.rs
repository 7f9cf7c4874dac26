//! The real app window over WebDriver. Run under a display:
//! `xvfb-run -a -s "-screen 0 1280x800x24" cargo test -p zhucun-app`.

mod common;

use std::path::Path;
use std::time::Duration;

use thirtyfour::prelude::*;
use zhucun_core::{demo, store};

use common::{digits, TestResult, Window};

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
        let population = driver.find(By::Id("village-population")).await?.text().await?;
        expect("population", &digits(&population), "1021")?;
        let households = driver.find(By::Id("village-households")).await?.text().await?;
        expect("households", &digits(&households), "227")?;
        let poor = driver.find(By::Css("[data-stat='poor_households']")).await?.text().await?;
        expect("poor households", &digits(&poor), "54")?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn first_run_loads_the_demo_village() -> TestResult {
    let scratch = tempfile::tempdir()?;
    let db = scratch.path().join("fresh.sqlite");

    with_window(&db, scratch.path(), "first-run.png", |driver| async move {
        shown(&driver, By::Id("first-run")).await?;
        driver.find(By::Id("load-demo")).await?.click().await?;
        let name = shown(&driver, By::Id("village-name")).await?.text().await?;
        expect("village name", &name, "特补乃吾村")?;
        if driver.find(By::Id("first-run")).await?.is_displayed().await? {
            return Err("the first-run panel is still shown after loading the demo".into());
        }
        Ok(())
    })
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
        Err(_) => Err(format!("the test did not finish within {WHOLE_TEST:?}").into()),
    };
    let screenshot = window.screenshot(shot).await;
    let outcome = outcome.map_err(|error| format!("{error}\n--- output ---\n{}", window.log()));
    window.close().await?;
    outcome?;
    screenshot?;
    Ok(())
}

/// Waits for the element `by` to be displayed, or fails after [`WAIT`] with the page's error
/// banner (if it shows one).
async fn shown(driver: &WebDriver, by: By) -> TestResult<WebElement> {
    let query = driver.query(by.clone()).and_displayed().wait(WAIT, POLL).first().await;
    match query {
        Ok(element) => Ok(element),
        Err(error) => {
            let banner = driver.find(By::Id("error-message")).await?.text().await?;
            Err(format!("{by:?} was not shown within {WAIT:?}: {error}; page error: {banner:?}").into())
        }
    }
}

/// Fails, naming `what`, unless `actual` is `expected`. (An `assert!` would panic past the
/// screenshot and the orderly close.)
fn expect(what: &str, actual: &str, expected: &str) -> TestResult {
    if actual == expected {
        Ok(())
    } else {
        Err(format!("{what}: expected {expected:?}, the page shows {actual:?}").into())
    }
}

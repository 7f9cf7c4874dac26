//! Runs the real app window over WebDriver: `tauri-driver` on free ports, the debug binary as
//! its application, and a database chosen by the test.

use std::error::Error;
use std::fmt;
use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use thirtyfour::{Capabilities, WebDriver};

pub type TestResult<T = ()> = Result<T, Box<dyn Error>>;

/// A test failure that prints as written: a `String` error would be shown quoted and escaped.
pub struct Failure(String);

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for Failure {}

/// A failure with `message`.
pub fn fail(message: impl Into<String>) -> Box<dyn Error> {
    Box::new(Failure(message.into()))
}

/// The app under test, built by cargo before this test binary.
const APP: &str = env!("CARGO_BIN_EXE_zhucun-app");

/// How long `tauri-driver` may take to listen, and a WebDriver request to answer.
const DRIVER_START: Duration = Duration::from_secs(15);
const REQUEST: Duration = Duration::from_secs(30);

/// A window of the app, driven over WebDriver, with the `tauri-driver` behind it.
///
/// Call [`Window::close`] at the end of a test; dropping a `Window` without it still stops the
/// driver, which closes the app.
#[derive(Debug)]
pub struct Window {
    pub driver: WebDriver,
    tauri_driver: TauriDriver,
}

impl Window {
    /// Starts the app on the database at `db` and waits for its session.
    ///
    /// `scratch` receives the driver's log and the app's per-user data, so nothing the test
    /// runs writes outside it.
    pub async fn open(db: &Path, scratch: &Path) -> TestResult<Self> {
        let tauri_driver = TauriDriver::start(db, scratch)?;
        let mut capabilities = Capabilities::new();
        capabilities.set("tauri:options", serde_json::json!({ "application": APP }))?;
        let session = WebDriver::builder(tauri_driver.url(), capabilities)
            .request_timeout(REQUEST)
            .await;
        match session {
            Ok(driver) => Ok(Self {
                driver,
                tauri_driver,
            }),
            Err(error) => Err(tauri_driver.fail(&format!("no WebDriver session: {error}"))),
        }
    }

    /// Saves a screenshot of the window as `name` in the artifacts directory.
    pub async fn screenshot(&self, name: &str) -> TestResult<PathBuf> {
        screenshot(&self.driver, name).await
    }

    /// Ends the session (closing the app) and stops `tauri-driver`.
    pub async fn close(self) -> TestResult {
        let quit = self.driver.quit().await;
        self.tauri_driver.stop()?;
        Ok(quit?)
    }

    /// The tail of the driver's and the app's output, for a failure message.
    pub fn log(&self) -> String {
        self.tauri_driver.log_tail()
    }
}

/// Saves a screenshot of the window as `name` in the artifacts directory, and returns its path.
pub async fn screenshot(driver: &WebDriver, name: &str) -> TestResult<PathBuf> {
    let dir = artifacts_dir();
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(name);
    // WebKit paints after the DOM changes: a screenshot taken at once shows an earlier frame.
    // Two animation frames later, what the test just read is on screen.
    driver
        .execute_async(
            "const done = arguments[arguments.length - 1];
             requestAnimationFrame(() => requestAnimationFrame(() => done()));",
            Vec::new(),
        )
        .await?;
    driver.screenshot(&path).await?;
    Ok(path)
}

/// Where screenshots go: `$ZHUCUN_ARTIFACTS`, else `artifacts/` at the workspace root.
pub fn artifacts_dir() -> PathBuf {
    match std::env::var_os("ZHUCUN_ARTIFACTS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../artifacts"),
    }
}

/// A running `tauri-driver`, stopped with SIGTERM when dropped.
#[derive(Debug)]
struct TauriDriver {
    child: Option<Child>,
    port: u16,
    log: PathBuf,
}

impl TauriDriver {
    fn start(db: &Path, scratch: &Path) -> TestResult<Self> {
        if std::env::var_os("DISPLAY").is_none_or(|display| display.is_empty()) {
            return Err(fail(
                "DISPLAY is not set: the app needs an X display. Run the tests under \
                 `xvfb-run -a -s \"-screen 0 1280x800x24\" cargo test -p zhucun-app`",
            ));
        }
        let program = std::env::var_os("TAURI_DRIVER").unwrap_or_else(|| "tauri-driver".into());
        let port = free_port()?;
        let native_port = free_port()?;
        let log = scratch.join("tauri-driver.log");
        let output = File::create(&log)?;
        // WebKitWebDriver starts the app as its own child with this environment, which is how
        // `ZHUCUN_DB` reaches it. The XDG directories keep the webview's data out of $HOME.
        let child = Command::new(&program)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("ZHUCUN_DB", db)
            .env_remove("ZHUCUN_LANG")
            .env("XDG_DATA_HOME", scratch.join("data"))
            .env("XDG_CACHE_HOME", scratch.join("cache"))
            .env("XDG_CONFIG_HOME", scratch.join("config"))
            .stdin(Stdio::null())
            .stdout(output.try_clone()?)
            .stderr(output)
            .spawn()
            .map_err(|error| {
                fail(format!(
                    "cannot start {}: {error} (install it with `cargo install tauri-driver \
                     --version 2.1.0 --locked`, or name it in $TAURI_DRIVER)",
                    program.to_string_lossy()
                ))
            })?;
        let mut driver = Self {
            child: Some(child),
            port,
            log,
        };
        driver.wait_until_listening()?;
        Ok(driver)
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn wait_until_listening(&mut self) -> TestResult {
        let deadline = Instant::now() + DRIVER_START;
        loop {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok())
                .flatten()
            {
                return Err(self.fail(&format!("tauri-driver exited early ({status})")));
            }
            if Instant::now() > deadline {
                return Err(self.fail(&format!(
                    "tauri-driver did not listen on port {} within {DRIVER_START:?}",
                    self.port
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// An error carrying `what` and the tail of the driver's log.
    fn fail(&self, what: &str) -> Box<dyn Error> {
        fail(format!(
            "{what}\n--- tauri-driver and app output ---\n{}",
            self.log_tail()
        ))
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Sends SIGTERM and waits for the driver to exit. SIGKILL would orphan WebKitWebDriver and
    /// the app; a driver that ignores SIGTERM for five seconds gets it anyway.
    fn stop(mut self) -> TestResult {
        self.terminate()
    }

    fn terminate(&mut self) -> TestResult {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        if child.try_wait()?.is_some() {
            return Ok(());
        }
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()?;
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        child.kill()?;
        child.wait()?;
        Err(fail("tauri-driver ignored SIGTERM for 5 s and was killed"))
    }
}

impl Drop for TauriDriver {
    fn drop(&mut self) {
        // Errors cannot be returned from a drop; a test that failed has already said why.
        let _ = self.terminate();
    }
}

/// A port that was free a moment ago: bind to port 0 and let the OS choose.
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The digits of `text`, so `1,021` and `1021` compare equal.
pub fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

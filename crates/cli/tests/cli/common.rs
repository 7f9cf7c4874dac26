//! Running the real binary against a database in a temporary folder.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The boxed error every test returns.
pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// A temporary folder with a database path in it.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
}

/// What one run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The stdout as JSON.
    pub fn json(&self) -> TestResult<serde_json::Value> {
        Ok(serde_json::from_str(&self.stdout)?)
    }
}

impl Sandbox {
    /// A fresh folder and database path.
    pub fn new() -> TestResult<Sandbox> {
        let dir = tempfile::tempdir()?;
        let db = dir.path().join("village.sqlite");
        Ok(Sandbox { dir, db })
    }

    /// A path inside the folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The command, pointed at this sandbox's database, in Chinese.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_zhucun"));
        c.args(args)
            .current_dir(self.dir.path())
            .env("ZHUCUN_DB", &self.db)
            .env_remove("ZHUCUN_LANG")
            .env("XDG_DATA_HOME", self.dir.path().join("xdg"));
        c
    }

    /// Runs `zhucun ARGS`.
    pub fn run(&self, args: &[&str]) -> TestResult<Run> {
        finish(self.command(args).output()?)
    }

    /// Runs `zhucun ARGS` and requires success.
    pub fn ok(&self, args: &[&str]) -> TestResult<Run> {
        let run = self.run(args)?;
        assert_eq!(run.code, 0, "zhucun {args:?} failed: {}", run.stderr);
        Ok(run)
    }

    /// Runs `zhucun ARGS`, requires a refusal (exit 1) and returns the message.
    pub fn refused(&self, args: &[&str]) -> TestResult<String> {
        let run = self.run(args)?;
        assert_eq!(run.code, 1, "zhucun {args:?} should be refused: {run:?}");
        assert!(
            run.stdout.is_empty(),
            "a refusal prints nothing on stdout: {run:?}"
        );
        let lines: Vec<&str> = run.stderr.trim().lines().collect();
        assert_eq!(lines.len(), 1, "one sentence on stderr: {run:?}");
        Ok(run.stderr.trim().to_string())
    }

    /// The bytes of the database file and its WAL, to prove nothing changed.
    pub fn fingerprint(&self) -> TestResult<String> {
        let dump = self.ok(&["--json", "household", "list"])?.stdout
            + &self.ok(&["--json", "group", "list"])?.stdout
            + &self.ok(&["--json", "village", "show"])?.stdout;
        let conn = zhucun_core::rusqlite::Connection::open(&self.db)?;
        let audit: i64 = conn.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))?;
        Ok(format!("{dump}\naudit={audit}"))
    }
}

fn finish(output: Output) -> TestResult<Run> {
    Ok(Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout)?,
        stderr: String::from_utf8(output.stderr)?,
    })
}

/// A file of the shared samples folder beside the project.
pub fn sample(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/samples")
        .join(rel)
}

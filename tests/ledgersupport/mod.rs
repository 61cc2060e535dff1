//! Shared helpers for the ledger integration tests: isolated config/data
//! directories (never the real home), the demo model, and running the real
//! binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_modelvet");

pub fn demo_model() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/model")
}

pub fn demo_pub() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/keys/demo-signer.pub.pem")
}

/// A sandbox: its own config dir (keys) and data dir (default ledger).
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        Sandbox { dir: tempfile::tempdir().expect("tempdir") }
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn ledger(&self) -> PathBuf {
        self.dir.path().join("ledger.sqlite")
    }

    /// A command for the real binary with this sandbox's environment.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(BIN);
        self.apply_env(&mut c);
        c
    }

    /// Points a command at this sandbox's directories (and a fake home).
    pub fn apply_env(&self, c: &mut Command) {
        c.env("MODELVET_CONFIG_DIR", self.config())
            .env("MODELVET_DATA_DIR", self.data())
            .env("HOME", self.dir.path().join("home"))
            .env("XDG_CONFIG_HOME", self.dir.path().join("home/.config"))
            .env("XDG_DATA_HOME", self.dir.path().join("home/.local/share"))
            .env("NO_COLOR", "1");
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run modelvet")
    }

    pub fn init_reviewer(&self, name: &str) {
        let out = self.run(&["reviewer", "init", "--name", name, "--email", &format!("{}@example.com", name.to_lowercase())]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }

    /// `modelvet approve` the demo model into `ledger` with a note.
    pub fn approve(&self, ledger: &Path, note: &str) -> Output {
        let demo = demo_model();
        let key = demo_pub();
        self.run(&[
            "approve",
            demo.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
            "--note",
            note,
            "--ledger",
            ledger.to_str().unwrap(),
        ])
    }

    pub fn verify_json(&self, ledger: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
        let mut args = vec!["ledger", "--ledger", ledger.to_str().unwrap(), "verify", "--format", "json"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        let code = out.status.code().unwrap_or(-1);
        let v = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("verify output is not JSON ({e}): {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)));
        (code, v)
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Verifies the demo model with the library, as `approve` does.
pub fn demo_report() -> modelvet::report::VerificationReport {
    let flags = modelvet::cli::verify::VerifyFlags { key: Some(demo_pub()), ..Default::default() };
    modelvet::cli::verify::verify_with_flags(&demo_model(), &flags).expect("demo model verifies")
}

/// Copies a directory tree (for tampering with a copy of the demo model).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// Whether the `sqlite3` command-line shell is installed (CI installs it).
pub fn sqlite3(db: &Path, sql: &str) {
    let out = Command::new("sqlite3")
        .arg(db)
        .arg(sql)
        .output()
        .expect("the sqlite3 CLI is required for these tests (apt-get install sqlite3)");
    assert!(out.status.success(), "sqlite3 failed: {}", String::from_utf8_lossy(&out.stderr));
}

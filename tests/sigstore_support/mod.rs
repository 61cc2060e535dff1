//! Shared helpers for the Sigstore integration tests: locating the shared
//! fixtures and running the real binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

/// `../shared/fixtures/<sub>` beside the checkout. Missing: fail under CI,
/// otherwise skip with a message (returns None).
pub fn fixtures(sub: &str) -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures")).join(sub);
    if p.is_dir() {
        return Some(p);
    }
    if std::env::var_os("CI").is_some() {
        panic!("shared fixtures missing at {} (CI is set, so this is an error)", p.display());
    }
    eprintln!("SKIP: shared fixtures not found at {}", p.display());
    None
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_modelvet")
}

/// Runs modelvet with `args` in `cwd`.
pub fn run_in(cwd: &Path, args: &[&str]) -> Output {
    std::process::Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .env_remove("CI")
        .output()
        .expect("run modelvet")
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// The run.sh rule: 0 verified; 1..=123 except 101 rejected; anything else an error.
pub fn outcome(o: &Output) -> &'static str {
    match o.status.code() {
        Some(0) => "verified",
        Some(101) => "error",
        Some(c) if (1..=123).contains(&c) => "rejected",
        _ => "error",
    }
}

/// The JSON report on stdout.
pub fn report(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not a JSON report ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// Status of check `id` in a report (`pass`, `fail`, `skip`, `warn`).
pub fn check_status(report: &serde_json::Value, id: &str) -> Option<String> {
    report["checks"].as_array()?.iter().find(|c| c["id"] == id).map(|c| c["status"].as_str().unwrap_or("").to_string())
}

pub fn check_detail(report: &serde_json::Value, id: &str) -> String {
    report["checks"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == id))
        .and_then(|c| c["detail"].as_str())
        .unwrap_or("")
        .to_string()
}

pub fn failing_ids(report: &serde_json::Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .map(|a| a.iter().filter(|c| c["status"] == "fail").map(|c| c["id"].as_str().unwrap_or("").to_string()).collect())
        .unwrap_or_default()
}

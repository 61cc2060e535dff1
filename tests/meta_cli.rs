//! `modelvet report` through the real binary.

mod common;

use assert_cmd::Command;
use std::path::PathBuf;

/// The shared metadata samples (`../shared/fixtures/metadata`); required in CI.
fn fixtures() -> Option<PathBuf> {
    common::shared_dir().map(|d| d.join("fixtures/metadata"))
}

fn demo() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo"))
}

fn modelvet() -> Command {
    Command::cargo_bin("modelvet").unwrap()
}

#[test]
fn meta_cli_demo_signed_report_passes() {
    let out = modelvet()
        .args(["report", "--format", "json", "--key"])
        .arg(demo().join("keys/demo-signer.pub.pem"))
        .arg(demo().join("model"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verification"]["verdict"], "verified");
    assert_eq!(v["outcome"], "passed");
    let root = v["licenses"].as_array().unwrap().iter().find(|r| r["is_root"] == true).unwrap().clone();
    assert_eq!(root["license"], "Apache-2.0");
    let lineage = &v["lineage"]["children"];
    let rels: Vec<&str> = lineage.as_array().unwrap().iter().map(|n| n["relation"].as_str().unwrap()).collect();
    assert_eq!(rels.iter().filter(|r| **r == "trained-on").count(), 2);
    assert!(rels.contains(&"fine-tuned-from"));
    assert!(lineage.as_array().unwrap().iter().all(|n| n["signed"] == true), "claims come from the signed card");
    let card = v["metadata"]["documents"].as_array().unwrap().iter().find(|d| d["path"] == "README.md").unwrap().clone();
    assert_eq!(card["coverage"]["state"], "covered");
}

#[test]
fn meta_cli_demo_unpinned_markdown() {
    let out = modelvet().args(["report", "--format", "markdown"]).arg(demo().join("model")).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "unpinned is not a pass");
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.starts_with("# Model review: "));
    for section in ["## Summary", "## Findings", "## Licences", "## Lineage", "## Documents read", "## Signature verification"] {
        assert!(md.contains(section), "missing {section}");
    }
    assert!(md.contains("signed but signer unpinned"));
    assert!(md.contains("SIG-UNPINNED"));
}

#[test]
fn meta_cli_fixture_reports() {
    let Some(fx) = fixtures() else { return };
    // Unsigned kestrel: report produced, no conflict, exit 1 because verification did not pass.
    let out = modelvet().args(["report", "--format", "json", "--cards"]).arg(&fx).arg(fx.join("kestrel-1b-instruct")).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verification"]["verdict"], "unsigned");
    let f = v["metadata"]["findings"].as_array().unwrap();
    assert!(f.iter().any(|x| x["rule"] == "SIG-MISSING"));
    assert!(!f.iter().any(|x| x["severity"] == "conflict"));
    assert!(f.iter().any(|x| x["rule"] == "CLAIM-DISAGREE"));
    // Helpdesk: the NC conflict, in text and markdown.
    let out = modelvet().args(["report", "--cards"]).arg(&fx).arg(fx.join("helpdesk-assistant-8b")).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("CONFLICT LIC-NC-DATA"), "{text}");
    let out = modelvet().args(["report", "--format", "markdown", "--cards"]).arg(&fx).arg(fx.join("helpdesk-assistant-8b")).output().unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("**CONFLICT** `LIC-NC-DATA`"));
    assert!(md.contains("*fine_tuned_from* **meta-llama/Llama-3.1-8B-Instruct**"));
    assert!(md.contains("modelvet catalog"));
}

#[test]
fn meta_cli_policy_and_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "nonsense = [").unwrap();
    let out = modelvet().args(["report", "--policy"]).arg(&bad).arg(demo().join("model")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid policy"));
    let out = modelvet().args(["report", "--format", "yaml"]).arg(demo().join("model")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = modelvet().args(["report"]).arg(dir.path().join("does-not-exist")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    // A policy that denies the demo's licence turns a verified model into a failure.
    let deny = dir.path().join("deny.toml");
    std::fs::write(&deny, "[licenses]\ndenied = [\"Apache-2.0\"]\n").unwrap();
    let out = modelvet()
        .args(["report", "--format", "json", "--key"])
        .arg(demo().join("keys/demo-signer.pub.pem"))
        .arg("--policy")
        .arg(&deny)
        .arg(demo().join("model"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["metadata"]["findings"].as_array().unwrap().iter().any(|f| f["rule"] == "POLICY-DENIED" && f["severity"] == "conflict"));
}

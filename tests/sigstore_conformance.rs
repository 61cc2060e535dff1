//! Every case under `../shared/fixtures/sigstore/` through the real binary,
//! exactly as `run.sh` drives it (`modelvet verify --bundle …`, path and
//! digest forms), and again through `modelvet bundle verify`. Must-fail
//! cases must fail, and for the case's category one of *our own* checks
//! must name the defect, so a dependency that starts accepting the case
//! cannot turn it green unnoticed.

mod sigstore_support;

use serde_json::Value;
use sigstore_support::*;
use std::path::{Path, PathBuf};

struct Case {
    dir: PathBuf,
    json: Value,
}

fn cases() -> Option<Vec<Case>> {
    let root = fixtures("sigstore")?;
    let mut out = Vec::new();
    for set in ["conformance", "conformance-derived"] {
        let Ok(rd) = std::fs::read_dir(root.join(set)) else { continue };
        let mut dirs: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.join("case.json").is_file()).collect();
        dirs.sort();
        for dir in dirs {
            let json: Value = serde_json::from_slice(&std::fs::read(dir.join("case.json")).unwrap()).unwrap();
            out.push(Case { dir, json });
        }
    }
    assert!(out.len() >= 20, "expected the conformance sample, found {} cases", out.len());
    Some(out)
}

fn argv(check: &Value) -> Vec<String> {
    check["argv"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect()
}

fn run_check(dir: &Path, check: &Value, argv: &[String]) -> std::process::Output {
    let cwd = dir.join(check["cwd"].as_str().unwrap_or("."));
    let args: Vec<&str> = argv.iter().map(String::as_str).collect();
    run_in(&cwd, &args)
}

/// The checks that may carry the defect of a must-fail category.
fn expected_ids(category: &str) -> &'static [&'static str] {
    match category {
        "bundle-format" => &["sigstore.bundle"],
        "identity-policy" => &["sigstore.identity", "sigstore.issuer"],
        "trust-root" => &["sigstore.tlog-log", "sigstore.certificate-chain"],
        "dsse" | "signature-or-entry-mismatch" => &["sigstore.signature", "sigstore.tlog-body", "sigstore.artifact"],
        "inclusion-proof" => &["sigstore.inclusion-proof"],
        "checkpoint" => &["sigstore.checkpoint"],
        "set" => &["sigstore.set"],
        "tsa-timestamp" => &["sigstore.rfc3161", "sigstore.time-window"],
        "managed-key" => &["sigstore.policy", "sigstore.key"],
        _ => &[],
    }
}

/// Whether `detail` has a reason from our own check (not only the
/// dependency's, which we tag "(sigstore-verify)").
fn has_own_reason(detail: &str) -> bool {
    detail.split("; ").any(|d| !d.ends_with("(sigstore-verify)") && !d.is_empty())
}

#[test]
fn conformance_cases_through_the_binary() {
    let Some(cases) = cases() else { return };
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in &cases {
        let name = case.json["name"].as_str().unwrap_or("?");
        for check in case.json["checks"].as_array().unwrap() {
            let expect = check["expect"].as_str().or(case.json["expect"].as_str()).unwrap();
            let base = argv(check);
            assert_eq!(base[0], "verify", "{name}: the protocol's first word");
            // As run.sh does it, then through `bundle verify`.
            let mut sub = vec!["bundle".to_string()];
            sub.extend(base.iter().cloned());
            for (form, args) in [("verify --bundle", base.clone()), ("bundle verify", sub)] {
                let o = run_check(&case.dir, check, &args);
                ran += 1;
                let got = outcome(&o);
                let want = if expect == "pass" { "verified" } else { "rejected" };
                if got != want {
                    failures.push(format!(
                        "{name}[{}] via {form}: expected {want}, got {got} (exit {:?})\n{}{}",
                        check["id"],
                        o.status.code(),
                        String::from_utf8_lossy(&o.stdout),
                        String::from_utf8_lossy(&o.stderr)
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {ran} invocations wrong:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn must_fail_cases_fail_for_the_stated_reason() {
    let Some(cases) = cases() else { return };
    let mut problems = Vec::new();
    for case in cases.iter().filter(|c| c.json["expect"] == "fail") {
        let name = case.json["name"].as_str().unwrap_or("?");
        let category = case.json["category"].as_str().unwrap_or("");
        let ids = expected_ids(category);
        assert!(!ids.is_empty(), "{name}: no expected checks for category {category}");
        for check in case.json["checks"].as_array().unwrap() {
            let mut args = argv(check);
            args.splice(1..1, ["--format".to_string(), "json".to_string()]);
            let o = run_check(&case.dir, check, &args);
            assert_eq!(code(&o), 1, "{name}[{}]: exit {:?}, stderr {}", check["id"], o.status.code(), String::from_utf8_lossy(&o.stderr));
            let r = report(&o);
            assert_eq!(r["verdict"], "failed", "{name}");
            assert_ne!(r["signer"]["pinned"], Value::Bool(true), "{name}: a failed bundle must not pin the signer");
            let failing = failing_ids(&r);
            let hit = ids.iter().find(|id| failing.iter().any(|f| f == *id));
            match hit {
                None => problems.push(format!("{name}[{}]: expected a failure in {ids:?}, failing checks are {failing:?}", check["id"])),
                Some(id) => {
                    let detail = check_detail(&r, id);
                    if !has_own_reason(&detail) {
                        problems.push(format!("{name}[{}]: {id} failed only on the dependency's word: {detail}", check["id"]));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn valid_cases_pass_every_check_and_pin_the_signer() {
    let Some(cases) = cases() else { return };
    for case in cases.iter().filter(|c| c.json["expect"] == "pass") {
        let name = case.json["name"].as_str().unwrap_or("?");
        let check = &case.json["checks"][0];
        let mut args = argv(check);
        args.splice(1..1, ["--format".to_string(), "json".to_string()]);
        let o = run_check(&case.dir, check, &args);
        assert_eq!(code(&o), 0, "{name}: {}", String::from_utf8_lossy(&o.stdout));
        let r = report(&o);
        assert_eq!(r["verdict"], "verified", "{name}");
        assert_eq!(r["signer"]["pinned"], Value::Bool(true), "{name}");
        assert!(failing_ids(&r).is_empty(), "{name}");
        for id in ["sigstore.signature", "sigstore.tlog-body", "sigstore.verifier", "sigstore.time-window"] {
            assert_eq!(check_status(&r, id).as_deref(), Some("pass"), "{name}: {id}");
        }
        let proof_or_set = check_status(&r, "sigstore.inclusion-proof").as_deref() == Some("pass")
            || check_status(&r, "sigstore.set").as_deref() == Some("pass");
        assert!(proof_or_set, "{name}: neither an inclusion proof nor a SET verified");
        let keyless = case.json["key"].is_null();
        if keyless {
            for id in ["sigstore.certificate-chain", "sigstore.sct", "sigstore.identity", "sigstore.issuer"] {
                assert_eq!(check_status(&r, id).as_deref(), Some("pass"), "{name}: {id}");
            }
            assert_eq!(r["signer"]["identity"], case.json["identity"], "{name}");
        }
        let t = &r["transparency"];
        assert!(!t["entries"].as_array().unwrap().is_empty(), "{name}: transparency entries");
        assert!(!t["verified_times"].as_array().unwrap().is_empty() || !keyless, "{name}: verified times");
    }
}

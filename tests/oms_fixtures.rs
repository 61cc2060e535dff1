//! Every reference-generated OMS case in `../shared/fixtures/oms/` (and its
//! variants) verified through the engine, with the verdict the case expects
//! (our stricter verdict where the case records one) and the reason.

mod common;

use modelvet::crypto::PublicKey;
use modelvet::crypto::x509::certs_from_pem;
use modelvet::hashing::NoopObserver;
use modelvet::oms::{Trust, VerifyOptions, prepare};
use modelvet::report::{CheckStatus, FileStatus, VerificationReport, Verdict};
use serde_json::Value;
use std::path::Path;

fn run_case(case_dir: &Path, args: &Value) -> VerificationReport {
    let at = |k: &str| args.get(k).and_then(Value::as_str).map(|p| case_dir.join(p));
    let mut opts = VerifyOptions::new(at("model_path").unwrap());
    opts.signature = at("signature");
    match args["method"].as_str().unwrap() {
        "key" => {
            let pem = std::fs::read_to_string(at("public_key").unwrap()).unwrap();
            opts.trust = Trust::Key(PublicKey::from_pem(&pem).unwrap());
        }
        "certificate" => {
            let mut anchors = Vec::new();
            for p in args["certificate_chain"].as_array().unwrap() {
                let pem = std::fs::read_to_string(case_dir.join(p.as_str().unwrap())).unwrap();
                anchors.extend(certs_from_pem(&pem).unwrap());
            }
            opts.trust = Trust::Anchors(anchors);
        }
        other => panic!("unknown method {other}"),
    }
    if let Some(ips) = args.get("ignore_paths").and_then(Value::as_array) {
        opts.ignore_paths = ips.iter().map(|p| case_dir.join(p.as_str().unwrap())).collect();
    }
    opts.ignore_git_paths = args.get("ignore_git_paths").and_then(Value::as_bool).unwrap_or(true);
    opts.allow_symlinks = args.get("allow_symlinks").and_then(Value::as_bool).unwrap_or(false);
    opts.ignore_unsigned_files = args.get("ignore_unsigned_files").and_then(Value::as_bool).unwrap_or(false);
    prepare(&opts).expect("prepare").run(&NoopObserver, &Default::default())
}

fn expected_verdict(case: &Value) -> Verdict {
    let e = case.get("strict_expect").or_else(|| case.get("expect")).and_then(Value::as_str).unwrap();
    if e == "valid" { Verdict::Verified } else { Verdict::Failed }
}

fn failed_checks(r: &VerificationReport) -> Vec<String> {
    r.checks.iter().filter(|c| c.status == CheckStatus::Fail).map(|c| c.id.clone()).collect()
}

fn file_status(r: &VerificationReport, path: &str) -> Option<FileStatus> {
    r.files.iter().find(|f| f.path == path).map(|f| f.status)
}

#[test]
fn every_reference_case_gets_the_expected_verdict() {
    let Some(shared) = common::shared_dir() else { return };
    let root = shared.join("fixtures/oms");
    let mut ran = 0;
    let mut mismatches = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.join("case.json").is_file()).collect();
    names.sort();
    for dir in names {
        let dir = restore_symlinks(&dir);
        let case: Value = serde_json::from_slice(&std::fs::read(dir.join("case.json")).unwrap()).unwrap();
        let mut runs = vec![(case["verify_args"].clone(), expected_verdict(&case), String::new())];
        for (i, v) in case.get("variants").and_then(Value::as_array).cloned().unwrap_or_default().into_iter().enumerate() {
            runs.push((v["verify_args"].clone(), expected_verdict(&v), format!(" variant {i}")));
        }
        for (args, want, label) in runs {
            let report = run_case(&dir, &args);
            ran += 1;
            if report.verdict != want {
                mismatches.push(format!(
                    "{}{label}: want {want:?}, got {:?}; reasons {:?}",
                    dir.file_name().unwrap().to_string_lossy(),
                    report.verdict,
                    report.reasons
                ));
            }
            if want == Verdict::Failed {
                assert!(!report.reasons.is_empty(), "{}: a failure must name its reason", dir.display());
            }
        }
    }
    assert!(ran >= 35, "expected all 32 cases and their variants, ran {ran}");
    assert!(mismatches.is_empty(), "verdict mismatches:\n{}", mismatches.join("\n"));
}

/// The `symlink-allowed` case holds a relative symlink, but copies of the
/// shared folder may have flattened it into a small file holding the link
/// text. Such a case is rebuilt in a temporary folder with a real link.
fn restore_symlinks(dir: &Path) -> std::path::PathBuf {
    let link = dir.join("model/weights-link.safetensors");
    let meta = std::fs::symlink_metadata(&link);
    if meta.map(|m| m.file_type().is_symlink()).unwrap_or(true) {
        return dir.to_path_buf();
    }
    let target = std::fs::read_to_string(&link).unwrap();
    let base = tempfile::tempdir().unwrap().keep();
    let tmp = base.join("symlink-allowed");
    common::copy_tree(dir, &tmp);
    let copy = tmp.join("model/weights-link.safetensors");
    std::fs::remove_file(&copy).unwrap();
    std::os::unix::fs::symlink(target.trim(), &copy).unwrap();
    // Key paths in case.json are relative to the case folder.
    std::os::unix::fs::symlink(dir.join("../keys"), base.join("keys")).unwrap();
    tmp
}

fn case(name: &str) -> Option<(std::path::PathBuf, Value)> {
    let shared = common::shared_dir()?;
    let mut dir = shared.join("fixtures/oms").join(name);
    if name == "symlink-allowed" {
        dir = restore_symlinks(&dir);
    }
    let v: Value = serde_json::from_slice(&std::fs::read(dir.join("case.json")).unwrap()).unwrap();
    Some((dir, v))
}

#[test]
fn reasons_name_the_file_or_check() {
    let Some((dir, c)) = case("tampered-weight-byte") else { return };
    let r = run_case(&dir, &c["verify_args"]);
    assert_eq!(file_status(&r, "model.safetensors"), Some(FileStatus::Modified));
    assert_eq!(r.counts.modified, 1);
    assert!(r.reasons.iter().any(|x| x.contains("model.safetensors")));

    let (dir, c) = case("file-added").unwrap();
    let r = run_case(&dir, &c["verify_args"]);
    assert!(r.files.iter().any(|f| f.status == FileStatus::UnsignedExtra), "{:?}", r.files);

    let (dir, c) = case("file-deleted").unwrap();
    let r = run_case(&dir, &c["verify_args"]);
    assert_eq!(file_status(&r, "tokenizer.json"), Some(FileStatus::Missing));

    let (dir, c) = case("file-renamed").unwrap();
    let r = run_case(&dir, &c["verify_args"]);
    assert_eq!(r.counts.missing, 1);
    assert_eq!(r.counts.unsigned_extra, 1);

    let (dir, c) = case("shards-tampered").unwrap();
    let r = run_case(&dir, &c["verify_args"]);
    let f = r.files.iter().find(|f| f.path == "model.safetensors").unwrap();
    assert_eq!(f.status, FileStatus::Modified);
    assert!(f.detail.as_deref().unwrap().contains("model.safetensors:3584:3976"), "{:?}", f.detail);
}

#[test]
fn authentication_failures_fail_the_right_check() {
    let expect = [
        ("wrong-public-key", "signature.key-hint"),
        ("payload-tampered", "signature.ecdsa"),
        ("payload-type-changed", "envelope.payload-type"),
        ("subject-digest-mismatch", "statement.subject-digest"),
        ("cert-wrong-root", "certificate.chain"),
        ("cert-intermediate-as-anchor", "certificate.chain"),
        ("cert-no-signing-usage", "certificate.usage"),
        ("legacy-v0.2.0-key-p384", "signature.ecdsa"),
        ("legacy-v1.0.1-wrong-key", "signature.ecdsa"),
    ];
    for (name, check) in expect {
        let Some((dir, c)) = case(name) else { return };
        let r = run_case(&dir, &c["verify_args"]);
        assert_eq!(r.verdict, Verdict::Failed, "{name}");
        assert!(failed_checks(&r).contains(&check.to_string()), "{name}: failed checks {:?}", failed_checks(&r));
    }
}

#[test]
fn stricter_than_the_reference_says_so() {
    for (name, check) in [
        ("cert-expired-leaf", "certificate.chain"),
        ("cert-leaf-not-yet-valid", "certificate.chain"),
        ("cert-serverauth-eku", "certificate.usage"),
    ] {
        let Some((dir, c)) = case(name) else { return };
        let r = run_case(&dir, &c["verify_args"]);
        assert_eq!(r.verdict, Verdict::Failed, "{name}");
        let detail = &r.checks.iter().find(|x| x.id == check && x.status == CheckStatus::Fail).unwrap().detail;
        assert!(detail.contains("model_signing 1.1.1 would accept"), "{name}: {detail}");
    }
}

#[test]
fn at_time_evaluates_an_expired_leaf_when_it_was_valid() {
    let Some((dir, c)) = case("cert-expired-leaf") else { return };
    let args = &c["verify_args"];
    let mut opts = VerifyOptions::new(dir.join("model"));
    opts.signature = Some(dir.join("model/model.sig"));
    let pem = std::fs::read_to_string(dir.join(args["certificate_chain"][0].as_str().unwrap())).unwrap();
    opts.trust = Trust::Anchors(certs_from_pem(&pem).unwrap());
    opts.at = Some(time::macros::datetime!(2020-06-01 00:00 UTC));
    let r = prepare(&opts).unwrap().run(&NoopObserver, &Default::default());
    // The CA certificates must also have been valid then.
    let chain = r.checks.iter().find(|x| x.id == "certificate.chain").unwrap();
    if chain.status == CheckStatus::Pass {
        assert_eq!(r.verdict, Verdict::Verified);
    } else {
        assert!(chain.detail.contains("CA certificate"), "{}", chain.detail);
    }
}

#[test]
fn root_digest_equals_the_reference_subject_for_valid_cases() {
    for name in ["key-p256-sha256", "blake3-files", "shards-sha256-512", "single-file-model"] {
        let Some((dir, c)) = case(name) else { return };
        let r = run_case(&dir, &c["verify_args"]);
        let want = c["independent_check"]["local_root_digest"].as_str().unwrap();
        assert_eq!(r.model_digest.as_deref(), Some(format!("sha256:{want}").as_str()), "{name}");
    }
}

#[test]
fn symlink_not_allowed_names_the_link() {
    let Some((dir, c)) = case("symlink-allowed") else { return };
    let mut args = c["verify_args"].clone();
    args["allow_symlinks"] = Value::Bool(false);
    let r = run_case(&dir, &args);
    let bad: Vec<_> = r.files.iter().filter(|f| f.status == FileStatus::Error).collect();
    assert_eq!(bad.len(), 1, "{:?}", r.files);
    assert!(bad[0].detail.as_deref().unwrap().contains("symlink"));
}

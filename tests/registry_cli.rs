//! Every command that opens a model takes an OCI reference, against a real
//! registry on loopback: `report`, `approve` (the ledger records the
//! digest-pinned form; a tag that moved is refused), `export` (and
//! `--push`, after which the evidence is found as a referrer and verifies).

mod common;
mod netsupport;

use common::CliHome;
use modelvet::cli::source::{SourceFlags, ensure_not_moved, open_verified};
use modelvet::cli::verify::VerifyFlags;
use modelvet::cli::Exit;
use modelvet::report::Verdict;
use modelvet::sources::oci::push;
use modelvet::sources::{self, ResolveOptions, SignatureKind};
use netsupport::{Registry, copy_dir, demo_key, demo_model, runtime};
use std::path::Path;

/// Runs modelvet in `home` with `args`, the demo key and plain HTTP; (code, stdout, stderr).
fn run(home: &CliHome, args: &[&str]) -> (i32, String, String) {
    let out = home.cmd().args(args).arg("--key").arg(demo_key()).arg("--insecure-http").output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn push_dir(reg: &Registry, repo: &str, tag: &str, dir: &Path) -> String {
    let r = match sources::parse(&format!("oci://{}/{repo}", reg.host())).unwrap() {
        sources::SourceRef::Oci(r) => r,
        _ => unreachable!(),
    };
    let opts = ResolveOptions { insecure_http: true, ..Default::default() };
    let c = sources::oci::client_for(&r, &opts).unwrap();
    runtime().block_on(push::push_model_dir(&c, &reg.host(), repo, tag, dir)).unwrap().digest
}

#[test]
fn report_approve_and_export_take_oci_references_and_record_the_pinned_form() {
    let Some(reg) = Registry::start() else { return };
    let digest = push_dir(&reg, "models/demo", "v1", &demo_model());
    let env = CliHome::with_reviewer();
    let tagged = format!("oci://{}/models/demo:v1", reg.host());
    let pinned = format!("oci://{}/models/demo@{digest}", reg.host());

    let (code, out, err) = run(&env, &["report", &tagged, "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verification"]["verdict"], "verified");
    assert_eq!(v["verification"]["source"]["reference"], pinned.as_str());
    assert_eq!(v["verification"]["source"]["kind"], "oci");
    assert!(v["metadata"]["documents"].as_array().is_some_and(|d| !d.is_empty()), "the fetched model's documents are read");

    let (code, out, err) = run(&env, &["approve", &tagged, "--note", "reviewed from the registry"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&pinned), "{out}");
    let log = env.cmd().args(["ledger", "log", "--format", "json"]).output().unwrap();
    let log: serde_json::Value = serde_json::from_slice(&log.stdout).unwrap();
    assert_eq!(log["entries"][0]["source"], pinned.as_str(), "the ledger records the digest-pinned reference, not the tag");

    let out_file = env.path("evidence.tar.gz");
    let (code, out, err) = run(&env, &["export", &tagged, "--out", out_file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    let (_, members) = modelvet::evidence::archive::read_tar_gz(std::fs::File::open(&out_file).unwrap()).unwrap();
    let reference = members.iter().find(|(k, _)| k.ends_with("model/reference.txt")).map(|(_, v)| v.clone()).unwrap();
    assert_eq!(String::from_utf8(reference).unwrap().trim(), pinned);
    assert!(members.contains_key("trust/keys/model-signer.pub.pem"), "the pinned signer key is part of the trust material");
    let ok = env.cmd().args(["evidence", "verify"]).arg(&out_file).output().unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stdout));
}

#[test]
fn a_tag_that_moves_before_recording_is_refused() {
    let Some(reg) = Registry::start() else { return };
    let first = push_dir(&reg, "models/demo", "v1", &demo_model());
    let cache = tempfile::tempdir().unwrap();
    let tagged = format!("oci://{}/models/demo:v1", reg.host());
    let flags = VerifyFlags { key: Some(demo_key()), ..Default::default() };
    let sflags = SourceFlags { insecure_http: true, cache_dir: Some(cache.path().to_path_buf()), ..Default::default() };
    let opened = open_verified(&tagged, &flags, &sflags).unwrap();
    assert_eq!(opened.report.verdict, Verdict::Verified);
    assert!(opened.report.source.reference.ends_with(&first));
    assert!(ensure_not_moved(&opened).is_ok(), "nothing moved yet");

    // The tag is moved to other content between verification and approval.
    let other = tempfile::tempdir().unwrap();
    copy_dir(&demo_model(), other.path(), &[]);
    std::fs::write(other.path().join("README.md"), "changed after review\n").unwrap();
    let second = push_dir(&reg, "models/demo", "v1", other.path());
    assert_ne!(first, second);
    assert_eq!(ensure_not_moved(&opened).err(), Some(Exit::Failed));

    // A digest-pinned reference cannot move.
    let pinned = open_verified(&opened.report.source.reference, &flags, &sflags).unwrap();
    assert!(ensure_not_moved(&pinned).is_ok());
    assert_eq!(pinned.report.verdict, Verdict::Verified);
}

#[test]
fn export_push_shares_the_evidence_as_a_referrer() {
    let Some(reg) = Registry::start() else { return };
    let digest = push_dir(&reg, "models/demo", "v2", &demo_model());
    let env = CliHome::with_reviewer();
    let tagged = format!("oci://{}/models/demo:v2", reg.host());
    let (code, out, err) = run(&env, &["approve", &tagged, "--note", "ok"]);
    assert_eq!(code, 0, "{out}{err}");
    let out_file = env.path("evidence.tar.gz");
    let (code, out, err) = run(&env, &["export", &tagged, "--out", out_file.to_str().unwrap(), "--push"]);
    assert_eq!(code, 0, "{out}{err}");
    let referrer = out.lines().find_map(|l| l.split("as referrer ").nth(1)).expect("push prints the referrer digest").trim().to_string();

    // Anyone opening the model now finds the evidence beside it.
    let cache = tempfile::tempdir().unwrap();
    let opts = ResolveOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        insecure_http: true,
        docker_config: Some(cache.path().join("none.json")),
        ..Default::default()
    };
    let resolved = sources::resolve(&format!("oci://{}/models/demo@{digest}", reg.host()), &opts).unwrap();
    let found = resolved.signatures_found.iter().find(|s| s.kind == SignatureKind::Evidence).expect("evidence referrer listed");
    assert_eq!(found.location, referrer);
    assert!(found.local_path.is_some(), "the evidence bundle is fetched for checking");
    // Verifying the model checks the evidence beside it: intact, about this model.
    let report = modelvet::cli::source::verify_resolved(&resolved, &VerifyFlags { key: Some(demo_key()), ..Default::default() }).unwrap();
    assert_eq!(report.verdict, Verdict::Verified);
    let check = report.checks.iter().find(|c| c.id == "source.evidence").expect("evidence check");
    assert_eq!(check.status, modelvet::report::CheckStatus::Pass, "{}", check.detail);
    assert!(check.detail.contains("1 reviewer decision") && check.detail.contains("own keys"), "{}", check.detail);

    // The pushed blob is byte for byte the bundle written locally.
    let bytes = std::fs::read(&out_file).unwrap();
    let blob = reg.blob_data(&netsupport::sha256(&bytes));
    assert_eq!(std::fs::read(blob).unwrap(), bytes);

    // --push on a local path is a usage error, before anything is written.
    let (code, _, err) = run(&env, &["export", demo_model().to_str().unwrap(), "--out", "x.tar.gz", "--push"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("oci://"), "{err}");
    assert!(!env.path("x.tar.gz").exists());
}

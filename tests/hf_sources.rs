//! Hugging Face sources: a fixture HF cache tree (LFS and git blobs, built
//! from the demo model) opened offline, and `hf://` online against an
//! in-process Hub stand-in on loopback.

mod netsupport;

use modelvet::cli::source::verify_resolved;
use modelvet::cli::verify::VerifyFlags;
use modelvet::report::Verdict;
use modelvet::sources::hf::git_blob_sha1;
use modelvet::sources::{self, Recheck, ResolveOptions, SourceError, SourceKind};
use netsupport::{Response, Stub, demo_key, demo_model};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";
const COMMIT2: &str = "89abcdef0123456789abcdef0123456789abcdef";

fn demo_files() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(demo_model())
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap())
        })
        .collect();
    v.sort();
    v
}

fn is_lfs(name: &str) -> bool {
    name.ends_with(".safetensors")
}

fn blob_name(name: &str, bytes: &[u8]) -> String {
    if is_lfs(name) { netsupport::sha256(bytes)[7..].to_string() } else { git_blob_sha1(bytes) }
}

/// `hub/models--acme--demo/{blobs,refs/main,snapshots/COMMIT}` as
/// huggingface_hub writes it: relative symlinks into blobs/.
fn build_hf_cache(hub: &Path) -> PathBuf {
    let repo = hub.join("models--acme--demo");
    std::fs::create_dir_all(repo.join("blobs")).unwrap();
    std::fs::create_dir_all(repo.join("refs")).unwrap();
    std::fs::write(repo.join("refs/main"), COMMIT).unwrap();
    let snap = repo.join("snapshots").join(COMMIT);
    std::fs::create_dir_all(&snap).unwrap();
    for (name, bytes) in demo_files() {
        let blob = blob_name(&name, &bytes);
        std::fs::write(repo.join("blobs").join(&blob), &bytes).unwrap();
        std::os::unix::fs::symlink(format!("../../blobs/{blob}"), snap.join(&name)).unwrap();
    }
    repo
}

fn offline(hub: &Path, cache: &Path) -> ResolveOptions {
    ResolveOptions {
        cache_dir: Some(cache.to_path_buf()),
        offline: true,
        hf_cache_dirs: Some(vec![hub.to_path_buf()]),
        ..Default::default()
    }
}

fn key_flags() -> VerifyFlags {
    VerifyFlags { key: Some(demo_key()), ..Default::default() }
}

#[test]
fn hf_cache_snapshot_opens_offline_checks_blobs_and_verifies() {
    let hub = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let repo = build_hf_cache(hub.path());
    let pinned = format!("hf://acme/demo@{COMMIT}");
    let o = offline(hub.path(), cache.path());

    for reference in ["hf://acme/demo", "hf://acme/demo@main", pinned.as_str()] {
        let r = sources::resolve(reference, &o).unwrap();
        assert_eq!(r.pinned_reference, pinned, "{reference}");
        assert_eq!(r.kind, SourceKind::Hf);
    }
    let r = sources::resolve("hf://acme/demo", &o).unwrap();
    let how = |n: &str| r.files.iter().find(|f| f.path == n).unwrap().how.clone();
    assert_eq!(how("model.safetensors"), "checked");
    assert_eq!(how("config.json"), "git-sha1");
    assert!(r.notes.iter().any(|n| n.contains(COMMIT)));
    let report = verify_resolved(&r, &key_flags()).unwrap();
    assert_eq!(report.verdict, Verdict::Verified, "{:?}", report.reasons);
    assert_eq!(report.source.reference, pinned);
    assert_eq!(report.source.kind, "hf");

    // A snapshot directory given as a path is recognised too.
    let snap = repo.join("snapshots").join(COMMIT);
    let r = sources::resolve(snap.to_str().unwrap(), &o).unwrap();
    assert_eq!((r.kind, r.pinned_reference.as_str()), (SourceKind::Hf, pinned.as_str()));

    // The CLI, offline, with the HF cache from the environment.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_modelvet"))
        .args(["verify", "hf://acme/demo", "--offline", "--format", "json", "--key"])
        .arg(demo_key())
        .env("HF_HUB_CACHE", hub.path())
        .env("MODELVET_CACHE_DIR", cache.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["source"]["kind"], "hf");
    assert_eq!(v["source"]["reference"], pinned.as_str());
}

#[test]
fn hf_cache_corrupted_blobs_fail_naming_the_file() {
    let hub = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let repo = build_hf_cache(hub.path());
    let weights = std::fs::read(demo_model().join("model.safetensors")).unwrap();
    let blob = repo.join("blobs").join(blob_name("model.safetensors", &weights));
    let mut bad = weights.clone();
    bad[100] ^= 1;
    std::fs::write(&blob, &bad).unwrap();
    let err = sources::resolve("hf://acme/demo", &offline(hub.path(), cache.path())).unwrap_err();
    match &err {
        SourceError::DigestMismatch { name, .. } => assert!(name.contains("model.safetensors") && name.contains("LFS"), "{name}"),
        other => panic!("{other:?}"),
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_modelvet"))
        .args(["verify", "hf://acme/demo", "--offline", "--key"])
        .arg(demo_key())
        .env("HF_HUB_CACHE", hub.path())
        .env("MODELVET_CACHE_DIR", cache.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));

    // A non-LFS file is checked by its git blob id.
    std::fs::write(&blob, &weights).unwrap();
    let cfg = std::fs::read(demo_model().join("config.json")).unwrap();
    std::fs::write(repo.join("blobs").join(git_blob_sha1(&cfg)), b"{\"tampered\": true}").unwrap();
    let err = sources::resolve("hf://acme/demo", &offline(hub.path(), cache.path())).unwrap_err();
    assert!(matches!(&err, SourceError::DigestMismatch { name, .. } if name.contains("config.json")), "{err:?}");
}

#[test]
fn hf_cache_link_outside_blobs_and_unknown_revision_are_refused() {
    let hub = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let repo = build_hf_cache(hub.path());
    let outside = hub.path().join("outside.txt");
    std::fs::write(&outside, "not a blob").unwrap();
    std::os::unix::fs::symlink("../../../outside.txt", repo.join("snapshots").join(COMMIT).join("extra.txt")).unwrap();
    let err = sources::resolve("hf://acme/demo", &offline(hub.path(), cache.path())).unwrap_err();
    assert!(matches!(err, SourceError::UnsafePath { .. }), "{err:?}");

    let err = sources::resolve("hf://acme/demo@v2", &offline(hub.path(), cache.path())).unwrap_err();
    assert!(matches!(err, SourceError::NotFound(_)), "{err:?}");
    let err = sources::resolve("hf://acme/demo@../../etc", &offline(hub.path(), cache.path())).unwrap_err();
    assert!(matches!(err, SourceError::InvalidReference { .. }), "{err:?}");
}

/// A Hub stand-in: revision → commit, the file tree, and file content.
struct FakeHub {
    stub: Stub,
    main: Arc<Mutex<String>>,
}

fn fake_hub(files: Vec<(String, Vec<u8>)>, token: &'static str) -> FakeHub {
    let main = Arc::new(Mutex::new(COMMIT.to_string()));
    let main2 = main.clone();
    let stub = Stub::start(move |req| {
        if req.headers.get("authorization").map(String::as_str) != Some(&format!("Bearer {token}")) {
            return Response { status: 401, content_type: "text/plain".into(), body: b"no".to_vec(), headers: vec![] };
        }
        let commit = main2.lock().unwrap().clone();
        let path = req.path.clone();
        if path == "/api/models/acme/demo/revision/main" || path == format!("/api/models/acme/demo/revision/{commit}") {
            return Response::json(format!(r#"{{"id":"acme/demo","sha":"{commit}"}}"#), "application/json");
        }
        if path == format!("/api/models/acme/demo/tree/{commit}?recursive=true") {
            let entries: Vec<serde_json::Value> = files
                .iter()
                .map(|(name, bytes)| {
                    let mut e = serde_json::json!({"type": "file", "path": name, "size": bytes.len(), "oid": git_blob_sha1(bytes)});
                    if is_lfs(name) {
                        e["lfs"] = serde_json::json!({"oid": &netsupport::sha256(bytes)[7..], "size": bytes.len(), "pointerSize": 134});
                    }
                    e
                })
                .collect();
            return Response::json(serde_json::to_vec(&entries).unwrap(), "application/json");
        }
        if let Some(name) = path.strip_prefix(&format!("/acme/demo/resolve/{commit}/"))
            && let Some((_, bytes)) = files.iter().find(|(n, _)| n == name)
        {
            return Response::json(bytes.clone(), "application/octet-stream");
        }
        Response::not_found()
    });
    FakeHub { stub, main }
}

fn online(cache: &Path, hub: &FakeHub) -> ResolveOptions {
    ResolveOptions {
        cache_dir: Some(cache.to_path_buf()),
        hf_endpoint: Some(format!("http://127.0.0.1:{}", hub.stub.port)),
        hf_token: Some("hf_test_token".into()),
        hf_cache_dirs: Some(vec![cache.join("hf/hub")]),
        ..Default::default()
    }
}

#[test]
fn hf_hub_download_is_pinned_checked_and_cached() {
    let hub = fake_hub(demo_files(), "hf_test_token");
    let cache = tempfile::tempdir().unwrap();
    let o = online(cache.path(), &hub);
    let r = sources::resolve("hf://acme/demo", &o).unwrap();
    assert_eq!(r.pinned_reference, format!("hf://acme/demo@{COMMIT}"));
    assert_eq!(r.kind, SourceKind::Hf);
    let report = verify_resolved(&r, &key_flags()).unwrap();
    assert_eq!(report.verdict, Verdict::Verified, "{:?}", report.reasons);
    // Downloaded in the HF layout, pinned to the commit.
    let repo = cache.path().join("hf/hub/models--acme--demo");
    assert_eq!(std::fs::read_to_string(repo.join("refs/main")).unwrap(), COMMIT);
    assert!(std::fs::symlink_metadata(repo.join("snapshots").join(COMMIT).join("config.json")).unwrap().file_type().is_symlink());
    // Offline afterwards, from modelvet's cache.
    let off = ResolveOptions { offline: true, ..o.clone() };
    assert_eq!(sources::resolve("hf://acme/demo", &off).unwrap().pinned_reference, r.pinned_reference);

    assert_eq!(sources::recheck(&r, &o).unwrap(), Recheck::Unchanged);
    *hub.main.lock().unwrap() = COMMIT2.to_string();
    assert!(matches!(sources::recheck(&r, &o).unwrap(), Recheck::Moved { .. }));

    // Without the token the (gated) repo is refused with a hint.
    let no_token = ResolveOptions { hf_token: None, ..o.clone() };
    let err = sources::resolve("hf://acme/other", &no_token).unwrap_err();
    assert!(err.to_string().contains("HF_TOKEN") || matches!(err, SourceError::Hub { .. }), "{err}");
}

#[test]
fn hf_hub_wrong_bytes_and_traversal_names_are_refused() {
    // The Hub lists one sha256 but serves other bytes.
    let mut files = demo_files();
    let listed = files.clone();
    for (name, bytes) in files.iter_mut() {
        if name == "model.safetensors" {
            bytes[10] ^= 0x55;
        }
    }
    let hub = {
        let served = files;
        let listed2 = listed.clone();
        let main = Arc::new(Mutex::new(COMMIT.to_string()));
        let stub = Stub::start(move |req| {
            let path = req.path.clone();
            if path == "/api/models/acme/demo/revision/main" {
                return Response::json(format!(r#"{{"sha":"{COMMIT}"}}"#), "application/json");
            }
            if path.starts_with(&format!("/api/models/acme/demo/tree/{COMMIT}")) {
                let entries: Vec<serde_json::Value> = listed2
                    .iter()
                    .map(|(name, bytes)| {
                        let mut e = serde_json::json!({"type": "file", "path": name, "size": bytes.len(), "oid": git_blob_sha1(bytes)});
                        if is_lfs(name) {
                            e["lfs"] = serde_json::json!({"oid": &netsupport::sha256(bytes)[7..], "size": bytes.len()});
                        }
                        e
                    })
                    .collect();
                return Response::json(serde_json::to_vec(&entries).unwrap(), "application/json");
            }
            if let Some(name) = path.strip_prefix(&format!("/acme/demo/resolve/{COMMIT}/"))
                && let Some((_, b)) = served.iter().find(|(n, _)| n == name)
            {
                return Response::json(b.clone(), "application/octet-stream");
            }
            Response::not_found()
        });
        FakeHub { stub, main }
    };
    let cache = tempfile::tempdir().unwrap();
    let err = sources::resolve("hf://acme/demo", &online(cache.path(), &hub)).unwrap_err();
    assert!(matches!(&err, SourceError::DigestMismatch { name, .. } if name == "model.safetensors"), "{err:?}");
    assert!(!cache.path().join("hf/hub/models--acme--demo/snapshots").join(COMMIT).join("model.safetensors").exists());

    // A file name that climbs out of the snapshot.
    let evil = fake_hub(vec![("../../../evil.txt".to_string(), b"x".to_vec())], "hf_test_token");
    let cache = tempfile::tempdir().unwrap();
    let err = sources::resolve("hf://acme/demo", &online(cache.path(), &evil)).unwrap_err();
    assert!(matches!(err, SourceError::UnsafePath { .. }), "{err:?}");
}

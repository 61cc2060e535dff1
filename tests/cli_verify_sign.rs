//! `modelvet verify` and `modelvet sign` through the real binary: exit
//! codes, JSON output, and bad input that must be rejected cleanly.

mod common;

use assert_cmd::Command;
use common::{bin, copy_tree, demo_model, demo_private_key, demo_pub_key};
use predicates::str::contains;
use serde_json::Value;
use std::path::Path;

fn modelvet() -> Command {
    Command::new(bin())
}

fn demo_copy() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    copy_tree(&demo_model(), &model);
    (dir, model)
}

fn verify_json(model: &Path, extra: &[&str]) -> (i32, Value) {
    let out = modelvet()
        .arg("verify")
        .arg(model)
        .arg("--key")
        .arg(demo_pub_key())
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (code, v)
}

#[test]
fn demo_model_verifies_with_exit_0() {
    let (code, v) = verify_json(&demo_model(), &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["verdict"], "verified");
    assert_eq!(v["counts"]["verified"], 6);
    assert!(v["model_digest"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(v["signer"]["method"], "key");
    assert_eq!(v["signer"]["pinned"], true);
}

#[test]
fn tampered_byte_exits_1_and_names_the_file() {
    let (_t, model) = demo_copy();
    let weights = model.join("model.safetensors");
    let mut bytes = std::fs::read(&weights).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&weights, bytes).unwrap();
    let (code, v) = verify_json(&model, &[]);
    assert_eq!(code, 1);
    assert_eq!(v["verdict"], "failed");
    let files = v["files"].as_array().unwrap();
    let f = files.iter().find(|f| f["path"] == "model.safetensors").unwrap();
    assert_eq!(f["status"], "modified");
    assert_ne!(f["expected"], f["actual"]);
    modelvet()
        .arg("verify")
        .arg(&model)
        .arg("--key")
        .arg(demo_pub_key())
        .assert()
        .code(1)
        .stdout(contains("modified  model.safetensors"));
}

#[test]
fn extra_and_missing_files_are_all_listed() {
    let (_t, model) = demo_copy();
    std::fs::write(model.join("extra.bin"), b"x").unwrap();
    std::fs::create_dir(model.join("nested")).unwrap();
    std::fs::write(model.join("nested/more.bin"), b"y").unwrap();
    std::fs::remove_file(model.join("config.json")).unwrap();
    let (code, v) = verify_json(&model, &[]);
    assert_eq!(code, 1);
    assert_eq!(v["counts"]["unsigned_extra"], 2);
    assert_eq!(v["counts"]["missing"], 1);
    // The user may ignore the extras; the missing file still fails.
    let (code, v) = verify_json(&model, &["--ignore-path", "extra.bin", "--ignore-path", "nested"]);
    assert_eq!(code, 1);
    assert_eq!(v["counts"]["unsigned_extra"], 0);
    // Ignoring a signed file cannot hide it.
    let (code, v) = verify_json(&model, &["--ignore-unsigned-files", "--ignore-path", "config.json"]);
    assert_eq!(code, 1);
    let f = v["files"].as_array().unwrap().iter().find(|f| f["path"] == "config.json").unwrap().clone();
    assert_eq!(f["status"], "missing");
}

#[test]
fn ignore_path_relative_to_the_working_directory() {
    let (t, model) = demo_copy();
    std::fs::create_dir(model.join("cache")).unwrap();
    std::fs::write(model.join("cache/x"), b"1").unwrap();
    let out = modelvet()
        .current_dir(t.path())
        .args(["verify", "model", "--ignore-path", "model/cache", "--key"])
        .arg(demo_pub_key())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn wrong_key_exits_1() {
    let other = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/keys/other-signer.pub.pem");
    modelvet()
        .arg("verify")
        .arg(demo_model())
        .arg("--key")
        .arg(other)
        .assert()
        .code(1)
        .stdout(contains("signature.key-hint"));
}

#[test]
fn usage_errors_exit_2() {
    // No trusted signer.
    modelvet().arg("verify").arg(demo_model()).assert().code(2).stderr(contains("trusted signer"));
    // Missing model.
    modelvet().args(["verify", "/nonexistent/model", "--key"]).arg(demo_pub_key()).assert().code(2);
    // Unreadable key file, and a key that is not a key.
    modelvet().arg("verify").arg(demo_model()).args(["--key", "/nonexistent.pem"]).assert().code(2);
    let t = tempfile::tempdir().unwrap();
    let junk = t.path().join("junk.pem");
    std::fs::write(&junk, "-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----\n").unwrap();
    modelvet().arg("verify").arg(demo_model()).arg("--key").arg(&junk).assert().code(2);
    // Explicit signature that does not exist.
    modelvet()
        .arg("verify")
        .arg(demo_model())
        .arg("--key")
        .arg(demo_pub_key())
        .args(["--signature", "/nonexistent.sig"])
        .assert()
        .code(2);
    // Bad flag.
    modelvet().args(["verify", "--frobnicate"]).assert().code(2);
    // Bad time.
    modelvet().arg("verify").arg(demo_model()).arg("--key").arg(demo_pub_key()).args(["--at", "yesterday"]).assert().code(2);
}

#[test]
fn keyless_without_support_is_never_a_pass() {
    let out = modelvet()
        .arg("verify")
        .arg(demo_model())
        .args(["--identity", "someone@example.com", "--issuer", "https://accounts.example.com"])
        .output()
        .unwrap();
    if modelvet::sigstore::KEYLESS_AVAILABLE {
        // A key-signed model does not satisfy an identity policy.
        assert_eq!(out.status.code(), Some(1));
    } else {
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("not available"));
    }
}

/// Writes `content` as the model's signature and verifies.
fn verify_with_signature(content: &[u8]) -> (i32, Value, String) {
    let (_t, model) = demo_copy();
    std::fs::write(model.join("model.sig"), content).unwrap();
    let out = modelvet()
        .arg("verify")
        .arg(&model)
        .arg("--key")
        .arg(demo_pub_key())
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap(), v, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn demo_bundle() -> Value {
    serde_json::from_slice(&std::fs::read(demo_model().join("model.sig")).unwrap()).unwrap()
}

fn failed_check(v: &Value) -> String {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| format!("{}: {}", c["id"].as_str().unwrap(), c["detail"].as_str().unwrap()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn malformed_signatures_fail_with_a_reason_and_no_panic() {
    let full = std::fs::read(demo_model().join("model.sig")).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "empty"),
        ("truncated", full[..full.len() / 2].to_vec(), "not valid JSON"),
        ("not an object", b"[1,2,3]".to_vec(), "not an object"),
        ("binary", vec![0xff, 0xfe, 0x00, 0x01], "not valid JSON"),
    ];
    for (what, bytes, reason) in cases {
        let (code, v, stderr) = verify_with_signature(&bytes);
        assert_eq!(code, 1, "{what}: {stderr}");
        assert!(failed_check(&v).contains(reason), "{what}: {}", failed_check(&v));
    }
    let mut b = demo_bundle();
    b["dsseEnvelope"]["payload"] = Value::from("***not base64***");
    let (code, v, _) = verify_with_signature(b.to_string().as_bytes());
    assert_eq!(code, 1);
    assert!(failed_check(&v).contains("base64"), "{}", failed_check(&v));

    let mut b = demo_bundle();
    b["dsseEnvelope"]["signatures"][0]["sig"] = Value::from("AAAA");
    let (code, v, _) = verify_with_signature(b.to_string().as_bytes());
    assert_eq!(code, 1);
    assert!(failed_check(&v).contains("signature.ecdsa"), "{}", failed_check(&v));

    let mut b = demo_bundle();
    b["dsseEnvelope"]["payloadType"] = Value::from("application/json");
    let (code, v, _) = verify_with_signature(b.to_string().as_bytes());
    assert_eq!(code, 1);
    assert!(failed_check(&v).contains("envelope.payload-type"));

    let mut b = demo_bundle();
    b["mediaType"] = Value::from("application/vnd.dev.sigstore.bundle+json;version=0.2");
    let (code, v, _) = verify_with_signature(b.to_string().as_bytes());
    assert_eq!(code, 1);
    assert!(failed_check(&v).contains("bundle.media-type"));

    let mut b = demo_bundle();
    let sig = b["dsseEnvelope"]["signatures"][0].clone();
    b["dsseEnvelope"]["signatures"] = Value::Array(vec![sig.clone(), sig]);
    let (code, v, _) = verify_with_signature(b.to_string().as_bytes());
    assert_eq!(code, 1);
    assert!(failed_check(&v).contains("signature.count"));
}

#[test]
fn oversized_signature_is_a_clear_input_error() {
    let (_t, model) = demo_copy();
    let f = std::fs::File::create(model.join("model.sig")).unwrap();
    f.set_len(modelvet::oms::MAX_SIGNATURE_BYTES + 10).unwrap();
    modelvet()
        .arg("verify")
        .arg(&model)
        .arg("--key")
        .arg(demo_pub_key())
        .assert()
        .code(2)
        .stderr(contains("larger than"));
}

#[test]
fn symlink_out_of_the_model_is_rejected_even_when_allowed() {
    let (t, model) = demo_copy();
    std::fs::write(t.path().join("outside.bin"), b"secret").unwrap();
    std::os::unix::fs::symlink(t.path().join("outside.bin"), model.join("escape.bin")).unwrap();
    for extra in [vec![], vec!["--allow-symlinks"]] {
        let (code, v) = verify_json(&model, &extra);
        assert_eq!(code, 1);
        let f = v["files"].as_array().unwrap().iter().find(|f| f["path"] == "escape.bin").unwrap().clone();
        assert_eq!(f["status"], "error", "{f}");
        assert!(f["detail"].as_str().unwrap().contains("symlink"), "{f}");
    }
}

#[test]
fn unreadable_file_is_reported_not_fatal() {
    if nix_is_root() {
        // root reads anything; simulate with a FIFO instead.
        let (_t, model) = demo_copy();
        let fifo = model.join("pipe");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let (code, v) = verify_json(&model, &[]);
        assert_eq!(code, 1);
        let f = v["files"].as_array().unwrap().iter().find(|f| f["path"] == "pipe").unwrap().clone();
        assert_eq!(f["status"], "error");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let (_t, model) = demo_copy();
    std::fs::set_permissions(model.join("config.json"), std::fs::Permissions::from_mode(0o000)).unwrap();
    let (code, v) = verify_json(&model, &[]);
    assert_eq!(code, 1);
    let f = v["files"].as_array().unwrap().iter().find(|f| f["path"] == "config.json").unwrap().clone();
    assert_eq!(f["status"], "error");
}

fn nix_is_root() -> bool {
    std::process::Command::new("id").arg("-u").output().map(|o| o.stdout == b"0\n").unwrap_or(false)
}

#[test]
fn sign_then_verify_round_trips_for_every_hash_and_method() {
    for (hash, shard) in [("sha256", None), ("blake2b", None), ("blake3", None), ("sha256", Some("4096")), ("blake2b", Some("1000"))] {
        let (_t, model) = demo_copy();
        std::fs::remove_file(model.join("model.sig")).unwrap();
        let mut cmd = modelvet();
        cmd.arg("sign").arg(&model).arg("--key").arg(demo_private_key()).args(["--hash", hash]);
        if let Some(s) = shard {
            cmd.args(["--shard-size", s]);
        }
        cmd.assert().code(0);
        let (code, v) = verify_json(&model, &[]);
        assert_eq!(code, 0, "{hash} {shard:?}: {}", v["reasons"]);
        assert_eq!(v["manifest"]["hash_type"], hash);
        // Flip one byte: the right file is reported.
        let target = model.join("tokenizer.json");
        let mut bytes = std::fs::read(&target).unwrap();
        bytes[10] ^= 0x20;
        std::fs::write(&target, bytes).unwrap();
        let (code, v) = verify_json(&model, &[]);
        assert_eq!(code, 1);
        let bad: Vec<_> = v["files"].as_array().unwrap().iter().filter(|f| f["status"] != "verified" && f["status"] != "ignored").map(|f| f["path"].clone()).collect();
        assert_eq!(bad, vec![Value::from("tokenizer.json")], "{hash} {shard:?}");
    }
}

#[test]
fn sign_rejects_bad_input() {
    let (_t, model) = demo_copy();
    modelvet().arg("sign").arg(&model).args(["--key", "/nonexistent"]).assert().code(2);
    modelvet().arg("sign").arg(&model).arg("--key").arg(demo_pub_key()).assert().code(2).stderr(contains("private key"));
    modelvet().arg("sign").arg(&model).arg("--key").arg(demo_private_key()).args(["--hash", "blake3", "--shard-size", "10"]).assert().code(2);
    modelvet().arg("sign").arg(&model).arg("--key").arg(demo_private_key()).args(["--shard-size", "0"]).assert().code(2);
}

#[test]
fn single_file_model_uses_a_signature_beside_it() {
    let t = tempfile::tempdir().unwrap();
    let file = t.path().join("weights.safetensors");
    std::fs::copy(demo_model().join("model.safetensors"), &file).unwrap();
    modelvet().arg("sign").arg(&file).arg("--key").arg(demo_private_key()).assert().code(0);
    assert!(t.path().join("model.sig").is_file());
    let (code, v) = verify_json(&file, &[]);
    assert_eq!(code, 0, "{}", v["reasons"]);
    assert_eq!(v["files"][0]["path"], ".");
    assert_eq!(v["source"]["kind"], "file");
}

#[test]
fn a_closed_pipe_ends_output_quietly() {
    // `modelvet verify … | true` (the reader is gone before the report is written): no panic message, no internal-error exit.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("\"$0\" verify \"$1\" --key \"$2\" --format json | true; exit 0")
        .arg(bin())
        .arg(demo_model())
        .arg(demo_pub_key())
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"), "{}", String::from_utf8_lossy(&out.stderr));
}

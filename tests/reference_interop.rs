//! Signatures made by `modelvet sign` verify with the reference
//! implementation (`model_signing` 1.1.1 from PyPI), and a tampered model
//! fails there too. `.ci/run` installs the reference into a virtualenv and
//! exports `MODEL_SIGNING_BIN`; in CI a missing reference fails the test.

mod common;

use assert_cmd::Command;
use common::{bin, copy_tree, demo_model};
use std::path::PathBuf;

fn reference_bin() -> Option<PathBuf> {
    let from_env = std::env::var_os("MODEL_SIGNING_BIN").map(PathBuf::from);
    let candidates = from_env.into_iter().chain([
        PathBuf::from("/tmp/modelvet-oms-venv/bin/model_signing"),
        PathBuf::from("/tmp/oms-venv/bin/model_signing"),
    ]);
    for c in candidates {
        if c.is_file() {
            return Some(c);
        }
    }
    if std::env::var_os("CI").is_some() {
        panic!("CI is set but the reference model_signing is not installed (set MODEL_SIGNING_BIN)");
    }
    eprintln!("skipping: reference model_signing not found");
    None
}

/// `model_signing verify key` on `dir/model` with `dir/model/model.sig`.
fn reference_verify(reference: &std::path::Path, dir: &std::path::Path, public_key: &std::path::Path) -> std::process::Output {
    std::process::Command::new(reference)
        .current_dir(dir)
        .args(["verify", "key", "--signature", "model/model.sig", "--public_key"])
        .arg(public_key)
        .arg("model")
        .output()
        .unwrap()
}

#[test]
fn reference_verifies_our_signatures_for_every_curve() {
    let Some(reference) = reference_bin() else { return };
    let Some(shared) = common::shared_dir() else { return };
    let keys = shared.join("fixtures/oms/keys");
    for curve in ["p256", "p384", "p521"] {
        let t = tempfile::tempdir().unwrap();
        let model = t.path().join("model");
        copy_tree(&demo_model(), &model);
        std::fs::remove_file(model.join("model.sig")).unwrap();
        Command::new(bin())
            .arg("sign")
            .arg(&model)
            .arg("--key")
            .arg(keys.join(format!("{curve}.key.pem")))
            .assert()
            .code(0);
        let out = reference_verify(&reference, t.path(), &keys.join(format!("{curve}.pub.pem")));
        assert!(
            out.status.success(),
            "{curve}: reference rejected our signature: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // Tamper: the reference must now fail as well.
        std::fs::write(model.join("config.json"), b"{}").unwrap();
        let out = reference_verify(&reference, t.path(), &keys.join(format!("{curve}.pub.pem")));
        assert!(!out.status.success(), "{curve}: reference accepted a tampered model");
    }
}

#[test]
fn reference_verifies_a_signature_with_user_ignores() {
    let Some(reference) = reference_bin() else { return };
    let Some(shared) = common::shared_dir() else { return };
    let keys = shared.join("fixtures/oms/keys");
    let t = tempfile::tempdir().unwrap();
    let model = t.path().join("model");
    copy_tree(&demo_model(), &model);
    std::fs::create_dir(model.join("scratch")).unwrap();
    std::fs::write(model.join("scratch/notes.txt"), b"not signed").unwrap();
    Command::new(bin())
        .current_dir(t.path())
        .args(["sign", "model", "--ignore-path", "model/scratch", "--key"])
        .arg(keys.join("p256.key.pem"))
        .assert()
        .code(0);
    let out = reference_verify(&reference, t.path(), &keys.join("p256.pub.pem"));
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

/// An independent Sigstore implementation (sigstore-js `@sigstore/verify`)
/// accepts our OMS bundles as Sigstore v0.3 DSSE bundles, and rejects them
/// for the wrong key or an edited payload.
#[test]
fn sigstore_js_verifies_our_bundles() {
    let Some((node, script)) = common::sigstore_js() else { return };
    let t = tempfile::tempdir().unwrap();
    let model = t.path().join("model");
    copy_tree(&demo_model(), &model);
    Command::new(bin()).arg("sign").arg(&model).arg("--key").arg(common::demo_private_key()).assert().code(0);
    let sig = model.join("model.sig");
    let run = |bundle: &std::path::Path, key: &std::path::Path| {
        std::process::Command::new(&node).arg(&script).arg(bundle).arg(key).output().unwrap()
    };
    let ok = run(&sig, &common::demo_pub_key());
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stdout));
    let other = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/keys/other-signer.pub.pem");
    assert!(!run(&sig, &other).status.success());
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&sig).unwrap()).unwrap();
    let payload = v["dsseEnvelope"]["payload"].as_str().unwrap().to_string();
    v["dsseEnvelope"]["payload"] = serde_json::Value::from(payload.replacen('e', "f", 1).to_string());
    let edited = t.path().join("edited.sig");
    std::fs::write(&edited, v.to_string()).unwrap();
    assert!(!run(&edited, &common::demo_pub_key()).status.success());
}

//! Evidence bundles end to end through the real binary: export, offline
//! verification (pinned and unpinned), determinism, `sha256sum -c`,
//! independent verification with sigstore-js, and tamper detection for every
//! kind of member.

mod common;

use assert_cmd::Command;
use common::{CliHome, bin, copy_tree, demo_model, demo_private_key, demo_pub_key};
use modelvet::evidence::archive::{Members, read_tar_gz, write_tar_gz};
use std::path::{Path, PathBuf};

/// A home with a reviewer key, plus the evidence steps the tests repeat.
struct Env(CliHome);

impl std::ops::Deref for Env {
    type Target = CliHome;
    fn deref(&self) -> &CliHome {
        &self.0
    }
}

impl Env {
    fn new() -> Self {
        Env(CliHome::with_reviewer())
    }
    fn approve(&self, model: &Path) {
        self.cmd().arg("approve").arg(model).arg("--key").arg(demo_pub_key()).args(["--note", "reviewed"]).assert().code(0);
    }
    fn export(&self, model: &Path, out: &str) -> PathBuf {
        let out = self.path(out);
        self.cmd().arg("export").arg(model).arg("--key").arg(demo_pub_key()).arg("--out").arg(&out).assert().code(0);
        out
    }
    fn reviewer_pub(&self) -> PathBuf {
        let out = self.cmd().args(["reviewer", "show"]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let start = text.find("-----BEGIN PUBLIC KEY-----").expect("reviewer show prints the PEM");
        let end = text.find("-----END PUBLIC KEY-----").unwrap() + "-----END PUBLIC KEY-----".len();
        let p = self.path("reviewer.pub.pem");
        std::fs::write(&p, format!("{}\n", &text[start..end])).unwrap();
        p
    }
    fn verify(&self, bundle: &Path, extra: &[&str]) -> (i32, String) {
        let out = self.cmd().args(["evidence", "verify"]).arg(bundle).args(extra).output().unwrap();
        (out.status.code().unwrap(), String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

fn unpack(p: &Path) -> (String, Members) {
    read_tar_gz(std::fs::File::open(p).unwrap()).unwrap()
}

fn repack(env: &Env, name: &str, folder: &str, m: &Members) -> PathBuf {
    let out = env.path(name);
    let mut bytes = Vec::new();
    write_tar_gz(folder, m, &mut bytes).unwrap();
    std::fs::write(&out, bytes).unwrap();
    out
}

#[test]
fn export_verifies_offline_and_is_deterministic() {
    let env = Env::new();
    env.approve(&demo_model());
    let a = env.export(&demo_model(), "a.tar.gz");
    let b = env.export(&demo_model(), "b.tar.gz");
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap(), "exporting twice must give identical bytes");
    let (code, out) = env.verify(&a, &["--model", demo_model().to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("NOT PINNED"), "{out}");
    assert!(out.lines().any(|l| l.contains("model.signature") && l.contains("verifies over --model")), "{out}");
    // A modified copy of the model fails both the inventory and the signature.
    let copy = env.path("copy");
    copy_tree(&demo_model(), &copy);
    std::fs::write(copy.join("config.json"), b"{\"changed\": true}\n").unwrap();
    let (code, out) = env.verify(&a, &["--model", copy.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.lines().any(|l| l.contains("model.files") && l.contains("config.json")), "{out}");
    assert!(out.lines().any(|l| l.contains("model.signature") && l.contains("FAILED")), "{out}");
    // Pinned keys: no warning.
    let (folder, members) = unpack(&a);
    let vkey = env.path("pinned.vkey");
    std::fs::write(&vkey, members.get("trust/ledger.vkey").unwrap()).unwrap();
    let reviewer = env.reviewer_pub();
    let (code, out) = env.verify(&a, &["--ledger-key", vkey.to_str().unwrap(), "--reviewer-key", reviewer.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("NOT PINNED"), "{out}");
    // A different pinned reviewer key is refused.
    let (code, out) = env.verify(&a, &["--reviewer-key", demo_pub_key().to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    // coreutils can check the unpacked tree.
    let unpacked = env.path("unpacked");
    std::fs::create_dir(&unpacked).unwrap();
    assert!(std::process::Command::new("tar").arg("xzf").arg(&a).arg("-C").arg(&unpacked).status().unwrap().success());
    let sums = std::process::Command::new("sha256sum").args(["-c", "SHA256SUMS"]).current_dir(unpacked.join(&folder)).output().unwrap();
    assert!(sums.status.success(), "{}", String::from_utf8_lossy(&sums.stdout));
}

#[test]
fn sigstore_js_verifies_the_signed_members() {
    let Some((node, script)) = common::sigstore_js() else { return };
    let env = Env::new();
    env.approve(&demo_model());
    let a = env.export(&demo_model(), "a.tar.gz");
    let unpacked = env.path("u");
    std::fs::create_dir(&unpacked).unwrap();
    assert!(std::process::Command::new("tar").arg("xzf").arg(&a).arg("-C").arg(&unpacked).status().unwrap().success());
    let (folder, _) = unpack(&a);
    let root = unpacked.join(folder);
    let key = root.join("trust/keys/exporter.pub.pem");
    for (bundle, artifact) in [
        ("attestations/vsa.sigstore.json", None),
        ("approvals/000000.sigstore.json", None),
        ("SHA256SUMS.sigstore.json", Some("SHA256SUMS")),
    ] {
        let mut c = std::process::Command::new(&node);
        c.arg(&script).arg(root.join(bundle)).arg(&key);
        if let Some(a) = artifact {
            c.arg(root.join(a));
        }
        let out = c.output().unwrap();
        assert!(out.status.success(), "{bundle}: {}", String::from_utf8_lossy(&out.stdout));
    }
}

#[test]
fn every_kind_of_tampering_is_detected_and_named() {
    let env = Env::new();
    env.approve(&demo_model());
    let a = env.export(&demo_model(), "a.tar.gz");
    let (folder, members) = unpack(&a);
    let kinds = [
        "model/inventory.json",
        "model/reference.txt",
        "signatures/model.sig",
        "metadata/README.md",
        "reports/verification.json",
        "reports/verification.md",
        "approvals/000000.sigstore.json",
        "ledger/checkpoint.txt",
        "ledger/proofs/000000.json",
        "attestations/vsa.sigstore.json",
        "trust/ledger.vkey",
        "bundle.json",
        "SHA256SUMS",
    ];
    for (i, name) in kinds.iter().enumerate() {
        let mut m = members.clone();
        let bytes = m.get_mut(*name).unwrap_or_else(|| panic!("{name} missing from the export"));
        let pos = bytes.len() / 2;
        bytes[pos] ^= 0x01;
        let p = repack(&env, &format!("t{i}.tar.gz"), &folder, &m);
        let (code, out) = env.verify(&p, &[]);
        assert_eq!(code, 1, "{name}: {out}");
        let named = out.contains(name) || (*name == "SHA256SUMS" && out.contains("SHA256SUMS"));
        assert!(named, "{name} must be named:\n{out}");
    }
    // Dropped and added members.
    let mut m = members.clone();
    m.remove("reports/verification.json");
    let p = repack(&env, "drop.tar.gz", &folder, &m);
    let (code, out) = env.verify(&p, &[]);
    assert_eq!(code, 1);
    assert!(out.contains("reports/verification.json"), "{out}");
    let mut m = members.clone();
    m.insert("extra/notes.txt".into(), b"sneaky".to_vec());
    let p = repack(&env, "add.tar.gz", &folder, &m);
    let (code, out) = env.verify(&p, &[]);
    assert_eq!(code, 1);
    assert!(out.contains("extra/notes.txt"), "{out}");
}

#[test]
fn an_approval_for_another_model_is_detected() {
    let env = Env::new();
    // A second model, signed by the same publisher key.
    let other = env.path("other");
    copy_tree(&demo_model(), &other);
    std::fs::write(other.join("extra.txt"), b"another model").unwrap();
    Command::new(bin()).arg("sign").arg(&other).arg("--key").arg(demo_private_key()).assert().code(0);
    env.approve(&demo_model());
    env.approve(&other);
    let a = env.export(&demo_model(), "a.tar.gz");
    let b = env.export(&other, "b.tar.gz");
    let (folder, mut ma) = unpack(&a);
    let (_, mb) = unpack(&b);
    // Swap A's approval and proof for B's, and fix up the checksums so only
    // the substance is wrong.
    ma.remove("approvals/000000.sigstore.json");
    ma.remove("ledger/proofs/000000.json");
    ma.insert("approvals/000001.sigstore.json".into(), mb["approvals/000001.sigstore.json"].clone());
    ma.insert("ledger/proofs/000001.json".into(), mb["ledger/proofs/000001.json"].clone());
    let sums = modelvet::evidence::sums::render(&ma);
    ma.insert("SHA256SUMS".into(), sums.into_bytes());
    let p = repack(&env, "swap.tar.gz", &folder, &ma);
    let (code, out) = env.verify(&p, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("approvals/000001.sigstore.json"), "{out}");
}

#[test]
fn bad_input_is_a_clear_error() {
    let env = Env::new();
    let junk = env.path("junk.tar.gz");
    std::fs::write(&junk, b"not an archive").unwrap();
    let (code, _) = env.verify(&junk, &[]);
    assert_eq!(code, 2);
    let (code, _) = env.verify(&env.path("missing.tar.gz"), &[]);
    assert_eq!(code, 2);
    // Export without any ledger entry and without --time cannot pick a time.
    env.cmd().arg("export").arg(demo_model()).arg("--key").arg(demo_pub_key()).arg("--out").arg(env.path("x.tar.gz")).assert().code(2);
}

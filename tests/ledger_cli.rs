//! The ledger from the command line: reviewer keys, approve/reject, log,
//! verify, proofs, checkpoints, kept checkpoints, and refusing files that are
//! not ledgers. Everything runs the real binary on real SQLite files in a
//! sandboxed config/data directory.

#[path = "ledgersupport/mod.rs"]
mod common;

use common::*;
use modelvet::crypto::{PrivateKey, PublicKey};
use modelvet::ledger::merkle;
use modelvet::ledger::note::{Checkpoint, NoteVerifier};
use serde_json::Value;
use std::path::Path;

#[test]
fn reviewer_init_show_import_and_key_file_mode() {
    let sb = Sandbox::new();
    sb.init_reviewer("Alice");
    let key_path = sb.config().join("reviewer.key.pem");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "reviewer key must be private");
    }
    let key = PrivateKey::from_pem(&std::fs::read_to_string(&key_path).unwrap()).unwrap();
    assert_eq!(key.curve().to_string(), "P-256");

    let out = sb.run(&["reviewer", "show", "--format", "json"]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["fingerprint"], key.public_key().fingerprint());
    assert_eq!(v["name"], "Alice");
    assert_eq!(v["email"], "alice@example.com");
    assert_eq!(PublicKey::from_pem(v["publicKey"].as_str().unwrap()).unwrap(), key.public_key());

    // A second init does not silently replace the key.
    let again = sb.run(&["reviewer", "init", "--name", "A", "--email", "a@x"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    assert_eq!(PrivateKey::from_pem(&std::fs::read_to_string(&key_path).unwrap()).unwrap().public_key(), key.public_key());

    // Import an existing PEM key.
    let other = Sandbox::new();
    let pem = other.dir.path().join("mine.pem");
    let mine = PrivateKey::generate_p256();
    std::fs::write(&pem, mine.to_pkcs8_pem()).unwrap();
    let out = other.run(&["reviewer", "import", pem.to_str().unwrap(), "--name", "Bob"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = other.run(&["reviewer", "show"]);
    assert!(stdout(&out).contains(&mine.public_key().fingerprint()), "{}", stdout(&out));
    // Garbage is refused with a usage error.
    std::fs::write(&pem, "not a key").unwrap();
    let out = other.run(&["reviewer", "import", pem.to_str().unwrap(), "--force"]);
    assert_eq!(out.status.code(), Some(2));
    // No reviewer key: approve explains what to do.
    let empty = Sandbox::new();
    let out = empty.approve(&empty.ledger(), "x");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("reviewer init"), "{}", stderr(&out));
    assert!(!empty.ledger().exists());
}

#[test]
fn approve_reject_log_proof_and_checkpoint() {
    let sb = Sandbox::new();
    sb.init_reviewer("Alice");
    let ledger = sb.ledger();
    let out = sb.approve(&ledger, "weights match the vendor release");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("recorded entry 0: approve (security)"), "{}", stdout(&out));
    let demo = demo_model();
    let out = sb.run(&[
        "reject", demo.to_str().unwrap(), "--key", demo_pub().to_str().unwrap(),
        "--note", "license unclear", "--scope", "legal", "--ledger", ledger.to_str().unwrap(), "--format", "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rec: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rec["index"], 1);
    assert_eq!(rec["decision"], "reject");
    let digest = rec["modelDigest"].as_str().unwrap().to_string();
    assert!(digest.starts_with("sha256:"));

    // log (all, and filtered by model).
    let out = sb.run(&["ledger", "--ledger", ledger.to_str().unwrap(), "log", "--format", "json"]);
    assert!(out.status.success());
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["decision"], "approve");
    assert_eq!(entries[0]["scope"], "security");
    assert_eq!(entries[0]["mark"], "verified");
    assert_eq!(entries[0]["signer_name"], "Alice");
    assert_eq!(entries[0]["note"], "weights match the vendor release");
    assert_eq!(entries[0]["report_verdict"], "verified");
    assert_eq!(entries[1]["scope"], "legal");
    assert_eq!(entries[1]["seen_tree_size"], 1, "the second reviewer saw the first entry");
    let out = sb.run(&["ledger", "--ledger", ledger.to_str().unwrap(), "log", "--model", &digest]);
    assert_eq!(stdout(&out).matches("✓ ok").count(), 2, "{}", stdout(&out));
    let out = sb.run(&["ledger", "--ledger", ledger.to_str().unwrap(), "log", "--model", "sha256:00", "--format", "json"]);
    let none: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(none["entries"].as_array().unwrap().len(), 0);

    // verify
    let (code, v) = sb.verify_json(&ledger, &["--strict"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["ok"], true);
    assert_eq!(v["entries"], 2);
    assert_eq!(v["checkpoints"], 2);
    assert_eq!(v["ledger_key_trusted"], true);

    // key + checkpoint: the checkpoint verifies with the ledger vkey.
    let out = sb.run(&["ledger", "--ledger", ledger.to_str().unwrap(), "key"]);
    let vkey = stdout(&out).trim().to_string();
    let verifier = NoteVerifier::from_vkey(&vkey).unwrap();
    let out = sb.run(&["ledger", "--ledger", ledger.to_str().unwrap(), "checkpoint"]);
    assert!(out.status.success());
    let cp = Checkpoint::open(&stdout(&out), &verifier).unwrap();
    assert_eq!(cp.body.size, 2);
    assert_eq!(hex::encode(cp.body.root), v["root"].as_str().unwrap());

    // proof: recheck independently with the RFC 9162 algorithm.
    for entry in ["0", "1"] {
        let out = sb.run(&["ledger", "--ledger", ledger.to_str().unwrap(), "proof", "--entry", entry, "--format", "json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let p: Value = serde_json::from_slice(&out.stdout).unwrap();
        let h = |s: &str| -> merkle::Hash { hex::decode(s).unwrap().try_into().unwrap() };
        let leaf = merkle::leaf_hash(p["entry"].as_str().unwrap().as_bytes());
        assert_eq!(hex::encode(leaf), p["leafHash"]);
        let path: Vec<merkle::Hash> = p["hashes"].as_array().unwrap().iter().map(|x| h(x.as_str().unwrap())).collect();
        merkle::verify_inclusion(p["index"].as_u64().unwrap(), 2, &leaf, &path, &cp.body.root).unwrap();
    }
    let out = sb.run(&["ledger", "--ledger", ledger.to_str().unwrap(), "proof", "--entry", "5"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
    let out = sb.run(&["ledger", "--ledger", ledger.to_str().unwrap(), "proof", "--from", "1", "--format", "json"]);
    assert!(out.status.success());

    // The default ledger lives in MODELVET_DATA_DIR.
    let out = sb.approve_default();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(sb.data().join("ledger.sqlite").is_file());
}

trait DefaultLedger {
    fn approve_default(&self) -> std::process::Output;
}

impl DefaultLedger for Sandbox {
    fn approve_default(&self) -> std::process::Output {
        let demo = demo_model();
        self.run(&["approve", demo.to_str().unwrap(), "--key", demo_pub().to_str().unwrap(), "--note", "default ledger"])
    }
}

#[test]
fn approving_a_model_that_fails_verification_needs_override_and_records_it() {
    let sb = Sandbox::new();
    sb.init_reviewer("Alice");
    let model = sb.dir.path().join("model");
    copy_dir(&demo_model(), &model);
    std::fs::write(model.join("config.json"), b"{\"tampered\": true}").unwrap();
    let ledger = sb.ledger();
    let signer = demo_pub();
    let args = |extra: &[&str]| {
        let mut a = vec!["approve", model.to_str().unwrap(), "--key", signer.to_str().unwrap(), "--note", "urgent",
            "--ledger", ledger.to_str().unwrap()];
        a.extend_from_slice(extra);
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let out = sb.cmd().args(args(&[])).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("--override"), "{}", stderr(&out));
    assert!(!ledger.exists(), "a refused approval writes nothing");

    let out = sb.cmd().args(args(&["--override", "--format", "json"])).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let rec: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rec["override"], true);
    assert_eq!(rec["verdict"], "failed");
    // Rejecting a failed model needs no override.
    let mut reject = args(&[]);
    reject[0] = "reject".into();
    assert!(sb.cmd().args(reject).output().unwrap().status.success());

    let out = sb.run(&["ledger", "--ledger", ledger.to_str().unwrap(), "log", "--format", "json"]);
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(log["entries"][0]["overridden"], true);
    assert_eq!(log["entries"][0]["report_verdict"], "failed");
    assert_eq!(log["entries"][1]["overridden"], false);
    let out = sb.run(&["ledger", "--ledger", ledger.to_str().unwrap(), "log"]);
    assert!(stdout(&out).contains("OVERRIDE"), "{}", stdout(&out));
}

#[test]
fn entries_by_unknown_reviewer_keys_are_flagged_until_trusted() {
    let sb = Sandbox::new();
    sb.init_reviewer("Alice");
    let ledger = sb.ledger();
    assert!(sb.approve(&ledger, "alice").status.success());
    let bob_key = sb.dir.path().join("bob.pem");
    std::fs::write(&bob_key, PrivateKey::generate_p256().to_pkcs8_pem()).unwrap();
    let demo = demo_model();
    let out = sb.run(&["approve", demo.to_str().unwrap(), "--key", demo_pub().to_str().unwrap(), "--note", "bob",
        "--ledger", ledger.to_str().unwrap(), "--reviewer-key", bob_key.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));

    let (code, v) = sb.verify_json(&ledger, &[]);
    assert_eq!(code, 0, "intact, only flagged: {v}");
    assert_eq!(v["untrusted_entries"], serde_json::json!([1]));
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["code"] == "entry.untrusted-signer" && f["entry"] == 1));
    let (code, _) = sb.verify_json(&ledger, &["--strict"]);
    assert_eq!(code, 1);
    let out = sb.run(&["ledger", "--ledger", ledger.to_str().unwrap(), "log"]);
    assert!(stdout(&out).contains("! untrusted"), "{}", stdout(&out));

    // Trust Bob's public key.
    let out = sb.run(&["reviewer", "show", "--reviewer-key", bob_key.to_str().unwrap(), "--format", "json"]);
    let show: Value = serde_json::from_slice(&out.stdout).unwrap();
    let bob_pub = sb.dir.path().join("bob.pub.pem");
    std::fs::write(&bob_pub, show["publicKey"].as_str().unwrap()).unwrap();
    assert!(sb.run(&["reviewer", "trust", bob_pub.to_str().unwrap(), "--name", "Bob"]).status.success());
    let (code, v) = sb.verify_json(&ledger, &["--strict"]);
    assert_eq!(code, 0, "{v}");
    let out = sb.run(&["reviewer", "list"]);
    assert!(stdout(&out).contains("Bob") && stdout(&out).contains("Alice"), "{}", stdout(&out));
}

fn copy_ledger(from: &Path, to: &Path) {
    // Appends are done by processes that have exited, so the WAL has been
    // checkpointed into the main file; use the backup API anyway.
    let src = rusqlite::Connection::open(from).unwrap();
    src.execute("VACUUM INTO ?1", [to.to_str().unwrap()]).unwrap();
}

#[test]
fn a_kept_checkpoint_detects_rollback_and_rewritten_history() {
    let sb = Sandbox::new();
    sb.init_reviewer("Alice");
    let ledger = sb.ledger();
    for i in 0..2 {
        assert!(sb.approve(&ledger, &format!("first {i}")).status.success());
    }
    let early = sb.dir.path().join("early.sqlite");
    copy_ledger(&ledger, &early);
    for i in 0..2 {
        assert!(sb.approve(&ledger, &format!("later {i}")).status.success());
    }
    let kept = sb.dir.path().join("kept.checkpoint");
    let out = sb.run(&["ledger", "--ledger", ledger.to_str().unwrap(), "checkpoint"]);
    std::fs::write(&kept, out.stdout).unwrap();
    assert!(sb.approve(&ledger, "after the kept checkpoint").status.success());

    // The live ledger extends the kept checkpoint.
    let (code, v) = sb.verify_json(&ledger, &["--checkpoint", kept.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["kept_checkpoint"]["consistent"], true);
    assert_eq!(v["kept_checkpoint"]["size"], 4);

    // Rollback: an old copy is internally valid but behind the kept checkpoint.
    let (code, v) = sb.verify_json(&early, &[]);
    assert_eq!(code, 0, "the old copy is valid on its own: {v}");
    let (code, v) = sb.verify_json(&early, &["--checkpoint", kept.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["code"] == "kept.rollback"), "{v}");

    // Rewritten history: the old copy grown with different entries, signed
    // by the real ledger key, so only the kept checkpoint can tell.
    for i in 0..3 {
        assert!(sb.approve(&early, &format!("rewritten {i}")).status.success());
    }
    let (code, v) = sb.verify_json(&early, &[]);
    assert_eq!(code, 0, "consistently rewritten: {v}");
    let (code, v) = sb.verify_json(&early, &["--checkpoint", kept.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["code"] == "kept.rewritten"), "{v}");
    let out = sb.run(&["ledger", "--ledger", early.to_str().unwrap(), "verify", "--checkpoint", kept.to_str().unwrap()]);
    assert!(stdout(&out).contains("history rewritten"), "{}", stdout(&out));

    // A forged kept checkpoint (other key) is not accepted.
    let forged = std::fs::read_to_string(&kept).unwrap().replacen("\n4\n", "\n3\n", 1);
    std::fs::write(&kept, forged).unwrap();
    let (code, v) = sb.verify_json(&ledger, &["--checkpoint", kept.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["code"] == "kept.signature"), "{v}");
}

fn assert_refused(sb: &Sandbox, path: &Path, expect: &str) {
    let before = std::fs::read(path).unwrap();
    for args in [
        vec!["ledger", "--ledger", path.to_str().unwrap(), "verify"],
        vec!["ledger", "--ledger", path.to_str().unwrap(), "log"],
        vec!["ledger", "--ledger", path.to_str().unwrap(), "checkpoint"],
    ] {
        let out = sb.run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(expect), "{args:?}: {}", stderr(&out));
    }
    let out = sb.approve(path, "must not be written");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(expect), "{}", stderr(&out));
    assert!(stderr(&out).contains("nothing was written"), "{}", stderr(&out));
    assert_eq!(std::fs::read(path).unwrap(), before, "{} was modified", path.display());
    let wal = format!("{}-wal", path.display());
    assert!(!Path::new(&wal).exists(), "a WAL file was created next to {}", path.display());
}

#[test]
fn truncated_or_foreign_files_are_refused_and_left_untouched() {
    let sb = Sandbox::new();
    sb.init_reviewer("Alice");
    let ledger = sb.ledger();
    for i in 0..30 {
        assert!(sb.approve(&ledger, &format!("entry {i} {}", "x".repeat(200))).status.success());
    }
    let len = std::fs::metadata(&ledger).unwrap().len();
    assert!(len > 8192, "ledger should span several pages ({len} bytes)");

    let text = sb.dir.path().join("notes.txt");
    std::fs::write(&text, "this is not a database\n".repeat(10)).unwrap();
    assert_refused(&sb, &text, "not an SQLite database");

    let truncated = sb.dir.path().join("truncated.sqlite");
    let bytes = std::fs::read(&ledger).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2 + 100]).unwrap();
    assert_refused(&sb, &truncated, "truncated");

    let stub = sb.dir.path().join("stub.sqlite");
    std::fs::write(&stub, &bytes[..50]).unwrap();
    assert_refused(&sb, &stub, "truncated");

    let empty = sb.dir.path().join("empty.sqlite");
    std::fs::write(&empty, b"").unwrap();
    assert_refused(&sb, &empty, "empty");

    let other = sb.dir.path().join("other-app.sqlite");
    sqlite3(&other, "CREATE TABLE t(x); INSERT INTO t VALUES (1);");
    assert_refused(&sb, &other, "not a modelvet ledger");

    // A missing ledger is reported, not created, by reading commands.
    let missing = sb.dir.path().join("nope.sqlite");
    let out = sb.run(&["ledger", "--ledger", missing.to_str().unwrap(), "verify"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no ledger here"), "{}", stderr(&out));
    assert!(!missing.exists());

    // The original is still intact.
    let (code, v) = sb.verify_json(&ledger, &[]);
    assert_eq!((code, v["entries"].as_u64()), (0, Some(30)));
}

//! Any single edited, deleted, swapped or inserted row of a real ledger file,
//! changed behind modelvet's back with rusqlite or the `sqlite3` shell, is
//! detected by `modelvet ledger verify`, which names the entry.

#[path = "ledgersupport/mod.rs"]
mod common;

use common::*;
use modelvet::crypto::PrivateKey;
use modelvet::ledger::keys::ReviewerInfo;
use modelvet::ledger::{Decision, KeyStore, Ledger, Scope, view};
use rusqlite::Connection;
use std::path::{Path, PathBuf};

const ENTRIES: u64 = 6;

/// A ledger of six entries by two trusted reviewers, written through the
/// library (entry 0) and the real binary (the rest).
fn build(sb: &Sandbox) -> PathBuf {
    sb.init_reviewer("Alice");
    let store = KeyStore::new(sb.config());
    let bob_pem = sb.dir.path().join("bob.pem");
    let bob = PrivateKey::generate_p256();
    std::fs::write(&bob_pem, bob.to_pkcs8_pem()).unwrap();
    store.trust_reviewer(&bob.public_key(), Some("Bob".into()), None).unwrap();

    let path = sb.ledger();
    {
        let report = demo_report();
        let alice = store.load_reviewer(None).unwrap();
        let key = store.ledger_key_or_create().unwrap();
        let mut ledger = Ledger::open_or_create(&path, &key).unwrap();
        let req = view::request(Decision::Approve, Scope::Security, "library entry", false);
        view::record_review(&store, &mut ledger, &report, &req, &alice).unwrap();
    }
    for i in 1..ENTRIES {
        let demo = demo_model();
        let mut args = vec![
            if i % 2 == 0 { "approve" } else { "reject" }.to_string(),
            demo.to_str().unwrap().into(),
            "--key".into(),
            demo_pub().to_str().unwrap().into(),
            "--note".into(),
            format!("entry number {i}"),
            "--ledger".into(),
            path.to_str().unwrap().into(),
        ];
        if i == 3 {
            args.extend(["--reviewer-key".into(), bob_pem.to_str().unwrap().into()]);
        }
        let out = sb.cmd().args(&args).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let (code, v) = sb.verify_json(&path, &["--strict"]);
    assert_eq!(code, 0, "pristine ledger must verify: {v}");
    assert_eq!(v["entries"], ENTRIES);
    path
}

/// A fresh copy of the pristine ledger for one tampering.
fn copy(sb: &Sandbox, pristine: &Path, name: &str) -> PathBuf {
    let to = sb.dir.path().join(format!("{name}.sqlite"));
    Connection::open(pristine).unwrap().execute("VACUUM INTO ?1", [to.to_str().unwrap()]).unwrap();
    to
}

const DROP_TRIGGERS: &str = "DROP TRIGGER entries_no_update; DROP TRIGGER entries_no_delete; \
     DROP TRIGGER checkpoints_no_update; DROP TRIGGER checkpoints_no_delete;";

fn with_rusqlite(db: &Path, f: impl FnOnce(&Connection)) {
    let c = Connection::open(db).unwrap();
    c.execute_batch(DROP_TRIGGERS).unwrap();
    f(&c);
}

/// Runs `ledger verify` and checks that it fails naming `entry` (and, when
/// given, a finding with `code` for that entry).
fn assert_detected(sb: &Sandbox, db: &Path, entry: u64, code: Option<&str>) {
    let (exit, v) = sb.verify_json(db, &[]);
    assert_eq!(exit, 1, "{}: tampering not detected: {v}", db.display());
    assert_eq!(v["ok"], false);
    assert_eq!(v["first_bad_entry"], entry, "{}: wrong entry named: {v:#}", db.display());
    if let Some(code) = code {
        assert!(
            v["findings"].as_array().unwrap().iter().any(|f| f["code"] == code && f["entry"] == entry),
            "{}: no {code} finding for entry {entry}: {v:#}",
            db.display()
        );
    }
    // The text form names the entry too.
    let out = sb.run(&["ledger", "--ledger", db.to_str().unwrap(), "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains(&format!("first bad entry {entry}")), "{}", stdout(&out));
}

#[test]
fn every_single_row_tampering_is_detected_and_named() {
    let sb = Sandbox::new();
    let pristine = build(&sb);
    let mut cases = 0;

    // --- entries edited with rusqlite -------------------------------------
    // One flipped byte inside the signed payload.
    let db = copy(&sb, &pristine, "flip-byte");
    with_rusqlite(&db, |c| {
        let mut body: Vec<u8> = c.query_row("SELECT body FROM entries WHERE idx = 2", [], |r| r.get(0)).unwrap();
        let at = String::from_utf8_lossy(&body).find("\"payload\":\"").unwrap() + 60;
        body[at] = if body[at] == b'A' { b'B' } else { b'A' };
        c.execute("UPDATE entries SET body = ?1 WHERE idx = 2", [&body]).unwrap();
    });
    assert_detected(&sb, &db, 2, Some("entry.leaf-hash"));
    cases += 1;

    // Body and leaf hash edited together: the signed checkpoint still catches it.
    let db = copy(&sb, &pristine, "flip-byte-and-leaf");
    with_rusqlite(&db, |c| {
        let mut body: Vec<u8> = c.query_row("SELECT body FROM entries WHERE idx = 4", [], |r| r.get(0)).unwrap();
        let at = body.len() - 20;
        body[at] ^= 0x01;
        let leaf = modelvet::ledger::merkle::leaf_hash(&body);
        c.execute("UPDATE entries SET body = ?1, leaf_hash = ?2 WHERE idx = 4", rusqlite::params![body, leaf.as_slice()]).unwrap();
    });
    assert_detected(&sb, &db, 4, Some("checkpoint.root"));
    cases += 1;

    // A different, validly signed entry (by an outsider) put in place of entry 1.
    let db = copy(&sb, &pristine, "resigned");
    {
        let outsider = modelvet::ledger::Reviewer {
            key: PrivateKey::generate_p256(),
            info: ReviewerInfo { name: Some("Mallory".into()), email: None },
            path: PathBuf::new(),
        };
        let ledger = Ledger::open(&db).unwrap();
        let report = demo_report();
        let req = view::request(Decision::Approve, Scope::Security, "forged", false);
        let draft = view::draft_review(&ledger, &report, &req, &outsider).unwrap();
        let forged = draft.sign(&outsider.key).unwrap();
        drop(ledger);
        with_rusqlite(&db, |c| {
            let leaf = modelvet::ledger::merkle::leaf_hash(&forged.bytes);
            c.execute("UPDATE entries SET body = ?1, leaf_hash = ?2 WHERE idx = 1", rusqlite::params![forged.bytes, leaf.as_slice()])
                .unwrap();
        });
    }
    assert_detected(&sb, &db, 1, Some("checkpoint.root"));
    cases += 1;

    // An indexed column changed (what `ledger log --model` filters on).
    let db = copy(&sb, &pristine, "column");
    with_rusqlite(&db, |c| {
        c.execute("UPDATE entries SET model_digest = 'sha256:' || hex(randomblob(32)) WHERE idx = 3", []).unwrap();
    });
    assert_detected(&sb, &db, 3, Some("entry.column"));
    cases += 1;

    // --- rows changed with the sqlite3 shell -------------------------------
    let db = copy(&sb, &pristine, "sql-edit-text");
    sqlite3(&db, &format!("{DROP_TRIGGERS} UPDATE entries SET body = CAST(replace(CAST(body AS TEXT), 'dsseEnvelope', 'dsseEnvelopf') AS BLOB) WHERE idx = 5;"));
    assert_detected(&sb, &db, 5, Some("entry.signature"));
    cases += 1;

    // Body stored as TEXT instead of BLOB (same bytes): still verified, no crash.
    let db = copy(&sb, &pristine, "sql-text-affinity");
    sqlite3(&db, &format!("{DROP_TRIGGERS} UPDATE entries SET body = CAST(body AS TEXT) || ' ' WHERE idx = 0;"));
    assert_detected(&sb, &db, 0, Some("entry.leaf-hash"));
    cases += 1;

    // Deleted rows.
    let db = copy(&sb, &pristine, "sql-delete-middle");
    sqlite3(&db, &format!("{DROP_TRIGGERS} DELETE FROM entries WHERE idx = 2;"));
    assert_detected(&sb, &db, 2, Some("entry.missing"));
    cases += 1;

    let db = copy(&sb, &pristine, "sql-delete-last");
    sqlite3(&db, &format!("{DROP_TRIGGERS} DELETE FROM entries WHERE idx = {};", ENTRIES - 1));
    assert_detected(&sb, &db, ENTRIES - 1, Some("checkpoint.extra"));
    cases += 1;

    let db = copy(&sb, &pristine, "sql-delete-first");
    sqlite3(&db, &format!("{DROP_TRIGGERS} DELETE FROM entries WHERE idx = 0;"));
    assert_detected(&sb, &db, 0, Some("entry.missing"));
    cases += 1;

    // Swapped rows (everything but the index).
    let db = copy(&sb, &pristine, "sql-swap");
    sqlite3(&db, &format!(
        "{DROP_TRIGGERS} \
         UPDATE entries SET idx = 100 WHERE idx = 1; \
         UPDATE entries SET idx = 1 WHERE idx = 4; \
         UPDATE entries SET idx = 4 WHERE idx = 100;"));
    assert_detected(&sb, &db, 1, Some("checkpoint.root"));
    cases += 1;

    // Inserted rows: in the middle (later rows renumbered) and at the end.
    let db = copy(&sb, &pristine, "sql-insert-middle");
    sqlite3(&db, &format!(
        "{DROP_TRIGGERS} \
         UPDATE entries SET idx = idx + 1000 WHERE idx >= 3; \
         UPDATE entries SET idx = idx - 999 WHERE idx >= 1000; \
         INSERT INTO entries SELECT 3, body, leaf_hash, model_digest, decision, signer, created FROM entries WHERE idx = 1;"));
    assert_detected(&sb, &db, 3, Some("checkpoint.root"));
    cases += 1;

    let db = copy(&sb, &pristine, "sql-insert-end");
    sqlite3(&db, &format!(
        "INSERT INTO entries SELECT {ENTRIES}, body, leaf_hash, model_digest, decision, signer, created FROM entries WHERE idx = 2;"));
    assert_detected(&sb, &db, ENTRIES, Some("checkpoint.missing"));
    cases += 1;

    // --- checkpoints and the node cache -----------------------------------
    let db = copy(&sb, &pristine, "sql-checkpoint-note");
    sqlite3(&db, &format!("{DROP_TRIGGERS} UPDATE checkpoints SET note = replace(note, char(10) || '3' || char(10), char(10) || '9' || char(10)) WHERE size = 3;"));
    assert_detected(&sb, &db, 2, Some("checkpoint.signature"));
    cases += 1;

    let db = copy(&sb, &pristine, "sql-checkpoint-root");
    sqlite3(&db, &format!("{DROP_TRIGGERS} UPDATE checkpoints SET root = randomblob(32) WHERE size = 5;"));
    assert_detected(&sb, &db, 4, Some("checkpoint.root-column"));
    cases += 1;

    let db = copy(&sb, &pristine, "sql-checkpoint-delete");
    sqlite3(&db, &format!("{DROP_TRIGGERS} DELETE FROM checkpoints WHERE size = 2;"));
    assert_detected(&sb, &db, 1, Some("checkpoint.missing"));
    cases += 1;

    let db = copy(&sb, &pristine, "sql-node");
    sqlite3(&db, "UPDATE nodes SET h = randomblob(32) WHERE level = 1 AND idx = 1;");
    assert_detected(&sb, &db, 3, Some("tree.node-cache"));
    cases += 1;

    // --- the recorded ledger key -------------------------------------------
    let db = copy(&sb, &pristine, "sql-meta-vkey");
    let fake = modelvet::ledger::note::NoteVerifier::new(
        &Ledger::open(&db).unwrap().meta().origin,
        ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]).verifying_key(),
    )
    .unwrap();
    sqlite3(&db, &format!("UPDATE meta SET v = '{}' WHERE k = 'vkey';", fake.to_vkey()));
    let (exit, v) = sb.verify_json(&db, &[]);
    assert_eq!(exit, 1, "{v}");
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["code"] == "ledger.key"), "{v}");
    cases += 1;

    // The pristine file was never touched.
    let (exit, _) = sb.verify_json(&pristine, &["--strict"]);
    assert_eq!(exit, 0);
    eprintln!("{cases} tamperings detected");
}

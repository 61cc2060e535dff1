//! Ledger benchmark (not a test): append N entries (default 10,000) through
//! the same library call `modelvet approve` uses, then verify the whole
//! ledger several times. Run with `cargo bench --bench ledger` (release
//! profile) or `scripts/bench-ledger.sh`; `LEDGER_BENCH_N` changes N.
//! Target: verifying 10,000 entries in under 1 s.

use modelvet::cli::verify::{VerifyFlags, verify_with_flags};
use modelvet::ledger::keys::ReviewerInfo;
use modelvet::ledger::{Decision, KeyStore, Ledger, Scope, VerifyOptions, verify_ledger, view};
use std::path::Path;
use std::time::{Duration, Instant};

fn main() {
    // `cargo bench` passes `--bench`: 10,000 entries; as a test target, a smoke run.
    let full = std::env::args().any(|a| a == "--bench");
    let n: u64 = std::env::var("LEDGER_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(if full { 10_000 } else { 200 });
    let dir = tempfile::tempdir().expect("tempdir");
    let store = KeyStore::new(dir.path().join("config"));
    let reviewer = store
        .init_reviewer(ReviewerInfo { name: Some("Bench".into()), email: None }, false)
        .expect("reviewer");
    let key = store.ledger_key_or_create().expect("ledger key");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let flags = VerifyFlags { key: Some(root.join("fixtures/demo/keys/demo-signer.pub.pem")), ..Default::default() };
    let report = verify_with_flags(&root.join("fixtures/demo/model"), &flags).expect("demo verifies");
    let path = dir.path().join("ledger.sqlite");
    let mut ledger = Ledger::open_or_create(&path, &key).expect("ledger");

    let t = Instant::now();
    for i in 0..n {
        let req = view::request(Decision::Approve, Scope::Security, format!("bench entry {i}"), false);
        view::append_review(&mut ledger, &report, &req, &reviewer, &key).expect("append");
    }
    let append = t.elapsed();
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(dir.path().join("ledger.sqlite-wal")).map(|m| m.len()).unwrap_or(0);
    println!(
        "append: {n} entries in {:.2} s ({:.2} ms/entry, {:.0} entries/s); file {:.1} MB",
        append.as_secs_f64(),
        append.as_secs_f64() * 1000.0 / n as f64,
        n as f64 / append.as_secs_f64(),
        size as f64 / 1e6
    );

    let opts = VerifyOptions {
        trusted_ledger_keys: Vec::new(),
        local_ledger_key: Some(key.verifying_key()),
        trusted_reviewers: store.trusted_reviewers().expect("trust"),
        kept_checkpoint: None,
    };
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..5 {
        let ledger = Ledger::open_read_only(&path).expect("open");
        let t = Instant::now();
        let r = verify_ledger(&ledger, &opts).expect("verify");
        times.push(t.elapsed());
        assert!(r.ok && r.entries == n, "ledger must verify: {:?}", r.findings.first());
    }
    times.sort();
    println!(
        "verify: {n} entries + {n} checkpoints: min {:.3} s, median {:.3} s, max {:.3} s ({} threads)",
        times[0].as_secs_f64(),
        times[times.len() / 2].as_secs_f64(),
        times[times.len() - 1].as_secs_f64(),
        rayon::current_num_threads()
    );
    phases(&path, &ledger);
    let t = Instant::now();
    let v = view::load_view(&ledger, &opts).expect("view");
    println!("view (verify + rows for the pane): {:.3} s, {} entries", t.elapsed().as_secs_f64(), v.entries.len());
}

/// Where verification time goes, one phase at a time (single thread).
fn phases(path: &Path, ledger: &Ledger) {
    use modelvet::ledger::{entry, merkle, note};
    let t = Instant::now();
    let c = rusqlite::Connection::open(path).expect("open");
    let qc: String = c.query_row("PRAGMA quick_check", [], |r| r.get(0)).expect("quick_check");
    let quick = t.elapsed();
    let t = Instant::now();
    let rows = ledger.raw_entries().expect("rows");
    let cps = ledger.raw_checkpoints().expect("checkpoints");
    let read = t.elapsed();
    let t = Instant::now();
    let leaves: Vec<merkle::Hash> = rows.iter().map(|r| merkle::leaf_hash(&r.body)).collect();
    let _roots = merkle::prefix_roots(&leaves);
    let tree = t.elapsed();
    let t = Instant::now();
    let keys = entry::KeyCache::default();
    for r in &rows {
        entry::open_entry(&r.body, &keys).expect("entry");
    }
    let entries = t.elapsed();
    let v = ledger.recorded_verifier().expect("vkey");
    let t = Instant::now();
    for cp in &cps {
        note::Checkpoint::open(&cp.note, &v).expect("checkpoint");
    }
    let checkpoints = t.elapsed();
    let notes: Vec<&str> = cps.iter().map(|cp| cp.note.as_str()).collect();
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    let t = Instant::now();
    let opened = one.install(|| note::open_checkpoints(&notes, &v));
    let batched = t.elapsed();
    assert!(opened.iter().all(Result::is_ok));
    // Raw primitive costs on this machine.
    let pk = modelvet::crypto::PrivateKey::generate_p256();
    let msg = b"modelvet ledger benchmark message";
    let sig = pk.sign(msg);
    let rk = entry::ReviewerKey::from_pem(&pk.public_key().to_pem()).expect("key");
    let t = Instant::now();
    for _ in 0..1000 {
        rk.verify(msg, &sig).expect("verify");
    }
    let awslc = t.elapsed();
    let t = Instant::now();
    for _ in 0..1000 {
        pk.public_key().verify(msg, &sig).expect("verify");
    }
    let rustcrypto = t.elapsed();
    let ed = ed25519_dalek::SigningKey::from_bytes(&[5u8; 32]);
    let edsig = {
        use ed25519_dalek::Signer;
        ed.sign(msg).to_bytes()
    };
    let t = Instant::now();
    for _ in 0..1000 {
        aws_lc_rs::signature::UnparsedPublicKey::new(&aws_lc_rs::signature::ED25519, ed.verifying_key().as_bytes())
            .verify(msg, &edsig)
            .expect("ed");
    }
    let ed_awslc = t.elapsed();
    let t = Instant::now();
    for _ in 0..1000 {
        ed.verifying_key().verify_strict(msg, &ed25519_dalek::Signature::from_bytes(&edsig)).expect("ed");
    }
    let ed_dalek = t.elapsed();
    println!("Ed25519 verify: aws-lc {:.0} us, dalek strict {:.0} us", ed_awslc.as_secs_f64() * 1000.0, ed_dalek.as_secs_f64() * 1000.0);
    println!(
        "ECDSA P-256 verify: aws-lc {:.0} us, p256 crate {:.0} us; Ed25519 checkpoint open {:.0} us",
        awslc.as_secs_f64() * 1000.0,
        rustcrypto.as_secs_f64() * 1000.0,
        checkpoints.as_secs_f64() * 1e6 / cps.len().max(1) as f64
    );
    println!(
        "phases (1 thread): quick_check {:.3} s ({qc}), read rows {:.3} s, leaves+prefix roots {:.3} s, open+verify entries {:.3} s, checkpoints {:.3} s one by one, {:.3} s in Ed25519 batches",
        quick.as_secs_f64(), read.as_secs_f64(), tree.as_secs_f64(), entries.as_secs_f64(), checkpoints.as_secs_f64(), batched.as_secs_f64()
    );
}

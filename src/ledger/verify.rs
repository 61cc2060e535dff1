//! Full verification of a ledger file, trusting nothing stored in it except
//! what is signed and checked against keys kept outside it.
//!
//! In one O(n log n) pass: row indexes run 0..n-1; every leaf hash is
//! recomputed from the stored bytes; the root of every prefix is recomputed
//! and compared with the checkpoint written after that append (whose
//! signature is checked); the node cache is compared with the recomputed
//! tree; every entry's signature, ledger origin, `seen` state and indexed
//! columns are checked; entries by keys outside the trusted-reviewers list
//! are flagged. Optionally a checkpoint kept elsewhere is checked for
//! consistency (detects rollback and rewritten history). Signature checks
//! run in parallel (rayon): they are nearly all of the cost.

use super::entry::{self, OpenedEntry};
use super::keys::TrustedReviewers;
use super::merkle::{self, Hash};
use super::note::{Checkpoint, NoteVerifier};
use super::store::Ledger;
use super::{LedgerError, ReviewClaims};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The ledger is not intact.
    Error,
    /// Intact, but something needs a person's attention (an unknown signer).
    Warning,
}

/// One problem found, naming the entry it concerns when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// The entry (0-based index) the problem is attributed to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<u64>,
    /// Stable identifier, e.g. `entry.signature`, `checkpoint.root`.
    pub code: &'static str,
    pub message: String,
}

/// What to trust while verifying.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Ledger (checkpoint) keys trusted from outside the file.
    pub trusted_ledger_keys: Vec<NoteVerifier>,
    /// Public part of the local ledger key: trusted for any origin.
    pub local_ledger_key: Option<ed25519_dalek::VerifyingKey>,
    pub trusted_reviewers: TrustedReviewers,
    /// A checkpoint note kept outside the ledger.
    pub kept_checkpoint: Option<String>,
}

/// Result of checking a kept checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeptCheckpointResult {
    pub size: u64,
    pub root: String,
    pub consistent: bool,
}

/// Per-entry outcome, for views.
#[derive(Debug, Clone)]
pub struct EntryResult {
    pub index: u64,
    /// Decoded claims, when the entry's signature verified.
    pub claims: Option<ReviewClaims>,
    /// Whether the signer is in the trusted-reviewers list.
    pub trusted: bool,
    /// Error findings about this entry (empty = intact).
    pub problems: Vec<String>,
    /// The row's indexed columns as stored (shown when `claims` is None).
    pub stored_model_digest: String,
    pub stored_decision: String,
    pub stored_signer: String,
    pub stored_created: String,
}

/// The verification result.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// No error findings.
    pub ok: bool,
    pub ledger: String,
    pub origin: String,
    pub ledger_key: String,
    /// Whether the checkpoint key came from outside the file.
    pub ledger_key_trusted: bool,
    pub entries: u64,
    pub checkpoints: u64,
    /// Hex root of the recomputed tree.
    pub root: String,
    /// The lowest-numbered entry with an error finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_bad_entry: Option<u64>,
    pub untrusted_entries: Vec<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept_checkpoint: Option<KeptCheckpointResult>,
    pub findings: Vec<Finding>,
    #[serde(skip)]
    pub entry_results: Vec<EntryResult>,
}

struct Findings(Vec<Finding>);

impl Findings {
    fn err(&mut self, entry: Option<u64>, code: &'static str, message: impl Into<String>) {
        self.0.push(Finding { severity: Severity::Error, entry, code, message: message.into() });
    }
    fn warn(&mut self, entry: Option<u64>, code: &'static str, message: impl Into<String>) {
        self.0.push(Finding { severity: Severity::Warning, entry, code, message: message.into() });
    }
}

/// Verifies everything; see the module doc. `Err` only when the file cannot
/// be read at all; problems in it are findings.
pub fn verify_ledger(ledger: &Ledger, opts: &VerifyOptions) -> Result<VerifyReport, LedgerError> {
    let mut f = Findings(Vec::new());
    let meta = ledger.meta().clone();

    let check: String = ledger.conn().query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if check != "ok" {
        f.err(None, "sqlite.integrity", format!("SQLite integrity check failed: {check}"));
    }

    // The checkpoint key: from the file, judged against keys kept outside it.
    let recorded = NoteVerifier::from_vkey(&meta.vkey);
    let mut key_trusted = false;
    let verifier: Option<NoteVerifier> = match recorded {
        Ok(v) => {
            let local = opts.local_ledger_key.and_then(|k| NoteVerifier::new(&meta.origin, k).ok());
            let trusted: Vec<&NoteVerifier> = opts.trusted_ledger_keys.iter().chain(local.as_ref()).collect();
            if v.name != meta.origin {
                f.err(None, "ledger.key", format!("the recorded ledger key is named '{}', not the origin '{}'", v.name, meta.origin));
            }
            if trusted.iter().any(|t| **t == v) {
                key_trusted = true;
                Some(v)
            } else if let Some(t) = opts.trusted_ledger_keys.iter().find(|t| t.name == meta.origin) {
                f.err(None, "ledger.key", format!(
                    "the ledger file names checkpoint key {}, but the trusted key for {} is {}; checkpoints were re-signed or the key replaced",
                    v.to_vkey(), meta.origin, t.to_vkey()));
                Some(t.clone())
            } else {
                f.warn(None, "ledger.key-untrusted", format!(
                    "checkpoint key {} is taken from the ledger file itself (not your ledger key, not in trusted-ledger-keys): checkpoints prove internal consistency only",
                    v.to_vkey()));
                Some(v)
            }
        }
        Err(e) => {
            f.err(None, "ledger.key", format!("recorded ledger key is unusable: {e}"));
            None
        }
    };

    // Rows and leaves.
    let rows = ledger.raw_entries()?;
    let n = rows.len() as u64;
    let mut expected_idx = 0i64;
    for r in &rows {
        if r.idx != expected_idx {
            if r.idx > expected_idx {
                f.err(Some(expected_idx as u64), "entry.missing", format!(
                    "entry {expected_idx} is missing (the next stored entry is {})", r.idx));
            } else {
                f.err(Some(r.idx.max(0) as u64), "entry.index", format!("entry index {} is out of order", r.idx));
            }
            expected_idx = r.idx;
        }
        expected_idx += 1;
    }
    let leaves: Vec<Hash> = rows.par_iter().map(|r| merkle::leaf_hash(&r.body)).collect();
    for (pos, (r, leaf)) in rows.iter().zip(&leaves).enumerate() {
        if r.leaf_hash.as_slice() != leaf.as_slice() {
            f.err(Some(pos as u64), "entry.leaf-hash", format!(
                "entry {pos}: stored leaf hash does not match the stored entry bytes (row idx {})", r.idx));
        }
    }
    let roots = merkle::prefix_roots(&leaves);
    let root = roots[leaves.len()];

    // The node cache.
    let mut recomputed: HashMap<(i64, i64), Hash> = HashMap::with_capacity(leaves.len() * 2);
    let mut level_hashes: Vec<Hash> = leaves.clone();
    let mut level = 0i64;
    while !level_hashes.is_empty() {
        for (i, h) in level_hashes.iter().enumerate() {
            recomputed.insert((level, i as i64), *h);
        }
        level_hashes = level_hashes.chunks_exact(2).map(|p| merkle::node_hash(&p[0], &p[1])).collect();
        level += 1;
    }
    let mut node_problem_reported = false;
    let mut seen_nodes = 0usize;
    for (lvl, idx, h) in ledger.raw_nodes()? {
        let last_leaf = ((idx + 1) << lvl.clamp(0, 62)) - 1;
        match recomputed.get(&(lvl, idx)) {
            Some(want) if want.as_slice() == h.as_slice() => seen_nodes += 1,
            _ if !node_problem_reported => {
                node_problem_reported = true;
                f.err(Some(last_leaf.max(0) as u64), "tree.node-cache", format!(
                    "stored tree node (level {lvl}, index {idx}) does not match the entries; appends would build on it"));
            }
            _ => {}
        }
    }
    if seen_nodes < recomputed.len() && !node_problem_reported {
        f.err(None, "tree.node-cache", format!("{} stored tree node(s) are missing", recomputed.len() - seen_nodes));
    }

    // Checkpoints: one per append, each signed and equal to the recomputed root.
    let cps = ledger.raw_checkpoints()?;
    let mut by_size: HashMap<i64, usize> = HashMap::with_capacity(cps.len());
    for (i, cp) in cps.iter().enumerate() {
        by_size.insert(cp.size, i);
        if cp.size < 1 || cp.size as u64 > n {
            f.err(Some((cp.size.max(1) - 1) as u64), "checkpoint.extra", format!(
                "a checkpoint for size {} exists but the ledger has {n} entries: entry {} was removed",
                cp.size, cp.size.max(1) - 1));
        }
    }
    for s in 1..=n {
        if !by_size.contains_key(&(s as i64)) {
            f.err(Some(s - 1), "checkpoint.missing", format!("entry {}: the checkpoint written with it (size {s}) is missing", s - 1));
        }
    }
    // Checkpoint signatures and entry signatures: nearly all the cost, so
    // both run at once on the rayon pool.
    let key_cache = entry::KeyCache::default();
    let (cp_findings, opened) = rayon::join(
        || check_checkpoints(&cps, n, &roots, verifier.as_ref()),
        || rows.par_iter().map(|r| entry::open_entry(&r.body, &key_cache)).collect::<Vec<Result<OpenedEntry, entry::EntryError>>>(),
    );
    f.0.extend(cp_findings);

    // Entries: signature, origin, seen-state, columns, trust.
    let mut results = Vec::with_capacity(rows.len());
    let mut untrusted = Vec::new();
    for (pos, (r, o)) in rows.iter().zip(opened).enumerate() {
        let i = pos as u64;
        let mut problems = Vec::new();
        let mut trusted = false;
        let claims = match o {
            Err(e) => {
                problems.push(format!("entry {i}: {e}"));
                f.err(Some(i), "entry.signature", format!("entry {i}: {e}"));
                None
            }
            Ok(o) => {
                let c = o.claims;
                let mut bad = |code: &'static str, msg: String| {
                    problems.push(msg.clone());
                    f.err(Some(i), code, msg);
                };
                if c.ledger != meta.origin {
                    bad("entry.origin", format!("entry {i}: signed for ledger '{}', not this ledger '{}'", c.ledger, meta.origin));
                }
                match c.seen_state() {
                    Ok(seen) if seen.tree_size > i => bad("entry.seen", format!(
                        "entry {i}: says the reviewer saw {} entries, more than came before it", seen.tree_size)),
                    Ok(seen) if roots[seen.tree_size as usize] != seen.root => bad("entry.seen", format!(
                        "entry {i}: the ledger state the reviewer saw (size {}) does not match this ledger's history", seen.tree_size)),
                    Ok(_) => {}
                    Err(e) => bad("entry.seen", format!("entry {i}: {e}")),
                }
                let cols = [
                    ("model_digest", r.model_digest.as_str(), c.model.digest.as_str()),
                    ("decision", r.decision.as_str(), c.decision.word()),
                    ("signer", r.signer.as_str(), c.reviewer.key_fingerprint.as_str()),
                    ("created", r.created.as_str(), c.timestamp.as_str()),
                ];
                for (col, stored, signed) in cols {
                    if stored != signed {
                        bad("entry.column", format!("entry {i}: column {col} ('{stored}') differs from the signed entry ('{signed}')"));
                    }
                }
                trusted = opts.trusted_reviewers.get(&c.reviewer.key_fingerprint).is_some();
                if !trusted {
                    untrusted.push(i);
                    f.warn(Some(i), "entry.untrusted-signer", format!(
                        "entry {i}: signed by reviewer key {} ({}), which is not in the trusted reviewers",
                        c.reviewer.key_fingerprint,
                        c.reviewer.name.clone().unwrap_or_else(|| "no name".into())));
                }
                Some(c)
            }
        };
        results.push(EntryResult {
            index: i,
            claims,
            trusted,
            problems,
            stored_model_digest: r.model_digest.clone(),
            stored_decision: r.decision.clone(),
            stored_signer: r.signer.clone(),
            stored_created: r.created.clone(),
        });
    }

    // A checkpoint kept elsewhere: same history, not rolled back.
    let mut kept_result = None;
    if let Some(note) = &opts.kept_checkpoint {
        match &verifier {
            None => f.err(None, "kept.key", "cannot check the kept checkpoint without a usable ledger key"),
            Some(v) => match Checkpoint::open(note, v) {
                Err(e) => f.err(None, "kept.signature", format!("kept checkpoint does not verify with the ledger key: {e}")),
                Ok(kept) => {
                    let s = kept.body.size;
                    let consistent = if s > n {
                        f.err(None, "kept.rollback", format!(
                            "rollback: the kept checkpoint is for {s} entries but the ledger has only {n}; entries {n}..{} are gone", s - 1));
                        false
                    } else {
                        let proof = merkle::consistency_proof(&leaves, s)?;
                        match merkle::verify_consistency(s, n, &kept.body.root, &root, &proof) {
                            Ok(()) => true,
                            Err(e) => {
                                // Name the first entry whose prefix root diverges from
                                // the kept history, when the kept size pins it down.
                                f.err(if s > 0 { Some(s - 1) } else { None }, "kept.rewritten", format!(
                                    "history rewritten: the ledger's first {s} entries do not match the kept checkpoint ({e})"));
                                false
                            }
                        }
                    };
                    kept_result = Some(KeptCheckpointResult { size: s, root: hex::encode(kept.body.root), consistent });
                }
            },
        }
    }

    let first_bad_entry = f.0.iter().filter(|x| x.severity == Severity::Error).filter_map(|x| x.entry).min();
    let ok = !f.0.iter().any(|x| x.severity == Severity::Error);
    let mut findings = f.0;
    findings.sort_by_key(|x| (x.severity != Severity::Error, x.entry.unwrap_or(u64::MAX)));
    Ok(VerifyReport {
        ok,
        ledger: ledger.path().display().to_string(),
        origin: meta.origin,
        ledger_key: meta.vkey,
        ledger_key_trusted: key_trusted,
        entries: n,
        checkpoints: cps.len() as u64,
        root: hex::encode(root),
        first_bad_entry,
        untrusted_entries: untrusted,
        kept_checkpoint: kept_result,
        findings,
        entry_results: results,
    })
}

/// Signature, size and root of every checkpoint that should exist.
fn check_checkpoints(cps: &[super::store::RawCheckpoint], n: u64, roots: &[Hash], verifier: Option<&NoteVerifier>) -> Vec<Finding> {
    let Some(v) = verifier else { return Vec::new() };
    let in_range: Vec<&super::store::RawCheckpoint> = cps.iter().filter(|cp| cp.size >= 1 && cp.size as u64 <= n).collect();
    let notes: Vec<&str> = in_range.iter().map(|cp| cp.note.as_str()).collect();
    let opened = super::note::open_checkpoints(&notes, v);
    in_range
        .into_iter()
        .zip(opened)
        .filter_map(|(cp, opened)| {
            let s = cp.size as u64;
            let e = Some(s - 1);
            let mk = |code, message: String| Some(Finding { severity: Severity::Error, entry: e, code, message });
            match opened {
                Err(err) => mk("checkpoint.signature", format!("entry {}: checkpoint for size {s} does not verify: {err}", s - 1)),
                Ok(c) if c.body.size != s => mk("checkpoint.size", format!(
                    "entry {}: checkpoint row for size {s} holds a note for size {}", s - 1, c.body.size)),
                Ok(c) if c.body.root != roots[s as usize] => mk("checkpoint.root", format!(
                    "entry {}: the tree after this entry does not match its signed checkpoint (an entry at or before {} was changed, removed, inserted or reordered)",
                    s - 1, s - 1)),
                Ok(c) if cp.root.as_slice() != c.body.root.as_slice() => mk("checkpoint.root-column", format!(
                    "entry {}: the root column of checkpoint {s} differs from its signed note", s - 1)),
                Ok(_) => None,
            }
        })
        .collect()
}

//! Plain data for faces: the TUI Ledger pane and `modelvet ledger log` show
//! the same [`LedgerView`], and record decisions through [`append_review`].
//!
//! A view is built from a full verification (fast enough to redo on every
//! refresh: 10,000 entries well under a second), so every row carries an
//! honest mark. Poll [`Ledger::data_version`] to know when to rebuild.

use super::entry::{self, Decision, ReviewDraft, ReviewRequest, Scope};
use super::keys::{KeyStore, Reviewer};
use super::note::NoteVerifier;
use super::store::{AppendReceipt, Ledger};
use super::verify::{Finding, VerifyOptions, verify_ledger};
use super::LedgerError;
use crate::report::{VerificationReport, Verdict};
use ed25519_dalek::SigningKey;
use serde::Serialize;

/// How far an entry can be relied on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryMark {
    /// Intact and signed by a trusted reviewer.
    Verified,
    /// Intact, but the signer is not in the trusted reviewers.
    Untrusted,
    /// Fails verification (see `problems`).
    Invalid,
}

impl EntryMark {
    /// Glyph + word, so meaning never rests on colour.
    pub fn label(self) -> &'static str {
        match self {
            EntryMark::Verified => "✓ ok",
            EntryMark::Untrusted => "! untrusted",
            EntryMark::Invalid => "✗ INVALID",
        }
    }
}

/// One entry as a face shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryView {
    pub index: u64,
    pub mark: EntryMark,
    /// `approve` / `reject` (from the signed entry, or the stored column when
    /// the entry does not verify).
    pub decision: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    pub note: String,
    /// RFC 3339 time the reviewer signed.
    pub time: String,
    pub model_digest: String,
    pub source: String,
    pub signer_fingerprint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer_email: Option<String>,
    pub signer_trusted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_verdict: Option<Verdict>,
    /// An approval recorded although verification had failed.
    pub overridden: bool,
    pub seen_tree_size: Option<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// The latest checkpoint, for display and export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckpointView {
    pub origin: String,
    pub size: u64,
    /// Hex root.
    pub root: String,
    /// The signed note, byte for byte.
    pub note: String,
}

/// Everything the Ledger pane draws.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerView {
    pub ledger: String,
    pub origin: String,
    pub ok: bool,
    pub ledger_key_trusted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_bad_entry: Option<u64>,
    pub entries: Vec<EntryView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<CheckpointView>,
    pub findings: Vec<Finding>,
}

impl LedgerView {
    /// Entries about one model (`sha256:<hex>`), oldest first.
    pub fn for_model<'a>(&'a self, digest: &'a str) -> impl Iterator<Item = &'a EntryView> + 'a {
        self.entries.iter().filter(move |e| e.model_digest == digest)
    }

    /// The newest intact decision of each scope for a model: what the pane's
    /// summary line shows.
    pub fn latest_decisions<'a>(&'a self, digest: &'a str) -> Vec<&'a EntryView> {
        let mut out: Vec<&EntryView> = Vec::new();
        for e in self.for_model(digest).filter(|e| e.mark != EntryMark::Invalid) {
            out.retain(|x| x.scope != e.scope);
            out.push(e);
        }
        out
    }
}

/// Builds the trust inputs from the key store plus extra vkeys and a kept
/// checkpoint.
pub fn verify_options(store: &KeyStore, extra_vkeys: &[String], kept_checkpoint: Option<String>) -> Result<VerifyOptions, LedgerError> {
    let mut trusted_ledger_keys = store.trusted_ledger_keys()?;
    for v in extra_vkeys {
        trusted_ledger_keys.push(NoteVerifier::from_vkey(v)?);
    }
    Ok(VerifyOptions {
        trusted_ledger_keys,
        local_ledger_key: store.ledger_key()?.map(|k| k.verifying_key()),
        trusted_reviewers: store.trusted_reviewers()?,
        kept_checkpoint,
    })
}

/// Verifies the ledger and returns the view.
pub fn load_view(ledger: &Ledger, opts: &VerifyOptions) -> Result<LedgerView, LedgerError> {
    let report = verify_ledger(ledger, opts)?;
    let entries = report
        .entry_results
        .iter()
        .map(|r| {
            let mark = if !r.problems.is_empty() {
                EntryMark::Invalid
            } else if r.trusted {
                EntryMark::Verified
            } else {
                EntryMark::Untrusted
            };
            match &r.claims {
                Some(c) => EntryView {
                    index: r.index,
                    mark,
                    decision: c.decision.word().to_string(),
                    scope: Some(c.scope),
                    note: c.note.clone(),
                    time: c.timestamp.clone(),
                    model_digest: c.model.digest.clone(),
                    source: c.model.source.clone(),
                    signer_fingerprint: c.reviewer.key_fingerprint.clone(),
                    signer_name: c.reviewer.name.clone(),
                    signer_email: c.reviewer.email.clone(),
                    signer_trusted: r.trusted,
                    report_digest: Some(c.report.digest.clone()),
                    report_verdict: Some(c.report.verdict),
                    overridden: c.overridden,
                    seen_tree_size: Some(c.seen.tree_size),
                    problems: r.problems.clone(),
                },
                None => EntryView {
                    index: r.index,
                    mark,
                    decision: r.stored_decision.clone(),
                    scope: None,
                    note: String::new(),
                    time: r.stored_created.clone(),
                    model_digest: r.stored_model_digest.clone(),
                    source: String::new(),
                    signer_fingerprint: r.stored_signer.clone(),
                    signer_name: None,
                    signer_email: None,
                    signer_trusted: false,
                    report_digest: None,
                    report_verdict: None,
                    overridden: false,
                    seen_tree_size: None,
                    problems: r.problems.clone(),
                },
            }
        })
        .collect();
    let checkpoint = latest_checkpoint(ledger)?;
    Ok(LedgerView {
        ledger: report.ledger,
        origin: report.origin,
        ok: report.ok,
        ledger_key_trusted: report.ledger_key_trusted,
        first_bad_entry: report.first_bad_entry,
        entries,
        checkpoint,
        findings: report.findings,
    })
}

/// The newest stored checkpoint (as stored; `ledger verify` checks it).
pub fn latest_checkpoint(ledger: &Ledger) -> Result<Option<CheckpointView>, LedgerError> {
    Ok(ledger.latest_checkpoint()?.map(|cp| CheckpointView {
        origin: ledger.meta().origin.clone(),
        size: cp.size as u64,
        root: hex::encode(&cp.root),
        note: cp.note,
    }))
}

/// Drafts what the reviewer will sign (for a confirm dialog that shows it
/// exactly), binding the ledger state they see now.
pub fn draft_review(ledger: &Ledger, report: &VerificationReport, req: &ReviewRequest, reviewer: &Reviewer) -> Result<ReviewDraft, LedgerError> {
    Ok(entry::draft_review(
        report,
        req,
        &reviewer.public_key(),
        reviewer.info.name.clone(),
        reviewer.info.email.clone(),
        &ledger.meta().origin,
        ledger.seen_state()?,
        time::OffsetDateTime::now_utc(),
    )?)
}

/// Signs `draft` and appends it.
pub fn append_draft(ledger: &mut Ledger, draft: &ReviewDraft, reviewer: &Reviewer, ledger_key: &SigningKey) -> Result<AppendReceipt, LedgerError> {
    let signed = draft.sign(&reviewer.key)?;
    ledger.append(&signed, ledger_key)
}

/// Drafts, signs and appends a decision about `report` in one call.
pub fn append_review(
    ledger: &mut Ledger,
    report: &VerificationReport,
    req: &ReviewRequest,
    reviewer: &Reviewer,
    ledger_key: &SigningKey,
) -> Result<AppendReceipt, LedgerError> {
    let draft = draft_review(ledger, report, req, reviewer)?;
    append_draft(ledger, &draft, reviewer, ledger_key)
}

/// What a face calls to record a decision: uses (or creates) the ledger key
/// of `store`, appends, and pins the ledger's checkpoint key as trusted.
pub fn record_review(
    store: &KeyStore,
    ledger: &mut Ledger,
    report: &VerificationReport,
    req: &ReviewRequest,
    reviewer: &Reviewer,
) -> Result<AppendReceipt, LedgerError> {
    let key = store.ledger_key_or_create()?;
    let receipt = append_review(ledger, report, req, reviewer, &key)?;
    store.pin_ledger(&ledger.recorded_verifier()?)?;
    Ok(receipt)
}

/// Convenience for faces: approve/reject with defaults.
pub fn request(decision: Decision, scope: Scope, note: impl Into<String>, allow_override: bool) -> ReviewRequest {
    ReviewRequest { decision, scope, note: note.into(), allow_override }
}

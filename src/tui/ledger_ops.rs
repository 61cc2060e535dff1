//! The TUI's bridge to the ledger: load a view, draft and append a review.
//! Plain functions returning display-ready results (errors as text), so the
//! runtime and tests call the same code; the app never touches SQLite.

use crate::ledger::view::{self, LedgerView};
use crate::ledger::{Decision, KeyStore, Ledger, LedgerError, ReviewDraft, Scope};
use crate::report::VerificationReport;
use std::path::{Path, PathBuf};

/// What the Ledger pane knows about the ledger file.
#[derive(Debug, Clone)]
pub enum LedgerState {
    /// Not loaded yet.
    Loading,
    /// No ledger file yet: an empty state, not an error.
    Missing(PathBuf),
    Loaded(Box<LedgerView>),
    /// The ledger (or the key store) could not be read.
    Error(String),
}

/// Whether a reviewer key is there to sign with (asked before the note prompt).
pub fn reviewer_ready() -> Result<(), String> {
    let store = KeyStore::from_env().map_err(|e| e.to_string())?;
    store.load_reviewer(None).map(|_| ()).map_err(|e| format!("no reviewer key: {e}"))
}

/// Loads and verifies the ledger at `path` (read-only; never creates it).
pub fn load(path: &Path) -> LedgerState {
    if !path.exists() {
        return LedgerState::Missing(path.to_path_buf());
    }
    let run = || -> Result<LedgerView, LedgerError> {
        let ledger = Ledger::open_read_only(path)?;
        let store = KeyStore::from_env()?;
        let opts = view::verify_options(&store, &[], None)?;
        view::load_view(&ledger, &opts)
    };
    match run() {
        Ok(v) => LedgerState::Loaded(Box::new(v)),
        Err(LedgerError::Missing { path }) => LedgerState::Missing(path),
        Err(e) => LedgerState::Error(e.to_string()),
    }
}

/// [`load`] for an optional path (no path: the data directory is unknown).
pub fn load_for(path: Option<&Path>) -> LedgerState {
    match path {
        Some(p) => load(p),
        None => LedgerState::Error("no ledger path (no data directory): pass --ledger PATH".into()),
    }
}

/// Drafts the statement the reviewer will sign, binding the ledger state
/// seen now. A missing ledger is created first (empty), because the
/// statement names the ledger's origin and state.
pub fn draft(path: &Path, report: &VerificationReport, decision: Decision, note: &str, scope: Scope) -> Result<ReviewDraft, String> {
    let store = KeyStore::from_env().map_err(|e| e.to_string())?;
    let reviewer = store.load_reviewer(None).map_err(|e| format!("no reviewer key: {e}"))?;
    let ledger = if path.exists() {
        Ledger::open(path)
    } else {
        let key = store.ledger_key_or_create().map_err(|e| e.to_string())?;
        Ledger::open_or_create(path, &key)
    }
    .map_err(|e| e.to_string())?;
    let req = view::request(decision, scope, note, false);
    view::draft_review(&ledger, report, &req, &reviewer).map_err(|e| e.to_string())
}

/// Signs and appends a confirmed draft; returns the new entry's index.
pub fn append(path: &Path, draft: &ReviewDraft) -> Result<u64, String> {
    let run = || -> Result<u64, LedgerError> {
        let store = KeyStore::from_env()?;
        let reviewer = store.load_reviewer(None)?;
        let key = store.ledger_key_or_create()?;
        let mut ledger = Ledger::open(path)?;
        let receipt = view::append_draft(&mut ledger, draft, &reviewer, &key)?;
        store.pin_ledger(&ledger.recorded_verifier()?)?;
        Ok(receipt.index)
    };
    run().map_err(|e| e.to_string())
}

/// Writes the evidence bundle for the verified model, signed with the
/// reviewer key (as `modelvet export`); returns a one-line summary.
pub fn export_evidence(
    report: Option<&VerificationReport>,
    options: &crate::oms::VerifyOptions,
    ledger: Option<&Path>,
    out: &Path,
) -> Result<String, String> {
    let report = report.ok_or("no report yet")?;
    let store = KeyStore::from_env().map_err(|e| e.to_string())?;
    let reviewer = store.load_reviewer(None).map_err(|e| format!("no reviewer key to sign the summary: {e}"))?;
    let req = crate::evidence::assemble::ModelExport { report, options, ledger, time: None, default_to_now: true, exporter: &reviewer.key };
    let done = crate::evidence::assemble::export_model(&req, out).map_err(|e| e.to_string())?;
    Ok(format!(
        "wrote {} ({} members, {} ledger entries; summary {})",
        out.display(),
        done.exported.members.len(),
        done.entries,
        if done.exported.passed { "PASSED" } else { "FAILED" }
    ))
}

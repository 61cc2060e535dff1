//! The signed evidence ledger: who approved or rejected which exact model,
//! when, having seen which verification report and which ledger state.
//!
//! Layout of the engine (no UI code here; the CLI and the TUI Ledger pane
//! both use [`view`] and [`store::Ledger`]):
//! - [`paths`]: where keys and the default ledger live (env overrides, 0600 files).
//! - [`keys`]: the reviewer's ECDSA key, trusted reviewers, the Ed25519 ledger key.
//! - [`entry`]: the signed review statement (in-toto in DSSE in a Sigstore bundle).
//! - [`merkle`]: RFC 6962 tree hashing and proofs.
//! - [`note`]: C2SP signed notes and checkpoints.
//! - [`store`]: the SQLite file, append-only with a checkpoint per append.
//! - [`verify`]: full re-verification of a ledger file.
//! - [`view`]: plain data for the TUI pane and `ledger log`.
//!
//! Security model, honestly stated: every stored entry is signed by a
//! reviewer and every append is followed by a checkpoint signed by the ledger
//! key, so any edit, deletion, swap or insertion by someone without those
//! keys is detected. Someone holding the ledger key *and* the file can
//! rewrite history consistently; only a checkpoint kept elsewhere
//! (`ledger checkpoint` → `ledger verify --checkpoint FILE`) detects that.

pub mod entry;
pub mod keys;
pub mod merkle;
pub mod note;
pub mod paths;
pub mod proof;
pub mod store;
pub mod verify;
pub mod view;

pub use entry::{Decision, ReviewClaims, ReviewDraft, ReviewRequest, Scope, SeenState, SignedEntry};
pub use keys::{KeyStore, Reviewer, TrustedReviewer, TrustedReviewers};
pub use store::{AppendReceipt, Ledger};
pub use verify::{Finding, Severity, VerifyOptions, VerifyReport, verify_ledger};
pub use view::{EntryMark, EntryView, LedgerView, append_review, load_view};

use std::path::PathBuf;

/// Every way a ledger operation can fail (not the findings of a
/// verification, which are data: see [`verify::Finding`]).
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("cannot determine the {0} directory; set {1}")]
    NoDir(&'static str, &'static str),
    #[error("{path}: not a modelvet ledger: {reason} (nothing was written)")]
    NotALedger { path: PathBuf, reason: String },
    #[error("{path}: no ledger here (it is created by the first `modelvet approve` or `reject`)")]
    Missing { path: PathBuf },
    #[error("ledger database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("no reviewer key at {0}; create one with `modelvet reviewer init --name NAME --email EMAIL` or `modelvet reviewer import KEY.pem`")]
    NoReviewerKey(PathBuf),
    #[error("{0} already exists; pass --force to replace it")]
    Exists(PathBuf),
    #[error("{path}: {reason}")]
    BadKeyFile { path: PathBuf, reason: String },
    #[error("{path}: {reason}")]
    BadConfig { path: PathBuf, reason: String },
    #[error(transparent)]
    Entry(#[from] entry::EntryError),
    #[error(transparent)]
    Note(#[from] note::NoteError),
    #[error(transparent)]
    Proof(#[from] merkle::ProofError),
    #[error("this ledger's checkpoints are signed by ledger key {ledger}, but your ledger key is {ours}; appending needs the ledger's own key")]
    ForeignLedgerKey { ledger: String, ours: String },
    #[error("ledger is inconsistent: {0}; run `modelvet ledger verify`")]
    Inconsistent(String),
    #[error("entry {index} does not exist (the ledger has {size} entries)")]
    NoSuchEntry { index: u64, size: u64 },
}

impl LedgerError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        LedgerError::Io { path: path.into(), source }
    }

    /// Whether the error is about the user's input (a bad path or file, a
    /// missing key) rather than something internal.
    pub fn is_usage(&self) -> bool {
        !matches!(self, LedgerError::Sqlite(_) | LedgerError::Inconsistent(_))
    }
}

//! Side effects the state asks for; the runtime performs them. Keeping them
//! out of `update` lets tests run key sequences without a terminal or threads.

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Start (or restart) the verification job for the current generation.
    StartVerify,
    /// Stop the running job.
    CancelJob,
    /// Write the evidence bundle for the verified model to `out`, signed
    /// with the reviewer key (confirmed by the reviewer first).
    ExportEvidence { out: PathBuf },
    /// Load (verify) the ledger at the app's ledger path.
    LoadLedger,
    /// Sign `draft` with the reviewer key and append it to the ledger at
    /// `path` (confirmed by the reviewer first), then reload the ledger.
    AppendReview { path: PathBuf, draft: Box<crate::ledger::ReviewDraft> },
    /// Restore the terminal and stop the process (Ctrl-Z).
    Suspend,
    Quit,
}

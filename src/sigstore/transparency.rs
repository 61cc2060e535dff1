//! What the Transparency pane draws: every log entry with its inclusion
//! proof (audit path with sides), checkpoint (text, origin, signers), SET and
//! the RFC 3161 timestamps, each with its own pass/fail and reason. Stored as
//! JSON in `VerificationReport::transparency`; fields are only ever added.

use super::merkle::PathStep;
use super::trust::TrustRootInfo;
use crate::report::CheckStatus;
use serde::{Deserialize, Serialize};

/// Schema tag of this structure.
pub const TRANSPARENCY_SCHEMA: &str = "https://modelvet.dev/transparency/v1";

/// A check result inside the pane data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub status: CheckStatus,
    pub reason: String,
}

impl Outcome {
    pub fn pass(reason: impl Into<String>) -> Self {
        Outcome { status: CheckStatus::Pass, reason: reason.into() }
    }
    pub fn fail(reason: impl Into<String>) -> Self {
        Outcome { status: CheckStatus::Fail, reason: reason.into() }
    }
    pub fn skip(reason: impl Into<String>) -> Self {
        Outcome { status: CheckStatus::Skip, reason: reason.into() }
    }
    pub fn passed(&self) -> bool {
        self.status == CheckStatus::Pass
    }
    pub fn failed(&self) -> bool {
        self.status == CheckStatus::Fail
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransparencyInfo {
    pub schema: String,
    pub trust_root: TrustRootInfo,
    pub entries: Vec<LogEntryInfo>,
    pub rfc3161_timestamps: Vec<TimestampInfo>,
    /// Every verified signing time (RFC 3339): SET-backed integrated times
    /// and verified RFC 3161 times.
    pub verified_times: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntryInfo {
    /// Log ID as in the bundle (base64) and as hex.
    pub log_id: String,
    pub log_id_hex: String,
    /// The log's URL from the trust root, when the log is trusted.
    pub log_url: Option<String>,
    pub log_trusted: bool,
    pub kind: String,
    pub version: String,
    /// `v1` (SET, integrated time) or `v2` (checkpoint + RFC 3161 only).
    pub rekor: String,
    pub log_index: u64,
    pub integrated_time: Option<String>,
    /// SHA-256 leaf hash of the canonicalized body (hex).
    pub leaf_hash: String,
    /// Whether the logged body describes this bundle.
    pub body: Outcome,
    pub inclusion: Option<InclusionInfo>,
    pub set: Option<SetInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionInfo {
    pub leaf_index: u64,
    pub tree_size: u64,
    pub root_hash: String,
    /// Bottom-up: each sibling hash, its side, and the node computed.
    pub audit_path: Vec<PathStep>,
    pub outcome: Outcome,
    pub checkpoint: CheckpointInfo,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointInfo {
    /// The signed note exactly as in the bundle.
    pub text: String,
    pub origin: Option<String>,
    pub tree_size: Option<u64>,
    pub root_hash: Option<String>,
    pub signatures: Vec<NoteSignerInfo>,
    /// Who signed it (the log's URL), once a log signature verified.
    pub signed_by: Option<String>,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteSignerInfo {
    pub name: String,
    pub key_hint: String,
    /// `log` when the hint names a trusted log; `witness` otherwise (ignored).
    pub role: String,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetInfo {
    /// The signed entry timestamp (base64).
    pub signature: String,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimestampInfo {
    pub index: usize,
    /// The signed time (RFC 3339), when a trusted TSA vouched for it.
    pub time: Option<String>,
    pub outcome: Outcome,
}

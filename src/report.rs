//! The verification report: one serde type that the CLI prints, the TUI
//! draws, the ledger binds by digest and the evidence bundle carries. Its JSON
//! form is stable (`schema` names the version); fields are only ever added.

use crate::crypto::x509::CertInfo;
use serde::{Deserialize, Serialize};

pub const REPORT_SCHEMA: &str = "https://modelvet.dev/verification-report/v1";

/// The overall answer. Only `Verified` is a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every check the format requires passed against a pinned signer.
    Verified,
    /// At least one check failed.
    Failed,
    /// Nothing failed, but the signer was not pinned (no key, anchor or
    /// identity given), so the signature proves nothing about who signed.
    Unpinned,
    /// No signature was found.
    Unsigned,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Verified => "VERIFIED",
            Verdict::Failed => "FAILED",
            Verdict::Unpinned => "UNPINNED",
            Verdict::Unsigned => "UNSIGNED",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckStatus {
    Pass,
    Fail,
    /// Passed, with something the reviewer should know.
    Warn,
    /// Not performed (and so not a pass), with the reason in `detail`.
    Skip,
}

/// One named check with its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// Stable identifier, e.g. `bundle.media-type`, `signature.ecdsa`.
    pub id: String,
    pub status: CheckStatus,
    /// What happened, in one sentence that names the file or field.
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum FileStatus {
    /// Hash matches the signed manifest.
    Verified,
    /// Present and signed, but the hash differs.
    Modified,
    /// Signed but not found locally.
    Missing,
    /// Present locally but not in the signed manifest.
    UnsignedExtra,
    /// Excluded by an ignore rule (signed or ours).
    Ignored,
    /// Not hashed yet (only seen while hashing runs).
    Pending,
    /// Could not be read or hashed.
    Error,
}

impl FileStatus {
    pub fn word(self) -> &'static str {
        match self {
            FileStatus::Verified => "verified",
            FileStatus::Modified => "modified",
            FileStatus::Missing => "missing",
            FileStatus::UnsignedExtra => "unsigned",
            FileStatus::Ignored => "ignored",
            FileStatus::Pending => "pending",
            FileStatus::Error => "error",
        }
    }

    /// Whether this status on its own fails verification.
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            FileStatus::Modified | FileStatus::Missing | FileStatus::UnsignedExtra | FileStatus::Error
        )
    }
}

/// One shard of a file signed with the `shards` method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardEntry {
    pub start: u64,
    pub end: u64,
    pub status: FileStatus,
    pub expected: Option<String>,
    pub actual: Option<String>,
}

/// One file of the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Model-relative POSIX path (`.` for a single-file model).
    pub path: String,
    pub status: FileStatus,
    pub size: Option<u64>,
    /// The algorithm string as signed (e.g. `sha256`, `sha256-sharded-512`).
    pub algorithm: Option<String>,
    pub expected: Option<String>,
    pub actual: Option<String>,
    /// Why the status is what it is, when it is not `verified`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Per-shard results for the `shards` method.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shards: Vec<ShardEntry>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCounts {
    pub verified: usize,
    pub modified: usize,
    pub missing: usize,
    pub unsigned_extra: usize,
    pub ignored: usize,
    pub error: usize,
    pub pending: usize,
    pub total_bytes: u64,
}

impl FileCounts {
    pub fn from_files(files: &[FileEntry]) -> Self {
        let mut c = FileCounts::default();
        for f in files {
            match f.status {
                FileStatus::Verified => c.verified += 1,
                FileStatus::Modified => c.modified += 1,
                FileStatus::Missing => c.missing += 1,
                FileStatus::UnsignedExtra => c.unsigned_extra += 1,
                FileStatus::Ignored => c.ignored += 1,
                FileStatus::Error => c.error += 1,
                FileStatus::Pending => c.pending += 1,
            }
            if f.status != FileStatus::Ignored {
                c.total_bytes += f.size.unwrap_or(0);
            }
        }
        c
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SigningMethod {
    Key,
    Certificate,
    Sigstore,
    Unknown,
}

/// Who signed, as far as the bundle and the checks tell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignerInfo {
    pub method: SigningMethod,
    /// Whether the signer was pinned by the user (key, anchors or identity).
    pub pinned: bool,
    /// Algorithm of the signing key, e.g. `ECDSA P-256 SHA-256`.
    pub algorithm: Option<String>,
    /// `SHA256:` fingerprint of the signing key's SPKI.
    pub key_fingerprint: Option<String>,
    /// The OMS `publicKey.hint` as found in the bundle.
    pub key_hint: Option<String>,
    /// Certificates as found in the bundle, leaf first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<CertInfo>,
    /// The chain path that was built to a trusted anchor, leaf first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<CertInfo>,
    /// Identity (SAN) and OIDC issuer, for keyless signatures.
    pub identity: Option<String>,
    pub issuer: Option<String>,
}

/// The signed manifest as read from the statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestInfo {
    pub predicate_type: String,
    /// `v1.0` or `v0.2-digests` (model-signing 0.2.0's per-file subjects).
    pub format: String,
    pub model_name: String,
    /// `subject[0].digest.sha256` as signed (v1.0 only).
    pub subject_digest: Option<String>,
    /// The model's root digest recomputed from the local files, `sha256:<hex>`
    /// over the canonical item order. This is the model identity the ledger
    /// and evidence bundles bind.
    pub root_digest: Option<String>,
    pub method: String,
    pub hash_type: String,
    pub shard_size: Option<u64>,
    pub allow_symlinks: bool,
    /// Paths the signer excluded (signed `ignore_paths`).
    pub signed_ignore_paths: Vec<String>,
    pub resource_count: usize,
}

/// Tool and input description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// What the user typed (path or reference).
    pub reference: String,
    /// `directory` or `file` (registry kinds later).
    pub kind: String,
    /// The signature file that was read, if any.
    pub signature: Option<String>,
}

/// The whole answer for one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerificationReport {
    pub schema: String,
    pub tool: String,
    pub source: SourceInfo,
    pub verdict: Verdict,
    /// One line per reason the verdict is not `verified` (empty when it is).
    pub reasons: Vec<String>,
    pub checks: Vec<Check>,
    pub signer: Option<SignerInfo>,
    pub manifest: Option<ManifestInfo>,
    /// The model identity: `sha256:<hex>` over every hashed item's digest in
    /// canonical order (equal to the OMS subject digest of an intact model),
    /// computed from the local files whether or not a signature exists.
    pub model_digest: Option<String>,
    pub files: Vec<FileEntry>,
    pub counts: FileCounts,
    pub warnings: Vec<String>,
    /// Sigstore transparency-log details, when the signature has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transparency: Option<serde_json::Value>,
}

impl VerificationReport {
    pub fn new(source: SourceInfo) -> Self {
        VerificationReport {
            schema: REPORT_SCHEMA.to_string(),
            tool: format!("modelvet {}", env!("CARGO_PKG_VERSION")),
            source,
            verdict: Verdict::Failed,
            reasons: Vec::new(),
            checks: Vec::new(),
            signer: None,
            manifest: None,
            model_digest: None,
            files: Vec::new(),
            counts: FileCounts::default(),
            warnings: Vec::new(),
            transparency: None,
        }
    }

    pub fn check(&mut self, id: &str, status: CheckStatus, detail: impl Into<String>) {
        self.checks.push(Check { id: id.to_string(), status, detail: detail.into() });
    }

    pub fn pass(&mut self, id: &str, detail: impl Into<String>) {
        self.check(id, CheckStatus::Pass, detail);
    }

    pub fn fail(&mut self, id: &str, detail: impl Into<String>) {
        self.check(id, CheckStatus::Fail, detail);
    }

    pub fn has_failures(&self) -> bool {
        self.checks.iter().any(|c| c.status == CheckStatus::Fail)
    }

    /// Recomputes counts, reasons and the verdict from checks and files.
    /// Fail closed: anything short of a full pass is not `Verified`.
    pub fn finalize(&mut self, signed: bool, pinned: bool) {
        self.counts = FileCounts::from_files(&self.files);
        let mut reasons: Vec<String> = self
            .checks
            .iter()
            .filter(|c| c.status == CheckStatus::Fail)
            .map(|c| format!("{}: {}", c.id, c.detail))
            .collect();
        for f in &self.files {
            if f.status.is_problem() || f.status == FileStatus::Pending {
                let why = f.detail.clone().unwrap_or_else(|| match f.status {
                    FileStatus::Modified => "hash differs from the signed manifest".into(),
                    FileStatus::Missing => "signed but not found".into(),
                    FileStatus::UnsignedExtra => "present but not covered by the signature".into(),
                    FileStatus::Pending => "not hashed".into(),
                    _ => "could not be hashed".into(),
                });
                reasons.push(format!("{} {}: {}", f.status.word(), f.path, why));
            }
        }
        let verified_checks = self.checks.iter().any(|c| c.status == CheckStatus::Pass);
        self.verdict = if !signed {
            reasons.insert(0, "no signature found".into());
            Verdict::Unsigned
        } else if !reasons.is_empty() || !verified_checks {
            Verdict::Failed
        } else if !pinned {
            reasons.push("signer not pinned: pass --key, --cert-chain or --identity/--issuer".into());
            Verdict::Unpinned
        } else {
            Verdict::Verified
        };
        self.reasons = reasons;
    }

    /// SHA-256 of the canonical JSON of this report, `sha256:<hex>`: what a
    /// reviewer "saw", bound into ledger entries.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
    }
}

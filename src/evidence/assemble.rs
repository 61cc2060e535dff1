//! Gathers everything an evidence bundle holds around one verified model
//! (documents, signature, metadata findings, ledger entries with proofs,
//! the trust material the verification used) and writes the archive. One
//! function for both faces: `modelvet export` and the TUI's `e`.

use super::export::{ExportError, ExportInputs, Exported, LedgerPart, export_to};
use crate::crypto::PrivateKey;
use crate::ledger::LedgerError;
use crate::oms::{Trust, VerifyOptions};
use crate::report::VerificationReport;
use crate::sigstore::trust::TrustRootChoice;
use std::path::{Path, PathBuf};

/// What to export.
pub struct ModelExport<'a> {
    pub report: &'a VerificationReport,
    /// The options the report was made with (for the trust material).
    pub options: &'a VerifyOptions,
    /// The ledger to take this model's entries from; a missing file means
    /// no entries (said in [`Assembled::notes`]), never an error.
    pub ledger: Option<&'a Path>,
    /// `timeVerified` (RFC 3339); default: the newest ledger entry.
    pub time: Option<String>,
    /// With no `time` and no ledger entry for the model, record the current
    /// time (the TUI) instead of refusing (the CLI, whose output must be
    /// reproducible from its inputs).
    pub default_to_now: bool,
    pub exporter: &'a PrivateKey,
}

/// A written bundle.
#[derive(Debug)]
pub struct Assembled {
    pub exported: Exported,
    /// Ledger entries (approvals and rejections) included.
    pub entries: usize,
    /// Things the exporter should know (no ledger, …).
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AssembleError {
    #[error("ledger: {0}")]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error("trust material: {0}")]
    Trust(String),
}

impl AssembleError {
    /// Bad input (as opposed to an I/O or internal failure).
    pub fn is_usage(&self) -> bool {
        match self {
            AssembleError::Ledger(e) => e.is_usage(),
            AssembleError::Export(ExportError::Write { .. }) => false,
            _ => true,
        }
    }
}

/// The model root: the directory, or the folder holding a single file.
pub fn model_root(model: &Path) -> PathBuf {
    if model.is_dir() { model.to_path_buf() } else { model.parent().map(Path::to_path_buf).unwrap_or_default() }
}

/// The trust material the verification used, as bundle members under
/// `trust/`: the pinned signer key, the certificate anchors, or the
/// Sigstore trusted root (embedded or `--trusted-root`), so an auditor
/// re-checks the model signature with exactly what we trusted.
pub fn trust_files(options: &VerifyOptions) -> Result<Vec<(String, Vec<u8>)>, AssembleError> {
    Ok(match &options.trust {
        Trust::Unpinned => Vec::new(),
        Trust::Key(k) => vec![("keys/model-signer.pub.pem".into(), k.to_pem().into_bytes())],
        Trust::Anchors(certs) => certs
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("anchors/anchor-{i}.pem"), crate::crypto::keys::pem_encode("CERTIFICATE", &c.der).into_bytes()))
            .collect(),
        Trust::Sigstore(_) => {
            let choice = TrustRootChoice::from_flags(options.trusted_root.as_deref(), options.sigstore_staging);
            let bytes = crate::sigstore::trust::json_bytes(&choice).map_err(|e| AssembleError::Trust(e.to_string()))?;
            vec![("sigstore/trusted_root.json".into(), bytes)]
        }
    })
}

/// Collects and writes the bundle to `out` (atomically).
pub fn export_model(req: &ModelExport<'_>, out: &Path) -> Result<Assembled, AssembleError> {
    let report = req.report;
    let digest = report.model_digest.clone().ok_or(ExportError::NoModelDigest)?;
    let mut notes = Vec::new();
    let ledger = match req.ledger {
        Some(p) if p.exists() => super::ledger_part::collect(p, &digest)?,
        Some(p) => {
            notes.push(format!("no ledger at {}: the bundle holds no reviewer decisions", p.display()));
            LedgerPart::default()
        }
        None => {
            notes.push("no ledger: the bundle holds no reviewer decisions".into());
            LedgerPart::default()
        }
    };
    let root = model_root(&req.options.model);
    // As `modelvet export` always has: documents are named relative to the root.
    let meta = crate::meta::analyze(&root, report, &crate::meta::Policy::default());
    // Metadata documents as found, except weights (a safetensors or GGUF
    // header is read for metadata, but the file is model data).
    let documents: Vec<(String, Vec<u8>)> = meta
        .documents
        .iter()
        .filter(|d| crate::hashing::walk::normalize_relative(&d.path).is_some_and(|p| p == d.path))
        .filter(|d| !d.path.ends_with(".safetensors") && !d.path.ends_with(".gguf"))
        .filter_map(|d| std::fs::read(root.join(&d.path)).ok().map(|b| (d.path.clone(), b)))
        .collect();
    let signatures: Vec<(String, Vec<u8>)> = report
        .source
        .signature
        .as_ref()
        .and_then(|p| std::fs::read(p).ok())
        .map(|b| vec![("model.sig".to_string(), b)])
        .unwrap_or_default();
    let time = req.time.clone().or_else(|| {
        (req.default_to_now && ledger.newest_time.is_none()).then(|| {
            let now = time::OffsetDateTime::now_utc();
            now.replace_nanosecond(0).unwrap_or(now).format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
        })
    });
    let inputs = ExportInputs {
        report,
        model_root: &root,
        signatures,
        documents,
        metadata_report: serde_json::to_vec_pretty(&meta).ok(),
        verification_markdown: crate::meta::render::markdown(report, &meta),
        ledger,
        trust_files: trust_files(req.options)?,
        time,
        exporter: req.exporter,
    };
    let exported = export_to(&inputs, out)?;
    Ok(Assembled { exported, entries: inputs.ledger.approvals.len(), notes })
}

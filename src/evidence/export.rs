//! Building an evidence bundle: collect the members (model identity,
//! signatures, metadata documents, reports, approvals with proofs, trust
//! material), sign the summary and the checksums, pack deterministically.

use super::archive::{Members, write_tar_gz};
use super::sums::{self, SUMS_NAME, SUMS_SIG_NAME};
use super::vsa::{self, Input, Summary};
use crate::crypto::PrivateKey;
use crate::dsse::{Envelope, key_bundle_json, message_bundle_json};
use crate::report::{FileStatus, VerificationReport, Verdict};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::path::Path;

/// The ledger's contribution: approvals for this model with their proofs.
#[derive(Debug, Clone, Default)]
pub struct LedgerPart {
    /// (leaf index, exact stored entry bytes, proof JSON).
    pub approvals: Vec<(u64, Vec<u8>, Vec<u8>)>,
    /// The signed checkpoint every proof leads to.
    pub checkpoint: Option<String>,
    /// The ledger's note verifier key.
    pub vkey: Option<String>,
    /// Reviewer public keys (file stem, PEM).
    pub reviewer_keys: Vec<(String, String)>,
    /// Time of the newest included entry (RFC 3339), for a deterministic summary.
    pub newest_time: Option<String>,
    /// Whether any included entry is an approval.
    pub approved: bool,
}

/// Inputs of an export.
pub struct ExportInputs<'a> {
    pub report: &'a VerificationReport,
    pub model_root: &'a Path,
    /// Signature files as found (name in the bundle, bytes).
    pub signatures: Vec<(String, Vec<u8>)>,
    /// Metadata documents found in the model (model-relative path, bytes).
    pub documents: Vec<(String, Vec<u8>)>,
    /// License and lineage findings (JSON), when available.
    pub metadata_report: Option<Vec<u8>>,
    pub verification_markdown: String,
    pub ledger: LedgerPart,
    /// Extra trust material (bundle path, bytes), e.g. a Sigstore trusted root.
    pub trust_files: Vec<(String, Vec<u8>)>,
    /// Time to record as `timeVerified` (RFC 3339); defaults to the newest
    /// ledger entry, so the same inputs give the same bytes.
    pub time: Option<String>,
    pub exporter: &'a PrivateKey,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the model has no digest (some files could not be hashed); nothing to export")]
    NoModelDigest,
    #[error("no time to record: pass --time (there are no ledger entries for this model)")]
    NoTime,
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: std::io::Error },
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// The folder name inside the archive.
pub fn folder_name(report: &VerificationReport) -> String {
    let d = report.model_digest.as_deref().unwrap_or("sha256:unknown").trim_start_matches("sha256:");
    format!("evidence-{}", &d[..d.len().min(16)])
}

/// A built bundle.
#[derive(Debug, Clone)]
pub struct Exported {
    /// The folder name inside the archive.
    pub folder: String,
    pub members: Members,
    /// The summary's verdict: verified signature and at least one approval.
    pub passed: bool,
}

/// Builds every member, signed. Pure: no file-system writes.
pub fn build(inputs: &ExportInputs<'_>) -> Result<Exported, ExportError> {
    let report = inputs.report;
    let model_digest = report.model_digest.clone().ok_or(ExportError::NoModelDigest)?;
    let time = inputs
        .time
        .clone()
        .or_else(|| inputs.ledger.newest_time.clone())
        .ok_or(ExportError::NoTime)?;
    let mut m = Members::new();
    m.insert("README.txt".into(), include_bytes!("readme.txt").to_vec());
    m.insert("model/reference.txt".into(), format!("{}\n", report.source.reference).into_bytes());
    let inventory: Vec<_> = report
        .files
        .iter()
        .map(|f| {
            json!({
                "path": f.path, "size": f.size, "status": f.status, "algorithm": f.algorithm,
                "signed_digest": f.expected, "actual_digest": f.actual,
            })
        })
        .collect();
    m.insert(
        "model/inventory.json".into(),
        serde_json::to_vec_pretty(&json!({ "model_digest": model_digest, "files": inventory })).unwrap_or_default(),
    );
    for (name, bytes) in &inputs.signatures {
        m.insert(format!("signatures/{name}"), bytes.clone());
    }
    for (rel, bytes) in &inputs.documents {
        m.insert(format!("metadata/{rel}"), bytes.clone());
    }
    m.insert("reports/verification.json".into(), serde_json::to_vec_pretty(report).unwrap_or_default());
    m.insert("reports/verification.md".into(), inputs.verification_markdown.clone().into_bytes());
    if let Some(meta) = &inputs.metadata_report {
        m.insert("reports/metadata.json".into(), meta.clone());
    }
    for (index, bytes, proof) in &inputs.ledger.approvals {
        m.insert(format!("approvals/{index:06}.sigstore.json"), bytes.clone());
        m.insert(format!("ledger/proofs/{index:06}.json"), proof.clone());
    }
    if let Some(cp) = &inputs.ledger.checkpoint {
        m.insert("ledger/checkpoint.txt".into(), cp.clone().into_bytes());
    }
    if let Some(vkey) = &inputs.ledger.vkey {
        m.insert("trust/ledger.vkey".into(), format!("{}\n", vkey.trim()).into_bytes());
    }
    for (stem, pem) in &inputs.ledger.reviewer_keys {
        m.insert(format!("trust/keys/{stem}.pub.pem"), pem.clone().into_bytes());
    }
    m.insert("trust/keys/exporter.pub.pem".into(), inputs.exporter.public_key().to_pem().into_bytes());
    for (name, bytes) in &inputs.trust_files {
        m.insert(format!("trust/{name}"), bytes.clone());
    }
    // The policy the summary refers to: what "passed" means for this tool.
    let policy = serde_json::to_vec_pretty(&json!({
        "policy": "https://modelvet.dev/policy/model-approval/v1",
        "requires": [
            "the model's signature verifies against a pinned signer and every file matches the signed manifest",
            "at least one reviewer approval for this model digest, included in the ledger checkpoint",
        ],
    }))
    .unwrap_or_default();
    m.insert("trust/policy.json".into(), policy.clone());

    // The summary attestation over everything gathered so far.
    let approved = inputs.ledger.approved;
    let signed_ok = report.verdict == Verdict::Verified;
    let mut levels = Vec::new();
    if signed_ok {
        levels.push(vsa::LEVEL_SIGNED.to_string());
    }
    if approved {
        levels.push(vsa::LEVEL_APPROVED.to_string());
    }
    let inputs_list: Vec<Input> = m
        .iter()
        .filter(|(k, _)| k.starts_with("signatures/") || k.starts_with("reports/") || k.starts_with("approvals/") || k.starts_with("metadata/"))
        .map(|(k, v)| Input { uri: k.clone(), sha256: sha256_hex(v) })
        .collect();
    let summary = Summary {
        resource_uri: report.source.reference.clone(),
        model_digest: model_digest.clone(),
        model_name: report.manifest.as_ref().map(|x| x.model_name.clone()).unwrap_or_else(|| "model".into()),
        time_verified: time,
        policy_uri: "trust/policy.json".into(),
        policy_sha256: sha256_hex(&policy),
        passed: signed_ok && approved,
        levels,
        inputs: inputs_list,
    };
    let envelope = Envelope::sign_intoto(vsa::statement(&summary), inputs.exporter);
    m.insert(
        "attestations/vsa.sigstore.json".into(),
        key_bundle_json(&envelope, &inputs.exporter.public_key().hint()).into_bytes(),
    );
    // The index.
    let index = json!({
        "schema": "https://modelvet.dev/evidence-bundle/v1",
        "model": { "reference": report.source.reference, "digest": model_digest, "verdict": report.verdict },
        "files_ok": report.files.iter().filter(|f| f.status == FileStatus::Verified).count(),
        "members": m.iter().map(|(k, v)| json!({"path": k, "sha256": sha256_hex(v), "role": role(k)})).collect::<Vec<_>>(),
    });
    m.insert("bundle.json".into(), serde_json::to_vec_pretty(&index).unwrap_or_default());
    let sums_text = sums::render(&m);
    m.insert(SUMS_SIG_NAME.into(), message_bundle_json(sums_text.as_bytes(), inputs.exporter).into_bytes());
    m.insert(SUMS_NAME.into(), sums_text.into_bytes());
    Ok(Exported { folder: folder_name(report), members: m, passed: summary.passed })
}

/// The role a member plays, for the index.
pub fn role(path: &str) -> &'static str {
    match path.split('/').next().unwrap_or("") {
        "model" => "model-identity",
        "signatures" => "model-signature",
        "metadata" => "model-metadata",
        "reports" => "verification-report",
        "approvals" => "reviewer-approval",
        "ledger" => "ledger-proof",
        "attestations" => "summary-attestation",
        "trust" => "trust-material",
        _ => "index",
    }
}

/// Builds and writes the archive.
pub fn export_to(inputs: &ExportInputs<'_>, out: &Path) -> Result<Exported, ExportError> {
    let exported = build(inputs)?;
    let mut bytes = Vec::new();
    write_tar_gz(&exported.folder, &exported.members, &mut bytes).map_err(|e| ExportError::Write { path: out.display().to_string(), source: e })?;
    crate::oms::sign::write_atomic(out, &bytes).map_err(|e| ExportError::Write { path: out.display().to_string(), source: e })?;
    Ok(exported)
}

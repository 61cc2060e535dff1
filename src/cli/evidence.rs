//! `modelvet export` and `modelvet evidence verify`.

use super::verify::{Format, VerifyFlags, verify_with_flags};
use super::{Exit, fail, output};
use crate::crypto::PublicKey;
use crate::evidence::export::{ExportInputs, Exported, LedgerPart, export_to};
use crate::evidence::verify::{Pins, verify_file};
use crate::ledger::KeyStore;
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct ExportCmd {
    /// Model directory or single model file.
    pub source: PathBuf,
    /// Where to write the evidence bundle (.tar.gz).
    #[arg(long, value_name = "FILE.tar.gz")]
    pub out: PathBuf,
    /// The ledger to take approvals from (default: the platform data dir).
    #[arg(long, value_name = "PATH")]
    pub ledger: Option<PathBuf>,
    /// The exporting reviewer's private key (default: your reviewer key).
    #[arg(long = "reviewer-key", value_name = "KEY.pem")]
    pub reviewer_key: Option<PathBuf>,
    /// Time to record in the summary (RFC 3339); default: the newest ledger entry.
    #[arg(long, value_name = "TIME")]
    pub time: Option<String>,
    #[command(flatten)]
    pub flags: VerifyFlags,
}

#[derive(Debug, Args)]
pub struct EvidenceCmd {
    #[command(subcommand)]
    pub command: EvidenceSub,
}

#[derive(Debug, Subcommand)]
pub enum EvidenceSub {
    /// Check an evidence bundle offline.
    Verify(EvidenceVerifyCmd),
}

#[derive(Debug, Args)]
pub struct EvidenceVerifyCmd {
    /// The evidence bundle (.tar.gz).
    pub file: PathBuf,
    /// Also re-hash these model files against the bundle's inventory.
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// Pin the ledger's verifier key (a file holding the `origin+hash+base64` vkey).
    #[arg(long = "ledger-key", value_name = "VKEY")]
    pub ledger_key: Option<PathBuf>,
    /// Pin a reviewer/exporter public key (PEM). Repeatable.
    #[arg(long = "reviewer-key", value_name = "PUB.pem")]
    pub reviewer_keys: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

fn read_text(p: &Path) -> Result<String, String> {
    std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
}

pub fn run_export(cmd: ExportCmd) -> Exit {
    let store = match KeyStore::from_env() {
        Ok(s) => s,
        Err(e) => return fail(Exit::Usage, e),
    };
    let reviewer = match store.load_reviewer(cmd.reviewer_key.as_deref()) {
        Ok(r) => r,
        Err(e) => return fail(Exit::Usage, e),
    };
    let report = match verify_with_flags(&cmd.source, &cmd.flags) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let Some(digest) = report.model_digest.clone() else {
        return fail(Exit::Failed, "the model could not be fully hashed; nothing to export");
    };
    let ledger_path = match cmd.ledger.clone().map(Ok).unwrap_or_else(crate::ledger::paths::default_ledger_path) {
        Ok(p) => p,
        Err(e) => return fail(Exit::Usage, e),
    };
    let ledger = if ledger_path.exists() {
        match crate::evidence::ledger_part::collect(&ledger_path, &digest) {
            Ok(p) => p,
            Err(e) => return fail(if e.is_usage() { Exit::Usage } else { Exit::Failed }, e),
        }
    } else {
        eprintln!("modelvet: no ledger at {}: the bundle holds no approvals", ledger_path.display());
        LedgerPart::default()
    };
    let model_root = if cmd.source.is_dir() { cmd.source.clone() } else { cmd.source.parent().map(Path::to_path_buf).unwrap_or_default() };
    let meta = crate::meta::analyze(&model_root, &report, &crate::meta::Policy::default());
    let documents: Vec<(String, Vec<u8>)> = meta
        .documents
        .iter()
        .filter(|d| crate::hashing::walk::normalize_relative(&d.path).is_some_and(|p| p == d.path))
        .filter_map(|d| std::fs::read(model_root.join(&d.path)).ok().map(|b| (d.path.clone(), b)))
        .filter(|(p, _)| !p.ends_with(".safetensors") && !p.ends_with(".gguf"))
        .collect();
    let signatures: Vec<(String, Vec<u8>)> = report
        .source
        .signature
        .as_ref()
        .and_then(|p| std::fs::read(p).ok())
        .map(|b| vec![("model.sig".to_string(), b)])
        .unwrap_or_default();
    let inputs = ExportInputs {
        report: &report,
        model_root: &model_root,
        signatures,
        documents,
        metadata_report: serde_json::to_vec_pretty(&meta).ok(),
        verification_markdown: super::report::markdown(&report, &meta),
        ledger,
        trust_files: Vec::new(),
        time: cmd.time.clone(),
        exporter: &reviewer.key,
    };
    match export_to(&inputs, &cmd.out) {
        Ok(Exported { folder, members, passed }) => {
            println!(
                "wrote {} ({folder}/, {} members, {} ledger entries); summary: {}",
                cmd.out.display(),
                members.len(),
                inputs.ledger.approvals.len(),
                if passed { "PASSED" } else { "FAILED" }
            );
            if passed { Exit::Ok } else { Exit::Failed }
        }
        Err(e @ crate::evidence::export::ExportError::Write { .. }) => fail(Exit::Internal, e),
        Err(e) => fail(Exit::Usage, e),
    }
}

pub fn run_evidence(cmd: EvidenceCmd) -> Exit {
    let EvidenceSub::Verify(cmd) = cmd.command;
    let mut pins = Pins::default();
    if let Some(p) = &cmd.ledger_key {
        match read_text(p) {
            Ok(t) => pins.ledger_vkey = Some(t.trim().to_string()),
            Err(e) => return fail(Exit::Usage, e),
        }
    }
    for p in &cmd.reviewer_keys {
        match read_text(p).and_then(|t| PublicKey::from_pem(&t).map_err(|e| format!("{}: {e}", p.display()))) {
            Ok(k) => pins.reviewer_keys.push(k),
            Err(e) => return fail(Exit::Usage, e),
        }
    }
    let report = match verify_file(&cmd.file, &pins, cmd.model.as_deref()) {
        Ok(r) => r,
        Err(e) => return fail(Exit::Usage, e),
    };
    match cmd.format {
        Format::Json => output::print_json(&report),
        Format::Text => {
            println!(
                "{} {}  model {}  ({} reviewer decisions)",
                if report.ok { "✓" } else { "✗" },
                if report.ok { "EVIDENCE VERIFIED" } else { "EVIDENCE FAILED" },
                report.model_digest.as_deref().unwrap_or("?"),
                report.approvals
            );
            for c in &report.checks {
                println!("  {}  {:<18} {}", output::glyph(c.status), c.id, c.detail);
            }
            if !report.keys_pinned {
                println!("  ! keys NOT PINNED: the bundle's own keys were used; pass --ledger-key and --reviewer-key to pin them");
            }
        }
    }
    if report.ok { Exit::Ok } else { Exit::Failed }
}

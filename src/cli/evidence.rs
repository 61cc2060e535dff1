//! `modelvet export` and `modelvet evidence verify`.

use super::verify::{Format, VerifyFlags};
use super::{Exit, fail, output};
use crate::crypto::PublicKey;
use crate::evidence::assemble::{ModelExport, export_model};
use crate::evidence::export::Exported;
use crate::evidence::verify::{Pins, verify_file};
use crate::ledger::KeyStore;
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct ExportCmd {
    /// Model directory or file, oci://HOST[:PORT]/REPO[:TAG][@sha256:…], or hf://ORG/NAME[@REV].
    pub source: String,
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
    /// Also push the bundle to the registry as an OCI referrer of the model
    /// (oci:// sources), so a team sharing the registry shares the evidence.
    #[arg(long)]
    pub push: bool,
    #[command(flatten)]
    pub flags: VerifyFlags,
    #[command(flatten)]
    pub source_flags: super::source::SourceFlags,
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
    let ledger_path = match cmd.ledger.clone().map(Ok).unwrap_or_else(crate::ledger::paths::default_ledger_path) {
        Ok(p) => p,
        Err(e) => return fail(Exit::Usage, e),
    };
    if cmd.push && !cmd.source.starts_with("oci://") {
        return fail(Exit::Usage, "--push needs an oci:// SOURCE: the bundle is pushed as a referrer of the model's manifest");
    }
    let opened = match super::source::open_verified(&cmd.source, &cmd.flags, &cmd.source_flags) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let req = ModelExport {
        report: &opened.report,
        options: &opened.options,
        ledger: Some(&ledger_path),
        time: cmd.time.clone(),
        default_to_now: false,
        exporter: &reviewer.key,
    };
    let assembled = match export_model(&req, &cmd.out) {
        Ok(a) => a,
        Err(e @ crate::evidence::assemble::AssembleError::Ledger(_)) if !e.is_usage() => return fail(Exit::Failed, e),
        Err(e) => return fail(if e.is_usage() { Exit::Usage } else { Exit::Internal }, e),
    };
    for n in &assembled.notes {
        eprintln!("modelvet: {n}");
    }
    let Exported { folder, members, passed } = &assembled.exported;
    println!(
        "wrote {} ({folder}/, {} members, {} ledger entries); summary: {}",
        cmd.out.display(),
        members.len(),
        assembled.entries,
        if *passed { "PASSED" } else { "FAILED" }
    );
    if cmd.push {
        let Some(resolved) = &opened.resolved else { return fail(Exit::Usage, "--push needs an oci:// SOURCE") };
        match crate::sources::oci::push::push_evidence(resolved, &opened.resolve_options, &cmd.out) {
            Ok(digest) => println!("pushed to {} as referrer {digest}", resolved.pinned_reference),
            Err(e) => return fail(Exit::Failed, format!("the bundle was written but not pushed: {e}")),
        }
    }
    if *passed { Exit::Ok } else { Exit::Failed }
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

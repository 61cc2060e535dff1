//! `modelvet approve` and `modelvet reject`: verify the model, then record a
//! signed decision in the ledger.

use super::reviewer::ledger_fail;
use super::verify::{Format, VerifyFlags};
use super::{Exit, fail, output};
use crate::ledger::entry::EntryError;
use crate::ledger::{Decision, KeyStore, Ledger, LedgerError, ReviewRequest, Scope, paths, view};
use clap::{Args, ValueEnum};
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScopeArg {
    Security,
    Legal,
    Ops,
}

impl From<ScopeArg> for Scope {
    fn from(s: ScopeArg) -> Self {
        match s {
            ScopeArg::Security => Scope::Security,
            ScopeArg::Legal => Scope::Legal,
            ScopeArg::Ops => Scope::Ops,
        }
    }
}

#[derive(Debug, Args)]
pub struct DecideCmd {
    /// Model directory or file, oci://HOST[:PORT]/REPO[:TAG][@sha256:…], or hf://ORG/NAME[@REV]
    /// (the ledger records the digest-pinned form).
    pub source: String,
    /// Why (recorded and signed).
    #[arg(long)]
    pub note: String,
    /// What the review covered.
    #[arg(long, value_enum, default_value_t = ScopeArg::Security)]
    pub scope: ScopeArg,
    /// Approve although verification did not pass (recorded in the entry).
    #[arg(long = "override")]
    pub allow_override: bool,
    /// Ledger file (default: ledger.sqlite in the data directory).
    #[arg(long, value_name = "PATH")]
    pub ledger: Option<PathBuf>,
    /// Sign with this reviewer key instead of the stored one.
    #[arg(long = "reviewer-key", value_name = "KEY.pem")]
    pub reviewer_key: Option<PathBuf>,
    #[command(flatten)]
    pub flags: VerifyFlags,
    #[command(flatten)]
    pub source_flags: super::source::SourceFlags,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// The ledger path from `--ledger` or the default.
pub(crate) fn ledger_path(opt: &Option<PathBuf>) -> Result<PathBuf, Exit> {
    match opt {
        Some(p) => Ok(p.clone()),
        None => paths::default_ledger_path().map_err(ledger_fail),
    }
}

pub fn run(cmd: DecideCmd, decision: Decision) -> Exit {
    let store = match KeyStore::from_env() {
        Ok(s) => s,
        Err(e) => return ledger_fail(e),
    };
    // Everything that can fail without side effects comes first.
    let reviewer = match store.load_reviewer(cmd.reviewer_key.as_deref()) {
        Ok(r) => r,
        Err(e) => return ledger_fail(e),
    };
    let path = match ledger_path(&cmd.ledger) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let opened = match super::source::open_verified(&cmd.source, &cmd.flags, &cmd.source_flags) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let report = &opened.report;
    if decision == Decision::Approve && report.verdict != crate::report::Verdict::Verified && !cmd.allow_override {
        // Refuse before the ledger file is even created.
        if cmd.format == Format::Text {
            eprint!("{}", output::text_report(report));
        }
        let e = EntryError::NeedsOverride { verdict: report.verdict.word(), reasons: report.reasons.join("; ") };
        return fail(Exit::Failed, e);
    }
    // A tag or branch that moved since it was resolved: refuse to record.
    if let Err(code) = super::source::ensure_not_moved(&opened) {
        return code;
    }
    let ledger_key = match store.ledger_key_or_create() {
        Ok(k) => k,
        Err(e) => return ledger_fail(e),
    };
    let mut ledger = match Ledger::open_or_create(&path, &ledger_key) {
        Ok(l) => l,
        Err(e) => return ledger_fail(e),
    };
    let req = ReviewRequest { decision, scope: cmd.scope.into(), note: cmd.note, allow_override: cmd.allow_override };
    let receipt = match view::record_review(&store, &mut ledger, report, &req, &reviewer) {
        Ok(r) => r,
        Err(LedgerError::Entry(e @ EntryError::NeedsOverride { .. })) => {
            if cmd.format == Format::Text {
                eprint!("{}", output::text_report(report));
            }
            return fail(Exit::Failed, e);
        }
        Err(e) => return ledger_fail(e),
    };
    let overridden = decision == Decision::Approve && report.verdict != crate::report::Verdict::Verified;
    match cmd.format {
        Format::Json => output::print_json(&json!({
            "index": receipt.index,
            "decision": decision.word(),
            "scope": req.scope.word(),
            "modelDigest": report.model_digest,
            "source": report.source.reference,
            "reportDigest": report.digest(),
            "verdict": report.verdict,
            "override": overridden,
            "reviewer": reviewer.public_key().fingerprint(),
            "leafHash": hex::encode(receipt.leaf_hash),
            "ledger": ledger.path().display().to_string(),
            "checkpoint": receipt.checkpoint.note,
        })),
        Format::Text => {
            println!(
                "recorded entry {}: {} ({}) of {} [{}{}] by {}",
                receipt.index,
                decision.word(),
                req.scope.word(),
                report.model_digest.as_deref().unwrap_or("?"),
                report.verdict.word(),
                if overridden { ", OVERRIDDEN" } else { "" },
                reviewer.public_key().fingerprint()
            );
            println!("source {}", report.source.reference);
            println!("ledger {} now has {} entries", ledger.path().display(), receipt.checkpoint.body.size);
        }
    }
    Exit::Ok
}

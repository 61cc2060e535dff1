//! `modelvet report`: the verification report plus licences, lineage and
//! findings, as text, JSON or markdown (written for a legal reviewer).
//! Works on unsigned and unpinned models: verification runs without a
//! pinned signer, and the missing signature becomes a finding.

use super::output;
use super::verify::VerifyFlags;
use super::{Exit, fail};
use crate::meta::render;
use crate::meta::view::{LicenseRow, LineageNode};
use crate::meta::{self, AnalyzeOptions, MetadataReport, Policy};
use crate::report::{VerificationReport, Verdict};
use clap::{Args, ValueEnum};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub struct ReportCmd {
    /// Model directory or file, oci://HOST[:PORT]/REPO[:TAG][@sha256:…], or hf://ORG/NAME[@REV].
    pub source: String,
    #[command(flatten)]
    pub flags: VerifyFlags,
    #[command(flatten)]
    pub source_flags: super::source::SourceFlags,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Licence policy (TOML): intended use, allowed/denied/needs-review lists, severity overrides.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Local mirror of Hugging Face cards for base models and datasets named
    /// by id (<DIR>/<org>/<name>/README.md, <DIR>/datasets/<name>/README.md). Repeatable.
    #[arg(long = "cards", value_name = "DIR")]
    pub cards: Vec<PathBuf>,
}

pub const FULL_REPORT_SCHEMA: &str = "https://modelvet.dev/full-report/v1";

/// What `report --format json` prints.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FullReport {
    pub schema: String,
    pub verification: VerificationReport,
    pub metadata: MetadataReport,
    pub licenses: Vec<LicenseRow>,
    pub lineage: Option<LineageNode>,
    /// `passed` when verification passed and no conflict was found.
    pub outcome: String,
}

pub fn run(cmd: ReportCmd) -> Exit {
    let policy = match &cmd.policy {
        Some(p) => match Policy::load(p) {
            Ok(p) => p,
            Err(e) => return fail(Exit::Usage, e),
        },
        None => Policy::default(),
    };
    for d in &cmd.cards {
        if !d.is_dir() {
            return fail(Exit::Usage, format!("--cards {}: not a directory", d.display()));
        }
    }
    let opened = match super::source::open_verified(&cmd.source, &cmd.flags, &cmd.source_flags) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let verification = opened.report;
    let metadata = meta::analyze_with(&opened.options.model, &verification, &policy, &AnalyzeOptions { card_dirs: cmd.cards.clone() });
    let passed = verification.verdict == Verdict::Verified && !metadata.has_conflicts();
    match cmd.format {
        ReportFormat::Json => {
            let full = FullReport {
                schema: FULL_REPORT_SCHEMA.into(),
                licenses: metadata.license_rows(),
                lineage: metadata.lineage_tree(),
                outcome: if passed { "passed".into() } else { "not-passed".into() },
                verification,
                metadata,
            };
            output::print_json(&full);
        }
        ReportFormat::Markdown => print!("{}", render::markdown(&verification, &metadata)),
        ReportFormat::Text => {
            print!("{}", output::text_report(&verification));
            print!("{}", render::text(&metadata));
        }
    }
    if passed { Exit::Ok } else { Exit::Failed }
}

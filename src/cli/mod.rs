//! The command line: argument definitions and dispatch. Each subcommand
//! lives in its own module and returns an [`Exit`] code; `main` only maps
//! that to the process status.

pub mod approve;
pub mod bundle;
pub mod evidence;
pub mod ledger;
pub mod output;
pub mod report;
pub mod reviewer;
pub mod sign;
pub mod source;
pub mod verify;

use clap::{Parser, Subcommand};

/// Process exit codes, the same for every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Verified / passed.
    Ok = 0,
    /// Verification failed (including a malformed or invalid signature).
    Failed = 1,
    /// Usage error or unreadable input.
    Usage = 2,
    /// Internal error.
    Internal = 3,
}

#[derive(Debug, Parser)]
#[command(
    name = "modelvet",
    version,
    about = "Vet third-party ML models: signatures, transparency, licenses, lineage and a signed evidence ledger",
    long_about = "Vet third-party ML models: signatures, transparency, licenses, lineage and a signed evidence ledger.\n\nWithout a subcommand, opens the terminal workbench on SOURCE (default: the bundled demo model).",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The workbench (no subcommand): `modelvet [SOURCE] [flags]`.
    #[command(flatten)]
    pub tui: crate::tui::TuiArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Verify a model's OMS signature and every file's hash.
    Verify(verify::VerifyCmd),
    /// Sign a model with your own key (OMS v1.0, key method).
    Sign(sign::SignCmd),
    /// Report licences, lineage and findings with the verification result.
    Report(report::ReportCmd),
    /// Sigstore bundles: `bundle verify` checks any bundle over a file or digest, offline.
    Bundle(bundle::BundleCmd),
    /// Manage the reviewer key and the trusted reviewers.
    Reviewer(reviewer::ReviewerCmd),
    /// Verify a model, then record a signed approval in the ledger.
    Approve(approve::DecideCmd),
    /// Verify a model, then record a signed rejection in the ledger.
    Reject(approve::DecideCmd),
    /// Inspect and verify the evidence ledger.
    Ledger(ledger::LedgerCmd),
    /// Write an evidence bundle an auditor can re-check offline.
    Export(evidence::ExportCmd),
    /// Evidence bundles: `evidence verify` checks one offline.
    Evidence(evidence::EvidenceCmd),
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Exit {
    match cli.command {
        Some(Command::Verify(cmd)) => verify::run(cmd),
        Some(Command::Sign(cmd)) => sign::run(cmd),
        Some(Command::Report(cmd)) => report::run(cmd),
        Some(Command::Bundle(cmd)) => bundle::run(cmd),
        Some(Command::Reviewer(cmd)) => reviewer::run(cmd),
        Some(Command::Approve(cmd)) => approve::run(cmd, crate::ledger::Decision::Approve),
        Some(Command::Reject(cmd)) => approve::run(cmd, crate::ledger::Decision::Reject),
        Some(Command::Ledger(cmd)) => ledger::run(cmd),
        Some(Command::Export(cmd)) => evidence::run_export(cmd),
        Some(Command::Evidence(cmd)) => evidence::run_evidence(cmd),
        None => crate::tui::run(cli.tui),
    }
}

/// Prints a one-line error for the user and returns `code`.
pub fn fail(code: Exit, msg: impl std::fmt::Display) -> Exit {
    eprintln!("modelvet: {msg}");
    code
}

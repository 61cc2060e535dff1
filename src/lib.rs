//! modelvet: vet third-party ML models before an organisation uses them.
//!
//! The engine (everything but `cli` and `tui`) is UI-free: it verifies, hashes
//! and reports; the command line and the terminal UI are two thin faces over
//! the same [`report::VerificationReport`].

pub mod crypto;
pub mod dsse;
pub mod hashing;
pub mod report;
pub mod oms;
pub mod meta;
pub mod sigstore;
pub mod sources;
pub mod cli;
pub mod tui;
pub mod ledger;
pub mod demo;
pub mod evidence;

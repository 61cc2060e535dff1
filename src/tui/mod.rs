//! The terminal workbench: a reviewer opens a model and sees, truthfully,
//! whether it is what it claims to be. It consumes the engine (`oms`,
//! `hashing`, `report`) and never the other way round.
//!
//! Layers: [`app`] (state + update → effects), [`ui`] and [`panes`] /
//! [`overlays`] (pure rendering), [`job`] (background verification with a
//! progress channel), [`runtime`] (terminal, event loop, effects).

pub mod action;
pub mod app;
pub mod effect;
pub mod format;
pub mod job;
pub mod keymap;
pub mod ledger_ops;
pub mod model;
pub mod overlays;
pub mod panes;
pub mod runtime;
pub mod theme;
pub mod ui;

use crate::cli::verify::VerifyFlags;
use clap::Args;
use std::path::PathBuf;

/// The bare `modelvet [SOURCE]` form: open the workbench.
#[derive(Debug, Clone, Args, Default)]
pub struct TuiArgs {
    /// Model directory or file, oci://HOST[:PORT]/REPO[:TAG][@sha256:…] or
    /// hf://ORG/NAME[@REV] (default: the bundled demo model).
    #[arg(value_name = "SOURCE")]
    pub source: Option<String>,
    #[command(flatten)]
    pub flags: VerifyFlags,
    #[command(flatten)]
    pub source_flags: crate::cli::source::SourceFlags,
    /// Theme: a built-in name (default, light, high-contrast, monochrome,
    /// colorblind) or a TOML file. NO_COLOR selects monochrome.
    #[arg(long, value_name = "NAME|FILE")]
    pub theme: Option<String>,
    /// Keymap TOML applied on top of the built-in bindings.
    #[arg(long, value_name = "FILE")]
    pub keymap: Option<PathBuf>,
    /// Hide every action that writes (export, approve, reject).
    #[arg(long)]
    pub read_only: bool,
    /// The evidence ledger the Ledger pane shows and `a`/`r` append to
    /// (default: the ledger in the modelvet data directory).
    #[arg(long, value_name = "PATH")]
    pub ledger: Option<PathBuf>,
}

pub use runtime::run;

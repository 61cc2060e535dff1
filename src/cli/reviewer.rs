//! `modelvet reviewer init|show|import|trust`: the reviewer's own key and
//! the list of reviewers whose ledger entries are trusted.

use super::verify::Format;
use super::{Exit, fail, output};
use crate::crypto::PublicKey;
use crate::ledger::keys::ReviewerInfo;
use crate::ledger::{KeyStore, LedgerError};
use clap::{Args, Subcommand};
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ReviewerCmd {
    #[command(subcommand)]
    pub command: ReviewerSub,
}

#[derive(Debug, Subcommand)]
pub enum ReviewerSub {
    /// Create a reviewer key (ECDSA P-256) in the config directory (mode 0600).
    Init {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// Replace an existing reviewer key.
        #[arg(long)]
        force: bool,
    },
    /// Print the reviewer's public key and fingerprint.
    Show {
        /// Show this private key's public half instead of the stored one.
        #[arg(long = "reviewer-key", value_name = "KEY.pem")]
        reviewer_key: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Import an existing unencrypted PEM EC private key as the reviewer key.
    Import {
        key: PathBuf,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        email: Option<String>,
        /// Replace an existing reviewer key.
        #[arg(long)]
        force: bool,
    },
    /// Trust another reviewer's public key (PEM) for ledger entries.
    Trust {
        public_key: PathBuf,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        email: Option<String>,
    },
    /// List trusted reviewers (the own key is always trusted).
    List {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

pub(crate) fn ledger_fail(e: LedgerError) -> Exit {
    let code = if e.is_usage() { Exit::Usage } else { Exit::Internal };
    fail(code, e)
}

pub fn run(cmd: ReviewerCmd) -> Exit {
    let store = match KeyStore::from_env() {
        Ok(s) => s,
        Err(e) => return ledger_fail(e),
    };
    match cmd.command {
        ReviewerSub::Init { name, email, force } => {
            match store.init_reviewer(ReviewerInfo { name: Some(name), email: Some(email) }, force) {
                Ok(r) => {
                    println!("created reviewer key {} ({})", r.public_key().fingerprint(), r.path.display());
                    Exit::Ok
                }
                Err(e) => ledger_fail(e),
            }
        }
        ReviewerSub::Import { key, name, email, force } => {
            let text = match std::fs::read_to_string(&key) {
                Ok(t) => t,
                Err(e) => return fail(Exit::Usage, format!("cannot read {}: {e}", key.display())),
            };
            match store.import_reviewer(&text, &key, ReviewerInfo { name, email }, force) {
                Ok(r) => {
                    println!("imported reviewer key {} ({}) to {}", r.public_key().fingerprint(), r.key.curve(), r.path.display());
                    Exit::Ok
                }
                Err(e) => ledger_fail(e),
            }
        }
        ReviewerSub::Show { reviewer_key, format } => {
            let r = match store.load_reviewer(reviewer_key.as_deref()) {
                Ok(r) => r,
                Err(e) => return ledger_fail(e),
            };
            let public = r.public_key();
            match format {
                Format::Json => output::print_json(&json!({
                    "name": r.info.name,
                    "email": r.info.email,
                    "algorithm": public.curve().algorithm(),
                    "fingerprint": public.fingerprint(),
                    "hint": public.hint(),
                    "publicKey": public.to_pem(),
                    "path": r.path.display().to_string(),
                })),
                Format::Text => {
                    if let Some(n) = &r.info.name {
                        println!("reviewer: {n}{}", r.info.email.as_ref().map(|e| format!(" <{e}>")).unwrap_or_default());
                    }
                    println!("key: {} ({})", public.fingerprint(), public.curve().algorithm());
                    println!("file: {}", r.path.display());
                    print!("{}", public.to_pem());
                }
            }
            Exit::Ok
        }
        ReviewerSub::Trust { public_key, name, email } => {
            let text = match std::fs::read_to_string(&public_key) {
                Ok(t) => t,
                Err(e) => return fail(Exit::Usage, format!("cannot read {}: {e}", public_key.display())),
            };
            let key = match PublicKey::from_pem(&text) {
                Ok(k) => k,
                Err(e) => return fail(Exit::Usage, format!("{}: {e}", public_key.display())),
            };
            match store.trust_reviewer(&key, name, email) {
                Ok(()) => {
                    println!("trusted reviewer key {}", key.fingerprint());
                    Exit::Ok
                }
                Err(e) => ledger_fail(e),
            }
        }
        ReviewerSub::List { format } => {
            let trusted = match store.trusted_reviewers() {
                Ok(t) => t,
                Err(e) => return ledger_fail(e),
            };
            match format {
                Format::Json => output::print_json(
                    &trusted
                        .iter()
                        .map(|(fp, t)| json!({"fingerprint": fp, "name": t.name, "email": t.email}))
                        .collect::<Vec<_>>(),
                ),
                Format::Text => {
                    if trusted.is_empty() {
                        println!("no trusted reviewers");
                    }
                    for (fp, t) in trusted.iter() {
                        println!(
                            "{fp}  {}{}",
                            t.name.clone().unwrap_or_else(|| "(no name)".into()),
                            t.email.as_ref().map(|e| format!(" <{e}>")).unwrap_or_default()
                        );
                    }
                }
            }
            Exit::Ok
        }
    }
}

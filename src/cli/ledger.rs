//! `modelvet ledger log|verify|proof|checkpoint|key`.

use super::approve::ledger_path;
use super::reviewer::ledger_fail;
use super::verify::Format;
use super::{Exit, fail, output};
use crate::ledger::view::{self, EntryMark};
use crate::ledger::{KeyStore, Ledger, Severity, proof, verify_ledger};
use clap::{Args, Subcommand};
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct LedgerCmd {
    /// Ledger file (default: ledger.sqlite in the data directory).
    #[arg(long, value_name = "PATH", global = true)]
    pub ledger: Option<PathBuf>,
    #[command(subcommand)]
    pub command: LedgerSub,
}

#[derive(Debug, Subcommand)]
pub enum LedgerSub {
    /// List entries with signer, decision, scope, note, time and a verification mark.
    Log {
        /// Only entries about this model (sha256:<hex>).
        #[arg(long, value_name = "DIGEST")]
        model: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Recompute and check everything; name the first bad entry.
    Verify {
        /// A checkpoint kept elsewhere (from `ledger checkpoint`): detects rollback or rewritten history.
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<PathBuf>,
        /// Trust this ledger key (vkey NAME+ID+KEY, from `ledger key`). Repeatable.
        #[arg(long = "ledger-vkey", value_name = "VKEY")]
        ledger_vkeys: Vec<String>,
        /// Also fail on warnings (untrusted reviewers, untrusted ledger key).
        #[arg(long)]
        strict: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Inclusion proof of an entry in the latest checkpoint, or a consistency proof.
    Proof {
        /// Entry index (0-based).
        #[arg(long, value_name = "N", required_unless_present = "from")]
        entry: Option<u64>,
        /// Consistency proof from this tree size to the current one.
        #[arg(long, value_name = "SIZE", conflicts_with = "entry")]
        from: Option<u64>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print the latest signed checkpoint (keep it elsewhere to detect rollback).
    Checkpoint {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print this ledger's checkpoint verifier key (vkey) and whether it is yours.
    Key {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { format!("{}…", s.chars().take(n).collect::<String>()) }
}

pub fn run(cmd: LedgerCmd) -> Exit {
    let store = match KeyStore::from_env() {
        Ok(s) => s,
        Err(e) => return ledger_fail(e),
    };
    let path = match ledger_path(&cmd.ledger) {
        Ok(p) => p,
        Err(code) => return code,
    };
    // Reading commands never create or modify the file.
    let ledger = match Ledger::open_read_only(&path) {
        Ok(l) => l,
        Err(e) => return ledger_fail(e),
    };
    match cmd.command {
        LedgerSub::Log { model, format } => log(&ledger, &store, model, format),
        LedgerSub::Verify { checkpoint, ledger_vkeys, strict, format } => {
            verify(&ledger, &store, checkpoint, ledger_vkeys, strict, format)
        }
        LedgerSub::Proof { entry, from, format } => proof_cmd(&ledger, entry, from, format),
        LedgerSub::Checkpoint { format } => match view::latest_checkpoint(&ledger) {
            Ok(None) => fail(Exit::Usage, format!("{}: the ledger has no entries yet", path.display())),
            Ok(Some(cp)) => {
                match format {
                    Format::Json => output::print_json(&json!({
                        "origin": cp.origin, "size": cp.size, "root": cp.root,
                        "ledgerKey": ledger.meta().vkey, "note": cp.note,
                    })),
                    Format::Text => print!("{}", cp.note),
                }
                Exit::Ok
            }
            Err(e) => ledger_fail(e),
        },
        LedgerSub::Key { format } => {
            let ours = match store.ledger_key() {
                Ok(k) => k.and_then(|k| crate::ledger::note::NoteVerifier::new(&ledger.meta().origin, k.verifying_key()).ok()),
                Err(e) => return ledger_fail(e),
            };
            let mine = ours.map(|v| v.to_vkey() == ledger.meta().vkey).unwrap_or(false);
            match format {
                Format::Json => output::print_json(&json!({"origin": ledger.meta().origin, "vkey": ledger.meta().vkey, "yours": mine})),
                Format::Text => println!("{}{}", ledger.meta().vkey, if mine { "" } else { "   (not your ledger key)" }),
            }
            Exit::Ok
        }
    }
}

fn log(ledger: &Ledger, store: &KeyStore, model: Option<String>, format: Format) -> Exit {
    let opts = match view::verify_options(store, &[], None) {
        Ok(o) => o,
        Err(e) => return ledger_fail(e),
    };
    let v = match view::load_view(ledger, &opts) {
        Ok(v) => v,
        Err(e) => return ledger_fail(e),
    };
    let entries: Vec<&view::EntryView> = match &model {
        Some(d) => v.for_model(d).collect(),
        None => v.entries.iter().collect(),
    };
    match format {
        Format::Json => output::print_json(&json!({
            "ledger": v.ledger, "origin": v.origin, "ok": v.ok,
            "firstBadEntry": v.first_bad_entry, "entries": entries, "checkpoint": v.checkpoint,
        })),
        Format::Text => {
            println!("ledger {} ({} entries)", v.ledger, v.entries.len());
            if !v.ok {
                println!("✗ ledger does not verify (first bad entry: {}); run `modelvet ledger verify`",
                    v.first_bad_entry.map(|i| i.to_string()).unwrap_or_else(|| "none".into()));
            }
            for e in entries {
                let who = match (&e.signer_name, &e.signer_email) {
                    (Some(n), Some(m)) => format!("{n} <{m}>"),
                    (Some(n), None) => n.clone(),
                    (None, Some(m)) => format!("<{m}>"),
                    (None, None) => "(no name)".into(),
                };
                println!(
                    "#{:<5} {:<12} {:<8} {:<9} {}  {}  {} {}{}",
                    e.index,
                    e.mark.label(),
                    e.decision,
                    e.scope.map(|s| s.word()).unwrap_or("?"),
                    e.time,
                    short(&e.model_digest, 19),
                    who,
                    short(&e.signer_fingerprint, 19),
                    if e.overridden { "  OVERRIDE" } else { "" },
                );
                if !e.note.is_empty() {
                    println!("       note: {}", e.note);
                }
                if e.mark == EntryMark::Invalid {
                    for p in &e.problems {
                        println!("       ✗ {p}");
                    }
                }
            }
        }
    }
    Exit::Ok
}

fn verify(ledger: &Ledger, store: &KeyStore, checkpoint: Option<PathBuf>, vkeys: Vec<String>, strict: bool, format: Format) -> Exit {
    let kept = match &checkpoint {
        None => None,
        Some(p) => match std::fs::read_to_string(p) {
            Ok(t) => Some(t),
            Err(e) => return fail(Exit::Usage, format!("cannot read checkpoint {}: {e}", p.display())),
        },
    };
    let opts = match view::verify_options(store, &vkeys, kept) {
        Ok(o) => o,
        Err(e) => return ledger_fail(e),
    };
    let report = match verify_ledger(ledger, &opts) {
        Ok(r) => r,
        Err(e) => return ledger_fail(e),
    };
    let warnings = report.findings.iter().filter(|f| f.severity == Severity::Warning).count();
    let pass = report.ok && !(strict && warnings > 0);
    match format {
        Format::Json => output::print_json(&report),
        Format::Text => {
            if report.ok {
                println!("✓ ledger intact: {} entries, {} checkpoints, root {}", report.entries, report.checkpoints, report.root);
            } else {
                let first = report
                    .findings
                    .iter()
                    .find(|f| f.severity == Severity::Error && f.entry == report.first_bad_entry)
                    .or_else(|| report.findings.iter().find(|f| f.severity == Severity::Error));
                match (report.first_bad_entry, first) {
                    (Some(i), Some(f)) => println!("✗ ledger FAILED verification: first bad entry {i}: {}", f.message),
                    (None, Some(f)) => println!("✗ ledger FAILED verification: {}", f.message),
                    _ => println!("✗ ledger FAILED verification"),
                }
            }
            if let Some(k) = &report.kept_checkpoint {
                println!("{} kept checkpoint: size {} root {}", if k.consistent { "✓" } else { "✗" }, k.size, k.root);
            }
            for f in &report.findings {
                let g = if f.severity == Severity::Error { "✗" } else { "!" };
                println!("  {g} [{}] {}", f.code, f.message);
            }
            if !report.ledger_key_trusted {
                println!("  ! checkpoint key {} is not trusted from outside the file", report.ledger_key);
            }
        }
    }
    if pass { Exit::Ok } else { Exit::Failed }
}

fn proof_cmd(ledger: &Ledger, entry: Option<u64>, from: Option<u64>, format: Format) -> Exit {
    if let Some(first) = from {
        return match proof::consistency(ledger, first) {
            Ok(p) => {
                match format {
                    Format::Json => output::print_json(&p),
                    Format::Text => {
                        println!("consistency {} -> {}", p.first, p.second);
                        println!("root {}: {}", p.first, p.first_root);
                        println!("root {}: {}", p.second, p.second_root);
                        for h in &p.hashes {
                            println!("  {h}");
                        }
                    }
                }
                Exit::Ok
            }
            Err(e) => ledger_fail(e),
        };
    }
    let Some(index) = entry else { return fail(Exit::Usage, "give --entry N or --from SIZE") };
    // The proof is checked against the checkpoint key we trust: ours if this
    // is our ledger, otherwise the one recorded in the file (said so below).
    let recorded = match ledger.recorded_verifier() {
        Ok(v) => v,
        Err(e) => return ledger_fail(e),
    };
    match proof::inclusion(ledger, index, &recorded) {
        Ok(p) => {
            match format {
                Format::Json => output::print_json(&p),
                Format::Text => {
                    println!("entry {} of {} (leaf {})", p.index, p.tree_size, p.leaf_hash);
                    println!("root {}", p.root);
                    println!("path:");
                    for h in &p.hashes {
                        println!("  {h}");
                    }
                    println!("checkpoint:");
                    print!("{}", p.checkpoint);
                }
            }
            Exit::Ok
        }
        Err(e @ crate::ledger::LedgerError::Inconsistent(_)) => fail(Exit::Failed, e),
        Err(e) => ledger_fail(e),
    }
}

//! `modelvet sign`.

use super::{Exit, fail};
use crate::crypto::PrivateKey;
use crate::hashing::{HashType, NoopObserver, Serialization};
use crate::oms::sign::{SignOptions, sign_to_file};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum HashArg {
    Sha256,
    Blake2b,
    Blake3,
}

#[derive(Debug, Args)]
pub struct SignCmd {
    /// Model directory or single model file.
    pub source: PathBuf,
    /// Private key (PEM, PKCS#8 or SEC1; EC P-256, P-384 or P-521).
    #[arg(long, value_name = "PRIVATE.pem")]
    pub key: PathBuf,
    /// Per-item hash.
    #[arg(long, value_enum, default_value_t = HashArg::Sha256)]
    pub hash: HashArg,
    /// Sign shards of N bytes instead of whole files (not with blake3).
    #[arg(long = "shard-size", value_name = "N")]
    pub shard_size: Option<u64>,
    /// Where to write the signature (default: SOURCE/model.sig).
    #[arg(long, value_name = "OUT")]
    pub signature: Option<PathBuf>,
    /// Exclude a path from the signature (recorded in it). Repeatable.
    #[arg(long = "ignore-path", value_name = "P")]
    pub ignore_paths: Vec<PathBuf>,
    /// Follow symlinks to files inside the model.
    #[arg(long)]
    pub allow_symlinks: bool,
}

pub fn run(cmd: SignCmd) -> Exit {
    let text = match std::fs::read_to_string(&cmd.key) {
        Ok(t) => t,
        Err(e) => return fail(Exit::Usage, format!("cannot read key {}: {e}", cmd.key.display())),
    };
    let key = match PrivateKey::from_pem(&text) {
        Ok(k) => k,
        Err(e) => return fail(Exit::Usage, format!("{}: {e}", cmd.key.display())),
    };
    let hash = match cmd.hash {
        HashArg::Sha256 => HashType::Sha256,
        HashArg::Blake2b => HashType::Blake2b,
        HashArg::Blake3 => HashType::Blake3,
    };
    let serialization = match cmd.shard_size {
        None => Serialization::Files { hash },
        Some(0) => return fail(Exit::Usage, "--shard-size must be positive"),
        Some(_) if hash == HashType::Blake3 => {
            return fail(Exit::Usage, "--shard-size cannot be used with blake3 (the reference does not support it)");
        }
        Some(n) => Serialization::Shards { hash, shard_size: n },
    };
    let opts = SignOptions {
        signature: cmd.signature.clone().unwrap_or_else(|| {
            let mut v = crate::oms::VerifyOptions::new(&cmd.source);
            v.signature = None;
            v.default_signature_path()
        }),
        model: cmd.source,
        serialization,
        ignore_paths: cmd.ignore_paths,
        ignore_git_paths: true,
        allow_symlinks: cmd.allow_symlinks,
    };
    match sign_to_file(&opts, &key, &NoopObserver) {
        Ok(s) => {
            println!(
                "signed {} resource(s); subject {}; key {} ; wrote {}",
                s.resources,
                s.subject_digest,
                key.public_key().fingerprint(),
                opts.signature.display()
            );
            Exit::Ok
        }
        Err(e @ crate::oms::sign::SignError::Write { .. }) => fail(Exit::Internal, e),
        Err(e) => fail(Exit::Usage, e),
    }
}

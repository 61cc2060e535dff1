//! Signing a model with our own key: an OMS v1.0 bundle in exactly the form
//! `model_signing sign key` 1.1.x writes (key method, `publicKey.hint`,
//! recorded `ignore_paths`), so the reference verifier accepts it.

use crate::crypto::PrivateKey;
use crate::dsse::{Envelope, key_bundle_json};
use crate::hashing::walk::{DEFAULT_GIT_IGNORES, resolve_user_ignore};
use crate::hashing::{CancelFlag, HashObserver, IgnoreSet, Serialization, hash_items, root_digest, walk};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("cannot read model {path}: {source}")]
    Model { path: PathBuf, source: std::io::Error },
    #[error("cannot sign: {rel}: {reason}")]
    Entry { rel: String, reason: String },
    #[error("cannot write signature {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("shard size must be a positive number of bytes")]
    ShardSize,
}

/// What to sign and how.
#[derive(Debug, Clone)]
pub struct SignOptions {
    pub model: PathBuf,
    pub signature: PathBuf,
    pub serialization: Serialization,
    pub ignore_paths: Vec<PathBuf>,
    pub ignore_git_paths: bool,
    pub allow_symlinks: bool,
}

/// The result of signing.
#[derive(Debug, Clone)]
pub struct Signed {
    pub bundle_json: String,
    pub subject_digest: String,
    pub resources: usize,
}

/// Hashes the model and builds the signed bundle (without writing it).
pub fn sign_model(opts: &SignOptions, key: &PrivateKey, observer: &dyn HashObserver) -> Result<Signed, SignError> {
    if let Serialization::Shards { shard_size: 0, .. } = opts.serialization {
        return Err(SignError::ShardSize);
    }
    let model = &opts.model;
    let is_dir = std::fs::metadata(model).map_err(|e| SignError::Model { path: model.clone(), source: e })?.is_dir();
    let mut ignore = IgnoreSet::new();
    let mut recorded: Vec<String> = Vec::new();
    if is_dir {
        if let Some(rel) = resolve_user_ignore(model, &opts.signature) {
            recorded.push(rel);
        }
        if opts.ignore_git_paths {
            recorded.extend(DEFAULT_GIT_IGNORES.iter().map(|s| s.to_string()));
        }
        for p in &opts.ignore_paths {
            if let Some(rel) = resolve_user_ignore(model, p) {
                recorded.push(rel);
            }
        }
    }
    recorded.dedup();
    for r in &recorded {
        ignore.add(r);
    }
    let inv = walk(model, &ignore, opts.allow_symlinks).map_err(|e| SignError::Model { path: model.clone(), source: e })?;
    if let Some(issue) = inv.issues.first() {
        return Err(SignError::Entry { rel: issue.rel.clone(), reason: issue.reason.clone() });
    }
    let items = hash_items(&inv.files, opts.serialization, observer, &CancelFlag::new());
    let mut resources = Vec::with_capacity(items.len());
    let mut raw = Vec::with_capacity(items.len());
    for it in &items {
        let digest = it.digest.clone().map_err(|reason| SignError::Entry { rel: it.path.clone(), reason })?;
        raw.push(hex::decode(&digest).unwrap_or_default());
        resources.push(json!({ "name": it.name, "algorithm": it.algorithm, "digest": digest }));
    }
    let subject = root_digest(raw.iter().map(Vec::as_slice));
    let subject_hex = subject.trim_start_matches("sha256:").to_string();
    let mut serialization = json!({
        "method": opts.serialization.method(),
        "hash_type": opts.serialization.hash().name(),
        "allow_symlinks": opts.allow_symlinks,
        "ignore_paths": recorded,
    });
    if let Serialization::Shards { shard_size, .. } = opts.serialization {
        serialization["shard_size"] = Value::from(shard_size);
    }
    let statement = json!({
        "_type": super::statement::STATEMENT_V1,
        "subject": [{ "name": model_name(model), "digest": { "sha256": subject_hex } }],
        "predicateType": super::statement::PREDICATE_V1,
        "predicate": { "serialization": serialization, "resources": resources },
    });
    let payload = serde_json::to_vec_pretty(&statement).unwrap_or_default();
    let envelope = Envelope::sign_intoto(payload, key);
    Ok(Signed { bundle_json: key_bundle_json(&envelope, &key.public_key().hint()), subject_digest: subject, resources: items.len() })
}

/// Signs and writes the bundle atomically (temp file + rename).
pub fn sign_to_file(opts: &SignOptions, key: &PrivateKey, observer: &dyn HashObserver) -> Result<Signed, SignError> {
    let signed = sign_model(opts, key, observer)?;
    write_atomic(&opts.signature, signed.bundle_json.as_bytes())
        .map_err(|e| SignError::Write { path: opts.signature.clone(), source: e })?;
    Ok(signed)
}

/// Writes `bytes` to `path` via a synced temporary file in the same folder.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{}.tmp{}", path.file_name().and_then(|n| n.to_str()).unwrap_or("out"), std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

fn model_name(model: &Path) -> String {
    std::path::absolute(model)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "model".into())
}

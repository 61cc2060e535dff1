//! Model sources: turn what the user typed (a path, `oci://…`, `hf://…`)
//! into a local directory the verifier can read, pinned to an immutable
//! digest, with every fetched byte checked and the signatures found beside
//! the model listed.
//!
//! One entry point for every face: [`resolve`] (or [`resolve_async`] from
//! inside a tokio runtime). Local paths pass through unchanged. A tag or
//! branch that moves after resolution is caught by [`recheck`].
//!
//! - [`reference`]: parsing and path-safety rules.
//! - [`cache`]: the content-addressed blob cache.
//! - [`oci`]: registries (oci-client over reqwest/rustls).
//! - [`hf`]: Hugging Face cache snapshots and the Hub API (reqwest).

pub mod cache;
pub mod annotate;
pub mod cosign;
pub mod hf;
pub mod oci;
pub mod reference;

pub use reference::{HfRef, OciRef, SourceRef, parse};

use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;

/// Why a reference could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("invalid reference '{reference}': {reason}")]
    InvalidReference { reference: String, reason: String },
    #[error("--insecure-http is only allowed for loopback registries, not '{0}'")]
    InsecureNotLoopback(String),
    #[error("registry error for {context}: {message}")]
    Registry { context: String, message: String },
    #[error("{name}: digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch { name: String, expected: String, actual: String },
    #[error("unsafe file name '{name}' (absolute, '..' or otherwise outside the model)")]
    UnsafePath { name: String },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("Hugging Face Hub {url}: {message}")]
    Hub { url: String, message: String },
    #[error("credentials: {0}")]
    Credentials(String),
    #[error("size mismatch for {name}: expected {expected} bytes, got {actual}")]
    SizeMismatch { name: String, expected: u64, actual: u64 },
}

impl SourceError {
    /// Whether this is an integrity failure (fetched bytes that do not
    /// match their digest), as opposed to a usage or network problem.
    pub fn is_integrity(&self) -> bool {
        matches!(self, SourceError::DigestMismatch { .. } | SourceError::SizeMismatch { .. })
    }
}

/// What kind of source a reference resolved to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    Directory,
    File,
    Oci,
    Hf,
}

impl SourceKind {
    /// The report's `source.kind` word.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Directory => "directory",
            SourceKind::File => "file",
            SourceKind::Oci => "oci",
            SourceKind::Hf => "hf",
        }
    }
}

/// What a found signature is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureKind {
    /// An OMS `model.sig` inside the model itself.
    OmsSidecar,
    /// A Sigstore bundle referrer whose predicate is OpenSSF model signing.
    OmsBundle,
    /// Any other Sigstore bundle referrer (cosign 3 bundle format).
    SigstoreBundle,
    /// A legacy cosign `sha256-<hex>.sig` tag.
    CosignSignature,
    /// A legacy cosign `sha256-<hex>.att` tag.
    CosignAttestation,
    /// A Notary v2 signature (listed, not verified).
    Notation,
    /// A modelvet evidence bundle pushed with `export --push` (listed;
    /// check it with `modelvet evidence verify`).
    Evidence,
    /// Any other referrer.
    Other,
}

impl SignatureKind {
    pub fn word(self) -> &'static str {
        match self {
            SignatureKind::OmsSidecar => "OMS model.sig",
            SignatureKind::OmsBundle => "OMS Sigstore bundle (referrer)",
            SignatureKind::SigstoreBundle => "Sigstore bundle (referrer)",
            SignatureKind::CosignSignature => "cosign .sig tag",
            SignatureKind::CosignAttestation => "cosign .att tag",
            SignatureKind::Notation => "Notation signature (referrer)",
            SignatureKind::Evidence => "modelvet evidence bundle (referrer)",
            SignatureKind::Other => "referrer",
        }
    }
}

/// One signature or attestation found with the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundSignature {
    pub kind: SignatureKind,
    /// `model-file`, `referrers` (OCI 1.1 API or its `sha256-<hex>` tag
    /// fallback) or `cosign-tag`.
    pub discovered_via: String,
    /// The referrer manifest digest, or the tag, where it has one.
    pub location: String,
    pub artifact_type: Option<String>,
    pub predicate_type: Option<String>,
    /// The bundle saved locally (verified against its digest), when it can
    /// be handed to a verifier.
    pub local_path: Option<PathBuf>,
    /// Number of signature layers (cosign tags).
    pub layers: usize,
    /// Cosign simple-signing layers, payloads saved (cosign `.sig` tags).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cosign_layers: Vec<cosign::CosignLayer>,
}

/// A local directory ready to verify, and where it came from.
#[derive(Debug, Clone)]
pub struct ResolvedSource {
    /// What the user typed.
    pub original: String,
    /// The directory (or file) to verify.
    pub local_path: PathBuf,
    /// The digest-pinned reference (`oci://host/repo@sha256:…`,
    /// `hf://org/name@<commit>`); the path itself for local sources.
    pub pinned_reference: String,
    pub kind: SourceKind,
    pub signatures_found: Vec<FoundSignature>,
    /// Things the reviewer should know (skipped layers, missing referrers…).
    pub notes: Vec<String>,
    /// Files fetched or checked: (path, sha256 digest, size).
    pub files: Vec<FetchedFile>,
}

impl ResolvedSource {
    /// The manifest digest of an OCI source (`sha256:…` after the `@`).
    pub fn oci_digest(&self) -> Option<&str> {
        if self.kind != SourceKind::Oci {
            return None;
        }
        self.pinned_reference.rsplit_once('@').map(|(_, d)| d)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchedFile {
    pub path: String,
    pub digest: String,
    pub size: u64,
    /// `fetched`, `cached`, `checked` (HF LFS name), `git-sha1` (HF git
    /// blob name) or `unchecked`.
    pub how: String,
}

/// Download progress, reported per blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchProgress {
    /// File name (or digest when no name is known).
    pub name: String,
    pub bytes_done: u64,
    pub bytes_total: Option<u64>,
    pub finished: bool,
}

/// Receives download progress; called from the fetching task.
pub trait FetchObserver: Send + Sync {
    fn progress(&self, _p: &FetchProgress) {}
}

/// Ignores progress.
pub struct NoFetchObserver;
impl FetchObserver for NoFetchObserver {}

/// Registry credentials.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).field("password", &"<redacted>").finish()
    }
}

/// How to resolve.
#[derive(Clone)]
pub struct ResolveOptions {
    /// Cache root; default [`cache::default_cache_dir`].
    pub cache_dir: Option<PathBuf>,
    /// Plain HTTP to a loopback registry (tests, local development).
    pub insecure_http: bool,
    /// Explicit registry credentials (`--username/--password-stdin`).
    pub credentials: Option<Credentials>,
    /// Docker config file for `auths` entries; default `$DOCKER_CONFIG/config.json`
    /// or `~/.docker/config.json`.
    pub docker_config: Option<PathBuf>,
    /// Never contact the network for `hf://` (cache only).
    pub offline: bool,
    /// Hub endpoint; default `$HF_ENDPOINT` or `https://huggingface.co`.
    pub hf_endpoint: Option<String>,
    /// Hub token; default `$HF_TOKEN`.
    pub hf_token: Option<String>,
    /// Where to look for existing HF caches; default the HF env chain.
    pub hf_cache_dirs: Option<Vec<PathBuf>>,
    pub observer: Arc<dyn FetchObserver>,
}

impl Default for ResolveOptions {
    fn default() -> Self {
        ResolveOptions {
            cache_dir: None,
            insecure_http: false,
            credentials: None,
            docker_config: None,
            offline: false,
            hf_endpoint: None,
            hf_token: None,
            hf_cache_dirs: None,
            observer: Arc::new(NoFetchObserver),
        }
    }
}

impl std::fmt::Debug for ResolveOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResolveOptions")
            .field("cache_dir", &self.cache_dir)
            .field("insecure_http", &self.insecure_http)
            .field("credentials", &self.credentials)
            .field("offline", &self.offline)
            .finish_non_exhaustive()
    }
}

impl ResolveOptions {
    pub fn cache(&self) -> cache::Cache {
        cache::Cache::new(self.cache_dir.clone().unwrap_or_else(cache::default_cache_dir))
    }
}

/// Resolves a reference, blocking. Builds its own runtime, so call
/// [`resolve_async`] instead from inside a tokio runtime.
pub fn resolve(reference: &str, opts: &ResolveOptions) -> Result<ResolvedSource, SourceError> {
    if let SourceRef::Local(p) = parse(reference)? {
        return resolve_local(reference, p, opts);
    }
    runtime()?.block_on(resolve_async(reference, opts))
}

/// Resolves a reference.
pub async fn resolve_async(reference: &str, opts: &ResolveOptions) -> Result<ResolvedSource, SourceError> {
    match parse(reference)? {
        SourceRef::Local(p) => resolve_local(reference, p, opts),
        SourceRef::Oci(r) => oci::resolve(reference, &r, opts).await,
        SourceRef::Hf(r) => hf::resolve(reference, &r, opts).await,
    }
}

/// A local path: used as is, unless it is a snapshot (or repo folder) in a
/// Hugging Face cache, which is opened with its blob checks.
fn resolve_local(reference: &str, path: PathBuf, opts: &ResolveOptions) -> Result<ResolvedSource, SourceError> {
    if let Some((r, snap)) = hf::detect_local(&path) {
        return hf::open_snapshot(reference, &r, &snap, opts, "local Hugging Face cache");
    }
    let kind = if path.is_file() { SourceKind::File } else { SourceKind::Directory };
    let mut signatures_found = Vec::new();
    let sig = if path.is_dir() { Some(path.join(crate::oms::DEFAULT_SIGNATURE_NAME)) } else { None };
    if let Some(sig) = sig.filter(|s| s.is_file()) {
        signatures_found.push(oms_sidecar(sig));
    }
    Ok(ResolvedSource {
        original: reference.to_string(),
        pinned_reference: reference.to_string(),
        local_path: path,
        kind,
        signatures_found,
        notes: Vec::new(),
        files: Vec::new(),
    })
}

pub(crate) fn oms_sidecar(path: PathBuf) -> FoundSignature {
    FoundSignature {
        kind: SignatureKind::OmsSidecar,
        discovered_via: "model-file".into(),
        location: crate::oms::DEFAULT_SIGNATURE_NAME.into(),
        artifact_type: None,
        predicate_type: None,
        local_path: Some(path),
        layers: 1,
        cosign_layers: Vec::new(),
    }
}

/// The answer of [`recheck`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recheck {
    /// The reference still resolves to the pinned digest (or was pinned).
    Unchanged,
    /// The tag or branch now points elsewhere.
    Moved { was: String, now: String },
}

/// Resolves the user's original reference again (metadata only, no
/// download) and compares it with the pinned one: a tag that moved between
/// open and approve is reported, never silently followed.
pub fn recheck(resolved: &ResolvedSource, opts: &ResolveOptions) -> Result<Recheck, SourceError> {
    match parse(&resolved.original)? {
        SourceRef::Local(_) => Ok(Recheck::Unchanged),
        _ => runtime()?.block_on(recheck_async(resolved, opts)),
    }
}

/// Why a decision about a reference must not be recorded now.
#[derive(Debug, thiserror::Error)]
pub enum NotPinned {
    #[error(
        "tag moved, nothing recorded: {original} pointed to {was} when verified and now points to {now}; review the new target, or name the verified one: {was}"
    )]
    Moved { original: String, was: String, now: String },
    #[error("cannot re-check {original} before recording: {source}")]
    Recheck { original: String, source: SourceError },
}

/// Before anything is recorded about a reference given by tag or branch
/// (both faces call this right before writing): it must still resolve to
/// what was verified. A re-check that cannot be done also refuses.
pub fn ensure_unmoved(resolved: &ResolvedSource, opts: &ResolveOptions) -> Result<(), NotPinned> {
    match recheck(resolved, opts) {
        Ok(Recheck::Unchanged) => Ok(()),
        Ok(Recheck::Moved { was, now }) => Err(NotPinned::Moved { original: resolved.original.clone(), was, now }),
        Err(source) => Err(NotPinned::Recheck { original: resolved.original.clone(), source }),
    }
}

pub async fn recheck_async(resolved: &ResolvedSource, opts: &ResolveOptions) -> Result<Recheck, SourceError> {
    let now = match parse(&resolved.original)? {
        SourceRef::Local(_) => return Ok(Recheck::Unchanged),
        SourceRef::Oci(r) => {
            let digest = oci::head_digest(&r, opts).await?;
            r.pinned(&digest)
        }
        SourceRef::Hf(r) => {
            let commit = hf::resolve_commit(&r, opts).await?;
            r.pinned(&commit)
        }
    };
    if now == resolved.pinned_reference {
        Ok(Recheck::Unchanged)
    } else {
        Ok(Recheck::Moved { was: resolved.pinned_reference.clone(), now })
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, SourceError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SourceError::Io { path: PathBuf::from("<tokio runtime>"), source: e })
}

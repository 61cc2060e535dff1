//! The content-addressed cache: where fetched blobs live and where models
//! fetched from registries are laid out as plain directories for the
//! verifier.
//!
//! Layout under the cache root (`$MODELVET_CACHE_DIR`, else the platform
//! cache dir, e.g. `~/.cache/modelvet`):
//!
//! ```text
//! blobs/sha256/<hex>            verified blobs (immutable, named by digest)
//! blobs/sha256/<hex>.partial    an interrupted download, resumed next time
//! oci/<host_port>/<repo>/sha256-<hex>/model/…   a pulled model, files hard-linked to blobs
//! oci/<host_port>/<repo>/sha256-<hex>/referrers/…  signature bundles found beside it
//! hf/hub/models--ORG--NAME/…    Hugging Face downloads, in the HF cache layout
//! ```
//!
//! A blob is only ever renamed from `.partial` to its final name after its
//! SHA-256 matched; a cached blob is re-hashed before reuse, so a blob
//! modified in the cache is detected and fetched again.

use super::SourceError;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The environment variable that overrides the cache root.
pub const CACHE_ENV: &str = "MODELVET_CACHE_DIR";

/// The cache root: `$MODELVET_CACHE_DIR`, else the platform cache directory.
pub fn default_cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os(CACHE_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    directories::ProjectDirs::from("dev", "modelvet", "modelvet")
        .map(|d| d.cache_dir().to_path_buf())
        .unwrap_or_else(|| std::env::temp_dir().join("modelvet-cache"))
}

/// A blob store rooted at a cache directory.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
}

impl Cache {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Cache { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Final path of a blob; `digest` must be `sha256:<64 hex>`.
    pub fn blob_path(&self, digest: &str) -> Result<PathBuf, SourceError> {
        let hex = sha256_hex(digest)?;
        Ok(self.root.join("blobs").join("sha256").join(hex))
    }

    pub fn partial_path(&self, digest: &str) -> Result<PathBuf, SourceError> {
        let hex = sha256_hex(digest)?;
        Ok(self.root.join("blobs").join("sha256").join(format!("{hex}.partial")))
    }

    /// Whether a verified blob is cached, re-hashing it to be sure. A blob
    /// whose content no longer matches is removed.
    pub fn has_verified_blob(&self, digest: &str) -> Result<bool, SourceError> {
        let path = self.blob_path(digest)?;
        if !path.is_file() {
            return Ok(false);
        }
        let (actual, _) = hash_file(&path)?;
        if actual == digest {
            Ok(true)
        } else {
            let _ = std::fs::remove_file(&path);
            Ok(false)
        }
    }

    /// Stores bytes already in memory under their digest after checking it.
    pub fn put_bytes(&self, digest: &str, name: &str, bytes: &[u8]) -> Result<PathBuf, SourceError> {
        let actual = sha256_digest(bytes);
        if actual != digest {
            return Err(SourceError::DigestMismatch {
                name: name.to_string(),
                expected: digest.to_string(),
                actual,
            });
        }
        let path = self.blob_path(digest)?;
        if path.is_file() && self.has_verified_blob(digest)? {
            return Ok(path);
        }
        let tmp = self.partial_path(digest)?;
        write_file(&tmp, bytes)?;
        rename(&tmp, &path)?;
        Ok(path)
    }

    /// Directory for a pulled OCI model (`oci/<host_port>/<repo>/sha256-<hex>`).
    pub fn oci_dir(&self, registry: &str, repository: &str, manifest_digest: &str) -> Result<PathBuf, SourceError> {
        let hex = sha256_hex(manifest_digest)?;
        let host = registry.replace(':', "_");
        let mut p = self.root.join("oci").join(super::reference::safe_relative_path(&host)?);
        p.push(super::reference::safe_relative_path(repository)?);
        p.push(format!("sha256-{hex}"));
        Ok(p)
    }

    /// The HF hub cache modelvet downloads into.
    pub fn hf_hub_dir(&self) -> PathBuf {
        self.root.join("hf").join("hub")
    }
}

/// `sha256:<hex>` → `<hex>`, rejecting anything else (the digest becomes a
/// file name, so it must be exactly 64 lowercase hex digits).
pub fn sha256_hex(digest: &str) -> Result<&str, SourceError> {
    match digest.strip_prefix("sha256:") {
        Some(hex) if super::reference::is_lower_hex(hex, 64) => Ok(hex),
        _ => Err(SourceError::Unsupported(format!("digest '{digest}' is not sha256:<64 lowercase hex>"))),
    }
}

pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// SHA-256 of a file as `sha256:<hex>`, and its size.
pub fn hash_file(path: &Path) -> Result<(String, u64), SourceError> {
    let mut f = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf).map_err(|e| io_err(path, e))?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((format!("sha256:{}", hex::encode(h.finalize())), n))
}

/// Feeds an existing partial file into a hasher (for resuming).
pub fn hash_prefix(path: &Path, h: &mut Sha256) -> Result<u64, SourceError> {
    let mut f = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf).map_err(|e| io_err(path, e))?;
        if k == 0 {
            return Ok(n);
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
}

pub fn io_err(path: &Path, e: std::io::Error) -> SourceError {
    SourceError::Io { path: path.to_path_buf(), source: e }
}

pub fn create_dir_all(path: &Path) -> Result<(), SourceError> {
    std::fs::create_dir_all(path).map_err(|e| io_err(path, e))
}

pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), SourceError> {
    if let Some(parent) = path.parent() {
        create_dir_all(parent)?;
    }
    let mut f = std::fs::File::create(path).map_err(|e| io_err(path, e))?;
    f.write_all(bytes).map_err(|e| io_err(path, e))
}

pub fn rename(from: &Path, to: &Path) -> Result<(), SourceError> {
    if let Some(parent) = to.parent() {
        create_dir_all(parent)?;
    }
    std::fs::rename(from, to).map_err(|e| io_err(to, e))
}

/// Places a cached blob at `dest` (hard link, or a copy where links fail).
pub fn link_or_copy(blob: &Path, dest: &Path) -> Result<(), SourceError> {
    if let Some(parent) = dest.parent() {
        create_dir_all(parent)?;
    }
    if std::fs::hard_link(blob, dest).is_ok() {
        return Ok(());
    }
    std::fs::copy(blob, dest).map(|_| ()).map_err(|e| io_err(dest, e))
}

/// Replaces directory `final_dir` with the freshly built `staging` one.
pub fn replace_dir(staging: &Path, final_dir: &Path) -> Result<(), SourceError> {
    if final_dir.exists() {
        std::fs::remove_dir_all(final_dir).map_err(|e| io_err(final_dir, e))?;
    }
    rename(staging, final_dir)
}

/// A staging directory name beside `final_dir`, unique to this process.
pub fn staging_dir(final_dir: &Path) -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = final_dir.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    final_dir.with_file_name(format!(".{name}.tmp-{}-{n}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_and_reuse() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let d = sha256_digest(b"hello");
        let p = cache.put_bytes(&d, "x", b"hello").unwrap();
        assert!(cache.has_verified_blob(&d).unwrap());
        std::fs::write(&p, b"HELLO").unwrap();
        assert!(!cache.has_verified_blob(&d).unwrap(), "a modified cached blob is not reused");
        assert!(!p.exists());
        assert!(matches!(cache.put_bytes(&d, "x", b"bye"), Err(SourceError::DigestMismatch { .. })));
        assert!(cache.blob_path("sha256:../../etc").is_err());
    }
}

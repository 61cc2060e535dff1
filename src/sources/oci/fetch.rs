//! Streaming a blob into the cache with its digest checked on the way.
//!
//! Uses oci-client's `pull_blob_stream_partial` (it handles auth and
//! registry redirects) but hashes every byte itself: the library only
//! verifies full responses, and we need a resumed download (a `.partial`
//! file plus a `Range` request) to be verified over the whole blob, and an
//! error that names the file the blob is. The blob is renamed into place
//! only after its SHA-256 and size matched.

use super::manifest::Descriptor;
use crate::sources::cache::{Cache, hash_prefix, io_err, rename};
use crate::sources::{FetchObserver, FetchProgress, SourceError};
use futures_util::StreamExt;
use oci_client::client::BlobResponse;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::PathBuf;

/// How a blob was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Obtained {
    Cached,
    Fetched,
    Resumed,
}

impl Obtained {
    pub fn word(self) -> &'static str {
        match self {
            Obtained::Cached => "cached",
            Obtained::Fetched => "fetched",
            Obtained::Resumed => "resumed",
        }
    }
}

/// Fetches `desc` into the cache (or reuses the cached copy after
/// re-hashing it) and returns its path. `name` is used in errors/progress.
pub async fn fetch_blob(
    client: &oci_client::Client,
    image: &oci_client::Reference,
    desc: &Descriptor,
    name: &str,
    cache: &Cache,
    observer: &dyn FetchObserver,
) -> Result<(PathBuf, Obtained), SourceError> {
    let final_path = cache.blob_path(&desc.digest)?;
    if cache.has_verified_blob(&desc.digest)? {
        let size = std::fs::metadata(&final_path).map_err(|e| io_err(&final_path, e))?.len();
        if size == desc.size {
            observer.progress(&FetchProgress { name: name.into(), bytes_done: size, bytes_total: Some(size), finished: true });
            return Ok((final_path, Obtained::Cached));
        }
    }
    let partial = cache.partial_path(&desc.digest)?;
    if let Some(parent) = partial.parent() {
        crate::sources::cache::create_dir_all(parent)?;
    }
    let mut hasher = Sha256::new();
    let mut offset = match std::fs::metadata(&partial) {
        Ok(m) if m.len() > 0 && m.len() < desc.size => hash_prefix(&partial, &mut hasher)?,
        _ => 0,
    };
    let response = client
        .pull_blob_stream_partial(image, &desc.to_client(), offset, None)
        .await
        .map_err(|e| super::registry_err(&format!("blob {} ({name})", desc.digest), e))?;
    let (stream, resumed) = match response {
        BlobResponse::Partial(s) => (s, offset > 0),
        BlobResponse::Full(s) => {
            // The registry ignored the range: start over.
            hasher = Sha256::new();
            offset = 0;
            (s, false)
        }
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(offset > 0)
        .write(true)
        .truncate(offset == 0)
        .open(&partial)
        .map_err(|e| io_err(&partial, e))?;
    let mut done = offset;
    let mut stream = stream.stream;
    let mut stream_error = None;
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                stream_error = Some(e);
                break;
            }
        };
        done += chunk.len() as u64;
        if done > desc.size {
            drop(file);
            let _ = std::fs::remove_file(&partial);
            return Err(SourceError::SizeMismatch { name: blob_name(desc, name), expected: desc.size, actual: done });
        }
        hasher.update(&chunk);
        file.write_all(&chunk).map_err(|e| io_err(&partial, e))?;
        observer.progress(&FetchProgress { name: name.into(), bytes_done: done, bytes_total: Some(desc.size), finished: false });
    }
    file.flush().map_err(|e| io_err(&partial, e))?;
    drop(file);
    let actual = format!("sha256:{}", hex::encode(hasher.finalize()));
    if done == desc.size && actual != desc.digest {
        // Bytes that do not match must never be reused or resumed.
        let _ = std::fs::remove_file(&partial);
        return Err(SourceError::DigestMismatch { name: blob_name(desc, name), expected: desc.digest.clone(), actual });
    }
    if let Some(e) = stream_error {
        // Keep the partial file: the next run resumes from it.
        return Err(SourceError::Registry { context: format!("blob {} ({name})", desc.digest), message: e.to_string() });
    }
    if done != desc.size {
        let _ = std::fs::remove_file(&partial);
        return Err(SourceError::SizeMismatch { name: blob_name(desc, name), expected: desc.size, actual: done });
    }
    rename(&partial, &final_path)?;
    observer.progress(&FetchProgress { name: name.into(), bytes_done: done, bytes_total: Some(desc.size), finished: true });
    Ok((final_path, if resumed { Obtained::Resumed } else { Obtained::Fetched }))
}

fn blob_name(desc: &Descriptor, name: &str) -> String {
    format!("blob {} ({name})", desc.digest)
}

/// Fetches a small blob (a config or signature bundle) into memory,
/// checking digest and size, through the same cache.
pub async fn fetch_small(
    client: &oci_client::Client,
    image: &oci_client::Reference,
    desc: &Descriptor,
    name: &str,
    cache: &Cache,
    limit: u64,
) -> Result<Vec<u8>, SourceError> {
    if desc.size > limit {
        return Err(SourceError::Unsupported(format!("{name} is {} bytes, more than the {limit}-byte limit", desc.size)));
    }
    let (path, _) = fetch_blob(client, image, desc, name, cache, &crate::sources::NoFetchObserver).await?;
    std::fs::read(&path).map_err(|e| io_err(&path, e))
}

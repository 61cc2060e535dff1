//! The Hugging Face Hub over HTTP (reqwest): resolve a revision to its
//! commit, list the files at that commit, download them into modelvet's
//! cache in the HF cache layout. Hand-written on reqwest because hf-hub 1.0
//! pulls in hf-xet and raises the MSRV (see the crate notes).
//!
//! Endpoints: `GET /api/{models|datasets|spaces}/{id}/revision/{rev}` for the
//! commit (`sha`), `GET /api/…/{id}/tree/{commit}?recursive=true` (paged by
//! `Link: rel="next"`) for `path`, `size`, `oid` (git SHA-1) and `lfs.oid`
//! (SHA-256), and `GET /{prefix}{id}/resolve/{commit}/{path}` for content.
//! `HF_ENDPOINT` and `HF_TOKEN` are honoured; plain `http://` only for a
//! loopback endpoint. Every download is pinned to the commit and checked
//! against its oid while streaming before it is renamed into `blobs/`.

use super::Snapshot;
use crate::sources::cache::{create_dir_all, io_err, rename};
use crate::sources::reference::{is_lower_hex, is_loopback, safe_relative_path};
use crate::sources::{FetchProgress, HfRef, ResolveOptions, SourceError};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::time::Duration;

pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";
const MAX_PAGES: usize = 1000;

#[derive(Debug, Clone, serde::Deserialize)]
pub struct RepoInfo {
    pub sha: String,
}

#[derive(Debug, Clone, serde::Deserialize)]
struct TreeEntry {
    #[serde(rename = "type")]
    kind: String,
    path: String,
    #[serde(default)]
    oid: Option<String>,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    lfs: Option<Lfs>,
}

#[derive(Debug, Clone, serde::Deserialize)]
struct Lfs {
    oid: String,
    #[serde(default)]
    size: Option<u64>,
}

struct Hub {
    endpoint: String,
    token: Option<String>,
    http: reqwest::Client,
}

fn hub(opts: &ResolveOptions) -> Result<Hub, SourceError> {
    let endpoint = opts
        .hf_endpoint
        .clone()
        .or_else(|| std::env::var("HF_ENDPOINT").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string());
    let endpoint = endpoint.trim_end_matches('/').to_string();
    let url = reqwest::Url::parse(&endpoint)
        .map_err(|e| SourceError::Hub { url: endpoint.clone(), message: format!("invalid endpoint: {e}") })?;
    match url.scheme() {
        "https" => {}
        "http" if url.host_str().is_some_and(|h| is_loopback(h.trim_start_matches('[').trim_end_matches(']'))) => {}
        _ => {
            return Err(SourceError::Hub { url: endpoint, message: "only https:// (or http:// on loopback) endpoints".into() });
        }
    }
    let token = opts.hf_token.clone().or_else(|| std::env::var("HF_TOKEN").ok().filter(|s| !s.is_empty()));
    let http = reqwest::Client::builder()
        .user_agent(concat!("modelvet/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(30))
        .read_timeout(Duration::from_secs(120))
        .build()
        .map_err(|e| SourceError::Hub { url: endpoint.clone(), message: e.to_string() })?;
    Ok(Hub { endpoint, token, http })
}

impl Hub {
    async fn get(&self, url: &str) -> Result<reqwest::Response, SourceError> {
        let mut req = self.http.get(url);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.map_err(|e| SourceError::Hub { url: url.to_string(), message: chain(&e) })?;
        let status = resp.status();
        if !status.is_success() {
            let hint = match status.as_u16() {
                401 | 403 => " (gated or private: set HF_TOKEN)",
                404 => " (no such repository, revision or file)",
                _ => "",
            };
            return Err(SourceError::Hub { url: url.to_string(), message: format!("HTTP {status}{hint}") });
        }
        Ok(resp)
    }

    async fn json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<(T, Option<String>), SourceError> {
        let resp = self.get(url).await?;
        let next = next_link(resp.headers());
        let bytes = resp.bytes().await.map_err(|e| SourceError::Hub { url: url.to_string(), message: chain(&e) })?;
        let v = serde_json::from_slice(&bytes)
            .map_err(|e| SourceError::Hub { url: url.to_string(), message: format!("unexpected answer: {e}") })?;
        Ok((v, next))
    }

    fn api(&self, r: &HfRef) -> String {
        format!("{}/api/{}/{}", self.endpoint, r.repo_type.cache_prefix(), r.repo_id)
    }
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// `Link: <url>; rel="next"`.
fn next_link(headers: &reqwest::header::HeaderMap) -> Option<String> {
    let link = headers.get(reqwest::header::LINK)?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params.contains("rel=\"next\"").then(|| url.trim().trim_start_matches('<').trim_end_matches('>').to_string())
    })
}

/// Percent-encodes one path segment (revisions may contain `/`).
fn encode_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn encode_path(p: &str) -> String {
    p.split('/').map(encode_segment).collect::<Vec<_>>().join("/")
}

/// The repo at a revision: its commit sha.
pub async fn repo_info(r: &HfRef, opts: &ResolveOptions) -> Result<RepoInfo, SourceError> {
    let h = hub(opts)?;
    let url = format!("{}/revision/{}", h.api(r), encode_segment(r.revision_or_main()));
    let (info, _): (RepoInfo, _) = h.json(&url).await?;
    if !is_lower_hex(&info.sha, 40) {
        return Err(SourceError::Hub { url, message: format!("commit '{}' is not 40 hex digits", info.sha) });
    }
    Ok(info)
}

/// Downloads the repo at the resolved commit into modelvet's HF cache.
pub async fn download(r: &HfRef, opts: &ResolveOptions) -> Result<Snapshot, SourceError> {
    let h = hub(opts)?;
    let commit = repo_info(r, opts).await?.sha;
    let mut entries: Vec<TreeEntry> = Vec::new();
    let mut url = Some(format!("{}/tree/{commit}?recursive=true", h.api(r)));
    let mut pages = 0;
    while let Some(u) = url {
        pages += 1;
        if pages > MAX_PAGES {
            return Err(SourceError::Hub { url: u, message: "too many pages".into() });
        }
        let (page, next): (Vec<TreeEntry>, _) = h.json(&u).await?;
        entries.extend(page);
        url = next;
    }
    let repo_dir = opts.cache().hf_hub_dir().join(r.cache_folder());
    let blobs = repo_dir.join("blobs");
    let snap_dir = repo_dir.join("snapshots").join(&commit);
    create_dir_all(&blobs)?;
    for e in entries.iter().filter(|e| e.kind == "file") {
        let rel = safe_relative_path(&e.path)?;
        let (blob_name, size) = match &e.lfs {
            Some(l) if is_lower_hex(&l.oid, 64) => (l.oid.clone(), l.size.or(e.size)),
            Some(l) => return Err(SourceError::Hub { url: e.path.clone(), message: format!("LFS oid '{}' is not sha256", l.oid) }),
            None => match &e.oid {
                Some(o) if is_lower_hex(o, 40) => (o.clone(), e.size),
                _ => return Err(SourceError::Hub { url: e.path.clone(), message: "file without a git oid".into() }),
            },
        };
        let blob = blobs.join(&blob_name);
        let cached = blob.is_file() && blob_matches(&blob, &blob_name)?;
        if !cached {
            let file_url = format!(
                "{}/{}{}/resolve/{commit}/{}",
                h.endpoint,
                r.repo_type.url_prefix(),
                r.repo_id,
                encode_path(&e.path)
            );
            fetch_to_blob(&h, &file_url, &e.path, &blob, &blob_name, size, opts).await?;
        }
        let link = snap_dir.join(&rel);
        place_in_snapshot(&blob, &link, &rel)?;
    }
    if !is_lower_hex(r.revision_or_main(), 40) {
        let ref_file = repo_dir.join("refs").join(safe_relative_path(r.revision_or_main())?);
        crate::sources::cache::write_file(&ref_file, commit.as_bytes())?;
    }
    Ok(Snapshot { repo_dir, commit, dir: snap_dir })
}

fn blob_matches(path: &std::path::Path, name: &str) -> Result<bool, SourceError> {
    let (s256, s1, _) = super::hash_both(path)?;
    Ok(if name.len() == 64 { s256 == name } else { s1 == name })
}

async fn fetch_to_blob(
    h: &Hub,
    url: &str,
    rel: &str,
    blob: &std::path::Path,
    blob_name: &str,
    size: Option<u64>,
    opts: &ResolveOptions,
) -> Result<(), SourceError> {
    let resp = h.get(url).await?;
    let total = size.or(resp.content_length());
    let tmp = blob.with_file_name(format!("{blob_name}.incomplete"));
    let mut f = std::fs::File::create(&tmp).map_err(|e| io_err(&tmp, e))?;
    let mut data_hash = Sha256::new();
    // Git blob ids hash a `blob <size>\0` header first, so need the size.
    let mut git = if blob_name.len() == 40 {
        let s = size.ok_or_else(|| SourceError::Hub { url: url.to_string(), message: format!("{rel}: no size listed") })?;
        let mut h = sha1::Sha1::new();
        h.update(format!("blob {s}\0").as_bytes());
        Some(h)
    } else {
        None
    };
    let mut done = 0u64;
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| SourceError::Hub { url: url.to_string(), message: chain(&e) })?;
        done += chunk.len() as u64;
        if let Some(t) = size
            && done > t
        {
            let _ = std::fs::remove_file(&tmp);
            return Err(SourceError::SizeMismatch { name: rel.to_string(), expected: t, actual: done });
        }
        data_hash.update(&chunk);
        if let Some(h) = git.as_mut() {
            h.update(&chunk);
        }
        f.write_all(&chunk).map_err(|e| io_err(&tmp, e))?;
        opts.observer.progress(&FetchProgress { name: rel.to_string(), bytes_done: done, bytes_total: total, finished: false });
    }
    f.flush().map_err(|e| io_err(&tmp, e))?;
    drop(f);
    if let Some(t) = size
        && done != t
    {
        let _ = std::fs::remove_file(&tmp);
        return Err(SourceError::SizeMismatch { name: rel.to_string(), expected: t, actual: done });
    }
    let actual = match git {
        Some(h) => hex::encode(h.finalize()),
        None => hex::encode(data_hash.finalize()),
    };
    if actual != blob_name {
        let _ = std::fs::remove_file(&tmp);
        let alg = if blob_name.len() == 40 { "git-sha1" } else { "sha256" };
        return Err(SourceError::DigestMismatch {
            name: rel.to_string(),
            expected: format!("{alg}:{blob_name}"),
            actual: format!("{alg}:{actual}"),
        });
    }
    rename(&tmp, blob)?;
    opts.observer.progress(&FetchProgress { name: rel.to_string(), bytes_done: done, bytes_total: total, finished: true });
    Ok(())
}

/// `snapshots/<commit>/<rel>` → relative symlink to `../../blobs/<name>`
/// (a copy where symlinks are unavailable).
fn place_in_snapshot(blob: &std::path::Path, link: &std::path::Path, rel: &std::path::Path) -> Result<(), SourceError> {
    if let Some(parent) = link.parent() {
        create_dir_all(parent)?;
    }
    if std::fs::symlink_metadata(link).is_ok() {
        std::fs::remove_file(link).map_err(|e| io_err(link, e))?;
    }
    make_link(blob, link, rel)
}

#[cfg(unix)]
fn make_link(blob: &std::path::Path, link: &std::path::Path, rel: &std::path::Path) -> Result<(), SourceError> {
    // snapshots/<commit>/<rel…> up to the repo dir, then blobs/<name>.
    let depth = rel.components().count() + 1;
    let mut target = std::path::PathBuf::new();
    for _ in 0..depth {
        target.push("..");
    }
    target.push("blobs");
    if let Some(name) = blob.file_name() {
        target.push(name);
    }
    std::os::unix::fs::symlink(&target, link).map_err(|e| io_err(link, e))
}

#[cfg(not(unix))]
fn make_link(blob: &std::path::Path, link: &std::path::Path, _rel: &std::path::Path) -> Result<(), SourceError> {
    std::fs::copy(blob, link).map(|_| ()).map_err(|e| io_err(link, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_and_encoding() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(reqwest::header::LINK, "<https://x/api/tree?cursor=2>; rel=\"next\"".parse().unwrap());
        assert_eq!(next_link(&h).as_deref(), Some("https://x/api/tree?cursor=2"));
        assert_eq!(encode_segment("refs/pr/1"), "refs%2Fpr%2F1");
        assert_eq!(encode_path("a b/c.json"), "a%20b/c.json");
    }

    #[test]
    fn endpoint_policy() {
        let mut o = ResolveOptions { hf_endpoint: Some("http://example.com".into()), ..Default::default() };
        assert!(hub(&o).is_err());
        o.hf_endpoint = Some("http://127.0.0.1:9".into());
        assert!(hub(&o).is_ok());
    }
}

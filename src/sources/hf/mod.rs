//! Hugging Face models: local cache snapshots (`models--ORG--NAME/snapshots/REV`,
//! and `hf://ORG/NAME@REV` looked up in the cache offline) and the Hub API
//! ([`hub`]). Hand-written (about what hf-hub 0.4's offline cache does):
//! hf-hub 1.0 drags in hf-xet and a newer MSRV, and we need the blob checks
//! it does not do.
//!
//! Every file of a snapshot is a symlink to `../../blobs/<name>`. The name
//! is the SHA-256 of the content for LFS files and the git blob SHA-1 for
//! the rest, so both are checked against the content; a link that leaves
//! the repo's `blobs/` is refused. The verifier gets a view of hard links
//! (copies across file systems) under our cache, because OMS rules forbid
//! following links out of the model directory.
//!
//! Offline, the mapping "snapshot X is Hub commit X" rests on local
//! symlinks and is unauthenticated; a signature over the files (model.sig)
//! is what proves the content. The resolution note says so.

pub mod hub;

use crate::sources::cache::{create_dir_all, io_err, link_or_copy, replace_dir, staging_dir};
use crate::sources::reference::{HfRepoType, is_lower_hex};
use crate::sources::{FetchedFile, HfRef, ResolveOptions, ResolvedSource, SourceError, SourceKind, oms_sidecar};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The HF hub cache per the HF environment chain.
pub fn env_hf_cache() -> Option<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    var("HF_HUB_CACHE")
        .or_else(|| var("HUGGINGFACE_HUB_CACHE"))
        .or_else(|| var("HF_HOME").map(|h| h.join("hub")))
        .or_else(|| var("XDG_CACHE_HOME").map(|x| x.join("huggingface").join("hub")))
        .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().join(".cache").join("huggingface").join("hub")))
}

/// Caches searched offline: the user's HF cache, then modelvet's own.
pub fn cache_dirs(opts: &ResolveOptions) -> Vec<PathBuf> {
    if let Some(d) = &opts.hf_cache_dirs {
        return d.clone();
    }
    let mut v: Vec<PathBuf> = env_hf_cache().into_iter().collect();
    v.push(opts.cache().hf_hub_dir());
    v
}

/// A snapshot directory in some cache.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub repo_dir: PathBuf,
    pub commit: String,
    pub dir: PathBuf,
}

/// Resolves `r`'s revision to a commit using a cache's `refs/`.
pub fn find_snapshot(dirs: &[PathBuf], r: &HfRef) -> Result<Option<Snapshot>, SourceError> {
    let rev = r.revision_or_main();
    for d in dirs {
        let repo_dir = d.join(r.cache_folder());
        if !repo_dir.is_dir() {
            continue;
        }
        let commit = if is_lower_hex(rev, 40) {
            rev.to_string()
        } else {
            let ref_file = repo_dir.join("refs").join(crate::sources::reference::safe_relative_path(rev)?);
            match std::fs::read_to_string(&ref_file) {
                Ok(s) if is_lower_hex(s.trim(), 40) => s.trim().to_string(),
                Ok(_) => {
                    return Err(SourceError::Unsupported(format!("{} does not hold a 40-hex commit", ref_file.display())));
                }
                Err(_) => continue,
            }
        };
        let dir = repo_dir.join("snapshots").join(&commit);
        if dir.is_dir() {
            return Ok(Some(Snapshot { repo_dir, commit, dir }));
        }
    }
    Ok(None)
}

/// Recognises a local path inside an HF cache: a snapshot directory
/// (`…/models--ORG--NAME/snapshots/<commit>`) or the repo folder itself
/// (opened at `refs/main`).
pub fn detect_local(path: &Path) -> Option<(HfRef, Snapshot)> {
    let canon = std::fs::canonicalize(path).ok()?;
    let from_folder = |folder: &str| -> Option<HfRef> {
        let (kind, rest) = folder.split_once("--")?;
        let repo_type = match kind {
            "models" => HfRepoType::Model,
            "datasets" => HfRepoType::Dataset,
            "spaces" => HfRepoType::Space,
            _ => return None,
        };
        let repo_id = rest.replacen("--", "/", 1);
        if repo_id.is_empty() || repo_id.contains("--") {
            return None;
        }
        Some(HfRef { repo_type, repo_id, revision: None })
    };
    let name = canon.file_name()?.to_str()?;
    let parent = canon.parent()?;
    if parent.file_name()?.to_str()? == "snapshots" && is_lower_hex(name, 40) {
        let repo_dir = parent.parent()?;
        let mut r = from_folder(repo_dir.file_name()?.to_str()?)?;
        r.revision = Some(name.to_string());
        return Some((r, Snapshot { repo_dir: repo_dir.to_path_buf(), commit: name.to_string(), dir: canon.clone() }));
    }
    if canon.join("snapshots").is_dir() {
        let r = from_folder(name)?;
        let snap = find_snapshot(&[parent.to_path_buf()], &r).ok()??;
        return Some((r, snap));
    }
    None
}

/// Resolves `hf://…`: the local caches first for a pinned commit (or when
/// offline), else the Hub.
pub async fn resolve(original: &str, r: &HfRef, opts: &ResolveOptions) -> Result<ResolvedSource, SourceError> {
    let dirs = cache_dirs(opts);
    let rev = r.revision_or_main();
    if (opts.offline || is_lower_hex(rev, 40))
        && let Some(snap) = find_snapshot(&dirs, r)?
    {
        return open_snapshot(original, r, &snap, opts, "local Hugging Face cache");
    }
    if opts.offline {
        let searched: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
        return Err(SourceError::NotFound(format!(
            "{} revision {rev} is not in the local Hugging Face cache (searched {})",
            r.repo_id,
            searched.join(", ")
        )));
    }
    let snap = hub::download(r, opts).await?;
    open_snapshot(original, r, &snap, opts, "Hugging Face Hub")
}

/// The commit `r` resolves to now (Hub when online, else the cache refs).
pub async fn resolve_commit(r: &HfRef, opts: &ResolveOptions) -> Result<String, SourceError> {
    let rev = r.revision_or_main();
    if is_lower_hex(rev, 40) {
        return Ok(rev.to_string());
    }
    if opts.offline {
        return find_snapshot(&cache_dirs(opts), r)?
            .map(|s| s.commit)
            .ok_or_else(|| SourceError::NotFound(format!("{} revision {rev} in the local cache", r.repo_id)));
    }
    Ok(hub::repo_info(r, opts).await?.sha)
}

/// Checks every blob of a snapshot and lays out a verifiable view.
pub fn open_snapshot(
    original: &str,
    r: &HfRef,
    snap: &Snapshot,
    opts: &ResolveOptions,
    origin: &str,
) -> Result<ResolvedSource, SourceError> {
    let mut entries = Vec::new();
    collect(&snap.dir, "", &mut entries)?;
    let blobs_dir = snap.repo_dir.join("blobs");
    let blobs_canon = std::fs::canonicalize(&blobs_dir).ok();
    let mut files = Vec::new();
    let mut sources = Vec::new();
    for rel in entries {
        let path = snap.dir.join(&rel);
        let lmeta = std::fs::symlink_metadata(&path).map_err(|e| io_err(&path, e))?;
        let (content, blob_name) = if lmeta.file_type().is_symlink() {
            let target = std::fs::canonicalize(&path).map_err(|e| io_err(&path, e))?;
            let inside = blobs_canon.as_ref().is_some_and(|b| target.starts_with(b));
            if !inside {
                return Err(SourceError::UnsafePath { name: format!("{rel} (links outside the repo's blobs/)") });
            }
            let name = target.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            (target, Some(name))
        } else {
            (path.clone(), None)
        };
        let (sha256, git_sha1, size) = hash_both(&content)?;
        let how = match blob_name.as_deref() {
            Some(name) if is_lower_hex(name, 64) => {
                if sha256 != name {
                    return Err(SourceError::DigestMismatch {
                        name: format!("{rel} (LFS blob {name})"),
                        expected: format!("sha256:{name}"),
                        actual: format!("sha256:{sha256}"),
                    });
                }
                "checked"
            }
            Some(name) if is_lower_hex(name, 40) => {
                if git_sha1 != name {
                    return Err(SourceError::DigestMismatch {
                        name: format!("{rel} (git blob {name})"),
                        expected: format!("git-sha1:{name}"),
                        actual: format!("git-sha1:{git_sha1}"),
                    });
                }
                "git-sha1"
            }
            _ => "unchecked",
        };
        files.push(FetchedFile { path: rel.clone(), digest: format!("sha256:{sha256}"), size, how: how.into() });
        sources.push((rel, content));
    }
    // The view: plain files the verifier may read.
    let cache = opts.cache();
    let view = cache.root().join("hf-view").join(r.cache_folder()).join(&snap.commit);
    let staging = staging_dir(&view);
    let _ = std::fs::remove_dir_all(&staging);
    create_dir_all(&staging)?;
    for (rel, content) in &sources {
        link_or_copy(content, &staging.join(rel))?;
    }
    replace_dir(&staging, &view)?;
    let mut notes = vec![format!(
        "{origin}: {} revision {} is commit {}",
        r.repo_id,
        r.revision_or_main(),
        snap.commit
    )];
    let unchecked = files.iter().filter(|f| f.how == "unchecked").count();
    if unchecked > 0 {
        notes.push(format!("{unchecked} file(s) are not content-named blobs and could not be checked against their names"));
    }
    if origin.starts_with("local") {
        notes.push("offline: that this snapshot is the Hub commit rests on the local cache; a signature over the files proves the content".into());
    }
    let mut signatures = Vec::new();
    let sig = view.join(crate::oms::DEFAULT_SIGNATURE_NAME);
    if sig.is_file() {
        signatures.push(oms_sidecar(sig));
    }
    Ok(ResolvedSource {
        original: original.to_string(),
        local_path: view,
        pinned_reference: r.pinned(&snap.commit),
        kind: SourceKind::Hf,
        signatures_found: signatures,
        notes,
        files,
    })
}

fn collect(dir: &Path, prefix: &str, out: &mut Vec<String>) -> Result<(), SourceError> {
    let rd = std::fs::read_dir(dir).map_err(|e| io_err(dir, e))?;
    for entry in rd {
        let entry = entry.map_err(|e| io_err(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = format!("{prefix}{name}");
        let ft = entry.file_type().map_err(|e| io_err(&entry.path(), e))?;
        if ft.is_dir() {
            collect(&entry.path(), &format!("{rel}/"), out)?;
        } else {
            out.push(rel);
        }
    }
    out.sort();
    Ok(())
}

/// SHA-256 (hex), git blob SHA-1 (hex) and size of a file, in one read.
pub fn hash_both(path: &Path) -> Result<(String, String, u64), SourceError> {
    let size = std::fs::metadata(path).map_err(|e| io_err(path, e))?.len();
    let mut f = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
    let mut s256 = Sha256::new();
    let mut s1 = sha1::Sha1::new();
    s1.update(format!("blob {size}\0").as_bytes());
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| io_err(path, e))?;
        if n == 0 {
            break;
        }
        s256.update(&buf[..n]);
        s1.update(&buf[..n]);
    }
    Ok((hex::encode(s256.finalize()), hex::encode(s1.finalize()), size))
}

/// Git's blob id of some bytes (`sha1("blob <len>\0" + bytes)`).
pub fn git_blob_sha1(bytes: &[u8]) -> String {
    let mut h = sha1::Sha1::new();
    h.update(format!("blob {}\0", bytes.len()).as_bytes());
    h.update(bytes);
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_blob_id_matches_git() {
        // `printf 'hello\n' | git hash-object --stdin`
        assert_eq!(git_blob_sha1(b"hello\n"), "ce013625030ba8dba906f756967f9e9ca394464a");
    }
}

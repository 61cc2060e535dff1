//! Deterministic `.tar.gz` archives: the same members give the same bytes
//! (sorted names, mode 0644, uid/gid 0, fixed mtime, gzip header without a
//! timestamp or name), and a reader that refuses anything but plain files
//! with safe relative names.

use flate2::Compression;
use flate2::GzBuilder;
use flate2::read::GzDecoder;
use std::collections::BTreeMap;
use std::io::{Read, Write};

/// mtime written for every member (2000-01-01T00:00:00Z; 0 confuses some tools).
pub const FIXED_MTIME: u64 = 946_684_800;
/// Largest member and total size the reader accepts.
pub const MAX_MEMBER_BYTES: u64 = 512 << 20;
pub const MAX_TOTAL_BYTES: u64 = 2 << 30;
pub const MAX_MEMBERS: usize = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("cannot read archive: {0}")]
    Io(#[from] std::io::Error),
    #[error("archive member {0:?} has an unsafe name (absolute, '..' or not UTF-8)")]
    UnsafeName(String),
    #[error("archive member {0:?} is not a regular file (links and devices are refused)")]
    NotAFile(String),
    #[error("archive member {0:?} appears twice")]
    Duplicate(String),
    #[error("archive is too large (limit {MAX_TOTAL_BYTES} bytes, {MAX_MEMBER_BYTES} per member, {MAX_MEMBERS} members)")]
    TooLarge,
}

/// Members by archive path.
pub type Members = BTreeMap<String, Vec<u8>>;

/// Writes `members` under the directory `prefix/` as a deterministic tar.gz.
pub fn write_tar_gz(prefix: &str, members: &Members, out: impl Write) -> std::io::Result<()> {
    let gz = GzBuilder::new().mtime(0).write(out, Compression::best());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    // Directory entries first, sorted, then files sorted (BTreeMap order).
    let mut dirs = std::collections::BTreeSet::new();
    dirs.insert(prefix.to_string());
    for name in members.keys() {
        let mut acc = prefix.to_string();
        let parts: Vec<&str> = name.split('/').collect();
        for p in &parts[..parts.len().saturating_sub(1)] {
            acc = format!("{acc}/{p}");
            dirs.insert(acc.clone());
        }
    }
    for d in &dirs {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o755);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(FIXED_MTIME);
        h.set_size(0);
        tar.append_data(&mut h, format!("{d}/"), std::io::empty())?;
    }
    for (name, bytes) in members {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(FIXED_MTIME);
        h.set_size(bytes.len() as u64);
        tar.append_data(&mut h, format!("{prefix}/{name}"), bytes.as_slice())?;
    }
    let gz = tar.into_inner()?;
    gz.finish()?.flush()
}

/// Reads a tar.gz written by [`write_tar_gz`] (or by hand from its
/// unpacked tree): returns the members relative to the single top-level
/// folder, and that folder's name.
pub fn read_tar_gz(input: impl Read) -> Result<(String, Members), ArchiveError> {
    let mut tar = tar::Archive::new(GzDecoder::new(input));
    let mut members = Members::new();
    let mut top: Option<String> = None;
    let mut total = 0u64;
    for entry in tar.entries()? {
        let mut entry = entry?;
        let raw = entry.path_bytes().into_owned();
        let name = String::from_utf8(raw.clone()).map_err(|_| ArchiveError::UnsafeName(String::from_utf8_lossy(&raw).into()))?;
        let clean = name.trim_end_matches('/');
        if clean.starts_with('/') || clean.split('/').any(|p| p == ".." || p.is_empty() && clean.contains("//")) {
            return Err(ArchiveError::UnsafeName(name));
        }
        let clean = clean.trim_start_matches("./");
        let (head, rest) = match clean.split_once('/') {
            Some((h, r)) => (h.to_string(), Some(r.to_string())),
            None => (clean.to_string(), None),
        };
        match &top {
            None => top = Some(head.clone()),
            Some(t) if *t != head => return Err(ArchiveError::UnsafeName(name)),
            _ => {}
        }
        match entry.header().entry_type() {
            tar::EntryType::Directory => continue,
            tar::EntryType::Regular | tar::EntryType::Continuous => {}
            _ => return Err(ArchiveError::NotAFile(name)),
        }
        let Some(rel) = rest.filter(|r| !r.is_empty()) else { return Err(ArchiveError::NotAFile(name)) };
        let size = entry.header().size()?;
        total += size;
        if size > MAX_MEMBER_BYTES || total > MAX_TOTAL_BYTES || members.len() >= MAX_MEMBERS {
            return Err(ArchiveError::TooLarge);
        }
        let mut buf = Vec::with_capacity(size as usize);
        (&mut entry).take(MAX_MEMBER_BYTES + 1).read_to_end(&mut buf)?;
        if members.insert(rel.clone(), buf).is_some() {
            return Err(ArchiveError::Duplicate(rel));
        }
    }
    Ok((top.unwrap_or_default(), members))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_members_same_bytes_and_round_trip() {
        let mut m = Members::new();
        m.insert("b/x.json".into(), b"{}".to_vec());
        m.insert("a.txt".into(), b"hello".to_vec());
        let mut one = Vec::new();
        let mut two = Vec::new();
        write_tar_gz("evidence", &m, &mut one).unwrap();
        write_tar_gz("evidence", &m, &mut two).unwrap();
        assert_eq!(one, two);
        let (top, back) = read_tar_gz(one.as_slice()).unwrap();
        assert_eq!(top, "evidence");
        assert_eq!(back, m);
    }

    #[test]
    fn refuses_traversal_and_links() {
        let mut raw = Vec::new();
        {
            let gz = GzBuilder::new().write(&mut raw, Compression::fast());
            let mut tar = tar::Builder::new(gz);
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_size(0);
            tar.append_link(&mut h, "ev/link", "/etc/passwd").unwrap();
            tar.into_inner().unwrap().finish().unwrap();
        }
        assert!(matches!(read_tar_gz(raw.as_slice()), Err(ArchiveError::NotAFile(_))));
        assert!(read_tar_gz(&b"not a gzip"[..]).is_err());
    }
}

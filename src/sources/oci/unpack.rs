//! Unpacking tar layers (ModelPack/KitOps/ORAS directories) into the model
//! directory. Hand-written over the `tar` crate's entry reader rather than
//! `Archive::unpack`, because we want exactly one policy: regular files and
//! directories only, every name through `safe_relative_path`, no links, no
//! permissions or owners from the archive, and each file's SHA-256 recorded.

use crate::sources::cache::{create_dir_all, io_err};
use crate::sources::reference::safe_relative_path;
use crate::sources::{FetchedFile, SourceError};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::Path;

/// Unpacks `blob` under `dest/under`; returns the files written and notes
/// about entries that were skipped.
pub fn unpack_tar(
    blob: &Path,
    gzip: bool,
    dest: &Path,
    under: &Path,
) -> Result<(Vec<FetchedFile>, Vec<String>), SourceError> {
    let f = std::fs::File::open(blob).map_err(|e| io_err(blob, e))?;
    let reader: Box<dyn Read> = if gzip { Box::new(flate2::read::GzDecoder::new(f)) } else { Box::new(f) };
    let mut archive = tar::Archive::new(reader);
    let mut files = Vec::new();
    let mut notes = Vec::new();
    let tar_err = |e: std::io::Error| SourceError::Unsupported(format!("tar layer {}: {e}", blob.display()));
    for entry in archive.entries().map_err(tar_err)? {
        let mut entry = entry.map_err(tar_err)?;
        let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            if raw_name.trim_end_matches('/').is_empty() || raw_name == "./" {
                continue;
            }
            let rel = under.join(safe_relative_path(raw_name.trim_end_matches('/'))?);
            create_dir_all(&dest.join(rel))?;
            continue;
        }
        if kind.is_pax_global_extensions() || kind.is_pax_local_extensions() || kind.is_gnu_longname() {
            continue;
        }
        if !kind.is_file() {
            notes.push(format!("tar entry '{raw_name}' skipped: not a regular file"));
            continue;
        }
        let rel = under.join(safe_relative_path(&raw_name)?);
        let out_path = dest.join(&rel);
        if let Some(parent) = out_path.parent() {
            create_dir_all(parent)?;
        }
        let mut out = std::fs::File::create(&out_path).map_err(|e| io_err(&out_path, e))?;
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut size = 0u64;
        loop {
            let n = entry.read(&mut buf).map_err(tar_err)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            out.write_all(&buf[..n]).map_err(|e| io_err(&out_path, e))?;
            size += n as u64;
        }
        files.push(FetchedFile {
            path: rel.to_string_lossy().replace('\\', "/"),
            digest: format!("sha256:{}", hex::encode(h.finalize())),
            size,
            how: "unpacked".into(),
        });
    }
    Ok((files, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_with(name: &str, data: &[u8]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        // Write the name bytes raw so a hostile name survives.
        {
            let gnu = h.as_gnu_mut().unwrap();
            gnu.name[..name.len()].copy_from_slice(name.as_bytes());
        }
        h.set_cksum();
        b.append(&h, data).unwrap();
        b.into_inner().unwrap()
    }

    #[test]
    fn unpacks_and_rejects_traversal() {
        let dir = tempfile::tempdir().unwrap();
        let blob = dir.path().join("ok.tar");
        std::fs::write(&blob, tar_with("sub/w.bin", b"weights")).unwrap();
        let out = dir.path().join("out");
        let (files, _) = unpack_tar(&blob, false, &out, Path::new("")).unwrap();
        assert_eq!(files[0].path, "sub/w.bin");
        assert_eq!(std::fs::read(out.join("sub/w.bin")).unwrap(), b"weights");

        let evil = dir.path().join("evil.tar");
        std::fs::write(&evil, tar_with("../escape.bin", b"x")).unwrap();
        assert!(matches!(unpack_tar(&evil, false, &out, Path::new("")), Err(SourceError::UnsafePath { .. })));
        assert!(!dir.path().join("escape.bin").exists());
    }
}

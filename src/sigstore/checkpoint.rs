//! Checkpoints: the log's signed note (C2SP `signed-note` / `tlog-checkpoint`).
//!
//! Hand-written rather than `sigstore_types::Checkpoint` because the report
//! must say *which* part of a checkpoint is wrong (origin, size, root, each
//! signature line and who made it, including unknown witnesses that are
//! tolerated), and because this parser is our independent judge of the
//! checkpoint next to the dependency's.
//!
//! Format: `origin\nsize\nbase64(root)\n[extension lines\n]` then a blank
//! line, then one or more lines `— <name> base64(keyhint[4] || signature)`.
//! The signed message is everything before the blank line, newline included.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// One signature line of the note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteSignature {
    /// The signer's name (the log's or a witness's).
    pub name: String,
    /// First four bytes of the signer's key ID.
    pub key_hint: [u8; 4],
    #[serde(skip)]
    pub signature: Vec<u8>,
}

/// A parsed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNote {
    pub origin: String,
    pub tree_size: u64,
    pub root_hash: [u8; 32],
    /// Optional extension lines after the root hash.
    pub extensions: Vec<String>,
    /// The signed text (body through its final newline).
    pub body: String,
    pub signatures: Vec<NoteSignature>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("checkpoint has no blank line between the body and the signatures")]
    NoSeparator,
    #[error("checkpoint has no origin line")]
    MissingOrigin,
    #[error("checkpoint has no tree size line")]
    MissingTreeSize,
    #[error("checkpoint tree size {0:?} is not a decimal number")]
    BadTreeSize(String),
    #[error("checkpoint has no root hash line")]
    MissingRootHash,
    #[error("checkpoint root hash {0:?} is not base64 of 32 bytes")]
    BadRootHash(String),
    #[error("checkpoint has no signature lines")]
    NoSignatures,
    #[error("checkpoint signature line {line} is malformed: {reason}")]
    BadSignatureLine { line: usize, reason: String },
    #[error("checkpoint origin {found:?} does not belong to the log {expected:?}")]
    WrongOrigin { found: String, expected: String },
}

/// Parses a checkpoint (signed note) text.
pub fn parse(text: &str) -> Result<SignedNote, CheckpointError> {
    let Some(split) = text.find("\n\n") else { return Err(CheckpointError::NoSeparator) };
    let body = &text[..split + 1];
    let sigs = &text[split + 2..];
    let all: Vec<&str> = body.lines().collect();
    // A note whose first line is the size and second the root lost its origin.
    let looks_like_size_root = all.len() == 2
        && !all[0].is_empty()
        && all[0].bytes().all(|b| b.is_ascii_digit())
        && STANDARD.decode(all[1]).is_ok_and(|r| r.len() == 32);
    let mut lines = all.into_iter();
    let origin = lines.next().unwrap_or("").trim_end();
    if origin.is_empty() || looks_like_size_root {
        return Err(CheckpointError::MissingOrigin);
    }
    let size_line = lines.next().ok_or(CheckpointError::MissingTreeSize)?;
    if size_line.is_empty() {
        return Err(CheckpointError::MissingTreeSize);
    }
    if !size_line.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CheckpointError::BadTreeSize(size_line.to_string()));
    }
    let tree_size: u64 = size_line.parse().map_err(|_| CheckpointError::BadTreeSize(size_line.to_string()))?;
    let root_line = lines.next().ok_or(CheckpointError::MissingRootHash)?;
    if root_line.is_empty() {
        return Err(CheckpointError::MissingRootHash);
    }
    let root_hash: [u8; 32] = STANDARD
        .decode(root_line)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| CheckpointError::BadRootHash(root_line.to_string()))?;
    let extensions = lines.map(str::to_string).collect();
    let mut signatures = Vec::new();
    for (i, line) in sigs.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let bad = |reason: &str| CheckpointError::BadSignatureLine { line: i + 1, reason: reason.to_string() };
        let rest = line.strip_prefix("\u{2014} ").ok_or_else(|| bad("does not start with an em dash and a space"))?;
        let (name, b64) = rest.rsplit_once(' ').ok_or_else(|| bad("expected '— <name> <base64>'"))?;
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(bad("the signer name is empty or contains spaces"));
        }
        let raw = STANDARD.decode(b64).map_err(|_| bad("the signature is not base64"))?;
        if raw.len() < 5 {
            return Err(bad("the signature is shorter than a key hint plus one byte"));
        }
        let key_hint = [raw[0], raw[1], raw[2], raw[3]];
        signatures.push(NoteSignature { name: name.to_string(), key_hint, signature: raw[4..].to_vec() });
    }
    if signatures.is_empty() {
        return Err(CheckpointError::NoSignatures);
    }
    Ok(SignedNote { origin: origin.to_string(), tree_size, root_hash, extensions, body: body.to_string(), signatures })
}

/// The origin must name the log: equal to the host of its URL (Rekor v2,
/// e.g. `log2025-1.rekor.sigstore.dev`) or that host followed by ` - ` and
/// the tree ID (Rekor v1, e.g. `rekor.sigstore.dev - 2605736670972794746`).
pub fn check_origin(note: &SignedNote, log_host: &str) -> Result<(), CheckpointError> {
    let o = note.origin.as_str();
    let ok = o == log_host || o.strip_prefix(log_host).is_some_and(|rest| rest.starts_with(" - ") && rest.len() > 3);
    if ok {
        Ok(())
    } else {
        Err(CheckpointError::WrongOrigin { found: o.to_string(), expected: log_host.to_string() })
    }
}

/// The host part of a log's base URL (`https://host[:port]/path` → `host`).
pub fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let host = rest.split('/').next().unwrap_or(rest);
    host.split(':').next().unwrap_or(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(b: &[u8]) -> String {
        STANDARD.encode(b)
    }

    fn note(origin: &str, size: &str, root: &str, sig_lines: &[String]) -> String {
        format!("{origin}\n{size}\n{root}\n\n{}", sig_lines.iter().map(|l| format!("{l}\n")).collect::<String>())
    }

    fn sig_line(name: &str, hint: [u8; 4], sig: &[u8]) -> String {
        let mut raw = hint.to_vec();
        raw.extend_from_slice(sig);
        format!("\u{2014} {name} {}", b64(&raw))
    }

    #[test]
    fn parses_multiple_signature_lines() {
        let root = b64(&[7u8; 32]);
        let text = note(
            "log2025-1.rekor.sigstore.dev",
            "736",
            &root,
            &[sig_line("log2025-1.rekor.sigstore.dev", [1, 2, 3, 4], b"sig-a"), sig_line("witness.example", [9, 9, 9, 9], b"sig-b")],
        );
        let n = parse(&text).unwrap();
        assert_eq!(n.origin, "log2025-1.rekor.sigstore.dev");
        assert_eq!(n.tree_size, 736);
        assert_eq!(n.root_hash, [7u8; 32]);
        assert_eq!(n.body, format!("log2025-1.rekor.sigstore.dev\n736\n{root}\n"));
        assert_eq!(n.signatures.len(), 2);
        assert_eq!(n.signatures[1].name, "witness.example");
        assert_eq!(n.signatures[1].key_hint, [9, 9, 9, 9]);
        assert_eq!(n.signatures[0].signature, b"sig-a");
    }

    #[test]
    fn keeps_extension_lines_in_the_signed_body() {
        let text = format!("o - 1\n5\n{}\nTimestamp: 1\n\n{}\n", b64(&[0u8; 32]), sig_line("o", [0; 4], b"x"));
        let n = parse(&text).unwrap();
        assert_eq!(n.extensions, vec!["Timestamp: 1".to_string()]);
        assert!(n.body.ends_with("Timestamp: 1\n"));
    }

    #[test]
    fn rejects_missing_parts() {
        let root = b64(&[0u8; 32]);
        let s = sig_line("o", [0; 4], b"x");
        // Origin missing: the note starts with the tree size's line gone.
        assert_eq!(parse(&format!("\n5\n{root}\n\n{s}\n")), Err(CheckpointError::MissingOrigin));
        assert_eq!(parse(&format!("5\n{root}\n\n{s}\n")), Err(CheckpointError::MissingOrigin));
        assert_eq!(parse(&format!("o\n\n{s}\n")), Err(CheckpointError::MissingTreeSize));
        assert_eq!(parse(&format!("o\n5\n\n{s}\n")), Err(CheckpointError::MissingRootHash));
        assert_eq!(parse(&format!("o\n-5\n{root}\n\n{s}\n")), Err(CheckpointError::BadTreeSize("-5".into())));
        assert!(matches!(parse(&format!("o\n5\nAAAA\n\n{s}\n")), Err(CheckpointError::BadRootHash(_))));
        assert_eq!(parse(&format!("o\n5\n{root}\n\n")), Err(CheckpointError::NoSignatures));
        assert_eq!(parse(&format!("o\n5\n{root}\n")), Err(CheckpointError::NoSeparator));
        assert!(matches!(parse(&format!("o\n5\n{root}\n\n- o AAAAAAA=\n")), Err(CheckpointError::BadSignatureLine { .. })));
        assert!(matches!(parse(&format!("o\n5\n{root}\n\n\u{2014} o AAAA\n")), Err(CheckpointError::BadSignatureLine { .. })));
    }

    #[test]
    fn origin_must_name_the_log() {
        let root = b64(&[0u8; 32]);
        let s = sig_line("x", [0; 4], b"x");
        let v1 = parse(&note("rekor.sigstore.dev - 2605736670972794746", "5", &root, std::slice::from_ref(&s))).unwrap();
        assert!(check_origin(&v1, "rekor.sigstore.dev").is_ok());
        assert!(matches!(check_origin(&v1, "rekor.sigstage.dev"), Err(CheckpointError::WrongOrigin { .. })));
        let v2 = parse(&note("log2025-1.rekor.sigstore.dev", "5", &root, std::slice::from_ref(&s))).unwrap();
        assert!(check_origin(&v2, "log2025-1.rekor.sigstore.dev").is_ok());
        assert!(check_origin(&v2, "rekor.sigstore.dev").is_err());
        let evil = parse(&note("rekor.sigstore.dev.evil.example", "5", &root, &[s])).unwrap();
        assert!(check_origin(&evil, "rekor.sigstore.dev").is_err());
        assert_eq!(url_host("https://log2025-1.rekor.sigstore.dev:443/api"), "log2025-1.rekor.sigstore.dev");
    }
}

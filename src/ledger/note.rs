//! C2SP signed notes (`c2sp.org/signed-note`) and checkpoints
//! (`c2sp.org/tlog-checkpoint`) with Ed25519 keys (signature type 0x01).
//!
//! Hand-written rather than taken from `signed_note` 0.2.0: that crate pins
//! `ed25519-dalek` 2 and `rand_core` 0.6 while modelvet already uses
//! `ed25519-dalek` 3, so using it would mean two Ed25519 stacks and converting
//! keys between them. The format is small (a text body, a blank line, `— name
//! base64(keyid‖sig)` lines) and is checked here against the Go
//! `x/mod/sumdb/note` test vector, so notes we write verify with Go, sigsum
//! and `signed_note` tooling.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use super::merkle::Hash;

/// The Ed25519 signature type byte of signed notes.
const ALG_ED25519: u8 = 0x01;
/// U+2014 EM DASH and a space: the start of every signature line.
const SIG_PREFIX: &str = "\u{2014} ";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("malformed note: {0}")]
    Malformed(String),
    #[error("malformed verifier key: {0}")]
    BadKey(String),
    #[error("key name '{0}' is not allowed (must be non-empty, without spaces or '+')")]
    BadName(String),
    #[error("no signature by key {0} on the note")]
    NotSignedBy(String),
    #[error("signature by key {0} does not verify")]
    BadSignature(String),
    #[error("malformed checkpoint: {0}")]
    BadCheckpoint(String),
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.contains(char::is_whitespace) || name.contains('+') {
        return Err(NoteError::BadName(name.to_string()));
    }
    Ok(())
}

/// The 4-byte key ID: `SHA-256(name || "\n" || 0x01 || pubkey)[:4]`.
pub fn key_id(name: &str, key: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ALG_ED25519]);
    h.update(key.as_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// A note verifier key: name + Ed25519 public key, written as the Go
/// "vkey" string `<name>+<hex keyid>+<base64(0x01 || key)>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    pub name: String,
    pub key: VerifyingKey,
}

impl NoteVerifier {
    pub fn new(name: &str, key: VerifyingKey) -> Result<Self, NoteError> {
        check_name(name)?;
        Ok(NoteVerifier { name: name.to_string(), key })
    }

    pub fn id(&self) -> [u8; 4] {
        key_id(&self.name, &self.key)
    }

    pub fn to_vkey(&self) -> String {
        let mut material = vec![ALG_ED25519];
        material.extend_from_slice(self.key.as_bytes());
        format!("{}+{}+{}", self.name, hex::encode(self.id()), B64.encode(material))
    }

    /// Parses a vkey; the base64 part may itself contain `+`, so the string
    /// is split at most twice.
    pub fn from_vkey(s: &str) -> Result<Self, NoteError> {
        let s = s.trim();
        let mut parts = s.splitn(3, '+');
        let (Some(name), Some(id), Some(material)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::BadKey("expected NAME+KEYID+KEY".into()));
        };
        check_name(name)?;
        let id = hex::decode(id).map_err(|_| NoteError::BadKey("key ID is not hex".into()))?;
        let material = B64.decode(material).map_err(|_| NoteError::BadKey("key is not base64".into()))?;
        let Some((&ALG_ED25519, raw)) = material.split_first() else {
            return Err(NoteError::BadKey("not an Ed25519 (type 0x01) key".into()));
        };
        let raw: [u8; 32] = raw.try_into().map_err(|_| NoteError::BadKey("Ed25519 key is not 32 bytes".into()))?;
        let key = VerifyingKey::from_bytes(&raw).map_err(|e| NoteError::BadKey(e.to_string()))?;
        let v = NoteVerifier::new(name, key)?;
        if v.id().as_slice() != id.as_slice() {
            return Err(NoteError::BadKey("key ID does not match the name and key".into()));
        }
        Ok(v)
    }
}

/// Signs `text` (which must end in a newline) as a note with one signature.
pub fn sign_note(text: &str, name: &str, key: &SigningKey) -> Result<String, NoteError> {
    check_text(text)?;
    check_name(name)?;
    let sig = key.sign(text.as_bytes());
    let mut blob = key_id(name, &key.verifying_key()).to_vec();
    blob.extend_from_slice(&sig.to_bytes());
    Ok(format!("{text}\n{SIG_PREFIX}{name} {}\n", B64.encode(blob)))
}

fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::Malformed("text does not end in a newline".into()));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(NoteError::Malformed("text contains control characters".into()));
    }
    Ok(())
}

/// One signature line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub id: [u8; 4],
    pub sig: Vec<u8>,
}

/// A parsed signed note: the signed text and its signature lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNote {
    pub text: String,
    pub signatures: Vec<NoteSignature>,
}

impl SignedNote {
    /// Splits a note at its last blank line and parses the signature lines.
    pub fn parse(note: &str) -> Result<Self, NoteError> {
        let split = note
            .rfind("\n\n")
            .ok_or_else(|| NoteError::Malformed("no blank line before the signatures".into()))?;
        let text = &note[..split + 1];
        let sigs = &note[split + 2..];
        check_text(text)?;
        if !sigs.ends_with('\n') {
            return Err(NoteError::Malformed("signature block does not end in a newline".into()));
        }
        let mut signatures = Vec::new();
        for line in sigs.lines() {
            let rest = line
                .strip_prefix(SIG_PREFIX)
                .ok_or_else(|| NoteError::Malformed(format!("signature line does not start with an em dash: {line:?}")))?;
            let (name, b64) = rest
                .split_once(' ')
                .ok_or_else(|| NoteError::Malformed(format!("signature line without a signature: {line:?}")))?;
            check_name(name)?;
            let blob = B64.decode(b64).map_err(|_| NoteError::Malformed("signature is not base64".into()))?;
            if blob.len() < 5 {
                return Err(NoteError::Malformed("signature too short".into()));
            }
            signatures.push(NoteSignature {
                name: name.to_string(),
                id: [blob[0], blob[1], blob[2], blob[3]],
                sig: blob[4..].to_vec(),
            });
        }
        if signatures.is_empty() {
            return Err(NoteError::Malformed("no signature lines".into()));
        }
        Ok(SignedNote { text: text.to_string(), signatures })
    }

    /// Verifies the signature by `verifier`; unknown keys are ignored, as the
    /// spec requires, but the known key must be present and valid.
    pub fn verify(&self, verifier: &NoteVerifier) -> Result<(), NoteError> {
        let id = verifier.id();
        let mut found = false;
        for s in self.signatures.iter().filter(|s| s.name == verifier.name && s.id == id) {
            found = true;
            let sig: [u8; 64] = s
                .sig
                .as_slice()
                .try_into()
                .map_err(|_| NoteError::BadSignature(verifier.name.clone()))?;
            // RFC 8032 verification as Go's crypto/ed25519 (and so sumdb)
            // does it, through aws-lc: `ledger verify` checks one note per
            // entry and aws-lc is faster than ed25519-dalek here. Weak
            // (small-order) keys are refused outright.
            if verifier.key.is_weak() {
                return Err(NoteError::BadSignature(verifier.name.clone()));
            }
            aws_lc_rs::signature::UnparsedPublicKey::new(&aws_lc_rs::signature::ED25519, verifier.key.as_bytes())
                .verify(self.text.as_bytes(), &sig)
                .map_err(|_| NoteError::BadSignature(verifier.name.clone()))?;
        }
        if found { Ok(()) } else { Err(NoteError::NotSignedBy(verifier.name.clone())) }
    }
}

/// The body of a tlog checkpoint: origin, size and root hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointBody {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl CheckpointBody {
    pub fn to_text(&self) -> String {
        format!("{}\n{}\n{}\n", self.origin, self.size, B64.encode(self.root))
    }

    /// Parses the three mandatory lines; extension lines are rejected since
    /// modelvet never writes them.
    pub fn from_text(text: &str) -> Result<Self, NoteError> {
        let bad = |m: &str| NoteError::BadCheckpoint(m.to_string());
        let lines: Vec<&str> = text.strip_suffix('\n').ok_or_else(|| bad("no final newline"))?.split('\n').collect();
        if lines.len() != 3 {
            return Err(bad("expected exactly three lines (origin, size, root)"));
        }
        let origin = lines[0];
        if origin.is_empty() {
            return Err(bad("empty origin"));
        }
        let size_s = lines[1];
        if size_s.is_empty() || !size_s.bytes().all(|b| b.is_ascii_digit()) || (size_s.len() > 1 && size_s.starts_with('0')) {
            return Err(bad("tree size is not a decimal number without leading zeros"));
        }
        let size = size_s.parse().map_err(|_| bad("tree size out of range"))?;
        let root = B64.decode(lines[2]).map_err(|_| bad("root hash is not base64"))?;
        let root: Hash = root.try_into().map_err(|_| bad("root hash is not 32 bytes"))?;
        Ok(CheckpointBody { origin: origin.to_string(), size, root })
    }
}

/// A parsed and verified checkpoint note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub body: CheckpointBody,
    /// The whole signed note, byte for byte.
    pub note: String,
}

impl Checkpoint {
    /// Signs a checkpoint; the key name is the origin, as the spec advises.
    pub fn sign(body: CheckpointBody, key: &SigningKey) -> Result<Self, NoteError> {
        let note = sign_note(&body.to_text(), &body.origin, key)?;
        Ok(Checkpoint { body, note })
    }

    /// Parses `note` and verifies it with `verifier`, whose name must be the
    /// checkpoint's origin.
    pub fn open(note: &str, verifier: &NoteVerifier) -> Result<Self, NoteError> {
        let parsed = SignedNote::parse(note)?;
        parsed.verify(verifier)?;
        Self::from_verified(note, &parsed, verifier)
    }

    /// The checkpoint of a note whose signature has been checked: the body
    /// parses and its origin is the key's name.
    fn from_verified(note: &str, parsed: &SignedNote, verifier: &NoteVerifier) -> Result<Self, NoteError> {
        let body = CheckpointBody::from_text(&parsed.text)?;
        if body.origin != verifier.name {
            return Err(NoteError::BadCheckpoint(format!(
                "origin '{}' is not the ledger key name '{}'",
                body.origin, verifier.name
            )));
        }
        Ok(Checkpoint { body, note: note.to_string() })
    }
}

/// Notes per Ed25519 batch: large enough for the multiscalar speed-up,
/// small enough that a failing batch is cheap to re-check one by one.
const BATCH: usize = 256;

/// Opens many checkpoints signed by one key, as [`Checkpoint::open`] would,
/// but checks the signatures in Ed25519 batches (ed25519-dalek's
/// `verify_batch`, about twice as fast per signature on large ledgers). A
/// batch that fails is re-checked note by note with the single, strict
/// verification, so every bad note is still named, and a batch can only
/// pass where each signature was made with the key: batch (cofactored)
/// verification differs from strict verification only on signatures with
/// small-order components, which no honest signer produces and which give
/// no forgery. Results are in input order.
pub fn open_checkpoints(notes: &[&str], verifier: &NoteVerifier) -> Vec<Result<Checkpoint, NoteError>> {
    use rayon::prelude::*;
    let id = verifier.id();
    // Parse everything; keep (text, signature) for the batchable ones.
    let parsed: Vec<Result<(SignedNote, Option<ed25519_dalek::Signature>), NoteError>> = notes
        .par_iter()
        .map(|note| {
            let parsed = SignedNote::parse(note)?;
            let mine: Vec<&NoteSignature> =
                parsed.signatures.iter().filter(|s| s.name == verifier.name && s.id == id).collect();
            let sig = match mine.as_slice() {
                [one] => <[u8; 64]>::try_from(one.sig.as_slice()).ok().map(|b| ed25519_dalek::Signature::from_bytes(&b)),
                _ => None, // none, several or a wrong length: the single path says which
            };
            Ok((parsed, sig))
        })
        .collect();
    let weak = verifier.key.is_weak();
    let idx: Vec<usize> = (0..notes.len()).filter(|&i| matches!(&parsed[i], Ok((_, Some(_))))).collect();
    let batch_ok: Vec<bool> = idx
        .par_chunks(BATCH)
        .flat_map_iter(|chunk| {
            let mut msgs: Vec<&[u8]> = Vec::with_capacity(chunk.len());
            let mut sigs = Vec::with_capacity(chunk.len());
            for &i in chunk {
                if let Ok((n, Some(s))) = &parsed[i] {
                    msgs.push(n.text.as_bytes());
                    sigs.push(*s);
                }
            }
            let keys = vec![verifier.key; sigs.len()];
            let ok = !weak && ed25519_dalek::verify_batch(&msgs, &sigs, &keys).is_ok();
            std::iter::repeat_n(ok, chunk.len())
        })
        .collect();
    let mut verified = vec![false; notes.len()];
    for (&i, ok) in idx.iter().zip(batch_ok) {
        verified[i] = ok;
    }
    parsed
        .into_par_iter()
        .zip(notes.par_iter())
        .zip(verified.into_par_iter())
        .map(|((p, note), batch_verified)| {
            let (parsed, _) = p?;
            if !batch_verified {
                parsed.verify(verifier)?;
            }
            Checkpoint::from_verified(note, &parsed, verifier)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// golang.org/x/mod/sumdb/note's example key and note.
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const PETER_SKEY_B64: &str = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const PETER_TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    const PETER_SIG: &str = "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";

    #[test]
    fn matches_the_go_sumdb_note_vector() {
        let v = NoteVerifier::from_vkey(PETER_VKEY).unwrap();
        assert_eq!(v.to_vkey(), PETER_VKEY);
        let seed = B64.decode(PETER_SKEY_B64).unwrap();
        let key = SigningKey::from_bytes(&seed[1..].try_into().unwrap());
        assert_eq!(key.verifying_key(), v.key);
        let note = sign_note(PETER_TEXT, "PeterNeumann", &key).unwrap();
        assert_eq!(note, format!("{PETER_TEXT}\n\u{2014} PeterNeumann {PETER_SIG}\n"));
        let parsed = SignedNote::parse(&note).unwrap();
        parsed.verify(&v).unwrap();
        let tampered = note.replace("cryptography", "cryptographY");
        assert_eq!(SignedNote::parse(&tampered).unwrap().verify(&v), Err(NoteError::BadSignature("PeterNeumann".into())));
    }

    #[test]
    fn checkpoint_round_trips_and_rejects_other_keys() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let body = CheckpointBody { origin: "modelvet.local/ledger/x".into(), size: 7, root: [9u8; 32] };
        let cp = Checkpoint::sign(body.clone(), &key).unwrap();
        let v = NoteVerifier::new("modelvet.local/ledger/x", key.verifying_key()).unwrap();
        assert_eq!(Checkpoint::open(&cp.note, &v).unwrap().body, body);
        let other = NoteVerifier::new("modelvet.local/ledger/x", SigningKey::from_bytes(&[8u8; 32]).verifying_key()).unwrap();
        assert!(matches!(Checkpoint::open(&cp.note, &other), Err(NoteError::NotSignedBy(_))));
        let edited = cp.note.replacen("\n7\n", "\n8\n", 1);
        assert!(matches!(Checkpoint::open(&edited, &v), Err(NoteError::BadSignature(_))));
        assert!(SignedNote::parse("garbage").is_err());
        assert!(CheckpointBody::from_text("o\n07\nAA==\n").is_err());
    }

    #[test]
    fn batch_opening_agrees_with_single_opening_and_names_each_bad_note() {
        let origin = "modelvet.local/ledger/batch";
        let key = SigningKey::from_bytes(&[3u8; 32]);
        let v = NoteVerifier::new(origin, key.verifying_key()).unwrap();
        let mut notes: Vec<String> = (1..=600u64)
            .map(|size| Checkpoint::sign(CheckpointBody { origin: origin.into(), size, root: [size as u8; 32] }, &key).unwrap().note)
            .collect();
        // One edited body (bad signature) in the first batch, one signed by
        // another key in the third, one unparsable, one with a foreign origin.
        notes[5] = notes[5].replacen("\n6\n", "\n7\n", 1);
        let other = SigningKey::from_bytes(&[4u8; 32]);
        notes[530] = sign_note(&CheckpointBody { origin: origin.into(), size: 531, root: [0; 32] }.to_text(), origin, &other).unwrap();
        notes[300] = "garbage".into();
        let refs: Vec<&str> = notes.iter().map(String::as_str).collect();
        let batch = open_checkpoints(&refs, &v);
        assert_eq!(batch.len(), 600);
        for (i, (note, got)) in notes.iter().zip(&batch).enumerate() {
            let single = Checkpoint::open(note, &v);
            assert_eq!(got, &single, "note {i}");
            assert_eq!(got.is_err(), [5, 300, 530].contains(&i), "note {i}: {got:?}");
        }
        assert!(matches!(batch[5], Err(NoteError::BadSignature(_))));
        assert!(matches!(batch[530], Err(NoteError::NotSignedBy(_)) | Err(NoteError::BadSignature(_))));
    }
}

//! Keys the ledger uses, all kept in the config directory:
//! - `reviewer.key.pem` (0600): the reviewer's ECDSA key (P-256 by default,
//!   so the same key can sign OMS and Sigstore-format statements), with
//!   `reviewer.toml` holding the name and e-mail it was created with;
//! - `trusted-reviewers.toml`: public keys of reviewers whose entries count
//!   (the own key is always trusted);
//! - `ledger.key.pem` (0600): the Ed25519 key that signs checkpoints, created
//!   on first use; `trusted-ledger-keys`: vkeys of other people's ledgers.
//!
//! Keys outside the ledger file are the point: whoever can edit the file
//! must not be able to re-sign it.

use super::LedgerError;
use super::note::NoteVerifier;
use super::paths::{self, write_private};
use crate::crypto::{PrivateKey, PublicKey};
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const REVIEWER_KEY: &str = "reviewer.key.pem";
const REVIEWER_INFO: &str = "reviewer.toml";
const TRUSTED_REVIEWERS: &str = "trusted-reviewers.toml";
const LEDGER_KEY: &str = "ledger.key.pem";
const TRUSTED_LEDGER_KEYS: &str = "trusted-ledger-keys";

/// Name and e-mail the reviewer chose; informational, signed into entries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewerInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A reviewer: signing key plus who they say they are.
#[derive(Debug, Clone)]
pub struct Reviewer {
    pub key: PrivateKey,
    pub info: ReviewerInfo,
    /// Where the key was read from.
    pub path: PathBuf,
}

impl Reviewer {
    pub fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }
}

/// One trusted reviewer public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedReviewer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// PEM SubjectPublicKeyInfo.
    pub public_key: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct TrustedFile {
    #[serde(default)]
    reviewer: Vec<TrustedReviewer>,
}

/// The trusted reviewers, indexed by key fingerprint.
#[derive(Debug, Clone, Default)]
pub struct TrustedReviewers {
    entries: Vec<(String, TrustedReviewer)>,
}

impl TrustedReviewers {
    /// Adds a key (replacing an entry with the same fingerprint).
    pub fn add(&mut self, key: &PublicKey, name: Option<String>, email: Option<String>) {
        let fp = key.fingerprint();
        self.entries.retain(|(f, _)| *f != fp);
        self.entries.push((fp, TrustedReviewer { name, email, public_key: key.to_pem() }));
    }

    /// The trusted entry for a key fingerprint (`SHA256:<hex>`).
    pub fn get(&self, fingerprint: &str) -> Option<&TrustedReviewer> {
        self.entries.iter().find(|(f, _)| f == fingerprint).map(|(_, t)| t)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &TrustedReviewer)> {
        self.entries.iter().map(|(f, t)| (f.as_str(), t))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The config directory and the key files in it.
#[derive(Debug, Clone)]
pub struct KeyStore {
    pub dir: PathBuf,
}

fn read(path: &Path) -> Result<Option<String>, LedgerError> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(LedgerError::io(path, e)),
    }
}

impl KeyStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        KeyStore { dir: dir.into() }
    }

    /// The store in `$MODELVET_CONFIG_DIR` or the platform config dir.
    pub fn from_env() -> Result<Self, LedgerError> {
        Ok(KeyStore::new(paths::config_dir()?))
    }

    pub fn reviewer_key_path(&self) -> PathBuf {
        self.dir.join(REVIEWER_KEY)
    }

    pub fn ledger_key_path(&self) -> PathBuf {
        self.dir.join(LEDGER_KEY)
    }

    /// Creates a fresh P-256 reviewer key.
    pub fn init_reviewer(&self, info: ReviewerInfo, force: bool) -> Result<Reviewer, LedgerError> {
        self.store_reviewer(PrivateKey::generate_p256(), info, force)
    }

    /// Imports an existing unencrypted PEM EC key (PKCS#8 or SEC1).
    pub fn import_reviewer(&self, pem: &str, source: &Path, info: ReviewerInfo, force: bool) -> Result<Reviewer, LedgerError> {
        let key = PrivateKey::from_pem(pem)
            .map_err(|e| LedgerError::BadKeyFile { path: source.to_path_buf(), reason: e.to_string() })?;
        self.store_reviewer(key, info, force)
    }

    fn store_reviewer(&self, key: PrivateKey, info: ReviewerInfo, force: bool) -> Result<Reviewer, LedgerError> {
        let path = self.reviewer_key_path();
        if path.exists() && !force {
            return Err(LedgerError::Exists(path));
        }
        write_private(&path, key.to_pkcs8_pem().as_bytes(), force)?;
        let info_path = self.dir.join(REVIEWER_INFO);
        let text = toml::to_string(&info).map_err(|e| LedgerError::BadConfig { path: info_path.clone(), reason: e.to_string() })?;
        write_private(&info_path, text.as_bytes(), true)?;
        Ok(Reviewer { key, info, path })
    }

    /// Loads the reviewer key from `path` (e.g. `--reviewer-key`) or the
    /// store. The stored name/e-mail apply only to the stored key.
    pub fn load_reviewer(&self, path: Option<&Path>) -> Result<Reviewer, LedgerError> {
        let own = self.reviewer_key_path();
        let path = path.map(Path::to_path_buf).unwrap_or_else(|| own.clone());
        let text = read(&path)?.ok_or_else(|| LedgerError::NoReviewerKey(path.clone()))?;
        let key = PrivateKey::from_pem(&text).map_err(|e| LedgerError::BadKeyFile { path: path.clone(), reason: e.to_string() })?;
        let mut info = ReviewerInfo::default();
        let stored_fp = read(&own)?.and_then(|t| PrivateKey::from_pem(&t).ok()).map(|k| k.public_key().fingerprint());
        if stored_fp.as_deref() == Some(key.public_key().fingerprint().as_str()) {
            let info_path = self.dir.join(REVIEWER_INFO);
            if let Some(t) = read(&info_path)? {
                info = toml::from_str(&t).map_err(|e| LedgerError::BadConfig { path: info_path, reason: e.to_string() })?;
            }
        }
        Ok(Reviewer { key, info, path })
    }

    /// Trusted reviewers: the file's entries plus the own reviewer key.
    pub fn trusted_reviewers(&self) -> Result<TrustedReviewers, LedgerError> {
        let path = self.dir.join(TRUSTED_REVIEWERS);
        let mut out = TrustedReviewers::default();
        if let Some(text) = read(&path)? {
            let file: TrustedFile =
                toml::from_str(&text).map_err(|e| LedgerError::BadConfig { path: path.clone(), reason: e.to_string() })?;
            for (i, t) in file.reviewer.into_iter().enumerate() {
                let key = PublicKey::from_pem(&t.public_key).map_err(|e| LedgerError::BadConfig {
                    path: path.clone(),
                    reason: format!("reviewer #{}: {e}", i + 1),
                })?;
                out.add(&key, t.name, t.email);
            }
        }
        if self.reviewer_key_path().exists()
            && let Ok(me) = self.load_reviewer(None)
                && out.get(&me.public_key().fingerprint()).is_none() {
                    out.add(&me.public_key(), me.info.name.clone(), me.info.email.clone());
                }
        Ok(out)
    }

    /// Adds a reviewer public key to `trusted-reviewers.toml`.
    pub fn trust_reviewer(&self, key: &PublicKey, name: Option<String>, email: Option<String>) -> Result<(), LedgerError> {
        let path = self.dir.join(TRUSTED_REVIEWERS);
        let mut file: TrustedFile = match read(&path)? {
            Some(text) => toml::from_str(&text).map_err(|e| LedgerError::BadConfig { path: path.clone(), reason: e.to_string() })?,
            None => TrustedFile::default(),
        };
        let pem = key.to_pem();
        file.reviewer.retain(|t| PublicKey::from_pem(&t.public_key).map(|k| k != *key).unwrap_or(true));
        file.reviewer.push(TrustedReviewer { name, email, public_key: pem });
        let text = toml::to_string(&file).map_err(|e| LedgerError::BadConfig { path: path.clone(), reason: e.to_string() })?;
        write_private(&path, text.as_bytes(), true)
    }

    /// The ledger (checkpoint) key, if one exists.
    pub fn ledger_key(&self) -> Result<Option<SigningKey>, LedgerError> {
        use ed25519_dalek::pkcs8::DecodePrivateKey;
        let path = self.ledger_key_path();
        let Some(text) = read(&path)? else { return Ok(None) };
        SigningKey::from_pkcs8_pem(&text)
            .map(Some)
            .map_err(|e| LedgerError::BadKeyFile { path, reason: format!("not an Ed25519 PKCS#8 key: {e}") })
    }

    /// The ledger key, generated (0600) on first use.
    pub fn ledger_key_or_create(&self) -> Result<SigningKey, LedgerError> {
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        if let Some(k) = self.ledger_key()? {
            return Ok(k);
        }
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| LedgerError::io(self.ledger_key_path(), std::io::Error::other(e.to_string())))?;
        let key = SigningKey::from_bytes(&seed);
        let pem = key
            .to_pkcs8_pem(Default::default())
            .map_err(|e| LedgerError::BadKeyFile { path: self.ledger_key_path(), reason: e.to_string() })?;
        match write_private(&self.ledger_key_path(), pem.as_bytes(), false) {
            Ok(()) => Ok(key),
            // Another process created it first: use theirs.
            Err(LedgerError::Exists(_)) => self.ledger_key()?.ok_or_else(|| LedgerError::Exists(self.ledger_key_path())),
            Err(e) => Err(e),
        }
    }

    /// Vkeys listed in `trusted-ledger-keys` (one per line, `#` comments).
    pub fn trusted_ledger_keys(&self) -> Result<Vec<NoteVerifier>, LedgerError> {
        let path = self.dir.join(TRUSTED_LEDGER_KEYS);
        let Some(text) = read(&path)? else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            out.push(NoteVerifier::from_vkey(line).map_err(|e| LedgerError::BadConfig {
                path: path.clone(),
                reason: format!("line {}: {e}", i + 1),
            })?);
        }
        Ok(out)
    }

    /// Records `verifier` in `trusted-ledger-keys` (idempotent). Called when
    /// this installation creates or appends to a ledger, so a later swap of
    /// the key recorded inside the file is an error, not a warning.
    pub fn pin_ledger(&self, verifier: &NoteVerifier) -> Result<(), LedgerError> {
        let path = self.dir.join(TRUSTED_LEDGER_KEYS);
        let vkey = verifier.to_vkey();
        let text = read(&path)?.unwrap_or_else(|| {
            "# Ledger checkpoint keys (vkeys) trusted by `modelvet ledger verify`, one per line.\n".to_string()
        });
        if text.lines().any(|l| l.trim() == vkey) {
            return Ok(());
        }
        let mut text = text;
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&vkey);
        text.push('\n');
        write_private(&path, text.as_bytes(), true)
    }
}

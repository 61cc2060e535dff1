//! The Rekor logs of a trust root, as the independent checks need them: log
//! ID bytes, key, validity window and host (for the checkpoint origin).

use sigstore_verify::crypto::VerificationKey;
use sigstore_verify::trust_root::TrustedRoot;
use sigstore_verify::types::{DerPublicKey, SignatureBytes};

/// One transparency log we trust.
#[derive(Debug, Clone)]
pub struct TrustedLog {
    pub base_url: String,
    /// The log ID (SHA-256 of the key for Rekor v1; as the trust root says).
    pub log_id: Vec<u8>,
    pub key: DerPublicKey,
    /// Validity window, Unix seconds (start, optional end), inclusive.
    pub valid_from: Option<i64>,
    pub valid_until: Option<i64>,
}

impl TrustedLog {
    /// Verifies `sig` over `msg` with this log's key (scheme from the SPKI).
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<(), String> {
        let key = VerificationKey::from_spki(&self.key).map_err(|e| format!("unusable log key: {e}"))?;
        key.verify(msg, &SignatureBytes::new(sig.to_vec())).map_err(|e| e.to_string())
    }

    /// Whether `t` (Unix seconds) falls in the key's validity window.
    pub fn valid_at(&self, t: i64) -> bool {
        self.valid_from.is_none_or(|s| t >= s) && self.valid_until.is_none_or(|e| t <= e)
    }

    pub fn host(&self) -> &str {
        super::checkpoint::url_host(&self.base_url)
    }

    #[cfg(test)]
    pub fn for_test(spki: &[u8], url: &str) -> Self {
        use sha2::Digest;
        TrustedLog {
            base_url: url.into(),
            log_id: sha2::Sha256::digest(spki).to_vec(),
            key: DerPublicKey::new(spki.to_vec()),
            valid_from: None,
            valid_until: None,
        }
    }
}

/// The Rekor logs of `root`.
pub fn rekor_logs(root: &TrustedRoot) -> Vec<TrustedLog> {
    root.tlogs
        .iter()
        .map(|t| TrustedLog {
            base_url: t.base_url.clone(),
            log_id: t.log_id.key_id.as_bytes().to_vec(),
            key: t.public_key.raw_bytes.clone(),
            valid_from: t.public_key.valid_for.as_ref().map(|r| r.start.as_second()),
            valid_until: t.public_key.valid_for.as_ref().and_then(|r| r.end.map(|e| e.as_second())),
        })
        .collect()
}

/// The log with this ID, if trusted.
pub fn find<'a>(logs: &'a [TrustedLog], log_id: &[u8]) -> Option<&'a TrustedLog> {
    logs.iter().find(|l| l.log_id == log_id)
}

//! The Rekor v1 signed entry timestamp (SET, "inclusion promise").
//!
//! The SET is the log's signature over the canonical JSON (RFC 8785) of
//! `{"body","integratedTime","logID","logIndex"}`. Neither sigstore-rs crate
//! exposes building that payload, so it is written here; the four keys are
//! fixed and already in canonical order, and every value is a plain string or
//! integer, so canonicalisation reduces to compact JSON in that key order.

use super::logs::TrustedLog;

/// The exact bytes the log signed.
pub fn canonical_payload(body_b64: &str, integrated_time: i64, log_id_hex: &str, log_index: i64) -> Vec<u8> {
    // serde_json string encoding escapes exactly what RFC 8785 requires for
    // these ASCII values; base64 and hex contain nothing to escape anyway.
    let q = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    format!(
        "{{\"body\":{},\"integratedTime\":{integrated_time},\"logID\":{},\"logIndex\":{log_index}}}",
        q(body_b64),
        q(log_id_hex)
    )
    .into_bytes()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetError {
    #[error("the log {0} that made this entry is not in the trust root")]
    UnknownLog(String),
    #[error("the signed entry timestamp does not verify with the key of log {log}: {reason}")]
    BadSignature { log: String, reason: String },
}

/// Verifies a SET with the log's key.
pub fn verify(
    log: Option<&TrustedLog>,
    log_id_b64: &str,
    body_b64: &str,
    integrated_time: i64,
    log_index: i64,
    set: &[u8],
) -> Result<(), SetError> {
    let log = log.ok_or_else(|| SetError::UnknownLog(log_id_b64.to_string()))?;
    let payload = canonical_payload(body_b64, integrated_time, &hex::encode(&log.log_id), log_index);
    log.verify(&payload, set).map_err(|reason| SetError::BadSignature { log: log.base_url.clone(), reason })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::PrivateKey;

    #[test]
    fn canonical_payload_is_sorted_compact_json() {
        let p = canonical_payload("Ym9keQ==", 1689177396, "c0d23d", 27246492);
        assert_eq!(
            String::from_utf8(p).unwrap(),
            r#"{"body":"Ym9keQ==","integratedTime":1689177396,"logID":"c0d23d","logIndex":27246492}"#
        );
    }

    #[test]
    fn hand_made_set_verifies_and_tampering_fails() {
        let key = PrivateKey::generate_p256();
        let log = TrustedLog::for_test(&key.public_key().spki_der(), "https://rekor.example");
        let lid = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &log.log_id);
        let body = "eyJraW5kIjoiaGFzaGVkcmVrb3JkIn0=";
        let sig = key.sign(&canonical_payload(body, 1700000000, &hex::encode(&log.log_id), 42));
        assert_eq!(verify(Some(&log), &lid, body, 1700000000, 42, &sig), Ok(()));
        // Any field changed: the promise no longer verifies.
        assert!(matches!(verify(Some(&log), &lid, body, 1700000001, 42, &sig), Err(SetError::BadSignature { .. })));
        assert!(matches!(verify(Some(&log), &lid, body, 1700000000, 43, &sig), Err(SetError::BadSignature { .. })));
        assert!(matches!(verify(Some(&log), &lid, "e30=", 1700000000, 42, &sig), Err(SetError::BadSignature { .. })));
        let mut bad = sig.clone();
        let n = bad.len() - 1;
        bad[n] ^= 1;
        assert!(verify(Some(&log), &lid, body, 1700000000, 42, &bad).is_err());
        assert!(matches!(verify(None, &lid, body, 1700000000, 42, &sig), Err(SetError::UnknownLog(_))));
    }
}

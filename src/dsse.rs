//! DSSE envelopes and the Sigstore bundle wrapper, for reading OMS
//! signatures and for signing our own statements (OMS re-signing, ledger
//! approvals, evidence summaries).
//!
//! The Sigstore bundle JSON is read as generic JSON, not through the strict
//! protobuf serde types, because model-signing's historical bundles carry
//! non-standard fields (`publicKey.rawBytes` holding PEM, `keyid: null`).

use crate::crypto::PrivateKey;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

/// The only DSSE payload type OMS and in-toto use.
pub const INTOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// The bundle media type model-signing writes (and we write).
pub const BUNDLE_V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// DSSE v1 pre-authentication encoding.
pub fn pae(payload_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + payload_type.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(body.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(body);
    out
}

/// The buggy PAE model-signing 0.2.0 signed: capital `V` and Python's
/// `repr(bytes)` of the body (see docs: OMS format §3.1).
pub fn legacy_pae(body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEV1 {} {} {} ",
        INTOTO_PAYLOAD_TYPE.len(),
        INTOTO_PAYLOAD_TYPE,
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(python_bytes_repr(body).as_bytes());
    out
}

/// Python's `repr()` of a `bytes` value.
pub fn python_bytes_repr(body: &[u8]) -> String {
    let quote = if body.contains(&b'\'') && !body.contains(&b'"') { '"' } else { '\'' };
    let mut s = String::with_capacity(body.len() + 3);
    s.push('b');
    s.push(quote);
    for &b in body {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'\t' => s.push_str("\\t"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            _ if b as char == quote => {
                s.push('\\');
                s.push(quote);
            }
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push(quote);
    s
}

/// One DSSE signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeSignature {
    pub sig: Vec<u8>,
    pub keyid: Option<String>,
}

/// A decoded DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub payload: Vec<u8>,
    pub payload_type: String,
    pub signatures: Vec<EnvelopeSignature>,
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum EnvelopeError {
    #[error("DSSE envelope field '{0}' is missing")]
    Missing(&'static str),
    #[error("DSSE envelope field '{0}' has the wrong type")]
    WrongType(&'static str),
    #[error("DSSE envelope field '{field}' is not valid base64: {reason}")]
    Base64 { field: String, reason: String },
}

/// Whether an in-toto statement (JSON) names the sha256 digest `hex` as one
/// of its subjects.
pub fn statement_names_sha256(statement: &[u8], hex: &str) -> bool {
    serde_json::from_slice::<Value>(statement)
        .ok()
        .and_then(|v| v.get("subject").and_then(Value::as_array).cloned())
        .is_some_and(|subjects| subjects.iter().any(|s| s.pointer("/digest/sha256").and_then(Value::as_str) == Some(hex)))
}

/// Decodes standard base64, tolerating missing padding and URL-safe
/// characters as protobuf JSON readers do.
pub fn decode_b64(field: &str, s: &str) -> Result<Vec<u8>, EnvelopeError> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    B64.decode(s)
        .or_else(|_| STANDARD_NO_PAD.decode(s))
        .or_else(|_| URL_SAFE.decode(s))
        .or_else(|_| URL_SAFE_NO_PAD.decode(s))
        .map_err(|e| EnvelopeError::Base64 { field: field.to_string(), reason: e.to_string() })
}

impl Envelope {
    pub fn from_json(v: &Value) -> Result<Self, EnvelopeError> {
        let obj = v.as_object().ok_or(EnvelopeError::WrongType("dsseEnvelope"))?;
        let payload = obj.get("payload").ok_or(EnvelopeError::Missing("payload"))?;
        let payload = payload.as_str().ok_or(EnvelopeError::WrongType("payload"))?;
        let payload = decode_b64("payload", payload)?;
        let payload_type = obj
            .get("payloadType")
            .ok_or(EnvelopeError::Missing("payloadType"))?
            .as_str()
            .ok_or(EnvelopeError::WrongType("payloadType"))?
            .to_string();
        let sigs = obj
            .get("signatures")
            .ok_or(EnvelopeError::Missing("signatures"))?
            .as_array()
            .ok_or(EnvelopeError::WrongType("signatures"))?;
        let mut signatures = Vec::with_capacity(sigs.len());
        for (i, s) in sigs.iter().enumerate() {
            let sig = s
                .get("sig")
                .and_then(Value::as_str)
                .ok_or(EnvelopeError::Missing("signatures[].sig"))?;
            let sig = decode_b64(&format!("signatures[{i}].sig"), sig)?;
            let keyid = s.get("keyid").and_then(Value::as_str).map(str::to_string);
            signatures.push(EnvelopeSignature { sig, keyid });
        }
        Ok(Envelope { payload, payload_type, signatures })
    }

    pub fn to_json(&self) -> Value {
        json!({
            "payload": B64.encode(&self.payload),
            "payloadType": self.payload_type,
            "signatures": self.signatures.iter().map(|s| json!({
                "sig": B64.encode(&s.sig),
                "keyid": s.keyid.clone().unwrap_or_default(),
            })).collect::<Vec<_>>(),
        })
    }

    /// Signs `payload` (an in-toto statement) with `key` over the PAE.
    pub fn sign_intoto(payload: Vec<u8>, key: &PrivateKey) -> Self {
        let sig = key.sign(&pae(INTOTO_PAYLOAD_TYPE, &payload));
        Envelope {
            payload,
            payload_type: INTOTO_PAYLOAD_TYPE.to_string(),
            signatures: vec![EnvelopeSignature { sig, keyid: Some(String::new()) }],
        }
    }
}

/// A Sigstore bundle v0.3 carrying `envelope`, identified by the OMS public
/// key hint, with no transparency log entry: the form `model_signing sign
/// key` writes, compact JSON without a trailing newline.
pub fn key_bundle_json(envelope: &Envelope, key_hint: &str) -> String {
    let bundle = json!({
        "mediaType": BUNDLE_V03,
        "verificationMaterial": {
            "publicKey": { "hint": key_hint },
            "tlogEntries": [],
        },
        "dsseEnvelope": envelope.to_json(),
    });
    bundle.to_string()
}

/// A Sigstore bundle v0.3 with a `messageSignature` over `artifact` (SHA-256
/// digest + ECDSA signature of the artifact bytes), identified by the key
/// hint: what we sign `SHA256SUMS` with.
pub fn message_bundle_json(artifact: &[u8], key: &PrivateKey) -> String {
    use sha2::{Digest, Sha256};
    let bundle = json!({
        "mediaType": BUNDLE_V03,
        "verificationMaterial": {
            "publicKey": { "hint": key.public_key().hint() },
            "tlogEntries": [],
        },
        "messageSignature": {
            "messageDigest": { "algorithm": "SHA2_256", "digest": B64.encode(Sha256::digest(artifact)) },
            "signature": B64.encode(key.sign(artifact)),
        },
    });
    bundle.to_string()
}

/// Checks a [`message_bundle_json`] bundle over `artifact` with `key`.
pub fn verify_message_bundle(bundle: &[u8], artifact: &[u8], key: &crate::crypto::PublicKey) -> Result<(), String> {
    use sha2::{Digest, Sha256};
    let v: Value = serde_json::from_slice(bundle).map_err(|e| format!("not JSON: {e}"))?;
    let ms = v.get("messageSignature").ok_or("no messageSignature")?;
    let alg = ms.pointer("/messageDigest/algorithm").and_then(Value::as_str).unwrap_or("");
    if alg != "SHA2_256" {
        return Err(format!("message digest algorithm {alg:?} is not SHA2_256"));
    }
    let digest = ms.pointer("/messageDigest/digest").and_then(Value::as_str).ok_or("no messageDigest.digest")?;
    let digest = decode_b64("messageDigest.digest", digest).map_err(|e| e.to_string())?;
    if digest != Sha256::digest(artifact).as_slice() {
        return Err("the bundle's message digest does not match the file".into());
    }
    let sig = ms.get("signature").and_then(Value::as_str).ok_or("no signature")?;
    let sig = decode_b64("messageSignature.signature", sig).map_err(|e| e.to_string())?;
    key.verify(artifact, &sig).map_err(|e| e.to_string())
}

/// Reads a DSSE bundle and verifies its one signature with `key`; returns
/// the payload. For approvals and summaries we signed ourselves.
pub fn verify_dsse_bundle(bundle: &[u8], key: &crate::crypto::PublicKey) -> Result<Vec<u8>, String> {
    let v: Value = serde_json::from_slice(bundle).map_err(|e| format!("not JSON: {e}"))?;
    let env = Envelope::from_json(v.get("dsseEnvelope").ok_or("no dsseEnvelope")?).map_err(|e| e.to_string())?;
    if env.payload_type != INTOTO_PAYLOAD_TYPE {
        return Err(format!("payloadType {:?} is not in-toto", env.payload_type));
    }
    if env.signatures.len() != 1 {
        return Err(format!("{} signatures, expected exactly one", env.signatures.len()));
    }
    key.verify(&pae(&env.payload_type, &env.payload), &env.signatures[0].sig).map_err(|e| e.to_string())?;
    Ok(env.payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_dsse_spec_example() {
        assert_eq!(pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec());
    }

    #[test]
    fn python_repr_escapes_like_cpython() {
        assert_eq!(python_bytes_repr(b"{\n  \"a\"}"), "b'{\\n  \"a\"}'");
        assert_eq!(python_bytes_repr(b"it's"), "b\"it's\"");
        assert_eq!(python_bytes_repr(b"'\""), "b'\\'\"'");
        assert_eq!(python_bytes_repr(&[0x00, 0x7f, 0xff, b'\\']), "b'\\x00\\x7f\\xff\\\\'");
    }

    #[test]
    fn envelope_round_trips_and_rejects_bad_base64() {
        let key = PrivateKey::generate_p256();
        let env = Envelope::sign_intoto(b"{}".to_vec(), &key);
        let back = Envelope::from_json(&env.to_json()).unwrap();
        assert_eq!(back, env);
        let bad = json!({"payload": "%%%", "payloadType": "x", "signatures": []});
        assert!(matches!(Envelope::from_json(&bad), Err(EnvelopeError::Base64 { .. })));
    }
}

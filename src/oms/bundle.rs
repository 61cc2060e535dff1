//! The outer layer of an OMS signature: a Sigstore bundle (v0.1–v0.3) with a
//! DSSE envelope, read leniently as JSON so every historical model-signing
//! variant parses, and checked field by field so every rejection says which.

use crate::dsse::{Envelope, EnvelopeError, decode_b64};
use crate::report::SigningMethod;
use serde_json::Value;

/// How the signer identified itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Material {
    /// `publicKey.hint` (model-signing ≥ 1.1.0); the key comes from the user.
    KeyHint(String),
    /// `publicKey.rawBytes` (0.2.0–1.0.1): ignored, like the reference does.
    LegacyRawKey { key_details: Option<String> },
    /// `x509CertificateChain` without a log entry: leaf first (DER).
    CertificateChain(Vec<Vec<u8>>),
    /// Sigstore keyless: a Fulcio leaf (DER) plus transparency-log entries.
    Sigstore { leaf: Vec<u8> },
}

impl Material {
    pub fn method(&self) -> SigningMethod {
        match self {
            Material::KeyHint(_) | Material::LegacyRawKey { .. } => SigningMethod::Key,
            Material::CertificateChain(_) => SigningMethod::Certificate,
            Material::Sigstore { .. } => SigningMethod::Sigstore,
        }
    }
}

/// A parsed bundle.
#[derive(Debug, Clone)]
pub struct OmsBundle {
    pub media_type: String,
    pub material: Material,
    pub envelope: Envelope,
    /// The whole document, for the Sigstore verifier.
    pub raw: Value,
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum BundleError {
    #[error("signature file is empty")]
    Empty,
    #[error("signature file is not valid JSON: {0}")]
    NotJson(String),
    #[error("signature file is JSON but not an object")]
    NotObject,
    #[error("bundle field '{0}' is missing")]
    Missing(&'static str),
    #[error("bundle field '{0}' has the wrong type")]
    WrongType(&'static str),
    #[error("bundle media type '{0}' is not a Sigstore bundle media type")]
    MediaType(String),
    #[error("bundle field '{field}' is not valid base64: {reason}")]
    Base64 { field: String, reason: String },
    #[error("verificationMaterial has none of publicKey, x509CertificateChain, certificate")]
    NoMaterial,
    #[error("x509CertificateChain has no certificates")]
    EmptyChain,
    #[error("{0}")]
    Envelope(#[from] EnvelopeError),
}

/// Media types a Sigstore bundle may carry.
pub fn is_sigstore_media_type(mt: &str) -> bool {
    matches!(
        mt,
        "application/vnd.dev.sigstore.bundle.v0.3+json"
            | "application/vnd.dev.sigstore.bundle+json;version=0.1"
            | "application/vnd.dev.sigstore.bundle+json;version=0.2"
            | "application/vnd.dev.sigstore.bundle+json;version=0.3"
    )
}

fn b64_field(field: &str, v: &Value) -> Result<Vec<u8>, BundleError> {
    let s = v.as_str().ok_or(BundleError::WrongType("rawBytes"))?;
    decode_b64(field, s).map_err(|e| match e {
        EnvelopeError::Base64 { field, reason } => BundleError::Base64 { field, reason },
        other => BundleError::Envelope(other),
    })
}

pub fn parse_bundle(bytes: &[u8]) -> Result<OmsBundle, BundleError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(BundleError::Empty);
    }
    let raw: Value = serde_json::from_slice(bytes).map_err(|e| BundleError::NotJson(e.to_string()))?;
    let obj = raw.as_object().ok_or(BundleError::NotObject)?;
    let media_type = obj
        .get("mediaType")
        .ok_or(BundleError::Missing("mediaType"))?
        .as_str()
        .ok_or(BundleError::WrongType("mediaType"))?
        .to_string();
    if !is_sigstore_media_type(&media_type) {
        return Err(BundleError::MediaType(media_type));
    }
    let vm = obj
        .get("verificationMaterial")
        .ok_or(BundleError::Missing("verificationMaterial"))?
        .as_object()
        .ok_or(BundleError::WrongType("verificationMaterial"))?;
    let has_tlog = vm
        .get("tlogEntries")
        .and_then(Value::as_array)
        .map(|a| !a.is_empty())
        .unwrap_or(false);
    let material = if let Some(pk) = vm.get("publicKey") {
        let pk = pk.as_object().ok_or(BundleError::WrongType("publicKey"))?;
        match pk.get("hint").and_then(Value::as_str) {
            Some(h) if !h.is_empty() => Material::KeyHint(h.to_string()),
            _ => {
                if let Some(rb) = pk.get("rawBytes") {
                    // Must still be well-formed, even though it is not used.
                    b64_field("verificationMaterial.publicKey.rawBytes", rb)?;
                }
                Material::LegacyRawKey {
                    key_details: pk.get("keyDetails").and_then(Value::as_str).map(str::to_string),
                }
            }
        }
    } else if let Some(c) = vm.get("certificate") {
        if !has_tlog {
            return Err(BundleError::Missing("verificationMaterial.tlogEntries (a keyless bundle needs a transparency log entry)"));
        }
        let raw_bytes = c.get("rawBytes").ok_or(BundleError::Missing("certificate.rawBytes"))?;
        Material::Sigstore { leaf: b64_field("verificationMaterial.certificate.rawBytes", raw_bytes)? }
    } else if let Some(chain) = vm.get("x509CertificateChain") {
        let certs = chain
            .get("certificates")
            .ok_or(BundleError::Missing("x509CertificateChain.certificates"))?
            .as_array()
            .ok_or(BundleError::WrongType("x509CertificateChain.certificates"))?;
        let mut ders = Vec::with_capacity(certs.len());
        for (i, c) in certs.iter().enumerate() {
            let rb = c.get("rawBytes").ok_or(BundleError::Missing("x509CertificateChain.certificates[].rawBytes"))?;
            ders.push(b64_field(&format!("x509CertificateChain.certificates[{i}].rawBytes"), rb)?);
        }
        if ders.is_empty() {
            return Err(BundleError::EmptyChain);
        }
        if has_tlog {
            Material::Sigstore { leaf: ders[0].clone() }
        } else {
            Material::CertificateChain(ders)
        }
    } else {
        return Err(BundleError::NoMaterial);
    };
    let env = obj.get("dsseEnvelope").ok_or(BundleError::Missing("dsseEnvelope"))?;
    let envelope = Envelope::from_json(env)?;
    Ok(OmsBundle { media_type, material, envelope, raw })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_malformed_bundles_with_reasons() {
        assert_eq!(parse_bundle(b"").unwrap_err(), BundleError::Empty);
        assert!(matches!(parse_bundle(b"{\"mediaType\":").unwrap_err(), BundleError::NotJson(_)));
        assert_eq!(parse_bundle(b"[]").unwrap_err(), BundleError::NotObject);
        assert_eq!(
            parse_bundle(br#"{"mediaType":"text/plain"}"#).unwrap_err(),
            BundleError::MediaType("text/plain".into())
        );
        let no_env = br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"ab"}}}"#;
        assert_eq!(parse_bundle(no_env).unwrap_err(), BundleError::Missing("dsseEnvelope"));
        let bad_cert = br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"x509CertificateChain":{"certificates":[{"rawBytes":"!!"}]}},"dsseEnvelope":{}}"#;
        assert!(matches!(parse_bundle(bad_cert).unwrap_err(), BundleError::Base64 { .. }));
        let empty_chain = br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"x509CertificateChain":{"certificates":[]}},"dsseEnvelope":{}}"#;
        assert_eq!(parse_bundle(empty_chain).unwrap_err(), BundleError::EmptyChain);
    }
}

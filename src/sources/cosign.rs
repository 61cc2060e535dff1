//! Legacy cosign signatures (`sha256-<hex>.sig` tags): each layer is a
//! "simple signing" payload naming the signed manifest digest, with the
//! base64 ECDSA signature in the `dev.cosignproject.cosign/signature`
//! annotation. Legacy cosign attestations (`sha256-<hex>.att` tags): each
//! layer is a DSSE envelope whose in-toto statement names the manifest.
//! Hand-written because each is a few lines over our own key and DSSE
//! code; the keyless (certificate + Rekor bundle) variants are listed only.

use crate::crypto::PublicKey;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

pub const SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// Layer media type of cosign attestations.
pub const DSSE_ENVELOPE: &str = "application/vnd.dsse.envelope.v1+json";
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
pub const CERTIFICATE_ANNOTATION: &str = "dev.sigstore.cosign/certificate";
const PAYLOAD_TYPE: &str = "cosign container image signature";

/// One signature layer of a cosign `.sig` tag, payload saved locally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CosignLayer {
    pub payload_path: PathBuf,
    /// Base64 DER ECDSA signature over the payload.
    pub signature: String,
    /// PEM certificate for keyless signatures.
    pub certificate: Option<String>,
}

/// Checks that the payload names `manifest_digest` and that the signature
/// verifies with `key` (ECDSA over SHA-256 of the payload, as cosign signs).
pub fn verify_simple_signing(layer: &CosignLayer, manifest_digest: &str, key: &PublicKey) -> Result<(), String> {
    let payload = std::fs::read(&layer.payload_path).map_err(|e| format!("{}: {e}", layer.payload_path.display()))?;
    let v: serde_json::Value = serde_json::from_slice(&payload).map_err(|e| format!("payload is not JSON: {e}"))?;
    let critical = v.get("critical").ok_or("payload has no 'critical' section")?;
    if critical.get("type").and_then(|t| t.as_str()) != Some(PAYLOAD_TYPE) {
        return Err(format!("payload type is not '{PAYLOAD_TYPE}'"));
    }
    let named = critical
        .get("image")
        .and_then(|i| i.get("docker-manifest-digest"))
        .and_then(|d| d.as_str())
        .ok_or("payload names no manifest digest")?;
    if named != manifest_digest {
        return Err(format!("payload signs {named}, not {manifest_digest}"));
    }
    let der = base64::engine::general_purpose::STANDARD
        .decode(layer.signature.trim())
        .map_err(|_| "signature annotation is not base64".to_string())?;
    key.verify_sha256(&payload, &der).map_err(|e| e.to_string())
}

/// Checks one `.att` layer (saved at `payload_path`): a DSSE envelope whose
/// signature verifies with `key` over the PAE and whose in-toto statement
/// names `manifest_digest` as a subject.
pub fn verify_attestation(layer: &CosignLayer, manifest_digest: &str, key: &PublicKey) -> Result<(), String> {
    let bytes = std::fs::read(&layer.payload_path).map_err(|e| format!("{}: {e}", layer.payload_path.display()))?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| format!("envelope is not JSON: {e}"))?;
    let env = crate::dsse::Envelope::from_json(&v).map_err(|e| e.to_string())?;
    let pae = crate::dsse::pae(&env.payload_type, &env.payload);
    if !env.signatures.iter().any(|s| key.verify(&pae, &s.sig).is_ok()) {
        return Err("no DSSE signature verifies with the given key".into());
    }
    let hex = manifest_digest.strip_prefix("sha256:").ok_or("manifest digest is not sha256")?;
    if crate::dsse::statement_names_sha256(&env.payload, hex) { Ok(()) } else { Err(format!("the statement does not name {manifest_digest}")) }
}

//! Finding the signatures that live beside a model manifest:
//! - OCI 1.1 referrers: oci-client's `pull_referrers` asks the native
//!   `/v2/<repo>/referrers/<digest>` API and, on 404, reads the
//!   `sha256-<hex>` referrers tag (both are reported as `referrers`);
//! - legacy cosign tags `sha256-<hex>.sig` and `.att`.
//!
//! A referrers list is not content-addressed, so every entry is fetched by
//! digest and kept only if its `subject` really is our manifest. Sigstore
//! bundles are saved (digest-checked) so the OMS verifier can read them.

use super::fetch::fetch_small;
use super::manifest::{ACCEPT, Descriptor, Document, parse_document};
use crate::sources::cache::{Cache, write_file};
use crate::sources::cosign::{CERTIFICATE_ANNOTATION, CosignLayer, SIGNATURE_ANNOTATION, SIMPLE_SIGNING};
use crate::sources::{FoundSignature, OciRef, SignatureKind, SourceError};
use std::path::Path;

pub const SIGSTORE_BUNDLE_PREFIX: &str = "application/vnd.dev.sigstore.bundle";
pub const NOTATION: &str = "application/vnd.cncf.notary.signature";
pub const OMS_PREDICATE: &str = "https://model_signing/signature/v1.0";
pub const BUNDLE_PREDICATE_ANNOTATION: &str = "dev.sigstore.bundle.predicateType";
const MAX_BUNDLE: u64 = crate::oms::MAX_SIGNATURE_BYTES;
const MAX_REFERRERS: usize = 64;
/// Largest evidence bundle fetched for checking (they hold no model weights).
const MAX_EVIDENCE: u64 = 64 << 20;

/// Discovers referrers and cosign tags of `manifest_digest`; saves bundles
/// under `out_dir`. Lookup failures become notes, never errors: a missing
/// signature is reported by the verifier, not as a broken reference.
pub async fn discover(
    client: &oci_client::Client,
    oref: &OciRef,
    manifest_digest: &str,
    cache: &Cache,
    out_dir: &Path,
) -> Result<(Vec<FoundSignature>, Vec<String>), SourceError> {
    let mut found = Vec::new();
    let mut notes = Vec::new();
    let subject =
        oci_client::Reference::with_digest(oref.registry.clone(), oref.repository.clone(), manifest_digest.to_string());
    match client.pull_referrers(&subject, None).await {
        Ok(index) => {
            if index.manifests.len() > MAX_REFERRERS {
                notes.push(format!("{} referrers listed; only the first {MAX_REFERRERS} were read", index.manifests.len()));
            }
            for entry in index.manifests.iter().take(MAX_REFERRERS) {
                match read_referrer(client, oref, manifest_digest, &entry.digest, cache, out_dir).await {
                    Ok(Some(sig)) => found.push(sig),
                    Ok(None) => notes.push(format!("referrer {} does not name this manifest as its subject; ignored", entry.digest)),
                    Err(e) => notes.push(format!("referrer {} unreadable: {e}", entry.digest)),
                }
            }
        }
        Err(e) => notes.push(format!("referrers lookup failed: {e}")),
    }
    let hex = crate::sources::cache::sha256_hex(manifest_digest)?;
    for (suffix, kind) in [("sig", SignatureKind::CosignSignature), ("att", SignatureKind::CosignAttestation)] {
        let tag = format!("sha256-{hex}.{suffix}");
        let r = oci_client::Reference::with_tag(oref.registry.clone(), oref.repository.clone(), tag.clone());
        match client.pull_manifest_raw(&r, &oci_client::secrets::RegistryAuth::Anonymous, ACCEPT).await {
            Ok((bytes, digest)) => match parse_document(&bytes) {
                Ok(Document::Manifest(m)) => {
                    let mut cosign_layers = Vec::new();
                    for (i, l) in m.layers.iter().enumerate().take(MAX_REFERRERS) {
                        let sig = match kind {
                            SignatureKind::CosignSignature if l.media_type == SIMPLE_SIGNING => l.annotation(SIGNATURE_ANNOTATION),
                            // The signature is inside the DSSE envelope.
                            SignatureKind::CosignAttestation if l.media_type == crate::sources::cosign::DSSE_ENVELOPE => Some(""),
                            _ => None,
                        };
                        let Some(sig) = sig else { continue };
                        match fetch_small(client, &r, l, "cosign payload", cache, 1 << 20).await {
                            Ok(payload) => {
                                let path = out_dir.join(format!("cosign-{hex}-{suffix}-{i}.json"));
                                write_file(&path, &payload)?;
                                cosign_layers.push(CosignLayer {
                                    payload_path: path,
                                    signature: sig.to_string(),
                                    certificate: l.annotation(CERTIFICATE_ANNOTATION).map(str::to_string),
                                });
                            }
                            Err(e) => notes.push(format!("cosign tag {tag} layer {i}: {e}")),
                        }
                    }
                    found.push(FoundSignature {
                        kind,
                        discovered_via: "cosign-tag".into(),
                        location: format!("{tag} ({digest})"),
                        artifact_type: m.layers.first().map(|l| l.media_type.clone()),
                        predicate_type: m.layers.iter().find_map(|l| l.annotation("predicateType").map(str::to_string)),
                        local_path: None,
                        layers: m.layers.len(),
                        cosign_layers,
                    })
                }
                Ok(Document::Index(_)) => notes.push(format!("cosign tag {tag} holds an index; ignored")),
                Err(e) => notes.push(format!("cosign tag {tag}: {e}")),
            },
            Err(e) if is_not_found(&e) => {}
            Err(e) => notes.push(format!("cosign tag {tag} lookup failed: {e}")),
        }
    }
    if found.is_empty() {
        notes.push(format!("no referrers or cosign signature tags found for {manifest_digest}"));
    }
    Ok((found, notes))
}

/// Whether an oci-client error means "no such manifest".
pub fn is_not_found(e: &oci_client::errors::OciDistributionError) -> bool {
    use oci_client::errors::OciDistributionError as E;
    match e {
        E::ImageManifestNotFoundError(_) => true,
        E::ServerError { code, .. } => *code == 404,
        E::RegistryError { envelope, .. } => envelope.errors.iter().any(|x| {
            let code = format!("{:?}", x.code).to_ascii_uppercase();
            code.contains("UNKNOWN") || code.contains("NOTFOUND") || code.contains("NOT_FOUND")
        }),
        _ => false,
    }
}

async fn read_referrer(
    client: &oci_client::Client,
    oref: &OciRef,
    subject_digest: &str,
    digest: &str,
    cache: &Cache,
    out_dir: &Path,
) -> Result<Option<FoundSignature>, SourceError> {
    crate::sources::cache::sha256_hex(digest)?;
    let r = oci_client::Reference::with_digest(oref.registry.clone(), oref.repository.clone(), digest.to_string());
    // oci-client checks the body against the digest in the reference.
    let (bytes, _) = client
        .pull_manifest_raw(&r, &oci_client::secrets::RegistryAuth::Anonymous, ACCEPT)
        .await
        .map_err(|e| super::registry_err(&format!("referrer {digest}"), e))?;
    let m = match parse_document(&bytes) {
        Ok(Document::Manifest(m)) => *m,
        Ok(Document::Index(_)) => return Err(SourceError::Unsupported("referrer is an index".into())),
        Err(e) => return Err(SourceError::Unsupported(e)),
    };
    if m.subject.as_ref().map(|s| s.digest.as_str()) != Some(subject_digest) {
        return Ok(None);
    }
    let artifact_type = m.artifact_type.clone().unwrap_or_else(|| m.config.media_type.clone());
    let mut sig = FoundSignature {
        kind: SignatureKind::Other,
        discovered_via: "referrers".into(),
        location: digest.to_string(),
        artifact_type: Some(artifact_type.clone()),
        predicate_type: m.annotations.get(BUNDLE_PREDICATE_ANNOTATION).cloned(),
        local_path: None,
        layers: m.layers.len(),
        cosign_layers: Vec::new(),
    };
    if artifact_type.starts_with(SIGSTORE_BUNDLE_PREFIX) {
        let layer: &Descriptor = m.layers.first().ok_or_else(|| SourceError::Unsupported("bundle referrer without a layer".into()))?;
        let bytes = fetch_small(client, &r, layer, "sigstore bundle", cache, MAX_BUNDLE).await?;
        if sig.predicate_type.is_none() {
            sig.predicate_type = predicate_of_bundle(&bytes);
        }
        let hex = crate::sources::cache::sha256_hex(digest)?;
        let path = out_dir.join(format!("sha256-{hex}.sigstore.json"));
        write_file(&path, &bytes)?;
        sig.local_path = Some(path);
        sig.kind = if sig.predicate_type.as_deref() == Some(OMS_PREDICATE) {
            SignatureKind::OmsBundle
        } else {
            SignatureKind::SigstoreBundle
        };
    } else if artifact_type == NOTATION {
        sig.kind = SignatureKind::Notation;
    } else if artifact_type == super::push::EVIDENCE_BUNDLE {
        sig.kind = SignatureKind::Evidence;
        let layer: &Descriptor = m.layers.first().ok_or_else(|| SourceError::Unsupported("evidence referrer without a layer".into()))?;
        let bytes = fetch_small(client, &r, layer, "evidence bundle", cache, MAX_EVIDENCE).await?;
        let hex = crate::sources::cache::sha256_hex(digest)?;
        let path = out_dir.join(format!("sha256-{hex}.evidence.tar.gz"));
        write_file(&path, &bytes)?;
        sig.local_path = Some(path);
    }
    Ok(Some(sig))
}

/// The in-toto `predicateType` inside a DSSE bundle, if any.
pub fn predicate_of_bundle(bytes: &[u8]) -> Option<String> {
    use base64::Engine;
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let payload = v.get("dsseEnvelope")?.get("payload")?.as_str()?;
    let raw = base64::engine::general_purpose::STANDARD.decode(payload).ok()?;
    let st: serde_json::Value = serde_json::from_slice(&raw).ok()?;
    st.get("predicateType")?.as_str().map(str::to_string)
}

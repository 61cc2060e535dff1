//! Pushing artifacts: a model directory as a ModelPack-style artifact (one
//! raw layer per file, the path in `org.cncf.model.filepath` and
//! `org.opencontainers.image.title`), and a signature as a referrer.
//! Used by the tests today and by `export --push` later.
//!
//! oci-client does not maintain the referrers fallback tag and does not
//! expose the `OCI-Subject` response header, so [`push_referrer`] always
//! updates the `sha256-<hex>` index itself (read, add, write); on registries
//! with the native API that tag is merely redundant.

use super::manifest::{Descriptor, Index, Manifest, OCI_EMPTY, OCI_INDEX, OCI_MANIFEST, parse_document, Document, ACCEPT};
use super::layers::{MODELPACK_FILEPATH, TITLE};
use crate::sources::cache::sha256_digest;
use crate::sources::SourceError;
use oci_client::secrets::RegistryAuth;
use std::collections::BTreeMap;
use std::path::Path;

pub const MODELPACK_ARTIFACT: &str = "application/vnd.cncf.model.manifest.v1+json";
pub const MODELPACK_CONFIG: &str = "application/vnd.cncf.model.config.v1+json";
pub const MODELPACK_WEIGHT_RAW: &str = "application/vnd.cncf.model.weight.v1.raw";
pub const MODELPACK_CONFIG_RAW: &str = "application/vnd.cncf.model.weight.config.v1.raw";
pub const MODELPACK_DOC_RAW: &str = "application/vnd.cncf.model.doc.v1.raw";
pub const SIGSTORE_BUNDLE_V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// artifactType and layer media type of a pushed modelvet evidence bundle.
pub const EVIDENCE_BUNDLE: &str = "application/vnd.modelvet.evidence.v1.tar+gzip";

/// One blob to push with its descriptor fields.
pub struct Blob {
    pub media_type: String,
    pub bytes: Vec<u8>,
    pub annotations: BTreeMap<String, String>,
}

impl Blob {
    pub fn descriptor(&self) -> Descriptor {
        Descriptor {
            media_type: self.media_type.clone(),
            digest: sha256_digest(&self.bytes),
            size: self.bytes.len() as u64,
            artifact_type: None,
            annotations: self.annotations.clone(),
        }
    }
}

fn err(context: &str, e: oci_client::errors::OciDistributionError) -> SourceError {
    super::registry_err(context, e)
}

async fn push_blobs(client: &oci_client::Client, image: &oci_client::Reference, blobs: &[&Blob]) -> Result<(), SourceError> {
    for b in blobs {
        let d = b.descriptor();
        client.push_blob(image, b.bytes.clone(), &d.digest).await.map_err(|e| err(&format!("push blob {}", d.digest), e))?;
    }
    Ok(())
}

/// Pushes raw manifest bytes at `tag_or_digest`; returns the manifest digest.
pub async fn push_manifest_bytes(
    client: &oci_client::Client,
    registry: &str,
    repository: &str,
    tag: &str,
    bytes: Vec<u8>,
    media_type: &str,
) -> Result<String, SourceError> {
    let digest = sha256_digest(&bytes);
    let image = oci_client::Reference::with_tag(registry.to_string(), repository.to_string(), tag.to_string());
    let ct = reqwest::header::HeaderValue::from_str(media_type)
        .map_err(|_| SourceError::Unsupported(format!("media type {media_type}")))?;
    client.push_manifest_raw(&image, bytes, ct).await.map_err(|e| err(&format!("push manifest {tag}"), e))?;
    Ok(digest)
}

/// Pushes an artifact (config + layers) and tags it; returns the
/// manifest's descriptor.
#[allow(clippy::too_many_arguments)]
pub async fn push_artifact(
    client: &oci_client::Client,
    registry: &str,
    repository: &str,
    tag: &str,
    artifact_type: Option<&str>,
    config: &Blob,
    layers: &[Blob],
    subject: Option<Descriptor>,
    annotations: BTreeMap<String, String>,
) -> Result<Descriptor, SourceError> {
    // The client is already authenticated for push (`super::connect`), or
    // the registry takes anonymous pushes.
    let image = oci_client::Reference::with_tag(registry.to_string(), repository.to_string(), tag.to_string());
    let mut all: Vec<&Blob> = vec![config];
    all.extend(layers.iter());
    push_blobs(client, &image, &all).await?;
    let manifest = Manifest {
        schema_version: 2,
        media_type: Some(OCI_MANIFEST.into()),
        artifact_type: artifact_type.map(str::to_string),
        config: config.descriptor(),
        layers: layers.iter().map(Blob::descriptor).collect(),
        subject,
        annotations,
    };
    let bytes = serde_json::to_vec(&manifest).map_err(|e| SourceError::Unsupported(e.to_string()))?;
    let size = bytes.len() as u64;
    let digest = push_manifest_bytes(client, registry, repository, tag, bytes, OCI_MANIFEST).await?;
    Ok(Descriptor {
        media_type: OCI_MANIFEST.into(),
        digest,
        size,
        artifact_type: artifact_type.map(str::to_string),
        annotations: BTreeMap::new(),
    })
}

/// Pushes every file of `dir` (recursively, sorted) as a ModelPack artifact
/// with raw layers. Returns the manifest's descriptor.
pub async fn push_model_dir(
    client: &oci_client::Client,
    registry: &str,
    repository: &str,
    tag: &str,
    dir: &Path,
) -> Result<Descriptor, SourceError> {
    let mut files = Vec::new();
    collect(dir, dir, &mut files)?;
    files.sort();
    let mut layers = Vec::new();
    for rel in &files {
        let path = dir.join(rel);
        let bytes = std::fs::read(&path).map_err(|e| crate::sources::cache::io_err(&path, e))?;
        let media_type = if rel.ends_with(".safetensors") || rel.ends_with(".gguf") || rel.ends_with(".bin") {
            MODELPACK_WEIGHT_RAW
        } else if rel.ends_with(".md") {
            MODELPACK_DOC_RAW
        } else {
            MODELPACK_CONFIG_RAW
        };
        let annotations = BTreeMap::from([(MODELPACK_FILEPATH.to_string(), rel.clone()), (TITLE.to_string(), rel.clone())]);
        layers.push(Blob { media_type: media_type.into(), bytes, annotations });
    }
    let config = serde_json::json!({
        "descriptor": {"name": repository, "version": tag},
        "modelfs": {"type": "layers", "diffIds": layers.iter().map(|l| sha256_digest(&l.bytes)).collect::<Vec<_>>()},
        "config": {}
    });
    let config = Blob {
        media_type: MODELPACK_CONFIG.into(),
        bytes: serde_json::to_vec(&config).map_err(|e| SourceError::Unsupported(e.to_string()))?,
        annotations: BTreeMap::new(),
    };
    push_artifact(client, registry, repository, tag, Some(MODELPACK_ARTIFACT), &config, &layers, None, BTreeMap::new()).await
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), SourceError> {
    let rd = std::fs::read_dir(dir).map_err(|e| crate::sources::cache::io_err(dir, e))?;
    for entry in rd {
        let entry = entry.map_err(|e| crate::sources::cache::io_err(dir, e))?;
        let p = entry.path();
        if p.is_dir() {
            collect(root, &p, out)?;
        } else if let Ok(rel) = p.strip_prefix(root) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

/// Pushes `bundle` (a Sigstore bundle JSON) as a cosign-BUNDLE_SPEC referrer
/// of `subject`, and adds it to the `sha256-<hex>` referrers tag index.
/// Returns the referrer manifest digest.
pub async fn push_referrer(
    client: &oci_client::Client,
    registry: &str,
    repository: &str,
    subject: Descriptor,
    bundle: Vec<u8>,
    predicate_type: &str,
) -> Result<String, SourceError> {
    let subject_hex = crate::sources::cache::sha256_hex(&subject.digest)?.to_string();
    let layer = Blob {
        media_type: SIGSTORE_BUNDLE_V03.into(),
        bytes: bundle,
        annotations: BTreeMap::from([(TITLE.to_string(), format!("sha256-{subject_hex}.sigstore.json"))]),
    };
    let annotations = BTreeMap::from([
        ("dev.sigstore.bundle.content".to_string(), "dsse-envelope".to_string()),
        ("dev.sigstore.bundle.predicateType".to_string(), predicate_type.to_string()),
    ]);
    push_referrer_artifact(client, registry, repository, subject, SIGSTORE_BUNDLE_V03, layer, annotations).await
}

/// Pushes one layer as an artifact whose `subject` is `subject`, then adds
/// it to the `sha256-<hex>` referrers tag index. Returns the manifest digest.
pub async fn push_referrer_artifact(
    client: &oci_client::Client,
    registry: &str,
    repository: &str,
    subject: Descriptor,
    artifact_type: &str,
    layer: Blob,
    annotations: BTreeMap<String, String>,
) -> Result<String, SourceError> {
    let subject_hex = crate::sources::cache::sha256_hex(&subject.digest)?.to_string();
    let empty = Blob { media_type: OCI_EMPTY.into(), bytes: b"{}".to_vec(), annotations: BTreeMap::new() };
    // Referrers are pushed by digest; a temporary tag keeps this simple
    // with oci-client's tag-based push, then the fallback index names it.
    let tag = format!("referrer-{}", &sha256_digest(&layer.bytes)[7..23]);
    let pushed = push_artifact(
        client,
        registry,
        repository,
        &tag,
        Some(artifact_type),
        &empty,
        std::slice::from_ref(&layer),
        Some(subject),
        annotations.clone(),
    )
    .await?;
    // Read-modify-write the fallback tag.
    let fallback = format!("sha256-{subject_hex}");
    let fref = oci_client::Reference::with_tag(registry.to_string(), repository.to_string(), fallback.clone());
    let mut index = match client.pull_manifest_raw(&fref, &RegistryAuth::Anonymous, ACCEPT).await {
        Ok((bytes, _)) => match parse_document(&bytes) {
            Ok(Document::Index(i)) => i,
            _ => Index { schema_version: 2, media_type: Some(OCI_INDEX.into()), manifests: Vec::new() },
        },
        Err(_) => Index { schema_version: 2, media_type: Some(OCI_INDEX.into()), manifests: Vec::new() },
    };
    if !index.manifests.iter().any(|d| d.digest == pushed.digest) {
        index.manifests.push(Descriptor { annotations, ..pushed.clone() });
    }
    let bytes = serde_json::to_vec(&index).map_err(|e| SourceError::Unsupported(e.to_string()))?;
    push_manifest_bytes(client, registry, repository, &fallback, bytes, OCI_INDEX).await?;
    Ok(pushed.digest)
}

/// Pushes an evidence bundle (`export --push`) as a referrer of the model
/// manifest `resolved` was pinned to, with the registry's credentials.
/// Returns the referrer manifest digest.
pub fn push_evidence(
    resolved: &crate::sources::ResolvedSource,
    opts: &crate::sources::ResolveOptions,
    bundle: &Path,
) -> Result<String, SourceError> {
    let crate::sources::SourceRef::Oci(r) = crate::sources::parse(&resolved.original)? else {
        return Err(SourceError::Unsupported("only oci:// sources can carry pushed evidence".into()));
    };
    let digest = resolved
        .oci_digest()
        .ok_or_else(|| SourceError::Unsupported(format!("{} is not pinned to a manifest digest", resolved.original)))?
        .to_string();
    let bytes = std::fs::read(bundle).map_err(|e| crate::sources::cache::io_err(bundle, e))?;
    let name = bundle.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "evidence.tar.gz".into());
    crate::sources::runtime()?.block_on(async {
        let client = super::connect(&r, opts, oci_client::RegistryOperation::Push).await?;
        let pinned = crate::sources::OciRef { tag: None, digest: Some(digest.clone()), ..r.clone() };
        let (mbytes, mdigest) = client
            .pull_manifest_raw(&pinned.to_client_reference()?, &RegistryAuth::Anonymous, ACCEPT)
            .await
            .map_err(|e| super::registry_err(&format!("manifest {digest}"), e))?;
        if mdigest != digest {
            return Err(SourceError::DigestMismatch { name: "model manifest".into(), expected: digest, actual: mdigest });
        }
        let media_type = serde_json::from_slice::<serde_json::Value>(&mbytes)
            .ok()
            .and_then(|v| v.get("mediaType").and_then(|m| m.as_str()).map(str::to_string))
            .unwrap_or_else(|| OCI_MANIFEST.to_string());
        let subject = Descriptor {
            media_type,
            digest: mdigest,
            size: mbytes.len() as u64,
            artifact_type: None,
            annotations: BTreeMap::new(),
        };
        let layer = Blob {
            media_type: EVIDENCE_BUNDLE.into(),
            bytes,
            annotations: BTreeMap::from([(TITLE.to_string(), name)]),
        };
        let annotations = BTreeMap::from([("dev.modelvet.evidence.model".to_string(), resolved.pinned_reference.clone())]);
        push_referrer_artifact(&client, &r.registry, &r.repository, subject, EVIDENCE_BUNDLE, layer, annotations).await
    })
}

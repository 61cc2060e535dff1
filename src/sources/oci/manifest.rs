//! Our own lenient serde view of OCI manifests and indexes. Hand-written
//! (rather than oci-client's types) so the exact manifest bytes stay the
//! source of truth: we parse what we fetched and verified by digest, keep
//! unknown fields out of the way, and accept Docker v2 manifests too.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// The media types we ask a registry for.
pub const ACCEPT: &[&str] = &[OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST];

/// The largest manifest we accept (the distribution spec suggests 4 MiB).
pub const MAX_MANIFEST_BYTES: usize = 4 << 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl Descriptor {
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.get(key).map(String::as_str)
    }

    /// oci-client's descriptor type, for its blob calls.
    pub fn to_client(&self) -> oci_client::manifest::OciDescriptor {
        oci_client::manifest::OciDescriptor {
            media_type: self.media_type.clone(),
            digest: self.digest.clone(),
            size: i64::try_from(self.size).unwrap_or(i64::MAX),
            ..Default::default()
        }
    }
}

/// An image manifest (OCI or Docker v2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    pub config: Descriptor,
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// An image index (also what the referrers API returns).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Index {
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
}

/// A fetched manifest document.
#[derive(Debug, Clone)]
pub enum Document {
    Manifest(Box<Manifest>),
    Index(Index),
}

/// Parses a manifest or index by its `mediaType` (or by shape when absent).
pub fn parse_document(bytes: &[u8]) -> Result<Document, String> {
    let v: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let media_type = v.get("mediaType").and_then(|m| m.as_str()).unwrap_or("");
    let is_index = media_type == OCI_INDEX || media_type == DOCKER_LIST || (media_type.is_empty() && v.get("manifests").is_some());
    if is_index {
        serde_json::from_value(v).map(Document::Index).map_err(|e| format!("invalid index: {e}"))
    } else {
        let m: Manifest = serde_json::from_value(v).map_err(|e| format!("invalid manifest: {e}"))?;
        if m.schema_version != 2 {
            return Err(format!("unsupported schemaVersion {}", m.schema_version));
        }
        Ok(Document::Manifest(Box::new(m)))
    }
}

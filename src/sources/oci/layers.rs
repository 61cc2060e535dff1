//! Which file each layer of a model artifact becomes. Hand-written: each
//! packaging tool names files its own way and no crate knows them all.
//!
//! Rules, first match wins:
//! 1. Tar packs (`….tar`, `….tar+gzip`; ModelPack, KitOps ModelKit layers,
//!    ORAS directories) are unpacked at the model root (under the
//!    ModelPack `filepath` directory when the annotation names one).
//!    `tar+zstd` is reported as unsupported.
//! 2. A path annotation names the file: ModelPack
//!    `org.cncf.model.filepath` (and the older `org.cnai.model.filepath`),
//!    else the ORAS/OCI `org.opencontainers.image.title`.
//! 3. Docker Model Runner (`application/vnd.docker.ai.*`) layers carry no
//!    names, so they get fixed ones: `model.gguf` (shards
//!    `model-00001-of-0000N.gguf`), `model.safetensors` (likewise),
//!    `mmproj.gguf`, `adapter.gguf`, `LICENSE` (`LICENSE.2`, …),
//!    `chat_template.jinja`; the vLLM config tar unpacks under `vllm-config/`.
//! 4. Anything else (configs, empty blobs, unnamed layers) is skipped with a
//!    note, so the reviewer knows some content was not laid out.
//!
//! Every name passes [`safe_relative_path`]: `../` or absolute names are
//! rejected before anything is written.

use super::manifest::{Descriptor, Manifest};
use crate::sources::SourceError;
use crate::sources::reference::safe_relative_path;
use std::collections::BTreeMap;
use std::path::PathBuf;

pub const TITLE: &str = "org.opencontainers.image.title";
pub const MODELPACK_FILEPATH: &str = "org.cncf.model.filepath";
pub const CNAI_FILEPATH: &str = "org.cnai.model.filepath";

/// Where a layer goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// The blob is one file at this model-relative path.
    File(PathBuf),
    /// The blob is a tar archive to unpack under this directory ("" = root).
    Tar { gzip: bool, under: PathBuf },
    /// Not laid out, with the reason.
    Skip(String),
}

/// Plans every layer of a manifest.
pub fn plan(manifest: &Manifest) -> Result<Vec<Placement>, SourceError> {
    // Count Docker layers per type, for shard names.
    let mut totals: BTreeMap<&str, usize> = BTreeMap::new();
    for l in &manifest.layers {
        *totals.entry(l.media_type.as_str()).or_default() += 1;
    }
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut out = Vec::with_capacity(manifest.layers.len());
    for l in &manifest.layers {
        let n = seen.entry(l.media_type.as_str()).or_default();
        *n += 1;
        let total = totals.get(l.media_type.as_str()).copied().unwrap_or(1);
        out.push(place(l, *n, total)?);
    }
    // Two layers must not claim the same file.
    let mut names = std::collections::BTreeSet::new();
    for p in &out {
        if let Placement::File(path) = p
            && !names.insert(path.clone())
        {
            return Err(SourceError::UnsafePath { name: format!("{} (named by two layers)", path.display()) });
        }
    }
    Ok(out)
}

fn tar_kind(media_type: &str) -> Option<Result<bool, SourceError>> {
    let base = media_type.split(';').next().unwrap_or(media_type);
    if base.ends_with(".tar+gzip") || base.ends_with(".tar.gzip") || base.ends_with(".tar+gz") {
        Some(Ok(true))
    } else if base.ends_with(".tar+zstd") || base.ends_with(".tar.zstd") {
        Some(Err(SourceError::Unsupported(format!("zstd-compressed layer {media_type}"))))
    } else if base.ends_with(".tar") {
        Some(Ok(false))
    } else {
        None
    }
}

fn place(l: &Descriptor, n: usize, total: usize) -> Result<Placement, SourceError> {
    let mt = l.media_type.as_str();
    let path_annotation = l.annotation(MODELPACK_FILEPATH).or_else(|| l.annotation(CNAI_FILEPATH));
    let is_model_layer = mt.starts_with("application/vnd.cncf.model.")
        || mt.starts_with("application/vnd.cnai.model.")
        || mt.starts_with("application/vnd.kitops.modelkit.")
        || mt.starts_with("application/vnd.oci.image.layer.")
        || mt.starts_with("application/vnd.docker.image.rootfs.")
        || mt.starts_with("application/vnd.docker.ai.");
    if is_model_layer && let Some(kind) = tar_kind(mt) {
        let gzip = kind?;
        // A ModelPack tar layer's filepath names what the tar holds; the
        // tar entries carry their own paths, so unpack at the root.
        let under = match mt {
            "application/vnd.docker.ai.vllm.config.tar" => PathBuf::from("vllm-config"),
            _ => PathBuf::new(),
        };
        return Ok(Placement::Tar { gzip, under });
    }
    if let Some(p) = path_annotation.or_else(|| l.annotation(TITLE)) {
        return Ok(Placement::File(safe_relative_path(p)?));
    }
    let shard = |stem: &str, ext: &str| {
        if total > 1 { format!("{stem}-{n:05}-of-{total:05}.{ext}") } else { format!("{stem}.{ext}") }
    };
    let docker = match mt {
        "application/vnd.docker.ai.gguf.v3" => Some(shard("model", "gguf")),
        "application/vnd.docker.ai.safetensors" => Some(shard("model", "safetensors")),
        "application/vnd.docker.ai.gguf.v3.mmproj" => Some(shard("mmproj", "gguf")),
        "application/vnd.docker.ai.gguf.v3.lora" => Some(shard("adapter", "gguf")),
        "application/vnd.docker.ai.license" => Some(if n == 1 { "LICENSE".to_string() } else { format!("LICENSE.{n}") }),
        "application/vnd.docker.ai.chat.template.jinja" => Some("chat_template.jinja".to_string()),
        _ => None,
    };
    if let Some(name) = docker {
        return Ok(Placement::File(safe_relative_path(&name)?));
    }
    Ok(Placement::Skip(format!("layer {} ({mt}) has no file name", l.digest)))
}

/// Whether the config names a model format we recognise (for the note).
pub fn describe(manifest: &Manifest) -> &'static str {
    let cfg = manifest.config.media_type.as_str();
    let at = manifest.artifact_type.as_deref().unwrap_or("");
    if cfg.starts_with("application/vnd.cncf.model.") || at.starts_with("application/vnd.cncf.model.") {
        "ModelPack"
    } else if cfg.starts_with("application/vnd.cnai.model.") {
        "ModelPack (cnai draft)"
    } else if cfg.starts_with("application/vnd.kitops.modelkit.") {
        "KitOps ModelKit"
    } else if cfg.starts_with("application/vnd.docker.ai.") {
        "Docker model"
    } else {
        "OCI artifact"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(mt: &str, ann: &[(&str, &str)]) -> Descriptor {
        Descriptor {
            media_type: mt.into(),
            digest: format!("sha256:{}", "0".repeat(64)),
            size: 1,
            artifact_type: None,
            annotations: ann.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    fn manifest(layers: Vec<Descriptor>) -> Manifest {
        Manifest {
            schema_version: 2,
            media_type: None,
            artifact_type: None,
            config: layer("application/vnd.oci.empty.v1+json", &[]),
            layers,
            subject: None,
            annotations: Default::default(),
        }
    }

    #[test]
    fn names_by_format() {
        let m = manifest(vec![
            layer("application/vnd.cncf.model.weight.v1.raw", &[(MODELPACK_FILEPATH, "w/model.safetensors")]),
            layer("application/octet-stream", &[(TITLE, "config.json")]),
            layer("application/vnd.kitops.modelkit.model.v1.tar+gzip", &[]),
            layer("application/vnd.docker.ai.gguf.v3", &[]),
            layer("application/vnd.docker.ai.gguf.v3", &[]),
            layer("application/vnd.docker.ai.license", &[]),
            layer("application/vnd.unknown.thing", &[]),
        ]);
        let p = plan(&m).unwrap();
        assert_eq!(p[0], Placement::File("w/model.safetensors".into()));
        assert_eq!(p[1], Placement::File("config.json".into()));
        assert_eq!(p[2], Placement::Tar { gzip: true, under: PathBuf::new() });
        assert_eq!(p[3], Placement::File("model-00001-of-00002.gguf".into()));
        assert_eq!(p[4], Placement::File("model-00002-of-00002.gguf".into()));
        assert_eq!(p[5], Placement::File("LICENSE".into()));
        assert!(matches!(p[6], Placement::Skip(_)));
    }

    #[test]
    fn traversal_and_duplicates_rejected() {
        let m = manifest(vec![layer("application/octet-stream", &[(TITLE, "../../etc/passwd")])]);
        assert!(matches!(plan(&m), Err(SourceError::UnsafePath { .. })));
        let m = manifest(vec![layer("application/octet-stream", &[(TITLE, "/abs")])]);
        assert!(plan(&m).is_err());
        let m = manifest(vec![
            layer("application/octet-stream", &[(TITLE, "a")]),
            layer("application/octet-stream", &[(TITLE, "./a")]),
        ]);
        assert!(plan(&m).is_err());
        let m = manifest(vec![layer("application/vnd.cncf.model.weight.v1.tar+zstd", &[])]);
        assert!(matches!(plan(&m), Err(SourceError::Unsupported(_))));
    }
}

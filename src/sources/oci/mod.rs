//! OCI registries: resolve `oci://host/repo[:tag][@sha256:…]` to a manifest
//! digest, pull the model's layers into the blob cache (each verified while
//! streaming), lay them out as files, and find signatures beside it.
//!
//! Built on oci-client (rustls, over reqwest/tokio) for the distribution
//! API: auth and token flows, manifests (`pull_manifest_raw` checks the body
//! against the pinned digest and the `Docker-Content-Digest` header),
//! ranged blob streams and referrers with the tag-schema fallback. What it
//! does not do is ours: whole-blob hashing across resumed downloads
//! ([`fetch`]), layer naming ([`layers`]), safe tar unpacking ([`unpack`]),
//! Docker config credentials ([`auth`]), cosign tags and subject checks
//! ([`referrers`]), and maintaining the referrers fallback tag on push
//! ([`push`]).

pub mod auth;
pub mod fetch;
pub mod layers;
pub mod manifest;
pub mod push;
pub mod referrers;
pub mod unpack;

use crate::sources::cache::{Cache, create_dir_all, link_or_copy, replace_dir, staging_dir};
use crate::sources::reference::is_loopback;
use crate::sources::{
    FetchedFile, OciRef, ResolveOptions, ResolvedSource, SourceError, SourceKind, oms_sidecar,
};
use layers::Placement;
use manifest::{ACCEPT, Document, MAX_MANIFEST_BYTES, Manifest, parse_document};
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{DigestError, OciDistributionError};
use oci_client::secrets::RegistryAuth;
use std::time::Duration;

/// Maps an oci-client error, keeping digest mismatches as integrity errors.
pub fn registry_err(context: &str, e: OciDistributionError) -> SourceError {
    match e {
        OciDistributionError::DigestError(DigestError::VerificationError { expected, actual }) => {
            SourceError::DigestMismatch { name: context.to_string(), expected, actual }
        }
        OciDistributionError::UnauthorizedError { url } => {
            SourceError::Credentials(format!("{context}: not authorised at {url} (use --username/--password-stdin or docker login)"))
        }
        OciDistributionError::AuthenticationFailure(m) => SourceError::Credentials(format!("{context}: {m}")),
        other => SourceError::Registry { context: context.to_string(), message: error_chain(&other) },
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}

/// An oci-client for this registry, with plain HTTP only for loopback.
pub fn client_for(r: &OciRef, opts: &ResolveOptions) -> Result<oci_client::Client, SourceError> {
    let protocol = if opts.insecure_http {
        if !is_loopback(r.host()) {
            return Err(SourceError::InsecureNotLoopback(r.registry.clone()));
        }
        ClientProtocol::HttpsExcept(vec![r.registry.clone()])
    } else {
        ClientProtocol::Https
    };
    let config = ClientConfig {
        protocol,
        connect_timeout: Some(Duration::from_secs(30)),
        read_timeout: Some(Duration::from_secs(120)),
        ..Default::default()
    };
    oci_client::Client::try_from(config).map_err(|e| registry_err(&r.registry, e))
}

/// The credentials to use: explicit, else a Docker config entry, else none.
pub fn registry_auth(r: &OciRef, opts: &ResolveOptions) -> Result<RegistryAuth, SourceError> {
    if let Some(c) = &opts.credentials {
        return Ok(RegistryAuth::Basic(c.username.clone(), c.password.clone()));
    }
    let path = opts.docker_config.clone().or_else(auth::default_docker_config);
    if let Some(path) = path
        && let Some(c) = auth::from_docker_config(&path, &r.registry)?
    {
        return Ok(RegistryAuth::Basic(c.username, c.password));
    }
    Ok(RegistryAuth::Anonymous)
}

/// A client that has authenticated (or found it need not) for `op`.
pub async fn connect(
    r: &OciRef,
    opts: &ResolveOptions,
    op: oci_client::RegistryOperation,
) -> Result<oci_client::Client, SourceError> {
    let client = client_for(r, opts)?;
    let auth = registry_auth(r, opts)?;
    let image = r.to_client_reference()?;
    client.auth(&image, &auth, op).await.map_err(|e| registry_err(&r.registry, e))?;
    Ok(client)
}

/// Fetches the model manifest of `r` (following an index with exactly one
/// manifest); returns it, its digest, its bytes and notes.
async fn pull_model_manifest(
    client: &oci_client::Client,
    r: &OciRef,
) -> Result<(Manifest, String, Vec<u8>, Vec<String>), SourceError> {
    let image = r.to_client_reference()?;
    let what = r.to_string();
    let (bytes, digest) =
        client.pull_manifest_raw(&image, &RegistryAuth::Anonymous, ACCEPT).await.map_err(|e| registry_err(&what, e))?;
    if bytes.len() > MAX_MANIFEST_BYTES {
        return Err(SourceError::Unsupported(format!("manifest of {what} is larger than {MAX_MANIFEST_BYTES} bytes")));
    }
    match parse_document(&bytes).map_err(|e| SourceError::Registry { context: what.clone(), message: e })? {
        Document::Manifest(m) => Ok((*m, digest, bytes.to_vec(), Vec::new())),
        Document::Index(i) => {
            if i.manifests.len() != 1 {
                return Err(SourceError::Unsupported(format!(
                    "{what} is an image index with {} manifests; pin one with @sha256:…",
                    i.manifests.len()
                )));
            }
            let child = &i.manifests[0].digest;
            let cr = OciRef { tag: None, digest: Some(child.clone()), ..r.clone() };
            let image = cr.to_client_reference()?;
            let (cbytes, cdigest) = client
                .pull_manifest_raw(&image, &RegistryAuth::Anonymous, ACCEPT)
                .await
                .map_err(|e| registry_err(&format!("manifest {child}"), e))?;
            match parse_document(&cbytes).map_err(|e| SourceError::Registry { context: child.clone(), message: e })? {
                Document::Manifest(m) => Ok((
                    *m,
                    cdigest,
                    cbytes.to_vec(),
                    vec![format!("{what} is an index ({digest}); using its only manifest {child}")],
                )),
                Document::Index(_) => Err(SourceError::Unsupported(format!("{what}: nested image indexes"))),
            }
        }
    }
}

/// The digest `r` resolves to now (manifest only, nothing downloaded).
pub async fn head_digest(r: &OciRef, opts: &ResolveOptions) -> Result<String, SourceError> {
    let client = connect(r, opts, oci_client::RegistryOperation::Pull).await?;
    let (_, digest, _, _) = pull_model_manifest(&client, r).await?;
    Ok(digest)
}

/// Removes a staging directory unless the build completed.
struct Staging(std::path::PathBuf, bool);
impl Drop for Staging {
    fn drop(&mut self) {
        if !self.1 {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Resolves, pulls and lays out an OCI model.
pub async fn resolve(original: &str, r: &OciRef, opts: &ResolveOptions) -> Result<ResolvedSource, SourceError> {
    let client = connect(r, opts, oci_client::RegistryOperation::Pull).await?;
    let cache: Cache = opts.cache();
    let (manifest, digest, bytes, mut notes) = pull_model_manifest(&client, r).await?;
    if r.digest.is_none() {
        notes.insert(0, format!("tag {} resolved to {digest}", r.tag.as_deref().unwrap_or("latest")));
    }
    cache.put_bytes(&digest, "manifest", &bytes)?;
    let base = cache.oci_dir(&r.registry, &r.repository, &digest)?;
    let model_dir = base.join("model");
    let mut staging = Staging(staging_dir(&model_dir), false);
    if staging.0.exists() {
        let _ = std::fs::remove_dir_all(&staging.0);
    }
    create_dir_all(&staging.0)?;

    let pinned = OciRef { tag: None, digest: Some(digest.clone()), ..r.clone() };
    let image = pinned.to_client_reference()?;
    let plan = layers::plan(&manifest)?;
    notes.push(format!("{} with {} layer(s)", layers::describe(&manifest), manifest.layers.len()));
    let mut files = Vec::new();
    for (layer, place) in manifest.layers.iter().zip(plan) {
        match place {
            Placement::File(rel) => {
                let name = rel.to_string_lossy().replace('\\', "/");
                let (blob, how) =
                    fetch::fetch_blob(&client, &image, layer, &name, &cache, opts.observer.as_ref()).await?;
                link_or_copy(&blob, &staging.0.join(&rel))?;
                files.push(FetchedFile { path: name, digest: layer.digest.clone(), size: layer.size, how: how.word().into() });
            }
            Placement::Tar { gzip, under } => {
                let name = format!("layer {}", layer.digest);
                let (blob, _) = fetch::fetch_blob(&client, &image, layer, &name, &cache, opts.observer.as_ref()).await?;
                let (unpacked, tar_notes) = unpack::unpack_tar(&blob, gzip, &staging.0, &under)?;
                files.extend(unpacked);
                notes.extend(tar_notes);
            }
            Placement::Skip(reason) => notes.push(reason),
        }
    }
    replace_dir(&staging.0, &model_dir)?;
    staging.1 = true;

    let (mut signatures, ref_notes) = referrers::discover(&client, r, &digest, &cache, &base.join("referrers")).await?;
    notes.extend(ref_notes);
    let sidecar = model_dir.join(crate::oms::DEFAULT_SIGNATURE_NAME);
    if sidecar.is_file() {
        signatures.insert(0, oms_sidecar(sidecar));
    }
    Ok(ResolvedSource {
        original: original.to_string(),
        local_path: model_dir,
        pinned_reference: r.pinned(&digest),
        kind: SourceKind::Oci,
        signatures_found: signatures,
        notes,
        files,
    })
}

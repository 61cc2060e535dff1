//! Parsing what the user typed into a [`SourceRef`]: a local path, an
//! `oci://` reference or an `hf://` repo id. Hand-written because the
//! grammar is ours (the `oci://` and `hf://` prefixes, the rule that a
//! digest wins over a tag, the HF revision after `@`); the OCI part is then
//! handed to `oci_client::Reference` for the registry's own rules.

use super::SourceError;
use std::fmt;
use std::path::{Component, Path, PathBuf};

/// A parsed model reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceRef {
    /// A directory or file on disk, used as is.
    Local(PathBuf),
    Oci(OciRef),
    Hf(HfRef),
}

/// `oci://HOST[:PORT]/REPO[:TAG][@sha256:HEX]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciRef {
    /// `host[:port]`, always explicit.
    pub registry: String,
    pub repository: String,
    pub tag: Option<String>,
    /// `sha256:<64 hex>`; wins over the tag when both are given.
    pub digest: Option<String>,
}

impl OciRef {
    /// Host without the port, for the loopback check.
    pub fn host(&self) -> &str {
        host_of(&self.registry)
    }

    /// The digest-pinned form, `oci://host/repo@sha256:…`.
    pub fn pinned(&self, digest: &str) -> String {
        format!("oci://{}/{}@{}", self.registry, self.repository, digest)
    }

    /// `host/repo` plus `:tag` and/or `@digest` as given, for oci-client.
    pub fn to_client_reference(&self) -> Result<oci_client::Reference, SourceError> {
        let r = match (&self.tag, &self.digest) {
            (_, Some(d)) => oci_client::Reference::with_digest(self.registry.clone(), self.repository.clone(), d.clone()),
            (Some(t), None) => oci_client::Reference::with_tag(self.registry.clone(), self.repository.clone(), t.clone()),
            (None, None) => {
                oci_client::Reference::with_tag(self.registry.clone(), self.repository.clone(), "latest".into())
            }
        };
        Ok(r)
    }
}

impl fmt::Display for OciRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "oci://{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// Hugging Face repository type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HfRepoType {
    Model,
    Dataset,
    Space,
}

impl HfRepoType {
    /// The cache folder prefix (`models--`, …).
    pub fn cache_prefix(self) -> &'static str {
        match self {
            HfRepoType::Model => "models",
            HfRepoType::Dataset => "datasets",
            HfRepoType::Space => "spaces",
        }
    }

    /// The URL path prefix of `resolve` URLs (`""` for models).
    pub fn url_prefix(self) -> &'static str {
        match self {
            HfRepoType::Model => "",
            HfRepoType::Dataset => "datasets/",
            HfRepoType::Space => "spaces/",
        }
    }
}

/// `hf://[datasets/|spaces/]ORG/NAME[@REV]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HfRef {
    pub repo_type: HfRepoType,
    /// `org/name` (or a legacy un-namespaced `name`).
    pub repo_id: String,
    /// Branch, tag, `refs/pr/N` or a 40-hex commit; `None` means `main`.
    pub revision: Option<String>,
}

impl HfRef {
    pub fn revision_or_main(&self) -> &str {
        self.revision.as_deref().unwrap_or("main")
    }

    /// `models--ORG--NAME`.
    pub fn cache_folder(&self) -> String {
        format!("{}--{}", self.repo_type.cache_prefix(), self.repo_id.replace('/', "--"))
    }

    /// The pinned form, `hf://org/name@<commit>`.
    pub fn pinned(&self, commit: &str) -> String {
        format!("hf://{}{}@{commit}", self.repo_type.url_prefix(), self.repo_id)
    }
}

/// Parses a reference. Anything without a known scheme is a local path.
pub fn parse(input: &str) -> Result<SourceRef, SourceError> {
    let bad = |reason: &str| SourceError::InvalidReference { reference: input.to_string(), reason: reason.to_string() };
    if let Some(rest) = input.strip_prefix("oci://") {
        return parse_oci(rest).map(SourceRef::Oci).map_err(|r| bad(&r));
    }
    if let Some(rest) = input.strip_prefix("hf://") {
        return parse_hf(rest).map(SourceRef::Hf).map_err(|r| bad(&r));
    }
    if let Some(rest) = input.strip_prefix("file://") {
        return Ok(SourceRef::Local(PathBuf::from(rest)));
    }
    Ok(SourceRef::Local(PathBuf::from(input)))
}

fn parse_oci(rest: &str) -> Result<OciRef, String> {
    let (name_tag, digest) = match rest.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (rest, None),
    };
    if let Some(d) = digest {
        let hex = d.strip_prefix("sha256:").ok_or("only sha256 digests are supported after '@'")?;
        if !is_lower_hex(hex, 64) {
            return Err("the digest must be sha256: followed by 64 lowercase hex digits".into());
        }
    }
    let (registry, path) = name_tag.split_once('/').ok_or("expected oci://HOST[:PORT]/REPOSITORY[:TAG]")?;
    if registry.is_empty() || !(registry.contains('.') || registry.contains(':') || registry == "localhost") {
        return Err(format!("'{registry}' is not a registry host; write the host explicitly (e.g. oci://docker.io/{name_tag})"));
    }
    // A tag is after the last ':' of the last path segment.
    let (repository, tag) = match path.rsplit_once(':') {
        Some((r, t)) if !t.contains('/') => (r, Some(t)),
        _ => (path, None),
    };
    if repository.is_empty() {
        return Err("missing repository".into());
    }
    let repo_ok = repository.split('/').all(|seg| {
        !seg.is_empty()
            && seg.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
            && seg.starts_with(|c: char| c.is_ascii_alphanumeric())
    });
    if !repo_ok {
        return Err(format!("invalid repository name '{repository}' (lowercase letters, digits, '.', '_', '-' and '/')"));
    }
    if let Some(t) = tag {
        let ok = !t.is_empty()
            && t.len() <= 128
            && t.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            && !t.starts_with(['.', '-']);
        if !ok {
            return Err(format!("invalid tag '{t}'"));
        }
    }
    Ok(OciRef {
        registry: registry.to_string(),
        repository: repository.to_string(),
        tag: tag.map(str::to_string),
        digest: digest.map(str::to_string),
    })
}

fn parse_hf(rest: &str) -> Result<HfRef, String> {
    let (repo_type, rest) = if let Some(r) = rest.strip_prefix("datasets/") {
        (HfRepoType::Dataset, r)
    } else if let Some(r) = rest.strip_prefix("spaces/") {
        (HfRepoType::Space, r)
    } else if let Some(r) = rest.strip_prefix("models/") {
        (HfRepoType::Model, r)
    } else {
        (HfRepoType::Model, rest)
    };
    let (id, revision) = match rest.split_once('@') {
        Some((i, r)) => (i, Some(r)),
        None => (rest, None),
    };
    let parts: Vec<&str> = id.split('/').collect();
    if parts.is_empty() || parts.len() > 2 {
        return Err("expected hf://ORG/NAME[@REVISION]".into());
    }
    for p in &parts {
        let ok = !p.is_empty()
            && *p != "."
            && *p != ".."
            && !p.contains("--")
            && p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !ok {
            return Err(format!("invalid repository id '{id}'"));
        }
    }
    if let Some(r) = revision {
        let ok = !r.is_empty()
            && r.split('/').all(|s| !s.is_empty() && s != "." && s != "..")
            && r.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'));
        if !ok {
            return Err(format!("invalid revision '{r}'"));
        }
    }
    Ok(HfRef { repo_type, repo_id: id.to_string(), revision: revision.map(str::to_string) })
}

/// `host[:port]` → `host` (IPv6 literals in brackets keep their brackets off).
pub fn host_of(registry: &str) -> &str {
    if let Some(rest) = registry.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    registry.rsplit_once(':').map(|(h, _)| h).unwrap_or(registry)
}

/// Whether a host name is a loopback address (where plain HTTP is allowed).
pub fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<std::net::IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false)
}

pub fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Checks a file name that came from the network (a layer title, a tar
/// entry, an HF sibling) and returns it as a relative path. Rejects empty
/// names, absolute paths, `..`, backslashes and NUL: a hostile manifest
/// must not write outside the model directory.
pub fn safe_relative_path(name: &str) -> Result<PathBuf, SourceError> {
    let unsafe_path = || SourceError::UnsafePath { name: name.to_string() };
    if name.is_empty() || name.contains('\\') || name.contains('\0') || name.starts_with('/') {
        return Err(unsafe_path());
    }
    let mut out = PathBuf::new();
    for c in Path::new(name).components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            _ => return Err(unsafe_path()),
        }
    }
    if out.as_os_str().is_empty() {
        return Err(unsafe_path());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn oci_forms() {
        let SourceRef::Oci(r) = parse("oci://127.0.0.1:5000/models/demo:v1").unwrap() else { panic!() };
        assert_eq!((r.registry.as_str(), r.repository.as_str(), r.tag.as_deref()), ("127.0.0.1:5000", "models/demo", Some("v1")));
        assert_eq!(r.host(), "127.0.0.1");
        let SourceRef::Oci(r) = parse(&format!("oci://ghcr.io/org/m:1.0@{D}")).unwrap() else { panic!() };
        assert_eq!(r.digest.as_deref(), Some(D));
        assert_eq!(r.pinned(D), format!("oci://ghcr.io/org/m@{D}"));
        let SourceRef::Oci(r) = parse("oci://localhost/m").unwrap() else { panic!() };
        assert_eq!(r.tag, None);
    }

    #[test]
    fn oci_rejects() {
        for bad in [
            "oci://models/demo:v1",
            "oci://ghcr.io/",
            "oci://ghcr.io/Org/m",
            "oci://ghcr.io/m@sha256:abc",
            "oci://ghcr.io/m@md5:0123",
            "oci://ghcr.io/m:bad tag",
            "oci://ghcr.io/../m",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hf_forms() {
        let SourceRef::Hf(r) = parse("hf://org/name@refs/pr/1").unwrap() else { panic!() };
        assert_eq!((r.repo_id.as_str(), r.revision.as_deref()), ("org/name", Some("refs/pr/1")));
        assert_eq!(r.cache_folder(), "models--org--name");
        let SourceRef::Hf(r) = parse("hf://datasets/org/d").unwrap() else { panic!() };
        assert_eq!(r.cache_folder(), "datasets--org--d");
        assert_eq!(r.pinned("ab"), "hf://datasets/org/d@ab");
        for bad in ["hf://", "hf://a/b/c", "hf://../x", "hf://a/b@../../x", "hf://a--b/c", "hf://a/b@"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn local_paths_pass_through() {
        assert_eq!(parse("fixtures/demo/model").unwrap(), SourceRef::Local("fixtures/demo/model".into()));
        assert_eq!(parse("file:///tmp/x").unwrap(), SourceRef::Local("/tmp/x".into()));
    }

    #[test]
    fn traversal_rejected() {
        for bad in ["../x", "a/../../x", "/etc/passwd", "a\\..\\b", "", ".", "a/\0"] {
            assert!(safe_relative_path(bad).is_err(), "{bad:?}");
        }
        assert_eq!(safe_relative_path("./a/b.bin").unwrap(), PathBuf::from("a/b.bin"));
    }

    #[test]
    fn loopback() {
        assert!(is_loopback("127.0.0.1") && is_loopback("localhost") && is_loopback("::1"));
        assert!(!is_loopback("10.0.0.1") && !is_loopback("example.com"));
        assert_eq!(host_of("[::1]:5000"), "::1");
    }
}

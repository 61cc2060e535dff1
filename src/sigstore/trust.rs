//! Trust roots: which Fulcio CAs, Rekor logs, CT logs and TSAs we believe.
//!
//! The public-good and staging `trusted_root.json` are embedded in the
//! binary so verification never needs the network; they come from the
//! `sigstore` PyPI wheel via `scripts/update-trust-roots.sh`, which records
//! their provenance in `trust/SOURCE.md` (shown in every report).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sigstore_verify::trust_root::TrustedRoot;
use std::path::{Path, PathBuf};

const PUBLIC_GOOD_JSON: &str = include_str!("../../trust/public-good.trusted_root.json");
const STAGING_JSON: &str = include_str!("../../trust/staging.trusted_root.json");
const SOURCE_MD: &str = include_str!("../../trust/SOURCE.md");

/// Which trust root to use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TrustRootChoice {
    /// The embedded Sigstore public-good instance.
    #[default]
    PublicGood,
    /// The embedded Sigstore staging instance (`--staging`).
    Staging,
    /// A `trusted_root.json` file (`--trusted-root`).
    File(PathBuf),
}

impl TrustRootChoice {
    /// `--trusted-root` wins over `--staging`, which wins over the default.
    pub fn from_flags(file: Option<&Path>, staging: bool) -> Self {
        match (file, staging) {
            (Some(p), _) => TrustRootChoice::File(p.to_path_buf()),
            (None, true) => TrustRootChoice::Staging,
            (None, false) => TrustRootChoice::PublicGood,
        }
    }
}

/// Where the trust root came from, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustRootInfo {
    /// `public-good`, `staging` or `file`.
    pub instance: String,
    /// Package and version it was taken from, or the file path.
    pub source: String,
    /// Date the embedded copy was retrieved (none for files).
    pub date: Option<String>,
    /// SHA-256 of the JSON bytes.
    pub sha256: String,
}

/// A parsed trust root plus its provenance.
#[derive(Debug, Clone)]
pub struct LoadedTrustRoot {
    pub root: TrustedRoot,
    pub info: TrustRootInfo,
}

#[derive(Debug, thiserror::Error)]
pub enum TrustRootError {
    #[error("cannot read trusted root {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("trusted root {what} is not a valid trusted_root.json: {reason}")]
    Parse { what: String, reason: String },
}

fn source_field(key: &str) -> Option<String> {
    SOURCE_MD
        .lines()
        .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
        .map(|s| s.trim().to_string())
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The exact bytes of the chosen trust root (for evidence bundles).
pub fn json_bytes(choice: &TrustRootChoice) -> Result<Vec<u8>, TrustRootError> {
    match choice {
        TrustRootChoice::PublicGood => Ok(PUBLIC_GOOD_JSON.as_bytes().to_vec()),
        TrustRootChoice::Staging => Ok(STAGING_JSON.as_bytes().to_vec()),
        TrustRootChoice::File(path) => std::fs::read(path).map_err(|e| TrustRootError::Read { path: path.clone(), source: e }),
    }
}

/// Loads the chosen trust root (no network, ever).
pub fn load(choice: &TrustRootChoice) -> Result<LoadedTrustRoot, TrustRootError> {
    let (json, info) = match choice {
        TrustRootChoice::PublicGood | TrustRootChoice::Staging => {
            let (json, instance) = if *choice == TrustRootChoice::Staging {
                (STAGING_JSON.to_string(), "staging")
            } else {
                (PUBLIC_GOOD_JSON.to_string(), "public-good")
            };
            let info = TrustRootInfo {
                instance: instance.into(),
                source: format!("embedded, {}", source_field("source").unwrap_or_else(|| "unknown source".into())),
                date: source_field("date"),
                sha256: sha256_hex(json.as_bytes()),
            };
            (json, info)
        }
        TrustRootChoice::File(path) => {
            let bytes = std::fs::read(path).map_err(|e| TrustRootError::Read { path: path.clone(), source: e })?;
            let info = TrustRootInfo {
                instance: "file".into(),
                source: path.display().to_string(),
                date: None,
                sha256: sha256_hex(&bytes),
            };
            let json = String::from_utf8(bytes)
                .map_err(|_| TrustRootError::Parse { what: path.display().to_string(), reason: "not UTF-8".into() })?;
            (json, info)
        }
    };
    let root = TrustedRoot::from_json(&json)
        .map_err(|e| TrustRootError::Parse { what: info.source.clone(), reason: e.to_string() })?;
    Ok(LoadedTrustRoot { root, info })
}

impl TrustRootInfo {
    /// One line for text reports.
    pub fn describe(&self) -> String {
        match &self.date {
            Some(d) => format!("{} trust root ({}, retrieved {d}, sha256 {})", self.instance, self.source, &self.sha256[..12]),
            None => format!("trust root from {} (sha256 {})", self.source, &self.sha256[..12]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_roots_parse_and_carry_provenance() {
        for c in [TrustRootChoice::PublicGood, TrustRootChoice::Staging] {
            let t = load(&c).unwrap();
            assert!(!t.root.tlogs.is_empty());
            assert!(!t.root.certificate_authorities.is_empty());
            assert!(t.info.source.contains("pypi:sigstore=="), "{}", t.info.source);
            assert!(t.info.date.is_some());
        }
        let pg = load(&TrustRootChoice::PublicGood).unwrap();
        assert!(pg.root.tlogs.iter().any(|l| l.base_url.contains("rekor.sigstore.dev")));
        let st = load(&TrustRootChoice::Staging).unwrap();
        assert!(st.root.tlogs.iter().any(|l| l.base_url.contains("sigstage.dev")));
    }

    #[test]
    fn flag_precedence() {
        assert_eq!(TrustRootChoice::from_flags(None, false), TrustRootChoice::PublicGood);
        assert_eq!(TrustRootChoice::from_flags(None, true), TrustRootChoice::Staging);
        assert_eq!(
            TrustRootChoice::from_flags(Some(Path::new("t.json")), true),
            TrustRootChoice::File("t.json".into())
        );
    }
}

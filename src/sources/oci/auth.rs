//! Registry credentials: explicit `--username/--password-stdin`, else an
//! `auths` entry of the Docker config file. Hand-written because oci-client
//! takes credentials but does not read Docker's config; credential helpers
//! (`credsStore`, `credHelpers`) are external programs and not run.

use crate::sources::{Credentials, SourceError};
use base64::Engine;
use std::path::PathBuf;

/// `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
pub fn default_docker_config() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("config.json"));
    }
    directories::BaseDirs::new().map(|b| b.home_dir().join(".docker").join("config.json"))
}

/// Looks up `registry` (`host[:port]`) in a Docker config file. A missing
/// file is no credentials; an unreadable or malformed entry is an error.
pub fn from_docker_config(path: &std::path::Path, registry: &str) -> Result<Option<Credentials>, SourceError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(SourceError::Io { path: path.to_path_buf(), source: e }),
    };
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| SourceError::Credentials(format!("{}: not JSON: {e}", path.display())))?;
    let Some(auths) = v.get("auths").and_then(|a| a.as_object()) else { return Ok(None) };
    let wanted = normalise(registry);
    for (key, entry) in auths {
        if normalise(key) != wanted {
            continue;
        }
        if let Some(auth) = entry.get("auth").and_then(|a| a.as_str()).filter(|a| !a.is_empty()) {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .map_err(|_| SourceError::Credentials(format!("{}: auth entry for {key} is not base64", path.display())))?;
            let s = String::from_utf8(raw)
                .map_err(|_| SourceError::Credentials(format!("{}: auth entry for {key} is not UTF-8", path.display())))?;
            let (u, p) = s
                .split_once(':')
                .ok_or_else(|| SourceError::Credentials(format!("{}: auth entry for {key} is not user:password", path.display())))?;
            return Ok(Some(Credentials { username: u.to_string(), password: p.to_string() }));
        }
        if let (Some(u), Some(p)) = (
            entry.get("username").and_then(|x| x.as_str()),
            entry.get("password").and_then(|x| x.as_str()),
        ) {
            return Ok(Some(Credentials { username: u.into(), password: p.into() }));
        }
    }
    Ok(None)
}

/// Strips scheme and path, and maps Docker Hub's aliases to one name.
fn normalise(key: &str) -> String {
    let k = key.trim_start_matches("https://").trim_start_matches("http://");
    let host = k.split('/').next().unwrap_or(k).to_ascii_lowercase();
    match host.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "docker.io" => "docker.io".into(),
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_auth_entries() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.json");
        let auth = base64::engine::general_purpose::STANDARD.encode("alice:s3cret");
        std::fs::write(
            &p,
            format!(r#"{{"auths":{{"127.0.0.1:5000":{{"auth":"{auth}"}},"https://index.docker.io/v1/":{{"auth":"{auth}"}}}}}}"#),
        )
        .unwrap();
        let c = from_docker_config(&p, "127.0.0.1:5000").unwrap().unwrap();
        assert_eq!((c.username.as_str(), c.password.as_str()), ("alice", "s3cret"));
        assert!(from_docker_config(&p, "docker.io").unwrap().is_some());
        assert!(from_docker_config(&p, "ghcr.io").unwrap().is_none());
        assert!(from_docker_config(&dir.path().join("none.json"), "x").unwrap().is_none());
        assert!(!format!("{c:?}").contains("s3cret"));
    }
}

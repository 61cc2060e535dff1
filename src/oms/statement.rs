//! The in-toto Statement v1 inside the DSSE payload and the OMS predicate:
//! parsed into the expected manifest, with every malformed field rejected by
//! name (OMS format §5, §6, §13).

use crate::hashing::walk::normalize_relative;
use crate::hashing::{HashType, Serialization, root_digest};
use serde_json::Value;
use std::collections::HashSet;

pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
pub const PREDICATE_V1: &str = "https://model_signing/signature/v1.0";
pub const PREDICATE_LEGACY_DIGESTS: &str = "https://model_signing/Digests/v0.1";

/// One signed item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedItem {
    /// As written: `path` or `path:start:end`.
    pub name: String,
    pub path: String,
    /// Shard range (`None` for whole files).
    pub range: Option<(u64, u64)>,
    pub algorithm: String,
    /// Lowercase hex.
    pub digest: String,
}

/// The manifest a signature claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedManifest {
    pub predicate_type: String,
    pub format: &'static str,
    pub model_name: String,
    pub subject_digest: Option<String>,
    pub serialization: Serialization,
    pub allow_symlinks: bool,
    pub ignore_paths: Vec<String>,
    /// In payload order.
    pub items: Vec<ExpectedItem>,
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum StatementError {
    #[error("payload is not valid JSON: {0}")]
    NotJson(String),
    #[error("statement _type is {0:?}, expected {STATEMENT_V1}")]
    Type(Option<String>),
    #[error("predicateType {0:?} is not an OMS predicate ({PREDICATE_V1})")]
    PredicateType(Option<String>),
    #[error("statement must have exactly one subject, found {0}")]
    SubjectCount(usize),
    #[error("subject has no sha256 digest")]
    SubjectDigest,
    #[error("subject digest {signed} does not match the digest of the signed resources {computed} (manifest is inconsistent)")]
    SubjectMismatch { signed: String, computed: String },
    #[error("predicate field '{0}' is missing or has the wrong type")]
    Field(String),
    #[error("serialization method {0:?} is not 'files' or 'shards'")]
    Method(String),
    #[error("hash_type {0:?} is not sha256, blake2b or blake3")]
    HashType(String),
    #[error("shard_size {0} is not a positive integer")]
    ShardSize(String),
    #[error("resource {index}: {reason}")]
    Resource { index: usize, reason: String },
    #[error("resource name {0:?} appears more than once")]
    Duplicate(String),
}

impl StatementError {
    /// The report check this error fails.
    pub fn check_id(&self) -> &'static str {
        match self {
            StatementError::NotJson(_) | StatementError::Type(_) => "statement.type",
            StatementError::PredicateType(_) => "statement.predicate-type",
            StatementError::SubjectCount(_) | StatementError::SubjectDigest => "statement.subject",
            StatementError::SubjectMismatch { .. } => "statement.subject-digest",
            _ => "manifest.resources",
        }
    }
}

pub fn parse_statement(payload: &[u8]) -> Result<ExpectedManifest, StatementError> {
    let v: Value = serde_json::from_slice(payload).map_err(|e| StatementError::NotJson(e.to_string()))?;
    let ty = v.get("_type").and_then(Value::as_str);
    if ty != Some(STATEMENT_V1) {
        return Err(StatementError::Type(ty.map(str::to_string)));
    }
    let pt = v.get("predicateType").and_then(Value::as_str);
    match pt {
        Some(PREDICATE_V1) => parse_v1(&v),
        Some(PREDICATE_LEGACY_DIGESTS) => parse_legacy_digests(&v),
        other => Err(StatementError::PredicateType(other.map(str::to_string))),
    }
}

fn field<'a>(v: &'a Value, name: &str) -> Result<&'a Value, StatementError> {
    v.get(name).ok_or_else(|| StatementError::Field(name.to_string()))
}

fn parse_v1(v: &Value) -> Result<ExpectedManifest, StatementError> {
    let subjects = v.get("subject").and_then(Value::as_array).ok_or(StatementError::SubjectCount(0))?;
    if subjects.len() != 1 {
        return Err(StatementError::SubjectCount(subjects.len()));
    }
    let model_name = subjects[0].get("name").and_then(Value::as_str).unwrap_or("").to_string();
    let subject_digest = subjects[0]
        .get("digest")
        .and_then(|d| d.get("sha256"))
        .and_then(Value::as_str)
        .ok_or(StatementError::SubjectDigest)?
        .to_ascii_lowercase();
    let predicate = field(v, "predicate")?;
    let ser = field(predicate, "serialization")?;
    let method = ser.get("method").and_then(Value::as_str).ok_or_else(|| StatementError::Field("serialization.method".into()))?;
    let hash_name = ser.get("hash_type").and_then(Value::as_str).ok_or_else(|| StatementError::Field("serialization.hash_type".into()))?;
    let hash = HashType::parse(hash_name).ok_or_else(|| StatementError::HashType(hash_name.into()))?;
    let serialization = match method {
        "files" => Serialization::Files { hash },
        "shards" => {
            let raw = ser.get("shard_size").ok_or_else(|| StatementError::Field("serialization.shard_size".into()))?;
            Serialization::Shards { hash, shard_size: integral(raw).ok_or_else(|| StatementError::ShardSize(raw.to_string()))? }
        }
        other => return Err(StatementError::Method(other.into())),
    };
    let allow_symlinks = match ser.get("allow_symlinks") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(StatementError::Field("serialization.allow_symlinks".into())),
    };
    let ignore_paths = match ser.get("ignore_paths") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|p| p.as_str().map(str::to_string).ok_or_else(|| StatementError::Field("serialization.ignore_paths[]".into())))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(StatementError::Field("serialization.ignore_paths".into())),
    };
    let resources = field(predicate, "resources")?
        .as_array()
        .ok_or_else(|| StatementError::Field("resources".into()))?;
    let mut items = Vec::with_capacity(resources.len());
    let mut seen = HashSet::with_capacity(resources.len());
    for (index, r) in resources.iter().enumerate() {
        let bad = |reason: String| StatementError::Resource { index, reason };
        let name = r.get("name").and_then(Value::as_str).ok_or_else(|| bad("no name".into()))?;
        let algorithm = r.get("algorithm").and_then(Value::as_str).ok_or_else(|| bad(format!("{name:?} has no algorithm")))?;
        let digest = r.get("digest").and_then(Value::as_str).ok_or_else(|| bad(format!("{name:?} has no digest")))?;
        let raw = hex::decode(digest).map_err(|_| bad(format!("{name:?} digest is not hex")))?;
        if raw.len() != hash.digest_len() {
            return Err(bad(format!("{name:?} digest has {} bytes, {} needs {}", raw.len(), hash, hash.digest_len())));
        }
        let (path, range) = match serialization {
            Serialization::Files { .. } => (check_path(name).map_err(&bad)?, None),
            Serialization::Shards { shard_size, .. } => {
                let parts: Vec<&str> = name.split(':').collect();
                if parts.len() != 3 {
                    return Err(bad(format!("shard name {name:?} is not 'path:start:end'")));
                }
                let path = check_path(parts[0]).map_err(&bad)?;
                let start: u64 = parse_decimal(parts[1]).ok_or_else(|| bad(format!("shard {name:?} has a bad start offset")))?;
                let end: u64 = parse_decimal(parts[2]).ok_or_else(|| bad(format!("shard {name:?} has a bad end offset")))?;
                if start >= end || end - start > shard_size || !start.is_multiple_of(shard_size) {
                    return Err(bad(format!("shard {name:?} is not a {shard_size}-byte shard range")));
                }
                (path, Some((start, end)))
            }
        };
        if !seen.insert(name.to_string()) {
            return Err(StatementError::Duplicate(name.to_string()));
        }
        items.push(ExpectedItem {
            name: name.to_string(),
            path,
            range,
            algorithm: algorithm.to_string(),
            digest: hex::encode(&raw),
        });
    }
    let computed = root_digest(items.iter().map(|i| hex::decode(&i.digest).unwrap_or_default()).collect::<Vec<_>>().iter().map(Vec::as_slice));
    let computed_hex = computed.trim_start_matches("sha256:").to_string();
    if computed_hex != subject_digest {
        return Err(StatementError::SubjectMismatch { signed: subject_digest, computed: computed_hex });
    }
    Ok(ExpectedManifest {
        predicate_type: PREDICATE_V1.into(),
        format: "v1.0",
        model_name,
        subject_digest: Some(subject_digest),
        serialization,
        allow_symlinks,
        ignore_paths,
        items,
    })
}

/// model-signing 0.2.0: one subject per file, sha256, no predicate content.
fn parse_legacy_digests(v: &Value) -> Result<ExpectedManifest, StatementError> {
    let subjects = v.get("subject").and_then(Value::as_array).ok_or(StatementError::SubjectCount(0))?;
    let mut items = Vec::with_capacity(subjects.len());
    let mut seen = HashSet::new();
    for (index, s) in subjects.iter().enumerate() {
        let bad = |reason: String| StatementError::Resource { index, reason };
        let name = s.get("name").and_then(Value::as_str).ok_or_else(|| bad("subject has no name".into()))?;
        let digest = s
            .get("digest")
            .and_then(|d| d.get("sha256"))
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("{name:?} has no sha256 digest")))?;
        let raw = hex::decode(digest).map_err(|_| bad(format!("{name:?} digest is not hex")))?;
        if raw.len() != 32 {
            return Err(bad(format!("{name:?} digest is not 32 bytes")));
        }
        let path = check_path(name).map_err(bad)?;
        if !seen.insert(path.clone()) {
            return Err(StatementError::Duplicate(name.to_string()));
        }
        items.push(ExpectedItem { name: path.clone(), path, range: None, algorithm: "sha256".into(), digest: hex::encode(raw) });
    }
    Ok(ExpectedManifest {
        predicate_type: PREDICATE_LEGACY_DIGESTS.into(),
        format: "v0.2-digests",
        model_name: "compat-undefined-not-present".into(),
        subject_digest: None,
        serialization: Serialization::Files { hash: HashType::Sha256 },
        allow_symlinks: false,
        ignore_paths: Vec::new(),
        items,
    })
}

/// Accepts `512` and `512.0`, rejects `512.5`, negatives and zero.
fn integral(v: &Value) -> Option<u64> {
    if let Some(u) = v.as_u64() {
        return (u > 0).then_some(u);
    }
    let f = v.as_f64()?;
    (f.is_finite() && f > 0.0 && f.fract() == 0.0 && f <= 9.007_199_254_740_992e15).then_some(f as u64)
}

fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A resource path must be the canonical model-relative form (or `.` for a
/// single-file model): no `..`, not absolute, no `//`, `./` or trailing `/`.
fn check_path(name: &str) -> Result<String, String> {
    if name == "." {
        return Ok(".".into());
    }
    if name.is_empty() {
        return Err("empty resource name".into());
    }
    if name.contains('\\') {
        return Err(format!("resource name {name:?} contains a backslash"));
    }
    match normalize_relative(name) {
        None => Err(format!("resource name {name:?} escapes the model (absolute or '..')")),
        Some(n) if n != name => Err(format!("resource name {name:?} is not canonical (expected {n:?})")),
        Some(n) => Ok(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn statement(resources: Value, ser: Value) -> Vec<u8> {
        let digests: Vec<Vec<u8>> = resources
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r.get("digest").and_then(Value::as_str).and_then(|d| hex::decode(d).ok()))
            .collect();
        let subject = root_digest(digests.iter().map(Vec::as_slice));
        serde_json::to_vec(&json!({
            "_type": STATEMENT_V1,
            "subject": [{"name": "m", "digest": {"sha256": subject.trim_start_matches("sha256:")}}],
            "predicateType": PREDICATE_V1,
            "predicate": {"resources": resources, "serialization": ser},
        }))
        .unwrap()
    }

    const D: &str = "0000000000000000000000000000000000000000000000000000000000000000";

    #[test]
    fn accepts_float_shard_sizes_and_sharded_algorithm_names() {
        let m = parse_statement(&statement(
            json!([{"name": "a:0:512", "algorithm": "sha256-sharded-512", "digest": D}]),
            json!({"method": "shards", "hash_type": "sha256", "shard_size": 512.0, "allow_symlinks": false}),
        ))
        .unwrap();
        assert_eq!(m.serialization, Serialization::Shards { hash: HashType::Sha256, shard_size: 512 });
        assert_eq!(m.items[0].range, Some((0, 512)));
    }

    #[test]
    fn rejects_hostile_resource_names() {
        let ser = json!({"method": "files", "hash_type": "sha256"});
        for name in ["../x", "/etc/passwd", "a//b", "./a", "a/", "a/../b", ""] {
            let err = parse_statement(&statement(json!([{"name": name, "algorithm": "sha256", "digest": D}]), ser.clone())).unwrap_err();
            assert!(matches!(err, StatementError::Resource { .. }), "{name}: {err}");
        }
        let dup = json!([{"name": "a", "algorithm": "sha256", "digest": D}, {"name": "a", "algorithm": "sha256", "digest": D}]);
        assert_eq!(parse_statement(&statement(dup, ser)).unwrap_err(), StatementError::Duplicate("a".into()));
    }

    #[test]
    fn rejects_bad_shard_sizes_and_digests() {
        for size in [json!(0), json!(-512), json!(512.5), json!("512")] {
            let s = statement(json!([]), json!({"method": "shards", "hash_type": "sha256", "shard_size": size}));
            assert!(matches!(parse_statement(&s).unwrap_err(), StatementError::ShardSize(_)));
        }
        let s = statement(json!([{"name": "a", "algorithm": "sha256", "digest": "abcd"}]), json!({"method": "files", "hash_type": "sha256"}));
        assert!(matches!(parse_statement(&s).unwrap_err(), StatementError::Resource { .. }));
    }

    #[test]
    fn detects_an_inconsistent_subject() {
        let mut v: Value = serde_json::from_slice(&statement(
            json!([{"name": "a", "algorithm": "sha256", "digest": D}]),
            json!({"method": "files", "hash_type": "sha256"}),
        ))
        .unwrap();
        v["subject"][0]["digest"]["sha256"] = json!(D);
        let err = parse_statement(&serde_json::to_vec(&v).unwrap()).unwrap_err();
        assert!(matches!(err, StatementError::SubjectMismatch { .. }));
    }
}

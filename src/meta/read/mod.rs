//! Format readers. Each turns one document into an [`Extract`]: the
//! components it names (with document-local keys), their licence claims,
//! the lineage edges between them, custom licences it defines, and warnings.
//! Readers never fail on bad content: what they cannot read becomes a
//! warning, and a value they cannot parse stays as an `unknown` claim with
//! its raw text, so nothing is dropped silently.

pub mod cyclonedx;
pub mod hfcard;
pub mod intoto;
pub mod license_file;
pub mod manifest;
pub mod spdx2;
pub mod spdx3;
pub mod weights;

use super::model::{ClaimKind, ComponentKind, Confidence, DatasetFacts, EdgeKind, LicenseValue};

/// A licence claim before it is attached to a merged component.
#[derive(Debug, Clone, PartialEq)]
pub struct RawLicense {
    pub value: LicenseValue,
    pub kind: ClaimKind,
    pub locator: String,
    pub raw: String,
    pub note: Option<String>,
}

/// A component as one document names it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawComponent {
    /// Document-local key (SPDXRef-…, spdxId, bom-ref, `hf:org/name`, `subject`).
    pub key: String,
    pub kind: Option<ComponentKind>,
    pub name: Option<String>,
    pub version: Option<String>,
    /// (algorithm, hex), normalised.
    pub digests: Vec<(String, String)>,
    pub purls: Vec<String>,
    pub hf_id: Option<String>,
    /// Model-relative file path, for files.
    pub path: Option<String>,
    /// The thing this document describes (the model in the folder).
    pub is_subject: bool,
    pub licenses: Vec<RawLicense>,
    pub dataset: Option<DatasetFacts>,
}

/// A lineage edge as one document states it, between document-local keys.
#[derive(Debug, Clone, PartialEq)]
pub struct RawEdge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    pub confidence: Confidence,
    pub locator: String,
    pub raw: String,
}

/// A custom licence a document defines or names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawCustom {
    pub id: String,
    pub name: Option<String>,
    pub urls: Vec<String>,
    pub text: Option<String>,
    pub locator: String,
}

/// What a reader got out of one document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extract {
    pub version: Option<String>,
    pub components: Vec<RawComponent>,
    pub edges: Vec<RawEdge>,
    pub customs: Vec<RawCustom>,
    pub warnings: Vec<String>,
    /// Free text worth searching (a card's body), not serialised.
    pub body: Option<String>,
}

impl Extract {
    /// The component with `key`, created when missing.
    pub fn comp(&mut self, key: &str) -> &mut RawComponent {
        if let Some(i) = self.components.iter().position(|c| c.key == key) {
            return &mut self.components[i];
        }
        self.components.push(RawComponent { key: key.to_string(), ..Default::default() });
        let last = self.components.len() - 1;
        &mut self.components[last]
    }

    pub fn edge(&mut self, from: &str, to: &str, kind: EdgeKind, confidence: Confidence, locator: impl Into<String>, raw: impl Into<String>) {
        self.edges.push(RawEdge {
            from: from.to_string(),
            to: to.to_string(),
            kind,
            confidence,
            locator: locator.into(),
            raw: raw.into(),
        });
    }

    pub fn warn(&mut self, w: impl Into<String>) {
        self.warnings.push(w.into());
    }
}

impl RawComponent {
    pub fn add_digest(&mut self, alg: &str, value: &str) {
        if let Some(d) = norm_digest(alg, value)
            && !self.digests.contains(&d) {
                self.digests.push(d);
            }
    }

    pub fn set_name(&mut self, n: &str) {
        if self.name.is_none() && !n.trim().is_empty() {
            self.name = Some(n.trim().to_string());
        }
    }

    pub fn set_kind(&mut self, k: ComponentKind) {
        if self.kind.is_none() || self.kind == Some(ComponentKind::Other) {
            self.kind = Some(k);
        }
    }

    pub fn add_purl(&mut self, p: &str) {
        let p = p.trim();
        if !p.is_empty() && !self.purls.iter().any(|x| x == p) {
            self.purls.push(p.to_string());
            if self.hf_id.is_none() {
                self.hf_id = hf_id_from_purl(p);
            }
        }
    }

    pub fn license(&mut self, value: LicenseValue, kind: ClaimKind, locator: impl Into<String>, raw: impl Into<String>, note: Option<String>) {
        self.licenses.push(RawLicense { value, kind, locator: locator.into(), raw: raw.into(), note });
    }
}

/// Normalises a digest: algorithm lowercase without dashes for the SHA-2 and
/// SHA-1 family (`SHA-256` → `sha256`), value lowercase hex without an
/// `alg:` prefix. `None` for values that are not hex.
pub fn norm_digest(alg: &str, value: &str) -> Option<(String, String)> {
    let mut a = alg.trim().to_ascii_lowercase();
    let mut v = value.trim().to_ascii_lowercase();
    if let Some((p, rest)) = v.clone().split_once(':') {
        if a.is_empty() {
            a = p.to_string();
        }
        v = rest.to_string();
    }
    a = match a.as_str() {
        "sha-1" | "sha1" => "sha1".into(),
        "sha-224" | "sha224" => "sha224".into(),
        "sha-256" | "sha256" => "sha256".into(),
        "sha-384" | "sha384" => "sha384".into(),
        "sha-512" | "sha512" => "sha512".into(),
        other => other.to_string(),
    };
    if a.is_empty() || v.is_empty() || !v.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    Some((a, v))
}

/// `pkg:huggingface/org/name@rev` → `org/name`.
pub fn hf_id_from_purl(p: &str) -> Option<String> {
    let rest = p.strip_prefix("pkg:huggingface/")?;
    let rest = rest.split(['@', '?', '#']).next()?;
    let id = percent_decode(rest);
    if id.is_empty() { None } else { Some(id) }
}

/// Hugging Face id from a URL: `https://huggingface.co/org/name`,
/// `git+https://huggingface.co/datasets/org/name@rev`, `…/blob/main/README.md`.
pub fn hf_id_from_url(u: &str) -> Option<String> {
    let u = u.trim().trim_start_matches("git+");
    let rest = u.strip_prefix("https://huggingface.co/").or_else(|| u.strip_prefix("http://huggingface.co/"))?;
    let rest = rest.strip_prefix("datasets/").unwrap_or(rest);
    let rest = rest.split(['?', '#']).next()?;
    let mut parts = rest.split('/');
    let org = parts.next()?;
    let name = parts.next()?.split('@').next()?;
    if org.is_empty() || name.is_empty() {
        return None;
    }
    Some(format!("{org}/{name}"))
}

/// purl without version, qualifiers and subpath, lowercase: the matching key.
pub fn purl_key(p: &str) -> String {
    let base = p.split(['?', '#']).next().unwrap_or(p);
    let base = match base.rfind('@') {
        Some(i) if i > base.find('/').unwrap_or(0) => &base[..i],
        _ => base,
    };
    percent_decode(base).to_ascii_lowercase()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Guesses an edge kind from free text (an SPDX comment, a CycloneDX note).
pub fn derivation_from_text(text: &str) -> Option<EdgeKind> {
    let t = text.to_ascii_lowercase();
    if t.contains("quantiz") || t.contains("quantis") {
        Some(EdgeKind::QuantizedFrom)
    } else if t.contains("adapter") || t.contains("lora") {
        Some(EdgeKind::AdapterOf)
    } else if t.contains("merge") {
        Some(EdgeKind::MergedFrom)
    } else if t.contains("distill") {
        Some(EdgeKind::DistilledFrom)
    } else if t.contains("fine-tun") || t.contains("finetun") || t.contains("fine tun") {
        Some(EdgeKind::FineTunedFrom)
    } else {
        None
    }
}

/// Text helpers for `serde_json::Value` readers.
pub mod json {
    use serde_json::Value;

    pub fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
        v.get(key).and_then(Value::as_str).filter(|s| !s.trim().is_empty())
    }

    pub fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
        v.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
    }

    /// A string or a list of strings.
    pub fn strings(v: Option<&Value>) -> Vec<String> {
        match v {
            Some(Value::String(s)) if !s.trim().is_empty() => vec![s.trim().to_string()],
            Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str()).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
            _ => Vec::new(),
        }
    }

    /// Escapes one JSON pointer segment.
    pub fn seg(s: &str) -> String {
        s.replace('~', "~0").replace('/', "~1")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_read_helpers() {
        assert_eq!(norm_digest("SHA-256", "ABcd"), Some(("sha256".into(), "abcd".into())));
        assert_eq!(norm_digest("", "sha256:abcd"), Some(("sha256".into(), "abcd".into())));
        assert_eq!(norm_digest("sha256", "not hex"), None);
        assert_eq!(hf_id_from_purl("pkg:huggingface/acme-ai/kestrel@5a49"), Some("acme-ai/kestrel".into()));
        assert_eq!(hf_id_from_url("git+https://huggingface.co/datasets/acme-ai/sft@26da"), Some("acme-ai/sft".into()));
        assert_eq!(purl_key("pkg:oci/kestrel-trainer@sha256%3A80?repository_url=x"), "pkg:oci/kestrel-trainer");
        assert_eq!(purl_key("pkg:huggingface/a/b@1"), "pkg:huggingface/a/b");
        assert_eq!(derivation_from_text("fine-tuned from (supervised fine-tuning)"), Some(EdgeKind::FineTunedFrom));
    }
}

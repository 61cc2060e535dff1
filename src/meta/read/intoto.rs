//! in-toto Statements (plain or inside a DSSE envelope) with SLSA
//! provenance v1 / v0.2 predicates. Subjects become the model's files (by
//! digest); `resolvedDependencies` / `materials` become lineage edges
//! guessed from name, URI and media type, so they are labelled inferred.
//! The envelope's signature is not verified here: the document's own
//! coverage by the model signature is what the report shows.

use super::{Extract, hf_id_from_url, json};
use crate::meta::model::{ComponentKind, Confidence, EdgeKind};
use base64::Engine;
use serde_json::Value;

pub fn sniff(v: &Value) -> bool {
    json::s(v, "_type").is_some_and(|t| t.starts_with("https://in-toto.io/Statement"))
        || (v.get("payloadType").is_some() && v.get("payload").is_some())
}

/// Unwraps a DSSE envelope if needed.
fn statement(v: &Value, ex: &mut Extract) -> Option<Value> {
    if json::s(v, "_type").is_some() {
        return Some(v.clone());
    }
    let p = json::s(v, "payload")?;
    let bytes = match base64::engine::general_purpose::STANDARD.decode(p.trim()) {
        Ok(b) => b,
        Err(e) => {
            ex.warn(format!("DSSE payload is not base64: {e}"));
            return None;
        }
    };
    match serde_json::from_slice(&bytes) {
        Ok(s) => {
            ex.warn("DSSE envelope: its own signature is not checked by the licence analysis");
            Some(s)
        }
        Err(e) => {
            ex.warn(format!("DSSE payload is not JSON: {e}"));
            None
        }
    }
}

pub fn read(v: &Value) -> Extract {
    let mut ex = Extract::default();
    let Some(st) = statement(v, &mut ex) else { return ex };
    let ptype = json::s(&st, "predicateType").unwrap_or("").to_string();
    ex.version = Some(ptype.clone());
    {
        let c = ex.comp("subject");
        c.is_subject = true;
        c.kind = Some(ComponentKind::Model);
    }
    for (i, s) in json::arr(&st, "subject").iter().enumerate() {
        let name = json::s(s, "name").unwrap_or("").to_string();
        let key = format!("subject-file:{i}");
        let c = ex.comp(&key);
        c.kind = Some(ComponentKind::File);
        c.set_name(&name);
        c.path = Some(name.trim_start_matches("./").to_string());
        if let Some(d) = s.get("digest").and_then(Value::as_object) {
            for (a, h) in d {
                if let Some(h) = h.as_str() {
                    c.add_digest(a, h);
                }
            }
        }
    }
    let pred = st.get("predicate").cloned().unwrap_or(Value::Null);
    if !ptype.starts_with("https://slsa.dev/provenance/") {
        ex.warn(format!("predicate type `{ptype}` carries no lineage this tool reads"));
        return ex;
    }
    let deps: Vec<(String, &Value)> = if let Some(bd) = pred.get("buildDefinition") {
        json::arr(bd, "resolvedDependencies").iter().enumerate().map(|(i, d)| (format!("/predicate/buildDefinition/resolvedDependencies/{i}"), d)).collect()
    } else {
        json::arr(&pred, "materials").iter().enumerate().map(|(i, d)| (format!("/predicate/materials/{i}"), d)).collect()
    };
    for (loc, d) in deps {
        let name = json::s(d, "name").or_else(|| json::s(d, "uri")).unwrap_or("dependency").to_string();
        let uri = json::s(d, "uri").unwrap_or("");
        let media = json::s(d, "mediaType").unwrap_or("");
        let hay = format!("{name} {uri} {media} {}", d.get("annotations").map(|a| a.to_string()).unwrap_or_default()).to_ascii_lowercase();
        let (kind, ck) = if hay.contains("dataset") || hay.contains("/datasets/") || hay.contains("training data") {
            (EdgeKind::TrainedOn, ComponentKind::Dataset)
        } else if hay.contains("oci") || hay.contains("container") || hay.contains("docker") || uri.starts_with("pkg:docker") {
            (EdgeKind::BuiltWith, ComponentKind::Container)
        } else if hay.contains("model") || uri.starts_with("pkg:huggingface") || hay.contains("huggingface.co/") {
            (EdgeKind::DerivedFrom, ComponentKind::Model)
        } else if uri.starts_with("git+") || hay.contains("git") {
            (EdgeKind::BuiltFromSource, ComponentKind::Source)
        } else {
            ex.warn(format!("{loc}: dependency `{name}` has no recognisable role; not shown as lineage"));
            continue;
        };
        let key = format!("dep:{loc}");
        let c = ex.comp(&key);
        c.kind = Some(ck);
        c.set_name(&name);
        if uri.starts_with("pkg:") {
            c.add_purl(uri);
        } else if c.hf_id.is_none() {
            c.hf_id = hf_id_from_url(uri);
        }
        if let Some(dg) = d.get("digest").and_then(Value::as_object) {
            for (a, h) in dg {
                if let Some(h) = h.as_str() {
                    c.add_digest(a, h);
                }
            }
        }
        ex.edge("subject", &key, kind, Confidence::Inferred, loc, name);
    }
    ex
}

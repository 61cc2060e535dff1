//! SPDX 3.0.x JSON-LD with the AI, Dataset and Build profiles.
//!
//! Hand-written because no Rust crate reads SPDX 3 (`spdx-rs` is 2.x only).
//! The compact JSON-LD uses one fixed context, so plain JSON suffices:
//! index the `@graph` by `spdxId`/`@id`, then resolve relationships. Inline
//! objects where an IRI is expected are accepted too.

use super::{Extract, RawCustom, derivation_from_text, hf_id_from_url, json};
use crate::meta::license::parse_spdx;
use crate::meta::model::{ClaimKind, ComponentKind, Confidence, DatasetFacts, EdgeKind};
use serde_json::Value;
use std::collections::HashMap;

/// Whether a JSON value looks like SPDX 3 JSON-LD.
pub fn sniff(v: &Value) -> bool {
    let ctx = v.get("@context").map(|c| c.to_string()).unwrap_or_default();
    v.get("@graph").is_some_and(Value::is_array) && ctx.contains("spdx")
}

fn id_of(e: &Value) -> Option<&str> {
    json::s(e, "spdxId").or_else(|| json::s(e, "@id"))
}

fn type_of(e: &Value) -> &str {
    json::s(e, "type").or_else(|| json::s(e, "@type")).unwrap_or("")
}

/// A reference: an IRI string, or an inline object with an id.
fn refs(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Object(_)) => v.and_then(id_of).map(|s| vec![s.to_string()]).unwrap_or_default(),
        Some(Value::Array(a)) => a.iter().flat_map(|x| refs(Some(x))).collect(),
        _ => Vec::new(),
    }
}

pub fn read(v: &Value) -> Extract {
    let mut ex = Extract::default();
    let graph = json::arr(v, "@graph");
    let mut by_id: HashMap<String, (usize, &Value)> = HashMap::new();
    for (i, e) in graph.iter().enumerate() {
        if let Some(id) = id_of(e) {
            by_id.insert(id.to_string(), (i, e));
        }
        if let Some(inline) = e.get("from").filter(|f| f.is_object())
            && let Some(id) = id_of(inline) {
                by_id.entry(id.to_string()).or_insert((i, inline));
            }
    }
    ex.version = graph.iter().find(|e| type_of(e) == "CreationInfo").and_then(|c| json::s(c, "specVersion")).map(str::to_string);
    // Roots: SpdxDocument.rootElement → software_Sbom.rootElement → packages.
    let mut roots: Vec<String> = Vec::new();
    for e in graph.iter().filter(|e| type_of(e) == "SpdxDocument") {
        for r in refs(e.get("rootElement")) {
            match by_id.get(&r) {
                Some((_, el)) if type_of(el).ends_with("Sbom") || type_of(el) == "Bom" => roots.extend(refs(el.get("rootElement"))),
                _ => roots.push(r),
            }
        }
    }
    for (i, e) in graph.iter().enumerate() {
        let t = type_of(e);
        let kind = match t {
            "ai_AIPackage" => ComponentKind::Model,
            "dataset_DatasetPackage" => ComponentKind::Dataset,
            "software_File" => ComponentKind::File,
            "software_Package" => match json::s(e, "software_primaryPurpose") {
                Some("container") => ComponentKind::Container,
                Some("model") => ComponentKind::Model,
                Some("data") => ComponentKind::Dataset,
                _ => ComponentKind::Other,
            },
            _ => continue,
        };
        let Some(id) = id_of(e) else {
            ex.warn(format!("/@graph/{i} ({t}) has no spdxId and was skipped"));
            continue;
        };
        let c = ex.comp(id);
        c.kind = Some(kind);
        c.is_subject = roots.iter().any(|r| r == id);
        if let Some(n) = json::s(e, "name") {
            if kind == ComponentKind::File {
                c.path = Some(n.trim_start_matches("./").to_string());
            }
            c.set_name(n);
        }
        c.version = json::s(e, "software_packageVersion").map(str::to_string);
        if let Some(p) = json::s(e, "software_packageUrl") {
            c.add_purl(p);
        }
        for h in json::arr(e, "verifiedUsing") {
            if let (Some(a), Some(hv)) = (json::s(h, "algorithm"), json::s(h, "hashValue")) {
                c.add_digest(a, hv);
            }
        }
        if c.hf_id.is_none() {
            c.hf_id = json::s(e, "software_downloadLocation").and_then(hf_id_from_url);
        }
        if kind == ComponentKind::Dataset {
            c.dataset = Some(DatasetFacts {
                intended_use: json::s(e, "dataset_intendedUse").map(str::to_string),
                availability: json::s(e, "dataset_datasetAvailability").map(str::to_string),
                sensitive_personal_information: json::s(e, "dataset_hasSensitivePersonalInformation")
                    .or_else(|| json::s(e, "dataset_sensitivePersonalInformation"))
                    .map(str::to_string),
                known_bias: json::strings(e.get("dataset_knownBias")),
                size_bytes: e.get("dataset_datasetSize").and_then(Value::as_u64),
            });
        }
    }
    // Custom licences: CustomLicense elements, reached through customIdToUri.
    for (i, e) in graph.iter().enumerate() {
        if type_of(e) != "simplelicensing_LicenseExpression" {
            continue;
        }
        for d in json::arr(e, "simplelicensing_customIdToUri") {
            let (Some(key), Some(uri)) = (json::s(d, "key"), json::s(d, "value")) else { continue };
            let mut custom = RawCustom { id: key.to_string(), locator: format!("/@graph/{i}/simplelicensing_customIdToUri"), ..Default::default() };
            match by_id.get(uri) {
                Some((_, cl)) => {
                    custom.name = json::s(cl, "name").map(str::to_string);
                    custom.text = json::s(cl, "simplelicensing_licenseText").map(str::to_string);
                    custom.urls = json::strings(cl.get("expandedlicensing_seeAlso"));
                }
                None => {
                    ex.warnings.push(format!("custom licence {key} points to {uri}, which is not in the document"));
                    custom.urls.push(uri.to_string());
                }
            }
            ex.customs.push(custom);
        }
    }
    for (i, e) in graph.iter().enumerate() {
        let t = type_of(e);
        if t != "Relationship" && t != "LifecycleScopedRelationship" {
            continue;
        }
        let loc = format!("/@graph/{i}");
        let (Some(from), Some(rt)) = (refs(e.get("from")).into_iter().next(), json::s(e, "relationshipType")) else {
            ex.warn(format!("{loc}: relationship without from/relationshipType skipped"));
            continue;
        };
        let tos = refs(e.get("to"));
        let desc = json::s(e, "description").or_else(|| json::s(e, "comment"));
        let raw = |to: &str| match desc {
            Some(d) => format!("{from} {rt} {to} ({d})"),
            None => format!("{from} {rt} {to}"),
        };
        match rt {
            "hasDeclaredLicense" | "hasConcludedLicense" => {
                let kind = if rt == "hasDeclaredLicense" { ClaimKind::Declared } else { ClaimKind::Concluded };
                for to in &tos {
                    let expr = match by_id.get(to) {
                        Some((_, le)) => json::s(le, "simplelicensing_licenseExpression").map(str::to_string),
                        None => match to.as_str() {
                            "https://spdx.org/rdf/3.0.1/terms/Expanded/NoAssertionLicense" => Some("NOASSERTION".into()),
                            "https://spdx.org/rdf/3.0.1/terms/Expanded/NoneLicense" => Some("NONE".into()),
                            _ => None,
                        },
                    };
                    match expr {
                        Some(x) => {
                            let p = parse_spdx(&x);
                            ex.comp(&from).license(p.value, kind, format!("{loc} ({rt})"), x, p.note);
                        }
                        None => ex.warn(format!("{loc}: {rt} points to {to}, which is not a licence expression in the document")),
                    }
                }
            }
            "trainedOn" | "testedOn" | "descendantOf" | "ancestorOf" | "hasVariant" => {
                for to in &tos {
                    let (a, b, kind, conf) = match rt {
                        "trainedOn" => (from.as_str(), to.as_str(), EdgeKind::TrainedOn, Confidence::Stated),
                        "testedOn" => (from.as_str(), to.as_str(), EdgeKind::TestedOn, Confidence::Stated),
                        "descendantOf" => match desc.and_then(derivation_from_text) {
                            Some(k) => (from.as_str(), to.as_str(), k, Confidence::Inferred),
                            None => (from.as_str(), to.as_str(), EdgeKind::DerivedFrom, Confidence::Stated),
                        },
                        "ancestorOf" => (to.as_str(), from.as_str(), EdgeKind::DerivedFrom, Confidence::Stated),
                        _ => (to.as_str(), from.as_str(), EdgeKind::DerivedFrom, Confidence::Inferred),
                    };
                    ex.edge(a, b, kind, conf, loc.clone(), raw(to));
                }
            }
            _ => {}
        }
    }
    read_builds(graph, &by_id, &mut ex);
    ex
}

/// Build profile: `hasInput` datasets/models and `hasOutput` model give
/// inferred trained-on / derived-from edges; environment and config digests
/// give built-with / built-from-source.
fn read_builds(graph: &[Value], by_id: &HashMap<String, (usize, &Value)>, ex: &mut Extract) {
    for (i, b) in graph.iter().enumerate() {
        if type_of(b) != "build_Build" {
            continue;
        }
        let Some(bid) = id_of(b) else { continue };
        let mut inputs = Vec::new();
        let mut outputs = Vec::new();
        for r in graph {
            let t = type_of(r);
            if (t == "Relationship" || t == "LifecycleScopedRelationship") && refs(r.get("from")).first().map(String::as_str) == Some(bid) {
                match json::s(r, "relationshipType") {
                    Some("hasInput") => inputs.extend(refs(r.get("to"))),
                    Some("hasOutput") => outputs.extend(refs(r.get("to"))),
                    _ => {}
                }
            }
        }
        let loc = format!("/@graph/{i}");
        for out in &outputs {
            for inp in &inputs {
                let kind = match by_id.get(inp).map(|(_, e)| type_of(e)) {
                    Some("dataset_DatasetPackage") => EdgeKind::TrainedOn,
                    Some("ai_AIPackage") => EdgeKind::DerivedFrom,
                    _ => continue,
                };
                ex.edge(out, inp, kind, Confidence::Inferred, format!("{loc} (hasInput/hasOutput)"), format!("build {bid}: input {inp}, output {out}"));
            }
            for (j, d) in json::arr(b, "build_configSourceDigest").iter().enumerate() {
                if let (Some(a), Some(h)) = (json::s(d, "algorithm"), json::s(d, "hashValue")) {
                    let key = format!("commit:{h}");
                    let c = ex.comp(&key);
                    c.kind = Some(ComponentKind::Source);
                    let uri = json::strings(b.get("build_configSourceUri")).into_iter().next();
                    c.set_name(&format!("{} @ {}", uri.as_deref().unwrap_or("source"), &h[..h.len().min(12)]));
                    c.add_digest(a, h);
                    ex.edge(out, &key, EdgeKind::BuiltFromSource, Confidence::Stated, format!("{loc}/build_configSourceDigest/{j}"), h.to_string());
                }
            }
            for (j, d) in json::arr(b, "build_environment").iter().enumerate() {
                let Some(val) = json::s(d, "value") else { continue };
                let Some((name, digest)) = val.split_once("@sha256:") else { continue };
                let key = format!("container:{digest}");
                let c = ex.comp(&key);
                c.kind = Some(ComponentKind::Container);
                c.set_name(name.rsplit('/').next().unwrap_or(name));
                c.add_digest("sha256", digest);
                ex.edge(out, &key, EdgeKind::BuiltWith, Confidence::Stated, format!("{loc}/build_environment/{j}"), val.to_string());
            }
        }
    }
}

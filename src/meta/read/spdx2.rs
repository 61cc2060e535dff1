//! SPDX 2.2 / 2.3, JSON and tag-value.
//!
//! Parsed with `spdx-rs`, which is strict (`deny_unknown_fields` on the
//! document and on packages, required file checksums, strict expressions):
//! a pre-pass removes keys it does not know (a top-level `$schema`, vendor
//! keys on packages) and records each removal as a warning. When `spdx-rs`
//! still rejects the document, a tolerant reader over `serde_json::Value`
//! reads the same fields, so one bad value never loses the whole document.
//! Both paths fill the same small intermediate ([`S2`]).

use super::{Extract, RawCustom, derivation_from_text, hf_id_from_url, json};
use crate::meta::license::parse_spdx;
use crate::meta::model::{ClaimKind, ComponentKind, Confidence, EdgeKind};
use serde_json::Value;

const TOP_KEYS: &[&str] = &[
    "spdxVersion", "dataLicense", "SPDXID", "name", "documentNamespace", "externalDocumentRefs", "creationInfo",
    "comment", "documentDescribes", "packages", "hasExtractedLicensingInfos", "files", "snippets", "relationships",
    "annotations",
];
const PACKAGE_KEYS: &[&str] = &[
    "name", "SPDXID", "versionInfo", "packageFileName", "supplier", "originator", "downloadLocation", "filesAnalyzed",
    "packageVerificationCode", "checksums", "homepage", "sourceInfo", "licenseConcluded", "licenseInfoFromFiles",
    "licenseDeclared", "licenseComments", "copyrightText", "summary", "description", "comment", "externalRefs",
    "attributionTexts", "hasFiles", "annotations", "builtDate", "releaseDate", "validUntilDate", "primaryPackagePurpose",
];

#[derive(Debug, Default)]
struct S2 {
    version: Option<String>,
    describes: Vec<String>,
    packages: Vec<S2Pkg>,
    files: Vec<S2File>,
    rels: Vec<S2Rel>,
    extracted: Vec<RawCustom>,
}

#[derive(Debug, Default)]
struct S2Pkg {
    index: usize,
    id: String,
    name: String,
    version: Option<String>,
    checksums: Vec<(String, String)>,
    purls: Vec<String>,
    download: Option<String>,
    declared: Option<String>,
    concluded: Option<String>,
    from_files: Vec<String>,
    purpose: Option<String>,
    text: String,
}

#[derive(Debug, Default)]
struct S2File {
    index: usize,
    id: String,
    name: String,
    checksums: Vec<(String, String)>,
    concluded: Option<String>,
    in_files: Vec<String>,
}

#[derive(Debug, Default)]
struct S2Rel {
    index: usize,
    from: String,
    kind: String,
    to: String,
    comment: Option<String>,
}

/// Whether a JSON value looks like an SPDX 2 document.
pub fn sniff(v: &Value) -> bool {
    v.get("spdxVersion").and_then(Value::as_str).is_some_and(|s| s.starts_with("SPDX-2"))
}

/// Reads SPDX 2 JSON.
pub fn read_json(v: &Value) -> Extract {
    let mut ex = Extract::default();
    let mut cleaned = v.clone();
    if let Some(obj) = cleaned.as_object_mut() {
        let unknown: Vec<String> = obj.keys().filter(|k| !TOP_KEYS.contains(&k.as_str())).cloned().collect();
        for k in unknown {
            obj.remove(&k);
            ex.warn(format!("ignored top-level key `{k}` (not an SPDX 2 field spdx-rs reads)"));
        }
        if let Some(pkgs) = obj.get_mut("packages").and_then(Value::as_array_mut) {
            for (i, p) in pkgs.iter_mut().enumerate() {
                if let Some(po) = p.as_object_mut() {
                    let unknown: Vec<String> = po.keys().filter(|k| !PACKAGE_KEYS.contains(&k.as_str())).cloned().collect();
                    for k in unknown {
                        po.remove(&k);
                        ex.warn(format!("ignored unknown key `{k}` on /packages/{i}"));
                    }
                }
            }
        }
    }
    let s2 = match serde_json::from_value::<spdx_rs::models::SPDX>(cleaned) {
        Ok(doc) => from_typed(&doc),
        Err(e) => {
            ex.warn(format!("spdx-rs rejected the document ({e}); read with the tolerant reader"));
            from_value(v, &mut ex)
        }
    };
    to_extract(s2, &mut ex);
    ex
}

/// Reads SPDX 2 tag-value.
pub fn read_tag_value(text: &str) -> Extract {
    let mut ex = Extract::default();
    match spdx_rs::parsers::spdx_from_tag_value(text) {
        Ok(doc) => {
            let s2 = from_typed(&doc);
            to_extract(s2, &mut ex);
        }
        Err(e) => {
            ex.warn(format!("spdx-rs could not parse the tag-value document ({e}); salvaged licence tags line by line"));
            salvage_tag_value(text, &mut ex);
        }
    }
    ex
}

fn salvage_tag_value(text: &str, ex: &mut Extract) {
    let mut current: Option<String> = None;
    let mut name: Option<String> = None;
    for (n, line) in text.lines().enumerate() {
        let Some((tag, val)) = line.split_once(':') else { continue };
        let val = val.trim();
        match tag.trim() {
            "PackageName" => {
                name = Some(val.to_string());
                current = None;
            }
            "SPDXID" if name.is_some() => {
                current = Some(val.to_string());
                let c = ex.comp(val);
                c.set_name(name.as_deref().unwrap_or_default());
            }
            t @ ("PackageLicenseDeclared" | "PackageLicenseConcluded") => {
                if let Some(k) = current.clone() {
                    let kind = if t.ends_with("Declared") { ClaimKind::Declared } else { ClaimKind::Concluded };
                    let p = parse_spdx(val);
                    ex.comp(&k).license(p.value, kind, format!("line {} ({t})", n + 1), val, p.note);
                }
            }
            "SpdxVersion" => ex.version = Some(val.to_string()),
            _ => {}
        }
    }
}

fn enum_str<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn from_typed(doc: &spdx_rs::models::SPDX) -> S2 {
    let dci = &doc.document_creation_information;
    let mut s2 = S2 { version: Some(dci.spdx_version.clone()), describes: dci.document_describes.clone(), ..Default::default() };
    for (i, p) in doc.package_information.iter().enumerate() {
        let mut text = String::new();
        for t in [&p.package_comment, &p.package_detailed_description, &p.package_summary_description].into_iter().flatten() {
            text.push_str(t);
            text.push(' ');
        }
        s2.packages.push(S2Pkg {
            index: i,
            id: p.package_spdx_identifier.clone(),
            name: p.package_name.clone(),
            version: p.package_version.clone(),
            checksums: p.package_checksum.iter().map(|c| (enum_str(&c.algorithm), c.value.clone())).collect(),
            purls: p.external_reference.iter().filter(|r| r.reference_type == "purl").map(|r| r.reference_locator.clone()).collect(),
            download: Some(p.package_download_location.clone()),
            declared: p.declared_license.as_ref().map(|e| e.to_string()),
            concluded: p.concluded_license.as_ref().map(|e| e.to_string()),
            from_files: p.all_licenses_information_from_files.clone(),
            purpose: p.primary_package_purpose.as_ref().map(enum_str),
            text,
        });
    }
    for (i, f) in doc.file_information.iter().enumerate() {
        s2.files.push(S2File {
            index: i,
            id: f.file_spdx_identifier.clone(),
            name: f.file_name.clone(),
            checksums: f.file_checksum.iter().map(|c| (enum_str(&c.algorithm), c.value.clone())).collect(),
            concluded: f.concluded_license.as_ref().map(|e| e.to_string()),
            in_files: f.license_information_in_file.iter().map(|e| e.to_string()).collect(),
        });
    }
    for (i, r) in doc.relationships.iter().enumerate() {
        s2.rels.push(S2Rel {
            index: i,
            from: r.spdx_element_id.clone(),
            kind: enum_str(&r.relationship_type),
            to: r.related_spdx_element.clone(),
            comment: r.comment.clone(),
        });
    }
    for (i, l) in doc.other_licensing_information_detected.iter().enumerate() {
        s2.extracted.push(RawCustom {
            id: l.license_identifier.clone(),
            name: Some(l.license_name.clone()),
            urls: l.license_cross_reference.clone(),
            text: Some(l.extracted_text.clone()),
            locator: format!("/hasExtractedLicensingInfos/{i}"),
        });
    }
    s2
}

fn checksums(v: &Value) -> Vec<(String, String)> {
    json::arr(v, "checksums")
        .iter()
        .filter_map(|c| Some((json::s(c, "algorithm")?.to_string(), json::s(c, "checksumValue")?.to_string())))
        .collect()
}

fn from_value(v: &Value, ex: &mut Extract) -> S2 {
    let mut s2 = S2 {
        version: json::s(v, "spdxVersion").map(str::to_string),
        describes: json::strings(v.get("documentDescribes")),
        ..Default::default()
    };
    for (i, p) in json::arr(v, "packages").iter().enumerate() {
        let Some(id) = json::s(p, "SPDXID") else {
            ex.warn(format!("/packages/{i} has no SPDXID; its licence fields are read under a synthetic id"));
            s2.packages.push(pkg_from_value(p, i, format!("#package-{i}")));
            continue;
        };
        s2.packages.push(pkg_from_value(p, i, id.to_string()));
    }
    for (i, f) in json::arr(v, "files").iter().enumerate() {
        s2.files.push(S2File {
            index: i,
            id: json::s(f, "SPDXID").map(str::to_string).unwrap_or_else(|| format!("#file-{i}")),
            name: json::s(f, "fileName").unwrap_or_default().to_string(),
            checksums: checksums(f),
            concluded: json::s(f, "licenseConcluded").map(str::to_string),
            in_files: json::strings(f.get("licenseInfoInFiles")),
        });
    }
    for (i, r) in json::arr(v, "relationships").iter().enumerate() {
        let (Some(a), Some(k), Some(b)) = (json::s(r, "spdxElementId"), json::s(r, "relationshipType"), json::s(r, "relatedSpdxElement")) else {
            ex.warn(format!("/relationships/{i} is incomplete and was skipped"));
            continue;
        };
        s2.rels.push(S2Rel { index: i, from: a.into(), kind: k.into(), to: b.into(), comment: json::s(r, "comment").map(str::to_string) });
    }
    for (i, l) in json::arr(v, "hasExtractedLicensingInfos").iter().enumerate() {
        let Some(id) = json::s(l, "licenseId") else { continue };
        s2.extracted.push(RawCustom {
            id: id.into(),
            name: json::s(l, "name").map(str::to_string),
            urls: json::strings(l.get("seeAlsos")),
            text: json::s(l, "extractedText").map(str::to_string),
            locator: format!("/hasExtractedLicensingInfos/{i}"),
        });
    }
    s2
}

fn pkg_from_value(p: &Value, i: usize, id: String) -> S2Pkg {
    let text = ["comment", "description", "summary"].iter().filter_map(|k| json::s(p, k)).collect::<Vec<_>>().join(" ");
    S2Pkg {
        index: i,
        id,
        name: json::s(p, "name").unwrap_or_default().to_string(),
        version: json::s(p, "versionInfo").map(str::to_string),
        checksums: checksums(p),
        purls: json::arr(p, "externalRefs")
            .iter()
            .filter(|r| json::s(r, "referenceType") == Some("purl"))
            .filter_map(|r| json::s(r, "referenceLocator").map(str::to_string))
            .collect(),
        download: json::s(p, "downloadLocation").map(str::to_string),
        declared: json::s(p, "licenseDeclared").map(str::to_string),
        concluded: json::s(p, "licenseConcluded").map(str::to_string),
        from_files: json::strings(p.get("licenseInfoFromFiles")),
        purpose: json::s(p, "primaryPackagePurpose").map(str::to_string),
        text,
    }
}

fn to_extract(s2: S2, ex: &mut Extract) {
    ex.version = s2.version.clone();
    let mut subjects: Vec<String> = s2.describes.clone();
    for r in &s2.rels {
        if r.kind == "DESCRIBES" && r.from == "SPDXRef-DOCUMENT" {
            subjects.push(r.to.clone());
        }
    }
    // Roles a package plays in relationships decide its kind.
    let role = |id: &str| -> Option<ComponentKind> {
        for r in &s2.rels {
            match r.kind.as_str() {
                "GENERATED_FROM" if r.to == id => return Some(ComponentKind::Dataset),
                "TEST_OF" if r.from == id => return Some(ComponentKind::Dataset),
                "DESCENDANT_OF" | "VARIANT_OF" if r.to == id || r.from == id => return Some(ComponentKind::Model),
                "ANCESTOR_OF" if r.from == id || r.to == id => return Some(ComponentKind::Model),
                _ => {}
            }
        }
        None
    };
    for p in &s2.packages {
        let base = format!("/packages/{}", p.index);
        let is_subject = subjects.contains(&p.id);
        let text = p.text.to_ascii_lowercase();
        let kind = if p.purpose.as_deref() == Some("CONTAINER") {
            ComponentKind::Container
        } else if is_subject {
            ComponentKind::Model
        } else if let Some(k) = role(&p.id) {
            k
        } else if text.contains("dataset") || p.download.as_deref().is_some_and(|d| d.contains("/datasets/")) {
            ComponentKind::Dataset
        } else if text.contains("model") {
            ComponentKind::Model
        } else {
            ComponentKind::Other
        };
        let c = ex.comp(&p.id);
        c.is_subject = is_subject;
        c.kind = Some(kind);
        c.set_name(&p.name);
        c.version = p.version.clone();
        for (a, v) in &p.checksums {
            c.add_digest(a, v);
        }
        for u in &p.purls {
            c.add_purl(u);
        }
        if c.hf_id.is_none() {
            c.hf_id = p.download.as_deref().and_then(hf_id_from_url);
        }
        if kind == ComponentKind::Dataset && c.dataset.is_none() {
            c.dataset = Some(Default::default());
        }
        if let Some(d) = &p.declared {
            let parsed = parse_spdx(d);
            c.license(parsed.value, ClaimKind::Declared, format!("{base}/licenseDeclared"), d.clone(), parsed.note);
        }
        if let Some(d) = &p.concluded {
            let parsed = parse_spdx(d);
            c.license(parsed.value, ClaimKind::Concluded, format!("{base}/licenseConcluded"), d.clone(), parsed.note);
        }
        let from_files: Vec<&String> = p.from_files.iter().filter(|s| s.as_str() != "NOASSERTION").collect();
        if !from_files.is_empty() {
            let joined = from_files.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" AND ");
            let parsed = parse_spdx(&joined);
            c.license(parsed.value, ClaimKind::InFile, format!("{base}/licenseInfoFromFiles"), joined, Some("licences found in the package's files".into()));
        }
    }
    for f in &s2.files {
        let base = format!("/files/{}", f.index);
        let c = ex.comp(&f.id);
        c.kind = Some(ComponentKind::File);
        let path = f.name.trim_start_matches("./").to_string();
        c.set_name(&path);
        c.path = Some(path);
        for (a, v) in &f.checksums {
            c.add_digest(a, v);
        }
        if let Some(d) = &f.concluded {
            let parsed = parse_spdx(d);
            c.license(parsed.value, ClaimKind::Concluded, format!("{base}/licenseConcluded"), d.clone(), parsed.note);
        }
        let in_files: Vec<&String> = f.in_files.iter().filter(|s| s.as_str() != "NOASSERTION" && s.as_str() != "NONE").collect();
        if !in_files.is_empty() {
            let joined = in_files.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" AND ");
            let parsed = parse_spdx(&joined);
            c.license(parsed.value, ClaimKind::InFile, format!("{base}/licenseInfoInFiles"), joined, None);
        }
    }
    for r in &s2.rels {
        let loc = format!("/relationships/{}", r.index);
        let raw = match &r.comment {
            Some(c) => format!("{} {} {} ({c})", r.from, r.kind, r.to),
            None => format!("{} {} {}", r.from, r.kind, r.to),
        };
        let by_comment = r.comment.as_deref().and_then(derivation_from_text);
        match r.kind.as_str() {
            "DESCENDANT_OF" | "VARIANT_OF" => {
                let (k, c) = match by_comment {
                    Some(k) => (k, Confidence::Inferred),
                    None => (EdgeKind::DerivedFrom, Confidence::Stated),
                };
                ex.edge(&r.from, &r.to, k, c, loc, raw);
            }
            "ANCESTOR_OF" => {
                let (k, c) = match by_comment {
                    Some(k) => (k, Confidence::Inferred),
                    None => (EdgeKind::DerivedFrom, Confidence::Stated),
                };
                ex.edge(&r.to, &r.from, k, c, loc, raw);
            }
            "GENERATED_FROM" => ex.edge(&r.from, &r.to, EdgeKind::TrainedOn, Confidence::Inferred, loc, raw),
            "TEST_OF" => ex.edge(&r.to, &r.from, EdgeKind::TestedOn, Confidence::Stated, loc, raw),
            "BUILD_TOOL_OF" | "DEV_TOOL_OF" => ex.edge(&r.to, &r.from, EdgeKind::BuiltWith, Confidence::Stated, loc, raw),
            _ => {}
        }
    }
    ex.customs.extend(s2.extracted);
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"x",
      "documentNamespace":"https://e.com/x","creationInfo":{"created":"2026-01-01T00:00:00Z","creators":["Tool: t"]},
      "packages":[{"SPDXID":"SPDXRef-m","name":"m","downloadLocation":"NOASSERTION","licenseDeclared":"Apache-2.0"}],
      "relationships":[{"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES","relatedSpdxElement":"SPDXRef-m"}]}"#;

    #[test]
    fn meta_spdx2_plain() {
        let v: Value = serde_json::from_str(DOC).unwrap();
        let ex = read_json(&v);
        assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
        let m = ex.components.iter().find(|c| c.is_subject).unwrap();
        assert_eq!(m.licenses[0].value.display(), "Apache-2.0");
    }

    #[test]
    fn meta_spdx2_unknown_keys_are_warnings() {
        let mut v: Value = serde_json::from_str(DOC).unwrap();
        v["$schema"] = Value::String("https://json-schema".into());
        v["packages"][0]["x-ai-typeOfModel"] = Value::String("llm".into());
        let ex = read_json(&v);
        assert_eq!(ex.warnings.len(), 2, "{:?}", ex.warnings);
        assert!(ex.warnings.iter().any(|w| w.contains("$schema")));
        let m = ex.components.iter().find(|c| c.is_subject).unwrap();
        assert_eq!(m.licenses[0].value.display(), "Apache-2.0");
    }

    #[test]
    fn meta_spdx2_bad_expression_falls_back_and_keeps_claim() {
        let mut v: Value = serde_json::from_str(DOC).unwrap();
        v["packages"][0]["licenseDeclared"] = Value::String("Apache-2.0 OR".into());
        let ex = read_json(&v);
        assert!(ex.warnings.iter().any(|w| w.contains("tolerant reader")), "{:?}", ex.warnings);
        let m = ex.components.iter().find(|c| c.is_subject).unwrap();
        assert!(matches!(m.licenses[0].value, crate::meta::model::LicenseValue::Unknown { .. }));
        assert_eq!(m.licenses[0].raw, "Apache-2.0 OR");
    }
}

//! CycloneDX 1.5 / 1.6 (1.7 reads the same) JSON ML-BOM.
//!
//! Hand-written over `serde_json::Value`: `cyclonedx-bom` 0.8 rejects 1.6
//! outright and mis-models ML-BOM data components and dataset references in
//! 1.5. We read the small subset the licence and lineage panes need:
//! components (machine-learning-model, data, container, file), their
//! `licenses` (`acknowledgement` declared/concluded), `pedigree.ancestors`,
//! and `modelCard.modelParameters.datasets` (which carries no train/test
//! role; a `…dataset-role` property, when present, supplies one, labelled
//! inferred). `metadata.licenses` is the BOM's own licence and is ignored.

use super::{Extract, RawCustom, RawComponent, derivation_from_text, hf_id_from_url, json};
use crate::meta::license::{and_all, parse_spdx, ref_safe};
use crate::meta::model::{ClaimKind, ComponentKind, Confidence, EdgeKind, LicenseValue};
use serde_json::Value;

pub fn sniff(v: &Value) -> bool {
    v.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX")
}

pub fn read(v: &Value) -> Extract {
    let mut ex = Extract { version: json::s(v, "specVersion").map(str::to_string), ..Default::default() };
    match ex.version.as_deref() {
        Some("1.5") | Some("1.6") | Some("1.7") => {}
        Some(other) => ex.warn(format!("CycloneDX {other}: read as 1.6; ML-BOM fields exist only since 1.5")),
        None => ex.warn("no specVersion; read as CycloneDX 1.6"),
    }
    let mut datasets_seen: Vec<(String, String)> = Vec::new();
    let subject = v.get("metadata").and_then(|m| m.get("component"));
    let subject_key = subject.map(|c| component(c, "/metadata/component", &mut ex, true, &mut datasets_seen));
    for (i, c) in json::arr(v, "components").iter().enumerate() {
        let key = component(c, &format!("/components/{i}"), &mut ex, false, &mut datasets_seen);
        if let Some(sk) = &subject_key
            && let Some("container") = json::s(c, "type") { ex.edge(sk, &key, EdgeKind::BuiltWith, Confidence::Inferred, format!("/components/{i}"), format!("container component {}", json::s(c, "name").unwrap_or(""))) }
    }
    // Dataset references resolve to data components by bom-ref.
    for (from, to) in datasets_seen {
        if !ex.components.iter().any(|c| c.key == to) {
            ex.warn(format!("modelParameters.datasets ref `{to}` (from {from}) names no component in the BOM"));
        }
    }
    if let Some(sk) = subject_key {
        // Training source commits named in a vcs reference comment.
        for (i, r) in subject.map(|s| json::arr(s, "externalReferences")).unwrap_or(&[]).iter().enumerate() {
            if json::s(r, "type") != Some("vcs") {
                continue;
            }
            let comment = json::s(r, "comment").unwrap_or("");
            if let Some(sha) = comment.split(|c: char| !c.is_ascii_hexdigit()).find(|t| t.len() == 40 || t.len() == 64) {
                let key = format!("commit:{sha}");
                let c = ex.comp(&key);
                c.kind = Some(ComponentKind::Source);
                c.set_name(&format!("{} @ {}", json::s(r, "url").unwrap_or("source"), &sha[..12]));
                c.add_digest(if sha.len() == 40 { "sha1" } else { "sha256" }, sha);
                ex.edge(&sk, &key, EdgeKind::BuiltFromSource, Confidence::Inferred, format!("/metadata/component/externalReferences/{i}"), comment.to_string());
            }
        }
    }
    ex
}

fn key_of(c: &Value, loc: &str) -> String {
    json::s(c, "bom-ref").map(str::to_string).unwrap_or_else(|| format!("#{loc}"))
}

fn dataset_role(c: &Value) -> Option<EdgeKind> {
    for p in json::arr(c, "properties") {
        let (Some(n), Some(val)) = (json::s(p, "name"), json::s(p, "value")) else { continue };
        if n.to_ascii_lowercase().ends_with("dataset-role") {
            let v = val.to_ascii_lowercase();
            if v.starts_with("train") || v.contains("fine-tun") {
                return Some(EdgeKind::TrainedOn);
            }
            if v.starts_with("eval") || v.starts_with("test") || v.contains("benchmark") {
                return Some(EdgeKind::TestedOn);
            }
        }
    }
    None
}

fn component(c: &Value, loc: &str, ex: &mut Extract, is_subject: bool, datasets_seen: &mut Vec<(String, String)>) -> String {
    let key = key_of(c, loc);
    let kind = match json::s(c, "type") {
        Some("machine-learning-model") => ComponentKind::Model,
        Some("data") => ComponentKind::Dataset,
        Some("container") => ComponentKind::Container,
        Some("file") => ComponentKind::File,
        _ => ComponentKind::Other,
    };
    {
        let rc = ex.comp(&key);
        fill(rc, c, kind, is_subject);
    }
    licenses(c, loc, &key, ex);
    // Lineage: pedigree ancestors are whole inline components.
    if let Some(p) = c.get("pedigree") {
        let notes = json::s(p, "notes").unwrap_or("");
        let (kind, conf) = match derivation_from_text(notes) {
            Some(k) => (k, Confidence::Inferred),
            None => (EdgeKind::DerivedFrom, Confidence::Stated),
        };
        for (i, a) in json::arr(p, "ancestors").iter().enumerate() {
            let aloc = format!("{loc}/pedigree/ancestors/{i}");
            let akey = component(a, &aloc, ex, false, datasets_seen);
            let raw = if notes.is_empty() { json::s(a, "name").unwrap_or("").to_string() } else { format!("{} ({notes})", json::s(a, "name").unwrap_or("")) };
            ex.edge(&key, &akey, kind, conf, aloc, raw);
        }
    }
    if let Some(mp) = c.get("modelCard").and_then(|m| m.get("modelParameters")) {
        for (i, d) in json::arr(mp, "datasets").iter().enumerate() {
            let dloc = format!("{loc}/modelCard/modelParameters/datasets/{i}");
            if let Some(r) = json::s(d, "ref") {
                datasets_seen.push((key.clone(), r.to_string()));
                ex.edge(&key, r, EdgeKind::TrainedOrTestedOn, Confidence::Stated, dloc, format!("ref {r}"));
            } else {
                // Inline componentData: it has no licence field.
                let dkey = format!("#{dloc}");
                let name = json::s(d, "name").unwrap_or("unnamed dataset").to_string();
                let rc = ex.comp(&dkey);
                rc.kind = Some(ComponentKind::Dataset);
                rc.set_name(&name);
                rc.dataset = Some(Default::default());
                if name.contains('/') && !name.contains(' ') {
                    rc.hf_id = Some(name.clone());
                }
                if let Some(u) = d.get("contents").and_then(|x| json::s(x, "url"))
                    && rc.hf_id.is_none() {
                        rc.hf_id = hf_id_from_url(u);
                    }
                ex.edge(&key, &dkey, EdgeKind::TrainedOrTestedOn, Confidence::Stated, dloc, name);
            }
        }
    }
    // A role property on a data component refines the unspecified edge.
    if kind == ComponentKind::Dataset
        && let Some(role) = dataset_role(c) {
            let pending: Vec<String> = ex.edges.iter().filter(|e| e.to == key && e.kind == EdgeKind::TrainedOrTestedOn).map(|e| e.from.clone()).collect();
            for from in pending {
                ex.edge(&from, &key, role, Confidence::Inferred, format!("{loc}/properties (dataset-role)"), format!("{} {}", role.word(), key));
            }
        }
    key
}

fn fill(rc: &mut RawComponent, c: &Value, kind: ComponentKind, is_subject: bool) {
    rc.kind = Some(kind);
    rc.is_subject |= is_subject;
    let name = json::s(c, "name").unwrap_or("");
    let data_name = json::arr(c, "data").first().and_then(|d| json::s(d, "name"));
    match (json::s(c, "group"), data_name) {
        (_, Some(dn)) if dn.ends_with(name) => rc.set_name(dn),
        (Some(g), _) if kind == ComponentKind::Model || kind == ComponentKind::Dataset => rc.set_name(&format!("{g}/{name}")),
        _ => rc.set_name(name),
    }
    if kind == ComponentKind::File {
        rc.path = Some(name.trim_start_matches("./").to_string());
    }
    rc.version = json::s(c, "version").map(str::to_string);
    for h in json::arr(c, "hashes") {
        if let (Some(a), Some(v)) = (json::s(h, "alg"), json::s(h, "content")) {
            rc.add_digest(a, v);
        }
    }
    if let Some(p) = json::s(c, "purl") {
        rc.add_purl(p);
    }
    if kind == ComponentKind::Dataset {
        rc.dataset.get_or_insert_with(Default::default);
        for d in json::arr(c, "data") {
            if let Some(u) = d.get("contents").and_then(|x| json::s(x, "url"))
                && rc.hf_id.is_none() {
                    rc.hf_id = hf_id_from_url(u);
                }
        }
    }
}

fn licenses(c: &Value, loc: &str, key: &str, ex: &mut Extract) {
    // (kind, licences, names, ids) per claim kind.
    type KindGroup = (ClaimKind, Vec<LicenseValue>, Vec<String>, Vec<String>);
    let mut by_kind: Vec<KindGroup> = Vec::new();
    for (i, l) in json::arr(c, "licenses").iter().enumerate() {
        let lloc = format!("{loc}/licenses/{i}");
        let ack = json::s(l, "acknowledgement").or_else(|| l.get("license").and_then(|x| json::s(x, "acknowledgement")));
        let kind = if ack == Some("concluded") { ClaimKind::Concluded } else { ClaimKind::Declared };
        let (value, raw) = if let Some(e) = json::s(l, "expression") {
            (parse_spdx(e).value, e.to_string())
        } else if let Some(lic) = l.get("license") {
            if let Some(id) = json::s(lic, "id") {
                let p = parse_spdx(id);
                if !p.value.is_known() {
                    ex.warn(format!("{lloc}: license.id `{id}` is not an SPDX id"));
                }
                (p.value, id.to_string())
            } else if let Some(name) = json::s(lic, "name") {
                let id = format!("LicenseRef-{}", ref_safe(name));
                ex.customs.push(RawCustom {
                    id: id.clone(),
                    name: Some(name.to_string()),
                    urls: json::s(lic, "url").map(|u| vec![u.to_string()]).unwrap_or_default(),
                    text: lic.get("text").and_then(|t| json::s(t, "content")).map(str::to_string),
                    locator: format!("{lloc}/license"),
                });
                (parse_spdx(&id).value, name.to_string())
            } else {
                ex.warn(format!("{lloc}: license without id or name"));
                (LicenseValue::Unknown { raw: lic.to_string(), reason: "license without id or name".into() }, lic.to_string())
            }
        } else {
            ex.warn(format!("{lloc}: neither `license` nor `expression`"));
            continue;
        };
        match by_kind.iter_mut().find(|(k, ..)| *k == kind) {
            Some(e) => {
                e.1.push(value);
                e.2.push(raw);
                e.3.push(lloc);
            }
            None => by_kind.push((kind, vec![value], vec![raw], vec![lloc])),
        }
    }
    for (kind, values, raws, locs) in by_kind {
        let several = values.len() > 1;
        let value = if several { and_all(&values) } else { values.into_iter().next().unwrap_or(LicenseValue::NoAssertion) };
        let note = several.then(|| "several licence entries, read as AND".to_string());
        ex.comp(key).license(value, kind, locs.join(", "), raws.join("; "), note);
    }
}

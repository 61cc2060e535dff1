//! Hugging Face model and dataset cards: the YAML front matter of
//! `README.md` (`license`, `license_name`, `license_link`, `datasets`,
//! `base_model`, `base_model_relation`, `model-index`, `source_datasets`).
//!
//! The YAML is parsed with `serde_yaml_ng` (a maintained fork of the
//! archived `serde_yaml`). When the YAML is malformed the top-level
//! `license:` and `base_model:` lines are salvaged line by line, and the
//! card is reported as malformed, so a broken card never loses its claims
//! silently.

use super::{Extract, RawCustom, hf_id_from_url, json};
use crate::meta::license::{and_all, map_hf_id};
use crate::meta::model::{ClaimKind, ComponentKind, Confidence, EdgeKind, LicenseValue};
use serde_json::Value;

/// Splits `---\nYAML\n---\nbody` into (yaml, body). `None` without front matter.
pub fn front_matter(text: &str) -> Option<(&str, &str)> {
    let t = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_end = t.find('\n')?;
    if t[..first_end].trim_end() != "---" {
        return None;
    }
    let rest = &t[first_end + 1..];
    let mut pos = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" || line.trim_end() == "..." {
            return Some((&rest[..pos], &rest[pos + line.len()..]));
        }
        pos += line.len();
    }
    None
}

/// Whether the front matter looks like a dataset card.
pub fn looks_like_dataset(v: &Value) -> bool {
    let has = |k: &str| v.get(k).is_some();
    !has("base_model")
        && !has("model-index")
        && !has("pipeline_tag")
        && !has("library_name")
        && (has("task_categories") || has("size_categories") || has("source_datasets") || has("pretty_name") || has("configs"))
}

/// Reads a card. `subject_hf_id` is the card's own Hub id when known (a card
/// looked up by id); `read_file` resolves a repo-relative `license_link`.
pub fn read(text: &str, dataset_hint: bool, subject_hf_id: Option<&str>, read_file: &dyn Fn(&str) -> Option<String>) -> (Extract, bool) {
    let mut ex = Extract::default();
    let Some((yaml, body)) = front_matter(text) else {
        ex.warn("no YAML front matter (--- … ---): the card states no licence or lineage metadata");
        ex.body = Some(text.to_string());
        let c = ex.comp("subject");
        c.is_subject = true;
        c.kind = Some(if dataset_hint { ComponentKind::Dataset } else { ComponentKind::Model });
        c.hf_id = subject_hf_id.map(str::to_string);
        return (ex, dataset_hint);
    };
    ex.body = Some(body.to_string());
    let v: Value = match serde_yaml_ng::from_str::<Value>(yaml) {
        Ok(Value::Null) => Value::Object(Default::default()),
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => {
            ex.warn("front matter is not a YAML mapping; salvaged top-level lines");
            salvage(yaml)
        }
        Err(e) => {
            ex.warn(format!("malformed YAML front matter ({e}); salvaged top-level `license:`/`base_model:`/`datasets:` lines"));
            salvage(yaml)
        }
    };
    let is_dataset = dataset_hint || looks_like_dataset(&v);
    let kind = if is_dataset { ComponentKind::Dataset } else { ComponentKind::Model };
    {
        let c = ex.comp("subject");
        c.is_subject = true;
        c.kind = Some(kind);
        c.hf_id = subject_hf_id.map(str::to_string);
        if let Some(n) = json::s(&v, "pretty_name") {
            c.set_name(n);
        }
        if let Some(n) = v.get("model-index").and_then(|m| m.get(0)).and_then(|m| json::s(m, "name")) {
            c.set_name(n);
        }
    }
    read_license(&v, &mut ex, read_file);
    if !is_dataset {
        read_model_lineage(&v, &mut ex);
    }
    for (i, d) in json::strings(v.get("source_datasets")).iter().enumerate() {
        let key = format!("hf:{d}");
        let c = ex.comp(&key);
        c.kind = Some(ComponentKind::Dataset);
        c.hf_id = Some(d.clone());
        ex.edge("subject", &key, EdgeKind::DatasetDerivedFrom, Confidence::Stated, format!("source_datasets[{i}]"), d.clone());
    }
    (ex, is_dataset)
}

fn salvage(yaml: &str) -> Value {
    let mut m = serde_json::Map::new();
    for line in yaml.lines() {
        if line.starts_with(' ') || line.starts_with('-') {
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            let k = k.trim();
            let v = v.trim().trim_matches(['"', '\'']);
            if matches!(k, "license" | "license_name" | "license_link" | "base_model" | "base_model_relation") && !v.is_empty() {
                m.insert(k.to_string(), Value::String(v.to_string()));
            }
        }
    }
    Value::Object(m)
}

fn read_license(v: &Value, ex: &mut Extract, read_file: &dyn Fn(&str) -> Option<String>) {
    let ids = json::strings(v.get("license"));
    let license_name = json::s(v, "license_name");
    let link = json::s(v, "license_link");
    if ids.is_empty() {
        if v.get("license").is_some() {
            ex.warn("`license` is neither a string nor a list of strings");
            let raw = v.get("license").map(|x| x.to_string()).unwrap_or_default();
            ex.comp("subject").license(
                LicenseValue::Unknown { raw: raw.clone(), reason: "unreadable `license` value".into() },
                ClaimKind::Declared,
                "license",
                raw,
                None,
            );
        }
        return;
    }
    let mut values = Vec::new();
    let mut notes = Vec::new();
    for id in &ids {
        let p = map_hf_id(id, license_name);
        if let LicenseValue::Expression { ids: lic_ids, .. } = &p.value {
            for r in lic_ids.iter().filter(|r| r.starts_with("LicenseRef-hf-")) {
                let mut custom = RawCustom { id: r.clone(), name: license_name.map(str::to_string), locator: "license_name".into(), ..Default::default() };
                if let Some(l) = link {
                    if l.starts_with("http://") || l.starts_with("https://") {
                        custom.urls.push(l.to_string());
                    } else {
                        match read_file(l) {
                            Some(t) => custom.text = Some(t),
                            None => ex.warnings.push(format!("license_link `{l}` names a file that is not in the repository")),
                        }
                        custom.locator = format!("license_link ({l})");
                    }
                }
                ex.customs.push(custom);
            }
        }
        if let Some(n) = p.note.clone() {
            notes.push(n);
        }
        values.push(p.value);
    }
    let raw = ids.join(", ");
    let value = if values.len() == 1 { values.remove(0) } else { and_all(&values) };
    if ids.len() > 1 {
        notes.push("the card lists several licences; the Hub does not define a list, read as AND (an assumption)".into());
    }
    let note = if notes.is_empty() { None } else { Some(notes.join("; ")) };
    ex.comp("subject").license(value, ClaimKind::Declared, "license", raw, note);
}

fn relation_kind(rel: Option<&str>, count: usize) -> (EdgeKind, Confidence) {
    match rel.map(|r| r.trim().to_ascii_lowercase()).as_deref() {
        Some("finetune") | Some("fine-tune") | Some("finetuned") => (EdgeKind::FineTunedFrom, Confidence::Stated),
        Some("adapter") => (EdgeKind::AdapterOf, Confidence::Stated),
        Some("quantized") | Some("quantised") => (EdgeKind::QuantizedFrom, Confidence::Stated),
        Some("merge") | Some("merged") => (EdgeKind::MergedFrom, Confidence::Stated),
        _ if count > 1 => (EdgeKind::MergedFrom, Confidence::Inferred),
        _ => (EdgeKind::DerivedFrom, Confidence::Stated),
    }
}

fn read_model_lineage(v: &Value, ex: &mut Extract) {
    let bases = json::strings(v.get("base_model"));
    let rel = json::s(v, "base_model_relation");
    let (kind, conf) = relation_kind(rel, bases.len());
    for (i, b) in bases.iter().enumerate() {
        let id = hf_id_from_url(b).unwrap_or_else(|| b.clone());
        let key = format!("hf:{id}");
        let c = ex.comp(&key);
        c.kind = Some(ComponentKind::Model);
        c.hf_id = Some(id.clone());
        let loc = if bases.len() > 1 { format!("base_model[{i}]") } else { "base_model".into() };
        let raw = match rel {
            Some(r) => format!("{b} (base_model_relation: {r})"),
            None => b.clone(),
        };
        ex.edge("subject", &key, kind, conf, loc, raw);
    }
    for (i, d) in json::strings(v.get("datasets")).iter().enumerate() {
        let key = format!("hf:{d}");
        let c = ex.comp(&key);
        c.kind = Some(ComponentKind::Dataset);
        c.hf_id = Some(d.clone());
        ex.edge("subject", &key, EdgeKind::TrainedOn, Confidence::Stated, format!("datasets[{i}]"), d.clone());
    }
    for (i, m) in json::arr(v, "model-index").iter().enumerate() {
        for (j, r) in json::arr(m, "results").iter().enumerate() {
            let Some(d) = r.get("dataset").and_then(|d| json::s(d, "type")) else { continue };
            let key = format!("hf:{d}");
            let c = ex.comp(&key);
            c.kind = Some(ComponentKind::Dataset);
            c.hf_id = Some(d.to_string());
            if let Some(n) = r.get("dataset").and_then(|d| json::s(d, "name")) {
                c.set_name(n);
            }
            ex.edge("subject", &key, EdgeKind::TestedOn, Confidence::Stated, format!("model-index[{i}].results[{j}].dataset.type"), d.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn meta_card_front_matter_and_lineage() {
        let text = "---\nlicense: apache-2.0\nbase_model: org/base\nbase_model_relation: finetune\ndatasets:\n- org/data\n---\n# body\n";
        let (ex, ds) = read(text, false, None, &none);
        assert!(!ds);
        assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
        let s = ex.components.iter().find(|c| c.is_subject).unwrap();
        assert_eq!(s.licenses[0].value.display(), "Apache-2.0");
        assert!(ex.edges.iter().any(|e| e.kind == EdgeKind::FineTunedFrom && e.to == "hf:org/base"));
        assert!(ex.edges.iter().any(|e| e.kind == EdgeKind::TrainedOn && e.to == "hf:org/data"));
    }

    #[test]
    fn meta_card_malformed_yaml_is_salvaged_with_warning() {
        let text = "---\nlicense: mit\nbase_model: org/base\ntags: [unclosed\n---\nbody";
        let (ex, _) = read(text, false, None, &none);
        assert!(ex.warnings.iter().any(|w| w.contains("malformed YAML")));
        let s = ex.components.iter().find(|c| c.is_subject).unwrap();
        assert_eq!(s.licenses[0].value.display(), "MIT");
        assert!(ex.edges.iter().any(|e| e.to == "hf:org/base"));
    }

    #[test]
    fn meta_card_without_front_matter_warns() {
        let (ex, _) = read("# just a readme\n", false, None, &none);
        assert_eq!(ex.warnings.len(), 1);
    }
}

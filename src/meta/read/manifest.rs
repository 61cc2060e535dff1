//! The provenance manifest shape from the industry write-ups
//! (`model-manifest.json`: model_name, version, artifact, artifact_sha256,
//! sbom, training_commit, training_container_digest,
//! datasets[{name, digest, license}], fine_tuned_from{model, digest}).
//! There is no published schema or crate for it; a handful of fields are
//! read from `serde_json::Value`.

use super::{Extract, json};
use crate::meta::license::parse_loose;
use crate::meta::model::{ClaimKind, ComponentKind, Confidence, EdgeKind};
use serde_json::Value;

pub fn sniff(v: &Value) -> bool {
    v.get("model_name").is_some() && (v.get("artifact_sha256").is_some() || v.get("fine_tuned_from").is_some() || v.get("datasets").is_some())
}

pub fn read(v: &Value) -> Extract {
    let mut ex = Extract::default();
    let name = json::s(v, "model_name").map(str::to_string);
    {
        let c = ex.comp("subject");
        c.is_subject = true;
        c.kind = Some(ComponentKind::Model);
        if let Some(n) = &name {
            c.set_name(n);
            if n.contains('/') && !n.contains(' ') {
                c.hf_id = Some(n.clone());
            }
        }
        c.version = json::s(v, "version").map(str::to_string);
    }
    if let Some(h) = json::s(v, "artifact_sha256") {
        let path = json::s(v, "artifact").unwrap_or("artifact").to_string();
        let key = format!("file:{path}");
        let c = ex.comp(&key);
        c.kind = Some(ComponentKind::File);
        c.path = Some(path.clone());
        c.set_name(&path);
        c.add_digest("sha256", h);
        if c.digests.is_empty() {
            ex.warn(format!("artifact_sha256 `{h}` is not hex"));
        }
    }
    if let Some(ft) = v.get("fine_tuned_from") {
        match json::s(ft, "model") {
            Some(m) => {
                let key = format!("hf:{m}");
                let c = ex.comp(&key);
                c.kind = Some(ComponentKind::Model);
                c.set_name(m);
                if m.contains('/') {
                    c.hf_id = Some(m.to_string());
                }
                if let Some(d) = json::s(ft, "digest") {
                    c.add_digest("", d);
                }
                ex.edge("subject", &key, EdgeKind::FineTunedFrom, Confidence::Stated, "/fine_tuned_from", m.to_string());
            }
            None => ex.warn("fine_tuned_from has no `model`"),
        }
    }
    for (i, d) in json::arr(v, "datasets").iter().enumerate() {
        let Some(n) = json::s(d, "name") else {
            ex.warn(format!("/datasets/{i} has no name; skipped"));
            continue;
        };
        let key = format!("ds:{i}:{n}");
        let c = ex.comp(&key);
        c.kind = Some(ComponentKind::Dataset);
        c.set_name(n);
        c.dataset = Some(Default::default());
        if n.contains('/') && !n.contains(' ') {
            c.hf_id = Some(n.to_string());
        }
        if let Some(dg) = json::s(d, "digest") {
            c.add_digest("", dg);
        }
        if let Some(l) = json::s(d, "license") {
            let p = parse_loose(l);
            c.license(p.value, ClaimKind::Declared, format!("/datasets/{i}/license"), l, p.note);
        }
        ex.edge("subject", &key, EdgeKind::TrainedOn, Confidence::Stated, format!("/datasets/{i}"), n.to_string());
    }
    if let Some(c) = json::s(v, "training_container_digest") {
        let key = "container:training";
        let comp = ex.comp(key);
        comp.kind = Some(ComponentKind::Container);
        comp.set_name("training container");
        comp.add_digest("", c);
        ex.edge("subject", key, EdgeKind::BuiltWith, Confidence::Stated, "/training_container_digest", c.to_string());
    }
    if let Some(c) = json::s(v, "training_commit") {
        let key = format!("commit:{c}");
        let comp = ex.comp(&key);
        comp.kind = Some(ComponentKind::Source);
        comp.set_name(&format!("training code @ {}", &c[..c.len().min(12)]));
        comp.add_digest(if c.len() == 64 { "sha256" } else { "sha1" }, c);
        ex.edge("subject", &key, EdgeKind::BuiltFromSource, Confidence::Stated, "/training_commit", c.to_string());
    }
    ex
}

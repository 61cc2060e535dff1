//! Reads every discovered document and joins what they say into one
//! component graph. Components are matched across documents by digest
//! first (never merging two whose digests of one algorithm differ), then by
//! purl, then by Hugging Face id, then by a name that is a Hub id (weak,
//! labelled). The documents inside the model all describe the model, so
//! their subjects are one component. Claims are attached, never merged.

use super::catalog::Catalog;
use super::discover::{Candidate, Hint, MAX_DOC_BYTES, discover, find_card};
use super::model::*;
use super::read::{self, Extract, RawCustom};
use crate::report::{FileStatus, VerificationReport, Verdict};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Options beyond the model root.
#[derive(Debug, Clone, Default)]
pub struct AnalyzeOptions {
    /// Local mirrors of Hugging Face cards, searched for base models and
    /// datasets named by id (`<dir>/<org>/<name>/README.md`, `<dir>/datasets/<name>/README.md`, …).
    pub card_dirs: Vec<PathBuf>,
}

/// One loaded document with what was read from it.
pub(crate) struct Loaded {
    pub doc: SourceDoc,
    pub extract: Extract,
}

pub(crate) fn coverage_for(rel: &str, inside: bool, report: &VerificationReport) -> Coverage {
    if !inside {
        return Coverage::OutsideModel;
    }
    if report.verdict == Verdict::Unsigned {
        return Coverage::NoSignature;
    }
    match report.files.iter().find(|f| f.path == rel) {
        Some(f) if f.status == FileStatus::Verified => match report.verdict {
            Verdict::Verified => Coverage::Covered,
            Verdict::Unpinned => Coverage::SignedUnpinned,
            _ => Coverage::NotCovered { reason: "the file's hash matches, but the signature did not verify".into() },
        },
        Some(f) => Coverage::NotCovered { reason: format!("file is {} in the verification report", f.status.word()) },
        None => Coverage::NotCovered { reason: "file is not in the signed manifest".into() },
    }
}

fn sha256_hex(b: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(b)))
}

fn read_text_file(root: &Path, rel: &str) -> Option<String> {
    if rel.contains("..") || rel.starts_with('/') {
        return None;
    }
    let p = root.join(rel);
    let meta = std::fs::metadata(&p).ok()?;
    if !meta.is_file() || meta.len() > MAX_DOC_BYTES {
        return None;
    }
    std::fs::read(&p).ok().map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// Reads one candidate into a document and its extract.
fn load(c: &Candidate, report: &VerificationReport, subject_hf_id: Option<&str>, dataset_hint: bool) -> Loaded {
    let coverage = coverage_for(&c.rel, c.inside_model, report);
    let mut doc = SourceDoc {
        path: c.rel.clone(),
        format: DocFormat::LicenseText,
        sha256: None,
        size: 0,
        version: None,
        coverage,
        warnings: Vec::new(),
    };
    let mut extract = Extract::default();
    // Weight files: only their header.
    if matches!(c.hint, Hint::Safetensors | Hint::Gguf) {
        doc.format = if c.hint == Hint::Gguf { DocFormat::Gguf } else { DocFormat::Safetensors };
        doc.size = std::fs::metadata(&c.abs).map(|m| m.len()).unwrap_or(0);
        match std::fs::File::open(&c.abs) {
            Ok(f) => {
                let mut r = std::io::BufReader::new(f);
                extract = if c.hint == Hint::Gguf { read::weights::read_gguf(&mut r, &c.rel) } else { read::weights::read_safetensors(&mut r, &c.rel) };
            }
            Err(e) => extract.warn(format!("cannot open: {e}")),
        }
        doc.version = extract.version.take();
        doc.warnings.append(&mut extract.warnings);
        return Loaded { doc, extract };
    }
    let size = std::fs::metadata(&c.abs).map(|m| m.len()).unwrap_or(0);
    doc.size = size;
    doc.format = match c.hint {
        Hint::Card => DocFormat::HfModelCard,
        Hint::License => DocFormat::LicenseText,
        Hint::Notice => DocFormat::NoticeText,
        Hint::TagValue => DocFormat::Spdx2TagValue,
        _ => DocFormat::Spdx2Json,
    };
    if size > MAX_DOC_BYTES {
        doc.warnings.push(format!("{size} bytes is larger than the {MAX_DOC_BYTES}-byte limit; not read"));
        return Loaded { doc, extract };
    }
    let bytes = match std::fs::read(&c.abs) {
        Ok(b) => b,
        Err(e) => {
            doc.warnings.push(format!("cannot read: {e}"));
            return Loaded { doc, extract };
        }
    };
    doc.sha256 = Some(sha256_hex(&bytes));
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let dir = c.abs.parent().map(Path::to_path_buf).unwrap_or_default();
    match c.hint {
        Hint::Card => {
            let reader = |rel: &str| read_text_file(&dir, rel);
            let (ex, is_dataset) = read::hfcard::read(&text, dataset_hint, subject_hf_id, &reader);
            if is_dataset {
                doc.format = DocFormat::HfDatasetCard;
            }
            extract = ex;
        }
        Hint::License | Hint::Notice => extract = read::license_file::read(&text, &c.rel, c.hint == Hint::Notice),
        Hint::TagValue => extract = read::spdx2::read_tag_value(&text),
        Hint::Json => {
            let first_json = if c.abs.extension().is_some_and(|e| e == "jsonl") {
                text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").to_string()
            } else {
                text.clone()
            };
            match serde_json::from_str::<serde_json::Value>(&first_json) {
                Ok(v) => {
                    if read::spdx2::sniff(&v) {
                        extract = read::spdx2::read_json(&v);
                    } else if read::spdx3::sniff(&v) {
                        doc.format = DocFormat::Spdx3JsonLd;
                        extract = read::spdx3::read(&v);
                    } else if read::cyclonedx::sniff(&v) {
                        doc.format = DocFormat::CycloneDx;
                        extract = read::cyclonedx::read(&v);
                    } else if read::intoto::sniff(&v) {
                        doc.format = DocFormat::InToto;
                        extract = read::intoto::read(&v);
                    } else if read::manifest::sniff(&v) {
                        doc.format = DocFormat::ProvenanceManifest;
                        extract = read::manifest::read(&v);
                    } else {
                        doc.warnings.push("JSON with a metadata-like key, but not a format this tool reads".into());
                    }
                }
                Err(e) => {
                    doc.format = guess_format(&first_json);
                    doc.warnings.push(format!("malformed JSON ({e}); no claims could be read from it"));
                }
            }
        }
        _ => {}
    }
    doc.version = extract.version.take();
    doc.warnings.append(&mut extract.warnings);
    Loaded { doc, extract }
}

fn guess_format(text: &str) -> DocFormat {
    if text.contains("\"spdxVersion\"") {
        DocFormat::Spdx2Json
    } else if text.contains("\"@graph\"") {
        DocFormat::Spdx3JsonLd
    } else if text.contains("\"bomFormat\"") {
        DocFormat::CycloneDx
    } else if text.contains("\"_type\"") || text.contains("\"payloadType\"") {
        DocFormat::InToto
    } else {
        DocFormat::ProvenanceManifest
    }
}

/// Union-find over (document, component index) with digest sets per group.
struct Groups {
    parent: Vec<usize>,
    digests: Vec<BTreeMap<String, BTreeSet<String>>>,
    file_like: Vec<bool>,
    how: Vec<BTreeSet<String>>,
    refused: Vec<String>,
}

impl Groups {
    fn find(&mut self, x: usize) -> usize {
        let mut r = x;
        while self.parent[r] != r {
            r = self.parent[r];
        }
        let mut y = x;
        while self.parent[y] != r {
            let n = self.parent[y];
            self.parent[y] = r;
            y = n;
        }
        r
    }

    /// Joins unless both groups have a digest of one algorithm and none agree.
    fn union(&mut self, a: usize, b: usize, how: &str, label: &dyn Fn(usize) -> String) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return true;
        }
        for (alg, set) in &self.digests[ra] {
            if let Some(other) = self.digests[rb].get(alg)
                && set.is_disjoint(other) {
                    let msg = format!(
                        "{} and {} match by {how} but their {alg} digests differ; kept apart",
                        label(a),
                        label(b)
                    );
                    if !self.refused.contains(&msg) {
                        self.refused.push(msg);
                    }
                    return false;
                }
        }
        let moved = std::mem::take(&mut self.digests[rb]);
        for (alg, set) in moved {
            self.digests[ra].entry(alg).or_default().extend(set);
        }
        let h = std::mem::take(&mut self.how[rb]);
        self.how[ra].extend(h);
        self.how[ra].insert(how.to_string());
        self.file_like[ra] |= self.file_like[rb];
        self.parent[rb] = ra;
        true
    }
}

fn looks_like_hf_id(s: &str) -> bool {
    let mut parts = s.split('/');
    matches!((parts.next(), parts.next(), parts.next()), (Some(a), Some(b), None) if !a.is_empty() && !b.is_empty())
        && !s.contains(' ')
        && !s.contains(':')
}

/// Builds the merged report from loaded documents.
pub(crate) fn build(root: &Path, loaded: Vec<Loaded>, mut warnings: Vec<String>) -> MetadataReport {
    let documents: Vec<SourceDoc> = loaded.iter().map(|l| l.doc.clone()).collect();
    // Flatten components.
    let mut nodes: Vec<(DocId, usize)> = Vec::new();
    for (d, l) in loaded.iter().enumerate() {
        for i in 0..l.extract.components.len() {
            nodes.push((d, i));
        }
    }
    let comp = |n: usize| &loaded[nodes[n].0].extract.components[nodes[n].1];
    let label = |n: usize| {
        let c = comp(n);
        format!("`{}` in {}", c.name.clone().or(c.hf_id.clone()).unwrap_or(c.key.clone()), documents[nodes[n].0].path)
    };
    let mut g = Groups {
        parent: (0..nodes.len()).collect(),
        digests: (0..nodes.len())
            .map(|n| {
                let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
                for (a, v) in &comp(n).digests {
                    m.entry(a.clone()).or_default().insert(v.clone());
                }
                m
            })
            .collect(),
        file_like: (0..nodes.len()).map(|n| comp(n).kind == Some(ComponentKind::File)).collect(),
        how: vec![BTreeSet::new(); nodes.len()],
        refused: Vec::new(),
    };
    // 1. Subjects of documents describing the model folder are the model.
    let subjects: Vec<usize> = (0..nodes.len())
        .filter(|&n| comp(n).is_subject && documents[nodes[n].0].coverage != Coverage::OutsideModel)
        .collect();
    let subjects = if subjects.is_empty() {
        // Documents found only beside the signature still describe the model.
        (0..nodes.len()).filter(|&n| comp(n).is_subject && loaded[nodes[n].0].extract.body.is_none()).collect()
    } else {
        subjects
    };
    for w in subjects.windows(2) {
        // The model folder's documents describe one model even if hashes differ
        // (a CycloneDX subject hash is usually the weights file's).
        let (ra, rb) = (g.find(w[0]), g.find(w[1]));
        if ra != rb {
            let moved = std::mem::take(&mut g.digests[rb]);
            for (alg, set) in moved {
                g.digests[ra].entry(alg).or_default().extend(set);
            }
            g.how[ra].insert("subject".into());
            g.parent[rb] = ra;
        }
    }
    // 2. Keys, strongest first. Files only match files.
    let mut by_key: HashMap<(String, bool), usize> = HashMap::new();
    type Pass<'a> = (&'a str, &'a dyn Fn(usize) -> Vec<String>);
    let passes: [Pass; 5] = [
        ("digest", &|n| comp(n).digests.iter().map(|(a, v)| format!("{a}:{v}")).collect()),
        ("path", &|n| comp(n).path.iter().filter(|_| comp(n).kind == Some(ComponentKind::File)).map(|p| p.to_string()).collect()),
        ("purl", &|n| comp(n).purls.iter().map(|p| read::purl_key(p)).collect()),
        ("hf-id", &|n| comp(n).hf_id.iter().map(|h| h.to_ascii_lowercase()).collect()),
        ("name", &|n| comp(n).name.iter().filter(|s| looks_like_hf_id(s)).map(|s| s.to_ascii_lowercase()).collect()),
    ];
    for (how, keys) in passes.iter() {
        for n in 0..nodes.len() {
            let file = comp(n).kind == Some(ComponentKind::File);
            for k in keys(n) {
                // Names and HF ids share one key space.
                let space = if *how == "name" { "hf-id" } else { how };
                let key = (format!("{space}:{k}"), file);
                match by_key.get(&key) {
                    Some(&other) => {
                        g.union(other, n, how, &label);
                    }
                    None => {
                        by_key.insert(key, n);
                    }
                }
            }
        }
    }
    warnings.extend(g.refused.iter().cloned());
    // 3. Groups → components.
    let mut group_of: HashMap<usize, ComponentId> = HashMap::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for n in 0..nodes.len() {
        let r = g.find(n);
        let id = *group_of.entry(r).or_insert_with(|| {
            members.push(Vec::new());
            members.len() - 1
        });
        members[id].push(n);
    }
    let root_group = subjects.first().map(|&s| group_of[&g.find(s)]);
    let mut components: Vec<Component> = Vec::new();
    for (id, ms) in members.iter().enumerate() {
        let r = g.find(ms[0]);
        let mut kinds: Vec<ComponentKind> = ms.iter().filter_map(|&n| comp(n).kind).filter(|k| *k != ComponentKind::Other).collect();
        kinds.sort();
        let is_root = Some(id) == root_group;
        let kind = if is_root && !kinds.contains(&ComponentKind::Model) && kinds.contains(&ComponentKind::Dataset) {
            ComponentKind::Dataset
        } else if is_root {
            ComponentKind::Model
        } else {
            kinds.first().copied().unwrap_or(ComponentKind::Other)
        };
        let mut identity = Identity::default();
        let mut names: Vec<String> = Vec::new();
        let mut versions: Vec<String> = Vec::new();
        let mut path = None;
        let mut dataset: Option<DatasetFacts> = None;
        let mut mentioned_in: Vec<DocId> = Vec::new();
        let mut licenses: Vec<LicenseClaim> = Vec::new();
        for &n in ms {
            let (d, _) = nodes[n];
            let c = comp(n);
            if !mentioned_in.contains(&d) {
                mentioned_in.push(d);
            }
            for (a, v) in &c.digests {
                let e = identity.digests.entry(a.clone()).or_default();
                if !e.contains(v) {
                    e.push(v.clone());
                }
            }
            for p in &c.purls {
                if !identity.purls.contains(p) {
                    identity.purls.push(p.clone());
                }
            }
            if let Some(h) = &c.hf_id
                && !identity.hf_ids.iter().any(|x| x.eq_ignore_ascii_case(h)) {
                    identity.hf_ids.push(h.clone());
                }
            if !c.key.starts_with('#') && c.key != "subject" && !identity.aliases.contains(&c.key) {
                identity.aliases.push(c.key.clone());
            }
            if let Some(nm) = &c.name
                && !names.contains(nm) {
                    names.push(nm.clone());
                }
            if let Some(v) = &c.version
                && !versions.contains(v) {
                    versions.push(v.clone());
                }
            if path.is_none() {
                path = c.path.clone();
            }
            if let Some(f) = &c.dataset {
                let df = dataset.get_or_insert_with(Default::default);
                df.intended_use = df.intended_use.take().or(f.intended_use.clone());
                df.availability = df.availability.take().or(f.availability.clone());
                df.sensitive_personal_information = df.sensitive_personal_information.take().or(f.sensitive_personal_information.clone());
                df.size_bytes = df.size_bytes.or(f.size_bytes);
                for b in &f.known_bias {
                    if !df.known_bias.contains(b) {
                        df.known_bias.push(b.clone());
                    }
                }
            }
            let signed = documents[d].coverage.is_covered();
            for l in &c.licenses {
                licenses.push(LicenseClaim {
                    value: l.value.clone(),
                    kind: l.kind,
                    evidence: Evidence { doc: Some(d), locator: l.locator.clone(), raw: l.raw.clone() },
                    note: l.note.clone(),
                    signed,
                });
            }
        }
        if kind == ComponentKind::Dataset && dataset.is_none() {
            dataset = Some(Default::default());
        }
        let name = identity
            .hf_ids
            .first()
            .cloned()
            .or_else(|| names.iter().find(|n| looks_like_hf_id(n)).cloned())
            .or_else(|| names.first().cloned())
            .or_else(|| path.clone())
            .unwrap_or_else(|| {
                if is_root {
                    root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "model".into())
                } else {
                    "unnamed".into()
                }
            });
        components.push(Component {
            id,
            kind,
            name,
            names,
            versions,
            identity,
            is_root,
            path,
            licenses,
            dataset,
            mentioned_in,
            matched_by: g.how[r].iter().cloned().collect(),
        });
    }
    let model = match root_group {
        Some(m) => Some(m),
        None => {
            // No document describes the model: still give it a component.
            components.push(Component {
                id: components.len(),
                kind: ComponentKind::Model,
                name: root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "model".into()),
                names: Vec::new(),
                versions: Vec::new(),
                identity: Identity::default(),
                is_root: true,
                path: None,
                licenses: Vec::new(),
                dataset: None,
                mentioned_in: Vec::new(),
                matched_by: Vec::new(),
            });
            Some(components.len() - 1)
        }
    };
    // 4. Edges.
    let node_of: HashMap<(DocId, &str), usize> = nodes.iter().enumerate().map(|(n, &(d, i))| ((d, loaded[d].extract.components[i].key.as_str()), n)).collect();
    let mut edges: Vec<LineageEdge> = Vec::new();
    for (d, l) in loaded.iter().enumerate() {
        for e in &l.extract.edges {
            let (Some(&a), Some(&b)) = (node_of.get(&(d, e.from.as_str())), node_of.get(&(d, e.to.as_str()))) else {
                warnings.push(format!("{}: {} {} {} names an element the document does not define", documents[d].path, e.from, e.kind.word(), e.to));
                continue;
            };
            let (ca, cb) = (group_of[&g.find(a)], group_of[&g.find(b)]);
            if ca == cb {
                warnings.push(format!("{}: {} says `{}` {} itself; ignored", documents[d].path, e.locator, components[ca].name, e.kind.word()));
                continue;
            }
            let claim = EdgeClaim {
                evidence: Evidence { doc: Some(d), locator: e.locator.clone(), raw: e.raw.clone() },
                stated_kind: e.kind,
                confidence: e.confidence,
                signed: documents[d].coverage.is_covered(),
            };
            match edges.iter_mut().find(|x| x.from == ca && x.to == cb && x.kind == e.kind) {
                Some(x) => {
                    if !x.claims.contains(&claim) {
                        x.claims.push(claim)
                    }
                }
                None => edges.push(LineageEdge { from: ca, to: cb, kind: e.kind, claims: vec![claim] }),
            }
        }
    }
    let edges = fold_edges(edges);
    let custom_licenses = unify_customs(&loaded, &components);
    MetadataReport {
        schema: METADATA_SCHEMA.to_string(),
        root: root.display().to_string(),
        model,
        documents,
        components,
        custom_licenses,
        edges,
        findings: Vec::new(),
        warnings,
        policy: String::new(),
    }
}

/// Folds less specific edges into more specific ones between the same pair:
/// `derived_from` into `fine_tuned_from` etc., `trained_or_tested_on` into
/// `trained_on`/`tested_on`. The folded claims keep their stated kind.
fn fold_edges(mut edges: Vec<LineageEdge>) -> Vec<LineageEdge> {
    edges.sort_by_key(|e| (e.from, e.to, e.kind));
    let pairs: BTreeSet<(ComponentId, ComponentId)> = edges.iter().map(|e| (e.from, e.to)).collect();
    let mut out: Vec<LineageEdge> = Vec::new();
    for (f, t) in pairs {
        let group: Vec<&LineageEdge> = edges.iter().filter(|e| e.from == f && e.to == t).collect();
        let has_specific = group.iter().any(|e| e.kind.is_specific_derivation());
        let has_role = group.iter().any(|e| matches!(e.kind, EdgeKind::TrainedOn | EdgeKind::TestedOn));
        let folds = |k: EdgeKind| (k == EdgeKind::DerivedFrom && has_specific) || (k == EdgeKind::TrainedOrTestedOn && has_role);
        let mut kept: Vec<LineageEdge> = group.iter().filter(|e| !folds(e.kind)).map(|e| (*e).clone()).collect();
        for e in group.iter().filter(|e| folds(e.kind)) {
            for k in kept.iter_mut() {
                let target = if e.kind == EdgeKind::DerivedFrom {
                    k.kind.is_specific_derivation()
                } else {
                    matches!(k.kind, EdgeKind::TrainedOn | EdgeKind::TestedOn)
                };
                if target {
                    for c in &e.claims {
                        if !k.claims.contains(c) {
                            k.claims.push(c.clone());
                        }
                    }
                }
            }
        }
        out.extend(kept);
    }
    out
}

fn norm_url(u: &str) -> String {
    u.trim().trim_end_matches('/').to_ascii_lowercase()
}

fn norm_text_hash(t: &str) -> String {
    let norm: String = t.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    sha256_hex(norm.as_bytes())
}

/// Custom licences across documents, unified by id, URL or text.
fn unify_customs(loaded: &[Loaded], components: &[Component]) -> Vec<CustomLicense> {
    let mut raws: Vec<(DocId, &RawCustom)> = Vec::new();
    for (d, l) in loaded.iter().enumerate() {
        for c in &l.extract.customs {
            raws.push((d, c));
        }
    }
    let mut out: Vec<CustomLicense> = Vec::new();
    for (d, r) in raws {
        let urls: Vec<String> = r.urls.iter().map(|u| norm_url(u)).collect();
        let th = r.text.as_deref().filter(|t| !t.trim().is_empty()).map(norm_text_hash);
        let pos = out.iter().position(|c| {
            c.names.iter().any(|n| n == &r.id)
                || c.urls.iter().any(|u| urls.contains(&norm_url(u)))
                || (th.is_some() && c.text_sha256 == th)
        });
        let ev = Evidence { doc: Some(d), locator: r.locator.clone(), raw: r.name.clone().unwrap_or_else(|| r.id.clone()) };
        let c = match pos {
            Some(p) => &mut out[p],
            None => {
                out.push(CustomLicense {
                    id: r.id.clone(),
                    names: Vec::new(),
                    urls: Vec::new(),
                    text_sha256: None,
                    text_excerpt: None,
                    catalog: None,
                    inferred: Vec::new(),
                    evidence: Vec::new(),
                });
                out.last_mut().expect("just pushed")
            }
        };
        // Prefer an id a document defined over one we synthesised.
        if c.id.starts_with("LicenseRef-hf-") && !r.id.starts_with("LicenseRef-hf-") && loaded[d].doc.format != DocFormat::CycloneDx {
            c.id = r.id.clone();
        }
        for n in std::iter::once(r.id.clone()).chain(r.name.clone()) {
            if !c.names.contains(&n) {
                c.names.push(n);
            }
        }
        for u in &r.urls {
            if !c.urls.iter().any(|x| norm_url(x) == norm_url(u)) {
                c.urls.push(u.clone());
            }
        }
        if c.text_sha256.is_none()
            && let Some(t) = r.text.as_deref().filter(|t| !t.trim().is_empty()) {
                c.text_sha256 = th.clone();
                c.text_excerpt = Some(t.chars().take(2000).collect());
                let lower = t.to_lowercase();
                if (lower.contains("evaluat") || lower.contains("benchmark"))
                    && (lower.contains("not train") || lower.contains("no training") || lower.contains("training or fine-tuning on it is not") || lower.contains("may not train"))
                {
                    c.inferred.push("evaluation-only".into());
                }
                if lower.contains("non-commercial") || lower.contains("noncommercial") {
                    c.inferred.push("non-commercial".into());
                }
                if lower.contains("commercial") && (lower.contains("revenue") || lower.contains("separate") || lower.contains("monthly active")) {
                    c.inferred.push("commercial-conditional".into());
                }
                if lower.contains("prohibited use") || lower.contains("may not use the model") {
                    c.inferred.push("use-restrictions".into());
                }
                if lower.contains("pass-through") || lower.contains("binding on your recipients") {
                    c.inferred.push("flow-down".into());
                }
            }
        c.evidence.push(ev);
    }
    // Ids used in expressions but never defined.
    for comp in components {
        for cl in &comp.licenses {
            for id in cl.value.ids() {
                if id.starts_with("LicenseRef-") && !out.iter().any(|c| c.names.contains(id)) {
                    out.push(CustomLicense {
                        id: id.clone(),
                        names: vec![id.clone()],
                        urls: Vec::new(),
                        text_sha256: None,
                        text_excerpt: None,
                        catalog: None,
                        inferred: Vec::new(),
                        evidence: vec![cl.evidence.clone()],
                    });
                }
            }
        }
    }
    let cat = Catalog::get();
    for c in &mut out {
        c.catalog = c.names.iter().find_map(|n| cat.lookup(n)).map(|t| t.id.clone());
        c.inferred.dedup();
    }
    out
}

/// Loads the documents of the model, then cards for ids it names.
pub(crate) fn load_all(model_root: &Path, report: &VerificationReport, opts: &AnalyzeOptions) -> (Vec<Loaded>, Vec<String>) {
    let mut warnings = Vec::new();
    let sig = report.source.signature.as_deref().map(PathBuf::from);
    let cands = discover(model_root, sig.as_deref(), &mut warnings);
    let mut loaded: Vec<Loaded> = cands.iter().map(|c| load(c, report, None, false)).collect();
    let mut seen: BTreeSet<PathBuf> = cands.iter().filter_map(|c| std::fs::canonicalize(&c.abs).ok()).collect();
    if opts.card_dirs.is_empty() {
        return (loaded, warnings);
    }
    let mut looked: BTreeSet<String> = BTreeSet::new();
    for _round in 0..3 {
        let mut wanted: Vec<(String, bool)> = Vec::new();
        for l in &loaded {
            for c in l.extract.components.iter().filter(|c| !c.is_subject) {
                let dataset = c.kind == Some(ComponentKind::Dataset);
                if let Some(h) = c.hf_id.clone().or_else(|| c.name.clone().filter(|n| looks_like_hf_id(n)))
                    && (c.kind == Some(ComponentKind::Model) || dataset)
                        && looked.insert(h.to_ascii_lowercase()) {
                            wanted.push((h, dataset));
                        }
            }
        }
        if wanted.is_empty() {
            break;
        }
        for (h, dataset) in wanted {
            let Some(p) = find_card(&opts.card_dirs, &h, dataset) else { continue };
            let Ok(canon) = std::fs::canonicalize(&p) else { continue };
            if !seen.insert(canon) {
                continue;
            }
            let cand = Candidate { abs: p.clone(), rel: p.display().to_string(), hint: Hint::Card, inside_model: false };
            loaded.push(load(&cand, report, Some(&h), dataset));
        }
    }
    (loaded, warnings)
}

//! Findings: evidence-backed observations with a severity, never legal
//! conclusions. Each rule has a stable id; the policy can change a rule's
//! severity or switch it off, and its licence lists add allow/deny/review.

use super::catalog::{Catalog, Commercial, LicenseTerms};
use super::model::*;
use super::policy::{IntendedUse, ListVerdict, Policy};
use super::view::{commercial, comparable, effective, flags_of, license_label, LicenseFlag};
use crate::report::{VerificationReport, Verdict};
use std::collections::BTreeSet;

/// Texts the rules look into (not serialised).
#[derive(Debug, Default, Clone)]
pub struct Texts {
    /// Card bodies of cards inside the model.
    pub card_bodies: Vec<String>,
    /// (path, text) of LICENSE-like files inside the model.
    pub license_files: Vec<(String, String)>,
    /// (path, text) of NOTICE-like files inside the model.
    pub notice_files: Vec<(String, String)>,
}

struct Ctx<'a> {
    r: &'a MetadataReport,
    v: &'a VerificationReport,
    policy: &'a Policy,
    texts: &'a Texts,
    out: Vec<Finding>,
}

impl Ctx<'_> {
    fn push(&mut self, rule: &str, sev: Severity, subject: Option<ComponentId>, message: String, reasons: Vec<String>, evidence: Vec<Evidence>) {
        self.out.push(Finding { rule: rule.into(), severity: sev, subject, path: Vec::new(), message, reasons, evidence, policy_note: None });
    }

    fn name(&self, c: ComponentId) -> &str {
        &self.r.components[c].name
    }

    fn eff_label(&self, c: ComponentId) -> String {
        effective(&self.r.components[c]).map(|e| license_label(self.r, &e.value)).unwrap_or_else(|| "no licence stated".into())
    }

    fn src(&self, e: &Evidence) -> String {
        match e.doc {
            Some(d) => {
                let doc = &self.r.documents[d];
                format!("{} ({}, {}) at {}", doc.path, doc.format.label(), doc.coverage.describe(), e.locator)
            }
            None => format!("modelvet catalog ({})", e.locator),
        }
    }
}

fn terms_of(r: &MetadataReport, v: &LicenseValue) -> Vec<LicenseTerms> {
    let cat = Catalog::get();
    v.ids()
        .iter()
        .filter_map(|id| {
            cat.terms_for_id(id).or_else(|| {
                r.custom_licenses.iter().find(|c| c.names.contains(id)).and_then(|c| c.catalog.as_deref()).and_then(|k| cat.lookup(k)).cloned()
            })
        })
        .collect()
}

/// Components reachable from the model through derivation edges (model first).
fn base_chain(r: &MetadataReport) -> Vec<(ComponentId, Vec<ComponentId>)> {
    let Some(m) = r.model else { return Vec::new() };
    let mut out = vec![(m, vec![m])];
    let mut i = 0;
    while i < out.len() {
        let (c, path) = out[i].clone();
        for e in r.edges.iter().filter(|e| e.from == c && e.kind.is_derivation()) {
            if !out.iter().any(|(x, _)| *x == e.to) {
                let mut p = path.clone();
                p.push(e.to);
                out.push((e.to, p));
            }
        }
        i += 1;
    }
    out
}

/// Datasets used by the model or its bases: (dataset, edge kind, path).
fn data_uses(r: &MetadataReport, chain: &[(ComponentId, Vec<ComponentId>)]) -> Vec<(ComponentId, EdgeKind, Vec<ComponentId>)> {
    let mut out: Vec<(ComponentId, EdgeKind, Vec<ComponentId>)> = Vec::new();
    for (c, path) in chain {
        for e in r.edges.iter().filter(|e| e.from == *c && matches!(e.kind, EdgeKind::TrainedOn | EdgeKind::TestedOn | EdgeKind::TrainedOrTestedOn)) {
            let mut p = path.clone();
            p.push(e.to);
            out.push((e.to, e.kind, p.clone()));
            // Sources of a training dataset are training data too.
            if e.kind != EdgeKind::TestedOn {
                for s in r.edges.iter().filter(|s| s.from == e.to && s.kind == EdgeKind::DatasetDerivedFrom) {
                    let mut p2 = p.clone();
                    p2.push(s.to);
                    out.push((s.to, e.kind, p2));
                }
            }
        }
    }
    out
}

fn path_words(r: &MetadataReport, p: &[ComponentId]) -> String {
    p.iter().map(|c| r.components[*c].name.as_str()).collect::<Vec<_>>().join(" → ")
}

pub fn evaluate(r: &MetadataReport, v: &VerificationReport, policy: &Policy, texts: &Texts) -> Vec<Finding> {
    let mut cx = Ctx { r, v, policy, texts, out: Vec::new() };
    signature_rules(&mut cx);
    document_rules(&mut cx);
    let chain = base_chain(r);
    let uses = data_uses(r, &chain);
    model_rules(&mut cx, &chain);
    derivation_rules(&mut cx, &chain);
    data_rules(&mut cx, &uses);
    file_rules(&mut cx);
    disagreement_rules(&mut cx);
    policy_list_rules(&mut cx, &chain, &uses);
    // Policy severity overrides.
    let mut out = Vec::new();
    for mut f in cx.out {
        match policy.severity(&f.rule, f.severity) {
            None => continue,
            Some(s) if s != f.severity => {
                f.policy_note = Some(format!("severity changed from {} to {} by policy", f.severity.word(), s.word()));
                f.severity = s;
                out.push(f);
            }
            Some(_) => out.push(f),
        }
    }
    out.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule.cmp(&b.rule)));
    let mut seen = BTreeSet::new();
    out.retain(|f| seen.insert((f.rule.clone(), f.message.clone())));
    out
}

fn signature_rules(cx: &mut Ctx) {
    match cx.v.verdict {
        Verdict::Unsigned => cx.push(
            "SIG-MISSING",
            Severity::Warn,
            cx.r.model,
            "The model has no signature: no licence or lineage claim below is covered by a signature.".into(),
            vec!["no OMS signature was found for the model".into()],
            Vec::new(),
        ),
        Verdict::Unpinned => cx.push(
            "SIG-UNPINNED",
            Severity::Review,
            cx.r.model,
            "The model is signed but the signer was not pinned: signed documents are marked \"signed but signer unpinned\", which proves nothing about who published them.".into(),
            vec!["pass --key, --cert-chain or --identity/--issuer to pin the signer".into()],
            Vec::new(),
        ),
        Verdict::Failed => cx.push(
            "SIG-FAILED",
            Severity::Warn,
            cx.r.model,
            "Signature verification failed: no document counts as signed.".into(),
            cx.v.reasons.iter().take(5).cloned().collect(),
            Vec::new(),
        ),
        Verdict::Verified => {}
    }
    // Claims no signature covers.
    let mut uncovered = Vec::new();
    for (d, doc) in cx.r.documents.iter().enumerate() {
        let has_claims = cx.r.components.iter().any(|c| c.licenses.iter().any(|l| l.evidence.doc == Some(d)))
            || cx.r.edges.iter().any(|e| e.claims.iter().any(|c| c.evidence.doc == Some(d)));
        if has_claims && !doc.coverage.is_covered() {
            uncovered.push(format!("{}: {}", doc.path, doc.coverage.describe()));
        }
    }
    if !uncovered.is_empty() && cx.v.verdict != Verdict::Unsigned {
        cx.push(
            "CLAIM-UNSIGNED",
            Severity::Info,
            None,
            format!("{} document(s) make claims that no verified signature covers.", uncovered.len()),
            uncovered,
            Vec::new(),
        );
    }
}

fn document_rules(cx: &mut Ctx) {
    for doc in &cx.r.documents {
        if doc.warnings.is_empty() {
            continue;
        }
        let severe = doc.warnings.iter().any(|w| {
            let w = w.to_lowercase();
            w.contains("malformed") || w.contains("not read") || w.contains("cannot read") || w.contains("rejected") || w.contains("could not parse")
        });
        cx.push(
            "META-PARSE",
            if severe { Severity::Warn } else { Severity::Info },
            None,
            format!("{} ({}): {} problem(s) while reading", doc.path, doc.format.label(), doc.warnings.len()),
            doc.warnings.clone(),
            Vec::new(),
        );
    }
    for w in &cx.r.warnings {
        cx.push("META-PARSE", Severity::Info, None, w.clone(), Vec::new(), Vec::new());
    }
    let has_sbom = cx.r.documents.iter().any(|d| matches!(d.format, DocFormat::Spdx2Json | DocFormat::Spdx2TagValue | DocFormat::Spdx3JsonLd | DocFormat::CycloneDx));
    if !has_sbom {
        cx.push(
            "LIC-NO-SBOM",
            Severity::Review,
            cx.r.model,
            "No SBOM (SPDX or CycloneDX) ships with the model, so the licences of its individual files are unknown.".into(),
            Vec::new(),
            Vec::new(),
        );
    }
}

fn model_names(cx: &Ctx) -> Vec<String> {
    let Some(m) = cx.r.model else { return Vec::new() };
    let c = &cx.r.components[m];
    let mut n: Vec<String> = c.names.clone();
    n.extend(c.identity.hf_ids.iter().cloned());
    if n.is_empty() {
        n.push(c.name.clone());
    }
    n.into_iter().map(|x| x.rsplit('/').next().unwrap_or(&x).to_string()).collect()
}

fn notice_ok(cx: &Ctx, phrase: Option<&str>) -> bool {
    cx.texts.notice_files.iter().any(|(_, t)| phrase.is_none_or(|p| t.to_lowercase().contains(&p.to_lowercase())))
}

fn agreement_copy(cx: &Ctx, t: &LicenseTerms) -> bool {
    let name = t.name.to_lowercase();
    let short = name.trim_end_matches(" agreement").to_string();
    cx.texts.license_files.iter().any(|(_, x)| {
        let x = x.to_lowercase();
        x.contains(&short) && x.len() > 2000
    })
}

/// Obligations and restrictions of catalogued terms that apply to the model.
fn vendor_terms(cx: &mut Ctx, subject: ComponentId, t: &LicenseTerms, via: &str) {
    let mut info = Vec::new();
    if let Some(c) = &t.commercial_condition {
        info.push(format!("commercial use is conditional: {c}"));
    }
    for f in &t.field_of_use {
        info.push(format!("use restrictions: {f}"));
    }
    for o in &t.output_restrictions {
        info.push(format!("outputs: {o}"));
    }
    for g in &t.geo_restrictions {
        info.push(format!("geography: {g}"));
    }
    if t.flow_down {
        info.push("the use restrictions must be passed on to recipients (flow-down)".into());
    }
    if t.verify {
        info.push("catalog entry written from memory: check the current terms".into());
    }
    if !info.is_empty() {
        cx.push("LIC-FIELD-OF-USE", Severity::Info, Some(subject), format!("{} {via}: its conditions apply to whoever uses the model.", t.name), info, Vec::new());
    }
    // Obligations that can be checked in the repository.
    let mut missing = Vec::new();
    if t.notice_file && t.notice_phrase.is_some() && !notice_ok(cx, t.notice_phrase.as_deref()) {
        missing.push(format!("no Notice file containing \"{}\"", t.notice_phrase.as_deref().unwrap_or_default()));
    }
    if t.id.starts_with("LicenseRef-") && t.notice_file && !agreement_copy(cx, t) {
        missing.push(format!("no copy of the {} in the repository", t.name));
    }
    if let Some(p) = &t.display_phrase
        && !cx.texts.card_bodies.iter().any(|b| b.to_lowercase().contains(&p.to_lowercase())) {
            missing.push(format!("the model card does not display \"{p}\""));
        }
    if !missing.is_empty() {
        let mut reasons = missing;
        reasons.extend(t.attribution.iter().map(|a| format!("required: {a}")));
        cx.push("LIC-NOTICE", Severity::Warn, Some(subject), format!("Upstream notices required by the {} are missing.", t.name), reasons, Vec::new());
    }
    if let Some(prefix) = &t.naming_prefix {
        let names = model_names(cx);
        if !names.is_empty() && !names.iter().any(|n| n.to_lowercase().starts_with(&prefix.to_lowercase())) {
            cx.push(
                "LIC-NAMING",
                Severity::Warn,
                cx.r.model,
                format!("The {} requires a derived model's name to start with \"{prefix}\"; this model is named {}.", t.name, names.join(", ")),
                Vec::new(),
                Vec::new(),
            );
        }
    }
}

fn model_rules(cx: &mut Ctx, chain: &[(ComponentId, Vec<ComponentId>)]) {
    let Some(m) = cx.r.model else { return };
    let intended_commercial = cx.policy.intended_use == IntendedUse::Commercial;
    for (c, path) in chain {
        let comp = &cx.r.components[*c];
        let is_model = *c == m;
        let what = if is_model { "the model".to_string() } else { format!("base model {}", comp.name) };
        let Some(eff) = effective(comp) else {
            cx.push(
                "LIC-UNKNOWN",
                Severity::Review,
                Some(*c),
                format!("No document states a licence for {what}."),
                if is_model { vec![] } else { vec![format!("lineage: {}", path_words(cx.r, path)), "the derivative's terms cannot be checked against its base".into()] },
                Vec::new(),
            );
            continue;
        };
        let ev = vec![eff.evidence.clone()];
        match &eff.value {
            LicenseValue::Expression { ids, .. } => {
                let terms = terms_of(cx.r, &eff.value);
                let com = commercial(cx.r, &eff.value);
                let mut reasons = vec![format!("licence {} from {}", license_label(cx.r, &eff.value), cx.src(&eff.evidence))];
                if eff.kind == ClaimKind::Catalog {
                    reasons.push("taken from modelvet's catalog (the repository is published under it), not from any document".into());
                }
                match com {
                    Commercial::No if intended_commercial => cx.push("LIC-COMMERCIAL", Severity::Conflict, Some(*c), format!("The licence of {what} does not allow commercial use, and the intended use is commercial."), reasons.clone(), ev.clone()),
                    Commercial::Conditional => cx.push("LIC-COMMERCIAL", Severity::Review, Some(*c), format!("Commercial use of {what} is conditional."), reasons.clone(), ev.clone()),
                    _ => {}
                }
                // Custom licences not in the catalog.
                for id in ids {
                    let Some(cl) = cx.r.custom_licenses.iter().find(|x| x.names.contains(id)) else { continue };
                    if cl.catalog.is_some() || cx.policy.verdict(id) == ListVerdict::Allowed {
                        continue;
                    }
                    let mut rs = reasons.clone();
                    rs.push(format!("custom licence {} ({})", cl.id, cl.names.join(", ")));
                    if let Some(h) = &cl.text_sha256 {
                        rs.push(format!("text {h}"));
                    }
                    for u in &cl.urls {
                        rs.push(format!("see {u}"));
                    }
                    for i in &cl.inferred {
                        rs.push(format!("the text suggests: {i} (inferred from the text, not a legal reading)"));
                    }
                    if cl.text_sha256.is_some() {
                        rs.push("no SPDX licence matches the text".into());
                    }
                    cx.push("LIC-CUSTOM", Severity::Review, Some(*c), format!("{} is under custom terms that need legal review.", capitalise(&what)), rs, ev.clone());
                }
                for t in terms.iter().filter(|t| t.id.starts_with("LicenseRef-")) {
                    let via = if is_model { "applies to the model".to_string() } else { format!("applies through base model {}", comp.name) };
                    vendor_terms(cx, *c, t, &via);
                }
                if is_model && cx.texts.license_files.is_empty() && terms.iter().any(|t| !t.id.starts_with("LicenseRef-") && t.notice_file) {
                    cx.push(
                        "LIC-NOTICE",
                        Severity::Warn,
                        Some(*c),
                        format!("No licence file ships with the model, but {} requires its text to accompany redistribution.", license_label(cx.r, &eff.value)),
                        Vec::new(),
                        ev.clone(),
                    );
                }
                if is_model {
                    let mut obligations: Vec<String> = terms.iter().flat_map(|t| t.attribution.clone()).collect();
                    obligations.dedup();
                    let word = com.word();
                    let mut rs = reasons;
                    if !obligations.is_empty() {
                        rs.push(format!("obligations: {}", obligations.join("; ")));
                    }
                    cx.push("LIC-SUMMARY", Severity::Info, Some(*c), format!("The model's licence is {}; commercial use: {word}.", license_label(cx.r, &eff.value)), rs, ev);
                }
            }
            other => cx.push(
                "LIC-UNKNOWN",
                Severity::Review,
                Some(*c),
                format!("The licence of {what} is {}.", other.display()),
                vec![format!("from {}", cx.src(&eff.evidence))],
                ev,
            ),
        }
    }
    // Declared vs concluded (same component, any documents).
    for c in &cx.r.components {
        let d: BTreeSet<String> = c.licenses.iter().filter(|l| l.kind == ClaimKind::Declared && l.value.is_known()).map(|l| comparable(cx.r, &l.value)).collect();
        let k: BTreeSet<String> = c.licenses.iter().filter(|l| l.kind == ClaimKind::Concluded && l.value.is_known()).map(|l| comparable(cx.r, &l.value)).collect();
        if d.len() == 1 && k.len() == 1 && d != k {
            let dv = d.iter().next().cloned().unwrap_or_default();
            let kv = k.iter().next().cloned().unwrap_or_default();
            let extra: Vec<String> = cx
                .r
                .components
                .iter()
                .filter(|f| f.kind == ComponentKind::File)
                .filter_map(|f| effective(f).map(|e| (f, e)))
                .filter(|(_, e)| e.value.ids().iter().any(|i| kv.contains(i.as_str()) && !dv.contains(i.as_str())))
                .map(|(f, e)| format!("{} is {}", f.name, e.value.display()))
                .collect();
            let mut reasons = vec!["declared is the publisher's claim; concluded is the SBOM author's view after analysis".into()];
            if !extra.is_empty() {
                reasons.push(format!("explained by files: {}", extra.join(", ")));
            }
            cx.push("LIC-DECLARED-CONCLUDED", Severity::Info, Some(c.id), format!("{}: declared {dv}, concluded {kv}.", c.name), reasons, Vec::new());
        }
        for l in &c.licenses {
            if let Some(n) = &l.note
                && n.contains("-or-later") {
                    cx.push("LIC-AMBIGUOUS-VERSION", Severity::Info, Some(c.id), format!("{}: {n}.", c.name), Vec::new(), vec![l.evidence.clone()]);
                }
            if l.kind == ClaimKind::Detected {
                cx.push("LIC-FILE-REFERENCE", Severity::Info, Some(c.id), format!("{} refers to {} by name; it is not the full licence text.", l.evidence.locator, l.value.display()), l.note.iter().cloned().collect(), vec![l.evidence.clone()]);
            }
        }
    }
    let has_lineage = cx.r.edges.iter().any(|e| e.from == m);
    if !has_lineage {
        cx.push("LINEAGE-NONE", Severity::Info, Some(m), "No document states what the model was derived from or trained on.".into(), Vec::new(), Vec::new());
    }
}

fn derivation_rules(cx: &mut Ctx, chain: &[(ComponentId, Vec<ComponentId>)]) {
    let in_chain: Vec<ComponentId> = chain.iter().map(|(c, _)| *c).collect();
    for e in cx.r.edges.iter().filter(|e| e.kind.is_derivation() && in_chain.contains(&e.from)) {
        let (d, b) = (&cx.r.components[e.from], &cx.r.components[e.to]);
        let (Some(dl), Some(bl)) = (effective(d), effective(b)) else { continue };
        if !dl.value.is_known() || !bl.value.is_known() {
            continue;
        }
        let (dc, bc) = (comparable(cx.r, &dl.value), comparable(cx.r, &bl.value));
        let b_terms = terms_of(cx.r, &bl.value);
        let d_terms = terms_of(cx.r, &dl.value);
        let reasons = vec![
            format!("{} is {} ({})", d.name, license_label(cx.r, &dl.value), cx.src(&dl.evidence)),
            format!("{} is {} ({})", b.name, license_label(cx.r, &bl.value), cx.src(&bl.evidence)),
            format!("{} {} {}", d.name, e.kind.word(), b.name),
        ];
        if b_terms.iter().any(|t| t.no_derivatives) {
            cx.push("LIC-ND", Severity::Conflict, Some(e.from), format!("{} is a derivative of {}, whose licence forbids derivatives.", d.name, b.name), reasons.clone(), Vec::new());
        }
        if dc == bc || bc.split(" AND ").all(|x| dc.contains(x)) {
            continue;
        }
        let b_restricted = commercial(cx.r, &bl.value) != Commercial::Yes || b_terms.iter().any(|t| t.flow_down || !t.field_of_use.is_empty());
        let d_com = commercial(cx.r, &dl.value);
        let d_restricted = d_com != Commercial::Yes || d_terms.iter().any(|t| t.flow_down || !t.field_of_use.is_empty()) || d_terms.len() < dl.value.ids().len();
        if b_restricted && !d_restricted {
            cx.push(
                "LIC-DERIV-PERMISSIVE",
                Severity::Conflict,
                Some(e.from),
                format!("{} declares a more permissive licence than its base {}; the base's terms still bind the derivative.", d.name, b.name),
                reasons,
                vec![dl.evidence.clone(), bl.evidence.clone()],
            );
        } else if !b_restricted {
            // A permissive base relicensed under other terms: its notices must travel.
            let mut rs = reasons;
            let mut missing = Vec::new();
            let base_ids: Vec<&String> = bl.value.ids().iter().collect();
            let has_base_text = cx.texts.license_files.iter().any(|(_, t)| base_ids.iter().any(|id| super::read::license_file::references(t).iter().any(|(x, _)| x.contains(id.as_str()))));
            if !has_base_text {
                missing.push(format!("no licence file with the {} text", base_ids.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")));
            }
            if b_terms.iter().any(|t| t.notice_file) && cx.texts.notice_files.is_empty() {
                missing.push("no upstream NOTICE file".into());
            }
            let sev = if missing.is_empty() { Severity::Info } else { Severity::Warn };
            rs.extend(missing);
            rs.push(format!("the restrictions come from whoever published {}, not from the publisher of {}", d.name, b.name));
            cx.push(
                "LIC-DERIV-RESTRICTIVE",
                sev,
                Some(e.from),
                format!("{} is redistributed under different terms than its base {}; the base licence allows that only if its text and notices go with the files.", d.name, b.name),
                rs,
                vec![dl.evidence.clone(), bl.evidence.clone()],
            );
        } else {
            cx.push(
                "LIC-DERIV-DIFFERS",
                Severity::Review,
                Some(e.from),
                format!("{} and its base {} have different restrictive licences; check that the base's terms are honoured.", d.name, b.name),
                reasons,
                vec![dl.evidence.clone(), bl.evidence.clone()],
            );
        }
    }
}

fn data_rules(cx: &mut Ctx, uses: &[(ComponentId, EdgeKind, Vec<ComponentId>)]) {
    let intended_commercial = cx.policy.intended_use == IntendedUse::Commercial;
    let mut done: BTreeSet<(ComponentId, EdgeKind, &str)> = BTreeSet::new();
    for (d, kind, path) in uses {
        let comp = &cx.r.components[*d];
        let lineage = format!("lineage: {}", path_words(cx.r, path));
        let role = match kind {
            EdgeKind::TrainedOn => "training",
            EdgeKind::TestedOn => "evaluation",
            _ => "training or evaluation (role unspecified)",
        };
        let via_source = path.len() >= 2 && cx.r.edges.iter().any(|e| e.from == path[path.len() - 2] && e.to == *d && e.kind == EdgeKind::DatasetDerivedFrom);
        let Some(eff) = effective(comp) else {
            if *kind != EdgeKind::TestedOn && done.insert((*d, *kind, "unknown")) {
                if via_source {
                    cx.push("LIC-UNKNOWN", Severity::Info, Some(*d), format!("No document states a licence for source dataset {}; the dataset built from it states its own.", comp.name), vec![lineage], Vec::new());
                } else {
                    cx.push("LIC-UNKNOWN", Severity::Review, Some(*d), format!("No document states a licence for {role} data {}.", comp.name), vec![lineage], Vec::new());
                }
            }
            continue;
        };
        let flags = flags_of(cx.r, &eff.value);
        let reasons = vec![format!("{} is {} ({})", comp.name, license_label(cx.r, &eff.value), cx.src(&eff.evidence)), lineage.clone()];
        if flags.contains(&LicenseFlag::EvaluationOnly) {
            match kind {
                EdgeKind::TrainedOn if done.insert((*d, *kind, "eval")) => cx.push("LIC-EVAL-ONLY-TRAINED", Severity::Conflict, Some(*d), format!("{} has evaluation-only terms but is listed as training data.", comp.name), reasons.clone(), vec![eff.evidence.clone()]),
                EdgeKind::TrainedOrTestedOn if done.insert((*d, *kind, "eval")) => cx.push("LIC-EVAL-ONLY-TRAINED", Severity::Review, Some(*d), format!("{} has evaluation-only terms; the documents do not say whether it was used for training or evaluation (role unspecified).", comp.name), reasons.clone(), vec![eff.evidence.clone()]),
                _ => {}
            }
        }
        if *kind == EdgeKind::TestedOn {
            continue;
        }
        if flags.contains(&LicenseFlag::NonCommercial) && done.insert((*d, *kind, "nc")) {
            let mut reasons = reasons.clone();
            let model_com = cx.r.model.and_then(|m| effective(&cx.r.components[m])).map(|e| commercial(cx.r, &e.value));
            let offered = cx.texts.card_bodies.iter().flat_map(|b| b.lines()).find(|l| {
                let l = l.to_lowercase();
                (l.contains("commercial") && !l.contains("non-commercial")) || l.contains("paid") || l.contains("customers")
            });
            if let Some(line) = offered {
                reasons.push(format!("the model card says: \"{}\"", line.trim()));
            }
            if let Some(c) = model_com {
                reasons.push(format!("the model's own licence allows commercial use: {}", c.word()));
            }
            reasons.push("whether non-commercial terms reach trained weights is legally unsettled: legal review is required".into());
            if intended_commercial {
                let sev = if *kind == EdgeKind::TrainedOn { Severity::Conflict } else { Severity::Review };
                cx.push("LIC-NC-DATA", sev, Some(*d), format!("Non-commercial {role} data ({}) feeds a model intended for commercial use.", comp.name), reasons.clone(), vec![eff.evidence.clone()]);
            } else {
                cx.push("LIC-NC-DATA", Severity::Info, Some(*d), format!("{role} data {} is non-commercial; the intended use is {}.", comp.name, cx.policy.intended_use_word()), reasons.clone(), vec![eff.evidence.clone()]);
            }
        }
        if flags.contains(&LicenseFlag::NoDerivatives) && done.insert((*d, *kind, "nd")) {
            cx.push("LIC-ND", Severity::Conflict, Some(*d), format!("{role} data {} is under a no-derivatives licence.", comp.name), reasons.clone(), vec![eff.evidence.clone()]);
        }
        if flags.contains(&LicenseFlag::ShareAlike) && done.insert((*d, *kind, "sa")) {
            cx.push("LIC-SHAREALIKE", Severity::Review, Some(*d), format!("{role} data {} is under a share-alike licence; whether weights are adapted material is unsettled.", comp.name), reasons.clone(), vec![eff.evidence.clone()]);
        }
        if flags.contains(&LicenseFlag::Attribution) && done.insert((*d, EdgeKind::TrainedOn, "attr")) {
            let terms = terms_of(cx.r, &eff.value);
            let mut rs = reasons.clone();
            rs.extend(terms.iter().flat_map(|t| t.attribution.clone()));
            cx.push("LIC-ATTRIBUTION", Severity::Info, Some(*d), format!("Attribution is owed for {role} data {} ({}).", comp.name, license_label(cx.r, &eff.value)), rs, vec![eff.evidence.clone()]);
        }
        if !eff.value.is_known() && done.insert((*d, *kind, "unknown")) {
            cx.push("LIC-UNKNOWN", Severity::Review, Some(*d), format!("The licence of {role} data {} is {}.", comp.name, eff.value.display()), reasons.clone(), vec![eff.evidence.clone()]);
        } else if flags.contains(&LicenseFlag::Custom) && !flags.contains(&LicenseFlag::EvaluationOnly) && done.insert((*d, *kind, "custom")) {
            cx.push("LIC-CUSTOM", Severity::Review, Some(*d), format!("{role} data {} is under custom terms that need legal review.", comp.name), reasons.clone(), vec![eff.evidence.clone()]);
        }
    }
}

fn file_rules(cx: &mut Ctx) {
    for c in cx.r.components.iter().filter(|c| matches!(c.kind, ComponentKind::File | ComponentKind::Container)) {
        let Some(eff) = effective(c) else { continue };
        if eff.value.is_known() {
            let flags = flags_of(cx.r, &eff.value);
            if c.kind == ComponentKind::File && flags.contains(&LicenseFlag::ShareAlike) {
                cx.push("LIC-COPYLEFT-FILE", Severity::Warn, Some(c.id), format!("Shipped file {} is under a copyleft licence ({}).", c.name, eff.value.display()), vec![cx.src(&eff.evidence)], vec![eff.evidence.clone()]);
            }
            continue;
        }
        if c.kind == ComponentKind::Container {
            cx.push("LIC-UNKNOWN", Severity::Info, Some(c.id), format!("Container {} has licence {}; it is not shipped with the model.", c.name, eff.value.display()), vec![cx.src(&eff.evidence)], vec![eff.evidence.clone()]);
        } else {
            cx.push("LIC-UNKNOWN", Severity::Review, Some(c.id), format!("Shipped file {} has licence {}: nobody recorded its origin or licence.", c.name, eff.value.display()), vec![cx.src(&eff.evidence)], vec![eff.evidence.clone()]);
        }
    }
}

fn disagreement_rules(cx: &mut Ctx) {
    for c in &cx.r.components {
        for kind in [ClaimKind::Declared, ClaimKind::Concluded] {
            let claims: Vec<&LicenseClaim> = c.licenses.iter().filter(|l| l.kind == kind).collect();
            let distinct: BTreeSet<String> = claims.iter().map(|l| comparable(cx.r, &l.value)).collect();
            if distinct.len() < 2 {
                continue;
            }
            let reasons: Vec<String> = claims.iter().map(|l| format!("{}: {}", cx.src(&l.evidence), license_label(cx.r, &l.value))).collect();
            let how = if c.matched_by.is_empty() { String::new() } else { format!(" (documents matched by {})", c.matched_by.join(", ")) };
            cx.push(
                "CLAIM-DISAGREE",
                Severity::Warn,
                Some(c.id),
                format!("Documents disagree on the {} licence of {}{how}; both claims are shown, none is picked.", kind.word(), c.name),
                reasons,
                claims.iter().map(|l| l.evidence.clone()).collect(),
            );
        }
    }
    // Lineage: two specific derivation kinds, or train vs test, for one pair.
    let pairs: BTreeSet<(ComponentId, ComponentId)> = cx.r.edges.iter().map(|e| (e.from, e.to)).collect();
    for (f, t) in pairs {
        let kinds: Vec<EdgeKind> = cx.r.edges.iter().filter(|e| e.from == f && e.to == t).map(|e| e.kind).collect();
        let spec: Vec<&EdgeKind> = kinds.iter().filter(|k| k.is_specific_derivation()).collect();
        let both_roles = kinds.contains(&EdgeKind::TrainedOn) && kinds.contains(&EdgeKind::TestedOn);
        if spec.len() > 1 || both_roles {
            let words: Vec<&str> = kinds.iter().map(|k| k.word()).collect();
            cx.push("CLAIM-DISAGREE", Severity::Warn, Some(f), format!("Documents disagree on how {} relates to {}: {}.", cx.name(f), cx.name(t), words.join(", ")), Vec::new(), Vec::new());
        }
    }
}

fn policy_list_rules(cx: &mut Ctx, chain: &[(ComponentId, Vec<ComponentId>)], uses: &[(ComponentId, EdgeKind, Vec<ComponentId>)]) {
    let mut subjects: Vec<ComponentId> = chain.iter().map(|(c, _)| *c).collect();
    subjects.extend(uses.iter().filter(|(_, k, _)| *k != EdgeKind::TestedOn).map(|(d, _, _)| *d));
    subjects.extend(cx.r.components.iter().filter(|c| c.kind == ComponentKind::File).map(|c| c.id));
    subjects.sort();
    subjects.dedup();
    for s in subjects {
        let Some(eff) = effective(&cx.r.components[s]) else { continue };
        for id in eff.value.ids() {
            let canon = super::view::canonical_id(cx.r, id);
            let v = match cx.policy.verdict(id) {
                ListVerdict::Unlisted => cx.policy.verdict(&canon),
                other => other,
            };
            let label = cx.eff_label(s);
            match v {
                ListVerdict::Denied => cx.push("POLICY-DENIED", Severity::Conflict, Some(s), format!("{} uses {id}, which the policy denies.", cx.name(s)), vec![format!("licence {label}")], vec![eff.evidence.clone()]),
                ListVerdict::NeedsReview => cx.push("POLICY-REVIEW", Severity::Review, Some(s), format!("{} uses {id}, which the policy sends to review.", cx.name(s)), vec![format!("licence {label}")], vec![eff.evidence.clone()]),
                _ => {}
            }
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

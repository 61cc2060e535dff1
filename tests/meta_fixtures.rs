//! The shared metadata fixtures give what their README says a correct tool
//! reports: licences per component, conflicts and lineage edges.

mod common;

use modelvet::hashing::NoopObserver;
use modelvet::meta::view::{self, LicenseFlag};
use modelvet::meta::{self, AnalyzeOptions, ClaimKind, ComponentKind, DocFormat, EdgeKind, MetadataReport, Policy, Severity};
use modelvet::oms::{VerifyOptions, prepare};
use modelvet::report::VerificationReport;
use std::path::{Path, PathBuf};

/// The shared metadata samples (`../shared/fixtures/metadata`); required in CI.
fn fixtures() -> Option<PathBuf> {
    common::shared_dir().map(|d| d.join("fixtures/metadata"))
}

fn verify(dir: &Path) -> VerificationReport {
    prepare(&VerifyOptions::new(dir)).expect("prepare").run(&NoopObserver, &Default::default())
}

fn analyze(dir: &Path, cards: Option<&Path>) -> MetadataReport {
    let v = verify(dir);
    let opts = AnalyzeOptions { card_dirs: cards.map(|c| vec![c.to_path_buf()]).unwrap_or_default() };
    meta::analyze_with(dir, &v, &Policy::default(), &opts)
}

fn comp<'a>(r: &'a MetadataReport, name: &str) -> &'a meta::Component {
    r.components
        .iter()
        .find(|c| c.name == name || c.identity.hf_ids.iter().any(|h| h == name))
        .unwrap_or_else(|| panic!("no component {name}: {:?}", r.components.iter().map(|c| &c.name).collect::<Vec<_>>()))
}

fn eff(r: &MetadataReport, name: &str) -> String {
    view::effective(comp(r, name)).map(|l| l.value.display()).unwrap_or_else(|| "none".into())
}

/// Document formats that made a claim of `kind` with value `expr` for `name`.
fn claim_formats(r: &MetadataReport, name: &str, kind: ClaimKind, expr: &str) -> Vec<DocFormat> {
    let mut f: Vec<DocFormat> = comp(r, name)
        .licenses
        .iter()
        .filter(|l| l.kind == kind && view::comparable(r, &l.value) == view::comparable(r, &meta::license::parse_spdx(expr).value))
        .filter_map(|l| l.evidence.doc.map(|d| r.documents[d].format))
        .collect();
    f.sort_by_key(|x| format!("{x:?}"));
    f.dedup();
    f
}

fn edge_docs(r: &MetadataReport, from: &str, kind: EdgeKind, to: &str) -> Vec<DocFormat> {
    let (a, b) = (comp(r, from).id, comp(r, to).id);
    let e = r
        .edges
        .iter()
        .find(|e| e.from == a && e.to == b && e.kind == kind)
        .unwrap_or_else(|| panic!("no edge {from} {} {to}", kind.word()));
    let mut f: Vec<DocFormat> = e.claims.iter().filter_map(|c| c.evidence.doc.map(|d| r.documents[d].format)).collect();
    f.sort_by_key(|x| format!("{x:?}"));
    f.dedup();
    f
}

fn findings<'a>(r: &'a MetadataReport, rule: &str) -> Vec<&'a meta::Finding> {
    r.findings.iter().filter(|f| f.rule == rule).collect()
}

#[test]
fn meta_kestrel_licences_per_component() {
    let Some(fx) = fixtures() else { return };
    let r = analyze(&fx.join("kestrel-1b-instruct"), Some(&fx));
    let model = r.model.map(|m| &r.components[m]).expect("model");
    assert_eq!(model.name, "acme-ai/kestrel-1b-instruct");
    // Declared Apache-2.0 by all four documents, concluded Apache-2.0 AND MIT by both SPDX.
    use DocFormat::*;
    assert_eq!(claim_formats(&r, "acme-ai/kestrel-1b-instruct", ClaimKind::Declared, "Apache-2.0"), vec![CycloneDx, HfModelCard, Spdx2Json, Spdx3JsonLd]);
    assert_eq!(claim_formats(&r, "acme-ai/kestrel-1b-instruct", ClaimKind::Concluded, "Apache-2.0 AND MIT"), vec![Spdx2Json, Spdx3JsonLd]);
    assert_eq!(eff(&r, "acme-ai/kestrel-1b-instruct"), "Apache-2.0 AND MIT");
    // The card's id was mapped, and says so.
    assert!(model.licenses.iter().any(|l| l.evidence.raw == "apache-2.0" && l.note.as_deref().is_some_and(|n| n.contains("mapped"))));
    // Trap: CC0-1.0 is the documents' own licence.
    assert!(!model.licenses.iter().any(|l| l.value.display().contains("CC0")));
    assert_eq!(eff(&r, "acme-ai/kestrel-1b-base"), "Apache-2.0");
    assert_eq!(claim_formats(&r, "acme-ai/kestrel-1b-base", ClaimKind::Declared, "Apache-2.0"), vec![CycloneDx, Spdx2Json, Spdx3JsonLd]);
    assert_eq!(eff(&r, "acme-ai/kestrel-sft-mix"), "CC-BY-4.0 AND ODC-By-1.0");
    assert_eq!(
        claim_formats(&r, "acme-ai/kestrel-sft-mix", ClaimKind::Declared, "CC-BY-4.0 AND ODC-By-1.0"),
        vec![CycloneDx, HfDatasetCard, Spdx2Json, Spdx3JsonLd]
    );
    assert_eq!(eff(&r, "acme-ai/kestrel-pretrain-corpus"), "ODC-By-1.0");
    assert_eq!(eff(&r, "kestrel-trainer"), "NOASSERTION");
    assert_eq!(comp(&r, "kestrel-trainer").kind, ComponentKind::Container);
    // Files.
    assert_eq!(eff(&r, "tokenizer.json"), "MIT");
    assert_eq!(claim_formats(&r, "tokenizer.json", ClaimKind::Concluded, "MIT"), vec![CycloneDx, Spdx2Json, Spdx3JsonLd]);
    assert_eq!(eff(&r, "chat_template.jinja"), "NOASSERTION");
    assert_eq!(eff(&r, "model.safetensors"), "Apache-2.0");
    // Components matched by digest, never by name alone.
    assert!(comp(&r, "acme-ai/kestrel-sft-mix").matched_by.contains(&"digest".to_string()));
    assert_eq!(r.components.iter().filter(|c| c.kind == ComponentKind::Dataset && c.name.contains("kestrel-sft-mix")).count(), 1);
}

#[test]
fn meta_kestrel_eval_terms_are_one_custom_licence() {
    let Some(fx) = fixtures() else { return };
    let r = analyze(&fx.join("kestrel-1b-instruct"), Some(&fx));
    let eval = comp(&r, "acme-ai/kestrel-eval-suite");
    let ids: std::collections::BTreeSet<String> =
        eval.licenses.iter().filter(|l| l.kind == ClaimKind::Declared).map(|l| view::comparable(&r, &l.value)).collect();
    assert_eq!(ids.len(), 1, "four documents, one licence: {ids:?}");
    let formats: std::collections::BTreeSet<String> =
        eval.licenses.iter().filter_map(|l| l.evidence.doc).map(|d| format!("{:?}", r.documents[d].format)).collect();
    assert_eq!(formats.len(), 4, "SPDX 2, SPDX 3, CycloneDX and the dataset card: {formats:?}");
    let custom: Vec<_> = r.custom_licenses.iter().filter(|c| c.names.iter().any(|n| n.contains("Eval") || n.contains("evaluation"))).collect();
    assert_eq!(custom.len(), 1, "{custom:?}");
    assert!(custom[0].urls.iter().any(|u| u.ends_with("acme-evaluation-data-terms-1.0")));
    assert!(custom[0].inferred.contains(&"evaluation-only".to_string()));
    assert!(view::flags_of(&r, &view::effective(eval).unwrap().value).contains(&LicenseFlag::EvaluationOnly));
}

#[test]
fn meta_kestrel_lineage_edges() {
    let Some(fx) = fixtures() else { return };
    let r = analyze(&fx.join("kestrel-1b-instruct"), Some(&fx));
    use DocFormat::*;
    let m = "acme-ai/kestrel-1b-instruct";
    assert_eq!(edge_docs(&r, m, EdgeKind::FineTunedFrom, "acme-ai/kestrel-1b-base"), vec![CycloneDx, HfModelCard, ProvenanceManifest, Spdx2Json, Spdx3JsonLd]);
    assert_eq!(edge_docs(&r, m, EdgeKind::TrainedOn, "acme-ai/kestrel-sft-mix"), vec![CycloneDx, HfModelCard, ProvenanceManifest, Spdx2Json, Spdx3JsonLd]);
    assert_eq!(edge_docs(&r, m, EdgeKind::TestedOn, "acme-ai/kestrel-eval-suite"), vec![CycloneDx, HfModelCard, Spdx2Json, Spdx3JsonLd]);
    assert_eq!(edge_docs(&r, "acme-ai/kestrel-1b-base", EdgeKind::TrainedOn, "acme-ai/kestrel-pretrain-corpus"), vec![CycloneDx, Spdx3JsonLd]);
    assert_eq!(edge_docs(&r, m, EdgeKind::BuiltWith, "kestrel-trainer"), vec![CycloneDx, ProvenanceManifest, Spdx2Json, Spdx3JsonLd]);
    let src = r.components.iter().find(|c| c.kind == ComponentKind::Source).expect("source commit");
    assert!(src.identity.digests["sha1"].contains(&"de06439339d3c0044a0c767f03c7ae681694e7ea".to_string()));
    assert_eq!(edge_docs(&r, m, EdgeKind::BuiltFromSource, &src.name.clone()), vec![CycloneDx, ProvenanceManifest, Spdx3JsonLd]);
    assert_eq!(edge_docs(&r, "acme-ai/kestrel-sft-mix", EdgeKind::DatasetDerivedFrom, "acme-ai/open-instructions-en"), vec![HfDatasetCard]);
    assert_eq!(edge_docs(&r, "acme-ai/kestrel-sft-mix", EdgeKind::DatasetDerivedFrom, "acme-ai/wiki-qa-fr"), vec![HfDatasetCard]);
    // CycloneDX alone does not know the eval suite's role: that claim is kept as role-unspecified.
    let eval = comp(&r, "acme-ai/kestrel-eval-suite").id;
    let e = r.edges.iter().find(|e| e.to == eval && e.kind == EdgeKind::TestedOn).unwrap();
    assert!(e.claims.iter().any(|c| c.stated_kind == EdgeKind::TrainedOrTestedOn));
    assert!(!r.edges.iter().any(|e| e.to == eval && e.kind == EdgeKind::TrainedOn));
    // The tree for the pane.
    let tree = r.lineage_tree().unwrap();
    assert_eq!(tree.children.len(), 5);
    let base = tree.children.iter().find(|n| n.relation == Some(EdgeKind::FineTunedFrom)).unwrap();
    assert!(base.digest.as_deref().unwrap().starts_with("sha256:d4df0bb8ebda8d4a"));
    assert_eq!(base.license, "Apache-2.0");
    assert!(!base.signed, "fixtures are unsigned");
    assert_eq!(base.children.len(), 1);
}

#[test]
fn meta_kestrel_findings() {
    let Some(fx) = fixtures() else { return };
    let r = analyze(&fx.join("kestrel-1b-instruct"), Some(&fx));
    assert!(!r.has_conflicts(), "{:#?}", r.findings.iter().filter(|f| f.severity == Severity::Conflict).collect::<Vec<_>>());
    // chat_template.jinja needs review.
    let chat = comp(&r, "chat_template.jinja").id;
    assert!(findings(&r, "LIC-UNKNOWN").iter().any(|f| f.subject == Some(chat) && f.severity == Severity::Review));
    // The manifest disagrees on the SFT mix; both sides are shown.
    let sft = comp(&r, "acme-ai/kestrel-sft-mix").id;
    let d: Vec<_> = findings(&r, "CLAIM-DISAGREE").into_iter().filter(|f| f.subject == Some(sft)).collect();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].severity, Severity::Warn);
    assert!(d[0].reasons.iter().any(|x| x.contains("model-manifest.json") && x.ends_with(": CC-BY-4.0")));
    assert!(d[0].reasons.iter().any(|x| x.contains("AND ODC-By-1.0")));
    assert_eq!(findings(&r, "CLAIM-DISAGREE").len(), 1, "nothing else disagrees");
    // Declared vs concluded differ: info, explained by tokenizer.json.
    let dc = findings(&r, "LIC-DECLARED-CONCLUDED");
    assert!(dc.iter().any(|f| f.severity == Severity::Info && f.reasons.iter().any(|x| x.contains("tokenizer.json"))));
    // No training conflict for the eval suite.
    assert!(findings(&r, "LIC-EVAL-ONLY-TRAINED").is_empty());
    // LICENSE only refers to Apache-2.0.
    assert!(findings(&r, "LIC-FILE-REFERENCE").iter().any(|f| f.message.contains("Apache-2.0") && f.message.contains("not the full")));
    // Unsigned: the missing signature is a finding.
    assert_eq!(findings(&r, "SIG-MISSING").len(), 1);
    assert!(r.documents.iter().all(|d| !d.coverage.is_covered()));
    // Attribution owed for the training data.
    assert!(findings(&r, "LIC-ATTRIBUTION").iter().any(|f| f.subject == Some(sft)));
}

#[test]
fn meta_helpdesk_llama_finetune_on_nc_data() {
    let Some(fx) = fixtures() else { return };
    let r = analyze(&fx.join("helpdesk-assistant-8b"), Some(&fx));
    let m = r.model.unwrap();
    assert_eq!(eff(&r, &r.components[m].name.clone()), "LicenseRef-Llama-3.1-Community");
    let base = comp(&r, "meta-llama/Llama-3.1-8B-Instruct");
    let bl = view::effective(base).unwrap();
    assert_eq!(bl.kind, ClaimKind::Catalog, "the base's licence comes from the catalog, not a document");
    assert!(bl.evidence.doc.is_none());
    assert_eq!(edge_docs(&r, &r.components[m].name.clone(), EdgeKind::FineTunedFrom, "meta-llama/Llama-3.1-8B-Instruct"), vec![DocFormat::HfModelCard]);
    assert_eq!(eff(&r, "acme-ai/helpdesk-dialogs-nc"), "CC-BY-NC-4.0");
    assert_eq!(eff(&r, "acme-ai/kestrel-sft-mix"), "CC-BY-4.0 AND ODC-By-1.0");
    let mname = r.components[m].name.clone();
    edge_docs(&r, &mname, EdgeKind::TrainedOn, "acme-ai/helpdesk-dialogs-nc");
    edge_docs(&r, &mname, EdgeKind::TrainedOn, "acme-ai/kestrel-sft-mix");
    let nc = findings(&r, "LIC-NC-DATA");
    assert_eq!(nc.len(), 1);
    assert_eq!(nc[0].severity, Severity::Conflict);
    assert!(nc[0].reasons.iter().any(|x| x.contains("legal review")));
    assert!(r.has_conflicts());
    assert_eq!(findings(&r, "LIC-NAMING").len(), 1);
    assert_eq!(findings(&r, "LIC-NAMING")[0].severity, Severity::Warn);
    let notice = findings(&r, "LIC-NOTICE");
    assert_eq!(notice.len(), 1);
    assert!(notice[0].reasons.iter().any(|x| x.contains("Notice")) && notice[0].reasons.iter().any(|x| x.contains("Built with Llama")));
    assert!(findings(&r, "LIC-FIELD-OF-USE").iter().any(|f| f.reasons.iter().any(|x| x.contains("700 million"))));
    let row = r.license_rows().into_iter().find(|x| x.is_root).unwrap();
    assert!(row.flags.contains(&LicenseFlag::CommercialConditional));
}

#[test]
fn meta_helpdesk_without_cards_keeps_dataset_licences_unknown() {
    let Some(fx) = fixtures() else { return };
    let r = analyze(&fx.join("helpdesk-assistant-8b"), None);
    assert_eq!(eff(&r, "acme-ai/helpdesk-dialogs-nc"), "none");
    assert!(findings(&r, "LIC-UNKNOWN").iter().any(|f| f.severity == Severity::Review && f.message.contains("helpdesk-dialogs-nc")));
    assert!(findings(&r, "LIC-NC-DATA").is_empty());
}

#[test]
fn meta_gguf_custom_licence_and_quantized_lineage() {
    let Some(fx) = fixtures() else { return };
    let r = analyze(&fx.join("kestrel-1b-instruct-gguf"), Some(&fx));
    let m = r.model.unwrap();
    let mname = r.components[m].name.clone();
    assert_eq!(eff(&r, &mname), "LicenseRef-hf-northwind-community-model-license-1.0");
    let custom = r.custom_licenses.iter().find(|c| c.id == "LicenseRef-hf-northwind-community-model-license-1.0").expect("custom licence");
    assert!(custom.text_sha256.is_some(), "license_link: LICENSE is hashed");
    assert!(custom.text_excerpt.as_deref().unwrap().contains("NORTHWIND COMMUNITY MODEL LICENSE"));
    assert_eq!(edge_docs(&r, &mname, EdgeKind::QuantizedFrom, "acme-ai/kestrel-1b-instruct"), vec![DocFormat::HfModelCard]);
    assert_eq!(eff(&r, "acme-ai/kestrel-1b-instruct"), "Apache-2.0", "resolved through the card mirror by Hub id");
    assert!(findings(&r, "LIC-CUSTOM").iter().any(|f| f.severity == Severity::Review && f.subject == Some(m)));
    let d = findings(&r, "LIC-DERIV-RESTRICTIVE");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].severity, Severity::Warn);
    assert!(d[0].reasons.iter().any(|x| x.contains("NOTICE")));
    assert!(!findings(&r, "LIC-NO-SBOM").is_empty());
    assert!(!r.has_conflicts());
    // The LICENSE names no SPDX licence: no detected claim is invented.
    assert!(!r.components[m].licenses.iter().any(|l| l.kind == ClaimKind::Detected));
}

#[test]
fn meta_gguf_without_cards_base_licence_unknown() {
    let Some(fx) = fixtures() else { return };
    let r = analyze(&fx.join("kestrel-1b-instruct-gguf"), None);
    let base = comp(&r, "acme-ai/kestrel-1b-instruct").id;
    assert!(findings(&r, "LIC-UNKNOWN").iter().any(|f| f.subject == Some(base) && f.severity == Severity::Review));
}

#[test]
fn meta_dataset_cards() {
    let Some(fx) = fixtures() else { return };
    let sft = analyze(&fx.join("datasets/kestrel-sft-mix"), None);
    let root = &sft.components[sft.model.unwrap()];
    assert_eq!(root.kind, ComponentKind::Dataset);
    let l = view::effective(root).unwrap();
    assert_eq!(l.value.display(), "CC-BY-4.0 AND ODC-By-1.0");
    assert!(l.note.as_deref().unwrap().contains("assumption"));
    assert_eq!(sft.documents[0].format, DocFormat::HfDatasetCard);
    let eval = analyze(&fx.join("datasets/kestrel-eval-suite"), None);
    let root = &eval.components[eval.model.unwrap()];
    assert_eq!(view::effective(root).unwrap().value.display(), "LicenseRef-hf-acme-evaluation-data-terms-1.0");
    assert!(eval.custom_licenses[0].urls[0].ends_with("acme-evaluation-data-terms-1.0"));
    let nc = analyze(&fx.join("datasets/helpdesk-dialogs-nc"), None);
    let root = &nc.components[nc.model.unwrap()];
    let v = &view::effective(root).unwrap().value;
    assert_eq!(v.display(), "CC-BY-NC-4.0");
    assert!(view::flags_of(&nc, v).contains(&LicenseFlag::NonCommercial));
}

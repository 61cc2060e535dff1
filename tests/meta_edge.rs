//! Our own edge cases, generated in temporary directories: unknown keys,
//! bad expressions, missing fields, malformed documents, 1 MB+ documents,
//! signature coverage. Each gives a warning or a claim, never a crash or a
//! silently dropped claim.

use modelvet::crypto::PrivateKey;
use modelvet::hashing::{HashType, NoopObserver, Serialization};
use modelvet::meta::{self, ClaimKind, Coverage, DocFormat, EdgeKind, LicenseValue, MetadataReport, Policy, Severity};
use modelvet::oms::sign::{SignOptions, sign_to_file};
use modelvet::oms::{Trust, VerifyOptions, prepare};
use std::path::Path;

fn run(dir: &Path, policy: &Policy) -> MetadataReport {
    let v = prepare(&VerifyOptions::new(dir)).expect("prepare").run(&NoopObserver, &Default::default());
    meta::analyze(dir, &v, policy)
}

fn model_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("model.safetensors"), b"\x02\0\0\0\0\0\0\0{}").unwrap();
    for (n, t) in files {
        std::fs::write(d.path().join(n), t).unwrap();
    }
    d
}

fn doc<'a>(r: &'a MetadataReport, path: &str) -> &'a meta::SourceDoc {
    r.documents.iter().find(|d| d.path == path).unwrap_or_else(|| panic!("no document {path}"))
}

fn model_claims(r: &MetadataReport) -> &[meta::LicenseClaim] {
    &r.components[r.model.unwrap()].licenses
}

const SPDX: &str = r#"{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"x",
 "documentNamespace":"https://e.com/x","creationInfo":{"created":"2026-01-01T00:00:00Z","creators":["Tool: t"]},
 "packages":[{"SPDXID":"SPDXRef-m","name":"m","downloadLocation":"NOASSERTION","licenseDeclared":"DECL"}],
 "relationships":[{"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES","relatedSpdxElement":"SPDXRef-m"}]}"#;

#[test]
fn meta_edge_spdx_schema_key_and_vendor_keys_are_warnings() {
    let text = SPDX.replace("DECL", "MIT").replacen('{', r#"{"$schema":"https://raw.githubusercontent.com/spdx/spdx-spec/v2.3/schemas/spdx-schema.json","#, 1).replace(
        r#""name":"m","#,
        r#""name":"m","x-ai-typeOfModel":"llm","#,
    );
    let d = model_dir(&[("m.spdx.json", &text)]);
    let r = run(d.path(), &Policy::default());
    let w = &doc(&r, "m.spdx.json").warnings;
    assert!(w.iter().any(|x| x.contains("$schema")), "{w:?}");
    assert!(w.iter().any(|x| x.contains("x-ai-typeOfModel")), "{w:?}");
    assert!(model_claims(&r).iter().any(|l| l.value.display() == "MIT" && l.kind == ClaimKind::Declared));
    assert!(r.findings.iter().any(|f| f.rule == "META-PARSE"));
}

#[test]
fn meta_edge_bad_expression_is_kept_raw() {
    let d = model_dir(&[("m.spdx.json", &SPDX.replace("DECL", "Apache-2.0 OR"))]);
    let r = run(d.path(), &Policy::default());
    let c = model_claims(&r).iter().find(|l| l.kind == ClaimKind::Declared).expect("claim kept");
    assert!(matches!(&c.value, LicenseValue::Unknown { raw, .. } if raw == "Apache-2.0 OR"));
    assert!(doc(&r, "m.spdx.json").warnings.iter().any(|w| w.contains("tolerant reader")));
    assert!(r.findings.iter().any(|f| f.rule == "META-PARSE" && f.severity == Severity::Warn));
    assert!(r.findings.iter().any(|f| f.rule == "LIC-UNKNOWN" && f.severity == Severity::Review));
}

#[test]
fn meta_edge_unknown_spdx_id_is_not_accepted() {
    // spdx-rs accepts any identifier; the spdx crate does not.
    let d = model_dir(&[("m.spdx.json", &SPDX.replace("DECL", "Llama-3.1-Community"))]);
    let r = run(d.path(), &Policy::default());
    let c = &model_claims(&r)[0];
    assert!(matches!(c.value, LicenseValue::Unknown { .. }), "{:?}", c.value);
}

#[test]
fn meta_edge_file_without_checksums_falls_back() {
    let text = SPDX.replace("DECL", "MIT").replace(
        r#""relationships""#,
        r#""files":[{"fileName":"./weights.bin","SPDXID":"SPDXRef-f","licenseConcluded":"CC-BY-NC-4.0"}],"relationships""#,
    );
    let d = model_dir(&[("m.spdx.json", &text)]);
    let r = run(d.path(), &Policy::default());
    let f = r.components.iter().find(|c| c.path.as_deref() == Some("weights.bin")).expect("file kept");
    assert_eq!(f.licenses[0].value.display(), "CC-BY-NC-4.0");
}

#[test]
fn meta_edge_malformed_json_and_yaml() {
    let d = model_dir(&[
        ("bom.cdx.json", r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"#),
        ("README.md", "---\nlicense: mit\nbase_model: org/base\ntags: [oops\n---\n# card\n"),
    ]);
    let r = run(d.path(), &Policy::default());
    let cdx = doc(&r, "bom.cdx.json");
    assert_eq!(cdx.format, DocFormat::CycloneDx);
    assert!(cdx.warnings.iter().any(|w| w.contains("malformed JSON")));
    let card = doc(&r, "README.md");
    assert!(card.warnings.iter().any(|w| w.contains("malformed YAML")));
    assert!(model_claims(&r).iter().any(|l| l.value.display() == "MIT"), "salvaged");
    assert!(r.edges.iter().any(|e| e.kind == EdgeKind::DerivedFrom && r.components[e.to].name == "org/base"));
    assert!(r.findings.iter().filter(|f| f.rule == "META-PARSE" && f.severity == Severity::Warn).count() >= 2);
}

#[test]
fn meta_edge_missing_fields() {
    let cdx = r#"{"bomFormat":"CycloneDX","specVersion":"1.6",
      "metadata":{"component":{"type":"machine-learning-model","licenses":[{"license":{}}, {"license":{"id":"not-an-id"}}],
        "modelCard":{"modelParameters":{"datasets":[{"ref":"missing-ref"}]}}}},
      "components":[{"type":"data"}]}"#;
    let spdx3 = r#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[
      {"type":"ai_AIPackage","name":"no id"},
      {"type":"Relationship","relationshipType":"trainedOn","to":["x"]}]}"#;
    let manifest = r#"{"model_name":"org/m","datasets":[{"digest":"sha256:00"},{"name":"org/d","license":"what even"}]}"#;
    let d = model_dir(&[("bom.cdx.json", cdx), ("m.spdx3.jsonld", spdx3), ("model-manifest.json", manifest)]);
    let r = run(d.path(), &Policy::default());
    let cw = &doc(&r, "bom.cdx.json").warnings;
    assert!(cw.iter().any(|w| w.contains("without id or name")), "{cw:?}");
    assert!(cw.iter().any(|w| w.contains("not an SPDX id")), "{cw:?}");
    assert!(cw.iter().any(|w| w.contains("missing-ref")), "{cw:?}");
    let sw = &doc(&r, "m.spdx3.jsonld").warnings;
    assert!(sw.iter().any(|w| w.contains("no spdxId")), "{sw:?}");
    assert!(sw.iter().any(|w| w.contains("without from")), "{sw:?}");
    let mw = &doc(&r, "model-manifest.json").warnings;
    assert!(mw.iter().any(|w| w.contains("no name")), "{mw:?}");
    let ds = r.components.iter().find(|c| c.name == "org/d").unwrap();
    assert!(matches!(&ds.licenses[0].value, LicenseValue::Unknown { raw, .. } if raw == "what even"));
}

#[test]
fn meta_edge_large_documents() {
    // An SPDX 2.3 document well over 1 MB: every file entry is read.
    let mut files = Vec::new();
    for i in 0..6000 {
        files.push(format!(
            r#"{{"fileName":"./shard-{i:05}.bin","SPDXID":"SPDXRef-f{i}","checksums":[{{"algorithm":"SHA1","checksumValue":"{:040x}"}}],"licenseConcluded":"Apache-2.0","comment":"{}"}}"#,
            i,
            "x".repeat(100)
        ));
    }
    let text = SPDX.replace("DECL", "Apache-2.0").replace(r#""relationships""#, &format!(r#""files":[{}],"relationships""#, files.join(",")));
    assert!(text.len() > 1_000_000);
    // A card with a 1 MB+ body.
    let card = format!("---\nlicense: apache-2.0\n---\n{}", "lorem ipsum ".repeat(100_000));
    let d = model_dir(&[("big.spdx.json", &text), ("README.md", &card)]);
    let r = run(d.path(), &Policy::default());
    assert!(doc(&r, "big.spdx.json").warnings.is_empty(), "{:?}", doc(&r, "big.spdx.json").warnings);
    assert_eq!(r.components.iter().filter(|c| c.path.as_deref().is_some_and(|p| p.starts_with("shard-"))).count(), 6000);
    assert!(doc(&r, "README.md").size > 1_000_000);
    assert!(model_claims(&r).iter().any(|l| l.evidence.raw == "apache-2.0"));
}

#[test]
fn meta_edge_tag_value_and_intoto() {
    let tv = "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\nDocumentName: x\nDocumentNamespace: https://e.com/x\nCreator: Tool: t\nCreated: 2026-01-01T00:00:00Z\n\nPackageName: m\nSPDXID: SPDXRef-m\nPackageDownloadLocation: NOASSERTION\nPackageLicenseConcluded: MIT\nPackageLicenseDeclared: MIT\nFilesAnalyzed: false\n\nRelationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-m\n";
    let stmt = r#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"model.safetensors","digest":{"sha256":"aa"}}],
      "predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"x","resolvedDependencies":[
        {"name":"training dataset org/data","uri":"https://huggingface.co/datasets/org/data","digest":{"sha256":"bb"}},
        {"name":"base model","uri":"pkg:huggingface/org/base@1"},
        {"name":"trainer","uri":"pkg:docker/org/trainer@1","digest":{"sha256":"cc"}}]}}}"#;
    let d = model_dir(&[("m.spdx", tv), ("provenance.intoto.json", stmt)]);
    let r = run(d.path(), &Policy::default());
    assert_eq!(doc(&r, "m.spdx").format, DocFormat::Spdx2TagValue);
    assert!(model_claims(&r).iter().any(|l| l.value.display() == "MIT" && l.kind == ClaimKind::Concluded), "{:?}", doc(&r, "m.spdx").warnings);
    assert_eq!(doc(&r, "provenance.intoto.json").format, DocFormat::InToto);
    let kinds: Vec<EdgeKind> = r.edges.iter().map(|e| e.kind).collect();
    assert!(kinds.contains(&EdgeKind::TrainedOn) && kinds.contains(&EdgeKind::DerivedFrom) && kinds.contains(&EdgeKind::BuiltWith), "{kinds:?}");
    assert!(r.edges.iter().all(|e| e.claims.iter().all(|c| c.confidence == meta::Confidence::Inferred || c.evidence.doc.map(|d| r.documents[d].format) != Some(DocFormat::InToto))));
}

#[test]
fn meta_edge_policy_lists_and_overrides() {
    let d = model_dir(&[("README.md", "---\nlicense: agpl-3.0\ndatasets:\n- org/data\n---\n")]);
    let policy = Policy::from_toml(
        "intended_use = \"internal\"\n[licenses]\ndenied = [\"AGPL-*\"]\n[severity]\n\"SIG-MISSING\" = \"off\"\n\"LIC-NO-SBOM\" = \"info\"\n",
        "p.toml",
    )
    .unwrap();
    let r = run(d.path(), &policy);
    assert!(r.findings.iter().any(|f| f.rule == "POLICY-DENIED" && f.severity == Severity::Conflict));
    assert!(!r.findings.iter().any(|f| f.rule == "SIG-MISSING"));
    let sbom = r.findings.iter().find(|f| f.rule == "LIC-NO-SBOM").unwrap();
    assert_eq!(sbom.severity, Severity::Info);
    assert!(sbom.policy_note.is_some());
    assert!(r.findings.iter().any(|f| f.rule == "LIC-AMBIGUOUS-VERSION"));
    assert!(r.policy.contains("p.toml"));
}

#[test]
fn meta_edge_signature_coverage() {
    let d = model_dir(&[("README.md", "---\nlicense: mit\n---\n# m\n"), ("LICENSE", "MIT License\n\nPermission is hereby granted, free of charge")]);
    let key = PrivateKey::generate_p256();
    let sig = d.path().join("model.sig");
    let opts = SignOptions {
        model: d.path().to_path_buf(),
        signature: sig.clone(),
        serialization: Serialization::Files { hash: HashType::Sha256 },
        ignore_paths: vec![sig.clone()],
        ignore_git_paths: true,
        allow_symlinks: false,
    };
    sign_to_file(&opts, &key, &NoopObserver).expect("sign");
    let pinned = |d: &Path| {
        let mut vo = VerifyOptions::new(d);
        vo.trust = Trust::Key(key.public_key());
        prepare(&vo).unwrap().run(&NoopObserver, &Default::default())
    };
    let v = pinned(d.path());
    let r = meta::analyze(d.path(), &v, &Policy::default());
    assert_eq!(doc(&r, "README.md").coverage, Coverage::Covered, "{:?}", v.reasons);
    assert!(model_claims(&r).iter().any(|l| l.signed && l.evidence.raw == "mit"));
    assert!(!r.findings.iter().any(|f| f.rule.starts_with("SIG-")));
    // Unpinned: signed but signer unpinned.
    let v2 = prepare(&VerifyOptions::new(d.path())).unwrap().run(&NoopObserver, &Default::default());
    let r2 = meta::analyze(d.path(), &v2, &Policy::default());
    assert_eq!(doc(&r2, "README.md").coverage, Coverage::SignedUnpinned);
    assert_eq!(doc(&r2, "README.md").coverage.describe(), "signed but signer unpinned");
    assert!(r2.findings.iter().any(|f| f.rule == "SIG-UNPINNED"));
    assert!(!model_claims(&r2).iter().any(|l| l.signed));
    // A document added after signing is not covered, and verification fails.
    std::fs::write(d.path().join("model-manifest.json"), r#"{"model_name":"org/m","datasets":[{"name":"org/d","license":"MIT"}]}"#).unwrap();
    let v3 = pinned(d.path());
    let r3 = meta::analyze(d.path(), &v3, &Policy::default());
    assert!(matches!(&doc(&r3, "model-manifest.json").coverage, Coverage::NotCovered { reason } if reason.contains("not in the signed manifest") || reason.contains("unsigned")));
    assert!(matches!(doc(&r3, "README.md").coverage, Coverage::NotCovered { .. }));
    assert!(r3.findings.iter().any(|f| f.rule == "SIG-FAILED"));
    assert!(r3.findings.iter().any(|f| f.rule == "CLAIM-UNSIGNED"));
}

#[test]
fn meta_edge_empty_model_dir() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("weights.bin"), b"abc").unwrap();
    let r = run(d.path(), &Policy::default());
    assert!(r.model.is_some());
    assert!(r.findings.iter().any(|f| f.rule == "LIC-UNKNOWN" && f.severity == Severity::Review));
    assert!(r.findings.iter().any(|f| f.rule == "LINEAGE-NONE"));
    assert!(r.findings.iter().any(|f| f.rule == "SIG-MISSING"));
}

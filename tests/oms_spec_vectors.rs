//! The OMS specification's bundle-level test vectors: valid bundles parse
//! into a manifest, invalid ones are rejected with a reason.

mod common;

use modelvet::oms::bundle::{Material, parse_bundle};
use modelvet::oms::statement::{StatementError, parse_statement};

fn vectors(kind: &str) -> Vec<std::path::PathBuf> {
    let Some(shared) = common::shared_dir() else { return Vec::new() };
    let dir = shared.join("fixtures/oms-spec/test-vectors/v1.0").join(kind);
    let mut v: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    v.sort();
    v
}

#[test]
fn valid_vectors_parse_into_a_consistent_manifest() {
    let files = vectors("valid");
    if common::shared_dir().is_none() {
        return;
    }
    assert_eq!(files.len(), 3);
    for f in files {
        let bundle = parse_bundle(&std::fs::read(&f).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        match (&bundle.material, name.as_str()) {
            (Material::KeyHint(_), "key.bundle.json") => {}
            (Material::CertificateChain(_), "certificate.bundle.json") => {}
            (Material::Sigstore { .. }, "sigstore.bundle.json") => {}
            (m, n) => panic!("{n}: unexpected material {m:?}"),
        }
        let m = parse_statement(&bundle.envelope.payload).unwrap_or_else(|e| panic!("{name}: {e}"));
        let paths: Vec<_> = m.items.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(paths, ["signme-1", "signme-2"], "{name}");
    }
}

#[test]
fn invalid_vectors_are_rejected_with_a_reason() {
    let files = vectors("invalid");
    if common::shared_dir().is_none() {
        return;
    }
    assert!(files.len() >= 4);
    for f in files {
        let err = parse_bundle(&std::fs::read(&f).unwrap()).err();
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let e = err.unwrap_or_else(|| panic!("{name} parsed but must be rejected"));
        assert!(!e.to_string().is_empty(), "{name}");
    }
}

#[test]
fn wrong_predicate_is_rejected() {
    for f in vectors("invalid-payload") {
        let bundle = parse_bundle(&std::fs::read(&f).unwrap()).unwrap();
        let err = parse_statement(&bundle.envelope.payload).unwrap_err();
        assert!(matches!(err, StatementError::PredicateType(_)), "{err}");
    }
}

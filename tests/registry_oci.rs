//! OCI sources against a real registry (Debian's `docker-registry`, started
//! on loopback per test) and the native referrers API against an
//! in-process server. Fixture models are pushed with our own push code.

mod netsupport;

use modelvet::cli::source::verify_resolved;
use modelvet::cli::verify::VerifyFlags;
use modelvet::report::Verdict;
use modelvet::sources::oci::manifest::Descriptor;
use modelvet::sources::oci::push::{self, Blob};
use modelvet::sources::{self, Recheck, ResolveOptions, SignatureKind, SourceError, SourceKind};
use netsupport::{Registry, Response, Stub, copy_dir, demo_key, demo_model, runtime, sha256};
use std::collections::BTreeMap;
use std::path::Path;

fn opts(cache: &Path) -> ResolveOptions {
    ResolveOptions {
        cache_dir: Some(cache.to_path_buf()),
        insecure_http: true,
        docker_config: Some(cache.join("no-docker-config.json")),
        ..Default::default()
    }
}

fn client(reg: &Registry) -> oci_client::Client {
    let r = match sources::parse(&format!("oci://{}/x/y", reg.host())).unwrap() {
        sources::SourceRef::Oci(r) => r,
        _ => unreachable!(),
    };
    sources::oci::client_for(&r, &opts(Path::new("/nonexistent"))).unwrap()
}

fn push_dir(reg: &Registry, repo: &str, tag: &str, dir: &Path) -> Descriptor {
    let c = client(reg);
    runtime().block_on(push::push_model_dir(&c, &reg.host(), repo, tag, dir)).unwrap()
}

fn key_flags() -> VerifyFlags {
    VerifyFlags { key: Some(demo_key()), ..Default::default() }
}

#[test]
fn oci_intact_model_verifies_and_is_pinned() {
    let Some(reg) = Registry::start() else { return };
    let pushed = push_dir(&reg, "models/demo", "v1", &demo_model());
    let cache = tempfile::tempdir().unwrap();
    let reference = format!("oci://{}/models/demo:v1", reg.host());
    let resolved = sources::resolve(&reference, &opts(cache.path())).unwrap();
    let pinned = format!("oci://{}/models/demo@{}", reg.host(), pushed.digest);
    assert_eq!(resolved.pinned_reference, pinned);
    assert_eq!(resolved.kind, SourceKind::Oci);
    assert!(resolved.local_path.starts_with(cache.path()));
    for name in ["model.safetensors", "config.json", "model.sig", "tokenizer.json"] {
        assert_eq!(
            std::fs::read(resolved.local_path.join(name)).unwrap(),
            std::fs::read(demo_model().join(name)).unwrap(),
            "{name}"
        );
    }
    assert!(resolved.files.iter().all(|f| f.how == "fetched"));
    assert_eq!(resolved.signatures_found[0].kind, SignatureKind::OmsSidecar);
    assert!(resolved.notes.iter().any(|n| n.contains("no referrers")), "{:?}", resolved.notes);

    let report = verify_resolved(&resolved, &key_flags()).unwrap();
    assert_eq!(report.verdict, Verdict::Verified, "{:?}", report.reasons);
    assert_eq!(report.source.reference, pinned);
    assert_eq!(report.source.kind, "oci");

    // Second open reuses every cached blob (re-hashed, not re-fetched).
    let again = sources::resolve(&reference, &opts(cache.path())).unwrap();
    assert!(again.files.iter().all(|f| f.how == "cached"), "{:?}", again.files);
    // The pinned form resolves to the same thing.
    let by_digest = sources::resolve(&pinned, &opts(cache.path())).unwrap();
    assert_eq!(by_digest.pinned_reference, pinned);
    assert_eq!(sources::recheck(&resolved, &opts(cache.path())).unwrap(), Recheck::Unchanged);

    // The CLI: exit 0, the report names the pinned reference and kind.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_modelvet"))
        .args(["verify", &reference, "--insecure-http", "--format", "json", "--key"])
        .arg(demo_key())
        .env("MODELVET_CACHE_DIR", cache.path())
        .env("DOCKER_CONFIG", cache.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["source"]["reference"], pinned.as_str());
    assert_eq!(v["source"]["kind"], "oci");
    assert_eq!(v["verdict"], "verified");
}

#[test]
fn oci_tampered_blob_fails_naming_the_blob() {
    let Some(reg) = Registry::start() else { return };
    push_dir(&reg, "models/demo", "v1", &demo_model());
    let weights = std::fs::read(demo_model().join("model.safetensors")).unwrap();
    let digest = sha256(&weights);
    // The registry now serves different bytes under the same digest.
    let data = reg.blob_data(&digest);
    let mut bytes = std::fs::read(&data).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&data, &bytes).unwrap();

    let cache = tempfile::tempdir().unwrap();
    let reference = format!("oci://{}/models/demo:v1", reg.host());
    let err = sources::resolve(&reference, &opts(cache.path())).unwrap_err();
    match &err {
        SourceError::DigestMismatch { name, expected, .. } => {
            assert!(name.contains("model.safetensors") && name.contains(&digest), "{name}");
            assert_eq!(expected, &digest);
        }
        other => panic!("expected a digest mismatch, got {other:?}"),
    }
    assert!(err.is_integrity());
    // Nothing unverified is left in the cache.
    let cache_obj = modelvet::sources::cache::Cache::new(cache.path());
    assert!(!cache_obj.blob_path(&digest).unwrap().exists());
    assert!(!cache_obj.partial_path(&digest).unwrap().exists());

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_modelvet"))
        .args(["verify", &reference, "--insecure-http", "--key"])
        .arg(demo_key())
        .env("MODELVET_CACHE_DIR", cache.path())
        .env("DOCKER_CONFIG", cache.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("model.safetensors") && stderr.contains("digest mismatch"), "{stderr}");
}

#[test]
fn oci_moved_tag_is_detected() {
    let Some(reg) = Registry::start() else { return };
    let first = push_dir(&reg, "models/demo", "v1", &demo_model());
    let cache = tempfile::tempdir().unwrap();
    let reference = format!("oci://{}/models/demo:v1", reg.host());
    let resolved = sources::resolve(&reference, &opts(cache.path())).unwrap();

    // Someone pushes different content under the same tag.
    let other = tempfile::tempdir().unwrap();
    copy_dir(&demo_model(), other.path(), &[]);
    std::fs::write(other.path().join("README.md"), "changed after review\n").unwrap();
    let second = push_dir(&reg, "models/demo", "v1", other.path());
    assert_ne!(first.digest, second.digest);

    match sources::recheck(&resolved, &opts(cache.path())).unwrap() {
        Recheck::Moved { was, now } => {
            assert!(was.ends_with(&first.digest));
            assert!(now.ends_with(&second.digest));
        }
        Recheck::Unchanged => panic!("the moved tag was not detected"),
    }
    // The pinned reference still opens what was reviewed.
    let pinned = sources::resolve(&resolved.pinned_reference, &opts(cache.path())).unwrap();
    assert_eq!(
        std::fs::read(pinned.local_path.join("README.md")).unwrap(),
        std::fs::read(demo_model().join("README.md")).unwrap()
    );
    // And the moved tag now fails verification (README changed).
    let moved = sources::resolve(&reference, &opts(cache.path())).unwrap();
    let report = verify_resolved(&moved, &key_flags()).unwrap();
    assert_eq!(report.verdict, Verdict::Failed);
}

#[test]
fn oci_missing_referrers_then_referrer_via_tag_fallback() {
    let Some(reg) = Registry::start() else { return };
    let unsigned = tempfile::tempdir().unwrap();
    copy_dir(&demo_model(), unsigned.path(), &["model.sig"]);
    let pushed = push_dir(&reg, "models/bare", "v1", unsigned.path());
    let cache = tempfile::tempdir().unwrap();
    let reference = format!("oci://{}/models/bare:v1", reg.host());

    // No model.sig, no referrers: resolves, nothing found, verdict unsigned.
    let resolved = sources::resolve(&reference, &opts(cache.path())).unwrap();
    assert!(resolved.signatures_found.is_empty());
    assert!(resolved.notes.iter().any(|n| n.contains("no referrers or cosign signature tags")), "{:?}", resolved.notes);
    let report = verify_resolved(&resolved, &key_flags()).unwrap();
    assert_eq!(report.verdict, Verdict::Unsigned);

    // Attach the OMS bundle as a Sigstore-bundle referrer (the registry has
    // no referrers API, so this goes through the sha256-<hex> tag index),
    // and a legacy cosign .sig tag.
    let bundle = std::fs::read(demo_model().join("model.sig")).unwrap();
    let c = client(&reg);
    let rt = runtime();
    let referrer = rt
        .block_on(push::push_referrer(
            &c,
            &reg.host(),
            "models/bare",
            pushed.clone(),
            bundle,
            "https://model_signing/signature/v1.0",
        ))
        .unwrap();
    let hex = pushed.digest.strip_prefix("sha256:").unwrap();
    let payload = format!(
        r#"{{"critical":{{"identity":{{"docker-reference":"{}/models/bare"}},"image":{{"docker-manifest-digest":"{}"}},"type":"cosign container image signature"}},"optional":{{}}}}"#,
        reg.host(),
        pushed.digest
    );
    // Signed like `cosign sign --key`: ECDSA P-256 over the payload.
    let signer = modelvet::crypto::PrivateKey::from_pem(
        &std::fs::read_to_string(demo_key().with_file_name("demo-signer.key.pem")).unwrap(),
    )
    .unwrap();
    let signature = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(signer.sign(payload.as_bytes()))
    };
    let sig_layer = Blob {
        media_type: "application/vnd.dev.cosign.simplesigning.v1+json".into(),
        bytes: payload.into_bytes(),
        annotations: BTreeMap::from([("dev.cosignproject.cosign/signature".to_string(), signature)]),
    };
    let empty = Blob { media_type: "application/vnd.oci.image.config.v1+json".into(), bytes: b"{}".to_vec(), annotations: BTreeMap::new() };
    rt.block_on(push::push_artifact(
        &c,
        &reg.host(),
        "models/bare",
        &format!("sha256-{hex}.sig"),
        None,
        &empty,
        &[sig_layer],
        None,
        BTreeMap::new(),
    ))
    .unwrap();

    // A legacy cosign attestation tag: one DSSE envelope layer.
    let att_statement = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "models/bare", "digest": {"sha256": hex}}],
        "predicateType": "https://cosign.sigstore.dev/attestation/v1",
        "predicate": {"Data": "reviewed"},
    });
    let att_env = modelvet::dsse::Envelope::sign_intoto(serde_json::to_vec(&att_statement).unwrap(), &signer);
    let att_layer = Blob {
        media_type: "application/vnd.dsse.envelope.v1+json".into(),
        bytes: serde_json::to_vec(&att_env.to_json()).unwrap(),
        annotations: BTreeMap::from([("predicateType".to_string(), "https://cosign.sigstore.dev/attestation/v1".to_string())]),
    };
    rt.block_on(push::push_artifact(&c, &reg.host(), "models/bare", &format!("sha256-{hex}.att"), None, &empty, &[att_layer], None, BTreeMap::new()))
        .unwrap();

    // And a cosign-3 style attestation: an in-toto statement about the
    // manifest in a DSSE Sigstore bundle, signed with the same key.
    let statement = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "models/bare", "digest": {"sha256": hex}}],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {"buildDefinition": {"buildType": "https://example.com/test"}},
    });
    let envelope = modelvet::dsse::Envelope::sign_intoto(serde_json::to_vec(&statement).unwrap(), &signer);
    let attestation = modelvet::dsse::key_bundle_json(&envelope, &signer.public_key().hint());
    rt.block_on(push::push_referrer(&c, &reg.host(), "models/bare", pushed.clone(), attestation.into_bytes(), "https://slsa.dev/provenance/v1"))
        .unwrap();

    let resolved = sources::resolve(&reference, &opts(cache.path())).unwrap();
    let oms = resolved.signatures_found.iter().find(|s| s.kind == SignatureKind::OmsBundle).expect("OMS referrer");
    assert_eq!(oms.discovered_via, "referrers");
    assert_eq!(oms.location, referrer);
    assert_eq!(oms.predicate_type.as_deref(), Some("https://model_signing/signature/v1.0"));
    let cosign = resolved.signatures_found.iter().find(|s| s.kind == SignatureKind::CosignSignature).expect("cosign tag");
    assert_eq!(cosign.discovered_via, "cosign-tag");
    assert_eq!(cosign.layers, 1);

    // The referrer bundle is verified with the OMS engine.
    let report = verify_resolved(&resolved, &key_flags()).unwrap();
    assert_eq!(report.verdict, Verdict::Verified, "{:?}", report.reasons);
    assert!(report.source.signature.as_deref().unwrap_or("").ends_with(".sigstore.json"));
    let cosign_check = report.checks.iter().find(|c| c.id == "source.signature" && c.detail.contains("cosign .sig tag")).unwrap();
    assert_eq!(cosign_check.status, modelvet::report::CheckStatus::Pass, "{}", cosign_check.detail);
    let cosign_att = report.checks.iter().find(|c| c.id == "source.signature" && c.detail.contains("cosign .att tag")).unwrap();
    assert_eq!(cosign_att.status, modelvet::report::CheckStatus::Pass, "{}", cosign_att.detail);
    // The attestation is verified over the manifest digest with the pinned key.
    let att = report.checks.iter().find(|c| c.id == "source.signature" && c.detail.contains("slsa.dev/provenance")).unwrap();
    assert_eq!(att.status, modelvet::report::CheckStatus::Pass, "{}", att.detail);
    assert!(att.detail.contains(&pushed.digest), "{}", att.detail);
    // With another key the cosign signature is flagged, not trusted.
    let mut other = key_flags();
    other.key = Some(demo_key().with_file_name("other-signer.pub.pem"));
    let report = verify_resolved(&resolved, &other).unwrap();
    let cosign_check = report.checks.iter().find(|c| c.id == "source.signature" && c.detail.contains("cosign .sig tag")).unwrap();
    assert_eq!(cosign_check.status, modelvet::report::CheckStatus::Warn, "{}", cosign_check.detail);
    let att = report.checks.iter().find(|c| c.id == "source.signature" && c.detail.contains("slsa.dev/provenance")).unwrap();
    assert_eq!(att.status, modelvet::report::CheckStatus::Warn, "{}", att.detail);
    let cosign_att = report.checks.iter().find(|c| c.id == "source.signature" && c.detail.contains("cosign .att tag")).unwrap();
    assert_eq!(cosign_att.status, modelvet::report::CheckStatus::Warn, "{}", cosign_att.detail);
    assert_ne!(report.verdict, Verdict::Verified);
}

#[test]
fn oci_interrupted_download_resumes_and_bad_partial_is_discarded() {
    let Some(reg) = Registry::start() else { return };
    push_dir(&reg, "models/demo", "v1", &demo_model());
    let weights = std::fs::read(demo_model().join("model.safetensors")).unwrap();
    let digest = sha256(&weights);
    let cache = tempfile::tempdir().unwrap();
    let store = modelvet::sources::cache::Cache::new(cache.path());
    let partial = store.partial_path(&digest).unwrap();
    std::fs::create_dir_all(partial.parent().unwrap()).unwrap();
    std::fs::write(&partial, &weights[..weights.len() / 2]).unwrap();

    let reference = format!("oci://{}/models/demo:v1", reg.host());
    let resolved = sources::resolve(&reference, &opts(cache.path())).unwrap();
    let w = resolved.files.iter().find(|f| f.path == "model.safetensors").unwrap();
    assert_eq!(w.how, "resumed");
    assert_eq!(std::fs::read(resolved.local_path.join("model.safetensors")).unwrap(), weights);

    // A partial file with wrong bytes: the whole-blob hash catches it.
    let cache2 = tempfile::tempdir().unwrap();
    let partial2 = modelvet::sources::cache::Cache::new(cache2.path()).partial_path(&digest).unwrap();
    std::fs::create_dir_all(partial2.parent().unwrap()).unwrap();
    std::fs::write(&partial2, vec![0u8; weights.len() / 2]).unwrap();
    let err = sources::resolve(&reference, &opts(cache2.path())).unwrap_err();
    assert!(matches!(err, SourceError::DigestMismatch { .. }), "{err:?}");
    assert!(!partial2.exists());
    // The next attempt starts over and succeeds.
    sources::resolve(&reference, &opts(cache2.path())).unwrap();
}

#[test]
fn oci_layer_title_with_traversal_is_rejected() {
    let Some(reg) = Registry::start() else { return };
    let c = client(&reg);
    let layer = Blob {
        media_type: "application/octet-stream".into(),
        bytes: b"evil".to_vec(),
        annotations: BTreeMap::from([("org.opencontainers.image.title".to_string(), "../../escape.txt".to_string())]),
    };
    let empty = Blob { media_type: "application/vnd.oci.empty.v1+json".into(), bytes: b"{}".to_vec(), annotations: BTreeMap::new() };
    runtime()
        .block_on(push::push_artifact(&c, &reg.host(), "models/evil", "v1", None, &empty, &[layer], None, BTreeMap::new()))
        .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let err = sources::resolve(&format!("oci://{}/models/evil:v1", reg.host()), &opts(cache.path())).unwrap_err();
    assert!(matches!(err, SourceError::UnsafePath { .. }), "{err:?}");
    assert!(!cache.path().join("oci").join("escape.txt").exists());
}

#[test]
fn insecure_http_is_loopback_only() {
    let cache = tempfile::tempdir().unwrap();
    let err = sources::resolve("oci://registry.example.com/org/model:1", &opts(cache.path())).unwrap_err();
    assert!(matches!(err, SourceError::InsecureNotLoopback(_)), "{err:?}");
}

/// The OCI 1.1 referrers API (which docker-registry lacks), served by an
/// in-process HTTP server implementing that endpoint and the manifests and
/// blob it points to.
#[test]
fn native_referrers_api_is_used_and_subjects_are_checked() {
    let subject = sha256(b"the model manifest");
    let other_subject = sha256(b"some other manifest");
    let bundle = std::fs::read(demo_model().join("model.sig")).unwrap();
    let bundle_digest = sha256(&bundle);
    let empty_digest = sha256(b"{}");
    let referrer_for = |subj: &str| {
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "artifactType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty_digest, "size": 2},
            "layers": [{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "digest": bundle_digest, "size": bundle.len()}],
            "subject": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": subj, "size": 100},
            "annotations": {"dev.sigstore.bundle.predicateType": "https://model_signing/signature/v1.0"}
        }))
        .unwrap()
    };
    let good = referrer_for(&subject);
    let stray = referrer_for(&other_subject);
    let (good_d, stray_d) = (sha256(&good), sha256(&stray));
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": good_d, "size": good.len(), "artifactType": "application/vnd.dev.sigstore.bundle.v0.3+json"},
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": stray_d, "size": stray.len(), "artifactType": "application/vnd.dev.sigstore.bundle.v0.3+json"}
        ]
    }))
    .unwrap();
    let subject2 = subject.clone();
    let (good2, stray2, bundle2) = (good.clone(), stray.clone(), bundle.clone());
    let (good_d2, stray_d2, bundle_d2) = (good_d.clone(), stray_d.clone(), bundle_digest.clone());
    let stub = Stub::start(move |req| {
        let p = req.path.split('?').next().unwrap_or("");
        let manifest = "application/vnd.oci.image.manifest.v1+json";
        if p == "/v2/" {
            Response::json("{}", "application/json")
        } else if p == format!("/v2/models/demo/referrers/{subject2}") {
            Response::json(index.clone(), "application/vnd.oci.image.index.v1+json")
        } else if p == format!("/v2/models/demo/manifests/{good_d2}") {
            Response::json(good2.clone(), manifest)
        } else if p == format!("/v2/models/demo/manifests/{stray_d2}") {
            Response::json(stray2.clone(), manifest)
        } else if p == format!("/v2/models/demo/blobs/{bundle_d2}") {
            Response::json(bundle2.clone(), "application/octet-stream")
        } else {
            Response::not_found()
        }
    });
    let oref = match sources::parse(&format!("oci://127.0.0.1:{}/models/demo:v1", stub.port)).unwrap() {
        sources::SourceRef::Oci(r) => r,
        _ => unreachable!(),
    };
    let cache = tempfile::tempdir().unwrap();
    let o = opts(cache.path());
    let c = sources::oci::client_for(&oref, &o).unwrap();
    let out = cache.path().join("refs");
    let (found, notes) = runtime()
        .block_on(sources::oci::referrers::discover(&c, &oref, &subject, &o.cache(), &out))
        .unwrap();
    assert_eq!(found.len(), 1, "{found:?} {notes:?}");
    assert_eq!(found[0].kind, SignatureKind::OmsBundle);
    assert_eq!(found[0].location, good_d);
    assert_eq!(std::fs::read(found[0].local_path.as_ref().unwrap()).unwrap(), bundle);
    assert!(notes.iter().any(|n| n.contains(&stray_d) && n.contains("subject")), "{notes:?}");
    let paths = stub.paths();
    assert!(paths.iter().any(|p| p.starts_with(&format!("/v2/models/demo/referrers/{subject}"))));
    // The native answer was used: the fallback tag was never asked for.
    let fallback = format!("/v2/models/demo/manifests/{}", subject.replace(':', "-"));
    assert!(!paths.contains(&fallback), "{paths:?}");
}

/// A KitOps ModelKit (one tar+gzip model layer) and a Docker Model Runner
/// artifact (an unnamed GGUF layer) are laid out as files; progress is
/// reported per blob.
#[test]
fn oci_kitops_and_docker_ai_layers_become_files() {
    let Some(reg) = Registry::start() else { return };
    let c = client(&reg);
    let rt = runtime();
    // The demo model packed as KitOps does: a gzipped tar of the files.
    let mut tarball = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()));
    tarball.append_dir_all(".", demo_model()).unwrap();
    let gz = tarball.into_inner().unwrap().finish().unwrap();
    let kitfile = Blob {
        media_type: "application/vnd.kitops.modelkit.config.v1+json".into(),
        bytes: br#"{"manifestVersion":"1.0","package":{"name":"demo"}}"#.to_vec(),
        annotations: BTreeMap::new(),
    };
    let layer = Blob { media_type: "application/vnd.kitops.modelkit.model.v1.tar+gzip".into(), bytes: gz, annotations: BTreeMap::new() };
    rt.block_on(push::push_artifact(&c, &reg.host(), "kits/demo", "v1", None, &kitfile, &[layer], None, BTreeMap::new()))
        .unwrap();

    struct Count(std::sync::Mutex<Vec<String>>);
    impl sources::FetchObserver for Count {
        fn progress(&self, p: &sources::FetchProgress) {
            if p.finished {
                self.0.lock().unwrap().push(p.name.clone());
            }
        }
    }
    let count = std::sync::Arc::new(Count(Default::default()));
    let cache = tempfile::tempdir().unwrap();
    let o = ResolveOptions { observer: count.clone(), ..opts(cache.path()) };
    let resolved = sources::resolve(&format!("oci://{}/kits/demo:v1", reg.host()), &o).unwrap();
    assert!(resolved.notes.iter().any(|n| n.contains("KitOps ModelKit")), "{:?}", resolved.notes);
    let report = verify_resolved(&resolved, &key_flags()).unwrap();
    assert_eq!(report.verdict, Verdict::Verified, "{:?}", report.reasons);
    assert_eq!(count.0.lock().unwrap().len(), 1);

    // Docker `ai/` layers carry no names.
    let weights = b"GGUF\x03\x00\x00\x00fake weights".to_vec();
    let cfg = Blob {
        media_type: "application/vnd.docker.ai.model.config.v0.1+json".into(),
        bytes: br#"{"config":{"format":"gguf"}}"#.to_vec(),
        annotations: BTreeMap::new(),
    };
    let gguf = Blob { media_type: "application/vnd.docker.ai.gguf.v3".into(), bytes: weights.clone(), annotations: BTreeMap::new() };
    let lic = Blob { media_type: "application/vnd.docker.ai.license".into(), bytes: b"Apache-2.0".to_vec(), annotations: BTreeMap::new() };
    rt.block_on(push::push_artifact(&c, &reg.host(), "ai/tiny", "q4", None, &cfg, &[gguf, lic], None, BTreeMap::new())).unwrap();
    let resolved = sources::resolve(&format!("oci://{}/ai/tiny:q4", reg.host()), &o).unwrap();
    assert_eq!(std::fs::read(resolved.local_path.join("model.gguf")).unwrap(), weights);
    assert_eq!(std::fs::read(resolved.local_path.join("LICENSE")).unwrap(), b"Apache-2.0");
    assert!(resolved.notes.iter().any(|n| n.contains("Docker model")));
}

/// A registry that wants credentials: HTTP Basic, or a Bearer token from a
/// token endpoint (the Docker token flow), served in-process. Credentials
/// come from a Docker config `auths` entry or `--username/--password-stdin`.
fn auth_registry(bearer: bool) -> (Stub, String) {
    use base64::Engine;
    let weights = b"tiny weights".to_vec();
    let wd = sha256(&weights);
    let empty_d = sha256(b"{}");
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty_d, "size": 2},
        "layers": [{"mediaType": "application/octet-stream", "digest": wd, "size": weights.len(),
                    "annotations": {"org.opencontainers.image.title": "weights.bin"}}]
    }))
    .unwrap();
    let md = sha256(&manifest);
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("alice:s3cret"));
    let port = std::sync::Arc::new(std::sync::Mutex::new(0u16));
    let port2 = port.clone();
    let md2 = md.clone();
    let stub = Stub::start(move |req| {
        let p = req.path.split('?').next().unwrap_or("").to_string();
        let auth = req.headers.get("authorization").cloned().unwrap_or_default();
        let unauthorized = |challenge: String| Response {
            status: 401,
            content_type: "application/json".into(),
            body: br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#.to_vec(),
            headers: vec![("WWW-Authenticate".into(), challenge)],
        };
        let challenge = if bearer {
            format!(r#"Bearer realm="http://127.0.0.1:{}/token",service="stub""#, *port2.lock().unwrap())
        } else {
            r#"Basic realm="stub""#.to_string()
        };
        if p == "/token" {
            return if auth == basic { Response::json(r#"{"token":"tok-123"}"#, "application/json") } else { unauthorized(challenge) };
        }
        let ok = if bearer { auth == "Bearer tok-123" } else { auth == basic };
        if !ok {
            return unauthorized(challenge);
        }
        if p == "/v2/" {
            Response::json("{}", "application/json")
        } else if p == "/v2/m/tiny/manifests/v1" || p == format!("/v2/m/tiny/manifests/{md2}") {
            Response::json(manifest.clone(), "application/vnd.oci.image.manifest.v1+json")
        } else if p == format!("/v2/m/tiny/blobs/{wd}") {
            Response::json(weights.clone(), "application/octet-stream")
        } else {
            Response::not_found()
        }
    });
    *port.lock().unwrap() = stub.port;
    (stub, md)
}

#[test]
fn oci_credentials_from_docker_config_and_token_flow() {
    use base64::Engine;
    for bearer in [false, true] {
        let (stub, digest) = auth_registry(bearer);
        let reference = format!("oci://127.0.0.1:{}/m/tiny:v1", stub.port);
        let cache = tempfile::tempdir().unwrap();
        // Anonymous: refused.
        let err = sources::resolve(&reference, &opts(cache.path())).unwrap_err();
        assert!(!err.is_integrity(), "{err:?}");
        // A Docker config auths entry.
        let cfg = cache.path().join("docker.json");
        let auth = base64::engine::general_purpose::STANDARD.encode("alice:s3cret");
        std::fs::write(&cfg, format!(r#"{{"auths":{{"127.0.0.1:{}":{{"auth":"{auth}"}}}}}}"#, stub.port)).unwrap();
        let o = ResolveOptions { docker_config: Some(cfg), ..opts(cache.path()) };
        let r = sources::resolve(&reference, &o).unwrap();
        assert_eq!(r.pinned_reference, format!("oci://127.0.0.1:{}/m/tiny@{digest}", stub.port));
        assert_eq!(std::fs::read(r.local_path.join("weights.bin")).unwrap(), b"tiny weights");
    }
    // --username/--password-stdin on the command line (token flow).
    let (stub, digest) = auth_registry(true);
    let cache = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_modelvet"))
        .args(["verify", &format!("oci://127.0.0.1:{}/m/tiny:v1", stub.port), "--insecure-http", "--format", "json"])
        .args(["--username", "alice", "--password-stdin", "--key"])
        .arg(demo_key())
        .env("MODELVET_CACHE_DIR", cache.path())
        .env("DOCKER_CONFIG", cache.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"s3cret\n").unwrap();
    let out = child.wait_with_output().unwrap();
    // Fetched and pinned; unsigned, so verification fails with exit 1.
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "unsigned");
    assert_eq!(v["source"]["reference"], format!("oci://127.0.0.1:{}/m/tiny@{digest}", stub.port).as_str());
}

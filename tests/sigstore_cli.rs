//! `modelvet bundle verify` and `modelvet verify --identity …` beyond the
//! conformance sample: malformed bundles, regexp policies, the embedded
//! trust roots, the Transparency pane data, and an OMS model signed with the
//! Sigstore method.

mod sigstore_support;

use serde_json::{Value, json};
use sigstore_support::*;
use std::path::{Path, PathBuf};

const BEACON: &str =
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const GHA: &str = "https://token.actions.githubusercontent.com";

fn case(name: &str) -> Option<PathBuf> {
    let root = fixtures("sigstore")?;
    for set in ["conformance", "conformance-derived"] {
        let p = root.join(set).join(name);
        if p.is_dir() {
            return Some(p);
        }
    }
    panic!("fixture case {name} missing");
}

fn load(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// Writes `bundle` to a temp dir and runs `bundle verify` on it against the
/// case's artifact and trust root.
fn verify_mutated(case_dir: &Path, bundle: &Value) -> std::process::Output {
    let tmp = tempfile::tempdir().unwrap();
    let b = tmp.path().join("bundle.json");
    std::fs::write(&b, serde_json::to_vec(bundle).unwrap()).unwrap();
    run_in(
        case_dir,
        &[
            "bundle", "verify", "--format", "json", "--bundle", b.to_str().unwrap(), "--trusted-root", "trusted_root.json", "--identity", BEACON,
            "--issuer", GHA, "artifact",
        ],
    )
}

fn assert_rejected(o: &std::process::Output, id: &str, needle: &str) {
    assert_eq!(code(o), 1, "stdout {}\nstderr {}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    let r = report(o);
    assert_eq!(r["verdict"], "failed");
    assert_eq!(check_status(&r, id).as_deref(), Some("fail"), "{id} in {r:#}");
    let d = check_detail(&r, id);
    assert!(d.contains(needle), "{id}: {d:?} should mention {needle:?}");
}

#[test]
fn invalid_base64_is_rejected_with_a_reason() {
    let Some(dir) = case("happy-path-v0.3-new-mediaType") else { return };
    let mut b = load(&dir.join("bundle.sigstore.json"));
    b["verificationMaterial"]["certificate"]["rawBytes"] = json!("not*base64!");
    assert_rejected(&verify_mutated(&dir, &b), "sigstore.bundle", "base64");
    let mut b = load(&dir.join("bundle.sigstore.json"));
    b["messageSignature"]["signature"] = json!("%%%");
    let o = verify_mutated(&dir, &b);
    assert_rejected(&o, "sigstore.bundle", "parse");
}

#[test]
fn negative_log_index_is_rejected() {
    let Some(dir) = case("happy-path-v0.3-new-mediaType") else { return };
    let mut b = load(&dir.join("bundle.sigstore.json"));
    b["verificationMaterial"]["tlogEntries"][0]["logIndex"] = json!("-1");
    assert_rejected(&verify_mutated(&dir, &b), "sigstore.bundle", "negative logIndex");
}

#[test]
fn empty_certificate_chain_is_rejected() {
    let Some(dir) = case("happy-path-v0.2") else { return };
    let mut b = load(&dir.join("bundle.sigstore.json"));
    b["verificationMaterial"]["x509CertificateChain"]["certificates"] = json!([]);
    assert_rejected(&verify_mutated(&dir, &b), "sigstore.bundle", "empty");
}

#[test]
fn root_certificate_in_bundle_is_rejected() {
    let Some(dir) = case("happy-path-v0.2") else { return };
    let root = load(&dir.join("trusted_root.json"));
    let chain = root["certificateAuthorities"].as_array().unwrap().last().unwrap()["certChain"]["certificates"].clone();
    let fulcio_root = chain.as_array().unwrap().last().unwrap().clone();
    let mut b = load(&dir.join("bundle.sigstore.json"));
    b["verificationMaterial"]["x509CertificateChain"]["certificates"].as_array_mut().unwrap().push(fulcio_root.clone());
    assert_rejected(&verify_mutated(&dir, &b), "sigstore.bundle", "self-signed root");
    // A root as the only certificate, too.
    b["verificationMaterial"]["x509CertificateChain"]["certificates"] = json!([fulcio_root]);
    assert_rejected(&verify_mutated(&dir, &b), "sigstore.bundle", "self-signed root");
}

#[test]
fn unknown_media_type_is_rejected() {
    let Some(dir) = case("happy-path-v0.3-new-mediaType") else { return };
    let mut b = load(&dir.join("bundle.sigstore.json"));
    b["mediaType"] = json!("application/vnd.dev.sigstore.bundle+json;version=9.9");
    assert_rejected(&verify_mutated(&dir, &b), "sigstore.bundle", "unknown bundle media type");
}

#[test]
fn not_json_or_truncated_is_rejected_without_panic() {
    let Some(dir) = case("happy-path-v0.3-new-mediaType") else { return };
    let tmp = tempfile::tempdir().unwrap();
    for (i, content) in [&b""[..], b"{", b"[]", b"null", b"{\"mediaType\":1}"].iter().enumerate() {
        let p = tmp.path().join(format!("b{i}.json"));
        std::fs::write(&p, content).unwrap();
        let o = run_in(&dir, &["bundle", "verify", "--bundle", p.to_str().unwrap(), "--trusted-root", "trusted_root.json", "--identity", BEACON, "--issuer", GHA, "artifact"]);
        assert_eq!(code(&o), 1, "input {:?}: {}", String::from_utf8_lossy(content), String::from_utf8_lossy(&o.stderr));
    }
}

#[test]
fn tampered_transparency_fields_fail_our_own_checks() {
    let Some(dir) = case("happy-path-v0.3-new-mediaType") else { return };
    // A changed integrated time breaks the SET.
    let mut b = load(&dir.join("bundle.sigstore.json"));
    let t: i64 = b["verificationMaterial"]["tlogEntries"][0]["integratedTime"].as_str().unwrap().parse().unwrap();
    b["verificationMaterial"]["tlogEntries"][0]["integratedTime"] = json!((t + 1).to_string());
    assert_rejected(&verify_mutated(&dir, &b), "sigstore.set", "does not verify");
    // A different tree size breaks the Merkle path and the checkpoint match.
    let mut b = load(&dir.join("bundle.sigstore.json"));
    let n: u64 = b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["treeSize"].as_str().unwrap().parse().unwrap();
    b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["treeSize"] = json!((n + 1).to_string());
    let o = verify_mutated(&dir, &b);
    assert_eq!(code(&o), 1);
}

#[test]
fn regexp_identity_policy() {
    let Some(dir) = case("happy-path-v0.3-new-mediaType") else { return };
    let base = ["bundle", "verify", "--format", "json", "--bundle", "bundle.sigstore.json", "--trusted-root", "trusted_root.json"];
    let ok = [&base[..], &["--identity-regexp", r"^https://github\.com/sigstore-conformance/", "--issuer-regexp", r"githubusercontent\.com$", "artifact"]].concat();
    let o = run_in(&dir, &ok);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
    assert!(check_detail(&report(&o), "sigstore.identity").contains("matching"));
    let bad = [&base[..], &["--identity-regexp", r"^https://github\.com/evil/", "--issuer", GHA, "artifact"]].concat();
    let o = run_in(&dir, &bad);
    assert_eq!(code(&o), 1);
    assert_eq!(check_status(&report(&o), "sigstore.identity").as_deref(), Some("fail"));
    let bad_issuer = [&base[..], &["--identity", BEACON, "--issuer-regexp", "^https://accounts\\.google\\.com$", "artifact"]].concat();
    let o = run_in(&dir, &bad_issuer);
    assert_eq!(code(&o), 1);
    assert_eq!(check_status(&report(&o), "sigstore.issuer").as_deref(), Some("fail"));
    // An invalid regexp is a usage error.
    let o = run_in(&dir, &[&base[..], &["--identity-regexp", "(", "--issuer", GHA, "artifact"]].concat());
    assert_eq!(code(&o), 2);
}

#[test]
fn embedded_public_good_root_is_the_default_and_staging_is_selectable() {
    let Some(dir) = case("happy-path-v0.3-new-mediaType") else { return };
    let o = run_in(&dir, &["bundle", "verify", "--format", "json", "--bundle", "bundle.sigstore.json", "--identity", BEACON, "--issuer", GHA, "artifact"]);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
    let r = report(&o);
    let tr = &r["transparency"]["trust_root"];
    assert_eq!(tr["instance"], "public-good");
    assert!(tr["source"].as_str().unwrap().contains("pypi:sigstore=="));
    assert!(tr["date"].is_string());
    assert!(check_detail(&r, "sigstore.trust-root").contains("retrieved"));
    // The same bundle against the embedded staging root: wrong instance.
    let o = run_in(&dir, &["bundle", "verify", "--staging", "--format", "json", "--bundle", "bundle.sigstore.json", "--identity", BEACON, "--issuer", GHA, "artifact"]);
    assert_eq!(code(&o), 1);
    assert_eq!(check_status(&report(&o), "sigstore.tlog-log").as_deref(), Some("fail"));
    // A staging bundle verifies with --staging and no --trusted-root.
    let Some(st) = case("staging-bundle-with-staging-root") else { return };
    let o = run_in(&st, &["verify", "--bundle", "bundle.sigstore.json", "--staging", "--identity", BEACON, "--issuer", GHA, "artifact"]);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
}

#[test]
fn transparency_pane_data_is_complete() {
    let Some(dir) = case("happy-path-v0.3-new-mediaType") else { return };
    let o = run_in(&dir, &["bundle", "verify", "--format", "json", "--bundle", "bundle.sigstore.json", "--trusted-root", "trusted_root.json", "--identity", BEACON, "--issuer", GHA, "artifact"]);
    assert_eq!(code(&o), 0);
    let t = report(&o)["transparency"].clone();
    let bundle = load(&dir.join("bundle.sigstore.json"));
    let be = &bundle["verificationMaterial"]["tlogEntries"][0];
    let e = &t["entries"][0];
    assert_eq!(e["log_id"], be["logId"]["keyId"]);
    assert_eq!(e["log_index"].as_u64().unwrap().to_string(), be["logIndex"].as_str().unwrap());
    assert_eq!(e["log_url"], "https://rekor.sigstore.dev");
    assert_eq!(e["rekor"], "v1");
    assert_eq!(e["body"]["status"], "pass");
    let inc = &e["inclusion"];
    assert_eq!(inc["tree_size"].as_u64().unwrap().to_string(), be["inclusionProof"]["treeSize"].as_str().unwrap());
    let path = inc["audit_path"].as_array().unwrap();
    assert_eq!(path.len(), be["inclusionProof"]["hashes"].as_array().unwrap().len());
    assert!(path.iter().all(|s| s["side"] == "left" || s["side"] == "right"));
    assert_eq!(path.last().unwrap()["result"], inc["root_hash"]);
    assert_eq!(inc["outcome"]["status"], "pass");
    let cp = &inc["checkpoint"];
    assert_eq!(cp["text"], be["inclusionProof"]["checkpoint"]["envelope"]);
    assert!(cp["origin"].as_str().unwrap().starts_with("rekor.sigstore.dev - "));
    assert_eq!(cp["signed_by"], "https://rekor.sigstore.dev");
    assert_eq!(cp["signatures"][0]["role"], "log");
    assert_eq!(e["set"]["outcome"]["status"], "pass");
    assert_eq!(e["set"]["signature"], be["inclusionPromise"]["signedEntryTimestamp"]);
    assert_eq!(t["verified_times"].as_array().unwrap().len(), 1);
}

#[test]
fn cosigned_checkpoint_lists_the_witness() {
    let Some(dir) = case("rekor2-checkpoint-cosigned") else { return };
    let c = load(&dir.join("case.json"));
    let o = run_in(&dir, &["bundle", "verify", "--format", "json", "--bundle", "bundle.sigstore.json", "--trusted-root", "trusted_root.json", "--identity", c["identity"].as_str().unwrap(), "--issuer", c["issuer"].as_str().unwrap(), "artifact"]);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
    let r = report(&o);
    let sigs = r["transparency"]["entries"][0]["inclusion"]["checkpoint"]["signatures"].as_array().unwrap().clone();
    assert_eq!(sigs.len(), 2);
    assert!(sigs.iter().any(|s| s["role"] == "witness" && s["outcome"]["status"] == "skip"));
    assert_eq!(r["transparency"]["entries"][0]["rekor"], "v2");
    assert_eq!(r["transparency"]["rfc3161_timestamps"][0]["outcome"]["status"], "pass");
}

#[test]
fn unreadable_inputs_are_usage_errors() {
    let Some(dir) = case("happy-path-v0.3-new-mediaType") else { return };
    let o = run_in(&dir, &["bundle", "verify", "--bundle", "nope.json", "--identity", BEACON, "--issuer", GHA, "artifact"]);
    assert_eq!(code(&o), 2);
    let o = run_in(&dir, &["bundle", "verify", "--bundle", "bundle.sigstore.json", "--identity", BEACON, "--issuer", GHA, "no-such-artifact"]);
    assert_eq!(code(&o), 2);
    let o = run_in(&dir, &["bundle", "verify", "--bundle", "bundle.sigstore.json", "--identity", BEACON, "artifact"]);
    assert_eq!(code(&o), 2);
}

/// The OMS spec's real Sigstore-method signature: at bundle level its
/// DSSE, Fulcio leaf and Rekor entry verify offline with the embedded
/// public-good root, over the statement's subject digest.
const OMS_IDENTITY: &str = "stefanb@us.ibm.com";
const OMS_ISSUER: &str = "https://sigstore.verify.ibm.com/oauth2";

fn oms_bundle() -> Option<(PathBuf, String)> {
    let p = fixtures("oms-spec")?.join("test-vectors/v1.0/valid/sigstore.bundle.json");
    let b = load(&p);
    let payload = base64_decode(b["dsseEnvelope"]["payload"].as_str().unwrap());
    let st: Value = serde_json::from_slice(&payload).unwrap();
    Some((p, st["subject"][0]["digest"]["sha256"].as_str().unwrap().to_string()))
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

#[test]
fn oms_sigstore_bundle_verifies_at_bundle_level() {
    let Some((p, digest)) = oms_bundle() else { return };
    let cwd = p.parent().unwrap();
    let o = run_in(cwd, &["bundle", "verify", "--format", "json", "--bundle", p.to_str().unwrap(), "--identity", OMS_IDENTITY, "--issuer", OMS_ISSUER, &format!("sha256:{digest}")]);
    let r = report(&o);
    assert_eq!(code(&o), 0, "{r:#}");
    assert_eq!(r["transparency"]["entries"][0]["kind"], "dsse");
    let o = run_in(cwd, &["bundle", "verify", "--format", "json", "--bundle", p.to_str().unwrap(), "--identity", "someone@else.example", "--issuer", OMS_ISSUER, &format!("sha256:{digest}")]);
    assert_eq!(code(&o), 1);
    assert_eq!(check_status(&report(&o), "sigstore.identity").as_deref(), Some("fail"));
}

#[test]
fn oms_model_signed_with_sigstore_method() {
    let Some((p, _)) = oms_bundle() else { return };
    // The resources' content is not published: a model with other bytes must
    // fail on the files while every Sigstore check on the signature passes.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("signme-1"), b"not the signed content 1").unwrap();
    std::fs::write(tmp.path().join("signme-2"), b"not the signed content 2").unwrap();
    let o = run_in(tmp.path(), &["verify", ".", "--format", "json", "--signature", p.to_str().unwrap(), "--identity", OMS_IDENTITY, "--issuer", OMS_ISSUER]);
    assert_eq!(code(&o), 1);
    let r = report(&o);
    for id in ["sigstore.signature", "sigstore.identity", "sigstore.issuer", "sigstore.certificate-chain", "sigstore.sct", "sigstore.inclusion-proof", "sigstore.checkpoint", "sigstore.set", "sigstore.tlog-body", "sigstore.verifier"] {
        assert_eq!(check_status(&r, id).as_deref(), Some("pass"), "{id}: {}", check_detail(&r, id));
    }
    assert_eq!(r["signer"]["pinned"], Value::Bool(true));
    assert_eq!(r["signer"]["identity"], OMS_IDENTITY);
    assert!(r["transparency"]["entries"].is_array());
    assert!(r["files"].as_array().unwrap().iter().any(|f| f["status"] == "modified"));
    // Wrong identity: the signer is not pinned and the Sigstore check fails.
    let o = run_in(tmp.path(), &["verify", ".", "--format", "json", "--signature", p.to_str().unwrap(), "--identity", "x@y.z", "--issuer", OMS_ISSUER]);
    assert_eq!(code(&o), 1);
    let r = report(&o);
    assert_eq!(r["signer"]["pinned"], Value::Bool(false));
    assert_eq!(check_status(&r, "sigstore.identity").as_deref(), Some("fail"));
}

/// Rewrites the first entry's checkpoint text with `f`.
fn with_checkpoint(dir: &Path, f: impl Fn(&str) -> String) -> Value {
    let mut b = load(&dir.join("bundle.sigstore.json"));
    let cp = b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]["envelope"].as_str().unwrap().to_string();
    b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]["envelope"] = json!(f(&cp));
    b
}

#[test]
fn checkpoint_key_hint_and_origin_are_checked() {
    use base64::Engine;
    let Some(dir) = case("happy-path-v0.3-new-mediaType") else { return };
    // Flip the key hint of the log's signature line: no line names the log.
    let b = with_checkpoint(&dir, |cp| {
        let (body, sig) = cp.split_once("\n\n").unwrap();
        let line = sig.lines().next().unwrap();
        let (name, b64) = line.rsplit_once(' ').unwrap();
        let mut raw = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
        raw[0] ^= 0xff;
        format!("{body}\n\n{name} {}\n", base64::engine::general_purpose::STANDARD.encode(raw))
    });
    assert_rejected(&verify_mutated(&dir, &b), "sigstore.checkpoint", "key hint");
    // Another log's origin.
    let b = with_checkpoint(&dir, |cp| cp.replacen("rekor.sigstore.dev - ", "rekor.example.com - ", 1));
    assert_rejected(&verify_mutated(&dir, &b), "sigstore.checkpoint", "does not belong to the log");
    // An extra unknown witness line is tolerated.
    let b = with_checkpoint(&dir, |cp| format!("{cp}\u{2014} witness.example AAAAAAAAAAAA\n"));
    let o = verify_mutated(&dir, &b);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
}

//! What a fetched source adds to a verification: which signature to
//! verify when the user named none (a `model.sig` in the model, else the
//! first OMS bundle found as a referrer), and the report checks that
//! record the pinned reference, what was fetched and every signature found.

use super::{ResolvedSource, SignatureKind};
use crate::oms::VerifyOptions;
use crate::report::{CheckStatus, VerificationReport};
use std::path::{Path, PathBuf};

/// Points `opts` at the resolved model, records the pinned reference, and
/// picks the signature when none was given. Returns the signature path
/// that will be verified.
pub fn attach(resolved: &ResolvedSource, opts: &mut VerifyOptions) -> PathBuf {
    opts.reference = resolved.pinned_reference.clone();
    if let Some(s) = &opts.signature {
        return s.clone();
    }
    let default = opts.default_signature_path();
    if default.is_file() {
        return default;
    }
    match resolved.signatures_found.iter().find(|s| s.kind == SignatureKind::OmsBundle).and_then(|s| s.local_path.clone()) {
        Some(p) => {
            opts.signature = Some(p.clone());
            p
        }
        None => default,
    }
}

/// Records the source in a report: pinned reference, kind, what was
/// fetched, the signatures found and which one was verified. Cosign
/// simple-signing tags are checked against `key` when one is given; they
/// are secondary to the OMS verdict, so a mismatch is a warning.
pub fn annotate(report: &mut VerificationReport, resolved: &ResolvedSource, used: Option<&Path>, options: &VerifyOptions) {
    let key = match &options.trust {
        crate::oms::Trust::Key(k) => Some(k),
        _ => None,
    };
    report.source.reference = resolved.pinned_reference.clone();
    report.source.kind = resolved.kind.as_str().to_string();
    let fetched = resolved.files.len();
    report.check(
        "source.resolve",
        CheckStatus::Pass,
        format!(
            "{} resolved to {}; {fetched} file(s) checked against their digests",
            resolved.original, resolved.pinned_reference
        ),
    );
    for sig in &resolved.signatures_found {
        let is_used = match (&sig.local_path, used) {
            (Some(p), Some(u)) => p == u,
            _ => false,
        };
        let mut detail = format!("{} at {} (via {})", sig.kind.word(), sig.location, sig.discovered_via);
        if let Some(p) = &sig.predicate_type {
            detail.push_str(&format!(", predicate {p}"));
        }
        if matches!(sig.kind, SignatureKind::CosignSignature | SignatureKind::CosignAttestation)
            && let (Some(k), Some(digest)) = (key, resolved.oci_digest())
            && !sig.cosign_layers.is_empty()
        {
            let check = if sig.kind == SignatureKind::CosignSignature {
                crate::sources::cosign::verify_simple_signing
            } else {
                crate::sources::cosign::verify_attestation
            };
            let results: Vec<Result<(), String>> = sig.cosign_layers.iter().map(|l| check(l, digest, k)).collect();
            if results.iter().any(Result::is_ok) {
                detail.push_str(&format!(": verified with the given key over {digest}"));
                report.check("source.signature", CheckStatus::Pass, detail);
            } else {
                let why: Vec<String> = results.into_iter().filter_map(Result::err).collect();
                detail.push_str(&format!(": does not verify with the given key ({})", why.join("; ")));
                report.check("source.signature", CheckStatus::Warn, detail);
            }
            continue;
        }
        if sig.kind == SignatureKind::SigstoreBundle
            && let (Some(path), Some(digest)) = (&sig.local_path, resolved.oci_digest())
        {
            let (status, outcome) = verify_referrer_bundle(path, digest, options);
            detail.push_str(&format!(": {outcome}"));
            report.check("source.signature", status, detail);
            continue;
        }
        if sig.kind == SignatureKind::Evidence
            && let Some(path) = &sig.local_path
        {
            let (status, outcome) = check_evidence(path, report.model_digest.as_deref());
            detail.push_str(&format!(": {outcome}"));
            report.check("source.evidence", status, detail);
            continue;
        }
        if is_used {
            let ok = report.verdict == crate::report::Verdict::Verified;
            detail.push_str(if ok { ": verified" } else { ": did not verify (see reasons)" });
            report.check("source.signature", if ok { CheckStatus::Pass } else { CheckStatus::Fail }, detail);
        } else {
            detail.push_str(": found, not verified by this command");
            report.check("source.signature", CheckStatus::Skip, detail);
        }
    }
    report.warnings.extend(resolved.notes.iter().cloned());
}

/// Verifies a Sigstore bundle found as a referrer (a cosign 3 signature or
/// attestation) over the manifest digest with the signer the user pinned
/// (`--key`, or `--identity/--issuer` with the chosen trust root), using
/// the same engine as `modelvet bundle verify`. The OMS verdict decides the
/// model; these bundles are extra evidence, so a failure is a warning and
/// without a pinned key or identity they are only listed.
fn verify_referrer_bundle(path: &Path, manifest_digest: &str, options: &VerifyOptions) -> (CheckStatus, String) {
    use crate::sigstore::verify::{ArtifactInput, SignerPolicy, verify_bundle};
    let policy = match &options.trust {
        crate::oms::Trust::Key(k) => SignerPolicy::Key(k.spki_der()),
        crate::oms::Trust::Sigstore(p) => match p.compile() {
            Ok(c) => SignerPolicy::Identity(c),
            Err(e) => return (CheckStatus::Warn, format!("not verified: {e}")),
        },
        _ => return (CheckStatus::Skip, "found; pass --key or --identity/--issuer to verify it".into()),
    };
    let Some(hex) = manifest_digest.strip_prefix("sha256:") else {
        return (CheckStatus::Warn, format!("not verified: {manifest_digest} is not a sha256 digest"));
    };
    let Ok(Ok(digest)) = hex::decode(hex).map(<[u8; 32]>::try_from) else {
        return (CheckStatus::Warn, format!("not verified: {manifest_digest} is not a sha256 digest"));
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return (CheckStatus::Warn, format!("not verified: cannot read {}: {e}", path.display())),
    };
    let choice = crate::sigstore::trust::TrustRootChoice::from_flags(options.trusted_root.as_deref(), options.sigstore_staging);
    let trust = match crate::sigstore::trust::load(&choice) {
        Ok(t) => t,
        Err(e) => return (CheckStatus::Warn, format!("not verified: {e}")),
    };
    // Managed-key bundles made without a transparency log (cosign
    // `--tlog-upload=false`, or our own evidence): the DSSE signature with
    // the pinned key, and the statement must name this manifest.
    if let crate::oms::Trust::Key(k) = &options.trust
        && !has_tlog_entry(&bytes)
    {
        return match crate::dsse::verify_dsse_bundle(&bytes, k) {
            Ok(payload) if crate::dsse::statement_names_sha256(&payload, hex) => {
                (CheckStatus::Pass, format!("verified over {manifest_digest} with the pinned key (no transparency log entry)"))
            }
            Ok(_) => (CheckStatus::Warn, format!("signed with the pinned key, but its statement does not name {manifest_digest}")),
            Err(e) => (CheckStatus::Warn, format!("does not verify with the pinned key: {e}")),
        };
    }
    // The bundle's own checks go into a scratch report; one line goes into ours.
    let mut scratch = VerificationReport::new(report_source(path));
    let outcome = verify_bundle(&bytes, &ArtifactInput::Digest(digest), &policy, &trust, &mut scratch);
    if outcome.verified {
        let who = outcome.identity.map(|i| format!(" signed by {i}")).unwrap_or_default();
        (CheckStatus::Pass, format!("verified over {manifest_digest}{who}"))
    } else {
        let why: Vec<String> =
            scratch.checks.iter().filter(|c| c.status == CheckStatus::Fail).map(|c| format!("{}: {}", c.id, c.detail)).collect();
        (CheckStatus::Warn, format!("does not verify over {manifest_digest} with the pinned signer ({})", why.join("; ")))
    }
}

fn report_source(path: &Path) -> crate::report::SourceInfo {
    crate::report::SourceInfo { reference: path.display().to_string(), kind: "bundle".into(), signature: None }
}

/// Whether a Sigstore bundle carries at least one transparency log entry.
fn has_tlog_entry(bundle: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(bundle)
        .ok()
        .and_then(|v| v.pointer("/verificationMaterial/tlogEntries").and_then(|t| t.as_array()).map(|a| !a.is_empty()))
        .unwrap_or(false)
}


/// Checks an evidence bundle found beside the model (pushed by a colleague
/// with `export --push`) offline, with the bundle's own keys: it must be
/// intact and about the model just verified. Its keys cannot be pinned
/// here, so a pass says so; a failure is a warning (the OMS verdict decides).
fn check_evidence(path: &Path, model_digest: Option<&str>) -> (CheckStatus, String) {
    let r = match crate::evidence::verify::verify_file(path, &Default::default(), None) {
        Ok(r) => r,
        Err(e) => return (CheckStatus::Warn, format!("unreadable: {e}")),
    };
    if r.model_digest.as_deref() != model_digest {
        return (
            CheckStatus::Warn,
            format!("about {}, not the model verified here ({})", r.model_digest.as_deref().unwrap_or("?"), model_digest.unwrap_or("no digest")),
        );
    }
    if r.ok {
        (
            CheckStatus::Pass,
            format!(
                "intact, {} reviewer decision(s) for this model; checked with the bundle's own keys (pin them: modelvet evidence verify {} --ledger-key … --reviewer-key …)",
                r.approvals,
                path.display()
            ),
        )
    } else {
        let failed: Vec<String> = r.checks.iter().filter(|c| c.status == CheckStatus::Fail).map(|c| format!("{}: {}", c.id, c.detail)).collect();
        (CheckStatus::Warn, format!("does not verify ({})", failed.join("; ")))
    }
}

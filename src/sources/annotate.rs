//! What a fetched source adds to a verification: which signature to
//! verify when the user named none (a `model.sig` in the model, else the
//! first OMS bundle found as a referrer), and the report checks that
//! record the pinned reference, what was fetched and every signature found.

use super::{ResolvedSource, SignatureKind};
use crate::crypto::PublicKey;
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
pub fn annotate(report: &mut VerificationReport, resolved: &ResolvedSource, used: Option<&Path>, key: Option<&PublicKey>) {
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
        if sig.kind == SignatureKind::CosignSignature
            && let (Some(k), Some(digest)) = (key, resolved.oci_digest())
            && !sig.cosign_layers.is_empty()
        {
            let results: Vec<Result<(), String>> =
                sig.cosign_layers.iter().map(|l| crate::sources::cosign::verify_simple_signing(l, digest, k)).collect();
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

//! The OMS `sigstore` method: a model signature that is a Sigstore bundle
//! with a DSSE envelope, a Fulcio leaf and a Rekor entry. The bundle is
//! verified over its own in-toto subject digest (the model's root digest);
//! the OMS layer then checks that digest and every file against the model.

use super::trust::{TrustRootChoice, load};
use super::verify::{ArtifactInput, SignerPolicy, verify_bundle};
use crate::crypto::x509::Cert;
use crate::oms::bundle::{Material, OmsBundle};
use crate::oms::{Trust, VerifyOptions};
use crate::report::{CheckStatus, SignerInfo, VerificationReport};

/// The statement's first sha256 subject digest.
fn subject_digest(payload: &[u8]) -> Option<[u8; 32]> {
    let v: serde_json::Value = serde_json::from_slice(payload).ok()?;
    let hex_digest = v.get("subject")?.get(0)?.get("digest")?.get("sha256")?.as_str()?;
    hex::decode(hex_digest).ok()?.try_into().ok()
}

/// Authenticates an OMS bundle signed with the Sigstore method. Returns true
/// (and pins the signer) only when every Sigstore check passed.
pub fn authenticate_oms(bundle: &OmsBundle, opts: &VerifyOptions, report: &mut VerificationReport, signer: &mut SignerInfo) -> bool {
    if let Material::Sigstore { leaf } = &bundle.material
        && let Ok(cert) = Cert::from_der(leaf, 0) {
            signer.identity = cert.info.san.first().map(|s| s.split_once(':').map_or(s.as_str(), |(_, v)| v).to_string());
            signer.issuer = cert.info.oidc_issuer.clone();
            signer.algorithm = Some(cert.info.key_algorithm.clone());
            signer.certificates.push(cert.info);
        }
    let policy = match &opts.trust {
        Trust::Sigstore(p) => p,
        Trust::Unpinned => {
            report.check("sigstore.verify", CheckStatus::Skip, "Sigstore keyless bundle: pass --identity and --issuer to verify it");
            return false;
        }
        _ => {
            report.fail("bundle.method", "the bundle is signed with Sigstore (keyless), but a key or certificate chain was given");
            return false;
        }
    };
    let compiled = match policy.compile() {
        Ok(c) => c,
        Err(e) => {
            report.fail("sigstore.policy", e.to_string());
            return false;
        }
    };
    let choice = TrustRootChoice::from_flags(opts.trusted_root.as_deref(), opts.sigstore_staging);
    let trust = match load(&choice) {
        Ok(t) => t,
        Err(e) => {
            report.fail("sigstore.trust-root", e.to_string());
            return false;
        }
    };
    let Some(digest) = subject_digest(&bundle.envelope.payload) else {
        report.fail("sigstore.artifact", "the in-toto statement has no sha256 subject digest to verify the bundle over");
        return false;
    };
    let bytes = match serde_json::to_vec(&bundle.raw) {
        Ok(b) => b,
        Err(e) => {
            report.fail("sigstore.bundle", format!("cannot re-serialise the bundle: {e}"));
            return false;
        }
    };
    let out = verify_bundle(&bytes, &ArtifactInput::Digest(digest), &SignerPolicy::Identity(compiled), &trust, report);
    if let Some(id) = out.identity {
        signer.identity = Some(id);
    }
    if out.issuer.is_some() {
        signer.issuer = out.issuer;
    }
    signer.pinned = out.verified;
    out.verified
}

//! Sigstore keyless verification (Fulcio certificates, Rekor transparency
//! log, RFC 3161 timestamps), fully offline against a trusted root.

use crate::crypto::x509::Cert;
use crate::oms::VerifyOptions;
use crate::oms::bundle::{Material, OmsBundle};
use crate::report::{CheckStatus, SignerInfo, VerificationReport};

/// Whether this build verifies keyless signatures.
pub const KEYLESS_AVAILABLE: bool = false;

/// The identity a keyless signature must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityPolicy {
    /// Expected SAN (exact), or a regular expression with `identity_regexp`.
    pub identity: String,
    pub identity_regexp: bool,
    /// Expected OIDC issuer (exact), or a regular expression.
    pub issuer: String,
    pub issuer_regexp: bool,
}

/// Authenticates an OMS bundle signed with the Sigstore method.
///
/// Keyless verification is not available in this build: with an identity
/// policy this fails closed; without one it shows the certificate only.
pub fn authenticate_oms(
    bundle: &OmsBundle,
    opts: &VerifyOptions,
    report: &mut VerificationReport,
    signer: &mut SignerInfo,
) -> bool {
    if let Material::Sigstore { leaf } = &bundle.material {
        if let Ok(cert) = Cert::from_der(leaf, 0) {
            signer.identity = cert.info.san.first().cloned();
            signer.issuer = cert.info.oidc_issuer.clone();
            signer.certificates.push(cert.info);
        }
    }
    match &opts.trust {
        crate::oms::Trust::Sigstore(_) => {
            report.fail("sigstore.verify", "Sigstore keyless verification is not available in this build");
        }
        _ => report.check(
            "sigstore.verify",
            CheckStatus::Skip,
            "Sigstore keyless bundle: pass --identity and --issuer to verify it",
        ),
    }
    false
}

//! `modelvet bundle verify`: verify any Sigstore bundle (v0.1–v0.3, message
//! signature or DSSE) over an artifact file or `sha256:<hex>` digest. Also
//! reached as `modelvet verify --bundle …`, the sigstore-conformance client
//! protocol.

use super::verify::Format;
use super::{Exit, fail, output};
use crate::report::{SignerInfo, SigningMethod, SourceInfo, VerificationReport, Verdict};
use crate::sigstore::verify::{ArtifactInput, SignerPolicy, verify_bundle};
use crate::sigstore::{IdentityPolicy, TrustRootChoice, trust};
use clap::{Args, Subcommand};
use std::fmt::Write;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct BundleCmd {
    #[command(subcommand)]
    pub command: BundleSub,
}

#[derive(Debug, Subcommand)]
pub enum BundleSub {
    /// Verify a Sigstore bundle over an artifact or a sha256 digest, offline.
    Verify(BundleVerifyArgs),
}

#[derive(Debug, Clone, Args)]
pub struct BundleVerifyArgs {
    /// The Sigstore bundle (JSON).
    #[arg(long, value_name = "FILE")]
    pub bundle: PathBuf,
    /// Managed-key bundles: the signer's public key (PEM).
    #[arg(long, value_name = "PUB.pem", conflicts_with_all = ["identity", "identity_regexp", "issuer", "issuer_regexp"])]
    pub key: Option<PathBuf>,
    #[command(flatten)]
    pub sigstore: SigstoreFlags,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The artifact file, or `sha256:<64 lowercase hex>`.
    #[arg(value_name = "FILE_OR_DIGEST")]
    pub artifact: String,
}

/// The Sigstore keyless flags shared by `verify` (and every command that
/// verifies a model) and `bundle verify`.
#[derive(Debug, Clone, Default, Args)]
pub struct SigstoreFlags {
    /// Expected signer identity (certificate SAN), exact.
    #[arg(long, value_name = "SAN", conflicts_with = "identity_regexp")]
    pub identity: Option<String>,
    /// Expected signer identity as a regular expression (unanchored, cosign semantics).
    #[arg(long, value_name = "REGEX")]
    pub identity_regexp: Option<String>,
    /// Expected OIDC issuer, exact.
    #[arg(long, value_name = "URL", conflicts_with = "issuer_regexp")]
    pub issuer: Option<String>,
    /// Expected OIDC issuer as a regular expression.
    #[arg(long, value_name = "REGEX")]
    pub issuer_regexp: Option<String>,
    /// Sigstore trusted root (trusted_root.json) instead of the embedded public-good one.
    #[arg(long = "trusted-root", value_name = "FILE")]
    pub trusted_root: Option<PathBuf>,
    /// Use the embedded Sigstore staging trust root.
    #[arg(long)]
    pub staging: bool,
}

impl SigstoreFlags {
    /// The identity policy, when an identity and an issuer were given.
    pub fn policy(&self) -> Result<Option<IdentityPolicy>, String> {
        identity_policy(self.identity.as_deref(), self.identity_regexp.as_deref(), self.issuer.as_deref(), self.issuer_regexp.as_deref())
    }

    /// Whether any identity was given (a keyless signer is pinned).
    pub fn names_identity(&self) -> bool {
        self.identity.is_some() || self.identity_regexp.is_some()
    }

    pub fn trust_root(&self) -> TrustRootChoice {
        TrustRootChoice::from_flags(self.trusted_root.as_deref(), self.staging)
    }
}

/// Builds an identity policy from exact/regexp flags; both an identity and
/// an issuer are required (cosign's rule).
pub fn identity_policy(
    identity: Option<&str>,
    identity_regexp: Option<&str>,
    issuer: Option<&str>,
    issuer_regexp: Option<&str>,
) -> Result<Option<IdentityPolicy>, String> {
    let id = match (identity, identity_regexp) {
        (Some(i), _) => Some((i.to_string(), false)),
        (None, Some(r)) => Some((r.to_string(), true)),
        _ => None,
    };
    let iss = match (issuer, issuer_regexp) {
        (Some(i), _) => Some((i.to_string(), false)),
        (None, Some(r)) => Some((r.to_string(), true)),
        _ => None,
    };
    match (id, iss) {
        (Some((identity, identity_regexp)), Some((issuer, issuer_regexp))) => {
            Ok(Some(IdentityPolicy { identity, identity_regexp, issuer, issuer_regexp }))
        }
        (None, None) => Ok(None),
        (Some(_), None) => Err("--identity/--identity-regexp needs --issuer or --issuer-regexp".into()),
        (None, Some(_)) => Err("--issuer/--issuer-regexp needs --identity or --identity-regexp".into()),
    }
}

/// `sha256:` followed by exactly 64 lowercase hex digits; anything else is a path.
pub fn parse_artifact(s: &str) -> ArtifactInput {
    if let Some(h) = s.strip_prefix("sha256:")
        && h.len() == 64 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            && let Ok(Ok(d)) = hex::decode(h).map(<[u8; 32]>::try_from) {
                return ArtifactInput::Digest(d);
            }
    ArtifactInput::File(PathBuf::from(s))
}

pub fn run(cmd: BundleCmd) -> Exit {
    match cmd.command {
        BundleSub::Verify(args) => run_verify(&args),
    }
}

pub fn run_verify(args: &BundleVerifyArgs) -> Exit {
    let policy = match args.sigstore.policy() {
        Ok(p) => p,
        Err(m) => return fail(Exit::Usage, m),
    };
    let bundle_bytes = match std::fs::read(&args.bundle) {
        Ok(b) => b,
        Err(e) => return fail(Exit::Usage, format!("cannot read bundle {}: {e}", args.bundle.display())),
    };
    let artifact = parse_artifact(&args.artifact);
    if let ArtifactInput::File(p) = &artifact
        && let Err(e) = std::fs::File::open(p) {
            return fail(Exit::Usage, format!("cannot read artifact {}: {e}", p.display()));
        }
    let trust = match trust::load(&args.sigstore.trust_root()) {
        Ok(t) => t,
        Err(e) => return fail(Exit::Usage, e),
    };
    let mut report = VerificationReport::new(SourceInfo {
        reference: args.artifact.clone(),
        kind: match artifact {
            ArtifactInput::Digest(_) => "digest".into(),
            ArtifactInput::File(_) => "file".into(),
        },
        signature: Some(args.bundle.display().to_string()),
    });
    let signer_policy = match (&args.key, policy) {
        (Some(k), _) => {
            let text = match std::fs::read_to_string(k) {
                Ok(t) => t,
                Err(e) => return fail(Exit::Usage, format!("cannot read key {}: {e}", k.display())),
            };
            match sigstore_verify::types::DerPublicKey::from_pem(&text) {
                Ok(key) => SignerPolicy::Key(key.as_bytes().to_vec()),
                Err(e) => {
                    // A key that does not parse cannot verify anything: a
                    // failed verification with a reason, not a usage error.
                    report.fail("sigstore.key", format!("{} is not a PEM public key: {e}", k.display()));
                    return finish(report, args.format, false);
                }
            }
        }
        (None, Some(p)) => match p.compile() {
            Ok(c) => SignerPolicy::Identity(c),
            Err(e) => return fail(Exit::Usage, e),
        },
        (None, None) => {
            return fail(Exit::Usage, "bundle verify needs a trusted signer: --identity SAN --issuer URL (or the -regexp forms), or --key PUB.pem");
        }
    };
    let is_key = matches!(signer_policy, SignerPolicy::Key(_));
    let out = verify_bundle(&bundle_bytes, &artifact, &signer_policy, &trust, &mut report);
    report.signer = Some(SignerInfo {
        method: if is_key { SigningMethod::Key } else { SigningMethod::Sigstore },
        pinned: out.verified,
        algorithm: None,
        key_fingerprint: None,
        key_hint: None,
        certificates: out.leaf.clone().into_iter().collect(),
        chain: Vec::new(),
        identity: out.identity.clone(),
        issuer: out.issuer.clone(),
    });
    finish(report, args.format, out.verified)
}

fn finish(mut report: VerificationReport, format: Format, verified: bool) -> Exit {
    report.finalize(true, verified);
    if !verified && report.verdict == Verdict::Verified {
        // Never reachable by construction; fail closed if it ever is.
        report.verdict = Verdict::Failed;
    }
    match format {
        Format::Json => output::print_json(&report),
        Format::Text => {
            print!("{}", output::text_report(&report));
            print!("{}", transparency_text(&report));
        }
    }
    if report.verdict == Verdict::Verified && verified { Exit::Ok } else { Exit::Failed }
}

/// A short text rendering of the transparency data (the TUI draws more).
fn transparency_text(report: &VerificationReport) -> String {
    let mut s = String::new();
    let Some(t) = &report.transparency else { return s };
    let Ok(info) = serde_json::from_value::<crate::sigstore::transparency::TransparencyInfo>(t.clone()) else { return s };
    let _ = writeln!(s, "transparency: {}", info.trust_root.describe());
    for e in &info.entries {
        let _ = writeln!(
            s,
            "  entry {} {} {} in {} (Rekor {}), integrated {}",
            e.log_index,
            e.kind,
            e.version,
            e.log_url.as_deref().unwrap_or("an untrusted log"),
            e.rekor,
            e.integrated_time.as_deref().unwrap_or("-")
        );
        if let Some(p) = &e.inclusion {
            let _ = writeln!(s, "    tree size {} root {} path {} hashes: {}", p.tree_size, p.root_hash, p.audit_path.len(), p.outcome.reason);
            let _ = writeln!(s, "    checkpoint {:?}: {}", p.checkpoint.origin.as_deref().unwrap_or("?"), p.checkpoint.outcome.reason);
        }
        if let Some(set) = &e.set {
            let _ = writeln!(s, "    SET: {}", set.outcome.reason);
        }
    }
    for ts in &info.rfc3161_timestamps {
        let _ = writeln!(s, "  RFC 3161 #{}: {} {}", ts.index, ts.time.as_deref().unwrap_or("-"), ts.outcome.reason);
    }
    if !info.verified_times.is_empty() {
        let _ = writeln!(s, "  verified times: {}", info.verified_times.join(", "));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_or_path() {
        let d = format!("sha256:{}", "ab".repeat(32));
        assert!(matches!(parse_artifact(&d), ArtifactInput::Digest(x) if x == [0xab; 32]));
        assert!(matches!(parse_artifact(&format!("sha256:{}", "AB".repeat(32))), ArtifactInput::File(_)));
        assert!(matches!(parse_artifact("sha256:abc"), ArtifactInput::File(_)));
        assert!(matches!(parse_artifact("artifact"), ArtifactInput::File(_)));
    }

    #[test]
    fn identity_needs_issuer() {
        assert!(identity_policy(Some("a"), None, None, None).is_err());
        assert!(identity_policy(None, None, Some("b"), None).is_err());
        assert_eq!(identity_policy(None, None, None, None).unwrap(), None);
        let p = identity_policy(None, Some("^a"), Some("b"), None).unwrap().unwrap();
        assert!(p.identity_regexp && !p.issuer_regexp);
    }
}

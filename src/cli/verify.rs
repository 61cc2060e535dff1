//! `modelvet verify`.

use super::{Exit, fail, output};
use crate::crypto::PublicKey;
use crate::crypto::x509::certs_from_pem;
use crate::hashing::NoopObserver;
use crate::oms::{Trust, VerifyOptions, prepare};
use crate::report::{VerificationReport, Verdict};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// The verification flags every command that verifies shares.
#[derive(Debug, Clone, Default, Args)]
pub struct VerifyFlags {
    /// Signature file (default: SOURCE/model.sig, or model.sig beside a single file).
    #[arg(long, value_name = "FILE")]
    pub signature: Option<PathBuf>,
    /// Signer's public key (PEM SubjectPublicKeyInfo), for key-signed models.
    #[arg(long, value_name = "PUBKEY.pem", conflicts_with_all = ["cert_chain", "identity", "identity_regexp"])]
    pub key: Option<PathBuf>,
    /// Trust anchor certificates (PEM, repeatable) for certificate-signed models.
    #[arg(long = "cert-chain", value_name = "CA.pem", conflicts_with = "identity")]
    pub cert_chain: Vec<PathBuf>,
    #[command(flatten)]
    pub sigstore: super::bundle::SigstoreFlags,
    /// Evaluate certificate validity at this time (RFC 3339) instead of now.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub at: Option<time::OffsetDateTime>,
    /// Exclude a path (relative to the working directory or to the model root). Repeatable.
    #[arg(long = "ignore-path", value_name = "P")]
    pub ignore_paths: Vec<PathBuf>,
    /// Hash only the files the signature names; unsigned extras are not reported.
    #[arg(long)]
    pub ignore_unsigned_files: bool,
    /// Do not ignore .git, .gitattributes, .github and .gitignore at the model root.
    #[arg(long)]
    pub no_ignore_git_paths: bool,
    /// Follow symlinks to files inside the model.
    #[arg(long)]
    pub allow_symlinks: bool,
}

#[derive(Debug, Args)]
pub struct VerifyCmd {
    /// Model directory or file, oci://HOST[:PORT]/REPO[:TAG][@sha256:…], or hf://ORG/NAME[@REV]
    /// (with --bundle: an artifact file or sha256:<hex>).
    pub source: String,
    /// Verify this Sigstore bundle over SOURCE instead of a model (same as `modelvet bundle verify`).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["signature", "cert_chain"])]
    pub bundle: Option<PathBuf>,
    #[command(flatten)]
    pub flags: VerifyFlags,
    #[command(flatten)]
    pub source_flags: super::source::SourceFlags,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

fn parse_time(s: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("not an RFC 3339 time (e.g. 2026-01-31T12:00:00Z): {e}"))
}

impl VerifyFlags {
    /// Builds engine options; a flag that names unreadable or invalid trust
    /// material is a usage error.
    pub fn to_options(&self, source: &std::path::Path) -> Result<VerifyOptions, String> {
        let mut opts = VerifyOptions::new(source);
        opts.signature = self.signature.clone();
        opts.ignore_paths = self.ignore_paths.clone();
        opts.ignore_unsigned_files = self.ignore_unsigned_files;
        opts.ignore_git_paths = !self.no_ignore_git_paths;
        opts.allow_symlinks = self.allow_symlinks;
        opts.at = self.at;
        opts.trusted_root = self.sigstore.trusted_root.clone();
        opts.sigstore_staging = self.sigstore.staging;
        let identity = self.sigstore.policy()?;
        if let Some(k) = &self.key {
            let text = std::fs::read_to_string(k).map_err(|e| format!("cannot read key {}: {e}", k.display()))?;
            let key = PublicKey::from_pem(&text).map_err(|e| format!("{}: {e}", k.display()))?;
            opts.trust = Trust::Key(key);
        } else if !self.cert_chain.is_empty() {
            let mut anchors = Vec::new();
            for p in &self.cert_chain {
                let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read certificate chain {}: {e}", p.display()))?;
                let certs = certs_from_pem(&text).map_err(|e| format!("{}: {e}", p.display()))?;
                if certs.is_empty() {
                    return Err(format!("{}: no PEM certificates found", p.display()));
                }
                anchors.extend(certs);
            }
            opts.trust = Trust::Anchors(anchors);
        } else if let Some(policy) = identity {
            if !crate::sigstore::KEYLESS_AVAILABLE {
                return Err("Sigstore keyless verification (--identity/--issuer) is not available in this build".into());
            }
            policy.compile().map_err(|e| e.to_string())?;
            opts.trust = Trust::Sigstore(policy);
        }
        Ok(opts)
    }

    pub fn is_pinned(&self) -> bool {
        self.key.is_some() || !self.cert_chain.is_empty() || self.sigstore.names_identity()
    }
}

/// Verifies and returns the report, or an exit code for input errors.
pub fn verify_with_flags(source: &std::path::Path, flags: &VerifyFlags) -> Result<VerificationReport, Exit> {
    let opts = flags.to_options(source).map_err(|m| fail(Exit::Usage, m))?;
    let prepared = prepare(&opts).map_err(|e| fail(Exit::Usage, e))?;
    Ok(prepared.run(&NoopObserver, &Default::default()))
}

pub fn run(cmd: VerifyCmd) -> Exit {
    if let Some(bundle) = &cmd.bundle {
        // The sigstore-conformance client protocol: `verify --bundle B ... FILE_OR_DIGEST`.
        let f = &cmd.flags;
        return super::bundle::run_verify(&super::bundle::BundleVerifyArgs {
            bundle: bundle.clone(),
            key: f.key.clone(),
            sigstore: f.sigstore.clone(),
            format: cmd.format,
            artifact: cmd.source.clone(),
        });
    }
    if !cmd.flags.is_pinned() {
        return fail(
            Exit::Usage,
            "verify needs a trusted signer: --key PUBKEY.pem, --cert-chain CA.pem or --identity SAN --issuer URL",
        );
    }
    let report = match super::source::verify_source(&cmd.source, &cmd.flags, &cmd.source_flags) {
        Ok(r) => r,
        Err(code) => return code,
    };
    match cmd.format {
        Format::Json => output::print_json(&report),
        Format::Text => print!("{}", output::text_report(&report)),
    }
    exit_for(&report)
}

/// 0 only for `verified`.
pub fn exit_for(report: &VerificationReport) -> Exit {
    if report.verdict == Verdict::Verified { Exit::Ok } else { Exit::Failed }
}

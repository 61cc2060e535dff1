//! SOURCE handling shared by the commands that open a model: a local path
//! (unchanged behaviour), `oci://…` or `hf://…` resolved through
//! [`crate::sources`], then verified with the pinned reference recorded.

use super::verify::{VerifyFlags, verify_with_flags};
use super::{Exit, fail};
use crate::crypto::PublicKey;
use crate::hashing::NoopObserver;
use crate::oms::prepare;
use crate::report::{CheckStatus, VerificationReport};
use crate::sources::{self, Credentials, ResolveOptions, ResolvedSource, SignatureKind, SourceRef};
use clap::Args;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Flags for registry and Hub sources.
#[derive(Debug, Clone, Default, Args)]
pub struct SourceFlags {
    /// Use plain HTTP for a loopback registry or Hub endpoint (tests, local development only).
    #[arg(long)]
    pub insecure_http: bool,
    /// Registry user name (password from --password-stdin).
    #[arg(long, value_name = "USER", requires = "password_stdin")]
    pub username: Option<String>,
    /// Read the registry password (or token) from standard input.
    #[arg(long, requires = "username")]
    pub password_stdin: bool,
    /// Never contact the network for hf:// (local Hugging Face cache only).
    #[arg(long)]
    pub offline: bool,
    /// Cache directory for fetched models (default: $MODELVET_CACHE_DIR or the platform cache dir).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

impl SourceFlags {
    /// Engine options; reads the password from stdin when asked.
    pub fn to_options(&self) -> Result<ResolveOptions, String> {
        let credentials = match (&self.username, self.password_stdin) {
            (Some(u), true) => {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("cannot read the password from stdin: {e}"))?;
                let password = line.trim_end_matches(['\r', '\n']).to_string();
                if password.is_empty() {
                    return Err("--password-stdin: empty password".into());
                }
                Some(Credentials { username: u.clone(), password })
            }
            _ => None,
        };
        Ok(ResolveOptions {
            cache_dir: self.cache_dir.clone(),
            insecure_http: self.insecure_http,
            credentials,
            offline: self.offline,
            ..Default::default()
        })
    }
}

/// Resolves SOURCE; an integrity failure is exit 1, anything else exit 2.
pub fn open(source: &str, flags: &SourceFlags) -> Result<ResolvedSource, Exit> {
    let opts = flags.to_options().map_err(|m| fail(Exit::Usage, m))?;
    sources::resolve(source, &opts).map_err(|e| {
        let code = if e.is_integrity() { Exit::Failed } else { Exit::Usage };
        fail(code, e)
    })
}

/// Whether SOURCE is a plain local path (not a registry or HF cache).
fn is_plain_local(source: &str) -> Option<PathBuf> {
    match sources::parse(source) {
        Ok(SourceRef::Local(p)) if sources::hf::detect_local(&p).is_none() => Some(p),
        _ => None,
    }
}

/// Verifies SOURCE. Local paths take exactly the old path; references are
/// resolved first and the report records the pinned form and kind.
pub fn verify_source(source: &str, flags: &VerifyFlags, sflags: &SourceFlags) -> Result<VerificationReport, Exit> {
    if let Some(path) = is_plain_local(source) {
        return verify_with_flags(&path, flags);
    }
    let resolved = open(source, sflags)?;
    verify_resolved(&resolved, flags)
}

/// Verifies a resolved source with the existing OMS engine. The signature
/// is `--signature`, else a `model.sig` in the model, else the first OMS
/// bundle found as a referrer.
pub fn verify_resolved(resolved: &ResolvedSource, flags: &VerifyFlags) -> Result<VerificationReport, Exit> {
    let mut opts = flags.to_options(&resolved.local_path).map_err(|m| fail(Exit::Usage, m))?;
    opts.reference = resolved.pinned_reference.clone();
    let mut used: Option<PathBuf> = opts.signature.clone();
    if used.is_none() && !opts.default_signature_path().is_file() {
        used = resolved
            .signatures_found
            .iter()
            .find(|s| s.kind == SignatureKind::OmsBundle)
            .and_then(|s| s.local_path.clone());
        opts.signature = used.clone();
    }
    if used.is_none() {
        used = Some(opts.default_signature_path());
    }
    let key = match &opts.trust {
        crate::oms::Trust::Key(k) => Some(k.clone()),
        _ => None,
    };
    let prepared = prepare(&opts).map_err(|e| fail(Exit::Usage, e))?;
    let mut report = prepared.run(&NoopObserver, &Default::default());
    annotate(&mut report, resolved, used.as_deref(), key.as_ref());
    Ok(report)
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

//! SOURCE handling shared by the commands that open a model: a local path
//! (unchanged behaviour), `oci://…` or `hf://…` resolved through
//! [`crate::sources`], then verified with the pinned reference recorded.

use super::verify::VerifyFlags;
use super::{Exit, fail};
use crate::hashing::NoopObserver;
use crate::oms::{VerifyOptions, prepare};
use crate::report::VerificationReport;
use crate::sources::{self, Credentials, ResolveOptions, ResolvedSource, SourceRef};
use clap::Args;
use std::io::BufRead;
use std::path::PathBuf;

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

/// Whether SOURCE must be resolved (a registry or Hub reference, or a
/// Hugging Face cache folder) rather than read as a plain path.
pub fn is_reference(source: &str) -> bool {
    is_plain_local(source).is_none()
}

/// Whether SOURCE is a plain local path (not a registry or HF cache).
fn is_plain_local(source: &str) -> Option<PathBuf> {
    match sources::parse(source) {
        Ok(SourceRef::Local(p)) if sources::hf::detect_local(&p).is_none() => Some(p),
        _ => None,
    }
}

/// A verified model, wherever it came from.
pub struct Opened {
    pub report: VerificationReport,
    /// The options the report was made with (model path, trust).
    pub options: VerifyOptions,
    /// The fetched source; `None` for a plain local path.
    pub resolved: Option<ResolvedSource>,
    pub resolve_options: ResolveOptions,
}

impl Opened {
    /// The directory holding the model's files.
    pub fn model_root(&self) -> PathBuf {
        crate::evidence::assemble::model_root(&self.options.model)
    }
}

/// Opens SOURCE (a local path unchanged, a reference resolved and fetched)
/// and verifies it.
pub fn open_verified(source: &str, flags: &VerifyFlags, sflags: &SourceFlags) -> Result<Opened, Exit> {
    if let Some(path) = is_plain_local(source) {
        let options = flags.to_options(&path).map_err(|m| fail(Exit::Usage, m))?;
        let report = prepare(&options).map_err(|e| fail(Exit::Usage, e))?.run(&NoopObserver, &Default::default());
        return Ok(Opened { report, options, resolved: None, resolve_options: ResolveOptions::default() });
    }
    let resolve_options = sflags.to_options().map_err(|m| fail(Exit::Usage, m))?;
    // An integrity failure while fetching is exit 1, anything else exit 2.
    let resolved = sources::resolve(source, &resolve_options).map_err(|e| {
        let code = if e.is_integrity() { Exit::Failed } else { Exit::Usage };
        fail(code, e)
    })?;
    let (report, options) = verify_resolved_with(&resolved, flags)?;
    Ok(Opened { report, options, resolved: Some(resolved), resolve_options })
}

/// Verifies SOURCE. Local paths take exactly the old path; references are
/// resolved first and the report records the pinned form and kind.
pub fn verify_source(source: &str, flags: &VerifyFlags, sflags: &SourceFlags) -> Result<VerificationReport, Exit> {
    open_verified(source, flags, sflags).map(|o| o.report)
}

/// Verifies a resolved source with the existing OMS engine. The signature
/// is `--signature`, else a `model.sig` in the model, else the first OMS
/// bundle found as a referrer.
pub fn verify_resolved(resolved: &ResolvedSource, flags: &VerifyFlags) -> Result<VerificationReport, Exit> {
    verify_resolved_with(resolved, flags).map(|(r, _)| r)
}

/// The verification options for a fetched source: the flags applied to
/// its local folder, its pinned reference, and the signature to verify
/// (returned). Shared with the workbench's background job.
pub fn options_for(resolved: &ResolvedSource, flags: &VerifyFlags) -> Result<(VerifyOptions, PathBuf), String> {
    let mut opts = flags.to_options(&resolved.local_path)?;
    let used = sources::annotate::attach(resolved, &mut opts);
    Ok((opts, used))
}

fn verify_resolved_with(resolved: &ResolvedSource, flags: &VerifyFlags) -> Result<(VerificationReport, VerifyOptions), Exit> {
    let (opts, used) = options_for(resolved, flags).map_err(|m| fail(Exit::Usage, m))?;
    let prepared = prepare(&opts).map_err(|e| fail(Exit::Usage, e))?;
    let mut report = prepared.run(&NoopObserver, &Default::default());
    sources::annotate::annotate(&mut report, resolved, Some(&used), &opts);
    Ok((report, opts))
}

/// Refuses to record a decision about a reference whose tag moved since it
/// was verified (exit 1), or that cannot be re-checked (exit 2).
pub fn ensure_not_moved(opened: &Opened) -> Result<(), Exit> {
    let Some(resolved) = &opened.resolved else { return Ok(()) };
    sources::ensure_unmoved(resolved, &opened.resolve_options).map_err(|e| {
        let code = if matches!(e, sources::NotPinned::Moved { .. }) { Exit::Failed } else { Exit::Usage };
        fail(code, e)
    })
}

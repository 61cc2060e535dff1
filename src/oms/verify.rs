//! OMS verification of a local model: authenticate the bundle, parse the
//! signed manifest, hash the model with the signed serialization, compare.
//!
//! Split in two phases so a front end can show the expected files before
//! hashing finishes: [`prepare`] reads and authenticates the signature and
//! lists the model; [`Prepared::run`] hashes and compares.

use super::bundle::{Material, OmsBundle, parse_bundle};
use super::statement::{ExpectedManifest, parse_statement};
use crate::crypto::x509::{self, Cert};
use crate::crypto::{KeyError, PublicKey};
use crate::dsse::{INTOTO_PAYLOAD_TYPE, legacy_pae, pae};
use crate::hashing::walk::resolve_user_ignore;
use crate::hashing::{
    CancelFlag, HashObserver, HashType, IgnoreSet, Inventory, ItemResult, Serialization, hash_items, walk,
};
use crate::report::{
    CheckStatus, FileEntry, FileStatus, ManifestInfo, ShardEntry, SignerInfo, SigningMethod, SourceInfo,
    VerificationReport,
};
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// Who the user trusts to have signed.
#[derive(Debug, Clone, Default)]
pub enum Trust {
    /// Nothing pinned: show what the bundle claims, never "verified".
    #[default]
    Unpinned,
    /// `--key`: the signer's public key.
    Key(PublicKey),
    /// `--cert-chain`: trust anchors for the certificate method.
    Anchors(Vec<Cert>),
    /// `--identity/--issuer`: Sigstore keyless.
    Sigstore(crate::sigstore::IdentityPolicy),
}

impl Trust {
    pub fn is_pinned(&self) -> bool {
        !matches!(self, Trust::Unpinned)
    }
}

/// Everything `modelvet verify` takes.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// The model directory or single file.
    pub model: PathBuf,
    /// What the user typed, for the report.
    pub reference: String,
    /// Signature path; default `model.sig` in (or beside) the model.
    pub signature: Option<PathBuf>,
    pub trust: Trust,
    pub ignore_paths: Vec<PathBuf>,
    pub ignore_git_paths: bool,
    pub ignore_unsigned_files: bool,
    pub allow_symlinks: bool,
    /// Evaluate certificate validity at this time instead of now.
    pub at: Option<OffsetDateTime>,
    /// Sigstore trusted root override (keyless method).
    pub trusted_root: Option<PathBuf>,
    /// Use the embedded Sigstore staging trust root (keyless method).
    pub sigstore_staging: bool,
}

impl VerifyOptions {
    pub fn new(model: impl Into<PathBuf>) -> Self {
        let model = model.into();
        VerifyOptions {
            reference: model.display().to_string(),
            model,
            signature: None,
            trust: Trust::Unpinned,
            ignore_paths: Vec::new(),
            ignore_git_paths: true,
            ignore_unsigned_files: false,
            allow_symlinks: false,
            at: None,
            trusted_root: None,
            sigstore_staging: false,
        }
    }

    /// `SOURCE/model.sig`, or `model.sig` beside a single-file model.
    pub fn default_signature_path(&self) -> PathBuf {
        if self.model.is_dir() {
            self.model.join(super::DEFAULT_SIGNATURE_NAME)
        } else {
            self.model
                .parent()
                .map(|p| p.join(super::DEFAULT_SIGNATURE_NAME))
                .unwrap_or_else(|| PathBuf::from(super::DEFAULT_SIGNATURE_NAME))
        }
    }
}

/// Problems with the input itself (exit code 2), as opposed to a signature
/// that fails verification (a report with verdict `failed`).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("cannot open model {path}: {source}")]
    Model { path: PathBuf, source: std::io::Error },
    #[error("cannot read signature {path}: {source}")]
    Signature { path: PathBuf, source: std::io::Error },
    #[error("signature {path} is larger than {limit} bytes")]
    SignatureTooLarge { path: PathBuf, limit: u64 },
}

/// A verification whose signature has been read and authenticated and whose
/// model has been listed, ready to hash.
pub struct Prepared {
    report: VerificationReport,
    expected: Option<ExpectedManifest>,
    inventory: Inventory,
    serialization: Serialization,
    signed: bool,
    pinned: bool,
    /// Signed paths the user's ignores hid (reported as missing).
    user_ignores: IgnoreSet,
}

/// Reads the signature and lists the model.
pub fn prepare(opts: &VerifyOptions) -> Result<Prepared, VerifyError> {
    std::fs::metadata(&opts.model).map_err(|e| VerifyError::Model { path: opts.model.clone(), source: e })?;
    let explicit = opts.signature.is_some();
    let sig_path = opts.signature.clone().unwrap_or_else(|| opts.default_signature_path());
    let sig_bytes = match read_limited(&sig_path) {
        Ok(b) => Some(b),
        Err(ReadError::Io(e)) if !explicit && e.kind() == std::io::ErrorKind::NotFound => None,
        Err(ReadError::Io(e)) => return Err(VerifyError::Signature { path: sig_path, source: e }),
        Err(ReadError::TooLarge) => {
            return Err(VerifyError::SignatureTooLarge { path: sig_path, limit: super::MAX_SIGNATURE_BYTES });
        }
    };
    let mut report = VerificationReport::new(SourceInfo {
        reference: opts.reference.clone(),
        kind: if opts.model.is_dir() { "directory".into() } else { "file".into() },
        signature: sig_bytes.as_ref().map(|_| sig_path.display().to_string()),
    });
    let mut expected = None;
    let mut pinned = opts.trust.is_pinned();
    let signed = sig_bytes.is_some();
    if let Some(bytes) = &sig_bytes {
        let (manifest, is_pinned) = authenticate(bytes, opts, &mut report);
        expected = manifest;
        pinned = is_pinned;
    } else {
        report.check("bundle.parse", CheckStatus::Skip, format!("no signature at {}", sig_path.display()));
    }

    // The ignore set: git defaults, the signature file, the user's, the signer's.
    let mut ignore = if opts.ignore_git_paths { IgnoreSet::new().with_git_defaults() } else { IgnoreSet::new() };
    if opts.model.is_dir()
        && let Some(rel) = resolve_user_ignore(&opts.model, &sig_path) {
            ignore.add(&rel);
        }
    let mut user_ignores = IgnoreSet::new();
    for p in &opts.ignore_paths {
        match resolve_user_ignore(&opts.model, p) {
            Some(rel) => {
                ignore.add(&rel);
                user_ignores.add(&rel);
            }
            None => report.warnings.push(format!("--ignore-path {} is outside the model; it has no effect", p.display())),
        }
    }
    if let Some(m) = &expected {
        for p in &m.ignore_paths {
            ignore.add(p);
        }
        let signer_own: Vec<&String> = m
            .ignore_paths
            .iter()
            .filter(|p| !crate::hashing::walk::DEFAULT_GIT_IGNORES.contains(&p.as_str()) && p.as_str() != super::DEFAULT_SIGNATURE_NAME)
            .collect();
        if !signer_own.is_empty() {
            report.warnings.push(format!(
                "the signer excluded these paths from the signature; their content is not covered: {}",
                signer_own.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    if let Some(m) = &expected
        && m.allow_symlinks != opts.allow_symlinks {
            report.warnings.push(format!(
                "the signature records allow_symlinks={} but symlinks are {} for this verification",
                m.allow_symlinks,
                if opts.allow_symlinks { "followed (--allow-symlinks)" } else { "not followed" }
            ));
        }
    let mut inventory =
        walk(&opts.model, &ignore, opts.allow_symlinks).map_err(|e| VerifyError::Model { path: opts.model.clone(), source: e })?;
    if let (true, Some(m)) = (opts.ignore_unsigned_files, &expected) {
        let signed_paths: std::collections::HashSet<&str> = m.items.iter().map(|i| i.path.as_str()).collect();
        let (keep, skip): (Vec<_>, Vec<_>) = inventory.files.drain(..).partition(|f| signed_paths.contains(f.rel.as_str()));
        inventory.files = keep;
        inventory.ignored.extend(skip.into_iter().map(|f| f.rel));
        inventory.issues.retain(|i| signed_paths.contains(i.rel.as_str()));
        inventory.ignored.sort();
    }
    let serialization = expected
        .as_ref()
        .map(|m| m.serialization)
        .unwrap_or(Serialization::Files { hash: HashType::Sha256 });
    Ok(Prepared { report, expected, inventory, serialization, signed, pinned, user_ignores })
}

enum ReadError {
    Io(std::io::Error),
    TooLarge,
}

fn read_limited(path: &Path) -> Result<Vec<u8>, ReadError> {
    let f = std::fs::File::open(path).map_err(ReadError::Io)?;
    let mut buf = Vec::new();
    f.take(super::MAX_SIGNATURE_BYTES + 1).read_to_end(&mut buf).map_err(ReadError::Io)?;
    if buf.len() as u64 > super::MAX_SIGNATURE_BYTES {
        return Err(ReadError::TooLarge);
    }
    Ok(buf)
}

/// Checks the bundle, the signature and the statement, recording each check.
/// Returns the signed manifest when the statement could be parsed (even if
/// authentication failed, so the reviewer sees what it claimed), and whether
/// the signer counts as pinned.
fn authenticate(bytes: &[u8], opts: &VerifyOptions, report: &mut VerificationReport) -> (Option<ExpectedManifest>, bool) {
    let bundle = match parse_bundle(bytes) {
        Ok(b) => {
            report.pass("bundle.parse", format!("Sigstore bundle ({})", b.media_type));
            b
        }
        Err(e) => {
            report.fail("bundle.parse", e.to_string());
            return (None, false);
        }
    };
    let method = bundle.material.method();
    let mut signer = SignerInfo {
        method,
        pinned: false,
        algorithm: None,
        key_fingerprint: None,
        key_hint: match &bundle.material {
            Material::KeyHint(h) => Some(h.clone()),
            _ => None,
        },
        certificates: Vec::new(),
        chain: Vec::new(),
        identity: None,
        issuer: None,
    };
    let payload_ok = match method {
        SigningMethod::Key | SigningMethod::Certificate => {
            if bundle.media_type == crate::dsse::BUNDLE_V03 {
                report.pass("bundle.media-type", bundle.media_type.clone());
            } else {
                report.fail(
                    "bundle.media-type",
                    format!("{} signatures must use {}, found {}", method_word(method), crate::dsse::BUNDLE_V03, bundle.media_type),
                );
            }
            if let Material::LegacyRawKey { key_details } = &bundle.material {
                report.warnings.push(format!(
                    "older verification material format (publicKey.rawBytes{}): the key in the bundle is ignored; the key you pass is used",
                    key_details.as_ref().map(|d| format!(", keyDetails {d}")).unwrap_or_default()
                ));
            }
            if bundle.envelope.signatures.len() == 1 {
                report.pass("signature.count", "exactly one DSSE signature");
            } else {
                report.fail("signature.count", format!("DSSE envelope has {} signatures; OMS requires exactly one", bundle.envelope.signatures.len()));
            }
            if method == SigningMethod::Key {
                authenticate_key(&bundle, opts, report, &mut signer)
            } else {
                authenticate_certificate(&bundle, opts, report, &mut signer)
            }
        }
        SigningMethod::Sigstore | SigningMethod::Unknown => {
            crate::sigstore::authenticate_oms(&bundle, opts, report, &mut signer)
        }
    };
    if bundle.envelope.payload_type == INTOTO_PAYLOAD_TYPE {
        report.pass("envelope.payload-type", INTOTO_PAYLOAD_TYPE);
    } else {
        report.fail(
            "envelope.payload-type",
            format!("payloadType is {:?}, expected {INTOTO_PAYLOAD_TYPE}", bundle.envelope.payload_type),
        );
    }
    let pinned = signer.pinned;
    report.signer = Some(signer);
    let _ = payload_ok;
    match parse_statement(&bundle.envelope.payload) {
        Ok(m) => {
            report.pass("statement.type", "in-toto Statement v1");
            report.pass("statement.predicate-type", m.predicate_type.clone());
            if let Some(d) = &m.subject_digest {
                report.pass("statement.subject-digest", format!("subject sha256 {d} matches the signed resources"));
            }
            report.pass("manifest.resources", format!("{} signed resources, canonical names, no duplicates", m.items.len()));
            if m.format == "v0.2-digests" {
                report.warnings.push("legacy model-signing 0.2.0 format (Digests/v0.1): no subject digest, no recorded ignore paths".into());
            }
            report.manifest = Some(ManifestInfo {
                predicate_type: m.predicate_type.clone(),
                format: m.format.to_string(),
                model_name: m.model_name.clone(),
                subject_digest: m.subject_digest.clone(),
                root_digest: None,
                method: m.serialization.method().into(),
                hash_type: m.serialization.hash().name().into(),
                shard_size: match m.serialization {
                    Serialization::Shards { shard_size, .. } => Some(shard_size),
                    _ => None,
                },
                allow_symlinks: m.allow_symlinks,
                signed_ignore_paths: m.ignore_paths.clone(),
                resource_count: m.items.len(),
            });
            if let Serialization::Shards { .. } = m.serialization {
                report.warnings.push("shard signatures do not cover empty files: adding or removing an empty file is undetectable".into());
            }
            (Some(m), pinned)
        }
        Err(e) => {
            report.fail(e.check_id(), e.to_string());
            (None, pinned)
        }
    }
}

fn method_word(m: SigningMethod) -> &'static str {
    match m {
        SigningMethod::Key => "key",
        SigningMethod::Certificate => "certificate",
        SigningMethod::Sigstore => "Sigstore",
        SigningMethod::Unknown => "unknown",
    }
}

/// Verifies the DSSE signature with `key`: standard PAE, then the legacy
/// 0.2.0 PAE (hashed with `legacy_sha256` → SHA-256, else the curve's hash).
fn check_dsse(bundle: &OmsBundle, key: &PublicKey, legacy_sha256: bool, report: &mut VerificationReport) -> bool {
    let Some(sig) = bundle.envelope.signatures.first() else {
        report.fail("signature.ecdsa", "the DSSE envelope has no signature");
        return false;
    };
    let body = &bundle.envelope.payload;
    match key.verify(&pae(INTOTO_PAYLOAD_TYPE, body), &sig.sig) {
        Ok(()) => {
            report.pass("signature.ecdsa", format!("{} signature over the DSSE PAE verifies", key.curve().algorithm()));
            true
        }
        Err(KeyError::MalformedSignature(c)) => {
            report.fail("signature.ecdsa", format!("the signature is not a DER ECDSA signature for {c}"));
            false
        }
        Err(_) => {
            let legacy = legacy_pae(body);
            let ok = if legacy_sha256 { key.verify_sha256(&legacy, &sig.sig) } else { key.verify(&legacy, &sig.sig) };
            if ok.is_ok() {
                report.pass("signature.ecdsa", "signature verifies over the legacy model-signing 0.2.0 PAE");
                report.warnings.push("signed with model-signing 0.2.0's non-standard DSSE encoding".into());
                true
            } else {
                report.fail(
                    "signature.ecdsa",
                    format!("the {} signature does not verify with the given key: the payload was changed or another key signed it", key.curve().algorithm()),
                );
                false
            }
        }
    }
}

fn authenticate_key(bundle: &OmsBundle, opts: &VerifyOptions, report: &mut VerificationReport, signer: &mut SignerInfo) -> bool {
    let key = match &opts.trust {
        Trust::Key(k) => k,
        Trust::Unpinned => {
            report.check("signature.ecdsa", CheckStatus::Skip, "key-signed bundle: pass --key PUBKEY.pem to check the signature");
            return false;
        }
        _ => {
            report.fail("bundle.method", "the bundle is signed with a key, but no --key was given (a certificate chain or identity was)");
            return false;
        }
    };
    signer.algorithm = Some(key.curve().algorithm().into());
    signer.key_fingerprint = Some(key.fingerprint());
    match &bundle.material {
        Material::KeyHint(hint) => {
            if hint.eq_ignore_ascii_case(&key.hint()) {
                report.pass("signature.key-hint", format!("publicKey.hint {hint} matches the given key"));
            } else {
                report.fail(
                    "signature.key-hint",
                    format!("publicKey.hint {hint} does not match the given key (its hint is {}): signed by another key", key.hint()),
                );
                return false;
            }
        }
        _ => report.check("signature.key-hint", CheckStatus::Skip, "legacy bundle carries no key hint"),
    }
    let ok = check_dsse(bundle, key, false, report);
    signer.pinned = ok;
    ok
}

fn authenticate_certificate(bundle: &OmsBundle, opts: &VerifyOptions, report: &mut VerificationReport, signer: &mut SignerInfo) -> bool {
    let Material::CertificateChain(ders) = &bundle.material else { return false };
    let mut certs = Vec::with_capacity(ders.len());
    for (i, der) in ders.iter().enumerate() {
        match Cert::from_der(der, i) {
            Ok(c) => certs.push(c),
            Err(e) => {
                report.fail("certificate.parse", e.to_string());
                return false;
            }
        }
    }
    signer.certificates = certs.iter().map(|c| c.info.clone()).collect();
    let leaf = &certs[0];
    let key = match leaf.ec_public_key() {
        Ok(k) => k,
        Err(e) => {
            report.fail("certificate.key", format!("leaf certificate key: {e}"));
            return false;
        }
    };
    signer.algorithm = Some(key.curve().algorithm().into());
    signer.key_fingerprint = Some(key.fingerprint());
    let usage = x509::check_leaf_usage(leaf);
    if usage.strict_ok {
        report.pass("certificate.usage", usage.reason.clone());
    } else if usage.reference_ok {
        report.fail(
            "certificate.usage",
            format!("{}; modelvet requires both (model_signing 1.1.1 would accept this signature: it needs only one)", usage.reason),
        );
    } else {
        report.fail("certificate.usage", format!("{}: the certificate cannot be used for signing", usage.reason));
    }
    let chain_ok = match &opts.trust {
        Trust::Anchors(anchors) => {
            let at = opts.at.unwrap_or_else(OffsetDateTime::now_utc);
            let check = x509::verify_chain(leaf, &certs[1..], anchors, at);
            signer.chain = check.path.clone();
            report.warnings.extend(check.warnings.iter().cloned());
            if check.errors.is_empty() {
                report.pass(
                    "certificate.chain",
                    format!("chain of {} certificate(s) builds to trusted anchor '{}', valid at {}", check.path.len(), check.path.last().map(|c| c.subject.as_str()).unwrap_or("?"), x509::rfc3339(at)),
                );
                true
            } else {
                let mut detail = check.errors.join("; ");
                let only_leaf_time = check.errors.iter().all(|e| e.starts_with("leaf certificate") && e.contains("is not valid at"));
                if only_leaf_time && opts.at.is_none() {
                    detail.push_str(
                        "; model_signing 1.1.1 would accept it (it checks validity at the leaf's notBefore): a certificate-method bundle has no trusted timestamp, so pass --at TIME to evaluate at a known signing time",
                    );
                }
                report.fail("certificate.chain", detail);
                false
            }
        }
        Trust::Unpinned => {
            report.check("certificate.chain", CheckStatus::Skip, "no --cert-chain anchors given: the chain was not checked");
            false
        }
        _ => {
            report.fail("bundle.method", "the bundle is signed with a certificate chain, but no --cert-chain anchors were given");
            false
        }
    };
    let sig_ok = check_dsse(bundle, &key, true, report);
    signer.pinned = chain_ok && sig_ok && usage.strict_ok;
    signer.pinned
}

impl Prepared {
    /// The file table before hashing: every signed or found file, `pending`.
    pub fn pending_files(&self) -> Vec<FileEntry> {
        let mut rows: BTreeMap<Vec<String>, FileEntry> = BTreeMap::new();
        let key = |p: &str| p.split('/').map(str::to_string).collect::<Vec<_>>();
        if let Some(m) = &self.expected {
            for it in &m.items {
                rows.entry(key(&it.path)).or_insert_with(|| FileEntry {
                    path: it.path.clone(),
                    status: FileStatus::Pending,
                    size: None,
                    algorithm: Some(it.algorithm.clone()),
                    expected: it.range.is_none().then(|| it.digest.clone()),
                    actual: None,
                    detail: None,
                    shards: Vec::new(),
                });
            }
        }
        for f in &self.inventory.files {
            let e = rows.entry(key(&f.rel)).or_insert_with(|| FileEntry {
                path: f.rel.clone(),
                status: FileStatus::Pending,
                size: None,
                algorithm: None,
                expected: None,
                actual: None,
                detail: None,
                shards: Vec::new(),
            });
            e.size = Some(f.size);
        }
        rows.into_values().collect()
    }

    pub fn report(&self) -> &VerificationReport {
        &self.report
    }

    pub fn inventory(&self) -> &Inventory {
        &self.inventory
    }

    pub fn serialization(&self) -> Serialization {
        self.serialization
    }

    /// Hashes the model and produces the final report.
    pub fn run(self, observer: &dyn HashObserver, cancel: &CancelFlag) -> VerificationReport {
        let results = hash_items(&self.inventory.files, self.serialization, observer, cancel);
        self.finish(results)
    }

    /// Compares hashed items with the manifest and finalises the report.
    pub fn finish(self, results: Vec<ItemResult>) -> VerificationReport {
        let Prepared { mut report, expected, inventory, signed, pinned, user_ignores, .. } = self;
        let sizes: HashMap<&str, u64> = inventory.files.iter().map(|f| (f.rel.as_str(), f.size)).collect();
        let mut files = match &expected {
            Some(m) => compare(m, &results, &sizes, &user_ignores),
            None => results
                .iter()
                .map(|r| FileEntry {
                    path: r.path.clone(),
                    status: if r.digest.is_ok() { FileStatus::UnsignedExtra } else { FileStatus::Error },
                    size: sizes.get(r.path.as_str()).copied(),
                    algorithm: Some(r.algorithm.clone()),
                    expected: None,
                    actual: r.digest.clone().ok(),
                    detail: match &r.digest {
                        Ok(_) if signed => Some("no valid signed manifest to compare with".into()),
                        Ok(_) => Some("model is not signed".into()),
                        Err(e) => Some(e.clone()),
                    },
                    shards: Vec::new(),
                })
                .collect(),
        };
        for issue in &inventory.issues {
            files.retain(|f| f.path != issue.rel);
            files.push(FileEntry {
                path: issue.rel.clone(),
                status: FileStatus::Error,
                size: None,
                algorithm: None,
                expected: expected
                    .as_ref()
                    .and_then(|m| m.items.iter().find(|i| i.path == issue.rel && i.range.is_none()).map(|i| i.digest.clone())),
                actual: None,
                detail: Some(issue.reason.clone()),
                shards: Vec::new(),
            });
        }
        for ig in &inventory.ignored {
            if !files.iter().any(|f| &f.path == ig) {
                files.push(FileEntry {
                    path: ig.clone(),
                    status: FileStatus::Ignored,
                    size: None,
                    algorithm: None,
                    expected: None,
                    actual: None,
                    detail: Some("excluded by an ignore rule".into()),
                    shards: Vec::new(),
                });
            }
        }
        files.sort_by(|a, b| crate::hashing::path_key(&a.path).cmp(&crate::hashing::path_key(&b.path)));
        // The model identity: the root digest over the local items in
        // canonical order, when every item hashed.
        if results.iter().all(|r| r.digest.is_ok()) {
            let raw: Vec<Vec<u8>> = results.iter().filter_map(|r| r.digest.as_ref().ok()).filter_map(|d| hex::decode(d).ok()).collect();
            let root = crate::hashing::root_digest(raw.iter().map(Vec::as_slice));
            if let Some(m) = report.manifest.as_mut() {
                m.root_digest = Some(root.clone());
            }
            report.model_digest = Some(root);
        }
        let problems = files.iter().filter(|f| f.status.is_problem()).count();
        if expected.is_some() {
            if problems == 0 {
                report.pass("files.compare", format!("{} file(s) match the signed manifest", files.iter().filter(|f| f.status == FileStatus::Verified).count()));
            } else {
                report.fail("files.compare", format!("{problems} file(s) differ from the signed manifest"));
            }
        }
        report.files = files;
        report.finalize(signed, pinned);
        report
    }
}

fn compare(
    m: &ExpectedManifest,
    results: &[ItemResult],
    sizes: &HashMap<&str, u64>,
    user_ignores: &IgnoreSet,
) -> Vec<FileEntry> {
    let mut by_path: BTreeMap<&str, (Vec<&super::statement::ExpectedItem>, Vec<&ItemResult>)> = BTreeMap::new();
    for it in &m.items {
        by_path.entry(it.path.as_str()).or_default().0.push(it);
    }
    for r in results {
        by_path.entry(r.path.as_str()).or_default().1.push(r);
    }
    // Local files that produced no item (empty files under shards).
    for (p, _) in sizes.iter() {
        by_path.entry(p).or_default();
    }
    let mut out = Vec::new();
    for (path, (exp, act)) in by_path {
        let size = sizes.get(path).copied();
        let present = size.is_some();
        let mut entry = FileEntry {
            path: path.to_string(),
            status: FileStatus::Verified,
            size,
            algorithm: exp.first().map(|e| e.algorithm.clone()).or_else(|| act.first().map(|a| a.algorithm.clone())),
            expected: None,
            actual: None,
            detail: None,
            shards: Vec::new(),
        };
        if exp.is_empty() {
            if act.is_empty() {
                continue; // empty file under shards: not part of either side
            }
            entry.status = FileStatus::UnsignedExtra;
            entry.actual = act[0].digest.clone().ok().filter(|_| act.len() == 1);
            entry.detail = Some("present but not covered by the signature".into());
            out.push(entry);
            continue;
        }
        if !present {
            entry.status = FileStatus::Missing;
            entry.expected = exp.iter().find(|e| e.range.is_none()).map(|e| e.digest.clone());
            entry.detail = Some(if user_ignores.matches(path) {
                "signed, but excluded by --ignore-path: ignoring cannot hide signed content".into()
            } else {
                "signed but not found in the model".into()
            });
            out.push(entry);
            continue;
        }
        let sharded = exp.iter().any(|e| e.range.is_some());
        if let Some(err) = act.iter().find_map(|a| a.digest.as_ref().err()) {
            entry.status = FileStatus::Error;
            entry.detail = Some(err.clone());
        }
        if !sharded {
            let e = exp[0];
            entry.expected = Some(e.digest.clone());
            entry.actual = act.first().and_then(|a| a.digest.clone().ok());
            if entry.status != FileStatus::Error {
                match act.first() {
                    Some(a) if a.algorithm != e.algorithm => {
                        entry.status = FileStatus::Modified;
                        entry.detail = Some(format!("signed with algorithm {:?}, hashed as {:?}", e.algorithm, a.algorithm));
                    }
                    Some(_) if entry.actual.as_deref() != Some(e.digest.as_str()) => {
                        entry.status = FileStatus::Modified;
                        entry.detail = Some(format!("{} digest differs from the signed manifest", e.algorithm));
                    }
                    Some(_) => {}
                    None => {
                        entry.status = FileStatus::Modified;
                        entry.detail = Some("file could not be hashed as signed".into());
                    }
                }
            }
        } else {
            let actual: HashMap<(u64, u64), &ItemResult> = act.iter().map(|a| ((a.start, a.end), *a)).collect();
            let mut bad = Vec::new();
            for e in &exp {
                let (s, t) = e.range.unwrap_or((0, 0));
                let a = actual.get(&(s, t));
                let got = a.and_then(|a| a.digest.clone().ok());
                let ok = a.map(|a| a.algorithm == e.algorithm).unwrap_or(false) && got.as_deref() == Some(e.digest.as_str());
                if !ok {
                    bad.push(e.name.clone());
                }
                entry.shards.push(ShardEntry {
                    start: s,
                    end: t,
                    status: if ok { FileStatus::Verified } else if a.is_none() { FileStatus::Missing } else { FileStatus::Modified },
                    expected: Some(e.digest.clone()),
                    actual: got,
                });
            }
            let signed_ranges: std::collections::HashSet<(u64, u64)> = exp.iter().filter_map(|e| e.range).collect();
            for a in &act {
                if !signed_ranges.contains(&(a.start, a.end)) {
                    bad.push(a.name.clone());
                    entry.shards.push(ShardEntry {
                        start: a.start,
                        end: a.end,
                        status: FileStatus::UnsignedExtra,
                        expected: None,
                        actual: a.digest.clone().ok(),
                    });
                }
            }
            entry.shards.sort_by_key(|s| (s.start, s.end));
            if entry.status != FileStatus::Error && !bad.is_empty() {
                entry.status = FileStatus::Modified;
                let signed_end = exp.iter().filter_map(|e| e.range).map(|r| r.1).max().unwrap_or(0);
                entry.detail = Some(if size != Some(signed_end) {
                    format!("size is {} bytes, the signed shards cover {signed_end}; differing shards: {}", size.unwrap_or(0), bad.join(", "))
                } else {
                    format!("shard digests differ: {}", bad.join(", "))
                });
            }
        }
        out.push(entry);
    }
    out
}

//! Verifying one Sigstore bundle, check by check.
//!
//! Two layers judge every bundle and both must agree before anything counts
//! as verified (fail closed):
//! 1. the `sigstore-verify` crate's [`Verifier`] (the whole Sigstore client
//!    algorithm: chain, SCT, policy, tlog, TSA, signature, consistency);
//! 2. our own checks, each reported under its own id: trust-log lookup,
//!    Merkle inclusion, checkpoint (origin, key hint, signature, root/size),
//!    SET, logged body vs bundle, identity/issuer (exact or regexp), signature,
//!    artifact binding, chain to a Fulcio CA at each verified time, RFC 3161
//!    timestamps per token, and the time windows.
//!
//! The SCT has no second implementation: its result comes from layer 1 only
//! and is reported as such.

use super::body;
use super::checkpoint;
use super::logs::{self, TrustedLog};
use super::merkle;
use super::policy::CompiledPolicy;
use super::set;
use super::transparency::*;
use super::trust::LoadedTrustRoot;
use crate::crypto::x509::{self, Cert};
use crate::report::{CheckStatus, VerificationReport};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use sigstore_verify::crypto::{KeyAlgorithm, VerificationKey, parse_certificate_info};
use sigstore_verify::types::bundle::VerificationMaterialContent;
use sigstore_verify::types::{
    Artifact, ArtifactDigest, Bundle, DerCertificate, DerPublicKey, HashAlgorithm, KindVersion, Sha256Hash, SignatureBytes,
    SignatureContent,
};
use sigstore_verify::{CertificateError, Error as DepError, PublicKeyVerificationPolicy, TimestampError, TransparencyLogError, VerificationPolicy, Verifier};
use std::path::PathBuf;
use time::OffsetDateTime;

/// Who must have signed.
#[derive(Debug, Clone)]
pub enum SignerPolicy {
    /// Keyless: a Fulcio certificate for this identity and issuer.
    Identity(CompiledPolicy),
    /// Managed key: SPKI DER of the expected public key.
    Key(Vec<u8>),
}

/// The artifact the bundle is checked against.
#[derive(Debug, Clone)]
pub enum ArtifactInput {
    /// A file; hashed here, and streamed to the dependency.
    File(PathBuf),
    /// `sha256:<hex>` given by the user (or an in-toto subject digest).
    Digest([u8; 32]),
}

/// What verification established.
#[derive(Debug, Clone, Default)]
pub struct BundleOutcome {
    /// Every check passed in both layers.
    pub verified: bool,
    pub identity: Option<String>,
    pub issuer: Option<String>,
    pub leaf: Option<x509::CertInfo>,
    pub transparency: Option<TransparencyInfo>,
}

/// Stable check ids, in report order.
pub mod ids {
    pub const TRUST_ROOT: &str = "sigstore.trust-root";
    pub const BUNDLE: &str = "sigstore.bundle";
    pub const POLICY: &str = "sigstore.policy";
    pub const CHAIN: &str = "sigstore.certificate-chain";
    pub const SCT: &str = "sigstore.sct";
    pub const IDENTITY: &str = "sigstore.identity";
    pub const ISSUER: &str = "sigstore.issuer";
    pub const SIGNATURE: &str = "sigstore.signature";
    pub const ARTIFACT: &str = "sigstore.artifact";
    pub const TLOG_LOG: &str = "sigstore.tlog-log";
    pub const TLOG_BODY: &str = "sigstore.tlog-body";
    pub const INCLUSION: &str = "sigstore.inclusion-proof";
    pub const CHECKPOINT: &str = "sigstore.checkpoint";
    pub const SET: &str = "sigstore.set";
    pub const RFC3161: &str = "sigstore.rfc3161";
    pub const TIME: &str = "sigstore.time-window";
    pub const VERIFIER: &str = "sigstore.verifier";
}

/// Which of our checks a dependency error belongs to.
fn classify(e: &DepError) -> &'static str {
    match e {
        DepError::IdentityMismatch { .. } => ids::IDENTITY,
        DepError::IssuerMismatch { .. } => ids::ISSUER,
        DepError::SignatureInvalid(_) => ids::SIGNATURE,
        DepError::ArtifactMismatch(_) | DepError::UnsupportedArtifact(_) => ids::ARTIFACT,
        DepError::Certificate(CertificateError::Sct(_)) => ids::SCT,
        DepError::Certificate(CertificateError::NotYetValid { .. } | CertificateError::Expired { .. }) => ids::TIME,
        DepError::Certificate(_) => ids::CHAIN,
        DepError::TransparencyLog(t) => match t {
            TransparencyLogError::UnknownLog { .. } => ids::TLOG_LOG,
            TransparencyLogError::InclusionProof(_) => ids::INCLUSION,
            TransparencyLogError::Checkpoint(_) => ids::CHECKPOINT,
            TransparencyLogError::InclusionPromise(_) => ids::SET,
            TransparencyLogError::IntegratedTime(_) => ids::TIME,
            _ => ids::TLOG_BODY,
        },
        DepError::Timestamp(TimestampError::NoVerifiedTimestamp(_)) => ids::TIME,
        DepError::Timestamp(_) => ids::RFC3161,
        DepError::InvalidBundle(_) | DepError::UnsupportedBundle(_) | DepError::Bundle(_) | DepError::Types(_) => ids::BUNDLE,
        DepError::InvalidTrustRoot(_) | DepError::TrustRoot(_) | DepError::TrustedCertificate(_) => ids::TRUST_ROOT,
        _ => ids::VERIFIER,
    }
}

/// Collects outcomes per check id; several sources may speak to one id
/// (our check and the dependency's), and any failure wins.
#[derive(Default)]
struct Checks {
    items: Vec<(&'static str, CheckStatus, Vec<String>)>,
}

impl Checks {
    fn add(&mut self, id: &'static str, status: CheckStatus, detail: impl Into<String>) {
        let detail = detail.into();
        if let Some(item) = self.items.iter_mut().find(|i| i.0 == id) {
            item.1 = merge(item.1, status);
            if !item.2.contains(&detail) {
                item.2.push(detail);
            }
        } else {
            self.items.push((id, status, vec![detail]));
        }
    }
    fn pass(&mut self, id: &'static str, d: impl Into<String>) {
        self.add(id, CheckStatus::Pass, d)
    }
    fn fail(&mut self, id: &'static str, d: impl Into<String>) {
        self.add(id, CheckStatus::Fail, d)
    }
    fn skip(&mut self, id: &'static str, d: impl Into<String>) {
        self.add(id, CheckStatus::Skip, d)
    }
    fn status(&self, id: &str) -> Option<CheckStatus> {
        self.items.iter().find(|i| i.0 == id).map(|i| i.1)
    }
    fn any_fail(&self) -> bool {
        self.items.iter().any(|i| i.1 == CheckStatus::Fail)
    }
    fn write(self, report: &mut VerificationReport) {
        for (id, status, details) in self.items {
            // Failures first in the detail so the reason reads first.
            report.check(id, status, details.join("; "));
        }
    }
}

fn merge(a: CheckStatus, b: CheckStatus) -> CheckStatus {
    use CheckStatus::*;
    match (a, b) {
        (Fail, _) | (_, Fail) => Fail,
        (Warn, _) | (_, Warn) => Warn,
        (Pass, _) | (_, Pass) => Pass,
        _ => Skip,
    }
}

fn ts_string(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs).map(x509::rfc3339).unwrap_or_else(|_| secs.to_string())
}

/// Rejections of bundle shapes that must never verify, with a reason the
/// typed parser would not give (or would give less clearly).
fn preflight(raw: &Value) -> Result<(), String> {
    let obj = raw.as_object().ok_or("the bundle is not a JSON object")?;
    let mt = obj.get("mediaType").and_then(Value::as_str).ok_or("the bundle has no mediaType")?;
    if !crate::oms::bundle::is_sigstore_media_type(mt) {
        return Err(format!("unknown bundle media type {mt:?}"));
    }
    let vm = obj.get("verificationMaterial").ok_or("the bundle has no verificationMaterial")?;
    let mut ders = Vec::new();
    if let Some(chain) = vm.get("x509CertificateChain") {
        let certs = chain.get("certificates").and_then(Value::as_array).ok_or("x509CertificateChain has no certificates array")?;
        if certs.is_empty() {
            return Err("x509CertificateChain is empty: no signing certificate".into());
        }
        for (i, c) in certs.iter().enumerate() {
            let s = c.get("rawBytes").and_then(Value::as_str).ok_or(format!("certificate {i} has no rawBytes"))?;
            ders.push(STANDARD.decode(s).map_err(|_| format!("certificate {i} rawBytes is not valid base64"))?);
        }
    }
    if let Some(c) = vm.get("certificate") {
        let s = c.get("rawBytes").and_then(Value::as_str).ok_or("certificate has no rawBytes")?;
        ders.push(STANDARD.decode(s).map_err(|_| "certificate rawBytes is not valid base64".to_string())?);
    }
    for (i, der) in ders.iter().enumerate() {
        let cert = Cert::from_der(der, i).map_err(|e| format!("certificate {i} does not parse: {e}"))?;
        if cert.info.self_signed {
            return Err(format!(
                "certificate {i} ('{}') is a self-signed root: roots come from the trust root, never from the bundle",
                cert.info.subject
            ));
        }
    }
    if let Some(entries) = vm.get("tlogEntries").and_then(Value::as_array) {
        for (i, e) in entries.iter().enumerate() {
            let idx = e.get("logIndex").ok_or(format!("tlog entry {i} has no logIndex"))?;
            let n = match idx {
                Value::String(s) => s.parse::<i64>().map_err(|_| format!("tlog entry {i} logIndex {s:?} is not an integer"))?,
                Value::Number(n) => n.as_i64().ok_or(format!("tlog entry {i} logIndex {n} is not an integer"))?,
                _ => return Err(format!("tlog entry {i} logIndex has the wrong type")),
            };
            if n < 0 {
                return Err(format!("tlog entry {i} has a negative logIndex {n}"));
            }
        }
    }
    Ok(())
}

/// Streams a file through SHA-256.
fn sha256_file(path: &std::path::Path) -> std::io::Result<[u8; 32]> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().into())
}

/// Verifies `bundle_json` over `artifact` for `policy` against `trust`,
/// writing every check into `report`.
pub fn verify_bundle(
    bundle_json: &[u8],
    artifact: &ArtifactInput,
    policy: &SignerPolicy,
    trust: &LoadedTrustRoot,
    report: &mut VerificationReport,
) -> BundleOutcome {
    let mut checks = Checks::default();
    let mut outcome = BundleOutcome::default();
    checks.pass(ids::TRUST_ROOT, trust.info.describe());
    let result = run(bundle_json, artifact, policy, trust, &mut checks, &mut outcome);
    if let Err(reason) = result {
        checks.fail(ids::BUNDLE, reason);
    }
    outcome.verified = !checks.any_fail() && required_pass(&checks, policy);
    if !outcome.verified && !checks.any_fail() {
        // Fail closed, visibly: something required was skipped, not passed.
        let missing: Vec<&str> =
            checks.items.iter().filter(|i| i.1 != CheckStatus::Pass).map(|i| i.0).collect();
        checks.fail(ids::VERIFIER, format!("required checks did not pass: {}", missing.join(", ")));
    }
    checks.write(report);
    if let Some(t) = &outcome.transparency {
        report.transparency = serde_json::to_value(t).ok();
    }
    outcome
}

/// The checks that must have positively passed (a skip is not enough).
fn required_pass(checks: &Checks, policy: &SignerPolicy) -> bool {
    let mut req = vec![ids::BUNDLE, ids::VERIFIER, ids::SIGNATURE, ids::ARTIFACT, ids::TLOG_LOG, ids::TLOG_BODY, ids::TIME];
    if let SignerPolicy::Identity(_) = policy {
        req.extend([ids::CHAIN, ids::SCT, ids::IDENTITY, ids::ISSUER]);
    }
    // Inclusion: a verified proof + checkpoint, or (v0.1 bundles) a SET.
    let proof = checks.status(ids::INCLUSION) == Some(CheckStatus::Pass) && checks.status(ids::CHECKPOINT) == Some(CheckStatus::Pass);
    let promise = checks.status(ids::SET) == Some(CheckStatus::Pass);
    req.iter().all(|id| checks.status(id) == Some(CheckStatus::Pass)) && (proof || promise)
}

fn run(
    bundle_json: &[u8],
    artifact: &ArtifactInput,
    policy: &SignerPolicy,
    trust: &LoadedTrustRoot,
    checks: &mut Checks,
    outcome: &mut BundleOutcome,
) -> Result<(), String> {
    let raw: Value = serde_json::from_slice(bundle_json).map_err(|e| format!("the bundle is not valid JSON: {e}"))?;
    preflight(&raw)?;
    // The typed parser rejects a malformed checkpoint as a bundle error;
    // parse each one ourselves first so the report names the checkpoint.
    if let Some(entries) = raw.pointer("/verificationMaterial/tlogEntries").and_then(Value::as_array) {
        for (i, e) in entries.iter().enumerate() {
            if let Some(text) = e.pointer("/inclusionProof/checkpoint/envelope").and_then(Value::as_str)
                && let Err(err) = checkpoint::parse(text) {
                    checks.fail(ids::CHECKPOINT, format!("entry {i}: {err}"));
                }
        }
    }
    let text = std::str::from_utf8(bundle_json).map_err(|_| "the bundle is not UTF-8".to_string())?;
    let bundle = Bundle::from_json(text).map_err(|e| format!("the bundle does not parse: {e}"))?;
    checks.pass(ids::BUNDLE, format!("{} bundle parsed", bundle.media_type.as_str()));

    let artifact_sha256 = match artifact {
        ArtifactInput::Digest(d) => *d,
        ArtifactInput::File(p) => sha256_file(p).map_err(|e| format!("cannot read artifact {}: {e}", p.display()))?,
    };

    // Layer 1: the dependency's complete verification.
    run_dependency(&bundle, artifact, artifact_sha256, policy, trust, checks);

    // Layer 2: our own checks.
    let (signer_der, signer_key) = signer_material(&bundle, policy, checks, outcome)?;
    let sig = match &bundle.content {
        SignatureContent::MessageSignature(m) => m.signature.as_bytes().to_vec(),
        SignatureContent::DsseEnvelope(e) => e.signature.sig.as_bytes().to_vec(),
        _ => return Err("unsupported bundle content (neither messageSignature nor dsseEnvelope)".into()),
    };
    check_signature_and_binding(&bundle, &signer_key, &sig, artifact_sha256, checks);

    let logs = logs::rekor_logs(&trust.root);
    let mut info = TransparencyInfo {
        schema: TRANSPARENCY_SCHEMA.into(),
        trust_root: trust.info.clone(),
        entries: Vec::new(),
        rfc3161_timestamps: Vec::new(),
        verified_times: Vec::new(),
    };
    let mut verified_times: Vec<i64> = Vec::new();
    let dsse_payload = match &bundle.content {
        SignatureContent::DsseEnvelope(e) => Some(e.payload.as_bytes().to_vec()),
        _ => None,
    };
    if bundle.verification_material.tlog_entries.is_empty() {
        checks.fail(ids::TLOG_LOG, "the bundle has no transparency log entry");
    }
    for (i, entry) in bundle.verification_material.tlog_entries.iter().enumerate() {
        let e = check_entry(i, entry, &logs, &sig, &signer_der, artifact_sha256, dsse_payload.as_deref(), checks);
        if let (Some(t), Some(s)) = (entry.integrated_time, &e.set)
            && s.outcome.passed() {
                verified_times.push(t.as_second());
            }
        info.entries.push(e);
    }

    // RFC 3161 timestamps, each against the TSAs of the trust root.
    let tokens = &bundle.verification_material.timestamp_verification_data.rfc3161_timestamps;
    let authorities = trust.root.tsa_authorities();
    let sig_bytes = SignatureBytes::new(sig.clone());
    for (i, ts) in tokens.iter().enumerate() {
        let mut last = String::from("the trust root has no timestamp authority");
        let mut found = None;
        for a in &authorities {
            match sigstore_verify::tsa::verify_timestamp_for_authority(&ts.signed_timestamp, &sig_bytes, a) {
                Ok(t) => {
                    found = Some(t.as_second());
                    break;
                }
                Err(e) => last = e.to_string(),
            }
        }
        let ti = match found {
            Some(t) => {
                verified_times.push(t);
                checks.pass(ids::RFC3161, format!("timestamp {i}: {} signed by a trusted TSA within its validity", ts_string(t)));
                TimestampInfo { index: i, time: Some(ts_string(t)), outcome: Outcome::pass("signed by a trusted TSA over this signature") }
            }
            None => {
                checks.fail(ids::RFC3161, format!("timestamp {i} does not verify against any trusted TSA: {last}"));
                TimestampInfo { index: i, time: None, outcome: Outcome::fail(last) }
            }
        };
        info.rfc3161_timestamps.push(ti);
    }
    let any_v2 = bundle.verification_material.tlog_entries.iter().any(|e| e.kind_version == KindVersion::HashedRekordV002);
    if tokens.is_empty() {
        if any_v2 {
            checks.fail(ids::RFC3161, "Rekor v2 entries carry no signed time: an RFC 3161 timestamp is required and there is none");
        } else {
            checks.skip(ids::RFC3161, "no RFC 3161 timestamps in the bundle (the SET's integrated time is used)");
        }
    }

    // Time windows: every verified time inside the leaf's validity and the
    // chain valid at each (CA windows checked in the chain check).
    verified_times.sort_unstable();
    verified_times.dedup();
    info.verified_times = verified_times.iter().map(|t| ts_string(*t)).collect();
    check_times(&verified_times, policy, outcome, &bundle, trust, checks);
    outcome.transparency = Some(info);
    Ok(())
}

fn run_dependency(
    bundle: &Bundle,
    artifact: &ArtifactInput,
    sha256: [u8; 32],
    policy: &SignerPolicy,
    trust: &LoadedTrustRoot,
    checks: &mut Checks,
) {
    let verifier = match Verifier::new(&trust.root) {
        Ok(v) => v,
        Err(e) => {
            checks.fail(ids::TRUST_ROOT, format!("the trust root is not usable: {e}"));
            checks.fail(ids::VERIFIER, "not run: unusable trust root");
            return;
        }
    };
    let digest_artifact = || -> Result<Artifact<'static>, DepError> {
        let h = Sha256Hash::try_from(&sha256[..]).map_err(DepError::Types)?;
        Ok(Artifact::from_digest(ArtifactDigest::sha256(h)))
    };
    let run = |p: &dyn sigstore_verify::Policy| -> Result<sigstore_verify::VerificationResult, DepError> {
        match artifact {
            ArtifactInput::File(path) => {
                let f = std::fs::File::open(path).map_err(DepError::ArtifactRead)?;
                verifier.verify_reader(std::io::BufReader::new(f), bundle, p)
            }
            ArtifactInput::Digest(_) => verifier.verify(digest_artifact()?, bundle, p),
        }
    };
    let res = match policy {
        SignerPolicy::Identity(p) => {
            // Exact policies are enforced by both layers; regexps only by ours
            // (the dependency then verifies everything but the identity).
            let dep = if p.policy.is_exact() {
                VerificationPolicy::new(p.policy.identity.as_str(), p.policy.issuer.as_str())
            } else {
                VerificationPolicy::any_identity()
            };
            run(&dep)
        }
        SignerPolicy::Key(spki) => run(&PublicKeyVerificationPolicy::new(DerPublicKey::new(spki.clone()))),
    };
    match res {
        Ok(r) => {
            checks.pass(ids::VERIFIER, "sigstore-verify 0.15 accepted the bundle");
            match policy {
                SignerPolicy::Identity(_) => {
                    if r.sct_verified() {
                        checks.pass(ids::SCT, "embedded SCT verifies against a CT log of the trust root (sigstore-verify)");
                    } else {
                        checks.fail(ids::SCT, "the SCT was not verified");
                    }
                    if !r.certificate_verified() {
                        checks.fail(ids::CHAIN, "the dependency did not verify the certificate chain");
                    }
                }
                SignerPolicy::Key(_) => checks.skip(ids::SCT, "managed key: no certificate, no SCT"),
            }
            if !r.tlog_verified() {
                checks.fail(ids::INCLUSION, "the dependency did not verify the transparency log entry");
            }
        }
        Err(e) => {
            let id = classify(&e);
            checks.fail(id, format!("{e} (sigstore-verify)"));
            checks.fail(ids::VERIFIER, format!("sigstore-verify rejected the bundle: {e}"));
            if id != ids::SCT {
                checks.skip(ids::SCT, "not established: the dependency stopped before or after the SCT with another error");
            }
        }
    }
}

/// The signer's DER (leaf certificate or managed key SPKI) and its public key.
fn signer_material(
    bundle: &Bundle,
    policy: &SignerPolicy,
    checks: &mut Checks,
    outcome: &mut BundleOutcome,
) -> Result<(Vec<u8>, DerPublicKey), String> {
    let leaf_der: Option<&DerCertificate> = bundle.signing_certificate();
    match (policy, leaf_der) {
        (SignerPolicy::Identity(p), Some(der)) => {
            let cert = Cert::from_der(der.as_bytes(), 0).map_err(|e| format!("the signing certificate does not parse: {e}"))?;
            let info = parse_certificate_info(der).map_err(|e| format!("the signing certificate does not parse: {e}"))?;
            let sans: Vec<&str> = cert.info.san.iter().filter_map(|s| san_value(s)).collect();
            outcome.identity = sans.first().map(|s| s.to_string());
            outcome.issuer = cert.info.oidc_issuer.clone();
            outcome.leaf = Some(cert.info.clone());
            checks.pass(ids::POLICY, "keyless bundle, identity policy given");
            match sans.iter().find(|s| p.identity_matches(s)) {
                Some(s) => {
                    outcome.identity = Some(s.to_string());
                    checks.pass(ids::IDENTITY, format!("certificate SAN {s:?} is {}", p.describe_identity()))
                }
                None => checks.fail(
                    ids::IDENTITY,
                    format!("certificate SANs {sans:?} do not match the expected identity {}", p.describe_identity()),
                ),
            }
            match &cert.info.oidc_issuer {
                Some(iss) if p.issuer_matches(iss) => checks.pass(ids::ISSUER, format!("OIDC issuer {iss:?} is {}", p.describe_issuer())),
                Some(iss) => checks.fail(ids::ISSUER, format!("OIDC issuer {iss:?} does not match the expected issuer {}", p.describe_issuer())),
                None => checks.fail(ids::ISSUER, "the certificate has no Fulcio OIDC issuer extension (1.3.6.1.4.1.57264.1.1 or .8)"),
            }
            Ok((der.as_bytes().to_vec(), info.public_key))
        }
        (SignerPolicy::Key(spki), None) => {
            checks.pass(ids::POLICY, "managed-key bundle, --key given");
            checks.skip(ids::IDENTITY, "managed key: no certificate identity");
            checks.skip(ids::ISSUER, "managed key: no OIDC issuer");
            checks.skip(ids::CHAIN, "managed key: no certificate chain");
            Ok((spki.clone(), DerPublicKey::new(spki.clone())))
        }
        (SignerPolicy::Identity(_), None) => {
            checks.fail(ids::POLICY, "the bundle is signed with a managed key, not a certificate: an identity policy cannot apply (use --key)");
            Err("no signing certificate for the identity policy".into())
        }
        (SignerPolicy::Key(_), Some(_)) => {
            checks.fail(ids::POLICY, "the bundle carries a certificate, but --key was given (use --identity/--issuer)");
            Err("certificate bundle checked with a key".into())
        }
    }
}

fn check_signature_and_binding(bundle: &Bundle, key: &DerPublicKey, sig: &[u8], sha256: [u8; 32], checks: &mut Checks) {
    let alg = match KeyAlgorithm::from_spki(key) {
        Ok(a) => a,
        Err(e) => {
            checks.fail(ids::SIGNATURE, format!("the signer's key is unusable: {e}"));
            return;
        }
    };
    let scheme = alg.default_signing_scheme();
    let vk = match VerificationKey::from_spki(key) {
        Ok(k) => k,
        Err(e) => {
            checks.fail(ids::SIGNATURE, format!("the signer's key is unusable: {e}"));
            return;
        }
    };
    let sigb = SignatureBytes::new(sig.to_vec());
    match &bundle.content {
        SignatureContent::DsseEnvelope(env) => {
            match vk.verify(env.pae(), &sigb) {
                Ok(()) => checks.pass(ids::SIGNATURE, format!("{} signature over the DSSE PAE verifies", scheme.name())),
                Err(e) => checks.fail(ids::SIGNATURE, format!("the DSSE signature does not verify with the signer's key: {e}")),
            }
            match subject_digests(env.payload.as_bytes(), &env.payload_type) {
                Ok(subjects) if subjects.iter().any(|s| s.eq_ignore_ascii_case(&hex::encode(sha256))) => {
                    checks.pass(ids::ARTIFACT, format!("sha256:{} is an in-toto subject of the statement", hex::encode(sha256)))
                }
                Ok(subjects) => checks.fail(
                    ids::ARTIFACT,
                    format!("sha256:{} is not among the statement's subject digests {:?}", hex::encode(sha256), subjects),
                ),
                Err(e) => checks.fail(ids::ARTIFACT, e),
            }
        }
        SignatureContent::MessageSignature(m) => {
            if let Some(d) = &m.message_digest {
                if d.algorithm == HashAlgorithm::Sha2256 && d.digest.as_bytes() != sha256 {
                    checks.fail(ids::ARTIFACT, "the bundle's messageDigest is not the artifact's SHA-256");
                } else if d.algorithm == HashAlgorithm::Sha2256 {
                    checks.pass(ids::ARTIFACT, format!("messageDigest equals the artifact's sha256:{}", hex::encode(sha256)));
                }
            }
            if scheme.hash_algorithm() == Some(HashAlgorithm::Sha2256) {
                match vk.verify_prehashed(&sha256, &sigb) {
                    Ok(()) => {
                        checks.pass(ids::SIGNATURE, format!("{} signature over the artifact digest verifies", scheme.name()));
                        checks.pass(ids::ARTIFACT, "the signature covers this artifact");
                    }
                    Err(e) => checks.fail(ids::SIGNATURE, format!("the signature does not verify over the artifact with the signer's key: {e}")),
                }
            } else {
                checks.skip(ids::SIGNATURE, format!("{}: checked by sigstore-verify only", scheme.name()));
            }
        }
        _ => checks.fail(ids::SIGNATURE, "unsupported bundle content"),
    }
}

/// The identity value of a SAN as our X.509 layer renders it: email, URI,
/// or Fulcio's username otherName (1.3.6.1.4.1.57264.1.7). Other kinds
/// (DNS, IP, directory names) are never identities.
fn san_value(san: &str) -> Option<&str> {
    san.strip_prefix("email:")
        .or_else(|| san.strip_prefix("uri:"))
        .or_else(|| san.strip_prefix("othername:1.3.6.1.4.1.57264.1.7:"))
}

/// The sha256 subject digests of an in-toto statement.
fn subject_digests(payload: &[u8], payload_type: &str) -> Result<Vec<String>, String> {
    if payload_type != crate::dsse::INTOTO_PAYLOAD_TYPE {
        return Err(format!("DSSE payload type {payload_type:?} is not in-toto; no subject to bind the artifact"));
    }
    let v: Value = serde_json::from_slice(payload).map_err(|e| format!("the in-toto statement is not JSON: {e}"))?;
    let subjects = v.get("subject").and_then(Value::as_array).ok_or("the in-toto statement has no subject")?;
    Ok(subjects
        .iter()
        .filter_map(|s| s.get("digest").and_then(|d| d.get("sha256")).and_then(Value::as_str).map(str::to_string))
        .collect())
}

#[allow(clippy::too_many_arguments)]
fn check_entry(
    i: usize,
    entry: &sigstore_verify::types::TransparencyLogEntry,
    logs: &[TrustedLog],
    sig: &[u8],
    signer_der: &[u8],
    sha256: [u8; 32],
    dsse_payload: Option<&[u8]>,
    checks: &mut Checks,
) -> LogEntryInfo {
    let log_id = entry.log_id.key_id.as_bytes().to_vec();
    let log = logs::find(logs, &log_id);
    let body_bytes = entry.canonicalized_body.as_bytes();
    let leaf = merkle::leaf_hash(body_bytes);
    let kind = entry.kind_version.kind();
    let version = entry.kind_version.version();
    let v2 = entry.kind_version == KindVersion::HashedRekordV002;
    match log {
        Some(l) => checks.pass(ids::TLOG_LOG, format!("entry {i}: log {} is in the trust root", l.base_url)),
        None => checks.fail(ids::TLOG_LOG, format!("entry {i}: log ID {} is not in the trust root (wrong instance?)", STANDARD.encode(&log_id))),
    }
    let body = match body::check(
        body_bytes,
        &body::Expected { kind, version, signature: sig, signer_der, artifact_sha256: dsse_payload.is_none().then_some(sha256), dsse_payload },
    ) {
        Ok(d) => {
            checks.pass(ids::TLOG_BODY, format!("entry {i}: {d}"));
            Outcome::pass(d)
        }
        Err(r) => {
            checks.fail(ids::TLOG_BODY, format!("entry {i}: {r}"));
            Outcome::fail(r)
        }
    };
    let inclusion = entry.inclusion_proof.as_ref().map(|p| check_inclusion(i, entry.log_index.get(), p, &leaf, log, logs, checks));
    if entry.inclusion_proof.is_none() {
        checks.skip(ids::INCLUSION, format!("entry {i}: no inclusion proof in the bundle"));
        checks.skip(ids::CHECKPOINT, format!("entry {i}: no checkpoint in the bundle"));
    }
    let set = entry.inclusion_promise.as_ref().map(|p| {
        let set_bytes = p.signed_entry_timestamp.as_bytes();
        let outcome = match entry.integrated_time {
            None => Outcome::fail("the entry has a SET but no integratedTime"),
            Some(t) => match set::verify(
                log,
                &STANDARD.encode(&log_id),
                &entry.canonicalized_body.to_base64(),
                t.as_second(),
                entry.log_index.as_i64(),
                set_bytes,
            ) {
                Ok(()) => Outcome::pass(format!("signed by {} over body, integratedTime {}, logIndex, logID", log.map(|l| l.base_url.as_str()).unwrap_or("?"), ts_string(t.as_second()))),
                Err(e) => Outcome::fail(e.to_string()),
            },
        };
        if outcome.passed() {
            checks.pass(ids::SET, format!("entry {i}: {}", outcome.reason));
        } else {
            checks.fail(ids::SET, format!("entry {i}: {}", outcome.reason));
        }
        SetInfo { signature: STANDARD.encode(set_bytes), outcome }
    });
    if entry.inclusion_promise.is_none() {
        checks.skip(ids::SET, format!("entry {i}: no signed entry timestamp{}", if v2 { " (Rekor v2 has none)" } else { "" }));
    }
    LogEntryInfo {
        log_id: STANDARD.encode(&log_id),
        log_id_hex: hex::encode(&log_id),
        log_url: log.map(|l| l.base_url.clone()),
        log_trusted: log.is_some(),
        kind: kind.into(),
        version: version.into(),
        rekor: if v2 { "v2".into() } else { "v1".into() },
        log_index: entry.log_index.get(),
        integrated_time: entry.integrated_time.map(|t| ts_string(t.as_second())),
        leaf_hash: hex::encode(leaf),
        body,
        inclusion,
        set,
    }
}

fn check_inclusion(
    i: usize,
    entry_index: u64,
    p: &sigstore_verify::types::bundle::InclusionProof,
    leaf: &merkle::Hash,
    log: Option<&TrustedLog>,
    logs: &[TrustedLog],
    checks: &mut Checks,
) -> InclusionInfo {
    let hashes: Vec<merkle::Hash> = p.hashes.iter().map(|h| *h.as_bytes()).collect();
    let root = *p.root_hash.as_bytes();
    let index = p.log_index.get();
    let (audit_path, outcome) = match merkle::compute_root(leaf, index, p.tree_size, &hashes) {
        Ok((computed, steps)) if computed == root => {
            (steps, Outcome::pass(format!("leaf {index} of {} hashes up to root {}", p.tree_size, hex::encode(root))))
        }
        Ok((computed, steps)) => (
            steps,
            Outcome::fail(format!("the audit path computes root {} but the proof says {}", hex::encode(computed), hex::encode(root))),
        ),
        Err(e) => (Vec::new(), Outcome::fail(e.to_string())),
    };
    let _ = entry_index;
    if outcome.passed() {
        checks.pass(ids::INCLUSION, format!("entry {i}: {}", outcome.reason));
    } else {
        checks.fail(ids::INCLUSION, format!("entry {i}: {}", outcome.reason));
    }
    let checkpoint = check_checkpoint(p.checkpoint.envelope(), p.tree_size, &root, log, logs);
    if checkpoint.outcome.passed() {
        checks.pass(ids::CHECKPOINT, format!("entry {i}: {}", checkpoint.outcome.reason));
    } else {
        checks.fail(ids::CHECKPOINT, format!("entry {i}: {}", checkpoint.outcome.reason));
    }
    InclusionInfo { leaf_index: index, tree_size: p.tree_size, root_hash: hex::encode(root), audit_path, outcome, checkpoint }
}

/// Parses the checkpoint, checks origin, size and root against the proof, and
/// requires a valid signature by the entry's log (hint = first 4 bytes of the
/// log ID); signatures by anyone else (witnesses) are listed and ignored.
pub fn check_checkpoint(text: &str, tree_size: u64, root: &[u8; 32], log: Option<&TrustedLog>, logs: &[TrustedLog]) -> CheckpointInfo {
    let mut info = CheckpointInfo {
        text: text.to_string(),
        origin: None,
        tree_size: None,
        root_hash: None,
        signatures: Vec::new(),
        signed_by: None,
        outcome: Outcome::fail("not checked"),
    };
    let note = match checkpoint::parse(text) {
        Ok(n) => n,
        Err(e) => {
            info.outcome = Outcome::fail(e.to_string());
            return info;
        }
    };
    info.origin = Some(note.origin.clone());
    info.tree_size = Some(note.tree_size);
    info.root_hash = Some(hex::encode(note.root_hash));
    let Some(log) = log else {
        info.outcome = Outcome::fail("the entry's log is not in the trust root, so no key can vouch for the checkpoint");
        return info;
    };
    let mut log_sig_ok = false;
    let mut log_sig_seen = false;
    for s in &note.signatures {
        let hint = s.key_hint;
        let candidates: Vec<&TrustedLog> = logs.iter().filter(|l| l.log_id.len() >= 4 && l.log_id[..4] == hint).collect();
        let outcome = if candidates.is_empty() {
            Outcome::skip("unknown signer (e.g. a witness): ignored")
        } else if !candidates.iter().any(|c| std::ptr::eq(*c, log)) {
            Outcome::skip("signed by another trusted log, not this entry's: ignored")
        } else {
            log_sig_seen = true;
            match log.verify(note.body.as_bytes(), &s.signature) {
                Ok(()) => {
                    log_sig_ok = true;
                    Outcome::pass(format!("valid signature by {}", log.base_url))
                }
                Err(e) => Outcome::fail(format!("signature by {} does not verify: {e}", log.base_url)),
            }
        };
        info.signatures.push(NoteSignerInfo {
            name: s.name.clone(),
            key_hint: hex::encode(hint),
            role: if candidates.is_empty() { "witness".into() } else { "log".into() },
            outcome,
        });
    }
    info.outcome = if let Err(e) = checkpoint::check_origin(&note, log.host()) {
        Outcome::fail(e.to_string())
    } else if note.tree_size != tree_size {
        Outcome::fail(format!("checkpoint tree size {} differs from the proof's {tree_size}", note.tree_size))
    } else if &note.root_hash != root {
        Outcome::fail(format!("checkpoint root {} differs from the proof's root {}", hex::encode(note.root_hash), hex::encode(root)))
    } else if !log_sig_seen {
        Outcome::fail(format!("no signature line carries the key hint of {} (first 4 bytes of its log ID {})", log.base_url, hex::encode(&log.log_id[..4.min(log.log_id.len())])))
    } else if !log_sig_ok {
        Outcome::fail(format!("the signature by {} over the checkpoint does not verify", log.base_url))
    } else {
        info.signed_by = Some(log.base_url.clone());
        let witnesses = info.signatures.iter().filter(|s| s.role == "witness").count();
        Outcome::pass(format!(
            "{:?} size {} signed by {}{}",
            note.origin,
            note.tree_size,
            log.base_url,
            if witnesses > 0 { format!(" ({witnesses} unknown witness line(s) ignored)") } else { String::new() }
        ))
    };
    info
}

fn check_times(times: &[i64], policy: &SignerPolicy, outcome: &BundleOutcome, bundle: &Bundle, trust: &LoadedTrustRoot, checks: &mut Checks) {
    let is_keyless = matches!(policy, SignerPolicy::Identity(_));
    if times.is_empty() {
        if is_keyless {
            checks.fail(ids::TIME, "no verified signing time: neither a valid SET nor a trusted RFC 3161 timestamp");
            checks.fail(ids::CHAIN, "cannot evaluate the certificate chain without a verified signing time");
        } else {
            checks.pass(ids::TIME, "managed key: no certificate validity to check");
        }
        return;
    }
    // Log key windows for SET-backed integrated times.
    let logs = logs::rekor_logs(&trust.root);
    for e in &bundle.verification_material.tlog_entries {
        if let (Some(t), Some(l)) = (e.integrated_time, logs::find(&logs, e.log_id.key_id.as_bytes()))
            && e.inclusion_promise.is_some() && !l.valid_at(t.as_second()) {
                checks.fail(ids::TIME, format!("integrated time {} is outside the validity of log key {}", ts_string(t.as_second()), l.base_url));
            }
    }
    let Some(leaf) = &outcome.leaf else {
        checks.pass(ids::TIME, format!("{} verified time(s): {}", times.len(), times.iter().map(|t| ts_string(*t)).collect::<Vec<_>>().join(", ")));
        return;
    };
    let Some(der) = bundle.signing_certificate() else { return };
    let Ok(cert) = Cert::from_der(der.as_bytes(), 0) else { return };
    let intermediates: Vec<Cert> = match &bundle.verification_material.content {
        VerificationMaterialContent::X509CertificateChain { certificates } => {
            certificates.iter().skip(1).enumerate().filter_map(|(k, c)| Cert::from_der(c.raw_bytes.as_bytes(), k + 1).ok()).collect()
        }
        _ => Vec::new(),
    };
    for &t in times {
        let Ok(at) = OffsetDateTime::from_unix_timestamp(t) else { continue };
        if cert.valid_at(at) {
            checks.pass(ids::TIME, format!("signed at {} within the certificate's validity {} to {}", ts_string(t), leaf.not_before, leaf.not_after));
        } else {
            checks.fail(ids::TIME, format!("signing time {} is outside the certificate's validity {} to {}", ts_string(t), leaf.not_before, leaf.not_after));
        }
        // Chain to a Fulcio CA of the trust root whose window contains t.
        let mut errors = Vec::new();
        let mut ok = None;
        for ca in &trust.root.certificate_authorities {
            if let Some(w) = &ca.valid_for
                && (t < w.start.as_second() || w.end.is_some_and(|e| t > e.as_second())) {
                    errors.push(format!("{}: CA not valid at {}", ca.uri, ts_string(t)));
                    continue;
                }
            let certs: Vec<Cert> =
                ca.cert_chain.certificates.iter().enumerate().filter_map(|(k, c)| Cert::from_der(c.raw_bytes.as_bytes(), k).ok()).collect();
            let Some((root, inter)) = certs.split_last() else { continue };
            let mut all_inter = intermediates.clone();
            all_inter.extend(inter.iter().cloned());
            let chk = x509::verify_chain(&cert, &all_inter, std::slice::from_ref(root), at);
            if chk.errors.is_empty() {
                ok = Some((ca.uri.clone(), chk.path.len()));
                break;
            }
            errors.push(format!("{}: {}", ca.uri, chk.errors.join(", ")));
        }
        match ok {
            Some((uri, n)) => checks.pass(ids::CHAIN, format!("leaf chains ({n} certificates) to Fulcio CA {uri} valid at {}", ts_string(t))),
            None => checks.fail(ids::CHAIN, format!("no Fulcio CA of the trust root validates the leaf at {}: {}", ts_string(t), errors.join(" | "))),
        }
    }
    let usage = x509::check_leaf_usage(&cert);
    if usage.strict_ok {
        checks.pass(ids::CHAIN, usage.reason);
    } else {
        checks.fail(ids::CHAIN, usage.reason);
    }
}

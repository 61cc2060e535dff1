//! A ledger entry: a reviewer's decision about one exact model, as an in-toto
//! Statement v1 in a DSSE envelope in a Sigstore bundle v0.3, signed by the
//! reviewer's ECDSA key.
//!
//! The statement is serialised once, when drafted; the signed bundle bytes
//! are what the ledger stores and hashes, and are never re-serialised (JSON
//! has many spellings of the same value, a signature covers one).
//!
//! The predicate follows the spirit of in-toto's `human-review` predicate
//! (`result`, `timestamp`) and adds what an auditor asks: the model identity,
//! the digest of the report the reviewer saw (and its verdict, and whether a
//! failed verification was overridden), the scope of the review, and the
//! ledger state the reviewer saw (`seen`: tree size + root), which chains
//! entries more strongly than a `prev` pointer and is signed outside the
//! write lock, so concurrent appends never invalidate it.
//!
//! The reviewer's public key travels inside the signed predicate so anyone
//! can check the signature; whether that key is *trusted* is a separate
//! question answered by the trusted-reviewers list.

use super::merkle::Hash;
use crate::crypto::{PrivateKey, PublicKey};
use crate::dsse::{BUNDLE_V03, Envelope, INTOTO_PAYLOAD_TYPE, decode_b64, key_bundle_json, pae};
use crate::report::{VerificationReport, Verdict};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::fmt;

pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// Predicate type of review entries.
pub const REVIEW_PREDICATE: &str = "https://modelvet.dev/ledger/review/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Approve,
    Reject,
}

impl Decision {
    pub fn word(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Reject => "reject",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// What the review covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Security,
    Legal,
    Ops,
}

impl Scope {
    pub fn word(self) -> &'static str {
        match self {
            Scope::Security => "security",
            Scope::Legal => "legal",
            Scope::Ops => "ops",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// The ledger state a reviewer saw when deciding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeenState {
    pub tree_size: u64,
    pub root: Hash,
}

/// What the reviewer asks to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRequest {
    pub decision: Decision,
    pub scope: Scope,
    pub note: String,
    /// Approve even though verification did not pass.
    pub allow_override: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("the report has no model digest (the model could not be hashed), so there is nothing to bind a decision to")]
    NoModelDigest,
    #[error("verification {verdict}: approving needs --override (reasons: {reasons})")]
    NeedsOverride { verdict: &'static str, reasons: String },
    #[error("the signing key {actual} is not the reviewer key {expected} the draft names")]
    WrongSigner { expected: String, actual: String },
    #[error("entry is not a Sigstore bundle: {0}")]
    Bundle(String),
    #[error("entry statement is malformed: {0}")]
    Statement(String),
    #[error("entry signature does not verify: {0}")]
    Signature(String),
}

/// The reviewer as recorded in an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewerClaim {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub key_fingerprint: String,
    pub public_key: String,
}

/// The report as recorded in an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportClaim {
    pub digest: String,
    pub verdict: Verdict,
    #[serde(default)]
    pub reasons: Vec<String>,
    pub schema: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelClaim {
    /// `sha256:<hex>`, the model identity of the report.
    pub digest: String,
    /// What the reviewer opened (path or reference).
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeenClaim {
    pub tree_size: u64,
    /// Hex RFC 6962 root.
    pub root_hash: String,
}

/// The decoded review predicate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewClaims {
    pub decision: Decision,
    /// `pass` for approvals, `fail` for rejections (in-toto human-review).
    pub result: String,
    pub scope: Scope,
    pub note: String,
    /// RFC 3339 UTC.
    pub timestamp: String,
    #[serde(rename = "override")]
    pub overridden: bool,
    pub model: ModelClaim,
    pub report: ReportClaim,
    pub reviewer: ReviewerClaim,
    /// The ledger's origin, so an entry cannot be replayed into another ledger.
    pub ledger: String,
    pub seen: SeenClaim,
}

impl ReviewClaims {
    pub fn seen_state(&self) -> Result<SeenState, EntryError> {
        let root = hex::decode(&self.seen.root_hash)
            .ok()
            .and_then(|v| <Hash>::try_from(v).ok())
            .ok_or_else(|| EntryError::Statement("seen.rootHash is not a 32-byte hex hash".into()))?;
        Ok(SeenState { tree_size: self.seen.tree_size, root })
    }
}

/// A statement ready to be signed: `statement` is exactly the payload the
/// reviewer's signature will cover (a confirm dialog can show it verbatim).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewDraft {
    pub claims: ReviewClaims,
    pub statement: Vec<u8>,
}

fn hex_of(digest: &str) -> Result<&str, EntryError> {
    let hex = digest
        .strip_prefix("sha256:")
        .ok_or_else(|| EntryError::Statement(format!("model digest '{digest}' is not sha256:<hex>")))?;
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(EntryError::Statement(format!("model digest '{digest}' is not sha256:<64 hex>")));
    }
    Ok(hex)
}

/// Builds the statement for `req` about `report`. Fails when the report has
/// no model identity, or when approving a model that did not verify without
/// `allow_override`.
#[allow(clippy::too_many_arguments)]
pub fn draft_review(
    report: &VerificationReport,
    req: &ReviewRequest,
    reviewer_key: &PublicKey,
    reviewer_name: Option<String>,
    reviewer_email: Option<String>,
    ledger_origin: &str,
    seen: SeenState,
    time: time::OffsetDateTime,
) -> Result<ReviewDraft, EntryError> {
    let digest = report.model_digest.clone().ok_or(EntryError::NoModelDigest)?;
    let hex = hex_of(&digest)?.to_string();
    let verified = report.verdict == Verdict::Verified;
    if req.decision == Decision::Approve && !verified && !req.allow_override {
        return Err(EntryError::NeedsOverride { verdict: report.verdict.word(), reasons: report.reasons.join("; ") });
    }
    let timestamp = time
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .ok_or_else(|| EntryError::Statement("time cannot be formatted".into()))?;
    let claims = ReviewClaims {
        decision: req.decision,
        result: if req.decision == Decision::Approve { "pass" } else { "fail" }.into(),
        scope: req.scope,
        note: req.note.clone(),
        timestamp,
        overridden: req.decision == Decision::Approve && !verified,
        model: ModelClaim { digest, source: report.source.reference.clone() },
        report: ReportClaim {
            digest: report.digest(),
            verdict: report.verdict,
            reasons: report.reasons.clone(),
            schema: report.schema.clone(),
        },
        reviewer: ReviewerClaim {
            name: reviewer_name,
            email: reviewer_email,
            key_fingerprint: reviewer_key.fingerprint(),
            public_key: reviewer_key.to_pem(),
        },
        ledger: ledger_origin.to_string(),
        seen: SeenClaim { tree_size: seen.tree_size, root_hash: hex::encode(seen.root) },
    };
    let statement = json!({
        "_type": STATEMENT_TYPE,
        "subject": [{ "name": report.source.reference, "digest": { "sha256": hex } }],
        "predicateType": REVIEW_PREDICATE,
        "predicate": claims,
    });
    let statement = serde_json::to_vec(&statement).map_err(|e| EntryError::Statement(e.to_string()))?;
    Ok(ReviewDraft { claims, statement })
}

/// The exact bytes of a signed entry (a Sigstore bundle JSON document).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedEntry {
    pub bytes: Vec<u8>,
}

impl ReviewDraft {
    /// Signs the statement with the reviewer key the draft names.
    pub fn sign(&self, key: &PrivateKey) -> Result<SignedEntry, EntryError> {
        let public = key.public_key();
        if public.fingerprint() != self.claims.reviewer.key_fingerprint {
            return Err(EntryError::WrongSigner {
                expected: self.claims.reviewer.key_fingerprint.clone(),
                actual: public.fingerprint(),
            });
        }
        let env = Envelope::sign_intoto(self.statement.clone(), key);
        Ok(SignedEntry { bytes: key_bundle_json(&env, &public.hint()).into_bytes() })
    }
}

/// An entry whose signature verified with the key it names.
#[derive(Debug, Clone)]
pub struct OpenedEntry {
    pub claims: ReviewClaims,
    pub key: PublicKey,
}

/// A reviewer public key with what checking an entry needs, computed once.
#[derive(Debug)]
pub struct ReviewerKey {
    pub key: PublicKey,
    pub fingerprint: String,
    pub hint: String,
    /// Uncompressed SEC1 point, for aws-lc.
    point: Vec<u8>,
}

impl ReviewerKey {
    pub fn from_pem(pem: &str) -> Result<Self, String> {
        let key = PublicKey::from_pem(pem).map_err(|e| e.to_string())?;
        let point_len = match key.curve() {
            crate::crypto::Curve::P256 => 65,
            crate::crypto::Curve::P384 => 97,
            crate::crypto::Curve::P521 => 133,
        };
        // The SubjectPublicKeyInfo ends with the uncompressed SEC1 point.
        let spki = key.spki_der();
        let point = spki
            .len()
            .checked_sub(point_len)
            .map(|at| spki[at..].to_vec())
            .filter(|p| p.first() == Some(&0x04))
            .ok_or_else(|| "key has no uncompressed point".to_string())?;
        Ok(ReviewerKey { fingerprint: key.fingerprint(), hint: key.hint(), point, key })
    }

    /// ECDSA verification through aws-lc-rs (already linked for
    /// rustls-webpki): `ledger verify` checks every entry's signature, and
    /// aws-lc's P-256 is several times faster than the pure-Rust `p256`
    /// crate. Same semantics as [`PublicKey::verify`]: the curve's own hash,
    /// strict DER signatures.
    pub fn verify(&self, msg: &[u8], der_sig: &[u8]) -> Result<(), EntryError> {
        use aws_lc_rs::signature::{self, UnparsedPublicKey};
        let alg: &'static signature::EcdsaVerificationAlgorithm = match self.key.curve() {
            crate::crypto::Curve::P256 => &signature::ECDSA_P256_SHA256_ASN1,
            crate::crypto::Curve::P384 => &signature::ECDSA_P384_SHA384_ASN1,
            crate::crypto::Curve::P521 => &signature::ECDSA_P521_SHA512_ASN1,
        };
        UnparsedPublicKey::new(alg, &self.point)
            .verify(msg, der_sig)
            .map_err(|_| EntryError::Signature(format!("ECDSA signature does not verify with the {} key", self.key.curve())))
    }
}

/// Parsed reviewer keys by PEM text: a ledger has few reviewers and many
/// entries, so each key is decoded once. Shareable between threads.
#[derive(Debug, Default)]
pub struct KeyCache {
    keys: std::sync::Mutex<std::collections::HashMap<String, Result<std::sync::Arc<ReviewerKey>, String>>>,
}

impl KeyCache {
    pub fn get(&self, pem: &str) -> Result<std::sync::Arc<ReviewerKey>, String> {
        if let Ok(keys) = self.keys.lock()
            && let Some(k) = keys.get(pem) {
                return k.clone();
            }
        let k = ReviewerKey::from_pem(pem).map(std::sync::Arc::new);
        if let Ok(mut keys) = self.keys.lock() {
            keys.insert(pem.to_string(), k.clone());
        }
        k
    }
}

// Typed views of the stored JSON: parsing straight into these is much
// cheaper than going through `serde_json::Value`, which matters when
// verifying every entry of a large ledger.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BundleDoc {
    media_type: String,
    verification_material: MaterialDoc,
    dsse_envelope: EnvelopeDoc,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MaterialDoc {
    public_key: HintDoc,
}

#[derive(Deserialize)]
struct HintDoc {
    hint: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnvelopeDoc {
    payload: String,
    payload_type: String,
    signatures: Vec<SigDoc>,
}

#[derive(Deserialize)]
struct SigDoc {
    sig: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatementDoc {
    #[serde(rename = "_type")]
    statement_type: String,
    subject: Vec<SubjectDoc>,
    predicate_type: String,
    predicate: ReviewClaims,
}

#[derive(Deserialize)]
struct SubjectDoc {
    digest: DigestDoc,
}

#[derive(Deserialize)]
struct DigestDoc {
    sha256: String,
}

/// Parses `bytes` and checks the bundle shape, the statement, the key hint
/// and the DSSE signature.
pub fn open_entry(bytes: &[u8], keys: &KeyCache) -> Result<OpenedEntry, EntryError> {
    let bundle: BundleDoc = serde_json::from_slice(bytes).map_err(|e| EntryError::Bundle(e.to_string()))?;
    if bundle.media_type != BUNDLE_V03 {
        return Err(EntryError::Bundle(format!("mediaType is not {BUNDLE_V03}")));
    }
    let env = bundle.dsse_envelope;
    if env.payload_type != INTOTO_PAYLOAD_TYPE {
        return Err(EntryError::Bundle(format!("payloadType is not {INTOTO_PAYLOAD_TYPE}")));
    }
    let [sig] = env.signatures.as_slice() else {
        return Err(EntryError::Bundle(format!("expected exactly one signature, found {}", env.signatures.len())));
    };
    let sig = decode_b64("signatures[0].sig", &sig.sig).map_err(|e| EntryError::Bundle(e.to_string()))?;
    let payload = decode_b64("payload", &env.payload).map_err(|e| EntryError::Bundle(e.to_string()))?;
    let statement: StatementDoc = serde_json::from_slice(&payload).map_err(|e| EntryError::Statement(e.to_string()))?;
    if statement.statement_type != STATEMENT_TYPE {
        return Err(EntryError::Statement(format!("_type is not {STATEMENT_TYPE}")));
    }
    if statement.predicate_type != REVIEW_PREDICATE {
        return Err(EntryError::Statement(format!("predicateType is not {REVIEW_PREDICATE}")));
    }
    let claims = statement.predicate;
    let subject_hex = statement
        .subject
        .first()
        .map(|s| s.digest.sha256.as_str())
        .ok_or_else(|| EntryError::Statement("subject is empty".into()))?;
    if hex_of(&claims.model.digest)? != subject_hex {
        return Err(EntryError::Statement("subject digest differs from predicate.model.digest".into()));
    }
    claims.seen_state()?;
    let key = keys
        .get(&claims.reviewer.public_key)
        .map_err(|e| EntryError::Statement(format!("reviewer.publicKey: {e}")))?;
    if key.fingerprint != claims.reviewer.key_fingerprint {
        return Err(EntryError::Statement("reviewer.keyFingerprint does not match reviewer.publicKey".into()));
    }
    if key.hint != bundle.verification_material.public_key.hint {
        return Err(EntryError::Bundle("publicKey.hint does not match the reviewer key".into()));
    }
    key.verify(&pae(&env.payload_type, &payload), &sig)?;
    Ok(OpenedEntry { claims, key: key.key.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::SourceInfo;

    pub(crate) fn sample_report(verdict: Verdict) -> VerificationReport {
        let mut r = VerificationReport::new(SourceInfo { reference: "models/x".into(), kind: "directory".into(), signature: None });
        r.verdict = verdict;
        r.model_digest = Some(format!("sha256:{}", "ab".repeat(32)));
        r
    }

    fn req(decision: Decision, allow_override: bool) -> ReviewRequest {
        ReviewRequest { decision, scope: Scope::Legal, note: "looks fine".into(), allow_override }
    }


    #[test]
    fn signed_entry_opens_and_any_byte_change_is_caught() {
        let key = PrivateKey::generate_p256();
        let seen = SeenState { tree_size: 0, root: super::super::merkle::empty_root() };
        let draft = draft_review(&sample_report(Verdict::Verified), &req(Decision::Approve, false), &key.public_key(),
            Some("Ann".into()), None, "o", seen, time::OffsetDateTime::now_utc()).unwrap();
        let entry = draft.sign(&key).unwrap();
        let opened = open_entry(&entry.bytes, &KeyCache::default()).unwrap();
        assert_eq!(opened.claims, draft.claims);
        assert!(!opened.claims.overridden);
        let text = String::from_utf8(entry.bytes.clone()).unwrap();
        // Flip a character inside the base64 payload.
        let at = text.find("\"payload\":\"").unwrap() + 40;
        let mut bytes = entry.bytes.clone();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        assert!(open_entry(&bytes, &KeyCache::default()).is_err());
        let other = PrivateKey::generate_p256();
        assert!(matches!(draft.sign(&other), Err(EntryError::WrongSigner { .. })));
    }

    #[test]
    fn approving_a_failed_model_needs_override_and_records_it() {
        let key = PrivateKey::generate_p256();
        let seen = SeenState { tree_size: 0, root: [0; 32] };
        let now = time::OffsetDateTime::now_utc();
        let failed = sample_report(Verdict::Failed);
        let e = draft_review(&failed, &req(Decision::Approve, false), &key.public_key(), None, None, "o", seen, now);
        assert!(matches!(e, Err(EntryError::NeedsOverride { .. })));
        let d = draft_review(&failed, &req(Decision::Approve, true), &key.public_key(), None, None, "o", seen, now).unwrap();
        assert!(d.claims.overridden);
        let r = draft_review(&failed, &req(Decision::Reject, false), &key.public_key(), None, None, "o", seen, now).unwrap();
        assert!(!r.claims.overridden);
        let mut none = failed.clone();
        none.model_digest = None;
        assert_eq!(draft_review(&none, &req(Decision::Reject, false), &key.public_key(), None, None, "o", seen, now),
            Err(EntryError::NoModelDigest));
    }
}

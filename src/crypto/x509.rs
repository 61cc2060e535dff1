//! X.509 certificates for the OMS `certificate` method: parsing the fields a
//! reviewer needs to see, and building a chain from the signing leaf through
//! the bundle's intermediates to an anchor the user supplied.
//!
//! Why not `rustls-webpki`'s path builder: OMS signatures in the wild use a
//! leaf marked `CA:TRUE`, which webpki rejects outright (`CaUsedAsEndEntity`),
//! and the report must name every rule that failed, not just the first
//! error. So the path building is ours (small and explicit, modelled on
//! OpenSSL's `X509_verify_cert` defaults: self-signed anchors only, no partial
//! chains, CA basicConstraints and pathLen, keyCertSign, unknown critical
//! extensions rejected), while every signature check goes through webpki's
//! audited algorithm objects.

use super::keys::PublicKey;
use rustls_pki_types::SignatureVerificationAlgorithm;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAltName};

/// OID of the code-signing extended key usage.
pub const EKU_CODE_SIGNING: &str = "1.3.6.1.5.5.7.3.3";
/// Fulcio OIDC issuer extension, v1 (raw string value).
pub const FULCIO_ISSUER_V1: &str = "1.3.6.1.4.1.57264.1.1";
/// Fulcio OIDC issuer extension, v2 (DER UTF8String).
pub const FULCIO_ISSUER_V2: &str = "1.3.6.1.4.1.57264.1.8";

/// Extensions a verifier is expected to understand (critical ones outside
/// this list make a certificate unusable, as in OpenSSL).
const KNOWN_EXTENSIONS: &[&str] = &[
    "2.5.29.15", // keyUsage
    "2.5.29.19", // basicConstraints
    "2.5.29.37", // extKeyUsage
    "2.5.29.17", // subjectAltName
    "2.5.29.14", // subjectKeyIdentifier
    "2.5.29.35", // authorityKeyIdentifier
    "2.5.29.32", // certificatePolicies
    "2.5.29.30", // nameConstraints (not enforced; see chain rules)
    "2.5.29.31", // cRLDistributionPoints
    "1.3.6.1.5.5.7.1.1", // authorityInfoAccess
    "1.3.6.1.4.1.11129.2.4.2", // embedded SCTs
];

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum CertError {
    #[error("certificate {index} is not valid DER X.509: {reason}")]
    Malformed { index: usize, reason: String },
}

/// A parsed certificate with the fields reports show.
#[derive(Debug, Clone)]
pub struct Cert {
    pub der: Vec<u8>,
    pub parsed: Certificate,
    pub info: CertInfo,
}

/// The human-facing description of one certificate.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    pub is_ca: bool,
    pub path_len: Option<u8>,
    pub key_usage: Vec<String>,
    pub ext_key_usage: Vec<String>,
    pub san: Vec<String>,
    pub oidc_issuer: Option<String>,
    pub key_algorithm: String,
    /// `SHA256:` + hex of the whole certificate.
    pub fingerprint: String,
    pub self_signed: bool,
}

impl Cert {
    pub fn from_der(der: &[u8], index: usize) -> Result<Self, CertError> {
        let parsed = Certificate::from_der(der).map_err(|e| CertError::Malformed {
            index,
            reason: e.to_string(),
        })?;
        let info = describe(&parsed, der);
        Ok(Cert { der: der.to_vec(), parsed, info })
    }

    pub fn not_before(&self) -> OffsetDateTime {
        to_offset(self.parsed.tbs_certificate().validity().not_before.to_unix_duration())
    }

    pub fn not_after(&self) -> OffsetDateTime {
        to_offset(self.parsed.tbs_certificate().validity().not_after.to_unix_duration())
    }

    pub fn valid_at(&self, at: OffsetDateTime) -> bool {
        self.not_before() <= at && at <= self.not_after()
    }

    /// The certificate's EC public key, if it has one OMS can use.
    pub fn ec_public_key(&self) -> Result<PublicKey, super::KeyError> {
        let spki = self
            .parsed
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .map_err(|e| super::KeyError::MalformedPublicKey(e.to_string()))?;
        PublicKey::from_spki_der(&spki)
    }

    fn key_usage(&self) -> Option<KeyUsage> {
        self.parsed.tbs_certificate().get_extension::<KeyUsage>().ok().flatten().map(|(_, k)| k)
    }

    fn basic_constraints(&self) -> Option<BasicConstraints> {
        self.parsed
            .tbs_certificate()
            .get_extension::<BasicConstraints>()
            .ok()
            .flatten()
            .map(|(_, b)| b)
    }

    /// Whether `issuer`'s key made this certificate's signature.
    pub fn signed_by(&self, issuer: &Cert) -> Result<(), String> {
        let tbs = self
            .parsed
            .tbs_certificate()
            .to_der()
            .map_err(|e| format!("cannot re-encode TBS: {e}"))?;
        let sig = self
            .parsed
            .signature()
            .as_bytes()
            .ok_or("signature has unused bits")?;
        let issuer_spki = issuer.parsed.tbs_certificate().subject_public_key_info();
        let key_bits = issuer_spki
            .subject_public_key
            .as_bytes()
            .ok_or("issuer key has unused bits")?;
        let key_alg = issuer_spki.algorithm.oid.to_string();
        let curve = issuer_spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<x509_cert::der::asn1::ObjectIdentifier>().ok())
            .map(|o| o.to_string());
        let sig_alg = self.parsed.signature_algorithm().oid.to_string();
        let alg = pick_algorithm(&sig_alg, &key_alg, curve.as_deref())
            .ok_or_else(|| format!("unsupported signature algorithm {sig_alg} with issuer key {key_alg}"))?;
        alg.verify_signature(key_bits, &tbs, sig)
            .map_err(|_| "signature does not verify with the issuer's key".to_string())
    }

    fn unknown_critical_extensions(&self) -> Vec<String> {
        self.parsed
            .tbs_certificate()
            .extensions()
            .map(|exts| {
                exts.iter()
                    .filter(|e| e.critical)
                    .map(|e| e.extn_id.to_string())
                    .filter(|oid| !KNOWN_EXTENSIONS.contains(&oid.as_str()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn to_offset(d: std::time::Duration) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(d.as_secs() as i64).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn pick_algorithm(
    sig_alg: &str,
    key_alg: &str,
    curve: Option<&str>,
) -> Option<&'static dyn SignatureVerificationAlgorithm> {
    use webpki::aws_lc_rs as a;
    const EC: &str = "1.2.840.10045.2.1";
    const RSA: &str = "1.2.840.113549.1.1.1";
    const P256: &str = "1.2.840.10045.3.1.7";
    const P384: &str = "1.3.132.0.34";
    const P521: &str = "1.3.132.0.35";
    Some(match (sig_alg, key_alg, curve) {
        ("1.2.840.10045.4.3.2", EC, Some(P256)) => a::ECDSA_P256_SHA256,
        ("1.2.840.10045.4.3.3", EC, Some(P256)) => a::ECDSA_P256_SHA384,
        ("1.2.840.10045.4.3.4", EC, Some(P256)) => a::ECDSA_P256_SHA512,
        ("1.2.840.10045.4.3.2", EC, Some(P384)) => a::ECDSA_P384_SHA256,
        ("1.2.840.10045.4.3.3", EC, Some(P384)) => a::ECDSA_P384_SHA384,
        ("1.2.840.10045.4.3.4", EC, Some(P384)) => a::ECDSA_P384_SHA512,
        ("1.2.840.10045.4.3.2", EC, Some(P521)) => a::ECDSA_P521_SHA256,
        ("1.2.840.10045.4.3.3", EC, Some(P521)) => a::ECDSA_P521_SHA384,
        ("1.2.840.10045.4.3.4", EC, Some(P521)) => a::ECDSA_P521_SHA512,
        ("1.2.840.113549.1.1.11", RSA, _) => a::RSA_PKCS1_2048_8192_SHA256,
        ("1.2.840.113549.1.1.12", RSA, _) => a::RSA_PKCS1_2048_8192_SHA384,
        ("1.2.840.113549.1.1.13", RSA, _) => a::RSA_PKCS1_2048_8192_SHA512,
        ("1.3.101.112", "1.3.101.112", _) => a::ED25519,
        _ => return None,
    })
}

fn describe(cert: &Certificate, der: &[u8]) -> CertInfo {
    let tbs = cert.tbs_certificate();
    let bc = tbs.get_extension::<BasicConstraints>().ok().flatten().map(|(_, b)| b);
    let ku = tbs.get_extension::<KeyUsage>().ok().flatten().map(|(_, k)| k);
    let eku = tbs.get_extension::<ExtendedKeyUsage>().ok().flatten().map(|(_, e)| e);
    let san = tbs.get_extension::<SubjectAltName>().ok().flatten().map(|(_, s)| s);
    let mut key_usage = Vec::new();
    if let Some(ku) = ku {
        let names = [
            (ku.digital_signature(), "digitalSignature"),
            (ku.non_repudiation(), "nonRepudiation"),
            (ku.key_encipherment(), "keyEncipherment"),
            (ku.data_encipherment(), "dataEncipherment"),
            (ku.key_agreement(), "keyAgreement"),
            (ku.key_cert_sign(), "keyCertSign"),
            (ku.crl_sign(), "cRLSign"),
        ];
        key_usage = names.iter().filter(|(on, _)| *on).map(|(_, n)| n.to_string()).collect();
    }
    let ext_key_usage = eku
        .map(|e| e.0.iter().map(|o| eku_name(&o.to_string())).collect())
        .unwrap_or_default();
    let san = san
        .map(|s| s.0.iter().filter_map(general_name).collect())
        .unwrap_or_default();
    let spki = tbs.subject_public_key_info();
    let key_algorithm = match spki.algorithm.oid.to_string().as_str() {
        "1.2.840.10045.2.1" => {
            match spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<x509_cert::der::asn1::ObjectIdentifier>().ok())
                .map(|o| o.to_string())
                .as_deref()
            {
                Some("1.2.840.10045.3.1.7") => "EC P-256".to_string(),
                Some("1.3.132.0.34") => "EC P-384".to_string(),
                Some("1.3.132.0.35") => "EC P-521".to_string(),
                other => format!("EC {}", other.unwrap_or("?")),
            }
        }
        "1.2.840.113549.1.1.1" => "RSA".to_string(),
        "1.3.101.112" => "Ed25519".to_string(),
        other => other.to_string(),
    };
    let validity = tbs.validity();
    CertInfo {
        subject: tbs.subject().to_string(),
        issuer: tbs.issuer().to_string(),
        serial: tbs.serial_number().to_string(),
        not_before: rfc3339(to_offset(validity.not_before.to_unix_duration())),
        not_after: rfc3339(to_offset(validity.not_after.to_unix_duration())),
        is_ca: bc.as_ref().map(|b| b.ca).unwrap_or(false),
        path_len: bc.and_then(|b| b.path_len_constraint),
        key_usage,
        ext_key_usage,
        san,
        oidc_issuer: oidc_issuer(cert),
        key_algorithm,
        fingerprint: format!("SHA256:{}", hex::encode(Sha256::digest(der))),
        self_signed: tbs.subject() == tbs.issuer(),
    }
}

/// The Fulcio OIDC issuer (v2 DER UTF8String, else v1 raw string).
pub fn oidc_issuer(cert: &Certificate) -> Option<String> {
    let exts = cert.tbs_certificate().extensions()?;
    let find = |oid: &str| exts.iter().find(|e| e.extn_id.to_string() == oid);
    if let Some(e) = find(FULCIO_ISSUER_V2)
        && let Ok(s) = x509_cert::der::asn1::Utf8StringRef::from_der(e.extn_value.as_bytes()) {
            return Some(s.as_str().to_string());
        }
    find(FULCIO_ISSUER_V1).and_then(|e| String::from_utf8(e.extn_value.as_bytes().to_vec()).ok())
}

fn general_name(n: &GeneralName) -> Option<String> {
    Some(match n {
        GeneralName::Rfc822Name(s) => format!("email:{}", s.as_str()),
        GeneralName::DnsName(s) => format!("dns:{}", s.as_str()),
        GeneralName::UniformResourceIdentifier(s) => format!("uri:{}", s.as_str()),
        GeneralName::OtherName(o) => {
            let v = o
                .value
                .decode_as::<x509_cert::der::asn1::Utf8StringRef>()
                .map(|s| s.as_str().to_string())
                .unwrap_or_else(|_| "(undecodable)".into());
            format!("othername:{}:{v}", o.type_id)
        }
        GeneralName::DirectoryName(name) => format!("dirname:{name}"),
        GeneralName::IpAddress(ip) => format!("ip:{}", hex::encode(ip.as_bytes())),
        _ => return None,
    })
}

fn eku_name(oid: &str) -> String {
    match oid {
        "1.3.6.1.5.5.7.3.1" => "serverAuth".into(),
        "1.3.6.1.5.5.7.3.2" => "clientAuth".into(),
        EKU_CODE_SIGNING => "codeSigning".into(),
        "1.3.6.1.5.5.7.3.4" => "emailProtection".into(),
        "1.3.6.1.5.5.7.3.8" => "timeStamping".into(),
        other => other.into(),
    }
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| t.to_string())
}

/// The outcome of building and checking a chain.
#[derive(Debug, Clone, Default)]
pub struct ChainCheck {
    /// The path found, leaf first, anchor last (as far as it got).
    pub path: Vec<CertInfo>,
    /// Hard failures; empty means the chain is trusted.
    pub errors: Vec<String>,
    /// Things the reviewer should know that do not fail the chain.
    pub warnings: Vec<String>,
}

/// Leaf usage under our rules and under the reference's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageCheck {
    pub strict_ok: bool,
    pub reference_ok: bool,
    pub reason: String,
}

/// Strict rule: KeyUsage digitalSignature **and** EKU codeSigning. The
/// reference accepts either one.
pub fn check_leaf_usage(leaf: &Cert) -> UsageCheck {
    let ds = leaf.info.key_usage.iter().any(|k| k == "digitalSignature");
    let cs = leaf.info.ext_key_usage.iter().any(|k| k == "codeSigning");
    let strict_ok = ds && cs;
    let reference_ok = ds || cs;
    let reason = match (ds, cs) {
        (true, true) => "key usage digitalSignature and EKU codeSigning present".to_string(),
        (true, false) => "leaf lacks EKU codeSigning (has digitalSignature only)".to_string(),
        (false, true) => "leaf lacks key usage digitalSignature (has EKU codeSigning only)".to_string(),
        (false, false) => "leaf has neither key usage digitalSignature nor EKU codeSigning".to_string(),
    };
    UsageCheck { strict_ok, reference_ok, reason }
}

/// Builds leaf → intermediates → anchor and checks it at `at`.
///
/// `anchors` are trusted as given, but the path must end at a self-signed
/// anchor: an intermediate supplied as an anchor does not end the path.
pub fn verify_chain(
    leaf: &Cert,
    intermediates: &[Cert],
    anchors: &[Cert],
    at: OffsetDateTime,
) -> ChainCheck {
    let mut check = ChainCheck::default();
    let mut current = leaf.clone();
    check.path.push(current.info.clone());
    if !leaf.valid_at(at) {
        check.errors.push(format!(
            "leaf certificate '{}' is not valid at {} (valid {} to {})",
            leaf.info.subject,
            rfc3339(at),
            leaf.info.not_before,
            leaf.info.not_after
        ));
    }
    if leaf.info.is_ca {
        check.warnings.push(format!(
            "leaf certificate '{}' is marked CA:TRUE; accepted because its key usage allows signing",
            leaf.info.subject
        ));
    }
    for oid in leaf.unknown_critical_extensions() {
        check.errors.push(format!("leaf has an unknown critical extension {oid}"));
    }
    // Number of CA certificates below the one being examined (for pathLen).
    let mut cas_below = 0usize;
    for _depth in 0..16 {
        let is_anchor = anchors.iter().any(|a| a.der == current.der);
        if is_anchor && current.info.self_signed {
            return check;
        }
        let issuer_name = current.parsed.tbs_certificate().issuer().clone();
        let candidates = intermediates
            .iter()
            .map(|c| (c, false))
            .chain(anchors.iter().map(|c| (c, true)))
            .filter(|(c, _)| c.der != current.der && *c.parsed.tbs_certificate().subject() == issuer_name);
        let mut found = None;
        let mut last_reason = None;
        for (cand, cand_is_anchor) in candidates {
            match current.signed_by(cand) {
                Ok(()) => {
                    found = Some((cand.clone(), cand_is_anchor));
                    break;
                }
                Err(e) => last_reason = Some(format!("'{}': {e}", cand.info.subject)),
            }
        }
        let Some((issuer, _issuer_is_anchor)) = found else {
            let what = if current.info.self_signed {
                format!("self-signed certificate '{}' is not one of the trusted anchors", current.info.subject)
            } else if is_anchor {
                format!(
                    "anchor '{}' is not self-signed and its issuer '{}' was not supplied (partial chains are not trusted)",
                    current.info.subject, current.info.issuer
                )
            } else {
                format!(
                    "unable to find the issuer '{}' of '{}' among the bundle's intermediates and the trusted anchors{}",
                    current.info.issuer,
                    current.info.subject,
                    last_reason.map(|r| format!(" (rejected candidate {r})")).unwrap_or_default()
                )
            };
            check.errors.push(what);
            return check;
        };
        // Issuer rules.
        match issuer.basic_constraints() {
            Some(bc) if bc.ca => {
                if let Some(limit) = bc.path_len_constraint
                    && cas_below > limit as usize {
                        check.errors.push(format!(
                            "CA '{}' has pathLen {limit} but {cas_below} CA certificate(s) follow it",
                            issuer.info.subject
                        ));
                    }
            }
            _ => check.errors.push(format!(
                "issuer '{}' is not a CA (basicConstraints CA:TRUE missing)",
                issuer.info.subject
            )),
        }
        if let Some(ku) = issuer.key_usage()
            && !ku.key_cert_sign() {
                check.errors.push(format!("issuer '{}' lacks key usage keyCertSign", issuer.info.subject));
            }
        if !issuer.valid_at(at) {
            check.errors.push(format!(
                "CA certificate '{}' is not valid at {} (valid {} to {})",
                issuer.info.subject,
                rfc3339(at),
                issuer.info.not_before,
                issuer.info.not_after
            ));
        }
        for oid in issuer.unknown_critical_extensions() {
            check.errors.push(format!("'{}' has an unknown critical extension {oid}", issuer.info.subject));
        }
        if current.der != leaf.der {
            cas_below += 1;
        }
        check.path.push(issuer.info.clone());
        current = issuer;
    }
    check.errors.push("certificate chain is longer than 16 certificates".into());
    check
}

/// Parses every certificate in PEM text.
pub fn certs_from_pem(text: &str) -> Result<Vec<Cert>, CertError> {
    super::keys::pem_bodies(text, "CERTIFICATE")
        .iter()
        .enumerate()
        .map(|(i, der)| Cert::from_der(der, i))
        .collect()
}

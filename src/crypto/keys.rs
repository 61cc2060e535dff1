//! Elliptic-curve keys: NIST P-256, P-384 and P-521 with ECDSA.
//!
//! The OMS format fixes the hash by the curve (P-256/SHA-256,
//! P-384/SHA-384, P-521/SHA-512) and identifies keys by the SHA-256 of their
//! canonical PEM text (the "hint"), so the PEM encoding here is written out
//! explicitly rather than trusting a library's line wrapping.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ecdsa_core_compat::{PrehashVerifier, Signer, Verifier};
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey};
use sha2::{Digest, Sha256, Sha384, Sha512};
use std::fmt;

/// Re-exports of the signature traits, named once so the curve arms below
/// read the same.
mod ecdsa_core_compat {
    pub use p256::ecdsa::signature::hazmat::PrehashVerifier;
    pub use p256::ecdsa::signature::{Signer, Verifier};
}

/// Why a key could not be loaded or a signature did not verify.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum KeyError {
    #[error("not a PEM public key (expected '-----BEGIN PUBLIC KEY-----')")]
    NotPemPublicKey,
    #[error("malformed public key: {0}")]
    MalformedPublicKey(String),
    #[error("unsupported key type: {0} (only EC P-256, P-384 and P-521 keys are supported)")]
    Unsupported(String),
    #[error("malformed private key: {0}")]
    MalformedPrivateKey(String),
    #[error("signature is not a strict DER ECDSA signature for {0}")]
    MalformedSignature(Curve),
    #[error("ECDSA signature does not verify with the {0} key")]
    BadSignature(Curve),
}

/// The three NIST curves OMS allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Curve {
    #[serde(rename = "P-256")]
    P256,
    #[serde(rename = "P-384")]
    P384,
    #[serde(rename = "P-521")]
    P521,
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        })
    }
}

impl Curve {
    /// The ECDSA algorithm name as reports show it.
    pub fn algorithm(self) -> &'static str {
        match self {
            Curve::P256 => "ECDSA P-256 SHA-256",
            Curve::P384 => "ECDSA P-384 SHA-384",
            Curve::P521 => "ECDSA P-521 SHA-512",
        }
    }
}

const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_P521: &str = "1.3.132.0.35";

/// An ECDSA verification key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKey {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    P521(p521::ecdsa::VerifyingKey),
}

impl PublicKey {
    /// Parses a PEM `PUBLIC KEY` (SubjectPublicKeyInfo). CRLF line ends and
    /// surrounding text are tolerated; other PEM labels are not.
    pub fn from_pem(text: &str) -> Result<Self, KeyError> {
        let der = pem_body(text, "PUBLIC KEY").ok_or(KeyError::NotPemPublicKey)?;
        Self::from_spki_der(&der)
    }

    /// Parses DER SubjectPublicKeyInfo, detecting the curve from its OIDs.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        use p256::pkcs8::spki::SubjectPublicKeyInfoRef;
        let spki = SubjectPublicKeyInfoRef::try_from(der)
            .map_err(|e| KeyError::MalformedPublicKey(e.to_string()))?;
        let alg = spki.algorithm.oid.to_string();
        if alg != OID_EC_PUBLIC_KEY {
            return Err(KeyError::Unsupported(describe_algorithm_oid(&alg)));
        }
        let curve_oid = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<p256::pkcs8::ObjectIdentifier>().ok())
            .map(|o| o.to_string())
            .ok_or_else(|| KeyError::MalformedPublicKey("EC key without a named curve".into()))?;
        let bad = |e: p256::pkcs8::spki::Error| KeyError::MalformedPublicKey(e.to_string());
        match curve_oid.as_str() {
            OID_P256 => p256::ecdsa::VerifyingKey::from_public_key_der(der)
                .map(PublicKey::P256)
                .map_err(bad),
            OID_P384 => p384::ecdsa::VerifyingKey::from_public_key_der(der)
                .map(PublicKey::P384)
                .map_err(bad),
            OID_P521 => p521::ecdsa::VerifyingKey::from_public_key_der(der)
                .map(PublicKey::P521)
                .map_err(bad),
            other => Err(KeyError::Unsupported(format!("EC curve {other}"))),
        }
    }

    pub fn curve(&self) -> Curve {
        match self {
            PublicKey::P256(_) => Curve::P256,
            PublicKey::P384(_) => Curve::P384,
            PublicKey::P521(_) => Curve::P521,
        }
    }

    /// DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> Vec<u8> {
        let doc = match self {
            PublicKey::P256(k) => k.to_public_key_der(),
            PublicKey::P384(k) => k.to_public_key_der(),
            PublicKey::P521(k) => k.to_public_key_der(),
        };
        // Encoding a valid in-memory key cannot fail.
        doc.map(|d| d.as_bytes().to_vec()).unwrap_or_default()
    }

    /// Canonical PEM text: 64-character base64 lines, LF, trailing LF.
    pub fn to_pem(&self) -> String {
        pem_encode("PUBLIC KEY", &self.spki_der())
    }

    /// The OMS `publicKey.hint`: hex SHA-256 of the canonical PEM text.
    pub fn hint(&self) -> String {
        hex::encode(Sha256::digest(self.to_pem().as_bytes()))
    }

    /// Fingerprint shown to people: `SHA256:` + hex of the SPKI DER digest.
    pub fn fingerprint(&self) -> String {
        format!("SHA256:{}", hex::encode(Sha256::digest(self.spki_der())))
    }

    /// Verifies a DER ECDSA signature over `msg` with the curve's own hash.
    pub fn verify(&self, msg: &[u8], der_sig: &[u8]) -> Result<(), KeyError> {
        let curve = self.curve();
        let malformed = |_| KeyError::MalformedSignature(curve);
        let ok = match self {
            PublicKey::P256(k) => {
                let s = p256::ecdsa::Signature::from_der(der_sig).map_err(malformed)?;
                k.verify(msg, &s).is_ok()
            }
            PublicKey::P384(k) => {
                let s = p384::ecdsa::Signature::from_der(der_sig).map_err(malformed)?;
                k.verify(msg, &s).is_ok()
            }
            PublicKey::P521(k) => {
                let s = p521::ecdsa::Signature::from_der(der_sig).map_err(malformed)?;
                k.verify(msg, &s).is_ok()
            }
        };
        if ok { Ok(()) } else { Err(KeyError::BadSignature(curve)) }
    }

    /// Verifies a DER ECDSA signature over SHA-256(`msg`) whatever the curve
    /// (the legacy 0.2.0 signer and Sigstore always hash with SHA-256).
    pub fn verify_sha256(&self, msg: &[u8], der_sig: &[u8]) -> Result<(), KeyError> {
        self.verify_prehash(&Sha256::digest(msg), der_sig)
    }

    fn verify_prehash(&self, prehash: &[u8], der_sig: &[u8]) -> Result<(), KeyError> {
        let curve = self.curve();
        let malformed = |_| KeyError::MalformedSignature(curve);
        let ok = match self {
            PublicKey::P256(k) => {
                let s = p256::ecdsa::Signature::from_der(der_sig).map_err(malformed)?;
                k.verify_prehash(prehash, &s).is_ok()
            }
            PublicKey::P384(k) => {
                let s = p384::ecdsa::Signature::from_der(der_sig).map_err(malformed)?;
                k.verify_prehash(prehash, &s).is_ok()
            }
            PublicKey::P521(k) => {
                let s = p521::ecdsa::Signature::from_der(der_sig).map_err(malformed)?;
                k.verify_prehash(prehash, &s).is_ok()
            }
        };
        if ok { Ok(()) } else { Err(KeyError::BadSignature(curve)) }
    }
}

/// An ECDSA signing key.
#[derive(Clone)]
pub enum PrivateKey {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    P521(p521::ecdsa::SigningKey),
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({}, {})", self.curve(), self.public_key().fingerprint())
    }
}

impl PrivateKey {
    /// Generates a fresh P-256 key from the operating system's RNG.
    pub fn generate_p256() -> Self {
        use p256::elliptic_curve::Generate;
        PrivateKey::P256(p256::ecdsa::SigningKey::generate())
    }

    /// Parses an unencrypted PEM private key: PKCS#8 `PRIVATE KEY` or SEC1
    /// `EC PRIVATE KEY`, for any of the three curves.
    pub fn from_pem(text: &str) -> Result<Self, KeyError> {
        if text.contains("ENCRYPTED PRIVATE KEY") {
            return Err(KeyError::MalformedPrivateKey(
                "encrypted private keys are not supported; decrypt it first (openssl pkcs8 -in KEY -out PLAIN)".into(),
            ));
        }
        if let Some(der) = pem_body(text, "PRIVATE KEY") {
            if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_der(&der) {
                return Ok(PrivateKey::P256(k));
            }
            if let Ok(k) = p384::ecdsa::SigningKey::from_pkcs8_der(&der) {
                return Ok(PrivateKey::P384(k));
            }
            if let Ok(k) = p521::ecdsa::SigningKey::from_pkcs8_der(&der) {
                return Ok(PrivateKey::P521(k));
            }
            return Err(KeyError::MalformedPrivateKey(
                "PKCS#8 key is not an EC P-256, P-384 or P-521 key".into(),
            ));
        }
        if let Some(der) = pem_body(text, "EC PRIVATE KEY") {
            // Each curve's SEC1 parser checks the named-curve parameter and
            // the scalar length, so at most one of these succeeds.
            use p256::elliptic_curve::SecretKey;
            if let Ok(k) = SecretKey::<p256::NistP256>::from_sec1_der(&der) {
                return Ok(PrivateKey::P256(k.into()));
            }
            if let Ok(k) = SecretKey::<p384::NistP384>::from_sec1_der(&der) {
                return Ok(PrivateKey::P384(k.into()));
            }
            if let Ok(k) = SecretKey::<p521::NistP521>::from_sec1_der(&der) {
                return Ok(PrivateKey::P521(k.into()));
            }
            return Err(KeyError::MalformedPrivateKey("SEC1 key is not an EC P-256, P-384 or P-521 key".into()));
        }
        Err(KeyError::MalformedPrivateKey(
            "expected a PEM 'PRIVATE KEY' or 'EC PRIVATE KEY' block".into(),
        ))
    }

    /// PKCS#8 PEM, for writing a generated key to disk.
    pub fn to_pkcs8_pem(&self) -> String {
        use p256::pkcs8::EncodePrivateKey;
        let doc = match self {
            PrivateKey::P256(k) => k.to_pkcs8_der(),
            PrivateKey::P384(k) => k.to_pkcs8_der(),
            PrivateKey::P521(k) => k.to_pkcs8_der(),
        };
        let der = doc.map(|d| d.as_bytes().to_vec()).unwrap_or_default();
        pem_encode("PRIVATE KEY", &der)
    }

    pub fn curve(&self) -> Curve {
        self.public_key().curve()
    }

    pub fn public_key(&self) -> PublicKey {
        match self {
            PrivateKey::P256(k) => PublicKey::P256(*k.verifying_key()),
            PrivateKey::P384(k) => PublicKey::P384(*k.verifying_key()),
            PrivateKey::P521(k) => PublicKey::P521(*k.verifying_key()),
        }
    }

    /// Signs `msg` with the curve's own hash; returns a DER signature.
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        match self {
            PrivateKey::P256(k) => {
                let s: p256::ecdsa::Signature = k.sign(msg);
                s.to_der().as_bytes().to_vec()
            }
            PrivateKey::P384(k) => {
                let s: p384::ecdsa::Signature = k.sign(msg);
                s.to_der().as_bytes().to_vec()
            }
            PrivateKey::P521(k) => {
                let s: p521::ecdsa::Signature = k.sign(msg);
                s.to_der().as_bytes().to_vec()
            }
        }
    }
}

fn describe_algorithm_oid(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.1" => "RSA key".into(),
        "1.3.101.112" => "Ed25519 key".into(),
        "1.3.101.113" => "Ed448 key".into(),
        other => format!("key algorithm {other}"),
    }
}

/// Extracts and decodes the first PEM block with `label`.
pub fn pem_body(text: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = start + text[start..].find(&end)?;
    let b64: String = text[start..stop].chars().filter(|c| !c.is_whitespace()).collect();
    B64.decode(b64).ok()
}

/// Every PEM block with `label`, decoded (for certificate bundles).
pub fn pem_bodies(text: &str, label: &str) -> Vec<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(pos) = rest.find(&begin) {
        let block = &rest[pos..];
        if let Some(der) = pem_body(block, label) {
            out.push(der);
        }
        rest = &rest[pos + begin.len()..];
    }
    out
}

/// PEM with 64-column base64 lines and a trailing newline.
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = B64.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Hashes `msg` with the hash an OMS signature on `curve` uses.
pub fn curve_digest(curve: Curve, msg: &[u8]) -> Vec<u8> {
    match curve {
        Curve::P256 => Sha256::digest(msg).to_vec(),
        Curve::P384 => Sha384::digest(msg).to_vec(),
        Curve::P521 => Sha512::digest(msg).to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_key_round_trips_through_pem_and_signs() {
        let key = PrivateKey::generate_p256();
        let pem = key.to_pkcs8_pem();
        let back = PrivateKey::from_pem(&pem).unwrap();
        let sig = back.sign(b"hello");
        let public = PublicKey::from_pem(&key.public_key().to_pem()).unwrap();
        public.verify(b"hello", &sig).unwrap();
        assert_eq!(public.verify(b"hellp", &sig), Err(KeyError::BadSignature(Curve::P256)));
        public.verify_sha256(b"hello", &sig).unwrap();
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        assert_eq!(PublicKey::from_pem("nope"), Err(KeyError::NotPemPublicKey));
        assert!(matches!(
            PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
            Err(KeyError::MalformedPublicKey(_))
        ));
        let key = PrivateKey::generate_p256().public_key();
        assert_eq!(key.verify(b"x", b"\x30\x00"), Err(KeyError::MalformedSignature(Curve::P256)));
    }
}

//! Does the log entry describe *this* bundle? (CVE-2022-36056 class.)
//!
//! Reads the entry's canonicalized body and compares what it logged (the
//! signature, the signer's certificate or key, the artifact or payload
//! digest) with the bundle. Written here, next to the dependency's own check,
//! so the report can say which field differs, and so that a dependency change
//! that stops comparing a field is caught by a second implementation.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// What the bundle says, to compare with the logged body.
pub struct Expected<'a> {
    /// `kindVersion` of the bundle's entry.
    pub kind: &'a str,
    pub version: &'a str,
    /// The signature bytes (message signature or the DSSE signature).
    pub signature: &'a [u8],
    /// The signer: leaf certificate DER, or the managed key's SPKI DER.
    pub signer_der: &'a [u8],
    /// SHA-256 of the artifact (message signatures).
    pub artifact_sha256: Option<[u8; 32]>,
    /// The DSSE payload (DSSE bundles).
    pub dsse_payload: Option<&'a [u8]>,
}

fn get<'v>(v: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(v, |cur, k| cur.get(*k))
}

fn get_str<'v>(v: &'v Value, path: &[&str]) -> Result<&'v str, String> {
    get(v, path).and_then(Value::as_str).ok_or_else(|| format!("logged body has no {}", path.join(".")))
}

fn b64(s: &str, what: &str) -> Result<Vec<u8>, String> {
    STANDARD.decode(s.trim()).map_err(|_| format!("logged {what} is not base64"))
}

/// DER inside a PEM block (certificate or public key); hand-rolled because
/// only the body of one block is needed.
fn pem_der(pem: &[u8]) -> Result<Vec<u8>, String> {
    let text = std::str::from_utf8(pem).map_err(|_| "logged verifier is not PEM text".to_string())?;
    let inner: String = text.lines().filter(|l| !l.starts_with("-----")).map(str::trim).collect();
    if !text.contains("-----BEGIN") {
        return Err("logged verifier is not PEM".into());
    }
    STANDARD.decode(inner).map_err(|_| "logged verifier PEM is not base64".to_string())
}

fn same_signer(logged_der: &[u8], exp: &Expected) -> Result<(), String> {
    if logged_der == exp.signer_der {
        Ok(())
    } else {
        Err("the logged certificate/key is not the bundle's signer".into())
    }
}

fn same_sig(logged: &[u8], exp: &Expected) -> Result<(), String> {
    if logged == exp.signature {
        Ok(())
    } else {
        Err("the logged signature differs from the bundle's signature".into())
    }
}

/// Compares the canonicalized body with the bundle; returns a one-line
/// description of what matched.
pub fn check(body: &[u8], exp: &Expected) -> Result<String, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("logged body is not JSON: {e}"))?;
    let kind = get_str(&v, &["kind"])?;
    let version = get_str(&v, &["apiVersion"])?;
    if kind != exp.kind || version != exp.version {
        return Err(format!("logged body is {kind} {version} but the bundle says {} {}", exp.kind, exp.version));
    }
    match (kind, version) {
        ("hashedrekord", "0.0.1") => {
            let alg = get_str(&v, &["spec", "data", "hash", "algorithm"])?;
            let value = get_str(&v, &["spec", "data", "hash", "value"])?;
            same_sig(&b64(get_str(&v, &["spec", "signature", "content"])?, "signature")?, exp)?;
            let pem = b64(get_str(&v, &["spec", "signature", "publicKey", "content"])?, "public key")?;
            same_signer(&pem_der(&pem)?, exp)?;
            digest_matches(alg, value, exp)?;
            Ok(format!("hashedrekord 0.0.1 entry logs this signature, signer and {alg} artifact digest"))
        }
        ("hashedrekord", "0.0.2") => {
            let spec = get(&v, &["spec", "hashedRekordV002"]).ok_or("logged body has no spec.hashedRekordV002")?;
            let alg = get_str(spec, &["data", "algorithm"])?;
            let digest = b64(get_str(spec, &["data", "digest"])?, "digest")?;
            same_sig(&b64(get_str(spec, &["signature", "content"])?, "signature")?, exp)?;
            let signer = get_str(spec, &["signature", "verifier", "x509Certificate", "rawBytes"])
                .or_else(|_| get_str(spec, &["signature", "verifier", "publicKey", "rawBytes"]))?;
            same_signer(&b64(signer, "verifier")?, exp)?;
            let alg_name = if alg == "SHA2_256" { "sha256" } else { alg };
            digest_matches(alg_name, &hex::encode(digest), exp)?;
            Ok("hashedrekord 0.0.2 entry logs this signature, signer and artifact digest".into())
        }
        ("dsse", "0.0.1") => {
            let payload = exp.dsse_payload.ok_or("a dsse entry needs a DSSE bundle")?;
            let alg = get_str(&v, &["spec", "payloadHash", "algorithm"])?;
            let value = get_str(&v, &["spec", "payloadHash", "value"])?;
            if alg != "sha256" || !value.eq_ignore_ascii_case(&hex::encode(Sha256::digest(payload))) {
                return Err("the logged payload hash is not the SHA-256 of the bundle's DSSE payload".into());
            }
            let sigs = get(&v, &["spec", "signatures"]).and_then(Value::as_array).ok_or("logged body has no spec.signatures")?;
            if sigs.len() != 1 {
                return Err(format!("the logged envelope has {} signatures; the bundle has one", sigs.len()));
            }
            same_sig(&b64(get_str(&sigs[0], &["signature"])?, "signature")?, exp)?;
            same_signer(&pem_der(&b64(get_str(&sigs[0], &["verifier"])?, "verifier")?)?, exp)?;
            Ok("dsse 0.0.1 entry logs this payload hash, signature and signer".into())
        }
        ("intoto", "0.0.2") => {
            let payload = exp.dsse_payload.ok_or("an intoto entry needs a DSSE bundle")?;
            let value = get_str(&v, &["spec", "content", "payloadHash", "value"])?;
            if !value.eq_ignore_ascii_case(&hex::encode(Sha256::digest(payload))) {
                return Err("the logged payload hash is not the SHA-256 of the bundle's DSSE payload".into());
            }
            let sigs = get(&v, &["spec", "content", "envelope", "signatures"])
                .and_then(Value::as_array)
                .ok_or("logged body has no envelope signatures")?;
            let first = sigs.first().ok_or("the logged envelope has no signature")?;
            // intoto 0.0.2 double-encodes: base64 of the base64 signature / PEM.
            let sig_b64 = b64(get_str(first, &["sig"])?, "signature")?;
            let sig_b64 = String::from_utf8(sig_b64).map_err(|_| "logged signature is not base64 text")?;
            same_sig(&b64(&sig_b64, "signature")?, exp)?;
            same_signer(&pem_der(&b64(get_str(first, &["publicKey"])?, "public key")?)?, exp)?;
            Ok("intoto 0.0.2 entry logs this payload hash, signature and signer".into())
        }
        _ => Err(format!("unsupported log entry kind {kind} {version}")),
    }
}

fn digest_matches(alg: &str, value_hex: &str, exp: &Expected) -> Result<(), String> {
    let Some(want) = exp.artifact_sha256 else {
        return Err("a hashedrekord entry needs a message-signature bundle".into());
    };
    if alg != "sha256" {
        return Err(format!("logged artifact digest uses {alg}; only sha256 is compared"));
    }
    if value_hex.eq_ignore_ascii_case(&hex::encode(want)) {
        Ok(())
    } else {
        Err(format!("the logged artifact digest {value_hex} is not the artifact's sha256 {}", hex::encode(want)))
    }
}

//! Offline verification of an evidence bundle, member by member: checksums
//! and their signature, the summary attestation, every approval's signature
//! and inclusion proof against the signed checkpoint, one model digest
//! throughout, and (optionally) the model files themselves.

use super::archive::{Members, read_tar_gz};
use super::sums::{self, SUMS_NAME, SUMS_SIG_NAME};
use crate::crypto::PublicKey;
use crate::dsse::{verify_dsse_bundle, verify_message_bundle};
use crate::ledger::entry::open_entry;
use crate::ledger::merkle;
use crate::ledger::note::{Checkpoint, NoteVerifier};
use crate::report::{Check, CheckStatus};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::Path;

/// What the auditor pins.
#[derive(Debug, Clone, Default)]
pub struct Pins {
    /// The ledger's note verifier key (`origin+hash+base64`).
    pub ledger_vkey: Option<String>,
    /// Trusted reviewer/exporter keys.
    pub reviewer_keys: Vec<PublicKey>,
}

/// The verdict on a bundle.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceReport {
    pub ok: bool,
    pub keys_pinned: bool,
    pub model_digest: Option<String>,
    pub approvals: usize,
    pub checks: Vec<Check>,
}

impl EvidenceReport {
    fn push(&mut self, id: &str, ok: bool, detail: impl Into<String>) {
        self.checks.push(Check {
            id: id.into(),
            status: if ok { CheckStatus::Pass } else { CheckStatus::Fail },
            detail: detail.into(),
        });
    }
}

fn text(m: &Members, name: &str) -> Option<String> {
    m.get(name).map(|b| String::from_utf8_lossy(b).into_owned())
}

/// Verifies the archive at `path`.
pub fn verify_file(path: &Path, pins: &Pins, model: Option<&Path>) -> Result<EvidenceReport, String> {
    let f = std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let (_, members) = read_tar_gz(std::io::BufReader::new(f)).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(verify_members(&members, pins, model))
}

/// Verifies unpacked members.
pub fn verify_members(m: &Members, pins: &Pins, model: Option<&Path>) -> EvidenceReport {
    let mut r = EvidenceReport {
        ok: false,
        keys_pinned: pins.ledger_vkey.is_some() && !pins.reviewer_keys.is_empty(),
        model_digest: None,
        approvals: 0,
        checks: Vec::new(),
    };
    // 1. Checksums over every member.
    let Some(sums_text) = text(m, SUMS_NAME) else {
        r.push("sums.present", false, "SHA256SUMS is missing");
        return r;
    };
    match sums::parse(&sums_text) {
        Ok(lines) => {
            let problems = sums::check(m, &lines);
            r.push("sums.members", problems.is_empty(), if problems.is_empty() { format!("{} members match SHA256SUMS", lines.len()) } else { problems.join("; ") });
        }
        Err(e) => r.push("sums.members", false, e),
    }
    // 2. The exporter's key: pinned, or the one in the bundle.
    let bundled_exporter = text(m, "trust/keys/exporter.pub.pem").and_then(|p| PublicKey::from_pem(&p).ok());
    let exporter = match &bundled_exporter {
        Some(k) if pins.reviewer_keys.is_empty() || pins.reviewer_keys.contains(k) => Some(k.clone()),
        Some(k) => {
            r.push("keys.exporter", false, format!("exporter key {} is not one of the pinned --reviewer-key keys", k.fingerprint()));
            None
        }
        None => {
            r.push("keys.exporter", false, "trust/keys/exporter.pub.pem is missing or not a key");
            None
        }
    };
    if let Some(k) = &exporter {
        match m.get(SUMS_SIG_NAME).map(|b| verify_message_bundle(b, sums_text.as_bytes(), k)) {
            Some(Ok(())) => r.push("sums.signature", true, format!("SHA256SUMS signed by {}", k.fingerprint())),
            Some(Err(e)) => r.push("sums.signature", false, format!("{SUMS_SIG_NAME}: {e}")),
            None => r.push("sums.signature", false, format!("{SUMS_SIG_NAME} is missing")),
        }
    }
    // 3. The model identity everything must name.
    let inventory: Option<Value> = m.get("model/inventory.json").and_then(|b| serde_json::from_slice(b).ok());
    let model_digest = inventory.as_ref().and_then(|v| v.get("model_digest")).and_then(Value::as_str).map(str::to_string);
    r.model_digest = model_digest.clone();
    let Some(model_digest) = model_digest else {
        r.push("model.identity", false, "model/inventory.json has no model digest");
        return finish(r);
    };
    let reference = text(m, "model/reference.txt").map(|s| s.trim().to_string()).unwrap_or_default();
    // 4. The summary attestation.
    if let Some(k) = &exporter {
        match m.get("attestations/vsa.sigstore.json").map(|b| verify_dsse_bundle(b, k)) {
            None => r.push("vsa.signature", false, "attestations/vsa.sigstore.json is missing"),
            Some(Err(e)) => r.push("vsa.signature", false, format!("attestations/vsa.sigstore.json: {e}")),
            Some(Ok(payload)) => {
                r.push("vsa.signature", true, "summary attestation signed by the exporter");
                check_vsa(&mut r, m, &payload, &model_digest, &reference);
            }
        }
    }
    // 5. Approvals, their inclusion proofs and the checkpoint.
    check_ledger(&mut r, m, pins, &model_digest);
    // 6. The model files themselves.
    if let Some(dir) = model {
        check_model(&mut r, dir, inventory.as_ref(), &model_digest);
        check_model_signature(&mut r, m, dir, &model_digest);
    }
    finish(r)
}

fn finish(mut r: EvidenceReport) -> EvidenceReport {
    r.ok = !r.checks.is_empty() && r.checks.iter().all(|c| c.status != CheckStatus::Fail);
    r
}

fn check_vsa(r: &mut EvidenceReport, m: &Members, payload: &[u8], model_digest: &str, reference: &str) {
    let Ok(v) = serde_json::from_slice::<Value>(payload) else {
        r.push("vsa.statement", false, "VSA payload is not JSON");
        return;
    };
    let subject = v.pointer("/subject/0/digest/sha256").and_then(Value::as_str).unwrap_or("");
    r.push(
        "vsa.subject",
        format!("sha256:{subject}") == model_digest,
        format!("VSA subject sha256:{subject}, bundle model {model_digest}"),
    );
    let uri = v.pointer("/predicate/resourceUri").and_then(Value::as_str).unwrap_or("");
    r.push("vsa.resource", uri == reference, format!("resourceUri {uri:?}, model/reference.txt {reference:?}"));
    let mut bad = Vec::new();
    for input in v.pointer("/predicate/inputAttestations").and_then(Value::as_array).cloned().unwrap_or_default() {
        let path = input.get("uri").and_then(Value::as_str).unwrap_or("");
        let want = input.pointer("/digest/sha256").and_then(Value::as_str).unwrap_or("");
        match m.get(path) {
            Some(b) if hex::encode(Sha256::digest(b)) == want => {}
            Some(_) => bad.push(format!("{path}: changed since the summary was signed")),
            None => bad.push(format!("{path}: listed in the summary but missing")),
        }
    }
    r.push("vsa.inputs", bad.is_empty(), if bad.is_empty() { "every summarised input matches".to_string() } else { bad.join("; ") });
    let result = v.pointer("/predicate/verificationResult").and_then(Value::as_str).unwrap_or("?");
    r.checks.push(Check {
        id: "vsa.result".into(),
        status: if result == "PASSED" { CheckStatus::Pass } else { CheckStatus::Warn },
        detail: format!("the exporter's summary says {result}"),
    });
}

fn check_ledger(r: &mut EvidenceReport, m: &Members, pins: &Pins, model_digest: &str) {
    let approvals: Vec<(&String, &Vec<u8>)> = m.iter().filter(|(k, _)| k.starts_with("approvals/")).collect();
    r.approvals = approvals.len();
    if approvals.is_empty() {
        r.checks.push(Check { id: "ledger.approvals".into(), status: CheckStatus::Warn, detail: "the bundle holds no reviewer decisions".into() });
        return;
    }
    let vkey = pins.ledger_vkey.clone().or_else(|| text(m, "trust/ledger.vkey").map(|s| s.trim().to_string()));
    let checkpoint = vkey
        .as_deref()
        .ok_or_else(|| "no ledger key (trust/ledger.vkey or --ledger-key)".to_string())
        .and_then(|k| NoteVerifier::from_vkey(k).map_err(|e| format!("ledger key: {e}")))
        .and_then(|ver| {
            let note = text(m, "ledger/checkpoint.txt").ok_or("ledger/checkpoint.txt is missing")?;
            Checkpoint::open(&note, &ver).map_err(|e| format!("ledger/checkpoint.txt: {e}"))
        });
    let cp = match checkpoint {
        Ok(cp) => {
            r.push("ledger.checkpoint", true, format!("checkpoint {} size {} signed by the ledger key", cp.body.origin, cp.body.size));
            cp
        }
        Err(e) => {
            r.push("ledger.checkpoint", false, e);
            return;
        }
    };
    let key_of = crate::ledger::entry::KeyCache::default();
    for (name, bytes) in approvals {
        let stem = name.trim_start_matches("approvals/").trim_end_matches(".sigstore.json");
        let opened = match open_entry(bytes, &key_of) {
            Ok(o) => o,
            Err(e) => {
                r.push("ledger.entry", false, format!("{name}: {e}"));
                continue;
            }
        };
        if !pins.reviewer_keys.is_empty() && !pins.reviewer_keys.contains(&opened.key) {
            r.push("ledger.reviewer", false, format!("{name}: signed by {}, not a pinned --reviewer-key", opened.key.fingerprint()));
        }
        r.push(
            "ledger.entry",
            opened.claims.model.digest == model_digest,
            format!("{name}: {} by {} for {}", opened.claims.decision.word(), opened.key.fingerprint(), opened.claims.model.digest),
        );
        let proof: Option<Value> = m.get(&format!("ledger/proofs/{stem}.json")).and_then(|b| serde_json::from_slice(b).ok());
        let Some(proof) = proof else {
            r.push("ledger.inclusion", false, format!("{name}: ledger/proofs/{stem}.json is missing or not JSON"));
            continue;
        };
        let index = proof.get("leafIndex").and_then(Value::as_u64).unwrap_or(u64::MAX);
        let size = proof.get("treeSize").and_then(Value::as_u64).unwrap_or(0);
        let hashes: Option<Vec<merkle::Hash>> = proof
            .get("hashes")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|h| h.as_str().and_then(|s| hex::decode(s).ok()).and_then(|b| b.try_into().ok())).collect());
        let ok = size == cp.body.size
            && hashes.as_ref().is_some_and(|h| merkle::verify_inclusion(index, size, &merkle::leaf_hash(bytes), h, &cp.body.root).is_ok());
        r.push(
            "ledger.inclusion",
            ok,
            if ok { format!("{name}: leaf {index} is in the checkpoint tree of size {size}") } else { format!("{name}: inclusion proof does not lead to the checkpoint root") },
        );
    }
}

fn check_model(r: &mut EvidenceReport, dir: &Path, inventory: Option<&Value>, model_digest: &str) {
    use crate::hashing::{CancelFlag, HashType, IgnoreSet, NoopObserver, Serialization, hash_items, walk};
    let mut ignore = IgnoreSet::new().with_git_defaults();
    ignore.add(crate::oms::DEFAULT_SIGNATURE_NAME);
    let files = match walk(dir, &ignore, false) {
        Ok(inv) => inv,
        Err(e) => {
            r.push("model.files", false, format!("cannot read {}: {e}", dir.display()));
            return;
        }
    };
    let items = hash_items(&files.files, Serialization::Files { hash: HashType::Sha256 }, &NoopObserver, &CancelFlag::new());
    let mut bad = Vec::new();
    let listed: Vec<(String, Option<String>)> = inventory
        .and_then(|v| v.get("files"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|f| f.get("status").and_then(Value::as_str) != Some("ignored"))
                .map(|f| (f.get("path").and_then(Value::as_str).unwrap_or("").to_string(), f.get("actual_digest").and_then(Value::as_str).map(str::to_string)))
                .collect()
        })
        .unwrap_or_default();
    for (path, digest) in &listed {
        match items.iter().find(|i| &i.path == path) {
            None => bad.push(format!("{path}: missing from --model")),
            Some(i) if i.digest.as_ref().ok() != digest.as_ref() && digest.is_some() => bad.push(format!("{path}: differs from the inventory")),
            _ => {}
        }
    }
    for i in &items {
        if !listed.iter().any(|(p, _)| *p == i.path) {
            bad.push(format!("{}: not in the inventory", i.path));
        }
    }
    r.push(
        "model.files",
        bad.is_empty(),
        if bad.is_empty() { format!("{} files match the inventory of {model_digest}", items.len()) } else { bad.join("; ") },
    );
}

/// Re-verifies the model's OMS signature (`signatures/model.sig`) over the
/// files in `dir` with the trust material the bundle records: the signer
/// key (`--key` at export) or the certificate anchors (`--cert-chain`).
/// Keyless signatures need the reviewer's identity policy, which the bundle
/// does not pin, so they are left to `modelvet verify --identity … --issuer
/// … --trusted-root trust/sigstore/trusted_root.json` and reported as skipped.
fn check_model_signature(r: &mut EvidenceReport, m: &Members, dir: &Path, model_digest: &str) {
    use crate::oms::{Trust, VerifyOptions, prepare};
    let Some(sig) = m.get("signatures/model.sig") else {
        r.checks.push(Check { id: "model.signature".into(), status: CheckStatus::Skip, detail: "the bundle holds no model signature".into() });
        return;
    };
    let trust = if let Some(pem) = text(m, "trust/keys/model-signer.pub.pem") {
        match PublicKey::from_pem(&pem) {
            Ok(k) => Trust::Key(k),
            Err(e) => return r.push("model.signature", false, format!("trust/keys/model-signer.pub.pem: {e}")),
        }
    } else {
        let mut anchors = Vec::new();
        for (name, bytes) in m.iter().filter(|(k, _)| k.starts_with("trust/anchors/")) {
            match crate::crypto::x509::certs_from_pem(&String::from_utf8_lossy(bytes)) {
                Ok(c) => anchors.extend(c),
                Err(e) => return r.push("model.signature", false, format!("{name}: {e}")),
            }
        }
        if anchors.is_empty() {
            let why = if m.contains_key("trust/sigstore/trusted_root.json") {
                "keyless signature: re-verify with `modelvet verify --identity … --issuer … --trusted-root trust/sigstore/trusted_root.json`"
            } else {
                "the bundle records no signer key or anchors (the model was not verified against a pinned signer)"
            };
            r.checks.push(Check { id: "model.signature".into(), status: CheckStatus::Skip, detail: why.into() });
            return;
        }
        Trust::Anchors(anchors)
    };
    // The verifier reads a signature file: stage the bundle's bytes in a
    // private temporary file, removed on every path out.
    struct Staged(std::path::PathBuf);
    impl Drop for Staged {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let staged = Staged(std::env::temp_dir().join(format!("modelvet-evidence-{}-{nanos}.sig", std::process::id())));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&staged.0)
        .and_then(|mut f| std::io::Write::write_all(&mut f, sig));
    if let Err(e) = written {
        return r.push("model.signature", false, format!("cannot stage the signature: {e}"));
    }
    let mut opts = VerifyOptions::new(dir);
    opts.signature = Some(staged.0.clone());
    opts.trust = trust;
    let report = match prepare(&opts) {
        Ok(p) => p.run(&crate::hashing::NoopObserver, &Default::default()),
        Err(e) => return r.push("model.signature", false, format!("signatures/model.sig: {e}")),
    };
    let ok = report.verdict == crate::report::Verdict::Verified && report.model_digest.as_deref() == Some(model_digest);
    r.push(
        "model.signature",
        ok,
        if ok {
            format!("signatures/model.sig verifies over --model with the bundle's trust material ({model_digest})")
        } else {
            format!("signatures/model.sig over --model: {} ({})", report.verdict.word(), report.reasons.join("; "))
        },
    );
}

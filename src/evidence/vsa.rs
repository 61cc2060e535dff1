//! The SLSA Verification Summary Attestation (predicate
//! `https://slsa.dev/verification_summary/v1`, spec v1.1) that summarises an
//! export: which model, which inputs, which result.

use serde_json::{Value, json};

pub const VSA_PREDICATE: &str = "https://slsa.dev/verification_summary/v1";
pub const VERIFIER_ID: &str = "https://modelvet.dev/verifier/v1";
/// Our level names (custom levels must not start with `SLSA_`).
pub const LEVEL_SIGNED: &str = "MODELVET_OMS_SIGNATURE_VERIFIED";
pub const LEVEL_APPROVED: &str = "MODELVET_REVIEWER_APPROVED";

/// One input the summary covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Path inside the evidence bundle.
    pub uri: String,
    pub sha256: String,
}

/// What the summary says.
#[derive(Debug, Clone)]
pub struct Summary {
    pub resource_uri: String,
    /// `sha256:<hex>` model digest.
    pub model_digest: String,
    pub model_name: String,
    pub time_verified: String,
    pub policy_uri: String,
    pub policy_sha256: String,
    pub passed: bool,
    pub levels: Vec<String>,
    pub inputs: Vec<Input>,
}

/// The in-toto statement (bytes to sign) for `s`.
pub fn statement(s: &Summary) -> Vec<u8> {
    let levels: Vec<Value> = if s.passed {
        s.levels.iter().map(|l| Value::from(l.as_str())).collect()
    } else {
        vec![Value::from("FAILED")]
    };
    let v = json!({
        "_type": crate::oms::statement::STATEMENT_V1,
        "subject": [{
            "name": s.model_name,
            "digest": { "sha256": s.model_digest.trim_start_matches("sha256:") },
        }],
        "predicateType": VSA_PREDICATE,
        "predicate": {
            "verifier": { "id": VERIFIER_ID, "version": { "modelvet": env!("CARGO_PKG_VERSION") } },
            "timeVerified": s.time_verified,
            "resourceUri": s.resource_uri,
            "policy": { "uri": s.policy_uri, "digest": { "sha256": s.policy_sha256 } },
            "inputAttestations": s.inputs.iter().map(|i| json!({"uri": i.uri, "digest": {"sha256": i.sha256}})).collect::<Vec<_>>(),
            "verificationResult": if s.passed { "PASSED" } else { "FAILED" },
            "verifiedLevels": levels,
            "slsaVersion": "1.1",
        },
    });
    serde_json::to_vec_pretty(&v).unwrap_or_default()
}

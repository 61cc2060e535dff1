//! Collects a model's ledger entries for an evidence bundle: the exact
//! stored bytes, an inclusion proof of each to the latest signed checkpoint,
//! the ledger's verifier key and the reviewers' public keys.

use super::export::LedgerPart;
use crate::ledger::entry::{Decision, open_entry};
use crate::ledger::{Ledger, LedgerError, merkle};
use serde_json::json;
use std::path::Path;

/// Reads the ledger at `path` (read-only) for entries about `model_digest`.
pub fn collect(path: &Path, model_digest: &str) -> Result<LedgerPart, LedgerError> {
    let ledger = Ledger::open_read_only(path)?;
    let rows = ledger.raw_entries()?;
    let Some(cp) = ledger.latest_checkpoint()? else { return Ok(LedgerPart::default()) };
    let size = (cp.size.max(0) as usize).min(rows.len());
    let leaves: Vec<merkle::Hash> = rows[..size].iter().map(|r| merkle::leaf_hash(&r.body)).collect();
    let mut part = LedgerPart { checkpoint: Some(cp.note.clone()), vkey: Some(ledger.meta().vkey.clone()), ..Default::default() };
    let key_of = crate::ledger::entry::KeyCache::default();
    for (i, row) in rows[..size].iter().enumerate() {
        if row.model_digest != model_digest {
            continue;
        }
        let Ok(opened) = open_entry(&row.body, &key_of) else { continue };
        let proof = merkle::inclusion_proof(&leaves, i as u64).map_err(|e| LedgerError::Inconsistent(e.to_string()))?;
        let proof_json = serde_json::to_vec_pretty(&json!({
            "leafIndex": i,
            "treeSize": size,
            "leafHash": hex::encode(leaves[i]),
            "hashes": proof.iter().map(hex::encode).collect::<Vec<_>>(),
        }))
        .unwrap_or_default();
        part.approvals.push((i as u64, row.body.clone(), proof_json));
        if opened.claims.decision == Decision::Approve {
            part.approved = true;
        }
        let stem = opened.key.fingerprint().trim_start_matches("SHA256:")[..16].to_string();
        if !part.reviewer_keys.iter().any(|(s, _)| *s == stem) {
            part.reviewer_keys.push((stem, opened.key.to_pem()));
        }
        if part.newest_time.as_deref().map(|t| t < opened.claims.timestamp.as_str()).unwrap_or(true) {
            part.newest_time = Some(opened.claims.timestamp.clone());
        }
    }
    Ok(part)
}

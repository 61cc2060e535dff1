//! Inclusion and consistency proofs served from a ledger file, checked
//! against the latest signed checkpoint before they are handed out, so a
//! proof printed by modelvet always verifies with the ledger key.

use super::LedgerError;
use super::merkle::{self, Hash};
use super::note::{Checkpoint, NoteVerifier};
use super::store::Ledger;
use serde::Serialize;

/// An RFC 6962 inclusion proof plus the checkpoint it leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InclusionProof {
    pub index: u64,
    pub tree_size: u64,
    /// Hex SHA-256(0x00 || entry bytes).
    pub leaf_hash: String,
    /// Hex audit path, leaf to root.
    pub hashes: Vec<String>,
    /// Hex root the path leads to.
    pub root: String,
    /// The signed checkpoint of `tree_size`.
    pub checkpoint: String,
    /// The entry bytes, so the proof can be checked stand-alone.
    pub entry: String,
}

/// A consistency proof between two sizes of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsistencyProof {
    pub first: u64,
    pub second: u64,
    pub first_root: String,
    pub second_root: String,
    pub hashes: Vec<String>,
}

fn leaves(ledger: &Ledger) -> Result<(Vec<Hash>, Vec<Vec<u8>>), LedgerError> {
    let rows = ledger.raw_entries()?;
    for (i, r) in rows.iter().enumerate() {
        if r.idx != i as i64 {
            return Err(LedgerError::Inconsistent(format!("entry {i} is missing")));
        }
    }
    let hashes = rows.iter().map(|r| merkle::leaf_hash(&r.body)).collect();
    Ok((hashes, rows.into_iter().map(|r| r.body).collect()))
}

/// The inclusion proof of entry `index` in the tree of the latest
/// checkpoint, verified against that checkpoint's signature with `verifier`.
pub fn inclusion(ledger: &Ledger, index: u64, verifier: &NoteVerifier) -> Result<InclusionProof, LedgerError> {
    let (leaves, bodies) = leaves(ledger)?;
    let size = leaves.len() as u64;
    if index >= size {
        return Err(LedgerError::NoSuchEntry { index, size });
    }
    let cp = ledger
        .latest_checkpoint()?
        .ok_or_else(|| LedgerError::Inconsistent("no checkpoint".into()))?;
    let cp = Checkpoint::open(&cp.note, verifier)?;
    if cp.body.size != size {
        return Err(LedgerError::Inconsistent(format!("latest checkpoint is for size {}, the ledger has {size}", cp.body.size)));
    }
    let path = merkle::inclusion_proof(&leaves, index)?;
    let i = index as usize;
    merkle::verify_inclusion(index, size, &leaves[i], &path, &cp.body.root).map_err(|e| {
        LedgerError::Inconsistent(format!("entry {index} is not in the tree of the signed checkpoint ({e}); run `modelvet ledger verify`"))
    })?;
    Ok(InclusionProof {
        index,
        tree_size: size,
        leaf_hash: hex::encode(leaves[i]),
        hashes: path.iter().map(hex::encode).collect(),
        root: hex::encode(cp.body.root),
        checkpoint: cp.note,
        entry: String::from_utf8_lossy(&bodies[i]).into_owned(),
    })
}

/// The consistency proof from size `first` to the current size.
pub fn consistency(ledger: &Ledger, first: u64) -> Result<ConsistencyProof, LedgerError> {
    let (leaves, _) = leaves(ledger)?;
    let second = leaves.len() as u64;
    let hashes = merkle::consistency_proof(&leaves, first)?;
    let roots = merkle::prefix_roots(&leaves);
    Ok(ConsistencyProof {
        first,
        second,
        first_root: hex::encode(roots[first as usize]),
        second_root: hex::encode(roots[second as usize]),
        hashes: hashes.iter().map(hex::encode).collect(),
    })
}

//! RFC 6962 / RFC 9162 Merkle inclusion proofs.
//!
//! Hand-written rather than taken from `sigstore_merkle` for two reasons:
//! the Transparency pane needs the audit path with each sibling's side
//! (left/right), which the crate does not expose, and an implementation of our
//! own is an independent second opinion next to the dependency's verifier, so
//! a regression there cannot silently turn a corrupted proof green.

use serde::{Deserialize, Serialize};


/// A 32-byte SHA-256 node of the log's tree.
pub type Hash = [u8; 32];

/// Where a sibling sits relative to the path being hashed up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// Sibling is the left child: `H(0x01 || sibling || node)`.
    Left,
    /// Sibling is the right child: `H(0x01 || node || sibling)`.
    Right,
}

/// One step of the audit path, bottom-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathStep {
    /// Hex of the sibling hash from the proof.
    pub sibling: String,
    pub side: Side,
    /// Hex of the node computed after this step.
    pub result: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    #[error("leaf index {index} is not below tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("the proof has {got} hashes, but a leaf at index {index} of a tree of size {size} needs {want}")]
    WrongLength { index: u64, size: u64, got: usize, want: usize },
    #[error("the computed root {computed} does not match the expected root {expected}")]
    RootMismatch { computed: String, expected: String },
}

/// The RFC 6962 leaf and node hashes are shared with the evidence ledger's
/// tree: one implementation of the domain-separated hashing.
pub use crate::ledger::merkle::{leaf_hash, node_hash};

/// Number of hashes an inclusion proof for `index` in a tree of `size` has.
fn expected_len(index: u64, size: u64) -> usize {
    // Inner part: bits where index and size-1 differ; border part: set bits above.
    let last = size - 1;
    let inner = 64 - (index ^ last).leading_zeros() as usize;
    let border = index.checked_shr(inner as u32).unwrap_or(0).count_ones() as usize;
    inner + border
}

/// Walks the audit path from `leaf` up (RFC 9162 §2.1.3.2) and returns the
/// computed root and the steps taken, whether or not the root matches.
pub fn compute_root(leaf: &Hash, index: u64, size: u64, proof: &[Hash]) -> Result<(Hash, Vec<PathStep>), MerkleError> {
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    let want = expected_len(index, size);
    if proof.len() != want {
        return Err(MerkleError::WrongLength { index, size, got: proof.len(), want });
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    let mut steps = Vec::with_capacity(proof.len());
    for p in proof {
        let side = if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
            Side::Left
        } else {
            r = node_hash(&r, p);
            Side::Right
        };
        steps.push(PathStep { sibling: hex::encode(p), side, result: hex::encode(r) });
        fn_ >>= 1;
        sn >>= 1;
    }
    Ok((r, steps))
}

/// Verifies that `leaf` sits at `index` in the tree of `size` with `root`.
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> Result<Vec<PathStep>, MerkleError> {
    let (computed, steps) = compute_root(leaf, index, size, proof)?;
    if &computed != root {
        return Err(MerkleError::RootMismatch { computed: hex::encode(computed), expected: hex::encode(root) });
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Root of a tree over `leaves` by the RFC 6962 definition (MTH), for
    /// building hand-made vectors.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            1 => leaves[0],
            n => {
                let k = n.next_power_of_two() / 2;
                let k = if k == n { n / 2 } else { k };
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    /// Audit path by the RFC 6962 definition (PATH).
    fn path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
        let n = leaves.len();
        if n == 1 {
            return Vec::new();
        }
        let k = n.next_power_of_two() / 2;
        let k = if k == n { n / 2 } else { k };
        if m < k {
            let mut p = path(m, &leaves[..k]);
            p.push(mth(&leaves[k..]));
            p
        } else {
            let mut p = path(m - k, &leaves[k..]);
            p.push(mth(&leaves[..k]));
            p
        }
    }

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(format!("entry {i}").as_bytes())).collect()
    }

    #[test]
    fn every_leaf_of_small_trees_verifies() {
        for n in 1..=17 {
            let ls = leaves(n);
            let root = mth(&ls);
            for (m, leaf) in ls.iter().enumerate() {
                let p = path(m, &ls);
                let steps = verify_inclusion(leaf, m as u64, n as u64, &p, &root)
                    .unwrap_or_else(|e| panic!("n={n} m={m}: {e}"));
                assert_eq!(steps.len(), p.len());
            }
        }
    }

    #[test]
    fn sides_of_a_hand_made_tree() {
        // Tree of 3: root = H(H(l0,l1), l2). Leaf 2's path is [H(l0,l1)] on the left;
        // leaf 0's path is [l1 (right), l2 (right)].
        let ls = leaves(3);
        let root = node_hash(&node_hash(&ls[0], &ls[1]), &ls[2]);
        let s = verify_inclusion(&ls[2], 2, 3, &[node_hash(&ls[0], &ls[1])], &root).unwrap();
        assert_eq!(s.iter().map(|s| s.side).collect::<Vec<_>>(), vec![Side::Left]);
        let s = verify_inclusion(&ls[0], 0, 3, &[ls[1], ls[2]], &root).unwrap();
        assert_eq!(s.iter().map(|s| s.side).collect::<Vec<_>>(), vec![Side::Right, Side::Right]);
        assert_eq!(s[1].result, hex::encode(root));
    }

    #[test]
    fn rejects_corrupted_proofs() {
        let ls = leaves(7);
        let root = mth(&ls);
        let mut p = path(3, &ls);
        p[1][0] ^= 1;
        assert!(matches!(verify_inclusion(&ls[3], 3, 7, &p, &root), Err(MerkleError::RootMismatch { .. })));
        let p = path(3, &ls);
        assert!(matches!(verify_inclusion(&ls[4], 3, 7, &p, &root), Err(MerkleError::RootMismatch { .. })));
        assert!(matches!(verify_inclusion(&ls[3], 7, 7, &p, &root), Err(MerkleError::IndexOutOfRange { .. })));
        assert!(matches!(verify_inclusion(&ls[3], 3, 7, &p[..2], &root), Err(MerkleError::WrongLength { .. })));
        let mut long = p.clone();
        long.push(ls[0]);
        assert!(matches!(verify_inclusion(&ls[3], 3, 7, &long, &root), Err(MerkleError::WrongLength { .. })));
        // Right proof, wrong tree size: the last leaf of 7 has a 2-hash path,
        // a tree of 8 needs 3. (Leaf 3's path is the same in both sizes; the
        // size is bound by the signed checkpoint, not by the path.)
        let p6 = path(6, &ls);
        assert!(verify_inclusion(&ls[6], 6, 7, &p6, &root).is_ok());
        assert!(matches!(verify_inclusion(&ls[6], 6, 8, &p6, &root), Err(MerkleError::WrongLength { .. })));
    }

    #[test]
    fn leaf_and_node_prefixes() {
        // SHA-256 of the single byte 0x00 (empty leaf), a well-known constant.
        assert_eq!(hex::encode(leaf_hash(b"")), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    }
}

//! RFC 6962 / RFC 9162 Merkle tree hashing and proofs.
//!
//! Hand-written rather than taken from `tlog_tiles`: that crate (0.2.0) pins
//! `sha2` 0.10, `base64` 0.21 and `thiserror` 1 (a second copy of each next to
//! ours) and is organised around the Go sumdb stored-hash layout, while the
//! ledger needs three small things: leaf/node hashes, the root of every
//! prefix of the log (to check every checkpoint and every entry's `seen`
//! state in one O(n log n) pass) and the two proof algorithms of RFC 9162
//! §2.1.3/§2.1.4. Those are ~200 lines, checked below against the RFC 6962
//! test vectors used by Certificate Transparency and by exhaustive
//! prove/verify round trips.

use sha2::{Digest, Sha256};

/// A SHA-256 tree hash.
pub type Hash = [u8; 32];

/// `MTH({})`: the root of the empty tree.
pub fn empty_root() -> Hash {
    Sha256::digest(b"").into()
}

/// `SHA-256(0x00 || data)`: a leaf hash. The domain byte keeps a leaf from
/// ever being confused with an interior node.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`: an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Largest power of two strictly less than `n` (n ≥ 2).
fn split(n: usize) -> usize {
    debug_assert!(n >= 2);
    1usize << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// `MTH(D[n])` over leaf hashes.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// An append-only "compact range": the roots of the perfect subtrees that
/// make up the leaves seen so far, largest first. Appending is amortised O(1)
/// and the current root is O(log n), which gives the root of every prefix of
/// the log in one pass.
#[derive(Debug, Clone, Default)]
pub struct Frontier {
    size: u64,
    /// (height, hash) of each perfect subtree, left to right.
    nodes: Vec<(u32, Hash)>,
}

impl Frontier {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn push(&mut self, leaf: Hash) {
        let mut cur = (0u32, leaf);
        while let Some(&(h, left)) = self.nodes.last() {
            if h != cur.0 {
                break;
            }
            self.nodes.pop();
            cur = (h + 1, node_hash(&left, &cur.1));
        }
        self.nodes.push(cur);
        self.size += 1;
    }

    /// The RFC 6962 root of the leaves pushed so far.
    pub fn root(&self) -> Hash {
        let mut iter = self.nodes.iter().rev();
        let Some(&(_, mut acc)) = iter.next() else { return empty_root() };
        for (_, left) in iter {
            acc = node_hash(left, &acc);
        }
        acc
    }
}

/// Roots of every prefix: `out[k]` is the root of the first `k` leaves
/// (`out[0]` is the empty root), so `out.len() == leaves.len() + 1`.
pub fn prefix_roots(leaves: &[Hash]) -> Vec<Hash> {
    let mut f = Frontier::new();
    let mut out = Vec::with_capacity(leaves.len() + 1);
    out.push(empty_root());
    for l in leaves {
        f.push(*l);
        out.push(f.root());
    }
    out
}

/// Why a proof could not be built or did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("index {index} is outside a tree of size {size}")]
    OutOfRange { index: u64, size: u64 },
    #[error("tree size {first} is larger than {second}")]
    SizeOrder { first: u64, second: u64 },
    #[error("proof has the wrong number of hashes")]
    WrongLength,
    #[error("proof does not lead to the expected root")]
    RootMismatch,
}

/// RFC 6962 `PATH(m, D[n])`: the audit path for leaf `index`.
pub fn inclusion_proof(leaves: &[Hash], index: u64) -> Result<Vec<Hash>, ProofError> {
    let size = leaves.len() as u64;
    if index >= size {
        return Err(ProofError::OutOfRange { index, size });
    }
    let mut out = Vec::new();
    path(index as usize, leaves, &mut out);
    Ok(out)
}

fn path(m: usize, d: &[Hash], out: &mut Vec<Hash>) {
    let n = d.len();
    if n <= 1 {
        return;
    }
    let k = split(n);
    if m < k {
        path(m, &d[..k], out);
        out.push(root(&d[k..]));
    } else {
        path(m - k, &d[k..], out);
        out.push(root(&d[..k]));
    }
}

/// RFC 6962 `PROOF(m, D[n])`: the consistency proof from size `first` to the
/// whole of `leaves`.
pub fn consistency_proof(leaves: &[Hash], first: u64) -> Result<Vec<Hash>, ProofError> {
    let second = leaves.len() as u64;
    if first > second {
        return Err(ProofError::SizeOrder { first, second });
    }
    let mut out = Vec::new();
    if first == 0 || first == second {
        return Ok(out);
    }
    subproof(first as usize, leaves, true, &mut out);
    Ok(out)
}

fn subproof(m: usize, d: &[Hash], complete: bool, out: &mut Vec<Hash>) {
    let n = d.len();
    if m == n {
        if !complete {
            out.push(root(d));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        subproof(m, &d[..k], complete, out);
        out.push(root(&d[k..]));
    } else {
        subproof(m - k, &d[k..], false, out);
        out.push(root(&d[..k]));
    }
}

/// RFC 9162 §2.1.3.2: verifies that `leaf` is at `index` in the tree of
/// `size` leaves with root `root`.
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::OutOfRange { index, size });
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return Err(ProofError::WrongLength);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::WrongLength);
    }
    if &r != root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// RFC 9162 §2.1.4.2: verifies that the tree (`first`, `root1`) is a prefix
/// of the tree (`second`, `root2`).
pub fn verify_consistency(first: u64, second: u64, root1: &Hash, root2: &Hash, proof: &[Hash]) -> Result<(), ProofError> {
    if first > second {
        return Err(ProofError::SizeOrder { first, second });
    }
    if first == second {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        return if root1 == root2 { Ok(()) } else { Err(ProofError::RootMismatch) };
    }
    if first == 0 {
        // The empty tree is a prefix of every tree; RFC 9162 needs no proof.
        return if proof.is_empty() { Ok(()) } else { Err(ProofError::WrongLength) };
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*root1);
    }
    path.extend_from_slice(proof);
    let Some((&seed, rest)) = path.split_first() else { return Err(ProofError::WrongLength) };
    let (mut fnode, mut snode) = (first - 1, second - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (seed, seed);
    for c in rest {
        if snode == 0 {
            return Err(ProofError::WrongLength);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::WrongLength);
    }
    if &fr != root1 || &sr != root2 {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RFC 6962 test leaves used by Certificate Transparency.
    fn ct_leaves() -> Vec<Hash> {
        let data: [&[u8]; 8] = [
            b"",
            b"\x00",
            b"\x10",
            b"\x20\x21",
            b"\x30\x31",
            b"\x40\x41\x42\x43",
            b"\x50\x51\x52\x53\x54\x55\x56\x57",
            b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
        ];
        data.iter().map(|d| leaf_hash(d)).collect()
    }

    #[test]
    fn roots_match_the_ct_test_vectors() {
        let expected = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let leaves = ct_leaves();
        let prefixes = prefix_roots(&leaves);
        for (i, want) in expected.iter().enumerate() {
            assert_eq!(hex::encode(root(&leaves[..=i])), *want, "size {}", i + 1);
            assert_eq!(hex::encode(prefixes[i + 1]), *want, "frontier size {}", i + 1);
        }
        assert_eq!(hex::encode(empty_root()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn every_inclusion_and_consistency_proof_round_trips_and_rejects_tampering() {
        let leaves: Vec<Hash> = (0u32..40).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let roots = prefix_roots(&leaves);
        for n in 1..=leaves.len() {
            let d = &leaves[..n];
            for m in 0..n {
                let p = inclusion_proof(d, m as u64).unwrap();
                verify_inclusion(m as u64, n as u64, &d[m], &p, &roots[n]).unwrap();
                assert!(verify_inclusion(m as u64, n as u64, &leaf_hash(b"x"), &p, &roots[n]).is_err());
                if let Some((_, short)) = p.split_last() {
                    assert!(verify_inclusion(m as u64, n as u64, &d[m], short, &roots[n]).is_err());
                }
            }
            for m in 0..=n {
                let p = consistency_proof(d, m as u64).unwrap();
                verify_consistency(m as u64, n as u64, &roots[m], &roots[n], &p).unwrap();
                if m > 0 && m < n {
                    let bad = leaf_hash(b"bad");
                    assert!(verify_consistency(m as u64, n as u64, &bad, &roots[n], &p).is_err());
                    assert!(verify_consistency(m as u64, n as u64, &roots[m], &bad, &p).is_err());
                    let mut extra = p.clone();
                    extra.push(bad);
                    assert!(verify_consistency(m as u64, n as u64, &roots[m], &roots[n], &extra).is_err());
                }
            }
        }
    }
}

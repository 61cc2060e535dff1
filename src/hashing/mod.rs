//! The hashing engine: enumerate a model (with the OMS ignore and symlink
//! rules), then hash its files or shards in parallel, streaming in bounded
//! windows so memory stays constant whatever the model size.

pub mod engine;
pub mod walk;

pub use engine::{CancelFlag, HashObserver, ItemResult, NoopObserver, Progress, hash_items};
pub use walk::{IgnoreSet, Inventory, InventoryEntry, WalkIssue, walk};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// Per-item hash functions OMS allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum HashType {
    Sha256,
    Blake2b,
    Blake3,
}

impl HashType {
    /// Parses the names the spec and the reference write (`blake2` is the
    /// reference library's name for BLAKE2b).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sha256" => Some(HashType::Sha256),
            "blake2b" | "blake2" => Some(HashType::Blake2b),
            "blake3" => Some(HashType::Blake3),
            _ => None,
        }
    }

    /// The name written into signatures.
    pub fn name(self) -> &'static str {
        match self {
            HashType::Sha256 => "sha256",
            HashType::Blake2b => "blake2b",
            HashType::Blake3 => "blake3",
        }
    }

    pub fn digest_len(self) -> usize {
        match self {
            HashType::Blake2b => 64,
            _ => 32,
        }
    }
}

impl fmt::Display for HashType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a model is cut into hashed items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Serialization {
    /// One item per file, named by its path.
    Files { hash: HashType },
    /// One item per `shard_size` byte range, named `path:start:end`.
    Shards { hash: HashType, shard_size: u64 },
}

impl Serialization {
    pub fn hash(self) -> HashType {
        match self {
            Serialization::Files { hash } | Serialization::Shards { hash, .. } => hash,
        }
    }

    pub fn method(self) -> &'static str {
        match self {
            Serialization::Files { .. } => "files",
            Serialization::Shards { .. } => "shards",
        }
    }

    /// The item `algorithm` string the reference writes.
    pub fn algorithm(self) -> String {
        match self {
            Serialization::Files { hash } => hash.name().to_string(),
            Serialization::Shards { hash, shard_size } => format!("{}-sharded-{shard_size}", hash.name()),
        }
    }
}

/// An incremental hasher over one item.
pub enum ItemHasher {
    Sha256(Sha256),
    Blake2b(Box<blake2::Blake2b512>),
    Blake3(Box<blake3::Hasher>),
}

impl ItemHasher {
    pub fn new(hash: HashType) -> Self {
        match hash {
            HashType::Sha256 => ItemHasher::Sha256(Sha256::new()),
            HashType::Blake2b => ItemHasher::Blake2b(Box::default()),
            HashType::Blake3 => ItemHasher::Blake3(Box::default()),
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        match self {
            ItemHasher::Sha256(h) => h.update(data),
            ItemHasher::Blake2b(h) => blake2::Digest::update(h.as_mut(), data),
            ItemHasher::Blake3(h) => {
                // BLAKE3 parallelises within large buffers; small ones are
                // faster single-threaded.
                if data.len() >= 1 << 20 {
                    h.update_rayon(data);
                } else {
                    h.update(data);
                }
            }
        }
    }

    pub fn finish(self) -> Vec<u8> {
        match self {
            ItemHasher::Sha256(h) => h.finalize().to_vec(),
            ItemHasher::Blake2b(h) => blake2::Digest::finalize(*h).to_vec(),
            ItemHasher::Blake3(h) => h.finalize().as_bytes().to_vec(),
        }
    }
}

/// Hashes a byte slice in one go (tests, small inputs).
pub fn hash_bytes(hash: HashType, data: &[u8]) -> Vec<u8> {
    let mut h = ItemHasher::new(hash);
    h.update(data);
    h.finish()
}

/// The canonical sort key of a file item: path components, compared
/// element-wise (OMS §10: `tokenizer/x` sorts before `tokenizer.json`).
pub fn path_key(path: &str) -> Vec<&str> {
    path.split('/').collect()
}

/// SHA-256 over the concatenated raw digests, `sha256:<hex>`: the OMS
/// subject digest when given the items in canonical order.
pub fn root_digest<'a>(digests: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut h = Sha256::new();
    for d in digests {
        h.update(d);
    }
    format!("sha256:{}", hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        assert_eq!(
            hex::encode(hash_bytes(HashType::Sha256, b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex::encode(hash_bytes(HashType::Blake3, b"")),
            "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
        );
        assert_eq!(hash_bytes(HashType::Blake2b, b"abc").len(), 64);
        assert!(hex::encode(hash_bytes(HashType::Blake2b, b"abc")).starts_with("ba80a53f981c4d0d"));
    }

    #[test]
    fn canonical_order_is_by_components() {
        let mut v = vec!["tokenizer.json", "tokenizer/special_tokens_map.json", "tokenizer/merges/merges.txt", "a b", "a/b", "a-b"];
        v.sort_by(|a, b| path_key(a).cmp(&path_key(b)));
        assert_eq!(v, ["a/b", "a b", "a-b", "tokenizer/merges/merges.txt", "tokenizer/special_tokens_map.json", "tokenizer.json"]);
    }

    #[test]
    fn algorithm_strings() {
        assert_eq!(Serialization::Shards { hash: HashType::Sha256, shard_size: 512 }.algorithm(), "sha256-sharded-512");
        assert_eq!(HashType::parse("blake2"), Some(HashType::Blake2b));
        assert_eq!(HashType::parse("md5"), None);
    }
}

//! The hardware bound for hashing on this machine: single-thread SHA-256
//! (sha2 over a memory map, the fastest path measured) and BLAKE3 throughput,
//! multiplied by the core count. `scripts/bench.sh` compares `modelvet
//! verify` with these numbers.
//!
//! Usage: `cargo bench --bench hash_bound -- FILE` (FILE should be hot in the
//! page cache). Without a FILE it hashes 64 MiB from memory, so
//! `cargo test --all-targets` runs it quickly as a smoke test.

use sha2::Digest;
use std::time::Instant;

fn gbps(bytes: usize, secs: f64) -> f64 {
    bytes as f64 / secs / 1e9
}

fn main() {
    let file = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let (data_owner, label): (Box<dyn AsRef<[u8]>>, String) = match &file {
        Some(path) => {
            let f = std::fs::File::open(path).expect("open bench file");
            // SAFETY: read-only map of a file the benchmark owns.
            let map = unsafe { memmap2::MmapOptions::new().populate().map(&f) }.expect("map bench file");
            (Box::new(map), path.clone())
        }
        None => (Box::new(vec![0x5au8; 64 << 20]), "64 MiB in memory".to_string()),
    };
    let data = (*data_owner).as_ref();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    // Warm up (fault the pages in).
    let _ = sha2::Sha256::digest(&data[..data.len().min(1 << 20)]);

    let t = Instant::now();
    let d = sha2::Sha256::digest(data);
    let sha = gbps(data.len(), t.elapsed().as_secs_f64());

    let t = Instant::now();
    let b = blake3::hash(data);
    let b3 = gbps(data.len(), t.elapsed().as_secs_f64());

    let t = Instant::now();
    let mut h = blake3::Hasher::new();
    h.update_rayon(data);
    let b3mt = gbps(data.len(), t.elapsed().as_secs_f64());
    assert_eq!(h.finalize(), b);

    println!("input: {label} ({} bytes), cores: {cores}", data.len());
    println!("sha256 1 thread:   {sha:.2} GB/s  (bound x{cores}: {:.2} GB/s)  {}", sha * cores as f64, hex::encode(d));
    println!("blake3 1 thread:   {b3:.2} GB/s  (bound x{cores}: {:.2} GB/s)", b3 * cores as f64);
    println!("blake3 rayon:      {b3mt:.2} GB/s");
    println!("BOUND sha256_gbps={:.3} blake3_gbps={:.3}", sha * cores as f64, (b3 * cores as f64).max(b3mt));
}

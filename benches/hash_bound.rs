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
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--strategies") {
        return strategies(std::path::Path::new(args.get(i + 1).expect("--strategies DIR")));
    }
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
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    ctx.update(data);
    let awslc_d = ctx.finish();
    let sha_awslc = gbps(data.len(), t.elapsed().as_secs_f64());
    assert_eq!(awslc_d.as_ref(), d.as_slice());

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
    println!("sha256 aws-lc 1 thread: {sha_awslc:.2} GB/s");
    println!("blake3 1 thread:   {b3:.2} GB/s  (bound x{cores}: {:.2} GB/s)", b3 * cores as f64);
    println!("blake3 rayon:      {b3mt:.2} GB/s");
    println!("BOUND sha256_gbps={:.3} blake3_gbps={:.3}", sha * cores as f64, (b3 * cores as f64).max(b3mt));
}

/// Reading strategies for many files on all cores, the way the engine
/// reads them (each file by one rayon task), to choose the engine's window:
/// `cargo bench --bench hash_bound -- --strategies DIR` (files hot in cache).
#[allow(dead_code)]
pub fn strategies(dir: &std::path::Path) {
    use rayon::prelude::*;
    use std::os::unix::fs::FileExt;
    let mut files: Vec<std::path::PathBuf> =
        std::fs::read_dir(dir).expect("dir").filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()).collect();
    files.sort();
    let total: u64 = files.iter().map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0)).sum();
    let mmap_windows = |window: usize, populate: bool| {
        files.par_iter().with_max_len(1).for_each(|p| {
            let f = std::fs::File::open(p).unwrap();
            let len = f.metadata().unwrap().len() as usize;
            let mut h = sha2::Sha256::new();
            let mut off = 0usize;
            while off < len {
                let n = (len - off).min(window);
                let mut o = memmap2::MmapOptions::new();
                o.offset(off as u64).len(n);
                if populate {
                    o.populate();
                }
                // SAFETY: read-only map of a benchmark file nobody writes.
                let m = unsafe { o.map(&f) }.unwrap();
                h.update(&m[..]);
                off += n;
            }
            std::hint::black_box(h.finalize());
        })
    };
    let pread = |buf_size: usize| {
        files.par_iter().with_max_len(1).for_each(|p| {
            let f = std::fs::File::open(p).unwrap();
            let len = f.metadata().unwrap().len();
            let mut buf = vec![0u8; buf_size];
            let mut h = sha2::Sha256::new();
            let mut off = 0u64;
            while off < len {
                let n = ((len - off) as usize).min(buf_size);
                f.read_exact_at(&mut buf[..n], off).unwrap();
                h.update(&buf[..n]);
                off += n as u64;
            }
            std::hint::black_box(h.finalize());
        })
    };
    let time = |name: &str, run: &dyn Fn()| {
        run(); // warm
        let mut best = f64::MAX;
        for _ in 0..3 {
            let t = Instant::now();
            run();
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!("{name:<28} {best:.3} s  {:.2} GB/s", total as f64 / best / 1e9);
    };
    println!("{} files, {} bytes, {} threads", files.len(), total, rayon::current_num_threads());
    time("mmap 8 MiB populate", &|| mmap_windows(8 << 20, true));
    time("mmap 8 MiB lazy", &|| mmap_windows(8 << 20, false));
    time("mmap 32 MiB populate", &|| mmap_windows(32 << 20, true));
    time("mmap 128 MiB populate", &|| mmap_windows(128 << 20, true));
    time("mmap whole file populate", &|| mmap_windows(usize::MAX, true));
    time("pread 256 KiB", &|| pread(256 << 10));
    time("pread 1 MiB", &|| pread(1 << 20));
    time("pread 4 MiB", &|| pread(4 << 20));
}

//! Workbench speed, measured (not a timed test): `cargo bench --bench tui_bench`.
//!
//! 1. First frame on a 10,000-file signed model: time from `App::new` to the
//!    first drawn frame, and to the frame with the full (pending) table.
//! 2. Key handling while hashing a multi-GB model: each key is handled and a
//!    frame drawn while the real job hashes in the background; reports the
//!    latency distribution.
//!
//! Sizes: MODELVET_BENCH_FILES (default 10000), MODELVET_BENCH_GIB (default 2).

use modelvet::crypto::{PrivateKey, PublicKey};
use modelvet::hashing::{HashType, NoopObserver, Serialization};
use modelvet::oms::sign::{SignOptions, sign_to_file};
use modelvet::oms::{Trust, VerifyOptions};
use modelvet::tui::app::{App, AppConfig};
use modelvet::tui::job::{JobEvent, JobHandle, JobMsg};
use modelvet::tui::keymap::{KeySpec, Keymap};
use modelvet::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn key_pair() -> (PrivateKey, PublicKey) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/keys");
    let sk = PrivateKey::from_pem(&std::fs::read_to_string(root.join("demo-signer.key.pem")).expect("key")).expect("pem");
    let pk = sk.public_key();
    (sk, pk)
}

fn sign(dir: &Path, sk: &PrivateKey) {
    let opts = SignOptions {
        model: dir.to_path_buf(),
        signature: dir.join("model.sig"),
        serialization: Serialization::Files { hash: HashType::Sha256 },
        ignore_paths: Vec::new(),
        ignore_git_paths: true,
        allow_symlinks: false,
    };
    sign_to_file(&opts, sk, &NoopObserver).expect("sign");
}

fn app() -> App {
    App::new(AppConfig {
        source_label: "bench".into(),
        keymap: Keymap::builtin().expect("keymap"),
        theme: Theme::builtin("default").expect("theme"),
        read_only: false,
        export_dir: PathBuf::from("."),
        ledger_path: None,
    })
}

fn draw(terminal: &mut Terminal<TestBackend>, app: &App) {
    terminal.draw(|f| f.render_widget(app, f.area())).expect("draw");
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn first_frame(files: u64) {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("model");
    for i in 0..files {
        let sub = dir.join(format!("shard-{:03}", i / 100));
        std::fs::create_dir_all(&sub).expect("mkdir");
        std::fs::write(sub.join(format!("part-{i:05}.bin")), format!("tensor {i}\n").repeat(16)).expect("write");
    }
    let (sk, pk) = key_pair();
    sign(&dir, &sk);
    let mut opts = VerifyOptions::new(&dir);
    opts.trust = Trust::Key(pk);

    let start = Instant::now();
    let mut app = app();
    app.resize(120, 40);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let (tx, rx) = mpsc::channel::<JobMsg>();
    let _job = JobHandle::spawn(modelvet::tui::job::JobInput::local(opts), app.generation, std::sync::Arc::new(tx)).expect("spawn");
    draw(&mut terminal, &app);
    let first = start.elapsed();
    let mut table = None;
    let mut done = None;
    while done.is_none() {
        let msg = rx.recv().expect("job");
        let prepared = matches!(msg.event, JobEvent::Prepared { .. });
        let finished = matches!(msg.event, JobEvent::Finished { .. });
        app.on_job(msg);
        while let Ok(more) = rx.try_recv() {
            app.on_job(more);
        }
        draw(&mut terminal, &app);
        if prepared && table.is_none() {
            table = Some(start.elapsed());
        }
        if finished || app.model.is_final() {
            done = Some(start.elapsed());
        }
    }
    // Frame cost with the full table, files pane active.
    app.active = modelvet::tui::panes::PaneId::Files;
    let t = Instant::now();
    for _ in 0..20 {
        draw(&mut terminal, &app);
    }
    let per_frame = t.elapsed() / 20;
    println!("first frame, {files}-file signed model (120x40):");
    println!("  first frame drawn            {}", ms(first));
    println!("  frame with the full table    {}", ms(table.unwrap_or_default()));
    println!("  verification finished        {}", ms(done.unwrap_or_default()));
    println!("  files-pane frame, full table {}", ms(per_frame));
    println!("  verdict                      {:?}", app.model.report.as_ref().map(|r| r.verdict));
}

fn key_latency(mib: u64) {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("big");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let chunk: Vec<u8> = (0..(8u32 << 20)).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    for part in 0..2u64 {
        let mut f = std::fs::File::create(dir.join(format!("model-{part}.safetensors"))).expect("create");
        for _ in 0..(mib / 8 / 2).max(1) {
            f.write_all(&chunk).expect("write");
        }
    }
    std::fs::write(dir.join("config.json"), b"{}").expect("write");
    let (sk, pk) = key_pair();
    let t = Instant::now();
    sign(&dir, &sk);
    let sign_time = t.elapsed();
    let mut opts = VerifyOptions::new(&dir);
    opts.trust = Trust::Key(pk);

    let mut app = app();
    app.resize(120, 40);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let (tx, rx) = mpsc::channel::<JobMsg>();
    let started = Instant::now();
    let _job = JobHandle::spawn(modelvet::tui::job::JobInput::local(opts), app.generation, std::sync::Arc::new(tx)).expect("spawn");
    let keys: Vec<_> = ["2", "j", "j", "k", "?", "<Esc>", "/", "m", "<Esc>", "3", "<Tab>", "1", "G", "g"]
        .iter()
        .map(|k| {
            let s = KeySpec::parse(k).expect("key");
            crossterm::event::KeyEvent::new(s.code, s.mods)
        })
        .collect();
    let mut latencies = Vec::new();
    let mut i = 0;
    while !app.model.is_final() {
        while let Ok(msg) = rx.try_recv() {
            app.on_job(msg);
        }
        if app.model.is_busy() {
            let t = Instant::now();
            app.handle_key(keys[i % keys.len()]);
            draw(&mut terminal, &app);
            latencies.push(t.elapsed());
            i += 1;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let hashing = started.elapsed();
    latencies.sort();
    let total: u64 = app.model.files().iter().filter_map(|f| f.size).sum();
    println!("key handling while hashing {} ({} while signing it first):", modelvet::tui::format::bytes(total), ms(sign_time));
    println!("  verification took            {}", ms(hashing));
    println!("  keys handled + frames drawn  {}", latencies.len());
    println!(
        "  latency p50 {}  p99 {}  max {}",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default())
    );
    println!("  verdict                      {:?}", app.model.report.as_ref().map(|r| r.verdict));
}

fn main() {
    // `cargo bench` passes `--bench`: full sizes. Run as a test target
    // (`cargo test --all-targets`) it is a quick smoke run.
    let full = std::env::args().any(|a| a == "--bench");
    first_frame(env_num("MODELVET_BENCH_FILES", if full { 10_000 } else { 500 }));
    key_latency(env_num("MODELVET_BENCH_GIB", 0).checked_mul(1024).filter(|m| *m > 0).unwrap_or(if full { 2048 } else { 64 }));
}

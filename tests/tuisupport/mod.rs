//! Shared helpers for the TUI tests: fixture models, running the real
//! verification job synchronously into an `App`, rendering to a
//! `TestBackend`, and scripted key presses through the real keymap.
#![allow(dead_code)]

use crossterm::event::{KeyEvent, KeyEventKind, KeyEventState};
use modelvet::hashing::CancelFlag;
use modelvet::oms::{Trust, VerifyOptions};
use modelvet::tui::app::{App, AppConfig};
use modelvet::tui::effect::Effect;
use modelvet::tui::job::{JobEvent, JobMsg, run_verification};
use modelvet::tui::keymap::{KeySpec, Keymap};
use modelvet::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The elapsed time every job event reports in tests (a fake clock, so
/// throughput and ETA text is deterministic).
pub const FAKE_ELAPSED: Duration = Duration::from_millis(250);

pub fn demo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/model")
}

pub fn demo_key() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/keys/demo-signer.pub.pem")
}

/// A copy of the demo model in a temp dir (`<tmp>/model`).
pub fn demo_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dst = tmp.path().join("model");
    std::fs::create_dir_all(&dst).expect("mkdir");
    for entry in std::fs::read_dir(demo_dir()).expect("demo dir") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), dst.join(entry.file_name())).expect("copy");
    }
    (tmp, dst)
}

/// The fixture models the snapshots cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fixture {
    Verified,
    Tampered,
    UnsignedExtra,
    Missing,
    Unpinned,
}

impl Fixture {
    pub fn name(self) -> &'static str {
        match self {
            Fixture::Verified => "verified",
            Fixture::Tampered => "tampered",
            Fixture::UnsignedExtra => "unsigned_extra",
            Fixture::Missing => "missing",
            Fixture::Unpinned => "unpinned",
        }
    }

    /// Builds the model on disk.
    pub fn build(self) -> (tempfile::TempDir, PathBuf) {
        let (tmp, dir) = demo_copy();
        match self {
            Fixture::Verified | Fixture::Unpinned => {}
            Fixture::Tampered => flip_byte(&dir.join("model.safetensors")),
            Fixture::UnsignedExtra => std::fs::write(dir.join("notes.txt"), b"added after signing\n").expect("write"),
            Fixture::Missing => std::fs::remove_file(dir.join("tokenizer.json")).expect("rm"),
        }
        (tmp, dir)
    }

    pub fn pinned(self) -> bool {
        self != Fixture::Unpinned
    }
}

/// Flips one byte in the middle of a file.
pub fn flip_byte(path: &Path) {
    let mut bytes = std::fs::read(path).expect("read");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(path, bytes).expect("write");
}

pub fn options(dir: &Path, label: &str, pinned: bool) -> VerifyOptions {
    let mut opts = VerifyOptions::new(dir);
    opts.reference = label.to_string();
    if pinned {
        let pem = std::fs::read_to_string(demo_key()).expect("key");
        opts.trust = Trust::Key(modelvet::crypto::PublicKey::from_pem(&pem).expect("pem"));
    }
    opts
}

pub fn config(label: &str, theme: &str) -> AppConfig {
    AppConfig {
        source_label: label.to_string(),
        keymap: Keymap::builtin().expect("keymap"),
        theme: Theme::builtin(theme).expect("theme"),
        read_only: false,
        export_dir: PathBuf::from("."),
        ledger_path: None,
    }
}

/// Fixes timings so rendered text does not depend on the machine.
fn normalise(mut msg: JobMsg) -> JobMsg {
    match &mut msg.event {
        JobEvent::Progress(p) => p.elapsed = FAKE_ELAPSED,
        JobEvent::Finished { elapsed, .. } => *elapsed = FAKE_ELAPSED,
        _ => {}
    }
    msg
}

/// Runs the real verification job to completion and feeds every event
/// into `app`, in order.
pub fn run_job(app: &mut App, opts: &VerifyOptions) {
    for msg in job_events(app.generation, opts) {
        app.on_job(msg);
    }
}

/// The job's events, collected (for tests that stop half-way).
pub fn job_events(generation: u64, opts: &VerifyOptions) -> Vec<JobMsg> {
    let (tx, rx) = std::sync::mpsc::channel();
    run_verification(opts, generation, &CancelFlag::new(), &tx);
    drop(tx);
    rx.into_iter().map(normalise).collect()
}

/// An app with `fixture` verified to the end.
pub fn app_for(fixture: Fixture, theme: &str) -> (tempfile::TempDir, App, VerifyOptions) {
    let (tmp, dir) = fixture.build();
    let label = format!("{}-model", fixture.name());
    let opts = options(&dir, &label, fixture.pinned());
    let mut app = App::new(config(&label, theme));
    run_job(&mut app, &opts);
    (tmp, app, opts)
}

/// Renders `app` at `w`×`h` into plain text lines (trailing spaces cut).
pub fn render(app: &mut App, w: u16, h: u16) -> String {
    app.resize(w, h);
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal.draw(|f| f.render_widget(&*app, f.area())).expect("draw");
    buffer_text(terminal.backend().buffer())
}

pub fn buffer_text(buf: &ratatui::buffer::Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..buf.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            line.push_str(sym);
            skip = unicode_width(sym).saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn unicode_width(s: &str) -> usize {
    use ratatui::text::Span;
    Span::raw(s).width()
}

/// A key event for one keymap-syntax token.
pub fn key(token: &str) -> KeyEvent {
    let spec = KeySpec::parse(token).unwrap_or_else(|e| panic!("bad key {token:?}: {e}"));
    KeyEvent { code: spec.code, modifiers: spec.mods, kind: KeyEventKind::Press, state: KeyEventState::NONE }
}

/// Presses a script of keys: space-separated tokens; `<Name>` tokens and
/// single characters are keys, longer words are typed character by
/// character. Returns every effect produced.
pub fn press(app: &mut App, script: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for token in script.split_whitespace() {
        if token.starts_with('<') || token.chars().count() == 1 {
            effects.extend(app.handle_key(key(token)));
        } else {
            for c in token.chars() {
                effects.extend(app.handle_key(key(&c.to_string())));
            }
        }
    }
    effects
}

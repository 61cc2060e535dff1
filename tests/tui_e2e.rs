//! End to end: the real binary in tmux (a real terminal emulator). Opens a
//! tampered copy of the demo model, waits for hashing by polling
//! `capture-pane`, checks the modified file is shown as modified, opens
//! help, resizes, quits, and expects exit code 0 and a restored terminal.
//!
//! Without tmux the test fails when `CI` is set and is skipped otherwise.

#[path = "tuisupport/mod.rs"]
mod common;
#[path = "tuisupport/tmux.rs"]
mod tmux;

use std::time::{Duration, Instant};
use tmux::{Tmux, tmux_available};

#[test]
fn tampered_model_in_a_real_terminal() {
    if !tmux_available() {
        if std::env::var_os("CI").is_some() {
            panic!("tmux is required for the end-to-end test in CI (.ci/run installs it)");
        }
        eprintln!("skipping: tmux is not installed (set CI=1 to make this a failure)");
        return;
    }
    let (_tmp, dir) = common::Fixture::Tampered.build();
    let key = common::demo_key();
    let bin = env!("CARGO_BIN_EXE_modelvet");
    let tmux = Tmux { socket: format!("modelvet-e2e-{}-{}", std::process::id(), Instant::now().elapsed().as_nanos()) };
    let shell = format!(
        "env -u NO_COLOR '{bin}' '{}' --key '{}'; echo EXIT=$?; sleep 60",
        dir.display(),
        key.display()
    );
    let out = tmux.cmd(&["new-session", "-d", "-s", "e2e", "-x", "120", "-y", "40", &shell]);
    assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
    let timeout = Duration::from_secs(60);

    // Hashing finishes; the verdict is FAILED and the file is modified.
    let screen = tmux.wait_for("the final verdict", timeout, |s| s.contains("FAILED") && s.contains("done: hashed"));
    assert!(screen.contains("✗ 1 modified"), "{screen}");
    tmux.keys(&["2"]);
    let screen = tmux.wait_for("the files table", timeout, |s| s.contains("model.safetensors") && s.contains("sorted by"));
    let row = screen.lines().find(|l| l.contains("model.safetensors")).expect("row");
    assert!(row.contains("✗ modified"), "row: {row}");
    assert!(screen.lines().filter(|l| l.contains("✓ verified")).count() >= 4, "{screen}");

    // Help.
    tmux.keys(&["?"]);
    tmux.wait_for("help", timeout, |s| s.contains("Help: key bindings"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("help to close", timeout, |s| !s.contains("Help: key bindings"));

    // Resize to 80x24: the tab bar switches to short titles.
    assert!(tmux.cmd(&["resize-window", "-t", "e2e", "-x", "80", "-y", "24"]).status.success());
    let screen = tmux.wait_for("a redraw at 80x24", timeout, |s| s.contains("3 Sig") && s.contains("model.safetensors"));
    assert!(screen.lines().all(|l| l.chars().count() <= 80), "{screen}");

    // Quit: exit code 0 and the shell prompt's output is back on the normal screen.
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the exit code", timeout, |s| s.contains("EXIT="));
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(!screen.contains("sorted by"), "the alternate screen was left: {screen}");
}

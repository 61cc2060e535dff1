//! Themes, keymaps and launch flags through the real binary: malformed
//! files are rejected with file, line and key (exit 2); the monochrome theme
//! draws no colour at all; the bare form and subcommands coexist.

#[path = "tuisupport/mod.rs"]
mod common;

use assert_cmd::Command;
use common::{Fixture, app_for};
use predicates::prelude::*;
use predicates::str::contains;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

fn modelvet() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_modelvet"));
    c.env_remove("NO_COLOR");
    c
}

#[test]
fn a_malformed_theme_file_names_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad-theme.toml");
    std::fs::write(&path, "extends = \"default\"\n[styles]\npass = { fg = \"green\" }\nfail = { fg = \"purpel\" }\n").unwrap();
    modelvet()
        .arg("--theme")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(contains("bad-theme.toml:4:").and(contains("styles.fail.fg")).and(contains("purpel")));
}

#[test]
fn an_unknown_theme_name_lists_the_built_ins() {
    modelvet().args(["--theme", "neon"]).assert().code(2).stderr(contains("high-contrast").and(contains("monochrome")));
}

#[test]
fn a_malformed_keymap_file_names_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.toml");
    std::fs::write(&path, "[global]\nprepend_keymap = [\n  { on = \"Q\", run = \"quit\", desc = \"Quit\" },\n  { on = \"<Hyper-x>\", run = \"quit\" },\n]\n").unwrap();
    modelvet()
        .arg("--keymap")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(contains("keys.toml:4:").and(contains("global.on")).and(contains("Hyper")));
    std::fs::write(&path, "[files]\nkeymap = [ { on = \"z\", run = \"zoom\", desc = \"Zoom\" } ]\n").unwrap();
    modelvet().arg("--keymap").arg(&path).assert().code(2).stderr(contains("keys.toml:2:").and(contains("files.run")).and(contains("zoom")));
    std::fs::write(&path, "[global]\nkeymap = [ { on = \"z\", run = \"quit\", descr = \"typo\" } ]\n").unwrap();
    modelvet().arg("--keymap").arg(&path).assert().code(2).stderr(contains("keys.toml:2:").and(contains("descr")));
}

#[test]
fn a_missing_source_is_a_usage_error_before_the_terminal_is_touched() {
    modelvet().arg("/definitely/not/here").assert().code(2).stderr(contains("cannot open model"));
}

#[test]
fn subcommands_still_work_beside_the_bare_form() {
    let demo = common::demo_dir();
    modelvet()
        .arg("verify")
        .arg(&demo)
        .arg("--key")
        .arg(common::demo_key())
        .assert()
        .code(0)
        .stdout(contains("VERIFIED"));
    modelvet().arg("--help").assert().code(0).stdout(contains("--read-only").and(contains("--theme")).and(contains("verify")));
}

#[test]
fn monochrome_draws_no_colour() {
    let (_tmp, mut app, _) = app_for(Fixture::Tampered, "monochrome");
    for pane in modelvet::tui::panes::PaneId::ALL {
        app.active = pane;
        for script in ["", "?", "<Enter>"] {
            app.overlays.clear();
            common::press(&mut app, script);
            app.resize(100, 30);
            let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
            terminal.draw(|f| f.render_widget(&app, f.area())).unwrap();
            for cell in terminal.backend().buffer().content() {
                assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "{pane:?} {script:?}: {cell:?}");
            }
        }
    }
}

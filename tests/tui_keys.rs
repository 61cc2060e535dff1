//! Scripted key sequences through the real keymap: navigation, filter,
//! sort, help (as a command palette), detail, confirm, rehash and quit,
//! asserting on state and on the screen.

#[path = "tuisupport/mod.rs"]
mod common;

use common::{Fixture, app_for, press, render, run_job};
use modelvet::report::FileStatus;
use modelvet::tui::effect::Effect;
use modelvet::tui::keymap::Context;
use modelvet::tui::model::Phase;
use modelvet::tui::overlays::{DetailTarget, Overlay};
use modelvet::tui::panes::PaneId;

#[test]
fn numbers_and_tab_switch_panes() {
    let (_tmp, mut app, _) = app_for(Fixture::Verified, "default");
    assert_eq!(app.active, PaneId::Overview);
    press(&mut app, "2");
    assert_eq!(app.active, PaneId::Files);
    press(&mut app, "<Tab> <Tab>");
    assert_eq!(app.active, PaneId::Transparency);
    press(&mut app, "<S-Tab> <S-Tab> <S-Tab>");
    assert_eq!(app.active, PaneId::Overview);
    press(&mut app, "<S-Tab>");
    assert_eq!(app.active, PaneId::Ledger);
    assert!(render(&mut app, 80, 24).contains("Ledger"));
    press(&mut app, "7 <Tab>");
    assert_eq!(app.active, PaneId::Overview);
}

#[test]
fn filter_narrows_the_table_and_esc_clears_it() {
    let (_tmp, mut app, _) = app_for(Fixture::Tampered, "default");
    press(&mut app, "2 / json");
    assert_eq!(app.context(), Context::Filter);
    assert_eq!(app.files.filter, "json");
    // `q` is text while filtering, not quit.
    press(&mut app, "q <Backspace>");
    assert!(!app.quit);
    press(&mut app, "<Enter>");
    assert_eq!(app.context(), Context::Files);
    let shown = app.files.visible(app.model.files());
    let paths: Vec<&str> = shown.iter().map(|&i| app.model.files()[i].path.as_str()).collect();
    assert_eq!(paths, ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json"]);
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("filter: json"), "{screen}");
    assert!(!screen.contains("model.safetensors"), "{screen}");
    press(&mut app, "<Esc>");
    assert!(app.files.filter.is_empty());
    assert_eq!(app.files.visible(app.model.files()).len(), app.model.files().len());
}

#[test]
fn filter_by_status_word_finds_the_modified_file() {
    let (_tmp, mut app, _) = app_for(Fixture::Tampered, "default");
    press(&mut app, "2 / modified <Enter> <Enter>");
    match app.overlays.last() {
        Some(Overlay::Detail(d)) => assert_eq!(d.target, DetailTarget::File("model.safetensors".into())),
        other => panic!("expected the detail view, got {other:?}"),
    }
    let screen = render(&mut app, 120, 40);
    let entry = app.model.files().iter().find(|f| f.path == "model.safetensors").expect("entry");
    assert_eq!(entry.status, FileStatus::Modified);
    // The detail view shows both full digests.
    assert!(screen.contains(entry.expected.as_deref().expect("expected")), "{screen}");
    assert!(screen.contains(entry.actual.as_deref().expect("actual")), "{screen}");
    assert!(screen.contains("✗ modified"));
    press(&mut app, "<Esc>");
    assert!(app.overlays.is_empty());
}

#[test]
fn moving_and_sorting_the_table() {
    let (_tmp, mut app, _) = app_for(Fixture::Missing, "default");
    press(&mut app, "2 j j");
    assert_eq!(app.files.selected, 2);
    press(&mut app, "G");
    assert_eq!(app.files.selected, app.model.files().len() - 1);
    press(&mut app, "g s");
    let first = app.files.visible(app.model.files())[0];
    assert_eq!(app.model.files()[first].status, FileStatus::Missing, "status sort puts problems first");
    press(&mut app, "S");
    let first = app.files.visible(app.model.files())[0];
    assert_ne!(app.model.files()[first].status, FileStatus::Missing);
    assert!(render(&mut app, 80, 24).contains("sorted by status ↓"));
}

#[test]
fn help_is_generated_from_the_keymap_filterable_and_runs_entries() {
    let (_tmp, mut app, _) = app_for(Fixture::Verified, "default");
    press(&mut app, "?");
    assert_eq!(app.context(), Context::Help);
    let screen = render(&mut app, 120, 40);
    for b in app.keymap.bindings(Context::Global).iter().take(5) {
        assert!(screen.contains(&b.desc), "help lacks {:?}\n{screen}", b.desc);
    }
    // Typing filters; Enter runs the selected entry (a command palette).
    press(&mut app, "files <Down> <Up>");
    let screen = render(&mut app, 120, 40);
    assert!(screen.contains("Files pane"), "{screen}");
    assert!(!screen.contains("Signature pane"), "{screen}");
    press(&mut app, "<Enter>");
    assert!(app.overlays.is_empty());
    assert_eq!(app.active, PaneId::Files);
    // Esc clears the filter first, then closes.
    press(&mut app, "? xyz <Esc>");
    assert_eq!(app.context(), Context::Help);
    press(&mut app, "<Esc>");
    assert_eq!(app.context(), Context::Files);
}

#[test]
fn export_is_confirmed_and_defaults_to_cancel() {
    let (tmp, mut app, _) = app_for(Fixture::Verified, "default");
    app.export_dir = tmp.path().to_path_buf();
    assert!(press(&mut app, "e <Enter>").is_empty(), "Enter on the default button cancels");
    assert!(app.overlays.is_empty());
    assert!(press(&mut app, "e n").is_empty());
    // The dialog says where, what and which model before anything is written.
    press(&mut app, "e");
    let screen = render(&mut app, 120, 40);
    assert!(screen.contains("Export evidence"), "{screen}");
    assert!(screen.contains("modelvet-evidence-"), "{screen}");
    let digest = app.model.report.as_ref().and_then(|r| r.model_digest.clone()).unwrap();
    assert!(screen.contains(&digest), "{screen}");
    let effects = press(&mut app, "y");
    let hex = digest.trim_start_matches("sha256:");
    match effects.as_slice() {
        [Effect::ExportEvidence { out }] => {
            assert_eq!(out, &tmp.path().join(format!("modelvet-evidence-{}.tar.gz", &hex[..16])));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn read_only_hides_and_refuses_writes() {
    let (_tmp, dir) = Fixture::Verified.build();
    let mut cfg = common::config("m", "default");
    cfg.read_only = true;
    let mut app = modelvet::tui::app::App::new(cfg);
    run_job(&mut app, &common::options(&dir, "m", true));
    assert!(press(&mut app, "e").is_empty());
    assert!(app.overlays.is_empty());
    press(&mut app, "?");
    let screen = render(&mut app, 120, 40);
    assert!(!screen.contains("Export"), "{screen}");
}

#[test]
fn rehash_restarts_with_a_new_generation_and_drops_stale_events() {
    let (_tmp, mut app, opts) = app_for(Fixture::Tampered, "default");
    let old = common::job_events(app.generation, &opts);
    let effects = press(&mut app, "r");
    assert_eq!(effects, vec![Effect::CancelJob, Effect::StartVerify]);
    assert_eq!(app.model.phase, Phase::Preparing);
    for msg in old {
        app.on_job(msg);
    }
    assert_eq!(app.model.phase, Phase::Preparing, "stale events are ignored");
    run_job(&mut app, &opts);
    assert!(app.model.is_final());
}

#[test]
fn keys_work_while_hashing() {
    let (_tmp, dir) = Fixture::Verified.build();
    let opts = common::options(&dir, "m", true);
    let mut app = modelvet::tui::app::App::new(common::config("m", "default"));
    let events = common::job_events(app.generation, &opts);
    app.on_job(events[0].clone()); // prepared: the table exists, nothing hashed
    assert!(app.model.is_busy());
    press(&mut app, "2 j / json <Enter> ? <Esc>");
    assert_eq!(app.active, PaneId::Files);
    assert_eq!(app.files.filter, "json");
    assert!(press(&mut app, "e").is_empty(), "export waits for the final report");
    assert_eq!(app.toasts.len(), 1);
    assert_eq!(press(&mut app, "x"), vec![Effect::CancelJob]);
}

#[test]
fn quit_and_ctrl_c() {
    let (_tmp, mut app, _) = app_for(Fixture::Verified, "default");
    assert_eq!(press(&mut app, "q"), vec![Effect::Quit]);
    let (_tmp, mut app, _) = app_for(Fixture::Verified, "default");
    press(&mut app, "2 /");
    assert_eq!(press(&mut app, "<C-c>"), vec![Effect::Quit], "Ctrl-C quits even from a text input");
    let (_tmp, mut app, _) = app_for(Fixture::Verified, "default");
    assert_eq!(press(&mut app, "<C-z>"), vec![Effect::Suspend]);
}

#[test]
fn key_releases_are_ignored() {
    let (_tmp, mut app, _) = app_for(Fixture::Verified, "default");
    let mut ev = common::key("q");
    ev.kind = crossterm::event::KeyEventKind::Release;
    assert!(app.handle_key(ev).is_empty());
    assert!(!app.quit);
}

#[test]
fn resizing_keeps_the_selection_on_screen() {
    let (_tmp, mut app, _) = app_for(Fixture::UnsignedExtra, "default");
    press(&mut app, "2 G");
    let last = app.files.selected;
    render(&mut app, 120, 40);
    render(&mut app, 60, 12);
    assert_eq!(app.files.selected, last);
    assert!(app.files.offset + app.files_page() > app.files.selected);
    let screen = render(&mut app, 60, 12);
    assert!(screen.contains("notes.txt") || screen.contains("tokenizer_config.json"), "{screen}");
}

/// `a` on the Ledger pane drafts the statement, the confirm dialog shows
/// it, and "yes" signs and appends one entry that `verify_ledger` accepts.
/// Under `--read-only` the binding is gone and the action is refused.
/// The key store and ledger live in temp dirs (never the real home).
#[test]
fn approve_appends_a_verifiable_entry_and_read_only_refuses() {
    use modelvet::ledger::paths::{CONFIG_ENV, DATA_ENV};
    use modelvet::ledger::keys::ReviewerInfo;
    use modelvet::ledger::{KeyStore, Ledger, verify_ledger};
    use modelvet::tui::ledger_ops;
    let home = tempfile::tempdir().expect("tmp");
    // SAFETY: the only test in this binary that reads or writes these variables.
    unsafe {
        std::env::set_var(CONFIG_ENV, home.path().join("config"));
        std::env::set_var(DATA_ENV, home.path().join("data"));
    }
    let ledger_path = home.path().join("data").join("ledger.sqlite");
    let (_tmp, mut app, _) = app_for(Fixture::Verified, "default");
    app.ledger_path = Some(ledger_path.clone());
    app.ledger_loaded(ledger_ops::load(&ledger_path));
    press(&mut app, "7");
    assert!(render(&mut app, 80, 24).contains("no ledger yet: approve with `a`"));

    // No reviewer key yet: a toast, no dialog, no entry.
    press(&mut app, "a");
    assert!(app.overlays.is_empty());
    assert!(app.toasts.iter().any(|t| t.text.contains("no reviewer key")), "{:?}", app.toasts.iter().map(|t| &t.text).collect::<Vec<_>>());

    let store = KeyStore::from_env().expect("store");
    store.init_reviewer(ReviewerInfo { name: Some("Tess".into()), email: Some("tess@example.com".into()) }, false).expect("reviewer");
    // The note prompt first: an empty note is refused, Esc cancels.
    press(&mut app, "a");
    assert!(matches!(app.overlays.last(), Some(Overlay::Note(_))));
    press(&mut app, "<Enter>");
    assert!(matches!(app.overlays.last(), Some(Overlay::Note(_))), "an empty note is refused");
    press(&mut app, "<Esc>");
    assert!(app.overlays.is_empty());
    press(&mut app, "a");
    for c in "weights match the vendor".chars() {
        app.handle_key(crossterm::event::KeyEvent::new(crossterm::event::KeyCode::Char(c), crossterm::event::KeyModifiers::NONE));
    }
    press(&mut app, "<Tab>"); // scope: legal
    let screen = render(&mut app, 120, 40);
    assert!(screen.contains("Approve: note and scope") && screen.contains("weights match the vendor"), "{screen}");
    press(&mut app, "<Enter>");
    let Some(Overlay::Confirm(dialog)) = app.overlays.last() else { panic!("confirm dialog expected") };
    let shown = dialog.lines.join("\n");
    let digest = app.model.report.as_ref().and_then(|r| r.model_digest.clone()).expect("digest");
    assert!(shown.contains(&digest), "{shown}");
    assert!(shown.contains("approve") && shown.contains("note      weights match the vendor") && shown.contains("scope     legal") && shown.contains("tree size 0"), "{shown}");
    let screen = render(&mut app, 120, 40);
    assert!(screen.contains("Sign and approve"), "{screen}");
    let effects = press(&mut app, "y");
    let [Effect::AppendReview { path, draft }] = effects.as_slice() else { panic!("{effects:?}") };
    // What the runtime does with the effect.
    let result = ledger_ops::append(path, draft);
    assert_eq!(result, Ok(0));
    app.review_done(result);
    app.ledger_loaded(ledger_ops::load(&ledger_path));

    let ledger = Ledger::open_read_only(&ledger_path).expect("ledger");
    let opts = modelvet::ledger::view::verify_options(&store, &[], None).expect("opts");
    let report = verify_ledger(&ledger, &opts).expect("verify");
    assert!(report.ok, "{report:?}");
    assert_eq!(report.entry_results.len(), 1);
    let screen = render(&mut app, 120, 40);
    assert!(screen.contains("ledger intact") && screen.contains("✓ ok") && screen.contains("Tess"), "{screen}");

    // Read-only: `a` is not bound on the ledger pane, and the action itself refuses.
    let mut cfg = common::config("ro", "default");
    cfg.read_only = true;
    cfg.ledger_path = Some(ledger_path.clone());
    let mut ro = modelvet::tui::app::App::new(cfg);
    press(&mut ro, "7 a");
    assert!(ro.overlays.is_empty());
    ro.update(modelvet::tui::action::Action::Approve);
    assert!(ro.overlays.is_empty());
    assert!(ro.toasts.iter().any(|t| t.text.contains("read-only")));
    assert!(!render(&mut ro, 120, 40).contains("a approve"));
    let again = Ledger::open_read_only(&ledger_path).expect("ledger");
    assert_eq!(verify_ledger(&again, &opts).expect("verify").entry_results.len(), 1);
}

//! Snapshot tests of every pane and overlay, drawn with ratatui's
//! `TestBackend` from the real verification of fixture models (verified,
//! tampered, unsigned extra file, missing file, unpinned) and from a report
//! with a transparency section. CI runs with INSTA_UPDATE=no, so a changed
//! screen fails instead of rewriting the snapshot.

#[path = "tuisupport/mod.rs"]
mod common;

use common::{Fixture, app_for, config, job_events, options, press, render};
use modelvet::crypto::x509::CertInfo;
use modelvet::report::SigningMethod;
use modelvet::tui::app::App;
use modelvet::tui::job::JobEvent;
use modelvet::tui::model::ModelData;
use modelvet::tui::panes::PaneId;

const SMALL: (u16, u16) = (80, 24);
const LARGE: (u16, u16) = (120, 40);

fn snap(name: &str, app: &mut App, size: (u16, u16)) {
    let raw = render(app, size.0, size.1);
    let screen = normalise(app, raw);
    insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), screen);
}

/// The report names the temp directory (its signature path), so its digest
/// and JSON size vary per run: both are replaced by same-width placeholders.
fn normalise(app: &App, screen: String) -> String {
    let Some(r) = app.model.report.as_ref().filter(|_| app.model.is_final()) else { return screen };
    let digest = r.digest();
    let mut s = screen.replace(&digest, &format!("sha256:{:<64}", "<digest of this run's report, which names temp paths>"));
    if let Ok(json) = serde_json::to_string_pretty(r) {
        let size = format!("{} bytes", json.len() + 1);
        s = s.replace(&size, &format!("{:<w$}", "N bytes", w = size.len()));
    }
    s
}

fn show(app: &mut App, pane: PaneId) {
    app.overlays.clear();
    app.active = pane;
}

#[test]
fn every_pane_for_every_fixture() {
    for fixture in [Fixture::Verified, Fixture::Tampered, Fixture::UnsignedExtra, Fixture::Missing, Fixture::Unpinned] {
        let (_tmp, mut app, _) = app_for(fixture, "default");
        // No ledger file: the pane's empty state (a fixed path keeps the snapshot stable).
        app.ledger_loaded(modelvet::tui::ledger_ops::load(std::path::Path::new("/nonexistent/modelvet/ledger.sqlite")));
        for pane in PaneId::ALL {
            show(&mut app, pane);
            for size in [SMALL, LARGE] {
                // Licences/lineage: the verified and the tampered copy; the
                // empty ledger does not depend on the fixture.
                let keep = match pane {
                    PaneId::Licenses | PaneId::Lineage => matches!(fixture, Fixture::Verified | Fixture::Tampered),
                    PaneId::Ledger => fixture == Fixture::Verified,
                    _ => true,
                };
                if !keep {
                    continue;
                }
                snap(&format!("{}_{}", fixture.name(), pane.title().to_lowercase()), &mut app, size);
            }
        }
    }
}

#[test]
fn files_pane_while_hashing_shows_progress_and_provisional_statuses() {
    let (_tmp, dir) = Fixture::Tampered.build();
    let opts = options(&dir, "tampered-model", true);
    let mut app = App::new(config("tampered-model", "default"));
    // The first frame, before the job has said anything.
    snap("preparing_overview", &mut app, SMALL);
    let events = job_events(app.generation, &opts);
    // Everything up to (not including) the final report.
    let mut saw_items = false;
    for msg in events.iter().filter(|m| !matches!(m.event, JobEvent::Finished { .. })) {
        saw_items |= matches!(msg.event, JobEvent::Items(_));
        app.on_job(msg.clone());
    }
    assert!(saw_items, "the job reports items as they finish");
    assert!(app.model.is_busy());
    app.active = PaneId::Licenses;
    snap("hashing_licenses", &mut app, SMALL);
    app.active = PaneId::Files;
    for size in [SMALL, LARGE] {
        snap("hashing_files", &mut app, size);
    }
    app.active = PaneId::Overview;
    snap("hashing_overview", &mut app, SMALL);
}

fn transparency_json() -> serde_json::Value {
    serde_json::json!({
        "log_index": 123456789,
        "log_id": "c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d",
        "kind": "dsse 0.0.1",
        "integrated_time": "2025-06-01T12:00:00Z",
        "tree_size": 987654321,
        "inclusion_proof": {
            "leaf_hash": "5f3a1b2c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8",
            "audit_path": [
                { "hash": "1111111111111111111111111111111111111111111111111111111111111111", "side": "left" },
                { "hash": "2222222222222222222222222222222222222222222222222222222222222222", "side": "right" },
                { "hash": "3333333333333333333333333333333333333333333333333333333333333333", "side": "left" }
            ],
            "root_hash": "abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd",
            "status": { "status": "pass" }
        },
        "checkpoint": {
            "text": "rekor.sigstore.dev - 1193050959916656506\n987654321\nq83vq83vq83vq83vq83vq83vq83vq83vq83vq83vq80=\n",
            "signatures": [ { "name": "rekor.sigstore.dev", "status": "pass" } ],
            "status": "pass"
        },
        "set": { "status": "fail", "reason": "SET signature does not verify with the log key" },
        "timestamps": [
            { "kind": "rekor", "time": "2025-06-01T12:00:00Z", "status": "pass" },
            { "kind": "rfc3161", "time": "2025-06-01T12:00:01Z", "authority": "timestamp.example", "status": { "ok": false, "reason": "TSA certificate expired" } }
        ],
        "extra_field": { "anything": [1, 2, 3] }
    })
}

#[test]
fn transparency_pane_draws_the_proof_path_checkpoint_set_and_timestamps() {
    let (_tmp, mut app, _) = app_for(Fixture::Verified, "default");
    if let Some(r) = app.model.report.as_mut() {
        r.transparency = Some(transparency_json());
    }
    show(&mut app, PaneId::Transparency);
    for size in [SMALL, LARGE] {
        snap("transparency_entry", &mut app, size);
    }
    press(&mut app, "<Enter>");
    snap("transparency_detail", &mut app, LARGE);
}

#[test]
fn transparency_pane_survives_odd_shapes() {
    let (_tmp, mut app, _) = app_for(Fixture::Verified, "default");
    for (i, odd) in [
        serde_json::json!("just a string"),
        serde_json::json!({ "audit_path": ["aa", 5, null, {"hash": 1}], "checkpoint": 7, "set": true, "timestamps": "x" }),
        serde_json::json!({ "deep": {"a": {"b": {"c": {"d": {"e": {"f": {"g": 1}}}}}}}, "long": "x".repeat(5000) }),
    ]
    .into_iter()
    .enumerate()
    {
        if let Some(r) = app.model.report.as_mut() {
            r.transparency = Some(odd);
        }
        show(&mut app, PaneId::Transparency);
        snap(&format!("transparency_odd_{i}"), &mut app, SMALL);
    }
}

#[test]
fn signature_pane_draws_a_certificate_chain_as_a_tree() {
    let (_tmp, app, _) = app_for(Fixture::Verified, "default");
    let mut report = app.model.report.clone().expect("report");
    let cert = |subject: &str, issuer: &str, ca: bool| CertInfo {
        subject: subject.into(),
        issuer: issuer.into(),
        serial: "01".into(),
        not_before: "2025-01-01T00:00:00Z".into(),
        not_after: "2027-01-01T00:00:00Z".into(),
        is_ca: ca,
        path_len: None,
        key_usage: if ca { vec!["keyCertSign".into()] } else { vec!["digitalSignature".into()] },
        ext_key_usage: if ca { vec![] } else { vec!["codeSigning".into()] },
        san: if ca { vec![] } else { vec!["signer@example.com".into()] },
        oidc_issuer: (!ca).then(|| "https://accounts.example.com".into()),
        key_algorithm: "ECDSA P-256".into(),
        fingerprint: format!("SHA256:{}", "ab".repeat(32)),
        self_signed: subject == issuer,
    };
    if let Some(s) = report.signer.as_mut() {
        s.method = SigningMethod::Certificate;
        s.chain = vec![cert("CN=Model Signer", "CN=Signing CA", false), cert("CN=Signing CA", "CN=Root CA", true), cert("CN=Root CA", "CN=Root CA", true)];
    }
    let mut app2 = App::new(config("certificate-model", "default"));
    app2.model = ModelData::from_report("certificate-model", report, app.model.envelope.clone());
    show(&mut app2, PaneId::Signature);
    for size in [SMALL, LARGE] {
        snap("signature_certificate_chain", &mut app2, size);
    }
}

#[test]
fn overlays() {
    let (_tmp, mut app, _) = app_for(Fixture::Tampered, "default");
    // Help from the Files pane, then filtered.
    show(&mut app, PaneId::Files);
    press(&mut app, "?");
    for size in [SMALL, LARGE] {
        snap("overlay_help_files", &mut app, size);
    }
    press(&mut app, "sort");
    snap("overlay_help_filtered", &mut app, SMALL);
    // Filter prompt.
    show(&mut app, PaneId::Files);
    press(&mut app, "/ safe");
    snap("overlay_filter_typing", &mut app, SMALL);
    press(&mut app, "<Esc>");
    // Detail of the modified file (sorted by status: problems first).
    show(&mut app, PaneId::Files);
    press(&mut app, "s <Enter>");
    for size in [SMALL, LARGE] {
        snap("overlay_detail_modified_file", &mut app, size);
    }
    // Report detail from the overview.
    show(&mut app, PaneId::Overview);
    press(&mut app, "<Enter>");
    snap("overlay_detail_report", &mut app, LARGE);
    // Signature detail.
    show(&mut app, PaneId::Signature);
    press(&mut app, "<Enter>");
    snap("overlay_detail_signature", &mut app, SMALL);
    // Toast.
    show(&mut app, PaneId::Overview);
    app.export_done(Err("/nowhere/report.json: permission denied".into()));
    snap("overlay_toast_error", &mut app, SMALL);
    app.toasts.clear();
}

#[test]
fn confirm_dialog_for_export() {
    let (_tmp, mut app, _) = app_for(Fixture::Verified, "default");
    show(&mut app, PaneId::Overview);
    press(&mut app, "e");
    for size in [SMALL, LARGE] {
        snap("overlay_confirm_export", &mut app, size);
    }
    press(&mut app, "<Tab>");
    snap("overlay_confirm_export_yes_selected", &mut app, SMALL);
}

#[test]
fn too_small_and_read_only() {
    let (_tmp, mut app, _) = app_for(Fixture::Verified, "default");
    snap("too_small", &mut app, (40, 10));
    let (_tmp2, dir) = Fixture::Verified.build();
    let mut cfg = config("verified-model", "default");
    cfg.read_only = true;
    let mut ro = App::new(cfg);
    common::run_job(&mut ro, &options(&dir, "verified-model", true));
    snap("read_only_overview", &mut ro, SMALL);
}

#[test]
fn themes_render_the_same_text() {
    // Themes change styles, never words: every built-in theme draws the
    // same characters for the same state.
    let mut screens = Vec::new();
    for name in modelvet::tui::theme::Theme::builtin_names() {
        let (_tmp, mut app, _) = app_for(Fixture::Tampered, name);
        app.active = PaneId::Files;
        screens.push((name, render(&mut app, 80, 24)));
    }
    for (name, s) in &screens[1..] {
        assert_eq!(s, &screens[0].1, "theme {name} changes the text");
    }
}

/// The Ledger pane after one approval, and the licence detail overlay.
/// Key store and ledger live in temp dirs (never the real home); the
/// entry's time, the checkpoint root and the ledger origin vary per run and
/// are replaced by same-width placeholders.
#[test]
fn ledger_pane_with_one_approval_and_licence_detail() {
    use modelvet::ledger::keys::ReviewerInfo;
    use modelvet::ledger::paths::{CONFIG_ENV, DATA_ENV};
    use modelvet::tui::format::truncate;
    use modelvet::tui::ledger_ops::{self, LedgerState};
    let home = tempfile::tempdir().expect("tmp");
    // SAFETY: the only test in this binary that reads or writes these variables.
    unsafe {
        std::env::set_var(CONFIG_ENV, home.path().join("config"));
        std::env::set_var(DATA_ENV, home.path().join("data"));
    }
    let store = modelvet::ledger::KeyStore::from_env().expect("store");
    store.init_reviewer(ReviewerInfo { name: Some("Tess".into()), email: None }, false).expect("reviewer");
    let (_tmp, mut app, _) = app_for(Fixture::Verified, "default");
    let path = home.path().join("data").join("ledger.sqlite");
    let report = app.model.report.clone().expect("report");
    let draft = ledger_ops::draft(&path, &report, modelvet::ledger::Decision::Approve, "approved in the TUI", modelvet::ledger::Scope::Security).expect("draft");
    assert_eq!(ledger_ops::append(&path, &draft), Ok(0));
    app.ledger_path = Some(path.clone());
    app.ledger_loaded(ledger_ops::load(&path));
    let LedgerState::Loaded(view) = &app.ledger else { panic!("ledger not loaded: {:?}", app.ledger) };
    let mut swaps: Vec<(String, String)> = Vec::new();
    for e in &view.entries {
        let t: String = e.time.chars().take(19).collect();
        swaps.push((t, "YYYY-MM-DDTHH:MM:SS".into()));
    }
    if let Some(cp) = &view.checkpoint {
        let r = truncate(&cp.root, 16);
        swaps.push((r.clone(), format!("{:<w$}", "<root>", w = r.chars().count())));
    }
    let o = truncate(&view.origin, 40);
    swaps.push((o.clone(), format!("{:<w$}", "<origin>", w = o.chars().count())));
    show(&mut app, PaneId::Ledger);
    for size in [SMALL, LARGE] {
        let raw = render(&mut app, size.0, size.1);
        let mut screen = normalise(&app, raw);
        for (from, to) in &swaps {
            screen = screen.replace(from.as_str(), to);
        }
        insta::assert_snapshot!(format!("ledger_one_approval_{}x{}", size.0, size.1), screen);
    }
    show(&mut app, PaneId::Licenses);
    press(&mut app, "<Enter>");
    snap("overlay_detail_licence", &mut app, LARGE);
}

#[test]
fn registry_source_shows_download_progress_then_the_pinned_reference() {
    use modelvet::sources::{FetchProgress, ResolvedSource, SourceKind};
    let (_tmp, dir) = Fixture::Verified.build();
    let opts = options(&dir, "oci://registry.example/models/demo:v1", true);
    let mut app = App::new(config("oci://registry.example/models/demo:v1", "default"));
    let generation = app.generation;
    let fetching = FetchProgress { name: "model.safetensors".into(), bytes_done: 96 << 10, bytes_total: Some(160 << 10), finished: false };
    app.on_job(modelvet::tui::job::JobMsg { generation, event: JobEvent::Fetching(fetching) });
    snap("fetching_overview", &mut app, SMALL);
    let pinned = format!("oci://registry.example/models/demo@sha256:{}", "5b".repeat(32));
    let source = ResolvedSource {
        original: "oci://registry.example/models/demo:v1".into(),
        local_path: dir.clone(),
        pinned_reference: pinned.clone(),
        kind: SourceKind::Oci,
        signatures_found: Vec::new(),
        notes: Vec::new(),
        files: Vec::new(),
    };
    app.on_job(modelvet::tui::job::JobMsg { generation, event: JobEvent::Resolved { options: Box::new(opts.clone()), source: Box::new(source) } });
    for msg in job_events(generation, &opts) {
        app.on_job(msg);
    }
    assert!(app.model.is_final());
    let screen = render(&mut app, LARGE.0, LARGE.1);
    assert!(screen.contains(&format!("Pinned      {}", &pinned[..60])), "{screen}");
    snap("pinned_overview", &mut app, LARGE);
}

#[test]
fn note_prompt_before_an_approval() {
    use modelvet::tui::overlays::{NoteInput, Overlay};
    let (_tmp, mut app, _) = app_for(Fixture::Verified, "default");
    app.active = PaneId::Ledger;
    let mut note = NoteInput::new(modelvet::ledger::Decision::Approve);
    for c in "matches the vendor release; licence reviewed".chars() {
        note.push(c);
    }
    note.cycle_scope(true);
    app.overlays.push(Overlay::Note(note));
    snap("overlay_note_prompt", &mut app, SMALL);
}

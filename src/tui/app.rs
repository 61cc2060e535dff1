//! The application state and its update function: keys become actions via
//! the keymap; actions change state and return [`Effect`]s instead of
//! performing them. The top overlay gets first refusal, then the active
//! pane, then global actions.

use super::action::Action;
use super::effect::Effect;
use super::job::JobMsg;
use super::keymap::{Context, KeySpec, Keymap};
use super::model::{ModelData, Phase};
use super::overlays::{ConfirmDialog, DetailTarget, HelpOverlay, Overlay, Toast, ToastLevel};
use super::panes::files::FilesPane;
use super::panes::scroll::Scroll;
use super::ledger_ops::{self, LedgerState};
use super::panes::{PaneId, ledger, lineage, overview, signature, transparency};
use crate::ledger::Decision;
use super::theme::Theme;
use super::ui;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Rect;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long a toast stays up.
pub const TOAST_TTL: Duration = Duration::from_secs(6);

/// Everything the app needs at start.
pub struct AppConfig {
    pub source_label: String,
    pub keymap: Keymap,
    pub theme: Theme,
    pub read_only: bool,
    /// The folder `export` writes evidence bundles to.
    pub export_dir: PathBuf,
    /// The evidence ledger (`--ledger`, else the default); `None` when no
    /// data directory is known.
    pub ledger_path: Option<PathBuf>,
}

/// The whole UI state.
pub struct App {
    pub model: ModelData,
    pub active: PaneId,
    pub overview: Scroll,
    pub files: FilesPane,
    pub signature: Scroll,
    pub transparency: Scroll,
    /// The selected row of the Licenses pane.
    pub licenses_selected: usize,
    pub lineage: Scroll,
    pub ledger_scroll: Scroll,
    pub ledger: LedgerState,
    pub ledger_path: Option<PathBuf>,
    /// Overlays, top last.
    pub overlays: Vec<Overlay>,
    pub toasts: Vec<Toast>,
    pub keymap: Keymap,
    pub theme: Theme,
    pub read_only: bool,
    pub export_dir: PathBuf,
    /// Terminal size, kept so paging knows the page height.
    pub size: (u16, u16),
    /// The current job's generation; messages from older jobs are dropped.
    pub generation: u64,
    pub quit: bool,
}

impl App {
    pub fn new(config: AppConfig) -> App {
        let keymap = if config.read_only { config.keymap.without_writes() } else { config.keymap };
        App {
            model: ModelData::new(config.source_label),
            active: PaneId::Overview,
            overview: Scroll::default(),
            files: FilesPane::default(),
            signature: Scroll::default(),
            transparency: Scroll::default(),
            licenses_selected: 0,
            lineage: Scroll::default(),
            ledger_scroll: Scroll::default(),
            ledger: LedgerState::Loading,
            ledger_path: config.ledger_path,
            overlays: Vec::new(),
            toasts: Vec::new(),
            keymap,
            theme: config.theme,
            read_only: config.read_only,
            export_dir: config.export_dir,
            size: (80, 24),
            generation: 1,
            quit: false,
        }
    }

    /// The effects to run at start: the first verification, the ledger.
    pub fn start(&self) -> Vec<Effect> {
        vec![Effect::StartVerify, Effect::LoadLedger]
    }

    /// The outcome of loading the ledger.
    pub fn ledger_loaded(&mut self, state: LedgerState) {
        if let LedgerState::Error(e) = &state {
            self.toast(ToastLevel::Error, format!("ledger: {e}"));
        }
        self.ledger = state;
    }

    /// The outcome of appending a review (the runtime reloads the ledger).
    pub fn review_done(&mut self, result: Result<u64, String>) {
        match result {
            Ok(i) => self.toast(ToastLevel::Info, format!("recorded as ledger entry #{i}")),
            Err(e) => self.toast(ToastLevel::Error, format!("not recorded: {e}")),
        }
    }

    /// Where keys go now: the top overlay, else the active pane.
    pub fn context(&self) -> Context {
        match self.overlays.last() {
            Some(Overlay::Help(_)) => Context::Help,
            Some(Overlay::Filter) => Context::Filter,
            Some(Overlay::Confirm(_)) => Context::Confirm,
            Some(Overlay::Detail(_)) => Context::Detail,
            Some(Overlay::Note(_)) => Context::Note,
            None => self.active.context(),
        }
    }

    /// Whether a tick is needed (progress animation, toast expiry).
    pub fn needs_tick(&self) -> bool {
        self.model.is_busy() || !self.toasts.is_empty()
    }

    pub fn resize(&mut self, width: u16, height: u16) {
        self.size = (width, height);
        let page = self.files_page();
        let visible = self.files.visible(self.model.files()).len();
        self.files.ensure_visible(visible, page);
    }

    /// Expires old toasts.
    pub fn tick(&mut self, now: Instant) {
        self.toasts.retain(|t| now.duration_since(t.born) < TOAST_TTL);
    }

    pub fn toast(&mut self, level: ToastLevel, text: impl Into<String>) {
        self.toasts.push(Toast { level, text: text.into(), born: Instant::now() });
        if self.toasts.len() > 3 {
            self.toasts.remove(0);
        }
    }

    /// Folds a job message in; stale generations are ignored.
    pub fn on_job(&mut self, msg: JobMsg) {
        if msg.generation != self.generation {
            return;
        }
        let failed = matches!(msg.event, super::job::JobEvent::Failed(_));
        self.model.apply(msg.event);
        if failed
            && let Phase::Failed(m) = &self.model.phase {
                let m = m.clone();
                self.toast(ToastLevel::Error, m);
            }
        let visible = self.files.visible(self.model.files()).len();
        let page = self.files_page();
        self.files.ensure_visible(visible, page);
    }

    /// The outcome of an export effect.
    pub fn export_done(&mut self, result: Result<String, String>) {
        match result {
            Ok(summary) => self.toast(ToastLevel::Info, summary),
            Err(e) => self.toast(ToastLevel::Error, format!("export failed: {e}")),
        }
    }

    /// Rows of the files table that fit on screen.
    pub fn files_page(&self) -> usize {
        FilesPane::page_rows(self.body_area())
    }

    fn body_area(&self) -> Rect {
        ui::layout(Rect::new(0, 0, self.size.0, self.size.1), self).body
    }

    /// Lines a scroll pane's body can show.
    fn text_page(&self) -> usize {
        self.body_area().height.saturating_sub(2) as usize
    }

    /// A key press: through the keymap into an action.
    pub fn handle_key(&mut self, ev: KeyEvent) -> Vec<Effect> {
        if ev.kind != KeyEventKind::Press {
            return Vec::new();
        }
        let key = KeySpec::from_event(&ev);
        // Ctrl-C always quits, whatever the keymap says.
        if key.code == KeyCode::Char('c') && key.mods == KeyModifiers::CONTROL {
            return self.update(Action::Quit);
        }
        let ctx = self.context();
        match self.keymap.lookup(ctx, key) {
            Some(action) => self.update(action),
            None => {
                if let (true, KeyCode::Char(c)) = (ctx.takes_text(), ev.code)
                    && !ev.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
                        self.insert_char(c);
                    }
                Vec::new()
            }
        }
    }

    fn insert_char(&mut self, c: char) {
        match self.overlays.last_mut() {
            Some(Overlay::Help(h)) => {
                h.filter.push(c);
                h.selected = 0;
            }
            Some(Overlay::Filter) => {
                self.files.filter.push(c);
                self.files.selected = 0;
                self.files.offset = 0;
            }
            Some(Overlay::Note(n)) => n.push(c),
            _ => {}
        }
    }

    /// Applies an action: top overlay, then active pane, then global.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        if action == Action::Quit {
            self.quit = true;
            return vec![Effect::Quit];
        }
        if !self.overlays.is_empty() {
            return self.update_overlay(action);
        }
        if self.update_pane(action) {
            return Vec::new();
        }
        self.update_global(action)
    }

    fn update_overlay(&mut self, action: Action) -> Vec<Effect> {
        let page = self.text_page();
        let files_page = self.files_page();
        let Some(top) = self.overlays.last_mut() else { return Vec::new() };
        match top {
            Overlay::Help(help) => {
                let count = HelpOverlay::entries(&self.keymap, help.context, &help.filter).len();
                match action {
                    Action::Back if !help.filter.is_empty() => {
                        help.filter.clear();
                        help.selected = 0;
                    }
                    Action::Back | Action::Help => {
                        self.overlays.pop();
                    }
                    Action::DeleteChar => {
                        help.filter.pop();
                        help.selected = 0;
                    }
                    Action::ClearInput => {
                        help.filter.clear();
                        help.selected = 0;
                    }
                    Action::Down => help.selected = (help.selected + 1).min(count.saturating_sub(1)),
                    Action::Up => help.selected = help.selected.saturating_sub(1),
                    Action::PageDown => help.selected = (help.selected + page).min(count.saturating_sub(1)),
                    Action::PageUp => help.selected = help.selected.saturating_sub(page),
                    Action::Accept => {
                        let entries = HelpOverlay::entries(&self.keymap, help.context, &help.filter);
                        let runnable = entries
                            .get(help.selected)
                            .filter(|e| e.section == help.context || e.section == Context::Global)
                            .map(|e| e.action);
                        self.overlays.pop();
                        if let Some(a) = runnable {
                            return self.update(a);
                        }
                    }
                    _ => {}
                }
                Vec::new()
            }
            Overlay::Filter => {
                match action {
                    Action::Accept => {
                        self.overlays.pop();
                    }
                    Action::Back => {
                        self.files.filter.clear();
                        self.files.selected = 0;
                        self.files.offset = 0;
                        self.overlays.pop();
                    }
                    Action::DeleteChar => {
                        self.files.filter.pop();
                    }
                    Action::ClearInput => self.files.filter.clear(),
                    Action::Up | Action::Down => {
                        let n = self.files.visible(self.model.files()).len();
                        self.files.handle(action, n, files_page);
                    }
                    _ => {}
                }
                Vec::new()
            }
            Overlay::Note(note) => match action {
                Action::Accept => {
                    let (decision, text, scope) = (note.decision, note.text.trim().to_string(), note.scope);
                    if text.is_empty() {
                        self.toast(ToastLevel::Error, "a note is required: say why (it is signed with the decision)");
                        return Vec::new();
                    }
                    self.overlays.pop();
                    self.confirm_review(decision, &text, scope)
                }
                Action::Back => {
                    self.overlays.pop();
                    Vec::new()
                }
                Action::DeleteChar => {
                    note.text.pop();
                    Vec::new()
                }
                Action::ClearInput => {
                    note.text.clear();
                    Vec::new()
                }
                Action::Left | Action::Right => {
                    note.cycle_scope(action == Action::Right);
                    Vec::new()
                }
                _ => Vec::new(),
            },
            Overlay::Confirm(dialog) => match action {
                Action::Yes => self.close_confirm(true),
                Action::No | Action::Back => self.close_confirm(false),
                Action::Accept => {
                    let yes = dialog.yes_selected;
                    self.close_confirm(yes)
                }
                Action::Left | Action::Right => {
                    dialog.yes_selected = !dialog.yes_selected;
                    Vec::new()
                }
                _ => Vec::new(),
            },
            Overlay::Detail(detail) => {
                match action {
                    Action::Back => {
                        self.overlays.pop();
                    }
                    _ => {
                        let target = detail.target.clone();
                        let len = super::overlays::detail::lines(&target, &self.model, &self.theme).len();
                        if let Some(Overlay::Detail(d)) = self.overlays.last_mut() {
                            d.scroll.handle(action, len, page.saturating_sub(2));
                        }
                    }
                }
                Vec::new()
            }
        }
    }

    fn close_confirm(&mut self, yes: bool) -> Vec<Effect> {
        match self.overlays.pop() {
            Some(Overlay::Confirm(d)) if yes => vec![d.effect],
            _ => Vec::new(),
        }
    }

    /// Pane-specific actions; returns whether the pane used it.
    fn update_pane(&mut self, action: Action) -> bool {
        let page = self.text_page();
        let width = self.size.0;
        match self.active {
            PaneId::Files => {
                let n = self.files.visible(self.model.files()).len();
                let files_page = self.files_page();
                match action {
                    Action::Filter => {
                        self.overlays.push(Overlay::Filter);
                        true
                    }
                    Action::Back if !self.files.filter.is_empty() => {
                        self.files.filter.clear();
                        self.files.selected = 0;
                        self.files.offset = 0;
                        true
                    }
                    _ => self.files.handle(action, n, files_page),
                }
            }
            PaneId::Overview => {
                let len = overview::lines(&self.model, &self.theme, width).len();
                self.overview.handle(action, len, page)
            }
            PaneId::Signature => {
                let len = signature::lines(&self.model, &self.theme).len();
                self.signature.handle(action, len, page)
            }
            PaneId::Transparency => {
                let len = transparency::lines(&self.model, &self.theme).len();
                self.transparency.handle(action, len, page)
            }
            PaneId::Licenses => {
                let n = self.model.meta.as_ref().map(|m| m.license_rows().len()).unwrap_or(0);
                let last = n.saturating_sub(1);
                let sel = &mut self.licenses_selected;
                *sel = match action {
                    Action::Down => (*sel + 1).min(last),
                    Action::Up => sel.saturating_sub(1),
                    Action::PageDown => (*sel + page.max(1)).min(last),
                    Action::PageUp => sel.saturating_sub(page.max(1)),
                    Action::Top => 0,
                    Action::Bottom => last,
                    _ => return false,
                };
                true
            }
            PaneId::Lineage => {
                let len = self.model.meta.as_ref().map(|m| lineage::lines(m, &self.theme, None).len()).unwrap_or(0);
                self.lineage.handle(action, len, page)
            }
            PaneId::Ledger => {
                let len = ledger::lines(&self.ledger, &self.model, &self.theme, width, self.read_only).len();
                self.ledger_scroll.handle(action, len, page)
            }
        }
    }

    fn update_global(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Quit => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            Action::Suspend => return vec![Effect::Suspend],
            Action::NextPane => self.active = self.active.next(),
            Action::PrevPane => self.active = self.active.prev(),
            Action::Pane(p) => self.active = p,
            Action::Help => self.overlays.push(Overlay::Help(HelpOverlay::new(self.context()))),
            Action::Detail => {
                if let Some(target) = self.detail_target() {
                    self.overlays.push(Overlay::Detail(super::overlays::DetailOverlay { target, scroll: Scroll::default() }));
                }
            }
            Action::Rehash => {
                self.generation += 1;
                let label = self.model.source_label.clone();
                self.model = ModelData::new(label);
                return vec![Effect::CancelJob, Effect::StartVerify];
            }
            Action::Cancel => {
                if self.model.is_busy() {
                    return vec![Effect::CancelJob];
                }
                self.toast(ToastLevel::Info, "nothing is running");
            }
            Action::Export => return self.ask_export(),
            Action::Approve => return self.ask_review(Decision::Approve),
            Action::Reject => return self.ask_review(Decision::Reject),
            _ => {}
        }
        Vec::new()
    }

    fn detail_target(&self) -> Option<DetailTarget> {
        match self.active {
            PaneId::Overview => Some(DetailTarget::Report),
            PaneId::Files => {
                let files = self.model.files();
                let rows = self.files.visible(files);
                rows.get(self.files.selected).map(|&i| DetailTarget::File(files[i].path.clone()))
            }
            PaneId::Signature => Some(DetailTarget::Signature),
            PaneId::Transparency => Some(DetailTarget::Transparency),
            PaneId::Licenses => self
                .model
                .meta
                .as_ref()
                .filter(|m| self.licenses_selected < m.license_rows().len())
                .map(|_| DetailTarget::License(self.licenses_selected)),
            _ => None,
        }
    }

    /// Approve/reject is a signed write: refused in read-only mode and
    /// before the report is final; the dialog shows the drafted statement's
    /// fields exactly, and only "yes" signs and appends it.
    fn ask_review(&mut self, decision: Decision) -> Vec<Effect> {
        let word = decision.word();
        if self.read_only {
            self.toast(ToastLevel::Error, format!("read-only mode: {word} is disabled"));
            return Vec::new();
        }
        if self.ledger_path.is_none() {
            self.toast(ToastLevel::Error, "no ledger path: pass --ledger PATH");
            return Vec::new();
        }
        if !self.model.is_final() || self.model.report.is_none() {
            self.toast(ToastLevel::Error, "the report is not final yet: wait for hashing to finish");
            return Vec::new();
        }
        // The reviewer key is needed to sign: say so before asking for a note.
        if let Err(e) = ledger_ops::reviewer_ready() {
            self.toast(ToastLevel::Error, format!("cannot {word}: {e}"));
            return Vec::new();
        }
        self.overlays.push(Overlay::Note(super::overlays::NoteInput::new(decision)));
        Vec::new()
    }

    /// After the note prompt: draft the statement and show exactly what
    /// will be signed.
    fn confirm_review(&mut self, decision: Decision, note: &str, scope: crate::ledger::Scope) -> Vec<Effect> {
        let word = decision.word();
        let Some(path) = self.ledger_path.clone() else { return Vec::new() };
        let Some(report) = self.model.report.as_ref().filter(|_| self.model.is_final()) else { return Vec::new() };
        let draft = match ledger_ops::draft(&path, report, decision, note, scope) {
            Ok(d) => d,
            Err(e) => {
                self.toast(ToastLevel::Error, format!("cannot {word}: {e}"));
                return Vec::new();
            }
        };
        let c = &draft.claims;
        let reviewer = c.reviewer.name.clone().or_else(|| c.reviewer.email.clone()).unwrap_or_default();
        let lines = vec![
            format!("Sign and append this {word} decision to the ledger:"),
            format!("  {}", path.display()),
            String::new(),
            format!("decision  {}{}", c.decision.word(), if c.overridden { " (OVERRIDE: verification failed)" } else { "" }),
            format!("scope     {}", c.scope.word()),
            format!("note      {}", c.note),
            format!("model     {}", c.model.digest),
            format!("source    {}", c.model.source),
            format!("report    {} ({})", c.report.digest, c.report.verdict.word()),
            format!("seen      tree size {} · root {}", c.seen.tree_size, c.seen.root_hash),
            format!("reviewer  {} {}", c.reviewer.key_fingerprint, reviewer),
            format!("time      {}", c.timestamp),
        ];
        self.overlays.push(Overlay::Confirm(ConfirmDialog {
            title: format!("{} model", if decision == Decision::Approve { "Approve" } else { "Reject" }),
            lines,
            yes_label: format!("Sign and {word}"),
            yes_selected: false,
            effect: Effect::AppendReview { path, draft: Box::new(draft) },
        }));
        Vec::new()
    }

    /// Export is a write: it is confirmed, showing exactly what is written
    /// where, what it covers and which key signs it.
    fn ask_export(&mut self) -> Vec<Effect> {
        if self.read_only {
            self.toast(ToastLevel::Error, "read-only mode: export is disabled");
            return Vec::new();
        }
        let Some(report) = self.model.report.as_ref().filter(|_| self.model.is_final()) else {
            self.toast(ToastLevel::Error, "the report is not final yet: wait for hashing to finish");
            return Vec::new();
        };
        let Some(digest) = report.model_digest.clone() else {
            self.toast(ToastLevel::Error, "not every file could be hashed: there is no model digest to export evidence for");
            return Vec::new();
        };
        let hex = digest.trim_start_matches("sha256:");
        let out = self.export_dir.join(format!("modelvet-evidence-{}.tar.gz", &hex[..hex.len().min(16)]));
        let entries = match &self.ledger {
            LedgerState::Loaded(v) => format!("{} ledger entr(ies) for this model, each with an inclusion proof", v.for_model(&digest).count()),
            LedgerState::Missing(_) => "no ledger yet: the bundle holds no reviewer decisions".into(),
            LedgerState::Loading => "ledger entries for this model (still loading)".into(),
            LedgerState::Error(e) => format!("ledger unreadable ({e}): the export will report it"),
        };
        let mut lines = vec![
            "Write an evidence bundle (deterministic .tar.gz) to:".to_string(),
            format!("  {}", out.display()),
            String::new(),
            format!("model    {}", report.source.reference),
            format!("digest   {digest}"),
            format!("verdict  {}", report.verdict.word()),
            format!("ledger   {entries}"),
            "report digest (what you saw):".to_string(),
            format!("  {}", report.digest()),
            String::new(),
            "A SLSA verification summary and SHA256SUMS are signed with your reviewer key.".into(),
        ];
        let exists = out.exists();
        if exists {
            lines.push("The file exists and will be REPLACED.".into());
        }
        self.overlays.push(Overlay::Confirm(ConfirmDialog {
            title: "Export evidence".into(),
            lines,
            yes_label: if exists { "Replace".into() } else { "Sign and write".into() },
            yes_selected: false,
            effect: Effect::ExportEvidence { out },
        }));
        Vec::new()
    }
}

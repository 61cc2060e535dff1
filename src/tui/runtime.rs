//! The terminal side: set up and always restore the terminal (exit, panic,
//! Ctrl-C, SIGTERM), run the event loop and perform effects.
//!
//! Loop: `tokio::select!` with `biased;` and input first, then job events
//! (all queued ones drained), then a tick only while something is busy.
//! Redraws only when something changed, at most about 60 times a second.

use super::TuiArgs;
use super::app::{App, AppConfig};
use super::effect::Effect;
use super::job::{JobHandle, JobInput, JobMsg, RemoteSource};
use super::keymap::Keymap;
use super::theme::Theme;
use crate::cli::{Exit, fail};
use crate::oms::VerifyOptions;
use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use ratatui::DefaultTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Shortest interval between two frames.
const FRAME: Duration = Duration::from_millis(16);
/// Tick interval while a job runs or toasts are up.
const TICK: Duration = Duration::from_millis(250);

/// Everything resolved from the command line before the terminal is touched,
/// so configuration errors print normally and exit 2.
pub struct Launch {
    pub input: JobInput,
    pub config: AppConfig,
}

/// Resolves arguments: source (or the demo), trust, theme, keymap.
pub fn resolve(args: &TuiArgs) -> Result<Launch, String> {
    let theme = Theme::select(args.theme.as_deref(), std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()))
        .map_err(|e| format!("theme {e}"))?;
    let keymap = Keymap::load(args.keymap.as_deref()).map_err(|e| format!("keymap {e}"))?;
    let export_dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    // A missing default path is shown on the Ledger pane, not fatal here.
    let ledger_path = match &args.ledger {
        Some(p) => Some(p.clone()),
        None => crate::ledger::paths::default_ledger_path().ok(),
    };
    let config = |label: String| AppConfig { source_label: label, keymap, theme, read_only: args.read_only, export_dir, ledger_path };
    if let Some(reference) = args.source.as_deref().filter(|s| crate::cli::source::is_reference(s)) {
        crate::sources::parse(reference).map_err(|e| e.to_string())?;
        // Fetched in the job (with progress); options are rebuilt for the
        // fetched folder, so these only carry the trust for error checks.
        let resolve = args.source_flags.to_options()?;
        let options = args.flags.to_options(std::path::Path::new("."))?;
        let remote = RemoteSource { reference: reference.to_string(), resolve, flags: args.flags.clone() };
        return Ok(Launch { input: JobInput { options, remote: Some(remote) }, config: config(reference.to_string()) });
    }
    let (source, label, flags) = match &args.source {
        Some(s) => (PathBuf::from(s), s.clone(), args.flags.clone()),
        None => {
            let mut flags = args.flags.clone();
            if !flags.is_pinned() {
                flags.key = Some(crate::demo::demo_public_key());
            }
            (crate::demo::demo_model_dir(), "demo model (bundled, pinned to the demo key)".to_string(), flags)
        }
    };
    if let Err(e) = std::fs::metadata(&source) {
        return Err(format!("cannot open model {}: {e}", source.display()));
    }
    let mut options = flags.to_options(&source)?;
    options.reference = source.display().to_string();
    Ok(Launch { input: JobInput::local(options), config: config(label) })
}

/// Opens the workbench; returns the process exit code.
pub fn run(args: TuiArgs) -> Exit {
    let launch = match resolve(&args) {
        Ok(l) => l,
        Err(m) => return fail(Exit::Usage, m),
    };
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(Exit::Internal, format!("cannot start the async runtime: {e}")),
    };
    // ratatui::init installs a panic hook that restores the terminal first.
    let mut terminal = match ratatui::try_init() {
        Ok(t) => t,
        Err(e) => return fail(Exit::Usage, format!("cannot open the terminal: {e}")),
    };
    let result = rt.block_on(event_loop(&mut terminal, launch));
    ratatui::restore();
    match result {
        Ok(()) => Exit::Ok,
        Err(e) => fail(Exit::Internal, format!("terminal error: {e}")),
    }
}

struct Jobs {
    input: JobInput,
    tx: mpsc::UnboundedSender<JobMsg>,
    current: Option<JobHandle>,
    /// The options of the last fetched source (its local folder, pinned reference).
    fetched_options: Option<VerifyOptions>,
    /// The first resolution of a reference: what the reviewer opened
    /// (tag) and what it was pinned to, for the re-check before recording.
    first_resolved: Option<crate::sources::ResolvedSource>,
}

impl Jobs {
    /// The options the current report was made with.
    fn options(&self) -> VerifyOptions {
        self.fetched_options.clone().unwrap_or_else(|| self.input.options.clone())
    }

    /// Remembers a resolution; later jobs (re-hash) open the pinned
    /// reference, so they verify the same bytes even if the tag moves.
    fn resolved(&mut self, options: &VerifyOptions, source: &crate::sources::ResolvedSource) {
        self.fetched_options = Some(options.clone());
        if self.first_resolved.is_none() {
            self.first_resolved = Some(source.clone());
        }
        if let Some(remote) = self.input.remote.as_mut() {
            remote.reference = source.pinned_reference.clone();
        }
    }

    fn start(&mut self, generation: u64) -> Result<(), String> {
        self.current = None; // dropping cancels the previous job
        let handle = JobHandle::spawn(self.input.clone(), generation, std::sync::Arc::new(self.tx.clone()))
            .map_err(|e| format!("cannot start the verification thread: {e}"))?;
        self.current = Some(handle);
        Ok(())
    }

    fn cancel(&self) {
        if let Some(j) = &self.current {
            j.cancel.cancel();
        }
    }
}

async fn event_loop(terminal: &mut DefaultTerminal, launch: Launch) -> std::io::Result<()> {
    let mut app = App::new(launch.config);
    let size = terminal.size()?;
    app.resize(size.width, size.height);
    let (tx, mut rx) = mpsc::unbounded_channel::<JobMsg>();
    let mut jobs = Jobs { input: launch.input, tx, current: None, fetched_options: None, first_resolved: None };
    let (ltx, mut lrx) = mpsc::unbounded_channel::<LedgerMsg>();
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut signals = termination_signals()?;
    let mut pending = app.start();
    let mut dirty = true;
    let mut last_draw = Instant::now() - FRAME;
    loop {
        for effect in std::mem::take(&mut pending) {
            match effect {
                Effect::Quit => return Ok(()),
                Effect::StartVerify => {
                    if let Err(m) = jobs.start(app.generation) {
                        app.toast(super::overlays::ToastLevel::Error, m);
                    }
                }
                Effect::CancelJob => jobs.cancel(),
                Effect::ExportEvidence { out } => {
                    let report = app.model.report.clone();
                    let (options, ledger) = (jobs.options(), app.ledger_path.clone());
                    spawn_ledger(
                        move || LedgerMsg::Exported(super::ledger_ops::export_evidence(report.as_ref(), &options, ledger.as_deref(), &out)),
                        ltx.clone(),
                        &mut app,
                    );
                }
                // Ledger work (SQLite, verifying every entry, signing) runs on
                // its own thread so a busy or large ledger never stalls keys.
                Effect::LoadLedger => {
                    let (tx, path) = (ltx.clone(), app.ledger_path.clone());
                    spawn_ledger(move || LedgerMsg::Loaded(super::ledger_ops::load_for(path.as_deref())), tx, &mut app);
                }
                Effect::AppendReview { path, draft } => {
                    let (tx, shown) = (ltx.clone(), app.ledger_path.clone());
                    let recheck = jobs.first_resolved.clone().zip(jobs.input.remote.as_ref().map(|r| r.resolve.clone()));
                    spawn_ledger(
                        move || {
                            let result = match recheck {
                                Some((source, opts)) => crate::sources::ensure_unmoved(&source, &opts).map_err(|e| e.to_string()),
                                None => Ok(()),
                            }
                            .and_then(|()| super::ledger_ops::append(&path, &draft));
                            LedgerMsg::Appended(result, super::ledger_ops::load_for(shown.as_deref()))
                        },
                        tx,
                        &mut app,
                    );
                }
                Effect::Suspend => {
                    suspend(terminal)?;
                    let size = terminal.size()?;
                    app.resize(size.width, size.height);
                }
            }
            dirty = true;
        }
        if dirty && last_draw.elapsed() >= FRAME {
            terminal.draw(|f| f.render_widget(&app, f.area()))?;
            last_draw = Instant::now();
            dirty = false;
        }
        let next_frame = tokio::time::Instant::from_std(last_draw + FRAME);
        let busy = app.needs_tick();
        tokio::select! {
            biased;
            ev = events.next() => match ev {
                Some(Ok(Event::Key(key))) => {
                    pending.extend(app.handle_key(key));
                    dirty = true;
                }
                Some(Ok(Event::Resize(w, h))) => {
                    app.resize(w, h);
                    terminal.autoresize()?;
                    dirty = true;
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            },
            Some(msg) = rx.recv() => {
                for msg in std::iter::once(msg).chain(std::iter::from_fn(|| rx.try_recv().ok())) {
                    if let (true, super::job::JobEvent::Resolved { options, source }) = (msg.generation == app.generation, &msg.event) {
                        jobs.resolved(options, source);
                    }
                    app.on_job(msg);
                }
                dirty = true;
            }
            Some(msg) = lrx.recv() => {
                match msg {
                    LedgerMsg::Loaded(state) => app.ledger_loaded(state),
                    LedgerMsg::Appended(result, state) => {
                        app.review_done(result);
                        app.ledger_loaded(state);
                    }
                    LedgerMsg::Exported(result) => app.export_done(result),
                }
                dirty = true;
            }
            _ = tick.tick(), if busy => {
                app.tick(Instant::now());
                dirty = true;
            }
            _ = tokio::time::sleep_until(next_frame), if dirty => {}
            _ = signals.recv() => return Ok(()),
        }
    }
}

/// The outcome of ledger work done off the UI thread.
enum LedgerMsg {
    Loaded(super::ledger_ops::LedgerState),
    /// An append's result and the ledger reloaded after it.
    Appended(Result<u64, String>, super::ledger_ops::LedgerState),
    /// An evidence export's result (a summary line, or why it failed).
    Exported(Result<String, String>),
}

/// Runs `work` on a named thread and sends its result to the loop; a
/// failure to start the thread becomes a toast.
fn spawn_ledger(work: impl FnOnce() -> LedgerMsg + Send + 'static, tx: mpsc::UnboundedSender<LedgerMsg>, app: &mut App) {
    let started = std::thread::Builder::new().name("modelvet-ledger".into()).spawn(move || {
        // The loop has ended when this fails; nothing is waiting.
        let _ = tx.send(work());
    });
    if let Err(e) = started {
        app.toast(super::overlays::ToastLevel::Error, format!("cannot start the ledger thread: {e}"));
    }
}

/// SIGTERM, SIGHUP and SIGINT as a channel, so the loop ends normally and
/// the terminal is restored (in raw mode Ctrl-C arrives as a key instead).
#[cfg(unix)]
fn termination_signals() -> std::io::Result<mpsc::UnboundedReceiver<i32>> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT])?;
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::Builder::new().name("modelvet-signals".into()).spawn(move || {
        for sig in signals.forever() {
            if tx.send(sig).is_err() {
                break;
            }
        }
    })?;
    Ok(rx)
}

#[cfg(not(unix))]
fn termination_signals() -> std::io::Result<mpsc::UnboundedReceiver<i32>> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::mem::forget(tx); // never fires
    Ok(rx)
}

/// Ctrl-Z: give the terminal back, stop, and take it again on `fg`.
fn suspend(terminal: &mut DefaultTerminal) -> std::io::Result<()> {
    ratatui::restore();
    #[cfg(unix)]
    signal_hook::low_level::raise(signal_hook::consts::SIGTSTP)?;
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(std::io::stdout(), crossterm::terminal::EnterAlternateScreen)?;
    terminal.clear()
}

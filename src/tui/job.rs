//! The background verification job: prepare (read the signature, list the
//! model), then hash with progress, then the final report. It talks to the
//! UI only through [`JobMsg`]s on a channel, tagged with a generation so a
//! restarted job's stale messages are dropped. The UI thread never blocks
//! on it.

use crate::hashing::{CancelFlag, HashObserver, ItemResult, Progress};
use crate::oms::bundle::{Material, parse_bundle};
use crate::oms::{VerifyOptions, prepare};
use crate::report::{FileEntry, VerificationReport};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What the signature file itself says, for the Signature pane: the parts
/// of the bundle the report does not carry.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvelopeView {
    /// The signature file, relative to the model directory when inside it.
    pub path: String,
    pub media_type: String,
    pub payload_type: String,
    /// (keyid, signature length in bytes) per DSSE signature.
    pub signatures: Vec<(Option<String>, usize)>,
    /// Number of certificates in the verification material.
    pub certificate_count: usize,
    /// The decoded in-toto statement, when the payload is JSON.
    pub statement: Option<serde_json::Value>,
    /// Why the bundle could not be read, when it could not.
    pub error: Option<String>,
}

impl EnvelopeView {
    /// Reads what the bundle says; never fails (a broken bundle is shown as such).
    pub fn read(path: String, bytes: &[u8]) -> EnvelopeView {
        match parse_bundle(bytes) {
            Ok(b) => EnvelopeView {
                path,
                media_type: b.media_type.clone(),
                payload_type: b.envelope.payload_type.clone(),
                signatures: b.envelope.signatures.iter().map(|s| (s.keyid.clone(), s.sig.len())).collect(),
                certificate_count: match &b.material {
                    Material::CertificateChain(c) => c.len(),
                    Material::Sigstore { .. } => 1,
                    _ => 0,
                },
                statement: serde_json::from_slice(&b.envelope.payload).ok(),
                error: None,
            },
            Err(e) => EnvelopeView {
                path,
                media_type: String::new(),
                payload_type: String::new(),
                signatures: Vec::new(),
                certificate_count: 0,
                statement: None,
                error: Some(e.to_string()),
            },
        }
    }
}

/// One message from a job to the UI.
#[derive(Debug, Clone)]
pub enum JobEvent {
    /// The signature is read and the model listed: the table before hashing.
    Prepared { report: Box<VerificationReport>, files: Vec<FileEntry>, envelope: Option<Box<EnvelopeView>> },
    Progress(Progress),
    /// Items finished since the last message (batched, in finishing order).
    Items(Vec<ItemResult>),
    Finished { report: Box<VerificationReport>, elapsed: Duration },
    /// The input could not be opened (the job ends).
    Failed(String),
    /// Licence and lineage analysis of the verified model (sent right after
    /// `Finished`; cheap, so it shares the job's thread).
    Metadata(Box<crate::meta::MetadataReport>),
    /// A registry or Hub download in progress (before `Prepared`).
    Fetching(crate::sources::FetchProgress),
    /// A reference was resolved and fetched: the pinned form, the options
    /// the verification runs with, and the source (for re-checks and export).
    Resolved { options: Box<VerifyOptions>, source: Box<crate::sources::ResolvedSource> },
}

/// What a job verifies: a local model, or a reference that is resolved and
/// fetched first (with download progress) and then verified like one.
#[derive(Debug, Clone)]
pub struct JobInput {
    /// The options for a local model; for a reference, replaced by options
    /// built from `remote.flags` once the model is fetched.
    pub options: VerifyOptions,
    pub remote: Option<RemoteSource>,
}

impl JobInput {
    /// A local model.
    pub fn local(options: VerifyOptions) -> Self {
        JobInput { options, remote: None }
    }
}

/// A reference to resolve before verifying.
#[derive(Debug, Clone)]
pub struct RemoteSource {
    pub reference: String,
    pub resolve: crate::sources::ResolveOptions,
    pub flags: crate::cli::verify::VerifyFlags,
}

/// Forwards download progress to the UI.
struct FetchForwarder {
    sink: std::sync::Arc<dyn JobSink>,
    generation: u64,
}

impl crate::sources::FetchObserver for FetchForwarder {
    fn progress(&self, p: &crate::sources::FetchProgress) {
        self.sink.send(JobMsg { generation: self.generation, event: JobEvent::Fetching(p.clone()) });
    }
}

/// Resolves and fetches a reference, then verifies the fetched model;
/// the report records the pinned reference and the signatures found.
pub fn run_job(input: &JobInput, generation: u64, cancel: &CancelFlag, sink: std::sync::Arc<dyn JobSink>) {
    let Some(remote) = &input.remote else {
        return run_verification(&input.options, generation, cancel, sink.as_ref());
    };
    let send = |event| sink.send(JobMsg { generation, event });
    let mut resolve = remote.resolve.clone();
    resolve.observer = std::sync::Arc::new(FetchForwarder { sink: sink.clone(), generation });
    let resolved = match crate::sources::resolve(&remote.reference, &resolve) {
        Ok(r) => r,
        Err(e) => return send(JobEvent::Failed(format!("{}: {e}", remote.reference))),
    };
    let (options, used) = match crate::cli::source::options_for(&resolved, &remote.flags) {
        Ok(o) => o,
        Err(e) => return send(JobEvent::Failed(e)),
    };
    send(JobEvent::Resolved { options: Box::new(options.clone()), source: Box::new(resolved.clone()) });
    let annotate = |report: &mut VerificationReport| {
        crate::sources::annotate::annotate(report, &resolved, Some(&used), &options);
    };
    verify_then(&options, generation, cancel, sink.as_ref(), &annotate);
}

/// A job message tagged with the job's generation.
#[derive(Debug, Clone)]
pub struct JobMsg {
    pub generation: u64,
    pub event: JobEvent,
}

/// Where a job sends its messages; implemented for tokio and std channels
/// so tests can run jobs without a runtime.
pub trait JobSink: Send + Sync {
    fn send(&self, msg: JobMsg);
}

impl JobSink for tokio::sync::mpsc::UnboundedSender<JobMsg> {
    fn send(&self, msg: JobMsg) {
        // The UI has gone away when this fails; the job's work is moot.
        let _ = tokio::sync::mpsc::UnboundedSender::send(self, msg);
    }
}

impl JobSink for std::sync::mpsc::Sender<JobMsg> {
    fn send(&self, msg: JobMsg) {
        let _ = std::sync::mpsc::Sender::send(self, msg);
    }
}

/// Forwards engine callbacks: progress as the engine throttles it (about
/// every 50 ms), finished items batched with it.
struct ChannelObserver<'a> {
    sink: &'a dyn JobSink,
    generation: u64,
    items: Mutex<Vec<ItemResult>>,
}

impl ChannelObserver<'_> {
    fn flush(&self) {
        let batch = match self.items.lock() {
            Ok(mut items) => std::mem::take(&mut *items),
            Err(_) => return,
        };
        if !batch.is_empty() {
            self.sink.send(JobMsg { generation: self.generation, event: JobEvent::Items(batch) });
        }
    }
}

impl HashObserver for ChannelObserver<'_> {
    fn progress(&self, p: &Progress) {
        self.flush();
        self.sink.send(JobMsg { generation: self.generation, event: JobEvent::Progress(p.clone()) });
    }

    fn item_done(&self, item: &ItemResult) {
        if let Ok(mut items) = self.items.lock() {
            items.push(item.clone());
        }
    }
}

/// Runs a whole verification on the calling thread, reporting to `sink`.
pub fn run_verification(opts: &VerifyOptions, generation: u64, cancel: &CancelFlag, sink: &dyn JobSink) {
    verify_then(opts, generation, cancel, sink, &|_| {});
}

/// [`run_verification`], with `finish` applied to the final report.
fn verify_then(
    opts: &VerifyOptions,
    generation: u64,
    cancel: &CancelFlag,
    sink: &dyn JobSink,
    finish: &dyn Fn(&mut VerificationReport),
) {
    let started = Instant::now();
    let send = |event| sink.send(JobMsg { generation, event });
    let prepared = match prepare(opts) {
        Ok(p) => p,
        Err(e) => return send(JobEvent::Failed(e.to_string())),
    };
    let envelope = prepared
        .report()
        .source
        .signature
        .as_ref()
        .and_then(|p| {
            let shown = std::path::Path::new(p)
                .strip_prefix(&opts.model)
                .map(|r| r.display().to_string())
                .unwrap_or_else(|_| p.clone());
            std::fs::read(p).ok().map(|bytes| Box::new(EnvelopeView::read(shown, &bytes)))
        });
    send(JobEvent::Prepared { report: Box::new(prepared.report().clone()), files: prepared.pending_files(), envelope });
    let observer = ChannelObserver { sink, generation, items: Mutex::new(Vec::new()) };
    let mut report = prepared.run(&observer, cancel);
    finish(&mut report);
    observer.flush();
    let elapsed = started.elapsed();
    let meta = crate::meta::analyze_with(&opts.model, &report, &crate::meta::Policy::default(), &crate::meta::AnalyzeOptions::default());
    send(JobEvent::Finished { report: Box::new(report), elapsed });
    send(JobEvent::Metadata(Box::new(meta)));
}

/// A running job: its cancel flag and generation.
#[derive(Debug)]
pub struct JobHandle {
    pub generation: u64,
    pub cancel: CancelFlag,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl JobHandle {
    /// Starts a verification on its own thread (hashing fans out to rayon).
    pub fn spawn(input: JobInput, generation: u64, sink: std::sync::Arc<dyn JobSink>) -> std::io::Result<JobHandle> {
        let cancel = CancelFlag::new();
        let flag = cancel.clone();
        let thread = std::thread::Builder::new()
            .name("modelvet-verify".into())
            .spawn(move || run_job(&input, generation, &flag, sink))?;
        Ok(JobHandle { generation, cancel, thread: Some(thread) })
    }

    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| t.is_finished())
    }
}

impl Drop for JobHandle {
    /// Cancels; the thread winds down on its own (hashing checks the flag
    /// between windows), so quitting never waits for a large model.
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

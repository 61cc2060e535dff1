//! What the workbench knows about the model under review: the report as it
//! grows (prepared → hashing → final), the signature envelope, progress.
//! Only job events change it; panes read it.

use super::job::{EnvelopeView, JobEvent};
use crate::hashing::{ItemResult, Progress};
use crate::report::{FileCounts, FileEntry, FileStatus, VerificationReport};
use std::collections::HashMap;
use std::time::Duration;

/// Where the verification job is.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// Reading the signature and listing files.
    Preparing,
    /// Hashing; statuses update live and are provisional.
    Hashing,
    /// The final report is in.
    Done { elapsed: Duration, cancelled: bool },
    /// The model or signature could not be opened.
    Failed(String),
}

/// The model under review.
#[derive(Debug, Clone)]
pub struct ModelData {
    /// What to call the model on screen (the SOURCE as typed).
    pub source_label: String,
    pub phase: Phase,
    /// `None` until the job has prepared; then provisional until `Done`.
    pub report: Option<VerificationReport>,
    pub envelope: Option<EnvelopeView>,
    pub progress: Option<Progress>,
    /// Licence/lineage analysis; `None` until verification has finished.
    pub meta: Option<crate::meta::MetadataReport>,
    /// The latest download progress of a registry or Hub source.
    pub fetch: Option<crate::sources::FetchProgress>,
    /// The digest-pinned reference a registry or Hub source resolved to.
    pub pinned: Option<String>,
    index: HashMap<String, usize>,
}

impl ModelData {
    pub fn new(source_label: impl Into<String>) -> Self {
        ModelData {
            source_label: source_label.into(),
            phase: Phase::Preparing,
            report: None,
            envelope: None,
            progress: None,
            meta: None,
            fetch: None,
            pinned: None,
            index: HashMap::new(),
        }
    }

    /// A model whose final report is already known (tests, other front ends).
    pub fn from_report(source_label: impl Into<String>, report: VerificationReport, envelope: Option<EnvelopeView>) -> Self {
        let mut m = ModelData::new(source_label);
        m.envelope = envelope;
        m.apply(JobEvent::Finished { report: Box::new(report), elapsed: Duration::ZERO });
        m
    }

    pub fn files(&self) -> &[FileEntry] {
        self.report.as_ref().map(|r| r.files.as_slice()).unwrap_or(&[])
    }

    pub fn is_final(&self) -> bool {
        matches!(self.phase, Phase::Done { .. })
    }

    pub fn is_busy(&self) -> bool {
        matches!(self.phase, Phase::Preparing | Phase::Hashing)
    }

    fn reindex(&mut self) {
        self.index = self.files().iter().enumerate().map(|(i, f)| (f.path.clone(), i)).collect();
    }

    /// Folds one job event into the model.
    pub fn apply(&mut self, event: JobEvent) {
        match event {
            JobEvent::Prepared { report, files, envelope } => {
                self.fetch = None;
                let mut report = *report;
                report.counts = FileCounts::from_files(&files);
                report.files = files;
                self.report = Some(report);
                self.envelope = envelope.map(|e| *e);
                self.phase = Phase::Hashing;
                self.reindex();
            }
            JobEvent::Progress(p) => self.progress = Some(p),
            JobEvent::Items(items) => {
                for item in &items {
                    self.apply_item(item);
                }
                if let Some(r) = self.report.as_mut() {
                    r.counts = FileCounts::from_files(&r.files);
                }
            }
            JobEvent::Finished { report, elapsed } => {
                let cancelled = report.files.iter().any(|f| f.detail.as_deref() == Some("cancelled"));
                if let Some(p) = self.progress.as_mut() {
                    p.elapsed = elapsed;
                    p.current = None;
                }
                self.report = Some(*report);
                self.phase = Phase::Done { elapsed, cancelled };
                self.reindex();
            }
            JobEvent::Failed(msg) => self.phase = Phase::Failed(msg),
            // Only about a final report: licences read from unverified files are not evidence.
            JobEvent::Metadata(m) if self.is_final() => self.meta = Some(*m),
            JobEvent::Metadata(_) => {}
            JobEvent::Fetching(p) => self.fetch = Some(p),
            JobEvent::Resolved { source, .. } => {
                self.fetch = None;
                self.pinned = Some(source.pinned_reference);
            }
        }
    }

    /// A provisional status for a whole-file item; sharded files stay
    /// pending until the final report compares every shard.
    fn apply_item(&mut self, item: &ItemResult) {
        let Some(&i) = self.index.get(&item.path) else { return };
        let Some(report) = self.report.as_mut() else { return };
        let signed = report.manifest.is_some();
        let f = &mut report.files[i];
        if item.name != item.path || f.algorithm.as_deref().is_some_and(|a| a.contains("shard")) {
            return;
        }
        match &item.digest {
            Err(e) => {
                f.status = FileStatus::Error;
                f.detail = Some(e.clone());
            }
            Ok(d) => {
                f.actual = Some(d.clone());
                f.status = match &f.expected {
                    Some(e) if e == d && f.algorithm.as_deref() == Some(item.algorithm.as_str()) => FileStatus::Verified,
                    Some(_) => FileStatus::Modified,
                    None => {
                        f.algorithm.get_or_insert_with(|| item.algorithm.clone());
                        f.detail = Some(if signed { "present but not covered by the signature" } else { "model is not signed" }.into());
                        FileStatus::UnsignedExtra
                    }
                };
            }
        }
    }
}

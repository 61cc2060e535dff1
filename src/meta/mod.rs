//! Licences and lineage: reads the metadata documents that ship with a
//! model (SPDX 2.2/2.3 JSON and tag-value, SPDX 3.0.x JSON-LD, CycloneDX
//! 1.5/1.6 ML-BOM, Hugging Face model and dataset cards, LICENSE/NOTICE
//! files, the `model-manifest.json` provenance shape, in-toto/SLSA
//! statements, safetensors/GGUF headers), joins them into one component
//! graph, and reports findings with their evidence. Every claim says which
//! document made it and whether a verified signature covers that document.
//!
//! Entry point: [`analyze`] (or [`analyze_with`]) → [`MetadataReport`];
//! [`view`] derives what the Licenses and Lineage panes draw.
//! UI-free: no terminal or CLI code here.

pub mod analyze;
pub mod catalog;
pub mod discover;
pub mod findings;
pub mod license;
pub mod model;
pub mod policy;
pub mod read;
pub mod render;
pub mod view;

pub use analyze::AnalyzeOptions;
pub use model::*;
pub use policy::{Policy, PolicyError};

use crate::report::VerificationReport;
use std::path::Path;

/// Analyses the model at `model_root` (a directory or a single file) with
/// default options.
pub fn analyze(model_root: &Path, report: &VerificationReport, policy: &Policy) -> MetadataReport {
    analyze_with(model_root, report, policy, &AnalyzeOptions::default())
}

/// Analyses with options (local card mirrors for base models and datasets).
pub fn analyze_with(model_root: &Path, report: &VerificationReport, policy: &Policy, opts: &AnalyzeOptions) -> MetadataReport {
    let (loaded, warnings) = analyze::load_all(model_root, report, opts);
    let mut texts = findings::Texts::default();
    for l in loaded.iter().filter(|l| l.doc.coverage != Coverage::OutsideModel || model_root.is_file()) {
        let path = model_root.join(&l.doc.path);
        let abs = if model_root.is_file() { std::path::PathBuf::from(&l.doc.path) } else { path };
        match l.doc.format {
            DocFormat::HfModelCard | DocFormat::HfDatasetCard => texts.card_bodies.extend(l.extract.body.clone()),
            DocFormat::LicenseText | DocFormat::NoticeText => {
                if let Ok(b) = std::fs::read(&abs) {
                    let t = String::from_utf8_lossy(&b).into_owned();
                    if l.doc.format == DocFormat::NoticeText {
                        texts.notice_files.push((l.doc.path.clone(), t));
                    } else {
                        texts.license_files.push((l.doc.path.clone(), t));
                    }
                }
            }
            _ => {}
        }
    }
    let mut r = analyze::build(model_root, loaded, warnings);
    if let Some(e) = &catalog::Catalog::get().error {
        r.warnings.push(e.clone());
    }
    add_catalog_claims(&mut r);
    r.findings = findings::evaluate(&r, report, policy, &texts);
    r.policy = policy.describe();
    r
}

/// Base models with no licence claim from any document, whose Hub id our
/// catalog knows, get a claim labelled `catalog` (never `declared`).
fn add_catalog_claims(r: &mut MetadataReport) {
    let cat = catalog::Catalog::get();
    for c in r.components.iter_mut().filter(|c| c.kind == ComponentKind::Model && !c.is_root && c.licenses.is_empty()) {
        let Some((hf, t)) = c.identity.hf_ids.iter().find_map(|h| cat.for_repo(h).map(|t| (h.clone(), t))) else { continue };
        c.licenses.push(LicenseClaim {
            value: LicenseValue::Expression { expression: t.id.clone(), ids: vec![t.id.clone()], conjunctive: true },
            kind: ClaimKind::Catalog,
            evidence: Evidence { doc: None, locator: format!("catalog: repositories {}", t.base_repos.join(", ")), raw: hf.clone() },
            note: Some(format!("{hf} is published under the {} according to modelvet's catalog; no document here states it", t.name)),
            signed: false,
        });
        if !r.custom_licenses.iter().any(|x| x.id == t.id) {
            r.custom_licenses.push(CustomLicense {
                id: t.id.clone(),
                names: vec![t.id.clone(), t.name.clone()],
                urls: t.url.iter().cloned().collect(),
                text_sha256: None,
                text_excerpt: None,
                catalog: Some(t.id.clone()),
                inferred: Vec::new(),
                evidence: Vec::new(),
            });
        }
    }
}

impl MetadataReport {
    /// Whether any finding is at the error severity (`conflict`).
    pub fn has_conflicts(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Conflict)
    }

    pub fn license_rows(&self) -> Vec<view::LicenseRow> {
        view::license_rows(self)
    }

    pub fn lineage_tree(&self) -> Option<view::LineageNode> {
        view::lineage_tree(self)
    }
}

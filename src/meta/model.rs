//! The normalized metadata model every reader feeds and every face reads.
//!
//! Every licence or lineage fact is a *claim*: it keeps the document that
//! made it, where in that document, and whether that document is covered by
//! a verified signature. Disagreements stay visible: components are matched
//! across documents, claims are never merged away.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const METADATA_SCHEMA: &str = "https://modelvet.dev/metadata-report/v1";

/// Index of a document in [`MetadataReport::documents`].
pub type DocId = usize;
/// Index of a component in [`MetadataReport::components`].
pub type ComponentId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocFormat {
    Spdx2Json,
    Spdx2TagValue,
    Spdx3JsonLd,
    CycloneDx,
    HfModelCard,
    HfDatasetCard,
    ProvenanceManifest,
    InToto,
    LicenseText,
    NoticeText,
    Safetensors,
    Gguf,
}

impl DocFormat {
    pub fn label(self) -> &'static str {
        match self {
            DocFormat::Spdx2Json => "SPDX 2 JSON",
            DocFormat::Spdx2TagValue => "SPDX 2 tag-value",
            DocFormat::Spdx3JsonLd => "SPDX 3 JSON-LD",
            DocFormat::CycloneDx => "CycloneDX",
            DocFormat::HfModelCard => "model card",
            DocFormat::HfDatasetCard => "dataset card",
            DocFormat::ProvenanceManifest => "provenance manifest",
            DocFormat::InToto => "in-toto statement",
            DocFormat::LicenseText => "licence file",
            DocFormat::NoticeText => "notice file",
            DocFormat::Safetensors => "safetensors header",
            DocFormat::Gguf => "GGUF header",
        }
    }
}

/// Whether a document is covered by the model's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum Coverage {
    /// The file's hash matches a signed manifest and the verdict is `verified`.
    Covered,
    /// The file is in the signed manifest, but the signer was not pinned.
    SignedUnpinned,
    /// A signature exists but does not vouch for this file.
    NotCovered { reason: String },
    /// The model has no signature.
    NoSignature,
    /// The document lies outside the model directory (beside the signature, or a card mirror).
    OutsideModel,
}

impl Coverage {
    pub fn is_covered(&self) -> bool {
        matches!(self, Coverage::Covered)
    }

    pub fn describe(&self) -> String {
        match self {
            Coverage::Covered => "signed (verified)".into(),
            Coverage::SignedUnpinned => "signed but signer unpinned".into(),
            Coverage::NotCovered { reason } => format!("not signed: {reason}"),
            Coverage::NoSignature => "not signed (no signature)".into(),
            Coverage::OutsideModel => "not signed (outside the model)".into(),
        }
    }

    /// A one-character marker for panes: ✓ covered, ~ signed but unpinned, ✗ otherwise.
    pub fn marker(&self) -> &'static str {
        match self {
            Coverage::Covered => "✓",
            Coverage::SignedUnpinned => "~",
            _ => "✗",
        }
    }
}

/// One input document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceDoc {
    /// Path relative to the model root (POSIX), or as found outside it.
    pub path: String,
    pub format: DocFormat,
    /// `sha256:<hex>` of the bytes read.
    pub sha256: Option<String>,
    pub size: u64,
    /// Spec version when the format has one (`SPDX-2.3`, `3.0.1`, `1.6`, predicate type).
    pub version: Option<String>,
    pub coverage: Coverage,
    /// What went wrong or was skipped while reading this document.
    pub warnings: Vec<String>,
}

/// Where in a document a claim was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The document, or `None` for facts from our own catalog.
    pub doc: Option<DocId>,
    /// JSON pointer, YAML key path, tag name or line, e.g. `/packages/0/licenseDeclared`.
    pub locator: String,
    /// The value as written.
    pub raw: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ComponentKind {
    Model,
    Dataset,
    File,
    Container,
    Source,
    Other,
}

impl ComponentKind {
    pub fn word(self) -> &'static str {
        match self {
            ComponentKind::Model => "model",
            ComponentKind::Dataset => "dataset",
            ComponentKind::File => "file",
            ComponentKind::Container => "container",
            ComponentKind::Source => "source",
            ComponentKind::Other => "other",
        }
    }
}

/// How a component is identified; used to match it across documents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// Algorithm (lowercase, e.g. `sha256`, `sha1`) → lowercase hex. Several
    /// values for one algorithm mean documents disagree.
    pub digests: BTreeMap<String, Vec<String>>,
    /// purls as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub purls: Vec<String>,
    /// Hugging Face ids (`org/name`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hf_ids: Vec<String>,
    /// Document-local ids: SPDXRef-…, spdxId IRIs, bom-refs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClaimKind {
    /// What the publisher says (SPDX licenseDeclared, CycloneDX `declared`, card `license`).
    Declared,
    /// What the document's author concluded after analysis.
    Concluded,
    /// Found inside files (SPDX licenseInfoFromFiles / licenseInfoInFiles).
    InFile,
    /// Found by reading a licence or notice file (a reference, not a full-text match).
    Detected,
    /// From our catalog, not from any document (e.g. a well-known base model's terms).
    Catalog,
}

impl ClaimKind {
    pub fn word(self) -> &'static str {
        match self {
            ClaimKind::Declared => "declared",
            ClaimKind::Concluded => "concluded",
            ClaimKind::InFile => "in files",
            ClaimKind::Detected => "detected",
            ClaimKind::Catalog => "catalog",
        }
    }
}

/// A licence value after parsing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum LicenseValue {
    /// A valid SPDX expression (LicenseRef-… allowed), in canonical form.
    Expression {
        expression: String,
        /// Every licence id in it (SPDX ids and LicenseRef-…).
        ids: Vec<String>,
        /// Only AND (or a single id): every listed licence applies.
        conjunctive: bool,
    },
    /// SPDX `NOASSERTION`: nobody said.
    NoAssertion,
    /// SPDX `NONE`: no licence, which is not permissive.
    None,
    /// Could not be understood (a bad expression, an ambiguous family, HF `unknown`).
    Unknown { raw: String, reason: String },
}

impl LicenseValue {
    pub fn display(&self) -> String {
        match self {
            LicenseValue::Expression { expression, .. } => expression.clone(),
            LicenseValue::NoAssertion => "NOASSERTION".into(),
            LicenseValue::None => "NONE".into(),
            LicenseValue::Unknown { raw, .. } => format!("unknown ({raw})"),
        }
    }

    pub fn ids(&self) -> &[String] {
        match self {
            LicenseValue::Expression { ids, .. } => ids,
            _ => &[],
        }
    }

    pub fn is_known(&self) -> bool {
        matches!(self, LicenseValue::Expression { .. })
    }
}

/// One licence claim about a component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseClaim {
    pub value: LicenseValue,
    pub kind: ClaimKind,
    pub evidence: Evidence,
    /// How the raw value became `value`, when it was not a plain SPDX expression
    /// (e.g. "Hugging Face id `apache-2.0` mapped to Apache-2.0").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Copied from the document's coverage, so panes need not look it up.
    pub signed: bool,
}

/// A licence that is not on the SPDX list, as seen across documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomLicense {
    /// The `LicenseRef-…` id used in expressions in this report.
    pub id: String,
    /// Every id and name it was seen under.
    pub names: Vec<String>,
    pub urls: Vec<String>,
    /// `sha256:<hex>` of its text, when a document carries the text.
    pub text_sha256: Option<String>,
    /// The first 2,000 characters of its text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_excerpt: Option<String>,
    /// Catalog key, when this is a known vendor licence.
    pub catalog: Option<String>,
    /// Attributes guessed from the text (e.g. `evaluation-only`), labelled as inferred.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inferred: Vec<String>,
    /// Where it was defined or named.
    pub evidence: Vec<Evidence>,
}

/// Facts about a dataset component.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetFacts {
    pub intended_use: Option<String>,
    pub availability: Option<String>,
    pub sensitive_personal_information: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub known_bias: Vec<String>,
    pub size_bytes: Option<u64>,
}

/// A thing the documents talk about: the model, its files, base models,
/// datasets, containers, source commits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Component {
    pub id: ComponentId,
    pub kind: ComponentKind,
    /// Best display name (a Hugging Face id when known).
    pub name: String,
    /// Every name documents used for it.
    pub names: Vec<String>,
    pub versions: Vec<String>,
    pub identity: Identity,
    /// True for the model being vetted.
    pub is_root: bool,
    /// For files: the model-relative path.
    pub path: Option<String>,
    pub licenses: Vec<LicenseClaim>,
    pub dataset: Option<DatasetFacts>,
    /// The documents that mention it.
    pub mentioned_in: Vec<DocId>,
    /// How the documents' views of it were matched: `digest`, `purl`, `hf-id`, `name` (weak), `subject`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matched_by: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    FineTunedFrom,
    AdapterOf,
    QuantizedFrom,
    MergedFrom,
    DistilledFrom,
    /// A derivative whose kind of derivation no document states.
    DerivedFrom,
    TrainedOn,
    TestedOn,
    /// Used for training or evaluation; the document does not say which (CycloneDX `datasets[]`).
    TrainedOrTestedOn,
    /// Dataset built from another dataset.
    DatasetDerivedFrom,
    BuiltWith,
    BuiltFromSource,
    Contains,
}

impl EdgeKind {
    pub fn word(self) -> &'static str {
        match self {
            EdgeKind::FineTunedFrom => "fine_tuned_from",
            EdgeKind::AdapterOf => "adapter_of",
            EdgeKind::QuantizedFrom => "quantized_from",
            EdgeKind::MergedFrom => "merged_from",
            EdgeKind::DistilledFrom => "distilled_from",
            EdgeKind::DerivedFrom => "derived_from",
            EdgeKind::TrainedOn => "trained_on",
            EdgeKind::TestedOn => "tested_on",
            EdgeKind::TrainedOrTestedOn => "trained_or_tested_on",
            EdgeKind::DatasetDerivedFrom => "derived_from",
            EdgeKind::BuiltWith => "built_with",
            EdgeKind::BuiltFromSource => "built_from_source",
            EdgeKind::Contains => "contains",
        }
    }

    /// Model-to-model derivation (the "base chain").
    pub fn is_derivation(self) -> bool {
        matches!(
            self,
            EdgeKind::FineTunedFrom
                | EdgeKind::AdapterOf
                | EdgeKind::QuantizedFrom
                | EdgeKind::MergedFrom
                | EdgeKind::DistilledFrom
                | EdgeKind::DerivedFrom
        )
    }

    /// Derivation kinds that say how (more specific than `DerivedFrom`).
    pub fn is_specific_derivation(self) -> bool {
        self.is_derivation() && self != EdgeKind::DerivedFrom
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    /// The document says so in a field made for it.
    Stated,
    /// Read from a field that does not quite say it (SPDX 2 GENERATED_FROM, build inputs, a comment).
    Inferred,
}

/// One document's support for an edge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgeClaim {
    pub evidence: Evidence,
    /// The edge kind as this document states it (may be less specific than the edge).
    pub stated_kind: EdgeKind,
    pub confidence: Confidence,
    pub signed: bool,
}

/// A lineage edge: `from` (the derived thing) came from / used `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineageEdge {
    pub from: ComponentId,
    pub to: ComponentId,
    pub kind: EdgeKind,
    pub claims: Vec<EdgeClaim>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Info,
    /// The tool cannot decide: a person must look.
    Review,
    /// An obligation is unmet or needs action.
    Warn,
    /// A blocking problem (the error severity).
    Conflict,
}

impl Severity {
    pub fn word(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Review => "review",
            Severity::Warn => "warn",
            Severity::Conflict => "conflict",
        }
    }
}

/// A finding: evidence-backed, never a legal conclusion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable rule id, e.g. `LIC-NC-DATA`.
    pub rule: String,
    pub severity: Severity,
    /// The component it is about, if any.
    pub subject: Option<ComponentId>,
    /// The lineage path that led here (model → base → dataset).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<ComponentId>,
    pub message: String,
    /// Why, in plain words: the facts the rule used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// Set when a policy file changed the severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_note: Option<String>,
}

/// Everything the licence and lineage analysis found for one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetadataReport {
    pub schema: String,
    /// The model root that was analysed.
    pub root: String,
    /// The component that is the model being vetted.
    pub model: Option<ComponentId>,
    pub documents: Vec<SourceDoc>,
    pub components: Vec<Component>,
    pub custom_licenses: Vec<CustomLicense>,
    pub edges: Vec<LineageEdge>,
    pub findings: Vec<Finding>,
    /// Problems that are not about one document.
    pub warnings: Vec<String>,
    /// The policy that was applied (its file, or `built-in defaults`).
    pub policy: String,
}

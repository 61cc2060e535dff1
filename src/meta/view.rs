//! What the Licenses and Lineage panes (and the markdown report) draw,
//! derived from a [`MetadataReport`]: one row per component with its
//! effective licence, flags and claims; a lineage tree from the model to
//! its base models and datasets.

use super::catalog::{Catalog, Commercial};
use super::model::*;
use serde::{Deserialize, Serialize};

/// Claim precedence for the effective licence: concluded > declared > in
/// files > detected > catalog; among equals, signed documents first.
fn rank(c: &LicenseClaim) -> (u8, u8, u8) {
    let k = match c.kind {
        ClaimKind::Concluded => 0,
        ClaimKind::Declared => 1,
        ClaimKind::InFile => 2,
        ClaimKind::Detected => 3,
        ClaimKind::Catalog => 4,
    };
    let known = if c.value.is_known() { 0 } else { 1 };
    (known, k, if c.signed { 0 } else { 1 })
}

/// The claim the analysis treats as the component's licence, if any.
/// A NOASSERTION concluded value falls back to a declared expression.
pub fn effective(c: &Component) -> Option<&LicenseClaim> {
    c.licenses.iter().min_by_key(|l| rank(l))
}

/// The display string for a claim value, with custom ids resolved to names.
pub fn license_label(r: &MetadataReport, v: &LicenseValue) -> String {
    let mut s = v.display();
    for id in v.ids() {
        if let Some(cl) = r.custom_licenses.iter().find(|c| c.names.contains(id))
            && let Some(n) = cl.names.iter().find(|n| !n.starts_with("LicenseRef-")) {
                s = s.replace(id.as_str(), &format!("{id} ({n})"));
            }
    }
    s
}

/// Canonical id for comparison: custom ids that denote one licence map to one id.
pub fn canonical_id(r: &MetadataReport, id: &str) -> String {
    r.custom_licenses.iter().find(|c| c.names.iter().any(|n| n == id)).map(|c| c.id.clone()).unwrap_or_else(|| id.to_string())
}

/// A comparable form of a value: sorted canonical ids for AND-only
/// expressions, the canonical text otherwise.
pub fn comparable(r: &MetadataReport, v: &LicenseValue) -> String {
    match v {
        LicenseValue::Expression { ids, conjunctive: true, .. } => {
            let mut c: Vec<String> = ids.iter().map(|i| canonical_id(r, i)).collect();
            c.sort();
            c.dedup();
            c.join(" AND ")
        }
        LicenseValue::Expression { expression, ids, .. } => {
            let mut e = expression.clone();
            for i in ids {
                e = e.replace(i.as_str(), &canonical_id(r, i));
            }
            e
        }
        other => other.display(),
    }
}

/// Flags a reviewer scans for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LicenseFlag {
    NonCommercial,
    CommercialConditional,
    NoDerivatives,
    ShareAlike,
    Attribution,
    FieldOfUse,
    EvaluationOnly,
    Custom,
    Unknown,
    NoAssertion,
    Disagreement,
    Unsigned,
}

impl LicenseFlag {
    pub fn word(self) -> &'static str {
        match self {
            LicenseFlag::NonCommercial => "non-commercial",
            LicenseFlag::CommercialConditional => "commercial-conditional",
            LicenseFlag::NoDerivatives => "no-derivatives",
            LicenseFlag::ShareAlike => "share-alike",
            LicenseFlag::Attribution => "attribution",
            LicenseFlag::FieldOfUse => "field-of-use",
            LicenseFlag::EvaluationOnly => "evaluation-only",
            LicenseFlag::Custom => "custom",
            LicenseFlag::Unknown => "unknown",
            LicenseFlag::NoAssertion => "noassertion",
            LicenseFlag::Disagreement => "documents-disagree",
            LicenseFlag::Unsigned => "unsigned",
        }
    }
}

/// Commercial use over the ids of a value (AND: the most restrictive;
/// OR: the most permissive choice).
pub fn commercial(r: &MetadataReport, v: &LicenseValue) -> Commercial {
    let LicenseValue::Expression { ids, conjunctive, .. } = v else { return Commercial::Unknown };
    let per: Vec<Commercial> = ids.iter().map(|i| commercial_of_id(r, i)).collect();
    let order = |c: &Commercial| match c {
        Commercial::No => 0,
        Commercial::Unknown => 1,
        Commercial::Conditional => 2,
        Commercial::Yes => 3,
    };
    if *conjunctive { per.into_iter().min_by_key(order) } else { per.into_iter().max_by_key(order) }.unwrap_or(Commercial::Unknown)
}

pub fn commercial_of_id(r: &MetadataReport, id: &str) -> Commercial {
    let cat = Catalog::get();
    if let Some(t) = cat.terms_for_id(id) {
        return t.commercial;
    }
    if let Some(cl) = r.custom_licenses.iter().find(|c| c.names.iter().any(|n| n == id)) {
        if let Some(t) = cl.catalog.as_deref().and_then(|k| cat.lookup(k)) {
            return t.commercial;
        }
        if cl.inferred.iter().any(|i| i == "non-commercial" || i == "evaluation-only") {
            return Commercial::No;
        }
        if cl.inferred.iter().any(|i| i == "commercial-conditional") {
            return Commercial::Conditional;
        }
    }
    Commercial::Unknown
}

/// The flags of one value.
pub fn flags_of(r: &MetadataReport, v: &LicenseValue) -> Vec<LicenseFlag> {
    let mut f = Vec::new();
    match v {
        LicenseValue::NoAssertion => f.push(LicenseFlag::NoAssertion),
        LicenseValue::None | LicenseValue::Unknown { .. } => f.push(LicenseFlag::Unknown),
        LicenseValue::Expression { ids, .. } => {
            let cat = Catalog::get();
            for id in ids {
                let custom = r.custom_licenses.iter().find(|c| c.names.iter().any(|n| n == id));
                let terms = cat.terms_for_id(id).or_else(|| custom.and_then(|c| c.catalog.as_deref()).and_then(|k| cat.lookup(k)).cloned());
                match &terms {
                    Some(t) => {
                        if t.no_derivatives {
                            f.push(LicenseFlag::NoDerivatives);
                        }
                        if t.share_alike {
                            f.push(LicenseFlag::ShareAlike);
                        }
                        if !t.attribution.is_empty() {
                            f.push(LicenseFlag::Attribution);
                        }
                        if !t.field_of_use.is_empty() {
                            f.push(LicenseFlag::FieldOfUse);
                        }
                    }
                    None => f.push(LicenseFlag::Custom),
                }
                if let Some(c) = custom {
                    if c.inferred.iter().any(|i| i == "evaluation-only") {
                        f.push(LicenseFlag::EvaluationOnly);
                    }
                    if c.inferred.iter().any(|i| i == "use-restrictions") {
                        f.push(LicenseFlag::FieldOfUse);
                    }
                }
            }
            match commercial(r, v) {
                Commercial::No if !f.contains(&LicenseFlag::EvaluationOnly) => f.push(LicenseFlag::NonCommercial),
                Commercial::Conditional => f.push(LicenseFlag::CommercialConditional),
                _ => {}
            }
        }
    }
    f.sort();
    f.dedup();
    f
}

/// One row of the Licenses pane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LicenseRow {
    pub component: ComponentId,
    pub kind: ComponentKind,
    pub name: String,
    pub is_root: bool,
    /// The effective licence, or `unknown (no claim)`.
    pub license: String,
    pub commercial: Commercial,
    pub flags: Vec<LicenseFlag>,
    /// Index into the component's `licenses` of the effective claim.
    pub effective_claim: Option<usize>,
}

/// Rows for the Licenses pane: the model first, then base models, datasets, files, others.
pub fn license_rows(r: &MetadataReport) -> Vec<LicenseRow> {
    let mut rows: Vec<LicenseRow> = r
        .components
        .iter()
        .filter(|c| !matches!(c.kind, ComponentKind::Source) || !c.licenses.is_empty())
        .map(|c| {
            let eff = effective(c);
            let mut flags = eff.map(|e| flags_of(r, &e.value)).unwrap_or_else(|| vec![LicenseFlag::Unknown]);
            let distinct: std::collections::BTreeSet<String> = c
                .licenses
                .iter()
                .filter(|l| matches!(l.kind, ClaimKind::Declared | ClaimKind::Concluded))
                .map(|l| format!("{:?}{}", l.kind, comparable(r, &l.value)))
                .collect();
            let kinds: std::collections::BTreeSet<ClaimKind> = c.licenses.iter().filter(|l| matches!(l.kind, ClaimKind::Declared | ClaimKind::Concluded)).map(|l| l.kind).collect();
            if distinct.len() > kinds.len() {
                flags.push(LicenseFlag::Disagreement);
            }
            if !c.licenses.is_empty() && c.licenses.iter().all(|l| !l.signed) {
                flags.push(LicenseFlag::Unsigned);
            }
            LicenseRow {
                component: c.id,
                kind: c.kind,
                name: c.name.clone(),
                is_root: c.is_root,
                license: eff.map(|e| license_label(r, &e.value)).unwrap_or_else(|| "unknown (no claim)".into()),
                commercial: eff.map(|e| commercial(r, &e.value)).unwrap_or(Commercial::Unknown),
                flags,
                effective_claim: eff.and_then(|e| c.licenses.iter().position(|l| std::ptr::eq(l, e))),
            }
        })
        .collect();
    let order = |row: &LicenseRow| {
        let k = match row.kind {
            ComponentKind::Model => 1,
            ComponentKind::Dataset => 2,
            ComponentKind::File => 3,
            ComponentKind::Container => 4,
            ComponentKind::Source => 5,
            ComponentKind::Other => 6,
        };
        (if row.is_root { 0 } else { k }, row.name.clone())
    };
    rows.sort_by_key(order);
    rows
}

/// One node of the Lineage pane's tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineageNode {
    pub component: ComponentId,
    pub name: String,
    pub kind: ComponentKind,
    /// How this node relates to its parent (`None` for the model).
    pub relation: Option<EdgeKind>,
    /// `sha256:<hex>` (or another algorithm) when known.
    pub digest: Option<String>,
    pub license: String,
    /// Whether any claim about this node or its edge comes from a signed document.
    pub signed: bool,
    /// The documents supporting the edge from the parent.
    pub sources: Vec<String>,
    /// Set when this node already appears higher in the tree (a cycle).
    pub repeated: bool,
    pub children: Vec<LineageNode>,
}

fn digest_of(c: &Component) -> Option<String> {
    for alg in ["sha256", "sha512", "sha1"] {
        if let Some(v) = c.identity.digests.get(alg).and_then(|v| v.first()) {
            return Some(format!("{alg}:{v}"));
        }
    }
    c.identity.digests.iter().next().and_then(|(a, v)| v.first().map(|h| format!("{a}:{h}")))
}

fn node(r: &MetadataReport, id: ComponentId, relation: Option<&LineageEdge>, path: &mut Vec<ComponentId>) -> LineageNode {
    let c = &r.components[id];
    let repeated = path.contains(&id);
    let mut n = LineageNode {
        component: id,
        name: c.name.clone(),
        kind: c.kind,
        relation: relation.map(|e| e.kind),
        digest: digest_of(c),
        license: effective(c).map(|e| license_label(r, &e.value)).unwrap_or_else(|| "unknown".into()),
        signed: c.licenses.iter().any(|l| l.signed) || relation.is_some_and(|e| e.claims.iter().any(|cl| cl.signed)),
        sources: relation
            .map(|e| {
                let mut s: Vec<String> = e.claims.iter().filter_map(|cl| cl.evidence.doc).map(|d| r.documents[d].path.clone()).collect();
                s.dedup();
                s
            })
            .unwrap_or_default(),
        repeated,
        children: Vec::new(),
    };
    if repeated {
        return n;
    }
    path.push(id);
    for e in r.edges.iter().filter(|e| e.from == id && e.kind != EdgeKind::Contains) {
        n.children.push(node(r, e.to, Some(e), path));
    }
    path.pop();
    n
}

/// The lineage tree rooted at the model.
pub fn lineage_tree(r: &MetadataReport) -> Option<LineageNode> {
    r.model.map(|m| node(r, m, None, &mut Vec::new()))
}

/// Lineage paths from the model: (path of components, edge kinds), depth-first.
pub fn walk_paths(r: &MetadataReport) -> Vec<(Vec<ComponentId>, Vec<EdgeKind>)> {
    let mut out = Vec::new();
    let Some(m) = r.model else { return out };
    let mut stack = vec![(vec![m], Vec::<EdgeKind>::new())];
    while let Some((path, kinds)) = stack.pop() {
        let last = *path.last().unwrap_or(&m);
        for e in r.edges.iter().filter(|e| e.from == last) {
            if path.contains(&e.to) || path.len() > 16 {
                continue;
            }
            let mut p = path.clone();
            p.push(e.to);
            let mut k = kinds.clone();
            k.push(e.kind);
            out.push((p.clone(), k.clone()));
            stack.push((p, k));
        }
    }
    out
}

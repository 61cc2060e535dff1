//! Pure rendering of a review (verification report + licence/lineage
//! analysis) as markdown for legal reviewers and as plain text; shared by
//! `modelvet report` and the evidence bundle.

use super::view::{self, LineageNode};
use super::{MetadataReport, Severity};
use crate::report::{VerificationReport, Verdict};
use std::fmt::Write;

fn esc(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn short_digest(d: &str) -> String {
    match d.split_once(':') {
        Some((a, h)) if h.len() > 16 => format!("{a}:{}…", &h[..16]),
        _ => d.to_string(),
    }
}

fn sev_word(s: Severity) -> &'static str {
    match s {
        Severity::Conflict => "CONFLICT",
        Severity::Warn => "WARN",
        Severity::Review => "REVIEW",
        Severity::Info => "INFO",
    }
}

fn counts(m: &MetadataReport) -> String {
    let n = |s: Severity| m.findings.iter().filter(|f| f.severity == s).count();
    format!(
        "{} conflict, {} warn, {} review, {} info",
        n(Severity::Conflict),
        n(Severity::Warn),
        n(Severity::Review),
        n(Severity::Info)
    )
}

fn tree_md(n: &LineageNode, depth: usize, s: &mut String) {
    let indent = "  ".repeat(depth);
    let rel = n.relation.map(|r| format!("*{}* ", r.word())).unwrap_or_default();
    let digest = n.digest.as_deref().map(|d| format!(" — `{}`", short_digest(d))).unwrap_or_default();
    let signed = if n.signed { "signed" } else { "unsigned" };
    let src = if n.sources.is_empty() { String::new() } else { format!(" — sources: {}", n.sources.join(", ")) };
    let rep = if n.repeated { " (already shown above)" } else { "" };
    let _ = writeln!(s, "{indent}- {rel}**{}** ({}) — licence: {} — {signed}{digest}{src}{rep}", esc(&n.name), n.kind.word(), esc(&n.license));
    for c in &n.children {
        tree_md(c, depth + 1, s);
    }
}

/// The markdown report.
pub fn markdown(v: &VerificationReport, m: &MetadataReport) -> String {
    let mut s = String::new();
    let model = m.model.map(|i| m.components[i].name.clone()).unwrap_or_else(|| v.source.reference.clone());
    let _ = writeln!(s, "# Model review: {}\n", esc(&model));
    let _ = writeln!(s, "Source: `{}`  \nTool: {}  \nPolicy: {}\n", v.source.reference, v.tool, m.policy);
    let _ = writeln!(s, "> This report lists what the model's documents claim, where each claim comes from and whether a verified signature covers it. A signature shows who published a document and that it was not altered; it does not make the document true. Findings are evidence for a legal review, not legal advice.\n");
    let _ = writeln!(s, "## Summary\n");
    let _ = writeln!(s, "| question | answer |\n| --- | --- |");
    let _ = writeln!(s, "| Signature | {} |", v.verdict.word());
    if let Some(row) = m.license_rows().into_iter().find(|r| r.is_root) {
        let _ = writeln!(s, "| Model licence | {} |", esc(&row.license));
        let _ = writeln!(s, "| Commercial use (per the licence) | {} |", row.commercial.word());
    }
    let _ = writeln!(s, "| Findings | {} |", counts(m));
    let passed = v.verdict == Verdict::Verified && !m.has_conflicts();
    let _ = writeln!(s, "| Outcome | {} |\n", if passed { "passed: verified, no conflicts" } else { "not passed" });

    let _ = writeln!(s, "## Findings\n");
    if m.findings.is_empty() {
        let _ = writeln!(s, "None.\n");
    }
    for f in &m.findings {
        let _ = writeln!(s, "- **{}** `{}`: {}", sev_word(f.severity), f.rule, esc(&f.message));
        for r in &f.reasons {
            let _ = writeln!(s, "  - {}", esc(r));
        }
        if let Some(p) = &f.policy_note {
            let _ = writeln!(s, "  - policy: {}", esc(p));
        }
    }
    let _ = writeln!(s);

    let _ = writeln!(s, "## Licences\n");
    let _ = writeln!(s, "| component | kind | licence | commercial use | flags | claims |\n| --- | --- | --- | --- | --- | --- |");
    let rows = m.license_rows();
    for r in &rows {
        let c = &m.components[r.component];
        let flags: Vec<&str> = r.flags.iter().map(|f| f.word()).collect();
        let name = if r.is_root { format!("**{}** (this model)", esc(&r.name)) } else { esc(&r.name) };
        let _ = writeln!(s, "| {name} | {} | {} | {} | {} | {} |", r.kind.word(), esc(&r.license), r.commercial.word(), flags.join(", "), c.licenses.len());
    }
    let _ = writeln!(s, "\n### Claims and their sources\n");
    for r in rows.iter().filter(|r| !m.components[r.component].licenses.is_empty()) {
        let c = &m.components[r.component];
        let _ = writeln!(s, "**{}**\n", esc(&c.name));
        for l in &c.licenses {
            let src = match l.evidence.doc {
                Some(d) => format!("`{}` ({}) at `{}` — {}", m.documents[d].path, m.documents[d].format.label(), l.evidence.locator, m.documents[d].coverage.describe()),
                None => format!("modelvet catalog — {}", l.evidence.locator),
            };
            let note = l.note.as_deref().map(|n| format!(" — {}", esc(n))).unwrap_or_default();
            let _ = writeln!(s, "- {}: {} — {src}{note}", l.kind.word(), esc(&view::license_label(m, &l.value)));
        }
        let _ = writeln!(s);
    }
    if !m.custom_licenses.is_empty() {
        let _ = writeln!(s, "### Licences not on the SPDX list\n");
        for c in &m.custom_licenses {
            let mut extra = Vec::new();
            if let Some(k) = &c.catalog {
                extra.push(format!("catalogued as {k}"));
            }
            if !c.urls.is_empty() {
                extra.push(format!("URL {}", c.urls.join(", ")));
            }
            if let Some(h) = &c.text_sha256 {
                extra.push(format!("text {}", short_digest(h)));
            }
            if !c.inferred.is_empty() {
                extra.push(format!("text suggests: {}", c.inferred.join(", ")));
            }
            let _ = writeln!(s, "- `{}` — also named {} — {}", c.id, esc(&c.names.join(", ")), esc(&extra.join("; ")));
        }
        let _ = writeln!(s);
    }

    let _ = writeln!(s, "## Lineage\n");
    match m.lineage_tree() {
        Some(t) if !t.children.is_empty() => tree_md(&t, 0, &mut s),
        _ => {
            let _ = writeln!(s, "No document states what the model was derived from or trained on.");
        }
    }
    let _ = writeln!(s);

    let _ = writeln!(s, "## Documents read\n");
    let _ = writeln!(s, "| document | format | version | signature | problems |\n| --- | --- | --- | --- | --- |");
    for d in &m.documents {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {} |",
            esc(&d.path),
            d.format.label(),
            esc(d.version.as_deref().unwrap_or("")),
            esc(&d.coverage.describe()),
            esc(&d.warnings.join("; "))
        );
    }
    let _ = writeln!(s, "\n## Signature verification\n");
    let _ = writeln!(s, "Verdict: **{}**\n", v.verdict.word());
    if let Some(sig) = &v.source.signature {
        let _ = writeln!(s, "Signature file: `{sig}`\n");
    }
    if let Some(d) = &v.model_digest {
        let _ = writeln!(s, "Model digest: `{d}`\n");
    }
    let c = &v.counts;
    let _ = writeln!(s, "Files: {} verified, {} modified, {} missing, {} unsigned, {} error, {} ignored.\n", c.verified, c.modified, c.missing, c.unsigned_extra, c.error, c.ignored);
    for r in &v.reasons {
        let _ = writeln!(s, "- {}", esc(r));
    }
    s
}

fn tree_text(n: &LineageNode, depth: usize, s: &mut String) {
    let rel = n.relation.map(|r| format!("{} ", r.word())).unwrap_or_default();
    let mark = if n.signed { "✓" } else { "✗" };
    let digest = n.digest.as_deref().map(|d| format!("  {}", short_digest(d))).unwrap_or_default();
    let _ = writeln!(s, "  {}{mark} {rel}{} [{}]  {}{digest}", "  ".repeat(depth), n.name, n.kind.word(), n.license);
    for c in &n.children {
        tree_text(c, depth + 1, s);
    }
}

/// The licence and lineage part of the text report.
pub fn text(m: &MetadataReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "licences:");
    for r in m.license_rows() {
        let flags: Vec<&str> = r.flags.iter().map(|f| f.word()).collect();
        let root = if r.is_root { " (model)" } else { "" };
        let _ = writeln!(s, "  {:<9} {}{root}: {}  [commercial: {}] {}", r.kind.word(), r.name, r.license, r.commercial.word(), flags.join(", "));
    }
    let _ = writeln!(s, "lineage:");
    if let Some(t) = m.lineage_tree() {
        tree_text(&t, 0, &mut s);
    }
    let _ = writeln!(s, "documents:");
    for d in &m.documents {
        let _ = writeln!(s, "  {} ({}{}): {}", d.path, d.format.label(), d.version.as_deref().map(|v| format!(" {v}")).unwrap_or_default(), d.coverage.describe());
    }
    let _ = writeln!(s, "findings ({}):", counts(m));
    for f in &m.findings {
        let _ = writeln!(s, "  {:<8} {:<22} {}", sev_word(f.severity), f.rule, f.message);
        for r in &f.reasons {
            let _ = writeln!(s, "           - {r}");
        }
    }
    s
}

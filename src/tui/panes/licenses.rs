//! Pane 5: one row per component with its effective licence, commercial
//! use and flags (glyph + word, never colour alone). Until verification has
//! finished it says "waiting for verification": a licence read from files
//! whose integrity is unknown is not yet evidence.

use crate::meta::view::LicenseFlag;
use crate::meta::{MetadataReport, Severity};
use crate::tui::format::truncate;
use crate::tui::model::{ModelData, Phase};
use crate::tui::theme::{Role, Theme};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Lines shown above the table rows (header + column names).
pub const HEADER_LINES: usize = 2;

/// A pane-level message while there is no analysis to show.
pub fn waiting(model: &ModelData, theme: &Theme) -> Option<Vec<Line<'static>>> {
    if model.meta.is_some() && model.is_final() {
        return None;
    }
    let text = match &model.phase {
        Phase::Failed(_) => "not checked: the model could not be opened".to_string(),
        Phase::Done { .. } => "not checked: no analysis for this model".to_string(),
        _ => "waiting for verification (nothing here is checked yet)".to_string(),
    };
    Some(vec![Line::from(vec![
        Span::styled(format!("{} ", theme.symbols.pending), theme.style(Role::Pending)),
        Span::styled(text, theme.style(Role::Muted)),
    ])])
}

/// Role and glyph for a flag: restrictive terms warn, missing facts skip.
fn flag_role(theme: &Theme, f: LicenseFlag) -> (Role, String) {
    match f {
        LicenseFlag::NonCommercial | LicenseFlag::EvaluationOnly | LicenseFlag::Disagreement => (Role::Fail, theme.symbols.fail.clone()),
        LicenseFlag::Unknown | LicenseFlag::NoAssertion | LicenseFlag::Unsigned => (Role::Skip, theme.symbols.skip.clone()),
        _ => (Role::Warn, theme.symbols.warn.clone()),
    }
}

pub fn severity_role(theme: &Theme, s: Severity) -> (Role, String) {
    match s {
        Severity::Conflict => (Role::Fail, theme.symbols.fail.clone()),
        Severity::Info => (Role::Muted, "i".to_string()),
        _ => (Role::Warn, theme.symbols.warn.clone()),
    }
}

/// Commercial use as glyph + word.
fn commercial_span(theme: &Theme, c: crate::meta::catalog::Commercial) -> Span<'static> {
    use crate::meta::catalog::Commercial;
    let (role, glyph) = match c {
        Commercial::Yes => (Role::Pass, theme.symbols.pass.clone()),
        Commercial::No => (Role::Fail, theme.symbols.fail.clone()),
        Commercial::Conditional => (Role::Warn, theme.symbols.warn.clone()),
        Commercial::Unknown => (Role::Skip, theme.symbols.skip.clone()),
    };
    Span::styled(format!("{glyph} {:<12}", c.word()), theme.style(role))
}

/// The table and the findings, `width` wide; `selected` is the row index.
pub fn lines(meta: &MetadataReport, theme: &Theme, width: u16, selected: usize) -> Vec<Line<'static>> {
    let rows = meta.license_rows();
    let w = width as usize;
    let name_w = (w / 4).clamp(10, 32);
    let lic_w = (w / 4).clamp(10, 30);
    let mut out = vec![
        Line::from(Span::styled(
            format!("{} components · {} findings · Enter: claims and sources", rows.len(), meta.findings.len()),
            theme.style(Role::Muted),
        )),
        Line::from(Span::styled(
            format!("  {:<name_w$} {:<9} {:<lic_w$} {:<14} flags", "component", "kind", "licence", "commercial"),
            theme.style(Role::Header),
        )),
    ];
    for (i, row) in rows.iter().enumerate() {
        let sel = i == selected;
        let base = if sel { theme.style(Role::Selection) } else { Style::default() };
        let marker = if sel { format!("{} ", theme.symbols.selected) } else { "  ".into() };
        let name = if row.is_root { format!("{} (this model)", row.name) } else { row.name.clone() };
        let mut spans = vec![
            Span::styled(marker, base),
            Span::styled(format!("{:<name_w$} ", truncate(&name, name_w)), base),
            Span::styled(format!("{:<9} ", row.kind.word()), base),
            Span::styled(format!("{:<lic_w$} ", truncate(&row.license, lic_w)), base),
            commercial_span(theme, row.commercial),
            Span::raw(" "),
        ];
        if row.flags.is_empty() {
            spans.push(Span::styled("-", theme.style(Role::Muted)));
        }
        for (j, f) in row.flags.iter().enumerate() {
            let (role, glyph) = flag_role(theme, *f);
            if j > 0 {
                spans.push(Span::raw(" "));
            }
            spans.push(Span::styled(format!("{glyph} {}", f.word()), theme.style(role)));
        }
        out.push(Line::from(spans));
    }
    out.push(Line::default());
    out.push(Line::from(Span::styled("Findings", theme.style(Role::Header))));
    if meta.findings.is_empty() {
        out.push(Line::from(Span::styled(format!("{} none", theme.symbols.pass), theme.style(Role::Pass))));
    }
    for f in &meta.findings {
        let (role, glyph) = severity_role(theme, f.severity);
        out.push(Line::from(vec![
            Span::styled(format!("{glyph} {:<8} ", f.severity.word()), theme.style(role)),
            Span::styled(format!("{} ", f.rule), theme.style(Role::Muted)),
            Span::raw(f.message.clone()),
        ]));
    }
    out
}

/// The detail of one row: every claim with its document, location and
/// that document's signature coverage, so a reviewer can see which claims
/// are backed by the signature.
pub fn detail_lines(meta: &MetadataReport, theme: &Theme, row: usize) -> Vec<Line<'static>> {
    let rows = meta.license_rows();
    let Some(r) = rows.get(row) else { return vec![Line::from("no such component")] };
    let Some(c) = meta.components.get(r.component) else { return vec![Line::from("no such component")] };
    let kv = |k: &str, v: String| Line::from(vec![Span::styled(format!("{k:<10} "), theme.style(Role::Header)), Span::raw(v)]);
    let mut out = vec![
        kv("component", r.name.clone()),
        kv("kind", r.kind.word().to_string()),
        kv("licence", r.license.clone()),
        kv("commercial", r.commercial.word().to_string()),
        kv("flags", if r.flags.is_empty() { "-".into() } else { r.flags.iter().map(|f| f.word()).collect::<Vec<_>>().join(", ") }),
        Line::default(),
        Line::from(Span::styled(format!("Claims ({})", c.licenses.len()), theme.style(Role::Header))),
    ];
    if c.licenses.is_empty() {
        out.push(Line::from(Span::styled(format!("{} no document states a licence", theme.symbols.skip), theme.style(Role::Skip))));
    }
    for (i, cl) in c.licenses.iter().enumerate() {
        let eff = if r.effective_claim == Some(i) { " (effective)" } else { "" };
        out.push(Line::from(format!("{}. {} {}{eff}", i + 1, cl.kind.word(), crate::meta::view::license_label(meta, &cl.value))));
        let (doc, coverage) = match cl.evidence.doc.and_then(|d| meta.documents.get(d)) {
            Some(d) => (d.path.clone(), d.coverage.describe()),
            None => ("(no document)".to_string(), "not from a document".to_string()),
        };
        out.push(kv("   source", doc));
        out.push(kv("   at", cl.evidence.locator.clone()));
        let (role, glyph) = if cl.signed { (Role::Pass, &theme.symbols.pass) } else { (Role::Warn, &theme.symbols.warn) };
        out.push(Line::from(vec![
            Span::styled(format!("{:<10} ", "   signed"), theme.style(Role::Header)),
            Span::styled(format!("{glyph} {}", coverage), theme.style(role)),
        ]));
        if let Some(n) = &cl.note {
            out.push(kv("   note", n.clone()));
        }
    }
    out
}

//! The detail view (Enter): everything about the selection, unshortened:
//! full digests, every check, the whole statement or log entry.

use crate::report::FileStatus;
use crate::tui::format::bytes;
use crate::tui::model::ModelData;
use crate::tui::panes::scroll::Scroll;
use crate::tui::panes::{signature, transparency};
use crate::tui::theme::{Role, Theme};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DetailTarget {
    /// One file, by path (looked up at draw time, so it follows live hashing).
    File(String),
    Report,
    Signature,
    Transparency,
    /// One row of the Licenses pane, by index.
    License(usize),
}

#[derive(Debug, Clone)]
pub struct DetailOverlay {
    pub target: DetailTarget,
    pub scroll: Scroll,
}

fn kv<'a>(theme: &Theme, k: &str, v: impl Into<String>) -> Line<'a> {
    Line::from(vec![Span::styled(format!("{k:<10} "), theme.style(Role::Header)), Span::raw(v.into())])
}

/// The lines of a detail view.
pub fn lines<'a>(target: &DetailTarget, model: &ModelData, theme: &Theme) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    match target {
        DetailTarget::File(path) => {
            let Some(f) = model.files().iter().find(|f| &f.path == path) else {
                out.push(Line::from(format!("{path}: no longer in the report")));
                return out;
            };
            let (role, glyph) = theme.file_status(f.status);
            out.push(kv(theme, "path", f.path.clone()));
            out.push(Line::from(vec![
                Span::styled(format!("{:<10} ", "status"), theme.style(Role::Header)),
                Span::styled(format!("{glyph} {}", f.status.word()), theme.style(role)),
                Span::styled(if model.is_final() || f.status == FileStatus::Pending { "" } else { "  (provisional: hashing)" }, theme.style(Role::Muted)),
            ]));
            out.push(kv(theme, "size", f.size.map(|s| format!("{s} bytes ({})", bytes(s))).unwrap_or_else(|| "-".into())));
            out.push(kv(theme, "algorithm", f.algorithm.clone().unwrap_or_else(|| "-".into())));
            out.push(kv(theme, "expected", f.expected.clone().unwrap_or_else(|| "- (not signed)".into())));
            out.push(kv(theme, "actual", f.actual.clone().unwrap_or_else(|| "- (not hashed)".into())));
            if let (Some(e), Some(a)) = (&f.expected, &f.actual) {
                let same = e == a;
                out.push(Line::from(vec![
                    Span::styled(format!("{:<10} ", "compare"), theme.style(Role::Header)),
                    if same {
                        Span::styled(format!("{} digests match", theme.symbols.pass), theme.style(Role::Pass))
                    } else {
                        Span::styled(format!("{} digests differ", theme.symbols.fail), theme.style(Role::Fail))
                    },
                ]));
            }
            if let Some(d) = &f.detail {
                out.push(kv(theme, "detail", d.clone()));
            }
            if !f.shards.is_empty() {
                out.push(Line::default());
                out.push(Line::from(Span::styled(format!("{} shards", f.shards.len()), theme.style(Role::Header))));
                for s in &f.shards {
                    let (role, glyph) = theme.file_status(s.status);
                    out.push(Line::from(vec![
                        Span::styled(format!("{glyph} {:<9}", s.status.word()), theme.style(role)),
                        Span::raw(format!(" {}..{}", s.start, s.end)),
                    ]));
                    out.push(Line::from(format!("    expected {}", s.expected.as_deref().unwrap_or("-"))));
                    out.push(Line::from(format!("    actual   {}", s.actual.as_deref().unwrap_or("-"))));
                }
            }
        }
        DetailTarget::Report => {
            let Some(r) = &model.report else {
                out.push(Line::from("no report yet"));
                return out;
            };
            out.push(kv(theme, "source", format!("{} ({})", model.source_label, r.source.kind)));
            out.push(kv(theme, "tool", r.tool.clone()));
            out.push(kv(theme, "model", r.model_digest.clone().unwrap_or_else(|| "- (not every file hashed)".into())));
            if model.is_final() {
                out.push(kv(theme, "report", r.digest()));
            }
            out.push(Line::default());
            out.push(Line::from(Span::styled("Reasons", theme.style(Role::Header))));
            if r.reasons.is_empty() {
                out.push(Line::from("  (none)"));
            }
            for reason in &r.reasons {
                out.push(Line::from(format!("  - {reason}")));
            }
            out.push(Line::default());
            out.push(Line::from(Span::styled("Checks", theme.style(Role::Header))));
            for c in &r.checks {
                let (role, glyph, word) = theme.check_status(c.status);
                out.push(Line::from(vec![
                    Span::styled(format!("  {glyph} {word:<5}"), theme.style(role)),
                    Span::styled(format!(" {}", c.id), theme.style(Role::Header)),
                ]));
                out.push(Line::from(format!("      {}", c.detail)));
            }
            if !r.warnings.is_empty() {
                out.push(Line::default());
                out.push(Line::from(Span::styled("Warnings", theme.style(Role::Header))));
                for w in &r.warnings {
                    out.push(Line::from(vec![Span::styled(format!("  {} ", theme.symbols.warn), theme.style(Role::Warn)), Span::raw(w.clone())]));
                }
            }
        }
        DetailTarget::License(i) => match &model.meta {
            Some(m) => return crate::tui::panes::licenses::detail_lines(m, theme, *i),
            None => out.push(Line::from("waiting for verification")),
        },
        DetailTarget::Signature => {
            out.extend(signature::lines(model, theme));
            if let Some(stmt) = model.envelope.as_ref().and_then(|e| e.statement.as_ref()) {
                out.push(Line::default());
                out.push(Line::from(Span::styled("Statement (full JSON)", theme.style(Role::Header))));
                let text = serde_json::to_string_pretty(stmt).unwrap_or_default();
                out.extend(text.lines().map(|l| Line::from(l.to_string())));
            }
        }
        DetailTarget::Transparency => match model.report.as_ref().and_then(|r| r.transparency.as_ref()) {
            Some(v) => {
                out.push(Line::from(Span::styled("Transparency log entry (raw JSON)", theme.style(Role::Header))));
                let text = serde_json::to_string_pretty(v).unwrap_or_default();
                out.extend(text.lines().map(|l| Line::from(l.to_string())));
            }
            None => out.extend(transparency::lines(model, theme)),
        },
    }
    out
}

impl DetailOverlay {
    pub fn title(&self) -> String {
        match &self.target {
            DetailTarget::File(p) => format!(" File: {p} "),
            DetailTarget::Report => " Report details ".into(),
            DetailTarget::Signature => " Signature details ".into(),
            DetailTarget::Transparency => " Transparency details ".into(),
            DetailTarget::License(_) => " Licence claims ".into(),
        }
    }

    pub fn render(&self, model: &ModelData, theme: &Theme, area: Rect, buf: &mut Buffer) {
        let rect = area;
        Clear.render(rect, buf);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.style(Role::BorderFocus))
            .title(Line::from(self.title()).style(theme.style(Role::Title)))
            .title_bottom(Line::from(" ↑↓ scroll · Esc close ").style(theme.style(Role::Muted)))
            .style(theme.style(Role::Text));
        let text = lines(&self.target, model, theme);
        let inner_h = block.inner(rect).height as usize;
        let offset = self.scroll.offset.min(text.len().saturating_sub(inner_h.max(1)));
        Paragraph::new(text).block(block).wrap(Wrap { trim: false }).scroll((offset as u16, 0)).render(rect, buf);
    }
}

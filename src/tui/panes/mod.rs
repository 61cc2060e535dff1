//! The numbered panes. A pane holds view state only (selection, scroll,
//! filter); the data stays in [`ModelData`](super::app::ModelData).
//! Adding a pane: a `PaneId` variant, a module, a keymap section.

pub mod files;
pub mod json;
pub mod ledger;
pub mod licenses;
pub mod lineage;
pub mod overview;
pub mod scroll;
pub mod signature;
pub mod transparency;

use super::keymap::Context;
use super::theme::{Role, Theme};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

/// The seven panes, in key order (1–7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaneId {
    Overview,
    Files,
    Signature,
    Transparency,
    Licenses,
    Lineage,
    Ledger,
}

impl PaneId {
    pub const ALL: [PaneId; 7] = [
        PaneId::Overview,
        PaneId::Files,
        PaneId::Signature,
        PaneId::Transparency,
        PaneId::Licenses,
        PaneId::Lineage,
        PaneId::Ledger,
    ];

    pub fn index(self) -> usize {
        Self::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    pub fn title(self) -> &'static str {
        match self {
            PaneId::Overview => "Overview",
            PaneId::Files => "Files",
            PaneId::Signature => "Signature",
            PaneId::Transparency => "Transparency",
            PaneId::Licenses => "Licenses",
            PaneId::Lineage => "Lineage",
            PaneId::Ledger => "Ledger",
        }
    }

    /// For narrow terminals.
    pub fn short_title(self) -> &'static str {
        match self {
            PaneId::Overview => "Overview",
            PaneId::Files => "Files",
            PaneId::Signature => "Sig",
            PaneId::Transparency => "Tlog",
            PaneId::Licenses => "Lic",
            PaneId::Lineage => "Lineage",
            PaneId::Ledger => "Ledger",
        }
    }

    pub fn context(self) -> Context {
        match self {
            PaneId::Overview => Context::Overview,
            PaneId::Files => Context::Files,
            PaneId::Signature => Context::Signature,
            PaneId::Transparency => Context::Transparency,
            PaneId::Licenses => Context::Licenses,
            PaneId::Lineage => Context::Lineage,
            PaneId::Ledger => Context::Ledger,
        }
    }

    pub fn next(self) -> PaneId {
        Self::ALL[(self.index() + 1) % Self::ALL.len()]
    }

    pub fn prev(self) -> PaneId {
        Self::ALL[(self.index() + Self::ALL.len() - 1) % Self::ALL.len()]
    }
}

/// The bordered block every pane draws in.
pub fn pane_block<'a>(theme: &Theme, title: impl Into<Line<'a>>) -> Block<'a> {
    let title: Line<'a> = title.into();
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style(Role::BorderFocus))
        .title(title.style(theme.style(Role::Title)))
        .style(theme.style(Role::Text))
}

/// `label  value` with a fixed-width label column.
pub fn field<'a>(theme: &Theme, label: &str, width: usize, value: Vec<Span<'a>>) -> Line<'a> {
    let mut spans = vec![Span::styled(format!("{label:<width$} "), theme.style(Role::Header))];
    spans.extend(value);
    Line::from(spans)
}

/// A glyph + word status span, e.g. `✓ ok`.
pub fn status_span(theme: &Theme, role: Role, glyph: &str, word: &str) -> Span<'static> {
    Span::styled(format!("{glyph} {word}"), theme.style(role))
}

/// Draws `lines` inside a pane block, scrolled to `scroll`, with a
/// "more below" marker. Scrolling is clamped here so render never fails.
pub fn render_lines(lines: Vec<Line<'_>>, scroll: usize, block: Block<'_>, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let inner = block.inner(area);
    block.render(area, buf);
    let height = inner.height as usize;
    let max_scroll = lines.len().saturating_sub(height);
    let scroll = scroll.min(max_scroll);
    for (i, line) in lines.iter().skip(scroll).take(height).enumerate() {
        let y = inner.y + i as u16;
        buf.set_line(inner.x, y, line, inner.width);
        // A cut line ends in an ellipsis, so nothing looks complete that is not.
        if line.width() > inner.width as usize && inner.width > 0 {
            buf.set_string(inner.right() - 1, y, "…", theme.style(Role::Muted));
        }
    }
    if scroll + height < lines.len() && inner.height > 0 {
        let marker = format!(" ↓ {} more ", lines.len() - scroll - height);
        let x = area.right().saturating_sub(marker.chars().count() as u16 + 1);
        buf.set_string(x, area.bottom().saturating_sub(1), marker, theme.style(Role::Muted));
    }
    if scroll > 0 && inner.height > 0 {
        let marker = format!(" ↑ {scroll} above ");
        let x = area.right().saturating_sub(marker.chars().count() as u16 + 1);
        buf.set_string(x, area.y, marker, theme.style(Role::Muted));
    }
}

//! The `?` help: every binding, generated from the keymap, grouped by
//! context (the current one first), filterable by typing; Enter runs the
//! selected binding when it applies where help was opened.

use super::centered;
use crate::tui::action::Action;
use crate::tui::format::truncate;
use crate::tui::keymap::{Context, KeySpec, Keymap};
use crate::tui::theme::{Role, Theme};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Widget};

#[derive(Debug, Clone)]
pub struct HelpOverlay {
    /// The context help was opened from.
    pub context: Context,
    pub filter: String,
    pub selected: usize,
}

/// One row of the help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpEntry {
    pub section: Context,
    pub key: KeySpec,
    pub action: Action,
    pub desc: String,
}

impl HelpOverlay {
    pub fn new(context: Context) -> Self {
        HelpOverlay { context, filter: String::new(), selected: 0 }
    }

    /// Sections in display order: where help was opened, global, the rest.
    fn sections(context: Context) -> Vec<Context> {
        let mut out = vec![context];
        if context != Context::Global {
            out.push(Context::Global);
        }
        let rest: Vec<Context> = Context::ALL.into_iter().filter(|c| !out.contains(c)).collect();
        out.extend(rest);
        out
    }

    /// The rows matching `filter` (case-insensitive, on key, description,
    /// action or section).
    pub fn entries(keymap: &Keymap, context: Context, filter: &str) -> Vec<HelpEntry> {
        let needle = filter.to_lowercase();
        let mut out = Vec::new();
        for section in Self::sections(context) {
            for b in keymap.bindings(section) {
                let haystack = format!("{} {} {} {}", b.key, b.desc, b.action.name(), section.name()).to_lowercase();
                if needle.is_empty() || haystack.contains(&needle) {
                    out.push(HelpEntry { section, key: b.key, action: b.action, desc: b.desc.clone() });
                }
            }
        }
        out
    }

    pub fn render(&self, keymap: &Keymap, theme: &Theme, area: Rect, buf: &mut Buffer) {
        let rect = centered(area, 76.min(area.width), area.height.saturating_sub(2).max(5));
        Clear.render(rect, buf);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.style(Role::BorderFocus))
            .title(Line::from(" Help: key bindings ").style(theme.style(Role::Title)))
            .title_bottom(Line::from(" type to filter · ↑↓ select · Enter run · Esc close ").style(theme.style(Role::Muted)))
            .style(theme.style(Role::Text));
        let inner = block.inner(rect);
        block.render(rect, buf);
        if inner.height < 2 {
            return;
        }
        let entries = Self::entries(keymap, self.context, &self.filter);
        let prompt = Line::from(vec![
            Span::styled("filter: ", theme.style(Role::Header)),
            Span::styled(self.filter.clone(), theme.style(Role::Match)),
            Span::styled("▏", theme.style(Role::Muted)),
            Span::styled(format!("   {} binding(s)", entries.len()), theme.style(Role::Muted)),
        ]);
        buf.set_line(inner.x, inner.y, &prompt, inner.width);
        // Rows: a header line before each new section.
        let mut rows: Vec<(Option<usize>, Line)> = Vec::new();
        let mut last = None;
        for (i, e) in entries.iter().enumerate() {
            if last != Some(e.section) {
                let title = if e.section == self.context && e.section != Context::Global {
                    format!("── {} (here) ──", e.section.name())
                } else {
                    format!("── {} ──", e.section.name())
                };
                rows.push((None, Line::from(Span::styled(title, theme.style(Role::Header)))));
                last = Some(e.section);
            }
            let selected = i == self.selected;
            let marker = if selected { theme.symbols.selected.as_str() } else { " " };
            let desc_role = if e.action.writes() { Role::Danger } else { Role::KeyHintDesc };
            let width = inner.width as usize;
            let desc = truncate(&e.desc, width.saturating_sub(32).max(8));
            let mut line = Line::from(vec![
                Span::raw(format!("{marker} ")),
                Span::styled(format!("{:<12}", e.key.to_string()), theme.style(Role::KeyHintKey)),
                Span::styled(desc, theme.style(desc_role)),
                Span::styled(format!("  {}", e.action.name()), theme.style(Role::Muted)),
            ]);
            if selected {
                line = line.style(theme.style(Role::Selection));
            }
            rows.push((Some(i), line));
        }
        if entries.is_empty() {
            rows.push((None, Line::from(Span::styled("no binding matches the filter", theme.style(Role::Muted)))));
        }
        let height = inner.height as usize - 1;
        let sel_row = rows.iter().position(|(i, _)| *i == Some(self.selected)).unwrap_or(0);
        let offset = sel_row.saturating_sub(height.saturating_sub(1));
        for (n, (_, line)) in rows.iter().skip(offset).take(height).enumerate() {
            let y = inner.y + 1 + n as u16;
            if line.style != ratatui::style::Style::default() {
                buf.set_style(Rect::new(inner.x, y, inner.width, 1), line.style);
            }
            buf.set_line(inner.x, y, line, inner.width);
        }
    }
}

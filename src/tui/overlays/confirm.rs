//! The confirm dialog for anything that writes: it shows exactly what will
//! be written where, defaults to "Cancel", and only "yes" releases the effect.

use super::centered;
use crate::tui::effect::Effect;
use crate::tui::theme::{Role, Theme};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

#[derive(Debug, Clone)]
pub struct ConfirmDialog {
    pub title: String,
    pub lines: Vec<String>,
    /// The label of the button that performs the write.
    pub yes_label: String,
    pub yes_selected: bool,
    /// Released only on "yes".
    pub effect: Effect,
}

impl ConfirmDialog {
    pub fn render(&self, theme: &Theme, area: Rect, buf: &mut Buffer) {
        let width = 78.min(area.width.saturating_sub(2)).max(20);
        // Long lines (digests) wrap: count wrapped rows so the buttons stay visible.
        let inner_w = width.saturating_sub(2).max(1) as usize;
        let rows: usize = self.lines.iter().map(|l| l.chars().count().max(1).div_ceil(inner_w)).sum();
        let height = (rows.min(u16::MAX as usize) as u16).saturating_add(6).min(area.height);
        let rect = centered(area, width, height);
        Clear.render(rect, buf);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.style(Role::Danger))
            .title(Line::from(format!(" {} ", self.title)).style(theme.style(Role::Title)))
            .title_bottom(Line::from(" y yes · n/Esc no · Enter choose ").style(theme.style(Role::Muted)))
            .style(theme.style(Role::Text));
        let inner = block.inner(rect);
        block.render(rect, buf);
        let mut text: Vec<Line> = self.lines.iter().map(|l| Line::from(l.clone())).collect();
        text.push(Line::default());
        let button = |label: &str, selected: bool, role: Role| {
            let style = if selected { theme.style(Role::Selection).patch(theme.style(role)) } else { theme.style(role) };
            let marker = if selected { theme.symbols.selected.as_str() } else { " " };
            Span::styled(format!("{marker}[ {label} ]"), style)
        };
        text.push(Line::from(vec![
            button("Cancel", !self.yes_selected, Role::Text),
            Span::raw("   "),
            button(&self.yes_label, self.yes_selected, Role::Danger),
        ]));
        Paragraph::new(text).wrap(Wrap { trim: false }).render(inner, buf);
    }
}

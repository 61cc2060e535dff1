//! The prompt before an approval or rejection is drafted: the reviewer's
//! note (signed with the decision) and the review's scope. Only after it
//! does the confirm dialog show the exact statement to sign.

use super::centered;
use crate::ledger::{Decision, Scope};
use crate::tui::theme::{Role, Theme};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

/// Longest note accepted from the prompt (characters).
pub const MAX_NOTE: usize = 500;

/// Scopes in the order Tab cycles through them.
pub const SCOPES: [Scope; 3] = [Scope::Security, Scope::Legal, Scope::Ops];

#[derive(Debug, Clone)]
pub struct NoteInput {
    pub decision: Decision,
    pub text: String,
    pub scope: Scope,
}

impl NoteInput {
    pub fn new(decision: Decision) -> Self {
        NoteInput { decision, text: String::new(), scope: Scope::Security }
    }

    pub fn push(&mut self, c: char) {
        if self.text.chars().count() < MAX_NOTE && !c.is_control() {
            self.text.push(c);
        }
    }

    /// Next (`forward`) or previous scope.
    pub fn cycle_scope(&mut self, forward: bool) {
        let i = SCOPES.iter().position(|s| *s == self.scope).unwrap_or(0);
        let n = SCOPES.len();
        self.scope = SCOPES[if forward { (i + 1) % n } else { (i + n - 1) % n }];
    }

    pub fn render(&self, theme: &Theme, area: Rect, buf: &mut Buffer) {
        let width = 72.min(area.width.saturating_sub(2)).max(20);
        let inner_w = width.saturating_sub(2).max(1) as usize;
        let note_rows = (self.text.chars().count() + 3).div_ceil(inner_w).max(1);
        let height = (note_rows as u16).saturating_add(7).min(area.height);
        let rect = centered(area, width, height);
        Clear.render(rect, buf);
        let title = if self.decision == Decision::Approve { " Approve: note and scope " } else { " Reject: note and scope " };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.style(Role::Danger))
            .title(Line::from(title).style(theme.style(Role::Title)))
            .title_bottom(Line::from(" Enter continue · Tab scope · Esc cancel ").style(theme.style(Role::Muted)))
            .style(theme.style(Role::Text));
        let inner = block.inner(rect);
        block.render(rect, buf);
        let mut scopes = vec![Span::styled("scope  ", theme.style(Role::Header))];
        for s in SCOPES {
            let chosen = s == self.scope;
            let style = if chosen { theme.style(Role::Selection) } else { theme.style(Role::Muted) };
            let marker = if chosen { theme.symbols.selected.as_str() } else { " " };
            scopes.push(Span::styled(format!("{marker}{} ", s.word()), style));
        }
        let text = vec![
            Line::from(Span::styled("Why? The note is signed with the decision.", theme.style(Role::Text))),
            Line::default(),
            Line::from(vec![Span::styled("> ", theme.style(Role::Header)), Span::raw(self.text.clone()), Span::styled("▏", theme.style(Role::Pending))]),
            Line::default(),
            Line::from(scopes),
        ];
        Paragraph::new(text).wrap(Wrap { trim: false }).render(inner, buf);
    }
}

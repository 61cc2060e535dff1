//! Toasts: short messages (mostly errors) in the top-right corner that
//! expire on their own, so a failed job never blocks the rest of the UI.

use crate::tui::theme::{Role, Theme};
use crate::tui::format::truncate;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastLevel {
    Info,
    Error,
}

#[derive(Debug, Clone)]
pub struct Toast {
    pub level: ToastLevel,
    pub text: String,
    pub born: Instant,
}

/// Draws toasts stacked from the top-right corner of `area`.
pub fn render(toasts: &[Toast], theme: &Theme, area: Rect, buf: &mut Buffer) {
    let max = (area.width as usize).saturating_sub(4).min(70);
    for (i, t) in toasts.iter().enumerate() {
        if i as u16 >= area.height {
            break;
        }
        let glyph = match t.level {
            ToastLevel::Error => theme.symbols.fail.as_str(),
            ToastLevel::Info => "i",
        };
        let word = match t.level {
            ToastLevel::Error => "error:",
            ToastLevel::Info => "note:",
        };
        let text = truncate(&format!(" {glyph} {word} {} ", t.text), max);
        let w = text.chars().count() as u16;
        let x = area.right().saturating_sub(w + 1);
        let style = match t.level {
            ToastLevel::Error => theme.style(Role::Toast),
            ToastLevel::Info => theme.style(Role::Selection),
        };
        buf.set_string(x, area.y + i as u16, text, style);
    }
}

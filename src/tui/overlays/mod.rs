//! Overlays stacked above the panes: help, the filter prompt, confirm
//! dialogs, the detail view; toasts float on top. The top overlay owns the
//! keyboard.

pub mod confirm;
pub mod detail;
pub mod help;
pub mod note;
pub mod toast;

pub use confirm::ConfirmDialog;
pub use detail::{DetailOverlay, DetailTarget};
pub use help::HelpOverlay;
pub use note::NoteInput;
pub use toast::{Toast, ToastLevel};

use ratatui::layout::Rect;

#[derive(Debug, Clone)]
pub enum Overlay {
    Help(HelpOverlay),
    /// The Files pane's filter prompt (the text lives in the pane's view state).
    Filter,
    Confirm(ConfirmDialog),
    Detail(DetailOverlay),
    /// The note and scope prompt before an approval or rejection.
    Note(NoteInput),
}

/// A centred rectangle of at most `width`×`height` inside `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}

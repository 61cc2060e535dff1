//! View state of a pane that is a scrollable list of lines.

use crate::tui::action::Action;

/// Scroll position; `len` and `page` come from the same line builder the
/// renderer uses, so the position is always valid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scroll {
    pub offset: usize,
}

impl Scroll {
    /// Applies a movement; returns whether the action was a movement.
    pub fn handle(&mut self, action: Action, len: usize, page: usize) -> bool {
        let max = len.saturating_sub(page.max(1));
        self.offset = match action {
            Action::Down => self.offset.saturating_add(1),
            Action::Up => self.offset.saturating_sub(1),
            Action::PageDown => self.offset.saturating_add(page.max(1)),
            Action::PageUp => self.offset.saturating_sub(page.max(1)),
            Action::Top => 0,
            Action::Bottom => max,
            _ => return false,
        }
        .min(max);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrolling_is_clamped() {
        let mut s = Scroll::default();
        assert!(s.handle(Action::Up, 10, 4));
        assert_eq!(s.offset, 0);
        s.handle(Action::Bottom, 10, 4);
        assert_eq!(s.offset, 6);
        s.handle(Action::Down, 10, 4);
        assert_eq!(s.offset, 6);
        s.handle(Action::PageUp, 10, 4);
        assert_eq!(s.offset, 2);
        assert!(!s.handle(Action::Quit, 10, 4));
        s.handle(Action::Down, 3, 4);
        assert_eq!(s.offset, 0);
    }
}

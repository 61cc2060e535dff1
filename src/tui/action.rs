//! Semantic actions: what a key means, independent of which key it is.
//! The keymap turns keys into actions; panes and overlays only ever see
//! actions, so rebinding a key never touches pane code.

use super::panes::PaneId;

/// Everything the reviewer can ask the workbench to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Suspend,
    NextPane,
    PrevPane,
    Pane(PaneId),
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Left,
    Right,
    /// Open the filter prompt of the current pane.
    Filter,
    Help,
    /// Open the detail view of the selection.
    Detail,
    /// Close the top overlay or clear the current filter.
    Back,
    /// Cycle the sort column.
    Sort,
    SortReverse,
    /// Hash the model again from scratch.
    Rehash,
    /// Stop a running hash job.
    Cancel,
    /// Write the evidence bundle (a write: confirmed, hidden in read-only mode).
    Export,
    /// Record a signed approval of the model in the ledger (a write).
    Approve,
    /// Record a signed rejection of the model in the ledger (a write).
    Reject,
    /// Accept: confirm a dialog, accept a filter, run a help entry.
    Accept,
    Yes,
    No,
    /// Delete the last character of a text input.
    DeleteChar,
    /// Clear a text input.
    ClearInput,
}

impl Action {
    /// Every action with its keymap name (`run = "…"`).
    pub const NAMED: &'static [(&'static str, Action)] = &[
        ("quit", Action::Quit),
        ("suspend", Action::Suspend),
        ("next-pane", Action::NextPane),
        ("prev-pane", Action::PrevPane),
        ("pane-overview", Action::Pane(PaneId::Overview)),
        ("pane-files", Action::Pane(PaneId::Files)),
        ("pane-signature", Action::Pane(PaneId::Signature)),
        ("pane-transparency", Action::Pane(PaneId::Transparency)),
        ("pane-licenses", Action::Pane(PaneId::Licenses)),
        ("pane-lineage", Action::Pane(PaneId::Lineage)),
        ("pane-ledger", Action::Pane(PaneId::Ledger)),
        ("up", Action::Up),
        ("down", Action::Down),
        ("page-up", Action::PageUp),
        ("page-down", Action::PageDown),
        ("top", Action::Top),
        ("bottom", Action::Bottom),
        ("left", Action::Left),
        ("right", Action::Right),
        ("filter", Action::Filter),
        ("help", Action::Help),
        ("detail", Action::Detail),
        ("back", Action::Back),
        ("sort", Action::Sort),
        ("sort-reverse", Action::SortReverse),
        ("rehash", Action::Rehash),
        ("cancel", Action::Cancel),
        ("export", Action::Export),
        ("approve", Action::Approve),
        ("reject", Action::Reject),
        ("accept", Action::Accept),
        ("yes", Action::Yes),
        ("no", Action::No),
        ("delete-char", Action::DeleteChar),
        ("clear-input", Action::ClearInput),
    ];

    pub fn from_name(name: &str) -> Option<Action> {
        Self::NAMED.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }

    pub fn name(self) -> &'static str {
        Self::NAMED.iter().find(|(_, a)| *a == self).map(|(n, _)| *n).unwrap_or("?")
    }

    /// Actions that write something: confirmed first, styled as dangerous,
    /// and unbound under `--read-only`.
    pub fn writes(self) -> bool {
        matches!(self, Action::Export | Action::Approve | Action::Reject)
    }

    /// All names, for error messages.
    pub fn allowed_names() -> String {
        Self::NAMED.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (name, action) in Action::NAMED {
            assert_eq!(Action::from_name(name), Some(*action));
            assert_eq!(action.name(), *name);
        }
        assert_eq!(Action::from_name("nope"), None);
    }
}

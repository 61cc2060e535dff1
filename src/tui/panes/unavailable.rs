//! Panes whose engine is not in this build (licenses, lineage, ledger):
//! they say so plainly and never look like a pass.

use super::{PaneId, pane_block, render_lines};
use crate::tui::theme::{Role, Theme};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// What the pane will show once its engine exists.
fn purpose(pane: PaneId) -> &'static str {
    match pane {
        PaneId::Licenses => "declared licenses, checked against your policy",
        PaneId::Lineage => "base models, datasets and fine-tunes",
        PaneId::Ledger => "the signed evidence ledger of approvals",
        _ => "",
    }
}

pub fn lines(pane: PaneId, theme: &Theme) -> Vec<Line<'static>> {
    vec![
        Line::from(vec![
            Span::styled(format!("{} not checked", theme.symbols.skip), theme.style(Role::Skip)),
            Span::raw(format!("  the {} engine is not available in this build", pane.title().to_lowercase())),
        ]),
        Line::default(),
        Line::from(Span::styled("Nothing on this pane has been checked: nothing here is a pass.", theme.style(Role::Muted))),
        Line::from(Span::styled(format!("When available it shows {}.", purpose(pane)), theme.style(Role::Muted))),
    ]
}

pub fn render(pane: PaneId, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let block = pane_block(theme, format!(" {} ", pane.title()));
    render_lines(lines(pane, theme), 0, block, theme, area, buf);
}

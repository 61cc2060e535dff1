//! Pane 2: every file with its status (glyph + word), size, algorithm and
//! shortened digests; sortable, filterable, live while hashing.

use super::pane_block;
use crate::report::{FileEntry, FileStatus};
use crate::tui::action::Action;
use crate::tui::format::{bytes, short_digest, truncate_left};
use crate::tui::model::ModelData;
use crate::tui::theme::{Role, Theme};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, StatefulWidget, Table, TableState, Widget};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortKey {
    #[default]
    Path,
    /// Problems first.
    Status,
    Size,
}

impl SortKey {
    pub fn next(self) -> SortKey {
        match self {
            SortKey::Path => SortKey::Status,
            SortKey::Status => SortKey::Size,
            SortKey::Size => SortKey::Path,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SortKey::Path => "path",
            SortKey::Status => "status",
            SortKey::Size => "size",
        }
    }
}

/// Problems sort first, then work in progress, then the good and the ignored.
fn status_rank(s: FileStatus) -> u8 {
    match s {
        FileStatus::Modified => 0,
        FileStatus::Missing => 1,
        FileStatus::UnsignedExtra => 2,
        FileStatus::Error => 3,
        FileStatus::Pending => 4,
        FileStatus::Verified => 5,
        FileStatus::Ignored => 6,
    }
}

/// View state of the Files pane.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilesPane {
    /// Index into the visible (filtered, sorted) rows.
    pub selected: usize,
    /// First visible row.
    pub offset: usize,
    pub filter: String,
    pub sort: SortKey,
    pub reverse: bool,
}

impl FilesPane {
    /// Table rows that fit in a body of this size (border, header, summary).
    pub fn page_rows(body: Rect) -> usize {
        body.height.saturating_sub(4).max(1) as usize
    }

    fn matches(&self, f: &FileEntry) -> bool {
        if self.filter.is_empty() {
            return true;
        }
        let needle = self.filter.to_lowercase();
        f.path.to_lowercase().contains(&needle) || f.status.word().contains(&needle)
    }

    /// Indices into `files` of the rows shown, in display order.
    pub fn visible(&self, files: &[FileEntry]) -> Vec<usize> {
        let mut rows: Vec<usize> = (0..files.len()).filter(|&i| self.matches(&files[i])).collect();
        match self.sort {
            SortKey::Path => {}
            SortKey::Status => rows.sort_by_key(|&i| status_rank(files[i].status)),
            SortKey::Size => rows.sort_by_key(|&i| std::cmp::Reverse(files[i].size.unwrap_or(0))),
        }
        if self.reverse {
            rows.reverse();
        }
        rows
    }

    /// Keeps the selection inside `n` rows and on screen.
    pub fn ensure_visible(&mut self, n: usize, page: usize) {
        self.selected = self.selected.min(n.saturating_sub(1));
        let page = page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        self.offset = self.offset.min(n.saturating_sub(page));
    }

    /// Movement and sorting; returns whether the action applied here.
    pub fn handle(&mut self, action: Action, n: usize, page: usize) -> bool {
        let last = n.saturating_sub(1);
        match action {
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::PageDown => self.selected = (self.selected + page).min(last),
            Action::PageUp => self.selected = self.selected.saturating_sub(page),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = last,
            Action::Sort => {
                self.sort = self.sort.next();
                self.selected = 0;
            }
            Action::SortReverse => {
                self.reverse = !self.reverse;
                self.selected = 0;
            }
            _ => return false,
        }
        self.ensure_visible(n, page);
        true
    }

    /// Draws the table; `editing` shows the filter prompt's cursor.
    pub fn render(&self, model: &ModelData, theme: &Theme, editing: bool, area: Rect, buf: &mut Buffer) {
        let files = model.files();
        let rows = self.visible(files);
        let title = if model.is_busy() && model.report.is_some() { " Files (hashing: statuses are provisional) " } else { " Files " };
        let block = pane_block(theme, title);
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.height < 2 {
            return;
        }
        let table_area = Rect::new(inner.x, inner.y, inner.width, inner.height - 1);
        let summary_area = Rect::new(inner.x, inner.bottom() - 1, inner.width, 1);
        // Column plan: digests and algorithm shrink or go before the path does.
        let (keep, algo_w): (usize, u16) = match inner.width {
            110.. => (16, 20),
            76.. => (8, 8),
            _ => (6, 0),
        };
        let digest_w = keep as u16 + 1;
        let columns = if algo_w > 0 { 6u16 } else { 5 };
        let fixed = 10 + 9 + algo_w + 2 * digest_w + (columns - 1);
        let path_w = inner.width.saturating_sub(fixed).max(8);
        let mut widths = vec![Constraint::Length(10), Constraint::Length(path_w), Constraint::Length(9)];
        if algo_w > 0 {
            widths.push(Constraint::Length(algo_w));
        }
        widths.extend([Constraint::Length(digest_w), Constraint::Length(digest_w)]);
        let page = table_area.height.saturating_sub(1) as usize;
        let offset = self.offset.min(rows.len().saturating_sub(page.max(1)));
        let path_width = path_w as usize;
        let body: Vec<Row> = rows
            .iter()
            .skip(offset)
            .take(page)
            .map(|&i| {
                let f = &files[i];
                let (role, glyph) = theme.file_status(f.status);
                let differs = matches!((&f.expected, &f.actual), (Some(e), Some(a)) if e != a);
                let mut cells = vec![
                    Cell::from(Span::styled(format!("{glyph} {}", f.status.word()), theme.style(role))),
                    Cell::from(truncate_left(&f.path, path_width)),
                    Cell::from(Line::from(f.size.map(bytes).unwrap_or_else(|| "-".into())).right_aligned()),
                ];
                if algo_w > 0 {
                    cells.push(Cell::from(f.algorithm.clone().unwrap_or_else(|| "-".into())));
                }
                cells.push(Cell::from(f.expected.as_deref().map(|d| short_digest(d, keep)).unwrap_or_else(|| "-".into())));
                cells.push(Cell::from(Span::styled(
                    f.actual.as_deref().map(|d| short_digest(d, keep)).unwrap_or_else(|| "-".into()),
                    if differs { theme.style(Role::Fail) } else { theme.style(Role::Text) },
                )));
                Row::new(cells)
            })
            .collect();
        let mut names = vec!["status", "path", "size"];
        if algo_w > 0 {
            names.push(if algo_w >= 9 { "algorithm" } else { "algo" });
        }
        names.extend(["expected", "actual"]);
        let header = Row::new(names).style(theme.style(Role::Header));
        let table = Table::new(body, widths)
            .header(header)
            .column_spacing(1)
            .row_highlight_style(theme.style(Role::Selection))
            .highlight_symbol("");
        let mut state = TableState::default();
        if !rows.is_empty() {
            state.select(Some(self.selected.saturating_sub(offset)));
        }
        StatefulWidget::render(table, table_area, buf, &mut state);
        if rows.is_empty() {
            let msg = if model.report.is_none() {
                "… reading the signature and listing files"
            } else if files.is_empty() {
                "the model has no files"
            } else {
                "no file matches the filter (Esc clears it)"
            };
            buf.set_string(table_area.x + 1, table_area.y + 2, msg, theme.style(Role::Muted));
        }
        // Summary / filter prompt.
        let mut spans = Vec::new();
        if editing || !self.filter.is_empty() {
            spans.push(Span::styled("filter: ", theme.style(Role::Header)));
            spans.push(Span::styled(self.filter.clone(), theme.style(Role::Match)));
            if editing {
                spans.push(Span::styled("▏", theme.style(Role::Muted)));
            }
            spans.push(Span::raw("  "));
        }
        let arrow = if self.reverse { "↓" } else { "↑" };
        spans.push(Span::styled(
            format!("{} of {} files · sorted by {} {arrow}", rows.len(), files.len(), self.sort.name()),
            theme.style(Role::Muted),
        ));
        if !rows.is_empty() {
            spans.push(Span::styled(format!(" · row {}", self.selected + 1), theme.style(Role::Muted)));
        }
        buf.set_line(summary_area.x, summary_area.y, &Line::from(spans), summary_area.width);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, status: FileStatus, size: u64) -> FileEntry {
        FileEntry { path: path.into(), status, size: Some(size), algorithm: None, expected: None, actual: None, detail: None, shards: vec![] }
    }

    #[test]
    fn filter_matches_path_or_status_and_sort_puts_problems_first() {
        let files = vec![
            entry("a.bin", FileStatus::Verified, 10),
            entry("b.json", FileStatus::Modified, 5),
            entry("c.bin", FileStatus::Missing, 50),
        ];
        let mut pane = FilesPane::default();
        assert_eq!(pane.visible(&files), [0, 1, 2]);
        pane.filter = ".BIN".into();
        assert_eq!(pane.visible(&files), [0, 2]);
        pane.filter = "modified".into();
        assert_eq!(pane.visible(&files), [1]);
        pane.filter.clear();
        pane.sort = SortKey::Status;
        assert_eq!(pane.visible(&files), [1, 2, 0]);
        pane.sort = SortKey::Size;
        assert_eq!(pane.visible(&files), [2, 0, 1]);
        pane.reverse = true;
        assert_eq!(pane.visible(&files), [1, 0, 2]);
    }

    #[test]
    fn selection_stays_on_screen() {
        let mut pane = FilesPane::default();
        for _ in 0..7 {
            pane.handle(Action::Down, 10, 3);
        }
        assert_eq!((pane.selected, pane.offset), (7, 5));
        pane.handle(Action::Top, 10, 3);
        assert_eq!((pane.selected, pane.offset), (0, 0));
        pane.handle(Action::Bottom, 10, 3);
        assert_eq!((pane.selected, pane.offset), (9, 7));
        pane.ensure_visible(2, 3);
        assert_eq!((pane.selected, pane.offset), (1, 0));
        assert!(pane.handle(Action::Down, 0, 3));
        assert_eq!(pane.selected, 0);
    }
}

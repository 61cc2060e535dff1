//! Drawing the whole screen: a pure function of [`App`]. Layout: title bar,
//! pane tabs, the active pane, a job status line, footer hints; overlays
//! and toasts on top.

use super::action::Action;
use super::app::App;
use super::format::{bytes, clock, elapsed, truncate};
use super::keymap::Context;
use super::model::{ModelData, Phase};
use super::overlays::{Overlay, toast};
use super::panes::{PaneId, ledger, licenses, lineage, overview, pane_block, render_lines, signature, transparency};
use super::theme::{Role, Theme};
use crate::hashing::Progress;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// Smallest usable terminal.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 12;

/// Screen regions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub title: Rect,
    pub tabs: Rect,
    pub body: Rect,
    pub status: Rect,
    pub footer: Rect,
}

/// The layout for a screen of `area` (the same for drawing and paging).
pub fn layout(area: Rect, _app: &App) -> Areas {
    let row = |y: u16| Rect::new(area.x, y, area.width, 1.min(area.height));
    let h = area.height;
    Areas {
        title: row(area.y),
        tabs: row(area.y + 1.min(h)),
        body: Rect::new(area.x, area.y + 2.min(h), area.width, h.saturating_sub(4)),
        status: row(area.y + h.saturating_sub(2)),
        footer: row(area.y + h.saturating_sub(1)),
    }
}

/// `[████░░░░] 42%  3/7 files · 70.0 KiB/168.0 KiB · 12.3 MiB/s · ETA 0:02`.
pub fn progress_line(p: &Progress, theme: &Theme, width: u16) -> Line<'static> {
    let pct = (p.fraction() * 100.0).floor() as u64;
    let eta = p.eta().map(|d| format!(" · ETA {}", clock(d))).unwrap_or_default();
    let text = format!(
        " {pct:>3}%  {}/{} items · {}/{} · {}/s{eta}",
        p.items_done,
        p.items_total,
        bytes(p.bytes_done),
        bytes(p.bytes_total),
        bytes(p.throughput() as u64)
    );
    let room = (width as usize).saturating_sub(text.chars().count() + 2);
    let bar = room.clamp(0, 30);
    let full = ((p.fraction() * bar as f64).round() as usize).min(bar);
    let mut spans = Vec::new();
    if bar >= 5 {
        spans.push(Span::styled("[", theme.style(Role::Muted)));
        spans.push(Span::styled(theme.symbols.bar_full.repeat(full), theme.style(Role::Progress)));
        spans.push(Span::styled(theme.symbols.bar_empty.repeat(bar - full), theme.style(Role::ProgressTrack)));
        spans.push(Span::styled("]", theme.style(Role::Muted)));
    }
    spans.push(Span::styled(truncate(&text, width as usize), theme.style(Role::Text)));
    Line::from(spans)
}

/// The job status line.
pub fn status_line(model: &ModelData, theme: &Theme, width: u16) -> Line<'static> {
    let w = width as usize;
    match &model.phase {
        Phase::Preparing => match &model.fetch {
            Some(f) => {
                let total = f.bytes_total.map(|t| format!(" of {}", bytes(t))).unwrap_or_default();
                Line::from(Span::styled(
                    truncate(&format!("{} fetching {}: {}{total} (every blob checked against its digest)", theme.symbols.pending, f.name, bytes(f.bytes_done)), w),
                    theme.style(Role::Pending),
                ))
            }
            None => Line::from(Span::styled(
                format!("{} reading the signature and listing files", theme.symbols.pending),
                theme.style(Role::Pending),
            )),
        },
        Phase::Hashing => match &model.progress {
            Some(p) => progress_line(p, theme, width),
            None => Line::from(Span::styled(format!("{} hashing", theme.symbols.pending), theme.style(Role::Pending))),
        },
        Phase::Done { elapsed: took, cancelled: false } => {
            let n = model.files().iter().filter(|f| f.actual.is_some()).count();
            let size = model.progress.as_ref().map(|p| p.bytes_total).unwrap_or(0);
            Line::from(Span::styled(
                truncate(&format!("done: hashed {n} file(s), {} in {}", bytes(size), elapsed(*took)), w),
                theme.style(Role::Muted),
            ))
        }
        Phase::Done { cancelled: true, .. } => Line::from(Span::styled(
            truncate(&format!("{} stopped: hashing was cancelled, unhashed files count as errors (r: hash again)", theme.symbols.warn), w),
            theme.style(Role::Warn),
        )),
        Phase::Failed(msg) => Line::from(Span::styled(
            truncate(&format!("{} cannot open: {msg}", theme.symbols.fail), w),
            theme.style(Role::Fail),
        )),
    }
}

/// Footer hints for `ctx`, generated from the keymap, cut to `width`.
pub fn footer_line(app: &App, ctx: Context, width: u16) -> Line<'static> {
    let theme = &app.theme;
    let mut seen = Vec::new();
    let mut hints: Vec<(String, String, bool)> = Vec::new();
    for (_, b) in app.keymap.applicable(ctx) {
        if !b.footer || seen.contains(&b.action) || b.action == Action::Help {
            continue;
        }
        seen.push(b.action);
        hints.push((b.key.to_string(), b.desc.clone(), b.action.writes()));
    }
    let help_key = app.keymap.key_for(ctx, Action::Help).map(|k| k.to_string());
    let reserve = help_key.as_ref().map(|k| k.chars().count() + 6).unwrap_or(0);
    let mut spans = Vec::new();
    let mut used = 0usize;
    let mut cut = false;
    for (key, desc, danger) in &hints {
        let short = desc.split([':', '(']).next().unwrap_or(desc).trim().to_string();
        let len = key.chars().count() + 1 + short.chars().count() + 2;
        if used + len + reserve > width as usize {
            cut = true;
            break;
        }
        used += len;
        spans.push(Span::styled(key.clone(), theme.style(Role::KeyHintKey)));
        spans.push(Span::styled(format!(" {short}  "), theme.style(if *danger { Role::Danger } else { Role::KeyHintDesc })));
    }
    if let Some(k) = help_key {
        spans.push(Span::styled(k, theme.style(Role::KeyHintKey)));
        let word = if ctx == Context::Help { " close" } else if cut { " more" } else { " help" };
        spans.push(Span::styled(word, theme.style(Role::KeyHintDesc)));
    }
    Line::from(spans)
}

fn tabs_line(app: &App, width: u16) -> Line<'static> {
    let theme = &app.theme;
    let full: usize = PaneId::ALL.iter().map(|p| p.title().len() + 5).sum();
    let compact: usize = PaneId::ALL.iter().map(|p| p.short_title().len() + 4).sum();
    let short = full > width as usize;
    // Narrower still: only the active pane keeps its title.
    let numbers_only = compact > width as usize;
    let mut spans = Vec::new();
    for (i, p) in PaneId::ALL.iter().enumerate() {
        let title = match (short, numbers_only) {
            (_, true) if *p != app.active => "",
            (true, _) => p.short_title(),
            _ => p.title(),
        };
        let title = if title.is_empty() { String::new() } else { format!(" {title}") };
        let role = if *p == app.active { Role::TabActive } else { Role::Tab };
        spans.push(Span::styled(format!(" {}{title} ", i + 1), theme.style(role)));
        spans.push(Span::raw(if short { "" } else { " " }));
    }
    Line::from(spans)
}

fn title_line(app: &App, width: u16) -> Line<'static> {
    let theme = &app.theme;
    let verdict = overview::verdict_spans(&app.model, theme);
    let verdict_len: usize = verdict.iter().map(|s| s.content.chars().count()).sum();
    let ro = if app.read_only { " [read-only]" } else { "" };
    let room = (width as usize).saturating_sub(verdict_len + ro.len() + 14);
    let mut spans = vec![
        Span::styled(" modelvet ", theme.style(Role::Title)),
        Span::styled(super::format::truncate_left(&app.model.source_label, room), theme.style(Role::Text)),
        Span::raw("  "),
    ];
    spans.extend(verdict);
    spans.push(Span::styled(ro.to_string(), theme.style(Role::Muted)));
    Line::from(spans)
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = &self.theme;
        buf.set_style(area, theme.style(Role::Text));
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            let msg = [
                format!("terminal too small: {}×{}", area.width, area.height),
                format!("modelvet needs at least {MIN_WIDTH}×{MIN_HEIGHT}"),
                "q quits".to_string(),
            ];
            for (i, m) in msg.iter().enumerate() {
                if (i as u16) < area.height {
                    buf.set_stringn(area.x, area.y + i as u16, m, area.width as usize, theme.style(Role::Warn));
                }
            }
            return;
        }
        let a = layout(area, self);
        buf.set_line(a.title.x, a.title.y, &title_line(self, area.width), a.title.width);
        buf.set_line(a.tabs.x, a.tabs.y, &tabs_line(self, area.width), a.tabs.width);
        let editing = matches!(self.overlays.last(), Some(Overlay::Filter));
        let page_title = |p: PaneId| format!(" {} ", p.title());
        match self.active {
            PaneId::Overview => render_lines(
                overview::lines(&self.model, theme, a.body.width),
                self.overview.offset,
                pane_block(theme, page_title(PaneId::Overview)),
                theme,
                a.body,
                buf,
            ),
            PaneId::Files => self.files.render(&self.model, theme, editing, a.body, buf),
            PaneId::Signature => render_lines(
                signature::lines(&self.model, theme),
                self.signature.offset,
                pane_block(theme, page_title(PaneId::Signature)),
                theme,
                a.body,
                buf,
            ),
            PaneId::Transparency => render_lines(
                transparency::lines(&self.model, theme),
                self.transparency.offset,
                pane_block(theme, page_title(PaneId::Transparency)),
                theme,
                a.body,
                buf,
            ),
            PaneId::Licenses => {
                let (lines, scroll) = match (licenses::waiting(&self.model, theme), &self.model.meta) {
                    (None, Some(m)) => {
                        let page = a.body.height.saturating_sub(2) as usize;
                        // Keep the selected row on screen.
                        let scroll = (self.licenses_selected + licenses::HEADER_LINES + 1).saturating_sub(page);
                        (licenses::lines(m, theme, a.body.width, self.licenses_selected), scroll)
                    }
                    (w, _) => (w.unwrap_or_default(), 0),
                };
                render_lines(lines, scroll, pane_block(theme, page_title(PaneId::Licenses)), theme, a.body, buf)
            }
            PaneId::Lineage => {
                let lines = match (licenses::waiting(&self.model, theme), &self.model.meta) {
                    (None, Some(m)) => lineage::lines(m, theme, self.model.report.as_ref().and_then(|r| r.model_digest.as_deref())),
                    (w, _) => w.unwrap_or_default(),
                };
                render_lines(lines, self.lineage.offset, pane_block(theme, page_title(PaneId::Lineage)), theme, a.body, buf)
            }
            PaneId::Ledger => render_lines(
                ledger::lines(&self.ledger, &self.model, theme, a.body.width, self.read_only),
                self.ledger_scroll.offset,
                pane_block(theme, page_title(PaneId::Ledger)),
                theme,
                a.body,
                buf,
            ),
        }
        buf.set_line(a.status.x, a.status.y, &status_line(&self.model, theme, area.width), a.status.width);
        buf.set_line(a.footer.x, a.footer.y, &footer_line(self, self.context(), area.width), a.footer.width);
        for overlay in &self.overlays {
            match overlay {
                Overlay::Help(h) => h.render(&self.keymap, theme, a.body, buf),
                Overlay::Confirm(c) => c.render(theme, a.body, buf),
                Overlay::Detail(d) => d.render(&self.model, theme, a.body, buf),
                Overlay::Note(n) => n.render(theme, a.body, buf),
                Overlay::Filter => {}
            }
        }
        toast::render(&self.toasts, theme, a.body, buf);
    }
}

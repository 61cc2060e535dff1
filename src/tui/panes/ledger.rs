//! Pane 7: the signed evidence ledger: decisions about the open model, then
//! every entry, each with its verification mark (glyph + word), and the
//! latest checkpoint. A missing ledger is an empty state with a hint.

use crate::ledger::view::{EntryMark, EntryView};
use crate::tui::format::truncate;
use crate::tui::ledger_ops::LedgerState;
use crate::tui::model::ModelData;
use crate::tui::theme::{Role, Theme};
use ratatui::text::{Line, Span};

fn mark_role(m: EntryMark) -> Role {
    match m {
        EntryMark::Verified => Role::Pass,
        EntryMark::Untrusted => Role::Warn,
        EntryMark::Invalid => Role::Fail,
    }
}

fn entry_line(e: &EntryView, theme: &Theme, width: usize) -> Line<'static> {
    let signer = e.signer_name.clone().or_else(|| e.signer_email.clone()).unwrap_or_else(|| truncate(&e.signer_fingerprint, 16));
    let scope = e.scope.map(|s| s.word()).unwrap_or("-");
    let time = e.time.chars().take(19).collect::<String>();
    let rest = format!(" #{:<3} {:<7} {:<8} {:<16} {:<19} ", e.index, e.decision, scope, truncate(&signer, 16), time);
    let used = rest.chars().count() + 12;
    Line::from(vec![
        Span::styled(format!("{:<11}", e.mark.label()), theme.style(mark_role(e.mark))),
        Span::raw(rest),
        Span::styled(truncate(&e.note, width.saturating_sub(used).max(8)), theme.style(Role::Muted)),
    ])
}

pub fn lines(state: &LedgerState, model: &ModelData, theme: &Theme, width: u16, read_only: bool) -> Vec<Line<'static>> {
    let w = width as usize;
    let hint = if read_only { "read-only mode: approvals are disabled" } else { "a approve · r reject (confirmed first)" };
    match state {
        LedgerState::Loading => vec![Line::from(Span::styled(format!("{} loading the ledger", theme.symbols.pending), theme.style(Role::Pending)))],
        LedgerState::Error(e) => vec![
            Line::from(Span::styled(format!("{} cannot read the ledger", theme.symbols.fail), theme.style(Role::Fail))),
            Line::from(truncate(e, w.saturating_sub(4).max(10))),
        ],
        LedgerState::Missing(p) => vec![
            Line::from(Span::styled(format!("{} no ledger yet: approve with `a`", theme.symbols.skip), theme.style(Role::Skip))),
            Line::from(Span::styled(truncate(&format!("ledger file: {}", p.display()), w.saturating_sub(4).max(10)), theme.style(Role::Muted))),
            Line::default(),
            Line::from(Span::styled(hint, theme.style(Role::Muted))),
        ],
        LedgerState::Loaded(v) => {
            let mut out = Vec::new();
            let (role, word) = if v.ok { (Role::Pass, format!("{} ledger intact", theme.symbols.pass)) } else { (Role::Fail, format!("{} ledger FAILS verification", theme.symbols.fail)) };
            out.push(Line::from(vec![
                Span::styled(word, theme.style(role)),
                Span::styled(format!("  {} entries · {}", v.entries.len(), truncate(&v.origin, 40)), theme.style(Role::Muted)),
            ]));
            match &v.checkpoint {
                Some(cp) => out.push(Line::from(vec![
                    Span::styled("checkpoint ", theme.style(Role::Header)),
                    Span::raw(format!("size {} · root {}", cp.size, truncate(&cp.root, 16))),
                    Span::styled(if v.ledger_key_trusted { "  key trusted" } else { "  key not trusted" }, theme.style(Role::Muted)),
                ])),
                None => out.push(Line::from(Span::styled("checkpoint none yet", theme.style(Role::Muted)))),
            }
            out.push(Line::from(Span::styled(hint, theme.style(Role::Muted))));
            out.push(Line::default());
            let digest = model.report.as_ref().and_then(|r| r.model_digest.clone());
            out.push(Line::from(Span::styled("This model", theme.style(Role::Header))));
            match &digest {
                None => out.push(Line::from(Span::styled(format!("{} waiting for verification (model digest unknown)", theme.symbols.pending), theme.style(Role::Pending)))),
                Some(d) => {
                    let mine: Vec<_> = v.for_model(d).collect();
                    if mine.is_empty() {
                        out.push(Line::from(Span::styled("no decisions recorded for this model", theme.style(Role::Muted))));
                    }
                    for e in mine {
                        out.push(entry_line(e, theme, w));
                    }
                }
            }
            out.push(Line::default());
            out.push(Line::from(Span::styled(format!("All entries ({})", v.entries.len()), theme.style(Role::Header))));
            for e in v.entries.iter().rev() {
                out.push(entry_line(e, theme, w));
                for p in &e.problems {
                    out.push(Line::from(Span::styled(format!("      {}", p), theme.style(Role::Fail))));
                }
            }
            out
        }
    }
}

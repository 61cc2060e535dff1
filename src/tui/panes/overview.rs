//! Pane 1: the verdict and its reasons, the model's identity, the signer,
//! counts by status and the findings. While hashing runs the verdict reads
//! "checking", never a pass.

use super::field;
use crate::report::{CheckStatus, SigningMethod, Verdict};
use crate::tui::format::{bytes, truncate};
use crate::tui::model::{ModelData, Phase};
use crate::tui::theme::{Role, Theme};
use ratatui::text::{Line, Span};

const LABEL: usize = 11;

pub fn method_word(m: SigningMethod) -> &'static str {
    match m {
        SigningMethod::Key => "key",
        SigningMethod::Certificate => "certificate",
        SigningMethod::Sigstore => "Sigstore keyless",
        SigningMethod::Unknown => "unknown",
    }
}

/// The verdict as glyph + word + role, honest about unfinished work.
pub fn verdict_spans(model: &ModelData, theme: &Theme) -> Vec<Span<'static>> {
    match (&model.phase, &model.report) {
        (Phase::Failed(_), _) => vec![Span::styled(format!("{} CANNOT OPEN", theme.symbols.fail), theme.style(Role::Fail))],
        (Phase::Done { .. }, Some(r)) => {
            let role = Theme::verdict_role(r.verdict);
            vec![Span::styled(format!("{} {}", theme.verdict_glyph(r.verdict), r.verdict.word()), theme.style(role))]
        }
        _ => vec![Span::styled(format!("{} CHECKING", theme.symbols.pending), theme.style(Role::Pending))],
    }
}

/// The overview's lines, `width` wide (long values are shortened).
pub fn lines(model: &ModelData, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let w = (width as usize).saturating_sub(LABEL + 4).max(10);
    let mut out = Vec::new();
    let mut verdict = verdict_spans(model, theme);
    if let Phase::Hashing = model.phase {
        if let Some(p) = &model.progress {
            verdict.push(Span::styled(format!("  hashing {:.0}%", p.fraction() * 100.0), theme.style(Role::Muted)));
        } else {
            verdict.push(Span::styled("  hashing", theme.style(Role::Muted)));
        }
    }
    out.push(field(theme, "Verdict", LABEL, verdict));
    if let Phase::Failed(msg) = &model.phase {
        out.push(field(theme, "", LABEL, vec![Span::styled(truncate(msg, w), theme.style(Role::Fail))]));
    }
    let Some(r) = &model.report else {
        if model.is_busy() {
            out.push(field(theme, "", LABEL, vec![Span::styled("reading the signature and listing files", theme.style(Role::Muted))]));
        }
        return out;
    };
    if model.is_final() {
        for reason in &r.reasons {
            let (role, glyph) = if reason.starts_with("signer not pinned") || r.verdict == Verdict::Unsigned {
                (Role::Warn, theme.symbols.warn.as_str())
            } else {
                (Role::Fail, theme.symbols.fail.as_str())
            };
            out.push(field(theme, "", LABEL, vec![Span::styled(format!("{glyph} "), theme.style(role)), Span::raw(truncate(reason, w - 2))]));
        }
    }
    out.push(Line::default());
    out.push(field(theme, "Model", LABEL, vec![Span::raw(truncate(&format!("{} ({})", model.source_label, r.source.kind), w))]));
    if let Some(pinned) = &model.pinned {
        out.push(field(theme, "Pinned", LABEL, vec![Span::raw(truncate(pinned, w))]));
    }
    let digest = match &r.model_digest {
        Some(d) => Span::raw(truncate(d, w)),
        None if model.is_final() => Span::styled("- (not every file could be hashed)", theme.style(Role::Muted)),
        None => Span::styled(format!("{} computing", theme.symbols.pending), theme.style(Role::Pending)),
    };
    out.push(field(theme, "Digest", LABEL, vec![digest]));
    let hashed: Vec<_> = r.files.iter().filter(|f| f.size.is_some()).collect();
    let total: u64 = hashed.iter().filter_map(|f| f.size).sum();
    out.push(field(theme, "Size", LABEL, vec![Span::raw(format!("{} local files · {}", hashed.len(), bytes(total)))]));
    if let Some(m) = &r.manifest {
        let shard = m.shard_size.map(|s| format!(" (shards of {})", bytes(s))).unwrap_or_default();
        out.push(field(
            theme,
            "Manifest",
            LABEL,
            vec![Span::raw(truncate(&format!("OMS {} · {}/{}{shard} · {} signed · name {:?}", m.format, m.method, m.hash_type, m.resource_count, m.model_name), w))],
        ));
    }
    out.push(field(theme, "Signer", LABEL, signer_spans(model, theme, w)));
    // Counts by status, glyph + word each.
    let c = &r.counts;
    let mut counts = Vec::new();
    for (n, status) in [
        (c.verified, crate::report::FileStatus::Verified),
        (c.modified, crate::report::FileStatus::Modified),
        (c.missing, crate::report::FileStatus::Missing),
        (c.unsigned_extra, crate::report::FileStatus::UnsignedExtra),
        (c.error, crate::report::FileStatus::Error),
        (c.pending, crate::report::FileStatus::Pending),
        (c.ignored, crate::report::FileStatus::Ignored),
    ] {
        if n == 0 && !matches!(status, crate::report::FileStatus::Verified) {
            continue;
        }
        let (role, glyph) = theme.file_status(status);
        let role = if n == 0 { Role::Muted } else { role };
        counts.push(Span::styled(format!("{glyph} {n} {}", status.word()), theme.style(role)));
        counts.push(Span::raw("  "));
    }
    counts.pop();
    out.push(field(theme, "Files", LABEL, counts));
    // Check tally and findings.
    let tally = |s: CheckStatus| r.checks.iter().filter(|c| c.status == s).count();
    let mut checks = Vec::new();
    for s in [CheckStatus::Pass, CheckStatus::Fail, CheckStatus::Warn, CheckStatus::Skip] {
        let n = tally(s);
        if n > 0 {
            let (role, glyph, word) = theme.check_status(s);
            checks.push(Span::styled(format!("{glyph} {n} {word}"), theme.style(role)));
            checks.push(Span::raw("  "));
        }
    }
    checks.push(Span::styled("(Enter: every check)", theme.style(Role::Muted)));
    out.push(field(theme, "Checks", LABEL, checks));
    let findings: Vec<_> = r.checks.iter().filter(|c| c.status != CheckStatus::Pass).collect();
    if !findings.is_empty() || !r.warnings.is_empty() {
        out.push(Line::default());
        out.push(Line::from(Span::styled("Findings", theme.style(Role::Header))));
        for c in findings {
            let (role, glyph, word) = theme.check_status(c.status);
            let text = format!("{}: {}", c.id, c.detail);
            out.push(Line::from(vec![
                Span::styled(format!("  {glyph} {word:<5} "), theme.style(role)),
                Span::raw(truncate(&text, (width as usize).saturating_sub(13).max(10))),
            ]));
        }
        for warning in &r.warnings {
            out.push(Line::from(vec![
                Span::styled(format!("  {} {:<5} ", theme.symbols.warn, "warn"), theme.style(Role::Warn)),
                Span::raw(truncate(warning, (width as usize).saturating_sub(13).max(10))),
            ]));
        }
    }
    out
}

/// Method, algorithm, fingerprint and whether the signer is pinned.
pub fn signer_spans(model: &ModelData, theme: &Theme, width: usize) -> Vec<Span<'static>> {
    let Some(r) = &model.report else { return vec![] };
    let Some(s) = &r.signer else {
        return vec![Span::styled(format!("{} no signer (unsigned)", theme.symbols.warn), theme.style(Role::Warn))];
    };
    let mut who = method_word(s.method).to_string();
    if let Some(a) = &s.algorithm {
        who.push_str(&format!(" · {a}"));
    }
    if let Some(id) = &s.identity {
        who.push_str(&format!(" · {id}"));
    } else if let Some(leaf) = s.certificates.first() {
        who.push_str(&format!(" · {}", leaf.subject));
    } else if let Some(f) = &s.key_fingerprint {
        who.push_str(&format!(" · {}", crate::tui::format::truncate(f, 23)));
    }
    let auth_failed = r.checks.iter().any(|c| {
        c.status == CheckStatus::Fail
            && ["signature.", "certificate.", "bundle.method", "sigstore."].iter().any(|p| c.id.starts_with(p))
    });
    let pin = if s.pinned {
        Span::styled(format!("{} pinned", theme.symbols.pass), theme.style(Role::Pass))
    } else if auth_failed {
        Span::styled(format!("{} NOT VERIFIED", theme.symbols.fail), theme.style(Role::Fail))
    } else {
        Span::styled(format!("{} UNPINNED (not trusted)", theme.symbols.warn), theme.style(Role::Warn))
    };
    let pin_len = pin.content.chars().count() + 2;
    vec![Span::raw(truncate(&who, width.saturating_sub(pin_len).max(8))), Span::raw("  "), pin]
}

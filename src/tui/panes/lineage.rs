//! Pane 6: the lineage tree from the model to its base models and datasets,
//! with the relation, a short digest, the licence and whether a signed
//! document backs it (glyph + word).

use crate::meta::MetadataReport;
use crate::meta::view::LineageNode;
use crate::tui::theme::{Role, Theme};
use ratatui::text::{Line, Span};

fn short(d: &str) -> String {
    match d.split_once(':') {
        Some((alg, hex)) => format!("{alg}:{}", hex.chars().take(12).collect::<String>()),
        None => d.chars().take(16).collect(),
    }
}

fn push(node: &LineageNode, prefix: &str, last: bool, root: bool, theme: &Theme, out: &mut Vec<Line<'static>>) {
    let branch = if root { String::new() } else if last { format!("{prefix}└─ ") } else { format!("{prefix}├─ ") };
    let mut spans = vec![Span::styled(branch, theme.style(Role::Muted))];
    if let Some(rel) = node.relation {
        spans.push(Span::styled(format!("{} ", rel.word()), theme.style(Role::Header)));
    }
    spans.push(Span::raw(format!("{} ({})", node.name, node.kind.word())));
    spans.push(Span::styled(format!("  {}", node.digest.as_deref().map(short).unwrap_or_else(|| "no digest".into())), theme.style(Role::Muted)));
    spans.push(Span::raw(format!("  {}", node.license)));
    let (role, mark) = if node.signed { (Role::Pass, format!("{} signed", theme.symbols.pass)) } else { (Role::Warn, format!("{} unsigned", theme.symbols.warn)) };
    spans.push(Span::raw("  "));
    spans.push(Span::styled(mark, theme.style(role)));
    if node.repeated {
        spans.push(Span::styled("  (cycle: shown above)", theme.style(Role::Fail)));
    }
    out.push(Line::from(spans));
    let child_prefix = if root { String::new() } else if last { format!("{prefix}   ") } else { format!("{prefix}│  ") };
    let n = node.children.len();
    for (i, c) in node.children.iter().enumerate() {
        push(c, &child_prefix, i + 1 == n, false, theme, out);
    }
}

/// `model_digest` (from the verification report) stands in for the root's
/// digest when no document states one: it is what was actually hashed.
pub fn lines(meta: &MetadataReport, theme: &Theme, model_digest: Option<&str>) -> Vec<Line<'static>> {
    let Some(mut tree) = meta.lineage_tree() else {
        return vec![Line::from(Span::styled(format!("{} no model component found: no lineage to show", theme.symbols.skip), theme.style(Role::Skip)))];
    };
    if tree.digest.is_none() {
        tree.digest = model_digest.map(str::to_string);
    }
    let mut out = Vec::new();
    push(&tree, "", true, true, theme, &mut out);
    if tree.children.is_empty() {
        out.push(Line::default());
        out.push(Line::from(Span::styled("No document names a base model or dataset.", theme.style(Role::Muted))));
    }
    out
}

//! Generic, safe rendering of arbitrary JSON as indented `key  value`
//! lines: used for statement/predicate fields and for any transparency
//! field the dedicated layout does not know. Bounded in depth and length so
//! a hostile document cannot flood the screen.

use crate::tui::format::truncate;
use crate::tui::theme::{Role, Theme};
use ratatui::text::{Line, Span};
use serde_json::Value;

/// Longest scalar shown on one line.
const MAX_SCALAR: usize = 200;
/// Arrays longer than this are summarised.
const MAX_ITEMS: usize = 8;
const MAX_DEPTH: usize = 6;

/// A scalar as display text (strings unquoted).
pub fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => truncate(s, MAX_SCALAR),
        Value::Null => "null".into(),
        Value::Array(a) => format!("[{} items]", a.len()),
        Value::Object(o) => format!("{{{} fields}}", o.len()),
        other => other.to_string(),
    }
}

/// Appends lines for `value` under `key`, indented by `indent` spaces.
pub fn push(out: &mut Vec<Line<'static>>, theme: &Theme, key: &str, value: &Value, indent: usize, depth: usize) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if depth < MAX_DEPTH && !map.is_empty() => {
            out.push(Line::from(Span::styled(format!("{pad}{key}"), theme.style(Role::Header))));
            for (k, v) in map {
                push(out, theme, k, v, indent + 2, depth + 1);
            }
        }
        Value::Array(items) if depth < MAX_DEPTH && !items.is_empty() => {
            out.push(Line::from(vec![
                Span::styled(format!("{pad}{key}"), theme.style(Role::Header)),
                Span::styled(format!("  {} item(s)", items.len()), theme.style(Role::Muted)),
            ]));
            for (i, v) in items.iter().take(MAX_ITEMS).enumerate() {
                push(out, theme, &format!("[{i}]"), v, indent + 2, depth + 1);
            }
            if items.len() > MAX_ITEMS {
                out.push(Line::from(Span::styled(
                    format!("{pad}  … {} more (Enter shows everything)", items.len() - MAX_ITEMS),
                    theme.style(Role::Muted),
                )));
            }
        }
        v => out.push(Line::from(vec![
            Span::styled(format!("{pad}{key:<13} "), theme.style(Role::Header)),
            Span::raw(scalar(v)),
        ])),
    }
}

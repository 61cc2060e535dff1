//! Pane 4: the transparency-log entry, when the signature has one: the
//! inclusion proof drawn from the leaf to the root with each hash and its
//! side, the checkpoint and its signatures, the SET and timestamps, each
//! with a check mark or the reason it failed. The JSON comes from the
//! Sigstore engine; every field is optional and anything unknown is shown
//! generically, so no document shape can break the pane.

use super::json;
use crate::report::SigningMethod;
use crate::tui::model::ModelData;
use crate::tui::theme::{Role, Theme};
use ratatui::text::{Line, Span};
use serde_json::{Map, Value};

/// Keys drawn by the dedicated layout (everything else is shown generically).
const KNOWN: &[&str] = &[
    "log_index",
    "logIndex",
    "log_id",
    "logId",
    "tree_size",
    "treeSize",
    "root_hash",
    "rootHash",
    "leaf_hash",
    "leafHash",
    "integrated_time",
    "integratedTime",
    "kind",
    "kind_version",
    "audit_path",
    "hashes",
    "inclusion_proof",
    "inclusionProof",
    "status",
    "checkpoint",
    "set",
    "signed_entry_timestamp",
    "timestamps",
];

/// First present field among `names`.
fn get<'a>(obj: &'a Map<String, Value>, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|n| obj.get(*n))
}

/// The status word and reason of a node; a nested `status` object
/// (`{ "status": { "ok": false, "reason": … } }`) is looked into.
fn status_word(v: &Value) -> (String, Option<String>) {
    match v {
        Value::Bool(b) => (if *b { "pass" } else { "fail" }.into(), None),
        Value::String(s) => (s.to_lowercase(), None),
        Value::Object(o) => {
            let why = get(o, &["reason", "error", "detail", "message"]).map(json::scalar);
            match get(o, &["status", "verified", "ok", "valid"]) {
                Some(inner @ (Value::Bool(_) | Value::String(_) | Value::Object(_))) => {
                    let (word, inner_why) = status_word(inner);
                    (word, inner_why.or(why))
                }
                _ => (String::new(), why),
            }
        }
        _ => (String::new(), None),
    }
}

/// Verification status of a node: (role, glyph, word, reason).
fn status_of<'t>(theme: &'t Theme, v: Option<&Value>) -> (Role, &'t str, &'static str, Option<String>) {
    let (word, why) = v.map(status_word).unwrap_or_default();
    let s = &theme.symbols;
    match word.as_str() {
        "pass" | "ok" | "verified" | "valid" | "true" => (Role::Pass, s.pass.as_str(), "ok", why),
        "fail" | "failed" | "invalid" | "error" | "false" | "mismatch" => (Role::Fail, s.fail.as_str(), "FAIL", why),
        "warn" | "warning" => (Role::Warn, s.warn.as_str(), "warn", why),
        _ => (Role::Skip, s.skip.as_str(), "not checked", why),
    }
}

fn status_spans(theme: &Theme, v: Option<&Value>) -> Vec<Span<'static>> {
    let (role, glyph, word, why) = status_of(theme, v);
    let mut spans = vec![Span::styled(format!("{glyph} {word}"), theme.style(role))];
    if let Some(w) = why {
        spans.push(Span::raw(format!(": {w}")));
    }
    spans
}

fn heading(theme: &Theme, title: &str, status: Option<&Value>) -> Line<'static> {
    let mut spans = vec![Span::styled(format!("{title:<17}"), theme.style(Role::Header))];
    spans.extend(status_spans(theme, status));
    Line::from(spans)
}

fn kv(theme: &Theme, indent: usize, k: &str, v: String) -> Line<'static> {
    Line::from(vec![Span::styled(format!("{}{k:<15}", " ".repeat(indent)), theme.style(Role::Muted)), Span::raw(v)])
}

/// Where the proof is: `inclusion_proof` or the top level.
fn proof_lines(out: &mut Vec<Line<'static>>, theme: &Theme, top: &Map<String, Value>) {
    let proof = get(top, &["inclusion_proof", "inclusionProof"]).and_then(Value::as_object).unwrap_or(top);
    let path = get(proof, &["audit_path", "hashes"]).and_then(Value::as_array);
    let leaf = get(proof, &["leaf_hash", "leafHash"]).or_else(|| get(top, &["leaf_hash", "leafHash"]));
    let root = get(proof, &["root_hash", "rootHash"]).or_else(|| get(top, &["root_hash", "rootHash"]));
    if path.is_none() && leaf.is_none() && root.is_none() {
        return;
    }
    let status = proof.get("status").or_else(|| top.get("status"));
    out.push(heading(theme, "Inclusion proof", status));
    out.push(Line::from(Span::styled("  leaf → root; each step hashes with the sibling on its side", theme.style(Role::Muted))));
    out.push(kv(theme, 2, "leaf", leaf.map(json::scalar).unwrap_or_else(|| "(not given)".into())));
    for (i, step) in path.into_iter().flatten().enumerate() {
        let (hash, side) = match step {
            Value::Object(o) => (
                get(o, &["hash", "digest"]).map(json::scalar).unwrap_or_else(|| "?".into()),
                get(o, &["side", "direction"]).map(json::scalar).unwrap_or_else(|| "?".into()),
            ),
            other => (json::scalar(other), "?".into()),
        };
        let side = match side.to_lowercase().as_str() {
            "left" | "l" => "left ",
            "right" | "r" => "right",
            _ => "side?",
        };
        out.push(Line::from(vec![
            Span::raw(format!("  {} ", theme.symbols.tree_branch)),
            Span::styled(format!("{:>2} {side} ", i + 1), theme.style(Role::Muted)),
            Span::raw(hash),
        ]));
    }
    out.push(Line::from(vec![
        Span::raw(format!("  {} ", theme.symbols.tree_last)),
        Span::styled("root     ", theme.style(Role::Muted)),
        Span::raw(root.map(json::scalar).unwrap_or_else(|| "(not given)".into())),
    ]));
}

fn checkpoint_lines(out: &mut Vec<Line<'static>>, theme: &Theme, cp: &Value) {
    let obj = cp.as_object();
    out.push(heading(theme, "Checkpoint", obj.and_then(|o| o.get("status"))));
    let Some(obj) = obj else {
        out.push(kv(theme, 2, "text", json::scalar(cp)));
        return;
    };
    if let Some(text) = obj.get("text").and_then(Value::as_str) {
        for l in text.lines().take(12) {
            out.push(Line::from(Span::raw(format!("  │ {l}"))));
        }
    }
    for (i, sig) in obj.get("signatures").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let who = sig
            .as_object()
            .and_then(|o| get(o, &["name", "origin", "key_hint", "keyHint", "key_id"]))
            .map(json::scalar)
            .unwrap_or_else(|| format!("#{}", i + 1));
        let mut spans = vec![Span::styled(format!("  signature {who:<20} "), theme.style(Role::Muted))];
        spans.extend(status_spans(theme, Some(sig)));
        out.push(Line::from(spans));
    }
    for (k, v) in obj {
        if !["text", "signatures", "status"].contains(&k.as_str()) {
            json::push(out, theme, k, v, 2, 1);
        }
    }
}

pub fn lines(model: &ModelData, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let Some(r) = &model.report else {
        out.push(Line::from(Span::styled(format!("{} reading the signature", theme.symbols.pending), theme.style(Role::Pending))));
        return out;
    };
    let Some(t) = &r.transparency else {
        let sigstore = r.signer.as_ref().is_some_and(|s| s.method == SigningMethod::Sigstore);
        if sigstore {
            out.push(Line::from(Span::styled(
                format!("{} not checked: this build did not verify the Sigstore transparency-log entry", theme.symbols.warn),
                theme.style(Role::Warn),
            )));
            out.push(Line::from(Span::styled("The bundle is Sigstore-signed; its log entry is unverified, so it proves nothing yet.", theme.style(Role::Muted))));
        } else {
            out.push(Line::from(Span::raw("no transparency log entry (key/certificate signature)")));
            out.push(Line::default());
            out.push(Line::from(Span::styled(
                "Key- and certificate-signed bundles are not recorded in a public log; there is nothing to check here.",
                theme.style(Role::Muted),
            )));
        }
        return out;
    };
    let Some(top) = t.as_object() else {
        out.push(Line::from(Span::styled(format!("{} unexpected transparency data:", theme.symbols.warn), theme.style(Role::Warn))));
        json::push(&mut out, theme, "value", t, 2, 0);
        return out;
    };
    out.push(Line::from(Span::styled("Log entry", theme.style(Role::Header))));
    for (label, names) in [
        ("log index", &["log_index", "logIndex"][..]),
        ("log id", &["log_id", "logId"][..]),
        ("kind", &["kind"][..]),
        ("integrated", &["integrated_time", "integratedTime"][..]),
        ("tree size", &["tree_size", "treeSize"][..]),
    ] {
        if let Some(v) = get(top, names) {
            out.push(kv(theme, 2, label, json::scalar(v)));
        }
    }
    proof_lines(&mut out, theme, top);
    if let Some(cp) = top.get("checkpoint") {
        checkpoint_lines(&mut out, theme, cp);
    }
    if let Some(set) = get(top, &["set", "signed_entry_timestamp"]) {
        out.push(heading(theme, "SET", Some(set)));
        if let Some(o) = set.as_object() {
            for (k, v) in o.iter().filter(|(k, _)| !["status", "reason", "error", "detail"].contains(&k.as_str())) {
                json::push(&mut out, theme, k, v, 2, 1);
            }
        }
    }
    if let Some(ts) = top.get("timestamps") {
        out.push(Line::from(Span::styled("Timestamps", theme.style(Role::Header))));
        if !ts.is_array() {
            json::push(&mut out, theme, "value", ts, 2, 1);
        }
        for (i, stamp) in ts.as_array().into_iter().flatten().enumerate() {
            let o = stamp.as_object();
            let kind = o.and_then(|o| get(o, &["kind", "type", "source"])).map(json::scalar).unwrap_or_else(|| format!("#{}", i + 1));
            let time = o.and_then(|o| get(o, &["time", "timestamp", "value"])).map(json::scalar).unwrap_or_else(|| json::scalar(stamp));
            let mut spans = vec![Span::raw(format!("  {kind:<12} {time:<26} "))];
            spans.extend(status_spans(theme, Some(stamp).filter(|s| s.is_object())));
            out.push(Line::from(spans));
        }
    }
    let rest: Vec<_> = top.iter().filter(|(k, _)| !KNOWN.contains(&k.as_str())).collect();
    if !rest.is_empty() {
        out.push(Line::from(Span::styled("Other fields", theme.style(Role::Header))));
        for (k, v) in rest {
            json::push(&mut out, theme, k, v, 2, 1);
        }
    }
    out
}

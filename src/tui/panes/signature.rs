//! Pane 3: how the model was signed: method, bundle and DSSE envelope, the
//! certificate chain as a tree, key fingerprint, statement and predicate
//! fields, and the signature checks.

use super::json;
use super::overview::method_word;
use crate::crypto::x509::CertInfo;
use crate::report::CheckStatus;
use crate::tui::model::ModelData;
use crate::tui::theme::{Role, Theme};
use ratatui::text::{Line, Span};
use serde_json::Value;

const LABEL: usize = 13;

fn kv(theme: &Theme, k: &str, v: Vec<Span<'static>>) -> Line<'static> {
    super::field(theme, k, LABEL, v)
}

fn raw(s: impl Into<String>) -> Vec<Span<'static>> {
    vec![Span::raw(s.into())]
}

/// Check ids that belong to the signature rather than the files.
fn is_signature_check(id: &str) -> bool {
    ["bundle.", "signature.", "certificate.", "envelope.", "statement.", "manifest.", "sigstore.", "source."].iter().any(|p| id.starts_with(p))
}

/// The signature path as the job recorded it (relative to the model when inside it).
fn signature_path(model: &ModelData) -> Option<String> {
    let r = model.report.as_ref()?;
    let sig = r.source.signature.as_ref()?;
    Some(model.envelope.as_ref().map(|e| e.path.clone()).unwrap_or_else(|| sig.clone()))
}

fn cert_lines(out: &mut Vec<Line<'static>>, theme: &Theme, certs: &[CertInfo]) {
    for (i, c) in certs.iter().enumerate() {
        let last = i + 1 == certs.len();
        let branch = if last { &theme.symbols.tree_last } else { &theme.symbols.tree_branch };
        let pipe = if last { "   ".to_string() } else { format!("{} ", theme.symbols.tree_pipe) };
        let role = match i {
            0 => "leaf",
            _ if last && c.self_signed => "root",
            _ => "intermediate",
        };
        out.push(Line::from(vec![
            Span::raw(format!("  {branch} ")),
            Span::styled(c.subject.clone(), theme.style(Role::Header)),
            Span::styled(format!("  ({role}{})", if c.is_ca { ", CA" } else { "" }), theme.style(Role::Muted)),
        ]));
        let mut detail = |k: &str, v: String| {
            out.push(Line::from(vec![
                Span::raw(format!("  {pipe}  ")),
                Span::styled(format!("{k:<12}"), theme.style(Role::Muted)),
                Span::raw(v),
            ]));
        };
        detail("issuer", c.issuer.clone());
        detail("validity", format!("{} → {}", c.not_before, c.not_after));
        if !c.key_usage.is_empty() {
            detail("key usage", c.key_usage.join(", "));
        }
        if !c.ext_key_usage.is_empty() {
            detail("ext. usage", c.ext_key_usage.join(", "));
        }
        if !c.san.is_empty() {
            detail("SAN", c.san.join(", "));
        }
        if let Some(o) = &c.oidc_issuer {
            detail("OIDC issuer", o.clone());
        }
        detail("key", c.key_algorithm.clone());
        detail("fingerprint", c.fingerprint.clone());
    }
}

pub fn lines(model: &ModelData, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let Some(r) = &model.report else {
        out.push(Line::from(Span::styled(format!("{} reading the signature", theme.symbols.pending), theme.style(Role::Pending))));
        return out;
    };
    match signature_path(model) {
        Some(p) => out.push(kv(theme, "File", raw(p))),
        None => {
            out.push(kv(
                theme,
                "File",
                vec![Span::styled(format!("{} no signature found: the model is unsigned", theme.symbols.warn), theme.style(Role::Warn))],
            ));
            return out;
        }
    }
    if let Some(env) = &model.envelope {
        if let Some(e) = &env.error {
            out.push(kv(theme, "Bundle", vec![Span::styled(format!("{} unreadable: {e}", theme.symbols.fail), theme.style(Role::Fail))]));
        } else {
            out.push(kv(theme, "Bundle", raw(env.media_type.clone())));
            let sigs: Vec<String> = env
                .signatures
                .iter()
                .map(|(keyid, len)| format!("{len}-byte signature, keyid {}", keyid.as_deref().filter(|k| !k.is_empty()).unwrap_or("(none)")))
                .collect();
            out.push(kv(theme, "Envelope", raw(format!("DSSE, payloadType {}", env.payload_type))));
            for s in sigs {
                out.push(kv(theme, "", raw(s)));
            }
        }
    }
    if let Some(s) = &r.signer {
        out.push(kv(theme, "Method", raw(method_word(s.method))));
        let trust = if s.pinned {
            Span::styled(format!("{} pinned: verified against the key, anchors or identity you gave", theme.symbols.pass), theme.style(Role::Pass))
        } else {
            Span::styled(
                format!("{} UNPINNED: not trusted until you pin it (--key, --cert-chain or --identity/--issuer)", theme.symbols.warn),
                theme.style(Role::Warn),
            )
        };
        out.push(kv(theme, "Trust", vec![trust]));
        if let Some(a) = &s.algorithm {
            out.push(kv(theme, "Algorithm", raw(a.clone())));
        }
        if let Some(f) = &s.key_fingerprint {
            out.push(kv(theme, "Fingerprint", raw(f.clone())));
        }
        if let Some(h) = &s.key_hint {
            out.push(kv(theme, "Key hint", raw(h.clone())));
        }
        if let Some(id) = &s.identity {
            out.push(kv(theme, "Identity", raw(id.clone())));
        }
        if let Some(iss) = &s.issuer {
            out.push(kv(theme, "OIDC issuer", raw(iss.clone())));
        }
        let (title, certs) = if !s.chain.is_empty() {
            ("Certificate chain (verified path, leaf first)", &s.chain)
        } else {
            ("Certificates (as found in the bundle, leaf first; not a verified path)", &s.certificates)
        };
        if !certs.is_empty() {
            out.push(Line::from(Span::styled(title, theme.style(Role::Header))));
            cert_lines(&mut out, theme, certs);
        }
    }
    if let Some(stmt) = model.envelope.as_ref().and_then(|e| e.statement.as_ref()) {
        out.push(Line::from(Span::styled("Statement", theme.style(Role::Header))));
        statement_lines(&mut out, theme, stmt);
    }
    let checks: Vec<_> = r.checks.iter().filter(|c| is_signature_check(&c.id)).collect();
    if !checks.is_empty() {
        out.push(Line::from(Span::styled("Checks", theme.style(Role::Header))));
        for c in checks {
            let (role, glyph, word) = theme.check_status(c.status);
            out.push(Line::from(vec![
                Span::styled(format!("  {glyph} {word:<5}"), theme.style(role)),
                Span::styled(format!(" {:<25}", c.id), theme.style(if c.status == CheckStatus::Pass { Role::Text } else { role })),
                Span::raw(c.detail.clone()),
            ]));
        }
    }
    out
}

/// `_type`, subjects and predicate fields; resources are summarised.
fn statement_lines(out: &mut Vec<Line<'static>>, theme: &Theme, stmt: &Value) {
    let Some(obj) = stmt.as_object() else {
        json::push(out, theme, "payload", stmt, 2, 0);
        return;
    };
    for (k, v) in obj {
        match (k.as_str(), v) {
            ("subject", Value::Array(subjects)) => {
                for s in subjects {
                    let name = s.get("name").map(json::scalar).unwrap_or_default();
                    let digests = s
                        .get("digest")
                        .and_then(Value::as_object)
                        .map(|d| d.iter().map(|(alg, h)| format!("{alg}:{}", json::scalar(h))).collect::<Vec<_>>().join(" "))
                        .unwrap_or_default();
                    out.push(Line::from(vec![
                        Span::styled(format!("  {:<14}", "subject"), theme.style(Role::Header)),
                        Span::raw(format!("{name} {digests}")),
                    ]));
                }
            }
            ("predicate", Value::Object(pred)) => {
                out.push(Line::from(Span::styled("  predicate", theme.style(Role::Header))));
                for (pk, pv) in pred {
                    match pv {
                        Value::Array(items) if pk == "resources" => out.push(Line::from(vec![
                            Span::styled(format!("    {pk}  "), theme.style(Role::Header)),
                            Span::raw(format!("{} signed resource(s) (Files pane; Enter for JSON)", items.len())),
                        ])),
                        _ => json::push(out, theme, pk, pv, 4, 1),
                    }
                }
            }
            _ => json::push(out, theme, k, v, 2, 0),
        }
    }
}

//! Text and JSON rendering of reports for the terminal (not the TUI).

use crate::report::{CheckStatus, FileStatus, VerificationReport, Verdict};
use std::fmt::Write;

pub fn print_json<T: serde::Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("modelvet: cannot serialise output: {e}"),
    }
}

/// Glyph + word for a check status (never colour alone).
pub fn glyph(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::Pass => "✓ pass",
        CheckStatus::Fail => "✗ FAIL",
        CheckStatus::Warn => "! warn",
        CheckStatus::Skip => "- skip",
    }
}

fn file_glyph(status: FileStatus) -> &'static str {
    match status {
        FileStatus::Verified => "✓",
        FileStatus::Ignored => "·",
        FileStatus::Pending => "…",
        _ => "✗",
    }
}

/// A readable summary: verdict, signer, checks, one line per problem.
pub fn text_report(r: &VerificationReport) -> String {
    let mut s = String::new();
    let mark = match r.verdict {
        Verdict::Verified => "✓",
        _ => "✗",
    };
    let _ = writeln!(s, "{mark} {}  {} ({})", r.verdict.word(), r.source.reference, r.source.kind);
    if let Some(sig) = &r.source.signature {
        let _ = writeln!(s, "  signature: {sig}");
    }
    if let Some(signer) = &r.signer {
        let mut line = format!("  signer: {:?} method", signer.method).to_lowercase();
        if let Some(a) = &signer.algorithm {
            let _ = write!(line, ", {a}");
        }
        if let Some(f) = &signer.key_fingerprint {
            let _ = write!(line, ", key {f}");
        }
        if let Some(leaf) = signer.certificates.first() {
            let _ = write!(line, ", leaf '{}' issued by '{}'", leaf.subject, leaf.issuer);
        }
        if let Some(id) = &signer.identity {
            let _ = write!(line, ", identity {id}");
        }
        if !signer.pinned {
            line.push_str(" (NOT PINNED)");
        }
        let _ = writeln!(s, "{line}");
    }
    if let Some(m) = &r.manifest {
        let _ = writeln!(
            s,
            "  manifest: {} {} / {}{}, {} resources, model name {:?}",
            m.format,
            m.method,
            m.hash_type,
            m.shard_size.map(|n| format!(" (shard {n})")).unwrap_or_default(),
            m.resource_count,
            m.model_name
        );
    }
    if let Some(root) = &r.model_digest {
        let _ = writeln!(s, "  model digest: {root}");
    }
    let _ = writeln!(s, "checks:");
    for c in &r.checks {
        let _ = writeln!(s, "  {}  {:<26} {}", glyph(c.status), c.id, c.detail);
    }
    let c = &r.counts;
    let _ = writeln!(
        s,
        "files: {} verified, {} modified, {} missing, {} unsigned, {} error, {} ignored ({} bytes)",
        c.verified, c.modified, c.missing, c.unsigned_extra, c.error, c.ignored, c.total_bytes
    );
    for f in r.files.iter().filter(|f| f.status.is_problem()) {
        let _ = writeln!(
            s,
            "  {} {:<9} {}: {}",
            file_glyph(f.status),
            f.status.word(),
            f.path,
            f.detail.clone().unwrap_or_default()
        );
        if f.status == FileStatus::Modified
            && let (Some(e), Some(a)) = (&f.expected, &f.actual) {
                let _ = writeln!(s, "      expected {e}\n      actual   {a}");
            }
    }
    for w in &r.warnings {
        let _ = writeln!(s, "  ! {w}");
    }
    if !r.reasons.is_empty() {
        let _ = writeln!(s, "reasons:");
        for reason in &r.reasons {
            let _ = writeln!(s, "  - {reason}");
        }
    }
    s
}

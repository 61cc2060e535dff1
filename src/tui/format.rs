//! Small text helpers shared by panes: sizes, durations, shortened digests.
//! Pure functions so widgets stay deterministic and testable.

use std::time::Duration;

/// `1.5 MiB`-style size with binary units.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// `1:05` / `1:02:03` for ETAs; seconds are rounded up so "0:00" means done.
pub fn clock(d: Duration) -> String {
    let s = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// `250 ms` below a second, `1.2 s` above.
pub fn elapsed(d: Duration) -> String {
    if d < Duration::from_secs(1) { format!("{} ms", d.as_millis()) } else { format!("{:.1} s", d.as_secs_f64()) }
}

/// Shortens a digest to its algorithm prefix and the first `keep` hex
/// characters plus `…`, so a table column never wraps.
pub fn short_digest(d: &str, keep: usize) -> String {
    let (prefix, hex) = match d.split_once(':') {
        Some((p, h)) => (format!("{p}:"), h),
        None => (String::new(), d),
    };
    if hex.chars().count() <= keep {
        return d.to_string();
    }
    let head: String = hex.chars().take(keep).collect();
    format!("{prefix}{head}…")
}

/// Cuts `s` to at most `width` characters, ending in `…` when cut.
pub fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// Keeps the end of a path (the informative part) when it is too long.
pub fn truncate_left(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let tail: String = s.chars().skip(n - (width - 1)).collect();
    format!("…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_use_binary_units() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 << 30), "3.0 GiB");
    }

    #[test]
    fn clock_rounds_up_and_handles_hours() {
        assert_eq!(clock(Duration::from_millis(1)), "0:01");
        assert_eq!(clock(Duration::from_secs(65)), "1:05");
        assert_eq!(clock(Duration::from_secs(3723)), "1:02:03");
    }

    #[test]
    fn digests_keep_their_prefix() {
        assert_eq!(short_digest("sha256:0123456789abcdef", 6), "sha256:012345…");
        assert_eq!(short_digest("abcdef", 8), "abcdef");
        assert_eq!(short_digest("0123456789", 4), "0123…");
    }

    #[test]
    fn truncation_never_exceeds_width() {
        assert_eq!(truncate("hello world", 5), "hell…");
        assert_eq!(truncate_left("a/b/c/model.bin", 10), "…model.bin");
        assert_eq!(truncate_left("a/b/c/model.bin", 9).chars().count(), 9);
        assert_eq!(truncate("", 0), "");
    }
}

//! `SHA256SUMS` in the coreutils format (`<hex>  <path>`), so an auditor can
//! run `sha256sum -c SHA256SUMS` on the unpacked archive.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub const SUMS_NAME: &str = "SHA256SUMS";
pub const SUMS_SIG_NAME: &str = "SHA256SUMS.sigstore.json";

/// The sums file over every member except the sums and their signature.
pub fn render(members: &BTreeMap<String, Vec<u8>>) -> String {
    let mut out = String::new();
    for (name, bytes) in members {
        if name == SUMS_NAME || name == SUMS_SIG_NAME {
            continue;
        }
        out.push_str(&hex::encode(Sha256::digest(bytes)));
        out.push_str("  ");
        out.push_str(name);
        out.push('\n');
    }
    out
}

/// One line of a sums file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumLine {
    pub digest: String,
    pub path: String,
}

/// Parses a sums file; `Err` names the first bad line.
pub fn parse(text: &str) -> Result<Vec<SumLine>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let (digest, path) = line
            .split_once("  ")
            .or_else(|| line.split_once(" *"))
            .ok_or_else(|| format!("SHA256SUMS line {}: expected '<sha256>  <path>'", i + 1))?;
        if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("SHA256SUMS line {}: {digest:?} is not a SHA-256 digest", i + 1));
        }
        out.push(SumLine { digest: digest.to_ascii_lowercase(), path: path.to_string() });
    }
    Ok(out)
}

/// Compares members with a sums file: every listed member present with the
/// right digest, and no member unlisted. Returns one message per problem.
pub fn check(members: &BTreeMap<String, Vec<u8>>, lines: &[SumLine]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut listed = std::collections::HashSet::new();
    for l in lines {
        listed.insert(l.path.as_str());
        match members.get(&l.path) {
            None => problems.push(format!("{}: listed in SHA256SUMS but missing from the bundle", l.path)),
            Some(bytes) if hex::encode(Sha256::digest(bytes)) != l.digest => {
                problems.push(format!("{}: content does not match its SHA256SUMS digest (changed)", l.path))
            }
            Some(_) => {}
        }
    }
    for name in members.keys() {
        if name != SUMS_NAME && name != SUMS_SIG_NAME && !listed.contains(name.as_str()) {
            problems.push(format!("{name}: present in the bundle but not listed in SHA256SUMS (added)"));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_parse_check() {
        let mut m = BTreeMap::new();
        m.insert("a".to_string(), b"1".to_vec());
        m.insert("d/b".to_string(), b"2".to_vec());
        let text = render(&m);
        let lines = parse(&text).unwrap();
        assert!(check(&m, &lines).is_empty());
        m.insert("a".to_string(), b"x".to_vec());
        m.insert("new".to_string(), b"x".to_vec());
        m.remove("d/b");
        let p = check(&m, &lines);
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(parse("zz  a\n").is_err());
    }
}

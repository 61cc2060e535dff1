//! Model enumeration with the OMS rules: every entry below the root (hidden
//! files included), ignore rules applied before the symlink rule, empty
//! directories invisible, names as model-relative POSIX paths.
//!
//! Problems with single entries (a symlink that is not allowed, a FIFO, an
//! unreadable directory, a non-UTF-8 name) do not abort the walk: they are
//! collected so the report can list every one of them.

use std::fs;
use std::path::{Component, Path, PathBuf};

/// Git paths ignored at the model root by default.
pub const DEFAULT_GIT_IGNORES: &[&str] = &[".git", ".gitattributes", ".github", ".gitignore"];

/// Model-relative paths to exclude; a path is ignored when it equals an
/// entry or lies below it (component-wise).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IgnoreSet {
    entries: Vec<Vec<String>>,
}

impl IgnoreSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a model-relative path. Entries that escape the model (`..`,
    /// absolute) never match anything and are dropped.
    pub fn add(&mut self, rel: &str) {
        if let Some(norm) = normalize_relative(rel)
            && !norm.is_empty() {
                let parts: Vec<String> = norm.split('/').map(str::to_string).collect();
                if !self.entries.contains(&parts) {
                    self.entries.push(parts);
                }
            }
    }

    pub fn with_git_defaults(mut self) -> Self {
        for p in DEFAULT_GIT_IGNORES {
            self.add(p);
        }
        self
    }

    pub fn matches(&self, rel: &str) -> bool {
        let parts: Vec<&str> = rel.split('/').collect();
        self.entries
            .iter()
            .any(|e| e.len() <= parts.len() && e.iter().zip(&parts).all(|(a, b)| a == b))
    }

    pub fn entries(&self) -> Vec<String> {
        let mut v: Vec<String> = self.entries.iter().map(|e| e.join("/")).collect();
        v.sort();
        v
    }
}

/// Lexically normalises a model-relative POSIX path: collapses `//`, drops
/// `.` and trailing `/`. Returns `None` if it is absolute or uses `..`.
pub fn normalize_relative(rel: &str) -> Option<String> {
    if rel.starts_with('/') {
        return None;
    }
    let mut out: Vec<&str> = Vec::new();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p => out.push(p),
        }
    }
    Some(out.join("/"))
}

/// One hashable file found in the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryEntry {
    /// Model-relative POSIX path, or `.` for a single-file model.
    pub rel: String,
    pub abs: PathBuf,
    pub size: u64,
    /// Where a followed symlink points (as read from the link).
    pub link_target: Option<PathBuf>,
}

/// An entry that cannot be part of the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkIssue {
    pub rel: String,
    pub reason: String,
}

/// Everything the walk found.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub root: PathBuf,
    pub single_file: bool,
    /// Files to hash, in canonical order.
    pub files: Vec<InventoryEntry>,
    /// Paths skipped by an ignore rule (top-most ignored entry only).
    pub ignored: Vec<String>,
    pub issues: Vec<WalkIssue>,
}

impl Inventory {
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

/// Enumerates `root` (a directory or a single file).
///
/// `allow_symlinks`: follow links to regular files *inside* the model (a
/// link into a directory contributes nothing, as in the reference). Links
/// that are not allowed, broken, or lead outside the model are issues.
pub fn walk(root: &Path, ignore: &IgnoreSet, allow_symlinks: bool) -> std::io::Result<Inventory> {
    let meta = fs::metadata(root)?;
    let mut inv = Inventory { root: root.to_path_buf(), ..Default::default() };
    if meta.is_file() {
        inv.single_file = true;
        inv.files.push(InventoryEntry { rel: ".".into(), abs: root.to_path_buf(), size: meta.len(), link_target: None });
        return Ok(inv);
    }
    if !meta.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} is neither a directory nor a regular file", root.display()),
        ));
    }
    let canon_root = fs::canonicalize(root)?;
    let mut stack: Vec<(PathBuf, String)> = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        let rd = match fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) => {
                inv.issues.push(WalkIssue { rel: display_rel(&prefix), reason: format!("cannot read directory: {e}") });
                continue;
            }
        };
        for entry in rd {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    inv.issues.push(WalkIssue { rel: display_rel(&prefix), reason: format!("cannot read directory entry: {e}") });
                    continue;
                }
            };
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                inv.issues.push(WalkIssue {
                    rel: format!("{prefix}{}", name.to_string_lossy()),
                    reason: "file name is not valid UTF-8 and cannot be named in a signature".into(),
                });
                continue;
            };
            let rel = format!("{prefix}{name}");
            if ignore.matches(&rel) {
                inv.ignored.push(rel);
                continue;
            }
            let path = entry.path();
            let lmeta = match fs::symlink_metadata(&path) {
                Ok(m) => m,
                Err(e) => {
                    inv.issues.push(WalkIssue { rel, reason: format!("cannot stat: {e}") });
                    continue;
                }
            };
            if lmeta.file_type().is_symlink() {
                let target = fs::read_link(&path).ok();
                if !allow_symlinks {
                    inv.issues.push(WalkIssue {
                        rel,
                        reason: format!(
                            "is a symlink{}; symlinks are followed only with --allow-symlinks",
                            target.as_ref().map(|t| format!(" to {}", t.display())).unwrap_or_default()
                        ),
                    });
                    continue;
                }
                let resolved = match fs::canonicalize(&path) {
                    Ok(r) => r,
                    Err(e) => {
                        inv.issues.push(WalkIssue { rel, reason: format!("broken symlink: {e}") });
                        continue;
                    }
                };
                if !resolved.starts_with(&canon_root) {
                    inv.issues.push(WalkIssue {
                        rel,
                        reason: format!("symlink points outside the model, to {}", resolved.display()),
                    });
                    continue;
                }
                match fs::metadata(&resolved) {
                    Ok(m) if m.is_file() => inv.files.push(InventoryEntry { rel, abs: path, size: m.len(), link_target: target }),
                    Ok(m) if m.is_dir() => {} // not descended, like the reference
                    Ok(_) => inv.issues.push(WalkIssue { rel, reason: "symlink to something that is not a regular file".into() }),
                    Err(e) => inv.issues.push(WalkIssue { rel, reason: format!("cannot stat link target: {e}") }),
                }
                continue;
            }
            let ft = lmeta.file_type();
            if ft.is_dir() {
                stack.push((path, format!("{rel}/")));
            } else if ft.is_file() {
                inv.files.push(InventoryEntry { rel, abs: path, size: lmeta.len(), link_target: None });
            } else {
                inv.issues.push(WalkIssue { rel, reason: "not a regular file or directory (FIFO, socket or device)".into() });
            }
        }
    }
    inv.files.sort_by(|a, b| super::path_key(&a.rel).cmp(&super::path_key(&b.rel)));
    inv.ignored.sort();
    inv.issues.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(inv)
}

fn display_rel(prefix: &str) -> String {
    let p = prefix.trim_end_matches('/');
    if p.is_empty() { ".".into() } else { p.into() }
}

/// Turns a user's `--ignore-path` into a model-relative path. Accepts a
/// path relative to the working directory (or absolute) that lies inside the
/// model, like model_signing's `--ignore-paths`, and a path relative to the
/// model root.
pub fn resolve_user_ignore(model_root: &Path, given: &Path) -> Option<String> {
    let abs_root = lexical(&std::path::absolute(model_root).ok()?);
    let under_root = |p: &Path| -> Option<String> {
        let rel = lexical(&std::path::absolute(p).ok()?);
        let rel = rel.strip_prefix(&abs_root).ok()?.to_str()?.replace('\\', "/");
        normalize_relative(&rel).filter(|s| !s.is_empty())
    };
    if given.is_absolute() {
        return under_root(given);
    }
    // Working-directory form (`mymodel/cache` while SOURCE is `mymodel`).
    if (given.exists() || given.starts_with(model_root))
        && let Some(rel) = under_root(given) {
            return Some(rel);
        }
    // Model-relative form.
    given.to_str().and_then(|s| normalize_relative(&s.replace('\\', "/"))).filter(|s| !s.is_empty())
}

/// Lexical normalisation of an absolute path (no file-system access).
fn lexical(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_is_component_wise() {
        let mut s = IgnoreSet::new();
        s.add("notes");
        s.add("./a//b/");
        s.add("../escape");
        s.add("/abs");
        assert!(s.matches("notes"));
        assert!(s.matches("notes/a.md"));
        assert!(!s.matches("notes2"));
        assert!(s.matches("a/b/c"));
        assert!(!s.matches("a/bc"));
        assert_eq!(s.entries(), vec!["a/b".to_string(), "notes".to_string()]);
    }

    #[test]
    fn normalization() {
        assert_eq!(normalize_relative("a//b/./c/"), Some("a/b/c".into()));
        assert_eq!(normalize_relative("../x"), None);
        assert_eq!(normalize_relative("a/../x"), None);
        assert_eq!(normalize_relative("/x"), None);
    }

    #[test]
    fn user_ignores_resolve_both_ways() {
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join("mymodel");
        std::fs::create_dir_all(model.join("cache")).unwrap();
        assert_eq!(resolve_user_ignore(&model, &model.join("cache")), Some("cache".into()));
        assert_eq!(resolve_user_ignore(&model, Path::new("cache")), Some("cache".into()));
        assert_eq!(resolve_user_ignore(&model, Path::new("/elsewhere/x")), None);
    }
}

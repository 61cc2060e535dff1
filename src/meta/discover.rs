//! Finding metadata documents: in the model directory (top level), beside
//! the signature when it lives elsewhere, and Hugging Face cards in local
//! card mirrors (`--cards DIR`) for base models and datasets named by id.

use std::path::{Path, PathBuf};

/// Largest document we read; larger ones are reported and skipped.
pub const MAX_DOC_BYTES: u64 = 64 << 20;
/// How much of a `.json` file we look at to decide whether it is metadata.
const SNIFF_BYTES: usize = 64 << 10;
/// Weight files whose headers we read, at most.
const MAX_WEIGHT_FILES: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    Card,
    License,
    Notice,
    Json,
    TagValue,
    Safetensors,
    Gguf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub abs: PathBuf,
    /// Model-relative POSIX path for files inside the model, else the path as found.
    pub rel: String,
    pub hint: Hint,
    pub inside_model: bool,
}

/// HF config files that are never metadata documents (and can be large).
const SKIP_JSON: &[&str] = &[
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "preprocessor_config.json",
    "adapter_config.json",
    "vocab.json",
    "added_tokens.json",
];

fn classify(name: &str) -> Option<Hint> {
    let lower = name.to_ascii_lowercase();
    if lower == "readme.md" {
        return Some(Hint::Card);
    }
    let stem = lower.split('.').next().unwrap_or("");
    if matches!(stem, "license" | "licence" | "copying" | "license-model" | "license_model") {
        return Some(Hint::License);
    }
    if stem == "notice" {
        return Some(Hint::Notice);
    }
    if lower.ends_with(".safetensors") {
        return Some(Hint::Safetensors);
    }
    if lower.ends_with(".gguf") {
        return Some(Hint::Gguf);
    }
    if lower.ends_with(".spdx") || lower.ends_with(".spdx.tv") || lower.ends_with(".spdx.tag") {
        return Some(Hint::TagValue);
    }
    if (lower.ends_with(".json") || lower.ends_with(".jsonld") || lower.ends_with(".jsonl")) && !SKIP_JSON.contains(&lower.as_str()) && !lower.ends_with(".index.json") {
        return Some(Hint::Json);
    }
    None
}

/// Whether the start of a JSON file names a format we read.
pub fn json_is_metadata(head: &[u8]) -> bool {
    let s = String::from_utf8_lossy(&head[..head.len().min(SNIFF_BYTES)]);
    ["\"spdxVersion\"", "\"@graph\"", "\"bomFormat\"", "\"_type\"", "\"payloadType\"", "\"model_name\"", "\"predicateType\""]
        .iter()
        .any(|m| s.contains(m))
}

fn list_dir(dir: &Path, inside: bool, root: &Path, out: &mut Vec<Candidate>, warnings: &mut Vec<String>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            warnings.push(format!("cannot list {}: {e}", dir.display()));
            return;
        }
    };
    let mut names: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    names.sort();
    let mut weights = 0;
    for (name, abs) in names {
        let Some(hint) = classify(&name) else { continue };
        if matches!(hint, Hint::Safetensors | Hint::Gguf) {
            weights += 1;
            if weights > MAX_WEIGHT_FILES {
                continue;
            }
        }
        if hint == Hint::Json {
            let mut head = vec![0u8; SNIFF_BYTES];
            let n = std::fs::File::open(&abs).and_then(|mut f| std::io::Read::read(&mut f, &mut head)).unwrap_or(0);
            if !json_is_metadata(&head[..n]) {
                continue;
            }
        }
        let rel = if inside {
            abs.strip_prefix(root).map(|p| p.to_string_lossy().replace('\\', "/")).unwrap_or(name.clone())
        } else {
            abs.display().to_string()
        };
        if out.iter().any(|c| c.abs == abs) {
            continue;
        }
        out.push(Candidate { abs, rel, hint, inside_model: inside });
    }
}

/// Lists the documents to read. `signature` is the signature file, if any.
pub fn discover(model_root: &Path, signature: Option<&Path>, warnings: &mut Vec<String>) -> Vec<Candidate> {
    let mut out = Vec::new();
    if model_root.is_file() {
        let name = model_root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if let Some(hint) = classify(&name) {
            out.push(Candidate { abs: model_root.to_path_buf(), rel: ".".into(), hint, inside_model: true });
        }
        if let Some(parent) = model_root.parent() {
            let dir = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
            list_dir(dir, false, dir, &mut out, warnings);
        }
    } else {
        list_dir(model_root, true, model_root, &mut out, warnings);
    }
    if let Some(sig) = signature
        && let Some(dir) = sig.parent() {
            let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
            let same = std::fs::canonicalize(dir).ok() == std::fs::canonicalize(model_root).ok();
            if !same {
                list_dir(dir, false, dir, &mut out, warnings);
            }
        }
    out
}

/// Finds a card for a Hub id in local mirrors: `<dir>/<org>/<name>/README.md`,
/// `<dir>/<name>/README.md`, and the same under `datasets/` for datasets.
pub fn find_card(dirs: &[PathBuf], hf_id: &str, dataset: bool) -> Option<PathBuf> {
    let (org, name) = hf_id.split_once('/').unwrap_or(("", hf_id));
    if name.is_empty() || name.contains("..") || org.contains("..") {
        return None;
    }
    for d in dirs {
        let mut tries: Vec<PathBuf> = Vec::new();
        let sub = if dataset { vec!["datasets", ""] } else { vec!["", "models"] };
        for s in sub {
            let base = if s.is_empty() { d.clone() } else { d.join(s) };
            if !org.is_empty() {
                tries.push(base.join(org).join(name).join("README.md"));
            }
            tries.push(base.join(name).join("README.md"));
        }
        if let Some(p) = tries.into_iter().find(|p| p.is_file()) {
            return Some(p);
        }
    }
    None
}

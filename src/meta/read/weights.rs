//! Cheap licence/name metadata from weight files: the safetensors JSON
//! header's `__metadata__` and GGUF `general.license` / `general.name`
//! key-value pairs. Only the header is read (bounded), never the tensors.
//! Hand-written: the formats' headers are a few lines to parse and the
//! crates that read them pull in tensor machinery we do not need.

use super::Extract;
use crate::meta::license::{map_hf_id, parse_spdx};
use crate::meta::model::{ClaimKind, ComponentKind};
use std::io::Read;

/// Largest header we read.
const MAX_HEADER: u64 = 16 << 20;

const LICENSE_KEYS: &[&str] = &["license", "general.license", "licence", "spdx_license"];
const NAME_KEYS: &[&str] = &["name", "general.name", "model_name"];

fn claim(ex: &mut Extract, path: &str, key: &str, value: &str) {
    let p = {
        let s = parse_spdx(value);
        if s.value.is_known() { s } else { map_hf_id(value, None) }
    };
    let c = ex.comp("subject");
    c.license(p.value, ClaimKind::Declared, format!("{path} header: {key}"), value, p.note);
}

pub fn read_safetensors(file: &mut dyn Read, path: &str) -> Extract {
    let mut ex = Extract::default();
    {
        let c = ex.comp("subject");
        c.is_subject = true;
        c.kind = Some(ComponentKind::Model);
    }
    let mut len = [0u8; 8];
    if file.read_exact(&mut len).is_err() {
        ex.warn("too short for a safetensors header");
        return ex;
    }
    let n = u64::from_le_bytes(len);
    if n > MAX_HEADER {
        ex.warn(format!("safetensors header of {n} bytes is larger than we read"));
        return ex;
    }
    let mut buf = vec![0u8; n as usize];
    if let Err(e) = file.read_exact(&mut buf) {
        ex.warn(format!("safetensors header truncated: {e}"));
        return ex;
    }
    let v: serde_json::Value = match serde_json::from_slice(&buf) {
        Ok(v) => v,
        Err(e) => {
            ex.warn(format!("safetensors header is not JSON: {e}"));
            return ex;
        }
    };
    if let Some(m) = v.get("__metadata__").and_then(|m| m.as_object()) {
        for (k, val) in m {
            let Some(s) = val.as_str() else { continue };
            if LICENSE_KEYS.contains(&k.to_ascii_lowercase().as_str()) {
                claim(&mut ex, path, &format!("__metadata__.{k}"), s);
            } else if NAME_KEYS.contains(&k.to_ascii_lowercase().as_str()) {
                ex.comp("subject").set_name(s);
            }
        }
    }
    ex
}

fn rd_u64(r: &mut dyn Read) -> Option<u64> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b).ok()?;
    Some(u64::from_le_bytes(b))
}

fn rd_u32(r: &mut dyn Read) -> Option<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b).ok()?;
    Some(u32::from_le_bytes(b))
}

fn rd_str(r: &mut dyn Read) -> Option<String> {
    let n = rd_u64(r)?;
    if n > 1 << 20 {
        return None;
    }
    let mut b = vec![0u8; n as usize];
    r.read_exact(&mut b).ok()?;
    Some(String::from_utf8_lossy(&b).into_owned())
}

/// Skips one GGUF value of type `t`; returns the string for strings.
fn rd_value(r: &mut dyn Read, t: u32, depth: u32) -> Option<Option<String>> {
    let fixed = match t {
        0 | 1 | 7 => 1,
        2 | 3 => 2,
        4..=6 => 4,
        10..=12 => 8,
        8 => return rd_str(r).map(Some),
        9 => {
            if depth > 2 {
                return None;
            }
            let et = rd_u32(r)?;
            let n = rd_u64(r)?;
            if n > 1 << 24 {
                return None;
            }
            for _ in 0..n {
                rd_value(r, et, depth + 1)?;
            }
            return Some(None);
        }
        _ => return None,
    };
    let mut b = vec![0u8; fixed];
    r.read_exact(&mut b).ok()?;
    Some(None)
}

pub fn read_gguf(file: &mut dyn Read, path: &str) -> Extract {
    let mut ex = Extract::default();
    {
        let c = ex.comp("subject");
        c.is_subject = true;
        c.kind = Some(ComponentKind::Model);
    }
    let mut magic = [0u8; 4];
    if file.read_exact(&mut magic).is_err() || &magic != b"GGUF" {
        ex.warn("not a GGUF file (bad magic)");
        return ex;
    }
    let Some(version) = rd_u32(file) else {
        ex.warn("GGUF header truncated");
        return ex;
    };
    ex.version = Some(format!("GGUF v{version}"));
    if version < 2 {
        ex.warn("GGUF v1 headers are not read");
        return ex;
    }
    let (Some(_tensors), Some(kv)) = (rd_u64(file), rd_u64(file)) else {
        ex.warn("GGUF header truncated");
        return ex;
    };
    for _ in 0..kv.min(100_000) {
        let (Some(key), Some(t)) = (rd_str(file), rd_u32(file)) else {
            ex.warn("GGUF metadata truncated");
            return ex;
        };
        match rd_value(file, t, 0) {
            Some(Some(s)) => {
                if LICENSE_KEYS.contains(&key.as_str()) {
                    claim(&mut ex, path, &key, &s);
                } else if key == "general.name" {
                    ex.comp("subject").set_name(&s);
                }
            }
            Some(None) => {}
            None => {
                ex.warn(format!("GGUF metadata value for `{key}` unreadable; stopped"));
                return ex;
            }
        }
    }
    ex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_weights_safetensors_metadata() {
        let hdr = br#"{"__metadata__":{"license":"apache-2.0","name":"tiny"}}"#;
        let mut b = (hdr.len() as u64).to_le_bytes().to_vec();
        b.extend_from_slice(hdr);
        let ex = read_safetensors(&mut &b[..], "m.safetensors");
        assert_eq!(ex.components[0].licenses[0].value.display(), "Apache-2.0");
        assert_eq!(ex.components[0].name.as_deref(), Some("tiny"));
    }

    #[test]
    fn meta_weights_gguf_metadata() {
        let mut b = b"GGUF".to_vec();
        b.extend_from_slice(&3u32.to_le_bytes());
        b.extend_from_slice(&0u64.to_le_bytes());
        b.extend_from_slice(&2u64.to_le_bytes());
        for (k, v) in [("general.name", "Tiny"), ("general.license", "mit")] {
            b.extend_from_slice(&(k.len() as u64).to_le_bytes());
            b.extend_from_slice(k.as_bytes());
            b.extend_from_slice(&8u32.to_le_bytes());
            b.extend_from_slice(&(v.len() as u64).to_le_bytes());
            b.extend_from_slice(v.as_bytes());
        }
        let ex = read_gguf(&mut &b[..], "m.gguf");
        assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
        assert_eq!(ex.components[0].licenses[0].value.display(), "MIT");
        let bad = read_gguf(&mut &b"GGUF\x03\0\0\0"[..], "m.gguf");
        assert!(!bad.warnings.is_empty());
    }
}

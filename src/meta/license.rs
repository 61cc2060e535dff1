//! Licence values: SPDX expressions (checked with the `spdx` crate against
//! the SPDX list), NOASSERTION/NONE kept distinct, and our own Hugging Face
//! id table (`data/hf_licenses.toml`): the `spdx` crate's imprecise lookup
//! maps `bsd-3-clause` to BSD-2-Clause and `lgpl-3.0` to LGPL-2.0-only, so
//! it is never used.

use super::catalog::Catalog;
use super::model::LicenseValue;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const HF_TABLE: &str = include_str!("data/hf_licenses.toml");

#[derive(Debug, Default, Deserialize)]
struct HfTable {
    #[serde(default)]
    map: BTreeMap<String, String>,
    #[serde(default)]
    ambiguous_version: BTreeMap<String, String>,
    #[serde(default)]
    families: Families,
}

#[derive(Debug, Default, Deserialize)]
struct Families {
    #[serde(default)]
    ids: Vec<String>,
}

fn hf_table() -> &'static HfTable {
    static T: OnceLock<HfTable> = OnceLock::new();
    T.get_or_init(|| toml::from_str(HF_TABLE).unwrap_or_default())
}

/// Whether the embedded Hugging Face table parsed (checked by tests).
pub fn hf_table_ok() -> bool {
    toml::from_str::<HfTable>(HF_TABLE).is_ok()
}

/// A parsed value plus how it was obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub value: LicenseValue,
    pub note: Option<String>,
}

fn exact_spdx_id_ci(token: &str) -> Option<&'static str> {
    spdx::identifiers::LICENSES
        .iter()
        .find(|l| l.name.eq_ignore_ascii_case(token))
        .map(|l| l.name)
}

fn from_expression(expr: &spdx::Expression, text: &str) -> LicenseValue {
    let mut ids: Vec<String> = Vec::new();
    for r in expr.requirements() {
        let s = r.req.license.to_string();
        if !ids.contains(&s) {
            ids.push(s);
        }
    }
    let conjunctive = !expr.iter().any(|n| matches!(n, spdx::expression::ExprNode::Op(spdx::expression::Operator::Or)));
    LicenseValue::Expression { expression: text.trim().to_string(), ids, conjunctive }
}

/// Parses an SPDX licence expression as written in an SBOM.
pub fn parse_spdx(raw: &str) -> Parsed {
    let t = raw.trim();
    if t.is_empty() {
        return Parsed { value: LicenseValue::Unknown { raw: raw.into(), reason: "empty".into() }, note: None };
    }
    if t == "NOASSERTION" {
        return Parsed { value: LicenseValue::NoAssertion, note: None };
    }
    if t == "NONE" {
        return Parsed { value: LicenseValue::None, note: None };
    }
    match spdx::Expression::parse(t) {
        Ok(e) => Parsed { value: from_expression(&e, t), note: None },
        Err(first) => {
            // Second chance: fix only the case of exact SPDX ids and operators.
            let fixed = fix_case(t);
            if fixed != t
                && let Ok(e) = spdx::Expression::parse(&fixed) {
                    return Parsed {
                        value: from_expression(&e, &fixed),
                        note: Some(format!("case normalised from `{t}`")),
                    };
                }
            Parsed {
                value: LicenseValue::Unknown { raw: t.to_string(), reason: format!("not a valid SPDX expression: {}", first.reason) },
                note: None,
            }
        }
    }
}

fn fix_case(t: &str) -> String {
    let spaced = t.replace('(', " ( ").replace(')', " ) ");
    let mut out: Vec<String> = Vec::new();
    for tok in spaced.split_whitespace() {
        let up = tok.to_ascii_uppercase();
        if matches!(up.as_str(), "AND" | "OR" | "WITH") {
            out.push(up);
        } else if tok.len() > 11 && tok[..11].eq_ignore_ascii_case("licenseref-") {
            out.push(format!("LicenseRef-{}", &tok[11..]));
        } else if let Some(id) = exact_spdx_id_ci(tok.trim_end_matches('+')) {
            out.push(if tok.ends_with('+') { format!("{id}+") } else { id.to_string() });
        } else {
            out.push(tok.to_string());
        }
    }
    out.join(" ").replace("( ", "(").replace(" )", ")")
}

/// Turns any text into the idstring part of a `LicenseRef-` (letters, digits, `.` and `-`).
pub fn ref_safe(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let t = out.trim_matches('-').to_string();
    if t.is_empty() { "unnamed".into() } else { t }
}

fn single(id: &str) -> LicenseValue {
    LicenseValue::Expression { expression: id.to_string(), ids: vec![id.to_string()], conjunctive: true }
}

/// Maps one Hugging Face licence id (card `license:`) to a value.
/// `license_name` is used for `other`.
pub fn map_hf_id(raw: &str, license_name: Option<&str>) -> Parsed {
    let id = raw.trim();
    let lower = id.to_ascii_lowercase();
    let table = hf_table();
    if lower == "other" {
        return match license_name {
            Some(n) if !n.trim().is_empty() => {
                if let Some(t) = Catalog::get().lookup(n) {
                    return Parsed {
                        value: single(&t.id),
                        note: Some(format!("`license: other`, license_name `{n}` is the catalogued {}", t.name)),
                    };
                }
                let r = format!("LicenseRef-hf-{}", ref_safe(n));
                Parsed { value: single(&r), note: Some(format!("`license: other` with license_name `{n}`: custom licence")) }
            }
            _ => Parsed {
                value: LicenseValue::Unknown { raw: id.into(), reason: "`license: other` without license_name".into() },
                note: None,
            },
        };
    }
    if lower == "unknown" || lower.is_empty() {
        return Parsed { value: LicenseValue::Unknown { raw: id.into(), reason: "the card says the licence is unknown".into() }, note: None };
    }
    if let Some(s) = table.map.get(&lower) {
        return Parsed { value: single(s), note: Some(format!("Hugging Face id `{id}` mapped to {s}")) };
    }
    if let Some(s) = table.ambiguous_version.get(&lower) {
        return Parsed {
            value: single(s),
            note: Some(format!("Hugging Face id `{id}` mapped to {s}; whether later versions are allowed (-or-later) is not stated")),
        };
    }
    if table.families.ids.iter().any(|f| f.eq_ignore_ascii_case(&lower)) {
        return Parsed {
            value: LicenseValue::Unknown { raw: id.into(), reason: format!("`{id}` names a licence family without a version") },
            note: None,
        };
    }
    if let Some(s) = exact_spdx_id_ci(id) {
        let note = if s == id { None } else { Some(format!("Hugging Face id `{id}` mapped to {s}")) };
        return Parsed { value: single(s), note };
    }
    if let Some(t) = Catalog::get().lookup(id) {
        return Parsed { value: single(&t.id), note: Some(format!("Hugging Face id `{id}` is the catalogued {} (not on the SPDX list)", t.name)) };
    }
    // An SPDX expression written directly into the card?
    let p = parse_spdx(id);
    if p.value.is_known() {
        return p;
    }
    let r = format!("LicenseRef-hf-{}", ref_safe(id));
    Parsed { value: single(&r), note: Some(format!("`{id}` is neither an SPDX id nor in our catalog: custom licence")) }
}

/// Parses a free licence string from a manifest or provenance document:
/// an SPDX expression, else a Hugging Face id, else unknown (raw kept).
pub fn parse_loose(raw: &str) -> Parsed {
    let p = parse_spdx(raw);
    if p.value.is_known() || matches!(p.value, LicenseValue::NoAssertion | LicenseValue::None) {
        return p;
    }
    let h = map_hf_id(raw, None);
    match &h.value {
        LicenseValue::Expression { ids, .. } if ids.iter().all(|i| !i.starts_with("LicenseRef-hf-")) => h,
        _ => p,
    }
}

/// Combines several values with AND (a list of licences in a card).
pub fn and_all(values: &[LicenseValue]) -> LicenseValue {
    let known: Vec<&LicenseValue> = values.iter().filter(|v| v.is_known()).collect();
    if known.len() != values.len() || known.is_empty() {
        return values.iter().find(|v| !v.is_known()).cloned().unwrap_or(LicenseValue::NoAssertion);
    }
    let mut ids = Vec::new();
    let mut parts = Vec::new();
    let mut conj = true;
    for v in known {
        if let LicenseValue::Expression { expression, ids: i, conjunctive } = v {
            conj &= *conjunctive;
            parts.push(if *conjunctive { expression.clone() } else { format!("({expression})") });
            for x in i {
                if !ids.contains(x) {
                    ids.push(x.clone());
                }
            }
        }
    }
    LicenseValue::Expression { expression: parts.join(" AND "), ids, conjunctive: conj }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(v: &LicenseValue) -> String {
        v.display()
    }

    #[test]
    fn meta_license_hf_mapping_table() {
        assert!(hf_table_ok());
        assert_eq!(expr(&map_hf_id("bsd-3-clause", None).value), "BSD-3-Clause");
        assert_eq!(expr(&map_hf_id("lgpl-3.0", None).value), "LGPL-3.0-only");
        assert!(map_hf_id("lgpl-3.0", None).note.unwrap().contains("-or-later"));
        assert_eq!(expr(&map_hf_id("apache-2.0", None).value), "Apache-2.0");
        assert_eq!(expr(&map_hf_id("odc-by", None).value), "ODC-By-1.0");
        assert_eq!(expr(&map_hf_id("cc-by-nc-4.0", None).value), "CC-BY-NC-4.0");
        assert_eq!(expr(&map_hf_id("llama3.1", None).value), "LicenseRef-Llama-3.1-Community");
        assert!(matches!(map_hf_id("bsd", None).value, LicenseValue::Unknown { .. }));
        assert!(matches!(map_hf_id("unknown", None).value, LicenseValue::Unknown { .. }));
        assert_eq!(
            expr(&map_hf_id("other", Some("northwind-community-model-license-1.0")).value),
            "LicenseRef-hf-northwind-community-model-license-1.0"
        );
        assert_eq!(expr(&map_hf_id("my weird licence", None).value), "LicenseRef-hf-my-weird-licence");
    }

    #[test]
    fn meta_license_spdx_expressions() {
        let p = parse_spdx("Apache-2.0 AND MIT");
        assert!(matches!(&p.value, LicenseValue::Expression { ids, conjunctive: true, .. } if ids.len() == 2));
        assert_eq!(parse_spdx("NOASSERTION").value, LicenseValue::NoAssertion);
        assert_eq!(parse_spdx("NONE").value, LicenseValue::None);
        assert!(matches!(parse_spdx("apache-2.0 or").value, LicenseValue::Unknown { .. }));
        assert!(matches!(parse_spdx("Llama-3.1-Community").value, LicenseValue::Unknown { .. }));
        let lower = parse_spdx("apache-2.0 or mit");
        assert_eq!(expr(&lower.value), "Apache-2.0 OR MIT");
        assert!(lower.note.is_some());
        assert!(matches!(parse_spdx("MIT OR Apache-2.0").value, LicenseValue::Expression { conjunctive: false, .. }));
        assert!(parse_spdx("LicenseRef-Acme-Eval-Terms-1.0").value.is_known());
    }

    #[test]
    fn meta_license_and_all() {
        let v = and_all(&[map_hf_id("cc-by-4.0", None).value, map_hf_id("odc-by", None).value]);
        assert_eq!(v.display(), "CC-BY-4.0 AND ODC-By-1.0");
    }
}

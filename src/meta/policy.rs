//! Reviewer policy, read from a TOML file (`--policy FILE`):
//!
//! ```toml
//! # How the organisation will use the model: "commercial" (default),
//! # "internal" or "research". Decides whether non-commercial terms conflict.
//! intended_use = "commercial"
//!
//! [licenses]
//! # SPDX ids or LicenseRef-… (case-insensitive); a trailing * matches a prefix.
//! allowed = ["Apache-2.0", "MIT", "LicenseRef-Acme-Eval-Terms-1.0"]
//! denied = ["AGPL-3.0*", "CC-BY-NC-*"]
//! needs_review = ["LicenseRef-Llama-*"]
//!
//! [severity]
//! # Per-rule override: "conflict", "warn", "review", "info" or "off".
//! "CLAIM-UNSIGNED" = "off"
//! ```

use super::model::Severity;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum IntendedUse {
    #[default]
    Commercial,
    Internal,
    Research,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LicenseLists {
    pub allowed: Vec<String>,
    pub denied: Vec<String>,
    pub needs_review: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SeverityOverride {
    Conflict,
    Warn,
    Review,
    Info,
    Off,
}

/// The policy the findings are evaluated under.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    pub intended_use: IntendedUse,
    pub licenses: LicenseLists,
    pub severity: BTreeMap<String, SeverityOverride>,
    /// Where it came from (not read from the file).
    #[serde(skip)]
    pub source: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read policy {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("invalid policy {path}: {message}")]
    Parse { path: String, message: String },
}

/// What a list says about one licence id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListVerdict {
    Allowed,
    Denied,
    NeedsReview,
    Unlisted,
}

fn matches(pattern: &str, id: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => id.to_ascii_lowercase().starts_with(&prefix.to_ascii_lowercase()),
        None => pattern.eq_ignore_ascii_case(id),
    }
}

impl Policy {
    pub fn from_toml(text: &str, path: &str) -> Result<Policy, PolicyError> {
        let mut p: Policy = toml::from_str(text).map_err(|e| PolicyError::Parse { path: path.into(), message: e.to_string() })?;
        p.source = Some(path.to_string());
        Ok(p)
    }

    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|e| PolicyError::Read { path: path.display().to_string(), source: e })?;
        Policy::from_toml(&text, &path.display().to_string())
    }

    /// Denied wins over needs-review, which wins over allowed.
    pub fn verdict(&self, id: &str) -> ListVerdict {
        let l = &self.licenses;
        if l.denied.iter().any(|p| matches(p, id)) {
            ListVerdict::Denied
        } else if l.needs_review.iter().any(|p| matches(p, id)) {
            ListVerdict::NeedsReview
        } else if l.allowed.iter().any(|p| matches(p, id)) {
            ListVerdict::Allowed
        } else {
            ListVerdict::Unlisted
        }
    }

    /// The severity after overrides; `None` when the rule is switched off.
    pub fn severity(&self, rule: &str, default: Severity) -> Option<Severity> {
        match self.severity.get(rule) {
            None => Some(default),
            Some(SeverityOverride::Off) => None,
            Some(SeverityOverride::Conflict) => Some(Severity::Conflict),
            Some(SeverityOverride::Warn) => Some(Severity::Warn),
            Some(SeverityOverride::Review) => Some(Severity::Review),
            Some(SeverityOverride::Info) => Some(Severity::Info),
        }
    }

    pub fn describe(&self) -> String {
        match &self.source {
            Some(s) => format!("{s} (intended use: {})", self.intended_use_word()),
            None => format!("built-in defaults (intended use: {})", self.intended_use_word()),
        }
    }

    pub fn intended_use_word(&self) -> &'static str {
        match self.intended_use {
            IntendedUse::Commercial => "commercial",
            IntendedUse::Internal => "internal",
            IntendedUse::Research => "research",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_policy_parse_and_lists() {
        let p = Policy::from_toml(
            "intended_use = \"research\"\n[licenses]\nallowed=[\"MIT\"]\ndenied=[\"CC-BY-NC-*\"]\nneeds_review=[\"mit\"]\n[severity]\n\"CLAIM-UNSIGNED\"=\"off\"\n",
            "p.toml",
        )
        .unwrap();
        assert_eq!(p.intended_use, IntendedUse::Research);
        assert_eq!(p.verdict("CC-BY-NC-4.0"), ListVerdict::Denied);
        assert_eq!(p.verdict("MIT"), ListVerdict::NeedsReview);
        assert_eq!(p.verdict("ISC"), ListVerdict::Unlisted);
        assert_eq!(p.severity("CLAIM-UNSIGNED", Severity::Info), None);
        assert!(Policy::from_toml("bogus = 1", "p.toml").is_err());
    }
}

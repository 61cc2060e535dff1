//! The catalog of licence terms a reviewer needs: model licences that are
//! not on the SPDX list (Llama, Gemma, the OpenRAIL family, …) and the
//! attributes of SPDX-listed licences that the SPDX list does not carry
//! (non-commercial, no-derivatives, share-alike for data licences).
//!
//! Kept as an embedded data file (`data/catalog.toml`) so it can be reviewed
//! and extended without touching code; no crate publishes this data.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

const CATALOG_TOML: &str = include_str!("data/catalog.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Commercial {
    Yes,
    No,
    Conditional,
    #[default]
    Unknown,
}

impl Commercial {
    pub fn word(self) -> &'static str {
        match self {
            Commercial::Yes => "allowed",
            Commercial::No => "not allowed",
            Commercial::Conditional => "conditional",
            Commercial::Unknown => "unknown",
        }
    }
}

/// Attributes of one licence (catalog entry or SPDX attribute row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct LicenseTerms {
    /// Our `LicenseRef-…` id (catalog) or empty for SPDX rows.
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub url: Option<String>,
    pub commercial: Commercial,
    pub commercial_condition: Option<String>,
    pub attribution: Vec<String>,
    /// A notice file must ship with the model.
    pub notice_file: bool,
    /// A sentence that notice file must contain.
    pub notice_phrase: Option<String>,
    /// A phrase that must be displayed (e.g. "Built with Llama").
    pub display_phrase: Option<String>,
    /// Derived models' names must start with this.
    pub naming_prefix: Option<String>,
    pub field_of_use: Vec<String>,
    pub output_restrictions: Vec<String>,
    pub geo_restrictions: Vec<String>,
    pub share_alike: bool,
    pub no_derivatives: bool,
    /// Use restrictions must be passed on to recipients.
    pub flow_down: bool,
    /// Hugging Face repo prefixes published under this licence.
    pub base_repos: Vec<String>,
    /// Written from memory; check against the current terms.
    pub verify: bool,
    /// SPDX rows only: id prefix.
    pub prefix: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct CatalogFile {
    #[serde(default)]
    license: Vec<LicenseTerms>,
    #[serde(default)]
    spdx: Vec<LicenseTerms>,
}

/// The loaded catalog.
#[derive(Debug, Default)]
pub struct Catalog {
    pub licenses: Vec<LicenseTerms>,
    spdx: Vec<LicenseTerms>,
    /// Set when the embedded data could not be read (a build defect).
    pub error: Option<String>,
}

impl Catalog {
    /// The embedded catalog, parsed once.
    pub fn get() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| Catalog::parse(CATALOG_TOML))
    }

    pub fn parse(text: &str) -> Catalog {
        match toml::from_str::<CatalogFile>(text) {
            Ok(mut f) => {
                f.spdx.sort_by_key(|t| std::cmp::Reverse(t.prefix.as_deref().map_or(0, str::len)));
                Catalog { licenses: f.license, spdx: f.spdx, error: None }
            }
            Err(e) => Catalog { error: Some(format!("embedded licence catalog unreadable: {e}")), ..Default::default() },
        }
    }

    /// A catalog entry by its LicenseRef id or any alias (case-insensitive).
    pub fn lookup(&self, name: &str) -> Option<&LicenseTerms> {
        let n = name.trim();
        self.licenses
            .iter()
            .find(|t| t.id.eq_ignore_ascii_case(n) || t.aliases.iter().any(|a| a.eq_ignore_ascii_case(n)))
    }

    /// The catalog entry a well-known Hugging Face repo is published under.
    pub fn for_repo(&self, hf_id: &str) -> Option<&LicenseTerms> {
        let id = hf_id.to_ascii_lowercase();
        self.licenses
            .iter()
            .find(|t| t.base_repos.iter().any(|p| id.starts_with(&p.to_ascii_lowercase())))
    }

    /// Terms for one licence id in an expression: catalog entries for
    /// LicenseRef-…, attribute rows for SPDX ids, `None` when we know nothing.
    pub fn terms_for_id(&self, id: &str) -> Option<LicenseTerms> {
        if id.starts_with("LicenseRef-") {
            return self.lookup(id).cloned();
        }
        let row = self.spdx.iter().find(|t| t.prefix.as_deref().is_some_and(|p| id.starts_with(p)));
        let listed = spdx::license_id(id);
        match (row, listed) {
            (Some(r), _) => {
                let mut t = r.clone();
                t.id = id.to_string();
                if let Some(l) = listed {
                    t.name = l.full_name.to_string();
                    t.share_alike |= l.is_copyleft();
                }
                Some(t)
            }
            (None, Some(l)) => Some(LicenseTerms {
                id: id.to_string(),
                name: l.full_name.to_string(),
                // Anything on the SPDX list without an NC/ND row permits commercial use.
                commercial: Commercial::Yes,
                share_alike: l.is_copyleft(),
                ..Default::default()
            }),
            (None, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_catalog_parses_and_resolves_aliases() {
        let c = Catalog::get();
        assert!(c.error.is_none(), "{:?}", c.error);
        let l = c.lookup("llama3.1").expect("llama3.1");
        assert_eq!(l.id, "LicenseRef-Llama-3.1-Community");
        assert_eq!(l.commercial, Commercial::Conditional);
        assert_eq!(l.naming_prefix.as_deref(), Some("Llama"));
        assert_eq!(c.for_repo("meta-llama/Llama-3.1-8B-Instruct").map(|t| t.id.as_str()), Some(l.id.as_str()));
        assert_eq!(c.lookup("gemma").map(|t| t.commercial), Some(Commercial::Yes));
    }

    #[test]
    fn meta_catalog_spdx_attributes() {
        let c = Catalog::get();
        assert_eq!(c.terms_for_id("CC-BY-NC-4.0").map(|t| t.commercial), Some(Commercial::No));
        assert!(c.terms_for_id("CC-BY-NC-ND-4.0").is_some_and(|t| t.no_derivatives));
        assert!(c.terms_for_id("ODbL-1.0").is_some_and(|t| t.share_alike));
        assert!(c.terms_for_id("CC-BY-4.0").is_some_and(|t| !t.attribution.is_empty() && !t.share_alike));
        assert_eq!(c.terms_for_id("ISC").map(|t| t.commercial), Some(Commercial::Yes));
        assert!(c.terms_for_id("LicenseRef-nothing").is_none());
    }
}

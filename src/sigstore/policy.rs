//! Who must have signed: an identity policy for keyless certificates (exact
//! or regular-expression SAN and issuer, as cosign's
//! `--certificate-identity[-regexp]` / `--certificate-oidc-issuer[-regexp]`),
//! or a managed public key.

use regex::Regex;

/// The identity a keyless signature must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityPolicy {
    /// Expected SAN (exact), or a regular expression with `identity_regexp`.
    pub identity: String,
    pub identity_regexp: bool,
    /// Expected OIDC issuer (exact), or a regular expression.
    pub issuer: String,
    pub issuer_regexp: bool,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid regular expression {pattern:?}: {reason}")]
pub struct PolicyError {
    pub pattern: String,
    pub reason: String,
}

/// A compiled identity policy.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    pub policy: IdentityPolicy,
    identity_re: Option<Regex>,
    issuer_re: Option<Regex>,
}

fn compile(pattern: &str) -> Result<Regex, PolicyError> {
    Regex::new(pattern).map_err(|e| PolicyError { pattern: pattern.to_string(), reason: e.to_string() })
}

impl IdentityPolicy {
    pub fn exact(identity: impl Into<String>, issuer: impl Into<String>) -> Self {
        IdentityPolicy { identity: identity.into(), identity_regexp: false, issuer: issuer.into(), issuer_regexp: false }
    }

    /// Compiles the regular expressions (an invalid one is a usage error).
    pub fn compile(&self) -> Result<CompiledPolicy, PolicyError> {
        Ok(CompiledPolicy {
            identity_re: if self.identity_regexp { Some(compile(&self.identity)?) } else { None },
            issuer_re: if self.issuer_regexp { Some(compile(&self.issuer)?) } else { None },
            policy: self.clone(),
        })
    }

    /// Whether the policy is plain exact matching, which the dependency's
    /// verifier can also enforce (a second, independent check).
    pub fn is_exact(&self) -> bool {
        !self.identity_regexp && !self.issuer_regexp
    }
}

impl CompiledPolicy {
    /// Cosign semantics: exact string equality, or a regular expression that
    /// matches anywhere in the value (Go's `regexp.MatchString`; anchor it
    /// with `^…$` to match the whole value).
    pub fn identity_matches(&self, san: &str) -> bool {
        match &self.identity_re {
            Some(re) => re.is_match(san),
            None => san == self.policy.identity,
        }
    }

    pub fn issuer_matches(&self, issuer: &str) -> bool {
        match &self.issuer_re {
            Some(re) => re.is_match(issuer),
            None => issuer == self.policy.issuer,
        }
    }

    /// Describes the expectation, e.g. `exactly "x"` or `matching /x/`.
    pub fn describe_identity(&self) -> String {
        if self.policy.identity_regexp { format!("matching /{}/", self.policy.identity) } else { format!("exactly {:?}", self.policy.identity) }
    }

    pub fn describe_issuer(&self) -> String {
        if self.policy.issuer_regexp { format!("matching /{}/", self.policy.issuer) } else { format!("exactly {:?}", self.policy.issuer) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_and_regexp_matching() {
        let p = IdentityPolicy::exact("a@example.com", "https://accounts.google.com").compile().unwrap();
        assert!(p.identity_matches("a@example.com"));
        assert!(!p.identity_matches("xa@example.com"));
        assert!(p.issuer_matches("https://accounts.google.com"));
        assert!(!p.issuer_matches("https://accounts.google.com/"));
        let r = IdentityPolicy {
            identity: r"^https://github\.com/org/.*@refs/heads/main$".into(),
            identity_regexp: true,
            issuer: "githubusercontent".into(),
            issuer_regexp: true,
        }
        .compile()
        .unwrap();
        assert!(r.identity_matches("https://github.com/org/repo/.github/workflows/x.yml@refs/heads/main"));
        assert!(!r.identity_matches("https://github.com/evil/repo/.github/workflows/x.yml@refs/heads/main"));
        // Unanchored, like cosign.
        assert!(r.issuer_matches("https://token.actions.githubusercontent.com"));
        assert!(IdentityPolicy { identity: "(".into(), identity_regexp: true, issuer: "x".into(), issuer_regexp: false }.compile().is_err());
    }
}

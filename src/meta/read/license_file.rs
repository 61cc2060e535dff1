//! LICENSE / NOTICE files. Full-text licence matching (the `spdx` crate's
//! `detection` feature) needs about 2 MB of embedded licence data and still
//! scores a licence *reference* weakly, so we do something cheaper and more
//! honest: report what a file explicitly refers to (`SPDX-License-Identifier:`
//! tags and well-known licence titles) as a "detected" claim that says it is
//! a reference, never a full-text match. Files that name nothing give no
//! claim and the report says so.

use super::Extract;
use crate::meta::license::parse_spdx;
use crate::meta::model::{ClaimKind, ComponentKind, LicenseValue};

/// Licence titles and the SPDX id they refer to. Longest first.
const TITLES: &[(&str, &str)] = &[
    ("apache license, version 2.0", "Apache-2.0"),
    ("apache license version 2.0", "Apache-2.0"),
    ("apache-2.0", "Apache-2.0"),
    ("mit license", "MIT"),
    ("permission is hereby granted, free of charge", "MIT"),
    ("gnu affero general public license", "AGPL-3.0-only"),
    ("gnu lesser general public license", "LGPL-3.0-only"),
    ("mozilla public license version 2.0", "MPL-2.0"),
    ("creative commons attribution-noncommercial 4.0", "CC-BY-NC-4.0"),
    ("creative commons attribution 4.0", "CC-BY-4.0"),
    ("bsd 3-clause", "BSD-3-Clause"),
];

/// What a licence file refers to: (SPDX ids found, how).
pub fn references(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(i) = line.find("SPDX-License-Identifier:") {
            let rest = line[i + 24..].trim().trim_end_matches(')').trim();
            let p = parse_spdx(rest);
            if let LicenseValue::Expression { expression, .. } = p.value
                && !out.iter().any(|(e, _)| *e == expression) {
                    out.push((expression, format!("SPDX-License-Identifier tag: `{}`", line.trim())));
                }
        }
    }
    let lower = text.to_ascii_lowercase();
    for (title, id) in TITLES {
        if lower.contains(title) && !out.iter().any(|(e, _)| e.split(" AND ").any(|x| x == *id)) {
            out.push((id.to_string(), format!("names \"{title}\"")));
        }
    }
    out
}

/// Reads a LICENSE (or NOTICE when `notice`) file of the model at `path`.
pub fn read(text: &str, path: &str, notice: bool) -> Extract {
    let mut ex = Extract::default();
    let refs = references(text);
    let c = ex.comp("subject");
    c.is_subject = true;
    c.kind = Some(ComponentKind::Model);
    if notice {
        // A NOTICE names third-party licences; they are not the model's licence.
        return ex;
    }
    let Some((first, how)) = refs.first().cloned() else {
        ex.warn(format!("{path} names no SPDX licence (no SPDX-License-Identifier tag or known licence title); shown as text only"));
        return ex;
    };
    let p = parse_spdx(&first);
    c.license(
        p.value,
        ClaimKind::Detected,
        path.to_string(),
        first.clone(),
        Some(format!("the file refers to {first} ({how}); this is a reference, not a full-text match")),
    );
    ex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_license_file_references() {
        let r = references("under the Apache License, Version 2.0\n(SPDX-License-Identifier: Apache-2.0).");
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, "Apache-2.0");
        assert!(references("NORTHWIND COMMUNITY MODEL LICENSE 1.0\nbe nice").is_empty());
    }
}

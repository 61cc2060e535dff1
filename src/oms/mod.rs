//! OpenSSF Model Signing (OMS) v1.0: reading signatures (every historical
//! format model-signing wrote), verifying them against a local model, and
//! signing models with our own keys. Rules: `docs/oms-format.md` in the
//! shared material, summarised in the README.

pub mod bundle;
pub mod sign;
pub mod statement;
pub mod verify;

pub use verify::{Prepared, Trust, VerifyError, VerifyOptions, prepare};

/// Largest signature file we read (a 10,000-file manifest is about 2 MB).
pub const MAX_SIGNATURE_BYTES: u64 = 64 << 20;
/// The file name a signature gets by default.
pub const DEFAULT_SIGNATURE_NAME: &str = "model.sig";

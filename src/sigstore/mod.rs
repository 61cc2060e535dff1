//! Sigstore keyless verification (Fulcio certificates, Rekor transparency
//! log, RFC 3161 timestamps), fully offline against a trusted root.
//!
//! Modules, one job each: [`trust`] (embedded and user trust roots),
//! [`policy`] (identity/issuer, exact or regexp), [`verify`] (one bundle,
//! check by check, against `sigstore-verify` *and* our own checks),
//! [`merkle`], [`checkpoint`], [`set`], [`body`] (the transparency-log
//! proofs, hand-written as an independent second judge), [`logs`] (trusted
//! Rekor logs), [`transparency`] (the data the Transparency pane draws), and
//! [`oms`] (the OMS `sigstore` method).

pub mod body;
pub mod checkpoint;
pub mod logs;
pub mod merkle;
pub mod oms;
pub mod policy;
pub mod set;
pub mod transparency;
pub mod trust;
pub mod verify;

pub use oms::authenticate_oms;
pub use policy::{CompiledPolicy, IdentityPolicy, PolicyError};
pub use trust::{LoadedTrustRoot, TrustRootChoice, TrustRootError, TrustRootInfo};
pub use verify::{ArtifactInput, BundleOutcome, SignerPolicy, verify_bundle};

/// Whether this build verifies keyless signatures.
pub const KEYLESS_AVAILABLE: bool = true;

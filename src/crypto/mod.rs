//! Cryptographic primitives shared by every engine: EC keys (OMS, reviewer
//! keys, DSSE), X.509 certificate parsing and chain checks.
//!
//! Everything here wraps RustCrypto crates (`p256`, `p384`, `p521`,
//! `x509-cert`) and the signature algorithms of `rustls-webpki`; only the glue
//! (curve detection, the OMS key hint, the relaxed leaf rules the OMS format
//! needs) is written by hand.

pub mod keys;
pub mod x509;

pub use keys::{Curve, KeyError, PrivateKey, PublicKey};

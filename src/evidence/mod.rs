//! Evidence bundles: one deterministic archive that proves what was checked
//! and who approved it, re-checkable offline by a third party with our tool
//! or with independent ones (`sha256sum`, sigstore-js, cosign).

pub mod archive;
pub mod assemble;
pub mod export;
pub mod ledger_part;
pub mod verify;
pub mod sums;
pub mod vsa;

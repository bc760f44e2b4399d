//! `analysis_hash`: SHA-256 of the report's canonical JSON without the hash itself.

use sha2::{Digest, Sha256};

use super::Report;

/// The hash of a report. Canonical JSON: object keys sorted (serde_json's map is ordered),
/// no insignificant whitespace, `analysis_hash` left out.
pub fn analysis_hash(report: &Report) -> String {
    let mut value = serde_json::to_value(report).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.remove("analysis_hash");
    }
    canonical_hash(&value)
}

/// SHA-256 (hex) of a JSON value's canonical form: keys sorted, no whitespace.
pub fn canonical_hash(value: &serde_json::Value) -> String {
    let canonical = value.to_string();
    let digest = Sha256::digest(canonical.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

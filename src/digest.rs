//! Digests that name inputs and results.
//!
//! A result says exactly what it was computed from: the SHA-256 of every input
//! file, and of the normalised configuration (the records and settings the
//! model was built from, as canonical JSON). The canister and the command line
//! compute the same digest from the same records, so a voter can tell that an
//! answer on chain and one reproduced off chain speak of the same inputs.

use crate::inputs::{CandidateRow, Inputs, SubnetSpec};
use sha2::{Digest, Sha256};

/// Lowercase hexadecimal SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of the normalised configuration: every record and setting the model
/// is built from (warnings excluded), as canonical JSON. Struct fields serialise
/// in declaration order and maps are ordered, so the bytes are canonical.
pub fn configuration_digest(inputs: &Inputs) -> String {
    let normalised = Inputs { warnings: Vec::new(), ..inputs.clone() };
    sha256_hex(&serde_json::to_vec(&normalised).expect("records serialise"))
}

/// SHA-256 of a target topology (its subnets in order), as canonical JSON.
pub fn topology_digest(topology: &[SubnetSpec]) -> String {
    sha256_hex(&serde_json::to_vec(topology).expect("records serialise"))
}

/// SHA-256 of the candidate rows, as canonical JSON.
pub fn candidates_digest(candidates: &[CandidateRow]) -> String {
    sha256_hex(&serde_json::to_vec(candidates).expect("records serialise"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_limits_are_part_of_the_configuration_digest() {
        use crate::inputs::*;
        let mut inputs = Inputs {
            settings: RuleSet::Y2025.default_settings(),
            nodes: vec![],
            pipeline: vec![],
            topology: crate::topology_in_force::subnets(),
            sev_providers: vec![],
            cordons: vec![],
            clusters: vec![],
            special_limits: Some(SpecialLimits::new()),
            country_restrictions: None,
            warnings: vec![],
        };
        let empty = configuration_digest(&inputs);
        let limits = inputs.special_limits.as_mut().unwrap();
        limits
            .entry(SpecialLimitScope::SubnetType("NNS".into()))
            .or_default()
            .entry(Attribute::NodeProvider)
            .or_default()
            .insert("DFINITY".into(), SpecialLimit { count: 3, op: LimitOp::Exactly });
        assert_ne!(configuration_digest(&inputs), empty);
        let json = serde_json::to_string(&inputs).unwrap();
        let back: Inputs = serde_json::from_str(&json).unwrap();
        assert_eq!(back, inputs);
    }

    #[test]
    fn sha256_of_known_text() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}

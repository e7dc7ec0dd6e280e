//! The export format: exactly the inputs an evaluation was computed from.
//!
//! The canister's `export_snapshot` pages out these bytes; the command line
//! reads them back (`topology evaluate --inputs export.json`) and evaluates
//! them with the same engine (under the canister's budget profile,
//! [`crate::canister_profile`]), so a voter reproduces the canister's answer bit
//! for bit off chain. The bytes are the canonical JSON of the engine's
//! [`Inputs`] with no warnings, the very bytes the configuration digest
//! hashes: the SHA-256 of an export *is* the `configuration_sha256` that
//! every evaluation of those inputs reports, so an export is checked by
//! hashing it.

use crate::digest;
use crate::error::InputError;
use crate::inputs::Inputs;

/// The export of `inputs` (warnings dropped: they are not inputs).
pub fn to_bytes(inputs: &Inputs) -> Vec<u8> {
    let normalised = Inputs { warnings: Vec::new(), ..inputs.clone() };
    serde_json::to_vec(&normalised).expect("records serialise")
}

/// Read an export back; `expected_sha256`, when given, must be its digest.
pub fn from_bytes(bytes: &[u8], source: &str, expected_sha256: Option<&str>) -> Result<Inputs, InputError> {
    let digest = digest::sha256_hex(bytes);
    if let Some(expected) = expected_sha256 {
        if expected != digest {
            return Err(InputError::new(source, format!("the export's sha256 is {digest}, expected {expected}")));
        }
    }
    let inputs: Inputs = serde_json::from_slice(bytes).map_err(|e| {
        InputError::new(source, format!("not an export of `export_snapshot`: {e}")).at_line(e.line() as u64)
    })?;
    // A re-serialisation that differs would make the digests disagree: refuse
    // anything but the canonical bytes.
    if to_bytes(&inputs) != bytes {
        return Err(InputError::new(source, "not in canonical form (was it reformatted?); use the bytes as exported"));
    }
    Ok(inputs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::RuleSet;

    fn inputs() -> Inputs {
        Inputs {
            settings: RuleSet::Y2025.default_settings(),
            nodes: vec![],
            pipeline: vec![],
            topology: crate::topology_in_force::subnets(),
            sev_providers: vec!["a".into()],
            cordons: vec![],
            clusters: vec![],
            special_limits: None,
            country_restrictions: None,
            warnings: vec![],
        }
    }

    #[test]
    fn the_export_hashes_to_the_configuration_digest_and_reads_back() {
        let i = inputs();
        let bytes = to_bytes(&i);
        assert_eq!(digest::sha256_hex(&bytes), digest::configuration_digest(&i));
        assert_eq!(from_bytes(&bytes, "x", Some(&digest::configuration_digest(&i))).unwrap(), i);
        let err = from_bytes(&bytes, "x", Some("00")).unwrap_err();
        assert!(err.to_string().contains("expected 00"), "{err}");
        let pretty = serde_json::to_vec_pretty(&i).unwrap();
        assert!(from_bytes(&pretty, "x", None).unwrap_err().to_string().contains("canonical"));
        assert!(from_bytes(b"{}", "x", None).is_err());
    }
}

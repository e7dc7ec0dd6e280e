//! Checking a certified answer off chain: the certificate, its signature, and
//! the canister's witness.
//!
//! A query's reply is computed by one replica; only what the canister wrote
//! into its certified data in an update is vouched for by the subnet. The
//! canister keeps a hash tree of its published evaluations and sets the tree's
//! root hash as its certified data; a query returns the system's certificate
//! for that data and a witness (the tree pruned to one evaluation). A voter's
//! tool then checks, with nothing but the IC root key:
//! 1. the certificate's signature: BLS over `"\x0dic-state-root" || root hash`
//!    of the certificate's tree, by the root key, or, when the certificate
//!    carries a delegation, by the subnet's key, which the delegation (itself
//!    signed by the root key) vouches for, for a range of canisters that must
//!    include ours;
//! 2. `/canister/<canister id>/certified_data` in the certificate equals the
//!    witness's root hash;
//! 3. the witness holds the evaluation's hash under its key.
//!
//! Trees and certificates are CBOR as the IC interface specification defines
//! them (crate `ic-certification`, CBOR by `serde_cbor`, which reads the borrowed
//! byte strings that crate's types expect); signatures are checked with
//! `ic-verify-bls-signature`. [`sign_certificate`] makes certificates with a
//! key the caller holds, for a local replica and for tests: such a certificate
//! proves nothing unless its public key is the root key one trusts.

use ic_certification::{Certificate, HashTree, LookupResult};
use std::fmt;

/// The DER prefix of an IC BLS12-381 public key (the 96 key bytes follow).
const DER_PREFIX: [u8; 37] = [
    0x30, 0x81, 0x82, 0x30, 0x1d, 0x06, 0x0d, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xdc, 0x7c, 0x05, 0x03, 0x01, 0x02,
    0x01, 0x06, 0x0c, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xdc, 0x7c, 0x05, 0x03, 0x02, 0x01, 0x03, 0x61, 0x00,
];

/// The IC mainnet root key (DER), as the IC interface specification and every agent ship it.
pub const IC_ROOT_KEY_DER_HEX: &str = "308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100814c0e6ec71fab583b08bd81373c255c3c371b2e84863c98a4f1e08b74235d14fb5d9c0cd546d9685f913a0c0b2cc5341583bf4b4392e467db96d65b9bb4cb717112f8472e0d5a4d14505ffd7484b01291091c5f87b98883463f98091a0baaae";

/// CBOR's self-describing tag, which the IC puts before certificates and trees.
const SELF_DESCRIBE: [u8; 3] = [0xd9, 0xd9, 0xf7];

/// Why a certified answer was not accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertificationError {
    /// Bytes that are not the CBOR of a certificate or tree.
    Malformed {
        /// What was read (a certificate, a tree, a delegation).
        what: &'static str,
        /// Why it does not decode.
        reason: String,
    },
    /// A public key that is not a DER-encoded BLS12-381 key.
    BadKey {
        /// Why the key is refused.
        reason: String,
    },
    /// The BLS signature does not verify (`delegation`: the delegation's).
    BadSignature {
        /// Whether the signature that failed is the delegation's.
        delegation: bool,
    },
    /// The delegation does not vouch for this canister.
    Delegation {
        /// Why the delegation does not vouch for the canister.
        reason: String,
    },
    /// The certificate has no certified data for the canister.
    NoCertifiedData {
        /// The canister, as text.
        canister: String,
    },
    /// The witness's root hash is not the certified data.
    WitnessMismatch {
        /// The certified data, hex.
        certified_data: String,
        /// The witness's root hash, hex.
        witness_root: String,
    },
    /// The witness does not hold the expected value at the path.
    NotInWitness {
        /// The path looked up.
        path: String,
        /// What the witness holds there instead.
        reason: String,
    },
    /// The certified hash is not the SHA-256 of the bytes presented.
    ContentMismatch {
        /// The certified hash, hex.
        certified: String,
        /// The SHA-256 of the bytes presented, hex.
        presented: String,
    },
}

impl fmt::Display for CertificationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertificationError::Malformed { what, reason } => write!(f, "malformed {what}: {reason}"),
            CertificationError::BadKey { reason } => write!(f, "bad public key: {reason}"),
            CertificationError::BadSignature { delegation: false } => {
                f.write_str("the certificate's signature does not verify against the key")
            }
            CertificationError::BadSignature { delegation: true } => {
                f.write_str("the delegation's signature does not verify against the root key")
            }
            CertificationError::Delegation { reason } => write!(f, "delegation: {reason}"),
            CertificationError::NoCertifiedData { canister } => {
                write!(f, "the certificate holds no certified data for canister {canister}")
            }
            CertificationError::WitnessMismatch { certified_data, witness_root } => write!(
                f,
                "the witness's root hash {witness_root} is not the canister's certified data {certified_data}"
            ),
            CertificationError::NotInWitness { path, reason } => write!(f, "witness, path {path}: {reason}"),
            CertificationError::ContentMismatch { certified, presented } => write!(
                f,
                "the certified hash is {certified}, the evaluation's bytes hash to {presented}: they are not what was published"
            ),
        }
    }
}

impl std::error::Error for CertificationError {}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parse lowercase or uppercase hexadecimal (whitespace ignored).
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return None;
    }
    digits.chunks(2).map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()).collect()
}

/// The 96 key bytes of a DER-encoded IC BLS public key.
pub fn key_from_der(der: &[u8]) -> Result<[u8; 96], CertificationError> {
    if der.len() != DER_PREFIX.len() + 96 || der[..DER_PREFIX.len()] != DER_PREFIX {
        return Err(CertificationError::BadKey {
            reason: format!(
                "expected {} bytes of DER for a BLS12-381 G2 key, got {}",
                DER_PREFIX.len() + 96,
                der.len()
            ),
        });
    }
    let mut key = [0u8; 96];
    key.copy_from_slice(&der[DER_PREFIX.len()..]);
    Ok(key)
}

/// DER-encode 96 BLS public-key bytes as the IC does.
pub fn key_to_der(key: &[u8; 96]) -> Vec<u8> {
    let mut der = DER_PREFIX.to_vec();
    der.extend_from_slice(key);
    der
}

/// Decode a certificate (CBOR, with or without the self-describing tag).
pub fn decode_certificate(cbor: &[u8]) -> Result<Certificate, CertificationError> {
    serde_cbor::from_slice(strip_tag(cbor))
        .map_err(|e| CertificationError::Malformed { what: "certificate", reason: e.to_string() })
}

/// Decode a hash tree (CBOR, with or without the self-describing tag).
pub fn decode_tree(cbor: &[u8]) -> Result<HashTree, CertificationError> {
    serde_cbor::from_slice(strip_tag(cbor))
        .map_err(|e| CertificationError::Malformed { what: "hash tree", reason: e.to_string() })
}

fn strip_tag(cbor: &[u8]) -> &[u8] {
    cbor.strip_prefix(&SELF_DESCRIBE[..]).unwrap_or(cbor)
}

/// CBOR of a certificate, tagged as the IC tags it.
pub fn encode_certificate(certificate: &Certificate) -> Vec<u8> {
    let mut out = SELF_DESCRIBE.to_vec();
    serde_cbor::to_writer(&mut out, certificate).expect("writing to a Vec cannot fail");
    out
}

/// CBOR of a hash tree, tagged as the IC tags it.
pub fn encode_tree(tree: &HashTree) -> Vec<u8> {
    let mut out = SELF_DESCRIBE.to_vec();
    serde_cbor::to_writer(&mut out, tree).expect("writing to a Vec cannot fail");
    out
}

/// What a checked certificate says about the canister.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertifiedData {
    /// The canister's certified data (at most 32 bytes).
    pub data: Vec<u8>,
    /// `/time` of the certificate: nanoseconds since the Unix epoch.
    pub time_nanos: u64,
    /// The subnet whose delegation signed it, if any.
    pub delegated_by: Option<Vec<u8>>,
}

fn signed_message(tree: &HashTree) -> Vec<u8> {
    let mut message = b"\x0dic-state-root".to_vec();
    message.extend_from_slice(&tree.digest());
    message
}

fn check_signature(certificate: &Certificate, key: &[u8; 96], delegation: bool) -> Result<(), CertificationError> {
    ic_verify_bls_signature::verify_bls_signature(&certificate.signature, &signed_message(&certificate.tree), key)
        .map_err(|()| CertificationError::BadSignature { delegation })
}

fn lookup<'t>(tree: &'t HashTree, path: &[&[u8]]) -> Option<&'t [u8]> {
    match tree.lookup_path(path.iter().copied()) {
        LookupResult::Found(value) => Some(value),
        _ => None,
    }
}

fn leb128(bytes: &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for (i, b) in bytes.iter().enumerate() {
        if i >= 10 {
            return None;
        }
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// Whether `canister` lies in one of the ranges of a `canister_ranges` leaf
/// (CBOR: a list of inclusive `[low, high]` principal pairs).
fn in_ranges(cbor: &[u8], canister: &[u8]) -> Result<bool, CertificationError> {
    let bad = |reason: String| CertificationError::Delegation { reason: format!("canister ranges: {reason}") };
    use serde_cbor::Value;
    let value: Value = serde_cbor::from_slice(strip_tag(cbor)).map_err(|e| bad(e.to_string()))?;
    let Value::Array(ranges) = value else {
        return Err(bad("not a list".into()));
    };
    for range in &ranges {
        let (Value::Bytes(low), Value::Bytes(high)) = (match range {
            Value::Array(pair) if pair.len() == 2 => (&pair[0], &pair[1]),
            _ => return Err(bad("not a pair".into())),
        }) else {
            return Err(bad("a bound is not bytes".into()));
        };
        if low.as_slice() <= canister && canister <= high.as_slice() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The key that signed `certificate` for `canister`: the root key, or the
/// subnet key a delegation vouches for (after checking the delegation).
fn signing_key(
    certificate: &Certificate,
    canister: &[u8],
    root_key: &[u8; 96],
) -> Result<([u8; 96], Option<Vec<u8>>), CertificationError> {
    let Some(delegation) = &certificate.delegation else {
        return Ok((*root_key, None));
    };
    let inner = decode_certificate(&delegation.certificate)?;
    if inner.delegation.is_some() {
        return Err(CertificationError::Delegation { reason: "a delegation may not be delegated again".into() });
    }
    check_signature(&inner, root_key, true)?;
    let subnet: &[u8] = &delegation.subnet_id;
    // Two layouts: `/subnet/<id>/canister_ranges` (one leaf) and
    // `/canister_ranges/<id>/<lower bound>` (a leaf per shard).
    let mut covered = false;
    if let Some(ranges) = lookup(&inner.tree, &[b"subnet", subnet, b"canister_ranges"]) {
        covered = in_ranges(ranges, canister)?;
    } else {
        for path in inner.tree.list_paths() {
            let labels: Vec<&[u8]> = path.iter().map(|l| l.as_bytes()).collect();
            if labels.len() == 3 && labels[0] == b"canister_ranges" && labels[1] == subnet {
                if let Some(leaf) = lookup(&inner.tree, &labels) {
                    covered |= in_ranges(leaf, canister)?;
                }
            }
        }
    }
    if !covered {
        return Err(CertificationError::Delegation {
            reason: format!("subnet {} is not delegated canister {}", hex(subnet), hex(canister)),
        });
    }
    let der = lookup(&inner.tree, &[b"subnet", subnet, b"public_key"])
        .ok_or_else(|| CertificationError::Delegation { reason: "the subnet's public key is missing".into() })?;
    Ok((key_from_der(der)?, Some(subnet.to_vec())))
}

/// Check a certificate for `canister` (its principal's bytes) against the root
/// key (DER) and return what it certifies.
pub fn verify_certificate(
    cbor: &[u8],
    canister: &[u8],
    root_key_der: &[u8],
) -> Result<CertifiedData, CertificationError> {
    let root_key = key_from_der(root_key_der)?;
    let certificate = decode_certificate(cbor)?;
    let (key, delegated_by) = signing_key(&certificate, canister, &root_key)?;
    check_signature(&certificate, &key, false)?;
    let data = lookup(&certificate.tree, &[b"canister", canister, b"certified_data"])
        .ok_or_else(|| CertificationError::NoCertifiedData { canister: hex(canister) })?;
    let time_nanos = lookup(&certificate.tree, &[b"time"]).and_then(leb128).ok_or_else(|| {
        CertificationError::Malformed { what: "certificate", reason: "no /time, or not LEB128".into() }
    })?;
    Ok(CertifiedData { data: data.to_vec(), time_nanos, delegated_by })
}

/// Check that `witness` (CBOR) has root hash `certified_data` and return the
/// leaf it holds at `path`.
pub fn witness_value(witness: &[u8], certified_data: &[u8], path: &[&[u8]]) -> Result<Vec<u8>, CertificationError> {
    let tree = decode_tree(witness)?;
    let root = tree.digest();
    if root[..] != *certified_data {
        return Err(CertificationError::WitnessMismatch {
            certified_data: hex(certified_data),
            witness_root: hex(&root),
        });
    }
    let shown = path.iter().map(|l| String::from_utf8_lossy(l).into_owned()).collect::<Vec<_>>().join("/");
    match tree.lookup_path(path.iter().copied()) {
        LookupResult::Found(value) => Ok(value.to_vec()),
        LookupResult::Absent => Err(CertificationError::NotInWitness { path: shown, reason: "absent".into() }),
        LookupResult::Unknown => Err(CertificationError::NotInWitness { path: shown, reason: "pruned away".into() }),
        LookupResult::Error => Err(CertificationError::NotInWitness { path: shown, reason: "not a leaf".into() }),
    }
}

/// The label under which the canister's tree holds published evaluations.
pub const PUBLISHED_LABEL: &[u8] = b"published";

/// Check a published evaluation end to end: the certificate against the root
/// key, the witness against the certified data, and the evaluation's bytes
/// against the hash the witness holds at `published/<key>`.
pub fn verify_published(
    key: &str,
    evaluation_bytes: &[u8],
    certificate: &[u8],
    witness: &[u8],
    canister: &[u8],
    root_key_der: &[u8],
) -> Result<CertifiedData, CertificationError> {
    let certified = verify_certificate(certificate, canister, root_key_der)?;
    let leaf = witness_value(witness, &certified.data, &[PUBLISHED_LABEL, key.as_bytes()])?;
    let presented = crate::digest::sha256_hex(evaluation_bytes);
    if hex(&leaf) != presented {
        return Err(CertificationError::ContentMismatch { certified: hex(&leaf), presented });
    }
    Ok(certified)
}

/// A certificate of `certified_data` for `canister` at `time_nanos`, signed
/// with `secret_key` (32 bytes, a BLS12-381 scalar): what a replica would
/// give, for a local key. Returns the certificate's CBOR and the DER public key.
pub fn sign_certificate(
    secret_key: &[u8; 32],
    canister: &[u8],
    certified_data: &[u8],
    time_nanos: u64,
) -> Result<(Vec<u8>, Vec<u8>), CertificationError> {
    use ic_certification::{fork, label, leaf};
    let key = ic_verify_bls_signature::PrivateKey::deserialize(secret_key)
        .map_err(|_| CertificationError::BadKey { reason: "not a BLS12-381 secret key".into() })?;
    let mut time = Vec::new();
    let mut t = time_nanos;
    loop {
        let byte = (t & 0x7f) as u8;
        t >>= 7;
        if t == 0 {
            time.push(byte);
            break;
        }
        time.push(byte | 0x80);
    }
    // Labels in a fork are in ascending order: "canister" < "time".
    let tree = fork(
        label("canister", label(canister.to_vec(), label("certified_data", leaf(certified_data.to_vec())))),
        label("time", leaf(time)),
    );
    let signature = key.sign(&signed_message(&tree)).serialize().to_vec();
    let certificate = Certificate { tree, signature, delegation: None };
    Ok((encode_certificate(&certificate), key_to_der(&key.public_key().serialize())))
}

/// The label under which the canister's tree holds proposal verdicts.
pub const PROPOSALS_LABEL: &[u8] = b"proposals";

/// Check a proposal verdict end to end (as [`verify_published`]): the leaf at
/// `proposals/<id>` is the SHA-256 of the verdict's Candid bytes.
pub fn verify_proposal_verdict(
    proposal_id: u64,
    verdict_bytes: &[u8],
    certificate: &[u8],
    witness: &[u8],
    canister: &[u8],
    root_key_der: &[u8],
) -> Result<CertifiedData, CertificationError> {
    let certified = verify_certificate(certificate, canister, root_key_der)?;
    let id = proposal_id.to_string();
    let leaf = witness_value(witness, &certified.data, &[PROPOSALS_LABEL, id.as_bytes()])?;
    let presented = crate::digest::sha256_hex(verdict_bytes);
    if hex(&leaf) != presented {
        return Err(CertificationError::ContentMismatch { certified: hex(&leaf), presented });
    }
    Ok(certified)
}

/// The label under which the canister's tree holds the placement map and the node values.
pub const PLACEMENTS_LABEL: &[u8] = b"placements";

/// Check a placement map or node value end to end (as [`verify_published`]):
/// the leaf at `placements/<key>` is the SHA-256 of the answer's Candid bytes.
pub fn verify_placement(
    key: &str,
    bytes: &[u8],
    certificate: &[u8],
    witness: &[u8],
    canister: &[u8],
    root_key_der: &[u8],
) -> Result<CertifiedData, CertificationError> {
    let certified = verify_certificate(certificate, canister, root_key_der)?;
    let leaf = witness_value(witness, &certified.data, &[PLACEMENTS_LABEL, key.as_bytes()])?;
    let presented = crate::digest::sha256_hex(bytes);
    if hex(&leaf) != presented {
        return Err(CertificationError::ContentMismatch { certified: hex(&leaf), presented });
    }
    Ok(certified)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ic_certification::{fork, label, leaf, pruned};

    const CANISTER: [u8; 10] = [0, 0, 0, 0, 0, 0, 0, 7, 1, 1];
    const SECRET: [u8; 32] = {
        let mut k = [0u8; 32];
        k[31] = 42;
        k
    };

    #[test]
    fn a_locally_signed_certificate_verifies_and_a_changed_one_does_not() {
        let data = [9u8; 32];
        let (cbor, der) = sign_certificate(&SECRET, &CANISTER, &data, 1_700_000_000_000_000_000).unwrap();
        let got = verify_certificate(&cbor, &CANISTER, &der).unwrap();
        assert_eq!(
            got,
            CertifiedData { data: data.to_vec(), time_nanos: 1_700_000_000_000_000_000, delegated_by: None }
        );
        // Another canister's id: no certified data for it in this certificate.
        let other = [0u8, 0, 0, 0, 0, 0, 0, 8, 1, 1];
        assert!(matches!(verify_certificate(&cbor, &other, &der), Err(CertificationError::NoCertifiedData { .. })));
        // Another key: the signature fails.
        let mut other_secret = SECRET;
        other_secret[31] = 43;
        let (_, other_der) = sign_certificate(&other_secret, &CANISTER, &data, 1).unwrap();
        assert_eq!(
            verify_certificate(&cbor, &CANISTER, &other_der),
            Err(CertificationError::BadSignature { delegation: false })
        );
        // A certified data changed after signing: the tree's hash changes, the signature fails.
        let mut cert = decode_certificate(&cbor).unwrap();
        cert.tree = fork(
            label("canister", label(CANISTER.to_vec(), label("certified_data", leaf(vec![8u8; 32])))),
            label("time", leaf(vec![1])),
        );
        assert_eq!(
            verify_certificate(&encode_certificate(&cert), &CANISTER, &der),
            Err(CertificationError::BadSignature { delegation: false })
        );
        assert!(matches!(verify_certificate(b"not cbor", &CANISTER, &der), Err(CertificationError::Malformed { .. })));
        assert!(matches!(verify_certificate(&cbor, &CANISTER, &der[1..]), Err(CertificationError::BadKey { .. })));
    }

    #[test]
    fn a_witness_proves_a_leaf_only_under_its_root_hash() {
        let tree = label(
            "published",
            fork(
                label("a", leaf(b"first".to_vec())),
                fork(label("b", leaf(b"second".to_vec())), label("c", leaf(vec![]))),
            ),
        );
        let root = tree.digest();
        // The witness for "b": everything else pruned to its hash.
        let witness = label(
            "published",
            fork(
                pruned(label("a", leaf(b"first".to_vec())).digest()),
                fork(label("b", leaf(b"second".to_vec())), pruned(label("c", leaf(vec![])).digest())),
            ),
        );
        assert_eq!(witness.digest(), root);
        let cbor = encode_tree(&witness);
        assert_eq!(witness_value(&cbor, &root, &[b"published", b"b"]).unwrap(), b"second");
        assert!(matches!(
            witness_value(&cbor, &root, &[b"published", b"a"]),
            Err(CertificationError::NotInWitness { .. })
        ));
        assert!(matches!(
            witness_value(&cbor, &[0u8; 32], &[b"published", b"b"]),
            Err(CertificationError::WitnessMismatch { .. })
        ));
        // A changed leaf changes the root hash.
        let forged = label(
            "published",
            fork(
                pruned(label("a", leaf(b"first".to_vec())).digest()),
                fork(label("b", leaf(b"forged".to_vec())), pruned(label("c", leaf(vec![])).digest())),
            ),
        );
        assert!(matches!(
            witness_value(&encode_tree(&forged), &root, &[b"published", b"b"]),
            Err(CertificationError::WitnessMismatch { .. })
        ));
    }

    #[test]
    fn der_keys_round_trip_and_the_mainnet_key_parses() {
        let der = from_hex(IC_ROOT_KEY_DER_HEX).unwrap();
        let key = key_from_der(&der).unwrap();
        assert_eq!(key_to_der(&key), der);
        assert_eq!(from_hex("0aFf"), Some(vec![10, 255]));
        assert_eq!(from_hex("0"), None);
        assert_eq!(leb128(&[0xe5, 0x8e, 0x26]), Some(624_485));
    }

    /// A real certificate from an IC testnet, with a subnet delegation
    /// (tests/data/ic_certificate_vectors.json says where it comes from).
    #[test]
    fn the_ic_test_vector_verifies_and_tampering_is_caught() {
        let file: serde_json::Value =
            serde_json::from_str(include_str!("../tests/data/ic_certificate_vectors.json")).unwrap();
        let vectors = file["vectors"].as_array().unwrap();
        assert!(!vectors.is_empty());
        for v in vectors {
            let field = |name: &str| from_hex(v[name].as_str().unwrap()).unwrap();
            let (cbor, canister, root, data) = (
                field("certificate_hex"),
                field("canister_id_hex"),
                field("root_key_der_hex"),
                field("certified_data_hex"),
            );
            let got = verify_certificate(&cbor, &canister, &root).unwrap();
            assert_eq!(got.data, data);
            assert!(got.delegated_by.is_some());
            assert!(got.time_nanos > 1_600_000_000_000_000_000);
            // The mainnet key did not sign this testnet's delegation.
            let mainnet = from_hex(IC_ROOT_KEY_DER_HEX).unwrap();
            assert_eq!(
                verify_certificate(&cbor, &canister, &mainnet),
                Err(CertificationError::BadSignature { delegation: true })
            );
            // A canister outside the delegated range.
            let mut outside = canister.clone();
            outside[4] = 0x7f;
            assert!(matches!(verify_certificate(&cbor, &outside, &root), Err(CertificationError::Delegation { .. })));
            // One bit of the outer signature flipped.
            let mut cert = decode_certificate(&cbor).unwrap();
            cert.signature[10] ^= 1;
            assert!(matches!(
                verify_certificate(&encode_certificate(&cert), &canister, &root),
                Err(CertificationError::BadSignature { delegation: false }) | Err(CertificationError::Malformed { .. })
            ));
        }
    }
}

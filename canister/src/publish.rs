//! Published evaluations: certified answers that survive upgrades.
//!
//! A query's answer comes from one replica; an answer that voters can hold
//! the subnet to must be computed in an update and certified. An update
//! (`publish_evaluation`) stores the evaluation's Candid bytes under its
//! publication key (the SHA-256 of what it was computed from: the request,
//! the registry version, the topology and configuration digests) and puts the
//! SHA-256 of the bytes into a certified map (`ic-certified-map`'s Merkle
//! tree) under `published/<key>`. The tree's root hash is the canister's
//! certified data. A query returns the bytes, the system's certificate and the
//! witness (the tree pruned to that key); `topology verify-certificate`
//! checks the three against the IC root key.
//!
//! At most [`MAX_PUBLISHED`] evaluations are kept; publishing one more evicts
//! the oldest. The tree is rebuilt from the entries held and its root hash set
//! again in the same message, so the certified root always describes exactly
//! the evaluations held, and is a function of them alone. The entries live in stable memory; the tree
//! is rebuilt from them in `init` and `post_upgrade`, which set the certified
//! data from the rebuilt tree, so the two agree by construction whatever the
//! system kept.

use crate::memory::{self, Memory, Stored};
use ic_certified_map::{labeled, labeled_hash, AsHashTree, Hash, RbTree};
use ic_stable_structures::storable::Bound;
use ic_stable_structures::{StableBTreeMap, StableCell, Storable};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::borrow::Cow;

/// How many published evaluations are kept. An evaluation with its allocation
/// is about 50 KB of Candid at mainnet scale, so 64 take about 3 MiB of stable memory.
pub const MAX_PUBLISHED: u64 = 64;

/// The label under which the tree of published evaluations hangs.
pub const LABEL: &[u8] = b"published";

/// One published evaluation: its sequence number (older is smaller) and its Candid bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub sequence: u64,
    pub candid: Vec<u8>,
}

impl Storable for Entry {
    fn to_bytes(&self) -> Cow<'_, [u8]> {
        Cow::Owned(self.clone().into_bytes())
    }

    fn into_bytes(self) -> Vec<u8> {
        // Layout version 1: [1][sequence, 8 bytes little endian][Candid bytes].
        let mut out = Vec::with_capacity(9 + self.candid.len());
        out.push(1);
        out.extend_from_slice(&self.sequence.to_le_bytes());
        out.extend_from_slice(&self.candid);
        out
    }

    fn from_bytes(bytes: Cow<[u8]>) -> Self {
        // Only this canister writes these bytes; anything else is a bug.
        assert!(bytes.len() >= 9 && bytes[0] == 1, "a published entry of an unknown layout");
        let sequence = u64::from_le_bytes(bytes[1..9].try_into().expect("8 bytes"));
        Entry { sequence, candid: bytes[9..].to_vec() }
    }

    const BOUND: Bound = Bound::Unbounded;
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Sequence {
    next: u64,
}

pub struct Published {
    entries: StableBTreeMap<String, Entry, Memory>,
    sequence: StableCell<Stored<Sequence>, Memory>,
    tree: RbTree<String, Hash>,
}

fn sha256(bytes: &[u8]) -> Hash {
    Sha256::digest(bytes).into()
}

/// The certified tree of the entries, built in key order. A red-black tree's
/// shape (and so its root hash) depends on the order of insertions and
/// deletions; building it afresh from the entries makes the root a function
/// of the entries alone, the same after any history and after an upgrade.
fn tree_of(entries: &StableBTreeMap<String, Entry, Memory>) -> RbTree<String, Hash> {
    let mut tree = RbTree::new();
    for e in entries.iter() {
        tree.insert(e.key().clone(), sha256(&e.value().candid));
    }
    tree
}

impl Published {
    /// Open the stable entries and rebuild the certified tree from them.
    pub fn open() -> Published {
        let entries: StableBTreeMap<String, Entry, Memory> = StableBTreeMap::init(memory::memory(memory::PUBLISHED));
        let tree = tree_of(&entries);
        Published { entries, sequence: memory::cell(memory::PUBLISH_SEQUENCE, Sequence::default()), tree }
    }

    /// The certified data: the root hash of `published/<key> -> sha256(Candid bytes)`.
    pub fn root_hash(&self) -> Hash {
        labeled_hash(LABEL, &self.tree.root_hash())
    }

    pub fn len(&self) -> u64 {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, key: &str) -> Option<Entry> {
        self.entries.get(&key.to_string())
    }

    /// Keys from oldest to newest.
    pub fn keys_oldest_first(&self) -> Vec<String> {
        let mut all: Vec<(u64, String)> = self.entries.iter().map(|e| (e.value().sequence, e.key().clone())).collect();
        all.sort();
        all.into_iter().map(|(_, k)| k).collect()
    }

    /// Store `candid` under `key` (a key already present keeps its first
    /// evaluation), evicting the oldest beyond [`MAX_PUBLISHED`]. Returns the
    /// evicted keys. The caller sets the certified data to [`Self::root_hash`].
    pub fn insert(&mut self, key: String, candid: Vec<u8>) -> Vec<String> {
        if self.entries.contains_key(&key) {
            return Vec::new();
        }
        let mut evicted = Vec::new();
        let oldest = self.keys_oldest_first();
        let excess = (self.entries.len() + 1).saturating_sub(MAX_PUBLISHED) as usize;
        for old in oldest.into_iter().take(excess) {
            self.entries.remove(&old);
            evicted.push(old);
        }
        let sequence = self.sequence.get().value.next;
        self.sequence.set(Stored::new(Sequence { next: sequence + 1 }));
        self.entries.insert(key, Entry { sequence, candid });
        self.tree = tree_of(&self.entries);
        evicted
    }

    /// The witness for `key` (CBOR, self-describing tag first): the tree
    /// pruned to `published/<key>`, or to the proof of its absence.
    pub fn witness(&self, key: &str) -> Vec<u8> {
        self.witness_among(&[self.part()], key)
    }

    /// This subtree as one part of the canister's certified root.
    pub fn part(&self) -> crate::certified::Part<'static> {
        crate::certified::Part { label: LABEL, hash: self.root_hash() }
    }

    /// The witness for `key` in the certified tree made of `parts` (this
    /// subtree among them): see [`crate::certified`].
    pub fn witness_among(&self, parts: &[crate::certified::Part], key: &str) -> Vec<u8> {
        let tree = crate::certified::witness(parts, LABEL, labeled(LABEL, self.tree.witness(key.as_bytes())));
        let mut serializer = serde_cbor::Serializer::new(Vec::new());
        serializer.self_describe().expect("writing to a Vec cannot fail");
        tree.serialize(&mut serializer).expect("writing to a Vec cannot fail");
        serializer.into_inner()
    }
}

/// The publication key: the SHA-256 (hex) of the canonical JSON of what an
/// evaluation is computed from. The settings (overrides included) are part
/// of the configuration digest.
pub fn publication_key(
    candidates: &[ic_topology::inputs::CandidateRow],
    registry_version: u64,
    topology_sha256: &str,
    configuration_sha256: &str,
) -> String {
    #[derive(Serialize)]
    struct KeyInputs<'a> {
        candidates: &'a [ic_topology::inputs::CandidateRow],
        registry_version: u64,
        topology_sha256: &'a str,
        configuration_sha256: &'a str,
    }
    let json = serde_json::to_vec(&KeyInputs { candidates, registry_version, topology_sha256, configuration_sha256 })
        .expect("records serialise");
    ic_topology::digest::sha256_hex(&json)
}

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
//! The policy (no stranger can make a published answer disappear):
//! - a key is the digest of the inputs, so publishing is idempotent: the same
//!   request on the same inputs returns the entry held, at no cost;
//! - at most [`MAX_PUBLISHED`] entries are kept in stable memory, and at most
//!   [`MAX_PER_PUBLISHER`] per caller: a caller's extra entry evicts that
//!   caller's own oldest, never anyone else's (controllers have no per-caller cap);
//! - when the store is full, only an entry older than [`RETENTION_NANOS`]
//!   (30 days, longer than any NNS vote) may be evicted for another caller's
//!   (the oldest first); a controller may also evict the oldest entry of a
//!   non-controller; otherwise the publication is refused (`NotReady`) and
//!   nothing held changes;
//! - the anonymous principal cannot publish (it cannot be held to a quota;
//!   see `guard`).
//!
//! The tree is rebuilt from the entries' digests (an index beside the
//! entries, so no evaluation's bytes are read) and its root hash set again in
//! the same message, so the certified root always describes exactly the
//! evaluations held, and is a function of them alone. The entries live in
//! stable memory; the tree is rebuilt from them in `init` and `post_upgrade`,
//! which set the certified data from the rebuilt tree, so the two agree by
//! construction whatever the system kept.

use crate::stores::certified::{CertifiedMap, Part};
use crate::stores::memory::{self, Memory, Stored};
use ic_certified_map::Hash;
use ic_stable_structures::storable::Bound;
use ic_stable_structures::{StableBTreeMap, StableCell, Storable};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::borrow::Cow;

/// How many published evaluations are kept. An evaluation with its allocation
/// is about 50 KB of Candid at mainnet scale, so 4,096 take about 200 MiB of stable memory.
pub const MAX_PUBLISHED: u64 = 4_096;

/// How many entries one caller (other than a controller) may hold.
pub const MAX_PER_PUBLISHER: u64 = 32;

/// An entry younger than this is evicted only by its own publisher's quota.
pub const RETENTION_NANOS: u64 = 30 * 24 * 3_600 * 1_000_000_000;

/// The prefix of the keys of published membership plans (`crate::plan`),
/// which share this store; the other keys are evaluations'.
pub const PLAN_KEY_PREFIX: &str = "plan-";

/// The label under which the tree of published evaluations hangs.
pub const LABEL: &[u8] = b"published";

/// One published evaluation: its sequence number (older is smaller) and its Candid bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Its sequence number (older is smaller).
    pub sequence: u64,
    /// The evaluation's (or plan's) Candid bytes.
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

/// What the eviction policy and the certified tree need of an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meta {
    /// Its sequence number (older is smaller).
    pub sequence: u64,
    /// Time of publication (ns since the epoch; 0 for entries published before the index existed).
    pub published_at: u64,
    /// Whether a controller published it.
    pub by_controller: bool,
    /// The publisher's principal bytes (empty for entries older than the index).
    pub publisher: Vec<u8>,
    /// The SHA-256 of its Candid bytes (the certified leaf).
    pub sha256: Hash,
}

impl Storable for Meta {
    fn to_bytes(&self) -> Cow<'_, [u8]> {
        Cow::Owned(self.clone().into_bytes())
    }

    fn into_bytes(self) -> Vec<u8> {
        // Layout version 1: [1][sequence 8][published_at 8][by_controller 1][sha256 32][publisher 0..=29].
        let mut out = Vec::with_capacity(50 + self.publisher.len());
        out.push(1);
        out.extend_from_slice(&self.sequence.to_le_bytes());
        out.extend_from_slice(&self.published_at.to_le_bytes());
        out.push(u8::from(self.by_controller));
        out.extend_from_slice(&self.sha256);
        out.extend_from_slice(&self.publisher);
        out
    }

    fn from_bytes(bytes: Cow<[u8]>) -> Self {
        assert!(bytes.len() >= 50 && bytes[0] == 1, "a published index entry of an unknown layout");
        Meta {
            sequence: u64::from_le_bytes(bytes[1..9].try_into().expect("8 bytes")),
            published_at: u64::from_le_bytes(bytes[9..17].try_into().expect("8 bytes")),
            by_controller: bytes[17] == 1,
            sha256: bytes[18..50].try_into().expect("32 bytes"),
            publisher: bytes[50..].to_vec(),
        }
    }

    const BOUND: Bound = Bound::Bounded { max_size: 50 + 29, is_fixed_size: false };
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Sequence {
    next: u64,
}

/// Who asks to publish, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publisher {
    /// The caller's principal bytes.
    pub principal: Vec<u8>,
    /// Whether the caller is a controller.
    pub is_controller: bool,
    /// The time of the message.
    pub now_nanos: u64,
}

impl From<StoreFull> for ic_topology::api::Error {
    fn from(e: StoreFull) -> Self {
        ic_topology::api::Error::NotReady { reason: e.to_string() }
    }
}

/// A publication the policy refuses: the store is full of entries that are
/// neither the caller's nor old enough to give way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreFull;

impl std::fmt::Display for StoreFull {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the store holds {MAX_PUBLISHED} published entries, none of yours and none older than {} days: \
             publish again when one is",
            RETENTION_NANOS / (24 * 3_600 * 1_000_000_000)
        )
    }
}

/// The published entries, their index and their certified tree.
pub struct Published {
    entries: StableBTreeMap<String, Entry, Memory>,
    index: StableBTreeMap<String, Meta, Memory>,
    sequence: StableCell<Stored<Sequence>, Memory>,
    tree: CertifiedMap,
}

fn sha256(bytes: &[u8]) -> Hash {
    Sha256::digest(bytes).into()
}

/// The certified tree of the entries, built in key order. A red-black tree's
/// shape (and so its root hash) depends on the order of insertions and
/// deletions; building it afresh from the entries makes the root a function
/// of the entries alone, the same after any history and after an upgrade.
fn tree_of(index: &StableBTreeMap<String, Meta, Memory>) -> CertifiedMap {
    CertifiedMap::of(LABEL, index.iter().map(|e| (e.key().clone(), e.value().sha256)))
}

impl Published {
    /// Open the stable entries and rebuild the certified tree from them.
    /// Entries published before the index existed get one (publisher
    /// unknown, time 0: they give way first when the store is full).
    pub fn open() -> Published {
        let entries: StableBTreeMap<String, Entry, Memory> = StableBTreeMap::init(memory::memory(memory::PUBLISHED));
        let mut index: StableBTreeMap<String, Meta, Memory> =
            StableBTreeMap::init(memory::memory(memory::PUBLISHED_INDEX));
        if index.len() != entries.len() {
            for e in entries.iter() {
                if !index.contains_key(e.key()) {
                    let entry = e.value();
                    let meta = Meta {
                        sequence: entry.sequence,
                        published_at: 0,
                        by_controller: false,
                        publisher: vec![],
                        sha256: sha256(&entry.candid),
                    };
                    index.insert(e.key().clone(), meta);
                }
            }
        }
        let tree = tree_of(&index);
        Published { entries, index, sequence: memory::cell(memory::PUBLISH_SEQUENCE, Sequence::default()), tree }
    }

    /// The certified data: the root hash of `published/<key> -> sha256(Candid bytes)`.
    pub fn root_hash(&self) -> Hash {
        self.tree.root_hash()
    }

    /// Entries held.
    pub fn len(&self) -> u64 {
        self.entries.len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry under `key`.
    pub fn get(&self, key: &str) -> Option<Entry> {
        self.entries.get(&key.to_string())
    }

    /// What the policy knows of the entry under `key`.
    pub fn meta(&self, key: &str) -> Option<Meta> {
        self.index.get(&key.to_string())
    }

    /// Keys from oldest to newest.
    pub fn keys_oldest_first(&self) -> Vec<String> {
        self.oldest_first().into_iter().map(|(k, _)| k).collect()
    }

    fn oldest_first(&self) -> Vec<(String, Meta)> {
        let mut all: Vec<(String, Meta)> = self.index.iter().map(|e| (e.key().clone(), e.value())).collect();
        all.sort_by_key(|(_, m)| m.sequence);
        all
    }

    /// The entry the policy gives way to `publisher`'s new one, if any must
    /// (see the module docs), or the refusal.
    fn victim(&self, publisher: &Publisher) -> Result<Option<String>, StoreFull> {
        let all = self.oldest_first();
        if !publisher.is_controller {
            let own: Vec<&(String, Meta)> = all.iter().filter(|(_, m)| m.publisher == publisher.principal).collect();
            if own.len() as u64 >= MAX_PER_PUBLISHER {
                return Ok(Some(own[0].0.clone()));
            }
        }
        if (all.len() as u64) < MAX_PUBLISHED {
            return Ok(None);
        }
        let aged = all.iter().find(|(_, m)| publisher.now_nanos.saturating_sub(m.published_at) >= RETENTION_NANOS);
        if let Some((k, _)) = aged {
            return Ok(Some(k.clone()));
        }
        if publisher.is_controller {
            if let Some((k, _)) = all.iter().find(|(_, m)| !m.by_controller) {
                return Ok(Some(k.clone()));
            }
        }
        Err(StoreFull)
    }

    /// Whether a new entry of `publisher` would be taken (checked before solving).
    pub fn admits(&self, publisher: &Publisher) -> Result<(), StoreFull> {
        self.victim(publisher).map(|_| ())
    }

    /// Store `candid` under `key` for `publisher` (a key already present
    /// keeps its first evaluation), evicting at most one entry as the policy
    /// allows. Returns the evicted keys, or the refusal (nothing changed).
    /// The caller sets the certified data to [`Self::root_hash`].
    pub fn insert(&mut self, key: String, candid: Vec<u8>, publisher: &Publisher) -> Result<Vec<String>, StoreFull> {
        if self.entries.contains_key(&key) {
            return Ok(Vec::new());
        }
        let mut evicted = Vec::new();
        if let Some(old) = self.victim(publisher)? {
            self.entries.remove(&old);
            self.index.remove(&old);
            evicted.push(old);
        }
        let sequence = self.sequence.get().value.next;
        self.sequence.set(Stored::new(Sequence { next: sequence + 1 }));
        let meta = Meta {
            sequence,
            published_at: publisher.now_nanos,
            by_controller: publisher.is_controller,
            publisher: publisher.principal.clone(),
            sha256: sha256(&candid),
        };
        self.index.insert(key.clone(), meta);
        self.entries.insert(key, Entry { sequence, candid });
        self.tree = tree_of(&self.index);
        Ok(evicted)
    }

    /// The witness for `key` (CBOR, self-describing tag first): the tree
    /// pruned to `published/<key>`, or to the proof of its absence.
    pub fn witness(&self, key: &str) -> Vec<u8> {
        self.witness_among(&[self.part()], key)
    }

    /// This subtree as one part of the canister's certified root.
    pub fn part(&self) -> Part<'static> {
        self.tree.part()
    }

    /// The witness for `key` in the certified tree made of `parts` (this
    /// subtree among them): see [`crate::stores::certified`].
    pub fn witness_among(&self, parts: &[Part], key: &str) -> Vec<u8> {
        self.tree.witness_among(parts, key)
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

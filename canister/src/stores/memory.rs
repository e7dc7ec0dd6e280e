//! The canister's stable memory: every structure and its `MemoryId`, declared
//! here once. IDs are never reused; a retired structure keeps its number.
//!
//! Everything the canister knows lives here, so an upgrade needs no
//! `pre_upgrade` serialisation: the heap only holds what is derived from
//! these structures, rebuilt in `post_upgrade`.

use ic_stable_structures::memory_manager::{MemoryId, MemoryManager, VirtualMemory};
use ic_stable_structures::storable::Bound;
use ic_stable_structures::{DefaultMemoryImpl, StableBTreeMap, StableCell, Storable};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::borrow::Cow;
use std::cell::RefCell;

/// The memory of one structure.
pub type Memory = VirtualMemory<DefaultMemoryImpl>;

/// The configuration (settings, SEV providers, cordons, clusters, special
/// limits, country restrictions, provider names, pipeline).
pub const CONFIGURATION: MemoryId = MemoryId::new(0);
/// The adopted target topology and the proposal that adopted it.
pub const TOPOLOGY: MemoryId = MemoryId::new(1);
/// The registry snapshot's nodes, by node id, up to schema 2; a module of
/// schema 3 moves them to [`SNAPSHOT_NODES`] when it opens the state and
/// leaves this map empty.
pub const NODES: MemoryId = MemoryId::new(2);
/// The snapshot's registry version and timestamp.
pub const SNAPSHOT: MemoryId = MemoryId::new(3);
/// A snapshot being uploaded in chunks, by node id.
pub const STAGED_NODES: MemoryId = MemoryId::new(4);
/// What the upload in progress announced.
pub const STAGED_SNAPSHOT: MemoryId = MemoryId::new(5);
/// Registry records kept by the sync (key -> compact protobuf value).
pub const REGISTRY_RECORDS: MemoryId = MemoryId::new(6);
/// The sync's version cursor and status.
pub const REGISTRY_SYNC: MemoryId = MemoryId::new(7);
// 8..=11 are reserved for the registry sync.
/// Published evaluations, by publication key (see `publish`).
pub const PUBLISHED: MemoryId = MemoryId::new(12);
/// The sequence number of the next publication (orders eviction).
pub const PUBLISH_SEQUENCE: MemoryId = MemoryId::new(13);
/// Who published each entry, when, and its digest (see `publish`): the
/// eviction policy and the certified tree read this, never the bytes.
pub const PUBLISHED_INDEX: MemoryId = MemoryId::new(14);
/// Proposal verdicts of the governance watcher, by proposal id.
pub const PROPOSAL_VERDICTS: MemoryId = MemoryId::new(25);
/// The governance watcher's settings, listing cursor, queue and status.
pub const GOVERNANCE_WATCHER: MemoryId = MemoryId::new(26);
// 27..=29 are reserved for the governance watcher.
/// The placement refresh: what it computes from, its phase and its progress (see `placement`).
pub const PLACEMENT_REFRESH: MemoryId = MemoryId::new(30);
/// Map entries solved so far by the refresh under way, by row index.
pub const PLACEMENT_MAP_WORK: MemoryId = MemoryId::new(31);
/// Node values solved so far by the refresh under way, by group index.
pub const PLACEMENT_VALUE_WORK: MemoryId = MemoryId::new(32);
/// The served (certified) results: Candid bytes by key under `placements/`.
pub const PLACEMENT_RESULTS: MemoryId = MemoryId::new(33);
// 34 is reserved for the placement map.
/// The layout's schema version (see [`LAYOUT_SCHEMA`]).
pub const LAYOUT: MemoryId = MemoryId::new(35);
/// The registry snapshot's nodes, sorted by id, as one compact value
/// (`NodeList` of `crate::stores::nodes`; schema 3).
pub const SNAPSHOT_NODES: MemoryId = MemoryId::new(36);

/// The schema of the whole stable layout: raised whenever a structure's
/// meaning changes so that an older module cannot read it. A module refuses
/// to open a layout of a newer schema (a downgrade would misread it); it
/// upgrades an older one in `open`, then records its own.
/// 1: the layout before the publish index; 2: with it (MemoryId 14);
/// 3: the snapshot's nodes in one compact value ([`SNAPSHOT_NODES`]) instead of
/// a JSON map ([`NODES`], moved over when opened), staged nodes compact
/// (JSON ones still decode); an older module would not see the nodes.
pub const LAYOUT_SCHEMA: u32 = 3;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Layout {
    schema: u32,
}

/// Check the stored layout's schema before any structure is opened: `Err`
/// names what is wrong (`post_upgrade` fails with it, and the IC keeps the
/// old module). A fresh or pre-schema memory counts as schema 1.
pub fn check_layout() -> Result<u32, String> {
    let stored = read_layout();
    if stored > LAYOUT_SCHEMA {
        return Err(format!(
            "the stable memory has layout schema {stored}; this module knows schemas up to {LAYOUT_SCHEMA} \
             (install a module at least as new as the one that wrote it)"
        ));
    }
    Ok(stored)
}

fn read_layout() -> u32 {
    let cell = cell(LAYOUT, Layout { schema: 1 });
    let schema = cell.get().value.schema;
    schema
}

/// Record this module's schema (after `open` has upgraded the structures).
pub fn record_layout() {
    let mut cell = cell(LAYOUT, Layout { schema: 1 });
    if cell.get().value.schema != LAYOUT_SCHEMA {
        cell.set(Stored::new(Layout { schema: LAYOUT_SCHEMA }));
    }
}

/// A value stored as JSON with a format version, so that later layouts can
/// read earlier ones.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stored<T> {
    /// The format version.
    pub version: u32,
    /// The value.
    pub value: T,
}

impl<T> Stored<T> {
    /// The format version written.
    pub const CURRENT: u32 = 1;

    /// `value` in the current format.
    pub fn new(value: T) -> Self {
        Stored { version: Self::CURRENT, value }
    }
}

impl<T: Serialize + DeserializeOwned> Storable for Stored<T> {
    fn to_bytes(&self) -> Cow<'_, [u8]> {
        Cow::Owned(serde_json::to_vec(self).expect("stored values serialise"))
    }

    fn into_bytes(self) -> Vec<u8> {
        serde_json::to_vec(&self).expect("stored values serialise")
    }

    fn from_bytes(bytes: Cow<[u8]>) -> Self {
        // Only this canister writes these bytes; failing to read them back is
        // a bug or a layout this module does not know: say which structure.
        serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "a stored {} ({} bytes) does not decode: {e} (layout schema {LAYOUT_SCHEMA} expected)",
                std::any::type_name::<T>(),
                bytes.len()
            )
        })
    }

    const BOUND: Bound = Bound::Unbounded;
}

thread_local! {
    static MANAGER: RefCell<MemoryManager<DefaultMemoryImpl>> =
        RefCell::new(MemoryManager::init(DefaultMemoryImpl::default()));
}

/// The memory of structure `id`.
pub fn memory(id: MemoryId) -> Memory {
    MANAGER.with(|m| m.borrow().get(id))
}

/// A stored value in a cell of its own (`default` on a fresh memory).
pub fn cell<T: Serialize + DeserializeOwned>(id: MemoryId, default: T) -> StableCell<Stored<T>, Memory> {
    StableCell::init(memory(id), Stored::new(default))
}

/// A map of stored values by text key.
pub fn map<V: Serialize + DeserializeOwned>(id: MemoryId) -> StableBTreeMap<String, Stored<V>, Memory> {
    StableBTreeMap::init(memory(id))
}

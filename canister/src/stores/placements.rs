//! The placement refresh in stable memory, and the certified tree of its
//! served results (`placements/<key>` -> SHA-256 of the result's Candid
//! bytes), one subtree of the canister's certified root (`crate::stores::certified`).
//!
//! Three kinds of record: the refresh (what it computes from, its phase and
//! counters), the work of the refresh under way (map entries and node values
//! solved so far, by index), and the served results. Work and results are
//! apart, so the last complete result is served, and certified, while the
//! next is being computed; a result is replaced in the message that
//! completes its successor. Everything is in stable memory: an upgrade in
//! the middle of a refresh resumes it where it stopped. The tree is rebuilt
//! from the results whenever they change and when the store opens, so its
//! root is a function of the results alone.

use crate::stores::certified::{CertifiedMap, Part};
use crate::stores::memory::{self, Memory, Stored};
use ic_certified_map::Hash;
use ic_stable_structures::{StableBTreeMap, StableCell};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The label of the placements' subtree.
pub const LABEL: &[u8] = b"placements";
/// The key of the placement map.
pub const MAP_KEY: &str = "map";
/// The key of every group's value and every provider's report.
pub const VALUES_KEY: &str = "node_values";
/// One group's value with its proof is under this, then `<kind>/<name>`.
pub const VALUE_PREFIX: &str = "node_value/";

/// What a refresh computes from (the snapshot and the configuration).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputsKey {
    /// The snapshot's registry version.
    pub registry_version: u64,
    /// The topology digest.
    pub topology_sha256: String,
    /// The configuration digest (it covers every node).
    pub configuration_sha256: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
/// Where a refresh is.
pub enum Phase {
    /// Nothing computed yet (a fresh install).
    #[default]
    Idle,
    /// Solving the map's rows.
    Map,
    /// Solving the node values' groups.
    Values,
    /// Both published.
    Done,
}

/// The refresh under way, or the last one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refresh {
    /// The controllers' switch (`configure_placements`); `None`: the default.
    pub enabled: Option<bool>,
    /// What it computes from.
    pub key: Option<InputsKey>,
    /// Where it is.
    pub phase: Phase,
    /// Map rows solved ...
    pub map_done: u32,
    /// ... of these.
    pub map_total: u32,
    /// Groups valued ...
    pub values_done: u32,
    /// ... of these.
    pub values_total: u32,
    /// Timer messages it took so far ...
    pub messages: u32,
    /// ... their instructions in all ...
    pub instructions: u64,
    /// ... and the most of one.
    pub largest_message_instructions: u64,
}

/// The placement refresh's records and its certified results.
pub struct Store {
    refresh: StableCell<Stored<Refresh>, Memory>,
    /// Row index -> the engine's map entry (JSON).
    map_work: StableBTreeMap<u32, Vec<u8>, Memory>,
    /// Group index -> the group's `api::NodeValueProof` (Candid).
    value_work: StableBTreeMap<u32, Vec<u8>, Memory>,
    /// Key -> the served result's Candid bytes.
    results: StableBTreeMap<String, Vec<u8>, Memory>,
    tree: CertifiedMap,
}

fn sha256(bytes: &[u8]) -> Hash {
    Sha256::digest(bytes).into()
}

impl Store {
    /// Open the stable structures and build the certified tree of the results.
    pub fn open() -> Store {
        let mut s = Store {
            refresh: memory::cell(memory::PLACEMENT_REFRESH, Refresh::default()),
            map_work: StableBTreeMap::init(memory::memory(memory::PLACEMENT_MAP_WORK)),
            value_work: StableBTreeMap::init(memory::memory(memory::PLACEMENT_VALUE_WORK)),
            results: StableBTreeMap::init(memory::memory(memory::PLACEMENT_RESULTS)),
            tree: CertifiedMap::of(LABEL, []),
        };
        s.rebuild_tree();
        s
    }

    fn rebuild_tree(&mut self) {
        self.tree =
            CertifiedMap::of(LABEL, self.results.iter().map(|e| (e.key().clone(), sha256(e.value().as_slice()))));
    }

    /// The refresh under way, or the last one.
    pub fn refresh(&self) -> Refresh {
        self.refresh.get().value.clone()
    }

    /// Record the refresh.
    pub fn set_refresh(&mut self, r: Refresh) {
        self.refresh.set(Stored::new(r));
    }

    /// Start a refresh for `key`: the work of any earlier one is dropped.
    pub fn start(&mut self, key: InputsKey, map_total: u32, values_total: u32) -> Refresh {
        self.map_work.clear_new();
        self.value_work.clear_new();
        let enabled = self.refresh().enabled;
        let r = Refresh { enabled, key: Some(key), phase: Phase::Map, map_total, values_total, ..Refresh::default() };
        self.set_refresh(r.clone());
        r
    }

    /// Keep row `i`'s map entry.
    pub fn put_map_entry(&mut self, i: u32, entry: &ic_topology::placement::MapEntry) {
        self.map_work.insert(i, serde_json::to_vec(entry).expect("map entries serialise"));
    }

    /// Row `i`'s map entry.
    pub fn map_entry(&self, i: u32) -> ic_topology::placement::MapEntry {
        let bytes = self.map_work.get(&i).expect("a solved row is stored");
        // Only this canister writes these bytes; failing to read them back is a bug.
        serde_json::from_slice(&bytes).expect("stored map entries deserialise")
    }

    /// Keep group `i`'s value with its proof (Candid).
    pub fn put_value(&mut self, i: u32, proof_candid: Vec<u8>) {
        self.value_work.insert(i, proof_candid);
    }

    /// Group `i`'s value with its proof (Candid).
    pub fn value(&self, i: u32) -> Vec<u8> {
        self.value_work.get(&i).expect("a solved group is stored")
    }

    /// Serve `bytes` under `key` (replacing what was there).
    pub fn publish(&mut self, key: &str, bytes: Vec<u8>) {
        self.results.insert(key.to_string(), bytes);
        self.rebuild_tree();
    }

    /// Serve new node values: every earlier group's proof goes, `values`
    /// (the summary) and `proofs` (key, bytes) come; the work is dropped.
    pub fn publish_values(&mut self, values: Vec<u8>, proofs: Vec<(String, Vec<u8>)>) {
        let old: Vec<String> = self
            .results
            .range(VALUE_PREFIX.to_string()..)
            .take_while(|e| e.key().starts_with(VALUE_PREFIX))
            .map(|e| e.key().clone())
            .collect();
        for k in old {
            self.results.remove(&k);
        }
        for (k, b) in proofs {
            self.results.insert(k, b);
        }
        self.results.insert(VALUES_KEY.to_string(), values);
        self.map_work.clear_new();
        self.value_work.clear_new();
        self.rebuild_tree();
    }

    /// The served result under `key` (Candid).
    pub fn result(&self, key: &str) -> Option<Vec<u8>> {
        self.results.get(&key.to_string())
    }

    /// Whether no result is served yet.
    pub fn is_empty(&self) -> bool {
        self.results.is_empty()
    }

    /// The hash of this subtree (labelled).
    pub fn part(&self) -> Part<'static> {
        self.tree.part()
    }

    /// The witness of `placements/<key>` (or of its absence) in the certified
    /// tree made of `parts` (CBOR, self-describing tag first).
    pub fn witness_among(&self, parts: &[Part], key: &str) -> Vec<u8> {
        self.tree.witness_among(parts, key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_values_replace_every_earlier_proof_and_the_root_survives_reopening() {
        let mut st = Store::open();
        assert!(st.is_empty());
        st.publish(MAP_KEY, b"map 1".to_vec());
        st.publish_values(
            b"values 1".to_vec(),
            vec![
                (format!("{VALUE_PREFIX}country/CH"), b"ch".to_vec()),
                (format!("{VALUE_PREFIX}country/DE"), b"de".to_vec()),
            ],
        );
        let first = st.part();
        st.publish_values(b"values 2".to_vec(), vec![(format!("{VALUE_PREFIX}country/FR"), b"fr".to_vec())]);
        assert_eq!(st.result(&format!("{VALUE_PREFIX}country/CH")), None, "an earlier group's proof goes");
        assert_eq!(st.result(&format!("{VALUE_PREFIX}country/FR")), Some(b"fr".to_vec()));
        assert_eq!(st.result(VALUES_KEY), Some(b"values 2".to_vec()));
        assert_eq!(st.result(MAP_KEY), Some(b"map 1".to_vec()), "the map stays");
        assert_ne!(st.part(), first);
        // Reopened from stable memory (as after an upgrade): the same results, the same root.
        let again = Store::open();
        assert_eq!(again.part(), st.part());
        assert_eq!(again.result(VALUES_KEY), Some(b"values 2".to_vec()));
        // A refresh keeps the controllers' switch and drops the work of the last one.
        st.set_refresh(Refresh { enabled: Some(true), ..Refresh::default() });
        st.put_value(0, b"work".to_vec());
        let r = st.start(InputsKey::default(), 3, 4);
        assert_eq!((r.enabled, r.phase, r.map_total, r.values_total), (Some(true), Phase::Map, 3, 4));
        assert!(st.value_work.is_empty());
    }
}

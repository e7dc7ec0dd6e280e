//! The registry records the canister keeps, in stable memory: the latest value
//! of every key the snapshot is derived from (nodes, node operators, data
//! centers, subnets, the subnet list, API boundary node markers), in the
//! compact protobuf form of `crate::registry::proto`, plus the version cursor they
//! reflect and the sync's status. A batch of changes and the cursor it reaches
//! are written in one message, so the stored records always read as the
//! registry at the cursor, whatever happens between messages (an upgrade
//! included).

use crate::stores::memory::{self, Memory, Stored};
use ic_stable_structures::{StableBTreeMap, StableCell};
use serde::{Deserialize, Serialize};

/// The record kinds that are kept, by key prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Node records.
    Node,
    /// Node operator records.
    NodeOperator,
    /// Data center records.
    DataCenter,
    /// Subnet records.
    Subnet,
    /// The subnet list.
    SubnetList,
    /// API boundary node markers.
    ApiBoundaryNode,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 6] =
        [Kind::Node, Kind::NodeOperator, Kind::DataCenter, Kind::Subnet, Kind::SubnetList, Kind::ApiBoundaryNode];

    /// The key prefix (`subnet_list` is a whole key).
    pub fn prefix(self) -> &'static str {
        match self {
            Kind::Node => "node_record_",
            Kind::NodeOperator => "node_operator_record_",
            Kind::DataCenter => "data_center_record_",
            Kind::Subnet => "subnet_record_",
            Kind::SubnetList => "subnet_list",
            Kind::ApiBoundaryNode => "api_boundary_node_",
        }
    }

    /// The kind of a registry key and the id after its prefix; `None` for keys
    /// the snapshot does not need (they are skipped without being fetched).
    pub fn of(key: &str) -> Option<(Kind, &str)> {
        if key == "subnet_list" {
            return Some((Kind::SubnetList, ""));
        }
        Kind::ALL
            .into_iter()
            .filter(|k| *k != Kind::SubnetList)
            .find_map(|k| key.strip_prefix(k.prefix()).filter(|id| !id.is_empty()).map(|id| (k, id)))
    }
}

/// Counts of the last derived snapshot, kept so that the status query need
/// not walk the records.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Nodes of the snapshot.
    pub nodes: u64,
    /// Node operator records.
    pub node_operators: u64,
    /// Data center records.
    pub data_centers: u64,
    /// Subnets.
    pub subnets: u64,
    /// API boundary nodes.
    pub api_boundary_nodes: u64,
    /// Nodes with a SEV chip id.
    pub nodes_with_chip_id: u64,
    /// Node records left out of the snapshot (no operator or data-center record).
    pub nodes_skipped: u64,
}

/// Where the sync stands. `cursor` is the registry version the stored records
/// reflect; the solver's snapshot is derived from them when the cursor reaches
/// the latest version.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    /// The registry version the stored records reflect.
    pub cursor: u64,
    /// Timestamp (ns) of the newest change applied.
    pub cursor_timestamp_nanos: u64,
    /// The latest version the registry reported.
    pub latest_version_seen: u64,
    /// When the last sync succeeded.
    pub last_success_nanos: Option<u64>,
    /// The last failure ...
    pub last_error: Option<String>,
    /// ... and when.
    pub last_error_nanos: Option<u64>,
    /// Failures since the last success (the retry backs off with them).
    pub consecutive_failures: u32,
    /// Counts of the last derived snapshot.
    pub counts: Counts,
    /// Instructions of the most expensive message of the last completed sync.
    pub max_message_instructions: u64,
    /// Cost of the last snapshot installed from the records.
    #[serde(default)]
    pub last_install: InstallCost,
}

/// Instructions of the steps that put a snapshot derived from the records in place.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallCost {
    /// Records read.
    pub records: u64,
    /// Reading and decoding the records and joining them into nodes.
    pub derive: u64,
    /// Replacing the stored snapshot's nodes.
    pub store: u64,
    /// Deriving the engine's inputs and solving the baseline.
    pub rederive: u64,
}

/// The registry records and the sync's state.
pub struct RecordStore {
    records: StableBTreeMap<String, Vec<u8>, Memory>,
    state: StableCell<Stored<SyncState>, Memory>,
}

impl RecordStore {
    /// Open the stable structures.
    pub fn open() -> RecordStore {
        RecordStore {
            records: StableBTreeMap::init(memory::memory(memory::REGISTRY_RECORDS)),
            state: memory::cell(memory::REGISTRY_SYNC, SyncState::default()),
        }
    }

    /// The sync's state.
    pub fn state(&self) -> &SyncState {
        &self.state.get().value
    }

    /// Change the sync's state.
    pub fn update_state(&mut self, f: impl FnOnce(&mut SyncState)) {
        let mut s = self.state.get().value.clone();
        f(&mut s);
        self.state.set(Stored::new(s));
    }

    /// Records kept.
    pub fn len(&self) -> u64 {
        self.records.len()
    }

    /// Whether no record is kept.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Apply one batch: each key's latest value (`None` deletes it), and the
    /// cursor the batch reaches, together.
    pub fn apply(&mut self, changes: Vec<(String, Option<Vec<u8>>)>, cursor: u64, timestamp_nanos: u64) {
        for (key, value) in changes {
            match value {
                Some(v) => {
                    self.records.insert(key, v);
                }
                None => {
                    self.records.remove(&key);
                }
            }
        }
        self.update_state(|s| {
            s.cursor = cursor;
            s.cursor_timestamp_nanos = s.cursor_timestamp_nanos.max(timestamp_nanos);
            s.latest_version_seen = s.latest_version_seen.max(cursor);
        });
    }

    /// The stored (compact) record under `key`.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.records.get(&key.to_string())
    }

    /// Every stored record, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (String, Vec<u8>)> + '_ {
        self.records.iter().map(|e| (e.key().clone(), e.value()))
    }
}

#[cfg(test)]
mod tests {
    use super::Kind;

    #[test]
    fn keys_are_kept_by_prefix_with_a_non_empty_id() {
        assert_eq!(Kind::of("node_record_abc"), Some((Kind::Node, "abc")));
        assert_eq!(Kind::of("node_operator_record_abc"), Some((Kind::NodeOperator, "abc")));
        assert_eq!(Kind::of("data_center_record_zh2"), Some((Kind::DataCenter, "zh2")));
        assert_eq!(Kind::of("subnet_record_s"), Some((Kind::Subnet, "s")));
        assert_eq!(Kind::of("subnet_list"), Some((Kind::SubnetList, "")));
        assert_eq!(Kind::of("api_boundary_node_n"), Some((Kind::ApiBoundaryNode, "n")));
        for skipped in ["node_record_", "routing_table", "subnet_listx", "crypto_record_x", "node_rewards_table"] {
            assert_eq!(Kind::of(skipped), None, "{skipped}");
        }
    }
}

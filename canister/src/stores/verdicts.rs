//! The verdicts and the watcher's state in stable memory, and the certified
//! tree of the verdicts (`proposals/<id>` -> SHA-256 of the verdict's Candid
//! bytes), one subtree of the canister's certified root (`crate::stores::certified`).
//!
//! The tree is updated in place as verdicts are written and evicted, and
//! rebuilt from the stored verdicts in `init` and `post_upgrade`, which set
//! the certified data from it: the certified data always describes the tree
//! the witnesses are cut from.

use crate::stores::certified::{CertifiedMap, Part};
use crate::stores::memory::{self, Memory, Stored};
use candid::Principal;
use ic_certified_map::Hash;
use ic_stable_structures::storable::Bound;
use ic_stable_structures::{StableBTreeMap, StableCell, Storable};
use ic_topology::api::{self, ProposalKind, ProposalStatus};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// The label of the verdicts' subtree.
pub const LABEL: &[u8] = b"proposals";
/// Verdicts kept; beyond, the oldest decided proposal's verdict goes first.
pub const MAX_VERDICTS: u64 = 1_000;
/// The NNS governance canister.
pub const DEFAULT_GOVERNANCE_CANISTER_ID: &str = "rrkah-fqaaa-aaaaa-aaaaq-cai";
/// The poll interval when none is configured ...
pub const DEFAULT_POLL_INTERVAL_SECONDS: u64 = 600;
/// ... the shortest one may configure ...
pub const MIN_POLL_INTERVAL_SECONDS: u64 = 60;
/// ... and the longest.
pub const MAX_POLL_INTERVAL_SECONDS: u64 = 7 * 24 * 3_600;

/// The stored code of a proposal kind.
pub fn kind_code(k: ProposalKind) -> u8 {
    match k {
        ProposalKind::AddNodeOperator => 0,
        ProposalKind::UpdateNodeOperatorConfig => 1,
        ProposalKind::RemoveNodes => 2,
        ProposalKind::RemoveNodeOperators => 3,
        ProposalKind::ChangeSubnetMembership => 4,
    }
}

fn kind_of_code(c: u8) -> ProposalKind {
    match c {
        0 => ProposalKind::AddNodeOperator,
        1 => ProposalKind::UpdateNodeOperatorConfig,
        2 => ProposalKind::RemoveNodes,
        3 => ProposalKind::RemoveNodeOperators,
        4 => ProposalKind::ChangeSubnetMembership,
        _ => panic!("a verdict entry of an unknown kind"),
    }
}

/// The governance status number as the API's status.
pub fn status_of(code: i32) -> ProposalStatus {
    match code {
        1 => ProposalStatus::Open,
        2 => ProposalStatus::Rejected,
        3 => ProposalStatus::Adopted,
        4 => ProposalStatus::Executed,
        5 => ProposalStatus::Failed,
        _ => ProposalStatus::Unspecified,
    }
}

fn status_code(s: ProposalStatus) -> u8 {
    match s {
        ProposalStatus::Unspecified => 0,
        ProposalStatus::Open => 1,
        ProposalStatus::Rejected => 2,
        ProposalStatus::Adopted => 3,
        ProposalStatus::Executed => 4,
        ProposalStatus::Failed => 5,
    }
}

/// One stored verdict: what listing filters on, and the Candid bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The proposal's status.
    pub status: ProposalStatus,
    /// The proposal's kind.
    pub kind: ProposalKind,
    /// The registry version the verdict was computed on.
    pub registry_version: u64,
    /// The verdict's Candid bytes.
    pub candid: Vec<u8>,
}

impl Entry {
    /// The entry of `verdict`.
    pub fn of(verdict: &api::ProposalVerdict) -> Entry {
        Entry {
            status: verdict.status,
            kind: verdict.kind,
            registry_version: verdict.registry_version,
            candid: candid::encode_one(verdict).expect("a verdict encodes"),
        }
    }

    /// The verdict.
    pub fn verdict(&self) -> api::ProposalVerdict {
        candid::decode_one(&self.candid).expect("stored verdicts decode")
    }
}

impl Storable for Entry {
    fn to_bytes(&self) -> Cow<'_, [u8]> {
        Cow::Owned(self.clone().into_bytes())
    }

    fn into_bytes(self) -> Vec<u8> {
        // Layout 1: [1][status][kind][registry version, 8 bytes LE][Candid bytes].
        let mut out = Vec::with_capacity(11 + self.candid.len());
        out.push(1);
        out.push(status_code(self.status));
        out.push(kind_code(self.kind));
        out.extend_from_slice(&self.registry_version.to_le_bytes());
        out.extend_from_slice(&self.candid);
        out
    }

    fn from_bytes(bytes: Cow<[u8]>) -> Self {
        // Only this canister writes these bytes; anything else is a bug.
        assert!(bytes.len() >= 11 && bytes[0] == 1, "a verdict entry of an unknown layout");
        Entry {
            status: status_of(i32::from(bytes[1])),
            kind: kind_of_code(bytes[2]),
            registry_version: u64::from_le_bytes(bytes[3..11].try_into().expect("8 bytes")),
            candid: bytes[11..].to_vec(),
        }
    }

    const BOUND: Bound = Bound::Unbounded;
}

/// A listing of open proposals in progress (persisted: an upgrade between
/// pages resumes it where it stopped).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    /// The next page lists proposals below this id (`None`: the first page).
    pub before: Option<u64>,
    /// Open proposals of the watched kinds listed so far.
    pub open: BTreeSet<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
/// The watcher's settings, listing cursor, queue and status.
pub struct WatcherState {
    /// `None`: the NNS governance canister.
    pub governance_canister_id: Option<String>,
    /// `None`: [`DEFAULT_POLL_INTERVAL_SECONDS`].
    pub poll_interval_seconds: Option<u64>,
    /// The controllers' switch; `None`: on for the NNS registry.
    pub enabled: Option<bool>,
    /// The listing in progress.
    pub listing: Option<Listing>,
    /// Proposals to fetch with `get_proposal_info` and decide on.
    pub pending: BTreeSet<u64>,
    /// Watched proposals seen.
    pub proposals_seen: u64,
    /// When the last poll started.
    pub last_poll_nanos: Option<u64>,
    /// When the last poll succeeded.
    pub last_success_nanos: Option<u64>,
    /// The last failure ...
    pub last_error: Option<String>,
    /// ... and when.
    pub last_error_nanos: Option<u64>,
    /// Instructions of the most expensive message of the last poll.
    pub max_message_instructions: u64,
}

impl WatcherState {
    /// The governance canister.
    pub fn governance_canister_id(&self) -> Principal {
        let text = self.governance_canister_id.as_deref().unwrap_or(DEFAULT_GOVERNANCE_CANISTER_ID);
        Principal::from_text(text).expect("stored canister ids are valid")
    }

    /// The poll interval.
    pub fn poll_interval_seconds(&self) -> u64 {
        self.poll_interval_seconds.unwrap_or(DEFAULT_POLL_INTERVAL_SECONDS)
    }

    /// On unless switched off; by default only when the registry read is the NNS registry's.
    pub fn enabled(&self, registry_is_the_nns_registry: bool) -> bool {
        self.enabled.unwrap_or(registry_is_the_nns_registry)
    }
}

fn sha256(bytes: &[u8]) -> Hash {
    Sha256::digest(bytes).into()
}

/// The verdicts, their certified tree, and the watcher's state.
pub struct Watcher {
    verdicts: StableBTreeMap<u64, Entry, Memory>,
    state: StableCell<Stored<WatcherState>, Memory>,
    tree: CertifiedMap,
    /// Each verdict's hash by proposal id (the tree's leaves, for the dashboard's pages).
    hashes: BTreeMap<u64, Hash>,
    /// Counts the changes to the verdicts since the store was opened (heap only).
    generation: u64,
}

impl Watcher {
    /// Open the stable structures and build the certified tree of the verdicts.
    pub fn open() -> Watcher {
        let verdicts: StableBTreeMap<u64, Entry, Memory> =
            StableBTreeMap::init(memory::memory(memory::PROPOSAL_VERDICTS));
        let mut tree = CertifiedMap::of(LABEL, []);
        let mut hashes = BTreeMap::new();
        for e in verdicts.iter() {
            let hash = sha256(&e.value().candid);
            tree.insert(e.key().to_string(), hash);
            hashes.insert(*e.key(), hash);
        }
        Watcher {
            verdicts,
            state: memory::cell(memory::GOVERNANCE_WATCHER, WatcherState::default()),
            tree,
            hashes,
            generation: 0,
        }
    }

    /// The watcher's state.
    pub fn state(&self) -> &WatcherState {
        &self.state.get().value
    }

    /// Change the watcher's state.
    pub fn update_state(&mut self, f: impl FnOnce(&mut WatcherState)) {
        let mut s = self.state.get().value.clone();
        f(&mut s);
        self.state.set(Stored::new(s));
    }

    /// Changes to the verdicts since the store was opened: equal generations, equal verdicts.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Each stored verdict's SHA-256 (of its Candid bytes), by proposal id.
    pub fn hashes(&self) -> &BTreeMap<u64, Hash> {
        &self.hashes
    }

    /// Verdicts kept.
    pub fn len(&self) -> u64 {
        self.verdicts.len()
    }

    /// Whether no verdict is kept.
    pub fn is_empty(&self) -> bool {
        self.verdicts.is_empty()
    }

    /// The verdict on proposal `id`.
    pub fn get(&self, id: u64) -> Option<Entry> {
        self.verdicts.get(&id)
    }

    /// Ids of stored verdicts whose proposal was open when last written.
    pub fn open_ids(&self) -> Vec<u64> {
        self.verdicts.iter().filter(|e| e.value().status == ProposalStatus::Open).map(|e| *e.key()).collect()
    }

    /// Newest first, from below `before`.
    pub fn newest_first(&self, before: Option<u64>) -> impl Iterator<Item = (u64, Entry)> + '_ {
        let end = match before {
            Some(b) => std::ops::Bound::Excluded(b),
            None => std::ops::Bound::Unbounded,
        };
        self.verdicts.range((std::ops::Bound::Unbounded, end)).rev().map(|e| (*e.key(), e.value()))
    }

    /// Store a verdict (replacing the proposal's previous one), evicting
    /// beyond [`MAX_VERDICTS`] the oldest decided proposal's verdict first,
    /// then the oldest. Returns the evicted ids. The caller sets the
    /// certified data.
    pub fn insert(&mut self, verdict: &api::ProposalVerdict) -> Vec<u64> {
        let id = verdict.proposal_id;
        let entry = Entry::of(verdict);
        let mut evicted = Vec::new();
        if !self.verdicts.contains_key(&id) {
            while self.verdicts.len() >= MAX_VERDICTS {
                let victim = self
                    .verdicts
                    .iter()
                    .find(|e| e.value().status != ProposalStatus::Open)
                    .map(|e| *e.key())
                    .or_else(|| self.verdicts.first_key_value().map(|(k, _)| k))
                    .expect("a full map has a first entry");
                self.verdicts.remove(&victim);
                self.tree.remove(&victim.to_string());
                self.hashes.remove(&victim);
                evicted.push(victim);
            }
        }
        let hash = sha256(&entry.candid);
        self.tree.insert(id.to_string(), hash);
        self.hashes.insert(id, hash);
        self.verdicts.insert(id, entry);
        self.generation += 1;
        evicted
    }

    /// The hash of this subtree (labelled).
    pub fn part(&self) -> Part<'static> {
        self.tree.part()
    }

    /// The witness of `proposals/<id>` in the certified tree made of `parts`
    /// (CBOR, self-describing tag first).
    pub fn witness_among(&self, parts: &[Part], id: u64) -> Vec<u8> {
        self.tree.witness_among(parts, &id.to_string())
    }
}

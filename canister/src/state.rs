//! The canister's one state: [`State`] owns every store (`crate::stores`)
//! and what queries read derived from them, and answers pure reads. It knows
//! nothing of ic-cdk: the caller, the controllers, the time and the
//! instruction counter come through [`Env`], so all of it runs in
//! `cargo test` natively.
//!
//! Stored state lives in stable structures ([`crate::stores::memory`]). What
//! queries need fast (the engine's inputs, their digests and the baseline
//! solve) is derived from it into the heap whenever the stored state changes,
//! in update calls, `init` and `post_upgrade`: a query cannot keep what it
//! computes. The operations live with their features (`crate::evaluation`,
//! `crate::configuration`, `crate::snapshot`, `crate::publish`,
//! `crate::registry`, `crate::governance`, `crate::plan`,
//! `crate::placement`), each in an `impl State` block or as functions of a
//! `State`; every change goes through the write path of `crate::lifecycle`,
//! which renders the dashboard again and certifies the root.
//!
//! Values the registry lacks come from the configuration, with documented
//! defaults that every result counts: a provider without a configured name is
//! named by its principal, a node without configured health is UP.

pub use crate::limits::*;
use crate::stores::certified::{self, Part};
use crate::stores::configuration::{source_out, SnapshotMeta, StagedSnapshot, StoredConfiguration, StoredTopology};
use crate::stores::dashboard::Site;
use crate::stores::memory::{self, Memory, Stored};
use crate::stores::nodes::{node_map, open_nodes, NodeList, StoredNode};
use crate::stores::placements::Store as Placements;
use crate::stores::plan::Kept;
use crate::stores::published::Published;
use crate::stores::registry::RecordStore;
use crate::stores::verdicts::Watcher;
use candid::Principal;
use ic_stable_structures::{StableBTreeMap, StableCell};
use ic_topology::api::{self, Error, Result};
use ic_topology::inputs::Inputs;
use ic_topology::model::{self, Model};
use ic_topology::solve::{self, Budget, Solution};
use ic_topology::{digest, export};

/// What the canister needs from the system.
pub trait Env {
    /// The principal that sent this message.
    fn caller(&self) -> Principal;
    /// Whether `principal` is a controller of this canister.
    fn is_controller(&self, principal: &Principal) -> bool;
    /// Instructions used so far in this message.
    fn instructions(&self) -> u64;
    /// Set the canister's certified data (updates, init and post_upgrade only;
    /// called by the write path alone, `crate::lifecycle::settle`).
    /// Test doubles that do not check certification may keep the default.
    fn set_certified_data(&self, _data: &[u8]) {}
    /// The system's certificate of the certified data (non-replicated queries only).
    fn data_certificate(&self) -> Option<Vec<u8>> {
        None
    }
    /// The time (ns since the epoch; 0 by default, for test doubles).
    fn now_nanos(&self) -> u64 {
        0
    }
    /// This canister's id (the management canister's by default, for test doubles).
    fn canister_id(&self) -> Principal {
        Principal::management_canister()
    }
}

/// What every answer that needs a snapshot says before one is loaded.
pub const NO_SNAPSHOT: &str = "no registry snapshot is loaded yet";

/// The refusal of every read that needs a snapshot before one is loaded.
pub fn no_snapshot() -> Error {
    Error::NotReady { reason: NO_SNAPSHOT.into() }
}

/// What queries read, derived from the stored state.
pub struct Derived {
    /// The engine's inputs: the snapshot's nodes with the configuration.
    pub inputs: Inputs,
    /// The export of `inputs` (see `ic_topology::export`); its SHA-256 is `configuration_sha256`.
    pub export: Vec<u8>,
    /// The engine's model of `inputs`.
    pub model: Model,
    /// The baseline solve (no candidates) of `model`.
    pub baseline: Solution,
    /// The digest of the topology.
    pub topology_sha256: String,
    /// The digest of the inputs (the export's SHA-256).
    pub configuration_sha256: String,
    /// The defaults the snapshot's nodes took.
    pub defaults: api::DefaultsApplied,
    /// The snapshot's and pipeline's names, to refuse candidate look-alikes.
    pub names: ic_topology::text::ExistingNames,
}

/// The two pollers of the canister, each allowed one run at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Poller {
    /// The registry sync (`crate::registry::sync`).
    Registry,
    /// The governance watcher (`crate::governance::watch`).
    Governance,
}

/// The canister's state: every store, and what is derived from them.
pub struct State {
    pub(crate) configuration: StableCell<Stored<StoredConfiguration>, Memory>,
    pub(crate) topology: StableCell<Stored<StoredTopology>, Memory>,
    pub(crate) nodes: StableCell<NodeList, Memory>,
    pub(crate) snapshot: StableCell<Stored<SnapshotMeta>, Memory>,
    pub(crate) staged_nodes: StableBTreeMap<String, StoredNode, Memory>,
    pub(crate) staged: StableCell<Stored<StagedSnapshot>, Memory>,
    pub(crate) registry: RecordStore,
    pub(crate) published: Published,
    /// The governance watcher's verdicts and state.
    pub(crate) governance: Watcher,
    /// The placement refresh and its certified results.
    pub(crate) placements: Placements,
    /// The membership plan of every subnet (heap only).
    pub(crate) kept_plan: Kept,
    /// The dashboard's certified pages (heap only; `None` until the write
    /// path of `crate::lifecycle` renders them).
    pub(crate) dashboard: Option<Site>,
    /// Which pollers run (heap only: no poll survives an upgrade).
    running: [bool; 2],
    /// Moves whenever what the dashboard's state-derived pages show changes.
    page_generation: u64,
    derived: Option<Derived>,
}

impl State {
    /// Open the stable structures (empty ones on a fresh install).
    pub fn open() -> State {
        let mut s = State {
            configuration: memory::cell(memory::CONFIGURATION, StoredConfiguration::default()),
            topology: memory::cell(memory::TOPOLOGY, StoredTopology::default()),
            nodes: open_nodes(),
            snapshot: memory::cell(memory::SNAPSHOT, SnapshotMeta::default()),
            staged_nodes: node_map(memory::STAGED_NODES),
            staged: memory::cell(memory::STAGED_SNAPSHOT, StagedSnapshot::default()),
            registry: RecordStore::open(),
            published: Published::open(),
            governance: Watcher::open(),
            placements: Placements::open(),
            kept_plan: Kept::Stale,
            dashboard: None,
            running: [false; 2],
            page_generation: 0,
            derived: None,
        };
        s.rederive();
        s
    }

    /// The engine's inputs from the stored state, and the defaults the nodes took.
    fn inputs_and_defaults(&self) -> (Inputs, api::DefaultsApplied) {
        let config = &self.configuration.get().value;
        let mut defaults = api::DefaultsApplied::default();
        let nodes = self.nodes.get().0.iter().map(|n| config.effective_node(n.clone(), &mut defaults)).collect();
        let inputs = Inputs {
            settings: config.settings(),
            nodes,
            pipeline: config.pipeline.clone(),
            topology: self.topology.get().value.subnets.clone(),
            sev_providers: config.sev_providers.clone(),
            cordons: config.cordons.clone(),
            clusters: config.clusters.clone(),
            special_limits: config.special_limits.clone(),
            country_restrictions: config.country_restrictions.clone(),
            warnings: vec![],
        };
        (inputs, defaults)
    }

    /// The engine's inputs from the stored state.
    pub(crate) fn inputs(&self) -> Inputs {
        self.inputs_and_defaults().0
    }

    /// Derive again what queries read (after the snapshot, the topology or
    /// the configuration changed): the dashboard's pages follow.
    pub(crate) fn rederive(&mut self) {
        self.derived = None;
        if !self.nodes.get().0.is_empty() {
            let (inputs, defaults) = self.inputs_and_defaults();
            let model = model::build(&inputs, &[]);
            let baseline = solve::solve(&model, Budget::default());
            // The configuration digest is the export's SHA-256: serialise once.
            let export = export::to_bytes(&inputs);
            self.derived = Some(Derived {
                topology_sha256: digest::topology_digest(&inputs.topology),
                configuration_sha256: digest::sha256_hex(&export),
                export,
                names: ic_topology::text::ExistingNames::of(&inputs),
                inputs,
                model,
                baseline,
                defaults,
            });
        }
        self.pages_changed();
    }

    /// Mark the dashboard's state-derived pages out of date.
    pub(crate) fn pages_changed(&mut self) {
        self.page_generation += 1;
    }

    /// Moves whenever what the dashboard's state-derived pages show changes.
    pub fn page_generation(&self) -> u64 {
        self.page_generation
    }

    /// `Unauthorized` unless the caller is a controller.
    pub(crate) fn authorize(&self, env: &impl Env, method: &str) -> Result<()> {
        let caller = env.caller();
        if env.is_controller(&caller) {
            Ok(())
        } else {
            Err(Error::Unauthorized { caller, method: method.into() })
        }
    }

    /// What queries read, or `NotReady` before a snapshot is loaded.
    pub(crate) fn derived(&self) -> Result<&Derived> {
        self.derived.as_ref().ok_or_else(no_snapshot)
    }

    /// What queries read (the dashboard draws from it); `None` before a snapshot is loaded.
    pub fn derived_state(&self) -> Option<&Derived> {
        self.derived.as_ref()
    }

    /// The registry version of the snapshot in use.
    pub(crate) fn registry_version(&self) -> u64 {
        self.snapshot.get().value.registry_version
    }

    /// Where the snapshot in use came from.
    pub(crate) fn snapshot_source(&self) -> api::SnapshotSource {
        source_out(self.snapshot.get().value.source)
    }

    /// The certified data: the root over every certified subtree (set by
    /// the write path in init, post_upgrade and every update).
    pub fn certified_root(&self) -> [u8; 32] {
        certified::root_hash(&self.certified_parts())
    }

    /// Every certified subtree, one line each (see [`crate::stores::certified`]).
    pub fn certified_parts(&self) -> Vec<Part<'static>> {
        let mut parts = vec![self.published.part()];
        parts.extend(self.dashboard.as_ref().map(Site::part));
        // Proposal verdicts, once there is one (until then the root is the published tree's alone).
        if !self.governance.is_empty() {
            parts.push(self.governance.part());
        }
        if !self.placements.is_empty() {
            parts.push(self.placements.part());
        }
        parts
    }

    /// What queries read and the placement store, to change the store while
    /// reading the inputs (`crate::placement`).
    pub(crate) fn derived_and_placements(&mut self) -> (Option<&Derived>, &mut Placements) {
        (self.derived.as_ref(), &mut self.placements)
    }

    /// The dashboard's certified pages, once rendered.
    pub fn dashboard(&self) -> Option<&Site> {
        self.dashboard.as_ref()
    }

    /// Take the dashboard out to render it again (`crate::lifecycle`).
    pub fn take_dashboard(&mut self) -> Option<Site> {
        self.dashboard.take()
    }

    /// Put the rendered dashboard back.
    pub fn put_dashboard(&mut self, site: Site) {
        self.dashboard = Some(site);
    }

    /// The governance watcher's verdicts and state.
    pub fn governance(&self) -> &Watcher {
        &self.governance
    }

    /// The same, to change (`crate::governance`).
    pub fn governance_mut(&mut self) -> &mut Watcher {
        &mut self.governance
    }

    /// The kept membership plan (`crate::plan`).
    pub fn kept_plan(&self) -> &Kept {
        &self.kept_plan
    }

    /// The configuration as stored.
    pub fn stored_configuration(&self) -> &StoredConfiguration {
        &self.configuration.get().value
    }

    /// The stored registry record under `key`.
    pub fn registry_record(&self, key: &str) -> Option<Vec<u8>> {
        self.registry.get(key)
    }

    /// The registry version of the snapshot in use.
    pub fn snapshot_registry_version(&self) -> u64 {
        self.registry_version()
    }

    /// Whether the configured registry is the NNS registry (mainnet).
    pub fn registry_is_the_nns_registry(&self) -> bool {
        self.configuration.get().value.registry_canister_id().to_text() == DEFAULT_REGISTRY_CANISTER_ID
    }

    /// Take `poller`'s guard; false if it runs already.
    pub fn try_start(&mut self, poller: Poller) -> bool {
        !std::mem::replace(&mut self.running[poller as usize], true)
    }

    /// Release `poller`'s guard. Heap only (it may run in a cleanup
    /// callback): the pages that show the poller are marked out of date, and
    /// the next write renders and certifies them.
    pub fn stop(&mut self, poller: Poller) {
        self.running[poller as usize] = false;
        self.pages_changed();
    }

    /// Whether `poller` runs.
    pub fn is_running(&self, poller: Poller) -> bool {
        self.running[poller as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_state_has_no_snapshot_and_says_so() {
        let s = State::open();
        assert!(s.derived_state().is_none());
        assert_eq!(s.derived().err(), Some(no_snapshot()));
        assert_eq!(s.registry_version(), 0);
        assert!(s.dashboard().is_none());
        // With no dashboard rendered and nothing published, the root is the published tree's alone.
        assert_eq!(s.certified_parts().len(), 1);
        assert_eq!(s.certified_root(), s.published.part().hash);
    }

    #[test]
    fn reads_change_nothing_and_derivation_moves_the_page_generation() {
        let mut s = State::open();
        let (root, generation) = (s.certified_root(), s.page_generation());
        let _ = (s.certified_parts(), s.stored_configuration().clone(), s.snapshot_source());
        assert_eq!((s.certified_root(), s.page_generation()), (root, generation));
        s.rederive();
        assert_eq!(s.page_generation(), generation + 1);
    }

    #[test]
    fn each_poller_runs_once_at_a_time() {
        let mut s = State::open();
        assert!(s.try_start(Poller::Registry));
        assert!(!s.try_start(Poller::Registry), "a second sync waits for the first");
        assert!(s.try_start(Poller::Governance), "the other poller has its own guard");
        assert!(s.is_running(Poller::Registry));
        s.stop(Poller::Registry);
        assert!(!s.is_running(Poller::Registry));
        assert!(s.is_running(Poller::Governance));
        assert!(s.try_start(Poller::Registry));
    }

    #[test]
    fn only_controllers_are_authorized() {
        struct Caller(bool);
        impl Env for Caller {
            fn caller(&self) -> Principal {
                Principal::from_slice(&[7; 29])
            }
            fn is_controller(&self, _: &Principal) -> bool {
                self.0
            }
            fn instructions(&self) -> u64 {
                0
            }
        }
        let s = State::open();
        assert!(s.authorize(&Caller(true), "set_topology").is_ok());
        assert!(matches!(
            s.authorize(&Caller(false), "set_topology"),
            Err(Error::Unauthorized { method, .. }) if method == "set_topology"
        ));
    }
}

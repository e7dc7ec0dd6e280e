//! The registry sync, natively, against a fake registry behind the same
//! [`Registry`] trait: a full replay from version 0 of thousands of records
//! built from the dashboard snapshots (many versions, chunked large values,
//! unrelated keys), then deltas that move nodes between operators and data
//! centers and delete records, then faults (an error reply mid-sync, a
//! rejected call, a malformed value, a chunk that does not hash to its key, a
//! version that goes backwards). After each fault the snapshot in use is the
//! previous one, the status names the error, and the next sync completes. The
//! derived snapshot is compared field by field with the dashboard rows, and
//! evaluations on it with the engine's on the same nodes.
//!
//! `defaults/generated/nodes.csv` is always there; the snapshots of `../shared/data`
//! are used when present (the test says when it skips them).

mod fake_registry;

use candid::Principal;
use fake_registry::*;
use ic_topology::files;
use ic_topology::inputs::RegistryNode;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use topology_canister::api;
use topology_canister::registry::proto::{ChangesSinceResponse, Content, RegistryError};
use topology_canister::registry::sync::{self, Host, Registry, SyncError, SyncReport};
use topology_canister::state::{Env, Poller, State};

/// Drives a future to completion (the fake registry answers at once).
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// Pending once, then ready: a call in flight.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            Poll::Pending
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Fault {
    /// The n-th `get_changes_since` (from 1) answers with a registry error.
    ErrorReply(u32),
    /// The n-th `get_chunk` is rejected.
    RejectChunk(u32),
    /// The n-th `get_changes_since` carries a node record that does not decode.
    MalformedValue(u32),
    /// The n-th `get_chunk` returns other bytes.
    BadChunk(u32),
    /// `get_latest_version` reports this version.
    LatestIs(u64),
    /// `get_latest_version` is in flight until polled again.
    Slow,
}

struct Fake {
    registry: RefCell<FakeRegistry>,
    fault: RefCell<Option<Fault>>,
    changes_calls: Cell<u32>,
    chunk_calls: Cell<u32>,
    fetched: RefCell<Vec<Vec<u8>>>,
}

impl Fake {
    fn new(registry: FakeRegistry) -> Fake {
        Fake {
            registry: RefCell::new(registry),
            fault: RefCell::new(None),
            changes_calls: Cell::new(0),
            chunk_calls: Cell::new(0),
            fetched: RefCell::new(Vec::new()),
        }
    }

    fn inject(&self, fault: Fault) {
        *self.fault.borrow_mut() = Some(fault);
        self.changes_calls.set(0);
        self.chunk_calls.set(0);
    }

    fn take_if(&self, f: impl Fn(&Fault) -> bool) -> Option<Fault> {
        let mut slot = self.fault.borrow_mut();
        if slot.as_ref().is_some_and(f) {
            slot.take()
        } else {
            None
        }
    }
}

impl Registry for Fake {
    async fn get_latest_version(&self) -> Result<u64, SyncError> {
        if self.take_if(|f| *f == Fault::Slow).is_some() {
            YieldOnce(false).await;
        }
        if let Some(Fault::LatestIs(v)) = self.take_if(|f| matches!(f, Fault::LatestIs(_))) {
            return Ok(v);
        }
        Ok(self.registry.borrow().latest())
    }

    async fn get_changes_since(&self, version: u64) -> Result<ChangesSinceResponse, SyncError> {
        let n = self.changes_calls.get() + 1;
        self.changes_calls.set(n);
        let mut reply = self.registry.borrow_mut().changes_since(version);
        if self.take_if(|f| *f == Fault::ErrorReply(n)).is_some() {
            reply.error = Some(RegistryError { code: 999, reason: "internal error".into(), key: vec![] });
            reply.deltas.clear();
        }
        if self.take_if(|f| *f == Fault::MalformedValue(n)).is_some() {
            let delta = reply
                .deltas
                .iter_mut()
                .find(|d| d.key.starts_with(b"node_record_") || d.key.starts_with(b"node_operator_record_"))
                .expect("the batch has a node or operator record");
            delta.values.last_mut().unwrap().content = Some(Content::Value(vec![0xff, 0xff, 0xff]));
        }
        Ok(reply)
    }

    async fn get_chunk(&self, sha256: &[u8]) -> Result<Vec<u8>, SyncError> {
        let n = self.chunk_calls.get() + 1;
        self.chunk_calls.set(n);
        if self.take_if(|f| *f == Fault::RejectChunk(n)).is_some() {
            return Err(SyncError::Call { method: "get_chunk".into(), code: 4, message: "rejected".into() });
        }
        let mut chunk = self.registry.borrow().chunks.get(sha256).cloned().expect("a known chunk key");
        if self.take_if(|f| *f == Fault::BadChunk(n)).is_some() {
            chunk[0] ^= 1;
        }
        self.fetched.borrow_mut().push(chunk.clone());
        Ok(chunk)
    }
}

struct Local {
    state: RefCell<State>,
}

impl Host for Local {
    type Env = Controller;
    fn env(&self) -> &Controller {
        &Controller
    }
    fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.borrow_mut())
    }
    fn now_nanos(&self) -> u64 {
        1_800_000_000_000_000_000
    }
    fn instructions(&self) -> u64 {
        0
    }
    fn release(&self, poller: Poller) {
        self.state.borrow_mut().stop(poller);
    }
}

struct Controller;

impl Env for Controller {
    fn caller(&self) -> Principal {
        Principal::from_slice(&[1; 29])
    }
    fn is_controller(&self, _: &Principal) -> bool {
        true
    }
    fn instructions(&self) -> u64 {
        0
    }
}

fn local() -> Local {
    let mut s = State::open();
    s.init(api::InitArgs::default()).unwrap();
    Local { state: RefCell::new(s) }
}

fn run(fake: &Fake, host: &Local) -> Result<SyncReport, SyncError> {
    block_on(sync::sync(fake, host))
}

/// The snapshot as `list_nodes` shows it (configured names and health applied).
fn snapshot(host: &Local) -> Vec<api::Node> {
    let s = host.state.borrow();
    let mut out = Vec::new();
    let mut start_after = None;
    loop {
        let req = api::ListNodesRequest {
            node_provider: None,
            country: None,
            data_center: None,
            subnet_id: None,
            start_after: start_after.clone(),
            limit: Some(500),
        };
        let page = s.list_nodes(req).unwrap();
        out.extend(page.nodes);
        match page.next {
            Some(n) => start_after = Some(n),
            None => return out,
        }
    }
}

/// `expected` with the defaults a registry snapshot takes when nothing is configured.
fn with_defaults(nodes: Vec<RegistryNode>) -> Vec<api::Node> {
    nodes
        .into_iter()
        .map(|mut n| {
            n.node_provider_name = n.node_provider_id.clone();
            n.status = "UP".into();
            ic_topology::api::Node::from(n)
        })
        .collect()
}

/// The default network (generated, 1425 nodes) with its current subnets.
fn default_nodes() -> Vec<RegistryNode> {
    let nodes = generated_nodes(&ic_topology_generate::DEFAULT_PARAMS);
    assert!(nodes.iter().filter(|n| n.subnet_id.is_some()).count() > 500);
    nodes
}

/// Names and health from the dashboard rows, as controllers would configure them.
fn configure_names_and_health(host: &Local, nodes: &[RegistryNode]) {
    host.state.borrow_mut().update_configuration(&Controller, configuration_of(nodes)).unwrap();
}

fn argentina(n: u32) -> api::CandidateRow {
    api::CandidateRow {
        node_provider: "Lionel Messi".into(),
        data_center: "Buenos Aires 1".into(),
        data_center_provider: "Peron Corporation".into(),
        country: "AR".into(),
        is_sev: true,
        no_nodes: n,
    }
}

/// The canister's evaluation on the synced snapshot equals the engine's on the same nodes.
fn assert_same_evaluation(host: &Local, nodes: &[RegistryNode], candidates: u32) {
    let inputs = engine_inputs(nodes);
    let req =
        api::EvaluateRequest { candidates: vec![argentina(candidates)], overrides: None, include_allocation: None };
    let answer = host.state.borrow().evaluate_candidates(&Controller, req).unwrap();
    let rows = vec![ic_topology::inputs::CandidateRow::from(&argentina(candidates))];
    let (_, native) = ic_topology::evaluate::evaluate(&inputs, &rows, topology_canister::state::QUERY_BUDGET);
    assert_eq!(answer.objective, native.solution.objective);
    assert_eq!(answer.baseline_objective, native.baseline_objective);
    let curve: Vec<Option<u32>> = answer.curve.iter().map(|p| p.objective).collect();
    assert_eq!(curve, native.curve.iter().map(|p| p.objective).collect::<Vec<_>>());
    // The very same records: the configuration digest covers every node.
    if answer.configuration_sha256 != ic_topology::digest::configuration_digest(&inputs) {
        let canister: Vec<RegistryNode> =
            snapshot(host).into_iter().map(ic_topology::inputs::RegistryNode::from).collect();
        for (a, b) in canister.iter().zip(&inputs.nodes) {
            assert_eq!(a, b);
        }
    }
    assert_eq!(answer.configuration_sha256, ic_topology::digest::configuration_digest(&inputs));
    assert_eq!(answer.snapshot_source, api::SnapshotSource::Registry);
    assert_eq!(answer.defaults_applied.provider_name_is_principal, 0);
    let configured_health = nodes.iter().filter(|n| matches!(n.status.as_str(), "DOWN" | "DEGRADED")).count();
    assert_eq!(answer.defaults_applied.health_default_up, (nodes.len() - configured_health) as u64);
}

fn status(host: &Local) -> api::SyncStatus {
    host.state.borrow().sync_status()
}

/// A registry over `nodes` whose values of 300 bytes or more (subnet records,
/// the subnet list, an unrelated routing table) come in chunks of 128 bytes,
/// at most 4 versions per reply.
fn fake_of(nodes: &[RegistryNode]) -> Fake {
    Fake::new(registry_of(nodes, 60, FakeRegistry::new(300, 128, 4)))
}

#[test]
fn full_replay_derives_the_dashboard_snapshot_and_the_engine_agrees() {
    let nodes = default_nodes();
    let fake = fake_of(&nodes);
    let host = local();
    let report = run(&fake, &host).unwrap();
    let latest = fake.registry.borrow().latest();
    assert_eq!((report.from_version, report.to_version), (0, latest));
    assert!(report.batches as u64 >= latest / 4, "{report:?}");
    assert!(report.snapshot_replaced);
    // Chunks of kept values only: the unrelated routing table (bytes of 7) is never fetched.
    assert!(report.chunks_fetched > 10, "{report:?}");
    assert!(fake.fetched.borrow().iter().all(|c| c.iter().any(|b| *b != 7)));

    assert_eq!(snapshot(&host), with_defaults(expected(&nodes)));
    let st = status(&host);
    let abn = nodes.iter().filter(|n| n.node_type.as_deref() == Some("API_BOUNDARY")).count() as u64;
    let subnets: std::collections::BTreeSet<_> = nodes.iter().filter_map(|n| n.subnet_id.clone()).collect();
    let dcs: std::collections::BTreeSet<_> = nodes.iter().map(|n| n.data_center.clone()).collect();
    let ops: std::collections::BTreeSet<_> = nodes.iter().map(|n| n.node_operator_id.clone()).collect();
    assert_eq!((st.cursor_version, st.latest_version_seen, st.snapshot_version), (latest, latest, Some(latest)));
    assert_eq!(
        (st.nodes, st.node_operators, st.data_centers, st.subnets, st.api_boundary_nodes),
        (nodes.len() as u64, ops.len() as u64, dcs.len() as u64, subnets.len() as u64, abn)
    );
    assert_eq!(st.records, (nodes.len() + ops.len() + dcs.len() + subnets.len() + 1) as u64 + abn);
    assert_eq!(st.nodes_with_chip_id, nodes.len().div_ceil(3) as u64);
    assert_eq!((st.nodes_skipped, st.last_error.clone(), st.consecutive_failures), (0, None, 0));
    assert_eq!(st.last_success_nanos, Some(1_800_000_000_000_000_000));
    let info = host.state.borrow().snapshot_info();
    assert_eq!((info.source, info.registry_version), (api::SnapshotSource::Registry, latest));
    assert_eq!(info.defaults_applied.provider_name_is_principal, nodes.len() as u64);
    assert_eq!(info.defaults_applied.health_default_up, nodes.len() as u64);

    // Nothing new: a sync changes nothing and says so.
    let again = run(&fake, &host).unwrap();
    assert_eq!((again.batches, again.snapshot_replaced, again.to_version), (0, false, latest));

    configure_names_and_health(&host, &nodes);
    assert_same_evaluation(&host, &nodes, 6);
}

/// Later versions: a node moves to another operator, an operator moves to
/// another data center (new one), a node leaves its subnet and is deleted,
/// an API boundary node marker is removed. Returns the nodes as they now are.
fn apply_deltas(fake: &Fake, nodes: &[RegistryNode]) -> Vec<RegistryNode> {
    let mut nodes = nodes.to_vec();
    let mut reg = fake.registry.borrow_mut();
    // 1. A node changes operator (to one in another data center).
    let i = nodes.iter().position(|n| n.subnet_id.is_none()).unwrap();
    let other = nodes.iter().find(|n| n.data_center != nodes[i].data_center).unwrap().clone();
    nodes[i].node_operator_id = other.node_operator_id.clone();
    nodes[i].node_provider_id = other.node_provider_id.clone();
    nodes[i].node_provider_name = other.node_provider_name.clone();
    nodes[i].data_center = other.data_center.clone();
    nodes[i].data_center_provider = other.data_center_provider.clone();
    nodes[i].region = other.region.clone();
    reg.commit(vec![(format!("node_record_{}", nodes[i].node_id), Some(node_record(&nodes[i], 1)))]);
    // 2. An operator moves to a new data center.
    let op = nodes.iter().rev().find(|n| n.subnet_id.is_some()).unwrap().clone();
    reg.commit(vec![(
        "data_center_record_zz9".into(),
        Some(data_center_record("zz9", "Europe,IS,Reykjavik", "Nordic Halls")),
    )]);
    reg.commit(vec![(
        format!("node_operator_record_{}", op.node_operator_id),
        Some(operator_record(&op.node_operator_id, &op.node_provider_id, "zz9")),
    )]);
    for n in nodes.iter_mut().filter(|n| n.node_operator_id == op.node_operator_id) {
        n.data_center = "zz9".into();
        n.data_center_provider = "Nordic Halls".into();
        n.region = "Europe,IS,Reykjavik".into();
    }
    // 3. A node leaves its subnet, then is removed from the registry.
    let gone = nodes.iter().position(|n| n.subnet_id.is_some()).unwrap();
    let subnet = nodes[gone].subnet_id.clone().unwrap();
    let members: Vec<String> = nodes
        .iter()
        .filter(|n| n.subnet_id.as_ref() == Some(&subnet) && n.node_id != nodes[gone].node_id)
        .map(|n| n.node_id.clone())
        .collect();
    let refs: Vec<&str> = members.iter().map(String::as_str).collect();
    reg.commit(vec![(format!("subnet_record_{subnet}"), Some(subnet_record(&refs)))]);
    reg.commit(vec![(format!("node_record_{}", nodes[gone].node_id), None)]);
    nodes.remove(gone);
    // 4. An API boundary node becomes an ordinary unassigned node.
    if let Some(abn) = nodes.iter_mut().find(|n| n.node_type.as_deref() == Some("API_BOUNDARY")) {
        reg.commit(vec![(format!("api_boundary_node_{}", abn.node_id), None)]);
        abn.node_type = Some("UNASSIGNED".into());
    }
    // 5. A key changed twice in one batch: only the last value counts.
    let j = nodes.iter().position(|n| n.subnet_id.is_none() && n.node_type.as_deref() != Some("API_BOUNDARY")).unwrap();
    let key = format!("node_record_{}", nodes[j].node_id);
    let mut detour = nodes[j].clone();
    detour.node_operator_id = op.node_operator_id.clone();
    reg.commit(vec![(key.clone(), Some(node_record(&detour, 2)))]);
    reg.commit(vec![(key, Some(node_record(&nodes[j], 3)))]);
    nodes
}

#[test]
fn deltas_move_nodes_between_operators_and_data_centers_and_delete_records() {
    let nodes = default_nodes();
    let fake = fake_of(&nodes);
    let host = local();
    run(&fake, &host).unwrap();
    let before = fake.registry.borrow().latest();
    let now = apply_deltas(&fake, &nodes);
    let report = run(&fake, &host).unwrap();
    let latest = fake.registry.borrow().latest();
    assert_eq!((report.from_version, report.to_version), (before, latest));
    assert!(report.snapshot_replaced);
    assert_eq!(snapshot(&host), with_defaults(expected(&now)));
    let st = status(&host);
    assert_eq!((st.cursor_version, st.snapshot_version, st.nodes), (latest, Some(latest), nodes.len() as u64 - 1));
    assert_eq!(
        st.data_centers,
        nodes.iter().map(|n| &n.data_center).collect::<std::collections::BTreeSet<_>>().len() as u64 + 1
    );
    configure_names_and_health(&host, &now);
    assert_same_evaluation(&host, &now, 2);
}

type IsExpected = fn(&SyncError) -> bool;

/// Each fault: the sync fails with it, the snapshot in use stays, the status
/// names it; the next sync completes and gives the current snapshot.
#[test]
fn faults_keep_the_previous_snapshot_and_the_next_sync_completes() {
    let nodes = default_nodes();
    let fake = fake_of(&nodes);
    let host = local();
    run(&fake, &host).unwrap();
    let mut current = nodes.clone();
    let faults: Vec<(Fault, IsExpected)> = vec![
        (Fault::ErrorReply(2), |e| matches!(e, SyncError::Registry { code: 999, .. })),
        (Fault::RejectChunk(1), |e| matches!(e, SyncError::Call { code: 4, .. })),
        (Fault::MalformedValue(1), |e| matches!(e, SyncError::Malformed { .. })),
        (Fault::BadChunk(1), |e| matches!(e, SyncError::ChunkMismatch { .. })),
        (Fault::LatestIs(3), |e| matches!(e, SyncError::VersionWentBackwards { reported: 3, .. })),
    ];
    for (round, (fault, is_expected)) in faults.into_iter().enumerate() {
        let before_version = fake.registry.borrow().latest();
        let before = snapshot(&host);
        // New versions, more than one reply's worth, touching a chunked subnet record.
        current = apply_deltas(&fake, &current);
        let latest = fake.registry.borrow().latest();
        assert!(latest - before_version > 4);
        fake.inject(fault.clone());
        let err = run(&fake, &host).unwrap_err();
        assert!(is_expected(&err), "{fault:?}: {err:?}");
        assert_eq!(snapshot(&host), before, "{fault:?}");
        let info = host.state.borrow().snapshot_info();
        assert_eq!(info.registry_version, before_version, "{fault:?}");
        let st = status(&host);
        assert_eq!(st.last_error, Some(err.to_string()));
        assert_eq!(st.consecutive_failures, 1);
        assert!(st.cursor_version >= before_version && st.cursor_version < latest, "{fault:?}: {st:?}");
        if fault == Fault::ErrorReply(2) {
            // The first reply's batch was written: the cursor moved, the snapshot did not.
            assert!(st.cursor_version > before_version);
            // An upgrade now: the stable state is all there is.
            let reopened = State::open();
            *host.state.borrow_mut() = reopened;
            assert_eq!(status(&host).cursor_version, st.cursor_version);
            assert_eq!(snapshot(&host), before);
        }
        let report = run(&fake, &host).unwrap();
        assert_eq!(report.to_version, latest, "round {round}");
        assert_eq!(snapshot(&host), with_defaults(expected(&current)), "{fault:?}");
        let st = status(&host);
        assert_eq!((st.consecutive_failures, st.snapshot_version), (0, Some(latest)));
        // The last error stays visible, with its time, after a success.
        assert!(st.last_error.is_some() && st.last_error_nanos.is_some());
        assert_eq!(st.records, expected_records(&fake));
    }
}

/// Records the store should hold: the registry's current kept keys.
fn expected_records(fake: &Fake) -> u64 {
    fake.registry
        .borrow()
        .current()
        .keys()
        .filter(|k| topology_canister::registry::store::Kind::of(k).is_some())
        .count() as u64
}

#[test]
fn a_sync_does_not_start_while_another_runs() {
    let nodes = default_nodes();
    let fake = fake_of(&nodes);
    let host = local();
    fake.inject(Fault::Slow);
    let mut first = Box::pin(sync::sync(&fake, &host));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(first.as_mut().poll(&mut cx).is_pending());
    assert!(status(&host).in_progress);
    assert_eq!(run(&fake, &host).unwrap_err(), SyncError::AlreadyRunning);
    let report = block_on(first).unwrap();
    assert!(report.snapshot_replaced);
    assert!(!status(&host).in_progress);
    // The refused one recorded nothing; the guard is released.
    assert_eq!(status(&host).last_error, None);
    assert_eq!(run(&fake, &host).unwrap().batches, 0);
}

#[test]
fn an_empty_registry_keeps_the_uploaded_snapshot() {
    let host = local();
    let fake = Fake::new(FakeRegistry::new(400, 256, 4));
    fake.registry.borrow_mut().commit(vec![("routing_table".into(), Some(vec![1]))]);
    let err = run(&fake, &host).unwrap_err();
    assert_eq!(err, SyncError::EmptySnapshot { version: 1 });
    assert!(matches!(
        host.state.borrow().evaluate_candidates(
            &Controller,
            api::EvaluateRequest { candidates: vec![], overrides: None, include_allocation: None }
        ),
        Err(api::Error::NotReady { .. })
    ));
}

#[test]
fn nodes_without_operator_or_data_center_are_left_out_and_counted() {
    let nodes: Vec<RegistryNode> = default_nodes().into_iter().take(40).collect();
    let mut registry = registry_of(&nodes, 10, FakeRegistry::new(400, 256, 4));
    // Delete the first node's operator record.
    registry.commit(vec![(format!("node_operator_record_{}", nodes[0].node_operator_id), None)]);
    let fake = Fake::new(registry);
    let host = local();
    run(&fake, &host).unwrap();
    let orphans = nodes.iter().filter(|n| n.node_operator_id == nodes[0].node_operator_id).count();
    let st = status(&host);
    assert_eq!(st.nodes_skipped, orphans as u64);
    assert_eq!(st.nodes, (nodes.len() - orphans) as u64);
    let kept: Vec<RegistryNode> =
        nodes.iter().filter(|n| n.node_operator_id != nodes[0].node_operator_id).cloned().collect();
    assert_eq!(snapshot(&host), with_defaults(expected_in(&kept, &nodes)));
}

/// `expected(kept)`, typed with the API boundary markers of the whole registry.
fn expected_in(kept: &[RegistryNode], all: &[RegistryNode]) -> Vec<RegistryNode> {
    let ids: std::collections::BTreeSet<&str> = kept.iter().map(|n| n.node_id.as_str()).collect();
    expected(all).into_iter().filter(|n| ids.contains(n.node_id.as_str())).collect()
}

#[test]
fn the_configuration_validates_and_echoes_the_sync_settings() {
    let host = local();
    let c = host.state.borrow().configuration();
    // The NNS registry is canister 0 of the NNS subnet.
    assert_eq!(c.registry_canister_id, Principal::from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 1, 1]));
    assert_eq!(c.registry_canister_id.to_text(), "rwlgt-iiaaa-aaaaa-aaaaa-cai");
    assert_eq!((c.sync_interval_seconds, c.node_health.len()), (3600, 0));
    let stand_in = Principal::from_slice(&[0, 0, 0, 0, 0, 0, 0, 7, 1, 1]);
    let ok = api::ConfigurationUpdate {
        registry_canister_id: Some(stand_in),
        sync_interval_seconds: Some(600),
        node_health: Some(vec![api::NodeHealth { node_id: "abc".into(), health: api::Health::Degraded }]),
        ..Default::default()
    };
    host.state.borrow_mut().update_configuration(&Controller, ok).unwrap();
    let c = host.state.borrow().configuration();
    assert_eq!((c.registry_canister_id, c.sync_interval_seconds), (stand_in, 600));
    assert_eq!(c.node_health, vec![api::NodeHealth { node_id: "abc".into(), health: api::Health::Degraded }]);
    assert_eq!(host.state.borrow().sync_status().registry_canister_id, stand_in);
    for (update, field) in [
        (api::ConfigurationUpdate { sync_interval_seconds: Some(59), ..Default::default() }, "sync_interval_seconds"),
        (
            api::ConfigurationUpdate { sync_interval_seconds: Some(7 * 24 * 3600 + 1), ..Default::default() },
            "sync_interval_seconds",
        ),
        (
            api::ConfigurationUpdate { registry_canister_id: Some(Principal::anonymous()), ..Default::default() },
            "registry_canister_id",
        ),
        (
            api::ConfigurationUpdate {
                node_health: Some(vec![
                    api::NodeHealth { node_id: "a".into(), health: api::Health::Down },
                    api::NodeHealth { node_id: "a".into(), health: api::Health::Up },
                ]),
                ..Default::default()
            },
            "node_health[1].node_id",
        ),
    ] {
        let r = host.state.borrow_mut().update_configuration(&Controller, update);
        assert!(matches!(&r, Err(api::Error::InvalidArgument { field: f, .. }) if f == field), "{r:?}");
    }
    assert_eq!(host.state.borrow().configuration().sync_interval_seconds, 600);
    assert_eq!(sync::backoff_seconds(1, 3600), 60);
    assert_eq!(sync::backoff_seconds(3, 3600), 240);
    assert_eq!(sync::backoff_seconds(30, 3600), 3600);
}

/// The dashboard snapshots of `../shared/data`: each replayed into a fresh
/// canister state (its own thread, so its own stable memory).
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn the_reference_snapshots_sync_and_evaluate_as_the_engine() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data");
    if !data.is_dir() {
        println!("skipped: {} not found (the reference snapshots are only in CI)", data.display());
        return;
    }
    for name in ["snapshot-2023-12", "snapshot-2024-11", "snapshot-2025-08", "snapshot-2025-10"] {
        let path = data.join(name).join("nodes.csv");
        let text = std::fs::read_to_string(&path).unwrap();
        let nodes = files::parse_nodes_csv(&text, name).unwrap().0;
        std::thread::spawn(move || {
            let fake = fake_of(&nodes);
            let host = local();
            let report = run(&fake, &host).unwrap();
            println!(
                "{name}: {} nodes, {} versions in {} batches, {} chunks",
                nodes.len(),
                report.to_version,
                report.batches,
                report.chunks_fetched
            );
            assert_eq!(snapshot(&host), with_defaults(expected(&nodes)), "{name}");
            let now = apply_deltas(&fake, &nodes);
            run(&fake, &host).unwrap();
            assert_eq!(snapshot(&host), with_defaults(expected(&now)), "{name}");
            configure_names_and_health(&host, &now);
            assert_same_evaluation(&host, &now, 1);
        })
        .join()
        .unwrap();
    }
}

/// The registry chunks values only when a whole mutation is near the reply
/// limit, so large values also come inline: the same registry with nothing
/// chunked derives the same snapshot, fetching no chunk.
#[test]
fn large_values_inline_or_chunked_derive_the_same_snapshot() {
    // Each sync in a thread of its own: stable memory is per thread.
    let sync_with = |threshold: usize| {
        std::thread::spawn(move || {
            let nodes = default_nodes();
            let fake = Fake::new(registry_of(&nodes, 60, FakeRegistry::new(threshold, 128, 4)));
            let host = local();
            let report = run(&fake, &host).unwrap();
            (report.chunks_fetched, snapshot(&host))
        })
        .join()
        .unwrap()
    };
    let (chunks_a, a) = sync_with(300);
    let (chunks_b, b) = sync_with(usize::MAX);
    assert!(chunks_a > 10, "{chunks_a}");
    assert_eq!(chunks_b, 0);
    assert_eq!(a, b);
}

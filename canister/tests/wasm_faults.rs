//! The canister under what the IC does and the other tests never made happen:
//! a callback of the registry sync that traps (here: it runs out of
//! instructions), and an upgrade while a registry call is in flight (refused
//! until the reply is in; stopping the canister first waits for it).
//!
//! The module is `target/canister/topology.wasm` (`scripts/build.sh`);
//! without it the tests say so and are skipped.

mod fake_registry;
#[path = "support/registry_host.rs"]
mod registry_host;
mod support;

use candid::{encode_args, encode_one, Principal};
use fake_registry::*;
use ic_host::{Host, Limits};
use ic_topology::inputs::RegistryNode;
use registry_host::{serve, REGISTRY};
use std::cell::RefCell;
use std::rc::Rc;
use support::*;
use topology_canister::api;

fn install(wasm: &[u8], nodes: &[RegistryNode]) -> Host {
    let mut h = Host::new(wasm).expect("the module loads");
    h.set_controllers(vec![CONTROLLER.to_vec()]);
    h.set_caller(&CONTROLLER);
    let fake = registry_of(nodes, 60, FakeRegistry::new(1_000, 512, 10));
    serve(&mut h, Rc::new(RefCell::new(fake)));
    let mut configuration = configuration_of(nodes);
    configuration.registry_canister_id = Some(Principal::from_slice(&REGISTRY));
    let init = api::InitArgs { topology: None, configuration: Some(configuration) };
    h.install(&encode_one(Some(init)).unwrap()).expect("install");
    h
}

fn sync_now(h: &mut Host) -> api::Result<api::SyncStatus> {
    update(h, "sync_now", &encode_args(()).unwrap())
}

fn status(h: &mut Host) -> api::SyncStatus {
    query(h, "get_sync_status", &encode_args(()).unwrap())
}

/// A callback of the sync traps (its reply takes more instructions than the
/// message may use). ic-cdk then drops the task in the cleanup callback, where
/// the sync guard is released through the state's write path; that write calls
/// `ic0.certified_data_set`, which the specification does not allow in cleanup,
/// so the cleanup traps, its release is discarded and the sync stays "running".
#[test]
fn a_sync_callback_that_traps_does_not_stop_later_syncs() {
    let Some(wasm) = wasm() else { return };
    let nodes = generated_nodes(&ic_topology_generate::DEFAULT_PARAMS);
    let mut h = install(&wasm, &nodes);
    // Enough for the method and the call to get_latest_version, not for
    // applying a page of registry changes.
    h.set_limits(Limits { update: 30_000_000, ..Limits::default() });
    let failed = h.update("sync_now", &encode_args(()).unwrap());
    let trapped: Vec<_> = h.message_log().iter().filter(|m| m.trap.is_some()).cloned().collect();
    assert!(
        trapped.iter().any(|m| m.label.starts_with("reply callback")),
        "a callback must trap for this test: {failed:?} {:?}",
        h.message_log()
    );
    h.set_limits(Limits::default());
    assert!(!status(&mut h).in_progress, "the trapped sync still counts as running: {:?}", h.message_log());
    let again = sync_now(&mut h);
    assert!(again.is_ok(), "the next sync must run: {again:?}");
}

/// Starts a sync, upgrades while its first registry call is in flight, then
/// delivers the reply (to the new module, as the IC does). Returns whether the
/// upgrade went through and the messages that followed it.
fn upgrade_with_a_call_in_flight(wasm: &[u8], h: &mut Host) -> (Result<(), String>, Vec<ic_host::MessageStat>) {
    let id = h.submit_update("sync_now", &encode_args(()).unwrap());
    assert!(h.pending_calls() > 0, "sync_now calls the registry");
    let upgraded = h.upgrade(wasm, &encode_args(()).unwrap());
    h.run_pending_calls();
    let _ = h.await_update(id);
    (upgraded, h.message_log().to_vec())
}

/// An upgrade while a registry call is in flight: the IC does not wait for it,
/// and its reply reaches the new module. Whatever the reply does there, the
/// next sync must run.
#[test]
fn after_an_upgrade_with_a_registry_call_in_flight_the_next_sync_runs() {
    let Some(wasm) = wasm() else { return };
    let nodes = generated_nodes(&ic_topology_generate::DEFAULT_PARAMS);
    let mut h = install(&wasm, &nodes);
    let (_, log) = upgrade_with_a_call_in_flight(&wasm, &mut h);
    assert!(!status(&mut h).in_progress, "a sync is still marked running: {log:?}");
    let again = sync_now(&mut h);
    assert!(again.is_ok(), "the next sync must run: {again:?}");
}

/// The same: the canister must either refuse the upgrade while a call is
/// outstanding (trap in pre_upgrade) or make the late reply harmless. Today the
/// reply reaches ic-cdk's callback in the new module, whose heap no longer has
/// the task: the callback and its cleanup trap.
#[test]
fn a_reply_that_arrives_after_an_upgrade_does_not_trap() {
    let Some(wasm) = wasm() else { return };
    let nodes = generated_nodes(&ic_topology_generate::DEFAULT_PARAMS);
    let mut h = install(&wasm, &nodes);
    let (upgraded, log) = upgrade_with_a_call_in_flight(&wasm, &mut h);
    match upgraded {
        Err(refused) => {
            // The canister refuses (see docs/canister.md's runbook): the old
            // module takes the reply, the sync ends, and the upgrade goes through.
            assert!(refused.contains("dfx canister stop"), "{refused}");
            // Only the refusal traps: the reply runs in the old module.
            assert!(log.iter().all(|m| m.trap.is_none() || m.label == "canister_pre_upgrade"), "{log:?}");
            assert!(status(&mut h).snapshot_version.is_some(), "the sync finished in the old module");
            h.upgrade(&wasm, &encode_args(()).unwrap()).expect("no call in flight: the upgrade goes through");
        }
        Ok(()) => assert!(log.iter().all(|m| m.trap.is_none()), "the late reply trapped in the new module: {log:?}"),
    }
}

/// Stopped first, as the runbook says: stopping waits for the call in flight,
/// the upgrade goes through, and the canister syncs on after it is started.
#[test]
fn stop_upgrade_start_with_a_registry_call_in_flight() {
    let Some(wasm) = wasm() else { return };
    let nodes = generated_nodes(&ic_topology_generate::DEFAULT_PARAMS);
    let mut h = install(&wasm, &nodes);
    let id = h.submit_update("sync_now", &encode_args(()).unwrap());
    assert!(h.pending_calls() > 0, "sync_now calls the registry");
    h.stop();
    h.run_pending_calls();
    let _ = h.await_update(id);
    assert_eq!(h.status(), ic_host::Status::Stopped, "stopped once the last call context closed");
    h.upgrade(&wasm, &encode_args(()).unwrap()).expect("a stopped canister upgrades");
    h.start();
    assert!(h.message_log().iter().all(|m| m.trap.is_none()), "{:?}", h.message_log());
    let again = sync_now(&mut h);
    assert!(again.is_ok(), "the next sync must run: {again:?}");
}

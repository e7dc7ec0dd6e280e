//! The fake registry behind the wasm test host: the canister's calls to the
//! configured registry id are answered from a [`FakeRegistry`] (raw protobuf
//! for `get_latest_version` / `get_changes_since`, Candid for `get_chunk`),
//! and timers are fired the way the IC fires them. A test binary that uses it
//! declares `mod fake_registry; mod support;` and
//! `#[path = "support/registry_host.rs"] mod registry_host;`.

#![allow(dead_code)]

use crate::fake_registry::FakeRegistry;
use crate::support::ic_host::{reject_code, Host};
use candid::{decode_one, encode_one};
use prost::Message;
use std::cell::RefCell;
use std::rc::Rc;
use topology_canister::registry::proto::{
    ChangesSinceRequest, Chunk, GetChunkRequest, GetChunkResponse, LatestVersionResponse,
};

/// A stand-in for the NNS registry (canister 7 of the NNS subnet's range).
pub const REGISTRY: [u8; 10] = [0, 0, 0, 0, 0, 0, 0, 7, 1, 1];

/// Answer the canister's registry calls from `fake`.
pub fn serve(h: &mut Host, fake: Rc<RefCell<FakeRegistry>>) {
    h.on_call(move |callee, method, arg| {
        assert_eq!(callee, REGISTRY, "the canister calls the configured registry");
        let mut fake = fake.borrow_mut();
        match method {
            "get_latest_version" => Ok(LatestVersionResponse { version: fake.latest() }.encode_to_vec()),
            "get_changes_since" => {
                let req = ChangesSinceRequest::decode(arg).expect("a protobuf request");
                Ok(fake.changes_since(req.version).encode_to_vec())
            }
            "get_chunk" => {
                let req: GetChunkRequest = decode_one(arg).expect("a Candid request");
                let content = fake.chunks.get(&req.content_sha256.expect("a chunk key")).cloned();
                Ok(encode_one(GetChunkResponse::Ok(Chunk { content })).unwrap())
            }
            other => Err((reject_code::DESTINATION_INVALID, format!("no method {other}"))),
        }
    });
}

/// Advance the clock to the next timer and fire it (with the calls it makes).
/// Timers already due (refreshes armed by a change) fire first.
pub fn fire_next_timer(h: &mut Host) {
    while h.global_timer().is_some_and(|due| due <= h.time()) {
        assert!(h.fire_timer().expect("a due timer runs"));
    }
    let due = h.global_timer().expect("a timer is armed");
    if due > h.time() {
        h.advance_time(due - h.time());
    }
    assert!(h.fire_timer().expect("the timer runs"));
}

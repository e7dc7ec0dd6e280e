//! The registry canister as the sync loop sees it, over real inter-canister
//! calls: `get_latest_version` and `get_changes_since` take and return
//! protobuf bytes (raw calls), `get_chunk` is Candid. Bounded-wait calls: a
//! read that times out is simply retried by the next sync.

use crate::host::InFlight;
use crate::registry::proto::{self, ChangesSinceResponse, LatestVersionResponse};
use crate::registry::sync::{changes_since_arg, Registry, SyncError};
use candid::Principal;
use ic_cdk::call::{Call, CallFailed};
use prost::Message;

/// The registry canister, called through ic-cdk.
pub struct IcRegistry {
    /// The registry canister.
    pub canister_id: Principal,
}

fn call_error(method: &str, e: CallFailed) -> SyncError {
    let code = match &e {
        CallFailed::CallRejected(r) => r.raw_reject_code(),
        _ => 0,
    };
    SyncError::Call { method: method.into(), code, message: e.to_string() }
}

fn malformed(what: &str, e: impl std::fmt::Display) -> SyncError {
    SyncError::Malformed { what: what.into(), reason: e.to_string() }
}

impl Registry for IcRegistry {
    async fn get_latest_version(&self) -> Result<u64, SyncError> {
        let method = "get_latest_version";
        let _in_flight = InFlight::enter(ic_cdk::api::time());
        let reply =
            Call::bounded_wait(self.canister_id, method).with_raw_args(&[]).await.map_err(|e| call_error(method, e))?;
        LatestVersionResponse::decode(reply.into_bytes().as_slice())
            .map(|r| r.version)
            .map_err(|e| malformed("get_latest_version reply", e))
    }

    async fn get_changes_since(&self, version: u64) -> Result<ChangesSinceResponse, SyncError> {
        let method = "get_changes_since";
        let arg = changes_since_arg(version);
        let _in_flight = InFlight::enter(ic_cdk::api::time());
        let reply = Call::bounded_wait(self.canister_id, method)
            .with_raw_args(&arg)
            .await
            .map_err(|e| call_error(method, e))?;
        ChangesSinceResponse::decode(reply.into_bytes().as_slice()).map_err(|e| malformed("get_changes_since reply", e))
    }

    async fn get_chunk(&self, sha256: &[u8]) -> Result<Vec<u8>, SyncError> {
        let method = "get_chunk";
        let req = proto::GetChunkRequest { content_sha256: Some(sha256.to_vec()) };
        let _in_flight = InFlight::enter(ic_cdk::api::time());
        let reply =
            Call::bounded_wait(self.canister_id, method).with_arg(req).await.map_err(|e| call_error(method, e))?;
        match reply.candid::<proto::GetChunkResponse>().map_err(|e| malformed("get_chunk reply", e))? {
            proto::GetChunkResponse::Ok(proto::Chunk { content: Some(bytes) }) => Ok(bytes),
            proto::GetChunkResponse::Ok(proto::Chunk { content: None }) => {
                Err(malformed("get_chunk reply", "a chunk without content"))
            }
            proto::GetChunkResponse::Err(reason) => Err(SyncError::Registry { code: 0, reason }),
        }
    }
}

//! NNS governance as the watcher sees it, over real inter-canister calls
//! (bounded wait: a call that times out is retried by the next poll).

use super::watch::{Governance, WatchError};
use crate::host::InFlight;
use candid::Principal;
use ic_cdk::call::{Call, CallFailed};
use ic_topology::proposals::governance::{ListProposalInfoRequest, ListProposalInfoResponse, ProposalInfo};

/// The governance canister, called through ic-cdk.
pub struct IcGovernance {
    /// The governance canister.
    pub canister_id: Principal,
}

fn call_error(method: &str, e: CallFailed) -> WatchError {
    let code = match &e {
        CallFailed::CallRejected(r) => r.raw_reject_code(),
        _ => 0,
    };
    WatchError::Call { method: method.into(), code, message: e.to_string() }
}

fn malformed(what: &str, e: impl std::fmt::Display) -> WatchError {
    WatchError::Malformed { what: what.into(), reason: e.to_string() }
}

impl Governance for IcGovernance {
    async fn list_proposals(&self, req: ListProposalInfoRequest) -> Result<ListProposalInfoResponse, WatchError> {
        let method = "list_proposals";
        let _in_flight = InFlight::enter(ic_cdk::api::time());
        let reply =
            Call::bounded_wait(self.canister_id, method).with_arg(req).await.map_err(|e| call_error(method, e))?;
        reply.candid::<ListProposalInfoResponse>().map_err(|e| malformed("list_proposals reply", e))
    }

    async fn get_proposal_info(&self, id: u64) -> Result<Option<ProposalInfo>, WatchError> {
        let method = "get_proposal_info";
        let _in_flight = InFlight::enter(ic_cdk::api::time());
        let reply =
            Call::bounded_wait(self.canister_id, method).with_arg(id).await.map_err(|e| call_error(method, e))?;
        reply.candid::<Option<ProposalInfo>>().map_err(|e| malformed("get_proposal_info reply", e))
    }
}

//! A fake NNS governance for tests, with the real Candid types
//! (`ic_topology::proposals::governance`, generated from governance.did):
//! `list_proposals` filters by status and excluded topic, pages down from
//! `before_proposal` newest first, at most `limit` (and 100) a page, and
//! returns `ExecuteNnsFunction` payloads over 1,000 bytes empty, as
//! governance does; `get_proposal_info` returns the proposal whole. Payloads
//! are the Candid encoding of the registry method's argument, as the
//! registry decodes them. The native tests and the wasm host's callee both
//! answer from it.

#![allow(dead_code)]

use ic_topology::proposals::governance::*;
use std::collections::BTreeMap;

pub const NODE_ADMIN: i32 = 5;
pub const SUBNET_MANAGEMENT: i32 = 7;
pub const GOVERNANCE_TOPIC: i32 = 4;
pub const OPEN: i32 = 1;
pub const EXECUTED: i32 = 4;
/// Listings leave out payloads larger than this.
pub const LISTED_PAYLOAD_LIMIT: usize = 1_000;

#[derive(Clone, Debug, Default)]
pub struct FakeGovernance {
    pub proposals: BTreeMap<u64, ProposalInfo>,
    /// Every `list_proposals` request, in order.
    pub requests: Vec<ListProposalInfoRequest>,
}

pub fn info(id: u64, topic: i32, title: &str, summary: &str, action: Action) -> ProposalInfo {
    ProposalInfo {
        id: Some(ProposalId { id }),
        status: OPEN,
        topic,
        failure_reason: None,
        ballots: vec![],
        proposal_timestamp_seconds: 1_750_000_000 + id,
        reward_event_round: 0,
        deadline_timestamp_seconds: Some(1_750_400_000 + id),
        failed_timestamp_seconds: 0,
        reject_cost_e8s: 2_500_000_000,
        derived_proposal_information: None,
        latest_tally: Some(Tally { no: 1, yes: 2, total: 10, timestamp_seconds: 1_750_000_100 }),
        total_potential_voting_power: Some(10),
        reward_status: 1,
        decided_timestamp_seconds: 0,
        proposal: Some(Box::new(Proposal {
            url: "https://forum.dfinity.org/".into(),
            title: Some(title.into()),
            action: Some(action),
            summary: summary.into(),
            self_describing_action: None,
        })),
        proposer: Some(NeuronId { id: 42 }),
        executed_timestamp_seconds: 0,
        success_value: None,
    }
}

pub fn nns_function(function: i32, payload: Vec<u8>) -> Action {
    Action::ExecuteNnsFunction(ExecuteNnsFunction {
        nns_function: function,
        payload: serde_bytes::ByteBuf::from(payload),
    })
}

pub fn motion(text: &str) -> Action {
    Action::Motion(Motion { motion_text: text.into() })
}

impl FakeGovernance {
    pub fn add(&mut self, p: ProposalInfo) {
        self.proposals.insert(p.id.as_ref().unwrap().id, p);
    }

    pub fn set_status(&mut self, id: u64, status: i32) {
        let p = self.proposals.get_mut(&id).unwrap();
        p.status = status;
        p.decided_timestamp_seconds = 1_750_300_000;
    }

    pub fn list_proposals(&mut self, req: ListProposalInfoRequest) -> ListProposalInfoResponse {
        self.requests.push(req.clone());
        let limit = req.limit.min(100) as usize;
        let below = req.before_proposal.as_ref().map_or(u64::MAX, |p| p.id);
        let proposal_info = self
            .proposals
            .range(..below)
            .rev()
            .map(|(_, p)| p)
            .filter(|p| req.include_status.is_empty() || req.include_status.contains(&p.status))
            .filter(|p| !req.exclude_topic.contains(&p.topic))
            .take(limit)
            .map(|p| {
                let mut p = p.clone();
                if let Some(Action::ExecuteNnsFunction(f)) = p.proposal.as_mut().and_then(|x| x.action.as_mut()) {
                    if f.payload.len() > LISTED_PAYLOAD_LIMIT {
                        f.payload.clear();
                    }
                }
                p
            })
            .collect();
        ListProposalInfoResponse { proposal_info }
    }

    pub fn get_proposal_info(&self, id: u64) -> Option<ProposalInfo> {
        self.proposals.get(&id).cloned()
    }
}

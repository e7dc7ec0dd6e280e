//! The governance watcher, natively, against a fake NNS governance behind
//! the same [`Governance`] trait, with the real Candid types and payloads
//! encoded as the registry decodes them, on a snapshot synced from the fake
//! registry (the default network, 1425 nodes, with its data-center and
//! operator records): 280 open proposals, 270 listed in three pages (10 of a topic
//! left out by `exclude_topic`), a large payload the listing returns empty, a
//! malformed payload, an unknown data center, unknown nodes, every watched
//! kind; a rejected `list_proposals` and a rejected `get_proposal_info`, each
//! followed by an upgrade, lose and repeat nothing; a decided proposal keeps
//! its verdict; `list_proposal_verdicts` filters by status and kind and
//! pages; a new snapshot recomputes the open ones; every verdict verifies
//! against the certified root. Beside it: data-center ids in upper case, and
//! allowances above the 32 candidate nodes `evaluate_candidates` takes.

mod fake_governance;
mod fake_registry;

use candid::Principal;
use fake_governance::*;
use fake_registry::*;
use ic_topology::inputs::RegistryNode;
use ic_topology::proposals::governance::{ListProposalInfoRequest, ListProposalInfoResponse, ProposalInfo};
use ic_topology::proposals::payloads::*;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::task::{Context, Poll, Waker};
use topology_canister::api::{self, ClaimCheck, ProposalKind, ProposalStatus, VerdictOutcome};
use topology_canister::governance::{self, watch};
use topology_canister::lifecycle;
use topology_canister::registry::proto::ChangesSinceResponse;
use topology_canister::registry::sync::{self, Registry, SyncError};
use topology_canister::state::{Env, Poller, State};

fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

thread_local! {
    static CERTIFIED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
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
    fn set_certified_data(&self, data: &[u8]) {
        CERTIFIED.with(|c| *c.borrow_mut() = data.to_vec());
    }
}

struct Local {
    state: RefCell<State>,
}

/// The one host of both pollers (the registry sync and the watcher).
impl watch::Host for Local {
    type Env = Controller;
    fn env(&self) -> &Controller {
        &Controller
    }
    /// As the canister's write path: the change, then the dashboard and the certified data.
    fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut state = self.state.borrow_mut();
        let r = f(&mut state);
        lifecycle::settle(&mut state, &Controller);
        r
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

struct Reg(RefCell<FakeRegistry>);

impl Registry for Reg {
    async fn get_latest_version(&self) -> Result<u64, SyncError> {
        Ok(self.0.borrow().latest())
    }
    async fn get_changes_since(&self, version: u64) -> Result<ChangesSinceResponse, SyncError> {
        Ok(self.0.borrow_mut().changes_since(version))
    }
    async fn get_chunk(&self, sha256: &[u8]) -> Result<Vec<u8>, SyncError> {
        Ok(self.0.borrow().chunks.get(sha256).cloned().expect("a served chunk"))
    }
}

/// The fake governance, with a switch to reject the n-th call (from 1) of a method.
struct Gov {
    fake: RefCell<FakeGovernance>,
    reject: RefCell<Option<(&'static str, u32)>>,
    /// Successful `get_proposal_info` calls, by id.
    fetched: RefCell<BTreeMap<u64, u32>>,
    calls: Cell<u32>,
}

impl Gov {
    fn rejected(&self, method: &'static str) -> Result<(), watch::WatchError> {
        let mut r = self.reject.borrow_mut();
        if let Some((m, n)) = *r {
            if m == method {
                if n <= 1 {
                    *r = None;
                    return Err(watch::WatchError::Call { method: method.into(), code: 5, message: "trapped".into() });
                }
                *r = Some((m, n - 1));
            }
        }
        Ok(())
    }
}

impl watch::Governance for Gov {
    async fn list_proposals(
        &self,
        req: ListProposalInfoRequest,
    ) -> Result<ListProposalInfoResponse, watch::WatchError> {
        self.calls.set(self.calls.get() + 1);
        self.rejected("list_proposals")?;
        Ok(self.fake.borrow_mut().list_proposals(req))
    }
    async fn get_proposal_info(&self, id: u64) -> Result<Option<ProposalInfo>, watch::WatchError> {
        self.calls.set(self.calls.get() + 1);
        self.rejected("get_proposal_info")?;
        *self.fetched.borrow_mut().entry(id).or_default() += 1;
        Ok(self.fake.borrow().get_proposal_info(id))
    }
}

fn p(text: &str) -> Principal {
    Principal::from_text(text).unwrap()
}

fn add_operator(provider: &str, dc: &str, allowance: u64, rewardable: usize) -> Vec<u8> {
    candid::encode_one(AddNodeOperatorPayload {
        ipv6: None,
        node_operator_principal_id: Some(Principal::from_slice(&[7; 29])),
        node_allowance: allowance,
        rewardable_nodes: (0..rewardable).map(|i| (format!("type3.1-rewardable-entry-{i:04}"), 1)).collect(),
        node_provider_principal_id: Some(p(provider)),
        dc_id: dc.into(),
        max_rewardable_nodes: None,
    })
    .unwrap()
}

fn update_operator(operator: &str, allowance: u64) -> Vec<u8> {
    candid::encode_one(UpdateNodeOperatorConfigPayload {
        node_operator_id: Some(p(operator)),
        set_ipv6_to_none: None,
        ipv6: None,
        node_provider_id: None,
        node_allowance: Some(allowance),
        rewardable_nodes: vec![],
        dc_id: None,
        max_rewardable_nodes: None,
    })
    .unwrap()
}

fn remove_nodes(ids: &[&str]) -> Vec<u8> {
    candid::encode_one(RemoveNodesPayload { node_ids: ids.iter().map(|i| p(i)).collect() }).unwrap()
}

fn country(region: &str) -> String {
    region.split(',').nth(1).unwrap().trim().to_string()
}

struct Network {
    nodes: Vec<RegistryNode>,
    registry: Reg,
    host: Local,
}

fn network() -> Network {
    let nodes = generated_nodes(&ic_topology_generate::DEFAULT_PARAMS);
    let registry = Reg(RefCell::new(registry_of(&nodes, 200, FakeRegistry::new(1_000, 512, 50))));
    let mut s = State::open();
    s.init(api::InitArgs::default()).unwrap();
    s.update_configuration(&Controller, configuration_of(&nodes)).unwrap();
    let host = Local { state: RefCell::new(s) };
    block_on(sync::sync(&registry, &host)).expect("the snapshot syncs");
    Network { nodes, registry, host }
}

/// The watched proposals (id -> kind) and the fake governance holding them among 270 others.
fn proposals(net: &Network) -> (FakeGovernance, BTreeMap<u64, ProposalKind>) {
    let s = net.host.state.borrow();
    let n0 = &net.nodes[0];
    let member = net.nodes.iter().find(|n| n.subnet_id.is_some()).unwrap();
    let subnet = member.subnet_id.clone().unwrap();
    let unassigned = net.nodes.iter().find(|n| n.subnet_id.is_none() && n.node_type.as_deref() != Some("API_BOUNDARY"));
    let unassigned = unassigned.expect("an unassigned node");
    let row = api::CandidateRow {
        node_provider: n0.node_provider_name.clone(),
        data_center: n0.data_center.clone(),
        data_center_provider: n0.data_center_provider.clone(),
        country: country(&n0.region),
        is_sev: false,
        no_nodes: 4,
    };
    let summary = s
        .proposal_summary(&Controller, api::ProposalSummaryRequest { candidates: vec![row], plan: None })
        .unwrap()
        .text;
    let mut g = FakeGovernance::default();
    let mut watched = BTreeMap::new();
    let mut add = |g: &mut FakeGovernance, id: u64, topic: i32, kind: Option<ProposalKind>, summary: &str, action| {
        g.add(info(id, topic, &format!("proposal {id}"), summary, action));
        if let Some(k) = kind {
            watched.insert(id, k);
        }
    };
    for id in 1_000..1_280u64 {
        let topic = if id % 28 == 5 { GOVERNANCE_TOPIC } else { NODE_ADMIN };
        // Other NNS functions of the watched topics (IC OS deployments) are listed and ignored.
        add(&mut g, id, topic, None, "routine", nns_function(38, vec![1, 2, 3]));
    }
    add(
        &mut g,
        1_010,
        NODE_ADMIN,
        Some(ProposalKind::AddNodeOperator),
        &summary,
        nns_function(8, add_operator(&n0.node_provider_id, &n0.data_center, 4, 0)),
    );
    let large = add_operator(&n0.node_provider_id, &n0.data_center, 2, 60);
    assert!(large.len() > LISTED_PAYLOAD_LIMIT);
    add(
        &mut g,
        1_020,
        NODE_ADMIN,
        Some(ProposalKind::AddNodeOperator),
        "ObjectiveValue before: 999, after: 0",
        nns_function(8, large),
    );
    add(
        &mut g,
        1_030,
        NODE_ADMIN,
        Some(ProposalKind::AddNodeOperator),
        "",
        nns_function(8, b"DIDL\x01garbage".to_vec()),
    );
    add(
        &mut g,
        1_040,
        NODE_ADMIN,
        Some(ProposalKind::AddNodeOperator),
        "",
        nns_function(8, add_operator(&n0.node_provider_id, "nowhere9", 4, 0)),
    );
    let two = [net.nodes[1].node_id.as_str(), net.nodes[2].node_id.as_str()];
    add(&mut g, 1_050, NODE_ADMIN, Some(ProposalKind::RemoveNodes), "", nns_function(18, remove_nodes(&two)));
    let ghost = Principal::from_slice(&[9; 29]).to_text();
    add(&mut g, 1_060, NODE_ADMIN, Some(ProposalKind::RemoveNodes), "", nns_function(18, remove_nodes(&[&ghost])));
    let change = candid::encode_one(ChangeSubnetMembershipPayload {
        node_ids_add: vec![p(&unassigned.node_id)],
        subnet_id: p(&subnet),
        node_ids_remove: vec![p(&member.node_id)],
    })
    .unwrap();
    add(&mut g, 1_070, SUBNET_MANAGEMENT, Some(ProposalKind::ChangeSubnetMembership), "", nns_function(31, change));
    add(
        &mut g,
        1_080,
        NODE_ADMIN,
        Some(ProposalKind::UpdateNodeOperatorConfig),
        "",
        nns_function(16, update_operator(&n0.node_operator_id, 5)),
    );
    let ops = candid::encode_one(RemoveNodeOperatorsPayload {
        node_operators_to_remove: vec![serde_bytes::ByteBuf::from(p(&n0.node_operator_id).as_slice().to_vec())],
        node_operator_principals_to_remove: None,
    })
    .unwrap();
    add(&mut g, 1_090, NODE_ADMIN, Some(ProposalKind::RemoveNodeOperators), "", nns_function(23, ops));
    add(
        &mut g,
        1_100,
        NODE_ADMIN,
        Some(ProposalKind::UpdateNodeOperatorConfig),
        "",
        nns_function(16, update_operator(&n0.node_operator_id, 3)),
    );
    (g, watched)
}

fn poll(gov: &Gov, host: &Local) -> Result<watch::PollReport, watch::WatchError> {
    block_on(watch::poll(gov, host))
}

fn verdict(host: &Local, id: u64) -> api::CertifiedProposalVerdict {
    governance::get_proposal_verdict(&host.state.borrow(), &Controller, id).unwrap()
}

fn upgrade(host: &Local) {
    *host.state.borrow_mut() = State::open();
    // post_upgrade sets the certified data from the rebuilt trees.
    let root = host.state.borrow().certified_root();
    Controller.set_certified_data(&root);
}

/// Every held verdict verifies against the certified data: its witness's
/// root is the certified root, its leaf the SHA-256 of its bytes.
fn assert_certified(host: &Local, ids: impl Iterator<Item = u64>) {
    let certified = CERTIFIED.with(|c| c.borrow().clone());
    assert_eq!(certified, host.state.borrow().certified_root().to_vec(), "the certified data is the current root");
    for id in ids {
        let v = verdict(host, id);
        let leaf = ic_topology::certification::witness_value(
            &v.witness,
            &certified,
            &[b"proposals", id.to_string().as_bytes()],
        )
        .unwrap_or_else(|e| panic!("proposal {id}: {e:?}"));
        assert_eq!(
            leaf,
            ic_topology::digest::sha256_hex(&v.verdict_candid)
                .as_bytes()
                .chunks(2)
                .map(|h| u8::from_str_radix(std::str::from_utf8(h).unwrap(), 16).unwrap())
                .collect::<Vec<u8>>()
        );
        assert_eq!(candid::decode_one::<api::ProposalVerdict>(&v.verdict_candid).unwrap(), v.verdict);
    }
}

#[test]
fn every_watched_proposal_gets_one_certified_verdict_across_faults_and_upgrades() {
    let net = network();
    let (fake, watched) = proposals(&net);
    let gov =
        Gov { fake: RefCell::new(fake), reject: RefCell::new(None), fetched: RefCell::default(), calls: Cell::new(0) };
    let host = &net.host;
    // Switched on by hand: the default registry is the NNS's, so it is on anyway.
    governance::configure(
        &mut host.state.borrow_mut(),
        &Controller,
        api::GovernanceWatcherSettings { enabled: Some(true), ..Default::default() },
    )
    .unwrap();

    // 1. The second page is rejected: the first page's proposals are queued, the cursor kept.
    *gov.reject.borrow_mut() = Some(("list_proposals", 2));
    let err = poll(&gov, host).unwrap_err();
    assert!(err.to_string().contains("list_proposals"), "{err}");
    let st = host.state.borrow().sync_status().governance;
    assert_eq!(st.last_error, Some(err.to_string()));
    assert_eq!(st.verdicts, 0);
    let first = gov.fake.borrow().requests[0].clone();
    assert_eq!(first.include_status, vec![1]);
    // The raw action is what the watcher decodes: it does not ask for the self-describing one instead.
    assert_eq!(first.return_self_describing_action, Some(false));
    assert!(!first.exclude_topic.contains(&NODE_ADMIN) && !first.exclude_topic.contains(&SUBNET_MANAGEMENT));
    assert!(first.exclude_topic.contains(&GOVERNANCE_TOPIC));
    assert_eq!(first.before_proposal, None);
    upgrade(host);

    // 2. The next poll resumes below the first page; the 4th fetch is rejected; another upgrade.
    *gov.reject.borrow_mut() = Some(("get_proposal_info", 4));
    let err = poll(&gov, host).unwrap_err();
    assert!(err.to_string().contains("get_proposal_info"), "{err}");
    let requests = gov.fake.borrow().requests.clone();
    let page1_lowest = 1_279 - 99 - (1_180..=1_279u64).filter(|id| id % 28 == 5).count() as u64;
    assert_eq!(requests[1].before_proposal.as_ref().map(|p| p.id), Some(page1_lowest), "resumed below page 1");
    assert_eq!(requests.len(), 4, "pages of 100, 100, 70 and an empty one (the rejected call reached no page)");
    assert_eq!(host.state.borrow().governance().len(), 3);
    upgrade(host);

    // 3. The poll completes: every watched proposal has exactly one verdict, fetched once.
    let report = poll(&gov, host).unwrap();
    // The listing of poll 2 was complete: this poll lists afresh (four pages) and fetches the rest.
    assert_eq!((report.pages, report.fetched as usize), (4, watched.len() - 3));
    let st = host.state.borrow().sync_status().governance;
    assert_eq!((st.verdicts, st.pending, st.proposals_seen), (watched.len() as u64, 0, watched.len() as u64), "{st:?}");
    assert!(st.last_success_nanos.is_some());
    let fetched = gov.fetched.borrow().clone();
    assert_eq!(fetched.keys().copied().collect::<Vec<_>>(), watched.keys().copied().collect::<Vec<_>>());
    assert!(fetched.values().all(|n| *n == 1), "fetched once each: {fetched:?}");
    for (id, kind) in &watched {
        let v = verdict(host, *id).verdict;
        assert_eq!((v.proposal_id, v.kind, v.status), (*id, *kind, ProposalStatus::Open));
        assert_eq!(v.title, Some(format!("proposal {id}")));
        assert_eq!(v.deadline_timestamp_seconds, Some(1_750_400_000 + id));
    }
    assert_certified(host, watched.keys().copied());

    // The verdicts, kind by kind.
    let s = host.state.borrow();
    let snapshot_version = s.snapshot_info().registry_version;
    let v = verdict(host, 1_010).verdict;
    let VerdictOutcome::Candidates { candidates, evaluation, .. } = &v.outcome else { panic!("{v:?}") };
    assert_eq!(candidates[0].no_nodes, 4);
    let direct = s
        .evaluate_candidates(
            &Controller,
            api::EvaluateRequest { candidates: candidates.clone(), overrides: None, include_allocation: None },
        )
        .unwrap();
    assert_eq!(
        (evaluation.objective, evaluation.baseline_objective, &evaluation.curve),
        (direct.objective, direct.baseline_objective, &direct.curve)
    );
    assert_eq!(v.claims.before, ClaimCheck::Matches { value: direct.baseline_objective.unwrap() });
    assert_eq!(v.claims.after, ClaimCheck::Matches { value: direct.objective.unwrap() });
    assert_eq!(v.registry_version, snapshot_version);
    let text = ic_topology::proposals::render::render(&v);
    assert!(
        text.contains("ObjectiveValue before (without the planned nodes): ") && text.contains("matches ("),
        "{text}"
    );

    let v = verdict(host, 1_020).verdict;
    let VerdictOutcome::Candidates { evaluation, .. } = &v.outcome else {
        panic!("the large payload is read whole: {v:?}")
    };
    assert_eq!(evaluation.candidate_nodes, 2);
    assert_eq!(v.claims.before, ClaimCheck::Differs { claimed: 999, computed: evaluation.baseline_objective });
    assert_eq!(v.claims.after, ClaimCheck::Differs { claimed: 0, computed: evaluation.objective });

    let reason = |id| match verdict(host, id).verdict.outcome {
        VerdictOutcome::Invalid { reason } => reason,
        other => panic!("{id}: {other:?}"),
    };
    assert!(reason(1_030).contains("not a Candid add_node_operator argument"), "{}", reason(1_030));
    assert!(reason(1_040).contains("data center \"nowhere9\""), "{}", reason(1_040));
    assert!(
        reason(1_060).contains("not in the snapshot")
            && reason(1_060).contains(&Principal::from_slice(&[9; 29]).to_text())
    );

    let v = verdict(host, 1_050).verdict;
    let VerdictOutcome::Removal { node_ids, before, after } = &v.outcome else { panic!("{v:?}") };
    assert_eq!(node_ids.len(), 2);
    assert_eq!(before.objective, s.snapshot_info().baseline_objective);
    let without: Vec<RegistryNode> = net.nodes.iter().filter(|n| !node_ids.contains(&n.node_id)).cloned().collect();
    let native =
        ic_topology::solve::solve(&ic_topology::model::build(&engine_inputs(&without), &[]), Default::default());
    assert_eq!(after.objective, native.objective, "the removal as the engine computes it");
    assert_eq!((v.claims.before.clone(), v.claims.after.clone()), (ClaimCheck::NoClaimFound, ClaimCheck::NoClaimFound));

    let v = verdict(host, 1_070).verdict;
    let VerdictOutcome::Membership { before, after, optimality, added, removed, .. } = &v.outcome else {
        panic!("{v:?}")
    };
    assert_eq!((added.len(), removed.len(), before.nodes, after.nodes), (1, 1, before.nodes, before.nodes));
    assert!(optimality.contains("optimality not checked"));
    let dec = s.decentralization().unwrap();
    let current = dec
        .iter()
        .find(|d| Some(&d.subnet_id) == net.nodes.iter().find(|n| n.subnet_id.is_some()).unwrap().subnet_id.as_ref())
        .unwrap();
    assert_eq!(before.nakamoto, current.nakamoto);

    let v = verdict(host, 1_080).verdict;
    let VerdictOutcome::Candidates { candidates, .. } = &v.outcome else { panic!("{v:?}") };
    assert_eq!(candidates[0].no_nodes, 2, "allowance 3 -> 5 adds 2");
    let v = verdict(host, 1_090).verdict;
    let VerdictOutcome::Removal { node_ids, .. } = &v.outcome else { panic!("{v:?}") };
    let of_operator = net.nodes.iter().filter(|n| n.node_operator_id == net.nodes[0].node_operator_id).count();
    assert_eq!(node_ids.len(), of_operator);
    assert!(matches!(verdict(host, 1_100).verdict.outcome, VerdictOutcome::NoChange { .. }));

    // Listing: newest first, by status and kind, paged.
    let page = governance::list_proposal_verdicts(
        &s,
        api::ListProposalVerdictsRequest { limit: Some(4), ..Default::default() },
    )
    .unwrap();
    assert_eq!(page.verdicts.iter().map(|v| v.proposal_id).collect::<Vec<_>>(), vec![1_100, 1_090, 1_080, 1_070]);
    assert_eq!(page.next_before, Some(1_070));
    let page = governance::list_proposal_verdicts(
        &s,
        api::ListProposalVerdictsRequest { kind: Some(ProposalKind::RemoveNodes), ..Default::default() },
    )
    .unwrap();
    assert_eq!(page.verdicts.iter().map(|v| v.proposal_id).collect::<Vec<_>>(), vec![1_060, 1_050]);
    assert!(governance::list_proposal_verdicts(
        &s,
        api::ListProposalVerdictsRequest { limit: Some(101), ..Default::default() }
    )
    .is_err());
    assert!(matches!(governance::get_proposal_verdict(&s, &Controller, 1_001), Err(api::Error::NotFound { .. })));
    drop(s);

    // 4. A proposal decided: its verdict is kept, with the final status.
    let before_1050 = verdict(host, 1_050).verdict;
    gov.fake.borrow_mut().set_status(1_050, EXECUTED);
    let report = poll(&gov, host).unwrap();
    assert_eq!((report.written, report.status_updates), (0, 1));
    let after_1050 = verdict(host, 1_050).verdict;
    assert_eq!(after_1050.status, ProposalStatus::Executed);
    assert_eq!(api::ProposalVerdict { status: ProposalStatus::Open, ..after_1050.clone() }, before_1050);

    // Listing by status: the decided verdict alone, the open ones newest first
    // (paged, and with a kind), none of a status no verdict has.
    let ids = |status, kind, before, limit| {
        let req = api::ListProposalVerdictsRequest { status: Some(status), kind, before, limit };
        let page = governance::list_proposal_verdicts(&host.state.borrow(), req).unwrap();
        (page.verdicts.iter().map(|v| v.proposal_id).collect::<Vec<_>>(), page.next_before)
    };
    assert_eq!(ids(ProposalStatus::Executed, None, None, None), (vec![1_050], None));
    let open: Vec<u64> = watched.keys().rev().copied().filter(|id| *id != 1_050).collect();
    assert_eq!(open.len(), watched.len() - 1);
    assert_eq!(ids(ProposalStatus::Open, None, None, Some(100)), (open.clone(), None));
    let (first, next) = ids(ProposalStatus::Open, None, None, Some(4));
    assert_eq!((first, next), (open[..4].to_vec(), Some(open[3])));
    let (second, next) = ids(ProposalStatus::Open, None, next, Some(4));
    assert_eq!((second, next), (open[4..8].to_vec(), Some(open[7])));
    assert_eq!(ids(ProposalStatus::Open, None, next, Some(4)), (open[8..].to_vec(), None));
    assert_eq!(ids(ProposalStatus::Open, Some(ProposalKind::RemoveNodes), None, None), (vec![1_060], None));
    assert_eq!(ids(ProposalStatus::Executed, Some(ProposalKind::RemoveNodes), None, None), (vec![1_050], None));
    assert_eq!(ids(ProposalStatus::Executed, Some(ProposalKind::AddNodeOperator), None, None), (vec![], None));
    assert_eq!(ids(ProposalStatus::Rejected, None, None, None), (vec![], None));

    // 5. A new snapshot: open verdicts are recomputed on it, the decided one is kept.
    let first_dc = format!("data_center_record_{}", net.nodes[0].data_center);
    let dc = data_center_record(&net.nodes[0].data_center, &net.nodes[0].region, &net.nodes[0].data_center_provider);
    net.registry.0.borrow_mut().commit(vec![(first_dc, Some(dc))]);
    block_on(sync::sync(&net.registry, host)).unwrap();
    let new_version = host.state.borrow().snapshot_info().registry_version;
    assert!(new_version > snapshot_version);
    let report = poll(&gov, host).unwrap();
    assert_eq!(report.written as usize, watched.len() - 1);
    for id in watched.keys() {
        let v = verdict(host, *id).verdict;
        let expected = if *id == 1_050 { snapshot_version } else { new_version };
        assert_eq!(v.registry_version, expected, "{id}");
    }
    assert_certified(host, watched.keys().copied());
    // A poll on an unchanged snapshot writes nothing.
    let report = poll(&gov, host).unwrap();
    assert_eq!((report.written, report.status_updates, report.fetched), (0, 0, 0));
}

#[test]
fn storage_keeps_a_thousand_verdicts_evicting_the_oldest_decided_first() {
    let mut w = governance::store::Watcher::open();
    let v = |id: u64, status| api::ProposalVerdict {
        proposal_id: id,
        title: None,
        kind: ProposalKind::RemoveNodes,
        nns_function: 18,
        topic: 5,
        status,
        proposal_timestamp_seconds: 0,
        deadline_timestamp_seconds: None,
        registry_version: 1,
        topology_sha256: String::new(),
        configuration_sha256: String::new(),
        outcome: VerdictOutcome::Invalid { reason: "test".into() },
        claims: api::SummaryClaims { before: ClaimCheck::NoClaimFound, after: ClaimCheck::NoClaimFound },
    };
    for id in 1..=1_000u64 {
        let status = if id >= 500 && id % 2 == 0 { ProposalStatus::Executed } else { ProposalStatus::Open };
        assert!(w.insert(&v(id, status)).is_empty());
    }
    assert_eq!(w.insert(&v(1_001, ProposalStatus::Open)), vec![500]);
    assert_eq!(w.insert(&v(1_002, ProposalStatus::Open)), vec![502]);
    // Replacing a held verdict evicts nothing.
    assert!(w.insert(&v(1, ProposalStatus::Rejected)).is_empty());
    assert_eq!(w.insert(&v(1_003, ProposalStatus::Open)), vec![1], "now the oldest decided");
    assert_eq!(w.len(), 1_000);
}

/// The registry stores data-center ids in lower case: a payload naming an
/// existing data center in upper case (`ZH2` for `zh2`) gets the verdict the
/// lower-case id gets, for an added operator and for an operator update that
/// names its own data center (no move: the allowance 3 -> 5 adds 2 nodes).
#[test]
fn a_data_center_named_in_upper_case_is_the_same_data_center() {
    let net = network();
    let s = net.host.state.borrow();
    let n0 = &net.nodes[0];
    let upper = n0.data_center.to_uppercase();
    assert_ne!(upper, n0.data_center, "the generated ids are lower case");
    let outcome = |action| {
        let info = info(1, NODE_ADMIN, "t", "", action);
        match governance::verdict::decide(&s, &Controller, &info, None) {
            governance::verdict::Decision::Write(v) => v.outcome,
            other => panic!("{other:?}"),
        }
    };
    let lower = outcome(nns_function(8, add_operator(&n0.node_provider_id, &n0.data_center, 4, 0)));
    let VerdictOutcome::Candidates { candidates, .. } = &lower else { panic!("{lower:?}") };
    assert_eq!(candidates[0].data_center, n0.data_center);
    assert_eq!(outcome(nns_function(8, add_operator(&n0.node_provider_id, &upper, 4, 0))), lower);

    let update = |dc: Option<&str>| {
        candid::encode_one(UpdateNodeOperatorConfigPayload {
            node_operator_id: Some(p(&n0.node_operator_id)),
            set_ipv6_to_none: None,
            ipv6: None,
            node_provider_id: None,
            node_allowance: Some(5),
            rewardable_nodes: vec![],
            dc_id: dc.map(str::to_string),
            max_rewardable_nodes: None,
        })
        .unwrap()
    };
    let stays = outcome(nns_function(16, update(None)));
    let VerdictOutcome::Candidates { candidates, .. } = &stays else { panic!("{stays:?}") };
    assert_eq!(candidates[0].no_nodes, 2);
    assert_eq!(outcome(nns_function(16, update(Some(&upper)))), stays);
}

/// An allowance above the 32 candidate nodes `evaluate_candidates` takes is
/// no invalid payload: the first 32 nodes are evaluated, exactly as
/// `evaluate_candidates` evaluates them, and the verdict records the
/// allowance and says in its text that the first 32 were evaluated.
#[test]
fn an_allowance_above_the_candidate_cap_is_evaluated_for_its_first_32_nodes() {
    let net = network();
    let s = net.host.state.borrow();
    let n0 = &net.nodes[0];
    let verdict = |id, action| {
        let info = info(id, NODE_ADMIN, "t", "", action);
        match governance::verdict::decide(&s, &Controller, &info, None) {
            governance::verdict::Decision::Write(v) => *v,
            other => panic!("{other:?}"),
        }
    };
    let cap = topology_canister::state::MAX_CANDIDATE_NODES;
    // An added operator allowed 40 nodes, one allowed u64::MAX, and an update 3 -> 45 (adds 42).
    for (id, action, allowed) in [
        (1, nns_function(8, add_operator(&n0.node_provider_id, &n0.data_center, 40, 0)), 40),
        (2, nns_function(8, add_operator(&n0.node_provider_id, &n0.data_center, u64::MAX, 0)), u64::MAX),
        (3, nns_function(16, update_operator(&n0.node_operator_id, 45)), 42),
    ] {
        let v = verdict(id, action);
        let VerdictOutcome::Candidates { candidates, evaluation, allowance } = &v.outcome else {
            panic!("{id}: {:?}", v.outcome)
        };
        assert_eq!(*allowance, Some(allowed), "{id}");
        assert_eq!((candidates[0].no_nodes, evaluation.candidate_nodes), (cap, cap), "{id}");
        assert_eq!(evaluation.curve.len(), cap as usize + 1);
        let direct = s
            .evaluate_candidates(
                &Controller,
                api::EvaluateRequest { candidates: candidates.clone(), overrides: None, include_allocation: None },
            )
            .unwrap();
        assert_eq!(**evaluation, direct, "{id}: the first 32 nodes, as evaluate_candidates evaluates them");
        let text = ic_topology::proposals::render::render(&v);
        assert!(
            text.contains(&format!("Nodes the proposal allows: {allowed}\n"))
                && text.contains(&format!(
                    "- evaluated: the first 32 of the {allowed} (evaluate_candidates takes at most 32 candidate nodes)"
                )),
            "{text}"
        );
    }
    // Within the cap the text says nothing of it.
    let v = verdict(4, nns_function(8, add_operator(&n0.node_provider_id, &n0.data_center, 32, 0)));
    let VerdictOutcome::Candidates { allowance, evaluation, .. } = &v.outcome else { panic!("{:?}", v.outcome) };
    assert_eq!((*allowance, evaluation.candidate_nodes), (Some(32), 32));
    let text = ic_topology::proposals::render::render(&v);
    assert!(!text.contains("- evaluated:"));

    // A verdict stored before `allowance` existed (its record without the
    // field) still decodes, with `allowance` null, and renders as before.
    let old = without_field(&candid::encode_one(&v).unwrap(), "allowance");
    let decoded: api::ProposalVerdict = candid::decode_one(&old).unwrap();
    let VerdictOutcome::Candidates { allowance, .. } = &decoded.outcome else { panic!("{:?}", decoded.outcome) };
    assert_eq!(*allowance, None);
    assert_eq!(ic_topology::proposals::render::render(&decoded), text);
}

/// `bytes` (one Candid value) re-encoded without the record field `name`, as
/// an older type without that field encoded it.
fn without_field(bytes: &[u8], name: &str) -> Vec<u8> {
    use candid::types::value::IDLValue;
    fn strip(v: &mut IDLValue, id: u32) {
        match v {
            IDLValue::Record(fields) => {
                fields.retain(|f| f.id.get_id() != id);
                fields.iter_mut().for_each(|f| strip(&mut f.val, id));
            }
            // The re-encoded variant type has only the case the value holds.
            IDLValue::Variant(c) => {
                c.1 = 0;
                strip(&mut c.0.val, id);
            }
            IDLValue::Opt(inner) => strip(inner, id),
            IDLValue::Vec(items) => items.iter_mut().for_each(|i| strip(i, id)),
            _ => {}
        }
    }
    let mut args = candid::IDLArgs::from_bytes(bytes).unwrap();
    strip(&mut args.args[0], candid::idl_hash(name));
    args.to_bytes().unwrap()
}

//! Trustless verification in the canister's state, natively: published
//! evaluations are certified and survive a reopen (an upgrade), eviction keeps
//! the certified root exact, `verify_evaluation` rejects tampering with the
//! check that failed, the export reproduces the canister's answer bit for bit,
//! and the proposal summary is the engine's text.

use candid::Principal;
use ic_topology::certification;
use ic_topology::digest;
use ic_topology::files;
use std::cell::RefCell;
use topology_canister::api::{self, Error, VerifyCheck};
use topology_canister::lifecycle;
use topology_canister::publish::{self, Published};
use topology_canister::state::{Env, State};

struct Fake {
    caller: Principal,
    certified: RefCell<Vec<u8>>,
}

impl Env for Fake {
    fn caller(&self) -> Principal {
        self.caller
    }
    fn is_controller(&self, p: &Principal) -> bool {
        *p == Principal::from_slice(&[1; 29])
    }
    fn instructions(&self) -> u64 {
        0
    }
    fn set_certified_data(&self, data: &[u8]) {
        *self.certified.borrow_mut() = data.to_vec();
    }
    fn canister_id(&self) -> Principal {
        Principal::from_slice(&[0, 0, 0, 0, 0, 0, 0, 7, 1, 1])
    }
}

/// `publish_evaluation` as the canister runs it: in the write path, which certifies.
fn publish(s: &mut State, env: &Fake, req: api::EvaluateRequest) -> api::Result<api::PublishedEvaluation> {
    let published = s.publish_evaluation(env, req);
    lifecycle::settle(s, env);
    published
}

fn controller() -> Fake {
    Fake { caller: Principal::from_slice(&[1; 29]), certified: RefCell::new(Vec::new()) }
}

fn loaded() -> State {
    let mut s = State::open();
    s.init(api::InitArgs::default()).unwrap();
    let env = controller();
    let (nodes, _) = files::parse_nodes_csv(include_str!("../../defaults/generated/nodes.csv"), "nodes.csv").unwrap();
    let nodes: Vec<api::Node> = nodes.into_iter().map(ic_topology::api::Node::from).collect();
    s.begin_snapshot_upload(
        &env,
        api::BeginSnapshotRequest { registry_version: 42, timestamp_nanos: 7, node_count: nodes.len() as u64 },
    )
    .unwrap();
    for chunk in nodes.chunks(500) {
        s.upload_snapshot_nodes(&env, chunk.to_vec()).unwrap();
    }
    s.commit_snapshot_upload(&env).unwrap();
    s
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

fn request(n: u32) -> api::EvaluateRequest {
    api::EvaluateRequest { candidates: vec![argentina(n)], overrides: None, include_allocation: Some(true) }
}

fn leaf_of(c: &api::CertifiedEvaluation, root: &[u8]) -> Result<Vec<u8>, certification::CertificationError> {
    certification::witness_value(&c.witness, root, &[publish::LABEL, c.key.as_bytes()])
}

#[test]
fn a_published_evaluation_is_certified_and_survives_a_reopen() {
    let mut s = loaded();
    let env = controller();
    let published = publish(&mut s, &env, request(2)).unwrap();
    assert!(published.newly_published);
    assert_eq!(published.published, 1);
    assert!(published.evaluation.allocation.is_some(), "a published evaluation carries its allocation");
    // The certified data is the tree's root, and the witness proves the bytes' hash under it.
    let root = env.certified.borrow().clone();
    assert_eq!(root, s.certified_root().to_vec());
    let got = s.get_published_evaluation(&env, published.key.clone()).unwrap();
    assert_eq!(got.evaluation, published.evaluation);
    assert_eq!(candid::decode_one::<api::Evaluation>(&got.evaluation_candid).unwrap(), got.evaluation);
    assert_eq!(leaf_of(&got, &root).unwrap(), digest_bytes(&got.evaluation_candid));
    // The same evaluation as the query gives (apart from the instruction count).
    let mut queried = s.evaluate_candidates(&env, request(2)).unwrap();
    queried.instructions = published.evaluation.instructions;
    assert_eq!(queried, published.evaluation);
    // Publishing the same request again returns the stored evaluation.
    let again = publish(&mut s, &env, request(2)).unwrap();
    assert!(!again.newly_published);
    assert_eq!((again.key.clone(), again.evaluation), (published.key.clone(), published.evaluation.clone()));

    // Reopen over the same stable memory, as post_upgrade does (open, then the write path).
    drop(s);
    let mut s = State::open();
    lifecycle::settle(&mut s, &env);
    assert_eq!(s.certified_root().to_vec(), root);
    let after = s.get_published_evaluation(&env, published.key.clone()).unwrap();
    assert_eq!(after, got);
    // It still verifies against the snapshot.
    let report = s.verify_evaluation(&env, after.evaluation).unwrap();
    assert!(report.verified && report.proven, "{report:?}");

    let missing = s.get_published_evaluation(&env, "00".repeat(32)).unwrap_err();
    assert!(matches!(missing, Error::NotFound { .. }), "{missing:?}");
}

fn digest_bytes(bytes: &[u8]) -> Vec<u8> {
    certification::from_hex(&digest::sha256_hex(bytes)).unwrap()
}

fn publisher(id: u8, is_controller: bool, now_nanos: u64) -> publish::Publisher {
    publish::Publisher { principal: vec![id; 29], is_controller, now_nanos }
}

#[test]
fn a_callers_extra_entry_evicts_its_own_oldest_and_keeps_the_root_exact() {
    let mut p = Published::open();
    let key = |i: u64| format!("{i:064x}");
    let alice = publisher(1, false, 1);
    for i in 0..publish::MAX_PER_PUBLISHER {
        assert!(p.insert(key(i), vec![i as u8; 10], &alice).unwrap().is_empty());
    }
    assert_eq!(p.len(), publish::MAX_PER_PUBLISHER);
    // Bob's entry is not Alice's to evict.
    p.insert(key(500), b"bob".to_vec(), &publisher(2, false, 1)).unwrap();
    let evicted = p.insert(key(1000), b"newest".to_vec(), &alice).unwrap();
    assert_eq!(evicted, vec![key(0)]);
    assert_eq!(p.len(), publish::MAX_PER_PUBLISHER + 1);
    assert!(p.get(&key(500)).is_some());
    assert_eq!(p.keys_oldest_first().first(), Some(&key(1)));
    assert_eq!(p.keys_oldest_first().last(), Some(&key(1000)));
    let root = p.root_hash();
    // The root is a function of the entries held: a reopen rebuilds the same root.
    let reopened = Published::open();
    assert_eq!(reopened.root_hash(), root);
    // The evicted key's witness proves its absence, not a value.
    let gone = certification::witness_value(&p.witness(&key(0)), &root, &[publish::LABEL, key(0).as_bytes()]);
    assert!(matches!(gone, Err(certification::CertificationError::NotInWitness { .. })), "{gone:?}");
    let kept = certification::witness_value(&p.witness(&key(5)), &root, &[publish::LABEL, key(5).as_bytes()]);
    assert_eq!(kept.unwrap(), digest_bytes(&[5u8; 10]));
    // A key present twice keeps its first bytes (republishing is idempotent, for anyone).
    assert!(p.insert(key(5), b"other".to_vec(), &publisher(3, false, 2)).unwrap().is_empty());
    assert_eq!(p.root_hash(), root);
}

/// Found in the security review: a stranger evicted all 64 published evaluations in 64 calls.
/// Now a flood, from one principal or from many, cannot evict another
/// caller's entry while it is younger than the retention period.
#[test]
fn a_strangers_flood_cannot_evict_another_callers_entry() {
    let mut p = Published::open();
    let day = 24 * 3_600 * 1_000_000_000u64;
    let honest = "honest".to_string();
    p.insert(honest.clone(), b"the evaluation a proposal quotes".to_vec(), &publisher(1, false, day)).unwrap();
    // One stranger: only its own entries give way.
    let stranger = publisher(2, false, day);
    for i in 0..3 * publish::MAX_PER_PUBLISHER {
        let evicted = p.insert(format!("flood-{i}"), vec![0; 4], &stranger).unwrap();
        assert!(!evicted.contains(&honest));
    }
    assert_eq!(p.len(), 1 + publish::MAX_PER_PUBLISHER);
    // Many strangers (principals are free): the store fills, then refuses.
    let mut n = 0u64;
    while p.len() < publish::MAX_PUBLISHED {
        // A new principal every MAX_PER_PUBLISHER entries.
        let mut principal = vec![9u8; 29];
        principal[..8].copy_from_slice(&(n / publish::MAX_PER_PUBLISHER).to_le_bytes());
        let who = publish::Publisher { principal, is_controller: false, now_nanos: day + 1 };
        assert!(p.insert(format!("sybil-{n}"), vec![1; 4], &who).unwrap().is_empty());
        n += 1;
    }
    let refused = p.insert("one more".into(), vec![2; 4], &publisher(200, false, day + 2));
    assert_eq!(refused, Err(publish::StoreFull));
    assert!(p.get(&honest).is_some(), "the honest entry stays while the store is full");
    // After the retention period, the oldest entry gives way (the honest one, published first).
    let later = publisher(201, false, day + publish::RETENTION_NANOS);
    let evicted = p.insert("after a month".into(), vec![3; 4], &later).unwrap();
    assert_eq!(evicted, vec![honest]);
}

#[test]
fn verify_evaluation_accepts_the_truth_and_names_what_was_tampered() {
    let s = loaded();
    let env = controller();
    let honest = s.evaluate_candidates(&env, request(3)).unwrap();
    let report = s.verify_evaluation(&env, honest.clone()).unwrap();
    assert!(report.verified, "{report:?}");
    assert!(report.proven);
    assert_eq!(report.rejection, None);
    assert_eq!(report.bound_numerator, honest.certificate.bound_numerator);

    let rejected = |tamper: &dyn Fn(&mut api::Evaluation), check: VerifyCheck, needle: &str| {
        let mut e = honest.clone();
        tamper(&mut e);
        let r = s.verify_evaluation(&env, e).unwrap();
        assert!(!r.verified, "{r:?}");
        let rejection = r.rejection.expect("a reason");
        assert_eq!(rejection.check, check, "{rejection:?}");
        assert!(rejection.reason.contains(needle), "{rejection:?} should mention {needle:?}");
    };
    // An allocation changed: a node moved from subnet 0 to subnet 1.
    rejected(
        &|e| {
            let a = e.allocation.as_mut().unwrap();
            let n = a[0].nodes.pop().unwrap();
            a[1].nodes.push(n);
        },
        VerifyCheck::Allocation,
        "subnet 0",
    );
    // A certificate multiplier changed.
    rejected(
        &|e| {
            let g = e.certificate.subnets.iter_mut().find(|g| g.size != 0).unwrap();
            g.size -= 1;
        },
        VerifyCheck::Bound,
        "the multipliers prove",
    );
    // A digest changed.
    rejected(&|e| e.configuration_sha256 = "0".repeat(64), VerifyCheck::ConfigurationDigest, "0000");
    rejected(&|e| e.topology_sha256 = "1".repeat(64), VerifyCheck::TopologyDigest, "1111");
    // Settings that the overrides do not explain.
    rejected(&|e| e.settings.enforce_sev = !e.settings.enforce_sev, VerifyCheck::Settings, "enforce_sev");
    // Without the allocation there is nothing to check the objective against.
    rejected(&|e| e.allocation = None, VerifyCheck::Allocation, "include_allocation");

    // A caller's mistakes are typed errors.
    let mut other_version = honest.clone();
    other_version.registry_version = 41;
    assert!(matches!(s.verify_evaluation(&env, other_version), Err(Error::NotFound { .. })));
    let mut garbage = honest.clone();
    garbage.certificate.bound_numerator = "twelve".into();
    assert!(matches!(
        s.verify_evaluation(&env, garbage),
        Err(Error::InvalidArgument { field, .. }) if field == "certificate.bound_numerator"
    ));
}

#[test]
fn the_export_reproduces_the_canisters_answer_bit_for_bit() {
    let s = loaded();
    let env = controller();
    let mut bytes = Vec::new();
    let mut offset = 0;
    let mut page;
    loop {
        page = s
            .export_snapshot(api::ExportRequest { registry_version: Some(42), offset, length: Some(100_000) })
            .unwrap();
        assert_eq!(page.offset, offset);
        bytes.extend_from_slice(&page.bytes);
        match page.next_offset {
            Some(next) => offset = next,
            None => break,
        }
    }
    assert_eq!(bytes.len() as u64, page.total_bytes);
    assert_eq!(digest::sha256_hex(&bytes), page.configuration_sha256);
    let inputs = ic_topology::export::from_bytes(&bytes, "export", Some(&page.configuration_sha256)).unwrap();

    let req = request(3);
    let on_chain = s.evaluate_candidates(&env, req.clone()).unwrap();
    let candidates: Vec<_> = req.candidates.iter().map(ic_topology::inputs::CandidateRow::from).collect();
    let (model, native) = ic_topology::canister_profile::evaluate_as_canister(&inputs, &candidates);
    let off_chain = topology_canister::convert::evaluation(
        &model,
        &native,
        req,
        inputs.settings,
        page.registry_version,
        digest::topology_digest(&inputs.topology),
        digest::configuration_digest(&inputs),
        on_chain.instructions,
    );
    assert_eq!(off_chain, on_chain);

    assert!(matches!(
        s.export_snapshot(api::ExportRequest { registry_version: Some(41), offset: 0, length: None }),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        s.export_snapshot(api::ExportRequest { registry_version: None, offset: 0, length: Some(0) }),
        Err(Error::InvalidArgument { field, .. }) if field == "length"
    ));
    assert!(matches!(
        s.export_snapshot(api::ExportRequest { registry_version: None, offset: page.total_bytes + 1, length: None }),
        Err(Error::InvalidArgument { field, .. }) if field == "offset"
    ));
}

#[test]
fn the_proposal_summary_is_the_engines_text_and_names_the_publication() {
    let mut s = loaded();
    let env = controller();
    let summary =
        s.proposal_summary(&env, api::ProposalSummaryRequest { candidates: vec![argentina(3)], plan: None }).unwrap();
    assert_eq!(summary.sha256, digest::sha256_hex(summary.text.as_bytes()));
    assert_eq!(summary.registry_version, 42);
    assert!(summary.text.contains(&env.canister_id().to_text()), "{}", summary.text);
    assert!(summary.text.contains("Planned nodes: 3"));
    let again =
        s.proposal_summary(&env, api::ProposalSummaryRequest { candidates: vec![argentina(3)], plan: None }).unwrap();
    assert_eq!(again, summary);
    let published = s
        .publish_evaluation(
            &env,
            api::EvaluateRequest { candidates: vec![argentina(3)], overrides: None, include_allocation: None },
        )
        .unwrap();
    assert_eq!(published.key, summary.publication_key);
    let bad = s
        .proposal_summary(&env, api::ProposalSummaryRequest { candidates: vec![argentina(0)], plan: None })
        .unwrap_err();
    assert!(matches!(bad, Error::InvalidArgument { .. }), "{bad:?}");
}

//! Trustless verification through the real canister module (wasmi test host,
//! real Candid bytes): publish an evaluation, check its witness against the
//! module's certified data and a certificate of that data (signed here with a
//! local BLS key, as a replica's subnet key would sign it), upgrade, and check
//! again; `verify_evaluation` accepts the truth and rejects tampering with the
//! check that failed; the export's bytes hash to the configuration digest. The
//! instructions of every new endpoint are measured (INSTRUCTIONS_REPORT=path
//! appends them, as `wasm.rs` does).

mod support;

use candid::{decode_one, encode_args, encode_one, Principal};
use ic_topology::certification;
use ic_topology::files;
use support::ic_host::Host;
use support::*;
use topology_canister::api::{self, Error, VerifyCheck};

/// A local subnet key (a BLS12-381 scalar) standing in for the IC's.
const SUBNET_SECRET: [u8; 32] = {
    let mut k = [0u8; 32];
    k[31] = 77;
    k
};

fn loaded(wasm: &[u8]) -> Host {
    let mut h = Host::new(wasm).expect("the module loads");
    h.set_controllers(vec![CONTROLLER.to_vec()]);
    h.set_caller(&CONTROLLER);
    h.install(&encode_one(None::<api::InitArgs>).unwrap()).expect("install");
    let (nodes, _) = files::parse_nodes_csv(include_str!("../../defaults/generated/nodes.csv"), "nodes.csv").unwrap();
    let nodes: Vec<api::Node> = nodes.into_iter().map(ic_topology::api::Node::from).collect();
    let begin = api::BeginSnapshotRequest { registry_version: 42, timestamp_nanos: 1, node_count: nodes.len() as u64 };
    update::<api::Result<()>>(&mut h, "begin_snapshot_upload", &encode_one(begin).unwrap()).unwrap();
    for chunk in nodes.chunks(500) {
        update::<api::Result<u64>>(&mut h, "upload_snapshot_nodes", &encode_one(chunk.to_vec()).unwrap()).unwrap();
    }
    update::<api::Result<api::SnapshotInfo>>(&mut h, "commit_snapshot_upload", &encode_args(()).unwrap()).unwrap();
    h
}

/// Certify the module's current certified data with the local subnet key; returns the root key (DER).
fn certify(h: &mut Host) -> Vec<u8> {
    let canister = h.canister_id().to_vec();
    let data = h.certified_data().to_vec();
    let (certificate, der) =
        certification::sign_certificate(&SUBNET_SECRET, &canister, &data, 1_763_700_000_000_000_000).unwrap();
    h.set_data_certificate(Some(certificate));
    der
}

fn check_published(h: &mut Host, key: &str, root_key: &[u8]) -> api::CertifiedEvaluation {
    let got: api::Result<api::CertifiedEvaluation> = query(h, "get_published_evaluation", &encode_one(key).unwrap());
    let got = got.unwrap();
    assert_eq!(got.canister_id, Principal::from_slice(h.canister_id()));
    let certificate = got.certificate.as_ref().expect("a query gets the data certificate");
    let certified = certification::verify_published(
        &got.key,
        &got.evaluation_candid,
        certificate,
        &got.witness,
        h.canister_id(),
        root_key,
    )
    .unwrap_or_else(|e| panic!("the published evaluation does not verify: {e}"));
    assert_eq!(certified.data, h.certified_data());
    assert_eq!(decode_one::<api::Evaluation>(&got.evaluation_candid).unwrap(), got.evaluation);
    got
}

#[test]
#[cfg_attr(not(canister_wasm), ignore = "needs target/canister/topology.wasm (bash scripts/build.sh)")]
fn publish_certify_upgrade_and_verify_through_the_module() {
    let Some(wasm) = wasm() else { return };
    let mut report = Report::new("call");
    let mut h = loaded(&wasm);
    // Nothing published yet: the certified data is the root of the empty map, already set by init.
    assert_eq!(h.certified_data().len(), 32);
    let empty_root = h.certified_data().to_vec();

    // Anyone may publish (a stranger here): the answer is certified, not trusted.
    h.set_caller(&STRANGER);
    let req = api::EvaluateRequest { candidates: vec![argentina(3)], overrides: None, include_allocation: None };
    let published: api::Result<api::PublishedEvaluation> =
        update(&mut h, "publish_evaluation", &encode_one(req.clone()).unwrap());
    let published = published.unwrap();
    report.add("publish_evaluation: 3 candidate nodes (4-point curve), new key", h.last_instructions());
    assert!(published.newly_published);
    assert_ne!(h.certified_data(), &empty_root[..]);
    let root_key = certify(&mut h);
    let got = check_published(&mut h, &published.key, &root_key);
    report.add("get_published_evaluation (evaluation, certificate, witness)", h.last_instructions());
    assert_eq!(got.evaluation, published.evaluation);

    // The same request again: the stored evaluation, no solve.
    let again: api::Result<api::PublishedEvaluation> =
        update(&mut h, "publish_evaluation", &encode_one(req.clone()).unwrap());
    assert!(!again.unwrap().newly_published);
    report.add("publish_evaluation: key already published", h.last_instructions());

    // verify_evaluation on the certified evaluation, before and after an upgrade.
    let report_before: api::Result<api::VerificationReport> =
        query(&mut h, "verify_evaluation", &encode_one(got.evaluation.clone()).unwrap());
    let report_before = report_before.unwrap();
    assert!(report_before.verified && report_before.proven, "{report_before:?}");
    report.add("verify_evaluation: 3 candidate nodes, with allocation", h.last_instructions());

    let root = h.certified_data().to_vec();
    h.set_caller(&CONTROLLER);
    h.upgrade(&wasm, &encode_args(()).unwrap()).expect("upgrade");
    assert_eq!(h.certified_data(), &root[..], "post_upgrade certifies the same evaluations");
    let root_key = certify(&mut h);
    let after = check_published(&mut h, &published.key, &root_key);
    assert_eq!(after.evaluation, got.evaluation);
    let listed: Vec<String> = query(&mut h, "list_published_evaluations", &encode_args(()).unwrap());
    assert_eq!(listed, vec![published.key.clone()]);
    let verified: api::Result<api::VerificationReport> =
        query(&mut h, "verify_evaluation", &encode_one(after.evaluation.clone()).unwrap());
    assert!(verified.unwrap().verified);

    // A certificate for other data does not vouch for this witness.
    let (stale, der) =
        certification::sign_certificate(&SUBNET_SECRET, h.canister_id(), &empty_root, 1_763_700_000_000_000_000)
            .unwrap();
    let e = certification::verify_published(
        &after.key,
        &after.evaluation_candid,
        &stale,
        &after.witness,
        h.canister_id(),
        &der,
    )
    .unwrap_err();
    assert!(matches!(e, certification::CertificationError::WitnessMismatch { .. }), "{e}");

    // Tampered evaluations: rejected with the check that failed.
    let tampered = |h: &mut Host, change: &dyn Fn(&mut api::Evaluation)| -> api::Rejection {
        let mut e = after.evaluation.clone();
        change(&mut e);
        let r: api::Result<api::VerificationReport> = query(h, "verify_evaluation", &encode_one(e).unwrap());
        let r = r.unwrap();
        assert!(!r.verified);
        r.rejection.expect("a rejection says why")
    };
    let r = tampered(&mut h, &|e| {
        let a = e.allocation.as_mut().unwrap();
        let n = a[0].nodes.pop().unwrap();
        a[1].nodes.push(n);
    });
    assert_eq!(r.check, VerifyCheck::Allocation, "{r:?}");
    assert!(r.reason.contains("subnet 0"), "{r:?}");
    let r = tampered(&mut h, &|e| e.certificate.subnets.iter_mut().find(|g| g.size != 0).unwrap().size += 1);
    assert_eq!(r.check, VerifyCheck::Bound, "{r:?}");
    let r = tampered(&mut h, &|e| e.configuration_sha256 = "0".repeat(64));
    assert_eq!(r.check, VerifyCheck::ConfigurationDigest, "{r:?}");
    // Another registry version is a typed error, not a trap.
    let mut old = after.evaluation.clone();
    old.registry_version = 7;
    let r: api::Result<api::VerificationReport> = query(&mut h, "verify_evaluation", &encode_one(old).unwrap());
    assert!(matches!(r, Err(Error::NotFound { .. })), "{r:?}");
    let r: api::Result<api::CertifiedEvaluation> =
        query(&mut h, "get_published_evaluation", &encode_one("nope".to_string()).unwrap());
    assert!(matches!(r, Err(Error::NotFound { .. })), "{r:?}");

    // The export: pages whose bytes hash to the configuration digest.
    let mut bytes = Vec::new();
    let mut offset = 0;
    let digest = loop {
        let page: api::Result<api::ExportPage> = query(
            &mut h,
            "export_snapshot",
            &encode_one(api::ExportRequest { registry_version: Some(42), offset, length: None }).unwrap(),
        );
        let page = page.unwrap();
        if offset == 0 {
            report.add(
                &format!("export_snapshot: first page ({} of {} bytes)", page.bytes.len(), page.total_bytes),
                h.last_instructions(),
            );
        }
        bytes.extend_from_slice(&page.bytes);
        match page.next_offset {
            Some(next) => offset = next,
            None => break page.configuration_sha256,
        }
    };
    assert_eq!(ic_topology::digest::sha256_hex(&bytes), digest);
    assert_eq!(digest, after.evaluation.configuration_sha256);

    let summary: api::Result<api::ProposalSummary> = query(
        &mut h,
        "proposal_summary",
        &encode_one(api::ProposalSummaryRequest { candidates: vec![argentina(3)], plan: None }).unwrap(),
    );
    let summary = summary.unwrap();
    report.add("proposal_summary: 3 candidate nodes", h.last_instructions());
    assert_eq!(summary.publication_key, published.key);
    assert_eq!(summary.sha256, ic_topology::digest::sha256_hex(summary.text.as_bytes()));
    // The same text off chain, from the export.
    let inputs = ic_topology::export::from_bytes(&bytes, "export", Some(&digest)).unwrap();
    let candidates = vec![ic_topology::inputs::CandidateRow::from(&argentina(3))];
    let (_, evaluation) = ic_topology::canister_profile::evaluate_as_canister(&inputs, &candidates);
    let canister = Principal::from_slice(h.canister_id()).to_text();
    let off_chain = ic_topology::summary::render(&ic_topology::summary::SummaryInput {
        canister_id: Some(&canister),
        candidates: &candidates,
        inputs: &inputs,
        evaluation: &evaluation,
        origin: ic_topology::summary::Origin::Registry(42),
        curve_notes: None,
        topology_sha256: &ic_topology::digest::topology_digest(&inputs.topology),
        configuration_sha256: &digest,
    });
    assert_eq!((off_chain.text, off_chain.sha256), (summary.text, summary.sha256));
    report.write("Verification endpoints (default network, 1425 nodes, 70 subnets)");
}

//! The governance and registry types the watcher decodes are the Candid
//! types of `candid/nns_governance.did` and `candid/registry_payloads.did`
//! (copied from dfinity/ic), type for type: a simplified `Action` would
//! decode real proposals as `null`.
//!
//! `GENERATE_GOVERNANCE_RS=1 cargo test --release -p topology-canister --test governance_types`
//! writes the Rust bindings of the .did file to target/governance_generated.rs
//! (how `src/proposals/governance.rs` was made).

use candid_parser::utils::check_rust_type;
use ic_topology::proposals::{governance as g, payloads as p};

const GOVERNANCE_DID: &str = include_str!("../../candid/nns_governance.did");
const REGISTRY_DID: &str = include_str!("../../candid/registry_payloads.did");

/// The type definitions of a .did file (without its service).
fn definitions(did: &str) -> &str {
    &did[..did.find("\nservice").expect("a service")]
}

fn same<T: candid::CandidType>(did: &str, name: &str) {
    check_rust_type::<T>(&format!("{}\n({name})", definitions(did)))
        .unwrap_or_else(|e| panic!("the Rust type of {name} is not the .did's: {e}"));
}

#[test]
fn the_governance_types_are_the_dids() {
    same::<g::ProposalInfo>(GOVERNANCE_DID, "ProposalInfo");
    same::<g::ListProposalInfoRequest>(GOVERNANCE_DID, "ListProposalInfoRequest");
    same::<g::ListProposalInfoResponse>(GOVERNANCE_DID, "ListProposalInfoResponse");
    same::<Option<g::ProposalInfo>>(GOVERNANCE_DID, "opt ProposalInfo");
}

/// A reply of current governance, encoded from the .did's types (as
/// governance encodes it, not from the Rust types): a proposal that carries
/// `self_describing_action` (the payload decoded by governance into a generic
/// value) beside its raw `ExecuteNnsFunction` payload, and one of an `Action`
/// case added since the older copy (`TakeCanisterSnapshot`, with a
/// `success_value`). Both decode, in a listing and from `get_proposal_info`,
/// with every new field read, and the watcher finds the raw payload.
#[test]
fn a_reply_with_the_newer_fields_decodes() {
    use candid::types::{Type, TypeInner};
    use candid::Principal;
    use candid_parser::utils::CandidSource;

    let node = Principal::from_slice(&[1; 29]);
    let payload = candid::encode_one(p::RemoveNodesPayload { node_ids: vec![node] }).unwrap();
    let blob: String = payload.iter().map(|b| format!("\\{b:02x}")).collect();
    let info = |id: u64, action: &str, described: &str, success: &str| {
        format!(
            "record {{ id = opt record {{ id = {id} : nat64 }}; status = 1; topic = 5; failure_reason = null; \
             ballots = vec {{}}; proposal_timestamp_seconds = 1_750_000_000; reward_event_round = 0; \
             deadline_timestamp_seconds = opt 1_750_400_000; failed_timestamp_seconds = 0; reject_cost_e8s = 0; \
             derived_proposal_information = null; latest_tally = null; reward_status = 1; \
             decided_timestamp_seconds = 0; proposal = opt record {{ url = \"\"; title = opt \"t{id}\"; \
             action = {action}; summary = \"s\"; self_describing_action = {described} }}; proposer = null; \
             executed_timestamp_seconds = 0; total_potential_voting_power = null; success_value = {success} }}"
        )
    };
    let removal = info(
        7,
        &format!("opt variant {{ ExecuteNnsFunction = record {{ nns_function = 18; payload = blob \"{blob}\" }} }}"),
        &format!(
            "opt record {{ type_name = opt \"RemoveNodes\"; type_description = opt \"Remove nodes\"; \
             value = opt variant {{ Map = vec {{ record {{ \"node_ids\"; variant {{ Array = vec {{ \
             variant {{ Text = \"{node}\" }} }} }} }} }} }} }}"
        ),
        "null",
    );
    let snapshot = info(
        8,
        &format!("opt variant {{ TakeCanisterSnapshot = record {{ canister_id = opt principal \"{node}\"; replace_snapshot = null }} }}"),
        "null",
        "opt variant { TakeCanisterSnapshot = record { snapshot_id = blob \"\\01\\02\" } }",
    );
    let (env, _) = CandidSource::Text(GOVERNANCE_DID).load().unwrap();
    let named = |name: &str| -> Type { TypeInner::Var(name.into()).into() };
    let encode = |text: String, ty: Type| {
        candid_parser::parse_idl_args(&text).unwrap().to_bytes_with_types(&env, &[ty]).unwrap()
    };

    let listing = encode(
        format!("(record {{ proposal_info = vec {{ {removal}; {snapshot} }} }})"),
        named("ListProposalInfoResponse"),
    );
    let listing: g::ListProposalInfoResponse = candid::decode_one(&listing).unwrap();
    let [removal_info, snapshot_info] = &listing.proposal_info[..] else { panic!("{listing:?}") };
    let described = removal_info.proposal.as_ref().unwrap().self_describing_action.clone();
    assert_eq!(
        described,
        Some(g::SelfDescribingProposalAction {
            type_name: Some("RemoveNodes".into()),
            type_description: Some("Remove nodes".into()),
            value: Some(Box::new(g::SelfDescribingValue::Map(vec![(
                "node_ids".into(),
                Box::new(g::SelfDescribingValue::Array(vec![Box::new(g::SelfDescribingValue::Text(node.to_text()))]))
            )]))),
        })
    );
    let (kind, function, raw) = topology_canister::governance::verdict::watched(removal_info).expect("watched");
    assert_eq!((kind, function, raw), (topology_canister::api::ProposalKind::RemoveNodes, 18, &payload[..]));
    // The newer Action case decodes as itself, not as a missing action.
    let action = snapshot_info.proposal.as_ref().unwrap().action.clone();
    assert_eq!(
        action,
        Some(g::Action::TakeCanisterSnapshot(g::TakeCanisterSnapshot {
            canister_id: Some(node),
            replace_snapshot: None
        }))
    );
    assert_eq!(
        snapshot_info.success_value,
        Some(g::SuccessfulProposalExecutionValue::TakeCanisterSnapshot(g::TakeCanisterSnapshotOk {
            snapshot_id: serde_bytes::ByteBuf::from(vec![1, 2])
        }))
    );
    assert!(topology_canister::governance::verdict::watched(snapshot_info).is_none());

    let opt_type: Type = TypeInner::Opt(named("ProposalInfo")).into();
    let one = encode(format!("(opt {removal})"), opt_type);
    let one: Option<g::ProposalInfo> = candid::decode_one(&one).unwrap();
    assert_eq!(one.as_ref(), Some(removal_info));
}

#[test]
fn the_registry_payload_types_are_the_dids() {
    same::<p::AddNodeOperatorPayload>(REGISTRY_DID, "AddNodeOperatorPayload");
    same::<p::UpdateNodeOperatorConfigPayload>(REGISTRY_DID, "UpdateNodeOperatorConfigPayload");
    same::<p::RemoveNodesPayload>(REGISTRY_DID, "RemoveNodesPayload");
    same::<p::RemoveNodeOperatorsPayload>(REGISTRY_DID, "RemoveNodeOperatorsPayload");
    same::<p::ChangeSubnetMembershipPayload>(REGISTRY_DID, "ChangeSubnetMembershipPayload");
}

#[test]
fn a_simplified_type_is_told_apart() {
    #[derive(candid::CandidType)]
    struct RemoveNodesPayload {
        node_ids: Vec<String>,
    }
    assert!(
        check_rust_type::<RemoveNodesPayload>(&format!("{}\n(RemoveNodesPayload)", definitions(REGISTRY_DID))).is_err()
    );
}

#[test]
fn generate_the_rust_bindings_when_asked() {
    if std::env::var("GENERATE_GOVERNANCE_RS").is_err() {
        return;
    }
    use candid_parser::bindings::rust::{compile, Config, ExternalConfig};
    let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../candid/nns_governance.did"));
    let (env, actor, prog) = candid_parser::typing::check_file(path).unwrap();
    let config = Config::new("".parse().unwrap());
    let mut external = ExternalConfig::default();
    external.0.insert("target".into(), "stub".into());
    let (code, _) = compile(&config, &env, &actor, &prog, external);
    std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/governance_generated.rs"), code).unwrap();
}

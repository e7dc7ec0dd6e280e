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
    same::<g::ListProposalInfo>(GOVERNANCE_DID, "ListProposalInfo");
    same::<g::ListProposalInfoResponse>(GOVERNANCE_DID, "ListProposalInfoResponse");
    same::<Option<g::ProposalInfo>>(GOVERNANCE_DID, "opt ProposalInfo");
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

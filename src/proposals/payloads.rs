//! The registry payloads of node proposals, as the registry's Candid
//! interface defines them (`candid/registry_payloads.did`, copied from
//! dfinity/ic's `registry.did`; a test checks these types are those), and
//! their decoding from an `ExecuteNnsFunction` payload, which is the Candid
//! encoding of the registry method's one argument.

use crate::api::ProposalKind;
use candid::{CandidType, Deserialize, Principal};

/// `add_node_operator`'s argument: a new node operator of a provider in a data center.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AddNodeOperatorPayload {
    /// The operator's IPv6 prefix, if any.
    pub ipv6: Option<String>,
    /// The new operator's principal.
    pub node_operator_principal_id: Option<Principal>,
    /// How many nodes the operator may add.
    pub node_allowance: u64,
    /// Rewardable nodes per node type.
    pub rewardable_nodes: Vec<(String, u32)>,
    /// The node provider the operator belongs to.
    pub node_provider_principal_id: Option<Principal>,
    /// The data center's id.
    pub dc_id: String,
    /// The most rewardable nodes per node type, if set.
    pub max_rewardable_nodes: Option<Vec<(String, u32)>>,
}

/// `update_node_operator_config`'s argument: fields of an operator's record to change.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct UpdateNodeOperatorConfigPayload {
    /// The operator whose record changes.
    pub node_operator_id: Option<Principal>,
    /// Clear the operator's IPv6 prefix.
    pub set_ipv6_to_none: Option<bool>,
    /// A new IPv6 prefix.
    pub ipv6: Option<String>,
    /// A new node provider.
    pub node_provider_id: Option<Principal>,
    /// A new node allowance.
    pub node_allowance: Option<u64>,
    /// Rewardable nodes per node type.
    pub rewardable_nodes: Vec<(String, u32)>,
    /// A new data center's id.
    pub dc_id: Option<String>,
    /// The most rewardable nodes per node type, if set.
    pub max_rewardable_nodes: Option<Vec<(String, u32)>>,
}

/// `remove_nodes`'s argument.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RemoveNodesPayload {
    /// The nodes removed from the registry.
    pub node_ids: Vec<Principal>,
}

/// Node operators named by principal.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct NodeOperatorPrincipals {
    /// The operators.
    pub principals: Vec<Principal>,
}

/// `remove_node_operators`'s argument (the operators as raw principal bytes, or as principals).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RemoveNodeOperatorsPayload {
    /// The operators removed, as the bytes of their principals.
    pub node_operators_to_remove: Vec<serde_bytes::ByteBuf>,
    /// The operators removed, as principals.
    pub node_operator_principals_to_remove: Option<NodeOperatorPrincipals>,
}

/// `change_subnet_membership`'s argument: nodes into and out of one subnet.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ChangeSubnetMembershipPayload {
    /// The nodes added to the subnet.
    pub node_ids_add: Vec<Principal>,
    /// The subnet.
    pub subnet_id: Principal,
    /// The nodes removed from the subnet.
    pub node_ids_remove: Vec<Principal>,
}

/// A decoded payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload {
    /// `add_node_operator` (NNS function 8).
    AddNodeOperator(AddNodeOperatorPayload),
    /// `update_node_operator_config` (16).
    UpdateNodeOperatorConfig(UpdateNodeOperatorConfigPayload),
    /// `remove_nodes` (18).
    RemoveNodes(RemoveNodesPayload),
    /// `remove_node_operators` (23).
    RemoveNodeOperators(RemoveNodeOperatorsPayload),
    /// `change_subnet_membership` (31).
    ChangeSubnetMembership(ChangeSubnetMembershipPayload),
}

/// The NNS functions the watcher evaluates (`NnsFunction` numbers): adding a
/// node operator (`AssignNoid`) ...
pub const ASSIGN_NOID: i32 = 8;
/// ... changing one's configuration ...
pub const UPDATE_NODE_OPERATOR_CONFIG: i32 = 16;
/// ... removing nodes ...
pub const REMOVE_NODES: i32 = 18;
/// ... removing node operators ...
pub const REMOVE_NODE_OPERATORS: i32 = 23;
/// ... and changing a subnet's membership.
pub const CHANGE_SUBNET_MEMBERSHIP: i32 = 31;

/// The kind of an NNS function the watcher evaluates; `None` for the others.
pub fn kind_of(nns_function: i32) -> Option<ProposalKind> {
    match nns_function {
        ASSIGN_NOID => Some(ProposalKind::AddNodeOperator),
        UPDATE_NODE_OPERATOR_CONFIG => Some(ProposalKind::UpdateNodeOperatorConfig),
        REMOVE_NODES => Some(ProposalKind::RemoveNodes),
        REMOVE_NODE_OPERATORS => Some(ProposalKind::RemoveNodeOperators),
        CHANGE_SUBNET_MEMBERSHIP => Some(ProposalKind::ChangeSubnetMembership),
        _ => None,
    }
}

/// The registry method a kind's payload is the argument of.
pub fn method_of(kind: ProposalKind) -> &'static str {
    match kind {
        ProposalKind::AddNodeOperator => "add_node_operator",
        ProposalKind::UpdateNodeOperatorConfig => "update_node_operator_config",
        ProposalKind::RemoveNodes => "remove_nodes",
        ProposalKind::RemoveNodeOperators => "remove_node_operators",
        ProposalKind::ChangeSubnetMembership => "change_subnet_membership",
    }
}

/// The largest payload decoded (node payloads are a few KB at most).
pub const MAX_PAYLOAD_BYTES: usize = 1 << 20;

/// Decode the payload of a proposal of `kind`; the error says why it does not decode.
pub fn decode(kind: ProposalKind, payload: &[u8]) -> Result<Payload, String> {
    if payload.is_empty() {
        return Err(format!("the payload is empty (not a {} argument)", method_of(kind)));
    }
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(format!("the payload has {} bytes, more than the {MAX_PAYLOAD_BYTES} decoded", payload.len()));
    }
    let bad = |e: candid::Error| format!("the payload is not a Candid {} argument: {e}", method_of(kind));
    Ok(match kind {
        ProposalKind::AddNodeOperator => Payload::AddNodeOperator(candid::decode_one(payload).map_err(bad)?),
        ProposalKind::UpdateNodeOperatorConfig => {
            Payload::UpdateNodeOperatorConfig(candid::decode_one(payload).map_err(bad)?)
        }
        ProposalKind::RemoveNodes => Payload::RemoveNodes(candid::decode_one(payload).map_err(bad)?),
        ProposalKind::RemoveNodeOperators => Payload::RemoveNodeOperators(candid::decode_one(payload).map_err(bad)?),
        ProposalKind::ChangeSubnetMembership => {
            Payload::ChangeSubnetMembership(candid::decode_one(payload).map_err(bad)?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_and_garbage_is_refused_with_the_method() {
        let p = AddNodeOperatorPayload {
            ipv6: None,
            node_operator_principal_id: Some(Principal::from_slice(&[1; 29])),
            node_allowance: 4,
            rewardable_nodes: vec![("type3.1".into(), 4)],
            node_provider_principal_id: Some(Principal::from_slice(&[2; 29])),
            dc_id: "zh9".into(),
            max_rewardable_nodes: None,
        };
        let bytes = candid::encode_one(&p).unwrap();
        assert_eq!(decode(ProposalKind::AddNodeOperator, &bytes), Ok(Payload::AddNodeOperator(p)));
        let e = decode(ProposalKind::RemoveNodes, &bytes).unwrap_err();
        assert!(e.contains("remove_nodes"), "{e}");
        let e = decode(ProposalKind::AddNodeOperator, b"DIDL\x00garbage").unwrap_err();
        assert!(e.contains("add_node_operator"), "{e}");
        assert!(decode(ProposalKind::AddNodeOperator, &[]).unwrap_err().contains("empty"));
        assert_eq!(kind_of(8), Some(ProposalKind::AddNodeOperator));
        assert_eq!(kind_of(31), Some(ProposalKind::ChangeSubnetMembership));
        assert_eq!(kind_of(7), None);
    }
}

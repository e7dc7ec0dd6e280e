//! The registry's wire format: the few protobuf messages the sync reads,
//! declared with prost derives and the field tags of dfinity/ic
//! (`rs/registry/transport/proto/.../transport.proto`,
//! `rs/protobuf/def/registry/...`; see `ic-platform.md`). Only the fields the
//! snapshot needs are declared: prost skips the others, so the same structs
//! also serve as the compact form in which the canister stores the records.
//! `get_chunk` is a Candid method; its types are here too.

use candid::CandidType;
use serde::Deserialize;

/// `RegistryGetLatestVersionResponse`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct LatestVersionResponse {
    #[prost(uint64, tag = "1")]
    /// The version (field 1).
    pub version: u64,
}

/// `RegistryGetChangesSinceRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ChangesSinceRequest {
    #[prost(uint64, tag = "1")]
    /// Ask for the changes after this version (field 1).
    pub version: u64,
}

/// `RegistryError`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RegistryError {
    #[prost(int32, tag = "1")]
    /// The registry's error code.
    pub code: i32,
    #[prost(string, tag = "2")]
    /// What went wrong.
    pub reason: String,
    #[prost(bytes = "vec", tag = "3")]
    /// The key concerned, if any.
    pub key: Vec<u8>,
}

/// `HighCapacityRegistryGetChangesSinceResponse`: `version` is the registry's
/// latest version; `deltas` cover the versions after the requested one, up to
/// the registry's per-call limits.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ChangesSinceResponse {
    #[prost(message, optional, tag = "1")]
    /// The registry's error, if the call failed.
    pub error: Option<RegistryError>,
    #[prost(uint64, tag = "2")]
    /// The registry's latest version.
    pub version: u64,
    #[prost(message, repeated, tag = "3")]
    /// The changes, key by key.
    pub deltas: Vec<Delta>,
}

/// `HighCapacityRegistryDelta`: the changes of one key.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Delta {
    #[prost(bytes = "vec", tag = "1")]
    /// The record's key.
    pub key: Vec<u8>,
    #[prost(message, repeated, tag = "2")]
    /// Its changes, at their versions.
    pub values: Vec<Value>,
}

/// `HighCapacityRegistryValue`: one change of a key at a version.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Value {
    #[prost(uint64, tag = "2")]
    /// The version of this change.
    pub version: u64,
    #[prost(uint64, tag = "5")]
    /// When the version was made (ns since the epoch).
    pub timestamp_nanoseconds: u64,
    #[prost(oneof = "Content", tags = "1, 3, 4")]
    /// The new value, a deletion, or chunk keys.
    pub content: Option<Content>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
/// The content of one change.
pub enum Content {
    #[prost(bytes, tag = "1")]
    /// The value itself (the record's protobuf).
    Value(Vec<u8>),
    /// `true` marks a deletion (`false` reads as an empty value, as in the registry).
    #[prost(bool, tag = "3")]
    DeletionMarker(bool),
    /// A large value, as the SHA-256 of its chunks in order. The registry
    /// chunks values only when a whole atomic mutation's encoding is near the
    /// reply limit (`MAX_REGISTRY_DELTAS_SIZE - 100`); then its values of
    /// 10,000 bytes or more come as chunk keys. Otherwise large values arrive
    /// inline (`Value`), so both shapes must be read.
    #[prost(message, tag = "4")]
    LargeValueChunkKeys(LargeValueChunkKeys),
}

#[derive(Clone, PartialEq, prost::Message)]
/// A value in chunks, fetched with `get_chunk`.
pub struct LargeValueChunkKeys {
    #[prost(bytes = "vec", repeated, tag = "1")]
    /// The SHA-256 of each chunk, in order.
    pub chunk_content_sha256s: Vec<Vec<u8>>,
}

/// `NodeRecord` (key `node_record_<node principal>`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct NodeRecord {
    #[prost(bytes = "vec", tag = "15")]
    /// The node's operator (principal bytes).
    pub node_operator_id: Vec<u8>,
    /// The SEV-SNP chip id; present on SEV-capable machines.
    #[prost(bytes = "vec", optional, tag = "16")]
    pub chip_id: Option<Vec<u8>>,
}

/// `NodeOperatorRecord` (key `node_operator_record_<operator principal>`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct NodeOperatorRecord {
    #[prost(bytes = "vec", tag = "1")]
    /// The operator (principal bytes).
    pub node_operator_principal_id: Vec<u8>,
    /// The nodes the operator may still add (kept for the governance
    /// watcher: an operator update's added allowance is new minus this).
    #[prost(uint64, tag = "2")]
    pub node_allowance: u64,
    #[prost(bytes = "vec", tag = "3")]
    /// The operator's node provider (principal bytes).
    pub node_provider_principal_id: Vec<u8>,
    #[prost(string, tag = "4")]
    /// The operator's data center.
    pub dc_id: String,
}

/// `DataCenterRecord` (key `data_center_record_<dc id>`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct DataCenterRecord {
    #[prost(string, tag = "1")]
    /// The data center's id.
    pub id: String,
    /// "Continent,CC,City": the country is the second field.
    #[prost(string, tag = "2")]
    pub region: String,
    /// The data-center provider.
    #[prost(string, tag = "3")]
    pub owner: String,
}

/// `SubnetRecord` (key `subnet_record_<subnet principal>`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct SubnetRecord {
    #[prost(bytes = "vec", repeated, tag = "3")]
    /// The subnet's nodes (principal bytes).
    pub membership: Vec<Vec<u8>>,
}

/// `SubnetListRecord` (key `subnet_list`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct SubnetListRecord {
    #[prost(bytes = "vec", repeated, tag = "2")]
    /// Every subnet (principal bytes).
    pub subnets: Vec<Vec<u8>>,
}

/// `ApiBoundaryNodeRecord` (key `api_boundary_node_<node principal>`): its
/// presence is what counts, so no field is read.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ApiBoundaryNodeRecord {}

/// Argument of the registry's Candid method `get_chunk`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct GetChunkRequest {
    /// The chunk's SHA-256.
    pub content_sha256: Option<Vec<u8>>,
}

/// `get_chunk`'s `Chunk`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// The chunk's bytes.
    pub content: Option<Vec<u8>>,
}

/// `get_chunk`'s reply: `variant { Ok : Chunk; Err : text }`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum GetChunkResponse {
    /// The chunk.
    Ok(Chunk),
    /// Why there is none.
    Err(String),
}

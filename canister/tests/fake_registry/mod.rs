//! A fake NNS registry for tests: registry records built from a dashboard
//! `nodes.csv` (the IC dashboard's /api/v3/nodes columns), encoded as real
//! protobuf with fields the canister does not read, spread over many
//! versions, with later versions that change operators and data centers and
//! delete records. `get_changes_since` answers as the registry does: whole
//! versions, at most `max_versions` per reply, each key's values in version
//! order, values of `chunk_threshold` bytes or more as chunk keys whose
//! chunks `get_chunk` serves. The native tests and the wasm host's fake
//! callee both answer from it.

#![allow(dead_code)]

use candid::Principal;
use ic_topology::inputs::{Inputs, RegistryNode};
use prost::Message;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use topology_canister::registry::proto::{
    ChangesSinceResponse, Content, Delta, LargeValueChunkKeys, RegistryError, Value,
};

// The registry's records with some of the fields the canister skips, so
// that decoding proves it skips them.
#[derive(Clone, PartialEq, Message)]
pub struct Endpoint {
    #[prost(string, tag = "1")]
    pub ip_addr: String,
    #[prost(uint32, tag = "2")]
    pub port: u32,
}

#[derive(Clone, PartialEq, Message)]
pub struct FullNodeRecord {
    #[prost(message, optional, tag = "5")]
    pub xnet: Option<Endpoint>,
    #[prost(message, optional, tag = "6")]
    pub http: Option<Endpoint>,
    #[prost(bytes = "vec", tag = "15")]
    pub node_operator_id: Vec<u8>,
    #[prost(bytes = "vec", optional, tag = "16")]
    pub chip_id: Option<Vec<u8>>,
}

#[derive(Clone, PartialEq, Message)]
pub struct FullNodeOperatorRecord {
    #[prost(bytes = "vec", tag = "1")]
    pub node_operator_principal_id: Vec<u8>,
    #[prost(uint64, tag = "2")]
    pub node_allowance: u64,
    #[prost(bytes = "vec", tag = "3")]
    pub node_provider_principal_id: Vec<u8>,
    #[prost(string, tag = "4")]
    pub dc_id: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct Gps {
    #[prost(float, tag = "1")]
    pub latitude: f32,
    #[prost(float, tag = "2")]
    pub longitude: f32,
}

#[derive(Clone, PartialEq, Message)]
pub struct FullDataCenterRecord {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(string, tag = "2")]
    pub region: String,
    #[prost(string, tag = "3")]
    pub owner: String,
    #[prost(message, optional, tag = "4")]
    pub gps: Option<Gps>,
}

#[derive(Clone, PartialEq, Message)]
pub struct FullSubnetRecord {
    #[prost(bytes = "vec", repeated, tag = "3")]
    pub membership: Vec<Vec<u8>>,
    #[prost(uint64, tag = "4")]
    pub max_ingress_bytes_per_message: u64,
    #[prost(int32, tag = "15")]
    pub subnet_type: i32,
}

#[derive(Clone, PartialEq, Message)]
pub struct SubnetListRecord {
    #[prost(bytes = "vec", repeated, tag = "2")]
    pub subnets: Vec<Vec<u8>>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ApiBoundaryNodeRecord {
    #[prost(string, tag = "1")]
    pub version: String,
}

pub fn bytes_of(principal: &str) -> Vec<u8> {
    Principal::from_text(principal).unwrap_or_else(|e| panic!("{principal}: {e}")).as_slice().to_vec()
}

/// One registry mutation: a key set to a value, or deleted (`None`).
pub type Mutation = (String, Option<Vec<u8>>);

#[derive(Clone, Debug, Default)]
pub struct FakeRegistry {
    /// Mutations by version (versions 1..=latest, none empty).
    pub versions: Vec<Vec<Mutation>>,
    pub chunk_threshold: usize,
    pub chunk_size: usize,
    pub max_versions: usize,
    pub chunks: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl FakeRegistry {
    pub fn new(chunk_threshold: usize, chunk_size: usize, max_versions: usize) -> FakeRegistry {
        FakeRegistry { chunk_threshold, chunk_size, max_versions, ..FakeRegistry::default() }
    }

    pub fn latest(&self) -> u64 {
        self.versions.len() as u64
    }

    /// Add a version made of `mutations`; returns its number.
    pub fn commit(&mut self, mutations: Vec<Mutation>) -> u64 {
        assert!(!mutations.is_empty(), "a registry version changes at least one key");
        self.versions.push(mutations);
        self.latest()
    }

    fn timestamp(version: u64) -> u64 {
        1_700_000_000_000_000_000 + version * 1_000_000_000
    }

    fn content(&mut self, value: &Option<Vec<u8>>) -> Content {
        match value {
            None => Content::DeletionMarker(true),
            Some(v) if v.len() >= self.chunk_threshold => {
                let mut keys = Vec::new();
                for chunk in v.chunks(self.chunk_size) {
                    let sha = Sha256::digest(chunk).to_vec();
                    self.chunks.insert(sha.clone(), chunk.to_vec());
                    keys.push(sha);
                }
                Content::LargeValueChunkKeys(LargeValueChunkKeys { chunk_content_sha256s: keys })
            }
            Some(v) => Content::Value(v.clone()),
        }
    }

    /// The reply to `get_changes_since(version)`.
    pub fn changes_since(&mut self, version: u64) -> ChangesSinceResponse {
        if version > self.latest() {
            return ChangesSinceResponse {
                error: Some(RegistryError { code: 4, reason: "version beyond latest".into(), key: vec![] }),
                version: self.latest(),
                deltas: vec![],
            };
        }
        let mut by_key: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let end = (version as usize + self.max_versions).min(self.versions.len());
        for v in version as usize..end {
            for (key, value) in self.versions[v].clone() {
                let content = self.content(&value);
                let number = v as u64 + 1;
                by_key.entry(key).or_default().push(Value {
                    version: number,
                    timestamp_nanoseconds: Self::timestamp(number),
                    content: Some(content),
                });
            }
        }
        ChangesSinceResponse {
            error: None,
            version: self.latest(),
            deltas: by_key.into_iter().map(|(key, values)| Delta { key: key.into_bytes(), values }).collect(),
        }
    }

    /// The current value of every key (what a full replay must reach).
    pub fn current(&self) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        for version in &self.versions {
            for (k, v) in version {
                match v {
                    Some(v) => {
                        out.insert(k.clone(), v.clone());
                    }
                    None => {
                        out.remove(k);
                    }
                }
            }
        }
        out
    }
}

/// The registry records that give `nodes` (dashboard rows): one record per
/// node, operator, data center and subnet, the subnet list and API boundary
/// node markers, keyed as in the registry.
pub struct Records {
    pub data_centers: Vec<Mutation>,
    pub operators: Vec<Mutation>,
    pub nodes: Vec<Mutation>,
    pub subnets: Vec<Mutation>,
    pub subnet_list: Mutation,
    pub api_boundary_nodes: Vec<Mutation>,
}

pub fn node_record(n: &RegistryNode, i: usize) -> Vec<u8> {
    FullNodeRecord {
        xnet: Some(Endpoint { ip_addr: format!("2001:db8::{i:x}"), port: 2497 }),
        http: Some(Endpoint { ip_addr: format!("2001:db8::{i:x}"), port: 8080 }),
        node_operator_id: bytes_of(&n.node_operator_id),
        // Every third node reports a SEV-SNP chip id.
        chip_id: (i % 3 == 0).then(|| vec![0xc1; 64]),
    }
    .encode_to_vec()
}

pub fn operator_record(operator: &str, provider: &str, dc: &str) -> Vec<u8> {
    FullNodeOperatorRecord {
        node_operator_principal_id: bytes_of(operator),
        node_allowance: 3,
        node_provider_principal_id: bytes_of(provider),
        dc_id: dc.to_string(),
    }
    .encode_to_vec()
}

pub fn data_center_record(id: &str, region: &str, owner: &str) -> Vec<u8> {
    FullDataCenterRecord {
        id: id.to_string(),
        region: region.to_string(),
        owner: owner.to_string(),
        gps: Some(Gps { latitude: 47.4, longitude: 8.5 }),
    }
    .encode_to_vec()
}

pub fn subnet_record(members: &[&str]) -> Vec<u8> {
    FullSubnetRecord {
        membership: members.iter().map(|m| bytes_of(m)).collect(),
        max_ingress_bytes_per_message: 2 * 1024 * 1024,
        subnet_type: 1,
    }
    .encode_to_vec()
}

pub fn records(nodes: &[RegistryNode]) -> Records {
    let mut dcs: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    let mut operators: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    let mut subnets: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for n in nodes {
        dcs.insert(&n.data_center, (&n.region, &n.data_center_provider));
        operators.insert(&n.node_operator_id, (&n.node_provider_id, &n.data_center));
        if let Some(s) = &n.subnet_id {
            subnets.entry(s).or_default().push(&n.node_id);
        }
    }
    Records {
        data_centers: dcs
            .iter()
            .map(|(id, (region, owner))| {
                (format!("data_center_record_{id}"), Some(data_center_record(id, region, owner)))
            })
            .collect(),
        operators: operators
            .iter()
            .map(|(op, (provider, dc))| (format!("node_operator_record_{op}"), Some(operator_record(op, provider, dc))))
            .collect(),
        nodes: nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (format!("node_record_{}", n.node_id), Some(node_record(n, i))))
            .collect(),
        subnets: subnets.iter().map(|(s, m)| (format!("subnet_record_{s}"), Some(subnet_record(m)))).collect(),
        subnet_list: (
            "subnet_list".into(),
            Some(SubnetListRecord { subnets: subnets.keys().map(|s| bytes_of(s)).collect() }.encode_to_vec()),
        ),
        api_boundary_nodes: nodes
            .iter()
            .filter(|n| n.node_type.as_deref() == Some("API_BOUNDARY"))
            .map(|n| {
                (
                    format!("api_boundary_node_{}", n.node_id),
                    Some(ApiBoundaryNodeRecord { version: "a1b2".into() }.encode_to_vec()),
                )
            })
            .collect(),
    }
}

/// A registry whose history builds `nodes` over many versions: unrelated
/// keys first (one of them large), then data centers, operators, nodes in
/// groups of `per_version`, subnets, the subnet list and API boundary nodes.
pub fn registry_of(nodes: &[RegistryNode], per_version: usize, fake: FakeRegistry) -> FakeRegistry {
    let mut fake = fake;
    let r = records(nodes);
    fake.commit(vec![
        ("routing_table".into(), Some(vec![7u8; 25_000])),
        ("crypto_record_x_1".into(), Some(vec![1, 2, 3])),
    ]);
    fake.commit(r.data_centers);
    fake.commit(r.operators);
    for group in r.nodes.chunks(per_version) {
        fake.commit(group.to_vec());
    }
    for group in r.subnets.chunks(10) {
        fake.commit(group.to_vec());
    }
    fake.commit(vec![r.subnet_list, ("unrelated_key".into(), Some(vec![9]))]);
    if !r.api_boundary_nodes.is_empty() {
        fake.commit(r.api_boundary_nodes);
    }
    fake
}

/// What the canister should derive from `nodes`: provider, operator, data
/// center, owner, region, subnet and type as in the registry; name and
/// status left to the configuration.
pub fn expected(nodes: &[RegistryNode]) -> Vec<RegistryNode> {
    let abn: BTreeSet<&str> =
        nodes.iter().filter(|n| n.node_type.as_deref() == Some("API_BOUNDARY")).map(|n| n.node_id.as_str()).collect();
    let mut out: Vec<RegistryNode> = nodes
        .iter()
        .map(|n| RegistryNode {
            node_provider_name: String::new(),
            status: String::new(),
            node_type: Some(
                if n.subnet_id.is_some() {
                    "REPLICA"
                } else if abn.contains(n.node_id.as_str()) {
                    "API_BOUNDARY"
                } else {
                    "UNASSIGNED"
                }
                .into(),
            ),
            ..n.clone()
        })
        .collect();
    out.sort_by(|a, b| a.node_id.cmp(&b.node_id));
    out
}

/// The engine's inputs for the same network: the canister's default
/// configuration with the dashboard's nodes, typed as the registry types them
/// and with the dashboard's health (anything but DOWN or DEGRADED is UP).
pub fn engine_inputs(nodes: &[RegistryNode]) -> Inputs {
    let mut typed = expected(nodes);
    let by_id: std::collections::BTreeMap<&str, &RegistryNode> =
        nodes.iter().map(|n| (n.node_id.as_str(), n)).collect();
    for n in &mut typed {
        let row = by_id[n.node_id.as_str()];
        n.node_provider_name = row.node_provider_name.clone();
        n.status = if matches!(row.status.as_str(), "DOWN" | "DEGRADED") { row.status.clone() } else { "UP".into() };
    }
    let settings = ic_topology::inputs::RuleSet::Y2025.default_settings();
    Inputs {
        settings,
        nodes: typed,
        pipeline: vec![],
        topology: ic_topology::topology_in_force::subnets(),
        sev_providers: vec![],
        cordons: vec![],
        clusters: vec![],
        special_limits: None,
        country_restrictions: None,
        warnings: vec![],
    }
}

/// A generated network with its current subnets (`defaults/nodes.csv` is
/// the default one with every node unassigned).
pub fn generated_nodes(params: &ic_topology_generate::GenerateParams) -> Vec<RegistryNode> {
    let network = ic_topology_generate::generate(params).unwrap();
    ic_topology::files::parse_nodes_csv(&network.nodes_csv, "generated").unwrap().0
}

/// Provider names and node health from the dashboard rows, as controllers
/// would configure them.
pub fn configuration_of(nodes: &[RegistryNode]) -> topology_canister::api::ConfigurationUpdate {
    use topology_canister::api;
    let mut names = BTreeMap::new();
    for n in nodes {
        names.insert(n.node_provider_id.clone(), n.node_provider_name.clone());
    }
    let node_health = nodes
        .iter()
        .filter_map(|n| {
            let health = match n.status.as_str() {
                "DOWN" => api::Health::Down,
                "DEGRADED" => api::Health::Degraded,
                _ => return None,
            };
            Some(api::NodeHealth { node_id: n.node_id.clone(), health })
        })
        .collect();
    api::ConfigurationUpdate {
        provider_names: Some(
            names
                .into_iter()
                .map(|(p, name)| api::ProviderName { provider: Principal::from_text(p).unwrap(), name })
                .collect(),
        ),
        node_health: Some(node_health),
        ..Default::default()
    }
}

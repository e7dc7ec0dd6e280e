//! What every test that drives the real module shares: the module itself (or
//! a plain skip without it), the IC test host, Candid calls that panic with
//! the method's name, the candidate nodes of ORACLES.md, and the instruction
//! report (`INSTRUCTIONS_REPORT=path` appends the counts measured).

// Each test binary uses its own part of this module.
#![allow(dead_code)]

pub use ::ic_host;

use candid::{decode_one, encode_args, encode_one, CandidType};
use ic_host::Host;
use serde::de::DeserializeOwned;
use std::path::Path;
use topology_canister::api;

pub const CONTROLLER: [u8; 29] = [1; 29];
pub const STRANGER: [u8; 29] = [2; 29];

/// The built module, or `None` (after saying so) when it has not been built.
pub fn wasm() -> Option<Vec<u8>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/canister/topology.wasm");
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(_) => {
            println!("skipped: {} not found (build it with scripts/build.sh)", path.display());
            None
        }
    }
}

pub fn query<T: DeserializeOwned + CandidType>(h: &mut Host, method: &str, arg: &[u8]) -> T {
    let reply = h.query(method, arg).unwrap_or_else(|r| panic!("{method}: {r:?}"));
    decode_one(&reply).unwrap_or_else(|e| panic!("{method}: {e}"))
}

pub fn update<T: DeserializeOwned + CandidType>(h: &mut Host, method: &str, arg: &[u8]) -> T {
    let reply = h.update(method, arg).unwrap_or_else(|r| panic!("{method}: {r:?}"));
    decode_one(&reply).unwrap_or_else(|e| panic!("{method}: {e}"))
}

/// An admin update by a non-controller: dropped by `canister_inspect_message`
/// as an ingress message, and refused with a typed reply when it comes from
/// a canister (which inspection does not see). Returns that reply.
pub fn stranger_update<T: DeserializeOwned + CandidType>(h: &mut Host, method: &str, arg: &[u8]) -> T {
    let reject = h.update(method, arg).expect_err("inspect_message drops a stranger's admin call");
    assert!(reject.message.contains("only controllers"), "{method}: {reject:?}");
    let reply = h.update_unchecked(method, arg).unwrap_or_else(|r| panic!("{method}: {r:?}"));
    decode_one(&reply).unwrap_or_else(|e| panic!("{method}: {e}"))
}

/// `n` candidate nodes in Argentina (the candidate row of ORACLES.md).
pub fn argentina(n: u32) -> api::CandidateRow {
    api::CandidateRow {
        node_provider: "Lionel Messi".into(),
        data_center: "Buenos Aires 1".into(),
        data_center_provider: "Peron Corporation".into(),
        country: "AR".into(),
        is_sev: true,
        no_nodes: n,
    }
}

/// A small deterministic generator (xorshift64*): the same seed, the same campaign or search.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }
}

/// Instruction counts, as a Markdown table appended to `INSTRUCTIONS_REPORT`.
pub struct Report {
    /// The first column's heading ("call", "message").
    column: &'static str,
    rows: Vec<String>,
}

impl Report {
    pub fn new(column: &'static str) -> Report {
        Report { column, rows: Vec::new() }
    }

    pub fn add(&mut self, call: &str, instructions: u64) {
        println!("{call}: {instructions} instructions");
        self.rows.push(format!("| {call} | {instructions} |"));
    }

    pub fn write(&self, title: &str) {
        if let Ok(path) = std::env::var("INSTRUCTIONS_REPORT") {
            let mut text = std::fs::read_to_string(&path).unwrap_or_default();
            text.push_str(&format!("\n### {title}\n\n| {} | instructions |\n|---|---:|\n", self.column));
            for line in &self.rows {
                text.push_str(line);
                text.push('\n');
            }
            std::fs::write(path, text).unwrap();
        }
    }
}

// ---- installing a module with a snapshot ----

pub fn host(wasm: &[u8], init: Option<api::InitArgs>) -> Host {
    let mut h = Host::new(wasm).expect("the module loads");
    h.set_controllers(vec![CONTROLLER.to_vec()]);
    h.set_caller(&CONTROLLER);
    h.install(&encode_one(init).unwrap()).expect("install");
    h
}

pub fn to_api(n: ic_topology::inputs::RegistryNode) -> api::Node {
    ic_topology::api::Node::from(n)
}

/// Upload nodes in chunks as the controller; returns the instructions of each call.
pub fn upload(h: &mut Host, nodes: Vec<api::Node>, version: u64) -> Vec<(String, u64)> {
    let mut used = Vec::new();
    let begin =
        api::BeginSnapshotRequest { registry_version: version, timestamp_nanos: 1, node_count: nodes.len() as u64 };
    let r: api::Result<()> = update(h, "begin_snapshot_upload", &encode_one(begin).unwrap());
    r.unwrap();
    used.push(("begin_snapshot_upload".into(), h.last_instructions()));
    for chunk in nodes.chunks(500) {
        let r: api::Result<u64> = update(h, "upload_snapshot_nodes", &encode_one(chunk.to_vec()).unwrap());
        r.unwrap();
        used.push((format!("upload_snapshot_nodes ({} nodes)", chunk.len()), h.last_instructions()));
    }
    let r: api::Result<api::SnapshotInfo> = update(h, "commit_snapshot_upload", &encode_args(()).unwrap());
    r.unwrap();
    used.push(("commit_snapshot_upload (derives inputs and solves the baseline)".into(), h.last_instructions()));
    used
}

/// The configuration of a set of inputs, as `update_configuration` takes it.
pub fn configuration_update_of(inputs: &ic_topology::inputs::Inputs) -> api::ConfigurationUpdate {
    use ic_topology::inputs::{CordonedFeature, LimitOp, RuleSet, SpecialLimitScope};
    let s = inputs.settings;
    api::ConfigurationUpdate {
        rules: Some(match s.rules {
            RuleSet::Dec2023 => api::RuleSet::Dec2023,
            RuleSet::Nov2024 => api::RuleSet::Nov2024,
            RuleSet::Y2025 => api::RuleSet::Y2025,
        }),
        synthetic_countries: Some(s.synthetic_countries),
        enforce_sev: Some(s.enforce_sev),
        enforce_health: Some(s.enforce_health),
        enforce_blacklist: Some(s.enforce_blacklist),
        enforce_per_provider_minimum: Some(s.enforce_per_provider_minimum),
        special_limits_reading: Some(ic_topology::api::SpecialLimitsReading::from(s.special_limits_reading)),
        spare_node_ratio: Some(s.spare_node_ratio.map(|r| r.get())),
        sev_providers: Some(inputs.sev_providers.clone()),
        cordons: Some(
            inputs
                .cordons
                .iter()
                .map(|c| api::Cordon {
                    feature: match c.feature {
                        CordonedFeature::NodeId => api::CordonedFeature::NodeId,
                        CordonedFeature::NodeProvider => api::CordonedFeature::NodeProvider,
                        CordonedFeature::NodeOperator => api::CordonedFeature::NodeOperator,
                        CordonedFeature::DataCenter => api::CordonedFeature::DataCenter,
                        CordonedFeature::DataCenterProvider => api::CordonedFeature::DataCenterProvider,
                    },
                    value: c.value.clone(),
                })
                .collect(),
        ),
        clusters: Some(
            inputs
                .clusters
                .iter()
                .map(|c| api::ProviderCluster { name: c.name.clone(), members: c.members.clone() })
                .collect(),
        ),
        special_limits: Some(inputs.special_limits.as_ref().map(|l| {
            ic_topology::inputs::special_limits_as_list::to_list(l)
                .into_iter()
                .map(|(scope, a, value, limit)| api::SpecialLimit {
                    scope: match scope {
                        SpecialLimitScope::SubnetId(x) => api::SpecialLimitScope::SubnetId(x),
                        SpecialLimitScope::SubnetType(x) => api::SpecialLimitScope::SubnetType(x),
                        SpecialLimitScope::Default => api::SpecialLimitScope::Default,
                    },
                    attribute: ic_topology::api::Attribute::from(a),
                    value,
                    count: limit.count,
                    op: if limit.op == LimitOp::Exactly { api::LimitOp::Exactly } else { api::LimitOp::AtMost },
                })
                .collect()
        })),
        country_restrictions: None,
        provider_names: None,
        registry_canister_id: None,
        sync_interval_seconds: None,
        node_health: None,
    }
}

// ---- the dashboard, as the HTTP gateway sees it ----

/// A request to the module's `http_request`, as the gateway sends it.
pub fn http(h: &mut Host, method: &str, url: &str) -> api::HttpResponse {
    let req = api::HttpRequest {
        method: method.into(),
        url: url.into(),
        headers: vec![],
        body: serde_bytes::ByteBuf::new(),
        certificate_version: Some(2),
    };
    query(h, "http_request", &encode_one(req).unwrap())
}

/// The gateway's check (response verification v2): `Some(body)` when the
/// response is certified, `None` when the canister skipped certification;
/// panics when the check fails.
pub fn gateway_check(
    h: &Host,
    method: &str,
    url: &str,
    r: &api::HttpResponse,
    root_key: &[u8],
    now_nanos: u64,
) -> Option<Vec<u8>> {
    let request = ic_http_certification::HttpRequest::builder()
        .with_method(ic_http_certification::Method::from_bytes(method.as_bytes()).unwrap())
        .with_url(url)
        .with_certificate_version(2)
        .build();
    let response = ic_http_certification::HttpResponse::builder()
        .with_status_code(ic_http_certification::StatusCode::from_u16(r.status_code).unwrap())
        .with_headers(r.headers.clone())
        .with_body(r.body.to_vec())
        .build();
    let info = ic_response_verification::verify_request_response_pair(
        request,
        response,
        h.canister_id(),
        now_nanos as u128,
        300_000_000_000,
        root_key,
        2,
    )
    .unwrap_or_else(|e| panic!("{method} {url}: the gateway's check fails: {e}"));
    assert_eq!(info.verification_version, 2, "{url}");
    info.response.map(|v| v.body)
}

/// The value of header `name` (any case).
pub fn header<'a>(r: &'a api::HttpResponse, name: &str) -> Option<&'a str> {
    r.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

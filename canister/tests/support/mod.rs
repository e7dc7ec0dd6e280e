//! What every test that drives the real module shares: the module itself (or
//! a plain skip without it), the IC test host, Candid calls that panic with
//! the method's name, the candidate nodes of ORACLES.md, and the instruction
//! report (`INSTRUCTIONS_REPORT=path` appends the counts measured).

// Each test binary uses its own part of this module.
#![allow(dead_code)]

#[path = "../../../tests/ic_host/mod.rs"]
pub mod ic_host;

use candid::{decode_one, CandidType};
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

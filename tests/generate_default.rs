//! The generated network in `defaults/generated/` (the examples' network) is
//! generated, not edited: these tests keep `defaults/generated/nodes.csv`
//! equal to a fresh generation, the generator's topology equal to the
//! topology in force (`defaults/topology.csv`, copied to
//! `defaults/generated/topology.csv`), and its configuration equal to what
//! `topology generate` writes.
//!
//! After a deliberate change to the generator, rewrite the file with
//! `cargo test --test generate_default -- --ignored regenerate_default_network`.

use ic_topology_generate::{default_network_nodes_csv, generate, split_csv_line, DEFAULT_PARAMS, NODES_HEADER};
use std::path::PathBuf;

fn defaults(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("defaults").join(file)
}

fn read(file: &str) -> String {
    let text = std::fs::read_to_string(defaults(file)).unwrap_or_else(|e| panic!("defaults/{file}: {e}"));
    // A checkout may have turned the line endings into CRLF.
    text.replace("\r\n", "\n")
}

#[test]
#[ignore = "writes defaults/generated/nodes.csv; run with --ignored after changing the generator"]
fn regenerate_default_network() {
    let csv = default_network_nodes_csv().expect("the default parameters are valid");
    std::fs::write(defaults("generated/nodes.csv"), csv).expect("write defaults/generated/nodes.csv");
}

#[test]
fn default_nodes_match_a_fresh_generation() {
    let committed = read("generated/nodes.csv");
    let fresh = default_network_nodes_csv().unwrap();
    assert!(
        committed == fresh,
        "defaults/generated/nodes.csv differs from the generator's output; if the generator changed on \
         purpose, run `cargo test --test generate_default -- --ignored regenerate_default_network`"
    );
    assert_eq!(committed.lines().next(), Some(NODES_HEADER));
    assert_eq!(committed.lines().count() as u32, DEFAULT_PARAMS.nodes + 1);
    for line in committed.lines().skip(1) {
        let fields = split_csv_line(line);
        assert_eq!(fields.len(), 16, "{line}");
        assert!(fields[15].is_empty(), "the default topology has no subnet ids: {line}");
    }
}

/// The generator's topology for the default parameters, rows of one type
/// merged, equals `defaults/topology.csv` (the topology in force).
#[test]
fn default_topology_matches_the_generator() {
    let file = read("topology.csv");
    assert_eq!(read("generated/topology.csv"), file, "the generated network uses the topology in force");
    let mut lines = file.lines();
    assert_eq!(
        lines.next(),
        Some(
            "subnet_type,number_of_subnets,subnet_size,is_sev,subnet_limit_node_provider,\
             subnet_limit_data_center,subnet_limit_data_center_provider,subnet_limit_country"
        )
    );
    let committed: Vec<Vec<String>> = lines.map(split_csv_line).collect();

    let generated = generate(&DEFAULT_PARAMS).unwrap().topology_csv;
    let mut merged: Vec<Vec<String>> = Vec::new();
    for line in generated.lines().skip(1) {
        let f = split_csv_line(line);
        // subnet_type, subnet_id, number_of_subnets, size, is_sev, limits...
        let row: Vec<String> = [&f[0], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8]].into_iter().cloned().collect();
        match merged.last_mut() {
            Some(last) if last[0] == row[0] && last[2..] == row[2..] => {
                let n: u32 = last[1].parse().unwrap();
                last[1] = (n + 1).to_string();
            }
            _ => merged.push(row),
        }
    }
    assert_eq!(committed, merged);
    let subnets: u32 = committed.iter().map(|r| r[1].parse::<u32>().unwrap()).sum();
    assert_eq!(subnets, DEFAULT_PARAMS.subnets);
}

/// The configuration `topology generate` writes is the one the default network ships with.
#[test]
fn generated_configuration_is_the_default_one() {
    assert_eq!(ic_topology_generate::CONFIG_JSON, std::fs::read_to_string(defaults("generated/config.json")).unwrap());
}

//! Tests of the readers for the reference tool's input files: every format on
//! small inline texts, every error with its location, and the real snapshots
//! of `../shared/data` (skipped when that folder is absent, as it is outside
//! the project's CI).

use ic_topology::files::{
    candidate_warnings, is_known_country, load_config, looks_like_principal, parse_blacklist_yaml, parse_candidate_arg,
    parse_candidates_csv, parse_clusters_json, parse_nodes_csv, parse_pipeline_csv, parse_sev_providers_csv,
    parse_special_limits_json, parse_topology_csv, resolve_special_limits, FILE_KEYS, ISO_3166_ALPHA2,
};
use ic_topology::inputs::{
    Attribute, CandidateRow, Cordon, CordonedFeature, Inputs, LimitOp, RuleSet, SpecialLimit, SpecialLimitScope,
    Warning,
};
use ic_topology::InputError;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

// ---------------------------------------------------------------- helpers

fn assert_error(error: &InputError, source: &str, line: Option<u64>, field: Option<&str>) {
    assert_eq!(error.location.source, source, "source of: {error}");
    assert_eq!(error.location.line, line, "line of: {error}");
    assert_eq!(error.location.field.as_deref(), field, "field of: {error}");
}

fn warnings_about<'w>(warnings: &'w [Warning], field: &str) -> Vec<&'w Warning> {
    warnings.iter().filter(|w| w.field.as_deref() == Some(field)).collect()
}

/// A fresh folder under the system's temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(name: &str) -> TempDir {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ic-topology-files-{}-{n}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a temporary folder");
    TempDir(dir)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a test file");
    path
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

const NODES_HEADER: &str =
    "node_id,dc_id,node_operator_id,node_provider_id,node_provider_name,node_type,owner,region,status,subnet_id";

fn nodes_csv(rows: &[&str]) -> String {
    let mut text = format!("{NODES_HEADER}\n");
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    text
}

const TOPOLOGY_HEADER: &str = "subnet_type,subnet_id,number_of_subnets,subnet_size,is_sev,subnet_limit_node_provider,\
subnet_limit_data_center,subnet_limit_data_center_provider,subnet_limit_country";

const PIPELINE_2023_HEADER: &str = "node_provider,data_center,data_center_provider,country,is_sev,no_nodes";
const PIPELINE_2025_HEADER: &str = "node_id,node_provider,data_center,data_center_provider,country,is_sev";

// ---------------------------------------------------------------- nodes

#[test]
fn nodes_are_read_verbatim() {
    let text = nodes_csv(&[
        "n1,zh2,op1,pr1,DFINITY Stiftung,REPLICA,Everyware,\"Europe,CH,Zurich\",UP,tdb26-jop6k",
        "n2,mn2,op2,pr2,\"Privoxy Solutions, LLC\",API_BOUNDARY,M247 ,\"North America,US,Utah\",DOWN,",
    ]);
    let (nodes, warnings) = parse_nodes_csv(&text, "nodes.csv").expect("valid nodes");
    assert_eq!(nodes.len(), 2);
    assert_eq!(nodes[0].node_id, "n1");
    assert_eq!(nodes[0].data_center, "zh2");
    assert_eq!(nodes[0].data_center_provider, "Everyware");
    assert_eq!(nodes[0].node_provider_id, "pr1");
    assert_eq!(nodes[0].node_operator_id, "op1");
    assert_eq!(nodes[0].region, "Europe,CH,Zurich");
    assert_eq!(nodes[0].node_type.as_deref(), Some("REPLICA"));
    assert_eq!(nodes[0].subnet_id.as_deref(), Some("tdb26-jop6k"));
    assert_eq!(nodes[1].node_provider_name, "Privoxy Solutions, LLC");
    assert_eq!(nodes[1].data_center_provider, "M247 ", "kept verbatim, as pandas keeps it");
    assert_eq!(nodes[1].subnet_id, None);
    let owner = warnings_about(&warnings, "owner");
    assert_eq!(owner.len(), 1);
    assert_eq!(owner[0].line, Some(3));
    assert!(owner[0].message.contains("`M247 `"), "{}", owner[0].message);
}

#[test]
fn nodes_without_node_type_are_the_2023_format() {
    let text =
        "node_id,alertname,dc_id,node_operator_id,node_provider_id,node_provider_name,owner,region,status,subnet_id\n\
                n1,,zh2,op,pr,P,O,\"Europe,CH,Zurich\",UNASSIGNED,\n";
    let (nodes, warnings) = parse_nodes_csv(text, "nodes.csv").expect("valid nodes");
    assert_eq!(nodes[0].node_type, None);
    assert_eq!(nodes[0].status, "UNASSIGNED");
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn nodes_missing_column_is_an_error() {
    let text = "node_id,dc_id,node_operator_id,node_provider_id,node_provider_name,region,status\n";
    let error = parse_nodes_csv(text, "nodes.csv").expect_err("no owner column");
    assert_error(&error, "nodes.csv", Some(1), Some("owner"));
    assert!(error.reason.contains("missing column `owner`"), "{error}");
}

#[test]
fn nodes_column_names_are_exact() {
    let text = nodes_csv(&[]).replace(",owner,", ", owner,");
    let error = parse_nodes_csv(&text, "nodes.csv").expect_err("` owner` is not `owner`");
    assert_error(&error, "nodes.csv", Some(1), Some("owner"));
    assert!(error.reason.contains("there is a column ` owner`"), "{error}");
}

#[test]
fn nodes_empty_required_field_is_an_error() {
    let text = nodes_csv(&[
        "n1,zh2,op1,pr1,P,REPLICA,O,\"Europe,CH,Zurich\",UP,",
        "n2,,op1,pr1,P,REPLICA,O,\"Europe,CH,Zurich\",UP,",
    ]);
    let error = parse_nodes_csv(&text, "nodes.csv").expect_err("empty dc_id");
    assert_error(&error, "nodes.csv", Some(3), Some("dc_id"));
}

#[test]
fn nodes_pandas_na_word_is_an_error() {
    let text = nodes_csv(&["n1,zh2,op1,pr1,NA,REPLICA,O,\"Europe,CH,Zurich\",UP,"]);
    let error = parse_nodes_csv(&text, "nodes.csv").expect_err("`NA` is NaN to pandas");
    assert_error(&error, "nodes.csv", Some(2), Some("node_provider_name"));
    assert!(error.reason.contains("missing value"), "{error}");
}

#[test]
fn nodes_wrong_field_count_is_an_error() {
    let text = nodes_csv(&["n1,zh2,op1,pr1,P,REPLICA,O,Europe,CH,Zurich,UP,"]);
    let error = parse_nodes_csv(&text, "nodes.csv").expect_err("unquoted region");
    assert_error(&error, "nodes.csv", Some(2), None);
    assert!(error.reason.contains("expected 10 fields"), "{error}");
}

#[test]
fn nodes_empty_file_is_an_error() {
    let error = parse_nodes_csv("", "nodes.csv").expect_err("empty");
    assert_error(&error, "nodes.csv", None, None);
}

#[test]
fn lines_count_crlf_blank_lines_and_bom() {
    // pandas drops the byte-order mark and skips blank and whitespace-only lines.
    let text = format!(
        "\u{feff}{NODES_HEADER}\r\n\r\nn1,zh2,op,pr,P,REPLICA,O,\"Europe,CH,Zurich\",UP,\r\n   \r\n\
         n2,zh2,op,pr,P,REPLICA,O,\"Europe,CH,Zurich\",UP,\r\nn3,zh2,op,pr,,REPLICA,O,\"Europe,CH,Zurich\",UP,\r\n"
    );
    let error = parse_nodes_csv(&text, "nodes.csv").expect_err("empty provider");
    assert_error(&error, "nodes.csv", Some(6), Some("node_provider_name"));
    let (nodes, _) = parse_nodes_csv(&text.replace(",,REPLICA", ",P,REPLICA"), "nodes.csv").expect("valid");
    assert_eq!(nodes.len(), 3);
    assert_eq!(nodes[0].node_id, "n1");
}

#[test]
fn nodes_country_warnings() {
    let text = nodes_csv(&[
        "n1,lo1,op,pr,P,REPLICA,O,\"Europe,UK,London\",UP,",
        "n2,pr1,op,pr,P,REPLICA,O,\"Europe,XK,Pristina\",UP,",
        "n3,xx1,op,pr,P,REPLICA,O,\"Europe,ZZ,Nowhere\",UP,",
        "n4,yy1,op,pr,P,REPLICA,O,Nowhere,UP,",
        "n5,yy1,op,pr,P,REPLICA,O,\"Europe, CH,Zurich\",UP,",
    ]);
    let (_, warnings) = parse_nodes_csv(&text, "nodes.csv").expect("valid");
    let region = warnings_about(&warnings, "region");
    let lines: Vec<Option<u64>> = region.iter().map(|w| w.line).collect();
    // UK (line 2), ZZ (line 4), no country (line 5), ` CH` whitespace (line 6); XK is accepted.
    assert_eq!(lines, [Some(2), Some(4), Some(5), Some(6)], "{region:?}");
    assert!(region[0].message.contains("`GB`"));
}

#[test]
fn duplicate_node_ids_are_warned_about() {
    let row = "n1,zh2,op,pr,P,REPLICA,O,\"Europe,CH,Zurich\",UP,";
    let (nodes, warnings) = parse_nodes_csv(&nodes_csv(&[row, row]), "nodes.csv").expect("valid");
    assert_eq!(nodes.len(), 2);
    assert_eq!(warnings_about(&warnings, "node_id")[0].line, Some(3));
}

// ---------------------------------------------------------------- topology

#[test]
fn topology_expands_rows_in_file_order() {
    let text = format!(
        "{TOPOLOGY_HEADER}\nNNS,tdb26-jop6k,1,43,FALSE,1,1,1,3\nApplication,, 2 , 13 ,False,1,1,1,2\n\
         Swiss Subnet,,0,13,TRUE,1,1,1,13\nII,,1,34,true,1,2,3,4\n"
    );
    let (subnets, warnings) = parse_topology_csv(&text, "topology.csv").expect("valid topology");
    assert!(warnings.is_empty(), "{warnings:?}");
    let types: Vec<&str> = subnets.iter().map(|s| s.subnet_type.as_str()).collect();
    assert_eq!(types, ["NNS", "Application", "Application", "II"], "0 subnets of Swiss Subnet");
    assert_eq!(subnets[0].subnet_id.as_deref(), Some("tdb26-jop6k"));
    assert_eq!(subnets[1].subnet_id, None);
    assert_eq!(subnets[1].size, 13);
    assert!(!subnets[0].is_sev && !subnets[1].is_sev && subnets[3].is_sev);
    assert_eq!(subnets[3].limits, [1, 2, 3, 4]);
    assert_eq!(subnets[3].limits[Attribute::Country.index()], 4);
}

#[test]
fn topology_without_subnet_id_column() {
    let text = "subnet_type,number_of_subnets,subnet_size,is_sev,subnet_limit_node_provider,subnet_limit_data_center,\
                subnet_limit_data_center_provider,subnet_limit_country\r\nNNS,1,43,FALSE,1,1,1,3\r\n";
    let (subnets, _) = parse_topology_csv(text, "t.csv").expect("valid topology");
    assert_eq!(subnets.len(), 1);
    assert_eq!(subnets[0].subnet_id, None);
}

#[test]
fn topology_limit_below_one_is_an_error() {
    let text = format!("{TOPOLOGY_HEADER}\nNNS,,1,43,FALSE,1,1,1,3\nSNS,,1,34,FALSE,1,0,1,3\n");
    let error = parse_topology_csv(&text, "t.csv").expect_err("limit 0");
    assert_error(&error, "t.csv", Some(3), Some("subnet_limit_data_center"));
}

#[test]
fn topology_size_below_one_is_an_error() {
    let text = format!("{TOPOLOGY_HEADER}\nNNS,,1,0,FALSE,1,1,1,3\n");
    let error = parse_topology_csv(&text, "t.csv").expect_err("size 0");
    assert_error(&error, "t.csv", Some(2), Some("subnet_size"));
}

#[test]
fn topology_bad_number_is_an_error() {
    let text = format!("{TOPOLOGY_HEADER}\nNNS,,one,43,FALSE,1,1,1,3\n");
    let error = parse_topology_csv(&text, "t.csv").expect_err("not a number");
    assert_error(&error, "t.csv", Some(2), Some("number_of_subnets"));
    let text = format!("{TOPOLOGY_HEADER}\nNNS,,1,13.5,FALSE,1,1,1,3\n");
    let error = parse_topology_csv(&text, "t.csv").expect_err("not whole");
    assert_error(&error, "t.csv", Some(2), Some("subnet_size"));
    let text = format!("{TOPOLOGY_HEADER}\nNNS,,-1,13,FALSE,1,1,1,3\n");
    let error = parse_topology_csv(&text, "t.csv").expect_err("negative");
    assert_error(&error, "t.csv", Some(2), Some("number_of_subnets"));
    let text = format!("{TOPOLOGY_HEADER}\nNNS,,99999999999,13,FALSE,1,1,1,3\n");
    let error = parse_topology_csv(&text, "t.csv").expect_err("too many subnets");
    assert_error(&error, "t.csv", Some(2), Some("number_of_subnets"));
}

#[test]
fn topology_is_sev_text_column_is_refused() {
    // pandas would read the column as text and `astype(bool)` would make the
    // NNS (FALSE) an SEV subnet too.
    let text = format!("{TOPOLOGY_HEADER}\nNNS,,1,43,FALSE,1,1,1,3\nII,,1,34, TRUE,1,1,1,3\n");
    let error = parse_topology_csv(&text, "t.csv").expect_err("text column");
    assert_error(&error, "t.csv", Some(3), Some("is_sev"));
}

#[test]
fn topology_is_sev_numbers_follow_pandas() {
    let text = format!("{TOPOLOGY_HEADER}\nNNS,,1,43,0,1,1,1,3\nII,,1,34,1,1,1,1,3\n");
    let (subnets, _) = parse_topology_csv(&text, "t.csv").expect("numeric column");
    assert_eq!(subnets.iter().map(|s| s.is_sev).collect::<Vec<_>>(), [false, true]);
}

#[test]
fn topology_empty_is_sev_is_an_error() {
    let text = format!("{TOPOLOGY_HEADER}\nNNS,,1,43,,1,1,1,3\n");
    let error = parse_topology_csv(&text, "t.csv").expect_err("empty is_sev");
    assert_error(&error, "t.csv", Some(2), Some("is_sev"));
}

#[test]
fn topology_missing_column_is_an_error() {
    let text = "subnet_type,number_of_subnets,subnet_size,is_sev\nNNS,1,43,FALSE\n";
    let error = parse_topology_csv(text, "t.csv").expect_err("no limits");
    assert_error(&error, "t.csv", Some(1), Some("subnet_limit_node_provider"));
}

// ---------------------------------------------------------------- pipeline

#[test]
fn pipeline_2023_format_keeps_spaces_and_reads_is_sev_as_pandas() {
    // The last row's ` True` makes pandas read the whole column as text, so
    // `False` on line 2 is true to the reference.
    let text =
        format!("{PIPELINE_2023_HEADER}\n\"P1\",\"ma1\",\"Ginernet\",\"ES\",False,2\n\"P2\", kr1, KT, KR, True, 3\n");
    let (nodes, warnings) = parse_pipeline_csv(&text, "pipeline.csv").expect("valid pipeline");
    assert_eq!(nodes.len(), 5);
    assert!(nodes.iter().all(|n| n.is_sev), "text column: every non-empty value is true");
    assert!(nodes.iter().all(|n| n.node_id.is_none()));
    assert_eq!(nodes[0].country, "ES");
    assert_eq!(nodes[4].country, " KR", "kept verbatim, as pandas keeps it");
    assert_eq!(nodes[4].data_center, " kr1");
    let sev = warnings_about(&warnings, "is_sev");
    assert_eq!(sev.len(), 2, "{sev:?}");
    assert_eq!((sev[0].line, sev[1].line), (Some(2), Some(3)));
    assert!(sev[0].message.contains("`False` is taken as SEV-capable"), "{}", sev[0].message);
    assert_eq!(warnings_about(&warnings, "country")[0].line, Some(3));
}

#[test]
fn pipeline_boolean_column_is_boolean() {
    let text = format!("{PIPELINE_2023_HEADER}\nP1,dc1,DCP,ES,False,1\nP2,dc2,DCP,DE,TRUE,1\nP3,dc3,DCP,FR,true,0\n");
    let (nodes, warnings) = parse_pipeline_csv(&text, "p.csv").expect("valid pipeline");
    assert_eq!(nodes.iter().map(|n| n.is_sev).collect::<Vec<_>>(), [false, true], "no_nodes 0 adds no node");
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn pipeline_numeric_is_sev_column_tests_for_zero() {
    let text = format!("{PIPELINE_2023_HEADER}\nP1,dc1,DCP,ES,0,1\nP2,dc2,DCP,DE,1,1\n");
    let (nodes, warnings) = parse_pipeline_csv(&text, "p.csv").expect("valid pipeline");
    assert_eq!(nodes.iter().map(|n| n.is_sev).collect::<Vec<_>>(), [false, true]);
    assert_eq!(warnings_about(&warnings, "is_sev").len(), 2);
}

#[test]
fn pipeline_2025_format_is_one_node_per_row() {
    let text = format!("{PIPELINE_2025_HEADER}\r\ndef-1,DEF,es1,Adam,ES,false\r\ndef-2,DEF,es1,Adam,ES,TRUE\r\n");
    let (nodes, warnings) = parse_pipeline_csv(&text, "p.csv").expect("valid pipeline");
    assert_eq!(nodes.len(), 2);
    assert_eq!(nodes[0].node_id.as_deref(), Some("def-1"));
    assert_eq!(nodes.iter().map(|n| n.is_sev).collect::<Vec<_>>(), [false, true]);
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn pipeline_empty_or_header_only_is_empty() {
    assert!(parse_pipeline_csv("", "p.csv").expect("empty").0.is_empty());
    assert!(parse_pipeline_csv(&format!("{PIPELINE_2025_HEADER}\n"), "p.csv").expect("header").0.is_empty());
    assert!(parse_pipeline_csv(PIPELINE_2023_HEADER, "p.csv").expect("header").0.is_empty());
}

#[test]
fn pipeline_format_must_be_clear() {
    let error =
        parse_pipeline_csv("node_id,node_provider,data_center,data_center_provider,country,is_sev,no_nodes\n", "p.csv")
            .expect_err("both formats");
    assert_error(&error, "p.csv", Some(1), None);
    let error = parse_pipeline_csv("node_provider,data_center,data_center_provider,country,is_sev\n", "p.csv")
        .expect_err("none");
    assert_error(&error, "p.csv", Some(1), Some("node_id"));
}

#[test]
fn pipeline_errors_name_line_and_field() {
    let error =
        parse_pipeline_csv(&format!("{PIPELINE_2023_HEADER}\nP,dc,DCP,ES,True,-1\n"), "p.csv").expect_err("negative");
    assert_error(&error, "p.csv", Some(2), Some("no_nodes"));
    let error =
        parse_pipeline_csv(&format!("{PIPELINE_2023_HEADER}\nP,dc,DCP,ES,True,x\n"), "p.csv").expect_err("bad number");
    assert_error(&error, "p.csv", Some(2), Some("no_nodes"));
    let error =
        parse_pipeline_csv(&format!("{PIPELINE_2023_HEADER}\nP,dc,,ES,True,1\n"), "p.csv").expect_err("empty field");
    assert_error(&error, "p.csv", Some(2), Some("data_center_provider"));
    let error =
        parse_pipeline_csv(&format!("{PIPELINE_2023_HEADER}\nP,dc,DCP,ES,,1\n"), "p.csv").expect_err("empty is_sev");
    assert_error(&error, "p.csv", Some(2), Some("is_sev"));
    let error =
        parse_pipeline_csv(&format!("{PIPELINE_2023_HEADER}\nP,dc,DCP,ES,True\n"), "p.csv").expect_err("field count");
    assert_error(&error, "p.csv", Some(2), None);
    let error =
        parse_pipeline_csv(&format!("{PIPELINE_2025_HEADER}\n,P,dc,DCP,ES,True\n"), "p.csv").expect_err("no node_id");
    assert_error(&error, "p.csv", Some(2), Some("node_id"));
}

// ---------------------------------------------------------------- candidates

#[test]
fn candidates_csv_is_strict() {
    let text = format!(
        "{PIPELINE_2023_HEADER}\nLionel Messi,Buenos Aires 1,Peron Corporation,AR,true,1\n\
         \"Privoxy Solutions, LLC\",dr1,FiberState,US,FALSE, 2 \n"
    );
    let rows = parse_candidates_csv(&text, "candidates.csv").expect("valid candidates");
    assert_eq!(
        rows[0],
        CandidateRow {
            node_provider: "Lionel Messi".into(),
            data_center: "Buenos Aires 1".into(),
            data_center_provider: "Peron Corporation".into(),
            country: "AR".into(),
            is_sev: true,
            no_nodes: 1,
        }
    );
    assert_eq!(rows[1].node_provider, "Privoxy Solutions, LLC");
    assert!(!rows[1].is_sev);
    assert_eq!(rows[1].no_nodes, 2);
    assert!(parse_candidates_csv("", "c.csv").expect("empty").is_empty());
    assert!(parse_candidates_csv(PIPELINE_2023_HEADER, "c.csv").expect("header only").is_empty());
}

#[test]
fn candidates_csv_errors() {
    let bad = |row: &str| {
        parse_candidates_csv(&format!("{PIPELINE_2023_HEADER}\n{row}\n"), "c.csv").expect_err("bad candidate")
    };
    assert_error(&bad("P,dc,DCP,AR,yes,1"), "c.csv", Some(2), Some("is_sev"));
    assert_error(&bad("P,dc,DCP,AR,true,0"), "c.csv", Some(2), Some("no_nodes"));
    assert_error(&bad("P,dc,DCP,AR,true,two"), "c.csv", Some(2), Some("no_nodes"));
    assert_error(&bad("P,dc,DCP, AR,true,1"), "c.csv", Some(2), Some("country"));
    assert_error(&bad("P,,DCP,AR,true,1"), "c.csv", Some(2), Some("data_center"));
    assert_error(&bad("P,dc,DCP,AR,true"), "c.csv", Some(2), None);
    let error =
        parse_candidates_csv("node_provider,data_center,data_center_provider,country,is_sev,no_nodes,x\n", "c.csv")
            .expect_err("unknown column");
    assert_error(&error, "c.csv", Some(1), Some("x"));
    let error = parse_candidates_csv("node_provider,data_center,data_center_provider,country,is_sev\n", "c.csv")
        .expect_err("missing column");
    assert_error(&error, "c.csv", Some(1), Some("no_nodes"));
}

#[test]
fn candidate_argument() {
    let row = parse_candidate_arg("Lionel Messi,Buenos Aires 1,Peron Corporation,AR,True,1").expect("valid");
    assert_eq!(row.nodes().count(), 1);
    assert!(row.is_sev);
    let row = parse_candidate_arg("\"Privoxy Solutions, LLC\",dr1,FiberState,US,0,3").expect("quoted comma");
    assert_eq!(row.node_provider, "Privoxy Solutions, LLC");
    assert_eq!(row.nodes().filter(|n| !n.is_sev).count(), 3);

    let error = parse_candidate_arg("Privoxy Solutions, LLC,dr1,FiberState,US,0,3").expect_err("unquoted comma");
    assert_error(&error, "--candidate", None, None);
    let error = parse_candidate_arg("Lionel Messi, Buenos Aires 1,Peron Corporation,AR,true,1").expect_err("space");
    assert_error(&error, "--candidate", None, Some("data_center"));
    let error = parse_candidate_arg("P,dc,DCP,AR,maybe,1").expect_err("bad is_sev");
    assert_error(&error, "--candidate", None, Some("is_sev"));
    let error = parse_candidate_arg("").expect_err("empty");
    assert_error(&error, "--candidate", None, None);
}

#[test]
fn candidate_warnings_point_at_spellings_and_countries() {
    let (nodes, _) =
        parse_nodes_csv(&nodes_csv(&["n1,zh2,op,pr,ACCUSET SOLUTIONS,REPLICA,O,\"Asia,IN,Delhi\",UP,"]), "nodes.csv")
            .expect("valid");
    let inputs = Inputs {
        settings: RuleSet::Y2025.default_settings(),
        nodes,
        pipeline: Vec::new(),
        topology: Vec::new(),
        sev_providers: Vec::new(),
        cordons: Vec::new(),
        clusters: Vec::new(),
        special_limits: None,
        country_restrictions: None,
        warnings: Vec::new(),
    };
    let rows = [parse_candidate_arg("Accuset Solutions,gn1,Yotta,UK,true,1").expect("valid")];
    let warnings = candidate_warnings(&rows, "--candidate", &inputs);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings.iter().all(|w| w.source == "--candidate"));
}

// ---------------------------------------------------------------- SEV providers

#[test]
fn sev_providers_are_verbatim() {
    let (names, warnings) =
        parse_sev_providers_csv("provider_name\r\n\"Accuset Solutions\"\r\nMB Patrankos Šūvis\r\n", "sev.csv")
            .expect("valid list");
    assert_eq!(names, ["Accuset Solutions", "MB Patrankos Šūvis"]);
    assert!(warnings.is_empty());
    let error = parse_sev_providers_csv("name\nX\n", "sev.csv").expect_err("wrong header");
    assert_error(&error, "sev.csv", Some(1), Some("provider_name"));
}

// ---------------------------------------------------------------- blacklist

#[test]
fn blacklist_entries() {
    let text = "# comment\n\nfeatures:\n  - feature: node_provider\n    value: g7dkt-aapqq\n    explanation: Antwerp\n\
                \x20 - feature: node_id\n    value: '33mvi-izcix'\n  - {feature: data_center, value: zh2}\n";
    let (cordons, warnings) = parse_blacklist_yaml(text, "blacklist.yaml").expect("valid blacklist");
    assert_eq!(
        cordons,
        [
            Cordon { feature: CordonedFeature::NodeProvider, value: "g7dkt-aapqq".into() },
            Cordon { feature: CordonedFeature::NodeId, value: "33mvi-izcix".into() },
            Cordon { feature: CordonedFeature::DataCenter, value: "zh2".into() },
        ]
    );
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn blacklist_empty_forms() {
    for text in ["", "# nothing\n", "features:\n", "features: []\n", "---\n"] {
        let (cordons, _) = parse_blacklist_yaml(text, "b.yaml").expect("empty blacklist");
        assert!(cordons.is_empty(), "{text:?}");
    }
}

#[test]
fn blacklist_unknown_feature_is_an_error() {
    let text = "features:\n  - feature: node_id\n    value: a\n  - feature: subnet\n    value: b\n";
    let error = parse_blacklist_yaml(text, "b.yaml").expect_err("unknown feature");
    assert_error(&error, "b.yaml", Some(4), Some("feature"));
    assert!(error.reason.contains("`subnet`"), "{error}");
}

#[test]
fn blacklist_value_errors() {
    let error = parse_blacklist_yaml("features:\n  - feature: node_id\n", "b.yaml").expect_err("no value");
    assert_error(&error, "b.yaml", Some(2), Some("value"));
    let error =
        parse_blacklist_yaml("features:\n  - feature: node_id\n    value: 12345\n", "b.yaml").expect_err("number");
    assert_error(&error, "b.yaml", Some(3), Some("value"));
    let error = parse_blacklist_yaml("features:\n  - node_id\n", "b.yaml").expect_err("not a mapping");
    assert_error(&error, "b.yaml", Some(2), None);
    let error = parse_blacklist_yaml("features: node_id\n", "b.yaml").expect_err("not a list");
    assert_error(&error, "b.yaml", Some(1), Some("features"));
    let error = parse_blacklist_yaml("features:\n  - [unclosed\n", "b.yaml").expect_err("invalid YAML");
    assert_eq!(error.location.source, "b.yaml");
    assert!(error.location.line.is_some());
}

#[test]
fn blacklist_repeats_are_warned_about() {
    let text = "features:\n  - feature: node_id\n    value: a\n  - feature: node_id\n    value: a\nother: 1\n";
    let (cordons, warnings) = parse_blacklist_yaml(text, "b.yaml").expect("valid");
    assert_eq!(cordons.len(), 1);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
}

// ---------------------------------------------------------------- clusters

#[test]
fn clusters_keep_file_order() {
    let text = "{\n  \"Z group\": [\"B\", \"A\"],\n  \"A group\": [\"C\", \"A\"]\n}\n";
    let (clusters, warnings) = parse_clusters_json(text, "c.json").expect("valid clusters");
    let names: Vec<&str> = clusters.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Z group", "A group"], "file order, not sorted");
    assert_eq!(clusters[0].members, ["B", "A"]);
    assert_eq!(warnings.len(), 1, "A is in two groups: {warnings:?}");
    assert_eq!(warnings[0].line, Some(3));
    assert!(parse_clusters_json("{}", "c.json").expect("empty").0.is_empty());
}

#[test]
fn clusters_errors() {
    let error = parse_clusters_json("{\n  \"G\": \"A\"\n}", "c.json").expect_err("not a list");
    assert_error(&error, "c.json", Some(2), Some("/G"));
    let error = parse_clusters_json("{\n  \"G\": [1]\n}", "c.json").expect_err("not names");
    assert_error(&error, "c.json", Some(2), Some("/G"));
    let error = parse_clusters_json("[\"A\"]", "c.json").expect_err("not an object");
    assert_error(&error, "c.json", None, None);
    let error = parse_clusters_json("{\n  \"G\": [\"A\",]\n}", "c.json").expect_err("invalid JSON");
    assert_error(&error, "c.json", Some(2), None);
}

#[test]
fn clusters_duplicate_key_follows_python() {
    let text = "{\"G\": [\"A\"], \"H\": [\"B\"], \"G\": [\"C\"]}";
    let (clusters, warnings) = parse_clusters_json(text, "c.json").expect("valid");
    assert_eq!(clusters.len(), 2);
    assert_eq!((clusters[0].name.as_str(), clusters[0].members.as_slice()), ("G", ["C".to_string()].as_slice()));
    assert_eq!(warnings.len(), 1);
}

// ---------------------------------------------------------------- special limits

const SPECIAL_LIMITS: &str = r#"{
  "NNS": {"node_provider": {"DFINITY": [3, "eq"]}, "data_center": {"sh1": [2, "lt"]}},
  "tdb26-jop6k-aogll-7ltgs-eruif-6kk7m-qpktf-gdiqx-mxtrf-vb5e6-eqe": {"country": {"CH": [0, "lt"]}},
  "default": {"node_provider": {"DFINITY": [1, "lt"]}}
}"#;

#[test]
fn special_limits_scopes() {
    let (limits, warnings) = parse_special_limits_json(SPECIAL_LIMITS, "s.json").expect("valid limits");
    assert!(warnings.is_empty());
    let nns = &limits[&SpecialLimitScope::SubnetType("NNS".into())];
    assert_eq!(nns[&Attribute::NodeProvider]["DFINITY"], SpecialLimit { count: 3, op: LimitOp::Exactly });
    assert_eq!(nns[&Attribute::DataCenter]["sh1"], SpecialLimit { count: 2, op: LimitOp::AtMost });
    let id = SpecialLimitScope::SubnetId("tdb26-jop6k-aogll-7ltgs-eruif-6kk7m-qpktf-gdiqx-mxtrf-vb5e6-eqe".into());
    assert_eq!(limits[&id][&Attribute::Country]["CH"], SpecialLimit { count: 0, op: LimitOp::AtMost });
    assert!(limits.contains_key(&SpecialLimitScope::Default));
    assert!(parse_special_limits_json("{}", "s.json").expect("empty").0.is_empty());
}

#[test]
fn principal_form() {
    assert!(looks_like_principal("tdb26-jop6k-aogll-7ltgs-eruif-6kk7m-qpktf-gdiqx-mxtrf-vb5e6-eqe"));
    assert!(!looks_like_principal("NNS"));
    assert!(!looks_like_principal("subnet-1"));
    assert!(!looks_like_principal("European Subnet"));
}

#[test]
fn special_limits_bad_op_is_an_error() {
    let text = "{\n  \"NNS\": {\n    \"node_provider\": {\n      \"DFINITY\": [3, \"le\"]\n    }\n  }\n}";
    let error = parse_special_limits_json(text, "s.json").expect_err("bad op");
    assert_error(&error, "s.json", Some(4), Some("/NNS/node_provider/DFINITY"));
    let error = parse_special_limits_json(&text.replace("le", "gt"), "s.json").expect_err("gt");
    assert_error(&error, "s.json", Some(4), Some("/NNS/node_provider/DFINITY"));
    assert!(error.reason.contains("`gt`"), "{error}");
}

#[test]
fn special_limits_other_errors() {
    let bad = |text: &str| parse_special_limits_json(text, "s.json").expect_err("bad limits");
    assert_error(&bad(r#"{"NNS": {"region": {"x": [1, "lt"]}}}"#), "s.json", Some(1), Some("/NNS/region"));
    assert_error(&bad(r#"{"NNS": {"country": {"x": [-1, "lt"]}}}"#), "s.json", Some(1), Some("/NNS/country/x"));
    assert_error(&bad(r#"{"NNS": {"country": {"x": [1.5, "lt"]}}}"#), "s.json", Some(1), Some("/NNS/country/x"));
    assert_error(&bad(r#"{"NNS": {"country": {"x": [1]}}}"#), "s.json", Some(1), Some("/NNS/country/x"));
    assert_error(&bad(r#"{"NNS": {"country": {"x": 1}}}"#), "s.json", Some(1), Some("/NNS/country/x"));
    assert_error(&bad(r#"{"NNS": []}"#), "s.json", Some(1), Some("/NNS"));
}

#[test]
fn special_limits_resolve_against_topology() {
    let topology = format!("{TOPOLOGY_HEADER}\nNNS,tdb26-jop6k-aogll-7ltgs-eruif-6kk7m-qpktf-gdiqx-mxtrf-vb5e6-eqe,1,40,FALSE,1,1,1,3\nSwiss Subnet,xxx,1,13,FALSE,1,2,3,13\n");
    let (topology, _) = parse_topology_csv(&topology, "t.csv").expect("valid topology");
    let (limits, _) = parse_special_limits_json(SPECIAL_LIMITS, "s.json").expect("valid limits");
    let resolved = resolve_special_limits(limits, &topology, "s.json").expect("all scopes known");
    assert_eq!(resolved.len(), 3);

    // `xxx` has the form of a subnet type but is the id of the Swiss subnet.
    let (limits, _) = parse_special_limits_json(r#"{"xxx": {}}"#, "s.json").expect("valid");
    let resolved = resolve_special_limits(limits, &topology, "s.json").expect("known id");
    assert!(resolved.contains_key(&SpecialLimitScope::SubnetId("xxx".into())));

    let (limits, _) = parse_special_limits_json(r#"{"Application": {}}"#, "s.json").expect("valid");
    let error = resolve_special_limits(limits, &topology, "s.json").expect_err("unknown subnet type");
    assert_error(&error, "s.json", None, Some("/Application"));
    assert!(error.reason.contains("unknown subnet in special limits"), "{error}");
}

// ---------------------------------------------------------------- countries

#[test]
fn country_list() {
    assert_eq!(ISO_3166_ALPHA2.len(), 249);
    assert!(ISO_3166_ALPHA2.windows(2).all(|w| w[0] < w[1]), "sorted, no repeats");
    assert!(is_known_country("CH") && is_known_country("GB") && is_known_country("XK"));
    assert!(!is_known_country("UK") && !is_known_country(" KR") && !is_known_country("C1"));
}

// ---------------------------------------------------------------- configuration

/// A minimal valid set of files in `dir`.
fn write_minimal_files(dir: &Path) {
    write(dir, "nodes.csv", &nodes_csv(&["n1,zh2,op,pr,P,REPLICA,O,\"Europe,CH,Zurich\",UP,"]));
    write(dir, "topology.csv", &format!("{TOPOLOGY_HEADER}\nNNS,,1,1,FALSE,1,1,1,3\n"));
}

fn config_error(dir: &Path, config: &str) -> InputError {
    let path = write(dir, "config.json", config);
    load_config(&path).expect_err("bad configuration")
}

#[test]
fn config_minimal_takes_rule_set_defaults() {
    let dir = temp_dir("minimal");
    write_minimal_files(&dir);
    let path = write(&dir, "config.json", r#"{"nodes_file": "nodes.csv", "topology_file": "./topology.csv"}"#);
    let loaded = load_config(&path).expect("valid configuration");
    assert_eq!(loaded.inputs.settings, RuleSet::Y2025.default_settings());
    assert_eq!(loaded.inputs.nodes.len(), 1);
    assert_eq!(loaded.inputs.topology.len(), 1);
    assert!(loaded.inputs.pipeline.is_empty() && loaded.inputs.cordons.is_empty());
    assert!(loaded.inputs.clusters.is_empty() && loaded.inputs.sev_providers.is_empty());
    assert_eq!(loaded.inputs.special_limits, None);
    let roles: Vec<&str> = loaded.files.iter().map(|f| f.role.as_str()).collect();
    assert_eq!(roles, ["nodes_file", "topology_file"]);
    assert_eq!(loaded.files[1].path, "./topology.csv", "as written");
    let bytes = std::fs::read(dir.join("nodes.csv")).expect("read back");
    assert_eq!(loaded.files[0].sha256, sha256_hex(&bytes));
}

#[test]
fn config_settings_and_every_file() {
    let dir = temp_dir("full");
    write_minimal_files(&dir);
    std::fs::create_dir_all(dir.join("sub")).expect("subfolder");
    write(&dir, "sub/pipeline.csv", &format!("{PIPELINE_2023_HEADER}\nP,dc,DCP,DE,True,2\n"));
    write(&dir, "sub/blacklist.yaml", "features:\n  - feature: node_id\n    value: n1\n");
    write(&dir, "sub/clusters.json", r#"{"G": ["P", "Q"]}"#);
    write(&dir, "sub/limits.json", r#"{"NNS": {"node_provider": {"DFINITY": [3, "eq"]}}}"#);
    write(&dir, "sub/sev.csv", "provider_name\nP\n");
    let path = write(
        &dir,
        "config.json",
        r#"{
  "nodes_file": "nodes.csv", "topology_file": "topology.csv",
  "node_pipeline_file": "sub/pipeline.csv", "blacklist_file": "sub/blacklist.yaml",
  "scenario": "sub/clusters.json", "special_limits_file": "sub/limits.json", "sev_providers_file": "sub/sev.csv",
  "no_synthetic_countries": 3, "enforce_sev_constraint": true, "enforce_health_constraint": false,
  "enforce_blacklist_constraint": false, "enforce_per_node_provider_assignation": false,
  "rules": "2024-11", "mode": "minimize_new_nodes"
}"#,
    );
    let loaded = load_config(&path).expect("valid configuration");
    let settings = loaded.inputs.settings;
    assert_eq!(settings.rules, RuleSet::Nov2024);
    assert_eq!(settings.synthetic_countries, 3);
    assert!(settings.enforce_sev && !settings.enforce_health && !settings.enforce_blacklist);
    assert!(!settings.enforce_per_provider_minimum);
    assert_eq!(loaded.inputs.pipeline.len(), 2);
    assert_eq!(loaded.inputs.cordons.len(), 1);
    assert_eq!(loaded.inputs.clusters[0].name, "G");
    assert!(loaded.inputs.special_limits.is_some());
    assert_eq!(loaded.inputs.sev_providers, ["P"]);
    let roles: Vec<&str> = loaded.files.iter().map(|f| f.role.as_str()).collect();
    assert_eq!(roles, FILE_KEYS, "every file, in the order of the keys");
    assert!(loaded.files.iter().all(|f| f.sha256.len() == 64 && f.sha256.bytes().all(|b| b.is_ascii_hexdigit())));
    // The one warning: the cluster's member `Q` is no provider of the nodes or the pipeline.
    let warnings = &loaded.inputs.warnings;
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].field.as_deref(), Some("members"));
    assert!(warnings[0].source.ends_with("sub/clusters.json"), "{warnings:?}");
    assert!(warnings[0].message.contains("member `Q` matches no node provider"), "{warnings:?}");
}

#[test]
fn config_null_optional_file_is_absent() {
    let dir = temp_dir("null");
    write_minimal_files(&dir);
    let path = write(
        &dir,
        "config.json",
        r#"{"nodes_file": "nodes.csv", "topology_file": "topology.csv", "special_limits_file": null}"#,
    );
    assert_eq!(load_config(&path).expect("valid").inputs.special_limits, None);
}

#[test]
fn config_unknown_key_is_an_error() {
    let dir = temp_dir("unknown-key");
    write_minimal_files(&dir);
    let error = config_error(
        &dir,
        "{\n  \"nodes_file\": \"nodes.csv\",\n  \"topology_file\": \"topology.csv\",\n  \"nodes\": 1\n}",
    );
    assert_error(&error, &dir.join("config.json").display().to_string(), Some(4), Some("nodes"));
}

#[test]
fn config_wrong_type_is_an_error() {
    let dir = temp_dir("wrong-type");
    write_minimal_files(&dir);
    let source = dir.join("config.json").display().to_string();
    let base = r#""nodes_file": "nodes.csv", "topology_file": "topology.csv""#;
    for (extra, key) in [
        (r#""enforce_sev_constraint": "yes""#, "enforce_sev_constraint"),
        (r#""no_synthetic_countries": 2.5"#, "no_synthetic_countries"),
        (r#""no_synthetic_countries": -1"#, "no_synthetic_countries"),
        (r#""rules": 2025"#, "rules"),
        (r#""scenario": ["a.json"]"#, "scenario"),
    ] {
        let error = config_error(&dir, &format!("{{{base},\n{extra}}}"));
        assert_error(&error, &source, Some(2), Some(key));
    }
    let error = config_error(&dir, "[]");
    assert_error(&error, &source, None, None);
}

#[test]
fn config_unknown_rule_set_and_mode() {
    let dir = temp_dir("rules");
    write_minimal_files(&dir);
    let source = dir.join("config.json").display().to_string();
    let base = r#""nodes_file": "nodes.csv", "topology_file": "topology.csv""#;
    let error = config_error(&dir, &format!("{{{base},\n\"rules\": \"2024\"}}"));
    assert_error(&error, &source, Some(2), Some("rules"));
    assert!(error.reason.contains("unknown rule set `2024`"), "{error}");
    let error = config_error(&dir, &format!("{{{base},\n\"mode\": \"fastest\"}}"));
    assert_error(&error, &source, Some(2), Some("mode"));

    let path = write(&dir, "config.json", &format!("{{{base},\n\"mode\": \"minimize_node_swaps\"}}"));
    let loaded = load_config(&path).expect("the swap mode is a mode of its own");
    assert_eq!(loaded.mode, ic_topology::files::Mode::MinimizeNodeSwaps);
    assert!(warnings_about(&loaded.inputs.warnings, "mode").is_empty());
}

#[test]
fn config_missing_file_is_an_error() {
    let dir = temp_dir("missing-file");
    write_minimal_files(&dir);
    let error = config_error(
        &dir,
        r#"{"nodes_file": "nodes.csv", "topology_file": "topology.csv", "node_pipeline_file": "nope.csv"}"#,
    );
    assert_error(&error, &dir.join("config.json").display().to_string(), Some(1), Some("node_pipeline_file"));
    assert!(error.reason.contains(&dir.join("nope.csv").display().to_string()), "{error}");

    let error = config_error(&dir, r#"{"topology_file": "topology.csv"}"#);
    assert_eq!(error.location.field.as_deref(), Some("nodes_file"));

    let missing = dir.join("absent.json");
    let error = load_config(&missing).expect_err("no configuration file");
    assert_error(&error, &missing.display().to_string(), None, None);
}

#[test]
fn config_scenario_folder_is_an_error() {
    let dir = temp_dir("scenario-dir");
    write_minimal_files(&dir);
    std::fs::create_dir_all(dir.join("scenarios")).expect("folder");
    write(&dir, "scenarios/b.json", "{}");
    write(&dir, "scenarios/a.json", "{}");
    let error =
        config_error(&dir, r#"{"nodes_file": "nodes.csv", "topology_file": "topology.csv", "scenario": "scenarios"}"#);
    assert_error(&error, &dir.join("config.json").display().to_string(), Some(1), Some("scenario"));
    assert!(error.reason.contains("one result per cluster file in it"), "{error}");
    assert!(error.reason.contains("a.json, b.json"), "{error}");
}

#[test]
fn config_unknown_subnet_in_special_limits_is_an_error() {
    let dir = temp_dir("special-subnet");
    write_minimal_files(&dir);
    let limits = write(&dir, "limits.json", "{\n  \"default\": {},\n  \"SNS\": {}\n}\n");
    let error = config_error(
        &dir,
        r#"{"nodes_file": "nodes.csv", "topology_file": "topology.csv", "special_limits_file": "limits.json"}"#,
    );
    assert_error(&error, &limits.display().to_string(), Some(3), Some("/SNS"));
    assert!(error.reason.contains("unknown subnet in special limits"), "{error}");
}

#[test]
fn config_errors_in_files_name_the_file() {
    let dir = temp_dir("file-errors");
    write_minimal_files(&dir);
    let topology = write(&dir, "topology.csv", &format!("{TOPOLOGY_HEADER}\nNNS,,1,43,FALSE,0,1,1,3\n"));
    let error = config_error(&dir, r#"{"nodes_file": "nodes.csv", "topology_file": "topology.csv"}"#);
    assert_error(&error, &topology.display().to_string(), Some(2), Some("subnet_limit_node_provider"));
}

#[test]
fn config_warns_about_provider_spellings_across_files() {
    let dir = temp_dir("spellings");
    write_minimal_files(&dir);
    write(&dir, "nodes.csv", &nodes_csv(&["n1,gn1,op,pr,ACCUSET SOLUTIONS,REPLICA,Yotta,\"Asia,IN,Delhi\",UP,"]));
    let pipeline = write(&dir, "p.csv", &format!("{PIPELINE_2023_HEADER}\nAccuset Solutions,gn1,Yotta,IN,True,1\n"));
    let sev = write(&dir, "sev.csv", "provider_name\nAccuset  Solutions\n");
    let path = write(
        &dir,
        "config.json",
        r#"{"nodes_file": "nodes.csv", "topology_file": "topology.csv", "node_pipeline_file": "p.csv",
            "sev_providers_file": "sev.csv"}"#,
    );
    let warnings = load_config(&path).expect("valid").inputs.warnings;
    let spelled: Vec<&Warning> = warnings.iter().filter(|w| w.message.contains("is spelled")).collect();
    assert_eq!(spelled.len(), 2, "{warnings:?}");
    assert_eq!(spelled[0].source, pipeline.display().to_string());
    assert_eq!(spelled[0].line, Some(2));
    assert_eq!(spelled[1].source, sev.display().to_string());
}

// ---------------------------------------------------------------- real snapshots

fn shared_data() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: ../shared/data not found (the reference snapshots are only in CI)");
        None
    }
}

fn read(dir: &Path, relative: &str) -> String {
    std::fs::read_to_string(dir.join(relative)).expect("a snapshot file")
}

/// Writes a configuration naming files by absolute path and loads it.
fn load_snapshot(name: &str, config: serde_json::Value) -> ic_topology::files::LoadedConfig {
    let dir = temp_dir(name);
    let path = write(&dir, "config.json", &serde_json::to_string_pretty(&config).expect("JSON"));
    load_config(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn snapshot_2023_12() {
    let Some(data) = shared_data() else { return };
    let (nodes, _) = parse_nodes_csv(&read(&data, "snapshot-2023-12/nodes.csv"), "nodes.csv").expect("nodes");
    assert_eq!(nodes.len(), 1283);
    assert_eq!(nodes.iter().filter(|n| n.subnet_id.is_some()).count(), 546);
    assert!(nodes.iter().all(|n| n.node_type.is_none()), "no node_type column in 2023");

    // pandas: 38 rows, no_nodes sums to 70; the is_sev column is text ('True'
    // and ' True'), so every node is SEV-capable.
    let (pipeline, warnings) =
        parse_pipeline_csv(&read(&data, "snapshot-2023-12/node_pipeline.csv"), "pipeline.csv").expect("pipeline");
    assert_eq!(pipeline.len(), 70);
    assert!(pipeline.iter().all(|n| n.is_sev));
    let countries: Vec<&str> = pipeline.iter().map(|n| n.country.as_str()).collect();
    assert_eq!(countries.iter().filter(|c| **c == " KR").count(), 25);
    assert_eq!(countries.iter().filter(|c| **c == " IN").count(), 6);
    assert_eq!(countries.iter().filter(|c| **c == " LK").count(), 4);
    assert_eq!(pipeline.iter().filter(|n| n.data_center == " gn1").count(), 6);
    let sev = warnings_about(&warnings, "is_sev");
    assert_eq!(sev.len(), 1, "` True`, merged over its three lines: {sev:?}");
    assert_eq!(sev[0].line, Some(37));

    let (topology, _) =
        parse_topology_csv(&read(&data, "snapshot-2023-12/target_topology.csv"), "t.csv").expect("topology");
    assert_eq!(topology.len(), 40);
    assert_eq!(topology.iter().filter(|s| s.is_sev).count(), 5);
    assert!(topology.iter().all(|s| s.limits[Attribute::Country.index()] == if s.size >= 28 { 3 } else { 2 }));

    let (sev, _) =
        parse_sev_providers_csv(&read(&data, "snapshot-2023-12/sev_providers.csv"), "sev.csv").expect("SEV list");
    assert_eq!(sev.len(), 39);

    let d = |p: &str| data.join(p);
    let loaded = load_snapshot(
        "oracle-1",
        serde_json::json!({
            "nodes_file": d("snapshot-2023-12/nodes.csv"),
            "topology_file": d("snapshot-2023-12/target_topology.csv"),
            "node_pipeline_file": d("snapshot-2023-12/node_pipeline.csv"),
            "sev_providers_file": d("snapshot-2023-12/sev_providers.csv"),
            "rules": "2023-12",
        }),
    );
    assert_eq!(loaded.inputs.settings, RuleSet::Dec2023.default_settings());
    assert_eq!((loaded.inputs.nodes.len(), loaded.inputs.pipeline.len()), (1283, 70));
    assert_eq!(loaded.files.len(), 4);
    // The nodes spell `ACCUSET SOLUTIONS`, the pipeline and the SEV list `Accuset Solutions`.
    let spelled = loaded.inputs.warnings.iter().filter(|w| w.message.contains("`ACCUSET SOLUTIONS`")).count();
    assert_eq!(spelled, 2, "{:?}", loaded.inputs.warnings);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn snapshot_2024_11() {
    let Some(data) = shared_data() else { return };
    let d = |p: &str| data.join(p);
    let loaded = load_snapshot(
        "oracle-3",
        serde_json::json!({
            "nodes_file": d("snapshot-2024-11/nodes.csv"),
            "topology_file": d("snapshot-2024-11/target_topology.csv"),
            "node_pipeline_file": d("snapshot-2024-11/node_pipeline.csv"),
            "sev_providers_file": d("snapshot-2024-11/sev_providers.csv"),
            "rules": "2024-11",
        }),
    );
    let inputs = &loaded.inputs;
    assert_eq!(inputs.settings, RuleSet::Nov2024.default_settings());
    assert_eq!(inputs.nodes.len(), 1406);
    assert_eq!(inputs.nodes.iter().filter(|n| n.node_type.as_deref() == Some("API_BOUNDARY")).count(), 3);
    assert_eq!(inputs.topology.len(), 60);
    assert_eq!(inputs.topology.iter().filter(|s| s.subnet_type == "Application").count(), 51);
    assert_eq!(inputs.pipeline.len(), 12);
    assert!(inputs.pipeline.iter().all(|n| n.is_sev && n.country == "CH"));
    assert_eq!(inputs.sev_providers.len(), 43);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn snapshot_2025_08_nodes() {
    let Some(data) = shared_data() else { return };
    let (nodes, _) = parse_nodes_csv(&read(&data, "snapshot-2025-08/nodes.csv"), "nodes.csv").expect("nodes");
    assert_eq!(nodes.len(), 1449);
    assert_eq!(nodes.iter().filter(|n| n.subnet_id.is_some()).count(), 701);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn snapshot_2025_10() {
    let Some(data) = shared_data() else { return };
    let (topology, _) =
        parse_topology_csv(&read(&data, "snapshot-2025-10/topology/prod_topology.csv"), "t.csv").expect("topology");
    assert_eq!(topology.len(), 47);
    assert!(topology.iter().all(|s| s.subnet_id.is_some()));
    let (target, _) =
        parse_topology_csv(&read(&data, "snapshot-2025-10/topology/target_topology.csv"), "t.csv").expect("target");
    assert_eq!(target.len(), 59);
    let (current, _) = parse_topology_csv(&read(&data, "snapshot-2025-10/topology/current_topology_CH.csv"), "t.csv")
        .expect("current");
    assert_eq!(current.len(), 38);

    let (cordons, _) =
        parse_blacklist_yaml(&read(&data, "snapshot-2025-10/blacklist.yaml"), "b.yaml").expect("blacklist");
    assert_eq!(cordons.len(), 3);
    assert_eq!(cordons[0].feature, CordonedFeature::NodeProvider);

    let (clusters, _) = parse_clusters_json(&read(&data, "snapshot-2025-10/cluster_scenarios/99_prod.json"), "c.json")
        .expect("clusters");
    let names: Vec<&str> = clusters.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["NP Group: 1", "NP Group: 2"]);
    assert_eq!(clusters[0].members.len(), 5);
    let (base, _) =
        parse_clusters_json(&read(&data, "snapshot-2025-10/cluster_scenarios/00_base.json"), "c.json").expect("base");
    assert!(base.is_empty());

    for (file, count) in [("11_new_subnets.csv", 0), ("node_pipeline.csv", 8), ("node_pipeline_CH.csv", 6)] {
        let text = read(&data, &format!("snapshot-2025-10/node_pipelines/{file}"));
        let (pipeline, _) = parse_pipeline_csv(&text, file).expect("pipeline");
        assert_eq!(pipeline.len(), count, "{file}");
        assert!(pipeline.iter().all(|n| n.node_id.is_some()));
    }

    let d = |p: &str| data.join(p);
    let loaded = load_snapshot(
        "oracle-4",
        serde_json::json!({
            "nodes_file": d("snapshot-2025-10/nodes.csv"),
            "topology_file": d("snapshot-2025-10/topology/prod_topology.csv"),
            "node_pipeline_file": d("snapshot-2025-10/node_pipelines/11_new_subnets.csv"),
            "blacklist_file": d("snapshot-2025-10/blacklist.yaml"),
            "scenario": d("snapshot-2025-10/cluster_scenarios/99_prod.json"),
            "mode": "minimize_node_swaps",
            "no_synthetic_countries": 6,
            "enforce_sev_constraint": false,
            "enforce_health_constraint": true,
            "enforce_blacklist_constraint": true,
            "enforce_per_node_provider_assignation": true,
        }),
    );
    let inputs = &loaded.inputs;
    assert_eq!(inputs.settings, RuleSet::Y2025.default_settings());
    assert_eq!((inputs.nodes.len(), inputs.topology.len(), inputs.pipeline.len()), (1447, 47, 0));
    assert_eq!(inputs.nodes.iter().filter(|n| n.node_type.as_deref() == Some("API_BOUNDARY")).count(), 20);
    assert_eq!((inputs.cordons.len(), inputs.clusters.len()), (3, 2));
    assert_eq!(inputs.special_limits, None, "the rule set's default NNS limits apply");
    assert_eq!(loaded.files.len(), 5);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn scenario_app75_with_dfinity_at_most_one() {
    let Some(data) = shared_data() else { return };
    let (limits, _) =
        parse_special_limits_json(&read(&data, "scenarios/special_limits_dfinity_at_most_one.json"), "s.json")
            .expect("limits");
    let scopes: Vec<&SpecialLimitScope> = limits.keys().collect();
    assert_eq!(scopes, [&SpecialLimitScope::SubnetType("NNS".into()), &SpecialLimitScope::Default]);
    let nns = &limits[&SpecialLimitScope::SubnetType("NNS".into())];
    assert_eq!(nns[&Attribute::NodeProvider]["DFINITY"], SpecialLimit { count: 3, op: LimitOp::Exactly });
    assert_eq!(nns[&Attribute::DataCenter].len(), 2);
    assert_eq!(nns[&Attribute::DataCenterProvider]["Digital Realty"], SpecialLimit { count: 2, op: LimitOp::AtMost });
    let default = &limits[&SpecialLimitScope::Default];
    assert_eq!(default[&Attribute::NodeProvider]["DFINITY"], SpecialLimit { count: 1, op: LimitOp::AtMost });

    let d = |p: &str| data.join(p);
    let loaded = load_snapshot(
        "oracle-5",
        serde_json::json!({
            "nodes_file": d("snapshot-2025-10/nodes.csv"),
            "topology_file": d("scenarios/target_topology_app75.csv"),
            "node_pipeline_file": d("snapshot-2025-10/node_pipelines/11_new_subnets.csv"),
            "blacklist_file": d("snapshot-2025-10/blacklist.yaml"),
            "scenario": d("snapshot-2025-10/cluster_scenarios/99_prod.json"),
            "special_limits_file": d("scenarios/special_limits_dfinity_at_most_one.json"),
            "rules": "2025",
        }),
    );
    assert_eq!(loaded.inputs.topology.len(), 83);
    assert_eq!(loaded.inputs.special_limits.as_ref(), Some(&limits), "NNS is a subnet type of the topology");
    let roles: Vec<&str> = loaded.files.iter().map(|f| f.role.as_str()).collect();
    assert_eq!(
        roles,
        ["nodes_file", "topology_file", "node_pipeline_file", "blacklist_file", "scenario", "special_limits_file"]
    );
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data (the reference snapshots, beside the checkout in CI)")]
fn anchor_examples_load() {
    let Some(data) = shared_data() else { return };
    let examples = data.join("anchor-examples");
    let mut names: Vec<String> = std::fs::read_dir(&examples)
        .expect("anchor examples")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 4);
    for name in names {
        // Their own configs name paths from the reference repository's root
        // (`./examples/<name>/data/...`); point at the same files from here.
        let original: serde_json::Value =
            serde_json::from_str(&read(&examples, &format!("{name}/config.json"))).expect("config JSON");
        let mut config = original.clone();
        let object = config.as_object_mut().expect("an object");
        for key in FILE_KEYS {
            if let Some(serde_json::Value::String(path)) = object.get(key) {
                let relative = path.trim_start_matches(&format!("./examples/{name}/"));
                object.insert(key.to_string(), serde_json::json!(examples.join(&name).join(relative)));
            }
        }
        let loaded = load_snapshot(&name, config);
        let settings = loaded.inputs.settings;
        assert_eq!(serde_json::json!(settings.enforce_health), original["enforce_health_constraint"], "{name}");
        assert_eq!(serde_json::json!(settings.synthetic_countries), original["no_synthetic_countries"], "{name}");
        assert!(!loaded.inputs.nodes.is_empty());
        assert_eq!(loaded.inputs.special_limits, Some(Default::default()), "`{{}}`: no special limits at all");
        // They are membership plans: the mode is read, not warned about.
        assert_eq!(loaded.mode, ic_topology::files::Mode::MinimizeNodeSwaps, "{name}");
    }
}

// ---------------------------------------------------------------- robustness

mod no_panics {
    use super::*;
    use proptest::prelude::*;

    fn parse_everything(text: &str) {
        let _ = parse_nodes_csv(text, "x");
        let _ = parse_topology_csv(text, "x");
        let _ = parse_pipeline_csv(text, "x");
        let _ = parse_sev_providers_csv(text, "x");
        let _ = parse_candidates_csv(text, "x");
        let _ = parse_candidate_arg(text);
        let _ = parse_blacklist_yaml(text, "x");
        let _ = parse_clusters_json(text, "x");
        let _ = parse_special_limits_json(text, "x");
    }

    proptest! {
        #[test]
        fn on_arbitrary_text(text in "\\PC{0,200}") {
            parse_everything(&text);
        }

        #[test]
        fn on_format_like_text(text in "[a-z_,\"\n\r :{}\\[\\]\\-'#01TF]{0,300}") {
            parse_everything(&text);
        }

        #[test]
        fn on_csv_rows(rows in proptest::collection::vec("[a-zA-Z0-9 ,\"]{0,40}", 0..8)) {
            for header in [NODES_HEADER, TOPOLOGY_HEADER, PIPELINE_2023_HEADER, PIPELINE_2025_HEADER] {
                parse_everything(&format!("{header}\n{}", rows.join("\n")));
            }
        }
    }

    #[test]
    fn on_deep_nesting() {
        let deep = "[".repeat(100_000);
        parse_everything(&deep);
        parse_everything(&format!("features: {deep}"));
        parse_everything(&"{\"a\":".repeat(10_000));
    }
}

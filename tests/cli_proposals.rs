//! `topology proposal --id N FILE`: a verdict read from a file (its Candid
//! bytes, hex or raw, or a `list_proposal_verdicts` reply) rendered as text;
//! a file without that proposal, or not a verdict, is refused with the reason.
//! (`verify-certificate` on a verdict is driven against the real module in
//! canister/tests/wasm_governance.rs.)

use ic_topology::api::{self, ClaimCheck, ProposalKind, ProposalStatus, VerdictOutcome};
use std::process::Command;

fn verdict(id: u64) -> api::ProposalVerdict {
    api::ProposalVerdict {
        proposal_id: id,
        title: Some("Remove two nodes".into()),
        kind: ProposalKind::RemoveNodes,
        nns_function: 18,
        topic: 5,
        status: ProposalStatus::Open,
        proposal_timestamp_seconds: 1_750_000_000,
        deadline_timestamp_seconds: Some(1_750_400_000),
        registry_version: 51_234,
        topology_sha256: "ab".repeat(32),
        configuration_sha256: "cd".repeat(32),
        outcome: VerdictOutcome::Removal {
            node_ids: vec!["node-a".into(), "node-b".into()],
            before: api::ObjectiveOutcome {
                status: api::Status::Optimal,
                objective: Some(4),
                lower_bound: 4,
                upper_bound: Some(4),
            },
            after: api::ObjectiveOutcome {
                status: api::Status::Optimal,
                objective: Some(6),
                lower_bound: 6,
                upper_bound: Some(6),
            },
        },
        claims: api::SummaryClaims {
            before: ClaimCheck::Matches { value: 4 },
            after: ClaimCheck::Differs { claimed: 5, computed: Some(6) },
        },
    }
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_topology")).args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn a_verdict_file_is_rendered_and_a_wrong_one_refused() {
    let dir = std::env::temp_dir().join(format!("cli-proposals-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let raw = dir.join("verdict.bin");
    std::fs::write(&raw, candid::encode_one(verdict(139_000)).unwrap()).unwrap();
    let (code, out, err) = run(&["proposal", "--id", "139000", raw.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, ic_topology::proposals::render::render(&verdict(139_000)));
    assert!(out.starts_with("Proposal 139000: Remove two nodes\n"), "{out}");
    assert!(
        out.contains("- ObjectiveValue before (with the nodes): 4\n- ObjectiveValue after (without the nodes): 6\n"),
        "{out}"
    );
    assert!(out.contains("- ObjectiveValue after: differs (claimed 5, computed 6)"), "{out}");

    // A page of verdicts, as hex.
    let page: api::Result<api::ProposalVerdictPage> =
        Ok(api::ProposalVerdictPage { verdicts: vec![verdict(139_001), verdict(139_000)], next_before: None });
    let hex: String = candid::encode_one(page).unwrap().iter().map(|b| format!("{b:02x}")).collect();
    let listed = dir.join("page.hex");
    std::fs::write(&listed, hex).unwrap();
    let (code, out, _) = run(&["proposal", "--id", "139001", listed.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(out.starts_with("Proposal 139001: "), "{out}");

    let (code, _, err) = run(&["proposal", "--id", "7", listed.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("holds no verdict on proposal 7"), "{err}");
    let junk = dir.join("junk.txt");
    std::fs::write(&junk, "not a verdict").unwrap();
    let (code, _, err) = run(&["proposal", "--id", "7", junk.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("neither a get_proposal_verdict"), "{err}");
    std::fs::remove_dir_all(dir).ok();
}

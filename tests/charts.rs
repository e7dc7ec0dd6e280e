//! The chart renderer against the engine: every number drawn equals the
//! engine's answer (subnet sizes, per-value counts, Nakamoto coefficients,
//! limits, the curve and the optimal deployment size), the same inputs give
//! the same bytes, and `topology evaluate --charts DIR` writes exactly these charts.

use ic_topology::charts::{self, Chart};
use ic_topology::evaluate::{self, subnet_nodes};
use ic_topology::files;
use ic_topology::inputs::{Attribute, CandidateRow};
use ic_topology::solve::Budget;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn messi(n: u32) -> CandidateRow {
    CandidateRow {
        node_provider: "Lionel Messi".into(),
        data_center: "Buenos Aires 1".into(),
        data_center_provider: "Peron Corporation".into(),
        country: "AR".into(),
        is_sev: true,
        no_nodes: n,
    }
}

fn attr(element: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = element.find(&key)? + key.len();
    let end = element[start..].find('"')?;
    Some(element[start..start + end].to_string())
}

fn elements_with<'a>(svg: &'a str, name: &str) -> Vec<&'a str> {
    svg.split('<').filter(|e| e.contains(&format!(" {name}="))).collect()
}

fn default_evaluation() -> (ic_topology::model::Model, evaluate::Evaluation) {
    let config =
        files::load_config(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/defaults/generated/config.json"))).unwrap();
    evaluate::evaluate(&config.inputs, &[messi(6)], Budget::default())
}

#[test]
fn every_number_drawn_is_the_engines_and_the_bytes_repeat() {
    let (model, ev) = default_evaluation();
    let allocation = ev.solution.allocation.as_ref().expect("an allocation");
    let subnets = subnet_nodes(&model, allocation);
    let charts = charts::evaluation_charts(&model, &ev);
    assert_eq!(charts.len(), 9, "two per attribute and the curve");
    assert_eq!(charts, charts::evaluation_charts(&model, &ev), "byte-identical for the same inputs");
    let find = |name: &str| -> &Chart { charts.iter().find(|c| c.file_name == name).unwrap() };
    for a in Attribute::ALL {
        // The engine's per-subnet counts of each value, from the class allocation.
        let counts: Vec<BTreeMap<u32, u32>> = allocation
            .subnets
            .iter()
            .map(|entries| {
                let mut m = BTreeMap::new();
                for &(c, n) in entries {
                    *m.entry(model.classes[c as usize].values[a.index()]).or_default() += n;
                }
                m
            })
            .collect();
        let bars_svg = &find(&format!("{}_node_allocation.svg", a.name())).svg;
        let groups: Vec<&str> = bars_svg.split("<g data-subnet=").skip(1).collect();
        assert_eq!(groups.len(), model.subnets.len());
        for (i, g) in groups.iter().enumerate() {
            let g = format!(" data-subnet={}", g.split("</g>").next().unwrap());
            assert_eq!(attr(&g, "data-nodes").unwrap(), model.subnets[i].size.to_string(), "subnet {i} is full");
            assert_eq!(attr(&g, "data-nakamoto").unwrap(), subnets[i].nakamoto[a.index()].to_string(), "{a:?} {i}");
            let drawn: BTreeMap<u32, u32> = elements_with(&g, "data-v")
                .iter()
                .map(|r| (attr(r, "data-v").unwrap().parse().unwrap(), attr(r, "data-count").unwrap().parse().unwrap()))
                .collect();
            assert_eq!(drawn, counts[i], "{a:?} subnet {i}: the segments");
        }
        let matrix = &find(&format!("{}_topology_matrix.svg", a.name())).svg;
        let mut cells: Vec<BTreeMap<u32, u32>> = vec![BTreeMap::new(); model.subnets.len()];
        let cell_elements = elements_with(matrix, "data-s");
        assert_eq!(
            cell_elements.len(),
            counts.iter().map(BTreeMap::len).sum::<usize>(),
            "{a:?}: a cell per value and subnet"
        );
        for e in cell_elements {
            let i: usize = attr(e, "data-s").unwrap().parse().unwrap();
            let count: u32 = e.split('>').nth(1).unwrap().parse().unwrap();
            let limit = attr(e, "data-l").map_or(model.subnets[i].limits[a.index()], |l| l.parse().unwrap());
            assert!(count <= limit, "{a:?} subnet {i}: {count} over its limit {limit}");
            *cells[i].entry(count).or_default() += 1;
        }
        for (i, c) in counts.iter().enumerate() {
            let mut expected = BTreeMap::new();
            for &n in c.values() {
                *expected.entry(n).or_default() += 1;
            }
            assert_eq!(cells[i], expected, "{a:?} subnet {i}: the matrix column");
        }
        // The column headings carry each subnet's default limit.
        for (i, s) in model.subnets.iter().enumerate() {
            assert!(matrix.contains(&format!("data-subnet=\"{i}\" data-limit=\"{}\"", s.limits[a.index()])));
        }
    }
    let curve = &find("curve.svg").svg;
    assert_eq!(ev.curve.len(), 7);
    for p in &ev.curve {
        let v = p.objective.map_or("unknown".to_string(), |v| v.to_string());
        assert!(curve.contains(&format!("data-nodes=\"{}\" data-objective=\"{v}\"", p.nodes)), "point {}", p.nodes);
    }
    assert_eq!(elements_with(curve, "data-objective").len(), ev.curve.len());
    if let Some(size) = ev.optimal_deployment_size {
        assert!(curve.contains(&format!("data-optimal-deployment-size=\"{size}\"")));
    }
}

#[test]
fn evaluate_charts_writes_the_same_files() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("charts-cli");
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(env!("CARGO_BIN_EXE_topology"))
        .args(["evaluate", "--config", "defaults/generated/config.json"])
        .args(["--candidate", "Lionel Messi,Buenos Aires 1,Peron Corporation,AR,true,6", "--charts"])
        .arg(&dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (model, ev) = default_evaluation();
    for chart in charts::evaluation_charts(&model, &ev) {
        let written = std::fs::read_to_string(dir.join(&chart.file_name)).unwrap();
        assert_eq!(written, chart.svg, "{}", chart.file_name);
    }
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 9);
    // A folder that cannot be created is a bad argument (exit 2), not a panic.
    let out = Command::new(env!("CARGO_BIN_EXE_topology"))
        .args(["evaluate", "--charts", "/proc/no-such/charts"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--charts"));
}

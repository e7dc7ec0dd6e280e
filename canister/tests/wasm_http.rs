//! The dashboard through the real module (wasmi test host): every route's
//! status, content type and body; the certification headers checked with
//! `ic-response-verification` (the HTTP gateway's own check) against a
//! certificate of the host's certified data; 404 and 400 never trap; the
//! charts equal, byte for byte, the engine's charts of the canister's own
//! export, and their numbers equal the canister's allocation; the kept
//! membership plan's page and chart equal `plan_membership_changes`; the
//! proposal list answers (its verdicts are checked in wasm_governance.rs); a
//! request with another method gets a 405 the gateway verifies. The
//! instructions of every route are measured (INSTRUCTIONS_REPORT=path).

mod fake_registry;
mod support;

use candid::{encode_args, encode_one};
use ic_topology::{certification, charts, export, inputs::Attribute, model, solve};
use support::ic_host::Host;
use support::*;
use topology_canister::api;

const SUBNET_SECRET: [u8; 32] = {
    let mut k = [0u8; 32];
    k[31] = 91;
    k
};
const NOW: u64 = 1_763_700_000_000_000_000;

/// The default network as generated, with its subnets' members and the
/// topology's subnet ids (the shipped `defaults/` has them emptied), so the
/// overview has rows and the canister keeps a membership plan.
pub fn loaded(wasm: &[u8]) -> Host {
    let mut h = Host::new(wasm).expect("the module loads");
    h.set_controllers(vec![CONTROLLER.to_vec()]);
    h.set_caller(&CONTROLLER);
    let network = ic_topology_generate::generate(&ic_topology_generate::DEFAULT_PARAMS).unwrap();
    let (topology, _) = ic_topology::files::parse_topology_csv(&network.topology_csv, "generated").unwrap();
    let init = api::InitArgs {
        topology: Some(api::SetTopologyRequest {
            subnets: topology.iter().map(ic_topology::api::SubnetSpec::from).collect(),
            proposal: 0,
        }),
        configuration: None,
    };
    h.install(&encode_one(Some(init)).unwrap()).expect("install");
    let nodes = fake_registry::generated_nodes(&ic_topology_generate::DEFAULT_PARAMS);
    let nodes: Vec<api::Node> = nodes.into_iter().map(ic_topology::api::Node::from).collect();
    let begin =
        api::BeginSnapshotRequest { registry_version: 42, timestamp_nanos: NOW, node_count: nodes.len() as u64 };
    update::<api::Result<()>>(&mut h, "begin_snapshot_upload", &encode_one(begin).unwrap()).unwrap();
    for chunk in nodes.chunks(500) {
        update::<api::Result<u64>>(&mut h, "upload_snapshot_nodes", &encode_one(chunk.to_vec()).unwrap()).unwrap();
    }
    update::<api::Result<api::SnapshotInfo>>(&mut h, "commit_snapshot_upload", &encode_args(()).unwrap()).unwrap();
    h
}

/// Certify the module's certified data with the local subnet key; the root key (DER).
fn certify(h: &mut Host) -> Vec<u8> {
    let canister = h.canister_id().to_vec();
    let data = h.certified_data().to_vec();
    let (certificate, der) = certification::sign_certificate(&SUBNET_SECRET, &canister, &data, NOW).unwrap();
    h.set_data_certificate(Some(certificate));
    der
}

fn get(h: &mut Host, url: &str) -> api::HttpResponse {
    http(h, "GET", url)
}

/// The gateway's check of a GET: `Some(body)` when certified, `None` when the canister skipped certification.
fn verify(h: &Host, url: &str, r: &api::HttpResponse, root_key: &[u8]) -> Option<Vec<u8>> {
    gateway_check(h, "GET", url, r, root_key, NOW)
}

fn text(r: &api::HttpResponse) -> String {
    String::from_utf8(r.body.to_vec()).expect("UTF-8")
}

/// The `name="value"` attributes of every element that has `first`, in order.
fn elements_with<'a>(svg: &'a str, first: &str) -> Vec<&'a str> {
    svg.split('<').filter(|e| e.contains(&format!(" {first}="))).collect()
}

fn attr(element: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = element.find(&key)? + key.len();
    let end = element[start..].find('"')?;
    Some(element[start..start + end].to_string())
}

#[test]
#[cfg_attr(not(canister_wasm), ignore = "needs target/canister/topology.wasm (bash scripts/build.sh)")]
fn every_route_answers_verifies_and_draws_the_engine_numbers() {
    let Some(wasm) = wasm() else { return };
    let mut h = loaded(&wasm);
    let mut report = Report::new("route");
    // Before the plan's own messages have run, /plan says the plan is not solved yet (certified).
    let root_key = certify(&mut h);
    let r = get(&mut h, "/plan");
    assert_eq!(r.status_code, 200);
    assert!(text(&r).contains("<p id=\"plan-status\">No membership plan to show"), "{}", text(&r));
    assert_eq!(verify(&h, "/plan", &r, &root_key).as_deref(), Some(&r.body[..]), "/plan is certified");
    assert_eq!(get(&mut h, "/charts/subnet_change_summary.svg").status_code, 404, "no chart without a plan");
    // The plan's two timer messages (due now): the second solves it and certifies its page.
    let mut n = 0;
    while h.fire_timer().expect("a timer message") {
        n += 1;
        assert!(h.message_log().iter().all(|m| m.trap.is_none()), "{:?}", h.message_log());
        let largest = h.message_log().iter().map(|m| m.instructions).max().unwrap_or(0);
        report.add(&format!("plan refresh, timer {n} (largest message; renders and certifies /plan)"), largest);
        assert!(n < 10, "timers keep firing");
    }
    let root_key = certify(&mut h);

    // Certified pages: status, content type, and the gateway's check passes on the body sent.
    let pages = [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/sort/nc-country", "text/html; charset=utf-8"),
        ("/evaluate", "text/html; charset=utf-8"),
        ("/verify", "text/html; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/attribute/node_provider", "text/html; charset=utf-8"),
        ("/attribute/country/matrix", "text/html; charset=utf-8"),
    ];
    for (url, content_type) in pages {
        let r = get(&mut h, url);
        report.add(&format!("http_request GET {url} ({} bytes)", r.body.len()), h.last_instructions());
        assert_eq!(r.status_code, 200, "{url}");
        assert_eq!(header(&r, "content-type"), Some(content_type), "{url}");
        assert!(r.body.len() <= 200_000, "{url}: page weight {}", r.body.len());
        assert_eq!(verify(&h, url, &r, &root_key).as_deref(), Some(&r.body[..]), "{url} is certified");
    }

    // The membership plan's page and chart: the numbers of the canister's own plan.
    let plan: api::Result<api::MembershipPlan> =
        query(&mut h, "plan_membership_changes", &encode_one(api::PlanRequest { subnets: vec![] }).unwrap());
    let plan = plan.expect("the kept plan of the generated network");
    let counts = plan.counts.expect("a plan was found");
    let r = get(&mut h, "/plan");
    report.add(&format!("http_request GET /plan ({} bytes)", r.body.len()), h.last_instructions());
    assert_eq!(r.status_code, 200);
    assert_eq!(verify(&h, "/plan", &r, &root_key).as_deref(), Some(&r.body[..]), "/plan is certified");
    let page = text(&r);
    assert!(page.contains(&format!("<dd id=\"plan-cost\">{}</dd>", plan.cost.expect("proven"))), "{page}");
    assert!(page.contains(&format!("<dd id=\"plan-dropped\">{}</dd>", counts.dropped)));
    assert!(page.contains(&format!("<dd id=\"plan-moved\">{}</dd>", counts.moved)));
    let url = "/charts/subnet_change_summary.svg";
    let r = get(&mut h, url);
    report.add(&format!("http_request GET {url} ({} bytes)", r.body.len()), h.last_instructions());
    assert_eq!(r.status_code, 200);
    assert_eq!(header(&r, "content-type"), Some("image/svg+xml"));
    assert_eq!(verify(&h, url, &r, &root_key).as_deref(), Some(&r.body[..]), "{url} is certified");
    let weight = get(&mut h, "/plan").body.len() + r.body.len();
    println!("page weight of /plan: {weight} bytes");
    assert!(weight <= 200_000, "/plan: page weight {weight}");
    let svg = text(&r);
    let members: api::Result<Vec<api::SubnetDecentralization>> =
        query(&mut h, "get_decentralization", &encode_args(()).unwrap());
    let members = members.unwrap();
    let count = |subnet: &str, kind: api::ChangeKind, to: bool, synthetic: Option<bool>| {
        plan.changes
            .iter()
            .filter(|c| c.kind == kind && if to { c.to.as_deref() } else { c.from.as_deref() } == Some(subnet))
            .filter(|c| synthetic.is_none_or(|s| c.node_id.starts_with("synthetic-") == s))
            .count()
            .to_string()
    };
    let columns = elements_with(&svg, "data-moved-in");
    let (totals, columns) = columns.split_first().expect("the totals first");
    let mut changed = 0;
    for col in columns {
        let s = attr(col, "data-subnet").unwrap();
        assert_eq!(attr(col, "data-moved-in").unwrap(), count(&s, api::ChangeKind::Moved, true, None), "{s}");
        assert_eq!(attr(col, "data-moved-away").unwrap(), count(&s, api::ChangeKind::Moved, false, None), "{s}");
        assert_eq!(attr(col, "data-dropped").unwrap(), count(&s, api::ChangeKind::Dropped, false, None), "{s}");
        let new = count(&s, api::ChangeKind::NewlyAssigned, true, Some(false));
        assert_eq!(attr(col, "data-newly-assigned").unwrap(), new, "{s}");
        let synthetic = count(&s, api::ChangeKind::NewlyAssigned, true, Some(true));
        assert_eq!(attr(col, "data-synthetic").unwrap(), synthetic, "{s}");
        // Kept and leaving add up to the subnet's members today.
        let today = members.iter().find(|m| m.subnet_id == s).map_or(0, |m| m.nodes);
        let kept: u32 = attr(col, "data-unchanged").unwrap().parse().unwrap();
        let leaving: u32 = count(&s, api::ChangeKind::Moved, false, None).parse::<u32>().unwrap()
            + count(&s, api::ChangeKind::Dropped, false, None).parse::<u32>().unwrap();
        assert_eq!(kept + leaving, today, "{s}: kept + leaving = its members today");
        changed += leaving;
    }
    assert!(changed > 0, "the generated network's plan changes something, and the chart draws it");
    assert_eq!(attr(totals, "data-dropped").unwrap(), counts.dropped.to_string());
    assert_eq!(attr(totals, "data-moved-in").unwrap(), counts.moved.to_string());
    assert_eq!(attr(totals, "data-synthetic").unwrap(), counts.synthetic.to_string());

    // The proposals page (no governance here: the watcher has no verdicts yet), certified.
    let r = get(&mut h, "/proposals");
    report.add(&format!("http_request GET /proposals (no verdicts, {} bytes)", r.body.len()), h.last_instructions());
    assert_eq!((r.status_code, header(&r, "content-type")), (200, Some("text/html; charset=utf-8")));
    assert!(text(&r).contains("No open node proposal has a verdict yet."));
    assert_eq!(verify(&h, "/proposals", &r, &root_key).as_deref(), Some(&r.body[..]), "/proposals is certified");
    assert_eq!(get(&mut h, "/proposals/12345").status_code, 404, "no verdict, no page");

    // The overview's numbers are the canister's own.
    let info: api::SnapshotInfo = query(&mut h, "get_snapshot_info", &encode_args(()).unwrap());
    let overview = text(&get(&mut h, "/"));
    assert!(overview.contains(&format!("<dd id=\"registry-version\">{}</dd>", info.registry_version)));
    assert!(overview.contains(&format!("<span id=\"objective\">{}</span>", info.baseline_objective.unwrap())));
    assert!(overview.contains(&format!("<dd id=\"nodes\">{}</dd>", info.nodes)));
    assert!(overview.contains("2025-11-21 04:40:00 UTC"), "the snapshot's time");
    let subnets: api::Result<Vec<api::SubnetDecentralization>> =
        query(&mut h, "get_decentralization", &encode_args(()).unwrap());
    let subnets = subnets.unwrap();
    assert_eq!(overview.matches("<tr data-subnet=").count(), subnets.len());
    for s in &subnets {
        let row_start = overview.find(&format!("<tr data-subnet=\"{}\">", s.subnet_id)).expect("a row per subnet");
        let row = &overview[row_start..row_start + overview[row_start..].find("</tr>").unwrap()];
        let cells: Vec<&str> = row.split("<td>").skip(1).map(|c| c.split('<').next().unwrap()).collect();
        let shown: Vec<u32> = cells.iter().rev().take(4).rev().map(|c| c.parse().unwrap()).collect();
        assert_eq!(shown, s.nakamoto, "{}: Nakamoto coefficients", s.subnet_id);
    }
    // Sorted by the country coefficient, ascending.
    let sorted = text(&get(&mut h, "/sort/nc-country"));
    let order: Vec<&str> = sorted.split("<tr data-subnet=\"").skip(1).map(|r| r.split('"').next().unwrap()).collect();
    let nc: Vec<u32> =
        order.iter().map(|id| subnets.iter().find(|s| s.subnet_id == *id).unwrap().nakamoto[3]).collect();
    assert!(nc.windows(2).all(|w| w[0] <= w[1]), "sorted by NC country: {nc:?}");

    // The charts: the engine's bytes for the canister's export, and the canister's allocation's numbers.
    let mut bytes = Vec::new();
    let mut offset = 0;
    loop {
        let page: api::Result<api::ExportPage> = query(
            &mut h,
            "export_snapshot",
            &encode_one(api::ExportRequest { registry_version: None, offset, length: None }).unwrap(),
        );
        let page = page.unwrap();
        bytes.extend_from_slice(&page.bytes);
        match page.next_offset {
            Some(next) => offset = next,
            None => break,
        }
    }
    let inputs = export::from_bytes(&bytes, "export", None).unwrap();
    let m = model::build(&inputs, &[]);
    let baseline = solve::solve(&m, solve::Budget::default());
    let allocation = baseline.allocation.as_ref().expect("an allocation");
    let answer: api::Result<api::Evaluation> = query(
        &mut h,
        "evaluate_candidates",
        &encode_one(api::EvaluateRequest { candidates: vec![], overrides: None, include_allocation: Some(true) })
            .unwrap(),
    );
    let answer = answer.unwrap();
    let canister_allocation = answer.allocation.expect("the allocation");
    for a in Attribute::ALL {
        for (kind, native) in [
            ("node_allocation", charts::node_allocation(&m, allocation, a)),
            ("topology_matrix", charts::topology_matrix(&m, allocation, a)),
        ] {
            let url = format!("/charts/{}_{kind}.svg", a.name());
            let r = get(&mut h, &url);
            report.add(&format!("http_request GET {url} ({} bytes)", r.body.len()), h.last_instructions());
            assert_eq!(r.status_code, 200, "{url}");
            assert_eq!(header(&r, "content-type"), Some("image/svg+xml"), "{url}");
            assert_eq!(verify(&h, &url, &r, &root_key).as_deref(), Some(&r.body[..]), "{url} is certified");
            assert_eq!(text(&r), native, "{url}: the engine's chart of the canister's export, byte for byte");
        }
        // The chart pages' weight: each page and its chart.
        for (page, chart) in [("", "node_allocation"), ("/matrix", "topology_matrix")] {
            let weight = get(&mut h, &format!("/attribute/{}{page}", a.name())).body.len()
                + get(&mut h, &format!("/charts/{}_{chart}.svg", a.name())).body.len();
            println!("page weight of /attribute/{}{page}: {weight} bytes", a.name());
            assert!(weight <= 200_000, "{a:?}{page}: page weight {weight}");
        }
        // Every bar: the subnet's node count and Nakamoto coefficient as the canister answers them.
        let svg = text(&get(&mut h, &format!("/charts/{}_node_allocation.svg", a.name())));
        let bars = elements_with(&svg, "data-nakamoto");
        assert_eq!(bars.len(), canister_allocation.len());
        for (i, (bar, s)) in bars.iter().zip(&canister_allocation).enumerate() {
            assert_eq!(attr(bar, "data-subnet").unwrap(), i.to_string());
            assert_eq!(attr(bar, "data-nodes").unwrap(), s.nodes.len().to_string(), "subnet {i}");
            assert_eq!(attr(bar, "data-nakamoto").unwrap(), s.nakamoto[a.index()].to_string(), "subnet {i} {a:?}");
        }
        // The matrix's cells add up to every subnet's size, and none exceeds its limit.
        let matrix = text(&get(&mut h, &format!("/charts/{}_topology_matrix.svg", a.name())));
        let mut per_subnet = vec![0u32; m.subnets.len()];
        for cell in elements_with(&matrix, "data-s") {
            let i: usize = attr(cell, "data-s").unwrap().parse().unwrap();
            let count: u32 = cell.split('>').nth(1).unwrap().parse().unwrap();
            let limit = attr(cell, "data-l").map_or(m.subnets[i].limits[a.index()], |l| l.parse().unwrap());
            assert!(count <= limit, "{a:?}: {cell}");
            per_subnet[i] += count;
        }
        let sizes: Vec<u32> = canister_allocation.iter().map(|s| s.nodes.len() as u32).collect();
        assert_eq!(per_subnet, sizes, "{a:?}: matrix totals");
    }

    // The candidate form's answer: computed in the query, explicitly not certified, the engine's numbers.
    let url = "/answer?provider=Lionel+Messi&data_center=Buenos+Aires+1&data_center_provider=Peron+Corporation&country=AR&sev=true&nodes=6";
    let r = get(&mut h, url);
    report.add("http_request GET /answer (6 candidate nodes, with the proposal summary)", h.last_instructions());
    assert_eq!(r.status_code, 200, "{}", text(&r));
    assert_eq!(verify(&h, url, &r, &root_key), None, "the answer skips certification, and says so");
    let page = text(&r);
    let ev: api::Result<api::Evaluation> = query(
        &mut h,
        "evaluate_candidates",
        &encode_one(api::EvaluateRequest { candidates: vec![argentina(6)], overrides: None, include_allocation: None })
            .unwrap(),
    );
    let ev = ev.unwrap();
    let show = |v: Option<u32>| v.map_or("unknown".to_string(), |v| v.to_string());
    assert!(page.contains(&format!("<dd id=\"objective-before\">{}</dd>", show(ev.baseline_objective))));
    assert!(page.contains(&format!("<dd id=\"objective-after\">{}</dd>", show(ev.objective))));
    assert!(page.contains(&format!("<dd id=\"optimal-deployment-size\">{}</dd>", show(ev.optimal_deployment_size))));
    assert_eq!(ev.curve.len(), 7);
    for p in &ev.curve {
        assert!(
            page.contains(&format!("data-nodes=\"{}\" data-objective=\"{}\"", p.nodes, show(p.objective))),
            "curve point {}",
            p.nodes
        );
    }
    let summary: api::Result<api::ProposalSummary> = query(
        &mut h,
        "proposal_summary",
        &encode_one(api::ProposalSummaryRequest { candidates: vec![argentina(6)], plan: None }).unwrap(),
    );
    let summary = summary.unwrap();
    assert!(page.contains(&format!("<code id=\"summary-sha256\">{}</code>", summary.sha256)));

    // Mistakes: a 400 naming the field, a 404, a 405; never a trap.
    for (url, status, says) in [
        (
            "/answer?provider=a&data_center=b&data_center_provider=c&country=AR&nodes=many",
            400,
            "nodes must be a whole number",
        ),
        (
            "/answer?provider=a&data_center=b&data_center_provider=c&country=AR&nodes=33",
            400,
            "at most 32 candidate nodes",
        ),
        ("/answer?provider=%zz", 400, "bad %-escape"),
        ("/answer", 400, "provider is missing"),
    ] {
        let r = get(&mut h, url);
        assert_eq!(r.status_code, status, "{url}: {}", text(&r));
        assert!(text(&r).contains(says), "{url}: {}", text(&r));
        assert_eq!(verify(&h, url, &r, &root_key), None, "{url}");
    }
    for url in ["/no/such/page", "/charts/nothing.svg", "/answer/x"] {
        let r = get(&mut h, url);
        report.add(&format!("http_request GET {url} (404)"), h.last_instructions());
        assert_eq!(r.status_code, 404, "{url}");
        assert_eq!(verify(&h, url, &r, &root_key).as_deref(), Some(&r.body[..]), "{url}: a certified 404");
    }
    // Another method: a 405 the gateway can check, at a page's own path, at the wildcard, and
    // (skipping certification explicitly, as every answer there does) at the form's answer.
    for (method, url, certified) in [
        ("POST", "/", true),
        ("PUT", "/proposals", true),
        ("POST", "/charts/country_topology_matrix.svg", true),
        ("DELETE", "/no/such/page", true),
        ("POST", "/answer?provider=a", false),
    ] {
        let r = http(&mut h, method, url);
        report.add(&format!("http_request {method} {url} (405)"), h.last_instructions());
        assert_eq!(r.status_code, 405, "{method} {url}");
        assert_eq!(header(&r, "allow"), Some("GET, HEAD"), "{method} {url}");
        let checked = gateway_check(&h, method, url, &r, &root_key, NOW);
        match certified {
            true => assert_eq!(checked.as_deref(), Some(&r.body[..]), "{method} {url}: a certified 405"),
            false => assert_eq!(checked, None, "{method} {url}: skips certification, and says so"),
        }
    }
    // Its status is certified too: a replica cannot turn the 405 into a 200.
    let not_allowed = http(&mut h, "POST", "/");
    let request = ic_http_certification::HttpRequest::post("/").with_certificate_version(2).build();
    let response = ic_http_certification::HttpResponse::builder()
        .with_status_code(ic_http_certification::StatusCode::OK)
        .with_headers(not_allowed.headers.clone())
        .with_body(not_allowed.body.to_vec())
        .build();
    assert!(ic_response_verification::verify_request_response_pair(
        request,
        response,
        h.canister_id(),
        NOW as u128,
        300_000_000_000,
        &root_key,
        2
    )
    .is_err());

    // A tampered page fails the gateway's check.
    let mut r = get(&mut h, "/");
    r.body = serde_bytes::ByteBuf::from(text(&r).replace("ObjectiveValue", "0bjectiveValue").into_bytes());
    let request = ic_http_certification::HttpRequest::get("/").build();
    let response = ic_http_certification::HttpResponse::builder()
        .with_status_code(ic_http_certification::StatusCode::OK)
        .with_headers(r.headers.clone())
        .with_body(r.body.to_vec())
        .build();
    assert!(ic_response_verification::verify_request_response_pair(
        request,
        response,
        h.canister_id(),
        NOW as u128,
        300_000_000_000,
        &root_key,
        2
    )
    .is_err());

    // The published evaluations still verify under the composed root.
    let published: api::Result<api::PublishedEvaluation> = update(
        &mut h,
        "publish_evaluation",
        &encode_one(api::EvaluateRequest { candidates: vec![argentina(1)], overrides: None, include_allocation: None })
            .unwrap(),
    );
    let key = published.unwrap().key;
    let root_key = certify(&mut h);
    let got: api::Result<api::CertifiedEvaluation> =
        query(&mut h, "get_published_evaluation", &encode_one(&key).unwrap());
    let got = got.unwrap();
    certification::verify_published(
        &got.key,
        &got.evaluation_candid,
        got.certificate.as_ref().unwrap(),
        &got.witness,
        h.canister_id(),
        &root_key,
    )
    .expect("a published evaluation verifies beside the dashboard");
    let r = get(&mut h, "/");
    assert_eq!(verify(&h, "/", &r, &root_key).as_deref(), Some(&r.body[..]), "and the dashboard beside it");
    report.write(
        "Dashboard routes (http_request, the generated default network with its members) (canister/tests/wasm_http.rs)",
    );
}

/// Every page comes from the canister alone and stays small: each response
/// carries a Content-Security-Policy that lets the browser load nothing from
/// any other origin (no fonts, scripts, styles or images from elsewhere, no
/// script at all), no page names another origin in a `src`, `href`,
/// `action` or CSS `url(...)`, and the widest answer of the form (32
/// candidate nodes, a 33-point curve drawn inline, the proposal summary)
/// weighs at most 200 KB.
#[test]
#[cfg_attr(not(canister_wasm), ignore = "needs target/canister/topology.wasm (bash scripts/build.sh)")]
fn the_canister_is_the_only_origin_and_pages_stay_small() {
    let Some(wasm) = wasm() else { return };
    let mut h = loaded(&wasm);
    let widest = "/answer?provider=Lionel+Messi&data_center=Buenos+Aires+1&data_center_provider=Peron+Corporation&country=AR&sev=true&nodes=32";
    let urls = [
        "/",
        "/evaluate",
        "/verify",
        "/plan",
        "/proposals",
        "/style.css",
        "/attribute/node_provider",
        "/attribute/data_center/matrix",
        "/charts/country_node_allocation.svg",
        "/charts/data_center_provider_topology_matrix.svg",
        widest,
        "/no/such/page",
    ];
    for url in urls {
        let r = get(&mut h, url);
        let csp = header(&r, "content-security-policy").unwrap_or_else(|| panic!("{url}: no CSP"));
        let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
        assert!(directives.contains(&"default-src 'none'"), "{url}: {csp}");
        for d in &directives {
            let sources: Vec<&str> = d.split_whitespace().skip(1).collect();
            assert!(sources.iter().all(|s| ["'self'", "'none'"].contains(s)), "{url}: {d} allows another origin");
        }
        assert!(!directives.iter().any(|d| d.starts_with("script-src")), "{url}: scripts allowed: {csp}");
        let body = text(&r);
        for attribute in ["src=\"", "href=\"", "action=\"", "url("] {
            for (i, _) in body.match_indices(attribute) {
                let value = &body[i + attribute.len()..];
                let external =
                    value.starts_with("//") || value.split(['"', ')']).next().is_some_and(|v| v.contains("://"));
                assert!(!external, "{url}: {attribute}{}", &value[..value.len().min(80)]);
            }
        }
        assert!(!body.contains("<script"), "{url}: a script");
        assert!(r.body.len() <= 200_000, "{url}: page weight {}", r.body.len());
    }
    let answer = get(&mut h, widest);
    assert_eq!(answer.status_code, 200, "{}", text(&answer));
    for n in 0..=32 {
        assert!(text(&answer).contains(&format!("data-nodes=\"{n}\" data-objective=")), "curve point {n} is drawn");
    }
    println!("page weight of the 32-node answer: {} bytes", answer.body.len());
}

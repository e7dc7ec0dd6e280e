//! The dashboard's pages: plain HTML (no scripts, no external fonts or
//! resources; the canister is the only origin) and the engine's SVG charts.
//! Sorting is done by the canister (one certified page per column), so the
//! pages work without JavaScript, with a keyboard and on a phone.

use crate::state::{Env, State, MAX_CANDIDATE_NODES};
use crate::stores::dashboard::{Page, ANSWER};
use ic_topology::api;
use ic_topology::charts::{self, xml};
use ic_topology::inputs::Attribute;
use std::fmt::Write;

const HTML: &str = "text/html; charset=utf-8";
const SVG: &str = "image/svg+xml";
const CSS: &str = "text/css; charset=utf-8";

const STYLE: &str = "\
body{font-family:system-ui,sans-serif;margin:0;color:#111;background:#fff;line-height:1.4}
header,main,footer{max-width:70rem;margin:0 auto;padding:0 1rem}
nav a{margin-right:1rem;display:inline-block;padding:.4rem 0}
a{color:#0050a0}a:focus,input:focus,button:focus{outline:3px solid #E69F00;outline-offset:2px}
table{border-collapse:collapse;font-size:.9rem}th,td{border:1px solid #ccc;padding:.2rem .4rem;text-align:right}
th:first-child,td:first-child,td.text{text-align:left}.scroll{overflow-x:auto}
img,svg{max-width:100%;height:auto}dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}
dt{font-weight:bold}dd{margin:0}pre{white-space:pre-wrap;background:#f4f4f4;padding:.5rem;overflow-x:auto}
form{display:grid;grid-template-columns:max-content minmax(10rem,24rem);gap:.5rem 1rem;align-items:center}
input{font-size:1rem;padding:.3rem}button{font-size:1rem;padding:.4rem 1rem;grid-column:2}
.bad{color:#a00000;font-weight:bold}.good{color:#006040;font-weight:bold}
";

fn layout(title: &str, body: &str) -> Vec<u8> {
    let mut nav = String::from("<a href=\"/\">Overview</a>");
    for a in Attribute::ALL {
        write!(nav, "<a href=\"/attribute/{}\">Charts: {}</a>", a.name(), charts::attribute_title(a)).expect("String");
    }
    nav.push_str("<a href=\"/plan\">Membership plan</a><a href=\"/proposals\">Proposals</a><a href=\"/evaluate\">Evaluate candidates</a><a href=\"/verify\">Verify</a>");
    nav.push_str("<a href=\"/placements\">Where to add nodes</a>");
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{t} - IC target topology</title><link rel=\"stylesheet\" href=\"/style.css\"></head><body><header><nav aria-label=\"main\">{nav}</nav></header>\
<main><h1>{t}</h1>{body}</main><footer><p>Served and certified by the topology canister; every number can be re-checked off chain (see <a href=\"/verify\">Verify</a>).</p></footer></body></html>",
        t = xml(title)
    )
    .into_bytes()
}

pub(super) fn html(status: u16, title: &str, body: &str) -> Page {
    Page { status, content_type: HTML, body: layout(title, body) }
}

/// A page with one message (errors).
pub fn message(status: u16, title: &str, text: &str) -> Page {
    html(status, title, &format!("<p id=\"message\">{}</p>", xml(text)))
}

/// The 404 page.
pub fn not_found() -> Page {
    message(404, "Not found", "There is no page at this address. The pages are listed at the top.")
}

/// `YYYY-MM-DD HH:MM:SS UTC` of nanoseconds since the epoch.
pub fn utc(nanos: u64) -> String {
    let secs = nanos / 1_000_000_000;
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC", rem / 3600, rem % 3600 / 60, rem % 60)
}

fn opt(v: Option<u32>) -> String {
    v.map_or("unknown".into(), |v| v.to_string())
}

/// The overview's sortable columns: (path key, heading).
pub const COLUMNS: [(&str, &str); 9] = [
    ("subnet", "Subnet"),
    ("type", "Type"),
    ("nodes", "Nodes"),
    ("target", "Target size"),
    ("breaches", "Limits broken"),
    ("nc-node-provider", "NC node provider"),
    ("nc-data-center", "NC data center"),
    ("nc-data-center-provider", "NC data-center provider"),
    ("nc-country", "NC country"),
];

struct Row {
    subnet: String,
    subnet_type: String,
    nodes: u32,
    target: Option<u32>,
    breaches: Vec<api::LimitBreach>,
    nakamoto: Vec<u32>,
}

fn rows(state: &State) -> Vec<Row> {
    let Ok(subnets) = state.decentralization() else { return vec![] };
    let topology = state.derived_state().map(|d| &d.inputs.topology[..]).unwrap_or(&[]);
    let size: std::collections::BTreeMap<&str, u32> =
        topology.iter().filter_map(|t| Some((t.subnet_id.as_deref()?, t.size))).rev().collect();
    subnets
        .into_iter()
        .map(|s| Row {
            target: size.get(s.subnet_id.as_str()).copied(),
            subnet_type: s.subnet_type.unwrap_or_default(),
            nodes: s.nodes,
            breaches: s.breaches,
            nakamoto: s.nakamoto,
            subnet: s.subnet_id,
        })
        .collect()
}

fn sort_rows(rows: &mut [&Row], column: &str) {
    let nc = |r: &Row, i: usize| r.nakamoto.get(i).copied().unwrap_or(0);
    rows.sort_by(|a, b| {
        let by = match column {
            "type" => a.subnet_type.cmp(&b.subnet_type),
            "nodes" => a.nodes.cmp(&b.nodes),
            "target" => a.target.cmp(&b.target),
            // Most breaches first.
            "breaches" => b.breaches.len().cmp(&a.breaches.len()),
            "nc-node-provider" => nc(a, 0).cmp(&nc(b, 0)),
            "nc-data-center" => nc(a, 1).cmp(&nc(b, 1)),
            "nc-data-center-provider" => nc(a, 2).cmp(&nc(b, 2)),
            "nc-country" => nc(a, 3).cmp(&nc(b, 3)),
            _ => std::cmp::Ordering::Equal,
        };
        by.then_with(|| a.subnet.cmp(&b.subnet))
    });
}

fn objective_text(state: &State) -> (String, String) {
    match state.derived_state() {
        None => ("not computed".into(), crate::state::NO_SNAPSHOT.into()),
        Some(d) => {
            let s = &d.baseline;
            match s.objective {
                Some(v) => (
                    v.to_string(),
                    if s.certificate_is_tight {
                        "proven optimal: an allocation of this value and a lower-bound certificate".into()
                    } else {
                        "proven optimal by branch and bound (the certificate alone proves a lower bound of {})"
                            .replace("{}", &s.lower_bound.to_string())
                    },
                ),
                None => (
                    format!("between {} and {}", s.lower_bound, opt(s.upper_bound)),
                    format!("not proven: {:?}", s.status).to_lowercase(),
                ),
            }
        }
    }
}

/// What every ordering of the overview shows, computed once per rebuild
/// (each sorted page only orders and writes the rows).
struct Overview {
    facts: String,
    rows: Vec<Row>,
}

fn overview_of(state: &State) -> Overview {
    let info = state.snapshot_info();
    let mut body = String::new();
    let (objective, proof) = objective_text(state);
    let countries = state.derived_state().map_or(0, |d| {
        let mut set = std::collections::BTreeSet::new();
        for n in &d.inputs.nodes {
            set.insert(ic_topology::model::registry_node_values(&d.inputs, n)[3].clone());
        }
        set.len()
    });
    write!(
        body,
        "<dl><dt>Registry version</dt><dd id=\"registry-version\">{}</dd><dt>Snapshot time</dt><dd>{}</dd>\
<dt>ObjectiveValue</dt><dd><span id=\"objective\">{}</span> ({})</dd><dt>Nodes</dt><dd id=\"nodes\">{}</dd>\
<dt>Node providers</dt><dd id=\"providers\">{}</dd><dt>Data centers</dt><dd id=\"data-centers\">{}</dd>\
<dt>Countries</dt><dd id=\"countries\">{}</dd><dt>Subnets</dt><dd id=\"subnets\">{}</dd></dl>\
<p>The ObjectiveValue is the minimum number of additional node machines needed to fill every subnet of the target topology within its limits.</p>",
        info.registry_version,
        if info.timestamp_nanos == 0 { "unknown".into() } else { utc(info.timestamp_nanos) },
        xml(&objective),
        xml(&proof),
        info.nodes,
        info.node_providers,
        info.data_centers,
        countries,
        info.subnets
    )
    .expect("String");
    Overview { facts: body, rows: rows(state) }
}

fn overview(o: &Overview, column: &str) -> Page {
    let mut body = o.facts.clone();
    let mut rows: Vec<&Row> = o.rows.iter().collect();
    sort_rows(&mut rows, column);
    body.push_str("<h2>Subnets today</h2><p>NC: Nakamoto coefficient (the fewest values that together hold more than a third of the subnet). Select a heading to sort by it.</p><div class=\"scroll\"><table id=\"subnets-table\"><thead><tr>");
    for (key, heading) in COLUMNS {
        if key == column {
            write!(body, "<th scope=\"col\" aria-sort=\"ascending\">{heading}</th>").expect("String");
        } else {
            write!(body, "<th scope=\"col\"><a href=\"/sort/{key}\">{heading}</a></th>").expect("String");
        }
    }
    body.push_str("</tr></thead><tbody>");
    for r in rows {
        let breaches: Vec<String> = r
            .breaches
            .iter()
            .map(|b| format!("{} {}: {} &gt; {}", attribute_name(b.attribute), xml(&b.value), b.count, b.limit))
            .collect();
        write!(
            body,
            "<tr data-subnet=\"{s}\"><td class=\"text\" title=\"{s}\">{short}</td><td class=\"text\">{}</td><td>{}</td><td>{}</td><td class=\"text\">{}</td>",
            xml(&r.subnet_type),
            r.nodes,
            r.target.map_or("-".into(), |t| t.to_string()),
            if breaches.is_empty() { "none".into() } else { breaches.join("; ") },
            s = xml(&r.subnet),
            short = xml(r.subnet.split('-').next().unwrap_or(&r.subnet)),
        )
        .expect("String");
        for v in &r.nakamoto {
            write!(body, "<td>{v}</td>").expect("String");
        }
        body.push_str("</tr>");
    }
    body.push_str("</tbody></table></div>");
    html(200, "Internet Computer target topology", &body)
}

fn attribute_name(a: api::Attribute) -> &'static str {
    match a {
        api::Attribute::NodeProvider => "node provider",
        api::Attribute::DataCenter => "data center",
        api::Attribute::DataCenterProvider => "data-center provider",
        api::Attribute::Country => "country",
    }
}

fn attribute_page(state: &State, a: Attribute) -> Page {
    let (objective, proof) = objective_text(state);
    let body = format!(
        "<p>The optimal allocation of today's snapshot (ObjectiveValue {}, {}): which nodes of each {t} fill each subnet of the target topology, grey for the additional machines needed.</p>\
<figure><img src=\"/charts/{n}_node_allocation.svg\" alt=\"Stacked bars: nodes per {t} in each subnet of the optimal allocation, with the Nakamoto coefficient above each bar\"><figcaption>Allocation by {t}; the number above each bar is the subnet's Nakamoto coefficient.</figcaption></figure>\
<p><a href=\"/attribute/{n}/matrix\">The topology matrix by {t}</a> (its own page, to keep each page small).</p>",
        xml(&objective),
        xml(&proof),
        t = charts::attribute_title(a),
        n = a.name()
    );
    html(200, &format!("Charts by {}", charts::attribute_title(a)), &body)
}

fn matrix_page(a: Attribute) -> Page {
    let body = format!(
        "<figure><img src=\"/charts/{n}_topology_matrix.svg\" alt=\"Matrix: nodes of each {t} in each subnet, cells at their limit outlined, the limit above each column\"><figcaption>Topology matrix by {t}: a row per {t}, a column per subnet, the subnet's limit above each column; outlined cells are at their limit.</figcaption></figure>",
        t = charts::attribute_title(a),
        n = a.name()
    );
    html(200, &format!("Topology matrix by {}", charts::attribute_title(a)), &body)
}

fn form_page() -> Page {
    let body = format!(
        "<p>Candidate nodes in the seed's parameters. The answer shows the ObjectiveValue before and after, the verdict, the curve and the text to quote in a proposal.</p>\
<form method=\"get\" action=\"{ANSWER}\" id=\"candidate-form\">\
<label for=\"provider\">Node provider</label><input id=\"provider\" name=\"provider\" required maxlength=\"128\">\
<label for=\"data_center\">Data center</label><input id=\"data_center\" name=\"data_center\" required maxlength=\"128\">\
<label for=\"data_center_provider\">Data-center provider</label><input id=\"data_center_provider\" name=\"data_center_provider\" required maxlength=\"128\">\
<label for=\"country\">Country (ISO code)</label><input id=\"country\" name=\"country\" required maxlength=\"128\" autocapitalize=\"characters\">\
<label for=\"sev\">SEV-capable</label><input id=\"sev\" name=\"sev\" type=\"checkbox\" value=\"true\">\
<label for=\"nodes\">Number of nodes</label><input id=\"nodes\" name=\"nodes\" type=\"number\" min=\"1\" max=\"{MAX_CANDIDATE_NODES}\" value=\"1\" required>\
<button type=\"submit\" id=\"submit\">Evaluate</button></form>"
    );
    html(200, "Evaluate candidate nodes", &body)
}

fn verify_page(state: &State) -> Page {
    let (objective, proof) = objective_text(state);
    let body = format!(
        "<h2>What this page proves</h2><p>Every page here except the answers to the candidate form is certified: the canister puts the SHA-256 of each response in a tree whose root the subnet signs, and the IC HTTP gateway checks the signature before your browser sees the page (response verification v2). A page altered by a replica or a proxy is refused.</p>\
<p>Answers to the candidate form are computed on request by one replica (a query) and are <strong>not certified</strong>. To hold the network to an answer:</p>\
<pre>dfx canister call --ic &lt;canister id&gt; publish_evaluation '(record {{ candidates = vec {{ ... }} }})'\n\
dfx canister call --ic --query &lt;canister id&gt; get_published_evaluation '(\"&lt;key&gt;\")' --output raw &gt; reply.hex\n\
topology verify-certificate reply.hex --canister-id &lt;canister id&gt;</pre>\
<p><code>verify-certificate</code> checks the subnet's BLS signature against the IC root key, the witness against the certified root and the evaluation's bytes against the witness. <code>topology verify</code> then re-checks the evaluation itself (the allocation against every limit and the certificate's bound in exact integer arithmetic) against the canister's export (<code>export_snapshot</code>).</p>\
<h2>Proof status of the numbers shown</h2><ul>\
<li>ObjectiveValue of today's snapshot: {} ({}).</li>\
<li>Charts: drawn from the same optimal allocation, checked by the engine's independent checker.</li>\
<li>Nakamoto coefficients and limits broken today: counted from the snapshot's current subnet membership.</li>\
<li>Candidate answers: each point of the curve is solved exactly; a point the budget did not prove is shown as unknown, never guessed.</li></ul>",
        xml(&objective),
        xml(&proof)
    );
    html(200, "Verify without trusting this page", &body)
}

/// Every page rendered from the stored state, by path.
pub fn certified_pages(state: &State) -> Vec<(String, Page)> {
    let o = overview_of(state);
    let mut out = vec![
        ("/".to_string(), overview(&o, "subnet")),
        ("/index.html".to_string(), overview(&o, "subnet")),
        ("/evaluate".to_string(), form_page()),
        ("/verify".to_string(), verify_page(state)),
        ("/style.css".to_string(), Page { status: 200, content_type: CSS, body: STYLE.as_bytes().to_vec() }),
    ];
    for (key, _) in COLUMNS {
        out.push((format!("/sort/{key}"), overview(&o, key)));
    }
    if let Some(d) = state.derived_state() {
        if let Some(allocation) = &d.baseline.allocation {
            for a in Attribute::ALL {
                out.push((format!("/attribute/{}", a.name()), attribute_page(state, a)));
                out.push((format!("/attribute/{}/matrix", a.name()), matrix_page(a)));
                out.push((
                    format!("/charts/{}_node_allocation.svg", a.name()),
                    Page {
                        status: 200,
                        content_type: SVG,
                        body: charts::node_allocation(&d.model, allocation, a).into_bytes(),
                    },
                ));
                out.push((
                    format!("/charts/{}_topology_matrix.svg", a.name()),
                    Page {
                        status: 200,
                        content_type: SVG,
                        body: charts::topology_matrix(&d.model, allocation, a).into_bytes(),
                    },
                ));
            }
        }
    }
    out
}

// ---- the followed pages: proposal verdicts and the kept membership plan ----

/// The list of verdicts; each verdict's page is under [`PROPOSAL_PREFIX`].
pub const PROPOSALS: &str = "/proposals";
/// The path of one proposal's page, before its id.
pub const PROPOSAL_PREFIX: &str = "/proposals/";
/// The membership plan's page ...
pub const PLAN: &str = "/plan";
/// ... and its chart.
pub const PLAN_CHART: &str = "/charts/subnet_change_summary.svg";
/// The list shows at most this many open proposals and this many decided ones
/// (with titles and verdict lines cut to [`LISTED_TEXT`] characters, each row
/// stays under about 0.8 KB, so the page stays under 200 KB).
pub const LISTED_OPEN: usize = 100;
/// Decided proposals listed on the proposals page ...
pub const LISTED_DECIDED: usize = 50;
/// ... and characters of a proposal's text shown there.
pub const LISTED_TEXT: usize = 160;

/// `text` cut to [`LISTED_TEXT`] characters (the verdict's page has it whole).
fn cut(text: &str) -> String {
    match text.char_indices().nth(LISTED_TEXT) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}

/// The path of proposal `id`'s page.
pub fn proposal_path(id: u64) -> String {
    format!("{PROPOSAL_PREFIX}{id}")
}

fn seconds_utc(s: Option<u64>) -> String {
    s.map_or("none".into(), |s| utc(s.saturating_mul(1_000_000_000)))
}

fn outcome_value(o: &api::ObjectiveOutcome) -> String {
    match o.status {
        api::Status::Optimal => opt(o.objective),
        api::Status::Infeasible => "infeasible".into(),
        api::Status::BudgetExceeded => format!("{} to {}", o.lower_bound, opt(o.upper_bound)),
    }
}

/// The ObjectiveValues a verdict compares (before, after), as shown; `None` where it has none.
fn verdict_values(v: &api::ProposalVerdict) -> (Option<String>, Option<String>) {
    match &v.outcome {
        api::VerdictOutcome::Candidates { evaluation, .. } => {
            (Some(opt(evaluation.baseline_objective)), Some(opt(evaluation.objective)))
        }
        api::VerdictOutcome::Removal { before, after, .. } => (Some(outcome_value(before)), Some(outcome_value(after))),
        _ => (None, None),
    }
}

/// One line: what the verdict found.
fn verdict_line(v: &api::ProposalVerdict) -> String {
    match &v.outcome {
        api::VerdictOutcome::Candidates { evaluation, .. } => format!(
            "{} node(s): ObjectiveValue {} to {}, {}",
            evaluation.candidate_nodes,
            opt(evaluation.baseline_objective),
            opt(evaluation.objective),
            verdict_text(evaluation.verdict)
        ),
        api::VerdictOutcome::Removal { node_ids, before, after } => format!(
            "{} node(s) removed: ObjectiveValue {} to {}",
            node_ids.len(),
            outcome_value(before),
            outcome_value(after)
        ),
        api::VerdictOutcome::Membership { added, removed, before, after, .. } => format!(
            "+{} -{} nodes: limits broken {} to {}",
            added.len(),
            removed.len(),
            before.breaches.len(),
            after.breaches.len()
        ),
        api::VerdictOutcome::NoChange { reason } => format!("no change: {reason}"),
        api::VerdictOutcome::Invalid { reason } => format!("not evaluated: {reason}"),
    }
}

fn claim_text(c: &api::ClaimCheck) -> String {
    match c {
        api::ClaimCheck::Matches { value } => format!("matches ({value})"),
        api::ClaimCheck::Differs { claimed, computed } => {
            format!("differs (claimed {claimed}, computed {})", opt(*computed))
        }
        api::ClaimCheck::NoClaimFound => "no claim found".into(),
    }
}

fn verdict_rows(body: &mut String, verdicts: &[api::ProposalVerdict]) {
    body.push_str("<div class=\"scroll\"><table class=\"verdicts\"><thead><tr><th scope=\"col\">Proposal</th><th scope=\"col\">Title</th><th scope=\"col\">Kind</th><th scope=\"col\">Status</th><th scope=\"col\">Deadline</th><th scope=\"col\">Verdict</th><th scope=\"col\">Summary's claims (before, after)</th></tr></thead><tbody>");
    for v in verdicts {
        let (before, after) = verdict_values(v);
        let data = |name: &str, value: Option<String>| {
            value.map_or(String::new(), |x| format!(" data-{name}=\"{}\"", xml(&x)))
        };
        write!(
            body,
            "<tr data-proposal=\"{id}\" data-status=\"{}\"{}{}><td><a href=\"{}\">{id}</a></td><td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"text\">{}; {}</td></tr>",
            ic_topology::proposals::render::status_name(v.status),
            data("before", before),
            data("after", after),
            proposal_path(v.proposal_id),
            xml(&cut(v.title.as_deref().unwrap_or("(no title)"))),
            xml(ic_topology::proposals::render::kind_name(v.kind)),
            ic_topology::proposals::render::status_name(v.status),
            seconds_utc(v.deadline_timestamp_seconds),
            xml(&cut(&verdict_line(v))),
            xml(&claim_text(&v.claims.before)),
            xml(&claim_text(&v.claims.after)),
            id = v.proposal_id,
        )
        .expect("String");
    }
    body.push_str("</tbody></table></div>");
}

/// `/proposals`: open proposals with their verdicts, newest first, then the
/// latest decided ones; each links to its verdict's page.
pub fn proposals(state: &State) -> Page {
    let w = state.governance();
    let (mut open, mut decided, mut more_open, mut more_decided) = (Vec::new(), Vec::new(), 0usize, 0usize);
    for (_, e) in w.newest_first(None) {
        if e.status == api::ProposalStatus::Open {
            if open.len() < LISTED_OPEN {
                open.push(e.verdict());
            } else {
                more_open += 1;
            }
        } else if decided.len() < LISTED_DECIDED {
            decided.push(e.verdict());
        } else {
            more_decided += 1;
        }
    }
    let mut body = String::from(
        "<p>The canister watches NNS governance for open proposals that change the network's nodes (node operators added or changed, nodes or operators removed, subnet membership changed), evaluates each on its registry snapshot and certifies the verdict under <code>proposals/&lt;id&gt;</code>. Each verdict's page shows how to check it without trusting this page.</p>",
    );
    write!(body, "<h2>Open proposals</h2><p id=\"open-count\">{} open, newest first.</p>", open.len() + more_open)
        .expect("String");
    if open.is_empty() {
        body.push_str("<p>No open node proposal has a verdict yet.</p>");
    } else {
        body.push_str("<div id=\"open-proposals\">");
        verdict_rows(&mut body, &open);
        body.push_str("</div>");
    }
    if more_open > 0 {
        write!(body, "<p>{more_open} older open proposals are not listed here: <code>list_proposal_verdicts</code> pages through all.</p>").expect("String");
    }
    if !decided.is_empty() {
        body.push_str("<h2>Recently decided</h2><p>Kept as they were when the proposal was decided (not recomputed).</p><div id=\"decided-proposals\">");
        verdict_rows(&mut body, &decided);
        body.push_str("</div>");
    }
    if more_decided > 0 {
        write!(body, "<p>{more_decided} older verdicts: see <code>list_proposal_verdicts</code>.</p>").expect("String");
    }
    html(200, "Node proposals and their verdicts", &body)
}

/// `/proposals/<id>`: one verdict, its curve when it has one, and how to verify it.
pub fn proposal(v: &api::ProposalVerdict) -> Page {
    let (before, after) = verdict_values(v);
    let mut body = String::new();
    write!(
        body,
        "<dl><dt>Proposal</dt><dd id=\"proposal-id\">{}</dd><dt>Kind</dt><dd id=\"kind\">{}</dd><dt>Status</dt><dd id=\"status\">{}</dd>\
<dt>Deadline</dt><dd>{}</dd><dt>Verdict</dt><dd id=\"verdict-line\">{}</dd>\
<dt>ObjectiveValue before</dt><dd id=\"objective-before\">{}</dd><dt>ObjectiveValue after</dt><dd id=\"objective-after\">{}</dd>\
<dt>Summary's claim, before</dt><dd id=\"claim-before\">{}</dd><dt>Summary's claim, after</dt><dd id=\"claim-after\">{}</dd>\
<dt>Registry version</dt><dd id=\"verdict-registry-version\">{}</dd></dl>",
        v.proposal_id,
        xml(ic_topology::proposals::render::kind_name(v.kind)),
        ic_topology::proposals::render::status_name(v.status),
        seconds_utc(v.deadline_timestamp_seconds),
        xml(&verdict_line(v)),
        before.as_deref().map_or("-".into(), xml),
        after.as_deref().map_or("-".into(), xml),
        xml(&claim_text(&v.claims.before)),
        xml(&claim_text(&v.claims.after)),
        v.registry_version,
    )
    .expect("String");
    if let api::VerdictOutcome::Candidates { evaluation, .. } = &v.outcome {
        let curve = charts::CurveInput {
            points: evaluation.curve.iter().map(|p| (p.nodes, p.objective)).collect(),
            optimal_deployment_size: evaluation.optimal_deployment_size,
        };
        write!(body, "<h2>The curve</h2><figure>{}<figcaption>ObjectiveValue with the first N nodes the proposal allows.</figcaption></figure>", charts::curve(&curve)).expect("String");
    }
    write!(
        body,
        "<h2>The verdict in full</h2><pre id=\"verdict-text\">{}</pre>\
<h2>Check it without trusting this page</h2><pre>dfx canister call --ic --query &lt;canister id&gt; get_proposal_verdict '({} : nat64)' --output raw &gt; reply.hex\n\
topology verify-certificate reply.hex --canister-id &lt;canister id&gt;\n\
topology proposal --id {} reply.hex</pre>",
        xml(&ic_topology::proposals::render::render(v)),
        v.proposal_id,
        v.proposal_id
    )
    .expect("String");
    html(200, &format!("Proposal {}: {}", v.proposal_id, v.title.as_deref().unwrap_or("(no title)")), &body)
}

/// `/plan` and its chart: the kept membership plan of every subnet, or why there is none.
pub fn plan(state: &State) -> (Page, Option<Page>) {
    let none = |why: String| {
        let body = format!(
            "<p id=\"plan-status\">No membership plan to show: {}</p><p>The canister solves the plan of every subnet in a message of its own after each change of the snapshot or the configuration; <code>plan_membership_changes</code> serves it, and <code>topology plan --inputs &lt;export&gt;</code> computes the same plan off chain.</p>",
            xml(&why)
        );
        (html(200, "Membership plan", &body), None)
    };
    let solution = match crate::plan::kept(state) {
        Ok(s) => s,
        Err(api::Error::NotReady { reason }) => return none(reason),
        Err(e) => return none(format!("{e:?}")),
    };
    let Some(d) = state.derived_state() else { return none(crate::state::NO_SNAPSHOT.into()) };
    let (pm, warnings) = match ic_topology::plan::model::build(&d.inputs, &[]) {
        Ok(x) => x,
        Err(e) => return none(e),
    };
    let plan = ic_topology::plan::plan_of(&pm, solution, warnings);
    let Some(counts) = plan.counts else {
        return none(format!("no plan was found ({:?}; lower bound {})", plan.status, plan.lower_bound).to_lowercase());
    };
    let rows = charts::plan_changes(&pm, &ic_topology::plan::output::subnet_changes(&d.inputs, &pm, &plan));
    let mut body = String::new();
    write!(
        body,
        "<dl><dt>Plan cost</dt><dd id=\"plan-cost\">{}</dd><dt>Proof</dt><dd>{}</dd><dt>Dropped</dt><dd id=\"plan-dropped\">{}</dd>\
<dt>Moved</dt><dd id=\"plan-moved\">{}</dd><dt>Newly assigned (synthetic included)</dt><dd id=\"plan-newly-assigned\">{}</dd><dt>Synthetic</dt><dd id=\"plan-synthetic\">{}</dd>\
<dt>Registry version</dt><dd>{}</dd></dl>\
<p>Cost: dropped + 3 x moved + newly assigned + 100 x synthetic, the reference's <code>minimize_node_swaps</code>.</p>\
<figure><img src=\"{PLAN_CHART}\" alt=\"Columns per subnet: nodes kept and arriving above the line, nodes leaving below it\"><figcaption>Per subnet: kept, moved in, newly assigned and synthetic nodes above the line; moved away and dropped below.</figcaption></figure>\
<h2>Subnets that change</h2><div class=\"scroll\"><table id=\"plan-table\"><thead><tr><th scope=\"col\">Subnet</th><th scope=\"col\">Kept</th><th scope=\"col\">Moved in</th><th scope=\"col\">Newly assigned</th><th scope=\"col\">Synthetic</th><th scope=\"col\">Moved away</th><th scope=\"col\">Dropped</th></tr></thead><tbody>",
        plan.cost.map_or_else(|| format!("{} to {}", plan.lower_bound, plan.upper_bound.map_or("-".into(), |u| u.to_string())), |c| c.to_string()),
        match (plan.cost, plan.certificate_is_tight) {
            (Some(_), true) => "proven optimal: the plan and a lower-bound certificate",
            (Some(_), false) => "proven optimal by branch and bound",
            (None, _) => "not proven within the canister's budget",
        },
        counts.dropped,
        counts.moved,
        counts.newly_assigned,
        counts.synthetic,
        state.registry_version(),
    )
    .expect("String");
    for r in rows.iter().filter(|r| r.arriving() + r.leaving() > 0) {
        let name = r.subnet_id.as_deref().unwrap_or(&r.subnet);
        write!(
            body,
            "<tr data-subnet=\"{}\"><td class=\"text\" title=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            xml(name),
            xml(name),
            xml(&r.subnet),
            r.unchanged,
            r.moved_in,
            r.newly_assigned,
            r.synthetic,
            r.moved_away,
            r.dropped
        )
        .expect("String");
    }
    body.push_str("</tbody></table></div><p>The proposals that carry the plan out, in an order that can be executed: <code>plan_membership_changes</code>; check one with <code>verify_membership_change</code>.</p>");
    let chart = Page { status: 200, content_type: SVG, body: charts::subnet_change_summary(&rows).into_bytes() };
    (html(200, "Membership plan", &body), Some(chart))
}

/// Decode `%XX` escapes and `+` (a form's space).
pub fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
                let v = hex.and_then(|h| u8::from_str_radix(h, 16).ok()).ok_or("a bad %-escape")?;
                out.push(v);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "not UTF-8".to_string())
}

/// The candidate of a form's query string, or the reason it is not one.
pub fn parse_candidate(query: &str) -> Result<api::CandidateRow, String> {
    let mut fields: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_decode(k).map_err(|e| format!("a query parameter's name: {e}"))?;
        let v = percent_decode(v).map_err(|e| format!("query parameter {k}: {e}"))?;
        if !["provider", "data_center", "data_center_provider", "country", "sev", "nodes"].contains(&k.as_str()) {
            return Err(format!("unknown query parameter {k:?}"));
        }
        if fields.insert(k.clone(), v).is_some() {
            return Err(format!("query parameter {k} is given twice"));
        }
    }
    let text = |k: &str| -> Result<String, String> {
        let v = fields.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
        if v.is_empty() {
            Err(format!("{k} is missing or empty"))
        } else {
            Ok(v)
        }
    };
    // In the form's order, so the first mistake named is the first field.
    let (node_provider, data_center) = (text("provider")?, text("data_center")?);
    let (data_center_provider, country) = (text("data_center_provider")?, text("country")?);
    let is_sev = match fields.get("sev").map(String::as_str) {
        None | Some("false") => false,
        Some("true") | Some("on") => true,
        Some(other) => return Err(format!("sev must be true or false, not {other:?}")),
    };
    let nodes = text("nodes")?;
    let no_nodes: u32 = nodes.parse().map_err(|_| format!("nodes must be a whole number, not {nodes:?}"))?;
    Ok(api::CandidateRow { node_provider, data_center, data_center_provider, country, is_sev, no_nodes })
}

fn error_page(e: &api::Error) -> Page {
    match e {
        api::Error::InvalidArgument { field, reason } => {
            message(400, "Bad request", &format!("{}: {reason}", field.replace("candidates[0].", "").replace("no_nodes", "nodes")))
        }
        api::Error::NotReady { reason } => message(503, "Not ready", reason),
        api::Error::BudgetExceeded { lower_bound, upper_bound } => message(
            503,
            "Not proven within the query's budget",
            &format!(
                "The ObjectiveValue with these candidates lies between {lower_bound} and {}; publish_evaluation or the topology tool can prove it.",
                opt(*upper_bound)
            ),
        ),
        other => message(500, "Error", &format!("{other:?}")),
    }
}

fn verdict_text(v: Option<api::Verdict>) -> &'static str {
    match v {
        Some(api::Verdict::OneForOne) => "one for one",
        Some(api::Verdict::Diminishing) => "diminishing",
        Some(api::Verdict::None) => "none",
        None => "unknown",
    }
}

fn shell(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The answer to the candidate form (computed in the query; not certified).
pub fn answer(state: &State, env: &impl Env, query: &str) -> Page {
    let row = match parse_candidate(query) {
        Ok(r) => r,
        Err(reason) => return message(400, "Bad request", &reason),
    };
    let (ev, summary) = match state.evaluation_and_summary(env, vec![row.clone()]) {
        Ok(x) => x,
        Err(e) => return error_page(&e),
    };
    let curve = charts::CurveInput {
        points: ev.curve.iter().map(|p| (p.nodes, p.objective)).collect(),
        optimal_deployment_size: ev.optimal_deployment_size,
    };
    let mut body = String::new();
    write!(
        body,
        "<p>{} node(s) of {} in {} ({}, {}), {}SEV-capable.</p>\
<dl><dt>ObjectiveValue before</dt><dd id=\"objective-before\">{}</dd><dt>ObjectiveValue after</dt><dd id=\"objective-after\">{}</dd>\
<dt>Reduction</dt><dd id=\"reduction\">{}</dd><dt>Verdict</dt><dd id=\"verdict\" class=\"{}\">{}</dd>\
<dt>Optimal deployment size</dt><dd id=\"optimal-deployment-size\">{}</dd><dt>Registry version</dt><dd>{}</dd></dl>\
<h2>The curve</h2><figure>{}<figcaption>ObjectiveValue with the first N candidate nodes; dashed: one for one from the baseline; vertical: the optimal deployment size.</figcaption></figure>\
<table id=\"curve-table\"><thead><tr><th scope=\"col\">Nodes added</th><th scope=\"col\">ObjectiveValue</th><th scope=\"col\">Status</th></tr></thead><tbody>",
        row.no_nodes,
        xml(&row.node_provider),
        xml(&row.data_center),
        xml(&row.data_center_provider),
        xml(&row.country),
        if row.is_sev { "" } else { "not " },
        opt(ev.baseline_objective),
        opt(ev.objective),
        ev.reduction.map_or("unknown".into(), |r| r.to_string()),
        if ev.verdict == Some(api::Verdict::OneForOne) { "good" } else { "bad" },
        verdict_text(ev.verdict),
        opt(ev.optimal_deployment_size),
        ev.registry_version,
        charts::curve(&curve)
    )
    .expect("String");
    for p in &ev.curve {
        write!(
            body,
            "<tr data-nodes=\"{}\"><td>{}</td><td>{}</td><td class=\"text\">{:?}</td></tr>",
            p.nodes,
            p.nodes,
            opt(p.objective),
            p.status
        )
        .expect("String");
    }
    let canister = env.canister_id().to_text();
    let arg = ic_topology::summary::candid_request(&[ic_topology::inputs::CandidateRow::from(&row)]);
    write!(
        body,
        "</tbody></table><h2>Reproduce and quote</h2><p>The same answer from the command line:</p>\
<pre id=\"dfx-command\">dfx canister call --ic --query {c} proposal_summary {a}</pre>\
<pre id=\"icp-command\">icp canister call -e ic {c} proposal_summary {a}</pre>\
<p>The text to quote in the proposal (SHA-256 <code id=\"summary-sha256\">{}</code>):</p><pre id=\"proposal-summary\">{}</pre>\
<p>This answer was computed by one replica for this request and is not certified. <code>publish_evaluation</code> certifies it under key <code>{}</code> (see <a href=\"/verify\">Verify</a>).</p>",
        summary.sha256,
        xml(&summary.text),
        xml(&summary.publication_key),
        c = xml(&canister),
        a = xml(&shell(&arg)),
    )
    .expect("String");
    html(200, "Evaluation of the candidate nodes", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_text_is_cut_on_a_character_boundary() {
        assert_eq!(cut("short"), "short");
        let long = "é".repeat(LISTED_TEXT + 5);
        assert_eq!(cut(&long), format!("{}...", "é".repeat(LISTED_TEXT)));
    }

    #[test]
    fn query_strings_parse_or_name_the_bad_field() {
        let r = parse_candidate(
            "provider=Lionel+Messi&data_center=Buenos%20Aires%201&data_center_provider=Peron&country=AR&sev=on&nodes=6",
        )
        .unwrap();
        assert_eq!(r.node_provider, "Lionel Messi");
        assert_eq!(r.data_center, "Buenos Aires 1");
        assert!(r.is_sev);
        assert_eq!(r.no_nodes, 6);
        let bad = |q: &str| parse_candidate(q).unwrap_err();
        assert!(bad("provider=a&data_center=b&data_center_provider=c&country=AR&nodes=x")
            .contains("nodes must be a whole number"));
        assert!(bad("provider=a&data_center=b&data_center_provider=c&nodes=1").contains("country is missing"));
        assert!(bad("provider=%zz").contains("bad %-escape"));
        assert!(bad("color=red").contains("unknown query parameter"));
        assert!(bad("provider=a&provider=b").contains("twice"));
    }

    #[test]
    fn utc_formats_nanoseconds() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_763_700_000_000_000_000), "2025-11-21 04:40:00 UTC");
        assert_eq!(utc(951_782_400_000_000_000), "2000-02-29 00:00:00 UTC");
    }
}

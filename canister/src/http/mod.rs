//! The dashboard: `http_request`, served by the canister itself, certified for
//! the IC HTTP gateway (response verification v2, `ic-http-certification`).
//!
//! Every page that depends only on the stored state (the overview and its
//! sorted variants, the per-attribute chart pages, the SVG charts of the
//! current snapshot, the form, the verification page, the style sheet and the
//! 404 page) is rendered when that state changes ([`rebuild`], called from
//! `State::rederive`, so in init, post_upgrade and every update that changes
//! the snapshot, topology or configuration) and certified in the
//! `http_expr` subtree of the canister's one certified root
//! (`crate::certified`). A query only looks the response up and attaches the
//! witness. Answers to the candidate form (`/answer?...`) are computed in the
//! query from the query string, so no update can certify them in advance:
//! they explicitly skip certification (a skip entry in the same tree), and
//! the page says how to obtain a certified answer (`publish_evaluation`).

pub mod pages;
pub mod placements;

use crate::certified::Part;
use crate::state::{Env, State};
use ic_http_certification::{
    utils::add_v2_certificate_header, DefaultCelBuilder, DefaultResponseCertification, HttpCertification,
    HttpCertificationPath, HttpCertificationTree, HttpCertificationTreeEntry, HttpResponse, StatusCode,
    CERTIFICATE_EXPRESSION_HEADER_NAME,
};
use ic_topology::api;
use std::cell::RefCell;
use std::collections::BTreeMap;

/// The label of the HTTP certification subtree (fixed by the gateway protocol).
pub const LABEL: &[u8] = b"http_expr";

/// The dynamic route: answers to the candidate form.
pub const ANSWER: &str = "/answer";

/// A rendered page: its status, content type and body.
pub struct Page {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

struct Certified {
    response: HttpResponse<'static>,
    entry: HttpCertificationTreeEntry<'static>,
}

struct Site {
    tree: HttpCertificationTree,
    exact: BTreeMap<String, Certified>,
    not_found: Certified,
    skip: HttpCertificationTreeEntry<'static>,
}

thread_local! {
    static SITE: RefCell<Option<Site>> = const { RefCell::new(None) };
}

/// Headers every response carries (all certified for certified pages).
fn headers(content_type: &str) -> Vec<(String, String)> {
    vec![
        ("content-type".into(), content_type.into()),
        ("cache-control".into(), "no-cache".into()),
        ("x-content-type-options".into(), "nosniff".into()),
        (
            "content-security-policy".into(),
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
                .into(),
        ),
    ]
}

fn certified(path: HttpCertificationPath<'static>, page: Page) -> Certified {
    let cel = DefaultCelBuilder::response_only_certification()
        .with_response_certification(DefaultResponseCertification::response_header_exclusions(vec![]))
        .build();
    let mut h = headers(page.content_type);
    h.push((CERTIFICATE_EXPRESSION_HEADER_NAME.into(), cel.to_string()));
    let response = HttpResponse::builder()
        .with_status_code(StatusCode::from_u16(page.status).expect("a valid status"))
        .with_headers(h)
        .with_body(page.body)
        .build();
    let certification = HttpCertification::response_only(&cel, &response, None).expect("a certifiable response");
    Certified { response, entry: HttpCertificationTreeEntry::new(path, certification) }
}

/// Render and certify every state-derived page (see the module's opening).
pub fn rebuild(state: &State) {
    let mut tree = HttpCertificationTree::default();
    let mut exact = BTreeMap::new();
    for (path, page) in pages::certified_pages(state).into_iter().chain(placements::pages(state)) {
        let c = certified(HttpCertificationPath::exact(path.clone()), page);
        tree.insert(&c.entry);
        exact.insert(path, c);
    }
    let not_found = certified(HttpCertificationPath::wildcard("/"), pages::not_found());
    tree.insert(&not_found.entry);
    let skip = HttpCertificationTreeEntry::new(HttpCertificationPath::exact(ANSWER), HttpCertification::skip());
    tree.insert(&skip);
    SITE.with(|s| *s.borrow_mut() = Some(Site { tree, exact, not_found, skip }));
}

/// The HTTP subtree's part of the certified root.
pub fn part() -> Part<'static> {
    SITE.with(|s| Part {
        label: LABEL,
        hash: s.borrow().as_ref().expect("the site is built when the state opens").tree.root_hash(),
    })
}

fn api_response(r: &HttpResponse) -> api::HttpResponse {
    api::HttpResponse {
        status_code: r.status_code().as_u16(),
        headers: r.headers().to_vec(),
        body: serde_bytes::ByteBuf::from(r.body().to_vec()),
        upgrade: None,
    }
}

/// Split a request URL into its path and query string.
fn split_url(url: &str) -> (&str, Option<&str>) {
    match url.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (url, None),
    }
}

/// Answer one HTTP request (a query: nothing is changed).
pub fn http_request(state: &State, env: &impl Env, req: api::HttpRequest) -> api::HttpResponse {
    let (path, query) = split_url(&req.url);
    let path = pages::percent_decode(path).unwrap_or_else(|_| path.to_string());
    let certificate = env.data_certificate();
    if req.method != "GET" && req.method != "HEAD" {
        let page = pages::message(405, "Method not allowed", "This dashboard only answers GET requests.");
        let mut r = HttpResponse::builder()
            .with_status_code(StatusCode::from_u16(405).expect("405"))
            .with_headers(headers(page.content_type))
            .with_body(page.body)
            .build();
        r.add_header(("allow".into(), "GET, HEAD".into()));
        return api_response(&r);
    }
    SITE.with(|s| {
        let s = s.borrow();
        let site = s.as_ref().expect("the site is built when the state opens");
        let parts = state.certified_parts();
        let with_certificate =
            |mut response: HttpResponse<'static>, entry: &HttpCertificationTreeEntry, expr: &[String]| {
                if let Some(cert) = &certificate {
                    let witness = site.tree.witness(entry, &path).expect("the entry is in the tree");
                    let witness = crate::certified::http_witness(&parts, LABEL, witness);
                    add_v2_certificate_header(cert, &mut response, &witness, expr);
                }
                api_response(&response)
            };
        if path == ANSWER {
            let page = pages::answer(state, env, query.unwrap_or(""));
            let mut h = headers(page.content_type);
            h.push((CERTIFICATE_EXPRESSION_HEADER_NAME.into(), DefaultCelBuilder::skip_certification().to_string()));
            let response = HttpResponse::builder()
                .with_status_code(StatusCode::from_u16(page.status).expect("a valid status"))
                .with_headers(h)
                .with_body(page.body)
                .build();
            return with_certificate(response, &site.skip, &HttpCertificationPath::exact(ANSWER).to_expr_path());
        }
        // Certified pages answer their path whatever the query string (they do not read it).
        match site.exact.get(path.as_str()) {
            Some(c) => with_certificate(
                c.response.clone(),
                &c.entry,
                &HttpCertificationPath::exact(path.clone()).to_expr_path(),
            ),
            None => with_certificate(
                site.not_found.response.clone(),
                &site.not_found.entry,
                &HttpCertificationPath::wildcard("/").to_expr_path(),
            ),
        }
    })
}

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
//! witness. The pages of the proposal verdicts and of the kept membership
//! plan follow their own stores and are certified in the update that changes
//! them ([`refresh`]). A request with another method than GET or HEAD gets a
//! 405 that is certified too (at the path's own entry, or at the wildcard).
//! Answers to the candidate form (`/answer?...`) are computed in the
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
    /// The 405 answer certified at the same path (a request with another method).
    not_allowed: HttpCertificationTreeEntry<'static>,
}

/// Pages that follow stores other than the snapshot: the proposal verdicts
/// (`/proposals`, `/proposals/<id>`) and the kept membership plan (`/plan`).
/// They are re-rendered by [`refresh`] when their store changed, in the
/// update that changed it, before the certified data is set.
#[derive(Default)]
struct Followed {
    /// The verdict store's generation last rendered, and each verdict's hash.
    proposals_generation: Option<u64>,
    proposal_hashes: BTreeMap<u64, [u8; 32]>,
    /// The kept plan's state last rendered (`crate::plan::kept_tag`).
    plan_tag: Option<String>,
}

struct Site {
    tree: HttpCertificationTree,
    pages: BTreeMap<String, Certified>,
    not_found: Certified,
    skip: HttpCertificationTreeEntry<'static>,
    /// The 405 response (the same bytes at every path).
    not_allowed: HttpResponse<'static>,
    not_allowed_certification: HttpCertification,
    followed: Followed,
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

fn cel() -> ic_http_certification::DefaultResponseOnlyCelExpression<'static> {
    DefaultCelBuilder::response_only_certification()
        .with_response_certification(DefaultResponseCertification::response_header_exclusions(vec![]))
        .build()
}

/// A response with its certification (every header certified).
fn certify(page: Page, extra: Vec<(String, String)>) -> (HttpResponse<'static>, HttpCertification) {
    let cel = cel();
    let mut h = headers(page.content_type);
    h.extend(extra);
    h.push((CERTIFICATE_EXPRESSION_HEADER_NAME.into(), cel.to_string()));
    let response = HttpResponse::builder()
        .with_status_code(StatusCode::from_u16(page.status).expect("a valid status"))
        .with_headers(h)
        .with_body(page.body)
        .build();
    let certification = HttpCertification::response_only(&cel, &response, None).expect("a certifiable response");
    (response, certification)
}

impl Site {
    fn certified(&self, path: HttpCertificationPath<'static>, page: Page) -> Certified {
        let (response, certification) = certify(page, vec![]);
        Certified {
            response,
            entry: HttpCertificationTreeEntry::new(path.clone(), certification),
            not_allowed: HttpCertificationTreeEntry::new(path, self.not_allowed_certification),
        }
    }

    /// Certify `page` at exact `path`, replacing what was there.
    fn put(&mut self, path: String, page: Page) {
        self.remove(&path);
        let c = self.certified(HttpCertificationPath::exact(path.clone()), page);
        self.tree.insert(&c.entry);
        self.tree.insert(&c.not_allowed);
        self.pages.insert(path, c);
    }

    fn remove(&mut self, path: &str) {
        if let Some(old) = self.pages.remove(path) {
            self.tree.delete(&old.entry);
            self.tree.delete(&old.not_allowed);
        }
    }
}

/// Render and certify every state-derived page (see the module's opening).
/// The pages of the verdicts are kept from the previous site (they do not
/// depend on the snapshot); the plan's page is rendered again by [`refresh`].
pub fn rebuild(state: &State) {
    let previous = SITE.with(|s| s.borrow_mut().take());
    let not_allowed_page =
        pages::message(405, "Method not allowed", "This dashboard only answers GET and HEAD requests.");
    let (not_allowed, not_allowed_certification) =
        certify(not_allowed_page, vec![("allow".into(), "GET, HEAD".into())]);
    let (not_found_response, not_found_certification) = certify(pages::not_found(), vec![]);
    let wildcard = HttpCertificationPath::wildcard("/");
    let mut site = Site {
        tree: HttpCertificationTree::default(),
        pages: BTreeMap::new(),
        not_found: Certified {
            response: not_found_response,
            entry: HttpCertificationTreeEntry::new(wildcard.clone(), not_found_certification),
            not_allowed: HttpCertificationTreeEntry::new(wildcard, not_allowed_certification),
        },
        skip: HttpCertificationTreeEntry::new(HttpCertificationPath::exact(ANSWER), HttpCertification::skip()),
        not_allowed,
        not_allowed_certification,
        followed: Followed::default(),
    };
    site.tree.insert(&site.not_found.entry);
    site.tree.insert(&site.not_found.not_allowed);
    site.tree.insert(&site.skip);
    for (path, page) in pages::certified_pages(state).into_iter().chain(placements::pages(state)) {
        site.put(path, page);
    }
    if let Some(previous) = previous {
        for (path, c) in previous.pages {
            if path == pages::PROPOSALS || path.starts_with(pages::PROPOSAL_PREFIX) {
                site.tree.insert(&c.entry);
                site.tree.insert(&c.not_allowed);
                site.pages.insert(path, c);
            }
        }
        site.followed.proposals_generation = previous.followed.proposals_generation;
        site.followed.proposal_hashes = previous.followed.proposal_hashes;
    }
    SITE.with(|s| *s.borrow_mut() = Some(site));
}

/// Bring the followed pages up to date with the verdict store and the kept
/// plan. Called before every computation of the certified root
/// (`State::certified_root`), so an update that changes either certifies
/// their pages with it; cheap when nothing changed.
pub fn refresh(state: &State) {
    SITE.with(|s| {
        let mut s = s.borrow_mut();
        let Some(site) = s.as_mut() else { return };
        let governance = state.governance();
        if site.followed.proposals_generation != Some(governance.generation()) {
            let hashes = governance.hashes().clone();
            let gone: Vec<u64> =
                site.followed.proposal_hashes.keys().filter(|id| !hashes.contains_key(id)).copied().collect();
            for id in gone {
                site.remove(&pages::proposal_path(id));
            }
            for (id, hash) in &hashes {
                if site.followed.proposal_hashes.get(id) != Some(hash) {
                    if let Some(entry) = governance.get(*id) {
                        site.put(pages::proposal_path(*id), pages::proposal(&entry.verdict()));
                    }
                }
            }
            site.put(pages::PROPOSALS.into(), pages::proposals(state));
            site.followed.proposal_hashes = hashes;
            site.followed.proposals_generation = Some(governance.generation());
        }
        let tag = crate::plan::kept_tag(state);
        if site.followed.plan_tag.as_deref() != Some(tag.as_str()) {
            let (page, chart) = pages::plan(state);
            site.put(pages::PLAN.into(), page);
            match chart {
                Some(chart) => site.put(pages::PLAN_CHART.into(), chart),
                None => site.remove(pages::PLAN_CHART),
            }
            site.followed.plan_tag = Some(tag);
        }
    });
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

/// Answer one HTTP request (a query: nothing is changed). Every response
/// carries a certificate the gateway checks, except the candidate form's
/// answers, which say explicitly that they skip certification.
pub fn http_request(state: &State, env: &impl Env, req: api::HttpRequest) -> api::HttpResponse {
    let (path, query) = split_url(&req.url);
    let path = pages::percent_decode(path).unwrap_or_else(|_| path.to_string());
    let certificate = env.data_certificate();
    // Before the site is borrowed: the parts read it.
    let parts = state.certified_parts();
    let allowed = req.method == "GET" || req.method == "HEAD";
    SITE.with(|s| {
        let s = s.borrow();
        let site = s.as_ref().expect("the site is built when the state opens");
        let with_certificate =
            |mut response: HttpResponse<'static>, entry: &HttpCertificationTreeEntry, expr: &[String]| {
                if let Some(cert) = &certificate {
                    let witness = site.tree.witness(entry, &path).expect("the entry is in the tree");
                    let witness = crate::certified::http_witness(&parts, LABEL, witness);
                    add_v2_certificate_header(cert, &mut response, &witness, expr);
                }
                api_response(&response)
            };
        let exact = HttpCertificationPath::exact(path.clone()).to_expr_path();
        let wildcard = HttpCertificationPath::wildcard("/").to_expr_path();
        if !allowed {
            // Certified at the path's own entry where the path has a page, else at the wildcard.
            return match site.pages.get(path.as_str()) {
                Some(c) => with_certificate(site.not_allowed.clone(), &c.not_allowed, &exact),
                None if path == ANSWER => with_certificate(skipped(site.not_allowed.clone()), &site.skip, &exact),
                None => with_certificate(site.not_allowed.clone(), &site.not_found.not_allowed, &wildcard),
            };
        }
        if path == ANSWER {
            let page = pages::answer(state, env, query.unwrap_or(""));
            let response = HttpResponse::builder()
                .with_status_code(StatusCode::from_u16(page.status).expect("a valid status"))
                .with_headers(headers(page.content_type))
                .with_body(page.body)
                .build();
            return with_certificate(skipped(response), &site.skip, &exact);
        }
        // Certified pages answer their path whatever the query string (they do not read it).
        match site.pages.get(path.as_str()) {
            Some(c) => with_certificate(c.response.clone(), &c.entry, &exact),
            None => with_certificate(site.not_found.response.clone(), &site.not_found.entry, &wildcard),
        }
    })
}

/// `response` with the expression header that says it skips certification.
fn skipped(mut response: HttpResponse<'static>) -> HttpResponse<'static> {
    response.headers_mut().retain(|(k, _)| !k.eq_ignore_ascii_case(CERTIFICATE_EXPRESSION_HEADER_NAME));
    response
        .add_header((CERTIFICATE_EXPRESSION_HEADER_NAME.into(), DefaultCelBuilder::skip_certification().to_string()));
    response
}

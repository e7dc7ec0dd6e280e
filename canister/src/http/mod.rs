//! The dashboard: `http_request`, served by the canister itself, certified for
//! the IC HTTP gateway (response verification v2, `ic-http-certification`).
//!
//! Every page that depends only on the stored state (the overview and its
//! sorted variants, the per-attribute chart pages, the SVG charts of the
//! current snapshot, the form, the verification page, the style sheet and the
//! 404 page) is rendered when that state changes ([`refresh`], called by the write path
//! of `crate::lifecycle` in init, post_upgrade and every update, renders them
//! again when the state's page generation moved) and certified in the
//! `http_expr` subtree of the canister's one certified root
//! (`crate::stores::certified`). A query only looks the response up and attaches the
//! witness. The pages of the proposal verdicts and of the kept membership
//! plan follow their own stores and are certified in the update that changes
//! them (also [`refresh`]). Nothing here changes the state: [`refresh`] takes
//! the dashboard's store ([`Site`]) and returns it up to date. A request with another method than GET or HEAD gets a
//! 405 that is certified too (at the path's own entry, or at the wildcard).
//! Answers to the candidate form (`/answer?...`) are computed in the
//! query from the query string, so no update can certify them in advance:
//! they explicitly skip certification (a skip entry in the same tree), and
//! the page says how to obtain a certified answer (`publish_evaluation`).

pub mod pages;
pub mod placements;

use crate::guard::Arg;
use crate::state::{Env, State};
use crate::stores::dashboard::headers;
pub use crate::stores::dashboard::{Page, Site, ANSWER, LABEL};
use ic_http_certification::{
    utils::add_v2_certificate_header, DefaultCelBuilder, HttpCertificationPath, HttpCertificationTreeEntry,
    HttpResponse, StatusCode, CERTIFICATE_EXPRESSION_HEADER_NAME,
};
use ic_topology::api;

/// A site with no page yet (the 404 and 405 answers and the skip entry).
pub fn empty_site() -> Site {
    let not_allowed = pages::message(405, "Method not allowed", "This dashboard only answers GET and HEAD requests.");
    Site::new(pages::not_found(), not_allowed)
}

/// `site` brought up to date with `state`: every state-derived page rendered
/// and certified again when the state's page generation moved since `site`
/// was rendered (the verdicts' pages are kept: they do not depend on the
/// snapshot), then the followed pages (verdicts, plan) brought up to date.
/// Cheap when nothing changed.
pub fn refresh(state: &State, site: Option<Site>) -> Site {
    let generation = state.page_generation();
    let mut site = match site {
        Some(site) if site.built_from == Some(generation) => site,
        previous => rebuild(state, previous),
    };
    follow(state, &mut site);
    site
}

/// Render and certify every state-derived page (see the module's opening).
fn rebuild(state: &State, previous: Option<Site>) -> Site {
    let mut site = empty_site();
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
    site.built_from = Some(state.page_generation());
    site
}

/// Bring the followed pages up to date with the verdict store and the kept plan.
fn follow(state: &State, site: &mut Site) {
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
/// answers, which say explicitly that they skip certification. A refusal
/// of the argument (see `crate::guard`) has no `Result` to go in: the call
/// is rejected with it.
pub fn http_request(state: &State, env: &impl Env, req: Arg<api::HttpRequest>) -> api::HttpResponse {
    let req = req.unwrap_or_else(|e| ic_cdk::trap(format!("{e:?}")));
    let (path, query) = split_url(&req.url);
    let path = pages::percent_decode(path).unwrap_or_else(|_| path.to_string());
    let certificate = env.data_certificate();
    // Before the site is borrowed: the parts read it.
    let parts = state.certified_parts();
    let allowed = req.method == "GET" || req.method == "HEAD";
    {
        let site = state.dashboard().expect("the dashboard is rendered when the canister opens (crate::lifecycle)");
        let with_certificate =
            |mut response: HttpResponse<'static>, entry: &HttpCertificationTreeEntry, expr: &[String]| {
                if let Some(cert) = &certificate {
                    let witness = site.tree.witness(entry, &path).expect("the entry is in the tree");
                    let witness = crate::stores::certified::http_witness(&parts, LABEL, witness);
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
    }
}

/// `response` with the expression header that says it skips certification.
fn skipped(mut response: HttpResponse<'static>) -> HttpResponse<'static> {
    response.headers_mut().retain(|(k, _)| !k.eq_ignore_ascii_case(CERTIFICATE_EXPRESSION_HEADER_NAME));
    response
        .add_header((CERTIFICATE_EXPRESSION_HEADER_NAME.into(), DefaultCelBuilder::skip_certification().to_string()));
    response
}

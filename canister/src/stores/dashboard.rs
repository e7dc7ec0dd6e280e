//! The dashboard's certification tree: every certified response of the
//! dashboard (`crate::http` renders them) and the HTTP certification tree
//! (response verification v2, `ic-http-certification`) that is the
//! `http_expr` subtree of the canister's one certified root. Heap only: the
//! write path (`crate::lifecycle`) renders it again after an upgrade.

use crate::stores::certified::Part;
use ic_http_certification::{
    DefaultCelBuilder, DefaultResponseCertification, HttpCertification, HttpCertificationPath, HttpCertificationTree,
    HttpCertificationTreeEntry, HttpResponse, StatusCode, CERTIFICATE_EXPRESSION_HEADER_NAME,
};
use std::collections::BTreeMap;

/// The label of the HTTP certification subtree (fixed by the gateway protocol).
pub const LABEL: &[u8] = b"http_expr";

/// The dynamic route: answers to the candidate form.
pub const ANSWER: &str = "/answer";

/// A rendered page: its status, content type and body.
pub struct Page {
    /// The HTTP status.
    pub status: u16,
    /// The content type.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
}

/// A certified response and its entries in the tree.
pub struct Certified {
    /// The response.
    pub response: HttpResponse<'static>,
    /// Its certification at its path.
    pub entry: HttpCertificationTreeEntry<'static>,
    /// The 405 answer certified at the same path (a request with another method).
    pub not_allowed: HttpCertificationTreeEntry<'static>,
}

/// Pages that follow stores other than the snapshot: the proposal verdicts
/// (`/proposals`, `/proposals/<id>`) and the kept membership plan (`/plan`).
/// They are re-rendered by `crate::http::refresh` when their store changed, in the
/// update that changed it, before the certified data is set.
#[derive(Default)]
pub struct Followed {
    /// The verdict store's generation last rendered, and each verdict's hash.
    pub proposals_generation: Option<u64>,
    /// Each rendered verdict's hash.
    pub proposal_hashes: BTreeMap<u64, [u8; 32]>,
    /// The kept plan's state last rendered (`crate::plan::kept_tag`).
    pub plan_tag: Option<String>,
}

/// The dashboard's certified responses and their certification tree.
pub struct Site {
    /// The certification tree (the `http_expr` subtree).
    pub tree: HttpCertificationTree,
    /// The certified pages, by path.
    pub pages: BTreeMap<String, Certified>,
    /// The 404 answer, certified at the wildcard.
    pub not_found: Certified,
    /// The entry that lets the form's answers skip certification.
    pub skip: HttpCertificationTreeEntry<'static>,
    /// The 405 response (the same bytes at every path).
    pub not_allowed: HttpResponse<'static>,
    /// The 405 response's certification.
    pub not_allowed_certification: HttpCertification,
    /// What the followed pages were rendered from.
    pub followed: Followed,
    /// The state's page generation (`State::page_generation`) the pages of
    /// the snapshot were rendered from (`None`: not rendered yet).
    pub built_from: Option<u64>,
}

/// Headers every response carries (all certified for certified pages).
pub fn headers(content_type: &str) -> Vec<(String, String)> {
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
pub fn certify(page: Page, extra: Vec<(String, String)>) -> (HttpResponse<'static>, HttpCertification) {
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
    pub fn put(&mut self, path: String, page: Page) {
        self.remove(&path);
        let c = self.certified(HttpCertificationPath::exact(path.clone()), page);
        self.tree.insert(&c.entry);
        self.tree.insert(&c.not_allowed);
        self.pages.insert(path, c);
    }

    /// Drop the page at `path`.
    pub fn remove(&mut self, path: &str) {
        if let Some(old) = self.pages.remove(path) {
            self.tree.delete(&old.entry);
            self.tree.delete(&old.not_allowed);
        }
    }
}

impl Site {
    /// A site with no page yet: `not_found` answers every path (certified at
    /// the wildcard), `not_allowed` every other method than GET and HEAD, and
    /// the candidate form's answers skip certification.
    pub fn new(not_found: Page, not_allowed: Page) -> Site {
        let (not_allowed, not_allowed_certification) = certify(not_allowed, vec![("allow".into(), "GET, HEAD".into())]);
        let (not_found_response, not_found_certification) = certify(not_found, vec![]);
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
            built_from: None,
        };
        site.tree.insert(&site.not_found.entry);
        site.tree.insert(&site.not_found.not_allowed);
        site.tree.insert(&site.skip);
        site
    }

    /// The HTTP subtree's part of the certified root.
    pub fn part(&self) -> Part<'static> {
        Part { label: LABEL, hash: self.tree.root_hash() }
    }
}

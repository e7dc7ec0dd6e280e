//! The dashboard in a real browser: headless Chromium (Debian's package),
//! driven through the DevTools protocol, loads the pages from the real
//! module through a small HTTP bridge on 127.0.0.1 that forwards every
//! request to the module's `http_request` and, like the IC HTTP gateway,
//! refuses a response whose certification does not verify. The browser
//! fills the candidate form with the keyboard alone (Tab, typing, Space,
//! Enter) and submits it; the test reads the verdict, the
//! numbers and the drawn curve off the page and compares them with the
//! canister's `evaluate_candidates`; it reads the bars of a chart and the
//! rows of the overview and compares them with the canister's allocation
//! and decentralization; it saves screenshots (`SCREENSHOTS_DIR`, default
//! `target/screenshots`; the README shows the committed ones in `docs/`).
//!
//! Without Chromium the test says plainly that it was skipped, unless
//! `REQUIRE_CHROMIUM` is set (CI sets it), where it fails.
//!
//! What made the first version hang: Chromium's DevTools HTTP endpoint
//! (`/json/list`) answers with a Content-Length and keeps the connection
//! open whatever `Connection: close` says, so reading to the end of the
//! stream waited forever. Every read here is bounded by a deadline, and
//! page loads are awaited by polling `document.readyState` in the page
//! rather than by waiting for an event that may have fired already.

mod fake_registry;
mod support;

/// The smallest text a chart may show on its page, in CSS pixels.
const MIN_TEXT_PX: f64 = 10.0;

use base64::Engine as _;
use candid::{encode_args, encode_one};
use ic_topology::certification;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::ic_host::Host;
use support::*;
use topology_canister::api;

const NOW: u64 = 1_763_700_000_000_000_000;
const SUBNET_SECRET: [u8; 32] = {
    let mut k = [0u8; 32];
    k[31] = 91;
    k
};

/// The default network as generated, with its subnets' current members and
/// the topology's subnet ids (the shipped `defaults/` has them emptied), so the
/// overview has rows and the canister keeps a membership plan.
fn loaded(wasm: &[u8]) -> Host {
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
    // The membership plan: solved in two timer messages of its own, due at once.
    while h.fire_timer().expect("a timer message") {}
    h
}

/// What the browser is checked against, computed by the module before the browser starts.
struct Expected {
    evaluation: api::Evaluation,
    plan: api::MembershipPlan,
    allocation: Vec<api::SubnetAllocation>,
    subnets: Vec<api::SubnetDecentralization>,
    objective: u32,
}

/// One request the bridge read from the browser, and where to send the response.
struct Forward {
    request: api::HttpRequest,
    reply: mpsc::Sender<api::HttpResponse>,
}

/// The gateway's check on one response: `Err` when a certified response fails it.
fn gateway_check(h: &Host, root_key: &[u8], req: &api::HttpRequest, r: &api::HttpResponse) -> Result<(), String> {
    let request = ic_http_certification::HttpRequest::builder()
        .with_method(ic_http_certification::Method::from_bytes(req.method.as_bytes()).map_err(|e| e.to_string())?)
        .with_url(req.url.clone())
        .with_certificate_version(2)
        .build();
    let response = ic_http_certification::HttpResponse::builder()
        .with_status_code(ic_http_certification::StatusCode::from_u16(r.status_code).map_err(|e| e.to_string())?)
        .with_headers(r.headers.clone())
        .with_body(r.body.to_vec())
        .build();
    let info = ic_response_verification::verify_request_response_pair(
        request,
        response,
        h.canister_id(),
        NOW as u128,
        300_000_000_000,
        root_key,
        2,
    )
    .map_err(|e| e.to_string())?;
    match info.response {
        Some(certified) if certified.body != r.body.to_vec() => Err("the certified body differs".into()),
        _ => Ok(()),
    }
}

/// The module's thread: owns the host, answers the expectations first, then every forwarded request.
fn module_thread(wasm: Vec<u8>, expected: mpsc::Sender<Expected>, requests: mpsc::Receiver<Forward>) {
    let mut h = loaded(&wasm);
    let canister = h.canister_id().to_vec();
    let data = h.certified_data().to_vec();
    let (certificate, root_key) = certification::sign_certificate(&SUBNET_SECRET, &canister, &data, NOW).unwrap();
    h.set_data_certificate(Some(certificate));
    let evaluation: api::Result<api::Evaluation> = query(
        &mut h,
        "evaluate_candidates",
        &encode_one(api::EvaluateRequest { candidates: vec![argentina(6)], overrides: None, include_allocation: None })
            .unwrap(),
    );
    let baseline: api::Result<api::Evaluation> = query(
        &mut h,
        "evaluate_candidates",
        &encode_one(api::EvaluateRequest { candidates: vec![], overrides: None, include_allocation: Some(true) })
            .unwrap(),
    );
    let baseline = baseline.unwrap();
    let subnets: api::Result<Vec<api::SubnetDecentralization>> =
        query(&mut h, "get_decentralization", &encode_args(()).unwrap());
    let plan: api::Result<api::MembershipPlan> =
        query(&mut h, "plan_membership_changes", &encode_one(api::PlanRequest { subnets: vec![] }).unwrap());
    expected
        .send(Expected {
            evaluation: evaluation.unwrap(),
            plan: plan.expect("the kept plan"),
            allocation: baseline.allocation.clone().expect("the baseline's allocation"),
            subnets: subnets.unwrap(),
            objective: baseline.objective.expect("the default network's ObjectiveValue is proven"),
        })
        .unwrap();
    for f in requests {
        let r: api::HttpResponse = query(&mut h, "http_request", &encode_one(&f.request).unwrap());
        let r = match gateway_check(&h, &root_key, &f.request, &r) {
            Ok(()) => r,
            Err(e) => api::HttpResponse {
                status_code: 502,
                headers: vec![("content-type".into(), "text/plain".into())],
                body: serde_bytes::ByteBuf::from(format!("the gateway's check failed: {e}").into_bytes()),
                upgrade: None,
            },
        };
        let _ = f.reply.send(r);
    }
}

/// Read one HTTP/1.1 request from the browser, forward it, write the response.
fn bridge_one(stream: TcpStream, module: mpsc::Sender<Forward>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(()); // a speculative connection that sent nothing
    }
    let mut parts = line.split_whitespace();
    let (method, url) = (parts.next().unwrap_or("").to_string(), parts.next().unwrap_or("/").to_string());
    let mut headers = Vec::new();
    let mut length = 0usize;
    loop {
        let mut l = String::new();
        if reader.read_line(&mut l)? == 0 || l == "\r\n" || l == "\n" {
            break;
        }
        if let Some((k, v)) = l.trim_end().split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let mut body = vec![0; length.min(1 << 20)];
    reader.read_exact(&mut body)?;
    let request = api::HttpRequest {
        method: method.clone(),
        url,
        headers,
        body: serde_bytes::ByteBuf::from(body),
        certificate_version: Some(2),
    };
    let (tx, rx) = mpsc::channel();
    module.send(Forward { request, reply: tx }).map_err(|_| ErrorKind::BrokenPipe)?;
    let r = rx.recv().map_err(|_| ErrorKind::BrokenPipe)?;
    let mut out = stream;
    let mut head = format!("HTTP/1.1 {} Bridged\r\n", r.status_code);
    for (k, v) in &r.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\nconnection: close\r\n\r\n", r.body.len()));
    out.write_all(head.as_bytes())?;
    if method != "HEAD" {
        out.write_all(&r.body)?;
    }
    out.flush()
}

struct Browser {
    child: Child,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start Chromium with a fresh profile; the DevTools port it chose (from `DevToolsActivePort`).
fn launch(profile: &Path) -> (Browser, u16) {
    let _ = std::fs::remove_dir_all(profile);
    std::fs::create_dir_all(profile).unwrap();
    let child = Command::new("chromium")
        .args([
            "--headless",
            // Root (CI, containers) cannot use the setuid sandbox.
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--hide-scrollbars",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "--remote-allow-origins=*",
            "--window-size=1100,1200",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let browser = Browser { child };
    let port_file = profile.join("DevToolsActivePort");
    let start = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(&port_file) {
            if let Some(port) = text.lines().next().and_then(|l| l.trim().parse().ok()) {
                return (browser, port);
            }
        }
        assert!(start.elapsed() < Duration::from_secs(60), "chromium did not write {}", port_file.display());
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A GET to the DevTools HTTP endpoint. The endpoint keeps the connection
/// open, so the body is read by its Content-Length, never to the end of the stream.
fn devtools_get(port: u16, path: &str) -> Result<String, String> {
    let s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
    write!(&s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(s);
    let mut length = None;
    loop {
        let mut l = String::new();
        if reader.read_line(&mut l).map_err(|e| e.to_string())? == 0 {
            return Err("the DevTools endpoint closed before its headers ended".into());
        }
        if l == "\r\n" || l == "\n" {
            break;
        }
        if let Some((k, v)) = l.trim_end().split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse::<usize>().ok();
            }
        }
    }
    let mut body = vec![0; length.ok_or("the DevTools endpoint sent no Content-Length")?];
    reader.read_exact(&mut body).map_err(|e| e.to_string())?;
    String::from_utf8(body).map_err(|e| e.to_string())
}

struct Cdp {
    ws: tungstenite::WebSocket<TcpStream>,
    next: u64,
}

impl Cdp {
    /// Attach to the page target Chromium opened (about:blank).
    fn connect(port: u16) -> Cdp {
        let start = Instant::now();
        let url = loop {
            let list: Value =
                devtools_get(port, "/json/list").ok().and_then(|b| serde_json::from_str(&b).ok()).unwrap_or(json!([]));
            let page = list.as_array().and_then(|l| l.iter().find(|t| t["type"] == "page").cloned());
            if let Some(url) = page.and_then(|p| p["webSocketDebuggerUrl"].as_str().map(String::from)) {
                break url;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "no page target in /json/list");
            std::thread::sleep(Duration::from_millis(100));
        };
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        // Reads wake up every 500 ms so that every wait below can check its deadline.
        stream.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
        let (ws, _) = tungstenite::client(url.as_str(), stream).expect("the DevTools WebSocket handshake");
        Cdp { ws, next: 1 }
    }

    /// Send a command and return its result; events that arrive meanwhile are dropped
    /// (nothing here waits for an event). Panics after `timeout`, saying what it waited for.
    fn try_call(&mut self, method: &str, params: Value, timeout: Duration) -> Result<Value, Value> {
        let id = self.next;
        self.next += 1;
        let message = json!({"id": id, "method": method, "params": params}).to_string();
        self.ws.send(tungstenite::Message::text(message)).expect("a DevTools command is sent");
        let deadline = Instant::now() + timeout;
        loop {
            let msg = match self.ws.read() {
                Ok(m) => m,
                Err(tungstenite::Error::Io(e)) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    assert!(Instant::now() < deadline, "no answer to {method} within {timeout:?}");
                    continue;
                }
                Err(e) => panic!("the DevTools connection failed while waiting for {method}: {e}"),
            };
            let Ok(text) = msg.to_text() else { continue };
            let Ok(v) = serde_json::from_str::<Value>(text) else { continue };
            if v["id"] == id {
                return match v.get("error") {
                    Some(e) => Err(e.clone()),
                    None => Ok(v["result"].clone()),
                };
            }
        }
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        self.try_call(method, params, Duration::from_secs(60)).unwrap_or_else(|e| panic!("{method}: {e}"))
    }

    /// Evaluate `expression` in the page; `Err` while the page has no context to run it in.
    fn try_eval(&mut self, expression: &str) -> Result<Value, String> {
        let r = self
            .try_call(
                "Runtime.evaluate",
                json!({"expression": expression, "returnByValue": true}),
                Duration::from_secs(60),
            )
            .map_err(|e| e.to_string())?;
        if let Some(details) = r.get("exceptionDetails") {
            return Err(details.to_string());
        }
        Ok(r["result"]["value"].clone())
    }

    fn eval(&mut self, expression: &str) -> Value {
        self.try_eval(expression).unwrap_or_else(|e| panic!("{expression}: {e}"))
    }

    /// Wait until `expression` is `true` in the page (polling, so a load that
    /// finished before the wait began is seen too).
    fn wait_until(&mut self, expression: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            if self.try_eval(expression) == Ok(json!(true)) {
                return;
            }
            assert!(Instant::now() < deadline, "not true within {timeout:?}: {expression}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Wait for the page at `path` to finish loading, images included.
    fn wait_loaded(&mut self, path: &str, timeout: Duration) {
        self.wait_until(
            &format!(
                "location.pathname === {} && document.readyState === 'complete' && Array.from(document.images).every(i => i.complete)",
                json!(path)
            ),
            timeout,
        );
    }

    /// One key pressed and released, as a keyboard sends it.
    fn key(&mut self, key: &str, code: &str, key_code: u32, text: Option<&str>) {
        let mut down = json!({ "type": "keyDown", "key": key, "code": code, "windowsVirtualKeyCode": key_code });
        if let Some(t) = text {
            down["text"] = json!(t);
        }
        self.call("Input.dispatchKeyEvent", down);
        self.call(
            "Input.dispatchKeyEvent",
            json!({ "type": "keyUp", "key": key, "code": code, "windowsVirtualKeyCode": key_code }),
        );
    }

    fn navigate(&mut self, base: &str, path: &str) {
        let r = self.call("Page.navigate", json!({"url": format!("{base}{path}")}));
        assert!(r.get("errorText").is_none(), "{path}: {r}");
        self.wait_loaded(path.split('?').next().unwrap(), Duration::from_secs(60));
    }

    /// A PNG of the page from the top, at most `max_height` CSS pixels tall.
    fn screenshot(&mut self, path: &Path, max_height: u32) {
        let metrics = self.call("Page.getLayoutMetrics", json!({}));
        let width = metrics["cssContentSize"]["width"].as_f64().unwrap_or(1000.0).ceil();
        let height = metrics["cssContentSize"]["height"].as_f64().unwrap_or(1000.0).ceil().min(f64::from(max_height));
        let r = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true,
                   "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}}),
        );
        let png = base64::engine::general_purpose::STANDARD.decode(r["data"].as_str().unwrap()).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        std::fs::write(path, &png).unwrap();
        println!("screenshot: {} ({} bytes)", path.display(), png.len());
    }
}

fn show(v: Option<u32>) -> String {
    v.map_or("unknown".to_string(), |v| v.to_string())
}

fn chromium_present() -> bool {
    Command::new("chromium").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

#[test]
#[cfg_attr(not(canister_wasm), ignore = "needs target/canister/topology.wasm (bash scripts/build.sh)")]
fn chromium_fills_the_form_and_sees_the_engine_answer() {
    if !chromium_present() {
        assert!(
            std::env::var_os("REQUIRE_CHROMIUM").is_none(),
            "REQUIRE_CHROMIUM is set but chromium is not installed"
        );
        println!("skipped: chromium is not installed (apt-get install -y chromium); the browser test did not run");
        return;
    }
    let Some(wasm) = wasm() else { return };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let shots = std::env::var("SCREENSHOTS_DIR").map(PathBuf::from).unwrap_or_else(|_| root.join("target/screenshots"));
    std::fs::create_dir_all(&shots).unwrap();

    // The module thread owns the host; the bridge's connection threads forward to it.
    let (expected_tx, expected_rx) = mpsc::channel();
    let (module_tx, module_rx) = mpsc::channel::<Forward>();
    std::thread::spawn(move || module_thread(wasm, expected_tx, module_rx));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let module = module_tx.clone();
            std::thread::spawn(move || {
                let _ = bridge_one(stream, module);
            });
        }
    });
    let expected = expected_rx.recv_timeout(Duration::from_secs(900)).expect("the module loads");
    let ev = &expected.evaluation;

    let (_browser, port) = launch(&root.join("target/chromium-profile"));
    let mut cdp = Cdp::connect(port);
    cdp.call("Page.enable", json!({}));
    cdp.call(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 1000, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
    );

    // The overview: the ObjectiveValue and every subnet's Nakamoto coefficients, as the canister answers them.
    cdp.navigate(&base, "/");
    assert_eq!(cdp.eval("document.querySelector('h1').textContent"), "Internet Computer target topology");
    assert_eq!(cdp.eval("document.getElementById('objective').textContent"), expected.objective.to_string());
    let rows = cdp.eval(
        "JSON.stringify(Array.from(document.querySelectorAll('#subnets-table tbody tr')).map(r =>\
          [r.dataset.subnet, Array.from(r.cells).slice(-4).map(c => Number(c.textContent))]))",
    );
    let rows: Vec<(String, Vec<u32>)> = serde_json::from_str(rows.as_str().unwrap()).unwrap();
    assert_eq!(rows.len(), expected.subnets.len());
    assert!(!rows.is_empty(), "the generated network's subnets with members are listed");
    for s in &expected.subnets {
        let shown = rows.iter().find(|(id, _)| *id == s.subnet_id).unwrap_or_else(|| panic!("{} listed", s.subnet_id));
        assert_eq!(shown.1, s.nakamoto, "{}: Nakamoto coefficients on the page", s.subnet_id);
    }
    cdp.screenshot(&shots.join("dashboard-overview.png"), 1100);

    // A chart page: both images load (through the gateway's check) ...
    cdp.navigate(&base, "/attribute/node_provider");
    let images = cdp.eval("Array.from(document.images).filter(i => i.complete && i.naturalWidth > 0).length");
    assert_eq!(images, json!(1), "the allocation chart loads");
    cdp.screenshot(&shots.join("dashboard-charts.png"), 1100);
    // The chart's text is legible as the page shows it: the smallest font size
    // in the SVG, scaled by the width the page gives the image over its own width.
    let shown = cdp.eval("JSON.stringify([document.images[0].clientWidth, document.images[0].naturalWidth])");
    let (shown_width, natural_width): (f64, f64) = serde_json::from_str(shown.as_str().unwrap()).unwrap();
    // ... and the chart's bars are the canister's allocation: nodes and Nakamoto coefficient per subnet.
    cdp.navigate(&base, "/charts/node_provider_node_allocation.svg");
    let bars = cdp.eval(
        "JSON.stringify(Array.from(document.querySelectorAll('[data-nakamoto]')).map(b =>\
          [Number(b.getAttribute('data-subnet')), Number(b.getAttribute('data-nodes')), Number(b.getAttribute('data-nakamoto'))]))",
    );
    let bars: Vec<(usize, usize, u32)> = serde_json::from_str(bars.as_str().unwrap()).unwrap();
    let want: Vec<(usize, usize, u32)> =
        expected.allocation.iter().enumerate().map(|(i, s)| (i, s.nodes.len(), s.nakamoto[0])).collect();
    assert_eq!(bars, want, "the bars drawn are the canister's allocation");
    let smallest = cdp.eval(
        "String(Math.min(...Array.from(document.querySelectorAll('text')).map(t => parseFloat(getComputedStyle(t).fontSize))))",
    );
    let smallest: f64 = smallest.as_str().unwrap().parse().unwrap();
    let rendered = smallest * shown_width / natural_width;
    println!(
        "smallest chart text as the page shows it: {rendered:.1} px (font size {smallest} px in a chart {natural_width} px wide, shown {shown_width} px wide)"
    );
    assert!(
        rendered >= MIN_TEXT_PX,
        "the allocation chart's text is shown at {rendered:.1} px, under {MIN_TEXT_PX} px"
    );

    // The membership plan: its numbers are the canister's plan, its chart loads and draws every change.
    cdp.navigate(&base, "/plan");
    let counts = expected.plan.counts.expect("a plan was found");
    let shown = cdp.eval(
        "JSON.stringify(['plan-cost', 'plan-dropped', 'plan-moved', 'plan-newly-assigned', 'plan-synthetic']\
          .map(id => document.getElementById(id).textContent))",
    );
    let shown: Vec<String> = serde_json::from_str(shown.as_str().unwrap()).unwrap();
    let want: Vec<String> = [
        expected.plan.cost.expect("proven"),
        counts.dropped.into(),
        counts.moved.into(),
        counts.newly_assigned.into(),
        counts.synthetic.into(),
    ]
    .iter()
    .map(u64::to_string)
    .collect();
    assert_eq!(shown, want, "the plan's cost and counts");
    let images = cdp.eval("Array.from(document.images).filter(i => i.complete && i.naturalWidth > 0).length");
    assert_eq!(images, json!(1), "the plan's chart loads");
    cdp.screenshot(&shots.join("dashboard-plan.png"), 1100);
    cdp.navigate(&base, "/charts/subnet_change_summary.svg");
    let drawn = cdp.eval(
        "JSON.stringify(Array.from(document.querySelectorAll('g[data-subnet]')).map(g =>\
          Number(g.dataset.movedIn) + Number(g.dataset.newlyAssigned) + Number(g.dataset.synthetic) + Number(g.dataset.movedAway) + Number(g.dataset.dropped))\
          .reduce((a, b) => a + b, 0))",
    );
    // Each move is drawn twice (away from one subnet, into another).
    let changes = expected.plan.changes.len() as u64 + u64::from(counts.moved);
    assert_eq!(drawn, json!(changes.to_string()), "every change of the plan is drawn");

    // The form, with the keyboard alone: Tab to the first field, type each value, Tab on
    // (the focus follows the form's order), Space ticks SEV, Enter submits. Then read the answer.
    cdp.navigate(&base, "/evaluate");
    let focused = |cdp: &mut Cdp| cdp.eval("document.activeElement ? document.activeElement.id : ''");
    let mut tabs = 0;
    while focused(&mut cdp) != json!("provider") {
        cdp.key("Tab", "Tab", 9, None);
        tabs += 1;
        assert!(tabs < 40, "Tab never reaches the form's first field");
    }
    for (id, typed) in [
        ("provider", "Lionel Messi"),
        ("data_center", "Buenos Aires 1"),
        ("data_center_provider", "Peron Corporation"),
        ("country", "AR"),
    ] {
        assert_eq!(focused(&mut cdp), json!(id), "the focus follows the form's order");
        cdp.call("Input.insertText", json!({ "text": typed }));
        cdp.key("Tab", "Tab", 9, None);
    }
    assert_eq!(focused(&mut cdp), json!("sev"));
    cdp.key(" ", "Space", 32, Some(" "));
    assert_eq!(cdp.eval("document.getElementById('sev').checked"), json!(true), "Space ticks SEV");
    cdp.key("Tab", "Tab", 9, None);
    assert_eq!(focused(&mut cdp), json!("nodes"));
    cdp.key("Backspace", "Backspace", 8, None);
    cdp.call("Input.insertText", json!({ "text": "6" }));
    assert_eq!(cdp.eval("document.getElementById('nodes').value"), json!("6"));
    cdp.key("Enter", "Enter", 13, Some("\r"));
    // The answer is solved in the query (about 0.3 billion instructions in the interpreting host).
    cdp.wait_loaded("/answer", Duration::from_secs(600));
    let page = cdp.eval(
        "JSON.stringify({query: location.search,\
          before: document.getElementById('objective-before').textContent,\
          after: document.getElementById('objective-after').textContent,\
          reduction: document.getElementById('reduction').textContent,\
          verdict: document.getElementById('verdict').textContent,\
          size: document.getElementById('optimal-deployment-size').textContent,\
          points: Array.from(document.querySelectorAll('svg circle[data-objective]')).map(p =>\
            [Number(p.dataset.nodes), Number(p.dataset.objective), Number(p.getAttribute('cy'))]),\
          unknown: document.querySelectorAll('svg [data-objective=\"unknown\"]').length,\
          baseline: document.querySelector('svg .one-for-one')?.dataset.baseline,\
          marked: document.querySelector('svg .optimal-size')?.dataset.optimalDeploymentSize,\
          table: Array.from(document.querySelectorAll('#curve-table tbody tr')).map(r => [r.cells[0].textContent, r.cells[1].textContent]),\
          summary: document.getElementById('proposal-summary').textContent,\
          summary_sha256: document.getElementById('summary-sha256').textContent})",
    );
    let page: Value = serde_json::from_str(page.as_str().unwrap()).unwrap();
    assert!(page["query"].as_str().unwrap().contains("provider=Lionel+Messi"), "{}", page["query"]);
    assert_eq!(page["before"], show(ev.baseline_objective));
    assert_eq!(page["after"], show(ev.objective));
    assert_eq!(page["reduction"], ev.reduction.map_or("unknown".to_string(), |r| r.to_string()));
    assert_eq!(page["size"], show(ev.optimal_deployment_size));
    let verdict = match ev.verdict {
        Some(api::Verdict::OneForOne) => "one for one",
        Some(api::Verdict::Diminishing) => "diminishing",
        Some(api::Verdict::None) => "none",
        None => "unknown",
    };
    assert_eq!(page["verdict"], verdict);
    // The curve as drawn: every proven point with its value, higher values drawn higher up.
    assert_eq!(ev.curve.len(), 7);
    let points: Vec<(u32, u32, f64)> = serde_json::from_value(page["points"].clone()).unwrap();
    let proven: Vec<(u32, u32)> = ev.curve.iter().filter_map(|p| p.objective.map(|o| (p.nodes, o))).collect();
    assert_eq!(points.iter().map(|p| (p.0, p.1)).collect::<Vec<_>>(), proven, "the points drawn are the curve");
    assert_eq!(page["unknown"], json!(ev.curve.len() - proven.len()));
    for a in &points {
        for b in &points {
            if a.1 > b.1 {
                assert!(a.2 < b.2, "ObjectiveValue {} is drawn above {}", a.1, b.1);
            }
        }
    }
    assert_eq!(page["baseline"], show(ev.baseline_objective), "the one-for-one line starts at the baseline");
    if let Some(size) = ev.optimal_deployment_size {
        assert_eq!(page["marked"], size.to_string(), "the optimal deployment size is marked");
    }
    let table: Vec<(String, String)> = serde_json::from_value(page["table"].clone()).unwrap();
    let want: Vec<(String, String)> = ev.curve.iter().map(|p| (p.nodes.to_string(), show(p.objective))).collect();
    assert_eq!(table, want, "the curve's table");
    let summary = page["summary"].as_str().unwrap();
    // The text as a voter copies it from the page hashes to the SHA-256 the page quotes.
    assert_eq!(
        ic_topology::digest::sha256_hex(summary.as_bytes()),
        page["summary_sha256"].as_str().unwrap(),
        "the quoted text, copied from the page, has the quoted SHA-256"
    );
    let quoted = [
        format!("ObjectiveValue before (without the planned nodes): {}", show(ev.baseline_objective)),
        format!("ObjectiveValue after (with all 6 planned nodes): {}", show(ev.objective)),
    ];
    for q in &quoted {
        assert!(summary.contains(q.as_str()), "the proposal summary quotes {q:?}: {summary}");
    }
    cdp.screenshot(&shots.join("dashboard-answer.png"), 1600);

    // A mistake in the form: the page names the field (a 400 through the bridge, not a trap).
    cdp.navigate(&base, "/answer?provider=a&data_center=b&data_center_provider=c&country=AR&nodes=many");
    let message = cdp.eval("document.getElementById('message').textContent");
    assert!(message.as_str().unwrap().contains("nodes must be a whole number"), "{message}");

    // On a phone: the form fits the width.
    cdp.call(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true}),
    );
    cdp.navigate(&base, "/evaluate");
    assert_eq!(
        cdp.eval("document.documentElement.scrollWidth <= window.innerWidth + 1"),
        json!(true),
        "the form fits a phone"
    );
    cdp.screenshot(&shots.join("dashboard-phone.png"), 844);
}

//! The dashboard in a real browser: headless Chromium (Debian's package),
//! driven through the DevTools protocol, loads the pages from the real
//! module through a small HTTP bridge on 127.0.0.1 that forwards every
//! request to the module's `http_request`. It fills the candidate form,
//! submits it, and checks the verdict and the curve on the page against the
//! canister's `evaluate_candidates`; it checks that the charts load; it saves
//! screenshots (`SCREENSHOTS_DIR`, default `target/screenshots`; the README
//! shows the committed ones in `docs/`).
//!
//! Without Chromium the test says it was skipped, unless `REQUIRE_CHROMIUM`
//! is set (CI sets it), where it fails.

mod support;

use base64::Engine as _;
use candid::{encode_args, encode_one};
use ic_topology::files;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::ic_host::Host;
use support::*;
use topology_canister::api;

fn loaded(wasm: &[u8]) -> Host {
    let mut h = Host::new(wasm).expect("the module loads");
    h.set_controllers(vec![CONTROLLER.to_vec()]);
    h.set_caller(&CONTROLLER);
    h.install(&encode_one(None::<api::InitArgs>).unwrap()).expect("install");
    let (nodes, _) = files::parse_nodes_csv(include_str!("../../defaults/nodes.csv"), "nodes.csv").unwrap();
    let nodes: Vec<api::Node> = nodes.into_iter().map(topology_canister::convert::node_out).collect();
    let begin = api::BeginSnapshotRequest {
        registry_version: 42,
        timestamp_nanos: 1_763_700_000_000_000_000,
        node_count: nodes.len() as u64,
    };
    update::<api::Result<()>>(&mut h, "begin_snapshot_upload", &encode_one(begin).unwrap()).unwrap();
    for chunk in nodes.chunks(500) {
        update::<api::Result<u64>>(&mut h, "upload_snapshot_nodes", &encode_one(chunk.to_vec()).unwrap()).unwrap();
    }
    update::<api::Result<api::SnapshotInfo>>(&mut h, "commit_snapshot_upload", &encode_args(()).unwrap()).unwrap();
    h
}

/// Serve one HTTP/1.1 request from the browser by calling the module's `http_request`.
fn bridge_one(h: &mut Host, stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
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
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let req = api::HttpRequest {
        method: method.clone(),
        url,
        headers,
        body: serde_bytes::ByteBuf::from(body),
        certificate_version: Some(2),
    };
    let r: api::HttpResponse = query(h, "http_request", &encode_one(req).unwrap());
    let mut out = stream;
    write!(out, "HTTP/1.1 {} X\r\n", r.status_code)?;
    for (k, v) in &r.headers {
        write!(out, "{k}: {v}\r\n")?;
    }
    write!(out, "content-length: {}\r\nconnection: close\r\n\r\n", r.body.len())?;
    if method != "HEAD" {
        out.write_all(&r.body)?;
    }
    out.flush()
}

struct Browser {
    child: Child,
    _profile: PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start Chromium with a fresh profile; the DevTools port it chose.
fn launch(profile: &std::path::Path) -> (Browser, u16) {
    let _ = std::fs::remove_dir_all(profile);
    std::fs::create_dir_all(profile).unwrap();
    let child = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--remote-debugging-port=0",
            "--remote-allow-origins=*",
            "--window-size=1100,1400",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("about:blank")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let browser = Browser { child, _profile: profile.to_path_buf() };
    let port_file = profile.join("DevToolsActivePort");
    let start = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(&port_file) {
            if let Some(port) = text.lines().next().and_then(|l| l.trim().parse().ok()) {
                return (browser, port);
            }
        }
        assert!(start.elapsed() < Duration::from_secs(30), "chromium did not open its DevTools port");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A plain GET to the DevTools HTTP endpoint.
fn devtools_get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default()
}

struct Cdp {
    ws: tungstenite::WebSocket<TcpStream>,
    next: u64,
}

impl Cdp {
    fn connect(port: u16) -> Cdp {
        let start = Instant::now();
        let url = loop {
            let list: Value = serde_json::from_str(&devtools_get(port, "/json/list")).unwrap_or(json!([]));
            let page = list.as_array().and_then(|l| l.iter().find(|t| t["type"] == "page").cloned());
            if let Some(url) = page.and_then(|p| p["webSocketDebuggerUrl"].as_str().map(String::from)) {
                break url;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "no page target");
            std::thread::sleep(Duration::from_millis(100));
        };
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let (ws, _) = tungstenite::client(url.as_str(), stream).expect("DevTools WebSocket");
        Cdp { ws, next: 1 }
    }

    /// Send a command; return its result, keeping events aside.
    fn call(&mut self, method: &str, params: Value, events: &mut Vec<Value>) -> Value {
        let id = self.next;
        self.next += 1;
        self.ws
            .send(tungstenite::Message::text(json!({"id": id, "method": method, "params": params}).to_string()))
            .unwrap();
        loop {
            let msg = self.ws.read().expect("a DevTools message");
            let Ok(text) = msg.to_text() else { continue };
            let v: Value = serde_json::from_str(text).unwrap();
            if v["id"] == id {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
            events.push(v);
        }
    }

    fn wait_for(&mut self, event: &str, events: &mut Vec<Value>) {
        if let Some(i) = events.iter().position(|e| e["method"] == event) {
            events.drain(..=i);
            return;
        }
        loop {
            let msg = self.ws.read().expect("a DevTools event");
            let Ok(text) = msg.to_text() else { continue };
            let v: Value = serde_json::from_str(text).unwrap();
            if v["method"] == event {
                return;
            }
        }
    }

    fn eval(&mut self, expression: &str, events: &mut Vec<Value>) -> Value {
        let r = self.call("Runtime.evaluate", json!({"expression": expression, "returnByValue": true}), events);
        assert!(r.get("exceptionDetails").is_none(), "{expression}: {r}");
        r["result"]["value"].clone()
    }

    fn navigate(&mut self, url: &str, events: &mut Vec<Value>) {
        events.clear();
        self.call("Page.navigate", json!({"url": url}), events);
        self.wait_for("Page.loadEventFired", events);
    }

    fn screenshot(&mut self, path: &std::path::Path, events: &mut Vec<Value>) {
        let r = self.call("Page.captureScreenshot", json!({"format": "png", "captureBeyondViewport": true}), events);
        let png = base64::engine::general_purpose::STANDARD.decode(r["data"].as_str().unwrap()).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        std::fs::write(path, png).unwrap();
        println!("screenshot: {}", path.display());
    }
}

#[test]
#[ignore = "unfinished: hangs waiting for a DevTools event in this environment (see the report of issue 12); run with --ignored"]
fn chromium_fills_the_form_and_sees_the_engine_answer() {
    let Some(wasm) = wasm() else { return };
    if Command::new("chromium").arg("--version").output().is_err() {
        assert!(std::env::var("REQUIRE_CHROMIUM").is_err(), "REQUIRE_CHROMIUM is set but chromium is not installed");
        println!("skipped: chromium is not installed (apt-get install -y chromium)");
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let shots = std::env::var("SCREENSHOTS_DIR").map(PathBuf::from).unwrap_or_else(|_| root.join("target/screenshots"));
    std::fs::create_dir_all(&shots).unwrap();

    // The bridge: the module lives in its own thread and answers every connection in turn.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut h = loaded(&wasm);
        let ev: api::Result<api::Evaluation> = query(
            &mut h,
            "evaluate_candidates",
            &encode_one(api::EvaluateRequest {
                candidates: vec![argentina(6)],
                overrides: None,
                include_allocation: None,
            })
            .unwrap(),
        );
        tx.send(ev.unwrap()).unwrap();
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let _ = bridge_one(&mut h, stream);
        }
    });
    let expected = rx.recv_timeout(Duration::from_secs(600)).expect("the module loads");

    let (_browser, port) = launch(&root.join("target/chromium-profile"));
    let mut cdp = Cdp::connect(port);
    let mut events = Vec::new();
    cdp.call("Page.enable", json!({}), &mut events);
    cdp.call(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 1100, "height": 1200, "deviceScaleFactor": 1, "mobile": false}),
        &mut events,
    );

    // The overview.
    cdp.navigate(&format!("{base}/"), &mut events);
    let title = cdp.eval("document.querySelector('h1').textContent", &mut events);
    assert_eq!(title, "Internet Computer target topology");
    let rows = cdp.eval("document.querySelectorAll('#subnets-table tbody tr').length", &mut events);
    assert!(rows.as_u64().unwrap() > 0, "the subnet table has rows");
    cdp.screenshot(&shots.join("dashboard-overview.png"), &mut events);

    // A chart page: both images load as SVG.
    cdp.navigate(&format!("{base}/attribute/node_provider"), &mut events);
    let loaded_images =
        cdp.eval("Array.from(document.images).filter(i => i.complete && i.naturalWidth > 0).length", &mut events);
    assert_eq!(loaded_images, json!(2), "both charts load");
    cdp.screenshot(&shots.join("dashboard-charts.png"), &mut events);

    // The form: fill it in, submit it, read the answer.
    cdp.navigate(&format!("{base}/evaluate"), &mut events);
    cdp.eval(
        "(() => { const f = (id, v) => { document.getElementById(id).value = v; };\
          f('provider', 'Lionel Messi'); f('data_center', 'Buenos Aires 1');\
          f('data_center_provider', 'Peron Corporation'); f('country', 'AR'); f('nodes', '6');\
          document.getElementById('sev').checked = true; return true; })()",
        &mut events,
    );
    events.clear();
    cdp.eval("document.getElementById('submit').click(); true", &mut events);
    cdp.wait_for("Page.loadEventFired", &mut events);
    let page = cdp.eval(
        "JSON.stringify({url: location.pathname, before: document.getElementById('objective-before').textContent,\
          after: document.getElementById('objective-after').textContent,\
          verdict: document.getElementById('verdict').textContent,\
          size: document.getElementById('optimal-deployment-size').textContent,\
          points: Array.from(document.querySelectorAll('svg [data-objective]')).map(p => [p.dataset.nodes, p.dataset.objective]),\
          summary: document.getElementById('proposal-summary').textContent.length})",
        &mut events,
    );
    let page: Value = serde_json::from_str(page.as_str().unwrap()).unwrap();
    let show = |v: Option<u32>| v.map_or("unknown".to_string(), |v| v.to_string());
    assert_eq!(page["url"], "/answer");
    assert_eq!(page["before"], show(expected.baseline_objective));
    assert_eq!(page["after"], show(expected.objective));
    assert_eq!(page["size"], show(expected.optimal_deployment_size));
    let verdict = match expected.verdict {
        Some(api::Verdict::OneForOne) => "one for one",
        Some(api::Verdict::Diminishing) => "diminishing",
        Some(api::Verdict::None) => "none",
        None => "unknown",
    };
    assert_eq!(page["verdict"], verdict);
    let points: Vec<Value> = expected.curve.iter().map(|p| json!([p.nodes.to_string(), show(p.objective)])).collect();
    assert_eq!(page["points"], Value::Array(points), "the curve on the page is the canister's");
    assert!(page["summary"].as_u64().unwrap() > 100, "the proposal summary is shown");
    cdp.screenshot(&shots.join("dashboard-answer.png"), &mut events);

    // On a phone.
    cdp.call(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": true}),
        &mut events,
    );
    cdp.navigate(&format!("{base}/evaluate"), &mut events);
    let overflow = cdp.eval("document.documentElement.scrollWidth <= window.innerWidth + 1", &mut events);
    assert_eq!(overflow, json!(true), "the form fits a phone's width");
    cdp.screenshot(&shots.join("dashboard-phone.png"), &mut events);
}

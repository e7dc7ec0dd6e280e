//! The public IC API's `/api/v3/nodes` answer recorded from the October 2025
//! snapshot, served on the loopback address: `topology fetch` is tested
//! against it (whole, cut short, malformed) without the network.
//!
//! The answer is built from `defaults/nodes.csv`, which is the dashboard's
//! node list of that date as the reference tool wrote it
//! (`pandas.DataFrame.from_records(nodes).to_csv`): each row becomes a
//! `nodes` entry with the CSV's columns as its fields, an empty field as
//! `null` and pandas' `True`/`False` as JSON booleans, so the fetched file
//! can be compared with `defaults/nodes.csv` byte for byte.
#![allow(dead_code)]

use serde_json::{Map, Value};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;

/// The `/api/v3/nodes` answer for the nodes CSV `csv_text`.
pub fn nodes_answer(csv_text: &str) -> String {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header = reader.headers().expect("a header").clone();
    let nodes: Vec<Value> = reader
        .records()
        .map(|r| {
            let r = r.expect("a CSV row");
            let mut node = Map::new();
            for (column, value) in header.iter().zip(r.iter()) {
                let value = match value {
                    "" => Value::Null,
                    "True" => Value::Bool(true),
                    "False" => Value::Bool(false),
                    v => Value::String(v.to_string()),
                };
                node.insert(column.to_string(), value);
            }
            Value::Object(node)
        })
        .collect();
    serde_json::to_string(&serde_json::json!({ "nodes": nodes })).unwrap()
}

/// The recorded answer of October 2025 (from `defaults/nodes.csv`).
pub fn recorded_answer() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("defaults/nodes.csv");
    nodes_answer(&std::fs::read_to_string(path).unwrap())
}

/// How the server answers.
#[derive(Clone, Copy)]
pub enum Answer {
    /// The whole body, `200 OK`.
    Whole,
    /// A `Content-Length` of the whole body, then only its first half, then the connection closes.
    CutShort,
    /// The first half of the body as if it were all (its length as `Content-Length`).
    Truncated,
    /// `200 OK` with an HTML page (a proxy's or a maintenance page).
    Malformed,
    /// `503 Service Unavailable`.
    Unavailable,
}

/// Serve `body` on 127.0.0.1 at a free port, `answer` to each request, from
/// a thread that lives as long as the test; the base URL to give `--api`.
pub fn serve(body: String, answer: Answer) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            // Read the request's head (the body of a GET is empty).
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).map(|n| n == 1).unwrap_or(false) {
                head.push(byte[0]);
            }
            let path_ok = String::from_utf8_lossy(&head).starts_with("GET /api/v3/nodes ");
            let half = &body.as_bytes()[..body.len() / 2];
            let (status, content_type, length, bytes): (&str, &str, usize, &[u8]) = match (path_ok, answer) {
                (false, _) => ("404 Not Found", "text/plain", 9, b"not found"),
                (true, Answer::Whole) => ("200 OK", "application/json", body.len(), body.as_bytes()),
                (true, Answer::CutShort) => ("200 OK", "application/json", body.len(), half),
                (true, Answer::Truncated) => ("200 OK", "application/json", half.len(), half),
                (true, Answer::Malformed) => {
                    const PAGE: &[u8] = b"<html><body>Maintenance</body></html>";
                    ("200 OK", "text/html", PAGE.len(), PAGE)
                }
                (true, Answer::Unavailable) => ("503 Service Unavailable", "text/plain", 4, b"busy"),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
            );
            let _ = stream.write_all(bytes);
            let _ = stream.flush();
        }
    });
    base
}

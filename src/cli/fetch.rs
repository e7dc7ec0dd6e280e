//! `topology fetch`: today's node list from the public IC API, as the
//! reference tool's `ic_topology/main.py` gets it (`GET /api/v3/nodes` on
//! the IC API host, the `nodes` array written as a CSV), so that a provider
//! can evaluate the network as it is rather than as it was in October 2025.
//! The file has the columns of `defaults/nodes.csv` (the dashboard's), is
//! checked with the nodes reader before it is written, and is written
//! atomically (a temporary file renamed over the target), with its sha256
//! and the time of the fetch beside it (`FILE.fetch.json`) and printed.

use clap::Args;
use ic_topology::digest;
use ic_topology::files;
use ic_topology::InputError;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The public IC API host the reference reads (`BASE_URL` of its `ic_topology/main.py`, without `/api/v3`).
pub const DEFAULT_API: &str = "https://ic-api.internetcomputer.org";

/// The environment variable that overrides the API host (`--api` overrides it in turn).
pub const API_ENV: &str = "TOPOLOGY_IC_API";

/// The columns written, in order: those of the dashboard's nodes CSV (`defaults/nodes.csv`).
pub const COLUMNS: [&str; 16] = [
    "node_id",
    "alertname",
    "dc_id",
    "dc_name",
    "guestos_version",
    "ip_address",
    "ipv4_connectivity_status",
    "node_hardware_generation",
    "node_operator_id",
    "node_provider_id",
    "node_provider_name",
    "node_type",
    "owner",
    "region",
    "status",
    "subnet_id",
];

/// The fields every node must have (the nodes reader needs them).
const REQUIRED: [&str; 8] =
    ["node_id", "dc_id", "node_operator_id", "node_provider_id", "node_provider_name", "owner", "region", "status"];

/// The most bytes of an answer read (today's is about 1.5 MB).
const MAX_ANSWER_BYTES: u64 = 64 << 20;

/// The arguments of `topology fetch`.
#[derive(Args)]
pub(crate) struct FetchArgs {
    /// Where to write the nodes CSV (default: current_nodes_YYYYMMDD_HHMMSS.csv, UTC,
    /// in the working directory, as the reference names it).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The IC API host to ask (default `https://ic-api.internetcomputer.org`, or
    /// the environment variable TOPOLOGY_IC_API); /api/v3/nodes is appended.
    #[arg(long, value_name = "URL")]
    api: Option<String>,
}

pub(crate) fn run_fetch(a: FetchArgs) -> Result<ExitCode, InputError> {
    let api = a.api.or_else(|| std::env::var(API_ENV).ok().filter(|v| !v.is_empty()));
    let api = api.as_deref().unwrap_or(DEFAULT_API).trim_end_matches('/').to_string();
    let url = format!("{api}/api/v3/nodes");
    let body = get(&url)?;
    let fetched_at = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let csv = nodes_csv(&body, &url)?;
    let out = a.out.unwrap_or_else(|| {
        let (date, time) = civil(fetched_at);
        PathBuf::from(format!("current_nodes_{}_{}.csv", date.replace('-', ""), time.replace(':', "")))
    });
    let shown = out.display().to_string();
    // The evaluator must read what is written: check it as a nodes file first.
    let (nodes, _) = files::parse_nodes_csv(&csv, &shown).map_err(|e| {
        InputError::new(
            &url,
            format!("the answer does not make a nodes file the evaluator reads, nothing written: {e}"),
        )
    })?;
    let sha256 = digest::sha256_hex(csv.as_bytes());
    let (date, time) = civil(fetched_at);
    let stamp = format!("{date}T{time}Z");
    write_atomically(&out, csv.as_bytes())?;
    let sidecar = PathBuf::from(format!("{shown}.fetch.json"));
    let record = serde_json::json!({
        "url": url,
        "fetched_at": stamp,
        "file": out.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
        "sha256": sha256,
        "nodes": nodes.len(),
    });
    let mut record = serde_json::to_string_pretty(&record).expect("a JSON object serialises");
    record.push('\n');
    write_atomically(&sidecar, record.as_bytes())?;
    println!("Fetched {} nodes from {url} at {stamp}", nodes.len());
    println!("Wrote {shown}");
    println!("  sha256 {sha256}");
    println!("  recorded in {}", sidecar.display());
    println!(
        "Evaluate on it with a configuration whose nodes_file names it (docs/node-providers.md, \"Today's network\")."
    );
    Ok(ExitCode::SUCCESS)
}

/// The answer's body, or a clear error (offline, refused, not 200, cut short).
fn get(url: &str) -> Result<String, InputError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(120)))
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent.get(url).header("Accept", "application/json").call().map_err(|e| {
        InputError::new(
            url,
            format!(
                "cannot get the node list: {e} (is this machine offline? --api or {API_ENV} names another host); \
                 nothing written"
            ),
        )
    })?;
    let status = response.status();
    if status.as_u16() != 200 {
        return Err(InputError::new(url, format!("the API answered HTTP {status}, not 200: nothing written")));
    }
    response.body_mut().with_config().limit(MAX_ANSWER_BYTES).read_to_string().map_err(|e| {
        InputError::new(url, format!("the answer could not be read whole ({e}): it was cut short; nothing written"))
    })
}

/// A JSON value as the reference's pandas writes it into a CSV field.
fn field_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some(String::new()),
        Value::Bool(true) => Some("True".into()),
        Value::Bool(false) => Some("False".into()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// The answer of `/api/v3/nodes` as a nodes CSV with [`COLUMNS`].
pub(crate) fn nodes_csv(body: &str, url: &str) -> Result<String, InputError> {
    let bad = |reason: String| InputError::new(url, format!("{reason}; nothing written"));
    let answer: Value = serde_json::from_str(body).map_err(|e| {
        bad(format!(
            "the answer is not JSON ({e}, at line {} column {}): cut short, or not the node list",
            e.line(),
            e.column()
        ))
    })?;
    let nodes = answer
        .get("nodes")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("the answer has no `nodes` array (is this the IC API's /api/v3/nodes?)".into()))?;
    if nodes.is_empty() {
        return Err(bad("the answer's `nodes` array is empty".into()));
    }
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    let io = |e: csv::Error| bad(format!("cannot write the CSV: {e}"));
    writer.write_record(COLUMNS).map_err(io)?;
    for (i, node) in nodes.iter().enumerate() {
        let which = || match node.get("node_id").and_then(Value::as_str) {
            Some(id) => format!("node {} ({id})", i + 1),
            None => format!("node {}", i + 1),
        };
        let Some(fields) = node.as_object() else {
            return Err(bad(format!("the answer's {} is not an object", which())));
        };
        let mut record = Vec::with_capacity(COLUMNS.len());
        for column in COLUMNS {
            let value = fields.get(column).unwrap_or(&Value::Null);
            let text = field_text(value)
                .ok_or_else(|| bad(format!("the answer's {} has a `{column}` that is not a value", which())))?;
            if REQUIRED.contains(&column) && text.is_empty() {
                return Err(bad(format!("the answer's {} has no `{column}`", which())));
            }
            record.push(text);
        }
        writer.write_record(&record).map_err(io)?;
    }
    let bytes = writer.into_inner().map_err(|e| bad(format!("cannot write the CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| bad(format!("the answer is not UTF-8: {e}")))
}

/// Write `bytes` to `path` through a temporary file in the same folder, renamed
/// over it: a reader sees the old file or the new one, never a part.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), InputError> {
    use std::io::Write;
    let shown = path.display().to_string();
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "nodes".into());
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let temporary = folder.join(format!(".{name}.{}.partial", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        InputError::new(&shown, format!("cannot write: {e}"))
    })
}

/// A time in seconds since 1970 as a UTC date (YYYY-MM-DD) and time (HH:MM:SS).
fn civil(seconds: u64) -> (String, String) {
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (format!("{year:04}-{month:02}-{day:02}"), format!("{:02}:{:02}:{:02}", rest / 3_600, rest % 3_600 / 60, rest % 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(civil(0), ("1970-01-01".to_string(), "00:00:00".to_string()));
        assert_eq!(civil(951_782_400), ("2000-02-29".to_string(), "00:00:00".to_string()));
        assert_eq!(civil(1_761_910_633), ("2025-10-31".to_string(), "11:37:13".to_string()));
    }

    #[test]
    fn values_are_written_as_the_reference_writes_them() {
        let body = r#"{"nodes":[{"node_id":"a","dc_id":"zh1","node_operator_id":"o","node_provider_id":"p",
            "node_provider_name":"P, AG","owner":"O","region":"Europe,CH,Zurich","status":"UP",
            "ipv4_connectivity_status":false,"subnet_id":null,"extra":1}]}"#;
        let csv = nodes_csv(body, "u").unwrap();
        assert_eq!(csv.lines().nth(1).unwrap(), "a,,zh1,,,,False,,o,p,\"P, AG\",,O,\"Europe,CH,Zurich\",UP,");
        let e = nodes_csv(r#"{"nodes":[{"node_id":"a"}]}"#, "u").unwrap_err().to_string();
        assert!(e.contains("node 1 (a) has no `dc_id`"), "{e}");
        assert!(nodes_csv(r#"{"nodes":[]}"#, "u").unwrap_err().to_string().contains("empty"));
        assert!(nodes_csv(r#"{"subnets":[]}"#, "u").unwrap_err().to_string().contains("no `nodes` array"));
    }
}

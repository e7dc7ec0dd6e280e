//! The sync loop: bring the stored registry records up to the registry's
//! latest version, batch by batch, and derive the solver's snapshot when they
//! get there. It knows nothing of ic-cdk: the registry canister is behind
//! [`Registry`] and the canister's state behind [`Host`], so the same loop
//! runs natively against a fake registry in tests.
//!
//! One sync: `get_latest_version`, then `get_changes_since(cursor)` until the
//! cursor reaches the latest version (from version 0 on the first sync, as
//! the registry has no key-listing method). Each response covers whole
//! versions; of each kept key only its latest value in the batch matters, and
//! only those values' chunks are fetched. The batch is decoded and checked
//! in full before any of it is written, then written with the cursor it
//! reaches in one message (no state borrow is held across an `await`). The
//! snapshot the solver uses is replaced only when the cursor reaches the
//! latest version; a failure at any point leaves it as it was, keeps every
//! batch already written (the next sync resumes from the cursor) and is
//! recorded in the sync status. A batch half fetched when the sync stops (a
//! trap, a reject) is simply fetched again by the next sync. The canister
//! refuses an upgrade while one of the sync's calls is in flight
//! (`crate::host::InFlight`).

use super::derive;
use super::proto::{self, ChangesSinceResponse, Content};
use crate::host::PollGuard;
use crate::state::Poller;
use crate::stores::registry::Kind;
use std::collections::BTreeMap;
use std::fmt;

/// Why a sync stopped. The snapshot is unchanged in every case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncError {
    /// Another sync is running (the guard).
    AlreadyRunning,
    /// A call to the registry failed or was rejected.
    Call {
        /// The registry's method.
        method: String,
        /// The reject code.
        code: u32,
        /// The reject message.
        message: String,
    },
    /// The registry answered with its own error.
    Registry {
        /// The registry's error code.
        code: i32,
        /// Its reason.
        reason: String,
    },
    /// A reply or a record that does not decode.
    Malformed {
        /// What did not decode.
        what: String,
        /// Why.
        reason: String,
    },
    /// The registry reported a version below what is already stored.
    VersionWentBackwards {
        /// The stored cursor.
        cursor: u64,
        /// The version reported.
        reported: u64,
    },
    /// A reply that moves nothing forward although the registry is ahead.
    NoProgress {
        /// The stored cursor.
        cursor: u64,
        /// The registry's latest version.
        latest: u64,
    },
    /// A chunk whose SHA-256 is not the key it was fetched by.
    ChunkMismatch {
        /// The chunk's key (hex).
        key: String,
    },
    /// The records at the latest version give no node at all: the previous
    /// snapshot is kept rather than replaced by an empty one.
    EmptySnapshot {
        /// The version of the records.
        version: u64,
    },
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncError::AlreadyRunning => write!(f, "a sync is already running"),
            SyncError::Call { method, code, message } => write!(f, "{method}: call failed (code {code}): {message}"),
            SyncError::Registry { code, reason } => write!(f, "the registry answered error {code}: {reason}"),
            SyncError::Malformed { what, reason } => write!(f, "malformed {what}: {reason}"),
            SyncError::VersionWentBackwards { cursor, reported } => {
                write!(f, "the registry reported version {reported}, below the stored cursor {cursor}")
            }
            SyncError::NoProgress { cursor, latest } => {
                write!(f, "get_changes_since({cursor}) brought no change although the latest version is {latest}")
            }
            SyncError::ChunkMismatch { key } => write!(f, "chunk {key} does not hash to its key"),
            SyncError::EmptySnapshot { version } => {
                write!(f, "the registry at version {version} gives no node; the previous snapshot is kept")
            }
        }
    }
}

/// The registry canister's read methods.
#[allow(async_fn_in_trait)]
pub trait Registry {
    /// The registry's latest version.
    async fn get_latest_version(&self) -> Result<u64, SyncError>;
    /// The changes after `version`, as far as one reply goes.
    async fn get_changes_since(&self, version: u64) -> Result<ChangesSinceResponse, SyncError>;
    /// The content of the chunk whose SHA-256 is `sha256`.
    async fn get_chunk(&self, sha256: &[u8]) -> Result<Vec<u8>, SyncError>;
}

/// The canister around the sync (the same as the governance watcher's).
pub use crate::host::Host;

/// What a completed sync did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// The cursor before the sync.
    pub from_version: u64,
    /// The cursor after it.
    pub to_version: u64,
    /// `get_changes_since` calls made.
    pub batches: u32,
    /// Records written or deleted.
    pub records_changed: u64,
    /// Chunks of large values fetched.
    pub chunks_fetched: u32,
    /// Whether the solver's snapshot was derived again.
    pub snapshot_replaced: bool,
    /// The most instructions any message of this sync used (its own work;
    /// as counted by [`Host::instructions`]).
    pub max_message_instructions: u64,
}

/// Run one sync and record its outcome in the sync status.
pub async fn sync<R: Registry, H: Host>(registry: &R, host: &H) -> Result<SyncReport, SyncError> {
    let Some(guard) = PollGuard::take(host, Poller::Registry) else {
        return Err(SyncError::AlreadyRunning);
    };
    let result = run(registry, host).await;
    let now = host.now_nanos();
    guard.finish(|s| s.record_sync_outcome(&result, now));
    result
}

/// Of one `get_changes_since` reply: each kept key's latest value, the
/// version the batch reaches and its newest timestamp.
struct Batch {
    changes: Vec<(String, Kind, Option<Content>)>,
    reaches: u64,
    timestamp_nanos: u64,
}

fn plan(reply: ChangesSinceResponse, cursor: u64) -> Result<Batch, SyncError> {
    let mut reaches = cursor;
    let mut timestamp_nanos = 0;
    let mut latest: BTreeMap<String, (Kind, u64, Option<Content>)> = BTreeMap::new();
    for delta in reply.deltas {
        let key = String::from_utf8(delta.key)
            .map_err(|_| SyncError::Malformed { what: "registry key".into(), reason: "not UTF-8".into() })?;
        for value in delta.values {
            if value.version <= cursor {
                return Err(SyncError::VersionWentBackwards { cursor, reported: value.version });
            }
            if value.version > reaches {
                reaches = value.version;
                timestamp_nanos = value.timestamp_nanoseconds;
            } else if value.version == reaches {
                timestamp_nanos = timestamp_nanos.max(value.timestamp_nanoseconds);
            }
            let Some((kind, _)) = Kind::of(&key) else { continue };
            if latest.get(&key).is_none_or(|(_, v, _)| value.version > *v) {
                latest.insert(key.clone(), (kind, value.version, value.content));
            }
        }
    }
    Ok(Batch { changes: latest.into_iter().map(|(k, (kind, _, c))| (k, kind, c)).collect(), reaches, timestamp_nanos })
}

async fn run<R: Registry, H: Host>(registry: &R, host: &H) -> Result<SyncReport, SyncError> {
    // Sampled before every await (where a message ends) and at the end.
    let mut max_instructions = host.instructions();
    let mut latest = registry.get_latest_version().await?;
    let start = host.with_state(|s| s.registry_sync_state().cursor);
    let mut report = SyncReport { from_version: start, to_version: start, ..SyncReport::default() };
    if latest < start {
        return Err(SyncError::VersionWentBackwards { cursor: start, reported: latest });
    }
    host.with_state(|s| s.note_latest_registry_version(latest));
    let mut cursor = start;
    while cursor < latest {
        max_instructions = max_instructions.max(host.instructions());
        let reply = registry.get_changes_since(cursor).await?;
        if let Some(e) = reply.error {
            return Err(SyncError::Registry { code: e.code, reason: e.reason });
        }
        if reply.version < cursor {
            return Err(SyncError::VersionWentBackwards { cursor, reported: reply.version });
        }
        latest = latest.max(reply.version);
        let batch = plan(reply, cursor)?;
        if batch.reaches == cursor {
            return Err(SyncError::NoProgress { cursor, latest });
        }
        // Values to write: deletions, inline values and chunked values, decoded and compacted.
        let mut writes = Vec::with_capacity(batch.changes.len());
        for (key, kind, content) in batch.changes {
            let bytes = match content {
                Some(Content::DeletionMarker(true)) => {
                    writes.push((key, None));
                    continue;
                }
                // The registry reads a cleared deletion marker or no content as an empty value.
                Some(Content::DeletionMarker(false)) | None => Vec::new(),
                Some(Content::Value(v)) => v,
                Some(Content::LargeValueChunkKeys(keys)) => {
                    let mut value = Vec::new();
                    for sha in &keys.chunk_content_sha256s {
                        max_instructions = max_instructions.max(host.instructions());
                        let chunk = registry.get_chunk(sha).await?;
                        report.chunks_fetched += 1;
                        if ic_topology::digest::sha256_hex(&chunk) != hex(sha) {
                            return Err(SyncError::ChunkMismatch { key: hex(sha) });
                        }
                        value.extend_from_slice(&chunk);
                    }
                    value
                }
            };
            let compact = derive::compact(kind, &key, &bytes)
                .map_err(|reason| SyncError::Malformed { what: "registry record".into(), reason })?;
            writes.push((key, Some(compact)));
        }
        report.records_changed += writes.len() as u64;
        report.batches += 1;
        let reached = batch.reaches;
        host.with_state(|s| s.apply_registry_batch(writes, reached, batch.timestamp_nanos));
        cursor = reached;
    }
    report.to_version = cursor;
    // Derive the snapshot when the records reach the latest version and the
    // snapshot in use is not already theirs (same message as the last batch).
    report.snapshot_replaced = host.with_state(|s| s.install_registry_snapshot_if_stale(&|| host.instructions()))?;
    report.max_message_instructions = max_instructions.max(host.instructions());
    Ok(report)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The wait before retrying after `failures` consecutive failures: one minute,
/// doubling, never more than the sync interval.
pub fn backoff_seconds(failures: u32, interval_seconds: u64) -> u64 {
    let doubled = 60u64.saturating_mul(1u64 << failures.saturating_sub(1).min(20));
    doubled.min(interval_seconds)
}

/// Encode a `get_changes_since` argument.
pub fn changes_since_arg(version: u64) -> Vec<u8> {
    use prost::Message;
    proto::ChangesSinceRequest { version }.encode_to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::proto::{Delta, Value};

    fn value(version: u64, content: Content) -> Value {
        Value { version, timestamp_nanoseconds: version * 10, content: Some(content) }
    }

    #[test]
    fn a_batch_keeps_each_kept_keys_latest_value_and_reaches_its_newest_version() {
        let reply = ChangesSinceResponse {
            error: None,
            version: 9,
            deltas: vec![
                Delta {
                    key: b"node_record_x".to_vec(),
                    values: vec![value(7, Content::Value(vec![2])), value(5, Content::Value(vec![1]))],
                },
                Delta { key: b"routing_table".to_vec(), values: vec![value(8, Content::Value(vec![3]))] },
                Delta { key: b"subnet_list".to_vec(), values: vec![value(6, Content::DeletionMarker(true))] },
            ],
        };
        let batch = plan(reply, 4).unwrap();
        // Versions of skipped keys count towards the cursor.
        assert_eq!((batch.reaches, batch.timestamp_nanos), (8, 80));
        let keys: Vec<(&str, Kind, Option<&Content>)> =
            batch.changes.iter().map(|(k, kind, c)| (k.as_str(), *kind, c.as_ref())).collect();
        assert_eq!(
            keys,
            vec![
                ("node_record_x", Kind::Node, Some(&Content::Value(vec![2]))),
                ("subnet_list", Kind::SubnetList, Some(&Content::DeletionMarker(true))),
            ]
        );
    }

    #[test]
    fn a_value_at_or_below_the_cursor_is_a_version_going_backwards() {
        let reply = ChangesSinceResponse {
            error: None,
            version: 9,
            deltas: vec![Delta { key: b"node_record_x".to_vec(), values: vec![value(4, Content::Value(vec![]))] }],
        };
        assert!(matches!(plan(reply, 4), Err(SyncError::VersionWentBackwards { cursor: 4, reported: 4 })));
    }

    #[test]
    fn backoff_doubles_from_a_minute_up_to_the_interval() {
        let waits: Vec<u64> = (1..=8).map(|f| backoff_seconds(f, 3_600)).collect();
        assert_eq!(waits, vec![60, 120, 240, 480, 960, 1_920, 3_600, 3_600]);
        assert_eq!(backoff_seconds(u32::MAX, 600), 600);
    }
}

//! The audit trail: an append-only JSON Lines file whose records form a SHA-256 hash chain.
//!
//! Each line is one JSON object with the fields, in this order: `seq`, `parent`, `id`,
//! `type`, `outcome`, `handler`, `detail`, `at_ns`, `payload`, `prev`, `hash`.
//!
//! - `prev` is the SHA-256 (hex) of the previous line's bytes (without its newline); the
//!   first line chains to 64 zeros. Reordering, inserting or deleting a record breaks the
//!   link after it.
//! - `hash` is the SHA-256 of the line's own bytes before `,"hash":`. It lets `verify` tell
//!   corruption (a record whose bytes no longer match its hash) from tampering (a
//!   self-consistent record in the wrong place), and it catches a changed byte in the last
//!   line, which no later `prev` covers.
//!
//! Deleting whole records from the end is indistinguishable from a crash before they were
//! written; [`verify_anchored`] catches it given a head hash kept elsewhere
//! ([`crate::bus::Bus::audit_head`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::error::AuditError;

/// The `prev` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const HASH_FIELD: &[u8] = b",\"hash\":\"";
// `,"hash":"` + 64 hex digits + `"}`
const HASH_SUFFIX_LEN: usize = HASH_FIELD.len() + 64 + 2;

/// When the trail is fsynced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsyncPolicy {
    /// After every record: a publish that returned `Ok` survives a crash.
    Always,
    /// After `records` records or once `interval` has passed since the last sync, whichever
    /// comes first. The interval is checked when a record is written (there is no timer
    /// thread), so an idle bus syncs on [`crate::bus::Bus::flush_audit`] or drop.
    Batched {
        /// Sync after this many records.
        records: u32,
        /// Sync when a record is written this long after the last sync.
        interval: Duration,
    },
    /// Never fsync; the buffer is flushed to the OS when full, on `flush_audit` and on drop.
    Never,
}

/// What a record says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A bus session started on this trail; the payload is its configuration.
    Opened,
    /// The event was accepted and got its sequence number; `handler` names the handler that
    /// published it (null for a publish from outside), `parent` the event it was handling.
    Published,
    /// A handler returned `Ok`.
    Delivered,
    /// A handler returned `Err`; `detail` is its message.
    Failed,
    /// A handler panicked; `detail` is the panic message.
    Panicked,
    /// A handler was skipped after too many consecutive failures.
    Skipped,
    /// No handler was subscribed.
    DeadLetter,
    /// The publish was refused; `detail` is the error, `seq` is null.
    Refused,
    /// The queued event was dropped by storm detection.
    Dropped,
    /// A handler subscribed to `type` (seq is null); replay subscribes it at the same point.
    Subscribed,
    /// A handler unsubscribed from `type`.
    Unsubscribed,
    /// The breaker and handler failure counts of `type` were reset.
    Reset,
}

/// One parsed audit record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// The event's sequence number (null for `opened` and `refused`).
    pub seq: Option<u64>,
    /// The sequence number of the event whose handler published this one.
    pub parent: Option<u64>,
    /// The event id.
    pub id: String,
    /// The event type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// What happened.
    pub outcome: Outcome,
    /// The handler concerned (for `published`: the publishing handler).
    pub handler: Option<String>,
    /// Error or panic message, refusal reason.
    pub detail: Option<String>,
    /// Bus clock time in nanoseconds since the bus session started.
    pub at_ns: u64,
    /// The event payload.
    pub payload: Value,
    /// SHA-256 of the previous line.
    pub prev: String,
    /// SHA-256 of this line before its `hash` field.
    pub hash: String,
}

/// A record as the bus writes it, borrowing everything.
#[derive(Serialize)]
pub(crate) struct RecordOut<'a> {
    pub seq: Option<u64>,
    pub parent: Option<u64>,
    pub id: &'a str,
    #[serde(rename = "type")]
    pub event_type: &'a str,
    pub outcome: Outcome,
    pub handler: Option<&'a str>,
    pub detail: Option<&'a str>,
    pub at_ns: u64,
    pub payload: &'a Value,
    pub prev: &'a str,
}

/// Is a broken link accidental damage or a deliberate edit?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakKind {
    /// The line is not a well-formed record, or its bytes do not match its own hash.
    Corruption,
    /// The record is self-consistent but does not chain to the line before it (edited and
    /// re-hashed, reordered, inserted, or a record before it was deleted).
    Tampering,
}

/// The first broken link of a trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// 1-based line number.
    pub line: usize,
    /// Corruption or tampering.
    pub kind: BreakKind,
    /// What exactly is wrong.
    pub detail: String,
}

impl fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            BreakKind::Corruption => "corruption",
            BreakKind::Tampering => "tampering",
        };
        write!(f, "line {}: {kind}: {}", self.line, self.detail)
    }
}

/// A trail that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Number of records.
    pub records: u64,
    /// SHA-256 of the last line (the `prev` the next record will carry).
    pub head: String,
}

/// Verification failed.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The file could not be read.
    #[error("cannot read audit trail {path}: {source}")]
    Io {
        /// The trail's path.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A link is broken.
    #[error("audit trail {path} is broken at {broken}")]
    Broken {
        /// The trail's path.
        path: PathBuf,
        /// The first broken link.
        broken: BrokenLink,
    },
    /// Every link holds but the last record is not the expected head: records were removed
    /// from (or appended to) the end.
    #[error("audit trail {path} ends at {actual}, expected head {expected}")]
    HeadMismatch {
        /// The trail's path.
        path: PathBuf,
        /// The head the caller kept.
        expected: String,
        /// The head found.
        actual: String,
    },
}

impl VerifyError {
    /// The line number of the first broken link, if the failure is one.
    pub fn line(&self) -> Option<usize> {
        match self {
            VerifyError::Broken { broken, .. } => Some(broken.line),
            _ => None,
        }
    }
}

/// Checks every link of the trail at `path`; a torn last line counts as corruption.
pub fn verify(path: impl AsRef<Path>) -> Result<Verified, VerifyError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| VerifyError::Io {
        path: path.to_owned(),
        source,
    })?;
    verify_bytes(&bytes).map_err(|broken| VerifyError::Broken {
        path: path.to_owned(),
        broken,
    })
}

/// [`verify`] on a trail's bytes, for trails held in memory.
pub fn verify_bytes(bytes: &[u8]) -> Result<Verified, BrokenLink> {
    let scan = scan(bytes, |_| ())?;
    Ok(Verified {
        records: scan.records,
        head: scan.head,
    })
}

/// Like [`verify`], and the last line's hash must be `expected_head`, which catches records
/// removed from the end.
pub fn verify_anchored(
    path: impl AsRef<Path>,
    expected_head: &str,
) -> Result<Verified, VerifyError> {
    let verified = verify(path.as_ref())?;
    if verified.head != expected_head {
        return Err(VerifyError::HeadMismatch {
            path: path.as_ref().to_owned(),
            expected: expected_head.to_owned(),
            actual: verified.head,
        });
    }
    Ok(verified)
}

/// Reads every record of a trail that verifies.
pub fn read_records(path: impl AsRef<Path>) -> Result<Vec<Record>, VerifyError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| VerifyError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut out = Vec::new();
    scan(&bytes, |r| out.push(r)).map_err(|broken| VerifyError::Broken {
        path: path.to_owned(),
        broken,
    })?;
    Ok(out)
}

/// What reopening a trail found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// Complete records kept.
    pub records: u64,
    /// Bytes of a torn last line that were cut off.
    pub truncated_bytes: u64,
    /// The highest sequence number in the trail.
    pub last_seq: u64,
    /// The hash the next record chains to.
    pub head: String,
}

/// Makes a trail appendable after a crash: keeps every complete record, truncates a torn last
/// line, and checks the complete records' chain. A trail that does not exist is created.
pub fn recover(path: impl AsRef<Path>) -> Result<Recovery, AuditError> {
    let path = path.as_ref();
    let (mut file, recovery) = open_recovered(path)?;
    file.flush().map_err(|source| io_err(path, source))?;
    Ok(recovery)
}

fn io_err(path: &Path, source: io::Error) -> AuditError {
    AuditError::Io {
        path: path.to_owned(),
        source,
    }
}

fn open_recovered(path: &Path) -> Result<(File, Recovery), AuditError> {
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| io_err(path, e))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(|e| io_err(path, e))?;
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let tail = check_tail(&bytes[..complete]).map_err(|broken| AuditError::Broken {
        path: path.to_owned(),
        broken,
    })?;
    let truncated = (bytes.len() - complete) as u64;
    if truncated > 0 {
        // A torn line is the part of a record that was being written when the process died:
        // it was never acknowledged, so cutting it loses nothing that was promised.
        // No fsync of its own: the next synced record (fdatasync covers the file size) makes
        // the cut durable, and until then a crash can only leave the same torn tail again.
        file.set_len(complete as u64).map_err(|e| io_err(path, e))?;
    }
    Ok((
        file,
        Recovery {
            records: tail.records,
            truncated_bytes: truncated,
            last_seq: tail.last_seq,
            head: tail.head,
        },
    ))
}

struct Scan {
    records: u64,
    head: String,
}

struct Tail {
    records: u64,
    head: String,
    last_seq: u64,
}

/// What reopening needs from the complete lines, in time independent of the trail's length:
/// the last record must be well formed and chain to the one before it (so we never extend a
/// damaged end), and the last `published` record gives the sequence number to continue from.
/// A break further back is left for [`verify`] to report; appending does not hide it.
fn check_tail(complete: &[u8]) -> Result<Tail, BrokenLink> {
    let records = complete.iter().filter(|&&b| b == b'\n').count();
    let mut lines = complete
        .strip_suffix(b"\n")
        .unwrap_or(complete)
        .rsplit(|&b| b == b'\n')
        .filter(|_| !complete.is_empty());
    let Some(last) = lines.next() else {
        return Ok(Tail {
            records: 0,
            head: GENESIS.to_owned(),
            last_seq: 0,
        });
    };
    let broken =
        |line: usize, (kind, detail): (BreakKind, String)| BrokenLink { line, kind, detail };
    let last_rec = parse_line(last).map_err(|e| broken(records, e))?;
    let published = |r: &Record| (r.outcome == Outcome::Published).then_some(r.seq).flatten();
    let mut last_seq = published(&last_rec);
    for (back, line) in lines.enumerate() {
        if back == 0 && last_rec.prev != hex(&Sha256::digest(line)) {
            let detail = "last record does not chain to the line before it".to_owned();
            return Err(broken(records, (BreakKind::Tampering, detail)));
        }
        if last_seq.is_some() {
            break;
        }
        let rec = parse_line(line).map_err(|e| broken(records - 1 - back, e))?;
        last_seq = published(&rec);
    }
    Ok(Tail {
        records: records as u64,
        head: hex(&Sha256::digest(last)),
        last_seq: last_seq.unwrap_or(0),
    })
}

/// Walks the lines of `bytes`, checking each record's own hash and its link to the line
/// before, and hands each record to `each`.
fn scan(bytes: &[u8], mut each: impl FnMut(Record)) -> Result<Scan, BrokenLink> {
    let mut prev = GENESIS.to_owned();
    let mut records = 0u64;
    let mut rest = bytes;
    let mut line_no = 0usize;
    while !rest.is_empty() {
        line_no += 1;
        let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
            return Err(BrokenLink {
                line: line_no,
                kind: BreakKind::Corruption,
                detail: "torn last line (no terminating newline)".into(),
            });
        };
        let line = &rest[..nl];
        rest = &rest[nl + 1..];
        let record = check_line(line, &prev).map_err(|(kind, detail)| BrokenLink {
            line: line_no,
            kind,
            detail,
        })?;
        prev = hex(&Sha256::digest(line));
        records += 1;
        each(record);
    }
    Ok(Scan {
        records,
        head: prev,
    })
}

fn check_line(line: &[u8], prev: &str) -> Result<Record, (BreakKind, String)> {
    let record = parse_line(line)?;
    if record.prev != prev {
        return Err((
            BreakKind::Tampering,
            "record does not chain to the line before it (edited, moved, inserted, or a record before it was removed)".into(),
        ));
    }
    Ok(record)
}

/// Parses one line and checks it against its own hash.
fn parse_line(line: &[u8]) -> Result<Record, (BreakKind, String)> {
    let corrupt = |d: String| (BreakKind::Corruption, d);
    if line.len() < HASH_SUFFIX_LEN || !line.ends_with(b"\"}") {
        return Err(corrupt("not a complete audit record".into()));
    }
    let body_len = line.len() - HASH_SUFFIX_LEN;
    if &line[body_len..body_len + HASH_FIELD.len()] != HASH_FIELD {
        return Err(corrupt("record does not end with its hash".into()));
    }
    let record: Record = serde_json::from_slice(line)
        .map_err(|e| corrupt(format!("not a valid audit record: {e}")))?;
    let own = hex(&Sha256::digest(&line[..body_len]));
    if record.hash != own {
        return Err(corrupt(
            "record bytes do not match the record's own hash".into(),
        ));
    }
    Ok(record)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 0xf)] as char);
    }
    s
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Where the writer's bytes go; a trait so that a unit test can inject a failing disk.
pub(crate) trait Sink: Write + Send {
    fn sync(&mut self) -> io::Result<()>;
}

impl Sink for File {
    fn sync(&mut self) -> io::Result<()> {
        self.sync_data()
    }
}

/// Appends records, keeping the chain head, and syncs by policy. After the first I/O error
/// it refuses every further record: a retry could succeed after data was silently lost.
pub(crate) struct AuditWriter {
    path: PathBuf,
    out: BufWriter<Box<dyn Sink>>,
    policy: FsyncPolicy,
    prev: String,
    line: Vec<u8>,
    unsynced: u32,
    last_sync_ns: u64,
    failed: Option<String>,
}

impl AuditWriter {
    pub(crate) fn open(path: &Path, policy: FsyncPolicy) -> Result<(Self, Recovery), AuditError> {
        let (file, recovery) = open_recovered(path)?;
        let writer = Self::with_sink(path, Box::new(file), policy, recovery.head.clone());
        Ok((writer, recovery))
    }

    pub(crate) fn with_sink(
        path: &Path,
        sink: Box<dyn Sink>,
        policy: FsyncPolicy,
        head: String,
    ) -> Self {
        AuditWriter {
            path: path.to_owned(),
            out: BufWriter::with_capacity(64 * 1024, sink),
            policy,
            prev: head,
            line: Vec::with_capacity(512),
            unsynced: 0,
            last_sync_ns: 0,
            failed: None,
        }
    }

    pub(crate) fn head(&self) -> &str {
        &self.prev
    }

    /// Appends one record; `rec.prev` is ignored and replaced by the chain head.
    pub(crate) fn append(&mut self, rec: &RecordOut<'_>, now_ns: u64) -> Result<(), AuditError> {
        if let Some(msg) = &self.failed {
            return Err(AuditError::Failed(msg.clone()));
        }
        self.line.clear();
        let rec = RecordOut {
            prev: &self.prev,
            ..*rec
        };
        // Serializing plain strings, numbers and a serde_json::Value into a Vec cannot fail.
        if let Err(e) = serde_json::to_writer(&mut self.line, &rec) {
            return Err(self.fail(io::Error::other(e)));
        }
        self.line.pop(); // the closing brace; the hash field goes before it
        let own = hex(&Sha256::digest(&self.line));
        self.line.extend_from_slice(HASH_FIELD);
        self.line.extend_from_slice(own.as_bytes());
        self.line.extend_from_slice(b"\"}");
        let head = hex(&Sha256::digest(&self.line));
        self.line.push(b'\n');
        if let Err(e) = self.out.write_all(&self.line) {
            return Err(self.fail(e));
        }
        self.prev = head;
        self.unsynced += 1;
        let due = match self.policy {
            FsyncPolicy::Always => true,
            FsyncPolicy::Batched { records, interval } => {
                self.unsynced >= records
                    || now_ns.saturating_sub(self.last_sync_ns)
                        >= super::clock::duration_nanos(interval)
            }
            FsyncPolicy::Never => false,
        };
        if due {
            self.sync(now_ns)?;
        }
        Ok(())
    }

    /// Flushes the buffer and fsyncs (whatever the policy).
    pub(crate) fn sync(&mut self, now_ns: u64) -> Result<(), AuditError> {
        if let Some(msg) = &self.failed {
            return Err(AuditError::Failed(msg.clone()));
        }
        let res = self.out.flush().and_then(|()| self.out.get_mut().sync());
        if let Err(e) = res {
            return Err(self.fail(e));
        }
        self.unsynced = 0;
        self.last_sync_ns = now_ns;
        Ok(())
    }

    /// Flushes the buffer to the OS without fsync (for `FsyncPolicy::Never` on drop).
    pub(crate) fn flush(&mut self) -> Result<(), AuditError> {
        if let Some(msg) = &self.failed {
            return Err(AuditError::Failed(msg.clone()));
        }
        if let Err(e) = self.out.flush() {
            return Err(self.fail(e));
        }
        Ok(())
    }

    pub(crate) fn policy(&self) -> FsyncPolicy {
        self.policy
    }

    fn fail(&mut self, e: io::Error) -> AuditError {
        self.failed = Some(format!("{}: {e}", self.path.display()));
        AuditError::Io {
            path: self.path.clone(),
            source: e,
        }
    }
}

/// A disk whose writes succeed and whose fsync fails, for tests of the fatal-error path.
#[cfg(test)]
pub(crate) struct FailingSync;

#[cfg(test)]
impl Write for FailingSync {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
impl Sink for FailingSync {
    fn sync(&mut self) -> io::Result<()> {
        Err(io::Error::other("disk on fire"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(payload: &Value) -> RecordOut<'_> {
        RecordOut {
            seq: Some(1),
            parent: None,
            id: "e1",
            event_type: "t",
            outcome: Outcome::Published,
            handler: None,
            detail: None,
            at_ns: 0,
            payload,
            prev: "",
        }
    }

    #[test]
    fn an_fsync_error_is_fatal_and_never_retried() {
        let mut w = AuditWriter::with_sink(
            Path::new("mem"),
            Box::new(FailingSync),
            FsyncPolicy::Always,
            GENESIS.into(),
        );
        let p = json!({});
        assert!(matches!(w.append(&rec(&p), 0), Err(AuditError::Io { .. })));
        assert!(matches!(w.append(&rec(&p), 0), Err(AuditError::Failed(_))));
        assert!(matches!(w.sync(0), Err(AuditError::Failed(_))));
    }

    #[test]
    fn hex_is_lowercase_and_padded() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }
}

//! Typed errors of the bus: refused publishes, build failures, audit and replay failures.

use std::path::PathBuf;
use std::time::Duration;

use super::contract::Violation;

/// Why a publish was refused. A refused event gets no sequence number and is recorded in the
/// audit trail with outcome `refused`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// The breaker of this event type is open (or its half-open trial is in flight).
    #[error("circuit breaker for `{event_type}` is open")]
    CircuitOpen {
        /// The refused event's type.
        event_type: String,
    },
    /// More than the storm threshold of events of this type arrived within the window.
    #[error("event storm on `{event_type}`: {count} events within {window:?}")]
    StormDetected {
        /// The storming event type.
        event_type: String,
        /// Events of this type in the window, the refused one included.
        count: usize,
        /// The storm window.
        window: Duration,
    },
    /// The payload breaks a contract of its event type.
    #[error("contract violation on `{event_type}`: {violation}")]
    ContractViolation {
        /// The refused event's type.
        event_type: String,
        /// What the payload lacks.
        violation: Violation,
    },
    /// The bounded queue is full; the caller may retry after the queue drains.
    #[error("event queue is full ({capacity} events)")]
    QueueFull {
        /// The queue's capacity.
        capacity: usize,
    },
    /// The audit trail could not be written or synced; the bus refuses every publish after it.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

impl PublishError {
    /// A short stable name for the reason, used in audit details and metric labels.
    pub fn reason(&self) -> &'static str {
        match self {
            PublishError::CircuitOpen { .. } => "circuit_open",
            PublishError::StormDetected { .. } => "storm",
            PublishError::ContractViolation { .. } => "contract",
            PublishError::QueueFull { .. } => "queue_full",
            PublishError::Audit(_) => "audit",
        }
    }
}

/// The audit trail failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// Reading, writing, truncating or syncing the file failed.
    #[error("audit trail {path}: {source}")]
    Io {
        /// The trail's path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An earlier write or fsync failed. Data may be lost, so the bus stays refused rather
    /// than retrying and hiding the loss.
    #[error("audit trail failed earlier and the bus no longer accepts events: {0}")]
    Failed(String),
    /// Reopening found a broken record before the end (not a torn last line); appending to it
    /// would extend a chain that no longer verifies.
    #[error("audit trail {path} cannot be reopened: {broken}")]
    Broken {
        /// The trail's path.
        path: PathBuf,
        /// The first broken link.
        broken: crate::bus::audit::BrokenLink,
    },
}

/// Building a bus failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A setting is out of range.
    #[error("invalid bus configuration: {0}")]
    Config(String),
    /// The audit trail could not be opened or recovered.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

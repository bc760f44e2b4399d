//! What travels on the bus: events, receipts, subscription ids and handler errors.

use serde_json::Value;
use std::fmt;

/// One event: a type key, a JSON payload and an id.
///
/// The bus fills in `seq` when it accepts the event. An event published without an id keeps
/// an empty `id` (so publishing allocates nothing for it); the audit trail and the dead-letter
/// list name it `e<seq>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Caller-chosen identifier; empty means "identify it by its sequence number".
    pub id: String,
    /// The event type key that subscriptions match exactly.
    pub event_type: String,
    /// The payload, checked against the type's contracts on publish.
    pub payload: Value,
    pub(crate) seq: u64,
}

impl Event {
    /// An event without an id (recorded as `e<seq>`).
    pub fn new(event_type: impl Into<String>, payload: Value) -> Self {
        Event {
            id: String::new(),
            event_type: event_type.into(),
            payload,
            seq: 0,
        }
    }

    /// Sets the event id.
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// The global sequence number the bus gave this event (0 before it is published).
    pub fn seq(&self) -> u64 {
        self.seq
    }
}

/// Identifies one subscription, for [`crate::bus::Bus::unsubscribe`] and in stats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubscriptionId(pub(crate) u64);

impl SubscriptionId {
    /// The raw number, unique within one bus.
    pub fn get(self) -> u64 {
        self.0
    }
}

/// What a successful publish tells the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The event's global sequence number.
    pub seq: u64,
    /// Whether this call dispatched the event or left it queued for the current drainer.
    pub status: Status,
}

/// How far a published event got before `publish` returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The event waits in the queue: it was published from inside a handler, or another
    /// thread is draining the queue and will dispatch it before it goes idle.
    Queued,
    /// This call drained the queue to quiescence, dispatching this event among others.
    Dispatched(DispatchSummary),
}

/// The outcome of dispatching the published event itself (not of its cascade).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DispatchSummary {
    /// Handlers that returned `Ok`.
    pub delivered: usize,
    /// Handlers that returned `Err` or panicked.
    pub failed: usize,
    /// Handlers skipped because they had failed too often in a row.
    pub skipped: usize,
    /// No handler was subscribed: the event became a dead letter.
    pub dead_letter: bool,
    /// The event was dropped from the queue by storm detection before it was dispatched.
    pub dropped: bool,
    /// Events dispatched by this call in total, the cascade included.
    pub dispatched: u64,
}

/// A handler's failure. Any `std::error::Error` converts into it, so handlers can use `?`
/// (including on [`crate::bus::PublishError`] from a nested publish).
pub struct HandlerError {
    message: String,
}

impl HandlerError {
    /// A failure with the given message.
    pub fn new(message: impl Into<String>) -> Self {
        HandlerError {
            message: message.into(),
        }
    }

    /// The failure's message, as recorded in the audit trail.
    pub fn message(&self) -> &str {
        &self.message
    }
}

// Not `std::error::Error` on purpose: that would conflict with the blanket `From` below,
// which is what lets handlers write `?` on any error (the pattern anyhow uses).
impl<E: std::error::Error> From<E> for HandlerError {
    fn from(e: E) -> Self {
        HandlerError::new(e.to_string())
    }
}

impl fmt::Debug for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("HandlerError").field(&self.message).finish()
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

//! Replaying an audit trail into fresh buses and comparing the outcomes they record.
//!
//! # What replay checks
//!
//! A trail records the bus's inputs (the configuration in each `opened` record,
//! subscriptions, resets, and the events published from outside any handler, with their
//! times) and its decisions (sequence numbers, deliveries, failures, skips, dead letters,
//! refusals, storm drops). Replay feeds the inputs to a fresh bus with the same configuration
//! and a manual clock set to the recorded times, and compares every decision record, field
//! by field except the hashes and times. It reports the first line that differs.
//!
//! - [`replay`] takes the real handlers, by event type and handler name. It answers "does
//!   this code, on these inputs, still behave as recorded?" (a regression check, or a check
//!   that a trail was produced by this code).
//! - [`replay_simulated`] (what `choreo audit replay FILE` runs) has no handlers, so it
//!   rebuilds each one from the trail: for every event it publishes what that handler
//!   published and then succeeds, fails or panics as recorded. The handlers' behaviour is
//!   then given, and what is checked is everything the bus decided on its own: sequence
//!   numbering, FIFO order, which handlers were skipped, when breakers opened and refused,
//!   when storms refused and dropped, dead letters and contract refusals. A trail whose
//!   decisions were edited consistently (hashes recomputed) or that a bus with other
//!   semantics produced does not replay.
//!
//! Each `opened` record starts a new bus (a reopened trail is a new session); sequence
//! numbers continue across sessions, as they did when the trail was written.
//!
//! Limits: time stands still during a replayed dispatch (it is set to the dispatch's first
//! recorded time, then to its last before the outcome is accounted), so a storm decision that
//! hinged on the microseconds a real handler took may differ; and root events are injected
//! between dispatches, so a root published by another thread in the middle of a dispatch is
//! replayed after it. Either shows up as a reported difference, never as a false match.

use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::audit::{self, Outcome, Record, VerifyError};
use super::{
    BreakerPolicy, BuildError, Bus, Clock, Contract, Event, HandlerError, HandlerFn, ManualClock,
    SubscriptionId,
};

/// The handlers a replay may subscribe, by event type and handler name.
#[derive(Default, Clone)]
pub struct Handlers {
    map: HashMap<(String, String), Arc<HandlerFn>>,
}

impl Handlers {
    /// No handlers yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the handler that the trail names `handler_name` on `event_type`.
    #[must_use]
    pub fn with<F>(mut self, event_type: &str, handler_name: &str, handler: F) -> Self
    where
        F: Fn(&Event, &Bus) -> Result<(), HandlerError> + Send + Sync + 'static,
    {
        self.map.insert(
            (event_type.to_owned(), handler_name.to_owned()),
            Arc::new(handler),
        );
        self
    }
}

/// A replay that matched the trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayReport {
    /// Bus sessions (`opened` records) replayed.
    pub sessions: usize,
    /// Events published from outside a handler, fed to the replay buses.
    pub root_events: u64,
    /// Decision records compared.
    pub records_compared: u64,
}

/// Why a replay failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The trail does not verify; it is not replayed.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// The trail subscribes a handler that was not supplied.
    #[error("line {line}: no handler `{handler}` for `{event_type}` was supplied")]
    MissingHandler {
        /// The `subscribed` record's line.
        line: usize,
        /// Its event type.
        event_type: String,
        /// Its handler name.
        handler: String,
    },
    /// An `opened` record's configuration cannot be rebuilt, or records precede it.
    #[error("line {line}: {detail}")]
    BadTrail {
        /// The offending line.
        line: usize,
        /// What is wrong.
        detail: String,
    },
    /// The rebuilt configuration is invalid.
    #[error("line {line}: {source}")]
    Build {
        /// The `opened` record's line.
        line: usize,
        /// The build error.
        source: BuildError,
    },
    /// The replay recorded something else than the trail.
    #[error("line {line}: replay differs: recorded {expected}, replayed {actual}")]
    Diverged {
        /// The first trail line whose record the replay did not reproduce (one past the
        /// last line if the replay produced extra records).
        line: usize,
        /// The trail's record (compared fields), or `nothing`.
        expected: String,
        /// The replay's record, or `nothing`.
        actual: String,
    },
}

/// Replays the trail at `path` with the caller's handlers; see the module docs.
pub fn replay(path: impl AsRef<Path>, handlers: &Handlers) -> Result<ReplayReport, ReplayError> {
    let records = audit::read_records(path)?;
    run(&records, |event_type, name| {
        handlers
            .map
            .get(&(event_type.to_owned(), name.to_owned()))
            .cloned()
    })
}

/// What one simulated handler does for one event.
#[derive(Default)]
struct Script {
    publishes: Vec<Event>,
    result: Option<(Outcome, Option<String>)>,
}

/// Replays the trail at `path` with handlers rebuilt from the trail itself; see the module
/// docs for what this does and does not show.
pub fn replay_simulated(path: impl AsRef<Path>) -> Result<ReplayReport, ReplayError> {
    let records = audit::read_records(path)?;
    let mut scripts: HashMap<(u64, String), Script> = HashMap::new();
    for r in &records {
        match (r.outcome, r.parent, r.seq, &r.handler) {
            (Outcome::Published | Outcome::Refused, Some(parent), _, Some(h)) => {
                scripts
                    .entry((parent, h.clone()))
                    .or_default()
                    .publishes
                    .push(
                        Event::new(r.event_type.clone(), r.payload.clone()).with_id(r.id.clone()),
                    );
            }
            (Outcome::Delivered | Outcome::Failed | Outcome::Panicked, _, Some(seq), Some(h)) => {
                scripts.entry((seq, h.clone())).or_default().result =
                    Some((r.outcome, r.detail.clone()));
            }
            _ => {}
        }
    }
    let scripts = Arc::new(scripts);
    run(&records, |_, name| {
        let scripts = Arc::clone(&scripts);
        let name = name.to_owned();
        let handler: Arc<HandlerFn> = Arc::new(move |event: &Event, bus: &Bus| {
            let Some(script) = scripts.get(&(event.seq(), name.clone())) else {
                // Not in the trail: the replay has diverged, which the comparison reports.
                return Ok(());
            };
            for e in &script.publishes {
                // Refusals are part of the recorded outcome; the original handler's own
                // reaction to them is already in its recorded result.
                let _ = bus.publish(e.clone());
            }
            match &script.result {
                Some((Outcome::Failed, detail)) => {
                    Err(HandlerError::new(detail.clone().unwrap_or_default()))
                }
                // resume_unwind skips the panic hook, so simulated panics print nothing.
                Some((Outcome::Panicked, detail)) => {
                    std::panic::resume_unwind(Box::new(detail.clone().unwrap_or_default()))
                }
                _ => Ok(()),
            }
        });
        Some(handler)
    })
}

/// The fields replay compares: everything but times and hashes.
fn comparable(r: &Record) -> Value {
    serde_json::json!({
        "seq": r.seq, "parent": r.parent, "id": r.id, "type": r.event_type,
        "outcome": r.outcome, "handler": r.handler, "detail": r.detail, "payload": r.payload,
    })
}

fn is_decision(o: Outcome) -> bool {
    !matches!(
        o,
        Outcome::Opened | Outcome::Subscribed | Outcome::Unsubscribed | Outcome::Reset
    )
}

struct Session<'a> {
    bus: Bus,
    clock: ManualClock,
    subs: HashMap<(String, String), VecDeque<SubscriptionId>>,
    expected: Vec<(usize, &'a Record)>,
}

fn run(
    records: &[Record],
    lookup: impl Fn(&str, &str) -> Option<Arc<HandlerFn>>,
) -> Result<ReplayReport, ReplayError> {
    // For each dispatched event: the recorded times of its first and last dispatch record
    // (nested publishes and handler outcomes), to set the replay clock from.
    let mut times: HashMap<u64, (u64, u64)> = HashMap::new();
    for r in records {
        if let Some(s) = dispatch_of(r) {
            let t = times.entry(s).or_insert((r.at_ns, r.at_ns));
            t.1 = r.at_ns;
        }
    }
    let mut report = ReplayReport {
        sessions: 0,
        root_events: 0,
        records_compared: 0,
    };
    let mut session: Option<Session<'_>> = None;
    let mut last_seq = 0;
    for (i, r) in records.iter().enumerate() {
        let line = i + 1;
        if r.outcome == Outcome::Opened {
            if let Some(s) = session.take() {
                report.records_compared += finish(s, line)?;
            }
            session = Some(start(r, line, last_seq)?);
            report.sessions += 1;
            continue;
        }
        last_seq = last_seq.max(r.seq.unwrap_or(0));
        let Some(s) = session.as_mut() else {
            return Err(ReplayError::BadTrail {
                line,
                detail: "record before the first `opened` record".into(),
            });
        };
        if is_decision(r.outcome) {
            s.expected.push((line, r));
        }
        if let Some(seq) = dispatch_of(r) {
            catch_up(s, seq, &times)?;
        }
        match (r.outcome, r.parent) {
            (Outcome::Subscribed, _) => {
                let name = r.handler.clone().unwrap_or_default();
                let handler =
                    lookup(&r.event_type, &name).ok_or_else(|| ReplayError::MissingHandler {
                        line,
                        event_type: r.event_type.clone(),
                        handler: name.clone(),
                    })?;
                s.clock.set(Duration::from_nanos(r.at_ns));
                let id = s
                    .bus
                    .subscribe_arc(r.event_type.clone(), name.clone(), handler);
                s.subs
                    .entry((r.event_type.clone(), name))
                    .or_default()
                    .push_back(id);
            }
            (Outcome::Unsubscribed, _) => {
                let key = (r.event_type.clone(), r.handler.clone().unwrap_or_default());
                if let Some(id) = s.subs.get_mut(&key).and_then(VecDeque::pop_front) {
                    s.bus.unsubscribe(id);
                }
            }
            (Outcome::Reset, _) => {
                s.clock.set(Duration::from_nanos(r.at_ns));
                s.bus.reset(&r.event_type);
            }
            (Outcome::Published | Outcome::Refused, None) => {
                s.clock.set(Duration::from_nanos(r.at_ns));
                report.root_events += 1;
                let event =
                    Event::new(r.event_type.clone(), r.payload.clone()).with_id(r.id.clone());
                // A refusal is an outcome to compare, not a replay failure.
                let _ = s.bus.enqueue_only(event);
            }
            _ => {}
        }
    }
    if let Some(s) = session.take() {
        report.records_compared += finish(s, records.len() + 1)?;
    }
    Ok(report)
}

/// The event whose dispatch produced `r`, if any.
fn dispatch_of(r: &Record) -> Option<u64> {
    match r.outcome {
        Outcome::Published | Outcome::Refused => r.parent,
        Outcome::Delivered
        | Outcome::Failed
        | Outcome::Panicked
        | Outcome::Skipped
        | Outcome::DeadLetter => r.seq,
        _ => None,
    }
}

/// Dispatches queued events up to and including `seq`, each at its recorded times.
fn catch_up(
    s: &mut Session<'_>,
    seq: u64,
    times: &HashMap<u64, (u64, u64)>,
) -> Result<(), ReplayError> {
    loop {
        let next = {
            let st = s.bus.lock();
            if st.last_dispatched >= seq {
                return Ok(());
            }
            st.queue.front().map(|q| q.event.seq)
        };
        let Some(next) = next else { return Ok(()) };
        let (first, last) = times.get(&next).copied().unwrap_or_default();
        s.clock.set(Duration::from_nanos(first));
        let clock = s.clock.clone();
        // An audit error cannot happen (replay buses have no trail); other errors are
        // outcomes the comparison sees.
        let _ = s
            .bus
            .dispatch_one(move || clock.set(Duration::from_nanos(last)));
    }
}

fn start<'a>(r: &Record, line: usize, last_seq: u64) -> Result<Session<'a>, ReplayError> {
    let bad = |detail: &str| ReplayError::BadTrail {
        line,
        detail: format!("`opened` record: {detail}"),
    };
    let c = &r.payload;
    let (clock, handle) = Clock::manual();
    handle.set(Duration::from_nanos(r.at_ns));
    let mut b = Bus::builder().clock(clock);
    match (
        c.get("storm_threshold").and_then(Value::as_u64),
        c.get("storm_window_ns").and_then(Value::as_u64),
    ) {
        (Some(t), Some(w)) => {
            let t = usize::try_from(t).map_err(|_| bad("storm threshold out of range"))?;
            b = b.storm(t, Duration::from_nanos(w));
        }
        _ => b = b.without_storm_detection(),
    }
    let max = c
        .get("max_handler_failures")
        .and_then(Value::as_u64)
        .and_then(|m| u32::try_from(m).ok())
        .ok_or_else(|| bad("no max_handler_failures"))?;
    b = b.max_handler_failures(max);
    if let Some(ns) = c.get("breaker_cool_down_ns").and_then(Value::as_u64) {
        b = b.breaker(BreakerPolicy::CoolDown(Duration::from_nanos(ns)));
    }
    let cap = c
        .get("queue_capacity")
        .and_then(Value::as_u64)
        .and_then(|m| usize::try_from(m).ok())
        .ok_or_else(|| bad("no queue_capacity"))?;
    b = b.queue_capacity(cap);
    if let Some(contracts) = c.get("contracts").and_then(Value::as_object) {
        for (event_type, list) in contracts {
            for contract in list.as_array().into_iter().flatten() {
                let contract =
                    Contract::from_json(contract).ok_or_else(|| bad("unknown contract"))?;
                b = b.contract(event_type.clone(), contract);
            }
        }
    }
    let bus = b
        .build()
        .map_err(|source| ReplayError::Build { line, source })?;
    {
        let mut st = bus.lock();
        // The original session continued the trail's sequence numbers.
        st.next_seq = last_seq + 1;
        st.capture = Some(Vec::new());
    }
    Ok(Session {
        bus,
        clock: handle,
        subs: HashMap::new(),
        expected: Vec::new(),
    })
}

/// Drains the session's bus and compares what it recorded with the trail; `end_line` is the
/// line after the session's last record.
fn finish(s: Session<'_>, end_line: usize) -> Result<u64, ReplayError> {
    let _ = s.bus.run_until_idle();
    let actual: Vec<Record> = s
        .bus
        .lock()
        .capture
        .take()
        .unwrap_or_default()
        .into_iter()
        .filter(|r| is_decision(r.outcome))
        .collect();
    let nothing = || "nothing".to_owned();
    for (k, &(line, want)) in s.expected.iter().enumerate() {
        let want = comparable(want);
        let got = actual.get(k).map(comparable);
        if got.as_ref() != Some(&want) {
            return Err(ReplayError::Diverged {
                line,
                expected: want.to_string(),
                actual: got.map_or_else(nothing, |g| g.to_string()),
            });
        }
    }
    if let Some(extra) = actual.get(s.expected.len()) {
        return Err(ReplayError::Diverged {
            line: end_line,
            expected: nothing(),
            actual: comparable(extra).to_string(),
        });
    }
    Ok(s.expected.len() as u64)
}

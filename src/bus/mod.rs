//! The embedded runtime event bus: one FIFO queue, per-handler failure counting, per-type
//! circuit breakers, storm detection, contracts, dead letters and a hash-chained audit trail.
//!
//! This module depends on nothing else in the crate (only `serde`, `serde_json`, `sha2`,
//! `thiserror` and, for JSON Schema contracts, `jsonschema`), so it can be lifted out or
//! used by an application on its own.
//!
//! # Dispatch model
//!
//! - **One queue.** Every accepted event gets the next global sequence number and is appended
//!   to a single bounded FIFO queue. Events are dispatched strictly in sequence order, each to
//!   its type's handlers in subscription order, so a run is reproducible.
//! - **Who drains it.** A `publish` from outside any handler drains the queue to quiescence
//!   before it returns (its [`Receipt`] says [`Status::Dispatched`]). A `publish` made by a
//!   handler only enqueues (its receipt says [`Status::Queued`]): there is no recursion, and a
//!   handler publishing in a loop cannot deadlock. At most one thread drains at a time; a
//!   publish from another thread while a drain is running enqueues and returns `Queued`, and
//!   the draining thread dispatches that event before it goes idle. [`Bus::run_until_idle`]
//!   drains explicitly (useful after a `QueueFull`).
//! - **Lock discipline.** One mutex guards the bus state (queue, counters, breakers, storm
//!   windows, audit writer). It is held to admit an event (checks, sequence number, audit
//!   record, enqueue) and to account for a dispatched event, never while a handler runs, so a
//!   handler may publish, subscribe, read stats or reset. Audit records are written under that
//!   lock, which is what keeps the trail in sequence order. Handler lists are `Arc`'d slices
//!   replaced on (un)subscribe, so a dispatch works on a snapshot.
//! - **Bounded memory.** A full queue refuses the publish with [`PublishError::QueueFull`];
//!   nothing is ever dropped silently (storm drops are recorded as `dropped`). An outside
//!   publisher can retry after [`Bus::run_until_idle`]; a handler must not wait for space,
//!   since only the draining thread, which is running that handler, can make any.
//!
//! # Failure handling
//!
//! A handler's `Err` or panic (caught with `catch_unwind`) counts against it; after
//! `max_handler_failures` consecutive failures it is skipped (recorded as `skipped`) until
//! [`Bus::reset`]. When at least half of a type's handlers fail on one event, that type's
//! breaker opens and its publishes are refused with [`PublishError::CircuitOpen`] until
//! `reset`, or, under [`BreakerPolicy::CoolDown`], until one half-open trial succeeds. More
//! than `storm_threshold` events of one type within the window are refused with
//! [`PublishError::StormDetected`] and that type's queued events are dropped, which stops a
//! feedback loop between handlers by itself.
//!
//! # Example
//!
//! ```
//! use choreo::bus::{Bus, Event, HandlerError, Status};
//! use serde_json::json;
//!
//! let bus = Bus::builder().build()?;
//! bus.subscribe("order.placed", "billing", |event: &Event, bus: &Bus| {
//!     // Publishing from a handler only enqueues; the outer publish dispatches it next.
//!     bus.publish(Event::new("invoice.created", json!({ "order": event.payload["id"] })))?;
//!     Ok::<(), HandlerError>(())
//! });
//! let receipt = bus.publish(Event::new("order.placed", json!({ "id": 7 })))?;
//! assert_eq!(receipt.seq, 1);
//! assert!(matches!(receipt.status, Status::Dispatched(ref s) if s.delivered == 1));
//! // Nobody listens to invoices: that event became a dead letter.
//! assert_eq!(bus.stats().types["invoice.created"].dead_lettered, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod audit;
mod breaker;
mod clock;
mod contract;
mod error;
mod event;
mod replay;
mod stats;
mod storm;
mod types;

pub use audit::{verify, verify_anchored, FsyncPolicy, Outcome, Record};
pub use breaker::{BreakerPolicy, BreakerState};
pub use clock::{Clock, ManualClock};
pub use contract::{Contract, Violation};
pub use error::{AuditError, BuildError, PublishError};
pub use event::{DispatchSummary, Event, HandlerError, Receipt, Status, SubscriptionId};
pub use replay::{replay, replay_simulated, Handlers, ReplayError, ReplayReport};
pub use stats::{DeadLetter, HandlerStats, Stats, TypeStats};

/// Hooks for `benches/bus.rs` to time internals alone; not part of the API.
#[doc(hidden)]
pub mod bench_support {
    use super::breaker::{Admit, Breaker};
    use super::storm::StormWindow;
    use super::BreakerPolicy;

    /// One event type's breaker and a full storm window, as a busy type has them.
    pub struct Checks {
        breaker: Breaker,
        storm: StormWindow,
        threshold: usize,
        window_ns: u64,
    }

    impl Checks {
        /// A closed breaker and a storm window already holding `threshold` events.
        pub fn new(threshold: usize, window_ns: u64) -> Self {
            let mut storm = StormWindow::default();
            for t in 0..threshold as u64 {
                storm.record(t, threshold);
            }
            Checks {
                breaker: Breaker::default(),
                storm,
                threshold,
                window_ns,
            }
        }

        /// What publish does per event: breaker admission, storm check, storm record.
        #[inline]
        pub fn admit(&mut self, now: u64) -> bool {
            let pass = self.breaker.admit(now, BreakerPolicy::Manual) == Admit::Pass
                && self
                    .storm
                    .check(now, self.threshold, self.window_ns)
                    .is_ok();
            if pass {
                self.storm.record(now, self.threshold);
            }
            pass
        }
    }
}

use serde_json::{json, Value};
use std::borrow::Cow;
use std::cell::Cell;
use std::collections::{HashMap, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use audit::{AuditWriter, RecordOut};
use breaker::{Admit, Breaker};
use storm::StormWindow;
use types::{FxBuildHasher, TypeTable};

/// The type of a handler: it gets the event and the bus (to publish further events).
pub type HandlerFn = dyn Fn(&Event, &Bus) -> Result<(), HandlerError> + Send + Sync;

/// The embeddable event bus. Cloning is cheap and gives another handle to the same bus.
#[derive(Clone)]
pub struct Bus {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    clock: Clock,
    state: Mutex<State>,
}

#[derive(Debug, Clone)]
struct Config {
    // None: storm detection off.
    storm: Option<(usize, Duration)>,
    max_handler_failures: u32,
    breaker: BreakerPolicy,
    queue_capacity: usize,
    dead_letter_capacity: usize,
    contracts: HashMap<String, Vec<Contract>, FxBuildHasher>,
}

impl Config {
    /// The configuration as written into the trail's `opened` record, so that a replay can
    /// rebuild a bus that makes the same decisions.
    fn to_json(&self) -> Value {
        // serde_json's Map is ordered by key, so the record is deterministic.
        let contracts: serde_json::Map<String, Value> = self
            .contracts
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().map(Contract::to_json).collect()))
            .collect();
        json!({
            "storm_threshold": self.storm.map(|s| s.0),
            "storm_window_ns": self.storm.map(|s| clock::duration_nanos(s.1)),
            "max_handler_failures": self.max_handler_failures,
            "breaker_cool_down_ns": match self.breaker {
                BreakerPolicy::Manual => None,
                BreakerPolicy::CoolDown(d) => Some(clock::duration_nanos(d)),
            },
            "queue_capacity": self.queue_capacity,
            "contracts": contracts,
        })
    }
}

struct State {
    types: TypeTable<TypeState>,
    queue: VecDeque<Queued>,
    queue_peak: usize,
    next_seq: u64,
    next_sub: u64,
    draining: bool,
    // The handler snapshot being dispatched, so that a nested publish can name its publisher.
    current: Option<Arc<[Subscriber]>>,
    last_dispatched: u64,
    audit: Option<AuditWriter>,
    audit_failed: Option<String>,
    dead_letters: VecDeque<DeadLetter>,
    dead_letters_total: u64,
    // Replay's copy of every record this bus produces.
    capture: Option<Vec<Record>>,
    // Reused per dispatch so that dispatching allocates nothing in the common case.
    scratch: Vec<HandlerResult>,
}

/// A queued event with its type's index in the type table.
struct Queued {
    event: Event,
    ty: usize,
}

#[derive(Default)]
struct TypeState {
    subs: Arc<[Subscriber]>,
    storm: StormWindow,
    breaker: Breaker,
    counts: TypeCounts,
}

#[derive(Debug, Default, Clone)]
struct TypeCounts {
    published: u64,
    delivered: u64,
    failed: u64,
    skipped: u64,
    dead_lettered: u64,
    dropped: u64,
    refused_circuit: u64,
    refused_storm: u64,
    refused_contract: u64,
    refused_queue_full: u64,
}

#[derive(Clone)]
struct Subscriber {
    id: SubscriptionId,
    name: Arc<str>,
    handler: Arc<HandlerFn>,
    health: Arc<Health>,
}

#[derive(Default)]
struct Health {
    delivered: AtomicU64,
    failures: AtomicU64,
    consecutive: AtomicU32,
    skips: AtomicU64,
}

enum HandlerResult {
    Delivered,
    Failed(String),
    Panicked(String),
    Skipped,
}

impl HandlerResult {
    fn outcome(&self) -> (Outcome, Option<&str>) {
        match self {
            HandlerResult::Delivered => (Outcome::Delivered, None),
            HandlerResult::Failed(m) => (Outcome::Failed, Some(m)),
            HandlerResult::Panicked(m) => (Outcome::Panicked, Some(m)),
            HandlerResult::Skipped => (Outcome::Skipped, None),
        }
    }
}

/// Which handler of which bus this thread is running, so that a publish can tell "from a
/// handler" (enqueue only) from "from outside" (drain).
#[derive(Clone, Copy)]
struct Ctx {
    bus: usize,
    seq: u64,
    sub: usize,
}

thread_local! {
    static CURRENT: Cell<Option<Ctx>> = const { Cell::new(None) };
}

/// Builds a [`Bus`]; every setting has the default the design names.
#[derive(Debug, Clone)]
pub struct BusBuilder {
    config: Config,
    clock: Clock,
    audit: Option<(PathBuf, FsyncPolicy)>,
}

impl Default for BusBuilder {
    fn default() -> Self {
        BusBuilder {
            config: Config {
                storm: Some((100, Duration::from_secs(1))),
                max_handler_failures: 3,
                breaker: BreakerPolicy::Manual,
                queue_capacity: 65_536,
                dead_letter_capacity: 1_024,
                contracts: HashMap::default(),
            },
            clock: Clock::system(),
            audit: None,
        }
    }
}

impl BusBuilder {
    /// More than `threshold` events of one type within `window` is a storm (default 100 per 1 s).
    #[must_use]
    pub fn storm(mut self, threshold: usize, window: Duration) -> Self {
        self.config.storm = Some((threshold, window));
        self
    }

    /// Turns storm detection off.
    #[must_use]
    pub fn without_storm_detection(mut self) -> Self {
        self.config.storm = None;
        self
    }

    /// Consecutive failures after which a handler is skipped (default 3).
    #[must_use]
    pub fn max_handler_failures(mut self, n: u32) -> Self {
        self.config.max_handler_failures = n;
        self
    }

    /// What closes an open breaker (default: manual reset).
    #[must_use]
    pub fn breaker(mut self, policy: BreakerPolicy) -> Self {
        self.config.breaker = policy;
        self
    }

    /// Capacity of the event queue (default 65,536).
    #[must_use]
    pub fn queue_capacity(mut self, n: usize) -> Self {
        self.config.queue_capacity = n;
        self
    }

    /// How many recent dead letters stats keep (default 1,024; the count is kept in full).
    #[must_use]
    pub fn dead_letter_capacity(mut self, n: usize) -> Self {
        self.config.dead_letter_capacity = n;
        self
    }

    /// Adds a contract that payloads of `event_type` must satisfy.
    #[must_use]
    pub fn contract(mut self, event_type: impl Into<String>, contract: Contract) -> Self {
        self.config
            .contracts
            .entry(event_type.into())
            .or_default()
            .push(contract);
        self
    }

    /// Writes an audit trail to `path`, reopening (and recovering) it if it exists.
    #[must_use]
    pub fn audit_trail(mut self, path: impl Into<PathBuf>, fsync: FsyncPolicy) -> Self {
        self.audit = Some((path.into(), fsync));
        self
    }

    /// The clock for storm windows, cool-downs and record times (default: monotonic).
    #[must_use]
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Builds the bus. Opening the audit trail truncates a torn last line and continues the
    /// chain and the sequence numbers; a trail broken before its end is refused.
    pub fn build(self) -> Result<Bus, BuildError> {
        if self.config.queue_capacity == 0 {
            return Err(BuildError::Config(
                "queue capacity must be at least 1".into(),
            ));
        }
        if let Some((_, window)) = self.config.storm {
            if window.is_zero() {
                return Err(BuildError::Config("storm window must be non-zero".into()));
            }
        }
        let mut next_seq = 1;
        let audit = match &self.audit {
            Some((path, policy)) => {
                let (writer, recovery) = AuditWriter::open(path, *policy)?;
                next_seq = recovery.last_seq + 1;
                Some(writer)
            }
            None => None,
        };
        let bus = Bus {
            inner: Arc::new(Inner {
                config: self.config,
                clock: self.clock,
                state: Mutex::new(State {
                    types: TypeTable::new(),
                    queue: VecDeque::new(),
                    queue_peak: 0,
                    next_seq,
                    next_sub: 1,
                    draining: false,
                    current: None,
                    last_dispatched: 0,
                    audit,
                    audit_failed: None,
                    dead_letters: VecDeque::new(),
                    dead_letters_total: 0,
                    capture: None,
                    scratch: Vec::new(),
                }),
            }),
        };
        {
            let config = bus.inner.config.to_json();
            let mut st = bus.lock();
            let now = bus.now_ns();
            st.write(
                &RecordOut {
                    seq: None,
                    parent: None,
                    id: "",
                    event_type: "",
                    outcome: Outcome::Opened,
                    handler: None,
                    detail: None,
                    at_ns: now,
                    payload: &config,
                    prev: "",
                },
                now,
            )?;
        }
        Ok(bus)
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let st = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        if let Some(audit) = st.audit.as_mut() {
            // Drop cannot report errors; `flush_audit` is the way to see them.
            let _ = match audit.policy() {
                FsyncPolicy::Never => audit.flush(),
                _ => audit.sync(0),
            };
        }
    }
}

impl std::fmt::Debug for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bus")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Bus {
    /// Starts building a bus.
    pub fn builder() -> BusBuilder {
        BusBuilder::default()
    }

    /// Subscribes `handler`, named `handler_name` in stats and the audit trail, to
    /// `event_type`. Handlers of a type run in subscription order.
    ///
    /// Subscribing cannot fail; if the audit trail has failed, the failure is reported by the
    /// next publish.
    pub fn subscribe<F>(
        &self,
        event_type: impl Into<String>,
        handler_name: impl Into<String>,
        handler: F,
    ) -> SubscriptionId
    where
        F: Fn(&Event, &Bus) -> Result<(), HandlerError> + Send + Sync + 'static,
    {
        self.subscribe_arc(event_type.into(), handler_name.into(), Arc::new(handler))
    }

    fn subscribe_arc(
        &self,
        event_type: String,
        name: String,
        handler: Arc<HandlerFn>,
    ) -> SubscriptionId {
        let mut st = self.lock();
        let id = SubscriptionId(st.next_sub);
        st.next_sub += 1;
        let sub = Subscriber {
            id,
            name: name.into(),
            handler,
            health: Arc::default(),
        };
        let now = self.now_ns();
        let st = &mut *st;
        let (_, ts) = st.types.intern(&event_type);
        let mut subs: Vec<Subscriber> = ts.subs.iter().cloned().collect();
        let name = Arc::clone(&sub.name);
        subs.push(sub);
        ts.subs = subs.into();
        // An audit failure here is sticky and surfaces on the next publish.
        let _ = st.write(
            &meta_record(Outcome::Subscribed, &event_type, Some(&name), now),
            now,
        );
        id
    }

    /// Removes a subscription; returns whether it existed. An event being dispatched right
    /// now still reaches the handler (dispatch works on a snapshot).
    pub fn unsubscribe(&self, id: SubscriptionId) -> bool {
        let mut st = self.lock();
        let now = self.now_ns();
        let st = &mut *st;
        let mut found = None;
        for (event_type, ts) in st.types.iter_mut() {
            if let Some(pos) = ts.subs.iter().position(|s| s.id == id) {
                let mut subs: Vec<Subscriber> = ts.subs.iter().cloned().collect();
                let removed = subs.remove(pos);
                ts.subs = subs.into();
                found = Some((event_type.to_owned(), removed.name));
                break;
            }
        }
        match found {
            Some((event_type, name)) => {
                let _ = st.write(
                    &meta_record(Outcome::Unsubscribed, &event_type, Some(&name), now),
                    now,
                );
                true
            }
            None => false,
        }
    }

    /// Publishes an event.
    ///
    /// From outside a handler this drains the queue to quiescence (unless another thread is
    /// draining) and returns [`Status::Dispatched`]; from inside a handler it only enqueues.
    pub fn publish(&self, event: Event) -> Result<Receipt, PublishError> {
        let ctx = self.ctx();
        let mut st = self.lock();
        let seq = self.admit(&mut st, event, ctx)?;
        if ctx.is_some() || st.draining {
            return Ok(Receipt {
                seq,
                status: Status::Queued,
            });
        }
        let summary = self.drain(st, Some(seq), usize::MAX, None)?;
        Ok(Receipt {
            seq,
            status: Status::Dispatched(summary),
        })
    }

    /// Whether a publish of `event` would be admitted now (contract, breaker, storm window,
    /// queue space), without publishing or recording anything: a dry run.
    pub fn check_admission(&self, event: &Event) -> Result<(), PublishError> {
        let st = self.lock();
        if let Some(msg) = &st.audit_failed {
            return Err(AuditError::Failed(msg.clone()).into());
        }
        let (breaker, storm) = match st.types.get(&event.event_type) {
            Some(ts) => (&ts.breaker, &ts.storm),
            None => (&Breaker::default(), &StormWindow::default()),
        };
        self.check(breaker, storm, st.queue.len(), event, self.now_ns())
            .map(drop)
    }

    /// Dispatches queued events until the queue is empty; returns how many were dispatched.
    /// Does nothing (returns 0) inside a handler or while another thread drains.
    pub fn run_until_idle(&self) -> Result<u64, PublishError> {
        if self.ctx().is_some() {
            return Ok(0);
        }
        let st = self.lock();
        if st.draining {
            return Ok(0);
        }
        Ok(self.drain(st, None, usize::MAX, None)?.dispatched)
    }

    /// Closes the breaker of `event_type` and clears its handlers' consecutive failures, so
    /// skipped handlers run again.
    pub fn reset(&self, event_type: &str) {
        let mut st = self.lock();
        let now = self.now_ns();
        if let Some(ts) = st.types.get_mut(event_type) {
            ts.breaker.reset();
            for s in ts.subs.iter() {
                s.health.consecutive.store(0, Ordering::Relaxed);
            }
        }
        let _ = st.write(&meta_record(Outcome::Reset, event_type, None, now), now);
    }

    /// The breaker state of `event_type`.
    pub fn breaker_state(&self, event_type: &str) -> BreakerState {
        self.lock()
            .types
            .get(event_type)
            .map_or(BreakerState::Closed, |t| t.breaker.state())
    }

    /// Flushes and fsyncs the audit trail, whatever its policy.
    pub fn flush_audit(&self) -> Result<(), AuditError> {
        let mut st = self.lock();
        let now = self.now_ns();
        match st.audit.as_mut() {
            Some(a) => a.sync(now),
            None => Ok(()),
        }
    }

    /// The hash the next audit record will chain to, i.e. the hash of the last record
    /// written. Keep it elsewhere to detect records removed from the end
    /// ([`verify_anchored`]).
    pub fn audit_head(&self) -> Option<String> {
        self.lock().audit.as_ref().map(|a| a.head().to_owned())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The lock is never held while user code runs, so poisoning can only come from a bug
        // in the bus itself; the state is still consistent enough to keep serving.
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn now_ns(&self) -> u64 {
        clock::duration_nanos(self.inner.clock.now())
    }

    fn addr(&self) -> usize {
        Arc::as_ptr(&self.inner) as usize
    }

    fn ctx(&self) -> Option<Ctx> {
        CURRENT.with(Cell::get).filter(|c| c.bus == self.addr())
    }

    /// Checks and enqueues one event, writing its `published` or `refused` record.
    fn admit(
        &self,
        st: &mut State,
        mut event: Event,
        ctx: Option<Ctx>,
    ) -> Result<u64, PublishError> {
        if let Some(msg) = &st.audit_failed {
            return Err(AuditError::Failed(msg.clone()).into());
        }
        let cfg = &self.inner.config;
        let recording = st.recording();
        let queue_len = st.queue.len();
        let (ty, ts) = st.types.intern(&event.event_type);
        // The clock is read only when something needs the time: a storm window, an open
        // breaker's cool-down, or a record.
        let now = if cfg.storm.is_some() || recording || ts.breaker.state() != BreakerState::Closed
        {
            self.now_ns()
        } else {
            0
        };
        let admitted = self.check(&ts.breaker, &ts.storm, queue_len, &event, now);
        let trial = match admitted {
            Ok(trial) => trial,
            Err(err) => {
                ts.counts.refused(&err);
                if recording {
                    let publisher = publisher_name(st, ctx);
                    let detail = err.to_string();
                    st.write(
                        &RecordOut {
                            seq: None,
                            parent: ctx.map(|c| c.seq),
                            id: &event.id,
                            event_type: &event.event_type,
                            outcome: Outcome::Refused,
                            handler: publisher.as_deref(),
                            detail: Some(&detail),
                            at_ns: now,
                            payload: &event.payload,
                            prev: "",
                        },
                        now,
                    )?;
                }
                if matches!(err, PublishError::StormDetected { .. }) {
                    st.drop_queued(ty, now)?;
                }
                return Err(err);
            }
        };
        let seq = st.next_seq;
        st.next_seq += 1;
        event.seq = seq;
        if let Some((threshold, _)) = cfg.storm {
            ts.storm.record(now, threshold);
        }
        if trial {
            ts.breaker.start_trial(seq);
        }
        ts.counts.published += 1;
        if recording {
            let publisher = publisher_name(st, ctx);
            let id = display_id(&event);
            st.write(
                &RecordOut {
                    seq: Some(seq),
                    parent: ctx.map(|c| c.seq),
                    id: &id,
                    event_type: &event.event_type,
                    outcome: Outcome::Published,
                    handler: publisher.as_deref(),
                    detail: None,
                    at_ns: now,
                    payload: &event.payload,
                    prev: "",
                },
                now,
            )?;
        }
        st.queue.push_back(Queued { event, ty });
        st.queue_peak = st.queue_peak.max(st.queue.len());
        Ok(seq)
    }

    /// The admission checks, in order: contract, breaker, storm, queue capacity. Returns
    /// whether the event would be the breaker's half-open trial.
    #[inline]
    fn check(
        &self,
        breaker: &Breaker,
        storm: &StormWindow,
        queue_len: usize,
        event: &Event,
        now: u64,
    ) -> Result<bool, PublishError> {
        let cfg = &self.inner.config;
        if !cfg.contracts.is_empty() {
            for c in cfg.contracts.get(&event.event_type).into_iter().flatten() {
                c.check(&event.payload)
                    .map_err(|violation| PublishError::ContractViolation {
                        event_type: event.event_type.clone(),
                        violation,
                    })?;
            }
        }
        let trial = match breaker.admit(now, cfg.breaker) {
            Admit::Pass => false,
            Admit::Trial => true,
            Admit::Refuse => {
                return Err(PublishError::CircuitOpen {
                    event_type: event.event_type.clone(),
                })
            }
        };
        if let Some((threshold, window)) = cfg.storm {
            if let Err(count) = storm.check(now, threshold, clock::duration_nanos(window)) {
                return Err(PublishError::StormDetected {
                    event_type: event.event_type.clone(),
                    count,
                    window,
                });
            }
        }
        if queue_len >= cfg.queue_capacity {
            return Err(PublishError::QueueFull {
                capacity: cfg.queue_capacity,
            });
        }
        Ok(trial)
    }

    /// Dispatches up to `limit` queued events (until the queue is empty for `usize::MAX`).
    /// The caller holds the lock and nobody else is draining.
    fn drain<'a>(
        &'a self,
        mut st: MutexGuard<'a, State>,
        own: Option<u64>,
        limit: usize,
        before_account: Option<&dyn Fn()>,
    ) -> Result<DispatchSummary, PublishError> {
        st.draining = true;
        let mut summary = DispatchSummary::default();
        let mut results = std::mem::take(&mut st.scratch);
        let mut result = Ok(());
        let now = || self.now_ns();
        while (summary.dispatched as usize) < limit {
            if let Some(msg) = &st.audit_failed {
                result = Err(AuditError::Failed(msg.clone()));
                break;
            }
            let Some(Queued { event, ty }) = st.queue.pop_front() else {
                break;
            };
            summary.dispatched += 1;
            st.last_dispatched = event.seq;
            let subs = st
                .types
                .at(ty)
                .map(|t| Arc::clone(&t.subs))
                .unwrap_or_default();
            let is_own = own == Some(event.seq);
            if subs.is_empty() {
                summary.dead_letter |= is_own;
                let keep = self.inner.config.dead_letter_capacity;
                if let Err(e) = st.dead_letter(&event, ty, keep, &now) {
                    result = Err(e);
                    break;
                }
                continue;
            }
            st.current = Some(Arc::clone(&subs));
            drop(st);
            results.clear();
            self.run_handlers(&event, &subs, &mut results);
            if let Some(hook) = before_account {
                hook();
            }
            st = self.lock();
            st.current = None;
            if is_own {
                for r in &results {
                    match r {
                        HandlerResult::Delivered => summary.delivered += 1,
                        HandlerResult::Failed(_) | HandlerResult::Panicked(_) => {
                            summary.failed += 1
                        }
                        HandlerResult::Skipped => summary.skipped += 1,
                    }
                }
            }
            if let Err(e) = st.account(&event, ty, &subs, &results, &now) {
                result = Err(e);
                break;
            }
        }
        if let Some(own) = own {
            // Our own event was dropped by a storm refusal while queued behind others.
            if own > st.last_dispatched && !st.queue.iter().any(|q| q.event.seq == own) {
                summary.dropped = true;
            }
        }
        results.clear();
        st.scratch = results;
        st.draining = false;
        result?;
        Ok(summary)
    }

    fn run_handlers(&self, event: &Event, subs: &[Subscriber], results: &mut Vec<HandlerResult>) {
        let max = self.inner.config.max_handler_failures;
        let saved = CURRENT.with(Cell::get);
        for (i, sub) in subs.iter().enumerate() {
            // Only the draining thread (one at a time) writes these counters, so plain loads
            // and stores suffice; they are atomics only so that `stats` can read them.
            let h = &sub.health;
            let consecutive = h.consecutive.load(Ordering::Relaxed);
            if consecutive >= max {
                bump(&h.skips);
                results.push(HandlerResult::Skipped);
                continue;
            }
            CURRENT.with(|c| {
                c.set(Some(Ctx {
                    bus: self.addr(),
                    seq: event.seq,
                    sub: i,
                }))
            });
            let r = match catch_unwind(AssertUnwindSafe(|| (sub.handler)(event, self))) {
                Ok(Ok(())) => HandlerResult::Delivered,
                Ok(Err(e)) => HandlerResult::Failed(e.message().to_owned()),
                Err(panic) => HandlerResult::Panicked(panic_message(panic.as_ref())),
            };
            if matches!(r, HandlerResult::Delivered) {
                bump(&h.delivered);
                if consecutive != 0 {
                    h.consecutive.store(0, Ordering::Relaxed);
                }
            } else {
                bump(&h.failures);
                h.consecutive.store(consecutive + 1, Ordering::Relaxed);
            }
            results.push(r);
        }
        CURRENT.with(|c| c.set(saved));
    }

    /// Replay hooks: enqueue without draining, and dispatch one event at a time.
    fn enqueue_only(&self, event: Event) -> Result<u64, PublishError> {
        let mut st = self.lock();
        self.admit(&mut st, event, None)
    }

    fn dispatch_one(&self, before_account: impl Fn()) -> Result<u64, PublishError> {
        let st = self.lock();
        Ok(self.drain(st, None, 1, Some(&before_account))?.dispatched)
    }
}

/// A single-writer counter increment: cheaper than `fetch_add` on the dispatch path.
#[inline]
fn bump(counter: &AtomicU64) {
    counter.store(counter.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
}

/// The name of the handler running `ctx`, for the `handler` field of a nested publish.
fn publisher_name(st: &State, ctx: Option<Ctx>) -> Option<Arc<str>> {
    let c = ctx?;
    st.current
        .as_ref()
        .and_then(|subs| subs.get(c.sub))
        .map(|s| Arc::clone(&s.name))
}

/// An event's id as records show it: its own, or `e<seq>` when it has none.
fn display_id(event: &Event) -> Cow<'_, str> {
    if event.id.is_empty() {
        Cow::Owned(format!("e{}", event.seq))
    } else {
        Cow::Borrowed(&event.id)
    }
}

impl TypeCounts {
    fn refused(&mut self, err: &PublishError) {
        match err {
            PublishError::CircuitOpen { .. } => self.refused_circuit += 1,
            PublishError::StormDetected { .. } => self.refused_storm += 1,
            PublishError::ContractViolation { .. } => self.refused_contract += 1,
            PublishError::QueueFull { .. } => self.refused_queue_full += 1,
            PublishError::Audit(_) => {}
        }
    }
}

impl State {
    /// Whether records are being produced (to a trail or a replay capture).
    fn recording(&self) -> bool {
        self.audit.is_some() || self.capture.is_some()
    }

    fn write(&mut self, rec: &RecordOut<'_>, now: u64) -> Result<(), AuditError> {
        if let Some(cap) = self.capture.as_mut() {
            cap.push(Record {
                seq: rec.seq,
                parent: rec.parent,
                id: rec.id.to_owned(),
                event_type: rec.event_type.to_owned(),
                outcome: rec.outcome,
                handler: rec.handler.map(str::to_owned),
                detail: rec.detail.map(str::to_owned),
                at_ns: rec.at_ns,
                payload: rec.payload.clone(),
                prev: String::new(),
                hash: String::new(),
            });
        }
        let Some(audit) = self.audit.as_mut() else {
            return Ok(());
        };
        let res = audit.append(rec, now);
        if let Err(e) = &res {
            self.audit_failed.get_or_insert_with(|| e.to_string());
        }
        res
    }

    fn dead_letter(
        &mut self,
        event: &Event,
        ty: usize,
        keep: usize,
        now: &dyn Fn() -> u64,
    ) -> Result<(), AuditError> {
        if let Some(ts) = self.types.at_mut(ty) {
            ts.counts.dead_lettered += 1;
        }
        self.dead_letters_total += 1;
        let id = display_id(event);
        if keep > 0 {
            if self.dead_letters.len() >= keep {
                self.dead_letters.pop_front();
            }
            self.dead_letters.push_back(DeadLetter {
                seq: event.seq,
                id: id.to_string(),
                event_type: event.event_type.clone(),
            });
        }
        if !self.recording() {
            return Ok(());
        }
        let now = now();
        self.write(
            &event_record(event, &id, Outcome::DeadLetter, None, None, now),
            now,
        )
    }

    fn account(
        &mut self,
        event: &Event,
        ty: usize,
        subs: &[Subscriber],
        results: &[HandlerResult],
        now: &dyn Fn() -> u64,
    ) -> Result<(), AuditError> {
        let recording = self.recording();
        let Some(ts) = self.types.at_mut(ty) else {
            return Ok(());
        };
        let mut failures = 0;
        for r in results {
            match r {
                HandlerResult::Delivered => ts.counts.delivered += 1,
                HandlerResult::Failed(_) | HandlerResult::Panicked(_) => {
                    ts.counts.failed += 1;
                    failures += 1;
                }
                HandlerResult::Skipped => ts.counts.skipped += 1,
            }
        }
        // "At least half of the type's handlers failed on this event" opens the breaker.
        let tripped = failures > 0 && failures * 2 >= subs.len();
        let t = if tripped || recording { now() } else { 0 };
        ts.breaker.record(event.seq, tripped, t);
        if !recording {
            return Ok(());
        }
        let id = display_id(event);
        for (sub, r) in subs.iter().zip(results) {
            let (outcome, detail) = r.outcome();
            self.write(
                &event_record(event, &id, outcome, Some(&sub.name), detail, t),
                t,
            )?;
        }
        Ok(())
    }

    /// Storm response: drops the queued events of type `ty`, recording each.
    fn drop_queued(&mut self, ty: usize, now: u64) -> Result<(), AuditError> {
        if !self.queue.iter().any(|q| q.ty == ty) {
            return Ok(());
        }
        let (dropped, kept): (VecDeque<Queued>, VecDeque<Queued>) = std::mem::take(&mut self.queue)
            .into_iter()
            .partition(|q| q.ty == ty);
        self.queue = kept;
        if let Some(ts) = self.types.at_mut(ty) {
            ts.counts.dropped += dropped.len() as u64;
            for q in &dropped {
                ts.breaker.dropped(q.event.seq, now);
            }
        }
        for q in &dropped {
            let id = display_id(&q.event);
            self.write(
                &event_record(&q.event, &id, Outcome::Dropped, None, None, now),
                now,
            )?;
        }
        Ok(())
    }
}

fn event_record<'a>(
    event: &'a Event,
    id: &'a str,
    outcome: Outcome,
    handler: Option<&'a str>,
    detail: Option<&'a str>,
    now: u64,
) -> RecordOut<'a> {
    RecordOut {
        seq: Some(event.seq),
        parent: None,
        id,
        event_type: &event.event_type,
        outcome,
        handler,
        detail,
        at_ns: now,
        payload: &event.payload,
        prev: "",
    }
}

fn meta_record<'a>(
    outcome: Outcome,
    event_type: &'a str,
    handler: Option<&'a str>,
    now: u64,
) -> RecordOut<'a> {
    RecordOut {
        seq: None,
        parent: None,
        id: "",
        event_type,
        outcome,
        handler,
        detail: None,
        at_ns: now,
        payload: &Value::Null,
        prev: "",
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_fsync_failure_refuses_the_publish_and_every_later_one() {
        let bus = Bus::builder().build().unwrap();
        bus.subscribe("t", "h", |_, _| Ok(()));
        bus.lock().audit = Some(AuditWriter::with_sink(
            std::path::Path::new("mem"),
            Box::new(audit::FailingSync),
            FsyncPolicy::Always,
            audit::GENESIS.into(),
        ));
        assert!(matches!(
            bus.publish(Event::new("t", Value::Null)),
            Err(PublishError::Audit(AuditError::Io { .. }))
        ));
        for _ in 0..2 {
            assert!(matches!(
                bus.publish(Event::new("t", Value::Null)),
                Err(PublishError::Audit(AuditError::Failed(_)))
            ));
        }
        assert!(bus.run_until_idle().is_err());
        assert_eq!(bus.stats().types["t"].delivered, 0);
    }
}

//! Bus statistics, and their rendering in the Prometheus text exposition format.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use super::{BreakerState, Bus, SubscriptionId};

/// A snapshot of the bus's counters. Maps are ordered so that rendering is deterministic.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    /// Per event type (every type that was published or subscribed).
    pub types: BTreeMap<String, TypeStats>,
    /// Per subscription, ordered by event type, handler name, subscription id.
    pub handlers: Vec<HandlerStats>,
    /// Events waiting in the queue now.
    pub queue_depth: usize,
    /// The most events ever waiting at once.
    pub queue_peak: usize,
    /// The queue's capacity.
    pub queue_capacity: usize,
    /// Dead letters ever recorded.
    pub dead_letters_total: u64,
    /// The most recent dead letters, oldest first.
    pub dead_letters: Vec<DeadLetter>,
    /// Peak resident memory of the process (VmHWM), on Linux.
    pub peak_resident_bytes: Option<u64>,
}

/// Counters of one event type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeStats {
    /// Events accepted (given a sequence number).
    pub published: u64,
    /// Successful handler invocations.
    pub delivered: u64,
    /// Handler invocations that returned `Err` or panicked.
    pub failed: u64,
    /// Handler invocations skipped because the handler had failed too often.
    pub skipped: u64,
    /// Events dispatched with no subscriber.
    pub dead_lettered: u64,
    /// Queued events dropped by storm detection.
    pub dropped: u64,
    /// Publishes refused, by reason (`circuit_open`, `storm`, `contract`, `queue_full`).
    pub refused: BTreeMap<&'static str, u64>,
    /// The breaker's state.
    pub breaker: BreakerState,
    /// Handlers subscribed now.
    pub subscribers: usize,
}

impl TypeStats {
    /// Publishes refused for any reason.
    pub fn refused_total(&self) -> u64 {
        self.refused.values().sum()
    }
}

/// Counters of one subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerStats {
    /// The subscription.
    pub id: SubscriptionId,
    /// Its event type.
    pub event_type: String,
    /// Its handler's name.
    pub handler: String,
    /// Successful invocations.
    pub delivered: u64,
    /// Failed invocations (`Err` or panic), in total.
    pub failures: u64,
    /// Failures since the last success or reset.
    pub consecutive_failures: u32,
    /// Whether the handler is skipped now.
    pub skipped: bool,
    /// Events it was skipped for.
    pub skips: u64,
}

/// An event that had no subscriber when it was dispatched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Its sequence number.
    pub seq: u64,
    /// Its id.
    pub id: String,
    /// Its type.
    pub event_type: String,
}

impl Bus {
    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        let max = self.inner.config.max_handler_failures;
        let st = self.lock();
        let mut types = BTreeMap::new();
        let mut handlers = Vec::new();
        for (name, ts) in st.types.iter() {
            let c = &ts.counts;
            let refused = BTreeMap::from([
                ("circuit_open", c.refused_circuit),
                ("contract", c.refused_contract),
                ("queue_full", c.refused_queue_full),
                ("storm", c.refused_storm),
            ]);
            types.insert(
                name.to_owned(),
                TypeStats {
                    published: c.published,
                    delivered: c.delivered,
                    failed: c.failed,
                    skipped: c.skipped,
                    dead_lettered: c.dead_lettered,
                    dropped: c.dropped,
                    refused,
                    breaker: ts.breaker.state(),
                    subscribers: ts.subs.len(),
                },
            );
            for s in ts.subs.iter() {
                let consecutive = s.health.consecutive.load(Ordering::Relaxed);
                handlers.push(HandlerStats {
                    id: s.id,
                    event_type: name.to_owned(),
                    handler: s.name.to_string(),
                    delivered: s.health.delivered.load(Ordering::Relaxed),
                    failures: s.health.failures.load(Ordering::Relaxed),
                    consecutive_failures: consecutive,
                    skipped: consecutive >= max,
                    skips: s.health.skips.load(Ordering::Relaxed),
                });
            }
        }
        handlers.sort_by(|a, b| {
            (&a.event_type, &a.handler, a.id).cmp(&(&b.event_type, &b.handler, b.id))
        });
        Stats {
            types,
            handlers,
            queue_depth: st.queue.len(),
            queue_peak: st.queue_peak,
            queue_capacity: self.inner.config.queue_capacity,
            dead_letters_total: st.dead_letters_total,
            dead_letters: st.dead_letters.iter().cloned().collect(),
            peak_resident_bytes: peak_resident_bytes(),
        }
    }
}

/// VmHWM from /proc/self/status: the process's peak resident set size.
#[cfg(target_os = "linux")]
pub fn peak_resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// Peak resident memory is only read on Linux.
#[cfg(not(target_os = "linux"))]
pub fn peak_resident_bytes() -> Option<u64> {
    None
}

impl Stats {
    /// Renders the stats in the Prometheus text exposition format (version 0.0.4): a
    /// `# HELP` and a `# TYPE` line per metric, then its samples, metric names prefixed
    /// `choreo_bus_`, label values escaped.
    pub fn to_prometheus(&self) -> String {
        let mut out = String::new();
        let types = &self.types;
        let per_type = |out: &mut String, name: &str, help: &str, f: &dyn Fn(&TypeStats) -> u64| {
            header(out, name, help, "counter");
            for (t, s) in types {
                sample(out, name, &[("event_type", t)], f(s));
            }
        };
        per_type(
            &mut out,
            "choreo_bus_events_published_total",
            "Events accepted for dispatch.",
            &|s| s.published,
        );
        per_type(
            &mut out,
            "choreo_bus_deliveries_total",
            "Successful handler invocations.",
            &|s| s.delivered,
        );
        per_type(
            &mut out,
            "choreo_bus_handler_failures_by_type_total",
            "Handler invocations that returned an error or panicked.",
            &|s| s.failed,
        );
        per_type(
            &mut out,
            "choreo_bus_skips_total",
            "Handler invocations skipped after too many consecutive failures.",
            &|s| s.skipped,
        );
        per_type(
            &mut out,
            "choreo_bus_dead_letters_total",
            "Events dispatched with no subscriber.",
            &|s| s.dead_lettered,
        );
        per_type(
            &mut out,
            "choreo_bus_storm_dropped_total",
            "Queued events dropped by storm detection.",
            &|s| s.dropped,
        );

        header(
            &mut out,
            "choreo_bus_events_refused_total",
            "Publishes refused, by reason.",
            "counter",
        );
        for (t, s) in types {
            for (reason, n) in &s.refused {
                sample(
                    &mut out,
                    "choreo_bus_events_refused_total",
                    &[("event_type", t), ("reason", reason)],
                    *n,
                );
            }
        }
        header(
            &mut out,
            "choreo_bus_breaker_state",
            "Circuit breaker state per event type (1 for the current state).",
            "gauge",
        );
        for (t, s) in types {
            for state in [
                BreakerState::Closed,
                BreakerState::Open,
                BreakerState::HalfOpen,
            ] {
                sample(
                    &mut out,
                    "choreo_bus_breaker_state",
                    &[("event_type", t), ("state", state.as_str())],
                    u64::from(s.breaker == state),
                );
            }
        }
        header(
            &mut out,
            "choreo_bus_subscribers",
            "Handlers subscribed per event type.",
            "gauge",
        );
        for (t, s) in types {
            sample(
                &mut out,
                "choreo_bus_subscribers",
                &[("event_type", t)],
                s.subscribers as u64,
            );
        }

        let hs = &self.handlers;
        let id_strings: Vec<String> = hs.iter().map(|h| h.id.get().to_string()).collect();
        let per_handler = |out: &mut String,
                           name: &str,
                           help: &str,
                           kind: &str,
                           f: &dyn Fn(&HandlerStats) -> u64| {
            header(out, name, help, kind);
            for (h, id) in hs.iter().zip(&id_strings) {
                sample(
                    out,
                    name,
                    &[
                        ("event_type", &h.event_type),
                        ("handler", &h.handler),
                        ("subscription", id),
                    ],
                    f(h),
                );
            }
        };
        per_handler(
            &mut out,
            "choreo_bus_handler_deliveries_total",
            "Successful invocations per handler.",
            "counter",
            &|h| h.delivered,
        );
        per_handler(
            &mut out,
            "choreo_bus_handler_failures_total",
            "Failed invocations per handler.",
            "counter",
            &|h| h.failures,
        );
        per_handler(
            &mut out,
            "choreo_bus_handler_consecutive_failures",
            "Failures since the handler's last success or reset.",
            "gauge",
            &|h| u64::from(h.consecutive_failures),
        );
        per_handler(
            &mut out,
            "choreo_bus_handler_skipped",
            "1 if the handler is skipped after too many consecutive failures.",
            "gauge",
            &|h| u64::from(h.skipped),
        );

        let gauge = |out: &mut String, name: &str, help: &str, v: u64| {
            header(out, name, help, "gauge");
            sample(out, name, &[], v);
        };
        gauge(
            &mut out,
            "choreo_bus_queue_depth",
            "Events waiting in the queue.",
            self.queue_depth as u64,
        );
        gauge(
            &mut out,
            "choreo_bus_queue_peak",
            "The most events ever waiting in the queue.",
            self.queue_peak as u64,
        );
        gauge(
            &mut out,
            "choreo_bus_queue_capacity",
            "Capacity of the queue.",
            self.queue_capacity as u64,
        );
        if let Some(bytes) = self.peak_resident_bytes {
            gauge(
                &mut out,
                "choreo_bus_process_peak_resident_bytes",
                "Peak resident memory of the process (VmHWM).",
                bytes,
            );
        }
        out
    }
}

fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    // Help texts are our own constants: nothing to escape.
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: u64) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(k);
            out.push_str("=\"");
            escape_label(out, v);
            out.push('"');
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// Label values escape backslash, double quote and line feed, as the format requires.
fn escape_label(out: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

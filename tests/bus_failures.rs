//! Failure handling: handler failure counting and skipping, circuit breakers, storm
//! detection, contracts.

use choreo::bus::{
    BreakerPolicy, BreakerState, Bus, Clock, Contract, Event, HandlerError, PublishError, Status,
    Violation,
};
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn ev(t: &str) -> Event {
    Event::new(t, json!({}))
}

#[test]
fn errors_and_panics_count_and_a_handler_is_skipped_after_n_consecutive_failures() {
    let bus = Bus::builder().max_handler_failures(3).build().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    {
        let calls = calls.clone();
        bus.subscribe("t", "flaky", move |_, _| {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 => Err(HandlerError::new("boom")),
                1 => panic!("kaboom"),
                2 => Ok(()), // a success resets the consecutive count
                _ => Err(HandlerError::new("again")),
            }
        });
    }
    // A second, healthy handler keeps failures below half, so the breaker stays closed.
    bus.subscribe("t", "steady", |_, _| Ok(()));
    bus.subscribe("t", "steady2", |_, _| Ok(()));
    for _ in 0..8 {
        bus.publish(ev("t")).unwrap();
    }
    // Calls: 0 err, 1 panic, 2 ok, 3..5 err (3 in a row), then skipped for events 7 and 8.
    assert_eq!(calls.load(Ordering::SeqCst), 6);
    let stats = bus.stats();
    let flaky = stats
        .handlers
        .iter()
        .find(|h| h.handler == "flaky")
        .unwrap();
    assert_eq!(flaky.failures, 5);
    assert_eq!(flaky.consecutive_failures, 3);
    assert!(flaky.skipped);
    assert_eq!(flaky.skips, 2);
    assert_eq!(stats.types["t"].skipped, 2);
    assert_eq!(stats.types["t"].failed, 5);
    assert_eq!(stats.types["t"].breaker, BreakerState::Closed);

    // reset re-enables it.
    bus.reset("t");
    bus.publish(ev("t")).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 7);
}

#[test]
fn the_breaker_opens_when_half_the_handlers_fail_and_reset_closes_it() {
    let bus = Bus::builder().build().unwrap();
    let fail = Arc::new(AtomicBool::new(true));
    {
        let fail = fail.clone();
        bus.subscribe("pay", "gateway", move |_, _| {
            if fail.load(Ordering::SeqCst) {
                Err(HandlerError::new("down"))
            } else {
                Ok(())
            }
        });
    }
    bus.subscribe("pay", "ledger", |_, _| Ok(()));
    // 1 of 2 handlers failing is "at least half".
    let r = bus.publish(ev("pay")).unwrap();
    assert!(matches!(r.status, Status::Dispatched(ref s) if s.failed == 1 && s.delivered == 1));
    assert_eq!(bus.breaker_state("pay"), BreakerState::Open);
    match bus.publish(ev("pay")) {
        Err(PublishError::CircuitOpen { event_type }) => assert_eq!(event_type, "pay"),
        other => panic!("expected CircuitOpen, got {other:?}"),
    }
    // Other types are unaffected.
    bus.publish(ev("other")).unwrap();
    assert_eq!(bus.stats().types["pay"].refused["circuit_open"], 1);
    bus.reset("pay");
    fail.store(false, Ordering::SeqCst);
    bus.publish(ev("pay")).unwrap();
    assert_eq!(bus.breaker_state("pay"), BreakerState::Closed);
}

#[test]
fn fewer_than_half_failing_keeps_the_breaker_closed() {
    let bus = Bus::builder().build().unwrap();
    bus.subscribe("t", "bad", |_, _| Err(HandlerError::new("x")));
    bus.subscribe("t", "good1", |_, _| Ok(()));
    bus.subscribe("t", "good2", |_, _| Ok(()));
    bus.publish(ev("t")).unwrap();
    assert_eq!(bus.breaker_state("t"), BreakerState::Closed);
}

#[test]
fn cool_down_allows_one_half_open_trial_success_closes_failure_reopens() {
    let (clock, time) = Clock::manual();
    let bus = Bus::builder()
        .clock(clock)
        .breaker(BreakerPolicy::CoolDown(Duration::from_secs(10)))
        .max_handler_failures(100)
        .build()
        .unwrap();
    let fail = Arc::new(AtomicBool::new(true));
    let trial_state = Arc::new(std::sync::Mutex::new(None));
    {
        let (fail, trial_state) = (fail.clone(), trial_state.clone());
        bus.subscribe("t", "h", move |_, bus| {
            *trial_state.lock().unwrap() = Some(bus.breaker_state("t"));
            if fail.load(Ordering::SeqCst) {
                Err(HandlerError::new("down"))
            } else {
                Ok(())
            }
        });
    }
    bus.publish(ev("t")).unwrap();
    assert_eq!(bus.breaker_state("t"), BreakerState::Open);
    time.advance(Duration::from_secs(9));
    assert!(matches!(
        bus.publish(ev("t")),
        Err(PublishError::CircuitOpen { .. })
    ));

    // After the cool-down: one trial, which fails: open again, with a fresh cool-down.
    time.advance(Duration::from_secs(1));
    bus.publish(ev("t")).unwrap();
    assert_eq!(*trial_state.lock().unwrap(), Some(BreakerState::HalfOpen));
    assert_eq!(bus.breaker_state("t"), BreakerState::Open);
    time.advance(Duration::from_secs(5));
    assert!(matches!(
        bus.publish(ev("t")),
        Err(PublishError::CircuitOpen { .. })
    ));

    // Next trial succeeds: closed.
    time.advance(Duration::from_secs(5));
    fail.store(false, Ordering::SeqCst);
    bus.publish(ev("t")).unwrap();
    assert_eq!(bus.breaker_state("t"), BreakerState::Closed);
    bus.publish(ev("t")).unwrap();
}

#[test]
fn only_one_trial_is_let_through_while_half_open() {
    let (clock, time) = Clock::manual();
    let bus = Bus::builder()
        .clock(clock)
        .breaker(BreakerPolicy::CoolDown(Duration::from_secs(1)))
        .build()
        .unwrap();
    let second = Arc::new(std::sync::Mutex::new(None));
    let fail = Arc::new(AtomicBool::new(true));
    {
        let (second, fail) = (second.clone(), fail.clone());
        bus.subscribe("t", "h", move |_, bus| {
            if !fail.swap(false, Ordering::SeqCst) {
                // We are the trial: a second publish of the type must be refused.
                *second.lock().unwrap() = Some(bus.publish(Event::new("t", json!({}))));
            }
            Ok(())
        });
    }
    bus.subscribe("t", "bad", |_, _| Err(HandlerError::new("x")));
    bus.publish(ev("t")).unwrap();
    assert_eq!(bus.breaker_state("t"), BreakerState::Open);
    time.advance(Duration::from_secs(1));
    // Trial: h succeeds, but `bad` still fails: 1 of 2 is half, so it re-opens.
    bus.publish(ev("t")).unwrap();
    let second = second.lock().unwrap().take().unwrap();
    assert!(matches!(second, Err(PublishError::CircuitOpen { .. })));
    assert_eq!(bus.breaker_state("t"), BreakerState::Open);
}

#[test]
fn a_storm_is_refused_and_its_queued_events_are_dropped() {
    let (clock, time) = Clock::manual();
    let bus = Bus::builder()
        .clock(clock)
        .storm(5, Duration::from_secs(1))
        .build()
        .unwrap();
    bus.subscribe("t", "h", |_, _| Ok(()));
    for _ in 0..5 {
        bus.publish(ev("t")).unwrap();
    }
    match bus.publish(ev("t")) {
        Err(PublishError::StormDetected {
            event_type,
            count,
            window,
        }) => {
            assert_eq!(event_type, "t");
            assert_eq!(count, 6);
            assert_eq!(window, Duration::from_secs(1));
        }
        other => panic!("expected a storm, got {other:?}"),
    }
    // Another type is unaffected; once the window has passed, `t` flows again.
    bus.publish(ev("u")).unwrap();
    time.advance(Duration::from_millis(999));
    assert!(bus.publish(ev("t")).is_err());
    time.advance(Duration::from_millis(1));
    bus.publish(ev("t")).unwrap();
    assert_eq!(bus.stats().types["t"].refused["storm"], 2);
}

#[test]
fn a_feedback_loop_between_two_handlers_stops_by_itself() {
    let (clock, _time) = Clock::manual();
    let bus = Bus::builder()
        .clock(clock)
        .storm(100, Duration::from_secs(1))
        .build()
        .unwrap();
    let storm_seen = Arc::new(AtomicUsize::new(0));
    for (from, to) in [("ping", "pong"), ("pong", "ping")] {
        let storm_seen = storm_seen.clone();
        bus.subscribe(from, format!("on_{from}"), move |e, bus| {
            // Each handler publishes two events back: an amplifying loop.
            for _ in 0..2 {
                match bus.publish(Event::new(to, e.payload.clone())) {
                    Err(PublishError::StormDetected { .. }) => {
                        storm_seen.fetch_add(1, Ordering::SeqCst);
                    }
                    other => {
                        other?;
                    }
                }
            }
            Ok(())
        });
    }
    let r = bus.publish(Event::new("ping", json!({}))).unwrap();
    let Status::Dispatched(summary) = r.status else {
        panic!("not dispatched")
    };
    let stats = bus.stats();
    assert!(storm_seen.load(Ordering::SeqCst) > 0);
    assert!(stats.types["ping"].published <= 100 && stats.types["pong"].published <= 100);
    assert_eq!(stats.queue_depth, 0);
    assert!(summary.dispatched <= 200);
    // Queued events of the storming types were dropped, not dispatched.
    assert!(stats.types["ping"].dropped + stats.types["pong"].dropped > 0);
}

#[test]
fn a_contract_violation_is_refused_naming_the_missing_fields() {
    let bus = Bus::builder()
        .contract(
            "graph.edge_added",
            Contract::required_fields(["source", "target", "weight"]),
        )
        .build()
        .unwrap();
    bus.subscribe("graph.edge_added", "detector", |_, _| Ok(()));
    match bus.publish(Event::new("graph.edge_added", json!({ "target": 2 }))) {
        Err(PublishError::ContractViolation {
            event_type,
            violation: Violation::MissingFields(missing),
        }) => {
            assert_eq!(event_type, "graph.edge_added");
            assert_eq!(missing, ["source", "weight"]);
        }
        other => panic!("expected a contract violation, got {other:?}"),
    }
    // A non-object payload lacks every field.
    assert!(bus
        .publish(Event::new("graph.edge_added", json!(7)))
        .is_err());
    bus.publish(Event::new(
        "graph.edge_added",
        json!({ "source": 1, "target": 2, "weight": 0.5 }),
    ))
    .unwrap();
    let t = &bus.stats().types["graph.edge_added"];
    assert_eq!((t.published, t.delivered, t.refused["contract"]), (1, 1, 2));
}

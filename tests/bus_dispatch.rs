//! Dispatch model of the bus: FIFO order, queued receipts, bounded queue, dead letters.

use choreo::bus::{Bus, Event, HandlerError, PublishError, Status};
use serde_json::json;
use std::sync::{Arc, Mutex};

type Log = Arc<Mutex<Vec<String>>>;

fn ok() -> Result<(), HandlerError> {
    Ok(())
}

#[test]
fn bus_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Bus>();
}

#[test]
fn handler_publishes_are_queued_and_dispatched_in_fifo_order() {
    let bus = Bus::builder().build().unwrap();
    let log: Log = Arc::default();
    let receipts = Arc::new(Mutex::new(Vec::new()));
    {
        let (log, receipts) = (log.clone(), receipts.clone());
        bus.subscribe("a", "on_a", move |e, bus| {
            log.lock().unwrap().push(format!("a{}", e.seq()));
            // Two nested publishes: both only enqueue, so `b` and `c` run after this handler.
            let r1 = bus.publish(Event::new("b", json!({})))?;
            let r2 = bus.publish(Event::new("c", json!({})))?;
            receipts.lock().unwrap().extend([r1, r2]);
            log.lock().unwrap().push("a-done".into());
            ok()
        });
    }
    for t in ["b", "c"] {
        let log = log.clone();
        bus.subscribe(t, format!("on_{t}"), move |e, bus| {
            log.lock()
                .unwrap()
                .push(format!("{}{}", e.event_type, e.seq()));
            if e.event_type == "b" {
                bus.publish(Event::new("c", json!({})))?;
            }
            ok()
        });
    }
    let r = bus.publish(Event::new("a", json!({}))).unwrap();
    assert_eq!(r.seq, 1);
    match r.status {
        Status::Dispatched(s) => {
            assert_eq!(s.delivered, 1);
            assert_eq!(s.dispatched, 4);
        }
        Status::Queued => panic!("outside publish must dispatch"),
    }
    assert_eq!(*log.lock().unwrap(), ["a1", "a-done", "b2", "c3", "c4"]);
    let receipts = receipts.lock().unwrap();
    assert!(receipts.iter().all(|r| r.status == Status::Queued));
    assert_eq!(receipts.iter().map(|r| r.seq).collect::<Vec<_>>(), [2, 3]);
}

#[test]
fn the_same_publishes_give_the_same_dispatch_order() {
    let run = || {
        let bus = Bus::builder().build().unwrap();
        let log: Log = Arc::default();
        for (t, name) in [("x", "h1"), ("x", "h2"), ("y", "h3")] {
            let log = log.clone();
            bus.subscribe(t, name, move |e, bus| {
                log.lock()
                    .unwrap()
                    .push(format!("{name}:{}:{}", e.event_type, e.seq()));
                if e.event_type == "x" && e.payload["n"].as_u64() < Some(3) {
                    let n = e.payload["n"].as_u64().unwrap_or(0) + 1;
                    bus.publish(Event::new("y", json!({ "n": n })))?;
                    bus.publish(Event::new("x", json!({ "n": n })))?;
                }
                ok()
            });
        }
        bus.publish(Event::new("x", json!({ "n": 0 }))).unwrap();
        let log = log.lock().unwrap().clone();
        log
    };
    let first = run();
    // x at depths 0..=3 doubles each level (15 events, 2 handlers each), y 14 events.
    assert_eq!(first.len(), 15 * 2 + 14);
    assert_eq!(first, run());
}

#[test]
fn no_lock_is_held_while_a_handler_runs() {
    let bus = Bus::builder().build().unwrap();
    bus.subscribe("a", "introspect", |_, bus| {
        // Each of these takes the bus lock; a lock held around handlers would deadlock here.
        let stats = bus.stats();
        assert_eq!(stats.types["a"].published, 1);
        bus.subscribe("late", "late", |_, _| Ok(()));
        bus.reset("other");
        assert_eq!(bus.run_until_idle().unwrap(), 0);
        Ok(())
    });
    bus.publish(Event::new("a", json!({}))).unwrap();
    assert_eq!(bus.stats().types["a"].delivered, 1);
}

#[test]
fn a_full_queue_refuses_instead_of_dropping() {
    let bus = Bus::builder().queue_capacity(3).build().unwrap();
    let refusals = Arc::new(Mutex::new(Vec::new()));
    {
        let refusals = refusals.clone();
        bus.subscribe("burst", "fan", move |_, bus| {
            for _ in 0..5 {
                if let Err(e) = bus.publish(Event::new("leaf", json!({}))) {
                    refusals.lock().unwrap().push(e);
                }
            }
            Ok(())
        });
    }
    bus.publish(Event::new("burst", json!({}))).unwrap();
    let refusals = refusals.lock().unwrap();
    assert_eq!(refusals.len(), 2);
    assert!(refusals
        .iter()
        .all(|e| matches!(e, PublishError::QueueFull { capacity: 3 })));
    let stats = bus.stats();
    assert_eq!(stats.queue_peak, 3);
    assert_eq!(stats.queue_depth, 0);
    assert_eq!(stats.types["leaf"].published, 3);
    assert_eq!(stats.types["leaf"].refused["queue_full"], 2);
    // The three accepted leaves were all dispatched (as dead letters: nobody listens).
    assert_eq!(stats.types["leaf"].dead_lettered, 3);
}

#[test]
fn an_event_nobody_hears_is_a_dead_letter() {
    let bus = Bus::builder().build().unwrap();
    let r = bus
        .publish(Event::new("lonely", json!({ "k": 1 })).with_id("my-id"))
        .unwrap();
    assert!(matches!(r.status, Status::Dispatched(ref s) if s.dead_letter));
    let stats = bus.stats();
    assert_eq!(stats.types["lonely"].dead_lettered, 1);
    assert_eq!(stats.dead_letters_total, 1);
    assert_eq!(stats.dead_letters.len(), 1);
    assert_eq!(stats.dead_letters[0].id, "my-id");
    assert_eq!(stats.dead_letters[0].seq, 1);
}

#[test]
fn unsubscribe_stops_delivery() {
    let bus = Bus::builder().build().unwrap();
    let log: Log = Arc::default();
    let id = {
        let log = log.clone();
        bus.subscribe("t", "h", move |e, _| {
            log.lock().unwrap().push(format!("{}:{}", e.seq(), e.id));
            ok()
        })
    };
    bus.publish(Event::new("t", json!({}))).unwrap();
    assert!(bus.unsubscribe(id));
    assert!(!bus.unsubscribe(id));
    bus.publish(Event::new("t", json!({}))).unwrap();
    assert_eq!(*log.lock().unwrap(), ["1:"]);
    assert_eq!(bus.stats().types["t"].dead_lettered, 1);
}

#[test]
fn a_publish_while_another_thread_drains_is_queued_and_still_dispatched() {
    let bus = Bus::builder().build().unwrap();
    let (entered_tx, entered_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let release_rx = Mutex::new(release_rx);
    let log: Log = Arc::default();
    {
        let log = log.clone();
        bus.subscribe("slow", "slow", move |_, _| {
            entered_tx.send(()).ok();
            release_rx.lock().unwrap().recv().ok();
            log.lock().unwrap().push("slow".into());
            ok()
        });
    }
    {
        let log = log.clone();
        bus.subscribe("fast", "fast", move |_, _| {
            log.lock().unwrap().push("fast".into());
            ok()
        });
    }
    let drainer = {
        let bus = bus.clone();
        std::thread::spawn(move || bus.publish(Event::new("slow", json!({}))).unwrap())
    };
    entered_rx.recv().unwrap();
    let r = bus.publish(Event::new("fast", json!({}))).unwrap();
    assert_eq!(r.status, Status::Queued);
    release_tx.send(()).unwrap();
    let d = drainer.join().unwrap();
    assert!(matches!(d.status, Status::Dispatched(ref s) if s.dispatched == 2));
    assert_eq!(*log.lock().unwrap(), ["slow", "fast"]);
}

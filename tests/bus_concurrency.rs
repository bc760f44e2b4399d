//! Several threads publishing at once, with handlers that publish more.

use choreo::bus::audit::{self, Outcome};
use choreo::bus::{Bus, Event, FsyncPolicy, PublishError};
use serde_json::json;
use std::collections::BTreeMap;

#[test]
fn four_threads_publish_100k_events_and_the_trail_holds_each_sequence_number_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let threads = 4u64;
    let per_thread = 20_000u64;
    let bus = Bus::builder()
        .audit_trail(&path, FsyncPolicy::Never)
        .without_storm_detection()
        // Room for every event at once: a handler's publish must never meet a full queue,
        // since nobody else can drain while the draining thread runs that handler.
        .queue_capacity(1 << 17)
        .build()
        .unwrap();
    // Every fourth event fans out into one more: 100,000 events in total.
    bus.subscribe("work", "splitter", |e, bus| {
        if e.payload["n"].as_u64().unwrap_or(0) % 4 == 0 {
            bus.publish(Event::new("echo", json!({ "of": e.seq() })))?;
        }
        Ok(())
    });
    bus.subscribe("echo", "sink", |_, _| Ok(()));
    std::thread::scope(|s| {
        for t in 0..threads {
            let bus = bus.clone();
            s.spawn(move || {
                for i in 0..per_thread {
                    let mut event = Event::new("work", json!({ "t": t, "n": i }));
                    loop {
                        match bus.publish(event.clone()) {
                            Ok(_) => break,
                            // Back-pressure: help drain, then retry.
                            Err(PublishError::QueueFull { .. }) => {
                                bus.run_until_idle().unwrap();
                                std::thread::yield_now();
                            }
                            Err(e) => panic!("{e}"),
                        }
                    }
                    event.payload = json!(null);
                }
            });
        }
    });
    bus.run_until_idle().unwrap();
    bus.flush_audit().unwrap();
    let stats = bus.stats();
    let work = &stats.types["work"];
    let echo = &stats.types["echo"];
    assert_eq!(work.published, threads * per_thread);
    assert_eq!(echo.published, threads * per_thread / 4);
    assert_eq!(work.delivered + echo.delivered, 100_000);
    assert_eq!(stats.queue_depth, 0);
    drop(bus);

    let records = audit::read_records(&path).unwrap();
    let published: Vec<u64> = records
        .iter()
        .filter(|r| r.outcome == Outcome::Published)
        .filter_map(|r| r.seq)
        .collect();
    assert_eq!(published, (1..=100_000).collect::<Vec<u64>>());
    // Each event was delivered exactly once, in sequence order.
    let delivered: Vec<u64> = records
        .iter()
        .filter(|r| r.outcome == Outcome::Delivered)
        .filter_map(|r| r.seq)
        .collect();
    assert_eq!(delivered, (1..=100_000).collect::<Vec<u64>>());
    // Per thread, events were accepted in the order that thread published them.
    let mut last: BTreeMap<u64, u64> = BTreeMap::new();
    for r in records
        .iter()
        .filter(|r| r.outcome == Outcome::Published && r.event_type == "work")
    {
        let (t, n) = (
            r.payload["t"].as_u64().unwrap(),
            r.payload["n"].as_u64().unwrap(),
        );
        if let Some(prev) = last.insert(t, n) {
            assert_eq!(n, prev + 1);
        }
    }
}

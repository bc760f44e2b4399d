//! Benchmarks of the bus's hot paths, beside std::sync::mpsc and crossbeam-channel doing the
//! same fan-out, so that the ratios come from one run on one machine.

use choreo::bus::bench_support::Checks;
use choreo::bus::{Bus, Event, FsyncPolicy};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

fn handler(e: &Event) {
    black_box(&e.payload);
}

fn bus_with(subs: usize, audit: Option<(&std::path::Path, FsyncPolicy)>) -> Bus {
    let mut b = Bus::builder().without_storm_detection();
    if let Some((path, policy)) = audit {
        b = b.audit_trail(path, policy);
    }
    let bus = b.build().expect("bus");
    for i in 0..subs {
        bus.subscribe("t", format!("h{i}"), |e, _| {
            handler(e);
            Ok(())
        });
    }
    bus
}

fn dispatch(c: &mut Criterion) {
    let mut g = c.benchmark_group("dispatch");
    for subs in [1usize, 10] {
        let bus = bus_with(subs, None);
        g.bench_function(format!("bus/{subs}sub"), |b| {
            b.iter(|| bus.publish(Event::new("t", Value::Null)).expect("publish"))
        });
        // With storm detection on (the default), to see its cost inside publish.
        let stormy = Bus::builder()
            .storm(usize::MAX / 2, Duration::from_secs(1))
            .build()
            .expect("bus");
        if subs == 1 {
            stormy.subscribe("t", "h", |e, _| {
                handler(e);
                Ok(())
            });
            g.bench_function("bus_storm_on/1sub", |b| {
                b.iter(|| {
                    stormy
                        .publish(Event::new("t", Value::Null))
                        .expect("publish")
                })
            });
        }

        let (txs, rxs): (Vec<_>, Vec<_>) = (0..subs)
            .map(|_| crossbeam_channel::bounded::<Arc<Event>>(16))
            .unzip();
        g.bench_function(format!("crossbeam/{subs}sub"), |b| {
            b.iter(|| {
                let e = Arc::new(Event::new("t", Value::Null));
                for tx in &txs {
                    tx.send(Arc::clone(&e)).expect("send");
                }
                for rx in &rxs {
                    handler(&rx.recv().expect("recv"));
                }
            })
        });
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..subs)
            .map(|_| std::sync::mpsc::sync_channel::<Arc<Event>>(16))
            .unzip();
        g.bench_function(format!("mpsc/{subs}sub"), |b| {
            b.iter(|| {
                let e = Arc::new(Event::new("t", Value::Null));
                for tx in &txs {
                    tx.send(Arc::clone(&e)).expect("send");
                }
                for rx in &rxs {
                    handler(&rx.recv().expect("recv"));
                }
            })
        });
    }
    g.finish();
}

fn checks(c: &mut Criterion) {
    let mut g = c.benchmark_group("checks");
    // The checks alone, on a full 100-event window, time advancing 10 ms per event.
    let mut checks = Checks::new(100, 1_000_000_000);
    let mut now = 1_000_000_000u64;
    g.bench_function("storm_and_breaker", |b| {
        b.iter(|| {
            now += 10_000_000;
            assert!(checks.admit(black_box(now)));
        })
    });
    // What a caller pays for the public dry run: lock, type lookup, clock read, checks.
    let bus = Bus::builder().build().expect("bus");
    bus.publish(Event::new("t", Value::Null)).expect("publish");
    let event = Event::new("t", Value::Null);
    g.bench_function("check_admission_dry_run", |b| {
        b.iter(|| bus.check_admission(black_box(&event)).expect("admitted"))
    });
    // For reference: one monotonic clock read.
    let start = std::time::Instant::now();
    g.bench_function("clock_read", |b| b.iter(|| black_box(start.elapsed())));
    g.finish();
}

fn audit(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut g = c.benchmark_group("audit");
    // Each publish to one subscriber writes two records: published and delivered.
    g.throughput(Throughput::Elements(2));
    let policies = [
        ("never", FsyncPolicy::Never),
        (
            "batched",
            FsyncPolicy::Batched {
                records: 4096,
                interval: Duration::from_millis(50),
            },
        ),
    ];
    for (name, policy) in policies {
        let path = dir.path().join(format!("{name}.jsonl"));
        let bus = bus_with(1, Some((&path, policy)));
        g.bench_function(format!("{name}/1sub"), |b| {
            b.iter(|| {
                bus.publish(Event::new("t", serde_json::json!({ "k": 1 })))
                    .expect("publish")
            })
        });
        drop(bus);
        let _ = std::fs::remove_file(&path);
    }
    g.finish();
}

criterion_group!(benches, dispatch, checks, audit);
criterion_main!(benches);

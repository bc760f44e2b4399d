//! Criterion benchmark of `choreo diff` on two generated reports of 10,000 events each (two
//! publishers and two subscribers per event, a flow from each event to the next): the head
//! renames 2% of the keys, drops a subscriber of another 2%, adds a loop per hundred events
//! and moves every site down a line. Measures the comparison alone, the comparison with its
//! JSON and markdown, and reading both report files first (the two-report form end to end).
//!
//! `cargo bench --bench diff`; `CHOREO_BENCH_EVENTS=N` changes the reports' size.

use std::hint::black_box;
use std::time::Duration;

use choreo::diff::{compare, Condition};
use choreo::graph::Health;
use choreo::report::{Event, Publisher, Report, Subscriber, Summary, Tool};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn key(i: usize, renamed: bool) -> String {
    if renamed {
        format!("domain_{}.renamed_{i:05}", i % 50)
    } else {
        format!("domain_{}.event_{i:05}", i % 50)
    }
}

/// The base report (`head == false`) or the head's.
fn report(events: usize, head: bool) -> Report {
    let renamed = |i: usize| head && i % 50 == 7;
    let shift = u32::from(head);
    let mut all: Vec<Event> = (0..events)
        .map(|i| {
            let file = format!("src/domain_{}/service_{}.rs", i % 50, i % 7);
            let next = (i + 1) % events;
            let mut publishes = vec![key(next, renamed(next))];
            // A loop back to the event itself in the head, once per hundred events.
            if head && i % 100 == 3 {
                publishes.push(key(i, renamed(i)));
                publishes.sort();
            }
            let mut subscribers: Vec<Subscriber> = (0..2)
                .map(|s| Subscriber {
                    file: file.clone(),
                    line: 40 + 10 * s + shift,
                    column: 9,
                    component: format!("Handler{}", i % 13),
                    handler: Some(format!("on_event_{s}")),
                    publishes: if s == 0 {
                        publishes.clone()
                    } else {
                        Vec::new()
                    },
                    service: None,
                })
                .collect();
            if head && i % 50 == 11 {
                subscribers.pop();
            }
            Event {
                key: key(i, renamed(i)),
                health: if head && i % 100 == 3 {
                    Health::Looping
                } else {
                    Health::Healthy
                },
                publishers: (0..2)
                    .map(|p| Publisher {
                        file: file.clone(),
                        line: 10 + 10 * p + shift,
                        column: 9,
                        component: format!("Service{}", i % 17),
                        function: Some(format!("emit_{p}")),
                        payload_keys: vec!["id".to_owned()],
                        service: None,
                    })
                    .collect(),
                subscribers,
                matches: Vec::new(),
            }
        })
        .collect();
    all.sort_by(|a, b| a.key.cmp(&b.key));
    let loops = all
        .iter()
        .filter(|event| event.health == Health::Looping)
        .map(|event| choreo::report::FeedbackLoop {
            events: vec![event.key.clone()],
            path: Vec::new(),
        })
        .collect();
    let mut report = Report {
        schema_version: choreo::report::SCHEMA_VERSION,
        tool: Tool {
            name: "choreo".to_owned(),
            version: "bench".to_owned(),
        },
        project: None,
        summary: Summary {
            event_types: all.len(),
            publications: all.len() * 2,
            subscriptions: all.iter().map(|e| e.subscribers.len()).sum(),
            components: 30,
            files_scanned: 350,
            files_parsed: 350,
            parse_errors: 0,
            files_unreachable: 0,
        },
        events: all,
        components: Vec::new(),
        orphaned_events: Vec::new(),
        unused_subscriptions: Vec::new(),
        feedback_loops: loops,
        commands: Vec::new(),
        findings: Vec::new(),
        parse_errors: Vec::new(),
        baseline: None,
        services: None,
        analysis_hash: String::new(),
    };
    report.analysis_hash = choreo::report::analysis_hash(&report);
    report
}

fn diff(c: &mut Criterion) {
    let events: usize = std::env::var("CHOREO_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let base = report(events, false);
    let head = report(events, true);
    let fail_on = [
        Condition::NewFindings,
        Condition::NewLoops,
        Condition::LostSubscriber,
    ];
    let sample = compare(&base, &head, &fail_on);
    assert!(!sample.events.added.is_empty() && !sample.loops.added.is_empty());
    assert!(!sample.subscribers.removed.is_empty());

    let mut group = c.benchmark_group("diff");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(events as u64));

    group.bench_function("compare", |b| {
        b.iter(|| black_box(compare(&base, &head, &fail_on)))
    });
    group.bench_function("compare + json + markdown", |b| {
        b.iter(|| {
            let diff = compare(&base, &head, &fail_on);
            black_box((diff.to_json(), choreo::render::diff::markdown(&diff)))
        })
    });

    let dir = tempfile::TempDir::new().expect("a temporary directory");
    let (old, new) = (dir.path().join("old.json"), dir.path().join("new.json"));
    std::fs::write(&old, base.to_json()).expect("the base report");
    std::fs::write(&new, head.to_json()).expect("the head report");
    group.bench_function("read both reports + compare", |b| {
        b.iter(|| {
            let base = choreo::report::read_report(&old).expect("a report");
            let head = choreo::report::read_report(&new).expect("a report");
            black_box(compare(&base, &head, &fail_on))
        })
    });
    group.finish();
}

criterion_group!(benches, diff);
criterion_main!(benches);

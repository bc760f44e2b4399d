//! Criterion benchmark of `choreo merge` on 1,000 generated service reports: service `i`
//! subscribes to the event service `i - 1` publishes and its handler publishes its own, the
//! first service hearing the last: a ring that must come out as one loop through every
//! service. Merging is linear in the sites; this keeps it honest.
//!
//! `cargo bench --bench merge`; `CHOREO_BENCH_SERVICES=N` changes the number of services.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use choreo::config::Config;
use choreo::graph::Health;
use choreo::merge::{merge, Input};
use choreo::report::{Event, Publisher, Report, Subscriber, Summary, Tool};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn key(i: usize) -> String {
    format!("service_{i:04}.done")
}

/// Service `i` of `n`, as its own analysis sees it: it publishes its key, which nobody in
/// it hears, and subscribes to the previous service's, which nobody in it publishes.
fn service(i: usize, n: usize) -> Input {
    let name = format!("service_{i:04}");
    let heard = key((i + n - 1) % n);
    let published = key(i);
    let publisher = Publisher {
        file: "src/main.rs".to_owned(),
        line: 20,
        column: 9,
        component: "Worker".to_owned(),
        function: Some("on_upstream".to_owned()),
        payload_keys: vec!["id".to_owned()],
        service: None,
    };
    let subscriber = Subscriber {
        file: "src/main.rs".to_owned(),
        line: 12,
        column: 5,
        component: "Worker".to_owned(),
        handler: Some("on_upstream".to_owned()),
        publishes: vec![published.clone()],
        service: None,
    };
    let mut events = vec![
        Event {
            key: heard.clone(),
            health: Health::Unused,
            publishers: Vec::new(),
            subscribers: vec![subscriber],
            matches: Vec::new(),
        },
        Event {
            key: published.clone(),
            health: Health::Orphaned,
            publishers: vec![publisher],
            subscribers: Vec::new(),
            matches: Vec::new(),
        },
    ];
    events.sort_by(|a, b| a.key.cmp(&b.key));
    let mut report = Report {
        schema_version: choreo::report::SCHEMA_VERSION,
        tool: Tool {
            name: "choreo".to_owned(),
            version: "bench".to_owned(),
        },
        project: Some(name),
        summary: Summary {
            event_types: 2,
            publications: 1,
            subscriptions: 1,
            components: 1,
            files_scanned: 1,
            files_parsed: 1,
            parse_errors: 0,
            files_unreachable: 0,
        },
        events,
        components: Vec::new(),
        orphaned_events: vec![published],
        unused_subscriptions: vec![heard],
        feedback_loops: Vec::new(),
        commands: Vec::new(),
        findings: Vec::new(),
        parse_errors: Vec::new(),
        baseline: None,
        services: None,
        analysis_hash: String::new(),
    };
    report.analysis_hash = choreo::report::analysis_hash(&report);
    Input::new(&PathBuf::from(format!("service_{i:04}.json")), report)
}

fn merging(c: &mut Criterion) {
    let n: usize = std::env::var("CHOREO_BENCH_SERVICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    let inputs: Vec<Input> = (0..n).map(|i| service(i, n)).collect();
    let config = Config::default();
    let sample = merge(&inputs, &config, &config.levels);
    assert_eq!(sample.feedback_loops.len(), 1, "the ring is one loop");
    assert_eq!(sample.feedback_loops[0].events.len(), n);
    assert_eq!(sample.feedback_loops[0].path.len(), n);
    assert!(sample.orphaned_events.is_empty() && sample.unused_subscriptions.is_empty());
    assert_eq!(sample.services.as_ref().map(Vec::len), Some(n));

    let mut group = c.benchmark_group("merge");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("ring of services", |b| {
        b.iter(|| black_box(merge(&inputs, &config, &config.levels)))
    });
    group.bench_function("ring of services + json", |b| {
        b.iter(|| black_box(merge(&inputs, &config, &config.levels).to_json()))
    });
    group.finish();
}

criterion_group!(benches, merging);
criterion_main!(benches);

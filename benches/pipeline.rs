//! Criterion benchmark of the pipeline's stages on a generated workspace (the same
//! generator as `cargo run --example gen_corpus`): discovery, the site prefilter, per-file
//! extraction, the whole-tree stages (resolve, graph, lints, report), and `analyze` end to
//! end.
//!
//! `cargo bench --bench pipeline`; `CHOREO_BENCH_FILES=N` changes the tree's size
//! (default 1,500 files, about 9 MB).

use std::hint::black_box;
use std::time::Duration;

use choreo::config::Config;
use choreo::lints::Levels;
use choreo::rules::RuleSet;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "../examples/gen_corpus.rs"]
#[allow(dead_code)]
mod gen_corpus;

fn pipeline(c: &mut Criterion) {
    let files: usize = std::env::var("CHOREO_BENCH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    let dir = tempfile::TempDir::new().expect("a temporary directory");
    let stats = gen_corpus::generate(dir.path(), files, 42).expect("the generated tree");
    let root = dir.path();
    let config = Config::default();
    let levels = Levels::default();
    let rules = RuleSet::new(&config.presets, &config.rules);

    let mut group = c.benchmark_group("pipeline");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Bytes(stats.bytes));

    group.bench_function("discover", |b| {
        b.iter(|| black_box(choreo::discover::discover(root, &config.exclude)))
    });

    let discovery = choreo::discover::discover(root, &config.exclude);
    let texts: Vec<Vec<u8>> = discovery
        .files
        .iter()
        .map(|file| std::fs::read(&file.path).expect("a generated file"))
        .collect();
    let sites = choreo::prefilter::SiteFilter::new(&rules);
    // The first round's byte scan over every file, from memory.
    group.bench_function("site prefilter (1 thread)", |b| {
        b.iter(|| {
            black_box(
                texts
                    .iter()
                    .filter(|text| sites.may_hold_site(text))
                    .count(),
            )
        })
    });

    // One thread: the per-file cost, without the pool.
    group.bench_function("extract (1 thread)", |b| {
        b.iter(|| {
            let facts: Vec<_> = discovery
                .files
                .iter()
                .map(|file| choreo::extract::extract(file, &rules))
                .collect();
            black_box(facts)
        })
    });

    let facts: Vec<_> = discovery
        .files
        .iter()
        .map(|file| choreo::extract::extract(file, &rules))
        .collect();
    group.bench_function("resolve+graph+lints+report", |b| {
        b.iter(|| {
            let model = choreo::resolve::resolve(&facts, &discovery, &config);
            let graph = choreo::graph::build_graph(&model);
            let findings = choreo::lints::lint(&model, &graph, &levels);
            let report = choreo::report::build_report(&model, &graph, &findings, None);
            black_box(report.to_json())
        })
    });

    for jobs in [1, 2] {
        group.bench_function(format!("analyze (jobs={jobs})"), |b| {
            b.iter(|| black_box(choreo::analyze(root, &config, &levels, Some(jobs)).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);

//! The lazy analysis (prefilter first, then only files that mention a name still needed)
//! gives the same report as parsing every file, but for `summary.files_parsed` and so the
//! hash: checked on the sample, on every behaviour case, and on the whole fixtures tree.

use std::path::Path;

use choreo::config::Config;
use choreo::report::Report;

fn report(dir: &Path, eager: bool) -> Report {
    let config = Config::discover(dir, None).unwrap();
    let options = choreo::Options {
        jobs: Some(2),
        eager,
        ..choreo::Options::default()
    };
    choreo::analyze_with(dir, &config, &config.levels, &options)
        .unwrap()
        .report
}

/// The report without what only says how much was parsed.
fn normalized(mut report: Report) -> Report {
    report.summary.files_parsed = 0;
    report.analysis_hash = String::new();
    report
}

fn assert_same(dir: &Path) -> (usize, usize) {
    let lazy = report(dir, false);
    let eager = report(dir, true);
    let parsed = (lazy.summary.files_parsed, eager.summary.files_parsed);
    assert_eq!(normalized(lazy), normalized(eager), "{}", dir.display());
    parsed
}

#[test]
fn lazy_equals_eager_on_every_fixture() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    assert_same(&root.join("choreography"));
    let mut dirs: Vec<_> = std::fs::read_dir(root.join("cases"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        assert_same(&dir);
    }
    // The whole tree at once: many crates, many files that hold nothing.
    let (lazy, eager) = assert_same(&root);
    assert!(
        lazy < eager,
        "the prefilter skips some files ({lazy} of {eager} parsed)"
    );
}

#[path = "../examples/gen_corpus.rs"]
#[allow(dead_code)]
mod gen_corpus;

#[test]
fn lazy_equals_eager_on_a_generated_workspace() {
    // 1,200 files in several crates; most hold no event code, like real code.
    let dir = tempfile::tempdir().unwrap();
    gen_corpus::generate(dir.path(), 1200, 7).unwrap();
    let (lazy, eager) = assert_same(dir.path());
    assert_eq!(eager, 1200);
    assert!(
        lazy * 4 < eager,
        "the prefilter skips most files ({lazy} of {eager} parsed)"
    );
}

/// Writes `files` (path, text) under a fresh directory.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// What real code is full of and must not pull into the parse: consts, aliases and calls
/// that no key depends on, rule names in prose and in definitions, std's associated
/// functions called from a handler. What a key does depend
/// on is still found: a const's value through another const, and a wrapper's key through
/// a wrapper of it, two files away.
#[test]
fn only_what_a_key_needs_is_parsed() {
    let dir = tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        (
            "src/lib.rs",
            "mod bus; mod relay; mod outer; mod start; mod events; mod base;\n\
             mod listener; mod limits; mod prose; mod shared; mod source;\n",
        ),
        (
            "src/bus.rs",
            "pub struct Bus;\nimpl Bus {\n    pub fn publish(&self, _topic: &str, _n: u32) {}\n    \
             pub fn subscribe(&self, _topic: &str, _h: fn(u32)) {}\n}\n",
        ),
        (
            "src/relay.rs",
            "use crate::bus::Bus;\npub fn inner(bus: &Bus, topic: &str) {\n    bus.publish(topic, 1);\n}\n",
        ),
        (
            "src/outer.rs",
            "use crate::bus::Bus;\npub fn outer(bus: &Bus, topic: &str) {\n    crate::relay::inner(bus, topic);\n}\n",
        ),
        (
            "src/start.rs",
            "use crate::bus::Bus;\npub fn start(bus: &Bus) {\n    crate::outer::outer(bus, crate::events::EDGE);\n}\n",
        ),
        ("src/events.rs", "pub const EDGE: &str = crate::base::BASE;\n"),
        ("src/base.rs", "pub const BASE: &str = \"edge.added\";\n"),
        (
            "src/listener.rs",
            "use crate::bus::Bus;\nuse crate::limits::*;\n\
             const RETRIES: u32 = MAX_RETRIES;\ntype Handle = Inner;\n\
             fn configure(_n: u32) {}\n\
             pub fn listen(bus: &Bus) {\n    configure(TUNING);\n    \
             bus.subscribe(\"edge.added\", |_| {\n        let _ = std::sync::Arc::new(1);\n    });\n}\n",
        ),
        (
            "src/limits.rs",
            "pub const MAX_RETRIES: u32 = 3;\npub const TUNING: u32 = 1;\npub type Inner = u8;\n",
        ),
        (
            "src/prose.rs",
            "// We emit on every change and publish nothing; the event bus is elsewhere.\npub fn quiet() {}\n",
        ),
        (
            "src/shared.rs",
            "use std::sync::Arc;\npub struct Pool;\nimpl Pool {\n    pub fn new() -> Arc<Pool> {\n        Arc::new(Pool)\n    }\n}\n",
        ),
        (
            "src/source.rs",
            "pub trait Source {\n    fn subscribe(&self) -> u32;\n    fn publish(&self);\n}\n",
        ),
    ]);
    let (lazy, eager) = assert_same(dir.path());
    let report = report(dir.path(), false);
    let keys: Vec<&str> = report.events.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["edge.added"]);
    let publishers: Vec<&str> = report.events[0]
        .publishers
        .iter()
        .map(|p| p.file.as_str())
        .collect();
    assert_eq!(
        publishers,
        ["src/start.rs"],
        "the key is found through two wrappers and two consts"
    );
    assert_eq!(eager, 12);
    // relay, listener (sites); outer, start (callers of the wrappers); events, base (the
    // consts); lib.rs (names the modules). Not bus, limits, prose, source, or shared (it
    // mentions `Arc` and defines a `fn new`, but the handler's `Arc::new` is std's).
    assert_eq!(lazy, 7, "parsed {lazy} of {eager}");
}

/// Consts re-exported through globs (`pub use short::*;`) by a module whose file never
/// names them: the lazy analysis parses the files of the modules a lookup needs, not only
/// the files that name what it looks for. (The two names, one a prefix of the other, also
/// once hid each other from the word search: `prefilter`'s unit tests cover that.)
#[test]
fn consts_behind_glob_re_exports() {
    let dir = tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("src/lib.rs", "mod events; mod wire;\n"),
        (
            "src/wire.rs",
            "use crate::events::{EDGE, EDGE_ADDED};\n\
             pub fn wire(bus: &Bus) {\n    bus.publish(EDGE, 1);\n    bus.publish(EDGE_ADDED, 2);\n    \
             bus.subscribe(\"edge\", |_| {});\n    bus.subscribe(\"edge.added\", |_| {});\n}\n",
        ),
        ("src/events.rs", "mod short;\nmod long;\npub use short::*;\npub use long::*;\n"),
        ("src/events/short.rs", "pub const EDGE: &str = \"edge\";\n"),
        ("src/events/long.rs", "pub const EDGE_ADDED: &str = \"edge.added\";\n"),
    ]);
    assert_same(dir.path());
    let report = report(dir.path(), false);
    assert!(
        report.orphaned_events.is_empty(),
        "{:?}",
        report.orphaned_events
    );
    assert!(
        report.unused_subscriptions.is_empty(),
        "{:?}",
        report.unused_subscriptions
    );
}

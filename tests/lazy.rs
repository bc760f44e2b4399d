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

//! The precision/recall suite: every tree under `fixtures/cases/` against its hand-written
//! `expected.toml` (written from DESIGN.md before the analyzer ran on it). One test runs
//! them all and fails on any difference, listing every case that differs.

use std::collections::BTreeSet;
use std::path::Path;

use choreo::config::Config;
use serde::Deserialize;

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct Expected {
    orphaned: Vec<String>,
    unused: Vec<String>,
    loops: Vec<Vec<String>>,
    events: Vec<String>,
    dynamic_findings: usize,
    publications: usize,
    subscriptions: usize,
    trap: bool,
}

fn actual(dir: &Path) -> Result<Expected, String> {
    let config = Config::discover(dir, None).map_err(|e| format!("config: {e}"))?;
    let analysis =
        choreo::analyze(dir, &config, &config.levels, Some(1)).map_err(|e| e.to_string())?;
    let report = analysis.report;
    Ok(Expected {
        orphaned: report.orphaned_events.clone(),
        unused: report.unused_subscriptions.clone(),
        loops: report
            .feedback_loops
            .iter()
            .map(|l| l.events.clone())
            .collect(),
        events: report.events.iter().map(|e| e.key.clone()).collect(),
        dynamic_findings: report
            .findings
            .iter()
            .filter(|f| f.lint == "dynamic_event_key")
            .count(),
        publications: report.summary.publications,
        subscriptions: report.summary.subscriptions,
        trap: false,
    })
}

/// Precision and recall over the flagged sets (orphans, unused subscriptions, loops).
#[derive(Default)]
struct Score {
    true_positives: usize,
    false_positives: usize,
    false_negatives: usize,
}

impl Score {
    fn add<T: Ord + Clone>(&mut self, expected: &[T], actual: &[T]) {
        let expected: BTreeSet<T> = expected.iter().cloned().collect();
        let actual: BTreeSet<T> = actual.iter().cloned().collect();
        self.true_positives += expected.intersection(&actual).count();
        self.false_positives += actual.difference(&expected).count();
        self.false_negatives += expected.difference(&actual).count();
    }
}

#[test]
fn every_case_matches_its_expectations() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cases");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("fixtures/cases exists")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.join("expected.toml").is_file())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 25,
        "the suite needs at least 25 cases, found {}",
        dirs.len()
    );

    let mut failures = Vec::new();
    let mut score = Score::default();
    let mut traps = 0;
    for dir in &dirs {
        let text = std::fs::read_to_string(dir.join("expected.toml")).unwrap();
        let expected: Expected =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut actual = match actual(dir) {
            Ok(actual) => actual,
            Err(error) => {
                failures.push(format!("{name}: {error}"));
                continue;
            }
        };
        actual.trap = expected.trap;
        traps += usize::from(expected.trap);
        score.add(&expected.orphaned, &actual.orphaned);
        score.add(&expected.unused, &actual.unused);
        score.add(&expected.loops, &actual.loops);
        if actual != expected {
            failures.push(format!(
                "{name}:\n  expected {expected:?}\n  actual   {actual:?}"
            ));
        }
    }
    let precision =
        score.true_positives as f64 / (score.true_positives + score.false_positives).max(1) as f64;
    let recall =
        score.true_positives as f64 / (score.true_positives + score.false_negatives).max(1) as f64;
    eprintln!(
        "{} cases ({traps} traps): precision {precision:.3}, recall {recall:.3} over orphans, unused subscriptions and loops",
        dirs.len()
    );
    assert!(
        traps >= 8,
        "the suite needs at least 8 traps, found {traps}"
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}

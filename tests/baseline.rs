//! Baselines from the outside: `--write-baseline` records today's findings by a
//! fingerprint that survives line moves, `--baseline` hides them, a new finding still fails
//! the gate, and a fixed one is reported as stale so the baseline can shrink.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

const ORPHAN: &str = "pub fn ship(bus: &Bus) {\n    bus.publish(\"order.shipped\", 1);\n}\n";

fn tree() -> TempDir {
    let dir = TempDir::new().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), ORPHAN).unwrap();
    dir
}

/// Runs `choreo analyze src` in `dir`; returns the exit code and the report.
fn analyze(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let output = Command::cargo_bin("choreo")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(["analyze", "src", "-o", "report.json", "-q"])
        .args(extra)
        .output()
        .unwrap();
    let report = std::fs::read_to_string(dir.join("report.json")).unwrap();
    (
        output.status.code().unwrap(),
        serde_json::from_str(&report).unwrap(),
    )
}

#[test]
fn a_baseline_hides_todays_findings_and_survives_line_moves() {
    let dir = tree();
    let (code, _) = analyze(dir.path(), &["--write-baseline", "baseline.json"]);
    assert_eq!(code, 1, "a --write-baseline run exits like any other run");
    let baseline: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("baseline.json")).unwrap())
            .unwrap();
    assert_eq!(baseline["entries"].as_array().unwrap().len(), 1);

    let (code, report) = analyze(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, 0);
    assert_eq!(report["baseline"]["hidden"], 1);
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
    // The graph still describes the orphan (precise rule 9).
    assert_eq!(report["orphaned_events"][0], "order.shipped");

    // Moving the code down does not break the baseline.
    std::fs::write(
        dir.path().join("src/lib.rs"),
        format!("\n\n// moved\n\n{ORPHAN}"),
    )
    .unwrap();
    let (code, report) = analyze(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, 0);
    assert_eq!(report["baseline"]["hidden"], 1);
}

#[test]
fn a_new_finding_still_fails_the_gate() {
    let dir = tree();
    analyze(dir.path(), &["--write-baseline", "baseline.json"]);
    std::fs::write(
        dir.path().join("src/lib.rs"),
        format!(
            "{ORPHAN}pub fn cancel(bus: &Bus) {{\n    bus.publish(\"order.cancelled\", 1);\n}}\n"
        ),
    )
    .unwrap();
    let (code, report) = analyze(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, 1);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["event"], "order.cancelled");
}

#[test]
fn a_fixed_finding_is_reported_stale() {
    let dir = tree();
    analyze(dir.path(), &["--write-baseline", "baseline.json"]);
    std::fs::write(
        dir.path().join("src/lib.rs"),
        format!("{ORPHAN}pub fn track(bus: &Bus) {{\n    bus.subscribe(\"order.shipped\", |e| log(e));\n}}\n"),
    )
    .unwrap();
    let output = Command::cargo_bin("choreo")
        .unwrap()
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .args([
            "analyze",
            "src",
            "-o",
            "report.json",
            "--baseline",
            "baseline.json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let human = String::from_utf8(output.stdout).unwrap();
    assert!(human.contains("1 stale entry"), "{human}");
    assert!(
        human.contains("fixed: orphaned_event `order.shipped` in lib.rs"),
        "{human}"
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report["baseline"]["hidden"], 0);
    assert_eq!(report["baseline"]["stale"][0]["event"], "order.shipped");
}

#[test]
fn a_broken_baseline_is_a_run_failure() {
    let dir = tree();
    std::fs::write(dir.path().join("baseline.json"), "{not json").unwrap();
    let output = Command::cargo_bin("choreo")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "analyze",
            "src",
            "-o",
            "report.json",
            "--baseline",
            "baseline.json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not a choreo baseline"));
}

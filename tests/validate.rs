//! `choreo validate` and `choreo audit`: the static flows replayed on the bus agree with the
//! analysis (orphans dead-letter, unused subscriptions never fire, every loop trips storm
//! detection and nothing else does), the trail verifies and replays, a stale or edited
//! report fails.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

fn choreo(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("choreo")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap()
}

fn validation(dir: &Path) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(dir.join("eventbus_validation_report.json")).unwrap(),
    )
    .unwrap()
}

fn event<'a>(validation: &'a Value, key: &str) -> &'a Value {
    validation["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["key"] == key)
        .unwrap()
}

#[test]
fn the_sample_agrees_and_its_trail_verifies_and_replays() {
    let dir = TempDir::new().unwrap();
    let sample = fixture("choreography");
    let output = choreo(
        dir.path(),
        &[
            "validate",
            sample.to_str().unwrap(),
            "--metrics",
            "metrics.prom",
        ],
    );
    // The flows agree, but the sample keeps deny-level findings on purpose.
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("Static and dynamic results agree."),
        "{stdout}"
    );

    let v = validation(dir.path());
    assert_eq!(v["agrees"], true);
    assert_eq!(v["summary"]["disagree"], 0);
    let orphan = event(&v, "validation.axiomatic_failed");
    assert_eq!(orphan["verdict"], "agrees");
    assert!(orphan["dead_lettered"].as_u64().unwrap() > 0);
    let unused = event(&v, "extraction.completed");
    assert_eq!(unused["delivered"], 0);
    let loops = v["loops"].as_array().unwrap();
    assert_eq!(loops.len(), 1);
    assert_eq!(loops[0]["tripped"], true);
    assert!(loops[0]["amplification"].as_u64().unwrap() >= 100);
    // Nothing outside the loop stormed.
    for e in v["events"].as_array().unwrap() {
        if e["health"] != "looping" {
            assert_eq!(e["storm"], false, "{e}");
        }
    }

    let metrics = std::fs::read_to_string(dir.path().join("metrics.prom")).unwrap();
    assert!(metrics.contains("# TYPE choreo_bus_"), "{metrics}");

    let verify = choreo(dir.path(), &["audit", "verify", "eventbus_audit.jsonl"]);
    assert_eq!(
        verify.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let replay = choreo(dir.path(), &["audit", "replay", "eventbus_audit.jsonl"]);
    assert_eq!(
        replay.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );

    // The run is deterministic: the same trail, byte for byte.
    let first = std::fs::read(dir.path().join("eventbus_audit.jsonl")).unwrap();
    choreo(dir.path(), &["validate", sample.to_str().unwrap(), "-q"]);
    assert_eq!(
        first,
        std::fs::read(dir.path().join("eventbus_audit.jsonl")).unwrap()
    );
}

#[test]
fn every_loop_fixture_trips_storm_detection() {
    for case in [
        "loop_self",
        "loop_two_events_closures",
        "loop_helper_chain",
        "loop_free_fn_other_module",
        "loop_handler_fn_paths",
        "loop_three_events",
        "loop_through_spawn",
        "loop_two_disjoint",
    ] {
        let dir = TempDir::new().unwrap();
        let path = fixture(&format!("cases/{case}"));
        choreo(dir.path(), &["validate", path.to_str().unwrap(), "-q"]);
        let v = validation(dir.path());
        assert_eq!(v["agrees"], true, "{case}: {v}");
        let loops = v["loops"].as_array().unwrap();
        assert!(!loops.is_empty(), "{case}");
        assert!(loops.iter().all(|l| l["tripped"] == true), "{case}: {v}");
    }
}

#[test]
fn a_tree_without_loops_or_denials_passes() {
    let dir = TempDir::new().unwrap();
    let path = fixture("cases/not_loop_unreachable_method");
    let output = choreo(dir.path(), &["validate", path.to_str().unwrap()]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(validation(dir.path())["loops"].as_array().unwrap().len(), 0);
}

#[test]
fn a_stale_or_edited_report_fails() {
    let dir = TempDir::new().unwrap();
    std::fs::create_dir_all(dir.path().join("tree/src")).unwrap();
    let source = "fn a(bus: &Bus) { bus.publish(\"x\", 1); }\nfn b(bus: &Bus) { bus.subscribe(\"x\", |e| f(e)); }\n";
    std::fs::write(dir.path().join("tree/src/lib.rs"), source).unwrap();
    choreo(dir.path(), &["analyze", "tree", "-o", "report.json", "-q"]);

    let fresh = choreo(
        dir.path(),
        &["validate", "tree", "--report", "report.json", "-q"],
    );
    assert_eq!(
        fresh.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&fresh.stderr)
    );
    assert_eq!(validation(dir.path())["report"]["status"], "fresh");

    // Edited: a field changed without recomputing the hash.
    let text = std::fs::read_to_string(dir.path().join("report.json")).unwrap();
    std::fs::write(
        dir.path().join("edited.json"),
        text.replace("\"healthy\"", "\"orphaned\""),
    )
    .unwrap();
    let edited = choreo(
        dir.path(),
        &["validate", "tree", "--report", "edited.json", "-q"],
    );
    assert_eq!(edited.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&edited.stderr).contains("edited"));

    // Stale: the sources changed since the report was written.
    std::fs::write(
        dir.path().join("tree/src/lib.rs"),
        source.replace("\"x\"", "\"y\""),
    )
    .unwrap();
    let stale = choreo(
        dir.path(),
        &["validate", "tree", "--report", "report.json", "-q"],
    );
    assert_eq!(stale.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&stale.stderr).contains("stale"));
    assert_eq!(validation(dir.path())["report"]["status"], "stale");
}

#[test]
fn audit_verify_names_the_first_broken_line() {
    let dir = TempDir::new().unwrap();
    let path = fixture("cases/loop_self");
    choreo(dir.path(), &["validate", path.to_str().unwrap(), "-q"]);
    let trail = dir.path().join("eventbus_audit.jsonl");
    let text = std::fs::read_to_string(&trail).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let tampered = lines[4].replacen("retry.scheduled", "retry.scheduleD", 1);
    lines[4] = &tampered;
    std::fs::write(&trail, lines.join("\n") + "\n").unwrap();
    let verify = choreo(dir.path(), &["audit", "verify", "eventbus_audit.jsonl"]);
    assert_eq!(verify.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&verify.stderr).contains("line 5"),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let replay = choreo(dir.path(), &["audit", "replay", "eventbus_audit.jsonl"]);
    assert_eq!(replay.status.code(), Some(1));
    assert_eq!(
        choreo(dir.path(), &["audit", "verify", "missing.jsonl"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn level_flags_and_a_baseline_shape_the_exit_status() {
    let dir = TempDir::new().unwrap();
    let path = fixture("cases/loop_self");
    let path = path.to_str().unwrap();
    assert_eq!(
        choreo(dir.path(), &["validate", path, "-q"]).status.code(),
        Some(1)
    );
    assert_eq!(
        choreo(dir.path(), &["validate", path, "-q", "-A", "feedback_loop"])
            .status
            .code(),
        Some(0),
        "the loop still trips, but it is allowed"
    );
    choreo(
        dir.path(),
        &[
            "analyze",
            path,
            "-o",
            "r.json",
            "-q",
            "--write-baseline",
            "base.json",
        ],
    );
    assert_eq!(
        choreo(
            dir.path(),
            &["validate", path, "-q", "--baseline", "base.json"]
        )
        .status
        .code(),
        Some(0)
    );
    assert_eq!(validation(dir.path())["loops"][0]["tripped"], true);
}

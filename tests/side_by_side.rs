//! A crate's results do not depend on what sits beside it: two workspaces analyzed apart
//! and together give each workspace the same sites, keys, handlers, loops and findings
//! (`fixtures/side_by_side`: both have a crate named `shared` with their own keys, and a
//! handler reaching its publish through a method `run` that both define). Together, each
//! workspace's names resolve among its own crates only.

use std::path::Path;

use serde_json::{json, Value};

fn analyze(dir: &Path, eager: bool) -> Value {
    let config = choreo::config::Config::discover(dir, None).unwrap();
    let options = choreo::Options {
        jobs: Some(2),
        eager,
        ..choreo::Options::default()
    };
    let report = choreo::analyze_with(dir, &config, &config.levels, &options)
        .unwrap()
        .report;
    serde_json::from_str(&report.to_json()).unwrap()
}

/// What a report says about the files under `prefix`, with `prefix` taken off their paths.
fn part(report: &Value, prefix: &str) -> Value {
    let strip =
        |file: &Value| -> Option<String> { file.as_str()?.strip_prefix(prefix).map(str::to_owned) };
    let sites = |sites: &Value| -> Vec<Value> {
        sites
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|site| {
                let file = strip(&site["file"])?;
                let mut site = site.clone();
                site["file"] = json!(file);
                Some(site)
            })
            .collect()
    };
    let events: Vec<Value> = report["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|event| {
            let publishers = sites(&event["publishers"]);
            let subscribers = sites(&event["subscribers"]);
            (!publishers.is_empty() || !subscribers.is_empty()).then(|| {
                json!({"key": event["key"], "health": event["health"],
                       "publishers": publishers, "subscribers": subscribers})
            })
        })
        .collect();
    let findings: Vec<Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|finding| {
            let file = strip(&finding["file"])?;
            Some(
                json!({"lint": finding["lint"], "event": finding["event"], "file": file,
                        "line": finding["line"], "message": finding["message"]}),
            )
        })
        .collect();
    let loops: Vec<Value> = report["feedback_loops"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| {
            l["path"][0]["subscribed_at"]
                .as_str()
                .is_some_and(|at| at.starts_with(prefix))
        })
        .map(|l| l["events"].clone())
        .collect();
    let parse_errors = sites(&report["parse_errors"]);
    json!({"events": events, "findings": findings, "loops": loops, "parse_errors": parse_errors})
}

#[test]
fn each_workspace_is_analyzed_as_it_would_be_alone() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/side_by_side");
    let together = analyze(&root, false);
    for name in ["alpha", "beta"] {
        let alone = part(&analyze(&root.join(name), false), "");
        let beside = part(&together, &format!("{name}/"));
        assert_eq!(beside, alone, "{name} beside the other workspace");
        // What alone means here: the workspace's own keys, through its own `shared`, and
        // its loop through its own `run`.
        let keys: Vec<&str> = alone["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["key"].as_str().unwrap())
            .collect();
        let done = format!("{name}.done");
        let ready = format!("{name}.ready");
        assert_eq!(keys, [done.as_str(), ready.as_str()]);
        assert_eq!(alone["loops"], json!([[done, ready]]));
    }
}

#[test]
fn lazy_equals_eager_side_by_side() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/side_by_side");
    let normalized = |mut report: Value| {
        report["summary"]["files_parsed"] = json!(0);
        report["analysis_hash"] = json!("");
        report
    };
    assert_eq!(
        normalized(analyze(&root, false)),
        normalized(analyze(&root, true))
    );
}

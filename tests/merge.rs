//! `choreo merge` from the outside: two NATS services (fixtures/services/orders and
//! billing) analyzed apart, then merged: what each misses alone, what the system view
//! settles, the loop through both, the wildcard that covers the other service's subject,
//! every renderer, and the errors (exit 2).
//!
//! The input reports are written by `choreo analyze` inside each test, in a temporary
//! directory, so they always match the fixtures and this build.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/services")
}

fn choreo(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("choreo")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A temporary directory holding `orders.json` and `billing.json`, each service's own
/// report, and `nats.toml`, a merge config with the NATS topic syntax.
fn services() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for service in ["orders", "billing"] {
        let tree = fixtures().join(service);
        let report = dir.path().join(format!("{service}.json"));
        let output = choreo(
            dir.path(),
            &[
                "analyze",
                tree.to_str().unwrap(),
                "-o",
                report.to_str().unwrap(),
                "--quiet",
            ],
        );
        // Alone, each service has an orphaned event: a deny finding.
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    }
    std::fs::write(
        dir.path().join("nats.toml"),
        "[analysis]\ntopic_syntax = \"nats\"\n",
    )
    .unwrap();
    dir
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn health(report: &Value, key: &str) -> String {
    report["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|event| event["key"] == key)
        .unwrap_or_else(|| panic!("no event `{key}`"))["health"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn merged(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["merge", "orders.json", "billing.json"];
    args.extend_from_slice(extra);
    choreo(dir, &args)
}

#[test]
fn apart_each_service_has_an_orphan_and_an_unused_subscription() {
    let dir = services();
    let orders = json(&std::fs::read_to_string(dir.path().join("orders.json")).unwrap());
    let billing = json(&std::fs::read_to_string(dir.path().join("billing.json")).unwrap());
    assert_eq!(orders["project"], "orders");
    assert_eq!(billing["project"], "billing");
    assert_eq!(
        orders["orphaned_events"],
        serde_json::json!(["orders.placed", "payment.retry"])
    );
    assert_eq!(
        orders["unused_subscriptions"],
        serde_json::json!(["billing.invoiced", "billing.retry"])
    );
    assert_eq!(
        billing["orphaned_events"],
        serde_json::json!(["billing.invoiced", "billing.retry"])
    );
    assert_eq!(
        billing["unused_subscriptions"],
        serde_json::json!(["orders.*", "payment.retry"])
    );
    assert_eq!(orders["feedback_loops"], serde_json::json!([]));
    assert_eq!(billing["feedback_loops"], serde_json::json!([]));
}

#[test]
fn merged_the_services_are_healthy_and_the_loop_through_both_is_found() {
    let dir = services();
    let output = merged(dir.path(), &["-c", "nats.toml", "--format", "json"]);
    // The loop is a deny finding: the merge gates like `analyze`.
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = json(&stdout(&output));
    assert_eq!(report["services"], serde_json::json!(["billing", "orders"]));
    assert_eq!(health(&report, "billing.invoiced"), "healthy");
    assert_eq!(health(&report, "orders.placed"), "healthy");
    assert_eq!(report["orphaned_events"], serde_json::json!([]));
    assert_eq!(report["unused_subscriptions"], serde_json::json!([]));
    // Every site names its service.
    for event in report["events"].as_array().unwrap() {
        for site in event["publishers"]
            .as_array()
            .unwrap()
            .iter()
            .chain(event["subscribers"].as_array().unwrap())
        {
            assert!(site["service"].is_string(), "{site}");
        }
    }
    let loops = report["feedback_loops"].as_array().unwrap();
    assert_eq!(loops.len(), 1, "{loops:?}");
    assert_eq!(
        loops[0]["events"],
        serde_json::json!(["billing.retry", "payment.retry"])
    );
    let steps: Vec<(&str, &str)> = loops[0]["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hop| {
            (
                hop["event"].as_str().unwrap(),
                hop["service"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [("billing.retry", "orders"), ("payment.retry", "billing")]
    );
    let lints: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["lint"].as_str().unwrap())
        .collect();
    assert_eq!(lints, ["feedback_loop"]);
    assert_eq!(report["findings"][0]["service"], "orders");
    insta::assert_snapshot!("merged_report", stdout(&output));
}

#[test]
fn the_wildcard_of_one_service_covers_the_subject_of_the_other() {
    let dir = services();
    let with = json(&stdout(&merged(
        dir.path(),
        &["-c", "nats.toml", "--format", "json"],
    )));
    let wildcard = with["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|event| event["key"] == "orders.*")
        .unwrap();
    assert_eq!(wildcard["health"], "healthy");
    assert_eq!(wildcard["matches"], serde_json::json!(["orders.placed"]));
    assert_eq!(wildcard["subscribers"][0]["service"], "billing");
    // Under the default (exact) syntax, `orders.*` is a key like any other: it covers
    // nothing, so the wildcard is what made both events healthy.
    let without = json(&stdout(&merged(dir.path(), &["--format", "json"])));
    assert_eq!(health(&without, "orders.placed"), "orphaned");
    assert_eq!(health(&without, "orders.*"), "unused");
    assert_eq!(health(&without, "billing.invoiced"), "healthy");
}

#[test]
fn the_merge_config_sets_levels_and_externals() {
    let dir = services();
    std::fs::write(
        dir.path().join("allow.toml"),
        "[analysis]\ntopic_syntax = \"nats\"\n\n[lints]\nfeedback_loop = \"allow\"\n",
    )
    .unwrap();
    let output = merged(dir.path(), &["-c", "allow.toml", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(json(&stdout(&output))["findings"], serde_json::json!([]));

    std::fs::write(
        dir.path().join("external.toml"),
        "[events]\nexternal_subscribers = [\"orders.placed\"]\n",
    )
    .unwrap();
    let report = json(&stdout(&merged(
        dir.path(),
        &["-c", "external.toml", "--format", "json"],
    )));
    assert_eq!(health(&report, "orders.placed"), "external");
}

#[test]
fn the_merged_report_renders_in_every_format() {
    let dir = services();
    let human = merged(dir.path(), &["-c", "nats.toml"]);
    assert_eq!(human.status.code(), Some(1));
    insta::assert_snapshot!("merged_human", stdout(&human));

    let github = merged(dir.path(), &["-c", "nats.toml", "--format", "github"]);
    insta::assert_snapshot!("merged_github", stdout(&github));

    let sarif = merged(dir.path(), &["-c", "nats.toml", "--format", "sarif"]);
    let log = json(&stdout(&sarif));
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "feedback_loop");
    assert_eq!(results[0]["properties"]["service"], "orders");
    insta::assert_snapshot!("merged_sarif", stdout(&sarif));
}

#[test]
fn the_merged_report_is_a_report_choreo_reads_back() {
    let dir = services();
    let output = merged(dir.path(), &["-c", "nats.toml", "-o", "system.json"]);
    assert_eq!(output.status.code(), Some(1));
    let written = std::fs::read_to_string(dir.path().join("system.json")).unwrap();
    let stdout_json = merged(dir.path(), &["-c", "nats.toml", "-o", "-"]);
    assert_eq!(
        stdout(&stdout_json),
        written,
        "`-o -` prints the same report"
    );
    // `diff` checks the schema version and the fresh analysis hash of what it reads.
    let diff = choreo(dir.path(), &["diff", "system.json", "system.json"]);
    assert_eq!(diff.status.code(), Some(0), "{}", stderr(&diff));
    // A merged report merges again with another service, and keeps its services; a
    // report without a `project` is named after its file.
    // A tree with no name: no `Cargo.toml`, no `[analysis] name`.
    let audit = dir.path().join("audit-tree/src");
    std::fs::create_dir_all(&audit).unwrap();
    std::fs::write(
        audit.join("lib.rs"),
        "pub fn watch(bus: &Bus) {\n    bus.subscribe(\"orders.placed\", |e| println!(\"{e:?}\"));\n}\n",
    )
    .unwrap();
    let analyzed = choreo(
        dir.path(),
        &["analyze", "audit-tree", "-o", "audit.json", "--quiet"],
    );
    assert_eq!(analyzed.status.code(), Some(0), "{}", stderr(&analyzed));
    let nested = choreo(
        dir.path(),
        &["merge", "system.json", "audit.json", "--format", "json"],
    );
    assert_eq!(nested.status.code(), Some(1), "{}", stderr(&nested));
    let nested = json(&stdout(&nested));
    assert_eq!(
        nested["services"],
        serde_json::json!(["audit", "billing", "orders"])
    );
    assert_eq!(nested["feedback_loops"][0]["path"][1]["service"], "billing");
    let placed = &nested["events"][3];
    assert_eq!(placed["key"], "orders.placed");
    assert_eq!(placed["subscribers"][0]["service"], "audit");
    let again = choreo(
        dir.path(),
        &["merge", "system.json", "orders.json", "--format", "json"],
    );
    assert_eq!(again.status.code(), Some(2), "orders is in both");
    assert!(stderr(&again).contains("both the service `orders`"));
}

/// Runs `choreo merge` on `args`, expecting exit 2, and returns stderr.
fn refused(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["merge"];
    all.extend_from_slice(args);
    let output = choreo(dir, &all);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
    stderr(&output)
}

#[test]
fn two_reports_of_one_service_are_refused() {
    let dir = services();
    std::fs::copy(
        dir.path().join("orders.json"),
        dir.path().join("orders-copy.json"),
    )
    .unwrap();
    let message = refused(
        dir.path(),
        &["orders.json", "billing.json", "orders-copy.json"],
    );
    assert!(
        message.contains("`orders.json` and `orders-copy.json` are both the service `orders`"),
        "{message}"
    );
    assert!(message.contains("`[analysis] name`"), "{message}");
}

#[test]
fn another_schema_version_is_refused() {
    let dir = services();
    let text = std::fs::read_to_string(dir.path().join("billing.json")).unwrap();
    std::fs::write(
        dir.path().join("old.json"),
        text.replacen("\"schema_version\": 2", "\"schema_version\": 1", 1),
    )
    .unwrap();
    let message = refused(dir.path(), &["orders.json", "old.json"]);
    assert!(
        message.contains("`old.json` has schema version 1; this choreo reads version 2"),
        "{message}"
    );
    assert!(message.contains("same choreo version"), "{message}");
}

#[test]
fn a_tampered_report_is_refused() {
    let dir = services();
    let text = std::fs::read_to_string(dir.path().join("billing.json")).unwrap();
    std::fs::write(
        dir.path().join("edited.json"),
        text.replace("billing.invoiced", "billing.paid"),
    )
    .unwrap();
    let message = refused(dir.path(), &["orders.json", "edited.json"]);
    assert!(
        message.contains("`edited.json` was edited after choreo wrote it"),
        "{message}"
    );
    assert!(message.contains("choreo analyze"), "{message}");
}

#[test]
fn an_unreadable_report_is_refused() {
    let dir = services();
    let message = refused(dir.path(), &["orders.json", "missing.json"]);
    assert!(
        message.contains("cannot read report `missing.json`"),
        "{message}"
    );
    std::fs::write(dir.path().join("notes.json"), "not json").unwrap();
    let message = refused(dir.path(), &["orders.json", "notes.json"]);
    assert!(
        message.contains("`notes.json` is not a choreo report"),
        "{message}"
    );
}

#[test]
fn fewer_than_two_reports_are_refused() {
    let dir = services();
    let message = refused(dir.path(), &["orders.json"]);
    assert!(
        message.contains("joins at least two reports; 1 was given"),
        "{message}"
    );
    let message = refused(dir.path(), &[]);
    assert!(message.contains("0 were given"), "{message}");
}

#[test]
fn a_loop_a_service_allowed_stays_allowed_and_a_new_one_is_not() {
    let dir = services();
    let tree = dir.path().join("inventory");
    std::fs::create_dir_all(tree.join("src")).unwrap();
    std::fs::write(
        tree.join("choreo.toml"),
        "[analysis]\nname = \"inventory\"\n",
    )
    .unwrap();
    std::fs::write(
        tree.join("src/lib.rs"),
        r#"pub fn wire(bus: &Bus) {
    // choreo: allow(feedback_loop) -- bounded by max_retries
    bus.subscribe("stock.check", |e| bus.publish("stock.recheck", e));
    bus.subscribe("stock.recheck", |e| bus.publish("stock.check", e));
}
"#,
    )
    .unwrap();
    let analyzed = choreo(
        dir.path(),
        &["analyze", "inventory", "-o", "inventory.json", "--quiet"],
    );
    assert_eq!(analyzed.status.code(), Some(0), "{}", stderr(&analyzed));
    let output = choreo(
        dir.path(),
        &[
            "merge",
            "orders.json",
            "billing.json",
            "inventory.json",
            "-c",
            "nats.toml",
            "--format",
            "json",
        ],
    );
    let report = json(&stdout(&output));
    let loops: Vec<&Value> = report["feedback_loops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|cycle| &cycle["events"])
        .collect();
    assert_eq!(
        loops,
        [
            &serde_json::json!(["billing.retry", "payment.retry"]),
            &serde_json::json!(["stock.check", "stock.recheck"])
        ]
    );
    // The loop through orders and billing is new in the system view: it is reported.
    let findings: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["lint"].as_str().unwrap(), f["event"].as_str().unwrap()))
        .collect();
    assert_eq!(findings, [("feedback_loop", "billing.retry")]);
}

/// The README's walk-through shows real output: the merge's, and each service's summary.
#[test]
fn the_readme_walk_through_is_what_choreo_prints() {
    let dir = services();
    std::fs::write(
        dir.path().join("system.toml"),
        "[analysis]\ntopic_syntax = \"nats\"\n",
    )
    .unwrap();
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    // The lines after `$ COMMAND` up to the next `$ ` or the end of the block.
    let shown = |command: &str| -> String {
        let start = readme
            .find(&format!("$ {command}\n"))
            .unwrap_or_else(|| panic!("the README runs `{command}`"))
            + command.len()
            + 3;
        let rest = &readme[start..];
        let end = ["\n$ ", "\n```"]
            .iter()
            .filter_map(|mark| rest.find(mark))
            .min()
            .unwrap();
        rest[..end + 1].to_owned()
    };
    let merge = choreo(
        dir.path(),
        &[
            "merge",
            "orders.json",
            "billing.json",
            "-c",
            "system.toml",
            "-o",
            "system.json",
        ],
    );
    assert_eq!(
        shown("choreo merge orders.json billing.json -c system.toml -o system.json"),
        stdout(&merge)
    );
    for service in ["orders", "billing"] {
        let tree = fixtures().join(service);
        let output = choreo(
            dir.path(),
            &["analyze", tree.to_str().unwrap(), "-o", "apart.json"],
        );
        let printed = stdout(&output);
        let lines: Vec<&str> = printed.lines().collect();
        let tail = lines[lines.len() - 7..].join("\n") + "\n";
        assert_eq!(
            shown(&format!(
                "choreo analyze {service} -o {service}.json | tail -n 7"
            )),
            tail
        );
    }
}

#[test]
fn graph_of_a_merged_report_draws_one_cluster_per_service() {
    let dir = services();
    let output = merged(dir.path(), &["-c", "nats.toml", "-o", "merged.json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let output = choreo(
        dir.path(),
        &["graph", "--report", "merged.json", "--format", "dot"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let dot = stdout(&output);
    assert_eq!(dot.matches("subgraph cluster_").count(), 2, "{dot}");
    assert!(dot.contains("label=\"billing\""), "{dot}");
    assert!(dot.contains("label=\"orders\""), "{dot}");
    // A report that is not a report is an error, not a drawing.
    std::fs::write(dir.path().join("bad.json"), "{}").unwrap();
    let output = choreo(dir.path(), &["graph", "--report", "bad.json"]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
}

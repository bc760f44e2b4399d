//! The SARIF renderer: valid against the official SARIF 2.1.0 schema, every lint a rule,
//! and fingerprints that survive moved code but not a different event.

use std::path::Path;

use choreo::config::Config;
use choreo::lints::{Level, LINTS};
use serde_json::{json, Value};

fn analyze(dir: &Path) -> choreo::Analysis {
    let config = Config::discover(dir, None).unwrap();
    choreo::analyze(dir, &config, &config.levels, Some(1)).unwrap()
}

fn sarif(dir: &Path) -> String {
    choreo::render::sarif::render(&analyze(dir).report)
}

fn fixture(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("the SARIF output is JSON")
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().unwrap()
}

/// The OASIS SARIF 2.1.0 schema (draft-07, self-contained: every `$ref` is local, and
/// `offline` makes sure nothing is ever fetched).
fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(fixture("tests/data/sarif-2.1.0.json")).unwrap();
    // The official schema's two `language` patterns have a stray `]`: a literal under
    // ECMA-262's Annex B, but the validator's meta-schema check of `format: regex` rejects
    // it. Escaping it keeps its meaning; the file itself stays byte for byte official.
    let stray = r#""pattern": "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    assert_eq!(text.matches(stray).count(), 2, "the schema changed");
    let text = text.replace(
        stray,
        r#""pattern": "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$""#,
    );
    let schema: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert_eq!(schema["properties"]["version"]["enum"][0], "2.1.0");
    jsonschema::options()
        .offline()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid(text: &str) {
    let instance = parse(text);
    let validator = validator();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
}

/// Writes a one-file tree `src/lib.rs` into a fresh temporary directory.
fn tree(source: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), source).unwrap();
    dir
}

fn fingerprint(result: &Value) -> &str {
    result["partialFingerprints"]["choreo/v1"].as_str().unwrap()
}

#[test]
fn choreography_is_valid_sarif() {
    let text = sarif(&fixture("fixtures/choreography"));
    assert!(text.ends_with("}\n"));
    assert_valid(&text);

    let log = parse(&text);
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(log["runs"].as_array().unwrap().len(), 1);
    assert_eq!(run["tool"]["driver"]["name"], "choreo");
    assert_eq!(run["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    // `informationUri` is the package's homepage, else its repository, and is left out while
    // `Cargo.toml` names neither: never an address nobody serves.
    let information = run["tool"]["driver"].get("informationUri");
    match (env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")) {
        ("", "") => assert_eq!(information, None),
        ("", repository) => assert_eq!(information, Some(&json!(repository))),
        (homepage, _) => assert_eq!(information, Some(&json!(homepage))),
    }
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    assert!(run["originalUriBaseIds"]["%SRCROOT%"].is_object());

    let report = analyze(&fixture("fixtures/choreography")).report;
    let results = results(&log);
    assert_eq!(results.len(), report.findings.len());
    assert!(!results.is_empty());
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for (result, finding) in results.iter().zip(&report.findings) {
        assert_eq!(result["ruleId"], finding.lint);
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], finding.lint);
        let level = match finding.level {
            Level::Deny => "error",
            Level::Warn => "warning",
            Level::Allow => "none",
        };
        assert_eq!(result["level"], level);
        let message = result["message"]["text"].as_str().unwrap();
        assert_eq!(
            message,
            format!("{}\nhelp: {}", finding.message, finding.help)
        );
        let physical = &result["locations"][0]["physicalLocation"];
        assert_eq!(physical["artifactLocation"]["uri"], finding.file.as_str());
        assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(physical["region"]["startLine"], finding.line);
        assert_eq!(physical["region"]["startColumn"], finding.column);

        let related = result["relatedLocations"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        assert_eq!(related.len(), finding.related.len());
        for (n, (place, expected)) in related.iter().zip(&finding.related).enumerate() {
            assert_eq!(place["id"], n + 1);
            assert_eq!(place["message"]["text"], expected.message.as_str());
            let physical = &place["physicalLocation"];
            assert_eq!(physical["artifactLocation"]["uri"], expected.file.as_str());
            assert_eq!(physical["region"]["startLine"], expected.line);
        }
    }
    // The fixture has findings with secondary places (a feedback loop at least), so the
    // schema check above covered `relatedLocations`.
    assert!(results.iter().any(|r| r["relatedLocations"].is_array()));

    // Fingerprints tell every finding of a run apart.
    let mut prints: Vec<&str> = results.iter().map(fingerprint).collect();
    prints.sort_unstable();
    prints.dedup();
    assert_eq!(prints.len(), results.len());
}

#[test]
fn every_lint_is_a_rule_in_registry_order_with_help() {
    let log = parse(&sarif(&fixture("fixtures/cases/key_string_literal")));
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), LINTS.len());
    for (rule, lint) in rules.iter().zip(LINTS) {
        assert_eq!(rule["id"], lint.name);
        assert_eq!(rule["shortDescription"]["text"], lint.summary);
        assert!(!rule["fullDescription"]["text"].as_str().unwrap().is_empty());
        assert!(!rule["help"]["text"].as_str().unwrap().trim().is_empty());
        assert_eq!(rule["help"]["markdown"], lint.docs);
        let level = match lint.default_level {
            Level::Deny => "error",
            Level::Warn => "warning",
            Level::Allow => "none",
        };
        assert_eq!(
            rule["defaultConfiguration"]["level"], level,
            "{}",
            lint.name
        );
        assert!(!rule["properties"]["tags"].as_array().unwrap().is_empty());
    }
}

/// The SARIF of a tree with the rules' docs redacted (they are pinned by
/// `every_lint_is_a_rule_in_registry_order_with_help`), so editing a lint's docs does not
/// churn the snapshots.
fn redacted_sarif(path: &str) -> String {
    let text = sarif(&fixture(path));
    assert_valid(&text);
    // The text is serde_json's pretty form with sorted keys and a final newline, so
    // redacting a parsed copy and printing it again changes nothing else.
    let mut log = parse(&text);
    assert_eq!(
        format!("{}\n", serde_json::to_string_pretty(&log).unwrap()),
        text
    );
    // The rules' docs are pinned by `every_lint_is_a_rule_in_registry_order_with_help`;
    // redacted here so that editing a lint's docs does not churn this snapshot.
    for rule in log["runs"][0]["tool"]["driver"]["rules"]
        .as_array_mut()
        .unwrap()
    {
        let id = rule["id"].as_str().unwrap().to_owned();
        rule["fullDescription"]["text"] = format!("[what `{id}` does]").into();
        rule["help"]["text"] = format!("[docs of `{id}`]").into();
        rule["help"]["markdown"] = format!("[docs of `{id}`, markdown]").into();
    }
    format!("{}\n", serde_json::to_string_pretty(&log).unwrap())
}

#[test]
fn payload_contract_snapshot() {
    insta::assert_snapshot!(
        "lint_payload_contract",
        redacted_sarif("fixtures/cases/lint_payload_contract")
    );
}

#[test]
fn choreography_snapshot() {
    insta::assert_snapshot!("choreography", redacted_sarif("fixtures/choreography"));
}

#[test]
fn typo_hints_are_in_the_message() {
    let dir = tree(
        r#"pub fn wire(bus: &EventBus) {
    bus.subscribe("graph.edge_added", |e| println!("{}", e.payload));
}

pub fn link(bus: &EventBus) {
    bus.publish("graph.edge_add", 1);
}
"#,
    );
    let text = sarif(dir.path());
    assert_valid(&text);
    let log = parse(&text);
    let messages: Vec<&str> = results(&log)
        .iter()
        .map(|r| r["message"]["text"].as_str().unwrap())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("\nhelp: did you mean `graph.edge_added`?")),
        "{messages:#?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("\nhelp: did you mean `graph.edge_add`?")),
        "{messages:#?}"
    );
}

const MOVABLE: &str = r#"use serde_json::json;

pub fn wire(bus: &EventBus) {
    bus.subscribe("order.created", |e| println!("{}", e.payload));
}

pub fn place_order(bus: &EventBus, id: u64) {
    bus.publish("order.created", json!({ "id": id }));
    bus.publish("order.shipped", json!({ "id": id }));
}
"#;

/// The one result of the tree, with its start line.
fn only_result(source: &str) -> (String, u64) {
    let dir = tree(source);
    let text = sarif(dir.path());
    assert_valid(&text);
    let log = parse(&text);
    let results = results(&log);
    assert_eq!(results.len(), 1, "{text}");
    let line = results[0]["locations"][0]["physicalLocation"]["region"]["startLine"]
        .as_u64()
        .unwrap();
    (fingerprint(&results[0]).to_owned(), line)
}

#[test]
fn fingerprints_survive_moved_lines_but_not_another_event() {
    let (before, line) = only_result(MOVABLE);

    let moved = MOVABLE.replacen("pub fn place_order", "\n\n\n\n\npub fn place_order", 1);
    let (after, moved_line) = only_result(&moved);
    assert_eq!(moved_line, line + 5);
    assert_eq!(after, before);

    let renamed = MOVABLE.replace("order.shipped", "order.cancelled");
    let (other, _) = only_result(&renamed);
    assert_ne!(other, before);
}

#[test]
fn alike_findings_in_one_file_get_distinct_fingerprints() {
    // Two subscriptions with the same dynamic key in one function: same lint, file and
    // message, so only their order tells them apart.
    let dynamic = tree(
        r#"pub fn twice(bus: &EventBus, name: &str) {
    bus.subscribe(name, |e| println!("{}", e.payload));
    bus.subscribe(name, |e| println!("{}", e.payload));
}
"#,
    );
    let log = parse(&sarif(dynamic.path()));
    let prints: Vec<&str> = results(&log).iter().map(fingerprint).collect();
    assert_eq!(prints.len(), 2, "{prints:?}");
    assert_ne!(prints[0], prints[1]);
    assert_eq!(
        prints[0].rsplit_once(':').unwrap().0,
        prints[1].rsplit_once(':').unwrap().0
    );
    assert!(prints[0].ends_with(":1") && prints[1].ends_with(":2"));
}

#[test]
fn output_is_deterministic() {
    let dir = fixture("fixtures/choreography");
    assert_eq!(sarif(&dir), sarif(&dir));
}

/// Guards the guard: the validator really applies the schema.
#[test]
fn the_schema_rejects_a_broken_log() {
    let text = sarif(&fixture("fixtures/cases/lint_payload_contract"));
    let validator = validator();
    for (pointer, value) in [
        ("/version", Value::from("2.0.0")),
        ("/runs/0/results/0/level", Value::from("fatal")),
        (
            "/runs/0/results/0/locations/0/physicalLocation/region/startLine",
            Value::from(0),
        ),
    ] {
        let mut log = parse(&text);
        *log.pointer_mut(pointer).unwrap() = value;
        assert!(!validator.is_valid(&log), "{pointer} was not checked");
    }
}

#[test]
fn a_merged_report_is_valid_sarif() {
    let inputs: Vec<choreo::merge::Input> = ["orders", "billing"]
        .iter()
        .map(|service| {
            let dir = fixture(&format!("fixtures/services/{service}"));
            choreo::merge::Input::new(Path::new(&format!("{service}.json")), analyze(&dir).report)
        })
        .collect();
    let config =
        choreo::config::Config::parse("nats.toml", "[analysis]\ntopic_syntax = \"nats\"\n")
            .unwrap();
    let merged = choreo::merge::merge(&inputs, &config, &config.levels);
    let text = choreo::render::sarif::render(&merged);
    assert_valid(&text);
    let log = parse(&text);
    let services: Vec<&Value> = results(&log)
        .iter()
        .map(|result| &result["properties"]["service"])
        .collect();
    assert_eq!(services, [&Value::from("orders")]);
}

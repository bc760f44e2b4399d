//! `choreo export --format asyncapi`: the documents of the bundled sample and of a merged
//! two-service report pass the official AsyncAPI 3.0.0 JSON Schema, are deterministic, and
//! say what DESIGN.md lists (channels per key, send/receive per component, payloads,
//! `x-choreo-sites`).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(fixture("tests/data/asyncapi/asyncapi-3.0.0.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(schema["properties"]["asyncapi"]["const"], "3.0.0");
    jsonschema::options()
        .offline()
        .build(&schema)
        .expect("the AsyncAPI schema compiles")
}

#[test]
fn the_schema_rejects_what_asyncapi_does() {
    // The validator is no rubber stamp: no `info`, or an unknown action, is refused.
    let validator = validator();
    assert!(!validator.is_valid(&serde_json::json!({"asyncapi": "3.0.0"})));
    assert!(!validator.is_valid(&serde_json::json!({
        "asyncapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "channels": {"a": {"address": "a"}},
        "operations": {"o": {"action": "shout", "channel": {"$ref": "#/channels/a"}}},
    })));
}

fn assert_valid(document: &Value) {
    let errors: Vec<String> = validator()
        .iter_errors(document)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{document:#}");
}

fn choreo(args: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
    let output = Command::cargo_bin("choreo")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

#[test]
fn the_sample_exports_a_valid_asyncapi_document() {
    let sample = fixture("fixtures/choreography");
    let args = [
        "export".as_ref(),
        "--format".as_ref(),
        "asyncapi".as_ref(),
        sample.as_os_str(),
    ];
    let (code, text) = choreo(&args);
    assert_eq!(code, Some(0), "{text}");
    let document: Value = serde_json::from_str(&text).unwrap();
    assert_valid(&document);
    assert_eq!(document["asyncapi"], "3.0.0");
    // One channel per event key, addressed by the key.
    let channels = document["channels"].as_object().unwrap();
    let addresses: Vec<&str> = channels
        .values()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    assert!(addresses.contains(&"graph.edge_added"), "{addresses:?}");
    // A send and a receive operation, with their sites.
    let operations = document["operations"].as_object().unwrap();
    assert!(operations.values().any(|o| o["action"] == "send"));
    assert!(operations.values().any(|o| o["action"] == "receive"));
    assert!(operations
        .values()
        .all(|o| !o["x-choreo-sites"].as_array().unwrap().is_empty()));
    // The sample's contract gives the payload's required fields.
    let edge = channels
        .iter()
        .find(|(_, c)| c["address"] == "graph.edge_added")
        .map(|(id, _)| id.clone())
        .unwrap();
    let payload = &document["components"]["messages"][&edge]["payload"];
    assert!(payload.to_string().contains("source"), "{payload}");
    // Deterministic, and pinned.
    assert_eq!(choreo(&args).1, text);
    insta::assert_snapshot!("sample_asyncapi", text);
}

#[test]
fn a_merged_report_exports_service_prefixed_operations() {
    let dir = tempfile::tempdir().unwrap();
    for service in ["orders", "billing"] {
        let out = dir.path().join(format!("{service}.json"));
        let tree = fixture(&format!("fixtures/services/{service}"));
        choreo(&[
            "analyze".as_ref(),
            tree.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
            "-q".as_ref(),
        ]);
    }
    let merged = dir.path().join("merged.json");
    let config = dir.path().join("system.toml");
    std::fs::write(&config, "[analysis]\ntopic_syntax = \"nats\"\n").unwrap();
    choreo(&[
        "merge".as_ref(),
        dir.path().join("orders.json").as_os_str(),
        dir.path().join("billing.json").as_os_str(),
        "-c".as_ref(),
        config.as_os_str(),
        "-o".as_ref(),
        merged.as_os_str(),
    ]);
    let (code, text) = choreo(&["export".as_ref(), "--report".as_ref(), merged.as_os_str()]);
    assert_eq!(code, Some(0), "{text}");
    let document: Value = serde_json::from_str(&text).unwrap();
    assert_valid(&document);
    assert_eq!(
        document["x-choreo-services"],
        serde_json::json!(["billing", "orders"])
    );
    let operations = document["operations"].as_object().unwrap();
    assert!(
        operations.keys().any(|id| id.starts_with("orders.")),
        "{operations:#?}"
    );
    assert!(
        operations.keys().any(|id| id.starts_with("billing.")),
        "{operations:#?}"
    );
    // A wildcard subscription keeps its wildcard in the address.
    let addresses: Vec<&str> = document["channels"]
        .as_object()
        .unwrap()
        .values()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    assert!(addresses.contains(&"orders.*"), "{addresses:?}");
}

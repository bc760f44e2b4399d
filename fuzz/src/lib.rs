//! What every fuzz target asserts about one analysis: it did not panic (libFuzzer sees
//! that), and its report is valid — it serializes to JSON of the documented shape, its
//! counts agree with its lists, and its `analysis_hash` is 64 lowercase hex digits that
//! recomputing from the report reproduces.

use choreo::config::Config;
use choreo::lints::Levels;

/// Analyzes `sources` with `config` and checks the report; panics on any violation.
pub fn check(sources: &[(String, String)], config: &Config) {
    let analysis = choreo::analyze_sources(sources, config, &Levels::default());
    let report = &analysis.report;

    let hash = &report.analysis_hash;
    assert_eq!(hash.len(), 64, "analysis_hash {hash:?}");
    assert!(
        hash.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "analysis_hash {hash:?}"
    );
    assert_eq!(
        &choreo::report::analysis_hash(report),
        hash,
        "hash does not recompute"
    );

    let json = report.to_json();
    let value: serde_json::Value = serde_json::from_str(&json).expect("report is not JSON");
    assert_eq!(value["schema_version"], 2);
    let summary = &value["summary"];
    let count = |name: &str| summary[name].as_u64().expect(name);
    assert_eq!(count("files_scanned"), sources.len() as u64);
    assert_eq!(
        count("files_parsed") + count("parse_errors"),
        count("files_scanned"),
        "summary {summary}"
    );
    assert_eq!(
        value["parse_errors"].as_array().map(Vec::len),
        Some(count("parse_errors") as usize)
    );
    assert_eq!(
        value["events"].as_array().map(Vec::len),
        Some(count("event_types") as usize)
    );
    // proc-macro2 keeps no span locations under `cfg(fuzzing)` (every line is 0 there), so
    // lines are only checked in ordinary builds, such as the root's regression tests.
    if !cfg!(fuzzing) {
        for finding in value["findings"].as_array().expect("findings") {
            assert!(
                finding["line"].as_u64().is_some_and(|line| line >= 1),
                "{finding}"
            );
        }
    }

    // The renderers that need no file system must not panic either.
    let _ = choreo::render::sarif::render(report);
    let _ = choreo::render::github::render(report);
}

/// The configs the targets choose between: the default, and each topic syntax with every
/// preset, so that wildcard matching and preset rules are fuzzed too.
pub fn config(choice: u8) -> Config {
    const TOMLS: &[&str] = &[
        "",
        "[analysis]\ntopic_syntax = \"nats\"\npresets = [\"generic\", \"nats\", \"redis\"]\n",
        "[analysis]\ntopic_syntax = \"mqtt\"\npresets = [\"generic\", \"mqtt\", \"tauri\"]\n",
        "[analysis]\ntopic_syntax = \"glob\"\npresets = [\"generic\", \"bevy\", \"tauri\"]\n\
         [events]\nexternal_subscribers = [\"ui.*\"]\naliases = { \"a_b\" = \"a.b\" }\n\
         [contracts.\"a.b\"]\nrequired_fields = [\"id\"]\n",
    ];
    let text = TOMLS[choice as usize % TOMLS.len()];
    Config::parse("choreo.toml", text).expect("fuzz configs are valid")
}

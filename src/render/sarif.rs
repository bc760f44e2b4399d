//! SARIF 2.1.0: the static-analysis interchange format that GitHub code scanning and most
//! CI dashboards ingest. One run; every lint of the registry is a rule, every finding a
//! result located relative to `%SRCROOT%` (the analyzed root).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::lints::{Level, Lint, LINTS};
use crate::report::{Finding, Report};

/// Where the SARIF 2.1.0 schema is published; consumers key on this and `version`.
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The base every artifact URI is relative to: the analyzed root.
const SRCROOT: &str = "%SRCROOT%";

/// The name of choreo's entry in `partialFingerprints`. Bump the suffix whenever the
/// fingerprint's inputs change, so a consumer never matches old and new fingerprints.
const FINGERPRINT: &str = "choreo/v1";

/// Where a reader learns about the tool (`driver.informationUri`): the package's homepage,
/// else its repository. Empty while `Cargo.toml` names neither; the field is left out then,
/// rather than filled with an address nobody serves.
const INFORMATION_URI: &str = or_else(env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY"));

/// `first` unless it is empty, else `second`.
const fn or_else(first: &'static str, second: &'static str) -> &'static str {
    if first.is_empty() {
        second
    } else {
        first
    }
}

/// The report as a SARIF 2.1.0 log: pretty JSON, ending in a newline.
pub fn render(report: &Report) -> String {
    let fingerprints = fingerprints(report);
    let results: Vec<Value> = report
        .findings
        .iter()
        .zip(&fingerprints)
        .map(|(finding, fingerprint)| result(finding, fingerprint))
        .collect();
    let mut log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": report.tool.name,
                    "version": report.tool.version,
                    "rules": LINTS.iter().map(|lint| rule(lint)).collect::<Vec<_>>(),
                },
            },
            "originalUriBaseIds": {
                SRCROOT: {
                    "description": { "text": "The root of the analyzed tree." },
                },
            },
            // choreo counts columns in characters (proc-macro2 spans), not UTF-16 units.
            "columnKind": "unicodeCodePoints",
            "invocations": [{ "executionSuccessful": true }],
            "results": results,
        }],
    });
    if !INFORMATION_URI.is_empty() {
        log["runs"][0]["tool"]["driver"]["informationUri"] = json!(INFORMATION_URI);
    }
    // Same input, same bytes: keys sorted even if a dependency turns on serde_json's
    // `preserve_order` (a no-op otherwise, where maps are already sorted).
    log.sort_all_objects();
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

/// A lint as a `reportingDescriptor`.
fn rule(lint: &Lint) -> Value {
    json!({
        "id": lint.name,
        "shortDescription": { "text": lint.summary },
        "fullDescription": { "text": what_it_does(lint) },
        "help": {
            "text": lint.docs.replace("## ", ""),
            "markdown": lint.docs,
        },
        "defaultConfiguration": { "level": level(lint.default_level) },
        "properties": { "tags": ["choreo", "event-flow"] },
    })
}

/// The "What it does" section of a lint's docs as one paragraph; the summary if the
/// section is missing (the registry's tests make sure it is not).
fn what_it_does(lint: &Lint) -> String {
    const HEADING: &str = "## What it does";
    let Some(start) = lint.docs.find(HEADING) else {
        return lint.summary.to_owned();
    };
    let body = &lint.docs[start + HEADING.len()..];
    let body = body.find("\n## ").map_or(body, |end| &body[..end]);
    let text = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        lint.summary.to_owned()
    } else {
        text
    }
}

/// SARIF's name for a level. `allow` findings never reach a report; `none` keeps the
/// mapping total.
fn level(level: Level) -> &'static str {
    match level {
        Level::Deny => "error",
        Level::Warn => "warning",
        Level::Allow => "none",
    }
}

/// A finding as a `result`.
fn result(finding: &Finding, fingerprint: &str) -> Value {
    // GitHub shows only the message, so the help (and with it any "did you mean" hint)
    // goes into the message too.
    let text = if finding.help.is_empty() {
        finding.message.clone()
    } else {
        format!("{}\nhelp: {}", finding.message, finding.help)
    };
    let mut primary = location(&finding.file, finding.line, finding.column);
    if !finding.label.is_empty() {
        primary["message"] = json!({ "text": finding.label });
    }
    let mut result = json!({
        "ruleId": finding.lint,
        "level": level(finding.level),
        "message": { "text": text },
        "locations": [primary],
        "partialFingerprints": { FINGERPRINT: fingerprint },
    });
    // In a merged report the file is in the service's tree; SARIF has no per-result base
    // for it, so the service rides along as a property.
    if let Some(service) = &finding.service {
        result["properties"] = json!({ "service": service });
    }
    if let Some(index) = LINTS.iter().position(|lint| lint.name == finding.lint) {
        result["ruleIndex"] = json!(index);
    }
    if !finding.related.is_empty() {
        let related: Vec<Value> = finding
            .related
            .iter()
            .enumerate()
            .map(|(id, related)| {
                let mut place = location(&related.file, related.line, related.column);
                place["id"] = json!(id + 1);
                place["message"] = json!({ "text": related.message });
                place
            })
            .collect();
        result["relatedLocations"] = Value::Array(related);
    }
    result
}

/// A `location` with a physical location in the analyzed tree. A line or column of 0
/// (unknown) is left out rather than written, since SARIF counts both from 1.
fn location(file: &str, line: u32, column: u32) -> Value {
    let mut region = serde_json::Map::new();
    if line > 0 {
        region.insert("startLine".to_owned(), json!(line));
        if column > 0 {
            region.insert("startColumn".to_owned(), json!(column));
        }
    }
    let mut physical = json!({
        "artifactLocation": { "uri": uri(file), "uriBaseId": SRCROOT },
    });
    if !region.is_empty() {
        physical["region"] = Value::Object(region);
    }
    json!({ "physicalLocation": physical })
}

/// A report path (relative, `/`-separated) as a relative URI reference: bytes outside
/// the unreserved set and a few safe delimiters are percent-encoded, so a space, `%`, `#`
/// or `?` in a file name cannot change what the URI points at. `:` is encoded too, lest
/// a first segment like `c:` read as a scheme.
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b'@' => out.push(char::from(byte)),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// One fingerprint per finding, in order: the baseline's fingerprint (lint, event key,
/// file, component: stable when code moves), so a code-scanning service and a baseline
/// recognize the same findings. Findings that still fingerprint alike (two identical
/// violations in one file) are told apart by their order in the file, which moving code
/// does not change: `hash:1`, `hash:2`, …
fn fingerprints(report: &Report) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    report
        .findings
        .iter()
        .map(|finding| {
            let hash = crate::baseline::fingerprint(finding);
            let occurrence = seen.entry(hash.clone()).or_insert(0);
            *occurrence += 1;
            format!("{hash}:{occurrence}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("src/graph/builder.rs"), "src/graph/builder.rs");
        assert_eq!(uri("my dir/a#b%.rs"), "my%20dir/a%23b%25.rs");
        assert_eq!(uri("c:x.rs"), "c%3Ax.rs");
        assert_eq!(uri("ü.rs"), "%C3%BC.rs");
    }

    #[test]
    fn every_lint_has_a_full_description() {
        for lint in LINTS {
            let text = what_it_does(lint);
            assert!(!text.is_empty() && !text.contains("##"), "{}", lint.name);
        }
    }
}

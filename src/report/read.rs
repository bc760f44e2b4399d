//! Reading a report file back: for `diff`, `merge` and `export`, which work from reports
//! rather than sources.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{canonical_hash, Report, SCHEMA_VERSION};

/// Why a report file cannot be used.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ReadError {
    #[error("cannot read report `{}`", path.display())]
    #[diagnostic(
        code(choreo::report::read),
        help("check the path; `choreo analyze -o FILE` writes a report")
    )]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{}` is not a choreo report: {message}", path.display())]
    #[diagnostic(
        code(choreo::report::format),
        help("pass a report written by `choreo analyze -o FILE`")
    )]
    Format { path: PathBuf, message: String },
    #[error(
        "`{}` has schema version {found}; this choreo reads version {}",
        path.display(),
        SCHEMA_VERSION
    )]
    #[diagnostic(
        code(choreo::report::version),
        help("write both reports with the same choreo version")
    )]
    Version { path: PathBuf, found: u64 },
    #[error("`{}` was edited after choreo wrote it: its `analysis_hash` does not match its content", path.display())]
    #[diagnostic(
        code(choreo::report::tampered),
        help("write the report again with `choreo analyze`; a report's hash covers every field")
    )]
    Tampered { path: PathBuf },
}

/// Reads a report written by `choreo analyze` (or `choreo merge`): checks its
/// `schema_version` and that its `analysis_hash` matches its content, then parses it.
///
/// What the wire format leaves out is empty in the result: a finding's `label`,
/// `related`, `notes` and `component`.
pub fn read_report(path: &Path) -> Result<Report, ReadError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReadError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_report(&text, path)
}

/// [`read_report`] on text already read; `path` names it in errors.
pub fn parse_report(text: &str, path: &Path) -> Result<Report, ReadError> {
    let format = |message: String| ReadError::Format {
        path: path.to_owned(),
        message,
    };
    let mut value: Value = serde_json::from_str(text).map_err(|e| format(e.to_string()))?;
    let object = value
        .as_object_mut()
        .ok_or_else(|| format("it is not a JSON object".to_owned()))?;
    let found = object
        .get("schema_version")
        .and_then(Value::as_u64)
        .ok_or_else(|| format("it has no `schema_version`".to_owned()))?;
    if found != u64::from(SCHEMA_VERSION) {
        return Err(ReadError::Version {
            path: path.to_owned(),
            found,
        });
    }
    let recorded = match object.remove("analysis_hash") {
        Some(Value::String(hash)) => hash,
        _ => return Err(format("it has no `analysis_hash`".to_owned())),
    };
    if canonical_hash(&value) != recorded {
        return Err(ReadError::Tampered {
            path: path.to_owned(),
        });
    }
    if let Some(object) = value.as_object_mut() {
        object.insert("analysis_hash".to_owned(), Value::String(recorded));
    }
    serde_json::from_value(value).map_err(|e| format(e.to_string()))
}

/// A finding as the wire has it: its lint a name to look up in the registry.
#[derive(serde::Deserialize)]
struct WireFinding {
    lint: String,
    level: crate::lints::Level,
    event: Option<String>,
    message: String,
    help: String,
    file: String,
    line: u32,
    column: u32,
    #[serde(default)]
    service: Option<String>,
}

// By hand: a derived impl would borrow `lint: &'static str` from the input.
impl<'de> serde::Deserialize<'de> for super::Finding {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = <WireFinding as serde::Deserialize>::deserialize(deserializer)?;
        let lint = crate::lints::lookup(&wire.lint)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown lint `{}`", wire.lint)))?;
        Ok(super::Finding {
            lint: lint.name,
            level: wire.level,
            event: wire.event,
            message: wire.message,
            help: wire.help,
            file: wire.file,
            line: wire.line,
            column: wire.column,
            service: wire.service,
            label: String::new(),
            related: Vec::new(),
            component: None,
            notes: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Report {
        let sources = [(
            "src/lib.rs".to_owned(),
            r#"
            fn a(bus: &Bus) { bus.publish("a.done", 1); }
            fn b(bus: &Bus) { bus.subscribe("b.start", |e| {}); }
            "#
            .to_owned(),
        )];
        let config = crate::config::Config::default();
        let levels = crate::lints::Levels::default();
        crate::analyze_sources(&sources, &config, &levels).report
    }

    #[test]
    fn a_written_report_reads_back_equal() {
        let report = sample();
        let read = parse_report(&report.to_json(), Path::new("r.json")).unwrap();
        // The wire format leaves out what only renderers need.
        let mut expected = report.clone();
        for finding in &mut expected.findings {
            finding.label.clear();
            finding.related.clear();
            finding.notes.clear();
            finding.component = None;
        }
        assert_eq!(read, expected);
        assert_eq!(read.to_json(), report.to_json());
    }

    #[test]
    fn an_edited_report_is_refused() {
        let text = sample().to_json().replace("a.done", "a.gone");
        let error = parse_report(&text, Path::new("r.json")).unwrap_err();
        assert!(matches!(error, ReadError::Tampered { .. }), "{error}");
    }

    #[test]
    fn another_schema_version_is_refused() {
        let text = sample().to_json().replacen(
            &format!("\"schema_version\": {SCHEMA_VERSION}"),
            "\"schema_version\": 99",
            1,
        );
        let error = parse_report(&text, Path::new("r.json")).unwrap_err();
        assert!(
            matches!(error, ReadError::Version { found: 99, .. }),
            "{error}"
        );
    }

    #[test]
    fn not_a_report_is_refused() {
        for text in ["", "[]", "{\"schema_version\": 1}", "not json"] {
            let text = text.replace("1}", &format!("{SCHEMA_VERSION}}}"));
            let error = parse_report(&text, Path::new("r.json")).unwrap_err();
            assert!(matches!(error, ReadError::Format { .. }), "{text}: {error}");
        }
    }
}

//! Baselines: today's findings recorded by a fingerprint that survives line moves (lint,
//! event key, file, component), so an existing codebase can adopt the gate and only new
//! findings fail it. Entries that no longer match anything are reported as stale, so the
//! baseline can only shrink.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::report::{BaselineSummary, Finding, StaleEntry};

/// The baseline file's format version.
const VERSION: u32 = 1;

/// One recorded finding (or several identical ones: `count`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub lint: String,
    pub event: Option<String>,
    pub file: String,
    pub component: Option<String>,
    pub fingerprint: String,
    pub count: usize,
}

/// A baseline file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub entries: Vec<Entry>,
}

/// A baseline file that could not be read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum BaselineError {
    #[error("cannot read baseline `{path}`: {source}")]
    #[diagnostic(code(choreo::baseline))]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("baseline `{path}` is not a choreo baseline: {message}")]
    #[diagnostic(
        code(choreo::baseline),
        help("write a new one with `choreo analyze --write-baseline FILE`")
    )]
    Invalid { path: String, message: String },
}

/// The fingerprint of a finding: stable across line moves and unrelated edits.
pub fn fingerprint(finding: &Finding) -> String {
    fingerprint_of(
        finding.lint,
        finding.event.as_deref(),
        &finding.file,
        finding.component.as_deref(),
    )
}

/// The fingerprint of a finding given by its parts: for findings read back from a report,
/// whose component the wire format leaves out (`choreo diff` finds it from the sites).
pub fn fingerprint_of(
    lint: &str,
    event: Option<&str>,
    file: &str,
    component: Option<&str>,
) -> String {
    let mut hasher = Sha256::new();
    for part in [lint, event.unwrap_or(""), file, component.unwrap_or("")] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Baseline {
    /// Records findings.
    pub fn from_findings(findings: &[Finding]) -> Baseline {
        let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
        for finding in findings {
            let print = fingerprint(finding);
            entries
                .entry(print.clone())
                .or_insert_with(|| Entry {
                    lint: finding.lint.to_owned(),
                    event: finding.event.clone(),
                    file: finding.file.clone(),
                    component: finding.component.clone(),
                    fingerprint: print,
                    count: 0,
                })
                .count += 1;
        }
        let mut entries: Vec<Entry> = entries.into_values().collect();
        entries.sort();
        Baseline {
            version: VERSION,
            entries,
        }
    }

    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let baseline: Baseline =
            serde_json::from_str(&text).map_err(|error| BaselineError::Invalid {
                path: path.display().to_string(),
                message: error.to_string(),
            })?;
        if baseline.version != VERSION {
            return Err(BaselineError::Invalid {
                path: path.display().to_string(),
                message: format!("version {} (expected {VERSION})", baseline.version),
            });
        }
        Ok(baseline)
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Removes the findings the baseline holds (up to each entry's count) and says how
    /// many it hid and which entries matched nothing.
    pub fn apply(&self, findings: &mut Vec<Finding>) -> BaselineSummary {
        let mut left: BTreeMap<&str, usize> = self
            .entries
            .iter()
            .map(|entry| (entry.fingerprint.as_str(), entry.count))
            .collect();
        let before = findings.len();
        findings.retain(|finding| {
            let print = fingerprint(finding);
            match left.get_mut(print.as_str()) {
                Some(count) if *count > 0 => {
                    *count -= 1;
                    false
                }
                _ => true,
            }
        });
        let stale = self
            .entries
            .iter()
            .filter(|entry| left.get(entry.fingerprint.as_str()) == Some(&entry.count))
            .map(|entry| StaleEntry {
                lint: entry.lint.clone(),
                event: entry.event.clone(),
                file: entry.file.clone(),
                component: entry.component.clone(),
            })
            .collect();
        BaselineSummary {
            hidden: before - findings.len(),
            stale,
        }
    }
}

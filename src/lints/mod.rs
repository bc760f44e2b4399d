//! Lints: their metadata and docs (one file per lint), the registry, levels, and the pass
//! that runs every lint over the event graph and applies levels and suppressions.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::graph::EventGraph;
use crate::model::{Location, Model};

mod direct_coupling;
mod dynamic_event_key;
mod feedback_loop;
mod high_fan_out;
mod missing_subscription;
mod orphaned_event;
mod parse_error;
mod payload_contract;
mod unresolved_handler;
mod unused_subscription;
mod unused_suppression;

/// How seriously a lint's findings are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Not reported.
    Allow,
    /// Reported; fails the run only past `--max-warnings`.
    Warn,
    /// Reported and fails the run.
    Deny,
}

impl Level {
    /// Parses `allow`, `warn` or `deny`.
    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A lint's identity and documentation. The docs use fixed headings:
/// What it does / Why is this bad? / Example / How to fix or allow.
#[derive(Debug, PartialEq, Eq)]
pub struct Lint {
    pub name: &'static str,
    pub default_level: Level,
    /// One line: what the lint flags.
    pub summary: &'static str,
    /// Markdown under the four fixed headings; `choreo explain` prints it.
    pub docs: &'static str,
}

/// Every lint choreo knows, in the order `choreo explain` and the docs list them.
pub static LINTS: &[&Lint] = &[
    &orphaned_event::LINT,
    &feedback_loop::LINT,
    &unused_subscription::LINT,
    &high_fan_out::LINT,
    &dynamic_event_key::LINT,
    &unresolved_handler::LINT,
    &payload_contract::LINT,
    &missing_subscription::LINT,
    &parse_error::LINT,
    &unused_suppression::LINT,
    &direct_coupling::LINT,
];

/// Looks a lint up by name.
pub fn lookup(name: &str) -> Option<&'static Lint> {
    LINTS.iter().copied().find(|lint| lint.name == name)
}

/// A secondary place a finding points at ("also published here").
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Label {
    pub location: Location,
    pub message: String,
}

/// One thing a lint found, before levels and suppressions are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub lint: &'static Lint,
    pub event: Option<String>,
    pub message: String,
    pub help: String,
    pub primary: Location,
    /// What the primary label says ("published here").
    pub primary_label: String,
    pub secondary: Vec<Label>,
}

impl Finding {
    /// Every location the finding points at, primary first.
    pub fn locations(&self) -> impl Iterator<Item = &Location> {
        std::iter::once(&self.primary).chain(self.secondary.iter().map(|label| &label.location))
    }
}

/// The effective level of each lint after config and command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Levels(BTreeMap<&'static str, Level>);

impl Default for Levels {
    fn default() -> Self {
        Levels(
            LINTS
                .iter()
                .map(|lint| (lint.name, lint.default_level))
                .collect(),
        )
    }
}

impl Levels {
    pub fn get(&self, lint: &Lint) -> Level {
        self.0.get(lint.name).copied().unwrap_or(lint.default_level)
    }

    pub fn set(&mut self, lint: &'static Lint, level: Level) {
        self.0.insert(lint.name, level);
    }

    pub fn set_all(&mut self, level: Level) {
        for lint in LINTS {
            self.0.insert(lint.name, level);
        }
    }
}

/// A finding that survived levels and suppressions, with its level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leveled {
    pub finding: Finding,
    pub level: Level,
}

/// Runs every lint, then applies inline suppressions and levels. Findings come out sorted
/// by file, line, column, lint and event, so output never depends on lint order.
pub fn lint(model: &Model, graph: &EventGraph, levels: &Levels) -> Vec<Leveled> {
    let mut raw = Vec::new();
    raw.extend(orphaned_event::check(model, graph));
    raw.extend(feedback_loop::check(model, graph));
    raw.extend(unused_subscription::check(model, graph));
    raw.extend(high_fan_out::check(model, graph));
    raw.extend(dynamic_event_key::check(model, graph));
    raw.extend(unresolved_handler::check(model, graph));
    raw.extend(payload_contract::check(model, graph));
    raw.extend(missing_subscription::check(model, graph));
    raw.extend(parse_error::check(model, graph));
    raw.extend(direct_coupling::check(model, graph));

    let (kept, unused) = unused_suppression::apply(model, raw);
    let mut findings: Vec<Leveled> = kept
        .into_iter()
        .chain(unused)
        .filter_map(|finding| {
            let level = levels.get(finding.lint);
            (level != Level::Allow).then_some(Leveled { finding, level })
        })
        .collect();
    findings.sort_by(|a, b| {
        let key = |f: &Leveled| {
            (
                f.finding.primary.clone(),
                f.finding.lint.name,
                f.finding.event.clone(),
                f.finding.message.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_snake_case() {
        let mut seen = std::collections::BTreeSet::new();
        for lint in LINTS {
            assert!(seen.insert(lint.name), "duplicate lint {}", lint.name);
            assert!(lint
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_'));
        }
    }

    #[test]
    fn docs_have_the_fixed_headings_in_order() {
        for lint in LINTS {
            let headings = [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## How to fix or allow",
            ];
            let mut at = 0;
            for heading in headings {
                let found = lint.docs[at..]
                    .find(heading)
                    .unwrap_or_else(|| panic!("{}: missing `{heading}`", lint.name));
                at += found + heading.len();
            }
        }
    }

    #[test]
    fn summaries_are_lowercase_without_final_period() {
        for lint in LINTS {
            assert!(!lint.summary.ends_with('.'), "{}", lint.name);
            assert!(lint.summary.starts_with(|c: char| c.is_lowercase()));
        }
    }
}

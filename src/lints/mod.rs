//! Lints: their metadata and docs (one file per lint), the registry, levels, and the pass
//! that runs every lint over the event graph and applies levels and suppressions.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

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
mod unknown_command;
mod unregistered_command;
mod unresolved_handler;
mod unused_command;
mod unused_subscription;
mod unused_suppression;

/// How seriously a lint's findings are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
    &unknown_command::LINT,
    &unregistered_command::LINT,
    &unused_command::LINT,
    &direct_coupling::LINT,
];

impl Lint {
    /// The lint's documentation page: what `choreo explain` prints and `docs/lints/` holds.
    pub fn page(&self) -> String {
        format!(
            "# {}\n\nDefault level: {}\n\n{}",
            self.name, self.default_level, self.docs
        )
    }
}

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
    /// Lines that explain the finding further (a loop's hops), shown after the help.
    pub notes: Vec<String>,
}

/// Secondary labels, all saying `message`, for sites (indices into `Model::sites`).
fn site_labels(model: &Model, sites: &[usize], message: &str) -> Vec<Label> {
    sites
        .iter()
        .map(|&i| Label {
            location: model.sites[i].location.clone(),
            message: message.to_owned(),
        })
        .collect()
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
    raw.extend(unknown_command::check(model, graph));
    raw.extend(unregistered_command::check(model, graph));
    raw.extend(unused_command::check(model, graph));
    raw.extend(direct_coupling::check(model, graph));

    let (kept, unused) = unused_suppression::apply(model, raw);
    leveled(kept.into_iter().chain(unused), levels)
}

/// The lints that read only the graph's health and loops: what `choreo merge` recomputes
/// for a system of services, where every other finding is carried over from its service.
pub static GRAPH_LINTS: &[&Lint] = &[
    &orphaned_event::LINT,
    &unused_subscription::LINT,
    &feedback_loop::LINT,
];

/// Runs the [`GRAPH_LINTS`] and applies levels, sorted like [`lint`]. There are no
/// suppressions to apply: a merged model has no sources.
pub fn lint_graph(model: &Model, graph: &EventGraph, levels: &Levels) -> Vec<Leveled> {
    let mut raw = Vec::new();
    raw.extend(orphaned_event::check(model, graph));
    raw.extend(unused_subscription::check(model, graph));
    raw.extend(feedback_loop::check(model, graph));
    leveled(raw, levels)
}

/// Levels applied (`allow` dropped), sorted by place, lint, event and message.
fn leveled(raw: impl IntoIterator<Item = Finding>, levels: &Levels) -> Vec<Leveled> {
    let mut findings: Vec<Leveled> = raw
        .into_iter()
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

/// The key on the other side that `key` is probably a typo of: equal after lower-casing
/// with `.`, `_`, `-` and `/` read alike, or within a Damerau–Levenshtein distance of 2 and
/// of a third of the longer key's length. The closest wins; ties go to byte order.
pub fn did_you_mean<'a>(
    key: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let normal = |k: &str| -> Vec<char> {
        k.chars()
            .map(|c| match c {
                '.' | '-' | '/' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect()
    };
    let wanted = normal(key);
    let key_chars: Vec<char> = key.chars().collect();
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == key {
            continue;
        }
        let other = normal(candidate);
        let distance = if other == wanted {
            0
        } else if wanted.len().abs_diff(other.len()) > 2 {
            // Lengths this far apart are more than two edits apart.
            continue;
        } else {
            let candidate_chars: Vec<char> = candidate.chars().collect();
            let longest = key_chars.len().max(candidate_chars.len());
            match damerau_levenshtein(&key_chars, &candidate_chars, 2) {
                Some(distance) if distance * 3 <= longest => distance,
                _ => continue,
            }
        };
        if best.is_none_or(|(d, k)| (distance, candidate) < (d, k)) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// Edit distance with adjacent transpositions (the optimal string alignment variant), or
/// `None` once it is sure to exceed `limit`: every key is compared with every other, so
/// most comparisons stop after a few rows.
fn damerau_levenshtein(a: &[char], b: &[char], limit: usize) -> Option<usize> {
    // Three rows: the one before the last is needed for transpositions.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut last: Vec<usize> = (0..=b.len()).collect();
    let mut row: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        row[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (last[j] + 1).min(row[j - 1] + 1).min(last[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            row[j] = best;
        }
        // A row's smallest cell never decreases further down.
        if row.iter().min().is_some_and(|&min| min > limit) {
            return None;
        }
        std::mem::swap(&mut before, &mut last);
        std::mem::swap(&mut last, &mut row);
    }
    Some(last[b.len()]).filter(|&distance| distance <= limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_hints() {
        let hint = |key, candidates: &[&'static str]| did_you_mean(key, candidates.iter().copied());
        assert_eq!(
            hint("graph.edge_add", &["graph.edge_added", "graph.node_added"]),
            Some("graph.edge_added")
        );
        assert_eq!(
            hint("user_created", &["user.created"]),
            Some("user.created")
        );
        assert_eq!(
            hint("User.Created", &["user.creatd", "user.created"]),
            Some("user.created")
        );
        // Genuinely different short keys are not typos of each other.
        assert_eq!(hint("ab", &["cd"]), None);
        assert_eq!(hint("user.login", &["user.logout"]), None);
        // Ties go to byte order.
        assert_eq!(
            hint("cache.hit", &["cache.hti", "cache.hat"]),
            Some("cache.hat")
        );
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        let distance = |a: &str, b: &str, limit| damerau_levenshtein(&chars(a), &chars(b), limit);
        assert_eq!(distance("ab", "ba", 2), Some(1));
        assert_eq!(distance("", "abc", 3), Some(3));
        assert_eq!(distance("kitten", "sitting", 3), Some(3));
        assert_eq!(distance("kitten", "sitting", 2), None);
        assert_eq!(
            distance("ca", "abc", 3),
            Some(3),
            "no substring edits in OSA"
        );
        assert_eq!(distance("order.placed", "order.plcaed", 2), Some(1));
        assert_eq!(distance("order.placed", "billing.settled", 2), None);
    }

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

//! `choreo diff`: what a change does to the event flows, computed from two reports, the
//! base's and the head's. It needs no sources: `--base REV` analyzes both trees first (see
//! [`git`] for the base tree), and two report files are compared the same way.
//!
//! # Schema (`schema_version` 1)
//!
//! ```text
//! schema_version  1: the diff's own version, apart from the reports'
//! base, head      {analysis_hash}: the two reports compared
//! events          {added[] keys, removed[] keys, health_changed[] {key, from, to}}
//! publishers      {added[], removed[]}: {key, file, component, function}, one entry per site
//! subscribers     {added[], removed[]}: {key, file, component, handler}, one entry per site
//! loops           {added[], removed[]}: each loop its sorted event keys
//! findings        {new[], fixed[]}: {lint, level, event, file, line}
//! fail_on         the conditions asked for (`--fail-on`), sorted by name
//! failed          those of them that hold, sorted by name
//! ```
//!
//! Identities leave lines out, so moving code inside a file, reformatting it or adding lines
//! is no change: an event is its key; a publisher is (key, file, component, function) and a
//! subscriber (key, file, component, handler), counted, so a third identical site is one
//! entry in `added`; a loop is its sorted key set; a finding is its baseline fingerprint
//! (lint, event, file, component), counted the same way. Every array is sorted.

pub mod git;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::graph::Health;
use crate::lints::Level;
use crate::report::{Finding, Report};

pub const SCHEMA_VERSION: u32 = 1;

/// What `--fail-on` can ask for. Declared in name order, so sorting them sorts by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Condition {
    /// Any change in events, sites or loops.
    Any,
    /// An event still subscribed whose last publisher went.
    LostPublisher,
    /// An event still published whose last subscriber went.
    LostSubscriber,
    /// A new `deny` finding.
    NewFindings,
    /// A feedback loop the base does not have.
    NewLoops,
    /// An event orphaned in the head that is not orphaned in the base.
    NewOrphans,
    /// Never fails.
    None,
}

impl Condition {
    pub fn name(self) -> &'static str {
        match self {
            Condition::Any => "any",
            Condition::LostPublisher => "lost-publisher",
            Condition::LostSubscriber => "lost-subscriber",
            Condition::NewFindings => "new-findings",
            Condition::NewLoops => "new-loops",
            Condition::NewOrphans => "new-orphans",
            Condition::None => "none",
        }
    }
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

/// The comparison of two reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    pub schema_version: u32,
    pub base: Side,
    pub head: Side,
    pub events: EventChanges,
    pub publishers: Changes<PublisherId>,
    pub subscribers: Changes<SubscriberId>,
    pub loops: Changes<Vec<String>>,
    pub findings: FindingChanges,
    pub fail_on: Vec<Condition>,
    pub failed: Vec<Condition>,
    /// What renderers show beyond the wire format; not serialized.
    #[serde(skip)]
    pub details: Details,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    pub analysis_hash: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EventChanges {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub health_changed: Vec<HealthChange>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct HealthChange {
    pub key: String,
    pub from: Health,
    pub to: Health,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changes<T> {
    pub added: Vec<T>,
    pub removed: Vec<T>,
}

impl<T> Default for Changes<T> {
    fn default() -> Self {
        Changes {
            added: Vec::new(),
            removed: Vec::new(),
        }
    }
}

impl<T> Changes<T> {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

/// A publisher's identity. Field order is sort order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PublisherId {
    pub key: String,
    pub file: String,
    pub component: String,
    pub function: Option<String>,
}

/// A subscriber's identity. Field order is sort order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SubscriberId {
    pub key: String,
    pub file: String,
    pub component: String,
    pub handler: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FindingChanges {
    pub new: Vec<FindingRef>,
    pub fixed: Vec<FindingRef>,
}

/// A finding as the diff lists it: new ones from the head, fixed ones from the base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingRef {
    pub lint: String,
    pub level: Level,
    pub event: Option<String>,
    pub file: String,
    pub line: u32,
    /// For annotations and human output; not serialized.
    #[serde(skip)]
    pub column: u32,
    #[serde(skip)]
    pub message: String,
    #[serde(skip)]
    pub help: String,
}

impl FindingRef {
    fn new(finding: &Finding) -> FindingRef {
        FindingRef {
            lint: finding.lint.to_owned(),
            level: finding.level,
            event: finding.event.clone(),
            file: finding.file.clone(),
            line: finding.line,
            column: finding.column,
            message: finding.message.clone(),
            help: finding.help.clone(),
        }
    }

    fn sort_key(&self) -> (&str, u32, u32, &str, Option<&str>, Level, &str) {
        (
            &self.file,
            self.line,
            self.column,
            &self.lint,
            self.event.as_deref(),
            self.level,
            &self.message,
        )
    }
}

/// What the renderers need besides the wire format.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Details {
    /// Events orphaned in the head and not in the base, sorted.
    pub new_orphans: Vec<String>,
    /// Events published in both whose last subscriber went, sorted.
    pub lost_subscribers: Vec<String>,
    /// Events subscribed in both whose last publisher went, sorted.
    pub lost_publishers: Vec<String>,
    /// The changed events, their direct neighbours and the flows between them.
    pub flows: Flows,
}

/// The part of the event-to-event flow graph (`subscribers[].publishes`) around the changed
/// events: every changed event, every event one flow away from one, and the flows that touch
/// a changed event, in the base, the head or both.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flows {
    /// Sorted by key.
    pub events: Vec<FlowEvent>,
    /// Sorted by (from, to).
    pub edges: Vec<FlowEdge>,
}

impl Flows {
    /// The event of that key, when the flows hold it.
    pub fn event(&self, key: &str) -> Option<&FlowEvent> {
        self.events
            .binary_search_by(|event| event.key.as_str().cmp(key))
            .ok()
            .map(|i| &self.events[i])
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowEvent {
    pub key: String,
    pub change: EventChange,
    /// Its health in the base, when the base has it.
    pub base: Option<Health>,
    /// Its health in the head, when the head has it.
    pub head: Option<Health>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventChange {
    Added,
    Removed,
    /// Its health, sites, loops or flows out changed.
    Changed,
    /// Unchanged, shown as a neighbour of a changed event.
    Context,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowEdge {
    pub from: String,
    pub to: String,
    pub change: EdgeChange,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EdgeChange {
    Added,
    Removed,
    Kept,
}

impl Diff {
    /// Whether events, sites or loops changed (the `any` condition).
    pub fn flows_changed(&self) -> bool {
        !(self.events.added.is_empty()
            && self.events.removed.is_empty()
            && self.events.health_changed.is_empty()
            && self.publishers.is_empty()
            && self.subscribers.is_empty()
            && self.loops.is_empty())
    }

    /// Whether nothing at all changed, findings included.
    pub fn is_empty(&self) -> bool {
        !self.flows_changed() && self.findings.new.is_empty() && self.findings.fixed.is_empty()
    }

    /// The diff as pretty JSON, ending in a newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// Compares the base's report with the head's and checks the `fail_on` conditions.
pub fn compare(base: &Report, head: &Report, fail_on: &[Condition]) -> Diff {
    let base_events: BTreeMap<&str, &crate::report::Event> =
        base.events.iter().map(|e| (e.key.as_str(), e)).collect();
    let head_events: BTreeMap<&str, &crate::report::Event> =
        head.events.iter().map(|e| (e.key.as_str(), e)).collect();

    let mut events = EventChanges::default();
    for (&key, head_event) in &head_events {
        match base_events.get(key) {
            None => events.added.push(key.to_owned()),
            Some(base_event) if base_event.health != head_event.health => {
                events.health_changed.push(HealthChange {
                    key: key.to_owned(),
                    from: base_event.health,
                    to: head_event.health,
                });
            }
            Some(_) => {}
        }
    }
    events.removed = base_events
        .keys()
        .filter(|key| !head_events.contains_key(*key))
        .map(|key| (*key).to_owned())
        .collect();

    let publishers = counted(publisher_ids(base), publisher_ids(head)).map(
        |(key, file, component, function)| PublisherId {
            key: key.to_owned(),
            file: file.to_owned(),
            component: component.to_owned(),
            function: function.map(str::to_owned),
        },
    );
    let subscribers = counted(subscriber_ids(base), subscriber_ids(head)).map(
        |(key, file, component, handler)| SubscriberId {
            key: key.to_owned(),
            file: file.to_owned(),
            component: component.to_owned(),
            handler: handler.map(str::to_owned),
        },
    );
    let loops = counted(
        base.feedback_loops.iter().map(|l| l.events.as_slice()),
        head.feedback_loops.iter().map(|l| l.events.as_slice()),
    )
    .map(<[String]>::to_vec);
    let findings = compare_findings(base, head);

    let base_orphans: BTreeSet<&str> = base.orphaned_events.iter().map(String::as_str).collect();
    let new_orphans: Vec<String> = head
        .orphaned_events
        .iter()
        .filter(|key| !base_orphans.contains(key.as_str()))
        .cloned()
        .collect();
    let (lost_subscribers, lost_publishers) = lost(base, head, &base_events, &head_events);

    let mut diff = Diff {
        schema_version: SCHEMA_VERSION,
        base: Side {
            analysis_hash: base.analysis_hash.clone(),
        },
        head: Side {
            analysis_hash: head.analysis_hash.clone(),
        },
        events,
        publishers,
        subscribers,
        loops,
        findings,
        fail_on: Vec::new(),
        failed: Vec::new(),
        details: Details {
            new_orphans,
            lost_subscribers,
            lost_publishers,
            flows: Flows::default(),
        },
    };
    diff.details.flows = flows(&diff, base, head, &base_events, &head_events);

    let asked: BTreeSet<Condition> = fail_on.iter().copied().collect();
    diff.failed = asked
        .iter()
        .copied()
        .filter(|&condition| holds(&diff, condition))
        .collect();
    diff.fail_on = asked.into_iter().collect();
    diff
}

fn holds(diff: &Diff, condition: Condition) -> bool {
    match condition {
        Condition::Any => diff.flows_changed(),
        Condition::LostPublisher => !diff.details.lost_publishers.is_empty(),
        Condition::LostSubscriber => !diff.details.lost_subscribers.is_empty(),
        Condition::NewFindings => diff
            .findings
            .new
            .iter()
            .any(|finding| finding.level == Level::Deny),
        Condition::NewLoops => !diff.loops.added.is_empty(),
        Condition::NewOrphans => !diff.details.new_orphans.is_empty(),
        Condition::None => false,
    }
}

type PublisherKey<'a> = (&'a str, &'a str, &'a str, Option<&'a str>);

fn publisher_ids(report: &Report) -> impl Iterator<Item = PublisherKey<'_>> {
    report.events.iter().flat_map(|event| {
        event.publishers.iter().map(move |site| {
            (
                event.key.as_str(),
                site.file.as_str(),
                site.component.as_str(),
                site.function.as_deref(),
            )
        })
    })
}

fn subscriber_ids(report: &Report) -> impl Iterator<Item = PublisherKey<'_>> {
    report.events.iter().flat_map(|event| {
        event.subscribers.iter().map(move |site| {
            (
                event.key.as_str(),
                site.file.as_str(),
                site.component.as_str(),
                site.handler.as_deref(),
            )
        })
    })
}

/// Counted identities: an identity the head has more often than the base is added once per
/// extra occurrence, one it has less often removed likewise. Both lists come out sorted.
fn counted<T: Ord + Copy>(
    base: impl Iterator<Item = T>,
    head: impl Iterator<Item = T>,
) -> Changes<T> {
    let mut counts: BTreeMap<T, i64> = BTreeMap::new();
    for id in base {
        *counts.entry(id).or_default() -= 1;
    }
    for id in head {
        *counts.entry(id).or_default() += 1;
    }
    let mut changes = Changes::default();
    for (id, count) in counts {
        let list = if count > 0 {
            &mut changes.added
        } else {
            &mut changes.removed
        };
        list.extend(std::iter::repeat_n(id, count.unsigned_abs() as usize));
    }
    changes
}

impl<T> Changes<T> {
    fn map<U>(self, f: impl Fn(T) -> U) -> Changes<U> {
        Changes {
            added: self.added.into_iter().map(&f).collect(),
            removed: self.removed.into_iter().map(&f).collect(),
        }
    }
}

/// Findings matched by fingerprint, counted: within one fingerprint, findings with the same
/// message pair first (the same finding, moved), then the rest in place order.
fn compare_findings(base: &Report, head: &Report) -> FindingChanges {
    let base_groups = by_fingerprint(base);
    let mut head_groups = by_fingerprint(head);
    let mut changes = FindingChanges::default();
    for (print, mut old) in base_groups {
        let mut new = head_groups.remove(&print).unwrap_or_default();
        new.retain(|finding| {
            match old
                .iter()
                .position(|other| other.message == finding.message)
            {
                Some(i) => {
                    old.remove(i);
                    false
                }
                None => true,
            }
        });
        let paired = old.len().min(new.len());
        changes
            .fixed
            .extend(old[paired..].iter().map(|f| FindingRef::new(f)));
        changes
            .new
            .extend(new[paired..].iter().map(|f| FindingRef::new(f)));
    }
    for (_, new) in head_groups {
        changes.new.extend(new.iter().map(|f| FindingRef::new(f)));
    }
    changes.new.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    changes
        .fixed
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    changes
}

/// A report's findings by baseline fingerprint, each group in report (place) order. A
/// finding read back from a file has no component (the wire format leaves it out), so it is
/// taken from the site at the finding's place, as the analysis took it.
fn by_fingerprint(report: &Report) -> BTreeMap<String, Vec<&Finding>> {
    let mut components: HashMap<(&str, u32, u32), &str> = HashMap::new();
    for event in &report.events {
        let places = event
            .publishers
            .iter()
            .map(|s| (s.file.as_str(), s.line, s.column, s.component.as_str()))
            .chain(
                event
                    .subscribers
                    .iter()
                    .map(|s| (s.file.as_str(), s.line, s.column, s.component.as_str())),
            );
        for (file, line, column, component) in places {
            components.entry((file, line, column)).or_insert(component);
        }
    }
    let mut groups: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
    for finding in &report.findings {
        let component = finding.component.as_deref().or_else(|| {
            components
                .get(&(finding.file.as_str(), finding.line, finding.column))
                .copied()
        });
        let print = crate::baseline::fingerprint_of(
            finding.lint,
            finding.event.as_deref(),
            &finding.file,
            component,
        );
        groups.entry(print).or_default().push(finding);
    }
    groups
}

type EventsByKey<'a> = BTreeMap<&'a str, &'a crate::report::Event>;

/// The events whose last subscriber went (still published in both) and whose last
/// publisher went (still subscribed in both). A key that a wildcard subscription matches is
/// heard by it; a wildcard subscription is fed by the keys it matches.
fn lost(
    base: &Report,
    head: &Report,
    base_events: &EventsByKey<'_>,
    head_events: &EventsByKey<'_>,
) -> (Vec<String>, Vec<String>) {
    let matched = |report: &Report| -> BTreeSet<String> {
        report
            .events
            .iter()
            .flat_map(|event| event.matches.iter().cloned())
            .collect()
    };
    let (base_matched, head_matched) = (matched(base), matched(head));
    let mut subscribers = Vec::new();
    let mut publishers = Vec::new();
    for (&key, old) in base_events {
        let Some(new) = head_events.get(key) else {
            continue;
        };
        let heard_before = !old.subscribers.is_empty() || base_matched.contains(key);
        let heard_now = !new.subscribers.is_empty() || head_matched.contains(key);
        if !old.publishers.is_empty() && !new.publishers.is_empty() && heard_before && !heard_now {
            subscribers.push(key.to_owned());
        }
        let fed_before = !old.publishers.is_empty() || !old.matches.is_empty();
        let fed_now = !new.publishers.is_empty() || !new.matches.is_empty();
        if !old.subscribers.is_empty() && !new.subscribers.is_empty() && fed_before && !fed_now {
            publishers.push(key.to_owned());
        }
    }
    (subscribers, publishers)
}

/// The event-to-event flows of a report: an edge from an event to each key a handler
/// subscribed to it publishes.
fn edges(report: &Report) -> BTreeSet<(&str, &str)> {
    report
        .events
        .iter()
        .flat_map(|event| {
            event.subscribers.iter().flat_map(move |site| {
                site.publishes
                    .iter()
                    .map(move |to| (event.key.as_str(), to.as_str()))
            })
        })
        .collect()
}

fn flows(
    diff: &Diff,
    base: &Report,
    head: &Report,
    base_events: &EventsByKey<'_>,
    head_events: &EventsByKey<'_>,
) -> Flows {
    let (base_edges, head_edges) = (edges(base), edges(head));
    let mut changed: BTreeSet<&str> = BTreeSet::new();
    changed.extend(diff.events.added.iter().map(String::as_str));
    changed.extend(diff.events.removed.iter().map(String::as_str));
    changed.extend(diff.events.health_changed.iter().map(|c| c.key.as_str()));
    for id in diff.publishers.added.iter().chain(&diff.publishers.removed) {
        changed.insert(&id.key);
    }
    for id in diff
        .subscribers
        .added
        .iter()
        .chain(&diff.subscribers.removed)
    {
        changed.insert(&id.key);
    }
    for keys in diff.loops.added.iter().chain(&diff.loops.removed) {
        changed.extend(keys.iter().map(String::as_str));
    }
    // A flow that appeared or went changes what its source event's handlers do.
    changed.extend(
        base_edges
            .symmetric_difference(&head_edges)
            .map(|(from, _)| *from),
    );

    let mut edges: Vec<FlowEdge> = Vec::new();
    let mut shown: BTreeSet<&str> = changed.clone();
    for &(from, to) in base_edges.union(&head_edges) {
        if !(changed.contains(from) || changed.contains(to)) {
            continue;
        }
        shown.insert(from);
        shown.insert(to);
        let change = match (
            base_edges.contains(&(from, to)),
            head_edges.contains(&(from, to)),
        ) {
            (true, true) => EdgeChange::Kept,
            (false, _) => EdgeChange::Added,
            (true, false) => EdgeChange::Removed,
        };
        edges.push(FlowEdge {
            from: from.to_owned(),
            to: to.to_owned(),
            change,
        });
    }
    let events = shown
        .into_iter()
        .map(|key| {
            let base = base_events.get(key).map(|e| e.health);
            let head = head_events.get(key).map(|e| e.health);
            let change = match (base, head) {
                (None, Some(_)) => EventChange::Added,
                (Some(_), None) => EventChange::Removed,
                _ if changed.contains(key) => EventChange::Changed,
                _ => EventChange::Context,
            };
            FlowEvent {
                key: key.to_owned(),
                change,
                base,
                head,
            }
        })
        .collect();
    Flows { events, edges }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(source: &str) -> Report {
        let sources = [("src/lib.rs".to_owned(), source.to_owned())];
        let config = crate::config::Config::default();
        let levels = crate::lints::Levels::default();
        crate::analyze_sources(&sources, &config, &levels).report
    }

    /// A report as a file holds it: what the wire format leaves out is gone.
    fn reread(report: &Report) -> Report {
        crate::report::parse_report(&report.to_json(), std::path::Path::new("r.json")).unwrap()
    }

    const BASE: &str = r#"
struct Orders;
impl Orders {
    fn place(&self, bus: &Bus) { bus.publish("order.placed", 1); }
}
struct Billing;
impl Billing {
    fn start(&self, bus: &Bus) { bus.subscribe("order.placed", |e| {}); }
}
"#;

    #[test]
    fn the_same_report_is_no_change() {
        let base = report(BASE);
        let diff = compare(&base, &base, &[Condition::Any, Condition::NewFindings]);
        assert!(diff.is_empty(), "{diff:#?}");
        assert!(diff.failed.is_empty());
        assert!(diff.details.flows.events.is_empty());
    }

    #[test]
    fn moved_lines_are_no_change() {
        let base = report(BASE);
        let moved = format!(
            "\n\n// a comment\n{}",
            BASE.replace("{ bus.", "{\n        bus.")
        );
        let head = report(&moved);
        assert_ne!(base.analysis_hash, head.analysis_hash);
        let diff = compare(&base, &head, &[Condition::Any]);
        assert!(diff.is_empty(), "{diff:#?}");
    }

    #[test]
    fn a_third_identical_site_is_one_added_entry() {
        let twice = BASE.replace(
            "bus.publish(\"order.placed\", 1);",
            "bus.publish(\"order.placed\", 1); bus.publish(\"order.placed\", 2);",
        );
        let thrice = BASE.replace(
            "bus.publish(\"order.placed\", 1);",
            "bus.publish(\"order.placed\", 1); bus.publish(\"order.placed\", 2); bus.publish(\"order.placed\", 3);",
        );
        let diff = compare(&report(&twice), &report(&thrice), &[Condition::Any]);
        assert_eq!(diff.publishers.added.len(), 1, "{diff:#?}");
        assert!(diff.publishers.removed.is_empty());
        assert_eq!(diff.failed, vec![Condition::Any]);
        let back = compare(&report(&thrice), &report(&twice), &[]);
        assert_eq!(back.publishers.removed, diff.publishers.added);
    }

    #[test]
    fn a_removed_subscriber_is_a_lost_subscriber_and_a_new_orphan() {
        let head = BASE.replace("bus.subscribe(\"order.placed\", |e| {});", "");
        let diff = compare(
            &report(BASE),
            &report(&head),
            &[
                Condition::LostSubscriber,
                Condition::NewOrphans,
                Condition::LostPublisher,
                Condition::NewFindings,
            ],
        );
        assert_eq!(diff.details.lost_subscribers, vec!["order.placed"]);
        assert_eq!(diff.details.new_orphans, vec!["order.placed"]);
        assert!(diff.details.lost_publishers.is_empty());
        assert_eq!(
            diff.failed,
            vec![
                Condition::LostSubscriber,
                Condition::NewFindings,
                Condition::NewOrphans
            ]
        );
        assert_eq!(
            diff.events.health_changed,
            vec![HealthChange {
                key: "order.placed".to_owned(),
                from: Health::Healthy,
                to: Health::Orphaned
            }]
        );
        assert_eq!(diff.findings.new.len(), 1);
        assert_eq!(diff.findings.new[0].lint, "orphaned_event");
    }

    #[test]
    fn findings_match_by_fingerprint_in_read_back_reports_too() {
        // An orphan in both, moved down a few lines: the same finding.
        let base = BASE.replace("bus.subscribe(\"order.placed\", |e| {});", "");
        let head = format!("\n\n\n{base}");
        let diff = compare(&reread(&report(&base)), &reread(&report(&head)), &[]);
        assert!(diff.is_empty(), "{diff:#?}");
        // The component is part of the fingerprint: the same orphan published from another
        // component is a new finding and a fixed one.
        let elsewhere = base.replace("impl Orders", "impl Shipping");
        let diff = compare(&reread(&report(&base)), &reread(&report(&elsewhere)), &[]);
        assert_eq!(diff.findings.new.len(), 1, "{diff:#?}");
        assert_eq!(diff.findings.fixed.len(), 1);
    }

    #[test]
    fn none_never_fails_and_conditions_are_sorted_by_name() {
        let head = BASE.replace("bus.subscribe(\"order.placed\", |e| {});", "");
        let diff = compare(
            &report(BASE),
            &report(&head),
            &[Condition::None, Condition::NewOrphans, Condition::Any],
        );
        assert_eq!(
            diff.fail_on,
            vec![Condition::Any, Condition::NewOrphans, Condition::None]
        );
        assert_eq!(diff.failed, vec![Condition::Any, Condition::NewOrphans]);
        let json: serde_json::Value = serde_json::from_str(&diff.to_json()).unwrap();
        assert_eq!(
            json["fail_on"],
            serde_json::json!(["any", "new-orphans", "none"])
        );
    }

    #[test]
    fn a_flow_that_appears_marks_its_source_and_shows_its_target() {
        let base = r#"
struct A;
impl A {
    fn start(&self, bus: &Bus) { bus.subscribe("a", |e| { }); }
    fn fire(&self, bus: &Bus) { bus.publish("a", 1); bus.publish("b", 1); }
}
struct B;
impl B {
    fn start(&self, bus: &Bus) { bus.subscribe("b", |e| {}); }
}
"#;
        let head = base.replace(
            "bus.subscribe(\"a\", |e| { });",
            "bus.subscribe(\"a\", |e| { bus.publish(\"b\", 2); });",
        );
        let diff = compare(&report(base), &report(&head), &[]);
        let flows = &diff.details.flows;
        assert_eq!(
            flows.edges,
            vec![FlowEdge {
                from: "a".to_owned(),
                to: "b".to_owned(),
                change: EdgeChange::Added
            }]
        );
        assert_eq!(flows.event("a").unwrap().change, EventChange::Changed);
        // `b` gained a publisher too.
        assert_eq!(flows.event("b").unwrap().change, EventChange::Changed);
    }
}

//! The report: `eventbus_analysis_report.json`, choreo's wire format.
//!
//! # Schema (`schema_version` 2)
//!
//! ```text
//! schema_version   2; bumped on any change that could break a reader
//! tool             {name, version}
//! project          `[analysis] name`, else the package name of PATH/Cargo.toml, else null
//!                  (never the directory's name)
//! summary          {event_types, publications, subscriptions, components,
//!                   files_scanned, files_parsed, parse_errors, files_unreachable}
//! events[]         {key, health, publishers[], subscribers[], matches[]?}, sorted by key;
//!                  health: healthy | orphaned | unused | looping | dynamic | external;
//!                  publishers[]  {file, line, column, component, function, payload_keys[]}
//!                  subscribers[] {file, line, column, component, handler, publishes[]};
//!                  publishes[]: what the handler publishes, directly or through calls
//!                  (the graph's edges), sorted: enough to merge and diff without sources
//!                  matches[] only on wildcard subscriptions: the published keys they match
//! components[]     {name, publishes[], subscribes[]}, sorted by name
//! orphaned_events  keys, sorted
//! unused_subscriptions  keys, sorted
//! feedback_loops[] {events[], path[]}: events sorted; path is the shortest cycle through
//!                  the smallest key, one hop per event: {event, subscribed_at, handler
//!                  ("Component::handler"), via[] (the functions the handler calls on the
//!                  way to the publish), publishes, published_at}
//! commands[]       Tauri only, absent when empty: {name, defined_at ("file:line" or null),
//!                  registered, invoked_at[] ("file:line")}, sorted by name
//! findings[]       {lint, level, event, message, help, file, line, column}: what remains
//!                  after levels and suppressions, sorted by place
//! parse_errors[]   {file, line, column, message}
//! baseline         {hidden, stale[]}: only when `--baseline` was given
//! services         merged reports only (`choreo merge`): the service names, sorted; every
//!                  site, component, loop hop, finding and parse error then carries `service`
//! analysis_hash    SHA-256 (hex) of the canonical JSON of everything above
//! ```
//!
//! Paths are relative to the analyzed root with `/`; every array is sorted; nothing depends
//! on the machine, the clock, the directory the tree is in or the thread count. The
//! canonical JSON sorts object keys and has no insignificant whitespace.
//!
//! Version 2 added `project` and `subscribers[].publishes`; nothing else changed.

mod hash;
mod read;

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use hash::{analysis_hash, canonical_hash};
pub use read::{parse_report, read_report, ReadError};

use crate::graph::{EventGraph, Health};
use crate::lints::{Level, Leveled};
use crate::model::Model;

pub const SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    /// What was analyzed: `[analysis] name`, else the root's `Cargo.toml` package name.
    pub project: Option<String>,
    pub summary: Summary,
    pub events: Vec<Event>,
    pub components: Vec<Component>,
    pub orphaned_events: Vec<String>,
    pub unused_subscriptions: Vec<String>,
    pub feedback_loops: Vec<FeedbackLoop>,
    /// Tauri commands (the `tauri` preset): absent when the tree has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<Command>,
    pub findings: Vec<Finding>,
    pub parse_errors: Vec<ParseError>,
    /// Present when a baseline was applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineSummary>,
    /// In a merged report (`choreo merge`): the names of the services joined, sorted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<Vec<String>>,
    pub analysis_hash: String,
}

/// What a baseline did to a run (DESIGN.md precise rule 14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineSummary {
    /// Findings the baseline hid.
    pub hidden: usize,
    /// Entries that matched no finding: fixed, so the baseline can shrink.
    pub stale: Vec<StaleEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaleEntry {
    pub lint: String,
    pub event: Option<String>,
    pub file: String,
    pub component: Option<String>,
}

/// A Tauri command: where its function is, whether a `generate_handler!` lists it, and
/// where the front end invokes it (`file:line` places).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Command {
    pub name: String,
    pub defined_at: Option<String>,
    pub registered: bool,
    pub invoked_at: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub event_types: usize,
    pub publications: usize,
    pub subscriptions: usize,
    pub components: usize,
    pub files_scanned: usize,
    pub files_parsed: usize,
    pub parse_errors: usize,
    /// Files of a crate that no `mod` reaches (DESIGN.md precise rule 13). Absent from
    /// reports written before it was counted.
    #[serde(default)]
    pub files_unreachable: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub key: String,
    pub health: Health,
    pub publishers: Vec<Publisher>,
    pub subscribers: Vec<Subscriber>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publisher {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub component: String,
    pub function: Option<String>,
    pub payload_keys: Vec<String>,
    /// In a merged report (`choreo merge`): the service the site is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscriber {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub component: String,
    pub handler: Option<String>,
    /// The keys the handler publishes, directly or through calls (the graph's edges), sorted.
    pub publishes: Vec<String>,
    /// In a merged report (`choreo merge`): the service the site is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    pub name: String,
    pub publishes: Vec<String>,
    pub subscribes: Vec<String>,
    /// In a merged report (`choreo merge`): the service the site is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackLoop {
    pub events: Vec<String>,
    pub path: Vec<LoopHop>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoopHop {
    pub event: String,
    pub subscribed_at: String,
    /// `Component::handler`.
    pub handler: String,
    /// The functions the handler calls on the way to the publish, outermost first.
    pub via: Vec<String>,
    pub publishes: String,
    pub published_at: String,
    /// In a merged report (`choreo merge`): the service the site is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

/// Read back through `read::WireFinding`, which looks the lint up in the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub lint: &'static str,
    pub level: Level,
    pub event: Option<String>,
    pub message: String,
    pub help: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// In a merged report (`choreo merge`): the service the finding is in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// What the primary location's label says; for renderers, not part of the wire format.
    #[serde(skip)]
    pub label: String,
    /// Secondary places; for renderers, not part of the wire format.
    #[serde(skip)]
    pub related: Vec<Related>,
    /// The component at the finding's place, for baseline fingerprints.
    #[serde(skip)]
    pub component: Option<String>,
    /// Further explanation (a loop's hops); for renderers, not part of the wire format.
    #[serde(skip)]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Related {
    /// In a merged report: the service of the place.
    pub service: Option<String>,
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParseError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
    /// In a merged report (`choreo merge`): the service the file is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

/// Builds the report of an analysis, hash included; a baseline, if given, hides the
/// findings it holds.
pub fn build_report(
    model: &Model,
    graph: &EventGraph,
    findings: &[Leveled],
    baseline: Option<&crate::baseline::Baseline>,
) -> Report {
    let events: Vec<Event> = graph
        .infos
        .iter()
        .map(|info| Event {
            key: info.key.clone(),
            health: info.health,
            publishers: info
                .publishers
                .iter()
                .map(|&i| {
                    let site = &model.sites[i];
                    Publisher {
                        file: site.location.file.clone(),
                        line: site.location.line,
                        column: site.location.column,
                        component: site.component.clone(),
                        function: site.function.clone(),
                        payload_keys: site
                            .payload
                            .iter()
                            .flatten()
                            .map(|field| field.name.clone())
                            .collect(),
                        service: None,
                    }
                })
                .collect(),
            subscribers: info
                .subscribers
                .iter()
                .map(|&i| {
                    let site = &model.sites[i];
                    Subscriber {
                        file: site.location.file.clone(),
                        line: site.location.line,
                        column: site.location.column,
                        component: site.component.clone(),
                        handler: site.handler.clone(),
                        publishes: published_by(model, i),
                        service: None,
                    }
                })
                .collect(),
            matches: info.matches.clone(),
        })
        .collect();
    let keys_with = |health: Health| -> Vec<String> {
        graph
            .infos
            .iter()
            .filter(|info| info.health == health)
            .map(|info| info.key.clone())
            .collect()
    };
    let components: Vec<Component> = graph
        .components()
        .into_iter()
        .map(|(name, publishes, subscribes)| Component {
            name: name.to_owned(),
            publishes: publishes.into_iter().map(str::to_owned).collect(),
            subscribes: subscribes.into_iter().map(str::to_owned).collect(),
            service: None,
        })
        .collect();
    let mut findings: Vec<Finding> = findings
        .iter()
        .map(|leveled| {
            let finding = &leveled.finding;
            Finding {
                lint: finding.lint.name,
                level: leveled.level,
                event: finding.event.clone(),
                message: finding.message.clone(),
                help: finding.help.clone(),
                file: finding.primary.file.clone(),
                line: finding.primary.line,
                column: finding.primary.column,
                service: None,
                label: finding.primary_label.clone(),
                related: finding
                    .secondary
                    .iter()
                    .map(|label| Related {
                        service: None,
                        file: label.location.file.clone(),
                        line: label.location.line,
                        column: label.location.column,
                        message: label.message.clone(),
                    })
                    .collect(),
                component: component_at(model, &finding.primary),
                notes: finding.notes.clone(),
            }
        })
        .collect();
    let baseline = baseline.map(|baseline| baseline.apply(&mut findings));
    let parse_errors: Vec<ParseError> = model
        .parse_failures
        .iter()
        .map(|failure| ParseError {
            file: failure.location.file.clone(),
            line: failure.location.line,
            column: failure.location.column,
            message: failure.message.clone(),
            service: None,
        })
        .collect();
    let count = |kind| model.sites.iter().filter(|site| site.kind == kind).count();
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "choreo".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        },
        project: model.project.clone(),
        summary: Summary {
            event_types: events.len(),
            publications: count(crate::model::SiteKind::Publish),
            subscriptions: count(crate::model::SiteKind::Subscribe),
            components: components.len(),
            files_scanned: model.files_scanned,
            files_parsed: model.files_parsed,
            parse_errors: parse_errors.len(),
            files_unreachable: model.files_unreachable,
        },
        events,
        components,
        orphaned_events: keys_with(Health::Orphaned),
        unused_subscriptions: keys_with(Health::Unused),
        feedback_loops: feedback_loops(model, graph),
        commands: model
            .commands
            .commands
            .iter()
            .map(|command| {
                let place = |l: &crate::model::Location| format!("{}:{}", l.file, l.line);
                Command {
                    name: command.name.clone(),
                    defined_at: command.defined_at.first().map(place),
                    registered: command.registered(),
                    invoked_at: command.invoked_at.iter().map(place).collect(),
                }
            })
            .collect(),
        findings,
        parse_errors,
        baseline,
        services: None,
        analysis_hash: String::new(),
    };
    report.analysis_hash = analysis_hash(&report);
    report
}

/// The keys the handler of subscribe site `subscribe` publishes: the graph's edges out of it.
fn published_by(model: &Model, subscribe: usize) -> Vec<String> {
    // `flows` is sorted by subscribe site, so the handler's flows are one run.
    let start = model
        .flows
        .partition_point(|flow| flow.subscribe < subscribe);
    let keys: std::collections::BTreeSet<&str> = model.flows[start..]
        .iter()
        .take_while(|flow| flow.subscribe == subscribe)
        .map(|flow| model.sites[flow.publish].key.as_str())
        .collect();
    keys.into_iter().map(str::to_owned).collect()
}

/// The component of the site or coupling at a place, if one is there.
fn component_at(model: &Model, location: &crate::model::Location) -> Option<String> {
    model
        .sites
        .iter()
        .find(|site| &site.location == location)
        .map(|site| site.component.clone())
        .or_else(|| {
            model
                .couplings
                .iter()
                .find(|coupling| &coupling.location == location)
                .map(|coupling| coupling.user.clone())
        })
}

fn feedback_loops(model: &Model, graph: &EventGraph) -> Vec<FeedbackLoop> {
    graph
        .loops
        .iter()
        .map(|cycle| FeedbackLoop {
            events: cycle.events.clone(),
            path: cycle
                .path
                .iter()
                .map(|hop| {
                    let flow = &model.flows[hop.flow];
                    let subscribe = &model.sites[flow.subscribe];
                    let publish = &model.sites[flow.publish];
                    LoopHop {
                        event: hop.event.clone(),
                        subscribed_at: subscribe.location.to_string(),
                        handler: format!(
                            "{}::{}",
                            subscribe.component,
                            subscribe.handler.as_deref().unwrap_or("{handler}")
                        ),
                        via: flow.via.clone(),
                        publishes: publish.key.clone(),
                        published_at: publish.location.to_string(),
                        service: None,
                    }
                })
                .collect(),
        })
        .collect()
}

impl Report {
    /// The report as pretty JSON, ending in a newline: what the report file holds.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Deny-level findings.
    pub fn denials(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.level == Level::Deny)
            .count()
    }

    /// Warn-level findings.
    pub fn warnings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.level == Level::Warn)
            .count()
    }
}

/// Writes `text` to `path` atomically: a temporary file in the same directory, synced,
/// then renamed over the target, so a reader never sees a half-written report. A target
/// that exists and is not a regular file (a device, a fifo) is written through instead.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    // Not a regular file (`/dev/null`, `/dev/stdout`, a fifo): write through it; renaming
    // over it would replace the device.
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return std::fs::write(path, text);
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    // A temporary file is private (0600); the report is an ordinary file, readable like
    // the one it replaces.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777);
        temp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    temp.write_all(text.as_bytes())?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|error| error.error)?;
    Ok(())
}

//! `choreo merge`: joins the reports of several services into one system view.
//!
//! The reports' sites become the sites of one [`Model`] (each place prefixed with its
//! service, so two services' `src/main.rs` stay apart), their `subscribers[].publishes`
//! become its flows, and the ordinary [`build_graph`] and [`lints::lint_graph`] recompute
//! health, loops and their findings under the merge config's topic syntax. Every other
//! finding is about one service's sources and is carried over with its service.
//!
//! Linear in the sites: exact keys meet in the graph's maps; only wildcard subscriptions
//! are matched as patterns (in `graph`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::graph::{build_graph, EventGraph, Health};
use crate::lints::{self, Leveled, Levels, GRAPH_LINTS};
use crate::model::{Flow, Location, Model, Settings, Site, SiteKind};
use crate::report::{
    self, Component, Event, FeedbackLoop, Finding, LoopHop, ParseError, Publisher, ReadError,
    Related, Report, Subscriber, Summary, Tool,
};
use crate::topic;

/// One report to merge, with the service it stands for.
#[derive(Debug, Clone)]
pub struct Input {
    /// Where the report was read from, for messages.
    pub path: PathBuf,
    /// The report's `project`, else its file's stem.
    pub service: String,
    pub report: Report,
}

impl Input {
    /// An input named after the report's `project`, else the stem of `path`.
    pub fn new(path: &Path, report: Report) -> Input {
        let service = report.project.clone().unwrap_or_else(|| {
            path.file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string())
        });
        Input {
            path: path.to_owned(),
            service,
            report,
        }
    }

    /// The services the report holds: its own name, or those of a merged report.
    fn services(&self) -> Vec<String> {
        match &self.report.services {
            Some(services) => services.clone(),
            None => vec![self.service.clone()],
        }
    }
}

/// Why reports cannot be merged.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum MergeError {
    #[error("`choreo merge` joins at least two reports; {count} {} given", if *count == 1 { "was" } else { "were" })]
    #[diagnostic(
        code(choreo::merge::inputs),
        help("pass each service's report: `choreo merge orders.json billing.json`")
    )]
    TooFew { count: usize },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Read(#[from] ReadError),
    #[error(
        "`{}` and `{}` are both the service `{service}`",
        first.display(),
        second.display()
    )]
    #[diagnostic(
        code(choreo::merge::duplicate),
        help("give each service its own `[analysis] name` in its choreo.toml and analyze it again (a report without a `project` is named after its file)")
    )]
    DuplicateService {
        service: String,
        first: PathBuf,
        second: PathBuf,
    },
}

/// Reads the reports (each checked like `diff` checks them: schema version and hash) and
/// names their services; two reports of one service are an error.
pub fn read_inputs(paths: &[PathBuf]) -> Result<Vec<Input>, MergeError> {
    if paths.len() < 2 {
        return Err(MergeError::TooFew { count: paths.len() });
    }
    let mut inputs = Vec::with_capacity(paths.len());
    for path in paths {
        inputs.push(Input::new(path, report::read_report(path)?));
    }
    check_services(&inputs)?;
    Ok(inputs)
}

/// Every service name appears in one input only.
pub fn check_services(inputs: &[Input]) -> Result<(), MergeError> {
    let mut seen: BTreeMap<String, &Path> = BTreeMap::new();
    for input in inputs {
        for service in input.services() {
            if let Some(first) = seen.insert(service.clone(), &input.path) {
                return Err(MergeError::DuplicateService {
                    service,
                    first: first.to_owned(),
                    second: input.path.clone(),
                });
            }
        }
    }
    Ok(())
}

/// Separates a site's service from its file inside the merged model. No path holds a NUL,
/// so the last one always ends the service's name.
const SEP: char = '\0';

fn place(service: &str, file: &str) -> String {
    format!("{service}{SEP}{file}")
}

/// A merged model's file as (service, file).
fn split(file: &str) -> (Option<String>, String) {
    match file.rfind(SEP) {
        Some(at) => (Some(file[..at].to_owned()), file[at + 1..].to_owned()),
        None => (None, file.to_owned()),
    }
}

/// How a place in another service reads in a message: `[billing] src/lib.rs:5:9`.
fn readable(text: &str) -> String {
    // A note holds places as `service\0file:line:col`; the service starts after the
    // nearest `(` or space before the separator.
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(at) = rest.find(SEP) {
        let head = &rest[..at];
        let start = head.rfind(['(', ' ']).map_or(0, |i| i + 1);
        out.push_str(&head[..start]);
        out.push('[');
        out.push_str(&head[start..]);
        out.push_str("] ");
        rest = &rest[at + SEP.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// A component's published and subscribed keys.
type Sides<'a> = (BTreeSet<&'a str>, BTreeSet<&'a str>);

/// A site of an input, as the report has it.
#[derive(Clone, Copy)]
enum Record<'a> {
    Publish(&'a Publisher),
    Subscribe(&'a Subscriber),
}

/// Joins the reports into one: health, orphans, unused subscriptions, loops and their
/// findings recomputed over every service's sites, the other findings carried over.
/// `config` gives the topic syntax and `[events]`; `levels` the recomputed findings'
/// levels. The inputs' services must be distinct ([`check_services`]).
pub fn merge(inputs: &[Input], config: &Config, levels: &Levels) -> Report {
    let syntax = config.topic_syntax;
    let mut inputs: Vec<&Input> = inputs.iter().collect();
    inputs.sort_by(|a, b| a.service.cmp(&b.service));

    // What each service said about its own events, and which sites are `format!` patterns
    // (a report keeps no such flag: a dynamic event, a published wildcard or a
    // `dynamic_event_key` finding at the place tells).
    let mut external: BTreeSet<&str> = BTreeSet::new();
    let mut dynamic_at: BTreeSet<(String, &str, u32, u32)> = BTreeSet::new();
    for input in &inputs {
        for finding in &input.report.findings {
            if finding.lint == "dynamic_event_key" {
                let service = finding.service.as_deref().unwrap_or(&input.service);
                dynamic_at.insert((
                    service.to_owned(),
                    &finding.file,
                    finding.line,
                    finding.column,
                ));
            }
        }
        for event in &input.report.events {
            if event.health == Health::External {
                external.insert(&event.key);
            }
        }
    }

    let mut sites: Vec<(Site, &str, Record)> = Vec::new();
    for input in &inputs {
        fn own<'a>(service: &'a Option<String>, input: &'a Input) -> &'a str {
            service.as_deref().unwrap_or(&input.service)
        }
        for event in &input.report.events {
            let dynamic = event.health == Health::Dynamic;
            for publisher in &event.publishers {
                let service = own(&publisher.service, input);
                let pattern = dynamic
                    || topic::is_wildcard(&event.key, syntax)
                    || dynamic_at.contains(&(
                        service.to_owned(),
                        publisher.file.as_str(),
                        publisher.line,
                        publisher.column,
                    ));
                sites.push((
                    Site {
                        location: Location {
                            file: place(service, &publisher.file),
                            line: publisher.line,
                            column: publisher.column,
                        },
                        kind: SiteKind::Publish,
                        key: event.key.clone(),
                        pattern,
                        component: publisher.component.clone(),
                        function: publisher.function.clone(),
                        handler: None,
                        payload: None,
                        test: false,
                    },
                    service,
                    Record::Publish(publisher),
                ));
            }
            for subscriber in &event.subscribers {
                let service = own(&subscriber.service, input);
                let pattern = dynamic
                    || dynamic_at.contains(&(
                        service.to_owned(),
                        subscriber.file.as_str(),
                        subscriber.line,
                        subscriber.column,
                    ));
                sites.push((
                    Site {
                        location: Location {
                            file: place(service, &subscriber.file),
                            line: subscriber.line,
                            column: subscriber.column,
                        },
                        kind: SiteKind::Subscribe,
                        key: event.key.clone(),
                        pattern,
                        component: subscriber.component.clone(),
                        function: None,
                        handler: subscriber.handler.clone(),
                        payload: None,
                        test: false,
                    },
                    service,
                    Record::Subscribe(subscriber),
                ));
            }
        }
    }
    sites.sort_by(|a, b| a.0.cmp(&b.0));

    let flows = flows(&inputs, &sites);
    let model = Model {
        sites: sites.iter().map(|(site, _, _)| site.clone()).collect(),
        unresolved: Vec::new(),
        flows,
        unresolved_handlers: Vec::new(),
        couplings: Vec::new(),
        parse_failures: Vec::new(),
        suppressions: Vec::new(),
        external_types: BTreeSet::new(),
        files_scanned: 0,
        files_parsed: 0,
        files_unreachable: 0,
        commands: Default::default(),
        settings: Settings {
            topic_syntax: syntax,
            contracts: BTreeMap::new(),
            components: Vec::new(),
            config_file: config.file.clone(),
            fan_out_threshold: config.fan_out_threshold,
            external_subscribers: config.external_subscribers.clone(),
            external_publishers: config.external_publishers.clone(),
            framework_prefixes: Vec::new(),
        },
        project: None,
    };
    let mut graph = build_graph(&model);
    // An event its own service called external, and that the other services do not settle
    // either, stays external: it is made or heard outside the system.
    for info in &mut graph.infos {
        let unsettled = matches!(
            info.health,
            Health::Orphaned | Health::Unused | Health::Dynamic
        );
        if unsettled && external.contains(info.key.as_str()) {
            info.health = Health::External;
        }
    }
    let recomputed = lints::lint_graph(&model, &graph, levels);

    let service_of = |i: usize| Some(sites[i].1.to_owned());
    let events: Vec<Event> = graph
        .infos
        .iter()
        .map(|info| Event {
            key: info.key.clone(),
            health: info.health,
            publishers: info
                .publishers
                .iter()
                .filter_map(|&i| match sites[i].2 {
                    Record::Publish(publisher) => Some(Publisher {
                        service: service_of(i),
                        ..publisher.clone()
                    }),
                    Record::Subscribe(_) => None,
                })
                .collect(),
            subscribers: info
                .subscribers
                .iter()
                .filter_map(|&i| match sites[i].2 {
                    Record::Subscribe(subscriber) => Some(Subscriber {
                        service: service_of(i),
                        ..subscriber.clone()
                    }),
                    Record::Publish(_) => None,
                })
                .collect(),
            matches: info.matches.clone(),
        })
        .collect();

    // (component, service) → (published keys, subscribed keys).
    let mut components: BTreeMap<(&str, &str), Sides> = BTreeMap::new();
    for (site, service, _) in &sites {
        let entry = components
            .entry((site.component.as_str(), service))
            .or_default();
        match site.kind {
            SiteKind::Publish => entry.0.insert(&site.key),
            SiteKind::Subscribe => entry.1.insert(&site.key),
        };
    }
    let components: Vec<Component> = components
        .into_iter()
        .map(|((name, service), (publishes, subscribes))| Component {
            name: name.to_owned(),
            publishes: publishes.into_iter().map(str::to_owned).collect(),
            subscribes: subscribes.into_iter().map(str::to_owned).collect(),
            service: Some(service.to_owned()),
        })
        .collect();

    let feedback_loops = feedback_loops(&model, &graph);
    let hidden = hidden_by_services(&inputs);
    let mut findings: Vec<Finding> = recomputed
        .iter()
        .filter(|leveled| !hidden.contains(&hidden_key(leveled, &graph)))
        .map(|leveled| finding(leveled, &model, &sites))
        .collect();
    let mut parse_errors = Vec::new();
    let mut summary = Summary {
        event_types: events.len(),
        publications: sites
            .iter()
            .filter(|(site, _, _)| site.kind == SiteKind::Publish)
            .count(),
        subscriptions: sites
            .iter()
            .filter(|(site, _, _)| site.kind == SiteKind::Subscribe)
            .count(),
        components: components.len(),
        files_scanned: 0,
        files_parsed: 0,
        parse_errors: 0,
        files_unreachable: 0,
    };
    let mut services = Vec::new();
    for input in &inputs {
        services.extend(input.services());
        let own =
            |service: &Option<String>| service.clone().or_else(|| Some(input.service.clone()));
        findings.extend(
            input
                .report
                .findings
                .iter()
                .filter(|finding| !GRAPH_LINTS.iter().any(|lint| lint.name == finding.lint))
                .map(|finding| Finding {
                    service: own(&finding.service),
                    ..finding.clone()
                }),
        );
        parse_errors.extend(input.report.parse_errors.iter().map(|error| ParseError {
            service: own(&error.service),
            ..error.clone()
        }));
        let s = &input.report.summary;
        summary.files_scanned += s.files_scanned;
        summary.files_parsed += s.files_parsed;
        summary.parse_errors += s.parse_errors;
        summary.files_unreachable += s.files_unreachable;
    }
    findings.sort_by(|a, b| {
        let key = |f: &Finding| {
            (
                f.service.clone(),
                f.file.clone(),
                f.line,
                f.column,
                f.lint,
                f.event.clone(),
                f.message.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    parse_errors.sort_by(|a, b| {
        (&a.service, &a.file, a.line, a.column, &a.message)
            .cmp(&(&b.service, &b.file, b.line, b.column, &b.message))
    });
    services.sort();

    let keys_with = |health: Health| -> Vec<String> {
        events
            .iter()
            .filter(|event| event.health == health)
            .map(|event| event.key.clone())
            .collect()
    };
    let mut merged = Report {
        schema_version: report::SCHEMA_VERSION,
        tool: Tool {
            name: "choreo".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        },
        project: None,
        summary,
        orphaned_events: keys_with(Health::Orphaned),
        unused_subscriptions: keys_with(Health::Unused),
        events,
        components,
        feedback_loops,
        // A command belongs to one app: its findings are carried over, the list is not.
        commands: Vec::new(),
        findings,
        parse_errors,
        baseline: None,
        services: Some(services),
        analysis_hash: String::new(),
    };
    merged.analysis_hash = report::analysis_hash(&merged);
    merged
}

/// A flow per key a subscriber's handler publishes, to a publish site of that key in the
/// same service: the one the service's own loop witness names, else one in the handler's
/// component, else the first. Sorted, as `Model::flows` is.
fn flows(inputs: &[&Input], sites: &[(Site, &str, Record)]) -> Vec<Flow> {
    let mut publishers: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, (site, service, _)) in sites.iter().enumerate() {
        if site.kind == SiteKind::Publish {
            publishers.entry((service, &site.key)).or_default().push(i);
        }
    }
    // The hops of the services' own loops: (service, subscribed_at, publishes) →
    // (published_at, via).
    let mut hops: BTreeMap<(&str, &str, &str), (&str, &[String])> = BTreeMap::new();
    for input in inputs {
        for cycle in &input.report.feedback_loops {
            for hop in &cycle.path {
                let service = hop.service.as_deref().unwrap_or(&input.service);
                hops.insert(
                    (service, &hop.subscribed_at, &hop.publishes),
                    (&hop.published_at, &hop.via),
                );
            }
        }
    }
    let mut flows = Vec::new();
    for (i, (site, service, record)) in sites.iter().enumerate() {
        let Record::Subscribe(subscriber) = record else {
            continue;
        };
        let subscribed_at = format!(
            "{}:{}:{}",
            subscriber.file, subscriber.line, subscriber.column
        );
        for key in &subscriber.publishes {
            let Some(candidates) = publishers.get(&(*service, key.as_str())) else {
                continue;
            };
            let hint = hops.get(&(*service, subscribed_at.as_str(), key.as_str()));
            let at = |j: &usize| {
                let Record::Publish(p) = sites[*j].2 else {
                    return false;
                };
                hint.is_some_and(|(published_at, _)| {
                    *published_at == format!("{}:{}:{}", p.file, p.line, p.column)
                })
            };
            let publish = candidates
                .iter()
                .find(|j| at(j))
                .or_else(|| {
                    candidates
                        .iter()
                        .find(|&&j| sites[j].0.component == site.component)
                })
                .or(candidates.first())
                .copied();
            if let Some(publish) = publish {
                flows.push(Flow {
                    subscribe: i,
                    publish,
                    via: hint.map(|(_, via)| via.to_vec()).unwrap_or_default(),
                });
            }
        }
    }
    flows.sort();
    flows
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
                    let (service, subscribed_in) = split(&subscribe.location.file);
                    let (_, published_in) = split(&publish.location.file);
                    LoopHop {
                        event: hop.event.clone(),
                        subscribed_at: format!(
                            "{subscribed_in}:{}:{}",
                            subscribe.location.line, subscribe.location.column
                        ),
                        handler: format!(
                            "{}::{}",
                            subscribe.component,
                            subscribe.handler.as_deref().unwrap_or("{handler}")
                        ),
                        via: flow.via.clone(),
                        publishes: publish.key.clone(),
                        published_at: format!(
                            "{published_in}:{}:{}",
                            publish.location.line, publish.location.column
                        ),
                        service,
                    }
                })
                .collect(),
        })
        .collect()
}

/// Identifies a graph finding across runs: (service, lint, what it is about: the event
/// key, or a loop's keys).
type HiddenKey = (String, &'static str, String);

/// The loops each service hid from its own report (a suppression, its level, its
/// baseline): a loop it lists in `feedback_loops` without its finding. The same loop stays
/// hidden in the merge: a loop within one service was that service's call. Orphans and
/// unused subscriptions are not carried like this: whether another service hears or feeds
/// an event is exactly what the merge decides, so a service may allow those lints alone.
fn hidden_by_services(inputs: &[&Input]) -> BTreeSet<HiddenKey> {
    let mut hidden = BTreeSet::new();
    for input in inputs {
        let report = &input.report;
        let shown: BTreeSet<&str> = report
            .findings
            .iter()
            .filter(|f| f.lint == "feedback_loop")
            .filter_map(|f| f.event.as_deref())
            .collect();
        for cycle in &report.feedback_loops {
            let Some(first) = cycle.path.first() else {
                continue;
            };
            if !shown.contains(first.event.as_str()) {
                let service = first.service.as_deref().unwrap_or(&input.service);
                hidden.insert((service.to_owned(), "feedback_loop", cycle.events.join("\n")));
            }
        }
    }
    hidden
}

fn hidden_key(leveled: &Leveled, graph: &EventGraph) -> HiddenKey {
    let finding = &leveled.finding;
    let (service, _) = split(&finding.primary.file);
    let event = finding.event.clone().unwrap_or_default();
    let about = if finding.lint.name == "feedback_loop" {
        graph
            .loops
            .iter()
            .find(|cycle| cycle.path.first().is_some_and(|hop| hop.event == event))
            .map_or(event, |cycle| cycle.events.join("\n"))
    } else {
        event
    };
    (service.unwrap_or_default(), finding.lint.name, about)
}

/// A recomputed finding in the report's terms, its places split into service and file.
fn finding(leveled: &Leveled, model: &Model, sites: &[(Site, &str, Record)]) -> Finding {
    let raw = &leveled.finding;
    let (service, file) = split(&raw.primary.file);
    let at = model
        .sites
        .partition_point(|site| site.location < raw.primary);
    let component = sites
        .get(at)
        .filter(|(site, _, _)| site.location == raw.primary)
        .map(|(site, _, _)| site.component.clone());
    Finding {
        lint: raw.lint.name,
        level: leveled.level,
        event: raw.event.clone(),
        message: readable(&raw.message),
        help: readable(&raw.help),
        file,
        line: raw.primary.line,
        column: raw.primary.column,
        service,
        label: raw.primary_label.clone(),
        related: raw
            .secondary
            .iter()
            .map(|label| {
                let (service, file) = split(&label.location.file);
                Related {
                    service,
                    file,
                    line: label.location.line,
                    column: label.location.column,
                    message: label.message.clone(),
                }
            })
            .collect(),
        component,
        notes: raw.notes.iter().map(|note| readable(note)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_split_back() {
        assert_eq!(
            split(&place("billing", "src/lib.rs")),
            (Some("billing".to_owned()), "src/lib.rs".to_owned())
        );
        assert_eq!(split("src/lib.rs"), (None, "src/lib.rs".to_owned()));
        let note = format!(
            "`a` is handled by `B::on_a` ({}:5:9), which publishes `b` ({}:7:9)",
            place("billing", "src/lib.rs"),
            place("orders", "src/main.rs")
        );
        assert_eq!(
            readable(&note),
            "`a` is handled by `B::on_a` ([billing] src/lib.rs:5:9), which publishes `b` ([orders] src/main.rs:7:9)"
        );
    }
}

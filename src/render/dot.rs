//! Graphviz DOT for `choreo graph --format dot`: components as boxes, events as ellipses
//! coloured by health, feedback-loop edges bold purple.
//!
//! This file also holds [`Diagram`], the node-and-edge view of a report that the dot,
//! mermaid and svg renderers share, so that the three formats always draw the same graph
//! with the same ids and the same colours.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

pub(super) use crate::graph::Health;
use crate::report::{Event, Report};

/// The report's event-flow graph as Graphviz DOT, ending in a newline.
pub fn render(report: &Report) -> String {
    let diagram = Diagram::new(report);
    let mut out = String::new();
    let _ = writeln!(out, "digraph choreo {{");
    let _ = writeln!(
        out,
        "    graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, labelloc=t, label={}];",
        quote(&title(report))
    );
    let _ = writeln!(
        out,
        "    node [fontname=\"Helvetica\", fontsize=11, style=filled];"
    );
    let _ = writeln!(out, "    edge [color=\"{EDGE}\", arrowsize=0.7];");

    out.push_str("\n    // components\n");
    // A merged report: one cluster per service around its components.
    let mut clusters: BTreeMap<Option<&str>, Vec<usize>> = BTreeMap::new();
    for i in 0..diagram.components.len() {
        clusters.entry(diagram.services[i]).or_default().push(i);
    }
    for (n, (service, members)) in clusters.iter().enumerate() {
        let indent = if service.is_some() {
            "        "
        } else {
            "    "
        };
        if let Some(service) = service {
            let _ = writeln!(
                out,
                "    subgraph cluster_{n} {{\n        label={}; style=rounded; color=\"{}\";",
                quote(service),
                COMPONENT.stroke
            );
        }
        for &i in members {
            let _ = writeln!(
                out,
                "{indent}{} [shape=box, color=\"{}\", fillcolor=\"{}\", label={}];",
                Node::Component(i).id(),
                COMPONENT.stroke,
                COMPONENT.fill,
                quote(diagram.components[i])
            );
        }
        if service.is_some() {
            out.push_str("    }\n");
        }
    }

    out.push_str("\n    // events\n");
    for (i, event) in diagram.events.iter().enumerate() {
        let health = diagram.health(i);
        let paint = health.paint();
        let style = match health {
            Health::Looping => "filled,bold",
            Health::Dynamic => "filled,dashed",
            Health::External => "filled,dotted",
            _ => "filled",
        };
        let _ = write!(
            out,
            "    {} [shape=ellipse, color=\"{}\", fillcolor=\"{}\", style=\"{style}\"",
            Node::Event(i).id(),
            paint.stroke,
            paint.fill,
        );
        if health == Health::Looping {
            out.push_str(", penwidth=2");
        }
        if health != Health::Healthy {
            let _ = write!(out, ", fontcolor=\"{}\"", paint.text);
        }
        let _ = writeln!(
            out,
            ", label={}, tooltip={}];",
            quote(&event.key),
            quote(&format!(
                "{}: {} publisher(s), {} subscriber(s)",
                event.health,
                event.publishers.len(),
                event.subscribers.len()
            ))
        );
    }

    if !diagram.edges.is_empty() {
        out.push_str("\n    // component -> event: publishes; event -> component: subscribes\n");
    }
    if diagram
        .edges
        .iter()
        .any(|edge| edge.kind == EdgeKind::Matches)
    {
        out.push_str(
            "    // event -> event: a published key that a wildcard subscription matches\n",
        );
    }
    for edge in &diagram.edges {
        let _ = write!(out, "    {} -> {}", edge.from.id(), edge.to.id());
        let mut attrs = vec![format!("tooltip={}", quote(edge.kind.as_str()))];
        if edge.looping {
            attrs.push(format!("color=\"{LOOP}\", penwidth=2.5, class=\"loop\""));
        } else if edge.kind == EdgeKind::Matches {
            attrs.push(format!("color=\"{MATCH}\", style=dashed"));
        }
        let _ = writeln!(out, " [{}];", attrs.join(", "));
    }

    out.push('\n');
    legend(&diagram, &mut out);
    out.push_str("}\n");
    out
}

/// A one-node legend: an HTML-like table is the only way to keep it out of the graph's own
/// ranks while still showing the real fill and stroke colours.
fn legend(diagram: &Diagram, out: &mut String) {
    let mut rows = vec![
        row(COMPONENT, "component (box)"),
        row(Health::Healthy.paint(), "event (ellipse)"),
    ];
    for health in diagram.flagged() {
        rows.push(row(health.paint(), health.meaning()));
    }
    if diagram.edges.iter().any(|edge| edge.looping) {
        rows.push(format!(
            "<tr><td><font color=\"{LOOP}\"><b>-&gt;</b></font></td>\
             <td align=\"left\">feedback-loop edge</td></tr>"
        ));
    }
    rows.push(
        "<tr><td>-&gt;</td><td align=\"left\">component -&gt; event publishes, \
         event -&gt; component subscribes</td></tr>"
            .to_owned(),
    );
    let _ = writeln!(
        out,
        "    legend [shape=plaintext, style=\"\", fontsize=10, label=<\
         <table border=\"0\" cellborder=\"0\" cellspacing=\"2\">\
         <tr><td colspan=\"2\" align=\"left\"><b>legend</b></td></tr>{}</table>>];",
        rows.concat()
    );
}

fn row(paint: Paint, text: &str) -> String {
    format!(
        "<tr><td bgcolor=\"{}\" border=\"1\" color=\"{}\" width=\"24\"></td>\
         <td align=\"left\">{}</td></tr>",
        paint.fill, paint.stroke, text
    )
}

/// The graph's caption: the same counts the human summary leads with.
pub(super) fn title(report: &Report) -> String {
    let s = &report.summary;
    format!(
        "choreo event flow: {}, {}, {}, {}",
        count(s.event_types, "event type"),
        count(s.publications, "publication"),
        count(s.subscriptions, "subscription"),
        count(s.components, "component")
    )
}

/// `1 component`, `2 components`.
pub(super) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A DOT double-quoted string. Only `"` and `\` are special inside one (a backslash starts
/// Graphviz's own escapes such as `\n` and `\N`); `<`, `>`, `{` and `|` only mean something
/// in record shapes and HTML labels, which key labels never use.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Fill, stroke and text colour of one kind of node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Paint {
    pub fill: &'static str,
    pub stroke: &'static str,
    pub text: &'static str,
}

pub(super) const COMPONENT: Paint = Paint {
    fill: "#f2f2f2",
    stroke: "#444444",
    text: "#222222",
};
/// Ordinary edges.
pub(super) const EDGE: &str = "#666666";
/// Feedback-loop edges and looping events.
pub(super) const LOOP: &str = "#7b2cbf";
/// Wildcard-match edges.
pub(super) const MATCH: &str = "#999999";

impl Health {
    /// Every health but `healthy`, in legend order.
    pub(super) const FLAGGED: [Health; 5] = [
        Health::Orphaned,
        Health::Unused,
        Health::Looping,
        Health::Dynamic,
        Health::External,
    ];

    /// The legend's line for this health.
    pub(super) fn meaning(self) -> &'static str {
        match self {
            Health::Healthy => "event",
            Health::Orphaned => "orphaned: published, never subscribed",
            Health::Unused => "unused: subscribed, never published",
            Health::Looping => "looping: part of a feedback loop",
            Health::Dynamic => "dynamic: key not known statically",
            Health::External => "external: crosses the tree's border",
        }
    }

    pub(super) fn paint(self) -> Paint {
        match self {
            Health::Healthy => Paint {
                fill: "#e8f1fb",
                stroke: "#2b6cb0",
                text: "#1a365d",
            },
            Health::Orphaned => Paint {
                fill: "#fde8e8",
                stroke: "#d62728",
                text: "#a61b1b",
            },
            Health::Unused => Paint {
                fill: "#fff1e0",
                stroke: "#ff7f0e",
                text: "#a34d00",
            },
            Health::Looping => Paint {
                fill: "#f3e8fd",
                stroke: LOOP,
                text: "#4b1a78",
            },
            Health::Dynamic => Paint {
                fill: "#f0f0f0",
                stroke: "#888888",
                text: "#555555",
            },
            Health::External => Paint {
                fill: "#ffffff",
                stroke: "#555555",
                text: "#333333",
            },
        }
    }
}

/// A node of the diagram: an index into [`Diagram::components`] or [`Diagram::events`].
/// Components order before events, so sorted edges list publishers first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Node {
    Component(usize),
    Event(usize),
}

impl Node {
    /// The node's id in DOT and Mermaid: `c0`, `e0`, … in sorted-name order, so ids never
    /// need quoting and never depend on what a key contains.
    pub(super) fn id(self) -> String {
        match self {
            Node::Component(i) => format!("c{i}"),
            Node::Event(i) => format!("e{i}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum EdgeKind {
    /// component → event
    Publishes,
    /// event → component
    Subscribes,
    /// published event → the wildcard subscription event that matches it
    Matches,
}

impl EdgeKind {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Publishes => "publishes",
            EdgeKind::Subscribes => "subscribes",
            EdgeKind::Matches => "matches",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Edge {
    pub from: Node,
    pub to: Node,
    pub kind: EdgeKind,
    /// On a feedback loop's path: event → handler's component → event it publishes.
    pub looping: bool,
}

/// The graph every diagram draws: sorted components, sorted events, sorted unique edges.
#[derive(Debug)]
pub(super) struct Diagram<'r> {
    pub components: Vec<&'r str>,
    /// In a merged report: each component's service (else `None`).
    pub services: Vec<Option<&'r str>>,
    pub events: Vec<&'r Event>,
    pub edges: Vec<Edge>,
}

impl<'r> Diagram<'r> {
    pub(super) fn new(report: &'r Report) -> Self {
        // The report's arrays are sorted already; sorting again costs little and keeps the
        // ids stable even for a hand-built report.
        let mut events: Vec<&Event> = report.events.iter().collect();
        events.sort_by(|a, b| a.key.cmp(&b.key));
        events.dedup_by(|a, b| a.key == b.key);
        let event_index: BTreeMap<&str, usize> = events
            .iter()
            .enumerate()
            .map(|(i, event)| (event.key.as_str(), i))
            .collect();

        // A component appears in `components` and in the sites; take both so that no site
        // can point at a node that does not exist. In a merged report a component is one
        // of its service (two services' `crate` are two nodes).
        let names: BTreeSet<(Option<&str>, &str)> = report
            .components
            .iter()
            .map(|component| (component.service.as_deref(), component.name.as_str()))
            .chain(events.iter().flat_map(|event| {
                let publishers = event
                    .publishers
                    .iter()
                    .map(|p| (p.service.as_deref(), p.component.as_str()));
                let subscribers = event
                    .subscribers
                    .iter()
                    .map(|s| (s.service.as_deref(), s.component.as_str()));
                publishers.chain(subscribers)
            }))
            .collect();
        let components: Vec<&str> = names.iter().map(|(_, name)| *name).collect();
        let services: Vec<Option<&str>> = names.iter().map(|(service, _)| *service).collect();
        let component_index: BTreeMap<(Option<&str>, &str), usize> =
            names.iter().enumerate().map(|(i, key)| (*key, i)).collect();

        let mut edges: BTreeMap<(Node, Node, EdgeKind), bool> = BTreeMap::new();
        let mut add = |from: Node, to: Node, kind: EdgeKind| {
            // A wildcard key can match itself; a self edge says nothing in a picture.
            if from != to {
                edges.entry((from, to, kind)).or_insert(false);
            }
        };
        for (e, event) in events.iter().enumerate() {
            for publisher in &event.publishers {
                let c =
                    component_index[&(publisher.service.as_deref(), publisher.component.as_str())];
                add(Node::Component(c), Node::Event(e), EdgeKind::Publishes);
            }
            for subscriber in &event.subscribers {
                let c = component_index
                    [&(subscriber.service.as_deref(), subscriber.component.as_str())];
                add(Node::Event(e), Node::Component(c), EdgeKind::Subscribes);
            }
            for matched in &event.matches {
                if let Some(&m) = event_index.get(matched.as_str()) {
                    add(Node::Event(m), Node::Event(e), EdgeKind::Matches);
                }
            }
        }
        for component in &report.components {
            let c = Node::Component(
                component_index[&(component.service.as_deref(), component.name.as_str())],
            );
            for key in &component.publishes {
                if let Some(&e) = event_index.get(key.as_str()) {
                    add(c, Node::Event(e), EdgeKind::Publishes);
                }
            }
            for key in &component.subscribes {
                if let Some(&e) = event_index.get(key.as_str()) {
                    add(Node::Event(e), c, EdgeKind::Subscribes);
                }
            }
        }

        for hop in report.feedback_loops.iter().flat_map(|l| &l.path) {
            let (Some(&from), Some(&to)) = (
                event_index.get(hop.event.as_str()),
                event_index.get(hop.publishes.as_str()),
            ) else {
                continue;
            };
            // The subscribing and the publishing component are found by the hop's places
            // rather than by parsing `Component::handler`: the publish may sit in a function
            // of another component that the handler calls.
            let subscriber = events[from]
                .subscribers
                .iter()
                .find(|s| at(&s.file, s.line, s.column) == hop.subscribed_at)
                .map(|s| (s.service.as_deref(), s.component.as_str()))
                .or_else(|| handler_component(&hop.handler, &components).map(|c| (None, c)));
            let publisher = events[to]
                .publishers
                .iter()
                .find(|p| at(&p.file, p.line, p.column) == hop.published_at)
                .map(|p| (p.service.as_deref(), p.component.as_str()))
                .or(subscriber);
            if let Some(c) = subscriber.and_then(|key| component_index.get(&key)) {
                let key = (Node::Event(from), Node::Component(*c), EdgeKind::Subscribes);
                if let Some(looping) = edges.get_mut(&key) {
                    *looping = true;
                }
            }
            if let Some(c) = publisher.and_then(|key| component_index.get(&key)) {
                let key = (Node::Component(*c), Node::Event(to), EdgeKind::Publishes);
                if let Some(looping) = edges.get_mut(&key) {
                    *looping = true;
                }
            }
        }

        Diagram {
            components,
            services,
            events,
            edges: edges
                .into_iter()
                .map(|((from, to, kind), looping)| Edge {
                    from,
                    to,
                    kind,
                    looping,
                })
                .collect(),
        }
    }

    pub(super) fn health(&self, event: usize) -> Health {
        self.events[event].health
    }

    pub(super) fn label(&self, node: Node) -> &'r str {
        match node {
            Node::Component(i) => self.components[i],
            Node::Event(i) => &self.events[i].key,
        }
    }

    /// The flagged healths that occur, in legend order.
    pub(super) fn flagged(&self) -> Vec<Health> {
        Health::FLAGGED
            .into_iter()
            .filter(|&health| (0..self.events.len()).any(|i| self.health(i) == health))
            .collect()
    }
}

/// A place as the report's loop hops spell it.
fn at(file: &str, line: u32, column: u32) -> String {
    format!("{file}:{line}:{column}")
}

/// The component of a `Component::handler` string: the longest component name that is a
/// `::`-prefix of it (component names may hold `::` themselves).
fn handler_component<'a>(handler: &str, components: &[&'a str]) -> Option<&'a str> {
    components
        .iter()
        .filter(|name| {
            handler
                .strip_prefix(**name)
                .is_some_and(|rest| rest.starts_with("::"))
        })
        .max_by_key(|name| name.len())
        .copied()
}

#[cfg(test)]
pub(super) mod tests {
    use std::path::Path;

    use super::*;
    use crate::report::{Component, FeedbackLoop, LoopHop, Publisher, Subscriber};

    /// The report of a fixture tree, analyzed with its own config.
    /// (An absolute path is taken as it is.)
    pub(in crate::render) fn fixture(relative: &str) -> Report {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
        let config = crate::config::Config::discover(&root, None).expect("fixture config");
        crate::analyze(&root, &config, &config.levels, Some(1))
            .expect("fixture analyzes")
            .report
    }

    fn test_health(name: &str) -> Health {
        [
            Health::Healthy,
            Health::Orphaned,
            Health::Unused,
            Health::Looping,
            Health::Dynamic,
            Health::External,
        ]
        .into_iter()
        .find(|h| h.as_str() == name)
        .unwrap_or(Health::Healthy)
    }

    /// A hand-built report from `(key, health, publishers, subscribers)` and loops given as
    /// `(event, handler component, published event)` hops.
    pub(in crate::render) fn report(
        events: &[(&str, &str, &[&str], &[&str])],
        loops: &[&[(&str, &str, &str)]],
    ) -> Report {
        let place = |i: usize| (format!("src/{i}.rs"), 1 + i as u32, 5);
        let mut components: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
        let mut site = 0;
        let events: Vec<Event> = events
            .iter()
            .map(|(key, health, publishers, subscribers)| {
                let publishers = publishers
                    .iter()
                    .map(|name| {
                        site += 1;
                        let (file, line, column) = place(site);
                        components
                            .entry(name.to_string())
                            .or_default()
                            .0
                            .push(key.to_string());
                        Publisher {
                            file,
                            line,
                            column,
                            component: name.to_string(),
                            function: None,
                            payload_keys: Vec::new(),
                            service: None,
                        }
                    })
                    .collect();
                let subscribers = subscribers
                    .iter()
                    .map(|name| {
                        site += 1;
                        let (file, line, column) = place(site);
                        components
                            .entry(name.to_string())
                            .or_default()
                            .1
                            .push(key.to_string());
                        Subscriber {
                            file,
                            line,
                            column,
                            component: name.to_string(),
                            handler: Some("on_event".to_owned()),
                            publishes: Vec::new(),
                            service: None,
                        }
                    })
                    .collect();
                Event {
                    key: key.to_string(),
                    health: test_health(health),
                    publishers,
                    subscribers,
                    matches: Vec::new(),
                }
            })
            .collect();
        let feedback_loops = loops
            .iter()
            .map(|hops| FeedbackLoop {
                events: hops.iter().map(|(event, _, _)| event.to_string()).collect(),
                path: hops
                    .iter()
                    .map(|(event, component, publishes)| LoopHop {
                        event: event.to_string(),
                        subscribed_at: String::new(),
                        handler: format!("{component}::on_event"),
                        via: Vec::new(),
                        publishes: publishes.to_string(),
                        published_at: String::new(),
                        service: None,
                    })
                    .collect(),
            })
            .collect();
        let keys = |health: &str| -> Vec<String> {
            events
                .iter()
                .filter(|e| e.health.as_str() == health)
                .map(|e| e.key.clone())
                .collect()
        };
        // Start from the report of an empty tree, so that fields this module does not
        // draw keep whatever shape the report type gives them.
        let empty = tempfile::tempdir().expect("temp dir");
        let mut base = fixture(&empty.path().to_string_lossy());
        base.summary.event_types = events.len();
        base.summary.publications = events.iter().map(|e| e.publishers.len()).sum();
        base.summary.subscriptions = events.iter().map(|e| e.subscribers.len()).sum();
        base.summary.components = components.len();
        base.orphaned_events = keys("orphaned");
        base.unused_subscriptions = keys("unused");
        base.components = components
            .into_iter()
            .map(|(name, (mut publishes, mut subscribes))| {
                publishes.sort();
                publishes.dedup();
                subscribes.sort();
                subscribes.dedup();
                Component {
                    name,
                    publishes,
                    subscribes,
                    service: None,
                }
            })
            .collect();
        base.events = events;
        base.feedback_loops = feedback_loops;
        base
    }

    /// Keys and names with every character DOT, Mermaid and XML treat specially.
    pub(in crate::render) fn weird() -> Report {
        report(
            &[
                (r#"a"b\c<d>{e}|f;g#h&i"#, "orphaned", &["Odd<T>"], &[]),
                ("x(y)[z]`w", "unused", &[], &["Odd<T>"]),
            ],
            &[],
        )
    }

    #[test]
    fn choreography() {
        insta::assert_snapshot!(render(&fixture("fixtures/choreography")));
    }

    #[test]
    fn loop_three_events() {
        insta::assert_snapshot!(render(&fixture("fixtures/cases/loop_three_events")));
    }

    #[test]
    fn loop_edges_follow_the_hops() {
        let report = report(
            &[
                ("a", "looping", &["P"], &["Q"]),
                ("b", "looping", &["Q"], &["P", "R"]),
            ],
            &[&[("a", "Q", "b"), ("b", "P", "a")]],
        );
        let diagram = Diagram::new(&report);
        let looping: Vec<(String, String)> = diagram
            .edges
            .iter()
            .filter(|edge| edge.looping)
            .map(|edge| (edge.from.id(), edge.to.id()))
            .collect();
        // c0 = P, c1 = Q, c2 = R; e0 = a, e1 = b. R hears b but is not on the loop.
        let expected = [("c0", "e0"), ("c1", "e1"), ("e0", "c1"), ("e1", "c0")];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(looping, expected);
    }

    #[test]
    fn escapes_weird_keys() {
        let dot = render(&weird());
        assert!(dot.contains(r#"label="a\"b\\c<d>{e}|f;g#h&i""#), "{dot}");
        assert!(dot.contains(r#"label="Odd<T>""#), "{dot}");
        // Every quote that opens a string closes it: unescaped quotes come in pairs.
        for line in dot.lines().filter(|line| !line.contains("legend")) {
            let unescaped = line
                .replace("\\\\", "")
                .replace("\\\"", "")
                .matches('"')
                .count();
            assert_eq!(unescaped % 2, 0, "{line}");
        }
    }

    #[test]
    fn handler_component_takes_the_longest_prefix() {
        let components = ["a", "a::b", "ab"];
        assert_eq!(handler_component("a::b::run", &components), Some("a::b"));
        assert_eq!(handler_component("ab::run", &components), Some("ab"));
        assert_eq!(handler_component("zz::run", &components), None);
    }
}

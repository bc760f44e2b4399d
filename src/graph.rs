//! The event-flow graph: components and events as nodes of a petgraph, publish and
//! subscribe sites as edges, and what the graph says about each event (its health).

use std::collections::{BTreeMap, BTreeSet};

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

use crate::model::{Model, Site, SiteKind};
use crate::topic;

/// A node of the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Component(String),
    Event(String),
}

/// An edge: a site, by its index in `Model::sites`. Publish edges run component → event,
/// subscribe edges event → component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    Publishes(usize),
    Subscribes(usize),
}

/// What the graph says about an event; the report's `health`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    Healthy,
    Orphaned,
    Unused,
    Looping,
    Dynamic,
    External,
}

impl std::fmt::Display for Health {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Orphaned => "orphaned",
            Health::Unused => "unused",
            Health::Looping => "looping",
            Health::Dynamic => "dynamic",
            Health::External => "external",
        }
    }
}

/// One event of the graph with everything the report and lints need about it.
#[derive(Debug, Clone)]
pub struct EventInfo {
    pub key: String,
    pub health: Health,
    /// Indices into `Model::sites`, sorted by location.
    pub publishers: Vec<usize>,
    pub subscribers: Vec<usize>,
    /// For a wildcard subscription: the published keys it matches.
    pub matches: Vec<String>,
    /// Subscribe sites whose key matches this event, wildcard subscriptions included.
    pub listeners: Vec<usize>,
}

/// One step of a feedback loop: a handler of `event` reaches a publish of the next event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub event: String,
    /// The flow taken: indices into `Model::flows`.
    pub flow: usize,
}

/// A strongly connected set of events whose handlers feed each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loop {
    /// Every key of the component, sorted.
    pub events: Vec<String>,
    /// The shortest cycle through the smallest key, starting there.
    pub path: Vec<Hop>,
}

/// The event-flow graph of a model.
#[derive(Debug)]
pub struct EventGraph {
    pub graph: DiGraph<Node, Edge>,
    events: BTreeMap<String, NodeIndex>,
    components: BTreeMap<String, NodeIndex>,
    /// Per event key, sorted by key.
    pub infos: Vec<EventInfo>,
    /// Feedback loops, sorted by their smallest key.
    pub loops: Vec<Loop>,
}

impl EventGraph {
    /// The event's information, if the key is an event of the graph.
    pub fn event(&self, key: &str) -> Option<&EventInfo> {
        self.infos
            .binary_search_by(|info| info.key.as_str().cmp(key))
            .ok()
            .map(|i| &self.infos[i])
    }

    /// Components, sorted by name, with the keys they publish and subscribe.
    pub fn components(&self) -> Vec<(&str, BTreeSet<&str>, BTreeSet<&str>)> {
        self.components
            .iter()
            .map(|(name, &node)| {
                let neighbours = |direction| -> BTreeSet<&str> {
                    self.graph
                        .neighbors_directed(node, direction)
                        .filter_map(|n| match &self.graph[n] {
                            Node::Event(key) => Some(key.as_str()),
                            Node::Component(_) => None,
                        })
                        .collect()
                };
                (
                    name.as_str(),
                    neighbours(Direction::Outgoing),
                    neighbours(Direction::Incoming),
                )
            })
            .collect()
    }

    /// The event node of a key.
    pub fn event_node(&self, key: &str) -> Option<NodeIndex> {
        self.events.get(key).copied()
    }
}

/// Builds the graph of a model and classifies every event.
pub fn build_graph(model: &Model) -> EventGraph {
    let mut graph = DiGraph::new();
    let mut events = BTreeMap::new();
    let mut components = BTreeMap::new();
    for (index, site) in model.sites.iter().enumerate() {
        let event = *events
            .entry(site.key.clone())
            .or_insert_with(|| graph.add_node(Node::Event(site.key.clone())));
        let component = *components
            .entry(site.component.clone())
            .or_insert_with(|| graph.add_node(Node::Component(site.component.clone())));
        match site.kind {
            SiteKind::Publish => graph.add_edge(component, event, Edge::Publishes(index)),
            SiteKind::Subscribe => graph.add_edge(event, component, Edge::Subscribes(index)),
        };
    }
    let mut infos = classify(model, &graph, &events);
    let loops = find_loops(model, &infos);
    for info in &mut infos {
        let looping = loops
            .iter()
            .any(|l| l.events.binary_search(&info.key).is_ok());
        if looping && matches!(info.health, Health::Healthy) {
            info.health = Health::Looping;
        }
    }
    EventGraph {
        graph,
        events,
        components,
        infos,
        loops,
    }
}

/// Event-to-event edges (A → B when a handler of A publishes B; a wildcard
/// subscription's handler counts for every key it matches), their strongly connected
/// components with a cycle (Tarjan), and a shortest witness cycle for each.
fn find_loops(model: &Model, infos: &[EventInfo]) -> Vec<Loop> {
    let mut flow_graph: DiGraph<&str, usize> = DiGraph::new();
    let nodes: BTreeMap<&str, NodeIndex> = infos
        .iter()
        .map(|info| (info.key.as_str(), flow_graph.add_node(info.key.as_str())))
        .collect();
    // Which event keys a subscription's handler runs for.
    fn heard_as<'a>(infos: &'a [EventInfo], subscribed: &'a str) -> Vec<&'a str> {
        let mut keys = vec![subscribed];
        // `infos` is sorted by key: a lookup per flow keeps this linear in the flows.
        if let Ok(i) = infos.binary_search_by(|info| info.key.as_str().cmp(subscribed)) {
            keys.extend(infos[i].matches.iter().map(String::as_str));
        }
        keys
    }
    // The first flow (in flow order) for each ordered pair of events is the witness.
    let mut edges: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (index, flow) in model.flows.iter().enumerate() {
        let published = model.sites[flow.publish].key.as_str();
        for from in heard_as(infos, &model.sites[flow.subscribe].key) {
            edges.entry((from, published)).or_insert(index);
        }
    }
    for (&(from, to), &flow) in &edges {
        if let (Some(&a), Some(&b)) = (nodes.get(from), nodes.get(to)) {
            flow_graph.add_edge(a, b, flow);
        }
    }

    let mut loops: Vec<Loop> = petgraph::algo::tarjan_scc(&flow_graph)
        .into_iter()
        .filter(|scc| scc.len() > 1 || flow_graph.find_edge(scc[0], scc[0]).is_some())
        .map(|scc| {
            let mut events: Vec<String> = scc.iter().map(|&n| flow_graph[n].to_owned()).collect();
            events.sort();
            let path = witness(&flow_graph, &nodes, &events, &edges);
            Loop { events, path }
        })
        .collect();
    loops.sort_by(|a, b| a.events.cmp(&b.events));
    loops
}

/// The shortest cycle through the smallest key of a loop, breadth first over the loop's
/// events in key order, so the same graph always gives the same path.
fn witness(
    graph: &DiGraph<&str, usize>,
    nodes: &BTreeMap<&str, NodeIndex>,
    events: &[String],
    edges: &BTreeMap<(&str, &str), usize>,
) -> Vec<Hop> {
    let members: BTreeSet<&str> = events.iter().map(String::as_str).collect();
    let Some(&start) = members.iter().next() else {
        return Vec::new();
    };
    let successors = |key: &str| -> Vec<&str> {
        let Some(&node) = nodes.get(key) else {
            return Vec::new();
        };
        let mut next: Vec<&str> = graph
            .neighbors_directed(node, Direction::Outgoing)
            .map(|n| graph[n])
            .filter(|k| members.contains(k))
            .collect();
        next.sort_unstable();
        next.dedup();
        next
    };
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    let mut closing = None;
    'search: while let Some(key) = queue.pop_front() {
        for next in successors(key) {
            if next == start {
                closing = Some(key);
                break 'search;
            }
            if !parent.contains_key(next) {
                parent.insert(next, key);
                queue.push_back(next);
            }
        }
    }
    let Some(mut last) = closing else {
        return Vec::new();
    };
    let mut cycle = vec![last];
    while last != start {
        last = parent[last];
        cycle.push(last);
    }
    cycle.reverse();
    cycle
        .iter()
        .enumerate()
        .map(|(i, &from)| {
            let to = cycle[(i + 1) % cycle.len()];
            Hop {
                event: from.to_owned(),
                flow: edges[&(from, to)],
            }
        })
        .collect()
}

fn sites_on(graph: &DiGraph<Node, Edge>, node: NodeIndex, kind: SiteKind) -> Vec<usize> {
    let direction = match kind {
        SiteKind::Publish => Direction::Incoming,
        SiteKind::Subscribe => Direction::Outgoing,
    };
    let mut sites: Vec<usize> = graph
        .edges_directed(node, direction)
        .map(|edge| match *edge.weight() {
            Edge::Publishes(i) | Edge::Subscribes(i) => i,
        })
        .collect();
    // Site indices follow `Model::sites`, which is sorted by location.
    sites.sort_unstable();
    sites
}

fn classify(
    model: &Model,
    graph: &DiGraph<Node, Edge>,
    events: &BTreeMap<String, NodeIndex>,
) -> Vec<EventInfo> {
    let syntax = model.settings.topic_syntax;
    let site = |i: usize| -> &Site { &model.sites[i] };
    let per_key: Vec<(&String, Vec<usize>, Vec<usize>)> = events
        .iter()
        .map(|(key, &node)| {
            (
                key,
                sites_on(graph, node, SiteKind::Publish),
                sites_on(graph, node, SiteKind::Subscribe),
            )
        })
        .collect();
    let is_pattern =
        |subs: &[usize], pubs: &[usize]| subs.iter().chain(pubs).any(|&i| site(i).pattern);
    // Wildcard subscriptions: keys written with the syntax's wildcards and subscribed to
    // by at least one site whose key is not itself a `format!` pattern.
    let wildcards: Vec<(&String, Vec<usize>)> = per_key
        .iter()
        .filter(|(key, _, _)| topic::is_wildcard(key, syntax))
        .map(|(key, _, subs)| {
            (
                *key,
                subs.iter()
                    .copied()
                    .filter(|&i| !site(i).pattern)
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, subs)| !subs.is_empty())
        .collect();
    let published_patterns: Vec<&String> = per_key
        .iter()
        .filter(|(_, pubs, _)| pubs.iter().any(|&i| site(i).pattern))
        .map(|(key, _, _)| *key)
        .collect();
    let subscribed_patterns: Vec<&String> = per_key
        .iter()
        .filter(|(_, _, subs)| subs.iter().any(|&i| site(i).pattern))
        .map(|(key, _, _)| *key)
        .collect();

    per_key
        .iter()
        .map(|(key, pubs, subs)| {
            let pattern = is_pattern(subs, pubs);
            let wildcard = wildcards.iter().any(|(w, _)| w == key);
            // A pattern is covered by a wildcard subscription of the same spelling too.
            let covering: Vec<usize> = wildcards
                .iter()
                .filter(|(w, _)| (pattern || *w != *key) && topic::matches(w, key, syntax))
                .flat_map(|(_, subs)| subs.iter().copied())
                .collect();
            let matches: Vec<String> = if wildcard {
                per_key
                    .iter()
                    .filter(|(other, other_pubs, _)| {
                        other != key && !other_pubs.is_empty() && topic::matches(key, other, syntax)
                    })
                    .map(|(other, _, _)| (*other).clone())
                    .collect()
            } else {
                Vec::new()
            };
            let produced = published_patterns
                .iter()
                .any(|p| *p != *key && topic::pattern_produces(p, key, syntax));
            let external = model.external_types.contains(*key)
                || model
                    .settings
                    .framework_prefixes
                    .iter()
                    .any(|prefix| key.starts_with(prefix))
                || model
                    .settings
                    .external_subscribers
                    .iter()
                    .chain(&model.settings.external_publishers)
                    .any(|p| topic::external_matches(p, key, syntax));
            // A concrete key that a `format!` subscription could be listening to is not
            // orphaned, as a concrete subscription a pattern publish could produce is not
            // unused (precise rule 5): nothing says it is unheard.
            let overheard = subscribed_patterns
                .iter()
                .any(|p| *p != *key && topic::pattern_produces(p, key, syntax));
            let heard = !subs.is_empty() || !covering.is_empty() || overheard;
            let fed = !pubs.is_empty() || !matches.is_empty() || produced;
            let health = if external {
                Health::External
            } else if pattern {
                if covering.is_empty() {
                    Health::Dynamic
                } else {
                    Health::Healthy
                }
            } else if !pubs.is_empty() && !heard {
                Health::Orphaned
            } else if !subs.is_empty() && !fed {
                Health::Unused
            } else {
                Health::Healthy
            };
            let mut listeners: Vec<usize> = subs.iter().copied().chain(covering).collect();
            listeners.sort_unstable();
            listeners.dedup();
            EventInfo {
                key: (*key).clone(),
                health,
                publishers: pubs.clone(),
                subscribers: subs.clone(),
                matches,
                listeners,
            }
        })
        .collect()
}

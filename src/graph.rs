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

/// What the graph says about an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Health {
    Healthy,
    Orphaned,
    Unused,
    Looping,
    Dynamic,
    External,
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

/// The event-flow graph of a model.
#[derive(Debug)]
pub struct EventGraph {
    pub graph: DiGraph<Node, Edge>,
    events: BTreeMap<String, NodeIndex>,
    components: BTreeMap<String, NodeIndex>,
    /// Per event key, sorted by key.
    pub infos: Vec<EventInfo>,
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
    let infos = classify(model, &graph, &events);
    EventGraph {
        graph,
        events,
        components,
        infos,
    }
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
    // Wildcard subscriptions (not `format!` patterns) and the keys published concretely.
    let wildcards: Vec<(&String, &Vec<usize>)> = per_key
        .iter()
        .filter(|(key, pubs, subs)| {
            !subs.is_empty() && !is_pattern(subs, pubs) && topic::is_wildcard(key, syntax)
        })
        .map(|(key, _, subs)| (*key, subs))
        .collect();
    let published_patterns: Vec<&String> = per_key
        .iter()
        .filter(|(_, pubs, _)| pubs.iter().any(|&i| site(i).pattern))
        .map(|(key, _, _)| *key)
        .collect();

    per_key
        .iter()
        .map(|(key, pubs, subs)| {
            let pattern = is_pattern(subs, pubs);
            let wildcard = wildcards.iter().any(|(w, _)| w == key);
            let covering: Vec<usize> = wildcards
                .iter()
                .filter(|(w, _)| *w != *key && topic::matches(w, key, syntax))
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
            let external = model
                .settings
                .external_subscribers
                .iter()
                .chain(&model.settings.external_publishers)
                .any(|p| topic::external_matches(p, key, syntax));
            let heard = !subs.is_empty() || !covering.is_empty();
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

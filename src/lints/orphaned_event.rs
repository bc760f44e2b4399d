//! `orphaned_event`: an event published somewhere and subscribed nowhere.

use super::{did_you_mean, site_labels, Finding, Level, Lint};
use crate::graph::{EventGraph, Health};
use crate::model::{Model, SiteKind};

pub static LINT: Lint = Lint {
    name: "orphaned_event",
    default_level: Level::Deny,
    summary: "an event key that is published somewhere and subscribed nowhere",
    docs: r#"## What it does
Flags an event key that is published somewhere in the analyzed tree and that no
subscription in the tree listens to, by its exact key or through a wildcard subscription.

## Why is this bad?
Publishing an event nobody hears is dead code at best. More often it is a bug: a typo in
the key on one side (`graph.edge_add` vs `graph.edge_added`), a subscriber that was
removed, or a feature that was only half wired up. The work done to build the payload is
wasted and the behaviour the publisher expects never happens.

## Example
```rust
bus.publish("graph.node_added", json!({ "id": id }));
// ...and no `bus.subscribe("graph.node_added", ..)` anywhere.
```

## How to fix or allow
Subscribe to the event where it should be handled, fix the key if it is a typo, or stop
publishing it. If the event is consumed outside the analyzed tree (a front end, another
service), declare it in `choreo.toml`:
```toml
[events]
external_subscribers = ["graph.node_added"]
```
To accept one site, put `// choreo: allow(orphaned_event) -- reason` on the line of the
publish or the line above it.
"#,
};

pub fn check(model: &Model, graph: &EventGraph) -> Vec<Finding> {
    let other_side: std::collections::BTreeSet<&str> = model
        .sites
        .iter()
        .filter(|site| site.kind == SiteKind::Subscribe)
        .map(|site| site.key.as_str())
        .collect();
    graph
        .infos
        .iter()
        .filter(|info| info.health == Health::Orphaned)
        .filter_map(|info| {
            let (first, rest) = info.publishers.split_first()?;
            Some(Finding {
                lint: &LINT,
                event: Some(info.key.clone()),
                message: format!("`{}` is published but nothing subscribes to it", info.key),
                help: match did_you_mean(&info.key, other_side.iter().copied()) {
                    Some(key) => format!("did you mean `{key}`?"),
                    None => "subscribe to it, fix the key if it is a typo, or declare it in `[events] external_subscribers`".to_owned(),
                },
                primary: model.sites[*first].location.clone(),
                primary_label: "published here".to_owned(),
                notes: Vec::new(),
                secondary: site_labels(model, rest, "also published here"),
            })
        })
        .collect()
}

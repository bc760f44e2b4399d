//! `unused_subscription`: an event subscribed somewhere and published nowhere.

use super::{did_you_mean, site_labels, Finding, Level, Lint};
use crate::graph::{EventGraph, Health};
use crate::model::{Model, SiteKind};

pub static LINT: Lint = Lint {
    name: "unused_subscription",
    default_level: Level::Warn,
    summary: "an event key subscribed somewhere and published nowhere",
    docs: r#"## What it does
Flags an event key that is subscribed to in the analyzed tree but that nothing in the tree
publishes. A wildcard subscription is flagged when it matches no published key.

## Why is this bad?
A handler that can never run is dead code, and usually a sign of a mismatch: the publisher
uses a different key (a typo, a renamed constant), or the publish was never written. The
feature the handler implements silently does nothing.

## Example
```rust
bus.subscribe("extraction.completed", |e| report.finish(e));
// ...and no `bus.publish("extraction.completed", ..)` anywhere.
```

## How to fix or allow
Publish the event where it happens, fix the key, or remove the subscription. If the event
comes from outside the analyzed tree, declare it in `choreo.toml`:
```toml
[events]
external_publishers = ["extraction.completed"]
```
To accept one site, put `// choreo: allow(unused_subscription) -- reason` on the line of
the subscribe call or the line above it.
"#,
};

pub fn check(model: &Model, graph: &EventGraph) -> Vec<Finding> {
    let other_side: std::collections::BTreeSet<&str> = model
        .sites
        .iter()
        .filter(|site| site.kind == SiteKind::Publish)
        .map(|site| site.key.as_str())
        .collect();
    graph
        .infos
        .iter()
        .filter(|info| info.health == Health::Unused)
        .filter_map(|info| {
            let (first, rest) = info.subscribers.split_first()?;
            Some(Finding {
                lint: &LINT,
                event: Some(info.key.clone()),
                message: format!("`{}` is subscribed to but nothing publishes it", info.key),
                help: match did_you_mean(&info.key, other_side.iter().copied()) {
                    Some(key) => format!("did you mean `{key}`?"),
                    None => "publish it, fix the key if it is a typo, or declare it in `[events] external_publishers`".to_owned(),
                },
                primary: model.sites[*first].location.clone(),
                primary_label: "subscribed here".to_owned(),
                notes: Vec::new(),
                secondary: site_labels(model, rest, "also subscribed here"),
            })
        })
        .collect()
}

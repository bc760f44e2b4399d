//! `unresolved_handler`: a subscription whose handler body cannot be found.

use super::{Finding, Level, Lint};
use crate::graph::EventGraph;
use crate::model::Model;

pub static LINT: Lint = Lint {
    name: "unresolved_handler",
    default_level: Level::Allow,
    summary: "a subscription whose handler body cannot be found",
    docs: r#"## What it does
Flags a subscribe call whose handler choreo cannot follow: the handler is a variable, a
struct, a function defined outside the analyzed tree, or a path that names nothing choreo
found. What such a handler publishes is unknown.

## Why is this bad?
A handler choreo cannot see into is a blind spot for `feedback_loop`: a loop through it is
not reported. The lint is off by default because handlers from other crates are common;
turn it on to find the blind spots of a choreography-style system.

## Example
```rust
let handler = make_handler(config);
bus.subscribe("graph.edge_added", handler);
```

## How to fix or allow
Pass a closure or a path to a function of the tree (`Self::on_edge_added`,
`handlers::on_edge`) as the handler, or accept the blind spot: the lint is `allow` by
default, and `// choreo: allow(unresolved_handler)` silences one site.
"#,
};

pub fn check(model: &Model, _graph: &EventGraph) -> Vec<Finding> {
    model
        .unresolved_handlers
        .iter()
        .map(|&index| {
            let site = &model.sites[index];
            Finding {
                lint: &LINT,
                event: Some(site.key.clone()),
                message: format!(
                    "the handler of this `{}` subscription cannot be found, so loops through it are not seen",
                    site.key
                ),
                help: "pass a closure or a path to a function of the analyzed tree".to_owned(),
                primary: site.location.clone(),
                primary_label: "subscribed here".to_owned(),
                notes: Vec::new(),
                secondary: Vec::new(),
            }
        })
        .collect()
}

//! `missing_subscription`: a component that `[components]` says must subscribe to an
//! event and does not.

use super::{Finding, Level, Lint};
use crate::graph::EventGraph;
use crate::model::{Location, Model, SiteKind};
use crate::topic;

pub static LINT: Lint = Lint {
    name: "missing_subscription",
    default_level: Level::Deny,
    summary: "a component that `[components]` says must subscribe to an event and does not",
    docs: r#"## What it does
Checks the subscriptions each component listed under `[components.NAME]` in `choreo.toml`
must have (`must_subscribe`). A component that lacks one is reported, even a component
that holds no site at all (then at its table in `choreo.toml`).

## Why is this bad?
Some reactions are part of a system's contract: a contradiction detector that stops
listening to `graph.node_added` silently stops validating nodes. Nothing fails, nothing is
logged; the check just stops happening.

## Example
```toml
[components.ContradictionDetectorV2]
must_subscribe = ["graph.edge_added", "graph.node_added"]
```
```rust
impl ContradictionDetectorV2 {
    fn attach(&self) {
        self.bus.subscribe("graph.edge_added", ..);  // graph.node_added is missing
    }
}
```

## How to fix or allow
Add the subscription, or remove the event from `must_subscribe` if the component no
longer needs it.
"#,
};

pub fn check(model: &Model, _graph: &EventGraph) -> Vec<Finding> {
    let syntax = model.settings.topic_syntax;
    let mut findings = Vec::new();
    for contract in &model.settings.components {
        let sites: Vec<_> = model
            .sites
            .iter()
            .filter(|s| s.component == contract.name)
            .collect();
        let subscribed = |key: &str| {
            sites
                .iter()
                .filter(|s| s.kind == SiteKind::Subscribe)
                .any(|s| {
                    s.key == key
                        || (topic::is_wildcard(&s.key, syntax)
                            && topic::matches(&s.key, key, syntax))
                })
        };
        let location = match sites.first() {
            Some(site) => site.location.clone(),
            None => Location {
                file: model
                    .settings
                    .config_file
                    .clone()
                    .unwrap_or_else(|| "choreo.toml".to_owned()),
                line: contract.line,
                column: 1,
            },
        };
        for key in contract
            .must_subscribe
            .iter()
            .filter(|key| !subscribed(key))
        {
            findings.push(Finding {
                lint: &LINT,
                event: Some(key.clone()),
                message: format!("`{}` must subscribe to `{key}` but does not", contract.name),
                help: format!(
                    "subscribe `{}` to `{key}`, or remove it from `[components.{}] must_subscribe`",
                    contract.name, contract.name
                ),
                primary: location.clone(),
                primary_label: if sites.is_empty() {
                    "required here".to_owned()
                } else {
                    format!("`{}` starts here", contract.name)
                },
                notes: Vec::new(),
                secondary: Vec::new(),
            });
        }
    }
    findings
}

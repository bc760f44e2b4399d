//! `high_fan_out`: an event with more subscribers than `fan_out_threshold`.

use super::{site_labels, Finding, Level, Lint};
use crate::graph::EventGraph;
use crate::model::Model;

pub static LINT: Lint = Lint {
    name: "high_fan_out",
    default_level: Level::Warn,
    summary: "an event with more subscribers than `fan_out_threshold`",
    docs: r#"## What it does
Counts the subscribe sites that hear an event, wildcard subscriptions included and test code
(`tests/`, `benches/`, `#[cfg(test)]` items, `#[test]` functions) left out, and flags
the event when there are more than `[analysis] fan_out_threshold` (default 10).

## Why is this bad?
Every publish of a high fan-out event runs many handlers: its cost and its failure surface
grow with each new subscriber, ordering assumptions between handlers creep in, and one slow
handler delays all the others. It is also the usual shape of an event that carries too
many meanings and should be split.

## Example
```rust
// Eleven components each call:
bus.subscribe("state.changed", |e| self.refresh(e));
```

## How to fix or allow
Split the event into narrower ones, or let one subscriber fan the work out itself. If the
fan-out is intended, raise the threshold:
```toml
[analysis]
fan_out_threshold = 20
```
or set `[lints] high_fan_out = "allow"`.
"#,
};

pub fn check(model: &Model, graph: &EventGraph) -> Vec<Finding> {
    let threshold = model.settings.fan_out_threshold;
    graph
        .infos
        .iter()
        // Made or heard outside the tree (DESIGN.md precise rule 9): its subscribers are
        // the tree's, the fan-out is not its to fix.
        .filter(|info| info.health != crate::graph::Health::External)
        .filter_map(|info| {
            // Tests subscribe to check an event, not to run on it (precise rule 8).
            let listeners: Vec<usize> = info
                .listeners
                .iter()
                .copied()
                .filter(|&i| !model.sites[i].test)
                .collect();
            if listeners.len() <= threshold {
                return None;
            }
            let (first, rest) = listeners.split_first()?;
            Some(Finding {
                lint: &LINT,
                event: Some(info.key.clone()),
                message: format!(
                    "`{}` has {} subscribers, more than the threshold of {threshold}",
                    info.key,
                    listeners.len()
                ),
                help: "split the event, or raise `[analysis] fan_out_threshold`".to_owned(),
                primary: model.sites[*first].location.clone(),
                primary_label: "subscribed here".to_owned(),
                notes: Vec::new(),
                secondary: site_labels(model, rest, "and here"),
            })
        })
        .collect()
}

//! `feedback_loop`: handlers that feed each other, directly or through the calls they make.

use super::{Finding, Label, Level, Lint};
use crate::graph::EventGraph;
use crate::model::Model;

pub static LINT: Lint = Lint {
    name: "feedback_loop",
    default_level: Level::Deny,
    summary: "a cycle: a handler of event A publishes B, and so on, whose handler publishes A",
    docs: r#"## What it does
Follows every subscription into its handler, and from there through every function and
method the handler calls in the analyzed tree, to the events it publishes. When a handler
of `a` publishes `b`, a handler of `b` publishes `c`, ... and a handler of one of them
publishes `a` again, the events form a loop. Each strongly connected set of events is
reported once, at the subscription of its smallest key, with a shortest cycle as witness:
for every hop, where the subscription is, which handler runs, through which calls, and
where the publish is.

## Why is this bad?
A loop between handlers is an event storm waiting to happen: one publish can make the
handlers call each other without end, flooding the bus, pinning a core and growing queues
until something gives. Even when a condition in the code stops it today, the loop is
fragile: the condition lives in one handler and the loop spans several components.

## Example
```rust
bus.subscribe("posterior.updated", move |e| detector.recheck(e)); // publishes contradiction.detected
bus.subscribe("contradiction.detected", move |e| updater.recompute(e)); // publishes posterior.updated
```

## How to fix or allow
Break the cycle: let one side publish a different, terminal event, or move the reaction
into the handler that started the chain. If the loop is bounded on purpose (a retry with a
limit), allow it at the subscription with `// choreo: allow(feedback_loop) -- bounded by
max_retries`, and keep the runtime bus's storm detection on.
"#,
};

pub fn check(model: &Model, graph: &EventGraph) -> Vec<Finding> {
    graph
        .loops
        .iter()
        .filter_map(|cycle| {
            let first = cycle.path.first()?;
            let first_flow = &model.flows[first.flow];
            let mut chain: Vec<&str> = cycle.path.iter().map(|hop| hop.event.as_str()).collect();
            chain.push(first.event.as_str());
            let mut secondary = Vec::new();
            let mut notes = Vec::new();
            for (i, hop) in cycle.path.iter().enumerate() {
                let flow = &model.flows[hop.flow];
                let publish = &model.sites[flow.publish];
                if i > 0 {
                    secondary.push(Label {
                        location: model.sites[flow.subscribe].location.clone(),
                        message: format!("`{}` is handled here", hop.event),
                    });
                }
                secondary.push(Label {
                    location: publish.location.clone(),
                    message: format!("which publishes `{}`", publish.key),
                });
                let subscribe = &model.sites[flow.subscribe];
                let handler = format!(
                    "{}::{}",
                    subscribe.component,
                    subscribe.handler.as_deref().unwrap_or("{handler}")
                );
                // A closure handler is named after the method it calls; do not say it twice.
                let calls: String = flow
                    .via
                    .iter()
                    .skip_while(|f| **f == handler)
                    .map(|f| format!(", which calls `{f}`"))
                    .collect();
                notes.push(format!(
                    "`{}` is handled by `{handler}` ({}){calls}, which publishes `{}` ({})",
                    hop.event,
                    subscribe.location,
                    publish.key,
                    publish.location
                ));
            }
            Some(Finding {
                lint: &LINT,
                event: Some(first.event.clone()),
                message: format!(
                    "handlers feed each other in a loop: {}",
                    chain.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(" → ")
                ),
                help: "break the cycle (publish a terminal event instead), or allow it where it is bounded on purpose"
                    .to_owned(),
                primary: model.sites[first_flow.subscribe].location.clone(),
                primary_label: format!("`{}` is handled here", first.event),
                secondary,
                notes,
            })
        })
        .collect()
}

//! `dynamic_event_key`: a publish or subscribe whose key cannot be resolved statically.

use super::{site_labels, Finding, Level, Lint};
use crate::graph::{EventGraph, Health};
use crate::model::{Model, SiteKind};

pub static LINT: Lint = Lint {
    name: "dynamic_event_key",
    default_level: Level::Warn,
    summary: "a publish or subscribe whose event key cannot be resolved statically",
    docs: r#"## What it does
Flags a publish or subscribe call whose event key choreo cannot know before the program
runs: a value read from the environment, a map or an untraced parameter (reported once per
call, without an event), or a `format!` key (reported once per pattern, such as
`user.*.created`, unless a wildcard subscription covers every key it can produce).

## Why is this bad?
An event whose key is computed at run time is invisible to the static checks: choreo cannot
tell whether anybody hears it or feeds it, or whether it closes a loop. Every such site is a
hole in the safety net the rest of the analysis gives.

## Example
```rust
let topic = std::env::var("TOPIC")?;
bus.publish(&topic, payload);
bus.publish(format!("user.{}.created", id), payload);
```

## How to fix or allow
Use a constant key (`const USER_CREATED: &str = "user.created";`) and put the variable
part in the payload. For per-entity topics, subscribe with a wildcard that covers the
pattern (with `[analysis] topic_syntax = "nats"`, `user.*.created`). To accept one site,
put `// choreo: allow(dynamic_event_key) -- reason` on its line or the line above.
"#,
};

pub fn check(model: &Model, graph: &EventGraph) -> Vec<Finding> {
    let unresolved = model.unresolved.iter().map(|site| {
        let verb = match site.kind {
            SiteKind::Publish => "published",
            SiteKind::Subscribe => "subscribed",
        };
        Finding {
            lint: &LINT,
            event: None,
            message: format!("the event key `{}` cannot be resolved statically", site.expr),
            help: "use a string literal or a `const` as the key, and put the variable part in the payload"
                .to_owned(),
            primary: site.location.clone(),
            primary_label: format!("{verb} with a dynamic key"),
            notes: Vec::new(),
            secondary: Vec::new(),
        }
    });
    let patterns = graph
        .infos
        .iter()
        .filter(|info| info.health == Health::Dynamic)
        .filter_map(|info| {
            let mut sites: Vec<usize> = info
                .publishers
                .iter()
                .chain(&info.subscribers)
                .copied()
                .collect();
            sites.sort_unstable();
            let (first, rest) = sites.split_first()?;
            Some(Finding {
                lint: &LINT,
                event: Some(info.key.clone()),
                message: format!(
                    "the event key is built at run time; it matches the pattern `{}`",
                    info.key
                ),
                help: "subscribe with a wildcard that covers the pattern, or use a constant key"
                    .to_owned(),
                primary: model.sites[*first].location.clone(),
                primary_label: "key built with `format!`".to_owned(),
                notes: Vec::new(),
                secondary: site_labels(model, rest, "same pattern here"),
            })
        });
    unresolved.chain(patterns).collect()
}

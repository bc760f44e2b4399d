//! `direct_coupling`: a component that calls another or holds one in a field instead of
//! talking through events.

use std::collections::BTreeMap;

use super::{Finding, Label, Level, Lint};
use crate::graph::EventGraph;
use crate::model::{Coupling, Model};

pub static LINT: Lint = Lint {
    name: "direct_coupling",
    default_level: Level::Allow,
    summary: "a component that calls a method of another component, or holds one in a field",
    docs: r#"## What it does
Finds components (types whose methods publish or subscribe) that use another component
directly: a field whose type mentions it (`Router`, `Arc<Router>`, `Option<Box<Router>>`),
or a call of one of its methods or associated functions (`self.router.route(..)`,
`router.route(..)` on a parameter of its type, `Router::new(..)`). One finding per ordered
pair of components, at the first such place. Calls through `Self::`, on types that hold no
site (plain data, the bus itself) and on trait objects are never coupling. Off by default.

## Why is this bad?
In a choreography-style system components are meant to know only the events: "zero direct
method calls between components". A direct call hides a dependency from the event graph,
couples the two components' lifecycles and makes the caller break when the callee changes.

## Example
```rust
impl Planner {
    fn plan(&self, e: &Event) {
        self.router.route(e.job);  // instead of publishing "job.planned"
    }
}
```

## How to fix or allow
Publish an event the other component subscribes to, or merge the two if they are really
one. Turn the lint on for choreography-style code with `[lints] direct_coupling = "warn"`.
"#,
};

pub fn check(model: &Model, graph: &EventGraph) -> Vec<Finding> {
    let mut pairs: BTreeMap<(&str, &str), Vec<&Coupling>> = BTreeMap::new();
    for coupling in &model.couplings {
        pairs
            .entry((&coupling.user, &coupling.used))
            .or_default()
            .push(coupling);
    }
    let components = graph.components();
    let events_of = |name: &str| {
        components
            .iter()
            .find(|(component, _, _)| *component == name)
            .map(|(_, publishes, subscribes)| {
                publishes.union(subscribes).copied().collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    pairs
        .into_iter()
        .filter_map(|((user, used), places)| {
            let (first, rest) = places.split_first()?;
            let theirs = events_of(used);
            let shared: Vec<String> = events_of(user)
                .into_iter()
                .filter(|key| theirs.contains(key))
                .map(|key| format!("`{key}`"))
                .collect();
            let shared = if shared.is_empty() {
                "they share no event yet".to_owned()
            } else {
                format!("they already share {}", shared.join(", "))
            };
            Some(Finding {
                lint: &LINT,
                event: None,
                message: format!(
                    "`{user}` uses `{used}` directly instead of through events; {shared}"
                ),
                help: format!(
                    "publish an event that `{used}` subscribes to, instead of calling it"
                ),
                primary: first.location.clone(),
                primary_label: format!("`{used}` used here"),
                notes: Vec::new(),
                secondary: rest
                    .iter()
                    .map(|c| Label {
                        location: c.location.clone(),
                        message: "and here".to_owned(),
                    })
                    .collect(),
            })
        })
        .collect()
}

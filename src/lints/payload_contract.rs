//! `payload_contract`: a publish whose payload lacks a field `[contracts]` requires.

use super::{Finding, Level, Lint};
use crate::graph::EventGraph;
use crate::model::{Model, SiteKind};

pub static LINT: Lint = Lint {
    name: "payload_contract",
    default_level: Level::Deny,
    summary: "a publish whose payload lacks a field that `[contracts]` requires for that event",
    docs: r#"## What it does
Checks every publish of an event that has a contract in `choreo.toml` against the fields
the contract requires. The payload's fields are read from a `json!({..})` literal, a struct
literal, a wrapper's `payload`/`data` field or constructor argument, or a same-function
`let` binding to one of those. A payload whose fields cannot be known is not checked.

## Why is this bad?
Subscribers rely on the fields of the events they handle. A publish that leaves one out
makes every handler fail at run time, or worse, silently do nothing, far away from the code
that caused it.

## Example
```toml
[contracts."graph.edge_added"]
required_fields = ["source", "target"]
```
```rust
bus.publish("graph.edge_added", json!({ "source": a }));  // no "target"
```

## How to fix or allow
Add the missing field to the payload, or change the contract if the field is no longer
required. `// choreo: allow(payload_contract) -- reason` silences one publish.
"#,
};

pub fn check(model: &Model, _graph: &EventGraph) -> Vec<Finding> {
    let contracts = &model.settings.contracts;
    model
        .sites
        .iter()
        .filter(|site| site.kind == SiteKind::Publish)
        .filter_map(|site| {
            let required = contracts.get(&site.key)?;
            let present = site.payload_keys.as_ref()?;
            let missing: Vec<&str> = required
                .iter()
                .filter(|field| !present.contains(field))
                .map(String::as_str)
                .collect();
            if missing.is_empty() {
                return None;
            }
            let list = missing
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ");
            Some(Finding {
                lint: &LINT,
                event: Some(site.key.clone()),
                message: format!(
                    "the payload of `{}` lacks {list}, required by its contract",
                    site.key
                ),
                help: format!(
                    "add {list} to the payload, or change `[contracts.\"{}\"]`",
                    site.key
                ),
                primary: site.location.clone(),
                primary_label: "published here".to_owned(),
                secondary: Vec::new(),
            })
        })
        .collect()
}

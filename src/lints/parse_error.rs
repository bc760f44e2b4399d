//! `parse_error`: a `.rs` file that could not be read or parsed.

use super::{Finding, Level, Lint};
use crate::graph::EventGraph;
use crate::model::Model;

pub static LINT: Lint = Lint {
    name: "parse_error",
    default_level: Level::Warn,
    summary: "a `.rs` file that could not be read or parsed",
    docs: r#"## What it does
Reports every `.rs` file that choreo could not analyze: it could not be read (permissions,
a broken link), it is not valid UTF-8, its brackets nest too deeply to parse safely, or it
is not valid Rust syntax. The rest of the tree is still analyzed.

## Why is this bad?
Sites in a file choreo cannot read are invisible: an event published only there looks
unused, an event heard only there looks orphaned, and a loop through it goes unseen. The
report is only as complete as the files it could read.

## Example
```rust
fn broken( {
```

## How to fix or allow
Fix the syntax error (`cargo check` shows it too), or exclude generated or deliberately
invalid files in `choreo.toml`:
```toml
[analysis]
exclude = ["tests/ui/**"]
```
"#,
};

pub fn check(model: &Model, _graph: &EventGraph) -> Vec<Finding> {
    model
        .parse_failures
        .iter()
        .map(|failure| Finding {
            lint: &LINT,
            event: None,
            message: failure.message.clone(),
            help: "fix the file, or exclude it with `[analysis] exclude` in choreo.toml".to_owned(),
            primary: failure.location.clone(),
            primary_label: "here".to_owned(),
            notes: Vec::new(),
            secondary: Vec::new(),
        })
        .collect()
}

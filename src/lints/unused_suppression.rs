//! `unused_suppression`: a `// choreo: allow(..)` comment that suppresses nothing. Also
//! where suppressions are applied to the other lints' findings.

use super::{lookup, Finding, Level, Lint};
use crate::model::Model;

pub static LINT: Lint = Lint {
    name: "unused_suppression",
    default_level: Level::Warn,
    summary: "a `// choreo: allow(..)` comment that suppresses nothing",
    docs: r#"## What it does
Flags a `// choreo: allow(LINT)` comment that no finding of that lint is placed under: the
comment is on neither the line of a site the lint reports nor the line above it, or it
names a lint that does not exist.

## Why is this bad?
Suppressions outlive the problems they excused. A stale one documents a problem that is
gone, and a misspelled or misplaced one silently fails to do its job while looking as if it
did.

## Example
```rust
// choreo: allow(orphaned_event) -- the UI listens
bus.publish("ui.refresh", json!({}));   // ...but a subscriber was added since
```

## How to fix or allow
Delete the comment, fix the lint's name, or move it to the line of the site (or the line
above it).
"#,
};

/// Removes the findings that a suppression covers, and reports the suppressions that
/// cover nothing. A suppression covers a finding of its lint when it is on the line of any
/// place the finding points at, or on the line above.
pub fn apply(model: &Model, findings: Vec<Finding>) -> (Vec<Finding>, Vec<Finding>) {
    let mut used = vec![vec![false; 0]; model.suppressions.len()];
    for (index, suppression) in model.suppressions.iter().enumerate() {
        used[index] = vec![false; suppression.lints.len()];
    }
    let kept = findings
        .into_iter()
        .filter(|finding| {
            let mut suppressed = false;
            for (index, suppression) in model.suppressions.iter().enumerate() {
                let covers = finding.locations().any(|location| {
                    location.file == suppression.location.file
                        && (location.line == suppression.location.line
                            || location.line == suppression.location.line + 1)
                });
                if !covers {
                    continue;
                }
                for (slot, lint) in suppression.lints.iter().enumerate() {
                    if lint == finding.lint.name {
                        used[index][slot] = true;
                        suppressed = true;
                    }
                }
            }
            !suppressed
        })
        .collect();

    let mut unused = Vec::new();
    for (index, suppression) in model.suppressions.iter().enumerate() {
        for (slot, lint) in suppression.lints.iter().enumerate() {
            if used[index][slot] {
                continue;
            }
            let (message, help) = match lookup(lint) {
                Some(_) => (
                    format!("`allow({lint})` suppresses nothing"),
                    "remove the comment, or move it to the line of the site or the line above"
                        .to_owned(),
                ),
                None => (
                    format!("`allow({lint})` names no lint"),
                    "`choreo explain` lists the lints".to_owned(),
                ),
            };
            unused.push(Finding {
                lint: &LINT,
                event: None,
                message,
                help,
                primary: suppression.location.clone(),
                primary_label: "this suppression".to_owned(),
                notes: Vec::new(),
                secondary: Vec::new(),
            });
        }
    }
    (kept, unused)
}

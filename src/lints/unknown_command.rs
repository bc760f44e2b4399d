//! `unknown_command`: a Tauri front end invokes a command that no registered
//! `#[tauri::command]` defines.

use super::{did_you_mean, Finding, Label, Level, Lint};
use crate::graph::EventGraph;
use crate::model::Model;

pub static LINT: Lint = Lint {
    name: "unknown_command",
    default_level: Level::Deny,
    summary: "a Tauri front end invokes a command that no registered `#[tauri::command]` defines",
    docs: r#"## What it does
With the `tauri` preset, flags a front-end `invoke(NAME, ..)` (from `@tauri-apps/api/core`,
v1's `@tauri-apps/api/tauri`, or `window.__TAURI__`) whose command name is not the name
of any `#[tauri::command]` function listed in a `tauri::generate_handler![..]`. The
command's name is the function's name, or its `rename`. The help names a registered
command whose name is close ("did you mean `save_settings`?").

Commands of other crates' plugins (`plugin:dialog|open`) are the plugin's and are not
checked; those of the tree's own plugins are (`plugin:app-menu|show` for a `show` listed
in the `generate_handler!` of `tauri::plugin::Builder::new("app-menu")`). Nothing is
reported when the tree has no `generate_handler!` at all (the commands are then
registered somewhere choreo does not see).

## Why is this bad?
Tauri looks commands up by string at run time: a misspelt or unregistered command is not
a compile error on either side. The `invoke` promise rejects with "command not found"
when the user clicks the button, and only then.

## Example
```rust
#[tauri::command]
fn save_settings(settings: Settings) { /* .. */ }

tauri::Builder::default().invoke_handler(tauri::generate_handler![save_settings]);
```
```ts
import { invoke } from "@tauri-apps/api/core";
await invoke("save_setting", { settings }); // no such command
```

## How to fix or allow
Fix the name on one side, or register the command: add its function to the
`generate_handler![..]` list. To accept one call, put
`// choreo: allow(unknown_command) -- reason` on its line or the line above it.
"#,
};

pub fn check(model: &Model, _graph: &EventGraph) -> Vec<Finding> {
    let commands = &model.commands;
    if !commands.registry {
        return Vec::new();
    }
    commands
        .commands
        .iter()
        .filter(|command| !command.registered() && !commands.declared.contains(&command.name))
        .filter_map(|command| {
            let (first, rest) = command.invoked_at.split_first()?;
            let help = match (
                did_you_mean(&command.name, commands.registered_names()),
                command.defined_at.first(),
            ) {
                (Some(close), _) => format!("did you mean `{close}`?"),
                (None, Some(defined)) => format!(
                    "`{}` is a `#[tauri::command]` ({defined}) that no `generate_handler!` lists: add it there",
                    command.name
                ),
                (None, None) => format!(
                    "define a `#[tauri::command] fn {}` and list it in `tauri::generate_handler![..]`, or fix the name",
                    command.name
                ),
            };
            Some(Finding {
                lint: &LINT,
                event: Some(command.name.clone()),
                message: format!(
                    "the front end invokes `{}`, but no registered command has that name",
                    command.name
                ),
                help,
                primary: first.clone(),
                primary_label: "invoked here".to_owned(),
                notes: Vec::new(),
                secondary: rest
                    .iter()
                    .map(|location| Label {
                        location: location.clone(),
                        message: "also invoked here".to_owned(),
                    })
                    .collect(),
            })
        })
        .collect()
}

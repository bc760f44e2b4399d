//! `unregistered_command`: a `#[tauri::command]` function that no `generate_handler!` lists.

use super::{Finding, Level, Lint};
use crate::graph::EventGraph;
use crate::model::Model;

pub static LINT: Lint = Lint {
    name: "unregistered_command",
    default_level: Level::Warn,
    summary: "a `#[tauri::command]` function that no `generate_handler!` lists",
    docs: r#"## What it does
With the `tauri` preset, flags a function marked `#[tauri::command]` whose name appears in
no `tauri::generate_handler![..]` list of the tree (a list entry may be a path:
`commands::save` registers `save`; tauri-specta's `collect_commands![..]` counts too).
Nothing is reported when the tree has no `generate_handler!` at all: a crate of commands
registered by another crate is not an app.

## Why is this bad?
The attribute makes the function invokable, but only a `generate_handler!` list hands it
to the runtime. Until then every `invoke` of it fails at run time with "command not
found", and the function is dead code the compiler does not warn about.

## Example
```rust
#[tauri::command]
fn export_csv(path: String) { /* .. */ }

tauri::Builder::default().invoke_handler(tauri::generate_handler![save_settings]);
```

## How to fix or allow
Add the function to the `generate_handler![..]` list, or remove the attribute (or the
function). To accept one, put `// choreo: allow(unregistered_command) -- reason` on the
line of its name or the line above it.
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
        .filter(|command| !command.registered())
        .flat_map(|command| {
            command.defined_at.iter().map(|defined| Finding {
                lint: &LINT,
                event: Some(command.name.clone()),
                message: format!(
                    "`{}` is a `#[tauri::command]`, but no `generate_handler!` lists it",
                    command.name
                ),
                help: "add it to `tauri::generate_handler![..]`, or remove the attribute"
                    .to_owned(),
                primary: defined.clone(),
                primary_label: "defined here".to_owned(),
                notes: Vec::new(),
                secondary: Vec::new(),
            })
        })
        .collect()
}

//! `unused_command`: a registered Tauri command that the front end never invokes.

use super::{Finding, Level, Lint};
use crate::graph::EventGraph;
use crate::model::Model;

pub static LINT: Lint = Lint {
    name: "unused_command",
    default_level: Level::Warn,
    summary:
        "a registered Tauri command that the front end never invokes (only when the tree has one)",
    docs: r#"## What it does
With the `tauri` preset, flags a command listed in a `tauri::generate_handler![..]` that
no front-end `invoke(NAME, ..)` of the tree names. It runs only when the tree has a front
end (a TypeScript or JavaScript file that uses `@tauri-apps/api` or `window.__TAURI__`),
and not when some `invoke` takes its name from a variable (`invoke(command, args)` in a
wrapper of the app's own): any command may then be the one invoked.

## Why is this bad?
A command nobody invokes is dead code that still ships and still widens what the web
view may call into: each registered command is an entry point from the front end, and one
that is forgotten is not reviewed when its arguments or permissions change.

## Example
```rust
tauri::Builder::default()
    .invoke_handler(tauri::generate_handler![save_settings, legacy_import]);
```
```ts
await invoke("save_settings", { settings }); // and `legacy_import` nowhere
```

## How to fix or allow
Remove the command (and its entry in `generate_handler!`), or invoke it where it is
meant to be used. A command that is invoked from outside the analyzed front end (another
web view, a test harness) can be allowed with `// choreo: allow(unused_command) -- reason`
on the line of its function's name or the line above it, or in `[lints]`.
"#,
};

pub fn check(model: &Model, _graph: &EventGraph) -> Vec<Finding> {
    let commands = &model.commands;
    if !commands.front_end || !commands.dynamic_invokes.is_empty() {
        return Vec::new();
    }
    commands
        .commands
        .iter()
        .filter(|command| command.registered() && command.invoked_at.is_empty())
        .map(|command| {
            let primary = command
                .defined_at
                .first()
                .unwrap_or(&command.registered_at[0])
                .clone();
            Finding {
                lint: &LINT,
                event: Some(command.name.clone()),
                message: format!(
                    "the command `{}` is registered, but the front end never invokes it",
                    command.name
                ),
                help: "invoke it where it is meant to be used, or remove it and its `generate_handler!` entry".to_owned(),
                primary,
                primary_label: match command.defined_at.first() {
                    Some(_) => "defined here",
                    None => "registered here",
                }
                .to_owned(),
                notes: Vec::new(),
                secondary: Vec::new(),
            }
        })
        .collect()
}

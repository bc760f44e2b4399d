//! Tauri commands (DESIGN.md "Tauri front ends"): the `#[tauri::command]` functions of the
//! Rust side, the `generate_handler![..]` lists that register them, and the front end's
//! `invoke(NAME, ..)` calls, joined by name. What the three command lints read.

use std::collections::{BTreeMap, BTreeSet};

use crate::extract::FileFacts;
use crate::model::Location;

/// Front-end command names of Tauri plugins (`plugin:dialog|open`): the plugin registers
/// them, not the app.
const PLUGIN_PREFIX: &str = "plugin:";

/// One command name, with everything the tree says about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Command {
    /// The name the front end invokes.
    pub name: String,
    /// The `#[tauri::command]` functions of that name (one, unless two modules define it).
    pub defined_at: Vec<Location>,
    /// The `generate_handler!` entries that list its function.
    pub registered_at: Vec<Location>,
    /// The front end's `invoke` calls of it, sorted.
    pub invoked_at: Vec<Location>,
}

impl Command {
    pub fn registered(&self) -> bool {
        !self.registered_at.is_empty()
    }
}

/// The commands of a tree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Commands {
    /// Every command defined, registered or invoked (plugin commands aside), by name.
    pub commands: Vec<Command>,
    /// The tree has a front end: a front-end file that uses Tauri's API.
    pub front_end: bool,
    /// The tree has at least one `generate_handler!` list: without one, the commands are
    /// registered somewhere choreo does not see, and none is unknown or unregistered.
    pub registry: bool,
    /// `invoke` calls whose command name is not known statically: any of the registered
    /// commands may be the one invoked, so none is reported unused.
    pub dynamic_invokes: Vec<(Location, String)>,
}

impl Commands {
    /// The names of the registered commands, sorted.
    pub fn registered_names(&self) -> impl Iterator<Item = &str> {
        self.commands
            .iter()
            .filter(|c| c.registered())
            .map(|c| c.name.as_str())
    }
}

fn entry<'a>(commands: &'a mut BTreeMap<String, Command>, name: &str) -> &'a mut Command {
    commands.entry(name.to_owned()).or_insert_with(|| Command {
        name: name.to_owned(),
        ..Command::default()
    })
}

/// Joins the facts of every file by command name. Test files' commands are left out.
pub fn collect(files: &[FileFacts]) -> Commands {
    // Function name → the names its commands are invoked by (a `rename` changes it).
    let mut by_function: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut commands: BTreeMap<String, Command> = BTreeMap::new();
    let live = || files.iter().filter(|f| !f.test && f.failure.is_none());
    for file in live() {
        for def in &file.commands {
            by_function
                .entry(def.function.as_str())
                .or_default()
                .insert(def.name.as_str());
            entry(&mut commands, &def.name)
                .defined_at
                .push(def.location.clone());
        }
    }
    let mut registry = false;
    let mut front_end = false;
    let mut dynamic_invokes = Vec::new();
    for file in live() {
        for registration in &file.registrations {
            registry = true;
            let function = registration.function.as_str();
            let names: Vec<&str> = match by_function.get(function) {
                Some(names) => names.iter().copied().collect(),
                None => vec![function],
            };
            for name in names {
                entry(&mut commands, name)
                    .registered_at
                    .push(registration.location.clone());
            }
        }
        front_end |= crate::frontend::is_front_end(&file.file) && !file.skipped;
        for invoke in &file.invokes {
            match &invoke.name {
                Some(name) if name.starts_with(PLUGIN_PREFIX) => {}
                Some(name) => entry(&mut commands, name)
                    .invoked_at
                    .push(invoke.location.clone()),
                None => dynamic_invokes.push((invoke.location.clone(), invoke.expr.clone())),
            }
        }
    }
    let mut commands: Vec<Command> = commands.into_values().collect();
    for command in &mut commands {
        command.defined_at.sort();
        command.registered_at.sort();
        command.invoked_at.sort();
    }
    dynamic_invokes.sort();
    Commands {
        commands,
        front_end,
        registry,
        dynamic_invokes,
    }
}

//! Tauri commands (DESIGN.md "Tauri front ends"): the `#[tauri::command]` functions of the
//! Rust side, the `generate_handler![..]` lists that register them, and the front end's
//! `invoke(NAME, ..)` calls, joined by name. What the three command lints read.

use std::collections::{BTreeMap, BTreeSet};

use crate::extract::{CommandDef, FileFacts};
use crate::model::Location;

/// Front-end command names of Tauri plugins (`plugin:dialog|open`): the plugin registers
/// them, not the app; unless the plugin is the tree's own (`Builder::new("app-menu")`).
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
    /// Every command defined, registered or invoked (other crates' plugin commands aside),
    /// by name.
    pub commands: Vec<Command>,
    /// The tree has a front end: a front-end file that uses Tauri's API.
    pub front_end: bool,
    /// The tree has at least one `generate_handler!` list: without one, the commands are
    /// registered somewhere choreo does not see, and none is unknown or unregistered.
    pub registry: bool,
    /// `invoke` calls whose command name is not known statically: any of the registered
    /// commands may be the one invoked, so none is reported unused.
    pub dynamic_invokes: Vec<(Location, String)>,
    /// `plugin:NAME|..` commands a local plugin's build script declares: they exist, also
    /// the mobile ones without a Rust function, so invoking one is no unknown command.
    pub declared: BTreeSet<String>,
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

/// A `plugin:NAME|..` command of a plugin that is not one of the tree's own.
fn is_foreign_plugin(name: &str, plugins: &BTreeSet<&str>) -> bool {
    name.strip_prefix(PLUGIN_PREFIX)
        .is_some_and(|rest| !plugins.contains(rest.split('|').next().unwrap_or(rest)))
}

fn entry<'a>(commands: &'a mut BTreeMap<String, Command>, name: &str) -> &'a mut Command {
    commands.entry(name.to_owned()).or_insert_with(|| Command {
        name: name.to_owned(),
        ..Command::default()
    })
}

/// The name the front end invokes a command by: its own, or `plugin:NAME|..` for a
/// command a local plugin registers.
fn invoked_name(plugin: Option<&str>, name: &str) -> String {
    match plugin {
        Some(plugin) => format!("{PLUGIN_PREFIX}{plugin}|{name}"),
        None => name.to_owned(),
    }
}

/// Joins the facts of every file by command name. Test files' commands are left out.
///
/// A `generate_handler!` entry names a function; the function's `#[tauri::command]`
/// definitions in the same file are the ones it registers when there are any (two plugins
/// may each have a `get_config`), else those of that name anywhere. A definition takes the
/// names of the entries that register it (`plugin:app-menu|show` when a local plugin's
/// builder does), or its own when none does.
pub fn collect(files: &[FileFacts]) -> Commands {
    let live: Vec<&FileFacts> = files
        .iter()
        .filter(|f| !f.test && f.failure.is_none())
        .collect();
    // Function name → its definitions: (file, definition).
    let mut defs: BTreeMap<&str, Vec<(&str, &CommandDef)>> = BTreeMap::new();
    for file in &live {
        for def in &file.commands {
            defs.entry(def.function.as_str())
                .or_default()
                .push((file.file.as_str(), def));
        }
    }
    let covered = |file: &str, function: &str| -> Vec<&CommandDef> {
        let all = defs.get(function).map(Vec::as_slice).unwrap_or_default();
        let here: Vec<&CommandDef> = all
            .iter()
            .filter(|(f, _)| *f == file)
            .map(|(_, d)| *d)
            .collect();
        if here.is_empty() {
            all.iter().map(|(_, d)| *d).collect()
        } else {
            here
        }
    };
    let mut commands: BTreeMap<String, Command> = BTreeMap::new();
    // Definition (by location) → the names its registrations gave it.
    let mut registered_as: BTreeMap<&Location, BTreeSet<String>> = BTreeMap::new();
    let mut plugins: BTreeSet<&str> = BTreeSet::new();
    let mut registry = false;
    for file in &live {
        for registration in &file.registrations {
            registry = true;
            let plugin = registration.plugin.as_deref();
            plugins.extend(plugin);
            let defs = covered(&file.file, &registration.function);
            let names: Vec<String> = if defs.is_empty() {
                vec![invoked_name(plugin, &registration.function)]
            } else {
                defs.iter()
                    .map(|def| {
                        let name = invoked_name(plugin, &def.name);
                        registered_as
                            .entry(&def.location)
                            .or_default()
                            .insert(name.clone());
                        name
                    })
                    .collect()
            };
            for name in names {
                entry(&mut commands, &name)
                    .registered_at
                    .push(registration.location.clone());
            }
        }
    }
    for (_, def) in defs.values().flatten() {
        match registered_as.get(&def.location) {
            Some(names) => {
                for name in names {
                    entry(&mut commands, name)
                        .defined_at
                        .push(def.location.clone());
                }
            }
            None => entry(&mut commands, &def.name)
                .defined_at
                .push(def.location.clone()),
        }
    }
    // A plugin's `build.rs` declares the commands of the plugin its crate builds.
    let mut declared = BTreeSet::new();
    for build in live.iter().filter(|f| !f.plugin_commands.is_empty()) {
        let crate_plugins: BTreeSet<&str> = live
            .iter()
            .filter(|f| f.crate_name == build.crate_name)
            .flat_map(|f| &f.registrations)
            .filter_map(|r| r.plugin.as_deref())
            .collect();
        for plugin in crate_plugins {
            declared.extend(
                build
                    .plugin_commands
                    .iter()
                    .map(|command| invoked_name(Some(plugin), command)),
            );
        }
    }
    let mut front_end = false;
    let mut dynamic_invokes = Vec::new();
    for file in &live {
        front_end |= crate::frontend::is_front_end(&file.file) && !file.skipped;
        for invoke in &file.invokes {
            match &invoke.name {
                // Another crate's plugin (`plugin:dialog|open`) registers its own.
                Some(name) if is_foreign_plugin(name, &plugins) => {}
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
        declared,
    }
}

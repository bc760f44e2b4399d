//! `choreo init`: a commented starter `choreo.toml`, with the presets of the event crates
//! the tree's `Cargo.toml` files depend on.

use std::collections::BTreeSet;
use std::path::Path;

use crate::rules::Preset;

/// Crates whose presence in a manifest turns a preset on.
const PRESET_CRATES: &[(&str, Preset)] = &[
    ("tauri", Preset::Tauri),
    ("bevy", Preset::Bevy),
    ("bevy_ecs", Preset::Bevy),
    ("bevy_app", Preset::Bevy),
    ("async-nats", Preset::Nats),
    ("nats", Preset::Nats),
    ("rumqttc", Preset::Mqtt),
    ("paho-mqtt", Preset::Mqtt),
    ("redis", Preset::Redis),
];

/// The presets for the crates the manifests under `root` depend on; `generic` always.
pub fn detect_presets(root: &Path) -> Vec<Preset> {
    let mut presets = BTreeSet::from([Preset::Generic]);
    let manifests = ignore::WalkBuilder::new(root)
        .hidden(true)
        .require_git(false)
        .filter_entry(|entry| entry.file_name() != "target")
        .build()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name() == "Cargo.toml");
    for manifest in manifests {
        let Ok(text) = std::fs::read_to_string(manifest.path()) else {
            continue;
        };
        let Ok(table) = text.parse::<toml::Table>() else {
            continue;
        };
        for name in dependency_names(&table) {
            if let Some((_, preset)) = PRESET_CRATES.iter().find(|(krate, _)| *krate == name) {
                presets.insert(*preset);
            }
        }
    }
    presets.into_iter().collect()
}

fn dependency_names(table: &toml::Table) -> Vec<String> {
    let sections = ["dependencies", "dev-dependencies", "build-dependencies"];
    let mut names = Vec::new();
    let mut collect = |deps: Option<&toml::Value>| {
        if let Some(deps) = deps.and_then(toml::Value::as_table) {
            for (name, spec) in deps {
                // `foo = { package = "async-nats" }` renames a dependency.
                let real = spec
                    .get("package")
                    .and_then(toml::Value::as_str)
                    .unwrap_or(name);
                names.push(real.to_owned());
            }
        }
    };
    for section in sections {
        collect(table.get(section));
    }
    collect(table.get("workspace").and_then(|w| w.get("dependencies")));
    if let Some(targets) = table.get("target").and_then(toml::Value::as_table) {
        for target in targets.values() {
            for section in sections {
                collect(target.get(section));
            }
        }
    }
    names
}

/// The starter config for these presets.
pub fn starter(presets: &[Preset]) -> String {
    let list = presets
        .iter()
        .map(|p| format!("\"{}\"", p.name()))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"# choreo configuration. Every key is optional; `choreo explain` lists the lints.

[analysis]
# Which call names are publish/subscribe sites. Detected from Cargo.toml.
presets = [{list}]
# How publish and subscribe keys match: exact | nats | mqtt | glob.
# topic_syntax = "exact"
# Globs relative to this directory; .gitignore, target/ and hidden directories are always skipped.
# exclude = ["benches/**", "examples/**"]
# fan_out_threshold = 10

[lints]
# orphaned_event = "deny"
# feedback_loop = "deny"
# unused_subscription = "warn"
# direct_coupling = "warn"     # allow by default; turn on for choreography-style code

[events]
# Keys consumed or produced outside this tree (a front end, another service).
# external_subscribers = ["frontend.*"]
# external_publishers = ["sensors.*"]
# aliases = {{ "jobs_email" = "jobs.email" }}

# Your own bus API, added to the presets' rules:
# [[publish]]
# method = "fire"
# receiver = "bus|events"
# event = "arg0"
#
# [[subscribe]]
# method = "when"
# event = "arg0"
# handler = "arg1"

# Payload contracts and required subscriptions:
# [contracts."graph.edge_added"]
# required_fields = ["source", "target"]
#
# [components.ContradictionDetector]
# must_subscribe = ["graph.edge_added"]
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn the_starter_is_a_valid_config() {
        let text = starter(&[Preset::Generic, Preset::Nats]);
        let config = Config::parse("choreo.toml", &text).unwrap();
        assert_eq!(config.presets, vec![Preset::Generic, Preset::Nats]);
    }

    #[test]
    fn presets_from_dependencies() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[package]\nname = \"app\"\n[dependencies]\nbevy = \"0.14\"\nmq = { package = \"rumqttc\", version = \"0.24\" }\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("crates/api")).unwrap();
        std::fs::write(
            dir.path().join("crates/api/Cargo.toml"),
            "[package]\nname = \"api\"\n[dependencies]\nasync-nats = \"0.35\"\n",
        )
        .unwrap();
        assert_eq!(
            detect_presets(dir.path()),
            vec![Preset::Generic, Preset::Bevy, Preset::Nats, Preset::Mqtt]
        );
    }
}

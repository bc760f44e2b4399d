//! `choreo init`: a commented starter `choreo.toml`, with the presets of the event crates
//! the tree's `Cargo.toml` files depend on.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::rules::Preset;

/// Crates whose presence in a manifest turns a preset on (DESIGN.md "Commands", `init`).
const PRESET_CRATES: &[(&str, Preset)] = &[
    ("tauri", Preset::Tauri),
    ("bevy", Preset::Bevy),
    ("bevy_ecs", Preset::Bevy),
    ("bevy_app", Preset::Bevy),
    ("async-nats", Preset::Nats),
    ("nats", Preset::Nats),
    ("rumqttc", Preset::Mqtt),
    ("rumqttd", Preset::Mqtt),
    ("paho-mqtt", Preset::Mqtt),
    ("mosquitto-rs", Preset::Mqtt),
    ("redis", Preset::Redis),
    ("fred", Preset::Redis),
];

/// A preset `init` turns on, and why: `manifest: crate` for each dependency that named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    pub preset: Preset,
    pub reasons: Vec<String>,
}

/// The presets for the crates the manifests of the tree depend on, sorted; `generic` only
/// when no manifest names an event crate.
pub fn detect_presets(root: &Path) -> Vec<Preset> {
    detect(root).into_iter().map(|d| d.preset).collect()
}

/// [`detect_presets`] with the reasons. Every `Cargo.toml` under `root` is read (as
/// discovery walks: `.gitignore` honoured, hidden and `target/` directories skipped), and so
/// is every member a `[workspace] members` list names, by path or glob, also where the walk
/// does not go (an ignored or outside directory).
pub fn detect(root: &Path) -> Vec<Detected> {
    let mut found: BTreeMap<Preset, BTreeSet<String>> = BTreeMap::new();
    for (shown, table) in manifests(root) {
        for name in dependency_names(&table) {
            if let Some((krate, preset)) = PRESET_CRATES.iter().find(|(krate, _)| *krate == name) {
                found
                    .entry(*preset)
                    .or_default()
                    .insert(format!("{shown}: {krate}"));
            }
        }
    }
    if found.is_empty() {
        return vec![Detected {
            preset: Preset::Generic,
            reasons: Vec::new(),
        }];
    }
    found
        .into_iter()
        .map(|(preset, reasons)| Detected {
            preset,
            reasons: reasons.into_iter().collect(),
        })
        .collect()
}

/// Every manifest of the tree and of its workspaces' members, parsed, each with its path as
/// shown (relative to `root`, `/`-separated), sorted and without repeats.
fn manifests(root: &Path) -> Vec<(String, toml::Table)> {
    let mut queue: Vec<PathBuf> = ignore::WalkBuilder::new(root)
        .hidden(true)
        .require_git(false)
        .filter_entry(|entry| entry.depth() == 0 || entry.file_name() != "target")
        .build()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name() == "Cargo.toml")
        .map(ignore::DirEntry::into_path)
        .collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    while let Some(manifest) = queue.pop() {
        let key = std::fs::canonicalize(&manifest).unwrap_or_else(|_| manifest.clone());
        if !seen.insert(key) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let Ok(table) = text.parse::<toml::Table>() else {
            continue;
        };
        let dir = manifest.parent().unwrap_or(root);
        queue.extend(
            workspace_members(dir, &table)
                .into_iter()
                .map(|member| member.join("Cargo.toml"))
                .filter(|member| member.is_file()),
        );
        out.push((shown(root, &manifest), table));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// A path as `init` names it: relative to `root` when inside it, `/`-separated.
fn shown(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The member directories a `[workspace]` table lists (`members`, globs expanded one path
/// component at a time as Cargo does), less those under its `exclude`.
fn workspace_members(dir: &Path, table: &toml::Table) -> Vec<PathBuf> {
    let Some(workspace) = table.get("workspace") else {
        return Vec::new();
    };
    let strings = |key: &str| -> Vec<String> {
        workspace
            .get(key)
            .and_then(toml::Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| item.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let excluded: Vec<PathBuf> = strings("exclude").iter().map(|e| dir.join(e)).collect();
    let mut members = Vec::new();
    for pattern in strings("members") {
        let mut dirs = vec![dir.to_path_buf()];
        for part in Path::new(&pattern).components() {
            let part = part.as_os_str().to_string_lossy();
            dirs = if part == "**" {
                dirs.iter().flat_map(|d| descendants(d)).collect()
            } else if part.contains(['*', '?', '[']) {
                let Ok(glob) = globset::Glob::new(&part) else {
                    dirs.clear();
                    break;
                };
                let matcher = glob.compile_matcher();
                dirs.iter()
                    .flat_map(|d| subdirectories(d))
                    .filter(|d| d.file_name().is_some_and(|name| matcher.is_match(name)))
                    .collect()
            } else {
                dirs.iter().map(|d| d.join(&*part)).collect()
            };
        }
        members.extend(
            dirs.into_iter()
                .filter(|member| !excluded.iter().any(|e| member.starts_with(e))),
        );
    }
    members
}

/// The directories right under `dir`, without hidden ones and `target`.
fn subdirectories(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            !name.starts_with('.') && name != "target"
        })
        .map(|entry| entry.path())
        .collect();
    dirs.sort();
    dirs
}

/// `dir` and every directory below it (for a `**` component).
fn descendants(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    let mut next = 0;
    while next < out.len() {
        let children = subdirectories(&out[next]);
        out.extend(children);
        next += 1;
    }
    out
}

/// The crates a manifest depends on (all sections, targets and the workspace's table),
/// by their real names (`package = ..` renames followed).
pub(crate) fn dependency_names(table: &toml::Table) -> Vec<String> {
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

/// The starter config for these presets, each with a comment saying why it is on.
pub fn starter(detected: &[Detected]) -> String {
    let list = detected
        .iter()
        .map(|d| format!("\"{}\"", d.preset.name()))
        .collect::<Vec<_>>()
        .join(", ");
    // What the presets make of topic_syntax (nats and mqtt set their own). Redis has none to
    // set, yet its `PSUBSCRIBE` patterns are globs: a tree on redis alone gets `glob` written
    // out, so that `psubscribe("orders.*")` hears `publish("orders.created")` from the start.
    let on = |preset| detected.iter().any(|d| d.preset == preset);
    let syntax_line = if on(Preset::Nats) {
        commented_syntax("nats")
    } else if on(Preset::Mqtt) {
        commented_syntax("mqtt")
    } else if on(Preset::Redis) {
        "# How publish and subscribe keys match: exact | nats | mqtt | glob. Redis `psubscribe`\n\
         # patterns are globs (`*`, `?`), so redis trees match by glob:\n\
         topic_syntax = \"glob\"\n"
            .to_owned()
    } else {
        commented_syntax("exact")
    };
    let mut why = String::new();
    for d in detected {
        if d.reasons.is_empty() {
            why.push_str(&format!(
                "#   {}: no Cargo.toml here depends on an event crate this tool knows\n",
                d.preset.name()
            ));
            continue;
        }
        let shown: Vec<&str> = d.reasons.iter().take(3).map(String::as_str).collect();
        let more = match d.reasons.len().saturating_sub(3) {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        why.push_str(&format!(
            "#   {}: {}{more}\n",
            d.preset.name(),
            shown.join(", ")
        ));
    }
    format!(
        r#"# choreo configuration. Every key is optional; `choreo explain` lists the lints.

[analysis]
# Which call names are publish/subscribe sites, detected from Cargo.toml:
{why}presets = [{list}]
{syntax_line}# Globs relative to this directory; .gitignore, target/ and hidden directories are always skipped.
# exclude = ["benches/**", "examples/**"]
# fan_out_threshold = 10
# Leave out tests/, benches/, examples/ and #[cfg(test)] code:
# tests = false

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

/// The `topic_syntax` lines of a starter whose presets give `syntax`: said, not set.
fn commented_syntax(syntax: &str) -> String {
    format!(
        "# How publish and subscribe keys match: exact | nats | mqtt | glob (the presets give {syntax}).\n\
         # topic_syntax = \"{syntax}\"\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, TopicSyntax};

    #[test]
    fn the_starter_is_a_valid_config() {
        let detected = [
            Detected {
                preset: Preset::Nats,
                reasons: vec!["Cargo.toml: async-nats".to_owned()],
            },
            Detected {
                preset: Preset::Mqtt,
                reasons: (0..5)
                    .map(|i| format!("m{i}/Cargo.toml: rumqttc"))
                    .collect(),
            },
        ];
        let text = starter(&detected);
        let config = Config::parse("choreo.toml", &text).unwrap();
        assert_eq!(config.presets, vec![Preset::Nats, Preset::Mqtt]);
        assert!(
            text.contains("#   nats: Cargo.toml: async-nats\n"),
            "{text}"
        );
        assert!(
            text.contains(", m2/Cargo.toml: rumqttc and 2 more\n"),
            "{text}"
        );
        let generic = starter(&detect(Path::new("/nonexistent")));
        assert!(generic.contains("presets = [\"generic\"]"), "{generic}");
        // The commented-out topic_syntax says what the presets give, not `exact`.
        assert!(text.contains("# topic_syntax = \"nats\""), "{text}");
        assert!(generic.contains("# topic_syntax = \"exact\""), "{generic}");
        // Redis alone writes glob matching out; beside nats, nats's syntax wins.
        let redis = |others: &[Preset]| {
            let mut detected: Vec<Detected> = others
                .iter()
                .chain([&Preset::Redis])
                .map(|&preset| Detected {
                    preset,
                    reasons: vec!["Cargo.toml: x".to_owned()],
                })
                .collect();
            detected.sort_by_key(|d| d.preset);
            Config::parse("choreo.toml", &starter(&detected)).unwrap()
        };
        assert_eq!(redis(&[]).topic_syntax, TopicSyntax::Glob);
        assert_eq!(redis(&[Preset::Tauri]).topic_syntax, TopicSyntax::Glob);
        assert_eq!(redis(&[Preset::Nats]).topic_syntax, TopicSyntax::Nats);
        // The starter names `tests`, commented out, and it parses when uncommented.
        let with_tests = text.replace("# tests = false", "tests = false");
        assert!(!Config::parse("choreo.toml", &with_tests).unwrap().tests);
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
            vec![Preset::Bevy, Preset::Nats, Preset::Mqtt]
        );
    }
}

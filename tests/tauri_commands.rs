//! Tauri commands (DESIGN.md "Tauri front ends"): `invoke(NAME, ..)` in the front end
//! against the `#[tauri::command]` functions that a `generate_handler![..]` registers, the
//! three command lints, and the report's `commands`.

use std::path::Path;

use choreo::config::Config;
use choreo::report::Report;

fn analyze_dir(rel: &str) -> Report {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let config = Config::load(&root.join("choreo.toml")).unwrap();
    choreo::analyze(&root, &config, &config.levels, Some(1))
        .unwrap()
        .report
}

fn analyze_sources(config: &str, sources: &[(&str, &str)]) -> Report {
    let config = Config::parse("choreo.toml", config).unwrap();
    let sources: Vec<(String, String)> = sources
        .iter()
        .map(|(path, text)| ((*path).to_owned(), (*text).to_owned()))
        .collect();
    choreo::analyze_sources(&sources, &config, &config.levels).report
}

const TAURI: &str = "[analysis]\npresets = [\"tauri\"]\n";

/// `(lint, command, file:line)` of the command lints' findings, sorted.
fn command_findings(report: &Report) -> Vec<(String, String, String)> {
    let mut found: Vec<(String, String, String)> = report
        .findings
        .iter()
        .filter(|f| f.lint.ends_with("_command"))
        .map(|f| {
            (
                f.lint.to_string(),
                f.event.clone().unwrap_or_default(),
                format!("{}:{}", f.file, f.line),
            )
        })
        .collect();
    found.sort();
    found
}

fn triples(items: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    items
        .iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect()
}

#[test]
fn v2_app_commands_and_findings() {
    let report = analyze_dir("fixtures/tauri/commands_v2");
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(
        json["commands"],
        serde_json::json!([
            {"name": "export_csv", "defined_at": "src-tauri/src/commands.rs:24", "registered": false, "invoked_at": []},
            {"name": "greet", "defined_at": "src-tauri/src/main.rs:6", "registered": true, "invoked_at": ["src/lib/api.ts:6"]},
            {"name": "legacy_import", "defined_at": "src-tauri/src/commands.rs:17", "registered": true, "invoked_at": []},
            {"name": "load_config", "defined_at": "src-tauri/src/commands.rs:11", "registered": true, "invoked_at": ["src/lib/api.ts:10"]},
            {"name": "save_setting", "defined_at": null, "registered": false, "invoked_at": ["src/App.vue:15"]},
            {"name": "save_settings", "defined_at": "src-tauri/src/commands.rs:4", "registered": true, "invoked_at": ["src/App.vue:13"]},
        ])
    );
    assert_eq!(
        command_findings(&report),
        triples(&[
            ("unknown_command", "save_setting", "src/App.vue:15"),
            (
                "unregistered_command",
                "export_csv",
                "src-tauri/src/commands.rs:24"
            ),
            (
                "unused_command",
                "legacy_import",
                "src-tauri/src/commands.rs:17"
            ),
        ])
    );
    let unknown = report
        .findings
        .iter()
        .find(|f| f.lint == "unknown_command")
        .unwrap();
    assert_eq!(unknown.level, choreo::lints::Level::Deny);
    assert_eq!(unknown.help, "did you mean `save_settings`?");
    assert_eq!(unknown.column, 9, "the column of `invoke`");
}

#[test]
fn v1_app_svelte_namespace_and_global_api() {
    let report = analyze_dir("fixtures/tauri/commands_v1");
    let invoked: Vec<(&str, &[String])> = report
        .commands
        .iter()
        .map(|c| (c.name.as_str(), c.invoked_at.as_slice()))
        .collect();
    assert_eq!(
        invoked,
        vec![
            ("add_note", &["src/routes/+page.svelte:12".to_owned()][..]),
            ("debug_dump", &["src/debug.js:3".to_owned()][..]),
            (
                "delete_note",
                &["src/routes/+page.svelte:17".to_owned()][..]
            ),
            ("list_notes", &["src/routes/+page.svelte:8".to_owned()][..]),
        ]
    );
    // Two `generate_handler!` lists behind `cfg`: a command in either is registered.
    assert!(report
        .commands
        .iter()
        .all(|c| c.registered || c.name == "delete_note"));
    assert_eq!(
        command_findings(&report),
        triples(&[(
            "unknown_command",
            "delete_note",
            "src/routes/+page.svelte:17"
        )])
    );
}

const RUST_SIDE: &str = "#[tauri::command]\nfn save() {}\n#[tauri::command]\nfn load() {}\n\
    fn main() { tauri::Builder::default().invoke_handler(tauri::generate_handler![save, load]); }\n";

#[test]
fn a_dynamic_invoke_makes_no_command_unused() {
    let wrapper = "import { invoke } from '@tauri-apps/api/core';\n\
        export const call = (cmd: string) => invoke(cmd);\ninvoke('save');\n";
    let report = analyze_sources(
        TAURI,
        &[
            ("src-tauri/src/main.rs", RUST_SIDE),
            ("src/api.ts", wrapper),
        ],
    );
    assert!(
        command_findings(&report).is_empty(),
        "{:?}",
        report.findings
    );
    // Without the wrapper, `load` is unused.
    let plain = "import { invoke } from '@tauri-apps/api/core';\ninvoke('save');\n";
    let report = analyze_sources(
        TAURI,
        &[("src-tauri/src/main.rs", RUST_SIDE), ("src/api.ts", plain)],
    );
    assert_eq!(
        command_findings(&report),
        triples(&[("unused_command", "load", "src-tauri/src/main.rs:4")])
    );
}

#[test]
fn no_front_end_no_unused_command() {
    let report = analyze_sources(TAURI, &[("src-tauri/src/main.rs", RUST_SIDE)]);
    assert!(
        command_findings(&report).is_empty(),
        "{:?}",
        report.findings
    );
    assert_eq!(report.commands.len(), 2);
}

#[test]
fn without_generate_handler_nothing_is_unknown_or_unregistered() {
    // A crate of commands that another crate registers, and a front end beside it.
    let rust = "#[tauri::command]\npub fn save() {}\n";
    let front =
        "import { invoke } from '@tauri-apps/api/core';\ninvoke('save');\ninvoke('other');\n";
    let report = analyze_sources(
        TAURI,
        &[("src-tauri/src/lib.rs", rust), ("src/main.ts", front)],
    );
    assert!(
        command_findings(&report).is_empty(),
        "{:?}",
        report.findings
    );
}

#[test]
fn other_invokes_and_plugin_commands_are_not_checked() {
    let front =
        "import { invoke } from './rpc';\nimport { invoke as call } from '@tauri-apps/api/core';\n\
        import { emit } from '@tauri-apps/api/event';\n\
        invoke('nope');\ncall('plugin:dialog|open');\ncall('save');\ncall('load');\n";
    let report = analyze_sources(
        TAURI,
        &[("src-tauri/src/main.rs", RUST_SIDE), ("src/main.ts", front)],
    );
    assert!(
        command_findings(&report).is_empty(),
        "{:?}",
        report.findings
    );
    let names: Vec<&str> = report.commands.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["load", "save"]);
}

/// A plugin of the tree's own (`tauri::plugin::Builder::new("app-menu")`) registers its
/// commands as `plugin:app-menu|NAME`; those invokes are checked like the app's, and two
/// plugins may each have a command of one function name.
#[test]
fn local_plugin_commands_are_checked() {
    let menu = "#[tauri::command]\nfn show() {}\n#[tauri::command]\nfn hide() {}\n\
        pub fn init<R: Runtime>() -> TauriPlugin<R> {\n\
        tauri::plugin::Builder::<R>::new(\"app-menu\")\n\
        .invoke_handler(tauri::generate_handler![show, hide])\n.build()\n}\n";
    let tray = "#[tauri::command]\nfn show() {}\n\
        pub fn init<R: Runtime>() -> TauriPlugin<R> {\n\
        Builder::new(\"tray\").invoke_handler(tauri::generate_handler![show]).build()\n}\n";
    let front =
        "import { invoke } from '@tauri-apps/api/core';\ninvoke('save');\ninvoke('load');\n\
        invoke('plugin:app-menu|show');\ninvoke('plugin:app-menu|hid');\n\
        invoke('plugin:dialog|open');\n";
    let report = analyze_sources(
        TAURI,
        &[
            ("src-tauri/src/main.rs", RUST_SIDE),
            ("src-tauri/src/menu.rs", menu),
            ("src-tauri/src/tray.rs", tray),
            ("src/main.ts", front),
        ],
    );
    assert_eq!(
        command_findings(&report),
        triples(&[
            ("unknown_command", "plugin:app-menu|hid", "src/main.ts:5"),
            (
                "unused_command",
                "plugin:app-menu|hide",
                "src-tauri/src/menu.rs:4"
            ),
            (
                "unused_command",
                "plugin:tray|show",
                "src-tauri/src/tray.rs:2"
            ),
        ])
    );
    let unknown = report
        .findings
        .iter()
        .find(|f| f.lint == "unknown_command")
        .unwrap();
    assert!(
        unknown.help.contains("plugin:app-menu|hide"),
        "{}",
        unknown.help
    );
    let names: Vec<&str> = report.commands.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "load",
            "plugin:app-menu|hid",
            "plugin:app-menu|hide",
            "plugin:app-menu|show",
            "plugin:tray|show",
            "save"
        ]
    );
}

#[test]
fn tauri_specta_plugin_commands_and_plugin_names_in_consts() {
    // A plugin named by a const, its commands collected by tauri-specta (one written with
    // generic arguments but no turbofish, which its macro accepts).
    let git = "mod commands;\n\
        const PLUGIN_NAME: &str = \"git\";\n\
        fn make_specta_builder<R: tauri::Runtime>() -> tauri_specta::Builder<R> {\n\
        tauri_specta::Builder::<R>::new()\n\
        .plugin_name(PLUGIN_NAME)\n\
        .commands(tauri_specta::collect_commands![\n\
        commands::status::<tauri::Wry>,\n\
        commands::log<tauri::Wry>,\n\
        ])\n\
        }\n\
        pub fn init<R: tauri::Runtime>() -> tauri::plugin::TauriPlugin<R> {\n\
        let specta_builder = make_specta_builder();\n\
        tauri::plugin::Builder::new(PLUGIN_NAME)\n\
        .invoke_handler(specta_builder.invoke_handler())\n\
        .build()\n\
        }\n";
    let commands =
        "#[tauri::command]\n#[specta::specta]\npub async fn status<R: tauri::Runtime>() {}\n\
        #[tauri::command]\n#[specta::specta]\npub async fn log<R: tauri::Runtime>() {}\n";
    let sfx = "const NAME: &str = \"sfx\";\n\
        #[tauri::command]\nfn stop() {}\n\
        pub fn init<R: Runtime>() -> TauriPlugin<R> {\n\
        Builder::new(NAME).invoke_handler(tauri::generate_handler![stop]).build()\n}\n";
    let front = "import { invoke as TAURI_INVOKE } from '@tauri-apps/api/core';\n\
        TAURI_INVOKE('plugin:git|status');\nTAURI_INVOKE('plugin:git|log');\n\
        TAURI_INVOKE('plugin:sfx|stop');\nTAURI_INVOKE('plugin:git|push');\n";
    let report = analyze_sources(
        TAURI,
        &[
            ("plugins/git/src/lib.rs", git),
            ("plugins/git/src/commands.rs", commands),
            ("plugins/sfx/src/lib.rs", sfx),
            ("src/main.ts", front),
        ],
    );
    assert_eq!(
        command_findings(&report),
        triples(&[("unknown_command", "plugin:git|push", "src/main.ts:5")])
    );
}

#[test]
fn suppressed_on_the_line_above() {
    let front = "import { invoke } from '@tauri-apps/api/core';\ninvoke('save');\ninvoke('load');\n\
        // choreo: allow(unknown_command) -- served by the test harness\ninvoke('harness_reset');\n";
    let report = analyze_sources(
        TAURI,
        &[("src-tauri/src/main.rs", RUST_SIDE), ("src/main.ts", front)],
    );
    assert!(
        command_findings(&report).is_empty(),
        "{:?}",
        report.findings
    );
    assert!(report
        .findings
        .iter()
        .all(|f| f.lint != "unused_suppression"));
}

#[test]
fn commands_only_with_the_tauri_preset() {
    let report = analyze_sources("", &[("src-tauri/src/main.rs", RUST_SIDE)]);
    assert!(report.commands.is_empty());
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert!(json.get("commands").is_none(), "absent when empty");
}

#[test]
fn a_plugins_build_script_declares_its_mobile_commands() {
    // readest: `tauri_plugin::Builder::new(COMMANDS)` in the plugin's `build.rs` names the
    // commands written in Kotlin and Swift and the built-in permission ones; invoking them
    // is no unknown command. A misspelt one still is.
    let report = analyze_dir("fixtures/tauri/plugin-mobile-commands");
    assert_eq!(
        command_findings(&report),
        vec![(
            "unknown_command".to_owned(),
            "plugin:native-bridge|get_lookup_dictionnary".to_owned(),
            "src/bridge.ts:11".to_owned()
        )]
    );
}

#[test]
fn the_global_invoke_under_a_local_name_or_from_a_getter_is_tauris() {
    // modrinth: `const invoke = window.__TAURI__?.core?.invoke ?? window.__TAURI_INTERNALS__?.invoke`
    // in a getter, and `const invoke = getTauriInvoke()` where the commands are invoked.
    let rust = "#[tauri::command]\nfn show_ui() {}\n\
        #[tauri::command]\nfn hide_ui() {}\n\
        #[tauri::command]\nfn expand() {}\n\
        fn main() {\n\
        tauri::Builder::default()\n\
        .invoke_handler(tauri::generate_handler![show_ui, hide_ui, expand])\n\
        .run(tauri::generate_context!())\n\
        .unwrap();\n\
        }\n";
    let js = "function getTauriInvoke() {\n\
        const invoke = window.__TAURI__?.core?.invoke ?? window.__TAURI_INTERNALS__?.invoke\n\
        return typeof invoke === 'function' ? invoke : undefined\n\
        }\n\
        export async function show() {\n\
        const invoke = getTauriInvoke()\n\
        if (invoke) await invoke('show_ui')\n\
        }\n\
        export async function hide() {\n\
        const call = window.__TAURI__.core.invoke\n\
        await call('hide_ui')\n\
        }\n";
    let report = analyze_sources(
        TAURI,
        &[("src-tauri/src/main.rs", rust), ("src/bridge.js", js)],
    );
    // `expand` is registered and never invoked: the one finding.
    assert_eq!(
        command_findings(&report),
        vec![(
            "unused_command".to_owned(),
            "expand".to_owned(),
            "src-tauri/src/main.rs:6".to_owned()
        )]
    );
}

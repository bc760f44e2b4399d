//! Tauri front-end events (DESIGN.md "Tauri front ends"): which calls are sites and which
//! keys resolve, in the shapes real apps write them.

use choreo::config::Config;
use choreo::report::Report;

fn analyze_sources(sources: &[(&str, &str)]) -> Report {
    let config = Config::parse("choreo.toml", "[analysis]\npresets = [\"tauri\"]\n").unwrap();
    let sources: Vec<(String, String)> = sources
        .iter()
        .map(|(path, text)| ((*path).to_owned(), (*text).to_owned()))
        .collect();
    choreo::analyze_sources(&sources, &config, &config.levels).report
}

/// `(key, publishers' file:line, subscribers' file:line)` for every event, sorted.
fn events(report: &Report) -> Vec<(String, Vec<String>, Vec<String>)> {
    report
        .events
        .iter()
        .map(|event| {
            let mut publishers: Vec<String> = event
                .publishers
                .iter()
                .map(|p| format!("{}:{}", p.file, p.line))
                .collect();
            let mut subscribers: Vec<String> = event
                .subscribers
                .iter()
                .map(|s| format!("{}:{}", s.file, s.line))
                .collect();
            publishers.sort();
            subscribers.sort();
            (event.key.clone(), publishers, subscribers)
        })
        .collect()
}

fn lints(report: &Report) -> Vec<String> {
    let mut lints: Vec<String> = report.findings.iter().map(|f| f.lint.to_string()).collect();
    lints.sort();
    lints
}

const RUST_EMITS: &str = "use tauri::Emitter;\n\
    fn tick(app: tauri::AppHandle) {\n\
    app.emit(\"clipboard-changed\", ()).unwrap();\n\
    app.emit(\"theme_changed\", ()).unwrap();\n\
    }\n";

#[test]
fn object_literal_consts_are_keys_locally_and_imported() {
    let keys = "export const LISTEN_KEY = {\n  CLIPBOARD: \"clipboard-changed\",\n  \"theme\": `theme_changed`,\n} as const;\n";
    let app = "import { listen } from \"@tauri-apps/api/event\";\n\
        import { LISTEN_KEY } from \"./keys\";\n\
        const LOCAL = { Saved: \"saved\" };\n\
        listen(LISTEN_KEY.CLIPBOARD, () => {});\n\
        listen(LISTEN_KEY.theme, () => {});\n\
        listen(LOCAL.Saved, () => {});\n\
        listen(LOCAL.Missing, () => {});\n";
    let report = analyze_sources(&[
        ("src-tauri/src/main.rs", RUST_EMITS),
        ("src/keys.ts", keys),
        ("src/app.ts", app),
    ]);
    assert_eq!(
        events(&report),
        vec![
            (
                "clipboard-changed".to_owned(),
                vec!["src-tauri/src/main.rs:3".to_owned()],
                vec!["src/app.ts:4".to_owned()]
            ),
            ("saved".to_owned(), vec![], vec!["src/app.ts:6".to_owned()]),
            (
                "theme_changed".to_owned(),
                vec!["src-tauri/src/main.rs:4".to_owned()],
                vec!["src/app.ts:5".to_owned()]
            ),
        ]
    );
    // `LOCAL.Missing` is no static key; `saved` is heard but never sent.
    assert_eq!(
        lints(&report),
        vec!["dynamic_event_key", "unused_subscription"]
    );
}

#[test]
fn the_package_root_exports_event_and_invoke() {
    // Tauri v1: `import { event, invoke } from "@tauri-apps/api"`.
    let app = "import { event, invoke } from '@tauri-apps/api';\n\
        event.listen('clipboard-changed', () => {});\n\
        invoke('save');\n";
    let rust = "#[tauri::command]\nfn save() {}\n\
        fn main() { tauri::Builder::default().invoke_handler(tauri::generate_handler![save]); }\n";
    let report = analyze_sources(&[
        ("src-tauri/src/main.rs", rust),
        ("src-tauri/src/emit.rs", RUST_EMITS),
        ("src/app.ts", app),
    ]);
    let heard = events(&report)
        .into_iter()
        .find(|(key, _, _)| key == "clipboard-changed")
        .unwrap();
    assert_eq!(heard.2, vec!["src/app.ts:2".to_owned()]);
    let save = report.commands.iter().find(|c| c.name == "save").unwrap();
    assert_eq!(save.invoked_at, vec!["src/app.ts:3".to_owned()]);
    assert!(
        !report.findings.iter().any(|f| f.lint == "unused_command"),
        "{:?}",
        report.findings
    );
}

#[test]
fn an_import_after_its_use_still_counts() {
    // tauri-specta's generated bindings import `invoke` at the end of the file.
    let bindings = "export const commands = {\n\
        async save() { return await TAURI_INVOKE('save'); },\n\
        };\n\
        import { invoke as TAURI_INVOKE } from '@tauri-apps/api/core';\n";
    let rust = "#[tauri::command]\nfn save() {}\n\
        fn main() { tauri::Builder::default().invoke_handler(tauri::generate_handler![save]); }\n";
    let report = analyze_sources(&[
        ("src-tauri/src/main.rs", rust),
        ("src/bindings.ts", bindings),
    ]);
    let save = report.commands.iter().find(|c| c.name == "save").unwrap();
    assert_eq!(save.invoked_at, vec!["src/bindings.ts:2".to_owned()]);
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}

fn analyze_dir(rel: &str) -> Report {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let config = Config::load(&root.join("choreo.toml")).unwrap();
    choreo::analyze(&root, &config, &config.levels, Some(1))
        .unwrap()
        .report
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn calls_of_wrapper_functions_are_the_sites() {
    // DESIGN.md precise rule 6 on the front end: a hook that passes its parameter to
    // `listen`/`emit` is a site at each of its calls, also in files that never mention
    // the API (`Clipboard.tsx`), through a tsconfig alias, a rest parameter and a
    // default export.
    let report = analyze_dir("fixtures/tauri/wrappers");
    assert_eq!(
        events(&report),
        vec![
            (
                "clipboard://updated".to_owned(),
                strings(&["src-tauri/src/main.rs:4"]),
                strings(&["src/pages/Clipboard.tsx:5"])
            ),
            (
                "device-changed".to_owned(),
                strings(&["src-tauri/src/main.rs:5"]),
                strings(&["src/pages/Device.vue:8"])
            ),
            (
                "device-typo".to_owned(),
                vec![],
                strings(&["src/pages/Device.vue:9"])
            ),
            (
                "refresh".to_owned(),
                strings(&["src/pages/Device.vue:8"]),
                strings(&["src-tauri/src/main.rs:6"])
            ),
        ]
    );
    let clipboard = &report.events[0].subscribers[0];
    assert_eq!(clipboard.handler.as_deref(), Some("onUpdated"));
    // The wrappers' own sites are gone; `relay` is called with nothing resolvable and a
    // callback's parameter cannot be traced, so those stay dynamic keys;
    // `std::iter::once(0)` is no Tauri listener.
    let mut found: Vec<(String, String)> = report
        .findings
        .iter()
        .map(|f| (f.lint.to_string(), format!("{}:{}", f.file, f.line)))
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            (
                "dynamic_event_key".to_owned(),
                "src/lib/notify.ts:13".to_owned()
            ),
            (
                "dynamic_event_key".to_owned(),
                "src/lib/notify.ts:9".to_owned()
            ),
            (
                "unused_subscription".to_owned(),
                "src/pages/Device.vue:9".to_owned()
            ),
        ]
    );
}

#[test]
fn a_wrapper_without_resolvable_calls_keeps_its_dynamic_key() {
    let hook = "import { listen } from '@tauri-apps/api/event';\n\
        export function useEvent(name: string) { return listen(name, () => {}); }\n";
    let caller = "import { useEvent } from './hook';\nuseEvent(location.hash);\n";
    let report = analyze_sources(&[("src/hook.ts", hook), ("src/caller.ts", caller)]);
    assert!(report.events.is_empty(), "{:?}", report.events);
    assert_eq!(lints(&report), vec!["dynamic_event_key"]);
    assert_eq!(report.findings[0].file, "src/hook.ts");
}

#[test]
fn standard_library_paths_are_no_tauri_sites() {
    // `std::iter::once(0)` shares a name with Tauri's `once`; a method call still counts.
    let rust = "use std::iter;\nuse tauri::Listener;\n\
        fn f(app: tauri::AppHandle) {\n\
        let a: Vec<u16> = std::iter::once(0).collect();\n\
        let b: Vec<u16> = iter::once(1).collect();\n\
        app.once(\"ready\", |_| {});\n\
        }\n";
    let report = analyze_sources(&[("src-tauri/src/main.rs", rust)]);
    assert_eq!(
        events(&report),
        vec![(
            "ready".to_owned(),
            vec![],
            strings(&["src-tauri/src/main.rs:6"])
        )]
    );
    assert_eq!(lints(&report), vec!["unused_subscription"]);
}

#[test]
fn wrappers_a_hook_returns_are_sites_at_their_calls() {
    // clash-verge-rev's `useListen`: a `useCallback` closure returned by name.
    let hook = "import { listen } from '@tauri-apps/api/event';\n\
        import { useCallback } from 'react';\n\
        export const useListen = () => {\n\
        const addListener = useCallback(async (eventName: string, handler: any) => {\n\
        return await listen(eventName, handler);\n\
        }, []);\n\
        return { addListener };\n\
        };\n";
    let app = "import { emit } from '@tauri-apps/api/event';\n\
        import { useListen } from './use-listen';\n\
        const { addListener } = useListen();\n\
        addListener('verge://test-all', onTest);\n\
        emit('verge://test-all');\n";
    let report = analyze_sources(&[("src/use-listen.ts", hook), ("src/app.ts", app)]);
    assert_eq!(
        events(&report),
        vec![(
            "verge://test-all".to_owned(),
            strings(&["src/app.ts:5"]),
            strings(&["src/app.ts:4"])
        )]
    );
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}

#[test]
fn strum_variant_strings_are_keys() {
    // museeks: `win.emit(IPCEvent::GoToLibrary.as_ref(), ())` emits "GoToLibrary".
    let events_rs = "#[derive(Debug, Clone, strum::Display, strum::AsRefStr)]\n\
        pub enum IPCEvent<'a> { Unknown(&'a str), GoToLibrary, PlaybackStart }\n\
        #[derive(strum::IntoStaticStr)]\n\
        #[strum(serialize_all = \"kebab-case\")]\n\
        pub enum Sync { SyncProgress }\n";
    let menu = "use tauri::Emitter;\nuse crate::events::{IPCEvent, Sync};\n\
        fn on_menu(win: tauri::WebviewWindow) {\n\
        win.emit(IPCEvent::GoToLibrary.as_ref(), ()).unwrap();\n\
        win.emit(&IPCEvent::PlaybackStart.to_string(), ()).unwrap();\n\
        let key: &str = Sync::SyncProgress.into();\n\
        win.emit(Sync::SyncProgress.into(), ()).unwrap();\n\
        }\n";
    let app = "import { listen } from '@tauri-apps/api/event';\n\
        listen('GoToLibrary', () => {});\n\
        listen('PlaybackStart', () => {});\n\
        listen('sync-progress', () => {});\n";
    let report = analyze_sources(&[
        ("src-tauri/src/events.rs", events_rs),
        ("src-tauri/src/menu.rs", menu),
        ("src/app.ts", app),
    ]);
    let keys: Vec<String> = report.events.iter().map(|e| e.key.clone()).collect();
    assert_eq!(
        keys,
        strings(&["GoToLibrary", "PlaybackStart", "sync-progress"])
    );
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}

#[test]
fn variants_of_enums_without_strum_stay_variant_keys() {
    let rust = "use tauri::Emitter;\n\
        #[derive(Debug, derive_more::Display)]\npub enum Ev { Saved }\n\
        fn f(app: tauri::AppHandle) { app.emit(Ev::Saved.to_string(), ()).unwrap(); }\n";
    let report = analyze_sources(&[("src-tauri/src/main.rs", rust)]);
    let keys: Vec<String> = report.events.iter().map(|e| e.key.clone()).collect();
    assert_eq!(keys, strings(&["Ev::Saved"]));
}

#[test]
fn a_handler_alone_is_no_keyed_call() {
    // fedistar: megalodon's `streaming.listen(Box::new(move |message| ..))` only shares
    // Tauri's name; its key argument is the handler, so it is no site (precise rule 3).
    let rust = "use tauri::Emitter;\n\
        async fn run(streaming: Box<dyn megalodon::Streaming>, app: tauri::AppHandle) {\n\
        streaming.listen(Box::new(move |message| {\n\
        let app = app.clone();\n\
        Box::pin(async move { app.emit(\"receive-status\", message).unwrap(); })\n\
        })).await;\n\
        streaming.listen(move |m| drop(m)).await;\n\
        }\n";
    let app =
        "import { listen } from '@tauri-apps/api/event';\nlisten('receive-status', () => {});\n";
    let report = analyze_sources(&[("src-tauri/src/main.rs", rust), ("src/app.ts", app)]);
    assert_eq!(
        events(&report),
        vec![(
            "receive-status".to_owned(),
            strings(&["src-tauri/src/main.rs:5"]),
            strings(&["src/app.ts:2"])
        )]
    );
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}

#[test]
fn template_literals_with_substitutions_are_patterns_that_hear_what_they_match() {
    let keys = "export const PREFIX = \"settings\";\n";
    let config = "import { listen, emit } from \"@tauri-apps/api/event\";\n\
        import { PREFIX } from \"./keys\";\n\
        export function useConfig(key) {\n\
        const eventKey = key.replaceAll(\".\", \"_\");\n\
        listen(`${eventKey}_changed`, () => {});\n\
        emit(`${PREFIX}:${eventKey}`, {});\n\
        listen(`${eventKey}`, () => {});\n\
        }\n";
    let rust = "use tauri::Emitter;\n\
        fn tick(app: tauri::AppHandle) {\n\
        app.emit(\"theme_changed\", ()).unwrap();\n\
        app.emit(\"clipboard\", ()).unwrap();\n\
        }\n";
    let report = analyze_sources(&[
        ("src-tauri/src/main.rs", rust),
        ("src/keys.ts", keys),
        ("src/config.ts", config),
    ]);
    let keys: Vec<(String, String)> = report
        .events
        .iter()
        .map(|e| (e.key.clone(), e.health.to_string()))
        .collect();
    // `theme_changed` may be what `${eventKey}_changed` hears: not an orphan; `clipboard`
    // is no `*_changed`. A substitution that is a const is inlined; a template of nothing
    // but a substitution says nothing (no site).
    assert_eq!(
        keys,
        vec![
            ("*_changed".to_owned(), "dynamic".to_owned()),
            ("clipboard".to_owned(), "orphaned".to_owned()),
            ("settings:*".to_owned(), "dynamic".to_owned()),
            ("theme_changed".to_owned(), "healthy".to_owned()),
        ]
    );
    assert_eq!(
        lints(&report),
        vec![
            "dynamic_event_key",
            "dynamic_event_key",
            "dynamic_event_key",
            "orphaned_event"
        ]
    );
}

#[test]
fn tauri_specta_typed_events_are_keyed_by_their_names_on_both_sides() {
    let report = analyze_dir("fixtures/tauri/specta");
    assert_eq!(
        events(&report),
        vec![
            (
                "config-updated-event".to_owned(),
                vec!["src/hooks/usePinned.ts:6".to_owned()],
                vec!["src-tauri/src/main.rs:47".to_owned()]
            ),
            // `LayoutEvent::from(3).emit(app)`, heard through a wrapper handed
            // `events.layoutEvent` (in a module that names neither the API nor `events`).
            (
                "layout-event".to_owned(),
                vec!["src-tauri/src/main.rs:43".to_owned()],
                vec!["src/hooks/useLayout.ts:5".to_owned()]
            ),
            (
                "pinned-from-tray-event".to_owned(),
                vec!["src-tauri/src/main.rs:40".to_owned()],
                vec!["src/hooks/usePinned.ts:5".to_owned()]
            ),
            // `event_name = "sync:done"`, heard through the app's extension trait
            // (`SyncDone::listen_any_spawn(app, h)`).
            (
                "sync:done".to_owned(),
                vec!["src-tauri/src/main.rs:41".to_owned()],
                vec!["src-tauri/src/main.rs:49".to_owned()]
            ),
        ]
    );
    // `Plain` derives no typed event: its calls are no sites and no findings; the
    // bindings' plumbing (a lookup at run time) is no dynamic key; `other.x.emit(1)` is no
    // typed event, nor is `attach("ws://..")` (its wrapper's parameter is only a typed
    // event where a call hands it one); `Self::listen_any` inside the trait is no site of
    // its own. The hook never names the API and is still read (its `events` import).
    assert_eq!(lints(&report), Vec::<String>::new());
}

#[test]
fn tauri_functions_from_a_dynamic_import_are_the_apis() {
    // readest loads the API lazily: `const { listen } = await import('@tauri-apps/api/event')`.
    let rust = "use tauri::Emitter;\n\
        #[tauri::command]\n\
        fn extract_cover(path: String) -> String { path }\n\
        fn notify(app: tauri::AppHandle, window: tauri::Window) {\n\
        app.emit(\"server-state\", 1).unwrap();\n\
        app.emit(\"sync-done\", 1).unwrap();\n\
        window.emit(\"will-enter-fullscreen\", ()).unwrap();\n\
        }\n\
        fn main() {\n\
        tauri::Builder::default()\n\
        .invoke_handler(tauri::generate_handler![extract_cover])\n\
        .run(tauri::generate_context!())\n\
        .unwrap();\n\
        }\n";
    let ts = "export async function sub() {\n\
        const { listen } = await import('@tauri-apps/api/event');\n\
        await listen('server-state', (e) => console.log(e.payload));\n\
        const events = await import('@tauri-apps/api/event');\n\
        await events.once('sync-done', () => {});\n\
        const { getCurrentWindow: current } = await import('@tauri-apps/api/window');\n\
        await current().listen('will-enter-fullscreen', () => {});\n\
        const { invoke } = await import('@tauri-apps/api/core');\n\
        return invoke('extract_cover', { path: 'a' });\n\
        }\n";
    let report = analyze_sources(&[("src-tauri/src/main.rs", rust), ("src/lazy.ts", ts)]);
    assert_eq!(
        events(&report),
        vec![
            (
                "server-state".to_owned(),
                vec!["src-tauri/src/main.rs:5".to_owned()],
                vec!["src/lazy.ts:3".to_owned()]
            ),
            (
                "sync-done".to_owned(),
                vec!["src-tauri/src/main.rs:6".to_owned()],
                vec!["src/lazy.ts:5".to_owned()]
            ),
            (
                "will-enter-fullscreen".to_owned(),
                vec!["src-tauri/src/main.rs:7".to_owned()],
                vec!["src/lazy.ts:7".to_owned()]
            ),
        ]
    );
    assert_eq!(lints(&report), Vec::<String>::new());
}

#[test]
fn wrappers_bound_to_class_fields_are_called_through_this() {
    // gitbutler: `class Tauri { listen = tauriListen }`, and `this.backend.listen("git_prompt",
    // h)` in a module that imports only the class's type.
    let report = analyze_dir("fixtures/tauri/class-wrapper");
    assert_eq!(
        events(&report),
        vec![
            (
                "git_prompt".to_owned(),
                vec!["src-tauri/src/main.rs:9".to_owned()],
                vec!["src/lib/prompt.ts:8".to_owned()]
            ),
            (
                "menu://shortcut".to_owned(),
                vec!["src-tauri/src/main.rs:10".to_owned()],
                vec!["src/lib/tauri.ts:11".to_owned()]
            ),
        ]
    );
    // `list_projects` is invoked through `this.backend.invoke(..)`; the wrappers' own
    // calls are no dynamic keys.
    assert_eq!(lints(&report), Vec::<String>::new());
}

#[test]
fn a_typed_events_methods_called_through_its_type_are_sites() {
    // hyprnote: `events::Navigate::emit_to(&event, app, self.label())`, the method called
    // by path with the value first. It is the typed event's, not Tauri's `emit_to(target,
    // event, payload)` keyed by `app`.
    let rust = "mod events {\n\
        #[derive(Clone, serde::Serialize, specta::Type, tauri_specta::Event)]\n\
        pub struct Navigate { pub path: String }\n\
        #[derive(Clone, serde::Serialize, specta::Type, tauri_specta::Event)]\n\
        pub struct Closed;\n\
        }\n\
        fn go(app: &tauri::AppHandle, event: events::Navigate, label: &str) {\n\
        events::Navigate::emit_to(&event, app, label).unwrap();\n\
        events::Closed::emit(&events::Closed, app).unwrap();\n\
        }\n\
        fn setup(app: &tauri::AppHandle) {\n\
        events::Navigate::listen_any(app, |_| {});\n\
        events::Closed::listen_any(app, |_| {});\n\
        }\n";
    let report = analyze_sources(&[("src-tauri/src/main.rs", rust)]);
    let keys: Vec<String> = report.events.iter().map(|e| e.key.clone()).collect();
    assert_eq!(keys, vec!["closed", "navigate"]);
    assert_eq!(lints(&report), Vec::<String>::new());
}

#[test]
fn calls_with_another_argument_count_than_tauris_are_not_tauri_sites() {
    let rust = "use tauri::Emitter;\n\
        struct Telemetry { tx: Sender<Sample> }\n\
        impl Telemetry { fn emit(&self, sample: Sample) { let _ = self.tx.send(sample); } }\n\
        fn run(app: tauri::AppHandle, t: Telemetry, emitter: &Window) {\n\
        t.emit(Sample::Started { at: 1 });\n\
        let s = futures::stream::once(async { 1 });\n\
        RenderEvent.emit_to(emitter, Window::Canvas);\n\
        app.emit(\"ready\", ()).unwrap();\n\
        app.emit_to(\"main\", \"focus\", ()).unwrap();\n\
        app.listen(\"ready\", |_| {});\n\
        app.listen(\"focus\", |_| {});\n\
        }\n";
    let report = analyze_sources(&[("src-tauri/src/main.rs", rust)]);
    let keys: Vec<String> = report.events.iter().map(|e| e.key.clone()).collect();
    assert_eq!(keys, vec!["focus", "ready"]);
    assert_eq!(lints(&report), Vec::<String>::new());
}

#[test]
fn events_of_the_tauri_plugins_a_manifest_depends_on_are_external() {
    let report = analyze_dir("fixtures/tauri/plugin-events");
    let health: Vec<(String, String)> = report
        .events
        .iter()
        .map(|e| (e.key.clone(), e.health.to_string()))
        .collect();
    assert_eq!(
        health,
        vec![
            ("log://log".to_owned(), "unused".to_owned()),
            ("store://change".to_owned(), "external".to_owned()),
        ]
    );
}

#[test]
fn a_specta_plugins_events_are_prefixed_and_heard_through_its_workspace_package() {
    // The plugin's typed event comes out of a `macro_rules!` that derives
    // `tauri_specta::Event`, is collected by a builder with `.plugin_name(PLUGIN_NAME)`
    // (so named `plugin:sfx:played`) and emitted on a parameter of its type; the app
    // imports the bindings' `events` from the plugin's workspace package
    // (`@app/plugin-sfx`, whose `index.ts` re-exports them with `export *`).
    let report = analyze_dir("fixtures/tauri/specta-plugin");
    assert_eq!(
        events(&report),
        vec![(
            "plugin:sfx:played".to_owned(),
            vec!["plugins/sfx/src/lib.rs:25".to_owned()],
            vec!["apps/desktop/src/player.ts:3".to_owned()]
        )]
    );
    assert_eq!(lints(&report), Vec::<String>::new());
}

#[test]
fn with_generic_too_a_bus_emit_of_a_type_stays_the_generic_presets_site() {
    let config = Config::parse(
        "choreo.toml",
        "[analysis]\npresets = [\"tauri\", \"generic\"]\n",
    )
    .unwrap();
    let rust = "pub struct UserCreated { name: String }\n\
        fn create(bus: &EventBus) { bus.emit(UserCreated { name: String::new() }); }\n\
        fn watch(bus: &EventBus) { bus.subscribe::<UserCreated>(|_| {}); }\n";
    let sources = vec![("src/lib.rs".to_owned(), rust.to_owned())];
    let report = choreo::analyze_sources(&sources, &config, &config.levels).report;
    let keys: Vec<(String, String)> = report
        .events
        .iter()
        .map(|e| (e.key.clone(), e.health.to_string()))
        .collect();
    assert_eq!(keys, vec![("UserCreated".to_owned(), "healthy".to_owned())]);
}

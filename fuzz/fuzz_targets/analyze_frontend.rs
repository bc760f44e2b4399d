//! Arbitrary bytes as one front-end file of a Tauri app (a `.ts` module or the `<script>`
//! of a `.vue` component), beside a Rust file that emits and listens: oxc's error paths and
//! the front end's key resolution must never panic, and the report stays valid.
#![no_main]

use libfuzzer_sys::fuzz_target;

const RUST: &str = "fn setup(app: &tauri::AppHandle) {\n    app.emit(\"sync-progress\", 1).unwrap();\n    app.listen(\"saved\", |_e| {});\n}\n";

fuzz_target!(|data: &[u8]| {
    let (vue, text) = match data.split_first() {
        Some((&choice, rest)) => (choice & 1 == 1, rest),
        None => (false, data),
    };
    let text = String::from_utf8_lossy(text).into_owned();
    let (rel, text) = if vue {
        ("src/App.vue", format!("<template><div/></template>\n<script setup lang=\"ts\">\n{text}\n</script>\n"))
    } else {
        ("src/main.ts", text)
    };
    let config = choreo::config::Config::parse("choreo.toml", "[analysis]\npresets = [\"tauri\"]\n")
        .expect("a valid config");
    choreo_fuzz::check(
        &[("src-tauri/src/main.rs".to_owned(), RUST.to_owned()), (rel.to_owned(), text)],
        &config,
    );
});

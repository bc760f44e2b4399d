//! Inputs found by the cargo-fuzz targets in `fuzz/` (see `fuzz/README.md`), replayed
//! through the same entry point: `analyze_sources` must not panic and must give a valid
//! report for each, under each of the fuzzed configs. `tests/data/fuzz/*.bin` are corpus
//! entries kept for what they reach (deepest nesting, macros, invalid UTF-8, suppressions,
//! `format!` keys, wildcard topics); the fuzzers found no crash in ordinary builds.
//!
//! The `#[ignore]`d tests at the end reproduce stack overflows found beside the fuzzer
//! (inputs too large for libFuzzer's default sizes); they abort the process today, so they
//! run the binary: `cargo test --test fuzz_regressions -- --ignored`.

use std::path::Path;

use choreo::config::Config;

/// The fuzz targets' own checks and configs (`fuzz/` is a workspace of its own, so its
/// library is read from its file rather than depended on).
#[path = "../fuzz/src/lib.rs"]
mod fuzz_checks;

fn check(name: &str, text: &str, config: &Config) {
    // The fuzz checks panic without naming the input; say which one is being checked.
    eprintln!("checking {name}");
    fuzz_checks::check(&[("src/lib.rs".to_owned(), text.to_owned())], config);
}

#[test]
fn fuzz_corpus_entries_analyze_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    assert!(entries.len() >= 5, "{entries:?}");
    let configs: Vec<Config> = (0..4).map(fuzz_checks::config).collect();
    for path in entries {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        // The bytes target reads a leading 0xfc..=0xff as a config choice; replay both ways.
        let text = String::from_utf8_lossy(&bytes);
        let rest = String::from_utf8_lossy(bytes.get(1..).unwrap_or_default());
        for config in &configs {
            check(&name, &text, config);
            check(&name, &rest, config);
        }
    }
}

/// Brackets just under `MAX_NESTING` go to the parser; on a test thread's 2 MiB stack in a
/// debug build that must still fit.
#[test]
fn nesting_just_under_the_limit() {
    let depth = choreo::extract::MAX_NESTING - 2;
    let text = format!(
        "fn f() {{ bus.publish(\"k\", {}1{}); }}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    check("nesting", &text, &Config::default());
}

/// Runs the binary on one generated file; `Some(code)` or `None` when killed by a signal.
fn run_binary(text: &str) -> Option<i32> {
    let dir = tempfile::TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), text).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_choreo"))
        .current_dir(dir.path())
        .args(["analyze", ".", "-o", "report.json", "-q"])
        .output()
        .unwrap();
    output.status.code()
}

const LEVELS: usize = 200_000;

/// A raw string ending in `\` makes the bracket-depth prefilter think a string is still
/// open, so the brackets after it are not counted and reach the recursive parser.
#[test]
fn raw_string_hides_deep_nesting() {
    let text = format!(
        "fn f() {{ let s = r\"\\\"; let x = {}1{}; let t = \"\"; }}\n",
        "(".repeat(LEVELS),
        ")".repeat(LEVELS)
    );
    assert_eq!(run_binary(&text), Some(0));
}

/// `')'` char literals are counted as closing brackets.
#[test]
fn char_literals_hide_deep_nesting() {
    let text = format!(
        "fn f() {{ let x = {}1{}; }}\n",
        "(')', ".repeat(LEVELS),
        ")".repeat(LEVELS)
    );
    assert_eq!(run_binary(&text), Some(0));
}

/// Nesting without brackets: closures of closures.
#[test]
fn nested_closures() {
    let text = format!("fn f() {{ let c = {}1; }}\n", "|| ".repeat(LEVELS));
    assert_eq!(run_binary(&text), Some(0));
}

/// Nesting without brackets: generic arguments.
#[test]
fn nested_generics() {
    let text = format!(
        "type A = {}u8{};\n",
        "Vec<".repeat(LEVELS),
        ">".repeat(LEVELS)
    );
    assert_eq!(run_binary(&text), Some(0));
}

/// The `analyze_frontend` target's shape: a front-end file beside a Rust file, under the
/// tauri preset; broken and odd inputs must give a valid report (oxc's error paths, the
/// `<script>` blanking, key resolution).
#[test]
fn front_end_inputs_analyze_cleanly() {
    let config = Config::parse("choreo.toml", "[analysis]\npresets = [\"tauri\"]\n").unwrap();
    let rust =
        "fn setup(app: &tauri::AppHandle) {\n    app.emit(\"sync-progress\", 1).unwrap();\n}\n";
    let inputs = [
        ("src/main.ts", "import { listen } from \"@tauri-apps/api/event\";\nlisten(\"sync-progress\", () => {});\n"),
        ("src/main.ts", "import { listen } from \"@tauri-apps/api/event\";\nlisten(`unterminated"),
        ("src/main.ts", "import * as e from '@tauri-apps/api/event'; e.emit(E.X); enum E { X = 'x' }"),
        ("src/App.vue", "<script setup lang=\"ts\">\nimport { emit } from '@tauri-apps/api/event'\nemit('a')"),
        ("src/App.vue", "<script><script></script></script><script"),
        ("src/App.svelte", "<script lang=\"ts\">é ü 注文</script>\n<h1>{x}</h1>"),
        ("src/a.js", "\u{feff}import{emit}from'@tauri-apps/api/event';emit(...args)"),
        ("src/a.tsx", "const x = <div>{listen('a', () => {})}</div>;"),
        ("src/a.mjs", ""),
    ];
    for (rel, text) in inputs {
        eprintln!("checking {rel}: {text:?}");
        fuzz_checks::check(
            &[
                ("src-tauri/src/main.rs".to_owned(), rust.to_owned()),
                (rel.to_owned(), text.to_owned()),
            ],
            &config,
        );
    }
}

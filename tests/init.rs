//! `choreo init`: a starter config with detected presets, never overwriting without
//! `--force`.

use assert_cmd::Command;

fn init(dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    Command::cargo_bin("choreo")
        .unwrap()
        .current_dir(dir)
        .arg("init")
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn writes_a_starter_with_detected_presets_and_keeps_existing_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"app\"\n[dependencies]\nredis = \"0.25\"\n",
    )
    .unwrap();
    let output = init(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(0));
    let written = std::fs::read_to_string(dir.path().join("choreo.toml")).unwrap();
    assert!(written.contains("presets = [\"redis\"]"), "{written}");

    // Redis patterns are globs, so a redis tree's starter matches by glob.
    assert!(
        written
            .lines()
            .any(|line| line == "topic_syntax = \"glob\""),
        "{written}"
    );

    // The starter is a valid config: analyzing with it works, and a `psubscribe` pattern
    // hears the channel it matches (under exact matching both would be findings).
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("src/lib.rs"),
        "async fn listen(sub: &mut redis::aio::PubSub) {\n\
         \x20   sub.psubscribe(\"orders.*\").await.unwrap();\n\
         }\n\
         async fn order(con: &mut redis::aio::MultiplexedConnection) {\n\
         \x20   let _: () = con.publish(\"orders.created\", \"{}\").await.unwrap();\n\
         }\n",
    )
    .unwrap();
    let analyze = Command::cargo_bin("choreo")
        .unwrap()
        .current_dir(dir.path())
        .args(["analyze", ".", "-o", "r.json", "-q"])
        .output()
        .unwrap();
    assert_eq!(
        analyze.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&analyze.stderr)
    );

    std::fs::write(dir.path().join("choreo.toml"), "# mine\n").unwrap();
    let again = init(dir.path(), &[]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("choreo.toml")).unwrap(),
        "# mine\n"
    );

    let forced = init(dir.path(), &["--force"]);
    assert_eq!(forced.status.code(), Some(0));
    assert_ne!(
        std::fs::read_to_string(dir.path().join("choreo.toml")).unwrap(),
        "# mine\n"
    );
}

fn write(dir: &std::path::Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn detects_every_workspace_member_and_leaves_generic_out() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/*\", \"apps/desktop/src-tauri\", \".internal/worker\"]\n\
         exclude = [\"crates/legacy\"]\n\
         [workspace.dependencies]\ntauri = \"2\"\n",
    );
    write(
        dir.path(),
        "crates/bridge/Cargo.toml",
        "[package]\nname = \"bridge\"\n[dependencies]\nmosquitto-rs = \"0.11\"\n",
    );
    write(
        dir.path(),
        "crates/cache/Cargo.toml",
        "[package]\nname = \"cache\"\n[dependencies.kv]\npackage = \"redis\"\nversion = \"0.25\"\n",
    );
    write(
        dir.path(),
        "apps/desktop/src-tauri/Cargo.toml",
        "[package]\nname = \"desktop\"\n[dependencies]\ntauri = { workspace = true }\n",
    );
    // A hidden directory is never walked, but the workspace lists it as a member.
    write(
        dir.path(),
        ".internal/worker/Cargo.toml",
        "[package]\nname = \"worker\"\n[target.'cfg(unix)'.dependencies]\nasync-nats = \"0.38\"\n",
    );
    let output = init(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let written = std::fs::read_to_string(dir.path().join("choreo.toml")).unwrap();
    assert!(
        written.contains("presets = [\"tauri\", \"nats\", \"mqtt\", \"redis\"]"),
        "{written}"
    );
    assert!(
        written.contains("#   nats: .internal/worker/Cargo.toml: async-nats\n"),
        "{written}"
    );
    assert!(
        written.contains("#   mqtt: crates/bridge/Cargo.toml: mosquitto-rs\n"),
        "{written}"
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("(presets: tauri, nats, mqtt, redis)"),
        "{output:?}"
    );
}

#[test]
fn generic_only_when_no_event_crate_is_found() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"plain\"\n[dependencies]\nserde = \"1\"\n",
    );
    let output = init(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let written = std::fs::read_to_string(dir.path().join("choreo.toml")).unwrap();
    assert!(written.contains("presets = [\"generic\"]\n"), "{written}");
    assert!(
        written.contains("#   generic: no Cargo.toml here depends on an event crate"),
        "{written}"
    );
}

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
    assert!(
        written.contains("presets = [\"generic\", \"redis\"]"),
        "{written}"
    );

    // The starter is a valid config: analyzing with it works.
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), "fn f() {}\n").unwrap();
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

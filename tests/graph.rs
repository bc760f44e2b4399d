//! `choreo graph`: the event-flow picture in each format, to stdout or a file.

use assert_cmd::Command;

fn graph(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("choreo")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("graph")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn every_format_draws_the_sample() {
    let dot = graph(&["fixtures/choreography", "--format", "dot"]);
    assert_eq!(dot.status.code(), Some(0), "drawing is not a gate");
    let dot = String::from_utf8(dot.stdout).unwrap();
    assert!(dot.starts_with("digraph"), "{dot}");
    assert!(dot.contains("contradiction.detected"));

    let mermaid = String::from_utf8(graph(&["fixtures/choreography"]).stdout).unwrap();
    assert!(
        mermaid.contains("```mermaid\nflowchart LR"),
        "mermaid in a fence is the default"
    );

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("flow.svg");
    let svg = graph(&[
        "fixtures/choreography",
        "--format",
        "svg",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(svg.status.code(), Some(0));
    assert!(svg.stdout.is_empty(), "with -o nothing goes to stdout");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.starts_with("<svg") || text.starts_with("<?xml"),
        "{}",
        &text[..40]
    );
    assert!(text.contains("ContradictionDetectorV2"));
}

#[test]
fn a_missing_path_is_a_run_failure() {
    assert_eq!(graph(&["no/such/dir"]).status.code(), Some(2));
}

#[test]
fn a_special_file_as_output_is_written_through_not_replaced() {
    // A fifo stands in for `/dev/null` or `/dev/stdout`: renaming a temporary file over it
    // would replace it.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("out.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let output = Command::cargo_bin("choreo")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["analyze", "fixtures/cases/key_string_literal", "-q", "-o"])
        .arg(&fifo)
        .output()
        .unwrap();
    assert!(output.status.code().is_some(), "not killed by a signal");
    let text = reader.join().unwrap();
    assert!(text.contains("\"analysis_hash\""), "{text}");
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::metadata(&fifo).unwrap().file_type().is_fifo(),
        "still a fifo"
    );
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("choreo"))
        .arg("explain")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&output.stderr).contains("Broken pipe"));
}

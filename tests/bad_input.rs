//! Bad input from the outside: what `choreo analyze` does with files and trees that are
//! broken, hostile or odd. Every case runs the binary in a fresh temporary directory; the
//! rule throughout is DESIGN.md's "a file that does not parse is a finding, never a crash",
//! and exit 2 only when the run itself cannot happen.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

#[path = "../examples/gen_corpus.rs"]
#[allow(dead_code)]
mod gen_corpus;

/// A healthy pair, so a tree built around it has no `deny` finding of its own.
const HEALTHY: &str = "pub fn wire(bus: &Bus) {\n    \
                       bus.subscribe(\"job.done\", |e| drop(e));\n    \
                       bus.publish(\"job.done\", 1);\n}\n";

fn write(root: &Path, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Runs `choreo analyze TREE -o report.json -q` in `dir` (relative paths only).
fn analyze(dir: &Path, tree: &str, extra: &[&str]) -> Output {
    Command::cargo_bin("choreo")
        .unwrap()
        .current_dir(dir)
        .args(["analyze", tree, "-o", "report.json", "-q"])
        .args(extra)
        .output()
        .unwrap()
}

/// The capabilities that let root ignore file permissions.
#[cfg(unix)]
const DROP_DAC: [&str; 3] = ["--bounding-set", "-dac_override,-dac_read_search", "--"];

/// `choreo` run so that permissions hold even for root (as CI runs): under `setpriv` with
/// the capabilities that override them dropped, if that works here, which `probe` (a
/// command that permissions must make fail) shows. `None` when it does not.
#[cfg(unix)]
fn choreo_without_dac(dir: &Path, probe: &[&str]) -> Option<Command> {
    let denied = std::process::Command::new("setpriv")
        .current_dir(dir)
        .args(DROP_DAC)
        .args(probe)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| !status.success());
    denied.then(|| {
        let mut command = Command::new("setpriv");
        command
            .current_dir(dir)
            .args(DROP_DAC)
            .arg(assert_cmd::cargo::cargo_bin("choreo"));
        command
    })
}

/// `choreo` in `dir` for a test of a permission: run as it is when the permission already
/// holds here (`holds`), else under [`choreo_without_dac`]. `None`, with a note saying the
/// test is skipped, when neither makes it hold.
#[cfg(unix)]
fn choreo_where_denied(dir: &Path, holds: bool, probe: &[&str], what: &str) -> Option<Command> {
    let choreo = if holds {
        let mut choreo = Command::cargo_bin("choreo").unwrap();
        choreo.current_dir(dir);
        Some(choreo)
    } else {
        choreo_without_dac(dir, probe)
    };
    if choreo.is_none() {
        eprintln!("note: {what} here and setpriv cannot change it; skipped");
    }
    choreo
}

fn report(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("report.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Stderr with miette's line wrapping and gutter undone, for matching whole messages.
fn message(output: &Output) -> String {
    stderr(output)
        .replace(['│', '×'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn non_utf8_file_is_a_located_parse_error_and_the_rest_is_analyzed() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "tree/src/lib.rs", HEALTHY);
    write(
        dir.path(),
        "tree/src/bad.rs",
        b"fn a() {}\n// caf\xe9 au lait\n",
    );
    let output = analyze(dir.path(), "tree", &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    let report = report(dir.path());
    assert_eq!(report["summary"]["files_scanned"], 2);
    assert_eq!(report["summary"]["files_parsed"], 1);
    assert_eq!(report["summary"]["parse_errors"], 1);
    let error = &report["parse_errors"][0];
    assert_eq!(error["file"], "src/bad.rs");
    // The first invalid byte: line 2, after "// caf".
    assert_eq!(
        (error["line"].as_u64(), error["column"].as_u64()),
        (Some(2), Some(7))
    );
    assert!(
        error["message"].as_str().unwrap().contains("UTF-8"),
        "{error}"
    );
    let finding = &report["findings"][0];
    assert_eq!(
        (&finding["lint"], &finding["level"]),
        (&"parse_error".into(), &"warn".into())
    );
    assert_eq!(report["events"][0]["key"], "job.done");
    assert_eq!(report["events"][0]["health"], "healthy");
}

#[test]
fn a_directory_named_x_rs_is_walked_not_read() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "tree/src/lib.rs", HEALTHY);
    write(dir.path(), "tree/src/x.rs/inner.rs", "pub fn inner() {}\n");
    std::fs::create_dir_all(dir.path().join("tree/src/empty.rs")).unwrap();
    let output = analyze(dir.path(), "tree", &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = report(dir.path());
    assert_eq!(
        report["summary"]["files_scanned"], 2,
        "{}",
        report["summary"]
    );
    assert_eq!(report["summary"]["parse_errors"], 0);
    assert!(report["findings"].as_array().unwrap().is_empty());

    // Given as PATH, it is a directory too.
    let output = analyze(dir.path(), "tree/src/x.rs", &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let inner = self::report(dir.path());
    assert_eq!(inner["summary"]["files_scanned"], 1);
}

#[cfg(unix)]
#[test]
fn symlink_loops_terminate_and_links_are_not_followed() {
    use std::os::unix::fs::symlink;
    let dir = TempDir::new().unwrap();
    write(dir.path(), "tree/src/lib.rs", HEALTHY);
    symlink("..", dir.path().join("tree/src/up")).unwrap();
    symlink(".", dir.path().join("tree/src/here")).unwrap();
    symlink("a.rs", dir.path().join("tree/src/b.rs")).unwrap();
    symlink("b.rs", dir.path().join("tree/src/a.rs")).unwrap();
    symlink("missing.rs", dir.path().join("tree/src/dangling.rs")).unwrap();

    let started = Instant::now();
    let output = analyze(dir.path(), "tree", &[]);
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = report(dir.path());
    // Links are not followed (discovery walks with `follow_links(false)`): only lib.rs.
    assert_eq!(
        report["summary"]["files_scanned"], 1,
        "{}",
        report["summary"]
    );
    assert_eq!(report["summary"]["parse_errors"], 0);
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_a_permission_denied_parse_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new().unwrap();
    write(dir.path(), "tree/src/lib.rs", HEALTHY);
    let secret = write(dir.path(), "tree/src/secret.rs", "pub fn secret() {}\n");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads a mode-000 file unless it gives up the capability to.
    let Some(mut choreo) = choreo_where_denied(
        dir.path(),
        std::fs::File::open(&secret).is_err(),
        &["cat", "tree/src/secret.rs"],
        "mode-000 files are readable",
    ) else {
        return;
    };
    let output = choreo
        .args(["analyze", "tree", "-o", "report.json", "-q"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = report(dir.path());
    assert_eq!(report["summary"]["files_scanned"], 2);
    let error = &report["parse_errors"][0];
    assert_eq!(error["file"], "src/secret.rs");
    assert_eq!(error["message"], "could not read file: permission denied");
    assert_eq!(report["findings"][0]["lint"], "parse_error");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
}

/// Peak resident memory of a child, sampled from `/proc` while it runs (0 elsewhere).
fn run_sampling_rss(mut command: std::process::Command) -> (Output, u64) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_file) {
            for line in status.lines() {
                if let Some(rest) = line.strip_prefix("VmHWM:") {
                    let kb = rest
                        .trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse()
                        .unwrap_or(0);
                    peak_kb = peak_kb.max(kb);
                }
            }
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    (child.wait_with_output().unwrap(), peak_kb * 1024)
}

/// A 50 MB generated file: over the size limit, it becomes a `parse_error` instead of a
/// syntax tree a hundred times its size; the rest of the tree is analyzed.
#[test]
fn large_generated_file_is_a_finding_not_a_memory_blowup() {
    let megabytes = 50;
    let dir = TempDir::new().unwrap();
    // The publish makes the prefilter pick the file.
    let mut text = String::from("pub fn big(bus: &Bus) { bus.publish(\"big.event\", 1); }\n");
    let mut i = 0;
    while text.len() < megabytes << 20 {
        text.push_str(&format!(
            "pub fn f{i}(x: u64) -> u64 {{\n    x.wrapping_mul({}) + {i}\n}}\n",
            i % 97
        ));
        i += 1;
    }
    write(dir.path(), "tree/src/big.rs", &text);
    write(dir.path(), "tree/src/lib.rs", HEALTHY);
    drop(text);

    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("choreo"));
    command
        .current_dir(dir.path())
        .args(["analyze", "tree", "-o", "report.json", "-q"]);
    let (output, peak) = run_sampling_rss(command);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = report(dir.path());
    let errors = report["parse_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{}", report["parse_errors"]);
    assert_eq!(
        errors[0]["file"],
        "tree/src/big.rs".trim_start_matches("tree/")
    );
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("file too large"));
    assert_eq!(report["events"][0]["key"], "job.done");
    // Reading the file is all it costs: far below a syntax tree's ~6 GB.
    assert!(peak < 600 << 20, "peak RSS {} MB", peak >> 20);
}

#[test]
fn empty_tree_is_clean_with_zero_counts() {
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("tree")).unwrap();
    let output = analyze(dir.path(), "tree", &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = report(dir.path());
    for (name, count) in report["summary"].as_object().unwrap() {
        assert_eq!(count, 0, "{name}");
    }
    for list in [
        "events",
        "components",
        "findings",
        "parse_errors",
        "feedback_loops",
    ] {
        assert_eq!(report[list], Value::Array(Vec::new()), "{list}");
    }
    assert_eq!(report["analysis_hash"].as_str().unwrap().len(), 64);
}

#[test]
fn missing_path_exits_2() {
    let dir = TempDir::new().unwrap();
    let output = analyze(dir.path(), "no/such/tree", &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("does not exist"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join("report.json").exists());
}

#[test]
fn report_in_a_missing_directory_exits_2_with_a_clear_message() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "tree/src/lib.rs", HEALTHY);
    let output = Command::cargo_bin("choreo")
        .unwrap()
        .current_dir(dir.path())
        .args(["analyze", "tree", "-o", "out/sub/report.json", "-q"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let message = message(&output);
    assert!(
        message.contains("cannot write the report to `out/sub/report.json`")
            && message.contains("directory `out/sub` does not exist"),
        "{message}"
    );
    assert!(!dir.path().join("out").exists());
}

#[cfg(unix)]
#[test]
fn read_only_output_directory_exits_2_without_a_partial_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new().unwrap();
    write(dir.path(), "tree/src/lib.rs", HEALTHY);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o555)).unwrap();
    let writable = std::fs::write(out.join("probe"), "").is_ok();
    let _ = std::fs::remove_file(out.join("probe"));
    // Root writes into a mode-555 directory unless it gives up the capability to.
    let Some(mut choreo) = choreo_where_denied(
        dir.path(),
        !writable,
        &["sh", "-c", "echo > out/probe"],
        "mode-555 directories are writable",
    ) else {
        return;
    };

    let output = choreo
        .args(["analyze", "tree", "-o", "out/report.json", "-q"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = message(&output);
    assert!(
        message.contains("cannot write the report to `out/report.json`"),
        "{message}"
    );
    assert!(files_in(&out).is_empty(), "{:?}", files_in(&out));
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn cargo_script_frontmatter_parses_and_keeps_line_numbers() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "tree/script.rs",
        "#!/usr/bin/env -S cargo +nightly -Zscript\n\
         ---cargo\n\
         [dependencies]\n\
         serde_json = \"1\"\n\
         ---\n\
         \n\
         fn main() {\n    \
             bus.publish(\"script.ran\", 1);\n\
         }\n",
    );
    write(
        dir.path(),
        "tree/plain.rs",
        "---\n---\nfn listen(bus: &Bus) {\n    bus.subscribe(\"script.ran\", |e| drop(e));\n}\n",
    );
    let output = analyze(dir.path(), "tree", &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = report(dir.path());
    assert_eq!(
        report["summary"]["parse_errors"], 0,
        "{}",
        report["parse_errors"]
    );
    let event = &report["events"][0];
    assert_eq!(event["key"], "script.ran");
    assert_eq!(event["health"], "healthy");
    assert_eq!(event["publishers"][0]["file"], "script.rs");
    assert_eq!(event["publishers"][0]["line"], 8);
    assert_eq!(event["subscribers"][0]["file"], "plain.rs");
    assert_eq!(event["subscribers"][0]["line"], 4);
}

/// Interrupting a run never leaves a half-written report: the file is the old one or a
/// complete new one. A normal run leaves no temporary file beside it.
#[cfg(unix)]
#[test]
fn sigint_never_leaves_a_half_written_report() {
    let dir = TempDir::new().unwrap();
    gen_corpus::generate(&dir.path().join("tree"), 600, 7).unwrap();
    let old = "{\"old\": true}\n";
    let report_path = dir.path().join("out/report.json");
    write(dir.path(), "out/report.json", old);

    let run = || {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("choreo"));
        command
            .current_dir(dir.path())
            .args(["analyze", "tree", "-o", "out/report.json", "-q"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    };

    // A normal run: a complete report and nothing else in the directory.
    let started = Instant::now();
    let status = run().status().unwrap();
    let full = started.elapsed();
    assert_eq!(
        status.code(),
        Some(1),
        "the generated tree has deny findings"
    );
    let complete = std::fs::read_to_string(&report_path).unwrap();
    let value: Value = serde_json::from_str(&complete).unwrap();
    assert_eq!(value["summary"]["parse_errors"], 0);
    assert_eq!(files_in(&dir.path().join("out")), ["report.json"]);

    let mut interrupted = 0;
    let mut stray = Vec::new();
    for fraction in [0.05, 0.2, 0.5, 0.8, 0.9, 0.95, 0.99, 1.0] {
        std::fs::write(&report_path, old).unwrap();
        let mut child = run().spawn().unwrap();
        std::thread::sleep(full.mul_f64(fraction));
        let _ = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status();
        let status = child.wait().unwrap();
        if status.code().is_none() {
            interrupted += 1;
        }
        let text = std::fs::read_to_string(&report_path).unwrap();
        if text != old {
            assert_eq!(text, complete, "a report that is neither old nor complete");
        }
        for name in files_in(&dir.path().join("out")) {
            if name != "report.json" {
                let _ = std::fs::remove_file(dir.path().join("out").join(&name));
                stray.push(name);
            }
        }
    }
    eprintln!(
        "sigint: {interrupted} of 8 runs interrupted (a full run takes {full:.1?}); \
         temporary files left by interrupted runs: {stray:?}"
    );
}

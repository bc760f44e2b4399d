//! "Same input, same bytes": the report does not depend on where the tree sits or on the
//! thread count, any change to a key changes `analysis_hash`, and the hash is the SHA-256 of
//! the report's canonical JSON (DESIGN.md, "Report").

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use sha2::{Digest, Sha256};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .unwrap()
        .map(|entry| entry.unwrap())
        .collect();
    // Create entries in reverse name order, so a walk in creation order would differ from a
    // sorted one.
    entries.sort_by_key(|entry| std::cmp::Reverse(entry.file_name()));
    for entry in entries {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Runs `choreo analyze TREE -o REPORT ARGS..` with `cwd` as the working directory and
/// returns the report's bytes. Paths are relative to `cwd`.
fn report_bytes(cwd: &Path, tree: &str, extra: &[&str]) -> String {
    let report = "determinism-report.json";
    let output = Command::cargo_bin("choreo")
        .unwrap()
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .args(["analyze", tree, "-o", report, "--quiet"])
        .args(extra)
        .output()
        .unwrap();
    let status = output.status.code();
    assert!(
        matches!(status, Some(0 | 1)),
        "`choreo analyze {tree}` exited {status:?}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read_to_string(cwd.join(report)).unwrap()
}

fn hash_of(text: &str) -> String {
    let report: Value = serde_json::from_str(text).unwrap();
    report["analysis_hash"].as_str().unwrap().to_owned()
}

/// Copies `fixtures/<rel>` into two differently named and nested temp directories and
/// returns both reports.
fn reports_at_two_places(rel: &str) -> (String, String) {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::Builder::new()
        .prefix("a-much-longer-and-different-name")
        .tempdir()
        .unwrap();
    copy_dir(&fixture(rel), &first.path().join("tree"));
    copy_dir(&fixture(rel), &second.path().join("deeper/nest/other-name"));
    let a = report_bytes(first.path(), "tree", &[]);
    // Run the second from a different working directory, with a path that goes through it.
    let b = report_bytes(&second.path().join("deeper"), "nest/other-name", &[]);
    (a, b)
}

#[test]
fn choreography_report_does_not_depend_on_its_location() {
    let (a, b) = reports_at_two_places("choreography");
    assert_eq!(hash_of(&a), hash_of(&b));
    assert_eq!(a, b);
}

#[test]
fn cases_tree_report_does_not_depend_on_its_location() {
    // Every case at once: many files, many directories, a parse error and a .gitignore.
    let (a, b) = reports_at_two_places("cases");
    assert_eq!(a, b);
}

fn reports_with_jobs(rel: &str) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(rel), &dir.path().join("tree"));
    let one = report_bytes(dir.path(), "tree", &["--jobs", "1"]);
    let two = report_bytes(dir.path(), "tree", &["--jobs", "2"]);
    let default = report_bytes(dir.path(), "tree", &[]);
    assert_eq!(two, default, "--jobs 2 vs the default thread count");
    (one, two)
}

#[test]
fn choreography_report_does_not_depend_on_jobs() {
    let (one, two) = reports_with_jobs("choreography");
    assert_eq!(one, two);
}

#[test]
fn cases_tree_report_does_not_depend_on_jobs() {
    let (one, two) = reports_with_jobs("cases");
    assert_eq!(one, two);
}

#[test]
fn changing_one_event_key_changes_the_hash() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("choreography"), &dir.path().join("tree"));
    let before = report_bytes(dir.path(), "tree", &[]);

    let events = dir.path().join("tree/src/events.rs");
    let text = std::fs::read_to_string(&events).unwrap();
    let changed = text.replace("\"report.generated\"", "\"report.created\"");
    assert_ne!(text, changed, "the fixture holds the key");
    std::fs::write(&events, changed).unwrap();
    let after = report_bytes(dir.path(), "tree", &[]);

    assert!(after.contains("\"report.created\""), "{after}");
    assert_ne!(hash_of(&before), hash_of(&after));
}

#[test]
fn changing_one_event_key_changes_the_hash_small_tree() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("cli/clean"), &dir.path().join("tree"));
    let before = report_bytes(dir.path(), "tree", &[]);

    // Same shape, same counts, same findings (none): only the key differs.
    let lib = dir.path().join("tree/src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(&lib, text.replace("order.created", "order.placed")).unwrap();
    let after = report_bytes(dir.path(), "tree", &[]);

    assert_ne!(before, after);
    assert_ne!(hash_of(&before), hash_of(&after));
}

#[test]
fn a_level_change_changes_the_hash() {
    // Findings are part of the hashed report.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("cli/orphan"), &dir.path().join("tree"));
    let deny = report_bytes(dir.path(), "tree", &[]);
    let warn = report_bytes(dir.path(), "tree", &["-W", "orphaned_event"]);
    assert_ne!(hash_of(&deny), hash_of(&warn));
}

/// Canonical JSON: object keys sorted (byte order) at every level, no insignificant
/// whitespace. Written out here rather than trusting `Value::to_string`, whose key order
/// depends on serde_json's `preserve_order` feature.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            let body: Vec<String> = entries
                .into_iter()
                .map(|(key, value)| format!("{}:{}", Value::from(key.as_str()), canonical(value)))
                .collect();
            format!("{{{}}}", body.join(","))
        }
        Value::Array(items) => {
            let body: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", body.join(","))
        }
        scalar => scalar.to_string(),
    }
}

/// The hash recomputed from the report: SHA-256 of the canonical JSON without
/// `analysis_hash`.
fn recomputed_hash(text: &str) -> String {
    let mut report: Value = serde_json::from_str(text).unwrap();
    let stated = report
        .as_object_mut()
        .unwrap()
        .remove("analysis_hash")
        .expect("the report has an analysis_hash");
    assert!(stated.is_string());
    let canonical = canonical(&report);
    // With serde_json's default (sorted) map the two spellings agree.
    assert_eq!(canonical, report.to_string());
    let digest = Sha256::digest(canonical.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[test]
fn hash_is_sha256_of_the_canonical_json() {
    for rel in ["cli/orphan", "cli/parse_error_orphan", "cases"] {
        assert_hash_recomputes(rel);
    }
}

#[test]
fn choreography_hash_is_sha256_of_the_canonical_json() {
    assert_hash_recomputes("choreography");
}

fn assert_hash_recomputes(rel: &str) {
    {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixture(rel), &dir.path().join("tree"));
        let text = report_bytes(dir.path(), "tree", &[]);
        let hash = hash_of(&text);
        assert_eq!(hash.len(), 64, "{rel}");
        assert!(
            hash.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')),
            "{rel}: {hash}"
        );
        assert_eq!(recomputed_hash(&text), hash, "{rel}");
    }
}

#[test]
fn absolute_and_relative_path_give_the_same_report() {
    // The temp dir's own name is hidden (`.tmpXXXX`): a hidden directory above PATH must
    // not hide the tree.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("cli/parse_error_orphan"), &dir.path().join("tree"));
    let relative = report_bytes(dir.path(), "tree", &[]);
    let absolute_path = dir.path().join("tree");
    let absolute = report_bytes(dir.path(), absolute_path.to_str().unwrap(), &[]);
    assert_eq!(relative, absolute);

    // The human output names files relative to PATH, whatever PATH looks like.
    let output = Command::cargo_bin("choreo")
        .unwrap()
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .args(["analyze", absolute_path.to_str().unwrap(), "-o", "r.json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("src/good.rs:7:9"), "{stdout}");
    assert!(
        !stdout.contains(&*dir.path().to_string_lossy()),
        "an absolute path leaked into the human output:\n{stdout}"
    );
}

#[test]
fn report_has_no_absolute_paths() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("cases"), &dir.path().join("tree"));
    let text = report_bytes(dir.path(), "tree", &[]);
    let root = dir.path().to_string_lossy().into_owned();
    assert!(
        !text.contains(&root),
        "the temp path leaked into the report"
    );
    assert!(!text.contains(env!("CARGO_MANIFEST_DIR")));
}

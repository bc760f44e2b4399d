//! `choreo diff` from the outside: both forms (two reports, `--base REV`), the JSON DESIGN.md
//! fixes, `--fail-on` and the exit statuses, the renderings, and the errors.
//!
//! Each `--base` fixture is a small git repository made inside the test in a temporary
//! directory: a base commit, a change, a second commit. git runs with a fixed identity and no
//! user or system config, so nothing of the machine reaches the repository.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::{json, Value};
use tempfile::TempDir;

/// A git repository in a temporary directory.
struct Repo {
    dir: TempDir,
}

impl Repo {
    fn new() -> Repo {
        let repo = Repo {
            dir: tempfile::tempdir().unwrap(),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git(&self, args: &[&str]) -> String {
        git_in(self.path(), args)
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap()
    }

    fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path().join(rel)).unwrap();
    }

    /// Commits every change of the work tree.
    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["-c", "commit.gpgsign=false", "commit", "-q", "-m", message]);
    }

    fn choreo(&self, args: &[&str]) -> Output {
        choreo_in(self.path(), args, &[])
    }

    /// `choreo diff ARGS --format json`: the diff, after checking the run left no absolute
    /// path in its output.
    fn diff_json(&self, args: &[&str], expected: i32) -> Value {
        let mut all = vec!["diff"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--format", "json"]);
        let output = self.choreo(&all);
        assert_code(&output, expected);
        let text = stdout(&output);
        let root = self.path().to_string_lossy().into_owned();
        assert!(
            !text.contains(&root),
            "an absolute path in the diff:\n{text}"
        );
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
    }
}

fn git_in(dir: &Path, args: &[&str]) -> String {
    let output = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .envs(git_env())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A fixed identity and no config from the machine.
fn git_env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("GIT_AUTHOR_NAME", "choreo tests"),
        ("GIT_AUTHOR_EMAIL", "tests@choreo.invalid"),
        ("GIT_COMMITTER_NAME", "choreo tests"),
        ("GIT_COMMITTER_EMAIL", "tests@choreo.invalid"),
        ("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z"),
        ("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z"),
        ("GIT_CONFIG_GLOBAL", "/dev/null"),
        ("GIT_CONFIG_NOSYSTEM", "1"),
    ]
}

fn choreo_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::cargo_bin("choreo").unwrap();
    command
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .envs(git_env());
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[track_caller]
fn assert_code(output: &Output, expected: i32) {
    assert_eq!(
        output.status.code(),
        Some(expected),
        "unexpected exit status\nstdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
}

/// The 64-hex-digit hashes out of a rendering, so snapshots do not change with the tool's
/// version (which every report's hash covers).
fn redact(text: &str) -> String {
    let long = regex::Regex::new("[0-9a-f]{64}").unwrap();
    let short = regex::Regex::new("`[0-9a-f]{12}`").unwrap();
    short
        .replace_all(&long.replace_all(text, "[hash]"), "`[hash]`")
        .into_owned()
}

const ORDERS: &str = r#"pub struct Orders;

impl Orders {
    pub fn place(&self, bus: &Bus) {
        bus.publish("order.placed", 1);
    }
}
"#;

const BILLING: &str = r#"pub struct Billing;

impl Billing {
    pub fn start(&self, bus: &Bus) {
        bus.subscribe("order.placed", |e| {
            bus.publish("invoice.sent", 2);
        });
    }
}
"#;

const MAIL: &str = r#"pub struct Mail;

impl Mail {
    pub fn start(&self, bus: &Bus) {
        bus.subscribe("invoice.sent", |e| {});
    }
}
"#;

/// A repository whose base commit holds three healthy events' worth of services.
fn shop() -> Repo {
    let repo = Repo::new();
    repo.write("src/orders.rs", ORDERS);
    repo.write("src/billing.rs", BILLING);
    repo.write("src/mail.rs", MAIL);
    repo.commit("base");
    repo
}

fn empty_diff_sections(diff: &Value) {
    for section in ["publishers", "subscribers", "loops"] {
        assert_eq!(
            diff[section],
            json!({"added": [], "removed": []}),
            "{section}"
        );
    }
    assert_eq!(
        diff["events"],
        json!({"added": [], "removed": [], "health_changed": []})
    );
    assert_eq!(diff["findings"], json!({"new": [], "fixed": []}));
}

#[test]
fn a_removed_subscriber_is_a_lost_subscriber() {
    let repo = shop();
    repo.remove("src/mail.rs");
    repo.commit("mail no longer listens");

    let diff = repo.diff_json(&["--base", "HEAD~1", "--fail-on", "lost-subscriber"], 1);
    assert_eq!(
        diff["subscribers"],
        json!({"added": [], "removed": [
            {"key": "invoice.sent", "file": "src/mail.rs", "component": "Mail", "handler": "{closure}"}
        ]})
    );
    assert_eq!(
        diff["events"]["health_changed"],
        json!([{"key": "invoice.sent", "from": "healthy", "to": "orphaned"}])
    );
    assert_eq!(diff["fail_on"], json!(["lost-subscriber"]));
    assert_eq!(diff["failed"], json!(["lost-subscriber"]));

    // The same change does not lose a publisher.
    let diff = repo.diff_json(&["--base", "HEAD~1", "--fail-on", "lost-publisher"], 0);
    assert_eq!(diff["failed"], json!([]));
    // By default a new deny finding fails: the orphan.
    let diff = repo.diff_json(&["--base", "HEAD~1"], 1);
    assert_eq!(diff["fail_on"], json!(["new-findings"]));
    assert_eq!(
        diff["findings"]["new"],
        json!([{"lint": "orphaned_event", "level": "deny", "event": "invoice.sent",
                "file": "src/billing.rs", "line": 6}])
    );
}

#[test]
fn a_removed_publisher_is_a_lost_publisher() {
    let repo = shop();
    repo.remove("src/orders.rs");
    repo.commit("nobody places orders");
    let diff = repo.diff_json(&["--base", "HEAD~1", "--fail-on", "lost-publisher"], 1);
    assert_eq!(diff["failed"], json!(["lost-publisher"]));
    assert_eq!(
        diff["publishers"]["removed"],
        json!([{"key": "order.placed", "file": "src/orders.rs", "component": "Orders", "function": "place"}])
    );
    // An unused subscription is a warning: no new deny finding.
    let diff = repo.diff_json(&["--base", "HEAD~1"], 0);
    assert_eq!(diff["findings"]["new"][0]["lint"], "unused_subscription");
    assert_eq!(diff["findings"]["new"][0]["level"], "warn");
}

#[test]
fn an_added_loop_is_a_new_loop() {
    let repo = shop();
    repo.write(
        "src/mail.rs",
        &MAIL.replace(
            "|e| {}",
            "|e| {\n            bus.publish(\"order.placed\", 3);\n        }",
        ),
    );
    repo.commit("mail places an order");

    let diff = repo.diff_json(&["--base", "HEAD~1", "--fail-on", "new-loops"], 1);
    assert_eq!(
        diff["loops"],
        json!({"added": [["invoice.sent", "order.placed"]], "removed": []})
    );
    assert_eq!(diff["failed"], json!(["new-loops"]));
    assert_eq!(
        diff["publishers"]["added"],
        json!([{"key": "order.placed", "file": "src/mail.rs", "component": "Mail", "function": "start"}])
    );
    // `none` never fails, whatever changed.
    repo.diff_json(&["--base", "HEAD~1", "--fail-on", "none"], 0);
    // The loop goes again: a removed loop and a fixed finding, nothing fails.
    let diff = repo.diff_json(
        &["--base", "HEAD", "--fail-on", "new-loops,new-findings"],
        0,
    );
    assert!(diff["loops"]["added"].as_array().unwrap().is_empty());
    repo.write("src/mail.rs", MAIL);
    let diff = repo.diff_json(
        &["--base", "HEAD", "--fail-on", "new-loops,new-findings"],
        0,
    );
    assert_eq!(
        diff["loops"],
        json!({"added": [], "removed": [["invoice.sent", "order.placed"]]})
    );
    assert_eq!(diff["findings"]["fixed"][0]["lint"], "feedback_loop");
}

/// The front end (another service) hears `order.*`; renaming the key to `orders.placed`
/// takes the event out of that contract and nobody hears it.
fn renamed() -> Repo {
    let repo = Repo::new();
    repo.write(
        "choreo.toml",
        "[events]\nexternal_subscribers = [\"order.*\"]\n",
    );
    repo.write("src/orders.rs", ORDERS);
    repo.write("src/mail.rs", MAIL);
    repo.write(
        "src/billing.rs",
        "pub struct Billing;\n\nimpl Billing {\n    pub fn bill(&self, bus: &Bus) {\n        bus.publish(\"invoice.sent\", 2);\n    }\n}\n",
    );
    repo.commit("base");
    repo.write(
        "src/orders.rs",
        &ORDERS.replace("order.placed", "orders.placed"),
    );
    repo.commit("rename");
    repo
}

#[test]
fn a_renamed_key_is_one_event_removed_and_one_new_orphan_added() {
    let repo = renamed();
    let diff = repo.diff_json(
        &["--base", "HEAD~1", "--fail-on", "new-findings,new-orphans"],
        1,
    );
    assert_eq!(
        diff["events"],
        json!({"added": ["orders.placed"], "removed": ["order.placed"], "health_changed": []})
    );
    assert_eq!(
        diff["publishers"],
        json!({
            "added": [{"key": "orders.placed", "file": "src/orders.rs", "component": "Orders", "function": "place"}],
            "removed": [{"key": "order.placed", "file": "src/orders.rs", "component": "Orders", "function": "place"}]
        })
    );
    assert_eq!(
        diff["findings"]["new"],
        json!([{"lint": "orphaned_event", "level": "deny", "event": "orders.placed",
                "file": "src/orders.rs", "line": 5}])
    );
    assert_eq!(diff["failed"], json!(["new-findings", "new-orphans"]));
}

#[test]
fn the_renamed_key_rendered_for_a_terminal_and_a_pull_request() {
    let repo = renamed();
    let output = repo.choreo(&[
        "diff",
        "--base",
        "HEAD~1",
        "--fail-on",
        "new-findings,new-orphans",
    ]);
    assert_code(&output, 1);
    let human = stdout(&output);
    assert!(!human.contains('\x1b'), "no color on a pipe:\n{human}");
    assert!(
        human.starts_with("choreo diff fails on new-findings, new-orphans: "),
        "{human}"
    );
    insta::assert_snapshot!("renamed_human", redact(&human));

    let output = repo.choreo(&[
        "diff",
        "--base",
        "HEAD~1",
        "--format",
        "markdown",
        "--fail-on",
        "new-findings,new-orphans",
    ]);
    assert_code(&output, 1);
    let markdown = stdout(&output);
    assert!(markdown.starts_with("❌ **choreo diff fails on new-findings, new-orphans**"));
    assert!(
        markdown.contains("```mermaid\nflowchart LR\n"),
        "{markdown}"
    );
    insta::assert_snapshot!("renamed_markdown", redact(&markdown));
}

/// A shop with more flows: stock and archive services beside billing and mail.
fn warehouse() -> Repo {
    let repo = shop();
    repo.write(
        "src/stock.rs",
        r#"pub struct Stock;

impl Stock {
    pub fn start(&self, bus: &Bus) {
        bus.subscribe("order.placed", |e| {
            bus.publish("stock.reserved", 1);
        });
        bus.subscribe("stock.reserved", |e| {});
    }
}
"#,
    );
    repo.write(
        "src/archive.rs",
        r#"pub struct Archive;

impl Archive {
    pub fn start(&self, bus: &Bus) {
        bus.subscribe("invoice.sent", |e| {
            bus.publish("archive.stored", 1);
        });
        bus.subscribe("archive.stored", |e| {});
    }
}
"#,
    );
    repo.commit("stock and archive");
    // Mail now places an order (a loop), and the archive stops storing.
    repo.write(
        "src/mail.rs",
        &MAIL.replace(
            "|e| {}",
            "|e| {\n            bus.publish(\"order.placed\", 3);\n        }",
        ),
    );
    repo.write(
        "src/archive.rs",
        &repo
            .read("src/archive.rs")
            .replace("bus.publish(\"archive.stored\", 1);", "let _ = e;"),
    );
    repo.commit("loop");
    repo
}

#[test]
fn a_loop_and_a_lost_publisher_rendered() {
    let repo = warehouse();
    let args = [
        "diff",
        "--base",
        "HEAD~1",
        "--fail-on",
        "new-loops,lost-publisher",
    ];
    let output = repo.choreo(&args);
    assert_code(&output, 1);
    insta::assert_snapshot!("warehouse_human", redact(&stdout(&output)));
    let mut markdown = args.to_vec();
    markdown.extend(["--format", "markdown"]);
    let output = repo.choreo(&markdown);
    assert_code(&output, 1);
    let text = stdout(&output);
    // Added and removed flows are drawn apart; an unchanged neighbour is context.
    assert!(text.contains("==>|added|"), "{text}");
    assert!(text.contains("-.->|removed|"), "{text}");
    assert!(text.contains("class e3 context"), "{text}");
    insta::assert_snapshot!("warehouse_markdown", redact(&text));
}

#[test]
fn pure_moves_inside_a_file_are_no_change() {
    let repo = shop();
    // The two methods swap places, the bodies are reformatted, lines and comments come in
    // between: the same sites.
    repo.write(
        "src/billing.rs",
        r#"// Billing: hears orders, sends invoices.

pub struct Billing;


impl Billing {
    /// Does nothing event-related.
    pub fn helper(&self) -> u32 { 41 + 1 }

    pub fn start(&self, bus: &Bus) {
        bus.subscribe(
            "order.placed",
            |e| {
                // an invoice per order
                bus.publish(
                    "invoice.sent",
                    2,
                );
            },
        );
    }
}
"#,
    );
    repo.commit("reformat");
    let diff = repo.diff_json(&["--base", "HEAD~1", "--fail-on", "any"], 0);
    empty_diff_sections(&diff);
    assert_eq!(diff["failed"], json!([]));
    // The reports do differ: the sites' lines moved.
    assert_ne!(diff["base"]["analysis_hash"], diff["head"]["analysis_hash"]);
    let output = repo.choreo(&["diff", "--base", "HEAD~1", "--fail-on", "any"]);
    assert_code(&output, 0);
    assert!(
        stdout(&output).starts_with("choreo diff passes: no change to the event flows\n"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn any_fails_on_any_site_change() {
    let repo = shop();
    repo.write(
        "src/orders.rs",
        &ORDERS.replace(
            "bus.publish(\"order.placed\", 1);",
            "bus.publish(\"order.placed\", 1);\n        bus.publish(\"order.placed\", 2);",
        ),
    );
    repo.commit("a second publish");
    let diff = repo.diff_json(&["--base", "HEAD~1", "--fail-on", "any"], 1);
    // Counted: one more site of the same identity is one added entry.
    assert_eq!(
        diff["publishers"]["added"],
        json!([{"key": "order.placed", "file": "src/orders.rs", "component": "Orders", "function": "place"}])
    );
    repo.diff_json(&["--base", "HEAD~1"], 0);
}

#[test]
fn each_side_is_analyzed_with_its_own_config() {
    let repo = Repo::new();
    repo.write(
        "choreo.toml",
        "[events]\nexternal_subscribers = [\"audit.*\"]\n",
    );
    repo.write(
        "src/audit.rs",
        "pub struct Audit;\n\nimpl Audit {\n    pub fn log(&self, bus: &Bus) {\n        bus.publish(\"audit.logged\", 1);\n    }\n}\n",
    );
    repo.commit("base");
    // The head stops declaring the audit service: its event is heard by nobody now.
    repo.write("choreo.toml", "[analysis]\nfan_out_threshold = 10\n");
    repo.commit("drop the audit service");

    let diff = repo.diff_json(&["--base", "HEAD~1", "--fail-on", "new-orphans"], 1);
    assert_eq!(
        diff["events"]["health_changed"],
        json!([{"key": "audit.logged", "from": "external", "to": "orphaned"}])
    );
    assert_eq!(diff["findings"]["new"][0]["lint"], "orphaned_event");
    // No site changed: only the config did.
    assert_eq!(diff["publishers"], json!({"added": [], "removed": []}));

    // With `-c FILE` inside the repository, the base reads that file as of REV.
    repo.write(
        "conf/choreo.toml",
        "[events]\nexternal_subscribers = [\"audit.*\"]\n",
    );
    repo.commit("a config of its own");
    repo.write("conf/choreo.toml", "[lints]\norphaned_event = \"warn\"\n");
    let diff = repo.diff_json(
        &[
            "--base",
            "HEAD",
            "-c",
            "conf/choreo.toml",
            "--fail-on",
            "new-orphans,new-findings",
        ],
        1,
    );
    assert_eq!(diff["failed"], json!(["new-orphans"]));
    assert_eq!(
        diff["findings"]["new"],
        json!([{"lint": "orphaned_event", "level": "warn", "event": "audit.logged",
                "file": "src/audit.rs", "line": 5}])
    );
}

#[test]
fn the_work_tree_is_analyzed_as_it_is_and_never_touched() {
    let repo = shop();
    repo.remove("src/mail.rs");
    repo.write(
        "src/new.rs",
        "fn f(bus: &Bus) { bus.subscribe(\"order.placed\", |e| {}); }\n",
    );
    let status = repo.git(&["status", "--porcelain"]);
    let diff = repo.diff_json(&["--base", "HEAD", "--fail-on", "none"], 0);
    assert_eq!(diff["subscribers"]["added"][0]["file"], "src/new.rs");
    assert_eq!(diff["subscribers"]["removed"][0]["file"], "src/mail.rs");
    assert_eq!(repo.git(&["status", "--porcelain"]), status);
    assert!(!repo.path().join("src/mail.rs").exists());
    assert_eq!(repo.read("src/orders.rs"), ORDERS);
}

#[test]
fn a_path_inside_the_repository_is_compared_with_its_own_subtree() {
    let repo = Repo::new();
    repo.write("services/shop/src/orders.rs", ORDERS);
    repo.write("services/shop/src/billing.rs", BILLING);
    repo.write(
        "other/src/lib.rs",
        "fn f(bus: &Bus) { bus.publish(\"elsewhere\", 1); }\n",
    );
    repo.commit("base");
    repo.remove("services/shop/src/billing.rs");
    repo.write(
        "other/src/lib.rs",
        "fn f(bus: &Bus) { bus.publish(\"moved\", 1); }\n",
    );
    repo.commit("change");
    let diff = repo.diff_json(
        &[
            "--base",
            "HEAD~1",
            "services/shop",
            "--fail-on",
            "lost-subscriber",
        ],
        1,
    );
    // Paths are relative to the analyzed path, as in its reports; `other/` is not in view.
    assert_eq!(diff["subscribers"]["removed"][0]["file"], "src/billing.rs");
    assert_eq!(diff["events"]["removed"], json!(["invoice.sent"]));

    // GitHub annotations name files from the repository's top.
    let output = repo.choreo(&[
        "diff",
        "--base",
        "HEAD~1",
        "services/shop",
        "--format",
        "github",
    ]);
    assert_code(&output, 1);
    assert!(
        stdout(&output).starts_with(
            "::error file=services/shop/src/orders.rs,line=5,col=13,title=choreo(orphaned_event)::new in this change: "
        ),
        "{}",
        stdout(&output)
    );
    // A directory that the base revision does not have yet: everything in it is added.
    repo.write(
        "services/new/src/lib.rs",
        "fn f(bus: &Bus) { bus.publish(\"fresh\", 1); }\n",
    );
    let diff = repo.diff_json(
        &["--base", "HEAD", "services/new", "--fail-on", "new-orphans"],
        1,
    );
    assert_eq!(diff["events"]["added"], json!(["fresh"]));
}

#[test]
fn two_reports_give_the_same_diff_as_base() {
    let repo = renamed();
    // The base as a second checkout, analyzed by `choreo analyze`.
    let base = tempfile::tempdir().unwrap();
    git_in(
        repo.path(),
        &[
            "worktree",
            "add",
            "-q",
            &base.path().join("b").to_string_lossy(),
            "HEAD~1",
        ],
    );
    let old = repo.path().join("old.json");
    let new = repo.path().join("new.json");
    let output = choreo_in(
        &base.path().join("b"),
        &[
            "analyze",
            ".",
            "-o",
            &old.to_string_lossy(),
            "--format",
            "json",
        ],
        &[],
    );
    assert!(output.status.code().unwrap() <= 1, "{}", stderr(&output));
    let output = repo.choreo(&["analyze", ".", "-o", "new.json", "--format", "json"]);
    assert!(output.status.code().unwrap() <= 1, "{}", stderr(&output));

    let from_reports = repo.diff_json(&["old.json", "new.json", "--fail-on", "new-orphans"], 1);
    // The reports themselves are not in the tree's view: `--base` does not see them.
    std::fs::remove_file(&old).unwrap();
    std::fs::rename(&new, base.path().join("new.json")).unwrap();
    git_in(repo.path(), &["worktree", "prune"]);
    let from_git = repo.diff_json(&["--base", "HEAD~1", "--fail-on", "new-orphans"], 1);
    assert_eq!(from_reports, from_git);
    assert_eq!(from_reports["schema_version"], 1);
}

#[test]
fn the_diff_is_written_to_output_and_is_deterministic() {
    let repo = renamed();
    let output = repo.choreo(&["diff", "--base", "HEAD~1", "-o", "diff.json"]);
    assert_code(&output, 1);
    // stdout has the human rendering, the file the JSON.
    assert!(stdout(&output).starts_with("choreo diff fails on new-findings"));
    let first = repo.read("diff.json");
    // The top-level keys in DESIGN.md's order.
    let keys: Vec<&str> = first
        .lines()
        .filter_map(|line| line.strip_prefix("  \""))
        .filter_map(|rest| rest.split_once('"').map(|(key, _)| key))
        .collect();
    assert_eq!(
        keys,
        [
            "schema_version",
            "base",
            "head",
            "events",
            "publishers",
            "subscribers",
            "loops",
            "findings",
            "fail_on",
            "failed"
        ]
    );
    let again = repo.choreo(&[
        "diff",
        "--base",
        "HEAD~1",
        "-o",
        "diff.json",
        "--format",
        "json",
    ]);
    assert_code(&again, 1);
    assert_eq!(repo.read("diff.json"), first);
    assert_eq!(stdout(&again), first);
    // `-o -`: the JSON alone on stdout, the rendering on stderr.
    let piped = repo.choreo(&["diff", "--base", "HEAD~1", "-o", "-"]);
    assert_code(&piped, 1);
    assert_eq!(stdout(&piped), first);
    assert!(stderr(&piped).starts_with("choreo diff fails"));
}

#[test]
fn github_annotates_new_findings_and_appends_the_summary() {
    let repo = renamed();
    let summary = repo.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let output = choreo_in(
        repo.path(),
        &["diff", "--base", "HEAD~1", "--format", "github"],
        &[("GITHUB_STEP_SUMMARY", &summary.to_string_lossy())],
    );
    assert_code(&output, 1);
    let lines: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
    assert_eq!(
        lines,
        [
            "::error file=src/orders.rs,line=5,col=13,title=choreo(orphaned_event)::new in this change: `orders.placed` is published but nothing subscribes to it (help: subscribe to it, fix the key if it is a typo, or declare it in `[events] external_subscribers`)",
            "::error title=choreo diff::fails on new-findings: 1 event added, 1 event removed, 1 publisher added, 1 publisher removed, 1 new finding",
        ]
    );
    let written = std::fs::read_to_string(&summary).unwrap();
    let markdown = stdout(&repo.choreo(&["diff", "--base", "HEAD~1", "--format", "markdown"]));
    assert_eq!(written, format!("earlier step\n{markdown}"));
}

// ---------------------------------------------------------------------------------------
// errors: exit 2, with what is wrong and how to fix it

#[track_caller]
fn assert_error(output: &Output, needles: &[&str]) {
    assert_code(output, 2);
    // miette wraps at the terminal's width: compare words.
    let raw = stderr(output);
    let text: Vec<&str> = raw.split_whitespace().filter(|word| *word != "│").collect();
    let text = text.join(" ");
    for needle in needles {
        assert!(text.contains(needle), "`{needle}` not in:\n{text}");
    }
    assert!(stdout(output).is_empty(), "{}", stdout(output));
}

#[test]
fn an_unknown_revision_is_an_error() {
    let repo = shop();
    let output = repo.choreo(&["diff", "--base", "no-such-branch"]);
    assert_error(
        &output,
        &["unknown revision `no-such-branch`", "help:", "git fetch"],
    );
    // An option-like revision is a revision, never a git option.
    let output = repo.choreo(&["diff", "--base=--output=x"]);
    assert_error(&output, &["unknown revision `--output=x`"]);
    assert!(!repo.path().join("x").exists());
}

#[test]
fn a_shallow_clone_without_the_revision_says_to_fetch_the_history() {
    let repo = shop();
    repo.write(
        "src/more.rs",
        "fn f(bus: &Bus) { bus.publish(\"more\", 1); }\n",
    );
    repo.commit("second");
    let clones = tempfile::tempdir().unwrap();
    let url = format!("file://{}", repo.path().display());
    git_in(
        clones.path(),
        &["clone", "-q", "--depth", "1", &url, "shallow"],
    );
    let output = choreo_in(
        &clones.path().join("shallow"),
        &["diff", "--base", "HEAD~1"],
        &[],
    );
    assert_error(
        &output,
        &[
            "unknown revision `HEAD~1`",
            "shallow",
            "fetch-depth: 0",
            "--unshallow",
        ],
    );
}

#[test]
fn a_path_outside_git_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lib.rs"), ORDERS).unwrap();
    // No repository above the temporary directory either: git stops at its parent.
    let output = choreo_in(
        dir.path(),
        &["diff", "--base", "HEAD", "."],
        &[(
            "GIT_CEILING_DIRECTORIES",
            &dir.path().parent().unwrap().to_string_lossy(),
        )],
    );
    assert_error(
        &output,
        &[
            "is not inside a git work tree",
            "choreo diff OLD.json NEW.json",
        ],
    );
    let output = choreo_in(dir.path(), &["diff", "--base", "HEAD", "missing"], &[]);
    assert_error(&output, &["path `missing` does not exist"]);
}

#[test]
fn an_unreadable_report_is_an_error() {
    let repo = shop();
    repo.choreo(&["analyze", ".", "-o", "r.json", "--format", "json"]);
    let output = repo.choreo(&["diff", "r.json", "missing.json"]);
    assert_error(
        &output,
        &[
            "cannot read report `missing.json`",
            "choreo analyze -o FILE",
        ],
    );
    repo.write("bad.json", "{ not json");
    let output = repo.choreo(&["diff", "bad.json", "r.json"]);
    assert_error(&output, &["`bad.json` is not a choreo report", "help:"]);
    // One report alone is not a diff.
    let output = repo.choreo(&["diff", "r.json"]);
    assert_error(&output, &["needs two reports or `--base REV`"]);
}

#[test]
fn a_report_of_another_schema_version_is_an_error() {
    let repo = shop();
    repo.choreo(&["analyze", ".", "-o", "r.json", "--format", "json"]);
    let text = repo.read("r.json");
    let old = regex::Regex::new(r#""schema_version": \d+"#)
        .unwrap()
        .replace(&text, "\"schema_version\": 1")
        .into_owned();
    assert_ne!(old, text);
    repo.write("old.json", &old);
    let output = repo.choreo(&["diff", "old.json", "r.json"]);
    assert_error(
        &output,
        &["`old.json` has schema version 1", "same choreo version"],
    );
}

#[test]
fn an_unknown_fail_on_is_an_error() {
    let repo = shop();
    let output = repo.choreo(&[
        "diff",
        "--base",
        "HEAD",
        "--fail-on",
        "new-findings,everything",
    ]);
    assert_code(&output, 2);
    assert!(
        stderr(&output).contains("everything"),
        "{}",
        stderr(&output)
    );
}

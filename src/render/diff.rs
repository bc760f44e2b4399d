//! `choreo diff` for its readers: a terminal (human), a pull-request comment (markdown, with
//! a Mermaid flowchart of the changed events) and GitHub Actions (annotations for the new
//! findings). The JSON form is `Diff::to_json`.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::diff::{Diff, EdgeChange, EventChange, FindingRef, PublisherId, SubscriberId};
use crate::lints::Level;

/// GitHub refuses a comment over 65,536 characters; the markdown stays under this many
/// bytes, cutting table rows and then the flowchart, and says so.
pub const MARKDOWN_LIMIT: usize = 60_000;

/// Room kept for the notes and the footer once rows start being cut.
const RESERVE: usize = 1_500;

/// A flowchart of more events than this is left out: Mermaid draws it too small to read
/// (and GitHub's renderer gives up on large ones).
const MAX_CHART_EVENTS: usize = 150;

/// The one-line verdict: whether the diff fails, on what, and what changed.
pub fn verdict(diff: &Diff) -> String {
    let summary = summary(diff);
    if diff.failed.is_empty() {
        format!("passes: {summary}")
    } else {
        let names: Vec<&str> = diff.failed.iter().map(|c| c.name()).collect();
        format!("fails on {}: {summary}", names.join(", "))
    }
}

/// What changed, counted: "1 event added, 2 new findings".
fn summary(diff: &Diff) -> String {
    let mut parts = Vec::new();
    let mut part = |n: usize, one: &str, many: &str, what: &str| {
        if n > 0 {
            parts.push(
                format!("{n} {} {what}", if n == 1 { one } else { many })
                    .trim_end()
                    .to_owned(),
            );
        }
    };
    part(diff.events.added.len(), "event", "events", "added");
    part(diff.events.removed.len(), "event", "events", "removed");
    part(
        diff.events.health_changed.len(),
        "health change",
        "health changes",
        "",
    );
    part(
        diff.publishers.added.len(),
        "publisher",
        "publishers",
        "added",
    );
    part(
        diff.publishers.removed.len(),
        "publisher",
        "publishers",
        "removed",
    );
    part(
        diff.subscribers.added.len(),
        "subscriber",
        "subscribers",
        "added",
    );
    part(
        diff.subscribers.removed.len(),
        "subscriber",
        "subscribers",
        "removed",
    );
    part(diff.loops.added.len(), "new loop", "new loops", "");
    part(diff.loops.removed.len(), "loop", "loops", "gone");
    part(diff.findings.new.len(), "new finding", "new findings", "");
    part(diff.findings.fixed.len(), "finding", "findings", "fixed");
    if parts.is_empty() {
        "no change to the event flows".to_owned()
    } else {
        parts.join(", ")
    }
}

/// One row of the events section.
struct EventRow<'a> {
    change: &'static str,
    key: &'a str,
    health: String,
    note: Option<&'static str>,
}

fn event_rows(diff: &Diff) -> Vec<EventRow<'_>> {
    let note = |key: &str| {
        if diff.details.lost_subscribers.iter().any(|k| k == key) {
            Some("lost its last subscriber")
        } else if diff.details.lost_publishers.iter().any(|k| k == key) {
            Some("lost its last publisher")
        } else {
            None
        }
    };
    let health = |key: &str, head: bool| {
        diff.details
            .flows
            .event(key)
            .and_then(|event| if head { event.head } else { event.base })
            .map(|health| health.to_string())
            .unwrap_or_default()
    };
    let mut rows = Vec::new();
    for key in &diff.events.added {
        rows.push(EventRow {
            change: "added",
            key,
            health: health(key, true),
            note: None,
        });
    }
    for key in &diff.events.removed {
        rows.push(EventRow {
            change: "removed",
            key,
            health: health(key, false),
            note: None,
        });
    }
    for change in &diff.events.health_changed {
        rows.push(EventRow {
            change: "changed",
            key: &change.key,
            health: format!("{} → {}", change.from, change.to),
            note: note(&change.key),
        });
    }
    // An event that lost its last site on one side while its health stayed (a wildcard
    // still covers it, say) is named too.
    for key in diff
        .details
        .lost_subscribers
        .iter()
        .chain(&diff.details.lost_publishers)
    {
        if !rows.iter().any(|row| row.key == key) {
            rows.push(EventRow {
                change: "changed",
                key,
                health: health(key, true),
                note: note(key),
            });
        }
    }
    rows
}

/// Identical site identities folded into one row with their count, in sorted order.
fn folded<T: Ord>(sites: &[T]) -> Vec<(&T, usize)> {
    let mut counts: BTreeMap<&T, usize> = BTreeMap::new();
    for site in sites {
        *counts.entry(site).or_default() += 1;
    }
    counts.into_iter().collect()
}

struct SiteRow<'a> {
    change: &'static str,
    key: &'a str,
    file: &'a str,
    component: &'a str,
    function: Option<&'a str>,
    count: usize,
}

fn publisher_rows(diff: &Diff) -> Vec<SiteRow<'_>> {
    fn row<'a>(change: &'static str, (id, count): (&'a PublisherId, usize)) -> SiteRow<'a> {
        SiteRow {
            change,
            key: &id.key,
            file: &id.file,
            component: &id.component,
            function: id.function.as_deref(),
            count,
        }
    }
    folded(&diff.publishers.added)
        .into_iter()
        .map(|entry| row("added", entry))
        .chain(
            folded(&diff.publishers.removed)
                .into_iter()
                .map(|entry| row("removed", entry)),
        )
        .collect()
}

fn subscriber_rows(diff: &Diff) -> Vec<SiteRow<'_>> {
    fn row<'a>(change: &'static str, (id, count): (&'a SubscriberId, usize)) -> SiteRow<'a> {
        SiteRow {
            change,
            key: &id.key,
            file: &id.file,
            component: &id.component,
            function: id.handler.as_deref(),
            count,
        }
    }
    folded(&diff.subscribers.added)
        .into_iter()
        .map(|entry| row("added", entry))
        .chain(
            folded(&diff.subscribers.removed)
                .into_iter()
                .map(|entry| row("removed", entry)),
        )
        .collect()
}

fn loop_rows(diff: &Diff) -> Vec<(&'static str, &[String])> {
    diff.loops
        .added
        .iter()
        .map(|keys| ("added", keys.as_slice()))
        .chain(
            diff.loops
                .removed
                .iter()
                .map(|keys| ("removed", keys.as_slice())),
        )
        .collect()
}

fn finding_rows(diff: &Diff) -> Vec<(&'static str, &FindingRef)> {
    diff.findings
        .new
        .iter()
        .map(|finding| ("new", finding))
        .chain(diff.findings.fixed.iter().map(|finding| ("fixed", finding)))
        .collect()
}

fn level_word(level: Level) -> &'static str {
    match level {
        Level::Deny => "error",
        Level::Warn => "warning",
        Level::Allow => "allowed",
    }
}

// ---------------------------------------------------------------------------------------
// human

/// ANSI styles, or nothing.
struct Paint {
    color: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn change(&self, change: &str, text: &str) -> String {
        match change {
            "added" | "new" => self.wrap("32", text),
            "removed" | "fixed" => self.wrap("31", text),
            _ => self.wrap("33", text),
        }
    }
}

fn sign(change: &str) -> &'static str {
    match change {
        "added" | "new" => "+",
        "removed" | "fixed" => "-",
        _ => "~",
    }
}

/// For a terminal: the verdict line, then each section that has changes, then the two
/// reports' hashes.
pub fn human(diff: &Diff, color: bool) -> String {
    let paint = Paint { color };
    let mut out = String::new();
    let verdict_code = if diff.failed.is_empty() {
        "1;32"
    } else {
        "1;31"
    };
    let _ = writeln!(
        out,
        "{}",
        paint.wrap(verdict_code, &format!("choreo diff {}", verdict(diff)))
    );

    let events = event_rows(diff);
    if !events.is_empty() {
        let _ = writeln!(out, "\n{}", paint.wrap("1", "Events"));
        let width = key_width(events.iter().map(|row| row.key));
        for row in &events {
            let note = row.note.map(|n| format!("  ({n})")).unwrap_or_default();
            let line = format!(
                "  {} {:<width$}  {}{note}",
                sign(row.change),
                row.key,
                row.health
            );
            let _ = writeln!(out, "{}", paint.change(row.change, line.trim_end()));
        }
    }
    for (title, rows) in [
        ("Publishers", publisher_rows(diff)),
        ("Subscribers", subscriber_rows(diff)),
    ] {
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{}", paint.wrap("1", title));
        let width = key_width(rows.iter().map(|row| row.key));
        let file_width = key_width(rows.iter().map(|row| row.file));
        for row in &rows {
            let place = match row.function {
                Some(function) => format!("{}::{function}", row.component),
                None => row.component.to_owned(),
            };
            let count = if row.count > 1 {
                format!("  ×{}", row.count)
            } else {
                String::new()
            };
            let line = format!(
                "  {} {:<width$}  {:<file_width$}  {place}{count}",
                sign(row.change),
                row.key,
                row.file
            );
            let _ = writeln!(out, "{}", paint.change(row.change, &line));
        }
    }
    let loops = loop_rows(diff);
    if !loops.is_empty() {
        let _ = writeln!(out, "\n{}", paint.wrap("1", "Feedback loops"));
        for (change, keys) in loops {
            let line = format!("  {} {}", sign(change), keys.join(" ↔ "));
            let _ = writeln!(out, "{}", paint.change(change, &line));
        }
    }
    let findings = finding_rows(diff);
    if !findings.is_empty() {
        let _ = writeln!(out, "\n{}", paint.wrap("1", "Findings"));
        for (change, finding) in findings {
            let fixed = if change == "fixed" { "fixed " } else { "" };
            let line = format!(
                "  {} {fixed}{}[{}] {}:{}:{}: {}",
                sign(change),
                level_word(finding.level),
                finding.lint,
                finding.file,
                finding.line,
                finding.column,
                finding.message
            );
            let _ = writeln!(out, "{}", paint.change(change, &line));
            if change == "new" && !finding.help.is_empty() {
                let _ = writeln!(out, "      help: {}", finding.help);
            }
        }
    }
    let _ = writeln!(
        out,
        "\nBase: {}\nHead: {}",
        diff.base.analysis_hash, diff.head.analysis_hash
    );
    out
}

fn key_width<'a>(keys: impl Iterator<Item = &'a str>) -> usize {
    keys.map(|key| key.chars().count())
        .max()
        .unwrap_or(0)
        .min(48)
}

// ---------------------------------------------------------------------------------------
// markdown

/// A pull-request comment: the verdict, a table per section that has changes, and a
/// Mermaid flowchart of the changed events and their direct neighbours, with added and
/// removed flows drawn apart. At most [`MARKDOWN_LIMIT`] bytes.
pub fn markdown(diff: &Diff) -> String {
    markdown_within(diff, MARKDOWN_LIMIT)
}

fn markdown_within(diff: &Diff, limit: usize) -> String {
    let mut doc = Doc {
        out: String::new(),
        limit: limit.saturating_sub(RESERVE),
    };
    let mark = if diff.failed.is_empty() { "✅" } else { "❌" };
    let verdict = verdict(diff);
    let (head, rest) = verdict.split_once(": ").unwrap_or((&verdict, ""));
    let _ = writeln!(doc.out, "{mark} **choreo diff {head}**: {}", text(rest));

    let events = event_rows(diff);
    doc.table(
        "Events",
        &["change", "event", "health"],
        events.iter().map(|row| {
            let health = match row.note {
                Some(note) => format!("{} ({note})", row.health),
                None => row.health.clone(),
            };
            vec![row.change.to_owned(), code(row.key), text(&health)]
        }),
    );
    for (title, handler, rows) in [
        ("Publishers", "function", publisher_rows(diff)),
        ("Subscribers", "handler", subscriber_rows(diff)),
    ] {
        doc.table(
            title,
            &["change", "event", "file", "component", handler, "sites"],
            rows.iter().map(|row| {
                vec![
                    row.change.to_owned(),
                    code(row.key),
                    code(row.file),
                    code(row.component),
                    row.function.map(code).unwrap_or_default(),
                    row.count.to_string(),
                ]
            }),
        );
    }
    doc.table(
        "Feedback loops",
        &["change", "events"],
        loop_rows(diff).into_iter().map(|(change, keys)| {
            let keys: Vec<String> = keys.iter().map(|key| code(key)).collect();
            vec![change.to_owned(), keys.join(" ↔ ")]
        }),
    );
    doc.table(
        "Findings",
        &["change", "level", "lint", "event", "place", "message"],
        finding_rows(diff).into_iter().map(|(change, finding)| {
            vec![
                change.to_owned(),
                finding.level.to_string(),
                code(&finding.lint),
                finding.event.as_deref().map(code).unwrap_or_default(),
                code(&format!("{}:{}", finding.file, finding.line)),
                text(&finding.message),
            ]
        }),
    );

    let flows = &diff.details.flows;
    if !flows.events.is_empty() {
        let _ = writeln!(doc.out, "\n#### Event flows");
        if flows.events.len() > MAX_CHART_EVENTS {
            let _ = writeln!(
                doc.out,
                "\n_The flowchart is left out: {} events changed or border a change, more than the {MAX_CHART_EVENTS} a chart can show legibly._",
                flows.events.len()
            );
        } else {
            let chart = chart(diff);
            if doc.out.len() + chart.len() > doc.limit {
                let _ = writeln!(
                    doc.out,
                    "\n_The flowchart is left out: it would take the comment past {} kB._",
                    MARKDOWN_LIMIT / 1000
                );
            } else {
                let _ = write!(doc.out, "\n```mermaid\n{chart}```\n");
            }
        }
    }
    let _ = writeln!(
        doc.out,
        "\n<sub>base `{}` · head `{}`</sub>",
        short(&diff.base.analysis_hash),
        short(&diff.head.analysis_hash)
    );
    doc.out
}

/// The comment being written, with its byte budget for rows.
struct Doc {
    out: String,
    limit: usize,
}

impl Doc {
    /// A table under a heading, when it has rows; rows past the budget are counted instead
    /// of written.
    fn table(&mut self, title: &str, header: &[&str], rows: impl Iterator<Item = Vec<String>>) {
        let mut rows = rows.peekable();
        if rows.peek().is_none() {
            return;
        }
        let _ = writeln!(self.out, "\n#### {title}\n");
        let _ = writeln!(self.out, "| {} |", header.join(" | "));
        let _ = writeln!(self.out, "|{}", "---|".repeat(header.len()));
        let mut cut = 0;
        for row in rows {
            let line = format!("| {} |\n", row.join(" | "));
            if cut > 0 || self.out.len() + line.len() > self.limit {
                cut += 1;
            } else {
                self.out.push_str(&line);
            }
        }
        if cut > 0 {
            let _ = writeln!(
                self.out,
                "\n_{cut} more {} not shown: the comment is kept under {} kB; `choreo diff --format json` lists every change._",
                if cut == 1 { "row" } else { "rows" },
                MARKDOWN_LIMIT / 1000
            );
        }
    }
}

/// The flowchart text, without its fence.
fn chart(diff: &Diff) -> String {
    let flows = &diff.details.flows;
    let mut out = String::from("flowchart LR\n");
    for (i, event) in flows.events.iter().enumerate() {
        let _ = writeln!(out, "    e{i}([\"{}\"])", super::mermaid::label(&event.key));
    }
    let index = |key: &str| {
        flows
            .events
            .binary_search_by(|event| event.key.as_str().cmp(key))
            .unwrap_or(0)
    };
    for edge in &flows.edges {
        let arrow = match edge.change {
            EdgeChange::Added => "==>|added|",
            EdgeChange::Removed => "-.->|removed|",
            EdgeChange::Kept => "-->",
        };
        let _ = writeln!(
            out,
            "    e{} {arrow} e{}",
            index(&edge.from),
            index(&edge.to)
        );
    }
    let classes = [
        (
            EventChange::Added,
            "added",
            "fill:#e6f4ea,stroke:#1a7f37,color:#0f5323",
        ),
        (
            EventChange::Removed,
            "removed",
            "fill:#fde8e8,stroke:#d62728,color:#a61b1b,stroke-dasharray:6 4",
        ),
        (
            EventChange::Changed,
            "changed",
            "fill:#fff8c5,stroke:#bf8700,color:#633c01",
        ),
        (
            EventChange::Context,
            "context",
            "fill:#f2f2f2,stroke:#888888,color:#555555",
        ),
    ];
    for (change, name, style) in classes {
        let ids: Vec<String> = flows
            .events
            .iter()
            .enumerate()
            .filter(|(_, event)| event.change == change)
            .map(|(i, _)| format!("e{i}"))
            .collect();
        if !ids.is_empty() {
            let _ = writeln!(out, "    classDef {name} {style}");
            let _ = writeln!(out, "    class {} {name}", ids.join(","));
        }
    }
    for (change, style) in [
        (EdgeChange::Added, "stroke:#1a7f37,stroke-width:3px"),
        (EdgeChange::Removed, "stroke:#d62728,stroke-dasharray:6 4"),
    ] {
        let ids: Vec<String> = flows
            .edges
            .iter()
            .enumerate()
            .filter(|(_, edge)| edge.change == change)
            .map(|(i, _)| i.to_string())
            .collect();
        if !ids.is_empty() {
            let _ = writeln!(out, "    linkStyle {} {style}", ids.join(","));
        }
    }
    out
}

/// Text in a code span inside a table cell: a span long enough for the backticks the text
/// holds, pipes escaped (GitHub splits cells on them even inside code).
fn code(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ").replace('|', "\\|");
    let mut ticks = 1;
    while text.contains(&"`".repeat(ticks)) {
        ticks += 1;
    }
    let fence = "`".repeat(ticks);
    if ticks > 1 || text.starts_with('`') || text.ends_with('`') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// Plain text inside a table cell: pipes escaped, and outside code spans the characters
/// GitHub would read as HTML.
fn text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            '<' if !in_code => out.push_str("&lt;"),
            '>' if !in_code => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

// ---------------------------------------------------------------------------------------
// github

/// GitHub Actions workflow commands: an annotation per new finding (its file prefixed with
/// `prefix`, the analyzed path inside the repository), then the verdict as one more.
pub fn github(diff: &Diff, prefix: &str) -> String {
    let mut out = String::new();
    for finding in &diff.findings.new {
        let command = match finding.level {
            Level::Deny => "error",
            Level::Warn | Level::Allow => "warning",
        };
        let file = if prefix.is_empty() {
            finding.file.clone()
        } else {
            format!("{}/{}", prefix.trim_end_matches('/'), finding.file)
        };
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},title={}::{}",
            super::github::escape_property(&file),
            finding.line,
            finding.column,
            super::github::escape_property(&format!("choreo({})", finding.lint)),
            super::github::escape_data(&if finding.help.is_empty() {
                format!("new in this change: {}", finding.message)
            } else {
                format!(
                    "new in this change: {} (help: {})",
                    finding.message, finding.help
                )
            }),
        );
    }
    let command = if diff.failed.is_empty() {
        "notice"
    } else {
        "error"
    };
    let _ = writeln!(
        out,
        "::{command} title={}::{}",
        super::github::escape_property("choreo diff"),
        super::github::escape_data(&verdict(diff))
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_hold_any_text() {
        assert_eq!(code("a.b"), "`a.b`");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(code("`a"), "`` `a ``");
    }

    /// A report of `events` keys, each published in `files` files and heard by nobody.
    fn report(prefix: &str, events: usize, files: usize) -> crate::report::Report {
        use crate::report::{Event, Publisher, Report, Summary, Tool};
        Report {
            schema_version: crate::report::SCHEMA_VERSION,
            tool: Tool {
                name: "choreo".to_owned(),
                version: "0".to_owned(),
            },
            project: None,
            summary: Summary {
                event_types: events,
                publications: events * files,
                subscriptions: 0,
                components: 1,
                files_scanned: files,
                files_parsed: files,
                parse_errors: 0,
                files_unreachable: 0,
            },
            events: (0..events)
                .map(|i| Event {
                    key: format!("{prefix}.event_{i:05}"),
                    health: crate::graph::Health::Orphaned,
                    publishers: (0..files)
                        .map(|f| Publisher {
                            file: format!("src/module_{f}.rs"),
                            line: 1,
                            column: 1,
                            component: "Producer".to_owned(),
                            function: Some("run".to_owned()),
                            payload_keys: Vec::new(),
                            service: None,
                        })
                        .collect(),
                    subscribers: Vec::new(),
                    matches: Vec::new(),
                })
                .collect(),
            components: Vec::new(),
            orphaned_events: (0..events)
                .map(|i| format!("{prefix}.event_{i:05}"))
                .collect(),
            unused_subscriptions: Vec::new(),
            feedback_loops: Vec::new(),
            commands: Vec::new(),
            findings: Vec::new(),
            parse_errors: Vec::new(),
            baseline: None,
            services: None,
            analysis_hash: format!("{prefix}-hash"),
        }
    }

    #[test]
    fn markdown_stays_under_the_cap_and_says_what_it_cut() {
        let diff = crate::diff::compare(&report("old", 2000, 2), &report("new", 2000, 2), &[]);
        let text = markdown(&diff);
        assert!(text.len() <= MARKDOWN_LIMIT, "{} bytes", text.len());
        assert!(text.contains("more rows not shown"), "{text}");
        assert!(text.contains("The flowchart is left out"), "{text}");
        assert!(text.ends_with("</sub>\n"));
        // Each table is cut at a row: every table line is whole.
        for line in text.lines().filter(|line| line.starts_with('|')) {
            assert!(line.ends_with(" |") || line.ends_with("---|"), "{line}");
        }
        // A small diff is not cut.
        let small = crate::diff::compare(&report("old", 3, 1), &report("new", 3, 1), &[]);
        let text = markdown(&small);
        assert!(
            !text.contains("not shown") && !text.contains("left out"),
            "{text}"
        );
        assert!(text.contains("```mermaid"), "{text}");
    }

    #[test]
    fn a_tight_limit_cuts_the_chart_before_the_tables() {
        let diff = crate::diff::compare(&report("old", 3, 1), &report("new", 3, 1), &[]);
        let full = markdown(&diff);
        let chart_start = full.find("```mermaid").unwrap();
        let chart_len = full[chart_start..].find("```\n\n").unwrap() + 5;
        let text = markdown_within(&diff, full.len() + RESERVE - chart_len + 10);
        assert!(text.contains("The flowchart is left out"), "{text}");
        assert!(!text.contains("not shown"), "{text}");
    }

    #[test]
    fn human_colors_only_when_asked() {
        let diff = crate::diff::compare(&report("old", 1, 1), &report("new", 1, 1), &[]);
        let plain = human(&diff, false);
        assert!(!plain.contains('\x1b'), "{plain}");
        let colored = human(&diff, true);
        assert!(
            colored.contains("\x1b[32m  + new.event_00000"),
            "{colored:?}"
        );
        assert!(
            colored.contains("\x1b[31m  - old.event_00000"),
            "{colored:?}"
        );
        let stripped = regex::Regex::new("\x1b\\[[0-9;]*m")
            .unwrap()
            .replace_all(&colored, "");
        assert_eq!(stripped, plain);
    }

    #[test]
    fn text_escapes_html_outside_code() {
        assert_eq!(text("x <b> `P<C>` | y"), "x &lt;b&gt; `P<C>` \\| y");
    }
}

//! Human output: rustc-style diagnostics through miette (lint name, message, the source
//! line with the site underlined, related places, a help line), then a summary table.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write};
use std::path::Path;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource,
    Severity, SourceCode,
};

use crate::lints::Level;
use crate::report::{Finding, Report};

/// How to draw diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            color: false,
            width: 100,
        }
    }
}

/// At most this many far-away related places are listed as notes under a diagnostic.
const MAX_NOTES: usize = 5;

/// Related places within this many lines of the primary one are drawn in its snippet.
const NEAR_LINES: u32 = 6;

/// Renders every finding as a diagnostic, reading sources from `root`. The sources are read
/// and the diagnostics drawn in parallel (a report of hundreds of findings spent most of
/// its output time here), then joined in the findings' order.
pub fn diagnostics(report: &Report, root: &Path, style: Style) -> String {
    use rayon::prelude::*;
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false);
    let sources = Sources::read(root, report);
    let rendered: Vec<String> = report
        .findings
        .par_iter()
        .map(|finding| {
            let mut out = String::new();
            let _ = handler.render_report(&mut out, &diagnostic(finding, &sources));
            out.push('\n');
            out
        })
        .collect();
    rendered.concat()
}

/// The summary table: counts, one line per event with its health, the verdict and the
/// analysis hash.
pub fn summary(report: &Report) -> String {
    let s = &report.summary;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Event types: {}   Publications: {}   Subscriptions: {}   Components: {}",
        s.event_types, s.publications, s.subscriptions, s.components
    );
    if let Some(services) = &report.services {
        let _ = writeln!(
            out,
            "Services: {} ({})",
            services.len(),
            services.join(", ")
        );
    }
    let width = report
        .events
        .iter()
        .map(|e| e.key.len())
        .max()
        .unwrap_or(0)
        .max(20);
    for event in &report.events {
        let _ = writeln!(
            out,
            "  {:<width$}  {:<8}  {:>3} pub  {:>3} sub",
            event.key,
            event.health,
            event.publishers.len(),
            event.subscribers.len(),
        );
    }
    if s.parse_errors > 0 || s.files_unreachable > 0 {
        let skipped = s
            .files_scanned
            .saturating_sub(s.files_parsed + s.parse_errors + s.files_unreachable);
        let _ = write!(
            out,
            "Files: {} scanned, {} parsed, {} without event code skipped, {} could not be parsed",
            s.files_scanned, s.files_parsed, skipped, s.parse_errors
        );
        if s.files_unreachable > 0 {
            let _ = write!(
                out,
                ", {} that no `mod` reaches left out (never compiled)",
                s.files_unreachable
            );
        }
        let _ = writeln!(out);
    }
    if let Some(baseline) = &report.baseline {
        let _ = writeln!(
            out,
            "Baseline: {} {} hidden, {} stale {}",
            baseline.hidden,
            plural(baseline.hidden, "finding"),
            baseline.stale.len(),
            plural(baseline.stale.len(), "entry").replace("entrys", "entries"),
        );
        for entry in &baseline.stale {
            let _ = writeln!(
                out,
                "  fixed: {} `{}` in {}; remove it with --write-baseline",
                entry.lint,
                entry.event.as_deref().unwrap_or("-"),
                entry.file
            );
        }
    }
    let (denials, warnings) = (report.denials(), report.warnings());
    let _ = match (denials, warnings) {
        (0, 0) => writeln!(out, "No findings."),
        (d, w) => writeln!(
            out,
            "Findings: {d} {}, {w} {}",
            plural(d, "error"),
            plural(w, "warning")
        ),
    };
    let _ = writeln!(out, "Analysis hash: {}", report.analysis_hash);
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

/// A diagnostic with the source it points into. Rendered by the handler directly: a
/// `miette::Report` would ask the global hook for a handler of its own, and that probes the
/// terminal (a handful of system calls) for every finding.
#[derive(Debug)]
struct Located {
    diagnostic: MietteDiagnostic,
    source: Option<NamedSource<Arc<str>>>,
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.diagnostic, f)
    }
}

impl std::error::Error for Located {}

impl Diagnostic for Located {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diagnostic.code()
    }

    fn severity(&self) -> Option<Severity> {
        self.diagnostic.severity()
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diagnostic.help()
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diagnostic.url()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.diagnostic.labels()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|source| source as &dyn SourceCode)
    }
}

fn diagnostic(finding: &Finding, sources: &Sources) -> Located {
    let severity = match finding.level {
        Level::Deny => Severity::Error,
        Level::Warn | Level::Allow => Severity::Warning,
    };
    // A generated or minified line would fill the terminal; such a finding is shown by its
    // location alone.
    // A merged report's places are in the services' own trees, which are not at hand:
    // such a finding is shown by its service and location alone.
    let source = finding
        .service
        .is_none()
        .then(|| sources.get(&finding.file))
        .flatten()
        .filter(|text| line_length(text, finding.line) <= MAX_SNIPPET_LINE);
    let mut labels = Vec::new();
    let mut elsewhere = Vec::new();
    if let Some(text) = source {
        if let Some(span) = span_at(text, finding.line, finding.column) {
            labels.push(LabeledSpan::new_primary_with_span(
                Some(finding.label.clone()),
                span,
            ));
        }
    }
    for related in &finding.related {
        // Far-away places would stretch the snippet over the lines between; they become
        // notes instead.
        let near =
            related.file == finding.file && related.line.abs_diff(finding.line) <= NEAR_LINES;
        let span = near
            .then(|| source.and_then(|text| span_at(text, related.line, related.column)))
            .flatten();
        match span {
            Some(span) => labels.push(LabeledSpan::new_with_span(
                Some(related.message.clone()),
                span,
            )),
            None => elsewhere.push(format!(
                "{}: {}{}:{}:{}",
                related.message,
                in_service(related.service.as_deref()),
                related.file,
                related.line,
                related.column
            )),
        }
    }
    let mut help = finding.help.clone();
    for note in &finding.notes {
        help.push_str("\nnote: ");
        help.push_str(note);
    }
    // Notes already walk through the far places of findings that have them.
    let elsewhere = if finding.notes.is_empty() {
        elsewhere
    } else {
        Vec::new()
    };
    // An event with dozens of sites would bury the diagnostic under its notes: a few are
    // shown, the report lists them all.
    let more = elsewhere.len().saturating_sub(MAX_NOTES);
    for line in elsewhere.iter().take(MAX_NOTES) {
        help.push_str("\nnote: ");
        help.push_str(line);
    }
    if more > 0 {
        let _ = write!(
            help,
            "\nnote: and {more} more (the JSON report lists every place)"
        );
    }
    let diagnostic = MietteDiagnostic::new(finding.message.clone())
        .with_code(finding.lint)
        .with_severity(severity)
        .with_help(help)
        .with_labels(labels);
    let located = format!(
        "{}{}:{}:{}",
        in_service(finding.service.as_deref()),
        finding.file,
        finding.line,
        finding.column
    );
    match source {
        Some(text) => Located {
            diagnostic,
            source: Some(NamedSource::new(&finding.file, Arc::clone(text))),
        },
        None => Located {
            diagnostic: diagnostic.with_url(located),
            source: None,
        },
    }
}

/// `[billing] ` before a place in a merged report; nothing otherwise.
fn in_service(service: Option<&str>) -> String {
    service
        .map(|service| format!("[{service}] "))
        .unwrap_or_default()
}

/// Lines longer than this (in characters) are not drawn in a snippet.
const MAX_SNIPPET_LINE: usize = 400;

fn line_length(text: &str, line: u32) -> usize {
    text.lines()
        .nth(line.saturating_sub(1) as usize)
        .map_or(0, |l| l.chars().count())
}

/// The byte span of the identifier (or single character) at a 1-based line and column.
fn span_at(text: &str, line: u32, column: u32) -> Option<(usize, usize)> {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line as usize - 2)?.0 + 1
    };
    let rest = &text[line_start..];
    let offset = rest
        .char_indices()
        .nth(column.saturating_sub(1) as usize)
        .map(|(i, _)| i)?;
    let tail = &rest[offset..];
    let len = tail
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
        .map(|(i, _)| i)
        .unwrap_or(tail.len());
    let len = if len == 0 {
        tail.chars().next().map_or(0, char::len_utf8)
    } else {
        len
    };
    Some((line_start + offset, len))
}

/// The source files the findings point into, each read once.
struct Sources {
    texts: BTreeMap<String, Arc<str>>,
}

impl Sources {
    /// Reads, in parallel, every file a finding of `report` is located in (a merged
    /// report's are in the services' own trees: none).
    fn read(root: &Path, report: &Report) -> Self {
        use rayon::prelude::*;
        let files: BTreeSet<&str> = report
            .findings
            .iter()
            .filter(|finding| finding.service.is_none())
            .map(|finding| finding.file.as_str())
            .collect();
        let texts = files
            .into_par_iter()
            .filter_map(|file| {
                let path = if root.is_file() {
                    root.to_path_buf()
                } else {
                    root.join(file)
                };
                let text = std::fs::read_to_string(path).ok()?;
                Some((file.to_owned(), Arc::from(text)))
            })
            .collect();
        Sources { texts }
    }

    fn get(&self, file: &str) -> Option<&Arc<str>> {
        self.texts.get(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans() {
        let text = "fn a() {}\n    bus.publish(x);\n";
        assert_eq!(span_at(text, 2, 9), Some((18, 7)));
        assert_eq!(span_at(text, 1, 1), Some((0, 2)));
        assert_eq!(span_at(text, 9, 1), None);
    }
}

//! GitHub Actions workflow commands: one `::error`/`::warning` line per finding, which the
//! runner turns into annotations on the pull request's diff.

use std::fmt::Write;

use crate::lints::Level;
use crate::report::Report;

/// One workflow command per finding.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        let command = match finding.level {
            Level::Deny => "error",
            Level::Warn | Level::Allow => "warning",
        };
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},title={}::{}",
            escape_property(&finding.file),
            finding.line,
            finding.column,
            // In a merged report the file is in the named service's tree.
            escape_property(&match &finding.service {
                Some(service) => format!("choreo({}) in {service}", finding.lint),
                None => format!("choreo({})", finding.lint),
            }),
            escape_data(&format!("{} (help: {})", finding.message, finding.help)),
        );
    }
    out
}

/// Workflow command data escaping: `%`, CR and LF.
pub(super) fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Property values also escape `:` and `,`.
pub(super) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape_data("50%\nx"), "50%25%0Ax");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}

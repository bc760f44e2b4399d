//! Renderers: each turns a `Report` into bytes for one audience. Only this module writes
//! output formats; nothing here decides exit codes.

pub mod diff;
pub mod dot;
pub mod github;
pub mod human;
pub mod mermaid;
pub mod sarif;
pub mod svg;

use crate::report::Report;

/// The report as pretty JSON (what the report file holds).
pub fn json(report: &Report) -> String {
    report.to_json()
}

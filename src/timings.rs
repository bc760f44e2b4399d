//! Where an analysis spent its time (`choreo analyze --timings`): wall time per phase,
//! the files each lazy round parsed, and the wanted names that pulled in the most files.
//! For a user who wants to know why a run is slow; never part of the report.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// One phase of the pipeline.
#[derive(Debug, Clone)]
pub struct Phase {
    pub name: String,
    pub time: Duration,
    /// Files the phase handled (read, parsed), when that says something.
    pub files: Option<usize>,
    /// The process's peak resident memory so far, in bytes, where the system tells it.
    pub peak_memory: Option<u64>,
}

/// What one round of the lazy analysis did (round 1 is the site prefilter's).
#[derive(Debug, Clone, Default)]
pub struct Round {
    /// Files read and searched in the round.
    pub scanned: usize,
    /// Files it parsed.
    pub parsed: usize,
    /// Wanted patterns and modules searched for (0 in round 1).
    pub wanted: usize,
    /// Units still searching.
    pub units: usize,
}

/// Timings of one analysis.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    pub phases: Vec<Phase>,
    pub rounds: Vec<Round>,
    /// Wanted pattern (`fn run`, `Detector + fn check`, `mod app::events`) → files it
    /// pulled into a later round. A file matched by several patterns counts for each.
    pub pulls: BTreeMap<String, usize>,
    /// Files of a crate that no `mod` reaches, sorted (left out of the analysis).
    pub unreachable: Vec<String>,
    pub files: usize,
    pub units: usize,
}

impl Timings {
    /// Records a phase that started at `start` and ends now.
    pub fn phase(&mut self, name: &str, start: Instant, files: Option<usize>) {
        self.phases.push(Phase {
            name: name.to_owned(),
            time: start.elapsed(),
            files,
            peak_memory: peak_memory(),
        });
    }

    /// The patterns that pulled in the most files, most first (ties by name).
    pub fn top_pulls(&self, n: usize) -> Vec<(&str, usize)> {
        let mut pulls: Vec<(&str, usize)> =
            self.pulls.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        pulls.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        pulls.truncate(n);
        pulls
    }

    /// The timings as a table for stderr.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let total: Duration = self.phases.iter().map(|p| p.time).sum();
        let _ = writeln!(
            out,
            "timings: {} files, {} resolution units",
            self.files, self.units
        );
        for phase in &self.phases {
            let files = phase
                .files
                .map(|n| format!("  {n} files"))
                .unwrap_or_default();
            let peak = phase
                .peak_memory
                .map(|bytes| format!("  peak {} MB", bytes / 1_000_000))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {:<12} {:>9.1} ms{peak}{files}",
                phase.name,
                phase.time.as_secs_f64() * 1000.0
            );
        }
        let _ = writeln!(
            out,
            "  {:<12} {:>9.1} ms",
            "total",
            total.as_secs_f64() * 1000.0
        );
        for (i, round) in self.rounds.iter().enumerate() {
            let _ = writeln!(
                out,
                "  round {}: {} files searched, {} parsed, {} wanted names in {} units",
                i + 1,
                round.scanned,
                round.parsed,
                round.wanted,
                round.units
            );
        }
        if let Some((first, rest)) = self.unreachable.split_first() {
            let _ = write!(
                out,
                "  files that no `mod` reaches ({}, left out): {first}",
                self.unreachable.len()
            );
            for file in rest.iter().take(9) {
                let _ = write!(out, ", {file}");
            }
            if rest.len() > 9 {
                let _ = write!(out, " and {} more", rest.len() - 9);
            }
            let _ = writeln!(out);
        }
        let top = self.top_pulls(10);
        if !top.is_empty() {
            let _ = writeln!(out, "  wanted names that pulled in the most files:");
            for (name, files) in top {
                let _ = writeln!(out, "    {files:>6}  {name}");
            }
        }
        out
    }
}

/// The peak resident set size (Linux's `VmHWM`), or `None` elsewhere.
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

//! `choreo validate`: replays the statically found flows on the embedded bus and checks
//! that the dynamic result agrees with the static one.
//!
//! Every subscription becomes a bus handler that publishes what its real handler publishes
//! (the `Flow`s of the model, with the publish sites' payload keys); every publish site that
//! no handler reaches is fired once; a feedback loop that no such event starts is started
//! with one event of its own. The bus runs to quiescence with storm detection on and a
//! clock that stands still, so the run is the same every time. Then, per event: an orphan
//! must come out as a dead letter, an unused subscription must never fire, every loop must
//! trip storm detection (its amplification is how many events it produced first), and
//! nothing outside a loop or downstream of one may trip it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::bus::{Bus, Clock, Event, FsyncPolicy, HandlerError, Stats};
use crate::graph::Health;
use crate::model::{Model, SiteKind};
use crate::report::Report;
use crate::Analysis;

/// The validation report's format version.
pub const SCHEMA_VERSION: u32 = 1;

/// What `choreo validate` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Validation {
    pub schema_version: u32,
    /// The analysis the simulation was built from.
    pub analysis_hash: String,
    /// Static and dynamic results agree.
    pub agrees: bool,
    pub summary: ValidationSummary,
    pub events: Vec<EventCheck>,
    pub loops: Vec<LoopCheck>,
    /// Present with `--report`: whether the given report still matches the sources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<ReportCheck>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidationSummary {
    pub events: usize,
    pub agree: usize,
    pub disagree: usize,
    pub not_exercised: usize,
    /// Events fired from outside any handler (publish sites and loop starters).
    pub root_events: usize,
    /// Events the bus accepted in total.
    pub published: u64,
    pub dead_letters: u64,
    pub storms: usize,
}

/// One event: what the analysis said and what the bus did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventCheck {
    pub key: String,
    /// The static health.
    pub health: String,
    /// What the bus should show for that health.
    pub expected: String,
    pub published: u64,
    pub delivered: u64,
    pub dead_lettered: u64,
    pub storm: bool,
    /// `agrees`, `disagrees` or `not exercised` (the simulation never published it).
    pub verdict: String,
    pub note: String,
}

/// One feedback loop under the bus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoopCheck {
    pub events: Vec<String>,
    /// Storm detection stopped it.
    pub tripped: bool,
    /// Events of the loop's keys the bus accepted before it stopped.
    pub amplification: u64,
    /// No ordinary publish started it: the simulation fired its first event itself.
    pub started_by_validator: bool,
}

/// Whether a report file still describes the sources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportCheck {
    pub file: String,
    /// `fresh`, `stale` (the sources changed) or `edited` (its hash does not match its content).
    pub status: String,
    pub recorded_hash: String,
    pub current_hash: String,
}

/// Where the simulation writes its audit trail.
pub struct Outputs<'a> {
    pub audit_trail: &'a Path,
}

/// Why validation could not run.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ValidateError {
    #[error("cannot start the simulation bus: {0}")]
    #[diagnostic(code(choreo::validate))]
    Bus(String),
    #[error("cannot read report `{path}`: {message}")]
    #[diagnostic(
        code(choreo::validate),
        help("pass a report written by `choreo analyze`")
    )]
    Report { path: String, message: String },
}

/// Checks a report file against a fresh analysis of the same tree.
pub fn check_report(path: &Path, fresh: &Report) -> Result<ReportCheck, ValidateError> {
    let fail = |message: String| ValidateError::Report {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let mut value: Value = serde_json::from_str(&text).map_err(|e| fail(e.to_string()))?;
    let recorded = value
        .get("analysis_hash")
        .and_then(Value::as_str)
        .ok_or_else(|| fail("it has no `analysis_hash`".to_owned()))?
        .to_owned();
    if let Some(object) = value.as_object_mut() {
        object.remove("analysis_hash");
    }
    let content_hash = crate::report::canonical_hash(&value);
    let status = if content_hash != recorded {
        "edited"
    } else if recorded != fresh.analysis_hash {
        "stale"
    } else {
        "fresh"
    };
    Ok(ReportCheck {
        file: path.display().to_string(),
        status: status.to_owned(),
        recorded_hash: recorded,
        current_hash: fresh.analysis_hash.clone(),
    })
}

/// What a simulated handler publishes: event keys with payloads.
type Emits = Vec<(String, Value)>;

/// Runs the simulation of an analysis and compares it with the static result. Returns the
/// validation and the bus's final stats (for metrics).
pub fn validate(
    analysis: &Analysis,
    outputs: &Outputs<'_>,
) -> Result<(Validation, Stats), ValidateError> {
    let model = &analysis.model;
    let payload_of = |site: usize| -> Value {
        let fields = model.sites[site].payload.iter().flatten();
        Value::Object(fields.map(|f| (f.name.clone(), Value::Null)).collect())
    };

    // Each subscription's handler publishes what its flows reach.
    let mut emits: BTreeMap<usize, Emits> = BTreeMap::new();
    let mut reached: BTreeSet<usize> = BTreeSet::new();
    for flow in &model.flows {
        reached.insert(flow.publish);
        emits.entry(flow.subscribe).or_default().push((
            model.sites[flow.publish].key.clone(),
            payload_of(flow.publish),
        ));
    }

    // Loops grow without bound; anything else stays far below this in one run.
    let publishes = model
        .sites
        .iter()
        .filter(|s| s.kind == SiteKind::Publish)
        .count();
    let threshold = (publishes * 4).max(100);
    let (clock, _hold) = Clock::manual();
    // The trail is written next to its final place and moved there when complete.
    let dir = match outputs.audit_trail.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => Path::new(".").to_path_buf(),
    };
    let temp = tempfile::Builder::new()
        .prefix(".choreo-audit")
        .tempfile_in(&dir)
        .map_err(|e| {
            ValidateError::Bus(format!(
                "cannot create the audit trail in `{}`: {e}",
                dir.display()
            ))
        })?
        .into_temp_path();
    let bus = Bus::builder()
        .storm(threshold, std::time::Duration::from_secs(1))
        .clock(clock)
        .queue_capacity(threshold * 64)
        .audit_trail(temp.to_path_buf(), FsyncPolicy::Never)
        .build()
        .map_err(|e| ValidateError::Bus(e.to_string()))?;

    for (index, site) in model.sites.iter().enumerate() {
        if site.kind != SiteKind::Subscribe {
            continue;
        }
        let name = format!(
            "{}::{}",
            site.component,
            site.handler.as_deref().unwrap_or("{handler}")
        );
        let out: Arc<Emits> = Arc::new(emits.remove(&index).unwrap_or_default());
        // A wildcard subscription hears every key it matches.
        let info = analysis.graph.event(&site.key);
        let mut keys = vec![site.key.clone()];
        keys.extend(info.map(|i| i.matches.clone()).unwrap_or_default());
        for key in keys {
            let out = Arc::clone(&out);
            bus.subscribe(key, name.clone(), move |_event: &Event, bus: &Bus| {
                for (key, payload) in out.iter() {
                    // A refused publish (a storm) is what the run is looking for, not a
                    // failure of this handler.
                    let _ = bus.publish(Event::new(key.clone(), payload.clone()));
                }
                Ok::<(), HandlerError>(())
            });
        }
    }

    let mut root_events = 0;
    for (index, site) in model.sites.iter().enumerate() {
        if site.kind == SiteKind::Publish && !reached.contains(&index) {
            root_events += 1;
            let _ = bus.publish(Event::new(site.key.clone(), payload_of(index)));
        }
    }
    let mut started = BTreeSet::new();
    for cycle in &analysis.graph.loops {
        let stats = bus.stats();
        let quiet = cycle
            .events
            .iter()
            .all(|key| stats.types.get(key).is_none_or(|t| t.published == 0));
        if let (true, Some(first)) = (quiet, cycle.path.first()) {
            let flow = &model.flows[first.flow];
            root_events += 1;
            started.insert(cycle.events.clone());
            let _ = bus.publish(Event::new(first.event.clone(), payload_of(flow.publish)));
        }
    }
    let _ = bus.run_until_idle();
    let stats = bus.stats();
    bus.flush_audit()
        .map_err(|e| ValidateError::Bus(e.to_string()))?;
    drop(bus);
    let trail = outputs.audit_trail;
    let failed =
        |e: std::io::Error| ValidateError::Bus(format!("cannot write `{}`: {e}", trail.display()));
    if std::fs::metadata(trail).is_ok_and(|m| !m.is_file()) {
        // A device or fifo (`/dev/null`) is written through, not replaced.
        std::fs::write(trail, std::fs::read(&temp).map_err(failed)?).map_err(failed)?;
    } else {
        // Temporary files are private; the trail is an ordinary output file.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o644))
                .map_err(failed)?;
        }
        temp.persist(trail).map_err(|e| failed(e.error))?;
    }

    Ok((
        compare(model, analysis, &stats, root_events, &started),
        stats,
    ))
}

fn compare(
    model: &Model,
    analysis: &Analysis,
    stats: &Stats,
    root_events: usize,
    started: &BTreeSet<Vec<String>>,
) -> Validation {
    let report = &analysis.report;
    let stormed = |key: &str| {
        stats
            .types
            .get(key)
            .is_some_and(|t| t.refused.get("storm").copied().unwrap_or(0) > 0)
    };
    let counts = |key: &str| {
        stats
            .types
            .get(key)
            .map_or((0, 0, 0), |t| (t.published, t.delivered, t.dead_lettered))
    };

    let loops: Vec<LoopCheck> = analysis
        .graph
        .loops
        .iter()
        .map(|cycle| LoopCheck {
            events: cycle.events.clone(),
            tripped: cycle.events.iter().any(|key| stormed(key)),
            amplification: cycle.events.iter().map(|key| counts(key).0).sum(),
            started_by_validator: started.contains(&cycle.events),
        })
        .collect();

    // Events a loop feeds may storm with it.
    let mut downstream: BTreeSet<&str> = BTreeSet::new();
    let mut frontier: Vec<&str> = loops
        .iter()
        .flat_map(|l| l.events.iter().map(String::as_str))
        .collect();
    while let Some(key) = frontier.pop() {
        if !downstream.insert(key) {
            continue;
        }
        for flow in &model.flows {
            if model.sites[flow.subscribe].key == key {
                frontier.push(&model.sites[flow.publish].key);
            }
        }
    }

    let events: Vec<EventCheck> = report
        .events
        .iter()
        .map(|event| {
            let key = event.key.as_str();
            let (published, delivered, dead_lettered) = counts(key);
            let storm = stormed(key);
            let (expected, ok, note) = match event.health {
                Health::Orphaned => (
                    "dead letter",
                    published == 0 || dead_lettered > 0,
                    if published == 0 {
                        "never published in the simulation".to_owned()
                    } else {
                        format!("{dead_lettered} dead letters")
                    },
                ),
                Health::Unused => (
                    "never delivered",
                    delivered == 0,
                    format!("{delivered} deliveries"),
                ),
                Health::Looping => {
                    // The loop as a whole trips: whichever of its keys crosses the threshold
                    // first is refused, and the others stop with it.
                    let tripped = loops
                        .iter()
                        .any(|l| l.tripped && l.events.iter().any(|k| k == key));
                    let note = match (storm, tripped) {
                        (true, _) => "refused by storm detection".to_owned(),
                        (false, true) => "stopped with its loop".to_owned(),
                        (false, false) => "its loop did not storm".to_owned(),
                    };
                    ("storm", tripped, note)
                }
                _ if storm && !downstream.contains(key) => (
                    "no storm",
                    false,
                    "tripped storm detection outside any loop".to_owned(),
                ),
                _ if storm => (
                    "no storm",
                    true,
                    "stormed downstream of a feedback loop".to_owned(),
                ),
                _ => ("no storm", true, format!("{delivered} deliveries")),
            };
            let verdict = if published == 0
                && matches!(
                    event.health,
                    Health::Orphaned | Health::Healthy | Health::Dynamic | Health::External
                ) {
                "not exercised"
            } else if ok {
                "agrees"
            } else {
                "disagrees"
            };
            EventCheck {
                key: key.to_owned(),
                health: event.health.to_string(),
                expected: expected.to_owned(),
                published,
                delivered,
                dead_lettered,
                storm,
                verdict: verdict.to_owned(),
                note,
            }
        })
        .collect();

    let count = |verdict: &str| events.iter().filter(|e| e.verdict == verdict).count();
    let disagree = count("disagrees") + loops.iter().filter(|l| !l.tripped).count();
    Validation {
        schema_version: SCHEMA_VERSION,
        analysis_hash: report.analysis_hash.clone(),
        agrees: disagree == 0,
        summary: ValidationSummary {
            events: events.len(),
            agree: count("agrees"),
            disagree,
            not_exercised: count("not exercised"),
            root_events,
            published: stats.types.values().map(|t| t.published).sum(),
            dead_letters: stats.dead_letters_total,
            storms: stats
                .types
                .values()
                .filter(|t| t.refused.get("storm").copied().unwrap_or(0) > 0)
                .count(),
        },
        events,
        loops,
        report: None,
    }
}

impl Validation {
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The human summary.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let s = &self.summary;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Validation: {} events, {} agree, {} disagree, {} not exercised ({} root events, {} published, {} dead letters)",
            s.events, s.agree, s.disagree, s.not_exercised, s.root_events, s.published, s.dead_letters
        );
        let width = self
            .events
            .iter()
            .map(|e| e.key.len())
            .max()
            .unwrap_or(0)
            .max(20);
        for event in &self.events {
            let _ = writeln!(
                out,
                "  {:<width$}  {:<8}  {:<14}  {}  ({})",
                event.key, event.health, event.verdict, event.expected, event.note
            );
        }
        for cycle in &self.loops {
            let _ = writeln!(
                out,
                "Loop {}: {} after {} events{}",
                cycle.events.join(" ↔ "),
                if cycle.tripped {
                    "storm detection stopped it"
                } else {
                    "NOT stopped by storm detection"
                },
                cycle.amplification,
                if cycle.started_by_validator {
                    " (started by the validator)"
                } else {
                    ""
                }
            );
        }
        if let Some(check) = &self.report {
            let _ = writeln!(
                out,
                "Report {}: {}",
                check.file,
                match check.status.as_str() {
                    "fresh" => "matches the sources".to_owned(),
                    "stale" => format!(
                        "is stale: it records {}, the sources give {}",
                        check.recorded_hash, check.current_hash
                    ),
                    _ => "was edited: its analysis_hash does not match its content".to_owned(),
                }
            );
        }
        let _ = writeln!(
            out,
            "{}",
            if self.agrees {
                "Static and dynamic results agree."
            } else {
                "Static and dynamic results DISAGREE."
            }
        );
        out
    }
}

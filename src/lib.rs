//! choreo: static analysis of event-driven Rust code.
//!
//! The analysis is a one-way pipeline, one module per stage:
//! [`discover`] (files) → [`extract`] (per-file facts, in parallel) → [`resolve`] (keys and
//! components across the tree) → [`graph`] (petgraph of components and events) →
//! [`lints`] (findings) → [`report`] (the hashed wire format) → [`render`] (bytes for a
//! reader). [`analyze`] runs it end to end.

pub mod baseline;
pub mod bus;
pub mod cli;
pub mod config;
pub mod discover;
pub mod extract;
pub mod graph;
pub mod init;
pub mod lints;
pub mod model;
pub mod prefilter;
pub mod render;
pub mod report;
pub mod resolve;
pub mod rules;
pub mod topic;
pub mod validate;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::Config;
use crate::graph::EventGraph;
use crate::lints::Levels;
use crate::model::Model;
use crate::report::Report;
use crate::rules::RuleSet;

/// Parser threads get a large stack: syn recurses without a depth limit, and deeply nested
/// expressions that pass the bracket-depth check (long method chains) still recurse.
const PARSER_STACK: usize = 256 * 1024 * 1024;

/// Everything an analysis produced.
#[derive(Debug)]
pub struct Analysis {
    pub model: Model,
    pub graph: EventGraph,
    /// The findings after levels and suppressions, before any baseline.
    pub findings: Vec<lints::Leveled>,
    pub report: Report,
}

/// Why an analysis could not run at all (as opposed to findings about the tree).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum AnalyzeError {
    #[error("path `{0}` does not exist")]
    #[diagnostic(code(choreo::path), help("pass a directory or a `.rs` file"))]
    MissingPath(PathBuf),
    #[error("`{0}` is neither a directory nor a `.rs` file")]
    #[diagnostic(code(choreo::path), help("pass a directory or a `.rs` file"))]
    NotRust(PathBuf),
    #[error("could not start the parser threads: {0}")]
    #[diagnostic(code(choreo::threads))]
    Threads(String),
}

/// How an analysis runs, beyond the config.
#[derive(Default)]
pub struct Options<'a> {
    /// Threads for walking and parsing; all cores when `None`. The report does not depend on it.
    pub jobs: Option<usize>,
    /// Findings to hide.
    pub baseline: Option<&'a baseline::Baseline>,
    /// Parse every file instead of only those the prefilters select. The report is the
    /// same but for `summary.files_parsed` (and so the hash); for tests and comparisons.
    pub eager: bool,
    /// Called once before parsing with the number of files, then once per file parsed
    /// (from the parser threads).
    pub progress: Option<&'a (dyn Fn(Progress) + Sync)>,
}

/// Progress of the parsing stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Start { files: usize },
    File,
}

/// Analyzes the tree at `root` with `config` and the effective lint `levels`, parsing on
/// `jobs` threads (all cores when `None`). The report does not depend on `jobs`.
pub fn analyze(
    root: &Path,
    config: &Config,
    levels: &Levels,
    jobs: Option<usize>,
) -> Result<Analysis, AnalyzeError> {
    analyze_with(
        root,
        config,
        levels,
        &Options {
            jobs,
            ..Options::default()
        },
    )
}

/// Analyzes in-memory sources (`(path, text)` pairs, paths `/`-separated as they would be
/// relative to a root; `a/src/..` is a crate `a`), without touching the file system: the entry point
/// for fuzzing and for embedding choreo in other tools.
pub fn analyze_sources(sources: &[(String, String)], config: &Config, levels: &Levels) -> Analysis {
    let rules = RuleSet::new(&config.presets, &config.rules);
    let discovery = discover::Discovery {
        files: sources
            .iter()
            .map(|(rel, _)| discover::loose_file(rel))
            .collect(),
        ..discover::Discovery::default()
    };
    let facts: Vec<extract::FileFacts> = discovery
        .files
        .iter()
        .zip(sources)
        .map(|(file, (_, text))| extract::extract_text(file, text, &rules))
        .collect();
    finish(facts, &discovery, config, levels, None, config.name.clone())
}

fn finish(
    facts: Vec<extract::FileFacts>,
    discovery: &discover::Discovery,
    config: &Config,
    levels: &Levels,
    baseline: Option<&baseline::Baseline>,
    project: Option<String>,
) -> Analysis {
    let mut model = resolve::resolve(&facts, discovery, config);
    model.project = project;
    // Freeing the facts of thousands of files takes a while (2% of the CPU on a large
    // tree): done on another thread, beside the rest.
    let ((), (graph, findings, report)) = rayon::join(
        move || drop(facts),
        || {
            let graph = graph::build_graph(&model);
            let findings = lints::lint(&model, &graph, levels);
            let report = report::build_report(&model, &graph, &findings, baseline);
            (graph, findings, report)
        },
    );
    Analysis {
        model,
        graph,
        findings,
        report,
    }
}

/// Parses the files that can matter: first those that can hold a site, then, round by
/// round, those that mention a name the facts so far still need (a const, a handler, a
/// function a handler calls), until no new name comes up. Files are read again in later
/// rounds rather than kept in memory.
fn parse_lazily(
    discovery: &discover::Discovery,
    rules: &RuleSet,
    eager: bool,
    coupling: bool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Vec<extract::FileFacts> {
    let sites = prefilter::SiteFilter::new(rules);
    let first: Vec<Option<extract::FileFacts>> = discovery
        .files
        .par_iter()
        .map(|file| {
            let parsed = match std::fs::read(&file.path) {
                // Unreadable and non-UTF-8 files become parse errors whatever they hold.
                Err(_) => Some(extract::extract(file, rules)),
                Ok(bytes) => match std::str::from_utf8(&bytes) {
                    Ok(text) if eager || sites.may_hold_site(text.as_bytes()) => {
                        Some(extract::extract_text(file, text, rules))
                    }
                    Ok(_) => None,
                    Err(_) => Some(extract::extract(file, rules)),
                },
            };
            progress(Progress::File);
            parsed
        })
        .collect();
    // Parsed facts in the order they were parsed, and where each file's facts are.
    let mut slot: Vec<Option<usize>> = vec![None; first.len()];
    let mut parsed: Vec<extract::FileFacts> = Vec::new();
    for (index, facts) in first.into_iter().enumerate() {
        if let Some(facts) = facts {
            slot[index] = Some(parsed.len());
            parsed.push(facts);
        }
    }

    let mut searched: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let mut searched_modules: std::collections::BTreeSet<Vec<String>> =
        std::collections::BTreeSet::new();
    while slot.iter().any(Option::is_none) {
        let wanted = resolve::wanted_names(&parsed, coupling);
        let names: Vec<String> = wanted
            .names
            .into_iter()
            .filter(|name| !searched.contains(name))
            .collect();
        let modules: Vec<Vec<String>> = wanted
            .modules
            .into_iter()
            .filter(|module| !searched_modules.contains(module))
            .collect();
        if names.is_empty() && modules.is_empty() {
            break;
        }
        searched.extend(names.iter().cloned());
        searched_modules.extend(modules.iter().cloned());
        // The file of a wanted module, or of a module around it (which may declare it
        // inline: `pub mod events { pub use short::*; }`).
        let mut by_crate: std::collections::HashMap<&str, Vec<&[String]>> =
            std::collections::HashMap::new();
        for module in &modules {
            if let Some((krate, path)) = module.split_first() {
                by_crate.entry(krate).or_default().push(path);
            }
        }
        let defines_module = |file: &discover::SourceFile| {
            by_crate
                .get(file.crate_name.as_str())
                .is_some_and(|paths| paths.iter().any(|path| path.starts_with(&file.module)))
        };
        let words = prefilter::Patterns::new(names, resolve::AND);
        let found: Vec<(usize, extract::FileFacts)> = discovery
            .files
            .par_iter()
            .enumerate()
            .filter(|(index, _)| slot[*index].is_none())
            .filter_map(|(index, file)| {
                let text = std::fs::read_to_string(&file.path).ok()?;
                (defines_module(file) || words.any_in(text.as_bytes()))
                    .then(|| (index, extract::extract_text(file, &text, rules)))
            })
            .collect();
        if found.is_empty() {
            break;
        }
        for (index, facts) in found {
            slot[index] = Some(parsed.len());
            parsed.push(facts);
        }
    }

    let mut parsed: Vec<Option<extract::FileFacts>> = parsed.into_iter().map(Some).collect();
    discovery
        .files
        .iter()
        .zip(slot)
        .map(|(file, slot)| {
            slot.and_then(|i| parsed[i].take())
                .unwrap_or_else(|| extract::FileFacts {
                    file: file.rel.clone(),
                    crate_name: file.crate_name.clone(),
                    skipped: true,
                    ..extract::FileFacts::default()
                })
        })
        .collect()
}

/// [`analyze`] with every option.
pub fn analyze_with(
    root: &Path,
    config: &Config,
    levels: &Levels,
    options: &Options<'_>,
) -> Result<Analysis, AnalyzeError> {
    let jobs = options.jobs;
    if !root.exists() {
        return Err(AnalyzeError::MissingPath(root.to_path_buf()));
    }
    if root.is_file() && root.extension().is_none_or(|ext| ext != "rs") {
        return Err(AnalyzeError::NotRust(root.to_path_buf()));
    }
    let discovery = discover::discover_on(root, &config.exclude, jobs);
    let rules = RuleSet::new(&config.presets, &config.rules);

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .stack_size(PARSER_STACK)
        .thread_name(|i| format!("choreo-parse-{i}"))
        .build()
        .map_err(|error| AnalyzeError::Threads(error.to_string()))?;
    let progress = |event| {
        if let Some(report) = options.progress {
            report(event);
        }
    };
    progress(Progress::Start {
        files: discovery.files.len(),
    });
    let coupling = levels.get(lints::lookup("direct_coupling").expect("a registered lint"))
        != lints::Level::Allow;
    // Resolution spreads its per-file work over the same threads.
    Ok(pool.install(|| {
        let facts = parse_lazily(&discovery, &rules, options.eager, coupling, &progress);
        finish(
            facts,
            &discovery,
            config,
            levels,
            options.baseline,
            project_of(root, config),
        )
    }))
}

/// The report's `project`: `[analysis] name`, else the `[package] name` of
/// `root/Cargo.toml`, else `None` (never the directory's name: the report does not depend
/// on where the tree sits). A manifest that cannot be read or parsed names nothing.
fn project_of(root: &Path, config: &Config) -> Option<String> {
    if let Some(name) = &config.name {
        return Some(name.clone());
    }
    if !root.is_dir() {
        return None;
    }
    let text = std::fs::read_to_string(root.join("Cargo.toml")).ok()?;
    let manifest: toml::Table = text.parse().ok()?;
    manifest
        .get("package")?
        .get("name")?
        .as_str()
        .map(str::to_owned)
}

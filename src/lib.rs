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
pub mod commands;
pub mod config;
pub mod diff;
pub mod discover;
pub mod export;
pub mod extract;
pub mod frontend;
pub mod graph;
pub mod init;
pub mod lints;
pub mod merge;
pub mod model;
pub mod modtree;
pub mod prefilter;
pub mod render;
pub mod report;
pub mod resolve;
pub mod rules;
pub mod timings;
pub mod topic;
pub mod units;
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
    /// Where the time went (`--timings`).
    pub timings: timings::Timings,
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
    /// Also count, in `Analysis::timings`, which wanted names pulled each file into the
    /// parse (a second search of each such file).
    pub timings: bool,
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
    let mut rules = RuleSet::new(&config.presets, &config.rules);
    rules.skip_tests = !config.tests;
    // With the tauri preset, front-end files go to the front end's parser.
    let tauri = config.presets.contains(&rules::Preset::Tauri);
    let (front, rust): (Vec<_>, Vec<_>) = sources
        .iter()
        .cloned()
        .partition(|(rel, _)| tauri && frontend::is_front_end(rel));
    let discovery = discover::Discovery {
        files: rust
            .iter()
            .map(|(rel, _)| discover::loose_file(rel))
            .collect(),
        ..discover::Discovery::default()
    };
    let mut facts: Vec<extract::FileFacts> = discovery
        .files
        .iter()
        .zip(&rust)
        .map(|(file, (_, text))| extract::extract_text(file, text, &rules))
        .collect();
    facts.extend(frontend::analyze_texts(&front));
    finish(
        facts,
        &discovery,
        config,
        levels,
        None,
        config.name.clone(),
        timings::Timings::default(),
    )
}

fn finish(
    facts: Vec<extract::FileFacts>,
    discovery: &discover::Discovery,
    config: &Config,
    levels: &Levels,
    baseline: Option<&baseline::Baseline>,
    project: Option<String>,
    mut timings: timings::Timings,
) -> Analysis {
    let start = std::time::Instant::now();
    let mut model = resolve::resolve(&facts, discovery, config);
    model.project = project;
    timings.phase("resolve", start, None);
    // Freeing the facts of thousands of files takes a while (2% of the CPU on a large
    // tree): done on another thread, beside the rest.
    let ((), (graph, findings, report, phases)) = rayon::join(
        move || drop(facts),
        || {
            let mut phases = timings::Timings::default();
            let start = std::time::Instant::now();
            let graph = graph::build_graph(&model);
            phases.phase("graph", start, None);
            let start = std::time::Instant::now();
            let findings = lints::lint(&model, &graph, levels);
            phases.phase("lints", start, None);
            let start = std::time::Instant::now();
            let report = report::build_report(&model, &graph, &findings, baseline);
            phases.phase("report", start, None);
            (graph, findings, report, phases)
        },
    );
    timings.phases.extend(phases.phases);
    Analysis {
        model,
        graph,
        findings,
        report,
        timings,
    }
}

/// Parses the files that can matter: first those that can hold a site, then, round by
/// round, those that mention a name the facts so far still need (a const, a handler, a
/// function a handler calls), until no new name comes up. Each resolution unit
/// (`units`) wants names from its own facts and searches only its own files, so a unit
/// parses the same files whatever sits beside it. Files are read again in later rounds
/// rather than kept in memory. With `attribute`, `timings.pulls` counts which wanted
/// names pulled each file in.
fn parse_lazily(
    discovery: &discover::Discovery,
    rules: &RuleSet,
    lazy: Lazy,
    progress: &(dyn Fn(Progress) + Sync),
    timings: &mut timings::Timings,
) -> Vec<extract::FileFacts> {
    use std::collections::{BTreeSet, HashMap};
    let sites = prefilter::SiteFilter::new(rules);
    // Round one in two passes, so that `--timings` can tell the prefilter from the parse.
    // The first reads every file: the site prefilter, and the `mod` declarations of files
    // in packages, which tell the files their crates compile (`modtree`).
    let start = std::time::Instant::now();
    let read: Vec<(Option<modtree::Scan>, Option<Option<String>>)> = discovery
        .files
        .par_iter()
        .map(|file| {
            with_file_bytes(&file.path, |bytes| match bytes {
                // Unreadable and non-UTF-8 files become parse errors whatever they hold.
                Err(_) => (None, Some(None)),
                Ok(bytes) => {
                    let scan = file.package.as_ref().map(|_| modtree::scan(bytes));
                    match std::str::from_utf8(bytes) {
                        Ok(text) if lazy.eager || sites.may_hold_site(bytes) => {
                            (scan, Some(Some(text.to_owned())))
                        }
                        Ok(_) => (scan, None),
                        Err(_) => (scan, Some(None)),
                    }
                }
            })
        })
        .collect();
    let (scans, chosen): (Vec<_>, Vec<_>) = read.into_iter().unzip();
    let roles = modtree::roles(discovery, &scans);
    drop(scans);
    timings.unreachable = discovery
        .files
        .iter()
        .zip(&roles)
        .filter(|(_, role)| **role == discover::Role::Unreachable)
        .map(|(file, _)| file.rel.clone())
        .collect();
    // Whether a file is compiled into what is analyzed at all.
    let admitted = |index: usize| match roles[index] {
        discover::Role::Unreachable => false,
        role => lazy.tests || !role.is_test_or_example(),
    };
    let selected: Vec<(usize, Option<String>)> = chosen
        .into_iter()
        .enumerate()
        .filter_map(|(index, chosen)| {
            let chosen = chosen.filter(|_| admitted(index)).map(|text| (index, text));
            if chosen.is_none() {
                progress(Progress::File);
            }
            chosen
        })
        .collect();
    timings.phase("prefilter", start, Some(discovery.files.len()));
    let start = std::time::Instant::now();
    let first: Vec<(usize, extract::FileFacts)> = selected
        .into_par_iter()
        .map(|(index, text)| {
            let file = &discovery.files[index];
            let mut facts = match text {
                Some(text) => extract::extract_text(file, &text, rules),
                None => extract::extract(file, rules),
            };
            facts.test = roles[index] == discover::Role::Test;
            progress(Progress::File);
            (index, facts)
        })
        .collect();
    timings.phase("parse", start, Some(first.len()));
    timings.rounds.push(timings::Round {
        scanned: discovery.files.len(),
        parsed: first.len(),
        ..timings::Round::default()
    });

    // Per unit, its parsed facts in the order they were parsed; per file, where its
    // facts are.
    let units = discovery
        .files
        .iter()
        .map(|f| f.unit + 1)
        .max()
        .unwrap_or(0);
    let mut parsed: Vec<Vec<extract::FileFacts>> = (0..units).map(|_| Vec::new()).collect();
    let mut slot: Vec<Option<usize>> = vec![None; discovery.files.len()];
    for (index, facts) in first {
        let unit = &mut parsed[discovery.files[index].unit];
        slot[index] = Some(unit.len());
        unit.push(facts);
    }
    let mut unparsed = vec![0usize; units];
    for (index, (file, slot)) in discovery.files.iter().zip(&slot).enumerate() {
        if slot.is_none() && admitted(index) {
            unparsed[file.unit] += 1;
        }
    }
    // A unit searches while it has unparsed files and its last round found something.
    let mut searching: Vec<bool> = unparsed.iter().map(|&n| n > 0).collect();
    let mut searched: Vec<(BTreeSet<String>, BTreeSet<Vec<String>>)> =
        (0..units).map(|_| Default::default()).collect();

    /// What one unit looks for in a round.
    struct Search {
        names: Vec<String>,
        patterns: prefilter::Patterns,
        /// Crate → module paths whose files (or the files of modules around them) to parse.
        modules: HashMap<String, Vec<Vec<String>>>,
    }
    let mut round = 1;
    while searching.iter().any(|&s| s) {
        round += 1;
        let start = std::time::Instant::now();
        let wanted: Vec<Option<Search>> = (0..units)
            .into_par_iter()
            .map(|unit| {
                if !searching[unit] {
                    return None;
                }
                let refs: Vec<&extract::FileFacts> = parsed[unit].iter().collect();
                let wanted = resolve::wanted_names(&refs, lazy.coupling);
                let (done_names, done_modules) = &searched[unit];
                let names: Vec<String> = wanted
                    .names
                    .into_iter()
                    .filter(|name| !done_names.contains(name))
                    .collect();
                let modules: Vec<Vec<String>> = wanted
                    .modules
                    .into_iter()
                    .filter(|module| !done_modules.contains(module))
                    .collect();
                if names.is_empty() && modules.is_empty() {
                    return None;
                }
                let mut by_crate: HashMap<String, Vec<Vec<String>>> = HashMap::new();
                for module in modules {
                    if let Some((krate, path)) = module.split_first() {
                        by_crate
                            .entry(krate.clone())
                            .or_default()
                            .push(path.to_vec());
                    }
                }
                Some(Search {
                    patterns: prefilter::Patterns::new(names.clone(), resolve::AND),
                    names,
                    modules: by_crate,
                })
            })
            .collect();
        let mut wanted_count = 0;
        for (unit, search) in wanted.iter().enumerate() {
            match search {
                Some(search) => {
                    let (names, modules) = &mut searched[unit];
                    names.extend(search.names.iter().cloned());
                    for (krate, paths) in &search.modules {
                        for path in paths {
                            let mut module = vec![krate.clone()];
                            module.extend(path.iter().cloned());
                            modules.insert(module);
                        }
                    }
                    wanted_count +=
                        search.names.len() + search.modules.values().map(Vec::len).sum::<usize>();
                }
                None => searching[unit] = false,
            }
        }
        let active = wanted.iter().filter(|s| s.is_some()).count();
        if active == 0 {
            break;
        }
        // The file of a wanted module, or of a module around it (which may declare it
        // inline: `pub mod events { pub use short::*; }`).
        let defines_module = |search: &Search, file: &discover::SourceFile| {
            search
                .modules
                .get(file.crate_name.as_str())
                .is_some_and(|paths| paths.iter().any(|path| path.starts_with(&file.module)))
        };
        let candidates: Vec<usize> = (0..discovery.files.len())
            .filter(|&index| {
                slot[index].is_none()
                    && admitted(index)
                    && wanted[discovery.files[index].unit].is_some()
            })
            .collect();
        let found: Vec<(usize, extract::FileFacts, Vec<String>)> = candidates
            .par_iter()
            .filter_map(|&index| {
                let file = &discovery.files[index];
                let search = wanted[file.unit].as_ref()?;
                with_file_bytes(&file.path, |bytes| {
                    let text = std::str::from_utf8(bytes.ok()?).ok()?;
                    let by_module = defines_module(search, file);
                    if !(by_module || search.patterns.any_in(text.as_bytes())) {
                        return None;
                    }
                    let mut pulls = Vec::new();
                    if lazy.attribute {
                        pulls.extend(
                            search
                                .patterns
                                .matching(text.as_bytes())
                                .into_iter()
                                .map(|i| search.names[i].replace(resolve::AND, " + ")),
                        );
                        if by_module {
                            pulls.push(format!(
                                "mod {}::{}",
                                file.crate_name,
                                file.module.join("::")
                            ));
                        }
                    }
                    let mut facts = extract::extract_text(file, text, rules);
                    facts.test = roles[index] == discover::Role::Test;
                    Some((index, facts, pulls))
                })
            })
            .collect();
        let mut found_in = vec![false; units];
        timings.rounds.push(timings::Round {
            scanned: candidates.len(),
            parsed: found.len(),
            wanted: wanted_count,
            units: active,
        });
        for (index, facts, pulls) in found {
            let unit = discovery.files[index].unit;
            found_in[unit] = true;
            slot[index] = Some(parsed[unit].len());
            parsed[unit].push(facts);
            unparsed[unit] -= 1;
            for pull in pulls {
                *timings.pulls.entry(pull).or_default() += 1;
            }
        }
        for unit in 0..units {
            searching[unit] = searching[unit] && found_in[unit] && unparsed[unit] > 0;
        }
        timings.phase(
            &format!("round {round}"),
            start,
            Some(timings.rounds.last().map_or(0, |r| r.parsed)),
        );
    }

    let mut parsed: Vec<Vec<Option<extract::FileFacts>>> = parsed
        .into_iter()
        .map(|unit| unit.into_iter().map(Some).collect())
        .collect();
    discovery
        .files
        .iter()
        .zip(slot)
        .zip(roles)
        .map(|((file, slot), role)| {
            slot.and_then(|i| parsed[file.unit][i].take())
                .unwrap_or_else(|| extract::FileFacts {
                    file: file.rel.clone(),
                    crate_name: file.crate_name.clone(),
                    skipped: true,
                    unreachable: role == discover::Role::Unreachable,
                    ..extract::FileFacts::default()
                })
        })
        .collect()
}

/// Calls `f` with the bytes of the file at `path`, read into a buffer of this thread's that
/// is kept from file to file. Every file is read at least once and most are dropped right
/// after a search: a buffer of their own each made the allocator give pages back to the
/// system and fault them in again for the next file (a third of the time of a tree that
/// holds no event code, once freed memory is purged at once; see `main.rs`).
pub(crate) fn with_file_bytes<R>(path: &Path, f: impl FnOnce(std::io::Result<&[u8]>) -> R) -> R {
    use std::io::Read;
    thread_local! {
        static BUFFER: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
    }
    // Taken out rather than borrowed: `f` may parse, and a parser thread that steals
    // another file's task meanwhile then reads into a buffer of its own.
    let mut buffer = BUFFER.take();
    buffer.clear();
    // Read through `take`: `File::read_to_end` first asks the file's size (a `statx` per
    // file, a tenth of the cost of reading a small one), which a kept buffer does not need.
    let read =
        std::fs::File::open(path).and_then(|file| file.take(u64::MAX).read_to_end(&mut buffer));
    let out = f(read.map(|_| buffer.as_slice()));
    BUFFER.set(buffer);
    out
}

/// How [`parse_lazily`] runs.
#[derive(Clone, Copy)]
struct Lazy {
    eager: bool,
    /// Whether `direct_coupling` is on (components' uses are then wanted too).
    coupling: bool,
    /// Whether to count which wanted names pulled in each file.
    attribute: bool,
    /// `[analysis] tests`: whether tests, benches and examples are analyzed.
    tests: bool,
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
    let start = std::time::Instant::now();
    let tauri = config.presets.contains(&rules::Preset::Tauri);
    let mut discovery = discover::discover_all(root, &config.exclude, jobs, tauri);
    let mut timings = timings::Timings {
        files: discovery.files.len(),
        units: discovery
            .files
            .iter()
            .map(|file| file.unit)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        ..timings::Timings::default()
    };
    timings.phase("discover", start, Some(discovery.files.len()));
    let mut rules = RuleSet::new(&config.presets, &config.rules);
    rules.skip_tests = !config.tests;

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
    let lazy = Lazy {
        eager: options.eager,
        coupling: levels.get(lints::lookup("direct_coupling").expect("a registered lint"))
            != lints::Level::Allow,
        attribute: options.timings,
        tests: config.tests,
    };
    // Resolution spreads its per-file work over the same threads.
    Ok(pool.install(|| {
        let mut facts = parse_lazily(&discovery, &rules, lazy, &progress, &mut timings);
        // Both sides of a Tauri app: the front end's sites join the Rust ones.
        if tauri {
            let start = std::time::Instant::now();
            let front = frontend::analyze(std::mem::take(&mut discovery.front_end));
            timings.phase("front end", start, Some(front.len()));
            facts.extend(front);
        }
        finish(
            facts,
            &discovery,
            config,
            levels,
            options.baseline,
            project_of(root, config),
            timings,
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

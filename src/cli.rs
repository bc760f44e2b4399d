//! The command line: clap definitions, and what each command does with the library.
//! Only this module and `main` decide exit statuses.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use miette::{miette, IntoDiagnostic, WrapErr};

use crate::baseline::Baseline;
use crate::config::Config;
use crate::lints::{self, Level, Levels, LINTS};
use crate::render;

/// How a command ended, when it ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nothing at `deny` level remains.
    Clean,
    /// At least one `deny` finding remains, or warnings exceed `--max-warnings`.
    Failed,
}

impl Status {
    pub fn code(self) -> u8 {
        match self {
            Status::Clean => 0,
            Status::Failed => 1,
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "choreo",
    version,
    // Wrapped at the terminal's width, at most 100 columns, between words: help text keeps
    // no space inside a backtick span, so a span is never cut in two.
    max_term_width = 100,
    about = "Finds orphaned events, unused subscriptions and feedback loops in event-driven Rust code"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Analyze a tree of Rust sources, write the JSON report and gate on its findings.
    Analyze(Box<AnalyzeArgs>),
    /// Draw the event-flow graph: components, events, publish/subscribe and loop edges.
    Graph(GraphArgs),
    /// Replay the statically found flows on the embedded bus and check they agree.
    Validate(ValidateArgs),
    /// Check or replay a bus audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a starter choreo.toml, with presets detected from Cargo.toml.
    Init {
        /// The directory to write `choreo.toml` in.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Overwrite an existing choreo.toml.
        #[arg(long)]
        force: bool,
    },
    /// Compare two reports, or the tree with a git revision: what a change does to the
    /// event flows.
    Diff(DiffArgs),
    /// Join the reports of several services into one system view, and gate on it like
    /// `analyze`.
    Merge(MergeArgs),
    /// Write an AsyncAPI 3.0.0 document of the event flows (of PATH, or of a report).
    Export(ExportArgs),
    /// Print a lint's documentation (all lints when no name is given).
    Explain {
        /// The lint's name, e.g. `orphaned_event`.
        lint: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// rustc-style diagnostics and a summary table.
    Human,
    /// The JSON report.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart in a Markdown fence (renders on GitHub, e.g. in a job summary).
    Mermaid,
    /// A standalone SVG, laid out without Graphviz.
    Svg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    /// The changes and the verdict, for a terminal.
    Human,
    /// The diff as JSON.
    Json,
    /// A pull-request comment: verdict, tables and a Mermaid flowchart.
    Markdown,
    /// GitHub Actions annotations for new findings; the markdown goes to
    /// `$GITHUB_STEP_SUMMARY` when it is set.
    Github,
}

/// `--fail-on` values; see `diff::Condition`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    /// A new finding at `deny` level.
    NewFindings,
    /// A feedback loop the base does not have.
    NewLoops,
    /// An event orphaned in the head and not in the base.
    NewOrphans,
    /// An event still published whose last subscriber went.
    LostSubscriber,
    /// An event still subscribed whose last publisher went.
    LostPublisher,
    /// Any change in events, sites or loops.
    Any,
    /// Never fail.
    None,
}

impl FailOn {
    fn condition(self) -> crate::diff::Condition {
        use crate::diff::Condition;
        match self {
            FailOn::NewFindings => Condition::NewFindings,
            FailOn::NewLoops => Condition::NewLoops,
            FailOn::NewOrphans => Condition::NewOrphans,
            FailOn::LostSubscriber => Condition::LostSubscriber,
            FailOn::LostPublisher => Condition::LostPublisher,
            FailOn::Any => Condition::Any,
            FailOn::None => Condition::None,
        }
    }
}

#[derive(Debug, clap::Args)]
struct DiffArgs {
    /// Two reports to compare, the old one first; with `--base`, at most one: the
    /// tree to analyze (default `.`).
    #[arg(value_name = "REPORTS|PATH")]
    inputs: Vec<PathBuf>,
    /// Compare the tree as it is with the tree as of this git revision (each analyzed with
    /// its own `choreo.toml`; the work tree is not touched).
    #[arg(long, value_name = "REV")]
    base: Option<String>,
    /// The config file (with `--base`); the base uses its version at REV when the
    /// repository has one there.
    #[arg(short = 'c', long = "config", value_name = "FILE", requires = "base")]
    config: Option<PathBuf>,
    /// What to print.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    format: DiffFormat,
    /// Also write the diff as JSON to this file; `-` writes it to stdout (and nothing else).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<String>,
    /// When to exit 1, comma-separated.
    #[arg(
        long,
        value_enum,
        value_name = "WHAT",
        value_delimiter = ',',
        default_value = "new-findings"
    )]
    fail_on: Vec<FailOn>,
}

#[derive(Debug, clap::Args)]
struct ExportArgs {
    /// A directory or a single `.rs` file to analyze (ignored with `--report`).
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Export this report (e.g. a merged one) instead of analyzing PATH.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// The config file; default: `PATH/choreo.toml` if present. Its `[contracts]` give
    /// the messages' payload schemas.
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    config: Option<PathBuf>,
    /// The document's format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Asyncapi)]
    format: ExportFormat,
    /// Where to write it (default: stdout).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ExportFormat {
    /// AsyncAPI 3.0.0, JSON.
    Asyncapi,
}

#[derive(Debug, clap::Args)]
struct MergeArgs {
    /// The services' reports (at least two), each written by `analyze` with `-o`.
    #[arg(value_name = "REPORT.json")]
    reports: Vec<PathBuf>,
    /// The merge config: only its `topic_syntax`, `[events]` and `[lints]` apply.
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Also write the merged report to this file; `-` writes it to stdout (and nothing
    /// else).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<String>,
    /// What to print.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Debug, clap::Args)]
struct ValidateArgs {
    /// A directory or a single `.rs` file.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// The config file; default: `PATH/choreo.toml` if present.
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    config: Option<PathBuf>,
    /// A report that `analyze` wrote: fail when it no longer matches the sources.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Where the simulation's audit trail goes.
    #[arg(long, value_name = "FILE", default_value = "eventbus_audit.jsonl")]
    audit_log: PathBuf,
    /// Also write the simulated bus's metrics (Prometheus text format).
    #[arg(long, value_name = "FILE")]
    metrics: Option<PathBuf>,
    /// Where the validation report (JSON) goes.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        default_value = "eventbus_validation_report.json"
    )]
    output: PathBuf,
    #[command(flatten)]
    levels: LevelArgs,
    /// Hide the findings recorded in this baseline from the exit status.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check every link of a trail's hash chain; exit 1 at the first broken one.
    Verify {
        /// The audit trail (JSON Lines).
        file: PathBuf,
    },
    /// Replay a trail into a fresh bus; exit 1 at the first outcome that differs.
    Replay {
        /// The audit trail (JSON Lines).
        file: PathBuf,
    },
}

#[derive(Debug, clap::Args)]
struct GraphArgs {
    /// A directory or a single `.rs` file.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// The config file; default: `PATH/choreo.toml` if present.
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Draw this report (e.g. a merged one: one cluster per service in `dot`) instead of
    /// analyzing PATH.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// The drawing's format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    format: GraphFormat,
    /// Where to write it; default: stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

/// `-D/-W/-A LINT`. Their values are read back from the matches in command-line order
/// (`apply_level_flags`), since later flags win whatever their kind.
#[derive(Debug, clap::Args)]
struct LevelArgs {
    /// Set a lint to `deny` (`all` for every lint); later flags win.
    #[arg(short = 'D', long = "deny", value_name = "LINT")]
    deny: Vec<String>,
    /// Set a lint to `warn`.
    #[arg(short = 'W', long = "warn", value_name = "LINT")]
    warn: Vec<String>,
    /// Set a lint to `allow` (not reported).
    #[arg(short = 'A', long = "allow", value_name = "LINT")]
    allow: Vec<String>,
}

#[derive(Debug, clap::Args)]
struct AnalyzeArgs {
    /// A directory (crate, workspace or any tree of `.rs` files) or a single `.rs` file.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// The config file; default: `PATH/choreo.toml` if present.
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where to write the JSON report; `-` writes it to stdout (and nothing else).
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        default_value = "eventbus_analysis_report.json"
    )]
    output: String,
    /// What to print besides writing the report.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    #[command(flatten)]
    levels: LevelArgs,
    /// Hide the findings recorded in this baseline file; report entries that match nothing.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record today's findings in this baseline file (the run exits as usual).
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Fail (exit 1) when more than N warnings remain.
    #[arg(long, value_name = "N")]
    max_warnings: Option<usize>,
    /// Threads for walking and parsing (default: one per core). The report does not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(usize))]
    jobs: Option<usize>,
    /// Print only the diagnostics: no summary table.
    #[arg(short, long)]
    quiet: bool,
    /// Print to stderr the time of each phase, the files each lazy round parsed and the
    /// wanted names that pulled in the most files.
    #[arg(long)]
    timings: bool,
}

/// Parses `args` and runs the command. `Err` means the run itself failed (exit 2).
pub fn run<I, T>(args: I) -> miette::Result<Status>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let matches = match Cli::command().try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(error) => {
            let _ = error.print();
            return match error.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    Ok(Status::Clean)
                }
                _ => Err(miette!("invalid arguments")),
            };
        }
    };
    let cli = Cli::from_arg_matches(&matches).map_err(|error| miette!("{error}"))?;
    match cli.command {
        Command::Analyze(args) => {
            let sub = matches
                .subcommand_matches("analyze")
                .ok_or_else(|| miette!("internal error: analyze arguments missing"))?;
            analyze(&args, sub)
        }
        Command::Explain { lint } => explain(lint.as_deref()),
        Command::Init { path, force } => init(&path, force),
        Command::Graph(args) => graph(&args),
        Command::Validate(args) => {
            let sub = matches
                .subcommand_matches("validate")
                .ok_or_else(|| miette!("internal error: validate arguments missing"))?;
            validate(&args, sub)
        }
        Command::Audit(command) => audit(&command),
        Command::Diff(args) => diff(&args),
        Command::Merge(args) => merge(&args),
        Command::Export(args) => export(&args),
    }
}

/// Applies `-A/-W/-D` in the order they were given on the command line.
fn apply_level_flags(levels: &mut Levels, matches: &ArgMatches) -> miette::Result<()> {
    let mut flags: Vec<(usize, Level, String)> = Vec::new();
    for (id, level) in [
        ("deny", Level::Deny),
        ("warn", Level::Warn),
        ("allow", Level::Allow),
    ] {
        if let (Some(indices), Some(values)) =
            (matches.indices_of(id), matches.get_many::<String>(id))
        {
            flags.extend(
                indices
                    .zip(values)
                    .map(|(index, value)| (index, level, value.clone())),
            );
        }
    }
    flags.sort_by_key(|(index, _, _)| *index);
    for (_, level, name) in flags {
        if name == "all" {
            levels.set_all(level);
            continue;
        }
        let lint = lints::lookup(&name).ok_or_else(|| {
            miette!(
                help = "`choreo explain` lists the lints",
                "unknown lint `{name}` on the command line"
            )
        })?;
        levels.set(lint, level);
    }
    Ok(())
}

/// What a gating command starts from: the config, the effective levels (config, then
/// `-D/-W/-A` in order) and the baseline, if one was given.
fn gate(
    path: &Path,
    config: Option<&Path>,
    baseline: Option<&Path>,
    matches: &ArgMatches,
) -> miette::Result<(Config, Levels, Option<Baseline>)> {
    let config = Config::discover(path, config)?;
    let mut levels = config.levels.clone();
    apply_level_flags(&mut levels, matches)?;
    let baseline = baseline.map(Baseline::load).transpose()?;
    Ok((config, levels, baseline))
}

fn analyze(args: &AnalyzeArgs, matches: &ArgMatches) -> miette::Result<Status> {
    let (config, levels, baseline) = gate(
        &args.path,
        args.config.as_deref(),
        args.baseline.as_deref(),
        matches,
    )?;
    let bar = ProgressBar::new(!args.quiet && std::io::stderr().is_terminal());
    let progress = |event| bar.update(event);
    let options = crate::Options {
        jobs: args.jobs,
        baseline: baseline.as_ref(),
        progress: Some(&progress),
        eager: false,
        timings: args.timings,
    };
    let analysis = crate::analyze_with(&args.path, &config, &levels, &options);
    bar.finish();
    let analysis = analysis?;
    let report = &analysis.report;
    let output_started = std::time::Instant::now();

    if let Some(path) = &args.write_baseline {
        // Record every current finding, including those an older baseline hid.
        let all = if baseline.is_some() {
            let unfiltered = crate::report::build_report(
                &analysis.model,
                &analysis.graph,
                &analysis.findings,
                None,
            );
            unfiltered.findings
        } else {
            report.findings.clone()
        };
        write_file(path, &Baseline::from_findings(&all).to_json(), "baseline")?;
    }

    let to_stdout = args.output == "-";
    // Serialized once: the report file and `--format json` print the same text.
    let mut json = report.to_json();
    if !to_stdout {
        write_file(Path::new(&args.output), &json, "report")?;
    }

    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    // With `-o -` the report owns stdout; anything else goes to stderr.
    let out: &mut dyn Write = if to_stdout { &mut stderr } else { &mut stdout };
    let printed = match args.format {
        Format::Human => {
            let color = !to_stdout
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none();
            let style = render::human::Style {
                color,
                ..render::human::Style::default()
            };
            let mut text = render::human::diagnostics(report, &args.path, style);
            if !args.quiet {
                text.push_str(&render::human::summary(report));
            }
            text
        }
        Format::Json if to_stdout => String::new(),
        Format::Json => std::mem::take(&mut json),
        Format::Sarif => render::sarif::render(report),
        Format::Github => render::github::render(report),
    };
    emit(out, &printed)?;
    if to_stdout {
        emit(&mut stdout, &json)?;
    }

    if args.timings {
        let mut timings = analysis.timings.clone();
        timings.phase("output", output_started, None);
        let _ = std::io::stderr()
            .lock()
            .write_all(timings.render().as_bytes());
    }

    let too_many_warnings = args.max_warnings.is_some_and(|max| report.warnings() > max);
    Ok(if report.denials() > 0 || too_many_warnings {
        Status::Failed
    } else {
        Status::Clean
    })
}

/// A progress bar on stderr for runs that take more than a moment: it stays hidden for the
/// first quarter second, and never appears on a pipe or with `--quiet`.
struct ProgressBar {
    bar: Option<indicatif::ProgressBar>,
    started: std::time::Instant,
    shown: std::sync::atomic::AtomicBool,
}

impl ProgressBar {
    fn new(enabled: bool) -> Self {
        ProgressBar {
            bar: enabled.then(indicatif::ProgressBar::hidden),
            started: std::time::Instant::now(),
            shown: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn update(&self, event: crate::Progress) {
        use std::sync::atomic::Ordering;
        let Some(bar) = &self.bar else {
            return;
        };
        match event {
            crate::Progress::Start { files } => bar.set_length(files as u64),
            crate::Progress::File => {
                bar.inc(1);
                let due = self.started.elapsed() > std::time::Duration::from_millis(250);
                if due && !self.shown.swap(true, Ordering::Relaxed) {
                    let template = if std::env::var_os("NO_COLOR").is_some() {
                        "{prefix} [{bar:30}] {pos}/{len} files"
                    } else {
                        "{prefix:.bold} [{bar:30.cyan/blue}] {pos}/{len} files"
                    };
                    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
                        bar.set_style(style.progress_chars("=> "));
                    }
                    bar.set_prefix("parsing");
                    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Writes output for a reader; a reader that went away (`choreo explain | head`) is not an
/// error.
fn emit(out: &mut dyn Write, text: &str) -> miette::Result<()> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(error).into_diagnostic()
        }
        _ => Ok(()),
    }
}

fn write_file(path: &Path, text: &str, what: &str) -> miette::Result<()> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        if !dir.is_dir() {
            return Err(miette!(
                help = "create the directory first, or pass another path",
                "cannot write the {what} to `{}`: directory `{}` does not exist",
                path.display(),
                dir.display()
            ));
        }
    }
    crate::report::write_atomically(path, text)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write the {what} to `{}`", path.display()))
}

fn validate(args: &ValidateArgs, matches: &ArgMatches) -> miette::Result<Status> {
    let (config, levels, baseline) = gate(
        &args.path,
        args.config.as_deref(),
        args.baseline.as_deref(),
        matches,
    )?;
    let options = crate::Options {
        baseline: baseline.as_ref(),
        ..crate::Options::default()
    };
    let analysis = crate::analyze_with(&args.path, &config, &levels, &options)?;
    // The report is compared with this run's analysis: give `validate` the same level flags
    // and baseline the report was written with.
    let report_check = match &args.report {
        Some(path) => Some(crate::validate::check_report(path, &analysis.report)?),
        None => None,
    };
    let outputs = crate::validate::Outputs {
        audit_trail: &args.audit_log,
    };
    let (mut validation, stats) = crate::validate::validate(&analysis, &outputs)?;
    validation.report = report_check;
    write_file(&args.output, &validation.to_json(), "validation report")?;
    if let Some(path) = &args.metrics {
        write_file(path, &stats.to_prometheus(), "metrics")?;
    }
    if !args.quiet {
        emit(&mut std::io::stdout().lock(), &validation.render())?;
    }
    let fresh = validation
        .report
        .as_ref()
        .is_none_or(|check| check.status == "fresh");
    if let Some(check) = validation.report.as_ref().filter(|_| !fresh) {
        eprintln!(
            "error: {} is {}; run `choreo analyze` again",
            check.file,
            if check.status == "stale" {
                "stale: the sources changed since it was written"
            } else {
                "edited: its hash does not match its content"
            }
        );
    }
    Ok(
        if validation.agrees && fresh && analysis.report.denials() == 0 {
            Status::Clean
        } else {
            Status::Failed
        },
    )
}

fn audit(command: &AuditCommand) -> miette::Result<Status> {
    match command {
        AuditCommand::Verify { file } => match crate::bus::verify(file) {
            Ok(verified) => {
                emit(
                    &mut std::io::stdout().lock(),
                    &format!(
                        "{}: {} records, chain intact (head {})\n",
                        file.display(),
                        verified.records,
                        verified.head
                    ),
                )?;
                Ok(Status::Clean)
            }
            Err(crate::bus::audit::VerifyError::Io { path, source }) => Err(miette!(
                "cannot read audit trail `{}`: {source}",
                path.display()
            )),
            Err(error) => {
                eprintln!("error: {error}");
                Ok(Status::Failed)
            }
        },
        AuditCommand::Replay { file } => match crate::bus::replay_simulated(file) {
            Ok(replayed) => {
                emit(
                    &mut std::io::stdout().lock(),
                    &format!(
                        "{}: replayed {} sessions, {} root events; {} outcomes match\n",
                        file.display(),
                        replayed.sessions,
                        replayed.root_events,
                        replayed.records_compared
                    ),
                )?;
                Ok(Status::Clean)
            }
            Err(crate::bus::ReplayError::Verify(crate::bus::audit::VerifyError::Io {
                path,
                source,
            })) => Err(miette!(
                "cannot read audit trail `{}`: {source}",
                path.display()
            )),
            Err(error) => {
                eprintln!("error: {error}");
                Ok(Status::Failed)
            }
        },
    }
}

fn graph(args: &GraphArgs) -> miette::Result<Status> {
    let report = match &args.report {
        Some(file) => crate::report::read_report(file)?,
        None => {
            let config = Config::discover(&args.path, args.config.as_deref())?;
            crate::analyze(&args.path, &config, &config.levels, None)?.report
        }
    };
    let report = &report;
    let text = match args.format {
        GraphFormat::Dot => render::dot::render(report),
        GraphFormat::Mermaid => render::mermaid::markdown(report),
        GraphFormat::Svg => render::svg::render(report),
    };
    match &args.output {
        Some(path) => write_file(path, &text, "graph")?,
        None => emit(&mut std::io::stdout().lock(), &text)?,
    }
    // Drawing is not a gate: the graph is written whatever the findings.
    Ok(Status::Clean)
}

fn diff(args: &DiffArgs) -> miette::Result<Status> {
    let conditions: Vec<crate::diff::Condition> =
        args.fail_on.iter().map(|f| f.condition()).collect();
    let (base, head, prefix) = match &args.base {
        Some(rev) => {
            let path = match args.inputs.as_slice() {
                [] => PathBuf::from("."),
                [path] => path.clone(),
                _ => {
                    return Err(miette!(
                        help = "pass one path with `--base REV`, or two reports without it",
                        "`choreo diff --base` analyzes one tree; {} paths were given",
                        args.inputs.len()
                    ))
                }
            };
            let (base, head, prefix) = diff_trees(&path, rev, args.config.as_deref())?;
            (base, head, prefix)
        }
        None => match args.inputs.as_slice() {
            [old, new] => (
                crate::report::read_report(old)?,
                crate::report::read_report(new)?,
                String::new(),
            ),
            _ => {
                return Err(miette!(
                    help = "`choreo diff OLD.json NEW.json` compares two reports; `choreo diff --base REV [PATH]` compares the tree with a git revision",
                    "`choreo diff` needs two reports or `--base REV`; {} {} given",
                    args.inputs.len(),
                    if args.inputs.len() == 1 { "was" } else { "were" }
                ))
            }
        },
    };
    let diff = crate::diff::compare(&base, &head, &conditions);

    let to_stdout = args.output.as_deref() == Some("-");
    if let Some(path) = args.output.as_deref().filter(|_| !to_stdout) {
        write_file(Path::new(path), &diff.to_json(), "diff")?;
    }
    let printed = match args.format {
        DiffFormat::Human => {
            let color = !to_stdout
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none();
            render::diff::human(&diff, color)
        }
        DiffFormat::Json if to_stdout => String::new(),
        DiffFormat::Json => diff.to_json(),
        DiffFormat::Markdown => render::diff::markdown(&diff),
        DiffFormat::Github => {
            if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY") {
                append_file(Path::new(&summary), &render::diff::markdown(&diff))?;
            }
            render::diff::github(&diff, &prefix)
        }
    };
    let mut stdout = std::io::stdout().lock();
    if to_stdout {
        emit(&mut std::io::stderr().lock(), &printed)?;
        emit(&mut stdout, &diff.to_json())?;
    } else {
        emit(&mut stdout, &printed)?;
    }
    Ok(if diff.failed.is_empty() {
        Status::Clean
    } else {
        Status::Failed
    })
}

/// The reports of `path` as of `rev` and as it is, each analyzed with its own config, and
/// the path's place in the repository.
fn diff_trees(
    path: &Path,
    rev: &str,
    config: Option<&Path>,
) -> miette::Result<(crate::report::Report, crate::report::Report, String)> {
    let tree = crate::diff::git::base_tree(path, rev, config)?;
    let head_config = Config::discover(path, config)?;
    let base_config = match (&tree.config, config) {
        (Some(file), _) => Config::discover(&tree.root, Some(file)),
        (None, Some(file)) => Config::discover(&tree.root, Some(file)),
        (None, None) => Config::discover(&tree.root, None),
    }
    .wrap_err_with(|| format!("in the config of the base revision `{rev}`"))?;
    let head = crate::analyze(path, &head_config, &head_config.levels, None)?;
    let base = crate::analyze(&tree.root, &base_config, &base_config.levels, None)
        .wrap_err_with(|| format!("analyzing the base revision `{rev}`"))?;
    Ok((base.report, head.report, tree.prefix.clone()))
}

fn export(args: &ExportArgs) -> miette::Result<Status> {
    let ExportFormat::Asyncapi = args.format;
    let (report, contracts) = match &args.report {
        Some(file) => {
            let report = crate::report::read_report(file)?;
            let contracts = match &args.config {
                Some(config) => Config::load(config)?.contracts,
                None => Default::default(),
            };
            (report, contracts)
        }
        None => {
            let config = Config::discover(&args.path, args.config.as_deref())?;
            let analysis = crate::analyze(&args.path, &config, &config.levels, None)?;
            (analysis.report, config.contracts)
        }
    };
    let document = crate::export::asyncapi(&report, &contracts);
    let mut text = serde_json::to_string_pretty(&document).map_err(|e| miette!("{e}"))?;
    text.push('\n');
    match &args.output {
        Some(path) => write_file(path, &text, "AsyncAPI document")?,
        None => emit(&mut std::io::stdout().lock(), &text)?,
    }
    Ok(Status::Clean)
}

fn merge(args: &MergeArgs) -> miette::Result<Status> {
    let config = match &args.config {
        Some(file) => Config::load(file)?,
        None => Config::default(),
    };
    let inputs = crate::merge::read_inputs(&args.reports)?;
    let report = crate::merge::merge(&inputs, &config, &config.levels);

    let to_stdout = args.output.as_deref() == Some("-");
    if let Some(path) = args.output.as_deref().filter(|_| !to_stdout) {
        write_file(Path::new(path), &report.to_json(), "merged report")?;
    }
    let printed = match args.format {
        Format::Human => {
            let color = !to_stdout
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none();
            let style = render::human::Style {
                color,
                ..render::human::Style::default()
            };
            // A merged report's places are in the services' trees, not here: no snippets.
            let mut text = render::human::diagnostics(&report, Path::new(""), style);
            text.push_str(&render::human::summary(&report));
            text
        }
        Format::Json if to_stdout => String::new(),
        Format::Json => render::json(&report),
        Format::Sarif => render::sarif::render(&report),
        Format::Github => render::github::render(&report),
    };
    let mut stdout = std::io::stdout().lock();
    if to_stdout {
        emit(&mut std::io::stderr().lock(), &printed)?;
        emit(&mut stdout, &report.to_json())?;
    } else {
        emit(&mut stdout, &printed)?;
    }
    Ok(if report.denials() > 0 {
        Status::Failed
    } else {
        Status::Clean
    })
}

/// Appends to a file, creating it: `$GITHUB_STEP_SUMMARY` collects every step's output.
fn append_file(path: &Path, text: &str) -> miette::Result<()> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot append the summary to `{}`", path.display()))
}

fn init(dir: &Path, force: bool) -> miette::Result<Status> {
    if !dir.is_dir() {
        return Err(miette!(
            help = "create the directory first",
            "`{}` is not a directory",
            dir.display()
        ));
    }
    let path = dir.join("choreo.toml");
    if path.exists() && !force {
        return Err(miette!(
            help = "pass --force to overwrite it",
            "`{}` already exists",
            path.display()
        ));
    }
    let detected = crate::init::detect(dir);
    write_file(&path, &crate::init::starter(&detected), "config")?;
    let names: Vec<&str> = detected.iter().map(|d| d.preset.name()).collect();
    emit(
        &mut std::io::stdout().lock(),
        &format!("wrote {} (presets: {})\n", path.display(), names.join(", ")),
    )?;
    Ok(Status::Clean)
}

fn explain(name: Option<&str>) -> miette::Result<Status> {
    let mut out = std::io::stdout().lock();
    match name {
        None => {
            let list: String = LINTS
                .iter()
                .map(|lint| {
                    format!(
                        "{:<22} {:<5}  {}\n",
                        lint.name, lint.default_level, lint.summary
                    )
                })
                .collect();
            emit(&mut out, &list)?;
        }
        Some(name) => {
            let lint = lints::lookup(name).ok_or_else(|| {
                let names: Vec<&str> = LINTS.iter().map(|lint| lint.name).collect();
                miette!(
                    help = format!("known lints: {}", names.join(", ")),
                    "unknown lint `{name}`"
                )
            })?;
            emit(&mut out, &lint.page())?;
        }
    }
    Ok(Status::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command's help, short and long, as clap renders it at `width` columns.
    fn helps(command: &clap::Command, width: usize, out: &mut Vec<(String, String)>) {
        let mut command = command.clone().term_width(width);
        out.push((
            command.get_name().to_owned(),
            command.render_help().to_string(),
        ));
        out.push((
            command.get_name().to_owned(),
            command.render_long_help().to_string(),
        ));
        for sub in command.get_subcommands() {
            helps(sub, width, out);
        }
    }

    #[test]
    fn help_never_wraps_inside_a_backtick_span() {
        let command = Cli::command();
        for width in [40, 52, 64, 80, 100, 160] {
            let mut all = Vec::new();
            helps(&command, width, &mut all);
            for (name, help) in &all {
                for line in help.lines() {
                    assert_eq!(
                        line.matches('`').count() % 2,
                        0,
                        "`{name}` help at {width} columns cuts a `..` span: {line:?}"
                    );
                    // Lines wrap at the width unless one word is longer.
                    if line.chars().count() > width {
                        assert!(
                            !line.trim().contains(' '),
                            "`{name}` help at {width} columns is not wrapped: {line:?}"
                        );
                    }
                }
            }
        }
    }
}

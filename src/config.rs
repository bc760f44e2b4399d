//! `choreo.toml`: parsed into `RawConfig` (serde, unknown keys rejected, spans kept), then
//! validated into `Config`. Every error points at its line in the file.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use miette::{Diagnostic, NamedSource, SourceSpan};
use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use crate::lints::{self, Level, Levels};
use crate::model::SiteKind;
use crate::rules::{EventArg, Forms, Matcher, Preset, Rule};

/// How publish and subscribe keys are matched against each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TopicSyntax {
    #[default]
    Exact,
    Nats,
    Mqtt,
    Glob,
}

impl TopicSyntax {
    fn parse(text: &str) -> Option<TopicSyntax> {
        Some(match text {
            "exact" => TopicSyntax::Exact,
            "nats" => TopicSyntax::Nats,
            "mqtt" => TopicSyntax::Mqtt,
            "glob" => TopicSyntax::Glob,
            _ => return None,
        })
    }
}

/// A configuration that has been checked; what the analysis runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub exclude: GlobSet,
    pub presets: Vec<Preset>,
    pub topic_syntax: TopicSyntax,
    pub fan_out_threshold: usize,
    pub levels: Levels,
    pub external_subscribers: Vec<String>,
    pub external_publishers: Vec<String>,
    pub aliases: BTreeMap<String, String>,
    pub rules: Vec<Rule>,
    /// `[contracts."KEY"]`, by key.
    pub contracts: BTreeMap<String, Contract>,
    /// `[components.NAME] must_subscribe`, in file order.
    pub components: Vec<ComponentContract>,
    /// The config file as findings name it (relative to the analyzed root when inside it).
    pub file: Option<String>,
    /// `[analysis] name`: the report's `project`.
    pub name: Option<String>,
    /// `[analysis] tests`: `false` leaves out `tests/`, `benches/`, `examples/` and
    /// `#[cfg(test)]` items.
    pub tests: bool,
}

/// What `[contracts."KEY"]` requires of an event's payload.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Contract {
    pub required_fields: Vec<String>,
    pub schema: Option<Schema>,
}

/// A JSON Schema for an event's payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// The path as written in the config file.
    pub path: String,
    pub value: serde_json::Value,
}

/// What `[components.NAME]` requires of a component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentContract {
    pub name: String,
    pub must_subscribe: Vec<String>,
    /// The line of the table's header in the config file.
    pub line: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            exclude: GlobSet::empty(),
            presets: vec![Preset::Generic],
            topic_syntax: TopicSyntax::Exact,
            fan_out_threshold: 10,
            levels: Levels::default(),
            external_subscribers: Vec::new(),
            external_publishers: Vec::new(),
            aliases: BTreeMap::new(),
            rules: Vec::new(),
            contracts: BTreeMap::new(),
            components: Vec::new(),
            file: None,
            name: None,
            tests: true,
        }
    }
}

/// A `choreo.toml` that could not be read or is invalid.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum ConfigError {
    #[error("cannot read config file `{path}`: {source}")]
    #[diagnostic(code(choreo::config))]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(Box<InvalidConfig>),
}

/// A config file that parsed as TOML but says something choreo cannot use, or did not
/// parse; located in the file.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(choreo::config))]
pub struct InvalidConfig {
    pub message: String,
    #[source_code]
    pub source_code: NamedSource<String>,
    #[label("{label}")]
    pub span: SourceSpan,
    pub label: String,
    #[help]
    pub help: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    analysis: RawAnalysis,
    #[serde(default)]
    lints: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    events: RawEvents,
    #[serde(default)]
    publish: Vec<Spanned<RawRule>>,
    #[serde(default)]
    subscribe: Vec<Spanned<RawRule>>,
    #[serde(default)]
    contracts: BTreeMap<String, RawContract>,
    #[serde(default)]
    components: BTreeMap<Spanned<String>, RawComponent>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnalysis {
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    presets: Option<Vec<Spanned<String>>>,
    topic_syntax: Option<Spanned<String>>,
    fan_out_threshold: Option<usize>,
    name: Option<Spanned<String>>,
    tests: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvents {
    #[serde(default)]
    external_subscribers: Vec<String>,
    #[serde(default)]
    external_publishers: Vec<String>,
    #[serde(default)]
    aliases: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    method: Option<Spanned<String>>,
    path: Option<Spanned<String>>,
    receiver: Option<Spanned<String>>,
    calls: Option<Vec<Spanned<String>>>,
    event: Option<Spanned<String>>,
    handler: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContract {
    #[serde(default)]
    required_fields: Vec<String>,
    schema: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComponent {
    #[serde(default)]
    must_subscribe: Vec<String>,
}

/// The text of a config file, kept so errors can show it.
struct Source {
    name: String,
    text: String,
    /// Where relative paths in the file start.
    dir: PathBuf,
}

impl Source {
    fn error(
        &self,
        span: Range<usize>,
        message: String,
        label: &str,
        help: Option<String>,
    ) -> ConfigError {
        ConfigError::Invalid(Box::new(InvalidConfig {
            message,
            source_code: NamedSource::new(&self.name, self.text.clone()),
            span: span.into(),
            label: label.to_owned(),
            help,
        }))
    }
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        Config::parse_in(&path.display().to_string(), &text, dir)
    }

    /// Parses and validates config text; `name` is how errors refer to the file. Schema
    /// paths are relative to the current directory.
    pub fn parse(name: &str, text: &str) -> Result<Config, ConfigError> {
        Config::parse_in(name, text, Path::new("."))
    }

    /// Parses config text whose schema paths are relative to `dir`.
    pub fn parse_in(name: &str, text: &str, dir: &Path) -> Result<Config, ConfigError> {
        let source = Source {
            name: name.to_owned(),
            text: text.to_owned(),
            dir: dir.to_path_buf(),
        };
        let raw: RawConfig = toml::from_str(text).map_err(|error| {
            let span = error.span().unwrap_or(0..0);
            source.error(
                span,
                format!("invalid config: {}", error.message().trim_end()),
                "here",
                Some("see the config reference in README.md".to_owned()),
            )
        })?;
        validate(&source, raw)
    }

    /// The config for an analysis of `root`: `explicit` if given, else `choreo.toml` in the
    /// root (or in a file's directory), else the defaults.
    pub fn discover(root: &Path, explicit: Option<&Path>) -> Result<Config, ConfigError> {
        if let Some(path) = explicit {
            let mut config = Config::load(path)?;
            let inside = path.strip_prefix(root).ok().filter(|_| root.is_dir());
            config.file = Some(match inside {
                Some(rel) => rel.to_string_lossy().replace('\\', "/"),
                None => path.display().to_string(),
            });
            return Ok(config);
        }
        let dir: PathBuf = if root.is_file() {
            root.parent().map(Path::to_path_buf).unwrap_or_default()
        } else {
            root.to_path_buf()
        };
        let candidate = dir.join("choreo.toml");
        if candidate.is_file() {
            let mut config = Config::load(&candidate)?;
            config.file = Some("choreo.toml".to_owned());
            Ok(config)
        } else {
            Ok(Config::default())
        }
    }
}

fn validate(source: &Source, raw: RawConfig) -> Result<Config, ConfigError> {
    let mut config = Config::default();

    let mut exclude = GlobSetBuilder::new();
    for pattern in &raw.analysis.exclude {
        let glob = Glob::new(pattern.get_ref()).map_err(|error| {
            source.error(
                pattern.span(),
                format!(
                    "invalid exclude glob `{}`: {}",
                    pattern.get_ref(),
                    error.kind()
                ),
                "this glob",
                Some("globs are relative to the analyzed path, e.g. `benches/**`".to_owned()),
            )
        })?;
        exclude.add(glob);
    }
    config.exclude = exclude
        .build()
        .map_err(|error| source.error(0..0, format!("invalid exclude globs: {error}"), "", None))?;

    if let Some(name) = &raw.analysis.name {
        if name.get_ref().trim().is_empty() {
            return Err(source.error(
                name.span(),
                "`[analysis] name` is empty".to_owned(),
                "an empty name",
                Some("name the project, e.g. `name = \"orders\"`, or leave the key out".to_owned()),
            ));
        }
        config.name = Some(name.get_ref().clone());
    }

    let mut explicit_syntax = None;
    if let Some(syntax) = &raw.analysis.topic_syntax {
        let parsed = TopicSyntax::parse(syntax.get_ref()).ok_or_else(|| {
            source.error(
                syntax.span(),
                format!("unknown topic syntax `{}`", syntax.get_ref()),
                "not a topic syntax",
                Some("use one of: exact, nats, mqtt, glob".to_owned()),
            )
        })?;
        explicit_syntax = Some(parsed);
    }

    if let Some(presets) = &raw.analysis.presets {
        config.presets.clear();
        for name in presets {
            let preset = Preset::parse(name.get_ref()).ok_or_else(|| {
                source.error(
                    name.span(),
                    format!("unknown preset `{}`", name.get_ref()),
                    "not a preset",
                    Some(format!("use one of: {}", Preset::NAMES.join(", "))),
                )
            })?;
            if !config.presets.contains(&preset) {
                config.presets.push(preset);
            }
        }
    }
    // The nats and mqtt presets bring their topic syntax unless the file sets one.
    config.topic_syntax = explicit_syntax.unwrap_or_else(|| {
        if config.presets.contains(&Preset::Nats) {
            TopicSyntax::Nats
        } else if config.presets.contains(&Preset::Mqtt) {
            TopicSyntax::Mqtt
        } else {
            TopicSyntax::Exact
        }
    });

    if let Some(threshold) = raw.analysis.fan_out_threshold {
        config.fan_out_threshold = threshold;
    }
    if let Some(tests) = raw.analysis.tests {
        config.tests = tests;
    }

    for (name, level) in &raw.lints {
        let lint = lints::lookup(name.get_ref()).ok_or_else(|| {
            source.error(
                name.span(),
                format!("unknown lint `{}`", name.get_ref()),
                "not a lint",
                Some("`choreo explain` with no argument lists the lints".to_owned()),
            )
        })?;
        let parsed = Level::parse(level.get_ref()).ok_or_else(|| {
            source.error(
                level.span(),
                format!(
                    "invalid level `{}` for lint `{}`",
                    level.get_ref(),
                    lint.name
                ),
                "not a level",
                Some("use one of: allow, warn, deny".to_owned()),
            )
        })?;
        config.levels.set(lint, parsed);
    }

    config.external_subscribers = raw.events.external_subscribers;
    config.external_publishers = raw.events.external_publishers;
    config.aliases = raw.events.aliases;

    for (kind, rules) in [
        (SiteKind::Publish, &raw.publish),
        (SiteKind::Subscribe, &raw.subscribe),
    ] {
        for rule in rules {
            config.rules.push(user_rule(source, kind, rule)?);
        }
    }
    for (key, contract) in raw.contracts {
        let schema = match &contract.schema {
            Some(path) => Some(load_schema(source, path)?),
            None => None,
        };
        config.contracts.insert(
            key,
            Contract {
                required_fields: contract.required_fields,
                schema,
            },
        );
    }
    for (name, component) in raw.components {
        let line = source.text[..name.span().start].matches('\n').count() as u32 + 1;
        config.components.push(ComponentContract {
            name: name.into_inner(),
            must_subscribe: component.must_subscribe,
            line,
        });
    }
    config.components.sort_by_key(|component| component.line);
    Ok(config)
}

fn user_rule(
    source: &Source,
    kind: SiteKind,
    spanned: &Spanned<RawRule>,
) -> Result<Rule, ConfigError> {
    let raw = spanned.get_ref();
    let table = if kind == SiteKind::Publish {
        "[[publish]]"
    } else {
        "[[subscribe]]"
    };
    let matcher = match (&raw.method, &raw.path) {
        (Some(method), None) => Matcher::Name(method.get_ref().clone()),
        (None, Some(path)) => {
            let segments: Vec<String> = path.get_ref().split("::").map(str::to_owned).collect();
            if segments.iter().any(String::is_empty) {
                return Err(source.error(
                    path.span(),
                    format!("invalid path `{}` in {table}", path.get_ref()),
                    "not a Rust path",
                    Some("write it like `helix_event::dispatch`".to_owned()),
                ));
            }
            Matcher::Path(segments)
        }
        _ => {
            return Err(source.error(
                spanned.span(),
                format!("a {table} rule needs exactly one of `method` or `path`"),
                "this rule",
                Some("add `method = \"fire\"` or `path = \"crate_name::fire\"`".to_owned()),
            ))
        }
    };
    let receiver = match &raw.receiver {
        None => None,
        Some(pattern) => Some(Regex::new(pattern.get_ref()).map_err(|error| {
            source.error(
                pattern.span(),
                format!("invalid receiver regex `{}`", pattern.get_ref()),
                "this regex",
                Some(
                    error
                        .to_string()
                        .lines()
                        .last()
                        .unwrap_or_default()
                        .trim()
                        .to_owned(),
                ),
            )
        })?),
    };
    let forms = match &raw.calls {
        None => Forms::ALL,
        Some(calls) => {
            let mut forms = Forms {
                method: false,
                path: false,
                bare: false,
                r#macro: false,
            };
            for call in calls {
                match call.get_ref().as_str() {
                    "method" => forms.method = true,
                    "path" => forms.path = true,
                    "bare" => forms.bare = true,
                    "macro" => forms.r#macro = true,
                    other => {
                        return Err(source.error(
                            call.span(),
                            format!("unknown call form `{other}`"),
                            "not a call form",
                            Some("use any of: method, path, bare, macro".to_owned()),
                        ))
                    }
                }
            }
            forms
        }
    };
    let event = match &raw.event {
        None => EventArg::Arg(0),
        Some(event) => parse_event_arg(event.get_ref()).ok_or_else(|| {
            source.error(
                event.span(),
                format!("invalid event position `{}`", event.get_ref()),
                "not an event position",
                Some("use `argN` (e.g. `arg0`), `turbofishN` or `type`".to_owned()),
            )
        })?,
    };
    let handler = match &raw.handler {
        None => None,
        Some(handler) => Some(
            handler
                .get_ref()
                .strip_prefix("arg")
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| {
                    source.error(
                        handler.span(),
                        format!("invalid handler position `{}`", handler.get_ref()),
                        "not a handler position",
                        Some("use `argN`, e.g. `arg1`".to_owned()),
                    )
                })?,
        ),
    };
    Ok(Rule {
        kind,
        matcher,
        receiver,
        needs_bus_word: false,
        generic: false,
        client: false,
        forms,
        event,
        handler,
        arity: None,
    })
}

/// Reads a contract's JSON Schema (relative to the config file) and checks that it is one.
fn load_schema(source: &Source, path: &Spanned<String>) -> Result<Schema, ConfigError> {
    let full = source.dir.join(path.get_ref());
    let fail = |message: String, help: &str| {
        source.error(path.span(), message, "this schema", Some(help.to_owned()))
    };
    let text = std::fs::read_to_string(&full).map_err(|error| {
        fail(
            format!("cannot read schema `{}`: {error}", path.get_ref()),
            "schema paths are relative to the config file's directory",
        )
    })?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|error| {
        fail(
            format!("schema `{}` is not JSON: {error}", path.get_ref()),
            "fix the file's JSON syntax",
        )
    })?;
    jsonschema::validator_for(&value).map_err(|error| {
        fail(
            format!(
                "schema `{}` is not a valid JSON Schema: {error}",
                path.get_ref()
            ),
            "check it against the JSON Schema specification",
        )
    })?;
    Ok(Schema {
        path: path.get_ref().clone(),
        value,
    })
}

fn parse_event_arg(text: &str) -> Option<EventArg> {
    if text == "type" {
        return Some(EventArg::TypeOfArg0);
    }
    if let Some(n) = text.strip_prefix("turbofish") {
        return n.parse().ok().map(EventArg::Turbofish);
    }
    text.strip_prefix("arg")?.parse().ok().map(EventArg::Arg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(text: &str) -> (String, Range<usize>) {
        match Config::parse("choreo.toml", text).unwrap_err() {
            ConfigError::Invalid(invalid) => {
                let span = invalid.span;
                (invalid.message, span.offset()..span.offset() + span.len())
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn defaults() {
        let config = Config::parse("choreo.toml", "").unwrap();
        assert_eq!(config.presets, vec![Preset::Generic]);
        assert_eq!(config.topic_syntax, TopicSyntax::Exact);
        assert_eq!(config.fan_out_threshold, 10);
    }

    #[test]
    fn analysis_name_is_read_and_an_empty_one_refused() {
        let config = Config::parse("choreo.toml", "[analysis]\nname = \"orders\"\n").unwrap();
        assert_eq!(config.name.as_deref(), Some("orders"));
        let text = "[analysis]\nname = \" \"\n";
        let (message, span) = error_of(text);
        assert!(message.contains("`[analysis] name` is empty"), "{message}");
        assert_eq!(&text[span], "\" \"");
    }

    #[test]
    fn unknown_key_points_at_it() {
        let text = "[analysis]\nexclud = []\n";
        let (message, span) = error_of(text);
        assert!(message.contains("unknown field `exclud`"), "{message}");
        assert_eq!(&text[span], "exclud");
    }

    #[test]
    fn bad_level_bad_regex_bad_glob() {
        let text = "[lints]\norphaned_event = \"loud\"\n";
        let (message, span) = error_of(text);
        assert!(message.contains("invalid level `loud`"));
        assert_eq!(&text[span], "\"loud\"");

        let text = "[[publish]]\nmethod = \"fire\"\nreceiver = \"(bus\"\n";
        let (message, span) = error_of(text);
        assert!(message.contains("invalid receiver regex"));
        assert_eq!(&text[span], "\"(bus\"");

        let text = "[analysis]\nexclude = [\"a/[\"]\n";
        let (message, span) = error_of(text);
        assert!(message.contains("invalid exclude glob"));
        assert_eq!(&text[span], "\"a/[\"");

        let (message, _) = error_of("[lints]\nno_such_lint = \"warn\"\n");
        assert!(message.contains("unknown lint `no_such_lint`"));
    }

    #[test]
    fn schema_files_are_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("ok.json"),
            r#"{"type": "object", "required": ["id"]}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join("bad.json"), r#"{"type": 12}"#).unwrap();
        std::fs::write(dir.path().join("broken.json"), "{").unwrap();
        let parse = |file: &str| {
            Config::parse_in(
                "choreo.toml",
                &format!("[contracts.\"e\"]\nschema = \"{file}\"\n"),
                dir.path(),
            )
        };
        let config = parse("ok.json").unwrap();
        assert!(config.contracts["e"].schema.is_some());
        for (file, expected) in [
            ("bad.json", "not a valid JSON Schema"),
            ("broken.json", "is not JSON"),
            ("missing.json", "cannot read schema"),
        ] {
            match parse(file).unwrap_err() {
                ConfigError::Invalid(invalid) => {
                    assert!(invalid.message.contains(expected), "{}", invalid.message);
                    assert_eq!(invalid.span.offset(), 25, "points at the schema's path");
                }
                other => panic!("{other}"),
            }
        }
    }

    #[test]
    fn nats_preset_brings_its_syntax_unless_set() {
        let config = Config::parse("c", "[analysis]\npresets = [\"nats\"]\n").unwrap();
        assert_eq!(config.topic_syntax, TopicSyntax::Nats);
        let config = Config::parse(
            "c",
            "[analysis]\npresets = [\"nats\"]\ntopic_syntax = \"glob\"\n",
        )
        .unwrap();
        assert_eq!(config.topic_syntax, TopicSyntax::Glob);
    }

    #[test]
    fn user_rules() {
        let config = Config::parse(
            "c",
            "[[publish]]\nmethod = \"fire\"\nreceiver = \"bus|events\"\ncalls = [\"method\"]\n\
             [[subscribe]]\npath = \"helix_event::register\"\nevent = \"turbofish0\"\nhandler = \"arg1\"\n",
        )
        .unwrap();
        assert_eq!(config.rules.len(), 2);
        assert_eq!(config.rules[1].event, EventArg::Turbofish(0));
        assert_eq!(config.rules[1].handler, Some(1));
    }
}

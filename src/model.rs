//! The facts that cross stage borders: locations, sites and the resolved model of a tree.
//! Syntax trees never leave `extract`; everything here is plain data.

use std::collections::BTreeSet;

use crate::config::TopicSyntax;

/// A place in a source file: `/`-separated path relative to the analyzed root, 1-based
/// line and column. Ordered by file, then line, then column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Whether a site sends or receives an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SiteKind {
    Publish,
    Subscribe,
}

/// A publish or subscribe call whose event key is known.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Site {
    pub location: Location,
    pub kind: SiteKind,
    /// The event key after aliases: a string topic, a type name or a `format!` pattern.
    pub key: String,
    /// The key came from `format!`: placeholders are written as the one-token wildcard.
    pub pattern: bool,
    pub component: String,
    /// The function that holds the site, if any.
    pub function: Option<String>,
    /// For subscribe sites: the handler's name.
    pub handler: Option<String>,
    /// For publish sites: the payload's fields, when they can be known.
    pub payload: Option<Payload>,
    /// In test code (`tests/`, `benches/`, `#[cfg(test)]` items, `#[test]` functions):
    /// `high_fan_out` does not count it (DESIGN.md precise rule 8).
    pub test: bool,
}

/// The JSON type of a payload field's value, as far as a literal shows it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ValueKind {
    String,
    Integer,
    Number,
    Boolean,
    Null,
    Object(Payload),
    Array,
    /// Not a literal: any type.
    Unknown,
}

/// A payload field.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Field {
    pub name: String,
    pub kind: ValueKind,
}

/// A payload's fields, sorted by name.
pub type Payload = Vec<Field>;

/// A publish or subscribe call whose event key could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnresolvedSite {
    pub location: Location,
    pub kind: SiteKind,
    /// The key expression as written, for the message.
    pub expr: String,
}

/// A handler reaching a publish: the subscribe site's handler, directly or through the
/// calls in `via`, runs the publish site. Indices into `Model::sites`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Flow {
    pub subscribe: usize,
    pub publish: usize,
    /// The functions called on the way, outermost first (`Detector::recheck`).
    pub via: Vec<String>,
}

/// A component using another one directly: a call of its methods or a field of its type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Coupling {
    pub user: String,
    pub used: String,
    pub location: Location,
}

/// A file that could not be read or parsed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ParseFailure {
    pub location: Location,
    pub message: String,
}

/// A `// choreo: allow(LINT) -- reason` comment.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Suppression {
    pub location: Location,
    pub lints: Vec<String>,
}

/// Settings the lints need from the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub topic_syntax: TopicSyntax,
    /// `[contracts."KEY"]`.
    pub contracts: std::collections::BTreeMap<String, crate::config::Contract>,
    pub components: Vec<crate::config::ComponentContract>,
    /// The config file as findings name it.
    pub config_file: Option<String>,
    pub fan_out_threshold: usize,
    pub external_subscribers: Vec<String>,
    pub external_publishers: Vec<String>,
    /// Key prefixes of the framework's own events, from the presets (`tauri://` under
    /// `tauri`: `tauri://focus`, `tauri://close-requested`, ..): made by the runtime, so
    /// `external` without any config.
    pub framework_prefixes: Vec<&'static str>,
}

/// Everything known about a tree after resolution; what the graph and the lints read.
#[derive(Debug, Clone)]
pub struct Model {
    /// Sorted by location.
    pub sites: Vec<Site>,
    pub unresolved: Vec<UnresolvedSite>,
    /// What each handler publishes, sorted.
    pub flows: Vec<Flow>,
    /// Subscribe sites (indices into `sites`) whose handler could not be found.
    pub unresolved_handlers: Vec<usize>,
    /// Places where one component uses another directly, sorted.
    pub couplings: Vec<Coupling>,
    pub parse_failures: Vec<ParseFailure>,
    pub suppressions: Vec<Suppression>,
    /// Type keys whose type the tree does not define (`AppExit`, `Pointer<Click>`): made
    /// or heard outside the tree, so `external` (DESIGN.md precise rule 9).
    pub external_types: BTreeSet<String>,
    pub files_scanned: usize,
    pub files_parsed: usize,
    /// Files of a crate that no `mod` reaches: never compiled, so never analyzed.
    pub files_unreachable: usize,
    /// Tauri commands: defined, registered and invoked.
    pub commands: crate::commands::Commands,
    pub settings: Settings,
    /// What was analyzed, for merged views: `[analysis] name`, else the package name of
    /// the root's `Cargo.toml`, else `None`. Never the directory's name.
    pub project: Option<String>,
}

impl Model {
    /// Every distinct event key, sorted.
    pub fn keys(&self) -> BTreeSet<&str> {
        self.sites.iter().map(|site| site.key.as_str()).collect()
    }

    /// Sites of one key and kind, sorted by location.
    pub fn sites_of<'a>(&'a self, key: &'a str, kind: SiteKind) -> impl Iterator<Item = &'a Site> {
        self.sites
            .iter()
            .filter(move |site| site.kind == kind && site.key == key)
    }
}

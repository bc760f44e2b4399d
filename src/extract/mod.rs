//! From one source file to its `FileFacts`: the publish and subscribe sites the rules
//! select, the consts, statics and type aliases that may name event keys, the `use`
//! imports that resolve paths, and `// choreo: allow(..)` comments. Extraction resolves
//! nothing across files; it records expressions (`KeyExpr`) for `resolve` to finish.

mod keys;
mod payload;
mod plugin_build;
pub(crate) mod source;
mod specta;
mod strum;
mod visitor;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use keys::{KeyExpr, WRAPPER_FIELDS, WRAPPER_TYPES};
pub use visitor::absolutize;

use crate::discover::SourceFile;
use crate::model::{Location, ParseFailure, SiteKind, Suppression};
use crate::rules::RuleSet;

/// Where a path inside a file is resolved: a module (index into `FileFacts::modules`) and
/// the `impl` block's self type, for `Self::X`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub module: usize,
    /// Shared by every scope inside the `impl` block: each call has a scope.
    pub self_type: Option<Arc<str>>,
}

/// A module of the file (the file's own, or an inline `mod x { .. }` in it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleFacts {
    /// Absolute: the crate name, then the module names.
    pub path: Vec<String>,
    /// `use` imports: the name they bind, mapped to the path they import.
    pub uses: BTreeMap<String, Vec<String>>,
    /// `use a::b::*` imports.
    pub globs: Vec<Vec<String>>,
}

/// A `const` or `static` (free or associated) whose value may be an event key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstFact {
    /// Absolute path: crate, modules, [self type,] name.
    pub path: Vec<String>,
    pub value: KeyExpr,
}

/// `type Hit = Collision;`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasFact {
    pub path: Vec<String>,
    /// The target's type key spelling (`Collision`).
    pub target: String,
}

/// Who holds a site.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Holder {
    /// The self type of the enclosing `impl` block.
    Type(String),
    /// The module path (inside the crate) when no `impl` block encloses the site.
    Module(Vec<String>),
}

/// A body that code runs in: a function (index into `FileFacts::functions`) or a closure
/// given to a subscribe call as its handler (index into `FileFacts::handler_closures`).
/// Other closures and async blocks belong to the body around them, so a publish inside a
/// `tokio::spawn` in a handler counts as the handler's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Body {
    Fn(usize),
    Closure(usize),
}

/// What runs when a subscription fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandlerRef {
    /// A closure passed to the subscribe call.
    Closure(usize),
    /// A path to a function or method (`on_edge`, `Self::on_edge`, `handlers::on_edge`).
    Path { segments: Vec<String>, scope: Scope },
    /// A whole function (bevy systems and observers).
    Fn(usize),
    /// Stream-style: the rest of `body` from `from` on.
    Stream { body: Option<Body>, from: Location },
    /// A bound stream-style subscription (`let sub = client.subscribe(..)`): the
    /// statements of `body` that use the binding, each a range of the file.
    Bound {
        body: Option<Body>,
        ranges: Vec<Range>,
    },
    /// Something that is neither (a variable holding a closure, a struct).
    Opaque,
}

/// A stretch of a file, from `start` to `end` (line, column), inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Range {
    pub start: (u32, u32),
    pub end: (u32, u32),
}

impl Range {
    /// Whether a place of the same file lies inside.
    pub fn contains(&self, location: &Location) -> bool {
        self.contains_at(location.line, location.column)
    }

    /// [`Range::contains`] for a line and column.
    pub fn contains_at(&self, line: u32, column: u32) -> bool {
        self.start <= (line, column) && (line, column) <= self.end
    }
}

/// A site before its key is resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSite {
    pub location: Location,
    pub kind: SiteKind,
    pub key: KeyExpr,
    /// The key expression's text, for messages about keys that cannot be resolved.
    pub key_text: String,
    pub holder: Holder,
    pub function: Option<String>,
    /// The body the site is in.
    pub body: Option<Body>,
    /// For subscribe sites: the handler's display name and what it refers to.
    pub handler: Option<String>,
    pub handler_ref: Option<HandlerRef>,
    /// For publish sites: the payload's fields, when they can be known.
    pub payload: Option<crate::model::Payload>,
    /// Only a generic preset name shared with other APIs made the call a site
    /// (`RuleSet::name_only`): without a key that resolves, it is no site at all.
    pub name_only: bool,
    /// For a method call whose key is an argument: the method's name, the argument's
    /// index, and the indices of the arguments written `Some(..)` or `None`, to tell a call
    /// of the tree's own same-named method from the client's (`resolve`).
    pub method_key: Option<(String, usize, Vec<usize>)>,
    /// For a path or bare call (`Flow::publish(result)`) or a method call on `self`: the
    /// path called (`Self::publish`), as a key call, to tell a call of the tree's own
    /// function from the client API's (`resolve`).
    pub own_path: Option<KeyExpr>,
}

/// A function or method definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FnFact {
    pub name: String,
    /// The `impl` block's self type, for methods.
    pub owner: Option<String>,
    /// Absolute module path.
    pub module: Vec<String>,
    /// Parameter names in order, `self` excluded (`_` for patterns that bind no one name).
    pub params: Vec<String>,
    /// The type names each parameter's type mentions, trait objects left out.
    pub param_types: Vec<Vec<String>>,
    /// The key the body's value would be (`fn topic() -> &str { "a/b" }`), if it is one
    /// (DESIGN.md key form 7).
    pub returns: Option<Box<KeyExpr>>,
}

/// An enum some of whose variants wrap a type named like the variant
/// (`enum Event { Saved(Saved) }`): such a variant is keyed by that type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumFact {
    pub name: String,
    /// The variants `V(V)`, sorted.
    pub wrapped: Vec<String>,
    /// With strum's string derives (`AsRefStr`, `IntoStaticStr`, `strum::Display`): each
    /// variant's string, sorted by variant.
    pub strings: Vec<(String, String)>,
}

/// A `#[derive(SystemParam)]` struct: its `EventReader<T>`/`EventWriter<T>` fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemParamFact {
    pub name: String,
    pub fields: Vec<ParamField>,
}

/// One reader or writer field of a `SystemParam` struct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamField {
    pub name: String,
    /// A reader (subscribes) or a writer (publishes).
    pub kind: SiteKind,
    pub key: KeyExpr,
    pub key_text: String,
}

/// A method call on a field (`params.writer.send(x)`) that is a site if the value's type
/// (one of `types`) is a `SystemParam` struct with that field: `site` has its place,
/// holder and handler; its kind and key come from the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldUse {
    pub types: Vec<String>,
    pub field: String,
    /// What the call does: publish (`send`, `write`, ..) or subscribe (`read`, ..).
    pub kind: SiteKind,
    pub site: RawSite,
}

/// A struct definition: what its fields' types mention, for `direct_coupling`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructFact {
    pub name: String,
    pub fields: Vec<FieldFact>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldFact {
    pub name: String,
    /// Every type name the field's type mentions (`Arc<Router>` → `Arc`, `Router`), trait
    /// objects and `impl Trait` left out.
    pub types: Vec<String>,
    pub location: Location,
}

/// What a method call is called on, as far as `direct_coupling` cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Receiver {
    /// `self.field.method(..)`
    SelfField(String),
    /// `name.method(..)` on a local or parameter.
    Local(String),
    Other,
}

/// Who a call calls, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callee {
    /// `x.name(..)`.
    Method { name: String, receiver: Receiver },
    /// `a::b::name(..)`, `Self::name(..)`, `name(..)`.
    Path(Vec<String>),
}

impl Callee {
    /// The called function's own name: `name` in `x.name(..)` and `a::name(..)`.
    pub fn name(&self) -> &str {
        match self {
            Callee::Method { name, .. } => name,
            Callee::Path(segments) => segments.last().map_or("", String::as_str),
        }
    }
}

/// A call inside a body, kept for the call graph and interprocedural keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallFact {
    pub body: Option<Body>,
    /// Where the call is in its file (`FileFacts::file`; see [`CallFact::location`]): a
    /// large tree has hundreds of thousands of calls, too many for a copy of the file's
    /// name each.
    pub line: u32,
    pub column: u32,
    pub callee: Callee,
    pub scope: Scope,
    /// The key each argument would be, if it is one; trailing arguments that are no key
    /// (`KeyExpr::Unknown`) are left out.
    pub args: Vec<KeyExpr>,
    /// The type keys of a turbofish on the callee (`relay::<Ping>`), also for a function
    /// used as a value (`add_systems(Update, relay::<Ping>)`), for type-parameter keys.
    pub type_args: Vec<KeyExpr>,
    /// Shared by the calls of one body (and of one holder), as is `function`.
    pub holder: Arc<Holder>,
    pub function: Option<Arc<str>>,
}

impl CallFact {
    /// Where the call is, given its file's name.
    pub fn location(&self, file: &str) -> Location {
        Location {
            file: file.to_owned(),
            line: self.line,
            column: self.column,
        }
    }
}

/// A `#[tauri::command]` function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandDef {
    /// The name the front end invokes: the function's, or the attribute's `rename`.
    pub name: String,
    /// The function's name, as `generate_handler!` lists it.
    pub function: String,
    /// The function's name in its signature.
    pub location: Location,
}

/// One entry of a `generate_handler![..]` list (`commands::save` registers `save`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub function: String,
    /// The local plugin whose builder registers it (`Builder::new("app-menu")`): the front
    /// end invokes it as `plugin:app-menu|NAME`.
    pub plugin: Option<String>,
    pub location: Location,
}

/// A front end's `invoke(NAME, ..)` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoke {
    /// The command's name, when it can be known statically.
    pub name: Option<String>,
    /// The name as written, for messages.
    pub expr: String,
    pub location: Location,
}

/// Everything extraction learned from one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileFacts {
    pub file: String,
    pub crate_name: String,
    pub modules: Vec<ModuleFacts>,
    pub consts: Vec<ConstFact>,
    pub aliases: Vec<AliasFact>,
    pub sites: Vec<RawSite>,
    pub functions: Vec<FnFact>,
    pub structs: Vec<StructFact>,
    pub enums: Vec<EnumFact>,
    /// tauri-specta's typed events the file defines: (type, event name).
    pub typed_events: Vec<(String, String)>,
    /// Typed events a plugin's tauri-specta builder collects (`.plugin_name(NAME)
    /// .events(collect_events![A])`): (type, plugin). Their names are `plugin:NAME:a`.
    pub typed_event_plugins: Vec<(String, String)>,
    /// The names of every `struct`, `enum`, `union` and `type` the file defines: a type key
    /// naming none of the tree's is external (DESIGN.md precise rule 9).
    pub types: Vec<String>,
    /// Bevy `#[derive(SystemParam)]` structs with reader or writer fields.
    pub system_params: Vec<SystemParamFact>,
    /// Bevy: `x.field.send(..)`/`x.field.read()` calls that are sites if `x`'s type is a
    /// `SystemParam` struct with such a field (DESIGN.md precise rule 12).
    pub field_uses: Vec<FieldUse>,
    /// Where each handler closure starts.
    pub handler_closures: Vec<Location>,
    pub calls: Vec<CallFact>,
    /// Tauri: `#[tauri::command]` functions.
    pub commands: Vec<CommandDef>,
    /// Tauri: the entries of `generate_handler![..]` (and tauri-specta's
    /// `collect_commands![..]`) lists.
    pub registrations: Vec<Registration>,
    /// Tauri front ends: `invoke(NAME, ..)` calls.
    pub invokes: Vec<Invoke>,
    /// Tauri: the commands a plugin's `build.rs` declares (`tauri_plugin::Builder::new(..)`),
    /// sorted.
    pub plugin_commands: Vec<String>,
    pub suppressions: Vec<Suppression>,
    /// Test code: `#[cfg(test)]` items and `#[test]` functions (DESIGN.md precise rule 8).
    pub test_ranges: Vec<Range>,
    /// The whole file is test code (`tests/`, `benches/`, a `#[cfg(test)] mod x;`).
    pub test: bool,
    /// The prefilters showed the file cannot matter, so it was not parsed.
    pub skipped: bool,
    /// No `mod` of its crate reaches it: never compiled, not parsed (`skipped` is set too).
    pub unreachable: bool,
    /// Set when the file could not be read or parsed; its other facts are then empty
    /// except for suppressions.
    pub failure: Option<ParseFailure>,
}

/// Files larger than this are not parsed: a syntax tree takes about a hundred times the
/// source's size in memory, and real source files stay far below (generated tables are
/// the exception, and hold no event code).
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;

/// Brackets nested deeper than this make a file a `parse_error` rather than risk the
/// parser's unbounded recursion. Real code stays far below it.
pub const MAX_NESTING: usize = 256;

/// Reads, parses and extracts one file. Never panics on bad input: unreadable,
/// non-UTF-8, too deeply nested or unparsable files come back with `failure` set.
pub fn extract(file: &SourceFile, rules: &RuleSet) -> FileFacts {
    match source::read(&file.path) {
        Ok(text) => extract_text(file, &text, rules),
        Err(failure) => FileFacts {
            file: file.rel.clone(),
            crate_name: file.crate_name.clone(),
            failure: Some(failure.at(&file.rel)),
            ..FileFacts::default()
        },
    }
}

/// [`extract`] on text already read (`file.path` is not touched).
pub fn extract_text(file: &SourceFile, text: &str, rules: &RuleSet) -> FileFacts {
    let mut facts = FileFacts {
        file: file.rel.clone(),
        crate_name: file.crate_name.clone(),
        ..FileFacts::default()
    };
    facts.suppressions = source::suppressions(text, &file.rel);
    if text.len() > MAX_FILE_BYTES {
        facts.failure = Some(ParseFailure {
            location: Location {
                file: file.rel.clone(),
                line: 1,
                column: 1,
            },
            message: format!(
                "file too large to parse: {:.1} MiB (the limit is {} MiB); exclude it if it is generated",
                text.len() as f64 / (1024.0 * 1024.0),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        });
        return facts;
    }
    if let Some(failure) = source::too_deep(text, MAX_NESTING) {
        facts.failure = Some(failure.at(&file.rel));
        return facts;
    }
    let parsed = syn::parse_file(&source::blank_frontmatter(text));
    match parsed {
        Ok(syntax) => {
            visitor::visit_file(&syntax, file, rules, &mut facts);
            if rules.tauri && file.rel.rsplit('/').next() == Some("build.rs") {
                facts.plugin_commands = plugin_build::declared_commands(&syntax);
            }
            drop(syntax);
        }
        Err(error) => {
            let start = error.span().start();
            facts.failure = Some(ParseFailure {
                location: Location {
                    file: file.rel.clone(),
                    line: start.line.max(1) as u32,
                    column: start.column as u32 + 1,
                },
                message: format!("could not parse: {error}"),
            });
        }
    }
    // With span-locations on, proc-macro2 keeps every parsed file's text for the thread's
    // lifetime; drop it now that no span of this file is alive.
    proc_macro2::extra::invalidate_current_thread_spans();
    facts.shrink_to_fit();
    facts
}

impl FileFacts {
    /// Gives back the room the fact lists grew into while the file was visited: the facts
    /// of every parsed file are kept until the end of the analysis.
    fn shrink_to_fit(&mut self) {
        self.modules.shrink_to_fit();
        self.consts.shrink_to_fit();
        self.aliases.shrink_to_fit();
        self.sites.shrink_to_fit();
        self.functions.shrink_to_fit();
        self.structs.shrink_to_fit();
        self.enums.shrink_to_fit();
        self.types.shrink_to_fit();
        self.system_params.shrink_to_fit();
        self.field_uses.shrink_to_fit();
        self.handler_closures.shrink_to_fit();
        self.calls.shrink_to_fit();
        self.suppressions.shrink_to_fit();
        self.test_ranges.shrink_to_fit();
    }
}

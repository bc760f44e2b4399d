//! From every file's facts to the `Model`: const and static paths followed across modules,
//! `use` imports (also re-exports) and crates to their string keys, type aliases read as
//! their targets, `[events] aliases` applied, and components named.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::config::Config;
use crate::discover::Discovery;
use crate::extract::{FileFacts, Holder, KeyExpr, Scope};
use crate::model::{Location, Model, ParseFailure, Settings, Site, UnresolvedSite};
use crate::topic;

/// How deep const-to-const and re-export chains are followed; cycles stop here.
const MAX_DEPTH: usize = 32;

/// A key after resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Resolved {
    Str(String),
    Type(String),
    Pattern(Vec<String>),
    Unknown,
}

struct Resolver<'a> {
    files: &'a [FileFacts],
    /// Absolute const path → (file, value).
    consts: HashMap<&'a [String], (usize, &'a KeyExpr)>,
    /// Absolute module path → (file, module index) of every place that defines it.
    modules: HashMap<&'a [String], Vec<(usize, usize)>>,
    /// Type alias name → targets.
    aliases: HashMap<&'a str, BTreeSet<&'a str>>,
}

impl<'a> Resolver<'a> {
    fn new(files: &'a [FileFacts]) -> Self {
        let mut consts = HashMap::new();
        let mut modules: HashMap<&[String], Vec<(usize, usize)>> = HashMap::new();
        let mut aliases: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        for (index, file) in files.iter().enumerate() {
            for fact in &file.consts {
                consts
                    .entry(fact.path.as_slice())
                    .or_insert((index, &fact.value));
            }
            for (module_index, module) in file.modules.iter().enumerate() {
                modules
                    .entry(module.path.as_slice())
                    .or_default()
                    .push((index, module_index));
            }
            for alias in &file.aliases {
                if let Some(name) = alias.path.last() {
                    aliases
                        .entry(name.as_str())
                        .or_default()
                        .insert(&alias.target);
                }
            }
        }
        Resolver {
            files,
            consts,
            modules,
            aliases,
        }
    }

    fn resolve(&self, file: usize, key: &KeyExpr, depth: usize) -> Resolved {
        if depth > MAX_DEPTH {
            return Resolved::Unknown;
        }
        match key {
            KeyExpr::Str(s) => Resolved::Str(s.clone()),
            KeyExpr::Format(pieces) => Resolved::Pattern(pieces.clone()),
            KeyExpr::Unknown => Resolved::Unknown,
            KeyExpr::Type { name, variant, .. } => {
                let name = self.alias_target(name);
                Resolved::Type(match variant {
                    Some(variant) => format!("{name}::{variant}"),
                    None => name,
                })
            }
            KeyExpr::Wrapper { inner, ty } => match self.resolve(file, inner, depth + 1) {
                found @ (Resolved::Str(_) | Resolved::Pattern(_)) => found,
                _ => self.resolve(file, ty, depth + 1),
            },
            KeyExpr::Const { segments, scope } => {
                for candidate in self.candidates(file, scope, segments) {
                    if let Some((at, value)) = self.lookup(&candidate, depth) {
                        return self.resolve(at, value, depth + 1);
                    }
                }
                Resolved::Unknown
            }
        }
    }

    /// A type alias's final target, when the name has exactly one.
    fn alias_target(&self, name: &str) -> String {
        let mut current = name;
        for _ in 0..MAX_DEPTH {
            match self.aliases.get(current) {
                Some(targets) if targets.len() == 1 => {
                    let next = targets.iter().next().copied().unwrap_or(current);
                    if next == current {
                        break;
                    }
                    current = next;
                }
                _ => break,
            }
        }
        current.to_owned()
    }

    /// The absolute paths a path written in `scope` may stand for, most likely first.
    fn candidates(&self, file: usize, scope: &Scope, segments: &[String]) -> Vec<Vec<String>> {
        let facts = &self.files[file];
        let Some(module) = facts.modules.get(scope.module) else {
            return Vec::new();
        };
        let Some(first) = segments.first() else {
            return Vec::new();
        };
        let join =
            |a: &[String], b: &[String]| -> Vec<String> { a.iter().chain(b).cloned().collect() };
        match first.as_str() {
            "crate" | "self" | "super" => {
                vec![crate::extract::absolutize(
                    segments.to_vec(),
                    &module.path,
                    &facts.crate_name,
                )]
            }
            "Self" => match &scope.self_type {
                Some(ty) => {
                    let mut path = module.path.clone();
                    path.push(ty.clone());
                    vec![join(&path, &segments[1..])]
                }
                None => Vec::new(),
            },
            _ => {
                let mut out = Vec::new();
                if let Some(target) = module.uses.get(first) {
                    let imported = join(target, &segments[1..]);
                    out.push(join(&module.path, &imported));
                    out.push(imported);
                } else {
                    out.push(join(&module.path, segments));
                    out.push(segments.to_vec());
                    for glob in &module.globs {
                        out.push(join(glob, segments));
                        out.push(join(&join(&module.path, glob), segments));
                    }
                }
                out
            }
        }
    }

    /// The const at an absolute path, following `use` re-exports.
    fn lookup(&self, path: &[String], depth: usize) -> Option<(usize, &'a KeyExpr)> {
        if depth > MAX_DEPTH {
            return None;
        }
        if let Some(&found) = self.consts.get(path) {
            return Some(found);
        }
        let (name, module_path) = path.split_last()?;
        for &(file, module_index) in self.modules.get(module_path)? {
            let module = &self.files[file].modules[module_index];
            let reexported = module.uses.contains_key(name);
            let globbed = !module.globs.is_empty();
            if !reexported && !globbed {
                continue;
            }
            let scope = Scope {
                module: module_index,
                self_type: None,
            };
            for candidate in self.candidates(file, &scope, std::slice::from_ref(name)) {
                if candidate.as_slice() != path {
                    if let Some(found) = self.lookup(&candidate, depth + 1) {
                        return Some(found);
                    }
                }
            }
        }
        None
    }
}

/// Resolves every file's facts into the model the graph and lints read.
pub fn resolve(files: &[FileFacts], discovery: &Discovery, config: &Config) -> Model {
    let resolver = Resolver::new(files);
    let placeholder = topic::placeholder(config.topic_syntax);
    let names = ComponentNames::new(files, discovery.crates > 1);

    let mut sites = Vec::new();
    let mut unresolved = Vec::new();
    for (index, file) in files.iter().enumerate() {
        for raw in &file.sites {
            let (key, pattern) = match resolver.resolve(index, &raw.key, 0) {
                Resolved::Str(key) | Resolved::Type(key) => (key, false),
                Resolved::Pattern(pieces) => (pieces.join(placeholder), true),
                Resolved::Unknown => {
                    unresolved.push(UnresolvedSite {
                        location: raw.location.clone(),
                        kind: raw.kind,
                        expr: raw.key_text.clone(),
                    });
                    continue;
                }
            };
            let key = config.aliases.get(&key).cloned().unwrap_or(key);
            sites.push(Site {
                location: raw.location.clone(),
                kind: raw.kind,
                key,
                pattern,
                component: names.name(&file.crate_name, &raw.holder),
                function: raw.function.clone(),
                handler: raw.handler.clone(),
                payload_keys: raw.payload_keys.clone(),
            });
        }
    }
    sites.sort();
    unresolved.sort();

    let mut parse_failures: Vec<ParseFailure> =
        files.iter().filter_map(|f| f.failure.clone()).collect();
    parse_failures.extend(discovery.errors.iter().map(|error| ParseFailure {
        location: Location {
            file: error.rel.clone(),
            line: 1,
            column: 1,
        },
        message: error.message.clone(),
    }));
    parse_failures.sort();
    let mut suppressions: Vec<_> = files
        .iter()
        .flat_map(|f| f.suppressions.iter().cloned())
        .collect();
    suppressions.sort();

    Model {
        sites,
        unresolved,
        files_scanned: files.len(),
        files_parsed: files.iter().filter(|f| f.failure.is_none()).count(),
        parse_failures,
        suppressions,
        settings: Settings {
            topic_syntax: config.topic_syntax,
            fan_out_threshold: config.fan_out_threshold,
            external_subscribers: config.external_subscribers.clone(),
            external_publishers: config.external_publishers.clone(),
        },
    }
}

/// Component naming (DESIGN.md precise rules 4 and 15).
struct ComponentNames {
    workspace: bool,
    /// Type names held by sites in more than one crate.
    ambiguous: BTreeSet<String>,
}

impl ComponentNames {
    fn new(files: &[FileFacts], workspace: bool) -> Self {
        let mut crates_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for file in files {
            for site in &file.sites {
                if let Holder::Type(name) = &site.holder {
                    crates_of.entry(name).or_default().insert(&file.crate_name);
                }
            }
        }
        ComponentNames {
            workspace,
            ambiguous: crates_of
                .into_iter()
                .filter(|(_, crates)| crates.len() > 1)
                .map(|(name, _)| name.to_owned())
                .collect(),
        }
    }

    fn name(&self, crate_name: &str, holder: &Holder) -> String {
        match holder {
            Holder::Type(name) if self.ambiguous.contains(name) => format!("{crate_name}::{name}"),
            Holder::Type(name) => name.clone(),
            Holder::Module(path) => {
                let root = if self.workspace { crate_name } else { "crate" };
                std::iter::once(root)
                    .chain(path.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join("::")
            }
        }
    }
}

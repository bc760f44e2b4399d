//! Tauri front ends (DESIGN.md "Tauri front ends"): with the `tauri` preset, the
//! TypeScript/JavaScript files under PATH (and the `<script>` blocks of `.vue` and `.svelte`
//! files) are parsed with oxc, and their `listen`/`once`/`emit`/`emitTo` calls from
//! `@tauri-apps/api/event` (or on a window or webview object) become sites that join the
//! Rust ones in one graph. Keys are resolved here, in the front end's own terms (string and
//! template literals, `const` strings and string `enum` members of the module or imported
//! from a relative module or through a tsconfig `paths` alias); what reaches `resolve` is a plain string key or nothing (a
//! `dynamic_event_key`). A listener's inline handler (arrow function or function
//! expression) becomes a `FnFact` body of its own, holding the emits written inside it, so
//! loops cross the border; named handlers and the calls a handler makes are not followed.
//! A function whose parameter is the key (`useTauriListen(event, handler)` forwarding to
//! `listen`) is a wrapper: each of its calls with a resolvable key is a site at the call
//! (precise rule 6); files that only call a wrapper are parsed too (a second prefilter on
//! the wrappers' names).

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::extract::{Body, FileFacts, FnFact, HandlerRef, Holder, Invoke, KeyExpr, RawSite};
use crate::model::{Location, ParseFailure, SiteKind};

mod imports;
mod parse;

use imports::{Aliases, Resolver};
use parse::{line_column, parse_module, KeyRef, Module, RawFrontSite};

/// File extensions of a front end.
pub const EXTENSIONS: &[&str] = &["ts", "tsx", "js", "jsx", "mjs", "cjs", "vue", "svelte"];

/// Directories a front end's build and dependencies live in: never source.
const SKIPPED_DIRS: &[&str] = &["node_modules", "dist", "build", "target"];

/// Front-end files larger than this are not parsed: real modules stay far below, and a
/// minified bundle that slipped past the ignore rules would cost time and memory for no
/// site of its own. Such a file is a `parse_error` finding that says so.
pub const MAX_BYTES: usize = 1024 * 1024;

/// What a file must mention to hold a site (the byte prefilter): the API's modules, or
/// the global `window.__TAURI__` of apps built with `withGlobalTauri`.
fn may_hold_site(text: &str) -> bool {
    text.contains("@tauri-apps/api") || text.contains("__TAURI__")
}

/// A front end's files, found by the Rust walk ([`crate::discover::discover_all`]):
/// sources, `(path, relative path, text)` (`None`: not UTF-8 or unreadable), and the
/// `tsconfig*.json`/`jsconfig.json` files that give import aliases, `(path, relative
/// path)`; sorted by relative path. A source is read where the walk finds it, so the
/// reading of a large front end overlaps the walk of the rest of the tree.
#[derive(Debug, Default)]
pub struct Files {
    pub sources: Vec<(PathBuf, String, Option<String>)>,
    pub configs: Vec<(PathBuf, String)>,
}

impl Files {
    /// Keeps a walked file that is a front-end source or config outside the directories a
    /// build and its dependencies live in (the walk itself skips only `target`).
    pub(crate) fn add(&mut self, path: PathBuf, rel: String) {
        let (dirs, name) = rel.rsplit_once('/').unwrap_or(("", &rel));
        if dirs.split('/').any(|dir| SKIPPED_DIRS.contains(&dir)) {
            return;
        }
        if is_ts_config(name) {
            self.configs.push((path, rel));
        } else if is_front_end(name) {
            let text = crate::with_file_bytes(&path, |bytes| {
                std::str::from_utf8(bytes.ok()?).ok().map(str::to_owned)
            });
            self.sources.push((path, rel, text));
        }
    }
}

/// Whether a file name is a TypeScript or JavaScript project config (import aliases).
fn is_ts_config(name: &str) -> bool {
    name == "jsconfig.json"
        || name == "package.json"
        || (name.starts_with("tsconfig") && name.ends_with(".json"))
}

/// Parses the front end's files and returns their facts: files that may hold a site (the
/// prefilter), the files that call their wrappers, and the relative modules their keys are
/// imported from. The others are `skipped`.
pub fn analyze(files: Files) -> Vec<FileFacts> {
    let aliases = Aliases::read(&files.configs);
    let (rels, texts): (Vec<String>, Vec<Option<String>>) = files
        .sources
        .into_iter()
        .map(|(_, rel, text)| (rel, text))
        .unzip();
    facts_of(&rels, &texts, &aliases, true)
}

/// Whether a relative path names a front-end file.
pub fn is_front_end(rel: &str) -> bool {
    rel.rsplit_once('.')
        .is_some_and(|(_, ext)| EXTENSIONS.contains(&ext))
}

/// [`analyze`] on in-memory files (`(relative path, text)`), without import aliases and
/// without the prefilter (every file is parsed, as `crate::analyze_sources` parses every
/// Rust file): the entry point for fuzzing and embedding.
pub fn analyze_texts(sources: &[(String, String)]) -> Vec<FileFacts> {
    let rels: Vec<String> = sources.iter().map(|(rel, _)| rel.clone()).collect();
    let texts: Vec<Option<String>> = sources.iter().map(|(_, text)| Some(text.clone())).collect();
    facts_of(&rels, &texts, &Aliases::default(), false)
}

/// The facts of the front-end files `rels` with their texts (`None`: unreadable).
fn facts_of(
    rels: &[String],
    texts: &[Option<String>],
    aliases: &Aliases,
    prefilter: bool,
) -> Vec<FileFacts> {
    use rayon::prelude::*;
    let known = Resolver::new(rels, aliases);
    let mut modules: Vec<Option<Module>> = rels
        .par_iter()
        .zip(texts)
        .map(|(rel, text)| {
            let text = text.as_deref()?;
            ((!prefilter || may_hold_site(text)) && text.len() <= MAX_BYTES)
                .then(|| parse_module(rel, text))
        })
        .collect();
    if prefilter {
        parse_wrapper_callers(rels, texts, &mut modules);
        parse_typed_event_callees(rels, texts, &mut modules, &known);
    }
    let called = wrapper_calls(rels, &modules, &known);
    // The relative modules that keys are imported from, parsed on demand.
    let mut wanted: Vec<usize> = Vec::new();
    for (index, module) in modules.iter().enumerate() {
        let Some(module) = module else { continue };
        let keys = module
            .sites
            .iter()
            .chain(&module.typed_sites)
            .map(|site| &site.key);
        let calls = called[index].iter().map(|call| &call.site.key);
        for key in keys
            .chain(calls)
            .chain(module.invokes.iter().map(|(key, _, _)| key))
        {
            for name in key.names() {
                if module.consts.contains_key(name) || module.enums.contains_key(name) {
                    continue;
                }
                if let Some((source, _)) = module.imports.get(name) {
                    wanted.extend(known.resolve(&rels[index], source));
                }
            }
        }
    }
    // A module re-exporting others (a package's `index.ts`: `export * from
    // "./bindings.gen"`) brings them in too, a few levels deep.
    for _ in 0..MAX_REEXPORTS {
        wanted.sort_unstable();
        wanted.dedup();
        let mut next: Vec<usize> = Vec::new();
        for &index in &wanted {
            if modules[index].is_none() {
                if let Some(text) = texts[index].as_deref().filter(|t| t.len() <= MAX_BYTES) {
                    let module = parse_module(&rels[index], text);
                    next.extend(
                        module
                            .star_exports
                            .iter()
                            .filter_map(|source| known.resolve(&rels[index], source)),
                    );
                    modules[index] = Some(module);
                }
            }
        }
        next.retain(|&index| modules[index].is_none());
        if next.is_empty() {
            break;
        }
        wanted = next;
    }

    let lookup = |index: usize, key: &KeyRef| -> Option<String> {
        let (name, member) = match key {
            KeyRef::Str(s) => return Some(s.clone()),
            KeyRef::Ident(name) => (name, None),
            KeyRef::Member(object, member) => (object, Some(member)),
            KeyRef::Template(..) | KeyRef::Unknown => return None,
        };
        // The module's own, else an import's (through re-exports).
        let (target, name) = definition(rels, &modules, &known, index, name, 0)?;
        let module = modules[target].as_ref()?;
        match member {
            None => module.consts.get(&name).cloned(),
            Some(member) => module.enums.get(&name)?.get(member).cloned(),
        }
    };

    // A site's key: a template literal is a pattern, its substitutions inlined where they
    // are strings (`format!`'s key form 6), the others placeholders.
    let site_key = |index: usize, key: &KeyRef| -> KeyExpr {
        match key {
            KeyRef::Template(pieces, substitutions) => KeyExpr::Format {
                pieces: pieces.clone(),
                args: substitutions
                    .iter()
                    .map(|s| lookup(index, s).map_or(KeyExpr::Unknown, KeyExpr::Str))
                    .collect(),
            },
            key => lookup(index, key).map_or(KeyExpr::Unknown, KeyExpr::Str),
        }
    };

    // A typed event's call is a site when its object is tauri-specta's typed events, of the
    // module or imported; another object's `x.y.emit(..)` is no site.
    let typed_site_key = |index: usize, key: &KeyRef| -> Option<String> {
        let KeyRef::Member(object, _) = key else {
            return None;
        };
        is_typed_events(rels, &modules, &known, index, object)
            .then(|| lookup(index, key))
            .flatten()
    };

    // A wrapper's own site is its callers' when one of them resolves (precise rule 6).
    let called: Vec<Vec<(CalledSite, String)>> = called
        .into_iter()
        .enumerate()
        .map(|(index, calls)| {
            calls
                .into_iter()
                .filter_map(|call| {
                    let key = if call.typed {
                        typed_site_key(index, &call.site.key)
                    } else {
                        lookup(index, &call.site.key)
                    };
                    key.map(|key| (call, key))
                })
                .collect()
        })
        .collect();
    let resolved: BTreeSet<&(usize, String)> =
        called.iter().flatten().map(|(call, _)| &call.of).collect();

    rels.iter()
        .enumerate()
        .map(|(index, rel)| {
            let mut facts = FileFacts {
                file: rel.clone(),
                crate_name: crate::discover::NO_CRATE.to_owned(),
                ..FileFacts::default()
            };
            let text = texts[index].as_deref();
            match (&modules[index], text) {
                (_, None) => {
                    facts.failure = Some(ParseFailure {
                        location: Location {
                            file: rel.clone(),
                            line: 1,
                            column: 1,
                        },
                        message: "could not read the file as UTF-8 text".to_owned(),
                    });
                }
                (None, Some(text))
                    if (!prefilter || may_hold_site(text)) && text.len() > MAX_BYTES =>
                {
                    facts.failure = Some(ParseFailure {
                        location: Location {
                            file: rel.clone(),
                            line: 1,
                            column: 1,
                        },
                        message: format!(
                            "front-end file too large to parse: {:.1} MiB (the limit is {} MiB); a bundle? exclude it",
                            text.len() as f64 / (1024.0 * 1024.0),
                            MAX_BYTES / (1024 * 1024)
                        ),
                    });
                }
                (None, Some(_)) => facts.skipped = true,
                (Some(module), Some(_)) => {
                    if let Some((offset, message)) = &module.failure {
                        let (line, column) = line_column(&module.text, *offset);
                        facts.failure = Some(ParseFailure {
                            location: Location {
                                file: rel.clone(),
                                line,
                                column,
                            },
                            message: message.clone(),
                        });
                        return facts;
                    }
                    facts.functions = (0..module.handlers)
                        .map(|_| FnFact {
                            name: "{closure}".to_owned(),
                            owner: None,
                            module: vec![crate::discover::NO_CRATE.to_owned(), rel.clone()],
                            params: Vec::new(),
                            param_types: Vec::new(),
                            returns: None,
                        })
                        .collect();
                    facts.suppressions = crate::extract::source::suppressions(&module.text, rel);
                    for (key, expr, offset) in &module.invokes {
                        let (line, column) = line_column(&module.text, *offset);
                        facts.invokes.push(Invoke {
                            name: lookup(index, key),
                            expr: expr.clone(),
                            location: Location {
                                file: rel.clone(),
                                line,
                                column,
                            },
                        });
                    }
                    let own = module.sites.iter().filter(|site| {
                        !site
                            .wrapper
                            .as_ref()
                            .is_some_and(|name| resolved.contains(&(index, name.clone())))
                    });
                    let own = own.map(|site| (site, site_key(index, &site.key)));
                    let typed = module.typed_sites.iter().filter_map(|site| {
                        typed_site_key(index, &site.key).map(|key| (site, KeyExpr::Str(key)))
                    });
                    let own = own.chain(typed);
                    let calls = called[index]
                        .iter()
                        .map(|(call, key)| (&call.site, KeyExpr::Str(key.clone())));
                    for (site, key) in own.chain(calls) {
                        let (line, column) = line_column(&module.text, site.offset);
                        facts.sites.push(RawSite {
                            location: Location {
                                file: rel.clone(),
                                line,
                                column,
                            },
                            kind: site.kind,
                            key,
                            key_text: site.key_text.clone(),
                            holder: Holder::Type(rel.clone()),
                            function: None,
                            body: match site.kind {
                                SiteKind::Publish => site.body.map(Body::Fn),
                                SiteKind::Subscribe => None,
                            },
                            handler: site.handler.clone(),
                            handler_ref: site.handler.as_ref().map(|_| match site.body {
                                Some(body) if site.kind == SiteKind::Subscribe => {
                                    HandlerRef::Fn(body)
                                }
                                _ => HandlerRef::Opaque,
                            }),
                            payload: None,
                            name_only: false,
                            method_key: None,
                            own_path: None,
                        });
                    }
                }
            }
            facts
        })
        .collect()
}

/// A call of a wrapper (DESIGN.md precise rule 6): the site it is, located at the call, and
/// the wrapper it calls (`(module, name)`).
struct CalledSite {
    site: RawFrontSite,
    of: (usize, String),
    /// Of a typed-event wrapper: the argument must be a typed event.
    typed: bool,
}

/// Files the prefilter skipped that name a wrapper of a parsed module: a hook's callers
/// (`useTauriListen(KEYS.Saved, ..)`) need not mention the API. A default-exported wrapper
/// is named by its module's file stem, which the callers' import paths spell.
fn parse_wrapper_callers(
    rels: &[String],
    texts: &[Option<String>],
    modules: &mut [Option<Module>],
) {
    use rayon::prelude::*;
    let mut names: BTreeSet<String> = BTreeSet::new();
    for (rel, module) in rels.iter().zip(modules.iter()) {
        let Some(module) = module else { continue };
        // tauri-specta's typed events are used by name (`events.savedEvent.listen(h)`)
        // from files that need not mention the API.
        names.extend(module.typed_events.iter().cloned());
        // A class field bound to a wrapper is called by the member's name
        // (`this.backend.listen(..)`).
        names.extend(
            module
                .class_members
                .iter()
                .filter(|(_, bound)| module.wrappers.contains_key(*bound))
                .map(|(member, _)| member.clone()),
        );
        for name in module.wrappers.keys() {
            if name == "default" || module.default_export.as_ref() == Some(name) {
                let stem = rel.rsplit('/').next().unwrap_or(rel);
                names.insert(stem.split('.').next().unwrap_or(stem).to_owned());
            }
            if name != "default" {
                names.insert(name.clone());
            }
        }
    }
    if names.is_empty() {
        return;
    }
    let parsed: Vec<(usize, Module)> = modules
        .par_iter()
        .enumerate()
        .filter_map(|(index, module)| {
            let text = texts[index].as_deref()?;
            (module.is_none()
                && text.len() <= MAX_BYTES
                && names.iter().any(|name| text.contains(name.as_str())))
            .then(|| (index, parse_module(&rels[index], text)))
            // Read only because it names a wrapper: a file that does not parse as a
            // module (a script's top-level `return`) calls none that choreo could see,
            // and names no API to report it for.
            .filter(|(_, module)| module.failure.is_none())
        })
        .collect();
    for (index, module) in parsed {
        modules[index] = Some(module);
    }
}

/// Whether `object`, as module `index` names it, is tauri-specta's typed events: its own
/// (`const events = __makeEvents__(..)`) or imported from a module that defines them.
fn is_typed_events(
    rels: &[String],
    modules: &[Option<Module>],
    known: &Resolver<'_>,
    index: usize,
    object: &str,
) -> bool {
    definition(rels, modules, known, index, object, 0)
        .and_then(|(target, name)| Some((modules[target].as_ref()?, name)))
        .is_some_and(|(module, name)| module.typed_events.contains(&name))
}

/// How deep re-exports are followed.
const MAX_REEXPORTS: usize = 8;

/// The module (and the name there) that defines what module `target` names `name`:
/// itself, or through its imports and re-exports (`export { x } from`, `export * from`, a
/// package's `index.ts`), among the parsed modules.
fn definition(
    rels: &[String],
    modules: &[Option<Module>],
    known: &Resolver<'_>,
    target: usize,
    name: &str,
    depth: usize,
) -> Option<(usize, String)> {
    let module = modules[target].as_ref()?;
    if module.consts.contains_key(name)
        || module.enums.contains_key(name)
        || module.typed_events.contains(name)
    {
        return Some((target, name.to_owned()));
    }
    if depth >= MAX_REEXPORTS {
        return None;
    }
    if let Some((source, imported)) = module.imports.get(name) {
        let next = known.resolve(&rels[target], source)?;
        return definition(rels, modules, known, next, imported, depth + 1);
    }
    module.star_exports.iter().find_map(|source| {
        let next = known.resolve(&rels[target], source)?;
        definition(rels, modules, known, next, name, depth + 1)
    })
}

/// The modules of the functions that parsed modules hand a typed event to
/// (`createTauriEventListener(events.layoutEvent, cb)`): such a wrapper need not name the
/// API or the typed events itself.
fn parse_typed_event_callees(
    rels: &[String],
    texts: &[Option<String>],
    modules: &mut [Option<Module>],
    known: &Resolver<'_>,
) {
    let mut wanted: Vec<usize> = Vec::new();
    for (index, module) in modules.iter().enumerate() {
        let Some(module) = module else { continue };
        for call in &module.calls {
            let hands_typed = call.args.iter().any(|(key, _, _)| {
                matches!(key, KeyRef::Member(object, _)
                    if is_typed_events(rels, modules, known, index, object))
            });
            if !hands_typed {
                continue;
            }
            if let Some((source, _)) = module.imports.get(&call.callee) {
                wanted.extend(
                    known
                        .resolve(&rels[index], source)
                        .filter(|&target| modules[target].is_none()),
                );
            }
        }
    }
    wanted.sort_unstable();
    wanted.dedup();
    for index in wanted {
        if let Some(text) = texts[index].as_deref().filter(|t| t.len() <= MAX_BYTES) {
            modules[index] = Some(parse_module(&rels[index], text));
        }
    }
}

/// The wrapper calls of each module, as sites at the calls with keys as written.
fn wrapper_calls(
    rels: &[String],
    modules: &[Option<Module>],
    known: &Resolver<'_>,
) -> Vec<Vec<CalledSite>> {
    // Class members bound to a wrapper (`listen = tauriListen`), once for every call through
    // one: member → (module, wrapper), the first module in path order that binds it.
    let mut bound_members: std::collections::HashMap<&str, (usize, &str)> =
        std::collections::HashMap::new();
    for (target, module) in modules.iter().enumerate() {
        let Some(module) = module else { continue };
        for (member, bound) in &module.class_members {
            if module.wrappers.contains_key(bound) {
                bound_members
                    .entry(member.as_str())
                    .or_insert((target, bound.as_str()));
            }
        }
    }
    modules
        .iter()
        .enumerate()
        .map(|(index, module)| {
            let Some(module) = module else {
                return Vec::new();
            };
            let mut sites = Vec::new();
            for call in &module.calls {
                // `this.backend.listen(..)`: the member a class binds to a wrapper
                // (`listen = tauriListen`). The object's type is seldom imported where it is
                // used (an interface, an injected service), so the class may be any module's:
                // this module's first, else the first, in path order, whose class binds it.
                let member = call.callee.strip_prefix(parse::CLASS_MEMBER);
                let target = if let Some(member) = member {
                    module
                        .class_members
                        .get(member)
                        .filter(|bound| module.wrappers.contains_key(*bound))
                        .map(|bound| (index, bound.clone()))
                        .or_else(|| {
                            bound_members
                                .get(member)
                                .map(|&(target, bound)| (target, bound.to_owned()))
                        })
                } else {
                    match (
                        module.imports.get(&call.callee),
                        module.hook_members.get(&call.callee),
                    ) {
                        (Some((source, imported)), _) => known
                            .resolve(&rels[index], source)
                            .map(|target| (target, imported.clone())),
                        // A wrapper a hook returns: named like the hook's property.
                        (None, Some((hook, member))) => match module.imports.get(hook) {
                            Some((source, _)) => known
                                .resolve(&rels[index], source)
                                .map(|target| (target, member.clone())),
                            None => Some((index, member.clone())),
                        },
                        (None, None) => Some((index, call.callee.clone())),
                    }
                };
                let Some((target, mut name)) = target else {
                    continue;
                };
                let Some(other) = modules[target].as_ref() else {
                    continue;
                };
                if name == "default" {
                    if let Some(bound) = &other.default_export {
                        name.clone_from(bound);
                    }
                }
                let Some(wrappers) = other.wrappers.get(&name) else {
                    continue;
                };
                for wrapper in wrappers {
                    let Some((key, key_text, _)) = call.args.get(wrapper.key_param) else {
                        continue;
                    };
                    // Through a member, only a call that passes a key is the wrapper's:
                    // `this.server.listen(3000)` is another API's.
                    if member.is_some() && *key == KeyRef::Unknown {
                        continue;
                    }
                    let handler = (wrapper.kind == SiteKind::Subscribe).then(|| {
                        wrapper
                            .handler_param
                            .and_then(|at| call.args.get(at))
                            .map_or_else(|| "{closure}".to_owned(), |(_, _, h)| h.clone())
                    });
                    sites.push(CalledSite {
                        site: RawFrontSite {
                            kind: wrapper.kind,
                            key: key.clone(),
                            key_text: key_text.clone(),
                            offset: call.offset,
                            handler,
                            body: match wrapper.kind {
                                SiteKind::Publish => call.body,
                                SiteKind::Subscribe => None,
                            },
                            wrapper: None,
                        },
                        of: (target, name.clone()),
                        typed: wrapper.typed,
                    });
                }
            }
            sites
        })
        .collect()
}

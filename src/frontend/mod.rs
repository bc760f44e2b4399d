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

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::GlobSet;

use crate::discover::relative;
use crate::extract::{Body, FileFacts, FnFact, HandlerRef, Holder, Invoke, KeyExpr, RawSite};
use crate::model::{Location, ParseFailure, SiteKind};

mod imports;
mod parse;

use imports::{resolve_import, Aliases};
use parse::{line_column, parse_module, KeyRef, Module};

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

/// The front-end files under `root`, sorted: `(path, relative path)`.
pub fn discover(root: &Path, exclude: &GlobSet) -> Vec<(PathBuf, String)> {
    discover_with_configs(root, exclude).0
}

/// Whether a file name is a TypeScript or JavaScript project config (import aliases).
fn is_ts_config(name: &str) -> bool {
    name == "jsconfig.json" || (name.starts_with("tsconfig") && name.ends_with(".json"))
}

/// [`discover`], and the `tsconfig*.json`/`jsconfig.json` files beside them.
type Found = (Vec<(PathBuf, String)>, Vec<(PathBuf, String)>);

fn discover_with_configs(root: &Path, exclude: &GlobSet) -> Found {
    if !root.is_dir() {
        return Found::default();
    }
    let walker = crate::discover::walker(root)
        .filter_entry(|entry| {
            !(entry.depth() > 0
                && entry.file_type().is_some_and(|t| t.is_dir())
                && entry
                    .file_name()
                    .to_str()
                    .is_some_and(|name| SKIPPED_DIRS.contains(&name)))
        })
        .build();
    let (mut files, mut configs): Found = Default::default();
    for entry in walker
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_some_and(|t| t.is_file()))
    {
        let source = entry
            .path()
            .extension()
            .and_then(|ext| ext.to_str())
            .is_some_and(|ext| EXTENSIONS.contains(&ext));
        let config = entry.file_name().to_str().is_some_and(is_ts_config);
        if !(source || config) {
            continue;
        }
        let rel = relative(root, entry.path());
        if exclude.is_match(&rel) {
            continue;
        }
        let found = (entry.into_path(), rel);
        if source {
            files.push(found);
        } else {
            configs.push(found);
        }
    }
    files.sort();
    configs.sort();
    (files, configs)
}

/// Parses the front end's files and returns their facts: files that may hold a site (the
/// prefilter), and the relative modules their keys are imported from. The others are
/// `skipped`.
pub fn analyze(root: &Path, exclude: &GlobSet) -> Vec<FileFacts> {
    use rayon::prelude::*;
    let (files, configs) = discover_with_configs(root, exclude);
    let aliases = Aliases::read(&configs);
    let texts: Vec<Option<String>> = files
        .par_iter()
        .map(|(path, _)| std::fs::read_to_string(path).ok())
        .collect();
    let rels: Vec<String> = files.into_iter().map(|(_, rel)| rel).collect();
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
    let known: BTreeMap<String, usize> = rels
        .iter()
        .enumerate()
        .map(|(i, rel)| (rel.clone(), i))
        .collect();
    let mut modules: Vec<Option<Module>> = rels
        .par_iter()
        .zip(texts)
        .map(|(rel, text)| {
            let text = text.as_deref()?;
            ((!prefilter || may_hold_site(text)) && text.len() <= MAX_BYTES)
                .then(|| parse_module(rel, text))
        })
        .collect();
    // The relative modules that keys are imported from, parsed on demand.
    let mut wanted: Vec<usize> = Vec::new();
    for (index, module) in modules.iter().enumerate() {
        let Some(module) = module else { continue };
        let keys = module.sites.iter().map(|site| &site.key);
        for key in keys.chain(module.invokes.iter().map(|(key, _, _)| key)) {
            let name = match key {
                KeyRef::Ident(name) | KeyRef::Member(name, _) => name,
                _ => continue,
            };
            if module.consts.contains_key(name) || module.enums.contains_key(name) {
                continue;
            }
            if let Some((source, _)) = module.imports.get(name) {
                wanted.extend(resolve_import(&rels[index], source, &known, aliases));
            }
        }
    }
    wanted.sort_unstable();
    wanted.dedup();
    for index in wanted {
        if modules[index].is_none() {
            if let Some(text) = texts[index].as_deref().filter(|t| t.len() <= MAX_BYTES) {
                modules[index] = Some(parse_module(&rels[index], text));
            }
        }
    }

    let lookup = |index: usize, key: &KeyRef| -> Option<String> {
        let module = modules[index].as_ref()?;
        let local = |module: &Module, key: &KeyRef| match key {
            KeyRef::Str(s) => Some(s.clone()),
            KeyRef::Ident(name) => module.consts.get(name).cloned(),
            KeyRef::Member(object, member) => module
                .enums
                .get(object)
                .and_then(|e| e.get(member))
                .cloned(),
            KeyRef::Unknown => None,
        };
        if let Some(found) = local(module, key) {
            return Some(found);
        }
        let (name, member) = match key {
            KeyRef::Ident(name) => (name, None),
            KeyRef::Member(object, member) => (object, Some(member)),
            _ => return None,
        };
        let (source, imported) = module.imports.get(name)?;
        let target = resolve_import(&rels[index], source, &known, aliases)?;
        let other = modules[target].as_ref()?;
        match member {
            None => other.consts.get(imported).cloned(),
            Some(member) => other.enums.get(imported)?.get(member).cloned(),
        }
    };

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
                    for site in &module.sites {
                        let (line, column) = line_column(&module.text, site.offset);
                        let key = lookup(index, &site.key).map_or(KeyExpr::Unknown, KeyExpr::Str);
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
                                Some(body) => HandlerRef::Fn(body),
                                None => HandlerRef::Opaque,
                            }),
                            payload: None,
                            name_only: false,
                            method_key: None,
                        });
                    }
                }
            }
            facts
        })
        .collect()
}
